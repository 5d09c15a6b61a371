/*
 * Unit tests of a priority referral (issue 22): referral_priority decided
 * both ways, and on a real case store the case it flags (Case.flags, as
 * its delivery carries it), its shorter contact-by target, a cancellation
 * that leaves no priority, a newer referral saying the carer now copes
 * (priority, reason, target and alerts all agree it is not), the overdue alerts (priority first,
 * saying so), and an erased referral keeping nothing of what it said of the caring.
 */
#include "test.h"

#include "domain/referral.h"
#include "router_hub.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_HOURS "cares 50 or more hours a week and does not feel able to go on caring"
#define S_HOME  "the person cared for leaves hospital within 48 hours"

static Carerhub__Caring *s_caring(const char *hours, const char *able)
{
    Carerhub__Caring *c = xmalloc(sizeof *c);
    carerhub__caring__init(c);
    c->hours_per_week = hours ? xstrdup(hours) : NULL;
    c->able_to_continue = able ? xstrdup(able) : NULL;
    return c;
}

/* The first GP card (Jane Smith), caring as given (NULL: as the sample
 * says, 20_to_49 and not_sure). */
static Carerhub__Referral *s_card(const char *id, const char *hours, const char *able)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    if (r && hours) {
        carerhub__caring__free_unpacked(r->caring, NULL);
        r->caring = s_caring(hours, able);
    }
    return r;
}

/* Another carer than Jane Smith (no NHS number, another family name). */
static Carerhub__Referral *s_other(Carerhub__Referral *r, const char *family)
{
    free(r->carer->nhs_number);
    r->carer->nhs_number = NULL;
    free(r->carer->family_name);
    r->carer->family_name = xstrdup(family);
    return r;
}

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

/* The day hub_card's referrals are received, plus days. */
static void s_day(int days, char out[DATE_STRLEN])
{
    Carerhub__Referral *r = hub_card("GP-X-1", "gp");
    date_format(date_of_ms(r->received_at) + days, out);
    carerhub__referral__free_unpacked(r, NULL);
}

TEST(referral_priority_decided_both_ways)
{
    static const struct {
        const char *hours, *able, *home, *why;
    } cases[] = {
        {"50_or_more", "no", NULL, S_HOURS},
        {"50_or_more", "not_sure", NULL, NULL},
        {"50_or_more", "yes", NULL, NULL},
        {"20_to_49", "no", NULL, NULL},
        {NULL, "no", NULL, NULL},
        {"50_or_more", NULL, NULL, NULL},
        {NULL, NULL, "2026-11-24", S_HOME}, /* two days on: within 48 hours */
        {NULL, NULL, "2026-11-20", S_HOME}, /* gone home already */
        {NULL, NULL, "2026-11-25", NULL},
        {"50_or_more", "no", "2026-11-23", S_HOURS "; " S_HOME},
    };
    date_t on = date_from_ymd(2026, 11, 22);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        Carerhub__Referral r = CARERHUB__REFERRAL__INIT;
        Carerhub__DischargePart d = CARERHUB__DISCHARGE_PART__INIT;
        Carerhub__Patient p = CARERHUB__PATIENT__INIT;
        const char *why = "unset";
        bool got;
        if (cases[i].hours || cases[i].able)
            r.caring = s_caring(cases[i].hours, cases[i].able);
        if (cases[i].home) {
            p.expected_discharge = (char *)cases[i].home;
            d.patient = &p;
            r.discharge = &d;
        }
        got = referral_priority(&r, on, &why);
        if (got != (cases[i].why != NULL))
            printf("      case %zu\n", i);
        CHECK(got == (cases[i].why != NULL));
        if (cases[i].why)
            CHECK_STR(why, cases[i].why);
        else
            CHECK(why == NULL);
        if (r.caring)
            carerhub__caring__free_unpacked(r.caring, NULL);
    }
}

/* A priority GP card: its case flagged with the reason, in the case and
 * in its delivery, and contacted by priority_contact_by_days (2, the
 * shipped routing's) from receipt, not the GP's 10; another carer's card
 * is not priority and keeps 10 days. */
