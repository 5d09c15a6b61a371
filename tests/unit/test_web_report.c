/*
 * Unit tests of the commissioners' report in carerhub-web (web_report.c),
 * run as web_http.c runs a handler (web_run.h): the page as a person and
 * a screen reader meet it, a period the router refuses named at its
 * field, the CSV download; and lib/report's body (report_html_body),
 * which the standalone page and /report share.
 */
#include "test.h"

#include "report_sample.h"
#include "web_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- lib/report's body ---------------------------------------------------- */

static void s_mark(buf_t *b, void *ctx)
{
    (*(int *)ctx)++;
    buf_adds(b, "<!--between-->");
}

TEST(report_html_body_is_the_page_without_its_shell)
{
    report_sample_t s;
    buf_t body = BUF_INIT, marked = BUF_INIT;
    char *page;
    const char *at, *intro, *targets;
    int calls = 0;

    report_sample(&s);
    page = report_sample_render(report_html, &s, true);
    report_html_body(&body, &s.rep, true, NULL, NULL);
    buf_addc(&body, '\0');
    /* The file is the body in a shell: one code for both. */
    at = strstr(page, "<body><main>\n");
    CHECK(at != NULL);
    CHECK(strncmp(at + 13, body.data, body.len - 1) == 0);
    CHECK_STR(at + 13 + body.len - 1, "</main></body></html>\n");
    CHECK(!strstr(body.data, "<html") && !strstr(body.data, "<head") &&
          !strstr(body.data, "<style") && !strstr(body.data, "<body"));
    CHECK_INT(report_sample_count_of(body.data, "<h1>"), 1);
    CHECK_INT(report_sample_count_of(body.data, "<svg viewBox"), 3);
    CHECK_INT(report_sample_count_of(body.data, "role=\"img\""), 3);
    CHECK_INT(report_sample_count_of(body.data, "<title id="), 3);
    CHECK_INT(report_sample_count_of(body.data, "<table>"),
              report_sample_count_of(body.data, "<caption"));
    /* The file's style is the page's own and the body's (report_css). */
    CHECK_CONTAINS(page, report_css);

    /* between runs once, after the h1 and the period, before the figures. */
    report_html_body(&marked, &s.rep, false, s_mark, &calls);
    buf_addc(&marked, '\0');
    CHECK_INT(calls, 1);
    intro = strstr(marked.data, "holds no one&#39;s details.</p>\n<!--between-->");
    targets = strstr(marked.data, "Progress to the targets");
    CHECK(intro != NULL && targets != NULL && intro < targets);
    CHECK(strstr(marked.data, "<h1>") < intro);
    buf_free(&body);
    buf_free(&marked);
    free(page);
}

/* --- /report and /report.csv ------------------------------------------------ */

TEST(web_report_shows_the_report_in_the_site_with_its_picker)
{
    const char *names[] = {"from", "to", "publish"}, *values[] = {"2026-09-01", "", "1"};
    web_req_t q = web_run_req(&web_run_comm, false, "/report", names, values, 3);
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *asked;
    report_sample_t s;
    web_run_t run;
    const char *page;

    report_sample(&s);
    web_run_all_present(&s.rep.base);
    web_run_start(&run, web_report, &q);
    asked = web_run_asked(&run);
    CHECK(asked && asked->body_case == CARERHUB__ENVELOPE__BODY_REPORT_QUERY);
    /* Asked for the commissioner, with the period as given (an empty
     * field: the router's default). */
    CHECK_STR(asked->on_behalf->role, "commissioner");
    CHECK_STR(asked->on_behalf->user, "c.ommissioner");
    CHECK_STR(asked->report_query->from, "2026-09-01");
    CHECK(asked->report_query->to == NULL);
    carerhub__envelope__free_unpacked(asked, NULL);
    env.body_case = CARERHUB__ENVELOPE__BODY_REPORT_REPLY;
    env.report_reply = &s.rep;
    web_run_answer(&run, &env);
    page = web_run_done(&run);
    CHECK_INT(run.r.status, 200);
    CHECK_CONTAINS(page, "<title>Report: 2026-09-01 to 2026-12-01 - carerhub</title>");
    CHECK_CONTAINS(page, "<main id=\"main-content\"");
    CHECK_CONTAINS(page, "<link rel=\"stylesheet\" href=\"/report.css\">");
    CHECK_INT(web_run_count(page, "<h1"), 1);
    CHECK_CONTAINS(page, "<h1>Carers supported in Essex</h1>");
    CHECK_INT(web_run_count(page, "role=\"img\""), 3);
    CHECK_CONTAINS(page, "12,500 by 1 April 2027");
    /* publish: counts under 5 as "<5", and the box stays ticked */
    CHECK_CONTAINS(page, "&lt;5");
    CHECK_CONTAINS(page, "name=\"publish\" value=\"1\" checked");
    /* the picker shows the period the report is of, defaults filled in */
    CHECK_CONTAINS(page, "<form method=\"get\" action=\"/report\"");
    CHECK_CONTAINS(page, "id=\"from\" name=\"from\" value=\"2026-09-01\"");
    CHECK_CONTAINS(page, "id=\"to\" name=\"to\" value=\"2026-12-01\"");
    CHECK_CONTAINS(page, "<label for=\"from\">From</label>");
    CHECK_CONTAINS(page,
                   "href=\"/report.csv?from=2026-09-01&amp;to=2026-12-01&amp;publish=1\">Download "
                   "CSV</a>");
    CHECK(strstr(page, "<form method=\"get\"") < strstr(page, "Progress to the targets"));
    CHECK(strstr(page, "error-summary") == NULL);
    web_run_end(&run);
}

