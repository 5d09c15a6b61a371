/*
 * Report benchmark: a router in this process on a fresh case store (the
 * router's own code, linked in), N cases stored through its own take path
 * (batches of forwarded referrals from the three sources, received over
 * about 1,000 days, carers across the Essex districts, a few referred
 * again) and outcomes for most of them through its outcome path
 * (contacted, supported, declined, unable to contact, closed, so that some
 * carers come back for a second episode); then router_report timed over
 * the whole programme and over its last quarter.
 *
 *   bench_report [N] [DIR]     N cases (default BENCH_REPORT_N or 1,000,000);
 *                              the store under DIR (default a temporary one)
 *
 * Run from the source tree's top (or set CARERHUB_SRC): it reads the
 * shipped routing and the sample referrals.
 */
#include "../unit/fixture.h"
#include "router/router.h"

#include "domain/referral.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_BATCH 1000 /* referrals in one take */
#define S_DAYS  1000 /* days the referrals are received over */

/* What fixture.c asks of a test runner. */
static char s_dir[4096];
const char *test_tmpdir(void);
const char *test_src(const char *rel);
const char *test_tmpdir(void)
{
    return s_dir;
}
const char *test_src(const char *rel)
{
    static char path[4096];
    const char *root = getenv("CARERHUB_SRC");
    snprintf(path, sizeof path, "%s/%s", root && *root ? root : ".", rel);
    return path;
}

/* The clock, for the router linked in: the day being stored rather than
 * today (the router opens a case "now", and refuses an outcome before
 * it), so that the cases spread over the days their referrals came.
 * All three of clock.h are defined here, so that lib/util/clock.o is not
 * linked: pulled in for the monotonic two, its clock_now_ms would clash
 * with this one. */
static int64_t s_now; /* unix ms; 0: the real time */
static int64_t s_clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
int64_t clock_now_ms(void)
{
    return s_now ? s_now : s_clock_us(CLOCK_REALTIME) / 1000;
}
int64_t clock_mono_ms(void)
{
    return s_clock_us(CLOCK_MONOTONIC) / 1000;
}
int64_t clock_mono_us(void)
{
    return s_clock_us(CLOCK_MONOTONIC);
}

static const char *s_postcodes[] = {"CM2 0AA",  "CM16 4AA", "CO1 1AA",  "SS14 1AA", "CB11 3AA",
                                    "SS1 1AA",  "CO15 1AA", "CM0 7AA",  "SS8 0AA",  "CM1 1AA",
                                    "CM20 1AA", "CM7 1AA",  "CM9 4AA",  "SS4 1AA",  "CM14 4AA",
                                    "CO4 3AA",  "SS0 7AA",  "RM17 5AA", "CM77 7AA", "EN9 1AA"};
#define S_NPOSTCODES (sizeof s_postcodes / sizeof *s_postcodes)
static const char *s_trusts[][2] = {{"RAJ", "RAJ01"}, {"RDE", "RDE01"}, {"RQ8", "RQ801"}};

typedef struct {
    router_t r;
    uint8_t *tmpl[4]; /* a packed sample referral of each source */
    size_t tmpl_len[4];
    unsigned long refused, outcomes; /* outcomes recorded, and refused */
} s_bench_t;

static void s_set(char **field, const char *v)
{
    free(*field);
    *field = xstrdup(v);
}

