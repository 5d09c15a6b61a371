/*
 * The carerhub command: one file per subcommand, sharing the configuration
 * loaded once here. Exit statuses follow sysexits(3), as the README's table
 * lists them: 1 alerts found something, 64 usage, 65 bad data (or refused
 * for what was asked), 66 missing input or no such referral or case, 69 the
 * hub did not answer (or cannot tell now), 70 no randomness, 73 a file
 * cannot be made, 74 a store unreadable or unwritable, 75 the intake could
 * not store it just now, 76 an answer not understood, 77 refused (key or
 * role), 78 bad configuration or key files.
 */
#ifndef CARERHUB_CLI_H
#define CARERHUB_CLI_H

#include "clnt/clnt.h"
#include "conf/hubconf.h"
#include "domain/route.h"
#include "util/version.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The one place the version is written: `carerhub --version`. */

struct option;

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

/* Prints the help of every command (each option of each) to out. */
void cli_help(FILE *out);
/* Prints the help of the command named cmd to out; -1 if there is none. */
int cli_help_command(FILE *out, const char *cmd);
/* The names of names (n of them) that word looks like a typo of, the two
 * nearest at most, each after prefix ("--json", "stats or status"), in
 * buf; NULL when none is near. */
const char *cli_nearest(const char *word, const char *prefix, const char *const *names, size_t n,
                        char *buf, size_t bufsz);
/* The commands that word looks like a typo of, as cli_nearest. */
const char *cli_nearest_command(const char *word, char *buf, size_t bufsz);
/* For getopt_long's '?' in cmd's options opts (with opterr 0; cmd NULL for
 * the options before a command):
 * names the word that is wrong (an unknown option, with the nearest of
 * opts if it looks like a typo of one; an option without its value) and
 * says where the options are. Returns EX_USAGE. */
int cli_bad_option(const char *cmd, char **argv, const struct option *opts);

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
int cli_client(cli_t *cli, int argc, char **argv);
int cli_cases(cli_t *cli, int argc, char **argv);
int cli_case(cli_t *cli, int argc, char **argv);
int cli_queues(cli_t *cli, int argc, char **argv);
int cli_parked(cli_t *cli, int argc, char **argv);
int cli_conflict(cli_t *cli, int argc, char **argv);
int cli_export(cli_t *cli, int argc, char **argv);
int cli_retention(cli_t *cli, int argc, char **argv);
int cli_erase(cli_t *cli, int argc, char **argv);

/* Backups (cli_backup.c makes them, cli_restore.c puts them back): a
 * directory holding each store's data.mdb at its path under data_dir, and
 * CLI_BACKUP_MANIFEST naming each with its digest. */
#define CLI_BACKUP_MANIFEST   "manifest.json"
#define CLI_BACKUP_FORMAT     "carerhub.backup.v1" /* the manifest's "format" */
#define CLI_BACKUP_STORES_MAX 64                   /* a hub has a dozen */
#define CLI_BACKUP_HEX        65                   /* a BLAKE2b-256 digest in hex, and its NUL */
#define CLI_BACKUP_ASIDE      ".before-restore-"   /* a store restore --force moved aside */
#define CLI_BACKUP_STAGING    ".restore.tmp"       /* a store restore is putting in place */
/* The BLAKE2b-256 digest of the file at path (not followed if a symlink),
 * in hex in out, and its size in *bytes. Returns 0 or -1 with errno set. */
int cli_backup_digest(const char *path, char *out, uint64_t *bytes);
/* Whether dir is a directory with something in it. */
bool cli_backup_nonempty(const char *dir);
/* Removes dir and everything in it (symlinks, not what they name): only
 * for what a backup or restore made itself. */
void cli_backup_remove(const char *dir);
/* Now in UTC: 2026-12-01T22:30:00Z, or compact (20261201T223000Z). */
void cli_backup_now(bool compact, char *out, size_t outsz);

int cli_backup(cli_t *cli, int argc, char **argv);
int cli_restore(cli_t *cli, int argc, char **argv);

#endif
