/*
 * What a referral says about how to treat the carer: an urgent discharge,
 * a young carer, a young carer about to move to adult services; and the
 * ages a carer referred from each source can be. See referral.h. The
 * router's case records, every delivery and the intakes' checks use these.
 */
#include "domain/referral.h"

bool referral_urgent(const Carerhub__Referral *r)
{
    date_t on, discharge;
    if (!r->discharge || !r->discharge->patient || date_parse(r->referral_date, &on) < 0 ||
        date_parse(r->discharge->patient->expected_discharge, &discharge) < 0)
        return false;
    /* The patient goes home within 48 hours of the day of referral. */
    return discharge <= on + 2;
}

bool referral_young_carer(int age)
{
    return age >= 0 && age < 18;
}

bool referral_transition(int age)
{
    return age == 17;
}

bool referral_age_plausible(Carerhub__Source src, int age)
{
    if (src == CARERHUB__SOURCE__SCHOOL)
        return age >= REFERRAL_PUPIL_AGE_MIN && age <= REFERRAL_PUPIL_AGE_MAX;
    return age >= REFERRAL_AGE_MIN && age <= REFERRAL_AGE_MAX;
}
