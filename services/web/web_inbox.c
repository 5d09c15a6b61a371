/*
 * A charity's open cases, for its case workers (provider users): /inbox
 * lists them as the router orders them (overdue first, the earliest
 * contact-by target first, then the newest), each a link to its page
 * (web_inbox_case.c); /inbox.csv gives the same list as a file for a
 * spreadsheet. Both are one CasesQuery of the router on behalf of the
 * user, so that the hub decides whose cases they are and audits each view,
 * and each export as an export (CasesQuery.export). Codes are shown in
 * words (the tables here serve the case page too); "overdue" is written,
 * never shown by colour alone. A CSV cell a spreadsheet would run as a
 * formula is written so that it never is.
 */
#include "web_inbox.h"

#include "domain/route.h"

#include <stdio.h>
#include <string.h>

#define S_QUERY_MS 3000
#define S_SHOWN    500  /* cases listed on the page */
#define S_CSV_MAX  2000 /* and in the CSV: the most the router lists (CasesQuery.limit) */

/* --- words --------------------------------------------------------------- */

typedef struct {
    const char *code, *words;
} s_words_t;

static const char *s_lookup(const s_words_t *t, const char *code)
{
    for (; code && t->code; t++)
        if (strcmp(t->code, code) == 0)
            return t->words;
    return code ? code : "";
}

const char *web_inbox_state_words(const char *state)
{
    static const s_words_t t[] = {
        {OUTCOME_DELIVERED, "New: not yet accepted"},
        {"accepted", "Accepted"},
        {"contact_attempted", "Tried to contact the carer"},
        {"contacted", "Contacted"},
        {"supported", "Being supported"},
        {"declined", "The carer declined support"},
        {"unable_to_contact", "Could not contact the carer"},
        {"closed", "Closed"},
        {NULL, NULL},
    };
    return s_lookup(t, state && *state ? state : OUTCOME_DELIVERED);
}

const char *web_inbox_status_words(const char *status)
{
    static const s_words_t t[] = {
        {"accepted", "Accepted: we will contact the carer"},
        {"contact_attempted", "Tried to contact the carer, without reaching them yet"},
        {"contacted", "Contacted the carer"},
        {"supported", "Supporting the carer"},
        {"declined", "The carer declined support"},
        {"unable_to_contact", "Could not contact the carer"},
        {"closed", "Closing the case"},
        {"not_ours", "Passed back: not ours"},
        {"assign", "Assigned to an organisation"},
        {NULL, NULL},
    };
    return s_lookup(t, status);
}

const char *web_inbox_status_done(const char *status)
{
    static const s_words_t t[] = {
        {"accepted", "accepted"},   {"contact_attempted", "contact attempted"},
        {"contacted", "contacted"}, {"supported", "supported"},
        {"declined", "declined"},   {"unable_to_contact", "unable to contact"},
        {"closed", "closed"},       {NULL, NULL},
    };
    return s_lookup(t, status);
}

const char *web_inbox_support_words(const char *kind)
{
    static const s_words_t t[] = {
        {"information_advice", "Information and advice"},
        {"practical_support", "Practical support"},
        {"brief_intervention", "Brief intervention (counselling, coaching, mediation)"},
        {"peer_support", "Peer support"},
        {"wellbeing_grant", "Wellbeing grant"},
        {"break", "A break from caring"},
        {"emergency_plan", "Emergency plan"},
        {"benefits_check", "Benefits check"},
        {"carers_assessment", "Carer's assessment"},
        {"digital_offer", "Digital offer"},
        {"other", "Other support"},
        {NULL, NULL},
    };
    return s_lookup(t, kind);
}

const char *web_inbox_close_words(const char *reason)
{
    static const s_words_t t[] = {
        {"support_complete", "Support complete"},
        {"no_longer_caring", "No longer caring"},
        {"bereaved", "Bereaved"},
        {"moved_away", "Moved away"},
        {"declined", "The carer declined support"},
        {"unable_to_contact", "Could not contact the carer"},
        {"other", "Another reason"},
        /* Closed by the hub, not by an organisation. */
        {"joined", "Joined with another case of the same carer"},
        {"cancelled", "Every referral of it was cancelled"},
        {NULL, NULL},
    };
    return s_lookup(t, reason);
}

const char *web_inbox_source_words(Carerhub__Source src)
{
    switch (src) {
    case CARERHUB__SOURCE__GP:
        return "GP practice";
    case CARERHUB__SOURCE__DISCHARGE:
        return "Hospital discharge";
    case CARERHUB__SOURCE__SCHOOL:
        return "School";
    case CARERHUB__SOURCE__SELF:
        return "The carer themselves";
    default:
        return "Not known";
    }
}

