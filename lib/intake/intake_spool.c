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

/* The epochs this spool had before the present one, and the sequence
 * numbers each gave. A spool restored from a backup takes a new epoch at its
 * next start (carerhub restore marks it: meta "restored", the backup's
 * made_at), so that it never gives again an id the lost hub gave after the
 * backup; the numbering goes on, so spool keys stay unique, and referrals
 * still spooled from before keep their ids until the router has taken them.
 * Meta "epoch-before:EPOCH" holds first and last (8 bytes each), an epoch
 * forgotten once the spool holds nothing of it; meta "epoch-first" the
 * present epoch's first. intake_t has no room for them: they are kept here,
 * for the spool opened last (one intake to a process). */
#define S_BEFORE "epoch-before:"
typedef struct {
    char epoch[8];
    uint64_t first, last;
} s_span_t;

static struct {
    const store_t *store; /* the spool they are of */
    uint64_t first;       /* the present epoch's first sequence number */
    s_span_t *v;
    size_t n, cap;
} s_spans;

/* The sequence number of one of our referral ids, or 0 if it is not ours:
 * of the present epoch and from its first number on, or of an epoch before
 * within the numbers it gave. */
uint64_t intake_seq_of(const intake_t *in, const char *id)
{
    const char *prefix = referral_id_prefix(in->kind->source), *ep, *dash;
    size_t pn = strlen(prefix), en;
    bool spans = s_spans.store && s_spans.store == in->store;
    char *end;
    unsigned long long v;
    if (strncmp(id, prefix, pn) != 0 || id[pn] != '-' || !(dash = strchr(ep = id + pn + 1, '-')))
        return 0;
    en = (size_t)(dash - ep);
    id = dash + 1;
    if (*id < '1' || *id > '9')
        return 0;
    errno = 0;
    v = strtoull(id, &end, 10);
    if (errno || *end)
        return 0;
    if (en == strlen(in->epoch) && strncmp(ep, in->epoch, en) == 0)
        return !spans || v >= s_spans.first ? (uint64_t)v : 0;
    for (size_t i = 0; spans && i < s_spans.n; i++)
        if (en == strlen(s_spans.v[i].epoch) && strncmp(ep, s_spans.v[i].epoch, en) == 0 &&
            v >= s_spans.v[i].first && v <= s_spans.v[i].last)
            return (uint64_t)v;
    return 0;
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
    char before[8]; /* the epoch a restore ended, or "" */
    char made[64];  /* when the restored backup was made */
    uint64_t seq, audit, first;
} s_meta_t;

static int s_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *out)
{
    MDB_val k = store_val(key), v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        *out = be64_get(v.mv_data);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int s_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t n)
{
    uint8_t b[8];
    MDB_val k = store_val(key), v = {8, b};
    be64_put(n, b);
    return mdb_put(txn, dbi, &k, &v, 0);
}

/* A restored spool: the present epoch becomes one before (if it gave any
 * ids), and a new one, unlike any this spool had, takes its place. */
static int s_new_epoch(MDB_txn *txn, MDB_dbi dbi, s_meta_t *m)
{
    char key[sizeof S_BEFORE + 8];
    uint8_t span[16];
    MDB_val k, v = {16, span};
    int rc;
    memcpy(m->before, m->epoch, sizeof m->before);
    snprintf(key, sizeof key, S_BEFORE "%s", m->before);
    be64_put(m->first, span);
    be64_put(m->seq, span + 8);
    k = store_val(key);
    if (m->seq >= m->first && (rc = mdb_put(txn, dbi, &k, &v, 0)) != 0)
        return rc;
    do {
        s_epoch(m->epoch);
        snprintf(key, sizeof key, S_BEFORE "%s", m->epoch);
        k = store_val(key);
        rc = mdb_get(txn, dbi, &k, &v);
    } while (strcmp(m->epoch, m->before) == 0 || rc == 0);
    if (rc != MDB_NOTFOUND)
        return rc;
    m->first = m->seq + 1;
    k = store_val("epoch");
    v = store_val(m->epoch);
    if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0 ||
        (rc = s_put_u64(txn, dbi, "epoch-first", m->first)) != 0)
        return rc;
    k = store_val("restored");
    return mdb_del(txn, dbi, &k, NULL);
}

/* Reads the epochs before into s_spans, forgetting those the spool holds
 * nothing of (all below its first key). */
