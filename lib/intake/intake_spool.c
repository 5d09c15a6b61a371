/*
 * The intake's spool: see intake_impl.h. Spool keys are 8-byte big-endian
 * sequence numbers, so the spool is read in the order referrals were
 * accepted. A referral id is PREFIX-EPOCH-SEQ: the epoch is chosen at random
 * when the spool is created, so that ids stay unique even if a spool is
 * ever lost and started again.
 */
#include "intake/intake_impl.h"

#include "domain/referral.h"
#include "store.pb-c.h"
#include "util/be64.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sysexits.h>

const char *const intake_dbs[] = {"spool", "tokens", "meta", "audit", "resends", NULL};

/* The sequence number of one of our referral ids, or 0 if it is not ours. */
uint64_t intake_seq_of(const intake_t *in, const char *id)
{
    const char *prefix = referral_id_prefix(in->kind->source);
    size_t pn = strlen(prefix), en = strlen(in->epoch);
    char *end;
    unsigned long long v;
    if (strncmp(id, prefix, pn) != 0 || id[pn] != '-' || strncmp(id + pn + 1, in->epoch, en) != 0 ||
        id[pn + 1 + en] != '-')
        return 0;
    id += pn + en + 2;
    if (*id < '1' || *id > '9')
        return 0;
    errno = 0;
    v = strtoull(id, &end, 10);
    return errno || *end ? 0 : (uint64_t)v;
}

static void s_epoch(char out[7])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    uint8_t r[6];
    if (getrandom(r, sizeof r, 0) != sizeof r)
        log_fatal("cannot read random bytes");
    for (int i = 0; i < 6; i++)
        out[i] = alphabet[r[i] & 31];
    out[6] = '\0';
}

typedef struct {
    intake_t *in;
    char epoch[8];
    uint64_t seq, audit;
} s_meta_t;

static int s_meta_init(MDB_txn *txn, void *arg)
{
    s_meta_t *m = arg;
    MDB_dbi dbi = store_dbi(m->in->store, INTAKE_DB_META);
    MDB_val k = store_val("epoch"), v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) {
        s_epoch(m->epoch);
        v = store_val(m->epoch);
        if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0)
            return rc;
        m->seq = 0;
        return 0;
    }
    if (rc)
        return rc;
    if (v.mv_size >= sizeof m->epoch)
        return MDB_CORRUPTED;
    memcpy(m->epoch, v.mv_data, v.mv_size);
    m->epoch[v.mv_size] = '\0';
    k = store_val("seq");
    rc = mdb_get(txn, dbi, &k, &v);
    m->seq = rc == 0 && v.mv_size == 8 ? be64_get(v.mv_data) : 0;
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    k = store_val("audit");
    rc = mdb_get(txn, dbi, &k, &v);
    m->audit = rc == 0 && v.mv_size == 8 ? be64_get(v.mv_data) : 0;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

void intake_spool_open(intake_t *in, const char *dir)
{
    /* Format 1, kind the daemon's name: one intake's spool is no other's
     * (its ids, its submitters' tokens). Format 0 needs no upgrade. */
    store_opts_t so = {
        .dbs = intake_dbs, .kind = referral_intake_name(in->kind->source), .schema = 1};
    s_meta_t meta;
    MDB_txn *txn;
    MDB_stat st;
    int err, rc;
    so.map_size = (size_t)in->conf->store_map_mb << 20;
    in->store = store_open(dir, &so, &err);
    if (!in->store) {
        log_error("cannot open the spool in %s: %s", dir, store_strerror(err));
        /* A newer carerhub's spool, or another daemon's store: a mistake
         * in the configuration, which a restart does not mend. */
        exit(err == STORE_ENEWER || err == STORE_EKIND ? EX_CONFIG : 1);
    }
    memset(&meta, 0, sizeof meta);
    meta.in = in;
    if ((rc = store_write(in->store, s_meta_init, &meta)) != 0)
        log_fatalx("cannot read the spool in %s: %s", dir, store_strerror(rc));
    memcpy(in->epoch, meta.epoch, sizeof in->epoch);
    in->next_seq = meta.seq;
    in->next_audit = meta.audit;
    if (store_read(in->store, &txn) == 0) {
        if (mdb_stat(txn, store_dbi(in->store, INTAKE_DB_SPOOL), &st) == 0 && st.ms_entries)
            log_info("recovering: %zu referral(s) in the spool to forward", (size_t)st.ms_entries);
        mdb_txn_abort(txn);
    }
}

