/*
 * A report as a commissioner reads it at a terminal: the headline, each
 * target and where it stands, the path from referral to support, time to
 * first contact, then aligned tables by organisation, source, authority
 * and month, who refers and who has gone quiet. Every string from the
 * reply is escaped (text_escape): a name cannot drive the terminal.
 */
#include "report/report_impl.h"

#include "util/date.h"
#include "util/mem.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_COLS 12

/* A table of text cells: the first column and those in `left` (a bit per
 * column) left-aligned, the rest (figures) right-aligned, each as wide as
 * its widest cell, two spaces apart. */
typedef struct {
    size_t ncols, nrows, cap;
    unsigned left;
    char **cells; /* owned: nrows * ncols, the header first */
} s_table_t;

static void s_row_add(s_table_t *t, const char *const *cells)
{
    t->cells = xgrow(t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof *t->cells);
    for (size_t i = 0; i < t->ncols; i++) {
        const char *c = cells[i] ? cells[i] : "";
        size_t n = strlen(c);
        char *safe = xmalloc(TEXT_ESCAPE_MAX(n));
        text_escape(c, n, safe, TEXT_ESCAPE_MAX(n));
        t->cells[t->nrows * t->ncols + i] = safe;
    }
    t->nrows++;
}

static void s_table_free(s_table_t *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    *t = (s_table_t){0};
}

static void s_table_put(buf_t *b, s_table_t *t)
{
    size_t w[S_COLS] = {0};
    for (size_t i = 0; i < t->nrows * t->ncols; i++) {
        char *c = t->cells[i];
        size_t n = text_utf8_chars(c, strlen(c));
        if (n > w[i % t->ncols])
            w[i % t->ncols] = n;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        buf_adds(b, " ");
        for (size_t i = 0; i < t->ncols; i++) {
            char *c = t->cells[r * t->ncols + i];
            int pad = (int)(w[i] - text_utf8_chars(c, strlen(c)));
            bool left = i == 0 || (t->left & (1u << i));
            buf_adds(b, i ? "  " : " ");
            if (!left)
                buf_printf(b, "%*s", pad, "");
            buf_adds(b, c);
            /* no spaces after the last cell */
            if (left && i + 1 < t->ncols)
                buf_printf(b, "%*s", pad, "");
        }
        buf_addc(b, '\n');
    }
    s_table_free(t);
}

