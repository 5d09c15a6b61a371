/*
 * Inside the referral checks: the checks of one value that
 * referral_fields.c defines and referral_check.c and referral_self.c share.
 * Not for outside use. Each trims and normalises the value in place (a
 * blank value becomes NULL) and adds its problems, each naming field, to e.
 */
#ifndef CARERHUB_REFERRAL_IMPL_H
#define CARERHUB_REFERRAL_IMPL_H

#include "domain/referral.h"

#include <stdbool.h>
#include <stddef.h>

/* Lengths of text fields, in bytes of UTF-8. */
#define REFERRAL_NAME_MAX    100
#define REFERRAL_ADDRESS_MAX 300
#define REFERRAL_SHORT_MAX   50
#define REFERRAL_EMAIL_MAX   254
#define REFERRAL_PHONE_MAX   30
#define REFERRAL_TEXT_MAX    200 /* a sentence in someone's own words */

/* Text of at most max bytes (multiline: line breaks allowed). Returns true
 * if it is present and good. */
bool referral_field_text(ferrs_t *e, const char *field, char **val, size_t max, bool required,
                         bool multiline);
/* For a value in which a space may be meant but nothing unseen may stand
 * (a postcode, a phone or an NHS number): makes the Unicode spaces
 * (no-break, thin...) ordinary ones in place; then if a character that
 * cannot be seen is left (a zero-width space, a tab), says which and what
 * comes before it ("has a zero-width space (U+200B) after 'CM1'"), what
 * naming the thing to type again. Returns false if it added a problem. */
bool referral_field_visible(ferrs_t *e, const char *field, char **val, const char *what);
void referral_field_phone(ferrs_t *e, const char *field, char **val, bool required);
void referral_field_email(ferrs_t *e, const char *field, char **val, bool required);
/* A real date YYYY-MM-DD within [min, max], too_late and too_early saying
 * what is wrong outside them; its day in *out. Returns true if good. */
bool referral_field_date(ferrs_t *e, const char *field, char **val, bool required, date_t min,
                         date_t max, const char *too_late, const char *too_early, date_t *out);
/* An NHS number: ten digits (kept without spaces), its check digit, and
 * issued to someone (see referral_check in referral.h). */
void referral_field_nhs(ferrs_t *e, const char *field, char **val, bool required,
                        const referral_ctx_t *ctx);
/* One of choices (NULL-terminated), in any case; kept as the list has it. */
void referral_field_choice(ferrs_t *e, const char *field, char **val, bool required,
                           const char *const *choices);
/* ASCII letters to upper case, in place. */
void referral_field_upper(char *s);

/* --- a carer's own referral (referral_self.c) ------------------------- */

/* In place of the other sources' rule of a way to reach the carer: a
 * phone number or an email address (an address alone will not do). */
void referral_self_contact(ferrs_t *e, const Carerhub__Carer *c);
/* In place of the other sources' consent.given_by: carer (left out, taken
 * as carer). */
void referral_self_consent(ferrs_t *e, Carerhub__Consent *c);
/* The carer's age (dob, when dob_ok) and the self part p (may be NULL). */
void referral_self_check(ferrs_t *e, Carerhub__SelfPart *p, date_t dob, bool dob_ok,
                         const referral_ctx_t *ctx);

/* --- another professional's referral (referral_professional.c) ------ */

/* The professional part p (NULL: missing): professional.organisation, an
 * ODS organisation code (normalised to upper case), or
 * professional.organisation_name (1-100 characters), at least one; and
 * professional.role, one of the roles ProfessionalPart lists. */
void referral_professional_check(ferrs_t *e, Carerhub__ProfessionalPart *p);

/* --- what the referral says about the caring (referral_caring.c) ---- */

/* Most people cared for one referral lists: cared_for and more_cared_for. */
#define REFERRAL_CARED_FOR_MAX 6

/* caring, impact, requests and equality of r from src, for a carer of
 * age (-1: unknown). Equality is refused without
 * consent.equality_monitoring; its values are never repeated. */
void referral_caring_check(ferrs_t *e, Carerhub__Referral *r, Carerhub__Source src, int age);

#endif
