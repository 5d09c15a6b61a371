/*
 * The figures of a report as every form writes them: one place decides
 * what publishing hides (a count below REPORT_SMALL, and any share, rate
 * or time worked out from one), so the text, JSON, CSV and the page
 * cannot disagree about it. Also the names and dates they share.
 */
#include "report/report_impl.h"

#include "util/date.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const s_months[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};

bool report_small(uint64_t n, bool publish)
{
    return publish && n < REPORT_SMALL;
}

const char *report_count(char out[REPORT_FIG_MAX], uint64_t n, bool publish, bool sep)
{
    char digits[24];
    size_t len, o = 0;

    if (report_small(n, publish)) {
        snprintf(out, REPORT_FIG_MAX, "<%d", REPORT_SMALL);
        return out;
    }
    len = (size_t)snprintf(digits, sizeof digits, "%" PRIu64, n);
    for (size_t i = 0; i < len; i++) {
        /* a comma before each group of three counted from the right */
        if (sep && i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

bool report_share(uint64_t num, uint64_t den, bool publish, double *out)
{
    if (den == 0 || report_small(num, publish) || report_small(den, publish))
        return false;
    *out = round((double)num / (double)den * 1000.0) / 1000.0;
    return true;
}

const char *report_share_text(char out[REPORT_FIG_MAX], uint64_t num, uint64_t den, bool publish)
{
    double s;
    if (report_share(num, den, publish, &s))
        snprintf(out, REPORT_FIG_MAX, "%.1f%%", s * 100.0);
    else
        snprintf(out, REPORT_FIG_MAX, "%s", den == 0 && !publish ? "-" : "suppressed");
    return out;
}

uint64_t report_reached(const Carerhub__ReportPath *p)
{
    return p->contacted + p->supported + p->declined;
}

/* The share's numerator and denominator, and whether publish hides a
 * count summed into reached (supported, its numerator, is one of them). */
static bool s_conversion(const Carerhub__ReportPath *p, report_conv_t c, bool publish,
                         uint64_t *num, uint64_t *den)
{
    bool part = report_small(p->contacted, publish) || report_small(p->supported, publish) ||
                report_small(p->declined, publish);
    *num = c == REPORT_CONV_REACHED ? report_reached(p) : p->supported;
    *den = c == REPORT_CONV_REACHED ? p->referred : report_reached(p);
    return part;
}

bool report_conversion(const Carerhub__ReportPath *p, report_conv_t c, bool publish, double *out)
{
    uint64_t num, den;
    return !s_conversion(p, c, publish, &num, &den) && report_share(num, den, publish, out);
}

const char *report_conversion_text(char out[REPORT_FIG_MAX], const Carerhub__ReportPath *p,
                                   report_conv_t c, bool publish)
{
    uint64_t num, den;
    if (s_conversion(p, c, publish, &num, &den))
        snprintf(out, REPORT_FIG_MAX, "suppressed");
    else
        report_share_text(out, num, den, publish);
    return out;
}

bool report_times(const Carerhub__ReportTimeliness *t, bool publish, unsigned *median,
                  unsigned *p90)
{
    if (t->contacts == 0 || report_small(t->contacts, publish))
        return false;
    *median = t->median_hours;
    *p90 = t->p90_hours;
    return true;
}

bool report_times_hidden(const Carerhub__ReportTimeliness *t, bool publish)
{
    return report_small(t->contacts, publish);
}

const char *report_hours_text(char out[REPORT_FIG_MAX], unsigned hours)
{
    /* the router counts whole days past 72 hours: say days, as it does */
    if (hours < 72)
        snprintf(out, REPORT_FIG_MAX, "%u h", hours);
    else
        snprintf(out, REPORT_FIG_MAX, "%u days", hours / 24);
    return out;
}

const char *report_noun(uint64_t n, bool publish, const char *one, const char *many)
{
    /* "<5" reads as several */
    return n == 1 && !report_small(n, publish) ? one : many;
}

bool report_needed(const Carerhub__ReportTarget *t, bool publish, uint64_t *out)
{
    double n = t->needed_per_month;
    if (report_small(t->supported_so_far, publish))
        return false;
    /* a whole carer more rather than a shortfall: 172.2 a month is 173;
     * the tolerance keeps 172.0000001 from becoming 173 */
    *out = n > 0 ? (uint64_t)ceil(n - 1e-6) : 0;
    return true;
}

bool report_target_hidden(const Carerhub__ReportTarget *t, bool publish)
{
    return report_small(t->supported_so_far, publish) && t->expected_by_now > 0 &&
           t->expected_by_now < REPORT_SMALL;
}

const char *report_target_state(const Carerhub__ReportTarget *t, bool publish)
{
    if (report_target_hidden(t, publish))
        return t->due ? "whether met is suppressed" : "whether on track is suppressed";
    if (t->due)
        return t->on_track ? "met" : "missed";
    return t->on_track ? "on track" : "behind";
}

date_t report_start(const Carerhub__ReportReply *rep)
{
    date_t d;
    if (rep->programme_start && date_parse(rep->programme_start, &d) == 0)
        return d;
    if (rep->from && date_parse(rep->from, &d) == 0)
        return d;
    return -1;
}

date_t report_month_end(const char *ym)
{
    char first[DATE_STRLEN];
    date_t d;
    int y, m, dd;
    if (!ym || strlen(ym) != 7)
        return -1;
    snprintf(first, sizeof first, "%s-01", ym);
    if (date_parse(first, &d) < 0)
        return -1;
    /* the day before the first of the next month */
    date_to_ymd(d + 31, &y, &m, &dd);
    return date_from_ymd(y, m, 1) - 1;
}

date_t report_month_day(const Carerhub__ReportReply *rep, const char *ym)
{
    date_t end = report_month_end(ym), to;
    if (end >= 0 && rep->to && date_parse(rep->to, &to) == 0 && to < end)
        return to;
    return end;
}

bool report_line(const Carerhub__ReportReply *rep, const Carerhub__ReportTarget *t, date_t day,
                 uint64_t *out)
{
    date_t start = report_start(rep), end;
    if (start < 0 || !t->date || date_parse(t->date, &end) < 0 || end <= start || day > end)
        return false;
    if (day < start)
        day = start;
    *out = (uint64_t)llround((double)t->carers * (double)(day - start) / (double)(end - start));
    return true;
}

const Carerhub__ReportPath *report_path(const Carerhub__ReportPath *p)
{
    static const Carerhub__ReportPath zero = CARERHUB__REPORT_PATH__INIT;
    return p ? p : &zero;
}

const Carerhub__ReportTimeliness *report_timeliness(const Carerhub__ReportTimeliness *t)
{
    static const Carerhub__ReportTimeliness zero = CARERHUB__REPORT_TIMELINESS__INIT;
    return t ? t : &zero;
}

bool report_row_empty(const Carerhub__ReportRow *r)
{
    const Carerhub__ReportPath *p = report_path(r->path);
    uint64_t any = p->referred | p->waiting | p->contacted | p->supported | p->declined |
                   p->unable_to_contact | p->closed | p->within_target | p->urgent |
                   p->urgent_within_target | p->young;
    any |= r->referrals | r->contacted | r->supported | r->carers_supported_since_start |
           r->referrals_before | report_timeliness(r->first_contact)->contacts;
    return any == 0;
}

const char *report_source_name(const char *key)
{
    static const char *const names[][2] = {
        {"gp", "GP practices"},    {"discharge", "Hospital discharge"},     {"school", "Schools"},
        {"self", "Self-referral"}, {"professional", "Other professionals"},
    };
    for (size_t i = 0; key && i < sizeof names / sizeof *names; i++)
        if (strcmp(key, names[i][0]) == 0)
            return names[i][1];
    return NULL;
}

const char *report_row_label(const Carerhub__ReportRow *r, bool is_source)
{
    const char *src = is_source ? report_source_name(r->key) : NULL;
    if (src)
        return src;
    if (r->name && *r->name)
        return r->name;
    return r->key ? r->key : "";
}

const char *report_date(char out[REPORT_FIG_MAX], const char *s)
{
    int y, m, d;
    char tail;

    if (!s)
        s = "";
    if (strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
        date_valid_ymd(y, m, d))
        snprintf(out, REPORT_FIG_MAX, "%d %s %d", d, s_months[m - 1], y);
    else if (strlen(s) == 7 && sscanf(s, "%4d-%2d%c", &y, &m, &tail) == 2 && m >= 1 && m <= 12)
        snprintf(out, REPORT_FIG_MAX, "%s %d", s_months[m - 1], y);
    else
        snprintf(out, REPORT_FIG_MAX, "%s", s);
    return out;
}

void report_utc(char out[REPORT_FIG_MAX], int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, REPORT_FIG_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, REPORT_FIG_MAX, "1970-01-01T00:00:00Z");
}
