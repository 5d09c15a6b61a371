/*
 * Unit tests of the intake engine's judging and spooling of submissions
 * (lib/intake): a GP intake on a real spool in a temporary directory, with
 * real keys and participants and the shipped routing. Submissions arrive on
 * the intake's own front socket from a client over inproc; the key a
 * submission came with is set as the CURVE handshake would set it.
 */
#include "test.h"

#include "clnt/clnt.h"
#include "fixture.h"
#include "intake/intake_impl.h"
#include "store.pb-c.h"
#include "util/be64.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/mem.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define S_DAY_MS 86400000LL

typedef struct {
    intake_t in;
    intake_batch_t b;
    void *client;
    uint64_t corr;
    char *store_dir;
} s_intake_h;

static const intake_kind_t s_gp = {CARERHUB__SOURCE__GP, NULL};
/* Two keys of one practice's scope: the same card from each is a referral
 * of each. */
static char s_pub[2][CURVE_Z85];
static s_intake_h *s_live; /* left open by a test that failed */

static void s_close(s_intake_h *h);

static void s_batch_open(s_intake_h *h)
{
    memset(&h->b, 0, sizeof h->b);
    h->b.in = &h->in;
    h->b.tokens = smap_new();
    h->b.resends = smap_new();
}

static void s_batch_close(s_intake_h *h)
{
    for (size_t i = 0; i < h->b.n; i++)
        carerhub__envelope__free_unpacked(h->b.items[i].env, NULL);
    free(h->b.items);
    smap_destroy(&h->b.tokens);
    smap_destroy(&h->b.resends);
}

/* A GP intake on a fresh spool, with referrals.resend_window_days set to
 * days, and a client connected to it. */
static int s_open(s_intake_h *h, int days)
{
    const char *names[] = {"gp-intake", "gp", "gp2"};
    keypair_t kp[3];
    char ep[300], extra[64], *parts;
    int rc;
    if (s_live)
        s_close(s_live);
    memset(h, 0, sizeof *h);
    s_live = h;
    if (fixture_keys(names, 3, kp) < 0)
        return -1;
    memcpy(s_pub[0], kp[1].pub, CURVE_Z85);
    memcpy(s_pub[1], kp[2].pub, CURVE_Z85);
    parts = xasprintf("participants:\n"
                      "  - {id: gp, role: gp, scope: [F81001, F81002, F81003], key: \"%s\"}\n"
                      "  - {id: gp2, role: gp, scope: [F81001, F81002, F81003], key: \"%s\"}\n",
                      s_pub[0], s_pub[1]);
    snprintf(extra, sizeof extra, "referrals: {resend_window_days: %d}\n", days);
    h->in.kind = &s_gp;
    rc = fixture_conf(parts, extra, &h->in.conf, &h->in.rt);
    free(parts);
    if (rc < 0)
        return -1;
    h->in.ic = hubconf_intake(h->in.conf, referral_intake_name(CARERHUB__SOURCE__GP));
    h->in.sec = secure_start(h->in.conf, "gp-intake");
    h->store_dir = file_join(test_tmpdir(), "spool");
    file_private_dir(h->store_dir);
    intake_spool_open(&h->in, h->store_dir);
    s_batch_open(h);
    snprintf(ep, sizeof ep, "inproc://intake-test-%p", (void *)h);
    h->in.front = daemon_socket(ZMQ_ROUTER);
    daemon_bind(h->in.front, ep);
    h->client = daemon_socket(ZMQ_DEALER);
    daemon_connect(h->client, ep);
    return 0;
}

/* Stops the intake, keeping its spool, and starts it again on it. */
static void s_restart(s_intake_h *h)
{
    intake_commit(&h->in, &h->b);
    s_batch_close(h);
    store_close(&h->in.store);
    h->in.next_seq = 0;
    memset(h->in.epoch, 0, sizeof h->in.epoch);
    intake_spool_open(&h->in, h->store_dir);
    s_batch_open(h);
}

static void s_close(s_intake_h *h)
{
    s_live = NULL;
    s_batch_close(h);
    zmq_close(h->client);
    zmq_close(h->in.front);
    store_close(&h->in.store);
    secure_stop(&h->in.sec);
    daemon_zmq_term();
    route_destroy(&h->in.rt);
    hubconf_destroy(&h->in.conf);
    free(h->store_dir);
}

/* Document n (1-based) of config/samples/gp.yaml, as a submitter sends it. */
static Carerhub__Referral *s_card(int n)
{
    return fixture_sample("config/samples/gp.yaml", CARERHUB__SOURCE__GP, (size_t)n - 1);
}

