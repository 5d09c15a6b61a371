/*
 * What the report's pass over the report table gathers
 * (router_report_query.c), for the reply made of it
 * (router_report_reply.c). Private to those two files.
 */
#ifndef CARERHUB_ROUTER_REPORT_QUERY_H
#define CARERHUB_ROUTER_REPORT_QUERY_H

#include "router.h"
#include "router_report_about.h"

#define REPORT_QUIET_DAYS    90
#define REPORT_REFERRERS_MAX 5000 /* referrers, and referrers gone quiet, listed */
#define REPORT_BUCKETS       160  /* router_report_hours: 0..71 h, then days to 89, then 2160 */

/* A case's place in a ReportPath, by the c entry's STAGE and FLAGS. */
enum {
    REPORT_P_REFERRED,
    REPORT_P_WAITING,
    REPORT_P_CONTACTED,
    REPORT_P_SUPPORTED,
    REPORT_P_DECLINED,
    REPORT_P_UNABLE,
    REPORT_P_CLOSED,
    REPORT_P_WITHIN,
    REPORT_P_URGENT,
    REPORT_P_URGENT_WITHIN,
    REPORT_P_YOUNG,
    REPORT_P_N
};

/* What one row (an organisation, a source, an authority, a month, the
 * whole period) gathers. */
typedef struct {
    uint64_t path[REPORT_P_N];
    uint64_t referrals, contacted, supported;
    uint64_t hours[REPORT_BUCKETS]; /* first contacts by time bucket */
} report_acc_t;

/* The names one field of the keys takes (provider ids, sources, authority
 * codes), each with its row. */
typedef struct {
    smap_t *index; /* name -> its number */
    char **names;
    report_acc_t *acc;
    size_t n, cap;
} report_dim_t;

typedef struct {
    char *key; /* SOURCE US CODE, as in the r entries */
    uint64_t in_period, before_quiet, in_quiet;
    date_t last;
} report_referrer_t;

/* The cumulative count of distinct carers supported since the start, at
 * the end of each day that changed it (in day order). */
typedef struct {
    date_t day;
    int64_t carers;
} report_cum_t;

/* One report being made: the period, and what the keys up to its end
 * gave. */
typedef struct {
    router_t *r;
    date_t from, to, start, quiet_from;
    char from_s[DATE_STRLEN], start_s[DATE_STRLEN];
    int fy, fm; /* the period's first month */
    size_t nmonths;
    report_acc_t all, *months;
    uint64_t not_new, again; /* n and a entries of carers counted before */
    uint64_t transitions, discharges, consulted;
    report_dim_t providers, sources, lads;
    smap_t *referrer_index;
    report_referrer_t *referrers;
    size_t nreferrers, referrers_cap;
    report_cum_t *cum;
    size_t ncum, cum_cap;
    int64_t carers; /* running: since the start */
    /* What the referrals received in the period say (x entries), and of
     * the cases opened, those in each carer_population area: in the period
     * and since the start (area_in, area_since: one per area, or NULL). */
    uint64_t x[REPORT_X_N][REPORT_X_VALUES], consented;
    uint64_t *area_in, *area_since;
    /* The day of the key in hand, parsed once for all the keys of a day. */
    char day_s[10];
    date_t day;
    long month; /* its month in months[], -1 outside the period */
} report_q_t;

/* Distinct carers supported from the start to the end of day `on`. */
uint64_t router_report_carers_at(const report_q_t *q, date_t on);
/* An x entry of the period (WHAT p, n bytes; VALUE vp, vn bytes). */
void router_report_x_entry(report_q_t *q, const char *p, size_t n, const char *vp, size_t vn,
                           uint64_t v);
/* A c entry since the start, of authority lad (n bytes): the cases opened
 * in its area; in: of the period. */
void router_report_area_case(report_q_t *q, const char *lad, size_t n, bool in, uint64_t v);
/* referred per 1,000 of population, to two decimal places (half up); 0
 * for no population. */
double router_report_per_1000(uint64_t referred, uint64_t population);
/* The reply's rows of what the referrals say and of the areas. */
void router_report_about_reply(const report_q_t *q, Carerhub__ReportReply *out);
/* The reply for what the pass gathered (free with
 * carerhub__report_reply__free_unpacked). */
Carerhub__ReportReply *router_report_reply(const report_q_t *q);

#endif
