/*
 * The HTTP side of carerhub-web: libmicrohttpd in the daemon's own loop
 * (MHD_USE_EPOLL: its descriptor is polled with the ZeroMQ sockets), the
 * limits every request meets (connections at once and per address, header
 * bytes, body bytes, fields, and a whole request's time, so that a client
 * sending a byte a second is cut off), the route table with who may use
 * each route, and the headers every answer carries. A request whose
 * handler calls the hub (web_call) has its connection suspended while it
 * waits, and is answered when it is resumed (web_call.c): meanwhile the
 * daemon serves everyone else. Bodies are decoded by web_body.c; the
 * address listened on is web_listen.c's. A WEB_SCRAPE route (/metrics)
 * is served to a client on a loopback address as it is, and to anyone
 * else as to an operator logged in or with an operator's HTTP Basic
 * credentials under TLS. libmicrohttpd is started, and each connection
 * kept to its time, in web_http_daemon.c; web_http.h is what the two
 * files share.
 */
#include "web_http.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

static const char s_csp[] = "default-src 'none'; style-src 'self'; img-src 'self'; "
                            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/* --- routes ------------------------------------------------------------ */

static void s_css(web_t *w, const web_req_t *q, web_resp_t *r)
{
    buf_adds(&r->body, web_css);
    r->type = "text/css; charset=utf-8";
}

const web_route_t web_routes[] = {
    {"/", WEB_GET, WEB_ANY_ROLE, web_home},
    {"/style.css", WEB_GET, WEB_NO_SESSION, s_css},
    {"/login", WEB_GET | WEB_POST, WEB_NO_SESSION, web_login_page},
    {"/logout", WEB_POST, WEB_ANY_ROLE, web_logout},
    {"/login/change", WEB_GET | WEB_POST, WEB_ANY_ROLE, web_change_page},
    {"/setup", WEB_GET | WEB_POST, WEB_NO_SESSION, web_setup_page},
    {"/help", WEB_GET | WEB_POST, WEB_NO_SESSION, web_help, WEB_OWN_CSRF},
    {"/refer/gp", WEB_GET | WEB_POST, WEB_ROLE(ROLE_GP), web_refer},
    {"/refer/discharge", WEB_GET | WEB_POST, WEB_ROLE(ROLE_HOSPITAL), web_refer},
    {"/refer/school", WEB_GET | WEB_POST, WEB_ROLE(ROLE_SCHOOL), web_refer},
    {"/referrals", WEB_GET, WEB_REFERRERS, web_referrals},
    {"/referrals/", WEB_GET, WEB_REFERRERS, web_referrals},
    {"/inbox", WEB_GET, WEB_ROLE(ROLE_PROVIDER), web_inbox},
    {"/inbox.csv", WEB_GET, WEB_ROLE(ROLE_PROVIDER), web_inbox},
    {"/inbox/", WEB_GET | WEB_POST, WEB_ROLE(ROLE_PROVIDER), web_inbox_case},
    {"/report", WEB_GET, WEB_ROLE(ROLE_COMMISSIONER) | WEB_ROLE(ROLE_OPERATOR), web_report},
    {"/report.csv", WEB_GET, WEB_ROLE(ROLE_COMMISSIONER) | WEB_ROLE(ROLE_OPERATOR), web_report_csv},
    {"/report.css", WEB_GET, WEB_NO_SESSION, web_report_css},
    {"/ops", WEB_GET, WEB_ROLE(ROLE_OPERATOR), web_ops},
    {"/ops/case/", WEB_GET, WEB_ROLE(ROLE_OPERATOR), web_ops_case},
    {"/ops/parked", WEB_POST, WEB_ROLE(ROLE_OPERATOR), web_ops_parked},
    {"/ops/conflict", WEB_POST, WEB_ROLE(ROLE_OPERATOR), web_ops_conflict},
    {"/metrics", WEB_GET, WEB_ROLE(ROLE_OPERATOR), web_metrics, WEB_SCRAPE},
    {"/fhir/r4/metadata", WEB_GET, WEB_NO_SESSION, web_fhir_metadata, WEB_BEARER},
    {"/fhir/r4/ServiceRequest", WEB_POST, WEB_REFERRERS, web_fhir_submit, WEB_BEARER},
    {"/fhir/r4/ServiceRequest/", WEB_GET, WEB_REFERRERS, web_fhir_read, WEB_BEARER},
    {NULL, 0, 0, NULL},
};

const web_route_t *web_route(const char *path)
{
    for (const web_route_t *rt = web_routes; rt->path; rt++) {
        size_t n = strlen(rt->path);
        if (strcmp(path, rt->path) == 0 ||
            (n > 1 && rt->path[n - 1] == '/' && strncmp(path, rt->path, n) == 0 && path[n]))
            return rt;
    }
    return NULL;
}

