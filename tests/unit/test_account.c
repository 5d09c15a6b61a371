/*
 * Unit tests of lib/account: the web front door's accounts. Adding,
 * logging in, disabling, first passwords, set-up links once and until they
 * expire, the rules for names and passwords, and that the store keeps no
 * password or token in clear.
 */
#include "test.h"

#include "account/account.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/mem.h"

#include <sodium.h>
#include <stdlib.h>

static const char s_pw[] = "correct horse battery";

static store_t *s_open(void)
{
    int err;
    char *dir = file_join(test_tmpdir(), "web");
    store_t *st = account_open(dir, &err);
    free(dir);
    return st;
}

/* The result of logging in, the account freed. */
static account_rc_t s_login(store_t *st, const char *name, const char *pw)
{
    Carerhub__WebAccount *a = NULL;
    account_rc_t rc = account_verify(st, name, pw, &a);
    if ((rc == ACCOUNT_OK) != (a != NULL))
        return (account_rc_t)99;
    carerhub__web_account__free_unpacked(a, NULL);
    return rc;
}

TEST(account_add_then_log_in)
{
    store_t *st = s_open();
    Carerhub__WebAccount *a = NULL;
    char msg[256];
    CHECK(st != NULL);
    CHECK_INT(account_add(st, "alice", ROLE_GP, "F81001", s_pw, false, msg, sizeof msg),
              ACCOUNT_OK);
    CHECK_INT(account_verify(st, "alice", s_pw, &a), ACCOUNT_OK);
    CHECK_STR(a->name, "alice");
    CHECK_STR(a->role, "gp");
    CHECK_STR(a->organisation, "F81001");
    CHECK(!a->must_change && !a->disabled);
    CHECK_CONTAINS(a->password_hash, "$argon2id$");
    carerhub__web_account__free_unpacked(a, NULL);
    CHECK_INT(s_login(st, "alice", "correct horse batterz"), ACCOUNT_DENIED);
    CHECK_INT(s_login(st, "alice", ""), ACCOUNT_DENIED);
    /* Names are exact: another spelling is nobody. */
    CHECK_INT(s_login(st, "Alice", s_pw), ACCOUNT_DENIED);
    CHECK_INT(account_add(st, "alice", ROLE_SCHOOL, "115000", s_pw, false, msg, sizeof msg),
              ACCOUNT_EXISTS);
    CHECK_CONTAINS(msg, "name alice is taken");
    store_close(&st);
}

static double s_secs(store_t *st, const char *name, const char *pw)
{
    int64_t t0 = clock_mono_us();
    if (s_login(st, name, pw) != ACCOUNT_DENIED)
        return -1;
    return (double)(clock_mono_us() - t0) / 1e6;
}

TEST(account_unknown_name_answers_as_a_wrong_password)
{
    store_t *st = s_open();
    double wrong = 1e9, unknown = 1e9;
    CHECK_INT(account_add(st, "bob", ROLE_HOSPITAL, "RAJ", s_pw, false, NULL, 0), ACCOUNT_OK);
    CHECK_INT(account_add(st, "pending", ROLE_SCHOOL, "115000", NULL, false, NULL, 0), ACCOUNT_OK);
    CHECK_INT(s_login(st, "nobody", s_pw), ACCOUNT_DENIED);
    CHECK_INT(s_login(st, "pending", s_pw), ACCOUNT_DENIED);
    CHECK_INT(s_login(st, "", s_pw), ACCOUNT_DENIED);
    CHECK_INT(s_login(st, NULL, s_pw), ACCOUNT_DENIED);
    /* The same work either way: the fastest of three of each is within a
     * factor of four (an unknown name without a hash to verify answers
     * some thousand times faster). */
    for (int i = 0; i < 3; i++) {
        double w = s_secs(st, "bob", "not the password"), u = s_secs(st, "nobody", s_pw);
        CHECK(w > 0 && u > 0);
        wrong = w < wrong ? w : wrong;
        unknown = u < unknown ? u : unknown;
    }
    CHECK(unknown * 4 > wrong && wrong * 4 > unknown);
    store_close(&st);
}

TEST(account_disabled_cannot_log_in_until_enabled)
{
    store_t *st = s_open();
    char msg[256];
    CHECK_INT(account_add(st, "ops", ROLE_OPERATOR, NULL, s_pw, false, msg, sizeof msg),
              ACCOUNT_OK);
    CHECK_INT(account_disable(st, "ops", true, msg, sizeof msg), ACCOUNT_OK);
    CHECK_INT(s_login(st, "ops", s_pw), ACCOUNT_DENIED);
    CHECK_INT(account_disable(st, "ops", false, msg, sizeof msg), ACCOUNT_OK);
    CHECK_INT(s_login(st, "ops", s_pw), ACCOUNT_OK);
    CHECK_INT(account_disable(st, "nobody", true, msg, sizeof msg), ACCOUNT_UNKNOWN);
    CHECK_CONTAINS(msg, "name nobody is not an account");
    store_close(&st);
}

