/*
 * The fields of the three referral forms, one table per source holding
 * every key of its YAML referral (config/samples/ (gp, discharge, school)),
 * grouped in fieldsets as a referrer thinks of them, the questions about
 * the caring being web_fields_caring.c's; and how an error's key path finds
 * its input. The answers become a Referral in web_form_answers.c. See
 * web_form.h.
 */
#include "web_form.h"

#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_N(a) (sizeof(a) / sizeof((a)[0]))

/* --- options -------------------------------------------------------------- */

static const web_option_t s_contact[] = {
    {"phone", "Phone"}, {"email", "Email"}, {"post", "Post"}, {NULL, NULL}};

static const web_option_t s_conditions[] = {{"physical_disability", "Physical disability"},
                                            {"long_term_illness", "Long-term illness"},
                                            {"dementia", "Dementia"},
                                            {"mental_health", "Mental health"},
                                            {"learning_disability", "Learning disability"},
                                            {"substance_misuse", "Substance misuse"},
                                            {"frailty", "Frailty"},
                                            {"other", "Other"},
                                            {NULL, NULL}};

static const web_option_t s_given_by_adult[] = {
    {"carer", "The carer"},
    {"representative", "Someone who may act for the carer (a representative)"},
    {NULL, NULL}};

static const web_option_t s_given_by_school[] = {
    {"parent", "A parent of the pupil"},
    {"pupil", "The pupil, who is competent to give it"},
    {NULL, NULL}};

static const web_option_t s_year_groups[] = {
    {"0", "Reception"}, {"1", "Year 1"},   {"2", "Year 2"},   {"3", "Year 3"},
    {"4", "Year 4"},    {"5", "Year 5"},   {"6", "Year 6"},   {"7", "Year 7"},
    {"8", "Year 8"},    {"9", "Year 9"},   {"10", "Year 10"}, {"11", "Year 11"},
    {"12", "Year 12"},  {"13", "Year 13"}, {"14", "Year 14"}, {NULL, NULL}};

/* --- fields ---------------------------------------------------------------------- */

/* Each field is an object of its own, so that the forms' fieldsets can
 * share them by address. Dates: one input each, written as the YAML files
 * write them (web_form_date reads day/month/year too), so that the input's
 * name stays the key path the intake's errors name. */
#define S_DATE_HINT(example) "Year, month and day, for example " example

typedef web_field_t F;

static const F s_given_name = {
    .key = "carer.given_name",
    .label = "Given name",
    .input = WEB_IN_TEXT,
    .required = true,
};
static const F s_family_name = {
    .key = "carer.family_name",
    .label = "Family name",
    .input = WEB_IN_TEXT,
    .required = true,
};
static const F s_dob = {
    .key = "carer.date_of_birth",
    .label = "Date of birth",
    .hint = S_DATE_HINT("1961-04-02"),
    .input = WEB_IN_DATE,
    .required = true,
};
/* A pupil's: a date a pupil could have been born on (4 to 25, the ages a
 * school refers). */
