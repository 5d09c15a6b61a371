/*
 * The report's reply (ReportReply) from what the pass over the report
 * table gathered (router_report_query.c): the period's figures, the
 * targets, the rows by organisation, source, authority and month (names as
 * configuration gives them), referrers and those gone quiet. Counts only.
 */
#include "router_report_query.h"

#include "domain/referral.h"
#include "util/clock.h"
#include "util/mem.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned s_bucket_hours(int b)
{
    return b < 72 ? (unsigned)b : 72 + (unsigned)(b - 72) * 24;
}

static Carerhub__ReportPath *s_path_msg(const uint64_t *p)
{
    Carerhub__ReportPath *m = xmalloc(sizeof *m);
    carerhub__report_path__init(m);
#define S_SET(field, i)                                                                            \
    m->has_##field = true;                                                                         \
    m->field = p[i]
    S_SET(referred, REPORT_P_REFERRED);
    S_SET(waiting, REPORT_P_WAITING);
    S_SET(contacted, REPORT_P_CONTACTED);
    S_SET(supported, REPORT_P_SUPPORTED);
    S_SET(declined, REPORT_P_DECLINED);
    S_SET(unable_to_contact, REPORT_P_UNABLE);
    S_SET(closed, REPORT_P_CLOSED);
    S_SET(within_target, REPORT_P_WITHIN);
    S_SET(urgent, REPORT_P_URGENT);
    S_SET(urgent_within_target, REPORT_P_URGENT_WITHIN);
    S_SET(young, REPORT_P_YOUNG);
#undef S_SET
    return m;
}

/* The bucket's hours at rank `rank` (from 1) of the first contacts. */
static unsigned s_rank(const uint64_t *hours, uint64_t rank)
{
    uint64_t seen = 0;
    for (int b = 0; b < REPORT_BUCKETS; b++)
        if ((seen += hours[b]) >= rank)
            return s_bucket_hours(b);
    return s_bucket_hours(REPORT_BUCKETS - 1);
}

/* Median and 90th percentile by nearest rank: the value at rank
 * ceil(p * N) of the N first contacts in order. */
static Carerhub__ReportTimeliness *s_timeliness(const report_acc_t *a)
{
    Carerhub__ReportTimeliness *t = xmalloc(sizeof *t);
    carerhub__report_timeliness__init(t);
    t->has_contacts = true;
    t->contacts = a->contacted;
    if (a->contacted) {
        t->has_median_hours = t->has_p90_hours = true;
        t->median_hours = s_rank(a->hours, (a->contacted * 50 + 99) / 100);
        t->p90_hours = s_rank(a->hours, (a->contacted * 90 + 99) / 100);
    }
    return t;
}

static Carerhub__ReportRow *s_row(const char *key, const char *name)
{
    Carerhub__ReportRow *row = xmalloc(sizeof *row);
    carerhub__report_row__init(row);
    row->key = xstrdup(key);
    row->name = name ? xstrdup(name) : NULL;
    return row;
}

/* A row of the breakdowns: what the dimension's keys gave it. */
static Carerhub__ReportRow *s_acc_row(const char *key, const char *name, const report_acc_t *a,
                                      bool referrals, bool contacts)
{
    Carerhub__ReportRow *row = s_row(key, name);
    row->path = s_path_msg(a->path);
    row->has_referrals = referrals;
    row->referrals = a->referrals;
    row->has_contacted = contacts;
    row->contacted = a->contacted;
    row->has_supported = true;
    row->supported = a->supported;
    row->first_contact = contacts ? s_timeliness(a) : NULL;
    return row;
}

static void s_add_row(Carerhub__ReportRow ***rows, size_t *n, Carerhub__ReportRow *row)
{
    *rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
    (*rows)[(*n)++] = row;
}

typedef struct {
    long order; /* configuration's order, then by key */
    const char *key;
    size_t i;
} s_sort_t;

static int s_sort_cmp(const void *a, const void *b)
{
    const s_sort_t *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->key, y->key);
}

typedef enum { S_BY_PROVIDER, S_BY_SOURCE, S_BY_AUTHORITY } s_by_t;

/* The rows of dimension d with something in the period, in the order
 * configuration gives (providers, sources) or by code (authorities,
 * "unresolved" last). */
