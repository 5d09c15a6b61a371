/*
 * carerhub-router: arguments, configuration, signals and the loop. See
 * router.h for what the router does.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_STR_(x) #x
#define S_STR(x)  S_STR_(x)

static const char *const s_dbs[] = {"referrals", "cases", "by_nhs", "by_key",    "outbox", "audit",
                                    "parked",    "stats", "meta",   "delivered", NULL};

static int s_load_meta(MDB_txn *txn, void *arg)
{
    router_t *r = arg;
    const char *names[] = {"outbox", "audit", "case"};
    uint64_t *vals[] = {&r->next_outbox, &r->next_audit, &r->next_case};
    for (size_t i = 0; i < 3; i++) {
        MDB_val k = store_val(names[i]), v;
        int rc = mdb_get(txn, store_dbi(r->store, DB_META), &k, &v);
        if (rc == 0 && v.mv_size == 8)
            *vals[i] = router_unkey8(v.mv_data);
        else if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    return 0;
}

static void s_ack_forward(router_t *r, router_fwd_t *f)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__ForwardAck ack = CARERHUB__FORWARD_ACK__INIT;
    Carerhub__Forward *fwd = f->env->forward;
    char **ids = xcalloc(fwd->n_referrals ? fwd->n_referrals : 1, sizeof *ids);
    uint64_t *seqs = xcalloc(fwd->n_audit ? fwd->n_audit : 1, sizeof *seqs);
    for (size_t i = 0; i < fwd->n_referrals; i++)
        if (fwd->referrals[i]->id && router_fwd_allows(f, fwd->referrals[i]))
            ids[ack.n_referral_ids++] = fwd->referrals[i]->id;
    for (size_t i = 0; i < fwd->n_audit; i++)
        if (fwd->audit[i]->has_seq)
            seqs[ack.n_audit_seqs++] = fwd->audit[i]->seq;
    ack.referral_ids = ids;
    ack.audit_seqs = seqs;
    env.body_case = CARERHUB__ENVELOPE__BODY_FORWARD_ACK;
    env.forward_ack = &ack;
    if (wire_send(r->intake_sock, &f->peer, &env, ZMQ_DONTWAIT) < 0)
        log_debug("acknowledgement not sent: %s", zmq_strerror(errno));
    free(ids);
    free(seqs);
}

typedef struct {
    router_t *r;
    Carerhub__Referral *ref;
    const char *actor;
    const char *reason;
} s_poison_t;

static int s_park_txn(MDB_txn *txn, void *arg)
{
    s_poison_t *p = arg;
    uint64_t audit0 = p->r->next_audit;
    int rc = router_park(p->r, txn, p->ref, p->actor, p->reason);
    if (rc == 0)
        rc = router_put_meta(p->r, txn);
    if (rc)
        p->r->next_audit = audit0;
    return rc;
}

/* A batch that cannot be committed for a reason other than the disk: take
 * its referrals one at a time, so that one bad referral is parked and never
 * holds back the others. */
static void s_take_one_by_one(router_t *r, router_fwd_t *fwds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        Carerhub__Forward *f = fwds[i].env->forward;
        for (size_t j = 0; j < f->n_referrals; j++) {
            Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
            Carerhub__Forward one = CARERHUB__FORWARD__INIT;
            router_fwd_t single = fwds[i];
            int rc;
            one.n_referrals = 1;
            one.referrals = &f->referrals[j];
            env.body_case = CARERHUB__ENVELOPE__BODY_FORWARD;
            env.forward = &one;
            single.env = &env;
            rc = router_take(r, &single, 1);
            if (rc != 0 && f->referrals[j]->id && router_fwd_allows(&fwds[i], f->referrals[j])) {
                char reason[160];
                s_poison_t p = {r, f->referrals[j], fwds[i].actor, reason};
                snprintf(reason, sizeof reason, "cannot be stored: %s", mdb_strerror(rc));
                if (store_write(r->store, s_park_txn, &p) != 0)
                    log_error("cannot park %s either; dropping it", f->referrals[j]->id);
            }
        }
    }
}

/* Fills f for a forward from peer, or refuses it (returns -1): only the
 * hub's intakes may forward, each its own source, within the bounds. */