/* Sends r from key (0: gp, 1: gp2) with token (or none) to the intake,
 * which judges it at once. Returns its correlation number, or 0. */
static uint64_t s_submit(s_intake_h *h, int key, const char *token, Carerhub__Referral *r)
{
    Carerhub__Envelope *env = NULL;
    wire_peer_t peer;
    int ms = 2000;
    uint64_t corr = ++h->corr;
    if (intake_clnt_submit(h->client, corr, token, r) < 0)
        return 0;
    zmq_setsockopt(h->in.front, ZMQ_RCVTIMEO, &ms, sizeof ms);
    if (wire_recv(h->in.front, true, &peer, &env, 0) != WIRE_OK)
        return 0;
    snprintf(peer.user, sizeof peer.user, "%s", s_pub[key]);
    intake_submit(&h->in, &h->b, &peer, env);
    return corr;
}

/* The next answer the client has, or NULL after two seconds. */
static Carerhub__Envelope *s_answer(s_intake_h *h)
{
    Carerhub__Envelope *env = NULL;
    int ms = 2000;
    zmq_setsockopt(h->client, ZMQ_RCVTIMEO, &ms, sizeof ms);
    if (wire_recv(h->client, false, NULL, &env, 0) != WIRE_OK)
        return NULL;
    if (env->body_case != CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY) {
        carerhub__envelope__free_unpacked(env, NULL);
        return NULL;
    }
    return env;
}

/* Sends r, commits the batch and takes the answer: the id it was given,
 * copied into id, or "" if it was not accepted. *again is set when the
 * answer says it was accepted before, and *at to when. */
static void s_send(s_intake_h *h, int key, const char *token, Carerhub__Referral *r, char *id,
                   size_t idsz, bool *again, int64_t *at)
{
    Carerhub__Envelope *env;
    id[0] = '\0';
    *again = false;
    if (!s_submit(h, key, token, r))
        return;
    intake_commit(&h->in, &h->b);
    if (!(env = s_answer(h)))
        return;
    if (env->submit_reply->status == CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED &&
        env->submit_reply->referral_id)
        snprintf(id, idsz, "%s", env->submit_reply->referral_id);
    *again = env->submit_reply->has_already_accepted_at;
    *at = env->submit_reply->already_accepted_at;
    carerhub__envelope__free_unpacked(env, NULL);
}

static size_t s_entries(s_intake_h *h, size_t db)
{
    MDB_txn *txn;
    MDB_stat st;
    size_t n = 0;
    if (store_read(h->in.store, &txn) != 0)
        return 0;
    if (mdb_stat(txn, store_dbi(h->in.store, db), &st) == 0)
        n = st.ms_entries;
    mdb_txn_abort(txn);
    return n;
}

/* The same card again from the same practice's key, under another token or
 * none, is answered with the id it was first given, says when and that
 * nothing new was sent, and spools nothing; a card changed in one field is a
 * new referral, and so is the same card from another key. A token sent
 * again with another card is still refused. */
