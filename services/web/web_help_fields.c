/*
 * The fields of /help, the form a carer fills in to ask for support
 * themselves, and the words its problems are told in. The inputs are
 * named by YAML key path as in a self referral file (config/samples/
 * self.yaml), read by the same code as the referrers' forms
 * (web_form_referral); only the words differ: they speak to the carer, in
 * plain English, and the carer's own details are the person's own, so the
 * browser may offer what it knows of them (autocomplete, WCAG 1.3.5). See
 * web_help.h.
 */
#include "web_help.h"

#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define S_N(a)     (sizeof(a) / sizeof((a)[0]))
#define S_OPTIONAL "You can leave this out"

typedef web_field_t F;

/* --- options --------------------------------------------------------------- */

static const web_option_t s_contact[] = {
    {"phone", "Phone"}, {"email", "Email"}, {"post", "Letter"}, {NULL, NULL}};

static const web_option_t s_needs[] = {{"physical_disability", "A physical disability"},
                                       {"long_term_illness", "A long-term illness"},
                                       {"dementia", "Dementia"},
                                       {"mental_health", "Mental health"},
                                       {"learning_disability", "A learning disability"},
                                       {"substance_misuse", "Drugs or alcohol"},
                                       {"frailty", "Frailty or old age"},
                                       {"other", "Something else"},
                                       {NULL, NULL}};

static const web_option_t s_heard[] = {{"gp", "My GP practice"},
                                       {"hospital", "A hospital"},
                                       {"school", "A school or college"},
                                       {"pharmacy", "A pharmacy"},
                                       {"friend_or_family", "A friend or family member"},
                                       {"online", "Online"},
                                       {"other", "Somewhere else"},
                                       {NULL, NULL}};

/* --- fields ----------------------------------------------------------------- */

static const F s_given_name = {
    .key = "carer.given_name",
    .label = "First name",
    .input = WEB_IN_TEXT,
    .required = true,
    .autocomplete = "given-name",
    .what = "Your first name",
};
static const F s_family_name = {
    .key = "carer.family_name",
    .label = "Last name",
    .input = WEB_IN_TEXT,
    .required = true,
    .autocomplete = "family-name",
    .what = "Your last name",
};
static const F s_dob = {
    .key = "carer.date_of_birth",
    .label = "Date of birth",
    .hint = "For example, 27 3 1980",
    .input = WEB_IN_DATE,
    .required = true,
    .autocomplete = "bday",
    .what = "Your date of birth",
};
static const F s_postcode = {
    .key = "carer.postcode",
    .label = "Postcode",
    .hint = "For example, CM2 0AA. It tells us which service is near you",
    .input = WEB_IN_TEXT,
    .required = true,
    .autocomplete = "postal-code",
    .what = "Your postcode",
};
static const F s_address = {
    .key = "carer.address",
    .label = "Address",
    .hint = S_OPTIONAL,
    .input = WEB_IN_TEXTAREA,
    .autocomplete = "street-address",
    .what = "Your address",
};
static const F s_phone = {
    .key = "carer.phone",
    .label = "Phone number",
    .hint = "We need a phone number or an email address, or both",
    .input = WEB_IN_TEXT,
    .autocomplete = "tel",
    .what = "Your phone number",
};
static const F s_email = {
    .key = "carer.email",
    .label = "Email address",
    .input = WEB_IN_TEXT,
    .autocomplete = "email",
    .what = "Your email address",
};
static const F s_contact_by = {
    .key = "carer.preferred_contact",
    .label = "How would you like them to contact you?",
    .hint = S_OPTIONAL,
    .input = WEB_IN_RADIOS,
    .options = s_contact,
    .what = "How you would like to be contacted",
};
static const F s_language = {
    .key = "carer.language",
    .label = "What language would you like them to use?",
    .hint = "Only if it is not English",
    .input = WEB_IN_TEXT,
    .autocomplete = "language",
    .what = "Your language",
};
static const F s_relationship = {
    .key = "cared_for.relationship",
    .label = "Who do you look after?",
    .hint = "For example, my mum, my husband, my son or a friend",
    .input = WEB_IN_TEXT,
    .required = true,
    .what = "Who you look after",
};
static const F s_needs_f = {
    .key = "cared_for.conditions",
    .label = "What do they need help with?",
    .hint = "Choose all that fit. " S_OPTIONAL,
    .input = WEB_IN_CHECKBOXES,
    .options = s_needs,
    .what = "What they need help with",
};
static const F s_working = {
    .key = "self.working",
    .label = "Do you have a paid job as well?",
    .hint = S_OPTIONAL,
    .input = WEB_IN_YESNO,
    .what = "Whether you have a paid job",
};
static const F s_best_time = {
    .key = "self.best_time_to_contact",
    .label = "When is a good time to contact you?",
    .hint = "For example, weekday evenings after 6. " S_OPTIONAL,
    .input = WEB_IN_TEXT,
    .what = "A good time to contact you",
};
static const F s_heard_from = {
    .key = "self.heard_from",
    .label = "How did you hear about this?",
    .hint = S_OPTIONAL,
    .input = WEB_IN_RADIOS,
    .options = s_heard,
    .what = "How you heard about this",
};
static const F s_share = {
    .key = "consent.share_with_support_service",
    .label = "Can we send your details to the carers' support service?",
    .hint = "We can only ask them to contact you if you say yes",
    .input = WEB_IN_YESNO,
    .required = true,
    .what = "Sending your details",
};

/* --- the form ---------------------------------------------------------------- */

#define S_SET(legend, hint, fields)                                                                \
    {                                                                                              \
        legend, hint, fields, S_N(fields)                                                          \
    }

