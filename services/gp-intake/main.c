/*
 * carerhub-gp-intake: takes GP practices' yellow cards.
 *
 * A GP referral comes from a key of role gp for one of its practices (its
 * ODS code: one letter, five digits), says whether the carer agreed to be
 * recorded as a carer on the GP record, and gets an id GP-EPOCH-N. Its
 * checks are lib/domain/referral_check.c's; the source's names, role and
 * scope field are lib/domain/referral_source.c's; the engine that spools
 * and forwards is lib/intake.
 */
#include "intake/intake.h"

static const intake_kind_t s_gp = {CARERHUB__SOURCE__GP, NULL};

int main(int argc, char **argv)
{
    return intake_main(argc, argv, &s_gp);
}
