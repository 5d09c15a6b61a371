/*
 * Typed calls to carerhub's services, so that no client builds frames by
 * hand. Send functions queue one request on a connected DEALER socket and
 * return 0, or -1 with errno (EAGAIN: nobody to send to yet). Replies come
 * back through wire_recv() on the same socket, matched by corr.
 *
 * clnt_call() is the blocking form for the CLI: connect, send, wait for the
 * reply with resends (the Lazy Pirate pattern), give up after a timeout.
 */
#ifndef CARERHUB_CLNT_H
#define CARERHUB_CLNT_H

#include "carerhub.pb-c.h"
#include "wire/curve.h"

#include <stddef.h>
#include <stdint.h>

/* To an intake. */
int intake_clnt_submit(void *sock, uint64_t corr, const char *token, Carerhub__Referral *r);

/* To the router's intake endpoint (from an intake). */
int router_clnt_forward(void *sock, Carerhub__Referral **refs, size_t n);

/* To the router's delivery endpoint (from a provider agent). */
int router_clnt_hello(void *sock, const char *provider, uint32_t credit);
int router_clnt_delivery_ack(void *sock, const uint64_t *ids, size_t n, uint32_t credit);

/* A client's own key pair and the public key of the server it talks to. */
typedef struct {
    keypair_t me;
    char server[CURVE_Z85];
} clnt_keys_t;

/* Watches a client socket's CURVE handshakes, so that a client learns when
 * the server refuses its key instead of waiting in silence. Returns the
 * watching socket (close it with zmq_close before sock) or NULL. */
void *clnt_watch(void *ctx, void *sock);
/* Reads the events waiting on a watch: the ZAP status code the server
 * refused this client with (400: the key is not listed), or 0. */
int clnt_refused(void *watch);

/* Sends env to endpoint and waits up to timeout_ms for the reply with the
 * same corr, resending every resend_ms. Returns the reply (caller frees with
 * carerhub__envelope__free_unpacked) or NULL: errno ETIMEDOUT on timeout,
 * EACCES when the server refused this client's key. */
Carerhub__Envelope *clnt_call(void *ctx, const char *endpoint, const clnt_keys_t *keys,
                              Carerhub__Envelope *env, int timeout_ms, int resend_ms);

#endif
