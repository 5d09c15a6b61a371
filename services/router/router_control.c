/*
 * The router's control socket: where a referral is, counts for the
 * commissioning team, and the audit trail. Read-only, except that each
 * question asked is itself audited.
 */
#include "router.h"

#include "util/buf.h"

#include "util/be64.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static void s_send(router_t *r, const wire_peer_t *peer, const Carerhub__Envelope *req,
                   Carerhub__Envelope *rep)
{
    rep->has_corr = req->has_corr;
    rep->corr = req->corr;
    if (wire_send(r->control_sock, peer, rep, ZMQ_DONTWAIT) < 0)
        log_debug("control reply not sent: %s", zmq_strerror(errno));
}

static void s_error(router_t *r, const wire_peer_t *peer, const Carerhub__Envelope *req,
                    const char *code, const char *message)
{
    if (wire_send_error(r->control_sock, peer, req, code, message) < 0)
        log_debug("control reply not sent: %s", zmq_strerror(errno));
}

/* Where the referral's case is now: its rule and reason; a move since the
 * referral was routed (provider stays where the referral went); an
 * identity conflict; a later episode. */
static void s_case_now(const router_t *r, const Carerhub__ReferralRecord *rec,
                       const Carerhub__CaseRecord *c, Carerhub__StatusReply *s, buf_t *detail)
{
    bool moved = rec->provider && c->provider && strcmp(rec->provider, c->provider) != 0;
    s->provider_name = c->provider_name;
    if (moved) {
        int p = route_provider_find(r->rt, rec->provider);
        s->provider_name = p >= 0 ? (char *)route_provider_name(r->rt, p) : NULL;
        buf_printf(detail, "the case has since moved to %s (%s)",
                   c->provider_name ? c->provider_name : c->provider,
                   c->transfer_why ? c->transfer_why : "rerouted");
    }
    if (c->identity_conflict)
        buf_printf(detail, "%sidentity conflict: %s", detail->len ? "; " : "",
                   c->conflict_reason ? c->conflict_reason : "");
    if (c->next_case)
        buf_printf(detail, "%sclosed; the carer's next episode is case %s", detail->len ? "; " : "",
                   c->next_case);
    s->rule = c->rule;
    s->reason = c->reason;
}

static void s_status(router_t *r, MDB_txn *txn, const wire_peer_t *peer,
                     const Carerhub__Envelope *req)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatusReply s = CARERHUB__STATUS_REPLY__INIT;
    const char *id = req->status_query->referral_id;
    Carerhub__ReferralRecord *rec = id ? router_get_referral(r, txn, id) : NULL;
    Carerhub__CaseRecord *c = NULL;
    Carerhub__ParkedEntry *p = NULL;
    buf_t detail = BUF_INIT;

    s.has_state = true;
    s.state = CARERHUB__STATUS_REPLY__STATE__UNKNOWN;
    s.referral_id = (char *)id;
    s.where = (char *)"carerhub-router";
    if (rec) {
        MDB_val k = store_val(id), v;
        /* Stores written before delivered_at had its own table hold it in
         * the referral record. */
        if (!rec->has_delivered_at &&
            mdb_get(txn, store_dbi(r->store, DB_DELIVERED), &k, &v) == 0 && v.mv_size == 8) {
            rec->has_delivered_at = true;
            rec->delivered_at = (int64_t)be64_get(v.mv_data);
        }
        c = rec->case_id ? router_get_case(r, txn, rec->case_id) : NULL;
        s.state = rec->has_delivered_at ? CARERHUB__STATUS_REPLY__STATE__DELIVERED
                                        : CARERHUB__STATUS_REPLY__STATE__ROUTED;
        s.case_id = rec->case_id;
        s.provider = rec->provider;
        s.kind = rec->kind;
        s.has_accepted_at = rec->referral && rec->referral->has_received_at;
        s.accepted_at = s.has_accepted_at ? rec->referral->received_at : 0;
        s.has_routed_at = rec->has_routed_at;
        s.routed_at = rec->routed_at;
        s.has_delivered_at = rec->has_delivered_at;
        s.delivered_at = rec->delivered_at;
        if (c) {
            s_case_now(r, rec, c, &s, &detail);
            s.detail = detail.len ? detail.data : NULL;
        }
    }
    /* Parked before it was taken, or its delivery parked since. */
    if (s.state != CARERHUB__STATUS_REPLY__STATE__DELIVERED && id && strlen(id) < 100) {
        MDB_val k = store_val(id), v;
        if (mdb_get(txn, store_dbi(r->store, DB_PARKED), &k, &v) == 0 &&
            (p = carerhub__parked_entry__unpack(NULL, v.mv_size, v.mv_data)) != NULL) {
            s.state = CARERHUB__STATUS_REPLY__STATE__PARKED;
            s.detail = p->reason;
        }
    }
    rep.body_case = CARERHUB__ENVELOPE__BODY_STATUS_REPLY;
    rep.status_reply = &s;
    s_send(r, peer, req, &rep);
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    if (p)
        carerhub__parked_entry__free_unpacked(p, NULL);
    buf_free(&detail);
}