TEST(router_priority_case_flagged_with_a_shorter_contact_by)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    Carerhub__OutboxEntry **e;
    char id[32], other[32], due2[DATE_STRLEN], due10[DATE_STRLEN];
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(route_priority_contact_by_days(h.r.rt), 2);
    s_day(2, due2);
    s_day(10, due10);
    CHECK_INT(s_take(&h, s_card("GP-TEST91-1", "50_or_more", "no"), id), 0);
    CHECK_INT(s_take(&h, s_other(s_card("GP-TEST91-2", NULL, NULL), "Brown"), other), 0);
    CHECK(strcmp(id, other) != 0);
    c = hub_case(&h, id);
    CHECK(c && c->flags && c->flags->priority);
    CHECK_STR(c->flags->priority_reason, S_HOURS);
    CHECK_STR(c->contact_by, due2);
    carerhub__case_record__free_unpacked(c, NULL);
    c = hub_case(&h, other);
    CHECK(c && !(c->flags && c->flags->priority));
    CHECK_STR(c->contact_by, due10);
    carerhub__case_record__free_unpacked(c, NULL);

    n = hub_outbox(&h, "carers-first", &e);
    CHECK_INT(n, 2);
    if (n == 2) {
        const Carerhub__Case *s = e[0]->snapshot, *t = e[1]->snapshot;
        CHECK_STR(s->case_id, id);
        CHECK(s->flags && s->flags->has_priority && s->flags->priority);
        CHECK_STR(s->flags->priority_reason, S_HOURS);
        CHECK_STR(s->contact_by, due2);
        /* The other says so too: priority false, no reason. */
        CHECK(t->flags && t->flags->has_priority && !t->flags->priority);
        CHECK(t->flags->priority_reason == NULL);
    }
    hub_outbox_free(e, n);
    hub_close(&h);
}

/* An urgent discharge is priority for its own reason. */
TEST(router_priority_discharge_within_48_hours)
{
    static hub_t h;
    Carerhub__CaseRecord *c;
    char id[32];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, hub_discharge("HD-TEST91-1", "2026-11-30", "2026-12-01"), id), 0);
    c = hub_case(&h, id);
    CHECK(c && c->flags && c->flags->priority);
    CHECK_STR(c->flags->priority_reason, S_HOME);
    carerhub__case_record__free_unpacked(c, NULL);
    hub_close(&h);
}

/* Its priority referral cancelled, the case is as the referral left
 * standing makes it: not priority, 10 days from its receipt. */
TEST(router_priority_cancelled_leaves_what_stands)
{
    static hub_t h;
    Carerhub__CancelRequest q = CARERHUB__CANCEL_REQUEST__INIT;
    Carerhub__CancelReply out;
    Carerhub__CaseRecord *c;
    char id[32], again[32], due10[DATE_STRLEN], code[32], msg[300];
    CHECK_INT(hub_open(&h, 50), 0);
    s_day(10, due10);
    CHECK_INT(s_take(&h, s_card("GP-TEST92-1", NULL, NULL), id), 0);
    CHECK_INT(s_take(&h, s_card("GP-TEST92-2", "50_or_more", "no"), again), 0);
    CHECK_STR(again, id);
    c = hub_case(&h, id);
    CHECK(c && c->flags && c->flags->priority);
    carerhub__case_record__free_unpacked(c, NULL);
    q.referral_id = (char *)"GP-TEST92-2";
    q.reason = (char *)"error";
    CHECK_INT(router_cancel(&h.r, secure_participant(h.r.sec, "gp"), &q, &out, code, sizeof code,
                            msg, sizeof msg),
              0);
    router_cancel_reply_free(&out);
    c = hub_case(&h, id);
    CHECK(c && !(c->flags && c->flags->priority));
    CHECK_STR(c->contact_by, due10);
    carerhub__case_record__free_unpacked(c, NULL);
    hub_close(&h);
}

