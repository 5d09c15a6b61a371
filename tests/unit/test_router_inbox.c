/*
 * Unit tests of an organisation's inbox and its view of one case, on a
 * real case store: the by_provider table kept through opening, moves,
 * passing back, assigning, closing and a new episode; the order (overdue
 * first); limit and total; another organisation's case read as none; the
 * case as it stands, with every referral not cancelled, its own notes only
 * (none of an event that names no organisation) and what it may record
 * next; the control socket's answers and audit; a store written before
 * the table, given it once.
 */
#include "test.h"

#include "domain/referral.h"
#include "router_hub.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define RECORDED CARERHUB__OUTCOME_RESULT__RESULT__RECORDED

static void s_set(char **field, const char *value)
{
    free(*field);
    *field = value ? xstrdup(value) : NULL;
}

/* A GP card for a carer of its own (given name and birthday), living at
 * postcode, received `ago` days before today; no NHS number. */
static Carerhub__Referral *s_card(const char *id, const char *given, const char *dob,
                                  const char *postcode, int ago)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    if (!r)
        return NULL;
    s_set(&r->carer->given_name, given);
    s_set(&r->carer->date_of_birth, dob);
    s_set(&r->carer->postcode, postcode);
    s_set(&r->carer->nhs_number, NULL);
    s_set(&r->referral_date, hub_day(ago));
    if (r->consent)
        s_set(&r->consent->date, hub_day(ago)); /* not after the referral */
    r->received_at = hub_at(ago, 9);
    return r;
}

/* The case ids of provider's inbox now, in order, space-separated, and
 * its total. */
static uint32_t s_inbox(hub_t *h, const char *provider, uint32_t limit, char *out, size_t outsz)
{
    Carerhub__CasesQuery q = CARERHUB__CASES_QUERY__INIT;
    Carerhub__CasesReply *rep;
    MDB_txn *txn;
    uint32_t total;
    size_t n = 0;
    out[0] = '\0';
    q.has_limit = limit > 0;
    q.limit = limit;
    if (store_read(h->r.store, &txn) != 0)
        return 0;
    rep = router_cases(&h->r, txn, provider, &q, clock_now_ms());
    mdb_txn_abort(txn);
    for (size_t i = 0; i < rep->n_cases && n < outsz; i++)
        n += (size_t)snprintf(out + n, outsz - n, "%s%s", i ? " " : "", rep->cases[i]->case_id);
    total = rep->total;
    carerhub__cases_reply__free_unpacked(rep, NULL);
    return total;
}

static Carerhub__CaseReply *s_view(hub_t *h, const char *provider, const char *id)
{
    Carerhub__CaseReply *rep;
    MDB_txn *txn;
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    rep = router_case_view(&h->r, txn, provider, id, clock_now_ms());
    mdb_txn_abort(txn);
    return rep;
}

/* One outcome from provider, with a reason, a note and where to (each may
 * be NULL). */
static int s_report(hub_t *h, const char *provider, const char *oid, const char *case_id,
                    const char *status, const char *reason, const char *note, const char *to)
{
    Carerhub__Outcome *o = hub_outcome_new(oid, case_id, status);
    Carerhub__OutcomeResult res;
    int rc;
    o->reason = reason ? xstrdup(reason) : NULL;
    o->note = note ? xstrdup(note) : NULL;
    o->to = to ? xstrdup(to) : NULL;
    rc = hub_report(h, provider, o, &res);
    if (rc != RECORDED)
        printf("    %s %s: %s\n", oid, status, res.message ? res.message : "");
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    return rc;
}

/* Whether case id is listed under provider in the table itself. */
static bool s_listed(hub_t *h, const char *provider, const char *id)
{
    char key[80];
    snprintf(key, sizeof key, "%s\x1f%s", provider, id);
    return hub_has(h, DB_BY_PROVIDER, key);
}

