/*
 * carerhub backup DIR and carerhub restore BACKUP: a consistent copy of
 * every store under the hub's data_dir, taken while the hub runs, and
 * putting one back with the hub stopped.
 *
 * A backup is a directory: each store's compacted copy (store_backup) at
 * the path it had under data_dir, and manifest.json, which names each with
 * its kind, format, size and BLAKE2b-256 digest, so that restore can tell
 * a whole backup from a damaged or altered one before it touches anything.
 * It is built in DIR.tmp and renamed to DIR when complete: a DIR that
 * exists is a whole backup.
 */
#include "cli.h"

#include "store/store.h"
#include "util/file.h"
#include "util/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define S_DEPTH 4 /* how deep under data_dir stores are looked for */

_Static_assert(CLI_BACKUP_HEX == crypto_generichash_BYTES * 2 + 1, "a digest in hex");

typedef struct {
    char *name; /* its path under data_dir: "router", "gp-intake" */
    char *kind; /* as recorded ("" before formats were) */
    unsigned schema;
    uint64_t bytes;
    char digest[CLI_BACKUP_HEX];
    store_t *store; /* backup: open read-only until copied */
} s_store_t;

typedef struct {
    s_store_t v[CLI_BACKUP_STORES_MAX];
    size_t n;
} s_list_t;

static void s_list_free(s_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        store_close(&l->v[i].store);
        free(l->v[i].name);
        free(l->v[i].kind);
    }
    l->n = 0;
}

/* Where a store's copy comes in a backup. Each copy is a snapshot of its
 * store at the moment the copy begins, so the order decides what can fall
 * between two of them. An intake keeps a referral in its spool until the
 * router has committed it and said so; copying the intakes first, then the
 * router, every referral accepted before the backup began is in the
 * intake's copy, or was committed by the router before the router's copy
 * began (taken the other way round, a referral the intake passed on
 * between the two copies would be in neither). Restored, an intake sends
 * the router what it holds again, and the router knows a referral it has.
 * Likewise the router keeps a delivery in its outbox until the provider's
 * agent has recorded it in its ledger and said so: the router before the
 * ledgers (a ledger is in a backup only if its organisation's spool is
 * under data_dir: normally the spool, and so the ledger, is the
 * organisation's, kept beside its case files). The web front door's
 * accounts and the postcode table hand nothing on to another store, so
 * their place does not matter: they come last, to keep the copies of the
 * chain close together in time. A store made before formats were recorded
 * is placed by its directory's name. */
static int s_rank(const char *kind, const char *name)
{
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    const char *k = *kind ? kind : base;
    size_t n = strlen(k);
    if (n > 7 && strcmp(k + n - 7, "-intake") == 0)
        return 0;
    if (strcmp(k, "router") == 0)
        return 1;
    if (strcmp(k, "provider") == 0 || strcmp(k, "ledger") == 0)
        return 2;
    if (strcmp(k, "web") == 0)
        return 3;
    return strcmp(k, "postcodes") == 0 ? 4 : 5;
}

static int s_order(const void *a, const void *b)
{
    const s_store_t *x = a, *y = b;
    int rx = s_rank(x->kind, x->name), ry = s_rank(y->kind, y->name);
    return rx != ry ? rx - ry : strcmp(x->name, y->name);
}

/* BLAKE2b-256 of path as hex in out, its size in *bytes. */
int cli_backup_digest(const char *path, char *out, uint64_t *bytes)
{
    crypto_generichash_state st;
    unsigned char buf[65536], h[crypto_generichash_BYTES];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    *bytes = 0;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        crypto_generichash_update(&st, buf, (unsigned long long)n);
        *bytes += (uint64_t)n;
    }
    close(fd);
    if (n < 0)
        return -1;
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, CLI_BACKUP_HEX, h, sizeof h);
    return 0;
}