TEST(web_report_a_refused_period_names_its_field)
{
    static const struct {
        const char *from, *to, *message, *field, *words;
    } cases[] = {
        {"2026-13-01", "", "from: \"2026-13-01\" is not a date (YYYY-MM-DD)", "from",
         "From: &quot;2026-13-01&quot; is not a date (YYYY-MM-DD)"},
        {"", "tomorrow<", "to: \"tomorrow<\" is not a date (YYYY-MM-DD)", "to",
         "To: &quot;tomorrow&lt;&quot; is not a date (YYYY-MM-DD)"},
        {"2026-05-01", "2026-04-01",
         "from: the period's first day (2026-05-01) is after its last (2026-04-01)", "from",
         "From: the period&#39;s first day (2026-05-01) is after its last (2026-04-01)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *names[] = {"from", "to"}, *values[] = {cases[i].from, cases[i].to};
        web_req_t q = web_run_req(&web_run_comm, false, "/report", names, values, 2);
        Carerhub__Envelope env = web_run_error("bad_request", cases[i].message);
        char want[300];
        web_run_t run;
        const char *page;

        web_run_start(&run, web_report, &q);
        web_run_answer(&run, &env);
        page = web_run_done(&run);
        CHECK_CONTAINS(page, "<title>Error: Report - carerhub</title>");
        /* the summary links to the field, the words stand beside it too */
        snprintf(want, sizeof want, "<li><a href=\"#%s\">%s</a></li>", cases[i].field,
                 cases[i].words);
        CHECK_CONTAINS(page, want);
        snprintf(want, sizeof want,
                 "<span class=\"error-message\" id=\"%s-error\"><span "
                 "class=\"visually-hidden\">Error:</span> %s</span>",
                 cases[i].field, cases[i].words);
        CHECK_CONTAINS(page, want);
        snprintf(want, sizeof want, "class=\"input-error\" aria-describedby=\"%s-hint %s-error\"",
                 cases[i].field, cases[i].field);
        CHECK_CONTAINS(page, want);
        CHECK_INT(web_run_count(page, "class=\"error-message\""), 1);
        /* what was typed is kept, escaped; no report, no download */
        CHECK(strstr(page, "Download CSV") == NULL && strstr(page, "<svg") == NULL);
        if (i == 1)
            CHECK_CONTAINS(page, "value=\"tomorrow&lt;\"");
        web_run_end(&run);
    }
}

TEST(web_report_csv_is_the_reports_csv_as_a_download)
{
    const char *names[] = {"from", "to", "publish"}, *values[] = {"2026-09-01", "2026-12-01", "1"};
    web_req_t q = web_run_req(&web_run_op, false, "/report.csv", names, values, 3);
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    report_sample_t s;
    web_run_t run;
    char *csv;

    report_sample(&s);
    web_run_all_present(&s.rep.base);
    csv = report_sample_render(report_csv, &s, true);
    web_run_start(&run, web_report_csv, &q);
    CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY_REPORT_QUERY);
    env.body_case = CARERHUB__ENVELOPE__BODY_REPORT_REPLY;
    env.report_reply = &s.rep;
    web_run_answer(&run, &env);
    CHECK_STR(web_run_done(&run), csv);
    CHECK_STR(run.r.type, "text/csv; charset=utf-8");
    CHECK_STR(run.r.filename, "carers-report-2026-09-01-to-2026-12-01-published.csv");
    /* the publish view it asked for, every section */
    CHECK_CONTAINS(csv, "\nsummary,,,referrals,10\n");
    CHECK_CONTAINS(csv, "\nsummary,,,carers_supported,<5\n");
    CHECK_CONTAINS(csv, "\nby_provider,afc,Action for Family Carers,path_referred,5\n");
    web_run_end(&run);
    free(csv);

    /* No answer: the page says so, and nothing is offered to save. */
    web_run_start(&run, web_report_csv, &q);
    web_run_answer(&run, NULL);
    web_run_done(&run);
    CHECK_INT(run.r.status, 503);
    CHECK_STR(run.r.filename, "");
    CHECK(run.r.type == NULL);
    web_run_end(&run);
}
