/*
 * A report as one self-contained HTML page: inline style, inline SVG
 * charts, no script and no address of anything outside it, so it can be
 * mailed, archived and opened offline. Each chart stands beside a table
 * with the same figures, every table has a caption and scoped headers, and
 * the page reads at 320 px wide (tables scroll inside their own region).
 * Every string from the reply goes through report_html_txt. The body
 * alone (report_html_body, styled by report_css) is what carerhub-web's
 * /report shows inside its own layout: one code for the file and the page.
 */
#include "report/report_impl.h"

#include "util/date.h"

#include <stdio.h>
#include <string.h>

void report_html_txt(buf_t *b, const char *s)
{
    buf_html(b, s, false); /* a report's strings are one-line labels */
}

/* WCAG 2.2 AA: text #0b0c0c on white is 19:1, the blue 5.2:1, the grey of
 * rules decorative only. The page of its own: its type, its column and
 * its headings; report_css styles what the body is made of wherever it
 * stands. */
static const char s_page_style[] =
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}"
    "body{margin:0;background:#fff;color:#0b0c0c;font-family:system-ui,-apple-system,"
    "\"Segoe UI\",Roboto,Arial,sans-serif;font-size:1rem;line-height:1.5}"
    "main{max-width:62rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.75rem;line-height:1.25;margin:.5rem 0 1rem}"
    "h2{font-size:1.375rem;line-height:1.3;margin:2.5rem 0 .75rem;padding-top:.75rem;"
    "border-top:2px solid #0b0c0c}"
    "p,ul{max-width:42rem}";

/* Tables scroll in a focusable region rather than widen the page; their
 * captions wrap at the region's width (where container units are not
 * known, the screen's), not the table's. A chart is as wide as the text
 * column, and its text (20 user units, report_svg.c) is set smaller the
 * wider the chart is drawn, to read at 12 to 16 px whatever the screen. */
const char report_css[] =
    ".note{border-left:6px solid #1d70b8;background:#f3f2f1;padding:.5rem 1rem}"
    ".t{overflow-x:auto;margin:1rem 0 1.5rem;container-type:inline-size}"
    ".t:focus{outline:3px solid #1d70b8;outline-offset:2px}"
    "table{border-collapse:collapse}"
    "caption{text-align:left;font-weight:700;padding:0 0 .5rem}"
    "caption span{display:block;max-width:min(42rem,calc(100vw - 2rem));"
    "max-width:min(42rem,100cqw)}"
    "th,td{padding:.35rem .5rem .35rem 0;border-bottom:1px solid #b1b4b6;text-align:left;"
    "vertical-align:top}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "td.n{white-space:nowrap}"
    "tbody th{min-width:9rem}"
    "thead th{border-bottom:2px solid #0b0c0c}"
    "figure{margin:1rem 0}"
    "figure svg{display:block;width:100%;max-width:42rem;height:auto}"
    "@media(min-width:25em){figure svg{font-size:16px}}"
    "@media(min-width:32em){figure svg{font-size:13px}}"
    "@media(min-width:40em){figure svg{font-size:11.5px}}"
    "figcaption{font-size:.9375rem;max-width:42rem}"
    ".big{font-size:1.5rem;font-weight:700}";

void report_page_count(report_page_t *pg, uint64_t n)
{
    char f[REPORT_FIG_MAX];
    /* "<5" is markup: escape it like any text */
    report_html_txt(pg->b, report_count(f, n, pg->publish, true));
}

static void s_share(report_page_t *pg, uint64_t num, uint64_t den)
{
    char f[REPORT_FIG_MAX];
    report_html_txt(pg->b, report_share_text(f, num, den, pg->publish));
}

void report_page_h2(report_page_t *pg, const char *title)
{
    buf_adds(pg->b, "<h2>");
    report_html_txt(pg->b, title);
    buf_adds(pg->b, "</h2>");
}

/* Ends a chart's caption, saying what the chart left out as a sentence of
 * its own, where it wraps with the caption rather than be cut at the
 * chart's edge. */
