/*
 * Unit tests of lib/wire: ZeroMQ + protobuf framing over real sockets.
 */
#include "test.h"

#include "util/buf.h"
#include "wire/pbjson.h"
#include "wire/wire.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

typedef struct {
    void *ctx, *router, *dealer;
} s_pair_t;

static int s_pair(s_pair_t *p, const char *ep)
{
    p->ctx = zmq_ctx_new();
    p->router = zmq_socket(p->ctx, ZMQ_ROUTER);
    p->dealer = zmq_socket(p->ctx, ZMQ_DEALER);
    if (wire_socket_defaults(p->router) < 0 || wire_socket_defaults(p->dealer) < 0)
        return -1;
    if (zmq_bind(p->router, ep) < 0 || zmq_connect(p->dealer, ep) < 0)
        return -1;
    return 0;
}

static void s_unpair(s_pair_t *p)
{
    zmq_close(p->router);
    zmq_close(p->dealer);
    zmq_ctx_term(p->ctx);
}

static void s_set_timeout(void *sock, int ms)
{
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &ms, sizeof ms);
}

TEST(wire_round_trip_with_reply)
{
    s_pair_t p;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *got = NULL;
    Carerhub__StatusQuery q = CARERHUB__STATUS_QUERY__INIT;
    Carerhub__Error err = CARERHUB__ERROR__INIT;
    wire_peer_t peer;

    CHECK_INT(s_pair(&p, "inproc://wire-rt"), 0);
    s_set_timeout(p.router, 2000);
    s_set_timeout(p.dealer, 2000);
    q.referral_id = "GP-1";
    env.has_corr = true;
    env.corr = 77;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &q;
    CHECK_INT(wire_send(p.dealer, NULL, &env, 0), 0);
    CHECK_INT(wire_recv(p.router, true, &peer, &got, 0), WIRE_OK);
    CHECK_INT(got->version, WIRE_VERSION);
    CHECK_INT(got->corr, 77);
    CHECK_STR(got->status_query->referral_id, "GP-1");
    CHECK(peer.idlen > 0);
    carerhub__envelope__free_unpacked(got, NULL);
    /* The reply reaches the peer that asked. */
    err.code = "forbidden";
    env.body_case = CARERHUB__ENVELOPE__BODY_ERROR;
    env.error = &err;
    CHECK_INT(wire_send(p.router, &peer, &env, 0), 0);
    CHECK_INT(wire_recv(p.dealer, false, NULL, &got, 0), WIRE_OK);
    CHECK_STR(got->error->code, "forbidden");
    carerhub__envelope__free_unpacked(got, NULL);
    s_unpair(&p);
}

static wire_status_t s_send_raw(s_pair_t *p, const void *data, size_t n, int frames)
{
    wire_peer_t peer;
    Carerhub__Envelope *got = NULL;
    wire_status_t st;
    for (int i = 1; i < frames; i++)
        zmq_send(p->dealer, data, n, ZMQ_SNDMORE);
    zmq_send(p->dealer, data, n, 0);
    st = wire_recv(p->router, true, &peer, &got, 0);
    if (got)
        carerhub__envelope__free_unpacked(got, NULL);
    return st;
}

TEST(wire_refuses_bad_messages_and_recovers)
{
    s_pair_t p;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *got;
    Carerhub__StatusQuery q = CARERHUB__STATUS_QUERY__INIT;
    uint8_t buf[256];
    size_t n;
    wire_peer_t peer;

    CHECK_INT(s_pair(&p, "inproc://wire-bad"), 0);
    s_set_timeout(p.router, 2000);
    CHECK_INT(s_send_raw(&p, "\xff\xff\xff\xff\xff", 5, 1), WIRE_UNDECODED);
    CHECK_INT(s_send_raw(&p, "x", 1, 3), WIRE_FRAMES);
    /* An envelope of another version. */
    env.has_version = true;
    env.version = 99;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &q;
    q.referral_id = "x";
    n = carerhub__envelope__pack(&env, buf);
    CHECK_INT(s_send_raw(&p, buf, n, 1), WIRE_VERSIONED);
    /* An envelope without a body. */
    env.version = WIRE_VERSION;
    env.body_case = CARERHUB__ENVELOPE__BODY__NOT_SET;
    n = carerhub__envelope__pack(&env, buf);
    CHECK_INT(s_send_raw(&p, buf, n, 1), WIRE_EMPTY);
    /* A string with a NUL inside: protobuf-c would cut it short. */
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    q.referral_id = "GP-1xyz";
    n = carerhub__envelope__pack(&env, buf);
    CHECK(n > 8);
    buf[n - 3] = '\0'; /* the 'x' of the string, near the end */
    CHECK_INT(s_send_raw(&p, buf, n, 1), WIRE_NONCANONICAL);
    /* Truncated. */
    n = carerhub__envelope__pack(&env, buf);
    CHECK_INT(s_send_raw(&p, buf, n - 2, 1), WIRE_UNDECODED);
    /* After all that, a good message still gets through. */
    CHECK_INT(wire_send(p.dealer, NULL, &env, 0), 0);
    CHECK_INT(wire_recv(p.router, true, &peer, &got, 0), WIRE_OK);
    CHECK_STR(got->status_query->referral_id, "GP-1xyz");
    carerhub__envelope__free_unpacked(got, NULL);
    s_unpair(&p);
}

