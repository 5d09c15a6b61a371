/*
 * Where a referral stands (the status query), as an operator sees it and
 * as its referrer does. An operator sees any referral with everything the
 * router knows of its case's life; a referrer sees its own referrals only,
 * and of each nothing that belongs to the case's other referrals or to the
 * carer: not the routing rule or its reason (the explanation names the
 * postcode and age the carer's referrals gave), and of the timeline only
 * what happened, when and where (router_timeline). A referral an
 * operator rejected reads rejected, with the operator's reason; one whose
 * carer's data was erased reads erased (router_progress), and nothing of
 * the carer is left to show. See router.h.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/buf.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define S_TIMELINE_MAX 200 /* events in one reply: the newest */

static char *s_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* For an operator: where the referral's case is now: a move since the
 * referral was routed (provider stays where the referral went), an
 * identity conflict, a later episode. */
static void s_case_now(const router_t *r, const Carerhub__ReferralRecord *rec,
                       const Carerhub__CaseRecord *c, Carerhub__StatusReply *s)
{
    bool moved = rec->provider && c->provider && strcmp(rec->provider, c->provider) != 0;
    buf_t detail = BUF_INIT;
    s->provider_name = s_dup(c->provider_name);
    if (moved) {
        int p = route_provider_find(r->rt, rec->provider);
        free(s->provider_name);
        s->provider_name = p >= 0 ? s_dup(route_provider_name(r->rt, p)) : NULL;
        buf_printf(&detail, "the case has since moved to %s (%s)",
                   c->provider_name ? c->provider_name : c->provider,
                   c->transfer_why ? c->transfer_why : "rerouted");
    }
    if (c->identity_conflict)
        buf_printf(&detail, "%sidentity conflict: %s", detail.len ? "; " : "",
                   c->conflict_reason ? c->conflict_reason : "");
    if (c->next_case)
        buf_printf(&detail, "%sclosed; the carer's next episode is case %s", detail.len ? "; " : "",
                   c->next_case);
    s->detail = detail.len ? buf_take(&detail) : NULL;
    buf_free(&detail);
}

/* The case's timeline for a referrer of referral id, received at
 * `since`: as router_timeline strips it, without what happened before the
 * referral came (the carer's history with the organisations is not the
 * new referrer's to read), and without what names another referral
 * (another referrer's cancellation is not this referrer's to see). */
static void s_timeline_for(Carerhub__StatusReply *s, const char *id, int64_t since)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_timeline; i++) {
        Carerhub__TimelineEvent *ev = s->timeline[i];
        if (ev->has_recorded_at && ev->recorded_at < since) {
            carerhub__timeline_event__free_unpacked(ev, NULL);
            continue;
        }
        if (ev->referral_id && strcmp(ev->referral_id, id) != 0) {
            if (ev->event && strcmp(ev->event, "cancelled") == 0) {
                carerhub__timeline_event__free_unpacked(ev, NULL);
                continue;
            }
            free(ev->referral_id);
            ev->referral_id = NULL;
        }
        s->timeline[n++] = ev;
    }
    s->n_timeline = n;
}

/* Fills s from the referral's record and its case (c may be NULL). */
static void s_fill(router_t *r, MDB_txn *txn, bool referrer, const Carerhub__ReferralRecord *rec,
                   const Carerhub__CaseRecord *c, Carerhub__StatusReply *s)
{
    const Carerhub__Referral *ref = rec->referral;
    int64_t at = 0;

    s->has_delivered_at = router_delivered_at(r, txn, rec, &s->delivered_at);
    s->state = s->has_delivered_at ? CARERHUB__STATUS_REPLY__STATE__DELIVERED
                                   : CARERHUB__STATUS_REPLY__STATE__ROUTED;
    s->case_id = s_dup(rec->case_id);
    s->has_accepted_at = ref && ref->has_received_at;
    s->accepted_at = s->has_accepted_at ? ref->received_at : 0;
    s->has_routed_at = rec->has_routed_at;
    s->routed_at = rec->routed_at;
    s->progress = xstrdup(router_progress(r, txn, rec, c, &at));
    s->has_progress_at = true;
    s->progress_at = at;
    if (ref && ref->source == CARERHUB__SOURCE__GP) {
        s->has_code_on_gp_record = true;
        s->code_on_gp_record = ref->gp && ref->gp->record_carer_on_gp_record && !rec->cancellation;
    }
    if (!referrer) {
        s->provider = s_dup(rec->provider);
        s->kind = s_dup(rec->kind);
    }
    if (!c)
        return;
    if (referrer) {
        /* The organisation the case is with now, not how it got there. */
        s->provider = s_dup(c->provider ? c->provider : rec->provider);
        s->provider_name = s_dup(c->provider ? c->provider_name : NULL);
    } else {
        s_case_now(r, rec, c, s);
        s->rule = s_dup(c->rule);
        s->reason = s_dup(c->reason);
    }
    /* A referrer is not told the case's target: another referral (an
     * urgent discharge, say) may have set it. */
    if (!referrer)
        s->contact_by = s_dup(c->contact_by);
    s->n_timeline = router_timeline(r, txn, c->case_id, referrer, S_TIMELINE_MAX, &s->timeline);
    if (referrer)
        s_timeline_for(s, ref && ref->id ? ref->id : "",
                       ref && ref->has_received_at ? ref->received_at : 0);
}