static void s_left_out(report_page_t *pg, bool hidden, const char *note)
{
    if (hidden) {
        buf_addc(pg->b, ' ');
        report_html_txt(pg->b, note);
    }
    buf_adds(pg->b, "</figcaption></figure>\n");
}

static void s_intro(report_page_t *pg, const Carerhub__ReportReply *rep,
                    void (*between)(buf_t *, void *), void *ctx)
{
    char f[3][REPORT_FIG_MAX], when[DATE_WHEN_STRLEN];

    date_format_when(rep->generated_at, when);
    buf_adds(pg->b, "<h1>Carers supported in ");
    report_html_txt(pg->b, rep->area ? rep->area : "the area");
    buf_adds(pg->b, "</h1>\n<p>From ");
    report_html_txt(pg->b, report_date(f[0], rep->from));
    buf_adds(pg->b, " to ");
    report_html_txt(pg->b, report_date(f[1], rep->to));
    buf_adds(pg->b, ". Counted since the programme started on ");
    report_html_txt(pg->b, report_date(f[2], rep->programme_start));
    buf_adds(pg->b, ". Made ");
    report_html_txt(pg->b, when);
    buf_adds(pg->b, ". Counts only: this report holds no one&#39;s details.</p>\n");
    if (between)
        between(pg->b, ctx);
    if (pg->publish)
        buf_printf(pg->b,
                   "<p class=\"note\"><strong>Published figures.</strong> Counts below %d are "
                   "shown &quot;&lt;%d&quot;, as NHS and ONS statistics do. Shares, rates and "
                   "times worked out from them are shown as &quot;suppressed&quot;, and the "
                   "charts leave them out.</p>\n",
                   REPORT_SMALL, REPORT_SMALL);
    buf_adds(pg->b, "<p>Carers supported in the period: <span class=\"big\">");
    report_page_count(pg, rep->carers_supported);
    buf_adds(pg->b, "</span><br>Since the programme start: <span class=\"big\">");
    report_page_count(pg, rep->carers_supported_since_start);
    buf_adds(pg->b, "</span></p>\n");
    report_table(pg, "The period in figures", (const char *[]){"Figure", "Number"}, 2);
    report_row_head(pg, "Referrals received");
    report_cell_count(pg, rep->referrals);
    buf_adds(pg->b, "</tr>");
    report_row_head(pg, "Carers referred (each carer once)");
    report_cell_count(pg, rep->carers_referred);
    buf_adds(pg->b, "</tr>");
    report_row_head(pg, "Carers first contacted");
    report_cell_count(pg, rep->carers_contacted);
    buf_adds(pg->b, "</tr>");
    report_row_head(pg, "Carers first supported");
    report_cell_count(pg, rep->carers_supported);
    buf_adds(pg->b, "</tr>");
    report_row_head(pg, "Carers supported since the programme start");
    report_cell_count(pg, rep->carers_supported_since_start);
    buf_adds(pg->b, "</tr>");
    report_table_end(pg);
}

