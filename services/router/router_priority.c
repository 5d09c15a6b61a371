/*
 * A priority case (issue 22; DESIGN.md "A case over time"): a referral
 * whose carer cares 50 or more hours a week and does not feel able to go
 * on caring, or whose patient leaves hospital within 48 hours, makes its
 * case priority (CaseRecord.flags, which every delivery carries as
 * Case.flags), the newest such referral's reason standing; its contact-by
 * target follows routing.yaml's priority_contact_by_days when sooner
 * (router_contact_by). A cancellation recomputes it from the referrals
 * still standing. The reason is the rule's words: no personal data.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdlib.h>

bool router_referral_priority(const Carerhub__Referral *ref, const char **reason)
{
    date_t on;
    if (date_parse(ref->referral_date, &on) < 0)
        on = date_of_ms(ref->has_received_at ? ref->received_at : clock_now_ms());
    return referral_priority(ref, on, reason);
}

void router_case_priority(Carerhub__CaseRecord *c, const Carerhub__Referral *ref)
{
    const char *why;
    if (!router_referral_priority(ref, &why))
        return;
    if (!c->flags) {
        c->flags = xmalloc(sizeof *c->flags);
        carerhub__case_flags__init(c->flags);
    }
    c->flags->has_priority = c->flags->priority = true;
    free(c->flags->priority_reason);
    c->flags->priority_reason = xstrdup(why);
}

void router_case_priority_recompute(Carerhub__CaseRecord *c, Carerhub__ReferralRecord *const *recs,
                                    size_t n)
{
    if (c->flags) {
        carerhub__case_flags__free_unpacked(c->flags, NULL);
        c->flags = NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (recs[i] && recs[i]->referral && !recs[i]->cancellation)
            router_case_priority(c, recs[i]->referral);
}
