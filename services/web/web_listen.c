/*
 * Where carerhub-web listens and what it may serve there: the web section
 * of the configuration with its defaults, the listening address read, and
 * the rule that without a certificate only loopback is served (passwords
 * never cross a network in clear).
 */
#include "web_impl.h"

#include "util/file.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void web_limits(const hubconf_t *conf, web_limits_t *out)
{
    const hubconf_web_t *c = &conf->web;
#define S_OR(v, d) ((v) > 0 ? (v) : (d))
    out->listen = c->listen && *c->listen ? c->listen : "127.0.0.1:7320";
    out->tls_cert = c->tls_cert && *c->tls_cert ? c->tls_cert : NULL;
    out->tls_key = c->tls_key && *c->tls_key ? c->tls_key : NULL;
    out->tls_client_ca = c->tls_client_ca && *c->tls_client_ca ? c->tls_client_ca : NULL;
    out->idle_ms = S_OR(c->session_idle_minutes, 30) * 60000LL;
    out->max_body = (size_t)S_OR(c->max_body_bytes, 65536);
    out->max_connections = (unsigned)S_OR(c->max_connections, 64);
    out->per_address = out->max_connections < 8 ? out->max_connections : 8;
    out->timeout_s = (unsigned)S_OR(c->connection_timeout_s, 15);
    out->login_attempts = (unsigned)S_OR(c->login_attempts, 5);
    out->login_attempts_per_address = (unsigned)S_OR(c->login_attempts_per_address, 100);
    out->login_window_ms = S_OR(c->login_window_minutes, 15) * 60000LL;
#undef S_OR
}

int web_listen_addr(const char *listen, struct sockaddr_storage *sa, bool *loopback, char *why,
                    size_t whysz)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    char *end;
    long port;
    size_t hn;

    memset(sa, 0, sizeof *sa);
    if (!colon || colon == listen) {
        snprintf(why, whysz, "web.listen '%s' is not address:port", listen);
        return -1;
    }
    port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535) {
        snprintf(why, whysz, "web.listen '%s': the port is not a number from 0 to 65535", listen);
        return -1;
    }
    hn = (size_t)(colon - listen);
    if (listen[0] == '[' && hn > 2 && listen[hn - 1] == ']')
        listen++, hn -= 2;
    if (hn >= sizeof host) {
        snprintf(why, whysz, "web.listen: the address is too long");
        return -1;
    }
    memcpy(host, listen, hn);
    host[hn] = '\0';
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &((struct sockaddr_in *)sa)->sin_addr) == 1) {
        struct sockaddr_in *in = (struct sockaddr_in *)sa;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        *loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)sa)->sin6_addr) == 1) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    } else {
        snprintf(why, whysz, "web.listen '%s': '%s' is not a numeric IPv4 or IPv6 address",
                 listen - (listen[-1] == '[' ? 1 : 0), host);
        return -1;
    }
    return 0;
}

int web_listen_check(web_t *w)
{
    struct sockaddr_storage sa;
    bool loopback = false;
    char why[512];
    size_t n;

    if (web_listen_addr(w->lim.listen, &sa, &loopback, why, sizeof why) < 0) {
        log_error("%s", why);
        return -1;
    }
    if (!w->lim.tls_cert != !w->lim.tls_key) {
        log_error("web.tls_cert and web.tls_key go together: give both or neither");
        return -1;
    }
    w->tls = w->lim.tls_cert != NULL;
    if (!w->tls && !loopback) {
        log_error("web.listen %s is not a loopback address, and without web.tls_cert and "
                  "web.tls_key passwords would cross the network in clear: refusing to listen "
                  "on it (give a certificate, or listen on 127.0.0.1)",
                  w->lim.listen);
        return -1;
    }
    if (w->tls && (file_read_all(w->lim.tls_cert, 1 << 20, &w->tls_cert, &n) < 0 ||
                   file_read_trusted(w->lim.tls_key, FILE_SECRET, 1 << 20, &w->tls_key, &n, why,
                                     sizeof why) < 0)) {
        if (!w->tls_cert)
            log_error("cannot read web.tls_cert %s: %s", w->lim.tls_cert, strerror(errno));
        else
            log_error("web.tls_key: %s", why);
        return -1;
    }
    if (w->lim.tls_client_ca &&
        (!w->tls || file_read_all(w->lim.tls_client_ca, 1 << 20, &w->tls_client_ca, &n) < 0)) {
        if (!w->tls)
            log_error("web.tls_client_ca needs web.tls_cert and web.tls_key (HTTPS)");
        else
            log_error("cannot read web.tls_client_ca %s: %s", w->lim.tls_client_ca,
                      strerror(errno));
        return -1;
    }
    return 0;
}
