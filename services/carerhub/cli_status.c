/*
 * carerhub status REFERRAL-ID: where a referral is. The router knows every
 * referral it has taken; one it has not yet taken is still in the spool of
 * the intake that accepted it (named by the id's prefix). An operator's key
 * sees any referral; a referrer's key (--key gp) its own organisation's,
 * with where each stands and the case's timeline, without the notes and
 * kinds of support (which are the carer's).
 */
#include "cli.h"

#include "clnt/clnt.h"
#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/buf.h"
#include "util/date.h"
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

/* One event of the case's timeline: when, what, where, to where, the
 * reason; the kinds of support and the note reach only an operator's key. */
static void s_event(const Carerhub__TimelineEvent *ev)
{
    char when[DATE_WHEN_STRLEN] = "";
    buf_t b = BUF_INIT;
    if (ev->has_at || ev->has_recorded_at)
        date_format_when(ev->has_at ? ev->at : ev->recorded_at, when);
    buf_printf(&b, "    %s  %s", when, ev->event ? ev->event : "");
    if (ev->referral_id)
        buf_printf(&b, " %s", ev->referral_id);
    if (ev->provider_name || ev->provider)
        buf_printf(&b, " at %s", ev->provider_name ? ev->provider_name : ev->provider);
    if (ev->to_name || ev->to)
        buf_printf(&b, ", to %s", ev->to_name ? ev->to_name : ev->to);
    if (ev->reason)
        buf_printf(&b, "; reason %s", ev->reason);
    for (size_t i = 0; i < ev->n_support; i++)
        buf_printf(&b, "%s%s", i ? ", " : "; support ", ev->support[i]);
    if (ev->note)
        buf_printf(&b, "; note: %s", ev->note);
    cli_print(stdout, "%s", b.data);
    buf_free(&b);
}

/* Where the referral stands for its referrer, and the case's life. */
static void s_progress(const Carerhub__StatusReply *s)
{
    char when[DATE_WHEN_STRLEN];
    if (s->progress && s->has_progress_at && s->progress_at > 0) {
        date_format_when(s->progress_at, when);
        cli_print(stdout, "  where it stands: %s, since %s", s->progress, when);
    } else if (s->progress) {
        cli_print(stdout, "  where it stands: %s", s->progress);
    }
    if (s->contact_by)
        cli_print(stdout, "  %-10s %s (no contact recorded yet)", "contact by", s->contact_by);
    if (s->code_on_gp_record)
        cli_print(stdout,
                  "  Record this carer on the GP record (SNOMED CT %s |%s|): the carer agreed",
                  OUTCOME_SNOMED_CARER, OUTCOME_SNOMED_CARER_PT);
    if (s->n_timeline)
        cli_print(stdout, "  timeline:");
    for (size_t i = 0; i < s->n_timeline; i++)
        s_event(s->timeline[i]);
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
    case CARERHUB__STATUS_REPLY__STATE__REJECTED:
        cli_print(stdout, "%s: %s", s->referral_id, s->detail ? s->detail : "rejected");
        break;
    default:
        cli_print(stdout, "%s: %s", s->referral_id, state);
    }
    /* A referrer's key is not told how the referral joined the case. */
    if (s->case_id && !s->kind)
        cli_print(stdout, "  %-10s %s", "case", s->case_id);
    else if (s->case_id)
        cli_print(stdout, "  %-10s %s (%s)", "case", s->case_id,
                  strcmp(s->kind, "new") == 0      ? "a new case"
                  : strcmp(s->kind, "update") == 0 ? "an update of the carer's case"
                                                   : "the case moved with it");
    if (s->detail && s->state != CARERHUB__STATUS_REPLY__STATE__PARKED &&
        s->state != CARERHUB__STATUS_REPLY__STATE__REJECTED)
        cli_print(stdout, "  %-10s %s", "note", s->detail);
    if (s->rule)
        cli_print(stdout, "  %-10s %s", "rule", s->rule);
    if (s->reason)
        cli_print(stdout, "  %-10s %s", "reason", s->reason);
    s_time("accepted", s->has_accepted_at, s->accepted_at);
    s_time("routed", s->has_routed_at, s->routed_at);
    s_time("delivered", s->has_delivered_at, s->delivered_at);
    s_progress(s);
}

/* Whether rep says the referral is unknown to the one asked. */
static bool s_unknown(const Carerhub__Envelope *rep)
{
    return rep && rep->body_case == CARERHUB__ENVELOPE__BODY_STATUS_REPLY &&
           rep->status_reply->state == CARERHUB__STATUS_REPLY__STATE__UNKNOWN;
}

/* The router does not know the referral (rep): the intake's answer stands,
 * unless the intake is silent, when the referral may be waiting there. A
 * refusal by the intake (it answers operators, and referrers for their own
 * referrals) leaves the router's answer. */
