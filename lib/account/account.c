/*
 * Accounts of the web front door: see account.h. The slow part of every
 * change, hashing a password, happens before the write transaction, so that
 * a transaction store_write repeats (after growing the map) does not hash
 * again and a writer never holds LMDB's write lock for an Argon2id run.
 */
#include "account/account.h"
#include "account/account_impl.h"

#include "domain/codes.h"
#include "domain/route.h"
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
#include <strings.h>

const char *const account_dbs[] = {"accounts", "clients", NULL};

/* A hash of a random password nobody knows, made with the same limits as
 * every account's (a unit test checks it needs no rehash): verified for an
 * unknown name, an account not yet set up, so that logging in as anyone
 * costs the same time. */
static const char s_dummy_hash[] = "$argon2id$v=19$m=65536,t=2,p=1$SMgB9RwE3muc2YwJ3Fun0w$"
                                   "FK4i5MdBqPBICC7YH384PzFedeOgfufGxJhn+J9V3LE";

/* A transaction function's refusal: not an LMDB code nor an errno value. */
#define S_REFUSED (-1)

void account_sodium(void)
{
    static bool started;
    /* It fails only without a random source: nothing here could work. */
    if (!started && sodium_init() < 0)
        log_panic("libsodium cannot start (no random source?)");
    started = true;
}

account_rc_t account_say(account_rc_t rc, char *msg, size_t msgsz, const char *fmt, ...)
{
    va_list ap;
    if (msg && msgsz) {
        va_start(ap, fmt);
        vsnprintf(msg, msgsz, fmt, ap);
        va_end(ap);
    }
    return rc;
}

bool account_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

const char *account_name_problem(const char *name, size_t max)
{
    static char too_long[64];
    size_t n = name ? strlen(name) : 0;
    if (n == 0)
        return "name must not be empty";
    if (n > max) {
        snprintf(too_long, sizeof too_long, "name must be at most %zu characters", max);
        return too_long;
    }
    if (!account_letter(name[0]))
        return "name must start with a letter";
    for (const char *p = name; *p; p++)
        if (!account_letter(*p) && !(*p >= '0' && *p <= '9') && *p != '.' && *p != '-' && *p != '_')
            return "name may hold only letters, digits, '.', '-' and '_'";
    return NULL;
}

const char *account_check(const char *name, role_t role, const char *org)
{
    const char *why = account_name_problem(name, ACCOUNT_NAME_MAX);
    bool has_org = org && *org;
    if (why)
        return why;
    /* The hub knows the public, at the self intake, as "<gateway>/public":
     * an account of that name would be taken for them (and is refused). */
    if (text_ieq(name, "public"))
        return "name public is reserved for the public (carers referring themselves): choose "
               "another";
    /* The hub knows an API client as "api.<client>" (account/client.h). */
    if (strncasecmp(name, "api.", 4) == 0)
        return "name must not begin with api. (the hub's names of API clients): choose another";
    switch (role) {
    case ROLE_GP:
        return has_org && ods_practice_valid(org)
                   ? NULL
                   : "organisation of a gp account must be its practice's ODS code, e.g. F81001";
    case ROLE_HOSPITAL:
        return has_org && ods_trust_valid(org)
                   ? NULL
                   : "organisation of a hospital account must be its trust's ODS code, e.g. RAJ";
    case ROLE_SCHOOL:
        return has_org && urn_valid(org)
                   ? NULL
                   : "organisation of a school account must be the school's 6-digit URN";
    case ROLE_PROVIDER:
        return has_org && route_id_ok(org)
                   ? NULL
                   : "organisation of a provider account must be its provider id in the "
                     "routing, e.g. afc";
    case ROLE_COMMISSIONER:
    case ROLE_OPERATOR:
        return has_org ? "organisation must be empty for a commissioner or an operator" : NULL;
    case ROLE_INTAKE:
    case ROLE_GATEWAY:
    case ROLE_SELF:
    case ROLE_PROFESSIONAL: /* refers by key; the web has no professionals' form yet */
        break;
    }
    return "role must be gp, hospital, school, provider, commissioner or operator";
}

