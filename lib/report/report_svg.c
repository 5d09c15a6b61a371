/*
 * The report page's charts as inline SVG: progress to each target over
 * time, the path from referral to support, time to first contact by
 * organisation. Each is an image with a title and a description for
 * screen readers; the page puts a table with the same figures beside it,
 * so no figure is only a picture. A figure hidden under publish is not
 * drawn, and the page says so beside the chart. Each is laid out in a
 * box S_W user units wide for text of S_F units: the page shows the chart
 * as wide as its text column (at most 42rem) and sets the text smaller in
 * units as the chart is drawn wider, so text reads at 12 to 16 px from a
 * 320 px phone to a desktop (report_html.c). Colours: #1d70b8 (5.2:1 on white) and
 * #505a5f (7:1) for bars and lines, #d4351c (4.5:1) for the target lines,
 * which are dashed too, so colour is never the only difference.
 */
#include "report/report_impl.h"

#include "util/text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define S_W 480.0 /* every chart's width in user units */
#define S_F 20.0  /* the largest text the page sets, in user units */
/* A width in user units that text of n characters at S_F fits in (the
 * page's sans-serif averages under 0.6 em a character). */
#define S_TEXT_W(n) (0.62 * S_F * (double)(n))
#define S_BLUE      "#1d70b8"
#define S_GREY      "#505a5f"
#define S_RED       "#d4351c"
#define S_INK       "#0b0c0c"

/* Opens chart id (its title and description our own text, escaped). */
static void s_open(buf_t *b, const char *id, double h, const char *title, const char *desc)
{
    buf_printf(b,
               "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-labelledby=\"%s-t %s-d\" "
               "font-size=\"%.0f\" fill=\"" S_INK "\"><title id=\"%s-t\">",
               S_W, h, id, id, S_F, id);
    report_html_txt(b, title);
    buf_printf(b, "</title><desc id=\"%s-d\">", id);
    report_html_txt(b, desc);
    buf_adds(b, "</desc>");
}

static void s_text(buf_t *b, double x, double y, const char *anchor, const char *s)
{
    buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
    report_html_txt(b, s);
    buf_adds(b, "</text>");
}

/* s cut to at most max characters (an ellipsis marks the cut), whole
 * UTF-8 sequences only; the table beside the chart has the full name. */
static void s_cut(const char *s, size_t max, char *out, size_t outsz)
{
    size_t i = 0, chars = 0, n = strlen(s);
    while (i < n && chars < max) {
        size_t len = text_utf8_seq_len((const unsigned char *)s + i, n - i);
        i += len ? len : 1;
        chars++;
    }
    if (i < n && i + 4 <= outsz)
        snprintf(out, outsz, "%.*s\xe2\x80\xa6", (int)i, s);
    else
        snprintf(out, outsz, "%.*s", (int)(i < outsz ? i : outsz - 1), s);
}

/* A round top for an axis from 0 to at least max, in `ticks` steps of
 * whole carers (a tick at 0.5 would be labelled 0). */
static double s_nice(double max, int ticks, double *step)
{
    double raw = (max > 0 ? max : 1) / ticks, mag = pow(10, floor(log10(raw))), r = raw / mag;
    *step = fmax(1, mag * (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10));
    return ceil((max > 0 ? max : 1) / *step) * *step;
}

/* --- (a) progress to each target -------------------------------------------- */

/* The plot's box: from S_L to S_W - S_R across, S_PT (room above the top
 * mark for its label) down to the axis at S_AY; the years below it, then
 * the legend, so that no label in the plot can reach the legend. */
#define S_L  84.0
#define S_R  16.0
#define S_PT (S_F + 16)
#define S_AY (S_PT + 220)

typedef struct {
    date_t start, end;
    double top;
} s_axes_t;

static double s_x(const s_axes_t *a, date_t d)
{
    return S_L + (S_W - S_L - S_R) * (double)(d - a->start) / (double)(a->end - a->start);
}

