/*
 * Unit tests of the contact a case waits for, on a real case store: what
 * ends its contact-by target and urgency (and what does not), what a
 * cancelled referral leaves of them and of the carer's details, a new
 * referral for a carer who declined, and a case passed on after contact.
 */
#include "test.h"

#include "domain/referral.h"
#include "router_hub.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORDED CARERHUB__OUTCOME_RESULT__RESULT__RECORDED
#define REFUSED  CARERHUB__OUTCOME_RESULT__RESULT__REFUSED

/* Takes ref (freed) as its intake forwards it; its case id into out. */
static int s_take(hub_t *h, Carerhub__Referral *ref, char out[32])
{
    Carerhub__ReferralRecord *rec;
    char id[64];
    int rc;
    if (!ref)
        return -1;
    snprintf(id, sizeof id, "%s", ref->id);
    rc = hub_take(h, ref->source,
                  ref->source == CARERHUB__SOURCE__GP ? "gp-intake" : "discharge-intake", ref);
    carerhub__referral__free_unpacked(ref, NULL);
    if (rc != 0 || !(rec = hub_get(h, id)))
        return -1;
    snprintf(out, 32, "%s", rec->case_id);
    carerhub__referral_record__free_unpacked(rec, NULL);
    return 0;
}

/* A discharge of Jane Smith referred `on`, the patient home on `home`. */
static Carerhub__Referral *s_discharge(const char *id, date_t on, date_t home)
{
    char d1[DATE_STRLEN], d2[DATE_STRLEN];
    date_format(on, d1);
    date_format(home, d2);
    return hub_discharge(id, d1, d2);
}

/* Reports one outcome (reason and to may be NULL); returns its result,
 * the refusal's code into code (if given). */
static int s_report(hub_t *h, const char *provider, const char *oid, const char *case_id,
                    const char *status, const char *reason, const char *to, char *code)
{
    Carerhub__Outcome *o = hub_outcome_new(oid, case_id, status);
    Carerhub__OutcomeResult res;
    int rc;
    o->reason = reason ? xstrdup(reason) : NULL;
    o->to = to ? xstrdup(to) : NULL;
    if (strcmp(status, "supported") == 0) {
        o->support = xcalloc(1, sizeof *o->support);
        o->support[o->n_support++] = xstrdup("break");
    }
    rc = hub_report(h, provider, o, &res);
    if (code)
        snprintf(code, 32, "%s", res.code ? res.code : "");
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    return rc;
}

static uint64_t s_overdue(hub_t *h, date_t today)
{
    MDB_txn *txn;
    uint64_t n;
    if (store_read(h->r.store, &txn) != 0)
        return 0;
    n = router_overdue_contacts(&h->r, txn, today);
    mdb_txn_abort(txn);
    return n;
}

TEST(router_unable_to_contact_leaves_the_case_waiting_urgent_and_overdue)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    date_t today = date_today();
    char id[32], due[DATE_STRLEN];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, s_discharge("HD-TEST70-1", today, today + 1), id), 0);
    CHECK_INT(s_report(&h, "carers-first", "cf-1", id, "unable_to_contact", NULL, NULL, NULL),
              RECORDED);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->state, "unable_to_contact");
    date_format(today + 2, due);
    CHECK_STR(c->contact_by, due);
    CHECK(c->urgent && c->urgent_until != NULL);
    CHECK(!c->has_contacted_at);
    carerhub__case_record__free_unpacked(c, NULL);
    /* Past its target, it is overdue; contact ends that. */
    CHECK_INT(s_overdue(&h, today + 3), 1);
    CHECK_INT(s_report(&h, "carers-first", "cf-2", id, "contacted", NULL, NULL, NULL), RECORDED);
    CHECK_INT(s_overdue(&h, today + 3), 0);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK(!c->urgent && c->contact_by == NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    hub_close(&h);
}

