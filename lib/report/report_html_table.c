/*
 * The report page's tables: the helpers every table on the page is made
 * with (a caption, scoped column heads, a region that scrolls sideways on
 * a phone rather than widen the page, "None" rather than an empty table),
 * and the breakdowns by organisation, source, authority and month, who
 * refers and who has gone quiet.
 */
#include "report/report_impl.h"

#include <stdio.h>

/* The caption's words in a block of their own, which can wrap at the
 * screen's width while the table scrolls past it (report_html.c). */
void report_table_open(report_page_t *pg, const char *caption)
{
    unsigned id = ++pg->id;
    pg->cols = pg->rows = 0;
    buf_printf(pg->b,
               "<div class=\"t\" role=\"region\" tabindex=\"0\" aria-labelledby=\"c%u\">"
               "<table><caption id=\"c%u\"><span>",
               id, id);
    report_html_txt(pg->b, caption);
    buf_adds(pg->b, "</span></caption><thead><tr>");
}

void report_th(report_page_t *pg, const char *head, bool first)
{
    pg->cols++;
    buf_adds(pg->b, first ? "<th scope=\"col\">" : "<th scope=\"col\" class=\"n\">");
    report_html_txt(pg->b, head);
    buf_adds(pg->b, "</th>");
}

void report_table_body(report_page_t *pg)
{
    buf_adds(pg->b, "</tr></thead><tbody>");
}

void report_table(report_page_t *pg, const char *caption, const char *const *heads, size_t n)
{
    report_table_open(pg, caption);
    for (size_t i = 0; i < n; i++)
        report_th(pg, heads[i], i == 0);
    report_table_body(pg);
}

void report_table_end(report_page_t *pg)
{
    /* headings over nothing would leave the reader to guess; the terminal
     * report says "none" too */
    if (pg->rows == 0)
        buf_printf(pg->b, "<tr><td colspan=\"%u\">None</td></tr>", pg->cols ? pg->cols : 1);
    buf_adds(pg->b, "</tbody></table></div>\n");
}

void report_row_head(report_page_t *pg, const char *label)
{
    pg->rows++;
    buf_adds(pg->b, "<tr><th scope=\"row\">");
    report_html_txt(pg->b, label);
    buf_adds(pg->b, "</th>");
}

void report_cell_count(report_page_t *pg, uint64_t n)
{
    buf_adds(pg->b, "<td class=\"n\">");
    report_page_count(pg, n);
    buf_adds(pg->b, "</td>");
}

void report_cell_text(report_page_t *pg, const char *s)
{
    buf_adds(pg->b, "<td class=\"n\">");
    report_html_txt(pg->b, s);
    buf_adds(pg->b, "</td>");
}

typedef enum { S_PROVIDER, S_SOURCE, S_AUTHORITY, S_MONTH } s_dim_t;

/* The columns of a breakdown, and which dimensions have each (a bit per
 * s_dim_t): only sources and months count referrals received, and an
 * authority's row has no first contacts. */
#define S_ALL    0xfu
#define S_BIT(d) (1u << (d))
static const struct {
    const char *head;
    unsigned dims;
} s_cols[] = {
    {"Referrals received", S_BIT(S_SOURCE) | S_BIT(S_MONTH)},
    {"Referred", S_ALL},
    {"Waiting", S_ALL},
    {"Contacted", S_ALL},
    {"Supported", S_ALL},
    {"Declined", S_ALL},
    {"Unable to contact", S_ALL},
    {"First contacts in the period", S_ALL & ~S_BIT(S_AUTHORITY)},
    {"First supported in the period", S_ALL},
    {"Supported since the start", S_BIT(S_MONTH)},
};

