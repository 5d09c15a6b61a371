/*
 * The report table's counts (router.h, "reports"), kept as the router
 * commits and in the same transaction, so that a report reads counts and
 * never a case. A case is counted once, in its cohort: the day it opened
 * and where it stands now (router_report_case moves it from key to key as
 * it changes; its report_key says where it is counted). Events are counted
 * on their day: a referral received, a first contact, a first support, a
 * young carer's move to adult services. Counts only: no field of a key
 * names or describes a person.
 *
 * Everything here is written inside the caller's write transaction, and a
 * redone transaction (store_write after MAP_FULL) starts again from the
 * store as committed: nothing is counted twice.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/be64.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_US        "\x1f"
#define S_FIELD_MAX 40  /* longest field kept as it is in a key */
#define S_EPISODES  100 /* earlier episodes looked at for a carer's last support */
#define S_HOUR_MS   3600000LL

/* A field of a key as given, or `none` when it is missing or is not a
 * short code (a key's fields are separated by US). */
static const char *s_field(const char *s, const char *none)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > S_FIELD_MAX)
        return none;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return none;
    return s;
}

/* The local calendar day of ms, YYYY-MM-DD. */
static void s_day(int64_t ms, char out[DATE_STRLEN])
{
    date_format(date_of_ms(ms), out);
}

static const char *s_source(bool has, Carerhub__Source s)
{
    return s_field(has ? referral_source_name(s) : NULL, "unknown");
}

/* Adds by (+1 or -1) to the count under key. An entry that reaches 0 is
 * removed. A count taken below 0 is our bug or a store changed by hand:
 * it stays at 0, and is logged once. */
static int s_add(router_t *r, MDB_txn *txn, const char *key, int by)
{
    static bool warned;
    MDB_dbi dbi = store_dbi(r->store, DB_REPORT);
    MDB_val k = store_val(key), v;
    uint8_t buf[8];
    uint64_t n = 0;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        n = be64_get(v.mv_data);
    else if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    if (by < 0 && n == 0) {
        if (!warned) {
            char shown[ROUTER_REPORT_KEY_MAX];
            size_t i;
            for (i = 0; key[i] && i + 1 < sizeof shown; i++)
                shown[i] = key[i] == '\x1f' ? '/' : key[i];
            shown[i] = '\0';
            log_warn("report count %s would go below 0: left at 0 (further ones not logged)",
                     shown);
        }
        warned = true;
        return 0;
    }
    n = by < 0 ? n - 1 : n + 1;
    if (n == 0) {
        rc = mdb_del(txn, dbi, &k, NULL);
        return rc == MDB_NOTFOUND ? 0 : rc;
    }
    be64_put(n, buf);
    v.mv_size = 8;
    v.mv_data = buf;
    return mdb_put(txn, dbi, &k, &v, 0);
}

int router_report_add(router_t *r, MDB_txn *txn, const char *key, int by)
{
    return s_add(r, txn, key, by);
}

static bool s_is(const char *s, const char *what)
{
    return s && strcmp(s, what) == 0;
}

const char *router_report_stage(const Carerhub__CaseRecord *c)
{
    if (c->has_supported_at)
        return "supported";
    if (s_is(c->state, "declined") || (c->closed && s_is(c->closed_reason, "declined")))
        return "declined";
    if (c->has_contacted_at)
        return "contacted";
    if (s_is(c->state, "unable_to_contact") || s_is(c->closed_reason, "unable_to_contact"))
        return "unable_to_contact";
    if (c->closed)
        return "closed";
    return "waiting";
}

unsigned router_report_hours(int64_t ms)
{
    int64_t hours = ms > 0 ? ms / S_HOUR_MS : 0;
    if (hours < 72)
        return (unsigned)hours;
    if (hours < 90 * 24)
        return (unsigned)(hours / 24 * 24);
    return 90 * 24;
}

/* Whether carer was under 18 on the day of at (unix ms). */
static bool s_young_on(const Carerhub__Carer *carer, int64_t at)
{
    date_t dob;
    if (!carer || !carer->date_of_birth || date_parse(carer->date_of_birth, &dob) < 0)
        return false;
    return referral_young_carer(date_age(dob, date_of_ms(at)));
}