TEST(router_new_referral_for_a_carer_who_declined_asks_for_contact_again)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    Carerhub__TimelineEvent **tl;
    char id[32], again[32], code[32];
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, hub_card("GP-TEST71-1", "gp"), id), 0);
    CHECK_INT(s_report(&h, "carers-first", "cf-1", id, "declined", NULL, NULL, NULL), RECORDED);
    CHECK_INT(s_report(&h, "carers-first", "cf-2", id, "contact_attempted", NULL, NULL, code),
              REFUSED);
    CHECK_STR(code, "impossible_step");
    /* Her practice refers her again: a new request for contact. */
    CHECK_INT(s_take(&h, hub_card("GP-TEST71-2", "gp"), again), 0);
    CHECK_STR(again, id);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->state, "delivered");
    CHECK(c->has_contacted_at); /* the decline is still history */
    CHECK(c->contact_by != NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    n = hub_timeline(&h, id, false, &tl);
    router_timeline_free(tl, n);
    CHECK_INT(n, 1);
    CHECK_INT(s_report(&h, "carers-first", "cf-3", id, "contact_attempted", NULL, NULL, NULL),
              RECORDED);
    CHECK_INT(s_report(&h, "carers-first", "cf-4", id, "unable_to_contact", NULL, NULL, NULL),
              RECORDED);
    /* And once more after she could not be reached. */
    CHECK_INT(s_take(&h, hub_card("GP-TEST71-3", "gp"), again), 0);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->state, "delivered");
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(s_report(&h, "carers-first", "cf-5", id, "accepted", NULL, NULL, NULL), RECORDED);
    CHECK_INT(s_report(&h, "carers-first", "cf-6", id, "contacted", NULL, NULL, NULL), RECORDED);
    hub_close(&h);
}

TEST(router_case_passed_on_after_contact_gets_a_contact_by_target_there)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    Carerhub__OutboxEntry **e;
    date_t today = date_today();
    char id[32], due[DATE_STRLEN], key[64];
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, hub_card("GP-TEST72-1", "gp"), id), 0);
    CHECK_INT(s_report(&h, "carers-first", "cf-1", id, "contacted", NULL, NULL, NULL), RECORDED);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK(c->contact_by == NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    /* Passed on to triage: Essex Wellbeing Service has not contacted her,
     * and has a GP referral's 10 days from today to do so. */
    CHECK_INT(s_report(&h, "carers-first", "cf-2", id, "not_ours", NULL, NULL, NULL), RECORDED);
    date_format(today + 10, due);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->provider, "ews-triage");
    CHECK_STR(c->contact_by, due);
    carerhub__case_record__free_unpacked(c, NULL);
    snprintf(key, sizeof key, "%s\x1f%s", due, id);
    CHECK(hub_has(&h, DB_CONTACT_DUE, key));
    n = hub_outbox(&h, "ews-triage", &e);
    CHECK_INT(n, 1);
    CHECK_STR(e[0]->kind, "transfer_in");
    CHECK_STR(e[0]->snapshot->contact_by, due);
    hub_outbox_free(e, n);
    CHECK_INT(s_overdue(&h, today + 11), 1);
    /* Assigned on before anyone reached her: the target stands. */
    CHECK_INT(s_report(&h, "ews-triage", "t-1", id, "assign", NULL, "afc", NULL), RECORDED);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->contact_by, due);
    carerhub__case_record__free_unpacked(c, NULL);
    /* Contacted by triage's choice, then assigned again: a new target. */
    CHECK_INT(s_report(&h, "afc", "a-1", id, "contacted", NULL, NULL, NULL), RECORDED);
    CHECK_INT(s_overdue(&h, today + 11), 0);
    CHECK_INT(s_report(&h, "ews-triage", "t-2", id, "assign", NULL, "ecs", NULL), RECORDED);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->contact_by, due);
    carerhub__case_record__free_unpacked(c, NULL);
    hub_close(&h);
}
