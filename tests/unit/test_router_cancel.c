/*
 * Unit tests of a referrer's cancellation in the router's own code on a
 * real case store (the organisation told, without the carer's details; a
 * case closed when nothing of it is left; another practice's referral
 * "not found"), and of outcome reports and cancellation notices on the
 * delivery socket, over CURVE with the agent's own key.
 */
#include "test.h"

#include "clnt/clnt.h"
#include "domain/referral.h"
#include "router_hub.h"
#include "util/be64.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static bool s_take(hub_t *h, const char *id)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    int rc;
    if (!r)
        return false;
    rc = hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc == 0;
}

typedef struct {
    Carerhub__CancelReply out;
    char code[32], msg[300];
    int rc;
} s_cancel_t;

static int s_cancel(hub_t *h, const participant_t *who, const char *id, const char *reason,
                    const char *note, s_cancel_t *c)
{
    Carerhub__CancelRequest q = CARERHUB__CANCEL_REQUEST__INIT;
    q.referral_id = (char *)id;
    q.reason = (char *)reason;
    q.note = (char *)note;
    c->code[0] = c->msg[0] = '\0';
    c->rc = router_cancel(&h->r, who, &q, &c->out, c->code, sizeof c->code, c->msg, sizeof c->msg);
    return c->rc;
}

TEST(router_cancel_tells_the_organisation_and_closes_a_case_left_empty)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    const participant_t *gp;
    Carerhub__OutboxEntry **e;
    Carerhub__CaseRecord *c;
    Carerhub__ReferralRecord *rec;
    Carerhub__TimelineEvent **tl;
    s_cancel_t k;
    char due[DATE_STRLEN], key[64];
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST40-1") && s_take(&h, "GP-TEST40-2"));
    CHECK((gp = secure_participant(h.r.sec, "gp")) != NULL);

    CHECK_INT(s_cancel(&h, gp, "GP-TEST40-1", "error", "wrong patient: Joan, not Jane", &k), 0);
    CHECK_STR(k.out.case_id, "C-000001");
    CHECK_STR(k.out.provider, "carers-first");
    CHECK_STR(k.out.provider_name, "Carers First");
    CHECK(!k.out.already && !k.out.case_closed && k.out.has_cancelled_at);
    router_cancel_reply_free(&k.out);
    n = hub_outbox(&h, "carers-first", &e);
    CHECK_INT(n, 3);
    CHECK_STR(e[2]->kind, "cancelled");
    CHECK_STR(e[2]->referral_id, "GP-TEST40-1");
    CHECK_INT(e[2]->referral_count, 0);
    CHECK(e[2]->snapshot != NULL);
    CHECK(e[2]->snapshot->carer == NULL && e[2]->snapshot->n_referrals == 0);
    CHECK_INT(e[2]->snapshot->version, 3);
    CHECK(e[2]->snapshot->cancellation != NULL);
    CHECK_STR(e[2]->snapshot->cancellation->reason, "error");
    CHECK_STR(e[2]->snapshot->cancellation->note, "wrong patient: Joan, not Jane");
    CHECK(!e[2]->snapshot->closed);
    hub_outbox_free(e, n);
    rec = hub_get(&h, "GP-TEST40-1");
    CHECK(rec && rec->cancellation);
    CHECK_STR(rec->cancellation->reason, "error");
    carerhub__referral_record__free_unpacked(rec, NULL);
    CHECK_INT(hub_stat(&h, "cancelled/error"), 1);

    /* Again: nothing changes. */
    CHECK_INT(s_cancel(&h, gp, "GP-TEST40-1", "changed", NULL, &k), 0);
    CHECK(k.out.already);
    router_cancel_reply_free(&k.out);
    CHECK_INT(hub_stat(&h, "cancelled/changed"), 0);

    /* The last referral of the case: the case closes. */
    c = hub_case(&h, "C-000001");
    CHECK(c && c->contact_by);
    snprintf(due, sizeof due, "%s", c->contact_by);
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(s_cancel(&h, gp, "GP-TEST40-2", "changed", NULL, &k), 0);
    CHECK(k.out.case_closed);
    router_cancel_reply_free(&k.out);
    c = hub_case(&h, "C-000001");
    CHECK(c != NULL);
    CHECK(c->closed);
    CHECK_STR(c->closed_reason, "cancelled");
    CHECK_STR(c->state, "closed");
    CHECK(c->contact_by == NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    snprintf(key, sizeof key, "%s\x1f%s", due, "C-000001");
    CHECK(!hub_has(&h, DB_CONTACT_DUE, key));
    n = hub_outbox(&h, "carers-first", &e);
    CHECK_INT(n, 4);
    CHECK_STR(e[3]->kind, "cancelled");
    CHECK(e[3]->snapshot->closed);
    CHECK_STR(e[3]->snapshot->closed_reason, "cancelled");
    hub_outbox_free(e, n);

    n = hub_timeline(&h, "C-000001", true, &tl);
    CHECK_INT(n, 2);
    CHECK_STR(tl[0]->event, "cancelled");
    CHECK_STR(tl[0]->referral_id, "GP-TEST40-1");
    CHECK(tl[0]->reason == NULL && tl[0]->note == NULL);
    router_timeline_free(tl, n);
    hub_close(&h);
}

