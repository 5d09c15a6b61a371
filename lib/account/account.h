/*
 * Accounts of the web front door, kept in carerhub-web's own LMDB store
 * (data_dir/web, table accounts: name -> WebAccount). Used by the web
 * daemon (logging in, changing a password) and by `carerhub user` (adding,
 * disabling, listing), which opens the same store: LMDB lets both write.
 *
 * Passwords are kept only as Argon2id hashes (libsodium crypto_pwhash_str,
 * interactive limits); a one-time set-up link's token only as a generic
 * hash. Each account belongs to one organisation with one role, or is a
 * commissioner or an operator (no organisation).
 */
#ifndef CARERHUB_ACCOUNT_H
#define CARERHUB_ACCOUNT_H

#include "domain/participants.h"
#include "store.pb-c.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACCOUNT_NAME_MAX     64 /* letters, digits, '.', '-', '_'; starts with a letter */
#define ACCOUNT_PASSWORD_MIN 12 /* characters (bytes of UTF-8) */
#define ACCOUNT_PASSWORD_MAX 256
#define ACCOUNT_SETUP_TOKEN  43 /* characters of a set-up token (base64url of 32 bytes) */

/* The tables of the web store, in order (NULL-terminated): accounts, and
 * the FHIR interface's API clients (account/client.h). */
extern const char *const account_dbs[];
enum { ACCOUNT_DB_ACCOUNTS = 0, ACCOUNT_DB_CLIENTS = 1 };

typedef enum {
    ACCOUNT_OK = 0,
    ACCOUNT_BAD,     /* a value is not acceptable: see the message */
    ACCOUNT_EXISTS,  /* add: the name is taken */
    ACCOUNT_UNKNOWN, /* no such account */
    ACCOUNT_DENIED,  /* wrong password, disabled, or an expired or wrong set-up token */
    ACCOUNT_STORE,   /* the store failed: see the message */
} account_rc_t;

/* Whether name, role (as participants.yaml names it) and organisation go
 * together: gp a practice ODS code, hospital a trust ODS code, school a
 * URN, provider a provider id; commissioner and operator none. A name may
 * not begin with "api." (the hub's name for an API client). Returns
 * NULL, or what is wrong for a person to read (naming the field). */
const char *account_check(const char *name, role_t role, const char *org);
/* Whether a password is acceptable: ACCOUNT_PASSWORD_MIN..MAX bytes of
 * UTF-8 without control characters, not the account name. NULL or why not. */
const char *account_password_problem(const char *name, const char *password);

/* Each returns ACCOUNT_OK or another code with a message in msg. A NULL
 * password to account_add: none until a set-up link sets one. */
account_rc_t account_add(store_t *st, const char *name, role_t role, const char *org,
                         const char *password, bool must_change, char *msg, size_t msgsz);
/* Sets a new password (clears must_change unless must_change). */
account_rc_t account_passwd(store_t *st, const char *name, const char *password, bool must_change,
                            char *msg, size_t msgsz);
account_rc_t account_disable(store_t *st, const char *name, bool disabled, char *msg, size_t msgsz);
/* A one-time set-up link's token for name, valid for `hours`: written
 * into token (ACCOUNT_SETUP_TOKEN + 1 bytes); only its hash is kept. */
account_rc_t account_setup_token(store_t *st, const char *name, int hours, char *token, char *msg,
                                 size_t msgsz);
/* Sets the password with a set-up token (once; the token is then spent). */
account_rc_t account_setup(store_t *st, const char *name, const char *token, const char *password,
                           char *msg, size_t msgsz);

/* Logging in: ACCOUNT_OK with the account in *out (free with
 * carerhub__web_account__free_unpacked) when the password is right and the
 * account enabled; ACCOUNT_DENIED otherwise, also for an unknown name,
 * after the same work (a hash is verified either way), so that the answer
 * and its time say nothing about which names exist. */
account_rc_t account_verify(store_t *st, const char *name, const char *password,
                            Carerhub__WebAccount **out);
/* The account (free as above), or NULL. */
Carerhub__WebAccount *account_get(store_t *st, const char *name);
/* Calls fn for each account in name order; stops at a non-zero return.
 * Returns 0, fn's non-zero return, or the store's error (store_strerror). */
int account_each(store_t *st, int (*fn)(const Carerhub__WebAccount *a, void *arg), void *arg);

/* Opens (creating) the web store in dir. NULL with the error in *err. */
store_t *account_open(const char *dir, int *err);

#endif
