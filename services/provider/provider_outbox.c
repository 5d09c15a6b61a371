/*
 * The outcomes folder: see provider.h and README "Outcome files".
 *
 * <spool>/outcomes/ is the durable queue. A case system renames a whole file
 * into it; the agent reads it (once while it waits: the file is then "in
 * flight"), and either rejects it at once, or sends its outcome to the
 * router and leaves the file where it is until the router has answered. A
 * recorded outcome's file then moves to sent/, a refused one to rejected/
 * with NAME.error.json beside it (written first, atomically). A kill at any
 * point leaves the file in outcomes/ (or already moved): read again on
 * restart it is the same outcome (the same inode and modification time:
 * the same outcome id and time), which the router records once. So
 * nothing is lost and at worst an outcome is sent twice.
 *
 * Nothing in sent/ or rejected/ is replaced (provider_outbox_file.c). No
 * symlink is followed: only regular files are read, and a file is moved
 * only while it is still the one that was read (the same inode, not
 * written since), so a file the case system replaced or rewrote meanwhile
 * is read again rather than filed unread.
 *
 * The case system may clear sent/ and rejected/, even outcomes/, at any
 * time: the agent holds a handle on each folder and looks (at most every
 * OUTBOX_CHECK_MS, and at once when a file or folder is not found) whether
 * each is still the one at its path. One removed is made again and one
 * replaced opened anew; a move that failed for want of it is tried again
 * at once. The files in flight of an outcomes/ removed or replaced are
 * forgotten and whatever is in the new one is read: a file put back is the
 * same outcome (the router records it once), and nothing recorded is lost.
 */
#include "provider.h"

#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"
#include "wire/wire.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_RETRY_MS 30000 /* a move that failed is tried again after this */
#define S_WARN_MS  60000 /* files left alone are said at most this often */

/* F_HOLD: could not be read; forgotten at due, to be read again. */
enum { F_SEND, F_TO_SENT, F_TO_REJECTED, F_HOLD, F_DONE };

/* A file read and not yet moved. */
typedef struct {
    char *name;
    dev_t dev;
    ino_t ino;
    struct timespec mtim;          /* with ino, what its outcome id was made of */
    char case_id[CASE_ID_MAX + 1]; /* "" if it names none */
    Carerhub__Outcome *o;          /* F_SEND and F_TO_SENT: its outcome */
    ferrs_t errs;                  /* F_TO_REJECTED: what its error file says */
    int state;
    uint64_t corr;  /* the report it went in last, 0: not sent since (re)connecting */
    size_t idx;     /* its place in that report */
    unsigned tries; /* reports it went in */
    int64_t due;    /* monotonic ms: (re)send, or try the move again */
} s_flight_t;

struct outbox {
    outbox_folders_t fs;
    const char *provider;
    s_flight_t *v;
    size_t n, cap;
    int64_t next_scan, next_warn, resend_ms;
    uint64_t corr0, corr; /* the first report number of this run, the last one */
    unsigned long moved_sent, moved_rejected;
};

static void s_flight_free(s_flight_t *f)
{
    free(f->name);
    provider_outcome_free(&f->o);
    ferrs_free(&f->errs);
    f->name = NULL;
    f->state = F_DONE;
}

/* Removes the flights that are done. */
static void s_compact(outbox_t *ob)
{
    size_t k = 0;
    for (size_t i = 0; i < ob->n; i++)
        if (ob->v[i].state != F_DONE)
            ob->v[k++] = ob->v[i];
    ob->n = k;
}

static s_flight_t *s_find(outbox_t *ob, const char *name)
{
    for (size_t i = 0; i < ob->n; i++)
        if (ob->v[i].state != F_DONE && strcmp(ob->v[i].name, name) == 0)
            return &ob->v[i];
    return NULL;
}

/* Whether outcomes/NAME is still the file that was read: the same inode,
 * not written since. */
