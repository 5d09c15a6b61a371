/*
 * The report (ReportReply) for a period, from the report table alone: one
 * pass of a cursor over its keys up to the period's last day, in key (so
 * day) order, counted into small arrays by organisation, source, authority
 * and month, with no allocation for a key but the first of each name. The
 * days before the period are read too: the cumulative count and the targets
 * need every day since the programme start, and who has gone quiet needs
 * each referrer's history. The key layout is in router.h ("reports");
 * router_report.c writes it. Counts only: the table holds no person's
 * details, and neither does the reply.
 */
#include "router_report_query.h"

#include "domain/referral.h"
#include "util/be64.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_PERIOD_YEARS 20
#define S_FIELDS       8
#define S_NAMES_MAX    100000 /* distinct names of one dimension kept apart */

typedef struct {
    const char *p;
    size_t n;
} s_field_t;

/* --- dimensions ------------------------------------------------------- */

/* The row of name (n bytes) in d, added if new; NULL once d holds
 * S_NAMES_MAX names (a table this odd is not worth a report's memory). */
static report_acc_t *s_dim_row(report_dim_t *d, const char *name, size_t n)
{
    uint64_t i;
    if (!d->index)
        d->index = smap_new();
    if (smap_getn(d->index, name, n, &i))
        return &d->acc[i];
    if (d->n == S_NAMES_MAX)
        return NULL;
    if (d->n == d->cap) {
        size_t cap = d->cap;
        d->names = xgrow(d->names, &cap, d->n + 1, sizeof *d->names);
        d->acc = xgrow(d->acc, &d->cap, d->n + 1, sizeof *d->acc);
    }
    d->names[d->n] = xstrndup(name, n);
    memset(&d->acc[d->n], 0, sizeof *d->acc);
    smap_put(d->index, d->names[d->n], d->n);
    return &d->acc[d->n++];
}

static void s_dim_free(report_dim_t *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->names[i]);
    free(d->names);
    free(d->acc);
    smap_destroy(&d->index);
}

static report_referrer_t *s_referrer(report_q_t *q, const char *key, size_t n)
{
    uint64_t i;
    if (!q->referrer_index)
        q->referrer_index = smap_new();
    if (smap_getn(q->referrer_index, key, n, &i))
        return &q->referrers[i];
    if (q->nreferrers == S_NAMES_MAX)
        return NULL;
    q->referrers = xgrow(q->referrers, &q->referrers_cap, q->nreferrers + 1, sizeof *q->referrers);
    memset(&q->referrers[q->nreferrers], 0, sizeof *q->referrers);
    q->referrers[q->nreferrers].key = xstrndup(key, n);
    smap_put(q->referrer_index, q->referrers[q->nreferrers].key, q->nreferrers);
    return &q->referrers[q->nreferrers++];
}

/* --- reading keys ----------------------------------------------------- */

static bool s_is(const s_field_t *f, const char *s)
{
    return f->n == strlen(s) && memcmp(f->p, s, f->n) == 0;
}

/* Splits a key at its US bytes: f[0] the day, f[1] the kind, then the
 * kind's fields. Returns how many fields there are. */
static int s_split(const MDB_val *k, s_field_t *f)
{
    const char *p = k->mv_data, *end = p + k->mv_size;
    int n = 0;
    while (n < S_FIELDS) {
        const char *us = memchr(p, 0x1f, (size_t)(end - p));
        f[n].p = p;
        f[n].n = (size_t)((us ? us : end) - p);
        n++;
        if (!us)
            break;
        p = us + 1;
    }
    return n;
}

/* The bucket of a HOURS field (router_report_hours), or -1. */
static int s_bucket(const s_field_t *f)
{
    unsigned long h = 0;
    if (f->n == 0 || f->n > 6)
        return -1;
    for (size_t i = 0; i < f->n; i++) {
        if (f->p[i] < '0' || f->p[i] > '9')
            return -1;
        h = h * 10 + (unsigned long)(f->p[i] - '0');
    }
    return h < 72 ? (int)h : h < 2160 ? (int)(72 + (h - 72) / 24) : REPORT_BUCKETS - 1;
}

/* Whether a PREVDAY field is on or after day s (YYYY-MM-DD: text order is
 * date order). */
static bool s_on_or_after(const s_field_t *f, const char *s)
{
    return f->n == 10 && memcmp(f->p, s, 10) >= 0;
}

/* Sets the day in hand from f; false if f is not a day. */
static bool s_day(report_q_t *q, const s_field_t *f)
{
    char s[DATE_STRLEN];
    int y, m, d;
    if (f->n != 10)
        return false;
    if (memcmp(f->p, q->day_s, 10) == 0)
        return true;
    memcpy(s, f->p, 10);
    s[10] = '\0';
    if (date_parse(s, &q->day) != 0)
        return false;
    memcpy(q->day_s, s, 10);
    date_to_ymd(q->day, &y, &m, &d);
    q->month = q->day >= q->from && q->day <= q->to ? (long)(y - q->fy) * 12 + (m - q->fm) : -1;
    return true;
}