const char *web_inbox_event_words(const char *event)
{
    static const s_words_t t[] = {
        {"accepted", "Accepted"},
        {"contact_attempted", "Tried to contact the carer"},
        {"contacted", "Contacted the carer"},
        {"supported", "Supporting the carer"},
        {"declined", "The carer declined support"},
        {"unable_to_contact", "Could not contact the carer"},
        {"closed", "Closed"},
        {"not_ours", "Passed back: not theirs"},
        {"assign", "Assigned"},
        {"transferred", "Moved"},
        {"cancelled", "A referral was cancelled by its referrer"},
        {NULL, NULL},
    };
    return s_lookup(t, event);
}

const char *web_inbox_moved_words(const char *why)
{
    static const s_words_t t[] = {
        {"moved", "the carer's address is in another organisation's area"},
        {"turned_18", "the carer turned 18"},
        {"not_ours", "passed back"},
        {"assigned", "assigned by triage"},
        {"rerouted", "the routing rules now send the carer here"},
        {NULL, NULL},
    };
    return s_lookup(t, why);
}

void web_inbox_day(buf_t *b, date_t day)
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    web_htmlf(b, "%d %s %d", d, months[(m - 1) % 12], y);
}

/* A date written YYYY-MM-DD, as a person reads it (as it is, if it is not
 * one). */
static void s_ymd(buf_t *b, const char *ymd)
{
    date_t day;
    if (ymd && date_parse(ymd, &day) == 0)
        web_inbox_day(b, day);
    else
        web_htmlf(b, "%s", ymd ? ymd : "");
}

/* --- CSV ----------------------------------------------------------------- */

void web_csv_cell(buf_t *b, const char *s)
{
    bool formula = s && s[0] && strchr("=+-@\t\r", s[0]);
    bool quote = s && strpbrk(s, ",\"\r\n");
    if (!s)
        return;
    if (quote)
        buf_addc(b, '"');
    if (formula)
        buf_addc(b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            buf_addc(b, '"');
        buf_addc(b, *p);
    }
    if (quote)
        buf_addc(b, '"');
}

static void s_csv_row(buf_t *b, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_addc(b, ',');
        web_csv_cell(b, cells[i]);
    }
    buf_adds(b, "\r\n");
}

void web_inbox_csv(buf_t *b, const Carerhub__CasesReply *cs)
{
    /* The column names are an interface: spreadsheets are built on them. */
    static const char *const head[] = {
        "case_id",     "state",  "opened",      "contact_by",
        "overdue",     "urgent", "young_carer", "identity_conflict",
        "transferred", "source", "carer_name",  "postcode",
        "referrals",
    };
    enum { N = sizeof head / sizeof *head };
    s_csv_row(b, head, N);
    for (size_t i = 0; i < cs->n_cases; i++) {
        const Carerhub__CaseSummary *s = cs->cases[i];
        char opened[DATE_STRLEN] = "", referrals[16] = "";
        const char *cells[N];
        if (s->has_opened_at)
            date_format(date_of_ms(s->opened_at), opened);
        if (s->has_referrals)
            snprintf(referrals, sizeof referrals, "%u", s->referrals);
        cells[0] = s->case_id;
        cells[1] = s->state;
        cells[2] = opened;
        cells[3] = s->contact_by;
        cells[4] = s->overdue ? "yes" : "no";
        cells[5] = s->urgent ? "yes" : "no";
        cells[6] = s->young_carer ? "yes" : "no";
        cells[7] = s->identity_conflict ? "yes" : "no";
        cells[8] = s->transferred ? "yes" : "no";
        cells[9] = s->has_source ? referral_source_name(s->source) : NULL;
        cells[10] = s->carer_name;
        cells[11] = s->postcode;
        cells[12] = referrals;
        s_csv_row(b, cells, N);
    }
}

/* --- the pages ----------------------------------------------------------- */

static bool s_is_error(const Carerhub__Envelope *rep, const char *code)
{
    return rep && rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
           strcmp(rep->error->code, code) == 0;
}

/* A reply that is neither the list nor an answer at all. */
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

static void s_tags(buf_t *b, const Carerhub__CaseSummary *s)
{
    if (s->urgent)
        buf_adds(b, "<strong class=\"tag tag-urgent\">Urgent</strong> ");
    if (s->young_carer)
        buf_adds(b, "<strong class=\"tag\">Young carer</strong> ");
    if (s->identity_conflict)
        buf_adds(b, "<strong class=\"tag tag-urgent\">Identity conflict</strong> ");
    if (s->transferred)
        buf_adds(b, "<strong class=\"tag\">Transferred</strong> ");
}

