/*
 * carerhub-provider -c FILE --provider ID --out DIR: arguments, the
 * connection to the router and the loop. See provider.h.
 */
#include "provider.h"

#include "clnt/clnt.h"
#include "daemon/daemon.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "wire/curve.h"
#include "wire/wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <zmq.h>

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

static bool s_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 64)
        return false;
    for (; *id; id++)
        if (!((*id >= 'A' && *id <= 'Z') || (*id >= 'a' && *id <= 'z') ||
              (*id >= '0' && *id <= '9') || *id == '-'))
            return false;
    return true;
}

static void *s_connect(const hubconf_t *conf, const keypair_t *kp, const char *router_pub)
{
    void *sock = daemon_socket(ZMQ_DEALER);
    int one = 1;
    if (curve_client(sock, kp, router_pub) < 0)
        log_fatalx("cannot make a CURVE client socket: %s", zmq_strerror(zmq_errno()));
    zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof one);
    daemon_connect(sock, conf->router.delivery_endpoint);
    return sock;
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
    keypair_t kp;
    char router_pub[CURVE_Z85], err[512];
    daemon_args_t args;
    hubconf_t *conf;
    spool_t *spool;
    void *sock, *watch;
    Carerhub__Envelope **envs;
    Carerhub__Delivery **ds;
    uint64_t *ids;
    bool *stored;
    int64_t next_hello = 0, last_heard;
    bool refused = false; /* told so by the router: say it once, ask seldom */
    unsigned long written_total = 0, duplicates = 0;
    uint32_t credit;

    daemon_parse_args(argc, argv, "carerhub-provider", "--provider ID --out DIR [--key FILE]",
                      extra, s_opt, &o, &args);
    if (!o.provider || !o.out) {
        fprintf(stderr, "carerhub-provider: --provider ID and --out DIR are required\n");
        return EX_USAGE;
    }
    if (!s_id_ok(o.provider)) {
        fprintf(stderr, "carerhub-provider: '%s' is not a provider id\n", o.provider);
        return EX_USAGE;
    }
    conf = daemon_load_conf(&args);
    {
        /* The agent's own key (by default keys_dir/provider-<id>.key) and the
         * router's public key. */
        char *kpath = o.key ? xstrdup(o.key)
                            : xasprintf("%s/provider-%s.key", conf->security.keys_dir, o.provider);
        char *ppath = xasprintf("%s/router.pub", conf->security.keys_dir);
        if (curve_load_secret(kpath, &kp, err, sizeof err) < 0 ||
            curve_load_public(ppath, router_pub, err, sizeof err) < 0) {
            fprintf(stderr, "carerhub-provider: %s\n", err);
            log_error("%s", err);
            return EX_CONFIG;
        }
        free(kpath);
        free(ppath);
    }
    if (args.check_only) {
        printf("configuration OK\n");
        hubconf_destroy(&conf);
        return 0;
    }
    daemon_signals();
    spool = spool_open(o.out);
    if (!spool)
        return 73;
    {
        char *state = xasprintf("%s/.carerhub", o.out);
        daemon_lock(state);
        free(state);
    }
    credit = (uint32_t)conf->provider.credit;
    envs = xcalloc(credit, sizeof *envs);
    ds = xcalloc(credit, sizeof *ds);
    ids = xcalloc(credit, sizeof *ids);
    stored = xcalloc(credit, sizeof *stored);
    sock = s_connect(conf, &kp, router_pub);
    watch = clnt_watch(daemon_zmq(), sock);
    last_heard = clock_mono_ms();
    log_info("agent for %s: receiving from %s into %s", o.provider, conf->router.delivery_endpoint,
             o.out);

    while (!daemon_stopping()) {
        zmq_pollitem_t items[2] = {{sock, 0, ZMQ_POLLIN, 0}, {watch, 0, ZMQ_POLLIN, 0}};
        int64_t now = clock_mono_ms();
        size_t n = 0, nids = 0, written = 0;

        if (daemon_take_reload()) {
            hubconf_t *c = daemon_reload_conf(&args, conf);
            if (c) {
                if (strcmp(c->router.delivery_endpoint, conf->router.delivery_endpoint))
                    log_warn("reload: the router endpoint changes only on restart");
                c->provider.credit = credit; /* buffers are sized for it */
                hubconf_destroy(&conf);
                conf = c;
                log_info("configuration reloaded");
            }
        }
        if (now >= next_hello) {
            /* Also a heartbeat: a restarted router learns of us from it. Not
             * yet connected: try again soon. */
            if (router_clnt_hello(sock, o.provider, credit) == 0)
                next_hello = now + conf->provider.hello_ms;
            else
                next_hello = now + 50;
        }
        if (zmq_poll(items, watch ? 2 : 1,
                     next_hello - now < 1000 ? (long)(next_hello > now ? next_hello - now : 1)
                                             : 1000) < 0 &&
            zmq_errno() != EINTR)
            log_fatalx("poll: %s", zmq_strerror(zmq_errno()));
        if ((items[1].revents & ZMQ_POLLIN) && clnt_refused(watch) && !refused) {
            log_error("the router refused this agent's key (fingerprint %.12s): it is not "
                      "listed in the hub's participants; retrying",
                      kp.pub);
            refused = true;
        }
        while (n < credit) {
            Carerhub__Envelope *env = NULL;
            wire_status_t st = wire_recv(sock, false, NULL, &env, ZMQ_DONTWAIT);
            if (st == WIRE_AGAIN || st == WIRE_FAILED)
                break;
            if (st != WIRE_OK) {
                log_warn("refused a message from the router: %s", wire_status_str(st));
                continue;
            }
            last_heard = clock_mono_ms();
            if (env->body_case == CARERHUB__ENVELOPE__BODY_HELLO) {
                if (refused)
                    log_info("the router accepts this agent again");
                refused = false;
                carerhub__envelope__free_unpacked(env, NULL);
                continue; /* the router's heartbeat */
            }
            if (env->body_case == CARERHUB__ENVELOPE__BODY_ERROR) {
                /* Refused: until the operator changes the participants
                 * file, asking again changes nothing; ask every 30 s. */
                if (!refused)
                    log_error("the router refused this agent: %s; asking again every 30 s",
                              env->error->message ? env->error->message : "");
                refused = true;
                next_hello = clock_mono_ms() + 30000;
                carerhub__envelope__free_unpacked(env, NULL);
                continue;
            }
            if (env->body_case != CARERHUB__ENVELOPE__BODY_DELIVERY || !env->delivery->case_ ||
                !env->delivery->has_delivery_id || !s_id_ok(env->delivery->referral_id)) {
                log_warn("refused a message from the router: not a delivery this agent can "
                         "store");
                carerhub__envelope__free_unpacked(env, NULL);
                continue;
            }
            if (env->delivery->case_->provider &&
                strcmp(env->delivery->case_->provider, o.provider) != 0) {
                log_error("refused delivery %llu: it is for %s, not %s",
                          (unsigned long long)env->delivery->delivery_id,
                          env->delivery->case_->provider, o.provider);
                carerhub__envelope__free_unpacked(env, NULL);
                continue;
            }
            envs[n] = env;
            ds[n++] = env->delivery;
        }
        if (n > 0) {
            if (spool_write(spool, ds, n, stored, &written) == 0) {
                /* One not stored (its file name taken) stays with the
                 * router, which sends it again later. */
                for (size_t i = 0; i < n; i++)
                    if (stored[i])
                        ids[nids++] = ds[i]->delivery_id;
                written_total += written;
                duplicates += nids - written;
                if (nids > 0 && router_clnt_delivery_ack(sock, ids, nids, credit) < 0)
                    log_warn("acknowledgement not sent (%s); the router will resend",
                             zmq_strerror(errno));
                log_debug("stored %zu delivery(ies), %zu new file(s)", n, written);
            }
            for (size_t i = 0; i < n; i++)
                carerhub__envelope__free_unpacked(envs[i], NULL);
        }
        /* A router that went away leaves our socket talking to nobody: start
         * a fresh connection (Lazy Pirate), and say hello again. */
        if (clock_mono_ms() - last_heard > 4 * conf->provider.hello_ms + 10000) {
            if (watch)
                zmq_close(watch);
            zmq_close(sock);
            sock = s_connect(conf, &kp, router_pub);
            watch = clnt_watch(daemon_zmq(), sock);
            last_heard = clock_mono_ms();
            if (!refused)
                next_hello = 0;
        }
    }
    log_info("stopping: %lu file(s) written, %lu redelivery(ies) recognised", written_total,
             duplicates);
    if (watch)
        zmq_close(watch);
    zmq_close(sock);
    daemon_zmq_term();
    spool_close(&spool);
    hubconf_destroy(&conf);
    free(envs);
    free(ds);
    free(ids);
    free(stored);
    memset(&kp, 0, sizeof kp);
    return 0;
}
