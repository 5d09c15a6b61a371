/*
 * carerhub cancel REFERRAL-ID --reason changed|error [--note TEXT]: a
 * referrer cancels one of its own referrals while its case is open; the
 * organisation that has the case is told (and, for error, to delete what
 * it imported). Without --key, the key of the role that submits referrals
 * like this one (gp, hospital, school), as submit uses.
 */
#include "cli.h"

#include "domain/outcome.h"
#include "domain/referral.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char s_usage[] =
    "usage: carerhub cancel REFERRAL-ID --reason changed|error [--note TEXT]";

static void s_print(const Carerhub__CancelReply *c, const char *id)
{
    const char *rid = c->referral_id ? c->referral_id : id;
    const char *told = c->provider_name ? c->provider_name : c->provider;
    if (c->already) {
        cli_print(stdout, "already cancelled: %s (case %s)", rid, c->case_id ? c->case_id : "-");
        return;
    }
    if (told)
        cli_print(stdout, "cancelled: %s (case %s, %s told)", rid, c->case_id ? c->case_id : "-",
                  told);
    else
        cli_print(stdout, "cancelled: %s (case %s)", rid, c->case_id ? c->case_id : "-");
    if (c->case_closed)
        cli_print(stdout, "case %s is closed: every referral of it is cancelled",
                  c->case_id ? c->case_id : "-");
}

int cli_cancel(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"reason", required_argument, NULL, 'r'},
        {"note", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__CancelRequest q = CARERHUB__CANCEL_REQUEST__INIT;
    const char *reason = NULL, *note = NULL, *id;
    Carerhub__Source src;
    role_t role = ROLE_GP;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r')
            reason = optarg;
        else if (c == 'n')
            note = optarg;
        else
            return cli_bad_option("cancel", argv, opts);
    }
    if (argc - optind != 1) {
        cli_error("cancel", "%s", s_usage);
        return EX_USAGE;
    }
    id = argv[optind];
    if (!outcome_cancel_reason_ok(reason)) {
        cli_error("cancel",
                  "--reason must be changed (the carer's circumstances changed) or error (sent "
                  "in error: the organisation deletes what it imported)");
        return EX_USAGE;
    }
    if (!referral_id_ok(id) || referral_source_of_id(id, &src) < 0) {
        cli_error("cancel",
                  "%s is not a referral id (as submit printed it: GP-..., HD-..., SC-...)", id);
        return EX_DATAERR;
    }
    referral_submitter_role(src, &role);
    q.referral_id = (char *)id;
    q.reason = (char *)reason;
    q.note = (char *)note;
    env.body_case = CARERHUB__ENVELOPE__BODY_CANCEL;
    env.cancel = &q;
    if (!(rep = cli_router_call(cli, "cancel", role_name(role), &env, 10000, &rc)))
        return rc;
    if (rep->body_case == CARERHUB__ENVELOPE__BODY_CANCEL_REPLY)
        s_print(rep->cancel_reply, id);
    else
        rc = cli_refused("cancel", rep);
    carerhub__envelope__free_unpacked(rep, NULL);
    return rc;
}
