/*
 * The peer's durable pipeline, for make bench-peers: RabbitMQ doing what the
 * hub alone does (a referral taken, committed, handed on and committed again),
 * as RabbitMQ's own guarantees allow, timed the way bench_pipeline times the
 * hub.
 *
 *   bench_rabbit HOST PORT SAMPLE N [WINDOW [PREFETCH]]
 *
 * A durable queue; N persistent messages (delivery mode 2) published to it,
 * each the bytes of the first referral in SAMPLE (a GP referral file) as the
 * hub packs it, with publisher confirms: a message counts as published when
 * the broker's confirm for it arrives, which for a persistent message in a
 * durable queue is once it is on disk (or already consumed and acknowledged),
 * and at most WINDOW (default 4000, as bench_pipeline's client) are
 * unconfirmed at once. Meanwhile a consumer on a connection of its own, with
 * manual acknowledgements and basic.qos PREFETCH (default 1000), takes every
 * message, checks its bytes, and acknowledges several at a time (multiple),
 * whenever a quarter of the prefetch is unacknowledged or nothing more is
 * waiting. Prints confirmed messages a second with publish-to-confirm
 * latency, consumed a second, and end to end (first publish to the last
 * message consumed, every confirm in).
 */
#include "conf/ytree.h"
#include "domain/referral.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

#define S_QUEUE      "carerhub-bench"
#define S_CHANNEL    1
#define S_GIVE_UP_US (600 * 1000000LL) /* as bench_pipeline: ten minutes */

static _Noreturn void s_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void s_fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "bench_rabbit: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* Exits with what went wrong unless r is a normal reply. */
static void s_check(amqp_rpc_reply_t r, const char *what)
{
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION)
        s_fail("%s: %s", what, amqp_error_string2(r.library_error));
    if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
        r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const amqp_connection_close_t *m = r.reply.decoded;
        s_fail("%s: the broker closed the connection: %.*s", what, (int)m->reply_text.len,
               (const char *)m->reply_text.bytes);
    }
    if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const amqp_channel_close_t *m = r.reply.decoded;
        s_fail("%s: the broker closed the channel: %.*s", what, (int)m->reply_text.len,
               (const char *)m->reply_text.bytes);
    }
    s_fail("%s: failed (reply type %d)", what, (int)r.reply_type);
}

/* A logged-in connection with channel 1 open and the durable queue declared
 * (by both sides, so that neither depends on the other going first). */
static amqp_connection_state_t s_connect(const char *host, int port)
{
    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *sock = amqp_tcp_socket_new(conn);
    int rc;

    if (!sock)
        s_fail("cannot make a TCP socket");
    if ((rc = amqp_socket_open(sock, host, port)) != AMQP_STATUS_OK)
        s_fail("cannot connect to %s:%d: %s", host, port, amqp_error_string2(rc));
    s_check(amqp_login(conn, "/", 0, AMQP_DEFAULT_FRAME_SIZE, 0, AMQP_SASL_METHOD_PLAIN, "guest",
                       "guest"),
            "logging in as guest");
    amqp_channel_open(conn, S_CHANNEL);
    s_check(amqp_get_rpc_reply(conn), "opening a channel");
    amqp_queue_declare(conn, S_CHANNEL, amqp_cstring_bytes(S_QUEUE), 0, 1 /* durable */, 0, 0,
                       amqp_empty_table);
    s_check(amqp_get_rpc_reply(conn), "declaring the durable queue " S_QUEUE);
    return conn;
}

static void s_close(amqp_connection_state_t conn)
{
    amqp_channel_close(conn, S_CHANNEL, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
}

/* The first referral in a GP referral file, packed as the hub packs it. */
static uint8_t *s_sample(const char *file, size_t *len)
{
    static const ylimits_t lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 1u << 20};
    ferrs_t errs = FERRS_INIT;
    Carerhub__Referral *r = NULL;
    ystream_t *s;
    char *data;
    size_t n;
    uint8_t *out;

    if (file_read_all(file, 1u << 20, &data, &n) < 0)
        s_fail("cannot read %s", file);
    s = ytree_parse(data, n, &lim);
    free(data);
    for (size_t i = 0; i < ystream_count(s) && !r; i++) {
        const ynode_t *root = ystream_doc(s, i);
        if (root && root->kind == YNODE_MAP)
            r = referral_from_yaml(root, CARERHUB__SOURCE__GP, &errs);
    }
    ystream_destroy(&s);
    if (!r || errs.n)
        s_fail("%s: %s", file, r ? errs.v[0].message : "holds no referral (a mapping of fields)");
    *len = carerhub__referral__get_packed_size(r);
    out = xmalloc(*len);
    carerhub__referral__pack(r, out);
    carerhub__referral__free_unpacked(r, NULL);
    ferrs_free(&errs);
    return out;
}

