/*
 * Unit tests of the counts of what referrals say about the carer (the
 * report table's x entries, router_report_about.c) and of carers referred
 * against each area's carer population (router_report_about_q.c), after
 * real takes on a real store with the shipped routing: each value counted
 * once a referral, the equality answers only with consent, what is not
 * said, the counts kept when the carer is erased, and the per-1,000 rates
 * against figures worked by hand.
 */
#include "test.h"

#include "router/router_report_query.h"
#include "router_hub.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first GP card, for another carer (name, date of birth, postcode). */
static Carerhub__Referral *s_card(const char *id, const char *family, const char *postcode)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    if (r && family) {
        free(r->carer->family_name);
        r->carer->family_name = xstrdup(family);
        free(r->carer->date_of_birth);
        r->carer->date_of_birth = xstrdup("1970-01-15");
        free(r->carer->postcode);
        r->carer->postcode = xstrdup(postcode);
        free(r->carer->email);
        r->carer->email = NULL;
        free(r->carer->phone);
        r->carer->phone = xstrdup("07700 900999");
        free(r->carer->address);
        r->carer->address = NULL;
        free(r->carer->nhs_number);
        r->carer->nhs_number = NULL;
        free(r->carer->given_name);
        r->carer->given_name = xstrdup("Sam");
    }
    return r;
}

/* Each row of rows as "key=referrals", space-separated. */
static const char *s_rows(Carerhub__ReportRow **rows, size_t n)
{
    static char out[512];
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && len < sizeof out; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s=%llu", i ? " " : "",
                                rows[i]->key, (unsigned long long)rows[i]->referrals);
    return out;
}

static Carerhub__ReportReply *s_ask(hub_t *h)
{
    Carerhub__ReportQuery q = CARERHUB__REPORT_QUERY__INIT;
    Carerhub__ReportReply *rep;
    MDB_txn *txn;
    char msg[200];
    q.from = (char *)hub_day(0);
    q.to = (char *)hub_day(0);
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    rep = router_report(&h->r, txn, &q, date_today(), msg, sizeof msg);
    mdb_txn_abort(txn);
    if (!rep)
        printf("    %s\n", msg);
    return rep;
}

/* Four referrals today, for three carers:
 *   A  Jane Smith, Chelmsford (Mid): 20 to 49 hours, at risk of giving up
 *      work, asks for an assessment, an emergency plan and a benefits
 *      check; equality consented: female, 65 to 74, ethnicity prefer not
 *      to say, not disabled (the sample card as it is);
 *   A2 Jane again (the same case), the same card under another id;
 *   B  a carer in Colchester (North): 50 or more hours and not able to go
 *      on caring (priority); no impact; a carers card; no equality consent,
 *      so it is in no equality count, not even "not asked";
 *   C  a carer in Basildon (South West): nothing of caring said; works full
 *      time; no requests; equality consented, nothing answered. */
static int s_take_four(hub_t *h, char a_case[32])
{
    Carerhub__Referral *b = s_card("GP-ABOUT-B", "Baxter", "CO1 1AA");
    Carerhub__Referral *c = s_card("GP-ABOUT-C", "Carter", "SS14 1AA");
    char other[32];
    int64_t now = hub_at(0, 9);
    b->caring->hours_per_week = (free(b->caring->hours_per_week), xstrdup("50_or_more"));
    b->caring->able_to_continue = (free(b->caring->able_to_continue), xstrdup("no"));
    carerhub__impact__free_unpacked(b->impact, NULL);
    b->impact = NULL;
    b->requests->carers_assessment = b->requests->emergency_plan = false;
    b->requests->benefits_check = false;
    b->requests->carers_card = true;
    b->consent->equality_monitoring = false;
    carerhub__equality__free_unpacked(b->equality, NULL);
    b->equality = NULL; /* refused without the consent, as at the intake */
    carerhub__caring__free_unpacked(c->caring, NULL);
    c->caring = NULL;
    c->impact->work = (free(c->impact->work), xstrdup("full_time"));
    carerhub__requests__free_unpacked(c->requests, NULL);
    c->requests = NULL;
    carerhub__equality__free_unpacked(c->equality, NULL);
    c->equality = NULL;
    b->received_at = c->received_at = now;
    {
        Carerhub__Referral *a = s_card("GP-ABOUT-A", NULL, NULL);
        Carerhub__Referral *a2 = s_card("GP-ABOUT-A2", NULL, NULL);
        a->received_at = a2->received_at = now;
        if (hub_take_case(h, a, a_case) != 0 || hub_take_case(h, a2, other) != 0 ||
            strcmp(a_case, other) != 0) {
            printf("    A or A2 not taken into one case (%s, %s)\n", a_case, other);
            return -1;
        }
    }
    if (hub_take_case(h, b, other) != 0) {
        printf("    B not taken\n");
        return -1;
    }
    return hub_take_case(h, c, other);
}

