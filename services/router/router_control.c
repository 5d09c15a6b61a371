/*
 * The router's control socket. One table says which keys may ask what:
 * operators the status of any referral, the statistics, the audit trail
 * and the alerts; referrers (gp, hospital, school keys) the status of their
 * own referrals, their feedback, and cancelling a referral; providers
 * outcome reports on their cases, their open cases and any case with them
 * now (operators any organisation's and any case); operators the queues,
 * the parked referrals (and releasing or rejecting one) and joining or
 * keeping apart two cases flagged as a possible identity conflict, and
 * the export of everything held about a carer (a subject access request)
 * and retention (how many closed cases are past it; erasing them now);
 * operators and commissioners the report (counts only: a commissioner's
 * key may ask nothing else, since all else holds personal data or ids);
 * the web front door's own key (a gateway acting for nobody) and operators
 * the metrics (counts only, not audited: a scraper asks every few
 * seconds). Anything else is refused, counted and audited. A question a
 * key may ask is audited before it is served (ids only, never personal
 * data), and that record stands if serving it then fails (the store cannot
 * be read, a bad request); a listing of open cases is audited with the
 * count it lists, and an export of the list (a file for a spreadsheet) as
 * one.
 *
 * Each request is judged for whom it is for (secure_acting_at): a gateway's
 * request for a logged-in user (a referrer, provider, commissioner or
 * operator) gets exactly what a key of the user's role and organisation
 * would get, and the audit trail names the user ("gateway web / user
 * a.patel"); a gateway's key acting for nobody gets nothing but the
 * metrics.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/be64.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* One request being served. */
typedef struct {
    router_t *r;
    MDB_txn *txn; /* a read transaction, shared by the requests of a drain */
    const wire_peer_t *peer;
    const Carerhub__Envelope *env;
    const participant_t *who; /* whom the request is for */
    secure_acting_t as;       /* who, when a gateway acts for a user */
    char actor[160];          /* the audit trail's words for who */
} s_req_t;

static void s_send(s_req_t *q, Carerhub__Envelope *rep)
{
    rep->has_corr = q->env->has_corr;
    rep->corr = q->env->corr;
    if (wire_send(q->r->control_sock, q->peer, rep, ZMQ_DONTWAIT) < 0)
        log_debug("control reply not sent: %s", zmq_strerror(errno));
}

static void s_error(router_t *r, const wire_peer_t *peer, const Carerhub__Envelope *req,
                    const char *code, const char *message)
{
    if (wire_send_error(r->control_sock, peer, req, code, message) < 0)
        log_debug("control reply not sent: %s", zmq_strerror(errno));
}

static void s_status(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    const participant_t *as = q->who && role_is_referrer(q->who->role) ? q->who : NULL;
    rep.body_case = CARERHUB__ENVELOPE__BODY_STATUS_REPLY;
    rep.status_reply = router_status(q->r, q->txn, as, q->env->status_query->referral_id);
    s_send(q, &rep);
    carerhub__status_reply__free_unpacked(rep.status_reply, NULL);
}

static void s_stats(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatsReply s = CARERHUB__STATS_REPLY__INIT;
    Carerhub__Count *counts = NULL, **ptrs = NULL;
    size_t n = 0, cap = 0;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc;

    mdb_cursor_open(q->txn, store_dbi(q->r->store, DB_STATS), &cur);
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
    /* Computed, not counted: the cases past their contact-by target now. */
    counts = xgrow(counts, &cap, n + 1, sizeof *counts);
    carerhub__count__init(&counts[n]);
    counts[n].key = xstrdup("overdue_contacts");
    counts[n].has_value = true;
    counts[n].value = router_overdue_contacts(q->r, q->txn, date_today());
    n++;
    ptrs = xcalloc(n, sizeof *ptrs);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &counts[i];
    s.n_counts = n;
    s.counts = ptrs;
    rep.body_case = CARERHUB__ENVELOPE__BODY_STATS_REPLY;
    rep.stats_reply = &s;
    s_send(q, &rep);
    for (size_t i = 0; i < n; i++)
        free(counts[i].key);
    free(counts);
    free(ptrs);
}

