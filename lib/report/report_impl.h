/*
 * What the report's four forms share (not for callers outside
 * lib/report/ and its tests): one place that decides what a published
 * figure may show (report_fig.c), the escaping of the page's text
 * (report_html.c, report_html_table.c) and its charts (report_svg.c).
 */
#ifndef CARERHUB_REPORT_IMPL_H
#define CARERHUB_REPORT_IMPL_H

#include "report/report.h"
#include "util/date.h"

#include <stdbool.h>
#include <stdint.h>

#define REPORT_FIG_MAX 40 /* a formatted count or date, with the NUL */

/* --- figures (report_fig.c) ----------------------------------------------- */

/* Whether the count n is hidden ("<5") under publish. */
bool report_small(uint64_t n, bool publish);
/* n as written: "<5" when hidden, else its digits, with thousands
 * separators ("12,500") when sep. Returns out. */
const char *report_count(char out[REPORT_FIG_MAX], uint64_t n, bool publish, bool sep);
/* The share num/den, rounded to 3 decimals, in *out. False when there is
 * none to give: den is 0, or under publish num or den is below 5. */
bool report_share(uint64_t num, uint64_t den, bool publish, double *out);
/* The share as a person reads it ("66.7%"), or "suppressed" / "-" when
 * report_share gives none (hidden / nothing to divide by; under publish a
 * den of 0 is hidden like 1 to 4, so "suppressed"). Returns out. */
const char *report_share_text(char out[REPORT_FIG_MAX], uint64_t num, uint64_t den, bool publish);
/* Carers reached by the organisation: contacted, supported or declined. */
uint64_t report_reached(const Carerhub__ReportPath *p);
/* A path's two conversions: carers reached, of those referred, and
 * supported, of those reached. */
typedef enum { REPORT_CONV_REACHED, REPORT_CONV_SUPPORTED } report_conv_t;
/* Conversion c of path p as report_share gives it, and also none under
 * publish when any count summed into reached is below 5: the share and
 * the referred would give the sum, so the hidden part with it. */
bool report_conversion(const Carerhub__ReportPath *p, report_conv_t c, bool publish, double *out);
/* The same as a person reads it, as report_share_text. Returns out. */
const char *report_conversion_text(char out[REPORT_FIG_MAX], const Carerhub__ReportPath *p,
                                   report_conv_t c, bool publish);
/* The median and 90th percentile of t in hours. False when there are no
 * contacts, or under publish fewer than 5. */
bool report_times(const Carerhub__ReportTimeliness *t, bool publish, unsigned *median,
                  unsigned *p90);
/* Whether report_times gives none because publish hides the contacts (0
 * among them): to be called suppressed, never "no first contacts", which
 * would tell 0 from 1 to 4. */
bool report_times_hidden(const Carerhub__ReportTimeliness *t, bool publish);
/* Hours as a person reads them: "20 h" below 72, else whole days ("4
 * days"). Returns out. */
const char *report_hours_text(char out[REPORT_FIG_MAX], unsigned hours);
/* The noun after count n as written: one for 1, else many ("<5" too). */
const char *report_noun(uint64_t n, bool publish, const char *one, const char *many);
/* Carers a month needed to meet target t, rounded up; false when it is
 * hidden (under publish, supported_so_far below 5). */
bool report_needed(const Carerhub__ReportTarget *t, bool publish, uint64_t *out);
/* Where target t stands: "met" or "missed" once due, else "on track" or
 * "behind" (static text); under publish "whether met is suppressed" /
 * "whether on track is suppressed" when report_target_hidden. */
const char *report_target_state(const Carerhub__ReportTarget *t, bool publish);
/* Whether publish hides where t stands: its supported so far is hidden
 * and the straight line by now is 1 to 4, so "behind" or "on track" would
 * narrow it down (behind a line at 1: none). Against 0 or 5 and more the
 * state follows from "<5" and is given. */
bool report_target_hidden(const Carerhub__ReportTarget *t, bool publish);

/* The day counting starts: the programme start, else the period's first
 * day, else -1. */
date_t report_start(const Carerhub__ReportReply *rep);
/* The last day of month "YYYY-MM", or -1. */
date_t report_month_end(const char *ym);
/* The day a month's figures stand for: its last day, or the period's end
 * in the period's last (partial) month; -1 if ym is not YYYY-MM. */
date_t report_month_day(const Carerhub__ReportReply *rep, const char *ym);
/* Carers supported on the straight line from the programme start (none)
 * to target t (all its carers on its date), on day `day`, rounded; false
 * past the target's date or when the dates are missing. */
bool report_line(const Carerhub__ReportReply *rep, const Carerhub__ReportTarget *t, date_t day,
                 uint64_t *out);

/* The reply's path, or an all-zero one when it has none (borrowed). */
const Carerhub__ReportPath *report_path(const Carerhub__ReportPath *p);
/* The same for a timeliness. */
const Carerhub__ReportTimeliness *report_timeliness(const Carerhub__ReportTimeliness *t);
/* Whether every count of row r is 0: such rows are left out. */
bool report_row_empty(const Carerhub__ReportRow *r);
/* A source's name ("GP practices") by its key, else NULL. */
const char *report_source_name(const char *key);
/* What to call row r: its configured name, else (for a source) the
 * source's name, else its key, else "". */
const char *report_row_label(const Carerhub__ReportRow *r, bool is_source);

