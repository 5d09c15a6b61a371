/*
 * Unit tests of what a referral says about the caring (referral_caring.c
 * and the people cared for in referral_check.c): caring, impact, requests,
 * equality with and without consent, more than one person cared for, and
 * a professional's part where it does not belong. Every referral is checked
 * on 2026-11-22; the GP card's carer was born 1961-04-02 (65 that day).
 */
#include "test.h"

#include "domain/referral.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ylimits_t s_lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 4u << 20};

#define S_GP_CARD                                                                                  \
    "practice: F81001\n"                                                                           \
    "referrer: {name: A Patel, phone: 01245 000000}\n"                                             \
    "carer: {given_name: Jane, family_name: Smith, date_of_birth: 1961-04-02,\n"                   \
    "        postcode: CM2 0AA, phone: 07700 900123}\n"                                            \
    "consent: {share_with_support_service: true, given_by: carer, date: 2026-11-20"

/* A GP card with consent's further fields (", equality_monitoring: true"
 * or ""), cared_for as given, then more. */
static char *s_card(const char *consent_more, const char *cared_for, const char *more)
{
    return xasprintf(S_GP_CARD "%s}\ncared_for: %s\n%s", consent_more, cared_for, more);
}

#define S_MOTHER "{relationship: mother, conditions: [dementia]}"

static Carerhub__Referral *s_load(const char *text, Carerhub__Source src, ferrs_t *errs)
{
    ystream_t *s = ytree_parse(text, strlen(text), &s_lim);
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL, false};
    Carerhub__Referral *r = referral_from_yaml(ystream_doc(s, 0), src, errs);
    if (r && errs->n == 0)
        referral_check(r, src, &ctx, errs);
    ystream_destroy(&s);
    return r;
}

/* The message of the one problem of e naming field with code, or NULL
 * (and what e holds said) if there is not exactly one such. */
static const char *s_msg(const ferrs_t *e, const char *field, const char *code)
{
    const char *m = NULL;
    size_t seen = 0;
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].field, field) == 0 && strcmp(e->v[i].code, code) == 0) {
            m = e->v[i].message;
            seen++;
        }
    if (seen == 1)
        return m;
    for (size_t i = 0; i < e->n; i++)
        printf("      got %s: %s: %s\n", e->v[i].field, e->v[i].code, e->v[i].message);
    return NULL;
}

/* Loads a GP card with more; returns its problems' count, e holding them. */
static size_t s_gp(const char *consent_more, const char *cared_for, const char *more, ferrs_t *e,
                   Carerhub__Referral **out)
{
    char *text = s_card(consent_more, cared_for, more);
    Carerhub__Referral *r = s_load(text, CARERHUB__SOURCE__GP, e);
    free(text);
    if (out)
        *out = r;
    else if (r)
        carerhub__referral__free_unpacked(r, NULL);
    return e->n;
}

TEST(referral_caring_good_values_kept_and_normalised)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = NULL;
    s_gp(", equality_monitoring: true", S_MOTHER,
         "caring: {hours_per_week: 50 or more, years: 12, lives_with: true,\n"
         "         able_to_continue: \"not sure\"}\n"
         "impact: {work: Given-Up, own_health: \"yes\"}\n"
         "requests: {carers_assessment: true, council_knows: \"no\", emergency_plan: true,\n"
         "           benefits_check: false, carers_card: true}\n"
         "equality: {sex: female, age_band: 65_to_74, ethnicity: White,\n"
         "           disability: prefer not to say}\n",
         &e, &r);
    CHECK_INT(e.n, 0);
    CHECK_STR(r->caring->hours_per_week, "50_or_more");
    CHECK(r->caring->has_years && r->caring->years == 12);
    CHECK(r->caring->has_lives_with && r->caring->lives_with);
    CHECK_STR(r->caring->able_to_continue, "not_sure");
    CHECK_STR(r->impact->work, "given_up");
    CHECK_STR(r->impact->own_health, "yes");
    CHECK(r->requests->carers_assessment && r->requests->carers_card);
    CHECK(r->requests->has_benefits_check && !r->requests->benefits_check);
    CHECK_STR(r->requests->council_knows, "no");
    CHECK_STR(r->equality->ethnicity, "white");
    CHECK_STR(r->equality->disability, "prefer_not_to_say");
    carerhub__referral__free_unpacked(r, NULL);
    ferrs_free(&e);
}

