/*
 * A streaming reader of CSV (RFC 4180: quoted fields, doubled quotes, CRLF or
 * LF line ends) for large files such as the ONS Postcode Directory. Records
 * are read one at a time; fields are borrowed until the next call.
 */
#ifndef CARERHUB_CSV_H
#define CARERHUB_CSV_H

#include <stddef.h>
#include <stdio.h>

typedef struct csv csv_t;

#define CSV_MAX_FIELD  65536 /* bytes in one field */
#define CSV_MAX_FIELDS 1024  /* fields in one record */

/* Reads from f (borrowed; not closed). */
csv_t *csv_new(FILE *f);
void csv_destroy(csv_t **c);

/* Reads the next record: 1, 0 at the end of input, -1 on malformed input
 * (see csv_error; reading cannot go on after it). */
int csv_next(csv_t *c);
size_t csv_nfields(const csv_t *c);
/* Field i of the current record, NUL-terminated; "" beyond the last. */
const char *csv_field(const csv_t *c, size_t i);
/* The line on which the current record (or the error) starts, from 1. */
long csv_line(const csv_t *c);
const char *csv_error(const csv_t *c);

#endif
