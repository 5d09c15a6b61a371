/*
 * carerhub-reportcheck: checks that a router's report table (router.h,
 * "reports") agrees with the cases and referrals it counts, for the fault
 * campaign: the table is kept in the same transaction as each change, so
 * after any crash it must still match the store exactly.
 *
 *   carerhub-reportcheck DIR
 *
 * DIR is a router's store (the directory holding data.mdb) or a data_dir
 * whose router/ holds one; it is opened read-only. Checks:
 *   - every case that says when it opened is counted under the cohort key
 *     router_report_case_key gives it now (its report_key), and one that
 *     cannot say is counted nowhere;
 *   - each c entry's count is the number of cases whose report_key it is;
 *   - the f entries add up to the counted cases with a first contact, the
 *     s entries to those first supported;
 *   - the r entries add up to the referrals stored, the d entries to the
 *     discharge referrals among them (d yes to those whose carer was
 *     consulted);
 *   - no entry holds a count of 0 or a value that is not 8 bytes.
 * Prints each mismatch by key (US shown as '/'; keys hold counts' names
 * only, never a person's details), then a summary line. Exits 0 if all
 * agree, 1 on any mismatch, 64 on bad arguments, 66 if the store cannot be
 * opened or read.
 */
#include "router/router.h"

#include "util/be64.h"
#include "util/file.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

typedef struct {
    smap_t *counted; /* report_key -> cases counted under it */
    uint64_t cases, uncounted, contacted, supported;
    uint64_t referrals, discharges, consulted;
    uint64_t f_sum, s_sum, r_sum, d_sum, d_yes, entries;
    unsigned long bad;
} s_check_t;

/* A key as printable text: US as '/', other control bytes as '?'. */
static void s_show(const void *key, size_t n, char *out, size_t outsz)
{
    const unsigned char *p = key;
    size_t i;
    for (i = 0; i < n && i + 1 < outsz; i++)
        out[i] = p[i] == 0x1f ? '/' : p[i] < 0x20 || p[i] == 0x7f ? '?' : (char)p[i];
    out[i] = '\0';
}

/* Prints one mismatch, a line. */
__attribute__((format(printf, 2, 3))) static void s_bad(s_check_t *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    k->bad++;
}

