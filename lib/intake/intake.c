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
#include "daemon/secure.h"
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
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zmq.h>

#define S_FORWARD_MAX_REFS  WIRE_FORWARD_MAX
#define S_FORWARD_MAX_BYTES (2u << 20)
#define S_TOKEN_MAX         128
#define S_TOKEN_KEEP_MS     (7LL * 24 * 3600 * 1000)
#define S_DIGEST            16

const intake_kind_t intake_gp = {"gp-intake", CARERHUB__SOURCE__GP, offsetof(hubconf_t, gp_intake),
                                 NULL};
const intake_kind_t intake_discharge = {"discharge-intake", CARERHUB__SOURCE__DISCHARGE,
                                        offsetof(hubconf_t, discharge_intake), NULL};
const intake_kind_t intake_school = {
    "school-intake", CARERHUB__SOURCE__SCHOOL, offsetof(hubconf_t, school_intake),
    "carerhub does not handle safeguarding concerns: if you have one about this pupil, "
    "follow your school's safeguarding procedure now"};

const intake_kind_t *intake_kind_of_id(const char *id)
{
    const intake_kind_t *all[] = {&intake_gp, &intake_discharge, &intake_school};
    for (size_t i = 0; i < 3; i++)
        if (referral_id_of_source(id, all[i]->source))
            return all[i];
    return NULL;
}

enum { S_DB_SPOOL, S_DB_TOKENS, S_DB_META, S_DB_AUDIT };
static const char *const s_dbs[] = {"spool", "tokens", "meta", "audit", NULL};

typedef struct {
    const intake_kind_t *kind;
    daemon_args_t args;
    hubconf_t *conf;
    const hubconf_intake_t *ic;
    route_t *rt;
    pcdb_t *pcdb;
    store_t *store;
    secure_t *sec;
    void *front, *back;
    char epoch[8];
    uint64_t next_seq;
    uint64_t next_audit;   /* last audit record numbered */
    uint64_t audit_cursor; /* the next audit record to send */
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
    if (getrandom(r, sizeof r, 0) != sizeof r)
        log_fatal("cannot read random bytes");
    for (int i = 0; i < 6; i++)
        out[i] = alphabet[r[i] & 31];
    out[6] = '\0';
}

typedef struct {
    s_intake_t *in;
    char epoch[8];
    uint64_t seq, audit;
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
    m->seq = rc == 0 && v.mv_size == 8 ? s_unkey(&v) : 0;
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    k = store_val("audit");
    rc = mdb_get(txn, dbi, &k, &v);
    m->audit = rc == 0 && v.mv_size == 8 ? s_unkey(&v) : 0;
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
    uint8_t digest[S_DIGEST];
    char tkey[S_TOKEN_MAX + 100]; /* "" without a token */
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
        if (it->same_as >= 0)
            continue;
        e.referral = req->referral;
        e.token = req->token;
        v.mv_size = carerhub__spool_entry__get_packed_size(&e);
        buf = xmalloc(v.mv_size);
        carerhub__spool_entry__pack(&e, buf);
        v.mv_data = buf;
        s_key(it->seq, key);
        rc = mdb_put(txn, store_dbi(in->store, S_DB_SPOOL), &k, &v, MDB_APPEND);
        free(buf);
        if (rc == MDB_KEYEXIST)
            rc = mdb_put(txn, store_dbi(in->store, S_DB_SPOOL), &k, &v, 0);
        if (rc)
            return rc;
        if (it->tkey[0]) {
            Carerhub__TokenEntry t = CARERHUB__TOKEN_ENTRY__INIT;
            uint8_t tbuf[128];
            MDB_val tk = store_val(it->tkey), tv;
            t.referral_id = it->id;
            t.has_at = true;
            t.at = now;
            t.has_digest = true;
            t.digest.len = S_DIGEST;
            t.digest.data = it->digest;
            tv.mv_size = carerhub__token_entry__pack(&t, tbuf);
            tv.mv_data = tbuf;
            if ((rc = mdb_put(txn, store_dbi(in->store, S_DB_TOKENS), &tk, &tv, 0)) != 0)
                return rc;
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
    if (b->n == 0)
        return;
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

/* --- submissions ----------------------------------------------------------- */

/* A token is the submitter's own: two practices that happen to choose the
 * same token never see each other's referrals. Keys of the token table and
 * of a batch's token map are "<participant id>\n<token>". */
static void s_token_key(const participant_t *who, const char *token, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s\n%s", who->id, token);
}

/* What a resend must repeat: a digest of the referral as checked. */
static void s_digest(const Carerhub__Referral *r, uint8_t out[S_DIGEST])
{
    size_t n = carerhub__referral__get_packed_size(r);
    uint8_t *buf = xmalloc(n ? n : 1);
    carerhub__referral__pack(r, buf);
    crypto_generichash(out, S_DIGEST, buf, n, NULL, 0);
    free(buf);
}

/* The id already given to a submitter's token, and the digest of what it
 * was given for, from the spool's token table. */
static bool s_token_known(s_intake_t *in, const char *tkey, char *id, size_t idsz,
                          uint8_t digest[S_DIGEST])
{
    MDB_txn *txn;
    MDB_val k = store_val(tkey), v;
    bool found = false;
    if (store_read(in->store, &txn) != 0)
        return false;
    if (mdb_get(txn, store_dbi(in->store, S_DB_TOKENS), &k, &v) == 0) {
        Carerhub__TokenEntry *t = carerhub__token_entry__unpack(NULL, v.mv_size, v.mv_data);
        if (t && t->referral_id) {
            snprintf(id, idsz, "%s", t->referral_id);
            memset(digest, 0, S_DIGEST);
            if (t->has_digest && t->digest.len == S_DIGEST)
                memcpy(digest, t->digest.data, S_DIGEST);
            found = true;
        }
        if (t)
            carerhub__token_entry__free_unpacked(t, NULL);
    }
    mdb_txn_abort(txn);
    return found;
}

static bool s_token_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > S_TOKEN_MAX)
        return false;
    for (; *t; t++)
        if (*t < 0x21 || *t > 0x7e)
            return false;
    return true;
}

