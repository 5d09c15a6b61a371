/*
 * Fuzz target: a postcode directory (ONSPD or NSPL CSV) as `carerhub
 * postcodes import` reads it, imported into one unit table that lives in a
 * private directory under /tmp for the whole run; and the same bytes
 * through the plain CSV reader.
 */
#include "harness.h"

#include "domain/pcdb.h"
#include "domain/postcode.h"
#include "util/csv.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pcdb_t *s_db;

static void s_close(void)
{
    pcdb_close(&s_db);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *dir = xasprintf("%s/postcodes", harness_tmpdir());
    (void)argc;
    (void)argv;
    s_db = pcdb_open(dir, true);
    if (!s_db) {
        perror(dir);
        abort();
    }
    free(dir);
    atexit(s_close);
    return 0;
}

static FILE *s_open(const uint8_t *data, size_t size)
{
    static char empty[1];
    FILE *f = fmemopen(size ? (void *)data : empty, size, "r");
    HARNESS_ASSERT(f != NULL);
    return f;
}

static void s_import(const uint8_t *data, size_t size)
{
    static const char *const probes[] = {"CM1 1XX", "CM1 4YY", "CM2 0AA", "SW1A 1AA", "GIR 0AA"};
    FILE *f = s_open(data, size);
    pcdb_import_stats_t st;
    char err[512] = "", lad[16];
    int rc = pcdb_import(s_db, f, &st, NULL, NULL, err, sizeof err);

    fclose(f);
    HARNESS_ASSERT(rc == 0 || *err);
    HARNESS_ASSERT(st.rows >= st.loaded + st.terminated + st.invalid + st.no_lad);
    HARNESS_ASSERT(rc < 0 || st.rows == st.loaded + st.terminated + st.invalid + st.no_lad);
    HARNESS_ASSERT(rc < 0 || *st.lad_column);
    /* Whatever the table holds is a usable authority code. */
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
        if (pcdb_lookup(s_db, probes[i], lad) == 1)
            HARNESS_ASSERT(strlen(lad) == 9 && strcmp(lad + 1, "99999999") != 0);
    pcdb_count(s_db);
}

static void s_csv(const uint8_t *data, size_t size)
{
    FILE *f = s_open(data, size);
    csv_t *c = csv_new(f);
    long line = 0;
    int r;

    while ((r = csv_next(c)) == 1) {
        size_t n = csv_nfields(c);
        HARNESS_ASSERT(n >= 1 && n <= CSV_MAX_FIELDS);
        HARNESS_ASSERT(csv_line(c) > line);
        line = csv_line(c);
        for (size_t i = 0; i < n; i++)
            HARNESS_ASSERT(strlen(csv_field(c, i)) <= CSV_MAX_FIELD);
        HARNESS_ASSERT(*csv_field(c, n) == '\0');
    }
    HARNESS_ASSERT(r == 0 || (r < 0 && csv_error(c) && csv_line(c) >= 1));
    HARNESS_ASSERT(csv_next(c) == r);
    csv_destroy(&c);
    HARNESS_ASSERT(c == NULL);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_import(data, size);
    s_csv(data, size);
    return 0;
}
