/*
 * The operator's commands for what waits in the hub (an operator's key):
 *
 *   carerhub queues [--json]          deliveries waiting per organisation,
 *                                     its agent, its open cases
 *   carerhub parked [--json]          the referrals held back, oldest first
 *   carerhub parked release ID        take one again now (routed, or parked
 *                                     again with the reason)
 *   carerhub parked reject ID --reason TEXT
 *                                     drop one for good; its referrer reads
 *                                     rejected and the reason
 *   carerhub conflict join CASE OTHER one carer: the newer case joins the
 *                                     older
 *   carerhub conflict apart CASE OTHER
 *                                     two people: neither flagged with the
 *                                     other any more
 *
 * Exit statuses as the other commands: 0 done, 64 usage, 65 refused as
 * asked (the reason printed), 66 no such parked referral or case, 69 the
 * router did not answer, 77 a key that may not ask. A release, rejection
 * or join is sent once, never resent: one that got no answer may have been
 * done, and `carerhub parked` or `carerhub alerts` says whether.
 */
#include "cli.h"

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
#include <zmq.h>

#define S_TIMEOUT_MS 10000

static const char s_usage_parked[] = "usage: carerhub parked [--json] | parked release REFERRAL-ID "
                                     "| parked reject REFERRAL-ID --reason TEXT";
static const char s_usage_conflict[] = "usage: carerhub conflict join|apart CASE-ID OTHER-CASE-ID";

/* An action word that is neither a nor b: named, with the nearest, and the
 * usage. Returns EX_USAGE. */
static int s_unknown_word(const char *cmd, const char *word, const char *a, const char *b,
                          const char *usage)
{
    const char *const names[] = {a, b};
    char like[64];
    const char *near = cli_nearest(word, "", names, 2, like, sizeof like);
    if (near)
        cli_error(cmd, "no action '%s' (did you mean %s?); %s", word, near, usage);
    else
        cli_error(cmd, "no action '%s': %s or %s; %s", word, a, b, usage);
    return EX_USAGE;
}

static void s_json(const ProtobufCMessage *m)
{
    buf_t b = BUF_INIT;
    pbjson_message(&b, m);
    printf("%s\n", b.data);
    buf_free(&b);
}

/* The answer if it is of body `want`; else NULL with *rc the exit status
 * (a not_found Error 66, another as cli_refused says). */
static Carerhub__Envelope *s_answer(const char *cmd, Carerhub__Envelope *rep,
                                    Carerhub__Envelope__BodyCase want, int *rc)
{
    if (rep->body_case == want)
        return rep;
    if (rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
        strcmp(rep->error->code, "not_found") == 0) {
        cli_error(cmd, "%s", rep->error->message ? rep->error->message : "not found");
        *rc = EX_NOINPUT;
    } else {
        *rc = cli_refused(cmd, rep);
    }
    carerhub__envelope__free_unpacked(rep, NULL);
    return NULL;
}

/* Sends an action once (it is not safe to repeat) and waits for its
 * answer; NULL with *rc set when none came. */
static Carerhub__Envelope *s_act(cli_t *cli, const char *cmd, Carerhub__Envelope *env, int *rc)
{
    const hubconf_t *conf = cli_conf(cli);
    Carerhub__Envelope *rep;
    clnt_keys_t keys;
    void *ctx;
    int err;

    cli_keys(cli, "operator", "router", &keys);
    ctx = zmq_ctx_new();
    rep = clnt_call(ctx, conf->router.control_endpoint, &keys, env, S_TIMEOUT_MS, S_TIMEOUT_MS);
    err = errno;
    memset(&keys, 0, sizeof keys);
    zmq_ctx_term(ctx);
    if (!rep) {
        *rc = cli_unanswered(cmd, "router", conf->router.control_endpoint, err);
        if (*rc == EX_UNAVAILABLE)
            cli_error(cmd, "it may have been done all the same: see carerhub parked and "
                           "carerhub alerts before asking again");
    }
    return rep;
}

/* --- queues ------------------------------------------------------------- */