/* "F81001", "F81001 or F81002", "F81001, F81002 or F81003", and past five
 * "F81001, F81002, F81003 and 4 others". */
static void s_scope_list(const participant_t *who, char *out, size_t outsz)
{
    size_t n = who->nscopes, shown = n > 5 ? 3 : n, len = 0;
    if (n == 0) {
        snprintf(out, outsz, "nobody");
        return;
    }
    out[0] = '\0';
    for (size_t i = 0; i < shown && len < outsz; i++) {
        const char *sep = i == 0 ? "" : (i + 1 == shown && shown == n) ? " or " : ", ";
        len += (size_t)snprintf(out + len, outsz - len, "%s%s", sep, who->scopes[i]);
    }
    if (shown < n && len < outsz)
        snprintf(out + len, outsz - len, " and %zu others", n - shown);
}

/* Checks a submission's referral against the source's rules and the key's
 * scope, adding every problem to errs. */
static void s_check(s_intake_t *in, const participant_t *who, const char *actor,
                    Carerhub__Referral *r, ferrs_t *errs)
{
    const char *field = referral_org_field(in->kind->source);
    referral_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.today = date_today();
    ctx.geo = route_geo(in->rt);
    if (in->pcdb) {
        ctx.unit = pcdb_lookup;
        ctx.unit_arg = in->pcdb;
    }
    referral_check_unknown(&r->base, "", errs);
    referral_check(r, in->kind->source, &ctx, errs);
    /* The key decides whose referrals these may be: a practice sends its
     * own cards, a trust its own discharges, a school its pupils. */
    if (!ferrs_has(errs, field) && !participant_in_scope(who, referral_org(r))) {
        const char *org = referral_org(r) ? referral_org(r) : "(none)";
        char why[200], scopes[200];
        s_scope_list(who, scopes, sizeof scopes);
        ferrs_add(errs, field, "forbidden",
                  "%s is not yours to refer for: your key (%s) may refer for %s only", org, who->id,
                  scopes);
        snprintf(why, sizeof why, "referral for %.60s refused: outside the scope of the key", org);
        secure_refused(in->sec, "refused-message", actor, NULL, why);
    }
}

