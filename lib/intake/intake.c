/*
 * The intake daemon: see intake.h.
 *
 * Spool keys are 8-byte big-endian sequence numbers, so the spool is read in
 * the order referrals were accepted. A referral id is PREFIX-EPOCH-SEQ: the
 * epoch is chosen at random when the spool is created, so that ids stay
 * unique even if a spool is ever lost and started again.
 */
#include "intake/intake.h"

#include "clnt/clnt.h"
#include "conf/hubconf.h"
#include "daemon/daemon.h"
#include "domain/pcdb.h"
#include "domain/referral.h"
#include "domain/route.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/smap.h"
#include "wire/pbwire.h"
#include "wire/wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zmq.h>

#define S_FORWARD_MAX_REFS  1000
#define S_FORWARD_MAX_BYTES (2u << 20)
#define S_TOKEN_MAX         128
#define S_TOKEN_KEEP_MS     (7LL * 24 * 3600 * 1000)

const intake_kind_t intake_gp = {"carerhub-gp-intake",           "gp-intake",
                                 CARERHUB__SOURCE__GP,           "GP",
                                 offsetof(hubconf_t, gp_intake), NULL};
const intake_kind_t intake_discharge = {"carerhub-discharge-intake",           "discharge-intake",
                                        CARERHUB__SOURCE__DISCHARGE,           "HD",
                                        offsetof(hubconf_t, discharge_intake), NULL};
const intake_kind_t intake_school = {
    "carerhub-school-intake",
    "school-intake",
    CARERHUB__SOURCE__SCHOOL,
    "SC",
    offsetof(hubconf_t, school_intake),
    "carerhub does not handle safeguarding concerns: if you have one about this pupil, "
    "follow your school's safeguarding procedure now"};

const intake_kind_t *intake_kind_of_id(const char *id)
{
    const intake_kind_t *all[] = {&intake_gp, &intake_discharge, &intake_school};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(all[i]->id_prefix);
        if (strncmp(id, all[i]->id_prefix, n) == 0 && id[n] == '-') return all[i];
    }
    return NULL;
}

enum { S_DB_SPOOL, S_DB_TOKENS, S_DB_META };
static const char *const s_dbs[] = {"spool", "tokens", "meta", NULL};

typedef struct {
    const intake_kind_t *kind;
    daemon_args_t args;
    hubconf_t *conf;
    const hubconf_intake_t *ic;
    route_t *rt;
    pcdb_t *pcdb;
    store_t *store;
    void *front, *back;
    char epoch[8];
    uint64_t next_seq;
    /* Forwarding to the router. */
    smap_t *inflight; /* referral id -> monotonic ms when sent */
    uint64_t cursor;  /* the next spool sequence to send */
    int64_t last_progress;
    int64_t retry_ms;
    int64_t next_prune;
    unsigned long accepted, rejected, unavailable, forwarded, acked, bad;
} s_intake_t;

static void s_key(uint64_t seq, uint8_t out[8])
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)seq;
        seq >>= 8;
    }
}

static uint64_t s_unkey(const MDB_val *k)
{
    uint64_t v = 0;
    const uint8_t *p = k->mv_data;
    for (size_t i = 0; i < 8 && i < k->mv_size; i++)
        v = v << 8 | p[i];
    return v;
}

/* The sequence number of one of our referral ids, or 0 if it is not ours. */
static uint64_t s_seq_of(const s_intake_t *in, const char *id)
{
    size_t pn = strlen(in->kind->id_prefix), en = strlen(in->epoch);
    char *end;
    unsigned long long v;
    if (strncmp(id, in->kind->id_prefix, pn) != 0 || id[pn] != '-' ||
        strncmp(id + pn + 1, in->epoch, en) != 0 || id[pn + 1 + en] != '-')
        return 0;
    id += pn + en + 2;
    if (*id < '1' || *id > '9') return 0;
    errno = 0;
    v = strtoull(id, &end, 10);
    return errno || *end ? 0 : (uint64_t)v;
}

/* --- replies ------------------------------------------------------------- */