static const F s_pupil_dob = {
    .key = "carer.date_of_birth",
    .label = "Date of birth",
    .hint = S_DATE_HINT("2012-03-27"),
    .input = WEB_IN_DATE,
    .required = true,
};
static const F s_postcode = {
    .key = "carer.postcode",
    .label = "Postcode",
    .hint = "For example, CM2 0AA",
    .input = WEB_IN_TEXT,
    .required = true,
};
static const F s_address = {
    .key = "carer.address",
    .label = "Address",
    .hint = "Optional",
    .input = WEB_IN_TEXTAREA,
};
static const F s_phone = {
    .key = "carer.phone",
    .label = "Phone number",
    .hint = "Optional, for example 07700 900123",
    .input = WEB_IN_TEXT,
};
static const F s_email = {
    .key = "carer.email",
    .label = "Email address",
    .hint = "Optional",
    .input = WEB_IN_TEXT,
};
static const F s_contact_by = {
    .key = "carer.preferred_contact",
    .label = "How would they like to be contacted?",
    .hint = "Optional",
    .input = WEB_IN_RADIOS,
    .options = s_contact,
    .what = "How they would like to be contacted",
};
static const F s_language = {
    .key = "carer.language",
    .label = "Preferred language",
    .hint = "Optional, if not English",
    .input = WEB_IN_TEXT,
};
static const F s_nhs = {
    .key = "carer.nhs_number",
    .label = "NHS number",
    .hint = "Optional. 10 digits, for example 943 476 5919: leave it out if you are not sure of it",
    .input = WEB_IN_TEXT,
};
static const F s_relationship = {
    .key = "cared_for.relationship",
    .label = "Who are they to the carer?",
    .hint = "For example mother, husband, son, friend",
    .input = WEB_IN_TEXT,
    .required = true,
    .what = "Who they are to the carer",
};
/* The pupil's: the people a pupil looks after, not a husband or a son. */
static const F s_pupil_relationship = {
    .key = "cared_for.relationship",
    .label = "Who are they to the pupil?",
    .hint = "For example mother, father, brother, grandmother",
    .input = WEB_IN_TEXT,
    .required = true,
    .what = "Who they are to the pupil",
};
static const F s_conditions_f = {
    .key = "cared_for.conditions",
    .label = "What do they need care for?",
    .hint = "Optional. Select all that apply",
    .input = WEB_IN_CHECKBOXES,
    .options = s_conditions,
    .what = "What they need care for",
};
static const F s_share = {
    .key = "consent.share_with_support_service",
    .label = "Do they agree to this referral being shared with the carers' support service?",
    .hint = "The hub can take a referral only with their consent",
    .input = WEB_IN_YESNO,
    .required = true,
    .what = "Consent to share",
};
static const F s_given_by = {
    .key = "consent.given_by",
    .label = "Who gave consent?",
    .input = WEB_IN_RADIOS,
    .required = true,
    .options = s_given_by_adult,
    .what = "Who gave consent",
};
static const F s_given_by_pupil = {
    .key = "consent.given_by",
    .label = "Who gave consent?",
    .input = WEB_IN_RADIOS,
    .required = true,
    .options = s_given_by_school,
    .what = "Who gave consent",
};
static const F s_consent_date = {
    .key = "consent.date",
    .label = "Date consent was given",
    .hint = S_DATE_HINT("2026-11-20"),
    .input = WEB_IN_DATE,
    .required = true,
};
static const F s_ref_name = {
    .key = "referrer.name",
    .label = "Your name",
    .input = WEB_IN_TEXT,
    .required = true,
    .autocomplete = "name",
};
static const F s_ref_phone = {
    .key = "referrer.phone",
    .label = "Your phone number",
    .hint = "A phone number or an email address, or both",
    .input = WEB_IN_TEXT,
    .autocomplete = "tel",
};
static const F s_ref_email = {
    .key = "referrer.email",
    .label = "Your email address",
    .input = WEB_IN_TEXT,
    .autocomplete = "email",
};

/* GP */
static const F s_practice = {
    .key = "practice",
    .label = "Practice",
    .input = WEB_IN_ORG,
    .required = true,
};
static const F s_gp_record = {
    .key = "record_carer_on_gp_record",
    .label = "May the practice record them as a carer on their GP record?",
    .hint = "Optional",
    .input = WEB_IN_YESNO,
    .what = "Recording them as a carer on the GP record",
};

/* Discharge */
static const F s_trust = {
    .key = "hospital.trust",
    .label = "Trust",
    .input = WEB_IN_ORG,
    .required = true,
};
static const F s_site = {
    .key = "hospital.site",
    .label = "Site",
    .hint = "The site's ODS code, for example RAJ01",
    .input = WEB_IN_TEXT,
    .required = true,
};
static const F s_ward = {
    .key = "hospital.ward",
    .label = "Ward",
    .hint = "For example, Ward 10",
    .input = WEB_IN_TEXT,
    .required = true,
};
static const F s_patient_nhs = {
    .key = "patient.nhs_number",
    .label = "The patient's NHS number",
    .hint = "10 digits, for example 401 023 2137",
    .input = WEB_IN_TEXT,
    .required = true,
};
static const F s_discharge_date = {
    .key = "patient.expected_discharge",
    .label = "Expected discharge date",
    .hint = S_DATE_HINT("2026-11-24") ". Within 48 hours of today makes the referral urgent",
    .input = WEB_IN_DATE,
    .required = true,
};
static const F s_patient_is = {
    .key = "cared_for.relationship",
    .label = "Who is the patient to the carer?",
    .hint = "For example mother, husband, son, friend",
    .input = WEB_IN_TEXT,
    .required = true,
    .what = "Who the patient is to the carer",
};
static const F s_patient_needs = {
    .key = "cared_for.conditions",
    .label = "What does the patient need care for?",
    .hint = "Optional. Select all that apply",
    .input = WEB_IN_CHECKBOXES,
    .options = s_conditions,
    .what = "What the patient needs care for",
};
static const F s_consulted = {
    .key = "carer_consulted",
    .label = "Was the carer consulted about the discharge?",
    .input = WEB_IN_YESNO,
    .required = true,
    .what = "Whether the carer was consulted",
};