/* Quoted with a space at either end, or two spaces inside: the choice
 * meant; a wrong one is named as written, with no underscores added. */
TEST(referral_caring_spaces_around_a_choice)
{
    static const char *const more[] = {
        "caring: {hours_per_week: \"50_or_more \", able_to_continue: \" no\"}\n",
        "caring: {hours_per_week: \" 50 or more\", able_to_continue: \"not  sure\"}\n",
        "caring: {hours_per_week: \"Under -20 \", able_to_continue: \"yes \"}\n",
    };
    static const char *const want[][2] = {
        {"50_or_more", "no"}, {"50_or_more", "not_sure"}, {"under_20", "yes"}};
    for (size_t i = 0; i < sizeof more / sizeof *more; i++) {
        ferrs_t e = FERRS_INIT;
        Carerhub__Referral *r = NULL;
        s_gp("", S_MOTHER, more[i], &e, &r);
        CHECK_INT(e.n, 0);
        if (r && r->caring) {
            CHECK_STR(r->caring->hours_per_week, want[i][0]);
            CHECK_STR(r->caring->able_to_continue, want[i][1]);
        }
        carerhub__referral__free_unpacked(r, NULL);
        ferrs_free(&e);
    }
    {
        ferrs_t e = FERRS_INIT;
        Carerhub__Referral *r = NULL;
        const char *m;
        s_gp(", equality_monitoring: true", S_MOTHER,
             "caring: {able_to_continue: \" not  really \"}\n"
             "equality: {sex: \" Female \", disability: \"prefer  not to say\"}\n",
             &e, &r);
        CHECK_INT(e.n, 1);
        m = s_msg(&e, "caring.able_to_continue", "invalid");
        CHECK(m != NULL);
        if (m) {
            CHECK_CONTAINS(m, "not 'not  really'");
            CHECK(strstr(m, "not__really") == NULL && strstr(m, "not_really") == NULL);
        }
        if (r && r->equality) {
            CHECK_STR(r->equality->sex, "female");
            CHECK_STR(r->equality->disability, "prefer_not_to_say");
        }
        carerhub__referral__free_unpacked(r, NULL);
        ferrs_free(&e);
    }
}

/* YAML 1.1 would read a bare no as false: the hub takes the word, quoted
 * or not, and refuses true, which answers no question asked. */
TEST(referral_caring_able_to_continue_quoted_or_bare)
{
    const char *const words[] = {"\"no\"", "no", "'yes'", "yes", "NO", "\"not_sure\""};
    const char *const want[] = {"no", "no", "yes", "yes", "no", "not_sure"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        ferrs_t e = FERRS_INIT;
        Carerhub__Referral *r = NULL;
        char *more = xasprintf("caring: {able_to_continue: %s}\n", words[i]);
        s_gp("", S_MOTHER, more, &e, &r);
        CHECK_INT(e.n, 0);
        if (r && r->caring)
            CHECK_STR(r->caring->able_to_continue, want[i]);
        carerhub__referral__free_unpacked(r, NULL);
        ferrs_free(&e);
        free(more);
    }
    {
        ferrs_t e = FERRS_INIT;
        const char *m;
        s_gp("", S_MOTHER, "caring: {able_to_continue: true}\n", &e, NULL);
        m = s_msg(&e, "caring.able_to_continue", "invalid");
        CHECK(m != NULL);
        if (m)
            CHECK_CONTAINS(m, "must be yes, not_sure or no, not 'true'");
        ferrs_free(&e);
    }
}