static uint64_t s_rand(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Referral i of the run, of carer `carer` (an earlier carer's number for
 * one referred again), received on day `day` at `at`. */
static Carerhub__Referral *s_referral(s_bench_t *b, Carerhub__Source src, size_t i, size_t carer,
                                      date_t day, int64_t at)
{
    Carerhub__Referral *ref = carerhub__referral__unpack(NULL, b->tmpl_len[src], b->tmpl[src]);
    char s[64], date[DATE_STRLEN];
    date_format(day, date);
    snprintf(s, sizeof s, "%s-BENCH%zu", referral_id_prefix(src), i);
    s_set(&ref->id, s);
    ref->has_source = true;
    ref->source = src;
    ref->has_received_at = true;
    ref->received_at = at;
    s_set(&ref->referral_date, date);
    s_set(&ref->consent->date, date);
    snprintf(s, sizeof s, "Bench%zu", carer);
    s_set(&ref->carer->family_name, s);
    s_set(&ref->carer->given_name, "Alex");
    s_set(&ref->carer->postcode, s_postcodes[carer % S_NPOSTCODES]);
    free(ref->carer->nhs_number);
    ref->carer->nhs_number = NULL;
    s_set(&ref->submitted_by, "bench");
    if (src == CARERHUB__SOURCE__GP) {
        snprintf(s, sizeof s, "F81%03zu", carer % 200);
        s_set(&ref->gp->practice, s);
    } else if (src == CARERHUB__SOURCE__DISCHARGE) {
        s_set(&ref->discharge->hospital->trust, s_trusts[carer % 3][0]);
        s_set(&ref->discharge->hospital->site, s_trusts[carer % 3][1]);
        /* One in three goes home tomorrow: urgent. */
        date_format(day + (carer % 3 == 0 ? 1 : 10), date);
        s_set(&ref->discharge->patient->expected_discharge, date);
        ref->discharge->has_carer_consulted = true;
        ref->discharge->carer_consulted = carer % 4 != 0;
    } else {
        snprintf(s, sizeof s, "%06zu", 115000 + carer % 300);
        s_set(&ref->school->school->urn, s);
    }
    return ref;
}

/* An outcome waiting for its day. */
typedef struct {
    char *case_id;
    int64_t at;
    uint32_t ref; /* the number of the referral that opened the case */
    uint8_t step; /* 1, 2, 3: the case's first, second, third outcome */
    uint8_t status;
    uint8_t provider;
} s_due_t;

static const char *const s_statuses[] = {"contacted", "declined", "unable_to_contact", "supported",
                                         "closed"};

typedef struct {
    s_due_t *v;
    size_t n, cap;
} s_day_t;

static s_day_t s_days[S_DAYS + 64]; /* the outcomes due, by day from the first */
static char s_providers[ROUTER_MAX_AGENTS][40];
static size_t s_nproviders;

static uint8_t s_provider(const char *id)
{
    size_t i = 0;
    while (i < s_nproviders && strcmp(s_providers[i], id) != 0)
        i++;
    if (i == s_nproviders && s_nproviders < ROUTER_MAX_AGENTS)
        snprintf(s_providers[s_nproviders++], sizeof s_providers[0], "%s", id);
    return (uint8_t)(i < ROUTER_MAX_AGENTS ? i : 0);
}

static void s_due(date_t first, const char *case_id, uint8_t provider, uint32_t ref, uint8_t step,
                  uint8_t status, int64_t at)
{
    long d = (long)(date_of_ms(at) - first);
    s_day_t *day = &s_days[d < 0 ? 0 : d >= S_DAYS + 64 ? S_DAYS + 63 : d];
    day->v = xgrow(day->v, &day->cap, day->n + 1, sizeof *day->v);
    day->v[day->n++] = (s_due_t){xstrdup(case_id), at, ref, step, status, provider};
}

/* What becomes of the cases the batch's referrals opened (at `now`): most
 * contacted (1 to 200 hours on), most of those supported a week later and
 * some of those closed a month on; a few declined, unable to contact, or
 * left waiting. */
static void s_schedule(s_bench_t *b, Carerhub__Referral **refs, size_t n, size_t ref0, date_t first,
                       int64_t now, uint64_t *seed)
{
    MDB_txn *txn;
    if (store_read(b->r.store, &txn) != 0)
        return;
    for (size_t i = 0; i < n; i++) {
        Carerhub__ReferralRecord *rec = router_get_referral(&b->r, txn, refs[i]->id);
        uint64_t x = s_rand(seed) % 100;
        int64_t at = now + (int64_t)(1 + s_rand(seed) % 200) * 3600000;
        uint32_t ref = (uint32_t)(ref0 + i);
        if (rec && rec->kind && strcmp(rec->kind, "new") == 0 && rec->case_id && rec->provider) {
            uint8_t p = s_provider(rec->provider);
            if (x < 95)
                s_due(first, rec->case_id, p, ref, 1, x < 77 ? 0 : x < 85 ? 1 : 2, at);
            if (x < 65)
                s_due(first, rec->case_id, p, ref, 2, 3, at + 7 * 86400000LL);
            if (x < 25)
                s_due(first, rec->case_id, p, ref, 3, 4, at + 30 * 86400000LL);
        }
        if (rec)
            carerhub__referral_record__free_unpacked(rec, NULL);
    }
    mdb_txn_abort(txn);
}

/* Reports the outcomes due on day d, one report per organisation. */
static void s_report_day(s_bench_t *b, s_day_t *day)
{
    for (size_t p = 0; p < s_nproviders; p++) {
        Carerhub__Outcome *os = xcalloc(day->n + 1, sizeof *os), **ptrs;
        Carerhub__OutcomeResult *res;
        char(*ids)[32] = xcalloc(day->n + 1, sizeof *ids), actor[80];
        char *info = (char *)"information_advice";
        size_t n = 0;
        ptrs = xcalloc(day->n + 1, sizeof *ptrs);
        /* In order of time: a case's outcomes come in the order taken. */
        for (size_t i = 0; i < day->n; i++) {
            const s_due_t *e = &day->v[i];
            Carerhub__Outcome *o = &os[n];
            if (e->provider != p || e->at > clock_now_ms())
                continue; /* another's, or not yet happened (the last days') */
            carerhub__outcome__init(o);
            snprintf(ids[n], sizeof ids[0], "o-%u-%u", e->ref, e->step);
            o->outcome_id = ids[n];
            o->case_id = e->case_id;
            o->status = (char *)s_statuses[e->status];
            o->has_at = true;
            o->at = e->at;
            if (e->status == 3) {
                o->n_support = 1;
                o->support = &info;
            } else if (e->status == 4)
                o->reason = (char *)"support_complete";
            ptrs[n++] = o;
        }
        res = xcalloc(n + 1, sizeof *res);
        snprintf(actor, sizeof actor, "provider-%.39s", s_providers[p]);
        if (n)
            router_outcomes(&b->r, s_providers[p], actor, ptrs, n, res);
        for (size_t j = 0; j < n; j++) {
            if (res[j].result == CARERHUB__OUTCOME_RESULT__RESULT__RECORDED)
                b->outcomes++;
            else if (b->refused++ == 0)
                fprintf(stderr, "bench_report: an outcome refused: %s %s\n",
                        res[j].code ? res[j].code : "", res[j].message ? res[j].message : "");
        }
        router_outcome_results_free(res, n);
        free(res);
        free(ptrs);
        free(os);
        free(ids);
    }
    for (size_t i = 0; i < day->n; i++)
        free(day->v[i].case_id);
    free(day->v);
    memset(day, 0, sizeof *day);
}

static int s_due_cmp(const void *a, const void *b)
{
    const s_due_t *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* Reports every outcome due before day `upto` (from the first). */
static void s_report_upto(s_bench_t *b, long upto)
{
    static long done;
    for (; done < upto && done < S_DAYS + 64; done++) {
        qsort(s_days[done].v, s_days[done].n, sizeof *s_days[done].v, s_due_cmp);
        s_report_day(b, &s_days[done]);
    }
}

/* Stores n cases' referrals (and a few more: carers referred again) with
 * their outcomes. */
static void s_build(s_bench_t *b, size_t n, date_t first)
{
    Carerhub__Referral *refs[S_BATCH];
    Carerhub__Envelope env[3];
    Carerhub__Forward fwd[3];
    router_fwd_t f[3];
    Carerhub__Referral *by_src[3][S_BATCH];
    uint64_t seed = 88172645463325252ULL;
    size_t carers = 0, i = 0;
    for (int s = 0; s < 3; s++) {
        carerhub__envelope__init(&env[s]);
        carerhub__forward__init(&fwd[s]);
        env[s].body_case = CARERHUB__ENVELOPE__BODY_FORWARD;
        env[s].forward = &fwd[s];
        memset(&f[s], 0, sizeof f[s]);
        f[s].env = &env[s];
        f[s].source = (Carerhub__Source)(s + 1);
        f[s].program = referral_intake_program(f[s].source);
        snprintf(f[s].actor, sizeof f[s].actor, "%s", referral_intake_name(f[s].source));
    }
    while (carers < n) {
        /* One day's referrals at a time (up to a batch), received in order
         * over S_DAYS days: one in 14 from a carer referred before (about
         * a thousand referrals back). */
        date_t day = first + (date_t)((uint64_t)carers * S_DAYS / n);
        size_t m = 0, nsrc[3] = {0, 0, 0};
        for (; m < S_BATCH && carers < n && first + (date_t)((uint64_t)carers * S_DAYS / n) == day;
             m++, i++) {
            int64_t at = (int64_t)day * 86400000LL + (int64_t)(8 + i % 10) * 3600000;
            uint64_t x = s_rand(&seed);
            size_t carer = x % 14 == 0 && carers > 1000 ? carers - 1 - (x >> 8) % 1000 : carers++;
            int src = carer % 20 < 12 ? 0 : carer % 20 < 17 ? 1 : 2;
            refs[m] = s_referral(b, (Carerhub__Source)(src + 1), i, carer, day, at);
            by_src[src][nsrc[src]++] = refs[m];
        }
        for (int s = 0; s < 3; s++) {
            fwd[s].n_referrals = nsrc[s];
            fwd[s].referrals = by_src[s];
        }
        /* The hub's clock: that day's evening, once the outcomes due
         * before that day have come in. */
        s_now = (int64_t)day * 86400000LL + 18 * 3600000LL;
        s_report_upto(b, day - first);
        if (router_take(&b->r, f, 3) != 0) {
            fprintf(stderr, "bench_report: the take failed\n");
            exit(1);
        }
        s_schedule(b, refs, m, i - m, first, s_now, &seed);
        for (size_t j = 0; j < m; j++)
            carerhub__referral__free_unpacked(refs[j], NULL);
    }
    /* Then today: what was due since. */
    s_now = 0;
    s_report_upto(b, S_DAYS + 64);
}

/* The bytes of the store's files. */
static double s_store_mb(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    double bytes = 0;
    while (d && (e = readdir(d))) {
        struct stat st;
        char *p = file_join(dir, e->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
            bytes += (double)st.st_blocks * 512;
        free(p);
    }
    if (d)
        closedir(d);
    return bytes / (1 << 20);
}

/* Milliseconds router_report takes for [from, to], best of three; *out
 * the last reply's carers supported. */
static double s_time(s_bench_t *b, date_t from, date_t to, uint64_t *supported, size_t *keys)
{
    Carerhub__ReportQuery q = CARERHUB__REPORT_QUERY__INIT;
    char f[DATE_STRLEN], t[DATE_STRLEN], msg[200];
    double best = 1e9;
    date_format(from, f);
    date_format(to, t);
    q.from = f;
    q.to = t;
    for (int run = 0; run < 3; run++) {
        MDB_txn *txn;
        MDB_stat st;
        Carerhub__ReportReply *rep;
        int64_t t0 = clock_mono_ms();
        if (store_read(b->r.store, &txn) != 0)
            exit(1);
        rep = router_report(&b->r, txn, &q, to, msg, sizeof msg);
        if (!rep) {
            fprintf(stderr, "bench_report: %s\n", msg);
            exit(1);
        }
        best = (double)(clock_mono_ms() - t0) < best ? (double)(clock_mono_ms() - t0) : best;
        *supported = rep->carers_supported;
        mdb_stat(txn, store_dbi(b->r.store, DB_REPORT), &st);
        *keys = st.ms_entries;
        carerhub__report_reply__free_unpacked(rep, NULL);
        mdb_txn_abort(txn);
    }
    return best;
}

int main(int argc, char **argv)
{
    const char *names[] = {"router", "gp-intake", "discharge-intake", "school-intake"};
    const char *env_n = getenv("BENCH_REPORT_N");
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : env_n ? strtoul(env_n, NULL, 10) : 1000000;
    static s_bench_t b;
    keypair_t kp[4];
    char *parts, *store;
    date_t today = date_today(), first = today - S_DAYS;
    int64_t t0, t1;
    uint64_t sup_all, sup_q;
    size_t keys;
    double ms_all, ms_q;

    snprintf(s_dir, sizeof s_dir, "%s/carerhub-bench-report.XXXXXX", argc > 2 ? argv[2] : "/tmp");
    if (n == 0 || !mkdtemp(s_dir)) {
        fprintf(stderr, "usage: bench_report [N] [DIR]\n");
        return 2;
    }
    log_init("bench_report");
    log_set_level(LOG_LVL_ERROR); /* parked referrals are counted, not logged each */
    if (fixture_keys(names, 4, kp) < 0)
        return 1;
    parts = xasprintf("participants:\n"
                      "  - {id: gp-intake, role: intake, scope: gp, key: \"%s\"}\n"
                      "  - {id: discharge-intake, role: intake, scope: discharge, key: \"%s\"}\n"
                      "  - {id: school-intake, role: intake, scope: school, key: \"%s\"}\n",
                      kp[1].pub, kp[2].pub, kp[3].pub);
    /* Room for the cases, and no limit on the referrals a submitter adds
     * to one case. */
    if (fixture_conf(parts, "store_map_mb: 65536\nrouter: {submitter_case_max: 10000}\n", &b.r.conf,
                     &b.r.rt) < 0)
        return 1;
    free(parts);
    for (int s = 1; s <= 3; s++) {
        static const char *files[] = {"", "config/samples/gp.yaml", "config/samples/discharge.yaml",
                                      "config/samples/school.yaml"};
        Carerhub__Referral *r = fixture_sample(files[s], (Carerhub__Source)s, 0);
        if (!r) {
            fprintf(stderr, "bench_report: cannot read %s (run from the source tree)\n", files[s]);
            return 1;
        }
        b.tmpl_len[s] = carerhub__referral__get_packed_size(r);
        b.tmpl[s] = xmalloc(b.tmpl_len[s]);
        carerhub__referral__pack(r, b.tmpl[s]);
        carerhub__referral__free_unpacked(r, NULL);
    }
    b.r.sec = secure_start(b.r.conf, "router");
    store = file_join(s_dir, "store");
    file_private_dir(store);
    router_store_open(&b.r, store);

    t0 = clock_mono_ms();
    s_build(&b, n, first);
    t1 = clock_mono_ms();
    printf("stored %zu cases (%lu referrals, %lu outcomes, %lu refused, %lu parked) through the "
           "router's take and outcome paths in %.1f s\n",
           n, b.r.taken, b.outcomes, b.refused, b.r.parked, (double)(t1 - t0) / 1000);
    ms_all = s_time(&b, first, today - 1, &sup_all, &keys);
    ms_q = s_time(&b, today - 92, today - 1, &sup_q, &keys);
    printf("report over %zu cases: %.0f ms (whole programme), %.0f ms (one quarter)\n", n, ms_all,
           ms_q);
    printf("report table: %zu keys; carers supported %llu (whole programme), %llu (quarter); "
           "store %.0f MB\n",
           keys, (unsigned long long)sup_all, (unsigned long long)sup_q, s_store_mb(store));
    {
        /* What an erasure or a retention run adds: the store rewritten
         * record by record so that nothing deleted stays in the file. */
        uint64_t before = 0, after = 0;
        int64_t s0 = clock_mono_ms();
        int rc = store_scrub(b.r.store, &before, &after);
        printf("store rewrite (store_scrub, after an erasure): %.1f s, %.0f MB to %.0f MB%s%s\n",
               (double)(clock_mono_ms() - s0) / 1000, (double)before / 1e6, (double)after / 1e6,
               rc ? ": failed: " : "", rc ? store_strerror(rc) : "");
    }
    store_close(&b.r.store);
    secure_stop(&b.r.sec);
    route_destroy(&b.r.rt);
    hubconf_destroy(&b.r.conf);
    free(store);
    if (!getenv("BENCH_REPORT_KEEP")) {
        char *cmd = xasprintf("rm -rf '%s'", s_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_report: could not remove %s\n", s_dir);
        free(cmd);
    }
    return 0;
}