static void s_dim_rows(const report_q_t *q, const report_dim_t *d, s_by_t by,
                       Carerhub__ReportRow ***rows, size_t *n)
{
    static const char *const sources[] = {"gp", "discharge", "school", "self", "professional"};
    static const char *const source_names[] = {"GP practices", "Hospital discharge", "Schools",
                                               "Self-referral", "Other professionals"};
    const int nsources = (int)(sizeof sources / sizeof *sources);
    s_sort_t *o = xcalloc(d->n + 1, sizeof *o);
    for (size_t i = 0; i < d->n; i++) {
        o[i] = (s_sort_t){LONG_MAX, d->names[i], i};
        if (by == S_BY_PROVIDER && route_provider_find(q->r->rt, d->names[i]) >= 0)
            o[i].order = route_provider_find(q->r->rt, d->names[i]);
        for (int s = 0; by == S_BY_SOURCE && s < nsources; s++)
            o[i].order = strcmp(d->names[i], sources[s]) == 0 ? s : o[i].order;
        if (by == S_BY_AUTHORITY)
            o[i].order = strcmp(d->names[i], "unresolved") == 0;
    }
    qsort(o, d->n, sizeof *o, s_sort_cmp);
    for (size_t j = 0; j < d->n; j++) {
        const report_acc_t *a = &d->acc[o[j].i];
        const char *name = NULL;
        int p;
        if (!a->path[REPORT_P_REFERRED] && !a->referrals && !a->contacted && !a->supported)
            continue;
        if (by == S_BY_PROVIDER && (p = route_provider_find(q->r->rt, o[j].key)) >= 0)
            name = route_provider_name(q->r->rt, p);
        else if (by == S_BY_SOURCE && o[j].order < nsources)
            name = source_names[o[j].order];
        else if (by == S_BY_AUTHORITY)
            name = route_authority_name(q->r->rt, o[j].key);
        s_add_row(rows, n, s_acc_row(o[j].key, name, a, by == S_BY_SOURCE, by != S_BY_AUTHORITY));
    }
    free(o);
}

static void s_month_rows(const report_q_t *q, Carerhub__ReportReply *out)
{
    out->by_month = xcalloc(q->nmonths, sizeof *out->by_month);
    for (size_t i = 0; i < q->nmonths; i++) {
        int y = q->fy + (int)((q->fm - 1 + (long)i) / 12), m = (q->fm - 1 + (int)i) % 12 + 1;
        date_t end = date_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
        char key[16];
        Carerhub__ReportRow *row;
        snprintf(key, sizeof key, "%04d-%02d", y, m);
        row = s_acc_row(key, NULL, &q->months[i], true, false);
        row->has_contacted = true;
        row->has_carers_supported_since_start = true;
        row->carers_supported_since_start = router_report_carers_at(q, end < q->to ? end : q->to);
        out->by_month[out->n_by_month++] = row;
    }
}

typedef struct {
    uint64_t n;
    const char *key;
    size_t i;
} s_most_t;

/* Most first, then by key (source and code). */
static int s_most_cmp(const void *a, const void *b)
{
    const s_most_t *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->key, y->key);
}

static Carerhub__ReportRow *s_referrer_row(const report_q_t *q, const report_referrer_t *w)
{
    const char *us = strchr(w->key, 0x1f), *code = us ? us + 1 : "";
    char source[16], last[DATE_STRLEN];
    Carerhub__Source src;
    Carerhub__ReportRow *row;
    const char *name = NULL;
    snprintf(source, sizeof source, "%.*s", us ? (int)(us - w->key) : 0, w->key);
    if (referral_source_parse(source, &src) == 0)
        name = src == CARERHUB__SOURCE__SELF
                   ? "Carers themselves" /* the public form: no organisation */
                   : route_referrer_name(q->r->rt, referral_route_source(src), code);
    row = s_row(code, name);
    row->source = xstrdup(source);
    date_format(w->last, last);
    row->last_referral = xstrdup(last);
    return row;
}

/* Referrers with referrals in the period, most first; those gone quiet,
 * most referrals before the quiet spell first. */
