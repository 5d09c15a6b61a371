/*
 * Taking referrals: matching the carer, routing a new case, and writing
 * referral, case, outbox entry, audit record and counters in the one
 * transaction that is committed before the intake hears "taken".
 */
#include "router.h"

#include "util/be64.h"
#include "domain/outcome.h"
#include "domain/postcode.h"
#include "domain/referral.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/smap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends the audit records an intake forwarded. An intake sends them in
 * order and sends again what was not acknowledged, so a record at or below
 * the last one taken from that intake (by its number and time) was stored
 * already. The intake is the one whose key sent them, whatever a record
 * says: no intake's records can pass for another's or move its mark. */
static int s_take_intake_audit(router_t *r, MDB_txn *txn, const router_fwd_t *fwd)
{
    const Carerhub__Forward *f = fwd->env->forward;
    for (size_t i = 0; i < f->n_audit; i++) {
        Carerhub__AuditRecord a = *f->audit[i];
        char name[96];
        uint8_t mark[16];
        uint64_t seen_seq = 0, seen_at = 0;
        MDB_val k, v;
        int rc;
        if (!a.has_seq || !a.event)
            continue;
        a.recorded_by = (char *)fwd->program;
        snprintf(name, sizeof name, "audit-from:%.80s", fwd->program);
        k = store_val(name);
        if (mdb_get(txn, store_dbi(r->store, DB_META), &k, &v) == 0 && v.mv_size == 16) {
            memcpy(mark, v.mv_data, 16);
            seen_seq = be64_get(mark);
            seen_at = be64_get(mark + 8);
        }
        if (a.seq <= seen_seq && (uint64_t)a.at <= seen_at)
            continue;
        if ((rc = router_audit_record(r, txn, &a)) != 0)
            return rc;
        be64_put(a.seq, mark);
        be64_put((uint64_t)a.at, mark + 8);
        v.mv_data = mark;
        v.mv_size = 16;
        if ((rc = mdb_put(txn, store_dbi(r->store, DB_META), &k, &v, 0)) != 0)
            return rc;
    }
    return 0;
}

/* Who referred, for the audit trail: the submitter the intake recorded,
 * when the participants file confirms a key of that name may submit this
 * referral; else the intake that forwarded it, which is all the router
 * knows for certain. */
static const char *s_submitter(const router_t *r, const Carerhub__Referral *ref, const char *intake)
{
    const participant_t *who =
        ref->submitted_by ? secure_participant(r->sec, ref->submitted_by) : NULL;
    if (referral_is_referrers(who, ref))
        return who->id;
    return intake;
}

typedef struct {
    router_t *r;
    Carerhub__Referral *ref;
    const char *actor;
    const char *reason;
} s_park_t;

static int s_park_txn(MDB_txn *txn, void *arg)
{
    s_park_t *p = arg;
    uint64_t audit0 = p->r->next_audit, parked0 = p->r->parked;
    int rc = router_park(p->r, txn, p->ref, p->actor, p->reason);
    if (rc == 0)
        rc = router_put_meta(p->r, txn);
    if (rc) {
        p->r->next_audit = audit0;
        p->r->parked = parked0;
    }
    return rc;
}

int router_park_now(router_t *r, Carerhub__Referral *ref, const char *actor, const char *reason)
{
    s_park_t p = {r, ref, actor, reason};
    return store_write(r->store, s_park_txn, &p);
}

int router_park(router_t *r, MDB_txn *txn, Carerhub__Referral *ref, const char *actor,
                const char *reason)
{
    Carerhub__ParkedEntry p = CARERHUB__PARKED_ENTRY__INIT;
    int rc;
    p.referral = ref;
    p.reason = (char *)reason;
    p.has_at = true;
    p.at = clock_now_ms();
    if ((rc = router_put(r, txn, DB_PARKED, ref->id, strlen(ref->id), &p.base)) != 0)
        return rc;
    if ((rc = router_count(r, txn, "parked", 1)) != 0)
        return rc;
    r->parked++;
    log_warn("parked %s: %s", ref->id, reason);
    return router_audit(r, txn, "parked", actor, ref->id, NULL, NULL, reason);
}

/* How many referrals of the case came from this submitter; with add, one
 * more. */
