/*
 * The questions the three referrers' forms ask about the caring (issue
 * 22): more people cared for, how much the carer cares, what it does to
 * them, what they would like, and equality monitoring with its consent.
 * All optional: an unanswered question sends nothing. Keys are the YAML
 * key paths of config/samples/ (gp, discharge, school); the forms'
 * fieldsets hold these arrays (web_fields.c). See web_form.h.
 */
#include "web_form.h"

typedef web_field_t F;

#define S_OPT "Optional"

/* --- options ---------------------------------------------------------------- */

const web_option_t web_opt_hours[] = {{"under_20", "Under 20 hours"},
                                      {"20_to_49", "20 to 49 hours"},
                                      {"50_or_more", "50 hours or more"},
                                      {NULL, NULL}};
const web_option_t web_opt_able[] = {
    {"yes", "Yes"}, {"not_sure", "Not sure"}, {"no", "No"}, {NULL, NULL}};
const web_option_t web_opt_unsure[] = {
    {"yes", "Yes"}, {"no", "No"}, {"not_sure", "Not sure"}, {NULL, NULL}};
const web_option_t web_opt_work[] = {{"full_time", "Works full time"},
                                     {"part_time", "Works part time"},
                                     {"at_risk", "At risk of giving up work to care"},
                                     {"given_up", "Has given up work to care"},
                                     {"not_working", "Not in paid work for another reason"},
                                     {NULL, NULL}};
const web_option_t web_opt_sex[] = {{"female", "Female"},
                                    {"male", "Male"},
                                    {"prefer_not_to_say", "Prefer not to say"},
                                    {NULL, NULL}};
const web_option_t web_opt_age[] = {{"under_18", "Under 18"},
                                    {"18_to_24", "18 to 24"},
                                    {"25_to_49", "25 to 49"},
                                    {"50_to_64", "50 to 64"},
                                    {"65_to_74", "65 to 74"},
                                    {"75_or_over", "75 or over"},
                                    {"prefer_not_to_say", "Prefer not to say"},
                                    {NULL, NULL}};
/* The 2021 Census high-level groups, in its words. */
const web_option_t web_opt_ethnic[] = {{"asian", "Asian or Asian British"},
                                       {"black", "Black, Black British, Caribbean or African"},
                                       {"mixed", "Mixed or multiple ethnic groups"},
                                       {"white", "White"},
                                       {"other", "Another ethnic group"},
                                       {"prefer_not_to_say", "Prefer not to say"},
                                       {NULL, NULL}};
const web_option_t web_opt_disab[] = {
    {"yes", "Yes"}, {"no", "No"}, {"prefer_not_to_say", "Prefer not to say"}, {NULL, NULL}};

static const web_option_t s_conditions[] = {{"physical_disability", "Physical disability"},
                                            {"long_term_illness", "Long-term illness"},
                                            {"dementia", "Dementia"},
                                            {"mental_health", "Mental health"},
                                            {"learning_disability", "Learning disability"},
                                            {"substance_misuse", "Substance misuse"},
                                            {"frailty", "Frailty"},
                                            {"other", "Other"},
                                            {NULL, NULL}};

/* --- people 2 and 3 -------------------------------------------------------------- */

/* Named as a list's errors name them, so that "cared_for[2].relationship
 * is required" is shown at its input. The first person is cared_for. */
#define S_WHO(n, nth, whom)                                                                        \
    static const F s_who##n##_##whom = {                                                           \
        .key = "cared_for[" #n "].relationship",                                                   \
        .label = nth " person: who are they to the " #whom "?",                                    \
        .hint = S_OPT ". For example father, sister, grandmother",                                 \
        .input = WEB_IN_TEXT,                                                                      \
        .what = "Who the " nth " person is to the " #whom,                                         \
    }
#define S_NEEDS(n, nth)                                                                            \
    static const F s_needs##n = {                                                                  \
        .key = "cared_for[" #n "].conditions",                                                     \
        .label = nth " person: what do they need care for?",                                       \
        .hint = S_OPT ". Select all that apply",                                                   \
        .input = WEB_IN_CHECKBOXES,                                                                \
        .options = s_conditions,                                                                   \
        .what = "What the " nth " person needs care for",                                          \
    }
S_WHO(2, "Second", carer);
S_WHO(3, "Third", carer);
S_WHO(2, "Second", pupil);
S_WHO(3, "Third", pupil);
S_NEEDS(2, "Second");
S_NEEDS(3, "Third");

const web_field_t *const web_q_people[4] = {&s_who2_carer, &s_needs2, &s_who3_carer, &s_needs3};
const web_field_t *const web_q_people_pupil[4] = {&s_who2_pupil, &s_needs2, &s_who3_pupil,
                                                  &s_needs3};

/* --- the caring ------------------------------------------------------------------ */

