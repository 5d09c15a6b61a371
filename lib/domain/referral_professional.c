/*
 * A referral from another professional (source professional, through
 * carerhub-professional-intake): the Essex Wellbeing Service's advisers,
 * adult social care, the mental health trust, a pharmacy, an employer's
 * carers network. What differs from the other sources (referral_check.c)
 * is its part: the referring organisation, by its ODS code when it has one
 * (any ODS organisation code: a pharmacy's FA123, a trust's RWN, a
 * council's), or else by its name (an employer's network has no code), and
 * the referrer's role. The rest is a GP card's: a referrer to call back,
 * consent from the carer or their representative.
 */
#include "domain/referral_impl.h"

#include "domain/codes.h"
#include "util/text.h"

#include <string.h>

void referral_professional_check(ferrs_t *e, Carerhub__ProfessionalPart *p)
{
    static const char *const roles[] = {
        "wellbeing_adviser", "social_care",      "mental_health", "pharmacy",
        "employer",          "voluntary_sector", "other",         NULL};
    bool code, name;
    if (!p) {
        ferrs_add(e, "professional", "required",
                  "is required: the referring organisation (its ODS code, or its name when it "
                  "has none) and the referrer's role");
        return;
    }
    /* Each is checked alone first, so that a blank one counts as none. */
    code = referral_field_text(e, "professional.organisation", &p->organisation, REFERRAL_SHORT_MAX,
                               false, false);
    name = referral_field_text(e, "professional.organisation_name", &p->organisation_name,
                               REFERRAL_NAME_MAX, false, false);
    if (code) {
        referral_field_upper(p->organisation);
        if (!ods_org_valid(p->organisation))
            ferrs_add(e, "professional.organisation", "format",
                      "must be the organisation's ODS code: 3 to 6 letters and digits, e.g. "
                      "FA123; for an organisation with no ODS code, give its "
                      "organisation_name instead");
    }
    if (!code && !name && !ferrs_has(e, "professional.organisation") &&
        !ferrs_has(e, "professional.organisation_name"))
        ferrs_add(e, "professional.organisation", "required",
                  "is required: the referring organisation's ODS code, e.g. FA123, or its "
                  "organisation_name when it has no code");
    if (text_is_blank(p->role))
        ferrs_add(e, "professional.role", "required",
                  "is required: the referrer's role, one of wellbeing_adviser, social_care, "
                  "mental_health, pharmacy, employer, voluntary_sector or other");
    else
        referral_field_choice(e, "professional.role", &p->role, true, roles);
}
