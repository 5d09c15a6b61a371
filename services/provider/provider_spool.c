/*
 * The spool directory and the ledger: see provider.h.
 *
 * A batch of deliveries is made durable in four steps: (1) each new one is
 * written to .carerhub/tmp/<referral-id>.tmp, and the batch is synced with
 * one syncfs() (one fsync() when the batch holds a single file); (2) the ledger
 * records referral id -> final file name, in one LMDB transaction; (3) each
 * temporary file is renamed into the spool directory and the directory is
 * fsync()ed; (4) the caller acknowledges. A crash before (2) leaves
 * temporary files the next start deletes (the router will send them again);
 * a crash after (2) leaves temporary files the next start renames, because
 * the ledger says they were committed.
 */
#include "provider.h"

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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct spool {
    char *out;
    char *tmp;
    int outfd, tmpfd; /* the two directories, open */
    store_t *ledger;
};

static const char *const s_dbs[] = {"delivered", NULL};

/* The ledger's record of a referral, or NULL. Caller frees. */
static Carerhub__LedgerEntry *s_ledger_get(spool_t *s, MDB_txn *txn, const char *rid)
{
    MDB_val k = store_val(rid), v;
    if (strlen(rid) > 400 || mdb_get(txn, store_dbi(s->ledger, 0), &k, &v) != 0)
        return NULL;
    return carerhub__ledger_entry__unpack(NULL, v.mv_size, v.mv_data);
}

/* Completes or discards what a previous run left in tmp/. */
static int s_recover(spool_t *s)
{
    DIR *dir = opendir(s->tmp);
    struct dirent *de;
    MDB_txn *txn;
    int renamed = 0, removed = 0;

    if (!dir)
        return -1;
    if (store_read(s->ledger, &txn) != 0) {
        closedir(dir);
        return -1;
    }
    while ((de = readdir(dir)) != NULL) {
        size_t n = strlen(de->d_name);
        char rid[256], *from;
        Carerhub__LedgerEntry *e;
        if (n < 5 || strcmp(de->d_name + n - 4, ".tmp") != 0 || n - 4 >= sizeof rid)
            continue;
        memcpy(rid, de->d_name, n - 4);
        rid[n - 4] = '\0';
        from = file_join(s->tmp, de->d_name);
        e = s_ledger_get(s, txn, rid);
        if (e && e->file && !strchr(e->file, '/')) {
            char *to = file_join(s->out, e->file);
            if (rename(from, to) == 0)
                renamed++;
            else
                log_error("cannot move %s to %s: %s", from, to, strerror(errno));
            free(to);
        } else {
            unlink(from);
            removed++;
        }
        if (e)
            carerhub__ledger_entry__free_unpacked(e, NULL);
        free(from);
    }
    mdb_txn_abort(txn);
    closedir(dir);
    if (renamed || removed) {
        file_sync_dir(s->out);
        log_info("recovered: %d file(s) completed, %d unfinished file(s) discarded (they "
                 "will be delivered again)",
                 renamed, removed);
    }
    return 0;
}

spool_t *spool_open(const char *out)
{
    spool_t *s = xcalloc(1, sizeof *s);
    store_opts_t o = {.dbs = s_dbs, .map_size = (size_t)64 << 20};
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
        log_error("cannot open the ledger %s: %s", ledger,
                  err > 0 ? strerror(err) : mdb_strerror(err));
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
    char (*names)[160];
    bool *fresh;
    size_t n;
} s_batch_t;

static int s_ledger_txn(MDB_txn *txn, void *arg)
{
    s_batch_t *b = arg;
    int64_t now = clock_now_ms();
    for (size_t i = 0; i < b->n; i++) {
        Carerhub__LedgerEntry e = CARERHUB__LEDGER_ENTRY__INIT;
        uint8_t buf[256];
        MDB_val k, v;
        int rc;
        if (!b->fresh[i])
            continue;
        e.file = b->names[i];
        e.has_at = true;
        e.at = now;
        v.mv_size = carerhub__ledger_entry__pack(&e, buf);
        v.mv_data = buf;
        k = store_val(b->ds[i]->referral_id);
        if ((rc = mdb_put(txn, store_dbi(b->s->ledger, 0), &k, &v, 0)) != 0)
            return rc;
    }
    return 0;
}

