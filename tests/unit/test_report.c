/*
 * Unit tests of lib/report: replies built here, with figures worked out by
 * hand, read back the way their readers do: the JSON with jansson, the CSV
 * line by line, the page as text a browser is given, the terminal text as
 * a commissioner sees it. The escaping of names in each form and the
 * figures' own formatting; suppression under publish is
 * test_report_publish.c's.
 */
#include "test.h"

#include "report/report_impl.h"
#include "report_sample.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST(report_json_has_every_key_with_the_figures)
{
    static const char *const keys[] = {"area",
                                       "published",
                                       "generated_at",
                                       "period",
                                       "programme_start",
                                       "referrals",
                                       "carers_referred",
                                       "carers_contacted",
                                       "carers_supported",
                                       "carers_supported_since_start",
                                       "targets",
                                       "path",
                                       "time_to_first_contact",
                                       "urgent_discharges",
                                       "by_provider",
                                       "by_source",
                                       "by_authority",
                                       "by_month",
                                       "referrers",
                                       "gone_quiet",
                                       "quiet_days",
                                       "young_carers",
                                       "discharges",
                                       "by_hours",
                                       "by_priority",
                                       "by_work",
                                       "requests",
                                       "equality",
                                       "by_area"};
    report_sample_t s;
    json_t *j;

    report_sample(&s);
    j = report_sample_json(&s, false);
    CHECK(j);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!json_object_get(j, keys[i]))
            test_fail(__FILE__, __LINE__, "no key %s", keys[i]);
    CHECK(!test_failed());
    CHECK_INT(json_object_size(j), sizeof keys / sizeof *keys);
    CHECK_JSTR(j, "area", "Essex");
    CHECK(json_is_false(report_sample_at(j, "published")));
    CHECK_JSTR(j, "generated_at", "2026-12-01T15:40:00Z");
    CHECK_JSTR(j, "period.from", "2026-09-01");
    CHECK_JSTR(j, "period.to", "2026-12-01");
    CHECK_JINT(j, "referrals", 10);
    CHECK_JINT(j, "carers_referred", 8);
    CHECK_JINT(j, "carers_contacted", 6);
    CHECK_JINT(j, "carers_supported_since_start", 4);
    CHECK_JINT(j, "targets.0.carers", 4150);
    CHECK(json_is_true(report_sample_at(j, "targets.0.due")) &&
          json_is_false(report_sample_at(j, "targets.0.on_track")));
    CHECK_JINT(j, "targets.0.needed_per_month", 0);
    CHECK_JSTR(j, "targets.1.date", "2027-04-01");
    CHECK_JINT(j, "targets.1.supported_so_far", 4);
    CHECK_JINT(j, "targets.1.expected_by_now", 10468);
    CHECK_JINT(j, "targets.1.needed_per_month", 3124);
    CHECK_JINT(j, "path.referred", 8);
    CHECK_JINT(j, "path.unable_to_contact", 1);
    CHECK_JINT(j, "path.within_target", 5);
    /* reached = 1 contacted + 4 supported + 1 declined = 6: 6/8, then 4/6 */
    CHECK_JREAL(j, "path.conversion.contacted", 0.75);
    CHECK_JREAL(j, "path.conversion.supported", 0.667);
    CHECK_JINT(j, "time_to_first_contact.median_hours", 20);
    CHECK_JINT(j, "time_to_first_contact.p90_hours", 50);
    CHECK_JINT(j, "urgent_discharges.referred", 2);
    CHECK_JREAL(j, "urgent_discharges.share", 0.5);
    /* the provider with nothing in it is left out: afc, then "<b>&" */
    CHECK_INT(json_array_size(report_sample_at(j, "by_provider")), 2);
    CHECK_JSTR(j, "by_provider.0.id", "afc");
    CHECK_JSTR(j, "by_provider.0.name", "Action for Family Carers");
    CHECK_JINT(j, "by_provider.0.path.referred", 5);
    CHECK_JINT(j, "by_provider.0.supported", 1);
    CHECK_JINT(j, "by_provider.0.time_to_first_contact.p90_hours", 30);
    CHECK_JSTR(j, "by_provider.1.name", "<b>&");
    CHECK_JSTR(j, "by_source.0.id", "gp");
    CHECK_JSTR(j, "by_source.0.name", "GP practices");
    CHECK_JSTR(j, "by_source.1.name", "Hospital discharge");
    CHECK_JINT(j, "by_source.0.referrals", 6);
    CHECK_JSTR(j, "by_authority.0.code", "E07000070");
    CHECK_JSTR(j, "by_authority.0.name", "Chelmsford");
    CHECK_JINT(j, "by_authority.0.supported", 2);
    CHECK_INT(json_array_size(report_sample_at(j, "by_month")), 4);
    CHECK_JSTR(j, "by_month.2.month", "2026-11");
    CHECK_JINT(j, "by_month.2.referrals", 3);
    CHECK_JINT(j, "by_month.2.carers_supported_since_start", 4);
    CHECK_JSTR(j, "referrers.0.code", "F81001");
    CHECK_JSTR(j, "referrers.0.source", "gp");
    CHECK_JINT(j, "referrers.0.referrals", 3);
    CHECK_JSTR(j, "referrers.0.last_referral", "2026-11-30");
    CHECK_JNULL(j, "gone_quiet.0.name");
    CHECK_JINT(j, "gone_quiet.0.referrals_before", 4);
    CHECK_JINT(j, "quiet_days", 90);
    CHECK_JINT(j, "young_carers.referred", 1);
    CHECK_JINT(j, "young_carers.transitions", 0);
    CHECK_JINT(j, "discharges.carer_consulted", 1);
    CHECK_JREAL(j, "discharges.share", 0.5);