static bool s_still_there(outbox_t *ob, const s_flight_t *f)
{
    struct stat st;
    return fstatat(ob->fs.dir.fd, f->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
           st.st_dev == f->dev && st.st_ino == f->ino && st.st_mtim.tv_sec == f->mtim.tv_sec &&
           st.st_mtim.tv_nsec == f->mtim.tv_nsec;
}

/* The errors as "field code, field code" for the log (never a message: it
 * may quote the file). */
static void s_codes(const ferrs_t *errs, char *out, size_t outsz)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < errs->n && len + 1 < outsz; i++)
        len += (size_t)snprintf(out + len, outsz - len, "%s%s %s", i ? ", " : "", errs->v[i].field,
                                errs->v[i].code);
}

/* Looks at the folders (at most every OUTBOX_CHECK_MS unless now). The
 * flights of an outcomes/ removed or replaced are forgotten: their files
 * are not in the folder there now, and what is in it is read afresh. Files
 * whose move failed for want of a folder are moved as soon as it is open
 * again. Returns true when outcomes/ was replaced (every flight done). */
static bool s_folders(outbox_t *ob, bool now)
{
    int changed = outbox_folders_check(&ob->fs, now);
    size_t n = 0;
    for (size_t i = 0; i < ob->n; i++) {
        s_flight_t *f = &ob->v[i];
        if (f->state == F_DONE)
            continue;
        if (changed & OUTBOX_DIR_NEW) {
            s_flight_free(f);
            n++;
        } else if ((changed & OUTBOX_SUB_NEW) &&
                   (f->state == F_TO_SENT || f->state == F_TO_REJECTED)) {
            f->due = 0;
        }
    }
    if (n > 0)
        log_info("%zu outcome file(s) read from %s before it was removed or replaced, not yet "
                 "filed, are forgotten; whatever is in the folder now is read afresh",
                 n, ob->fs.dir.path);
    return changed & OUTBOX_DIR_NEW;
}

/* Whether flight f's file is no longer the one read (f is then done: a
 * file there now is read afresh). One not found has the folders looked at
 * at once: when outcomes/ was replaced, every flight is forgotten. */
static bool s_lost(outbox_t *ob, s_flight_t *f, const char *before)
{
    if (s_still_there(ob, f))
        return false;
    if (s_folders(ob, true) || f->state == F_DONE)
        return true;
    log_warn("outcome file %s (case %s) was removed, replaced or written again before %s; a "
             "file there now is read afresh",
             f->name, f->case_id[0] ? f->case_id : "unknown", before);
    s_flight_free(f);
    return true;
}

/* Moves a flight's file where it goes; a failure is tried again later. */
static void s_finish(outbox_t *ob, s_flight_t *f)
{
    bool rejected = f->state == F_TO_REJECTED;
    outbox_folder_t *to = rejected ? &ob->fs.rej : &ob->fs.sent;
    char final[OUTBOX_NAME_MAX + 16], codes[400];
    buf_t doc = BUF_INIT;
    int rc = -1, e = 0;

    if (s_lost(ob, f, "it was filed"))
        return;
    if (rejected)
        provider_outcome_error_json(f->name, clock_now_ms(), &f->errs, &doc);
    for (int tries = 0; to->fd >= 0; tries++) {
        rc = outbox_file_away(ob->fs.dir.fd, f->name, to->fd, rejected ? &doc : NULL, final,
                              sizeof final);
        e = errno;
        /* Not found (the folder it goes to, say, was removed): the folders
         * are looked at at once and the move tried again. */
        if (rc == 0 || e != ENOENT || tries > 0 || s_folders(ob, true) ||
            s_lost(ob, f, "it was filed"))
            break;
    }
    buf_free(&doc);
    if (f->state == F_DONE)
        return;
    if (rc < 0 && to->fd < 0) {
        /* That folder cannot be opened now (said): moved once it is. */
        f->due = ob->fs.next_check;
        return;
    }
    if (rc < 0) {
        log_error("cannot move %s/%s to %s/: %s; trying again in %d s", ob->fs.dir.path, f->name,
                  rejected ? "rejected" : "sent", strerror(e), S_RETRY_MS / 1000);
        f->due = clock_mono_ms() + S_RETRY_MS;
        return;
    }
    if (rejected) {
        s_codes(&f->errs, codes, sizeof codes);
        log_warn("outcome file %s (case %s) rejected: %s; see %s/%s.error.json", f->name,
                 f->case_id[0] ? f->case_id : "unknown", codes, ob->fs.rej.path, final);
        ob->moved_rejected++;
    } else {
        log_debug("outcome file %s (case %s): moved to %s/%s", f->name, f->case_id,
                  ob->fs.sent.path, final);
        ob->moved_sent++;
    }
    s_flight_free(f);
}

