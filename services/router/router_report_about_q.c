/*
 * The report's counts of what the referrals say about the carer (the
 * table's x entries, router_report_about.c) and of the carers referred in
 * each area against its estimated carer population (routing.yaml
 * carer_population; the c entries by authority): gathered in the report's
 * one pass (router_report_query.c), then rows of the reply. Counts only.
 */
#include "router_report_query.h"

#include "util/mem.h"

#include <stdio.h>
#include <string.h>

void router_report_x_entry(report_q_t *q, const char *p, size_t n, const char *vp, size_t vn,
                           uint64_t v)
{
    int i;
    if (n == 8 && memcmp(p, "equality", 8) == 0) {
        q->consented += vn == 7 && memcmp(vp, "consent", 7) == 0 ? v : 0;
        return;
    }
    for (int d = 0; d < REPORT_X_N; d++) {
        const char *what = report_x_dims[d].what;
        if (strlen(what) == n && memcmp(what, p, n) == 0) {
            if ((i = report_x_find((report_x_t)d, vp, vn)) >= 0)
                q->x[d][i] += v;
            return;
        }
    }
}

void router_report_area_case(report_q_t *q, const char *lad, size_t n, bool in, uint64_t v)
{
    size_t nareas = route_population_count(q->r->rt);
    char code[48];
    int a;
    if (nareas == 0 || n >= sizeof code)
        return;
    memcpy(code, lad, n);
    code[n] = '\0';
    if ((a = route_population_of(q->r->rt, code)) < 0)
        return;
    if (!q->area_in) {
        q->area_in = xcalloc(nareas, sizeof *q->area_in);
        q->area_since = xcalloc(nareas, sizeof *q->area_since);
    }
    q->area_since[a] += v;
    q->area_in[a] += in ? v : 0;
}

static Carerhub__ReportRow *s_row(const char *key, const char *name, uint64_t referrals)
{
    Carerhub__ReportRow *row = xmalloc(sizeof *row);
    carerhub__report_row__init(row);
    row->key = xstrdup(key);
    row->name = name ? xstrdup(name) : NULL;
    row->has_referrals = true;
    row->referrals = referrals;
    return row;
}

/* Dimension d's rows: each value, then what was not said (the base less
 * those said: a referral says one value of a dimension at most). */
static Carerhub__ReportRow **s_dim(const report_q_t *q, report_x_t d, uint64_t base, size_t *n)
{
    const report_x_dim_t *dim = &report_x_dims[d];
    Carerhub__ReportRow **rows = xcalloc(dim->n + 2, sizeof *rows);
    uint64_t said = 0;
    *n = 0;
    for (size_t i = 0; i < dim->n; i++) {
        rows[(*n)++] = s_row(dim->values[i].value, dim->values[i].name, q->x[d][i]);
        said += q->x[d][i];
    }
    if (dim->rest)
        rows[(*n)++] = s_row(dim->rest, dim->rest_name, base > said ? base - said : 0);
    return rows;
}

double router_report_per_1000(uint64_t referred, uint64_t population)
{
    return population ? (double)((referred * 100000 + population / 2) / population) / 100.0 : 0;
}

static void s_areas(const report_q_t *q, Carerhub__ReportReply *out)
{
    size_t n = route_population_count(q->r->rt);
    out->by_area = xcalloc(n + 1, sizeof *out->by_area);
    for (size_t i = 0; i < n; i++) {
        const char *id, *name;
        uint64_t carers, in = q->area_in ? q->area_in[i] : 0;
        uint64_t since = q->area_since ? q->area_since[i] : 0;
        Carerhub__ReportRow *row;
        route_population(q->r->rt, i, &id, &name, &carers);
        row = xmalloc(sizeof *row);
        carerhub__report_row__init(row);
        row->key = xstrdup(id);
        row->name = name ? xstrdup(name) : NULL;
        row->has_carers_referred = row->has_population = true;
        row->has_carers_referred_since_start = true;
        row->has_per_1000 = row->has_per_1000_since_start = true;
        row->carers_referred = in;
        row->population = carers;
        row->carers_referred_since_start = since;
        row->per_1000 = router_report_per_1000(in, carers);
        row->per_1000_since_start = router_report_per_1000(since, carers);
        out->by_area[out->n_by_area++] = row;
    }
}

void router_report_about_reply(const report_q_t *q, Carerhub__ReportReply *out)
{
    uint64_t all = q->all.referrals;
    out->by_hours = s_dim(q, REPORT_X_HOURS, all, &out->n_by_hours);
    out->by_priority = s_dim(q, REPORT_X_PRIORITY, all, &out->n_by_priority);
    out->by_work = s_dim(q, REPORT_X_WORK, all, &out->n_by_work);
    out->requests = s_dim(q, REPORT_X_REQUEST, all, &out->n_requests);
    out->has_equality_consented = true;
    out->equality_consented = q->consented;
    out->by_sex = s_dim(q, REPORT_X_SEX, q->consented, &out->n_by_sex);
    out->by_age_band = s_dim(q, REPORT_X_AGE_BAND, q->consented, &out->n_by_age_band);
    out->by_ethnicity = s_dim(q, REPORT_X_ETHNICITY, q->consented, &out->n_by_ethnicity);
    out->by_disability = s_dim(q, REPORT_X_DISABILITY, q->consented, &out->n_by_disability);
    s_areas(q, out);
}
