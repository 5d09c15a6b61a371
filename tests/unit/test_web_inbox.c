/*
 * Unit tests of the case worker's pages of carerhub-web (web_inbox*.c):
 * CSV cells a spreadsheet never runs as formulas, quoted as RFC 4180 has
 * it; the CSV's header and rows; a form's answers as the Outcome sent
 * (statuses, kinds of support, reasons, the day it happened as a time that
 * is the same however often the form is sent, pass back, assign) and the
 * errors by input in words; every status, state, kind of support and
 * reason in words; the case page's forms, what was typed kept, values
 * escaped; and the navigation of a provider's user.
 */
#include "test.h"

#include "util/mem.h"
#include "web/web_impl.h"
#include "web/web_inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *s_cell(const char *s)
{
    buf_t b = BUF_INIT;
    web_csv_cell(&b, s);
    buf_addc(&b, '\0');
    return buf_take(&b);
}

TEST(web_csv_cell_guards_formulas_and_quotes)
{
    /* What each cell must become, by hand: a ' before a leading = + - @
     * TAB CR; quotes around a cell with , " CR LF, its quotes doubled. */
    static const char *const cases[][2] = {
        {"Jane Smith", "Jane Smith"},
        {"", ""},
        {"=1+1", "'=1+1"},
        {"+44 7700 900123", "'+44 7700 900123"},
        {"-2", "'-2"},
        {"@SUM(A1:A2)", "'@SUM(A1:A2)"},
        {"\tx", "'\tx"},
        {"\r=1", "\"'\r=1\""},
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
        {"Smith, Jane", "\"Smith, Jane\""},
        {"O\"Neill", "\"O\"\"Neill\""},
        {"1 High St\nChelmsford", "\"1 High St\nChelmsford\""},
        {"a=b", "a=b"},
        {"O'Neill", "O'Neill"},
        {"Siân", "Siân"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = s_cell(cases[i][0]);
        if (strcmp(got, cases[i][1]) != 0) {
            test_fail(__FILE__, __LINE__, "cell [%s] became [%s], expected [%s]", cases[i][0], got,
                      cases[i][1]);
            free(got);
            return;
        }
        free(got);
    }
    /* Every byte a cell may begin with, worked out here from the rules. */
    for (int c = 1; c < 128; c++) {
        char in[3] = {(char)c, 'x', 0}, want[8], *got;
        const char *guard = strchr("=+-@\t\r", c) ? "'" : "";
        if (c == '"')
            snprintf(want, sizeof want, "\"\"\"x\"");
        else if (strchr(",\r\n", c))
            snprintf(want, sizeof want, "\"%s%cx\"", guard, c);
        else
            snprintf(want, sizeof want, "%s%cx", guard, c);
        got = s_cell(in);
        if (strcmp(got, want) != 0) {
            test_fail(__FILE__, __LINE__, "byte %d at the start: [%s], expected [%s]", c, got,
                      want);
            free(got);
            return;
        }
        free(got);
    }
    {
        char *none = s_cell(NULL);
        CHECK_STR(none, "");
        free(none);
    }
}

TEST(web_inbox_csv_header_and_rows)
{
    Carerhub__CaseSummary a = CARERHUB__CASE_SUMMARY__INIT, b = CARERHUB__CASE_SUMMARY__INIT;
    Carerhub__CaseSummary *list[] = {&a, &b};
    Carerhub__CasesReply cs = CARERHUB__CASES_REPLY__INIT;
    buf_t out = BUF_INIT;
    struct tm tm = {.tm_year = 126, .tm_mon = 11, .tm_mday = 1, .tm_hour = 10, .tm_isdst = -1};

    a.case_id = "C-000002";
    a.state = "contacted";
    a.has_opened_at = true;
    a.opened_at = (int64_t)mktime(&tm) * 1000;
    a.has_overdue = a.has_urgent = true;
    a.urgent = true;
    a.has_source = true;
    a.source = CARERHUB__SOURCE__DISCHARGE;
    a.carer_name = "=cmd|' /C calc'!A0";
    a.postcode = "CM2 0AA";
    a.has_referrals = true;
    a.referrals = 2;
    b.case_id = "C-000001";
    b.state = "delivered";
    b.contact_by = "2026-12-03";
    b.has_overdue = true;
    b.overdue = true;
    b.carer_name = "Smith, Jane";
    cs.cases = list;
    cs.n_cases = 2;
    web_inbox_csv(&out, &cs);
    buf_addc(&out, '\0');
    CHECK_STR(out.data,
              "case_id,state,opened,contact_by,overdue,urgent,young_carer,identity_conflict,"
              "transferred,source,carer_name,postcode,referrals\r\n"
              "C-000002,contacted,2026-12-01,,no,yes,no,no,no,discharge,'=cmd|' /C "
              "calc'!A0,CM2 0AA,2\r\n"
              "C-000001,delivered,,2026-12-03,yes,no,no,no,no,,\"Smith, Jane\",,\r\n");
    buf_free(&out);
}

/* --- a form's answers as an Outcome ---------------------------------------- */

/* A POSTed form: NULL-terminated name, value pairs. */
typedef struct {
    const char *names[32], *values[32];
    web_req_t q;
} s_form_t;

static void s_form(s_form_t *f, const char *const *pairs)
{
    size_t n = 0;
    memset(f, 0, sizeof *f);
    for (; pairs[2 * n]; n++) {
        f->names[n] = pairs[2 * n];
        f->values[n] = pairs[2 * n + 1];
    }
    f->q.post = true;
    f->q.path = "/inbox/C-000001";
    f->q.nfields = n;
    f->q.names = f->names;
    f->q.values = f->values;
}

/* Local time on a day, in unix ms, worked out by the C library. */
static int64_t s_local(int y, int m, int d, int hh, int mm)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = m - 1,
                    .tm_mday = d,
                    .tm_hour = hh,
                    .tm_min = mm,
                    .tm_isdst = -1};
    return (int64_t)mktime(&tm) * 1000;
}