/* A TokenEntry under key in table db: the id given, and when. */
static int s_put_entry(MDB_txn *txn, intake_t *in, size_t db, const char *key, const char *id,
                       int64_t at, const uint8_t *digest)
{
    Carerhub__TokenEntry t = CARERHUB__TOKEN_ENTRY__INIT;
    uint8_t buf[128];
    MDB_val k = store_val(key), v;
    t.referral_id = (char *)id;
    t.has_at = true;
    t.at = at;
    if (digest) {
        t.has_digest = true;
        t.digest.len = INTAKE_DIGEST;
        t.digest.data = (uint8_t *)digest;
    }
    CH_ASSERT(carerhub__token_entry__get_packed_size(&t) <= sizeof buf);
    v.mv_size = carerhub__token_entry__pack(&t, buf);
    v.mv_data = buf;
    return mdb_put(txn, store_dbi(in->store, db), &k, &v, 0);
}

/* The batch's referrals, their tokens and their resend keys, in one
 * transaction: a resend is recognised exactly when its first is spooled. */
static int s_write_batch(MDB_txn *txn, void *arg)
{
    intake_batch_t *b = arg;
    intake_t *in = b->in;
    int64_t now = clock_now_ms();
    uint8_t key[8];
    int rc;

    for (size_t i = 0; i < b->n; i++) {
        intake_item_t *it = &b->items[i];
        Carerhub__SubmitRequest *req = it->env->submit;
        Carerhub__SpoolEntry e = CARERHUB__SPOOL_ENTRY__INIT;
        MDB_val k = {8, key}, v;
        uint8_t *buf;
        if (it->same_as >= 0)
            continue;
        e.referral = req->referral;
        e.token = req->token;
        v.mv_size = carerhub__spool_entry__get_packed_size(&e);
        buf = xmalloc(v.mv_size);
        carerhub__spool_entry__pack(&e, buf);
        v.mv_data = buf;
        be64_put(it->seq, key);
        rc = mdb_put(txn, store_dbi(in->store, INTAKE_DB_SPOOL), &k, &v, MDB_APPEND);
        free(buf);
        if (rc == MDB_KEYEXIST)
            rc = mdb_put(txn, store_dbi(in->store, INTAKE_DB_SPOOL), &k, &v, 0);
        if (rc)
            return rc;
        if (it->tkey[0] &&
            (rc = s_put_entry(txn, in, INTAKE_DB_TOKENS, it->tkey, it->id, now, it->digest)) != 0)
            return rc;
        if (it->rkey[0] && (rc = s_put_entry(txn, in, INTAKE_DB_RESENDS, it->rkey, it->id,
                                             req->referral->received_at, NULL)) != 0)
            return rc;
    }
    {
        MDB_val k = store_val("seq"), v = {8, key};
        be64_put(b->last_seq, key);
        return mdb_put(txn, store_dbi(in->store, INTAKE_DB_META), &k, &v, 0);
    }
}

static void s_batch_clear(intake_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        carerhub__envelope__free_unpacked(b->items[i].env, NULL);
    b->n = 0;
    smap_destroy(&b->tokens);
    b->tokens = smap_new();
    smap_destroy(&b->resends);
    b->resends = smap_new();
}