static void s_targets(report_page_t *pg, const Carerhub__ReportReply *rep)
{
    char f[3][REPORT_FIG_MAX];
    uint64_t need, line;
    bool hidden;

    report_page_h2(pg, "Progress to the targets");
    buf_adds(pg->b, "<ul>");
    for (size_t i = 0; i < rep->n_targets; i++) {
        const Carerhub__ReportTarget *t = rep->targets[i];
        /* behind, and saying so does not give away a hidden figure */
        bool behind = !t->due && !t->on_track && !report_target_hidden(t, pg->publish);
        buf_adds(pg->b, "<li><strong>");
        report_html_txt(pg->b, report_count(f[0], t->carers, false, true));
        buf_adds(pg->b, " by ");
        report_html_txt(pg->b, report_date(f[1], t->date));
        buf_adds(pg->b, "</strong>: ");
        report_page_count(pg, t->supported_so_far);
        buf_adds(pg->b, " so far; <strong>");
        report_html_txt(pg->b, report_target_state(t, pg->publish));
        buf_adds(pg->b, "</strong>");
        if (behind && report_needed(t, pg->publish, &need))
            buf_printf(pg->b, ": %s a month needed", report_count(f[2], need, false, true));
        else if (behind)
            buf_adds(pg->b, ": the rate needed is suppressed");
        buf_printf(pg->b, " (the straight line from the start: %s by now)</li>",
                   report_count(f[2], t->expected_by_now, false, true));
    }
    buf_adds(pg->b, "</ul>\n<figure>");
    hidden = report_svg_progress(pg->b, rep, pg->publish);
    buf_adds(pg->b, "<figcaption>Carers supported since the programme start at the end of each "
                    "month (solid line), against the straight line from the start to each "
                    "target (dashed). The table below has the same figures.");
    s_left_out(pg, hidden, "Months with fewer than 5 carers so far are not drawn.");
    report_table_open(pg,
                      "Carers supported since the start, by month, and the line to each target");
    report_th(pg, "Month", true);
    report_th(pg, "Supported since start", false);
    /* the line's columns: one per target, headed by the target */
    for (size_t i = 0; i < rep->n_targets; i++) {
        char head[3 * REPORT_FIG_MAX];
        snprintf(head, sizeof head, "Line to %s by %s",
                 report_count(f[0], rep->targets[i]->carers, false, true),
                 report_date(f[1], rep->targets[i]->date));
        report_th(pg, head, false);
    }
    report_table_body(pg);
    for (size_t m = 0; m < rep->n_by_month; m++) {
        const Carerhub__ReportRow *r = rep->by_month[m];
        report_row_head(pg, report_date(f[0], r->key));
        report_cell_count(pg, r->carers_supported_since_start);
        for (size_t i = 0; i < rep->n_targets; i++) {
            if (report_line(rep, rep->targets[i], report_month_day(rep, r->key), &line))
                report_cell_text(pg, report_count(f[1], line, false, true));
            else
                report_cell_text(pg, "-");
        }
        buf_adds(pg->b, "</tr>");
    }
    report_table_end(pg);
}

/* The stages of a path, in the order of the chart and its table. */
static void s_path(report_page_t *pg, const Carerhub__ReportReply *rep)
{
    const Carerhub__ReportPath *p = report_path(rep->path);
    char f[REPORT_FIG_MAX];
    report_stage_t st[REPORT_STAGES];
    bool hidden;

    report_page_h2(pg, "The path from referral to support");
    buf_adds(pg->b, "<p>Where the carers referred in the period stand now.</p>\n<figure>");
    hidden = report_svg_path(pg->b, p, pg->publish);
    buf_adds(pg->b, "<figcaption>Carers referred in the period, by where they stand now. The "
                    "table below has the same figures.");
    s_left_out(pg, hidden, "Stages with fewer than 5 carers are not drawn.");
    report_table(pg, "Carers referred in the period, by where they stand now",
                 (const char *[]){"Stage", "Carers"}, 2);
    report_path_stages(p, st);
    for (size_t i = 0; i < REPORT_STAGES; i++) {
        report_row_head(pg, st[i].name);
        report_cell_count(pg, st[i].n);
        buf_adds(pg->b, "</tr>");
    }
    report_table_end(pg);
    buf_adds(pg->b, "<p>Reached (contacted, supported or declined): ");
    report_html_txt(pg->b, report_conversion_text(f, p, REPORT_CONV_REACHED, pg->publish));
    buf_adds(pg->b, " of those referred. Supported: ");
    report_html_txt(pg->b, report_conversion_text(f, p, REPORT_CONV_SUPPORTED, pg->publish));
    buf_adds(pg->b, " of those reached. First contact within the target for its source: ");
    report_page_count(pg, p->within_target);
    buf_adds(pg->b, ".</p>\n");
}

