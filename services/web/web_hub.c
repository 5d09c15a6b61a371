/*
 * carerhub-web's connections to the hub. Connections to the four intakes
 * (the self-intake takes only the public's /help form, sent with OnBehalf
 * role self and no user: web_call.c) and the router's control endpoint
 * are made at start and kept (a submission does not wait for a CURVE
 * handshake), with the web's own key, role gateway, in a table by
 * web_to_t. A request is sent without waiting
 * (web_call.c keeps the calls that wait for an answer); what comes back is
 * read here, in the daemon's loop, and given to the call with its corr.
 */
#include "web_impl.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "wire/wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The servers by web_to_t: each name is its key's (keys/NAME.pub) and the
 * logs'. One more server is one more name here and its endpoint in
 * s_endpoint. */
static const char *const s_servers[WEB_TO_N] = {
    [WEB_TO_GP] = "gp-intake",         [WEB_TO_DISCHARGE] = "discharge-intake",
    [WEB_TO_SCHOOL] = "school-intake", [WEB_TO_SELF] = "self-intake",
    [WEB_TO_ROUTER] = "router",
};

static const char *s_endpoint(const hubconf_t *conf, web_to_t to)
{
    switch (to) {
    case WEB_TO_GP:
        return conf->gp_intake.endpoint;
    case WEB_TO_DISCHARGE:
        return conf->discharge_intake.endpoint;
    case WEB_TO_SCHOOL:
        return conf->school_intake.endpoint;
    case WEB_TO_SELF:
        return conf->self_intake.endpoint;
    case WEB_TO_ROUTER:
        return conf->router.control_endpoint;
    default:
        return NULL;
    }
}

bool web_hub_serves(web_to_t to)
{
    return to < WEB_TO_N && s_servers[to] != NULL;
}

int web_hub_keys(web_hub_t *h, const hubconf_t *conf)
{
    char err[512], *path = xasprintf("%s/web.key", conf->security.keys_dir);
    keypair_t me;
    int rc = curve_load_secret(path, &me, err, sizeof err);
    free(path);
    if (rc < 0) {
        log_error("%s", err);
        return -1;
    }
    for (size_t i = 0; i < WEB_TO_N && rc == 0; i++) {
        h->keys[i].me = me;
        if (!s_servers[i])
            continue;
        path = xasprintf("%s/%s.pub", conf->security.keys_dir, s_servers[i]);
        if ((rc = curve_load_public(path, h->keys[i].server, err, sizeof err)) < 0)
            log_error("%s", err);
        free(path);
    }
    memset(&me, 0, sizeof me);
    return rc;
}

void web_hub_open(web_hub_t *h, const hubconf_t *conf)
{
    for (size_t i = 0; i < WEB_TO_N; i++)
        if (s_servers[i] &&
            clnt_open(&h->conn[i], daemon_zmq(), s_endpoint(conf, i), &h->keys[i]) < 0)
            log_fatalx("cannot connect to the %s at %s: %s", s_servers[i], s_endpoint(conf, i),
                       zmq_strerror(zmq_errno()));
    h->corr = (uint64_t)clock_now_ms() << 20;
}

void web_hub_close(web_hub_t *h)
{
    for (size_t i = 0; i < WEB_TO_N; i++)
        clnt_close(&h->conn[i]);
    memset(h->keys, 0, sizeof h->keys);
    free(h->waits);
    h->waits = NULL;
    h->nwaits = h->capwaits = 0;
}

size_t web_hub_items(web_hub_t *h, zmq_pollitem_t *items, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < WEB_TO_N && n + 2 <= max; i++) {
        if (!h->conn[i].sock)
            continue;
        items[n++] = (zmq_pollitem_t){h->conn[i].sock, 0, ZMQ_POLLIN, 0};
        if (h->conn[i].watch)
            items[n++] = (zmq_pollitem_t){h->conn[i].watch, 0, ZMQ_POLLIN, 0};
    }
    return n;
}

int web_hub_send(web_hub_t *h, web_to_t to, const void *env, size_t n)
{
    /* EAGAIN: not connected (yet, or again). */
    if (to >= WEB_TO_N || !h->conn[to].sock)
        return -1;
    return wire_send_raw(h->conn[to].sock, NULL, env, n, ZMQ_DONTWAIT);
}

void web_hub_drain(web_t *w)
{
    web_hub_t *h = &w->hub;
    for (size_t i = 0; i < WEB_TO_N; i++) {
        Carerhub__Envelope *got;
        wire_status_t st;
        if (!h->conn[i].sock)
            continue;
        if (h->conn[i].watch && clnt_refused(h->conn[i].watch))
            log_error("the %s refused this daemon's key (keys/web.key): is it listed with role "
                      "gateway in the participants file?",
                      s_servers[i]);
        while ((st = wire_recv(h->conn[i].sock, false, NULL, &got, ZMQ_DONTWAIT)) != WIRE_AGAIN &&
               st != WIRE_FAILED)
            if (st == WIRE_OK)
                web_calls_reply(w, (web_to_t)i, got);
    }
}