static void s_queue_line(const Carerhub__Queue *q)
{
    char when[DATE_WHEN_STRLEN];
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s (%s): %u waiting", q->provider_name ? q->provider_name : q->provider,
               q->provider ? q->provider : "-", q->waiting);
    if (q->waiting && q->has_oldest_at) {
        date_format_when(q->oldest_at, when);
        buf_printf(&b, ", the oldest queued %s", when);
        if (q->oldest_case)
            buf_printf(&b, " (case %s)", q->oldest_case);
    }
    buf_printf(&b, "; agent %s", q->connected ? "connected" : "not connected");
    if (q->last_seen > 0) {
        date_format_when(q->last_seen, when);
        buf_printf(&b, ", last heard %s", when);
    } else {
        buf_adds(&b, ", not heard since the router started");
    }
    buf_printf(&b, "; %u open case%s", q->open_cases, q->open_cases == 1 ? "" : "s");
    cli_print(stdout, "%s", b.data);
    buf_free(&b);
}

int cli_queues(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__QueuesQuery q = CARERHUB__QUEUES_QUERY__INIT;
    bool json = false;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'j')
            return cli_bad_option("queues", argv, opts);
        json = true;
    }
    if (argc - optind != 0) {
        cli_error("queues", "usage: carerhub queues [--json]");
        return EX_USAGE;
    }
    env.body_case = CARERHUB__ENVELOPE__BODY_QUEUES_QUERY;
    env.queues_query = &q;
    if (!(rep = cli_router_call(cli, "queues", "operator", &env, S_TIMEOUT_MS, &rc)) ||
        !(rep = s_answer("queues", rep, CARERHUB__ENVELOPE__BODY_QUEUES_REPLY, &rc)))
        return rc;
    if (json)
        s_json(&rep->queues_reply->base);
    for (size_t i = 0; !json && i < rep->queues_reply->n_queues; i++)
        s_queue_line(rep->queues_reply->queues[i]);
    carerhub__envelope__free_unpacked(rep, NULL);
    return 0;
}

/* --- parked ------------------------------------------------------------- */

static void s_parked_line(const Carerhub__ParkedItem *it)
{
    char when[DATE_WHEN_STRLEN] = "";
    if (it->has_parked_at)
        date_format_when(it->parked_at, when);
    cli_print(stdout, "%s  parked %s  %s %s, sent by %s: %s", it->referral_id, when,
              it->has_source ? referral_source_name(it->source) : "-",
              it->organisation ? it->organisation : "-", it->submitted_by ? it->submitted_by : "-",
              it->reason ? it->reason : "");
}

static int s_list(cli_t *cli, bool json)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__ParkedQuery q = CARERHUB__PARKED_QUERY__INIT;
    const Carerhub__ParkedReply *p;
    int rc = 0;

    env.body_case = CARERHUB__ENVELOPE__BODY_PARKED_QUERY;
    env.parked_query = &q;
    if (!(rep = cli_router_call(cli, "parked", "operator", &env, S_TIMEOUT_MS, &rc)) ||
        !(rep = s_answer("parked", rep, CARERHUB__ENVELOPE__BODY_PARKED_REPLY, &rc)))
        return rc;
    p = rep->parked_reply;
    if (json) {
        s_json(&p->base);
    } else {
        for (size_t i = 0; i < p->n_items; i++)
            s_parked_line(p->items[i]);
        if (p->total == 0)
            cli_print(stdout, "no referral is parked");
        else if (p->total > p->n_items)
            cli_print(stdout, "%u referrals parked (the oldest %zu listed)", p->total, p->n_items);
        else
            cli_print(stdout, "%u referral%s parked", p->total, p->total == 1 ? "" : "s");
    }
    carerhub__envelope__free_unpacked(rep, NULL);
    return 0;
}

static void s_action_print(const Carerhub__ParkedActionReply *a, const char *id)
{
    const char *rid = a->referral_id ? a->referral_id : id;
    const char *result = a->result ? a->result : "";
    if (strcmp(result, "released") == 0)
        cli_print(stdout, "released: %s, in case %s at %s (%s)", rid, a->case_id ? a->case_id : "-",
                  a->provider_name ? a->provider_name
                  : a->provider    ? a->provider
                                   : "-",
                  a->provider ? a->provider : "-");
    else if (strcmp(result, "parked_again") == 0)
        cli_print(stdout, "parked again: %s: %s", rid, a->reason ? a->reason : "");
    else if (strcmp(result, "rejected") == 0)
        cli_print(stdout, "rejected: %s; its referrer reads: %s", rid, a->reason ? a->reason : "");
    else
        cli_print(stdout, "%s: %s", rid, result);
}

