/*
 * A report as CSV, for spreadsheets: one long table, `section, key, name,
 * measure, value`, one figure a line, so every section fits the same five
 * columns, lines ended by LF. Fields are quoted as RFC 4180 needs, and a field that a
 * spreadsheet would take for a formula (= + - @ first) is prefixed with
 * an apostrophe: a referrer's name is configuration, but not ours to run.
 */
#include "report/report_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void s_field(buf_t *b, const char *s)
{
    bool quote;
    if (!s)
        s = "";
    quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        buf_addc(b, '"');
    if (s[0] && strchr("=+-@", s[0]))
        buf_addc(b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            buf_addc(b, '"');
        buf_addc(b, *p);
    }
    if (quote)
        buf_addc(b, '"');
}

static void s_line(buf_t *b, const char *section, const char *key, const char *name,
                   const char *measure, const char *value)
{
    s_field(b, section);
    buf_addc(b, ',');
    s_field(b, key);
    buf_addc(b, ',');
    s_field(b, name);
    buf_addc(b, ',');
    s_field(b, measure);
    buf_addc(b, ',');
    s_field(b, value);
    buf_addc(b, '\n');
}

/* What a section's lines share: where they go and whose they are. */
typedef struct {
    buf_t *b;
    const char *section, *key, *name;
    bool publish;
} s_ctx_t;

static void s_count(const s_ctx_t *c, const char *measure, uint64_t n)
{
    char v[REPORT_FIG_MAX];
    s_line(c->b, c->section, c->key, c->name, measure, report_count(v, n, c->publish, false));
}

/* A share, empty when there is none (ok false). */
static void s_share_of(const s_ctx_t *c, const char *measure, bool ok, double s)
{
    char v[REPORT_FIG_MAX] = "";
    if (ok)
        snprintf(v, sizeof v, "%.3f", s);
    s_line(c->b, c->section, c->key, c->name, measure, v);
}

/* A rate per 1,000 (two decimals), empty when there is none (ok false). */
static void s_rate(const s_ctx_t *c, const char *measure, bool ok, double r)
{
    char v[REPORT_FIG_MAX] = "";
    if (ok)
        snprintf(v, sizeof v, "%.2f", r);
    s_line(c->b, c->section, c->key, c->name, measure, v);
}

static void s_share(const s_ctx_t *c, const char *measure, uint64_t num, uint64_t den)
{
    double s = 0;
    bool ok = report_share(num, den, c->publish, &s);
    s_share_of(c, measure, ok, s);
}

static void s_text(const s_ctx_t *c, const char *measure, const char *v)
{
    s_line(c->b, c->section, c->key, c->name, measure, v);
}

/* A path's figures; prefix ("path_") keeps a row's own measures apart. */
static void s_path(const s_ctx_t *c, const char *prefix, const Carerhub__ReportPath *p)
{
    static const char *const names[] = {"referred",  "waiting",       "contacted",
                                        "supported", "declined",      "unable_to_contact",
                                        "closed",    "within_target", "young"};
    const uint64_t v[] = {p->referred,  p->waiting,       p->contacted,
                          p->supported, p->declined,      p->unable_to_contact,
                          p->closed,    p->within_target, p->young};
    char m[64];
    double s = 0;
    bool ok;
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        snprintf(m, sizeof m, "%s%s", prefix, names[i]);
        s_count(c, m, v[i]);
    }
    snprintf(m, sizeof m, "%sconversion_contacted", prefix);
    ok = report_conversion(p, REPORT_CONV_REACHED, c->publish, &s);
    s_share_of(c, m, ok, s);
    snprintf(m, sizeof m, "%sconversion_supported", prefix);
    ok = report_conversion(p, REPORT_CONV_SUPPORTED, c->publish, &s);
    s_share_of(c, m, ok, s);
}

