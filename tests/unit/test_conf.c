/*
 * Unit tests of lib/conf: the YAML tree, table-driven binding and the hub
 * configuration.
 */
#include "test.h"

#include "conf/conf.h"
#include "conf/hubconf.h"
#include "domain/route.h"
#include "util/file.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>

static const ylimits_t s_lim = {.max_depth = 8, .max_nodes = 1000, .max_scalar = 1024};

static ystream_t *s_parse(const char *text)
{
    return ytree_parse(text, strlen(text), &s_lim);
}

static const char *s_err(const ystream_t *s, int *line, int *col)
{
    const char *e = ystream_error(s, line, col);
    return e ? e : "(no error)";
}

TEST(ytree_builds_nodes_with_positions)
{
    ystream_t *s = s_parse("a: 1\nb:\n  - x\n  - 'y'\nc: {d: true}\n");
    const ynode_t *root, *b;
    CHECK(ystream_error(s, NULL, NULL) == NULL);
    CHECK_INT(ystream_count(s), 1);
    root = ystream_doc(s, 0);
    CHECK_INT(root->kind, YNODE_MAP);
    CHECK_INT(ynode_pairs(root), 3);
    b = ynode_get(root, "b");
    CHECK_INT(b->kind, YNODE_SEQ);
    CHECK_INT(b->nkids, 2);
    CHECK_INT(b->kids[1]->line, 4);
    CHECK_INT(b->kids[1]->col, 5);
    CHECK(!b->kids[1]->plain);
    CHECK_STR(ynode_get(ynode_get(root, "c"), "d")->value, "true");
    ystream_destroy(&s);
}

TEST(ytree_refuses_anchors_and_aliases)
{
    int line, col;
    ystream_t *s = s_parse("a: &x [1, 2]\nb: *x\n");
    CHECK_CONTAINS(s_err(s, &line, &col), "anchors (&x) are not allowed");
    CHECK_INT(line, 1);
    CHECK_INT(col, 4);
    ystream_destroy(&s);
    s = s_parse("a: *x\n");
    CHECK_STR(s_err(s, &line, &col), "aliases (*x) are not allowed");
    CHECK_INT(line, 1);
    CHECK_INT(col, 4);
    ystream_destroy(&s);
}

TEST(ytree_refuses_billion_laughs)
{
    const char *bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
                       "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                       "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n";
    ystream_t *s = s_parse(bomb);
    int line, col;
    /* Refused at the first anchor, before any alias can expand. */
    CHECK_STR(s_err(s, &line, &col), "anchors (&a) are not allowed");
    CHECK_INT(line, 1);
    CHECK_INT(col, 4);
    CHECK_INT(ystream_count(s), 0);
    ystream_destroy(&s);
}

TEST(ytree_refuses_tags)
{
    ystream_t *s = s_parse("a: !!binary aGVsbG8=\n");
    CHECK_CONTAINS(s_err(s, NULL, NULL), "tags");
    ystream_destroy(&s);
}

TEST(ytree_refuses_duplicate_keys)
{
    int line, col;
    ystream_t *s = s_parse("a: 1\nb: 2\na: 3\n");
    CHECK_CONTAINS(s_err(s, &line, &col), "duplicate key 'a' (first at line 1)");
    CHECK_INT(line, 3);
    CHECK_INT(col, 1);
    ystream_destroy(&s);
}

TEST(ytree_caps_depth_nodes_and_scalars)
{
    char deep[200] = "";
    char *big = xmalloc(2000);
    ystream_t *s;
    for (int i = 0; i < 20; i++)
        strcat(deep, "[");
    s = s_parse(deep);
    CHECK_CONTAINS(s_err(s, NULL, NULL), "nested deeper than 8");
    ystream_destroy(&s);
    memset(big, 'x', 1999);
    big[0] = 'a';
    big[1] = ':';
    big[2] = ' ';
    big[1999] = '\0';
    s = s_parse(big);
    CHECK_CONTAINS(s_err(s, NULL, NULL), "over the limit");
    ystream_destroy(&s);
    free(big);
    {
        char *many = xmalloc(8000);
        strcpy(many, "[");
        for (int i = 0; i < 1500; i++)
            strcat(many, "1,");
        strcat(many, "1]");
        s = s_parse(many);
        CHECK_CONTAINS(s_err(s, NULL, NULL), "more than 1000 values");
        ystream_destroy(&s);
        free(many);
    }
}

