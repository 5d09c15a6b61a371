/*
 * The router's case store: its tables (router.h), the numbering kept in
 * meta, packing records in and out, the audit trail and the counters.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/be64.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

const char *const router_dbs[] = {
#define S_DB_NAME(id, name) name,
    ROUTER_DBS(S_DB_NAME)
#undef S_DB_NAME
        NULL};

/* Restored numbering begins at a multiple of S_RENUMBER_STEP at least half
 * of one above the number the backup reached. */
#define S_RENUMBER_STEP 1000000ULL

static uint64_t s_renumber(uint64_t n)
{
    return (n + S_RENUMBER_STEP / 2 + S_RENUMBER_STEP - 1) / S_RENUMBER_STEP * S_RENUMBER_STEP;
}

typedef struct {
    router_t *r;
    bool restored;
    uint64_t case0; /* the backup's last case number */
    char made[64];  /* when the backup was made, as the mark says */
} s_open_meta_t;

/* The numbering, and a store restored from a backup (carerhub restore marks
 * it: meta "restored", the backup's made_at): the hub it was copied from may
 * have gone on after the backup, and its case ids are in organisations' case
 * systems, its delivery ids with agents, its audit numbers with whoever reads
 * the trail. Each goes on from the next million above the backup's (C-1000001
 * after C-000437), at least half a million above, which no hub makes in the
 * time between two backups; the mark goes in the same transaction. Safe to
 * run again (store_write may). */
static int s_open_meta(MDB_txn *txn, void *arg)
{
    s_open_meta_t *m = arg;
    router_t *r = m->r;
    MDB_val k = store_val("restored"), v;
    int rc = router_load_meta(txn, r);
    if (rc != 0)
        return rc;
    if ((rc = mdb_get(txn, store_dbi(r->store, DB_META), &k, &v)) != 0)
        return rc == MDB_NOTFOUND ? 0 : rc;
    m->restored = true;
    m->case0 = r->next_case;
    snprintf(m->made, sizeof m->made, "%.*s", (int)(v.mv_size < 63 ? v.mv_size : 63),
             (const char *)v.mv_data);
    r->next_case = s_renumber(r->next_case);
    r->next_outbox = s_renumber(r->next_outbox);
    r->next_audit = s_renumber(r->next_audit);
    if ((rc = mdb_del(txn, store_dbi(r->store, DB_META), &k, NULL)) != 0)
        return rc;
    return router_put_meta(r, txn);
}

void router_store_open(router_t *r, const char *dir)
{
    /* Format 1. A store of format 0 (made before formats were recorded) is
     * upgraded by the build steps below: each runs once, resumes where it
     * was cut short, and marks itself done in meta, so they need not share
     * the transaction that records the version. */
    store_opts_t so = {
        .dbs = router_dbs, .map_size = (size_t)256 << 20, .kind = "router", .schema = 1};
    s_open_meta_t m = {.r = r};
    int err, rc;
    if (r->conf->store_map_mb)
        so.map_size = (size_t)r->conf->store_map_mb << 20;
    r->store = store_open(dir, &so, &err);
    if (!r->store) {
        log_error("cannot open the case store in %s: %s", dir, store_strerror(err));
        /* A newer carerhub's store, or another daemon's: a configuration
         * mistake to put right, not something a restart mends. */
        exit(err == STORE_ENEWER || err == STORE_EKIND ? EX_CONFIG : 1);
    }
    if ((rc = store_write(r->store, s_open_meta, &m)) != 0)
        log_fatalx("cannot read the case store in %s: %s", dir, store_strerror(rc));
    if (m.restored)
        log_warn("restored from a backup (made %s): cases numbered from C-%06llu (the backup's "
                 "last was C-%06llu), deliveries from %llu and audit records from %llu, so that "
                 "no case id, delivery id or audit number the hub gave after the backup is "
                 "given again",
                 m.made[0] ? m.made : "at an unrecorded time", (unsigned long long)r->next_case + 1,
                 (unsigned long long)m.case0, (unsigned long long)r->next_outbox + 1,
                 (unsigned long long)r->next_audit + 1);
    /* A store written before feedback: its referrals, by referrer. */
    if ((rc = router_referrer_index_build(r)) != 0)
        log_fatalx("cannot index the referrals of the case store in %s by referrer: %s", dir,
                   store_strerror(rc));
    /* And before alerts read identity conflicts from their own table. */
    if ((rc = router_conflicts_build(r)) != 0)
        log_fatalx("cannot list the identity conflicts of the case store in %s: %s", dir,
                   store_strerror(rc));
    /* And before reports counted cases as the router commits. */
    if ((rc = router_report_build(r)) != 0)
        log_fatalx("cannot count the cases of the case store in %s for reports: %s", dir,
                   store_strerror(rc));
    /* And before each organisation's open cases were listed with it. */
    if ((rc = router_inbox_build(r)) != 0)
        log_fatalx("cannot list the open cases of the case store in %s by organisation: %s", dir,
                   store_strerror(rc));
}