int web_authorise(const web_route_t *rt, const web_user_t *u, char *location, size_t locsz)
{
    location[0] = '\0';
    if (rt->roles == WEB_NO_SESSION)
        return 0;
    if (!u && (rt->flags & (WEB_SCRAPE | WEB_BEARER)))
        return 401; /* a scraper or a system is asked for credentials, not sent to a form */
    if (!u) {
        snprintf(location, locsz, "/login");
        return 303;
    }
    if (u->must_change && !(rt->flags & WEB_BEARER) && strcmp(rt->path, "/login/change") &&
        strcmp(rt->path, "/logout")) {
        snprintf(location, locsz, "/login/change");
        return 303;
    }
    return (rt->roles & WEB_ROLE(u->role)) ? 0 : 403;
}

/* --- one request ------------------------------------------------------- */

void web_http_address(struct MHD_Connection *c, char *out, size_t outsz)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    snprintf(out, outsz, "?");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)outsz);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)outsz);
}

static void s_header(struct MHD_Response *resp, const char *name, const char *value)
{
    if (MHD_add_response_header(resp, name, value) != MHD_YES)
        log_panic("cannot add the header %s", name);
}

/* Adds r's further headers, "Name: value\n" each. */
static void s_more_headers(struct MHD_Response *resp, const char *h)
{
    char name[64], value[256];
    while (*h) {
        size_t n = strcspn(h, ":"), v;
        if (!h[n] || n >= sizeof name)
            break;
        snprintf(name, sizeof name, "%.*s", (int)n, h);
        h += n + 1 + (h[n + 1] == ' ');
        v = strcspn(h, "\n");
        snprintf(value, sizeof value, "%.*s", (int)(v < sizeof value ? v : sizeof value - 1), h);
        s_header(resp, name, value);
        h += v + (h[v] == '\n');
    }
}

/* Sends r with the headers every answer has. */
enum MHD_Result web_http_send(web_t *w, struct MHD_Connection *c, web_resp_t *r, const char *allow)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    bool css = r->type && strncmp(r->type, "text/css", 8) == 0;
    if (r->location[0] && (r->status == 200 || !r->status))
        r->status = 303;
    resp = MHD_create_response_from_buffer(r->body.len, r->body.data ? r->body.data : (char *)"",
                                           MHD_RESPMEM_MUST_COPY);
    s_header(resp, "Content-Type", r->type ? r->type : "text/html; charset=utf-8");
    s_header(resp, "Content-Security-Policy", s_csp);
    s_header(resp, "X-Content-Type-Options", "nosniff");
    s_header(resp, "X-Frame-Options", "DENY");
    s_header(resp, "Referrer-Policy", "no-referrer");
    /* Every page is made for one session (its CSRF token at least): none
     * is kept by a browser or a proxy; the stylesheet may be, briefly. */
    s_header(resp, "Cache-Control", css && !r->personal ? "max-age=300" : "no-store");
    if (w->tls)
        s_header(resp, "Strict-Transport-Security", "max-age=31536000");
    if (r->location[0])
        s_header(resp, "Location", r->location);
    if (r->filename[0]) {
        char cd[sizeof r->filename + 32];
        snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", r->filename);
        s_header(resp, "Content-Disposition", cd);
    }
    if (w->cookie[0])
        s_header(resp, "Set-Cookie", w->cookie);
    /* The cookie was this answer's: never the next one's, which may be
     * another client's. */
    w->cookie[0] = '\0';
    if (allow)
        s_header(resp, "Allow", allow);
    s_more_headers(resp, r->headers);
    if (r->status == 401 && !strstr(r->headers, "WWW-Authenticate:"))
        s_header(resp, "WWW-Authenticate", "Basic realm=\"carerhub metrics\", charset=\"UTF-8\"");
    ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    buf_free(&r->body);
    return ret;
}

static enum MHD_Result s_refuse(web_t *w, struct MHD_Connection *c, const web_req_t *q, int status,
                                const char *message, const char *allow)
{
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    web_error_page(&r, q, status, message);
    return web_http_send(w, c, &r, allow);
}

/* Under /fhir/ a system, not a person, is asking: a path of no route is
 * answered as FHIR answers (an OperationOutcome), not with the site's page. */
static bool s_fhir_path(const char *url)
{
    return strncmp(url, "/fhir", 5) == 0 && (url[5] == '\0' || url[5] == '/');
}

static enum MHD_Result s_fhir_not_found(web_t *w, struct MHD_Connection *c)
{
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    web_fhir_refusal(&r, NULL, 404, "not-found",
                     "There is no such resource: the hub serves GET /fhir/r4/metadata, POST "
                     "/fhir/r4/ServiceRequest and GET /fhir/r4/ServiceRequest/ID.");
    return web_http_send(w, c, &r, NULL);
}