static uint64_t s_referrers(Carerhub__CaseRecord *c, const char *who, bool add)
{
    Carerhub__Count *n = NULL;
    for (size_t i = 0; i < c->n_referrers && !n; i++)
        if (c->referrers[i]->key && strcmp(c->referrers[i]->key, who) == 0)
            n = c->referrers[i];
    if (add && !n) {
        n = xmalloc(sizeof *n);
        carerhub__count__init(n);
        n->key = xstrdup(who);
        n->has_value = true;
        c->referrers = xrealloc(c->referrers, (c->n_referrers + 1) * sizeof *c->referrers);
        c->referrers[c->n_referrers++] = n;
    }
    if (add)
        n->value++;
    return n ? n->value : 0;
}

typedef struct {
    router_t *r;
    router_fwd_t *fwds;
    size_t n;
    /* Where the counters stood, to restore if the transaction is redone. */
    uint64_t outbox0, audit0, case0;
    unsigned long taken, duplicates;
    smap_t *tally; /* counter name -> increment, written once per batch */
    bool released; /* an operator's release: past router.submitter_case_max */
} s_take_t;

/* Whether ref is new to the router: not taken before (the intake did not
 * hear our acknowledgement), not parked, and not rejected by an operator
 * (an intake that never heard the acknowledgement of its parking may send
 * it again long after). Counts a resend. */
static bool s_unseen(router_t *r, MDB_txn *txn, const Carerhub__Referral *ref, s_take_t *t)
{
    Carerhub__ReferralRecord *old = router_get_referral(r, txn, ref->id);
    MDB_val k = store_val(ref->id), v;
    if (old) {
        carerhub__referral_record__free_unpacked(old, NULL);
        t->duplicates++;
        return false;
    }
    return mdb_get(txn, store_dbi(r->store, DB_PARKED), &k, &v) != 0 &&
           mdb_get(txn, store_dbi(r->store, DB_REJECTED), &k, &v) != 0;
}

/* An intake checked it; check again, because the router trusts no one with
 * its store. Dates are judged on the day of referral. Returns NULL, or why
 * it must be parked (in why). */
static const char *s_recheck(const router_t *r, Carerhub__Referral *ref, char *why, size_t whysz)
{
    ferrs_t errs = FERRS_INIT;
    referral_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.test_nhs_numbers = r->conf->referrals.test_nhs_numbers;
    if (!ref->referral_date || date_parse(ref->referral_date, &ctx.today) < 0)
        return "no valid referral_date";
    if (referral_check(ref, ref->source, &ctx, &errs) < 0) {
        snprintf(why, whysz, "fails its checks: %s: %s", errs.v[0].field, errs.v[0].code);
        ferrs_free(&errs);
        return why;
    }
    return NULL;
}

/* Adds ref to case c: its id, its submitter, the NHS number if the case
 * had none, the carer's details (as now known) and how long it is urgent
 * (its priority: router_case_priority_take). A carer who declined, or could not be reached, is
 * asked for again: the case is back at delivered, so that its organisation may record an attempt
 * and its outcome anew (nothing else of the case's past changes). Returns whether the referral
 * gives a new postcode. */
static bool s_case_add(Carerhub__CaseRecord *c, const Carerhub__Referral *ref,
                       const char *submitter)
{
    const char *was = c->carer && c->carer->postcode ? c->carer->postcode : "";
    char old[POSTCODE_MAX], now[POSTCODE_MAX], day[DATE_STRLEN];
    bool moved;
    c->referral_ids = xrealloc(c->referral_ids, (c->n_referral_ids + 1) * sizeof *c->referral_ids);
    c->referral_ids[c->n_referral_ids++] = xstrdup(ref->id);
    s_referrers(c, submitter, true);
    if (c->state && (strcmp(c->state, outcome_status_name(OUTCOME_DECLINED)) == 0 ||
                     strcmp(c->state, outcome_status_name(OUTCOME_UNABLE_TO_CONTACT)) == 0)) {
        free(c->state);
        c->state = xstrdup(OUTCOME_DELIVERED);
    }
    if (ref->carer->nhs_number && *ref->carer->nhs_number && !(c->nhs_number && *c->nhs_number)) {
        free(c->nhs_number);
        c->nhs_number = xstrdup(ref->carer->nhs_number);
    }
    moved = c->carer && postcode_normalise(was, old) == 0 &&
            postcode_normalise(ref->carer->postcode, now) == 0 && strcmp(old, now) != 0;
    referral_carer_merge(&c->carer, ref->carer);
    if (router_urgent_until(ref, day)) {
        if (!c->urgent_until || strcmp(day, c->urgent_until) > 0) {
            free(c->urgent_until);
            c->urgent_until = xstrdup(day);
        }
        c->has_urgent = c->urgent = true;
    }
    return moved;
}