const char *account_password_problem(const char *name, const char *password)
{
    size_t n = password ? strlen(password) : 0;
    if (n == 0)
        return "password must not be empty";
    if (n < ACCOUNT_PASSWORD_MIN)
        return "password must be at least 12 characters long";
    if (n > ACCOUNT_PASSWORD_MAX)
        return "password must be at most 256 characters long";
    switch (text_check(password, n, ACCOUNT_PASSWORD_MAX, false)) {
    case TEXT_OK:
        break;
    case TEXT_EMPTY:
        return "password must not be only spaces";
    case TEXT_BAD_UTF8:
        return "password is not valid UTF-8";
    case TEXT_CONTROL:
    case TEXT_TOO_LONG:
        return "password must not hold control characters";
    }
    if (name && text_ieq(name, password))
        return "password must not be the account name";
    return NULL;
}

/* The stored account name, or NULL with *rc MDB_NOTFOUND, an LMDB code, or
 * EBADMSG for a record that does not unpack. */
static Carerhub__WebAccount *s_get(MDB_txn *txn, store_t *st, const char *name, int *rc)
{
    MDB_val k = store_val(name), v;
    Carerhub__WebAccount *a;
    if ((*rc = mdb_get(txn, store_dbi(st, ACCOUNT_DB_ACCOUNTS), &k, &v)) != 0)
        return NULL;
    a = carerhub__web_account__unpack(NULL, v.mv_size, v.mv_data);
    if (!a)
        *rc = EBADMSG;
    return a;
}

static int s_put(MDB_txn *txn, store_t *st, const Carerhub__WebAccount *a)
{
    size_t n = carerhub__web_account__get_packed_size(a);
    uint8_t *buf = xmalloc(n ? n : 1);
    MDB_val k = store_val(a->name), v = {n, buf};
    int rc;
    carerhub__web_account__pack(a, buf);
    rc = mdb_put(txn, store_dbi(st, ACCOUNT_DB_ACCOUNTS), &k, &v, 0);
    sodium_memzero(buf, n);
    free(buf);
    return rc;
}

/* What a write transaction does to one account. */
typedef enum { S_ADD, S_PASSWD, S_DISABLE, S_TOKEN, S_SETUP } s_kind_t;

typedef struct {
    s_kind_t kind;
    store_t *st;
    const char *name;
    role_t role;            /* S_ADD */
    const char *org;        /* S_ADD */
    const char *hash;       /* S_ADD (or NULL), S_PASSWD, S_SETUP */
    bool flag;              /* must_change (S_ADD, S_PASSWD), disabled (S_DISABLE) */
    uint8_t token_hash[32]; /* S_TOKEN: to keep; S_SETUP: to match */
    int64_t now, expires;
    account_rc_t result; /* when the function returns S_REFUSED */
} s_op_t;