static Carerhub__Envelope *s_after_unknown(Carerhub__Envelope *rep, Carerhub__Envelope *at_intake,
                                           int err, const char *id, const char *intake,
                                           const char *endpoint, int *rc)
{
    if (at_intake && at_intake->body_case != CARERHUB__ENVELOPE__BODY_ERROR) {
        carerhub__envelope__free_unpacked(rep, NULL);
        return at_intake;
    }
    if (at_intake)
        carerhub__envelope__free_unpacked(at_intake, NULL);
    if (at_intake || err == EACCES)
        return rep;
    cli_error("status",
              "the router has not taken %s, and the %s at %s, which holds a referral until the "
              "router takes it, did not answer: the hub cannot tell now whether %s exists (ask "
              "again when the %s answers)",
              id, intake, endpoint, id, intake);
    carerhub__envelope__free_unpacked(rep, NULL);
    *rc = EX_UNAVAILABLE;
    return NULL;
}

/* The router did not answer (router_err): the intake's answer if it holds
 * the referral; else the hub cannot tell where it is. */
static Carerhub__Envelope *s_after_silence(Carerhub__Envelope *at_intake, int err, int router_err,
                                           const char *id, const char *router, const char *intake,
                                           const char *endpoint, int *rc)
{
    if (!at_intake) {
        *rc = cli_unanswered("status", intake, endpoint, err);
        if (*rc == EX_UNAVAILABLE)
            cli_error("status",
                      "the router at %s did not answer either: the hub cannot tell now where "
                      "%s is",
                      router, id);
        return NULL;
    }
    if (at_intake->body_case == CARERHUB__ENVELOPE__BODY_ERROR) {
        carerhub__envelope__free_unpacked(at_intake, NULL);
        *rc = cli_unanswered("status", "router", router, router_err);
        return NULL;
    }
    if (s_unknown(at_intake)) {
        /* The intake has passed it on, or never had it: only the router
         * can say which, and it is silent. */
        cli_error("status",
                  "the router at %s did not answer, and the %s does not hold %s: the hub "
                  "cannot tell now where it is (ask again when the router answers)",
                  router, intake, id);
        carerhub__envelope__free_unpacked(at_intake, NULL);
        *rc = EX_UNAVAILABLE;
        return NULL;
    }
    cli_error("status", "the router at %s did not answer; the %s says:", router, intake);
    return at_intake;
}

/* Asks the router, then (if it does not know the referral, or does not
 * answer) the intake that accepted it, which holds it until the router
 * takes it. Returns the answer to go by, or NULL with *rc set: "no such
 * referral" is for when everyone who could hold it has said so. */
static Carerhub__Envelope *s_find(cli_t *cli, const char *id, int timeout_ms, int *rc)
{
    const hubconf_t *conf = cli_conf(cli);
    const char *router = conf->router.control_endpoint, *intake = NULL;
    Carerhub__Envelope *rep, *at_intake;
    const hubconf_intake_t *ic;
    Carerhub__Source src;
    int router_err, err;

    if (referral_source_of_id(id, &src) == 0)
        intake = referral_intake_name(src);
    rep = s_ask(cli, "router", router, id, intake ? timeout_ms / 2 : timeout_ms);
    router_err = rep ? 0 : errno;
    if (!intake || (rep && !s_unknown(rep)) || (!rep && router_err == EACCES)) {
        if (!rep)
            *rc = cli_unanswered("status", "router", router, router_err);
        return rep;
    }
    ic = hubconf_intake(conf, intake);
    at_intake = s_ask(cli, intake, ic->endpoint, id, timeout_ms / 2);
    err = at_intake ? 0 : errno;
    if (rep)
        return s_after_unknown(rep, at_intake, err, id, intake, ic->endpoint, rc);
    return s_after_silence(at_intake, err, router_err, id, router, intake, ic->endpoint, rc);
}

int cli_status(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    Carerhub__Envelope *rep;
    const char *id;
    bool json = false;
    char *end;
    int c, timeout_ms = 10000, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        double t;
        if (c == 'j') {
            json = true;
        } else if (c == 't') {
            t = strtod(optarg, &end);
            if (*end || !(t > 0 && t <= 3600)) {
                cli_error("status", "--timeout must be a number of seconds (up to 3600), not %s",
                          optarg);
                return EX_USAGE;
            }
            timeout_ms = (int)(t * 1000);
        } else {
            return cli_bad_option("status", argv, opts);
        }
    }
    if (argc - optind != 1) {
        cli_error("status",
                  "usage: carerhub [--key KEY] status REFERRAL-ID [--json] [--timeout S]");
        return EX_USAGE;
    }
    id = argv[optind];
    if (!(rep = s_find(cli, id, timeout_ms, &rc)))
        return rc;
    if (rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR) {
        rc = cli_refused("status", rep);
    } else if (rep->body_case != CARERHUB__ENVELOPE__BODY_STATUS_REPLY) {
        cli_error("status", "unexpected answer");
        rc = EX_PROTOCOL;
    } else if (s_unknown(rep)) {
        if (json)
            s_print(rep->status_reply, true);
        else
            cli_error("status",
                      "%s: no such referral that this key may see (one sent a moment ago may "
                      "still be on its way: ask again in a minute)",
                      id);
        rc = EX_NOINPUT;
    } else {
        s_print(rep->status_reply, json);
    }
    carerhub__envelope__free_unpacked(rep, NULL);
    return rc;
}
