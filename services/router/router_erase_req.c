/*
 * An operator's erasure (carerhub erase CASE-ID|REFERRAL-ID --reason TEXT)
 * and the rewrite of the case store that must follow every erasure. See
 * router.h; router_erase.c erases a case.
 *
 * The reason goes into the audit trail, which must hold no personal data:
 * one that holds any of the carer's details (router_erase_named.c), as
 * any referral of any of the carer's cases gives them, is refused, saying
 * which, never repeating it.
 *
 * A referral the router parked, or an operator rejected, has no case: its
 * entry is erased as a referral of a case would be, and kept as an erased
 * referral record (its referrer reads "erased"). A referral the router has
 * never heard of may still be at its intake: the operator is told to try
 * again in a minute.
 *
 * LMDB reuses freed pages without clearing them, and a rewritten page can
 * carry stale bytes in its free space: after the erasing transaction
 * commits, store_scrub copies the store record by record into a new file.
 * While another process has the store open (a backup) it cannot: the
 * router tries again from its loop every few seconds until it has, and
 * across a restart (the mark in meta).
 */
#include "router.h"

#include "domain/postcode.h"
#include "domain/referral.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_RETRY_MS 5000 /* a rewrite that could not be done is tried again after this */

/* --- the request ----------------------------------------------------------- */

typedef struct {
    router_t *r;
    const char *actor;
    const Carerhub__EraseRequest *q;
    Carerhub__EraseReply *out;
    char *code, *msg;
    size_t codesz, msgsz;
    bool refused;
    uint64_t outbox0, audit0;
    int64_t now;
} s_erase_t;

__attribute__((format(printf, 3, 4))) static void s_refuse(s_erase_t *t, const char *code,
                                                           const char *fmt, ...)
{
    va_list ap;
    t->refused = true;
    snprintf(t->code, t->codesz, "%s", code);
    va_start(ap, fmt);
    vsnprintf(t->msg, t->msgsz, fmt, ap);
    va_end(ap);
}

static void s_refuse_named(s_erase_t *t, const char *what)
{
    s_refuse(t, "bad_request",
             "reason: it holds the carer's %s, and the reason goes into the audit trail, which "
             "must hold no personal data: say why in other words (\"the carer's request\", "
             "\"referred in error\")",
             what);
}

/* A parked or rejected referral id (entry p of table db), never taken into
 * a case: kept as an erased referral record, the entry gone. */
static int s_erase_loose(s_erase_t *t, MDB_txn *txn, int db, const char *id,
                         const Carerhub__ParkedEntry *p)
{
    router_t *r = t->r;
    const char *what;
    Carerhub__ReferralRecord rec = CARERHUB__REFERRAL_RECORD__INIT;
    router_kept_t k;
    MDB_val key = store_val(id);
    char detail[300];
    int rc;

    if ((what = router_erase_named(t->q->reason, p->referral ? p->referral->carer : NULL)) !=
        NULL) {
        s_refuse_named(t, what);
        return 0;
    }
    router_erase_keep(p->referral, id, &k);
    rec.referral = &k.ref;
    rec.has_erased_at = true;
    rec.erased_at = t->now;
    snprintf(detail, sizeof detail, "reason: %s; %s, in no case", t->q->reason,
             db == DB_PARKED ? "parked" : "rejected");
    if ((rc = router_put(r, txn, DB_REFERRALS, id, strlen(id), &rec.base)) != 0 ||
        (rc = mdb_del(txn, store_dbi(r->store, (size_t)db), &key, NULL)) != 0 ||
        (rc = router_referrer_index(r, txn, &k.ref)) != 0 ||
        (rc = router_audit(r, txn, "erased", t->actor, id, NULL, NULL, detail)) != 0 ||
        (rc = router_count(r, txn, "erased", 1)) != 0 || (rc = router_erase_mark(r, txn)) != 0)
        return rc;
    router_strv_add(&t->out->referral_ids, &t->out->n_referral_ids, id);
    t->out->has_erased_at = true;
    t->out->erased_at = t->now;
    return 0;
}

/* A referral id: its case's id (new string) into *case_id, or the
 * referral erased on its own, or refused. */
