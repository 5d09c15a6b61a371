/*
 * Daemon skeleton: see daemon.h.
 */
#include "daemon/daemon.h"

#include "domain/pcdb.h"
#include "domain/route.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"
#include "wire/wire.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sysexits.h>
#include <zmq.h>

static volatile sig_atomic_t s_stop;
static volatile sig_atomic_t s_reload;
static void *s_ctx;

static void s_usage(FILE *out, const char *name, const char *usage)
{
    fprintf(out,
            "usage: %s [-c FILE] [-n] [-v]%s%s\n"
            "  -c FILE  configuration (default: $CARERHUB_CONFIG, or the\n"
            "           carerhub.yaml of this installation)\n"
            "  -n       check the configuration, print \"configuration OK\", exit\n"
            "  -v       log more (repeat for debug)\n",
            name, usage && *usage ? " " : "", usage ? usage : "");
}

void daemon_parse_args(int argc, char **argv, const char *name, const char *usage,
                       const struct option *extra, daemon_opt_fn fn, void *ctx, daemon_args_t *out)
{
    struct option opts[32];
    char shortopts[64] = "c:nvh";
    size_t n = 0;
    int c;

    memset(out, 0, sizeof *out);
    out->name = name;
    log_init(name);
    opts[n++] = (struct option){"config", required_argument, NULL, 'c'};
    opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    for (size_t i = 0; extra && extra[i].name && n < 30; i++)
        opts[n++] = extra[i];
    opts[n] = (struct option){NULL, 0, NULL, 0};
    while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            out->config = optarg;
            break;
        case 'n':
            out->check_only = true;
            break;
        case 'v':
            out->verbose++;
            break;
        case 'h':
            s_usage(stdout, name, usage);
            exit(0);
        default:
            if (fn && c != '?' && fn(c, optarg, ctx) == 0)
                break;
            s_usage(stderr, name, usage);
            exit(EX_USAGE);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", name, argv[optind]);
        s_usage(stderr, name, usage);
        exit(EX_USAGE);
    }
}

static hubconf_t *s_load(const daemon_args_t *a, bool fatal)
{
    diag_t d = DIAG_INIT;
    char *path = a->config ? xstrdup(a->config) : hubconf_find();
    hubconf_t *c;
    if (!path) {
        if (fatal) {
            fprintf(stderr,
                    "%s: no configuration found: give -c FILE or set "
                    "CARERHUB_CONFIG\n",
                    a->name);
            exit(EX_CONFIG);
        }
        log_error("reload: no configuration file found; keeping the current one");
        return NULL;
    }
    c = hubconf_load(path, &d);
    free(path);
    if (!c) {
        for (size_t i = 0; i < d.n; i++) {
            if (fatal)
                fprintf(stderr, "%s\n", d.msgs[i]);
            else
                log_error("reload: %s", d.msgs[i]);
        }
        diag_free(&d);
        if (fatal)
            exit(EX_CONFIG);
        log_error("reload: configuration has problems; keeping the current one");
        return NULL;
    }
    {
        int level = c->log_level + a->verbose;
        log_set_level(level > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : level);
    }
    return c;
}

hubconf_t *daemon_load_conf(const daemon_args_t *a)
{
    return s_load(a, true);
}

hubconf_t *daemon_reload_conf(const daemon_args_t *a, const hubconf_t *current)
{
    (void)current;
    return s_load(a, false);
}

static void s_on_stop(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void s_on_hup(int sig)
{
    (void)sig;
    s_reload = 1;
}

void daemon_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = s_on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = s_on_hup;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    umask(077);
}

bool daemon_stopping(void)
{
    return s_stop != 0;
}

bool daemon_take_reload(void)
{
    if (!s_reload)
        return false;
    s_reload = 0;
    return true;
}

void *daemon_zmq(void)
{
    if (!s_ctx) {
        s_ctx = zmq_ctx_new();
        if (!s_ctx)
            log_fatal("cannot create the ZeroMQ context");
        /* Signals are handled by flags; let blocking calls return EINTR. */
        zmq_ctx_set(s_ctx, ZMQ_BLOCKY, 0);
    }
    return s_ctx;
}

void *daemon_socket(int type)
{
    void *s = zmq_socket(daemon_zmq(), type);
    if (!s)
        log_fatal("cannot create a ZeroMQ socket");
    if (wire_socket_defaults(s) < 0)
        log_fatal("cannot set socket options");
    return s;
}

void daemon_bind(void *sock, const char *endpoint)
{
    if (zmq_bind(sock, endpoint) < 0)
        log_fatalx("cannot listen on %s: %s", endpoint, zmq_strerror(zmq_errno()));
}

void daemon_connect(void *sock, const char *endpoint)
{
    if (zmq_connect(sock, endpoint) < 0)
        log_fatalx("cannot connect to %s: %s", endpoint, zmq_strerror(zmq_errno()));
}

void daemon_zmq_term(void)
{
    if (s_ctx) {
        zmq_ctx_term(s_ctx);
        s_ctx = NULL;
    }
}

void daemon_lock(const char *dir)
{
    char *path = xasprintf("%s/lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        log_fatal("cannot open %s", path);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            log_fatalx("another process is already using %s", dir);
        log_fatal("cannot lock %s", path);
    }
    /* The descriptor stays open, and the lock held, until the process ends. */
    free(path);
}

char *daemon_data_dir(const hubconf_t *conf, const char *name)
{
    char *dir = hubconf_data_path(conf, name);
    if (file_private_dir(dir) < 0)
        log_fatal("cannot create %s", dir);
    daemon_lock(dir);
    return dir;
}

void daemon_check_done(const daemon_args_t *a)
{
    if (!a->check_only)
        return;
    printf("configuration OK\n");
    exit(0);
}

route_t *daemon_load_routing(const hubconf_t *conf)
{
    diag_t d = DIAG_INIT;
    route_t *rt = route_load(conf->routing, &d);
    for (size_t i = 0; i < d.n; i++)
        log_error("%s", d.msgs[i]);
    diag_free(&d);
    return rt;
}

void daemon_open_pcdb(const hubconf_t *conf, pcdb_t **db)
{
    char *dir = hubconf_data_path(conf, "postcodes");
    pcdb_close(db);
    *db = pcdb_open(dir, false);
    if (*db)
        log_info("postcode unit table: %lu postcodes", pcdb_count(*db));
    free(dir);
}

hubconf_t *daemon_reload_routed(const daemon_args_t *a, const hubconf_t *current, route_t **rt)
{
    hubconf_t *c = daemon_reload_conf(a, current);
    if (!c)
        return NULL;
    if (!(*rt = daemon_load_routing(c))) {
        log_error("reload: routing has problems; keeping the current configuration");
        hubconf_destroy(&c);
    }
    return c;
}
