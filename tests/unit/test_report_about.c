/*
 * Unit tests of the report's forms for what referrals say about the carer
 * and for carers referred per 1,000 carers by area (report_about.c and the
 * four writers): the sample reply with those rows added, read back from
 * text, JSON, CSV and HTML, plainly and published (counts below 5 as
 * "<5", a rate from one suppressed).
 */
#include "test.h"

#include "report_sample.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    report_sample_t s;
    Carerhub__ReportRow rows[12], *hours[4], *prio[2], *eq[2], *area[2];
} s_about_t;

static Carerhub__ReportRow *s_row(Carerhub__ReportRow *r, const char *key, const char *name,
                                  uint64_t referrals)
{
    carerhub__report_row__init(r);
    r->key = (char *)key, r->name = (char *)name;
    r->has_referrals = true, r->referrals = referrals;
    return r;
}

/* 10 referrals: 2 under 20 hours, 0 of 20 to 49, 7 of 50 or more, 1 not
 * said; 3 priority; 6 consented to equality: 2 female, 4 not asked. Mid
 * Essex 120 carers referred in the period (120,000 / 38,741 = 3.0975 per
 * 1,000: 3.10), 400 since the start (10.3250: 10.32); North 3 (3,000 /
 * 33,920 = 0.0884: 0.09), 12 since the start (0.3538: 0.35). */
static void s_sample(s_about_t *a)
{
    Carerhub__ReportReply *rep = &a->s.rep;
    Carerhub__ReportRow *r;
    report_sample(&a->s);
    a->hours[0] = s_row(&a->rows[0], "under_20", "Under 20 hours a week", 2);
    a->hours[1] = s_row(&a->rows[1], "20_to_49", "20 to 49 hours a week", 0);
    a->hours[2] = s_row(&a->rows[2], "50_or_more", "50 or more hours a week", 7);
    a->hours[3] = s_row(&a->rows[3], "not_said", "Not said", 1);
    rep->by_hours = a->hours, rep->n_by_hours = 4;
    a->prio[0] = s_row(&a->rows[4], "priority", "Priority", 3);
    a->prio[1] = s_row(&a->rows[5], "not_priority", "Not priority", 7);
    rep->by_priority = a->prio, rep->n_by_priority = 2;
    rep->has_equality_consented = true, rep->equality_consented = 6;
    a->eq[0] = s_row(&a->rows[6], "female", "Female", 2);
    a->eq[1] = s_row(&a->rows[7], "not_asked", "Not asked", 4);
    rep->by_sex = a->eq, rep->n_by_sex = 2;
    r = a->area[0] = s_row(&a->rows[8], "mid", "Mid Essex", 0);
    r->has_referrals = false;
    r->population = 38741, r->carers_referred = 120, r->carers_referred_since_start = 400;
    r->per_1000 = 3.10, r->per_1000_since_start = 10.32;
    r = a->area[1] = s_row(&a->rows[9], "north", "North Essex", 0);
    r->has_referrals = false;
    r->population = 33920, r->carers_referred = 3, r->carers_referred_since_start = 12;
    r->per_1000 = 0.09, r->per_1000_since_start = 0.35;
    rep->by_area = a->area, rep->n_by_area = 2;
}

