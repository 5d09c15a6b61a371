/*
 * carerhub-web: the web front door. It serves forms and pages over HTTP(S)
 * with libmicrohttpd, in the daemon's one thread (MHD's epoll descriptor is
 * polled with the ZeroMQ sockets), and talks to the intakes and the router
 * over ZeroMQ with its own CURVE key (role gateway), naming the logged-in
 * user in every request (OnBehalf): an intake or the router then treats it
 * as that user's organisation and no other.
 *
 * main.c: arguments, configuration, signals and the loop; web_http.c:
 * limits, headers, the route table, request bodies; web_http_daemon.c:
 * libmicrohttpd's daemon, its connections and their time limits;
 * web_session.c: sessions, CSRF tokens, login throttling; web_login.c:
 * /login, /logout, a first password changed, /setup; web_page.c: the page
 * layout, the stylesheet, the one HTML escaping function; web_call.c and
 * web_hub.c: calls to the intakes and the router on behalf of a user,
 * which never hold up the daemon's one thread; web_form.c and
 * web_fields.c: the referral forms (/refer/gp, /refer/discharge,
 * /refer/school), their fields by YAML key path; web_referrals.c:
 * /referrals and /referrals/ID; web_help.c and web_help_fields.c: /help,
 * where a carer asks for support themselves, with no login (the public,
 * through the self-intake), and web_help_limit.c: how often one address
 * may; web_inbox*.c: a support organisation's open cases (/inbox,
 * /inbox.csv) and each case (/inbox/ID) with the forms that record what
 * happened; web_report.c: /report and /report.csv (commissioners and
 * operators); web_ops.c, web_ops_case.c and web_ops_forms.c: /ops,
 * /ops/case/ID and the operator's forms; web_notice.c: the one-time
 * notices a POST leaves for the page its answer leads to; web_metrics.c:
 * /metrics, the hub's metrics for a Prometheus server, and web_basic.c:
 * the HTTP Basic credentials a scraper sends; web_fhir.c: the FHIR R4
 * interface (/fhir/r4/...) for clinical systems' API clients, whose bearer
 * tokens web_http_fhir.c checks.
 */
#ifndef CARERHUB_WEB_H
#define CARERHUB_WEB_H

#include "carerhub.pb-c.h"
#include "conf/hubconf.h"
#include "daemon/daemon.h"
#include "daemon/secure.h"
#include "store/store.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEB_TOKEN_LEN  43   /* a session id or CSRF token: base64url of 32 random bytes */
#define WEB_FIELDS_MAX 200  /* form fields in one request */
#define WEB_FIELD_MAX  4096 /* bytes in one field's value */

typedef struct web web_t;

/* The logged-in user of a request. */
typedef struct {
    char name[64];
    role_t role;
    char org[40];                 /* "" for commissioner and operator */
    char csrf[WEB_TOKEN_LEN + 1]; /* the session's CSRF token */
    bool must_change;             /* a first password: only /login/change is served */
} web_user_t;

/* One request, as a handler sees it. */
typedef struct {
    bool post;              /* POST (its body read and decoded); else GET or HEAD */
    const char *path;       /* without the query string */
    const web_user_t *user; /* NULL when nobody is logged in */
    const char *address;    /* the client's address, for throttling (never logged) */
    size_t nfields;         /* form fields (POST body, or the query of a GET), in order */
    const char *const *names;
    const char *const *values;
    const char *csrf; /* the session's CSRF token, before login too; NULL without a session */
} web_req_t;

/* The first value of field name, or NULL. */
const char *web_field(const web_req_t *q, const char *name);
/* Every value of field name (checkboxes), up to max, in order; the count. */
size_t web_fields(const web_req_t *q, const char *name, const char **out, size_t max);

/* What a handler answers. */
typedef struct {
    int status;         /* 200 unless set */
    buf_t body;         /* text/html; charset=utf-8 unless type is set */
    const char *type;   /* static text */
    char location[512]; /* a redirect (303) when set */
    bool personal;      /* holds personal data: never cached (Cache-Control: no-store) */
    char filename[80];  /* when set, a file to save by this name (Content-Disposition) */
    char headers[320];  /* further headers, each "Name: value\n" (the FHIR routes'; printable
                           ASCII only) */
} web_resp_t;

