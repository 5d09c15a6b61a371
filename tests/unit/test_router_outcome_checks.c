/*
 * Unit tests of what bounds an organisation's outcomes on a real case
 * store: a case's timeline holds at most ROUTER_TIMELINE_MAX entries (and
 * closing always fits); an outcome id is one outcome's, so the same id
 * with other content is refused while a resend is recorded once.
 */
#include "test.h"

#include "domain/referral.h"
#include "router_hub.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORDED CARERHUB__OUTCOME_RESULT__RESULT__RECORDED
#define ALREADY  CARERHUB__OUTCOME_RESULT__RESULT__ALREADY_RECORDED
#define REFUSED  CARERHUB__OUTCOME_RESULT__RESULT__REFUSED

/* Takes the first GP card with this id; its case id into out. */
static int s_take(hub_t *h, const char *id, char out[32])
{
    return hub_take_case(h, hub_card(id, "gp"), out);
}

/* A new outcome; supported gets one kind of support. */
static Carerhub__Outcome *s_outcome(const char *oid, const char *case_id, const char *status)
{
    Carerhub__Outcome *o = hub_outcome_new(oid, case_id, status);
    if (strcmp(status, "supported") == 0) {
        o->support = xcalloc(1, sizeof *o->support);
        o->support[o->n_support++] = xstrdup("break");
    }
    return o;
}

/* Reports one outcome; its result, with the refusal's field, code and
 * message (if asked for). */
static int s_report(hub_t *h, const char *provider, Carerhub__Outcome *o, char *field, char *code,
                    char *msg, size_t msgsz)
{
    Carerhub__OutcomeResult res;
    int rc = hub_report(h, provider, o, &res);
    if (field)
        snprintf(field, 32, "%s", res.field ? res.field : "");
    if (code)
        snprintf(code, 32, "%s", res.code ? res.code : "");
    if (msg)
        snprintf(msg, msgsz, "%s", res.message ? res.message : "");
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    return rc;
}

TEST(router_timeline_of_a_case_is_bounded_and_closing_always_fits)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    enum { N = ROUTER_TIMELINE_MAX - 1 };
    Carerhub__Outcome **os = xcalloc(N, sizeof *os);
    Carerhub__OutcomeResult *res = xcalloc(N, sizeof *res);
    Carerhub__TimelineEvent **tl;
    Carerhub__CaseRecord *c;
    char id[32], oid[32], field[32], code[32], msg[300];
    size_t n, recorded = 0;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST80-1", id), 0);
    /* Contacted again and again: one report fills all but the last
     * entry. */
    for (size_t i = 0; i < N; i++) {
        snprintf(oid, sizeof oid, "cf-%zu", i);
        os[i] = s_outcome(oid, id, "contacted");
    }
    router_outcomes(&h.r, "carers-first", "provider-carers-first", os, N, res);
    for (size_t i = 0; i < N; i++) {
        recorded += res[i].result == RECORDED;
        carerhub__outcome__free_unpacked(os[i], NULL);
    }
    router_outcome_results_free(res, N);
    free(os);
    free(res);
    CHECK_INT(recorded, N);

    CHECK_INT(s_report(&h, "carers-first", s_outcome("cf-more", id, "supported"), field, code, msg,
                       sizeof msg),
              REFUSED);
    CHECK_STR(field, "status");
    CHECK_STR(code, "too_many");
    CHECK_CONTAINS(msg, "the most the hub keeps for one case: close the case");
    CHECK_CONTAINS(msg, "ask the hub's operator");
    CHECK_INT(
        s_report(&h, "carers-first", s_outcome("cf-pass", id, "not_ours"), NULL, code, NULL, 0),
        REFUSED);
    CHECK_STR(code, "too_many");
    /* Refused ids are not spent. */
    CHECK(!hub_has(&h, DB_OUTCOME_IDS, "carers-first\ncf-more"));

    {
        Carerhub__Outcome *o = s_outcome("cf-close", id, "closed");
        o->reason = xstrdup("support_complete");
        CHECK_INT(s_report(&h, "carers-first", o, NULL, NULL, NULL, 0), RECORDED);
    }
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK(c->closed);
    CHECK_INT(c->timeline_next, ROUTER_TIMELINE_MAX);
    carerhub__case_record__free_unpacked(c, NULL);
    n = hub_timeline(&h, id, false, &tl);
    CHECK_INT(n, ROUTER_TIMELINE_MAX);
    CHECK_STR(tl[n - 1]->event, "closed");
    router_timeline_free(tl, n);
    hub_close(&h);
}

