/*
 * The case worker's pages of carerhub-web, for a charity with no case
 * system of its own (provider users): /inbox and /inbox.csv
 * (web_inbox.c), /inbox/ID, one case (web_inbox_case.c: the requests and
 * the answers; web_inbox_page.c: the page), and the forms on it that
 * record what happened, pass the case back or assign it
 * (web_inbox_form.c). What the three share, and what the unit tests reach:
 * codes in words, CSV cells, and a form's answers as an Outcome.
 */
#ifndef CARERHUB_WEB_INBOX_H
#define CARERHUB_WEB_INBOX_H

#include "web.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/date.h"

#include <stdbool.h>
#include <stdint.h>

/* --- words (web_inbox.c) ------------------------------------------------ */

/* A case's state (CaseSummary.state, CaseReply.state): "Contacted". */
const char *web_inbox_state_words(const char *state);
/* A status a case worker records (CaseReply.next), as a radio's label:
 * "Contacted the carer". */
const char *web_inbox_status_words(const char *status);
/* The same in a notice after it is recorded ("Recorded: contacted"). */
const char *web_inbox_status_done(const char *status);
/* A kind of support, a reason for closing, a source, an event of the
 * timeline, why a case moved. Codes not known are returned as they are. */
const char *web_inbox_support_words(const char *kind);
const char *web_inbox_close_words(const char *reason);
const char *web_inbox_source_words(Carerhub__Source src);
const char *web_inbox_event_words(const char *event);
const char *web_inbox_moved_words(const char *why);
/* A day as a person reads it: "3 December 2026". */
void web_inbox_day(buf_t *b, date_t day);

/* --- CSV (web_inbox.c) -------------------------------------------------- */

/* One cell (NULL: empty). A cell a spreadsheet would run as a formula
 * (it begins with = + - @, a tab or a carriage return) gets a ' before
 * it; a cell holding a comma, a quote or a line break is quoted, its
 * quotes doubled (RFC 4180). */
void web_csv_cell(buf_t *b, const char *s);
/* The open cases as CSV: a header row of stable column names, then a row
 * per case, each line ended by CR LF. */
void web_inbox_csv(buf_t *b, const Carerhub__CasesReply *cs);

/* --- the forms (web_inbox_form.c; their answers: web_inbox_case.c) ----- */

/* The statuses of the record form, in the order a case takes them
 * (not_ours and assign have forms of their own). */
extern const char *const web_inbox_record_statuses[];

typedef enum {
    WEB_INBOX_RECORD, /* what happened: a status of CaseReply.next */
    WEB_INBOX_PASS,   /* not_ours: passed back */
    WEB_INBOX_ASSIGN, /* triage only */
    WEB_INBOX_NFORMS
} web_inbox_form_t;

/* An outcome id made when a form is shown: "web-", the unix ms it was
 * shown at (13 digits), "-", 16 random hex digits. The router records an
 * organisation's outcome id once, so a double click or a resend records
 * one outcome. */
#define WEB_OUTCOME_ID_LEN 34
void web_inbox_outcome_id(int64_t now, char out[WEB_OUTCOME_ID_LEN + 1]);
/* Whether id is one web_inbox_outcome_id makes; the time it was shown. */
bool web_inbox_outcome_id_at(const char *id, int64_t *shown_at);

/* A form's answers as the Outcome to send: its strings point into the
 * request's values or into this struct (valid while both are). */
typedef struct {
    web_inbox_form_t form;
    Carerhub__Outcome o;
    char *support[OUTCOME_SUPPORT_MAX + 1];
    char id[WEB_OUTCOME_ID_LEN + 1];
    char case_id[CASE_ID_MAX + 1];
} web_outcome_t;

/* Reads the form POSTed in q (its field form: record, not_ours or assign)
 * for case case_id into out, as of now: the same checks as outcome_check
 * and, first, in words for the page, what the form asks: a status, a
 * kind of support for supported (and none for another status), a reason
 * for closing for closed (a reason chosen for another status is not
 * sent: a radio cannot be unticked), a date not in the future, a reason
 * for passing back, an organisation to assign to. Its outcome id is the
 * form's (a new one if it has none that web_inbox_outcome_id made); the
 * time is that of the date given: when the form was shown if it was shown
 * that day, else the end of that day (a time from the same form, so the
 * same form sent again is the same outcome). Returns 0, or -1 with each
 * problem in errs named by the input's id (record-status, pass-reason,
 * ...; "form" for no input). */
int web_inbox_outcome(const web_req_t *q, const char *case_id, int64_t now, web_outcome_t *out,
                      ferrs_t *errs);
/* The input of form that shows what a refusal names (OutcomeResult.field:
 * status, support, reason, to, at, note), or NULL (the summary only). */
const char *web_inbox_input_of(web_inbox_form_t form, const char *field);

/* What the forms of a case page show: each its outcome id; the one that
 * was sent (posted), its answers kept from q, with errs by input id. */
typedef struct {
    char ids[WEB_INBOX_NFORMS][WEB_OUTCOME_ID_LEN + 1];
    bool has_posted;
    web_inbox_form_t posted;
    const ferrs_t *errs;
} web_inbox_forms_t;

/* The error summary of a form sent with problems (each a link to its
 * input), written at the top of the page. */
void web_inbox_errors(buf_t *b, const web_inbox_forms_t *f);
/* The forms case cr may take (cr NULL: the form sent alone, with every
 * status, for a page written when the hub did not answer). */
void web_inbox_forms(buf_t *b, web_t *w, const web_req_t *q, const char *case_id,
                     const Carerhub__CaseReply *cr, const web_inbox_forms_t *f);
/* The name routing.yaml gives provider id, or NULL. */
const char *web_inbox_provider_name(web_t *w, const char *id);

/* --- the case page (web_inbox_page.c) ----------------------------------- */

/* The page of case cr for q's user, with the forms f. */
void web_inbox_case_page(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__CaseReply *cr,
                         const web_inbox_forms_t *f);

#endif
