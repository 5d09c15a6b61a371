/*
 * UK postcodes: normalisation (upper case, one space before the inward code)
 * and validation against the official format (BS 7666 as published by
 * GOV.UK): A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA, AA9A 9AA, with the
 * letter restrictions of each position, and GIR 0AA.
 */
#ifndef CARERHUB_POSTCODE_H
#define CARERHUB_POSTCODE_H

#include <stdbool.h>
#include <stddef.h>

#define POSTCODE_MAX 9 /* "AA9A 9AA" and NUL */
#define DISTRICT_MAX 5 /* "AA9A" and NUL */
#define SECTOR_MAX   7 /* "AA9A 9" and NUL */

/* Normalises in (any case, any white space) into out (POSTCODE_MAX bytes).
 * Returns 0 if it is a valid postcode, -1 if not (out is then undefined). */
int postcode_normalise(const char *in, char *out);

/* From a normalised postcode: the district (outward code, "CM2") and the
 * sector ("CM2 0"). */
void postcode_district(const char *pc, char *out);
void postcode_sector(const char *pc, char *out);

/* The Crown Dependency a normalised postcode is in, by its postcode area:
 * "Jersey" (JE), "Guernsey" (GY, which also serves Alderney and Sark) or
 * "Isle of Man" (IM); NULL for any other postcode. Their postcodes follow
 * the UK's format, but they have no UK local authority, so no district
 * table lists them. */
const char *postcode_crown_dependency(const char *pc);

/* True if s is a valid outward code (district) on its own, e.g. "CM2". */
bool postcode_district_valid(const char *s);
/* True if s is a valid sector, "CM2 0", already normalised. */
bool postcode_sector_valid(const char *s);

#endif
