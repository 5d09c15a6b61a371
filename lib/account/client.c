/*
 * API clients of the FHIR interface: see client.h. Written as accounts
 * are (account.c): one write transaction per change, a token made and
 * hashed before it, only the hash stored.
 */
#include "account/client.h"

#include "account/account_impl.h"

#include "domain/codes.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_REFUSED (-1) /* a transaction function's refusal: not an LMDB code */

int client_role_of_org(const char *org, role_t *out)
{
    if (!org)
        return -1;
    if (ods_practice_valid(org))
        *out = ROLE_GP;
    else if (ods_trust_valid(org))
        *out = ROLE_HOSPITAL;
    else if (urn_valid(org))
        *out = ROLE_SCHOOL;
    else
        return -1;
    return 0;
}

const char *client_check(const char *name, role_t role, const char *org)
{
    const char *why = account_name_problem(name, CLIENT_NAME_MAX);
    if (why)
        return why;
    if (role != ROLE_GP && role != ROLE_HOSPITAL && role != ROLE_SCHOOL)
        return "role of a client must be gp, hospital or school: only they refer";
    /* The same codes as a referrer's account of that role. */
    if (account_check("client", role, org) == NULL)
        return NULL;
    return role == ROLE_GP         ? "organisation of a gp client must be its practice's ODS code, "
                                     "e.g. F81001"
           : role == ROLE_HOSPITAL ? "organisation of a hospital client must be its trust's ODS "
                                     "code, e.g. RAJ"
                                   : "organisation of a school client must be the school's "
                                     "6-digit URN";
}

/* The stored client, or NULL with *rc MDB_NOTFOUND, an LMDB code or
 * EBADMSG. */
static Carerhub__WebClient *s_get(MDB_txn *txn, store_t *st, const char *name, int *rc)
{
    MDB_val k = store_val(name), v;
    Carerhub__WebClient *c;
    if ((*rc = mdb_get(txn, store_dbi(st, ACCOUNT_DB_CLIENTS), &k, &v)) != 0)
        return NULL;
    c = carerhub__web_client__unpack(NULL, v.mv_size, v.mv_data);
    if (!c)
        *rc = EBADMSG;
    return c;
}

static int s_put(MDB_txn *txn, store_t *st, const Carerhub__WebClient *c)
{
    size_t n = carerhub__web_client__get_packed_size(c);
    uint8_t *buf = xmalloc(n ? n : 1);
    MDB_val k = store_val(c->name), v = {n, buf};
    int rc;
    carerhub__web_client__pack(c, buf);
    rc = mdb_put(txn, store_dbi(st, ACCOUNT_DB_CLIENTS), &k, &v, 0);
    free(buf);
    return rc;
}

typedef enum { S_ADD, S_TOKEN, S_DISABLE } s_kind_t;

typedef struct {
    s_kind_t kind;
    store_t *st;
    const char *name;
    role_t role;         /* S_ADD */
    const char *org;     /* S_ADD */
    const uint8_t *cert; /* S_ADD, or NULL */
    uint8_t hash[32];    /* S_ADD, S_TOKEN */
    bool disabled;       /* S_DISABLE */
    int64_t now;
    account_rc_t result; /* when the function returns S_REFUSED */
} s_op_t;

static int s_op_txn(MDB_txn *txn, void *arg)
{
    s_op_t *op = arg;
    Carerhub__WebClient *old, n = CARERHUB__WEB_CLIENT__INIT;
    int rc;

    old = s_get(txn, op->st, op->name, &rc);
    if (op->kind == S_ADD) {
        if (old || rc != MDB_NOTFOUND) {
            carerhub__web_client__free_unpacked(old, NULL);
            op->result = ACCOUNT_EXISTS;
            return old ? S_REFUSED : rc;
        }
        n.name = (char *)op->name;
        n.role = (char *)role_name(op->role);
        n.organisation = (char *)op->org;
        n.has_created_at = n.has_token_at = true;
        n.created_at = n.token_at = op->now;
        n.has_token_hash = true;
        n.token_hash.len = 32;
        n.token_hash.data = op->hash;
        if (op->cert) {
            n.has_cert_sha256 = true;
            n.cert_sha256.len = 32;
            n.cert_sha256.data = (uint8_t *)op->cert;
        }
        return s_put(txn, op->st, &n);
    }
    if (!old) {
        op->result = ACCOUNT_UNKNOWN;
        return rc == MDB_NOTFOUND ? S_REFUSED : rc;
    }
    n = *old; /* its pointers borrowed from old, freed below */
    if (op->kind == S_TOKEN) {
        n.has_token_hash = true;
        n.token_hash.len = 32;
        n.token_hash.data = op->hash;
        n.has_token_at = true;
        n.token_at = op->now;
    } else {
        n.has_disabled = true;
        n.disabled = op->disabled;
    }
    rc = s_put(txn, op->st, &n);
    carerhub__web_client__free_unpacked(old, NULL);
    return rc;
}

static account_rc_t s_run(s_op_t *op, char *msg, size_t msgsz)
{
    int rc;
    if (op->kind != S_ADD && account_name_problem(op->name, CLIENT_NAME_MAX))
        return account_say(ACCOUNT_UNKNOWN, msg, msgsz, "name is not a client's");
    op->now = clock_now_ms();
    if ((rc = store_write(op->st, s_op_txn, op)) == 0)
        return ACCOUNT_OK;
    if (rc != S_REFUSED)
        return account_say(ACCOUNT_STORE, msg, msgsz, "the clients store %s: %s",
                           store_path(op->st), store_strerror(rc));
    if (op->result == ACCOUNT_EXISTS)
        return account_say(op->result, msg, msgsz, "name %s is taken by a client already",
                           op->name);
    return account_say(op->result, msg, msgsz, "name %s is not a client", op->name);
}

