/*
 * Unit tests of the provider agent's outcomes folder (services/provider,
 * provider_outbox.c): files moved to sent/ once the router recorded them,
 * to rejected/ with an error file, never over a file already there; sent
 * again when unanswered, and after a restart with the same outcome id;
 * never read through a symlink; sent/, rejected/ and outcomes/ cleared by
 * the case system while the agent runs: made again, nothing lost.
 */
#include "test.h"

#include "../../services/provider/provider.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"
#include "wire/wire.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    char *out, *dir;
    outbox_t *ob;
    void *ctx, *tx, *rx; /* the agent's end, the router's end */
} s_box_t;

static int s_box(s_box_t *x)
{
    static int n;
    char ep[64];
    x->out = file_join(test_tmpdir(), "spool");
    x->dir = file_join(x->out, "outcomes");
    x->ob = outbox_open(x->out, "carers-first");
    x->ctx = zmq_ctx_new();
    x->tx = zmq_socket(x->ctx, ZMQ_PAIR);
    x->rx = zmq_socket(x->ctx, ZMQ_PAIR);
    snprintf(ep, sizeof ep, "inproc://outbox-%d", ++n);
    if (!x->ob || zmq_bind(x->rx, ep) < 0 || zmq_connect(x->tx, ep) < 0)
        return -1;
    return 0;
}

static void s_unbox(s_box_t *x)
{
    outbox_close(&x->ob);
    zmq_close(x->tx);
    zmq_close(x->rx);
    zmq_ctx_term(x->ctx);
    free(x->out);
    free(x->dir);
}

static void s_put(const s_box_t *x, const char *sub, const char *name, const char *doc)
{
    char *dir = sub ? file_join(x->dir, sub) : xstrdup(x->dir), *path = file_join(dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        (void)file_write_full(fd, doc, strlen(doc));
        close(fd);
    }
    free(path);
    free(dir);
}

static bool s_there(const s_box_t *x, const char *sub, const char *name)
{
    char *dir = sub ? file_join(x->dir, sub) : xstrdup(x->dir), *path = file_join(dir, name);
    struct stat st;
    bool yes = lstat(path, &st) == 0;
    free(path);
    free(dir);
    return yes;
}

/* A pass of the outbox, allowed to send. */
static void s_pass(s_box_t *x)
{
    outbox_step(x->ob, x->tx, true, 100);
}

/* The report the router receives next, or NULL within ms. */
static Carerhub__Envelope *s_report_within(s_box_t *x, int ms)
{
    Carerhub__Envelope *env = NULL;
    zmq_setsockopt(x->rx, ZMQ_RCVTIMEO, &ms, sizeof ms);
    if (wire_recv(x->rx, false, NULL, &env, 0) != WIRE_OK)
        return NULL;
    if (env->body_case != CARERHUB__ENVELOPE__BODY_OUTCOME_REPORT) {
        carerhub__envelope__free_unpacked(env, NULL);
        return NULL;
    }
    return env;
}

static Carerhub__Envelope *s_report(s_box_t *x)
{
    return s_report_within(x, 1000);
}

/* No report comes within 50 ms. */
static bool s_no_report(s_box_t *x)
{
    Carerhub__Envelope *env = s_report_within(x, 50);
    if (env)
        carerhub__envelope__free_unpacked(env, NULL);
    return env == NULL;
}

/* The router answers every outcome of report env with result r. */
static void s_answer(s_box_t *x, const Carerhub__Envelope *env, int r, const char *field,
                     const char *code, const char *message)
{
    size_t n = env->outcome_report->n_outcomes;
    Carerhub__OutcomeResult *res = xcalloc(n, sizeof *res), **ps = xcalloc(n, sizeof *ps);
    Carerhub__OutcomeReply rep = CARERHUB__OUTCOME_REPLY__INIT;
    for (size_t i = 0; i < n; i++) {
        carerhub__outcome_result__init(&res[i]);
        res[i].outcome_id = env->outcome_report->outcomes[i]->outcome_id;
        res[i].has_result = true;
        res[i].result = (Carerhub__OutcomeResult__Result)r;
        res[i].field = (char *)field;
        res[i].code = (char *)code;
        res[i].message = (char *)message;
        res[i].state = (char *)"contacted";
        ps[i] = &res[i];
    }
    rep.n_results = n;
    rep.results = ps;
    outbox_reply(x->ob, env->corr, &rep);
    free(res);
    free(ps);
}

