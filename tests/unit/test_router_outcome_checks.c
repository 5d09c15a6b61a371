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
    Carerhub__Referral *r = hub_card(id, "gp");
    Carerhub__ReferralRecord *rec;
    int rc;
    if (!r)
        return -1;
    rc = hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    if (rc != 0 || !(rec = hub_get(h, id)))
        return -1;
    snprintf(out, 32, "%s", rec->case_id);
    carerhub__referral_record__free_unpacked(rec, NULL);
    return 0;
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
