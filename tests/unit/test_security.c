/*
 * Unit tests of the participants file, CURVE key files, and whom a request
 * acts for (a gateway's user: secure_acting).
 */
#include "test.h"

#include "conf/conf.h"
#include "daemon/daemon.h"
#include "daemon/secure.h"
#include "fixture.h"
#include "domain/participants.h"
#include "util/file.h"
#include "util/mem.h"
#include "wire/curve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static participants_t *s_golden(void)
{
    diag_t d = DIAG_INIT;
    participants_t *p = participants_load(test_src("tests/golden/config/ok.participants.yaml"), &d);
    diag_free(&d);
    return p;
}

TEST(participants_look_up_by_key_and_scope)
{
    participants_t *p = s_golden();
    const participant_t *who;
    CHECK(p != NULL);
    CHECK_INT(participants_count(p), 5);
    who = participants_by_key(p, "qq[.V0<Xir!=qFhi{&<KP=MJXVu3n%0-z.*=A%^3");
    CHECK(who != NULL);
    CHECK_STR(who->id, "broomfield");
    CHECK_INT(who->role, ROLE_HOSPITAL);
    CHECK(participant_in_scope(who, "RAJ"));
    CHECK(participant_in_scope(who, "RDE"));
    CHECK(!participant_in_scope(who, "RXQ"));
    CHECK(!participant_in_scope(who, "raj"));
    CHECK(!participant_in_scope(who, NULL));
    who = participants_by_key(p, "thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]JoK8");
    CHECK(who != NULL);
    CHECK_INT(who->role, ROLE_OPERATOR);
    CHECK(!participant_in_scope(who, "F81001"));
    /* One character different is somebody else. */
    CHECK(participants_by_key(p, "thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]JoK9") == NULL);
    CHECK(participants_by_key(p, "") == NULL);
    participants_destroy(&p);
    CHECK(p == NULL);
}

TEST(participants_fingerprint_is_a_prefix_of_the_public_key)
{
    char fp[16];
    key_fingerprint("thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]JoK8", fp, sizeof fp);
    CHECK_STR(fp, "thTd&!}co^4D");
    key_fingerprint("", fp, sizeof fp);
    CHECK_STR(fp, "");
}

TEST(participants_file_with_problems_is_refused_whole)
{
    diag_t d = DIAG_INIT;
    char *path = xasprintf("%s/p.yaml", test_tmpdir());
    const char *text =
        "participants:\n"
        "  - {id: ok, role: operator, key: \"thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]JoK8\"}\n"
        "  - {id: ok, role: gp, scope: F81001, key: "
        "\"YEniVKf}dK<&<[p8%YMgbbU{<sK+ARe.P>LUuR5A\"}\n";
    participants_t *p;
    CHECK(file_write_atomic(path, text, strlen(text), 0600) == 0);
    p = participants_load(path, &d);
    CHECK(p == NULL);
    CHECK_INT(d.n, 1);
    CHECK_CONTAINS(d.msgs[0], "p.yaml:3:10: two participants are called ok");
    diag_free(&d);
    /* An id like a gateway's user ("web/a.patel") would mislead the audit. */
    text = "participants:\n"
           "  - {id: web/a.patel, role: operator, key: "
           "\"thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]JoK8\"}\n";
    CHECK(file_write_atomic(path, text, strlen(text), 0600) == 0);
    p = participants_load(path, &d);
    CHECK(p == NULL);
    CHECK_INT(d.n, 1);
    CHECK_CONTAINS(d.msgs[0], "participant web/a.patel: an id may not contain '/'");
    diag_free(&d);
    p = participants_load("/nonexistent/participants.yaml", &d);
    CHECK(p == NULL);
    CHECK_INT(d.n, 1);
    CHECK_STR(d.msgs[0], "/nonexistent/participants.yaml: cannot read: No such file or directory");
    diag_free(&d);
    free(path);
}