TEST(router_inbox_follows_a_case_through_moves_closing_and_a_new_episode)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    char id[32], id2[32], ids[200];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST40-1", "Jane", "1961-04-02", "CM2 0AA", 1), id), 0);
    CHECK_INT(s_inbox(&h, "carers-first", 0, ids, sizeof ids), 1);
    CHECK_STR(ids, id);
    /* She moves to Colchester: Essex Carers Support has it now. */
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST40-2", "Jane", "1961-04-02", "CO4 5AB", 0), id2), 0);
    CHECK_STR(id2, id);
    CHECK_INT(s_inbox(&h, "carers-first", 0, ids, sizeof ids), 0);
    CHECK_STR(ids, "");
    CHECK(!s_listed(&h, "carers-first", id));
    CHECK_INT(s_inbox(&h, "ecs", 0, ids, sizeof ids), 1);
    CHECK_STR(ids, id);
    /* Passed back to triage, then assigned by it to Action for Family Carers. */
    CHECK_INT(s_report(&h, "ecs", "e-1", id, "not_ours", "the carer says she lives in Harlow", NULL,
                       NULL),
              RECORDED);
    CHECK_INT(s_inbox(&h, "ecs", 0, ids, sizeof ids), 0);
    CHECK_INT(s_inbox(&h, "ews-triage", 0, ids, sizeof ids), 1);
    CHECK_INT(s_report(&h, "ews-triage", "t-1", id, "assign", NULL, NULL, "afc"), RECORDED);
    CHECK_INT(s_inbox(&h, "ews-triage", 0, ids, sizeof ids), 0);
    CHECK_INT(s_inbox(&h, "afc", 0, ids, sizeof ids), 1);
    CHECK_STR(ids, id);
    CHECK(s_listed(&h, "afc", id) && !s_listed(&h, "ecs", id) && !s_listed(&h, "ews-triage", id));
    /* Closed: in no inbox. A new referral opens a new episode, listed. */
    CHECK_INT(s_report(&h, "afc", "a-1", id, "closed", "no_longer_caring", NULL, NULL), RECORDED);
    CHECK_INT(s_inbox(&h, "afc", 0, ids, sizeof ids), 0);
    CHECK(!s_listed(&h, "afc", id));
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST40-3", "Jane", "1961-04-02", "CM2 0AA", 0), id2), 0);
    CHECK(strcmp(id2, id) != 0);
    CHECK_INT(s_inbox(&h, "carers-first", 0, ids, sizeof ids), 1);
    CHECK_STR(ids, id2);
    hub_close(&h);
}

/* A carer of their own discharged from hospital: referred `ago` days ago
 * (contact by two days after). */
static Carerhub__Referral *s_discharge(const char *id, const char *given, int ago)
{
    Carerhub__Referral *r = hub_discharge(id, hub_day(ago), hub_day(ago));
    if (!r)
        return NULL;
    s_set(&r->carer->given_name, given);
    s_set(&r->carer->date_of_birth, "1950-02-03");
    s_set(&r->carer->nhs_number, NULL);
    if (r->consent)
        s_set(&r->consent->date, hub_day(ago));
    return r;
}