static double s_y(const s_axes_t *a, double v)
{
    return S_AY - (S_AY - S_PT) * v / a->top;
}

static void s_axes(buf_t *b, const s_axes_t *a, double step)
{
    char f[REPORT_FIG_MAX];
    int y0, m, d;

    for (double v = 0; v <= a->top + step / 2; v += step) {
        buf_printf(b, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#b1b4b6\"/>",
                   S_L, S_W - S_R, s_y(a, v), s_y(a, v));
        s_text(b, S_L - 6, s_y(a, v) + S_F * 0.35, "end",
               report_count(f, (uint64_t)v, false, true));
    }
    /* a tick at each 1 January: the years the programme runs through */
    date_to_ymd(a->start, &y0, &m, &d);
    for (int y = y0 + 1;; y++) {
        date_t jan = date_from_ymd(y, 1, 1);
        if (jan > a->end)
            break;
        buf_printf(b,
                   "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"" S_INK "\"/>",
                   s_x(a, jan), s_x(a, jan), S_AY, S_AY + 6);
        snprintf(f, sizeof f, "%d", y);
        s_text(b, s_x(a, jan), S_AY + S_F + 6, "middle", f);
    }
    buf_printf(b, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"" S_INK "\"/>",
               S_L, S_W - S_R, S_AY, S_AY);
}

/* The legend, under the years. */
static void s_legend(buf_t *b)
{
    double y = S_AY + 2 * S_F + 22;
    buf_printf(b,
               "<line x1=\"0\" x2=\"28\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"" S_BLUE
               "\" stroke-width=\"3\"/>",
               y - S_F * 0.35, y - S_F * 0.35);
    s_text(b, 36, y, "start", "carers supported since the start");
    y += S_F + 8;
    buf_printf(b,
               "<line x1=\"0\" x2=\"28\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"" S_RED
               "\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>",
               y - S_F * 0.35, y - S_F * 0.35);
    s_text(b, 36, y, "start", "straight line to each target");
}

/* Target t's line from the start and its mark, labelled beside the mark
 * on the side away from the axis, kept inside the plot's box. */
static void s_target(buf_t *b, const s_axes_t *a, const Carerhub__ReportTarget *t, date_t d)
{
    char f[2][REPORT_FIG_MAX], label[3 * REPORT_FIG_MAX], ym[8];
    double x = s_x(a, d), y = s_y(a, (double)t->carers), w;

    buf_printf(b,
               "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" S_RED
               "\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/><circle cx=\"%.1f\" "
               "cy=\"%.1f\" r=\"4\" fill=\"" S_RED "\"/>",
               s_x(a, a->start), s_y(a, 0), x, y, x, y);
    snprintf(ym, sizeof ym, "%.7s", t->date);
    snprintf(label, sizeof label, "%s by %s", report_count(f[0], t->carers, false, true),
             report_date(f[1], ym));
    w = S_TEXT_W(text_utf8_chars(label, strlen(label)));
    /* a white halo so the lines it crosses do not hide it */
    buf_adds(b, "<g stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\">");
    if (x < S_L + (S_W - S_L - S_R) / 2)
        s_text(b, fmin(x + 8, S_W - 2 - w), fmin(y + S_F + 4, S_AY - 6), "start", label);
    else
        s_text(b, fmax(x - 8, w + 2), y - 8, "end", label);
    buf_adds(b, "</g>");
}

