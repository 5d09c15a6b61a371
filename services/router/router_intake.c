/*
 * The router's intake side: Forward messages from the hub's intakes, each
 * checked against the forwarding key (router_take.c decides what may be
 * taken), stored in one transaction per batch and then acknowledged. A
 * batch that cannot be committed for a reason other than the disk is taken
 * one referral at a time, so that one bad referral is parked and never
 * holds back the others.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_STR_(x) #x
#define S_STR(x)  S_STR_(x)

/* Acknowledges what a forward held, but for the referrals named in
 * unstored (may be NULL): those stay with their intake, to be sent again. */
static void s_ack_forward(router_t *r, router_fwd_t *f, const smap_t *unstored)
{
    uint64_t one;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__ForwardAck ack = CARERHUB__FORWARD_ACK__INIT;
    Carerhub__Forward *fwd = f->env->forward;
    char **ids = xcalloc(fwd->n_referrals ? fwd->n_referrals : 1, sizeof *ids);
    uint64_t *seqs = xcalloc(fwd->n_audit ? fwd->n_audit : 1, sizeof *seqs);
    for (size_t i = 0; i < fwd->n_referrals; i++)
        if (fwd->referrals[i]->id && router_fwd_allows(f, fwd->referrals[i]) &&
            !(unstored && smap_get(unstored, fwd->referrals[i]->id, &one)))
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

/* A batch that cannot be committed for a reason other than the disk: take
 * its referrals one at a time, so that one bad referral is parked and never
 * holds back the others. What can be neither taken nor parked goes into
 * unstored, and is not acknowledged. */
static void s_take_one_by_one(router_t *r, router_fwd_t *fwds, size_t n, smap_t *unstored)
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
                snprintf(reason, sizeof reason, "cannot be stored: %s", store_strerror(rc));
                if (router_park_now(r, f->referrals[j], fwds[i].actor, reason) != 0) {
                    log_error("cannot park %s either; leaving it with its intake",
                              f->referrals[j]->id);
                    smap_put(unstored, f->referrals[j]->id, 1);
                }
            }
        }
    }
}

/* Fills f for a forward from peer, or refuses it (returns -1): only the
 * hub's intakes may forward, each its own source, within the bounds. */
static int s_forward_from(router_t *r, const wire_peer_t *peer, Carerhub__Envelope *env,
                          router_fwd_t *f)
{
    const participant_t *who = secure_role(r->sec, peer, ROLE_INTAKE);
    const char *why = NULL;
    memset(f, 0, sizeof *f);
    f->peer = *peer;
    f->env = env;
    secure_actor(r->sec, peer, f->actor, sizeof f->actor);
    if (!who || referral_source_parse(who->scopes[0], &f->source) < 0)
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

void router_intake_open(router_t *r)
{
    int hwm = 100000;
    r->intake_sock = daemon_socket(ZMQ_ROUTER);
    zmq_setsockopt(r->intake_sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    secure_server(r->sec, r->intake_sock, "router intake socket");
    daemon_bind(r->intake_sock, r->conf->router.intake_endpoint);
}

void router_intake_drain(router_t *r)
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
            s_ack_forward(r, &fwds[i], NULL);
    } else if (rc == ENOSPC || rc == EIO || rc == ENOMEM || rc == MDB_MAP_FULL || rc == EDQUOT ||
               rc == MDB_PANIC) {
        /* Not acknowledged: the intakes keep them and send them again. */
        log_error("cannot store %zu referral(s): %s; not acknowledged", refs, store_strerror(rc));
    } else {
        smap_t *unstored = smap_new();
        log_error("a batch of %zu referral(s) cannot be stored (%s); taking them one by one", refs,
                  store_strerror(rc));
        s_take_one_by_one(r, fwds, n, unstored);
        for (size_t i = 0; i < n; i++)
            s_ack_forward(r, &fwds[i], unstored);
        smap_destroy(&unstored);
    }
    for (size_t i = 0; i < n; i++)
        carerhub__envelope__free_unpacked(fwds[i].env, NULL);
    free(fwds);
}
