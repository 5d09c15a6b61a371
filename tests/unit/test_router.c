/*
 * Unit tests of the router's taking, matching and parking (the router's own
 * objects are linked into the runner): a real case store in a temporary
 * directory, real keys and participants, the shipped routing for Essex.
 */
#include "test.h"

#include "clnt/clnt.h"
#include "conf/ytree.h"
#include "domain/referral.h"
#include "router/router.h"
#include "util/be64.h"
#include "util/mem.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "router_hub.h"
#include "util/file.h"

TEST(router_takes_a_card_and_joins_the_same_carer)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Referral *a, *b;
    Carerhub__ReferralRecord *ra, *rb;
    CHECK_INT(hub_open(&h, 50), 0);
    a = hub_card("GP-TEST01-1", "gp");
    b = hub_card("GP-TEST01-2", "gp");
    CHECK(a && b);
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", a), 0);
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", b), 0);
    ra = hub_get(&h, "GP-TEST01-1");
    rb = hub_get(&h, "GP-TEST01-2");
    CHECK(ra && rb);
    CHECK_STR(ra->kind, "new");
    CHECK_STR(rb->kind, "update");
    CHECK_STR(ra->case_id, rb->case_id);
    CHECK_STR(ra->provider, "carers-first");
    CHECK_INT(h.r.taken, 2);
    carerhub__referral_record__free_unpacked(ra, NULL);
    carerhub__referral_record__free_unpacked(rb, NULL);
    carerhub__referral__free_unpacked(a, NULL);
    carerhub__referral__free_unpacked(b, NULL);
    hub_close(&h);
}

TEST(router_stores_nothing_an_intake_may_not_forward)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Referral *a, *b;
    CHECK_INT(hub_open(&h, 50), 0);
    /* A GP card with the school intake's id, and one marked as a school
     * referral, both from the GP intake's key. */
    a = hub_card("SC-TEST01-1", "gp");
    b = hub_card("GP-TEST01-3", "gp");
    CHECK(a && b);
    b->source = CARERHUB__SOURCE__SCHOOL;
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", a), 0);
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", b), 0);
    CHECK(hub_get(&h, "SC-TEST01-1") == NULL);
    CHECK(hub_get(&h, "GP-TEST01-3") == NULL);
    CHECK_INT(h.r.taken, 0);
    CHECK_INT(h.r.bad, 2);
    CHECK_INT(router_fwd_allows(&h.f, a), 0);
    a->id[0] = 'G', a->id[1] = 'P';
    CHECK_INT(router_fwd_allows(&h.f, a), 1);
    carerhub__referral__free_unpacked(a, NULL);
    carerhub__referral__free_unpacked(b, NULL);
    hub_close(&h);
}

TEST(router_parks_past_the_submitters_limit_for_a_case)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *rec;
    char id[32];
    CHECK_INT(hub_open(&h, 2), 0);
    for (int i = 1; i <= 3; i++) {
        Carerhub__Referral *r;
        snprintf(id, sizeof id, "GP-TEST02-%d", i);
        r = hub_card(id, "gp");
        CHECK(r != NULL);
        CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", r), 0);
        carerhub__referral__free_unpacked(r, NULL);
    }
    rec = hub_get(&h, "GP-TEST02-2");
    CHECK(rec != NULL);
    carerhub__referral_record__free_unpacked(rec, NULL);
    CHECK(hub_get(&h, "GP-TEST02-3") == NULL);
    CHECK_INT(h.r.parked, 1);
    CHECK_INT(hub_stat(&h, "parked"), 1);
    hub_close(&h);
}

/* A park in a transaction of its own (the one-by-one path) saves the audit
 * numbering with it: after a restart the next audit record does not take
 * the park's number, and the park's record is still there. */
TEST(router_park_now_keeps_its_audit_record_across_a_restart)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Referral *r;
    uint64_t seq;
    MDB_txn *txn;
    uint8_t key[8];
    MDB_val k = {8, key}, v;
    Carerhub__AuditRecord *a;
    char *store;
    CHECK_INT(hub_open(&h, 50), 0);
    r = hub_card("GP-TEST03-1", "gp");
    CHECK(r != NULL);
    CHECK_INT(router_park_now(&h.r, r, "gp-intake", "cannot be stored: test"), 0);
    seq = h.r.next_audit;
    CHECK(seq > 0);
    CHECK_INT(h.r.parked, 1);
    CHECK_INT(hub_stat(&h, "parked"), 1);
    /* A restart: the numbering comes back from the store alone. */
    store_close(&h.r.store);
    h.r.next_audit = h.r.next_outbox = h.r.next_case = 0;
    store = file_join(test_tmpdir(), "store");
    router_store_open(&h.r, store);
    free(store);
    CHECK_INT(h.r.next_audit, seq);
    CHECK_INT(store_read(h.r.store, &txn), 0);
    be64_put(seq, key);
    CHECK_INT(mdb_get(txn, store_dbi(h.r.store, DB_AUDIT), &k, &v), 0);
    a = carerhub__audit_record__unpack(NULL, v.mv_size, v.mv_data);
    mdb_txn_abort(txn);
    CHECK(a != NULL);
    CHECK_STR(a->event, "parked");
    CHECK_STR(a->referral_id, "GP-TEST03-1");
    carerhub__audit_record__free_unpacked(a, NULL);
    carerhub__referral__free_unpacked(r, NULL);
    hub_close(&h);
}

/* Runs the router's delivery side until the agent's socket has a message
 * (or ms pass); returns it, or NULL. */
