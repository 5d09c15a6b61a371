/*
 * The referral forms of carerhub-web, inside the daemon: each source's
 * fields (web_fields.c) and how a form's answers become a Referral. A field
 * is named by its YAML key path (carer.given_name, cared_for.conditions),
 * which is the input's name and id and the name an intake's errors give, so
 * the form, the referral files and the errors cannot drift apart.
 */
#ifndef CARERHUB_WEB_FORM_H
#define CARERHUB_WEB_FORM_H

#include "web.h"

#include "domain/pcdb.h"
#include "domain/referral.h"
#include "domain/route.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    WEB_IN_TEXT,       /* one line */
    WEB_IN_DATE,       /* one line, YYYY-MM-DD (day/month/year forms accepted) */
    WEB_IN_TEXTAREA,   /* several lines (an address) */
    WEB_IN_YESNO,      /* radios "true" / "false": a boolean */
    WEB_IN_RADIOS,     /* one of options */
    WEB_IN_SELECT,     /* one of options, in a select (a long list) */
    WEB_IN_CHECKBOXES, /* any of options: a list, one value per ticked box */
    WEB_IN_TICK,       /* one checkbox: true when ticked, nothing when not */
    WEB_IN_NUMBER,     /* one line, a whole number (inputmode numeric) */
    WEB_IN_ORG,        /* the user's organisation: shown, never an input */
} web_input_t;

typedef struct {
    const char *value; /* as the YAML file writes it */
    const char *label;
} web_option_t;

typedef struct {
    const char *key;   /* the YAML key path: the input's name and id */
    const char *label; /* also the start of its error messages */
    const char *hint;  /* NULL: none */
    web_input_t input;
    bool required;
    const web_option_t *options; /* radios, select, checkboxes: ends with {NULL, NULL} */
    /* The autocomplete token of the referrer's own details (WCAG 1.3.5);
     * NULL: "off", as the carer's details are not the user's and the
     * browser must not offer the user's own. */
    const char *autocomplete;
    const char *what; /* its name in error messages when the label is a question; NULL: the label */
} web_field_t;

typedef struct {
    const char *legend;
    const char *hint; /* NULL: none */
    const web_field_t *const *fields;
    size_t nfields;
} web_fieldset_t;

typedef struct {
    Carerhub__Source source;
    const char *path;  /* /refer/gp */
    const char *title; /* the page's h1 */
    const char *intro; /* a sentence under it */
    const web_fieldset_t *sets;
    size_t nsets;
} web_formdef_t;

/* The questions about the caring that the three referrers' forms share
 * (web_fields_caring.c), sized so that a form's fieldset can hold them:
 * people 2 and 3 cared for (cared_for[2].relationship, as a list's errors
 * name them; a pupil's and an adult's words), the caring, what it does to
 * the carer (a pupil's school or college; an adult's work), what the
 * referral asks for, and equality monitoring with its consent first. */
#define WEB_FORM_PEOPLE 3 /* people cared for a form asks of */
extern const web_field_t *const web_q_people[4];
extern const web_field_t *const web_q_people_pupil[4];
extern const web_field_t *const web_q_caring[4];
extern const web_field_t *const web_q_impact[2];
extern const web_field_t *const web_q_impact_pupil[2];
extern const web_field_t *const web_q_requests[5];
extern const web_field_t *const web_q_equality[5];
/* Their options, which /help shares (only its questions' words differ). */
extern const web_option_t web_opt_hours[], web_opt_able[], web_opt_unsure[], web_opt_work[],
    web_opt_sex[], web_opt_age[], web_opt_ethnic[], web_opt_disab[];
#define WEB_HINT_EQUALITY                                                                          \
    "Only with their agreement. The answers are counted, never used to decide who supports "       \
    "them"

/* The form of src, or NULL for a source without one. */
const web_formdef_t *web_form_of(Carerhub__Source src);
/* The form served at path (/refer/gp), or NULL. */
const web_formdef_t *web_form_at(const char *path);
/* The field of f with that key path, or NULL. */
const web_field_t *web_form_field(const web_formdef_t *f, const char *key);
/* The field an error names, as the form shows it: the list of an item
 * (cared_for.conditions[2]), the first field of a group reported missing
 * as a whole (carer -> carer.given_name); NULL when no field of the form
 * stands for it (the error then appears in the summary only). */
const web_field_t *web_form_field_of_error(const web_formdef_t *f, const char *errfield);

/* A date as typed, in the YAML form: YYYY-MM-DD kept as it is, and day,
 * month, year (2/4/1961, 2-4-1961, 2.4.1961, 2 4 1961) written so. Anything
 * else is copied unchanged for the intake to judge. */
void web_form_date(const char *typed, char *out, size_t outsz);

/* The referral the form's answers in fields (names[i] = values[i], as a
 * POST body gives them) make, read by referral_from_yaml as if the same
 * answers were written in a YAML file: each field's value at its key path,
 * a ticked box's value an item of its list, empty answers left out, fields
 * of no input of the form ignored. The organisation's field (practice,
 * hospital.trust, school.urn) is set to org whatever the form says. Returns
 * a new Referral (free with carerhub__referral__free_unpacked), with what
 * could not be read (a year group that is not a number) in errs by key
 * path. */
Carerhub__Referral *web_form_referral(const web_formdef_t *f, size_t nfields,
                                      const char *const *names, const char *const *values,
                                      const char *org, ferrs_t *errs);

/* --- the pages (web_form.c) --------------------------------------------- */

#define WEB_FORM_TOKEN_LEN 32 /* an idempotency token: hex of 16 random bytes */

/* A fresh idempotency token, random for each form shown: an intake answers
 * a resend of it with the first answer. Every public /help form has the
 * same submitter (web/public), so a token must never be derived from
 * anything two forms could share. */
void web_form_token(char out[WEB_FORM_TOKEN_LEN + 1]);
/* Whether t (may be NULL) is a token as web_form_token makes them. */
bool web_form_token_ok(const char *t);

/* The error summary of errs (at least one): role=alert, each error a link
 * to the input it names (web_form_field_of_error), its message after the
 * field's name, or as it is when it is a sentence of its own (a capital
 * letter first). */
void web_form_summary(buf_t *b, const web_formdef_t *f, const ferrs_t *errs);
/* One fieldset of f: its legend, its hint, and each field's input with its
 * label, hint and errors, the answers of q kept when it is a POST. A set
 * without a legend is its fields alone, under a heading of the page's. */
void web_form_fieldset(buf_t *b, const web_req_t *q, const web_formdef_t *f, const ferrs_t *errs,
                       const web_fieldset_t *set);

/* The routing table of conf, for a preview of where a referral is
 * expected to go (the router decides when it takes it), loaded once and
 * again when the file changes, and the postcode unit table in *pcdb (NULL
 * when there is none). NULL when it does not load. Both borrowed until
 * the next call. */
const route_t *web_form_routing(const hubconf_t *conf, pcdb_t **pcdb);

/* The page of form f: the answers of q kept when it is a POST,
 * the idempotency token as a hidden input, errs (may be NULL) in the
 * error summary and beside their fields, and notice (may be NULL: why
 * nothing was sent) above it all. */
void web_form_page(web_resp_t *r, const web_req_t *q, const web_formdef_t *f, const char *token,
                   const ferrs_t *errs, const char *notice);

#endif