static void s_reply(s_intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                    Carerhub__Envelope *env)
{
    env->has_corr = has_corr;
    env->corr = corr;
    /* A submitter that went away cannot be answered; it will resend. */
    if (wire_send(in->front, peer, env, ZMQ_DONTWAIT) < 0)
        log_debug("reply not sent: %s", zmq_strerror(errno));
}

static void s_reply_error(s_intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                          const char *code, const char *message)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__Error err = CARERHUB__ERROR__INIT;
    err.code = (char *)code;
    err.message = (char *)message;
    env.body_case = CARERHUB__ENVELOPE__BODY_ERROR;
    env.error = &err;
    s_reply(in, peer, corr, has_corr, &env);
}

static void s_reply_submit(s_intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                           Carerhub__SubmitReply__Status status, const char *id,
                           const ferrs_t *errs)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__SubmitReply rep = CARERHUB__SUBMIT_REPLY__INIT;
    Carerhub__FieldError *fe = NULL, **fep = NULL;
    char *notice = (char *)in->kind->notice;

    rep.has_status = true;
    rep.status = status;
    rep.referral_id = (char *)id;
    if (errs && errs->n) {
        fe = xcalloc(errs->n, sizeof *fe);
        fep = xcalloc(errs->n, sizeof *fep);
        for (size_t i = 0; i < errs->n; i++) {
            carerhub__field_error__init(&fe[i]);
            fe[i].field = errs->v[i].field;
            fe[i].code = errs->v[i].code;
            fe[i].message = errs->v[i].message;
            fep[i] = &fe[i];
        }
        rep.n_errors = errs->n;
        rep.errors = fep;
    }
    if (notice && status == CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED) {
        rep.n_notices = 1;
        rep.notices = &notice;
    }
    env.body_case = CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY;
    env.submit_reply = &rep;
    s_reply(in, peer, corr, has_corr, &env);
    free(fe);
    free(fep);
}

/* --- the spool -------------------------------------------------------------- */

static void s_epoch(char out[7])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    uint8_t r[6];
    if (getrandom(r, sizeof r, 0) != sizeof r) log_fatal("cannot read random bytes");
    for (int i = 0; i < 6; i++)
        out[i] = alphabet[r[i] & 31];
    out[6] = '\0';
}

typedef struct {
    s_intake_t *in;
    char epoch[8];
    uint64_t seq;
} s_meta_t;

static int s_meta_init(MDB_txn *txn, void *arg)
{
    s_meta_t *m = arg;
    MDB_dbi dbi = store_dbi(m->in->store, S_DB_META);
    MDB_val k = store_val("epoch"), v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) {
        s_epoch(m->epoch);
        v = store_val(m->epoch);
        if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0) return rc;
        m->seq = 0;
        return 0;
    }
    if (rc) return rc;
    if (v.mv_size >= sizeof m->epoch) return MDB_CORRUPTED;
    memcpy(m->epoch, v.mv_data, v.mv_size);
    m->epoch[v.mv_size] = '\0';
    k = store_val("seq");
    rc = mdb_get(txn, dbi, &k, &v);
    m->seq = rc == 0 && v.mv_size == 8 ? s_unkey(&v) : 0;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

typedef struct {
    wire_peer_t peer;
    uint64_t corr;
    bool has_corr;
    Carerhub__Envelope *env; /* owned: the request */
    uint64_t seq;
    char id[48];
    int same_as; /* index of an earlier item with the same token, or -1 */
} s_item_t;

typedef struct {
    s_intake_t *in;
    s_item_t *items;
    size_t n, cap;
    smap_t *tokens; /* token -> item index, within the batch */
    uint64_t last_seq;
} s_batch_t;

