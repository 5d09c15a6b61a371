/*
 * carerhub erase CASE-ID|REFERRAL-ID --reason TEXT: an operator erases a
 * carer's personal data everywhere in the hub (a request under UK GDPR,
 * say). The router erases the case (or a parked referral in no case),
 * tells each organisation that had it to erase its copy, and rewrites its
 * store; then each intake is asked to rewrite its spool, where the
 * referrals it passed on may still lie in freed pages. An intake that does
 * not answer does it on its own within referrals.spool_scrub_minutes: it
 * is named, and the erasure stands. The reason goes into the audit trail:
 * the router refuses one that holds the carer's details.
 */
#include "cli.h"

#include "domain/referral.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/text.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <zmq.h>

#define S_ROUTER_MS  120000 /* the router rewrites its store before it answers */
#define S_INTAKE_MS  5000
#define S_REASON_MAX 200

static const char s_usage[] = "usage: carerhub erase CASE-ID|REFERRAL-ID --reason TEXT";

/* "Name (id)" for each organisation told, as the routing names them. */
static void s_told(cli_t *cli, const Carerhub__EraseReply *e)
{
    route_t *rt;
    buf_t b = BUF_INIT;
    if (e->n_told == 0) {
        cli_print(stdout, "  organisations told: none had it");
        return;
    }
    rt = cli_routing(cli);
    for (size_t i = 0; i < e->n_told; i++) {
        int p = route_provider_find(rt, e->told[i]);
        if (i)
            buf_adds(&b, ", ");
        if (p >= 0)
            buf_printf(&b, "%s (%s)", route_provider_name(rt, p), e->told[i]);
        else
            buf_adds(&b, e->told[i]);
    }
    cli_print(stdout, "  organisations told to erase their copy: %s", b.data);
    buf_free(&b);
    route_destroy(&rt);
}

static void s_print(cli_t *cli, const Carerhub__EraseReply *e, const char *id)
{
    char when[DATE_WHEN_STRLEN] = "";
    buf_t b = BUF_INIT;
    if (e->has_erased_at)
        date_format_when(e->erased_at, when);
    if (e->case_id)
        cli_print(stdout, "%s: case %s%s%s", e->already ? "already erased" : "erased", e->case_id,
                  when[0] ? ", on " : "", when);
    else
        cli_print(stdout, "%s: referral %s, which no case holds (it was parked or rejected)%s%s",
                  e->already ? "already erased" : "erased", id, when[0] ? ", on " : "", when);
    for (size_t i = 0; i < e->n_referral_ids; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", e->referral_ids[i]);
    if (e->case_id)
        cli_print(stdout, "  referrals: %s", b.len ? b.data : "none");
    buf_free(&b);
    for (size_t i = 0; i < e->n_other_cases; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", e->other_cases[i]);
    if (b.len)
        cli_print(stdout, "  and the carer's other cases (episodes, joined cases): %s", b.data);
    buf_free(&b);
    if (e->case_id && !e->already)
        s_told(cli, e);
    if (e->has_store_bytes)
        cli_print(stdout,
                  "  the router's store is rewritten (%llu bytes): nothing erased "
                  "remains in it",
                  (unsigned long long)e->store_bytes);
    else
        cli_print(stdout, "  the router's store cannot be rewritten yet (another process, a "
                          "backup perhaps, has it open): the router does it as soon as it can");
}

/* Asks intake name (at endpoint) to rewrite its spool, and says what it
 * did. */
static void s_scrub_intake(cli_t *cli, const char *name, const char *endpoint,
                           const Carerhub__EraseReply *er)
{
    const hubconf_t *conf = cli_conf(cli);
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__ScrubRequest q = CARERHUB__SCRUB_REQUEST__INIT;
    char *pub = xasprintf("%s/%s.pub", conf->security.keys_dir, name);
    bool listed = file_exists(pub);
    clnt_keys_t keys;
    void *ctx;

    free(pub);
    if (!listed)
        return; /* no key for it: no such intake in this hub */
    cli_keys(cli, "operator", name, &keys);
    /* So that the same referral sent again is taken as new. */
    q.n_forget_referral_ids = er->n_referral_ids;
    q.forget_referral_ids = er->referral_ids;
    env.body_case = CARERHUB__ENVELOPE__BODY_SCRUB;
    env.scrub = &q;
    ctx = zmq_ctx_new();
    rep = clnt_call(ctx, endpoint, &keys, &env, S_INTAKE_MS, S_INTAKE_MS);
    memset(&keys, 0, sizeof keys);
    zmq_ctx_term(ctx);
    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_SCRUB_REPLY) {
        cli_print(stdout,
                  "%s: its spool is rewritten (%llu bytes): nothing passed on remains in it", name,
                  (unsigned long long)rep->scrub_reply->bytes_after);
    } else if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR) {
        cli_print(stdout, "%s: %s; it rewrites its spool within %lld minutes on its own", name,
                  rep->error->message ? rep->error->message : "refused",
                  conf->referrals.spool_scrub_minutes);
    } else {
        cli_print(stdout,
                  "%s did not answer (at %s): it rewrites its spool within %lld minutes "
                  "on its own",
                  name, endpoint, conf->referrals.spool_scrub_minutes);
    }
    if (rep)
        carerhub__envelope__free_unpacked(rep, NULL);
}

