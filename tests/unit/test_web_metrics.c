/*
 * Unit tests of /metrics (web_metrics.c) and the asking of several servers
 * at once it needs (web_call_each, web_call.c), without sockets: the text
 * format's escapes, byte by byte; sample values; families merged from the
 * daemons with HELP and TYPE once, what breaks the format's rules left
 * out; the commit histogram of a real store cumulative, its +Inf bucket the
 * count; every server asked at once as the web itself, each answer matched
 * by the server and corr, and the page written when the last answers or
 * when the time is up (carerhub_up 0 for one that did not); HTTP Basic
 * credentials of an operator only, throttled, and a password changed since
 * they were verified refused.
 */
#include "test.h"

#include "account/account.h"
#include "daemon/metrics.h"
#include "util/clock.h"
#include "util/mem.h"
#include "web/web_impl.h"
#include "wire/wire.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *s_label(const char *s)
{
    buf_t b = BUF_INIT;
    web_metrics_label_value(&b, s);
    buf_addc(&b, '\0');
    return buf_take(&b);
}

static char *s_help(const char *s)
{
    buf_t b = BUF_INIT;
    web_metrics_help(&b, s);
    buf_addc(&b, '\0');
    return buf_take(&b);
}

#define FFFD "\xef\xbf\xbd"

TEST(web_metrics_label_values_escaped_byte_by_byte)
{
    for (int c = 1; c < 256; c++) {
        char in[2] = {(char)c, 0}, want[8];
        char *got = s_label(in);
        if (c == '\\' || c == '"')
            snprintf(want, sizeof want, "\\%c", c);
        else if (c == '\n')
            snprintf(want, sizeof want, "\\n");
        else if (c < 0x20 || c == 0x7f || c >= 0x80) /* a lone byte >= 0x80 is not UTF-8 */
            snprintf(want, sizeof want, FFFD);
        else
            snprintf(want, sizeof want, "%c", c);
        if (strcmp(got, want) != 0) {
            test_fail(__FILE__, __LINE__, "byte 0x%02x: \"%s\", expected \"%s\"", c, got, want);
            free(got);
            return;
        }
        free(got);
    }
}