TEST(router_inbox_lists_overdue_first_then_newest_with_limit_and_total)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    char a[32], b[32], c[32], d[32], e[32], x[32], want[200], ids[200];
    Carerhub__CasesQuery q = CARERHUB__CASES_QUERY__INIT;
    Carerhub__CasesReply *rep;
    MDB_txn *txn;
    CHECK_INT(hub_open(&h, 50), 0);
    /* A GP card 30 days ago: contact by 20 days ago. A discharge 25 days
     * ago: by 23 days ago (opened later, due earlier). Cards 5 and 1 days
     * ago: not yet due. One 40 days ago whose carer was contacted (now:
     * after the hub took it): none. */
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST41-1", "Ann", "1960-01-01", "CM2 0AA", 30), a), 0);
    CHECK_INT(hub_take_case(&h, s_discharge("HD-TEST41-2", "Bea", 25), b), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST41-3", "Cat", "1960-01-03", "CM2 0AA", 5), c), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST41-4", "Dot", "1960-01-04", "CM2 0AA", 1), d), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST41-5", "Eve", "1960-01-05", "CM2 0AA", 40), e), 0);
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o-1", e, "contacted", clock_now_ms(), NULL),
              RECORDED);
    /* Another organisation's case, overdue too: never in this inbox. */
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST41-6", "Fay", "1960-01-06", "CO4 5AB", 30), x), 0);

    snprintf(want, sizeof want, "%s %s %s %s %s", b, a, d, c, e);
    CHECK_INT(s_inbox(&h, "carers-first", 0, ids, sizeof ids), 5);
    CHECK_STR(ids, want);
    snprintf(want, sizeof want, "%s %s", b, a);
    CHECK_INT(s_inbox(&h, "carers-first", 2, ids, sizeof ids), 5);
    CHECK_STR(ids, want);
    CHECK_INT(s_inbox(&h, "ecs", 0, ids, sizeof ids), 1);
    CHECK_STR(ids, x);

    /* What each line says. */
    CHECK_INT(store_read(h.r.store, &txn), 0);
    rep = router_cases(&h.r, txn, "carers-first", &q, clock_now_ms());
    mdb_txn_abort(txn);
    CHECK_INT(rep->n_cases, 5);
    CHECK(rep->cases[0]->overdue && rep->cases[1]->overdue && !rep->cases[2]->overdue);
    CHECK_STR(rep->cases[0]->contact_by, hub_day(23));
    CHECK_STR(rep->cases[1]->contact_by, hub_day(20));
    CHECK_STR(rep->cases[2]->contact_by, hub_day(-9));
    CHECK(rep->cases[4]->contact_by == NULL && !rep->cases[4]->overdue);
    CHECK_STR(rep->cases[4]->state, "contacted");
    CHECK_STR(rep->cases[2]->state, "delivered");
    CHECK_STR(rep->cases[0]->carer_name, "Bea Smith");
    CHECK_STR(rep->cases[1]->carer_name, "Ann Smith");
    CHECK_STR(rep->cases[1]->postcode, "CM2 0AA");
    CHECK_INT(rep->cases[0]->source, CARERHUB__SOURCE__DISCHARGE);
    CHECK_INT(rep->cases[1]->source, CARERHUB__SOURCE__GP);
    CHECK_INT(rep->cases[1]->referrals, 1);
    CHECK(!rep->cases[0]->urgent); /* the patient went home long ago */
    CHECK_INT(rep->cases[1]->opened_at, hub_at(30, 9));
    carerhub__cases_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}

/* The referrer (the practice "gp") cancels referral id. */
static int s_cancel(hub_t *h, const char *id)
{
    Carerhub__CancelRequest q = CARERHUB__CANCEL_REQUEST__INIT;
    Carerhub__CancelReply out = CARERHUB__CANCEL_REPLY__INIT;
    char code[32], msg[300];
    int rc;
    q.referral_id = (char *)id;
    q.reason = (char *)"error";
    rc = router_cancel(&h->r, secure_participant(h->r.sec, "gp"), &q, &out, code, sizeof code, msg,
                       sizeof msg);
    router_cancel_reply_free(&out);
    return rc;
}

/* The case's timeline as "event:note" words, notes "-" when none. */
static void s_notes(const Carerhub__CaseReply *v, char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < v->n_timeline && n < outsz; i++)
        n += (size_t)snprintf(out + n, outsz - n, "%s%s:%s", i ? " " : "", v->timeline[i]->event,
                              v->timeline[i]->note ? v->timeline[i]->note : "-");
}

static void s_next(const Carerhub__CaseReply *v, char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < v->n_next && n < outsz; i++)
        n += (size_t)snprintf(out + n, outsz - n, "%s%s", i ? " " : "", v->next[i]);
}