TEST(ytree_keeps_documents_before_a_bad_one)
{
    int line, col;
    ystream_t *s = s_parse("a: 1\n---\nb: 2\n---\nc: [unclosed\n---\nd: 4\n");
    CHECK_INT(ystream_count(s), 2);
    /* libyaml notices the unclosed list where the next document starts;
     * the message names the place where it opened. */
    CHECK_STR(s_err(s, &line, &col), "the list that opens with '[' here is not closed with ']'");
    CHECK_INT(line, 5);
    CHECK_INT(col, 4);
    CHECK_STR(ynode_get(ystream_doc(s, 1), "b")->value, "2");
    ystream_destroy(&s);
}

TEST(ytree_keeps_nul_in_quoted_scalar)
{
    ystream_t *s = s_parse("a: \"x\\0y\"\n");
    const ynode_t *a = ynode_get(ystream_doc(s, 0), "a");
    CHECK_INT(a->len, 3);
    CHECK_INT(strlen(a->value), 1);
    ystream_destroy(&s);
}

TEST(ytree_refuses_non_scalar_keys)
{
    ystream_t *s = s_parse("? [a, b]\n: 1\n");
    CHECK_CONTAINS(s_err(s, NULL, NULL), "key must be plain text");
    ystream_destroy(&s);
}

typedef struct {
    char *name;
    long long count;
    bool on;
    int level;
    struct {
        char *path;
    } sub;
} s_cfg_t;

static const char *const s_levels[] = {"low", "high", NULL};
static const conf_key_t s_sub_keys[] = {
    {"path", CK_PATH, offsetof(s_cfg_t, sub.path) - offsetof(s_cfg_t, sub), "data", 0, 100},
    {NULL},
};
static const conf_key_t s_keys[] = {
    {"name", CK_STR, offsetof(s_cfg_t, name), NULL, 0, 8, NULL, NULL, true},
    {"count", CK_INT, offsetof(s_cfg_t, count), "5", 1, 10},
    {"on", CK_BOOL, offsetof(s_cfg_t, on), "false"},
    {"level", CK_ENUM, offsetof(s_cfg_t, level), "low", 0, 0, NULL, s_levels},
    {"sub", CK_SECTION, offsetof(s_cfg_t, sub), NULL, 0, 0, s_sub_keys},
    {NULL},
};

static int s_bind(const char *text, s_cfg_t *cfg, diag_t *d)
{
    ystream_t *s = s_parse(text);
    conf_ctx_t ctx = {"t.yaml", "/etc/x", d};
    int rc;
    memset(cfg, 0, sizeof *cfg);
    rc = conf_bind(&ctx, ystream_doc(s, 0), s_keys, cfg);
    ystream_destroy(&s);
    return rc;
}

TEST(conf_bind_defaults_and_values)
{
    s_cfg_t c;
    diag_t d = DIAG_INIT;
    CHECK_INT(s_bind("name: hub\non: yes\nlevel: high\nsub: {path: /var/x}\n", &c, &d), 0);
    CHECK_STR(c.name, "hub");
    CHECK_INT(c.count, 5);
    CHECK(c.on);
    CHECK_INT(c.level, 1);
    CHECK_STR(c.sub.path, "/var/x");
    conf_release(s_keys, &c);
    CHECK_INT(s_bind("name: hub\n", &c, &d), 0);
    CHECK_STR(c.sub.path, "/etc/x/data");
    conf_release(s_keys, &c);
    CHECK_INT(d.n, 0);
}

TEST(conf_bind_reports_every_problem_with_position)
{
    s_cfg_t c;
    diag_t d = DIAG_INIT;
    CHECK_INT(s_bind("count: 11\non: maybe\nlevel: mid\ncolour: red\nsub: {pth: x}\n", &c, &d), -1);
    CHECK_INT(d.n, 6);
    CHECK_STR(d.msgs[0], "t.yaml:4:1: unknown key 'colour'");
    CHECK_STR(d.msgs[1], "t.yaml:1:1: missing required key 'name'");
    CHECK_STR(d.msgs[2], "t.yaml:1:8: count must be between 1 and 10, not 11");
    CHECK_STR(d.msgs[3], "t.yaml:2:5: on must be true or false, not 'maybe'");
    CHECK_STR(d.msgs[4], "t.yaml:3:8: level must be one of low, high, not 'mid'");
    CHECK_STR(d.msgs[5], "t.yaml:5:7: unknown key 'pth' (did you mean 'path'?)");
    conf_release(s_keys, &c);
    diag_free(&d);
}

TEST(conf_bind_limits_string_length)
{
    s_cfg_t c;
    diag_t d = DIAG_INIT;
    CHECK_INT(s_bind("name: much-too-long\n", &c, &d), -1);
    CHECK_CONTAINS(d.msgs[0], "name is longer than 8 characters");
    conf_release(s_keys, &c);
    diag_free(&d);
}

