/*
 * Tables built once from another, for a store written before they existed
 * (the referrers' index, the open identity conflicts): a walk of the source
 * table in commits of ROUTER_BUILD_PER_TXN entries, resumed after the last
 * key committed, then a mark in meta so that it never runs again. See
 * router.h.
 */
#include "router.h"

#include "util/be64.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

#define S_KEY_MAX 64 /* longest key of a table walked (a referral or case id) */

typedef struct {
    router_t *r;
    const router_build_t *how;
    char from[S_KEY_MAX + 1]; /* the last key walked, committed */
    char last[S_KEY_MAX + 1]; /* the same in the transaction running */
    bool done;                /* the transaction running reached the end */
    size_t counted;           /* entries `each` counted in the transaction running */
} s_walk_t;

/* One commit's worth of the walk; run again from the start of its share
 * if store_write retries it. */
static int s_walk_txn(MDB_txn *txn, void *arg)
{
    s_walk_t *w = arg;
    MDB_cursor *cur;
    MDB_val k = store_val(w->from), v;
    size_t n = 0;
    int rc, err = 0, op = w->from[0] ? MDB_SET_RANGE : MDB_FIRST;

    w->counted = 0;
    w->done = false;
    snprintf(w->last, sizeof w->last, "%s", w->from);
    if ((rc = mdb_cursor_open(txn, store_dbi(w->r->store, (size_t)w->how->db), &cur)) != 0)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);
         rc == 0 && n < ROUTER_BUILD_PER_TXN && err == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size > S_KEY_MAX || (w->from[0] && k.mv_size == strlen(w->from) &&
                                      memcmp(k.mv_data, w->from, k.mv_size) == 0))
            continue;
        memcpy(w->last, k.mv_data, k.mv_size);
        w->last[k.mv_size] = '\0';
        n++;
        if ((err = w->how->each(w->r, txn, &v)) > 0)
            w->counted++;
    }
    mdb_cursor_close(cur);
    if (err < 0)
        return -err;
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    if (rc == MDB_NOTFOUND) {
        uint8_t one[8];
        MDB_val mk = store_val(w->how->marker), mv = {8, one};
        be64_put(1, one);
        w->done = true;
        return mdb_put(txn, store_dbi(w->r->store, DB_META), &mk, &mv, 0);
    }
    return 0;
}

int router_build_once(router_t *r, const router_build_t *how)
{
    s_walk_t w;
    MDB_txn *txn;
    MDB_val k = store_val(how->marker), v;
    size_t total = 0;
    int rc;

    if ((rc = store_read(r->store, &txn)) != 0)
        return rc;
    rc = mdb_get(txn, store_dbi(r->store, DB_META), &k, &v);
    mdb_txn_abort(txn);
    if (rc == 0)
        return 0; /* built before */
    if (rc != MDB_NOTFOUND)
        return rc;
    memset(&w, 0, sizeof w);
    w.r = r;
    w.how = how;
    do {
        if ((rc = store_write(r->store, s_walk_txn, &w)) != 0)
            return rc;
        memcpy(w.from, w.last, sizeof w.from);
        total += w.counted;
    } while (!w.done);
    if (total)
        log_info("%s: %zu", how->what, total);
    return 0;
}
