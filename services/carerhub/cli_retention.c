/*
 * carerhub retention [--run]: how long the hub keeps a carer's personal
 * data after their case closes (retention.closed_case_days), how many
 * closed cases are past it and not yet erased, what the router's last run
 * erased and when it runs next (every retention.check_minutes, and when it
 * starts). With --run the router looks and erases now, as its schedule
 * does (router_retention.c); either way an operator's key, audited.
 */
#include "cli.h"

#include "util/date.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#define S_RUN_MS   120000 /* the router erases and rewrites its store before it answers */
#define S_COUNT_MS 30000

static void s_when(const char *label, bool has, int64_t ms, const char *none)
{
    char when[DATE_WHEN_STRLEN];
    if (!has || ms <= 0) {
        cli_print(stdout, "  %-10s %s", label, none);
        return;
    }
    date_format_when(ms, when);
    cli_print(stdout, "  %-10s %s", label, when);
}

static void s_print(const Carerhub__RetentionReply *t, bool run)
{
    cli_print(stdout,
              "retention: the personal data of a case closed more than %u day%s ago is erased "
              "(retention.closed_case_days)",
              t->days, t->days == 1 ? "" : "s");
    cli_print(stdout, "  %-10s %u closed case%s past it, not yet erased", "due", t->due,
              t->due == 1 ? "" : "s");
    cli_print(stdout, "  %-10s %u case%s, by %s", "erased", t->erased, t->erased == 1 ? "" : "s",
              run ? "this run" : "the router's last run");
    s_when("last run", t->has_last_run_at, t->last_run_at, "none since the router started");
    s_when("next run", t->has_next_run_at, t->next_run_at, "when the router starts");
}

int cli_retention(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"run", no_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__RetentionQuery q = CARERHUB__RETENTION_QUERY__INIT;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'r')
            return cli_bad_option("retention", argv, opts);
        q.has_run = q.run = true;
    }
    if (argc - optind != 0) {
        cli_error("retention", "usage: carerhub retention [--run]");
        return EX_USAGE;
    }
    env.body_case = CARERHUB__ENVELOPE__BODY_RETENTION_QUERY;
    env.retention_query = &q;
    if (!(rep = cli_router_call(cli, "retention", "operator", &env, q.run ? S_RUN_MS : S_COUNT_MS,
                                &rc)))
        return rc;
    if (rep->body_case == CARERHUB__ENVELOPE__BODY_RETENTION_REPLY)
        s_print(rep->retention_reply, q.run);
    else
        rc = cli_refused("retention", rep);
    carerhub__envelope__free_unpacked(rep, NULL);
    return rc;
}