static char *s_write(const char *name, const char *text)
{
    char *p = file_join(test_tmpdir(), name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    return p;
}

TEST(hubconf_loads_the_shipped_file)
{
    diag_t d = DIAG_INIT;
    hubconf_t *c = hubconf_load(test_src("config/carerhub.yaml"), &d);
    diag_print(&d, stdout);
    CHECK(c != NULL);
    CHECK_STR(c->gp_intake.endpoint, "tcp://127.0.0.1:7301");
    CHECK_INT(c->router.redeliver_ms, 30000);
    CHECK_CONTAINS(c->routing, "config/routing.yaml");
    CHECK_STR(c->web.listen, "127.0.0.1:7320");
    hubconf_destroy(&c);
    CHECK(c == NULL);
}

/* The self intake's section: the shipped default, a file that leaves it
 * out, a file that sets it, and its endpoint checked as the others are. */
TEST(hubconf_self_intake_section)
{
    diag_t d = DIAG_INIT;
    hubconf_t *c = hubconf_load(test_src("config/carerhub.yaml"), &d);
    char *p;
    CHECK(c != NULL);
    CHECK_STR(c->self_intake.endpoint, "tcp://127.0.0.1:7304");
    CHECK(hubconf_intake(c, "self-intake") == &c->self_intake);
    hubconf_destroy(&c);
    p = s_write("hub.yaml", "data_dir: /tmp/x\n");
    c = hubconf_load(p, &d);
    CHECK(c != NULL);
    CHECK_STR(hubconf_intake(c, "self-intake")->endpoint, "tcp://127.0.0.1:7304");
    CHECK_INT(c->self_intake.batch, 2000);
    hubconf_destroy(&c);
    free(p);
    p = s_write("hub.yaml", "data_dir: /tmp/x\n"
                            "self_intake: {endpoint: \"ipc:///tmp/x/self.ipc\", retry_ms: 300}\n");
    c = hubconf_load(p, &d);
    CHECK(c != NULL);
    CHECK_STR(c->self_intake.endpoint, "ipc:///tmp/x/self.ipc");
    CHECK_INT(c->self_intake.retry_ms, 300);
    CHECK_STR(c->gp_intake.endpoint, "tcp://127.0.0.1:7301");
    hubconf_destroy(&c);
    free(p);
    p = s_write("hub.yaml", "data_dir: /tmp/x\nself_intake: {endpoint: udp://x, colour: red}\n");
    CHECK(hubconf_load(p, &d) == NULL);
    CHECK_INT(d.n, 2);
    CHECK_CONTAINS(d.msgs[0], ":2:34: unknown key 'colour'");
    CHECK_CONTAINS(d.msgs[1], ":2:25: self_intake.endpoint must be a tcp://, ipc:// or inproc://");
    diag_free(&d);
    free(p);
}

TEST(hubconf_reports_file_line_column)
{
    diag_t d = DIAG_INIT;
    char *p = s_write("hub.yaml", "data_dir: /tmp/x\nrouter:\n  intake_endpoint: http://x\n"
                                  "  batch: 0\nfrobnicate: 1\n");
    char want[600];
    hubconf_t *c = hubconf_load(p, &d);
    CHECK(c == NULL);
    CHECK_INT(d.n, 3);
    snprintf(want, sizeof want, "%s:5:1: unknown key 'frobnicate'", p);
    CHECK_STR(d.msgs[0], want);
    snprintf(want, sizeof want, "%s:4:10: batch must be between 1 and 100000, not 0", p);
    CHECK_STR(d.msgs[1], want);
    snprintf(want, sizeof want,
             "%s:3:20: router.intake_endpoint must be a tcp://, ipc:// or inproc:// "
             "endpoint, not 'http://x'",
             p);
    CHECK_STR(d.msgs[2], want);
    diag_free(&d);
    free(p);
}

TEST(hubconf_refuses_aliases_and_missing_file)
{
    diag_t d = DIAG_INIT;
    char *p = s_write("hub.yaml", "data_dir: &d /tmp\nrouting: *d\n");
    CHECK(hubconf_load(p, &d) == NULL);
    CHECK_CONTAINS(d.msgs[0], ":1:11: anchors (&d) are not allowed");
    diag_free(&d);
    CHECK(hubconf_load("/nonexistent/carerhub.yaml", &d) == NULL);
    CHECK_CONTAINS(d.msgs[0], "cannot read: No such file or directory");
    diag_free(&d);
    free(p);
}

/* --- the web section -------------------------------------------------- */

TEST(hubconf_web_defaults_and_values)
{
    diag_t d = DIAG_INIT;
    char *p = s_write("hub.yaml", "data_dir: /tmp/x\n"), *want;
    hubconf_t *c = hubconf_load(p, &d);
    CHECK(c != NULL);
    CHECK_STR(c->web.listen, "127.0.0.1:7320");
    CHECK(!c->web.tls_cert && !c->web.tls_key && !c->web.public_url);
    CHECK_INT(c->web.session_idle_minutes, 30);
    CHECK_INT(c->web.max_body_bytes, 65536);
    CHECK_INT(c->web.max_connections, 64);
    CHECK_INT(c->web.connection_timeout_s, 15);
    CHECK_INT(c->web.login_attempts, 5);
    CHECK_INT(c->web.login_window_minutes, 15);
    hubconf_destroy(&c);
    free(p);
    p = s_write("hub.yaml", "data_dir: /tmp/x\nweb:\n  listen: '[::]:443'\n"
                            "  tls_cert: certs/web.pem\n  tls_key: /etc/web.key\n"
                            "  public_url: https://refer.example.org/\n  login_attempts: 3\n");
    c = hubconf_load(p, &d);
    diag_print(&d, stdout);
    CHECK(c != NULL);
    CHECK_STR(c->web.listen, "[::]:443");
    want = file_join(test_tmpdir(), "certs/web.pem");
    CHECK_STR(c->web.tls_cert, want);
    CHECK_STR(c->web.tls_key, "/etc/web.key");
    CHECK_STR(c->web.public_url, "https://refer.example.org");
    CHECK_INT(c->web.login_attempts, 3);
    hubconf_destroy(&c);
    free(want);
    free(p);
}

TEST(hubconf_web_listen_addresses)
{
    const char *good[] = {"localhost:8080", "0.0.0.0:443", "[::]:7320", "[::1]:0",
                          "127.0.0.1:65535"};
    const char *bad[][2] = {
        {"example.org:80", "numeric IPv4 or IPv6 address, or localhost"},
        {"127.0.0.1", "it needs a port"},
        {"::1:7320", "an IPv6 address goes in brackets"},
        {"[::1]7320", "an IPv6 address goes in brackets"},
        {"[fe80::zz]:80", "not an IPv6 address"},
        {"127.0.0.1:65536", "the port must be a number from 0 to 65535"},
        {"127.0.0.1:http", "the port must be a number"},
        {"1.2.3:80", "numeric IPv4"},
        {":80", "it needs an address"},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good + sizeof bad / sizeof *bad; i++) {
        bool ok = i < sizeof good / sizeof *good;
        const char *l = ok ? good[i] : bad[i - sizeof good / sizeof *good][0];
        char *text = xasprintf("data_dir: /tmp/x\nweb:\n  listen: '%s'\n", l);
        char *p = s_write("hub.yaml", text);
        diag_t d = DIAG_INIT;
        hubconf_t *c = hubconf_load(p, &d);
        free(text);
        free(p);
        if (ok) {
            CHECK(c != NULL);
            CHECK_STR(c->web.listen, l);
        } else {
            char want[200];
            CHECK(c == NULL);
            CHECK_INT(d.n, 1);
            snprintf(want, sizeof want, ":3:11: web.listen must be address:port, not '%s': ", l);
            CHECK_CONTAINS(d.msgs[0], want);
            CHECK_CONTAINS(d.msgs[0], bad[i - sizeof good / sizeof *good][1]);
        }
        hubconf_destroy(&c);
        diag_free(&d);
    }
}

TEST(hubconf_web_tls_both_or_neither_and_url)
{
    diag_t d = DIAG_INIT;
    char *p = s_write("hub.yaml", "data_dir: /tmp/x\nweb:\n  tls_key: web.key\n"
                                  "  public_url: refer.example.org\n  max_body_bytes: 10\n");
    CHECK(hubconf_load(p, &d) == NULL);
    CHECK_INT(d.n, 3);
    CHECK_CONTAINS(d.msgs[0], ":5:19: max_body_bytes must be between 1024 and 8388608, not 10");
    CHECK_CONTAINS(d.msgs[1], ":3:12: web.tls_cert and web.tls_key go together");
    CHECK_CONTAINS(d.msgs[2], ":4:15: web.public_url must be an http:// or https:// address");
    diag_free(&d);
    free(p);
}

/* --- routing's reporting keys: programme_start, targets, referrers ---- */

static const char s_route_head[] = "area: Test\ndistricts: districts.yaml\n"
                                   "providers: {a: {name: A}}\n"
                                   "rules:\n  - {name: r, provider: a}\n"
                                   "triage: a\n";

/* Loads the routing s_route_head then tail; d gets the problems. */
static route_t *s_route_load(const char *tail, diag_t *d)
{
    char *text = xasprintf("%s%s", s_route_head, tail), *dist, *path;
    route_t *rt;
    dist = s_write("districts.yaml", "authorities:\n"
                                     "  E07000070: {name: Chelmsford, country: England}\n"
                                     "districts:\n  CM1: [E07000070]\n");
    path = s_write("routing.yaml", text);
    rt = route_load(path, d);
    free(text);
    free(dist);
    free(path);
    return rt;
}

TEST(route_reporting_shipped_targets_and_names)
{
    diag_t d = DIAG_INIT;
    route_t *rt = route_load(test_src("config/routing.yaml"), &d);
    date_t day;
    uint64_t carers;
    diag_print(&d, stdout);
    CHECK(rt != NULL);
    /* ECCOS: 4,150 carers by April 2025 and 12,500 by April 2027, from
     * April 2024 (days since 1970: 19814 is 2024-04-01). */
    CHECK_INT(route_programme_start(rt), 19814);
    CHECK_INT(route_target_count(rt), 2);
    route_target(rt, 0, &day, &carers);
    CHECK_INT(day, 19814 + 365);
    CHECK_INT(carers, 4150);
    route_target(rt, 1, &day, &carers);
    CHECK_INT(day, 19814 + 3 * 365); /* no 29 February between */
    CHECK_INT(carers, 12500);
    CHECK(route_referrer_name(rt, ROUTE_SRC_GP, "F81001") == NULL);
    CHECK_STR(route_authority_name(rt, "E07000070"), "Chelmsford");
    CHECK(route_authority_name(rt, "E99999999") == NULL);
    route_destroy(&rt);
}

TEST(route_reporting_reads_referrers_by_source)
{
    diag_t d = DIAG_INIT;
    route_t *rt = s_route_load("referrers:\n"
                               "  gp: {F81002: \"Zed Surgery\", F81001: \"Siân's Practice\"}\n"
                               "  discharge: {RAJ: Mid and South Essex}\n"
                               "  school: {\"115000\": Example Academy}\n",
                               &d);
    diag_print(&d, stdout);
    CHECK(rt != NULL);
    CHECK_STR(route_referrer_name(rt, ROUTE_SRC_GP, "F81001"), "Siân's Practice");
    CHECK_STR(route_referrer_name(rt, ROUTE_SRC_GP, "F81002"), "Zed Surgery");
    CHECK_STR(route_referrer_name(rt, ROUTE_SRC_DISCHARGE, "RAJ"), "Mid and South Essex");
    CHECK_STR(route_referrer_name(rt, ROUTE_SRC_SCHOOL, "115000"), "Example Academy");
    /* A code is the source's: the same code under another is unknown. */
    CHECK(route_referrer_name(rt, ROUTE_SRC_SCHOOL, "F81001") == NULL);
    CHECK(route_referrer_name(rt, ROUTE_SRC_GP, "F81003") == NULL);
    /* Without programme_start or targets, nothing to count against. */
    CHECK_INT(route_programme_start(rt), -1);
    CHECK_INT(route_target_count(rt), 0);
    route_destroy(&rt);
}

TEST(route_contact_by_days_by_source_with_self)
{
    diag_t d = DIAG_INIT;
    route_t *rt = route_load(test_src("config/routing.yaml"), &d);
    CHECK(rt != NULL);
    CHECK_INT(route_contact_by_days(rt, ROUTE_SRC_DISCHARGE), 2);
    CHECK_INT(route_contact_by_days(rt, ROUTE_SRC_SELF), 10);
    route_destroy(&rt);
    /* Left out, ten days; set, its own; and a rule may name the source. */
    rt = s_route_load("contact_by_days: {gp: 7}\n", &d);
    CHECK(rt != NULL);
    CHECK_INT(route_contact_by_days(rt, ROUTE_SRC_GP), 7);
    CHECK_INT(route_contact_by_days(rt, ROUTE_SRC_SELF), 10);
    route_destroy(&rt);
    rt = s_route_load("contact_by_days: {self: 3}\n", &d);
    CHECK(rt != NULL);
    CHECK_INT(route_contact_by_days(rt, ROUTE_SRC_SELF), 3);
    CHECK_INT(route_contact_by_days(rt, ROUTE_SRC_GP), 10);
    route_destroy(&rt);
    /* A priority case's target: 2 days unless set. */
    CHECK_INT(route_priority_contact_by_days(rt = s_route_load("", &d)), 2);
    route_destroy(&rt);
    rt = s_route_load("priority_contact_by_days: 1\n", &d);
    CHECK(rt != NULL);
    CHECK_INT(route_priority_contact_by_days(rt), 1);
    route_destroy(&rt);
    diag_print(&d, stdout);
    CHECK_INT(d.n, 0);
}

TEST(route_rule_for_source_self)
{
    diag_t d = DIAG_INIT;
    char *dist = s_write("districts.yaml", "authorities:\n"
                                           "  E07000070: {name: Chelmsford, country: England}\n"
                                           "districts:\n  CM1: [E07000070]\n");
    char *path = s_write("routing.yaml", "area: Test\ndistricts: districts.yaml\n"
                                         "providers: {a: {name: A}, web: {name: W}}\n"
                                         "rules:\n"
                                         "  - {name: own, when: {source: self}, provider: web}\n"
                                         "  - {name: r, provider: a}\n"
                                         "triage: a\n");
    route_t *rt = route_load(path, &d);
    route_result_t r;
    diag_print(&d, stdout);
    CHECK(rt != NULL);
    route_decide(rt, "CM1 1AA", -1, ROUTE_SRC_SELF, NULL, NULL, &r);
    CHECK_STR(route_provider_id(rt, r.provider), "web");
    route_decide(rt, "CM1 1AA", -1, ROUTE_SRC_GP, NULL, NULL, &r);
    CHECK_STR(route_provider_id(rt, r.provider), "a");
    route_destroy(&rt);
    free(dist);
    free(path);
}

/* tail is refused with exactly one problem, which says want. */
static bool s_route_refused(const char *tail, const char *want)
{
    diag_t d = DIAG_INIT;
    route_t *rt = s_route_load(tail, &d);
    bool ok = rt == NULL && d.n == 1 && strstr(d.msgs[0], want) != NULL;
    if (!ok) {
        printf("for: %s", tail);
        diag_print(&d, stdout);
    }
    route_destroy(&rt);
    diag_free(&d);
    return ok;
}

TEST(route_reporting_refuses_each_bad_value_by_name)
{
    static const char start[] = "programme_start: 2024-04-01\n";
    char *t;
    CHECK(s_route_refused("programme_start: 2024-02-30\n",
                          "routing.yaml:7:18: programme_start must be a date, YYYY-MM-DD"));
    CHECK(s_route_refused("programme_start: April\n", "programme_start must be a date"));
    CHECK(s_route_refused("targets: [{date: 2025-04-01, carers: 10}]\n",
                          "routing.yaml:7:10: targets needs programme_start"));
    t = xasprintf("%stargets: {date: 2025-04-01}\n", start);
    CHECK(s_route_refused(t, "targets must be a list"));
    free(t);
    t = xasprintf("%stargets: [{date: 2025-13-01, carers: 10}]\n", start);
    CHECK(s_route_refused(t, "targets[0].date must be a date, YYYY-MM-DD"));
    free(t);
    t = xasprintf("%stargets: [{carers: 10}]\n", start);
    CHECK(s_route_refused(t, "targets[0].date must be a date"));
    free(t);
    t = xasprintf("%stargets: [{date: 2024-04-01, carers: 10}]\n", start);
    CHECK(s_route_refused(t, "targets[0].date must be after programme_start"));
    free(t);
    t = xasprintf("%stargets: [{date: 2026-04-01, carers: 10}, {date: 2025-04-01, carers: 20}]\n",
                  start);
    CHECK(s_route_refused(t, "routing.yaml:8:50: targets[1].date must be after the target before"));
    free(t);
    t = xasprintf("%stargets: [{date: 2025-04-01, carers: 0}]\n", start);
    CHECK(s_route_refused(t, "targets[0].carers must be a whole number of carers"));
    free(t);
    t = xasprintf("%stargets: [{date: 2025-04-01, carers: many}]\n", start);
    CHECK(s_route_refused(t, "targets[0].carers must be a whole number"));
    free(t);
    t = xasprintf("%stargets: [{date: 2025-04-01, carers: 5, people: 3}]\n", start);
    CHECK(s_route_refused(t, "unknown key 'people'"));
    free(t);
    CHECK(s_route_refused("referrers: [F81001]\n", "referrers must map sources"));
    CHECK(s_route_refused("referrers: {pharmacy: {}}\n", "unknown key 'pharmacy'"));
    /* The public is no organisation to name. */
    CHECK(s_route_refused("referrers: {self: {}}\n", "unknown key 'self'"));
    CHECK(s_route_refused("contact_by_days: {self: 0}\n",
                          "contact_by_days.self must be a whole number of days from 1 to 365"));
    CHECK(s_route_refused("contact_by_days: {web: 3}\n", "unknown key 'web'"));
    CHECK(s_route_refused("priority_contact_by_days: 0\n",
                          "priority_contact_by_days must be a whole number of days from 1 to 365"));
    CHECK(s_route_refused("priority_contact_by_days: {gp: 1}\n",
                          "priority_contact_by_days must be a whole number of days from 1 to 365"));
    CHECK(s_route_refused("referrers: {gp: [F81001]}\n", "referrers.gp must map each"));
    CHECK(s_route_refused("referrers: {gp: {RAJ: A Trust}}\n",
                          "routing.yaml:7:18: referrers.gp: 'RAJ' is not a practice ODS code"));
    CHECK(s_route_refused("referrers: {discharge: {F81001: A}}\n",
                          "referrers.discharge: 'F81001' is not a trust ODS code"));
    CHECK(s_route_refused("referrers: {school: {\"11500\": A}}\n",
                          "referrers.school: '11500' is not a school URN"));
    CHECK(s_route_refused("referrers: {gp: {F81001: \"\"}}\n",
                          "referrers.gp.F81001: the name must be 1-100 characters"));
    CHECK(
        s_route_refused("referrers: {gp: {F81001: \"a\\tb\"}}\n", "referrers.gp.F81001: the name"));
    CHECK(s_route_refused("referrers: {gp: {F81001: \"a\\u202eb\"}}\n",
                          "referrers.gp.F81001: the name"));
    CHECK(s_route_refused("referrers: {gp: {F81001: {name: A}}}\n", "referrers.gp.F81001"));
    t = xasprintf("referrers: {gp: {F81001: \"%0101d\"}}\n", 0);
    CHECK(s_route_refused(t, "referrers.gp.F81001: the name must be 1-100 characters"));
    free(t);
}

/* The message, line and column of text's YAML failure, as "L:C: message". */
static const char *s_failure(const char *text, size_t len)
{
    static char out[400];
    ystream_t *s = ytree_parse(text, len, &s_lim);
    int line, col;
    const char *e = ystream_error(s, &line, &col);
    snprintf(out, sizeof out, "%d:%d: %s (%s)", line, col, e ? e : "(no error)",
             ystream_error_code(s) ? ystream_error_code(s) : "-");
    ystream_destroy(&s);
    return out;
}
#define S_FAILURE(text) s_failure(text, sizeof text - 1)

TEST(ytree_tab_used_to_indent)
{
    CHECK_STR(S_FAILURE("practice: F81001\ncarer:\n  given_name: Jane\n\tfamily_name: Doe\n"),
              "4:1: use spaces, not a tab, to indent (syntax)");
    CHECK_STR(S_FAILURE("carer:\n\tgiven_name: Jane\n"),
              "2:1: use spaces, not a tab, to indent (syntax)");
    CHECK_STR(S_FAILURE("carer:\n  \tgiven_name: Jane\n"),
              "2:3: use spaces, not a tab, to indent (syntax)");
    /* After a colon, a tab is white space like any other. */
    CHECK_STR(S_FAILURE("carer:\n  given_name:\tJane\n"), "0:0: (no error) (-)");
}

TEST(ytree_no_space_after_the_colon)
{
    /* libyaml stops on the next line, or the one after; the message is on
     * the line to put right, with the field and a few characters only. */
    CHECK_STR(S_FAILURE("practice: F81001\ncarer:\n  family_name: Doe\n  given_name:Jane\n"
                        "  postcode: CM2 0AA\n"),
              "4:3: put a space after the colon in 'given_name:Jane' (syntax)");
    CHECK_STR(S_FAILURE("practice: F81001\ncarer:\n  given_name:Jane\n  family_name: Doe\n"),
              "3:3: put a space after the colon in 'given_name:Jane' (syntax)");
    CHECK_STR(S_FAILURE("practice:F81001\ncarer:\n  family_name: Doe\n"),
              "1:1: put a space after the colon in 'practice:F810...' (syntax)");
    CHECK_STR(S_FAILURE("carer:\n  given_name: Jane\n  family_name:Adversary\ncared_for: x\n"),
              "3:3: put a space after the colon in 'family_name:Adve...' (syntax)");
    CHECK_STR(S_FAILURE("carers:\n  - given_name: Jane\n    postcode:CM2 0AA\n    x: 1\n"),
              "3:5: put a space after the colon in 'postcode:CM2...' (syntax)");
    /* A colon without a space in a value is no mistake. */
    CHECK_STR(S_FAILURE("a: 10:30\nb: https://example.org\nc: x:y\n"), "0:0: (no error) (-)");
}

TEST(ytree_missing_space_reads_field_and_value)
{
    char out[80];
    CHECK(ytree_missing_space("given_name:Jane", 15, out, sizeof out));
    CHECK_STR(out, "given_name:Jane");
    CHECK(ytree_missing_space("family_name:Zo\xc3\xab Smith", 21, out, sizeof out));
    CHECK_STR(out, "family_name:Zo\xc3\xab...");
    CHECK(!ytree_missing_space("10:30", 5, out, sizeof out));
    CHECK(!ytree_missing_space("https://x", 9, out, sizeof out));
    CHECK(!ytree_missing_space("name: x", 7, out, sizeof out));
    CHECK(!ytree_missing_space("name:", 5, out, sizeof out));
    CHECK(!ytree_missing_space("two words:x", 11, out, sizeof out));
}

TEST(ytree_file_not_in_utf8)
{
    /* Zoë in Latin-1 is Z o \xeb: the line and the word, the bad byte as ?. */
    CHECK_STR(S_FAILURE("practice: F81001\ncarer:\n  given_name: Jane\n  family_name: Zo\xeb\n"
                        "  postcode: CM2 0AA\n"),
              "4:18: this file is not saved as UTF-8 (line 4 has 'Zo?'): save it as UTF-8 "
              "(encoding)");
    CHECK_STR(S_FAILURE("a: 1\nb: \"Si\xe2n Ll\xfdr\"\n"),
              "2:7: this file is not saved as UTF-8 (line 2 has 'Si?n'): save it as UTF-8 "
              "(encoding)");
    /* Columns count characters: the é before it is one. */
    CHECK_STR(S_FAILURE("a: \xc3\xa9t\xe9\n"),
              "1:6: this file is not saved as UTF-8 (line 1 has '\xc3\xa9t?'): save it as UTF-8 "
              "(encoding)");
    /* Well-formed, but a character YAML refuses. */
    CHECK_STR(S_FAILURE("a: 1\nb: x\x01y\n"),
              "2:5: this line has a control character (U+0001), which cannot be seen: delete it "
              "(encoding)");
}

TEST(ytree_unclosed_and_misplaced_in_plain_words)
{
    CHECK_STR(S_FAILURE("a: [1, 2\nb: 3\n"),
              "1:4: the list that opens with '[' here is not closed with ']' (syntax)");
    CHECK_STR(S_FAILURE("a: {x: 1\nb: 3\n"), "1:4: the '{' here is not closed with '}' (syntax)");
    CHECK_STR(S_FAILURE("a: 1\nb: \"abc\nc: 3\n"),
              "2:4: the quote that opens here is not closed (syntax)");
    CHECK_STR(S_FAILURE("relationship: mother: Jane\n"),
              "1:21: a value holds ': ' (a colon and a space): put the value in quotes (syntax)");
    CHECK_STR(S_FAILURE("carer:\n  given_name Jane\n  family_name: Doe\n"),
              "2:1: put ': ' (a colon and a space) after the field name on this line (syntax)");
    CHECK_STR(S_FAILURE("carer:\n  given_name: Jane\n family_name: Doe\n"),
              "3:2: this line does not line up with the lines above it: check how far it is "
              "indented (syntax)");
    CHECK_STR(S_FAILURE("a: @x\n"),
              "1:4: a value cannot start with '@': put it in quotes (syntax)");
}

TEST(ytree_hint_counts_lines_and_columns_as_libyaml)
{
    /* Old Mac line breaks, a byte order mark, and columns in characters,
     * not bytes: the place is where a text editor shows it. */
    CHECK_STR(S_FAILURE("a: 1\r\tb: 2\r"), "2:1: use spaces, not a tab, to indent (syntax)");
    CHECK_STR(S_FAILURE("a: 1\rb:\r  given_name:Jane\r  x: 1\r"),
              "3:3: put a space after the colon in 'given_name:Jane' (syntax)");
    CHECK_STR(S_FAILURE("\xef\xbb\xbf"
                        "a: 1\n\tb: 2\n"),
              "2:1: use spaces, not a tab, to indent (syntax)");
    CHECK_STR(S_FAILURE("\xc3\xa9t\xc3\xa9: x: y\n"),
              "1:7: a value holds ': ' (a colon and a space): put the value in quotes (syntax)");
    CHECK_STR(S_FAILURE("a: 1\r\nb: 2\r\n\tc: 3\r\n"),
              "3:1: use spaces, not a tab, to indent (syntax)");
}