/* A refusal in plain words, for a scraper as much as a person. */
static enum MHD_Result s_refuse_text(web_t *w, struct MHD_Connection *c, int status,
                                     const char *message)
{
    web_resp_t r = {status, BUF_INIT, "text/plain; charset=utf-8", "", false};
    buf_adds(&r.body, message);
    buf_addc(&r.body, '\n');
    return web_http_send(w, c, &r, NULL);
}

/* Whether the client is on this machine: 127.0.0.0/8 or ::1, also as an
 * IPv4 address mapped into IPv6. */
bool web_http_loopback(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa && sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

/* Who may use WEB_SCRAPE route rt: a client on a loopback address,
 * whoever it is, unless a proxy forwarded its request; anyone else as one of the route's roles,
 * logged in (q's user) or, under TLS, with HTTP Basic credentials (then q->user is *basic). 0, or
 * the refusal's status with its words in msg. */
static int s_scrape_who(web_t *w, struct MHD_Connection *c, const web_route_t *rt, web_req_t *q,
                        web_user_t *basic, char *msg, size_t msgsz)
{
    const char *auth = NULL;
    char loc[64];
    int st;
    /* A proxy on this machine passing on someone else's request says so
     * (X-Forwarded-For, Forwarded): that someone is not on loopback. */
    if (web_http_loopback(c) &&
        !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For") &&
        !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Forwarded"))
        return 0;
    if (!q->user && w->tls)
        auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth) {
        if ((st = web_metrics_basic(w, auth, q->address, basic, msg, msgsz)) != 0)
            return st;
        q->user = basic;
    }
    if ((st = web_authorise(rt, q->user, loc, sizeof loc)) == 0)
        return 0;
    snprintf(msg, msgsz, "%s",
             st == 401   ? "The metrics are served without logging in only on this machine (a "
                           "loopback address). From elsewhere, send an operator's user name and "
                           "password (HTTP Basic, over HTTPS), or log in as an operator."
             : st == 303 ? "Your first password has not been changed: change it at /login/change."
                         : "Only an operator's account can read the metrics.");
    return st == 303 ? 403 : st;
}

/* Answers with r, or, while the request waits for the hub, suspends its
 * connection with r kept; a wait that is ready (answered, or its time up)
 * has its then run first, which writes r or calls again. */
enum MHD_Result web_http_finish(web_t *w, struct MHD_Connection *c, web_http_call_t *call,
                                web_resp_t *r)
{
    while (call->wait) {
        web_wait_t *wt = call->wait;
        web_http_conn_t *k;
        if (wt->ready) {
            web_wait_then(w, &call->wait, r);
            continue;
        }
        wt->r = *r;
        r->body = (buf_t)BUF_INIT;
        snprintf(wt->cookie, sizeof wt->cookie, "%s", w->cookie);
        w->cookie[0] = '\0';
        wt->conn = c;
        wt->suspended = true;
        if ((k = web_http_conn_of(c)) != NULL)
            k->waiting_since = clock_mono_ms();
        MHD_suspend_connection(c);
        return MHD_YES;
    }
    return web_http_send(w, c, r, NULL);
}

/* A request resumed: its wait is ready (or, never expected, not yet). It
 * is answered from the wait's copy of it, whatever became of its session. */
static enum MHD_Result s_resumed(web_t *w, struct MHD_Connection *c, web_http_call_t *call)
{
    web_resp_t r = call->wait->r;
    call->wait->r.body = (buf_t)BUF_INIT;
    snprintf(w->address, sizeof w->address, "%s", call->wait->address);
    snprintf(w->cookie, sizeof w->cookie, "%s", call->wait->cookie);
    w->sess = NULL;
    return web_http_finish(w, c, call, &r);
}

static enum MHD_Result s_answer(web_t *w, struct MHD_Connection *c, web_http_call_t *call,
                                const char *url)
{
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    web_req_t q = {0};
    web_form_t f;
    char addr[64], why[160], refusal[256];
    const web_route_t *rt;
    enum MHD_Result ret;
    web_user_t basic;
    int st;

    web_http_address(c, addr, sizeof addr);
    snprintf(w->address, sizeof w->address, "%s", addr);
    w->cookie[0] = '\0';
    w->sess = web_sess_find(w->sessions,
                            MHD_lookup_connection_value(c, MHD_COOKIE_KIND, web_cookie_name(w)),
                            clock_mono_ms(), w->lim.idle_ms);
    /* Each request meets the account as it is now: disabled, changed or
     * gone, and the session is over (the answer clears the cookie). */
    if (w->sess && w->sess->logged_in && !web_session_current(w, w->sess))
        web_session_logout(w);
    q.post = call->post;
    q.path = url;
    q.address = addr;
    q.user = w->sess && w->sess->logged_in ? &w->sess->user : NULL;
    q.csrf = w->sess ? w->sess->user.csrf : NULL;
    if (web_form_decode(call->post ? (call->body.data ? call->body.data : "")
                                   : (call->query ? call->query : ""),
                        call->post ? call->body.len : (call->query ? strlen(call->query) : 0), &f,
                        why, sizeof why) < 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s could not be read: %s. Nothing was done.",
                 call->post ? "What was sent" : "The address", why);
        ret = s_refuse(w, c, &q, 400, msg, NULL);
        w->sess = NULL;
        return ret;
    }
    q.nfields = f.n;
    q.names = (const char *const *)f.names;
    q.values = (const char *const *)f.values;
    if (!(rt = web_route(url))) {
        ret =
            s_refuse(w, c, &q, 404, "Check the address, or start again from the start page.", NULL);
    } else if (!(rt->methods & (call->post ? WEB_POST : WEB_GET))) {
        ret = s_refuse(w, c, &q, 405, "This page cannot take that kind of request.",
                       rt->methods & WEB_POST ? (rt->methods & WEB_GET ? "GET, HEAD, POST" : "POST")
                                              : "GET, HEAD");
    } else if (call->post && !(rt->flags & WEB_OWN_CSRF) &&
               !web_csrf_ok(w->sess, web_field(&q, "csrf"))) {
        /* A form from another site, or one kept past its session. */
        ret = s_refuse(w, c, &q, 403,
                       "This form has expired or did not come from this site, so nothing was "
                       "done. Go back, reload the page and try again.",
                       NULL);
    } else if ((rt->flags & WEB_SCRAPE) &&
               (st = s_scrape_who(w, c, rt, &q, &basic, refusal, sizeof refusal)) != 0) {
        ret = s_refuse_text(w, c, st, refusal);
    } else if (!(rt->flags & WEB_SCRAPE) &&
               (st = web_authorise(rt, q.user, r.location, sizeof r.location)) == 303) {
        ret = web_http_send(w, c, &r, NULL);
    } else if (!(rt->flags & WEB_SCRAPE) && st) {
        ret = s_refuse(w, c, &q, 403, "Your account cannot use this page.", NULL);
    } else {
        w->wait = &call->wait;
        rt->fn(w, &q, &r);
        ret = web_http_finish(w, c, call, &r);
        w->wait = NULL;
    }
    web_form_free(&f);
    w->sess = NULL;
    return ret;
}