TEST(router_cancel_refuses_others_referrals_closed_cases_and_bad_requests)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    const participant_t *gp;
    char *scopes[] = {(char *)"F81099"}, *cf[] = {(char *)"carers-first"};
    participant_t other = {(char *)"gp-other", ROLE_GP, scopes, 1, ""};
    participant_t provider = {(char *)"provider-carers-first", ROLE_PROVIDER, cf, 1, ""};
    Carerhub__Outcome *o;
    Carerhub__OutcomeResult res;
    s_cancel_t k;
    char text[2100];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST41-1"));
    CHECK((gp = secure_participant(h.r.sec, "gp")) != NULL);
    /* Another practice's key, and a provider's: as if it did not exist. */
    CHECK_INT(s_cancel(&h, &other, "GP-TEST41-1", "error", NULL, &k), -1);
    CHECK_STR(k.code, "not_found");
    CHECK_STR(k.msg, "no referral GP-TEST41-1 of yours is known to the hub");
    CHECK_INT(s_cancel(&h, &provider, "GP-TEST41-1", "error", NULL, &k), -1);
    CHECK_STR(k.code, "not_found");
    CHECK_INT(s_cancel(&h, gp, "GP-TEST41-9", "error", NULL, &k), -1);
    CHECK_STR(k.code, "not_found");
    CHECK_STR(k.msg, "no referral GP-TEST41-9 of yours is known to the hub");
    CHECK_INT(s_cancel(&h, gp, "GP-TEST41-1", "mistake", NULL, &k), -1);
    CHECK_STR(k.code, "bad_request");
    CHECK_CONTAINS(k.msg, "--reason must be changed");
    CHECK_INT(s_cancel(&h, gp, "GP-TEST41-1", NULL, NULL, &k), -1);
    CHECK_STR(k.code, "bad_request");
    memset(text, 'x', 2001);
    text[2001] = '\0';
    CHECK_INT(s_cancel(&h, gp, "GP-TEST41-1", "error", text, &k), -1);
    CHECK_STR(k.code, "bad_request");
    CHECK_CONTAINS(k.msg, "--note");
    CHECK_INT(hub_stat(&h, "cancelled/error"), 0);

    o = hub_outcome_new("cf-1", "C-000001", "closed");
    o->reason = xstrdup("no_longer_caring");
    CHECK_INT(hub_report(&h, "carers-first", o, &res), CARERHUB__OUTCOME_RESULT__RESULT__RECORDED);
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    CHECK_INT(s_cancel(&h, gp, "GP-TEST41-1", "error", NULL, &k), -1);
    CHECK_STR(k.code, "closed");
    CHECK_CONTAINS(k.msg, "the case was closed on ");
    CHECK_CONTAINS(k.msg, ": there is nothing to cancel");
    hub_close(&h);
}

/* Runs the router's delivery side until the agent has a message (or ms
 * pass); returns it, or NULL. */
static Carerhub__Envelope *s_recv(hub_t *h, void *sock, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        Carerhub__Envelope *env = NULL;
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        secure_handle(h->r.sec);
        router_deliver_drain(&h->r);
        router_deliver_send(&h->r);
        if (zmq_poll(&item, 1, 10) > 0 && wire_recv(sock, false, NULL, &env, 0) == WIRE_OK)
            return env;
    }
    return NULL;
}

