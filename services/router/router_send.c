/*
 * Sending provider agents their deliveries (router_deliver.c keeps the
 * agents): each outbox entry is built into a Delivery of the case as it
 * was queued, with the newest of its referrals (router.case_history), and
 * sent while the agent has credit. A cancelled referral travels no more: a
 * delivery leaves it out, and what it gave of the carer's details, and one
 * left with none of the referrals it was to carry is dropped (audited). A delivery too large for an
 * agent is parked for an operator. No referral carries its equality
 * answers: they never leave the hub (router_referral_for_org).
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
#include <zmq.h>

/* The flags of a delivery queued before outbox entries held the case:
 * urgent if any referral carried is; young carer and transition by the age
 * on the newest one's date. */
static void s_flags(Carerhub__Case *c)
{
    c->has_urgent = c->has_young_carer = c->has_transition = true;
    for (size_t i = 0; i < c->n_referrals; i++)
        c->urgent = c->urgent || referral_urgent(c->referrals[i]);
    if (c->n_referrals > 0) {
        int age = referral_carer_age(c->referrals[c->n_referrals - 1]);
        c->young_carer = referral_young_carer(age);
        c->transition = referral_transition(age);
    }
}

/* The case of an outbox entry, without its referrals: as queued, or (for
 * an entry older than snapshots) from the case record as it stands. */
static void s_case_of(const Carerhub__OutboxEntry *e, const Carerhub__CaseRecord *cr,
                      Carerhub__Case *c)
{
    if (e->snapshot) {
        *c = *e->snapshot;
        return;
    }
    c->case_id = cr->case_id;
    c->provider = cr->provider;
    c->provider_name = cr->provider_name;
    c->rule = cr->rule;
    c->reason = cr->reason;
    c->lad = cr->lad;
    c->lad_name = cr->lad_name;
    c->n_candidates = cr->n_candidates;
    c->candidates = cr->candidates;
    c->signpost = cr->signpost;
    c->has_urgent = true;
    c->urgent = cr->urgent;
    c->has_opened_at = cr->has_opened_at;
    c->opened_at = cr->opened_at;
    c->has_updated_at = e->has_queued_at;
    c->updated_at = e->queued_at;
}

/* Keeps a delivery within max bytes by carrying fewer of the case's
 * referrals, oldest first out (referrals_total still counts them all; the
 * same every time, so a resend is the same). Returns -1 if even the newest
 * alone is too large. */
static int s_fit(Carerhub__Envelope *env, size_t max)
{
    Carerhub__Case *c = env->delivery->case_;
    size_t drop = 0, n = c->n_referrals;
    Carerhub__Referral **all = c->referrals;
    int rc = 0;
    while (carerhub__envelope__get_packed_size(env) > max) {
        if (c->n_referrals <= 1) {
            rc = -1;
            break;
        }
        drop++;
        c->referrals = all + drop;
        c->n_referrals = n - drop;
    }
    if (rc == 0 && drop > 0) {
        /* The array stays the caller's to free. */
        memmove(all, all + drop, (n - drop) * sizeof *all);
    }
    c->referrals = all;
    return rc;
}

void router_referral_for_org(Carerhub__Referral *ref)
{
    /* Equality answers are for the hub's counts alone (counted as the
     * referral is taken: router_report_about.c); the consent to them may
     * travel, as what the carer agreed to. */
    if (ref->equality) {
        carerhub__equality__free_unpacked(ref->equality, NULL);
        ref->equality = NULL;
    }
}

/* The referrals a delivery carries, into c: of the case's first n, the
 * newest router.case_history that are not cancelled (a cancelled referral
 * travels no more, even in a delivery queued before it was cancelled),
 * oldest first, and how many are not cancelled (referrals_total). The
 * records read are in recs (n of them; the caller frees). Returns how many
 * were left out as cancelled. */
static size_t s_referrals(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *cr, size_t n,
                          Carerhub__ReferralRecord **recs, Carerhub__Case *c)
{
    size_t hist = (size_t)r->conf->router.case_history, got = 0, total = 0, cancelled = 0;
    c->referrals = xcalloc(n ? n : 1, sizeof *c->referrals);
    for (size_t i = n; i-- > 0;) {
        recs[i] = router_get_referral(r, txn, cr->referral_ids[i]);
        if (!recs[i] || !recs[i]->referral)
            continue;
        if (recs[i]->cancellation) {
            cancelled++;
            continue;
        }
        total++;
        router_referral_for_org(recs[i]->referral);
        if (got < hist)
            c->referrals[got++] = recs[i]->referral;
    }
    for (size_t i = 0; i < got / 2; i++) {
        Carerhub__Referral *t = c->referrals[i];
        c->referrals[i] = c->referrals[got - 1 - i];
        c->referrals[got - 1 - i] = t;
    }
    c->n_referrals = got;
    c->has_referrals_total = n > 0;
    c->referrals_total = (uint32_t)total;
    return cancelled;
}