done:
    json_decref(j);
}

TEST(report_csv_is_one_long_table)
{
    report_sample_t s;
    char *csv, *pub;

    report_sample(&s);
    csv = report_sample_render(report_csv, &s, false);
    pub = report_sample_render(report_csv, &s, true);
    CHECK(strncmp(csv, "section,key,name,measure,value\n", 31) == 0);
    CHECK_CONTAINS(csv, "\nsummary,,,referrals,10\n");
    CHECK_CONTAINS(csv, "\nsummary,,,carers_supported,4\n");
    CHECK_CONTAINS(csv, "\ntarget,2025-04-01,,supported_so_far,4\n");
    CHECK_CONTAINS(csv, "\ntarget,2027-04-01,,needed_per_month,3124\n");
    CHECK_CONTAINS(csv, "\npath,,,referred,8\n");
    CHECK_CONTAINS(csv, "\npath,,,conversion_supported,0.667\n");
    CHECK_CONTAINS(csv, "\nby_provider,afc,Action for Family Carers,supported,1\n");
    CHECK(!strstr(csv, "Nothing Here"));
    CHECK_CONTAINS(csv, "\nby_source,gp,GP practices,referrals,6\n");
    CHECK_CONTAINS(csv, "\nby_month,2026-11,,referrals,3\n");
    /* a spreadsheet must not run a referrer's name; a comma is quoted */
    CHECK_CONTAINS(csv, "\nreferrers,gp/F81001,'=cmd,referrals,3\n");
    CHECK(!strstr(csv, ",=cmd"));
    CHECK_CONTAINS(csv, "\nreferrers,discharge/RQ8,\"Broomfield, Chelmsford\",referrals,5\n");
    CHECK_CONTAINS(csv, "\ngone_quiet,gp/F81002,,last_referral,2026-06-01\n");
    CHECK_CONTAINS(pub, "\npath,,,supported,<5\n");
    CHECK_CONTAINS(pub, "\nreferrers,gp/F81001,'=cmd,referrals,<5\n");
    CHECK_CONTAINS(pub, "\nurgent_discharges,,,share,\n");
    CHECK_CONTAINS(pub, "\nsummary,,,referrals,10\n");
    free(csv);
    free(pub);
}