/* Overdue, a priority case is listed before the others (even one due
 * earlier), its alert saying priority and why, and no personal data. */
TEST(router_priority_overdue_first_in_alerts)
{
    static hub_t h;
    Carerhub__AlertsReply *a;
    MDB_txn *txn;
    char plain[32], prio[32], day[DATE_STRLEN];
    date_t today;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, s_other(s_card("GP-TEST93-1", NULL, NULL), "Brown"), plain), 0);
    CHECK_INT(s_take(&h, s_card("GP-TEST93-2", "50_or_more", "no"), prio), 0);
    s_day(30, day);
    date_parse(day, &today);
    CHECK_INT(store_read(h.r.store, &txn), 0);
    a = router_alerts(&h.r, txn, today);
    mdb_txn_abort(txn);
    CHECK(a->n_alerts >= 2);
    if (a->n_alerts >= 2) {
        CHECK_STR(a->alerts[0]->kind, "overdue_contact");
        CHECK_STR(a->alerts[0]->case_id, prio);
        CHECK_CONTAINS(a->alerts[0]->detail, "priority (" S_HOURS ")");
        CHECK_STR(a->alerts[1]->case_id, plain);
        CHECK(strstr(a->alerts[1]->detail, "priority") == NULL);
        CHECK(strstr(a->alerts[0]->detail, "Jane") == NULL);
    }
    carerhub__alerts_reply__free_unpacked(a, NULL);
    hub_close(&h);
}

/* The case's priority from its referrals standing: the newest answer to
 * each question about the caring, and a discharge only until its day. */
TEST(referral_priority_now_follows_the_newest_answers)
{
    Carerhub__Referral a = CARERHUB__REFERRAL__INIT, b = CARERHUB__REFERRAL__INIT;
    Carerhub__DischargePart d = CARERHUB__DISCHARGE_PART__INIT;
    Carerhub__Patient p = CARERHUB__PATIENT__INIT;
    const Carerhub__Referral *refs[2] = {&a, &b};
    const char *why = "unset";
    a.caring = s_caring("50_or_more", "no");
    a.referral_date = (char *)"2026-11-22";
    b.referral_date = (char *)"2026-11-23";
    CHECK(referral_priority_now(refs, 1, date_from_ymd(2026, 11, 22), &why));
    CHECK_STR(why, S_HOURS);
    /* Silent on the caring: the earlier answers stand. */
    CHECK(referral_priority_now(refs, 2, date_from_ymd(2026, 11, 23), &why));
    b.caring = s_caring("50_or_more", NULL);
    CHECK(referral_priority_now(refs, 2, date_from_ymd(2026, 11, 23), &why));
    carerhub__caring__free_unpacked(b.caring, NULL);
    /* Now able to go on: not priority, whatever was said before. */
    b.caring = s_caring(NULL, "yes");
    CHECK(!referral_priority_now(refs, 2, date_from_ymd(2026, 11, 23), &why));
    CHECK(why == NULL);
    carerhub__caring__free_unpacked(b.caring, NULL);
    b.caring = s_caring("under_20", NULL);
    CHECK(!referral_priority_now(refs, 2, date_from_ymd(2026, 11, 23), &why));
    carerhub__caring__free_unpacked(b.caring, NULL);
    b.caring = NULL;
    carerhub__caring__free_unpacked(a.caring, NULL);
    a.caring = NULL;
    /* A discharge on the 24th referred on the 22nd: priority until then. */
    p.expected_discharge = (char *)"2026-11-24";
    d.patient = &p;
    a.discharge = &d;
    CHECK(referral_priority_now(refs, 1, date_from_ymd(2026, 11, 24), &why));
    CHECK_STR(why, S_HOME);
    CHECK(!referral_priority_now(refs, 1, date_from_ymd(2026, 11, 25), &why));
}

