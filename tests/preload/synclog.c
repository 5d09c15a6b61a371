/*
 * A log of what a daemon makes durable and when it says so, for durability
 * tests: preloaded into a daemon (LD_PRELOAD), it appends one line per
 * event, in the order the calls were made, to the file $SYNCLOG:
 *
 *   PID SEQ PROGRAM write PATH DSYNC LEN   a write to a regular file
 *   PID SEQ PROGRAM fsync PATH              also fdatasync, syncfs,
 *                                           sync_file_range, msync (the
 *                                           file mapped there), sync (-)
 *   PID SEQ PROGRAM send LEN FIELDS         the last frame of a ZeroMQ message
 *
 * DSYNC is 1 when the file was opened O_DSYNC or O_SYNC, so each write is
 * durable by itself (LMDB writes its meta page that way). Writes and syncs
 * are logged only for paths under $SYNCLOG_DIR when it is set (a
 * colon-separated list). FIELDS describes the frame as a protocol buffer,
 * without knowing any message: the field numbers of the top level, a
 * varint as NUM=VALUE, a nested message as NUM{...} one level deep, so
 * that a test can tell an envelope's body by the field numbers it reads
 * from proto/carerhub.proto. The calls themselves go through unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static __thread int s_busy; /* inside our own logging: pass calls through */
static unsigned long s_seq;

static void s_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void s_log(const char *fmt, ...)
{
    static ssize_t (*real_write)(int, const void *, size_t);
    const char *path = getenv("SYNCLOG");
    char line[4096];
    int n, m, fd;
    va_list ap;

    if (!path)
        return;
    if (!real_write)
        real_write = NEXT(write);
    n = snprintf(line, sizeof line, "%ld %lu %s ", (long)getpid(),
                 __atomic_add_fetch(&s_seq, 1, __ATOMIC_SEQ_CST), program_invocation_short_name);
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    n += m < (int)(sizeof line - (size_t)n - 1) ? m : (int)(sizeof line - (size_t)n - 2);
    line[n++] = '\n';
    /* One write of an O_APPEND file per line: lines of several processes
     * never interleave. */
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        real_write(fd, line, (size_t)n);
        close(fd);
    }
}

/* The path of fd if it is to be logged: a regular file or a directory
 * under $SYNCLOG_DIR. */
static int s_path(int fd, char *path, size_t size, int *dsync)
{
    const char *dirs = getenv("SYNCLOG_DIR");
    char link[64];
    struct stat st;
    ssize_t n;
    int flags;

    if (!getenv("SYNCLOG") || fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
        return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, size - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    if (dirs) {
        const char *p = dirs;
        int found = 0;
        while (*p && !found) {
            size_t len = strcspn(p, ":");
            if (len > 0 && strncmp(path, p, len) == 0)
                found = 1;
            p += len;
            if (*p == ':')
                p++;
        }
        if (!found)
            return 0;
    }
    flags = fcntl(fd, F_GETFL);
    *dsync = flags >= 0 && (flags & O_DSYNC) != 0;
    return 1;
}

static void s_event(const char *what, int fd, ssize_t len)
{
    char path[PATH_MAX];
    int saved = errno, dsync = 0;
    if (s_busy)
        return;
    s_busy = 1;
    if (s_path(fd, path, sizeof path, &dsync)) {
        if (len >= 0)
            s_log("%s %s %d %zd", what, path, dsync, len);
        else
            s_log("%s %s", what, path);
    }
    s_busy = 0;
    errno = saved;
}

/* --- writes ---------------------------------------------------------------- */

ssize_t write(int fd, const void *buf, size_t n)
{
    ssize_t r = NEXT(write)(fd, buf, n);
    if (r > 0)
        s_event("write", fd, r);
    return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    ssize_t r = NEXT(pwrite)(fd, buf, n, off);
    if (r > 0)
        s_event("write", fd, r);
    return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    ssize_t r = NEXT(pwrite64)(fd, buf, n, off);
    if (r > 0)
        s_event("write", fd, r);
    return r;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    ssize_t r = NEXT(writev)(fd, iov, cnt);
    if (r > 0)
        s_event("write", fd, r);
    return r;
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    ssize_t r = NEXT(pwritev)(fd, iov, cnt, off);
    if (r > 0)
        s_event("write", fd, r);
    return r;
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
    ssize_t r = NEXT(pwritev64)(fd, iov, cnt, off);
    if (r > 0)
        s_event("write", fd, r);
    return r;
}

ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
    ssize_t r = NEXT(pwritev2)(fd, iov, cnt, off, flags);
    if (r > 0)
        s_event("write", fd, r);
    return r;
}

/* --- syncs ----------------------------------------------------------------- */

int fsync(int fd)
{
    int r = NEXT(fsync)(fd);
    if (r == 0)
        s_event("fsync", fd, -1);
    return r;
}

int fdatasync(int fd)
{
    int r = NEXT(fdatasync)(fd);
    if (r == 0)
        s_event("fdatasync", fd, -1);
    return r;
}

int syncfs(int fd)
{
    int r = NEXT(syncfs)(fd);
    if (r == 0)
        s_event("syncfs", fd, -1);
    return r;
}

int sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags)
{
    int r = NEXT(sync_file_range)(fd, off, n, flags);
    /* Only a range written and waited for is durable (and even then not
     * the metadata): log it as what it is. */
    if (r == 0)
        s_event("sync_file_range", fd, -1);
    return r;
}

void sync(void)
{
    int saved;
    NEXT(sync)();
    saved = errno;
    if (!s_busy && getenv("SYNCLOG")) {
        s_busy = 1;
        s_log("sync -");
        s_busy = 0;
    }
    errno = saved;
}