TEST(router_case_view_is_the_case_now_with_its_own_notes_and_next_steps)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseReply *v;
    char id[32], id2[32], id3[32], s[600];
    CHECK_INT(hub_open(&h, 50), 0);
    h.r.conf->router.case_history = 1; /* a delivery carries the newest only */
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST42-1", "Jane", "1961-04-02", "CM2 0AA", 3), id), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST42-2", "Jane", "1961-04-02", "CM2 0AA", 2), id2), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST42-3", "Jane", "1961-04-02", "CM2 0AA", 1), id3), 0);
    CHECK_STR(id2, id);
    CHECK_STR(id3, id);
    CHECK_INT(s_cancel(&h, "GP-TEST42-2"), 0);

    v = s_view(&h, "carers-first", id);
    CHECK(v != NULL);
    CHECK_STR(v->case_->case_id, id);
    CHECK_STR(v->case_->carer->given_name, "Jane");
    /* Every referral not cancelled, oldest first. */
    CHECK_INT(v->case_->n_referrals, 2);
    CHECK_STR(v->case_->referrals[0]->id, "GP-TEST42-1");
    CHECK_STR(v->case_->referrals[1]->id, "GP-TEST42-3");
    CHECK_INT(v->case_->referrals_total, 2);
    CHECK_STR(v->case_->contact_by, hub_day(-7));
    CHECK_STR(v->state, "delivered");
    s_next(v, s, sizeof s);
    CHECK_STR(s, "accepted contact_attempted contacted supported declined unable_to_contact "
                 "not_ours closed");
    CHECK(!v->can_assign);
    carerhub__case_reply__free_unpacked(v, NULL);

    /* Carers First reaches the carer, then passes the case on. */
    CHECK_INT(s_report(&h, "carers-first", "c-1", id, "contacted", NULL, "cf's own words", NULL),
              RECORDED);
    v = s_view(&h, "carers-first", id);
    CHECK(v != NULL);
    s_next(v, s, sizeof s);
    CHECK_STR(s, "contacted supported declined not_ours closed");
    carerhub__case_reply__free_unpacked(v, NULL);
    CHECK_INT(s_report(&h, "carers-first", "c-2", id, "not_ours", "lives in Colchester now",
                       "cf's note on passing", "ecs"),
              RECORDED);
    /* Carers First has it no more: it reads as a case that does not exist. */
    CHECK(s_view(&h, "carers-first", id) == NULL);
    CHECK(s_view(&h, "carers-first", "C-999999") == NULL);
    CHECK(s_view(&h, "carers-first", "not a case") == NULL);

    v = s_view(&h, "ecs", id);
    CHECK(v != NULL);
    CHECK_STR(v->state, "delivered");
    CHECK_STR(v->case_->transferred_from, "carers-first");
    CHECK_STR(v->case_->transfer_reason, "lives in Colchester now");
    s_notes(v, s, sizeof s);
    /* Carers First's notes stay its own; the words it passed the case on
     * with are Essex Carers Support's (its transfer carried them). */
    CHECK_STR(s, "cancelled:- contacted:- not_ours:- transferred:lives in Colchester now");
    CHECK_STR(v->timeline[2]->reason, "lives in Colchester now");
    carerhub__case_reply__free_unpacked(v, NULL);
    /* An operator sees every note. */
    v = s_view(&h, NULL, id);
    CHECK(v != NULL);
    s_notes(v, s, sizeof s);
    CHECK_STR(s, "cancelled:- contacted:cf's own words not_ours:cf's note on passing "
                 "transferred:lives in Colchester now");
    carerhub__case_reply__free_unpacked(v, NULL);

    /* Back to triage, which may assign it; then closed: nothing next. */
    CHECK_INT(s_report(&h, "ecs", "e-1", id, "not_ours", NULL, NULL, NULL), RECORDED);
    v = s_view(&h, "ews-triage", id);
    CHECK(v != NULL && v->can_assign);
    carerhub__case_reply__free_unpacked(v, NULL);
    CHECK_INT(s_report(&h, "ews-triage", "t-1", id, "closed", "other", NULL, NULL), RECORDED);
    v = s_view(&h, "ews-triage", id); /* closed, still with it */
    CHECK(v != NULL);
    CHECK_STR(v->state, "closed");
    CHECK_INT(v->n_next, 0);
    CHECK(!v->can_assign);
    carerhub__case_reply__free_unpacked(v, NULL);
    hub_close(&h);
}

