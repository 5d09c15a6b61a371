/*
 * A carer's own referral (source self: carerhub-web's public /help form,
 * through carerhub-self-intake): what differs from the checks of the other
 * sources (referral_check.c). The carer is 16 or over on the day of
 * referral, and a younger carer is told where to ask instead. The consent
 * is the carer's own. A phone number or an email address is needed: no
 * referrer stands behind the referral who could be asked how to reach the
 * carer. No NHS number is needed. The messages are read by the carer, so
 * they speak to them, and say nothing of what they wrote about themselves.
 */
#include "domain/referral_impl.h"

#include "util/mem.h"
#include "util/text.h"

#include <stdlib.h>

void referral_self_contact(ferrs_t *e, const Carerhub__Carer *c)
{
    if (text_is_blank(c->phone) && text_is_blank(c->email))
        ferrs_add(e, "carer.phone", "required",
                  "give a phone number or an email address, so that a support service can "
                  "contact you");
}

void referral_self_consent(ferrs_t *e, Carerhub__Consent *c)
{
    /* Left out, it is the carer's: nobody else is asking. */
    if (text_is_blank(c->given_by)) {
        free(c->given_by);
        c->given_by = xstrdup("carer");
        return;
    }
    if (!referral_field_text(e, "consent.given_by", &c->given_by, REFERRAL_SHORT_MAX, true, false))
        return;
    if (!text_ieq(c->given_by, "carer")) {
        ferrs_add(e, "consent.given_by", "invalid",
                  "must be carer (the only value allowed here), or left out: a carer asks for "
                  "help here with their own consent; to refer someone else, ask their GP "
                  "practice, hospital or school");
        return;
    }
    free(c->given_by);
    c->given_by = xstrdup("carer");
}

void referral_self_check(ferrs_t *e, Carerhub__SelfPart *p, date_t dob, bool dob_ok,
                         const referral_ctx_t *ctx)
{
    static const char *const heard[] = {
        "gp", "hospital", "school", "pharmacy", "friend_or_family", "online", "other", NULL};
    /* Said to the young carer, without their age or date of birth: who
     * can refer them instead. */
    if (dob_ok && date_age(dob, ctx->today) < REFERRAL_SELF_MIN_AGE)
        ferrs_add(e, "carer.date_of_birth", "too_young",
                  "you can ask for help here yourself from the age of %d; until then, ask "
                  "someone at your school (a teacher or the school's young carers lead) to "
                  "refer you, or ask your GP practice",
                  REFERRAL_SELF_MIN_AGE);
    if (!p)
        return;
    referral_field_choice(e, "self.heard_from", &p->heard_from, false, heard);
    referral_field_text(e, "self.best_time_to_contact", &p->best_time_to_contact, REFERRAL_TEXT_MAX,
                        false, false);
}