TEST(web_metrics_label_values_keep_utf8_and_replace_what_is_not)
{
    struct {
        const char *in, *want;
    } cases[] = {
        {"Sian", "Sian"},
        {"Si\xc3\xa2n Ll\xc5\xb7r", "Si\xc3\xa2n Ll\xc5\xb7r"},
        {"a\"b\\c\nd", "a\\\"b\\\\c\\nd"},
        {"\xc3", FFFD},                   /* cut short */
        {"\xc0\xaf", FFFD FFFD},          /* overlong */
        {"\xed\xa0\x80", FFFD FFFD FFFD}, /* a surrogate */
        {"x\r\ty", "x" FFFD FFFD "y"},    /* controls that end no line here */
        {"\\\"", "\\\\\\\""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = s_label(cases[i].in);
        if (strcmp(got, cases[i].want) != 0) {
            test_fail(__FILE__, __LINE__, "case %zu: \"%s\", expected \"%s\"", i, got,
                      cases[i].want);
            free(got);
            return;
        }
        free(got);
    }
}

TEST(web_metrics_help_escapes_backslash_and_line_feed_only)
{
    char *got = s_help("say \"hi\"\\now\nthen");
    CHECK_STR(got, "say \"hi\"\\\\now\\nthen");
    free(got);
    got = s_help("\x01\xff");
    CHECK_STR(got, FFFD FFFD);
    free(got);
}

TEST(web_metrics_values)
{
    struct {
        double v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {1, "1"},
        {-3, "-3"},
        {0.5, "0.5"},
        {0.1, "0.1"},
        {0.0005, "0.0005"},
        {123456789, "123456789"},
        {9007199254740993.0, "9007199254740992"}, /* 2^53 + 1 is not a double */
        {1.0 / 3.0, "0.33333333333333331"},       /* 15 digits would not read back */
        {1e300, "1e+300"},
        {NAN, "NaN"},
        {INFINITY, "+Inf"},
        {-INFINITY, "-Inf"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf_t b = BUF_INIT;
        web_metrics_value(&b, cases[i].v);
        buf_addc(&b, '\0');
        if (strcmp(b.data, cases[i].want) != 0) {
            test_fail(__FILE__, __LINE__, "case %zu: %s, expected %s", i, b.data, cases[i].want);
            buf_free(&b);
            return;
        }
        buf_free(&b);
    }
}

static char *s_text(const web_metrics_from_t *from, size_t n)
{
    buf_t b = BUF_INIT;
    web_metrics_text(&b, from, n);
    buf_addc(&b, '\0');
    return buf_take(&b);
}

TEST(web_metrics_families_merged_once_each_with_every_daemons_samples)
{
    Carerhub__MetricsReply *gp = metrics_new(), *school = metrics_new();
    Carerhub__Metric *m;
    char *text;
    m = metrics_family(gp, "carerhub_referrals_accepted_total", "counter", "Accepted \"ok\".");
    metrics_sample(m, "", 3, "source", "gp", NULL);
    m = metrics_family(school, "carerhub_referrals_accepted_total", "counter", "Other words.");
    metrics_sample(m, "", 2, "source", "school", NULL);
    m = metrics_family(school, "carerhub_parked", "gauge", "Parked.");
    metrics_sample(m, "", 0, NULL);
    {
        web_metrics_from_t from[] = {
            {"gp-intake", gp}, {"router", NULL}, {"school-intake", school}};
        text = s_text(from, 3);
    }
    CHECK_STR(text, "# HELP carerhub_up Whether a daemon of the hub answered this scrape in "
                    "time (1) or not (0).\n"
                    "# TYPE carerhub_up gauge\n"
                    "carerhub_up{daemon=\"gp-intake\"} 1\n"
                    "carerhub_up{daemon=\"router\"} 0\n"
                    "carerhub_up{daemon=\"school-intake\"} 1\n"
                    "# HELP carerhub_referrals_accepted_total Accepted \"ok\".\n"
                    "# TYPE carerhub_referrals_accepted_total counter\n"
                    "carerhub_referrals_accepted_total{source=\"gp\"} 3\n"
                    "carerhub_referrals_accepted_total{source=\"school\"} 2\n"
                    "# HELP carerhub_parked Parked.\n"
                    "# TYPE carerhub_parked gauge\n"
                    "carerhub_parked 0\n");
    free(text);
    carerhub__metrics_reply__free_unpacked(gp, NULL);
    carerhub__metrics_reply__free_unpacked(school, NULL);
}

TEST(web_metrics_what_breaks_the_rules_is_left_out)
{
    Carerhub__MetricsReply *rep = metrics_new();
    Carerhub__Metric *m;
    web_metrics_from_t from[1] = {{"router", rep}};
    char *text;
    metrics_family(rep, "carerhub_bad-name", "gauge", "x");
    metrics_family(rep, "other_total", "counter", "not ours");
    metrics_family(rep, "carerhub_up", "gauge", "the web's own");
    metrics_family(rep, "carerhub_summary", "summary", "no such type here");
    metrics_family(rep, "1carerhub", "gauge", "x");
    m = metrics_family(rep, "carerhub_ok", "gauge", "Good.");
    metrics_sample(m, "", 1, "organisation", "afc", NULL);
    metrics_sample(m, "_bucket", 1, "le", "1", NULL); /* not a gauge's */
    metrics_sample(m, "", 1, "__name__", "x", NULL);  /* kept for Prometheus */
    metrics_sample(m, "", 1, "bad-label", "x", NULL);
    metrics_sample(m, "", 1, "a", "1", "a", "2", NULL);     /* twice */
    metrics_sample(m, "", 2, "organisation", "a\"b", NULL); /* escaped, kept */
    m = metrics_family(rep, "carerhub_ok", "counter", "Another type: not merged.");
    metrics_sample(m, "", 5, NULL);
    m = metrics_family(rep, "carerhub_h", "histogram", "H.");
    metrics_sample(m, "_bucket", 1, "daemon", "router", NULL); /* no le */
    metrics_sample(m, "_sum", 1, "le", "1", NULL);             /* le where none goes */
    metrics_sample(m, "", 1, NULL);                            /* no suffix */
    metrics_sample(m, "_count", 1, NULL);
    text = s_text(from, 1);
    CHECK(strstr(text, "bad-name") == NULL && strstr(text, "other_total") == NULL);
    CHECK(strstr(text, "summary") == NULL && strstr(text, "1carerhub") == NULL);
    CHECK(strstr(text, "the web's own") == NULL && strstr(text, "__name__") == NULL);
    CHECK(strstr(text, "bad-label") == NULL && strstr(text, "a=\"2\"") == NULL);
    CHECK_CONTAINS(text, "# TYPE carerhub_ok gauge\n"
                         "carerhub_ok{organisation=\"afc\"} 1\n"
                         "carerhub_ok{organisation=\"a\\\"b\"} 2\n"
                         "# HELP carerhub_h H.\n"
                         "# TYPE carerhub_h histogram\n"
                         "carerhub_h_count 1\n");
    CHECK(strstr(text, "carerhub_ok 5") == NULL && strstr(text, "Another type") == NULL);
    free(text);
    carerhub__metrics_reply__free_unpacked(rep, NULL);
}

static int s_put(MDB_txn *txn, void *arg)
{
    MDB_val k = {4, "key1"}, v = {5, "value"};
    return mdb_put(txn, store_dbi(arg, 0), &k, &v, 0);
}

TEST(web_metrics_commit_histogram_is_cumulative_and_inf_is_the_count)
{
    static const char *const dbs[] = {"t", NULL};
    store_opts_t o = {dbs, 0, 0, false, NULL, 0, NULL, NULL};
    Carerhub__MetricsReply *rep = metrics_new();
    web_metrics_from_t from[1] = {{"router", rep}};
    store_commits_t c;
    int err = 0;
    store_t *s = store_open(test_tmpdir(), &o, &err);
    char *text, *p, line[64];
    double last = -1, v = 0;
    size_t buckets = 0;
    CHECK(s != NULL);
    for (int i = 0; i < 7; i++)
        CHECK_INT(store_write(s, s_put, s), 0);
    store_commit_stats(s, &c);
    store_close(&s);
    CHECK_INT(c.count, 7);
    metrics_commits(rep, "router", &c);
    text = s_text(from, 1);
    CHECK_CONTAINS(text, "# TYPE carerhub_store_commit_seconds histogram\n");
    for (p = strstr(text, "carerhub_store_commit_seconds_bucket{"); p;
         p = strstr(p + 1, "carerhub_store_commit_seconds_bucket{")) {
        CHECK(sscanf(strchr(p, '}') + 1, " %lf", &v) == 1);
        CHECK(v >= last); /* each bucket holds those before it */
        last = v;
        buckets++;
    }
    CHECK_INT(buckets, STORE_COMMIT_BUCKETS);
    snprintf(line, sizeof line, "{daemon=\"router\",le=\"+Inf\"} 7\n");
    CHECK_CONTAINS(text, line);
    CHECK_CONTAINS(text, "carerhub_store_commit_seconds_count{daemon=\"router\"} 7\n");
    CHECK_CONTAINS(text, "{daemon=\"router\",le=\"0.0005\"} ");
    CHECK_CONTAINS(text, "{daemon=\"router\",le=\"1\"} ");
    CHECK_CONTAINS(text, "carerhub_store_commit_seconds_sum{daemon=\"router\"} ");
    free(text);
    carerhub__metrics_reply__free_unpacked(rep, NULL);
}

TEST(web_metrics_commit_histogram_by_its_bounds)
{
    /* Commits of 0.3 ms, 2 ms (twice), 40 ms and 3 s, as the store counts
     * them: each bucket every commit at most its bound. */
    store_commits_t c = {5, 3.0443, {1, 1, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5}};
    Carerhub__MetricsReply *rep = metrics_new();
    web_metrics_from_t from[1] = {{"gp-intake", rep}};
    char *text;
    metrics_commits(rep, "gp-intake", &c);
    text = s_text(from, 1);
    CHECK_CONTAINS(text,
                   "# TYPE carerhub_store_commit_seconds histogram\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"0.0005\"} 1\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"0.001\"} 1\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"0.0025\"} 3\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"0.005\"} 3\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"0.01\"} 3\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"0.025\"} 3\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"0.05\"} 4\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"0.1\"} 4\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"0.25\"} 4\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"0.5\"} 4\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"1\"} 4\n"
                   "carerhub_store_commit_seconds_bucket{daemon=\"gp-intake\",le=\"+Inf\"} 5\n"
                   "carerhub_store_commit_seconds_sum{daemon=\"gp-intake\"} 3.0443\n"
                   "carerhub_store_commit_seconds_count{daemon=\"gp-intake\"} 5\n");
    free(text);
    carerhub__metrics_reply__free_unpacked(rep, NULL);
}

/* --- the page, and asking every daemon at once ------------------------- */

static web_t *s_web(void)
{
    web_t *w = xcalloc(1, sizeof *w);
    w->hub.corr = 1000;
    return w;
}

/* The answer of the leg asked `to` of wait wt: rep as its MetricsReply (or
 * an Error when rep is NULL), with corr as given (the leg's, or another). */
static void s_reply(web_t *w, web_to_t from, uint64_t corr, Carerhub__MetricsReply *rep)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__Error e = CARERHUB__ERROR__INIT;
    uint8_t *data;
    size_t n;
    env.has_version = env.has_corr = true;
    env.version = WIRE_VERSION;
    env.corr = corr;
    if (rep) {
        env.body_case = CARERHUB__ENVELOPE__BODY_METRICS_REPLY;
        env.metrics_reply = rep;
    } else {
        e.code = "forbidden";
        env.body_case = CARERHUB__ENVELOPE__BODY_ERROR;
        env.error = &e;
    }
    n = carerhub__envelope__get_packed_size(&env);
    data = xmalloc(n);
    carerhub__envelope__pack(&env, data);
    web_calls_reply(w, from, carerhub__envelope__unpack(NULL, n, data));
    free(data);
}

static uint64_t s_leg_corr(const web_wait_t *wt, web_to_t to)
{
    for (size_t i = 0; i < wt->nlegs; i++)
        if (wt->legs[i].to == to)
            return wt->legs[i].corr;
    return 0;
}

static Carerhub__MetricsReply *s_counted(const char *name, const char *source, double n)
{
    Carerhub__MetricsReply *rep = metrics_new();
    metrics_sample(metrics_family(rep, name, "counter", "C."), "", n, "source", source, NULL);
    return rep;
}

TEST(web_metrics_asks_each_daemon_at_once_as_the_web_itself)
{
    web_t *w = s_web();
    web_wait_t *slot = NULL;
    web_req_t q = {0};
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    Carerhub__MetricsReply *router = s_counted("carerhub_deliveries_total", "x", 4);
    Carerhub__MetricsReply *gp = s_counted("carerhub_referrals_accepted_total", "gp", 2);
    char *body;

    q.path = "/metrics";
    q.address = "127.0.0.1"; /* a loopback client: nobody logged in */
    w->wait = &slot;
    web_metrics(w, &q, &r);
    w->wait = NULL;
    CHECK(slot != NULL && !slot->ready);
    CHECK_INT(slot->nlegs, 5);
    /* Every leg asked at once, with its own corr and no OnBehalf. */
    for (size_t i = 0; i < slot->nlegs; i++) {
        Carerhub__Envelope *e =
            carerhub__envelope__unpack(NULL, slot->legs[i].nenv, slot->legs[i].env);
        CHECK(e != NULL);
        CHECK(e->body_case == CARERHUB__ENVELOPE__BODY_METRICS_QUERY);
        CHECK(e->on_behalf == NULL && e->has_corr && e->corr == slot->legs[i].corr);
        for (size_t j = 0; j < i; j++)
            CHECK(slot->legs[j].corr != slot->legs[i].corr && slot->legs[j].to != slot->legs[i].to);
        carerhub__envelope__free_unpacked(e, NULL);
    }
    /* The gp-intake's corr from the router's connection is not its answer. */
    s_reply(w, WEB_TO_ROUTER, s_leg_corr(slot, WEB_TO_GP), gp);
    s_reply(w, WEB_TO_GP, s_leg_corr(slot, WEB_TO_GP), gp);
    s_reply(w, WEB_TO_ROUTER, s_leg_corr(slot, WEB_TO_ROUTER), router);
    s_reply(w, WEB_TO_SCHOOL, s_leg_corr(slot, WEB_TO_SCHOOL), NULL); /* refused */
    CHECK_INT(w->hub.late, 1);
    CHECK(!slot->ready); /* two have not answered yet */
    web_calls_tick(w, slot->deadline);
    CHECK(slot->ready);
    web_wait_then(w, &slot, &r);
    CHECK(slot == NULL);
    CHECK_STR(r.type, "text/plain; version=0.0.4; charset=utf-8");
    buf_addc(&r.body, '\0');
    body = buf_take(&r.body);
    CHECK_CONTAINS(body, "carerhub_up{daemon=\"router\"} 1\n"
                         "carerhub_up{daemon=\"gp-intake\"} 1\n"
                         "carerhub_up{daemon=\"discharge-intake\"} 0\n"
                         "carerhub_up{daemon=\"school-intake\"} 0\n"
                         "carerhub_up{daemon=\"self-intake\"} 0\n"
                         "carerhub_up{daemon=\"web\"} 1\n");
    CHECK_CONTAINS(body, "carerhub_deliveries_total{source=\"x\"} 4\n");
    CHECK_CONTAINS(body, "carerhub_referrals_accepted_total{source=\"gp\"} 2\n");
    free(body);
    carerhub__metrics_reply__free_unpacked(router, NULL);
    carerhub__metrics_reply__free_unpacked(gp, NULL);
    web_hub_close(&w->hub);
    free(w);
}

TEST(web_metrics_page_written_once_every_daemon_has_answered)
{
    web_t *w = s_web();
    web_wait_t *slot = NULL;
    web_req_t q = {0};
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    Carerhub__MetricsReply *rep = metrics_new();
    web_to_t order[] = {WEB_TO_SELF, WEB_TO_SCHOOL, WEB_TO_ROUTER, WEB_TO_DISCHARGE, WEB_TO_GP};
    q.path = "/metrics";
    q.address = "::1";
    w->wait = &slot;
    web_metrics(w, &q, &r);
    w->wait = NULL;
    for (size_t i = 0; i < 5; i++) {
        CHECK(!slot->ready);
        s_reply(w, order[i], s_leg_corr(slot, order[i]), rep);
    }
    CHECK(slot->ready); /* without waiting for the time to be up */
    CHECK(clock_mono_ms() < slot->deadline);
    web_wait_then(w, &slot, &r);
    buf_addc(&r.body, '\0');
    CHECK(web_calls_pending(w, &(int64_t){0}) == 0);
    CHECK(strstr(r.body.data, "carerhub_up{daemon=\"router\"} 1") != NULL);
    CHECK(strstr(r.body.data, "carerhub_up{daemon=\"self-intake\"} 1") != NULL);
    buf_free(&r.body);
    carerhub__metrics_reply__free_unpacked(rep, NULL);
    web_hub_close(&w->hub);
    free(w);
}

/* --- HTTP Basic credentials ---------------------------------------------- */

static char *s_basic(const char *user_password)
{
    char b64[512];
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)user_password, strlen(user_password),
                      sodium_base64_VARIANT_ORIGINAL);
    return xasprintf("Basic %s", b64);
}

