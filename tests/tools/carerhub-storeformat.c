/*
 * carerhub-storeformat: reads, or for a test sets, the format a store
 * records (its kind and schema version, lib/store/store_format.c), with
 * LMDB alone, so that a test can make a store "from a newer carerhub" or
 * "another daemon's" and see the daemon refuse it.
 *
 *   carerhub-storeformat DIR                    prints "KIND SCHEMA" ("- 0": none recorded)
 *   carerhub-storeformat DIR --set KIND SCHEMA  records them
 *
 * Exits 0, 64 on bad arguments, 74 if the store cannot be read or written.
 * Only with the store's daemons stopped.
 */
#include <lmdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define S_DB "carerhub" /* STORE_FORMAT_DB */

static int s_get(MDB_txn *txn, MDB_dbi dbi, const char *key, char *out, size_t outsz)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == 0) {
        size_t n = v.mv_size < outsz - 1 ? v.mv_size : outsz - 1;
        memcpy(out, v.mv_data, n);
        out[n] = '\0';
    }
    return rc;
}

static int s_put(MDB_txn *txn, MDB_dbi dbi, const char *key, const char *val)
{
    MDB_val k = {strlen(key), (void *)key}, v = {strlen(val), (void *)val};
    return mdb_put(txn, dbi, &k, &v, 0);
}

int main(int argc, char **argv)
{
    bool set = argc == 5 && strcmp(argv[2], "--set") == 0;
    char kind[64] = "-", schema[16] = "0";
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    int rc;

    if (argc != 2 && !set) {
        fprintf(stderr, "usage: carerhub-storeformat DIR [--set KIND SCHEMA]\n");
        return EX_USAGE;
    }
    if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_maxdbs(env, 64)) != 0 ||
        (rc = mdb_env_open(env, argv[1], set ? 0 : MDB_RDONLY, 0600)) != 0 ||
        (rc = mdb_txn_begin(env, NULL, set ? 0 : MDB_RDONLY, &txn)) != 0) {
        fprintf(stderr, "carerhub-storeformat: %s: %s\n", argv[1], mdb_strerror(rc));
        return EX_IOERR;
    }
    rc = mdb_dbi_open(txn, S_DB, set ? MDB_CREATE : 0, &dbi);
    if (rc == 0 && set) {
        if ((rc = s_put(txn, dbi, "kind", argv[3])) == 0 &&
            (rc = s_put(txn, dbi, "schema", argv[4])) == 0)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
    } else {
        if (rc == 0 && s_get(txn, dbi, "kind", kind, sizeof kind) == 0)
            s_get(txn, dbi, "schema", schema, sizeof schema);
        mdb_txn_abort(txn);
        printf("%s %s\n", kind, schema);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    mdb_env_close(env);
    if (rc != 0) {
        fprintf(stderr, "carerhub-storeformat: %s: %s\n", argv[1], mdb_strerror(rc));
        return EX_IOERR;
    }
    return 0;
}
