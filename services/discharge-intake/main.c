/*
 * carerhub-discharge-intake: takes hospital discharge teams' referrals of
 * their patients' carers.
 *
 * A discharge referral comes from a key of role hospital for one of its
 * trusts (ODS trust and site codes), names the ward and the expected
 * discharge date (urgent within 48 hours: lib/domain/referral_rules.c) and
 * whether the carer was consulted, and gets an id HD-EPOCH-N. Its checks are
 * lib/domain/referral_check.c's; the engine is lib/intake.
 */
#include "intake/intake.h"

static const intake_kind_t s_discharge = {CARERHUB__SOURCE__DISCHARGE, NULL};

int main(int argc, char **argv)
{
    return intake_main(argc, argv, &s_discharge);
}