/* The answers' outcome and errors, read on 15 June 2026 at 14:00 from a
 * form shown at 13:30 with outcome id `id`. */
static int s_read(const char *const *pairs, web_outcome_t *out, ferrs_t *errs)
{
    s_form_t f;
    s_form(&f, pairs);
    return web_inbox_outcome(&f.q, "C-000001", s_local(2026, 6, 15, 14, 0), out, errs);
}

static char s_id[WEB_OUTCOME_ID_LEN + 1];

static const char *s_shown_id(void)
{
    web_inbox_outcome_id(s_local(2026, 6, 15, 13, 30), s_id);
    return s_id;
}

static bool s_err(const ferrs_t *e, const char *input, const char *words)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].field, input) == 0 && strstr(e->v[i].message, words))
            return true;
    return false;
}

TEST(web_inbox_outcome_ids_carry_when_shown)
{
    char a[WEB_OUTCOME_ID_LEN + 1], b[WEB_OUTCOME_ID_LEN + 1];
    int64_t t = 0, shown = s_local(2026, 6, 15, 13, 30);
    web_inbox_outcome_id(shown, a);
    web_inbox_outcome_id(shown, b);
    CHECK_INT(strlen(a), WEB_OUTCOME_ID_LEN);
    CHECK(outcome_id_ok(a));
    CHECK(strcmp(a, b) != 0); /* two forms shown at once: two outcomes */
    CHECK(web_inbox_outcome_id_at(a, &t));
    CHECK_INT(t, shown);
    CHECK(!web_inbox_outcome_id_at("web-1", &t));
    CHECK(!web_inbox_outcome_id_at("cli-0123456789abcdef01234567", &t));
    CHECK(!web_inbox_outcome_id_at(NULL, &t));
}