static int s_write_batch(MDB_txn *txn, void *arg)
{
    s_batch_t *b = arg;
    s_intake_t *in = b->in;
    int64_t now = clock_now_ms();
    uint8_t key[8];
    int rc;

    for (size_t i = 0; i < b->n; i++) {
        s_item_t *it = &b->items[i];
        Carerhub__SubmitRequest *req = it->env->submit;
        Carerhub__SpoolEntry e = CARERHUB__SPOOL_ENTRY__INIT;
        MDB_val k = {8, key}, v;
        uint8_t *buf;
        if (it->same_as >= 0) continue;
        e.referral = req->referral;
        e.token = req->token;
        v.mv_size = carerhub__spool_entry__get_packed_size(&e);
        buf = xmalloc(v.mv_size);
        carerhub__spool_entry__pack(&e, buf);
        v.mv_data = buf;
        s_key(it->seq, key);
        rc = mdb_put(txn, store_dbi(in->store, S_DB_SPOOL), &k, &v, MDB_APPEND);
        free(buf);
        if (rc == MDB_KEYEXIST) rc = mdb_put(txn, store_dbi(in->store, S_DB_SPOOL), &k, &v, 0);
        if (rc) return rc;
        if (req->token && *req->token) {
            Carerhub__TokenEntry t = CARERHUB__TOKEN_ENTRY__INIT;
            uint8_t tbuf[128];
            MDB_val tk = store_val(req->token), tv;
            t.referral_id = it->id;
            t.has_at = true;
            t.at = now;
            tv.mv_size = carerhub__token_entry__pack(&t, tbuf);
            tv.mv_data = tbuf;
            if ((rc = mdb_put(txn, store_dbi(in->store, S_DB_TOKENS), &tk, &tv, 0)) != 0) return rc;
        }
    }
    {
        MDB_val k = store_val("seq"), v = {8, key};
        s_key(b->last_seq, key);
        return mdb_put(txn, store_dbi(in->store, S_DB_META), &k, &v, 0);
    }
}

static void s_batch_clear(s_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        carerhub__envelope__free_unpacked(b->items[i].env, NULL);
    b->n = 0;
    smap_destroy(&b->tokens);
    b->tokens = smap_new();
}

/* Commits the batch, then answers every submitter in it. */
static void s_commit(s_intake_t *in, s_batch_t *b)
{
    int rc;
    if (b->n == 0) return;
    rc = store_write(in->store, s_write_batch, b);
    if (rc != 0) {
        log_error("cannot store %zu referral(s): %s; answering \"temporarily unavailable\"", b->n,
                  rc > 0 ? strerror(rc) : mdb_strerror(rc));
        in->next_seq = b->items[0].seq;
    }
    for (size_t i = 0; i < b->n; i++) {
        s_item_t *it = &b->items[i];
        const char *id = it->same_as >= 0 ? b->items[it->same_as].id : it->id;
        if (rc == 0) {
            s_reply_submit(in, &it->peer, it->corr, it->has_corr,
                           CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED, id, NULL);
            if (it->same_as < 0) {
                in->accepted++;
                log_info("accepted %s", id);
            }
        } else {
            s_reply_submit(in, &it->peer, it->corr, it->has_corr,
                           CARERHUB__SUBMIT_REPLY__STATUS__UNAVAILABLE, NULL, NULL);
            in->unavailable++;
        }
    }
    s_batch_clear(b);
}

/* The id already given to a token, from the spool's token table. */
static bool s_token_known(s_intake_t *in, const char *token, char *id, size_t idsz)
{
    MDB_txn *txn;
    MDB_val k = store_val(token), v;
    bool found = false;
    if (store_read(in->store, &txn) != 0) return false;
    if (mdb_get(txn, store_dbi(in->store, S_DB_TOKENS), &k, &v) == 0) {
        Carerhub__TokenEntry *t = carerhub__token_entry__unpack(NULL, v.mv_size, v.mv_data);
        if (t && t->referral_id) {
            snprintf(id, idsz, "%s", t->referral_id);
            found = true;
        }
        if (t) carerhub__token_entry__free_unpacked(t, NULL);
    }
    mdb_txn_abort(txn);
    return found;
}

static bool s_token_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > S_TOKEN_MAX) return false;
    for (; *t; t++)
        if (*t < 0x21 || *t > 0x7e) return false;
    return true;
}