typedef struct {
    hub_t *h;
    const char *key, *case_id;
} s_old_seen_t;

/* An outcome id as a router before digests recorded it. */
static int s_old_seen_txn(MDB_txn *txn, void *arg)
{
    s_old_seen_t *o = arg;
    Carerhub__OutcomeSeen seen = CARERHUB__OUTCOME_SEEN__INIT;
    seen.case_id = (char *)o->case_id;
    seen.has_entry = true;
    seen.entry = 0;
    return router_put(&o->h->r, txn, DB_OUTCOME_IDS, o->key, strlen(o->key), &seen.base);
}

TEST(router_outcome_id_names_one_outcome)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__OutcomeResult res;
    Carerhub__Outcome *o;
    s_old_seen_t old = {&h, "carers-first\ncf-old", NULL};
    char id[32], field[32], code[32], msg[300];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST81-1", id), 0);
    o = s_outcome("cf-1", id, "contacted");
    o->note = xstrdup("Spoke to Jane");
    o->source = xstrdup("2026-12-01-a.json");
    CHECK_INT(s_report(&h, "carers-first", o, NULL, NULL, NULL, 0), RECORDED);
    /* Sent again, from a file of another name: the same outcome. */
    o = s_outcome("cf-1", id, "contacted");
    o->note = xstrdup("Spoke to Jane");
    o->source = xstrdup("renamed.json");
    CHECK_INT(hub_report(&h, "carers-first", o, &res), ALREADY);
    CHECK_STR(res.state, "contacted");
    CHECK_STR(res.provider, "carers-first");
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    /* Another outcome under that id: refused, not lost in silence. */
    o = s_outcome("cf-1", id, "contacted");
    o->note = xstrdup("Spoke to Jane again");
    CHECK_INT(s_report(&h, "carers-first", o, field, code, msg, sizeof msg), REFUSED);
    CHECK_STR(field, "outcome_id");
    CHECK_STR(code, "id_reused");
    CHECK_STR(msg, "outcome id cf-1 was used before for another outcome of this organisation: give "
                   "this one an id of its own");
    CHECK_INT(s_report(&h, "carers-first", s_outcome("cf-1", id, "supported"), NULL, code, NULL, 0),
              REFUSED);
    CHECK_STR(code, "id_reused");
    CHECK_INT(hub_stat(&h, "outcomes/supported"), 0);
    /* An id a router recorded before it kept digests reads as the same. */
    old.case_id = id;
    CHECK_INT(store_write(h.r.store, s_old_seen_txn, &old), 0);
    CHECK_INT(
        s_report(&h, "carers-first", s_outcome("cf-old", id, "supported"), NULL, NULL, NULL, 0),
        ALREADY);
    hub_close(&h);
}

TEST(router_outcome_sent_again_after_its_case_moved_on_says_nothing_of_it)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__OutcomeResult res;
    Carerhub__Outcome *o;
    char id[32];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST82-1", id), 0);
    o = s_outcome("cf-1", id, "not_ours");
    o->to = xstrdup("ecs");
    CHECK_INT(s_report(&h, "carers-first", o, NULL, NULL, NULL, 0), RECORDED);
    o = s_outcome("cf-1", id, "not_ours");
    o->to = xstrdup("ecs");
    CHECK_INT(hub_report(&h, "carers-first", o, &res), ALREADY);
    carerhub__outcome__free_unpacked(o, NULL);
    CHECK_STR(res.outcome_id, "cf-1");
    CHECK(res.state == NULL && res.provider == NULL && res.provider_name == NULL);
    router_outcome_results_free(&res, 1);
    hub_close(&h);
}

/* --- the same answer on both sockets ------------------------------------ */

/* Sends a report of n outcomes (accepted, ids o-1...) for case_id on sock
 * and serves both of the router's sockets until the answer comes. */
