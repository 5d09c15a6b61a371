/*
 * A priority case (issue 22; DESIGN.md "A case over time"): a case whose
 * carer, as now known, cares 50 or more hours a week and does not feel
 * able to go on caring (the newest answer to each of the two questions
 * across its referrals still standing), or one of whose referrals is of a
 * discharge within 48 hours whose day has not passed by the newest
 * referral's, is priority (CaseRecord.flags, which every delivery carries
 * as Case.flags) with the reason in the rule's words (no personal data).
 * It is decided anew on every referral taken and every cancellation, so
 * a carer who now copes is no longer priority; and only while the case is
 * priority does its contact-by target follow routing.yaml's
 * priority_contact_by_days (router_contact_by), counted from the receipt
 * of the newest referral waiting for contact and of each that is priority
 * by itself (router_contact.c).
 */
#include "router.h"

#include "domain/referral.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

/* The day ref is judged on: its day of referral, or of receipt. */
static date_t s_day(const Carerhub__Referral *ref)
{
    date_t on;
    if (date_parse(ref->referral_date, &on) < 0)
        on = date_of_ms(ref->has_received_at ? ref->received_at : clock_now_ms());
    return on;
}

bool router_referral_priority(const Carerhub__Referral *ref, const char **reason)
{
    return referral_priority(ref, s_day(ref), reason);
}

bool router_case_is_priority(const Carerhub__CaseRecord *c)
{
    return c->flags && c->flags->priority;
}

void router_case_priority_recompute(Carerhub__CaseRecord *c, Carerhub__ReferralRecord *const *recs,
                                    size_t n)
{
    const Carerhub__Referral **refs = xcalloc(n + 1, sizeof *refs);
    const char *why = NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (recs[i] && recs[i]->referral && !recs[i]->cancellation)
            refs[k++] = recs[i]->referral;
    if (c->flags) {
        carerhub__case_flags__free_unpacked(c->flags, NULL);
        c->flags = NULL;
    }
    if (k && referral_priority_now(refs, k, s_day(refs[k - 1]), &why)) {
        c->flags = xmalloc(sizeof *c->flags);
        carerhub__case_flags__init(c->flags);
        c->flags->has_priority = c->flags->priority = true;
        c->flags->priority_reason = xstrdup(why);
    }
    free(refs);
}

int router_case_priority_take(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c,
                              const Carerhub__Referral *ref, int64_t now)
{
    Carerhub__ReferralRecord **recs = xcalloc(c->n_referral_ids + 1, sizeof *recs), taken;
    size_t n = 0;
    bool was = router_case_is_priority(c);
    char day[DATE_STRLEN];
    int rc;

    /* Its own record is not written yet: it stands last, routed now. */
    for (size_t i = 0; i < c->n_referral_ids; i++)
        if (strcmp(c->referral_ids[i], ref->id) != 0)
            recs[n++] = router_get_referral(r, txn, c->referral_ids[i]);
    carerhub__referral_record__init(&taken);
    taken.referral = (Carerhub__Referral *)ref;
    taken.has_routed_at = true;
    taken.routed_at = now;
    recs[n] = &taken;
    router_case_priority_recompute(c, recs, n + 1);
    if (was || router_case_is_priority(c)) {
        /* Every referral still waiting for contact is due anew, by the
         * target the case has now (router_contact_recompute). */
        rc = router_contact_recompute(r, txn, c, recs, n + 1);
    } else {
        router_contact_by(r, ref, router_case_is_priority(c), day);
        rc = router_contact_due(r, txn, c, day);
    }
    for (size_t i = 0; i < n; i++)
        if (recs[i])
            carerhub__referral_record__free_unpacked(recs[i], NULL);
    free(recs);
    return rc;
}
