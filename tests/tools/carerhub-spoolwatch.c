/*
 * carerhub-spoolwatch: sees every case file that appears in provider spool
 * directories, for the fault campaign's "delivered exactly once".
 *
 *   carerhub-spoolwatch KEEP DIR...
 *
 * A case file's name is fixed per case (per referral for an update), so a
 * referral the agent writes a second time replaces its own file and leaves
 * nothing to see afterwards. This watches each DIR with inotify for files
 * renamed or created into place (names ending .json), hard-links each one
 * as it appears to KEEP/<n>.<dir>.<name>, so that what it held then is kept
 * whatever replaces it later, and prints "<n> <dir> <name>" for it (dir is
 * DIR's last component). Every DIR must exist before the daemons start.
 * Runs until SIGTERM or SIGINT, then reads what is already queued and
 * exits: 0, or 1 if events were lost (the queue overflowed) or a file had
 * gone before it could be kept, 64 on bad arguments, 71 if it cannot watch.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static bool s_is_case_file(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && name[0] != '.' && strcmp(name + n - 5, ".json") == 0;
}

/* Reads what is queued on fd; returns false when nothing was. */
static bool s_drain(int fd, char **dirs, int ndirs, int *wds, const char *keep, unsigned long *seq,
                    int *bad)
{
    char ev[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t len = read(fd, ev, sizeof ev);
    if (len <= 0)
        return false;
    for (char *q = ev; q < ev + len;) {
        const struct inotify_event *e = (const struct inotify_event *)q;
        q += sizeof *e + e->len;
        if (e->mask & IN_Q_OVERFLOW) {
            fprintf(stderr, "carerhub-spoolwatch: events lost: the inotify queue overflowed\n");
            *bad = 1;
            continue;
        }
        if (!e->len || !s_is_case_file(e->name))
            continue;
        for (int i = 0; i < ndirs; i++) {
            char from[PATH_MAX], to[PATH_MAX];
            const char *base;
            if (wds[i] != e->wd)
                continue;
            base = strrchr(dirs[i], '/') ? strrchr(dirs[i], '/') + 1 : dirs[i];
            ++*seq;
            snprintf(from, sizeof from, "%s/%s", dirs[i], e->name);
            snprintf(to, sizeof to, "%s/%lu.%s.%s", keep, *seq, base, e->name);
            if (link(from, to) < 0) {
                fprintf(stderr, "carerhub-spoolwatch: cannot keep %s: %s\n", from, strerror(errno));
                *bad = 1;
            }
            printf("%lu %s %s\n", *seq, base, e->name);
            fflush(stdout);
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    int fd, bad = 0, ndirs = argc - 2, *wds;
    unsigned long seq = 0;
    struct stat st;

    if (argc < 3) {
        fprintf(stderr, "usage: carerhub-spoolwatch KEEP DIR...\n");
        return 64;
    }
    if (stat(argv[1], &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "carerhub-spoolwatch: %s is not a directory\n", argv[1]);
        return 64;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal; /* no SA_RESTART: poll returns on a signal */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "carerhub-spoolwatch: inotify: %s\n", strerror(errno));
        return 71;
    }
    wds = calloc((size_t)ndirs, sizeof *wds);
    if (!wds)
        return 71;
    for (int i = 0; i < ndirs; i++) {
        wds[i] = inotify_add_watch(fd, argv[i + 2], IN_MOVED_TO | IN_CREATE | IN_ONLYDIR);
        if (wds[i] < 0) {
            fprintf(stderr, "carerhub-spoolwatch: cannot watch %s: %s\n", argv[i + 2],
                    strerror(errno));
            return 71;
        }
    }
    while (!s_stop) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 1000) > 0)
            s_drain(fd, argv + 2, ndirs, wds, argv[1], &seq, &bad);
    }
    /* Whatever happened before the signal is queued already. */
    while (s_drain(fd, argv + 2, ndirs, wds, argv[1], &seq, &bad))
        ;
    free(wds);
    close(fd);
    return bad;
}
