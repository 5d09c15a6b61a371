/*
 * Files and directories: see file.h.
 */
#include "util/file.h"

#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads what is left of fd into a new NUL-terminated buffer. */
static int s_read_fd(int fd, size_t max, char **out, size_t *len)
{
    size_t n = 0, cap = 0;
    char *data = NULL;

    for (;;) {
        ssize_t r;
        data = xgrow(data, &cap, n + 65536 + 1, 1);
        r = read(fd, data + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            errno = EFBIG;
            goto fail;
        }
    }
    data[n] = '\0';
    *out = data;
    *len = n;
    return 0;
fail : {
    int e = errno;
    if (data)
        memset(data, 0, n); /* it may be a secret */
    free(data);
    errno = e;
    return -1;
}
}

int file_read_all(const char *path, size_t max, char **out, size_t *len)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    int rc, e;

    if (fd < 0)
        return -1;
    rc = s_read_fd(fd, max, out, len);
    e = errno;
    if (fd != STDIN_FILENO)
        close(fd);
    errno = e;
    return rc;
}

/* Why st (of path) may not be trusted as trust says, in err; 0 if it may. */
static int s_check_trust(const char *path, const struct stat *st, file_trust_t trust, char *err,
                         size_t errsz)
{
    unsigned mode = (unsigned)(st->st_mode & 07777);
    uid_t me = geteuid();

    if (!S_ISREG(st->st_mode)) {
        snprintf(err, errsz, "%s is not a regular file: refusing to use it", path);
        return -1;
    }
    if (trust == FILE_SECRET && (mode & 044)) {
        snprintf(err, errsz,
                 "%s is readable by others (mode %04o): refusing to use it; chmod 600 %s", path,
                 mode, path);
        return -1;
    }
    if (trust == FILE_SECRET && (mode & 033)) {
        snprintf(err, errsz,
                 "%s can be changed by others (mode %04o): refusing to use it; chmod 600 %s", path,
                 mode, path);
        return -1;
    }
    if (trust == FILE_TRUSTED && (mode & 022)) {
        snprintf(err, errsz,
                 "%s can be changed by others (mode %04o): refusing to use it; chmod go-w %s", path,
                 mode, path);
        return -1;
    }
    if (trust == FILE_SECRET && st->st_uid != me) {
        snprintf(err, errsz,
                 "%s is owned by uid %lu, not by this user (uid %lu): refusing to use it; a "
                 "secret key is its user's own",
                 path, (unsigned long)st->st_uid, (unsigned long)me);
        return -1;
    }
    if (trust == FILE_TRUSTED && st->st_uid != me && st->st_uid != 0) {
        snprintf(err, errsz,
                 "%s is owned by uid %lu, neither this user (uid %lu) nor root: refusing to use it",
                 path, (unsigned long)st->st_uid, (unsigned long)me);
        return -1;
    }
    return 0;
}

int file_read_trusted(const char *path, file_trust_t trust, size_t max, char **out, size_t *len,
                      char *err, size_t errsz)
{
    /* O_NONBLOCK: a FIFO planted there must not hang the open. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    int rc, e;

    if (fd < 0) {
        e = errno;
        if (e == ELOOP)
            snprintf(err, errsz, "%s is a symlink: refusing to use it; name the file itself", path);
        else
            snprintf(err, errsz, "%s: cannot read: %s", path, strerror(e));
        errno = e;
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        e = errno;
        snprintf(err, errsz, "%s: cannot read: %s", path, strerror(e));
        close(fd);
        errno = e;
        return -1;
    }
    if (s_check_trust(path, &st, trust, err, errsz) < 0) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    rc = s_read_fd(fd, max, out, len);
    e = errno;
    if (rc < 0)
        snprintf(err, errsz, "%s: cannot read: %s", path, strerror(e));
    close(fd);
    errno = e;
    return rc;
}

int file_write_full(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int file_mkdirs(const char *dir, mode_t mode)
{
    char *p = xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) < 0 && errno != EEXIST) {
                rc = -1;
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    if (rc == 0) {
        struct stat st;
        if (stat(p, &st) < 0)
            rc = -1;
        else if (!S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            rc = -1;
        }
    }
    {
        int e = errno;
        free(p);
        errno = e;
    }
    return rc;
}

int file_private_dir(const char *dir)
{
    if (file_mkdirs(dir, 0700) < 0)
        return -1;
    return chmod(dir, 0700);
}

int file_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    {
        int e = errno;
        close(fd);
        errno = e;
    }
    return rc;
}

/* The process's umask (read by setting it back at once), so that a file
 * made by mkostemp gets the mode open() would have given it. */
static mode_t s_umask(void)
{
    mode_t m = umask(077);
    umask(m);
    return m;
}

int file_write_atomic(const char *path, const void *data, size_t n, mode_t mode)
{
    char *tmp = xasprintf("%s.tmp.XXXXXX", path);
    char *dir = file_dirname(path);
    /* mkostemp creates with O_EXCL and 0600: a name someone planted (a
     * symlink to a file elsewhere) is never opened, and a random name
     * cannot be planted ahead. */
    int fd = mkostemp(tmp, O_CLOEXEC);
    int e;

    if (fd < 0)
        goto fail;
    if (fchmod(fd, mode & ~s_umask()) < 0 || file_write_full(fd, data, n) < 0 || fsync(fd) < 0) {
        e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        goto fail;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        e = errno;
        unlink(tmp);
        errno = e;
        goto fail;
    }
    if (file_sync_dir(dir) < 0)
        goto fail;
    free(tmp);
    free(dir);
    return 0;
fail:
    e = errno;
    free(tmp);
    free(dir);
    errno = e;
    return -1;
}

int file_rename_noreplace(int fromdir, const char *from, int todir, const char *to)
{
    if (renameat2(fromdir, from, todir, to, RENAME_NOREPLACE) == 0)
        return 0;
    /* EINVAL: this file system has no RENAME_NOREPLACE; ENOSYS: nor this
     * kernel. A hard link cannot replace either. */
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (linkat(fromdir, from, todir, to, 0) < 0)
        return -1;
    if (unlinkat(fromdir, from, 0) < 0) {
        int e = errno;
        unlinkat(todir, to, 0);
        errno = e;
        return -1;
    }
    return 0;
}

bool file_same_file(int dir1, const char *name1, int dir2, const char *name2)
{
    struct stat a, b;
    return fstatat(dir1, name1, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
           fstatat(dir2, name2, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

bool file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

char *file_join(const char *dir, const char *name)
{
    size_t n;
    if (name[0] == '/' || !dir || !*dir || strcmp(dir, ".") == 0)
        return xstrdup(name);
    n = strlen(dir);
    return xasprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}

char *file_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}