static int s_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Takes away a directory this command made (a backup or store cut short). */
void cli_backup_remove(const char *dir)
{
    nftw(dir, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Whether dir is there with something in it. */
bool cli_backup_nonempty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool any = false;
    if (!d)
        return false;
    while (!any && (e = readdir(d)))
        any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return any;
}

/* Adds every store under data_dir/rel (a directory holding data.mdb) to l,
 * S_DEPTH levels down, leaving out what restore moved aside or was putting
 * in place. */
static int s_scan(const char *data_dir, const char *rel, int depth, s_list_t *l)
{
    char *dir = *rel ? file_join(data_dir, rel) : xstrdup(data_dir);
    char *mdb = file_join(dir, "data.mdb");
    struct stat st;
    DIR *d;
    struct dirent *e;
    int rc = 0;

    if (*rel && lstat(mdb, &st) == 0 && S_ISREG(st.st_mode)) {
        if (l->n == CLI_BACKUP_STORES_MAX) {
            errno = E2BIG;
            rc = -1;
        } else {
            l->v[l->n++].name = xstrdup(rel);
        }
    } else if (depth > 0 && (d = opendir(dir)) != NULL) {
        while (rc == 0 && (e = readdir(d))) {
            char *sub = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
            char *full = file_join(data_dir, sub);
            if (e->d_name[0] != '.' || strcmp(e->d_name, ".carerhub") == 0)
                if (!strstr(e->d_name, CLI_BACKUP_ASIDE) && !strstr(e->d_name, ".tmp") &&
                    lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
                    rc = s_scan(data_dir, sub, depth - 1, l);
            free(full);
            free(sub);
        }
        closedir(d);
    }
    free(mdb);
    free(dir);
    return rc;
}

/* Copies store i of l into tmp/<its name>, synced, and records its size
 * and digest. */
static int s_copy(s_store_t *s, const char *tmp)
{
    char *dir = file_join(tmp, s->name), *mdb = file_join(dir, "data.mdb");
    int rc = -1, fd, err;
    if (file_mkdirs(dir, 0700) < 0) {
        cli_error("backup", "cannot create %s: %s", dir, strerror(errno));
    } else if ((err = store_backup(s->store, dir)) != 0) {
        cli_error("backup", "cannot copy the store %s: %s", s->name, store_strerror(err));
    } else if ((fd = open(mdb, O_RDONLY | O_CLOEXEC)) < 0 || fchmod(fd, 0600) < 0 ||
               fsync(fd) < 0 || close(fd) < 0 || file_sync_dir(dir) < 0 ||
               cli_backup_digest(mdb, s->digest, &s->bytes) < 0) {
        cli_error("backup", "cannot write %s: %s", mdb, strerror(errno));
    } else {
        rc = 0;
    }
    free(mdb);
    free(dir);
    return rc;
}

/* Now in UTC: 2026-12-01T22:30:00Z, or compact 20261201T223000Z for a name. */
void cli_backup_now(bool compact, char *out, size_t outsz)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (compact)
        strftime(out, outsz, "%Y%m%dT%H%M%SZ", &tm);
    else
        strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int s_write_manifest(const char *tmp, const hubconf_t *conf, const s_list_t *l)
{
    json_t *stores = json_array(), *m;
    char made[32], *path = file_join(tmp, CLI_BACKUP_MANIFEST), *text;
    int rc;
    cli_backup_now(false, made, sizeof made);
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(stores,
                              json_pack("{s:s, s:s, s:I, s:I, s:s}", "name", l->v[i].name, "kind",
                                        l->v[i].kind, "schema", (json_int_t)l->v[i].schema, "bytes",
                                        (json_int_t)l->v[i].bytes, "blake2b_256", l->v[i].digest));
    m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "format", CLI_BACKUP_FORMAT, "carerhub_version",
                  CARERHUB_VERSION, "made_at", made, "config", conf->path, "data_dir",
                  conf->data_dir, "stores", stores);
    text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    rc = file_write_atomic(path, text, strlen(text), 0600);
    free(text);
    json_decref(m);
    free(path);
    return rc;
}

/* Whether the directory that is to hold path lies under dir: a backup kept
 * there would be taken for stores by the next one (and shares the hub's
 * disk). */
static bool s_under(const char *path, const char *dir)
{
    char *parent = file_dirname(path), *p = realpath(parent, NULL), *d = realpath(dir, NULL);
    size_t n = d ? strlen(d) : 0;
    bool under = p && d && strncmp(p, d, n) == 0 && (p[n] == '/' || p[n] == '\0');
    free(d);
    free(p);
    free(parent);
    return under;
}

static int s_backup(const hubconf_t *conf, const char *out)
{
    char *tmp = xasprintf("%s.tmp", out), *parent = file_dirname(out);
    s_list_t l = {.n = 0};
    struct stat st;
    int rc = 0, err;

    if (s_under(out, conf->data_dir)) {
        cli_error("backup", "%s is inside the hub's data_dir %s: keep backups elsewhere", out,
                  conf->data_dir);
        rc = EX_CANTCREAT;
    } else if (stat(out, &st) == 0 && (!S_ISDIR(st.st_mode) || cli_backup_nonempty(out))) {
        cli_error("backup", "%s is there already, and is not an empty directory: give a new one",
                  out);
        rc = EX_CANTCREAT;
    } else if (lstat(tmp, &st) == 0) {
        cli_error("backup",
                  "%s is there: a backup cut short (or one running now) left it; remove it "
                  "and try again",
                  tmp);
        rc = EX_CANTCREAT;
    } else if (s_scan(conf->data_dir, "", S_DEPTH, &l) < 0) {
        cli_error("backup", "more than %d stores under %s", CLI_BACKUP_STORES_MAX, conf->data_dir);
        rc = EX_DATAERR;
    } else if (l.n == 0) {
        cli_error("backup", "no stores under %s (the data_dir of %s): nothing to back up",
                  conf->data_dir, conf->path);
        rc = EX_NOINPUT;
    }
    /* Each open first, to learn its kind, and so its place. */
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        char *dir = file_join(conf->data_dir, l.v[i].name);
        store_opts_t o = {.readonly = true};
        if (!(l.v[i].store = store_open(dir, &o, &err))) {
            cli_error("backup", "cannot open the store %s: %s", dir, store_strerror(err));
            rc = EX_IOERR;
        } else {
            l.v[i].kind = xstrdup(store_kind(l.v[i].store));
            l.v[i].schema = store_schema(l.v[i].store);
        }
        free(dir);
    }
    if (rc == 0) {
        qsort(l.v, l.n, sizeof *l.v, s_order);
        if (mkdir(tmp, 0700) < 0) {
            cli_error("backup", "cannot create %s: %s", tmp, strerror(errno));
            rc = EX_CANTCREAT;
        }
    }
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        if (s_copy(&l.v[i], tmp) < 0)
            rc = EX_IOERR;
        store_close(&l.v[i].store);
    }
    if (rc == 0 && (s_write_manifest(tmp, conf, &l) < 0 || file_sync_dir(tmp) < 0 ||
                    rename(tmp, out) < 0 || file_sync_dir(parent) < 0)) {
        cli_error("backup", "cannot put the backup in place at %s: %s", out, strerror(errno));
        rc = EX_CANTCREAT;
    }
    if (rc != 0 && lstat(tmp, &st) == 0)
        cli_backup_remove(tmp); /* what this run made, and nothing else */
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        printf("%-40s %s store, format %u, %llu bytes\n", l.v[i].name,
               *l.v[i].kind ? l.v[i].kind : "unrecorded", l.v[i].schema,
               (unsigned long long)l.v[i].bytes);
    if (rc == 0)
        printf("backed up %zu stores of %s into %s: it holds carers' personal data, keep it as "
               "safe as the hub\n",
               l.n, conf->data_dir, out);
    s_list_free(&l);
    free(parent);
    free(tmp);
    return rc;
}

int cli_backup(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1)
        return cli_bad_option("backup", argv, opts);
    if (argc - optind != 1) {
        cli_error("backup", "usage: carerhub backup DIR (a new or empty directory)");
        return EX_USAGE;
    }
    if (sodium_init() < 0) {
        cli_error("backup", "cannot start libsodium");
        return EX_SOFTWARE;
    }
    {
        /* DIR/ and DIR are one directory; DIR/.tmp is not DIR.tmp. */
        char *out = xstrdup(argv[optind]);
        size_t n = strlen(out);
        while (n > 1 && out[n - 1] == '/')
            out[--n] = '\0';
        c = s_backup(cli_conf(cli), out);
        free(out);
        return c;
    }
}