/* Reports contact with case_id by Carers First. */
static int s_contacted(hub_t *h, const char *oid, const char *case_id)
{
    Carerhub__Outcome *o = hub_outcome_new(oid, case_id, "contacted");
    Carerhub__OutcomeResult res;
    int rc;
    /* A second ago, so that the next referral plainly comes after it. */
    o->has_at = true;
    o->at = clock_now_ms() - 1000;
    rc = hub_report(h, "carers-first", o, &res);
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    return rc == CARERHUB__OUTCOME_RESULT__RESULT__RECORDED ? 0 : -1;
}

/* A priority card, contact made, then a card saying the carer cares under
 * 20 hours and is able to go on: the case is not priority (no reason), is
 * due by the GP's 10 days, its delivery says so, and when overdue its
 * alert does not call it priority. */
TEST(router_priority_ends_when_the_newest_referral_says_the_carer_copes)
{
    static hub_t h;
    Carerhub__AlertsReply *a;
    Carerhub__OutboxEntry **e;
    Carerhub__CaseRecord *c;
    MDB_txn *txn;
    char id[32], again[32], due10[DATE_STRLEN], day[DATE_STRLEN];
    date_t today;
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    s_day(10, due10);
    CHECK_INT(s_take(&h, s_card("GP-TEST95-1", "50_or_more", "no"), id), 0);
    CHECK_INT(s_contacted(&h, "cf-95-1", id), 0);
    CHECK_INT(s_take(&h, s_card("GP-TEST95-2", "under_20", "yes"), again), 0);
    CHECK_STR(again, id);
    c = hub_case(&h, id);
    CHECK(c && !router_case_is_priority(c));
    CHECK(c && !(c->flags && c->flags->priority_reason));
    CHECK(c && c->contact_by && strcmp(c->contact_by, due10) == 0);
    carerhub__case_record__free_unpacked(c, NULL);
    n = hub_outbox(&h, "carers-first", &e);
    CHECK(n >= 2);
    if (n >= 2) {
        const Carerhub__Case *s = e[n - 1]->snapshot;
        CHECK(s->flags && !s->flags->priority && !s->flags->priority_reason);
        CHECK_STR(s->contact_by, due10);
    }
    hub_outbox_free(e, n);
    s_day(30, day);
    date_parse(day, &today);
    CHECK_INT(store_read(h.r.store, &txn), 0);
    a = router_alerts(&h.r, txn, today);
    mdb_txn_abort(txn);
    CHECK(a->n_alerts >= 1);
    for (size_t i = 0; i < a->n_alerts; i++)
        if (a->alerts[i]->case_id && strcmp(a->alerts[i]->case_id, id) == 0)
            CHECK(strstr(a->alerts[i]->detail, "priority") == NULL);
    carerhub__alerts_reply__free_unpacked(a, NULL);
    hub_close(&h);
}

/* Not yet contacted: a card saying the carer copes takes the priority
 * target away (10 days, not 2); one saying again they cannot go on gives
 * it back (2 days from its receipt). */
TEST(router_priority_target_only_while_priority)
{
    static hub_t h;
    Carerhub__CaseRecord *c;
    char id[32], again[32], due2[DATE_STRLEN], due10[DATE_STRLEN];
    CHECK_INT(hub_open(&h, 50), 0);
    s_day(2, due2);
    s_day(10, due10);
    CHECK_INT(s_take(&h, s_card("GP-TEST96-1", "50_or_more", "no"), id), 0);
    CHECK_INT(s_take(&h, s_card("GP-TEST96-2", "20_to_49", "yes"), again), 0);
    CHECK_STR(again, id);
    c = hub_case(&h, id);
    CHECK(c && !router_case_is_priority(c));
    CHECK(c && c->contact_by && strcmp(c->contact_by, due10) == 0);
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(s_take(&h, s_card("GP-TEST96-3", "50_or_more", "no"), again), 0);
    c = hub_case(&h, id);
    CHECK(c && router_case_is_priority(c));
    CHECK_STR(c->flags->priority_reason, S_HOURS);
    CHECK(c && c->contact_by && strcmp(c->contact_by, due2) == 0);
    carerhub__case_record__free_unpacked(c, NULL);
    hub_close(&h);
}

