/*
 * A report as JSON, for programs: the shape is a public interface (README,
 * "Reports"), so keys are never renamed. Built with jansson, whose objects
 * keep the order keys are added in. Under publish a count below 5 is the
 * string "<5" and whatever is worked out from one is null (report_fig.c).
 */
#include "report/report_impl.h"

#include <jansson.h>
#include <stdlib.h>

/* A count as published: an integer, or "<5". */
static json_t *s_count(uint64_t n, bool publish)
{
    char s[REPORT_FIG_MAX];
    if (report_small(n, publish))
        return json_string(report_count(s, n, publish, false));
    return json_integer((json_int_t)n);
}

static json_t *s_share(uint64_t num, uint64_t den, bool publish)
{
    double v;
    return report_share(num, den, publish, &v) ? json_real(v) : json_null();
}

/* A string from the reply, or null: jansson refuses invalid UTF-8, and a
 * report with a broken name is still a report. */
static json_t *s_str(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

static void s_set(json_t *o, const char *key, json_t *v)
{
    json_object_set_new(o, key, v);
}

static json_t *s_path(const Carerhub__ReportPath *p, bool publish)
{
    json_t *o = json_object(), *conv = json_object();
    double v;

    s_set(o, "referred", s_count(p->referred, publish));
    s_set(o, "waiting", s_count(p->waiting, publish));
    s_set(o, "contacted", s_count(p->contacted, publish));
    s_set(o, "supported", s_count(p->supported, publish));
    s_set(o, "declined", s_count(p->declined, publish));
    s_set(o, "unable_to_contact", s_count(p->unable_to_contact, publish));
    s_set(o, "closed", s_count(p->closed, publish));
    s_set(o, "within_target", s_count(p->within_target, publish));
    s_set(o, "young", s_count(p->young, publish));
    s_set(conv, "contacted",
          report_conversion(p, REPORT_CONV_REACHED, publish, &v) ? json_real(v) : json_null());
    s_set(conv, "supported",
          report_conversion(p, REPORT_CONV_SUPPORTED, publish, &v) ? json_real(v) : json_null());
    s_set(o, "conversion", conv);
    return o;
}

static json_t *s_times(const Carerhub__ReportTimeliness *t, bool publish)
{
    json_t *o = json_object();
    unsigned med, p90;
    bool have = report_times(t, publish, &med, &p90);

    s_set(o, "contacts", s_count(t->contacts, publish));
    s_set(o, "median_hours", have ? json_integer(med) : json_null());
    s_set(o, "p90_hours", have ? json_integer(p90) : json_null());
    return o;
}

static json_t *s_targets(const Carerhub__ReportReply *rep, bool publish)
{
    json_t *a = json_array();
    for (size_t i = 0; i < rep->n_targets; i++) {
        const Carerhub__ReportTarget *t = rep->targets[i];
        json_t *o = json_object();
        uint64_t need;
        bool have = report_needed(t, publish, &need);

        s_set(o, "date", s_str(t->date));
        /* the target and the straight line to it come from configuration,
         * not from counting people: never hidden */
        s_set(o, "carers", json_integer((json_int_t)t->carers));
        s_set(o, "supported_so_far", s_count(t->supported_so_far, publish));
        s_set(o, "expected_by_now", json_integer((json_int_t)t->expected_by_now));
        /* null where it would narrow down a hidden supported_so_far */
        s_set(o, "on_track",
              report_target_hidden(t, publish) ? json_null() : json_boolean(t->on_track));
        s_set(o, "due", json_boolean(t->due));
        s_set(o, "needed_per_month", have ? json_integer((json_int_t)need) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

typedef enum { S_PROVIDER, S_SOURCE, S_AUTHORITY, S_MONTH } s_dim_t;

/* One row of a breakdown: each dimension has the keys report-json names. */
static json_t *s_row(const Carerhub__ReportRow *r, s_dim_t dim, bool publish)
{
    json_t *o = json_object();

    if (dim == S_MONTH) {
        s_set(o, "month", s_str(r->key));
    } else {
        s_set(o, dim == S_AUTHORITY ? "code" : "id", s_str(r->key));
        s_set(o, "name", dim == S_SOURCE ? s_str(report_row_label(r, true)) : s_str(r->name));
    }
    if (dim == S_SOURCE || dim == S_MONTH)
        s_set(o, "referrals", s_count(r->referrals, publish));
    s_set(o, "path", s_path(report_path(r->path), publish));
    if (dim != S_AUTHORITY)
        s_set(o, "contacted", s_count(r->contacted, publish));
    s_set(o, "supported", s_count(r->supported, publish));
    if (dim == S_PROVIDER || dim == S_SOURCE)
        s_set(o, "time_to_first_contact", s_times(report_timeliness(r->first_contact), publish));
    if (dim == S_MONTH)
        s_set(o, "carers_supported_since_start", s_count(r->carers_supported_since_start, publish));
    return o;
}

static json_t *s_rows(Carerhub__ReportRow *const *rows, size_t n, s_dim_t dim, bool publish)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        if (!report_row_empty(rows[i]))
            json_array_append_new(a, s_row(rows[i], dim, publish));
    return a;
}

/* Referrers (quiet: those gone quiet), each by source and code. */
static json_t *s_referrers(Carerhub__ReportRow *const *rows, size_t n, bool quiet, bool publish)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const Carerhub__ReportRow *r = rows[i];
        json_t *o = json_object();
        if (report_row_empty(r))
            continue;
        s_set(o, "source", s_str(r->source));
        s_set(o, "code", s_str(r->key));
        s_set(o, "name", s_str(r->name));
        if (!quiet)
            s_set(o, "referrals", s_count(r->referrals, publish));
        s_set(o, "last_referral", s_str(r->last_referral));
        if (quiet)
            s_set(o, "referrals_before", s_count(r->referrals_before, publish));
        json_array_append_new(a, o);
    }
    return a;
}

/* What the referrals say: {key: {name, referrals}} in order, each a list
 * (referrals "<5" or "suppressed" when hidden: report_about_list);
 * the areas with their population and rates (null when suppressed). */
static void s_about(json_t *o, const Carerhub__ReportReply *rep, bool publish)
{
    report_about_t list[REPORT_ABOUT_N];
    json_t *eq = json_object(), *areas = json_array();
    report_about_list(rep, publish, list);
    s_set(eq, "consented", s_count(rep->equality_consented, publish));
    for (size_t i = 0; i < REPORT_ABOUT_N; i++) {
        json_t *a = json_array();
        for (size_t j = 0; j < list[i].n; j++) {
            json_t *r = json_object();
            s_set(r, "key", s_str(list[i].rows[j]->key));
            s_set(r, "name", s_str(list[i].rows[j]->name));
            char f[REPORT_FIG_MAX];
            s_set(r, "referrals",
                  list[i].hid[j] == REPORT_SHOWN
                      ? json_integer((json_int_t)list[i].rows[j]->referrals)
                      : json_string(report_about_count(f, &list[i], j, false)));
            json_array_append_new(a, r);
        }
        s_set(list[i].equality ? eq : o, list[i].name, a);
    }
    s_set(o, "equality", eq);
    for (size_t i = 0; i < rep->n_by_area; i++) {
        const Carerhub__ReportRow *a = rep->by_area[i];
        json_t *r = json_object();
        double v;
        s_set(r, "key", s_str(a->key));
        s_set(r, "name", s_str(a->name));
        s_set(r, "population", json_integer((json_int_t)a->population));
        s_set(r, "carers_referred", s_count(a->carers_referred, publish));
        s_set(r, "per_1000", report_per_1000(a, false, publish, &v) ? json_real(v) : json_null());
        s_set(r, "carers_referred_since_start", s_count(a->carers_referred_since_start, publish));
        s_set(r, "per_1000_since_start",
              report_per_1000(a, true, publish, &v) ? json_real(v) : json_null());
        json_array_append_new(areas, r);
    }
    s_set(o, "by_area", areas);
}

static json_t *s_report(const Carerhub__ReportReply *rep, bool publish)
{
    const Carerhub__ReportPath *p = report_path(rep->path);
    json_t *o = json_object(), *period = json_object(), *u = json_object();
    json_t *y = json_object(), *d = json_object();
    char when[REPORT_FIG_MAX];

    report_utc(when, rep->generated_at);
    s_set(o, "area", s_str(rep->area));
    s_set(o, "published", json_boolean(publish));
    s_set(o, "generated_at", json_string(when));
    s_set(period, "from", s_str(rep->from));
    s_set(period, "to", s_str(rep->to));
    s_set(o, "period", period);
    s_set(o, "programme_start", s_str(rep->programme_start));
    s_set(o, "referrals", s_count(rep->referrals, publish));
    s_set(o, "carers_referred", s_count(rep->carers_referred, publish));
    s_set(o, "carers_contacted", s_count(rep->carers_contacted, publish));
    s_set(o, "carers_supported", s_count(rep->carers_supported, publish));
    s_set(o, "carers_supported_since_start", s_count(rep->carers_supported_since_start, publish));
    s_set(o, "targets", s_targets(rep, publish));
    s_set(o, "path", s_path(p, publish));
    s_set(o, "time_to_first_contact", s_times(report_timeliness(rep->first_contact), publish));
    s_set(u, "referred", s_count(p->urgent, publish));
    s_set(u, "within_target", s_count(p->urgent_within_target, publish));
    s_set(u, "share", s_share(p->urgent_within_target, p->urgent, publish));
    s_set(o, "urgent_discharges", u);
    s_set(o, "by_provider", s_rows(rep->by_provider, rep->n_by_provider, S_PROVIDER, publish));
    s_set(o, "by_source", s_rows(rep->by_source, rep->n_by_source, S_SOURCE, publish));
    s_set(o, "by_authority", s_rows(rep->by_authority, rep->n_by_authority, S_AUTHORITY, publish));
    s_set(o, "by_month", s_rows(rep->by_month, rep->n_by_month, S_MONTH, publish));
    s_set(o, "referrers", s_referrers(rep->referrers, rep->n_referrers, false, publish));
    s_set(o, "gone_quiet", s_referrers(rep->gone_quiet, rep->n_gone_quiet, true, publish));
    s_set(o, "quiet_days", json_integer(rep->quiet_days));
    s_set(y, "referred", s_count(p->young, publish));
    s_set(y, "transitions", s_count(rep->transitions, publish));
    s_set(o, "young_carers", y);
    s_set(d, "referrals", s_count(rep->discharges, publish));
    s_set(d, "carer_consulted", s_count(rep->discharges_consulted, publish));
    s_set(d, "share", s_share(rep->discharges_consulted, rep->discharges, publish));
    s_set(o, "discharges", d);
    s_about(o, rep, publish);
    return o;
}

void report_json(buf_t *out, const Carerhub__ReportReply *rep, bool publish)
{
    json_t *o = s_report(rep, publish);
    /* shares are rounded to 3 decimals in [0, 1] and rates per 1,000 to 2
     * (at most 100000.00): 9 significant digits write them exactly (0.667,
     * not 0.66700000000000004; 433.98) */
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(9));
    if (!s)
        abort(); /* only out of memory */
    buf_adds(out, s);
    buf_addc(out, '\n');
    free(s);
    json_decref(o);
}