static const F *const s_you[] = {&s_given_name, &s_family_name, &s_dob,
                                 &s_postcode,   &s_address,     &s_phone,
                                 &s_email,      &s_contact_by,  &s_language};
static const F *const s_them[] = {&s_relationship, &s_needs_f};
static const F *const s_more[] = {&s_working, &s_best_time, &s_heard_from};
static const F *const s_consent[] = {&s_share};

static const web_fieldset_t s_sets[] = {
    S_SET("About you", NULL, s_you),
    S_SET("The person you look after", NULL, s_them),
    S_SET("Anyone else you look after", "Only if you look after more than one person. " S_OPTIONAL,
          web_help_q_people),
    S_SET("About your caring", NULL, web_help_q_caring),
    S_SET("What caring does to you", NULL, web_help_q_impact),
    S_SET("What would help you", "Tick all that you would like. " S_OPTIONAL, web_help_q_requests),
    S_SET("A bit more about you", NULL, s_more),
    S_SET("Equality questions",
          "We ask these to check that our support reaches everyone. They are only counted, "
          "never used to decide who helps you. " S_OPTIONAL,
          web_help_q_equality),
    S_SET(NULL, NULL, s_consent), /* under the page's heading and its words (web_help.c) */
};

static const web_formdef_t s_form = {
    CARERHUB__SOURCE__SELF,          "/help", "Are you looking after someone?",
    "You can ask for support here.", s_sets,  S_N(s_sets),
};

const web_formdef_t *web_help_form(void)
{
    return &s_form;
}

Carerhub__Referral *web_help_referral(size_t nfields, const char *const *names,
                                      const char *const *values, date_t today, ferrs_t *errs)
{
    Carerhub__Referral *r = web_form_referral(&s_form, nfields, names, values, NULL, errs);
    /* The carer gives their consent now, by sending the form with yes:
     * that is its date (the referral files write it; the form does not
     * ask it). */
    if (r->consent && !r->consent->date) {
        r->consent->date = xmalloc(DATE_STRLEN);
        date_format(today, r->consent->date);
    }
    return r;
}

/* --- the words for the carer ------------------------------------------------- */

/* Problems the carer may meet, by field and code, in words for them;
 * words NULL: the intake's own message, which already speaks to the carer
 * (lib/domain/referral_self.c), as a sentence. A field of no row keeps
 * the intake's message after the field's name ("Your first name is longer
 * than 100 characters"). */
static const struct {
    const char *field, *code, *words;
} s_words[] = {
    {"carer", "required",
     "Tell us your name, date of birth and postcode, and a phone number or an email address"},
    {"carer.given_name", "required", "Enter your first name"},
    {"carer.family_name", "required", "Enter your last name"},
    {"carer.date_of_birth", "required", "Enter your date of birth"},
    {"carer.date_of_birth", "format",
     "Enter your date of birth as day, month and year, for example 27 3 1980"},
    {"carer.date_of_birth", "invalid", "Enter a real date of birth, for example 27 3 1980"},
    {"carer.date_of_birth", "future", "Your date of birth must be in the past"},
    {"carer.date_of_birth", "past", "Check your date of birth: it is more than 120 years ago"},
    {"carer.date_of_birth", "too_young", NULL},
    {"carer.postcode", "required", "Enter your postcode"},
    {"carer.postcode", "format", "Enter a real postcode, for example CM2 0AA"},
    {"carer.postcode", "unknown", "We cannot find that postcode. Check it and try again"},
    {"carer.phone", "required", NULL},
    {"carer.phone", "format", "Enter a phone number, for example 07700 900123"},
    {"carer.email", "format", "Enter an email address, for example name@example.org"},
    {"carer.preferred_contact", "invalid",
     "Give us the phone number, email address or address for the way you chose, or choose "
     "another way"},
    {"cared_for", "required", "Tell us who you look after"},
    {"cared_for.relationship", "required", "Tell us who you look after, for example my mum"},
    {"cared_for[2].relationship", "required", "Tell us who the second person you look after is"},
    {"cared_for[3].relationship", "required", "Tell us who the third person you look after is"},
    {"equality", "consent",
     "To answer the equality questions, tick \"I agree to answer these questions\". If you do "
     "not want to answer them, leave them all out"},
    {"consent", "required", "Tell us if we can send your details to the carers' support service"},
    {"consent.share_with_support_service", "required",
     "Tell us if we can send your details to the carers' support service"},
    {"consent.share_with_support_service", "consent",
     "We can only ask a support service to contact you if you say yes to sending them your "
     "details"},
};

void web_help_words(const ferrs_t *errs, ferrs_t *out)
{
    for (size_t i = 0; i < errs->n; i++) {
        const ferr_t *e = &errs->v[i];
        const char *field = e->field ? e->field : "referral", *code = e->code ? e->code : "";
        const char *msg = e->message ? e->message : "is not right";
        size_t k;
        for (k = 0; k < S_N(s_words); k++)
            if (strcmp(s_words[k].field, field) == 0 && strcmp(s_words[k].code, code) == 0)
                break;
        if (k == S_N(s_words)) {
            ferrs_add(out, field, code, "%s", msg);
        } else if (s_words[k].words) {
            ferrs_add(out, field, code, "%s", s_words[k].words);
        } else {
            /* The intake's words, a sentence: its first letter a capital. */
            char first = *msg >= 'a' && *msg <= 'z' ? (char)(*msg - 'a' + 'A') : *msg;
            ferrs_add(out, field, code, "%c%s", first, *msg ? msg + 1 : "");
        }
    }
}
