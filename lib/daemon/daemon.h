/*
 * The skeleton every carerhub daemon shares: command line (-c FILE, -n, -v),
 * configuration loading and atomic reload, signal flags, the ZeroMQ context,
 * and the options every socket gets. Signal handlers only set flags; the
 * daemon's loop acts on them.
 */
#ifndef CARERHUB_DAEMON_H
#define CARERHUB_DAEMON_H

#include "conf/hubconf.h"
#include "domain/pcdb.h"
#include "domain/route.h"

#include <getopt.h>
#include <stdbool.h>

typedef struct {
    const char *name;   /* program name, e.g. carerhub-router */
    const char *config; /* -c FILE, or NULL to search */
    bool check_only;    /* -n: check the configuration and exit */
    int verbose;        /* -v: one more level of logging each */
} daemon_args_t;

/* Extra options of one daemon: called for each option in `extra`. Return 0,
 * or -1 to print usage and exit 64. */
typedef int (*daemon_opt_fn)(int opt, const char *arg, void *ctx);

/* Parses the common options and the extra ones. Exits on -h (0) or a usage
 * error (64). usage is the extra part of the usage line. */
void daemon_parse_args(int argc, char **argv, const char *name, const char *usage,
                       const struct option *extra, daemon_opt_fn fn, void *ctx, daemon_args_t *out);

/* Loads the configuration named by the arguments (or found by hubconf_find).
 * On a problem prints every message and exits 78. Applies its log level. */
hubconf_t *daemon_load_conf(const daemon_args_t *a);

/* Loads the configuration again for a reload: NULL (with the problems
 * logged) keeps the caller on its current one. */
hubconf_t *daemon_reload_conf(const daemon_args_t *a, const hubconf_t *current);

/* Installs handlers: SIGTERM and SIGINT ask to stop, SIGHUP to reload;
 * SIGPIPE is ignored. Sets the umask to 077. */
void daemon_signals(void);
bool daemon_stopping(void);
/* True once for each SIGHUP received. */
bool daemon_take_reload(void);

/* The process's ZeroMQ context (created on first use). */
void *daemon_zmq(void);
/* A socket of the given type with carerhub's defaults (linger 0, message
 * size cap, heartbeats). Exits on failure: it is an environment problem. */
void *daemon_socket(int type);
/* Binds or connects, or exits with the reason. */
void daemon_bind(void *sock, const char *endpoint);
void daemon_connect(void *sock, const char *endpoint);
/* Closes sockets and the context. */
void daemon_zmq_term(void);

/* Takes an exclusive lock on dir/lock so that two copies of a daemon never
 * share a data directory. Exits if another process holds it. */
void daemon_lock(const char *dir);
/* The daemon's own data directory, data_dir/name: created private (0700)
 * if need be and locked (daemon_lock). Exits if it cannot be. Free it. */
char *daemon_data_dir(const hubconf_t *conf, const char *name);
/* With -n, when everything has been loaded and checked: prints
 * "configuration OK" and exits 0. */
void daemon_check_done(const daemon_args_t *a);
/* The routing configuration, its problems logged; NULL if it has any. */
route_t *daemon_load_routing(const hubconf_t *conf);
/* SIGHUP for a daemon that routes: the new configuration with *rt its
 * routing, or NULL when either has problems (logged; keep the current). */
hubconf_t *daemon_reload_routed(const daemon_args_t *a, const hubconf_t *current, route_t **rt);
/* (Re)opens the postcode unit table in data_dir/postcodes, if there is one:
 * *db is closed first, and NULL after if there is none. */
void daemon_open_pcdb(const hubconf_t *conf, pcdb_t **db);

#endif
