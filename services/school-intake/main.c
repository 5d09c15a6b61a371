/*
 * carerhub-school-intake: takes schools' referrals of pupils who care for
 * someone at home.
 *
 * A school referral comes from a key of role school for one of its schools
 * (URN: six digits), gives the year group, the parent's consent or the
 * pupil's own competent consent, and whether a safeguarding referral has
 * been made; it gets an id SC-EPOCH-N. A safeguarding concern is never
 * handled through the hub, and every acceptance says so. Its checks are
 * lib/domain/referral_check.c's; the engine is lib/intake.
 */
#include "intake/intake.h"

static const intake_kind_t s_school = {
    CARERHUB__SOURCE__SCHOOL,
    "carerhub does not handle safeguarding concerns: if you have one about this pupil, "
    "follow your school's safeguarding procedure now"};

int main(int argc, char **argv)
{
    return intake_main(argc, argv, &s_school);
}
