/*
 * Unit tests of lib/account/client.c: the FHIR interface's API clients.
 * Adding one and verifying its token, a disabled client refused, a new
 * token ending the old one, the roles codes imply, certificates'
 * fingerprints, and that the store keeps a token's hash, never the token.
 */
#include "test.h"

#include "account/client.h"
#include "util/file.h"
#include "util/mem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static store_t *s_open(void)
{
    int err;
    char *dir = file_join(test_tmpdir(), "web");
    store_t *st = account_open(dir, &err);
    free(dir);
    return st;
}

/* The name of the client token verifies as, or "" (freed). */
static const char *s_who(store_t *st, const char *token)
{
    static char name[CLIENT_NAME_MAX + 1];
    Carerhub__WebClient *c = NULL;
    name[0] = '\0';
    if (client_verify(st, token, &c) == ACCOUNT_OK && c)
        snprintf(name, sizeof name, "%s", c->name);
    carerhub__web_client__free_unpacked(c, NULL);
    return name;
}

TEST(client_add_then_verify_its_token)
{
    store_t *st = s_open();
    char t1[CLIENT_TOKEN_LEN + 1], t2[CLIENT_TOKEN_LEN + 1], msg[256], bad[CLIENT_TOKEN_LEN + 1];
    Carerhub__WebClient *c = NULL;
    CHECK(st != NULL);
    CHECK_INT(client_add(st, "emis-f81001", ROLE_GP, "F81001", NULL, t1, msg, sizeof msg),
              ACCOUNT_OK);
    CHECK_INT(client_add(st, "school-sys", ROLE_SCHOOL, "115000", NULL, t2, msg, sizeof msg),
              ACCOUNT_OK);
    CHECK_INT((int)strlen(t1), CLIENT_TOKEN_LEN);
    CHECK(strcmp(t1, t2) != 0);
    CHECK_STR(s_who(st, t1), "emis-f81001");
    CHECK_STR(s_who(st, t2), "school-sys");
    CHECK_INT(client_verify(st, t1, &c), ACCOUNT_OK);
    CHECK_STR(c->role, "gp");
    CHECK_STR(c->organisation, "F81001");
    carerhub__web_client__free_unpacked(c, NULL);
    /* One character changed, at the start or the end: nobody. */
    snprintf(bad, sizeof bad, "%s", t1);
    bad[0] = bad[0] == 'A' ? 'B' : 'A';
    CHECK_STR(s_who(st, bad), "");
    snprintf(bad, sizeof bad, "%s", t1);
    bad[CLIENT_TOKEN_LEN - 1] = bad[CLIENT_TOKEN_LEN - 1] == 'A' ? 'B' : 'A';
    CHECK_STR(s_who(st, bad), "");
    CHECK_STR(s_who(st, ""), "");
    CHECK_STR(s_who(st, NULL), "");
    CHECK_STR(s_who(st, "short"), "");
    CHECK_INT(client_add(st, "emis-f81001", ROLE_GP, "F81002", NULL, t2, msg, sizeof msg),
              ACCOUNT_EXISTS);
    CHECK_CONTAINS(msg, "emis-f81001 is taken");
    CHECK_STR(t2, "");
    store_close(&st);
}

TEST(client_disabled_is_refused_then_enabled_again)
{
    store_t *st = s_open();
    char t[CLIENT_TOKEN_LEN + 1], msg[256];
    CHECK_INT(client_add(st, "pas", ROLE_HOSPITAL, "RAJ", NULL, t, msg, sizeof msg), ACCOUNT_OK);
    CHECK_INT(client_disable(st, "pas", true, msg, sizeof msg), ACCOUNT_OK);
    CHECK_STR(s_who(st, t), "");
    CHECK_INT(client_disable(st, "pas", false, msg, sizeof msg), ACCOUNT_OK);
    CHECK_STR(s_who(st, t), "pas");
    CHECK_INT(client_disable(st, "nobody", true, msg, sizeof msg), ACCOUNT_UNKNOWN);
    CHECK_CONTAINS(msg, "nobody is not a client");
    store_close(&st);
}

TEST(client_new_token_ends_the_old_one)
{
    store_t *st = s_open();
    char t1[CLIENT_TOKEN_LEN + 1], t2[CLIENT_TOKEN_LEN + 1], msg[256];
    CHECK_INT(client_add(st, "gp1", ROLE_GP, "F81001", NULL, t1, msg, sizeof msg), ACCOUNT_OK);
    CHECK_INT(client_token(st, "gp1", t2, msg, sizeof msg), ACCOUNT_OK);
    CHECK(strcmp(t1, t2) != 0);
    CHECK_STR(s_who(st, t1), "");
    CHECK_STR(s_who(st, t2), "gp1");
    CHECK_INT(client_token(st, "gp2", t1, msg, sizeof msg), ACCOUNT_UNKNOWN);
    CHECK_STR(t1, "");
    store_close(&st);
}