/* School */
static const F s_safeguarding = {
    .key = "safeguarding_referral_made",
    .label = "Has a safeguarding referral already been made?",
    .input = WEB_IN_YESNO,
    .required = true,
    .what = "Whether a safeguarding referral was made",
};
static const F s_urn = {
    .key = "school.urn",
    .label = "School",
    .input = WEB_IN_ORG,
    .required = true,
};
static const F s_year = {
    .key = "school.year_group",
    .label = "The pupil's year group",
    .input = WEB_IN_SELECT,
    .required = true,
    .options = s_year_groups,
};

/* --- fieldsets and forms ------------------------------------------------------------ */

#define S_SET(legend, hint, fields)                                                                \
    {                                                                                              \
        legend, hint, fields, S_N(fields)                                                          \
    }
#define S_REACH "Give at least one way to reach them: phone, email or address"
#define S_MORE  "Optional. Only if they look after more than one person"
#define S_LIKE  "Optional. Tick all that they would like"

static const F *const s_carer[] = {&s_given_name, &s_family_name, &s_dob,   &s_postcode,
                                   &s_address,    &s_phone,       &s_email, &s_contact_by,
                                   &s_language,   &s_nhs};
static const F *const s_cared_for[] = {&s_relationship, &s_conditions_f};
static const F *const s_consent[] = {&s_share, &s_given_by, &s_consent_date};
static const F *const s_referrer[] = {&s_ref_name, &s_ref_phone, &s_ref_email};

static const F *const s_gp_consent[] = {&s_share, &s_given_by, &s_consent_date, &s_gp_record};
static const F *const s_gp_referrer[] = {&s_practice, &s_ref_name, &s_ref_phone, &s_ref_email};
static const web_fieldset_t s_gp_sets[] = {
    S_SET("The carer", S_REACH, s_carer),
    S_SET("The person they care for", NULL, s_cared_for),
    S_SET("Other people they care for", S_MORE, web_q_people),
    S_SET("About the caring", NULL, web_q_caring),
    S_SET("What caring does to the carer", NULL, web_q_impact),
    S_SET("What the carer would like", S_LIKE, web_q_requests),
    S_SET("Consent", NULL, s_gp_consent),
    S_SET("Equality monitoring", WEB_HINT_EQUALITY, web_q_equality),
    S_SET("You, the referrer", NULL, s_gp_referrer),
};

static const F *const s_patient[] = {
    &s_trust, &s_site, &s_ward, &s_patient_nhs, &s_discharge_date, &s_patient_is, &s_patient_needs};
static const F *const s_discharge_carer[] = {
    &s_given_name, &s_family_name, &s_dob,      &s_postcode, &s_address,  &s_phone,
    &s_email,      &s_contact_by,  &s_language, &s_nhs,      &s_consulted};
static const web_fieldset_t s_discharge_sets[] = {
    S_SET("The patient, the person cared for", NULL, s_patient),
    S_SET("The carer", S_REACH, s_discharge_carer),
    S_SET("Other people the carer cares for", S_MORE, web_q_people),
    S_SET("About the caring", NULL, web_q_caring),
    S_SET("What caring does to the carer", NULL, web_q_impact),
    S_SET("What the carer would like", S_LIKE, web_q_requests),
    S_SET("Consent", NULL, s_consent),
    S_SET("Equality monitoring", WEB_HINT_EQUALITY, web_q_equality),
    S_SET("You, the referrer", NULL, s_referrer),
};

static const F *const s_school_part[] = {&s_safeguarding, &s_urn, &s_year};
static const F *const s_pupil[] = {&s_given_name, &s_family_name, &s_pupil_dob, &s_postcode,
                                   &s_address,    &s_phone,       &s_email,     &s_contact_by,
                                   &s_language,   &s_nhs};
static const F *const s_pupil_cares_for[] = {&s_pupil_relationship, &s_conditions_f};
static const F *const s_school_consent[] = {&s_share, &s_given_by_pupil, &s_consent_date};
static const web_fieldset_t s_school_sets[] = {
    S_SET("Safeguarding and the school",
          "carerhub never handles safeguarding concerns: if you have one, follow your school's "
          "safeguarding procedure now, whatever else you do",
          s_school_part),
    S_SET("The pupil, the young carer", S_REACH, s_pupil),
    S_SET("The person the pupil cares for", NULL, s_pupil_cares_for),
    S_SET("Other people the pupil cares for", S_MORE, web_q_people_pupil),
    S_SET("About the caring", NULL, web_q_caring),
    S_SET("What caring does to the pupil", NULL, web_q_impact_pupil),
    S_SET("What the pupil would like", S_LIKE, web_q_requests),
    S_SET("Consent", "From a parent, or from the pupil where the pupil is competent to give it",
          s_school_consent),
    S_SET("Equality monitoring", WEB_HINT_EQUALITY, web_q_equality),
    S_SET("You, the referrer", NULL, s_referrer),
};