static void *s_connect(hub_t *h, const keypair_t *kp, const char *ep)
{
    void *s = daemon_socket(ZMQ_DEALER);
    if (curve_client(s, kp, hub_pub[0]) != 0 || zmq_connect(s, ep) != 0) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

/* Sends a report of n outcomes for case_id (ids o-<first>...) with corr. */
static int s_send_report(void *sock, const char *case_id, size_t n, int first, uint64_t corr)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__OutcomeReport rep = CARERHUB__OUTCOME_REPORT__INIT;
    Carerhub__Outcome *os = xcalloc(n, sizeof *os), **ptrs = xcalloc(n, sizeof *ptrs);
    char ids[128][16];
    int rc;
    for (size_t i = 0; i < n; i++) {
        carerhub__outcome__init(&os[i]);
        snprintf(ids[i % 128], sizeof ids[0], "o-%d", first + (int)i);
        os[i].outcome_id = ids[i % 128];
        os[i].case_id = (char *)case_id;
        os[i].status = (char *)(i == 0 ? "accepted" : "contacted");
        ptrs[i] = &os[i];
    }
    rep.n_outcomes = n;
    rep.outcomes = ptrs;
    env.has_corr = true;
    env.corr = corr;
    env.body_case = CARERHUB__ENVELOPE__BODY_OUTCOME_REPORT;
    env.outcome_report = &rep;
    rc = wire_send(sock, NULL, &env, 0);
    free(os);
    free(ptrs);
    return rc;
}

/* When the agent acknowledged the referral's delivery (waiting for the
 * router to record it). */
static bool s_delivered_at(hub_t *h, const char *id, uint64_t *at)
{
    for (int i = 0; i < 100; i++) {
        MDB_txn *txn;
        MDB_val k = store_val(id), v;
        bool found = false;
        secure_handle(h->r.sec);
        router_deliver_drain(&h->r);
        if (store_read(h->r.store, &txn) != 0)
            return false;
        if (mdb_get(txn, store_dbi(h->r.store, DB_DELIVERED), &k, &v) == 0 && v.mv_size == 8) {
            *at = be64_get(v.mv_data);
            found = true;
        }
        mdb_txn_abort(txn);
        if (found)
            return true;
        zmq_poll(NULL, 0, 10);
    }
    return false;
}