TEST(curve_keygen_writes_private_secret_and_public_key)
{
    keypair_t kp, back;
    char err[512], pub[CURVE_Z85];
    char *dir = xasprintf("%s/keys", test_tmpdir());
    char *kpath = xasprintf("%s/alice.key", dir), *ppath = xasprintf("%s/alice.pub", dir);
    struct stat st;

    CHECK(curve_keygen(dir, "alice", &kp, err, sizeof err) == 0);
    CHECK(stat(dir, &st) == 0);
    CHECK_INT(st.st_mode & 0777, 0700);
    CHECK(stat(kpath, &st) == 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    CHECK(curve_load_secret(kpath, &back, err, sizeof err) == 0);
    CHECK_STR(back.pub, kp.pub);
    CHECK_STR(back.sec, kp.sec);
    CHECK(curve_load_public(ppath, pub, err, sizeof err) == 0);
    CHECK_STR(pub, kp.pub);
    /* The public file does not hold the secret. */
    {
        char *data;
        size_t len;
        CHECK(file_read_all(ppath, 4096, &data, &len) == 0);
        CHECK(strstr(data, kp.sec) == NULL);
        free(data);
    }
    /* Never overwritten. */
    CHECK(curve_keygen(dir, "alice", &kp, err, sizeof err) < 0);
    CHECK_CONTAINS(err, "already exists");
    CHECK(curve_load_secret(kpath, &kp, err, sizeof err) == 0);
    CHECK_STR(kp.sec, back.sec);
    /* Names cannot climb out of the directory. */
    CHECK(curve_keygen(dir, "../bob", &kp, err, sizeof err) < 0);
    CHECK_STR(err, "a key name is letters, digits, '-', '_' and '.'");
    CHECK(curve_keygen(dir, ".hidden", &kp, err, sizeof err) < 0);
    CHECK_STR(err, "a key name is letters, digits, '-', '_' and '.'");
    CHECK(curve_keygen(dir, "", &kp, err, sizeof err) < 0);
    CHECK_CONTAINS(err, ": no name");
    CHECK(access(ppath, F_OK) == 0);
    {
        char *bob = xasprintf("%s/bob.key", test_tmpdir());
        CHECK(access(bob, F_OK) < 0);
        free(bob);
    }
    free(dir);
    free(kpath);
    free(ppath);
}

TEST(curve_refuses_a_secret_key_others_can_read)
{
    keypair_t kp;
    char err[512], want[600];
    char *dir = xasprintf("%s/k", test_tmpdir()), *kpath = xasprintf("%s/k/x.key", test_tmpdir());
    CHECK(curve_keygen(dir, "x", &kp, err, sizeof err) == 0);
    CHECK(chmod(kpath, 0640) == 0);
    CHECK(curve_load_secret(kpath, &kp, err, sizeof err) < 0);
    snprintf(want, sizeof want,
             "%s is readable by others (mode 0640): refusing to use it; chmod 600 %s", kpath,
             kpath);
    CHECK_STR(err, want);
    CHECK(chmod(kpath, 0604) == 0);
    CHECK(curve_load_secret(kpath, &kp, err, sizeof err) < 0);
    CHECK_CONTAINS(err, "is readable by others (mode 0604)");
    /* Others who cannot read it but can change it: refused too. */
    CHECK(chmod(kpath, 0620) == 0);
    CHECK(curve_load_secret(kpath, &kp, err, sizeof err) < 0);
    CHECK_CONTAINS(err,
                   "x.key can be changed by others (mode 0620): refusing to use it; chmod 600");
    CHECK(chmod(kpath, 0602) == 0);
    CHECK(curve_load_secret(kpath, &kp, err, sizeof err) < 0);
    CHECK(chmod(kpath, 0400) == 0);
    CHECK(curve_load_secret(kpath, &kp, err, sizeof err) == 0);
    free(dir);
    free(kpath);
}

TEST(curve_keygen_leaves_an_existing_directory_as_it_is)
{
    keypair_t kp;
    char err[512];
    char *dir = xasprintf("%s/keys", test_tmpdir()),
         *kpath = xasprintf("%s/keys/x.key", test_tmpdir());
    struct stat st;
    CHECK(mkdir(dir, 0711) == 0 && chmod(dir, 0711) == 0);
    CHECK(curve_keygen(dir, "x", &kp, err, sizeof err) == 0);
    CHECK(stat(dir, &st) == 0);
    CHECK_INT(st.st_mode & 0777, 0711); /* an installation's: passable, not listable */
    CHECK(stat(kpath, &st) == 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    free(dir);
    free(kpath);
}

TEST(curve_refuses_a_secret_key_through_a_symlink)
{
    keypair_t kp;
    char err[512];
    char *dir = xasprintf("%s/k", test_tmpdir()), *kpath = xasprintf("%s/k/x.key", test_tmpdir());
    char *link = xasprintf("%s/k/link.key", test_tmpdir());
    CHECK(curve_keygen(dir, "x", &kp, err, sizeof err) == 0);
    CHECK(symlink(kpath, link) == 0);
    CHECK(curve_load_secret(link, &kp, err, sizeof err) < 0);
    CHECK_CONTAINS(err, "link.key is a symlink: refusing to use it");
    CHECK(curve_load_secret(kpath, &kp, err, sizeof err) == 0);
    free(dir);
    free(kpath);
    free(link);
}

TEST(curve_refuses_a_secret_key_of_another_user)
{
    keypair_t kp;
    char err[512], want[64];
    char *dir = xasprintf("%s/k", test_tmpdir()), *kpath = xasprintf("%s/k/x.key", test_tmpdir());
    CHECK(curve_keygen(dir, "x", &kp, err, sizeof err) == 0);
    if (chown(kpath, geteuid() + 4242, (gid_t)-1) < 0) {
        CHECK_INT(errno, EPERM); /* not root: nobody else's file to make here */
        free(dir);
        free(kpath);
        return;
    }
    CHECK(curve_load_secret(kpath, &kp, err, sizeof err) < 0);
    snprintf(want, sizeof want, "is owned by uid %lu, not by this user (uid %lu)",
             (unsigned long)geteuid() + 4242, (unsigned long)geteuid());
    CHECK_CONTAINS(err, want);
    free(dir);
    free(kpath);
}

TEST(curve_refuses_a_secret_key_that_is_not_a_file)
{
    keypair_t kp;
    char err[512];
    char *fifo = xasprintf("%s/fifo.key", test_tmpdir());
    CHECK(mkfifo(fifo, 0600) == 0);
    CHECK(curve_load_secret(fifo, &kp, err, sizeof err) < 0); /* and does not hang */
    CHECK_CONTAINS(err, "fifo.key is not a regular file");
    CHECK(curve_load_secret(test_tmpdir(), &kp, err, sizeof err) < 0);
    CHECK_CONTAINS(err, "is not a regular file");
    free(fifo);
}

TEST(participants_file_others_can_change_is_refused)
{
    diag_t d = DIAG_INIT;
    char *path = xasprintf("%s/p.yaml", test_tmpdir());
    char *link = xasprintf("%s/link.yaml", test_tmpdir());
    const char *text =
        "participants:\n"
        "  - {id: ok, role: operator, key: \"thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]JoK8\"}\n";
    participants_t *p;
    CHECK(file_write_atomic(path, text, strlen(text), 0644) == 0);
    p = participants_load(path, &d); /* readable by all is fine: public keys */
    CHECK(p != NULL);
    participants_destroy(&p);
    CHECK(chmod(path, 0664) == 0);
    p = participants_load(path, &d);
    CHECK(p == NULL);
    CHECK_INT(d.n, 1);
    CHECK_CONTAINS(d.msgs[0], "p.yaml can be changed by others (mode 0664): refusing to use it; "
                              "chmod go-w");
    diag_free(&d);
    CHECK(chmod(path, 0600) == 0);
    CHECK(symlink(path, link) == 0);
    p = participants_load(link, &d);
    CHECK(p == NULL);
    CHECK_CONTAINS(d.msgs[0], "link.yaml is a symlink");
    diag_free(&d);
    if (chown(path, geteuid() + 4242, (gid_t)-1) == 0) {
        char want[64];
        p = participants_load(path, &d);
        CHECK(p == NULL);
        snprintf(want, sizeof want, "is owned by uid %lu, neither this user",
                 (unsigned long)geteuid() + 4242);
        CHECK_CONTAINS(d.msgs[0], want);
        diag_free(&d);
    }
    free(path);
    free(link);
}

TEST(curve_refuses_key_files_without_a_key)
{
    keypair_t kp;
    char err[512], pub[CURVE_Z85];
    char *path = xasprintf("%s/bad.key", test_tmpdir());
    const char *bad[] = {"",
                         "# only a comment\n",
                         "tooshort\n",
                         "thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]JoK\n",    /* 39 */
                         "thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]JoK8x\n",  /* 41 */
                         "thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]Jo\"8\n"}; /* not Z85 */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unlink(path);
        CHECK(file_write_atomic(path, bad[i], strlen(bad[i]), 0600) == 0);
        if (curve_load_secret(path, &kp, err, sizeof err) == 0 ||
            curve_load_public(path, pub, err, sizeof err) == 0) {
            test_fail(__FILE__, __LINE__, "key file %zu was taken", i);
            return;
        }
        CHECK_CONTAINS(err, "does not hold a Z85 key");
    }
    CHECK(curve_load_secret("/nonexistent/x.key", &kp, err, sizeof err) < 0);
    CHECK_STR(err, "/nonexistent/x.key: cannot read: No such file or directory (make one with: "
                   "carerhub keygen NAME)");
    free(path);
}

/* --- whom a request acts for (secure_acting) ------------------------------ */

/* A daemon's security with three listed keys: a gateway ("web"), a GP
 * practice's and an operator's; and the public key of each. */
typedef struct {
    hubconf_t *conf;
    route_t *rt;
    secure_t *sec;
    char pub[3][CURVE_Z85]; /* web, gp, operator */
} s_acting_h;

static int s_acting_open(s_acting_h *h)
{
    const char *names[] = {"gp-intake", "web", "gp", "operator"};
    keypair_t kp[4];
    char *parts;
    int rc;
    memset(h, 0, sizeof *h);
    if (fixture_keys(names, 4, kp) < 0)
        return -1;
    for (int i = 0; i < 3; i++)
        memcpy(h->pub[i], kp[i + 1].pub, CURVE_Z85);
    /* The gateway may act for every user's role: what the place allows
     * is under test here (acts_for: test_security_acts_for.c). */
    parts = xasprintf("participants:\n"
                      "  - {id: web, role: gateway, key: \"%s\",\n"
                      "     acts_for: [gp, hospital, school, provider, commissioner, operator]}\n"
                      "  - {id: gp, role: gp, scope: [F81001, F81002], key: \"%s\"}\n"
                      "  - {id: operator, role: operator, key: \"%s\"}\n",
                      h->pub[0], h->pub[1], h->pub[2]);
    rc = fixture_conf(parts, "", &h->conf, &h->rt);
    free(parts);
    if (rc < 0)
        return -1;
    h->sec = secure_start(h->conf, "gp-intake");
    return 0;
}

static void s_acting_close(s_acting_h *h)
{
    secure_stop(&h->sec);
    daemon_zmq_term();
    route_destroy(&h->rt);
    hubconf_destroy(&h->conf);
}

/* Whom a status query from key (0 web, 1 gp, 2 operator, -1 a stranger)
 * with OnBehalf {user, role, org} (user NULL: none) is for, arriving at
 * `at`; why is set. */
static const participant_t *s_acting_at(s_acting_h *h, secure_at_t at, int key, const char *user,
                                        const char *role, const char *org, secure_acting_t *as,
                                        char *why, size_t whysz)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatusQuery q = CARERHUB__STATUS_QUERY__INIT;
    Carerhub__OnBehalf ob = CARERHUB__ON_BEHALF__INIT;
    wire_peer_t peer;
    memset(&peer, 0, sizeof peer);
    peer.fd = -1;
    snprintf(peer.user, sizeof peer.user, "%s",
             key >= 0 ? h->pub[key] : "0000000000000000000000000000000000000000");
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &q;
    ob.user = (char *)user;
    ob.role = (char *)role;
    ob.organisation = (char *)org;
    env.on_behalf = user || role || org ? &ob : NULL;
    snprintf(why, whysz, "(unset)");
    return at == SECURE_AT_INTAKE ? secure_acting(h->sec, &peer, &env, as, why, whysz)
                                  : secure_acting_at(h->sec, at, &peer, &env, as, why, whysz);
}

