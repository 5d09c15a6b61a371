/*
 * A full disk on demand, for fault tests: preloaded into a daemon
 * (LD_PRELOAD), it makes every write, sync and truncate of a file under
 * $FAILIO_DIR fail with ENOSPC while the file $FAILIO_FLAG exists. Remove
 * the flag and space "returns". Nothing else is touched. With FAILIO_META
 * set, only small writes to the first two pages fail: LMDB's meta pages,
 * written last in a commit, which leaves its environment needing a reopen.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int s_full(int fd)
{
    const char *dir = getenv("FAILIO_DIR"), *flag = getenv("FAILIO_FLAG");
    char link[64], path[PATH_MAX];
    ssize_t n;
    int saved = errno;
    if (!dir || !flag || access(flag, F_OK) != 0) {
        errno = saved;
        return 0;
    }
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    errno = saved;
    if (n <= 0)
        return 0;
    path[n] = '\0';
    if (strncmp(path, dir, strlen(dir)) != 0)
        return 0;
    errno = ENOSPC;
    return 1;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void *buf, size_t n)
{
    return !getenv("FAILIO_META") && s_full(fd) ? -1 : NEXT(write)(fd, buf, n);
}

static int s_full_at(int fd, size_t n, off_t off)
{
    if (getenv("FAILIO_META") && !(off < 8192 && n < 4096))
        return 0;
    return s_full(fd);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    return s_full_at(fd, n, off) ? -1 : NEXT(pwrite)(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    return s_full_at(fd, n, off) ? -1 : NEXT(pwrite64)(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    return !getenv("FAILIO_META") && s_full(fd) ? -1 : NEXT(writev)(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    return !getenv("FAILIO_META") && s_full(fd) ? -1 : NEXT(pwritev)(fd, iov, cnt, off);
}

int fsync(int fd)
{
    return !getenv("FAILIO_META") && s_full(fd) ? -1 : NEXT(fsync)(fd);
}

int fdatasync(int fd)
{
    return !getenv("FAILIO_META") && s_full(fd) ? -1 : NEXT(fdatasync)(fd);
}

int syncfs(int fd)
{
    return !getenv("FAILIO_META") && s_full(fd) ? -1 : NEXT(syncfs)(fd);
}

int ftruncate(int fd, off_t len)
{
    return !getenv("FAILIO_META") && s_full(fd) ? -1 : NEXT(ftruncate)(fd, len);
}