bool report_svg_progress(buf_t *b, const Carerhub__ReportReply *rep, bool publish)
{
    s_axes_t a = {report_start(rep), -1, 0};
    double max = 0, step;
    bool hidden = false, open = false;
    date_t d;

    for (size_t i = 0; i < rep->n_targets; i++)
        if (rep->targets[i]->date && date_parse(rep->targets[i]->date, &d) == 0) {
            a.end = d > a.end ? d : a.end;
            max = fmax(max, (double)rep->targets[i]->carers);
        }
    /* the axis from what is drawn only: a top of 3 would give away a
     * hidden 3 */
    for (size_t i = 0; i < rep->n_by_month; i++) {
        uint64_t n = rep->by_month[i]->carers_supported_since_start;
        d = report_month_day(rep, rep->by_month[i]->key);
        a.end = d > a.end ? d : a.end;
        if (report_small(n, publish))
            hidden = true;
        else
            max = fmax(max, (double)n);
    }
    s_open(b, "chart-progress", S_AY + 3 * S_F + 38, "Progress to each target",
           "Carers supported since the programme start at the end of each month, rising from "
           "left to right, against a dashed straight line from the start to each target. The "
           "table after the chart gives every figure.");
    if (a.start < 0 || a.end <= a.start) {
        s_text(b, 8, 40, "start", "Nothing to draw against:");
        s_text(b, 8, 40 + S_F + 8, "start", "no programme start or target.");
        buf_adds(b, "</svg>");
        return false;
    }
    a.top = s_nice(max, 4, &step);
    s_axes(b, &a, step);
    s_legend(b);
    for (size_t i = 0; i < rep->n_targets; i++) {
        const Carerhub__ReportTarget *t = rep->targets[i];
        if (t->date && date_parse(t->date, &d) == 0 && d > a.start)
            s_target(b, &a, t, d);
    }
    /* the carers supported: a line through the months drawn, broken where a
     * month's figure is hidden */
    for (size_t i = 0; i < rep->n_by_month; i++) {
        const Carerhub__ReportRow *r = rep->by_month[i];
        uint64_t n = r->carers_supported_since_start;
        d = report_month_day(rep, r->key);
        if (d < 0 || report_small(n, publish)) {
            if (open)
                buf_adds(b, "\"/>");
            open = false;
            continue;
        }
        if (!open)
            buf_adds(b, "<polyline fill=\"none\" stroke=\"" S_BLUE "\" stroke-width=\"3\" "
                        "points=\"");
        buf_printf(b, "%s%.1f,%.1f", open ? " " : "", s_x(&a, d), s_y(&a, (double)n));
        open = true;
    }
    if (open)
        buf_adds(b, "\"/>");
    for (size_t i = 0; i < rep->n_by_month; i++) {
        uint64_t n = rep->by_month[i]->carers_supported_since_start;
        d = report_month_day(rep, rep->by_month[i]->key);
        if (d >= 0 && !report_small(n, publish))
            buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"" S_BLUE "\"/>",
                       s_x(&a, d), s_y(&a, (double)n));
    }
    buf_adds(b, "</svg>");
    return hidden;
}

/* --- (b) the path ------------------------------------------------------------- */

/* A row: its name, then under it a bar with its figure at the end. */
#define S_ROW (2 * S_F + 14)

void report_path_stages(const Carerhub__ReportPath *p, report_stage_t out[REPORT_STAGES])
{
    const report_stage_t st[REPORT_STAGES] = {
        {"Referred", p->referred},
        {"Contacted", p->contacted},
        {"Supported", p->supported},
        {"Declined", p->declined},
        {"Unable to contact", p->unable_to_contact},
        {"Waiting", p->waiting},
        {"Closed before contact", p->closed},
    };
    memcpy(out, st, sizeof st);
}

