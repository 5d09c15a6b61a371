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

/* The referrer of id cancels it: the practice "gp", or for a discharge
 * a key of its trust (RAJ). */
static int s_cancel(hub_t *h, const char *id, const char *reason)
{
    static char *trust[] = {"RAJ"};
    participant_t hospital = {"hospital", ROLE_HOSPITAL, trust, 1, ""};
    Carerhub__CancelRequest q = CARERHUB__CANCEL_REQUEST__INIT;
    Carerhub__CancelReply out;
    const participant_t *who =
        strncmp(id, "HD-", 3) == 0 ? &hospital : secure_participant(h->r.sec, "gp");
    char code[32], msg[300];
    int rc;
    q.referral_id = (char *)id;
    q.reason = (char *)reason;
    rc = router_cancel(&h->r, who, &q, &out, code, sizeof code, msg, sizeof msg);
    if (rc == 0)
        router_cancel_reply_free(&out);
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

/* The GP card of Jane Smith with this id, phone, email, postcode and
 * address. */
static Carerhub__Referral *s_card(const char *id, const char *phone, const char *email,
                                  const char *postcode, const char *address)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    if (!r)
        return NULL;
    free(r->carer->phone);
    r->carer->phone = xstrdup(phone);
    free(r->carer->email);
    r->carer->email = xstrdup(email);
    free(r->carer->postcode);
    r->carer->postcode = xstrdup(postcode);
    free(r->carer->address);
    r->carer->address = xstrdup(address);
    return r;
}

TEST(router_cancelled_referral_leaves_the_carer_as_the_others_give)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    Carerhub__OutboxEntry **e;
    char id[32], again[32];
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h,
                     s_card("GP-TEST73-1", "07700 900123", "jane@example.org", "CM2 0AA",
                            "1 High Street, Chelmsford"),
                     id),
              0);
    /* Sent in error: another Jane's phone, email and address. */
    CHECK_INT(s_take(&h,
                     s_card("GP-TEST73-2", "07700 900999", "joan@example.org", "CM2 9QT",
                            "7 Mill Lane, Chelmsford"),
                     again),
              0);
    CHECK_STR(again, id);
    c = hub_case(&h, id);
    CHECK(c && c->carer);
    CHECK_STR(c->carer->phone, "07700 900999");
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(s_cancel(&h, "GP-TEST73-2", "error"), 0);
    c = hub_case(&h, id);
    CHECK(c && c->carer && !c->closed);
    CHECK_STR(c->carer->phone, "07700 900123");
    CHECK_STR(c->carer->email, "jane@example.org");
    CHECK_STR(c->carer->postcode, "CM2 0AA");
    CHECK_STR(c->carer->address, "1 High Street, Chelmsford");
    CHECK_STR(c->carer->given_name, "Jane");
    carerhub__case_record__free_unpacked(c, NULL);
    /* What reaches the organisation next has her details, not Joan's. */
    CHECK_INT(s_take(&h, hub_card("GP-TEST73-3", "gp"), again), 0);
    n = hub_outbox(&h, "carers-first", &e);
    CHECK(n >= 1);
    CHECK_STR(e[n - 1]->kind, "update");
    CHECK(e[n - 1]->snapshot && e[n - 1]->snapshot->carer);
    CHECK_STR(e[n - 1]->snapshot->carer->email, "jane@example.org");
    CHECK_STR(e[n - 1]->snapshot->carer->address, "1 High Street, Chelmsford");
    hub_outbox_free(e, n);
    hub_close(&h);
}

TEST(router_cancelled_urgent_discharge_leaves_the_case_neither_urgent_nor_overdue)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    date_t today = date_today();
    char id[32], again[32], due[DATE_STRLEN], gp_due[DATE_STRLEN], key[64];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, hub_card("GP-TEST74-1", "gp"), id), 0);
    c = hub_case(&h, id);
    CHECK(c && c->contact_by);
    snprintf(gp_due, sizeof gp_due, "%s", c->contact_by);
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(s_take(&h, s_discharge("HD-TEST74-2", today, today + 1), again), 0);
    CHECK_STR(again, id);
    date_format(today + 2, due);
    c = hub_case(&h, id);
    CHECK(c && c->urgent);
    CHECK_STR(c->contact_by, due);
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(s_overdue(&h, today + 3), 1);

    CHECK_INT(s_cancel(&h, "HD-TEST74-2", "changed"), 0);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK(!c->urgent && c->urgent_until == NULL);
    CHECK_STR(c->contact_by, gp_due); /* the GP referral's target stands */
    carerhub__case_record__free_unpacked(c, NULL);
    snprintf(key, sizeof key, "%s\x1f%s", due, id);
    CHECK(!hub_has(&h, DB_CONTACT_DUE, key));
    snprintf(key, sizeof key, "%s\x1f%s", gp_due, id);
    CHECK(hub_has(&h, DB_CONTACT_DUE, key));
    CHECK_INT(s_overdue(&h, today + 3), 0);
    hub_close(&h);
}

TEST(router_cancelled_referral_after_contact_leaves_no_target)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    date_t today = date_today();
    char id[32], again[32], due[DATE_STRLEN];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, hub_card("GP-TEST75-1", "gp"), id), 0);
    CHECK_INT(s_report(&h, "carers-first", "cf-1", id, "contacted", NULL, NULL, NULL), RECORDED);
    CHECK_INT(s_take(&h, s_discharge("HD-TEST75-2", today, today + 1), again), 0);
    CHECK_INT(s_cancel(&h, "HD-TEST75-2", "error"), 0);
    /* The GP referral was contacted: nothing waits. */
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK(c->contact_by == NULL);
    CHECK(!c->urgent && c->urgent_until == NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(s_overdue(&h, today + 30), 0);

    /* Passed on after contact: the new organisation's target (from the
     * day of the move) outlives another cancelled discharge. */
    CHECK_INT(s_report(&h, "carers-first", "cf-2", id, "not_ours", NULL, "ecs", NULL), RECORDED);
    date_format(today + 10, due); /* a GP referral's days: the discharge was cancelled */
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->contact_by, due);
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(s_take(&h, s_discharge("HD-TEST75-3", today, today + 1), again), 0);
    CHECK_INT(s_cancel(&h, "HD-TEST75-3", "changed"), 0);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->provider, "ecs");
    CHECK_STR(c->contact_by, due);
    CHECK(!c->urgent);
    carerhub__case_record__free_unpacked(c, NULL);
    hub_close(&h);
}