static s_flight_t *s_add(outbox_t *ob, const char *name, const struct stat *st)
{
    s_flight_t *f;
    ob->v = xgrow(ob->v, &ob->cap, ob->n + 1, sizeof *ob->v);
    f = &ob->v[ob->n++];
    memset(f, 0, sizeof *f);
    f->name = xstrdup(name);
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->mtim = st->st_mtim;
    return f;
}

/* Reads outcomes/NAME: into flight to send, or rejected at once. */
static void s_take(outbox_t *ob, const char *name)
{
    int fd = openat(ob->fs.dir.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    char *data;
    size_t len;
    struct stat st;
    provider_file_t file;
    s_flight_t *f;
    int rc;

    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        /* Gone since listed, or not a file: not this agent's to move. */
        if (fd >= 0)
            close(fd);
        return;
    }
    rc = outbox_file_read(fd, &st, &data, &len);
    close(fd);
    f = s_add(ob, name, &st);
    if (rc < 0) {
        log_error("cannot read %s/%s: %s; trying again in %d s", ob->fs.dir.path, name,
                  strerror(errno), S_RETRY_MS / 1000);
        f->state = F_HOLD;
        f->due = clock_mono_ms() + S_RETRY_MS;
        return;
    }
    provider_file_of(&file, name, data, len, &st);
    f->o = provider_outcome_read(ob->provider, &file, clock_now_ms(), f->case_id, &f->errs);
    free(data);
    if (f->o) {
        f->state = F_SEND;
        log_info("outcome file %s (case %s, %s): read, to send", name, f->case_id, f->o->status);
    } else {
        f->state = F_TO_REJECTED;
        s_finish(ob, f);
    }
}

/* Lists outcomes/ (the folder held, so that what is listed is what is
 * read): the first new files in name order, read. */
