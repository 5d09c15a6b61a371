/*
 * Postcode unit table: see pcdb.h. Key: the normalised postcode; value: the
 * authority's ONS code.
 */
#include "domain/pcdb.h"

#include "domain/postcode.h"
#include "store/store.h"
#include "util/csv.h"
#include "util/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_BATCH 50000

enum { S_DB_UNITS };

struct pcdb {
    store_t *store;
    MDB_txn *rtxn; /* reused read transaction for lookups (reset between) */
    dev_t dev;     /* of data.mdb when opened, for pcdb_follow */
    ino_t ino;
};

static const char *const s_dbs[] = {"units", NULL};

pcdb_t *pcdb_open(const char *dir, bool create)
{
    /* Format 1 (format 0 needs no upgrade); read-only, a table of format
     * 0 is read as it is, and recorded as 1 at the next import. */
    store_opts_t o = {.dbs = s_dbs,
                      .map_size = (size_t)256 << 20,
                      .readonly = !create,
                      .kind = "postcodes",
                      .schema = 1};
    pcdb_t *db;
    store_t *s;
    int err;
    char *datafile = xasprintf("%s/data.mdb", dir);
    struct stat st;
    bool exists = access(datafile, F_OK) == 0;
    if (!create && !exists) {
        free(datafile);
        errno = ENOENT;
        return NULL;
    }
    s = store_open(dir, &o, &err);
    if (!s) {
        free(datafile);
        return NULL;
    }
    db = xcalloc(1, sizeof *db);
    db->store = s;
    if (stat(datafile, &st) == 0) {
        db->dev = st.st_dev;
        db->ino = st.st_ino;
    }
    free(datafile);
    return db;
}

void pcdb_close(pcdb_t **dbp)
{
    pcdb_t *db = *dbp;
    if (!db)
        return;
    if (db->rtxn)
        mdb_txn_abort(db->rtxn);
    store_close(&db->store);
    free(db);
    *dbp = NULL;
}

int pcdb_follow(pcdb_t **db, const char *dir)
{
    char *datafile = xasprintf("%s/data.mdb", dir);
    struct stat st;
    bool there = stat(datafile, &st) == 0;
    free(datafile);
    if (*db ? there && st.st_dev == (*db)->dev && st.st_ino == (*db)->ino : !there)
        return 0;
    pcdb_close(db);
    if (there)
        *db = pcdb_open(dir, false);
    return 1;
}

static MDB_txn *s_rtxn(pcdb_t *db)
{
    if (db->rtxn) {
        if (mdb_txn_renew(db->rtxn) == 0)
            return db->rtxn;
        mdb_txn_abort(db->rtxn);
        db->rtxn = NULL;
    }
    if (store_read(db->store, &db->rtxn) != 0) {
        db->rtxn = NULL;
        return NULL;
    }
    return db->rtxn;
}

int pcdb_lookup(void *arg, const char *postcode, char *lad_code)
{
    pcdb_t *db = arg;
    MDB_txn *txn = s_rtxn(db);
    MDB_val k = store_val(postcode), v;
    int found = 0;
    if (!txn)
        return 0;
    if (mdb_get(txn, store_dbi(db->store, S_DB_UNITS), &k, &v) == 0 && v.mv_size < 16) {
        memcpy(lad_code, v.mv_data, v.mv_size);
        lad_code[v.mv_size] = '\0';
        found = 1;
    }
    mdb_txn_reset(txn);
    return found;
}

unsigned long pcdb_count(pcdb_t *db)
{
    MDB_txn *txn = s_rtxn(db);
    MDB_stat st;
    unsigned long n = 0;
    if (!txn)
        return 0;
    if (mdb_stat(txn, store_dbi(db->store, S_DB_UNITS), &st) == 0)
        n = (unsigned long)st.ms_entries;
    mdb_txn_reset(txn);
    return n;
}

typedef struct {
    char pc[POSTCODE_MAX];
    char lad[16]; /* "" : delete */
} s_row_t;

typedef struct {
    pcdb_t *db;
    s_row_t *rows;
    size_t n;
} s_batch_t;

