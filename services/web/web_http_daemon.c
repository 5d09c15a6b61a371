/*
 * carerhub-web's libmicrohttpd daemon (see web_http.c): started in the
 * daemon's own loop, its callbacks for a connection's and a request's
 * start and end, its log, and the time limit of each connection, past
 * which a slow client is cut off.
 */
#include "web_http.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static web_http_conn_t *s_conns;
static unsigned long s_cut;

static void *s_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    web_http_call_t *call = xcalloc(1, sizeof *call);
    const char *qm = strchr(uri, '?');
    if (qm)
        call->query = xstrdup(qm + 1);
    return call;
}

web_http_conn_t *web_http_conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void s_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    web_t *w = cls;
    web_http_call_t *call = *con_cls;
    web_http_conn_t *k = web_http_conn_of(c);
    if (k)
        k->deadline = clock_mono_ms() + w->lim.timeout_s * 1000LL;
    if (call) {
        /* Answered, or its client has gone: an answer from the hub that
         * comes now is dropped. */
        web_wait_end(w, &call->wait);
        free(call->query);
        buf_free(&call->body);
        free(call);
    }
    *con_cls = NULL;
}

static void s_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                     enum MHD_ConnectionNotificationCode toe)
{
    web_t *w = cls;
    web_http_conn_t *k = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        k = xcalloc(1, sizeof *k);
        k->fd = ci ? ci->connect_fd : -1;
        k->deadline = clock_mono_ms() + w->lim.timeout_s * 1000LL;
        k->next = s_conns;
        if (s_conns)
            s_conns->prev = k;
        s_conns = k;
        *socket_context = k;
    } else if (k) {
        if (k->prev)
            k->prev->next = k->next;
        else
            s_conns = k->next;
        if (k->next)
            k->next->prev = k->prev;
        free(k);
        *socket_context = NULL;
    }
}

void web_http_resume(web_t *w, void *conn)
{
    struct MHD_Connection *c = conn;
    web_http_conn_t *k = web_http_conn_of(c);
    /* The time it waited for the hub is not the client's. */
    if (k && k->waiting_since) {
        k->deadline += clock_mono_ms() - k->waiting_since;
        k->waiting_since = 0;
    }
    MHD_resume_connection(c);
}

static void s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512], safe[TEXT_ESCAPE_MAX(512)];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    if (n < 0)
        return;
    n = n >= (int)sizeof msg ? (int)sizeof msg - 1 : n;
    while (n > 0 && msg[n - 1] == '\n')
        n--;
    text_escape(msg, (size_t)n, safe, sizeof safe);
    log_info("http: %s", safe);
}

/* --- the daemon -------------------------------------------------------- */

const hubconf_t *web_conf(const web_t *w)
{
    return w->conf;
}

int web_http_start(web_t *w)
{
    struct sockaddr_storage sa;
    bool loopback;
    char why[256], host[INET6_ADDRSTRLEN];
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    const union MHD_DaemonInfo *di;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, w->tls_key},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, w->tls_cert},
        /* FHIR clients are asked for a certificate (not made to send one):
         * web_http_fhir.c holds a client with one recorded to it. */
        {w->tls_client_ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, w->tls_client_ca},
        {MHD_OPTION_END, 0, NULL},
    };

    if (web_listen_addr(w->lim.listen, &sa, &loopback, why, sizeof why) < 0)
        log_panic("%s", why); /* web_listen_check passed it */
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (w->tls)
        flags |= MHD_USE_TLS;
    w->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, web_http_access, w, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, w,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
        w->lim.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, w->lim.per_address,
        MHD_OPTION_CONNECTION_TIMEOUT, w->lim.timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)WEB_HEADERS_MAX, MHD_OPTION_URI_LOG_CALLBACK, s_uri, w, MHD_OPTION_NOTIFY_COMPLETED,
        s_completed, w, MHD_OPTION_NOTIFY_CONNECTION, s_notify, w, MHD_OPTION_ARRAY,
        w->tls ? tls : tls + 3, MHD_OPTION_END);
    if (!w->mhd) {
        log_error("cannot listen on %s (in use, or not an address of this machine?)",
                  w->lim.listen);
        return -1;
    }
    di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_BIND_PORT);
    if (sa.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host, sizeof host);
        snprintf(w->url, sizeof w->url, "%s://[%s]:%u", w->tls ? "https" : "http", host,
                 di ? di->port : 0);
    } else {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host, sizeof host);
        snprintf(w->url, sizeof w->url, "%s://%s:%u", w->tls ? "https" : "http", host,
                 di ? di->port : 0);
    }
    return 0;
}

int web_http_fd(web_t *w)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    return di ? di->epoll_fd : -1;
}

long web_http_timeout_ms(web_t *w)
{
    MHD_UNSIGNED_LONG_LONG t;
    if (MHD_get_timeout(w->mhd, &t) == MHD_YES && t < 500)
        return (long)t;
    return 500; /* the connections' time limits are looked at twice a second */
}

void web_http_run(web_t *w)
{
    int64_t now = clock_mono_ms();
    MHD_run(w->mhd);
    for (web_http_conn_t *k = s_conns; k; k = k->next)
        if (k->fd >= 0 && !k->waiting_since && now > k->deadline) {
            /* Past its time (a slow sender, a slow reader): MHD sees
             * the connection end, and closes it, on its next run. */
            shutdown(k->fd, SHUT_RDWR);
            k->fd = -1;
            s_cut++;
            log_info("a connection was cut off: its request took more than %u s", w->lim.timeout_s);
        }
}

void web_http_stop(web_t *w)
{
    /* No connection may be suspended when MHD stops: the requests still
     * waiting are answered that the hub could not be reached. */
    web_calls_stop(w);
    if (w->mhd) {
        MHD_run(w->mhd);
        MHD_stop_daemon(w->mhd);
    }
    w->mhd = NULL;
    if (s_cut)
        log_info("%lu slow connection(s) were cut off", s_cut);
}