static void s_path_add(uint64_t *path, int stage, const s_field_t *flags, uint64_t v)
{
    bool u = memchr(flags->p, 'u', flags->n), w = memchr(flags->p, 'w', flags->n);
    path[REPORT_P_REFERRED] += v;
    if (stage >= 0)
        path[stage] += v;
    path[REPORT_P_WITHIN] += w ? v : 0;
    path[REPORT_P_URGENT] += u ? v : 0;
    path[REPORT_P_URGENT_WITHIN] += u && w ? v : 0;
    path[REPORT_P_YOUNG] += memchr(flags->p, 'y', flags->n) ? v : 0;
}

static int s_stage(const s_field_t *f)
{
    static const char *const names[] = {"waiting",  "contacted",         "supported",
                                        "declined", "unable_to_contact", "closed"};
    for (int i = 0; i < 6; i++)
        if (s_is(f, names[i]))
            return REPORT_P_WAITING + i;
    return -1;
}

/* Adds v to the cumulative count of carers supported on the day in hand. */
static void s_cum_add(report_q_t *q, int64_t v)
{
    q->carers += v;
    if (!q->ncum || q->cum[q->ncum - 1].day != q->day) {
        q->cum = xgrow(q->cum, &q->cum_cap, q->ncum + 1, sizeof *q->cum);
        q->cum[q->ncum++].day = q->day;
    }
    q->cum[q->ncum - 1].carers = q->carers;
}

uint64_t router_report_carers_at(const report_q_t *q, date_t on)
{
    size_t lo = 0, hi = q->ncum;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (q->cum[mid].day <= on)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 || q->cum[lo - 1].carers < 0 ? 0 : (uint64_t)q->cum[lo - 1].carers;
}

/* The r entry: referrals from a referring organisation. */
static void s_referral(report_q_t *q, const s_field_t *f, int nf, bool in, uint64_t v)
{
    report_referrer_t *who;
    report_acc_t *src;
    if (nf < 4)
        return;
    if (in) {
        q->all.referrals += v;
        if ((src = s_dim_row(&q->sources, f[2].p, f[2].n)))
            src->referrals += v;
        q->months[q->month].referrals += v;
    }
    /* SOURCE US CODE, both fields as they stand in the key. */
    if (!(who = s_referrer(q, f[2].p, (size_t)(f[3].p + f[3].n - f[2].p))))
        return;
    who->in_period += in ? v : 0;
    if (q->day < q->quiet_from)
        who->before_quiet += v;
    else
        who->in_quiet += v;
    who->last = q->day;
}

/* One entry of the table, of a day up to the period's end. */
static void s_entry(report_q_t *q, const s_field_t *f, int nf, uint64_t v)
{
    bool in = q->month >= 0;
    /* The rows an entry counts in: the period's, its month's, its
     * organisation's and its source's; and its authority's. */
    report_acc_t *rows[4] = {NULL, NULL, NULL, NULL}, *lad;
    char kind = f[1].n == 1 ? f[1].p[0] : '\0';

    if (kind == 'r') {
        s_referral(q, f, nf, in, v);
        return;
    }
    if (kind == 'c' && q->day >= q->start && nf >= 7)
        router_report_area_case(q, f[4].p, f[4].n, in, v);
    if (kind == 'x') {
        if (in && nf >= 4)
            router_report_x_entry(q, f[2].p, f[2].n, f[3].p, f[3].n, v);
        return;
    }
    if (kind == 's' && q->day >= q->start)
        s_cum_add(q, (int64_t)v);
    else if (kind == 'a' && q->day >= q->start && nf >= 3 && s_on_or_after(&f[2], q->start_s))
        s_cum_add(q, -(int64_t)v);
    if (!in)
        return;
    rows[0] = &q->all;
    rows[1] = &q->months[q->month];
    switch (kind) {
    case 'c': /* PROVIDER SOURCE LAD STAGE FLAGS */
        if (nf < 7)
            return;
        rows[2] = s_dim_row(&q->providers, f[2].p, f[2].n);
        rows[3] = s_dim_row(&q->sources, f[3].p, f[3].n);
        for (int i = 0; i < 4; i++)
            if (rows[i])
                s_path_add(rows[i]->path, s_stage(&f[5]), &f[6], v);
        if ((lad = s_dim_row(&q->lads, f[4].p, f[4].n)))
            s_path_add(lad->path, s_stage(&f[5]), &f[6], v);
        break;
    case 'f': { /* PROVIDER SOURCE HOURS */
        int b = nf >= 5 ? s_bucket(&f[4]) : -1;
        if (b < 0)
            return;
        rows[2] = s_dim_row(&q->providers, f[2].p, f[2].n);
        rows[3] = s_dim_row(&q->sources, f[3].p, f[3].n);
        for (int i = 0; i < 4; i++)
            if (rows[i]) {
                rows[i]->contacted += v;
                rows[i]->hours[b] += v;
            }
        break;
    }
    case 's': /* PROVIDER SOURCE LAD */
        if (nf < 5)
            return;
        rows[2] = s_dim_row(&q->providers, f[2].p, f[2].n);
        rows[3] = s_dim_row(&q->sources, f[3].p, f[3].n);
        for (int i = 0; i < 4; i++)
            if (rows[i])
                rows[i]->supported += v;
        if ((lad = s_dim_row(&q->lads, f[4].p, f[4].n)))
            lad->supported += v;
        break;
    case 'n': /* PREVDAY: a carer referred before */
        if (nf >= 3 && s_on_or_after(&f[2], q->from_s))
            q->not_new += v;
        break;
    case 'a': /* PREVDAY: a carer supported before */
        if (nf >= 3 && s_on_or_after(&f[2], q->from_s))
            q->again += v;
        break;
    case 'd':
        q->discharges += v;
        q->consulted += nf >= 3 && s_is(&f[2], "yes") ? v : 0;
        break;
    case 't':
        q->transitions += v;
        break;
    }
}

