/*
 * Unit tests of retention (router_retention.c) on a real case store:
 * cases closed either side of retention.closed_case_days (their closing
 * moved back in the store, as a store a year old holds them), an open
 * case and a case closed just now: only those past it are erased, with
 * the reason "retention", each organisation told, and the report table as
 * it was; a case joined into another waits for that one; the schedule
 * runs at the first tick and not again before retention.check_minutes;
 * and only an operator's key may ask on the control socket.
 */
#include "test.h"

#include "router_hub.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define RECORDED CARERHUB__OUTCOME_RESULT__RESULT__RECORDED
#define DAY_MS   (24LL * 60 * 60 * 1000)

/* A carer of the first GP card's, with family name and date of birth of
 * their own (NHS number: nhs, or none), from practice "gp". */
static int s_take(hub_t *h, const char *id, const char *family, const char *dob, const char *nhs)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    int rc;
    if (!r)
        return -1;
    free(r->carer->family_name);
    r->carer->family_name = xstrdup(family);
    free(r->carer->date_of_birth);
    r->carer->date_of_birth = xstrdup(dob);
    free(r->carer->nhs_number);
    r->carer->nhs_number = nhs ? xstrdup(nhs) : NULL;
    rc = hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc;
}

typedef struct {
    const char *id;
    int64_t at;
} s_move_t;

/* Case id as closed `days` days ago: its closed_at moved back in the
 * store (outcomes may not be dated before the case opened, which here was
 * a moment ago). */
static hub_t *s_hub; /* the hub of s_closed_ago_txn */

static int s_closed_ago_txn(MDB_txn *txn, void *arg)
{
    s_move_t *m = arg;
    Carerhub__CaseRecord *c = router_get_case(&s_hub->r, txn, m->id);
    int rc;
    if (!c || !c->closed)
        return MDB_NOTFOUND;
    c->closed_at = m->at;
    rc = router_put(&s_hub->r, txn, DB_CASES, m->id, strlen(m->id), &c->base);
    carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

static int s_closed_ago(hub_t *h, const char *id, int days)
{
    s_move_t m = {id, clock_now_ms() - days * DAY_MS};
    s_hub = h;
    return store_write(h->r.store, s_closed_ago_txn, &m);
}

static int s_close(hub_t *h, const char *oid, const char *case_id, int days)
{
    if (hub_outcome_at(h, "carers-first", oid, case_id, "closed", clock_now_ms() - 60000,
                       "support_complete") != RECORDED)
        return -1;
    return days ? s_closed_ago(h, case_id, days) : 0;
}

/* "due erased" of a count (run false) or a run. */
static const char *s_retention(hub_t *h, bool run)
{
    static char out[64];
    Carerhub__RetentionReply rep;
    if (router_retention(&h->r, run ? "operator" : NULL, run, &rep) != 0)
        return "(failed)";
    snprintf(out, sizeof out, "%u %u", rep.due, rep.erased);
    return out;
}

/* Whether case id is erased, for the reason "retention", its carer gone. */
static bool s_erased(hub_t *h, const char *id)
{
    Carerhub__CaseRecord *c = hub_case(h, id);
    bool erased = c && c->has_erased_at && !c->carer && c->erasure_reason &&
                  strcmp(c->erasure_reason, "retention") == 0;
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    return erased;
}

static bool s_has_carer(hub_t *h, const char *id)
{
    Carerhub__CaseRecord *c = hub_case(h, id);
    bool has = c && !c->has_erased_at && c->carer && c->carer->family_name;
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    return has;
}

/* The kinds of the outbox entries for case id, space-separated. */
static const char *s_kinds(hub_t *h, const char *id)
{
    static char out[200];
    Carerhub__OutboxEntry **e;
    size_t n = hub_outbox(h, "carers-first", &e), used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i]->case_id, id) == 0)
            used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", used ? " " : "",
                                     e[i]->kind);
    hub_outbox_free(e, n);
    return out;
}