TEST(report_about_text_and_html_show_each_count_and_rate)
{
    static s_about_t a;
    char *text, *page, *pub;
    s_sample(&a);
    text = report_sample_render(report_text, &a.s, false);
    page = report_sample_render(report_html, &a.s, false);
    pub = report_sample_render(report_text, &a.s, true);
    CHECK_CONTAINS(text, "Referrals by hours of care a week (one count per referral received)\n"
                         "  Under 20 hours a week    2\n"
                         "  20 to 49 hours a week    0\n"
                         "  50 or more hours a week  7\n"
                         "  Not said                 1\n");
    CHECK_CONTAINS(text, "Equality monitoring: the 6 referrals whose carer consented");
    CHECK_CONTAINS(text, "  Mid Essex    38,741       120       3.10          400      10.32\n");
    CHECK_CONTAINS(text, "  North Essex  33,920         3       0.09           12       0.35\n");
    /* published: 2, 0, 3, 4 and the North's 3 are "<5", and its rate with
     * them; the population is an estimate, not a count of people */
    CHECK_CONTAINS(pub, "  Under 20 hours a week    <5\n  20 to 49 hours a week    <5\n"
                        "  50 or more hours a week   7\n");
    CHECK_CONTAINS(pub, "  North Essex  33,920        <5  suppressed           12       0.35\n");
    CHECK_CONTAINS(pub, "  Mid Essex    38,741       120        3.10          400      10.32\n");
    CHECK_CONTAINS(page, "<caption id=\"c");
    CHECK_CONTAINS(page, "<span>Referrals by hours of care a week</span></caption>");
    CHECK_CONTAINS(page, "<span>Equality monitoring: sex</span></caption>");
    CHECK_CONTAINS(page, "<span>Carers referred per 1,000 carers, by area</span></caption>");
    CHECK_CONTAINS(page, "<th scope=\"row\">50 or more hours a week</th><td class=\"n\">7</td>");
    CHECK_CONTAINS(page, "<th scope=\"row\">Mid Essex</th><td class=\"n\">38,741</td><td "
                         "class=\"n\">120</td><td class=\"n\">3.10</td>");
    free(text);
    free(page);
    free(pub);
}

TEST(report_about_json_and_csv_give_the_figures)
{
    static s_about_t a;
    json_t *j = NULL, *p = NULL;
    char *csv, *pcsv;
    s_sample(&a);
    j = report_sample_json(&a.s, false);
    p = report_sample_json(&a.s, true);
    csv = report_sample_render(report_csv, &a.s, false);
    pcsv = report_sample_render(report_csv, &a.s, true);
    CHECK(j && p);
    CHECK_JINT(j, "by_hours.2.referrals", 7);
    CHECK_JSTR(j, "by_hours.2.key", "50_or_more");
    CHECK_JINT(j, "by_priority.0.referrals", 3);
    CHECK_JINT(j, "equality.consented", 6);
    CHECK_JSTR(j, "equality.by_sex.1.key", "not_asked");
    CHECK_JINT(j, "equality.by_sex.1.referrals", 4);
    CHECK_JINT(j, "by_area.0.population", 38741);
    CHECK_JREAL(j, "by_area.0.per_1000", 3.10);
    CHECK_JREAL(j, "by_area.0.per_1000_since_start", 10.32);
    CHECK_JREAL(j, "by_area.1.per_1000", 0.09);
    CHECK_JSTR(p, "by_priority.0.referrals", "<5");
    CHECK_JSTR(p, "by_area.1.carers_referred", "<5");
    CHECK_JNULL(p, "by_area.1.per_1000");
    CHECK_JREAL(p, "by_area.1.per_1000_since_start", 0.35);
    CHECK_CONTAINS(csv, "\nby_hours,50_or_more,50 or more hours a week,referrals,7\n");
    CHECK_CONTAINS(csv, "\nequality,,,consented,6\n");
    CHECK_CONTAINS(csv, "\nequality_by_sex,female,Female,referrals,2\n");
    CHECK_CONTAINS(csv, "\nby_area,mid,Mid Essex,population,38741\n"
                        "by_area,mid,Mid Essex,carers_referred,120\n"
                        "by_area,mid,Mid Essex,per_1000,3.10\n");
    CHECK_CONTAINS(pcsv, "\nby_area,north,North Essex,carers_referred,<5\n"
                         "by_area,north,North Essex,per_1000,\n");
    CHECK_CONTAINS(pcsv, "\nequality_by_sex,female,Female,referrals,<5\n");
done:
    json_decref(j);
    json_decref(p);
    free(csv);
    free(pcsv);
}