static char *s_slurp(const s_box_t *x, const char *sub, const char *name)
{
    char *dir = file_join(x->dir, sub), *path = file_join(dir, name), *data = NULL;
    size_t len;
    if (file_read_all(path, 1 << 20, &data, &len) < 0)
        data = NULL;
    free(path);
    free(dir);
    return data;
}

#define S_GOOD "{\"case_id\":\"C-000001\",\"status\":\"contacted\"}"

TEST(outbox_makes_its_folders)
{
    s_box_t x;
    struct stat st;
    char *p;
    CHECK_INT(s_box(&x), 0);
    p = file_join(x.dir, "rejected");
    CHECK(stat(x.dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0700);
    free(p);
    CHECK(s_there(&x, NULL, "sent"));
    s_unbox(&x);
}

/* Recorded: to sent/, and a name taken there becomes NAME.2. */
TEST(outbox_recorded_to_sent)
{
    s_box_t x;
    Carerhub__Envelope *env;
    CHECK_INT(s_box(&x), 0);
    s_put(&x, "sent", "a.json", "an earlier file of that name");
    s_put(&x, NULL, "a.json", S_GOOD);
    s_put(&x, NULL, "b.json", S_GOOD);
    s_put(&x, NULL, ".c.json", S_GOOD); /* still being written */
    s_put(&x, NULL, "d.json.tmp", S_GOOD);
    s_pass(&x);
    CHECK((env = s_report(&x)));
    CHECK_INT(env->outcome_report->n_outcomes, 2);
    CHECK_STR(env->outcome_report->outcomes[0]->source, "a.json");
    CHECK_STR(env->outcome_report->outcomes[1]->source, "b.json");
    /* Two files, two outcomes. */
    CHECK(strcmp(env->outcome_report->outcomes[0]->outcome_id,
                 env->outcome_report->outcomes[1]->outcome_id) != 0);
    /* Unanswered, each stays where it is. */
    CHECK(s_there(&x, NULL, "a.json") && s_there(&x, NULL, "b.json"));
    s_answer(&x, env, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED, NULL, NULL, NULL);
    carerhub__envelope__free_unpacked(env, NULL);
    CHECK(!s_there(&x, NULL, "a.json") && !s_there(&x, NULL, "b.json"));
    CHECK(s_there(&x, "sent", "a.json.2") && s_there(&x, "sent", "b.json"));
    {
        char *old = s_slurp(&x, "sent", "a.json");
        CHECK_STR(old, "an earlier file of that name");
        free(old);
    }
    CHECK(s_there(&x, NULL, ".c.json") && s_there(&x, NULL, "d.json.tmp"));
    s_pass(&x);
    CHECK(s_no_report(&x));
    s_unbox(&x);
}

/* A bad file: to rejected/ with its error file, at once, nothing sent. */
TEST(outbox_bad_file_rejected_with_error_file)
{
    s_box_t x;
    char *err;
    json_error_t jerr;
    json_t *doc, *e0;
    CHECK_INT(s_box(&x), 0);
    s_put(&x, "rejected", "bad.json.error.json", "an earlier error file");
    s_put(&x, NULL, "bad.json", "{\"case_id\":\"C-000001\",\"status\":\"phoned\"}");
    outbox_step(x.ob, x.tx, false, 100);
    CHECK(!s_there(&x, NULL, "bad.json"));
    CHECK(!s_there(&x, "rejected", "bad.json"));
    CHECK(s_there(&x, "rejected", "bad.json.2"));
    CHECK((err = s_slurp(&x, "rejected", "bad.json.2.error.json")));
    doc = json_loads(err, JSON_REJECT_DUPLICATES, &jerr);
    free(err);
    CHECK(doc);
    CHECK_STR(json_string_value(json_object_get(doc, "file")), "bad.json");
    e0 = json_array_get(json_object_get(doc, "errors"), 0);
    CHECK_STR(json_string_value(json_object_get(e0, "field")), "status");
    CHECK_STR(json_string_value(json_object_get(e0, "code")), "unknown");
    json_decref(doc);
    s_unbox(&x);
}

/* Refused by the router: its field, code and message in the error file. */
TEST(outbox_refused_to_rejected)
{
    s_box_t x;
    Carerhub__Envelope *env;
    char *err;
    CHECK_INT(s_box(&x), 0);
    s_put(&x, NULL, "late.json", S_GOOD);
    s_pass(&x);
    CHECK((env = s_report(&x)));
    s_answer(&x, env, CARERHUB__OUTCOME_RESULT__RESULT__REFUSED, "status", "impossible_step",
             "the case is closed");
    carerhub__envelope__free_unpacked(env, NULL);
    CHECK(s_there(&x, "rejected", "late.json"));
    CHECK((err = s_slurp(&x, "rejected", "late.json.error.json")));
    CHECK_CONTAINS(err, "{\"field\":\"status\",\"code\":\"impossible_step\",\"message\":\"the case "
                        "is closed\"}");
    free(err);
    s_unbox(&x);
}

/* Its outcome id recorded before for another outcome (code id_reused): a
 * refusal like any other, to rejected/ with the router's words, and not
 * sent again. */
TEST(outbox_id_reused_to_rejected)
{
    s_box_t x;
    Carerhub__Envelope *env;
    char *err;
    CHECK_INT(s_box(&x), 0);
    s_put(&x, NULL, "again.json",
          "{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"outcome_id\":\"cs-42\"}");
    s_pass(&x);
    CHECK((env = s_report(&x)));
    s_answer(&x, env, CARERHUB__OUTCOME_RESULT__RESULT__REFUSED, "outcome_id", "id_reused",
             "cs-42 was recorded before for another outcome");
    carerhub__envelope__free_unpacked(env, NULL);
    CHECK(!s_there(&x, NULL, "again.json") && !s_there(&x, "sent", "again.json"));
    CHECK(s_there(&x, "rejected", "again.json"));
    CHECK((err = s_slurp(&x, "rejected", "again.json.error.json")));
    CHECK_CONTAINS(err, "{\"field\":\"outcome_id\",\"code\":\"id_reused\",\"message\":"
                        "\"cs-42 was recorded before for another outcome\"}");
    free(err);
    usleep(150 * 1000);
    s_pass(&x);
    CHECK(s_no_report(&x));
    s_unbox(&x);
}

/* Unavailable, or no answer: sent again after resend_ms, the same outcome. */
TEST(outbox_unanswered_sent_again)
{
    s_box_t x;
    Carerhub__Envelope *env, *again;
    CHECK_INT(s_box(&x), 0);
    s_put(&x, NULL, "a.json", S_GOOD);
    s_pass(&x);
    CHECK((env = s_report(&x)));
    s_pass(&x); /* too soon */
    CHECK(s_no_report(&x));
    usleep(150 * 1000);
    s_pass(&x);
    CHECK((again = s_report(&x)));
    CHECK_STR(again->outcome_report->outcomes[0]->outcome_id,
              env->outcome_report->outcomes[0]->outcome_id);
    s_answer(&x, again, CARERHUB__OUTCOME_RESULT__RESULT__UNAVAILABLE, NULL, NULL, NULL);
    CHECK(s_there(&x, NULL, "a.json"));
    usleep(150 * 1000);
    s_pass(&x);
    carerhub__envelope__free_unpacked(again, NULL);
    CHECK((again = s_report(&x)));
    /* The first report's answer, late: taken by outcome id. */
    s_answer(&x, env, CARERHUB__OUTCOME_RESULT__RESULT__ALREADY_RECORDED, NULL, NULL, NULL);
    CHECK(s_there(&x, "sent", "a.json"));
    carerhub__envelope__free_unpacked(env, NULL);
    carerhub__envelope__free_unpacked(again, NULL);
    s_unbox(&x);
}

/* Sets the modification time of outcomes/NAME. */
static int s_mtime(const s_box_t *x, const char *name, time_t sec, long nsec)
{
    struct timespec ts[2] = {{sec, nsec}, {sec, nsec}};
    char *path = file_join(x->dir, name);
    int rc = utimensat(AT_FDCWD, path, ts, 0);
    free(path);
    return rc;
}

/* Killed before the answer: the file, still there, is read again by the
 * next run and sent as the same outcome, with the same outcome id (the
 * router records it once) and, the file giving no at, the same time: when
 * the file was written. */
TEST(outbox_after_a_restart_the_same_outcome)
{
    s_box_t x;
    Carerhub__Envelope *env, *again;
    const Carerhub__Outcome *o, *o2;
    CHECK_INT(s_box(&x), 0);
    s_put(&x, NULL, "a.json", S_GOOD);
    /* 2024-01-01T00:00:00.678Z */
    CHECK_INT(s_mtime(&x, "a.json", 1704067200, 678000123), 0);
    s_pass(&x);
    CHECK((env = s_report(&x)));
    o = env->outcome_report->outcomes[0];
    CHECK(o->has_at);
    CHECK_INT(o->at, 1704067200678LL);
    outbox_close(&x.ob);
    usleep(5 * 1000);
    CHECK((x.ob = outbox_open(x.out, "carers-first")));
    s_pass(&x);
    CHECK((again = s_report(&x)));
    o2 = again->outcome_report->outcomes[0];
    CHECK_STR(o2->outcome_id, o->outcome_id);
    CHECK(o2->has_at);
    CHECK_INT(o2->at, o->at);
    carerhub__envelope__free_unpacked(env, NULL);
    carerhub__envelope__free_unpacked(again, NULL);
    s_unbox(&x);
}

/* The same name and content dropped again once the first was filed (the
 * case system's next outcome of the same words): another outcome, not
 * taken for the first and filed unsent. */
TEST(outbox_same_name_and_content_again_another_outcome)
{
    s_box_t x;
    Carerhub__Envelope *env, *again;
    CHECK_INT(s_box(&x), 0);
    s_put(&x, NULL, "a.json", S_GOOD);
    s_pass(&x);
    CHECK((env = s_report(&x)));
    s_answer(&x, env, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED, NULL, NULL, NULL);
    CHECK(s_there(&x, "sent", "a.json"));
    s_put(&x, NULL, "a.json", S_GOOD);
    usleep((OUTBOX_SCAN_MS + 50) * 1000);
    s_pass(&x);
    CHECK((again = s_report(&x)));
    CHECK(strcmp(again->outcome_report->outcomes[0]->outcome_id,
                 env->outcome_report->outcomes[0]->outcome_id) != 0);
    carerhub__envelope__free_unpacked(env, NULL);
    carerhub__envelope__free_unpacked(again, NULL);
    s_unbox(&x);
}

/* Written again in place while in flight (the same inode, a new time): not
 * filed as the outcome sent, but read afresh, another outcome. */
TEST(outbox_rewritten_in_place_read_again)
{
    s_box_t x;
    Carerhub__Envelope *env, *again;
    CHECK_INT(s_box(&x), 0);
    s_put(&x, NULL, "a.json", S_GOOD);
    CHECK_INT(s_mtime(&x, "a.json", 1704067200, 0), 0);
    s_pass(&x);
    CHECK((env = s_report(&x)));
    s_put(&x, NULL, "a.json", "{\"case_id\":\"C-000001\",\"status\":\"declined\"}");
    CHECK_INT(s_mtime(&x, "a.json", 1704067260, 0), 0);
    s_answer(&x, env, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED, NULL, NULL, NULL);
    CHECK(s_there(&x, NULL, "a.json") && !s_there(&x, "sent", "a.json"));
    usleep((OUTBOX_SCAN_MS + 50) * 1000);
    s_pass(&x);
    CHECK((again = s_report(&x)));
    CHECK_STR(again->outcome_report->outcomes[0]->status, "declined");
    CHECK(strcmp(again->outcome_report->outcomes[0]->outcome_id,
                 env->outcome_report->outcomes[0]->outcome_id) != 0);
    carerhub__envelope__free_unpacked(env, NULL);
    carerhub__envelope__free_unpacked(again, NULL);
    s_unbox(&x);
}

/* Never through a symlink; a file replaced while in flight is read again,
 * not filed unread. */
TEST(outbox_symlinks_and_replaced_files)
{
    s_box_t x;
    Carerhub__Envelope *env, *again;
    char *target = file_join(test_tmpdir(), "elsewhere.json"), *link = NULL;
    CHECK_INT(s_box(&x), 0);
    link = file_join(x.dir, "link.json");
    s_put(&x, NULL, "a.json", S_GOOD);
    {
        int fd = open(target, O_WRONLY | O_CREAT, 0600);
        CHECK(fd >= 0);
        CHECK_INT(file_write_full(fd, S_GOOD, strlen(S_GOOD)), 0);
        close(fd);
    }
    CHECK_INT(symlink(target, link), 0);
    s_pass(&x);
    CHECK((env = s_report(&x)));
    CHECK_INT(env->outcome_report->n_outcomes, 1);
    CHECK_STR(env->outcome_report->outcomes[0]->source, "a.json");
    /* The case system writes a.json anew (renamed over) before the answer. */
    s_put(&x, NULL, ".new",
          "{\"case_id\":\"C-000001\",\"status\":\"supported\",\"support\":"
          "[\"break\"]}");
    {
        char *from = file_join(x.dir, ".new"), *to = file_join(x.dir, "a.json");
        CHECK_INT(rename(from, to), 0);
        free(from);
        free(to);
    }
    s_answer(&x, env, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED, NULL, NULL, NULL);
    carerhub__envelope__free_unpacked(env, NULL);
    CHECK(s_there(&x, NULL, "a.json") && !s_there(&x, "sent", "a.json"));
    usleep((OUTBOX_SCAN_MS + 50) * 1000); /* the next listing of the folder */
    s_pass(&x);
    CHECK((again = s_report(&x)));
    CHECK_STR(again->outcome_report->outcomes[0]->status, "supported");
    carerhub__envelope__free_unpacked(again, NULL);
    CHECK(s_there(&x, NULL, "link.json") && !s_there(&x, "rejected", "link.json"));
    free(target);
    free(link);
    s_unbox(&x);
}

/* A file over 64 KiB: rejected without being read whole. */
TEST(outbox_too_large_rejected)
{
    s_box_t x;
    char *big = xmalloc(PROVIDER_OUTCOME_MAX_BYTES + 100), *err;
    CHECK_INT(s_box(&x), 0);
    memset(big, ' ', PROVIDER_OUTCOME_MAX_BYTES + 99);
    memcpy(big, S_GOOD, strlen(S_GOOD));
    big[PROVIDER_OUTCOME_MAX_BYTES + 99] = '\0';
    s_put(&x, NULL, "big.json", big);
    free(big);
    outbox_step(x.ob, x.tx, false, 100);
    CHECK(s_there(&x, "rejected", "big.json"));
    CHECK((err = s_slurp(&x, "rejected", "big.json.error.json")));
    CHECK_CONTAINS(err, "\"field\":\"json\",\"code\":\"too_large\"");
    free(err);
    s_unbox(&x);
}

/* --- folders cleared while the agent runs --------------------------------- */

static int s_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* rm -rf outcomes/SUB (or outcomes/ itself). */
static int s_rmtree(const s_box_t *x, const char *sub)
{
    char *dir = sub ? file_join(x->dir, sub) : xstrdup(x->dir);
    int rc = nftw(dir, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
    return rc;
}

static int s_mkdir(const s_box_t *x, const char *sub)
{
    char *dir = sub ? file_join(x->dir, sub) : xstrdup(x->dir);
    int rc = mkdir(dir, 0755);
    free(dir);
    return rc;
}

/* outcomes/SUB is a folder of mode 0700. */
static bool s_private(const s_box_t *x, const char *sub)
{
    char *dir = sub ? file_join(x->dir, sub) : xstrdup(x->dir);
    struct stat st;
    bool yes = lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700;
    free(dir);
    return yes;
}

static int s_level;

/* Standard error into a file, at level info, while a test looks at what is
 * logged. */
static int s_capture(void)
{
    char *path = file_join(test_tmpdir(), "log");
    int saved = dup(STDERR_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, STDERR_FILENO);
    close(fd);
    free(path);
    s_level = log_level();
    log_set_level(LOG_LVL_INFO);
    return saved;
}

/* What was logged since s_capture (caller frees). */
static char *s_release(int saved)
{
    char *path = file_join(test_tmpdir(), "log"), *data = NULL;
    size_t len;
    log_set_level(s_level);
    dup2(saved, STDERR_FILENO);
    close(saved);
    if (file_read_all(path, 1 << 20, &data, &len) < 0)
        data = xstrdup("");
    free(path);
    return data;
}

/* How many times needle is in hay. */
static int s_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* The agent sends f's outcome, the router records it: f is in sent/. */
static bool s_recorded(s_box_t *x, const char *name)
{
    Carerhub__Envelope *env;
    bool ok;
    usleep((OUTBOX_SCAN_MS + 50) * 1000);
    s_pass(x);
    if (!(env = s_report(x)))
        return false;
    ok = env->outcome_report->n_outcomes == 1 &&
         strcmp(env->outcome_report->outcomes[0]->source, name) == 0;
    s_answer(x, env, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED, NULL, NULL, NULL);
    carerhub__envelope__free_unpacked(env, NULL);
    return ok && s_there(x, "sent", name) && !s_there(x, NULL, name);
}

/* sent/ removed while a file waits for the router: made again, the file
 * filed in it once recorded, and so are the files after it; said once. */
TEST(outbox_sent_removed_made_again)
{
    s_box_t x;
    Carerhub__Envelope *env;
    char *log;
    int saved;
    bool ok;
    CHECK_INT(s_box(&x), 0);
    s_put(&x, NULL, "a.json", S_GOOD);
    s_pass(&x);
    CHECK((env = s_report(&x)));
    CHECK_INT(s_rmtree(&x, "sent"), 0);
    saved = s_capture();
    s_answer(&x, env, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED, NULL, NULL, NULL);
    carerhub__envelope__free_unpacked(env, NULL);
    log = s_release(saved);
    CHECK(s_there(&x, "sent", "a.json") && !s_there(&x, NULL, "a.json"));
    CHECK(s_private(&x, "sent"));
    CHECK_INT(s_count(log, "was removed; made it again"), 1);
    CHECK(!strstr(log, "cannot move"));
    free(log);
    CHECK_INT(s_rmtree(&x, "sent"), 0);
    s_put(&x, NULL, "b.json", S_GOOD);
    saved = s_capture();
    ok = s_recorded(&x, "b.json");
    log = s_release(saved);
    CHECK(ok);
    /* Said at most once a minute. */
    CHECK(!strstr(log, "made it again"));
    free(log);
    s_unbox(&x);
}

/* sent/ and rejected/ removed and made again by the case system: the next
 * files are filed in the new ones, an error file beside its file, no
 * temporary file left. */
TEST(outbox_sent_replaced_files_go_to_the_new_one)
{
    s_box_t x;
    Carerhub__Envelope *env;
    char *err, *rej;
    DIR *d;
    struct dirent *de;
    CHECK_INT(s_box(&x), 0);
    s_put(&x, NULL, "a.json", S_GOOD);
    s_pass(&x);
    CHECK((env = s_report(&x)));
    CHECK_INT(s_rmtree(&x, "sent"), 0);
    CHECK_INT(s_mkdir(&x, "sent"), 0);
    s_put(&x, "sent", "old.json", "the case system's own");
    CHECK_INT(s_rmtree(&x, "rejected"), 0);
    CHECK_INT(s_mkdir(&x, "rejected"), 0);
    s_answer(&x, env, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED, NULL, NULL, NULL);
    carerhub__envelope__free_unpacked(env, NULL);
    CHECK(s_there(&x, "sent", "a.json") && s_there(&x, "sent", "old.json"));
    CHECK(!s_there(&x, NULL, "a.json"));
    s_put(&x, NULL, "bad.json", "{\"case_id\":\"C-000001\",\"status\":\"phoned\"}");
    usleep((OUTBOX_SCAN_MS + 50) * 1000);
    outbox_step(x.ob, x.tx, false, 100);
    CHECK(s_there(&x, "rejected", "bad.json") && !s_there(&x, NULL, "bad.json"));
    CHECK((err = s_slurp(&x, "rejected", "bad.json.error.json")));
    CHECK_CONTAINS(err, "\"field\":\"status\",\"code\":\"unknown\"");
    free(err);
    CHECK(s_private(&x, "sent") && s_private(&x, "rejected"));
    rej = file_join(x.dir, "rejected");
    CHECK((d = opendir(rej)));
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, ".carerhub-", 10) == 0)
            break;
    closedir(d);
    free(rej);
    CHECK(de == NULL);
    s_unbox(&x);
}