static void s_check_four(const Carerhub__ReportReply *rep)
{
    CHECK_INT(rep->referrals, 4);
    CHECK_STR(s_rows(rep->by_hours, rep->n_by_hours),
              "under_20=0 20_to_49=2 50_or_more=1 not_said=1");
    CHECK_STR(s_rows(rep->by_priority, rep->n_by_priority), "priority=1 not_priority=3");
    CHECK_STR(s_rows(rep->by_work, rep->n_by_work),
              "full_time=1 part_time=0 given_up=0 at_risk=2 not_working=0 not_said=1");
    CHECK_STR(s_rows(rep->requests, rep->n_requests),
              "carers_assessment=2 emergency_plan=2 benefits_check=2 carers_card=1");
    CHECK_INT(rep->equality_consented, 3);
    CHECK_STR(s_rows(rep->by_sex, rep->n_by_sex),
              "female=2 male=0 prefer_not_to_say=0 not_asked=1");
    CHECK_STR(s_rows(rep->by_age_band, rep->n_by_age_band),
              "under_18=0 18_to_24=0 25_to_49=0 50_to_64=0 65_to_74=2 75_or_over=0 "
              "prefer_not_to_say=0 not_asked=1");
    CHECK_STR(s_rows(rep->by_ethnicity, rep->n_by_ethnicity),
              "asian=0 black=0 mixed=0 white=0 other=0 prefer_not_to_say=2 not_asked=1");
    CHECK_STR(s_rows(rep->by_disability, rep->n_by_disability),
              "yes=0 no=2 prefer_not_to_say=0 not_asked=1");
}

/* Each area's carers referred (period, since start) and rates. */
static const char *s_areas(const Carerhub__ReportReply *rep)
{
    static char out[512];
    size_t len = 0;
    for (size_t i = 0; i < rep->n_by_area && len < sizeof out; i++) {
        const Carerhub__ReportRow *a = rep->by_area[i];
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s %llu/%llu %.2f %.2f",
                                i ? "; " : "", a->key, (unsigned long long)a->carers_referred,
                                (unsigned long long)a->population, a->per_1000,
                                a->per_1000_since_start);
    }
    return out;
}

TEST(router_report_about_counts_each_referral_once)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReportReply *rep;
    char a_case[32];
    CHECK_INT(hub_open(&h, 100), 0);
    CHECK_INT(s_take_four(&h, a_case), 0);
    /* The same referral again (an intake's resend) counts nothing more. */
    {
        Carerhub__Referral *again = s_card("GP-ABOUT-A", NULL, NULL);
        again->received_at = hub_at(0, 9);
        hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", again);
        carerhub__referral__free_unpacked(again, NULL);
    }
    CHECK((rep = s_ask(&h)) != NULL);
    s_check_four(rep);
    /* One carer each in Mid, North and South West: 1 per 38,741 carers is
     * 0.0258 per 1,000, 1 per 33,920 0.0295, 1 per 25,429 0.0393. */
    CHECK_STR(s_areas(rep), "mid 1/38741 0.03 0.03; north 1/33920 0.03 0.03; south-east 0/19318 "
                            "0.00 0.00; south-west 1/25429 0.04 0.04; west 0/28803 0.00 0.00");
    carerhub__report_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}

TEST(router_report_about_counts_stay_after_erasure)
{
    static hub_t h;
    Carerhub__EraseRequest q = CARERHUB__ERASE_REQUEST__INIT;
    Carerhub__EraseReply out = CARERHUB__ERASE_REPLY__INIT;
    Carerhub__ReportReply *rep;
    char a_case[32], code[64], msg[256], *before, *after;
    CHECK_INT(hub_open(&h, 100), 0);
    CHECK_INT(s_take_four(&h, a_case), 0);
    before = hub_report_dump(&h);
    CHECK_CONTAINS(before, "|x|sex|female=2\n");
    q.id = a_case;
    q.reason = (char *)"the carer's request";
    CHECK_INT(router_erase(&h.r, "operator", &q, &out, code, sizeof code, msg, sizeof msg), 0);
    router_erase_reply_free(&out);
    {
        Carerhub__CaseRecord *c = hub_case(&h, a_case);
        CHECK(c && c->has_erased_at && !c->carer);
        if (c)
            carerhub__case_record__free_unpacked(c, NULL);
    }
    after = hub_report_dump(&h);
    CHECK_STR(after, before);
    CHECK((rep = s_ask(&h)) != NULL);
    s_check_four(rep);
    CHECK_CONTAINS(s_areas(rep), "mid 1/38741");
    carerhub__report_reply__free_unpacked(rep, NULL);
    free(before);
    free(after);
    hub_close(&h);
}

TEST(router_report_per_1000_worked_by_hand)
{
    /* 4,150 / 38,741 * 1,000 = 107.1217; 12,500 / 28,803 * 1,000 =
     * 433.9826; 3 / 19,318 * 1,000 = 0.1553; 2 / 33,920 * 1,000 = 0.0590;
     * 0.005 rounds up: 5 / 1,000,000 * 1,000. */
    CHECK(router_report_per_1000(4150, 38741) == 107.12);
    CHECK(router_report_per_1000(12500, 28803) == 433.98);
    CHECK(router_report_per_1000(3, 19318) == 0.16);
    CHECK(router_report_per_1000(2, 33920) == 0.06);
    CHECK(router_report_per_1000(5, 1000000) == 0.01);
    CHECK(router_report_per_1000(38741, 38741) == 1000.0);
    CHECK(router_report_per_1000(7, 0) == 0.0);
}
