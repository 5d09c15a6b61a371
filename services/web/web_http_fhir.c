/*
 * The HTTP side of the FHIR routes (WEB_BEARER in the route table): no
 * session, no cookie, no CSRF token (these are not a browser's routes: a
 * session cookie sent with one is never looked at). A route with roles is
 * for an API client (lib/account/client.h) with its bearer token, over
 * TLS or on loopback (the daemon listens beyond loopback only with TLS);
 * where web.tls_client_ca is set, a client with a certificate recorded
 * must also present that certificate. Wrong tokens are counted per
 * address and throttled as logins are, with a Retry-After that says what
 * the words say; a right token is served from any address. A POST is refused before its body
 * is read when its credentials, its type or its length are wrong; a body
 * that grows past FHIR_MAX_BYTES is read to its end and answered 413.
 * Every refusal is an OperationOutcome (web_fhir_refusal).
 */
#include "web_http.h"

#include "account/client.h"
#include "fhir/fhir.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <gnutls/gnutls.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Whether a token in auth is a bearer token, and where it starts. */
static const char *s_bearer(const char *auth)
{
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return NULL;
    auth += 7;
    while (*auth == ' ')
        auth++;
    return auth;
}

/* A client's role, as the store names it: the referrers' only. */
static int s_role(const char *name, role_t *out)
{
    static const role_t roles[] = {ROLE_GP, ROLE_HOSPITAL, ROLE_SCHOOL};
    for (size_t i = 0; name && i < 3; i++)
        if (strcmp(name, role_name(roles[i])) == 0) {
            *out = roles[i];
            return 0;
        }
    return -1;
}

/* The words of a wait and its Retry-After, from one number: seconds, or
 * whole minutes when it is two minutes or more (then the header says
 * those minutes in seconds), so that the two never disagree. */
static int64_t s_wait_words(int64_t wait_ms, char *msg, size_t msgsz)
{
    int64_t s = (wait_ms + 999) / 1000;
    if (s < 1)
        s = 1;
    if (s >= 120) {
        s = (s + 59) / 60 * 60;
        snprintf(msg, msgsz,
                 "Too many requests with wrong credentials came from this address: try again in "
                 "%lld minutes.",
                 (long long)s / 60);
    } else {
        snprintf(msg, msgsz,
                 "Too many requests with wrong credentials came from this address: try again in "
                 "%lld seconds.",
                 (long long)s);
    }
    return s;
}

/* web_fhir_client, with the seconds to wait (Retry-After) of a 429 in
 * *retry_s. A valid token is served whatever its address has failed: a
 * token is 256 bits, so the throttle is for the noise (and the logs) of
 * wrong ones, not the defence; only a wrong token from a throttled
 * address is answered 429 (and counted no further). */
static int s_client(web_t *w, const char *auth, const char *address, const uint8_t *peer_sha256,
                    web_user_t *u, char *msg, size_t msgsz, int64_t *retry_s)
{
    const char *token = s_bearer(auth);
    Carerhub__WebClient *cl = NULL;
    int64_t now = clock_mono_ms(), wait_ms = 0;
    role_t role;
    bool ok;

    memset(u, 0, sizeof *u);
    *retry_s = 0;
    ok = token && client_verify(w->store, token, &cl) == ACCOUNT_OK &&
         s_role(cl->role, &role) == 0 && cl->organisation;
    /* A certificate recorded is a second credential: where the web does
     * not ask for certificates it cannot be met, so the token is refused
     * rather than taken alone. */
    if (ok && cl->cert_sha256.len == 32 &&
        (!w->tls_client_ca || !peer_sha256 ||
         sodium_memcmp(cl->cert_sha256.data, peer_sha256, 32) != 0)) {
        log_warn("FHIR client %s: refused without its recorded certificate%s", cl->name,
                 w->tls_client_ca ? "" : " (web.tls_client_ca is not set)");
        ok = false;
    }
    if (ok) {
        snprintf(u->name, sizeof u->name, "%s%s", CLIENT_USER_PREFIX, cl->name);
        u->role = role;
        snprintf(u->org, sizeof u->org, "%s", cl->organisation);
        carerhub__web_client__free_unpacked(cl, NULL);
        return 0;
    }
    carerhub__web_client__free_unpacked(cl, NULL);
    if (web_throttled(w->throttle, NULL, address, now, w->lim.login_attempts,
                      w->lim.login_attempts_per_address, w->lim.login_window_ms, &wait_ms)) {
        *retry_s = s_wait_words(wait_ms, msg, msgsz);
        return 429;
    }
    if (!token) {
        snprintf(msg, msgsz,
                 "Send the API client's token as Authorization: Bearer TOKEN (the hub's "
                 "operator makes one with carerhub client add).");
        return 401;
    }
    web_throttle_fail(w->throttle, NULL, address, now, w->lim.login_window_ms);
    snprintf(msg, msgsz,
             "The bearer token is not an API client's, its client is disabled, or the "
             "client's certificate was not presented.");
    return 401;
}

