/*
 * NHS numbers: ten digits, the last a modulus 11 check digit. Written with
 * or without spaces or hyphens ("943 476 5919").
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

#endif
