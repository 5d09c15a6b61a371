/*
 * The spool directory and the ledger: see provider.h.
 *
 * A delivery is known by its identity: case id and version (one case can
 * reach an organisation twice for one referral, an update and then a
 * transfer, or with none, a transfer on an 18th birthday); a delivery
 * without a version, from a router older than case versions, by its
 * referral id. The ledger's key is the identity: case id, a newline, the
 * version in decimal; or the referral id. A temporary file is named after
 * it: <case-id>.v<version>.tmp or <referral-id>.tmp, which s_ident_tmp
 * reads back (a referral id holds no dot).
 *
 * The ledger also records the referral id of what it wrote. A case id and
 * version coming again for another referral is another carer's case, not a
 * redelivery: a hub restored from a backup, numbering cases again from the
 * backup's point, gives again case ids the lost hub gave after it. Such a
 * delivery is written, so that nothing is lost, as a file the case system
 * does not take for the case it has (<case-id>.v<version>.<kind>.<referral-
 * id>.clash), recorded under case id, version and referral id (its
 * temporary file <case-id>.v<version>.<referral-id>.tmp), and logged as an
 * error. A ledger entry without a referral id is taken for a redelivery, as
 * before referral ids were recorded.
 *
 * The other way round, a referral that comes again as a new case under
 * another case id is the same carer's case: a restored hub's router gives a
 * referral that was still with its intake at the backup a new case id, while
 * the lost hub's had made a case of it. So the ledger also records, under
 * "referral", a newline and the referral id, the file of each new case; such
 * a delivery is written as <case-id>.v<version>.<kind>.again, which names
 * the case id the hub now knows it by, and logged as an error.
 *
 * A batch of deliveries is made durable in four steps: (1) each new one is
 * written to its temporary file in .carerhub/tmp/, and the batch is synced
 * with one syncfs() (one fsync() when the batch holds a single file); (2) the
 * ledger records identity -> final file name, in one LMDB transaction; (3)
 * each temporary file is renamed into the spool directory and the directory
 * is fsync()ed; (4) the caller acknowledges. A crash before (2) leaves
 * temporary files the next start deletes (the router will send them again);
 * a crash after (2) leaves temporary files the next start renames, because
 * the ledger says they were committed.
 *
 * Nothing is replaced. A temporary file is created exclusively and never
 * through a symlink; a case file moves into place only where no file of that
 * name is (case ids start again if the router's store is lost, and a new
 * case must not silently overwrite one the case system has not read). Such
 * a delivery is logged as an error naming the file, kept out of the ledger
 * and not acknowledged: it stays in the router, which sends it again, until
 * someone moves the old file away. The rest of its batch goes on.
 */
#include "provider.h"

#include "domain/referral.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/smap.h"

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

/* Only in bin/planted/carerhub-provider, never installed: an agent with its
 * de-duplication removed (no ledger check, and files replaced), so that the
 * fault campaign shows it catches an agent writing a redelivery again. */
#ifdef CARERHUB_PLANT_NO_LEDGER_CHECK
#define S_PLANTED 1
#else
#define S_PLANTED 0
#endif

struct spool {
    char *out;
    char *tmp;
    int outfd, tmpfd; /* the two directories, open */
    store_t *ledger;
};

static const char *const s_dbs[] = {"delivered", NULL};
#define S_REFERRAL_KEY "referral\n" /* and a referral id: its new case's file */

/* A delivery's identity (see the top of this file). */
#define S_ID_MAX 96 /* more than a case id or a referral id */
typedef struct {
    char key[S_ID_MAX + 16];      /* the ledger's key */
    char tmp[S_ID_MAX + 32];      /* its temporary file in tmp/ */
    char what[S_ID_MAX * 2 + 32]; /* for the log */
    const char *rid;              /* the delivery's referral id, or NULL (borrowed) */
    char before[S_ID_MAX];        /* a clash: the referral id the ledger has, else "" */
    char was[PROVIDER_NAME_MAX];  /* a new case again: the file it was written as, else "" */
} s_ident_t;

static void s_ident_versioned(s_ident_t *id, const char *case_id, uint32_t v, const char *rid)
{
    snprintf(id->key, sizeof id->key, "%s\n%" PRIu32, case_id, v);
    snprintf(id->tmp, sizeof id->tmp, "%s.v%06" PRIu32 ".tmp", case_id, v);
    snprintf(id->what, sizeof id->what, "version %" PRIu32 " of case %s%s%s%s", v, case_id,
             rid ? " (referral " : "", rid ? rid : "", rid ? ")" : "");
    id->rid = rid;
    id->before[0] = id->was[0] = '\0';
}

