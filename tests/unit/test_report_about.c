/*
 * Unit tests of the report's forms for what referrals say about the carer
 * and for carers referred per 1,000 carers by area (report_about.c and the
 * four writers): the sample reply with those rows added, read back from
 * text, JSON, CSV and HTML, plainly and published (counts below 5 as
 * "<5", a rate from one suppressed, and enough others of a table
 * suppressed that none can be worked out from its total).
 */
#include "test.h"

#include "report_sample.h"

#include <stdio.h>
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
     * them; the 7 of 50 or more hours too, or 10 less 7 would say that the
     * three "<5" hold 3 between them (as would 7 not priority of 10); the
     * population is an estimate, not a count of people */
    CHECK_CONTAINS(pub, "  Under 20 hours a week            <5\n"
                        "  20 to 49 hours a week            <5\n"
                        "  50 or more hours a week  suppressed\n"
                        "  Not said                         <5\n");
    CHECK_CONTAINS(pub, "  Priority              <5\n  Not priority  suppressed\n");
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

/* The attacker's report: 3 priority of 24 referrals; 34 consented to the
 * equality questions: 20 female, 3 male, 6 prefer not to say, 5 not
 * asked. */
static void s_attack(s_about_t *a)
{
    Carerhub__ReportReply *rep = &a->s.rep;
    s_sample(a);
    rep->referrals = 24;
    rep->by_hours = NULL, rep->n_by_hours = 0;
    a->prio[0] = s_row(&a->rows[4], "priority", "Priority", 3);
    a->prio[1] = s_row(&a->rows[5], "not_priority", "Not priority", 21);
    rep->equality_consented = 34;
    a->hours[0] = s_row(&a->rows[0], "female", "Female", 20);
    a->hours[1] = s_row(&a->rows[1], "male", "Male", 3);
    a->hours[2] = s_row(&a->rows[2], "prefer_not_to_say", "Prefer not to say", 6);
    a->hours[3] = s_row(&a->rows[3], "not_asked", "Not asked", 5);
    rep->by_sex = a->hours, rep->n_by_sex = 4;
}

/* How many ways the hidden cells (n of them; small[i]: "<5", else 5 or
 * more) can hold `left` between them, counting in seen[i][v] each value v
 * a cell takes in one of them. */
static void s_ways(const bool *small, size_t n, size_t i, uint64_t left, uint64_t *v,
                   bool seen[][64])
{
    if (i == n) {
        if (left == 0)
            for (size_t k = 0; k < n; k++)
                seen[k][v[k]] = true;
        return;
    }
    for (uint64_t x = small[i] ? 0 : 5; x <= (small[i] ? 4 : left) && x <= left && x < 64; x++) {
        v[i] = x;
        s_ways(small, n, i + 1, left - x, v, seen);
    }
}

/* Whether any count of the published JSON table at path, whose rows add up
 * to total, can be worked out: one hidden value that alone fits. */
static bool s_recoverable(json_t *p, const char *path, uint64_t total)
{
    json_t *rows = report_sample_at(p, path);
    bool small[8], seen[8][64] = {{false}};
    uint64_t shown = 0, v[8];
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *x = json_object_get(json_array_get(rows, i), "referrals");
        if (json_is_integer(x))
            shown += (uint64_t)json_integer_value(x);
        else if (json_is_string(x) && n < 8)
            small[n++] = strcmp(json_string_value(x), "<5") == 0;
    }
    if (n == 0)
        return false; /* nothing hidden */
    s_ways(small, n, 0, total - shown, v, seen);
    for (size_t k = 0; k < n; k++) {
        size_t fits = 0;
        for (size_t x = 0; x < 64; x++)
            fits += seen[k][x];
        if (fits < 2)
            return true;
    }
    return false;
}

/* The words a text table gives for the row labelled label ("" if none). */
static const char *s_text_cell(const char *text, const char *label, char out[32])
{
    const char *at = strstr(text, label), *end;
    out[0] = '\0';
    if (!at)
        return out;
    at += strlen(label);
    while (*at == ' ')
        at++;
    end = strchr(at, '\n');
    snprintf(out, 32, "%.*s", (int)(end ? end - at : 0), at);
    return out;
}

TEST(report_about_published_counts_cannot_be_worked_out_from_the_totals)
{
    static s_about_t a;
    json_t *p = NULL;
    char *text, *csv, *page, cell[32];
    s_attack(&a);
    p = report_sample_json(&a.s, true);
    text = report_sample_render(report_text, &a.s, true);
    csv = report_sample_render(report_csv, &a.s, true);
    page = report_sample_render(report_html, &a.s, true);
    CHECK(p != NULL);
    {
        /* The check finds a count that subtraction gives: 3 of 24. */
        json_t *one =
            json_loads("{\"t\": [{\"referrals\": \"<5\"}, {\"referrals\": 21}]}", 0, NULL);
        CHECK(one && s_recoverable(one, "t", 24));
        json_decref(one);
    }
    CHECK_JINT(p, "referrals", 24);
    CHECK_JINT(p, "equality.consented", 34);
    CHECK(!s_recoverable(p, "by_priority", 24));
    CHECK(!s_recoverable(p, "equality.by_sex", 34));
    CHECK_JSTR(p, "by_priority.0.referrals", "<5");
    CHECK_JSTR(p, "by_priority.1.referrals", "suppressed");
    CHECK_JINT(p, "equality.by_sex.0.referrals", 20);
    CHECK_JSTR(p, "equality.by_sex.1.referrals", "<5");
    CHECK_JINT(p, "equality.by_sex.2.referrals", 6);
    CHECK_JSTR(p, "equality.by_sex.3.referrals", "suppressed");
    /* Not published, every count shows. */
    json_decref(p);
    p = report_sample_json(&a.s, false);
    CHECK_JINT(p, "by_priority.1.referrals", 21);
    CHECK_JINT(p, "equality.by_sex.3.referrals", 5);
    /* The other forms hide the same. */
    CHECK_STR(s_text_cell(text, "\n  Priority", cell), "<5");
    CHECK_STR(s_text_cell(text, "\n  Not priority", cell), "suppressed");
    CHECK_STR(s_text_cell(text, "\n  Male", cell), "<5");
    CHECK_STR(s_text_cell(text, "\n  Not asked", cell), "suppressed");
    CHECK_STR(s_text_cell(text, "\n  Prefer not to say", cell), "6");
    CHECK_CONTAINS(csv, "\nby_priority,priority,Priority,referrals,<5\n"
                        "by_priority,not_priority,Not priority,referrals,suppressed\n");
    CHECK_CONTAINS(csv, "\nequality_by_sex,male,Male,referrals,<5\n");
    CHECK_CONTAINS(csv, "\nequality_by_sex,not_asked,Not asked,referrals,suppressed\n");
    CHECK_CONTAINS(page, "<th scope=\"row\">Not priority</th><td class=\"n\">suppressed</td>");
    CHECK_CONTAINS(page, "<th scope=\"row\">Male</th><td class=\"n\">&lt;5</td>");
    CHECK_CONTAINS(page, "<th scope=\"row\">Not asked</th><td class=\"n\">suppressed</td>");
    CHECK(strstr(page, "<td class=\"n\">21</td>") == NULL);
done:
    json_decref(p);
    free(text);
    free(csv);
    free(page);
}