TEST(referral_caring_bad_values_named)
{
    static const struct {
        const char *more, *field, *code, *says;
    } cases[] = {
        {"caring: {hours_per_week: lots}\n", "caring.hours_per_week", "invalid",
         "must be under_20, 20_to_49 or 50_or_more, not 'lots'"},
        {"caring: {hours_per_week: 20-50}\n", "caring.hours_per_week", "invalid", "20_to_49"},
        {"caring: {years: 91}\n", "caring.years", "invalid",
         "from 0 (under one year) to 90, not 91"},
        {"caring: {years: 66}\n", "caring.years", "invalid", "more than the carer's age (65)"},
        {"caring: {years: ten}\n", "caring.years", "type", "whole number of years"},
        {"caring: {years: -1}\n", "caring.years", "type", "whole number of years"},
        {"caring: {lives_with: sometimes}\n", "caring.lives_with", "type", "true or false"},
        {"impact: {work: retired}\n", "impact.work", "invalid",
         "must be full_time, part_time, given_up, at_risk or not_working, not 'retired'"},
        {"impact: {own_health: maybe}\n", "impact.own_health", "invalid",
         "must be yes, no or not_sure"},
        {"impact: {education: \"yes\"}\n", "impact.education", "young_carers_only",
         "young carers only"},
        {"requests: {council_knows: perhaps}\n", "requests.council_knows", "invalid",
         "must be yes, no or not_sure"},
        {"requests: {carers_card: please}\n", "requests.carers_card", "type", "true or false"},
        {"caring: {hours_per_wek: 60}\n", "caring.hours_per_wek", "unknown_field",
         "hours_per_week"},
        {"caring: 50_or_more\n", "caring", "type", "mapping"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ferrs_t e = FERRS_INIT;
        const char *m;
        s_gp("", S_MOTHER, cases[i].more, &e, NULL);
        m = s_msg(&e, cases[i].field, cases[i].code);
        if (!m)
            printf("      case %zu: %s", i, cases[i].more);
        CHECK(m != NULL && e.n == 1);
        if (m)
            CHECK_CONTAINS(m, cases[i].says);
        ferrs_free(&e);
    }
}

/* School or college is asked of a young carer: a school's pupil, or a
 * carer under 25 from any source. */
TEST(referral_caring_education_for_young_carers)
{
    ferrs_t e = FERRS_INIT;
    char *card =
        xasprintf("practice: F81001\n"
                  "referrer: {name: A Patel, phone: 01245 000000}\n"
                  "carer: {given_name: Sam, family_name: Smith, date_of_birth: 2002-01-10,\n"
                  "        postcode: CM2 0AA, phone: 07700 900123}\n"
                  "consent: {share_with_support_service: true, given_by: carer, date: 2026-11-20}\n"
                  "cared_for: " S_MOTHER "\n"
                  "impact: {education: not sure}\n");
    Carerhub__Referral *r = s_load(card, CARERHUB__SOURCE__GP, &e);
    CHECK_INT(e.n, 0); /* 24 on the day */
    CHECK(r && r->impact && strcmp(r->impact->education, "not_sure") == 0);
    carerhub__referral__free_unpacked(r, NULL);
    free(card);
    ferrs_free(&e);

    card = xasprintf("school: {urn: '123456', year_group: 9}\n"
                     "safeguarding_referral_made: false\n"
                     "referrer: {name: A Teacher, phone: 01245 000000}\n"
                     "carer: {given_name: Sam, family_name: Smith, date_of_birth: 2012-03-01,\n"
                     "        postcode: CM2 0AA, phone: 07700 900123}\n"
                     "consent: {share_with_support_service: true, given_by: pupil, "
                     "date: 2026-11-20}\n"
                     "cared_for: " S_MOTHER "\n"
                     "impact: {education: \"yes\"}\n");
    r = s_load(card, CARERHUB__SOURCE__SCHOOL, &e);
    CHECK_INT(e.n, 0);
    carerhub__referral__free_unpacked(r, NULL);
    free(card);
    ferrs_free(&e);
}

/* The age a number of years is compared with is the carer's on the day;
 * no date of birth fit to read, no comparison (its own problem stands). */
TEST(referral_caring_years_against_age)
{
    ferrs_t e = FERRS_INIT;
    CHECK_INT(s_gp("", S_MOTHER, "caring: {years: 65}\n", &e, NULL), 0);
    ferrs_free(&e);
    CHECK_INT(s_gp("", S_MOTHER, "caring: {years: 0}\n", &e, NULL), 0);
    ferrs_free(&e);
}

TEST(referral_caring_equality_needs_consent)
{
    static const char eq[] = "equality: {sex: female, ethnicity: asian}\n";
    const char *const consents[] = {"", ", equality_monitoring: false"};
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = NULL;
    for (size_t i = 0; i < 2; i++) {
        const char *m;
        s_gp(consents[i], S_MOTHER, eq, &e, NULL);
        m = s_msg(&e, "equality", "consent");
        CHECK(m != NULL && e.n == 1);
        if (m)
            CHECK_CONTAINS(m, "consent.equality_monitoring: true");
        ferrs_free(&e);
    }
    CHECK_INT(s_gp(", equality_monitoring: true", S_MOTHER, eq, &e, &r), 0);
    CHECK(r && r->consent->has_equality_monitoring && r->consent->equality_monitoring);
    carerhub__referral__free_unpacked(r, NULL);
    ferrs_free(&e);
    /* Consent with no answers is fine: the questions may go unanswered. */
    CHECK_INT(s_gp(", equality_monitoring: true", S_MOTHER, "", &e, NULL), 0);
    ferrs_free(&e);
}

/* A wrong equality answer is named, the allowed ones listed, and what was
 * written (special category data) never repeated. */
TEST(referral_caring_equality_values_not_repeated)
{
    static const struct {
        const char *more, *field, *says;
    } cases[] = {
        {"equality: {sex: Xylo}\n", "equality.sex", "must be female, male or prefer_not_to_say"},
        {"equality: {age_band: Xylo}\n", "equality.age_band",
         "must be under_18, 18_to_24, 25_to_49, 50_to_64, 65_to_74, 75_or_over or "
         "prefer_not_to_say"},
        {"equality: {ethnicity: Xylo}\n", "equality.ethnicity",
         "must be asian, black, mixed, white, other or prefer_not_to_say"},
        {"equality: {disability: Xylo}\n", "equality.disability",
         "must be yes, no or prefer_not_to_say"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ferrs_t e = FERRS_INIT;
        const char *m;
        s_gp(", equality_monitoring: true", S_MOTHER, cases[i].more, &e, NULL);
        m = s_msg(&e, cases[i].field, "invalid");
        CHECK(m != NULL && e.n == 1);
        if (m) {
            CHECK_CONTAINS(m, cases[i].says);
            CHECK(strstr(m, "Xylo") == NULL && strstr(m, "xylo") == NULL);
        }
        ferrs_free(&e);
    }
}

/* Through the wire (carerhub-web, an intake's peer): more_cared_for is
 * checked as cared_for is, each by its place in the list, six at most. */
TEST(referral_caring_more_cared_for_checked)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = NULL;
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL, false};
    s_gp("", S_MOTHER, "", &e, &r);
    CHECK_INT(e.n, 0);
    r->n_more_cared_for = 6;
    r->more_cared_for = xcalloc(6, sizeof *r->more_cared_for);
    for (size_t i = 0; i < 6; i++) {
        Carerhub__CaredFor *c = xmalloc(sizeof *c);
        carerhub__cared_for__init(c);
        c->relationship = xstrdup(i == 1 ? " " : "son");
        c->n_conditions = 1;
        c->conditions = xcalloc(1, sizeof *c->conditions);
        c->conditions[0] = xstrdup(i == 0 ? "Mental Health" : "cheese");
        r->more_cared_for[i] = c;
    }
    referral_check(r, CARERHUB__SOURCE__GP, &ctx, &e);
    CHECK(s_msg(&e, "cared_for", "too_long") != NULL);
    CHECK_CONTAINS(s_msg(&e, "cared_for", "too_long"), "lists 7 people cared for");
    CHECK_STR(r->more_cared_for[0]->conditions[0], "mental_health");
    CHECK(s_msg(&e, "cared_for[3].relationship", "required") != NULL);
    CHECK(s_msg(&e, "cared_for[3].conditions[1]", "invalid") != NULL);
    CHECK(s_msg(&e, "cared_for[6].conditions[1]", "invalid") != NULL);
    /* The first of several is cared_for[1]; the seventh is not looked at. */
    CHECK(!ferrs_has(&e, "cared_for.relationship") && !ferrs_has(&e, "cared_for[7].conditions[1]"));
    CHECK_INT(e.n, 1 + 1 + 4);
    carerhub__referral__free_unpacked(r, NULL);
    ferrs_free(&e);
}

