/*
 * The report table for a store written before it existed: each case that
 * is counted nowhere yet (no report_key) is counted as router_report.c
 * would have counted it as it went, from what the store kept: its cohort,
 * its first contact and support, the episode before it, its referrals,
 * and a young carer's move to adult services (its timeline). A record
 * that did not keep when the case opened opens when its first referral
 * was received; one that cannot say is counted nowhere. Once, through router_build_once (marked in
 * meta); a walk cut short by a crash starts again, and what was counted before it is not counted
 * twice (each case committed with its report_key).
 */
#include "router.h"

#include <string.h>

/* The record of case c's referral i, with a received_at (a very old
 * record's routing time when it lacks one), or NULL. */
static Carerhub__ReferralRecord *s_referral(router_t *r, MDB_txn *txn,
                                            const Carerhub__CaseRecord *c, size_t i)
{
    Carerhub__ReferralRecord *rec = router_get_referral(r, txn, c->referral_ids[i]);
    if (rec && !rec->referral) {
        carerhub__referral_record__free_unpacked(rec, NULL);
        return NULL;
    }
    if (rec && !rec->referral->has_received_at && rec->has_routed_at) {
        rec->referral->has_received_at = true;
        rec->referral->received_at = rec->routed_at;
    }
    return rec;
}

/* Each referral of c (the first opened it), and the contact-by target
 * the opening referral set (into first): the store keeps no target once
 * contact is made, so a first contact is judged by that one. */
static int s_referrals(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, char first[DATE_STRLEN])
{
    int rc = 0;
    first[0] = '\0';
    for (size_t i = 0; i < c->n_referral_ids && rc == 0; i++) {
        Carerhub__ReferralRecord *rec = s_referral(r, txn, c, i);
        if (!rec)
            continue;
        rc = router_report_referral(r, txn, rec->referral, c, i == 0);
        if (i == 0)
            router_contact_by(r, rec->referral, router_referral_priority(rec->referral, NULL),
                              first);
        carerhub__referral_record__free_unpacked(rec, NULL);
    }
    return rc;
}

/* When case c opened, for a record that did not keep it: when the hub
 * received the referral that opened it, as router_take opens a case.
 * Returns false when that is not known either. */
static bool s_opened(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c)
{
    Carerhub__ReferralRecord *rec = c->n_referral_ids ? s_referral(r, txn, c, 0) : NULL;
    if (rec && rec->referral->has_received_at) {
        c->has_opened_at = true;
        c->opened_at = rec->referral->received_at;
    }
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    return c->has_opened_at;
}

/* The young carer's move of c to adult services, from its timeline: the
 * first move for the 18th birthday (router_case_route counts that one
 * only). */
static int s_transition(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c)
{
    Carerhub__TimelineEvent **evs;
    size_t n = router_timeline(r, txn, c->case_id, false, ROUTER_TIMELINE_MAX, &evs);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const Carerhub__TimelineEvent *ev = evs[i];
        if (ev->event && strcmp(ev->event, "transferred") == 0 && ev->reason &&
            strcmp(ev->reason, "turned_18") == 0 && ev->has_at) {
            rc = router_report_transition(r, txn, ev->provider, ev->at);
            break;
        }
    }
    router_timeline_free(evs, n);
    return rc;
}

/* One case record (router_build_once): counted unless it is already. */
static int s_case_one(router_t *r, MDB_txn *txn, const MDB_val *v)
{
    Carerhub__CaseRecord *c = carerhub__case_record__unpack(NULL, v->mv_size, v->mv_data);
    char first[DATE_STRLEN];
    int rc;
    if (!c)
        return 0;
    if (!c->case_id || c->report_key || (!c->has_opened_at && !s_opened(r, txn, c))) {
        carerhub__case_record__free_unpacked(c, NULL);
        return 0;
    }
    rc = s_referrals(r, txn, c, first);
    if (rc == 0 && c->has_contacted_at) {
        char *own = c->contact_by; /* the one it waits for now, if any: kept */
        c->contact_by = first[0] ? first : NULL;
        rc = router_report_contact(r, txn, c, c->contacted_at);
        c->contact_by = own;
    }
    if (rc == 0 && c->has_supported_at)
        rc = router_report_support(r, txn, c, c->supported_at);
    if (rc == 0)
        rc = s_transition(r, txn, c);
    if (rc == 0)
        rc = router_put_case(r, txn, c);
    carerhub__case_record__free_unpacked(c, NULL);
    return rc ? -rc : 1;
}

int router_report_build(router_t *r)
{
    static const router_build_t how = {"report", DB_CASES, s_case_one,
                                       "case(s) counted for reports"};
    return router_build_once(r, &how);
}