TEST(client_store_keeps_the_tokens_hash_only)
{
    store_t *st = s_open();
    char t[CLIENT_TOKEN_LEN + 1], *data, *mdb = file_join(test_tmpdir(), "web/data.mdb");
    uint8_t want[32];
    size_t len;
    Carerhub__WebClient *c;
    CHECK_INT(client_add(st, "gp1", ROLE_GP, "F81001", NULL, t, NULL, 0), ACCOUNT_OK);
    /* What is kept is the token's generic hash, computed here apart: the
     * comparison is of hashes (sodium_memcmp), never of the token. */
    crypto_generichash(want, 32, (const unsigned char *)t, strlen(t), NULL, 0);
    c = client_get(st, "gp1");
    CHECK(c && c->token_hash.len == 32 && memcmp(c->token_hash.data, want, 32) == 0);
    carerhub__web_client__free_unpacked(c, NULL);
    store_close(&st);
    CHECK_INT(file_read_all(mdb, 64u << 20, &data, &len), 0);
    CHECK(memmem(data, len, "F81001", 6) != NULL); /* the search finds what is there */
    CHECK(memmem(data, len, t, CLIENT_TOKEN_LEN) == NULL);
    free(data);
    free(mdb);
}

TEST(client_roles_and_codes)
{
    role_t r = ROLE_OPERATOR;
    char t[CLIENT_TOKEN_LEN + 1], msg[256];
    store_t *st = s_open();
    CHECK_INT(client_role_of_org("F81001", &r), 0);
    CHECK_INT(r, ROLE_GP);
    CHECK_INT(client_role_of_org("RAJ", &r), 0);
    CHECK_INT(r, ROLE_HOSPITAL);
    CHECK_INT(client_role_of_org("115000", &r), 0);
    CHECK_INT(r, ROLE_SCHOOL);
    CHECK_INT(client_role_of_org("afc", &r), -1);
    CHECK_INT(client_role_of_org(NULL, &r), -1);
    CHECK(client_check("gp1", ROLE_GP, "F81001") == NULL);
    CHECK_CONTAINS(client_check("gp1", ROLE_GP, "RAJ"), "gp client must be its practice's ODS");
    CHECK_CONTAINS(client_check("gp1", ROLE_PROVIDER, "afc"), "role of a client must be gp");
    CHECK_CONTAINS(client_check("1gp", ROLE_GP, "F81001"), "must start with a letter");
    /* 59 characters, and "api." before them, fit a web user's name. */
    CHECK(client_check("a2345678901234567890123456789012345678901234567890123456789", ROLE_GP,
                       "F81001") == NULL);
    CHECK_CONTAINS(client_check("a23456789012345678901234567890123456789012345678901234567890",
                                ROLE_GP, "F81001"),
                   "at most 59");
    CHECK_INT(client_add(st, "p", ROLE_OPERATOR, NULL, NULL, t, msg, sizeof msg), ACCOUNT_BAD);
    store_close(&st);
    /* An account may not take the name the hub gives a client. */
    CHECK_CONTAINS(account_check("api.gp1", ROLE_GP, "F81001"), "must not begin with api.");
    CHECK_CONTAINS(account_check("API.gp1", ROLE_GP, "F81001"), "must not begin with api.");
}

TEST(client_certificate_fingerprint)
{
    /* The DER bytes "hello" in a PEM frame: their SHA-256, computed apart. */
    static const char pem[] = "junk before\n-----BEGIN CERTIFICATE-----\naGVs\nbG8=\n"
                              "-----END CERTIFICATE-----\n";
    uint8_t fp[32], want[32];
    char why[160];
    crypto_hash_sha256(want, (const unsigned char *)"hello", 5);
    CHECK_INT(client_cert_sha256(pem, strlen(pem), fp, why, sizeof why), 0);
    CHECK(memcmp(fp, want, 32) == 0);
    CHECK_INT(client_cert_sha256("no pem", 6, fp, why, sizeof why), -1);
    CHECK_CONTAINS(why, "no PEM certificate");
    CHECK_INT(client_cert_sha256("-----BEGIN CERTIFICATE-----\n!!\n", 31, fp, why, sizeof why), -1);
    CHECK_CONTAINS(why, "no -----END CERTIFICATE-----");
}