typedef struct {
    const char *host;
    int port;
    const uint8_t *body;
    size_t len, n;
    unsigned prefetch;
    sem_t ready;         /* posted once the consumer is subscribed */
    int64_t *got_us;     /* when message k arrived (the queue is first in, first out) */
    int64_t last_ack_us; /* when the last acknowledgement was sent */
    atomic_bool stop;    /* the publisher gave up */
} s_consumer_t;

static void *s_consume(void *arg)
{
    s_consumer_t *c = arg;
    amqp_connection_state_t conn = s_connect(c->host, c->port);
    unsigned ack_every = c->prefetch / 4 ? c->prefetch / 4 : 1, unacked = 0;
    size_t got = 0;

    amqp_basic_qos(conn, S_CHANNEL, 0, (uint16_t)c->prefetch, 0);
    s_check(amqp_get_rpc_reply(conn), "basic.qos");
    amqp_basic_consume(conn, S_CHANNEL, amqp_cstring_bytes(S_QUEUE), amqp_empty_bytes, 0,
                       0 /* manual acknowledgements */, 0, amqp_empty_table);
    s_check(amqp_get_rpc_reply(conn), "basic.consume");
    sem_post(&c->ready);
    while (got < c->n && !atomic_load(&c->stop)) {
        struct timeval tv = {1, 0};
        amqp_envelope_t env;
        amqp_rpc_reply_t r;

        amqp_maybe_release_buffers(conn);
        r = amqp_consume_message(conn, &env, &tv, 0);
        if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
            r.library_error == AMQP_STATUS_TIMEOUT)
            continue;
        s_check(r, "consuming");
        if (env.redelivered)
            s_fail("message %zu came again (redelivered)", got + 1);
        if (env.message.body.len != c->len || memcmp(env.message.body.bytes, c->body, c->len))
            s_fail("message %zu is not the bytes that were published (%zu bytes)", got + 1,
                   env.message.body.len);
        c->got_us[got++] = clock_mono_us();
        if (++unacked >= ack_every || got == c->n ||
            (!amqp_data_in_buffer(conn) && !amqp_frames_enqueued(conn))) {
            if (amqp_basic_ack(conn, S_CHANNEL, env.delivery_tag, 1) != AMQP_STATUS_OK)
                s_fail("cannot acknowledge message %zu", got);
            unacked = 0;
            c->last_ack_us = clock_mono_us();
        }
        amqp_destroy_envelope(&env);
    }
    s_close(conn);
    return NULL;
}

static int s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The publisher's confirms: confirmed[tag - 1] once tag's has come. */
typedef struct {
    bool *confirmed;
    int64_t *sent_us, *lat_us;
    size_t n, low, count; /* every tag below low + 1 is confirmed; how many in all */
} s_confirms_t;

static void s_confirm(s_confirms_t *cf, uint64_t tag, bool multiple, int64_t now)
{
    size_t from = multiple ? cf->low : (size_t)tag - 1;
    if (tag == 0 || tag > cf->n)
        s_fail("a confirm for message %llu, of %zu published", (unsigned long long)tag, cf->n);
    for (size_t k = from; k < tag; k++)
        if (!cf->confirmed[k]) {
            cf->confirmed[k] = true;
            cf->lat_us[k] = now - cf->sent_us[k];
            cf->count++;
        }
    while (cf->low < cf->n && cf->confirmed[cf->low])
        cf->low++;
}

/* Reads one frame from the broker (waiting up to a second): confirms are
 * counted; a nack, a returned message or a closed channel end the run. */
static void s_read_confirms(amqp_connection_state_t conn, s_confirms_t *cf)
{
    struct timeval tv = {1, 0};
    amqp_frame_t f;
    int rc = amqp_simple_wait_frame_noblock(conn, &f, &tv);

    if (rc == AMQP_STATUS_TIMEOUT)
        return;
    if (rc != AMQP_STATUS_OK)
        s_fail("waiting for confirms: %s", amqp_error_string2(rc));
    if (f.frame_type != AMQP_FRAME_METHOD)
        return;
    switch (f.payload.method.id) {
    case AMQP_BASIC_ACK_METHOD: {
        const amqp_basic_ack_t *a = f.payload.method.decoded;
        s_confirm(cf, a->delivery_tag, a->multiple, clock_mono_us());
        break;
    }
    case AMQP_BASIC_NACK_METHOD:
        s_fail("the broker refused message %llu (basic.nack)",
               (unsigned long long)((const amqp_basic_nack_t *)f.payload.method.decoded)
                   ->delivery_tag);
    case AMQP_BASIC_RETURN_METHOD:
        s_fail("the broker returned a message: the queue " S_QUEUE " is gone");
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD:
        s_fail("the broker closed the publisher's channel");
    default:
        break;
    }
}