typedef void (*web_handler_fn)(web_t *w, const web_req_t *q, web_resp_t *r);

/* --- pages (web_page.c) ----------------------------------------------- */

/* THE escaping function: every value written into HTML goes through it
 * (text and attribute values alike: & < > " ' escaped; bytes that are not
 * UTF-8 and control characters written as U+FFFD, but for tab, line feed
 * and carriage return, which a textarea's text keeps). */
void web_esc(buf_t *b, const char *s);
/* Appends fmt, where each %s argument is escaped with web_esc and %d, %u,
 * %zu, %lld are numbers; no other conversions. */
void web_htmlf(buf_t *b, const char *fmt, ...);
/* The page up to its <main>: doctype, lang en-GB, title "<title> -
 * carerhub", the stylesheet link, a skip link, the header with the user's
 * name and organisation and a log-out form (when logged in), navigation for
 * the user's role. */
void web_page_begin(buf_t *b, const web_req_t *q, const char *title);
void web_page_end(buf_t *b);
/* A hidden input with the session's CSRF token (every form has one). */
void web_csrf_input(buf_t *b, const web_req_t *q);
/* A whole page for an error status (403, 404, 413, 500, 503) with words a
 * person can act on. */
void web_error_page(web_resp_t *r, const web_req_t *q, int status, const char *message);
/* The stylesheet (served at /style.css). */
extern const char web_css[];

/* --- one-time notices (web_notice.c) ----------------------------------- */

/* Leaves a notice (what a POST did, or why it did not: error) for the
 * next GET of path by the request's session, in place of one not shown
 * yet. Kept in memory only, for WEB_NOTICE_MS, at most WEB_NOTICES
 * sessions' at once (the oldest makes way). The text is plain: it is
 * escaped when shown. Nothing without a session (q->csrf NULL). */
