/*
 * Unit tests of lib/report: replies built here, with figures worked out by
 * hand, read back the way their readers do: the JSON with jansson, the CSV
 * line by line, the page as text a browser is given, the terminal text as
 * a commissioner sees it. Suppression under publish, the escaping of names
 * in each form and the figures' own formatting.
 */
#include "test.h"

#include "report/report_impl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2026-12-01T15:40:00Z */
#define S_GENERATED ((int64_t)1796139600 * 1000)

/* A reply and everything it points to, in one place the test owns. */
typedef struct {
    Carerhub__ReportReply rep;
    Carerhub__ReportTarget t[2], *tp[2];
    Carerhub__ReportPath path, rp[8];
    Carerhub__ReportTimeliness tfc, rt[4];
    Carerhub__ReportRow row[16];
    Carerhub__ReportRow *prov[3], *src[2], *auth[1], *month[4], *refs[2], *quiet[1];
} s_sample_t;

static Carerhub__ReportPath s_path(uint64_t referred, uint64_t waiting, uint64_t contacted,
                                   uint64_t supported, uint64_t declined, uint64_t unable)
{
    Carerhub__ReportPath p = CARERHUB__REPORT_PATH__INIT;
    p.referred = referred;
    p.waiting = waiting;
    p.contacted = contacted;
    p.supported = supported;
    p.declined = declined;
    p.unable_to_contact = unable;
    return p;
}

static Carerhub__ReportTimeliness s_times(uint64_t contacts, unsigned median, unsigned p90)
{
    Carerhub__ReportTimeliness t = CARERHUB__REPORT_TIMELINESS__INIT;
    t.contacts = contacts;
    t.median_hours = median;
    t.p90_hours = p90;
    return t;
}

static Carerhub__ReportRow *s_row(s_sample_t *s, size_t i, const char *key, const char *name)
{
    Carerhub__ReportRow *r = &s->row[i];
    *r = (Carerhub__ReportRow)CARERHUB__REPORT_ROW__INIT;
    r->key = (char *)key;
    r->name = (char *)name;
    return r;
}

/* The reply of report-json.md's example, over September to 1 December
 * 2026, with a referrer named "=cmd" and a provider named "<b>&". */
