/*
 * End-to-end benchmark: N synthetic GP referrals submitted to a running hub
 * (GP intake -> router -> provider agents, every hop fully durable), as a
 * GP practice system would: many submissions in flight on one connection.
 * Prints accepted referrals per second with p50/p99/max submit-to-accepted
 * latency, and delivered referrals per second (until the last case file
 * appears in the provider spools).
 *
 *   bench_pipeline CONFIG PROVIDERS_DIR N [WINDOW]
 *
 * With PROVIDERS_DIR "-", only acceptance and routing are measured.
 *
 *   bench_pipeline --drain PROVIDERS_DIR N COMMAND...
 *
 * runs COMMAND (which starts the provider agents) and measures how fast
 * N case files appear: the agents alone, emptying the router's outbox.
 *
 *   bench_pipeline --spool DIR N PROCS
 *
 * writes N case files through the provider agent's own spool code, from
 * PROCS processes at once (one spool each, under DIR), with no hub and no
 * network: what durable case files alone cost on this machine, the most
 * the agents could ever do here.
 *
 *   bench_pipeline --rate R --seconds S CONFIG
 *
 * offers R referrals a second for S seconds on one connection, open loop
 * (each sent when due, whatever has been answered), and prints
 * submit-to-accepted latency from each one's scheduled time: what a
 * person at a practice waits at a steady load.
 */
#include "../../services/provider/provider.h"
#include "clnt/clnt.h"
#include "conf/hubconf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "wire/wire.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static const char *s_postcodes[] = {"CM2 0AA", "CM16 4AA", "CO1 1AA", "SS14 1AA", "CB11 3AA",
                                    "SS1 1AA", "CO15 1AA", "CM0 7AA", "SS8 0AA",  "CM1 1AA"};

typedef struct {
    Carerhub__Referral r;
    Carerhub__Referrer referrer;
    Carerhub__Carer carer;
    Carerhub__CaredFor cared_for;
    Carerhub__Consent consent;
    Carerhub__GpPart gp;
    char family[32], practice[8], token[40];
} s_card_t;

static char *s_conditions[] = {(char *)"dementia", (char *)"frailty"};

static void s_card(s_card_t *c, size_t i, unsigned run)
{
    carerhub__referral__init(&c->r);
    carerhub__referrer__init(&c->referrer);
    carerhub__carer__init(&c->carer);
    carerhub__cared_for__init(&c->cared_for);
    carerhub__consent__init(&c->consent);
    carerhub__gp_part__init(&c->gp);
    snprintf(c->family, sizeof c->family, "Bench%u-%zu", run, i);
    snprintf(c->practice, sizeof c->practice, "F8100%zu", i % 5 + 1);
    snprintf(c->token, sizeof c->token, "bench-%u-%zu", run, i);
    c->referrer.name = (char *)"Bench Referrer";
    c->referrer.phone = (char *)"01245 000000";
    c->carer.given_name = (char *)"Alex";
    c->carer.family_name = c->family;
    c->carer.date_of_birth = (char *)"1965-03-04";
    c->carer.postcode = (char *)s_postcodes[i % 10];
    c->carer.phone = (char *)"07700 900123";
    c->carer.address = (char *)"1 High Street";
    c->cared_for.relationship = (char *)"mother";
    c->cared_for.n_conditions = 2;
    c->cared_for.conditions = s_conditions;
    c->consent.has_share_with_support_service = true;
    c->consent.share_with_support_service = true;
    c->consent.given_by = (char *)"carer";
    c->consent.date = (char *)"2026-01-01";
    c->gp.practice = c->practice;
    c->r.referrer = &c->referrer;
    c->r.carer = &c->carer;
    c->r.cared_for = &c->cared_for;
    c->r.consent = &c->consent;
    c->r.gp = &c->gp;
}

