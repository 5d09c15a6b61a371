/*
 * Framing: see wire.h.
 */
#include "wire/wire.h"

#include "wire/pbwire.h"

#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static void s_free_buf(void *data, void *hint)
{
    (void)hint;
    free(data);
}

int wire_send(void *sock, const wire_peer_t *peer, Carerhub__Envelope *env, int flags)
{
    zmq_msg_t msg;
    size_t n;
    uint8_t *buf;

    env->has_version = true;
    env->version = WIRE_VERSION;
    n = carerhub__envelope__get_packed_size(env);
    buf = xmalloc(n);
    carerhub__envelope__pack(env, buf);
    if (peer && zmq_send(sock, peer->id, peer->idlen, ZMQ_SNDMORE | flags) < 0) {
        int e = errno;
        free(buf);
        errno = e;
        return -1;
    }
    zmq_msg_init_data(&msg, buf, n, s_free_buf, NULL);
    if (zmq_msg_send(&msg, sock, flags) < 0) {
        int e = errno;
        zmq_msg_close(&msg);
        errno = e;
        return -1;
    }
    return 0;
}

int wire_send_raw(void *sock, const wire_peer_t *peer, const void *data, size_t n, int flags)
{
    if (peer && zmq_send(sock, peer->id, peer->idlen, ZMQ_SNDMORE | flags) < 0)
        return -1;
    return zmq_send(sock, data, n, flags) < 0 ? -1 : 0;
}

static void s_drain(void *sock)
{
    int more = 1;
    size_t len = sizeof more;
    while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) == 0 && more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        zmq_msg_recv(&m, sock, 0);
        zmq_msg_close(&m);
        len = sizeof more;
    }
}

wire_status_t wire_recv(void *sock, bool router, wire_peer_t *peer, Carerhub__Envelope **env,
                        int flags)
{
    zmq_msg_t msg;
    Carerhub__Envelope *e;
    const char *user;

    *env = NULL;
    if (router) {
        zmq_msg_t id;
        zmq_msg_init(&id);
        if (zmq_msg_recv(&id, sock, flags) < 0) {
            zmq_msg_close(&id);
            return errno == EAGAIN ? WIRE_AGAIN : WIRE_FAILED;
        }
        peer->idlen = zmq_msg_size(&id) <= WIRE_MAX_ID ? zmq_msg_size(&id) : WIRE_MAX_ID;
        memcpy(peer->id, zmq_msg_data(&id), peer->idlen);
        user = zmq_msg_gets(&id, "User-Id");
        snprintf(peer->user, sizeof peer->user, "%s", user ? user : "");
        if (!zmq_msg_more(&id)) {
            zmq_msg_close(&id);
            return WIRE_FRAMES;
        }
        zmq_msg_close(&id);
        /* The rest of the message is already here. */
        flags = 0;
    }
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, sock, flags) < 0) {
        zmq_msg_close(&msg);
        return errno == EAGAIN ? WIRE_AGAIN : WIRE_FAILED;
    }
    if (peer) {
        user = zmq_msg_gets(&msg, "User-Id");
        snprintf(peer->user, sizeof peer->user, "%s", user ? user : "");
        peer->fd = zmq_msg_get(&msg, ZMQ_SRCFD);
    }
    if (zmq_msg_more(&msg)) {
        zmq_msg_close(&msg);
        s_drain(sock);
        return WIRE_FRAMES;
    }
    e = carerhub__envelope__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
    if (!e) {
        zmq_msg_close(&msg);
        return WIRE_UNDECODED;
    }
    /* protobuf-c ends strings at their first NUL byte, so a string holding
     * one would be silently cut short: such a message packs smaller than it
     * came. Refuse it rather than act on text nobody sent. */
    if (carerhub__envelope__get_packed_size(e) != zmq_msg_size(&msg)) {
        zmq_msg_close(&msg);
        carerhub__envelope__free_unpacked(e, NULL);
        return WIRE_NONCANONICAL;
    }
    zmq_msg_close(&msg);
    if (!e->has_version || e->version != WIRE_VERSION) {
        carerhub__envelope__free_unpacked(e, NULL);
        return WIRE_VERSIONED;
    }
    if (e->body_case == CARERHUB__ENVELOPE__BODY__NOT_SET) {
        carerhub__envelope__free_unpacked(e, NULL);
        return WIRE_EMPTY;
    }
    *env = e;
    return WIRE_OK;
}