TEST(web_inbox_record_form_makes_its_outcome)
{
    const char *id = s_shown_id();
    const char *contacted[] = {
        "csrf",          "x",          "form",   "record",
        "outcome_id",    id,           "status", "contacted",
        "date",          "2026-06-15", "note",   "rang back, wants a carers assessment",
        "closed_reason", "bereaved",   NULL};
    const char *supported[] = {"form",      "record",    "outcome_id", id,        "status",
                               "supported", "support",   "break",      "support", "benefits_check",
                               "date",      "15/6/2026", NULL};
    web_outcome_t out;
    ferrs_t errs = FERRS_INIT;

    CHECK_INT(s_read(contacted, &out, &errs), 0);
    CHECK_INT(out.form, WEB_INBOX_RECORD);
    CHECK_STR(out.o.outcome_id, id);
    CHECK_STR(out.o.case_id, "C-000001");
    CHECK_STR(out.o.status, "contacted");
    CHECK(out.o.has_at);
    CHECK_INT(out.o.at, s_local(2026, 6, 15, 13, 30)); /* today: when the form was shown */
    CHECK_STR(out.o.note, "rang back, wants a carers assessment");
    CHECK(out.o.reason == NULL); /* a reason to close goes with closing only */
    CHECK_INT(out.o.n_support, 0);

    CHECK_INT(s_read(supported, &out, &errs), 0);
    CHECK_STR(out.o.status, "supported");
    CHECK_INT(out.o.n_support, 2);
    CHECK_STR(out.o.support[0], "break");
    CHECK_STR(out.o.support[1], "benefits_check");
    CHECK_INT(out.o.at, s_local(2026, 6, 15, 13, 30)); /* day/month/year is read */
    CHECK(out.o.note == NULL);
    CHECK_INT(errs.n, 0);
}

TEST(web_inbox_record_form_same_answers_same_outcome)
{
    const char *id = s_shown_id();
    const char *yesterday[] = {"form",      "record", "outcome_id", id,  "status",
                               "contacted", "date",   "2026-06-14", NULL};
    web_outcome_t a, b;
    ferrs_t errs = FERRS_INIT;
    s_form_t f;
    uint8_t pa[512], pb[512];
    size_t na, nb;

    CHECK_INT(s_read(yesterday, &a, &errs), 0);
    CHECK_INT(a.o.at, s_local(2026, 6, 14, 23, 59)); /* an earlier day: its end */
    /* Sent again an hour later (a resend after a timeout): the same. */
    s_form(&f, yesterday);
    CHECK_INT(web_inbox_outcome(&f.q, "C-000001", s_local(2026, 6, 15, 15, 0), &b, &errs), 0);
    na = carerhub__outcome__pack(&a.o, pa);
    nb = carerhub__outcome__pack(&b.o, pb);
    CHECK(na == nb && memcmp(pa, pb, na) == 0);
}

