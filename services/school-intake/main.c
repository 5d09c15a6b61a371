/*
 * carerhub-school-intake: takes schools' young carer referrals, checks them
 * against the school rules (lib/domain/referral_check.c), spools them and
 * forwards them to the router. The daemon itself is lib/intake.
 */
#include "intake/intake.h"

int main(int argc, char **argv)
{
    return intake_main(argc, argv, &intake_school);
}
