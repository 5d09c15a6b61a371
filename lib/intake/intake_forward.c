/*
 * Forwarding to the router: see intake_impl.h. Referrals go as they were
 * encoded when accepted, with the audit records waiting, in Forward
 * messages within a window; each is deleted from the spool once the router
 * acknowledges it, and everything is sent again (Lazy Pirate) when the
 * router stays silent.
 */
#include "intake/intake_impl.h"

#include "domain/referral.h"
#include "store.pb-c.h"
#include "util/be64.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "wire/pbwire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

void intake_back_open(intake_t *in)
{
    int one = 1, hwm = 10000;
    if (in->back)
        zmq_close(in->back);
    in->back = daemon_socket(ZMQ_DEALER);
    secure_client(in->sec, in->back, in->conf, "router");
    /* Do not queue for a router that is not there: keep it in the spool. */
    zmq_setsockopt(in->back, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt(in->back, ZMQ_SNDHWM, &hwm, sizeof hwm);
    daemon_connect(in->back, in->conf->router.intake_endpoint);
}

/* A Forward being gathered, and the keys of what it holds (referral ids,
 * and "audit:<seq>" for audit records), to await their acknowledgement. */
typedef struct {
    wire_forward_t msg;
    char (*keys)[72];
    size_t n;
} s_out_t;

/* Appends to o the records of db from *cursor on while the limits allow.
 * Returns how many; *cursor moves past them. */
static size_t s_gather(intake_t *in, MDB_txn *txn, int db, uint64_t *cursor, size_t room,
                       s_out_t *o)
{
    /* A spool entry holds the Referral, which goes as it is; the id is
     * read from it without decoding the rest. */
    uint32_t f_referral = pbwire_field(&carerhub__spool_entry__descriptor, "referral");
    uint32_t f_id = pbwire_field(&carerhub__referral__descriptor, "id");
    MDB_cursor *cur;
    uint8_t key[8];
    MDB_val k = {8, key}, v;
    size_t taken = 0;
    int rc;

    mdb_cursor_open(txn, store_dbi(in->store, (size_t)db), &cur);
    be64_put(*cursor, key);
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && taken < room && wire_forward_size(&o->msg) < INTAKE_FORWARD_MAX_BYTES) {
        uint64_t seq = be64_get(k.mv_data);
        const uint8_t *ref, *id;
        size_t rlen, idlen;
        *cursor = seq + 1;
        if (db == INTAKE_DB_AUDIT) {
            wire_forward_audit(&o->msg, v.mv_data, v.mv_size);
            snprintf(o->keys[o->n++], sizeof o->keys[0], "audit:%llu", (unsigned long long)seq);
            taken++;
        } else if (pbwire_find(v.mv_data, v.mv_size, f_referral, &ref, &rlen) == 0 &&
                   pbwire_find(ref, rlen, f_id, &id, &idlen) == 0 && idlen > 0 && idlen < 64) {
            wire_forward_referral(&o->msg, ref, rlen);
            memcpy(o->keys[o->n], id, idlen);
            o->keys[o->n++][idlen] = '\0';
            taken++;
        } else {
            /* Only a damaged store holds such an entry: skip it, loudly. */
            log_error("spool entry %llu is unreadable; skipping it", (unsigned long long)seq);
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return taken;
}

/* Forwards the spool (and the audit records waiting) from the cursors while
 * the window allows, each message holding referrals as they were encoded
 * when accepted. */
void intake_forward(intake_t *in)
{
    int64_t now = clock_mono_ms();
    int events = 0;
    size_t evsz = sizeof events;
    s_out_t o;

    /* With no router connected (ZMQ_IMMEDIATE), or its queue full, nothing
     * can go: do not read the spool only to find that out. */
    if (zmq_getsockopt(in->back, ZMQ_EVENTS, &events, &evsz) == 0 && !(events & ZMQ_POLLOUT))
        return;
    o = (s_out_t){{NULL, 0, 0}, xmalloc(2 * INTAKE_FORWARD_MAX_REFS * sizeof *o.keys), 0};

    for (;;) {
        size_t inflight = smap_count(in->inflight), window = (size_t)in->ic->forward_window;
        size_t room = inflight < window ? window - inflight : 0, got, len;
        uint64_t cursor = in->cursor, audit_cursor = in->audit_cursor;
        bool was_idle = inflight == 0;
        const uint8_t *data;
        MDB_txn *txn;

        if (room > INTAKE_FORWARD_MAX_REFS)
            room = INTAKE_FORWARD_MAX_REFS;
        if (room == 0 || store_read(in->store, &txn) != 0)
            break;
        wire_forward_reset(&o.msg);
        o.n = 0;
        got = s_gather(in, txn, INTAKE_DB_SPOOL, &cursor, room, &o);
        got += s_gather(in, txn, INTAKE_DB_AUDIT, &audit_cursor, INTAKE_FORWARD_MAX_REFS, &o);
        mdb_txn_abort(txn);
        if (got == 0) {
            in->cursor = cursor; /* past unreadable entries, if any */
            break;
        }
        data = wire_forward_finish(&o.msg, &len);
        if (wire_send_raw(in->back, NULL, data, len, ZMQ_DONTWAIT) < 0)
            break; /* no router connected (EAGAIN), or its queue is full: later */
        for (size_t i = 0; i < o.n; i++)
            smap_put(in->inflight, o.keys[i], (uint64_t)now);
        in->forwarded += o.n;
        in->cursor = cursor;
        in->audit_cursor = audit_cursor;
        if (was_idle)
            in->last_progress = now;
    }
    wire_forward_free(&o.msg);
    free(o.keys);
}

typedef struct {
    intake_t *in;
    Carerhub__AuditRecord **recs;
    size_t n;
} s_audit_batch_t;

static int s_put_audit(MDB_txn *txn, void *arg)
{
    s_audit_batch_t *a = arg;
    intake_t *in = a->in;
    uint64_t seq = in->next_audit;
    uint8_t key[8];
    int rc;
    for (size_t i = 0; i < a->n; i++) {
        MDB_val k = {8, key}, v;
        uint8_t *buf;
        a->recs[i]->has_seq = true;
        a->recs[i]->seq = ++seq;
        free(a->recs[i]->recorded_by);
        a->recs[i]->recorded_by = xstrdup(referral_intake_program(in->kind->source));
        buf = xmalloc(carerhub__audit_record__get_packed_size(a->recs[i]) + 1);
        v.mv_size = carerhub__audit_record__pack(a->recs[i], buf);
        v.mv_data = buf;
        be64_put(seq, key);
        rc = mdb_put(txn, store_dbi(in->store, INTAKE_DB_AUDIT), &k, &v, 0);
        free(buf);
        if (rc != 0)
            return rc;
    }
    {
        MDB_val k = store_val("audit"), v = {8, key};
        be64_put(seq, key);
        rc = mdb_put(txn, store_dbi(in->store, INTAKE_DB_META), &k, &v, 0);
    }
    return rc ? rc : intake_delete_gone(in, txn);
}

/* Keeps the audit events of this pass in the spool, for the router. */
void intake_store_audit(intake_t *in)
{
    s_audit_batch_t a = {in, NULL, 0};
    int rc;
    a.n = secure_take(in->sec, &a.recs);
    if (a.n == 0)
        return;
    rc = store_write(in->store, s_put_audit, &a);
    if (rc == 0) {
        in->next_audit += a.n;
        intake_gone_done(in);
    } else
        log_error("cannot keep %zu audit record(s) for the router: %s", a.n, store_strerror(rc));
    for (size_t i = 0; i < a.n; i++)
        carerhub__audit_record__free_unpacked(a.recs[i], NULL);
    free(a.recs);
}

static void s_gone_add(uint64_t **v, size_t *n, size_t *cap, uint64_t seq)
{
    *v = xgrow(*v, cap, *n + 1, sizeof **v);
    (*v)[(*n)++] = seq;
}

static int s_del_seqs(MDB_txn *txn, MDB_dbi dbi, const uint64_t *seqs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t key[8];
        MDB_val k = {8, key};
        int rc;
        be64_put(seqs[i], key);
        rc = mdb_del(txn, dbi, &k, NULL);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    return 0;
}

int intake_delete_gone(intake_t *in, MDB_txn *txn)
{
    int rc =
        s_del_seqs(txn, store_dbi(in->store, INTAKE_DB_AUDIT), in->gone_audit, in->n_gone_audit);
    return rc ? rc : s_del_seqs(txn, store_dbi(in->store, INTAKE_DB_SPOOL), in->gone, in->n_gone);
}

void intake_gone_done(intake_t *in)
{
    if (in->n_gone > 0)
        in->scrub_dirty = true; /* their bytes stay in freed pages until intake_scrub */
    in->n_gone = in->n_gone_audit = 0;
    in->gone_at = 0;
}

bool intake_gone(const intake_t *in, uint64_t seq)
{
    for (size_t i = 0; i < in->n_gone; i++)
        if (in->gone[i] == seq)
            return true;
    return false;
}

static int s_delete_txn(MDB_txn *txn, void *arg)
{
    return intake_delete_gone(arg, txn);
}

void intake_delete_acked(intake_t *in, bool force)
{
    int rc;
    if (in->n_gone + in->n_gone_audit == 0)
        return;
    if (!force && in->n_gone + in->n_gone_audit < INTAKE_GONE_MAX &&
        clock_mono_ms() - in->gone_at < INTAKE_GONE_MS)
        return;
    if ((rc = store_write(in->store, s_delete_txn, in)) != 0) {
        /* Kept, to be tried with the next batch: sent again meanwhile
         * only if the router falls silent. */
        log_error("cannot delete acknowledged referrals: %s", store_strerror(rc));
        in->gone_at = clock_mono_ms();
        return;
    }
    intake_gone_done(in);
}

/* Takes one acknowledgement: its referrals and audit records are no
 * longer in flight, and are to be deleted. */
static void s_take_ack(intake_t *in, const Carerhub__ForwardAck *ack)
{
    for (size_t j = 0; j < ack->n_referral_ids; j++) {
        uint64_t seq = intake_seq_of(in, ack->referral_ids[j]);
        if (seq)
            s_gone_add(&in->gone, &in->n_gone, &in->cap_gone, seq);
        if (smap_del(in->inflight, ack->referral_ids[j])) {
            in->acked++;
            log_debug("router took %s", ack->referral_ids[j]);
        }
    }
    for (size_t j = 0; j < ack->n_audit_seqs; j++) {
        char key[32];
        s_gone_add(&in->gone_audit, &in->n_gone_audit, &in->cap_gone_audit, ack->audit_seqs[j]);
        snprintf(key, sizeof key, "audit:%llu", (unsigned long long)ack->audit_seqs[j]);
        smap_del(in->inflight, key);
    }
}

/* Reads the router's acknowledgements. */
void intake_drain_back(intake_t *in)
{
    size_t acks = 0;
    for (size_t n = 0; n < 256; n++) {
        Carerhub__Envelope *env = NULL;
        wire_status_t st = wire_recv(in->back, false, NULL, &env, ZMQ_DONTWAIT);
        if (st == WIRE_AGAIN || st == WIRE_FAILED)
            break;
        if (st != WIRE_OK) {
            log_warn("refused a message from the router: %s", wire_status_str(st));
            continue;
        }
        if (env->body_case == CARERHUB__ENVELOPE__BODY_FORWARD_ACK) {
            if (in->n_gone + in->n_gone_audit == 0)
                in->gone_at = clock_mono_ms();
            s_take_ack(in, env->forward_ack);
            acks++;
        } else if (env->body_case == CARERHUB__ENVELOPE__BODY_ERROR && env->error) {
            log_error("the router refused our referrals: %s",
                      env->error->message ? env->error->message : "");
        }
        carerhub__envelope__free_unpacked(env, NULL);
    }
    if (acks == 0)
        return;
    in->last_progress = clock_mono_ms();
    in->retry_ms = in->ic->retry_ms;
}

/* Lazy Pirate: when the router has been silent too long, start over with a
 * new socket (dropping whatever is queued on the old one) and resend from
 * the start of the spool; wait longer each time. */
void intake_check_retry(intake_t *in)
{
    int64_t now = clock_mono_ms();
    if (smap_count(in->inflight) == 0 || now - in->last_progress < in->retry_ms)
        return;
    intake_delete_acked(in, true); /* so as not to send those again */
    log_warn("the router has not acknowledged for %lld ms; resending %zu referral(s)",
             (long long)(now - in->last_progress), smap_count(in->inflight));
    intake_back_open(in);
    smap_destroy(&in->inflight);
    in->inflight = smap_new();
    in->cursor = 0;
    in->audit_cursor = 0;
    in->last_progress = now;
    in->retry_ms *= 2;
    if (in->retry_ms > in->ic->retry_max_ms)
        in->retry_ms = in->ic->retry_max_ms;
}
