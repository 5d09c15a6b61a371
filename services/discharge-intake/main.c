/*
 * carerhub-discharge-intake: takes hospital discharge teams' referrals, checks them
 * against the discharge rules (lib/domain/referral_check.c), spools them and
 * forwards them to the router. The daemon itself is lib/intake.
 */
#include "intake/intake.h"

int main(int argc, char **argv)
{
    return intake_main(argc, argv, &intake_discharge);
}