TEST(router_retention_erases_closed_cases_past_it_and_keeps_the_counts)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    char *report, *after;
    CHECK_INT(hub_open(&h, 10), 0);
    CHECK_INT(h.r.conf->retention.closed_case_days, 365);
    CHECK_INT(s_take(&h, "GP-TEST41-1", "Ashby", "1960-01-01", NULL), 0); /* 366 days */
    CHECK_INT(s_take(&h, "GP-TEST41-2", "Brook", "1961-02-02", NULL), 0); /* 364 days */
    CHECK_INT(s_take(&h, "GP-TEST41-3", "Croft", "1962-03-03", NULL), 0); /* open */
    CHECK_INT(s_take(&h, "GP-TEST41-4", "Dunne", "1963-04-04", NULL), 0); /* 400 days */
    CHECK_INT(s_take(&h, "GP-TEST41-5", "Ellis", "1964-05-05", NULL), 0); /* today */
    CHECK_INT(s_close(&h, "o-1", "C-000001", 366), 0);
    CHECK_INT(s_close(&h, "o-2", "C-000002", 364), 0);
    CHECK_INT(s_close(&h, "o-4", "C-000004", 400), 0);
    CHECK_INT(s_close(&h, "o-5", "C-000005", 0), 0);
    report = hub_report_dump(&h);
    CHECK(report && *report);

    CHECK_STR(s_retention(&h, false), "2 0");
    CHECK(s_has_carer(&h, "C-000001") && s_has_carer(&h, "C-000004"));
    CHECK_STR(s_retention(&h, true), "0 2");
    CHECK(s_erased(&h, "C-000001") && s_erased(&h, "C-000004"));
    CHECK(s_has_carer(&h, "C-000002") && s_has_carer(&h, "C-000003") &&
          s_has_carer(&h, "C-000005"));
    CHECK_INT(hub_stat(&h, "erased"), 2);
    /* Carers First, which had them, is told to erase its copies. */
    CHECK_CONTAINS(s_kinds(&h, "C-000001"), "erasure");
    CHECK_CONTAINS(s_kinds(&h, "C-000004"), "erasure");
    CHECK(!strstr(s_kinds(&h, "C-000002"), "erasure"));
    /* What reports count is as it was. */
    after = hub_report_dump(&h);
    CHECK_STR(after, report);
    free(after);
    free(report);
    /* Again: nothing more; a count says what the last run erased. */
    CHECK_STR(s_retention(&h, true), "0 0");
    CHECK_STR(s_retention(&h, false), "0 0");
    /* Retention 0 days: every closed case is past it. */
    h.r.conf->retention.closed_case_days = 0;
    CHECK_STR(s_retention(&h, false), "2 0");
    hub_close(&h);
}

TEST(router_retention_erases_a_case_joined_into_another_once_that_one_is)
{
    static hub_t h;
    CHECK_INT(hub_open(&h, 10), 0);
    CHECK_INT(s_take(&h, "GP-TEST42-1", "Smith", "1961-04-02", "9434765919"), 0);
    CHECK_INT(s_take(&h, "GP-TEST42-2", "Smith", "1961-04-12", "9434765919"), 0); /* flagged */
    CHECK_STR(hub_conflict(&h, "C-000002", "C-000001", "join"), "C-000001 C-000002 carers-first");
    /* Joined long ago: its referrals are C-000001's, which is open. */
    CHECK_INT(s_closed_ago(&h, "C-000002", 400), 0);
    CHECK_STR(s_retention(&h, false), "0 0");
    CHECK_STR(s_retention(&h, true), "0 0");
    CHECK(s_has_carer(&h, "C-000001"));
    /* Closed long ago too: it goes, then the case joined into it. */
    CHECK_INT(s_close(&h, "o-1", "C-000001", 370), 0);
    CHECK_STR(s_retention(&h, false), "1 0");
    CHECK_STR(s_retention(&h, true), "0 2");
    CHECK(s_erased(&h, "C-000001") && s_erased(&h, "C-000002"));
    hub_close(&h);
}