/* One line of text; the arguments already escaped or our own. */
static void s_line(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_line(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    buf_adds(b, s);
    buf_addc(b, '\n');
    free(s);
}

/* A string from the reply, escaped for the terminal (caller frees). */
static char *s_esc(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    char *safe = xmalloc(TEXT_ESCAPE_MAX(n));
    text_escape(s ? s : "", n, safe, TEXT_ESCAPE_MAX(n));
    return safe;
}

/* The figure cells every breakdown has: count n of the path. */
#define S_N(i, v) report_count(f[i], (v), publish, true)

static void s_headline(buf_t *b, const Carerhub__ReportReply *rep, bool publish)
{
    char f[4][REPORT_FIG_MAX], when[DATE_WHEN_STRLEN], start[REPORT_FIG_MAX];
    char *area = s_esc(rep->area ? rep->area : "the area");
    char *from = s_esc(report_date(f[0], rep->from)), *to = s_esc(report_date(f[1], rep->to));

    date_format_when(rep->generated_at, when);
    s_line(b, "Carers supported in %s: report for %s to %s (made %s)", area, from, to, when);
    if (publish)
        s_line(b,
               "Published figures: counts below %d are shown \"<%d\", and shares and times "
               "worked out from them are suppressed.",
               REPORT_SMALL, REPORT_SMALL);
    free(area);
    free(from);
    free(to);
    from = s_esc(report_date(start, rep->programme_start));
    buf_addc(b, '\n');
    s_line(b, "Carers supported in the period: %s", S_N(0, rep->carers_supported));
    s_line(b, "Carers supported since the programme start (%s): %s", from,
           S_N(1, rep->carers_supported_since_start));
    s_line(b, "Referrals received: %s, for %s %s; carers first contacted in the period: %s",
           S_N(2, rep->referrals), S_N(3, rep->carers_referred),
           report_noun(rep->carers_referred, publish, "carer", "carers"),
           S_N(0, rep->carers_contacted));
    free(from);
}

static void s_targets(buf_t *b, const Carerhub__ReportReply *rep, bool publish)
{
    char f[4][REPORT_FIG_MAX];
    if (rep->n_targets == 0)
        return;
    buf_addc(b, '\n');
    s_line(b, "Targets (carers supported since the programme start)");
    for (size_t i = 0; i < rep->n_targets; i++) {
        const Carerhub__ReportTarget *t = rep->targets[i];
        const char *state = report_target_state(t, publish);
        char *date = s_esc(report_date(f[0], t->date)), need[64];
        uint64_t n;

        report_count(f[1], t->carers, false, true);
        if (t->due || t->on_track || report_target_hidden(t, publish))
            snprintf(need, sizeof need, "%s", "");
        else if (report_needed(t, publish, &n))
            snprintf(need, sizeof need, ": %s a month needed", report_count(f[3], n, false, true));
        else
            snprintf(need, sizeof need, ": the rate needed is suppressed");
        s_line(b, "  %s by %s: %s so far; %s%s (the straight line from the start: %s by now)", f[1],
               date, S_N(2, t->supported_so_far), state, need,
               report_count(f[0], t->expected_by_now, false, true));
        free(date);
    }
}

static void s_path(buf_t *b, const Carerhub__ReportReply *rep, bool publish)
{
    const Carerhub__ReportPath *p = report_path(rep->path);
    const Carerhub__ReportTimeliness *t = report_timeliness(rep->first_contact);
    char f[4][REPORT_FIG_MAX];
    s_table_t tab = {2};
    unsigned med, p90;
    const char *contacts = report_noun(t->contacts, publish, "contact", "contacts");
    const struct {
        const char *name;
        uint64_t n;
    } rows[] = {
        {"referred", p->referred},
        {"waiting", p->waiting},
        {"contacted", p->contacted},
        {"supported", p->supported},
        {"declined", p->declined},
        {"unable to contact", p->unable_to_contact},
        {"closed before contact", p->closed},
    };

    buf_addc(b, '\n');
    s_line(b, "The path: where the carers referred in the period stand now");
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        s_row_add(&tab, (const char *[]){rows[i].name, S_N(0, rows[i].n)});
    s_table_put(b, &tab);
    s_line(b, "  reached (contacted, supported or declined), of those referred: %s",
           report_conversion_text(f[0], p, REPORT_CONV_REACHED, publish));
    s_line(b, "  supported, of those reached: %s",
           report_conversion_text(f[0], p, REPORT_CONV_SUPPORTED, publish));
    s_line(b, "  first contact within the target for its source: %s", S_N(0, p->within_target));
    buf_addc(b, '\n');
    if (report_times(t, publish, &med, &p90))
        s_line(b, "Time to first contact: %s %s in the period; median %s, 90th percentile %s",
               S_N(0, t->contacts), contacts, report_hours_text(f[1], med),
               report_hours_text(f[2], p90));
    else
        s_line(b, "Time to first contact: %s %s in the period%s", S_N(0, t->contacts), contacts,
               t->contacts || report_times_hidden(t, publish)
                   ? "; median and 90th percentile suppressed"
                   : "");
    s_line(b, "Urgent discharges: %s referred, %s contacted within their target (%s)",
           S_N(0, p->urgent), S_N(1, p->urgent_within_target),
           report_share_text(f[2], p->urgent_within_target, p->urgent, publish));
}

typedef enum { S_PROVIDER, S_SOURCE, S_AUTHORITY, S_MONTH } s_dim_t;

static void s_breakdown(buf_t *b, const char *title, const char *note,
                        Carerhub__ReportRow *const *rows, size_t n, s_dim_t dim, bool publish)
{
    static const char *const first[] = {"Organisation", "Source", "Authority", "Month"};
    char f[S_COLS][REPORT_FIG_MAX];
    s_table_t tab = {0};
    unsigned med, p90;

    tab.ncols = dim == S_MONTH ? 7 : dim == S_AUTHORITY ? 8 : dim == S_SOURCE ? 11 : 10;
    if (dim == S_MONTH)
        s_row_add(&tab, (const char *[]){"Month", "Referrals", "Referred", "Supported", "Contacts",
                                         "Supports", "Since start"});
    else
        s_row_add(&tab, (const char *[]){first[dim], "Referred", "Waiting", "Contacted",
                                         "Supported", "Declined", "Unable", "Supports", "Median",
                                         "90th", "Referrals"});
    for (size_t i = 0; i < n; i++) {
        const Carerhub__ReportRow *r = rows[i];
        const Carerhub__ReportPath *p = report_path(r->path);
        char label[256];
        bool times = report_times(report_timeliness(r->first_contact), publish, &med, &p90);
        if (report_row_empty(r))
            continue;
        if (dim == S_AUTHORITY && r->name)
            snprintf(label, sizeof label, "%s (%s)", r->name, r->key ? r->key : "");
        else
            snprintf(label, sizeof label, "%s", report_row_label(r, dim == S_SOURCE));
        if (dim == S_MONTH) {
            s_row_add(&tab, (const char *[]){report_date(f[0], r->key), S_N(1, r->referrals),
                                             S_N(2, p->referred), S_N(3, p->supported),
                                             S_N(4, r->contacted), S_N(5, r->supported),
                                             S_N(6, r->carers_supported_since_start)});
            continue;
        }
        s_row_add(&tab, (const char *[]){
                            label, S_N(1, p->referred), S_N(2, p->waiting), S_N(3, p->contacted),
                            S_N(4, p->supported), S_N(5, p->declined), S_N(6, p->unable_to_contact),
                            S_N(7, r->supported), times ? report_hours_text(f[8], med) : "-",
                            times ? report_hours_text(f[9], p90) : "-", S_N(10, r->referrals)});
    }
    if (tab.nrows < 2) {
        s_table_free(&tab);
        return;
    }
    buf_addc(b, '\n');
    s_line(b, "%s", title);
    if (note)
        s_line(b, "  (%s)", note);
    s_table_put(b, &tab);
}

static void s_referrers(buf_t *b, const Carerhub__ReportReply *rep, bool quiet, bool publish)
{
    Carerhub__ReportRow *const *rows = quiet ? rep->gone_quiet : rep->referrers;
    size_t n = quiet ? rep->n_gone_quiet : rep->n_referrers;
    char f[2][REPORT_FIG_MAX], last[REPORT_FIG_MAX];
    s_table_t tab = {5, 0, 0, 1u << 1 | 1u << 2 | 1u << 4, NULL};

    buf_addc(b, '\n');
    if (quiet)
        s_line(b, "Gone quiet: referred before, none in the last %u days", rep->quiet_days);
    else
        s_line(b, "Who refers (referrals in the period)");
    s_row_add(&tab, (const char *[]){"Name", "Source", "Code",
                                     quiet ? "Referrals before" : "Referrals", "Last referral"});
    for (size_t i = 0; i < n; i++) {
        const Carerhub__ReportRow *r = rows[i];
        if (report_row_empty(r))
            continue;
        s_row_add(&tab, (const char *[]){r->name ? r->name : "(no name configured)", r->source,
                                         r->key, S_N(0, quiet ? r->referrals_before : r->referrals),
                                         report_date(last, r->last_referral)});
    }
    if (tab.nrows < 2) {
        s_line(b, "  none");
        s_table_free(&tab);
    } else {
        s_table_put(b, &tab);
    }
    if (!quiet && rep->referrers_more)
        s_line(b, "  (more referrers than are listed here)");
}

/* What the referrals say: a two-column table each; then the areas. */
static void s_about(buf_t *b, const Carerhub__ReportReply *rep, bool publish)
{
    report_about_t list[REPORT_ABOUT_N];
    char f[6][REPORT_FIG_MAX];
    report_about_list(rep, publish, list);
    for (size_t i = 0; i < REPORT_ABOUT_N; i++) {
        s_table_t tab = {2};
        if (list[i].n == 0) /* a router from before these counts */
            continue;
        if (list[i].equality && list[i].rows == rep->by_sex) {
            buf_addc(b, '\n');
            s_line(b, "Equality monitoring: the %s %s whose carer consented (counts only)",
                   S_N(0, rep->equality_consented),
                   report_noun(rep->equality_consented, publish, "referral", "referrals"));
        }
        buf_addc(b, '\n');
        s_line(b, "%s%s", list[i].title, i == 0 ? " (one count per referral received)" : "");
        for (size_t j = 0; j < list[i].n; j++)
            s_row_add(&tab, (const char *[]){report_row_label(list[i].rows[j], false),
                                             report_about_count(f[0], &list[i], j, true)});
        s_table_put(b, &tab);
    }
    if (rep->n_by_area) {
        s_table_t tab = {6};
        buf_addc(b, '\n');
        s_line(b, "Carers referred against the carer population (per 1,000 carers)");
        s_row_add(&tab, (const char *[]){"Area", "Carers", "Referred", "Per 1,000", "Since start",
                                         "Per 1,000"});
        for (size_t i = 0; i < rep->n_by_area; i++) {
            const Carerhub__ReportRow *a = rep->by_area[i];
            s_row_add(&tab, (const char *[]){report_row_label(a, false),
                                             report_count(f[1], a->population, false, true),
                                             S_N(2, a->carers_referred),
                                             report_per_1000_text(f[3], a, false, publish),
                                             S_N(4, a->carers_referred_since_start),
                                             report_per_1000_text(f[5], a, true, publish)});
        }
        s_table_put(b, &tab);
    }
}

void report_text(buf_t *out, const Carerhub__ReportReply *rep, bool publish)
{
    const Carerhub__ReportPath *p = report_path(rep->path);
    char f[4][REPORT_FIG_MAX];

    s_headline(out, rep, publish);
    s_targets(out, rep, publish);
    s_path(out, rep, publish);
    s_breakdown(out, "By organisation",
                "Referred to Unable: where the carers referred in the period stand now; "
                "Supports: carers first supported in the period; Median, 90th: time to first "
                "contact",
                rep->by_provider, rep->n_by_provider, S_PROVIDER, publish);
    s_breakdown(out, "By source", NULL, rep->by_source, rep->n_by_source, S_SOURCE, publish);
    s_breakdown(out, "By authority", NULL, rep->by_authority, rep->n_by_authority, S_AUTHORITY,
                publish);
    s_breakdown(out, "By month",
                "Referred, Supported: the carers referred that month; Contacts, Supports: made "
                "that month; Since start: carers supported by its end",
                rep->by_month, rep->n_by_month, S_MONTH, publish);
    s_referrers(out, rep, false, publish);
    s_referrers(out, rep, true, publish);
    buf_addc(out, '\n');
    s_line(out, "Young carers referred: %s; moved to adult services in the period: %s",
           S_N(0, p->young), S_N(1, rep->transitions));
    s_line(out, "Discharge referrals: %s; the carer was consulted in %s (%s)",
           S_N(0, rep->discharges), S_N(1, rep->discharges_consulted),
           report_share_text(f[2], rep->discharges_consulted, rep->discharges, publish));
    s_about(out, rep, publish);
}