/* A professional's part belongs to a professional's referral alone: it
 * is refused in a GP card's YAML and on the wire. */
TEST(referral_caring_professional_part_refused)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = NULL;
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL, false};
    s_gp("", S_MOTHER, "professional: {role: pharmacy}\n", &e, NULL);
    CHECK(s_msg(&e, "professional", "wrong_source") != NULL);
    ferrs_free(&e);
    s_gp("", S_MOTHER, "", &e, &r);
    r->professional = xmalloc(sizeof *r->professional);
    carerhub__professional_part__init(r->professional);
    r->professional->role = xstrdup("pharmacy");
    referral_check(r, CARERHUB__SOURCE__GP, &ctx, &e);
    CHECK(s_msg(&e, "professional.role", "wrong_source") != NULL);
    carerhub__referral__free_unpacked(r, NULL);
    ferrs_free(&e);
}

/* cared_for as a list: the first to cared_for, the rest to more_cared_for
 * in order; each problem named by its place in the list. */
TEST(referral_caring_cared_for_list)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = NULL;
    s_gp("",
         "\n  - {relationship: mother, conditions: [dementia]}\n"
         "  - relationship: brother\n"
         "    conditions: [Learning Disability, mental-health]\n",
         "", &e, &r);
    CHECK_INT(e.n, 0);
    CHECK_STR(r->cared_for->relationship, "mother");
    CHECK_INT(r->n_more_cared_for, 1);
    CHECK_STR(r->more_cared_for[0]->relationship, "brother");
    CHECK_STR(r->more_cared_for[0]->conditions[0], "learning_disability");
    CHECK_STR(r->more_cared_for[0]->conditions[1], "mental_health");
    carerhub__referral__free_unpacked(r, NULL);
    ferrs_free(&e);

    /* Checked: the second has no relationship, the first a wrong condition. */
    s_gp("", "[{relationship: mother, conditions: [cheese]}, {conditions: [frailty]}]", "", &e,
         NULL);
    CHECK(s_msg(&e, "cared_for[1].conditions[1]", "invalid") != NULL);
    CHECK(s_msg(&e, "cared_for[2].relationship", "required") != NULL);
    CHECK_INT(e.n, 2);
    ferrs_free(&e);

    /* Bound: a value where a person belongs, a field of none. */
    s_gp("", "[{relationship: mother}, father, {relationship: son, colour: red}]", "", &e, NULL);
    CHECK(s_msg(&e, "cared_for[2]", "type") != NULL);
    CHECK(s_msg(&e, "cared_for[3].colour", "unknown_field") != NULL);
    CHECK_INT(e.n, 2);
    ferrs_free(&e);

    /* One mapping is named as it always was. */
    s_gp("", "{conditions: [frailty]}", "", &e, NULL);
    CHECK(s_msg(&e, "cared_for.relationship", "required") != NULL);
    CHECK_INT(e.n, 1);
    ferrs_free(&e);

    /* An empty list names no one; seven are too many. */
    s_gp("", "[]", "", &e, NULL);
    CHECK(s_msg(&e, "cared_for", "required") != NULL);
    ferrs_free(&e);
    s_gp("",
         "[{relationship: a}, {relationship: b}, {relationship: c}, {relationship: d}, "
         "{relationship: e}, {relationship: f}, {relationship: g}]",
         "", &e, NULL);
    CHECK(s_msg(&e, "cared_for", "too_long") != NULL);
    CHECK_INT(e.n, 1);
    ferrs_free(&e);

    /* more_cared_for is no key of a referral file. */
    s_gp("", S_MOTHER, "more_cared_for: [{relationship: son}]\n", &e, NULL);
    CHECK(s_msg(&e, "more_cared_for", "unknown_field") != NULL);
    ferrs_free(&e);
}
