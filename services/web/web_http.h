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

#endif