/* The same at an intake. */
static const participant_t *s_acting(s_acting_h *h, int key, const char *user, const char *role,
                                     const char *org, secure_acting_t *as, char *why, size_t whysz)
{
    return s_acting_at(h, SECURE_AT_INTAKE, key, user, role, org, as, why, whysz);
}

static void s_check_users(s_acting_h *h)
{
    static const struct {
        const char *role, *org;
        role_t want;
    } users[] = {
        {"gp", "F81001", ROLE_GP},
        {"hospital", "RAJ", ROLE_HOSPITAL},
        {"school", "115000", ROLE_SCHOOL},
    };
    secure_acting_t as;
    char why[200], name[200];
    const participant_t *who;
    for (size_t i = 0; i < sizeof users / sizeof *users; i++) {
        who = s_acting(h, 0, "a.patel", users[i].role, users[i].org, &as, why, sizeof why);
        CHECK(who == &as.p);
        CHECK_STR(who->id, "web/a.patel");
        CHECK_INT(who->role, users[i].want);
        CHECK_INT(who->nscopes, users[i].org && users[i].org[0] ? 1 : 0);
        if (who->nscopes) {
            CHECK(participant_in_scope(who, users[i].org));
            CHECK_STR(who->scopes[0], users[i].org);
        }
        CHECK(!participant_in_scope(who, "F81002"));
        secure_acting_name(who, name, sizeof name);
        CHECK_STR(name, "gateway web / user a.patel");
    }
    /* Names at the limits of the rule. */
    who = s_acting(h, 0, "B", "gp", "F81001", &as, why, sizeof why);
    CHECK(who != NULL);
    CHECK_STR(who->id, "web/B");
    who = s_acting(h, 0, "x_y-z.9", "gp", "F81001", &as, why, sizeof why);
    CHECK(who != NULL);
    who = s_acting(h, 0, "a123456789012345678901234567890123456789012345678901234567890123", "gp",
                   "F81001", &as, why, sizeof why); /* 64 characters */
    CHECK(who != NULL);
    secure_acting_name(who, name, sizeof name);
    CHECK_STR(
        name,
        "gateway web / user a123456789012345678901234567890123456789012345678901234567890123");
}