TEST(account_first_password_must_change_then_passwd)
{
    store_t *st = s_open();
    Carerhub__WebAccount *a = NULL;
    char msg[256];
    CHECK_INT(
        account_add(st, "carol", ROLE_PROVIDER, "afc", "first password 1", true, msg, sizeof msg),
        ACCOUNT_OK);
    CHECK_INT(account_verify(st, "carol", "first password 1", &a), ACCOUNT_OK);
    CHECK(a->must_change);
    carerhub__web_account__free_unpacked(a, NULL);
    CHECK_INT(account_passwd(st, "carol", "second password 2", false, msg, sizeof msg), ACCOUNT_OK);
    CHECK_INT(s_login(st, "carol", "first password 1"), ACCOUNT_DENIED);
    CHECK_INT(account_verify(st, "carol", "second password 2", &a), ACCOUNT_OK);
    CHECK(!a->must_change);
    CHECK(a->changed_at >= a->created_at);
    carerhub__web_account__free_unpacked(a, NULL);
    /* An operator's reset is a first password again. */
    CHECK_INT(account_passwd(st, "carol", "third password 3", true, msg, sizeof msg), ACCOUNT_OK);
    a = account_get(st, "carol");
    CHECK(a && a->must_change);
    carerhub__web_account__free_unpacked(a, NULL);
    CHECK_INT(account_passwd(st, "dave", "third password 3", false, msg, sizeof msg),
              ACCOUNT_UNKNOWN);
    CHECK_INT(account_passwd(st, "carol", "short", false, msg, sizeof msg), ACCOUNT_BAD);
    CHECK_CONTAINS(msg, "password must be at least 12 characters");
    CHECK_INT(s_login(st, "carol", "third password 3"), ACCOUNT_OK);
    store_close(&st);
}

/* Moves name's set-up link's expiry to the past, as 72 hours would. */
static int s_expire_txn(MDB_txn *txn, void *arg)
{
    store_t *st = arg;
    MDB_val k = store_val("erin"), v;
    Carerhub__WebAccount *a;
    uint8_t buf[512];
    int rc = mdb_get(txn, store_dbi(st, ACCOUNT_DB_ACCOUNTS), &k, &v);
    if (rc)
        return rc;
    a = carerhub__web_account__unpack(NULL, v.mv_size, v.mv_data);
    a->setup_expires = clock_now_ms() - 1;
    v.mv_size = carerhub__web_account__pack(a, buf);
    v.mv_data = buf;
    carerhub__web_account__free_unpacked(a, NULL);
    return mdb_put(txn, store_dbi(st, ACCOUNT_DB_ACCOUNTS), &k, &v, 0);
}

