/*
 * carerhub stats: the router's counters, for the commissioning team:
 * referrals by source, provider, authority, referring organisation and
 * month, new cases and updates, deliveries.
 */
#include "cli.h"

#include "clnt/clnt.h"
#include "util/buf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <zmq.h>

int cli_stats(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    Carerhub__Envelope *rep;
    const hubconf_t *conf;
    clnt_keys_t keys;
    void *ctx;
    bool json = false;
    int c, err;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'j')
            return cli_bad_option("stats", argv, opts);
        json = true;
    }
    if (argc - optind != 0) {
        cli_error("stats", "usage: carerhub stats [--json]");
        return EX_USAGE;
    }
    conf = cli_conf(cli);
    cli_keys(cli, "operator", "router", &keys);
    ctx = zmq_ctx_new();
    rep = clnt_stats(ctx, conf->router.control_endpoint, &keys, 10000);
    err = errno;
    zmq_ctx_term(ctx);
    if (!rep)
        return cli_unanswered("stats", "router", conf->router.control_endpoint, err);
    if (rep->body_case != CARERHUB__ENVELOPE__BODY_STATS_REPLY) {
        /* forbidden 77; the case store unreadable 69, not a refusal */
        int rc = cli_refused("stats", rep);
        carerhub__envelope__free_unpacked(rep, NULL);
        return rc;
    }
    /* A counter's key holds ids that peers sent (a referrer's code, a
     * provider): JSON-escaped or escaped for the terminal, never raw. */
    if (json) {
        buf_t b = BUF_INIT;
        buf_addc(&b, '{');
        for (size_t i = 0; i < rep->stats_reply->n_counts; i++) {
            const Carerhub__Count *k = rep->stats_reply->counts[i];
            if (i)
                buf_addc(&b, ',');
            buf_json_str(&b, k->key ? k->key : "");
            buf_printf(&b, ":%llu", (unsigned long long)k->value);
        }
        buf_addc(&b, '}');
        printf("%s\n", b.data);
        buf_free(&b);
    } else {
        for (size_t i = 0; i < rep->stats_reply->n_counts; i++) {
            const Carerhub__Count *k = rep->stats_reply->counts[i];
            cli_print(stdout, "%-40s %llu", k->key ? k->key : "", (unsigned long long)k->value);
        }
    }
    carerhub__envelope__free_unpacked(rep, NULL);
    return 0;
}