TEST(report_html_is_one_page_with_nothing_from_outside)
{
    report_sample_t s;
    char *page, *pub;

    report_sample(&s);
    page = report_sample_render(report_html, &s, false);
    pub = report_sample_render(report_html, &s, true);
    CHECK(strncmp(page, "<!DOCTYPE html>", 15) == 0);
    CHECK_CONTAINS(page, "<html lang=\"en-GB\">");
    CHECK_CONTAINS(page, "<title>Carers supported in Essex: 1 September 2026 to 1 December 2026");
    /* no address of anything outside the page, no script */
    CHECK(!strstr(page, "http") && !strstr(page, "//") && !strstr(page, "<script"));
    CHECK(!strstr(pub, "http") && !strstr(pub, "//") && !strstr(pub, "<script"));
    CHECK(!strstr(page, "url(") && !strstr(page, "@import") && !strstr(page, "src="));
    /* one chart each: progress, path, time to contact; each an image with
     * a title and a description */
    CHECK_INT(report_sample_count_of(page, "<svg"), 3);
    CHECK_INT(report_sample_count_of(page, "<svg viewBox"),
              report_sample_count_of(page, "role=\"img\""));
    CHECK_INT(report_sample_count_of(page, "<desc"), 3);
    CHECK_INT(report_sample_count_of(page, "<table>"), report_sample_count_of(page, "<caption"));
    CHECK(report_sample_count_of(page, "<th scope=\"col\"") > 10);
    CHECK_CONTAINS(page, "&lt;b&gt;&amp;");
    CHECK(!strstr(page, "<b>&"));
    CHECK_CONTAINS(page, "12,500 by 1 April 2027");
    CHECK(!strstr(page, "&lt;5"));
    CHECK_CONTAINS(pub, "Counts below 5 are shown &quot;&lt;5&quot;");
    CHECK_CONTAINS(pub, "Stages with fewer than 5 carers are not drawn.");
    CHECK_CONTAINS(pub, "Months with fewer than 5 carers so far are not drawn.");
    free(page);
    free(pub);
}

TEST(report_text_shows_each_target)
{
    report_sample_t s;
    char *text, *pub;

    report_sample(&s);
    s.prov[0]->name = "Carers\x1b[2J First";
    text = report_sample_render(report_text, &s, false);
    pub = report_sample_render(report_text, &s, true);
    CHECK_CONTAINS(text, "4,150 by 1 April 2025: 4 so far; missed");
    CHECK_CONTAINS(text, "12,500 by 1 April 2027: 4 so far; behind: 3,124 a month needed");
    CHECK_CONTAINS(text, "reached (contacted, supported or declined), of those referred: 75.0%");
    CHECK_CONTAINS(text, "median 20 h, 90th percentile 50 h");
    CHECK_CONTAINS(text, "GP practices");
    CHECK_CONTAINS(text, "Chelmsford (E07000070)");
    /* a name cannot clear the terminal */
    CHECK(!strchr(text, '\x1b'));
    CHECK_CONTAINS(text, "Carers\\x1b[2J First");
    CHECK_CONTAINS(pub, "12,500 by 1 April 2027: <5 so far; behind: the rate needed is suppressed");
    CHECK_CONTAINS(pub, "supported, of those reached: suppressed");
    free(text);
    free(pub);
}

TEST(report_html_txt_escapes_every_byte)
{
    for (int c = 1; c < 256; c++) {
        char in[2] = {(char)c, 0};
        buf_t b = BUF_INIT;
        report_html_txt(&b, in);
        if (c == '&' || c == '<' || c == '>' || c == '"' || c == '\'')
            CHECK(b.data[0] == '&' && b.data[b.len - 1] == ';' && b.len > 2);
        else if (c < 0x20 || c >= 0x7f)
            CHECK_STR(b.data, "\xef\xbf\xbd"); /* controls, bytes alone outside ASCII */
        else
            CHECK_STR(b.data, in);
        buf_free(&b);
    }
    buf_t b = BUF_INIT;
    report_html_txt(&b, "Si\xc3\xa2n <b>&\"'\xe2\x80\xae\xc3");
    CHECK_STR(b.data, "Si\xc3\xa2n &lt;b&gt;&amp;&quot;&#39;\xef\xbf\xbd\xef\xbf\xbd");
    buf_free(&b);
}

