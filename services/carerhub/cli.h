/*
 * The carerhub command: one file per subcommand, sharing the configuration
 * loaded once here. Exit statuses follow sysexits(3): 64 usage, 65 bad data,
 * 66 missing input, 69 hub unavailable, 74 a store unreadable or unwritable,
 * 77 refused (key or role), 78 bad configuration.
 */
#ifndef CARERHUB_CLI_H
#define CARERHUB_CLI_H

#include "clnt/clnt.h"
#include "conf/hubconf.h"
#include "domain/route.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    const char *config_path; /* --config, or NULL to search */
    const char *key;         /* --key: a key file, or a name in keys_dir */
    char *found_path;        /* owned: the path in use */
    hubconf_t *conf;         /* loaded on first use */
} cli_t;

/* The hub configuration; on a problem prints it and exits 78. */
const hubconf_t *cli_conf(cli_t *cli);
/* The configuration's routing (free with route_destroy), or every problem
 * printed and exit 78. */
route_t *cli_routing(cli_t *cli);
/* The keys to talk to server_name (router, gp-intake, ...): --key, else
 * $CARERHUB_KEY, else keys_dir/<default_name>.key. Exits 78 if there are
 * none. */
void cli_keys(cli_t *cli, const char *default_name, const char *server_name, clnt_keys_t *out);
/* Reports a call that got no reply (err is clnt_call's errno): a refused
 * key exits 77, silence 69. Returns the exit status. */
int cli_unanswered(const char *cmd, const char *server, const char *endpoint, int err);
/* Whether a key was given: --key, or $CARERHUB_KEY. */
bool cli_key_given(const cli_t *cli);
/* Sends env to the router's control socket with the keys cli_keys finds
 * (default_name when none was given) and waits up to timeout_ms, resending
 * (so the request must be safe to repeat). Returns the reply (free with
 * carerhub__envelope__free_unpacked), or NULL having said why, with *rc
 * the exit status (cli_unanswered). */
Carerhub__Envelope *cli_router_call(cli_t *cli, const char *cmd, const char *default_name,
                                    Carerhub__Envelope *env, int timeout_ms, int *rc);
/* Reports an answer that is not the one asked for: an Error (forbidden
 * exits 77, unavailable 69, any other refusal 65) or something else (76).
 * Returns the exit status. */
int cli_refused(const char *cmd, const Carerhub__Envelope *rep);
/* Prints one line to out (stdout or stderr), escaped with text_escape:
 * every string that came from the hub or a peer is printed through this
 * (or as JSON). */
void cli_print(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "carerhub: <cmd>: message" to stderr, the message escaped. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cli_route(cli_t *cli, int argc, char **argv);
int cli_postcodes(cli_t *cli, int argc, char **argv);
int cli_config(cli_t *cli, int argc, char **argv);
int cli_submit(cli_t *cli, int argc, char **argv);
int cli_status(cli_t *cli, int argc, char **argv);
int cli_stats(cli_t *cli, int argc, char **argv);
int cli_keygen(cli_t *cli, int argc, char **argv);
int cli_audit(cli_t *cli, int argc, char **argv);
int cli_outcome(cli_t *cli, int argc, char **argv);
int cli_feedback(cli_t *cli, int argc, char **argv);
int cli_cancel(cli_t *cli, int argc, char **argv);
int cli_alerts(cli_t *cli, int argc, char **argv);
int cli_report(cli_t *cli, int argc, char **argv);
int cli_user(cli_t *cli, int argc, char **argv);
int cli_cases(cli_t *cli, int argc, char **argv);
int cli_case(cli_t *cli, int argc, char **argv);
int cli_queues(cli_t *cli, int argc, char **argv);
int cli_parked(cli_t *cli, int argc, char **argv);
int cli_conflict(cli_t *cli, int argc, char **argv);

#endif