TEST(web_inbox_record_form_errors_by_input)
{
    const char *id = s_shown_id();
    char note[OUTCOME_NOTE_MAX + 2];
    const char *none[] = {"form", "record", "outcome_id", id, "date", "2026-06-15", NULL};
    const char *no_kind[] = {"form",      "record", "outcome_id", id,  "status",
                             "supported", "date",   "2026-06-15", NULL};
    const char *kind_not[] = {"form",   "record",     "outcome_id", id,
                              "status", "contacted",  "support",    "break",
                              "date",   "2026-06-15", NULL};
    const char *no_why[] = {"form",   "record", "outcome_id", id,  "status",
                            "closed", "date",   "2026-06-15", NULL};
    const char *future[] = {"form",     "record", "outcome_id", id,  "status",
                            "accepted", "date",   "2026-06-16", NULL};
    const char *no_day[] = {"form",     "record", "outcome_id", id,  "status",
                            "accepted", "date",   "2026-02-30", NULL};
    const char *empty_day[] = {"form",     "record", "outcome_id", id,  "status",
                               "accepted", "date",   " ",          NULL};
    const char *passed[] = {"form",     "record", "outcome_id", id,  "status",
                            "not_ours", "date",   "2026-06-15", NULL};
    const char *long_note[] = {"form", "record",     "outcome_id", id,   "status", "accepted",
                               "date", "2026-06-15", "note",       note, NULL};
    const char *not_form[] = {"form", "delete", "outcome_id", id, NULL};
    web_outcome_t out;
    ferrs_t e = FERRS_INIT;

#define S_REFUSED(pairs, input, words)                                                             \
    do {                                                                                           \
        ferrs_free(&e);                                                                            \
        CHECK_INT(s_read(pairs, &out, &e), -1);                                                    \
        if (!s_err(&e, input, words)) {                                                            \
            test_fail(__FILE__, __LINE__, "%s: no error at %s saying '%s' (first: %s: %s)",        \
                      #pairs, input, words, e.n ? e.v[0].field : "-",                              \
                      e.n ? e.v[0].message : "none");                                              \
            return;                                                                                \
        }                                                                                          \
    } while (0)
    S_REFUSED(none, "record-status", "Choose what happened");
    S_REFUSED(no_kind, "record-support", "Tick at least one kind of support");
    S_REFUSED(kind_not, "record-support", "go with \"Supporting the carer\" only");
    S_REFUSED(no_why, "record-closed_reason", "Choose why the case is closed");
    S_REFUSED(future, "record-date", "cannot be in the future");
    S_REFUSED(no_day, "record-date", "must be a real date");
    S_REFUSED(empty_day, "record-date", "Write the date it happened");
    S_REFUSED(passed, "record-status", "Choose one of the things listed");
    memset(note, 'a', sizeof note - 1);
    note[sizeof note - 1] = '\0';
    S_REFUSED(long_note, "record-note", "Note is too long"); /* outcome_check's, capitalised */
    S_REFUSED(not_form, "form", "not one of this page's forms");
#undef S_REFUSED
    ferrs_free(&e);
}

TEST(web_inbox_pass_back_and_assign_forms)
{
    const char *id = s_shown_id();
    const char *pass[] = {"form", "not_ours", "outcome_id",
                          id,     "reason",   "lives in Harlow: West Essex",
                          "to",   "afc",      NULL};
    const char *pass_triage[] = {"form",     "not_ours", "outcome_id", id,  "reason",
                                 "not ours", "to",       "",           NULL};
    const char *pass_no_why[] = {"form", "not_ours", "outcome_id", id, "reason", "  ", NULL};
    const char *assign[] = {"form", "assign", "outcome_id", id, "to", "ecs", NULL};
    const char *assign_none[] = {"form", "assign", "outcome_id", id, "reason", "x", NULL};
    const char *pass_bad_to[] = {"form", "not_ours", "outcome_id", id,  "reason",
                                 "x",    "to",       "Not An Id",  NULL};
    web_outcome_t out;
    ferrs_t e = FERRS_INIT;

    CHECK_INT(s_read(pass, &out, &e), 0);
    CHECK_INT(out.form, WEB_INBOX_PASS);
    CHECK_STR(out.o.status, "not_ours");
    CHECK_STR(out.o.reason, "lives in Harlow: West Essex");
    CHECK_STR(out.o.to, "afc");
    CHECK(!out.o.has_at); /* now, at the router: the same whenever it is sent */
    CHECK_INT(s_read(pass_triage, &out, &e), 0);
    CHECK(out.o.to == NULL); /* triage decides */
    CHECK_INT(s_read(assign, &out, &e), 0);
    CHECK_INT(out.form, WEB_INBOX_ASSIGN);
    CHECK_STR(out.o.status, "assign");
    CHECK_STR(out.o.to, "ecs");
    CHECK(out.o.reason == NULL);
    CHECK_INT(e.n, 0);
    CHECK_INT(s_read(pass_no_why, &out, &e), -1);
    CHECK(s_err(&e, "pass-reason", "Write why the case is not your organisation's"));
    ferrs_free(&e);
    CHECK_INT(s_read(assign_none, &out, &e), -1);
    CHECK(s_err(&e, "assign-to", "Choose the organisation"));
    ferrs_free(&e);
    CHECK_INT(s_read(pass_bad_to, &out, &e), -1);
    CHECK(s_err(&e, "pass-to", "To must be a provider id"));
    ferrs_free(&e);
}

