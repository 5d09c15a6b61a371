/*
 * Logging for every carerhub process: one line per event on stderr, prefixed
 * with the time, the process name and pid, and the level. Never log personal
 * data (names, dates of birth, postcodes, contact details, NHS numbers):
 * referral and case ids identify what a line is about.
 */
#ifndef CARERHUB_LOG_H
#define CARERHUB_LOG_H

#include <stdnoreturn.h>

enum { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Sets the process name shown on every line (borrowed: must outlive logging). */
void log_init(const char *progname);
/* Lines above this level are dropped. Default LOG_LVL_INFO. */
void log_set_level(int level);
int log_level(void);
const char *log_progname(void);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Start-up or environment failure: logs the message with strerror(errno)
 * appended and exits with status 1. */
noreturn void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* As log_fatal, without errno text. */
noreturn void log_fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Our own bug, a broken invariant: logs the message and aborts, leaving a
 * core to look at. Never compiled out. */
noreturn void log_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define CH_ASSERT(cond)                                                                            \
    ((cond) ? (void)0                                                                              \
            : log_panic("%s:%d: %s: assertion failed: %s", __FILE__, __LINE__, __func__, #cond))

#endif
