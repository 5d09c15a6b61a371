/*
 * Judging a submission: see intake_impl.h. The key decides what may be
 * submitted here and for whom; the referral is checked against the rules of
 * its source; a token makes a resend harmless, for its own submitter only;
 * and so does sending the same referral again, with any token or none,
 * within referrals.resend_window_days: it is answered with the id it was
 * given, and nothing new is spooled. A gateway's submission is judged for
 * the user it names (secure_acting): the user's organisation is the scope,
 * and the user is the submitter. At the self intake the submitter is the
 * public, as the gateway says (secure_acting_public): a carer's own
 * referral names no organisation, so no scope applies, and the same
 * referral sent twice from the public form is still one referral.
 */
#include "intake/intake_impl.h"

#include "domain/referral.h"
#include "store.pb-c.h"
#include "util/be64.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A token is the submitter's own: two practices that happen to choose the
 * same token never see each other's referrals. Keys of the token table and
 * of a batch's token map are "<participant id>\n<token>". */
static void s_token_key(const participant_t *who, const char *token, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s\n%s", who->id, token);
}

/* A referral sent again is the submitter's own too: the same card from two
 * practices is two referrals. Keys of the resends table and of a batch's
 * resend map are "<participant id>\n<digest in hex>". */
static void s_resend_key(const participant_t *who, const uint8_t digest[INTAKE_DIGEST], char *out,
                         size_t outsz)
{
    char hex[2 * INTAKE_DIGEST + 1];
    sodium_bin2hex(hex, sizeof hex, digest, INTAKE_DIGEST);
    snprintf(out, outsz, "%s\n%s", who->id, hex);
}

/* What a resend must repeat: a digest of the referral as checked. */
static void s_digest(const Carerhub__Referral *r, uint8_t out[INTAKE_DIGEST])
{
    size_t n = carerhub__referral__get_packed_size(r);
    uint8_t *buf = xmalloc(n ? n : 1);
    carerhub__referral__pack(r, buf);
    crypto_generichash(out, INTAKE_DIGEST, buf, n, NULL, 0);
    free(buf);
}

/* The id already given to a submitter's token, and the digest of what it
 * was given for, from the spool's token table. */
