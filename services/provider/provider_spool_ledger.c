/*
 * The provider agent's ledger and a delivery's identity (see the top of
 * provider_spool.c): identities from deliveries and from the names of
 * temporary files, the ledger's entries read and dropped, the files it
 * records for a case, and opening the spool, which completes or discards
 * what a previous run left in tmp/.
 */
#include "provider_spool.h"

#include "domain/referral.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

static const char *const s_dbs[] = {"delivered", NULL};

static void s_ident_versioned(spool_ident_t *id, const char *case_id, uint32_t v, const char *rid)
{
    snprintf(id->key, sizeof id->key, "%s\n%" PRIu32, case_id, v);
    snprintf(id->tmp, sizeof id->tmp, "%s.v%06" PRIu32 ".tmp", case_id, v);
    snprintf(id->what, sizeof id->what, "version %" PRIu32 " of case %s%s%s%s", v, case_id,
             rid ? " (referral " : "", rid ? rid : "", rid ? ")" : "");
    id->rid = rid;
    id->before[0] = id->was[0] = '\0';
}

/* Case id and version that came again for referral rid (see the top of
 * provider_spool.c). */
void spool_ident_clash(spool_ident_t *id, const char *case_id, uint32_t v, const char *rid)
{
    snprintf(id->key, sizeof id->key, "%s\n%" PRIu32 "\n%s", case_id, v, rid);
    snprintf(id->tmp, sizeof id->tmp, "%s.v%06" PRIu32 ".%s.tmp", case_id, v, rid);
    snprintf(id->what, sizeof id->what, "version %" PRIu32 " of case %s for referral %s", v,
             case_id, rid);
    id->rid = rid;
    id->before[0] = id->was[0] = '\0';
}

static void s_ident_referral(spool_ident_t *id, const char *rid)
{
    snprintf(id->key, sizeof id->key, "%s", rid);
    snprintf(id->tmp, sizeof id->tmp, "%s.tmp", rid);
    snprintf(id->what, sizeof id->what, "the case of referral %s", rid);
    id->rid = rid;
    id->before[0] = id->was[0] = '\0';
}

/* The identity of d; -1 if it has none (its ids are not ids). */
int spool_ident(const Carerhub__Delivery *d, spool_ident_t *id)
{
    uint32_t v = provider_version(d);
    const char *rid = d->referral_id && referral_id_ok(d->referral_id) ? d->referral_id : NULL;
    if (v > 0 && case_id_ok(d->case_->case_id))
        s_ident_versioned(id, d->case_->case_id, v, rid);
    else if (v == 0 && rid)
        s_ident_referral(id, rid);
    else
        return -1;
    return 0;
}

/* The identity a temporary file left in tmp/ was written for, from its
 * name; -1 if it is no name this agent gives. */
static int s_ident_tmp(const char *name, spool_ident_t *id)
{
    char stem[SPOOL_ID_MAX], *dot, *end, *rid = NULL;
    size_t n = strlen(name);
    unsigned long v;
    if (n < 5 || n >= sizeof stem || strcmp(name + n - 4, ".tmp") != 0)
        return -1;
    memcpy(stem, name, n - 4);
    stem[n - 4] = '\0';
    if (!(dot = strchr(stem, '.'))) {
        if (!referral_id_ok(stem))
            return -1;
        s_ident_referral(id, stem);
        return 0;
    }
    *dot = '\0';
    if (dot[1] != 'v' || dot[2] < '0' || dot[2] > '9' || !case_id_ok(stem))
        return -1;
    errno = 0;
    v = strtoul(dot + 2, &end, 10);
    if (*end == '.') {
        *end = '\0';
        rid = end + 1;
    }
    if (errno || *end || v == 0 || v > UINT32_MAX || end - (dot + 2) > 10 ||
        (rid && !referral_id_ok(rid)))
        return -1;
    if (rid)
        spool_ident_clash(id, stem, (uint32_t)v, rid);
    else
        s_ident_versioned(id, stem, (uint32_t)v, NULL);
    return 0;
}

/* The ledger's record of a delivery, by its identity's key, or NULL.
 * Caller frees. */
Carerhub__LedgerEntry *spool_ledger_get(spool_t *s, MDB_txn *txn, const char *key)
{
    MDB_val k = store_val(key), v;
    if (strlen(key) > 400 || mdb_get(txn, store_dbi(s->ledger, 0), &k, &v) != 0)
        return NULL;
    return carerhub__ledger_entry__unpack(NULL, v.mv_size, v.mv_data);
}

