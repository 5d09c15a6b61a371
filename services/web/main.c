/*
 * carerhub-web: arguments, configuration, signals and the loop. See web.h
 * for what the web front door does, web_impl.h for its parts.
 */
#include "web_impl.h"

#include "account/account.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <zmq.h>

#define S_EXPIRE_MS 60000 /* how often idle sessions are looked for */

static void s_reload(web_t *w)
{
    hubconf_t *c = daemon_reload_conf(&w->args, w->conf);
    web_limits_t lim;
    if (!c)
        return;
    web_limits(c, &lim);
    if (strcmp(lim.listen, w->lim.listen) || !lim.tls_cert != !w->lim.tls_cert ||
        lim.max_connections != w->lim.max_connections || lim.timeout_s != w->lim.timeout_s ||
        strcmp(c->gp_intake.endpoint, w->conf->gp_intake.endpoint) ||
        strcmp(c->discharge_intake.endpoint, w->conf->discharge_intake.endpoint) ||
        strcmp(c->school_intake.endpoint, w->conf->school_intake.endpoint) ||
        strcmp(c->router.control_endpoint, w->conf->router.control_endpoint))
        log_warn("reload: the address listened on, TLS, connection limits and the hub's "
                 "endpoints change only on restart");
    /* What MHD was started with stays; the rest applies from now on. */
    lim.max_connections = w->lim.max_connections;
    lim.per_address = w->lim.per_address;
    lim.timeout_s = w->lim.timeout_s;
    secure_reload(w->sec, c);
    hubconf_destroy(&w->conf);
    w->conf = c;
    w->lim = lim;
    log_info("configuration reloaded");
}

/* The web's own key should be listed with role gateway, or the intakes
 * and the router refuse everything it sends: say so at start. */
static void s_check_listed(web_t *w)
{
    wire_peer_t me;
    const participant_t *p;
    memset(&me, 0, sizeof me);
    snprintf(me.user, sizeof me.user, "%s", w->hub.keys[0].me.pub);
    p = secure_peer(w->sec, &me);
    if (!p || p->role != ROLE_GATEWAY)
        log_warn("keys/web.key is not listed with role gateway in %s: the hub will refuse "
                 "what this daemon sends",
                 w->conf->security.participants);
}

/* data_dir/web/url: one line, for local-hub and scripts to find it. */
static char *s_write_url(web_t *w)
{
    char *path = xasprintf("%s/url", w->dir), *line = xasprintf("%s\n", w->url);
    if (file_write_atomic(path, line, strlen(line), 0600) < 0)
        log_warn("cannot write %s: %s", path, strerror(errno));
    free(line);
    return path;
}

static void s_drop_audit(web_t *w)
{
    /* The web keeps no audit trail of its own: the intakes and the router
     * audit what it asks for. Its security events are logged. */
    Carerhub__AuditRecord **recs;
    size_t n = secure_take(w->sec, &recs);
    for (size_t i = 0; i < n; i++)
        carerhub__audit_record__free_unpacked(recs[i], NULL);
    free(recs);
}

/* Whether the loop goes on. Once asked to stop, it does while calls wait
 * for the hub, until the last of them would have given up (from then on
 * they are answered as not reached): a submission on its way is answered
 * as it would have been. */
static bool s_going_on(web_t *w, int64_t *until)
{
    int64_t last;
    size_t n;
    if (!daemon_stopping())
        return true;
    n = web_calls_pending(w, &last);
    if (*until < 0)
        *until = last;
    return n > 0 && clock_mono_ms() < *until;
}

/* How long the loop may sleep: until MHD must run, or a call to the hub
 * must be sent again or given up. */
static long s_poll_ms(web_t *w)
{
    long t = web_http_timeout_ms(w), c = web_calls_next_ms(w, clock_mono_ms());
    return c >= 0 && c < t ? c : t;
}

