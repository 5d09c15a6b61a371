/*
 * Unit tests of lib/store: rewriting a store so that nothing deleted
 * remains in its file, hot copies, formats and commit timings.
 */
#include "test.h"

#include "store/store.h"
#include "util/file.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

static const char *const s_dbs[] = {"things", "other", NULL};

#define S_SECRET "Wimborne-Fotheringay-7Q"

typedef struct {
    store_t *s;
    const char *key, *value;
    bool del;
} s_put_t;

static int s_put(MDB_txn *txn, void *arg)
{
    s_put_t *p = arg;
    MDB_val k = store_val(p->key), v;
    if (p->del)
        return mdb_del(txn, store_dbi(p->s, 0), &k, NULL);
    v = store_val(p->value);
    return mdb_put(txn, store_dbi(p->s, 0), &k, &v, 0);
}

static void s_write(store_t *s, const char *key, const char *value, bool del)
{
    s_put_t p = {s, key, value, del};
    int rc = s ? store_write(s, s_put, &p) : EINVAL;
    if (rc != 0)
        test_fail(__FILE__, __LINE__, "cannot write %s: %s", key, store_strerror(rc));
}

/* Whether the store's file holds needle anywhere. */
static bool s_file_has(const char *dir, const char *needle)
{
    char *path = file_join(dir, "data.mdb"), *data = NULL;
    size_t len = 0, n = strlen(needle);
    bool found = false;
    if (file_read_all(path, (size_t)1 << 30, &data, &len) != 0)
        test_fail(__FILE__, __LINE__, "cannot read %s", path);
    for (size_t i = 0; data && i + n <= len && !found; i++)
        found = memcmp(data + i, needle, n) == 0;
    free(data);
    free(path);
    return found;
}

static store_t *s_open(const char *dir)
{
    int err;
    store_opts_t o = {.dbs = s_dbs, .kind = "test", .schema = 1};
    store_t *s = store_open(dir, &o, &err);
    if (!s)
        test_fail(__FILE__, __LINE__, "cannot open %s: %s", dir, store_strerror(err));
    return s;
}

TEST(store_scrub_leaves_no_byte_of_a_deleted_record)
{
    store_t *s = s_open(test_tmpdir());
    char key[32], value[64];
    MDB_txn *txn;
    MDB_val k, v;
    uint64_t before = 0, after = 0;
    /* Neighbours on the same pages, then the record, then more writes that
     * copy those pages, then its deletion. */
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "k%04d", i);
        snprintf(value, sizeof value, "%s", i == 150 ? S_SECRET : "an ordinary value");
        s_write(s, key, value, false);
    }
    s_write(s, "k0151", "changed", false);
    s_write(s, "k0150", NULL, true);
    /* LMDB keeps it: the grep below can see it. */
    CHECK(s_file_has(test_tmpdir(), S_SECRET));
    CHECK_INT(store_scrub(s, &before, &after), 0);
    CHECK(!s_file_has(test_tmpdir(), S_SECRET));
    CHECK(before > 0 && after > 0);
    /* Everything else is there, and the store takes writes again. */
    CHECK_INT(store_read(s, &txn), 0);
    k = store_val("k0151");
    CHECK_INT(mdb_get(txn, store_dbi(s, 0), &k, &v), 0);
    CHECK_INT(v.mv_size, 7);
    k = store_val("k0299");
    CHECK_INT(mdb_get(txn, store_dbi(s, 0), &k, &v), 0);
    k = store_val("k0150");
    CHECK_INT(mdb_get(txn, store_dbi(s, 0), &k, &v), MDB_NOTFOUND);
    mdb_txn_abort(txn);
    s_write(s, "k0300", "after", false);
    store_close(&s);
    /* And on reopening, with its format. */
    s = s_open(test_tmpdir());
    CHECK_STR(store_kind(s), "test");
    CHECK_INT(store_schema(s), 1);
    store_close(&s);
}

TEST(store_scrub_waits_while_another_process_has_it_open)
{
    int err;
    store_t *s = s_open(test_tmpdir());
    store_opts_t ro = {.dbs = s_dbs, .readonly = true};
    store_t *other = store_open(test_tmpdir(), &ro, &err);
    CHECK(other != NULL);
    s_write(s, "a", S_SECRET, false);
    s_write(s, "a", NULL, true);
    CHECK_INT(store_scrub(s, NULL, NULL), EBUSY);
    CHECK(s_file_has(test_tmpdir(), S_SECRET));
    store_close(&other);
    CHECK_INT(store_scrub(s, NULL, NULL), 0);
    CHECK(!s_file_has(test_tmpdir(), S_SECRET));
    store_close(&s);
}

TEST(store_backup_copies_a_store_that_opens)
{
    int err;
    char *dir = file_join(test_tmpdir(), "copy");
    store_t *s = s_open(test_tmpdir()), *c;
    MDB_txn *txn;
    MDB_val k = store_val("kept"), v;
    s_write(s, "kept", "yes", false);
    CHECK_INT(file_mkdirs(dir, 0700), 0);
    CHECK_INT(store_backup(s, dir), 0);
    store_close(&s);
    store_opts_t o = {.dbs = s_dbs, .kind = "test", .schema = 1};
    c = store_open(dir, &o, &err);
    CHECK(c != NULL);
    CHECK_INT(store_read(c, &txn), 0);
    CHECK_INT(mdb_get(txn, store_dbi(c, 0), &k, &v), 0);
    mdb_txn_abort(txn);
    store_close(&c);
    free(dir);
}