enum MHD_Result web_http_access(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **con_cls)
{
    web_t *w = cls;
    web_http_call_t *call = *con_cls;
    web_req_t q = {0};

    if (!call) /* no URI callback for it (never expected): one of our own */
        *con_cls = call = xcalloc(1, sizeof *call);
    q.path = url;
    if (!call->started) {
        const char *len, *type;
        const web_route_t *rt = web_route(url);
        call->started = true;
        call->post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
        if (rt && (rt->flags & WEB_BEARER))
            return web_http_fhir_begin(w, c, call, rt, method);
        if (!rt && s_fhir_path(url))
            return s_fhir_not_found(w, c);
        if (!call->post && strcmp(method, MHD_HTTP_METHOD_GET) &&
            strcmp(method, MHD_HTTP_METHOD_HEAD))
            return s_refuse(w, c, &q, 405, "This site takes GET and POST requests only.",
                            "GET, HEAD, POST");
        /* A GET is answered on the next call, once MHD knows the request
         * is whole: an answer queued now would close the connection. */
        if (!call->post)
            return MHD_YES;
        len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (len && strtoull(len, NULL, 10) > w->lim.max_body)
            return s_refuse(w, c, &q, 413,
                            "A form sent here is never that large, so it was not read and "
                            "nothing was done.",
                            NULL);
        type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!type || strncasecmp(type, "application/x-www-form-urlencoded", 33) ||
            (type[33] && type[33] != ';'))
            return s_refuse(w, c, &q, 400,
                            "Only the forms of these pages can be sent here "
                            "(application/x-www-form-urlencoded). Nothing was done.",
                            NULL);
        return MHD_YES;
    }
    if (*upload_size && call->fhir)
        return web_http_fhir_body(w, call, upload, upload_size);
    if (*upload_size) {
        /* A body longer than it said, or one sent without a length:
         * dropped with the connection. */
        if (call->body.len + *upload_size > w->lim.max_body)
            return MHD_NO;
        buf_add(&call->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (call->wait)
        return s_resumed(w, c, call);
    if (call->fhir)
        return web_http_fhir_answer(w, c, call, url);
    return s_answer(w, c, call, url);
}
