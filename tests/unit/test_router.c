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
#include "util/file.h"
#include "util/mem.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    router_t r;
    Carerhub__Envelope env;
    Carerhub__Forward fwd;
    router_fwd_t f;
    void *agent; /* a provider agent's socket, when a test opens one */
} s_hub_t;

static char s_pub[4][CURVE_Z85];
static keypair_t s_agent_kp; /* the carers-first agent's key pair */
static s_hub_t *s_live;      /* left open by a test that failed */

static void s_close(s_hub_t *h);

/* A router on a fresh store, with router.submitter_case_max set to max. */
static int s_open(s_hub_t *h, int max)
{
    const char *names[] = {"router", "gp-intake", "school-intake", "provider-carers-first"};
    const char *dir = test_tmpdir();
    char err[256], *conf, *parts, *path;
    diag_t d = DIAG_INIT;
    if (s_live)
        s_close(s_live);
    memset(h, 0, sizeof *h);
    s_live = h;
    for (int i = 0; i < 4; i++) {
        keypair_t kp;
        char *keys = file_join(dir, "keys");
        if (curve_keygen(keys, names[i], &kp, err, sizeof err) < 0) {
            fprintf(stderr, "    %s\n", err);
            return -1;
        }
        memcpy(s_pub[i], kp.pub, CURVE_Z85);
        if (i == 3)
            s_agent_kp = kp;
        free(keys);
    }
    parts = xasprintf("participants:\n"
                      "  - {id: gp-intake, role: intake, scope: gp, key: \"%s\"}\n"
                      "  - {id: school-intake, role: intake, scope: school, key: \"%s\"}\n"
                      "  - {id: gp, role: gp, scope: [F81001, F81002], key: \"%s\"}\n"
                      "  - {id: provider-carers-first, role: provider, scope: carers-first, "
                      "key: \"%s\"}\n",
                      s_pub[1], s_pub[2], s_pub[0], s_pub[3]);
    path = file_join(dir, "participants.yaml");
    file_write_atomic(path, parts, strlen(parts), 0600);
    free(path);
    free(parts);
    {
        char *routing = realpath(test_src("config/routing.yaml"), NULL);
        conf = xasprintf("data_dir: data\nrouting: %s\nrouter: {submitter_case_max: %d}\n",
                         routing ? routing : "", max);
        free(routing);
    }
    path = file_join(dir, "carerhub.yaml");
    file_write_atomic(path, conf, strlen(conf), 0600);
    free(conf);
    h->r.conf = hubconf_load(path, &d);
    free(path);
    h->r.rt = h->r.conf ? route_load(h->r.conf->routing, &d) : NULL;
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "    %s\n", d.msgs[i]);
    diag_free(&d);
    if (!h->r.rt)
        return -1;
    h->r.sec = secure_start(h->r.conf, "router");
    path = file_join(dir, "store");
    file_private_dir(path);
    router_store_open(&h->r, path);
    free(path);
    carerhub__envelope__init(&h->env);
    carerhub__forward__init(&h->fwd);
    h->env.body_case = CARERHUB__ENVELOPE__BODY_FORWARD;
    h->env.forward = &h->fwd;
    h->f.env = &h->env;
    return 0;
}

static void s_close(s_hub_t *h)
{
    s_live = NULL;
    if (h->agent)
        zmq_close(h->agent);
    if (h->r.delivery_sock) {
        secure_unwatch(h->r.sec);
        zmq_close(h->r.delivery_sock);
        router_agents_free(&h->r);
    }
    store_close(&h->r.store);
    secure_stop(&h->r.sec);
    daemon_zmq_term();
    route_destroy(&h->r.rt);
    hubconf_destroy(&h->r.conf);
}