static int s_ledger_drop(MDB_txn *txn, void *arg)
{
    spool_t *s = ((void **)arg)[0];
    spool_ident_t *const *ids = ((void **)arg)[1];
    for (size_t i = 0; ids[i]; i++) {
        MDB_val k = store_val(ids[i]->key);
        int rc = mdb_del(txn, store_dbi(s->ledger, 0), &k, NULL);
        if (rc != 0 && rc != MDB_NOTFOUND)
            return rc;
    }
    return 0;
}

/* Forgets that these deliveries (a NULL-terminated list of identities) were
 * stored: their files could not be put in place, so they were never
 * acknowledged and the router will send them again. */
int spool_forget(spool_t *s, spool_ident_t *const *ids)
{
    void *arg[2] = {s, (void *)ids};
    int rc = store_write(s->ledger, s_ledger_drop, arg);
    if (rc != 0)
        log_error("cannot update the ledger: %s", store_strerror(rc));
    return rc == 0 ? 0 : -1;
}

void spool_refuse_existing(spool_t *s, const char *name, const spool_ident_t *id)
{
    log_error("%s/%s already exists: not replacing it with %s, which "
              "stays with the router unacknowledged; move the old file away (the case system "
              "may not have read it) and the router's next attempt delivers it",
              s->out, name, id->what);
}

/* Identities to take out of the ledger (NULL-terminated), owned. */
typedef struct {
    spool_ident_t **v;
    size_t n, cap;
} s_ids_t;

static void s_ids_add(s_ids_t *ids, const spool_ident_t *id)
{
    ids->v = xgrow(ids->v, &ids->cap, ids->n + 2, sizeof *ids->v);
    ids->v[ids->n] = xmalloc(sizeof *id);
    *ids->v[ids->n++] = *id;
    ids->v[ids->n] = NULL;
}

enum { S_LEFT, S_COMPLETED, S_DISCARDED };

/* What to do with tmp/NAME, left by a previous run for delivery id: move
 * it into place if the ledger names its file and nothing is there yet;
 * else discard it (and, if the ledger has it, take it out so that the
 * router's next attempt is written). */
static int s_recover_one(spool_t *s, MDB_txn *txn, const char *name, const spool_ident_t *id,
                         s_ids_t *forget)
{
    Carerhub__LedgerEntry *e = spool_ledger_get(s, txn, id->key);
    struct stat st;
    int what = S_DISCARDED;
    if (e && (fstatat(s->tmpfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))) {
        /* Not a file this agent wrote (a symlink someone planted): never
         * moved into place. */
        log_error("%s/%s is not a regular file: removed; the router will deliver %s again", s->tmp,
                  name, id->what);
        s_ids_add(forget, id);
    } else if (e && e->file && !strchr(e->file, '/') && e->file[0] != '.') {
        what = S_COMPLETED;
        if (file_rename_noreplace(s->tmpfd, name, s->outfd, e->file) == 0) {
            /* completed */
        } else if (errno == EEXIST && file_same_file(s->tmpfd, name, s->outfd, e->file)) {
            /* Linked into place, not yet unlinked from tmp/. */
            unlinkat(s->tmpfd, name, 0);
        } else if (errno == EEXIST) {
            spool_refuse_existing(s, e->file, id);
            s_ids_add(forget, id);
            what = S_DISCARDED;
        } else {
            log_error("cannot move %s/%s to %s/%s: %s", s->tmp, name, s->out, e->file,
                      strerror(errno));
            what = S_LEFT;
        }
    } else {
        unlinkat(s->tmpfd, name, 0);
    }
    if (e)
        carerhub__ledger_entry__free_unpacked(e, NULL);
    return what;
}

/* Completes or discards what a previous run left in tmp/. */
static int s_recover(spool_t *s)
{
    DIR *dir = opendir(s->tmp);
    struct dirent *de;
    MDB_txn *txn;
    int done[3] = {0, 0, 0}, rc;
    s_ids_t forget = {xcalloc(1, sizeof(spool_ident_t *)), 0, 1};

    if (!dir || store_read(s->ledger, &txn) != 0) {
        if (dir)
            closedir(dir);
        free(forget.v);
        return -1;
    }
    while ((de = readdir(dir)) != NULL) {
        size_t n = strlen(de->d_name);
        spool_ident_t id;
        if (n < 5 || strcmp(de->d_name + n - 4, ".tmp") != 0)
            continue;
        if (s_ident_tmp(de->d_name, &id) < 0) {
            /* No name this agent gives: nothing the ledger can have. */
            unlinkat(s->tmpfd, de->d_name, 0);
            done[S_DISCARDED]++;
            continue;
        }
        done[s_recover_one(s, txn, de->d_name, &id, &forget)]++;
    }
    mdb_txn_abort(txn);
    closedir(dir);
    /* Out of the ledger first, then out of tmp/: the other way round, a
     * failure would leave the ledger naming a file that is not there, and
     * the router's next attempt would be taken for a redelivery. */
    rc = forget.n ? spool_forget(s, forget.v) : 0;
    for (size_t i = 0; i < forget.n; i++) {
        if (rc == 0)
            unlinkat(s->tmpfd, forget.v[i]->tmp, 0);
        free(forget.v[i]);
    }
    free(forget.v);
    if (rc < 0)
        return -1;
    if (done[S_COMPLETED] || done[S_DISCARDED]) {
        fsync(s->outfd);
        fsync(s->tmpfd);
        log_info("recovered: %d file(s) completed, %d unfinished file(s) discarded (they "
                 "will be delivered again)",
                 done[S_COMPLETED], done[S_DISCARDED]);
    }
    return 0;
}

