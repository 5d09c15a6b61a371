/*
 * LMDB environments for carerhub's durable state. Writes run through
 * store_write(), which retries the caller's transaction function after
 * growing the map when LMDB reports MDB_MAP_FULL, and after adopting a map
 * size grown by another process. Commits use LMDB's default, fully synced
 * flags: a 0 from store_write() means the data is on disk.
 */
#ifndef CARERHUB_STORE_H
#define CARERHUB_STORE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct store store_t;

typedef struct {
    const char *const *dbs; /* named databases, NULL-terminated; opened (created) at open */
    size_t map_size;        /* initial map size in bytes; 0: 64 MiB */
    size_t map_max;         /* growth stops here; 0: 1 TiB */
    bool readonly;          /* open an existing environment read-only */
} store_opts_t;

/* Opens (creating with mode 0700/0600 unless readonly) the environment in
 * directory dir, clears reader slots left by dead processes, and opens the
 * named databases. Returns NULL with errno set (or an LMDB code in *err). */
store_t *store_open(const char *dir, const store_opts_t *opts, int *err);
/* The text of an error from this module: an errno value (> 0) or an LMDB
 * code. */
const char *store_strerror(int rc);
void store_close(store_t **s);

/* The handle of the i-th database named in opts->dbs. */
MDB_dbi store_dbi(const store_t *s, size_t i);
MDB_env *store_env(const store_t *s);
const char *store_path(const store_t *s);

/* A write transaction: fn does the work and returns 0 to commit, or an
 * error code to abort: MDB_MAP_FULL makes store_write grow the map and call
 * fn again (so fn must be safe to repeat), any other value is returned to the
 * caller as it is. Returns 0 once committed and synced, or the error (an
 * LMDB code or errno value, e.g. ENOSPC, EIO). */
typedef int (*store_write_fn)(MDB_txn *txn, void *arg);
int store_write(store_t *s, store_write_fn fn, void *arg);

/* Begins a read-only transaction (end it with mdb_txn_abort). Returns 0 or
 * an LMDB error. */
int store_read(store_t *s, MDB_txn **txn);

/* Current map size in bytes. */
size_t store_map_size(const store_t *s);

/* Helpers for keys and values that are C strings (without the NUL). */
MDB_val store_val(const char *s);

#endif
