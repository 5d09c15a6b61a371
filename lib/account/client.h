/*
 * API clients of the web front door's FHIR interface: a clinical system of
 * one organisation (a GP practice, a trust, a school), kept in
 * carerhub-web's store beside the accounts (table clients: name ->
 * WebClient). `carerhub client` adds, lists, disables and gives new tokens;
 * carerhub-web verifies the bearer token of each FHIR request.
 *
 * A token is 32 random bytes (base64url), shown once when it is made; only
 * its generic hash is kept (a high-entropy secret needs no slow hash) and
 * compared in constant time. A new token ends the old one. A client may
 * also have the SHA-256 fingerprint of its certificate recorded: where the
 * web asks for client certificates (web.tls_client_ca), such a client must
 * present that one.
 *
 * The hub knows a client as the gateway's user CLIENT_USER_PREFIX + name
 * (OnBehalf, audit records): account names may not take that prefix, so
 * that a client is never taken for an account, nor an account for a client.
 */
#ifndef CARERHUB_CLIENT_H
#define CARERHUB_CLIENT_H

#include "account/account.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Letters, digits, '.', '-', '_'; starts with a letter. With
 * CLIENT_USER_PREFIX it is a web user's name (63 characters at most). */
#define CLIENT_NAME_MAX    59
#define CLIENT_TOKEN_LEN   43 /* characters of a token (base64url of 32 bytes) */
#define CLIENT_USER_PREFIX "api."
#define CLIENT_CERT_MAX    (64u * 1024) /* bytes of a PEM certificate file */

/* Whether name, role and organisation go together for a client: gp a
 * practice's ODS code, hospital a trust's, school a URN (no other role
 * refers). NULL, or what is wrong for a person to read (naming the field). */
const char *client_check(const char *name, role_t role, const char *org);
/* The role whose organisations have codes of org's form (a practice's ODS
 * code, a trust's, a URN: the forms do not overlap): 0, or -1 when org has
 * none of them. */
int client_role_of_org(const char *org, role_t *out);

/* Adds a client with a new token, written into token (CLIENT_TOKEN_LEN + 1
 * bytes; emptied unless ACCOUNT_OK). cert_sha256 may be NULL. Returns
 * ACCOUNT_OK, ACCOUNT_BAD, ACCOUNT_EXISTS or ACCOUNT_STORE, with a message. */
account_rc_t client_add(store_t *st, const char *name, role_t role, const char *org,
                        const uint8_t *cert_sha256, char *token, char *msg, size_t msgsz);
/* A new token for name (the old one stops working), as for client_add. */
account_rc_t client_token(store_t *st, const char *name, char *token, char *msg, size_t msgsz);
account_rc_t client_disable(store_t *st, const char *name, bool disabled, char *msg, size_t msgsz);

/* The client whose token this is, enabled: ACCOUNT_OK with it in *out
 * (free with carerhub__web_client__free_unpacked); else ACCOUNT_DENIED
 * (an unknown token, one of a disabled client, not a token at all) or
 * ACCOUNT_STORE. Hashes compared in constant time (sodium_memcmp). */
account_rc_t client_verify(store_t *st, const char *token, Carerhub__WebClient **out);
/* The client (free as above), or NULL. */
Carerhub__WebClient *client_get(store_t *st, const char *name);
/* Calls fn for each client in name order; stops at a non-zero return.
 * Returns 0, fn's non-zero return, or the store's error. */
int client_each(store_t *st, int (*fn)(const Carerhub__WebClient *c, void *arg), void *arg);

/* The SHA-256 of the first certificate of a PEM text (of its DER bytes, as
 * TLS presents it): 0, or -1 with why in words. */
int client_cert_sha256(const char *pem, size_t len, uint8_t out[32], char *why, size_t whysz);

#endif
