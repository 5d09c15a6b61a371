/*
 * Outcomes: what an organisation reports about its cases (DESIGN.md,
 * "Outcomes: the way back"). A report is recorded in one transaction.
 * Each outcome is checked on its own (outcome_check), then against its
 * case: with the reporting organisation now (assign: triage's, any open
 * case), a step the case may take. Then it goes on the case's timeline,
 * into the case record, the counters and the audit trail (codes only,
 * never the words); not_ours and assign move the case. An outcome id is
 * recorded once per organisation, so a resend after a kill changes
 * nothing; it names one outcome (a digest of it is kept), so another
 * outcome under an id used before is refused, not lost in silence. A report comes from a provider's
 * agent on the delivery socket (router_outcome_answer), or from `carerhub outcome`.
 */
#include "router_outcome.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* An outcome id's key: provider id (route_id_ok), newline, outcome id. */
#define S_SEEN_KEY_MAX (64 + OUTCOME_ID_MAX + 2)
#define S_DIGEST       16 /* bytes of OutcomeSeen.digest */

typedef struct {
    router_t *r;
    const char *provider, *actor;
    Carerhub__Outcome **os;
    size_t n;
    Carerhub__OutcomeResult *res;
    uint64_t outbox0, audit0; /* the numbering, to restore if redone */
    smap_t *tally;
    int64_t now;
    uint8_t digest[S_DIGEST]; /* of the outcome being looked at (s_digest) */
} s_report_t;

static const char *s_name(const router_t *r, const char *provider)
{
    int p = provider ? route_provider_find(r->rt, provider) : -1;
    return p >= 0 ? route_provider_name(r->rt, p) : provider ? provider : "";
}

static void s_result_clear(Carerhub__OutcomeResult *res)
{
    free(res->outcome_id);
    free(res->field);
    free(res->code);
    free(res->message);
    free(res->state);
    free(res->provider);
    free(res->provider_name);
    carerhub__outcome_result__init(res);
}

void router_outcome_results_free(Carerhub__OutcomeResult *results, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s_result_clear(&results[i]);
}

static void s_set_result(Carerhub__OutcomeResult *res, Carerhub__OutcomeResult__Result what)
{
    res->has_result = true;
    res->result = what;
}

void router_outcome_refuse(Carerhub__OutcomeResult *res, const char *field, const char *code,
                           const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s_set_result(res, CARERHUB__OUTCOME_RESULT__RESULT__REFUSED);
    res->field = xstrdup(field);
    res->code = xstrdup(code);
    res->message = xstrdup(msg);
}

/* The first problem names the field; the message says every one. */
static void s_refuse_errs(Carerhub__OutcomeResult *res, const ferrs_t *errs)
{
    buf_t msg = BUF_INIT;
    for (size_t i = 0; i < errs->n; i++)
        buf_printf(&msg, "%s%s", i ? "; " : "", errs->v[i].message);
    s_set_result(res, CARERHUB__OUTCOME_RESULT__RESULT__REFUSED);
    res->field = xstrdup(errs->v[0].field);
    res->code = xstrdup(errs->v[0].code);
    res->message = buf_take(&msg);
}

/* Where the case stands now, for the organisation that reported. */
static void s_case_now(const router_t *r, const Carerhub__CaseRecord *c,
                       Carerhub__OutcomeResult *res)
{
    free(res->state);
    free(res->provider);
    free(res->provider_name);
    res->state = xstrdup(c->state && *c->state ? c->state : OUTCOME_DELIVERED);
    res->provider = xstrdup(c->provider ? c->provider : "");
    res->provider_name = xstrdup(c->provider_name ? c->provider_name : s_name(r, c->provider));
}

/* --- one outcome -------------------------------------------------------- */

static void s_tally2(s_report_t *t, const char *a, const char *b)
{
    char stat[128];
    snprintf(stat, sizeof stat, "%s/%s", a, b);
    router_tally(t->tally, stat, 1);
}

/* The case record after outcome o (status st, at `at`) from `from`: its
 * state, first contact and support, kinds of support, closing, targets. */