static int s_write_batch(MDB_txn *txn, void *arg)
{
    s_batch_t *b = arg;
    MDB_dbi dbi = store_dbi(b->db->store, S_DB_UNITS);
    for (size_t i = 0; i < b->n; i++) {
        MDB_val k = store_val(b->rows[i].pc);
        int rc;
        if (b->rows[i].lad[0]) {
            MDB_val v = store_val(b->rows[i].lad);
            rc = mdb_put(txn, dbi, &k, &v, 0);
        } else {
            rc = mdb_del(txn, dbi, &k, NULL);
            if (rc == MDB_NOTFOUND)
                rc = 0;
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int s_flush(s_batch_t *b, char *err, size_t errsz)
{
    int rc;
    if (b->n == 0)
        return 0;
    /* The reused read transaction must not be active while the map grows. */
    if (b->db->rtxn) {
        mdb_txn_abort(b->db->rtxn);
        b->db->rtxn = NULL;
    }
    rc = store_write(b->db->store, s_write_batch, b);
    if (rc) {
        snprintf(err, errsz, "cannot store postcodes: %s", mdb_strerror(rc));
        return -1;
    }
    b->n = 0;
    return 0;
}

/* The authority column: oslaua (ONSPD), laua (NSPL), or the newest ladNNcd. */
static int s_lad_column(const csv_t *c, char *name, size_t namesz)
{
    int best = -1, best_year = -1;
    for (size_t i = 0; i < csv_nfields(c); i++) {
        const char *h = csv_field(c, i);
        int year = -1;
        if (strcmp(h, "oslaua") == 0 || strcmp(h, "laua") == 0)
            year = 0;
        else if (strlen(h) == 7 && strncmp(h, "lad", 3) == 0 && h[3] >= '0' && h[3] <= '9' &&
                 h[4] >= '0' && h[4] <= '9' && strcmp(h + 5, "cd") == 0)
            year = 1 + (h[3] - '0') * 10 + (h[4] - '0');
        if (year > best_year) {
            best_year = year;
            best = (int)i;
        }
    }
    if (best >= 0)
        snprintf(name, namesz, "%s", csv_field(c, (size_t)best));
    return best;
}

static int s_column(const csv_t *c, const char *name)
{
    for (size_t i = 0; i < csv_nfields(c); i++)
        if (strcmp(csv_field(c, i), name) == 0)
            return (int)i;
    return -1;
}

/* ONS pseudo codes for "no authority": L99999999, M99999999, and the like. */
static bool s_lad_usable(const char *s)
{
    size_t n = strlen(s);
    if (n != 9 || !strchr("ENSWLM", s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return strcmp(s + 1, "99999999") != 0;
}

int pcdb_import(pcdb_t *db, FILE *f, pcdb_import_stats_t *st, pcdb_progress_fn progress, void *arg,
                char *err, size_t errsz)
{
    csv_t *c = csv_new(f);
    s_batch_t b = {db, xmalloc(S_BATCH * sizeof(s_row_t)), 0};
    int pcds, doterm, lad, rc = -1, r;

    memset(st, 0, sizeof *st);
    r = csv_next(c);
    if (r <= 0) {
        snprintf(err, errsz, r == 0 ? "the file is empty" : "line %ld: %s", csv_line(c),
                 csv_error(c));
        goto done;
    }
    /* A byte order mark before the first header would hide its name. */
    pcds = s_column(c, "pcds");
    if (pcds < 0 && strcmp(csv_field(c, 0), "\xef\xbb\xbfpcds") == 0)
        pcds = 0;
    doterm = s_column(c, "doterm");
    lad = s_lad_column(c, st->lad_column, sizeof st->lad_column);
    if (pcds < 0 || lad < 0) {
        snprintf(err, errsz,
                 "the header has no %s column (expected pcds, and oslaua, laua "
                 "or ladNNcd, as in ONSPD and NSPL)",
                 pcds < 0 ? "pcds" : "authority");
        goto done;
    }
    while ((r = csv_next(c)) == 1) {
        s_row_t *row = &b.rows[b.n];
        const char *code = csv_field(c, (size_t)lad);
        st->rows++;
        if (postcode_normalise(csv_field(c, (size_t)pcds), row->pc) < 0) {
            st->invalid++;
        } else if (doterm >= 0 && csv_field(c, (size_t)doterm)[0]) {
            st->terminated++;
            row->lad[0] = '\0';
            b.n++;
        } else if (!s_lad_usable(code)) {
            st->no_lad++;
        } else {
            memcpy(row->lad, code, 10);
            st->loaded++;
            b.n++;
        }
        if (b.n == S_BATCH && s_flush(&b, err, errsz) < 0)
            goto done;
        if (progress && st->rows % 100000 == 0)
            progress(st, arg);
    }
    if (r < 0) {
        snprintf(err, errsz, "line %ld: %s", csv_line(c), csv_error(c));
        s_flush(&b, err, errsz);
        goto done;
    }
    if (s_flush(&b, err, errsz) < 0)
        goto done;
    rc = 0;
done:
    free(b.rows);
    csv_destroy(&c);
    return rc;
}