/* Refuses a submission whose key may not submit here. */
static bool s_role_refused(s_intake_t *in, const participant_t *who, const char *actor,
                           const wire_peer_t *peer, const Carerhub__Envelope *env)
{
    role_t want = ROLE_GP;
    char why[200];
    if (referral_submitter_role(in->kind->source, &want) == 0 && who && who->role == want)
        return false;
    snprintf(why, sizeof why,
             "a %s key may not submit here: the %s intake takes referrals from %s keys only",
             who ? role_name(who->role) : "unlisted", referral_source_name(in->kind->source),
             role_name(want));
    secure_refused(in->sec, "refused-message", actor, NULL, why);
    in->bad++;
    s_reply_error(in, peer, env->corr, env->has_corr, "forbidden", why);
    return true;
}

static void s_reject(s_intake_t *in, const wire_peer_t *peer, Carerhub__Envelope *env,
                     ferrs_t *errs)
{
    in->rejected++;
    log_info("rejected a %s referral: %zu problem(s), first %s: %s",
             referral_source_name(in->kind->source), errs->n, errs->v[0].field, errs->v[0].code);
    s_reply_submit(in, peer, env->corr, env->has_corr, CARERHUB__SUBMIT_REPLY__STATUS__REJECTED,
                   NULL, errs);
    ferrs_free(errs);
    carerhub__envelope__free_unpacked(env, NULL);
}