static int s_forward_from(router_t *r, const wire_peer_t *peer, Carerhub__Envelope *env,
                          router_fwd_t *f)
{
    const participant_t *who = secure_peer(r->sec, peer);
    const char *why = NULL;
    memset(f, 0, sizeof *f);
    f->peer = *peer;
    f->env = env;
    secure_actor(r->sec, peer, f->actor, sizeof f->actor);
    if (!who || who->role != ROLE_INTAKE || who->nscopes != 1 ||
        referral_source_parse(who->scopes[0], &f->source) < 0)
        why = "forward refused: only the hub's intakes may forward";
    else if (env->forward->n_referrals > WIRE_FORWARD_MAX ||
             env->forward->n_audit > WIRE_FORWARD_MAX)
        why = "forward refused: more than " S_STR(WIRE_FORWARD_MAX) " referrals or audit records";
    if (why) {
        r->bad++;
        secure_refused(r->sec, "refused-message", f->actor, NULL, why);
        return -1;
    }
    f->program = referral_intake_program(f->source);
    return 0;
}

/* Reads up to one batch of forwarded referrals, stores them in one
 * transaction, then acknowledges them. */
static void s_intake(router_t *r)
{
    router_fwd_t *fwds = NULL;
    size_t n = 0, cap = 0, refs = 0;
    int rc;

    while (refs < (size_t)r->conf->router.batch) {
        wire_peer_t peer;
        Carerhub__Envelope *env = NULL;
        wire_status_t st = wire_recv(r->intake_sock, true, &peer, &env, ZMQ_DONTWAIT);
        if (st == WIRE_AGAIN || st == WIRE_FAILED)
            break;
        if (st != WIRE_OK) {
            r->bad++;
            secure_refuse(r->sec, &peer, "router intake socket", wire_status_str(st));
            continue;
        }
        if (env->body_case != CARERHUB__ENVELOPE__BODY_FORWARD) {
            r->bad++;
            secure_refuse(r->sec, &peer, "router intake socket", "not a forward");
            carerhub__envelope__free_unpacked(env, NULL);
            continue;
        }
        fwds = xgrow(fwds, &cap, n + 1, sizeof *fwds);
        if (s_forward_from(r, &peer, env, &fwds[n]) < 0) {
            carerhub__envelope__free_unpacked(env, NULL);
            continue;
        }
        refs += env->forward->n_referrals;
        n++;
    }
    if (n == 0)
        return;
    rc = router_take(r, fwds, n);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            s_ack_forward(r, &fwds[i]);
    } else if (rc == ENOSPC || rc == EIO || rc == ENOMEM || rc == MDB_MAP_FULL || rc == EDQUOT ||
               rc == MDB_PANIC) {
        /* Not acknowledged: the intakes keep them and send them again. */
        log_error("cannot store %zu referral(s): %s; not acknowledged", refs,
                  rc > 0 ? strerror(rc) : mdb_strerror(rc));
    } else {
        log_error("a batch of %zu referral(s) cannot be stored (%s); taking them one by one", refs,
                  rc > 0 ? strerror(rc) : mdb_strerror(rc));
        s_take_one_by_one(r, fwds, n);
        for (size_t i = 0; i < n; i++)
            s_ack_forward(r, &fwds[i]);
    }
    for (size_t i = 0; i < n; i++)
        carerhub__envelope__free_unpacked(fwds[i].env, NULL);
    free(fwds);
}

static void s_reload(router_t *r)
{
    route_t *rt = NULL;
    hubconf_t *c = daemon_reload_routed(&r->args, r->conf, &rt);
    if (!c)
        return;
    if (strcmp(c->router.intake_endpoint, r->conf->router.intake_endpoint) ||
        strcmp(c->router.delivery_endpoint, r->conf->router.delivery_endpoint) ||
        strcmp(c->router.control_endpoint, r->conf->router.control_endpoint))
        log_warn("reload: endpoints change only on restart");
    route_destroy(&r->rt);
    hubconf_destroy(&r->conf);
    r->rt = rt;
    r->conf = c;
    daemon_open_pcdb(r->conf, &r->pcdb);
    secure_reload(r->sec, c);
    router_agents_recheck(r);
    log_info("configuration reloaded");
}

