/*
 * The report page's charts as inline SVG: progress to each target over
 * time, the path from referral to support, time to first contact by
 * organisation. Each is an image with a title and a description for
 * screen readers; the page puts a table with the same figures beside it,
 * so no figure is only a picture. A figure hidden under publish is not
 * drawn, and the chart says so. Colours: #1d70b8 (5.2:1 on white) and
 * #505a5f (7:1) for bars and lines, #d4351c (4.5:1) for the target lines,
 * which are dashed too, so colour is never the only difference.
 */
#include "report/report_impl.h"

#include "util/text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define S_W    360.0 /* every chart's width in user units */
#define S_BLUE "#1d70b8"
#define S_GREY "#505a5f"
#define S_RED  "#d4351c"
#define S_INK  "#0b0c0c"

/* Opens chart id (its title and description our own text, escaped). */
static void s_open(buf_t *b, const char *id, double h, const char *title, const char *desc)
{
    buf_printf(b,
               "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-labelledby=\"%s-t %s-d\" "
               "font-size=\"14\" fill=\"" S_INK "\"><title id=\"%s-t\">",
               S_W, h, id, id, id);
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

typedef struct {
    date_t start, end;
    double top;
} s_axes_t;

static double s_x(const s_axes_t *a, date_t d)
{
    return 52 + (S_W - 64) * (double)(d - a->start) / (double)(a->end - a->start);
}

static double s_y(const s_axes_t *a, double v)
{
    return 220 - 176 * v / a->top;
}

static void s_axes(buf_t *b, const s_axes_t *a, double step)
{
    char f[REPORT_FIG_MAX];
    int y0, m, d;

    for (double v = 0; v <= a->top + step / 2; v += step) {
        buf_printf(b, "<line x1=\"52\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#b1b4b6\"/>",
                   S_W - 12, s_y(a, v), s_y(a, v));
        s_text(b, 48, s_y(a, v) + 4, "end", report_count(f, (uint64_t)v, false, true));
    }
    /* a tick at each 1 January: the years the programme runs through */
    date_to_ymd(a->start, &y0, &m, &d);
    for (int y = y0 + 1;; y++) {
        date_t jan = date_from_ymd(y, 1, 1);
        if (jan > a->end)
            break;
        buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"220\" y2=\"226\" stroke=\"" S_INK "\"/>",
                   s_x(a, jan), s_x(a, jan));
        snprintf(f, sizeof f, "%d", y);
        s_text(b, s_x(a, jan), 240, "middle", f);
    }
    buf_printf(b, "<line x1=\"52\" x2=\"%.0f\" y1=\"220\" y2=\"220\" stroke=\"" S_INK "\"/>",
               S_W - 12);
}