static s_item_t *s_batch_add(s_batch_t *b, const wire_peer_t *peer, Carerhub__Envelope *env)
{
    s_item_t *it;
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

/* A resend of a token this submitter used before: the same answer if it
 * is the same referral, a refusal if the token now comes with another.
 * Returns true when the submission was answered or queued so. */
static bool s_resent(s_intake_t *in, s_batch_t *b, const wire_peer_t *peer, Carerhub__Envelope *env,
                     const char *tkey, const uint8_t digest[S_DIGEST])
{
    uint8_t before[S_DIGEST];
    char known[64];
    uint64_t item;
    ferrs_t errs = FERRS_INIT;
    if (smap_get(b->tokens, tkey, &item)) {
        if (memcmp(b->items[item].digest, digest, S_DIGEST) == 0) {
            /* Still in this batch: answered with it. */
            s_batch_add(b, peer, env)->same_as = (int)item;
            return true;
        }
    } else if (s_token_known(in, tkey, known, sizeof known, before)) {
        if (memcmp(before, digest, S_DIGEST) == 0) {
            s_reply_submit(in, peer, env->corr, env->has_corr,
                           CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED, known, NULL);
            carerhub__envelope__free_unpacked(env, NULL);
            return true;
        }
    } else {
        return false;
    }
    ferrs_add(&errs, "token", "reused",
              "this token was already used for a different referral: send each referral with "
              "a token of its own");
    s_reject(in, peer, env, &errs);
    return true;
}

/* Takes ownership of env. */
static void s_submit(s_intake_t *in, s_batch_t *b, const wire_peer_t *peer, Carerhub__Envelope *env)
{
    Carerhub__SubmitRequest *req = env->submit;
    Carerhub__Referral *r = req->referral;
    const participant_t *who = secure_peer(in->sec, peer);
    ferrs_t errs = FERRS_INIT;
    char day[DATE_STRLEN], actor[80], tkey[S_TOKEN_MAX + 100];
    uint8_t digest[S_DIGEST];
    s_item_t *it;

    secure_actor(in->sec, peer, actor, sizeof actor);
    if (s_role_refused(in, who, actor, peer, env)) {
        carerhub__envelope__free_unpacked(env, NULL);
        return;
    }
    if (req->token && !s_token_ok(req->token))
        ferrs_add(&errs, "token", "format", "must be 1-%d printable characters", S_TOKEN_MAX);
    if (!r)
        ferrs_add(&errs, "referral", "required", "the submission holds no referral");
    else
        s_check(in, who, actor, r, &errs);
    if (errs.n) {
        s_reject(in, peer, env, &errs);
        return;
    }
    /* The hub's own fields are set below; a resend is judged on the rest. */
    free(r->id);
    free(r->referral_date);
    free(r->submitted_by);
    r->id = r->referral_date = r->submitted_by = NULL;
    r->has_received_at = false;
    r->has_source = true;
    r->source = in->kind->source;
    s_digest(r, digest);
    if (req->token) {
        s_token_key(who, req->token, tkey, sizeof tkey);
        if (s_resent(in, b, peer, env, tkey, digest))
            return;
    }

    /* Stamp what the hub, not the submitter, decides. */
    r->has_received_at = true;
    r->received_at = clock_now_ms();
    date_format(date_of_ms(r->received_at), day);
    r->referral_date = xstrdup(day);
    r->submitted_by = xstrdup(who->id);

    it = s_batch_add(b, peer, env);
    memcpy(it->digest, digest, S_DIGEST);
    it->seq = ++in->next_seq;
    b->last_seq = it->seq;
    snprintf(it->id, sizeof it->id, "%s-%s-%llu", referral_id_prefix(in->kind->source), in->epoch,
             (unsigned long long)it->seq);
    r->id = xstrdup(it->id);
    if (req->token) {
        snprintf(it->tkey, sizeof it->tkey, "%s", tkey);
        smap_put(b->tokens, tkey, b->n - 1);
    }
}

static void s_status(s_intake_t *in, const wire_peer_t *peer, Carerhub__Envelope *env)
{
    Carerhub__Envelope out = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatusReply rep = CARERHUB__STATUS_REPLY__INIT;
    const char *id = env->status_query->referral_id;
    uint64_t seq = id && strlen(id) < 64 ? s_seq_of(in, id) : 0;
    Carerhub__SpoolEntry *e = NULL;
    const participant_t *who = secure_peer(in->sec, peer);
    char actor[80];
    MDB_txn *txn;

    secure_actor(in->sec, peer, actor, sizeof actor);
    if (!who || who->role != ROLE_OPERATOR) {
        secure_refused(in->sec, "refused-message", actor, NULL,
                       "status query refused: operators only");
        in->bad++;
        s_reply_error(in, peer, env->corr, env->has_corr, "forbidden",
                      "status queries need an operator key");
        return;
    }
    secure_audit(in->sec, "status", actor, id && strlen(id) < 64 ? id : NULL, NULL);

    rep.has_state = true;
    rep.state = CARERHUB__STATUS_REPLY__STATE__UNKNOWN;
    rep.referral_id = (char *)id;
    rep.where = (char *)in->kind->dir;
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
    if (e)
        carerhub__spool_entry__free_unpacked(e, NULL);
}

/* Reads what submitters sent, up to one batch. */
static void s_drain_front(s_intake_t *in, s_batch_t *b)
{
    bool first;
    while (b->n < (size_t)in->ic->batch) {
        wire_peer_t peer;
        Carerhub__Envelope *env = NULL;
        wire_status_t st = wire_recv(in->front, true, &peer, &env, ZMQ_DONTWAIT);
        if (st == WIRE_AGAIN || st == WIRE_FAILED)
            return;
        if (st != WIRE_OK) {
            in->bad++;
            secure_refuse(in->sec, &peer, in->kind->dir, wire_status_str(st));
            s_reply_error(in, &peer, 0, false, "bad_request", wire_status_str(st));
            continue;
        }
        if (!secure_admit(in->sec, &peer, &first)) {
            in->bad++;
            if (first)
                s_reply_error(in, &peer, env->corr, env->has_corr, "unavailable",
                              "too many connections with this key: close some and send again");
            carerhub__envelope__free_unpacked(env, NULL);
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
    if (in->back)
        zmq_close(in->back);
    in->back = daemon_socket(ZMQ_DEALER);
    secure_client(in->sec, in->back, in->conf, "router");
    /* Do not queue for a router that is not there: keep it in the spool. */
    zmq_setsockopt(in->back, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt(in->back, ZMQ_SNDHWM, &hwm, sizeof hwm);
    daemon_connect(in->back, in->conf->router.intake_endpoint);
}

/* Appends to msg (at *len) the records of db from *cursor on, as field
 * `field` of a Forward, while the limits allow; records what was taken in
 * keys (as "<prefix><id>"). Returns how many; *cursor moves past them. */
typedef struct {
    uint8_t *msg;
    size_t len, cap;
    char (*keys)[72];
    size_t n;
} s_out_t;

static size_t s_gather(s_intake_t *in, MDB_txn *txn, int db, uint32_t field, uint64_t *cursor,
                       size_t room, s_out_t *o)
{
    MDB_cursor *cur;
    uint8_t key[8];
    MDB_val k = {8, key}, v;
    size_t taken = 0;
    int rc;

    mdb_cursor_open(txn, store_dbi(in->store, (size_t)db), &cur);
    s_key(*cursor, key);
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && taken < room && o->len < S_FORWARD_MAX_BYTES) {
        uint64_t seq = s_unkey(&k);
        const uint8_t *ref, *id;
        size_t rlen, idlen;
        *cursor = seq + 1;
        if (db == S_DB_SPOOL) {
            /* A spool entry holds the Referral as field 1, which is byte for
             * byte field 1 of a Forward; the Referral's id is its field 1. */
            if (pbwire_find(v.mv_data, v.mv_size, 1, &ref, &rlen) == 0 &&
                pbwire_find(ref, rlen, 1, &id, &idlen) == 0 && idlen > 0 && idlen < 64) {
                o->msg = xgrow(o->msg, &o->cap, o->len + pbwire_ld_size(field, rlen), 1);
                o->len += pbwire_ld(o->msg + o->len, field, ref, rlen);
                memcpy(o->keys[o->n], id, idlen);
                o->keys[o->n++][idlen] = '\0';
                taken++;
            } else {
                /* Cannot happen unless the store is damaged: skip, loudly. */
                log_error("spool entry %llu is unreadable; skipping it", (unsigned long long)seq);
            }
        } else {
            o->msg = xgrow(o->msg, &o->cap, o->len + pbwire_ld_size(field, v.mv_size), 1);
            o->len += pbwire_ld(o->msg + o->len, field, v.mv_data, v.mv_size);
            snprintf(o->keys[o->n++], sizeof o->keys[0], "audit:%llu", (unsigned long long)seq);
            taken++;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return taken;
}

/* Forwards the spool (and the audit records waiting) from the cursors while
 * the window allows, each message holding referrals as they were encoded
 * when accepted. */
static void s_forward(s_intake_t *in)
{
    int64_t now = clock_mono_ms();
    s_out_t o = {NULL, 0, 0, xmalloc(2 * S_FORWARD_MAX_REFS * sizeof *o.keys), 0};

    for (;;) {
        size_t inflight = smap_count(in->inflight), window = (size_t)in->ic->forward_window;
        size_t room = inflight < window ? window - inflight : 0, got;
        uint64_t cursor = in->cursor, audit_cursor = in->audit_cursor;
        bool was_idle = inflight == 0;
        uint8_t head[16];
        size_t hn, off;
        MDB_txn *txn;

        if (room > S_FORWARD_MAX_REFS)
            room = S_FORWARD_MAX_REFS;
        if (room == 0 || store_read(in->store, &txn) != 0)
            break;
        o.len = 16; /* room for the envelope's own fields */
        o.n = 0;
        got = s_gather(in, txn, S_DB_SPOOL, 1, &cursor, room, &o);
        got += s_gather(in, txn, S_DB_AUDIT, 2, &audit_cursor, S_FORWARD_MAX_REFS, &o);
        mdb_txn_abort(txn);
        if (got == 0) {
            in->cursor = cursor; /* past unreadable entries, if any */
            break;
        }
        /* Envelope: version (field 1) and forward (field 12), in front of
         * the records gathered after the 16 bytes kept free. */
        hn = 0;
        head[hn++] = 0x08;
        head[hn++] = WIRE_VERSION;
        hn += pbwire_varint(head + hn, (uint64_t)12 << 3 | 2);
        hn += pbwire_varint(head + hn, o.len - 16);
        off = 16 - hn;
        memcpy(o.msg + off, head, hn);
        if (wire_send_raw(in->back, NULL, o.msg + off, o.len - off, ZMQ_DONTWAIT) < 0)
            break; /* no router connected (EAGAIN), or its queue is full: later */
        for (size_t i = 0; i < o.n; i++)
            smap_put(in->inflight, o.keys[i], (uint64_t)now);
        in->forwarded += o.n;
        in->cursor = cursor;
        in->audit_cursor = audit_cursor;
        if (was_idle)
            in->last_progress = now;
    }
    free(o.msg);
    free(o.keys);
}

typedef struct {
    s_intake_t *in;
    Carerhub__AuditRecord **recs;
    size_t n;
} s_audit_batch_t;

static int s_put_audit(MDB_txn *txn, void *arg)
{
    s_audit_batch_t *a = arg;
    s_intake_t *in = a->in;
    uint64_t seq = in->next_audit;
    uint8_t key[8];
    int rc;
    for (size_t i = 0; i < a->n; i++) {
        MDB_val k = {8, key}, v;
        uint8_t buf[2048];
        a->recs[i]->has_seq = true;
        a->recs[i]->seq = ++seq;
        free(a->recs[i]->recorded_by);
        a->recs[i]->recorded_by = xstrdup(referral_intake_program(in->kind->source));
        if (carerhub__audit_record__get_packed_size(a->recs[i]) > sizeof buf)
            continue; /* cannot happen: every field is short */
        v.mv_size = carerhub__audit_record__pack(a->recs[i], buf);
        v.mv_data = buf;
        s_key(seq, key);
        if ((rc = mdb_put(txn, store_dbi(in->store, S_DB_AUDIT), &k, &v, 0)) != 0)
            return rc;
    }
    {
        MDB_val k = store_val("audit"), v = {8, key};
        s_key(seq, key);
        return mdb_put(txn, store_dbi(in->store, S_DB_META), &k, &v, 0);
    }
}

/* Keeps the audit events of this pass in the spool, for the router. */
static void s_store_audit(s_intake_t *in)
{
    s_audit_batch_t a = {in, NULL, 0};
    int rc;
    a.n = secure_take(in->sec, &a.recs);
    if (a.n == 0)
        return;
    rc = store_write(in->store, s_put_audit, &a);
    if (rc == 0)
        in->next_audit += a.n;
    else
        log_error("cannot keep %zu audit record(s) for the router: %s", a.n,
                  rc > 0 ? strerror(rc) : mdb_strerror(rc));
    for (size_t i = 0; i < a.n; i++)
        carerhub__audit_record__free_unpacked(a.recs[i], NULL);
    free(a.recs);
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
        for (size_t j = 0; j < a->acks[i]->n_audit_seqs; j++) {
            uint8_t key[8];
            MDB_val k = {8, key};
            int rc;
            s_key(a->acks[i]->audit_seqs[j], key);
            rc = mdb_del(txn, store_dbi(a->in->store, S_DB_AUDIT), &k, NULL);
            if (rc && rc != MDB_NOTFOUND)
                return rc;
        }
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < a->acks[i]->n_referral_ids; j++) {
            uint64_t seq = s_seq_of(a->in, a->acks[i]->referral_ids[j]);
            uint8_t key[8];
            MDB_val k = {8, key};
            int rc;
            if (!seq)
                continue;
            s_key(seq, key);
            rc = mdb_del(txn, store_dbi(a->in->store, S_DB_SPOOL), &k, NULL);
            if (rc && rc != MDB_NOTFOUND)
                return rc;
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
        if (st == WIRE_AGAIN || st == WIRE_FAILED)
            break;
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
    if (a.n == 0)
        return;
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
        for (size_t j = 0; j < acks[i]->n_audit_seqs; j++) {
            char key[32];
            snprintf(key, sizeof key, "audit:%llu", (unsigned long long)acks[i]->audit_seqs[j]);
            smap_del(in->inflight, key);
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
    if (smap_count(in->inflight) == 0 || now - in->last_progress < in->retry_ms)
        return;
    log_warn("the router has not acknowledged for %lld ms; resending %zu referral(s)",
             (long long)(now - in->last_progress), smap_count(in->inflight));
    s_open_back(in);
    smap_destroy(&in->inflight);
    in->inflight = smap_new();
    in->cursor = 0;
    in->audit_cursor = 0;
    in->last_progress = now;
    in->retry_ms *= 2;
    if (in->retry_ms > in->ic->retry_max_ms)
        in->retry_ms = in->ic->retry_max_ms;
}

/* --- tokens ------------------------------------------------------------- */

static int s_prune_tokens(MDB_txn *txn, void *arg)
{
    s_intake_t *in = arg;
    MDB_cursor *cur;
    MDB_val k, v;
    int64_t cutoff = clock_now_ms() - S_TOKEN_KEEP_MS;
    int rc, n = 0;
    if ((rc = mdb_cursor_open(txn, store_dbi(in->store, S_DB_TOKENS), &cur)) != 0)
        return rc;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && n < 100000) {
        Carerhub__TokenEntry *t = carerhub__token_entry__unpack(NULL, v.mv_size, v.mv_data);
        bool old = !t || t->at < cutoff;
        if (t)
            carerhub__token_entry__free_unpacked(t, NULL);
        if (old && (rc = mdb_cursor_del(cur, 0)) != 0)
            break;
        n++;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* --- life cycle ----------------------------------------------------------- */

static void s_reload(s_intake_t *in)
{
    route_t *rt = NULL;
    hubconf_t *c = daemon_reload_routed(&in->args, in->conf, &rt);
    const hubconf_intake_t *ic;
    if (!c)
        return;
    ic = (const hubconf_intake_t *)((const char *)c + in->kind->conf_offset);
    if (strcmp(ic->endpoint, in->ic->endpoint) != 0 ||
        strcmp(c->router.intake_endpoint, in->conf->router.intake_endpoint) != 0)
        log_warn("reload: endpoints change only on restart");
    route_destroy(&in->rt);
    hubconf_destroy(&in->conf);
    in->rt = rt;
    in->conf = c;
    in->ic = ic;
    daemon_open_pcdb(in->conf, &in->pcdb);
    secure_reload(in->sec, c);
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
    daemon_parse_args(argc, argv, referral_intake_program(kind->source), "", NULL, NULL, NULL,
                      &in.args);
    in.conf = daemon_load_conf(&in.args);
    in.ic = (const hubconf_intake_t *)((const char *)in.conf + kind->conf_offset);
    in.rt = daemon_load_routing(in.conf);
    if (!in.rt)
        return 78;
    if (in.args.check_only) {
        printf("configuration OK\n");
        route_destroy(&in.rt);
        hubconf_destroy(&in.conf);
        return 0;
    }
    daemon_signals();
    dir = hubconf_data_path(in.conf, kind->dir);
    if (file_private_dir(dir) < 0)
        log_fatal("cannot create %s", dir);
    daemon_lock(dir);
    so.map_size = (size_t)in.conf->store_map_mb << 20;
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
    in.next_audit = meta.audit;
    in.sec = secure_start(in.conf, kind->dir);
    daemon_open_pcdb(in.conf, &in.pcdb);
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
        /* Answers a submitter has not read yet, per connection. A ROUTER
         * socket drops what it cannot queue, and a submitter that resends
         * gets the same answer, so this bounds memory and loses nothing:
         * room for a whole window of pipelined submissions (the CLI keeps
         * 256 in flight, the benchmark 4000), and no more. */
        int hwm = 8192;
        zmq_setsockopt(in.front, ZMQ_SNDHWM, &hwm, sizeof hwm);
    }
    secure_server(in.sec, in.front, kind->dir);
    daemon_bind(in.front, in.ic->endpoint);
    log_info("taking %s referrals on %s; spool %s (ids %s-%s-N)",
             referral_source_name(kind->source), in.ic->endpoint, dir,
             referral_id_prefix(kind->source), in.epoch);

    memset(&batch, 0, sizeof batch);
    batch.in = &in;
    batch.tokens = smap_new();
    while (!daemon_stopping()) {
        zmq_pollitem_t items[8] = {{in.front, 0, ZMQ_POLLIN, 0}, {in.back, 0, ZMQ_POLLIN, 0}};
        size_t nitems = 2 + secure_items(in.sec, items + 2, 6);
        int64_t now;
        if (daemon_take_reload())
            s_reload(&in);
        if (zmq_poll(items, (int)nitems, 100) < 0 && zmq_errno() != EINTR)
            log_fatalx("poll: %s", zmq_strerror(zmq_errno()));
        secure_handle(in.sec);
        s_drain_back(&in);
        s_drain_front(&in, &batch);
        s_commit(&in, &batch);
        s_store_audit(&in);
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
    s_store_audit(&in);
    log_info("stopping: %lu accepted, %lu rejected, %lu unavailable, %lu acknowledged by the "
             "router, %zu in flight (kept in the spool)",
             in.accepted, in.rejected, in.unavailable, in.acked, smap_count(in.inflight));
    smap_destroy(&batch.tokens);
    free(batch.items);
    smap_destroy(&in.inflight);
    zmq_close(in.front);
    zmq_close(in.back);
    secure_stop(&in.sec);
    daemon_zmq_term();
    store_close(&in.store);
    pcdb_close(&in.pcdb);
    route_destroy(&in.rt);
    hubconf_destroy(&in.conf);
    free(dir);
    return 0;
}