bool router_case_add(router_t *r, Carerhub__CaseRecord *c, const Carerhub__Referral *ref,
                     const char *actor)
{
    return s_case_add(c, ref, s_submitter(r, ref, actor));
}

bool router_urgent_until(const Carerhub__Referral *ref, char day[DATE_STRLEN])
{
    date_t home, on;
    if (!referral_urgent(ref))
        return false;
    /* Urgent until the patient goes home, and for two days at least after
     * the referral (a discharge may be referred once it has happened). */
    date_parse(ref->discharge->patient->expected_discharge, &home);
    date_parse(ref->referral_date, &on);
    date_format(home > on + 2 ? home : on + 2, day);
    return true;
}

void router_contact_by(const router_t *r, const Carerhub__Referral *ref, bool priority,
                       char day[DATE_STRLEN])
{
    int64_t received = ref->has_received_at ? ref->received_at : clock_now_ms();
    int days = route_contact_by_days(r->rt, referral_route_source(ref->source));
    if (priority && route_priority_contact_by_days(r->rt) < days)
        days = route_priority_contact_by_days(r->rt);
    date_format(date_of_ms(received) + days, day);
}

/* Writes the case, the referral record and the audit record. */
static int s_write(router_t *r, MDB_txn *txn, Carerhub__Referral *ref, const char *actor,
                   const char *submitter, Carerhub__CaseRecord *c, const char *kind, uint64_t seq,
                   int64_t now)
{
    Carerhub__ReferralRecord rec = CARERHUB__REFERRAL_RECORD__INIT;
    char detail[200];
    int rc;

    if ((rc = router_put_case(r, txn, c)) != 0)
        return rc;
    rec.has_outbox_seq = true;
    rec.outbox_seq = seq;
    rec.referral = ref;
    rec.case_id = c->case_id;
    rec.kind = (char *)kind;
    rec.provider = c->provider;
    rec.has_routed_at = true;
    rec.routed_at = now;
    rec.actor = (char *)actor;
    if ((rc = router_put(r, txn, DB_REFERRALS, ref->id, strlen(ref->id), &rec.base)) != 0)
        return rc;
    if (strcmp(kind, "new") == 0)
        snprintf(detail, sizeof detail, "routed to %s: new case by rule %s (through %s)",
                 c->provider, c->rule, actor);
    else if (strcmp(kind, "update") == 0)
        snprintf(detail, sizeof detail, "routed to %s: update of the carer's case (through %s)",
                 c->provider, actor);
    else
        snprintf(detail, sizeof detail,
                 "routed to %s by rule %s: the case moves there from %s (through %s)", c->provider,
                 c->rule, c->transferred_from, actor);
    return router_audit(r, txn, "accepted", submitter, ref->id, c->case_id, c->provider, detail);
}

/* The counters a taken referral adds to, written once per batch. */
static void s_tally_taken(s_take_t *t, const Carerhub__Referral *ref, const Carerhub__CaseRecord *c,
                          const char *kind)
{
    const char *names[] = {"referrals", "source/", "provider/", "lad/",
                           "referrer/", "kind/",   "month/"};
    char month[8], stat[96];
    snprintf(month, sizeof month, "%.7s", ref->referral_date);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *val =
            i == 1   ? referral_source_name(ref->source)
            : i == 2 ? c->provider
            : i == 3 ? (c->lad ? c->lad : "unresolved")
            : i == 4 ? (referral_referrer_code(ref) ? referral_referrer_code(ref) : "unknown")
            : i == 5 ? kind
            : i == 6 ? month
                     : "";
        snprintf(stat, sizeof stat, "%s%s", names[i], val);
        router_tally(t->tally, stat, 1);
    }
}