static void s_times(const s_ctx_t *c, const Carerhub__ReportTimeliness *t)
{
    char v[REPORT_FIG_MAX] = "";
    unsigned med, p90;
    bool have = report_times(t, c->publish, &med, &p90);

    s_count(c, "contacts", t->contacts);
    if (have)
        snprintf(v, sizeof v, "%u", med);
    s_text(c, "median_hours", v);
    if (have)
        snprintf(v, sizeof v, "%u", p90);
    s_text(c, "p90_hours", v);
}

static void s_rows(buf_t *b, const char *section, Carerhub__ReportRow *const *rows, size_t n,
                   bool publish)
{
    bool is_source = strcmp(section, "by_source") == 0;
    bool is_month = strcmp(section, "by_month") == 0;
    for (size_t i = 0; i < n; i++) {
        const Carerhub__ReportRow *r = rows[i];
        const char *name = is_source ? report_row_label(r, true) : r->name ? r->name : "";
        s_ctx_t c = {b, section, r->key, name, publish};
        if (report_row_empty(r))
            continue;
        if (is_source || is_month)
            s_count(&c, "referrals", r->referrals);
        s_path(&c, "path_", report_path(r->path));
        if (strcmp(section, "by_authority") != 0)
            s_count(&c, "contacted", r->contacted);
        s_count(&c, "supported", r->supported);
        if (!is_month && strcmp(section, "by_authority") != 0)
            s_times(&c, report_timeliness(r->first_contact));
        if (is_month)
            s_count(&c, "carers_supported_since_start", r->carers_supported_since_start);
    }
}

static void s_referrers(buf_t *b, const char *section, Carerhub__ReportRow *const *rows, size_t n,
                        bool publish)
{
    bool quiet = strcmp(section, "gone_quiet") == 0;
    for (size_t i = 0; i < n; i++) {
        const Carerhub__ReportRow *r = rows[i];
        char key[256];
        s_ctx_t c = {b, section, key, r->name ? r->name : "", publish};
        if (report_row_empty(r))
            continue;
        snprintf(key, sizeof key, "%s/%s", r->source ? r->source : "", r->key ? r->key : "");
        if (!quiet)
            s_count(&c, "referrals", r->referrals);
        s_text(&c, "last_referral", r->last_referral ? r->last_referral : "");
        if (quiet)
            s_count(&c, "referrals_before", r->referrals_before);
    }
}

static void s_summary(buf_t *b, const Carerhub__ReportReply *rep, bool publish)
{
    s_ctx_t c = {b, "summary", "", "", publish};
    char v[REPORT_FIG_MAX];

    s_text(&c, "area", rep->area ? rep->area : "");
    s_text(&c, "published", publish ? "true" : "false");
    report_utc(v, rep->generated_at);
    s_text(&c, "generated_at", v);
    s_text(&c, "from", rep->from ? rep->from : "");
    s_text(&c, "to", rep->to ? rep->to : "");
    s_text(&c, "programme_start", rep->programme_start ? rep->programme_start : "");
    s_count(&c, "referrals", rep->referrals);
    s_count(&c, "carers_referred", rep->carers_referred);
    s_count(&c, "carers_contacted", rep->carers_contacted);
    s_count(&c, "carers_supported", rep->carers_supported);
    s_count(&c, "carers_supported_since_start", rep->carers_supported_since_start);
    snprintf(v, sizeof v, "%u", rep->quiet_days);
    s_text(&c, "quiet_days", v);
}