/* The first card of config/samples/gp.yaml, stamped as the GP intake does. */
static Carerhub__Referral *s_card(const char *id, const char *submitted_by)
{
    static const ylimits_t lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 1 << 20};
    ferrs_t errs = FERRS_INIT;
    char *data;
    size_t len;
    ystream_t *ys;
    Carerhub__Referral *r = NULL;
    if (file_read_all(test_src("config/samples/gp.yaml"), 1 << 20, &data, &len) < 0)
        return NULL;
    ys = ytree_parse(data, len, &lim);
    free(data);
    if (ystream_doc(ys, 0))
        r = referral_from_yaml(ystream_doc(ys, 0), CARERHUB__SOURCE__GP, &errs);
    ystream_destroy(&ys);
    ferrs_free(&errs);
    if (!r)
        return NULL;
    r->id = xstrdup(id);
    r->has_source = true;
    r->source = CARERHUB__SOURCE__GP;
    r->has_received_at = true;
    r->received_at = 1796000000000LL;
    r->referral_date = xstrdup("2026-11-30");
    r->submitted_by = xstrdup(submitted_by);
    return r;
}

/* Takes one referral as forwarded by the intake of src. */
static int s_take(s_hub_t *h, Carerhub__Source src, const char *actor, Carerhub__Referral *ref)
{
    h->fwd.n_referrals = 1;
    h->fwd.referrals = &ref;
    h->f.source = src;
    h->f.program = referral_intake_program(src);
    snprintf(h->f.actor, sizeof h->f.actor, "%s", actor);
    return router_take(&h->r, &h->f, 1);
}

static Carerhub__ReferralRecord *s_get(s_hub_t *h, const char *id)
{
    MDB_txn *txn;
    Carerhub__ReferralRecord *rec;
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    rec = router_get_referral(&h->r, txn, id);
    mdb_txn_abort(txn);
    return rec;
}

static uint64_t s_stat(s_hub_t *h, const char *name)
{
    MDB_txn *txn;
    MDB_val k = store_val(name), v;
    uint64_t n = 0;
    if (store_read(h->r.store, &txn) != 0)
        return 0;
    if (mdb_get(txn, store_dbi(h->r.store, DB_STATS), &k, &v) == 0 && v.mv_size == 8)
        n = be64_get(v.mv_data);
    mdb_txn_abort(txn);
    return n;
}

TEST(router_takes_a_card_and_joins_the_same_carer)
{
    static s_hub_t h; /* static: s_open closes it if this test fails */
    Carerhub__Referral *a, *b;
    Carerhub__ReferralRecord *ra, *rb;
    CHECK_INT(s_open(&h, 50), 0);
    a = s_card("GP-TEST01-1", "gp");
    b = s_card("GP-TEST01-2", "gp");
    CHECK(a && b);
    CHECK_INT(s_take(&h, CARERHUB__SOURCE__GP, "gp-intake", a), 0);
    CHECK_INT(s_take(&h, CARERHUB__SOURCE__GP, "gp-intake", b), 0);
    ra = s_get(&h, "GP-TEST01-1");
    rb = s_get(&h, "GP-TEST01-2");
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
    s_close(&h);
}

TEST(router_stores_nothing_an_intake_may_not_forward)
{
    static s_hub_t h; /* static: s_open closes it if this test fails */
    Carerhub__Referral *a, *b;
    CHECK_INT(s_open(&h, 50), 0);
    /* A GP card with the school intake's id, and one marked as a school
     * referral, both from the GP intake's key. */
    a = s_card("SC-TEST01-1", "gp");
    b = s_card("GP-TEST01-3", "gp");
    CHECK(a && b);
    b->source = CARERHUB__SOURCE__SCHOOL;
    CHECK_INT(s_take(&h, CARERHUB__SOURCE__GP, "gp-intake", a), 0);
    CHECK_INT(s_take(&h, CARERHUB__SOURCE__GP, "gp-intake", b), 0);
    CHECK(s_get(&h, "SC-TEST01-1") == NULL);
    CHECK(s_get(&h, "GP-TEST01-3") == NULL);
    CHECK_INT(h.r.taken, 0);
    CHECK_INT(h.r.bad, 2);
    CHECK_INT(router_fwd_allows(&h.f, a), 0);
    a->id[0] = 'G', a->id[1] = 'P';
    CHECK_INT(router_fwd_allows(&h.f, a), 1);
    carerhub__referral__free_unpacked(a, NULL);
    carerhub__referral__free_unpacked(b, NULL);
    s_close(&h);
}