/* Takes ownership of env. */
static void s_submit(s_intake_t *in, s_batch_t *b, const wire_peer_t *peer, Carerhub__Envelope *env)
{
    Carerhub__SubmitRequest *req = env->submit;
    Carerhub__Referral *r = req->referral;
    ferrs_t errs = FERRS_INIT;
    referral_ctx_t ctx;
    char day[DATE_STRLEN], known[64];
    uint64_t tok_item;
    s_item_t *it;

    if (req->token && !s_token_ok(req->token)) {
        ferrs_add(&errs, "token", "format", "must be 1-%d printable characters", S_TOKEN_MAX);
    } else if (req->token && smap_get(b->tokens, req->token, &tok_item)) {
        /* A resend of a referral still in this batch: same answer. */
        b->items = xgrow(b->items, &b->cap, b->n + 1, sizeof *b->items);
        it = &b->items[b->n++];
        it->peer = *peer;
        it->corr = env->corr;
        it->has_corr = env->has_corr;
        it->env = env;
        it->same_as = (int)tok_item;
        it->seq = 0;
        return;
    } else if (req->token && s_token_known(in, req->token, known, sizeof known)) {
        s_reply_submit(in, peer, env->corr, env->has_corr, CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED,
                       known, NULL);
        carerhub__envelope__free_unpacked(env, NULL);
        return;
    }
    if (!r) {
        ferrs_add(&errs, "referral", "required", "the submission holds no referral");
    } else if (errs.n == 0) {
        memset(&ctx, 0, sizeof ctx);
        ctx.today = date_today();
        ctx.geo = route_geo(in->rt);
        if (in->pcdb) {
            ctx.unit = pcdb_lookup;
            ctx.unit_arg = in->pcdb;
        }
        referral_check_unknown(&r->base, "", &errs);
        referral_check(r, in->kind->source, &ctx, &errs);
    }
    if (errs.n) {
        in->rejected++;
        log_info("rejected a %s referral: %zu problem(s), first %s: %s",
                 referral_source_name(in->kind->source), errs.n, errs.v[0].field, errs.v[0].code);
        s_reply_submit(in, peer, env->corr, env->has_corr, CARERHUB__SUBMIT_REPLY__STATUS__REJECTED,
                       NULL, &errs);
        ferrs_free(&errs);
        carerhub__envelope__free_unpacked(env, NULL);
        return;
    }

    /* Stamp what the hub, not the submitter, decides. */
    free(r->id);
    free(r->referral_date);
    free(r->submitted_by);
    r->has_source = true;
    r->source = in->kind->source;
    r->has_received_at = true;
    r->received_at = clock_now_ms();
    date_format(date_of_ms(r->received_at), day);
    r->referral_date = xstrdup(day);
    r->submitted_by = xstrdup(peer->user[0] ? peer->user : "local");

    b->items = xgrow(b->items, &b->cap, b->n + 1, sizeof *b->items);
    it = &b->items[b->n];
    it->peer = *peer;
    it->corr = env->corr;
    it->has_corr = env->has_corr;
    it->env = env;
    it->same_as = -1;
    it->seq = ++in->next_seq;
    b->last_seq = it->seq;
    snprintf(it->id, sizeof it->id, "%s-%s-%llu", in->kind->id_prefix, in->epoch,
             (unsigned long long)it->seq);
    r->id = xstrdup(it->id);
    if (req->token) smap_put(b->tokens, req->token, b->n);
    b->n++;
}

