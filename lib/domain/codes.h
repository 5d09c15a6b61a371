/*
 * Organisation codes on referrals: ODS codes of GP practices, NHS trusts and
 * their sites, and school URNs.
 */
#ifndef CARERHUB_CODES_H
#define CARERHUB_CODES_H

#include <stdbool.h>

/* GP practice: one letter then five digits, e.g. F81001. */
bool ods_practice_valid(const char *s);
/* NHS trust: three characters, a letter then two letters or digits, e.g. RAJ. */
bool ods_trust_valid(const char *s);
/* Trust site: the trust code followed by two letters or digits, e.g. RAJ01. */
bool ods_site_valid(const char *s);
/* School unique reference number: six digits, e.g. 115000. */
bool urn_valid(const char *s);

#endif
