/*
 * Service clients: see clnt.h.
 */
#include "clnt/clnt.h"

#include "util/clock.h"
#include "wire/wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

static int s_send(void *sock, uint64_t corr, Carerhub__Envelope *env)
{
    env->has_corr = corr != 0;
    env->corr = corr;
    return wire_send(sock, NULL, env, ZMQ_DONTWAIT);
}

int intake_clnt_submit(void *sock, uint64_t corr, const char *token, Carerhub__Referral *r)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__SubmitRequest req = CARERHUB__SUBMIT_REQUEST__INIT;
    req.token = (char *)token;
    req.referral = r;
    env.body_case = CARERHUB__ENVELOPE__BODY_SUBMIT;
    env.submit = &req;
    return s_send(sock, corr, &env);
}

int router_clnt_hello(void *sock, const char *provider, uint32_t credit)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__Hello hello = CARERHUB__HELLO__INIT;
    hello.provider = (char *)provider;
    hello.has_credit = true;
    hello.credit = credit;
    env.body_case = CARERHUB__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    return s_send(sock, 0, &env);
}

int router_clnt_delivery_ack(void *sock, const uint64_t *ids, size_t n, uint32_t credit)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__DeliveryAck ack = CARERHUB__DELIVERY_ACK__INIT;
    ack.n_delivery_ids = n;
    ack.delivery_ids = (uint64_t *)ids;
    ack.has_credit = true;
    ack.credit = credit;
    env.body_case = CARERHUB__ENVELOPE__BODY_DELIVERY_ACK;
    env.delivery_ack = &ack;
    return s_send(sock, 0, &env);
}

int router_clnt_outcome_report(void *sock, uint64_t corr, Carerhub__Outcome **os, size_t n)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__OutcomeReport rep = CARERHUB__OUTCOME_REPORT__INIT;
    rep.n_outcomes = n;
    rep.outcomes = os;
    env.body_case = CARERHUB__ENVELOPE__BODY_OUTCOME_REPORT;
    env.outcome_report = &rep;
    return s_send(sock, corr, &env);
}

void *clnt_watch(void *ctx, void *sock)
{
    static unsigned s_n;
    char ep[64];
    void *pair;
    snprintf(ep, sizeof ep, "inproc://carerhub-clnt-watch-%u", ++s_n);
    if (zmq_socket_monitor(sock, ep, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) < 0)
        return NULL;
    pair = zmq_socket(ctx, ZMQ_PAIR);
    if (pair && zmq_connect(pair, ep) == 0)
        return pair;
    if (pair)
        zmq_close(pair);
    return NULL;
}

int clnt_refused(void *watch)
{
    int refused = 0;
    while (watch) {
        zmq_msg_t ev, addr;
        uint16_t event = 0;
        uint32_t value = 0;
        zmq_msg_init(&ev);
        zmq_msg_init(&addr);
        if (zmq_msg_recv(&ev, watch, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&ev);
            break;
        }
        if (zmq_msg_size(&ev) >= 6) {
            memcpy(&event, zmq_msg_data(&ev), 2);
            memcpy(&value, (char *)zmq_msg_data(&ev) + 2, 4);
        }
        if (zmq_msg_more(&ev))
            zmq_msg_recv(&addr, watch, ZMQ_DONTWAIT);
        zmq_msg_close(&ev);
        zmq_msg_close(&addr);
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            refused = value ? (int)value : 400;
    }
    return refused;
}