#define WEB_NOTICES   256
#define WEB_NOTICE_MS (10 * 60 * 1000)
void web_notice_put(const web_req_t *q, const char *path, bool error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The session's notice for path, if it has one: its text copied to text
 * (textsz bytes), whether it tells of an error to *error (may be NULL),
 * and forgotten. Returns false, text untouched, if there is none. */
bool web_notice_take(const web_req_t *q, const char *path, bool *error, char *text, size_t textsz);

/* --- calls to the hub (web_call.c) ----------------------------------- */

/* Where a call goes: an intake (submissions, a referral still there) or
 * the router (status, feedback, cases, outcomes, reports, ...). */
typedef enum { WEB_TO_GP, WEB_TO_DISCHARGE, WEB_TO_SCHOOL, WEB_TO_SELF, WEB_TO_ROUTER } web_to_t;

/* What runs when the hub answers a call, or does not in time (reply NULL:
 * the page says the hub cannot be reached now and to try again; nothing
 * was lost). q is the request as the handler saw it (its fields and user
 * still valid), r the answer to write, ctx the handler's. The reply is
 * freed after it returns. It may make another call (web_call) to go on,
 * and then writes nothing into r itself. */
typedef void (*web_then_fn)(web_t *w, const web_req_t *q, web_resp_t *r,
                            const Carerhub__Envelope *reply, void *ctx);

/* Sends env to `to` on behalf of q->user (NULL only to WEB_TO_SELF: the
 * public, role self) and returns at once: the connection waits while the
 * daemon serves others, and `then` runs with the answer or once timeout_ms
 * have passed. env is packed before web_call returns (the caller still
 * owns it); ctx (may be NULL) is freed with ctx_free (may be NULL) after
 * the last `then` of the request has run, or when the client has gone. A
 * handler that calls web_call writes nothing into r itself. */
void web_call(web_t *w, const web_req_t *q, web_resp_t *r, web_to_t to, Carerhub__Envelope *env,
              int timeout_ms, web_then_fn then, void *ctx, void (*ctx_free)(void *));

/* What runs when every server web_call_each asked has answered, or the
 * call's time is up: replies[i] is the answer of the i-th server asked
 * (NULL: none in time), n of them; freed after it returns. As web_then_fn
 * otherwise. */
typedef void (*web_then_each_fn)(web_t *w, const web_req_t *q, web_resp_t *r,
                                 const Carerhub__Envelope *const *replies, size_t n, void *ctx);

/* Sends env to each of the n servers of `to` (1 to WEB_TO_N of them, none
 * twice) at once, as carerhub-web itself: without OnBehalf, so that each
 * answers the web's own key (role gateway) whoever the request's user is,
 * or nobody; for what a gateway's own key is answered (the metrics), never
 * a question of a user's. Returns at once, as web_call does; `then` runs
 * once, when all have answered or timeout_ms have passed. Otherwise as
 * web_call (env, ctx, what the handler writes). */
void web_call_each(web_t *w, const web_req_t *q, web_resp_t *r, const web_to_t *to, size_t n,
                   Carerhub__Envelope *env, int timeout_ms, web_then_each_fn then, void *ctx,
                   void (*ctx_free)(void *));

/* The intake a source's referrals go to. */
web_to_t web_to_intake(Carerhub__Source src);

/* The configuration in force (replaced on SIGHUP), borrowed until the
 * handler returns: the referral forms' routing preview reads the routing
 * file and the postcode table from it. */
const hubconf_t *web_conf(const web_t *w);

/* --- the handlers, by module ------------------------------------------- */

void web_login_page(web_t *w, const web_req_t *q, web_resp_t *r);  /* /login */
void web_logout(web_t *w, const web_req_t *q, web_resp_t *r);      /* /logout (POST) */
void web_change_page(web_t *w, const web_req_t *q, web_resp_t *r); /* /login/change */
void web_setup_page(web_t *w, const web_req_t *q, web_resp_t *r);  /* /setup?user=&token= */
void web_home(web_t *w, const web_req_t *q, web_resp_t *r);        /* / */
void web_refer(web_t *w, const web_req_t *q, web_resp_t *r);     /* /refer/{gp,discharge,school} */
void web_referrals(web_t *w, const web_req_t *q, web_resp_t *r); /* /referrals, /referrals/ID */
void web_help(web_t *w, const web_req_t *q, web_resp_t *r);      /* /help (no login) */

/* A support organisation's cases, for its case workers (web_inbox*.c). */
void web_inbox(web_t *w, const web_req_t *q, web_resp_t *r);      /* /inbox, /inbox.csv */
void web_inbox_case(web_t *w, const web_req_t *q, web_resp_t *r); /* /inbox/ID */
void web_report(web_t *w, const web_req_t *q, web_resp_t *r);     /* /report?from=&to=&publish= */
void web_report_csv(web_t *w, const web_req_t *q,
                    web_resp_t *r); /* /report.csv?from=&to=&publish= */
void web_report_css(web_t *w, const web_req_t *q, web_resp_t *r);   /* /report.css */
void web_ops(web_t *w, const web_req_t *q, web_resp_t *r);          /* /ops */
void web_ops_case(web_t *w, const web_req_t *q, web_resp_t *r);     /* /ops/case/ID */
void web_ops_parked(web_t *w, const web_req_t *q, web_resp_t *r);   /* /ops/parked (POST) */
void web_ops_conflict(web_t *w, const web_req_t *q, web_resp_t *r); /* /ops/conflict (POST) */
void web_metrics(web_t *w, const web_req_t *q, web_resp_t *r);      /* /metrics (web_metrics.c) */

/* The FHIR R4 interface for clinical systems (web_fhir.c), for API clients
 * with a bearer token (q->user: the client, named CLIENT_USER_PREFIX +
 * its name; fields "x-request-id", "x-correlation-id" and "body", the
 * request's headers and JSON). Answers application/fhir+json. */
void web_fhir_submit(web_t *w, const web_req_t *q, web_resp_t *r);   /* POST ServiceRequest */
void web_fhir_read(web_t *w, const web_req_t *q, web_resp_t *r);     /* GET ServiceRequest/ID */
void web_fhir_metadata(web_t *w, const web_req_t *q, web_resp_t *r); /* GET metadata */
/* An answer of status with an OperationOutcome of one issue (FHIR
 * IssueType code, no expression), the X-Correlation-ID of q echoed (q may
 * be NULL). */
void web_fhir_refusal(web_resp_t *r, const web_req_t *q, int status, const char *code,
                      const char *message);
/* Adds a header to r (web_resp_t.headers); a value that is not printable
 * ASCII, or one that does not fit, is left out. */
void web_resp_header(web_resp_t *r, const char *name, const char *value);

#endif