/* Whether the carer of c was under 18 on the day the case opened: as kept
 * when it opened; for a case counted before that was kept, by the carer as
 * now known. */
static bool s_young(const Carerhub__CaseRecord *c)
{
    return c->has_opened_young ? c->opened_young : s_young_on(c->carer, c->opened_at);
}

void router_report_case_key(const Carerhub__CaseRecord *c, char out[ROUTER_REPORT_KEY_MAX])
{
    char day[DATE_STRLEN], flags[4];
    size_t nf = 0;
    s_day(c->opened_at, day);
    if (c->opened_urgent)
        flags[nf++] = 'u';
    if (c->contact_in_time)
        flags[nf++] = 'w';
    if (s_young(c))
        flags[nf++] = 'y';
    if (nf == 0)
        flags[nf++] = '-';
    flags[nf] = '\0';
    snprintf(out, ROUTER_REPORT_KEY_MAX,
             "%s" S_US "c" S_US "%s" S_US "%s" S_US "%s" S_US "%s" S_US "%s", day,
             s_field(c->provider, "none"), s_source(c->has_opened_source, c->opened_source),
             s_field(c->lad, "unresolved"), router_report_stage(c), flags);
}

int router_report_case(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c)
{
    char key[ROUTER_REPORT_KEY_MAX];
    int rc;
    /* A record that cannot say when the case opened (router_report_build)
     * belongs to no day's cohort: not to 1 January 1970's. */
    if (!c->has_opened_at)
        return 0;
    router_report_case_key(c, key);
    if (c->report_key && strcmp(c->report_key, key) == 0)
        return 0;
    if (c->report_key && (rc = s_add(r, txn, c->report_key, -1)) != 0)
        return rc;
    if ((rc = s_add(r, txn, key, 1)) != 0)
        return rc;
    free(c->report_key);
    c->report_key = xstrdup(key);
    return 0;
}

int router_put_case(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c)
{
    int rc = router_report_case(r, txn, c);
    /* Before the put: the record it replaces says where it was listed. */
    if (rc == 0)
        rc = router_inbox_note(r, txn, c);
    if (rc == 0)
        rc = router_put(r, txn, DB_CASES, c->case_id, strlen(c->case_id), &c->base);
    return rc;
}

int router_report_referral(router_t *r, MDB_txn *txn, const Carerhub__Referral *ref,
                           Carerhub__CaseRecord *c, bool opened)
{
    char day[DATE_STRLEN], key[ROUTER_REPORT_KEY_MAX], until[DATE_STRLEN];
    bool discharge = ref->has_source && ref->source == CARERHUB__SOURCE__DISCHARGE;
    int rc;
    s_day(ref->has_received_at ? ref->received_at : clock_now_ms(), day);
    snprintf(key, sizeof key, "%s" S_US "r" S_US "%s" S_US "%s", day,
             s_source(ref->has_source, ref->source),
             s_field(referral_referrer_code(ref), "unknown"));
    if ((rc = s_add(r, txn, key, 1)) != 0 || (rc = router_report_about(r, txn, ref, day)) != 0)
        return rc;
    if (discharge) {
        bool yes = ref->discharge && ref->discharge->has_carer_consulted &&
                   ref->discharge->carer_consulted;
        snprintf(key, sizeof key, "%s" S_US "d" S_US "%s", day, yes ? "yes" : "no");
        if ((rc = s_add(r, txn, key, 1)) != 0)
            return rc;
    }
    if (!opened)
        return 0;
    c->has_opened_source = ref->has_source;
    c->opened_source = ref->source;
    c->has_opened_urgent = true;
    c->opened_urgent = discharge && router_urgent_until(ref, until);
    c->has_opened_young = true;
    c->opened_young = s_young_on(ref->carer, c->opened_at);
    if (c->previous_case) {
        Carerhub__CaseRecord *prev = router_get_case(r, txn, c->previous_case);
        if (prev && prev->has_opened_at) {
            char prevday[DATE_STRLEN];
            s_day(c->opened_at, day);
            s_day(prev->opened_at, prevday);
            snprintf(key, sizeof key, "%s" S_US "n" S_US "%s", day, prevday);
            rc = s_add(r, txn, key, 1);
        }
        if (prev)
            carerhub__case_record__free_unpacked(prev, NULL);
    }
    return rc;
}