/* Writes tmp/<rid>.tmp, not yet synced. */
static int s_write_tmp(spool_t *s, const char *rid, const buf_t *doc)
{
    char name[256];
    int fd, rc = 0;
    snprintf(name, sizeof name, "%s.tmp", rid);
    fd = openat(s->tmpfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
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
static int s_sync_tmp(spool_t *s, const char *only_rid, size_t fresh)
{
    char name[256];
    int fd, rc;
    if (fresh > 1)
        return syncfs(s->tmpfd) < 0 || fsync(s->tmpfd) < 0 ? -1 : 0;
    snprintf(name, sizeof name, "%s.tmp", only_rid);
    if ((fd = openat(s->tmpfd, name, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    rc = fsync(fd) < 0 || fsync(s->tmpfd) < 0 ? -1 : 0;
    close(fd);
    return rc;
}

static void s_unlink_tmp(spool_t *s, const char *rid)
{
    char name[256];
    snprintf(name, sizeof name, "%s.tmp", rid);
    unlinkat(s->tmpfd, name, 0);
}

int spool_write(spool_t *s, Carerhub__Delivery **ds, size_t n, size_t *written)
{
    s_batch_t b = {s, ds, xcalloc(n ? n : 1, sizeof *b.names), xcalloc(n ? n : 1, 1), n};
    buf_t doc = BUF_INIT;
    MDB_txn *txn;
    smap_t *seen = smap_new();
    const char *last = NULL;
    size_t fresh = 0;
    int rc = -1;

    *written = 0;
    if (store_read(s->ledger, &txn) != 0) {
        log_error("cannot read the ledger");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        Carerhub__LedgerEntry *e = s_ledger_get(s, txn, ds[i]->referral_id);
        if (e) {
            carerhub__ledger_entry__free_unpacked(e, NULL);
#ifndef CARERHUB_PLANT_NO_LEDGER_CHECK
            continue;
#endif
            /* Only in build/.../planted/carerhub-provider, never installed:
             * a bug planted so that the fault campaign shows it catches an
             * agent writing a redelivered referral again. */
        }
        /* The same referral twice in one batch is also a redelivery. */
        if (!smap_put(seen, ds[i]->referral_id, i))
            continue;
        b.fresh[i] = true;
        provider_file_name(ds[i], b.names[i], sizeof b.names[i]);
        fresh++;
    }
    mdb_txn_abort(txn);

    /* (1) temporary files, synced together. */
    for (size_t i = 0; i < n; i++) {
        if (!b.fresh[i])
            continue;
        buf_reset(&doc);
        provider_json(ds[i], &doc);
        if (s_write_tmp(s, ds[i]->referral_id, &doc) < 0) {
            log_error("cannot write %s/%s.tmp: %s", s->tmp, ds[i]->referral_id, strerror(errno));
            goto cleanup;
        }
        last = ds[i]->referral_id;
    }
    if (fresh == 0) {
        rc = 0;
        goto done;
    }
    if (s_sync_tmp(s, last, fresh) < 0) {
        log_error("cannot sync the temporary files in %s: %s", s->tmp, strerror(errno));
        goto cleanup;
    }
    /* (2) the ledger. */
    if ((rc = store_write(s->ledger, s_ledger_txn, &b)) != 0) {
        log_error("cannot record deliveries in the ledger: %s",
                  rc > 0 ? strerror(rc) : mdb_strerror(rc));
        goto cleanup;
    }
    /* (3) into place. From here on the ledger says they are delivered, so a
     * failure must not lose them: s_recover finishes the job on restart. */
    for (size_t i = 0; i < n; i++) {
        char tmp[256];
        if (!b.fresh[i])
            continue;
        snprintf(tmp, sizeof tmp, "%s.tmp", ds[i]->referral_id);
        if (renameat(s->tmpfd, tmp, s->outfd, b.names[i]) < 0) {
            log_error("cannot move %s/%s into place: %s; stopping so that a restart completes it",
                      s->tmp, tmp, strerror(errno));
            exit(1);
        }
        (*written)++;
    }
    if (fsync(s->outfd) < 0) {
        log_error("cannot sync %s: %s; stopping so that a restart completes it", s->out,
                  strerror(errno));
        exit(1);
    }
    rc = 0;
    goto done;
cleanup:
    for (size_t i = 0; i < n; i++)
        if (b.fresh[i])
            s_unlink_tmp(s, ds[i]->referral_id);
    rc = -1;
done:
    smap_destroy(&seen);
    buf_free(&doc);
    free(b.names);
    free(b.fresh);
    return rc;
}
