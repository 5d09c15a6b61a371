/*
 * The agent's work with the router: say hello (also the heartbeat), take
 * the deliveries that arrive, make them durable in the spool, acknowledge
 * them, carry the outcome files to the router and act on its answers, and
 * start a fresh connection when the router has gone quiet. See provider.h.
 */
#include "provider.h"

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
#include <zmq.h>

/* How long a delivery may wait for others to share its batch. The router
 * resends after router.redeliver_ms (seconds), far longer. */
#define S_GATHER_MS 10

struct provider_agent {
    const daemon_args_t *args;
    hubconf_t *conf; /* owned */
    const char *provider;
    spool_t *spool;   /* borrowed */
    outbox_t *outbox; /* borrowed */
    clnt_keys_t keys;
    clnt_conn_t conn;
    Carerhub__Envelope **envs;
    Carerhub__Delivery **ds;
    uint64_t *ids;
    bool *stored;
    uint32_t credit; /* buffers hold this many deliveries */
    /* Deliveries received and not yet stored: held for up to S_GATHER_MS
     * from the first, so that at a steady trickle several share one
     * batch's syncs instead of each paying five. */
    size_t held;
    int64_t held_at;
    int64_t next_hello, last_heard;
    bool refused; /* told so by the router: say it once, ask seldom */
    bool heard;   /* the router has said hello on this connection */
    bool stopped; /* another agent serves the provider: stop */
    unsigned long written, duplicates, refused_deliveries;
};

int provider_agent_keys(const hubconf_t *conf, const char *provider, const char *key,
                        clnt_keys_t *keys)
{
    char *kpath =
        key ? xstrdup(key) : xasprintf("%s/provider-%s.key", conf->security.keys_dir, provider);
    char *ppath = xasprintf("%s/router.pub", conf->security.keys_dir);
    char err[512];
    int rc = 0;
    if (curve_load_secret(kpath, &keys->me, err, sizeof err) < 0 ||
        curve_load_public(ppath, keys->server, err, sizeof err) < 0) {
        fprintf(stderr, "carerhub-provider: %s\n", err);
        log_error("%s", err);
        rc = -1;
    }
    free(kpath);
    free(ppath);
    return rc;
}

static void s_connect(provider_agent_t *a)
{
    if (clnt_open(&a->conn, daemon_zmq(), a->conf->router.delivery_endpoint, &a->keys) < 0)
        log_fatal("cannot connect to the router at %s", a->conf->router.delivery_endpoint);
    a->last_heard = clock_mono_ms();
    /* Outcomes wait for the router's hello on the new connection, then go
     * again: what was sent on the old one may never have arrived. */
    a->heard = false;
    if (a->outbox)
        outbox_resend(a->outbox);
}

provider_agent_t *provider_agent_new(const daemon_args_t *args, hubconf_t *conf,
                                     const char *provider, spool_t *spool, outbox_t *outbox,
                                     const clnt_keys_t *keys)
{
    provider_agent_t *a = xcalloc(1, sizeof *a);
    a->args = args;
    a->conf = conf;
    a->provider = provider;
    a->spool = spool;
    a->outbox = outbox;
    a->keys = *keys;
    a->credit = (uint32_t)conf->provider.credit;
    a->envs = xcalloc(a->credit, sizeof *a->envs);
    a->ds = xcalloc(a->credit, sizeof *a->ds);
    a->ids = xcalloc(a->credit, sizeof *a->ids);
    a->stored = xcalloc(a->credit, sizeof *a->stored);
    s_connect(a);
    return a;
}

void provider_agent_reload(provider_agent_t *a)
{
    hubconf_t *c = daemon_reload_conf(a->args, a->conf);
    if (!c)
        return;
    if (strcmp(c->router.delivery_endpoint, a->conf->router.delivery_endpoint))
        log_warn("reload: the router endpoint changes only on restart");
    c->provider.credit = a->credit; /* buffers are sized for it */
    hubconf_destroy(&a->conf);
    a->conf = c;
    log_info("configuration reloaded");
}

/* A message from the router that is not a delivery. Returns true when env
 * was one of those (and is freed). */
static bool s_not_a_delivery(provider_agent_t *a, Carerhub__Envelope *env)
{
    char why[200];
    if (env->body_case == CARERHUB__ENVELOPE__BODY_HELLO) {
        /* The router's heartbeat. */
        if (a->refused)
            log_info("the router accepts this agent again");
        a->refused = false;
        a->heard = true;
    } else if (env->body_case == CARERHUB__ENVELOPE__BODY_OUTCOME_REPLY) {
        outbox_reply(a->outbox, env->has_corr ? env->corr : 0, env->outcome_reply);
    } else if (env->body_case == CARERHUB__ENVELOPE__BODY_ERROR && env->has_corr &&
               outbox_error(a->outbox, env->corr, env->error->code, env->error->message)) {
        /* An answer to a report of outcomes, not a refusal of this agent. */
    } else if (env->body_case == CARERHUB__ENVELOPE__BODY_ERROR && env->error->code &&
               strcmp(env->error->code, "agent_connected") == 0) {
        /* Asking again would only take turns with the other agent. */
        const char *msg = env->error->message ? env->error->message : "";
        fprintf(stderr, "carerhub-provider: the router refused this agent: %s; stopping\n", msg);
        log_error("the router refused this agent: %s; stopping", msg);
        a->stopped = true;
    } else if (env->body_case == CARERHUB__ENVELOPE__BODY_ERROR) {
        /* Refused: until the operator changes the participants file,
         * asking again changes nothing; ask every 30 s. */
        if (!a->refused)
            log_error("the router refused this agent: %s; asking again every 30 s",
                      env->error->message ? env->error->message : "");
        a->refused = true;
        a->next_hello = clock_mono_ms() + 30000;
    } else if (env->body_case != CARERHUB__ENVELOPE__BODY_DELIVERY ||
               !env->delivery->has_delivery_id) {
        log_warn("refused a message from the router: not a delivery this agent can store");
    } else if (!provider_delivery_ok(env->delivery, a->provider, why, sizeof why)) {
        /* Not acknowledged: it stays with the router, whose operator sees
         * it wait, and this says why. */
        a->refused_deliveries++;
        log_error("refused delivery %llu: %s", (unsigned long long)env->delivery->delivery_id, why);
    } else {
        return false;
    }
    carerhub__envelope__free_unpacked(env, NULL);
    return true;
}