/* "2027-04-01" as "1 April 2027", "2026-11" as "November 2026"; anything
 * else as it is (cut to fit). Returns out. */
const char *report_date(char out[REPORT_FIG_MAX], const char *s);
/* The generation time (unix ms) as RFC 3339 in UTC: 2026-12-01T15:40:00Z. */
void report_utc(char out[REPORT_FIG_MAX], int64_t ms);

/* --- what the referrals say, and the areas (report_about.c) ----------------- */

/* The tables of what the referrals received in the period say about the
 * carer, in the order every form writes them: name (the JSON key and CSV
 * section), title (a caption), the rows (key, name, referrals). */
#define REPORT_ABOUT_ROWS 16 /* rows of one table at most (a dimension's values and the rest) */
typedef enum {
    REPORT_SHOWN,     /* the count */
    REPORT_SMALL_HID, /* below 5: "<5" */
    REPORT_ALSO_HID,  /* 5 or more, hidden so that no small one can be worked out */
} report_hid_t;
typedef struct {
    const char *name, *title;
    Carerhub__ReportRow *const *rows;
    size_t n;
    bool equality;                        /* of the referrals with consent to equality monitoring */
    bool partition;                       /* its rows add up to a total the report gives */
    unsigned char hid[REPORT_ABOUT_ROWS]; /* report_hid_t of each row, under publish */
} report_about_t;
#define REPORT_ABOUT_N 8
/* The tables, and under publish which of each table's counts are hidden:
 * each below 5, and in a table whose rows add up to a total the report
 * gives (every one but the requests, of which a referral may ask several),
 * when any is, the next smallest others too until at least two are hidden
 * and they hold 5 or more together: so no hidden count, nor that they are
 * all 0, can be worked out from the total by subtraction (secondary
 * suppression, as ONS does). */
void report_about_list(const Carerhub__ReportReply *rep, bool publish,
                       report_about_t out[REPORT_ABOUT_N]);
/* Row j of table t as written: its digits (thousands separated if sep),
 * "<5" or "suppressed" (REPORT_ALSO_HID). Returns out. */
const char *report_about_count(char out[REPORT_FIG_MAX], const report_about_t *t, size_t j,
                               bool sep);
/* Area a's carers referred per 1,000 carers, in the period or since the
 * start, in *out; false when there is none to give: no population, or
 * under publish the count it is worked out from is below 5. */
bool report_per_1000(const Carerhub__ReportRow *a, bool since, bool publish, double *out);
/* The same as a person reads it ("0.26"), or "suppressed" / "-". */
const char *report_per_1000_text(char out[REPORT_FIG_MAX], const Carerhub__ReportRow *a, bool since,
                                 bool publish);

/* --- the page (report_html.c, report_svg.c) --------------------------------- */

/* Appends s as HTML text, safe in an element or a quoted attribute: & < >
 * " ' as character references, each control character and each byte that
 * is not well-formed UTF-8 as U+FFFD. NULL appends nothing. */
void report_html_txt(buf_t *b, const char *s);

/* Each appends one <svg role="img"> with its <title> and <desc> (the
 * tables beside it carry the same figures). Figures hidden under publish
 * are not drawn; each returns whether it left one out, for the page to say
 * so beside the chart (text in the chart would be cut at its edge). */
bool report_svg_progress(buf_t *b, const Carerhub__ReportReply *rep, bool publish);
bool report_svg_path(buf_t *b, const Carerhub__ReportPath *p, bool publish);
/* The stages of a path, as the chart and the page's table name them, in
 * their order. */
typedef struct {
    const char *name;
    uint64_t n;
} report_stage_t;
#define REPORT_STAGES 7
void report_path_stages(const Carerhub__ReportPath *p, report_stage_t out[REPORT_STAGES]);
bool report_svg_times(buf_t *b, const Carerhub__ReportReply *rep, bool publish);

/* The page being written (report_html.c, its tables report_html_table.c):
 * where, under publish or not, the next id, and the columns and rows of
 * the table open now. */
typedef struct {
    buf_t *b;
    bool publish;
    unsigned id, cols, rows;
} report_page_t;

/* Count n as written on the page ("<5" escaped). */
void report_page_count(report_page_t *pg, uint64_t n);
void report_page_h2(report_page_t *pg, const char *title);
/* A table: report_table_open, a report_th for each column head (the
 * first heads the row labels, the rest figures), report_table_body; or
 * report_table with every head at once. Then rows of report_row_head and
 * cells, each row closed with "</tr>", and report_table_end, which says
 * "None" in a table left without rows. */
void report_table_open(report_page_t *pg, const char *caption);
void report_th(report_page_t *pg, const char *head, bool first);
void report_table_body(report_page_t *pg);
void report_table(report_page_t *pg, const char *caption, const char *const *heads, size_t n);
void report_table_end(report_page_t *pg);
void report_row_head(report_page_t *pg, const char *label);
void report_cell_count(report_page_t *pg, uint64_t n);
void report_cell_text(report_page_t *pg, const char *s);
/* The breakdowns by organisation, source, authority and month, who refers
 * and who has gone quiet: a heading and a table each. */
void report_html_breakdowns(report_page_t *pg, const Carerhub__ReportReply *rep);
/* What the referrals say, and the areas against their carer population:
 * a heading and a table each. */
void report_html_about(report_page_t *pg, const Carerhub__ReportReply *rep);

#endif