static void s_hash(const char *token, uint8_t out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

/* A new token into token, its hash into hash. */
static void s_new_token(char *token, uint8_t hash[32])
{
    uint8_t raw[32];
    account_sodium();
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, CLIENT_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    s_hash(token, hash);
}

account_rc_t client_add(store_t *st, const char *name, role_t role, const char *org,
                        const uint8_t *cert_sha256, char *token, char *msg, size_t msgsz)
{
    s_op_t op = {
        .kind = S_ADD, .st = st, .name = name, .role = role, .org = org, .cert = cert_sha256};
    const char *why = client_check(name, role, org);
    account_rc_t rc;

    token[0] = '\0';
    if (why)
        return account_say(ACCOUNT_BAD, msg, msgsz, "%s", why);
    s_new_token(token, op.hash);
    if ((rc = s_run(&op, msg, msgsz)) != ACCOUNT_OK)
        sodium_memzero(token, CLIENT_TOKEN_LEN + 1);
    return rc;
}

account_rc_t client_token(store_t *st, const char *name, char *token, char *msg, size_t msgsz)
{
    s_op_t op = {.kind = S_TOKEN, .st = st, .name = name};
    account_rc_t rc;
    s_new_token(token, op.hash);
    if ((rc = s_run(&op, msg, msgsz)) != ACCOUNT_OK)
        sodium_memzero(token, CLIENT_TOKEN_LEN + 1);
    return rc;
}

account_rc_t client_disable(store_t *st, const char *name, bool disabled, char *msg, size_t msgsz)
{
    s_op_t op = {.kind = S_DISABLE, .st = st, .name = name, .disabled = disabled};
    return s_run(&op, msg, msgsz);
}

/* Whether a token has a token's form: so that anything else is refused
 * before any hashing. */
static bool s_token_form(const char *t)
{
    size_t n = t ? strlen(t) : 0;
    if (n != CLIENT_TOKEN_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!account_letter(t[i]) && !(t[i] >= '0' && t[i] <= '9') && t[i] != '-' && t[i] != '_')
            return false;
    return true;
}

account_rc_t client_verify(store_t *st, const char *token, Carerhub__WebClient **out)
{
    uint8_t hash[32];
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc;

    *out = NULL;
    if (!s_token_form(token))
        return ACCOUNT_DENIED;
    account_sodium();
    s_hash(token, hash);
    if (store_read(st, &txn) != 0)
        return ACCOUNT_STORE;
    if (mdb_cursor_open(txn, store_dbi(st, ACCOUNT_DB_CLIENTS), &cur) != 0) {
        mdb_txn_abort(txn);
        return ACCOUNT_STORE;
    }
    /* An organisation has a client or two: every one is looked at, its
     * hash compared in constant time, and the first match kept. */
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__WebClient *c = carerhub__web_client__unpack(NULL, v.mv_size, v.mv_data);
        bool match = c && c->has_token_hash && c->token_hash.len == 32 &&
                     sodium_memcmp(c->token_hash.data, hash, 32) == 0;
        if (match && !*out && !c->disabled)
            *out = c;
        else
            carerhub__web_client__free_unpacked(c, NULL);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return *out ? ACCOUNT_OK : ACCOUNT_DENIED;
}

Carerhub__WebClient *client_get(store_t *st, const char *name)
{
    Carerhub__WebClient *c;
    MDB_txn *txn;
    int rc;
    if (account_name_problem(name, CLIENT_NAME_MAX) || store_read(st, &txn) != 0)
        return NULL;
    c = s_get(txn, st, name, &rc);
    mdb_txn_abort(txn);
    return c;
}

typedef struct {
    int (*fn)(const Carerhub__WebClient *c, void *arg);
    void *arg;
} s_each_t;

static int s_each_one(const ProtobufCMessage *m, void *arg)
{
    s_each_t *e = arg;
    return e->fn((const Carerhub__WebClient *)m, e->arg);
}

int client_each(store_t *st, int (*fn)(const Carerhub__WebClient *c, void *arg), void *arg)
{
    s_each_t e = {fn, arg};
    return account_walk(st, ACCOUNT_DB_CLIENTS, &carerhub__web_client__descriptor, s_each_one, &e);
}

int client_cert_sha256(const char *pem, size_t len, uint8_t out[32], char *why, size_t whysz)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
    const char *b = pem ? memmem(pem, len, begin, sizeof begin - 1) : NULL, *e;
    size_t max, n = 0;
    uint8_t *der;
    int rc = -1;

    if (!b) {
        snprintf(why, whysz, "the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return -1;
    }
    b += sizeof begin - 1;
    if (!(e = memmem(b, len - (size_t)(b - pem), end, sizeof end - 1))) {
        snprintf(why, whysz, "the certificate has no -----END CERTIFICATE----- line");
        return -1;
    }
    max = (size_t)(e - b);
    der = xmalloc(max + 1);
    account_sodium();
    if (sodium_base642bin(der, max, b, max, " \t\r\n", &n, NULL, sodium_base64_VARIANT_ORIGINAL) !=
            0 ||
        n == 0)
        snprintf(why, whysz, "the certificate is not valid base64 between its BEGIN and END lines");
    else
        rc = crypto_hash_sha256(out, der, n);
    free(der);
    return rc;
}
