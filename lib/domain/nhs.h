/*
 * NHS numbers: ten digits, the last a modulus 11 check digit. Written with
 * or without spaces or hyphens ("943 476 5919"). Some numbers pass the
 * check digit and are still no person's: nhs_number_range() says which.
 */
#ifndef CARERHUB_NHS_H
#define CARERHUB_NHS_H

#define NHS_NUMBER_MAX 11 /* ten digits and NUL */

typedef enum {
    NHS_OK = 0,
    NHS_FORMAT,   /* not ten digits */
    NHS_CHECKSUM, /* the check digit does not match */
} nhs_status_t;

/* Checks in and writes its ten digits to out (NHS_NUMBER_MAX bytes). */
nhs_status_t nhs_number_parse(const char *in, char *out);

typedef enum {
    NHS_RANGE_ISSUED = 0, /* may be a person's */
    NHS_RANGE_REPEATED,   /* one digit ten times: every such number passes modulus 11 */
    NHS_RANGE_TEST,       /* the test range, 999 000 0000 to 999 999 9999 */
} nhs_range_t;

/* Which range the ten digits of a parsed number (nhs_number_parse's out)
 * fall in. 9999999999 is NHS_RANGE_REPEATED. Scottish CHI and Northern
 * Irish H&C numbers are people's, so NHS_RANGE_ISSUED. */
nhs_range_t nhs_number_range(const char *digits);

#endif
