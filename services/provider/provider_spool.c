/*
 * The spool directory and the ledger: see provider.h. This file writes a
 * batch of deliveries; provider_spool_ledger.c holds a delivery's identity,
 * the ledger's reads and opening the spool (its recovery), and
 * provider_spool.h what the two share.
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
#include "provider_spool.h"

#include "domain/referral.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/smap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Only in bin/planted/carerhub-provider, never installed: an agent with its
 * de-duplication removed (no ledger check, and files replaced), so that the
 * fault campaign shows it catches an agent writing a redelivery again. */
#ifdef CARERHUB_PLANT_NO_LEDGER_CHECK
#define S_PLANTED 1
#else
#define S_PLANTED 0
#endif

#define S_REFERRAL_KEY "referral\n" /* and a referral id: its new case's file */

typedef struct {
    spool_t *s;
    Carerhub__Delivery **ds;
    spool_ident_t *ids;
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
            char key[SPOOL_ID_MAX + 16];
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
static bool s_name_free(spool_t *s, const char *name, const spool_ident_t *id)
{
    struct stat st;
    if (fstatat(s->outfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        spool_refuse_existing(s, name, id);
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
static bool s_clash(const Carerhub__Delivery *d, const Carerhub__LedgerEntry *e, spool_ident_t *id)
{
    if (!e->referral_id || !id->rid || strcmp(e->referral_id, id->rid) == 0 || !provider_version(d))
        return false;
    spool_ident_clash(id, d->case_->case_id, provider_version(d), id->rid);
    snprintf(id->before, sizeof id->before, "%s",
             referral_id_ok(e->referral_id) ? e->referral_id : "unknown");
    return true;
}

/* Whether d is a new case for a referral the ledger has written as a new
 * case under another case id; if so, id->was names that file. */
static bool s_again(spool_t *s, MDB_txn *txn, const Carerhub__Delivery *d, spool_ident_t *id)
{
    char key[SPOOL_ID_MAX + 16];
    Carerhub__LedgerEntry *e;
    size_t n = strlen(d->case_->case_id);
    if (!id->rid || !provider_version(d) || !d->kind || strcmp(d->kind, "new") != 0)
        return false;
    snprintf(key, sizeof key, S_REFERRAL_KEY "%s", id->rid);
    if (!(e = spool_ledger_get(s, txn, key)))
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
        if (spool_ident(b->ds[i], &b->ids[i]) < 0) {
            /* The agent lets no such delivery through: it stays with the
             * router, unacknowledged. */
            log_error("delivery %llu has no identity (no case version and referral id): not "
                      "stored",
                      (unsigned long long)b->ds[i]->delivery_id);
            first[i] = b->n;
            continue;
        }
        e = spool_ledger_get(s, txn, b->ids[i].key);
        if (e && !S_PLANTED && s_clash(b->ds[i], e, &b->ids[i])) {
            carerhub__ledger_entry__free_unpacked(e, NULL);
            e = spool_ledger_get(s, txn, b->ids[i].key);
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
    if ((n = spool_case_files(s->ledger, d->case_->case_id,
                              (const char(*)[PROVIDER_NAME_MAX])b->names, b->fresh, i, &files)) <
        0) {
        log_error("cannot read the ledger for the files of case %s", d->case_->case_id);
        return -1;
    }
    provider_json_erasure(d, (const char *const *)files, (size_t)n, doc);
    spool_files_free(files, n);
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
    spool_ident_t **clash = xcalloc(b->n + 1, sizeof *clash);
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
            spool_refuse_existing(s, b->names[i], &b->ids[i]);
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
    if (nclash > 0 && spool_forget(s, clash) < 0) {
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