static void s_sample(s_sample_t *s)
{
    Carerhub__ReportReply *rep = &s->rep;
    Carerhub__ReportRow *r;

    memset(s, 0, sizeof *s);
    *rep = (Carerhub__ReportReply)CARERHUB__REPORT_REPLY__INIT;
    rep->area = "Essex";
    rep->from = "2026-09-01";
    rep->to = "2026-12-01";
    rep->programme_start = "2024-04-01";
    rep->generated_at = S_GENERATED;
    rep->referrals = 10;
    rep->carers_referred = 8;
    rep->carers_contacted = 6;
    rep->carers_supported = 4;
    rep->carers_supported_since_start = 4;
    for (int i = 0; i < 2; i++) {
        s->t[i] = (Carerhub__ReportTarget)CARERHUB__REPORT_TARGET__INIT;
        s->tp[i] = &s->t[i];
        s->t[i].supported_so_far = 4;
    }
    s->t[0].date = "2025-04-01", s->t[0].carers = 4150, s->t[0].expected_by_now = 4150;
    s->t[0].due = true;
    /* (12,500 - 4) carers in the 4 months to April 2027: 3,124 a month */
    s->t[1].date = "2027-04-01", s->t[1].carers = 12500, s->t[1].expected_by_now = 10468;
    s->t[1].needed_per_month = 3124.0;
    rep->n_targets = 2, rep->targets = s->tp;
    s->path = s_path(8, 1, 1, 4, 1, 1);
    s->path.within_target = 5, s->path.urgent = 2, s->path.urgent_within_target = 1;
    s->path.young = 1;
    rep->path = &s->path;
    s->tfc = s_times(6, 20, 50);
    rep->first_contact = &s->tfc;

    r = s->prov[0] = s_row(s, 0, "afc", "Action for Family Carers");
    s->rp[0] = s_path(5, 1, 1, 2, 1, 0), r->path = &s->rp[0];
    r->contacted = 2, r->supported = 1;
    s->rt[0] = s_times(2, 10, 30), r->first_contact = &s->rt[0];
    s->prov[1] = s_row(s, 1, "empty", "Nothing Here"); /* left out */
    r = s->prov[2] = s_row(s, 2, "odd", "<b>&");
    s->rp[1] = s_path(3, 0, 0, 2, 0, 1), r->path = &s->rp[1];
    s->rt[1] = s_times(4, 30, 100), r->first_contact = &s->rt[1];
    r->contacted = 4, r->supported = 3;
    rep->by_provider = s->prov, rep->n_by_provider = 3;

    r = s->src[0] = s_row(s, 3, "gp", NULL);
    s->rp[2] = s_path(6, 1, 1, 3, 1, 0), r->path = &s->rp[2];
    r->referrals = 6, r->contacted = 4, r->supported = 3;
    s->rt[2] = s_times(4, 18, 40), r->first_contact = &s->rt[2];
    r = s->src[1] = s_row(s, 4, "discharge", NULL);
    s->rp[3] = s_path(2, 0, 0, 1, 0, 1), r->path = &s->rp[3];
    r->referrals = 4, r->contacted = 2, r->supported = 1;
    rep->by_source = s->src, rep->n_by_source = 2;

    r = s->auth[0] = s_row(s, 5, "E07000070", "Chelmsford");
    s->rp[4] = s_path(4, 0, 1, 2, 1, 0), r->path = &s->rp[4];
    r->supported = 2;
    rep->by_authority = s->auth, rep->n_by_authority = 1;

    static const char *const months[] = {"2026-09", "2026-10", "2026-11", "2026-12"};
    static const uint64_t since[] = {1, 2, 4, 4};
    for (size_t i = 0; i < 4; i++) {
        r = s->month[i] = s_row(s, 6 + i, months[i], NULL);
        r->carers_supported_since_start = since[i];
    }
    r = s->month[2];
    s->rp[5] = s_path(3, 1, 0, 1, 1, 0), r->path = &s->rp[5];
    r->referrals = 3, r->contacted = 2, r->supported = 1;
    rep->by_month = s->month, rep->n_by_month = 4;

    r = s->refs[0] = s_row(s, 10, "F81001", "=cmd");
    r->source = "gp", r->referrals = 3, r->last_referral = "2026-11-30";
    r = s->refs[1] = s_row(s, 11, "RQ8", "Broomfield, Chelmsford");
    r->source = "discharge", r->referrals = 5, r->last_referral = "2026-11-02";
    rep->referrers = s->refs, rep->n_referrers = 2;
    r = s->quiet[0] = s_row(s, 12, "F81002", NULL);
    r->source = "gp", r->last_referral = "2026-06-01", r->referrals_before = 4;
    rep->gone_quiet = s->quiet, rep->n_gone_quiet = 1;
    rep->quiet_days = 90;
    rep->transitions = 0;
    rep->discharges = 2;
    rep->discharges_consulted = 1;
}

static json_t *s_json(const s_sample_t *s, bool publish)
{
    buf_t b = BUF_INIT;
    json_t *j;
    report_json(&b, &s->rep, publish);
    j = json_loads(b.data, 0, NULL);
    buf_free(&b);
    return j;
}

/* The value at a path of object keys and array indexes ("path.referred",
 * "targets.1.carers"). */
static json_t *s_at(json_t *j, const char *path)
{
    char buf[200], *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k && j; k = strtok_r(NULL, ".", &save))
        j = json_is_array(j) ? json_array_get(j, (size_t)atoi(k)) : json_object_get(j, k);
    return j;
}