int main(int argc, char **argv)
{
    router_t *r = xcalloc(1, sizeof *r);
    store_opts_t so = {.dbs = s_dbs, .map_size = (size_t)256 << 20};
    char *dir;
    int err, rc, one = 1;

    daemon_parse_args(argc, argv, "carerhub-router", "", NULL, NULL, NULL, &r->args);
    r->conf = daemon_load_conf(&r->args);
    r->rt = daemon_load_routing(r->conf);
    if (!r->rt)
        return 78;
    if (r->args.check_only) {
        printf("configuration OK\n");
        route_destroy(&r->rt);
        hubconf_destroy(&r->conf);
        free(r);
        return 0;
    }
    daemon_signals();
    dir = hubconf_data_path(r->conf, "router");
    if (file_private_dir(dir) < 0)
        log_fatal("cannot create %s", dir);
    daemon_lock(dir);
    if (r->conf->store_map_mb)
        so.map_size = (size_t)r->conf->store_map_mb << 20;
    r->store = store_open(dir, &so, &err);
    if (!r->store)
        log_fatalx("cannot open the case store in %s: %s", dir,
                   err > 0 ? strerror(err) : mdb_strerror(err));
    if ((rc = store_write(r->store, s_load_meta, r)) != 0)
        log_fatalx("cannot read the case store in %s: %s", dir, mdb_strerror(rc));
    daemon_open_pcdb(r->conf, &r->pcdb);
    r->sec = secure_start(r->conf, "router");

    r->intake_sock = daemon_socket(ZMQ_ROUTER);
    r->delivery_sock = daemon_socket(ZMQ_ROUTER);
    r->control_sock = daemon_socket(ZMQ_ROUTER);
    /* Tell us when an agent is gone instead of dropping its deliveries. */
    zmq_setsockopt(r->delivery_sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    {
        int hwm = 100000;
        zmq_setsockopt(r->delivery_sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(r->intake_sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    }
    secure_server(r->sec, r->intake_sock, "router intake socket");
    secure_server(r->sec, r->delivery_sock, "router delivery socket");
    secure_server(r->sec, r->control_sock, "router control socket");
    daemon_bind(r->intake_sock, r->conf->router.intake_endpoint);
    daemon_bind(r->delivery_sock, r->conf->router.delivery_endpoint);
    daemon_bind(r->control_sock, r->conf->router.control_endpoint);
    log_info("routing for %s; intakes on %s, agents on %s, control on %s; store %s "
             "(%llu cases)",
             route_area(r->rt), r->conf->router.intake_endpoint, r->conf->router.delivery_endpoint,
             r->conf->router.control_endpoint, dir, (unsigned long long)r->next_case);

    while (!daemon_stopping()) {
        zmq_pollitem_t items[10] = {{r->intake_sock, 0, ZMQ_POLLIN, 0},
                                    {r->delivery_sock, 0, ZMQ_POLLIN, 0},
                                    {r->control_sock, 0, ZMQ_POLLIN, 0}};
        size_t nitems = 3 + secure_items(r->sec, items + 3, 7);
        if (daemon_take_reload())
            s_reload(r);
        if (zmq_poll(items, (int)nitems, 100) < 0 && zmq_errno() != EINTR)
            log_fatalx("poll: %s", zmq_strerror(zmq_errno()));
        secure_handle(r->sec);
        s_intake(r);
        router_deliver_drain(r);
        router_control_drain(r);
        router_store_events(r);
        router_deliver_send(r);
        router_deliver_timers(r);
    }
    log_info("stopping: %lu referral(s) taken, %lu resent and already held, %lu parked, "
             "%lu bad message(s)",
             r->taken, r->duplicates, r->parked, r->bad);
    zmq_close(r->intake_sock);
    zmq_close(r->delivery_sock);
    zmq_close(r->control_sock);
    router_store_events(r);
    secure_stop(&r->sec);
    daemon_zmq_term();
    for (size_t i = 0; i < r->nagents; i++) {
        free(r->agents[i].seqs);
        free(r->agents[i].sent_at);
        smap_destroy(&r->agents[i].pending);
    }
    store_close(&r->store);
    pcdb_close(&r->pcdb);
    route_destroy(&r->rt);
    hubconf_destroy(&r->conf);
    free(dir);
    free(r);
    return 0;
}