static void s_audit(s_req_t *q)
{
    const Carerhub__AuditQuery *aq = q->env->audit_query;
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    Carerhub__AuditReply a = CARERHUB__AUDIT_REPLY__INIT;
    Carerhub__AuditRecord **recs;
    uint32_t limit = aq->has_limit && aq->limit > 0 && aq->limit <= 5000 ? aq->limit : 1000;
    uint8_t key[8];
    MDB_cursor *cur;
    MDB_val k = {8, key}, v;
    size_t n = 0;
    int rc;

    recs = xcalloc(limit, sizeof *recs);
    be64_put(aq->has_after ? aq->after + 1 : 0, key);
    mdb_cursor_open(q->txn, store_dbi(q->r->store, DB_AUDIT), &cur);
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__AuditRecord *rec = carerhub__audit_record__unpack(NULL, v.mv_size, v.mv_data);
        if (!rec)
            continue;
        if (aq->has_since && rec->at < aq->since) {
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
    s_send(q, &rep);
    for (size_t i = 0; i < n; i++)
        carerhub__audit_record__free_unpacked(recs[i], NULL);
    free(recs);
}

static void s_alerts(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    rep.body_case = CARERHUB__ENVELOPE__BODY_ALERTS_REPLY;
    rep.alerts_reply = router_alerts(q->r, q->txn, date_today());
    s_send(q, &rep);
    carerhub__alerts_reply__free_unpacked(rep.alerts_reply, NULL);
}

static void s_feedback(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    char msg[200];
    rep.feedback_reply =
        router_feedback(q->r, q->txn, q->who, q->env->feedback_query, msg, sizeof msg);
    if (!rep.feedback_reply) {
        s_error(q->r, q->peer, q->env, "bad_request", msg);
        return;
    }
    rep.body_case = CARERHUB__ENVELOPE__BODY_FEEDBACK_REPLY;
    s_send(q, &rep);
    carerhub__feedback_reply__free_unpacked(rep.feedback_reply, NULL);
}

static void s_report(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    char msg[200];
    rep.report_reply =
        router_report(q->r, q->txn, q->env->report_query, date_today(), msg, sizeof msg);
    if (!rep.report_reply) {
        s_error(q->r, q->peer, q->env, "bad_request", msg);
        return;
    }
    rep.body_case = CARERHUB__ENVELOPE__BODY_REPORT_REPLY;
    s_send(q, &rep);
    carerhub__report_reply__free_unpacked(rep.report_reply, NULL);
}

static void s_cancel(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    Carerhub__CancelReply out = CARERHUB__CANCEL_REPLY__INIT;
    char code[32], msg[300];
    if (router_cancel(q->r, q->who, q->env->cancel, &out, code, sizeof code, msg, sizeof msg) !=
        0) {
        s_error(q->r, q->peer, q->env, code, msg);
        return;
    }
    rep.body_case = CARERHUB__ENVELOPE__BODY_CANCEL_REPLY;
    rep.cancel_reply = &out;
    s_send(q, &rep);
    router_cancel_reply_free(&out);
}

/* --- an organisation's inbox and its cases (router_inbox.c) ----------- */

/* A provider's key lists its own organisation's cases; an operator's names
 * the organisation. Audited here, with what it listed (a count), and
 * whether it was exported. */
static void s_cases(s_req_t *q)
{
    const Carerhub__CasesQuery *cq = q->env->cases_query;
    bool own = q->who->role == ROLE_PROVIDER;
    const char *provider = own ? q->who->scopes[0] : cq->provider;
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    char detail[120];

    if (own && cq->provider && strcmp(cq->provider, provider) != 0) {
        q->r->bad++;
        secure_refused(q->r->sec, "refused-message", q->actor, NULL,
                       "cases query refused: a provider's key named another organisation");
        s_error(q->r, q->peer, q->env, "forbidden",
                "a provider's key lists its own organisation's cases only: leave provider out");
        return;
    }
    if (!provider || !route_id_ok(provider) ||
        (!own && route_provider_find(q->r->rt, provider) < 0 &&
         router_inbox_count(q->r, q->txn, provider) == 0)) {
        secure_audit(q->r->sec, "cases", q->actor, NULL, "not answered: no such provider");
        s_error(q->r, q->peer, q->env, "bad_request",
                "provider: name the organisation whose open cases to list, by its provider id in "
                "the routing (carerhub config providers lists them)");
        return;
    }
    rep.body_case = CARERHUB__ENVELOPE__BODY_CASES_REPLY;
    rep.cases_reply = router_cases(q->r, q->txn, provider, cq, clock_now_ms());
    /* An export (a file that leaves the hub) reads apart from a view. */
    snprintf(detail, sizeof detail, "%zu of %u open case(s) of %s %s", rep.cases_reply->n_cases,
             rep.cases_reply->total, provider,
             cq->has_export && cq->export ? "exported" : "listed");
    secure_audit(q->r->sec, "cases", q->actor, NULL, detail);
    s_send(q, &rep);
    carerhub__cases_reply__free_unpacked(rep.cases_reply, NULL);
}

/* A case with the provider's organisation now; an operator's key any. The
 * query was audited with the case id. */
static void s_case(s_req_t *q)
{
    const char *id = q->env->case_query->case_id;
    const char *provider = q->who->role == ROLE_PROVIDER ? q->who->scopes[0] : NULL;
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    char msg[160];

    if (!id || !case_id_ok(id)) {
        s_error(q->r, q->peer, q->env, "bad_request",
                "case_id: a case id is C- and six or more digits, as in C-000123");
        return;
    }
    rep.case_reply = router_case_view(q->r, q->txn, provider, id, clock_now_ms());
    if (!rep.case_reply) {
        /* Another organisation's case and no case read the same. */
        snprintf(msg, sizeof msg, "no case %s is %s", id,
                 provider ? "with your organisation" : "known to the hub");
        s_error(q->r, q->peer, q->env, "not_found", msg);
        return;
    }
    rep.body_case = CARERHUB__ENVELOPE__BODY_CASE_REPLY;
    s_send(q, &rep);
    carerhub__case_reply__free_unpacked(rep.case_reply, NULL);
}

static void s_queues(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    rep.body_case = CARERHUB__ENVELOPE__BODY_QUEUES_REPLY;
    rep.queues_reply = router_queues(q->r, q->txn);
    s_send(q, &rep);
    carerhub__queues_reply__free_unpacked(rep.queues_reply, NULL);
}

static void s_parked(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    rep.body_case = CARERHUB__ENVELOPE__BODY_PARKED_REPLY;
    rep.parked_reply = router_parked(q->r, q->txn, q->env->parked_query);
    s_send(q, &rep);
    carerhub__parked_reply__free_unpacked(rep.parked_reply, NULL);
}

static void s_parked_action(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    Carerhub__ParkedActionReply out = CARERHUB__PARKED_ACTION_REPLY__INIT;
    char code[32], msg[400];
    if (router_parked_action(q->r, q->actor, q->env->parked_action, &out, code, sizeof code, msg,
                             sizeof msg) != 0) {
        s_error(q->r, q->peer, q->env, code, msg);
        return;
    }
    rep.body_case = CARERHUB__ENVELOPE__BODY_PARKED_ACTION_REPLY;
    rep.parked_action_reply = &out;
    s_send(q, &rep);
    router_parked_reply_free(&out);
}

/* Retention: the count, or a run now (the query was audited as asked; each
 * case erased is, by router_erase_case). */
static void s_retention(s_req_t *q)
{
    const Carerhub__RetentionQuery *rq = q->env->retention_query;
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    Carerhub__RetentionReply out;
    if (router_retention(q->r, q->actor, rq->has_run && rq->run, &out) != 0) {
        s_error(q->r, q->peer, q->env, "unavailable",
                "the case store cannot be read or written now: try again later");
        return;
    }
    rep.body_case = CARERHUB__ENVELOPE__BODY_RETENTION_REPLY;
    rep.retention_reply = &out;
    s_send(q, &rep);
}

/* A subject access export; router_export audits it, with its case. */
static void s_export(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    char code[32], msg[600];
    if (router_export(q->r, q->actor, q->env->export_query->id, ROUTER_EXPORT_MAX,
                      &rep.export_reply, code, sizeof code, msg, sizeof msg) != 0) {
        s_error(q->r, q->peer, q->env, code, msg);
        return;
    }
    rep.body_case = CARERHUB__ENVELOPE__BODY_EXPORT_REPLY;
    s_send(q, &rep);
    carerhub__export_reply__free_unpacked(rep.export_reply, NULL);
}

static void s_conflict_action(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    Carerhub__ConflictReply out = CARERHUB__CONFLICT_REPLY__INIT;
    char code[32], msg[400];
    if (router_conflict_action(q->r, q->actor, q->env->conflict_action, &out, code, sizeof code,
                               msg, sizeof msg) != 0) {
        s_error(q->r, q->peer, q->env, code, msg);
        return;
    }
    rep.body_case = CARERHUB__ENVELOPE__BODY_CONFLICT_REPLY;
    rep.conflict_reply = &out;
    s_send(q, &rep);
    router_conflict_reply_free(&out);
}

/* Counts only: answered to the web front door's own key (a gateway acting
 * for nobody), and to operators. */
static void s_metrics(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    rep.body_case = CARERHUB__ENVELOPE__BODY_METRICS_REPLY;
    rep.metrics_reply = router_metrics(q->r, q->txn);
    s_send(q, &rep);
    carerhub__metrics_reply__free_unpacked(rep.metrics_reply, NULL);
}

/* An operator's erasure of a carer's data (router_erase): the reply
 * waits for the rewrite of the store, so this query writes (no read
 * transaction of the drain is open). */
static void s_erase(s_req_t *q)
{
    Carerhub__Envelope rep = CARERHUB__ENVELOPE__INIT;
    Carerhub__EraseReply out = CARERHUB__ERASE_REPLY__INIT;
    char code[32], msg[400];
    if (router_erase(q->r, q->actor, q->env->erase, &out, code, sizeof code, msg, sizeof msg) !=
        0) {
        s_error(q->r, q->peer, q->env, code, msg);
        return;
    }
    rep.body_case = CARERHUB__ENVELOPE__BODY_ERASE_REPLY;
    rep.erase_reply = &out;
    s_send(q, &rep);
    router_erase_reply_free(&out);
}

/* The same answer as on the delivery socket; the table below has let
 * only a provider's key this far, and it was audited. */
static void s_outcome(s_req_t *q)
{
    router_outcome_answer(q->r, q->r->control_sock, q->peer, q->who, q->env);
}

#define S_OPERATOR (1u << ROLE_OPERATOR)
#define S_REFERRER                                                                                 \
    ((1u << ROLE_GP) | (1u << ROLE_HOSPITAL) | (1u << ROLE_SCHOOL) | (1u << ROLE_PROFESSIONAL))
#define S_PROVIDER     (1u << ROLE_PROVIDER)
#define S_COMMISSIONER (1u << ROLE_COMMISSIONER)
#define S_GATEWAY      (1u << ROLE_GATEWAY)

/* What the control socket answers, and to which keys. */
typedef struct {
    Carerhub__Envelope__BodyCase body;
    const char *what;  /* its audit event, and its name in a refusal */
    unsigned roles;    /* the roles (bits of role_t) that may ask */
    bool writes;       /* changes the store (in a transaction of its own) */
    const char *only;  /* the refusal's audit detail */
    const char *needs; /* what a refused key is told */
    void (*serve)(s_req_t *q);
} s_query_t;

static const s_query_t s_queries[] = {
    {CARERHUB__ENVELOPE__BODY_STATUS_QUERY, "status", S_OPERATOR | S_REFERRER, false,
     "operator and referrer keys only",
     "status queries need an operator key, or a referrer's key (gp, hospital or school) for its "
     "own referrals",
     s_status},
    {CARERHUB__ENVELOPE__BODY_STATS_QUERY, "stats", S_OPERATOR, false, "operator keys only",
     "statistics queries need an operator key", s_stats},
    {CARERHUB__ENVELOPE__BODY_AUDIT_QUERY, "audit", S_OPERATOR, false, "operator keys only",
     "audit queries need an operator key", s_audit},
    {CARERHUB__ENVELOPE__BODY_ALERTS_QUERY, "alerts", S_OPERATOR, false, "operator keys only",
     "alerts queries need an operator key", s_alerts},
    {CARERHUB__ENVELOPE__BODY_REPORT_QUERY, "report", S_OPERATOR | S_COMMISSIONER, false,
     "operator and commissioner keys only", "reports need an operator or a commissioner key",
     s_report},
    {CARERHUB__ENVELOPE__BODY_FEEDBACK_QUERY, "feedback", S_REFERRER, false, "referrer keys only",
     "feedback queries need a referrer's key (gp, hospital or school)", s_feedback},
    {CARERHUB__ENVELOPE__BODY_CANCEL, "cancel", S_REFERRER, true, "referrer keys only",
     "cancelling a referral needs the key of its referrer (gp, hospital or school)", s_cancel},
    {CARERHUB__ENVELOPE__BODY_OUTCOME_REPORT, "outcome", S_PROVIDER, true, "provider keys only",
     "outcome reports need the key of the organisation that has the case (provider-<id>)",
     s_outcome},
    {CARERHUB__ENVELOPE__BODY_CASES_QUERY, "cases", S_PROVIDER | S_OPERATOR, false,
     "provider and operator keys only",
     "the open cases of an organisation need its key (provider-<id>), or an operator's key "
     "naming it",
     s_cases},
    {CARERHUB__ENVELOPE__BODY_CASE_QUERY, "case", S_PROVIDER | S_OPERATOR, false,
     "provider and operator keys only",
     "a case needs the key of the organisation that has it (provider-<id>), or an operator's key",
     s_case},
    {CARERHUB__ENVELOPE__BODY_QUEUES_QUERY, "queues", S_OPERATOR, false, "operator keys only",
     "queues queries need an operator key", s_queues},
    {CARERHUB__ENVELOPE__BODY_PARKED_QUERY, "parked", S_OPERATOR, false, "operator keys only",
     "parked referrals are listed for an operator key only", s_parked},
    {CARERHUB__ENVELOPE__BODY_PARKED_ACTION, "parked-action", S_OPERATOR, true,
     "operator keys only", "releasing or rejecting a parked referral needs an operator key",
     s_parked_action},
    {CARERHUB__ENVELOPE__BODY_CONFLICT_ACTION, "conflict-action", S_OPERATOR, true,
     "operator keys only", "joining or keeping apart two cases needs an operator key",
     s_conflict_action},
    {CARERHUB__ENVELOPE__BODY_METRICS_QUERY, "metrics", S_GATEWAY | S_OPERATOR, false,
     "gateway and operator keys only",
     "metrics queries need the web front door's key (gateway) or an operator key", s_metrics},
    {CARERHUB__ENVELOPE__BODY_ERASE, "erase", S_OPERATOR, true, "operator keys only",
     "erasing a carer's personal data needs an operator key", s_erase},
    {CARERHUB__ENVELOPE__BODY_EXPORT_QUERY, "export", S_OPERATOR, true, "operator keys only",
     "a subject access export needs an operator key", s_export},
    {CARERHUB__ENVELOPE__BODY_RETENTION_QUERY, "retention", S_OPERATOR, true, "operator keys only",
     "retention needs an operator key", s_retention},
};

/* Whether the key of q may ask query e: its role, and for a provider one
 * scope (the provider it speaks for). */
static bool s_allowed(s_req_t *q, const s_query_t *e)
{
    if (!q->who || !(e->roles & (1u << q->who->role)))
        return false;
    return q->who->role != ROLE_PROVIDER || q->who->nscopes == 1;
}

static bool s_is(const char *s, const char *what)
{
    return s && strcmp(s, what) == 0;
}

/* Audits a query about to be served: the referral it names, if any;
 * never its text. */
static void s_audit_query(s_req_t *q, const s_query_t *e)
{
    const Carerhub__Envelope *env = q->env;
    const char *rid =
        env->body_case == CARERHUB__ENVELOPE__BODY_STATUS_QUERY    ? env->status_query->referral_id
        : env->body_case == CARERHUB__ENVELOPE__BODY_CANCEL        ? env->cancel->referral_id
        : env->body_case == CARERHUB__ENVELOPE__BODY_PARKED_ACTION ? env->parked_action->referral_id
                                                                   : NULL;
    char detail[96] = "";
    if (env->body_case == CARERHUB__ENVELOPE__BODY_CASES_QUERY ||
        env->body_case == CARERHUB__ENVELOPE__BODY_EXPORT_QUERY)
        return; /* s_cases records it with the count it lists, router_export with its case */
    if (env->body_case == CARERHUB__ENVELOPE__BODY_METRICS_QUERY)
        return; /* counts only, asked every few seconds by a scraper */
    if (env->body_case == CARERHUB__ENVELOPE__BODY_OUTCOME_REPORT)
        snprintf(detail, sizeof detail, "%zu outcome(s)", env->outcome_report->n_outcomes);
    if (env->body_case == CARERHUB__ENVELOPE__BODY_PARKED_ACTION &&
        (s_is(env->parked_action->action, "release") || s_is(env->parked_action->action, "reject")))
        snprintf(detail, sizeof detail, "%s", env->parked_action->action);
    if (env->body_case == CARERHUB__ENVELOPE__BODY_CONFLICT_ACTION &&
        case_id_ok(env->conflict_action->case_id) &&
        case_id_ok(env->conflict_action->other_case_id) &&
        (s_is(env->conflict_action->action, "join") ||
         s_is(env->conflict_action->action, "keep_apart")))
        snprintf(detail, sizeof detail, "%s %s and %s", env->conflict_action->action,
                 env->conflict_action->case_id, env->conflict_action->other_case_id);
    /* The id only: the reason is checked (for personal data) later. */
    if (env->body_case == CARERHUB__ENVELOPE__BODY_ERASE && env->erase->id &&
        (case_id_ok(env->erase->id) || referral_id_ok(env->erase->id)))
        snprintf(detail, sizeof detail, "erase %s", env->erase->id);
    if (env->body_case == CARERHUB__ENVELOPE__BODY_RETENTION_QUERY)
        snprintf(detail, sizeof detail, "%s",
                 env->retention_query->has_run && env->retention_query->run ? "run" : "count");
    if (env->body_case == CARERHUB__ENVELOPE__BODY_CASE_QUERY &&
        case_id_ok(env->case_query->case_id ? env->case_query->case_id : ""))
        snprintf(detail, sizeof detail, "case %s", env->case_query->case_id);
    secure_audit(q->r->sec, e->what, q->actor, rid && referral_id_ok(rid) ? rid : NULL,
                 detail[0] ? detail : NULL);
}

/* Serves one admitted message, or refuses it. */
static void s_serve(s_req_t *q)
{
    const s_query_t *e = NULL;
    const char *actor = q->actor;
    char why[120];

    for (size_t i = 0; i < sizeof s_queries / sizeof *s_queries && !e; i++)
        if (s_queries[i].body == q->env->body_case)
            e = &s_queries[i];
    if (!e) {
        q->r->bad++;
        secure_refused(q->r->sec, "refused-message", actor, NULL,
                       "control message refused: not a query this socket answers");
        s_error(q->r, q->peer, q->env, "bad_request",
                "the control socket answers status, stats, audit, alerts, report, feedback, "
                "cancel, outcome_report, cases, case, queues, parked, parked_action, "
                "conflict_action, export and retention messages");
        return;
    }
    if (!s_allowed(q, e)) {
        snprintf(why, sizeof why, "%s query refused: %s", e->what, e->only);
        q->r->bad++;
        secure_refused(q->r->sec, "refused-message", actor, NULL, why);
        s_error(q->r, q->peer, q->env, "forbidden", e->needs);
        return;
    }
    s_audit_query(q, e);
    if (e->writes && q->txn) {
        /* Later questions of this drain must see what it writes. */
        mdb_txn_abort(q->txn);
        q->txn = NULL;
    }
    if (!e->writes && !q->txn && store_read(q->r->store, &q->txn) != 0) {
        q->txn = NULL;
        s_error(q->r, q->peer, q->env, "unavailable", "the case store cannot be read");
        return;
    }
    e->serve(q);
}

void router_control_open(router_t *r)
{
    r->control_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(r->sec, r->control_sock, "router control socket");
    daemon_bind(r->control_sock, r->conf->router.control_endpoint);
    if (!r->started_at)
        r->started_at = clock_mono_ms();
}

/* Whom q is for, and its actor; false when it carries an OnBehalf that is
 * refused (from a key that is not a gateway's, or badly formed), which is
 * then answered, counted and audited. */
static bool s_acting(s_req_t *q)
{
    char why[200], detail[240];
    q->who =
        secure_acting_at(q->r->sec, SECURE_AT_ROUTER, q->peer, q->env, &q->as, why, sizeof why);
    secure_actor(q->r->sec, q->peer, q->actor, sizeof q->actor);
    if (q->who)
        secure_acting_name(q->who, q->actor, sizeof q->actor);
    if (q->who || !q->env->on_behalf)
        return true; /* an unlisted key: refused by the table */
    q->r->bad++;
    snprintf(detail, sizeof detail, "control message refused: %s", why);
    secure_refused(q->r->sec, "refused-message", q->actor, NULL, detail);
    s_error(q->r, q->peer, q->env, "forbidden", why);
    return false;
}

void router_control_drain(router_t *r)
{
    s_req_t q;
    Carerhub__Envelope *env;
    wire_peer_t peer;
    wire_status_t st;
    int count = 0;
    bool first;

    memset(&q, 0, sizeof q);
    q.r = r;
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
        q.peer = &peer;
        q.env = env;
        if (s_acting(&q))
            s_serve(&q);
        carerhub__envelope__free_unpacked(env, NULL);
    }
    if (q.txn)
        mdb_txn_abort(q.txn);
}