static int s_apply(s_report_t *t, MDB_txn *txn, const Carerhub__Outcome *o, outcome_status_t st,
                   int64_t at, const char *from, Carerhub__CaseRecord *c)
{
    router_t *r = t->r;
    char *state = xstrdup(outcome_state_after(c->state, st));
    int rc = 0;
    free(c->state);
    c->state = state;
    c->has_state_at = true;
    c->state_at = at;
    if ((st == OUTCOME_CONTACTED || st == OUTCOME_SUPPORTED || st == OUTCOME_DECLINED) &&
        !c->has_contacted_at) {
        c->has_contacted_at = true;
        c->contacted_at = at;
        /* Whether by its contact-by target: before a contact ends it. */
        rc = router_report_contact(r, txn, c, at);
        router_tally(t->tally, "contacted", 1);
        s_tally2(t, "contacted", from);
    }
    if (st == OUTCOME_SUPPORTED && !c->has_supported_at) {
        /* Carers supported: each case once, however often supported. */
        c->has_supported_at = true;
        c->supported_at = at;
        if (rc == 0)
            rc = router_report_support(r, txn, c, at);
        router_tally(t->tally, "supported", 1);
        s_tally2(t, "supported", from);
    }
    for (size_t i = 0; i < o->n_support; i++)
        if (router_strv_add(&c->support, &c->n_support, o->support[i]))
            s_tally2(t, "support", o->support[i]);
    if (rc == 0 && outcome_is_contact(st))
        rc = router_contact_made(r, txn, c, at);
    if (rc == 0 && st == OUTCOME_CLOSED) {
        rc = router_case_close(r, txn, c, o->reason, at);
        s_tally2(t, "closed", o->reason);
    }
    return rc;
}

/* Records outcome o (checked, for case c): timeline, case, outcome id,
 * counters, audit. */
static int s_record(s_report_t *t, MDB_txn *txn, const Carerhub__Outcome *o, outcome_status_t st,
                    int64_t at, int dest, Carerhub__CaseRecord *c, Carerhub__OutcomeResult *res)
{
    router_t *r = t->r;
    Carerhub__TimelineEvent ev = CARERHUB__TIMELINE_EVENT__INIT;
    Carerhub__OutcomeSeen seen = CARERHUB__OUTCOME_SEEN__INIT;
    const char *name = outcome_status_name(st);
    /* The reporting organisation: the case's, or for assign triage. */
    const char *from = t->provider, *from_name = s_name(r, t->provider);
    char key[S_SEEN_KEY_MAX], detail[160];
    int rc;

    ev.has_at = true;
    ev.at = at;
    ev.event = (char *)name;
    ev.provider = (char *)from;
    ev.provider_name = (char *)from_name;
    ev.reason = o->reason;
    ev.n_support = o->n_support;
    ev.support = o->support;
    if (dest >= 0) {
        ev.to = (char *)route_provider_id(r->rt, dest);
        ev.to_name = (char *)route_provider_name(r->rt, dest);
    }
    ev.note = o->note;
    seen.case_id = c->case_id;
    seen.has_entry = true;
    seen.entry = c->timeline_next;
    seen.has_at = true;
    seen.at = t->now;
    seen.has_digest = true;
    seen.digest.len = S_DIGEST;
    seen.digest.data = t->digest;
    rc = router_timeline_add(r, txn, c, &ev, t->actor, o->outcome_id);
    if (rc == 0 && dest >= 0)
        rc = router_case_move(r, txn, c, dest, st == OUTCOME_ASSIGN ? "assigned" : "not_ours",
                              o->reason, t->now);
    else if (rc == 0)
        rc = s_apply(t, txn, o, st, at, from, c);
    if (rc == 0)
        rc = router_put_case(r, txn, c);
    snprintf(key, sizeof key, "%s\n%s", t->provider, o->outcome_id);
    if (rc == 0)
        rc = router_put(r, txn, DB_OUTCOME_IDS, key, strlen(key), &seen.base);
    if (st == OUTCOME_CLOSED)
        snprintf(detail, sizeof detail, "closed: %s", o->reason);
    else if (dest >= 0)
        snprintf(detail, sizeof detail, "%s: to %s", name, route_provider_id(r->rt, dest));
    else
        snprintf(detail, sizeof detail, "status %s", name);
    if (rc == 0)
        rc = router_audit(r, txn, "outcome", t->actor, NULL, c->case_id, from, detail);
    s_tally2(t, "outcomes", name);
    snprintf(detail, sizeof detail, "outcomes/%s/%s", name, from);
    router_tally(t->tally, detail, 1);
    if (st == OUTCOME_NOT_OURS)
        router_tally(t->tally, "passed_back", 1);
    if (st == OUTCOME_ASSIGN)
        router_tally(t->tally, "assigned", 1);
    s_set_result(res, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED);
    s_case_now(r, c, res);
    return rc;
}

