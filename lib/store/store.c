/*
 * LMDB wrapper: see store.h.
 */
#include "store/store.h"

#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct store {
    MDB_env *env;
    MDB_dbi *dbi;
    char **names; /* of the databases, for reopening */
    size_t ndbi;
    char *path;
    size_t map_max;
    bool readonly;
};

/* Creates the environment handle and opens it with its databases. */
static int s_open_env(store_t *s, size_t map_size)
{
    unsigned flags = MDB_NOTLS | (s->readonly ? MDB_RDONLY : 0);
    MDB_txn *txn = NULL;
    int rc, dead = 0;

    if ((rc = mdb_env_create(&s->env)) != 0)
        return rc;
    if ((rc = mdb_env_set_maxdbs(s->env, (MDB_dbi)(s->ndbi + 1))) != 0 ||
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
    return mdb_txn_commit(txn);
}

const char *store_strerror(int rc)
{
    return rc > 0 ? strerror(rc) : mdb_strerror(rc);
}

store_t *store_open(const char *dir, const store_opts_t *o, int *err)
{
    store_t *s = xcalloc(1, sizeof *s);
    size_t ndbs = 0;

    *err = 0;
    while (o->dbs && o->dbs[ndbs])
        ndbs++;
    s->path = xstrdup(dir);
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
    if ((*err = s_open_env(s, o->map_size ? o->map_size : (size_t)64 << 20)) != 0)
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
static int s_reopen(store_t *s)
{
    size_t map = store_map_size(s);
    int rc;
    log_warn("%s: the store needs reopening after a failed write", s->path);
    mdb_env_close(s->env);
    s->env = NULL;
    if ((rc = s_open_env(s, map)) != 0) {
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

int store_write(store_t *s, store_write_fn fn, void *arg)
{
    for (;;) {
        MDB_txn *txn;
        int rc;
        /* A store that could not be reopened: try again now, so that it
         * comes back when the disk does. */
        if (!s->env && (rc = s_reopen(s)) != 0)
            return rc;
        rc = s_begin(s, 0, &txn);
        if (rc == MDB_PANIC) {
            if ((rc = s_reopen(s)) != 0)
                return rc;
            rc = s_begin(s, 0, &txn);
        }
        if (rc != 0)
            return rc;
        rc = fn(txn, arg);
        if (rc != 0) {
            mdb_txn_abort(txn);
        } else {
            rc = mdb_txn_commit(txn);
            if (rc == 0)
                return 0;
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
    if (!s->env && (rc = s_reopen(s)) != 0)
        return rc;
    rc = s_begin(s, MDB_RDONLY, txn);
    if (rc == MDB_PANIC && (rc = s_reopen(s)) == 0)
        rc = s_begin(s, MDB_RDONLY, txn);
    return rc;
}

MDB_val store_val(const char *str)
{
    MDB_val v = {strlen(str), (void *)str};
    return v;
}