TEST(web_inbox_outcome_id_made_when_the_form_has_none)
{
    const char *none[] = {"form", "assign", "to", "ecs", NULL};
    const char *future[] = {"form", "assign", "outcome_id", "web-9999999999999-0123456789abcdef",
                            "to",   "ecs",    NULL};
    const char *other[] = {"form", "assign", "outcome_id", "mine-1", "to", "ecs", NULL};
    const char *const *forms[] = {none, future, other};
    web_outcome_t out;
    ferrs_t e = FERRS_INIT;
    int64_t t;
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT(s_read(forms[i], &out, &e), 0);
        CHECK(web_inbox_outcome_id_at(out.o.outcome_id, &t));
        CHECK_INT(t, s_local(2026, 6, 15, 14, 0));
    }
}

TEST(web_inbox_refusals_shown_at_their_input)
{
    CHECK_STR(web_inbox_input_of(WEB_INBOX_RECORD, "status"), "record-status");
    CHECK_STR(web_inbox_input_of(WEB_INBOX_RECORD, "support"), "record-support");
    CHECK_STR(web_inbox_input_of(WEB_INBOX_RECORD, "reason"), "record-closed_reason");
    CHECK_STR(web_inbox_input_of(WEB_INBOX_RECORD, "at"), "record-date");
    CHECK_STR(web_inbox_input_of(WEB_INBOX_RECORD, "note"), "record-note");
    CHECK_STR(web_inbox_input_of(WEB_INBOX_PASS, "reason"), "pass-reason");
    CHECK_STR(web_inbox_input_of(WEB_INBOX_PASS, "to"), "pass-to");
    CHECK_STR(web_inbox_input_of(WEB_INBOX_ASSIGN, "to"), "assign-to");
    CHECK_STR(web_inbox_input_of(WEB_INBOX_ASSIGN, "reason"), "assign-reason");
    /* The summary alone: what no input of the form stands for. */
    CHECK(web_inbox_input_of(WEB_INBOX_PASS, "status") == NULL);
    CHECK(web_inbox_input_of(WEB_INBOX_RECORD, "to") == NULL);
    CHECK(web_inbox_input_of(WEB_INBOX_RECORD, "case_id") == NULL);
    CHECK(web_inbox_input_of(WEB_INBOX_ASSIGN, NULL) == NULL);
}

/* --- words ------------------------------------------------------------------- */