TEST(router_retention_runs_at_the_first_tick_then_every_check_minutes)
{
    static hub_t h;
    Carerhub__RetentionReply rep;
    int64_t before = clock_now_ms();
    CHECK_INT(hub_open(&h, 10), 0);
    CHECK_INT(s_take(&h, "GP-TEST43-1", "Ashby", "1960-01-01", NULL), 0);
    CHECK_INT(s_take(&h, "GP-TEST43-2", "Brook", "1961-02-02", NULL), 0);
    CHECK_INT(s_close(&h, "o-1", "C-000001", 400), 0);
    router_retention_tick(&h.r);
    CHECK(s_erased(&h, "C-000001"));
    CHECK_INT(router_retention(&h.r, NULL, false, &rep), 0);
    CHECK(rep.has_last_run_at && rep.last_run_at >= before);
    /* The next run an hour on (check_minutes 60), give or take. */
    CHECK(rep.next_run_at > clock_now_ms() + 59 * 60000 &&
          rep.next_run_at <= clock_now_ms() + 60 * 60000);
    CHECK_INT(s_close(&h, "o-2", "C-000002", 400), 0);
    router_retention_tick(&h.r);
    CHECK(s_has_carer(&h, "C-000002"));
    h.r.retention_next = clock_mono_ms() - 1; /* an hour has passed */
    router_retention_tick(&h.r);
    CHECK(s_erased(&h, "C-000002"));
    hub_close(&h);
}

/* Sends env on sock and serves the control socket until the answer: its
 * error's code, or "due erased". */
static const char *s_ask(hub_t *h, void *sock, Carerhub__Envelope *env)
{
    static char out[64];
    Carerhub__Envelope *back = NULL;
    env->has_corr = true;
    env->corr = 11;
    snprintf(out, sizeof out, "(no answer)");
    if (wire_send(sock, NULL, env, 0) == 0)
        for (int i = 0; i < 500 && !back; i++) {
            zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
            secure_handle(h->r.sec);
            router_control_drain(&h->r);
            if (zmq_poll(&item, 1, 10) > 0 && wire_recv(sock, false, NULL, &back, 0) != WIRE_OK)
                back = NULL;
        }
    if (back && back->body_case == CARERHUB__ENVELOPE__BODY_ERROR)
        snprintf(out, sizeof out, "%s", back->error->code);
    else if (back && back->body_case == CARERHUB__ENVELOPE__BODY_RETENTION_REPLY)
        snprintf(out, sizeof out, "%u %u", back->retention_reply->due,
                 back->retention_reply->erased);
    else if (back)
        snprintf(out, sizeof out, "body %d", (int)back->body_case);
    if (back)
        carerhub__envelope__free_unpacked(back, NULL);
    return out;
}

TEST(router_retention_answers_an_operators_key_only_on_the_control_socket)
{
    static hub_t h;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__RetentionQuery q = CARERHUB__RETENTION_QUERY__INIT;
    const keypair_t *others[] = {&hub_gp_kp, &hub_agent_kp, &hub_commissioner_kp};
    char ep[256];
    void *s;

    CHECK_INT(hub_open(&h, 10), 0);
    CHECK_INT(s_take(&h, "GP-TEST44-1", "Ashby", "1960-01-01", NULL), 0);
    CHECK_INT(s_close(&h, "o-1", "C-000001", 400), 0);
    q.has_run = q.run = true;
    env.body_case = CARERHUB__ENVELOPE__BODY_RETENTION_QUERY;
    env.retention_query = &q;
    snprintf(ep, sizeof ep, "ipc://%s/control.ipc", test_tmpdir());
    h.r.control_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.control_sock, "router control socket");
    daemon_bind(h.r.control_sock, ep);
    for (size_t k = 0; k < sizeof others / sizeof *others; k++) {
        CHECK((s = hub_connect(others[k], ep)) != NULL);
        CHECK_STR(s_ask(&h, s, &env), "forbidden");
        zmq_close(s);
    }
    CHECK(s_has_carer(&h, "C-000001"));
    CHECK((s = hub_connect(&hub_operator_kp, ep)) != NULL);
    CHECK_STR(s_ask(&h, s, &env), "0 1");
    zmq_close(s);
    CHECK(s_erased(&h, "C-000001"));
    hub_close(&h);
}
