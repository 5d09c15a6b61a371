/*
 * carerhub-professional-intake: takes referrals from other professionals
 * who meet carers: the wellbeing service's advisers (in Essex, the first
 * point of contact), adult social care, the mental health trust, a
 * pharmacy, an employer's carers network, a voluntary organisation.
 *
 * A professional's referral comes from a key of role professional for one
 * of its organisations: the organisation's ODS code when it has one, else
 * its name as the referral writes it (an employer's network has no code).
 * It names the referrer's role (wellbeing_adviser, social_care,
 * mental_health, pharmacy, employer, voluntary_sector or other), has a
 * referrer to call back and the consent of the carer or their
 * representative, as a GP card does, and gets an id PR-EPOCH-N. Its checks
 * are lib/domain/referral_professional.c's; the source's names, role and
 * scope field are lib/domain/referral_source.c's; the engine that spools
 * and forwards is lib/intake.
 */
#include "intake/intake.h"

static const intake_kind_t s_professional = {CARERHUB__SOURCE__PROFESSIONAL, NULL};

int main(int argc, char **argv)
{
    return intake_main(argc, argv, &s_professional);
}
