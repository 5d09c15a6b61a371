/*
 * The carerhub command: one file per subcommand, sharing the configuration
 * loaded once here. Exit statuses follow sysexits(3): 64 usage, 65 bad data,
 * 66 missing input, 69 hub unavailable, 78 bad configuration.
 */
#ifndef CARERHUB_CLI_H
#define CARERHUB_CLI_H

#include "conf/hubconf.h"

typedef struct {
    const char *config_path; /* --config, or NULL to search */
    char *found_path;        /* owned: the path in use */
    hubconf_t *conf;         /* loaded on first use */
} cli_t;

/* The hub configuration; on a problem prints it and exits 78. */
const hubconf_t *cli_conf(cli_t *cli);
/* Prints "carerhub: <cmd>: message" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cli_route(cli_t *cli, int argc, char **argv);
int cli_postcodes(cli_t *cli, int argc, char **argv);
int cli_config(cli_t *cli, int argc, char **argv);
int cli_submit(cli_t *cli, int argc, char **argv);
int cli_status(cli_t *cli, int argc, char **argv);
int cli_stats(cli_t *cli, int argc, char **argv);

#endif
