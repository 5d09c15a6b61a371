/*
 * carerhub: the command people type. Global options, then a subcommand;
 * what each says about itself is in cli_help.c.
 */
#include "cli.h"

#include "util/log.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

typedef struct {
    const char *name;
    int (*run)(cli_t *cli, int argc, char **argv);
} s_command_t;

static const s_command_t s_commands[] = {
    {"route", cli_route},         {"postcodes", cli_postcodes}, {"config", cli_config},
    {"submit", cli_submit},       {"status", cli_status},       {"stats", cli_stats},
    {"keygen", cli_keygen},       {"audit", cli_audit},         {"outcome", cli_outcome},
    {"feedback", cli_feedback},   {"cancel", cli_cancel},       {"alerts", cli_alerts},
    {"report", cli_report},       {"user", cli_user},           {"client", cli_client},
    {"cases", cli_cases},         {"case", cli_case},           {"queues", cli_queues},
    {"parked", cli_parked},       {"conflict", cli_conflict},   {"erase", cli_erase},
    {"backup", cli_backup},       {"restore", cli_restore},     {"export", cli_export},
    {"retention", cli_retention},
};

/* Whether the words of a command ask for its help: --help before any "--"
 * (after which words are the command's arguments, whatever they say). */
static bool s_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0)
            return true;
    return false;
}

/* A command that is none of carerhub's: named, with the one it looks like. */
static int s_unknown(const char *cmd)
{
    char like[96];
    const char *near = cli_nearest_command(cmd, like, sizeof like);
    if (near)
        fprintf(stderr,
                "carerhub: unknown command '%s' (did you mean %s?); carerhub help lists "
                "the commands\n",
                cmd, near);
    else
        fprintf(stderr, "carerhub: unknown command '%s'; carerhub help lists the commands\n", cmd);
    return EX_USAGE;
}

/* carerhub help [COMMAND]. */
static int s_help(int argc, char **argv)
{
    if (argc < 2) {
        cli_help(stdout);
        return 0;
    }
    if (cli_help_command(stdout, argv[1]) == 0)
        return 0;
    return s_unknown(argv[1]);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    cli_t cli = {NULL, NULL, NULL, NULL};
    const char *cmd;
    int c, rc = -1;

    log_init("carerhub");
    log_set_level(LOG_LVL_WARN);
    opterr = 0; /* each mistake is named by cli_bad_option, in our words */
    while ((c = getopt_long(argc, argv, "+c:k:h", opts, NULL)) != -1) {
        if (c == 'c') {
            cli.config_path = optarg;
        } else if (c == 'k') {
            cli.key = optarg;
        } else if (c == 'h') {
            cli_help(stdout);
            return 0;
        } else if (c == 'V') {
            printf("carerhub %s\n", CARERHUB_VERSION);
            return 0;
        } else if ((optopt == 'c' || optopt == 'k') && strlen(argv[optind - 1]) == 2) {
            fprintf(stderr, "carerhub: %s needs a value; see carerhub --help\n", argv[optind - 1]);
            return EX_USAGE;
        } else {
            return cli_bad_option(NULL, argv, opts);
        }
    }
    if (optind >= argc) {
        fputs("carerhub: which command? carerhub help lists them\n", stderr);
        cli_help(stderr);
        return EX_USAGE;
    }
    cmd = argv[optind];
    argc -= optind;
    argv += optind;
    optind = 0; /* reset getopt for the subcommand */
    if (strcmp(cmd, "help") == 0)
        return s_help(argc, argv);
    if (s_wants_help(argc, argv) && cli_help_command(stdout, cmd) == 0)
        return 0;
    for (size_t i = 0; i < sizeof s_commands / sizeof *s_commands && rc < 0; i++)
        if (strcmp(cmd, s_commands[i].name) == 0)
            rc = s_commands[i].run(&cli, argc, argv);
    if (rc < 0)
        rc = s_unknown(cmd);
    hubconf_destroy(&cli.conf);
    free(cli.found_path);
    return rc;
}