static void s_scan(outbox_t *ob)
{
    char *pick[OUTBOX_PASS_MAX];
    size_t npick = 0, room = OUTBOX_FLIGHT_MAX > ob->n ? OUTBOX_FLIGHT_MAX - ob->n : 0;
    unsigned long long_names = 0, not_files = 0;
    int fd =
        ob->fs.dir.fd < 0 ? -1 : openat(ob->fs.dir.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);
    struct dirent *de;

    if (!dir) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        /* Not open (said when the folders were looked at), or gone: then
         * they are looked at at once. */
        if (ob->fs.dir.fd >= 0 && (e != ENOENT || !s_folders(ob, true)))
            outbox_folder_say(&ob->fs.dir, true, "cannot list %s: %s", ob->fs.dir.path,
                              strerror(e));
        return;
    }
    if (room > OUTBOX_PASS_MAX)
        room = OUTBOX_PASS_MAX;
    while ((de = readdir(dir)) != NULL) {
        struct stat st;
        if (!outbox_file_candidate(de->d_name))
            continue;
        if (de->d_type == DT_UNKNOWN &&
            fstatat(ob->fs.dir.fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            de->d_type = S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
        if (de->d_type != DT_REG) {
            not_files++;
        } else if (strlen(de->d_name) > OUTBOX_NAME_MAX) {
            long_names++;
        } else if (!s_find(ob, de->d_name)) {
            outbox_file_pick(pick, &npick, room, de->d_name);
        }
    }
    closedir(dir);
    if ((long_names || not_files) && clock_mono_ms() >= ob->next_warn) {
        log_warn("%s: left alone: %lu name(s) ending in .json that are not regular files "
                 "(symlinks are never followed), %lu file name(s) longer than %d bytes",
                 ob->fs.dir.path, not_files, long_names, OUTBOX_NAME_MAX);
        ob->next_warn = clock_mono_ms() + S_WARN_MS;
    }
    for (size_t i = 0; i < npick; i++) {
        s_take(ob, pick[i]);
        free(pick[i]);
    }
}

/* Sends what is due in reports of at most WIRE_OUTCOMES_MAX. */
static void s_send(outbox_t *ob, void *sock, int64_t now)
{
    Carerhub__Outcome *os[WIRE_OUTCOMES_MAX];
    s_flight_t *fs[WIRE_OUTCOMES_MAX];
    size_t i = 0;
    while (i < ob->n) {
        size_t n = 0;
        for (; i < ob->n && n < WIRE_OUTCOMES_MAX; i++) {
            s_flight_t *f = &ob->v[i];
            if (f->state != F_SEND || f->due > now)
                continue;
            if (f->corr && s_lost(ob, f, "the router answered")) {
                /* outcomes/ was replaced: every flight, those of this
                 * report too, is forgotten. */
                if (n > 0 && fs[0]->state == F_DONE)
                    return;
                continue;
            }
            os[n] = f->o;
            fs[n++] = f;
        }
        if (n == 0)
            break;
        if (router_clnt_outcome_report(sock, ++ob->corr, os, n) < 0) {
            /* Not connected yet: the next pass tries again. */
            log_debug("outcome report not sent: %s", strerror(errno));
            break;
        }
        for (size_t k = 0; k < n; k++) {
            if (fs[k]->tries++ == 1)
                log_info("outcome file %s (case %s): no answer from the router yet; sending it "
                         "again every %lld ms until there is",
                         fs[k]->name, fs[k]->case_id, (long long)ob->resend_ms);
            fs[k]->corr = ob->corr;
            fs[k]->idx = k;
            fs[k]->due = now + ob->resend_ms;
        }
    }
}

long outbox_step(outbox_t *ob, void *sock, bool may_send, int64_t resend_ms)
{
    int64_t now = clock_mono_ms(), next;
    ob->resend_ms = resend_ms > 0 ? resend_ms : 1000;
    s_folders(ob, false);
    for (size_t i = 0; i < ob->n; i++) {
        s_flight_t *f = &ob->v[i];
        if ((f->state == F_TO_SENT || f->state == F_TO_REJECTED) && f->due <= now)
            s_finish(ob, f);
        else if (f->state == F_HOLD && f->due <= now)
            s_flight_free(f);
    }
    if (now >= ob->next_scan) {
        s_scan(ob);
        ob->next_scan = now + OUTBOX_SCAN_MS;
    }
    if (may_send)
        s_send(ob, sock, now);
    s_compact(ob);
    next = ob->next_scan;
    for (size_t i = 0; i < ob->n; i++)
        if (ob->v[i].due < next && (may_send || ob->v[i].state != F_SEND))
            next = ob->v[i].due;
    return next > now ? (long)(next - now) : 1;
}

/* The flight result i of report corr answers: by its place in the report,
 * else (sent again since, in another report or by an earlier run) by its
 * outcome id. */
static s_flight_t *s_answered(outbox_t *ob, uint64_t corr, size_t i, const char *outcome_id)
{
    for (size_t k = 0; k < ob->n; k++) {
        s_flight_t *f = &ob->v[k];
        if (f->state == F_SEND && f->corr == corr && f->idx == i &&
            (!outcome_id || strcmp(outcome_id, f->o->outcome_id) == 0))
            return f;
    }
    for (size_t k = 0; outcome_id && k < ob->n; k++) {
        s_flight_t *f = &ob->v[k];
        if (f->state == F_SEND && strcmp(outcome_id, f->o->outcome_id) == 0)
            return f;
    }
    return NULL;
}

void outbox_reply(outbox_t *ob, uint64_t corr, const Carerhub__OutcomeReply *rep)
{
    int64_t now = clock_mono_ms();
    for (size_t i = 0; i < rep->n_results && i < WIRE_OUTCOMES_MAX; i++) {
        const Carerhub__OutcomeResult *r = rep->results[i];
        s_flight_t *f = s_answered(ob, corr, i, r->outcome_id);
        int res = r->has_result ? (int)r->result : 0;
        if (!f)
            continue; /* a late answer about a file already filed */
        if (res == CARERHUB__OUTCOME_RESULT__RESULT__RECORDED ||
            res == CARERHUB__OUTCOME_RESULT__RESULT__ALREADY_RECORDED) {
            log_info("outcome file %s (case %s): %s by the router, the case is now %s; to sent/",
                     f->name, f->case_id,
                     res == CARERHUB__OUTCOME_RESULT__RESULT__RECORDED ? "recorded"
                                                                       : "recorded before",
                     r->state ? r->state : "unknown");
            f->state = F_TO_SENT;
            s_finish(ob, f);
        } else if (res == CARERHUB__OUTCOME_RESULT__RESULT__REFUSED) {
            ferrs_add(&f->errs, r->field && *r->field ? r->field : "outcome",
                      r->code && *r->code ? r->code : "refused", "%s",
                      r->message && *r->message ? r->message : "the router refused this outcome");
            f->state = F_TO_REJECTED;
            provider_outcome_free(&f->o);
            s_finish(ob, f);
        } else {
            /* UNAVAILABLE, or an answer this agent does not know. */
            log_warn("outcome file %s (case %s): the router could not record it now; sending "
                     "again in %lld ms",
                     f->name, f->case_id, (long long)ob->resend_ms);
            f->corr = 0;
            f->due = now + ob->resend_ms;
        }
    }
    s_compact(ob);
}

bool outbox_error(outbox_t *ob, uint64_t corr, const char *code, const char *message)
{
    size_t n = 0;
    for (size_t k = 0; corr && k < ob->n; k++) {
        s_flight_t *f = &ob->v[k];
        if (f->state == F_SEND && f->corr == corr) {
            f->corr = 0;
            f->due = clock_mono_ms() + ob->resend_ms;
            n++;
        }
    }
    if (n > 0)
        log_warn("the router answered a report of %zu outcome file(s) with an error (%s: %s); "
                 "sending them again in %lld ms",
                 n, code ? code : "", message ? message : "", (long long)ob->resend_ms);
    return n > 0 || (corr > ob->corr0 && corr <= ob->corr);
}

void outbox_resend(outbox_t *ob)
{
    for (size_t k = 0; k < ob->n; k++)
        if (ob->v[k].state == F_SEND) {
            ob->v[k].corr = 0;
            ob->v[k].due = 0;
        }
}

void outbox_counts(const outbox_t *ob, unsigned long *sent, unsigned long *rejected)
{
    *sent = ob->moved_sent;
    *rejected = ob->moved_rejected;
}

outbox_t *outbox_open(const char *out, const char *provider)
{
    outbox_t *ob = xcalloc(1, sizeof *ob);
    if (outbox_folders_open(&ob->fs, out) < 0) {
        free(ob);
        return NULL;
    }
    ob->provider = provider;
    ob->resend_ms = 1000;
    /* Report numbers start from the clock, so that an answer to a report
     * of an earlier run is never taken for one of this run's. */
    ob->corr = ob->corr0 = (uint64_t)clock_now_ms() << 16;
    outbox_file_clean(ob->fs.rej.fd);
    return ob;
}

void outbox_close(outbox_t **obp)
{
    outbox_t *ob = *obp;
    if (!ob)
        return;
    for (size_t i = 0; i < ob->n; i++)
        s_flight_free(&ob->v[i]);
    free(ob->v);
    outbox_folders_close(&ob->fs);
    free(ob);
    *obp = NULL;
}