static void s_scrub_intakes(cli_t *cli, const Carerhub__EraseReply *er)
{
    const hubconf_t *conf = cli_conf(cli);
    const char *names[] = {"gp-intake", "discharge-intake", "school-intake", "self-intake",
                           "professional-intake"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const hubconf_intake_t *ic = hubconf_intake(conf, names[i]);
        if (ic && ic->endpoint)
            s_scrub_intake(cli, names[i], ic->endpoint, er);
    }
}

/* The reason as the router will judge it, before anything is sent. */
static int s_reason_ok(const char *reason)
{
    text_status_t ts;
    if (!reason) {
        cli_error("erase", "--reason is required: why the carer's data is erased, for the audit "
                           "trail (\"the carer's request\"); no personal data");
        return EX_USAGE;
    }
    ts = text_check(reason, strlen(reason), S_REASON_MAX, false);
    if (ts == TEXT_OK)
        return 0;
    cli_error("erase", "--reason %s",
              ts == TEXT_EMPTY      ? "is empty: say why the carer's data is erased, for the audit "
                                      "trail (\"the carer's request\"); no personal data"
              : ts == TEXT_TOO_LONG ? "is longer than 200 characters"
              : ts == TEXT_CONTROL  ? "holds a control character (a line break or a tab, say): "
                                      "write the reason on one line"
                                    : text_status_str(ts));
    return EX_DATAERR;
}

int cli_erase(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"reason", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__EraseRequest q = CARERHUB__ERASE_REQUEST__INIT;
    const char *reason = NULL, *id;
    clnt_keys_t keys;
    void *ctx;
    int c, rc = 0, err;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r')
            reason = optarg;
        else
            return cli_bad_option("erase", argv, opts);
    }
    if (argc - optind != 1) {
        cli_error("erase", "%s", s_usage);
        return EX_USAGE;
    }
    id = argv[optind];
    if (!case_id_ok(id) && !referral_id_ok(id)) {
        cli_error("erase",
                  "%s is not a case id (C-000123) or a referral id (GP-..., HD-..., "
                  "SC-..., SR-...)",
                  id);
        return EX_DATAERR;
    }
    if ((rc = s_reason_ok(reason)) != 0)
        return rc;
    q.id = (char *)id;
    q.reason = (char *)reason;
    env.body_case = CARERHUB__ENVELOPE__BODY_ERASE;
    env.erase = &q;
    /* Safe to repeat (a second erasure is answered "already"), so one
     * resend, late: the router answers once its store is rewritten. */
    cli_keys(cli, "operator", "router", &keys);
    ctx = zmq_ctx_new();
    rep = clnt_call(ctx, cli_conf(cli)->router.control_endpoint, &keys, &env, S_ROUTER_MS,
                    S_ROUTER_MS / 2);
    err = errno;
    memset(&keys, 0, sizeof keys);
    zmq_ctx_term(ctx);
    if (!rep)
        return cli_unanswered("erase", "router", cli_conf(cli)->router.control_endpoint, err);
    if (rep->body_case == CARERHUB__ENVELOPE__BODY_ERASE_REPLY) {
        s_print(cli, rep->erase_reply, id);
        s_scrub_intakes(cli, rep->erase_reply);
    } else if (rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
               strcmp(rep->error->code, "not_found") == 0) {
        cli_error("erase", "%s", rep->error->message ? rep->error->message : "not found");
        rc = EX_NOINPUT;
    } else {
        rc = cli_refused("erase", rep);
    }
    carerhub__envelope__free_unpacked(rep, NULL);
    return rc;
}
