/*
 * carerhub-web's public page /help, where a carer asks for support
 * themselves (source self, through carerhub-self-intake): its form, read
 * by key path as the referrers' forms are (web_form.h), with words for a
 * carer rather than for a referrer (web_help_fields.c); the page, the
 * submission and the thank-you page (web_help.c); and how many requests
 * one address may send in an hour (web_help_limit.c).
 */
#ifndef CARERHUB_WEB_HELP_H
#define CARERHUB_WEB_HELP_H

#include "web_form.h"

#include "util/date.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The hidden field a person never sees nor fills in (CSS, aria-hidden,
 * tabindex -1, autocomplete off), which programs that fill in every input
 * do: a form with it filled is thanked for and not sent. */
#define WEB_HELP_HONEYPOT  "website"
#define WEB_HELP_WINDOW_MS (3600 * 1000LL) /* web.self_referrals_per_hour's hour */

/* --- the form (web_help_fields.c) -------------------------------------- */

/* The /help form: source self, path /help, the carer's own details, the
 * person they look after, the self part, and their consent. No NHS number
 * and no referrer; the consent is the carer's own (consent.given_by is
 * left to the intake, which takes it as the carer's). */
const web_formdef_t *web_help_form(void);

/* Its questions about the caring, in the carer's words
 * (web_help_caring.c), as the referrers' forms ask them (web_form.h). */
extern const web_field_t *const web_help_q_people[4];
extern const web_field_t *const web_help_q_caring[4];
extern const web_field_t *const web_help_q_impact[3];
extern const web_field_t *const web_help_q_requests[5];
extern const web_field_t *const web_help_q_equality[5];

/* The referral the form's answers make (web_form_referral), its consent
 * given on `today` when the carer answered the consent question. A new
 * Referral (free with carerhub__referral__free_unpacked); what could not
 * be read in errs. */
Carerhub__Referral *web_help_referral(size_t nfields, const char *const *names,
                                      const char *const *values, date_t today, ferrs_t *errs);

/* The intake's errors (or the form's own) in words for the carer, added
 * to out: a known problem of a field as a sentence of its own ("Enter
 * your postcode"), anything else as the intake said it. Each keeps its
 * field, so that the page shows it at its input. */
void web_help_words(const ferrs_t *errs, ferrs_t *out);

/* --- requests per address (web_help_limit.c) --------------------------- */

/* Requests taken from each address (web_address_key: an IPv6 address by
 * its /64) in a window counted from the first of them. At most max
 * addresses are kept; when full, one of the fewest requests makes way, so
 * that a flood of addresses with one each cannot wipe out a busy one. */
typedef struct web_rate web_rate_t;

web_rate_t *web_rate_new(size_t max);
void web_rate_destroy(web_rate_t **t);
/* Whether address has had `limit` requests taken in its window, those on
 * their way (web_rate_take) included; if so, *wait_ms says when it may
 * send again. */
bool web_rate_full(web_rate_t *t, const char *address, int64_t now, unsigned limit,
                   int64_t window_ms, int64_t *wait_ms);
/* As web_rate_full, but if there is room, holds a place for a request from
 * address until its answer: web_rate_count if it was taken, else
 * web_rate_release. Returns true if a place is held. */
bool web_rate_take(web_rate_t *t, const char *address, int64_t now, unsigned limit,
                   int64_t window_ms, int64_t *wait_ms);
/* Gives back a place web_rate_take held, for a request not taken (refused,
 * the same one again, no answer). */
void web_rate_release(web_rate_t *t, const char *address, int64_t now, int64_t window_ms);
/* Counts a request taken from address, whose reference is id (may be
 * NULL), in the place web_rate_take held for it, if any: the same
 * reference again from it (a double click, a form sent again) is the same
 * request, not counted twice. */
void web_rate_count(web_rate_t *t, const char *address, int64_t now, int64_t window_ms,
                    const char *id);

#endif
