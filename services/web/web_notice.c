/*
 * One-time notices: what a POST did, left for the page its 303 leads to
 * (/ops after an operator's action, a case after an outcome is recorded,
 * /inbox after a case has left the organisation). They wait in a small
 * table of our own, keyed by the session's CSRF token and the page's path,
 * never in the address: a link someone sends a user cannot make a page say
 * that something was done. Kept in memory only; shown once.
 */
#include "web.h"

#include "util/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char csrf[WEB_TOKEN_LEN + 1]; /* whose: "" for a free slot */
    char path[64];                /* the page it is for */
    bool error;
    int64_t at; /* monotonic ms */
    char text[640];
} s_notice_t;

static s_notice_t s_notices[WEB_NOTICES];

void web_notice_put(const web_req_t *q, const char *path, bool error, const char *fmt, ...)
{
    int64_t now = clock_mono_ms();
    s_notice_t *n = NULL;
    va_list ap;

    if (!q->csrf || !*q->csrf)
        return;
    /* The session's own slot, else a free or expired one, else the oldest. */
    for (size_t i = 0; !n && i < WEB_NOTICES; i++)
        if (strcmp(s_notices[i].csrf, q->csrf) == 0)
            n = &s_notices[i];
    for (size_t i = 0; !n && i < WEB_NOTICES; i++)
        if (!s_notices[i].csrf[0] || now - s_notices[i].at >= WEB_NOTICE_MS)
            n = &s_notices[i];
    if (!n) {
        n = &s_notices[0];
        for (size_t i = 1; i < WEB_NOTICES; i++)
            if (s_notices[i].at < n->at)
                n = &s_notices[i];
    }
    snprintf(n->csrf, sizeof n->csrf, "%s", q->csrf);
    snprintf(n->path, sizeof n->path, "%s", path);
    n->error = error;
    n->at = now;
    va_start(ap, fmt);
    vsnprintf(n->text, sizeof n->text, fmt, ap);
    va_end(ap);
}

bool web_notice_take(const web_req_t *q, const char *path, bool *error, char *text, size_t textsz)
{
    int64_t now = clock_mono_ms();
    for (size_t i = 0; q->csrf && *q->csrf && i < WEB_NOTICES; i++) {
        s_notice_t *n = &s_notices[i];
        if (strcmp(n->csrf, q->csrf) != 0)
            continue;
        /* Another page's notice waits for that page. */
        if (strcmp(n->path, path) != 0)
            return false;
        if (now - n->at >= WEB_NOTICE_MS) {
            memset(n, 0, sizeof *n);
            return false;
        }
        if (error)
            *error = n->error;
        snprintf(text, textsz, "%s", n->text);
        memset(n, 0, sizeof *n);
        return true;
    }
    return false;
}