static Carerhub__Envelope *s_ask(hub_t *h, void *sock, const char *case_id, size_t n)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *back = NULL;
    Carerhub__OutcomeReport rep = CARERHUB__OUTCOME_REPORT__INIT;
    Carerhub__Outcome *os = xcalloc(n + 1, sizeof *os), **ptrs = xcalloc(n + 1, sizeof *ptrs);
    char(*ids)[24] = xcalloc(n + 1, sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        carerhub__outcome__init(&os[i]);
        snprintf(ids[i], sizeof ids[0], "o-%zu", i + 1);
        os[i].outcome_id = ids[i];
        os[i].case_id = (char *)case_id;
        os[i].status = (char *)"accepted";
        ptrs[i] = &os[i];
    }
    rep.n_outcomes = n;
    rep.outcomes = ptrs;
    env.has_corr = true;
    env.corr = 7;
    env.body_case = CARERHUB__ENVELOPE__BODY_OUTCOME_REPORT;
    env.outcome_report = &rep;
    if (wire_send(sock, NULL, &env, 0) == 0)
        for (int i = 0; i < 500 && !back; i++) {
            zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
            secure_handle(h->r.sec);
            router_control_drain(&h->r);
            router_deliver_drain(&h->r);
            if (zmq_poll(&item, 1, 10) > 0 && wire_recv(sock, false, NULL, &back, 0) != WIRE_OK)
                back = NULL;
        }
    free(os);
    free(ptrs);
    free(ids);
    return back;
}

/* The error code and message of an answer ("" if it is not an error). */
static void s_error_of(const Carerhub__Envelope *e, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s: %s",
             e && e->body_case == CARERHUB__ENVELOPE__BODY_ERROR ? e->error->code : "",
             e && e->body_case == CARERHUB__ENVELOPE__BODY_ERROR ? e->error->message : "");
}

/* Whether the audit trail holds event by actor with this detail. */
static bool s_audited(hub_t *h, const char *event, const char *actor, const char *detail)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    bool found = false;
    router_store_events(&h->r);
    if (store_read(h->r.store, &txn) != 0)
        return false;
    mdb_cursor_open(txn, store_dbi(h->r.store, DB_AUDIT), &cur);
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !found;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__AuditRecord *a = carerhub__audit_record__unpack(NULL, v.mv_size, v.mv_data);
        found = a && a->event && a->actor && a->detail && strcmp(a->event, event) == 0 &&
                strcmp(a->actor, actor) == 0 && strcmp(a->detail, detail) == 0;
        if (a)
            carerhub__audit_record__free_unpacked(a, NULL);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return found;
}

TEST(router_outcome_reports_are_answered_alike_on_both_sockets)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Envelope *e;
    char id[32], ep[256], cep[256], a[300], b[300];
    void *gp;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST83-1", id), 0);
    snprintf(ep, sizeof ep, "ipc://%s/delivery.ipc", test_tmpdir());
    snprintf(cep, sizeof cep, "ipc://%s/control.ipc", test_tmpdir());
    h.r.delivery_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.delivery_sock, "router delivery socket");
    daemon_bind(h.r.delivery_sock, ep);
    h.r.control_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.control_sock, "router control socket");
    daemon_bind(h.r.control_sock, cep);
    CHECK((h.agent = hub_connect(&hub_agent_kp, ep)) != NULL);
    CHECK((h.client = hub_connect(&hub_agent_kp, cep)) != NULL);

    /* `carerhub outcome` records; the agent sending it again is told so. */
    e = s_ask(&h, h.client, id, 1);
    CHECK(e && e->body_case == CARERHUB__ENVELOPE__BODY_OUTCOME_REPLY);
    CHECK_INT(e->corr, 7);
    CHECK_INT(e->outcome_reply->results[0]->result, RECORDED);
    CHECK_STR(e->outcome_reply->results[0]->state, "accepted");
    carerhub__envelope__free_unpacked(e, NULL);
    e = s_ask(&h, h.agent, id, 1);
    CHECK(e && e->body_case == CARERHUB__ENVELOPE__BODY_OUTCOME_REPLY);
    CHECK_INT(e->outcome_reply->results[0]->result, ALREADY);
    carerhub__envelope__free_unpacked(e, NULL);
    CHECK(s_audited(&h, "outcome", "provider-carers-first", "1 outcome(s)"));

    /* An empty report, and one too large: the same refusal on each. */
    for (size_t n = 0; n <= WIRE_OUTCOMES_MAX + 1; n += WIRE_OUTCOMES_MAX + 1) {
        unsigned long bad = h.r.bad;
        e = s_ask(&h, h.client, id, n);
        s_error_of(e, a, sizeof a);
        if (e)
            carerhub__envelope__free_unpacked(e, NULL);
        e = s_ask(&h, h.agent, id, n);
        s_error_of(e, b, sizeof b);
        if (e)
            carerhub__envelope__free_unpacked(e, NULL);
        CHECK_STR(a, b);
        CHECK_CONTAINS(a, "bad_request: an outcome report holds 1 to 100 outcomes, not ");
        CHECK_INT(h.r.bad, bad + 2); /* counted, on each socket */
    }

    /* A practice's key is refused by the control socket's table, and the
     * refusal audited. */
    CHECK((gp = hub_connect(&hub_gp_kp, cep)) != NULL);
    e = s_ask(&h, gp, id, 1);
    zmq_close(gp);
    s_error_of(e, a, sizeof a);
    if (e)
        carerhub__envelope__free_unpacked(e, NULL);
    CHECK_STR(a, "forbidden: outcome reports need the key of the organisation that has the case "
                 "(provider-<id>)");
    CHECK(s_audited(&h, "refused-message", "gp", "outcome query refused: provider keys only"));
    CHECK_INT(hub_stat(&h, "outcomes/accepted"), 1);
    hub_close(&h);
}