static void s_breakdown(report_page_t *pg, const char *title, const char *caption,
                        Carerhub__ReportRow *const *rows, size_t n, s_dim_t dim)
{
    static const char *const first[] = {"Organisation", "Source", "Authority", "Month"};
    char f[REPORT_FIG_MAX], label[256];

    report_page_h2(pg, title);
    report_table_open(pg, caption);
    report_th(pg, first[dim], true);
    for (size_t c = 0; c < sizeof s_cols / sizeof *s_cols; c++)
        if (s_cols[c].dims & S_BIT(dim))
            report_th(pg, s_cols[c].head, false);
    report_table_body(pg);
    for (size_t i = 0; i < n; i++) {
        const Carerhub__ReportRow *r = rows[i];
        const Carerhub__ReportPath *p = report_path(r->path);
        const uint64_t v[] = {r->referrals,         p->referred,
                              p->waiting,           p->contacted,
                              p->supported,         p->declined,
                              p->unable_to_contact, r->contacted,
                              r->supported,         r->carers_supported_since_start};
        if (report_row_empty(r))
            continue;
        if (dim == S_AUTHORITY && r->name)
            snprintf(label, sizeof label, "%s (%s)", r->name, r->key ? r->key : "");
        else if (dim == S_MONTH)
            snprintf(label, sizeof label, "%s", report_date(f, r->key));
        else
            snprintf(label, sizeof label, "%s", report_row_label(r, dim == S_SOURCE));
        report_row_head(pg, label);
        for (size_t c = 0; c < sizeof s_cols / sizeof *s_cols; c++)
            if (s_cols[c].dims & S_BIT(dim))
                report_cell_count(pg, v[c]);
        buf_adds(pg->b, "</tr>");
    }
    report_table_end(pg);
}

static void s_referrers(report_page_t *pg, const Carerhub__ReportReply *rep, bool quiet)
{
    Carerhub__ReportRow *const *rows = quiet ? rep->gone_quiet : rep->referrers;
    size_t n = quiet ? rep->n_gone_quiet : rep->n_referrers;
    char f[REPORT_FIG_MAX];

    report_page_h2(pg, quiet ? "Gone quiet" : "Who refers");
    if (quiet)
        buf_printf(pg->b,
                   "<p>Referring organisations that referred before, but not in the %u "
                   "days up to the end of the period.</p>\n",
                   rep->quiet_days);
    else
        buf_adds(pg->b, "<p>Each referring organisation with referrals in the period.</p>\n");
    report_table(pg, quiet ? "Referrers gone quiet" : "Referrals by referring organisation",
                 (const char *[]){"Organisation", "Source", "Code",
                                  quiet ? "Referrals before" : "Referrals", "Last referral"},
                 5);
    for (size_t i = 0; i < n; i++) {
        const Carerhub__ReportRow *r = rows[i];
        const char *src = report_source_name(r->source);
        if (report_row_empty(r))
            continue;
        report_row_head(pg, r->name ? r->name : "(no name configured)");
        report_cell_text(pg, src ? src : r->source);
        report_cell_text(pg, r->key);
        report_cell_count(pg, quiet ? r->referrals_before : r->referrals);
        report_cell_text(pg, report_date(f, r->last_referral));
        buf_adds(pg->b, "</tr>");
    }
    report_table_end(pg);
    if (!quiet && rep->referrers_more)
        buf_adds(pg->b, "<p>There are more referring organisations than are listed here.</p>\n");
}

void report_html_breakdowns(report_page_t *pg, const Carerhub__ReportReply *rep)
{
    s_breakdown(pg, "By organisation",
                "Carers referred in the period, by organisation now: where they stand, and "
                "first contacts and support in the period",
                rep->by_provider, rep->n_by_provider, S_PROVIDER);
    s_breakdown(pg, "By source",
                "Referrals and carers referred in the period, by source: where they stand, and "
                "first contacts and support in the period",
                rep->by_source, rep->n_by_source, S_SOURCE);
    s_breakdown(pg, "By authority",
                "Carers referred in the period, by local authority: where they stand, and "
                "support in the period",
                rep->by_authority, rep->n_by_authority, S_AUTHORITY);
    s_breakdown(pg, "By month",
                "Each month: referrals, where the carers referred that month stand, first "
                "contacts and support made that month, and carers supported since the start",
                rep->by_month, rep->n_by_month, S_MONTH);
    s_referrers(pg, rep, false);
    s_referrers(pg, rep, true);
}
