/*
 * The file work of the outcomes folder (see provider_outbox.c): reading an
 * outcome file no further than the largest one read, and filing a file
 * into sent/ or rejected/ without ever replacing one there. A name already
 * taken gets .2, .3 ... after it; an error file goes beside its file, as
 * NAME.error.json, and is written first, whole and synced, under a
 * temporary name of its own (removed at the next start if left).
 *
 * And the folders themselves, outcomes/, sent/ and rejected/, each held
 * open, so that what is listed is what is read and a file is filed in the
 * folder it was checked against. The case system may clear any of them at
 * any time, so the handles are checked against the paths: a folder removed
 * is made again, one replaced (another folder at the path) is opened anew.
 * Each change is said, at most once a minute for each folder, and so is a
 * folder that cannot be opened (tried again at each look), never once a
 * pass.
 */
#include "provider.h"

#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_CLASH_MAX  999 /* NAME.2 ... NAME.999 */
#define S_TMP_PREFIX ".carerhub-error-"
#define S_SAY_MS     60000 /* a folder's changes are said at most this often */

int outbox_file_read(int fd, const struct stat *st, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (st->st_size > PROVIDER_OUTCOME_MAX_BYTES) {
        *len = (size_t)st->st_size;
        return 0;
    }
    *data = xmalloc(PROVIDER_OUTCOME_MAX_BYTES + 1);
    while (*len <= PROVIDER_OUTCOME_MAX_BYTES) {
        ssize_t r = read(fd, *data + *len, PROVIDER_OUTCOME_MAX_BYTES + 1 - *len);
        if (r == 0)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(*data);
            *data = NULL;
            errno = e;
            return -1;
        }
        *len += (size_t)r;
    }
    return 0;
}