#define CHECK_JINT(j, path, v)                                                                     \
    do {                                                                                           \
        json_t *x_ = s_at((j), (path));                                                            \
        if (!json_is_integer(x_)) {                                                                \
            test_fail(__FILE__, __LINE__, "%s is not an integer", (path));                         \
            goto done;                                                                             \
        }                                                                                          \
        if (json_integer_value(x_) != (v)) {                                                       \
            test_fail(__FILE__, __LINE__, "%s is %lld, expected %lld", (path),                     \
                      (long long)json_integer_value(x_), (long long)(v));                          \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

#define CHECK_JSTR(j, path, v)                                                                     \
    do {                                                                                           \
        json_t *x_ = s_at((j), (path));                                                            \
        if (!json_is_string(x_) || strcmp(json_string_value(x_), (v)) != 0) {                      \
            test_fail(__FILE__, __LINE__, "%s is not \"%s\"", (path), (v));                        \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

#define CHECK_JREAL(j, path, v)                                                                    \
    do {                                                                                           \
        json_t *x_ = s_at((j), (path));                                                            \
        if (!json_is_real(x_) || json_real_value(x_) != (v)) {                                     \
            test_fail(__FILE__, __LINE__, "%s is not %g", (path), (v));                            \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

#define CHECK_JNULL(j, path)                                                                       \
    do {                                                                                           \
        if (!json_is_null(s_at((j), (path)))) {                                                    \
            test_fail(__FILE__, __LINE__, "%s is not null", (path));                               \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

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
                                       "discharges"};
    s_sample_t s;
    json_t *j;

    s_sample(&s);
    j = s_json(&s, false);
    CHECK(j);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!json_object_get(j, keys[i]))
            test_fail(__FILE__, __LINE__, "no key %s", keys[i]);
    CHECK(!test_failed());
    CHECK_INT(json_object_size(j), sizeof keys / sizeof *keys);
    CHECK_JSTR(j, "area", "Essex");
    CHECK(json_is_false(s_at(j, "published")));
    CHECK_JSTR(j, "generated_at", "2026-12-01T15:40:00Z");
    CHECK_JSTR(j, "period.from", "2026-09-01");
    CHECK_JSTR(j, "period.to", "2026-12-01");
    CHECK_JINT(j, "referrals", 10);
    CHECK_JINT(j, "carers_referred", 8);
    CHECK_JINT(j, "carers_contacted", 6);
    CHECK_JINT(j, "carers_supported_since_start", 4);
    CHECK_JINT(j, "targets.0.carers", 4150);
    CHECK(json_is_true(s_at(j, "targets.0.due")) && json_is_false(s_at(j, "targets.0.on_track")));
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
    CHECK_INT(json_array_size(s_at(j, "by_provider")), 2);
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
    CHECK_INT(json_array_size(s_at(j, "by_month")), 4);
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

TEST(report_json_published_hides_counts_below_5)
{
    s_sample_t s;
    json_t *j;

    s_sample(&s);
    j = s_json(&s, true);
    CHECK(j);
    CHECK(json_is_true(s_at(j, "published")));
    CHECK_JINT(j, "referrals", 10);
    CHECK_JINT(j, "path.within_target", 5);
    CHECK_JSTR(j, "path.supported", "<5");
    CHECK_JSTR(j, "path.waiting", "<5");
    CHECK_JSTR(j, "path.closed", "<5"); /* 0 too */
    CHECK_JINT(j, "path.referred", 8);
    /* 6 reached of 8 referred: both 5 or more, but the 6 is a sum of
     * counts below 5 (1 contacted, 4 supported, 1 declined) */
    CHECK_JNULL(j, "path.conversion.contacted");
    /* 4 supported of 6 reached: worked out from a count below 5 */
    CHECK_JNULL(j, "path.conversion.supported");
    CHECK_JSTR(j, "carers_supported", "<5");
    CHECK_JINT(j, "time_to_first_contact.contacts", 6);
    CHECK_JINT(j, "time_to_first_contact.median_hours", 20);
    CHECK_JSTR(j, "by_provider.1.time_to_first_contact.contacts", "<5");
    CHECK_JNULL(j, "by_provider.1.time_to_first_contact.median_hours");
    CHECK_JNULL(j, "by_provider.1.time_to_first_contact.p90_hours");
    CHECK_JSTR(j, "urgent_discharges.referred", "<5");
    CHECK_JNULL(j, "urgent_discharges.share");
    CHECK_JSTR(j, "targets.1.supported_so_far", "<5");
    CHECK_JNULL(j, "targets.1.needed_per_month");
    CHECK_JINT(j, "targets.1.carers", 12500);
    CHECK_JINT(j, "referrers.1.referrals", 5);
    CHECK_JSTR(j, "referrers.0.referrals", "<5");
    CHECK_JSTR(j, "gone_quiet.0.referrals_before", "<5");
    CHECK_JSTR(j, "young_carers.transitions", "<5");
    CHECK_JNULL(j, "discharges.share");
done:
    json_decref(j);
}

static char *s_render(void (*fn)(buf_t *, const Carerhub__ReportReply *, bool), const s_sample_t *s,
                      bool publish)
{
    buf_t b = BUF_INIT;
    fn(&b, &s->rep, publish);
    return buf_take(&b);
}

TEST(report_csv_is_one_long_table)
{
    s_sample_t s;
    char *csv, *pub;

    s_sample(&s);
    csv = s_render(report_csv, &s, false);
    pub = s_render(report_csv, &s, true);
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

static size_t s_count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

TEST(report_html_is_one_page_with_nothing_from_outside)
{
    s_sample_t s;
    char *page, *pub;

    s_sample(&s);
    page = s_render(report_html, &s, false);
    pub = s_render(report_html, &s, true);
    CHECK(strncmp(page, "<!DOCTYPE html>", 15) == 0);
    CHECK_CONTAINS(page, "<html lang=\"en-GB\">");
    CHECK_CONTAINS(page, "<title>Carers supported in Essex: 1 September 2026 to 1 December 2026");
    /* no address of anything outside the page, no script */
    CHECK(!strstr(page, "http") && !strstr(page, "//") && !strstr(page, "<script"));
    CHECK(!strstr(pub, "http") && !strstr(pub, "//") && !strstr(pub, "<script"));
    CHECK(!strstr(page, "url(") && !strstr(page, "@import") && !strstr(page, "src="));
    /* one chart each: progress, path, time to contact; each an image with
     * a title and a description */
    CHECK_INT(s_count_of(page, "<svg"), 3);
    CHECK_INT(s_count_of(page, "<svg viewBox"), s_count_of(page, "role=\"img\""));
    CHECK_INT(s_count_of(page, "<desc"), 3);
    CHECK_INT(s_count_of(page, "<table>"), s_count_of(page, "<caption"));
    CHECK(s_count_of(page, "<th scope=\"col\"") > 10);
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
    s_sample_t s;
    char *text, *pub;

    s_sample(&s);
    s.prov[0]->name = "Carers\x1b[2J First";
    text = s_render(report_text, &s, false);
    pub = s_render(report_text, &s, true);
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

/* Each of the four forms of s, published. */
static void s_published(const s_sample_t *s, char *out[4])
{
    out[0] = s_render(report_text, s, true);
    out[1] = s_render(report_json, s, true);
    out[2] = s_render(report_csv, s, true);
    out[3] = s_render(report_html, s, true);
}

/* Whether a and b, published, read the same in every form. */
static bool s_same_published(const s_sample_t *a, const s_sample_t *b)
{
    char *x[4], *y[4];
    bool same = true;
    s_published(a, x);
    s_published(b, y);
    for (int i = 0; i < 4; i++) {
        same = same && strcmp(x[i], y[i]) == 0;
        free(x[i]);
        free(y[i]);
    }
    return same;
}

TEST(report_published_share_hides_a_part_below_5)
{
    s_sample_t s;
    json_t *j = NULL;
    char *f[4];

    s_sample(&s);
    /* 10 reached of 40 referred and 5 supported of them: each 5 or more,
     * but the 10 holds 4 contacted and 1 declined */
    s.path = s_path(40, 30, 4, 5, 1, 0);
    /* Action for Family Carers: 20 reached (5 + 10 + 5), every part shown */
    s.rp[0] = s_path(40, 10, 5, 10, 5, 10);
    s_published(&s, f);
    CHECK_CONTAINS(f[0], "of those referred: suppressed\n");
    CHECK_CONTAINS(f[0], "supported, of those reached: suppressed\n");
    CHECK_CONTAINS(f[2], "\npath,,,conversion_contacted,\n");
    CHECK_CONTAINS(f[2], "\npath,,,conversion_supported,\n");
    CHECK_CONTAINS(f[2], ",Action for Family Carers,path_conversion_contacted,0.500\n");
    CHECK_CONTAINS(f[2], ",Action for Family Carers,path_conversion_supported,0.500\n");
    CHECK_CONTAINS(f[3], "or declined): suppressed of those referred. Supported: suppressed of");
    j = json_loads(f[1], 0, NULL);
    CHECK_JNULL(j, "path.conversion.contacted");
    CHECK_JNULL(j, "path.conversion.supported");
    CHECK_JREAL(j, "by_provider.0.path.conversion.contacted", 0.5);
    CHECK_JREAL(j, "by_provider.0.path.conversion.supported", 0.5);
done:
    json_decref(j);
    for (int i = 0; i < 4; i++)
        free(f[i]);
}

/* The three charts of s, one after another. */
static char *s_charts(const s_sample_t *s, bool publish)
{
    buf_t b = BUF_INIT;
    report_svg_progress(&b, &s->rep, publish);
    report_svg_path(&b, s->rep.path, publish);
    report_svg_times(&b, &s->rep, publish);
    return buf_take(&b);
}

/* Published, a chart draws the same whatever its hidden figures are: not
 * its axis, nor its bars, nor what it says about them. */
TEST(report_published_charts_draw_nothing_from_a_hidden_figure)
{
    static const uint64_t since[2][4] = {{1, 2, 3, 4}, {0, 0, 0, 0}};
    s_sample_t s[2];
    char *pub[2], *all[2];

    for (int k = 0; k < 2; k++) {
        s_sample(&s[k]);
        /* no target yet: the axis is the months' own */
        s[k].rep.n_targets = 0;
        for (int i = 0; i < 4; i++)
            s[k].month[i]->carers_supported_since_start = since[k][i];
        s[k].path = k ? s_path(8, 0, 0, 0, 0, 0) : s_path(8, 4, 3, 2, 1, 4);
        /* Action for Family Carers: no first contact, or 3 taking 900 h */
        s[k].rt[0] = k ? s_times(0, 0, 0) : s_times(3, 5, 900);
        s[k].rt[1] = s_times(6, 30, 100);
        pub[k] = s_charts(&s[k], true);
        all[k] = s_charts(&s[k], false);
    }
    CHECK(strcmp(all[0], all[1]) != 0);
    CHECK_STR(pub[0], pub[1]);
    CHECK_CONTAINS(pub[0], "Months with fewer than 5 carers so far are not drawn.");
    CHECK_CONTAINS(pub[0], "median 30 h");
    CHECK(!strstr(pub[0], "no first contacts"));
    for (int k = 0; k < 2; k++) {
        free(pub[k]);
        free(all[k]);
    }
}

/* Fewer than 5 carers supported so far against a straight line at 1 by
 * now: "behind" would say none, "on track" 1 to 4. */
TEST(report_published_target_state_hides_a_hidden_so_far)
{
    s_sample_t s[2];
    char *text;

    for (int k = 0; k < 2; k++) {
        s_sample(&s[k]);
        s[k].t[1].expected_by_now = 1;
        s[k].t[1].supported_so_far = k ? 3 : 0;
        s[k].t[1].on_track = k == 1;
        s[k].t[1].needed_per_month = k ? 0 : 3125.0;
    }
    CHECK(s_same_published(&s[0], &s[1]));
    text = s_render(report_text, &s[0], true);
    CHECK_CONTAINS(text, "12,500 by 1 April 2027: <5 so far; whether on track is suppressed");
    /* against 4,150: fewer than 5 can only have missed, and says so */
    CHECK_CONTAINS(text, "4,150 by 1 April 2025: <5 so far; missed");
    free(text);
}

/* Published, 0 is "<5" like 1 to 4: no share, time or chart may tell
 * them apart by saying "-" or "no first contacts" for 0 alone. */
TEST(report_published_zero_reads_like_any_hidden_count)
{
    s_sample_t s[2];

    for (int k = 0; k < 2; k++) {
        s_sample(&s[k]);
        s[k].path.urgent = k ? 3 : 0;
        s[k].path.urgent_within_target = k ? 1 : 0;
        s[k].rep.discharges = k ? 2 : 0;
        s[k].rep.discharges_consulted = k ? 1 : 0;
        s[k].tfc = k ? s_times(3, 7, 9) : s_times(0, 0, 0);
        s[k].rt[0] = k ? s_times(2, 10, 30) : s_times(0, 0, 0);
    }
    CHECK(s_same_published(&s[0], &s[1]));
}