/* Commits the batch, then answers every submitter in it. */
void intake_commit(intake_t *in, intake_batch_t *b)
{
    int rc;
    if (b->n == 0)
        return;
    rc = store_write(in->store, s_write_batch, b);
    if (rc != 0) {
        log_error("cannot store %zu referral(s): %s; answering \"temporarily unavailable\"", b->n,
                  store_strerror(rc));
        in->next_seq = b->items[0].seq;
    }
    for (size_t i = 0; i < b->n; i++) {
        intake_item_t *it = &b->items[i];
        const intake_item_t *first = it->same_as >= 0 ? &b->items[it->same_as] : it;
        const Carerhub__Referral *r = first->env->submit->referral;
        if (rc == 0 && it->again) {
            intake_reply_resend(in, &it->peer, it->corr, it->has_corr, first->id, r->received_at);
            in->resent++;
            log_info("resend of %s from %s recognised: answered with its id, nothing spooled",
                     first->id, r->submitted_by);
        } else if (rc == 0) {
            intake_reply_submit(in, &it->peer, it->corr, it->has_corr,
                                CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED, first->id, NULL);
            if (it->same_as < 0) {
                in->accepted++;
                log_info("accepted %s", first->id);
            }
            /* The router knows a gateway's user only from submitted_by,
             * which no participants file lists: the intake that judged
             * the user records who it was. */
            if (it->same_as < 0 && it->by[0])
                secure_audit(in->sec, "submitted", it->by, first->id,
                             "accepted from a gateway for its user");
        } else {
            intake_reply_submit(in, &it->peer, it->corr, it->has_corr,
                                CARERHUB__SUBMIT_REPLY__STATUS__UNAVAILABLE, NULL, NULL);
            in->unavailable++;
        }
    }
    s_batch_clear(b);
}

intake_item_t *intake_batch_add(intake_batch_t *b, const wire_peer_t *peer, Carerhub__Envelope *env)
{
    intake_item_t *it;
    b->items = xgrow(b->items, &b->cap, b->n + 1, sizeof *b->items);
    it = &b->items[b->n++];
    memset(it, 0, sizeof *it);
    it->peer = *peer;
    it->corr = env->corr;
    it->has_corr = env->has_corr;
    it->env = env;
    it->same_as = -1;
    return it;
}

void intake_status(intake_t *in, const wire_peer_t *peer, Carerhub__Envelope *env)
{
    Carerhub__Envelope out = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatusReply rep = CARERHUB__STATUS_REPLY__INIT;
    const char *id = env->status_query->referral_id;
    uint64_t seq = id && strlen(id) < 64 ? intake_seq_of(in, id) : 0;
    char actor[INTAKE_ACTOR_MAX];
    secure_acting_t as;
    const participant_t *who = intake_acting(in, peer, env, &as, actor, sizeof actor);
    bool op = who && who->role == ROLE_OPERATOR;
    Carerhub__SpoolEntry *e = NULL;
    MDB_txn *txn;

    if (!who && env->on_behalf)
        return; /* refused, and answered so */
    if (!op && !(who && role_is_referrer(who->role))) {
        secure_refused(in->sec, "refused-message", actor, NULL,
                       "status query refused: operator and referrer keys only");
        in->bad++;
        intake_reply_error(in, peer, env->corr, env->has_corr, "forbidden",
                           "status queries need an operator key, or a referrer's key for its "
                           "own referrals");
        return;
    }
    secure_audit(in->sec, "status", actor, id && strlen(id) < 64 ? id : NULL, NULL);

    rep.has_state = true;
    rep.state = CARERHUB__STATUS_REPLY__STATE__UNKNOWN;
    rep.referral_id = (char *)id;
    rep.where = (char *)referral_intake_name(in->kind->source);
    if (seq && store_read(in->store, &txn) == 0) {
        uint8_t key[8];
        MDB_val k = {8, key}, v;
        be64_put(seq, key);
        if (mdb_get(txn, store_dbi(in->store, INTAKE_DB_SPOOL), &k, &v) == 0)
            e = carerhub__spool_entry__unpack(NULL, v.mv_size, v.mv_data);
        mdb_txn_abort(txn);
    }
    if (e && e->referral && !op && !referral_is_referrers(who, e->referral)) {
        /* Another organisation's referral reads as no referral at all. */
        carerhub__spool_entry__free_unpacked(e, NULL);
        e = NULL;
    }
    if (e && e->referral) {
        rep.state = CARERHUB__STATUS_REPLY__STATE__SPOOLED;
        rep.has_accepted_at = true;
        rep.accepted_at = e->referral->received_at;
        rep.detail = (char *)"accepted; waiting for the router to take it";
        rep.progress = (char *)"received";
        rep.has_progress_at = true;
        rep.progress_at = e->referral->received_at;
    }
    out.body_case = CARERHUB__ENVELOPE__BODY_STATUS_REPLY;
    out.status_reply = &rep;
    intake_reply(in, peer, env->corr, env->has_corr, &out);
    if (e)
        carerhub__spool_entry__free_unpacked(e, NULL);
}