TEST(wire_oversized_message_never_arrives)
{
    s_pair_t p;
    size_t n = WIRE_MAX_MSG + 1024;
    char *big = calloc(1, n);
    Carerhub__Envelope *got = NULL;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatusQuery q = CARERHUB__STATUS_QUERY__INIT;
    wire_peer_t peer;

    /* ZMQ_MAXMSGSIZE drops the connection; the peer reconnects by itself. */
    CHECK_INT(s_pair(&p, "ipc:///tmp/carerhub-wire-test.ipc"), 0);
    s_set_timeout(p.router, 500);
    zmq_send(p.dealer, big, n, 0);
    CHECK_INT(wire_recv(p.router, true, &peer, &got, 0), WIRE_AGAIN);
    free(big);
    s_set_timeout(p.router, 5000);
    q.referral_id = "after";
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &q;
    CHECK_INT(wire_send(p.dealer, NULL, &env, 0), 0);
    CHECK_INT(wire_recv(p.router, true, &peer, &got, 0), WIRE_OK);
    CHECK_STR(got->status_query->referral_id, "after");
    carerhub__envelope__free_unpacked(got, NULL);
    s_unpair(&p);
}

TEST(pbjson_escapes_every_byte_of_a_string)
{
    /* A string field is written through the JSON string escaper
     * (buf_json_str, tested byte by byte in test_util.c), never raw. */
    Carerhub__Carer c = CARERHUB__CARER__INIT;
    buf_t got = BUF_INIT, want = BUF_INIT;
    char in[4] = {'<', 0, '>', 0};
    c.family_name = in;
    for (unsigned b = 1; b < 256; b++) {
        in[1] = (char)b;
        buf_reset(&got);
        buf_reset(&want);
        pbjson_message(&got, &c.base);
        buf_adds(&want, "{\"family_name\":");
        buf_json_str(&want, in);
        buf_adds(&want, "}");
        if (strcmp(got.data, want.data) != 0)
            test_fail(__FILE__, __LINE__, "byte 0x%02x: %s, expected %s", b, got.data, want.data);
        CHECK(!test_failed());
    }
    buf_free(&got);
    buf_free(&want);
}

TEST(pbjson_escapes_nested_and_repeated_strings)
{
    Carerhub__Referral r = CARERHUB__REFERRAL__INIT;
    Carerhub__Carer c = CARERHUB__CARER__INIT;
    Carerhub__CaredFor f = CARERHUB__CARED_FOR__INIT;
    char *conds[] = {"a\"b", "\\", "\xe2\x80\xa8\xe2\x80\xa9"};
    buf_t b = BUF_INIT;
    c.given_name = "\xe2\x80\xae"
                   "Ann"; /* U+202E, right-to-left override */
    c.family_name = "O\"Neill\\";
    c.address = "1 High St\n\tColchester\r";
    f.relationship = "\x7f";
    f.n_conditions = 3;
    f.conditions = conds;
    r.carer = &c;
    r.cared_for = &f;
    pbjson_message(&b, &c.base);
    CHECK_STR(b.data, "{\"given_name\":\"\\u202e"
                      "Ann\",\"family_name\":\"O\\\"Neill\\\\\",\"address\":\"1 High "
                      "St\\n\\tColchester\\r\"}");
    buf_reset(&b);
    pbjson_message(&b, &f.base);
    CHECK_STR(b.data, "{\"relationship\":\"\\u007f\",\"conditions\":[\"a\\\"b\",\"\\\\\","
                      "\"\\u2028\\u2029\"]}");
    buf_reset(&b);
    /* Nested: the same text inside the referral. */
    pbjson_message(&b, &r.base);
    CHECK_CONTAINS(b.data, "\"carer\":{\"given_name\":\"\\u202e"
                           "Ann\",\"family_name\":\"O\\\"Neill\\\\\",");
    CHECK_CONTAINS(b.data,
                   "\"cared_for\":{\"relationship\":\"\\u007f\",\"conditions\":[\"a\\\"b\"");
    buf_free(&b);
}