static Carerhub__Envelope *s_agent_recv(hub_t *h, void *agent, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        Carerhub__Envelope *env = NULL;
        zmq_pollitem_t item = {agent, 0, ZMQ_POLLIN, 0};
        secure_handle(h->r.sec);
        router_deliver_drain(&h->r);
        router_deliver_send(&h->r);
        if (zmq_poll(&item, 1, 10) > 0 && wire_recv(agent, false, NULL, &env, 0) == WIRE_OK)
            return env;
    }
    return NULL;
}

static bool s_delivered(hub_t *h, const char *id)
{
    MDB_txn *txn;
    MDB_val k = store_val(id), v;
    bool found;
    if (store_read(h->r.store, &txn) != 0)
        return false;
    found = mdb_get(txn, store_dbi(h->r.store, DB_DELIVERED), &k, &v) == 0;
    mdb_txn_abort(txn);
    return found;
}

/* The router delivers a case to its organisation's agent, over CURVE with
 * the agent's own key, and records it delivered when the agent says so; an
 * acknowledgement of a delivery not in flight changes nothing. */
TEST(router_delivers_to_the_agent_and_records_its_acknowledgement)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Referral *a;
    Carerhub__Envelope *env;
    void *agent;
    uint64_t seq, wrong = 999999;
    char ep[256];
    CHECK_INT(hub_open(&h, 50), 0);
    a = hub_card("GP-TEST04-1", "gp");
    CHECK(a != NULL);
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", a), 0);
    carerhub__referral__free_unpacked(a, NULL);
    /* ipc, not inproc: CURVE and the ZAP handler, as between processes. */
    snprintf(ep, sizeof ep, "ipc://%s/delivery.ipc", test_tmpdir());
    h.r.delivery_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.delivery_sock, "router delivery socket");
    daemon_bind(h.r.delivery_sock, ep);
    agent = h.agent = daemon_socket(ZMQ_DEALER);
    CHECK_INT(curve_client(agent, &hub_agent_kp, hub_pub[0]), 0);
    CHECK_INT(zmq_connect(agent, ep), 0);
    CHECK_INT(router_clnt_hello(agent, "carers-first", 10), 0);

    env = s_agent_recv(&h, agent, 5000); /* the router's answer to the hello */
    CHECK(env != NULL);
    CHECK_INT(env->body_case, CARERHUB__ENVELOPE__BODY_HELLO);
    carerhub__envelope__free_unpacked(env, NULL);
    env = s_agent_recv(&h, agent, 5000);
    CHECK(env != NULL);
    CHECK_INT(env->body_case, CARERHUB__ENVELOPE__BODY_DELIVERY);
    CHECK_STR(env->delivery->referral_id, "GP-TEST04-1");
    CHECK_STR(env->delivery->kind, "new");
    CHECK_STR(env->delivery->case_->provider, "carers-first");
    CHECK_INT(env->delivery->case_->referrals_total, 1);
    CHECK_INT(env->delivery->case_->n_referrals, 1);
    seq = env->delivery->delivery_id;
    carerhub__envelope__free_unpacked(env, NULL);

    CHECK_INT(router_clnt_delivery_ack(agent, &wrong, 1, 10), 0);
    CHECK(s_agent_recv(&h, agent, 300) == NULL);
    CHECK(!s_delivered(&h, "GP-TEST04-1"));
    CHECK_INT(router_clnt_delivery_ack(agent, &seq, 1, 10), 0);
    for (int i = 0; i < 100 && !s_delivered(&h, "GP-TEST04-1"); i++) {
        secure_handle(h.r.sec);
        router_deliver_drain(&h.r);
        zmq_poll(NULL, 0, 10);
    }
    CHECK(s_delivered(&h, "GP-TEST04-1"));
    hub_close(&h);
}

/* A key is served on at most security.connections_per_key (8) connections
 * at once; connections that closed without their closing being seen (a
 * message read after the peer left) do not count against it, whether their
 * descriptor was given to another connection or not. */
TEST(secure_admit_limits_and_forgets_closed_connections)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    int fds[9][2], fresh[2], high;
    wire_peer_t peer;
    bool first;
    CHECK_INT(hub_open(&h, 50), 0);
    memset(&peer, 0, sizeof peer);
    snprintf(peer.user, sizeof peer.user, "%s", hub_pub[1]);
    for (int i = 0; i < 9; i++)
        CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, fds[i]), 0);
    for (int i = 0; i < 8; i++) {
        peer.fd = fds[i][0];
        CHECK(secure_admit(h.r.sec, &peer, &first));
        CHECK(secure_admit(h.r.sec, &peer, &first)); /* the same one again */
    }
    peer.fd = fds[8][0];
    CHECK(!secure_admit(h.r.sec, &peer, &first));
    CHECK(first);
    CHECK(!secure_admit(h.r.sec, &peer, &first));
    CHECK(!first);
    /* Two of the eight close, unseen, and their descriptors go to another
     * socket; a new connection on a descriptor never seen is served. */
    close(fds[0][0]);
    close(fds[1][0]);
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, fresh), 0);
    high = fcntl(fresh[0], F_DUPFD, 500);
    CHECK(high >= 500);
    peer.fd = high;
    CHECK(secure_admit(h.r.sec, &peer, &first));
    close(high);
    close(fresh[0]);
    close(fresh[1]);
    for (int i = 0; i < 9; i++) {
        if (i > 1)
            close(fds[i][0]);
        close(fds[i][1]);
    }
    hub_close(&h);
}