static bool s_token_known(intake_t *in, const char *tkey, char *id, size_t idsz,
                          uint8_t digest[INTAKE_DIGEST])
{
    MDB_txn *txn;
    MDB_val k = store_val(tkey), v;
    bool found = false;
    if (store_read(in->store, &txn) != 0)
        return false;
    if (mdb_get(txn, store_dbi(in->store, INTAKE_DB_TOKENS), &k, &v) == 0) {
        Carerhub__TokenEntry *t = carerhub__token_entry__unpack(NULL, v.mv_size, v.mv_data);
        if (t && t->referral_id) {
            snprintf(id, idsz, "%s", t->referral_id);
            memset(digest, 0, INTAKE_DIGEST);
            if (t->has_digest && t->digest.len == INTAKE_DIGEST)
                memcpy(digest, t->digest.data, INTAKE_DIGEST);
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
    if (n == 0 || n > INTAKE_TOKEN_MAX)
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

/* The unit table as it is now: one imported while the intake runs is
 * used from the next submission, as the router and `carerhub route` do,
 * so that a postcode route accepts is one the intake accepts. */
static void s_follow_units(intake_t *in)
{
    char *dir = hubconf_data_path(in->conf, "postcodes");
    if (pcdb_follow(&in->pcdb, dir))
        log_info("postcode unit table %s: %s", dir,
                 in->pcdb ? "opened, as imported" : "no longer there; checking by districts");
    free(dir);
}

/* Checks a submission's referral against the source's rules and the key's
 * scope, adding every problem to errs. */
static void s_check(intake_t *in, const participant_t *who, const char *actor,
                    Carerhub__Referral *r, ferrs_t *errs)
{
    const char *field;
    referral_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.today = date_today();
    ctx.geo = route_geo(in->rt);
    ctx.test_nhs_numbers = in->conf->referrals.test_nhs_numbers;
    s_follow_units(in);
    if (in->pcdb) {
        ctx.unit = pcdb_lookup;
        ctx.unit_arg = in->pcdb;
    }
    referral_check_unknown(&r->base, "", errs);
    referral_check(r, in->kind->source, &ctx, errs);
    /* A professional's organisation with no ODS code is named by its name. */
    field = referral_org_field_of(r, in->kind->source);
    /* The key decides whose referrals these may be: a practice sends its
     * own cards, a trust its own discharges, a school its pupils. A
     * carer's own referral is for no organisation. */
    if (field && !ferrs_has(errs, field) && !participant_in_scope(who, referral_org(r))) {
        const char *org = referral_org(r) ? referral_org(r) : "(none)";
        char why[200], scopes[200];
        s_scope_list(who, scopes, sizeof scopes);
        ferrs_add(errs, field, "forbidden",
                  "%s is not yours to refer for: your key (%s) may refer for %s only", org, actor,
                  scopes);
        snprintf(why, sizeof why, "referral for %.60s refused: outside the scope of the key", org);
        secure_refused(in->sec, "refused-message", actor, NULL, why);
    }
}

/* "a" or "an", for a word such as a role's name. */
static const char *s_a(const char *word)
{
    return word && word[0] && strchr("aeiou", word[0]) ? "an" : "a";
}

/* Why the self intake refuses who: it takes the public's referrals from a
 * gateway, and nobody else's. */
static void s_self_refusal(const participant_t *who, const Carerhub__Envelope *env, char *why,
                           size_t whysz)
{
    static const char takes[] =
        "the self intake takes a carer's own referrals only, from the web front door's "
        "public form (a gateway key, OnBehalf role self)";
    if (who && who->role == ROLE_GATEWAY)
        snprintf(why, whysz, "a gateway key submits here only for the public: %s", takes);
    else if (who && env->on_behalf)
        snprintf(why, whysz, "%s %s user of a gateway may not submit here: %s",
                 s_a(role_name(who->role)), role_name(who->role), takes);
    else
        snprintf(why, whysz, "%s %s key may not submit here: %s",
                 s_a(who ? role_name(who->role) : "unlisted"),
                 who ? role_name(who->role) : "unlisted", takes);
}

/* Refuses a submission whose key may not submit here. */
static bool s_role_refused(intake_t *in, const participant_t *who, const char *actor,
                           const wire_peer_t *peer, const Carerhub__Envelope *env)
{
    role_t want = ROLE_GP;
    char why[240];
    if (referral_submitter_role(in->kind->source, &want) == 0 && who && who->role == want)
        return false;
    if (in->kind->source == CARERHUB__SOURCE__SELF)
        s_self_refusal(who, env, why, sizeof why);
    else if (who && who->role == ROLE_GATEWAY)
        snprintf(why, sizeof why,
                 "a gateway key submits only for a user logged in to it (OnBehalf): the %s intake "
                 "takes referrals from %s keys and %s users only",
                 referral_source_name(in->kind->source), role_name(want), role_name(want));
    else
        snprintf(why, sizeof why,
                 "%s %s key may not submit here: the %s intake takes referrals from %s keys only",
                 s_a(who ? role_name(who->role) : "unlisted"),
                 who ? role_name(who->role) : "unlisted", referral_source_name(in->kind->source),
                 role_name(want));
    secure_refused(in->sec, "refused-message", actor, NULL, why);
    in->bad++;
    intake_reply_error(in, peer, env->corr, env->has_corr, "forbidden", why);
    return true;
}

static void s_reject(intake_t *in, const wire_peer_t *peer, Carerhub__Envelope *env, ferrs_t *errs)
{
    in->rejected++;
    log_info("rejected a %s referral: %zu problem(s), first %s: %s",
             referral_source_name(in->kind->source), errs->n, errs->v[0].field, errs->v[0].code);
    intake_reply_submit(in, peer, env->corr, env->has_corr,
                        CARERHUB__SUBMIT_REPLY__STATUS__REJECTED, NULL, errs);
    ferrs_free(errs);
    carerhub__envelope__free_unpacked(env, NULL);
}

/* A resend of a token this submitter used before: the same answer if it
 * is the same referral, a refusal if the token now comes with another.
 * Returns true when the submission was answered or queued so. */
static bool s_resent(intake_t *in, intake_batch_t *b, const wire_peer_t *peer,
                     Carerhub__Envelope *env, const char *tkey, const uint8_t digest[INTAKE_DIGEST])
{
    uint8_t before[INTAKE_DIGEST];
    char known[64];
    uint64_t item;
    ferrs_t errs = FERRS_INIT;
    if (smap_get(b->tokens, tkey, &item)) {
        if (memcmp(b->items[item].digest, digest, INTAKE_DIGEST) == 0) {
            /* Still in this batch: answered with it. */
            intake_batch_add(b, peer, env)->same_as = (int)item;
            return true;
        }
    } else if (s_token_known(in, tkey, known, sizeof known, before)) {
        if (memcmp(before, digest, INTAKE_DIGEST) == 0) {
            intake_reply_submit(in, peer, env->corr, env->has_corr,
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

/* The id of a referral this submitter's key sent before, and when it was
 * accepted, from the spool's resends table: only if within the window. */
static bool s_resend_known(intake_t *in, const char *rkey, char *id, size_t idsz, int64_t *at)
{
    int64_t cutoff = clock_now_ms() - in->conf->referrals.resend_window_days * INTAKE_DAY_MS;
    MDB_txn *txn;
    MDB_val k = store_val(rkey), v;
    bool found = false;
    if (store_read(in->store, &txn) != 0)
        return false;
    if (mdb_get(txn, store_dbi(in->store, INTAKE_DB_RESENDS), &k, &v) == 0) {
        Carerhub__TokenEntry *t = carerhub__token_entry__unpack(NULL, v.mv_size, v.mv_data);
        if (t && t->referral_id && t->has_at && t->at >= cutoff) {
            snprintf(id, idsz, "%s", t->referral_id);
            *at = t->at;
            found = true;
        }
        if (t)
            carerhub__token_entry__free_unpacked(t, NULL);
    }
    mdb_txn_abort(txn);
    return found;
}

/* The same referral again from the same submitter, under another token or
 * none: answered with the first one's id, from the batch it is in or from
 * the resends table. Returns true when the submission was answered or
 * queued so; else rkey is its resend key ("" when resends are not
 * recognised). */
static bool s_again(intake_t *in, intake_batch_t *b, const wire_peer_t *peer,
                    Carerhub__Envelope *env, const participant_t *who,
                    const uint8_t digest[INTAKE_DIGEST], char rkey[INTAKE_RESEND_KEY])
{
    char known[64];
    uint64_t item;
    int64_t at;
    rkey[0] = '\0';
    if (in->conf->referrals.resend_window_days <= 0)
        return false;
    s_resend_key(who, digest, rkey, INTAKE_RESEND_KEY);
    if (smap_get(b->resends, rkey, &item)) {
        intake_item_t *it = intake_batch_add(b, peer, env);
        it->same_as = (int)item;
        it->again = true;
        return true;
    }
    if (!s_resend_known(in, rkey, known, sizeof known, &at))
        return false;
    in->resent++;
    log_info("resend of %s from %s recognised: answered with its id, nothing spooled", known,
             who->id);
    intake_reply_resend(in, peer, env->corr, env->has_corr, known, at);
    carerhub__envelope__free_unpacked(env, NULL);
    return true;
}

const participant_t *intake_acting(intake_t *in, const wire_peer_t *peer,
                                   const Carerhub__Envelope *env, secure_acting_t *as, char *actor,
                                   size_t actorsz)
{
    char why[200], msg[240];
    /* The public submits carers' own referrals, and does nothing else. */
    bool public_ok = in->kind->source == CARERHUB__SOURCE__SELF &&
                     env->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT;
    const participant_t *who = public_ok
                                   ? secure_acting_public(in->sec, peer, env, as, why, sizeof why)
                                   : secure_acting(in->sec, peer, env, as, why, sizeof why);
    secure_actor(in->sec, peer, actor, actorsz);
    if (who) {
        secure_acting_name(who, actor, actorsz);
        return who;
    }
    if (!env->on_behalf)
        return NULL; /* an unlisted key: the caller's role check refuses it */
    snprintf(msg, sizeof msg, "request refused: %s", why);
    secure_refused(in->sec, "refused-message", actor, NULL, msg);
    in->bad++;
    intake_reply_error(in, peer, env->corr, env->has_corr, "forbidden", why);
    return NULL;
}

/* Takes ownership of env. */
void intake_submit(intake_t *in, intake_batch_t *b, const wire_peer_t *peer,
                   Carerhub__Envelope *env)
{
    Carerhub__SubmitRequest *req = env->submit;
    Carerhub__Referral *r = req->referral;
    secure_acting_t as;
    const participant_t *who;
    ferrs_t errs = FERRS_INIT;
    char day[DATE_STRLEN], actor[INTAKE_ACTOR_MAX], tkey[INTAKE_TOKEN_KEY];
    char rkey[INTAKE_RESEND_KEY];
    uint8_t digest[INTAKE_DIGEST];
    intake_item_t *it;

    who = intake_acting(in, peer, env, &as, actor, sizeof actor);
    if (!who && env->on_behalf) {
        carerhub__envelope__free_unpacked(env, NULL);
        return;
    }
    if (s_role_refused(in, who, actor, peer, env)) {
        carerhub__envelope__free_unpacked(env, NULL);
        return;
    }
    if (req->token && !s_token_ok(req->token))
        ferrs_add(&errs, "token", "format", "must be 1-%d printable characters", INTAKE_TOKEN_MAX);
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
    if (s_again(in, b, peer, env, who, digest, rkey))
        return;

    /* Stamp what the hub, not the submitter, decides. */
    r->has_received_at = true;
    r->received_at = clock_now_ms();
    date_format(date_of_ms(r->received_at), day);
    r->referral_date = xstrdup(day);
    r->submitted_by = xstrdup(who->id);

    it = intake_batch_add(b, peer, env);
    memcpy(it->digest, digest, INTAKE_DIGEST);
    it->seq = ++in->next_seq;
    b->last_seq = it->seq;
    snprintf(it->id, sizeof it->id, "%s-%s-%llu", referral_id_prefix(in->kind->source), in->epoch,
             (unsigned long long)it->seq);
    r->id = xstrdup(it->id);
    if (env->on_behalf)
        snprintf(it->by, sizeof it->by, "%s", actor);
    if (req->token) {
        snprintf(it->tkey, sizeof it->tkey, "%s", tkey);
        smap_put(b->tokens, tkey, b->n - 1);
    }
    if (rkey[0]) {
        snprintf(it->rkey, sizeof it->rkey, "%s", rkey);
        smap_put(b->resends, rkey, b->n - 1);
    }
}

/* --- pruning ------------------------------------------------------------- */

typedef struct {
    intake_t *in;
    size_t db;
    int64_t cutoff; /* entries from before this go */
} s_prune_t;

static int s_prune_one(MDB_txn *txn, const s_prune_t *p)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc, n = 0;
    if ((rc = mdb_cursor_open(txn, store_dbi(p->in->store, p->db), &cur)) != 0)
        return rc;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && n < 100000) {
        Carerhub__TokenEntry *t = carerhub__token_entry__unpack(NULL, v.mv_size, v.mv_data);
        bool old = !t || t->at < p->cutoff;
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

static int s_prune(MDB_txn *txn, void *arg)
{
    const s_prune_t *p = arg;
    int rc = 0;
    for (size_t i = 0; i < 2 && rc == 0; i++)
        rc = s_prune_one(txn, &p[i]);
    return rc;
}

void intake_prune(intake_t *in)
{
    int64_t now = clock_now_ms();
    /* At 0 days nothing is recognised, so nothing need be kept. */
    s_prune_t p[2] = {
        {in, INTAKE_DB_TOKENS, now - INTAKE_TOKEN_KEEP_MS},
        {in, INTAKE_DB_RESENDS, now - in->conf->referrals.resend_window_days * INTAKE_DAY_MS},
    };
    int rc = store_write(in->store, s_prune, p);
    if (rc != 0)
        log_warn("cannot prune old tokens and resends: %s", store_strerror(rc));
}