typedef struct {
    hub_t *h;
    const char *case_id;
    Carerhub__TimelineEvent *ev;
} s_event_t;

/* Appends ev to the case's timeline, as an older store may hold it. */
static int s_event_txn(MDB_txn *txn, void *arg)
{
    s_event_t *e = arg;
    Carerhub__CaseRecord *c = router_get_case(&e->h->r, txn, e->case_id);
    int rc = c ? router_timeline_add(&e->h->r, txn, c, e->ev, "carerhub-router", NULL) : -1;
    if (rc == 0)
        rc = router_put_case(&e->h->r, txn, c);
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

TEST(router_case_view_keeps_no_note_of_an_event_at_no_named_organisation)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__TimelineEvent ev = CARERHUB__TIMELINE_EVENT__INIT;
    s_event_t e = {&h, NULL, &ev};
    Carerhub__CaseReply *v;
    char id[32], s[600];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST43-1", "Jane", "1961-04-02", "CM2 0AA", 1), id), 0);
    /* An event that names no organisation, with words of its own. */
    ev.has_at = true;
    ev.at = clock_now_ms();
    ev.event = (char *)"contacted";
    ev.reason = (char *)"told us about her husband's illness";
    ev.note = (char *)"a note nobody's organisation owns";
    e.case_id = id;
    CHECK_INT(store_write(h.r.store, s_event_txn, &e), 0);
    CHECK_INT(s_report(&h, "carers-first", "c-1", id, "contacted", NULL, "cf's own words", NULL),
              RECORDED);
    /* Carers First: its own note, and nothing of the event it cannot be
     * said to own; an operator: both. */
    v = s_view(&h, "carers-first", id);
    CHECK(v != NULL);
    s_notes(v, s, sizeof s);
    CHECK_STR(s, "contacted:- contacted:cf's own words");
    CHECK(v->timeline[0]->reason == NULL);
    carerhub__case_reply__free_unpacked(v, NULL);
    v = s_view(&h, NULL, id);
    CHECK(v != NULL);
    s_notes(v, s, sizeof s);
    CHECK_STR(s, "contacted:a note nobody's organisation owns contacted:cf's own words");
    CHECK_STR(v->timeline[0]->reason, "told us about her husband's illness");
    carerhub__case_reply__free_unpacked(v, NULL);
    hub_close(&h);
}

typedef struct {
    hub_t *h;
    bool unmark; /* as a router before the table: none, and no mark */
} s_old_t;

static int s_old_txn(MDB_txn *txn, void *arg)
{
    s_old_t *o = arg;
    MDB_val k = store_val("by_provider");
    int rc = mdb_drop(txn, store_dbi(o->h->r.store, DB_BY_PROVIDER), 0);
    if (rc == 0 && o->unmark)
        rc = mdb_del(txn, store_dbi(o->h->r.store, DB_META), &k, NULL);
    return rc;
}

