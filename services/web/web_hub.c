/*
 * carerhub-web's calls to the hub. Connections to the three intakes and
 * the router's control endpoint are made at start and kept (a submission
 * does not wait for a CURVE handshake), with the web's own key, role
 * gateway. Each call names the logged-in user (OnBehalf): the intake or
 * the router treats the request as that user's organisation's and no
 * other's. A call waits for the reply with its own corr; replies to calls
 * that gave up earlier are read and dropped.
 */
#include "web_impl.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "wire/wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define S_ROUTER    3
#define S_RESEND_MS 2000 /* a request is sent again this often while it waits */

static const char *const s_servers[4] = {"gp-intake", "discharge-intake", "school-intake",
                                         "router"};

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
    for (size_t i = 0; i < 4 && rc == 0; i++) {
        path = xasprintf("%s/%s.pub", conf->security.keys_dir, s_servers[i]);
        h->keys[i].me = me;
        if ((rc = curve_load_public(path, h->keys[i].server, err, sizeof err)) < 0)
            log_error("%s", err);
        free(path);
    }
    memset(&me, 0, sizeof me);
    return rc;
}

static const char *s_endpoint(const hubconf_t *conf, size_t i)
{
    switch (i) {
    case 0:
        return conf->gp_intake.endpoint;
    case 1:
        return conf->discharge_intake.endpoint;
    case 2:
        return conf->school_intake.endpoint;
    default:
        return conf->router.control_endpoint;
    }
}

void web_hub_open(web_hub_t *h, const hubconf_t *conf)
{
    for (size_t i = 0; i < 4; i++)
        if (clnt_open(&h->conn[i], daemon_zmq(), s_endpoint(conf, i), &h->keys[i]) < 0)
            log_fatalx("cannot connect to the %s at %s: %s", s_servers[i], s_endpoint(conf, i),
                       zmq_strerror(zmq_errno()));
    h->corr = (uint64_t)clock_now_ms() << 20;
}

void web_hub_close(web_hub_t *h)
{
    for (size_t i = 0; i < 4; i++)
        clnt_close(&h->conn[i]);
    memset(h->keys, 0, sizeof h->keys);
}

size_t web_hub_items(web_hub_t *h, zmq_pollitem_t *items, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < 4 && n + 2 <= max; i++) {
        items[n++] = (zmq_pollitem_t){h->conn[i].sock, 0, ZMQ_POLLIN, 0};
        if (h->conn[i].watch)
            items[n++] = (zmq_pollitem_t){h->conn[i].watch, 0, ZMQ_POLLIN, 0};
    }
    return n;
}

/* Reads what is waiting on connection i: the reply of corr, if it is
 * there (returned), and drops the rest. */
static Carerhub__Envelope *s_read(web_hub_t *h, size_t i, uint64_t corr)
{
    Carerhub__Envelope *got;
    wire_status_t st;
    if (h->conn[i].watch && clnt_refused(h->conn[i].watch))
        log_error("the %s refused this daemon's key (keys/web.key): is it listed with role "
                  "gateway in the participants file?",
                  s_servers[i]);
    while ((st = wire_recv(h->conn[i].sock, false, NULL, &got, ZMQ_DONTWAIT)) != WIRE_AGAIN &&
           st != WIRE_FAILED) {
        if (st != WIRE_OK)
            continue;
        if (corr && got->has_corr && got->corr == corr)
            return got;
        h->late++;
        carerhub__envelope__free_unpacked(got, NULL);
    }
    return NULL;
}

void web_hub_drain(web_hub_t *h)
{
    for (size_t i = 0; i < 4; i++)
        s_read(h, i, 0);
}

static Carerhub__Envelope *s_call(web_t *w, size_t i, const web_user_t *u, Carerhub__Envelope *env,
                                  int timeout_ms)
{
    web_hub_t *h = &w->hub;
    Carerhub__OnBehalf ob = CARERHUB__ON_BEHALF__INIT;
    Carerhub__OnBehalf *saved = env->on_behalf;
    int64_t deadline = clock_mono_ms() + timeout_ms, next_send = 0;
    Carerhub__Envelope *reply = NULL;

    CH_ASSERT(u != NULL);
    ob.user = (char *)u->name;
    ob.role = (char *)role_name(u->role);
    ob.organisation = u->org[0] ? (char *)u->org : NULL;
    env->on_behalf = &ob;
    env->has_corr = true;
    env->corr = ++h->corr;
    while (!reply) {
        int64_t now = clock_mono_ms();
        long wait;
        int ready;
        if (now >= deadline)
            break;
        if (now >= next_send) {
            /* EAGAIN: not connected (yet, or again): try again soon. */
            next_send = wire_send(h->conn[i].sock, NULL, env, ZMQ_DONTWAIT) == 0 ? now + S_RESEND_MS
                                                                                 : now + 20;
        }
        wait = (long)((next_send < deadline ? next_send : deadline) - now);
        ready = clnt_wait(&h->conn[i], wait < 1 ? 1 : wait);
        if (ready < 0 && errno == EACCES)
            log_error("the %s refused this daemon's key (keys/web.key): is it listed with role "
                      "gateway in the participants file?",
                      s_servers[i]);
        if (ready > 0)
            reply = s_read(h, i, env->corr);
    }
    env->on_behalf = saved;
    return reply;
}

Carerhub__Envelope *web_intake_call(web_t *w, Carerhub__Source src, const web_user_t *u,
                                    Carerhub__Envelope *env, int timeout_ms)
{
    switch (src) {
    case CARERHUB__SOURCE__GP:
        return s_call(w, 0, u, env, timeout_ms);
    case CARERHUB__SOURCE__DISCHARGE:
        return s_call(w, 1, u, env, timeout_ms);
    case CARERHUB__SOURCE__SCHOOL:
        return s_call(w, 2, u, env, timeout_ms);
    default:
        log_panic("web_intake_call: no intake for source %d", (int)src);
    }
}

Carerhub__Envelope *web_router_call(web_t *w, const web_user_t *u, Carerhub__Envelope *env,
                                    int timeout_ms)
{
    return s_call(w, S_ROUTER, u, env, timeout_ms);
}
