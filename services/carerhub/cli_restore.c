/*
 * carerhub restore BACKUP [--force]: puts a backup that carerhub backup
 * made (cli_backup.c) into the configured data_dir, with the hub stopped.
 * Nothing is touched until the whole backup has been checked against its
 * manifest; nothing is deleted: a store in the way is moved aside, and only
 * with --force. The router's store and the intakes' spools are marked as
 * restored (meta "restored"), so that at their next start they number
 * afresh: the hub the backup was taken from may have given ids after it.
 */
#include "cli.h"

#include "domain/referral.h"
#include "store/store.h"
#include "util/file.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

/* A store as the manifest names it. */
typedef struct {
    char *name; /* its path under data_dir */
    char *kind;
    unsigned schema;
    uint64_t bytes;
    char digest[CLI_BACKUP_HEX];
} s_store_t;

typedef struct {
    s_store_t v[CLI_BACKUP_STORES_MAX];
    size_t n;
} s_list_t;

static void s_list_free(s_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].kind);
    }
    l->n = 0;
}

/* Whether name is a path a backup may hold under data_dir: relative,
 * without "." or ".." components, of letters, digits, '.', '_', '-'. */
static bool s_name_ok(const char *name)
{
    const char *p = name;
    if (!*name || strlen(name) > 200)
        return false;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", p[i]))
                return false;
        p += n + (p[n] == '/');
        if (p[-1] == '/' && !*p)
            return false;
    }
    return true;
}

/* Reads and checks BACKUP/manifest.json into l; *made its made_at. */
static int s_read_manifest(const char *backup, s_list_t *l, char *made, size_t madesz)
{
    char *path = file_join(backup, CLI_BACKUP_MANIFEST);
    json_error_t je;
    json_t *m = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *stores, *it;
    const char *format = NULL, *at = NULL;
    size_t i;
    int rc = 0;

    if (!m) {
        cli_error("restore", "%s: %s (is %s a backup carerhub backup made?)", path, je.text,
                  backup);
        free(path);
        return EX_NOINPUT;
    }
    if (json_unpack(m, "{s:s, s:s, s:o}", "format", &format, "made_at", &at, "stores", &stores) ||
        strcmp(format, CLI_BACKUP_FORMAT) != 0 || !json_is_array(stores) ||
        json_array_size(stores) == 0 || json_array_size(stores) > CLI_BACKUP_STORES_MAX || !*at ||
        strlen(at) >= madesz || strspn(at, "0123456789-:TZ") != strlen(at)) {
        cli_error("restore",
                  "%s is not a manifest of format %s with the time it was made (made_at) and "
                  "a list of stores",
                  path, CLI_BACKUP_FORMAT);
        rc = EX_DATAERR;
    }
    if (rc != 0)
        goto out;
    snprintf(made, madesz, "%s", at);
    json_array_foreach(stores, i, it)
    {
        const char *name, *kind, *digest;
        json_int_t schema, bytes;
        s_store_t *s = &l->v[l->n];
        if (json_unpack(it, "{s:s, s:s, s:I, s:I, s:s}", "name", &name, "kind", &kind, "schema",
                        &schema, "bytes", &bytes, "blake2b_256", &digest) ||
            !s_name_ok(name) || schema < 0 || bytes < 0 || strlen(digest) != CLI_BACKUP_HEX - 1) {
            cli_error("restore",
                      "%s: store %zu: needs a name (a path under data_dir), kind, "
                      "schema, bytes and blake2b_256",
                      path, i + 1);
            rc = EX_DATAERR;
            break;
        }
        s->name = xstrdup(name);
        s->kind = xstrdup(kind);
        s->schema = (unsigned)schema;
        s->bytes = (uint64_t)bytes;
        memcpy(s->digest, digest, CLI_BACKUP_HEX);
        l->n++;
    }
out:
    json_decref(m);
    free(path);
    return rc;
}

/* Copies from to a new file to (0600), synced; its digest in out. */
static int s_copy_file(const char *from, const char *to, char *out)
{
    crypto_generichash_state st;
    unsigned char buf[65536], h[crypto_generichash_BYTES];
    int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), fd = -1, rc = -1;
    ssize_t n = -1;
    if (in >= 0 && (fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0) {
        crypto_generichash_init(&st, NULL, 0, sizeof h);
        while ((n = read(in, buf, sizeof buf)) > 0 && file_write_full(fd, buf, (size_t)n) == 0)
            crypto_generichash_update(&st, buf, (unsigned long long)n);
        crypto_generichash_final(&st, h, sizeof h);
        sodium_bin2hex(out, CLI_BACKUP_HEX, h, sizeof h);
        rc = n == 0 && fsync(fd) == 0 ? 0 : -1;
    }
    if (fd >= 0 && close(fd) < 0)
        rc = -1;
    if (in >= 0)
        close(in);
    return rc;
}