/* Case id and version that came again for referral rid (see the top). */
static void s_ident_clash(s_ident_t *id, const char *case_id, uint32_t v, const char *rid)
{
    snprintf(id->key, sizeof id->key, "%s\n%" PRIu32 "\n%s", case_id, v, rid);
    snprintf(id->tmp, sizeof id->tmp, "%s.v%06" PRIu32 ".%s.tmp", case_id, v, rid);
    snprintf(id->what, sizeof id->what, "version %" PRIu32 " of case %s for referral %s", v,
             case_id, rid);
    id->rid = rid;
    id->before[0] = id->was[0] = '\0';
}

static void s_ident_referral(s_ident_t *id, const char *rid)
{
    snprintf(id->key, sizeof id->key, "%s", rid);
    snprintf(id->tmp, sizeof id->tmp, "%s.tmp", rid);
    snprintf(id->what, sizeof id->what, "the case of referral %s", rid);
    id->rid = rid;
    id->before[0] = id->was[0] = '\0';
}

/* The identity of d; -1 if it has none (its ids are not ids). */
static int s_ident(const Carerhub__Delivery *d, s_ident_t *id)
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
static int s_ident_tmp(const char *name, s_ident_t *id)
{
    char stem[S_ID_MAX], *dot, *end, *rid = NULL;
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
        s_ident_clash(id, stem, (uint32_t)v, rid);
    else
        s_ident_versioned(id, stem, (uint32_t)v, NULL);
    return 0;
}

/* The ledger's record of a delivery, by its identity's key, or NULL.
 * Caller frees. */
static Carerhub__LedgerEntry *s_ledger_get(spool_t *s, MDB_txn *txn, const char *key)
{
    MDB_val k = store_val(key), v;
    if (strlen(key) > 400 || mdb_get(txn, store_dbi(s->ledger, 0), &k, &v) != 0)
        return NULL;
    return carerhub__ledger_entry__unpack(NULL, v.mv_size, v.mv_data);
}