TEST(router_inbox_of_an_older_store_is_built_once)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    s_old_t old = {&h, true};
    char a[32], b[32], c[32], want[100], ids[200];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST43-1", "Ann", "1960-01-01", "CM2 0AA", 3), a), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST43-2", "Bea", "1960-01-02", "CM2 0AA", 2), b), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST43-3", "Cat", "1960-01-03", "CO4 5AB", 1), c), 0);
    CHECK_INT(s_report(&h, "carers-first", "o-1", a, "closed", "other", NULL, NULL), RECORDED);

    CHECK_INT(store_write(h.r.store, s_old_txn, &old), 0);
    CHECK_INT(s_inbox(&h, "carers-first", 0, ids, sizeof ids), 0); /* read from the table */
    CHECK_INT(router_inbox_build(&h.r), 0);
    CHECK(hub_has(&h, DB_META, "by_provider"));
    CHECK_INT(s_inbox(&h, "carers-first", 0, ids, sizeof ids), 1);
    CHECK_STR(ids, b);
    CHECK_INT(s_inbox(&h, "ecs", 0, ids, sizeof ids), 1);
    CHECK_STR(ids, c);
    /* The order needs what the table holds: still newest first. */
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST43-4", "Dot", "1960-01-04", "CM2 0AA", 0), a), 0);
    snprintf(want, sizeof want, "%s %s", a, b);
    CHECK_INT(s_inbox(&h, "carers-first", 0, ids, sizeof ids), 2);
    CHECK_STR(ids, want);
    /* Once: the mark stops a second build. */
    old.unmark = false;
    CHECK_INT(store_write(h.r.store, s_old_txn, &old), 0);
    CHECK_INT(router_inbox_build(&h.r), 0);
    CHECK_INT(s_inbox(&h, "carers-first", 0, ids, sizeof ids), 0);
    hub_close(&h);
}

/* --- on the control socket ----------------------------------------------- */

/* Sends env on sock and serves the router's control socket until the
 * answer comes (caller frees), or NULL. */
static Carerhub__Envelope *s_call(hub_t *h, void *sock, Carerhub__Envelope *env)
{
    Carerhub__Envelope *back = NULL;
    if (wire_send(sock, NULL, env, 0) != 0)
        return NULL;
    for (int i = 0; i < 500 && !back; i++) {
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        secure_handle(h->r.sec);
        router_control_drain(&h->r);
        if (zmq_poll(&item, 1, 10) > 0 && wire_recv(sock, false, NULL, &back, 0) != WIRE_OK)
            back = NULL;
    }
    return back;
}

static Carerhub__Envelope *s_ask_cases(hub_t *h, void *sock, const char *provider)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__CasesQuery q = CARERHUB__CASES_QUERY__INIT;
    q.provider = (char *)provider;
    env.body_case = CARERHUB__ENVELOPE__BODY_CASES_QUERY;
    env.cases_query = &q;
    return s_call(h, sock, &env);
}

static Carerhub__Envelope *s_ask_case(hub_t *h, void *sock, const char *id)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__CaseQuery q = CARERHUB__CASE_QUERY__INIT;
    q.case_id = (char *)id;
    env.body_case = CARERHUB__ENVELOPE__BODY_CASE_QUERY;
    env.case_query = &q;
    return s_call(h, sock, &env);
}

