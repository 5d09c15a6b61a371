/*
 * /inbox/ID, one case of the user's organisation. GET asks the router for
 * it (CaseQuery, on behalf of the user): another organisation's case and
 * no case read the same (404), and the router audits each view. A POST
 * is one of the case's forms (web_inbox_form.c): its answers become an
 * Outcome here, checked first as the form asks and as the router would
 * (outcome_check), then sent (OutcomeReport); the router's answer is the
 * authority. Once recorded the answer is a redirect (303) to the case,
 * or, when the case has left the organisation, to /inbox, where a
 * one-time notice of the session's waits (web_notice.c: never in the
 * address, where a link could forge it). A refusal
 * shows the page again with the message beside the input it names and
 * what was typed kept, under the same outcome id; when the hub does not
 * answer, the form sent is shown again alone, so that sending it again
 * records it once. Nothing here waits: each step is written when its
 * answer comes (web_call). The page itself is web_inbox_page.c's.
 */
#include "web_inbox.h"

#include "web_form.h"

#include "domain/route.h"
#include "util/clock.h"
#include "util/mem.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_QUERY_MS   3000
#define S_OUTCOME_MS 5000

/* --- outcome ids --------------------------------------------------------- */

void web_inbox_outcome_id(int64_t now, char out[WEB_OUTCOME_ID_LEN + 1])
{
    unsigned char raw[8];
    char hex[17];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    snprintf(out, WEB_OUTCOME_ID_LEN + 1, "web-%013lld-%s", (long long)now, hex);
}

bool web_inbox_outcome_id_at(const char *id, int64_t *shown_at)
{
    int64_t t = 0;
    if (!id || strlen(id) != WEB_OUTCOME_ID_LEN || strncmp(id, "web-", 4) != 0 || id[17] != '-' ||
        strspn(id + 4, "0123456789") != 13 || strspn(id + 18, "0123456789abcdef") != 16)
        return false;
    for (size_t i = 4; i < 17; i++)
        t = t * 10 + (id[i] - '0');
    *shown_at = t;
    return true;
}

/* Adds an error for input in, its message begun with a capital (the
 * hub's and outcome_check's messages begin with the field's name). */
static void s_add(ferrs_t *errs, const char *in, const char *code, const char *msg)
{
    char text[700];
    snprintf(text, sizeof text, "%s", msg);
    text[0] = (char)toupper((unsigned char)text[0]);
    ferrs_add(errs, in, code ? code : "", "%s", text);
}

/* --- a form's answers as an Outcome -------------------------------------- */

