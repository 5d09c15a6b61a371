/*
 * carerhub-router: arguments, configuration, signals and the loop. See
 * router.h for what the router does.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <sysexits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_BIRTHDAYS_MS (60 * 60 * 1000) /* how often the 18th birthdays are checked */

static void s_reload(router_t *r)
{
    route_t *rt = NULL;
    hubconf_t *c = daemon_reload_routed(&r->args, r->conf, &rt);
    if (!c)
        return;
    if (strcmp(c->router.intake_endpoint, r->conf->router.intake_endpoint) ||
        strcmp(c->router.delivery_endpoint, r->conf->router.delivery_endpoint) ||
        strcmp(c->router.control_endpoint, r->conf->router.control_endpoint))
        log_warn("reload: endpoints change only on restart");
    route_destroy(&r->rt);
    hubconf_destroy(&r->conf);
    r->rt = rt;
    r->conf = c;
    daemon_open_pcdb(r->conf, &r->pcdb);
    secure_reload(r->sec, c);
    router_agents_recheck(r);
    log_info("configuration reloaded");
}

int main(int argc, char **argv)
{
    router_t *r = xcalloc(1, sizeof *r);
    char *dir;
    int64_t birthdays_at;

    daemon_parse_args(argc, argv, "carerhub-router", "", NULL, NULL, NULL, &r->args);
    r->conf = daemon_load_conf(&r->args);
    r->rt = daemon_load_routing(r->conf);
    if (!r->rt)
        return EX_CONFIG;
    daemon_check_done(&r->args);
    daemon_signals();
    dir = daemon_data_dir(r->conf, "router");
    router_store_open(r, dir);
    router_scrub_resume(r);
    daemon_open_pcdb(r->conf, &r->pcdb);
    r->sec = secure_start(r->conf, "router");
    router_intake_open(r);
    router_deliver_open(r);
    router_control_open(r);
    log_info("routing for %s; intakes on %s, agents on %s, control on %s; store %s "
             "(%llu cases)",
             route_area(r->rt), r->conf->router.intake_endpoint, r->conf->router.delivery_endpoint,
             r->conf->router.control_endpoint, dir, (unsigned long long)r->next_case);

    /* Young carers' cases move on the 18th birthday: checked now, for
     * any birthday while the router was stopped, and then every hour. */
    router_turns_18(r, date_today());
    birthdays_at = clock_mono_ms();
    while (!daemon_stopping()) {
        zmq_pollitem_t items[10] = {{r->intake_sock, 0, ZMQ_POLLIN, 0},
                                    {r->delivery_sock, 0, ZMQ_POLLIN, 0},
                                    {r->control_sock, 0, ZMQ_POLLIN, 0}};
        size_t nitems = 3 + secure_items(r->sec, items + 3, 7);
        if (daemon_take_reload())
            s_reload(r);
        if (zmq_poll(items, (int)nitems, 100) < 0 && zmq_errno() != EINTR)
            log_fatalx("poll: %s", zmq_strerror(zmq_errno()));
        secure_handle(r->sec);
        router_intake_drain(r);
        router_deliver_drain(r);
        router_control_drain(r);
        router_store_events(r);
        router_deliver_send(r);
        router_deliver_timers(r);
        router_scrub_retry(r);
        /* Closed cases past retention: at start, then every
         * retention.check_minutes. */
        router_retention_tick(r);
        if (clock_mono_ms() - birthdays_at >= S_BIRTHDAYS_MS) {
            router_turns_18(r, date_today());
            birthdays_at = clock_mono_ms();
        }
    }
    log_info("stopping: %lu referral(s) taken, %lu resent and already held, %lu parked, "
             "%lu bad message(s)",
             r->taken, r->duplicates, r->parked, r->bad);
    secure_unwatch(r->sec);
    zmq_close(r->intake_sock);
    zmq_close(r->delivery_sock);
    zmq_close(r->control_sock);
    router_store_events(r);
    secure_stop(&r->sec);
    daemon_zmq_term();
    router_agents_free(r);
    store_close(&r->store);
    pcdb_close(&r->pcdb);
    route_destroy(&r->rt);
    hubconf_destroy(&r->conf);
    free(dir);
    free(r);
    return 0;
}