/* Whether the store in dir is open in some process: every process that
 * opens a store holds a shared lock on its store.lock until it closes it.
 * The lock taken here (fd in *held) stays until this command ends. */
static bool s_in_use(const char *dir, int *held)
{
    char *path = file_join(dir, "store.lock");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool busy = false;
    free(path);
    *held = -1;
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
        busy = errno == EWOULDBLOCK;
        close(fd);
        fd = -1;
    }
    *held = fd;
    if (!busy) {
        /* A daemon's own lock on its data directory (daemon_data_dir),
         * taken before it opens the store: one starting now. */
        path = file_join(dir, "lock");
        if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
            busy = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
            close(fd);
        }
        free(path);
    }
    return busy;
}

/* What numbers ids in the store s: "the router" (case ids, delivery ids,
 * audit numbers), "an intake" (referral ids), or NULL. A store of format 0
 * records no kind: its name says. */
static const char *s_numbering(const s_store_t *s)
{
    const char *kind = *s->kind                ? s->kind
                       : strrchr(s->name, '/') ? strrchr(s->name, '/') + 1
                                               : s->name;
    if (strcmp(kind, "router") == 0)
        return "the router";
    for (int i = CARERHUB__SOURCE__GP; i <= CARERHUB__SOURCE__PROFESSIONAL; i++)
        if (strcmp(kind, referral_intake_name((Carerhub__Source)i)) == 0)
            return "an intake";
    return NULL;
}

static int s_mark_txn(MDB_txn *txn, void *arg)
{
    store_t *st = ((void **)arg)[0];
    const char *made = ((void **)arg)[1];
    MDB_val k = store_val("restored"), v = store_val(made);
    return mdb_put(txn, store_dbi(st, 0), &k, &v, 0);
}

/* Marks the store copied into dir as restored from a backup made at made,
 * for the daemon that opens it next (router_store.c, intake_spool.c). */
static int s_mark(const char *dir, const char *made)
{
    static const char *const dbs[] = {"meta", NULL};
    store_opts_t so = {.dbs = dbs};
    int err = 0, rc;
    store_t *st = store_open(dir, &so, &err);
    void *arg[2] = {st, (void *)made};
    if (!st)
        return err ? err : EIO;
    rc = store_write(st, s_mark_txn, arg);
    store_close(&st);
    return rc;
}

/* Puts store s of the backup at data_dir/<name>, the one there (if any)
 * moved aside first, under the name aside gives. */
static int s_put(const char *backup, const char *data_dir, const s_store_t *s, const char *stamp,
                 const char *made)
{
    char *from = xasprintf("%s/%s/data.mdb", backup, s->name);
    char *target = file_join(data_dir, s->name), *parent = file_dirname(target);
    char *staging = xasprintf("%s%s", target, CLI_BACKUP_STAGING), *aside = NULL;
    char *mdb = file_join(staging, "data.mdb"), digest[CLI_BACKUP_HEX];
    const char *numbers = s_numbering(s);
    int rc = EX_IOERR, err = 0;

    cli_backup_remove(staging); /* one a restore cut short left */
    if (file_mkdirs(parent, 0700) < 0 || mkdir(staging, 0700) < 0 ||
        s_copy_file(from, mdb, digest) < 0 || file_sync_dir(staging) < 0) {
        cli_error("restore", "cannot copy %s to %s: %s", from, mdb, strerror(errno));
    } else if (strcmp(digest, s->digest) != 0) {
        cli_error("restore",
                  "%s changed while it was being restored: nothing of it was put in "
                  "place",
                  from);
        rc = EX_DATAERR;
    } else if (numbers && (err = s_mark(staging, made)) != 0) {
        cli_error("restore", "cannot mark %s as restored, for %s to number afresh: %s", staging,
                  numbers, store_strerror(err));
    } else if (cli_backup_nonempty(target) &&
               rename(target, (aside = xasprintf("%s%s%s", target, CLI_BACKUP_ASIDE, stamp))) < 0) {
        cli_error("restore", "cannot move %s aside to %s: %s", target, aside, strerror(errno));
    } else if (rename(staging, target) < 0 || file_sync_dir(parent) < 0) {
        cli_error("restore", "cannot put %s in place at %s: %s", staging, target, strerror(errno));
    } else {
        if (aside)
            printf("moved the store that was in %s aside to %s\n", target, aside);
        printf("restored %s (%s store, format %u, %llu bytes) into %s\n", s->name,
               *s->kind ? s->kind : "unrecorded", s->schema, (unsigned long long)s->bytes, target);
        if (numbers)
            printf("  marked as restored: at its next start %s there %s\n", numbers,
                   strcmp(numbers, "the router") == 0
                       ? "numbers cases, deliveries and audit records from the next million up"
                       : "gives referral ids of a new epoch");
        rc = 0;
    }
    if (rc != 0)
        cli_backup_remove(staging);
    free(mdb);
    free(aside);
    free(staging);
    free(parent);
    free(target);
    free(from);
    return rc;
}