static size_t s_count_files(const char *dir)
{
    DIR *top = opendir(dir);
    struct dirent *p;
    size_t n = 0;
    if (!top)
        return 0;
    while ((p = readdir(top)) != NULL) {
        char path[4096];
        DIR *d;
        struct dirent *f;
        if (p->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, p->d_name);
        if (!(d = opendir(path)))
            continue;
        while ((f = readdir(d)) != NULL) {
            size_t len = strlen(f->d_name);
            if (len > 5 && strcmp(f->d_name + len - 5, ".json") == 0)
                n++;
        }
        closedir(d);
    }
    closedir(top);
    return n;
}

/* Case files as they appear: inotify on every provider's spool, so that
 * counting them costs nothing while the hub works. On an event queue
 * overflow, counting falls back to reading the directories. */
typedef struct {
    int fd;
    size_t files;
    bool lost;
} s_watch_t;

static void s_watch_dir(s_watch_t *w, const char *path)
{
    if (inotify_add_watch(w->fd, path, IN_MOVED_TO | IN_ONLYDIR) < 0)
        w->lost = true;
}

static void s_watch_open(s_watch_t *w, const char *dir)
{
    DIR *top;
    struct dirent *p;
    w->files = 0;
    w->lost = false;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0 || inotify_add_watch(w->fd, dir, IN_CREATE | IN_ONLYDIR) < 0 ||
        !(top = opendir(dir))) {
        w->lost = true;
        return;
    }
    while ((p = readdir(top)) != NULL) {
        char path[4096];
        if (p->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, p->d_name);
        s_watch_dir(w, path);
    }
    closedir(top);
}

/* Reads what inotify has; a new provider directory gets a watch too. */
static void s_watch_drain(s_watch_t *w, const char *dir)
{
    char ev[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t got;
    while (w->fd >= 0 && (got = read(w->fd, ev, sizeof ev)) > 0) {
        for (char *q = ev; q < ev + got;) {
            const struct inotify_event *e = (const struct inotify_event *)q;
            size_t len = e->len ? strlen(e->name) : 0;
            if (e->mask & IN_Q_OVERFLOW)
                w->lost = true;
            else if ((e->mask & IN_CREATE) && (e->mask & IN_ISDIR) && len) {
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", dir, e->name);
                s_watch_dir(w, path);
            } else if ((e->mask & IN_MOVED_TO) && len > 5 &&
                       strcmp(e->name + len - 5, ".json") == 0)
                w->files++;
            q += sizeof *e + e->len;
        }
    }
}

/* The router's count of referrals taken, or -1 if it does not answer. */
static clnt_keys_t s_operator;

/* Reads keys_dir/<name>.key and keys_dir/<server>.pub, or exits. */
static void s_keys(const hubconf_t *conf, const char *name, const char *server, clnt_keys_t *k)
{
    char err[512], path[4096];
    snprintf(path, sizeof path, "%s/%s.key", conf->security.keys_dir, name);
    if (curve_load_secret(path, &k->me, err, sizeof err) == 0) {
        snprintf(path, sizeof path, "%s/%s.pub", conf->security.keys_dir, server);
        if (curve_load_public(path, k->server, err, sizeof err) == 0)
            return;
    }
    fprintf(stderr, "bench_pipeline: %s\n", err);
    exit(78);
}

/* A GP practice system's connection to the GP intake (CURVE, the gp key):
 * nothing queued before it is made, no limit on what is in flight. */
static void *s_gp_socket(void *ctx, const hubconf_t *conf)
{
    clnt_keys_t keys;
    int one = 1, hwm = 0;
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    s_keys(conf, "gp", "gp-intake", &keys);
    wire_socket_defaults(sock);
    zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    curve_client(sock, &keys.me, keys.server);
    if (zmq_connect(sock, conf->gp_intake.endpoint) < 0) {
        fprintf(stderr, "bench_pipeline: cannot connect to %s\n", conf->gp_intake.endpoint);
        exit(69);
    }
    return sock;
}

static long long s_routed(void *ctx, const char *endpoint)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__StatsQuery q = CARERHUB__STATS_QUERY__INIT;
    long long n = -1;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATS_QUERY;
    env.stats_query = &q;
    rep = clnt_call(ctx, endpoint, &s_operator, &env, 2000, 1000);
    if (!rep)
        return -1;
    if (rep->body_case == CARERHUB__ENVELOPE__BODY_STATS_REPLY) {
        n = 0;
        for (size_t i = 0; i < rep->stats_reply->n_counts; i++)
            if (strcmp(rep->stats_reply->counts[i]->key, "referrals") == 0)
                n = (long long)rep->stats_reply->counts[i]->value;
    }
    carerhub__envelope__free_unpacked(rep, NULL);
    return n;
}

