/*
 * ZeroMQ + protobuf framing. Every carerhub message is one ZeroMQ frame
 * holding one packed Envelope (proto/carerhub.proto); on ROUTER sockets it is
 * preceded by the peer's routing id. Receiving checks the frame count, the
 * size, the protobuf encoding and the protocol version, so a daemon can
 * answer a bad message instead of acting on it.
 */
#ifndef CARERHUB_WIRE_H
#define CARERHUB_WIRE_H

#include "carerhub.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_VERSION 1
#define WIRE_MAX_MSG (8u << 20) /* bytes; also set as ZMQ_MAXMSGSIZE */
#define WIRE_MAX_ID  255
/* The most referrals, and the most audit records, one Forward may hold. */
#define WIRE_FORWARD_MAX 1000
/* Most outcomes in one OutcomeReport. */
#define WIRE_OUTCOMES_MAX 100

typedef enum {
    WIRE_OK = 0,
    WIRE_AGAIN,        /* nothing waiting (non-blocking receive) */
    WIRE_FRAMES,       /* wrong number of frames */
    WIRE_UNDECODED,    /* not a packed Envelope */
    WIRE_VERSIONED,    /* an Envelope of another protocol version */
    WIRE_NONCANONICAL, /* re-encodes differently: a NUL inside a string */
    WIRE_EMPTY,        /* an Envelope with no body */
    WIRE_FAILED,       /* the socket failed; see errno */
} wire_status_t;

/* Who sent a message to a ROUTER socket. */
typedef struct {
    uint8_t id[WIRE_MAX_ID];
    size_t idlen;
    char user[128]; /* ZAP User-Id ("" without authentication) */
    int fd;         /* the connection's descriptor, or -1 */
} wire_peer_t;

/* Packs env, setting its version, and sends it; to a ROUTER socket give the
 * peer (its routing id is sent first), else NULL. flags: ZMQ_DONTWAIT or 0.
 * Returns 0, or -1 with errno (EAGAIN when it would block, EHOSTUNREACH when
 * a ROUTER_MANDATORY peer is gone). */
int wire_send(void *sock, const wire_peer_t *peer, Carerhub__Envelope *env, int flags);

/* Receives one message. With router true, the first frame is the routing id
 * and goes to *peer. On WIRE_OK *env is a new Envelope the caller frees with
 * carerhub__envelope__free_unpacked(env, NULL). Extra frames of a bad message
 * are always drained, so the next receive starts clean. */
wire_status_t wire_recv(void *sock, bool router, wire_peer_t *peer, Carerhub__Envelope **env,
                        int flags);

/* Answers a request (its corr copied; req may be NULL) with an Error of
 * code (bad_request, forbidden, unavailable, ...) and a message for a
 * person, without blocking. Same contract as wire_send. */
int wire_send_error(void *sock, const wire_peer_t *peer, const Carerhub__Envelope *req,
                    const char *code, const char *message);

/* Sends an Envelope already encoded (it must carry version WIRE_VERSION).
 * Same contract as wire_send. */
int wire_send_raw(void *sock, const wire_peer_t *peer, const void *data, size_t n, int flags);

/* A Forward built from records already encoded, so that a referral is
 * encoded once, when it is accepted: referrals and audit records are copied
 * in as they are, and the Envelope around them is written last. */
typedef struct {
    uint8_t *buf;
    size_t len, cap;
} wire_forward_t;

/* Empties f (keeping its memory). */
void wire_forward_reset(wire_forward_t *f);
/* Appends an encoded Referral, or an encoded AuditRecord. */
void wire_forward_referral(wire_forward_t *f, const void *referral, size_t n);
void wire_forward_audit(wire_forward_t *f, const void *record, size_t n);
/* Bytes of the records appended so far. */
size_t wire_forward_size(const wire_forward_t *f);
/* Writes the Envelope (version, forward) around the records: returns it,
 * borrowed from f until its next use, with its size in *n. */
const uint8_t *wire_forward_finish(wire_forward_t *f, size_t *n);
void wire_forward_free(wire_forward_t *f);

const char *wire_status_str(wire_status_t st);

/* A short printable form of a routing id, for logs. */
void wire_peer_str(const wire_peer_t *peer, char *out, size_t outsz);

/* Sets the options every carerhub socket has: linger, size cap, heartbeat.
 * Returns 0 or -1. */
int wire_socket_defaults(void *sock);

#endif