TEST(router_takes_outcome_reports_and_sends_cancellations_on_the_delivery_socket)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Envelope *env;
    Carerhub__OutcomeReply *rep;
    const participant_t *gp;
    s_cancel_t k;
    void *agent, *stranger;
    uint64_t seqs[3], first = 0, then = 0;
    char ep[256];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST42-1") && s_take(&h, "GP-TEST42-2"));
    snprintf(ep, sizeof ep, "ipc://%s/delivery.ipc", test_tmpdir());
    h.r.delivery_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.delivery_sock, "router delivery socket");
    daemon_bind(h.r.delivery_sock, ep);
    CHECK((agent = h.agent = s_connect(&h, &hub_agent_kp, ep)) != NULL);

    /* Without a hello first: two outcomes, one for a case not its own. */
    CHECK_INT(s_send_report(agent, "C-000001", 2, 1, 41), 0);
    env = s_recv(&h, agent, 5000);
    CHECK(env != NULL);
    CHECK_INT(env->body_case, CARERHUB__ENVELOPE__BODY_OUTCOME_REPLY);
    CHECK_INT(env->corr, 41);
    rep = env->outcome_reply;
    CHECK_INT(rep->n_results, 2);
    CHECK_STR(rep->results[0]->outcome_id, "o-1");
    CHECK_INT(rep->results[0]->result, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED);
    CHECK_INT(rep->results[1]->result, CARERHUB__OUTCOME_RESULT__RESULT__RECORDED);
    CHECK_STR(rep->results[1]->state, "contacted");
    carerhub__envelope__free_unpacked(env, NULL);
    CHECK_INT(s_send_report(agent, "C-000077", 1, 3, 42), 0);
    env = s_recv(&h, agent, 5000);
    CHECK(env != NULL && env->body_case == CARERHUB__ENVELOPE__BODY_OUTCOME_REPLY);
    CHECK_INT(env->outcome_reply->results[0]->result, CARERHUB__OUTCOME_RESULT__RESULT__REFUSED);
    CHECK_STR(env->outcome_reply->results[0]->code, "not_yours");
    carerhub__envelope__free_unpacked(env, NULL);
    /* Too many at once. */
    CHECK_INT(s_send_report(agent, "C-000001", WIRE_OUTCOMES_MAX + 1, 10, 43), 0);
    env = s_recv(&h, agent, 5000);
    CHECK(env != NULL);
    CHECK_INT(env->body_case, CARERHUB__ENVELOPE__BODY_ERROR);
    CHECK_INT(env->corr, 43);
    CHECK_STR(env->error->code, "bad_request");
    carerhub__envelope__free_unpacked(env, NULL);
    CHECK_INT(hub_stat(&h, "outcomes/contacted"), 1);

    /* A practice's key may not report outcomes. */
    CHECK((stranger = s_connect(&h, &hub_gp_kp, ep)) != NULL);
    CHECK_INT(s_send_report(stranger, "C-000001", 1, 200, 44), 0);
    env = s_recv(&h, stranger, 5000);
    zmq_close(stranger);
    CHECK(env != NULL);
    CHECK_INT(env->body_case, CARERHUB__ENVELOPE__BODY_ERROR);
    CHECK_STR(env->error->code, "forbidden");
    carerhub__envelope__free_unpacked(env, NULL);
    CHECK_INT(hub_stat(&h, "outcomes/accepted"), 1);

    /* The case reaches the agent; then a cancellation, after it. */
    CHECK_INT(router_clnt_hello(agent, "carers-first", 10), 0);
    env = s_recv(&h, agent, 5000);
    CHECK(env && env->body_case == CARERHUB__ENVELOPE__BODY_HELLO);
    carerhub__envelope__free_unpacked(env, NULL);
    for (int i = 0; i < 2; i++) {
        env = s_recv(&h, agent, 5000);
        CHECK(env && env->body_case == CARERHUB__ENVELOPE__BODY_DELIVERY);
        seqs[i] = env->delivery->delivery_id;
        CHECK_STR(env->delivery->kind, i == 0 ? "new" : "update");
        carerhub__envelope__free_unpacked(env, NULL);
    }
    CHECK_INT(router_clnt_delivery_ack(agent, seqs, 2, 10), 0);
    CHECK(s_delivered_at(&h, "GP-TEST42-1", &first));
    zmq_poll(NULL, 0, 20);
    CHECK((gp = secure_participant(h.r.sec, "gp")) != NULL);
    CHECK_INT(s_cancel(&h, gp, "GP-TEST42-1", "changed", "moved in with her daughter", &k), 0);
    router_cancel_reply_free(&k.out);
    env = s_recv(&h, agent, 5000);
    CHECK(env && env->body_case == CARERHUB__ENVELOPE__BODY_DELIVERY);
    seqs[2] = env->delivery->delivery_id;
    CHECK_STR(env->delivery->kind, "cancelled");
    {
        Carerhub__Case *c = env->delivery->case_;
        CHECK_STR(env->delivery->referral_id, "GP-TEST42-1");
        CHECK(c->carer == NULL);
        CHECK_INT(c->n_referrals, 0);
        CHECK(c->cancellation && c->cancellation->reason);
        CHECK_STR(c->cancellation->reason, "changed");
        CHECK_STR(c->cancellation->note, "moved in with her daughter");
        CHECK_INT(c->version, 3);
        CHECK(!c->closed);
    }
    carerhub__envelope__free_unpacked(env, NULL);
    /* The referral was delivered when its case was, not when the notice
     * of its cancellation was. */
    CHECK_INT(router_clnt_delivery_ack(agent, seqs + 2, 1, 10), 0);
    for (int i = 0; i < 100 && hub_stat(&h, "delivered/carers-first") < 3; i++) {
        secure_handle(h.r.sec);
        router_deliver_drain(&h.r);
        zmq_poll(NULL, 0, 10);
    }
    CHECK_INT(hub_stat(&h, "delivered/carers-first"), 3);
    CHECK(s_delivered_at(&h, "GP-TEST42-1", &then));
    CHECK_INT(then, first);
    hub_close(&h);
}

/* Whether the audit trail has an event about referral rid. */
static bool s_audited(hub_t *h, const char *event, const char *rid)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    bool found = false;
    if (store_read(h->r.store, &txn) != 0)
        return false;
    mdb_cursor_open(txn, store_dbi(h->r.store, DB_AUDIT), &cur);
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !found;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__AuditRecord *a = carerhub__audit_record__unpack(NULL, v.mv_size, v.mv_data);
        found = a && a->event && a->referral_id && strcmp(a->event, event) == 0 &&
                strcmp(a->referral_id, rid) == 0;
        if (a)
            carerhub__audit_record__free_unpacked(a, NULL);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return found;
}

