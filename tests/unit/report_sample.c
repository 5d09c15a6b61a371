/*
 * The sample report reply of the unit tests of lib/report (report_sample.h).
 */
#include "report_sample.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Carerhub__ReportPath report_sample_path(uint64_t referred, uint64_t waiting, uint64_t contacted,
                                        uint64_t supported, uint64_t declined, uint64_t unable)
{
    Carerhub__ReportPath p = CARERHUB__REPORT_PATH__INIT;
    p.referred = referred;
    p.waiting = waiting;
    p.contacted = contacted;
    p.supported = supported;
    p.declined = declined;
    p.unable_to_contact = unable;
    return p;
}

Carerhub__ReportTimeliness report_sample_times(uint64_t contacts, unsigned median, unsigned p90)
{
    Carerhub__ReportTimeliness t = CARERHUB__REPORT_TIMELINESS__INIT;
    t.contacts = contacts;
    t.median_hours = median;
    t.p90_hours = p90;
    return t;
}

static Carerhub__ReportRow *s_row(report_sample_t *s, size_t i, const char *key, const char *name)
{
    Carerhub__ReportRow *r = &s->row[i];
    *r = (Carerhub__ReportRow)CARERHUB__REPORT_ROW__INIT;
    r->key = (char *)key;
    r->name = (char *)name;
    return r;
}

void report_sample(report_sample_t *s)
{
    Carerhub__ReportReply *rep = &s->rep;
    Carerhub__ReportRow *r;

    memset(s, 0, sizeof *s);
    *rep = (Carerhub__ReportReply)CARERHUB__REPORT_REPLY__INIT;
    rep->area = "Essex";
    rep->from = "2026-09-01";
    rep->to = "2026-12-01";
    rep->programme_start = "2024-04-01";
    rep->generated_at = S_GENERATED;
    rep->referrals = 10;
    rep->carers_referred = 8;
    rep->carers_contacted = 6;
    rep->carers_supported = 4;
    rep->carers_supported_since_start = 4;
    for (int i = 0; i < 2; i++) {
        s->t[i] = (Carerhub__ReportTarget)CARERHUB__REPORT_TARGET__INIT;
        s->tp[i] = &s->t[i];
        s->t[i].supported_so_far = 4;
    }
    s->t[0].date = "2025-04-01", s->t[0].carers = 4150, s->t[0].expected_by_now = 4150;
    s->t[0].due = true;
    /* (12,500 - 4) carers in the 4 months to April 2027: 3,124 a month */
    s->t[1].date = "2027-04-01", s->t[1].carers = 12500, s->t[1].expected_by_now = 10468;
    s->t[1].needed_per_month = 3124.0;
    rep->n_targets = 2, rep->targets = s->tp;
    s->path = report_sample_path(8, 1, 1, 4, 1, 1);
    s->path.within_target = 5, s->path.urgent = 2, s->path.urgent_within_target = 1;
    s->path.young = 1;
    rep->path = &s->path;
    s->tfc = report_sample_times(6, 20, 50);
    rep->first_contact = &s->tfc;

    r = s->prov[0] = s_row(s, 0, "afc", "Action for Family Carers");
    s->rp[0] = report_sample_path(5, 1, 1, 2, 1, 0), r->path = &s->rp[0];
    r->contacted = 2, r->supported = 1;
    s->rt[0] = report_sample_times(2, 10, 30), r->first_contact = &s->rt[0];
    s->prov[1] = s_row(s, 1, "empty", "Nothing Here"); /* left out */
    r = s->prov[2] = s_row(s, 2, "odd", "<b>&");
    s->rp[1] = report_sample_path(3, 0, 0, 2, 0, 1), r->path = &s->rp[1];
    s->rt[1] = report_sample_times(4, 30, 100), r->first_contact = &s->rt[1];
    r->contacted = 4, r->supported = 3;
    rep->by_provider = s->prov, rep->n_by_provider = 3;

    r = s->src[0] = s_row(s, 3, "gp", NULL);
    s->rp[2] = report_sample_path(6, 1, 1, 3, 1, 0), r->path = &s->rp[2];
    r->referrals = 6, r->contacted = 4, r->supported = 3;
    s->rt[2] = report_sample_times(4, 18, 40), r->first_contact = &s->rt[2];
    r = s->src[1] = s_row(s, 4, "discharge", NULL);
    s->rp[3] = report_sample_path(2, 0, 0, 1, 0, 1), r->path = &s->rp[3];
    r->referrals = 4, r->contacted = 2, r->supported = 1;
    rep->by_source = s->src, rep->n_by_source = 2;

    r = s->auth[0] = s_row(s, 5, "E07000070", "Chelmsford");
    s->rp[4] = report_sample_path(4, 0, 1, 2, 1, 0), r->path = &s->rp[4];
    r->supported = 2;
    rep->by_authority = s->auth, rep->n_by_authority = 1;

    static const char *const months[] = {"2026-09", "2026-10", "2026-11", "2026-12"};
    static const uint64_t since[] = {1, 2, 4, 4};
    for (size_t i = 0; i < 4; i++) {
        r = s->month[i] = s_row(s, 6 + i, months[i], NULL);
        r->carers_supported_since_start = since[i];
    }
    r = s->month[2];
    s->rp[5] = report_sample_path(3, 1, 0, 1, 1, 0), r->path = &s->rp[5];
    r->referrals = 3, r->contacted = 2, r->supported = 1;
    rep->by_month = s->month, rep->n_by_month = 4;

    r = s->refs[0] = s_row(s, 10, "F81001", "=cmd");
    r->source = "gp", r->referrals = 3, r->last_referral = "2026-11-30";
    r = s->refs[1] = s_row(s, 11, "RQ8", "Broomfield, Chelmsford");
    r->source = "discharge", r->referrals = 5, r->last_referral = "2026-11-02";
    rep->referrers = s->refs, rep->n_referrers = 2;
    r = s->quiet[0] = s_row(s, 12, "F81002", NULL);
    r->source = "gp", r->last_referral = "2026-06-01", r->referrals_before = 4;
    rep->gone_quiet = s->quiet, rep->n_gone_quiet = 1;
    rep->quiet_days = 90;
    rep->transitions = 0;
    rep->discharges = 2;
    rep->discharges_consulted = 1;
}

json_t *report_sample_json(const report_sample_t *s, bool publish)
{
    buf_t b = BUF_INIT;
    json_t *j;
    report_json(&b, &s->rep, publish);
    j = json_loads(b.data, 0, NULL);
    buf_free(&b);
    return j;
}

json_t *report_sample_at(json_t *j, const char *path)
{
    char buf[200], *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k && j; k = strtok_r(NULL, ".", &save))
        j = json_is_array(j) ? json_array_get(j, (size_t)atoi(k)) : json_object_get(j, k);
    return j;
}

char *report_sample_render(void (*fn)(buf_t *, const Carerhub__ReportReply *, bool),
                           const report_sample_t *s, bool publish)
{
    buf_t b = BUF_INIT;
    fn(&b, &s->rep, publish);
    return buf_take(&b);
}

size_t report_sample_count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}