static void s_status(s_intake_t *in, const wire_peer_t *peer, Carerhub__Envelope *env)
{
    Carerhub__Envelope out = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatusReply rep = CARERHUB__STATUS_REPLY__INIT;
    const char *id = env->status_query->referral_id;
    uint64_t seq = id ? s_seq_of(in, id) : 0;
    Carerhub__SpoolEntry *e = NULL;
    MDB_txn *txn;

    rep.has_state = true;
    rep.state = CARERHUB__STATUS_REPLY__STATE__UNKNOWN;
    rep.referral_id = (char *)id;
    rep.where = (char *)in->kind->program;
    if (seq && store_read(in->store, &txn) == 0) {
        uint8_t key[8];
        MDB_val k = {8, key}, v;
        s_key(seq, key);
        if (mdb_get(txn, store_dbi(in->store, S_DB_SPOOL), &k, &v) == 0)
            e = carerhub__spool_entry__unpack(NULL, v.mv_size, v.mv_data);
        mdb_txn_abort(txn);
    }
    if (e && e->referral) {
        rep.state = CARERHUB__STATUS_REPLY__STATE__SPOOLED;
        rep.has_accepted_at = true;
        rep.accepted_at = e->referral->received_at;
        rep.detail = (char *)"accepted; waiting for the router to take it";
    }
    out.body_case = CARERHUB__ENVELOPE__BODY_STATUS_REPLY;
    out.status_reply = &rep;
    s_reply(in, peer, env->corr, env->has_corr, &out);
    if (e) carerhub__spool_entry__free_unpacked(e, NULL);
}

/* Reads what submitters sent, up to one batch. */
static void s_drain_front(s_intake_t *in, s_batch_t *b)
{
    while (b->n < (size_t)in->ic->batch) {
        wire_peer_t peer;
        Carerhub__Envelope *env = NULL;
        wire_status_t st = wire_recv(in->front, true, &peer, &env, ZMQ_DONTWAIT);
        if (st == WIRE_AGAIN || st == WIRE_FAILED) return;
        if (st != WIRE_OK) {
            in->bad++;
            log_warn("refused a message: %s", wire_status_str(st));
            s_reply_error(in, &peer, 0, false, "bad_request", wire_status_str(st));
            continue;
        }
        switch (env->body_case) {
        case CARERHUB__ENVELOPE__BODY_SUBMIT:
            s_submit(in, b, &peer, env);
            break;
        case CARERHUB__ENVELOPE__BODY_STATUS_QUERY:
            s_status(in, &peer, env);
            carerhub__envelope__free_unpacked(env, NULL);
            break;
        default:
            in->bad++;
            s_reply_error(in, &peer, env->corr, env->has_corr, "bad_request",
                          "an intake takes submissions and status queries only");
            carerhub__envelope__free_unpacked(env, NULL);
        }
    }
}

/* --- forwarding --------------------------------------------------------- */