/* One submitter cannot grow a case without bound: what it sends beyond
 * the limit waits for an operator, and nothing else does. The operator's
 * release of one of them is the decision that it goes in (s_take_t). */
static bool s_over_limit(router_t *r, Carerhub__CaseRecord *c, const char *submitter,
                         const Carerhub__Referral *ref, char *why, size_t whysz)
{
    if (s_referrers(c, submitter, false) < (uint64_t)r->conf->router.submitter_case_max)
        return false;
    snprintf(why, whysz, "case %s already holds %lld referrals from %s (router.submitter_case_max)",
             c->case_id, r->conf->router.submitter_case_max, submitter);
    log_error("alert: %s referred the carer of case %s more than %lld times; parking %s", submitter,
              c->case_id, r->conf->router.submitter_case_max, ref->id);
    return true;
}

/* When a case opened by ref opens: when the hub accepted ref, as a carer
 * whose referral waited for the router has waited since then; but a
 * carer's next episode no earlier than the one before it opened (a
 * referral held up in an intake may be older than that episode), so that
 * episodes open in their order. */
static int64_t s_opening(router_t *r, MDB_txn *txn, const router_match_t *m,
                         const Carerhub__Referral *ref, int64_t now)
{
    int64_t at = ref->has_received_at && ref->received_at < now ? ref->received_at : now;
    Carerhub__CaseRecord *prev = m->previous[0] ? router_get_case(r, txn, m->previous) : NULL;
    if (prev && prev->has_opened_at && prev->opened_at > at)
        at = prev->opened_at < now ? prev->opened_at : now;
    if (prev)
        carerhub__case_record__free_unpacked(prev, NULL);
    return at;
}