static int s_upgrades;
static unsigned s_upgraded_from;

static int s_upgrade(MDB_txn *txn, const MDB_dbi *dbi, unsigned from, void *arg)
{
    MDB_val k = store_val("upgraded"), v = store_val("1");
    (void)arg;
    s_upgrades++;
    s_upgraded_from = from;
    return mdb_put(txn, dbi[1], &k, &v, 0);
}

TEST(store_format_upgrades_an_older_store_and_refuses_a_newer)
{
    int err;
    store_opts_t plain = {.dbs = s_dbs};
    store_opts_t v2 = {.dbs = s_dbs, .kind = "test", .schema = 2, .upgrade = s_upgrade};
    store_opts_t v1 = {.dbs = s_dbs, .kind = "test", .schema = 1};
    store_opts_t other = {.dbs = s_dbs, .kind = "router", .schema = 2};
    store_t *s = store_open(test_tmpdir(), &plain, &err);
    MDB_txn *txn;
    MDB_val k = store_val("upgraded"), v;
    /* A store made before formats were recorded, with a record in it. */
    s_write(s, "x", "y", false);
    store_close(&s);
    s_upgrades = 0;
    s = store_open(test_tmpdir(), &v2, &err);
    CHECK(s != NULL);
    CHECK_INT(s_upgrades, 1);
    CHECK_INT(s_upgraded_from, 0);
    CHECK_INT(store_schema(s), 2);
    CHECK_INT(store_read(s, &txn), 0);
    CHECK_INT(mdb_get(txn, store_dbi(s, 1), &k, &v), 0);
    mdb_txn_abort(txn);
    store_close(&s);
    /* Once upgraded, not again. */
    s = store_open(test_tmpdir(), &v2, &err);
    CHECK_INT(s_upgrades, 1);
    store_close(&s);
    /* An older carerhub refuses it, and says why. */
    CHECK(store_open(test_tmpdir(), &v1, &err) == NULL);
    CHECK_INT(err, STORE_ENEWER);
    CHECK_CONTAINS(store_strerror(err), "newer version of carerhub");
    /* So does another daemon. */
    CHECK(store_open(test_tmpdir(), &other, &err) == NULL);
    CHECK_INT(err, STORE_EKIND);
}

TEST(store_format_of_a_new_store_needs_no_upgrade)
{
    int err;
    store_opts_t v2 = {.dbs = s_dbs, .kind = "test", .schema = 2, .upgrade = s_upgrade};
    s_upgrades = 0;
    store_t *s = store_open(test_tmpdir(), &v2, &err);
    CHECK(s != NULL);
    CHECK_INT(s_upgrades, 0);
    CHECK_STR(store_kind(s), "test");
    store_close(&s);
}

TEST(store_commit_stats_count_each_commit)
{
    store_t *s = s_open(test_tmpdir());
    store_commits_t st;
    s_write(s, "a", "1", false);
    s_write(s, "b", "2", false);
    store_commit_stats(s, &st);
    /* The format was recorded in one commit at open, then two. */
    CHECK_INT(st.count, 3);
    CHECK_INT(st.counts[STORE_COMMIT_BUCKETS - 1], 3);
    CHECK(st.sum_s > 0);
    for (size_t i = 1; i < STORE_COMMIT_BUCKETS; i++)
        CHECK(st.counts[i] >= st.counts[i - 1]);
    store_close(&s);
}

TEST(store_scrub_keeps_the_map_size)
{
    store_t *s = s_open(test_tmpdir());
    size_t map;
    uint64_t after = 0;
    s_write(s, "a", S_SECRET, false);
    map = store_map_size(s);
    /* Rewritten hourly for a day, and more: the map must not grow each
     * time (it would soon be more than the machine can map). */
    for (int i = 0; i < 30; i++) {
        s_write(s, "b", "one more", i % 2 == 1);
        CHECK_INT(store_scrub(s, NULL, &after), 0);
    }
    CHECK_INT(store_map_size(s), map);
    store_close(&s);
    s = s_open(test_tmpdir());
    CHECK_INT(store_map_size(s), map);
    store_close(&s);
}

TEST(store_scrub_that_must_wait_keeps_the_store_locked)
{
    int err, fd;
    store_t *s = s_open(test_tmpdir());
    store_opts_t ro = {.dbs = s_dbs, .readonly = true};
    store_t *other = store_open(test_tmpdir(), &ro, &err);
    char *lock = file_join(test_tmpdir(), "store.lock");
    CHECK(other != NULL);
    CHECK_INT(store_scrub(s, NULL, NULL), EBUSY);
    store_close(&other);
    /* s still holds its shared lock: nobody may take the store alone. */
    fd = open(lock, O_RDWR);
    CHECK(fd >= 0);
    CHECK(flock(fd, LOCK_EX | LOCK_NB) != 0);
    close(fd);
    free(lock);
    store_close(&s);
}