/* Whether the case is the reporting organisation's to report on (assign:
 * triage's, any case); else refused in res, revealing nothing of a case
 * that is not. */
static bool s_yours(s_report_t *t, const Carerhub__Outcome *o, outcome_status_t st,
                    const Carerhub__CaseRecord *c, Carerhub__OutcomeResult *res)
{
    router_t *r = t->r;
    const char *triage = route_provider_id(r->rt, route_triage(r->rt));
    if (st == OUTCOME_ASSIGN && strcmp(t->provider, triage) != 0)
        router_outcome_refuse(res, "status", "not_allowed", "only %s may assign a case",
                              s_name(r, triage));
    else if (st == OUTCOME_ASSIGN && !c)
        router_outcome_refuse(res, "case_id", "not_yours", "no case %s is known to the hub",
                              o->case_id);
    else if (st != OUTCOME_ASSIGN && (!c || !c->provider || strcmp(c->provider, t->provider) != 0))
        router_outcome_refuse(res, "case_id", "not_yours", "no case %s is with %s", o->case_id,
                              s_name(r, t->provider));
    else
        return true;
    return false;
}

/* Only in bin/planted/carerhub-router, never installed: a router that
 * forgets the outcome ids it has recorded, so that the fault campaign shows
 * it catches an outcome recorded twice (t_faults_catch_outcomes_twice). */
#ifdef CARERHUB_PLANT_NO_OUTCOME_ID_CHECK
#define S_PLANTED 1
#else
#define S_PLANTED 0
#endif

/* The digest of outcome o as sent, without its source (the name of the
 * agent's file, which is not what the outcome says). */
static void s_digest(const Carerhub__Outcome *o, uint8_t out[S_DIGEST])
{
    Carerhub__Outcome copy = *o;
    uint8_t stack[4096], *buf = stack;
    size_t n;
    copy.source = NULL;
    n = carerhub__outcome__get_packed_size(&copy);
    if (n > sizeof stack)
        buf = xmalloc(n);
    carerhub__outcome__pack(&copy, buf);
    crypto_generichash(out, S_DIGEST, buf, n, NULL, 0);
    if (buf != stack)
        free(buf);
}

/* An outcome id this organisation reported before (*seen): the same
 * outcome again is ALREADY_RECORDED, with where its case is now if it is
 * still the organisation's to see; another outcome under that id is
 * refused. t->digest is o's. */
static int s_seen(s_report_t *t, MDB_txn *txn, const Carerhub__Outcome *o,
                  Carerhub__OutcomeResult *res, bool *seen)
{
    router_t *r = t->r;
    char key[S_SEEN_KEY_MAX];
    MDB_val k, v;
    Carerhub__OutcomeSeen *s;
    Carerhub__CaseRecord *c;
    int rc;
    snprintf(key, sizeof key, "%s\n%s", t->provider, o->outcome_id);
    k = store_val(key);
    rc = S_PLANTED ? MDB_NOTFOUND : mdb_get(txn, store_dbi(r->store, DB_OUTCOME_IDS), &k, &v);
    *seen = rc == 0;
    if (rc != 0)
        return rc == MDB_NOTFOUND ? 0 : rc;
    s = carerhub__outcome_seen__unpack(NULL, v.mv_size, v.mv_data);
    /* An entry from before digests were kept is taken as the same. */
    if (s && s->has_digest &&
        (s->digest.len != S_DIGEST || memcmp(s->digest.data, t->digest, S_DIGEST) != 0)) {
        router_outcome_refuse(
            res, "outcome_id", "id_reused",
            "outcome id %s was used before for another outcome of this organisation: give "
            "this one an id of its own",
            o->outcome_id);
        carerhub__outcome_seen__free_unpacked(s, NULL);
        return 0;
    }
    s_set_result(res, CARERHUB__OUTCOME_RESULT__RESULT__ALREADY_RECORDED);
    res->message = xasprintf("outcome %s was recorded before: nothing changed", o->outcome_id);
    c = s && s->case_id ? router_get_case(r, txn, s->case_id) : NULL;
    /* A case passed on since is another organisation's: nothing of it. */
    if (c && c->provider && strcmp(c->provider, t->provider) == 0)
        s_case_now(r, c, res);
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    if (s)
        carerhub__outcome_seen__free_unpacked(s, NULL);
    return 0;
}