TEST(intake_resend_is_answered_with_the_first_id)
{
    static s_intake_h h; /* static: s_open closes it if this test fails */
    Carerhub__Referral *card = s_card(1), *other = s_card(2);
    Carerhub__Envelope *env;
    char first[64], id[64], when[DATE_WHEN_STRLEN], want[DATE_WHEN_STRLEN + 80];
    int64_t before = clock_now_ms(), at = 0;
    bool again;
    CHECK(card && other);
    CHECK_INT(s_open(&h, 30), 0);
    s_send(&h, 0, "T-1", card, first, sizeof first, &again, &at);
    CHECK(first[0] != '\0');
    CHECK(!again);
    CHECK_INT(s_entries(&h, INTAKE_DB_SPOOL), 1);
    CHECK_INT(s_entries(&h, INTAKE_DB_RESENDS), 1);

    /* Another token: the first id, when it was accepted, and no new entry. */
    CHECK(s_submit(&h, 0, "T-2", card));
    CHECK_INT(h.b.n, 0); /* answered from the spool: nothing to commit */
    env = s_answer(&h);
    CHECK(env != NULL);
    CHECK_INT(env->submit_reply->status, CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED);
    CHECK_STR(env->submit_reply->referral_id, first);
    CHECK(env->submit_reply->has_already_accepted_at);
    at = env->submit_reply->already_accepted_at;
    CHECK(at >= before && at <= clock_now_ms());
    date_format_when(at, when);
    snprintf(want, sizeof want, "already accepted on %s; nothing new was sent", when);
    CHECK_INT(env->submit_reply->n_notices, 1);
    CHECK_STR(env->submit_reply->notices[0], want);
    carerhub__envelope__free_unpacked(env, NULL);
    /* No token at all: the same. */
    s_send(&h, 0, NULL, card, id, sizeof id, &again, &at);
    CHECK_STR(id, first);
    CHECK(again);
    CHECK_INT(s_entries(&h, INTAKE_DB_SPOOL), 1);
    CHECK_INT(h.in.next_seq, 1);
    CHECK_INT(h.in.accepted, 1);
    CHECK_INT(h.in.resent, 2);

    /* One field changed: a new referral. */
    free(card->carer->phone);
    card->carer->phone = xstrdup("07700 900999");
    s_send(&h, 0, "T-3", card, id, sizeof id, &again, &at);
    CHECK(id[0] != '\0' && strcmp(id, first) != 0);
    CHECK(!again);
    free(card->carer->phone);
    card->carer->phone = xstrdup("07700 900123");
    /* The same card from the other key: a referral of that submitter. */
    s_send(&h, 1, "T-1", card, id, sizeof id, &again, &at);
    CHECK(id[0] != '\0' && strcmp(id, first) != 0);
    CHECK(!again);
    CHECK_INT(s_entries(&h, INTAKE_DB_SPOOL), 3);
    CHECK_INT(s_entries(&h, INTAKE_DB_RESENDS), 3);

    /* A token used before, with another card: refused as ever. */
    CHECK(s_submit(&h, 0, "T-1", other));
    env = s_answer(&h);
    CHECK(env != NULL);
    CHECK_INT(env->submit_reply->status, CARERHUB__SUBMIT_REPLY__STATUS__REJECTED);
    CHECK_INT(env->submit_reply->n_errors, 1);
    CHECK_STR(env->submit_reply->errors[0]->code, "reused");
    carerhub__envelope__free_unpacked(env, NULL);
    CHECK_INT(s_entries(&h, INTAKE_DB_SPOOL), 3);
    carerhub__referral__free_unpacked(card, NULL);
    carerhub__referral__free_unpacked(other, NULL);
    s_close(&h);
}

/* Two identical cards in one batch, under two tokens: one referral; the
 * second is answered with the first's id and says it was already accepted. */
TEST(intake_resend_within_one_batch_gets_the_first_id)
{
    static s_intake_h h; /* static: s_open closes it if this test fails */
    Carerhub__Referral *card = s_card(2);
    Carerhub__Envelope *a, *b;
    CHECK(card != NULL);
    CHECK_INT(s_open(&h, 30), 0);
    CHECK(s_submit(&h, 0, "A", card));
    CHECK(s_submit(&h, 0, "B", card));
    CHECK_INT(h.b.n, 2);
    intake_commit(&h.in, &h.b);
    a = s_answer(&h);
    b = s_answer(&h);
    CHECK(a && b);
    CHECK_INT(a->submit_reply->status, CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED);
    CHECK_INT(b->submit_reply->status, CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED);
    CHECK_STR(b->submit_reply->referral_id, a->submit_reply->referral_id);
    CHECK(!a->submit_reply->has_already_accepted_at);
    CHECK(b->submit_reply->has_already_accepted_at);
    CHECK_INT(b->submit_reply->n_notices, 1);
    CHECK_CONTAINS(b->submit_reply->notices[0], "; nothing new was sent");
    carerhub__envelope__free_unpacked(a, NULL);
    carerhub__envelope__free_unpacked(b, NULL);
    CHECK_INT(s_entries(&h, INTAKE_DB_SPOOL), 1);
    CHECK_INT(h.in.accepted, 1);
    carerhub__referral__free_unpacked(card, NULL);
    s_close(&h);
}

/* The intake stopped and started again on its spool still knows what it
 * accepted, also once the router has taken it (its spool entry gone). */