int router_report_contact(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, int64_t at)
{
    char day[DATE_STRLEN], key[ROUTER_REPORT_KEY_MAX];
    s_day(at, day);
    c->has_contact_in_time = true;
    c->contact_in_time = c->contact_by && strcmp(day, c->contact_by) <= 0;
    snprintf(key, sizeof key, "%s" S_US "f" S_US "%s" S_US "%s" S_US "%u", day,
             s_field(c->provider, "none"), s_source(c->has_opened_source, c->opened_source),
             router_report_hours(at - c->opened_at));
    return s_add(r, txn, key, 1);
}

/* The day the carer of c was last supported in an earlier episode (the
 * newest of them with a support), into day; false if none was. */
static bool s_supported_before(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                               char day[DATE_STRLEN])
{
    char *id = c->previous_case ? xstrdup(c->previous_case) : NULL;
    bool found = false;
    for (int i = 0; id && i < S_EPISODES && !found; i++) {
        Carerhub__CaseRecord *p = router_get_case(r, txn, id);
        free(id);
        id = NULL;
        if (!p)
            break;
        if (p->has_supported_at) {
            s_day(p->supported_at, day);
            found = true;
        } else if (p->previous_case) {
            id = xstrdup(p->previous_case);
        }
        carerhub__case_record__free_unpacked(p, NULL);
    }
    free(id);
    return found;
}

int router_report_support(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c, int64_t at)
{
    char day[DATE_STRLEN], prevday[DATE_STRLEN], key[ROUTER_REPORT_KEY_MAX];
    int rc;
    s_day(at, day);
    snprintf(key, sizeof key, "%s" S_US "s" S_US "%s" S_US "%s" S_US "%s", day,
             s_field(c->provider, "none"), s_source(c->has_opened_source, c->opened_source),
             s_field(c->lad, "unresolved"));
    if ((rc = s_add(r, txn, key, 1)) != 0 || !s_supported_before(r, txn, c, prevday))
        return rc;
    snprintf(key, sizeof key, "%s" S_US "a" S_US "%s", day, prevday);
    return s_add(r, txn, key, 1);
}

int router_report_transition(router_t *r, MDB_txn *txn, const char *from, int64_t at)
{
    char day[DATE_STRLEN], key[ROUTER_REPORT_KEY_MAX];
    s_day(at, day);
    snprintf(key, sizeof key, "%s" S_US "t" S_US "%s", day, s_field(from, "none"));
    return s_add(r, txn, key, 1);
}

/* The later and earlier days of two moments, for an n or a entry. */
static void s_days(int64_t a, int64_t b, char later[DATE_STRLEN], char earlier[DATE_STRLEN])
{
    s_day(a > b ? a : b, later);
    s_day(a < b ? a : b, earlier);
}

int router_report_joined(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *stands,
                         Carerhub__CaseRecord *joined)
{
    char day[DATE_STRLEN], prevday[DATE_STRLEN], key[ROUTER_REPORT_KEY_MAX];
    int rc;
    /* One carer referred: as for a next episode, the later case's day
     * names the earlier's. */
    if (stands->has_opened_at && joined->has_opened_at) {
        s_days(stands->opened_at, joined->opened_at, day, prevday);
        snprintf(key, sizeof key, "%s" S_US "n" S_US "%s", day, prevday);
        if ((rc = s_add(r, txn, key, 1)) != 0)
            return rc;
    }
    if (!joined->has_supported_at)
        return 0;
    if (stands->has_supported_at) {
        /* One carer supported: the later support names the earlier. */
        s_days(stands->supported_at, joined->supported_at, day, prevday);
        snprintf(key, sizeof key, "%s" S_US "a" S_US "%s", day, prevday);
        return s_add(r, txn, key, 1);
    }
    /* The carer's support goes with their case, counted once (its s entry
     * stands): a support recorded on it later is not a first one. */
    stands->has_supported_at = true;
    stands->supported_at = joined->supported_at;
    for (size_t i = 0; i < joined->n_support; i++)
        router_strv_add(&stands->support, &stands->n_support, joined->support[i]);
    joined->has_supported_at = false;
    joined->supported_at = 0;
    return 0;
}
