/*
 * Inside lib/store: the store's handle, shared by store.c (opening,
 * writing), store_format.c (which store and which version) and
 * store_scrub.c (rewriting and copying).
 */
#ifndef CARERHUB_STORE_IMPL_H
#define CARERHUB_STORE_IMPL_H

#include "store/store.h"

#define STORE_FORMAT_DB "carerhub" /* the format's own database: kind, schema */
#define STORE_LOCK_FILE "store.lock"
#define STORE_SCRUB_DIR "scrub.tmp" /* where store_scrub builds the new file */

struct store {
    MDB_env *env;
    MDB_dbi *dbi;
    char **names; /* of the databases, for reopening */
    size_t ndbi;
    MDB_dbi fmt_dbi;
    bool fmt_dbi_ok;
    char *path;
    size_t map_max;
    bool readonly;
    int lock_fd; /* store.lock, held shared (-1: none) */
    char *kind;  /* as recorded, or NULL */
    unsigned schema;
    store_commits_t commits;
};

int store_open_env(store_t *s, size_t map_size);
int store_reopen(store_t *s);
/* Checks and records the format (store_opts_t.kind). */
int store_format(store_t *s, const store_opts_t *o);
/* Takes away what a store_scrub cut short left behind. */
void store_scrub_leftover(store_t *s);

#endif