TEST(web_inbox_every_code_in_words)
{
    static const char *const states[] = {"delivered",         "accepted",  "contact_attempted",
                                         "contacted",         "supported", "declined",
                                         "unable_to_contact", "closed",    NULL};
    for (size_t i = 0; states[i]; i++) {
        const char *w = web_inbox_state_words(states[i]);
        CHECK(strcmp(w, states[i]) != 0 && w[0] >= 'A' && w[0] <= 'Z');
    }
    CHECK_STR(web_inbox_state_words(NULL), "New: not yet accepted");
    CHECK_STR(web_inbox_state_words("contacted"), "Contacted");
    /* Each status of outcome.h, each kind of support and reason to close:
     * a new one there with no words here fails. */
    for (size_t i = 0; outcome_statuses[i]; i++) {
        CHECK(strcmp(web_inbox_status_words(outcome_statuses[i]), outcome_statuses[i]) != 0);
        CHECK(strcmp(web_inbox_event_words(outcome_statuses[i]), outcome_statuses[i]) != 0);
    }
    for (size_t i = 0; web_inbox_record_statuses[i]; i++)
        CHECK(strchr(web_inbox_status_done(web_inbox_record_statuses[i]), '_') == NULL);
    CHECK_STR(web_inbox_status_done("contacted"), "contacted");
    CHECK_STR(web_inbox_status_done("contact_attempted"), "contact attempted");
    for (size_t i = 0; outcome_supports[i]; i++)
        CHECK(strcmp(web_inbox_support_words(outcome_supports[i]), outcome_supports[i]) != 0);
    for (size_t i = 0; outcome_close_reasons[i]; i++)
        CHECK(strcmp(web_inbox_close_words(outcome_close_reasons[i]), outcome_close_reasons[i]) !=
              0);
    CHECK_STR(web_inbox_support_words("carers_assessment"), "Carer's assessment");
    CHECK_STR(web_inbox_close_words("support_complete"), "Support complete");
    CHECK_STR(web_inbox_source_words(CARERHUB__SOURCE__DISCHARGE), "Hospital discharge");
    CHECK_STR(web_inbox_support_words("nonsense"), "nonsense");
}

TEST(web_inbox_day_in_words)
{
    buf_t b = BUF_INIT;
    web_inbox_day(&b, date_from_ymd(2026, 12, 3));
    buf_addc(&b, '\0');
    CHECK_STR(b.data, "3 December 2026");
    buf_free(&b);
}

/* --- the page ------------------------------------------------------------------ */

static web_user_t s_worker = {"p.khan", ROLE_PROVIDER, "carers-first", "TOKEN", false};

/* The page of a case that may take next (and, when assign, be assigned),
 * for the request q. */
static char *s_page(const web_req_t *q, const char *const *next, size_t nnext, bool assign,
                    const web_inbox_forms_t *f)
{
    Carerhub__Carer carer = CARERHUB__CARER__INIT;
    Carerhub__Case c = CARERHUB__CASE__INIT;
    Carerhub__CaseReply cr = CARERHUB__CASE_REPLY__INIT;
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    web_t w;
    memset(&w, 0, sizeof w);
    carer.given_name = "<b>Jane</b>";
    carer.family_name = "O'Neill";
    carer.phone = "07700 900123";
    c.case_id = "C-000001";
    c.provider = "carers-first";
    c.carer = &carer;
    c.contact_by = "2020-01-02";
    cr.case_ = &c;
    cr.state = "delivered";
    cr.next = (char **)next;
    cr.n_next = nnext;
    cr.has_can_assign = true;
    cr.can_assign = assign;
    web_inbox_case_page(&w, q, &r, &cr, f);
    buf_addc(&r.body, '\0');
    return buf_take(&r.body);
}

