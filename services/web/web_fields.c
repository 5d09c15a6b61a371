/*
 * The fields of the three referral forms, one table per source holding
 * every key of its YAML referral (config/samples/ (gp, discharge, school)), grouped in
 * fieldsets as a referrer thinks of them; and a form's answers turned into
 * a Referral through referral_from_yaml, as if they had been written in a
 * referral file, so that a form and a file are read by the same code. See
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
    S_SET("Consent", NULL, s_gp_consent),
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
    S_SET("Consent", NULL, s_consent),
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
    S_SET("Consent", "From a parent, or from the pupil where the pupil is competent to give it",
          s_school_consent),
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

const web_field_t *web_form_field_of_error(const web_formdef_t *f, const char *errfield)
{
    char key[128];
    size_t n = strcspn(errfield, "[");
    const web_field_t *fd;

    if (n >= sizeof key)
        return NULL;
    memcpy(key, errfield, n);
    key[n] = '\0';
    if ((fd = web_form_field(f, key)) != NULL)
        return fd;
    /* A group missing as a whole (carer, hospital): its first input. */
    for (size_t s = 0; s < f->nsets; s++)
        for (size_t i = 0; i < f->sets[s].nfields; i++) {
            fd = f->sets[s].fields[i];
            if (fd->input != WEB_IN_ORG && strncmp(fd->key, key, n) == 0 && fd->key[n] == '.')
                return fd;
        }
    return NULL;
}

/* --- answers to a Referral ---------------------------------------------------------- */

void web_form_date(const char *typed, char *out, size_t outsz)
{
    int d, m, y, end = 0;
    char s1, s2;
    /* Day first, as people in the UK write it; a four-digit year only (%4d
     * reads at most four digits, so >= 1000 is exactly four), so that
     * nothing ambiguous is guessed at. */
    if (sscanf(typed, " %2d%c%2d%c%4d %n", &d, &s1, &m, &s2, &y, &end) == 5 && !typed[end] &&
        s1 == s2 && strchr("/-. ", s1) && y >= 1000 && d >= 1 && m >= 1) {
        snprintf(out, outsz, "%04d-%02d-%02d", y, m, d);
        return;
    }
    snprintf(out, outsz, "%s", typed);
}

static ynode_t *s_node(ynode_kind_t kind)
{
    ynode_t *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->line = n->col = 1;
    return n;
}

/* A scalar: quoted for text, so that a name typed "null" or "~" stays
 * text; plain for booleans and numbers, so that true and 9 mean so. */
static ynode_t *s_scalar(const char *value, bool plain)
{
    ynode_t *n = s_node(YNODE_SCALAR);
    n->value = xstrdup(value);
    n->len = strlen(value);
    n->plain = plain;
    return n;
}

static void s_push(ynode_t *parent, ynode_t *kid)
{
    parent->kids = xrealloc(parent->kids, (parent->nkids + 1) * sizeof *parent->kids);
    parent->kids[parent->nkids++] = kid;
}

static void s_free(ynode_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        s_free(n->kids[i]);
    free(n->kids);
    free(n->value);
    free(n);
}

/* In map, the value of key (created as kind if absent). */
static ynode_t *s_at(ynode_t *map, const char *key, size_t keylen, ynode_kind_t kind)
{
    ynode_t *v;
    for (size_t i = 0; i + 1 < map->nkids; i += 2)
        if (map->kids[i]->len == keylen && memcmp(map->kids[i]->value, key, keylen) == 0)
            return map->kids[i + 1];
    v = s_node(YNODE_SCALAR);
    v->value = xstrndup(key, keylen);
    v->len = keylen;
    v->plain = true;
    s_push(map, v);
    v = s_node(kind);
    s_push(map, v);
    return v;
}

/* The node at a key path (carer.given_name), its maps made on the way. */
static ynode_t *s_path(ynode_t *root, const char *path, ynode_kind_t kind)
{
    const char *dot;
    while ((dot = strchr(path, '.')) != NULL) {
        root = s_at(root, path, (size_t)(dot - path), YNODE_MAP);
        path = dot + 1;
    }
    return s_at(root, path, strlen(path), kind);
}

static bool s_blank(const char *v)
{
    return v[strspn(v, " \t\r\n")] == '\0';
}

/* The value of one answer as the YAML file would hold it. */
static ynode_t *s_value(const web_field_t *fd, const char *v)
{
    size_t n;
    char *date;
    ynode_t *node;
    switch (fd->input) {
    case WEB_IN_YESNO:
    case WEB_IN_SELECT:
        /* "true"/"false" and year groups: plain, so bound as typed values.
         * Anything else typed there is refused by referral_from_yaml. */
        return s_scalar(v, true);
    case WEB_IN_DATE:
        /* Room for the answer unchanged, however long: cut to a fixed
         * size it could end inside a character, and would not be what was
         * typed (YYYY-MM-DD is 10 bytes). */
        n = strlen(v) + 16;
        date = xmalloc(n);
        web_form_date(v, date, n);
        node = s_scalar(date, false);
        free(date);
        return node;
    default:
        return s_scalar(v, false);
    }
}

/* The answers to one field, set in root. */
static void s_field(ynode_t *root, const web_field_t *fd, size_t nfields, const char *const *names,
                    const char *const *values)
{
    ynode_t *list = NULL;
    for (size_t i = 0; i < nfields; i++) {
        if (strcmp(names[i], fd->key) != 0 || s_blank(values[i]))
            continue;
        if (fd->input != WEB_IN_CHECKBOXES) {
            /* The first answer; a second one of the same name is no input's. */
            ynode_t *v = s_value(fd, values[i]), *at = s_path(root, fd->key, YNODE_SCALAR);
            free(at->value);
            *at = *v;
            free(v);
            return;
        }
        if (!list)
            list = s_path(root, fd->key, YNODE_SEQ);
        s_push(list, s_value(fd, values[i]));
    }
}

/* The organisation's field: the user's, never the form's. */
static void s_org(ynode_t *root, const char *key, const char *org)
{
    ynode_t *at = s_path(root, key, YNODE_SCALAR);
    free(at->value);
    at->value = xstrdup(org);
    at->len = strlen(org);
}

Carerhub__Referral *web_form_referral(const web_formdef_t *f, size_t nfields,
                                      const char *const *names, const char *const *values,
                                      const char *org, ferrs_t *errs)
{
    ynode_t *root = s_node(YNODE_MAP);
    Carerhub__Referral *r;

    for (size_t s = 0; s < f->nsets; s++)
        for (size_t i = 0; i < f->sets[s].nfields; i++) {
            const web_field_t *fd = f->sets[s].fields[i];
            if (fd->input != WEB_IN_ORG)
                s_field(root, fd, nfields, names, values);
            else if (org && *org)
                s_org(root, fd->key, org);
        }
    r = referral_from_yaml(root, f->source, errs);
    s_free(root);
    return r;
}