/* The file mapped at addr, from /proc/self/maps. */
static int s_mapped(const void *addr, char *path, size_t size)
{
    FILE *f = fopen("/proc/self/maps", "re");
    char line[PATH_MAX + 128];
    int found = 0;
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        int off = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &off) < 2 || off == 0)
            continue;
        if ((uintptr_t)addr >= lo && (uintptr_t)addr < hi && line[off] == '/') {
            line[strcspn(line, "\n")] = '\0';
            snprintf(path, size, "%s", line + off);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

int msync(void *addr, size_t n, int flags)
{
    int r = NEXT(msync)(addr, n, flags), saved = errno;
    char path[PATH_MAX];
    if (r == 0 && (flags & MS_SYNC) && !s_busy && getenv("SYNCLOG")) {
        s_busy = 1;
        if (s_mapped(addr, path, sizeof path))
            s_log("msync %s", path);
        s_busy = 0;
    }
    errno = saved;
    return r;
}

/* --- sends ----------------------------------------------------------------- */

static int s_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* Describes data as a protocol buffer message into out; -1 if it is not
 * one. depth 0 also describes nested messages. */
static int s_describe(const uint8_t *p, size_t len, int depth, char *out, size_t size)
{
    const uint8_t *end = p + len;
    size_t used = 0;
    out[0] = '\0';
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(out + used, size - used, __VA_ARGS__);                                   \
        if (k_ < 0 || (size_t)k_ >= size - used)                                                   \
            return -1;                                                                             \
        used += (size_t)k_;                                                                        \
    } while (0)
    while (p < end) {
        uint64_t key, v;
        if (s_varint(&p, end, &key) < 0 || key >> 3 == 0)
            return -1;
        if (used)
            PUT(" ");
        switch (key & 7) {
        case 0:
            if (s_varint(&p, end, &v) < 0)
                return -1;
            PUT("%llu=%llu", (unsigned long long)(key >> 3), (unsigned long long)v);
            break;
        case 1:
            if (end - p < 8)
                return -1;
            p += 8;
            PUT("%llu", (unsigned long long)(key >> 3));
            break;
        case 5:
            if (end - p < 4)
                return -1;
            p += 4;
            PUT("%llu", (unsigned long long)(key >> 3));
            break;
        case 2: {
            char inner[1024];
            if (s_varint(&p, end, &v) < 0 || v > (uint64_t)(end - p))
                return -1;
            if (depth == 0 && s_describe(p, (size_t)v, 1, inner, sizeof inner) == 0)
                PUT("%llu{%s}", (unsigned long long)(key >> 3), inner);
            else
                PUT("%llu", (unsigned long long)(key >> 3));
            p += v;
            break;
        }
        default:
            return -1;
        }
    }
#undef PUT
    return 0;
}

/* The description of a frame about to be sent into desc; 0 when it is
 * not to be logged. ZMQ_SNDMORE (2) marks a routing frame before the
 * message itself. */
static int s_frame(const void *data, size_t len, int flags, char *desc, size_t size)
{
    if (s_busy || (flags & 2) || !getenv("SYNCLOG"))
        return 0;
    if (s_describe(data, len, 0, desc, size) < 0)
        snprintf(desc, size, "?");
    return 1;
}

/* Logged only when the send succeeds. */
static void s_sent(int r, size_t len, const char *desc)
{
    int saved = errno;
    if (r < 0)
        return;
    s_busy = 1;
    s_log("send %zu %s", len, desc);
    s_busy = 0;
    errno = saved;
}

/* Opaque to us: libzmq's own functions read it. */
typedef struct zmq_msg_t zmq_msg_t;

static void *s_zmq(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

/* The message is described before it goes: once sent it is empty. */
static int s_msg_frame(zmq_msg_t *msg, int flags, size_t *len, char *desc, size_t size)
{
    void *(*data)(zmq_msg_t *) = (void *(*)(zmq_msg_t *))s_zmq("zmq_msg_data");
    size_t (*msize)(const zmq_msg_t *) = (size_t(*)(const zmq_msg_t *))s_zmq("zmq_msg_size");
    *len = msize(msg);
    return s_frame(data(msg), *len, flags, desc, size);
}

int zmq_msg_send(zmq_msg_t *msg, void *sock, int flags)
{
    int (*real)(zmq_msg_t *, void *, int) =
        (int (*)(zmq_msg_t *, void *, int))s_zmq("zmq_msg_send");
    char desc[2048];
    size_t len;
    int logged = s_msg_frame(msg, flags, &len, desc, sizeof desc), r = real(msg, sock, flags);
    if (logged)
        s_sent(r, len, desc);
    return r;
}

int zmq_sendmsg(void *sock, zmq_msg_t *msg, int flags)
{
    int (*real)(void *, zmq_msg_t *, int) = (int (*)(void *, zmq_msg_t *, int))s_zmq("zmq_sendmsg");
    char desc[2048];
    size_t len;
    int logged = s_msg_frame(msg, flags, &len, desc, sizeof desc), r = real(sock, msg, flags);
    if (logged)
        s_sent(r, len, desc);
    return r;
}

int zmq_send(void *sock, const void *buf, size_t len, int flags)
{
    int (*real)(void *, const void *, size_t, int) =
        (int (*)(void *, const void *, size_t, int))s_zmq("zmq_send");
    char desc[2048];
    int logged = s_frame(buf, len, flags, desc, sizeof desc), r = real(sock, buf, len, flags);
    if (logged)
        s_sent(r, len, desc);
    return r;
}