static void s_stats(router_t *r, MDB_txn *txn, const wire_peer_t *peer,
                    const Carerhub__Envelope *req)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatsReply s = CARERHUB__STATS_REPLY__INIT;
    Carerhub__Count *counts = NULL, **ptrs = NULL;
    size_t n = 0, cap = 0;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc;

    mdb_cursor_open(txn, store_dbi(r->store, DB_STATS), &cur);
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < 100000;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (v.mv_size != 8)
            continue;
        counts = xgrow(counts, &cap, n + 1, sizeof *counts);
        carerhub__count__init(&counts[n]);
        counts[n].key = xstrndup(k.mv_data, k.mv_size);
        counts[n].has_value = true;
        counts[n].value = be64_get(v.mv_data);
        n++;
    }
    mdb_cursor_close(cur);
    ptrs = xcalloc(n ? n : 1, sizeof *ptrs);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &counts[i];
    s.n_counts = n;
    s.counts = ptrs;
    rep.body_case = CARERHUB__ENVELOPE__BODY_STATS_REPLY;
    rep.stats_reply = &s;
    s_send(r, peer, req, &rep);
    for (size_t i = 0; i < n; i++)
        free(counts[i].key);
    free(counts);
    free(ptrs);
}

static void s_audit(router_t *r, MDB_txn *txn, const wire_peer_t *peer,
                    const Carerhub__Envelope *req)
{
    const Carerhub__AuditQuery *q = req->audit_query;
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    Carerhub__AuditReply a = CARERHUB__AUDIT_REPLY__INIT;
    Carerhub__AuditRecord **recs;
    uint32_t limit = q->has_limit && q->limit > 0 && q->limit <= 5000 ? q->limit : 1000;
    uint8_t key[8];
    MDB_cursor *cur;
    MDB_val k = {8, key}, v;
    size_t n = 0;
    int rc;

    recs = xcalloc(limit, sizeof *recs);
    be64_put(q->has_after ? q->after + 1 : 0, key);
    mdb_cursor_open(txn, store_dbi(r->store, DB_AUDIT), &cur);
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__AuditRecord *rec = carerhub__audit_record__unpack(NULL, v.mv_size, v.mv_data);
        if (!rec)
            continue;
        if (q->has_since && rec->at < q->since) {
            carerhub__audit_record__free_unpacked(rec, NULL);
            continue;
        }
        if (n == limit) {
            a.has_more = true;
            a.more = true;
            carerhub__audit_record__free_unpacked(rec, NULL);
            break;
        }
        recs[n++] = rec;
    }
    mdb_cursor_close(cur);
    a.n_records = n;
    a.records = recs;
    rep.body_case = CARERHUB__ENVELOPE__BODY_AUDIT_REPLY;
    rep.audit_reply = &a;
    s_send(r, peer, req, &rep);
    for (size_t i = 0; i < n; i++)
        carerhub__audit_record__free_unpacked(recs[i], NULL);
    free(recs);
}

void router_control_open(router_t *r)
{
    r->control_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(r->sec, r->control_sock, "router control socket");
    daemon_bind(r->control_sock, r->conf->router.control_endpoint);
}

void router_control_drain(router_t *r)
{
    MDB_txn *txn = NULL;
    Carerhub__Envelope *env;
    wire_peer_t peer;
    wire_status_t st;
    int count = 0;
    bool first;

    while (count++ < 100 &&
           (st = wire_recv(r->control_sock, true, &peer, &env, ZMQ_DONTWAIT)) != WIRE_AGAIN &&
           st != WIRE_FAILED) {
        if (st != WIRE_OK) {
            Carerhub__Envelope none = CARERHUB__ENVELOPE__INIT;
            r->bad++;
            secure_refuse(r->sec, &peer, "router control socket", wire_status_str(st));
            s_error(r, &peer, &none, "bad_request", wire_status_str(st));
            continue;
        }
        if (!secure_admit(r->sec, &peer, &first)) {
            r->bad++;
            if (first)
                s_error(r, &peer, env, "unavailable",
                        "too many connections with this key: close some and ask again");
            carerhub__envelope__free_unpacked(env, NULL);
            continue;
        }
        {
            char actor[80];
            const char *what = env->body_case == CARERHUB__ENVELOPE__BODY_STATUS_QUERY  ? "status"
                               : env->body_case == CARERHUB__ENVELOPE__BODY_STATS_QUERY ? "stats"
                               : env->body_case == CARERHUB__ENVELOPE__BODY_AUDIT_QUERY ? "audit"
                                                                                        : NULL;
            secure_actor(r->sec, &peer, actor, sizeof actor);
            if (!secure_role(r->sec, &peer, ROLE_OPERATOR)) {
                char why[120];
                snprintf(why, sizeof why, "%s query refused: operators only",
                         what ? what : "control");
                r->bad++;
                secure_refused(r->sec, "refused-message", actor, NULL, why);
                s_error(r, &peer, env, "forbidden",
                        "status, statistics and audit queries need an operator key");
                carerhub__envelope__free_unpacked(env, NULL);
                continue;
            }
            if (what) {
                const char *rid = env->body_case == CARERHUB__ENVELOPE__BODY_STATUS_QUERY &&
                                          env->status_query->referral_id &&
                                          strlen(env->status_query->referral_id) < 64
                                      ? env->status_query->referral_id
                                      : NULL;
                secure_audit(r->sec, what, actor, rid, NULL);
            }
        }
        if (!txn && store_read(r->store, &txn) != 0) {
            s_error(r, &peer, env, "unavailable", "the case store cannot be read");
            carerhub__envelope__free_unpacked(env, NULL);
            continue;
        }
        switch (env->body_case) {
        case CARERHUB__ENVELOPE__BODY_STATUS_QUERY:
            s_status(r, txn, &peer, env);
            break;
        case CARERHUB__ENVELOPE__BODY_STATS_QUERY:
            s_stats(r, txn, &peer, env);
            break;
        case CARERHUB__ENVELOPE__BODY_AUDIT_QUERY:
            s_audit(r, txn, &peer, env);
            break;
        default:
            r->bad++;
            s_error(r, &peer, env, "bad_request",
                    "the control socket answers status, statistics and audit queries");
        }
        carerhub__envelope__free_unpacked(env, NULL);
    }
    if (txn)
        mdb_txn_abort(txn);
}
