/*
 * What a referral says about how to treat the carer: an urgent discharge,
 * a young carer, a young carer about to move to adult services. See
 * referral.h. The router's case records and every delivery use these.
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