static int s_referral(s_erase_t *t, MDB_txn *txn, char **case_id)
{
    router_t *r = t->r;
    const char *id = t->q->id;
    Carerhub__ReferralRecord *rec = router_get_referral(r, txn, id);
    Carerhub__ParkedEntry *p = NULL;
    int db = DB_PARKED, rc = 0;
    MDB_val k = store_val(id), v;

    if (rec && rec->case_id) {
        *case_id = xstrdup(rec->case_id);
    } else if (rec) {
        /* Erased before, in no case. */
        router_strv_add(&t->out->referral_ids, &t->out->n_referral_ids, id);
        t->out->has_erased_at = rec->has_erased_at;
        t->out->erased_at = rec->erased_at;
        t->out->has_already = t->out->already = true;
    } else if (mdb_get(txn, store_dbi(r->store, DB_PARKED), &k, &v) == 0 ||
               (db = DB_REJECTED, mdb_get(txn, store_dbi(r->store, DB_REJECTED), &k, &v) == 0)) {
        if ((p = carerhub__parked_entry__unpack(NULL, v.mv_size, v.mv_data)) != NULL)
            rc = s_erase_loose(t, txn, db, id, p);
        else
            s_refuse(t, "unavailable", "the entry of referral %s cannot be read", id);
    } else {
        s_refuse(t, "not_found",
                 "no referral %s is known to the router: one accepted in the last minute may "
                 "still be on its way from its intake; try again in a minute",
                 id);
    }
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    if (p)
        carerhub__parked_entry__free_unpacked(p, NULL);
    return rc;
}

/* Whether text names case id as a word of its own. */
static bool s_names_case(const char *text, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = text ? strstr(text, id) : NULL; p; p = strstr(p + 1, id))
        if ((p == text || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n]))
            return true;
    return false;
}

typedef struct {
    char *id;
    int db;
} s_loose_t;

/* The parked and rejected referrals of the carer that no case holds: held
 * back because a submitter had sent too many for one of the cases ids
 * (their reason names it). Into *out (*n of them); a reason that names
 * one of their carers' details refused. */
static int s_loose_of(s_erase_t *t, MDB_txn *txn, char **ids, size_t nids, s_loose_t **out,
                      size_t *n)
{
    const int dbs[] = {DB_PARKED, DB_REJECTED};
    int rc = 0;
    for (size_t d = 0; d < 2 && rc == 0; d++) {
        MDB_cursor *cur;
        MDB_val k, v;
        int get;
        if ((rc = mdb_cursor_open(txn, store_dbi(t->r->store, (size_t)dbs[d]), &cur)) != 0)
            return rc;
        for (get = mdb_cursor_get(cur, &k, &v, MDB_FIRST); get == 0 && !t->refused;
             get = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            Carerhub__ParkedEntry *p = carerhub__parked_entry__unpack(NULL, v.mv_size, v.mv_data);
            bool ours = false;
            const char *what;
            for (size_t i = 0; p && i < nids && !ours; i++)
                ours = s_names_case(p->reason, ids[i]);
            if (ours && k.mv_size <= REFERRAL_ID_MAX) {
                if ((what =
                         router_erase_named(t->q->reason, p->referral ? p->referral->carer : NULL)))
                    s_refuse_named(t, what);
                *out = xrealloc(*out, (*n + 1) * sizeof **out);
                (*out)[*n].id = xstrndup(k.mv_data, k.mv_size);
                (*out)[(*n)++].db = dbs[d];
            }
            if (p)
                carerhub__parked_entry__free_unpacked(p, NULL);
        }
        mdb_cursor_close(cur);
        if (get != 0 && get != MDB_NOTFOUND)
            rc = get;
    }
    return rc;
}

/* Erases each of the loose referrals s_loose_of found. */
static int s_erase_loose_all(s_erase_t *t, MDB_txn *txn, const s_loose_t *l, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        MDB_val k = store_val(l[i].id), v;
        Carerhub__ParkedEntry *p;
        if ((rc = mdb_get(txn, store_dbi(t->r->store, (size_t)l[i].db), &k, &v)) != 0)
            return rc;
        if ((p = carerhub__parked_entry__unpack(NULL, v.mv_size, v.mv_data)) == NULL)
            return MDB_CORRUPTED;
        rc = s_erase_loose(t, txn, l[i].db, l[i].id, p);
        carerhub__parked_entry__free_unpacked(p, NULL);
    }
    return rc;
}

