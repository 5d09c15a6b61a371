/*
 * carerhub: the command people type. Global options, then a subcommand.
 */
#include "cli.h"

#include "util/log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static void s_usage(FILE *out)
{
    fputs(
        "usage: carerhub [--config FILE] [--key KEY] COMMAND [ARGS]\n"
        "\n"
        "commands:\n"
        "  route POSTCODE [--age N | --dob DATE [--on DATE]] [--source gp|discharge|school|self]\n"
        "        [--json]             which organisation serves a carer, and why\n"
        "  postcodes import FILE.csv  load the ONSPD or NSPL postcode unit table\n"
        "  postcodes count            how many postcodes the unit table holds\n"
        "  config check [FILE]        check the configuration and routing files\n"
        "  config providers           list the provider ids of the routing\n"
        "  submit gp|discharge|school [--timeout S] FILE...\n"
        "                             send referral files (- for standard input)\n"
        "  status REFERRAL-ID [--json]  where a referral is, and its case's timeline\n"
        "                             (operators: any; referrers: their own)\n"
        "  feedback [--since DATE] [--json]\n"
        "                             a referrer's referrals and where each stands\n"
        "  cancel REFERRAL-ID --reason changed|error [--note TEXT]\n"
        "                             cancel a referral of your own while its case is open\n"
        "  outcome CASE-ID STATUS [--support KIND]... [--reason TEXT] [--to PROVIDER]\n"
        "        [--at TIME] [--note TEXT] [--id OUTCOME-ID]\n"
        "                             report what happened with a case (a provider's key)\n"
        "  cases [--json] [--limit N] [--provider ID]\n"
        "                             the open cases with your organisation, overdue first\n"
        "                             (a provider's key; an operator's names --provider)\n"
        "  case CASE-ID [--json]      one of your organisation's cases: the carer as now\n"
        "                             known, its referrals and timeline, and what may be\n"
        "                             recorded next (operators: any case)\n"
        "  stats [--json]             counts by source, provider, authority, referrer\n"
        "  alerts [--json]            what needs a person (operators; exit 1 if anything)\n"
        "  queues [--json]            deliveries waiting per organisation, its agent and\n"
        "                             its open cases (operators)\n"
        "  parked [--json]            the referrals held back, oldest first (operators)\n"
        "  parked release REFERRAL-ID take a parked referral again now\n"
        "  parked reject REFERRAL-ID --reason TEXT\n"
        "                             drop it for good; its referrer reads the reason\n"
        "  conflict join CASE-ID OTHER-CASE-ID\n"
        "                             two cases flagged identity_conflict are one carer:\n"
        "                             the newer joins the older (operators)\n"
        "  conflict apart CASE-ID OTHER-CASE-ID\n"
        "                             they are two people: neither flagged with the other\n"
        "  audit [--since DATE]       the audit trail (operators)\n"
        "  report [--from DATE] [--to DATE] [--json | --csv | --html FILE] [--publish]\n"
        "        [--key NAME]         carers supported against the targets, the path to\n"
        "                             support, time to contact, who refers (commissioners,\n"
        "                             operators); --publish shows counts below 5 as \"<5\"\n"
        "  keygen NAME [--dir DIR]    make NAME.key (secret, 0600) and NAME.pub\n"
        "  user add NAME --role gp|hospital|school|provider|commissioner|operator\n"
        "        [--org CODE] [--password-stdin | --setup-link]\n"
        "                             an account of the web front door: prints a first\n"
        "                             password (changed at the first login), or sets one\n"
        "                             read from standard input, or prints a set-up link\n"
        "                             (once, for 72 hours); CODE: the practice's or\n"
        "                             trust's ODS code, the school's URN, the provider id\n"
        "  user passwd NAME [--password-stdin | --setup-link]\n"
        "                             a new password for an account, as for add\n"
        "  user disable NAME | user enable NAME\n"
        "                             stop an account logging in, or let it again\n"
        "  user list                  the accounts: name, role, organisation, state\n"
        "\n"
        "The configuration is FILE, else $CARERHUB_CONFIG, else the carerhub.yaml\n"
        "of this installation. KEY is your secret key file (or its name in the\n"
        "configured keys directory), else $CARERHUB_KEY; without one, submit uses\n"
        "gp, hospital or school, cancel the same by the referral's id, status,\n"
        "stats, alerts, audit, queues, parked and conflict use operator, and report\n"
        "commissioner if the keys directory has one, else operator. feedback needs\n"
        "a referrer's key (--key gp); outcome and cases a provider's\n"
        "(--key provider-ID), as does case, else it uses operator.\n",
        out);
}

typedef struct {
    const char *name;
    int (*run)(cli_t *cli, int argc, char **argv);
} s_command_t;

static const s_command_t s_commands[] = {
    {"route", cli_route},       {"postcodes", cli_postcodes}, {"config", cli_config},
    {"submit", cli_submit},     {"status", cli_status},       {"stats", cli_stats},
    {"keygen", cli_keygen},     {"audit", cli_audit},         {"outcome", cli_outcome},
    {"feedback", cli_feedback}, {"cancel", cli_cancel},       {"alerts", cli_alerts},
    {"report", cli_report},     {"user", cli_user},           {"cases", cli_cases},
    {"case", cli_case},         {"queues", cli_queues},       {"parked", cli_parked},
    {"conflict", cli_conflict},
};

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_t cli = {NULL, NULL, NULL, NULL};
    const char *cmd;
    int c, rc = -1;

    log_init("carerhub");
    log_set_level(LOG_LVL_WARN);
    while ((c = getopt_long(argc, argv, "+c:k:h", opts, NULL)) != -1) {
        if (c == 'c') {
            cli.config_path = optarg;
        } else if (c == 'k') {
            cli.key = optarg;
        } else {
            s_usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : EX_USAGE;
        }
    }
    if (optind >= argc) {
        s_usage(stderr);
        return EX_USAGE;
    }
    cmd = argv[optind];
    argc -= optind;
    argv += optind;
    optind = 0; /* reset getopt for the subcommand */
    for (size_t i = 0; i < sizeof s_commands / sizeof *s_commands && rc < 0; i++)
        if (strcmp(cmd, s_commands[i].name) == 0)
            rc = s_commands[i].run(&cli, argc, argv);
    if (rc < 0 && strcmp(cmd, "help") == 0) {
        s_usage(stdout);
        rc = 0;
    } else if (rc < 0) {
        cli_error(cmd, "unknown command");
        s_usage(stderr);
        rc = EX_USAGE;
    }
    hubconf_destroy(&cli.conf);
    free(cli.found_path);
    return rc;
}