static void s_targets(buf_t *b, const Carerhub__ReportReply *rep, bool publish)
{
    for (size_t i = 0; i < rep->n_targets; i++) {
        const Carerhub__ReportTarget *t = rep->targets[i];
        s_ctx_t c = {b, "target", t->date ? t->date : "", "", publish};
        char v[REPORT_FIG_MAX] = "";
        uint64_t need;

        snprintf(v, sizeof v, "%" PRIu64, t->carers);
        s_text(&c, "carers", v);
        s_count(&c, "supported_so_far", t->supported_so_far);
        snprintf(v, sizeof v, "%" PRIu64, t->expected_by_now);
        s_text(&c, "expected_by_now", v);
        /* empty where it would narrow down a hidden supported_so_far */
        snprintf(v, sizeof v, "%s", t->on_track ? "true" : "false");
        s_text(&c, "on_track", report_target_hidden(t, publish) ? "" : v);
        s_text(&c, "due", t->due ? "true" : "false");
        v[0] = '\0';
        if (report_needed(t, publish, &need))
            snprintf(v, sizeof v, "%" PRIu64, need);
        s_text(&c, "needed_per_month", v);
    }
}

/* What the referrals say: a section each (equality's prefixed), a line a
 * value; the areas, with their population and rates (empty when
 * suppressed). */
static void s_about(buf_t *b, const Carerhub__ReportReply *rep, bool publish)
{
    report_about_t list[REPORT_ABOUT_N];
    char section[40], v[REPORT_FIG_MAX];
    s_ctx_t c = {b, "equality", "", "", publish};
    report_about_list(rep, publish, list);
    s_count(&c, "consented", rep->equality_consented);
    for (size_t i = 0; i < REPORT_ABOUT_N; i++) {
        snprintf(section, sizeof section, "%s%s", list[i].equality ? "equality_" : "",
                 list[i].name);
        for (size_t j = 0; j < list[i].n; j++) {
            s_ctx_t r = {b, section, list[i].rows[j]->key, list[i].rows[j]->name, publish};
            s_text(&r, "referrals", report_about_count(v, &list[i], j, false));
        }
    }
    for (size_t i = 0; i < rep->n_by_area; i++) {
        const Carerhub__ReportRow *a = rep->by_area[i];
        s_ctx_t r = {b, "by_area", a->key, a->name, publish};
        double rate = 0;
        bool ok;
        s_text(&r, "population", report_count(v, a->population, false, false));
        s_count(&r, "carers_referred", a->carers_referred);
        ok = report_per_1000(a, false, publish, &rate);
        s_rate(&r, "per_1000", ok, rate);
        s_count(&r, "carers_referred_since_start", a->carers_referred_since_start);
        ok = report_per_1000(a, true, publish, &rate);
        s_rate(&r, "per_1000_since_start", ok, rate);
    }
}

void report_csv(buf_t *out, const Carerhub__ReportReply *rep, bool publish)
{
    const Carerhub__ReportPath *p = report_path(rep->path);
    s_ctx_t c = {out, "path", "", "", publish};

    buf_adds(out, "section,key,name,measure,value\n");
    s_summary(out, rep, publish);
    s_targets(out, rep, publish);
    s_path(&c, "", p);
    c.section = "time_to_first_contact";
    s_times(&c, report_timeliness(rep->first_contact));
    c.section = "urgent_discharges";
    s_count(&c, "referred", p->urgent);
    s_count(&c, "within_target", p->urgent_within_target);
    s_share(&c, "share", p->urgent_within_target, p->urgent);
    s_rows(out, "by_provider", rep->by_provider, rep->n_by_provider, publish);
    s_rows(out, "by_source", rep->by_source, rep->n_by_source, publish);
    s_rows(out, "by_authority", rep->by_authority, rep->n_by_authority, publish);
    s_rows(out, "by_month", rep->by_month, rep->n_by_month, publish);
    s_referrers(out, "referrers", rep->referrers, rep->n_referrers, publish);
    s_referrers(out, "gone_quiet", rep->gone_quiet, rep->n_gone_quiet, publish);
    c.section = "young_carers";
    s_count(&c, "referred", p->young);
    s_count(&c, "transitions", rep->transitions);
    c.section = "discharges";
    s_count(&c, "referrals", rep->discharges);
    s_count(&c, "carer_consulted", rep->discharges_consulted);
    s_share(&c, "share", rep->discharges_consulted, rep->discharges);
    s_about(out, rep, publish);
}