/* outcomes/ replaced (moved aside, a new one made): the files dropped in
 * the new one are read; one waiting for the router in the old one is read
 * again when put in the new one, the same outcome, and filed there once. */
TEST(outbox_outcomes_replaced_new_one_read)
{
    s_box_t x;
    Carerhub__Envelope *env, *again;
    char *old = NULL, *from = NULL, *to = NULL;
    CHECK_INT(s_box(&x), 0);
    old = file_join(x.out, "outcomes.old");
    s_put(&x, NULL, "a.json", S_GOOD);
    s_pass(&x);
    CHECK((env = s_report(&x)));
    CHECK_INT(rename(x.dir, old), 0);
    CHECK_INT(s_mkdir(&x, NULL), 0);
    s_put(&x, NULL, "b.json", S_GOOD);
    usleep((OUTBOX_CHECK_MS + 50) * 1000);
    s_pass(&x);
    CHECK((again = s_report(&x)));
    CHECK_INT(again->outcome_report->n_outcomes, 1);
    CHECK_STR(again->outcome_report->outcomes[0]->source, "b.json");
    CHECK(s_private(&x, NULL) && s_private(&x, "sent") && s_private(&x, "rejected"));
    s_answer(&x, again, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED, NULL, NULL, NULL);
    carerhub__envelope__free_unpacked(again, NULL);
    CHECK(s_there(&x, "sent", "b.json"));
    /* The old folder's file, answered late: not filed in the old folder. */
    s_answer(&x, env, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED, NULL, NULL, NULL);
    from = file_join(old, "a.json");
    CHECK(file_exists(from));
    /* Put in the new folder: the same outcome, recorded before. */
    to = file_join(x.dir, "a.json");
    CHECK_INT(rename(from, to), 0);
    usleep((OUTBOX_SCAN_MS + 50) * 1000);
    s_pass(&x);
    CHECK((again = s_report(&x)));
    CHECK_STR(again->outcome_report->outcomes[0]->outcome_id,
              env->outcome_report->outcomes[0]->outcome_id);
    s_answer(&x, again, CARERHUB__OUTCOME_RESULT__RESULT__ALREADY_RECORDED, NULL, NULL, NULL);
    CHECK(s_there(&x, "sent", "a.json") && !s_there(&x, "sent", "a.json.2"));
    carerhub__envelope__free_unpacked(env, NULL);
    carerhub__envelope__free_unpacked(again, NULL);
    free(old);
    free(from);
    free(to);
    s_unbox(&x);
}