TEST(web_metrics_basic_credentials_of_an_operator_only)
{
    web_t *w = s_web();
    int err = 0;
    char msg[300], *ok, *wrong, *comm;
    web_user_t u;
    w->store = account_open(test_tmpdir(), &err);
    CHECK(w->store != NULL);
    w->throttle = web_throttle_new(100);
    w->lim.login_attempts = 3;
    w->lim.login_attempts_per_address = 100;
    w->lim.login_window_ms = 60000;
    CHECK_INT(account_add(w->store, "o.ps", ROLE_OPERATOR, NULL, "correct horse battery", false,
                          msg, sizeof msg),
              ACCOUNT_OK);
    CHECK_INT(account_add(w->store, "c.ross", ROLE_COMMISSIONER, NULL, "commission password", false,
                          msg, sizeof msg),
              ACCOUNT_OK);
    ok = s_basic("o.ps:correct horse battery");
    wrong = s_basic("o.ps:wrong horse battery");
    comm = s_basic("c.ross:commission password");

    CHECK_INT(web_metrics_basic(w, ok, "192.0.2.1", &u, msg, sizeof msg), 0);
    CHECK_STR(u.name, "o.ps");
    CHECK_INT(u.role, ROLE_OPERATOR);
    CHECK_INT(web_metrics_basic(w, ok, "192.0.2.1", &u, msg, sizeof msg), 0); /* remembered */
    CHECK_INT(web_metrics_basic(w, comm, "192.0.2.1", &u, msg, sizeof msg), 403);
    CHECK_CONTAINS(msg, "operator");
    CHECK_INT(web_metrics_basic(w, "Bearer abc", "192.0.2.1", &u, msg, sizeof msg), 401);
    CHECK_INT(web_metrics_basic(w, "Basic !!!", "192.0.2.1", &u, msg, sizeof msg), 401);
    CHECK_INT(web_metrics_basic(w, "Basic bm9jb2xvbg==", "192.0.2.1", &u, msg, sizeof msg), 401);
    CHECK(u.name[0] == '\0');

    /* A password changed since: the old one is verified again, and wrong. */
    CHECK_INT(account_passwd(w->store, "o.ps", "a brand new password", false, msg, sizeof msg),
              ACCOUNT_OK);
    CHECK_INT(web_metrics_basic(w, ok, "192.0.2.1", &u, msg, sizeof msg), 401);
    CHECK_CONTAINS(msg, "not right");
    /* Failures of a name are throttled as logins are: the right password
     * then waits too. */
    CHECK_INT(web_metrics_basic(w, wrong, "192.0.2.1", &u, msg, sizeof msg), 401);
    CHECK_INT(web_metrics_basic(w, wrong, "192.0.2.1", &u, msg, sizeof msg), 401);
    free(ok);
    ok = s_basic("o.ps:a brand new password");
    CHECK_INT(web_metrics_basic(w, ok, "192.0.2.1", &u, msg, sizeof msg), 429);
    web_throttle_clear(w->throttle, "o.ps");
    CHECK_INT(web_metrics_basic(w, ok, "192.0.2.1", &u, msg, sizeof msg), 0);
    /* Disabled since it was verified: refused, remembered or not. */
    CHECK_INT(account_disable(w->store, "o.ps", true, msg, sizeof msg), ACCOUNT_OK);
    CHECK_INT(web_metrics_basic(w, ok, "192.0.2.1", &u, msg, sizeof msg), 401);
    free(ok);
    free(wrong);
    free(comm);
    web_throttle_destroy(&w->throttle);
    store_close(&w->store);
    free(w);
}
