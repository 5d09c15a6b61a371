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
            return cli_bad_option("status", argv, opts);
    }
    if (argc - optind != 1) {
        cli_error("status",
                  "usage: carerhub [--key KEY] status REFERRAL-ID [--json] [--timeout S]");
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
        /* The intakes answer operators, and referrers for their own
         * referrals; a refusal there leaves the router's answer. */
        if (at_intake && !(rep && at_intake->body_case == CARERHUB__ENVELOPE__BODY_ERROR)) {
            if (rep)
                carerhub__envelope__free_unpacked(rep, NULL);
            rep = at_intake;
        } else if (at_intake) {
            carerhub__envelope__free_unpacked(at_intake, NULL);
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
            cli_error("status",
                      "%s: no such referral that this key may see (one sent a moment ago may "
                      "still be on its way: ask again in a minute)",
                      id);
        rc = EX_NOINPUT;
    } else {
        s_print(rep->status_reply, json);
        rc = 0;
    }
    carerhub__envelope__free_unpacked(rep, NULL);
    return rc;
}