/* The pass: every key of a day up to q->to, in order. */
static void s_pass(report_q_t *q, MDB_txn *txn)
{
    MDB_cursor *cur;
    MDB_val k, v;
    s_field_t f[S_FIELDS];
    if (mdb_cursor_open(txn, store_dbi(q->r->store, DB_REPORT), &cur) != 0)
        return;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        int nf = s_split(&k, f);
        if (nf < 2 || v.mv_size != 8 || !s_day(q, &f[0]))
            continue;
        if (q->day > q->to)
            break;
        s_entry(q, f, nf, be64_get(v.mv_data));
    }
    mdb_cursor_close(cur);
}

/* The first day the table holds, or -1. */
static date_t s_first_day(router_t *r, MDB_txn *txn)
{
    MDB_cursor *cur;
    MDB_val k, v;
    char s[DATE_STRLEN];
    date_t d = -1;
    if (mdb_cursor_open(txn, store_dbi(r->store, DB_REPORT), &cur) != 0)
        return -1;
    if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0 && k.mv_size >= 10) {
        memcpy(s, k.mv_data, 10);
        s[10] = '\0';
        if (date_parse(s, &d) != 0)
            d = -1;
    }
    mdb_cursor_close(cur);
    return d;
}

/* --- the period -------------------------------------------------------- */

/* The period of q into rep: its days, checked. Returns 0, or -1 with why
 * in msg, naming the field. */
static int s_period(report_q_t *rep, MDB_txn *txn, const Carerhub__ReportQuery *q, date_t today,
                    char *msg, size_t msgsz)
{
    date_t first = -1, conf = route_programme_start(rep->r->rt);
    char a[DATE_STRLEN], b[DATE_STRLEN];
    int d;
    if (conf < 0)
        first = s_first_day(rep->r, txn);
    rep->start = conf >= 0 ? conf : first >= 0 ? first : today;
    rep->to = today;
    if (q->from && date_parse(q->from, &rep->from) != 0) {
        snprintf(msg, msgsz, "from: \"%.20s\" is not a date (YYYY-MM-DD)", q->from);
        return -1;
    }
    if (q->to && date_parse(q->to, &rep->to) != 0) {
        snprintf(msg, msgsz, "to: \"%.20s\" is not a date (YYYY-MM-DD)", q->to);
        return -1;
    }
    if (!q->from)
        rep->from = rep->start;
    date_format(rep->from, a);
    date_format(rep->to, b);
    if (rep->from > rep->to) {
        snprintf(msg, msgsz, "from: the period's first day (%s%s) is after its last (%s)", a,
                 q->from ? "" : ", the programme start", b);
        return -1;
    }
    if (rep->to >= date_birthday(rep->from, S_PERIOD_YEARS)) {
        snprintf(msg, msgsz, "to: a report covers at most %d years, not %s to %s", S_PERIOD_YEARS,
                 a, b);
        return -1;
    }
    date_to_ymd(rep->from, &rep->fy, &rep->fm, &d);
    {
        int ty, tm;
        date_to_ymd(rep->to, &ty, &tm, &d);
        rep->nmonths = (size_t)((ty - rep->fy) * 12 + (tm - rep->fm) + 1);
    }
    rep->quiet_from = rep->to - (REPORT_QUIET_DAYS - 1);
    memcpy(rep->from_s, a, sizeof a);
    date_format(rep->start, rep->start_s);
    return 0;
}
Carerhub__ReportReply *router_report(router_t *r, MDB_txn *txn, const Carerhub__ReportQuery *q,
                                     date_t today, char *msg, size_t msgsz)
{
    report_q_t *rep = xcalloc(1, sizeof *rep);
    Carerhub__ReportReply *out = NULL;
    rep->r = r;
    rep->month = -1;
    if (s_period(rep, txn, q, today, msg, msgsz) == 0) {
        rep->months = xcalloc(rep->nmonths, sizeof *rep->months);
        s_pass(rep, txn);
        out = router_report_reply(rep);
    }
    s_dim_free(&rep->providers);
    s_dim_free(&rep->sources);
    s_dim_free(&rep->lads);
    for (size_t i = 0; i < rep->nreferrers; i++)
        free(rep->referrers[i].key);
    free(rep->referrers);
    smap_destroy(&rep->referrer_index);
    free(rep->months);
    free(rep->area_in);
    free(rep->area_since);
    free(rep->cum);
    free(rep);
    return out;
}
