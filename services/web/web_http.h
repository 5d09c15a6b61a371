/*
 * Inside carerhub-web's HTTP side (web_http.c: routes, a request and its
 * answer; web_http_daemon.c: libmicrohttpd and the connections): a
 * request's and a connection's state. Not for outside use.
 */
#ifndef CARERHUB_WEB_HTTP_H
#define CARERHUB_WEB_HTTP_H

#include "web_impl.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A request from its first line to its answer. */
typedef struct {
    char *query; /* the raw query string, or NULL */
    bool started, post;
    buf_t body;
    web_wait_t *wait; /* while it waits for the hub, and until its then has run */
    /* A FHIR route's (WEB_BEARER): its API client, once known; a body
     * over FHIR_MAX_BYTES is read to its end and dropped (413). */
    bool fhir, has_client, too_big;
    web_user_t client;
} web_http_call_t;

/* A connection, for its time limit. */
typedef struct web_http_conn {
    int fd;
    int64_t deadline;      /* monotonic ms by which its request must be answered */
    int64_t waiting_since; /* monotonic ms: suspended, waiting for the hub (0: not) */
    struct web_http_conn *prev, *next;
} web_http_conn_t;

/* The connection of c, for its time limit, or NULL. */
web_http_conn_t *web_http_conn_of(struct MHD_Connection *c);
/* MHD's access handler: reads a request, then answers it or suspends it. */
enum MHD_Result web_http_access(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **con_cls);

/* Sends r with the headers every answer has (and r's own). */
enum MHD_Result web_http_send(web_t *w, struct MHD_Connection *c, web_resp_t *r, const char *allow);
/* Answers with r, or suspends the connection while its request waits for
 * the hub (r kept for its then). */
enum MHD_Result web_http_finish(web_t *w, struct MHD_Connection *c, web_http_call_t *call,
                                web_resp_t *r);
/* Whether the client is on this machine (127.0.0.0/8, ::1). */
bool web_http_loopback(struct MHD_Connection *c);
/* The client's address as text ("?" if unknown). */
void web_http_address(struct MHD_Connection *c, char *out, size_t outsz);

/* web_http_fhir.c: a FHIR route's request. Its first call: the method,
 * the bearer token (and the client's certificate), the body's type and
 * length, each refused at once. */
enum MHD_Result web_http_fhir_begin(web_t *w, struct MHD_Connection *c, web_http_call_t *call,
                                    const web_route_t *rt, const char *method);
/* A piece of its body. */
enum MHD_Result web_http_fhir_body(web_t *w, web_http_call_t *call, const char *upload,
                                   size_t *upload_size);
/* The request whole: its handler run with the client as q->user. */
enum MHD_Result web_http_fhir_answer(web_t *w, struct MHD_Connection *c, web_http_call_t *call,
                                     const char *url);

/* The API client a request's Authorization header names (auth may be
 * NULL), from address: 0 with it in *u (its name CLIENT_USER_PREFIX +
 * the client's); 401 (no bearer token, an unknown or disabled client's,
 * or, where client certificates are asked for, not with the client's
 * recorded certificate) or 429 (too many failures from address: throttled
 * as logins are), with words in msg. peer_sha256: the SHA-256 of the
 * certificate the client presented, or NULL for none. */
int web_fhir_client(web_t *w, const char *auth, const char *address, const uint8_t *peer_sha256,
                    web_user_t *u, char *msg, size_t msgsz);

#endif