static int s_restore(const hubconf_t *conf, const char *backup, bool force)
{
    s_list_t l = {.n = 0};
    int held[CLI_BACKUP_STORES_MAX], rc;
    size_t busy = 0, there = 0, bad = 0;
    char made[64] = "", stamp[32];

    for (size_t i = 0; i < CLI_BACKUP_STORES_MAX; i++)
        held[i] = -1;
    if ((rc = s_read_manifest(backup, &l, made, sizeof made)) != 0)
        goto out;
    /* All of it checked before anything is touched. */
    for (size_t i = 0; i < l.n; i++) {
        char *mdb = xasprintf("%s/%s/data.mdb", backup, l.v[i].name), digest[CLI_BACKUP_HEX];
        uint64_t bytes = 0;
        if (cli_backup_digest(mdb, digest, &bytes) < 0) {
            cli_error("restore", "cannot read %s: %s", mdb, strerror(errno));
            bad++;
        } else if (bytes != l.v[i].bytes || strcmp(digest, l.v[i].digest) != 0) {
            cli_error("restore", "%s is not the file the manifest names (%llu bytes, BLAKE2b %s)",
                      mdb, (unsigned long long)l.v[i].bytes, l.v[i].digest);
            bad++;
        }
        free(mdb);
    }
    if (bad) {
        cli_error("restore", "%s is damaged or was changed: nothing was restored", backup);
        rc = EX_DATAERR;
        goto out;
    }
    for (size_t i = 0; i < l.n; i++) {
        char *target = file_join(conf->data_dir, l.v[i].name);
        if (s_in_use(target, &held[i])) {
            cli_error("restore", "%s is in use (a daemon of the hub, or a backup, has it open)",
                      target);
            busy++;
        } else if (cli_backup_nonempty(target) && !force) {
            cli_error("restore", "%s holds a store already", target);
            there++;
        }
        free(target);
    }
    if (busy) {
        cli_error("restore", "stop the hub first (deploy/local-hub stop, or systemctl stop the "
                             "carerhub units): nothing was restored");
        rc = EX_UNAVAILABLE;
    } else if (there) {
        cli_error("restore", "restoring would replace what is there: give --force to move it "
                             "aside (nothing is deleted): nothing was restored");
        rc = EX_CANTCREAT;
    } else if (file_private_dir(conf->data_dir) < 0) {
        cli_error("restore", "cannot create %s: %s", conf->data_dir, strerror(errno));
        rc = EX_CANTCREAT;
    }
    cli_backup_now(true, stamp, sizeof stamp);
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        if ((rc = s_put(backup, conf->data_dir, &l.v[i], stamp, made)) != 0 && i > 0)
            cli_error("restore",
                      "stopped after %zu of %zu stores (those above): put the problem "
                      "right and restore again with --force",
                      i, l.n);
    if (rc == 0)
        printf("restored %zu stores from %s, made %s, into %s: the hub holds what it held then.\n"
               "Referrals accepted after then are not in it; make again every erasure recorded "
               "since (README: \"Backup and restore\") before the hub serves anyone.\n",
               l.n, backup, made, conf->data_dir);
out:
    for (size_t i = 0; i < CLI_BACKUP_STORES_MAX; i++)
        if (held[i] >= 0)
            close(held[i]);
    s_list_free(&l);
    return rc;
}

int cli_restore(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
    bool force = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'f')
            return cli_bad_option("restore", argv, opts);
        force = true;
    }
    if (argc - optind != 1) {
        cli_error("restore", "usage: carerhub restore BACKUP [--force]");
        return EX_USAGE;
    }
    if (sodium_init() < 0) {
        cli_error("restore", "cannot start libsodium");
        return EX_SOFTWARE;
    }
    return s_restore(cli_conf(cli), argv[optind], force);
}