/* The reason checked against every case of the carer: NULL when it names
 * none of their details, else which. */
static const char *s_named_in_cases(s_erase_t *t, MDB_txn *txn, char **ids, size_t n)
{
    const char *what = NULL;
    for (size_t i = 0; i < n && !what; i++) {
        Carerhub__CaseRecord *c = router_get_case(t->r, txn, ids[i]);
        if (c && !c->has_erased_at)
            what = router_erase_named_in_case(t->r, txn, c, t->q->reason);
        if (c)
            carerhub__case_record__free_unpacked(c, NULL);
    }
    return what;
}

/* Erases the carer's other cases (ids[1..]), their referrals and the
 * organisations told added to out's; out->already only if all were. */
static int s_erase_others(s_erase_t *t, MDB_txn *txn, char **ids, size_t n)
{
    bool already = t->out->already;
    int rc = 0;
    for (size_t i = 1; i < n && rc == 0; i++) {
        Carerhub__EraseReply one = CARERHUB__ERASE_REPLY__INIT;
        rc = router_erase_case(t->r, txn, ids[i], t->q->reason, t->now, t->actor, &one);
        if (rc == MDB_NOTFOUND) {
            rc = 0; /* named by another, but not there */
            continue;
        }
        router_strv_add(&t->out->other_cases, &t->out->n_other_cases, ids[i]);
        for (size_t j = 0; j < one.n_referral_ids; j++)
            router_strv_add(&t->out->referral_ids, &t->out->n_referral_ids, one.referral_ids[j]);
        for (size_t j = 0; j < one.n_told; j++)
            router_strv_add(&t->out->told, &t->out->n_told, one.told[j]);
        already = already && one.already;
        router_erase_reply_free(&one);
    }
    t->out->already = already;
    return rc;
}

static int s_erase_txn(MDB_txn *txn, void *arg)
{
    s_erase_t *t = arg;
    router_t *r = t->r;
    char *case_id = NULL, **ids = NULL;
    const char *what;
    s_loose_t *loose = NULL;
    size_t n = 0, nloose = 0;
    int rc = 0;

    /* store_write may run us again after growing the map. */
    r->next_outbox = t->outbox0;
    r->next_audit = t->audit0;
    t->refused = false;
    router_erase_reply_free(t->out);
    if (case_id_ok(t->q->id))
        case_id = xstrdup(t->q->id);
    else if ((rc = s_referral(t, txn, &case_id)) != 0 || !case_id)
        return t->refused ? 0 : rc ? rc : router_put_meta(r, txn);
    Carerhub__CaseRecord *c = router_get_case(r, txn, case_id);
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    if (!c) {
        s_refuse(t, "not_found", "no case %s is known to the hub", case_id);
    } else if ((rc = router_carer_cases(r, txn, case_id, &ids, &n)) == 0) {
        if ((what = s_named_in_cases(t, txn, ids, n)) != NULL)
            s_refuse_named(t, what);
        else
            rc = s_loose_of(t, txn, ids, n, &loose, &nloose);
        if (rc == 0 && !t->refused) {
            rc = router_erase_case(r, txn, case_id, t->q->reason, t->now, t->actor, t->out);
            if (rc == 0)
                rc = s_erase_others(t, txn, ids, n);
            if (rc == 0)
                rc = s_erase_loose_all(t, txn, loose, nloose);
            if (rc == 0)
                rc = router_put_meta(r, txn);
        }
    }
    for (size_t i = 0; i < nloose; i++)
        free(loose[i].id);
    free(loose);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    free(case_id);
    return rc;
}