/* outcomes/ removed: made again at once, with sent/ and rejected/. While
 * it cannot be (a file of that name), said once, not each pass; made as
 * soon as it can be, and files dropped then are filed. */
TEST(outbox_outcomes_missing_then_made)
{
    s_box_t x;
    char *log;
    int saved, fd;
    bool made, quiet, blocked, again;
    CHECK_INT(s_box(&x), 0);
    s_put(&x, NULL, "a.json", S_GOOD);
    s_pass(&x);
    carerhub__envelope__free_unpacked(s_report(&x), NULL);
    CHECK_INT(s_rmtree(&x, NULL), 0);
    saved = s_capture();
    usleep((OUTBOX_SCAN_MS + 50) * 1000);
    s_pass(&x);
    made = s_private(&x, NULL) && s_private(&x, "sent") && s_private(&x, "rejected");
    quiet = s_no_report(&x); /* a.json went with the folder */
    blocked = s_rmtree(&x, NULL) == 0 && (fd = open(x.dir, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0;
    if (blocked)
        close(fd);
    for (int i = 0; blocked && i < 15; i++) {
        usleep((OUTBOX_SCAN_MS + 10) * 1000);
        s_pass(&x);
    }
    blocked = blocked && unlink(x.dir) == 0;
    usleep((OUTBOX_CHECK_MS + 50) * 1000);
    s_pass(&x);
    again = s_private(&x, NULL) && s_private(&x, "sent");
    log = s_release(saved);
    CHECK(made && quiet && blocked && again);
    CHECK_INT(s_count(log, "was removed; made it again"), 1);
    CHECK_INT(s_count(log, "cannot open"), 1);
    CHECK(!strstr(log, "cannot list"));
    free(log);
    s_put(&x, NULL, "c.json", S_GOOD);
    CHECK(s_recorded(&x, "c.json"));
    s_unbox(&x);
}