static void s_referrer_rows(const report_q_t *q, Carerhub__ReportReply *out)
{
    s_most_t *active = xcalloc(q->nreferrers + 1, sizeof *active);
    s_most_t *quiet = xcalloc(q->nreferrers + 1, sizeof *quiet);
    size_t na = 0, nq = 0;
    for (size_t i = 0; i < q->nreferrers; i++) {
        const report_referrer_t *w = &q->referrers[i];
        if (w->in_period)
            active[na++] = (s_most_t){w->in_period, w->key, i};
        if (!w->in_quiet && w->before_quiet)
            quiet[nq++] = (s_most_t){w->before_quiet, w->key, i};
    }
    qsort(active, na, sizeof *active, s_most_cmp);
    qsort(quiet, nq, sizeof *quiet, s_most_cmp);
    out->has_referrers_more = true;
    out->referrers_more = na > REPORT_REFERRERS_MAX;
    na = na < REPORT_REFERRERS_MAX ? na : REPORT_REFERRERS_MAX;
    nq = nq < REPORT_REFERRERS_MAX ? nq : REPORT_REFERRERS_MAX;
    out->referrers = xcalloc(na + 1, sizeof *out->referrers);
    out->gone_quiet = xcalloc(nq + 1, sizeof *out->gone_quiet);
    for (size_t i = 0; i < na; i++) {
        Carerhub__ReportRow *row = s_referrer_row(q, &q->referrers[active[i].i]);
        row->has_referrals = true;
        row->referrals = active[i].n;
        out->referrers[out->n_referrers++] = row;
    }
    for (size_t i = 0; i < nq; i++) {
        Carerhub__ReportRow *row = s_referrer_row(q, &q->referrers[quiet[i].i]);
        row->has_referrals_before = true;
        row->referrals_before = quiet[i].n;
        out->gone_quiet[out->n_gone_quiet++] = row;
    }
    free(active);
    free(quiet);
}

/* Each target of routing: carers supported since the start against the
 * straight line from the start (none) to the target's date (all), counted
 * in days from the start, both ends included. */
static void s_targets(const report_q_t *q, Carerhub__ReportReply *out)
{
    size_t n = route_target_count(q->r->rt);
    out->targets = xcalloc(n + 1, sizeof *out->targets);
    for (size_t i = 0; i < n; i++) {
        Carerhub__ReportTarget *t = xmalloc(sizeof *t);
        date_t date, until;
        uint64_t carers;
        char day[DATE_STRLEN];
        int64_t span, gone;
        carerhub__report_target__init(t);
        route_target(q->r->rt, i, &date, &carers);
        until = date < q->to ? date : q->to;
        span = (int64_t)date - q->start + 1;
        gone = until < q->start ? 0 : (int64_t)until - q->start + 1;
        date_format(date, day);
        t->date = xstrdup(day);
        t->has_carers = t->has_supported_so_far = t->has_expected_by_now = true;
        t->has_on_track = t->has_due = t->has_needed_per_month = true;
        t->carers = carers;
        t->supported_so_far = router_report_carers_at(q, until);
        t->due = date <= q->to;
        t->expected_by_now = span > 0 ? carers * (uint64_t)gone / (uint64_t)span : carers;
        t->on_track = t->supported_so_far >= t->expected_by_now;
        if (!t->due && t->supported_so_far < carers)
            t->needed_per_month =
                (double)(carers - t->supported_so_far) / ((double)(date - q->to) / 30.4375);
        out->targets[out->n_targets++] = t;
    }
}

static uint64_t s_less(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

Carerhub__ReportReply *router_report_reply(const report_q_t *q)
{
    Carerhub__ReportReply *out = xmalloc(sizeof *out);
    char day[DATE_STRLEN];
    const char *area = route_area(q->r->rt);
    carerhub__report_reply__init(out);
    date_format(q->from, day);
    out->from = xstrdup(day);
    date_format(q->to, day);
    out->to = xstrdup(day);
    out->programme_start = xstrdup(q->start_s);
    out->area = area ? xstrdup(area) : NULL;
    out->has_generated_at = true;
    out->generated_at = clock_now_ms();
#define S_SET(field, v)                                                                            \
    out->has_##field = true;                                                                       \
    out->field = (v)
    S_SET(referrals, q->all.referrals);
    S_SET(carers_referred, s_less(q->all.path[REPORT_P_REFERRED], q->not_new));
    S_SET(carers_contacted, q->all.contacted);
    S_SET(carers_supported, s_less(q->all.supported, q->again));
    S_SET(carers_supported_since_start, router_report_carers_at(q, q->to));
    S_SET(quiet_days, REPORT_QUIET_DAYS);
    S_SET(transitions, q->transitions);
    S_SET(discharges, q->discharges);
    S_SET(discharges_consulted, q->consulted);
#undef S_SET
    out->path = s_path_msg(q->all.path);
    out->first_contact = s_timeliness(&q->all);
    s_targets(q, out);
    s_dim_rows(q, &q->providers, S_BY_PROVIDER, &out->by_provider, &out->n_by_provider);
    s_dim_rows(q, &q->sources, S_BY_SOURCE, &out->by_source, &out->n_by_source);
    s_dim_rows(q, &q->lads, S_BY_AUTHORITY, &out->by_authority, &out->n_by_authority);
    s_month_rows(q, out);
    s_referrer_rows(q, out);
    router_report_about_reply(q, out);
    return out;
}