int cli_parked(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"reason", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__ParkedAction q = CARERHUB__PARKED_ACTION__INIT;
    const char *reason = NULL, *action, *id;
    bool json = false;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'r')
            reason = optarg;
        else
            return cli_bad_option("parked", argv, opts);
    }
    if (argc - optind == 0 && !reason)
        return s_list(cli, json);
    if (argc - optind >= 1 && strcmp(argv[optind], "release") != 0 &&
        strcmp(argv[optind], "reject") != 0)
        return s_unknown_word("parked", argv[optind], "release", "reject", s_usage_parked);
    action = argc - optind == 2 ? argv[optind] : NULL;
    if (!action || json || (strcmp(action, "release") != 0 && strcmp(action, "reject") != 0) ||
        (strcmp(action, "release") == 0 && reason)) {
        cli_error("parked", "%s", s_usage_parked);
        return EX_USAGE;
    }
    id = argv[optind + 1];
    if (strcmp(action, "reject") == 0 && (!reason || !*reason)) {
        cli_error("parked", "reject needs --reason TEXT: why, for the referrer to read (no "
                            "personal data: no names, NHS numbers, addresses or dates of birth)");
        return EX_USAGE;
    }
    if (!referral_id_ok(id)) {
        cli_error("parked", "%s is not a referral id (as carerhub parked lists them)", id);
        return EX_DATAERR;
    }
    q.referral_id = (char *)id;
    q.action = (char *)action;
    q.reason = (char *)reason;
    env.body_case = CARERHUB__ENVELOPE__BODY_PARKED_ACTION;
    env.parked_action = &q;
    if (!(rep = s_act(cli, "parked", &env, &rc)) ||
        !(rep = s_answer("parked", rep, CARERHUB__ENVELOPE__BODY_PARKED_ACTION_REPLY, &rc)))
        return rc;
    s_action_print(rep->parked_action_reply, id);
    carerhub__envelope__free_unpacked(rep, NULL);
    return 0;
}

/* --- conflict ----------------------------------------------------------- */

int cli_conflict(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{NULL, 0, NULL, 0}};
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__ConflictAction q = CARERHUB__CONFLICT_ACTION__INIT;
    const Carerhub__ConflictReply *a;
    const char *how;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        return cli_bad_option("conflict", argv, opts);
    if (argc - optind >= 1 && strcmp(argv[optind], "join") != 0 &&
        strcmp(argv[optind], "apart") != 0)
        return s_unknown_word("conflict", argv[optind], "join", "apart", s_usage_conflict);
    how = argc - optind == 3 ? argv[optind] : NULL;
    if (!how || (strcmp(how, "join") != 0 && strcmp(how, "apart") != 0)) {
        cli_error("conflict", "%s", s_usage_conflict);
        return EX_USAGE;
    }
    for (int i = 1; i <= 2; i++)
        if (!case_id_ok(argv[optind + i])) {
            cli_error("conflict", "%s is not a case id (C-000123, as carerhub alerts names them)",
                      argv[optind + i]);
            return EX_DATAERR;
        }
    q.case_id = argv[optind + 1];
    q.other_case_id = argv[optind + 2];
    q.action = (char *)(strcmp(how, "join") == 0 ? "join" : "keep_apart");
    env.body_case = CARERHUB__ENVELOPE__BODY_CONFLICT_ACTION;
    env.conflict_action = &q;
    if (!(rep = s_act(cli, "conflict", &env, &rc)) ||
        !(rep = s_answer("conflict", rep, CARERHUB__ENVELOPE__BODY_CONFLICT_REPLY, &rc)))
        return rc;
    a = rep->conflict_reply;
    if (a->closed_case)
        cli_print(stdout, "joined: case %s into case %s, now at %s (%s)", a->closed_case,
                  a->case_id ? a->case_id : "-",
                  a->provider_name ? a->provider_name
                  : a->provider    ? a->provider
                                   : "-",
                  a->provider ? a->provider : "-");
    else
        cli_print(stdout, "kept apart: cases %s and %s are two people", q.case_id, q.other_case_id);
    carerhub__envelope__free_unpacked(rep, NULL);
    return 0;
}