TEST(secure_acting_is_the_gateway_user_scoped_to_its_organisation)
{
    s_acting_h h;
    CHECK(s_acting_open(&h) == 0);
    s_check_users(&h);
    s_acting_close(&h);
}

static void s_check_own(s_acting_h *h)
{
    secure_acting_t as;
    char why[200], name[200];
    const participant_t *who = s_acting(h, 1, NULL, NULL, NULL, &as, why, sizeof why);
    /* Without OnBehalf, each key is itself. */
    CHECK(who != NULL && who != &as.p);
    CHECK_STR(who->id, "gp");
    CHECK_INT(who->nscopes, 2);
    secure_acting_name(who, name, sizeof name);
    CHECK_STR(name, "gp");
    who = s_acting(h, 2, NULL, NULL, NULL, &as, why, sizeof why);
    CHECK(who != NULL);
    CHECK_INT(who->role, ROLE_OPERATOR);
    /* A gateway's own key is a gateway, which no daemon answers. */
    who = s_acting(h, 0, NULL, NULL, NULL, &as, why, sizeof why);
    CHECK(who != NULL);
    CHECK_INT(who->role, ROLE_GATEWAY);
    CHECK_INT(who->nscopes, 0);
    who = s_acting(h, -1, NULL, NULL, NULL, &as, why, sizeof why);
    CHECK(who == NULL);
    CHECK_STR(why, "the key is not listed");
    secure_acting_name(NULL, name, sizeof name);
    CHECK_STR(name, "unknown");
}