static int s_take_one(router_t *r, MDB_txn *txn, Carerhub__Referral *ref, const char *actor,
                      s_take_t *t)
{
    const char *submitter = s_submitter(r, ref, actor), *why, *kind;
    router_match_t m;
    Carerhub__CaseRecord *c;
    char detail[200];
    int64_t now = clock_now_ms();
    date_t on;
    uint64_t seq;
    bool moved, opened;
    int rc;

    if (!s_unseen(r, txn, ref, t))
        return 0;
    if ((why = s_recheck(r, ref, detail, sizeof detail)) != NULL)
        return router_park(r, txn, ref, actor, why);
    if ((rc = router_match(r, txn, ref->carer, &m)) != 0)
        return rc;
    if (ref->source == CARERHUB__SOURCE__SELF)
        router_match_own(&m); /* nobody vouches for who sent it */
    if (m.found && !t->released &&
        s_over_limit(r, m.found, submitter, ref, detail, sizeof detail)) {
        router_match_free(&m);
        return router_park(r, txn, ref, actor, detail);
    }
    opened = m.found == NULL;
    c = m.found ? m.found : router_case_open(r, &m, s_opening(r, txn, &m, ref, now));
    m.found = NULL;
    moved = s_case_add(c, ref, submitter);
    /* Its priority and contact-by target, before the delivery that
     * carries them. */
    if ((rc = router_case_priority_take(r, txn, c, ref, now)) != 0) {
        carerhub__case_record__free_unpacked(c, NULL);
        return rc;
    }
    /* Routed as the carer is now: a referral that waited (in an intake,
     * for the router) since before an 18th birthday moves no one back. */
    date_parse(ref->referral_date, &on); /* checked by s_recheck */
    if (date_of_ms(now) > on)
        on = date_of_ms(now);
    rc = router_case_route(r, txn, c, ref->source, on, ref->id, moved, now, &kind);
    seq = r->next_outbox; /* its delivery (a transfer_in is queued last) */
    if (rc == 0 && c->previous_case && c->version == 1)
        rc = router_case_link(r, txn, c->previous_case, c);
    if (rc == 0 && c->version == 1)
        rc = router_match_flag_own(r, txn, &m, c, now);
    if (rc == 0 && c->version == 1)
        rc = router_case_flag(r, txn, &m, c);
    if (rc == 0)
        rc = router_index(r, txn, c, ref->carer, m.apart[0] != '\0');
    if (rc == 0)
        rc = router_report_referral(r, txn, ref, c, opened);
    if (rc == 0)
        rc = s_write(r, txn, ref, actor, submitter, c, kind, seq, now);
    if (rc == 0)
        rc = router_referrer_index(r, txn, ref);
    if (rc == 0) {
        s_tally_taken(t, ref, c, kind);
        t->taken++;
        log_info("%s: %s %s for %s (%s)", ref->id, kind, c->case_id, c->provider, c->rule);
    }
    carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

static int s_take_txn(MDB_txn *txn, void *arg)
{
    s_take_t *t = arg;
    router_t *r = t->r;
    int rc;
    /* store_write may run us again after growing the map. */
    r->next_outbox = t->outbox0;
    r->next_audit = t->audit0;
    r->next_case = t->case0;
    t->taken = t->duplicates = 0;
    smap_destroy(&t->tally);
    t->tally = smap_new();
    for (size_t i = 0; i < t->n; i++) {
        Carerhub__Forward *f = t->fwds[i].env->forward;
        const char *actor = t->fwds[i].actor[0] ? t->fwds[i].actor : "intake";
        if ((rc = s_take_intake_audit(r, txn, &t->fwds[i])) != 0)
            return rc;
        for (size_t j = 0; j < f->n_referrals; j++) {
            Carerhub__Referral *ref = f->referrals[j];
            if (!referral_id_ok(ref->id) || !ref->carer || !router_fwd_allows(&t->fwds[i], ref))
                continue; /* refused in router_take before we got here */
            if ((rc = s_take_one(r, txn, ref, actor, t)) != 0)
                return rc;
        }
    }
    if ((rc = router_tally_write(r, txn, t->tally)) != 0)
        return rc;
    return router_put_meta(r, txn);
}

int router_take_again(router_t *r, MDB_txn *txn, Carerhub__Referral *ref, const char *actor)
{
    s_take_t t = {r, NULL, 0, r->next_outbox, r->next_audit, r->next_case, 0, 0, smap_new(), true};
    int rc = s_take_one(r, txn, ref, actor, &t);
    if (rc == 0)
        rc = router_tally_write(r, txn, t.tally);
    smap_destroy(&t.tally);
    return rc;
}

bool router_fwd_allows(const router_fwd_t *f, const Carerhub__Referral *ref)
{
    return ref->has_source && ref->source == f->source && referral_id_of_source(ref->id, f->source);
}

int router_take(router_t *r, router_fwd_t *fwds, size_t n)
{
    s_take_t t = {r, fwds, n, r->next_outbox, r->next_audit, r->next_case, 0, 0, NULL, false};
    int rc;

    for (size_t i = 0; i < n; i++) {
        Carerhub__Forward *f = fwds[i].env->forward;
        for (size_t j = 0; j < f->n_referrals; j++) {
            Carerhub__Referral *ref = f->referrals[j];
            if (!referral_id_ok(ref->id) || !ref->carer) {
                /* Not a referral any intake of ours would send: nothing to
                 * store it under. Acknowledged so it is not sent for ever. */
                r->bad++;
                log_warn("refused a forwarded referral without a valid id or carer");
            } else if (!router_fwd_allows(&fwds[i], ref)) {
                /* Neither stored nor acknowledged: a genuine intake keeps
                 * it until the participants file lets it through. */
                char why[200];
                r->bad++;
                snprintf(why, sizeof why,
                         "%s referral %.64s refused: %s may forward only %s referrals with ids "
                         "%s-...",
                         ref->has_source ? referral_source_name(ref->source) : "unmarked", ref->id,
                         fwds[i].actor, referral_source_name(fwds[i].source),
                         referral_id_prefix(fwds[i].source));
                secure_refused(r->sec, "refused-message", fwds[i].actor, ref->id, why);
            }
        }
    }
    rc = store_write(r->store, s_take_txn, &t);
    smap_destroy(&t.tally);
    if (rc == 0) {
        r->taken += t.taken;
        r->duplicates += t.duplicates;
        return 0;
    }
    r->next_outbox = t.outbox0;
    r->next_audit = t.audit0;
    r->next_case = t.case0;
    return rc;
}
