/*
 * Logging: see log.h. Lines are written with a single write(2) so that
 * concurrent processes sharing a log file do not interleave within a line.
 * The message is escaped here (text_escape), so that no caller has to think
 * about it: whatever a peer sent (a provider id, a key name, a field) can
 * neither start a line of its own nor reach a terminal as a control sequence.
 */
#include "util/log.h"

#include "util/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *s_progname = "carerhub";
static int s_level = LOG_LVL_INFO;

void log_init(const char *progname)
{
    s_progname = progname;
}

void log_set_level(int level)
{
    s_level = level;
}

int log_level(void)
{
    return s_level;
}

const char *log_progname(void)
{
    return s_progname;
}

static void s_vlog(int level, const char *errtext, const char *fmt, va_list ap)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    char line[2048], msg[2048];
    struct timeval tv;
    struct tm tm;
    size_t n;
    int r;

    if (level > s_level)
        return;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    r = snprintf(line + n, sizeof line - n, ".%03ldZ %s[%ld] %s: ", (long)tv.tv_usec / 1000,
                 s_progname, (long)getpid(), names[level]);
    if (r > 0)
        n += (size_t)r < sizeof line - n ? (size_t)r : sizeof line - n - 1;
    /* Escaped text stops short of the last byte, kept for the newline. */
    r = vsnprintf(msg, sizeof msg, fmt, ap);
    if (r > 0)
        n += text_escape(msg, (size_t)r < sizeof msg ? (size_t)r : sizeof msg - 1, line + n,
                         sizeof line - 1 - n);
    if (errtext && n + 3 < sizeof line - 1) {
        line[n++] = ':';
        line[n++] = ' ';
        n += text_escape(errtext, strlen(errtext), line + n, sizeof line - 1 - n);
    }
    line[n++] = '\n';
    /* Logging must never fail the caller; a short write loses only the log. */
    if (write(STDERR_FILENO, line, n) < 0)
        return;
}

#define S_DEFINE_LOG(fn, lvl)                                                                      \
    void fn(const char *fmt, ...)                                                                  \
    {                                                                                              \
        va_list ap;                                                                                \
        int saved = errno;                                                                         \
        va_start(ap, fmt);                                                                         \
        s_vlog(lvl, NULL, fmt, ap);                                                                \
        va_end(ap);                                                                                \
        errno = saved;                                                                             \
    }

S_DEFINE_LOG(log_debug, LOG_LVL_DEBUG)
S_DEFINE_LOG(log_info, LOG_LVL_INFO)
S_DEFINE_LOG(log_warn, LOG_LVL_WARN)
S_DEFINE_LOG(log_error, LOG_LVL_ERROR)

void log_fatal(const char *fmt, ...)
{
    va_list ap;
    const char *e = strerror(errno);
    va_start(ap, fmt);
    s_vlog(LOG_LVL_ERROR, e, fmt, ap);
    va_end(ap);
    exit(1);
}

void log_fatalx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vlog(LOG_LVL_ERROR, NULL, fmt, ap);
    va_end(ap);
    exit(1);
}

void log_panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vlog(LOG_LVL_ERROR, NULL, fmt, ap);
    va_end(ap);
    abort();
}