TEST(report_figures_as_written)
{
    char f[REPORT_FIG_MAX];
    Carerhub__ReportTarget t = CARERHUB__REPORT_TARGET__INIT;
    double v;
    uint64_t n;

    CHECK_STR(report_count(f, 0, false, true), "0");
    CHECK_STR(report_count(f, 999, false, true), "999");
    CHECK_STR(report_count(f, 1000, false, true), "1,000");
    CHECK_STR(report_count(f, 1234567, false, true), "1,234,567");
    CHECK_STR(report_count(f, 1234567, false, false), "1234567");
    CHECK_STR(report_count(f, 4, true, true), "<5");
    CHECK_STR(report_count(f, 0, true, true), "<5");
    CHECK_STR(report_count(f, 5, true, true), "5");
    CHECK(report_share(2, 3, false, &v) && v == 0.667);
    CHECK(!report_share(1, 0, false, &v));
    CHECK(!report_share(4, 10, true, &v) && !report_share(10, 4, true, &v));
    CHECK(report_share(5, 10, true, &v) && v == 0.5);
    CHECK_STR(report_hours_text(f, 71), "71 h");
    CHECK_STR(report_hours_text(f, 96), "4 days");
    t.supported_so_far = 100, t.needed_per_month = 172.2;
    CHECK(report_needed(&t, true, &n) && n == 173);
    t.needed_per_month = 172.0;
    CHECK(report_needed(&t, false, &n) && n == 172);
    CHECK_STR(report_date(f, "2027-04-01"), "1 April 2027");
    CHECK_STR(report_date(f, "2026-11"), "November 2026");
    CHECK_STR(report_date(f, "2026-02-30"), "2026-02-30");
}

/* A table with no rows says so in words, as the terminal does; one
 * contact is "1 contact", and "<5" still reads as several. */
TEST(report_says_none_and_one_in_words)
{
    report_sample_t s;
    char *page, *text, *pub;

    report_sample(&s);
    s.rep.n_gone_quiet = 0;
    s.tfc = report_sample_times(1, 20, 20);
    s.rep.carers_referred = 1;
    page = report_sample_render(report_html, &s, false);
    text = report_sample_render(report_text, &s, false);
    pub = report_sample_render(report_html, &s, true);
    CHECK_CONTAINS(page, ">Referrers gone quiet</span></caption><thead><tr><th scope=\"col\">"
                         "Organisation</th><th scope=\"col\" class=\"n\">Source</th><th "
                         "scope=\"col\" class=\"n\">Code</th><th scope=\"col\" class=\"n\">"
                         "Referrals before</th><th scope=\"col\" class=\"n\">Last referral</th>"
                         "</tr></thead><tbody><tr><td colspan=\"5\">None</td></tr></tbody>");
    /* the tables with rows say no "None" */
    CHECK_INT(report_sample_count_of(page, ">None<"), 1);
    CHECK_CONTAINS(page, "<p>1 first contact in the period,");
    CHECK_CONTAINS(pub, "<p>&lt;5 first contacts in the period,");
    CHECK_CONTAINS(text, "Time to first contact: 1 contact in the period; median 20 h");
    CHECK_CONTAINS(text, "Referrals received: 10, for 1 carer; ");
    CHECK_CONTAINS(text, "Gone quiet: referred before, none in the last 90 days\n  none\n");
    free(page);
    free(text);
    free(pub);
}

/* Every source the hub takes referrals from has its name in a report. */
TEST(report_names_every_source)
{
    static const char *const keys[] = {"gp", "discharge", "school", "self", "professional"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        CHECK(report_source_name(keys[i]) != NULL);
    CHECK_STR(report_source_name("professional"), "Other professionals");
}
