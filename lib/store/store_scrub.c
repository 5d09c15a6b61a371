/*
 * Rewriting a store so that nothing deleted remains in its file, and hot
 * copies for backups (store.h).
 *
 * LMDB never clears a page it frees, and a page it rewrites can carry, in
 * its free space, bytes of records that were on it before. A compacting
 * copy (mdb_env_copy2) copies live pages whole, free space included, so it
 * is not enough. store_scrub copies record by record into a new
 * environment that only ever holds live records, then swaps the files:
 * the new data.mdb, synced, is renamed over the old one while this process
 * alone has the store open (the exclusive lock on store.lock), and the
 * environment is opened again on it. A crash before the rename leaves the
 * old file as it was (and scrub.tmp/, cleared at the next open); after it,
 * the new file is whole.
 */
#include "store/store_impl.h"

#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_BATCH 4096 /* records a copying transaction puts */

static uint64_t s_file_size(const char *dir)
{
    char *path = file_join(dir, "data.mdb");
    struct stat st;
    int rc = stat(path, &st);
    free(path);
    return rc == 0 ? (uint64_t)st.st_size : 0;
}

static void s_remove_dir(const char *dir)
{
    const char *names[] = {"data.mdb", "lock.mdb"};
    for (size_t i = 0; i < 2; i++) {
        char *p = file_join(dir, names[i]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
}

void store_scrub_leftover(store_t *s)
{
    char *tmp = file_join(s->path, STORE_SCRUB_DIR);
    if (file_exists(tmp)) {
        log_warn("%s: removing the copy an interrupted rewrite left", s->path);
        s_remove_dir(tmp);
    }
    free(tmp);
}

/* Copies database name (NULL: none more) of src into dst, S_BATCH records a
 * transaction. */
static int s_copy_db(MDB_txn *src, MDB_dbi sdbi, MDB_env *dst, const char *name)
{
    MDB_cursor *cur;
    MDB_txn *out;
    MDB_dbi ddbi;
    MDB_val k, v;
    unsigned flags = 0;
    size_t n = 0;
    int rc, get;

    if ((rc = mdb_dbi_flags(src, sdbi, &flags)) != 0 || (rc = mdb_cursor_open(src, sdbi, &cur)))
        return rc;
    if ((rc = mdb_txn_begin(dst, NULL, 0, &out)) != 0)
        goto done;
    if ((rc = mdb_dbi_open(out, name, flags | MDB_CREATE, &ddbi)))
        goto abort;
    for (get = mdb_cursor_get(cur, &k, &v, MDB_FIRST); get == 0;
         get = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if ((rc = mdb_put(out, ddbi, &k, &v, (flags & MDB_DUPSORT) ? MDB_APPENDDUP : MDB_APPEND)))
            goto abort;
        if (++n % S_BATCH == 0) {
            if ((rc = mdb_txn_commit(out)) != 0 || (rc = mdb_txn_begin(dst, NULL, 0, &out)) != 0)
                goto done;
        }
    }
    if (get != MDB_NOTFOUND) {
        rc = get;
        goto abort;
    }
    rc = mdb_txn_commit(out);
    goto done;
abort:
    mdb_txn_abort(out);
done:
    mdb_cursor_close(cur);
    return rc;
}

/* Builds dir/data.mdb, with a map of map bytes (which the file records
 * and every later open adopts), from every database of s as of one read
 * transaction, and syncs it. */
static int s_build(store_t *s, const char *dir, size_t map)
{
    MDB_env *dst = NULL;
    MDB_txn *src = NULL;
    int rc;

    s_remove_dir(dir);
    if (mkdir(dir, 0700) != 0)
        return errno;
    if ((rc = mdb_env_create(&dst)) != 0)
        return rc;
    if ((rc = mdb_env_set_maxdbs(dst, (MDB_dbi)(s->ndbi + 2))) != 0 ||
        (rc = mdb_env_set_mapsize(dst, map)) != 0 ||
        (rc = mdb_env_open(dst, dir, MDB_NOTLS, 0600)) != 0 || (rc = store_read(s, &src)) != 0)
        goto out;
    for (size_t i = 0; i < s->ndbi && rc == 0; i++)
        rc = s_copy_db(src, s->dbi[i], dst, s->names[i]);
    if (rc == 0 && s->fmt_dbi_ok)
        rc = s_copy_db(src, s->fmt_dbi, dst, STORE_FORMAT_DB);
    if (rc == 0)
        rc = mdb_env_sync(dst, 1);
out:
    if (src)
        mdb_txn_abort(src);
    mdb_env_close(dst);
    return rc;
}

/* Puts dir/data.mdb in place of the store's and opens the store on it. */
static int s_swap(store_t *s, const char *dir)
{
    char *from = file_join(dir, "data.mdb"), *to = file_join(s->path, "data.mdb");
    size_t map = store_map_size(s);
    int rc = 0;

    mdb_env_close(s->env);
    s->env = NULL;
    if (rename(from, to) != 0)
        rc = errno;
    else if (file_sync_dir(s->path) != 0)
        rc = errno;
    free(from);
    free(to);
    /* Whether or not the rename went in, open what is there now. */
    int orc = store_open_env(s, map);
    if (orc != 0) {
        if (s->env)
            mdb_env_close(s->env);
        s->env = NULL;
        log_error("%s: cannot reopen the store: %s", s->path, mdb_strerror(orc));
    }
    return rc ? rc : orc;
}

int store_scrub(store_t *s, uint64_t *bytes_before, uint64_t *bytes_after)
{
    char *dir;
    uint64_t before;
    size_t map;
    int rc;

    if (s->readonly || s->lock_fd < 0)
        return EROFS;
    if (!s->env && (rc = store_reopen(s)) != 0)
        return rc;
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        /* A conversion that fails has let the shared lock go (flock(2)):
         * take it again, so others still see the store in use. */
        flock(s->lock_fd, LOCK_SH);
        return err == EWOULDBLOCK ? EBUSY : err;
    }
    dir = file_join(s->path, STORE_SCRUB_DIR);
    before = s_file_size(s->path);
    /* The same map as now: the live records fit in it, fewer pages than
     * the old file. Only if the copy's own page turnover does not, a
     * little more, once; never doubled at every rewrite. */
    map = store_map_size(s);
    rc = s_build(s, dir, map);
    if (rc == MDB_MAP_FULL && map < s->map_max)
        rc = s_build(s, dir, map + map / 4 > s->map_max ? s->map_max : map + map / 4);
    if (rc == 0)
        rc = s_swap(s, dir);
    s_remove_dir(dir);
    free(dir);
    flock(s->lock_fd, LOCK_SH);
    if (rc != 0)
        return rc;
    if (bytes_before)
        *bytes_before = before;
    if (bytes_after)
        *bytes_after = s_file_size(s->path);
    return 0;
}

int store_backup(store_t *s, const char *dir)
{
    int rc;
    if (!s->env && (rc = store_reopen(s)) != 0)
        return rc;
    return mdb_env_copy2(s->env, dir, MDB_CP_COMPACT);
}