/* A GP card for a carer born on dob living at postcode; its case id into
 * out. */
static int s_take_carer(hub_t *h, const char *id, const char *dob, const char *postcode,
                        char out[32])
{
    Carerhub__Referral *r = hub_card(id, "gp");
    if (!r)
        return -1;
    free(r->carer->date_of_birth);
    r->carer->date_of_birth = xstrdup(dob);
    free(r->carer->postcode);
    r->carer->postcode = xstrdup(postcode);
    return hub_take_case(h, r, out);
}

/* A not_ours from provider to `to`; its result, with the refusal's field,
 * code and message. */
static int s_pass(hub_t *h, const char *provider, const char *oid, const char *case_id,
                  const char *to, char *field, char *code, char *msg, size_t msgsz)
{
    Carerhub__Outcome *o = hub_outcome_new(oid, case_id, "not_ours");
    o->reason = xstrdup("not one of ours");
    o->to = to ? xstrdup(to) : NULL;
    return s_report(h, provider, o, field, code, msg, msgsz);
}

/* Where case id is now. */
static void s_with(hub_t *h, const char *id, char out[32])
{
    Carerhub__CaseRecord *c = hub_case(h, id);
    snprintf(out, 32, "%s", c && c->provider ? c->provider : "");
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
}

TEST(router_not_ours_to_an_unknown_organisation_is_refused_naming_where_ids_are)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    char id[32], field[32], code[32], msg[600], with[32];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST81-1", id), 0);
    CHECK_INT(s_pass(&h, "carers-first", "cf-1", id, "nonexistent", field, code, msg, sizeof msg),
              REFUSED);
    CHECK_STR(field, "to");
    CHECK_STR(code, "unknown");
    CHECK_CONTAINS(msg, "routing does not know 'nonexistent'");
    CHECK_CONTAINS(msg, "carerhub config providers lists them");
    s_with(&h, id, with);
    CHECK_STR(with, "carers-first");
    CHECK(!hub_has(&h, DB_OUTCOME_IDS, "carers-first\ncf-1"));
    hub_close(&h);
}