static void s_open_back(s_intake_t *in)
{
    int one = 1, hwm = 10000;
    if (in->back) zmq_close(in->back);
    in->back = daemon_socket(ZMQ_DEALER);
    /* Do not queue for a router that is not there: keep it in the spool. */
    zmq_setsockopt(in->back, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt(in->back, ZMQ_SNDHWM, &hwm, sizeof hwm);
    daemon_connect(in->back, in->conf->router.intake_endpoint);
}

/* Forwards the spool from the cursor while the window allows. Referrals go
 * as they were encoded when accepted: each spool entry holds the Referral
 * as its field 1, which is byte for byte field 1 of a Forward. */
static void s_forward(s_intake_t *in)
{
    int64_t now = clock_mono_ms();
    uint8_t *msg = NULL;
    size_t cap = 0;
    char(*ids)[64] = xmalloc(S_FORWARD_MAX_REFS * sizeof *ids);

    while (smap_count(in->inflight) < (size_t)in->ic->forward_window) {
        size_t n = 0, len = 16; /* room for the envelope's own fields */
        uint64_t last = 0;
        bool was_idle = smap_count(in->inflight) == 0;
        MDB_txn *txn;
        MDB_cursor *cur;
        uint8_t key[8], head[16];
        MDB_val k = {8, key}, v;
        size_t hn;
        int rc;

        if (store_read(in->store, &txn) != 0) break;
        mdb_cursor_open(txn, store_dbi(in->store, S_DB_SPOOL), &cur);
        s_key(in->cursor, key);
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        while (rc == 0 && n < S_FORWARD_MAX_REFS && len < S_FORWARD_MAX_BYTES &&
               smap_count(in->inflight) + n < (size_t)in->ic->forward_window) {
            const uint8_t *ref, *id;
            size_t rlen, idlen;
            last = s_unkey(&k);
            if (pbwire_find(v.mv_data, v.mv_size, 1, &ref, &rlen) == 0 &&
                pbwire_find(ref, rlen, 1, &id, &idlen) == 0 && idlen > 0 && idlen < sizeof ids[0]) {
                msg = xgrow(msg, &cap, len + pbwire_ld_size(1, rlen), 1);
                len += pbwire_ld(msg + len, 1, ref, rlen);
                memcpy(ids[n], id, idlen);
                ids[n++][idlen] = '\0';
            } else {
                /* Cannot happen unless the store is damaged: skip, loudly. */
                log_error("spool entry %llu is unreadable; skipping it", (unsigned long long)last);
            }
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cur);
        mdb_txn_abort(txn);
        if (last == 0) break;
        if (n > 0) {
            /* Envelope: version (field 1) and forward (field 12), in front of
             * the referrals gathered after the 16 bytes kept free. */
            size_t body = len - 16, off;
            hn = 0;
            head[hn++] = 0x08;
            head[hn++] = WIRE_VERSION;
            hn += pbwire_varint(head + hn, (uint64_t)12 << 3 | 2);
            hn += pbwire_varint(head + hn, body);
            off = 16 - hn;
            memcpy(msg + off, head, hn);
            if (wire_send_raw(in->back, NULL, msg + off, len - off, ZMQ_DONTWAIT) < 0)
                break; /* no router connected (EAGAIN), or its queue is full: later */
            for (size_t i = 0; i < n; i++)
                smap_put(in->inflight, ids[i], (uint64_t)now);
            in->forwarded += n;
            if (was_idle) in->last_progress = now;
        }
        in->cursor = last + 1;
    }
    free(msg);
    free(ids);
}

typedef struct {
    s_intake_t *in;
    Carerhub__ForwardAck **acks;
    size_t n;
} s_acks_t;

static int s_delete_acked(MDB_txn *txn, void *arg)
{
    s_acks_t *a = arg;
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < a->acks[i]->n_referral_ids; j++) {
            uint64_t seq = s_seq_of(a->in, a->acks[i]->referral_ids[j]);
            uint8_t key[8];
            MDB_val k = {8, key};
            int rc;
            if (!seq) continue;
            s_key(seq, key);
            rc = mdb_del(txn, store_dbi(a->in->store, S_DB_SPOOL), &k, NULL);
            if (rc && rc != MDB_NOTFOUND) return rc;
        }
    return 0;
}

/* Reads the router's acknowledgements and deletes what it has taken, all in
 * one transaction. */
static void s_drain_back(s_intake_t *in)
{
    Carerhub__ForwardAck *acks[256];
    Carerhub__Envelope *envs[256];
    s_acks_t a = {in, acks, 0};
    int rc;

    while (a.n < 256) {
        Carerhub__Envelope *env = NULL;
        wire_status_t st = wire_recv(in->back, false, NULL, &env, ZMQ_DONTWAIT);
        if (st == WIRE_AGAIN || st == WIRE_FAILED) break;
        if (st != WIRE_OK) {
            log_warn("refused a message from the router: %s", wire_status_str(st));
            continue;
        }
        if (env->body_case != CARERHUB__ENVELOPE__BODY_FORWARD_ACK) {
            if (env->body_case == CARERHUB__ENVELOPE__BODY_ERROR && env->error)
                log_error("the router refused our referrals: %s",
                          env->error->message ? env->error->message : "");
            carerhub__envelope__free_unpacked(env, NULL);
            continue;
        }
        envs[a.n] = env;
        acks[a.n++] = env->forward_ack;
    }
    if (a.n == 0) return;
    rc = store_write(in->store, s_delete_acked, &a);
    if (rc != 0)
        log_error("cannot delete acknowledged referrals: %s; they will be sent again",
                  rc > 0 ? strerror(rc) : mdb_strerror(rc));
    for (size_t i = 0; i < a.n; i++) {
        for (size_t j = 0; j < acks[i]->n_referral_ids; j++)
            if (smap_del(in->inflight, acks[i]->referral_ids[j])) {
                in->acked++;
                log_debug("router took %s", acks[i]->referral_ids[j]);
            }
        carerhub__envelope__free_unpacked(envs[i], NULL);
    }
    in->last_progress = clock_mono_ms();
    in->retry_ms = in->ic->retry_ms;
}