static int s_ledger_drop(MDB_txn *txn, void *arg)
{
    spool_t *s = ((void **)arg)[0];
    s_ident_t *const *ids = ((void **)arg)[1];
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
static int s_forget(spool_t *s, s_ident_t *const *ids)
{
    void *arg[2] = {s, (void *)ids};
    int rc = store_write(s->ledger, s_ledger_drop, arg);
    if (rc != 0)
        log_error("cannot update the ledger: %s", store_strerror(rc));
    return rc == 0 ? 0 : -1;
}

static void s_refuse_existing(spool_t *s, const char *name, const s_ident_t *id)
{
    log_error("%s/%s already exists: not replacing it with %s, which "
              "stays with the router unacknowledged; move the old file away (the case system "
              "may not have read it) and the router's next attempt delivers it",
              s->out, name, id->what);
}

/* Identities to take out of the ledger (NULL-terminated), owned. */
typedef struct {
    s_ident_t **v;
    size_t n, cap;
} s_ids_t;

static void s_ids_add(s_ids_t *ids, const s_ident_t *id)
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
static int s_recover_one(spool_t *s, MDB_txn *txn, const char *name, const s_ident_t *id,
                         s_ids_t *forget)
{
    Carerhub__LedgerEntry *e = s_ledger_get(s, txn, id->key);
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
            s_refuse_existing(s, e->file, id);
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
    s_ids_t forget = {xcalloc(1, sizeof(s_ident_t *)), 0, 1};

    if (!dir || store_read(s->ledger, &txn) != 0) {
        if (dir)
            closedir(dir);
        free(forget.v);
        return -1;
    }
    while ((de = readdir(dir)) != NULL) {
        size_t n = strlen(de->d_name);
        s_ident_t id;
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
    rc = forget.n ? s_forget(s, forget.v) : 0;
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

typedef struct {
    spool_t *s;
    Carerhub__Delivery **ds;
    s_ident_t *ids;
    char (*names)[PROVIDER_NAME_MAX];
    bool *fresh;
    size_t n;
} s_batch_t;

static int s_ledger_txn(MDB_txn *txn, void *arg)
{
    s_batch_t *b = arg;
    int64_t now = clock_now_ms();
    for (size_t i = 0; i < b->n; i++) {
        Carerhub__LedgerEntry e = CARERHUB__LEDGER_ENTRY__INIT;
        uint8_t buf[512];
        MDB_val k, v;
        int rc;
        if (!b->fresh[i])
            continue;
        e.file = b->names[i];
        e.has_at = true;
        e.at = now;
        e.referral_id = (char *)b->ids[i].rid;
        CH_ASSERT(carerhub__ledger_entry__get_packed_size(&e) <= sizeof buf);
        v.mv_size = carerhub__ledger_entry__pack(&e, buf);
        v.mv_data = buf;
        k = store_val(b->ids[i].key);
        if ((rc = mdb_put(txn, store_dbi(b->s->ledger, 0), &k, &v, 0)) != 0)
            return rc;
        /* A new case: its referral's, unless that came before. */
        if (e.referral_id && b->ds[i]->kind && strcmp(b->ds[i]->kind, "new") == 0) {
            char key[S_ID_MAX + 16];
            snprintf(key, sizeof key, S_REFERRAL_KEY "%s", e.referral_id);
            k = store_val(key);
            rc = mdb_put(txn, store_dbi(b->s->ledger, 0), &k, &v, MDB_NOOVERWRITE);
            if (rc != 0 && rc != MDB_KEYEXIST)
                return rc;
        }
    }
    return 0;
}

/* Writes tmp/NAME, not yet synced. Created exclusively and not through a
 * symlink: whatever was at that name (left by a failed attempt, or planted)
 * is removed, never written through. */
static int s_write_tmp(spool_t *s, const char *name, const buf_t *doc)
{
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd, rc = 0;
    fd = openat(s->tmpfd, name, flags, 0600);
    if (fd < 0 && errno == EEXIST) {
        log_warn("%s/%s was already there: removing it and writing afresh", s->tmp, name);
        if (unlinkat(s->tmpfd, name, 0) == 0)
            fd = openat(s->tmpfd, name, flags, 0600);
    }
    if (fd < 0)
        return -1;
    if (file_write_full(fd, doc->data, doc->len) < 0)
        rc = -1;
    if (close(fd) < 0)
        rc = -1;
    return rc;
}

/* Makes the batch's temporary files durable: one fsync() for one file;
 * for more, one syncfs(), which writes them all back and flushes the disk's
 * cache once instead of once per file. */
static int s_sync_tmp(spool_t *s, const char *only, size_t fresh)
{
    int fd, rc;
    if (fresh > 1)
        return syncfs(s->tmpfd) < 0 || fsync(s->tmpfd) < 0 ? -1 : 0;
    if ((fd = openat(s->tmpfd, only, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return -1;
    rc = fsync(fd) < 0 || fsync(s->tmpfd) < 0 ? -1 : 0;
    close(fd);
    return rc;
}

/* Whether the case file name is free in the spool directory; if not, says
 * so loudly. */
static bool s_name_free(spool_t *s, const char *name, const s_ident_t *id)
{
    struct stat st;
    if (fstatat(s->outfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        s_refuse_existing(s, name, id);
        return false;
    }
    if (errno != ENOENT) {
        log_error("cannot look for %s/%s: %s; %s stays with the router", s->out, name,
                  strerror(errno), id->what);
        return false;
    }
    return true;
}

/* Whether e, the ledger's entry for d's identity id, was written for another
 * referral; if so, id becomes the identity of d as a clash (see the top). */
static bool s_clash(const Carerhub__Delivery *d, const Carerhub__LedgerEntry *e, s_ident_t *id)
{
    if (!e->referral_id || !id->rid || strcmp(e->referral_id, id->rid) == 0 || !provider_version(d))
        return false;
    s_ident_clash(id, d->case_->case_id, provider_version(d), id->rid);
    snprintf(id->before, sizeof id->before, "%s",
             referral_id_ok(e->referral_id) ? e->referral_id : "unknown");
    return true;
}

/* Whether d is a new case for a referral the ledger has written as a new
 * case under another case id; if so, id->was names that file. */
static bool s_again(spool_t *s, MDB_txn *txn, const Carerhub__Delivery *d, s_ident_t *id)
{
    char key[S_ID_MAX + 16];
    Carerhub__LedgerEntry *e;
    size_t n = strlen(d->case_->case_id);
    if (!id->rid || !provider_version(d) || !d->kind || strcmp(d->kind, "new") != 0)
        return false;
    snprintf(key, sizeof key, S_REFERRAL_KEY "%s", id->rid);
    if (!(e = s_ledger_get(s, txn, key)))
        return false;
    if (e->file && (strncmp(e->file, d->case_->case_id, n) != 0 || e->file[n] != '.'))
        snprintf(id->was, sizeof id->was, "%s", e->file);
    carerhub__ledger_entry__free_unpacked(e, NULL);
    return id->was[0] != '\0';
}

/* A case file's name with ".<rid><ext>" (rid NULL: ext) in place of .json:
 * a file the case system does not take for a case file. */
static void s_name_as(char *name, size_t namesz, const char *rid, const char *ext)
{
    size_t n = strlen(name);
    if (n > 5 && strcmp(name + n - 5, ".json") == 0)
        name[n - 5] = '\0';
    n = strlen(name);
    snprintf(name + n, namesz - n, "%s%s%s", rid ? "." : "", rid ? rid : "", ext);
}

/* Which deliveries are new: with an identity, not in the ledger (those
 * already are stored), not a repeat within the batch (first[i] names the
 * one it repeats), and with their file name free. Returns how many are
 * new, or -1. */
static long s_pick(spool_t *s, s_batch_t *b, bool *stored, size_t *first)
{
    smap_t *seen = smap_new();
    MDB_txn *txn;
    long fresh = 0;
    if (store_read(s->ledger, &txn) != 0) {
        log_error("cannot read the ledger");
        smap_destroy(&seen);
        return -1;
    }
    for (size_t i = 0; i < b->n; i++) {
        Carerhub__LedgerEntry *e;
        uint64_t at;
        if (s_ident(b->ds[i], &b->ids[i]) < 0) {
            /* The agent lets no such delivery through: it stays with the
             * router, unacknowledged. */
            log_error("delivery %llu has no identity (no case version and referral id): not "
                      "stored",
                      (unsigned long long)b->ds[i]->delivery_id);
            first[i] = b->n;
            continue;
        }
        e = s_ledger_get(s, txn, b->ids[i].key);
        if (e && !S_PLANTED && s_clash(b->ds[i], e, &b->ids[i])) {
            carerhub__ledger_entry__free_unpacked(e, NULL);
            e = s_ledger_get(s, txn, b->ids[i].key);
        }
        if (e) {
            carerhub__ledger_entry__free_unpacked(e, NULL);
            if (!S_PLANTED) {
                stored[i] = true;
                continue;
            }
        }
        /* The same delivery twice in one batch is also a redelivery: it
         * fares as the first does. */
        if (smap_get(seen, b->ids[i].key, &at)) {
            first[i] = (size_t)at;
            continue;
        }
        smap_put(seen, b->ids[i].key, i);
        provider_file_name(b->ds[i], b->names[i], sizeof b->names[i]);
        if (b->ids[i].before[0])
            s_name_as(b->names[i], sizeof b->names[i], b->ids[i].rid, ".clash");
        else if (!S_PLANTED && s_again(s, txn, b->ds[i], &b->ids[i]))
            s_name_as(b->names[i], sizeof b->names[i], NULL, ".again");
        if (!S_PLANTED && !s_name_free(s, b->names[i], &b->ids[i]))
            continue;
        b->fresh[i] = true;
        fresh++;
    }
    mdb_txn_abort(txn);
    smap_destroy(&seen);
    return fresh;
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
 * strings in *out (free with s_files_free). Returns how many, or -1 if the
 * ledger cannot be read. */
static long s_case_files(store_t *ledger, const char *case_id,
                         const char (*batch)[PROVIDER_NAME_MAX], const bool *take, size_t n,
                         char ***out)
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

static void s_files_free(char **names, long n)
{
    for (long i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* A delivery's file: for an erasure, with the files of its case. */
static int s_doc(spool_t *s, const s_batch_t *b, size_t i, buf_t *doc)
{
    const Carerhub__Delivery *d = b->ds[i];
    char **files;
    long n;
    if (!d->kind || strcmp(d->kind, "erasure") != 0) {
        provider_json(d, doc);
        return 0;
    }
    /* The ledger's, and those of this batch before it. */
    if ((n = s_case_files(s->ledger, d->case_->case_id, (const char(*)[PROVIDER_NAME_MAX])b->names,
                          b->fresh, i, &files)) < 0) {
        log_error("cannot read the ledger for the files of case %s", d->case_->case_id);
        return -1;
    }
    provider_json_erasure(d, (const char *const *)files, (size_t)n, doc);
    s_files_free(files, n);
    return 0;
}

/* (1) The new deliveries' temporary files, synced together. */
static int s_write_all_tmp(spool_t *s, s_batch_t *b, size_t fresh)
{
    buf_t doc = BUF_INIT;
    const char *last = NULL;
    int rc = 0;
    for (size_t i = 0; i < b->n && rc == 0; i++) {
        if (!b->fresh[i])
            continue;
        buf_reset(&doc);
        if ((rc = s_doc(s, b, i, &doc)) < 0)
            break;
        if ((rc = s_write_tmp(s, b->ids[i].tmp, &doc)) < 0)
            log_error("cannot write %s/%s: %s", s->tmp, b->ids[i].tmp, strerror(errno));
        last = b->ids[i].tmp;
    }
    buf_free(&doc);
    if (rc == 0 && s_sync_tmp(s, last, fresh) < 0) {
        log_error("cannot sync the temporary files in %s: %s", s->tmp, strerror(errno));
        rc = -1;
    }
    return rc;
}

/* (3) Into place, never over a file. By now the ledger says they are
 * delivered, so a failure must not lose them: the agent stops, and
 * s_recover finishes the job on restart. A name taken meanwhile is
 * refused and forgotten, to be sent again. */
static void s_place(spool_t *s, s_batch_t *b, bool *stored, size_t *written)
{
    s_ident_t **clash = xcalloc(b->n + 1, sizeof *clash);
    size_t nclash = 0;
    for (size_t i = 0; i < b->n; i++) {
        const char *tmp = b->ids[i].tmp;
        if (!b->fresh[i])
            continue;
        if ((S_PLANTED ? renameat(s->tmpfd, tmp, s->outfd, b->names[i])
                       : file_rename_noreplace(s->tmpfd, tmp, s->outfd, b->names[i])) == 0) {
            stored[i] = true;
            (*written)++;
            if (b->ids[i].before[0])
                log_error("case %s came again for another referral (a hub restored from a "
                          "backup?): its version %" PRIu32 " was written for referral %s, and "
                          "now comes for referral %s, another carer's; written as %s/%s, "
                          "which is not imported as a case file: import it as a case of its "
                          "own and tell the hub's operator",
                          b->ds[i]->case_->case_id, provider_version(b->ds[i]), b->ids[i].before,
                          b->ids[i].rid, s->out, b->names[i]);
            else if (b->ids[i].was[0])
                log_error("referral %s came again as a new case, %s (a hub restored from a "
                          "backup?): it was written before as %s/%s; written as %s/%s, which "
                          "is not imported as a case file: the hub now knows this carer's case "
                          "as %s, so tell the case system the two are one, and the hub's "
                          "operator",
                          b->ids[i].rid, b->ds[i]->case_->case_id, s->out, b->ids[i].was, s->out,
                          b->names[i], b->ds[i]->case_->case_id);
        } else if (errno == EEXIST) {
            /* Appeared since we looked. */
            s_refuse_existing(s, b->names[i], &b->ids[i]);
            clash[nclash++] = &b->ids[i];
        } else {
            log_error("cannot move %s/%s into place: %s; stopping so that a restart completes it",
                      s->tmp, tmp, strerror(errno));
            exit(1);
        }
    }
    if (fsync(s->outfd) < 0) {
        log_error("cannot sync %s: %s; stopping so that a restart completes it", s->out,
                  strerror(errno));
        exit(1);
    }
    if (nclash > 0 && s_forget(s, clash) < 0) {
        log_error("stopping so that a restart completes it");
        exit(1);
    }
    for (size_t i = 0; i < nclash; i++)
        unlinkat(s->tmpfd, clash[i]->tmp, 0);
    free(clash);
}

int spool_write(spool_t *s, Carerhub__Delivery **ds, size_t n, bool *stored, size_t *written)
{
    s_batch_t b = {s,
                   ds,
                   xcalloc(n ? n : 1, sizeof *b.ids),
                   xcalloc(n ? n : 1, sizeof *b.names),
                   xcalloc(n ? n : 1, 1),
                   n};
    size_t *first = xcalloc(n ? n : 1, sizeof *first);
    long fresh;
    int rc = -1;

    *written = 0;
    for (size_t i = 0; i < n; i++) {
        stored[i] = false;
        first[i] = i;
    }
    fresh = s_pick(s, &b, stored, first);
    if (fresh == 0) {
        rc = 0;
    } else if (fresh > 0 && s_write_all_tmp(s, &b, (size_t)fresh) == 0) {
        /* (2) the ledger, then (3) into place. */
        if ((rc = store_write(s->ledger, s_ledger_txn, &b)) != 0)
            log_error("cannot record deliveries in the ledger: %s", store_strerror(rc));
        else
            s_place(s, &b, stored, written);
    }
    if (fresh > 0 && rc != 0)
        for (size_t i = 0; i < n; i++)
            if (b.fresh[i])
                unlinkat(s->tmpfd, b.ids[i].tmp, 0);
    for (size_t i = 0; i < n; i++)
        stored[i] = rc == 0 && first[i] < n && stored[first[i]];
    free(b.ids);
    free(b.names);
    free(b.fresh);
    free(first);
    return rc == 0 ? 0 : -1;
}