/* The request's own checks, before the store: 0, or -1 refused. */
static int s_check(s_erase_t *t)
{
    const char *id = t->q->id, *reason = t->q->reason;
    text_status_t ts;
    if (!id || (!case_id_ok(id) && !referral_id_ok(id))) {
        s_refuse(t, "bad_request",
                 "id: give a case id (C-000123) or a referral id (GP-..., HD-..., SC-..., "
                 "SR-...)");
        return -1;
    }
    ts = reason ? text_check(reason, strlen(reason), ROUTER_ERASE_REASON_MAX, false) : TEXT_EMPTY;
    if (ts == TEXT_EMPTY) {
        s_refuse(t, "bad_request",
                 "reason: say why the carer's data is erased, for the audit trail (\"the "
                 "carer's request\"); no personal data");
        return -1;
    }
    if (ts != TEXT_OK) {
        s_refuse(t, "bad_request", "reason: %s",
                 ts == TEXT_TOO_LONG ? "is longer than 200 characters" : text_status_str(ts));
        return -1;
    }
    return 0;
}

int router_erase(router_t *r, const char *actor, const Carerhub__EraseRequest *q,
                 Carerhub__EraseReply *out, char *code, size_t codesz, char *msg, size_t msgsz)
{
    s_erase_t t = {r,
                   actor,
                   q,
                   out,
                   code,
                   msg,
                   codesz,
                   msgsz,
                   false,
                   r->next_outbox,
                   r->next_audit,
                   clock_now_ms()};
    uint64_t bytes;
    int rc;

    carerhub__erase_reply__init(out);
    if (s_check(&t) < 0)
        return -1;
    rc = store_write(r->store, s_erase_txn, &t);
    if (rc != 0) {
        r->next_outbox = t.outbox0;
        r->next_audit = t.audit0;
        router_erase_reply_free(out);
        log_error("cannot erase %s: %s", q->id, store_strerror(rc));
        s_refuse(&t, "unavailable", "the hub cannot erase it now: try again later");
        return -1;
    }
    if (t.refused) {
        router_erase_reply_free(out);
        return -1;
    }
    if (!out->already)
        log_info("%s: erased by %s (%s)", out->case_id ? out->case_id : q->id, actor,
                 out->case_id ? "the case" : "a referral in no case");
    /* Also after one erased before, if its rewrite is still due. */
    if (r->scrub_due && router_scrub(r, &bytes) == 0) {
        out->has_store_bytes = true;
        out->store_bytes = bytes;
    }
    return 0;
}

/* --- rewriting the store --------------------------------------------------- */

static int s_unmark(MDB_txn *txn, void *arg)
{
    router_t *r = arg;
    MDB_val k = store_val(ROUTER_SCRUB_KEY);
    int rc = mdb_del(txn, store_dbi(r->store, DB_META), &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int router_scrub(router_t *r, uint64_t *bytes)
{
    uint64_t before = 0, after = 0;
    int rc = store_scrub(r->store, &before, &after);
    if (rc == 0 && (rc = store_write(r->store, s_unmark, r)) == 0) {
        if (r->scrub_said)
            log_info("the case store is rewritten at last");
        log_info("case store rewritten: %llu bytes (was %llu); nothing erased remains in it",
                 (unsigned long long)after, (unsigned long long)before);
        r->scrub_due = r->scrub_said = false;
        if (bytes)
            *bytes = after;
        return 0;
    }
    r->scrub_due = true;
    r->scrub_next = clock_mono_ms() + S_RETRY_MS;
    if (!r->scrub_said)
        log_warn("cannot rewrite the case store after an erasure yet: %s; trying again every "
                 "%d s until it is",
                 rc == EBUSY ? "another process (a backup?) has it open" : store_strerror(rc),
                 S_RETRY_MS / 1000);
    r->scrub_said = true;
    return rc;
}

void router_scrub_retry(router_t *r)
{
    if (r->scrub_due && clock_mono_ms() >= r->scrub_next)
        router_scrub(r, NULL);
}

void router_scrub_resume(router_t *r)
{
    MDB_txn *txn;
    MDB_val k = store_val(ROUTER_SCRUB_KEY), v;
    if (store_read(r->store, &txn) != 0)
        return;
    if (mdb_get(txn, store_dbi(r->store, DB_META), &k, &v) == 0) {
        log_info("an erasure's rewrite of the case store was not done before the router "
                 "stopped: doing it now");
        r->scrub_due = true;
        r->scrub_next = 0;
    }
    mdb_txn_abort(txn);
}