TEST(router_parks_past_the_submitters_limit_for_a_case)
{
    static s_hub_t h; /* static: s_open closes it if this test fails */
    Carerhub__ReferralRecord *rec;
    char id[32];
    CHECK_INT(s_open(&h, 2), 0);
    for (int i = 1; i <= 3; i++) {
        Carerhub__Referral *r;
        snprintf(id, sizeof id, "GP-TEST02-%d", i);
        r = s_card(id, "gp");
        CHECK(r != NULL);
        CHECK_INT(s_take(&h, CARERHUB__SOURCE__GP, "gp-intake", r), 0);
        carerhub__referral__free_unpacked(r, NULL);
    }
    rec = s_get(&h, "GP-TEST02-2");
    CHECK(rec != NULL);
    carerhub__referral_record__free_unpacked(rec, NULL);
    CHECK(s_get(&h, "GP-TEST02-3") == NULL);
    CHECK_INT(h.r.parked, 1);
    CHECK_INT(s_stat(&h, "parked"), 1);
    s_close(&h);
}

/* A park in a transaction of its own (the one-by-one path) saves the audit
 * numbering with it: after a restart the next audit record does not take
 * the park's number, and the park's record is still there. */
TEST(router_park_now_keeps_its_audit_record_across_a_restart)
{
    static s_hub_t h; /* static: s_open closes it if this test fails */
    Carerhub__Referral *r;
    uint64_t seq;
    MDB_txn *txn;
    uint8_t key[8];
    MDB_val k = {8, key}, v;
    Carerhub__AuditRecord *a;
    char *store;
    CHECK_INT(s_open(&h, 50), 0);
    r = s_card("GP-TEST03-1", "gp");
    CHECK(r != NULL);
    CHECK_INT(router_park_now(&h.r, r, "gp-intake", "cannot be stored: test"), 0);
    seq = h.r.next_audit;
    CHECK(seq > 0);
    CHECK_INT(h.r.parked, 1);
    CHECK_INT(s_stat(&h, "parked"), 1);
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
    s_close(&h);
}

/* Runs the router's delivery side until the agent's socket has a message
 * (or ms pass); returns it, or NULL. */
static Carerhub__Envelope *s_agent_recv(s_hub_t *h, void *agent, int ms)
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

static bool s_delivered(s_hub_t *h, const char *id)
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
    static s_hub_t h; /* static: s_open closes it if this test fails */
    Carerhub__Referral *a;
    Carerhub__Envelope *env;
    void *agent;
    uint64_t seq, wrong = 999999;
    char ep[256];
    CHECK_INT(s_open(&h, 50), 0);
    a = s_card("GP-TEST04-1", "gp");
    CHECK(a != NULL);
    CHECK_INT(s_take(&h, CARERHUB__SOURCE__GP, "gp-intake", a), 0);
    carerhub__referral__free_unpacked(a, NULL);
    /* ipc, not inproc: CURVE and the ZAP handler, as between processes. */
    snprintf(ep, sizeof ep, "ipc://%s/delivery.ipc", test_tmpdir());
    h.r.delivery_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.delivery_sock, "router delivery socket");
    daemon_bind(h.r.delivery_sock, ep);
    agent = h.agent = daemon_socket(ZMQ_DEALER);
    CHECK_INT(curve_client(agent, &s_agent_kp, s_pub[0]), 0);
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
    s_close(&h);
}

/* A key is served on at most security.connections_per_key (8) connections
 * at once; connections that closed without their closing being seen (a
 * message read after the peer left) do not count against it, whether their
 * descriptor was given to another connection or not. */
TEST(secure_admit_limits_and_forgets_closed_connections)
{
    static s_hub_t h; /* static: s_open closes it if this test fails */
    int fds[9][2], fresh[2], high;
    wire_peer_t peer;
    bool first;
    CHECK_INT(s_open(&h, 50), 0);
    memset(&peer, 0, sizeof peer);
    snprintf(peer.user, sizeof peer.user, "%s", s_pub[1]);
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
    s_close(&h);
}