static int s_spans_load(MDB_txn *txn, intake_t *in, MDB_dbi dbi)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint64_t lowest = UINT64_MAX;
    size_t pn = strlen(S_BEFORE);
    int rc;
    s_spans.n = 0;
    if ((rc = mdb_cursor_open(txn, store_dbi(in->store, INTAKE_DB_SPOOL), &c)) != 0)
        return rc;
    if ((rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) == 0 && k.mv_size == 8)
        lowest = be64_get(k.mv_data);
    mdb_cursor_close(c);
    if ((rc && rc != MDB_NOTFOUND) || (rc = mdb_cursor_open(txn, dbi, &c)) != 0)
        return rc;
    k = store_val(S_BEFORE);
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        s_span_t *s;
        if (k.mv_size < pn || memcmp(k.mv_data, S_BEFORE, pn) != 0)
            break;
        if (v.mv_size != 16 || k.mv_size - pn >= sizeof s->epoch) {
            rc = MDB_CORRUPTED;
            break;
        }
        if (be64_get((uint8_t *)v.mv_data + 8) < lowest) {
            if ((rc = mdb_cursor_del(c, 0)) != 0)
                break;
            continue;
        }
        s_spans.v = xgrow(s_spans.v, &s_spans.cap, s_spans.n + 1, sizeof *s_spans.v);
        s = &s_spans.v[s_spans.n++];
        memcpy(s->epoch, (char *)k.mv_data + pn, k.mv_size - pn);
        s->epoch[k.mv_size - pn] = '\0';
        s->first = be64_get(v.mv_data);
        s->last = be64_get((uint8_t *)v.mv_data + 8);
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Safe to run again (store_write may): everything is read from the
 * transaction. */
static int s_meta_init(MDB_txn *txn, void *arg)
{
    s_meta_t *m = arg;
    MDB_dbi dbi = store_dbi(m->in->store, INTAKE_DB_META);
    MDB_val k = store_val("epoch"), v, mk = store_val("restored"), mv;
    int rc = mdb_get(txn, dbi, &k, &v), marked;

    m->seq = m->audit = 0;
    m->first = 1;
    m->before[0] = m->made[0] = '\0';
    if ((marked = mdb_get(txn, dbi, &mk, &mv)) != 0 && marked != MDB_NOTFOUND)
        return marked;
    if (rc == MDB_NOTFOUND) {
        /* A new spool (marked or not: nothing of it was given). */
        s_epoch(m->epoch);
        v = store_val(m->epoch);
        if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0 ||
            (marked == 0 && (rc = mdb_del(txn, dbi, &mk, NULL)) != 0))
            return rc;
        return s_spans_load(txn, m->in, dbi);
    }
    if (rc)
        return rc;
    if (v.mv_size >= sizeof m->epoch)
        return MDB_CORRUPTED;
    memcpy(m->epoch, v.mv_data, v.mv_size);
    m->epoch[v.mv_size] = '\0';
    if ((rc = s_get_u64(txn, dbi, "seq", &m->seq)) != 0 ||
        (rc = s_get_u64(txn, dbi, "audit", &m->audit)) != 0 ||
        (rc = s_get_u64(txn, dbi, "epoch-first", &m->first)) != 0)
        return rc;
    if (marked == 0) {
        snprintf(m->made, sizeof m->made, "%.*s", (int)(mv.mv_size < 63 ? mv.mv_size : 63),
                 (const char *)mv.mv_data);
        if ((rc = s_new_epoch(txn, dbi, m)) != 0)
            return rc;
    }
    return s_spans_load(txn, m->in, dbi);
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
    s_spans.store = in->store;
    s_spans.first = meta.first;
    if (meta.before[0])
        log_warn("restored from a backup (made %s): this spool's referral ids are now %s-%s-N, "
                 "from %llu on, so that none the hub gave after the backup is given again; "
                 "the spool's referrals from before keep their ids %s-%s-N",
                 meta.made[0] ? meta.made : "at an unrecorded time",
                 referral_id_prefix(in->kind->source), meta.epoch, (unsigned long long)meta.first,
                 referral_id_prefix(in->kind->source), meta.before);
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
        rc = mdb_put(txn, store_dbi(in->store, INTAKE_DB_META), &k, &v, 0);
    }
    /* What the router has taken goes in the same commit: no sync of its own. */
    return rc ? rc : intake_delete_gone(in, txn);
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
    } else {
        intake_gone_done(in);
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
    if (seq && !intake_gone(in, seq) && store_read(in->store, &txn) == 0) {
        uint8_t key[8];
        MDB_val k = {8, key}, v;
        be64_put(seq, key);
        if (mdb_get(txn, store_dbi(in->store, INTAKE_DB_SPOOL), &k, &v) == 0)
            e = carerhub__spool_entry__unpack(NULL, v.mv_size, v.mv_data);
        mdb_txn_abort(txn);
    }
    if (e && (!e->referral || !e->referral->id || strcmp(e->referral->id, id) != 0)) {
        /* Not the referral asked about (intake_seq_of keeps each epoch to
         * the numbers it gave, so this is a broken spool): none at all. */
        carerhub__spool_entry__free_unpacked(e, NULL);
        e = NULL;
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
