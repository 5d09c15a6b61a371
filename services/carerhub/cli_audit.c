/*
 * carerhub audit [--since DATE] [--json]: the hub's audit trail, oldest
 * first: accepted referrals, deliveries, status queries, refused
 * connections and messages. Operators only.
 */
#include "cli.h"

#include "util/buf.h"
#include "util/date.h"
#include "wire/pbjson.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <zmq.h>

/* The start of day (YYYY-MM-DD, local time) in unix ms, or -1. */
static int64_t s_local_midnight_ms(const char *day)
{
    date_t d;
    struct tm tm;
    int y, m, dd;
    if (date_parse(day, &d) < 0)
        return -1;
    date_to_ymd(d, &y, &m, &dd);
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = dd;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm) * 1000;
}

int cli_audit(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    const hubconf_t *conf;
    clnt_keys_t keys;
    int64_t since = 0;
    uint64_t after = 0;
    bool json = false, more = true;
    void *ctx;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j') {
            json = true;
        } else if (c == 's') {
            if ((since = s_local_midnight_ms(optarg)) < 0) {
                cli_error("audit", "--since must be a date written YYYY-MM-DD");
                return EX_USAGE;
            }
        } else {
            return cli_bad_option("audit", argv, opts);
        }
    }
    if (argc - optind != 0) {
        cli_error("audit", "usage: carerhub audit [--since DATE] [--json]");
        return EX_USAGE;
    }
    conf = cli_conf(cli);
    cli_keys(cli, "operator", "router", &keys);
    ctx = zmq_ctx_new();
    while (more) {
        Carerhub__Envelope *rep =
            clnt_audit(ctx, conf->router.control_endpoint, &keys, since, after, 1000, 10000);
        if (!rep) {
            rc = cli_unanswered("audit", "router", conf->router.control_endpoint, errno);
            break;
        }
        if (rep->body_case != CARERHUB__ENVELOPE__BODY_AUDIT_REPLY) {
            /* forbidden 77; the case store unreadable 69, not a refusal */
            rc = cli_refused("audit", rep);
            carerhub__envelope__free_unpacked(rep, NULL);
            break;
        }
        for (size_t i = 0; i < rep->audit_reply->n_records; i++) {
            const Carerhub__AuditRecord *a = rep->audit_reply->records[i];
            after = a->seq;
            if (json) {
                buf_t b = BUF_INIT;
                pbjson_message(&b, &a->base);
                printf("%s\n", b.data);
                buf_free(&b);
            } else {
                time_t t = (time_t)(a->at / 1000);
                struct tm tm;
                char when[32];
                localtime_r(&t, &tm);
                strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
                cli_print(stdout, "%s  %-18s %-22s %-20s %-9s %-13s %s", when,
                          a->event ? a->event : "", a->actor ? a->actor : "",
                          a->referral_id ? a->referral_id : "-", a->case_id ? a->case_id : "-",
                          a->provider ? a->provider : "-", a->detail ? a->detail : "");
            }
        }
        more =
            rep->audit_reply->has_more && rep->audit_reply->more && rep->audit_reply->n_records > 0;
        carerhub__envelope__free_unpacked(rep, NULL);
    }
    zmq_ctx_term(ctx);
    memset(&keys, 0, sizeof keys);
    return rc;
}
