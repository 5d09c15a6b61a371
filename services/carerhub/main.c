/*
 * carerhub: the command people type. Global options, then a subcommand.
 */
#include "cli.h"

#include "util/log.h"
#include "util/mem.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static void s_usage(FILE *out)
{
    fputs("usage: carerhub [--config FILE] COMMAND [ARGS]\n"
          "\n"
          "commands:\n"
          "  route POSTCODE [--age N | --dob DATE [--on DATE]] [--source gp|discharge|school]\n"
          "        [--json]             which organisation serves a carer, and why\n"
          "  postcodes import FILE.csv  load the ONSPD or NSPL postcode unit table\n"
          "  postcodes count            how many postcodes the unit table holds\n"
          "  config check [FILE]        check the configuration and routing files\n"
          "  config providers           list the provider ids of the routing\n"
          "  submit gp|discharge|school [--timeout S] FILE...\n"
          "                             send referral files (- for standard input)\n"
          "  status REFERRAL-ID [--json]  where a referral is\n"
          "  stats [--json]             counts by source, provider, authority, referrer\n"
          "\n"
          "The configuration is FILE, else $CARERHUB_CONFIG, else the carerhub.yaml\n"
          "of this installation.\n",
          out);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "carerhub: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const hubconf_t *cli_conf(cli_t *cli)
{
    diag_t d = DIAG_INIT;
    if (cli->conf) return cli->conf;
    if (!cli->found_path) {
        cli->found_path = cli->config_path ? xstrdup(cli->config_path) : hubconf_find();
        if (!cli->found_path) {
            cli_error("config", "no configuration found: give --config FILE or set "
                                "CARERHUB_CONFIG");
            exit(EX_CONFIG);
        }
    }
    cli->conf = hubconf_load(cli->found_path, &d);
    if (!cli->conf) {
        diag_print(&d, stderr);
        diag_free(&d);
        exit(EX_CONFIG);
    }
    log_set_level(cli->conf->log_level < LOG_LVL_WARN ? cli->conf->log_level : LOG_LVL_WARN);
    return cli->conf;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_t cli = {NULL, NULL, NULL};
    const char *cmd;
    int c, rc;

    log_init("carerhub");
    log_set_level(LOG_LVL_WARN);
    while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cli.config_path = optarg;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return EX_USAGE;
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
    if (strcmp(cmd, "route") == 0)
        rc = cli_route(&cli, argc, argv);
    else if (strcmp(cmd, "postcodes") == 0)
        rc = cli_postcodes(&cli, argc, argv);
    else if (strcmp(cmd, "config") == 0)
        rc = cli_config(&cli, argc, argv);
    else if (strcmp(cmd, "submit") == 0)
        rc = cli_submit(&cli, argc, argv);
    else if (strcmp(cmd, "status") == 0)
        rc = cli_status(&cli, argc, argv);
    else if (strcmp(cmd, "stats") == 0)
        rc = cli_stats(&cli, argc, argv);
    else if (strcmp(cmd, "help") == 0) {
        s_usage(stdout);
        rc = 0;
    } else {
        cli_error(cmd, "unknown command");
        s_usage(stderr);
        rc = EX_USAGE;
    }
    hubconf_destroy(&cli.conf);
    free(cli.found_path);
    return rc;
}