/* Reads what the router sent, up to the credit, after what is held;
 * returns the deliveries held now. */
static size_t s_receive(provider_agent_t *a)
{
    size_t n = a->held;
    while (n < a->credit) {
        Carerhub__Envelope *env = NULL;
        wire_status_t st = wire_recv(a->conn.sock, false, NULL, &env, ZMQ_DONTWAIT);
        if (st == WIRE_AGAIN || st == WIRE_FAILED)
            break;
        if (st != WIRE_OK) {
            log_warn("refused a message from the router: %s", wire_status_str(st));
            continue;
        }
        a->last_heard = clock_mono_ms();
        if (s_not_a_delivery(a, env))
            continue;
        a->envs[n] = env;
        a->ds[n++] = env->delivery;
    }
    return n;
}

/* Makes n deliveries durable, then acknowledges them. */
static void s_store(provider_agent_t *a, size_t n)
{
    size_t nids = 0, written = 0;
    if (spool_write(a->spool, a->ds, n, a->stored, &written) == 0) {
        /* One not stored (its file name taken) stays with the router,
         * which sends it again later. */
        for (size_t i = 0; i < n; i++)
            if (a->stored[i])
                a->ids[nids++] = a->ds[i]->delivery_id;
        a->written += written;
        a->duplicates += nids - written;
        if (nids > 0 && router_clnt_delivery_ack(a->conn.sock, a->ids, nids, a->credit) < 0)
            log_warn("acknowledgement not sent (%s); the router will resend", zmq_strerror(errno));
        log_debug("stored %zu delivery(ies), %zu new file(s)", n, written);
    }
    for (size_t i = 0; i < n; i++)
        carerhub__envelope__free_unpacked(a->envs[i], NULL);
    a->held = 0;
}

/* Stores what is held when the batch is full or its first has waited
 * long enough (or now, with force); else keeps holding it. */
static void s_gather(provider_agent_t *a, size_t n, bool force)
{
    int64_t now = clock_mono_ms();
    if (n > 0 && a->held == 0)
        a->held_at = now;
    if (n > 0 && (force || n >= a->credit || now - a->held_at >= S_GATHER_MS))
        s_store(a, n);
    else
        a->held = n;
}

void provider_agent_step(provider_agent_t *a)
{
    int64_t now = clock_mono_ms();
    long wait, outcome_wait;
    size_t n;

    if (now >= a->next_hello) {
        /* Also a heartbeat: a restarted router learns of us from it. Not
         * yet connected: try again soon. */
        if (router_clnt_hello(a->conn.sock, a->provider, a->credit) == 0)
            a->next_hello = now + a->conf->provider.hello_ms;
        else
            a->next_hello = now + 50;
    }
    /* Outcome files: read, sent once the router has said hello here. */
    outcome_wait =
        outbox_step(a->outbox, a->conn.sock, a->heard && !a->refused, a->conf->router.redeliver_ms);
    wait =
        a->next_hello - now < 1000 ? (long)(a->next_hello > now ? a->next_hello - now : 1) : 1000;
    if (outcome_wait < wait)
        wait = outcome_wait;
    if (a->held > 0 && wait > a->held_at + S_GATHER_MS - now)
        wait = a->held_at + S_GATHER_MS > now ? (long)(a->held_at + S_GATHER_MS - now) : 0;
    if (clnt_wait(&a->conn, wait) < 0) {
        if (errno != EACCES)
            log_fatalx("poll: %s", zmq_strerror(zmq_errno()));
        if (!a->refused)
            log_error("the router refused this agent's key (fingerprint %.12s): it is not "
                      "listed in the hub's participants; retrying",
                      a->keys.me.pub);
        a->refused = true;
    }
    n = s_receive(a);
    s_gather(a, n, false);
    /* A router that went away leaves our socket talking to nobody: start a
     * fresh connection (Lazy Pirate), and say hello again. */
    if (clock_mono_ms() - a->last_heard > 4 * a->conf->provider.hello_ms + 10000) {
        s_gather(a, a->held, true); /* on the old connection: resent if it is lost */
        clnt_close(&a->conn);
        s_connect(a);
        if (!a->refused)
            a->next_hello = 0;
    }
}

bool provider_agent_stopped(const provider_agent_t *a)
{
    return a->stopped;
}

void provider_agent_destroy(provider_agent_t **ap)
{
    provider_agent_t *a = *ap;
    unsigned long sent, rejected;
    if (!a)
        return;
    s_gather(a, a->held, true); /* what was taken is stored and acknowledged */
    outbox_counts(a->outbox, &sent, &rejected);
    log_info("stopping: %lu file(s) written, %lu redelivery(ies) recognised, %lu delivery(ies) "
             "refused; %lu outcome file(s) recorded, %lu rejected",
             a->written, a->duplicates, a->refused_deliveries, sent, rejected);
    clnt_close(&a->conn);
    hubconf_destroy(&a->conf);
    free(a->envs);
    free(a->ds);
    free(a->ids);
    free(a->stored);
    memset(&a->keys, 0, sizeof a->keys);
    free(a);
    *ap = NULL;
}