TEST(account_setup_link_works_once_and_expires)
{
    store_t *st = s_open();
    Carerhub__WebAccount *a;
    char tok[ACCOUNT_SETUP_TOKEN + 1], tok2[ACCOUNT_SETUP_TOKEN + 1],
        wrong[ACCOUNT_SETUP_TOKEN + 1];
    char msg[256];
    int64_t before = clock_now_ms();

    CHECK_INT(account_add(st, "erin", ROLE_SCHOOL, "115000", NULL, false, msg, sizeof msg),
              ACCOUNT_OK);
    CHECK_INT(account_setup_token(st, "erin", 72, tok, msg, sizeof msg), ACCOUNT_OK);
    CHECK_INT(strlen(tok), 43);
    CHECK_INT(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
    a = account_get(st, "erin");
    CHECK(a && !a->password_hash && a->setup_hash.len == 32);
    CHECK(a->setup_expires >= before + 72LL * 3600000 &&
          a->setup_expires <= clock_now_ms() + 72LL * 3600000);
    carerhub__web_account__free_unpacked(a, NULL);
    CHECK_INT(account_setup_token(st, "nobody", 72, tok2, msg, sizeof msg), ACCOUNT_UNKNOWN);

    memcpy(wrong, tok, sizeof wrong);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    CHECK_INT(account_setup(st, "erin", wrong, s_pw, msg, sizeof msg), ACCOUNT_DENIED);
    CHECK_INT(account_setup(st, "erin", "short", s_pw, msg, sizeof msg), ACCOUNT_DENIED);
    CHECK_INT(account_setup(st, "bob", tok, s_pw, msg, sizeof msg), ACCOUNT_DENIED);
    /* A refused password leaves the link usable. */
    CHECK_INT(account_setup(st, "erin", tok, "erin", msg, sizeof msg), ACCOUNT_BAD);
    CHECK_CONTAINS(msg, "password");
    CHECK_INT(account_setup(st, "erin", tok, s_pw, msg, sizeof msg), ACCOUNT_OK);
    CHECK_INT(s_login(st, "erin", s_pw), ACCOUNT_OK);
    a = account_get(st, "erin");
    CHECK(a && !a->must_change && a->setup_hash.len == 0);
    carerhub__web_account__free_unpacked(a, NULL);
    CHECK_INT(account_setup(st, "erin", tok, "another password", msg, sizeof msg), ACCOUNT_DENIED);
    CHECK_INT(s_login(st, "erin", "another password"), ACCOUNT_DENIED);

    /* A new link, expired before it is used. */
    CHECK_INT(account_setup_token(st, "erin", 72, tok2, msg, sizeof msg), ACCOUNT_OK);
    CHECK(strcmp(tok, tok2) != 0);
    CHECK_INT(store_write(st, s_expire_txn, st), 0);
    CHECK_INT(account_setup(st, "erin", tok2, "another password", msg, sizeof msg), ACCOUNT_DENIED);
    CHECK_CONTAINS(msg, "expired");
    CHECK_INT(s_login(st, "erin", s_pw), ACCOUNT_OK);
    /* Nor for a disabled account. */
    CHECK_INT(account_setup_token(st, "erin", 72, tok2, msg, sizeof msg), ACCOUNT_OK);
    CHECK_INT(account_disable(st, "erin", true, msg, sizeof msg), ACCOUNT_OK);
    CHECK_INT(account_setup(st, "erin", tok2, "another password", msg, sizeof msg), ACCOUNT_DENIED);
    CHECK_INT(account_setup_token(st, "erin", 0, tok2, msg, sizeof msg), ACCOUNT_BAD);
    store_close(&st);
}

TEST(account_names_roles_and_organisations_checked)
{
    store_t *st = s_open();
    char msg[256], longname[70];
    memset(longname, 'a', 65);
    longname[65] = '\0';
    CHECK(account_check("j.smith-2_x", ROLE_GP, "F81001") == NULL);
    CHECK(account_check("ops", ROLE_COMMISSIONER, NULL) == NULL);
    CHECK(account_check("ops", ROLE_OPERATOR, "") == NULL);
    CHECK_CONTAINS(account_check("", ROLE_GP, "F81001"), "name must not be empty");
    CHECK_CONTAINS(account_check("2fast", ROLE_GP, "F81001"), "name must start with a letter");
    CHECK_CONTAINS(account_check("a b", ROLE_GP, "F81001"), "name may hold only");
    CHECK_CONTAINS(account_check("a/b", ROLE_GP, "F81001"), "name may hold only");
    CHECK_CONTAINS(account_check(longname, ROLE_GP, "F81001"), "name must be at most 64");
    longname[64] = '\0';
    CHECK(account_check(longname, ROLE_GP, "F81001") == NULL);
    CHECK_CONTAINS(account_check("x", ROLE_INTAKE, NULL), "role must be gp, hospital");
    CHECK_CONTAINS(account_check("x", ROLE_GATEWAY, NULL), "role must be gp, hospital");
    CHECK_CONTAINS(account_check("x", ROLE_GP, "RAJ"), "organisation of a gp account");
    CHECK_CONTAINS(account_check("x", ROLE_GP, NULL), "organisation of a gp account");
    CHECK_CONTAINS(account_check("x", ROLE_GP, "f81001"), "organisation of a gp account");
    CHECK_CONTAINS(account_check("x", ROLE_HOSPITAL, "F81001"), "organisation of a hospital");
    CHECK_CONTAINS(account_check("x", ROLE_SCHOOL, "11500"), "organisation of a school");
    CHECK_CONTAINS(account_check("x", ROLE_PROVIDER, "Carers First"), "organisation of a provider");
    CHECK_CONTAINS(account_check("x", ROLE_OPERATOR, "RAJ"), "organisation must be empty");
    CHECK_INT(account_add(st, "x", ROLE_OPERATOR, "RAJ", s_pw, false, msg, sizeof msg),
              ACCOUNT_BAD);
    CHECK_CONTAINS(msg, "organisation must be empty");
    CHECK(account_get(st, "x") == NULL);
    /* "public" is the public's (the hub knows them as "<gateway>/public"):
     * no account may be called that, in any case; names holding it may. */
    CHECK_STR(account_check("public", ROLE_GP, "F81001"),
              "name public is reserved for the public (carers referring themselves): choose "
              "another");
    CHECK_CONTAINS(account_check("Public", ROLE_OPERATOR, NULL), "name public is reserved");
    CHECK_CONTAINS(account_check("PUBLIC", ROLE_PROVIDER, "afc"), "name public is reserved");
    CHECK(account_check("public.health", ROLE_COMMISSIONER, NULL) == NULL);
    CHECK(account_check("j.public", ROLE_GP, "F81001") == NULL);
    CHECK_INT(account_add(st, "public", ROLE_GP, "F81001", s_pw, false, msg, sizeof msg),
              ACCOUNT_BAD);
    CHECK_CONTAINS(msg, "name public is reserved");
    CHECK(account_get(st, "public") == NULL);
    store_close(&st);
}

TEST(account_password_rules_name_the_password)
{
    store_t *st = s_open();
    char msg[256], big[300];
    memset(big, 'p', 257);
    big[257] = '\0';
    CHECK(account_password_problem("alice", "twelve chars") == NULL);
    CHECK(account_password_problem("alice", "Siân’s long pass") == NULL);
    CHECK_CONTAINS(account_password_problem("alice", ""), "password must not be empty");
    CHECK_CONTAINS(account_password_problem("alice", "eleven char"), "at least 12");
    CHECK_CONTAINS(account_password_problem("alice", big), "at most 256");
    big[256] = '\0';
    CHECK(account_password_problem("alice", big) == NULL);
    CHECK_CONTAINS(account_password_problem("alice", "tab\there long"), "control characters");
    CHECK_CONTAINS(account_password_problem("alice", "bad \xff utf-8 here"), "not valid UTF-8");
    CHECK_CONTAINS(account_password_problem("alice", "             "), "only spaces");
    CHECK_CONTAINS(account_password_problem("jonathan.smith", "Jonathan.Smith"),
                   "password must not be the account name");
    CHECK_INT(account_add(st, "alice", ROLE_GP, "F81001", "short", false, msg, sizeof msg),
              ACCOUNT_BAD);
    CHECK_CONTAINS(msg, "password must be at least 12");
    CHECK(account_get(st, "alice") == NULL);
    store_close(&st);
}

/* Whether the n bytes at needle occur in the file at path. */
static bool s_file_has(const char *path, const void *needle, size_t n)
{
    char *data;
    size_t len;
    bool found;
    if (file_read_all(path, 64u << 20, &data, &len) < 0)
        return true; /* unreadable: fail the test */
    found = memmem(data, len, needle, n) != NULL;
    free(data);
    return found;
}

TEST(account_store_keeps_no_password_or_token_in_clear)
{
    store_t *st = s_open();
    char tok[ACCOUNT_SETUP_TOKEN + 1], *mdb = file_join(test_tmpdir(), "web/data.mdb");
    CHECK_INT(account_add(st, "alice", ROLE_GP, "F81001", "Unmistakable-Secret-42", true, NULL, 0),
              ACCOUNT_OK);
    CHECK_INT(account_add(st, "erin", ROLE_SCHOOL, "115000", NULL, false, NULL, 0), ACCOUNT_OK);
    CHECK_INT(account_setup_token(st, "erin", 72, tok, NULL, 0), ACCOUNT_OK);
    store_close(&st);
    /* The names are there (the test would find them), the secrets not. */
    CHECK(s_file_has(mdb, "F81001", 6));
    CHECK(!s_file_has(mdb, "Unmistakable-Secret-42", 22));
    CHECK(!s_file_has(mdb, tok, ACCOUNT_SETUP_TOKEN));
    free(mdb);
}

static int s_collect(const Carerhub__WebAccount *a, void *arg)
{
    char *out = arg;
    strcat(out, a->name);
    strcat(out, " ");
    return 0;
}

TEST(account_each_lists_in_name_order)
{
    store_t *st = s_open();
    char names[64] = "";
    const char *add[] = {"zoe", "amy", "Mo", "bea"};
    for (int i = 0; i < 4; i++)
        CHECK_INT(account_add(st, add[i], ROLE_COMMISSIONER, NULL, NULL, false, NULL, 0),
                  ACCOUNT_OK);
    CHECK_INT(account_each(st, s_collect, names), 0);
    CHECK_STR(names, "Mo amy bea zoe ");
    store_close(&st);
}

TEST(account_dummy_hash_costs_as_much_as_a_real_one)
{
    /* account_verify checks unknown names against a fixed hash made with
     * m=65536,t=2,p=1: the limits every new hash must still have. */
    Carerhub__WebAccount *a = NULL;
    store_t *st = s_open();
    CHECK_INT(account_add(st, "alice", ROLE_GP, "F81001", s_pw, false, NULL, 0), ACCOUNT_OK);
    a = account_get(st, "alice");
    CHECK(a != NULL);
    CHECK_INT(crypto_pwhash_str_needs_rehash(a->password_hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                             crypto_pwhash_MEMLIMIT_INTERACTIVE),
              0);
    CHECK(strncmp(a->password_hash, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
    carerhub__web_account__free_unpacked(a, NULL);
    store_close(&st);
}
