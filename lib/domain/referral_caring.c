/*
 * What a referral says about the caring (issue 22): how much the carer
 * cares (caring), what it does to their life (impact), what the referral
 * asks for (requests) and the equality monitoring answers (equality), each
 * value checked against the words the proto comments list. A choice may be
 * written with spaces or hyphens for its underscores ("not sure", "50 or
 * more", "not  sure"), in any case, with spaces at either end; a wrong one
 * is named as it was written. Equality answers are special category data: taken
 * only with consent.equality_monitoring, and no message repeats one (a
 * rejection's first problem is logged by the intake).
 */
#include "domain/referral_impl.h"

#include "util/mem.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_YEARS_MAX 90 /* for how long: longer is a mistyped number */

static const char *const s_yes_no_unsure[] = {"yes", "no", "not_sure", NULL};

/* The words of a choice as a person might write them, as its key: white
 * space, hyphens and underscores at either end gone, and each run of them
 * inside one underscore ("not  sure" and "50 - or - more" too). A new
 * string, the caller's to free. */
static char *s_key(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *out = xmalloc(n + 1);
    for (; *s; s++) {
        if (strchr(" \t\r\n-_", *s)) {
            if (o > 0 && out[o - 1] != '_')
                out[o++] = '_';
        } else {
            out[o++] = *s;
        }
    }
    if (o > 0 && out[o - 1] == '_') /* no choice ends in one */
        o--;
    out[o] = '\0';
    return out;
}

/* *val as the choice its words make, when they make one; else as written,
 * so that an error shows what the referrer wrote. */
static void s_as_choice(char **val, const char *const *choices)
{
    char *key;
    if (!*val || text_is_blank(*val))
        return;
    key = s_key(*val);
    for (size_t i = 0; choices[i]; i++)
        if (text_ieq(key, choices[i])) {
            free(*val);
            *val = xstrdup(choices[i]);
            break;
        }
    free(key);
}

static void s_choice(ferrs_t *e, const char *field, char **val, const char *const *choices)
{
    s_as_choice(val, choices);
    referral_field_choice(e, field, val, false, choices);
}

/* One of choices, as s_choice, but a wrong value is not repeated. */
static void s_private_choice(ferrs_t *e, const char *field, char **val, const char *const *choices)
{
    char list[200] = "";
    if (!referral_field_text(e, field, val, REFERRAL_SHORT_MAX, false, false))
        return;
    s_as_choice(val, choices);
    for (size_t i = 0; choices[i]; i++) {
        if (text_ieq(*val, choices[i])) {
            free(*val);
            *val = xstrdup(choices[i]);
            return;
        }
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 i == 0 ? "" : (choices[i + 1] ? ", " : " or "), choices[i]);
    }
    ferrs_add(e, field, "invalid", "must be %s", list);
}

static void s_caring(ferrs_t *e, Carerhub__Caring *c, int age)
{
    static const char *const hours[] = {"under_20", "20_to_49", "50_or_more", NULL};
    static const char *const able[] = {"yes", "not_sure", "no", NULL};
    if (!c)
        return;
    s_choice(e, "caring.hours_per_week", &c->hours_per_week, hours);
    if (c->has_years && c->years > S_YEARS_MAX)
        ferrs_add(e, "caring.years", "invalid",
                  "enter a whole number of years from 0 (under one year) to %d, not %u",
                  S_YEARS_MAX, c->years);
    else if (c->has_years && age >= 0 && c->years > (unsigned)age)
        ferrs_add(e, "caring.years", "invalid",
                  "is %u years, more than the carer's age (%d): check the number of years",
                  c->years, age);
    /* YAML 1.1 reads a bare yes or no as true or false; the binding keeps
     * the words as written, so "yes" and yes both arrive here as text. */
    s_choice(e, "caring.able_to_continue", &c->able_to_continue, able);
}

static void s_impact(ferrs_t *e, Carerhub__Impact *im, Carerhub__Source src, int age)
{
    static const char *const work[] = {"full_time", "part_time",   "given_up",
                                       "at_risk",   "not_working", NULL};
    if (!im)
        return;
    s_choice(e, "impact.work", &im->work, work);
    s_choice(e, "impact.education", &im->education, s_yes_no_unsure);
    s_choice(e, "impact.own_health", &im->own_health, s_yes_no_unsure);
    /* School or college: a young carer's, referred by their school or
     * under 25 (the age a school's pupils go up to). */
    if (im->education && src != CARERHUB__SOURCE__SCHOOL && age >= REFERRAL_PUPIL_AGE_MAX)
        ferrs_add(e, "impact.education", "young_carers_only",
                  "is asked of young carers only (referred by their school, or under %d): "
                  "leave it out for a carer of %d or over",
                  REFERRAL_PUPIL_AGE_MAX, REFERRAL_PUPIL_AGE_MAX);
}

static void s_requests(ferrs_t *e, Carerhub__Requests *rq)
{
    if (!rq)
        return;
    s_choice(e, "requests.council_knows", &rq->council_knows, s_yes_no_unsure);
}

static bool s_equality_set(const Carerhub__Equality *q)
{
    return q->sex || q->age_band || q->ethnicity || q->disability;
}

static void s_equality(ferrs_t *e, Carerhub__Equality *q, const Carerhub__Consent *consent)
{
    static const char *const sex[] = {"female", "male", "prefer_not_to_say", NULL};
    static const char *const ages[] = {"under_18", "18_to_24",   "25_to_49",          "50_to_64",
                                       "65_to_74", "75_or_over", "prefer_not_to_say", NULL};
    /* The 2021 Census high-level ethnic groups. */
    static const char *const ethnic[] = {
        "asian", "black", "mixed", "white", "other", "prefer_not_to_say", NULL};
    static const char *const disab[] = {"yes", "no", "prefer_not_to_say", NULL};
    if (!q)
        return;
    if (!consent || !consent->has_equality_monitoring || !consent->equality_monitoring) {
        /* Not looked at further: without consent, nothing of it is kept. */
        ferrs_add(e, "equality", "consent",
                  "needs the carer's consent to the equality monitoring questions: set "
                  "consent.equality_monitoring: true if they agreed to answer them, or leave "
                  "equality out");
        return;
    }
    if (!s_equality_set(q))
        return;
    s_private_choice(e, "equality.sex", &q->sex, sex);
    s_private_choice(e, "equality.age_band", &q->age_band, ages);
    s_private_choice(e, "equality.ethnicity", &q->ethnicity, ethnic);
    s_private_choice(e, "equality.disability", &q->disability, disab);
}

void referral_caring_check(ferrs_t *e, Carerhub__Referral *r, Carerhub__Source src, int age)
{
    s_caring(e, r->caring, age);
    s_impact(e, r->impact, src, age);
    s_requests(e, r->requests);
    s_equality(e, r->equality, r->consent);
}
