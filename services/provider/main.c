/*
 * carerhub-provider -c FILE --provider ID --out DIR: arguments,
 * configuration, keys, signals and the loop. See provider.h.
 */
#include "provider.h"

#include "domain/route.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

typedef struct {
    const char *provider;
    const char *out;
    const char *key;
} s_opts_t;

static int s_opt(int opt, const char *arg, void *ctx)
{
    s_opts_t *o = ctx;
    if (opt == 'p')
        o->provider = arg;
    else if (opt == 'o')
        o->out = arg;
    else if (opt == 'k')
        o->key = arg;
    else
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option extra[] = {
        {"provider", required_argument, NULL, 'p'},
        {"out", required_argument, NULL, 'o'},
        {"key", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    s_opts_t o = {NULL, NULL, NULL};
    clnt_keys_t keys;
    daemon_args_t args;
    hubconf_t *conf;
    spool_t *spool;
    outbox_t *outbox;
    provider_agent_t *agent;
    int rc;

    daemon_parse_args(argc, argv, "carerhub-provider", "--provider ID --out DIR [--key FILE]",
                      extra, s_opt, &o, &args);
    if (!o.provider || !o.out) {
        fprintf(stderr, "carerhub-provider: --provider ID and --out DIR are required\n");
        return EX_USAGE;
    }
    if (!route_id_ok(o.provider)) {
        fprintf(stderr,
                "carerhub-provider: '%s' is not a provider id (1-32 lower-case letters, "
                "digits or '-')\n",
                o.provider);
        return EX_USAGE;
    }
    conf = daemon_load_conf(&args);
    if (provider_agent_keys(conf, o.provider, o.key, &keys) < 0)
        return EX_CONFIG;
    daemon_check_done(&args);
    daemon_signals();
    {
        /* Locked before the spool is opened: finishing what a previous run
         * left is for one agent alone. */
        char *state = xasprintf("%s/.carerhub", o.out);
        if (file_private_dir(o.out) < 0 || file_private_dir(state) < 0) {
            log_error("cannot create %s: %s", state, strerror(errno));
            return EX_CANTCREAT;
        }
        daemon_lock(state);
        free(state);
    }
    if (!(spool = spool_open(o.out)) || !(outbox = outbox_open(o.out, o.provider)))
        return EX_CANTCREAT;
    agent = provider_agent_new(&args, conf, o.provider, spool, outbox, &keys);
    log_info("agent for %s: receiving from %s into %s", o.provider, conf->router.delivery_endpoint,
             o.out);
    while (!daemon_stopping() && !provider_agent_stopped(agent)) {
        if (daemon_take_reload())
            provider_agent_reload(agent);
        provider_agent_step(agent);
    }
    rc = provider_agent_stopped(agent) ? PROVIDER_EX_SECOND : 0;
    provider_agent_destroy(&agent);
    daemon_zmq_term();
    outbox_close(&outbox);
    spool_close(&spool);
    memset(&keys, 0, sizeof keys);
    return rc;
}
