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
#include <stdbool.h>
#include <stdint.h>

/* To an intake. */
int intake_clnt_submit(void *sock, uint64_t corr, const char *token, Carerhub__Referral *r);

/* To the router's delivery endpoint (from a provider agent). */
int router_clnt_hello(void *sock, const char *provider, uint32_t credit);
int router_clnt_delivery_ack(void *sock, const uint64_t *ids, size_t n, uint32_t credit);
/* Outcomes from the agent's case system (n <= WIRE_OUTCOMES_MAX, borrowed),
 * as one OutcomeReport; the router answers with an OutcomeReply of corr. */
int router_clnt_outcome_report(void *sock, uint64_t corr, Carerhub__Outcome **os, size_t n);

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

/* A connection to one server: a DEALER socket that sends only once the
 * connection is made (ZMQ_IMMEDIATE: until then a send is EAGAIN), as a
 * CURVE client with keys, and a watch on its handshakes. */
typedef struct {
    void *sock, *watch;
} clnt_conn_t;

/* Opens c to endpoint. Returns 0, or -1 with errno. */
int clnt_open(clnt_conn_t *c, void *ctx, const char *endpoint, const clnt_keys_t *keys);
/* Waits up to ms for a message on c: 1 when one is waiting, 0 when none
 * came, -1 when the server refused this client's key (errno EACCES) or the
 * poll failed. */
int clnt_wait(clnt_conn_t *c, long ms);
/* As clnt_wait, and when sending (a send found no connection yet) also
 * returns 0 as soon as the connection is made and a send can go, rather
 * than at the end of ms: the first message leaves the moment the
 * handshake is done. */
int clnt_wait_send(clnt_conn_t *c, long ms, bool sending);
void clnt_close(clnt_conn_t *c);

/* Sends env to endpoint and waits up to timeout_ms for the reply with the
 * same corr, resending every resend_ms. Returns the reply (caller frees with
 * carerhub__envelope__free_unpacked) or NULL: errno ETIMEDOUT on timeout,
 * EACCES when the server refused this client's key. */
Carerhub__Envelope *clnt_call(void *ctx, const char *endpoint, const clnt_keys_t *keys,
                              Carerhub__Envelope *env, int timeout_ms, int resend_ms);

/* Operators' questions, as clnt_call (resending every 2 s): where a
 * referral is (of the router, or of the intake that accepted it), the
 * router's statistics, and up to limit audit records from since (unix ms,
 * 0: all) after sequence number after. */
Carerhub__Envelope *clnt_status(void *ctx, const char *endpoint, const clnt_keys_t *keys,
                                const char *referral_id, int timeout_ms);
Carerhub__Envelope *clnt_stats(void *ctx, const char *endpoint, const clnt_keys_t *keys,
                               int timeout_ms);
Carerhub__Envelope *clnt_audit(void *ctx, const char *endpoint, const clnt_keys_t *keys,
                               int64_t since, uint64_t after, uint32_t limit, int timeout_ms);

#endif
