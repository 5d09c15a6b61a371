/*
 * Which daemon's store it is and the version of its records (store.h,
 * store_opts_t.kind): recorded in the database "carerhub" as the keys
 * "kind" and "schema" (decimal).
 */
#include "store/store_impl.h"

#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    store_t *s;
    const store_opts_t *o;
    unsigned from;
    bool fresh;
} s_fmt_t;

static int s_get(MDB_txn *txn, store_t *s, const char *key, char *out, size_t outsz)
{
    MDB_val k = store_val(key), v;
    int rc = mdb_get(txn, s->fmt_dbi, &k, &v);
    if (rc != 0)
        return rc;
    if (v.mv_size >= outsz)
        return MDB_INCOMPATIBLE;
    memcpy(out, v.mv_data, v.mv_size);
    out[v.mv_size] = '\0';
    return 0;
}

/* Reads the recorded format into s (kind NULL: none recorded); *empty: no
 * database holds a record. */
static int s_read(store_t *s, bool *empty)
{
    MDB_txn *txn;
    char kind[64], schema[16];
    int rc = store_read(s, &txn);
    if (rc != 0)
        return rc;
    *empty = true;
    for (size_t i = 0; i < s->ndbi && *empty; i++) {
        MDB_stat st;
        if ((rc = mdb_stat(txn, s->dbi[i], &st)) != 0)
            goto out;
        *empty = st.ms_entries == 0;
    }
    if (s->fmt_dbi_ok && (rc = s_get(txn, s, "kind", kind, sizeof kind)) == 0 &&
        (rc = s_get(txn, s, "schema", schema, sizeof schema)) == 0) {
        s->kind = xstrdup(kind);
        s->schema = (unsigned)strtoul(schema, NULL, 10);
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
out:
    mdb_txn_abort(txn);
    return rc;
}

static int s_record(MDB_txn *txn, void *arg)
{
    s_fmt_t *f = arg;
    char schema[16];
    MDB_val k, v;
    int rc;
    if (!f->fresh && f->o->upgrade &&
        (rc = f->o->upgrade(txn, f->s->dbi, f->from, f->o->upgrade_arg)) != 0)
        return rc;
    snprintf(schema, sizeof schema, "%u", f->o->schema);
    k = store_val("kind");
    v = store_val(f->o->kind);
    if ((rc = mdb_put(txn, f->s->fmt_dbi, &k, &v, 0)) != 0)
        return rc;
    k = store_val("schema");
    v = store_val(schema);
    return mdb_put(txn, f->s->fmt_dbi, &k, &v, 0);
}

int store_format(store_t *s, const store_opts_t *o)
{
    bool empty;
    s_fmt_t f = {s, o, 0, false};
    int rc = s_read(s, &empty);
    if (rc != 0 || !o->kind)
        return rc;
    if (s->kind && strcmp(s->kind, o->kind) != 0) {
        log_error("%s holds a %s store, not a %s store", s->path, s->kind, o->kind);
        return STORE_EKIND;
    }
    if (s->kind && s->schema > o->schema) {
        log_error("%s holds a %s store of format %u; this carerhub reads formats up to %u", s->path,
                  s->kind, s->schema, o->schema);
        return STORE_ENEWER;
    }
    if ((s->kind && s->schema == o->schema) || s->readonly)
        return 0;
    f.from = s->kind ? s->schema : 0;
    f.fresh = !s->kind && empty;
    if ((rc = store_write(s, s_record, &f)) != 0)
        return rc;
    if (!f.fresh)
        log_info("%s: %s store upgraded from format %u to %u", s->path, o->kind, f.from, o->schema);
    free(s->kind);
    s->kind = xstrdup(o->kind);
    s->schema = o->schema;
    return 0;
}

const char *store_kind(const store_t *s)
{
    return s->kind ? s->kind : "";
}

unsigned store_schema(const store_t *s)
{
    return s->kind ? s->schema : 0;
}