static bool s_full(const Carerhub__CaseRecord *c, outcome_status_t st)
{
    uint32_t need = st == OUTCOME_NOT_OURS || st == OUTCOME_ASSIGN ? 2 : 1;
    return st != OUTCOME_CLOSED && c->timeline_next + need >= ROUTER_TIMELINE_MAX;
}

static int s_one(s_report_t *t, MDB_txn *txn, const Carerhub__Outcome *o,
                 Carerhub__OutcomeResult *res)
{
    router_t *r = t->r;
    ferrs_t errs = FERRS_INIT;
    Carerhub__CaseRecord *c;
    outcome_status_t st;
    char why[300], note[300] = "", when[DATE_WHEN_STRLEN];
    int64_t at;
    int dest = -1, rc;
    bool seen;

    if (o->outcome_id)
        res->outcome_id = xstrdup(o->outcome_id);
    if (!o->outcome_id) {
        router_outcome_refuse(
            res, "outcome_id", "required",
            "outcome_id is required: an id of the organisation's own for this outcome, so "
            "that sending it again records it once");
        return 0;
    }
    if (outcome_check(o, t->now, &errs) < 0) {
        s_refuse_errs(res, &errs);
        ferrs_free(&errs);
        return 0;
    }
    s_digest(o, t->digest);
    if ((rc = s_seen(t, txn, o, res, &seen)) != 0 || seen)
        return rc;
    st = (outcome_status_t)outcome_status_parse(o->status);
    c = router_get_case(r, txn, o->case_id);
    if (!s_yours(t, o, st, c, res)) {
        if (c)
            carerhub__case_record__free_unpacked(c, NULL);
        return 0;
    }
    at = o->has_at ? o->at : t->now;
    rc = 0;
    if (!outcome_step_ok(c->state, st, why, sizeof why)) {
        router_outcome_refuse(res, "status", "impossible_step", "%s", why);
    } else if (s_full(c, st)) {
        router_outcome_refuse(
            res, "status", "too_many",
            "case %s has %u entries on its timeline, the most the hub keeps for one case: "
            "close the case (closed is still recorded), or ask the hub's operator",
            c->case_id, c->timeline_next);
    } else if (c->has_opened_at && at < c->opened_at - OUTCOME_SKEW_MS) {
        /* A time written to the minute, or by a clock a little behind
         * the hub's, may fall just before the case opened. */
        date_format_when(c->opened_at, when);
        router_outcome_refuse(res, "at", "before_case",
                              "at is before the hub opened case %s (on %s)", c->case_id, when);
    } else if ((st != OUTCOME_NOT_OURS && st != OUTCOME_ASSIGN) ||
               router_outcome_where(r, t->provider, o, st, c, t->now, &dest, note, sizeof note,
                                    res)) {
        rc = s_record(t, txn, o, st, at, dest, c, res);
        if (note[0])
            res->message = xstrdup(note);
    }
    if (res->result == CARERHUB__OUTCOME_RESULT__RESULT__REFUSED)
        s_case_now(r, c, res);
    carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

static int s_report_txn(MDB_txn *txn, void *arg)
{
    s_report_t *t = arg;
    router_t *r = t->r;
    int rc;
    /* store_write may run us again after growing the map. */
    r->next_outbox = t->outbox0;
    r->next_audit = t->audit0;
    smap_destroy(&t->tally);
    t->tally = smap_new();
    for (size_t i = 0; i < t->n; i++)
        s_result_clear(&t->res[i]);
    for (size_t i = 0; i < t->n; i++)
        if ((rc = s_one(t, txn, t->os[i], &t->res[i])) != 0)
            return rc;
    if ((rc = router_tally_write(r, txn, t->tally)) != 0)
        return rc;
    return router_put_meta(r, txn);
}

void router_outcomes(router_t *r, const char *provider, const char *actor, Carerhub__Outcome **os,
                     size_t n, Carerhub__OutcomeResult *results)
{
    s_report_t t = {r,       provider,       actor,         os,   n,
                    results, r->next_outbox, r->next_audit, NULL, clock_now_ms()};
    int rc;

    for (size_t i = 0; i < n; i++)
        carerhub__outcome_result__init(&results[i]);
    if (n == 0)
        return;
    /* A provider key's scope names a provider of the routing (checked when
     * the participants file is loaded): a longer one is our bug. */
    CH_ASSERT(strlen(provider) < 64);
    rc = store_write(r->store, s_report_txn, &t);
    smap_destroy(&t.tally);
    if (rc != 0) {
        r->next_outbox = t.outbox0;
        r->next_audit = t.audit0;
        log_error("cannot record %zu outcome(s) from %s: %s; they are to be sent again", n,
                  provider, store_strerror(rc));
        for (size_t i = 0; i < n; i++) {
            s_result_clear(&results[i]);
            if (os[i]->outcome_id)
                results[i].outcome_id = xstrdup(os[i]->outcome_id);
            s_set_result(&results[i], CARERHUB__OUTCOME_RESULT__RESULT__UNAVAILABLE);
            results[i].message = xstrdup("the hub cannot record outcomes now: send it again later");
        }
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (results[i].result == CARERHUB__OUTCOME_RESULT__RESULT__RECORDED) {
            log_info("%s: %s recorded from %s", os[i]->case_id, os[i]->status, provider);
            router_metrics_outcome(r, provider,
                                   (outcome_status_t)outcome_status_parse(os[i]->status));
        }
}

void router_outcome_answer(router_t *r, void *sock, const wire_peer_t *peer,
                           const participant_t *who, const Carerhub__Envelope *env)
{
    const Carerhub__OutcomeReport *rep = env->outcome_report;
    Carerhub__Envelope back = CARERHUB__ENVELOPE__INIT;
    Carerhub__OutcomeReply reply = CARERHUB__OUTCOME_REPLY__INIT;
    Carerhub__OutcomeResult *results, **ptrs;
    char actor[160], why[120];

    if (who)
        secure_acting_name(who, actor, sizeof actor);
    else
        secure_actor(r->sec, peer, actor, sizeof actor);
    if (!who || who->role != ROLE_PROVIDER || who->nscopes != 1 || !route_id_ok(who->scopes[0])) {
        r->bad++;
        secure_refused(r->sec, "refused-message", actor, NULL,
                       "an outcome report from a key that is not a provider's");
        wire_send_error(sock, peer, env, "forbidden", "only a provider's key may report outcomes");
        return;
    }
    if (rep->n_outcomes == 0 || rep->n_outcomes > WIRE_OUTCOMES_MAX) {
        r->bad++;
        snprintf(why, sizeof why, "an outcome report holds 1 to %d outcomes, not %zu",
                 WIRE_OUTCOMES_MAX, rep->n_outcomes);
        wire_send_error(sock, peer, env, "bad_request", why);
        return;
    }
    results = xcalloc(rep->n_outcomes + 1, sizeof *results);
    ptrs = xcalloc(rep->n_outcomes + 1, sizeof *ptrs);
    router_outcomes(r, who->scopes[0], actor, rep->outcomes, rep->n_outcomes, results);
    for (size_t i = 0; i < rep->n_outcomes; i++)
        ptrs[i] = &results[i];
    reply.n_results = rep->n_outcomes;
    reply.results = ptrs;
    back.body_case = CARERHUB__ENVELOPE__BODY_OUTCOME_REPLY;
    back.outcome_reply = &reply;
    back.has_corr = env->has_corr;
    back.corr = env->corr;
    /* Not sent (the sender is gone): it sends the report again, and what
     * was recorded is already recorded. */
    if (wire_send(sock, peer, &back, ZMQ_DONTWAIT) < 0)
        log_debug("outcome reply to %s not sent: %s", actor, zmq_strerror(errno));
    router_outcome_results_free(results, rep->n_outcomes);
    free(results);
    free(ptrs);
}
