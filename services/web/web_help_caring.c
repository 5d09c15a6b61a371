/*
 * The questions of /help about the caring, in the carer's own words: the
 * other people they look after, how much they care, what it does to
 * them, what they would like, and the equality questions with their
 * agreement first. The keys and options are the referrers' forms'
 * (web_fields_caring.c); all optional. See web_help.h.
 */
#include "web_help.h"

typedef web_field_t F;

#define S_OPT "You can leave this out"

static const web_option_t s_needs[] = {{"physical_disability", "A physical disability"},
                                       {"long_term_illness", "A long-term illness"},
                                       {"dementia", "Dementia"},
                                       {"mental_health", "Mental health"},
                                       {"learning_disability", "A learning disability"},
                                       {"substance_misuse", "Drugs or alcohol"},
                                       {"frailty", "Frailty or old age"},
                                       {"other", "Something else"},
                                       {NULL, NULL}};
static const web_option_t s_work[] = {{"full_time", "I work full time"},
                                      {"part_time", "I work part time"},
                                      {"at_risk", "I might have to give up work to care"},
                                      {"given_up", "I gave up work to care"},
                                      {"not_working", "I am not in paid work for another reason"},
                                      {NULL, NULL}};

/* --- more people -------------------------------------------------------------- */

#define S_WHO(n, nth)                                                                              \
    static const F s_who##n = {                                                                    \
        .key = "cared_for[" #n "].relationship",                                                   \
        .label = "Who is the " nth " person you look after?",                                      \
        .hint = "For example, my dad. " S_OPT,                                                     \
        .input = WEB_IN_TEXT,                                                                      \
        .what = "The " nth " person you look after",                                               \
    }
#define S_NEEDS(n, nth)                                                                            \
    static const F s_needs##n = {                                                                  \
        .key = "cared_for[" #n "].conditions",                                                     \
        .label = "What does the " nth " person need help with?",                                   \
        .hint = "Choose all that fit. " S_OPT,                                                     \
        .input = WEB_IN_CHECKBOXES,                                                                \
        .options = s_needs,                                                                        \
        .what = "What the " nth " person needs help with",                                         \
    }
S_WHO(2, "second");
S_WHO(3, "third");
S_NEEDS(2, "second");
S_NEEDS(3, "third");
const web_field_t *const web_help_q_people[4] = {&s_who2, &s_needs2, &s_who3, &s_needs3};

/* --- the caring and what it does ------------------------------------------------- */

static const F s_hours = {
    .key = "caring.hours_per_week",
    .label = "How many hours a week do you care?",
    .hint = "Roughly, for everyone you look after. " S_OPT,
    .input = WEB_IN_RADIOS,
    .options = web_opt_hours,
    .what = "How many hours a week you care",
};
static const F s_years = {
    .key = "caring.years",
    .label = "How many years have you been caring?",
    .hint = "Whole years: 0 if less than a year. " S_OPT,
    .input = WEB_IN_NUMBER,
    .what = "How many years you have been caring",
};
static const F s_lives_with = {
    .key = "caring.lives_with",
    .label = "Do you live with the person you look after?",
    .hint = S_OPT,
    .input = WEB_IN_YESNO,
    .what = "Whether you live with them",
};
static const F s_able = {
    .key = "caring.able_to_continue",
    .label = "Do you feel able to carry on caring?",
    .hint = S_OPT,
    .input = WEB_IN_RADIOS,
    .options = web_opt_able,
    .what = "Whether you feel able to carry on caring",
};
const web_field_t *const web_help_q_caring[4] = {&s_hours, &s_years, &s_lives_with, &s_able};

static const F s_work_f = {
    .key = "impact.work",
    .label = "What about work?",
    .hint = S_OPT,
    .input = WEB_IN_RADIOS,
    .options = s_work,
    .what = "Work",
};
static const F s_education = {
    .key = "impact.education",
    .label = "If you are at school or college: is caring making it harder?",
    .hint = "Only if you are under 25. " S_OPT,
    .input = WEB_IN_RADIOS,
    .options = web_opt_unsure,
    .what = "School or college",
};
static const F s_health = {
    .key = "impact.own_health",
    .label = "Is caring affecting your own health?",
    .hint = "Your physical or mental health. " S_OPT,
    .input = WEB_IN_RADIOS,
    .options = web_opt_unsure,
    .what = "Your own health",
};
const web_field_t *const web_help_q_impact[3] = {&s_work_f, &s_education, &s_health};

/* --- what they would like ------------------------------------------------------- */

static const F s_assessment = {
    .key = "requests.carers_assessment",
    .label = "A carer's assessment",
    .hint = "The council looks at what would help you. Every carer has a right to one",
    .input = WEB_IN_TICK,
};
static const F s_council_knows = {
    .key = "requests.council_knows",
    .label = "If you would like an assessment: does the council already know you are a carer?",
    .hint = S_OPT,
    .input = WEB_IN_RADIOS,
    .options = web_opt_unsure,
    .what = "Whether the council knows you",
};
static const F s_plan = {
    .key = "requests.emergency_plan",
    .label = "A carers emergency plan",
    .hint = "Who steps in if you suddenly cannot care",
    .input = WEB_IN_TICK,
};
static const F s_benefits = {
    .key = "requests.benefits_check",
    .label = "A check of the benefits you could get",
    .hint = "Such as Carer's Allowance",
    .input = WEB_IN_TICK,
};
static const F s_card = {
    .key = "requests.carers_card",
    .label = "A carers card",
    .hint = "If your area has one",
    .input = WEB_IN_TICK,
};
const web_field_t *const web_help_q_requests[5] = {&s_assessment, &s_council_knows, &s_plan,
                                                   &s_benefits, &s_card};

/* --- equality questions --------------------------------------------------------- */

static const F s_agree = {
    .key = "consent.equality_monitoring",
    .label = "I agree to answer these questions",
    .hint = "Tick this if you want to answer them. If not, leave them all out",
    .input = WEB_IN_TICK,
    .what = "Agreeing to the equality questions",
};
static const F s_sex = {
    .key = "equality.sex",
    .label = "What is your sex?",
    .input = WEB_IN_RADIOS,
    .options = web_opt_sex,
    .what = "Your sex",
};
static const F s_age = {
    .key = "equality.age_band",
    .label = "How old are you?",
    .input = WEB_IN_RADIOS,
    .options = web_opt_age,
    .what = "Your age",
};
static const F s_ethnic = {
    .key = "equality.ethnicity",
    .label = "What is your ethnic group?",
    .input = WEB_IN_RADIOS,
    .options = web_opt_ethnic,
    .what = "Your ethnic group",
};
static const F s_disab = {
    .key = "equality.disability",
    .label = "Do you consider yourself disabled?",
    .hint = "Including a long-term condition that affects your day-to-day life",
    .input = WEB_IN_RADIOS,
    .options = web_opt_disab,
    .what = "Disability",
};
const web_field_t *const web_help_q_equality[5] = {&s_agree, &s_sex, &s_age, &s_ethnic, &s_disab};