TEST(secure_acting_without_on_behalf_is_the_key_itself)
{
    s_acting_h h;
    CHECK(s_acting_open(&h) == 0);
    s_check_own(&h);
    s_acting_close(&h);
}

static void s_check_refusals(s_acting_h *h)
{
    static const struct {
        int key;
        const char *user, *role, *org, *why;
    } bad[] = {
        /* Only a gateway may say whom it acts for. */
        {1, "a.patel", "gp", "F81001",
         "an OnBehalf from a key of role gp: only a gateway's key may act"},
        {2, "a.patel", "operator", NULL, "an OnBehalf from a key of role operator"},
        {-1, "a.patel", "gp", "F81001", "the key is not listed"},
        /* User names. */
        {0, "", "gp", "F81001", "the user name is not 1-64"},
        {0, NULL, "gp", "F81001", "the user name is not 1-64"},
        {0, "1abc", "gp", "F81001", "the user name is not 1-64"},
        {0, ".abc", "gp", "F81001", "the user name is not 1-64"},
        {0, "a patel", "gp", "F81001", "the user name is not 1-64"},
        {0, "a/patel", "gp", "F81001", "the user name is not 1-64"},
        {0, "a\npatel", "gp", "F81001", "the user name is not 1-64"},
        {0, "<script>", "gp", "F81001", "the user name is not 1-64"},
        {0, "a1234567890123456789012345678901234567890123456789012345678901234", "gp", "F81001",
         "the user name is not 1-64"}, /* 65 characters */
        /* Roles: only a referrer's (the web serves no other). */
        {0, "a.patel", "provider", "afc", "the role is not gp, hospital or school"},
        {0, "a.patel", "commissioner", NULL, "the role is not gp, hospital or school"},
        {0, "a.patel", "operator", NULL, "the role is not gp, hospital or school"},
        {0, "a.patel", "operator", "", "the role is not gp, hospital or school"},
        {0, "a.patel", NULL, "F81001", "the role is not gp, hospital"},
        {0, "a.patel", "GP", "F81001", "the role is not gp, hospital"},
        {0, "a.patel", "gateway", NULL, "the role is not gp, hospital"},
        {0, "a.patel", "intake", "x1", "the role is not gp, hospital"},
        /* Organisations of the form the role needs. */
        {0, "a.patel", "gp", NULL, "a gp user's organisation is a practice ODS code"},
        {0, "a.patel", "gp", "", "a gp user's organisation is a practice ODS code"},
        {0, "a.patel", "gp", "f81001", "a gp user's organisation is a practice ODS code"},
        {0, "a.patel", "gp", "RAJ", "a gp user's organisation is a practice ODS code"},
        {0, "a.patel", "hospital", "F81001", "a hospital user's organisation is a trust ODS code"},
        {0, "a.patel", "school", "11500", "a school user's organisation is a 6-digit URN"},
    };
    secure_acting_t as;
    char why[200];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const participant_t *who =
            s_acting(h, bad[i].key, bad[i].user, bad[i].role, bad[i].org, &as, why, sizeof why);
        if (who != NULL) {
            test_fail(__FILE__, __LINE__, "OnBehalf %zu was taken", i);
            return;
        }
        CHECK_CONTAINS(why, bad[i].why);
        /* The reason is for the audit trail: it never repeats what was sent. */
        if ((bad[i].user && bad[i].user[0] && strstr(why, bad[i].user)) ||
            (bad[i].org && bad[i].org[0] && strstr(why, bad[i].org))) {
            test_fail(__FILE__, __LINE__, "refusal %zu repeats a value: %s", i, why);
            return;
        }
    }
}