/* Lazy Pirate: when the router has been silent too long, start over with a
 * new socket (dropping whatever is queued on the old one) and resend from
 * the start of the spool; wait longer each time. */
static void s_check_retry(s_intake_t *in)
{
    int64_t now = clock_mono_ms();
    if (smap_count(in->inflight) == 0 || now - in->last_progress < in->retry_ms) return;
    log_warn("the router has not acknowledged for %lld ms; resending %zu referral(s)",
             (long long)(now - in->last_progress), smap_count(in->inflight));
    s_open_back(in);
    smap_destroy(&in->inflight);
    in->inflight = smap_new();
    in->cursor = 0;
    in->last_progress = now;
    in->retry_ms *= 2;
    if (in->retry_ms > in->ic->retry_max_ms) in->retry_ms = in->ic->retry_max_ms;
}

/* --- tokens ------------------------------------------------------------- */

static int s_prune_tokens(MDB_txn *txn, void *arg)
{
    s_intake_t *in = arg;
    MDB_cursor *cur;
    MDB_val k, v;
    int64_t cutoff = clock_now_ms() - S_TOKEN_KEEP_MS;
    int rc, n = 0;
    if ((rc = mdb_cursor_open(txn, store_dbi(in->store, S_DB_TOKENS), &cur)) != 0) return rc;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && n < 100000) {
        Carerhub__TokenEntry *t = carerhub__token_entry__unpack(NULL, v.mv_size, v.mv_data);
        bool old = !t || t->at < cutoff;
        if (t) carerhub__token_entry__free_unpacked(t, NULL);
        if (old && (rc = mdb_cursor_del(cur, 0)) != 0) break;
        n++;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* --- life cycle ----------------------------------------------------------- */

static route_t *s_load_routing(const hubconf_t *conf)
{
    diag_t d = DIAG_INIT;
    route_t *rt = route_load(conf->routing, &d);
    for (size_t i = 0; i < d.n; i++)
        log_error("%s", d.msgs[i]);
    diag_free(&d);
    return rt;
}

static void s_open_pcdb(s_intake_t *in)
{
    char *dir = hubconf_data_path(in->conf, "postcodes");
    pcdb_close(&in->pcdb);
    in->pcdb = pcdb_open(dir, false);
    free(dir);
}

static void s_reload(s_intake_t *in)
{
    hubconf_t *c = daemon_reload_conf(&in->args, in->conf);
    const hubconf_intake_t *ic;
    route_t *rt;
    if (!c) return;
    rt = s_load_routing(c);
    if (!rt) {
        log_error("reload: routing has problems; keeping the current configuration");
        hubconf_destroy(&c);
        return;
    }
    ic = (const hubconf_intake_t *)((const char *)c + in->kind->conf_offset);
    if (strcmp(ic->endpoint, in->ic->endpoint) != 0 ||
        strcmp(c->router.intake_endpoint, in->conf->router.intake_endpoint) != 0)
        log_warn("reload: endpoints change only on restart");
    route_destroy(&in->rt);
    hubconf_destroy(&in->conf);
    in->rt = rt;
    in->conf = c;
    in->ic = ic;
    s_open_pcdb(in);
    log_info("configuration reloaded");
}

int intake_main(int argc, char **argv, const intake_kind_t *kind)
{
    s_intake_t in;
    s_batch_t batch;
    store_opts_t so = {.dbs = s_dbs};
    s_meta_t meta;
    char *dir;
    int err, rc;

    memset(&in, 0, sizeof in);
    in.kind = kind;
    daemon_parse_args(argc, argv, kind->program, "", NULL, NULL, NULL, &in.args);
    in.conf = daemon_load_conf(&in.args);
    in.ic = (const hubconf_intake_t *)((const char *)in.conf + kind->conf_offset);
    in.rt = s_load_routing(in.conf);
    if (!in.rt) return 78;
    if (in.args.check_only) {
        printf("configuration OK\n");
        route_destroy(&in.rt);
        hubconf_destroy(&in.conf);
        return 0;
    }
    daemon_signals();
    dir = hubconf_data_path(in.conf, kind->dir);
    if (file_private_dir(dir) < 0) log_fatal("cannot create %s", dir);
    daemon_lock(dir);
    in.store = store_open(dir, &so, &err);
    if (!in.store)
        log_fatalx("cannot open the spool in %s: %s", dir,
                   err > 0 ? strerror(err) : mdb_strerror(err));
    memset(&meta, 0, sizeof meta);
    meta.in = &in;
    if ((rc = store_write(in.store, s_meta_init, &meta)) != 0)
        log_fatalx("cannot read the spool in %s: %s", dir,
                   rc > 0 ? strerror(rc) : mdb_strerror(rc));
    memcpy(in.epoch, meta.epoch, sizeof in.epoch);
    in.next_seq = meta.seq;
    s_open_pcdb(&in);
    {
        MDB_txn *txn;
        MDB_stat st;
        if (store_read(in.store, &txn) == 0) {
            if (mdb_stat(txn, store_dbi(in.store, S_DB_SPOOL), &st) == 0 && st.ms_entries)
                log_info("recovering: %zu referral(s) in the spool to forward",
                         (size_t)st.ms_entries);
            mdb_txn_abort(txn);
        }
    }
    in.inflight = smap_new();
    in.retry_ms = in.ic->retry_ms;
    in.last_progress = clock_mono_ms();
    s_open_back(&in);
    in.front = daemon_socket(ZMQ_ROUTER);
    {
        /* A ROUTER socket drops what it cannot queue: leave room for the
         * answers to a whole window of pipelined submissions. */
        int hwm = 100000;
        zmq_setsockopt(in.front, ZMQ_SNDHWM, &hwm, sizeof hwm);
    }
    daemon_bind(in.front, in.ic->endpoint);
    log_info("taking %s referrals on %s; spool %s (ids %s-%s-N)",
             referral_source_name(kind->source), in.ic->endpoint, dir, kind->id_prefix, in.epoch);

    memset(&batch, 0, sizeof batch);
    batch.in = &in;
    batch.tokens = smap_new();
    while (!daemon_stopping()) {
        zmq_pollitem_t items[2] = {{in.front, 0, ZMQ_POLLIN, 0}, {in.back, 0, ZMQ_POLLIN, 0}};
        int64_t now;
        if (daemon_take_reload()) s_reload(&in);
        if (zmq_poll(items, 2, 100) < 0 && zmq_errno() != EINTR)
            log_fatalx("poll: %s", zmq_strerror(zmq_errno()));
        s_drain_back(&in);
        s_drain_front(&in, &batch);
        s_commit(&in, &batch);
        s_forward(&in);
        s_check_retry(&in);
        now = clock_mono_ms();
        if (now >= in.next_prune) {
            if ((rc = store_write(in.store, s_prune_tokens, &in)) != 0)
                log_warn("cannot prune old tokens: %s", mdb_strerror(rc));
            in.next_prune = now + 3600 * 1000;
        }
    }
    /* Stopping: answer what was taken, keep the rest for next time. */
    s_drain_back(&in);
    s_commit(&in, &batch);
    log_info("stopping: %lu accepted, %lu rejected, %lu unavailable, %lu acknowledged by the "
             "router, %zu in flight (kept in the spool)",
             in.accepted, in.rejected, in.unavailable, in.acked, smap_count(in.inflight));
    smap_destroy(&batch.tokens);
    free(batch.items);
    smap_destroy(&in.inflight);
    zmq_close(in.front);
    zmq_close(in.back);
    daemon_zmq_term();
    store_close(&in.store);
    pcdb_close(&in.pcdb);
    route_destroy(&in.rt);
    hubconf_destroy(&in.conf);
    free(dir);
    return 0;
}
