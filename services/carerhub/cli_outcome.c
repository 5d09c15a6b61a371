/*
 * carerhub outcome CASE-ID STATUS [--support KIND]... [--reason TEXT]
 * [--to PROVIDER] [--at TIME] [--note TEXT] [--id OUTCOME-ID]: a case
 * worker reports what happened with one of the organisation's cases, with
 * the organisation's provider key. The outcome is checked here as the
 * router checks it (outcome_check), so a mistake is named by its option
 * before anything is sent. Each outcome carries an id (--id, or a random
 * one) and its time (--at, or now, taken once): the router records an id
 * once, and refuses it with other content, so what is resent, by this
 * command or by a person told the id and the time, is the same outcome.
 */
#include "cli.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/clock.h"
#include "util/date.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#define S_SUPPORT_MAX 32 /* --support options kept (outcome_check allows fewer) */

static const char s_usage[] =
    "usage: carerhub --key provider-ID outcome CASE-ID STATUS [--support KIND]... "
    "[--reason TEXT] [--to PROVIDER] [--at TIME] [--note TEXT] [--id OUTCOME-ID]";

/* The option (or argument) that gives an outcome file's field. */
static const char *s_option(const char *field)
{
    static const char *const map[][2] = {
        {"case_id", "CASE-ID"}, {"status", "STATUS"},   {"support", "--support"},
        {"reason", "--reason"}, {"to", "--to"},         {"at", "--at"},
        {"note", "--note"},     {"outcome_id", "--id"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (field && strcmp(field, map[i][0]) == 0)
            return map[i][1];
    return field ? field : "outcome";
}

/* "cli-" and 24 random hex digits. */
static void s_random_id(char out[29])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[12];
    if (sodium_init() < 0) {
        cli_error("outcome", "no source of random numbers: give the outcome an id with --id");
        exit(EX_SOFTWARE);
    }
    randombytes_buf(r, sizeof r);
    memcpy(out, "cli-", 4);
    for (size_t i = 0; i < sizeof r; i++) {
        out[4 + 2 * i] = hex[r[i] >> 4];
        out[5 + 2 * i] = hex[r[i] & 15];
    }
    out[28] = '\0';
}

/* How to send o again so that it is recorded once: the same id, the same
 * time (in UTC, to the ms, as it was sent). */
static void s_send_again(const char *why, const Carerhub__Outcome *o)
{
    time_t t = (time_t)(o->at / 1000);
    struct tm tm;
    char at[32];
    gmtime_r(&t, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%S", &tm);
    cli_error("outcome",
              "%s: send it again later, with the same options and --id %s --at %s.%03dZ, so "
              "that it is recorded once",
              why, o->outcome_id, at, (int)(o->at % 1000));
}

/* Reports the router's answer to the one outcome sent. */
static int s_report(const Carerhub__OutcomeResult *res, const Carerhub__Outcome *o)
{
    const char *with = res->provider_name ? res->provider_name : res->provider;
    const char *state = res->state ? res->state : "unchanged";
    switch (res->result) {
    case CARERHUB__OUTCOME_RESULT__RESULT__RECORDED:
    case CARERHUB__OUTCOME_RESULT__RESULT__ALREADY_RECORDED:
        cli_print(stdout, "%s: case %s is now %s%s%s",
                  res->result == CARERHUB__OUTCOME_RESULT__RESULT__RECORDED ? "recorded"
                                                                            : "already recorded",
                  o->case_id, state, with ? ", with " : "", with ? with : "");
        return 0;
    case CARERHUB__OUTCOME_RESULT__RESULT__REFUSED:
        cli_error("outcome", "refused: %s: %s", res->field ? res->field : "outcome",
                  res->message ? res->message
                  : res->code  ? res->code
                               : "");
        return EX_DATAERR;
    default:
        cli_error("outcome", "the router could not record it now (%s)",
                  res->message ? res->message : "unavailable");
        s_send_again("not recorded", o);
        return EX_UNAVAILABLE;
    }
}

/* Parses the options into o; returns 0, or the exit status of a mistake. */
static int s_options(int argc, char **argv, Carerhub__Outcome *o, char **support, char *id)
{
    static const struct option opts[] = {
        {"support", required_argument, NULL, 's'},
        {"reason", required_argument, NULL, 'r'},
        {"to", required_argument, NULL, 't'},
        {"at", required_argument, NULL, 'a'},
        {"note", required_argument, NULL, 'n'},
        {"id", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (o->n_support == S_SUPPORT_MAX) {
                cli_error("outcome", "--support: at most %d kinds of support in one outcome",
                          OUTCOME_SUPPORT_MAX);
                return EX_DATAERR;
            }
            support[o->n_support++] = optarg;
            break;
        case 'r':
            o->reason = optarg;
            break;
        case 't':
            o->to = optarg;
            break;
        case 'n':
            o->note = optarg;
            break;
        case 'i':
            o->outcome_id = optarg;
            break;
        case 'a':
            if (date_time_parse(optarg, &o->at) < 0) {
                cli_error("outcome",
                          "--at: %s is not a time: write it as RFC 3339 (2026-12-01T10:00:00Z, "
                          "or with an offset) or as a date (YYYY-MM-DD)",
                          optarg);
                return EX_DATAERR;
            }
            o->has_at = true;
            break;
        default:
            return cli_bad_option("outcome", argv, opts);
        }
    }
    if (argc - optind != 2) {
        cli_error("outcome", "%s", s_usage);
        return EX_USAGE;
    }
    o->case_id = argv[optind];
    o->status = argv[optind + 1];
    o->support = support;
    if (!o->outcome_id) {
        s_random_id(id);
        o->outcome_id = id;
    }
    /* Now, once: every resend carries the same outcome. */
    if (!o->has_at) {
        o->has_at = true;
        o->at = clock_now_ms();
    }
    return 0;
}

int cli_outcome(cli_t *cli, int argc, char **argv)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__OutcomeReport report = CARERHUB__OUTCOME_REPORT__INIT;
    Carerhub__Outcome o = CARERHUB__OUTCOME__INIT, *os[1] = {&o};
    char *support[S_SUPPORT_MAX], id[29];
    ferrs_t errs = FERRS_INIT;
    int rc;

    if ((rc = s_options(argc, argv, &o, support, id)) != 0)
        return rc;
    if (!cli_key_given(cli)) {
        cli_error("outcome", "which organisation? give its provider key: --key provider-ID (the "
                             "key keys_dir/provider-ID.key, e.g. --key provider-afc), or set "
                             "CARERHUB_KEY");
        return EX_USAGE;
    }
    if (outcome_check(&o, clock_now_ms(), &errs) < 0) {
        for (size_t i = 0; i < errs.n; i++)
            cli_error("outcome", "%s: %s", s_option(errs.v[i].field), errs.v[i].message);
        ferrs_free(&errs);
        return EX_DATAERR;
    }
    report.n_outcomes = 1;
    report.outcomes = os;
    env.body_case = CARERHUB__ENVELOPE__BODY_OUTCOME_REPORT;
    env.outcome_report = &report;
    /* Resent with the same id until answered: recorded once whatever happens. */
    if (!(rep = cli_router_call(cli, "outcome", "operator", &env, 10000, &rc))) {
        if (rc == EX_UNAVAILABLE)
            s_send_again("it may or may not have been recorded", &o);
        return rc;
    }
    if (rep->body_case != CARERHUB__ENVELOPE__BODY_OUTCOME_REPLY)
        rc = cli_refused("outcome", rep);
    else if (rep->outcome_reply->n_results != 1) {
        cli_error("outcome", "unexpected answer from the router");
        rc = EX_PROTOCOL;
    } else
        rc = s_report(rep->outcome_reply->results[0], &o);
    carerhub__envelope__free_unpacked(rep, NULL);
    return rc;
}