/* The first GP card's equality answers (with consent) reach no
 * organisation: its case's delivery and its inbox view carry the consent
 * without them; the report counts them (by_age_band 65_to_74). */
TEST(router_equality_answers_never_leave_the_hub)
{
    static hub_t h;
    Carerhub__OutboxEntry **e;
    Carerhub__CaseReply *view;
    MDB_txn *txn;
    Carerhub__Referral *ref = hub_card("GP-TEST97-1", "gp");
    char id[32];
    size_t n;
    CHECK(ref && ref->equality && ref->equality->age_band);
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, ref, id), 0);
    n = hub_outbox(&h, "carers-first", &e);
    CHECK_INT(n, 1);
    hub_outbox_free(e, n);
    CHECK_INT(store_read(h.r.store, &txn), 0);
    view = router_case_view(&h.r, txn, "carers-first", id, clock_now_ms());
    mdb_txn_abort(txn);
    CHECK(view && view->case_ && view->case_->n_referrals == 1);
    if (view && view->case_ && view->case_->n_referrals == 1) {
        const Carerhub__Referral *got = view->case_->referrals[0];
        CHECK(got->equality == NULL);
        CHECK(got->consent && got->consent->has_equality_monitoring &&
              got->consent->equality_monitoring);
        CHECK(got->caring != NULL); /* what it said of the caring goes */
    }
    if (view)
        carerhub__case_reply__free_unpacked(view, NULL);
    /* Counted as it was taken. */
    {
        char *dump = hub_report_dump(&h);
        CHECK_CONTAINS(dump, "|x|age_band|65_to_74=1\n");
        free(dump);
    }
    hub_close(&h);
}

/* An erased referral keeps nothing of the caring, its impact, the
 * requests, the equality answers, the consent to them or the more people
 * cared for: what it keeps is what one without them keeps. */
TEST(router_erase_keeps_none_of_the_caring)
{
    Carerhub__Referral *with = hub_card("GP-TEST94-1", "gp");
    Carerhub__Referral *without = hub_card("GP-TEST94-1", "gp");
    router_kept_t k1, k2;
    size_t n1, n2;
    uint8_t *p1, *p2;
    CHECK(with && with->caring && with->impact && with->requests && with->equality &&
          with->n_more_cared_for == 1 && with->consent->has_equality_monitoring);
    carerhub__caring__free_unpacked(without->caring, NULL);
    carerhub__impact__free_unpacked(without->impact, NULL);
    carerhub__requests__free_unpacked(without->requests, NULL);
    carerhub__equality__free_unpacked(without->equality, NULL);
    without->caring = NULL;
    without->impact = NULL;
    without->requests = NULL;
    without->equality = NULL;
    without->consent->has_equality_monitoring = false;
    carerhub__cared_for__free_unpacked(without->more_cared_for[0], NULL);
    without->n_more_cared_for = 0;
    router_erase_keep(with, "GP-TEST94-1", &k1);
    router_erase_keep(without, "GP-TEST94-1", &k2);
    CHECK(!k1.ref.caring && !k1.ref.impact && !k1.ref.requests && !k1.ref.equality &&
          k1.ref.n_more_cared_for == 0 && !k1.ref.consent && !k1.ref.professional);
    n1 = carerhub__referral__get_packed_size(&k1.ref);
    n2 = carerhub__referral__get_packed_size(&k2.ref);
    p1 = xmalloc(n1 + 1);
    p2 = xmalloc(n2 + 1);
    carerhub__referral__pack(&k1.ref, p1);
    carerhub__referral__pack(&k2.ref, p2);
    CHECK(n1 == n2 && memcmp(p1, p2, n1) == 0);
    CHECK(memmem(p1, n1, "father", 6) == NULL && memmem(p1, n1, "65_to_74", 8) == NULL);
    free(p1);
    free(p2);
    carerhub__referral__free_unpacked(with, NULL);
    carerhub__referral__free_unpacked(without, NULL);
}