/* Ends a start that cannot go on, with what was made so far freed. */
static int s_give_up(web_t *w, int status)
{
    store_close(&w->store);
    free(w->tls_cert);
    if (w->tls_key)
        sodium_memzero(w->tls_key, strlen(w->tls_key));
    free(w->tls_key);
    free(w->tls_client_ca);
    hubconf_destroy(&w->conf);
    free(w->dir);
    free(w);
    return status;
}

int main(int argc, char **argv)
{
    web_t *w = xcalloc(1, sizeof *w);
    char *urlfile;
    int64_t expired_at, until = -1;
    int err = 0;

    daemon_parse_args(argc, argv, "carerhub-web", "", NULL, NULL, NULL, &w->args);
    w->conf = daemon_load_conf(&w->args);
    web_limits(w->conf, &w->lim);
    if (sodium_init() < 0)
        log_fatalx("libsodium cannot start");
    if (web_listen_check(w) < 0 || web_hub_keys(&w->hub, w->conf) < 0)
        return s_give_up(w, EX_CONFIG);
    daemon_check_done(&w->args);
    daemon_signals();
    w->dir = daemon_data_dir(w->conf, "web");
    if (!(w->store = account_open(w->dir, &err))) {
        log_error("cannot open the accounts store in %s: %s", w->dir, store_strerror(err));
        /* A newer carerhub's store, or another daemon's: a mistake in the
         * configuration, which a restart does not mend (as the others). */
        return s_give_up(w, err == STORE_ENEWER || err == STORE_EKIND ? EX_CONFIG : EX_CANTCREAT);
    }
    w->sec = secure_start(w->conf, "web");
    s_check_listed(w);
    w->sessions = web_sessions_new(WEB_SESSIONS_MAX);
    w->throttle = web_throttle_new(WEB_THROTTLE_MAX);
    web_hub_open(&w->hub, w->conf);
    if (web_http_start(w) < 0)
        return EX_UNAVAILABLE;
    urlfile = s_write_url(w);
    log_info("listening on %s", w->url);

    expired_at = clock_mono_ms();
    while (s_going_on(w, &until)) {
        zmq_pollitem_t items[20] = {{NULL, web_http_fd(w), ZMQ_POLLIN, 0}};
        size_t n = 1;
        n += web_hub_items(&w->hub, items + n, 2 * WEB_TO_N);
        n += secure_items(w->sec, items + n, 20 - n);
        if (daemon_take_reload())
            s_reload(w);
        if (zmq_poll(items, (int)n, s_poll_ms(w)) < 0 && zmq_errno() != EINTR)
            log_fatalx("poll: %s", zmq_strerror(zmq_errno()));
        secure_handle(w->sec);
        s_drop_audit(w);
        /* Answers and deadlines first: the requests they resume are
         * served by this run of MHD. */
        web_hub_drain(w);
        web_calls_tick(w, clock_mono_ms());
        web_http_run(w);
        if (clock_mono_ms() - expired_at >= S_EXPIRE_MS) {
            web_sess_expire(w->sessions, clock_mono_ms(), w->lim.idle_ms);
            expired_at = clock_mono_ms();
        }
    }
    log_info("stopping: %zu session(s) ended; %lu late repl%s from the hub dropped",
             web_sess_count(w->sessions), w->hub.late, w->hub.late == 1 ? "y" : "ies");
    unlink(urlfile);
    free(urlfile);
    web_http_stop(w);
    web_hub_close(&w->hub);
    secure_stop(&w->sec);
    daemon_zmq_term();
    web_sessions_destroy(&w->sessions);
    web_throttle_destroy(&w->throttle);
    store_close(&w->store);
    free(w->tls_cert);
    if (w->tls_key)
        sodium_memzero(w->tls_key, strlen(w->tls_key));
    free(w->tls_key);
    free(w->tls_client_ca);
    hubconf_destroy(&w->conf);
    free(w->dir);
    free(w);
    return 0;
}
