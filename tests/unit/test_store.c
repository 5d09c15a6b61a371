/*
 * Unit tests of lib/store: the LMDB wrapper.
 */
#include "test.h"

#include "store/store.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static const char *const s_dbs[] = {"things", "other", NULL};

typedef struct {
    store_t *s;
    int from, count;
    size_t value_size;
    int calls;
} s_fill_t;

static int s_fill(MDB_txn *txn, void *arg)
{
    s_fill_t *f = arg;
    char key[32];
    char *value = xcalloc(1, f->value_size);
    int rc = 0;
    f->calls++;
    for (int i = f->from; i < f->from + f->count && rc == 0; i++) {
        MDB_val k, v = {f->value_size, value};
        snprintf(key, sizeof key, "k%08d", i);
        k = store_val(key);
        rc = mdb_put(txn, store_dbi(f->s, 0), &k, &v, 0);
    }
    free(value);
    return rc;
}

TEST(store_creates_private_environment)
{
    int err;
    struct stat st;
    char path[512];
    store_opts_t o = {.dbs = s_dbs};
    store_t *s = store_open(test_tmpdir(), &o, &err);
    CHECK(s != NULL);
    CHECK_INT(stat(test_tmpdir(), &st), 0);
    CHECK_INT(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/data.mdb", test_tmpdir());
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    store_close(&s);
    CHECK(s == NULL);
}

TEST(store_grows_map_when_full_and_keeps_everything)
{
    int err;
    store_opts_t o = {.dbs = s_dbs, .map_size = 1 << 20};
    store_t *s = store_open(test_tmpdir(), &o, &err);
    s_fill_t f = {s, 0, 2000, 4000, 0};
    MDB_txn *txn;
    MDB_stat st;
    CHECK(s != NULL);
    /* 8 MB of values into a 1 MB map: the transaction must be redone. */
    CHECK_INT(store_write(s, s_fill, &f), 0);
    CHECK(f.calls > 1);
    CHECK(store_map_size(s) >= (size_t)8 << 20);
    CHECK_INT(store_read(s, &txn), 0);
    CHECK_INT(mdb_stat(txn, store_dbi(s, 0), &st), 0);
    CHECK_INT(st.ms_entries, 2000);
    mdb_txn_abort(txn);
    store_close(&s);
}

TEST(store_reports_map_limit)
{
    int err;
    store_opts_t o = {.dbs = s_dbs, .map_size = 1 << 20, .map_max = 2 << 20};
    store_t *s = store_open(test_tmpdir(), &o, &err);
    s_fill_t f = {s, 0, 2000, 4000, 0};
    CHECK_INT(store_write(s, s_fill, &f), MDB_MAP_FULL);
    store_close(&s);
}

static int s_fail(MDB_txn *txn, void *arg)
{
    s_fill_t *f = arg;
    s_fill(txn, arg);
    (void)f;
    return EINVAL;
}

TEST(store_aborts_on_caller_error)
{
    int err;
    store_opts_t o = {.dbs = s_dbs};
    store_t *s = store_open(test_tmpdir(), &o, &err);
    s_fill_t f = {s, 0, 10, 10, 0};
    MDB_txn *txn;
    MDB_stat st;
    CHECK_INT(store_write(s, s_fail, &f), EINVAL);
    CHECK_INT(store_read(s, &txn), 0);
    CHECK_INT(mdb_stat(txn, store_dbi(s, 0), &st), 0);
    CHECK_INT(st.ms_entries, 0);
    mdb_txn_abort(txn);
    store_close(&s);
}

TEST(store_readonly_open_of_missing_fails)
{
    int err;
    char dir[512];
    store_opts_t o = {.dbs = s_dbs, .readonly = true};
    snprintf(dir, sizeof dir, "%s/missing", test_tmpdir());
    CHECK(store_open(dir, &o, &err) == NULL);
    CHECK_INT(err, ENOENT);
}

TEST(store_reopen_sees_committed_data)
{
    int err;
    store_opts_t o = {.dbs = s_dbs};
    store_t *s = store_open(test_tmpdir(), &o, &err);
    s_fill_t f = {s, 0, 100, 16, 0};
    MDB_txn *txn;
    MDB_val k = store_val("k00000042"), v;
    CHECK_INT(store_write(s, s_fill, &f), 0);
    store_close(&s);
    s = store_open(test_tmpdir(), &o, &err);
    CHECK(s != NULL);
    CHECK_INT(store_read(s, &txn), 0);
    CHECK_INT(mdb_get(txn, store_dbi(s, 0), &k, &v), 0);
    CHECK_INT(v.mv_size, 16);
    mdb_txn_abort(txn);
    store_close(&s);
}