TEST(secure_acting_refuses_on_behalf_from_others_and_badly_formed)
{
    s_acting_h h;
    CHECK(s_acting_open(&h) == 0);
    s_check_refusals(&h);
    s_acting_close(&h);
}

/* At the router, a gateway acts for providers, commissioners and
 * operators too, each as a key of that role would be; never at an intake. */
static void s_check_router_users(s_acting_h *h)
{
    static const struct {
        const char *role, *org;
        role_t want;
    } users[] = {
        {"provider", "afc", ROLE_PROVIDER},        {"provider", "ews-triage", ROLE_PROVIDER},
        {"commissioner", NULL, ROLE_COMMISSIONER}, {"operator", NULL, ROLE_OPERATOR},
        {"operator", "", ROLE_OPERATOR},           {"gp", "F81001", ROLE_GP},
    };
    secure_acting_t as;
    char why[200], name[200];
    const participant_t *who;
    for (size_t i = 0; i < sizeof users / sizeof *users; i++) {
        who = s_acting_at(h, SECURE_AT_ROUTER, 0, "p.khan", users[i].role, users[i].org, &as, why,
                          sizeof why);
        CHECK(who == &as.p);
        CHECK_INT(who->role, users[i].want);
        CHECK_INT(who->nscopes, users[i].org && users[i].org[0] ? 1 : 0);
        if (who->nscopes)
            CHECK_STR(who->scopes[0], users[i].org);
        secure_acting_name(who, name, sizeof name);
        CHECK_STR(name, "gateway web / user p.khan");
        /* At an intake, only a referrer. */
        who = s_acting(h, 0, "p.khan", users[i].role, users[i].org, &as, why, sizeof why);
        CHECK((who != NULL) == (users[i].want == ROLE_GP));
        if (!who)
            CHECK_CONTAINS(why, "the role is not gp, hospital or school");
    }
}