static void s_hash_token(const char *token, uint8_t out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

/* Whether a's set-up token is hash and unexpired at now. */
static bool s_token_ok(const Carerhub__WebAccount *a, const uint8_t hash[32], int64_t now)
{
    return a->setup_hash.len == 32 && a->has_setup_expires && now < a->setup_expires &&
           sodium_memcmp(a->setup_hash.data, hash, 32) == 0;
}

static int s_op_txn(MDB_txn *txn, void *arg)
{
    s_op_t *op = arg;
    Carerhub__WebAccount *old, n = CARERHUB__WEB_ACCOUNT__INIT;
    int rc;

    old = s_get(txn, op->st, op->name, &rc);
    if (op->kind == S_ADD) {
        if (old || rc != MDB_NOTFOUND) {
            carerhub__web_account__free_unpacked(old, NULL);
            op->result = ACCOUNT_EXISTS;
            return old ? S_REFUSED : rc;
        }
        n.name = (char *)op->name;
        n.role = (char *)role_name(op->role);
        n.organisation = op->org && *op->org ? (char *)op->org : NULL;
        n.password_hash = (char *)op->hash;
        n.has_must_change = n.must_change = op->hash && op->flag;
        n.has_created_at = true;
        n.created_at = op->now;
        n.has_changed_at = op->hash != NULL;
        n.changed_at = op->now;
        return s_put(txn, op->st, &n);
    }
    if (!old) {
        op->result = ACCOUNT_UNKNOWN;
        return rc == MDB_NOTFOUND ? S_REFUSED : rc;
    }
    n = *old; /* its pointers borrowed from old, freed below */
    switch (op->kind) {
    case S_SETUP:
        /* The new password as for S_PASSWD, the token spent with it. */
        if (n.disabled || !s_token_ok(old, op->token_hash, op->now)) {
            carerhub__web_account__free_unpacked(old, NULL);
            op->result = ACCOUNT_DENIED;
            return S_REFUSED;
        }
        /* fall through */
    case S_PASSWD:
        n.password_hash = (char *)op->hash;
        n.has_must_change = true;
        n.must_change = op->kind == S_PASSWD && op->flag;
        n.has_changed_at = true;
        n.changed_at = op->now;
        /* A password set another way ends a set-up link too. */
        n.setup_hash.len = 0;
        n.setup_hash.data = NULL;
        n.has_setup_hash = false;
        n.has_setup_expires = false;
        break;
    case S_DISABLE:
        n.has_disabled = true;
        n.disabled = op->flag;
        break;
    case S_TOKEN:
        n.has_setup_hash = true;
        n.setup_hash.len = 32;
        n.setup_hash.data = op->token_hash;
        n.has_setup_expires = true;
        n.setup_expires = op->expires;
        break;
    case S_ADD:
        break;
    }
    rc = s_put(txn, op->st, &n);
    carerhub__web_account__free_unpacked(old, NULL);
    return rc;
}

/* Runs op; the result, with a message naming the account. */
static account_rc_t s_run(s_op_t *op, char *msg, size_t msgsz)
{
    int rc;
    if (op->kind != S_ADD && account_name_problem(op->name, ACCOUNT_NAME_MAX))
        return account_say(ACCOUNT_UNKNOWN, msg, msgsz, "name is not an account's");
    op->now = clock_now_ms();
    rc = store_write(op->st, s_op_txn, op);
    if (rc == 0)
        return ACCOUNT_OK;
    if (rc != S_REFUSED)
        return account_say(ACCOUNT_STORE, msg, msgsz, "the accounts store %s: %s",
                           store_path(op->st), store_strerror(rc));
    switch (op->result) {
    case ACCOUNT_EXISTS:
        return account_say(op->result, msg, msgsz, "name %s is taken by an account already",
                           op->name);
    case ACCOUNT_UNKNOWN:
        return account_say(op->result, msg, msgsz, "name %s is not an account", op->name);
    default:
        return account_say(op->result, msg, msgsz,
                           "the set-up link has expired, has been used, or is not this account's");
    }
}

/* A new Argon2id hash of password into out, or -1 (out of memory). */
static int s_hash(const char *password, char out[crypto_pwhash_STRBYTES])
{
    account_sodium();
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

account_rc_t account_add(store_t *st, const char *name, role_t role, const char *org,
                         const char *password, bool must_change, char *msg, size_t msgsz)
{
    char hash[crypto_pwhash_STRBYTES];
    const char *why = account_check(name, role, org);
    s_op_t op = {.kind = S_ADD, .st = st, .name = name, .role = role, .org = org};

    if (!why && password)
        why = account_password_problem(name, password);
    if (why)
        return account_say(ACCOUNT_BAD, msg, msgsz, "%s", why);
    if (password) {
        if (s_hash(password, hash) != 0)
            return account_say(ACCOUNT_STORE, msg, msgsz, "password: not enough memory to hash it");
        op.hash = hash;
        op.flag = must_change;
    }
    return s_run(&op, msg, msgsz);
}

account_rc_t account_passwd(store_t *st, const char *name, const char *password, bool must_change,
                            char *msg, size_t msgsz)
{
    char hash[crypto_pwhash_STRBYTES];
    const char *why = account_password_problem(name, password);
    s_op_t op = {.kind = S_PASSWD, .st = st, .name = name, .hash = hash, .flag = must_change};

    if (why)
        return account_say(ACCOUNT_BAD, msg, msgsz, "%s", why);
    if (s_hash(password, hash) != 0)
        return account_say(ACCOUNT_STORE, msg, msgsz, "password: not enough memory to hash it");
    return s_run(&op, msg, msgsz);
}

account_rc_t account_disable(store_t *st, const char *name, bool disabled, char *msg, size_t msgsz)
{
    s_op_t op = {.kind = S_DISABLE, .st = st, .name = name, .flag = disabled};
    return s_run(&op, msg, msgsz);
}

account_rc_t account_setup_token(store_t *st, const char *name, int hours, char *token, char *msg,
                                 size_t msgsz)
{
    uint8_t raw[32];
    s_op_t op = {.kind = S_TOKEN, .st = st, .name = name};
    account_rc_t rc;

    token[0] = '\0';
    if (hours < 1 || hours > 24 * 30)
        return account_say(ACCOUNT_BAD, msg, msgsz, "hours must be between 1 and 720, not %d",
                           hours);
    account_sodium();
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, ACCOUNT_SETUP_TOKEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    s_hash_token(token, op.token_hash);
    op.expires = clock_now_ms() + (int64_t)hours * 3600 * 1000;
    if ((rc = s_run(&op, msg, msgsz)) != ACCOUNT_OK)
        sodium_memzero(token, ACCOUNT_SETUP_TOKEN + 1);
    return rc;
}

account_rc_t account_setup(store_t *st, const char *name, const char *token, const char *password,
                           char *msg, size_t msgsz)
{
    char hash[crypto_pwhash_STRBYTES];
    Carerhub__WebAccount *a;
    s_op_t op = {.kind = S_SETUP, .st = st, .name = name, .hash = hash};
    const char *why;
    bool ok;

    account_sodium();
    if (!token || strlen(token) != ACCOUNT_SETUP_TOKEN)
        return account_say(ACCOUNT_DENIED, msg, msgsz,
                           "the set-up link is not complete: copy all of it");
    s_hash_token(token, op.token_hash);
    /* The token first, so that a wrong one costs no Argon2id run; the write
     * checks it again, so that it sets a password once only. */
    a = account_get(st, name);
    ok = a && !a->disabled && s_token_ok(a, op.token_hash, clock_now_ms());
    carerhub__web_account__free_unpacked(a, NULL);
    if (!ok)
        return account_say(ACCOUNT_DENIED, msg, msgsz,
                           "the set-up link has expired, has been used, or is not this account's");
    if ((why = account_password_problem(name, password)) != NULL)
        return account_say(ACCOUNT_BAD, msg, msgsz, "%s", why);
    if (s_hash(password, hash) != 0)
        return account_say(ACCOUNT_STORE, msg, msgsz, "password: not enough memory to hash it");
    return s_run(&op, msg, msgsz);
}

account_rc_t account_verify(store_t *st, const char *name, const char *password,
                            Carerhub__WebAccount **out)
{
    Carerhub__WebAccount *a = name && *name ? account_get(st, name) : NULL;
    const char *hash = a && a->password_hash ? a->password_hash : s_dummy_hash;
    size_t n = password ? strlen(password) : 0;
    bool ok;

    *out = NULL;
    account_sodium();
    /* Every path verifies one hash, of the same cost: the answer's time
     * tells nothing about the name. */
    ok = crypto_pwhash_str_verify(hash, password ? password : "", n) == 0;
    if (!ok || hash == s_dummy_hash || a->disabled || n > ACCOUNT_PASSWORD_MAX) {
        carerhub__web_account__free_unpacked(a, NULL);
        return ACCOUNT_DENIED;
    }
    *out = a;
    return ACCOUNT_OK;
}

Carerhub__WebAccount *account_get(store_t *st, const char *name)
{
    Carerhub__WebAccount *a;
    MDB_txn *txn;
    int rc;
    if (!name || !*name || strlen(name) > ACCOUNT_NAME_MAX || store_read(st, &txn) != 0)
        return NULL;
    a = s_get(txn, st, name, &rc);
    mdb_txn_abort(txn);
    return a;
}

int account_walk(store_t *st, size_t db, const ProtobufCMessageDescriptor *d,
                 int (*fn)(const ProtobufCMessage *m, void *arg), void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc, stop = 0;

    if ((rc = store_read(st, &txn)) != 0)
        return rc;
    if ((rc = mdb_cursor_open(txn, store_dbi(st, db), &cur)) != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !stop;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, v.mv_size, v.mv_data);
        if (!m)
            continue; /* not ours to list: the rest still is */
        stop = fn(m, arg);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return stop;
}

typedef struct {
    int (*fn)(const Carerhub__WebAccount *a, void *arg);
    void *arg;
} s_each_t;

static int s_each_one(const ProtobufCMessage *m, void *arg)
{
    s_each_t *e = arg;
    return e->fn((const Carerhub__WebAccount *)m, e->arg);
}

int account_each(store_t *st, int (*fn)(const Carerhub__WebAccount *a, void *arg), void *arg)
{
    s_each_t e = {fn, arg};
    return account_walk(st, ACCOUNT_DB_ACCOUNTS, &carerhub__web_account__descriptor, s_each_one,
                        &e);
}

store_t *account_open(const char *dir, int *err)
{
    /* Format 1 (format 0 needs no upgrade). */
    store_opts_t so = {
        .dbs = account_dbs, .map_size = (size_t)16 << 20, .kind = "web", .schema = 1};
    account_sodium();
    return store_open(dir, &so, err);
}