const char *wire_status_str(wire_status_t st)
{
    switch (st) {
    case WIRE_OK:
        return "ok";
    case WIRE_AGAIN:
        return "nothing to receive";
    case WIRE_FRAMES:
        return "wrong number of frames";
    case WIRE_UNDECODED:
        return "not a carerhub message";
    case WIRE_VERSIONED:
        return "unsupported protocol version";
    case WIRE_NONCANONICAL:
        return "a text field holds a NUL byte, or the encoding is not canonical";
    case WIRE_EMPTY:
        return "message has no body";
    case WIRE_FAILED:
        return "socket error";
    }
    return "unknown";
}

void wire_peer_str(const wire_peer_t *peer, char *out, size_t outsz)
{
    size_t n = 0;
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < peer->idlen && n + 3 < outsz && i < 8; i++) {
        out[n++] = hex[peer->id[i] >> 4];
        out[n++] = hex[peer->id[i] & 15];
    }
    if (outsz)
        out[n < outsz ? n : outsz - 1] = '\0';
}

int wire_socket_defaults(void *sock)
{
    int linger = 0, ivl = 1000, ttl = 5000, timeout = 5000;
    int64_t max = WIRE_MAX_MSG;
    if (zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
        zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max) < 0 ||
        zmq_setsockopt(sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl) < 0 ||
        zmq_setsockopt(sock, ZMQ_HEARTBEAT_TTL, &ttl, sizeof ttl) < 0 ||
        zmq_setsockopt(sock, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout) < 0)
        return -1;
    return 0;
}

/* Room kept in front of the records for the Envelope's own fields: the
 * version and the forward field's tag and length. */
#define S_HEAD 24

void wire_forward_reset(wire_forward_t *f)
{
    if (!f->buf) {
        f->cap = 4096;
        f->buf = xmalloc(f->cap);
    }
    f->len = S_HEAD;
}

static void s_forward_add(wire_forward_t *f, const char *field, const void *data, size_t n)
{
    uint32_t num = pbwire_field(&carerhub__forward__descriptor, field);
    if (!f->buf)
        wire_forward_reset(f);
    f->buf = xgrow(f->buf, &f->cap, f->len + pbwire_ld_size(num, n), 1);
    f->len += pbwire_ld(f->buf + f->len, num, data, n);
}

void wire_forward_referral(wire_forward_t *f, const void *referral, size_t n)
{
    s_forward_add(f, "referrals", referral, n);
}

void wire_forward_audit(wire_forward_t *f, const void *record, size_t n)
{
    s_forward_add(f, "audit", record, n);
}

size_t wire_forward_size(const wire_forward_t *f)
{
    return f->buf ? f->len - S_HEAD : 0;
}

const uint8_t *wire_forward_finish(wire_forward_t *f, size_t *n)
{
    uint8_t head[S_HEAD];
    size_t hn = 0, body;
    if (!f->buf)
        wire_forward_reset(f);
    body = f->len - S_HEAD;
    hn += pbwire_varint(head + hn,
                        (uint64_t)pbwire_field(&carerhub__envelope__descriptor, "version") << 3);
    hn += pbwire_varint(head + hn, WIRE_VERSION);
    hn += pbwire_varint(
        head + hn, (uint64_t)pbwire_field(&carerhub__envelope__descriptor, "forward") << 3 | 2);
    hn += pbwire_varint(head + hn, body);
    memcpy(f->buf + S_HEAD - hn, head, hn);
    *n = body + hn;
    return f->buf + S_HEAD - hn;
}

void wire_forward_free(wire_forward_t *f)
{
    free(f->buf);
    f->buf = NULL;
    f->len = f->cap = 0;
}

int wire_send_error(void *sock, const wire_peer_t *peer, const Carerhub__Envelope *req,
                    const char *code, const char *message)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__Error err = CARERHUB__ERROR__INIT;
    err.code = (char *)code;
    err.message = (char *)message;
    env.body_case = CARERHUB__ENVELOPE__BODY_ERROR;
    env.error = &err;
    env.has_corr = req && req->has_corr;
    env.corr = req ? req->corr : 0;
    return wire_send(sock, peer, &env, ZMQ_DONTWAIT);
}