static void s_check_router_refusals(s_acting_h *h)
{
    static const struct {
        int key;
        const char *role, *org, *why;
    } bad[] = {
        {0, "provider", NULL, "a provider user's organisation is a provider id"},
        {0, "provider", "", "a provider user's organisation is a provider id"},
        {0, "provider", "AFC", "a provider user's organisation is a provider id"},
        {0, "provider",
         "afc\x1f"
         "C-000001",
         "a provider user's organisation is a provider id"},
        {0, "provider", "a23456789012345678901234567890123",
         "a provider user's organisation is a provider id"}, /* 33 characters */
        {0, "commissioner", "F81001", "a commissioner or operator acts for no organisation"},
        {0, "operator", "afc", "a commissioner or operator acts for no organisation"},
        {0, "gateway", NULL, "the role is not gp, hospital, school, provider, commissioner or"},
        {0, "intake", "x1", "the role is not gp, hospital, school, provider, commissioner or"},
        {0, "Operator", NULL, "the role is not gp, hospital, school, provider, commissioner or"},
        {1, "operator", NULL, "an OnBehalf from a key of role gp: only a gateway's key"},
        {2, "provider", "afc", "an OnBehalf from a key of role operator"},
    };
    secure_acting_t as;
    char why[200];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const participant_t *who = s_acting_at(h, SECURE_AT_ROUTER, bad[i].key, "p.khan",
                                               bad[i].role, bad[i].org, &as, why, sizeof why);
        if (who != NULL) {
            test_fail(__FILE__, __LINE__, "OnBehalf %zu was taken at the router", i);
            return;
        }
        CHECK_CONTAINS(why, bad[i].why);
        if (bad[i].org && bad[i].org[0] && strstr(why, bad[i].org)) {
            test_fail(__FILE__, __LINE__, "refusal %zu repeats a value: %s", i, why);
            return;
        }
    }
}

TEST(secure_acting_at_the_router_is_also_a_provider_commissioner_or_operator)
{
    s_acting_h h;
    CHECK(s_acting_open(&h) == 0);
    s_check_router_users(&h);
    s_check_router_refusals(&h);
    s_acting_close(&h);
}