int web_fhir_client(web_t *w, const char *auth, const char *address, const uint8_t *peer_sha256,
                    web_user_t *u, char *msg, size_t msgsz)
{
    int64_t retry_s;
    return s_client(w, auth, address, peer_sha256, u, msg, msgsz, &retry_s);
}

/* The SHA-256 of the certificate the client presented, verified against
 * web.tls_client_ca: 0, or -1 when it presented none that verifies. */
static int s_peer_sha256(web_t *w, struct MHD_Connection *c, uint8_t out[32])
{
    const union MHD_ConnectionInfo *ci;
    const gnutls_datum_t *certs;
    gnutls_session_t s;
    unsigned n = 0, status = 0;

    if (!w->tls || !w->tls_client_ca ||
        !(ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION)) ||
        !(s = (gnutls_session_t)ci->tls_session))
        return -1;
    if (gnutls_certificate_verify_peers2(s, &status) != GNUTLS_E_SUCCESS || status != 0)
        return -1;
    if (!(certs = gnutls_certificate_get_peers(s, &n)) || n == 0)
        return -1;
    return crypto_hash_sha256(out, certs[0].data, certs[0].size);
}

static enum MHD_Result s_refuse(web_t *w, struct MHD_Connection *c, int status, const char *code,
                                const char *message, const char *allow, int64_t retry_s)
{
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    const char *corr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Correlation-ID");
    web_fhir_refusal(&r, NULL, status, code, message);
    if (corr)
        web_resp_header(&r, "X-Correlation-ID", corr);
    if (status == 401)
        web_resp_header(&r, "WWW-Authenticate", "Bearer realm=\"carerhub\"");
    if (status == 429) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)retry_s);
        web_resp_header(&r, "Retry-After", ra);
    }
    return web_http_send(w, c, &r, allow);
}

/* Who the request is from: 0 with call->client set (or none needed), else
 * the refusal sent (*ret). */
static int s_who(web_t *w, struct MHD_Connection *c, web_http_call_t *call, const web_route_t *rt,
                 enum MHD_Result *ret)
{
    char addr[64], msg[256];
    uint8_t fp[32];
    int64_t retry_s = 0;
    int st;
    if (rt->roles == WEB_NO_SESSION)
        return 0;
    /* As the rest of the site: in clear only on this machine. */
    if (!w->tls && !web_http_loopback(c)) {
        *ret = s_refuse(w, c, 403, "security", "Use HTTPS.", NULL, 0);
        return -1;
    }
    web_http_address(c, addr, sizeof addr);
    st = s_client(w, MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
                  addr, s_peer_sha256(w, c, fp) == 0 ? fp : NULL, &call->client, msg, sizeof msg,
                  &retry_s);
    if (st == 0 && !(rt->roles & WEB_ROLE(call->client.role))) {
        st = 403;
        snprintf(msg, sizeof msg, "This API client's organisation cannot use this.");
    }
    if (st) {
        *ret = s_refuse(w, c, st,
                        st == 401   ? "login"
                        : st == 429 ? "throttled"
                                    : "forbidden",
                        msg, NULL, retry_s);
        return -1;
    }
    call->has_client = true;
    return 0;
}

