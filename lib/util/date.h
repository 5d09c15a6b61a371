/*
 * Calendar dates as whole days since 1970-01-01 (proleptic Gregorian), the
 * strict YYYY-MM-DD form used in referrals, "today" in the hub's local time,
 * a moment as a person reads it, and ages in whole years.
 */
#ifndef CARERHUB_DATE_H
#define CARERHUB_DATE_H

#include <stdbool.h>
#include <stdint.h>

typedef int32_t date_t;

#define DATE_STRLEN      11 /* "YYYY-MM-DD" and NUL */
#define DATE_WHEN_STRLEN 40 /* "30 September 2026 at 14:03" and NUL, with room */

bool date_valid_ymd(int y, int m, int d);
date_t date_from_ymd(int y, int m, int d);
void date_to_ymd(date_t day, int *y, int *m, int *d);

/* Parses exactly YYYY-MM-DD (year 1000-9999) naming a real date. Returns 0,
 * or -1 if the form is wrong or the date does not exist (2026-02-30). */
int date_parse(const char *s, date_t *out);
/* Parses a moment as RFC 3339 writes it: YYYY-MM-DDTHH:MM:SS with
 * optional fractions of a second, then Z or an offset (+01:00); seconds
 * may be left out (HH:MM). Returns 0 with unix milliseconds in *out, or -1.
 * A date alone (YYYY-MM-DD) is read as local midnight. */
int date_time_parse(const char *s, int64_t *out);

/* Writes YYYY-MM-DD into out (DATE_STRLEN bytes). */
void date_format(date_t day, char *out);

/* The local calendar date of a unix time in milliseconds. */
date_t date_of_ms(int64_t unix_ms);
date_t date_today(void);

/* A unix time in milliseconds as a person reads it, in local time:
 * "1 December 2026 at 14:03" (English month names, whatever the locale).
 * Writes at most DATE_WHEN_STRLEN bytes into out. */
void date_format_when(int64_t unix_ms, char *out);

/* Age in whole years on day `on` of someone born on `dob`. Someone born on 29
 * February becomes a year older on 1 March in years without one. Negative if
 * `on` is before `dob`. */
int date_age(date_t dob, date_t on);

/* The day someone born on dob turns age: 29 February in a common year is
 * 1 March. */
date_t date_birthday(date_t dob, int age);

#endif
