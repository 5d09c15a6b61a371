/*
 * The postcode unit table: every live UK postcode and its local authority
 * district, loaded from the ONS Postcode Directory (ONSPD) or the National
 * Statistics Postcode Lookup (NSPL) with `carerhub postcodes import`. Kept in
 * its own LMDB environment (DATA_DIR/postcodes) so that the router and the
 * CLI can read it while an import writes.
 */
#ifndef CARERHUB_PCDB_H
#define CARERHUB_PCDB_H

#include <stdbool.h>
#include <stdio.h>

typedef struct pcdb pcdb_t;

/* Opens the table in dir. With create false, a missing table is not an
 * error: NULL is returned with errno ENOENT and routing goes on without it. */
pcdb_t *pcdb_open(const char *dir, bool create);
void pcdb_close(pcdb_t **db);

/* Keeps a long-running daemon's *db on the table in dir without a reload:
 * opens it once an import has created it, and reopens it when its file was
 * replaced by another (a restored data directory) or closes it when it was
 * removed. Costs one stat; call it before each routing decision. An import
 * into a table already open needs nothing: each lookup reads the newest
 * committed data. Returns 1 when *db changed (the caller logs it), else 0. */
int pcdb_follow(pcdb_t **db, const char *dir);

/* Looks up a normalised postcode; matches route_unit_fn so it can be passed
 * to route_decide with the pcdb as argument. Returns 1 and writes the
 * authority code, or 0. */
int pcdb_lookup(void *db, const char *postcode, char *lad_code);

typedef struct {
    unsigned long rows;       /* data rows read */
    unsigned long loaded;     /* live postcodes stored */
    unsigned long terminated; /* skipped: terminated (and removed if present) */
    unsigned long invalid;    /* skipped: postcode not valid */
    unsigned long no_lad;     /* skipped: no authority code */
    char lad_column[32];      /* the header name used for the authority */
} pcdb_import_stats_t;

/* Progress callback, called every 100,000 rows. */
typedef void (*pcdb_progress_fn)(const pcdb_import_stats_t *st, void *arg);

/* Imports CSV from f. Columns are found by header name: pcds, doterm, and
 * the authority in oslaua (ONSPD), laua (NSPL) or ladNNcd (the newest NN).
 * Returns 0, or -1 with a message in err (errsz bytes). Rows are committed
 * in batches; a failed import leaves the batches before it. */
int pcdb_import(pcdb_t *db, FILE *f, pcdb_import_stats_t *st, pcdb_progress_fn progress, void *arg,
                char *err, size_t errsz);

/* Number of postcodes in the table. */
unsigned long pcdb_count(pcdb_t *db);

#endif