TEST(router_cancelled_referral_travels_in_no_delivery_sent_after)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Envelope *env;
    Carerhub__OutboxEntry **e;
    const participant_t *gp;
    s_cancel_t k;
    char ep[256];
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST43-1") && s_take(&h, "GP-TEST43-2") && s_take(&h, "GP-TEST43-3"));
    /* Cancelled while the organisation's agent is away. */
    CHECK((gp = secure_participant(h.r.sec, "gp")) != NULL);
    CHECK_INT(s_cancel(&h, gp, "GP-TEST43-1", "error", NULL, &k), 0);
    router_cancel_reply_free(&k.out);
    CHECK_INT(hub_outbox(&h, "carers-first", &e), 4);
    hub_outbox_free(e, 4);

    snprintf(ep, sizeof ep, "ipc://%s/delivery.ipc", test_tmpdir());
    h.r.delivery_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.delivery_sock, "router delivery socket");
    daemon_bind(h.r.delivery_sock, ep);
    CHECK((h.agent = s_connect(&h, &hub_agent_kp, ep)) != NULL);
    CHECK_INT(router_clnt_hello(h.agent, "carers-first", 10), 0);
    env = s_recv(&h, h.agent, 5000);
    CHECK(env && env->body_case == CARERHUB__ENVELOPE__BODY_HELLO);
    carerhub__envelope__free_unpacked(env, NULL);
    /* The new case carried only the cancelled referral: not sent. Each
     * update carries the referrals still standing. */
    for (int i = 0; i < 3; i++) {
        Carerhub__Case *c;
        env = s_recv(&h, h.agent, 5000);
        CHECK(env && env->body_case == CARERHUB__ENVELOPE__BODY_DELIVERY);
        c = env->delivery->case_;
        CHECK_STR(env->delivery->kind, i < 2 ? "update" : "cancelled");
        for (size_t j = 0; j < c->n_referrals; j++)
            CHECK(strcmp(c->referrals[j]->id, "GP-TEST43-1") != 0);
        if (i < 2) {
            CHECK_INT(c->n_referrals, i + 1);
            CHECK_INT(c->referrals_total, i + 1);
            CHECK_STR(c->referrals[i]->id, i == 0 ? "GP-TEST43-2" : "GP-TEST43-3");
        }
        carerhub__envelope__free_unpacked(env, NULL);
    }
    /* It left the outbox, audited, so nothing waits behind it. */
    n = hub_outbox(&h, "carers-first", &e);
    CHECK_INT(n, 3);
    CHECK_STR(e[0]->kind, "update");
    hub_outbox_free(e, n);
    CHECK(s_audited(&h, "dropped", "GP-TEST43-1"));
    hub_close(&h);
}

TEST(router_cancelled_referral_leaves_its_details_out_of_deliveries_queued_before)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Referral *wrong;
    Carerhub__Envelope *env;
    const participant_t *gp;
    s_cancel_t k;
    char ep[256];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST44-1"));
    /* Sent in error, with another person's email and phone. */
    CHECK((wrong = hub_card("GP-TEST44-2", "gp")) != NULL);
    free(wrong->carer->email);
    wrong->carer->email = xstrdup("joan@example.org");
    free(wrong->carer->phone);
    wrong->carer->phone = xstrdup("07700 900999");
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", wrong), 0);
    carerhub__referral__free_unpacked(wrong, NULL);
    CHECK((gp = secure_participant(h.r.sec, "gp")) != NULL);
    CHECK_INT(s_cancel(&h, gp, "GP-TEST44-2", "error", NULL, &k), 0);
    router_cancel_reply_free(&k.out);

    snprintf(ep, sizeof ep, "ipc://%s/delivery.ipc", test_tmpdir());
    h.r.delivery_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.delivery_sock, "router delivery socket");
    daemon_bind(h.r.delivery_sock, ep);
    CHECK((h.agent = s_connect(&h, &hub_agent_kp, ep)) != NULL);
    CHECK_INT(router_clnt_hello(h.agent, "carers-first", 10), 0);
    env = s_recv(&h, h.agent, 5000);
    CHECK(env && env->body_case == CARERHUB__ENVELOPE__BODY_HELLO);
    carerhub__envelope__free_unpacked(env, NULL);
    for (int i = 0; i < 2; i++) {
        Carerhub__Case *c;
        env = s_recv(&h, h.agent, 5000);
        CHECK(env && env->body_case == CARERHUB__ENVELOPE__BODY_DELIVERY);
        CHECK_STR(env->delivery->kind, i == 0 ? "new" : "update");
        c = env->delivery->case_;
        /* The update was queued with Joan's details; it goes without. */
        CHECK(c->carer != NULL);
        CHECK_STR(c->carer->email, "jane@example.org");
        CHECK_STR(c->carer->phone, "07700 900123");
        CHECK_INT(c->n_referrals, 1);
        CHECK_STR(c->referrals[0]->id, "GP-TEST44-1");
        carerhub__envelope__free_unpacked(env, NULL);
    }
    hub_close(&h);
}
