/*
 * carerhub alerts [--json]: what needs a person now (operators): cases past
 * their contact-by target with no contact, parked referrals, identity
 * conflicts, organisations whose agent is not connected. Exits 0 when
 * nothing does and 1 when something does, for a monitoring system to run.
 */
#include "cli.h"

#include "util/buf.h"
#include "wire/pbjson.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* The provider's name in the local routing, else its id. */
static const char *s_name(const route_t *rt, const char *id)
{
    int p = rt && id ? route_provider_find(rt, id) : -1;
    return p >= 0 ? route_provider_name(rt, p) : id ? id : "an unknown organisation";
}

static void s_line(const route_t *rt, const Carerhub__Alert *a)
{
    const char *kind = a->kind ? a->kind : "";
    const char *detail = a->detail ? a->detail : "";
    const char *cid = a->case_id ? a->case_id : "-";
    if (strcmp(kind, "overdue_contact") == 0)
        cli_print(stdout, "overdue contact: case %s with %s: %s", cid, s_name(rt, a->provider),
                  detail);
    else if (strcmp(kind, "parked") == 0)
        cli_print(stdout, "parked: referral %s: %s", a->referral_id ? a->referral_id : "-", detail);
    else if (strcmp(kind, "identity_conflict") == 0)
        cli_print(stdout, "identity conflict: case %s with %s: %s", cid, s_name(rt, a->provider),
                  detail);
    else if (strcmp(kind, "agent_silent") == 0)
        cli_print(stdout, "agent silent: %s (%s): %s", s_name(rt, a->provider),
                  a->provider ? a->provider : "-", detail);
    else
        cli_print(stdout, "%s: %s", kind, detail);
}

int cli_alerts(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__AlertsQuery q = CARERHUB__ALERTS_QUERY__INIT;
    const Carerhub__AlertsReply *a;
    diag_t d = DIAG_INIT;
    route_t *rt;
    bool json = false;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'j')
            return cli_bad_option("alerts", argv, opts);
        json = true;
    }
    if (argc - optind != 0) {
        cli_error("alerts", "usage: carerhub alerts [--json]");
        return EX_USAGE;
    }
    env.body_case = CARERHUB__ENVELOPE__BODY_ALERTS_QUERY;
    env.alerts_query = &q;
    if (!(rep = cli_router_call(cli, "alerts", "operator", &env, 10000, &rc)))
        return rc;
    if (rep->body_case != CARERHUB__ENVELOPE__BODY_ALERTS_REPLY) {
        rc = cli_refused("alerts", rep);
        carerhub__envelope__free_unpacked(rep, NULL);
        return rc;
    }
    a = rep->alerts_reply;
    if (json) {
        buf_t b = BUF_INIT;
        pbjson_message(&b, &a->base);
        printf("%s\n", b.data);
        buf_free(&b);
    } else {
        /* Names for the providers; without a readable routing, their ids. */
        rt = route_load(cli_conf(cli)->routing, &d);
        diag_free(&d);
        for (size_t i = 0; i < a->n_alerts; i++)
            s_line(rt, a->alerts[i]);
        if (a->total == 0)
            cli_print(stdout, "nothing needs a person");
        else if (a->total > a->n_alerts)
            cli_print(stdout, "%u alerts need a person (the first %zu listed)", a->total,
                      a->n_alerts);
        else
            cli_print(stdout, "%u alert%s need%s a person", a->total, a->total == 1 ? "" : "s",
                      a->total == 1 ? "s" : "");
        route_destroy(&rt);
    }
    rc = a->total > 0 ? 1 : 0;
    carerhub__envelope__free_unpacked(rep, NULL);
    return rc;
}
