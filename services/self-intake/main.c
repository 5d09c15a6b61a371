/*
 * carerhub-self-intake: takes carers' own referrals, from the public form
 * of the web front door (carerhub-web's /help).
 *
 * A carer who asks for help themselves has no key and no account: the web
 * front door's key (role gateway) submits for them, saying so with an
 * OnBehalf of role self and no user or organisation, and nobody else may
 * submit here (lib/daemon/secure_acting.c). The carer is 16 or over, gives
 * their own consent and a phone number or an email address, and may say how
 * they heard of the service and when to call; a younger carer is told to
 * ask their school or GP practice. The checks are lib/domain/
 * referral_self.c's; the referral gets an id SR-EPOCH-N and is routed by
 * the carer's postcode as any other. Nobody but an operator may ask after
 * it: the public is no referrer. The engine is lib/intake.
 */
#include "intake/intake.h"

static const intake_kind_t s_self = {CARERHUB__SOURCE__SELF, NULL};

int main(int argc, char **argv)
{
    return intake_main(argc, argv, &s_self);
}