static bool s_in(const char *const *list, const char *s)
{
    for (; s && *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* A text answer, NULL when nothing but spaces was typed. */
static char *s_text(const web_req_t *q, const char *name)
{
    const char *v = web_field(q, name);
    if (!v || !v[strspn(v, " \t\r\n")])
        return NULL;
    return (char *)v;
}

static int64_t s_midnight(date_t day)
{
    char ymd[DATE_STRLEN];
    int64_t ms = 0;
    date_format(day, ymd);
    date_time_parse(ymd, &ms); /* a date alone: local midnight */
    return ms;
}

/* The day it happened (record-date) as a time: see web_inbox_outcome. */
static void s_when(const web_req_t *q, int64_t now, int64_t shown, Carerhub__Outcome *o,
                   ferrs_t *errs)
{
    const char *typed = s_text(q, "date");
    char ymd[64];
    date_t day, seen;
    if (!typed) {
        ferrs_add(errs, "record-date", "required",
                  "Write the date it happened, for example 2026-12-01");
        return;
    }
    web_form_date(typed, ymd, sizeof ymd);
    if (date_parse(ymd, &day) < 0) {
        ferrs_add(errs, "record-date", "format",
                  "The date it happened must be a real date, written as year, month and day "
                  "(2026-12-01) or day/month/year (1/12/2026)");
        return;
    }
    if (day > date_of_ms(now)) {
        ferrs_add(errs, "record-date", "future",
                  "The date it happened cannot be in the future: write today's date or an "
                  "earlier one");
        return;
    }
    seen = date_of_ms(shown);
    o->has_at = true;
    /* The same day: when the form was shown. An earlier day: the end of
     * it (after the case opened, if it opened that day). A later one (the
     * form was left open overnight): its start. */
    o->at = day == seen ? shown : day < seen ? s_midnight(day + 1) - 60000 : s_midnight(day);
}

static void s_record(const web_req_t *q, int64_t now, int64_t shown, web_outcome_t *out,
                     ferrs_t *errs)
{
    Carerhub__Outcome *o = &out->o;
    const char *status = web_field(q, "status");
    size_t n = web_fields(q, "support", (const char **)out->support, OUTCOME_SUPPORT_MAX + 1);
    bool supported = status && strcmp(status, "supported") == 0;

    if (!status || !*status)
        ferrs_add(errs, "record-status", "required", "Choose what happened");
    else if (!s_in(web_inbox_record_statuses, status))
        ferrs_add(errs, "record-status", "unknown", "Choose one of the things listed");
    o->status = (char *)status;
    if (supported && n == 0)
        ferrs_add(errs, "record-support", "required",
                  "Tick at least one kind of support you gave the carer");
    else if (status && *status && !supported && n > 0)
        ferrs_add(errs, "record-support", "not_allowed",
                  "Kinds of support go with \"Supporting the carer\" only: choose that, or untick "
                  "them");
    o->n_support = n;
    o->support = out->support;
    /* A reason chosen for another status is not sent: radios cannot be
     * unticked, and the hint says it is only for closing. */
    if (status && strcmp(status, "closed") == 0) {
        o->reason = s_text(q, "closed_reason");
        if (!o->reason)
            ferrs_add(errs, "record-closed_reason", "required", "Choose why the case is closed");
    }
    s_when(q, now, shown, o, errs);
    o->note = s_text(q, "note");
}

static void s_pass(const web_req_t *q, web_outcome_t *out, ferrs_t *errs)
{
    out->o.status = "not_ours";
    out->o.reason = s_text(q, "reason");
    if (!out->o.reason)
        ferrs_add(errs, "pass-reason", "required",
                  "Write why the case is not your organisation's to support");
    out->o.to = s_text(q, "to"); /* none: triage decides */
}

static void s_assign(const web_req_t *q, web_outcome_t *out, ferrs_t *errs)
{
    out->o.status = "assign";
    out->o.to = s_text(q, "to");
    if (!out->o.to)
        ferrs_add(errs, "assign-to", "required", "Choose the organisation to assign the case to");
    out->o.reason = s_text(q, "reason");
}

const char *web_inbox_input_of(web_inbox_form_t form, const char *field)
{
    static const char *const map[][3] = {
        {"status", "record-status", NULL},
        {"support", "record-support", NULL},
        {"reason", "record-closed_reason", "pass-reason"},
        {"at", "record-date", NULL},
        {"note", "record-note", NULL},
        {"to", NULL, "pass-to"},
    };
    for (size_t i = 0; field && i < sizeof map / sizeof *map; i++) {
        if (strcmp(field, map[i][0]) != 0)
            continue;
        if (form == WEB_INBOX_RECORD)
            return map[i][1];
        if (form == WEB_INBOX_PASS)
            return map[i][2];
        if (form == WEB_INBOX_ASSIGN && strcmp(field, "to") == 0)
            return "assign-to";
        if (form == WEB_INBOX_ASSIGN && strcmp(field, "reason") == 0)
            return "assign-reason";
    }
    return NULL;
}

int web_inbox_outcome(const web_req_t *q, const char *case_id, int64_t now, web_outcome_t *out,
                      ferrs_t *errs)
{
    const char *form = web_field(q, "form"), *id = web_field(q, "outcome_id");
    size_t before = errs->n;
    ferrs_t more = FERRS_INIT;
    int64_t shown;

    memset(out, 0, sizeof *out);
    carerhub__outcome__init(&out->o);
    snprintf(out->case_id, sizeof out->case_id, "%s", case_id ? case_id : "");
    out->o.case_id = out->case_id;
    /* An id from the future is not one this daemon made: a new one. */
    if (web_inbox_outcome_id_at(id, &shown) && shown <= now) {
        snprintf(out->id, sizeof out->id, "%s", id);
    } else {
        web_inbox_outcome_id(now, out->id);
        shown = now;
    }
    out->o.outcome_id = out->id;
    if (form && strcmp(form, "record") == 0) {
        out->form = WEB_INBOX_RECORD;
        s_record(q, now, shown, out, errs);
    } else if (form && strcmp(form, "not_ours") == 0) {
        out->form = WEB_INBOX_PASS;
        s_pass(q, out, errs);
    } else if (form && strcmp(form, "assign") == 0) {
        out->form = WEB_INBOX_ASSIGN;
        s_assign(q, out, errs);
    } else {
        ferrs_add(errs, "form", "unknown",
                  "What was sent is not one of this page's forms: reload the page and try again");
        return -1;
    }
    /* What the router would refuse, named by the input that shows it. */
    if (errs->n == before && outcome_check(&out->o, now, &more) < 0)
        for (size_t i = 0; i < more.n; i++) {
            const char *in = web_inbox_input_of(out->form, more.v[i].field);
            s_add(errs, in ? in : "form", more.v[i].code,
                  more.v[i].message ? more.v[i].message : "it is not right");
        }
    ferrs_free(&more);
    return errs->n == before ? 0 : -1;
}

/* --- asking for the case, and sending what happened ---------------------- */

static const char s_none[] = "There is no case of your organisation with that number. Check "
                             "the number, or find the case in your open cases.";

/* A case's page on its way: what it waits for the hub with. */
typedef struct {
    char case_id[CASE_ID_MAX + 1];
    web_inbox_forms_t forms; /* forms.errs is errs */
    ferrs_t errs;
    char status[24]; /* the status sent, for the notice */
} s_case_t;

static s_case_t *s_case_new(const char *id, int64_t now)
{
    s_case_t *c = xcalloc(1, sizeof *c);
    snprintf(c->case_id, sizeof c->case_id, "%s", id);
    for (int i = 0; i < WEB_INBOX_NFORMS; i++)
        web_inbox_outcome_id(now, c->forms.ids[i]);
    c->forms.errs = &c->errs;
    return c;
}

static void s_case_free(void *p)
{
    s_case_t *c = p;
    ferrs_free(&c->errs);
    free(c);
}

static bool s_is_error(const Carerhub__Envelope *rep, const char *code)
{
    return rep && rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
           strcmp(rep->error->code, code) == 0;
}

static void s_unanswered(web_resp_t *r, const web_req_t *q, const Carerhub__Envelope *rep)
{
    if (s_is_error(rep, "forbidden"))
        web_error_page(r, q, 403,
                       "The hub does not show cases to this account. Ask the hub's operator to "
                       "check it.");
    else
        web_error_page(r, q, 503,
                       "The hub cannot be reached now. Nothing is lost: try again in a few "
                       "minutes.");
}

/* The form sent, alone, when the hub did not answer: sent again, it is
 * recorded once (the same outcome id). */
static void s_alone(web_t *w, const web_req_t *q, web_resp_t *r, s_case_t *c)
{
    buf_t *b = &r->body;
    char title[CASE_ID_MAX + 16];
    r->status = 503;
    snprintf(title, sizeof title, "Error: Case %s", c->case_id);
    web_page_begin(b, q, title);
    buf_adds(b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\">\n<h2>It may not "
                "have been recorded</h2>\n<p>The hub could not be reached. Your answers are kept "
                "below: send them again in a few minutes. However often they are sent, they are "
                "recorded once.</p>\n</div>\n");
    web_htmlf(b, "<h1>Case <span class=\"nowrap\">%s</span></h1>\n", c->case_id);
    web_inbox_forms(b, w, q, c->case_id, NULL, &c->forms);
    web_htmlf(b, "<p><a href=\"/inbox/%s\">Back to the case</a></p>\n", c->case_id);
    web_page_end(b);
}

/* The router's answer to the CaseQuery (rep; NULL: none in time). */
static void s_shown(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                    void *ctx)
{
    s_case_t *c = ctx;
    const Carerhub__CaseReply *cr =
        rep && rep->body_case == CARERHUB__ENVELOPE__BODY_CASE_REPLY ? rep->case_reply : NULL;
    r->personal = true;
    if (s_is_error(rep, "not_found") || s_is_error(rep, "bad_request"))
        web_error_page(r, q, 404, s_none);
    else if (cr && cr->case_ && cr->case_->case_id)
        web_inbox_case_page(w, q, r, cr, &c->forms);
    else if (c->forms.has_posted && !s_is_error(rep, "forbidden"))
        s_alone(w, q, r, c);
    else
        s_unanswered(r, q, rep);
}

static void s_ask(web_t *w, const web_req_t *q, web_resp_t *r, s_case_t *c)
{
    Carerhub__CaseQuery cq = CARERHUB__CASE_QUERY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    cq.case_id = c->case_id;
    env.body_case = CARERHUB__ENVELOPE__BODY_CASE_QUERY;
    env.case_query = &cq;
    web_call(w, q, r, WEB_TO_ROUTER, &env, S_QUERY_MS, s_shown, c, s_case_free);
}

/* Recorded (or recorded before): where the case worker goes now, and the
 * notice that waits there for their session (web_notice_put: never in the
 * address, where a link could forge it). */
static void s_done(web_t *w, web_resp_t *r, const web_req_t *q, const s_case_t *c,
                   const Carerhub__OutcomeResult *res)
{
    const char *to = res->provider, *name;
    if (c->forms.posted == WEB_INBOX_RECORD) {
        snprintf(r->location, sizeof r->location, "/inbox/%s", c->case_id);
        web_notice_put(q, r->location, false, "Recorded: %s", web_inbox_status_done(c->status));
        return;
    }
    snprintf(r->location, sizeof r->location, "/inbox");
    name = to && route_id_ok(to) && strcmp(to, q->user->org) != 0 ? web_inbox_provider_name(w, to)
                                                                  : NULL;
    if (name)
        web_notice_put(q, r->location, false,
                       "Case %s has gone to %s. It is no longer with your organisation.",
                       c->case_id, name);
    else
        web_notice_put(q, r->location, false, "Case %s is no longer with your organisation.",
                       c->case_id);
}

/* The router's answer to the OutcomeReport (rep; NULL: none in time). */
static void s_recorded(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                       void *ctx)
{
    s_case_t *c = ctx;
    const Carerhub__OutcomeResult *res =
        rep && rep->body_case == CARERHUB__ENVELOPE__BODY_OUTCOME_REPLY &&
                rep->outcome_reply->n_results == 1
            ? rep->outcome_reply->results[0]
            : NULL;
    const char *in;

    r->personal = true;
    if (s_is_error(rep, "forbidden")) {
        web_error_page(r, q, 403,
                       "The hub does not take outcomes from this account. Ask the hub's operator "
                       "to check it.");
        return;
    }
    if (!res || !res->has_result || res->result == CARERHUB__OUTCOME_RESULT__RESULT__UNAVAILABLE) {
        s_alone(w, q, r, c);
        return;
    }
    if (res->result != CARERHUB__OUTCOME_RESULT__RESULT__REFUSED) {
        s_done(w, r, q, c, res);
        return;
    }
    /* A case that is not the organisation's (any more) is refused on
     * case_id: it is asked for again like any refusal, so that the router
     * audits the attempt with its case id and its answer, not_found, is
     * the same 404 page as a GET's. */
    if (res->field && strcmp(res->field, "outcome_id") == 0 && res->code &&
        strcmp(res->code, "id_reused") == 0) {
        /* The first answers sent with this form were recorded; these are
         * another outcome, recorded only if the user sends them again. */
        web_inbox_outcome_id(clock_now_ms(), c->forms.ids[c->forms.posted]);
        ferrs_add(&c->errs, "form", "reused",
                  "This form was sent before with other answers, which were recorded. To record "
                  "these answers as well, send the form again.");
    } else {
        in = web_inbox_input_of(c->forms.posted, res->field);
        s_add(&c->errs, in ? in : "form", res->code,
              res->message ? res->message : "it could not be recorded");
    }
    s_ask(w, q, r, c);
}

static void s_send(web_t *w, const web_req_t *q, web_resp_t *r, s_case_t *c)
{
    Carerhub__OutcomeReport rep = CARERHUB__OUTCOME_REPORT__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    web_outcome_t out;
    Carerhub__Outcome *os[1] = {&out.o};
    int64_t now = clock_now_ms();

    c->forms.has_posted = true;
    if (web_inbox_outcome(q, c->case_id, now, &out, &c->errs) < 0) {
        c->forms.posted = out.form;
        snprintf(c->forms.ids[out.form], sizeof c->forms.ids[out.form], "%s", out.id);
        s_ask(w, q, r, c); /* the page again, with the errors */
        return;
    }
    c->forms.posted = out.form;
    snprintf(c->forms.ids[out.form], sizeof c->forms.ids[out.form], "%s", out.id);
    snprintf(c->status, sizeof c->status, "%s", out.o.status);
    rep.n_outcomes = 1;
    rep.outcomes = os;
    env.body_case = CARERHUB__ENVELOPE__BODY_OUTCOME_REPORT;
    env.outcome_report = &rep;
    web_call(w, q, r, WEB_TO_ROUTER, &env, S_OUTCOME_MS, s_recorded, c, s_case_free);
}

void web_inbox_case(web_t *w, const web_req_t *q, web_resp_t *r)
{
    const char *id = strncmp(q->path, "/inbox/", 7) == 0 ? q->path + 7 : NULL;
    if (!q->user || q->user->role != ROLE_PROVIDER) {
        web_error_page(r, q, 403, "Only the accounts of support organisations have cases.");
        return;
    }
    r->personal = true;
    if (!id || !case_id_ok(id)) {
        web_error_page(r, q, 404, s_none);
        return;
    }
    if (q->post)
        s_send(w, q, r, s_case_new(id, clock_now_ms()));
    else
        s_ask(w, q, r, s_case_new(id, clock_now_ms()));
}