static const F s_hours = {
    .key = "caring.hours_per_week",
    .label = "About how many hours a week do they spend caring?",
    .hint = S_OPT ". For everyone they care for, together",
    .input = WEB_IN_RADIOS,
    .options = web_opt_hours,
    .what = "Hours of caring a week",
};
static const F s_years = {
    .key = "caring.years",
    .label = "For how many years have they been caring?",
    .hint = S_OPT ". Whole years: 0 if less than a year",
    .input = WEB_IN_NUMBER,
    .what = "Years of caring",
};
static const F s_lives_with = {
    .key = "caring.lives_with",
    .label = "Do they live with the person they care for?",
    .hint = S_OPT,
    .input = WEB_IN_YESNO,
    .what = "Whether they live with the person they care for",
};
/* As carers' services ask it: "no" with 50 hours or more makes the
 * referral a priority. */
static const F s_able = {
    .key = "caring.able_to_continue",
    .label = "Does the carer feel able to go on caring?",
    .hint = S_OPT ". Ask them in these words if you can",
    .input = WEB_IN_RADIOS,
    .options = web_opt_able,
    .what = "Whether they feel able to go on caring",
};
const web_field_t *const web_q_caring[4] = {&s_hours, &s_years, &s_lives_with, &s_able};

/* --- what caring does to the carer ------------------------------------------------- */

static const F s_work = {
    .key = "impact.work",
    .label = "Which best describes their work?",
    .hint = S_OPT,
    .input = WEB_IN_RADIOS,
    .options = web_opt_work,
    .what = "Their work",
};
static const F s_education = {
    .key = "impact.education",
    .label = "Is caring affecting the pupil's school or college work?",
    .hint = S_OPT ". For example missed days, lateness, homework",
    .input = WEB_IN_RADIOS,
    .options = web_opt_unsure,
    .what = "Whether school or college work is affected",
};
static const F s_health = {
    .key = "impact.own_health",
    .label = "Is caring affecting the carer's own health?",
    .hint = S_OPT ". Physical or mental health",
    .input = WEB_IN_RADIOS,
    .options = web_opt_unsure,
    .what = "Whether their own health is affected",
};
static const F s_health_pupil = {
    .key = "impact.own_health",
    .label = "Is caring affecting the pupil's own health?",
    .hint = S_OPT ". Physical or mental health, for example tiredness or worry",
    .input = WEB_IN_RADIOS,
    .options = web_opt_unsure,
    .what = "Whether the pupil's own health is affected",
};
const web_field_t *const web_q_impact[2] = {&s_work, &s_health};
const web_field_t *const web_q_impact_pupil[2] = {&s_education, &s_health_pupil};

/* --- what the carer would like ----------------------------------------------------- */

static const F s_assessment = {
    .key = "requests.carers_assessment",
    .label = "A carer's assessment",
    .hint = "From the council: every carer has a right to one (Care Act 2014)",
    .input = WEB_IN_TICK,
    .what = "A carer's assessment",
};
/* Shown always (no JavaScript to reveal it): it matters for an
 * assessment only, and says so. */
static const F s_council_knows = {
    .key = "requests.council_knows",
    .label = "If they would like an assessment: does the council already know the carer?",
    .hint = S_OPT,
    .input = WEB_IN_RADIOS,
    .options = web_opt_unsure,
    .what = "Whether the council already knows the carer",
};
static const F s_plan = {
    .key = "requests.emergency_plan",
    .label = "A carers emergency plan",
    .hint = "Who steps in if the carer suddenly cannot care",
    .input = WEB_IN_TICK,
};
static const F s_benefits = {
    .key = "requests.benefits_check",
    .label = "A benefits check",
    .hint = "Including Carer's Allowance",
    .input = WEB_IN_TICK,
};
static const F s_card = {
    .key = "requests.carers_card",
    .label = "A carers card",
    .hint = "Where the area has one",
    .input = WEB_IN_TICK,
};
const web_field_t *const web_q_requests[5] = {&s_assessment, &s_council_knows, &s_plan, &s_benefits,
                                              &s_card};

/* --- equality monitoring --------------------------------------------------------- */

/* First, as the answers below it are taken only with it: the intake
 * refuses them otherwise, and the error is shown here. */
static const F s_eq_consent = {
    .key = "consent.equality_monitoring",
    .label = "The carer agreed to answer the equality questions",
    .hint = "Tick this only if they agreed. If not, leave the questions below unanswered",
    .input = WEB_IN_TICK,
    .what = "Agreement to the equality questions",
};
static const F s_sex = {
    .key = "equality.sex",
    .label = "Sex",
    .hint = S_OPT,
    .input = WEB_IN_RADIOS,
    .options = web_opt_sex,
};
static const F s_age = {
    .key = "equality.age_band",
    .label = "Age",
    .hint = S_OPT,
    .input = WEB_IN_RADIOS,
    .options = web_opt_age,
};
static const F s_ethnic = {
    .key = "equality.ethnicity",
    .label = "Ethnic group",
    .hint = S_OPT,
    .input = WEB_IN_RADIOS,
    .options = web_opt_ethnic,
};
static const F s_disab = {
    .key = "equality.disability",
    .label = "Does the carer consider themselves disabled?",
    .hint = S_OPT ". Including a long-term condition that affects day-to-day life",
    .input = WEB_IN_RADIOS,
    .options = web_opt_disab,
    .what = "Disability",
};
const web_field_t *const web_q_equality[5] = {&s_eq_consent, &s_sex, &s_age, &s_ethnic, &s_disab};
