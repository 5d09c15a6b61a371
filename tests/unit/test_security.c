/*
 * Unit tests of the participants file and CURVE key files.
 */
#include "test.h"

#include "conf/conf.h"
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
    CHECK_INT(participants_count(p), 4);
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
