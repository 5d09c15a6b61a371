/*
 * Organisation codes on referrals: ODS codes of GP practices, NHS trusts and
 * their sites, of any organisation ODS lists, and school URNs.
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
/* Any ODS organisation code (a practice's, a trust's, a site's, a local
 * authority's, a pharmacy's...): 3 to 6 upper-case letters and digits,
 * e.g. FA123, RWN, 8HV48. The referring organisation of a professional. */
bool ods_org_valid(const char *s);
/* School unique reference number: six digits, e.g. 115000. */
bool urn_valid(const char *s);

#endif