/* Unset fields are left out; with PBJSON_OMIT_EMPTY so are empty strings,
 * nested ones too, while plain pbjson_message keeps them. */
TEST(pbjson_omit_empty_leaves_out_empty_strings)
{
    Carerhub__Referral r = CARERHUB__REFERRAL__INIT;
    Carerhub__Carer c = CARERHUB__CARER__INIT;
    Carerhub__CaredFor f = CARERHUB__CARED_FOR__INIT;
    char *conds[] = {"frailty"};
    buf_t b = BUF_INIT;
    r.id = "GP-7KQ2M9-1";
    r.submitted_by = "";
    c.given_name = "Ann";
    c.family_name = "";
    c.phone = "";
    f.relationship = "";
    f.n_conditions = 1;
    f.conditions = conds;
    r.carer = &c;
    r.cared_for = &f;
    pbjson_message_opts(&b, &r.base, PBJSON_OMIT_EMPTY);
    CHECK_STR(b.data, "{\"id\":\"GP-7KQ2M9-1\",\"carer\":{\"given_name\":\"Ann\"},"
                      "\"cared_for\":{\"conditions\":[\"frailty\"]}}");
    buf_reset(&b);
    pbjson_message(&b, &c.base);
    CHECK_STR(b.data, "{\"given_name\":\"Ann\",\"family_name\":\"\",\"phone\":\"\"}");
    buf_free(&b);
}

/* A Forward built from encoded records decodes as the same records, with
 * the version set; an empty one is an empty Forward. */
TEST(wire_forward_wraps_encoded_records)
{
    Carerhub__Referral r1 = CARERHUB__REFERRAL__INIT, r2 = CARERHUB__REFERRAL__INIT;
    Carerhub__AuditRecord a = CARERHUB__AUDIT_RECORD__INIT;
    wire_forward_t f = {NULL, 0, 0};
    uint8_t b1[64], b2[64], b3[64];
    const uint8_t *data;
    size_t n1, n2, n3, len;
    Carerhub__Envelope *env;

    r1.id = (char *)"GP-ABCDEF-1";
    r2.id = (char *)"GP-ABCDEF-2";
    a.has_seq = true;
    a.seq = 300; /* more than one varint byte */
    a.event = (char *)"status";
    n1 = carerhub__referral__pack(&r1, b1);
    n2 = carerhub__referral__pack(&r2, b2);
    n3 = carerhub__audit_record__pack(&a, b3);
    wire_forward_reset(&f);
    wire_forward_referral(&f, b1, n1);
    wire_forward_audit(&f, b3, n3);
    wire_forward_referral(&f, b2, n2);
    CHECK_INT(wire_forward_size(&f), n1 + n2 + n3 + 6);
    data = wire_forward_finish(&f, &len);
    env = carerhub__envelope__unpack(NULL, len, data);
    CHECK(env != NULL);
    CHECK_INT(env->version, WIRE_VERSION);
    CHECK_INT(env->body_case, CARERHUB__ENVELOPE__BODY_FORWARD);
    CHECK_INT(env->forward->n_referrals, 2);
    CHECK_STR(env->forward->referrals[0]->id, "GP-ABCDEF-1");
    CHECK_STR(env->forward->referrals[1]->id, "GP-ABCDEF-2");
    CHECK_INT(env->forward->n_audit, 1);
    CHECK_INT(env->forward->audit[0]->seq, 300);
    CHECK_STR(env->forward->audit[0]->event, "status");
    carerhub__envelope__free_unpacked(env, NULL);

    wire_forward_reset(&f);
    data = wire_forward_finish(&f, &len);
    env = carerhub__envelope__unpack(NULL, len, data);
    CHECK(env != NULL);
    CHECK_INT(env->body_case, CARERHUB__ENVELOPE__BODY_FORWARD);
    CHECK_INT(env->forward->n_referrals + env->forward->n_audit, 0);
    carerhub__envelope__free_unpacked(env, NULL);
    wire_forward_free(&f);
}