static void s_row(buf_t *b, const Carerhub__CaseSummary *s)
{
    /* A case id is C- and digits (the router's): safe in a URL. */
    const char *id = s->case_id && case_id_ok(s->case_id) ? s->case_id : NULL;
    if (id)
        web_htmlf(b, "<tr>\n<td class=\"nowrap\"><a href=\"/inbox/%s\">%s</a></td>\n", id, id);
    else
        web_htmlf(b, "<tr>\n<td>%s</td>\n", s->case_id ? s->case_id : "");
    web_htmlf(b, "<td>%s</td>\n<td>%s</td>\n<td>%s</td>\n<td>", s->carer_name ? s->carer_name : "",
              s->postcode ? s->postcode : "", web_inbox_state_words(s->state));
    if (s->has_opened_at)
        web_inbox_day(b, date_of_ms(s->opened_at));
    buf_adds(b, "</td>\n<td>");
    if (s->contact_by)
        s_ymd(b, s->contact_by);
    if (s->overdue)
        buf_adds(b, " <strong class=\"tag tag-overdue\">Overdue</strong>");
    buf_adds(b, "</td>\n<td>");
    s_tags(b, s);
    buf_adds(b, "</td>\n</tr>\n");
}

static void s_table(buf_t *b, const Carerhub__CasesReply *cs, size_t n)
{
    buf_adds(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
                "aria-label=\"Open cases\">\n<table>\n<caption class=\"visually-hidden\">Open "
                "cases, overdue first, then the newest</caption>\n<thead>\n<tr>"
                "<th scope=\"col\">Case</th><th scope=\"col\">Carer</th>"
                "<th scope=\"col\">Postcode</th><th scope=\"col\">Where it stands</th>"
                "<th scope=\"col\">Opened</th><th scope=\"col\">Contact by</th>"
                "<th scope=\"col\">Flags</th></tr>\n</thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++)
        s_row(b, cs->cases[i]);
    buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

/* The notice of a case that has just left the organisation, waiting for
 * this session since the POST that moved it (web_notice_take). */
static void s_moved_notice(buf_t *b, const web_req_t *q)
{
    char text[640];
    if (!web_notice_take(q, "/inbox", NULL, text, sizeof text))
        return;
    web_htmlf(b, "<div class=\"panel\" role=\"status\">\n<p><strong>%s</strong></p>\n</div>\n",
              text);
}

static void s_listed(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                     void *ctx)
{
    const char *org = q->user->org, *name = web_inbox_provider_name(w, org);
    const Carerhub__CasesReply *cs;
    buf_t *b = &r->body;
    size_t n;

    r->personal = true;
    if (!rep || rep->body_case != CARERHUB__ENVELOPE__BODY_CASES_REPLY) {
        s_unanswered(r, q, rep);
        return;
    }
    cs = rep->cases_reply;
    n = cs->n_cases < S_SHOWN ? cs->n_cases : S_SHOWN;
    web_page_begin(b, q, "Open cases");
    s_moved_notice(b, q);
    web_htmlf(b,
              "<h1>Open cases</h1>\n<p>The cases with %s now: overdue first, then the "
              "newest.</p>\n",
              name ? name : org);
    web_htmlf(b, "<p><strong>%u open case%s</strong>", cs->total, cs->total == 1 ? "" : "s");
    if (cs->total > n)
        web_htmlf(b, ": the first %zu are listed here, and the download has %s.", n,
                  cs->total > S_CSV_MAX ? "the first 2000" : "them all");
    buf_adds(b, "</p>\n");
    if (n)
        s_table(b, cs, n);
    else
        buf_adds(b, "<p>There are no open cases with your organisation.</p>\n");
    buf_adds(b, "<p><a href=\"/inbox.csv\" download>Download open cases (CSV)</a></p>\n");
    web_page_end(b);
}

static void s_exported(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                       void *ctx)
{
    char today[DATE_STRLEN];
    r->personal = true;
    if (!rep || rep->body_case != CARERHUB__ENVELOPE__BODY_CASES_REPLY) {
        s_unanswered(r, q, rep);
        return;
    }
    date_format(date_today(), today);
    web_inbox_csv(&r->body, rep->cases_reply);
    r->type = "text/csv; charset=utf-8";
    /* An organisation's id is lower-case letters, digits and '-'
     * (route_id_ok, checked when the account was made): safe in a header. */
    snprintf(r->filename, sizeof r->filename, "open-cases-%s-%s.csv",
             route_id_ok(q->user->org) ? q->user->org : "provider", today);
}

void web_inbox(web_t *w, const web_req_t *q, web_resp_t *r)
{
    Carerhub__CasesQuery cq = CARERHUB__CASES_QUERY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    bool csv = strcmp(q->path, "/inbox.csv") == 0;

    if (!q->user || q->user->role != ROLE_PROVIDER) {
        web_error_page(r, q, 403, "Only the accounts of support organisations have cases.");
        return;
    }
    r->personal = true;
    if (!csv && strcmp(q->path, "/inbox") != 0) {
        web_error_page(r, q, 404, "There is no such page.");
        return;
    }
    if (csv) {
        cq.has_export = cq.export = true;
    } else {
        cq.has_limit = true;
        cq.limit = S_SHOWN;
    }
    env.body_case = CARERHUB__ENVELOPE__BODY_CASES_QUERY;
    env.cases_query = &cq;
    web_call(w, q, r, WEB_TO_ROUTER, &env, S_QUERY_MS, csv ? s_exported : s_listed, NULL, NULL);
}