static void s_times(report_page_t *pg, const Carerhub__ReportReply *rep)
{
    const Carerhub__ReportPath *p = report_path(rep->path);
    const Carerhub__ReportTimeliness *t = report_timeliness(rep->first_contact);
    char f[2][REPORT_FIG_MAX];
    unsigned med, p90;
    bool hidden;

    report_page_h2(pg, "Time to first contact");
    buf_adds(pg->b, "<p>");
    report_page_count(pg, t->contacts);
    buf_adds(pg->b, report_noun(t->contacts, pg->publish, " first contact", " first contacts"));
    buf_adds(pg->b, " in the period, counted from the referral&#39;s acceptance");
    if (report_times(t, pg->publish, &med, &p90))
        buf_printf(pg->b, ": median %s, 90th percentile %s", report_hours_text(f[0], med),
                   report_hours_text(f[1], p90));
    else if (t->contacts || report_times_hidden(t, pg->publish))
        buf_adds(pg->b, ": median and 90th percentile suppressed");
    buf_adds(pg->b, ".</p>\n<p>Urgent discharges: ");
    report_page_count(pg, p->urgent);
    buf_adds(pg->b, " referred, ");
    report_page_count(pg, p->urgent_within_target);
    buf_adds(pg->b, " contacted within their target (");
    s_share(pg, p->urgent_within_target, p->urgent);
    buf_adds(pg->b, ").</p>\n<figure>");
    hidden = report_svg_times(pg->b, rep, pg->publish);
    buf_adds(pg->b, "<figcaption>Median and 90th percentile hours from acceptance to first "
                    "contact, by organisation. The table below has the same figures.");
    s_left_out(pg, hidden, "Organisations with fewer than 5 first contacts are not drawn.");
    report_table(pg, "Time to first contact by organisation",
                 (const char *[]){"Organisation", "Contacts", "Median", "90th percentile"}, 4);
    for (size_t i = 0; i < rep->n_by_provider; i++) {
        const Carerhub__ReportRow *r = rep->by_provider[i];
        const Carerhub__ReportTimeliness *rt = report_timeliness(r->first_contact);
        bool have = report_times(rt, pg->publish, &med, &p90);
        const char *none =
            rt->contacts || report_times_hidden(rt, pg->publish) ? "suppressed" : "-";
        if (report_row_empty(r))
            continue;
        report_row_head(pg, report_row_label(r, false));
        report_cell_count(pg, rt->contacts);
        report_cell_text(pg, have ? report_hours_text(f[0], med) : none);
        report_cell_text(pg, have ? report_hours_text(f[1], p90) : none);
        buf_adds(pg->b, "</tr>");
    }
    report_table_end(pg);
}

void report_html_body(buf_t *out, const Carerhub__ReportReply *rep, bool publish,
                      void (*between)(buf_t *out, void *ctx), void *ctx)
{
    report_page_t page = {out, publish, 0, 0, 0}, *pg = &page;
    const Carerhub__ReportPath *p = report_path(rep->path);

    s_intro(pg, rep, between, ctx);
    s_targets(pg, rep);
    s_path(pg, rep);
    s_times(pg, rep);
    report_html_breakdowns(pg, rep);
    report_html_about(pg, rep);
    report_page_h2(pg, "Young carers");
    buf_adds(pg->b, "<p>Young carers referred in the period: ");
    report_page_count(pg, p->young);
    buf_adds(pg->b, ". Moved to adult services in the period: ");
    report_page_count(pg, rep->transitions);
    buf_adds(pg->b, ".</p>\n");
    report_page_h2(pg, "Discharges: was the carer consulted");
    buf_adds(pg->b, "<p>Discharge referrals in the period: ");
    report_page_count(pg, rep->discharges);
    buf_adds(pg->b, ". The carer was consulted in ");
    report_page_count(pg, rep->discharges_consulted);
    buf_adds(pg->b, " (");
    s_share(pg, rep->discharges_consulted, rep->discharges);
    buf_adds(pg->b, ").</p>\n");
}

void report_html(buf_t *out, const Carerhub__ReportReply *rep, bool publish)
{
    char from[REPORT_FIG_MAX], to[REPORT_FIG_MAX];

    report_date(from, rep->from);
    report_date(to, rep->to);
    buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                  "<title>Carers supported in ");
    report_html_txt(out, rep->area ? rep->area : "the area");
    buf_adds(out, ": ");
    report_html_txt(out, from);
    buf_adds(out, " to ");
    report_html_txt(out, to);
    buf_printf(out, "</title><style>%s%s</style></head>\n<body><main>\n", s_page_style, report_css);
    report_html_body(out, rep, publish, NULL, NULL);
    buf_adds(out, "</main></body></html>\n");
}