int clnt_open(clnt_conn_t *c, void *ctx, const char *endpoint, const clnt_keys_t *keys)
{
    int immediate = 1;
    memset(c, 0, sizeof *c);
    c->sock = zmq_socket(ctx, ZMQ_DEALER);
    if (!c->sock)
        return -1;
    wire_socket_defaults(c->sock);
    zmq_setsockopt(c->sock, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
    if (keys && curve_client(c->sock, &keys->me, keys->server) < 0)
        goto fail;
    c->watch = clnt_watch(ctx, c->sock);
    if (zmq_connect(c->sock, endpoint) < 0)
        goto fail;
    return 0;
fail:
    clnt_close(c);
    return -1;
}

int clnt_wait(clnt_conn_t *c, long ms)
{
    return clnt_wait_send(c, ms, false);
}

int clnt_wait_send(clnt_conn_t *c, long ms, bool sending)
{
    /* With ZMQ_IMMEDIATE the socket is writable only once a connection
     * has finished its handshake. */
    short events = (short)(ZMQ_POLLIN | (sending ? ZMQ_POLLOUT : 0));
    zmq_pollitem_t items[2] = {{c->sock, 0, events, 0}, {c->watch, 0, ZMQ_POLLIN, 0}};
    if (zmq_poll(items, c->watch ? 2 : 1, ms) < 0)
        return zmq_errno() == EINTR ? 0 : -1;
    if ((items[1].revents & ZMQ_POLLIN) && clnt_refused(c->watch)) {
        errno = EACCES;
        return -1;
    }
    return (items[0].revents & ZMQ_POLLIN) ? 1 : 0;
}

void clnt_close(clnt_conn_t *c)
{
    int e = errno;
    if (c->watch)
        zmq_close(c->watch);
    if (c->sock)
        zmq_close(c->sock);
    c->watch = c->sock = NULL;
    errno = e;
}

Carerhub__Envelope *clnt_call(void *ctx, const char *endpoint, const clnt_keys_t *keys,
                              Carerhub__Envelope *env, int timeout_ms, int resend_ms)
{
    static uint64_t s_corr;
    int64_t deadline = clock_mono_ms() + timeout_ms, next_send = 0;
    Carerhub__Envelope *reply = NULL;
    uint64_t corr = ++s_corr + ((uint64_t)clock_now_ms() << 20);
    clnt_conn_t c;
    int ready = 0;

    if (clnt_open(&c, ctx, endpoint, keys) < 0)
        return NULL;
    env->has_corr = true;
    env->corr = corr;
    while (clock_mono_ms() < deadline) {
        int64_t now = clock_mono_ms();
        long wait;
        bool unsent = false;
        if (now >= next_send) {
            /* Not yet connected is EAGAIN: wait until it is (or a little,
             * for a refusal to show). */
            if (wire_send(c.sock, NULL, env, ZMQ_DONTWAIT) == 0) {
                next_send = now + (resend_ms > 0 ? resend_ms : timeout_ms);
            } else {
                next_send = now + 20;
                unsent = zmq_errno() == EAGAIN;
            }
        }
        wait = (long)((next_send < deadline ? next_send : deadline) - now);
        if ((ready = clnt_wait_send(&c, wait < 1 ? 1 : wait, unsent)) < 0)
            break;
        if (unsent && ready == 0)
            next_send = clock_mono_ms(); /* writable: send now */
        if (ready > 0) {
            Carerhub__Envelope *got = NULL;
            if (wire_recv(c.sock, false, NULL, &got, ZMQ_DONTWAIT) == WIRE_OK) {
                if (got->has_corr && got->corr == corr) {
                    reply = got;
                    break;
                }
                carerhub__envelope__free_unpacked(got, NULL);
            }
        }
    }
    clnt_close(&c);
    if (!reply)
        errno = ready < 0 && errno == EACCES ? EACCES : ETIMEDOUT;
    return reply;
}

Carerhub__Envelope *clnt_status(void *ctx, const char *endpoint, const clnt_keys_t *keys,
                                const char *referral_id, int timeout_ms)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatusQuery q = CARERHUB__STATUS_QUERY__INIT;
    q.referral_id = (char *)referral_id;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &q;
    return clnt_call(ctx, endpoint, keys, &env, timeout_ms, 2000);
}

Carerhub__Envelope *clnt_stats(void *ctx, const char *endpoint, const clnt_keys_t *keys,
                               int timeout_ms)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatsQuery q = CARERHUB__STATS_QUERY__INIT;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATS_QUERY;
    env.stats_query = &q;
    return clnt_call(ctx, endpoint, keys, &env, timeout_ms, 2000);
}

Carerhub__Envelope *clnt_audit(void *ctx, const char *endpoint, const clnt_keys_t *keys,
                               int64_t since, uint64_t after, uint32_t limit, int timeout_ms)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__AuditQuery q = CARERHUB__AUDIT_QUERY__INIT;
    q.has_since = since > 0;
    q.since = since;
    q.has_after = after > 0;
    q.after = after;
    q.has_limit = true;
    q.limit = limit;
    env.body_case = CARERHUB__ENVELOPE__BODY_AUDIT_QUERY;
    env.audit_query = &q;
    return clnt_call(ctx, endpoint, keys, &env, timeout_ms, 2000);
}