/* Builds and sends one delivery. Returns 0, -1 to stop sending to this
 * agent for now (its queue is full or it is gone), 1 if the entry could not
 * be built (skipped, and logged), 2 if it is larger than an agent may be
 * sent (to be parked), 3 if every referral it was to carry has been
 * cancelled since it was queued (nothing of it is to travel: to be
 * dropped). */
static int s_send_one(router_t *r, MDB_txn *txn, agent_t *a, uint64_t seq,
                      const Carerhub__OutboxEntry *e)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__Delivery d = CARERHUB__DELIVERY__INIT;
    Carerhub__Case c = CARERHUB__CASE__INIT;
    Carerhub__CaseRecord *cr = router_get_case(r, txn, e->case_id ? e->case_id : "");
    Carerhub__ReferralRecord **recs;
    Carerhub__Carer *carer = NULL;
    size_t n, cancelled;
    bool erasure;
    int rc = 0;

    if (!cr) {
        log_error("outbox entry %llu for %s names missing case %s", (unsigned long long)seq,
                  a->provider, e->case_id ? e->case_id : "");
        return 1;
    }
    /* The case as it stood when this delivery was queued, so that every
     * resend is the same (but for referrals cancelled since). An erasure
     * goes exactly as queued: its referrals are their ids alone. */
    erasure = e->snapshot && e->kind && strcmp(e->kind, "erasure") == 0;
    n = erasure ? 0 : e->snapshot || e->referral_count ? e->referral_count : cr->n_referral_ids;
    if (n > cr->n_referral_ids)
        n = cr->n_referral_ids;
    recs = xcalloc(n ? n : 1, sizeof *recs);
    s_case_of(e, cr, &c);
    if (erasure) {
        c.referrals = xcalloc(c.n_referrals + 1, sizeof *c.referrals);
        if (c.n_referrals)
            memcpy(c.referrals, e->snapshot->referrals, c.n_referrals * sizeof *c.referrals);
        cancelled = 0;
    } else {
        cancelled = s_referrals(r, txn, cr, n, recs, &c);
    }
    if (cancelled > 0 && c.carer) {
        /* The carer as the referrals it was queued with give them, but
         * for those cancelled since: nothing of theirs travels. */
        for (size_t i = 0; i < n; i++)
            if (recs[i] && recs[i]->referral && !recs[i]->cancellation)
                referral_carer_merge(&carer, recs[i]->referral->carer);
        c.carer = carer;
    }
    if (!e->snapshot)
        s_flags(&c);
    d.has_delivery_id = true;
    d.delivery_id = seq;
    d.kind = e->kind;
    d.referral_id = e->referral_id;
    d.case_ = &c;
    env.body_case = CARERHUB__ENVELOPE__BODY_DELIVERY;
    env.delivery = &d;
    if (cancelled > 0 && c.n_referrals == 0) {
        rc = 3;
    } else if (s_fit(&env, (size_t)r->conf->router.delivery_max_bytes) < 0) {
        rc = 2;
    } else if (wire_send(r->delivery_sock, &a->peer, &env, ZMQ_DONTWAIT) < 0) {
        if (errno == EHOSTUNREACH) {
            log_info("agent for %s is gone", a->provider);
            a->connected = false;
            router_agent_forget(a);
        }
        rc = -1;
    }
    for (size_t i = 0; i < n; i++)
        if (recs[i])
            carerhub__referral_record__free_unpacked(recs[i], NULL);
    free(recs);
    free(c.referrals);
    if (carer)
        carerhub__carer__free_unpacked(carer, NULL);
    carerhub__case_record__free_unpacked(cr, NULL);
    return rc;
}

typedef struct {
    router_t *r;
    const char *provider;
    uint64_t *seqs;
    bool *moot; /* per seq: every referral it carried is cancelled (else too big) */
    size_t n;
} s_held_t;

/* A delivery too large to send: parked for an operator with its referral
 * and the reason. */