/* Whether a Content-Type is FHIR's JSON or plain JSON (parameters such as
 * charset after ';' allowed). */
static bool s_json_type(const char *type)
{
    static const char *const types[] = {"application/fhir+json", "application/json"};
    for (size_t i = 0; type && i < 2; i++) {
        size_t n = strlen(types[i]);
        if (strncasecmp(type, types[i], n) == 0 && (type[n] == '\0' || type[n] == ';'))
            return true;
    }
    return false;
}

enum MHD_Result web_http_fhir_begin(web_t *w, struct MHD_Connection *c, web_http_call_t *call,
                                    const web_route_t *rt, const char *method)
{
    const char *len, *type;
    enum MHD_Result ret;
    bool get =
        strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

    call->fhir = true;
    if (!(rt->methods & (call->post ? WEB_POST : get ? WEB_GET : 0)))
        return s_refuse(w, c, 405, "not-supported", "This resource does not take that method.",
                        rt->methods & WEB_POST ? "POST" : "GET, HEAD", 0);
    /* A GET is answered once MHD has it whole (web_http_fhir_answer). */
    if (!call->post)
        return MHD_YES;
    if (s_who(w, c, call, rt, &ret) != 0)
        return ret;
    type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!s_json_type(type))
        return s_refuse(w, c, 415, "not-supported",
                        "Send the ServiceRequest as JSON (Content-Type: application/fhir+json).",
                        NULL, 0);
    len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (len && strtoull(len, NULL, 10) > FHIR_MAX_BYTES)
        return s_refuse(w, c, 413, "too-costly",
                        "The request is larger than the hub takes (256 KiB): it was not read.",
                        NULL, 0);
    return MHD_YES;
}

enum MHD_Result web_http_fhir_body(web_t *w, web_http_call_t *call, const char *upload,
                                   size_t *upload_size)
{
    if (!call->too_big && call->body.len + *upload_size > FHIR_MAX_BYTES) {
        call->too_big = true;
        buf_free(&call->body);
    }
    if (!call->too_big)
        buf_add(&call->body, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
}

enum MHD_Result web_http_fhir_answer(web_t *w, struct MHD_Connection *c, web_http_call_t *call,
                                     const char *url)
{
    static const char *const hdrs[] = {"X-Request-ID", "X-Correlation-ID"};
    const char *names[3], *values[3];
    const web_route_t *rt = web_route(url);
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    web_req_t q = {0};
    char addr[64];
    enum MHD_Result ret;

    if (!rt) /* the route of the first call: never expected */
        return s_refuse(w, c, 404, "not-found", "There is no such resource.", NULL, 0);
    if (!call->post && s_who(w, c, call, rt, &ret) != 0)
        return ret;
    if (call->too_big)
        return s_refuse(w, c, 413, "too-costly",
                        "The request is larger than the hub takes (256 KiB): it was not read.",
                        NULL, 0);
    /* A NUL would end the body early where it is kept as text; JSON has
     * none (it writes \u0000). */
    if (call->body.len && memchr(call->body.data, '\0', call->body.len))
        return s_refuse(w, c, 400, "structure", "The request is not JSON: it holds a NUL byte.",
                        NULL, 0);
    web_http_address(c, addr, sizeof addr);
    snprintf(w->address, sizeof w->address, "%s", addr);
    for (size_t i = 0; i < 2; i++) {
        names[q.nfields] = i ? "x-correlation-id" : "x-request-id";
        values[q.nfields] = MHD_lookup_connection_value(c, MHD_HEADER_KIND, hdrs[i]);
        if (values[q.nfields])
            q.nfields++;
    }
    buf_addc(&call->body, '\0');
    names[q.nfields] = "body";
    values[q.nfields++] = call->body.data;
    q.post = call->post;
    q.path = url;
    q.address = addr;
    q.user = call->has_client ? &call->client : NULL;
    q.names = names;
    q.values = values;
    w->sess = NULL;
    w->cookie[0] = '\0';
    w->wait = &call->wait;
    rt->fn(w, &q, &r);
    ret = web_http_finish(w, c, call, &r);
    w->wait = NULL;
    return ret;
}