/* "code: message" of an Error answer, "" for another answer; frees e. */
static const char *s_error(Carerhub__Envelope *e)
{
    static char out[400];
    snprintf(out, sizeof out, "%s%s%s",
             e && e->body_case == CARERHUB__ENVELOPE__BODY_ERROR ? e->error->code : "",
             e && e->body_case == CARERHUB__ENVELOPE__BODY_ERROR ? ": " : "",
             e && e->body_case == CARERHUB__ENVELOPE__BODY_ERROR ? e->error->message : "");
    if (e)
        carerhub__envelope__free_unpacked(e, NULL);
    return out;
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

TEST(router_control_answers_the_inbox_and_a_case_to_their_keys_only)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Envelope *e;
    char mine[32], theirs[32], cep[256], want[200];
    void *op, *com;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST44-1", "Ann", "1960-01-01", "CM2 0AA", 1), mine), 0);
    CHECK_INT(hub_take_case(&h, s_card("GP-TEST44-2", "Bea", "1960-01-02", "CO4 5AB", 1), theirs),
              0);
    snprintf(cep, sizeof cep, "ipc://%s/control.ipc", test_tmpdir());
    h.r.control_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.control_sock, "router control socket");
    daemon_bind(h.r.control_sock, cep);
    CHECK((h.client = hub_connect(&hub_agent_kp, cep)) != NULL); /* provider-carers-first */

    e = s_ask_cases(&h, h.client, NULL);
    CHECK(e && e->body_case == CARERHUB__ENVELOPE__BODY_CASES_REPLY);
    CHECK_INT(e->cases_reply->total, 1);
    CHECK_STR(e->cases_reply->cases[0]->case_id, mine);
    carerhub__envelope__free_unpacked(e, NULL);
    CHECK(s_audited(&h, "cases", "provider-carers-first",
                    "1 of 1 open case(s) of carers-first listed"));
    CHECK_STR(s_error(s_ask_cases(&h, h.client, "ecs")),
              "forbidden: a provider's key lists its own organisation's cases only: leave "
              "provider out");

    /* Its own case; the other organisation's and none read the same. */
    e = s_ask_case(&h, h.client, mine);
    CHECK(e && e->body_case == CARERHUB__ENVELOPE__BODY_CASE_REPLY);
    CHECK_STR(e->case_reply->case_->carer->given_name, "Ann");
    carerhub__envelope__free_unpacked(e, NULL);
    snprintf(want, sizeof want, "case %s", mine);
    CHECK(s_audited(&h, "case", "provider-carers-first", want));
    snprintf(want, sizeof want, "not_found: no case %s is with your organisation", theirs);
    CHECK_STR(s_error(s_ask_case(&h, h.client, theirs)), want);
    CHECK_STR(s_error(s_ask_case(&h, h.client, "C-999999")),
              "not_found: no case C-999999 is with your organisation");
    CHECK_STR(s_error(s_ask_case(&h, h.client, "Jane Smith")),
              "bad_request: case_id: a case id is C- and six or more digits, as in C-000123");
    CHECK(!s_audited(&h, "case", "provider-carers-first", "case Jane Smith"));

    /* An operator names the organisation, and sees any case. */
    CHECK((op = hub_connect(&hub_operator_kp, cep)) != NULL);
    e = s_ask_cases(&h, op, "ecs");
    CHECK(e && e->body_case == CARERHUB__ENVELOPE__BODY_CASES_REPLY);
    CHECK_INT(e->cases_reply->total, 1);
    CHECK_STR(e->cases_reply->cases[0]->case_id, theirs);
    carerhub__envelope__free_unpacked(e, NULL);
    CHECK_STR(s_error(s_ask_cases(&h, op, NULL)),
              "bad_request: provider: name the organisation whose open cases to list, by its "
              "provider id in the routing (carerhub config providers lists them)");
    CHECK_STR(s_error(s_ask_cases(&h, op, "nobody")),
              "bad_request: provider: name the organisation whose open cases to list, by its "
              "provider id in the routing (carerhub config providers lists them)");
    e = s_ask_case(&h, op, theirs);
    CHECK(e && e->body_case == CARERHUB__ENVELOPE__BODY_CASE_REPLY);
    carerhub__envelope__free_unpacked(e, NULL);
    zmq_close(op);

    /* A commissioner's key: counts only, so neither. */
    CHECK((com = hub_connect(&hub_commissioner_kp, cep)) != NULL);
    CHECK_CONTAINS(s_error(s_ask_cases(&h, com, "ecs")), "forbidden: the open cases of an");
    CHECK_CONTAINS(s_error(s_ask_case(&h, com, theirs)), "forbidden: a case needs the key");
    zmq_close(com);
    CHECK(s_audited(&h, "refused-message", "commissioner",
                    "cases query refused: provider and "
                    "operator keys only"));
    hub_close(&h);
}