static int s_park_one(router_t *r, MDB_txn *txn, const char *provider,
                      const Carerhub__OutboxEntry *e)
{
    Carerhub__ReferralRecord *rec =
        e && e->referral_id ? router_get_referral(r, txn, e->referral_id) : NULL;
    char why[200];
    int rc = 0;
    snprintf(why, sizeof why,
             "the delivery of case %.40s to %s is larger than router.delivery_max_bytes "
             "(%lld bytes)",
             e && e->case_id ? e->case_id : "?", provider, r->conf->router.delivery_max_bytes);
    log_error("alert: %s; parked for an operator", why);
    if (rec && rec->referral)
        rc = router_park(r, txn, rec->referral, provider, why);
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    return rc;
}

/* Settles deliveries that are not to be sent: each leaves the outbox, so
 * that what is queued behind it moves on. One too large is parked; one
 * whose referrals were all cancelled is dropped (audited): nothing of it
 * is to reach the organisation, which has the cancellation's notice. */
static int s_held_txn(MDB_txn *txn, void *arg)
{
    s_held_t *t = arg;
    router_t *r = t->r;
    uint64_t audit0 = r->next_audit, parked0 = r->parked;
    int rc = 0;
    for (size_t i = 0; i < t->n && rc == 0; i++) {
        uint8_t key[64];
        MDB_val k = {router_outbox_key(t->provider, t->seqs[i], key, sizeof key), key}, v;
        Carerhub__OutboxEntry *e;
        if (mdb_get(txn, store_dbi(r->store, DB_OUTBOX), &k, &v) != 0)
            continue;
        e = carerhub__outbox_entry__unpack(NULL, v.mv_size, v.mv_data);
        rc = mdb_del(txn, store_dbi(r->store, DB_OUTBOX), &k, NULL);
        if (rc == 0 && !t->moot[i])
            rc = s_park_one(r, txn, t->provider, e);
        else if (rc == 0)
            rc = router_audit(r, txn, "dropped", "carerhub-router", e ? e->referral_id : NULL,
                              e ? e->case_id : NULL, t->provider,
                              "not sent: every referral it carried was cancelled");
        if (e)
            carerhub__outbox_entry__free_unpacked(e, NULL);
    }
    if (rc == 0)
        rc = router_put_meta(r, txn);
    if (rc) {
        r->next_audit = audit0;
        r->parked = parked0;
    }
    return rc;
}

static void s_settle(router_t *r, agent_t *a, uint64_t *seqs, bool *moot, size_t n)
{
    s_held_t t = {r, a->provider, seqs, moot, n};
    int rc = store_write(r->store, s_held_txn, &t);
    if (rc) {
        /* Still in the outbox: try them again, from the oldest unacknowledged. */
        log_error("cannot park or drop %zu delivery(ies) for %s: %s", n, a->provider,
                  store_strerror(rc));
        router_agent_forget(a);
    }
}

void router_deliver_send(router_t *r)
{
    MDB_txn *txn = NULL;
    int64_t now = clock_mono_ms();
    agent_t *held_agent = NULL;
    uint64_t held[64];
    bool moot[64];
    size_t nheld = 0;

    for (size_t i = 0; i < r->nagents; i++) {
        agent_t *a = &r->agents[i];
        MDB_cursor *cur;
        uint8_t key[64];
        size_t plen = strlen(a->provider) + 1;
        MDB_val k, v;
        int rc;
        if (!a->connected || a->inflight >= a->window)
            continue;
        if (!txn && store_read(r->store, &txn) != 0)
            return;
        k.mv_size = router_outbox_key(a->provider, a->next_seq, key, sizeof key);
        k.mv_data = key;
        mdb_cursor_open(txn, store_dbi(r->store, DB_OUTBOX), &cur);
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        while (rc == 0 && a->inflight < a->window && k.mv_size == plen + 8 &&
               memcmp(k.mv_data, a->provider, plen) == 0) {
            uint64_t seq = be64_get((const uint8_t *)k.mv_data + plen);
            Carerhub__OutboxEntry *e = carerhub__outbox_entry__unpack(NULL, v.mv_size, v.mv_data);
            int sent = e ? s_send_one(r, txn, a, seq, e) : 1;
            if (e)
                carerhub__outbox_entry__free_unpacked(e, NULL);
            if (sent < 0)
                break;
            if (sent == 0)
                router_agent_sent(a, seq, now);
            if (sent == 2 || sent == 3) {
                /* Parked or dropped after this pass; one that cannot be
                 * noted now is not passed over: this agent stops here
                 * until then. */
                if ((held_agent && held_agent != a) || nheld == sizeof held / sizeof *held)
                    break;
                held_agent = a;
                moot[nheld] = sent == 3;
                held[nheld++] = seq;
            }
            a->next_seq = seq + 1;
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cur);
    }
    if (txn)
        mdb_txn_abort(txn);
    if (nheld)
        s_settle(r, held_agent, held, moot, nheld);
}
