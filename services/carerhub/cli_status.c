/*
 * carerhub status REFERRAL-ID: where a referral is. The router knows every
 * referral it has taken; one it has not yet taken is still in the spool of
 * the intake that accepted it (named by the id's prefix).
 */
#include "cli.h"

#include "clnt/clnt.h"
#include "domain/referral.h"
#include "util/buf.h"
#include "wire/pbjson.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <zmq.h>

static void s_time(const char *label, bool has, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char s[64];
    if (!has)
        return;
    localtime_r(&t, &tm);
    strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S %Z", &tm);
    cli_print(stdout, "  %-10s %s", label, s);
}

static Carerhub__Envelope *s_ask(cli_t *cli, const char *server, const char *endpoint,
                                 const char *id, int timeout_ms)
{
    clnt_keys_t keys;
    void *ctx = zmq_ctx_new();
    Carerhub__Envelope *rep;
    int err;
    cli_keys(cli, "operator", server, &keys);
    rep = clnt_status(ctx, endpoint, &keys, id, timeout_ms);
    err = errno;
    memset(&keys, 0, sizeof keys);
    zmq_ctx_term(ctx);
    errno = err;
    return rep;
}

static void s_print(const Carerhub__StatusReply *s, bool json)
{
    static const char *states[] = {"unknown", "spooled", "routed", "delivered", "parked"};
    const char *state = s->state <= 4 ? states[s->state] : "unknown";
    if (json) {
        buf_t b = BUF_INIT;
        pbjson_message(&b, &s->base);
        printf("%s\n", b.data);
        buf_free(&b);
        return;
    }
    switch (s->state) {
    case CARERHUB__STATUS_REPLY__STATE__SPOOLED:
        cli_print(stdout, "%s: accepted, waiting at the %s for the router", s->referral_id,
                  s->where ? s->where : "intake");
        break;
    case CARERHUB__STATUS_REPLY__STATE__ROUTED:
        cli_print(stdout, "%s: routed to %s (%s), waiting for its agent to take it", s->referral_id,
                  s->provider_name ? s->provider_name : "", s->provider ? s->provider : "");
        break;
    case CARERHUB__STATUS_REPLY__STATE__DELIVERED:
        cli_print(stdout, "%s: delivered to %s (%s)", s->referral_id,
                  s->provider_name ? s->provider_name : "", s->provider ? s->provider : "");
        break;
    case CARERHUB__STATUS_REPLY__STATE__PARKED:
        cli_print(stdout, "%s: held back for an operator: %s", s->referral_id,
                  s->detail ? s->detail : "");
        break;
    default:
        cli_print(stdout, "%s: %s", s->referral_id, state);
    }
    if (s->case_id)
        cli_print(stdout, "  %-10s %s (%s)", "case", s->case_id,
                  !s->kind || strcmp(s->kind, "new") == 0 ? "a new case"
                  : strcmp(s->kind, "update") == 0        ? "an update of the carer's case"
                                                          : "the case moved with it");
    if (s->detail && s->state != CARERHUB__STATUS_REPLY__STATE__PARKED)
        cli_print(stdout, "  %-10s %s", "note", s->detail);
    if (s->rule)
        cli_print(stdout, "  %-10s %s", "rule", s->rule);
    if (s->reason)
        cli_print(stdout, "  %-10s %s", "reason", s->reason);
    s_time("accepted", s->has_accepted_at, s->accepted_at);
    s_time("routed", s->has_routed_at, s->routed_at);
    s_time("delivered", s->has_delivered_at, s->delivered_at);
}

int cli_status(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    const hubconf_t *conf;
    const char *intake = NULL;
    Carerhub__Source src;
    Carerhub__Envelope *rep;
    const char *id;
    bool json = false;
    int c, timeout_ms = 10000, rc, err;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 't')
            timeout_ms = (int)(atof(optarg) * 1000);
        else
            return EX_USAGE;
    }
    if (argc - optind != 1) {
        cli_error("status", "usage: carerhub status REFERRAL-ID [--json]");
        return EX_USAGE;
    }
    id = argv[optind];
    conf = cli_conf(cli);
    if (referral_source_of_id(id, &src) == 0)
        intake = referral_intake_name(src);
    /* The router first; if it does not know the referral, or does not
     * answer, the intake that accepted it may still hold it. */
    rep = s_ask(cli, "router", conf->router.control_endpoint, id,
                intake ? timeout_ms / 2 : timeout_ms);
    err = rep ? 0 : errno;
    if (intake && (!rep || (rep->body_case == CARERHUB__ENVELOPE__BODY_STATUS_REPLY &&
                            rep->status_reply->state == CARERHUB__STATUS_REPLY__STATE__UNKNOWN))) {
        const hubconf_intake_t *ic = hubconf_intake(conf, intake);
        Carerhub__Envelope *at_intake = s_ask(cli, intake, ic->endpoint, id, timeout_ms / 2);
        if (!at_intake && errno == EACCES)
            err = EACCES;
        if (!rep)
            cli_error("status", "the router at %s did not answer; asking the intake",
                      conf->router.control_endpoint);
        if (at_intake) {
            if (rep)
                carerhub__envelope__free_unpacked(rep, NULL);
            rep = at_intake;
        }
    }
    if (!rep)
        return cli_unanswered("status", "router", conf->router.control_endpoint, err);
    if (rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR) {
        cli_error("status", "refused: %s", rep->error->message ? rep->error->message : "");
        carerhub__envelope__free_unpacked(rep, NULL);
        return EX_NOPERM;
    }
    if (rep->body_case != CARERHUB__ENVELOPE__BODY_STATUS_REPLY) {
        cli_error("status", "unexpected answer");
        carerhub__envelope__free_unpacked(rep, NULL);
        return EX_PROTOCOL;
    }
    if (rep->status_reply->state == CARERHUB__STATUS_REPLY__STATE__UNKNOWN) {
        if (json)
            s_print(rep->status_reply, true);
        else
            cli_error("status", "%s: no such referral", id);
        rc = EX_NOINPUT;
    } else {
        s_print(rep->status_reply, json);
        rc = 0;
    }
    carerhub__envelope__free_unpacked(rep, NULL);
    return rc;
}