int router_load_meta(MDB_txn *txn, void *arg)
{
    router_t *r = arg;
    const char *names[] = {"outbox", "audit", "case"};
    uint64_t *vals[] = {&r->next_outbox, &r->next_audit, &r->next_case};
    for (size_t i = 0; i < 3; i++) {
        MDB_val k = store_val(names[i]), v;
        int rc = mdb_get(txn, store_dbi(r->store, DB_META), &k, &v);
        if (rc == 0 && v.mv_size == 8)
            *vals[i] = be64_get(v.mv_data);
        else if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    return 0;
}

size_t router_outbox_key(const char *provider, uint64_t seq, uint8_t *out, size_t outsz)
{
    size_t n = strlen(provider);
    /* Provider ids are short (route_id_ok): a longer one is our bug. */
    CH_ASSERT(n + 9 <= outsz);
    memcpy(out, provider, n);
    out[n] = '\0';
    be64_put(seq, out + n + 1);
    return n + 9;
}

int router_put(router_t *r, MDB_txn *txn, int db, const void *key, size_t klen,
               const ProtobufCMessage *msg)
{
    MDB_val k = {klen, (void *)key}, v;
    uint8_t stackbuf[4096], *buf = stackbuf;
    int rc;
    v.mv_size = protobuf_c_message_get_packed_size(msg);
    if (v.mv_size > sizeof stackbuf)
        buf = xmalloc(v.mv_size);
    protobuf_c_message_pack(msg, buf);
    v.mv_data = buf;
    rc = mdb_put(txn, store_dbi(r->store, (size_t)db), &k, &v, 0);
    if (buf != stackbuf)
        free(buf);
    return rc;
}

Carerhub__ReferralRecord *router_get_referral(router_t *r, MDB_txn *txn, const char *id)
{
    MDB_val k = store_val(id), v;
    if (strlen(id) > REFERRAL_ID_MAX ||
        mdb_get(txn, store_dbi(r->store, DB_REFERRALS), &k, &v) != 0)
        return NULL;
    return carerhub__referral_record__unpack(NULL, v.mv_size, v.mv_data);
}

Carerhub__CaseRecord *router_get_case(router_t *r, MDB_txn *txn, const char *id)
{
    MDB_val k = store_val(id), v;
    if (mdb_get(txn, store_dbi(r->store, DB_CASES), &k, &v) != 0)
        return NULL;
    return carerhub__case_record__unpack(NULL, v.mv_size, v.mv_data);
}

int router_audit_record(router_t *r, MDB_txn *txn, const Carerhub__AuditRecord *rec)
{
    Carerhub__AuditRecord a = *rec;
    uint8_t key[8];
    a.has_seq = true;
    a.seq = ++r->next_audit;
    if (!a.has_at) {
        a.has_at = true;
        a.at = clock_now_ms();
    }
    if (!a.recorded_by)
        a.recorded_by = (char *)"carerhub-router";
    be64_put(a.seq, key);
    return router_put(r, txn, DB_AUDIT, key, 8, &a.base);
}

int router_audit(router_t *r, MDB_txn *txn, const char *event, const char *actor,
                 const char *referral_id, const char *case_id, const char *provider,
                 const char *detail)
{
    Carerhub__AuditRecord a = CARERHUB__AUDIT_RECORD__INIT;
    a.event = (char *)event;
    a.actor = (char *)actor;
    a.referral_id = (char *)referral_id;
    a.case_id = (char *)case_id;
    a.provider = (char *)provider;
    a.detail = (char *)detail;
    return router_audit_record(r, txn, &a);
}

typedef struct {
    router_t *r;
    Carerhub__AuditRecord **recs;
    size_t n;
} s_events_t;

static int s_events_txn(MDB_txn *txn, void *arg)
{
    s_events_t *e = arg;
    uint64_t audit0 = e->r->next_audit;
    int rc = 0;
    for (size_t i = 0; i < e->n && rc == 0; i++) {
        Carerhub__AuditRecord *a = e->recs[i];
        rc = router_audit_record(e->r, txn, a);
    }
    if (rc == 0)
        rc = router_put_meta(e->r, txn);
    if (rc)
        e->r->next_audit = audit0;
    return rc;
}

void router_store_events(router_t *r)
{
    s_events_t e = {r, NULL, 0};
    int rc;
    e.n = secure_take(r->sec, &e.recs);
    if (e.n == 0)
        return;
    rc = store_write(r->store, s_events_txn, &e);
    if (rc)
        log_error("cannot store %zu audit record(s): %s", e.n, store_strerror(rc));
    for (size_t i = 0; i < e.n; i++)
        carerhub__audit_record__free_unpacked(e.recs[i], NULL);
    free(e.recs);
}

int router_count(router_t *r, MDB_txn *txn, const char *name, uint64_t by)
{
    MDB_val k = store_val(name), v;
    uint8_t buf[8];
    uint64_t n = 0;
    int rc = mdb_get(txn, store_dbi(r->store, DB_STATS), &k, &v);
    if (rc == 0 && v.mv_size == 8)
        n = be64_get(v.mv_data);
    else if (rc && rc != MDB_NOTFOUND)
        return rc;
    be64_put(n + by, buf);
    v.mv_size = 8;
    v.mv_data = buf;
    return mdb_put(txn, store_dbi(r->store, DB_STATS), &k, &v, 0);
}

void router_tally(smap_t *tally, const char *name, uint64_t by)
{
    uint64_t n = 0;
    smap_get(tally, name, &n);
    smap_put(tally, name, n + by);
}

typedef struct {
    router_t *r;
    MDB_txn *txn;
} s_tally_ctx_t;

static int s_write_tally(const char *name, uint64_t by, void *arg)
{
    s_tally_ctx_t *c = arg;
    return router_count(c->r, c->txn, name, by);
}

int router_tally_write(router_t *r, MDB_txn *txn, const smap_t *tally)
{
    s_tally_ctx_t c = {r, txn};
    return smap_each(tally, s_write_tally, &c);
}

int router_put_meta(router_t *r, MDB_txn *txn)
{
    const char *names[] = {"outbox", "audit", "case"};
    uint64_t vals[] = {r->next_outbox, r->next_audit, r->next_case};
    for (size_t i = 0; i < 3; i++) {
        uint8_t buf[8];
        MDB_val k = store_val(names[i]), v = {8, buf};
        int rc;
        be64_put(vals[i], buf);
        if ((rc = mdb_put(txn, store_dbi(r->store, DB_META), &k, &v, 0)) != 0)
            return rc;
    }
    return 0;
}
