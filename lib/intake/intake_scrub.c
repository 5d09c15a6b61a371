/*
 * Rewriting the spool (store_scrub): a referral the router has taken is
 * deleted from the spool, but LMDB keeps its bytes in the freed pages,
 * and in the free space of pages written since, until they happen to be
 * reused. So the spool is rewritten record by record at start, every
 * referrals.spool_scrub_minutes when anything was deleted since the last
 * rewrite, and when an operator asks (carerhub erase does, after erasing a
 * carer's data at the router). While another process has the spool open
 * (a backup) it cannot be: it is tried again a little later. See
 * intake_impl.h.
 */
#include "intake/intake_impl.h"

#include "store.pb-c.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define S_RETRY_MS 10000 /* after a rewrite that could not be done */

/* Rewrites the spool now. Returns 0 with the sizes, or the error (said in
 * the log once until a rewrite succeeds), the spool to be tried again
 * soon. */
static int s_scrub(intake_t *in, uint64_t *before, uint64_t *after)
{
    int64_t now = clock_mono_ms();
    int rc;
    intake_delete_acked(in, true); /* what the router has taken goes first */
    rc = store_scrub(in->store, before, after);
    if (rc == 0) {
        in->scrub_dirty = in->scrub_said = false;
        in->next_scrub = now + in->conf->referrals.spool_scrub_minutes * 60 * 1000;
        log_info("spool rewritten: %llu bytes (was %llu); nothing passed on remains in it",
                 (unsigned long long)*after, (unsigned long long)*before);
        return 0;
    }
    in->scrub_dirty = true;
    in->next_scrub = now + S_RETRY_MS;
    if (!in->scrub_said)
        log_warn("cannot rewrite the spool now: %s; trying again every %d s",
                 rc == EBUSY ? "another process (a backup?) has it open" : store_strerror(rc),
                 S_RETRY_MS / 1000);
    in->scrub_said = true;
    return rc;
}

void intake_scrub_start(intake_t *in)
{
    uint64_t before, after;
    s_scrub(in, &before, &after);
}

void intake_scrub_step(intake_t *in)
{
    uint64_t before, after;
    int64_t now = clock_mono_ms();
    if (now < in->next_scrub)
        return;
    if (in->scrub_dirty)
        s_scrub(in, &before, &after);
    else
        in->next_scrub = now + in->conf->referrals.spool_scrub_minutes * 60 * 1000;
}

typedef struct {
    intake_t *in;
    const Carerhub__ScrubRequest *q;
    uint32_t forgotten;
} s_forget_t;

static bool s_listed(const Carerhub__ScrubRequest *q, const char *id)
{
    for (size_t i = 0; id && i < q->n_forget_referral_ids; i++)
        if (q->forget_referral_ids[i] && strcmp(q->forget_referral_ids[i], id) == 0)
            return true;
    return false;
}

/* Takes out of the resends table every entry naming one of the erased
 * referrals (the table holds a window of days: a walk is cheap). */
static int s_forget(MDB_txn *txn, void *arg)
{
    s_forget_t *f = arg;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, store_dbi(f->in->store, INTAKE_DB_RESENDS), &cur), get;
    f->forgotten = 0;
    if (rc != 0)
        return rc;
    for (get = mdb_cursor_get(cur, &k, &v, MDB_FIRST); get == 0 && rc == 0;
         get = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__TokenEntry *e = carerhub__token_entry__unpack(NULL, v.mv_size, v.mv_data);
        bool drop = e && s_listed(f->q, e->referral_id);
        carerhub__token_entry__free_unpacked(e, NULL);
        if (drop && (rc = mdb_cursor_del(cur, 0)) == 0)
            f->forgotten++;
    }
    mdb_cursor_close(cur);
    if (rc == 0 && get != 0 && get != MDB_NOTFOUND)
        rc = get;
    return rc;
}

void intake_scrub_request(intake_t *in, const wire_peer_t *peer, const Carerhub__Envelope *env)
{
    Carerhub__Envelope out = CARERHUB__ENVELOPE__INIT;
    Carerhub__ScrubReply rep = CARERHUB__SCRUB_REPLY__INIT;
    char actor[INTAKE_ACTOR_MAX], msg[200];
    secure_acting_t as;
    const participant_t *who = intake_acting(in, peer, env, &as, actor, sizeof actor);
    int rc;

    if (!who && env->on_behalf)
        return; /* refused, and answered so */
    if (!who || who->role != ROLE_OPERATOR) {
        secure_refused(in->sec, "refused-message", actor, NULL,
                       "scrub request refused: operator keys only");
        in->bad++;
        intake_reply_error(in, peer, env->corr, env->has_corr, "forbidden",
                           "rewriting an intake's spool needs an operator key");
        return;
    }
    secure_audit(in->sec, "scrub", actor, NULL, NULL);
    if (env->scrub->n_forget_referral_ids > 0) {
        s_forget_t f = {in, env->scrub, 0};
        if ((rc = store_write(in->store, s_forget, &f)) != 0) {
            snprintf(msg, sizeof msg, "the spool cannot be written now: %s", store_strerror(rc));
            intake_reply_error(in, peer, env->corr, env->has_corr, "unavailable", msg);
            return;
        }
        rep.has_forgotten = true;
        rep.forgotten = f.forgotten;
    }
    if ((rc = s_scrub(in, &rep.bytes_before, &rep.bytes_after)) != 0) {
        snprintf(msg, sizeof msg,
                 "the spool cannot be rewritten now (%s): it is tried again "
                 "every %d s",
                 rc == EBUSY ? "another process, a backup perhaps, has it open"
                             : store_strerror(rc),
                 S_RETRY_MS / 1000);
        intake_reply_error(in, peer, env->corr, env->has_corr, "unavailable", msg);
        return;
    }
    rep.has_bytes_before = rep.has_bytes_after = rep.has_at = true;
    rep.at = clock_now_ms();
    out.body_case = CARERHUB__ENVELOPE__BODY_SCRUB_REPLY;
    out.scrub_reply = &rep;
    intake_reply(in, peer, env->corr, env->has_corr, &out);
}