TEST(web_inbox_case_page_forms_by_what_may_come_next)
{
    static const char *const next[] = {"contacted", "supported", "not_ours", "closed"};
    web_inbox_forms_t f;
    web_req_t q = {0};
    char *page;

    memset(&f, 0, sizeof f);
    for (int i = 0; i < WEB_INBOX_NFORMS; i++)
        web_inbox_outcome_id(1000, f.ids[i]);
    q.path = "/inbox/C-000001";
    q.user = &s_worker;
    q.csrf = s_worker.csrf;
    page = s_page(&q, next, 4, false, &f);
    CHECK_CONTAINS(page, "<h1>Case <span class=\"nowrap\">C-000001</span></h1>");
    CHECK_CONTAINS(page, "&lt;b&gt;Jane&lt;/b&gt; O&#39;Neill");
    CHECK(strstr(page, "<b>Jane") == NULL);
    CHECK_CONTAINS(page, "<strong class=\"tag tag-overdue\">Overdue</strong>");
    CHECK_CONTAINS(page, "value=\"contacted\"><label for=\"record-status\">Contacted the carer");
    CHECK_CONTAINS(page, "name=\"status\" value=\"supported\"");
    CHECK_CONTAINS(page, "name=\"status\" value=\"closed\"");
    CHECK(strstr(page, "value=\"accepted\"") == NULL); /* not among next */
    CHECK(strstr(page, "name=\"status\" value=\"not_ours\"") == NULL);
    CHECK_CONTAINS(page, "name=\"support\" value=\"carers_assessment\"");
    CHECK_CONTAINS(page, "name=\"closed_reason\" value=\"bereaved\"");
    CHECK_CONTAINS(page, "<input type=\"hidden\" name=\"form\" value=\"not_ours\">");
    CHECK(strstr(page, "value=\"assign\"") == NULL);
    CHECK_CONTAINS(page, f.ids[WEB_INBOX_RECORD]);
    CHECK_CONTAINS(page, f.ids[WEB_INBOX_PASS]);
    CHECK_CONTAINS(page, "<input type=\"hidden\" name=\"csrf\" value=\"TOKEN\">");
    free(page);
    /* Triage: assign, not pass back. */
    page = s_page(&q, next, 4, true, &f);
    CHECK_CONTAINS(page, "<input type=\"hidden\" name=\"form\" value=\"assign\">");
    CHECK(strstr(page, "value=\"not_ours\"") == NULL);
    free(page);
}

TEST(web_inbox_case_page_keeps_what_was_typed_with_its_errors)
{
    static const char *const next[] = {"contacted", "supported", "closed"};
    const char *names[] = {"form", "status", "support", "date", "note"};
    const char *values[] = {"record", "supported", "break", "2026-06-14", "said \"<maybe>\""};
    ferrs_t errs = FERRS_INIT;
    web_inbox_forms_t f;
    web_req_t q = {0};
    char *page;

    memset(&f, 0, sizeof f);
    for (int i = 0; i < WEB_INBOX_NFORMS; i++)
        web_inbox_outcome_id(1000, f.ids[i]);
    ferrs_add(&errs, "record-date", "future", "The date it happened cannot be in the future");
    f.has_posted = true;
    f.posted = WEB_INBOX_RECORD;
    f.errs = &errs;
    q.post = true;
    q.path = "/inbox/C-000001";
    q.user = &s_worker;
    q.nfields = 5;
    q.names = names;
    q.values = values;
    page = s_page(&q, next, 3, false, &f);
    CHECK_CONTAINS(page, "<title>Error: Case C-000001 - carerhub</title>");
    CHECK_CONTAINS(page,
                   "<a href=\"#record-date\">The date it happened cannot be in the future</a>");
    CHECK_CONTAINS(page, "id=\"record-date-error\"");
    CHECK_CONTAINS(page, "aria-describedby=\"record-date-hint record-date-error\"");
    CHECK_CONTAINS(page, "value=\"2026-06-14\">");
    CHECK_CONTAINS(page, "name=\"status\" value=\"supported\" checked");
    CHECK_CONTAINS(page, "name=\"support\" value=\"break\" checked");
    CHECK_CONTAINS(page, ">said &quot;&lt;maybe&gt;&quot;</textarea>");
    /* The error summary comes before the heading. */
    CHECK(strstr(page, "error-summary") < strstr(page, "<h1>"));
    free(page);
    ferrs_free(&errs);
}

TEST(web_inbox_navigation_for_providers)
{
    web_req_t q = {0};
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    q.path = "/";
    q.user = &s_worker;
    q.csrf = s_worker.csrf;
    web_home(NULL, &q, &r);
    buf_addc(&r.body, '\0');
    CHECK_CONTAINS(r.body.data, "<li><a href=\"/inbox\">Cases</a></li>");
    CHECK_CONTAINS(r.body.data, "<h2><a href=\"/inbox\">Cases</a></h2>");
    CHECK(strstr(r.body.data, "/refer/") == NULL);
    CHECK(strstr(r.body.data, "/referrals") == NULL);
    buf_free(&r.body);
}
