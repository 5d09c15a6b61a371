/*
 * The commissioners' report in the site: /report shows the report of a
 * period inside the site's layout, as lib/report writes its body (the
 * headings, the tables with their captions, the SVG charts with their
 * titles and descriptions: the same code as `carerhub report --html`),
 * with a period picker (a GET form: from, to, and publish, which shows
 * every count under 5 as "<5") and a link to /report.csv, the same CSV as
 * `carerhub report --csv` for that period. Both ask the router for the
 * logged-in commissioner or operator (ReportQuery, one call that does
 * not wait: web_call). The router checks the period; its refusal names
 * the field ("from: ..."), and is shown beside that field with the error
 * summary above. /report.css is lib/report's style of the body. Counts
 * only, no one's details; not public all the same, so never cached, as no
 * page here is.
 */
#include "web.h"

#include "report/report.h"
#include "util/date.h"

#include <stdio.h>
#include <string.h>

/* The router reads the whole report table for a report: allow it time. */
#define S_REPORT_MS 30000

/* A date field as asked: NULL when left empty (the router's default). */
static const char *s_date_field(const web_req_t *q, const char *name)
{
    const char *v = web_field(q, name);
    return v && *v ? v : NULL;
}

static bool s_publish(const web_req_t *q)
{
    const char *v = web_field(q, "publish");
    return v && *v && strcmp(v, "0") != 0;
}

/* Asks the router for the report of the request's period; then runs
 * with the answer. */
static void s_ask(web_t *w, const web_req_t *q, web_resp_t *r, web_then_fn then)
{
    Carerhub__ReportQuery rq = CARERHUB__REPORT_QUERY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    rq.from = (char *)s_date_field(q, "from");
    rq.to = (char *)s_date_field(q, "to");
    env.body_case = CARERHUB__ENVELOPE__BODY_REPORT_QUERY;
    env.report_query = &rq;
    web_call(w, q, r, WEB_TO_ROUTER, &env, S_REPORT_MS, then, NULL, NULL);
}

/* The router's refusal of the period (bad_request), or NULL. */
static const char *s_refusal(const Carerhub__Envelope *rep)
{
    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
        strcmp(rep->error->code, "bad_request") == 0)
        return rep->error->message ? rep->error->message : "the period is not right";
    return NULL;
}

/* Neither a report nor a refusal of the period. */
static void s_unanswered(web_resp_t *r, const web_req_t *q, const Carerhub__Envelope *rep)
{
    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
        strcmp(rep->error->code, "forbidden") == 0)
        web_error_page(r, q, 403,
                       "The hub does not give reports to this account. Ask the hub's operator "
                       "to check it.");
    else
        web_error_page(r, q, 503,
                       "The hub cannot be reached now, so the report cannot be made. Try again "
                       "in a few minutes.");
}

/* --- the period picker ------------------------------------------------- */

/* What the picker shows: each field's value, and the field the router's
 * refusal names with its message for a person. */
typedef struct {
    const char *from, *to;
    bool publish;
    const char *error_field; /* "from", "to" or NULL */
    char error[300];
    /* The period shown (YYYY-MM-DD each, checked), for the CSV link; "" when none. */
    char shown_from[DATE_STRLEN], shown_to[DATE_STRLEN];
} s_picker_t;

/* The router's refusal "from: ..." or "to: ..." as the field it names and
 * the words beside it ("From: ..."); a refusal naming neither is put
 * beside from, the period's first field. */
static void s_refused_field(s_picker_t *p, const char *msg)
{
    if (strncmp(msg, "to: ", 4) == 0) {
        p->error_field = "to";
        snprintf(p->error, sizeof p->error, "To: %s", msg + 4);
    } else {
        p->error_field = "from";
        snprintf(p->error, sizeof p->error, "From: %s", strncmp(msg, "from: ", 6) ? msg : msg + 6);
    }
}

static void s_date_input(buf_t *b, const s_picker_t *p, const char *id, const char *label,
                         const char *hint, const char *value)
{
    bool err = p->error_field && strcmp(p->error_field, id) == 0;
    web_htmlf(b,
              "<div class=\"form-group%s\">\n<label for=\"%s\">%s</label>\n"
              "<span class=\"hint\" id=\"%s-hint\">%s</span>\n",
              err ? " form-group-error" : "", id, label, id, hint);
    if (err)
        web_htmlf(b,
                  "<span class=\"error-message\" id=\"%s-error\"><span "
                  "class=\"visually-hidden\">Error:</span> %s</span>\n",
                  id, p->error);
    web_htmlf(b,
              "<input type=\"text\" id=\"%s\" name=\"%s\" value=\"%s\" "
              "autocomplete=\"off\" spellcheck=\"false\"",
              id, id, value ? value : "");
    if (err)
        web_htmlf(b, " class=\"input-error\" aria-describedby=\"%s-hint %s-error\">\n</div>\n", id,
                  id);
    else
        web_htmlf(b, " aria-describedby=\"%s-hint\">\n</div>\n", id);
}

/* The form (lib/report's `between`: after the report's h1 and the
 * paragraph naming the period), and the link to this period's CSV. */