TEST(intake_resend_is_recognised_after_a_restart)
{
    static s_intake_h h; /* static: s_open closes it if this test fails */
    Carerhub__Referral *card = s_card(3);
    char first[64], id[64];
    int64_t at = 0;
    bool again;
    CHECK(card != NULL);
    CHECK_INT(s_open(&h, 30), 0);
    s_send(&h, 0, "T-1", card, first, sizeof first, &again, &at);
    CHECK(first[0] != '\0');
    s_restart(&h);
    s_send(&h, 0, "T-2", card, id, sizeof id, &again, &at);
    CHECK_STR(id, first);
    CHECK(again);
    /* As when the router acknowledges it: the spool entry goes. */
    {
        uint8_t key[8];
        MDB_txn *txn;
        MDB_val k = {8, key};
        be64_put(intake_seq_of(&h.in, first), key);
        CHECK_INT(mdb_txn_begin(store_env(h.in.store), NULL, 0, &txn), 0);
        CHECK_INT(mdb_del(txn, store_dbi(h.in.store, INTAKE_DB_SPOOL), &k, NULL), 0);
        CHECK_INT(mdb_txn_commit(txn), 0);
    }
    s_restart(&h);
    CHECK_INT(s_entries(&h, INTAKE_DB_SPOOL), 0);
    s_send(&h, 0, NULL, card, id, sizeof id, &again, &at);
    CHECK_STR(id, first);
    CHECK(again);
    CHECK_INT(s_entries(&h, INTAKE_DB_SPOOL), 0);
    carerhub__referral__free_unpacked(card, NULL);
    s_close(&h);
}

/* referrals.resend_window_days: 0 turns recognising off; each send is a
 * referral of its own, and nothing is kept for it. */
TEST(intake_resend_window_0_makes_new_referrals)
{
    static s_intake_h h; /* static: s_open closes it if this test fails */
    Carerhub__Referral *card = s_card(1);
    char first[64], id[64];
    int64_t at = 0;
    bool again;
    CHECK(card != NULL);
    CHECK_INT(s_open(&h, 0), 0);
    s_send(&h, 0, "T-1", card, first, sizeof first, &again, &at);
    s_send(&h, 0, "T-2", card, id, sizeof id, &again, &at);
    CHECK(first[0] != '\0' && id[0] != '\0');
    CHECK(strcmp(id, first) != 0);
    CHECK(!again);
    CHECK_INT(s_entries(&h, INTAKE_DB_SPOOL), 2);
    CHECK_INT(s_entries(&h, INTAKE_DB_RESENDS), 0);
    carerhub__referral__free_unpacked(card, NULL);
    s_close(&h);
}

/* Sets the time a resends entry says its referral was accepted. */
static int s_backdate(s_intake_h *h, const char *id, int64_t at)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc, found = -1;
    if (mdb_txn_begin(store_env(h->in.store), NULL, 0, &txn) != 0)
        return -1;
    mdb_cursor_open(txn, store_dbi(h->in.store, INTAKE_DB_RESENDS), &cur);
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__TokenEntry *t = carerhub__token_entry__unpack(NULL, v.mv_size, v.mv_data);
        if (t && t->referral_id && strcmp(t->referral_id, id) == 0) {
            uint8_t buf[128];
            MDB_val nv = {0, buf};
            t->at = at;
            nv.mv_size = carerhub__token_entry__pack(t, buf);
            found = mdb_cursor_put(cur, &k, &nv, MDB_CURRENT);
        }
        if (t)
            carerhub__token_entry__free_unpacked(t, NULL);
    }
    mdb_cursor_close(cur);
    if (found != 0 || mdb_txn_commit(txn) != 0) {
        if (found != 0)
            mdb_txn_abort(txn);
        return -1;
    }
    return 0;
}

/* A referral accepted longer ago than the window is no longer recognised:
 * sent again it is a new referral. Pruning forgets it and keeps one within
 * the window. */
TEST(intake_resend_window_ends_and_old_entries_are_pruned)
{
    static s_intake_h h; /* static: s_open closes it if this test fails */
    Carerhub__Referral *old = s_card(1), *recent = s_card(2);
    char first[64], second[64], id[64];
    int64_t at = 0, now = clock_now_ms();
    bool again;
    CHECK(old && recent);
    CHECK_INT(s_open(&h, 30), 0);
    s_send(&h, 0, "T-1", old, first, sizeof first, &again, &at);
    s_send(&h, 0, "T-2", recent, second, sizeof second, &again, &at);
    CHECK(first[0] != '\0' && second[0] != '\0');
    CHECK_INT(s_backdate(&h, first, now - 31 * S_DAY_MS), 0);
    CHECK_INT(s_backdate(&h, second, now - 29 * S_DAY_MS), 0);
    intake_prune(&h.in);
    CHECK_INT(s_entries(&h, INTAKE_DB_RESENDS), 1);
    s_send(&h, 0, "T-3", recent, id, sizeof id, &again, &at);
    CHECK_STR(id, second);
    CHECK(again);
    s_send(&h, 0, "T-4", old, id, sizeof id, &again, &at);
    CHECK(id[0] != '\0' && strcmp(id, first) != 0);
    CHECK(!again);
    /* Past the window but not yet pruned: not recognised either. */
    CHECK_INT(s_backdate(&h, id, now - 31 * S_DAY_MS), 0);
    strcpy(first, id);
    s_send(&h, 0, "T-5", old, id, sizeof id, &again, &at);
    CHECK(id[0] != '\0' && strcmp(id, first) != 0);
    CHECK(!again);
    carerhub__referral__free_unpacked(old, NULL);
    carerhub__referral__free_unpacked(recent, NULL);
    s_close(&h);
}