static const web_formdef_t s_forms[] = {
    {CARERHUB__SOURCE__GP, "/refer/gp", "Refer a carer: GP yellow card",
     "A patient who looks after someone: the carers' support service for where they live will "
     "contact them.",
     s_gp_sets, S_N(s_gp_sets)},
    {CARERHUB__SOURCE__DISCHARGE, "/refer/discharge", "Refer a carer: hospital discharge",
     "The carer of a patient about to go home: the carers' support service for where the carer "
     "lives will contact them.",
     s_discharge_sets, S_N(s_discharge_sets)},
    {CARERHUB__SOURCE__SCHOOL, "/refer/school", "Refer a young carer: school",
     "A pupil who looks after someone at home: the young carers' service for where the pupil "
     "lives will contact them.",
     s_school_sets, S_N(s_school_sets)},
};

/* --- looking fields up ----------------------------------------------------------- */

const web_formdef_t *web_form_of(Carerhub__Source src)
{
    for (size_t i = 0; i < S_N(s_forms); i++)
        if (s_forms[i].source == src)
            return &s_forms[i];
    return NULL;
}

const web_formdef_t *web_form_at(const char *path)
{
    for (size_t i = 0; path && i < S_N(s_forms); i++)
        if (strcmp(s_forms[i].path, path) == 0)
            return &s_forms[i];
    return NULL;
}

const web_field_t *web_form_field(const web_formdef_t *f, const char *key)
{
    for (size_t s = 0; s < f->nsets; s++)
        for (size_t i = 0; i < f->sets[s].nfields; i++)
            if (strcmp(f->sets[s].fields[i]->key, key) == 0)
                return f->sets[s].fields[i];
    return NULL;
}

/* The field of f whose key is key[0..n), or NULL. */
static const web_field_t *s_field_n(const web_formdef_t *f, const char *key, size_t n)
{
    for (size_t s = 0; s < f->nsets; s++)
        for (size_t i = 0; i < f->sets[s].nfields; i++) {
            const web_field_t *fd = f->sets[s].fields[i];
            if (strlen(fd->key) == n && strncmp(fd->key, key, n) == 0)
                return fd;
        }
    return NULL;
}

/* The first input of the group key[0..n) (carer, cared_for[2]), a
 * required one if it has one (consent: the consent to share, not the
 * agreement to the equality questions), or NULL. */
static const web_field_t *s_group_n(const web_formdef_t *f, const char *key, size_t n)
{
    const web_field_t *first = NULL;
    for (size_t s = 0; s < f->nsets; s++)
        for (size_t i = 0; i < f->sets[s].nfields; i++) {
            const web_field_t *fd = f->sets[s].fields[i];
            if (fd->input == WEB_IN_ORG || strncmp(fd->key, key, n) != 0 || fd->key[n] != '.')
                continue;
            if (fd->required)
                return fd;
            if (!first)
                first = fd;
        }
    return first;
}

const web_field_t *web_form_field_of_error(const web_formdef_t *f, const char *errfield)
{
    char key[128];
    const char *dot, *open;
    size_t n, item;
    const web_field_t *fd;

    /* The first of a list of people is the form's cared_for. */
    if (strncmp(errfield, "cared_for[1]", 12) == 0)
        n = (size_t)snprintf(key, sizeof key, "cared_for%s", errfield + 12);
    else
        n = (size_t)snprintf(key, sizeof key, "%s", errfield);
    if (n >= sizeof key)
        return NULL;
    /* Equality answered without the carer's agreement: at the agreement. */
    if (strcmp(key, "equality") == 0)
        return web_form_field(f, "consent.equality_monitoring");
    /* An item of a list (cared_for.conditions[2]): its field's. */
    dot = strrchr(key, '.');
    open = strrchr(key, '[');
    item = open && key[n - 1] == ']' && (!dot || open > dot) ? (size_t)(open - key) : n;
    if ((fd = s_field_n(f, key, n)) != NULL || (fd = s_field_n(f, key, item)) != NULL)
        return fd;
    /* A group missing as a whole (carer, hospital, cared_for[2]): its
     * first input. */
    if ((fd = s_group_n(f, key, n)) != NULL)
        return fd;
    return s_group_n(f, key, item);
}
