/*
 * carerhub: the command people type. Global options, then a subcommand.
 */
#include "cli.h"

#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"
#include "wire/curve.h"

#include <getopt.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static void s_usage(FILE *out)
{
    fputs("usage: carerhub [--config FILE] [--key KEY] COMMAND [ARGS]\n"
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
          "  audit [--since DATE]       the audit trail (operators)\n"
          "  keygen NAME [--dir DIR]    make NAME.key (secret, 0600) and NAME.pub\n"
          "\n"
          "The configuration is FILE, else $CARERHUB_CONFIG, else the carerhub.yaml\n"
          "of this installation. KEY is your secret key file (or its name in the\n"
          "configured keys directory); without one, submit uses gp, hospital or\n"
          "school, and the operator commands use operator.\n",
          out);
}

/* The formatted text as one line of out, escaped: what the hub stored or a
 * peer sent can neither end the line nor drive the terminal. */
static void s_vline(FILE *out, const char *fmt, va_list ap)
{
    char *raw, *safe;
    int n = vasprintf(&raw, fmt, ap);
    if (n < 0)
        abort();
    safe = xmalloc(TEXT_ESCAPE_MAX((size_t)n));
    text_escape(raw, (size_t)n, safe, TEXT_ESCAPE_MAX((size_t)n));
    fputs(safe, out);
    fputc('\n', out);
    free(safe);
    free(raw);
}

void cli_print(FILE *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vline(out, fmt, ap);
    va_end(ap);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "carerhub: %s: ", cmd);
    va_start(ap, fmt);
    s_vline(stderr, fmt, ap);
    va_end(ap);
}

int cli_unanswered(const char *cmd, const char *server, const char *endpoint, int err)
{
    if (err == EACCES) {
        cli_error(cmd,
                  "the %s at %s refused this client's key: it is not a listed participant "
                  "(ask the hub's operator to add your .pub to participants.yaml)",
                  server, endpoint);
        return EX_NOPERM;
    }
    cli_error(cmd, "the %s at %s did not answer", server, endpoint);
    return EX_UNAVAILABLE;
}

void cli_keys(cli_t *cli, const char *default_name, const char *server_name, clnt_keys_t *out)
{
    const hubconf_t *conf = cli_conf(cli);
    const char *key = cli->key ? cli->key : getenv("CARERHUB_KEY");
    char err[512], *path, *spath;

    if (key && *key)
        path = strchr(key, '/') || strstr(key, ".key")
                   ? xstrdup(key)
                   : xasprintf("%s/%s.key", conf->security.keys_dir, key);
    else
        path = xasprintf("%s/%s.key", conf->security.keys_dir, default_name);
    if (curve_load_secret(path, &out->me, err, sizeof err) < 0) {
        cli_error("key", "%s", err);
        fprintf(stderr, "carerhub: give your key with --key FILE (carerhub keygen NAME makes "
                        "one; the hub's operator must list its .pub in participants.yaml)\n");
        exit(EX_CONFIG);
    }
    spath = xasprintf("%s/%s.pub", conf->security.keys_dir, server_name);
    if (curve_load_public(spath, out->server, err, sizeof err) < 0) {
        cli_error("key", "%s (the public key of the hub's %s)", err, server_name);
        exit(EX_CONFIG);
    }
    free(path);
    free(spath);
}

const hubconf_t *cli_conf(cli_t *cli)
{
    diag_t d = DIAG_INIT;
    if (cli->conf)
        return cli->conf;
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
        {"key", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_t cli = {NULL, NULL, NULL, NULL};
    const char *cmd;
    int c, rc;

    log_init("carerhub");
    log_set_level(LOG_LVL_WARN);
    while ((c = getopt_long(argc, argv, "+c:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cli.config_path = optarg;
            break;
        case 'k':
            cli.key = optarg;
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
    else if (strcmp(cmd, "keygen") == 0)
        rc = cli_keygen(&cli, argc, argv);
    else if (strcmp(cmd, "audit") == 0)
        rc = cli_audit(&cli, argc, argv);
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