bool outbox_file_candidate(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

void outbox_file_pick(char **pick, size_t *n, size_t max, const char *name)
{
    size_t lo = 0, hi = *n;
    if (max == 0 || (*n == max && strcmp(name, pick[*n - 1]) >= 0))
        return;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(pick[mid], name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (*n == max)
        free(pick[--*n]);
    memmove(pick + lo + 1, pick + lo, (*n - lo) * sizeof *pick);
    pick[lo] = xstrdup(name);
    (*n)++;
}

static bool s_taken(int dirfd, const char *name)
{
    struct stat st;
    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

/* A new temporary file in dirfd, its name in tmp: created exclusively,
 * never through a file planted under the name. -1 with errno. */
static int s_tmp_open(int dirfd, char *tmp, size_t tmpsz)
{
    static unsigned seq;
    for (int i = 0; i < 100; i++) {
        int fd;
        snprintf(tmp, tmpsz, S_TMP_PREFIX "%ld-%u-%llx", (long)getpid(), ++seq,
                 (unsigned long long)clock_mono_us());
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

/* Writes doc as errname in dirfd, durably, never over a file. -1 with
 * errno (EEXIST: the name is taken). The temporary file is made through
 * the same handle as the rename, so that both are in one folder even when
 * the folder at its path has been replaced meanwhile. */
static int s_write_error(int dirfd, const char *errname, const buf_t *doc)
{
    char tmp[64];
    int fd = s_tmp_open(dirfd, tmp, sizeof tmp), rc = -1, e;
    if (fd < 0)
        return -1;
    if (file_write_full(fd, doc->data, doc->len) == 0 && fsync(fd) == 0 && close(fd) == 0) {
        fd = -1;
        rc = file_rename_noreplace(dirfd, tmp, dirfd, errname);
    }
    e = errno;
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlinkat(dirfd, tmp, 0);
    errno = e;
    return rc;
}

int outbox_file_away(int fromdir, const char *name, int todir, const buf_t *errdoc, char *final,
                     size_t finalsz)
{
    char errname[OUTBOX_NAME_MAX + 32];
    for (int k = 1; k <= S_CLASH_MAX; k++) {
        if (k == 1)
            snprintf(final, finalsz, "%s", name);
        else
            snprintf(final, finalsz, "%s.%d", name, k);
        snprintf(errname, sizeof errname, "%s.error.json", final);
        if (s_taken(todir, final) || (errdoc && s_taken(todir, errname)))
            continue;
        if (errdoc && s_write_error(todir, errname, errdoc) < 0) {
            if (errno == EEXIST)
                continue;
            return -1;
        }
        if (file_rename_noreplace(fromdir, name, todir, final) == 0)
            return fsync(todir) < 0 || fsync(fromdir) < 0 ? -1 : 0;
        if (errno != EEXIST)
            return -1;
        /* Taken since we looked: the error file written for it stays,
         * naming a file that is not there; the next name is tried. */
    }
    errno = EEXIST;
    return -1;
}

void outbox_file_clean(int dirfd)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, S_TMP_PREFIX, strlen(S_TMP_PREFIX)) == 0)
            unlinkat(dirfd, de->d_name, 0);
    closedir(d);
}

/* --- the folders ---------------------------------------------------------- */

/* What is at a folder's path, next to the handle held on it. */
enum { S_SAME, S_GONE, S_REPLACED };

void outbox_folder_say(outbox_folder_t *fo, bool error, const char *fmt, ...)
{
    char msg[600], more[80] = "";
    va_list ap;
    if (clock_mono_ms() < fo->next_say[error]) {
        fo->unsaid[error]++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (fo->unsaid[error])
        snprintf(more, sizeof more, " (%lu more time(s) since last said)", fo->unsaid[error]);
    if (error)
        log_error("%s%s", msg, more);
    else
        log_warn("%s%s", msg, more);
    fo->unsaid[error] = 0;
    fo->next_say[error] = clock_mono_ms() + S_SAY_MS;
}

/* S_SAME (the folder the handle is), S_GONE (nothing there) or S_REPLACED
 * (another folder or something else; whatever is there when no handle is
 * held); -1 with errno when that cannot be told. */
static int s_state(const outbox_folder_t *f)
{
    struct stat st;
    if (lstat(f->path, &st) < 0)
        return errno == ENOENT || errno == ENOTDIR ? S_GONE : -1;
    if (f->fd >= 0 && S_ISDIR(st.st_mode) && st.st_dev == f->dev && st.st_ino == f->ino)
        return S_SAME;
    return S_REPLACED;
}

static void s_close(outbox_folder_t *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

/* (Re)opens f->path, a folder, never through a symlink: made (0700, and
 * its parent synced, so that it is there before anything is filed in it)
 * when nothing is there, its mode set to 0700 when it has another. *made
 * says whether it was made. Returns 0, or -1 with errno (f->fd -1). */
static int s_open(outbox_folder_t *f, bool *made)
{
    struct stat st;
    int e;
    s_close(f);
    *made = false;
    if (mkdir(f->path, 0700) == 0) {
        char *parent = file_dirname(f->path);
        int rc = file_sync_dir(parent);
        free(parent);
        if (rc < 0)
            return -1;
        *made = true;
    } else if (errno != EEXIST) {
        return -1;
    }
    f->fd = open(f->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (f->fd < 0)
        return -1;
    if (fstat(f->fd, &st) == 0 && ((st.st_mode & 07777) == 0700 || fchmod(f->fd, 0700) == 0)) {
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        return 0;
    }
    e = errno;
    s_close(f);
    errno = e;
    return -1;
}

/* Opens f again, what is at its path being st; says what became of it
 * (quiet: only when it cannot be opened). Returns 0, or -1 (said). */
static int s_reopen(outbox_folder_t *f, int st, const char *what, bool quiet)
{
    bool made;
    if (s_open(f, &made) < 0) {
        outbox_folder_say(f, true, "cannot open %s (%s): %s; trying again every %d s", f->path,
                          what, strerror(errno), OUTBOX_CHECK_MS / 1000);
        return -1;
    }
    if (quiet)
        log_debug("%s (%s): opened anew", f->path, what);
    else if (made)
        outbox_folder_say(f, false, "%s (%s) was removed; made it again (mode 0700)", f->path,
                          what);
    else if (st == S_REPLACED)
        outbox_folder_say(f, false, "%s (%s) was replaced by another folder; using the new one",
                          f->path, what);
    return 0;
}

int outbox_folders_check(outbox_folders_t *fs, bool now)
{
    outbox_folder_t *subs[2] = {&fs->sent, &fs->rej};
    const char *what[2] = {"where recorded outcome files go", "where rejected ones go"};
    int st, changed = 0;

    if (!now && clock_mono_ms() < fs->next_check)
        return 0;
    fs->next_check = clock_mono_ms() + OUTBOX_CHECK_MS;
    if ((st = s_state(&fs->dir)) < 0) {
        outbox_folder_say(&fs->dir, true, "cannot look at %s: %s", fs->dir.path, strerror(errno));
        return 0;
    }
    if (st != S_SAME) {
        changed |= OUTBOX_DIR_NEW;
        if (s_reopen(&fs->dir, st, "the outcomes folder", false) < 0) {
            s_close(&fs->sent);
            s_close(&fs->rej);
            return changed;
        }
    }
    for (int i = 0; i < 2; i++) {
        if ((st = s_state(subs[i])) == S_SAME)
            continue;
        if (st < 0)
            outbox_folder_say(subs[i], true, "cannot look at %s: %s", subs[i]->path,
                              strerror(errno));
        else if (s_reopen(subs[i], st, what[i], changed & OUTBOX_DIR_NEW) == 0)
            changed |= OUTBOX_SUB_NEW;
    }
    return changed;
}

int outbox_folders_open(outbox_folders_t *fs, const char *out)
{
    outbox_folder_t *all[3] = {&fs->dir, &fs->sent, &fs->rej};
    bool made;
    memset(fs, 0, sizeof *fs);
    fs->dir.path = file_join(out, "outcomes");
    fs->sent.path = file_join(fs->dir.path, "sent");
    fs->rej.path = file_join(fs->dir.path, "rejected");
    fs->dir.fd = fs->sent.fd = fs->rej.fd = -1;
    fs->next_check = clock_mono_ms() + OUTBOX_CHECK_MS;
    for (int i = 0; i < 3; i++)
        if ((i == 0 && file_private_dir(fs->dir.path) < 0) || s_open(all[i], &made) < 0) {
            log_error("cannot create %s: %s", all[i]->path, strerror(errno));
            outbox_folders_close(fs);
            return -1;
        }
    return 0;
}

void outbox_folders_close(outbox_folders_t *fs)
{
    outbox_folder_t *all[3] = {&fs->dir, &fs->sent, &fs->rej};
    for (int i = 0; i < 3; i++) {
        s_close(all[i]);
        free(all[i]->path);
        all[i]->path = NULL;
    }
}