TEST(router_not_ours_to_a_service_that_cannot_take_the_carer_is_refused_with_why)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    char id[32], field[32], code[32], msg[600], with[32], want[200];
    int y, m, d;
    CHECK_INT(hub_open(&h, 50), 0);
    /* Born on 1 January 1950 in Chelmsford: an adult, Carers First's. */
    date_to_ymd(date_today(), &y, &m, &d);
    CHECK_INT(s_take_carer(&h, "GP-TEST82-1", "1950-01-01", "CM2 0AA", id), 0);
    s_with(&h, id, with);
    CHECK_STR(with, "carers-first");
    CHECK_INT(s_pass(&h, "carers-first", "cf-1", id, "young-carers", field, code, msg, sizeof msg),
              REFUSED);
    CHECK_STR(field, "to");
    CHECK_STR(code, "not_eligible");
    snprintf(want, sizeof want,
             "Essex Young Carers Service takes carers under 18; this carer is %d", y - 1950);
    CHECK_CONTAINS(msg, want);
    CHECK_CONTAINS(msg, "leave to out for Essex Wellbeing Service to triage");
    /* Out of area is for carers outside Essex. */
    CHECK_INT(s_pass(&h, "carers-first", "cf-2", id, "out-of-area", field, code, msg, sizeof msg),
              REFUSED);
    CHECK_STR(field, "to");
    CHECK_STR(code, "not_eligible");
    CHECK_CONTAINS(msg, "Out of area does not take carers in Chelmsford");
    s_with(&h, id, with);
    CHECK_STR(with, "carers-first");
    CHECK(!hub_has(&h, DB_OUTCOME_IDS, "carers-first\ncf-1"));
    CHECK(!hub_has(&h, DB_OUTCOME_IDS, "carers-first\ncf-2"));
    /* Another Essex adult service: what the organisation knows of where
     * the carer cares stands. */
    CHECK_INT(s_pass(&h, "carers-first", "cf-3", id, "ecs", NULL, NULL, NULL, 0), RECORDED);
    s_with(&h, id, with);
    CHECK_STR(with, "ecs");
    hub_close(&h);
}

TEST(router_a_young_carer_is_passed_to_triage_not_an_adult_service_and_triage_assigns)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    char id[32], field[32], code[32], msg[600], with[32], dob[DATE_STRLEN];
    int y, m, d;
    CHECK_INT(hub_open(&h, 50), 0);
    /* 12 since 1 January. */
    date_to_ymd(date_today(), &y, &m, &d);
    date_format(date_from_ymd(y - 12, 1, 1), dob);
    CHECK_INT(s_take_carer(&h, "GP-TEST83-1", dob, "CM2 0AA", id), 0);
    s_with(&h, id, with);
    CHECK_STR(with, "young-carers");
    CHECK_INT(s_pass(&h, "young-carers", "yc-1", id, "carers-first", field, code, msg, sizeof msg),
              REFUSED);
    CHECK_STR(field, "to");
    CHECK_STR(code, "not_eligible");
    CHECK_CONTAINS(msg, "Carers First does not take this carer: rule young-carer comes first");
    CHECK_CONTAINS(msg, "this carer is 12");
    /* Triage takes anything; and assigns free (DESIGN: to any
     * organisation), an adult service too. */
    CHECK_INT(s_pass(&h, "young-carers", "yc-2", id, "ews-triage", NULL, NULL, NULL, 0), RECORDED);
    s_with(&h, id, with);
    CHECK_STR(with, "ews-triage");
    {
        Carerhub__Outcome *o = hub_outcome_new("t-1", id, "assign");
        o->to = xstrdup("carers-first");
        CHECK_INT(s_report(&h, "ews-triage", o, NULL, NULL, NULL, 0), RECORDED);
    }
    s_with(&h, id, with);
    CHECK_STR(with, "carers-first");
    hub_close(&h);
}

TEST(router_out_of_area_takes_a_carer_outside_the_area_passed_back)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    char id[32], with[32];
    CHECK_INT(hub_open(&h, 50), 0);
    /* Southend-on-Sea is a unitary authority, not Essex County Council's. */
    CHECK_INT(s_take_carer(&h, "GP-TEST84-1", "1970-03-03", "SS1 1AA", id), 0);
    s_with(&h, id, with);
    CHECK_STR(with, "out-of-area");
    CHECK_INT(s_pass(&h, "out-of-area", "oa-1", id, "ecs", NULL, NULL, NULL, 0), RECORDED);
    CHECK_INT(s_pass(&h, "ecs", "e-1", id, "out-of-area", NULL, NULL, NULL, 0), RECORDED);
    s_with(&h, id, with);
    CHECK_STR(with, "out-of-area");
    hub_close(&h);
}
