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

#include "domain/referral.h"

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

/* The page of form f (web_form.c): the answers of q kept when it is a POST,
 * the idempotency token as a hidden input, errs (may be NULL) in the
 * error summary and beside their fields, and notice (may be NULL: why
 * nothing was sent) above it all. */
void web_form_page(web_resp_t *r, const web_req_t *q, const web_formdef_t *f, const char *token,
                   const ferrs_t *errs, const char *notice);

#endif