static int s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The machine's busy time so far, in clock ticks (as the run script reads it). */
static long long s_machine_ticks(void)
{
    long long user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    if (fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld", &user, &nice, &sys, &idle, &iowait,
               &irq, &softirq) != 7)
        user = -1;
    fclose(f);
    return user < 0 ? -1 : user + nice + sys + irq + softirq;
}

/* One --spool process: n case files, in batches as an agent takes them. */
static int s_spool_one(const char *dir, const char *provider, size_t n, unsigned run)
{
    enum { BATCH = 500 };
    static s_card_t cards[BATCH];
    static Carerhub__Case cases[BATCH];
    static Carerhub__Delivery dels[BATCH];
    static Carerhub__Referral *refs[BATCH];
    static Carerhub__Delivery *ds[BATCH];
    static char ids[BATCH][2][40];
    static bool stored[BATCH];
    static char *lad[] = {(char *)"E07000072"};
    spool_t *sp = spool_open(dir);
    size_t done = 0;

    if (!sp)
        return 1;
    while (done < n) {
        size_t m = n - done < BATCH ? n - done : BATCH, written = 0;
        for (size_t i = 0; i < m; i++) {
            size_t k = done + i;
            s_card(&cards[i], k, run);
            snprintf(ids[i][0], sizeof ids[i][0], "GP-%s-%zu", provider, k);
            snprintf(ids[i][1], sizeof ids[i][1], "C-%s-%06zu", provider, k);
            cards[i].r.id = ids[i][0];
            cards[i].r.has_source = true;
            cards[i].r.source = CARERHUB__SOURCE__GP;
            cards[i].r.has_received_at = true;
            cards[i].r.received_at = clock_now_ms();
            cards[i].r.referral_date = (char *)"2026-11-23";
            cards[i].r.submitted_by = (char *)"gp";
            refs[i] = &cards[i].r;
            carerhub__case__init(&cases[i]);
            cases[i].case_id = ids[i][1];
            cases[i].provider = (char *)provider;
            cases[i].provider_name = (char *)"Bench Carers Support";
            cases[i].rule = (char *)"west-essex";
            cases[i].reason = (char *)"CM16 4AA is in Epping Forest (E07000072), going by postcode "
                                      "district CM16; the carer is 61 on the day of referral. Rule "
                                      "west-essex: Bench Carers Support delivers the carers offer "
                                      "in West Essex.";
            cases[i].lad = lad[0];
            cases[i].lad_name = (char *)"Epping Forest";
            cases[i].n_candidates = 1;
            cases[i].candidates = lad;
            cases[i].has_opened_at = cases[i].has_updated_at = true;
            cases[i].opened_at = cases[i].updated_at = cards[i].r.received_at;
            cases[i].n_referrals = 1;
            cases[i].referrals = &refs[i];
            carerhub__delivery__init(&dels[i]);
            dels[i].has_delivery_id = true;
            dels[i].delivery_id = k + 1;
            dels[i].kind = (char *)"new";
            dels[i].referral_id = ids[i][0];
            dels[i].case_ = &cases[i];
            ds[i] = &dels[i];
        }
        if (spool_write(sp, ds, m, stored, &written) != 0 || written != m) {
            fprintf(stderr, "bench_pipeline: %s: wrote %zu of %zu case files\n", dir, written, m);
            spool_close(&sp);
            return 1;
        }
        done += m;
    }
    spool_close(&sp);
    return 0;
}