static void s_picker(buf_t *b, void *ctx)
{
    const s_picker_t *p = ctx;
    buf_adds(b, "<form method=\"get\" action=\"/report\" novalidate>\n<fieldset>\n"
                "<legend>Choose the period</legend>\n");
    s_date_input(b, p, "from", "From",
                 "The period's first day, written year-month-day, for example 2026-04-01. Leave "
                 "it empty to start when the programme started.",
                 p->from);
    s_date_input(b, p, "to", "To",
                 "The period's last day, written the same way. Leave it empty to end today.",
                 p->to);
    web_htmlf(b,
              "<div class=\"form-group checkboxes\">\n<div><input type=\"checkbox\" id=\"publish\" "
              "name=\"publish\" value=\"1\"%s aria-describedby=\"publish-hint\"><label "
              "for=\"publish\">Publish view: counts under 5 shown as &lt;5</label></div>\n"
              "<span class=\"hint\" id=\"publish-hint\">For figures that will leave the hub, as "
              "NHS and ONS statistics do.</span>\n</div>\n",
              p->publish ? " checked" : "");
    buf_adds(b, "</fieldset>\n<button type=\"submit\" class=\"button\">Show the report</button>\n"
                "</form>\n");
    /* Dates the router gave and date_parse took: digits and hyphens, safe
     * in a URL as they are. */
    if (p->shown_from[0] && p->shown_to[0])
        web_htmlf(b,
                  "<p><a href=\"/report.csv?from=%s&amp;to=%s&amp;publish=%s\">Download CSV</a> "
                  "of this report%s: its figures as one long table, for a spreadsheet.</p>\n",
                  p->shown_from, p->shown_to, p->publish ? "1" : "0",
                  p->publish ? " (publish view)" : "");
}

/* A date of the reply, checked, into out ("" if it is not one). */
static void s_checked_date(const char *s, char out[DATE_STRLEN])
{
    date_t d;
    out[0] = '\0';
    if (s && date_parse(s, &d) == 0)
        date_format(d, out);
}

/* --- /report ------------------------------------------------------------ */

static void s_report_page(web_resp_t *r, const web_req_t *q, const Carerhub__ReportReply *rep)
{
    s_picker_t p = {0};
    char title[80];
    buf_t *b = &r->body;

    p.publish = s_publish(q);
    s_checked_date(rep->from, p.shown_from);
    s_checked_date(rep->to, p.shown_to);
    /* The picker shows the period the report is of, its defaults filled in. */
    p.from = p.shown_from;
    p.to = p.shown_to;
    if (p.shown_from[0] && p.shown_to[0])
        snprintf(title, sizeof title, "Report: %s to %s", p.shown_from, p.shown_to);
    else
        snprintf(title, sizeof title, "Report");
    web_page_begin(b, q, title);
    /* The body's own style (tables, charts), after the site's: a
     * stylesheet link may stand in the body. */
    buf_adds(b, "<link rel=\"stylesheet\" href=\"/report.css\">\n");
    report_html_body(b, rep, p.publish, s_picker, &p);
    web_page_end(b);
}

/* The period refused: the picker with what was typed, the error summary
 * linking to the field and the router's words beside it. */
static void s_period_page(web_resp_t *r, const web_req_t *q, const char *msg)
{
    s_picker_t p = {0};
    buf_t *b = &r->body;

    p.from = web_field(q, "from");
    p.to = web_field(q, "to");
    p.publish = s_publish(q);
    s_refused_field(&p, msg);
    web_page_begin(b, q, "Error: Report");
    web_htmlf(b,
              "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" "
              "tabindex=\"-1\">\n<h2 id=\"error-summary-title\">There is a problem</h2>\n<ul>\n"
              "<li><a href=\"#%s\">%s</a></li>\n</ul>\n</div>\n",
              p.error_field, p.error);
    buf_adds(b, "<h1>Report</h1>\n<p>Correct the period to see its report.</p>\n");
    s_picker(b, &p);
    web_page_end(b);
}

static void s_shown(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                    void *ctx)
{
    const char *refused = s_refusal(rep);
    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_REPORT_REPLY && rep->report_reply)
        s_report_page(r, q, rep->report_reply);
    else if (refused)
        s_period_page(r, q, refused);
    else
        s_unanswered(r, q, rep);
}

void web_report(web_t *w, const web_req_t *q, web_resp_t *r)
{
    s_ask(w, q, r, s_shown);
}

/* --- /report.csv ---------------------------------------------------------- */

static void s_csv(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                  void *ctx)
{
    const char *refused = s_refusal(rep);
    char from[DATE_STRLEN], to[DATE_STRLEN], why[400];
    bool publish = s_publish(q);

    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_REPORT_REPLY && rep->report_reply) {
        report_csv(&r->body, rep->report_reply, publish);
        r->type = "text/csv; charset=utf-8";
        s_checked_date(rep->report_reply->from, from);
        s_checked_date(rep->report_reply->to, to);
        snprintf(r->filename, sizeof r->filename, "carers-report-%s-to-%s%s.csv",
                 from[0] ? from : "start", to[0] ? to : "today", publish ? "-published" : "");
    } else if (refused) {
        snprintf(why, sizeof why,
                 "The period of this download is not right (%s). Go to the report, choose the "
                 "period again, and download it from there.",
                 refused);
        web_error_page(r, q, 400, why);
    } else {
        s_unanswered(r, q, rep);
    }
}

void web_report_csv(web_t *w, const web_req_t *q, web_resp_t *r)
{
    s_ask(w, q, r, s_csv);
}

void web_report_css(web_t *w, const web_req_t *q, web_resp_t *r)
{
    buf_adds(&r->body, report_css);
    r->type = "text/css; charset=utf-8";
}