/* The router's acknowledgement of id, as it arrives on the intake's
 * socket to the router (here a pair over inproc), read by the intake. */
static void s_router_acks(s_intake_h *h, void *router, const char *id)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__ForwardAck ack = CARERHUB__FORWARD_ACK__INIT;
    char *ids[] = {(char *)id};
    ack.n_referral_ids = 1;
    ack.referral_ids = ids;
    env.body_case = CARERHUB__ENVELOPE__BODY_FORWARD_ACK;
    env.forward_ack = &ack;
    CHECK(wire_send(router, NULL, &env, 0) == 0);
    for (int i = 0; i < 100 && h->in.n_gone == 0; i++) {
        intake_drain_back(&h->in);
        if (h->in.n_gone == 0)
            usleep(10000);
    }
}

static uint64_t s_commits(s_intake_h *h)
{
    store_commits_t st;
    store_commit_stats(h->in.store, &st);
    return st.count;
}

/* What the router has taken leaves the spool in the next batch's commit,
 * not in a commit (and a sync) of its own; with no batch coming, alone
 * once it has waited INTAKE_GONE_MS. Meanwhile the intake no longer says
 * it is waiting for the router. */
TEST(intake_acknowledged_referrals_go_with_the_next_batch)
{
    s_intake_h h;
    char id1[64], id2[64], id3[64];
    bool again;
    int64_t at;
    uint64_t before;
    Carerhub__Referral *r1 = s_card(1), *r2 = s_card(2), *r3 = s_card(3);
    void *router;
    char ep[300];

    CHECK(s_open(&h, 30) == 0);
    snprintf(ep, sizeof ep, "inproc://intake-back-%p", (void *)&h);
    h.in.inflight = smap_new();
    h.in.back = daemon_socket(ZMQ_PAIR);
    daemon_bind(h.in.back, ep);
    router = daemon_socket(ZMQ_PAIR);
    daemon_connect(router, ep);
    s_send(&h, 0, "t1", r1, id1, sizeof id1, &again, &at);
    s_send(&h, 0, "t2", r2, id2, sizeof id2, &again, &at);
    CHECK(id1[0] && id2[0]);
    CHECK_INT((int)s_entries(&h, INTAKE_DB_SPOOL), 2);

    before = s_commits(&h);
    s_router_acks(&h, router, id1);
    CHECK_INT((int)h.in.n_gone, 1);
    intake_delete_acked(&h.in, false); /* too soon to go alone */
    CHECK(s_commits(&h) == before);
    CHECK_INT((int)s_entries(&h, INTAKE_DB_SPOOL), 2);
    CHECK(intake_gone(&h.in, intake_seq_of(&h.in, id1)));

    s_send(&h, 0, "t3", r3, id3, sizeof id3, &again, &at);
    CHECK(id3[0]);
    CHECK(s_commits(&h) == before + 1); /* the batch, and the deletion in it */
    CHECK_INT((int)s_entries(&h, INTAKE_DB_SPOOL), 2);
    CHECK_INT((int)h.in.n_gone, 0);
    CHECK(h.in.scrub_dirty);

    s_router_acks(&h, router, id2);
    usleep((INTAKE_GONE_MS + 20) * 1000);
    intake_delete_acked(&h.in, false);
    CHECK(s_commits(&h) == before + 2);
    CHECK_INT((int)s_entries(&h, INTAKE_DB_SPOOL), 1);

    zmq_close(router);
    zmq_close(h.in.back);
    free(h.in.gone);
    free(h.in.gone_audit);
    smap_destroy(&h.in.inflight);
    carerhub__referral__free_unpacked(r1, NULL);
    carerhub__referral__free_unpacked(r2, NULL);
    carerhub__referral__free_unpacked(r3, NULL);
    s_close(&h);
}