bool report_svg_path(buf_t *b, const Carerhub__ReportPath *p, bool publish)
{
    report_stage_t st[REPORT_STAGES];
    const size_t n = REPORT_STAGES;
    /* the longest bar leaves room for "12,500" after it */
    const double bar = S_W - S_TEXT_W(8);
    char f[REPORT_FIG_MAX];
    double max = 1, y = 4;
    bool hidden = false;

    report_path_stages(p, st);
    for (size_t i = 0; i < n; i++) {
        if (!report_small(st[i].n, publish))
            max = fmax(max, (double)st[i].n);
        hidden = hidden || report_small(st[i].n, publish);
    }
    s_open(b, "chart-path", 8 + S_ROW * n, "The path from referral to support",
           "One bar for each stage: the carers referred in the period, then how many of them "
           "are now contacted, supported, declined, unable to contact, waiting or closed before "
           "contact. The table after the chart gives every figure.");
    for (size_t i = 0; i < n; i++, y += S_ROW) {
        s_text(b, 0, y + S_F, "start", st[i].name);
        if (report_small(st[i].n, publish)) {
            s_text(b, 0, y + 2 * S_F + 4, "start", "<5: not drawn");
            continue;
        }
        double w = bar * (double)st[i].n / max;
        buf_printf(b, "<rect x=\"0\" y=\"%.0f\" width=\"%.1f\" height=\"16\" fill=\"" S_BLUE "\"/>",
                   y + S_F + 8, w);
        s_text(b, w + 6, y + 2 * S_F + 4, "start", report_count(f, st[i].n, publish, true));
    }
    buf_adds(b, "</svg>");
    return hidden;
}

/* --- (c) time to first contact by organisation ------------------------------- */

/* A row: the organisation, then two bars with their figures at the end. */
#define S_TROW (S_F + 66)

bool report_svg_times(buf_t *b, const Carerhub__ReportReply *rep, bool publish)
{
    char f[REPORT_FIG_MAX], label[2 * REPORT_FIG_MAX], name[200];
    /* room after the longest bar for "90th percentile 12 days" */
    const double bar = S_W - S_TEXT_W(24);
    double max = 1, y = 4;
    size_t rows = 0;
    bool hidden = false;
    unsigned med, p90;

    for (size_t i = 0; i < rep->n_by_provider; i++) {
        const Carerhub__ReportTimeliness *t = report_timeliness(rep->by_provider[i]->first_contact);
        if (report_row_empty(rep->by_provider[i]))
            continue;
        rows++;
        if (report_times(t, publish, &med, &p90))
            max = fmax(max, fmax(med, p90));
        else
            hidden = hidden || report_times_hidden(t, publish);
    }
    s_open(b, "chart-times", 8 + S_TROW * (double)(rows ? rows : 1),
           "Time to first contact by organisation",
           "For each organisation, two bars: the median and the 90th percentile of the hours "
           "from acceptance to first contact. The table after the chart gives every figure.");
    if (rows == 0)
        s_text(b, 0, y + S_F, "start", "No organisation has cases in the period.");
    for (size_t i = 0; i < rep->n_by_provider; i++) {
        const Carerhub__ReportRow *r = rep->by_provider[i];
        const Carerhub__ReportTimeliness *t = report_timeliness(r->first_contact);
        if (report_row_empty(r))
            continue;
        /* the chart's width of text; the table beside it has the name */
        s_cut(report_row_label(r, false), (size_t)(S_W / S_TEXT_W(1)) - 2, name, sizeof name);
        s_text(b, 0, y + S_F, "start", name);
        if (!report_times(t, publish, &med, &p90)) {
            /* under publish 0 is hidden like 1 to 4: not "no first contacts" */
            s_text(b, 0, y + 2 * S_F + 10, "start",
                   report_times_hidden(t, publish) ? "fewer than 5 contacts: not drawn"
                                                   : "no first contacts");
            y += S_TROW;
            continue;
        }
        for (int k = 0; k < 2; k++) {
            unsigned h = k ? p90 : med;
            double w = bar * h / max, top = y + S_F + 8 + 26 * k;
            buf_printf(b, "<rect x=\"0\" y=\"%.0f\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>",
                       top, w, k ? S_GREY : S_BLUE);
            snprintf(label, sizeof label, "%s %s", k ? "90th percentile" : "median",
                     report_hours_text(f, h));
            s_text(b, w + 6, top + 16, "start", label);
        }
        y += S_TROW;
    }
    buf_adds(b, "</svg>");
    return hidden;
}