spool_t *spool_open(const char *out)
{
    spool_t *s = xcalloc(1, sizeof *s);
    /* Format 1 (format 0 needs no upgrade). */
    store_opts_t o = {.dbs = s_dbs, .map_size = (size_t)64 << 20, .kind = "provider", .schema = 1};
    char *state = file_join(out, ".carerhub");
    char *ledger = file_join(state, "ledger");
    int err;

    s->out = xstrdup(out);
    s->tmp = file_join(state, "tmp");
    s->outfd = s->tmpfd = -1;
    if (file_private_dir(out) < 0 || file_private_dir(state) < 0 || file_private_dir(s->tmp) < 0 ||
        (s->outfd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (s->tmpfd = open(s->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        log_error("cannot create %s: %s", s->tmp, strerror(errno));
        goto fail;
    }
    s->ledger = store_open(ledger, &o, &err);
    if (!s->ledger) {
        log_error("cannot open the ledger %s: %s", ledger, store_strerror(err));
        /* A newer carerhub's ledger, or another daemon's store: a mistake
         * in the agent's --out, which a restart does not mend. */
        if (err == STORE_ENEWER || err == STORE_EKIND)
            exit(EX_CONFIG);
        goto fail;
    }
    if (s_recover(s) < 0) {
        log_error("cannot recover %s: %s", s->tmp, strerror(errno));
        goto fail;
    }
    free(state);
    free(ledger);
    return s;
fail:
    free(state);
    free(ledger);
    spool_close(&s);
    return NULL;
}

void spool_close(spool_t **sp)
{
    spool_t *s = *sp;
    if (!s)
        return;
    store_close(&s->ledger);
    if (s->outfd >= 0)
        close(s->outfd);
    if (s->tmpfd >= 0)
        close(s->tmpfd);
    free(s->out);
    free(s->tmp);
    free(s);
    *sp = NULL;
}

static int s_by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds a copy of name to *v (*n of them) if it is case_id's (len bytes)
 * and not there yet. */
static void s_add(char ***v, size_t *n, const char *name, const char *case_id, size_t len)
{
    if (strncmp(name, case_id, len) != 0 || name[len] != '.')
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], name) == 0)
            return;
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = xstrdup(name);
}

/* The names of the files this agent wrote for case case_id, for its
 * erasure: those the ledger records (a case's files are named after it and
 * a dot, versioned or not, whatever their identity: the whole ledger is
 * read, an erasure being rare), and each of the n names of the batch not
 * yet recorded whose take[i] is set; in name order, each once, as new
 * strings in *out (free with spool_files_free). Returns how many, or -1 if the
 * ledger cannot be read. */
long spool_case_files(store_t *ledger, const char *case_id, const char (*batch)[PROVIDER_NAME_MAX],
                      const bool *take, size_t n, char ***out)
{
    size_t got = 0, len = strlen(case_id);
    char **names = NULL;
    MDB_cursor *cur;
    MDB_txn *txn;
    MDB_val k, v;

    *out = NULL;
    if (store_read(ledger, &txn) != 0)
        return -1;
    if (mdb_cursor_open(txn, store_dbi(ledger, 0), &cur) != 0) {
        mdb_txn_abort(txn);
        return -1;
    }
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__LedgerEntry *e = carerhub__ledger_entry__unpack(NULL, v.mv_size, v.mv_data);
        if (e && e->file)
            s_add(&names, &got, e->file, case_id, len);
        if (e)
            carerhub__ledger_entry__free_unpacked(e, NULL);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    for (size_t i = 0; i < n; i++)
        if (take[i])
            s_add(&names, &got, batch[i], case_id, len);
    if (got > 1)
        qsort(names, got, sizeof *names, s_by_name);
    *out = names;
    return (long)got;
}

void spool_files_free(char **names, long n)
{
    for (long i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
