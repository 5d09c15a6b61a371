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

static const char *s_priority_reason(bool at_risk, bool going_home)
{
    static const char hours[] =
        "cares 50 or more hours a week and does not feel able to go on caring";
    static const char home[] = "the person cared for leaves hospital within 48 hours";
    static const char both[] = "cares 50 or more hours a week and does not feel able to go on "
                               "caring; the person cared for leaves hospital within 48 hours";
    return at_risk && going_home ? both : at_risk ? hours : going_home ? home : NULL;
}

static bool s_at_risk(const char *hours, const char *able)
{
    return hours && able && strcmp(hours, "50_or_more") == 0 && strcmp(able, "no") == 0;
}

bool referral_priority(const Carerhub__Referral *r, date_t on, const char **reason)
{
    const Carerhub__Caring *c = r->caring;
    bool at_risk = c && s_at_risk(c->hours_per_week, c->able_to_continue);
    date_t discharge;
    /* referral_urgent's rule, on the day given. */
    bool going_home = r->discharge && r->discharge->patient &&
                      date_parse(r->discharge->patient->expected_discharge, &discharge) == 0 &&
                      discharge <= on + 2;
    if (reason)
        *reason = s_priority_reason(at_risk, going_home);
    return at_risk || going_home;
}

bool referral_priority_now(const Carerhub__Referral *const *refs, size_t n, date_t on,
                           const char **reason)
{
    const char *hours = NULL, *able = NULL;
    bool going_home = false;
    for (size_t i = 0; i < n; i++) {
        const Carerhub__Referral *r = refs[i];
        const Carerhub__Caring *c = r->caring;
        date_t day, home;
        /* The caring as now known: the newest answer to each question, so
         * that a carer who now copes is no longer priority. */
        if (c && c->hours_per_week && *c->hours_per_week)
            hours = c->hours_per_week;
        if (c && c->able_to_continue && *c->able_to_continue)
            able = c->able_to_continue;
        if (date_parse(r->referral_date, &day) < 0)
            day = on;
        /* A discharge within 48 hours of its referral, until its day (and
         * two days after the referral at least, as it is urgent) has
         * passed by day on. */
        if (r->discharge && r->discharge->patient &&
            date_parse(r->discharge->patient->expected_discharge, &home) == 0 && home <= day + 2 &&
            on <= (home > day + 2 ? home : day + 2))
            going_home = true;
    }
    if (reason)
        *reason = s_priority_reason(s_at_risk(hours, able), going_home);
    return s_at_risk(hours, able) || going_home;
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
