/*
 * What a referral says about how to treat the carer: an urgent discharge,
 * a priority referral, a young carer, a young carer about to move to adult services; and the
 * ages a carer referred from each source can be. See referral.h. The
 * router's case records, every delivery and the intakes' checks use these.
 */
#include "domain/referral.h"

#include <string.h>

bool referral_urgent(const Carerhub__Referral *r)
{
    date_t on, discharge;
    if (!r->discharge || !r->discharge->patient || date_parse(r->referral_date, &on) < 0 ||
        date_parse(r->discharge->patient->expected_discharge, &discharge) < 0)
        return false;
    /* The patient goes home within 48 hours of the day of referral. */
    return discharge <= on + 2;
}

bool referral_priority(const Carerhub__Referral *r, date_t on, const char **reason)
{
    static const char hours[] =
        "cares 50 or more hours a week and does not feel able to go on caring";
    static const char home[] = "the person cared for leaves hospital within 48 hours";
    static const char both[] = "cares 50 or more hours a week and does not feel able to go on "
                               "caring; the person cared for leaves hospital within 48 hours";
    const Carerhub__Caring *c = r->caring;
    bool at_risk = c && c->hours_per_week && c->able_to_continue &&
                   strcmp(c->hours_per_week, "50_or_more") == 0 &&
                   strcmp(c->able_to_continue, "no") == 0;
    date_t discharge;
    /* referral_urgent's rule, on the day given. */
    bool going_home = r->discharge && r->discharge->patient &&
                      date_parse(r->discharge->patient->expected_discharge, &discharge) == 0 &&
                      discharge <= on + 2;
    if (reason)
        *reason = at_risk && going_home ? both : at_risk ? hours : going_home ? home : NULL;
    return at_risk || going_home;
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
