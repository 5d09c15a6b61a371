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
#include <stdint.h>

typedef struct store store_t;

/* A store's format: which daemon's it is and the version of its records.
 * A store made before formats were recorded is version 0. */
typedef int (*store_upgrade_fn)(MDB_txn *txn, const MDB_dbi *dbi, unsigned from, void *arg);

typedef struct {
    const char *const *dbs; /* named databases, NULL-terminated; opened (created) at open */
    size_t map_size;        /* initial map size in bytes; 0: 64 MiB */
    size_t map_max;         /* growth stops here; 0: 1 TiB */
    bool readonly;          /* open an existing environment read-only */
    /* The format (both or neither): kind names the store ("router",
     * "intake", ...); schema is the version this program writes. Opening
     * refuses a store of another kind (STORE_EKIND) or of a newer version
     * (STORE_ENEWER); an older one is passed to upgrade (if set; dbi are the
     * handles of dbs) in the transaction that then records the version.
     * A read-only open checks the same but records nothing: an older
     * store is read as it is (store_schema says which). */
    const char *kind;
    unsigned schema;
    store_upgrade_fn upgrade;
    void *upgrade_arg;
} store_opts_t;

/* Errors of store_open besides errno values and LMDB codes. */
#define STORE_ENEWER (-40001) /* made by a newer carerhub */
#define STORE_EKIND  (-40002) /* another daemon's store */

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

/* The kind and format version recorded in the store (kind "" and 0 for a
 * store made before they were). */
const char *store_kind(const store_t *s);
unsigned store_schema(const store_t *s);

/* Rewrites the store so that nothing deleted from it remains in its file:
 * LMDB keeps freed pages, and stale bytes in the free space of live pages,
 * as they were. Every record of every database is copied into a new file,
 * which is synced and renamed over the old; the store is then open on it.
 * Every process that opens a store holds a shared lock on it (store.lock)
 * until it closes it; this needs the lock alone, so it returns EBUSY while
 * another process (a backup, say) has the store open: try again later.
 * bytes_before/after (either may be NULL): the file's size. Returns 0, or an
 * errno value or LMDB code with the old file intact and open. */
int store_scrub(store_t *s, uint64_t *bytes_before, uint64_t *bytes_after);

/* Copies the store, while it may be in use, into an empty directory dir as
 * a compacted consistent snapshot (mdb_env_copy2 with MDB_CP_COMPACT): the
 * file of a store that can be opened in its place. Returns 0 or an error. */
int store_backup(store_t *s, const char *dir);

/* The time each commit of store_write took to reach the disk, as a
 * histogram: counts[i] of commits that took at most store_commit_le[i]
 * seconds (cumulative, Prometheus style; the last bound is +Inf). */
#define STORE_COMMIT_BUCKETS 12
extern const double store_commit_le[STORE_COMMIT_BUCKETS];
typedef struct {
    uint64_t count;
    double sum_s;
    uint64_t counts[STORE_COMMIT_BUCKETS];
} store_commits_t;
void store_commit_stats(const store_t *s, store_commits_t *out);

/* Current map size in bytes. */
size_t store_map_size(const store_t *s);

/* Helpers for keys and values that are C strings (without the NUL). */
MDB_val store_val(const char *s);

#endif