/* A referral parked before it was taken, or whose delivery was parked
 * since: its entry, if who may see it. */
static Carerhub__ParkedEntry *s_parked(router_t *r, MDB_txn *txn, const participant_t *who,
                                       const char *id, bool taken)
{
    MDB_val k = store_val(id), v;
    Carerhub__ParkedEntry *p;
    if (mdb_get(txn, store_dbi(r->store, DB_PARKED), &k, &v) != 0 ||
        !(p = carerhub__parked_entry__unpack(NULL, v.mv_size, v.mv_data)))
        return NULL;
    if (who && !taken && !referral_is_referrers(who, p->referral)) {
        carerhub__parked_entry__free_unpacked(p, NULL);
        return NULL;
    }
    return p;
}

/* A referral an operator rejected (router_parked.c), if who may see it:
 * it did not go on, and why, in the operator's words for its referrer. */
static void s_rejected(router_t *r, MDB_txn *txn, const participant_t *who, const char *id,
                       Carerhub__StatusReply *s)
{
    Carerhub__ParkedEntry *p = router_rejected(r, txn, id);
    const Carerhub__Referral *ref = p ? p->referral : NULL;
    if (!p || (who && !referral_is_referrers(who, ref))) {
        if (p)
            carerhub__parked_entry__free_unpacked(p, NULL);
        return;
    }
    /* Held back, for good: StatusReply has no state of its own for it. */
    s->state = CARERHUB__STATUS_REPLY__STATE__REJECTED;
    s->detail =
        xasprintf("rejected by the hub's operator, not sent on: %s", p->reason ? p->reason : "");
    s->progress = xstrdup("rejected");
    s->has_progress_at = true;
    s->progress_at = p->at;
    s->has_accepted_at = ref && ref->has_received_at;
    s->accepted_at = s->has_accepted_at ? ref->received_at : 0;
    carerhub__parked_entry__free_unpacked(p, NULL);
}

Carerhub__StatusReply *router_status(router_t *r, MDB_txn *txn, const participant_t *who,
                                     const char *id)
{
    Carerhub__StatusReply *s = xmalloc(sizeof *s);
    Carerhub__ReferralRecord *rec;
    Carerhub__CaseRecord *c = NULL;
    Carerhub__ParkedEntry *p = NULL;
    bool referrer = who && role_is_referrer(who->role);

    carerhub__status_reply__init(s);
    s->has_state = true;
    s->state = CARERHUB__STATUS_REPLY__STATE__UNKNOWN;
    s->referral_id = id ? xstrndup(id, strnlen(id, 100)) : NULL;
    s->where = xstrdup("carerhub-router");
    if (!id || !referral_id_ok(id))
        return s;
    rec = router_get_referral(r, txn, id);
    /* Another organisation's referral reads as one that does not exist. */
    if (rec && referrer && !referral_is_referrers(who, rec->referral)) {
        carerhub__referral_record__free_unpacked(rec, NULL);
        return s;
    }
    if (rec) {
        c = rec->case_id ? router_get_case(r, txn, rec->case_id) : NULL;
        s_fill(r, txn, referrer, rec, c, s);
    }
    if (rec && rec->has_erased_at && !rec->case_id) {
        /* Parked or rejected, then erased: it went to no organisation. */
        s->state = CARERHUB__STATUS_REPLY__STATE__REJECTED;
        s->detail = xstrdup("erased (data protection): it was not sent on");
    }
    if (s->state != CARERHUB__STATUS_REPLY__STATE__DELIVERED &&
        (p = s_parked(r, txn, referrer ? who : NULL, id, rec != NULL)) != NULL) {
        s->state = CARERHUB__STATUS_REPLY__STATE__PARKED;
        free(s->detail);
        /* The reason is written for the operator who must act on it. */
        s->detail = xstrdup(referrer    ? "held back for the hub's operator to look at"
                            : p->reason ? p->reason
                                        : "");
        carerhub__parked_entry__free_unpacked(p, NULL);
    } else if (!rec) {
        s_rejected(r, txn, referrer ? who : NULL, id, s);
    }
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    return s;
}