/* --spool: case files alone, from procs processes at once. */
static int s_spool(const char *dir, size_t n, int procs)
{
    unsigned run = (unsigned)(clock_now_ms() % 1000000);
    long long ticks0 = s_machine_ticks(), ticks1;
    double hz = (double)sysconf(_SC_CLK_TCK), secs, cpu, user, sys;
    int64_t start = clock_mono_us();
    int failed = 0, status;
    struct rusage ru;

    log_init("bench_pipeline");
    if (procs < 1 || n == 0 || (mkdir(dir, 0700) < 0 && errno != EEXIST)) {
        fprintf(stderr, "bench_pipeline: --spool %s: cannot start\n", dir);
        return 1;
    }
    for (int p = 0; p < procs; p++) {
        pid_t pid = fork();
        if (pid == 0) {
            char sub[4096], provider[16];
            snprintf(provider, sizeof provider, "p%d", p);
            snprintf(sub, sizeof sub, "%s/%s", dir, provider);
            _exit(s_spool_one(sub, provider, n / (size_t)procs + ((size_t)p < n % (size_t)procs),
                              run));
        }
        if (pid < 0)
            failed++;
    }
    while (wait(&status) > 0)
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    secs = (double)(clock_mono_us() - start) / 1e6;
    ticks1 = s_machine_ticks();
    getrusage(RUSAGE_CHILDREN, &ru);
    user = (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec;
    sys = (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
    cpu = (double)(ticks1 - ticks0) / hz * 1e6;
    if (failed) {
        fprintf(stderr, "bench_pipeline: %d spool process(es) failed\n", failed);
        return 1;
    }
    printf("spool: %zu case files from %d processes at once, %.0f files/s\n", n, procs,
           (double)n / secs);
    printf("spool: CPU per file: the processes %.0f us (user %.0f, system %.0f); whole machine "
           "%.0f us\n",
           (user + sys) / (double)n, user / (double)n, sys / (double)n,
           ticks0 < 0 || ticks1 < 0 ? 0.0 : cpu / (double)n);
    return 0;
}

/* --drain: the agents alone. */
static int s_drain(const char *dir, size_t n, char **cmd)
{
    s_watch_t watch;
    int64_t start, end;
    size_t files = 0;
    pid_t pid;
    int status;

    s_watch_open(&watch, dir);
    start = clock_mono_us();
    if ((pid = fork()) == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        execvp(cmd[0], cmd);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_pipeline: %s failed\n", cmd[0]);
        return 1;
    }
    while (files < n && clock_mono_us() - start < 600 * 1000000LL) {
        struct pollfd pfd = {watch.fd, POLLIN, 0};
        s_watch_drain(&watch, dir);
        if (watch.lost) {
            fprintf(stderr, "bench_pipeline: inotify lost events; cannot time the agents\n");
            return 1;
        }
        files = watch.files;
        poll(&pfd, 1, 100);
    }
    end = clock_mono_us();
    printf("agents: %zu of %zu case files written, %.0f files/s (from starting the agents)\n",
           files, n, (double)files / ((double)(end - start) / 1e6));
    close(watch.fd);
    return files >= n ? 0 : 1;
}

/* The nearest-rank p-th percentile of n sorted values, in ms. */
static double s_pct(const int64_t *v, size_t n, double p)
{
    size_t k = (size_t)((double)n * p / 100 + 0.999999);
    return (double)v[k > 0 ? k - 1 : 0] / 1000;
}

/* When referral i (from 0) falls due, at rate a second from start. */
static int64_t s_due(int64_t start, size_t i, double rate)
{
    return start + (int64_t)((double)i * 1e6 / rate);
}

/* --rate: open loop. Referral i is sent at start + i / rate seconds,
 * whatever has been answered by then, and its latency runs from that
 * time, so a stall of the hub (or of this client) is charged to every
 * referral that fell due while it lasted. Waits are on the socket's file
 * descriptor with a microsecond timeout (zmq_poll's is milliseconds: at
 * 1,000 a second that alone would send up to a whole interval late). */
static int s_rate(const char *config, double rate, double secs)
{
    diag_t d = DIAG_INIT;
    hubconf_t *conf = hubconf_load(config, &d);
    size_t n = (size_t)(rate * secs), sent = 0, done = 0, rejected = 0, over = 0;
    unsigned run = (unsigned)(clock_now_ms() % 1000000);
    int64_t *lat_us, *late_us, start, deadline;
    s_card_t *cards;
    void *ctx, *sock;
    int fd;
    size_t fdlen = sizeof fd;

    if (!conf) {
        diag_print(&d, stderr);
        return 78;
    }
    if (n == 0) {
        fprintf(stderr, "bench_pipeline: --rate and --seconds make no referrals\n");
        return 64;
    }
    log_init("bench_pipeline");
    prctl(PR_SET_TIMERSLACK, 1UL); /* wake on time, not up to 50 us after */
    cards = xcalloc(n, sizeof *cards);
    lat_us = xcalloc(n, sizeof *lat_us);
    late_us = xcalloc(n, sizeof *late_us);
    for (size_t i = 0; i < n; i++)
        s_card(&cards[i], i, run);
    ctx = zmq_ctx_new();
    sock = s_gp_socket(ctx, conf);
    zmq_getsockopt(sock, ZMQ_FD, &fd, &fdlen);
    /* The clock starts once the connection (and its handshake) is made. */
    {
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLOUT, 0};
        if (zmq_poll(&item, 1, 10000) != 1) {
            fprintf(stderr, "bench_pipeline: no connection to %s in 10 s\n",
                    conf->gp_intake.endpoint);
            return 69;
        }
    }
    start = clock_mono_us();
    deadline = start + (int64_t)(secs * 1e6) + 60 * 1000000LL;
    while (done < n && clock_mono_us() < deadline) {
        int64_t now = clock_mono_us(), due;
        int events = 0;
        size_t elen = sizeof events;
        while (sent < n && (due = s_due(start, sent, rate)) <= now) {
            if (intake_clnt_submit(sock, sent + 1, cards[sent].token, &cards[sent].r) < 0) {
                fprintf(stderr, "bench_pipeline: cannot send: %s\n", zmq_strerror(zmq_errno()));
                return 1;
            }
            late_us[sent++] = clock_mono_us() - due;
        }
        for (;;) {
            Carerhub__Envelope *env = NULL;
            if (wire_recv(sock, false, NULL, &env, ZMQ_DONTWAIT) != WIRE_OK)
                break;
            now = clock_mono_us();
            if (env->has_corr && env->corr >= 1 && env->corr <= sent &&
                env->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY &&
                lat_us[env->corr - 1] == 0) {
                lat_us[env->corr - 1] = now - s_due(start, env->corr - 1, rate);
                if (env->submit_reply->status != CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED)
                    rejected++;
                done++;
            }
            carerhub__envelope__free_unpacked(env, NULL);
        }
        /* ZMQ_FD only says that something changed: block only when the
         * socket has nothing to read. */
        zmq_getsockopt(sock, ZMQ_EVENTS, &events, &elen);
        if (events & ZMQ_POLLIN)
            continue;
        now = clock_mono_us();
        due = sent < n ? s_due(start, sent, rate) : now + 100000;
        if (due > now) {
            struct pollfd pfd = {fd, POLLIN, 0};
            struct timespec ts = {(due - now) / 1000000, (due - now) % 1000000 * 1000};
            ppoll(&pfd, 1, &ts, NULL);
        }
    }
    if (done < n || rejected) {
        fprintf(stderr, "bench_pipeline: %zu of %zu answered, %zu not accepted\n", done, n,
                rejected);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        over += lat_us[i] >= 5000;
    qsort(lat_us, n, sizeof *lat_us, s_cmp);
    qsort(late_us, n, sizeof *late_us, s_cmp);
    printf("latency: %zu referrals offered at %.0f a second for %.0f s, open loop, one "
           "connection\n",
           n, rate, secs);
    printf("latency: submit-to-accepted from each one's scheduled time: p50 %.2f ms, p99 %.2f ms, "
           "p99.9 %.2f ms, max %.2f ms; %zu (%.2f%%) took 5 ms or more\n",
           s_pct(lat_us, n, 50), s_pct(lat_us, n, 99), s_pct(lat_us, n, 99.9),
           (double)lat_us[n - 1] / 1000, over, 100.0 * (double)over / (double)n);
    printf("latency: this client sent late by p99 %.3f ms, max %.3f ms (counted in the above)\n",
           s_pct(late_us, n, 99), (double)late_us[n - 1] / 1000);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    hubconf_destroy(&conf);
    free(cards);
    free(lat_us);
    free(late_us);
    return 0;
}

int main(int argc, char **argv)
{
    diag_t d = DIAG_INIT;
    hubconf_t *conf;
    size_t n, window, sent = 0, done = 0, rejected = 0, before, files;
    s_card_t *cards;
    int64_t *sent_us, *lat_us, start, accepted_end, routed_end = 0, end;
    long long routed0, routed = 0;
    void *ctx, *sock;
    unsigned run = (unsigned)(clock_now_ms() % 1000000);
    s_watch_t watch = {-1, 0, true};

    if (argc == 5 && strcmp(argv[1], "--spool") == 0)
        return s_spool(argv[2], strtoul(argv[3], NULL, 10), atoi(argv[4]));
    if (argc >= 5 && strcmp(argv[1], "--drain") == 0)
        return s_drain(argv[2], strtoul(argv[3], NULL, 10), argv + 4);
    if (argc == 6 && strcmp(argv[1], "--rate") == 0 && strcmp(argv[3], "--seconds") == 0)
        return s_rate(argv[5], strtod(argv[2], NULL), strtod(argv[4], NULL));
    if (argc < 4) {
        fprintf(stderr, "usage: bench_pipeline CONFIG PROVIDERS_DIR N [WINDOW]\n"
                        "       bench_pipeline --drain PROVIDERS_DIR N COMMAND...\n"
                        "       bench_pipeline --spool DIR N PROCS\n"
                        "       bench_pipeline --rate R --seconds S CONFIG\n");
        return 64;
    }
    log_init("bench_pipeline");
    conf = hubconf_load(argv[1], &d);
    if (!conf) {
        diag_print(&d, stderr);
        return 78;
    }
    n = strtoul(argv[3], NULL, 10);
    window = argc > 4 ? strtoul(argv[4], NULL, 10) : 4000;
    cards = xcalloc(n, sizeof *cards);
    sent_us = xcalloc(n, sizeof *sent_us);
    lat_us = xcalloc(n, sizeof *lat_us);
    for (size_t i = 0; i < n; i++)
        s_card(&cards[i], i, run);
    before = strcmp(argv[2], "-") ? s_count_files(argv[2]) : 0;
    if (strcmp(argv[2], "-") != 0)
        s_watch_open(&watch, argv[2]);
    s_keys(conf, "operator", "router", &s_operator);
    ctx = zmq_ctx_new();
    routed0 = s_routed(ctx, conf->router.control_endpoint);

    sock = s_gp_socket(ctx, conf);
    {
        /* The clock starts once the CURVE connection is up (the socket is
         * writable, ZMQ_IMMEDIATE): a first send before it fails, and the
         * poll below would then sit out its whole second. */
        zmq_pollitem_t out = {sock, 0, ZMQ_POLLOUT, 0};
        if (zmq_poll(&out, 1, 10000) != 1) {
            fprintf(stderr, "bench_pipeline: no connection to the GP intake in 10 s\n");
            return 1;
        }
    }
    start = clock_mono_us();
    while (done < n) {
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        while (sent < n && sent - done < window) {
            if (intake_clnt_submit(sock, sent + 1, cards[sent].token, &cards[sent].r) < 0)
                break;
            sent_us[sent++] = clock_mono_us();
        }
        if (zmq_poll(&item, 1, 1000) < 0)
            break;
        s_watch_drain(&watch, argv[2]);
        for (;;) {
            Carerhub__Envelope *env = NULL;
            if (wire_recv(sock, false, NULL, &env, ZMQ_DONTWAIT) != WIRE_OK)
                break;
            if (env->has_corr && env->corr >= 1 && env->corr <= n &&
                env->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY &&
                lat_us[env->corr - 1] == 0) {
                lat_us[env->corr - 1] = clock_mono_us() - sent_us[env->corr - 1];
                if (env->submit_reply->status != CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED)
                    rejected++;
                done++;
            }
            carerhub__envelope__free_unpacked(env, NULL);
        }
        if (clock_mono_us() - start > 600 * 1000000LL) {
            fprintf(stderr, "bench_pipeline: gave up after 10 minutes (%zu of %zu)\n", done, n);
            return 1;
        }
    }
    accepted_end = clock_mono_us();
    if (rejected) {
        fprintf(stderr, "bench_pipeline: %zu referrals were not accepted\n", rejected);
        return 1;
    }
    /* Taken by the router: committed to the case store. */
    while (routed0 >= 0) {
        long long now_routed = s_routed(ctx, conf->router.control_endpoint);
        if (now_routed >= 0)
            routed = now_routed - routed0;
        if (routed >= (long long)n || clock_mono_us() - start > 600 * 1000000LL)
            break;
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
        s_watch_drain(&watch, argv[2]);
    }
    routed_end = clock_mono_us();
    files = n;
    while (strcmp(argv[2], "-") != 0) {
        struct pollfd pfd = {watch.fd, POLLIN, 0};
        s_watch_drain(&watch, argv[2]);
        files = watch.lost ? s_count_files(argv[2]) - before : watch.files;
        if (files >= n)
            break;
        if (watch.lost) {
            struct timespec ts = {0, 20 * 1000000};
            nanosleep(&ts, NULL);
        } else
            poll(&pfd, 1, 100);
        if (clock_mono_us() - start > 600 * 1000000LL)
            break;
    }
    end = clock_mono_us();
    if (strcmp(argv[2], "-") != 0) /* what is on disk is what counts */
        files = s_count_files(argv[2]) - before;
    qsort(lat_us, n, sizeof *lat_us, s_cmp);
    printf("pipeline: %zu referrals, %zu in flight at most, fully durable at every hop\n", n,
           window);
    printf("pipeline: accepted %.0f referrals/s; submit-to-accepted latency p50 %.1f ms, "
           "p99 %.1f ms, max %.1f ms\n",
           (double)n / ((double)(accepted_end - start) / 1e6), (double)lat_us[n / 2] / 1000,
           (double)lat_us[n * 99 / 100] / 1000, (double)lat_us[n - 1] / 1000);
    if (routed0 >= 0)
        printf("pipeline: routed %lld of %zu, %.0f referrals/s (submit to committed in the case "
               "store)\n",
               routed, n, (double)routed / ((double)(routed_end - start) / 1e6));
    if (strcmp(argv[2], "-") != 0)
        printf("pipeline: delivered %zu of %zu, %.0f referrals/s end to end (submit to case "
               "file; seen by %s)\n",
               files, n, (double)files / ((double)(end - start) / 1e6),
               watch.lost ? "reading the spools" : "inotify");
    {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("pipeline: the benchmark client itself used %.0f us of CPU per referral\n",
               ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e6 / (double)n +
                   ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / (double)n);
    }
    zmq_close(sock);
    zmq_ctx_term(ctx);
    if (watch.fd >= 0)
        close(watch.fd);
    hubconf_destroy(&conf);
    free(cards);
    free(sent_us);
    free(lat_us);
    return files >= n ? 0 : 1;
}
