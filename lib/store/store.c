/*
 * LMDB wrapper: see store.h.
 */
#include "store/store_impl.h"

#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

const double store_commit_le[STORE_COMMIT_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  1e300};

/* Creates the environment handle and opens it with its databases and the
 * format's own (created unless read-only; absent: fmt_dbi_ok false). */
int store_open_env(store_t *s, size_t map_size)
{
    unsigned flags = MDB_NOTLS | (s->readonly ? MDB_RDONLY : 0);
    MDB_txn *txn = NULL;
    int rc, dead = 0;

    if ((rc = mdb_env_create(&s->env)) != 0)
        return rc;
    if ((rc = mdb_env_set_maxdbs(s->env, (MDB_dbi)(s->ndbi + 2))) != 0 ||
        (rc = mdb_env_set_mapsize(s->env, map_size)) != 0 ||
        (rc = mdb_env_set_maxreaders(s->env, 254)) != 0 ||
        (rc = mdb_env_open(s->env, s->path, flags, 0600)) != 0)
        return rc;
    /* A process killed inside a read transaction leaves its reader slot
     * taken, which would keep old pages from reuse for ever. */
    if ((rc = mdb_reader_check(s->env, &dead)) != 0)
        return rc;
    if (dead > 0)
        log_info("%s: cleared %d reader slot(s) of dead processes", s->path, dead);
    /* Adopt a map that another process has grown beyond our default. */
    mdb_env_set_mapsize(s->env, 0);
    if ((rc = mdb_txn_begin(s->env, NULL, s->readonly ? MDB_RDONLY : 0, &txn)) != 0)
        return rc;
    for (size_t i = 0; i < s->ndbi; i++) {
        if ((rc = mdb_dbi_open(txn, s->names[i], s->readonly ? 0 : MDB_CREATE, &s->dbi[i])) != 0) {
            mdb_txn_abort(txn);
            return rc;
        }
    }
    rc = mdb_dbi_open(txn, STORE_FORMAT_DB, s->readonly ? 0 : MDB_CREATE, &s->fmt_dbi);
    s->fmt_dbi_ok = rc == 0;
    if (rc != 0 && rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

const char *store_strerror(int rc)
{
    if (rc == STORE_ENEWER)
        return "it was written by a newer version of carerhub: run that version, or restore a "
               "backup this version made";
    if (rc == STORE_EKIND)
        return "it is another daemon's store: check data_dir and the daemon's name";
    return rc > 0 ? strerror(rc) : mdb_strerror(rc);
}

/* The shared lock every process holds on a store it has open (store.h,
 * store_scrub). A read-only directory: without the lock. */
static int s_lock(store_t *s)
{
    char *path = file_join(s->path, STORE_LOCK_FILE);
    int fd = open(path, (s->readonly ? O_RDONLY : O_RDWR | O_CREAT) | O_CLOEXEC, 0600);
    int saved = errno;
    free(path);
    if (fd < 0)
        return s->readonly && saved == ENOENT ? 0 : saved;
    if (flock(fd, LOCK_SH) != 0) {
        saved = errno;
        close(fd);
        return saved;
    }
    s->lock_fd = fd;
    return 0;
}

store_t *store_open(const char *dir, const store_opts_t *o, int *err)
{
    store_t *s = xcalloc(1, sizeof *s);
    size_t ndbs = 0;

    *err = 0;
    while (o->dbs && o->dbs[ndbs])
        ndbs++;
    s->path = xstrdup(dir);
    s->lock_fd = -1;
    s->readonly = o->readonly;
    s->map_max = o->map_max ? o->map_max : (size_t)1 << 40;
    s->dbi = xcalloc(ndbs ? ndbs : 1, sizeof *s->dbi);
    s->names = xcalloc(ndbs ? ndbs : 1, sizeof *s->names);
    s->ndbi = ndbs;
    for (size_t i = 0; i < ndbs; i++)
        s->names[i] = xstrdup(o->dbs[i]);
    if (!o->readonly && file_private_dir(dir) < 0) {
        *err = errno;
        goto fail;
    }
    if ((*err = s_lock(s)) != 0)
        goto fail;
    if (!o->readonly)
        store_scrub_leftover(s);
    if ((*err = store_open_env(s, o->map_size ? o->map_size : (size_t)64 << 20)) != 0)
        goto fail;
    if ((*err = store_format(s, o)) != 0)
        goto fail;
    return s;
fail:
    store_close(&s);
    errno = *err > 0 ? *err : EIO;
    return NULL;
}

/* After MDB_PANIC (a failed write left the environment unusable in this
 * process; what was committed before is intact on disk): close it and open
 * it again. */
int store_reopen(store_t *s)
{
    size_t map = store_map_size(s);
    int rc;
    log_warn("%s: the store needs reopening after a failed write", s->path);
    mdb_env_close(s->env);
    s->env = NULL;
    if ((rc = store_open_env(s, map)) != 0) {
        if (s->env)
            mdb_env_close(s->env);
        s->env = NULL;
        log_error("%s: cannot reopen the store: %s", s->path, mdb_strerror(rc));
    }
    return rc;
}

void store_close(store_t **sp)
{
    store_t *s = *sp;
    if (!s)
        return;
    if (s->env)
        mdb_env_close(s->env);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->kind);
    for (size_t i = 0; s->names && i < s->ndbi; i++)
        free(s->names[i]);
    free(s->names);
    free(s->dbi);
    free(s->path);
    free(s);
    *sp = NULL;
}

MDB_dbi store_dbi(const store_t *s, size_t i)
{
    return s->dbi[i];
}

MDB_env *store_env(const store_t *s)
{
    return s->env;
}

const char *store_path(const store_t *s)
{
    return s->path;
}

size_t store_map_size(const store_t *s)
{
    MDB_envinfo info;
    if (!s->env)
        return (size_t)64 << 20;
    mdb_env_info(s->env, &info);
    return info.me_mapsize;
}

static int s_grow(store_t *s)
{
    size_t cur = store_map_size(s), next = cur * 2;
    int rc;
    if (cur >= s->map_max)
        return MDB_MAP_FULL;
    if (next > s->map_max)
        next = s->map_max;
    rc = mdb_env_set_mapsize(s->env, next);
    if (rc == 0)
        log_info("%s: map grown from %zu to %zu MiB", s->path, cur >> 20, next >> 20);
    return rc;
}

static int s_begin(store_t *s, unsigned flags, MDB_txn **txn)
{
    int rc = mdb_txn_begin(s->env, NULL, flags, txn);
    if (rc == MDB_MAP_RESIZED) {
        /* Another process grew the map: adopt its size and try again. */
        if ((rc = mdb_env_set_mapsize(s->env, 0)) != 0)
            return rc;
        rc = mdb_txn_begin(s->env, NULL, flags, txn);
    }
    return rc;
}

static void s_commit_took(store_t *s, int64_t us)
{
    double secs = (double)us / 1e6;
    s->commits.count++;
    s->commits.sum_s += secs;
    for (size_t i = 0; i < STORE_COMMIT_BUCKETS; i++)
        if (secs <= store_commit_le[i])
            s->commits.counts[i]++;
}

void store_commit_stats(const store_t *s, store_commits_t *out)
{
    *out = s->commits;
}

int store_write(store_t *s, store_write_fn fn, void *arg)
{
    for (;;) {
        MDB_txn *txn;
        int rc;
        /* A store that could not be reopened: try again now, so that it
         * comes back when the disk does. */
        if (!s->env && (rc = store_reopen(s)) != 0)
            return rc;
        rc = s_begin(s, 0, &txn);
        if (rc == MDB_PANIC) {
            if ((rc = store_reopen(s)) != 0)
                return rc;
            rc = s_begin(s, 0, &txn);
        }
        if (rc != 0)
            return rc;
        rc = fn(txn, arg);
        if (rc != 0) {
            mdb_txn_abort(txn);
        } else {
            int64_t t0 = clock_mono_us();
            rc = mdb_txn_commit(txn);
            if (rc == 0) {
                s_commit_took(s, clock_mono_us() - t0);
                return 0;
            }
        }
        if (rc != MDB_MAP_FULL)
            return rc;
        if ((rc = s_grow(s)) != 0)
            return rc;
    }
}

int store_read(store_t *s, MDB_txn **txn)
{
    int rc;
    if (!s->env && (rc = store_reopen(s)) != 0)
        return rc;
    rc = s_begin(s, MDB_RDONLY, txn);
    if (rc == MDB_PANIC && (rc = store_reopen(s)) == 0)
        rc = s_begin(s, MDB_RDONLY, txn);
    return rc;
}

MDB_val store_val(const char *str)
{
    MDB_val v = {strlen(str), (void *)str};
    return v;
}