void report_svg_progress(buf_t *b, const Carerhub__ReportReply *rep, bool publish)
{
    s_axes_t a = {report_start(rep), -1, 0};
    char f[2][REPORT_FIG_MAX], label[3 * REPORT_FIG_MAX];
    double max = 0, step;
    bool hidden = false, open = false;
    date_t d;

    for (size_t i = 0; i < rep->n_targets; i++)
        if (rep->targets[i]->date && date_parse(rep->targets[i]->date, &d) == 0) {
            a.end = d > a.end ? d : a.end;
            max = fmax(max, (double)rep->targets[i]->carers);
        }
    /* the axis from what is drawn only: a top of 3 would give away a
     * hidden 3; a month left out needs a line saying so, room for it */
    for (size_t i = 0; i < rep->n_by_month; i++) {
        uint64_t n = rep->by_month[i]->carers_supported_since_start;
        d = report_month_day(rep, rep->by_month[i]->key);
        a.end = d > a.end ? d : a.end;
        if (report_small(n, publish))
            hidden = true;
        else
            max = fmax(max, (double)n);
    }
    s_open(b, "chart-progress", hidden ? 274 : 252, "Progress to each target",
           "Carers supported since the programme start at the end of each month, rising from "
           "left to right, against a dashed straight line from the start to each target. The "
           "table after the chart gives every figure.");
    if (a.start < 0 || a.end <= a.start) {
        s_text(b, 8, 40, "start", "No programme start or target to draw against.");
        buf_adds(b, "</svg>");
        return;
    }
    a.top = s_nice(max, 4, &step);
    s_axes(b, &a, step);
    buf_adds(b, "<line x1=\"52\" x2=\"76\" y1=\"12\" y2=\"12\" stroke=\"" S_BLUE
                "\" stroke-width=\"3\"/>");
    s_text(b, 82, 16, "start", "carers supported since the start");
    buf_adds(b, "<line x1=\"52\" x2=\"76\" y1=\"30\" y2=\"30\" stroke=\"" S_RED
                "\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>");
    s_text(b, 82, 34, "start", "straight line to each target");
    for (size_t i = 0; i < rep->n_targets; i++) {
        const Carerhub__ReportTarget *t = rep->targets[i];
        char ym[8];
        double x, y;
        if (!t->date || date_parse(t->date, &d) < 0 || d <= a.start)
            continue;
        x = s_x(&a, d);
        y = s_y(&a, (double)t->carers);
        buf_printf(b,
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" S_RED
                   "\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/><circle cx=\"%.1f\" "
                   "cy=\"%.1f\" r=\"4\" fill=\"" S_RED "\"/>",
                   s_x(&a, a.start), s_y(&a, 0), x, y, x, y);
        snprintf(ym, sizeof ym, "%.7s", t->date);
        snprintf(label, sizeof label, "%s by %s", report_count(f[0], t->carers, false, true),
                 report_date(f[1], ym));
        /* beside its mark, on the side away from the axis, with a white
         * halo so the lines it crosses do not hide it */
        buf_adds(b, "<g stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\">");
        if (x < 52 + (S_W - 64) / 2)
            s_text(b, x + 8, y + 18, "start", label);
        else
            s_text(b, x - 6, y - 8, "end", label);
        buf_adds(b, "</g>");
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
    if (hidden)
        s_text(b, 8, 268, "start", "Months with fewer than 5 carers so far are not drawn.");
    buf_adds(b, "</svg>");
}

/* --- (b) the path ------------------------------------------------------------- */

void report_svg_path(buf_t *b, const Carerhub__ReportPath *p, bool publish)
{
    const struct {
        const char *name;
        uint64_t n;
    } st[] = {
        {"Referred", p->referred},
        {"Contacted", p->contacted},
        {"Supported", p->supported},
        {"Declined", p->declined},
        {"Unable to contact", p->unable_to_contact},
        {"Waiting", p->waiting},
        {"Closed before contact", p->closed},
    };
    const size_t n = sizeof st / sizeof *st;
    char f[REPORT_FIG_MAX];
    double max = 1, y = 4;
    bool hidden = false;

    for (size_t i = 0; i < n; i++) {
        if (!report_small(st[i].n, publish))
            max = fmax(max, (double)st[i].n);
        hidden = hidden || report_small(st[i].n, publish);
    }
    s_open(b, "chart-path", 8 + 40.0 * n + (hidden ? 24 : 0), "The path from referral to support",
           "One bar for each stage: the carers referred in the period, then how many of them "
           "are now contacted, supported, declined, unable to contact, waiting or closed before "
           "contact. The table after the chart gives every figure.");
    for (size_t i = 0; i < n; i++, y += 40) {
        s_text(b, 0, y + 14, "start", st[i].name);
        if (report_small(st[i].n, publish)) {
            s_text(b, 0, y + 32, "start", "<5: not drawn");
            continue;
        }
        double w = 280 * (double)st[i].n / max;
        buf_printf(b, "<rect x=\"0\" y=\"%.0f\" width=\"%.1f\" height=\"14\" fill=\"" S_BLUE "\"/>",
                   y + 20, w);
        s_text(b, w + 6, y + 32, "start", report_count(f, st[i].n, publish, true));
    }
    if (hidden)
        s_text(b, 0, y + 16, "start", "Stages with fewer than 5 carers are not drawn.");
    buf_adds(b, "</svg>");
}

/* --- (c) time to first contact by organisation ------------------------------- */

void report_svg_times(buf_t *b, const Carerhub__ReportReply *rep, bool publish)
{
    char f[REPORT_FIG_MAX], label[2 * REPORT_FIG_MAX], name[200];
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
    s_open(b, "chart-times", 8 + 62.0 * (rows ? rows : 1) + (hidden ? 24 : 0),
           "Time to first contact by organisation",
           "For each organisation, two bars: the median and the 90th percentile of the hours "
           "from acceptance to first contact. The table after the chart gives every figure.");
    if (rows == 0)
        s_text(b, 0, 24, "start", "No organisation has cases in the period.");
    for (size_t i = 0; i < rep->n_by_provider; i++) {
        const Carerhub__ReportRow *r = rep->by_provider[i];
        const Carerhub__ReportTimeliness *t = report_timeliness(r->first_contact);
        if (report_row_empty(r))
            continue;
        s_cut(report_row_label(r, false), 44, name, sizeof name);
        s_text(b, 0, y + 14, "start", name);
        if (!report_times(t, publish, &med, &p90)) {
            /* under publish 0 is hidden like 1 to 4: not "no first contacts" */
            s_text(b, 0, y + 34, "start",
                   report_times_hidden(t, publish) ? "fewer than 5 contacts: not drawn"
                                                   : "no first contacts");
            y += 62;
            continue;
        }
        for (int k = 0; k < 2; k++) {
            unsigned h = k ? p90 : med;
            double w = 180 * h / max, top = y + 20 + 18 * k;
            buf_printf(b, "<rect x=\"0\" y=\"%.0f\" width=\"%.1f\" height=\"14\" fill=\"%s\"/>",
                       top, w, k ? S_GREY : S_BLUE);
            snprintf(label, sizeof label, "%s %s", k ? "90th percentile" : "median",
                     report_hours_text(f, h));
            s_text(b, w + 6, top + 12, "start", label);
        }
        y += 62;
    }
    if (hidden)
        s_text(b, 0, y + 16, "start",
               "Organisations with fewer than 5 first contacts are not drawn.");
    buf_adds(b, "</svg>");
}