int main(int argc, char **argv)
{
    s_consumer_t c = {0};
    s_confirms_t cf = {0};
    amqp_connection_state_t conn;
    amqp_basic_properties_t props;
    amqp_bytes_t body;
    size_t n, window, sent = 0;
    int64_t start, confirmed_end, *e2e_us;
    pthread_t th;
    struct rusage ru;
    uint8_t *payload;

    if (argc < 5 || argc > 7) {
        fprintf(stderr, "usage: bench_rabbit HOST PORT SAMPLE N [WINDOW [PREFETCH]]\n");
        return 64;
    }
    log_init("bench_rabbit");
    n = strtoul(argv[4], NULL, 10);
    window = argc > 5 ? strtoul(argv[5], NULL, 10) : 4000;
    c.prefetch = argc > 6 ? (unsigned)strtoul(argv[6], NULL, 10) : 1000;
    if (n == 0 || window == 0 || c.prefetch == 0 || c.prefetch > 65535)
        s_fail("N and WINDOW must be at least 1, PREFETCH from 1 to 65535");
    payload = s_sample(argv[3], &c.len);
    c.host = argv[1];
    c.port = atoi(argv[2]);
    c.body = payload;
    c.n = cf.n = n;
    c.got_us = xcalloc(n, sizeof *c.got_us);
    cf.confirmed = xcalloc(n, sizeof *cf.confirmed);
    cf.sent_us = xcalloc(n, sizeof *cf.sent_us);
    cf.lat_us = xcalloc(n, sizeof *cf.lat_us);
    e2e_us = xcalloc(n, sizeof *e2e_us);

    conn = s_connect(c.host, c.port);
    amqp_queue_purge(conn, S_CHANNEL, amqp_cstring_bytes(S_QUEUE));
    s_check(amqp_get_rpc_reply(conn), "emptying the queue");
    amqp_confirm_select(conn, S_CHANNEL);
    s_check(amqp_get_rpc_reply(conn), "confirm.select");
    sem_init(&c.ready, 0, 0);
    if (pthread_create(&th, NULL, s_consume, &c) != 0)
        s_fail("cannot start the consumer");
    sem_wait(&c.ready);

    memset(&props, 0, sizeof props);
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    props.content_type = amqp_cstring_bytes("application/x-protobuf");
    body.bytes = payload;
    body.len = c.len;
    start = clock_mono_us();
    while (cf.count < n) {
        while (sent < n && sent - cf.count < window) {
            int rc =
                amqp_basic_publish(conn, S_CHANNEL, amqp_empty_bytes, amqp_cstring_bytes(S_QUEUE),
                                   1 /* mandatory */, 0, &props, body);
            if (rc != AMQP_STATUS_OK)
                s_fail("publishing message %zu: %s", sent + 1, amqp_error_string2(rc));
            cf.sent_us[sent++] = clock_mono_us();
        }
        s_read_confirms(conn, &cf);
        if (clock_mono_us() - start > S_GIVE_UP_US) {
            atomic_store(&c.stop, true);
            s_fail("gave up after 10 minutes (%zu of %zu confirmed)", cf.count, n);
        }
    }
    confirmed_end = clock_mono_us();
    pthread_join(th, NULL);
    s_close(conn);

    for (size_t k = 0; k < n; k++)
        e2e_us[k] = c.got_us[k] - cf.sent_us[k];
    qsort(cf.lat_us, n, sizeof *cf.lat_us, s_cmp);
    qsort(e2e_us, n, sizeof *e2e_us, s_cmp);
    printf("rabbitmq: %zu persistent messages of %zu bytes (the sample GP referral, packed) to a "
           "durable queue; %zu unconfirmed at most; consumer prefetch %u, manual acks\n",
           n, c.len, window, c.prefetch);
    printf("rabbitmq: published and confirmed %.0f messages/s; publish-to-confirm latency p50 "
           "%.1f ms, p99 %.1f ms, max %.1f ms\n",
           (double)n / ((double)(confirmed_end - start) / 1e6), (double)cf.lat_us[n / 2] / 1000,
           (double)cf.lat_us[n * 99 / 100] / 1000, (double)cf.lat_us[n - 1] / 1000);
    printf("rabbitmq: consumed %.0f messages/s (the consumer's first message to its last "
           "acknowledgement)\n",
           n > 1 ? (double)(n - 1) / ((double)(c.last_ack_us - c.got_us[0]) / 1e6) : 0.0);
    printf("rabbitmq: end to end %.0f messages/s (first publish to the last consumed and "
           "acknowledged, every confirm in); publish-to-consumed latency p50 %.1f ms, p99 %.1f "
           "ms\n",
           (double)n /
               ((double)((c.last_ack_us > confirmed_end ? c.last_ack_us : confirmed_end) - start) /
                1e6),
           (double)e2e_us[n / 2] / 1000, (double)e2e_us[n * 99 / 100] / 1000);
    getrusage(RUSAGE_SELF, &ru);
    printf("rabbitmq: the benchmark client itself used %.0f us of CPU per message\n",
           ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e6 / (double)n +
               ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / (double)n);
    sem_destroy(&c.ready);
    free(payload);
    free(c.got_us);
    free(cf.confirmed);
    free(cf.sent_us);
    free(cf.lat_us);
    free(e2e_us);
    return 0;
}
