/*
 * Retention: the personal data of a case closed more than
 * retention.closed_case_days ago is erased (router_erase_case, reason
 * "retention"), by the router itself when it starts and every
 * retention.check_minutes after, and when an operator asks (carerhub
 * retention --run). The counts reports read stay: an erased case is still
 * counted where it was.
 *
 * A closed case is past retention from its closed_at (the closing
 * outcome's time; a case closed before that was kept, from its last
 * update). One whose referrals another case holds now (a case an operator
 * joined into another: its referrals moved there) waits for that case:
 * erasing it would erase referrals of a case still kept. It is erased once
 * that case has been.
 *
 * The cases are found by one walk of the cases table (a check an hour
 * reads each case once), then erased a batch a transaction, so that no
 * transaction grows without bound; the store is rewritten once for the
 * run (router_scrub), so that nothing erased stays in its free pages.
 */
#include "router.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BATCH  200 /* cases erased in one transaction */
#define S_DAY_MS (24LL * 60 * 60 * 1000)

static const char s_actor[] = "carerhub-router (retention)";

/* Whether every referral of c is c's own, or held by a case erased
 * already: else c waits (see the top of this file). */
static bool s_own_referrals(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c)
{
    bool own = true;
    for (size_t i = 0; i < c->n_referral_ids && own; i++) {
        Carerhub__ReferralRecord *rec = router_get_referral(r, txn, c->referral_ids[i]);
        if (rec && rec->case_id && strcmp(rec->case_id, c->case_id) != 0) {
            Carerhub__CaseRecord *holder = router_get_case(r, txn, rec->case_id);
            own = !holder || holder->has_erased_at;
            if (holder)
                carerhub__case_record__free_unpacked(holder, NULL);
        }
        if (rec)
            carerhub__referral_record__free_unpacked(rec, NULL);
    }
    return own;
}

/* Whether case c is past retention at now, with days of it. */
static bool s_past(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c, int64_t now,
                   long long days)
{
    int64_t closed = c->has_closed_at ? c->closed_at : c->has_updated_at ? c->updated_at : 0;
    if (!c->closed || c->has_erased_at || !c->case_id || closed <= 0)
        return false;
    return now - closed > days * S_DAY_MS && s_own_referrals(r, txn, c);
}

int router_retention_due(router_t *r, int64_t now, char ***ids, size_t *n)
{
    long long days = r->conf->retention.closed_case_days;
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    size_t cap = 0;
    int rc;

    *ids = NULL;
    *n = 0;
    if ((rc = store_read(r->store, &txn)) != 0)
        return rc;
    if ((rc = mdb_cursor_open(txn, store_dbi(r->store, DB_CASES), &cur)) != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__CaseRecord *c = carerhub__case_record__unpack(NULL, v.mv_size, v.mv_data);
        if (c && s_past(r, txn, c, now, days)) {
            *ids = xgrow(*ids, &cap, *n + 1, sizeof **ids);
            (*ids)[(*n)++] = xstrdup(c->case_id);
        }
        if (c)
            carerhub__case_record__free_unpacked(c, NULL);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

typedef struct {
    router_t *r;
    const char *actor;
    char **ids;
    size_t n;
    int64_t now;
    uint64_t outbox0, audit0;
    uint32_t erased;
} s_batch_t;

static int s_batch_txn(MDB_txn *txn, void *arg)
{
    s_batch_t *b = arg;
    Carerhub__EraseReply out = CARERHUB__ERASE_REPLY__INIT;
    int rc = 0;
    /* store_write may run us again after growing the map. */
    b->r->next_outbox = b->outbox0;
    b->r->next_audit = b->audit0;
    b->erased = 0;
    for (size_t i = 0; i < b->n && rc == 0; i++) {
        rc = router_erase_case(b->r, txn, b->ids[i], "retention", b->now, b->actor, &out);
        if (rc == MDB_NOTFOUND)
            rc = 0; /* gone since the walk: nothing to erase */
        else if (rc == 0 && !out.already)
            b->erased++;
        router_erase_reply_free(&out);
    }
    return rc ? rc : router_put_meta(b->r, txn);
}

/* Erases the cases ids, S_BATCH a transaction. Returns how many were
 * erased; *rc the store error that stopped it, if one did. */
static uint32_t s_erase(router_t *r, const char *actor, char **ids, size_t n, int64_t now, int *rc)
{
    uint32_t erased = 0;
    *rc = 0;
    for (size_t i = 0; i < n && *rc == 0; i += S_BATCH) {
        s_batch_t b = {r,   actor,          ids + i,       n - i < S_BATCH ? n - i : S_BATCH,
                       now, r->next_outbox, r->next_audit, 0};
        if ((*rc = store_write(r->store, s_batch_txn, &b)) != 0) {
            r->next_outbox = b.outbox0;
            r->next_audit = b.audit0;
            log_error("retention: cannot erase %zu case(s) from %s on: %s", b.n, ids[i],
                      store_strerror(*rc));
        } else {
            erased += b.erased;
        }
    }
    return erased;
}

/* The cases due now into *ids (freed first), *n of them. */
static int s_due(router_t *r, int64_t now, char ***ids, size_t *n)
{
    int rc;
    for (size_t i = 0; i < *n; i++)
        free((*ids)[i]);
    free(*ids);
    if ((rc = router_retention_due(r, now, ids, n)) != 0)
        log_error("retention: cannot read the case store: %s", store_strerror(rc));
    return rc;
}

int router_retention(router_t *r, const char *actor, bool run, Carerhub__RetentionReply *out)
{
    int64_t now = clock_now_ms(), mono = clock_mono_ms();
    char **ids = NULL;
    size_t n = 0;
    uint32_t erased = 0, more = 0;
    int rc;

    carerhub__retention_reply__init(out);
    if (run) /* also when this one fails: not again before then */
        r->retention_next = mono + r->conf->retention.check_minutes * 60000;
    rc = s_due(r, now, &ids, &n);
    /* Erasing a case lets a case joined into it go too: walked again
     * while a pass erases any. */
    for (int pass = 0; run && rc == 0 && n > 0 && pass < 8; pass++) {
        more = s_erase(r, actor ? actor : s_actor, ids, n, now, &rc);
        erased += more;
        if (rc == 0 && (more == 0 || (rc = s_due(r, now, &ids, &n)) != 0))
            break;
    }
    if (run) {
        r->retention_last_at = now;
        r->retention_last_erased = erased;
        /* Once for the run: nothing erased stays in the file. */
        if (r->scrub_due)
            router_scrub(r, NULL);
        if (erased || rc)
            log_info("retention: %u case(s) closed more than %lld days ago erased%s", erased,
                     r->conf->retention.closed_case_days, rc ? "; the rest next time" : "");
    }
    out->has_days = out->has_due = out->has_erased = true;
    out->days = (uint32_t)r->conf->retention.closed_case_days;
    out->due = (uint32_t)n;
    out->erased = run ? erased : r->retention_last_erased;
    out->has_last_run_at = r->retention_last_at != 0;
    out->last_run_at = r->retention_last_at;
    out->has_next_run_at = true;
    out->next_run_at = now + (r->retention_next > mono ? r->retention_next - mono : 0);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    return rc;
}

void router_retention_tick(router_t *r)
{
    Carerhub__RetentionReply out;
    if (r->retention_next && clock_mono_ms() < r->retention_next)
        return;
    router_retention(r, NULL, true, &out);
}