/* Every case: where it is counted, and where it should be. */
static int s_cases(store_t *s, MDB_txn *txn, s_check_t *k)
{
    MDB_cursor *cur;
    MDB_val key, v;
    int rc = mdb_cursor_open(txn, store_dbi(s, DB_CASES), &cur);
    if (rc != 0)
        return rc;
    for (rc = mdb_cursor_get(cur, &key, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
        Carerhub__CaseRecord *c = carerhub__case_record__unpack(NULL, v.mv_size, v.mv_data);
        char id[80], want[ROUTER_REPORT_KEY_MAX], shown[ROUTER_REPORT_KEY_MAX];
        uint64_t n = 0;
        s_show(key.mv_data, key.mv_size, id, sizeof id);
        if (!c) {
            s_bad(k, "case %s: the record cannot be read", id);
            continue;
        }
        k->cases++;
        if (!c->has_opened_at) {
            /* counted nowhere: router_report_case */
            k->uncounted++;
            if (c->report_key) {
                s_show(c->report_key, strlen(c->report_key), shown, sizeof shown);
                s_bad(k, "case %s: counted under %s though it does not say when it opened", id,
                      shown);
            }
            carerhub__case_record__free_unpacked(c, NULL);
            continue;
        }
        k->contacted += c->has_contacted_at;
        k->supported += c->has_supported_at;
        router_report_case_key(c, want);
        s_show(want, strlen(want), shown, sizeof shown);
        if (!c->report_key) {
            s_bad(k, "case %s: counted nowhere, should be under %s", id, shown);
        } else {
            char had[ROUTER_REPORT_KEY_MAX];
            if (strcmp(c->report_key, want) != 0) {
                s_show(c->report_key, strlen(c->report_key), had, sizeof had);
                s_bad(k, "case %s: counted under %s, should be under %s", id, had, shown);
            }
            smap_get(k->counted, c->report_key, &n);
            smap_put(k->counted, c->report_key, n + 1);
        }
        carerhub__case_record__free_unpacked(c, NULL);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Every referral stored. */
static int s_referrals(store_t *s, MDB_txn *txn, s_check_t *k)
{
    MDB_cursor *cur;
    MDB_val key, v;
    int rc = mdb_cursor_open(txn, store_dbi(s, DB_REFERRALS), &cur);
    if (rc != 0)
        return rc;
    for (rc = mdb_cursor_get(cur, &key, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
        Carerhub__ReferralRecord *rec =
            carerhub__referral_record__unpack(NULL, v.mv_size, v.mv_data);
        const Carerhub__Referral *ref = rec ? rec->referral : NULL;
        char id[80];
        if (!ref) {
            s_show(key.mv_data, key.mv_size, id, sizeof id);
            s_bad(k, "referral %s: the record cannot be read", id);
        } else {
            k->referrals++;
            if (ref->has_source && ref->source == CARERHUB__SOURCE__DISCHARGE) {
                k->discharges++;
                k->consulted += ref->discharge && ref->discharge->has_carer_consulted &&
                                ref->discharge->carer_consulted;
            }
        }
        if (rec)
            carerhub__referral_record__free_unpacked(rec, NULL);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Every entry of the report table, against what the cases say. */
static int s_table(store_t *s, MDB_txn *txn, s_check_t *k)
{
    MDB_cursor *cur;
    MDB_val key, v;
    int rc = mdb_cursor_open(txn, store_dbi(s, DB_REPORT), &cur);
    if (rc != 0)
        return rc;
    for (rc = mdb_cursor_get(cur, &key, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
        char shown[2 * ROUTER_REPORT_KEY_MAX], raw[ROUTER_REPORT_KEY_MAX];
        const char *us = key.mv_size > 11 ? memchr(key.mv_data, 0x1f, key.mv_size) : NULL;
        char kind = us && (size_t)(us - (const char *)key.mv_data) + 1 < key.mv_size ? us[1] : 0;
        uint64_t n, cases = 0;
        k->entries++;
        s_show(key.mv_data, key.mv_size, shown, sizeof shown);
        if (v.mv_size != 8) {
            s_bad(k, "entry %s: a value of %zu bytes, not a count", shown, v.mv_size);
            continue;
        }
        n = be64_get(v.mv_data);
        if (n == 0)
            s_bad(k, "entry %s: a count of 0 left behind", shown);
        if (kind == 'f')
            k->f_sum += n;
        else if (kind == 's')
            k->s_sum += n;
        else if (kind == 'r')
            k->r_sum += n;
        else if (kind == 'd') {
            k->d_sum += n;
            k->d_yes +=
                key.mv_size >= 3 && memcmp((char *)key.mv_data + key.mv_size - 3, "yes", 3) == 0
                    ? n
                    : 0;
        } else if (kind == 'c') {
            if (key.mv_size >= sizeof raw) {
                s_bad(k, "entry %s: a key longer than any the router writes", shown);
                continue;
            }
            memcpy(raw, key.mv_data, key.mv_size);
            raw[key.mv_size] = '\0';
            smap_get(k->counted, raw, &cases);
            smap_del(k->counted, raw);
            if (cases != n) {
                s_bad(k, "entry %s: count %llu, cases counted under it %llu", shown,
                      (unsigned long long)n, (unsigned long long)cases);
            }
        }
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* A report_key of some case that the table has no entry for. */
static int s_missing(const char *key, uint64_t cases, void *arg)
{
    s_check_t *k = arg;
    char shown[2 * ROUTER_REPORT_KEY_MAX];
    s_show(key, strlen(key), shown, sizeof shown);
    s_bad(k, "entry %s: absent, with %llu case(s) counted under it", shown,
          (unsigned long long)cases);
    return 0;
}

/* A sum of entries of one kind against what the store holds. */
static void s_sum(s_check_t *k, const char *what, uint64_t entries, uint64_t store)
{
    if (entries == store)
        return;
    printf("%s: the entries add up to %llu, the store holds %llu\n", what,
           (unsigned long long)entries, (unsigned long long)store);
    k->bad++;
}

int main(int argc, char **argv)
{
    store_opts_t o = {.dbs = router_dbs, .readonly = true};
    s_check_t k = {0};
    store_t *s;
    MDB_txn *txn;
    char *dir;
    int err, rc;

    if (argc != 2) {
        fprintf(stderr, "usage: carerhub-reportcheck DIR (a router store, or a data_dir)\n");
        return EX_USAGE;
    }
    dir = xasprintf("%s/data.mdb", argv[1]);
    if (file_exists(dir)) {
        free(dir);
        dir = xstrdup(argv[1]);
    } else {
        free(dir);
        dir = xasprintf("%s/router", argv[1]);
    }
    if (!(s = store_open(dir, &o, &err))) {
        fprintf(stderr, "carerhub-reportcheck: cannot open the router store %s: %s\n", dir,
                store_strerror(err));
        free(dir);
        return EX_NOINPUT;
    }
    k.counted = smap_new();
    if ((rc = store_read(s, &txn)) == 0) {
        if ((rc = s_cases(s, txn, &k)) == 0 && (rc = s_referrals(s, txn, &k)) == 0)
            rc = s_table(s, txn, &k);
        mdb_txn_abort(txn);
    }
    if (rc != 0) {
        fprintf(stderr, "carerhub-reportcheck: cannot read the router store %s: %s\n", dir,
                store_strerror(rc));
        smap_destroy(&k.counted);
        store_close(&s);
        free(dir);
        return EX_NOINPUT;
    }
    smap_each(k.counted, s_missing, &k);
    s_sum(&k, "first contacts (f)", k.f_sum, k.contacted);
    s_sum(&k, "first supports (s)", k.s_sum, k.supported);
    s_sum(&k, "referrals (r)", k.r_sum, k.referrals);
    s_sum(&k, "discharge referrals (d)", k.d_sum, k.discharges);
    s_sum(&k, "discharge referrals with the carer consulted (d yes)", k.d_yes, k.consulted);
    printf("carerhub-reportcheck: %s: %llu case(s) (%llu counted nowhere, not saying when they "
           "opened), %llu referral(s), %llu report entr%s: %lu mismatch(es)\n",
           dir, (unsigned long long)k.cases, (unsigned long long)k.uncounted,
           (unsigned long long)k.referrals, (unsigned long long)k.entries,
           k.entries == 1 ? "y" : "ies", k.bad);
    smap_destroy(&k.counted);
    store_close(&s);
    free(dir);
    return k.bad ? 1 : 0;
}
