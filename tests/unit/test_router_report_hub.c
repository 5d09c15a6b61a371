/*
 * Unit tests of the report after real takes and outcomes (hub_take,
 * hub_report: the router's own paths write the report table), its figures
 * against what the story of the cases below gives, worked out by hand; and
 * the report on the control socket: served to commissioner and operator
 * keys, a commissioner's key refused anything else.
 *
 * Days are counted back from today (the hub's day), at local hours, so
 * that every outcome falls between its referral and now.
 */
#include "test.h"

#include "router_hub.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define RECORDED CARERHUB__OUTCOME_RESULT__RESULT__RECORDED

/* A carer of our own (family name, no NHS number, postcode) on referral
 * r, received `ago` days back at 09:00; taken, its case id into out. */
static int s_take(hub_t *h, Carerhub__Referral *r, const char *family, const char *postcode,
                  const char *practice, int ago, char out[32])
{
    if (!r)
        return -1;
    free(r->carer->family_name);
    r->carer->family_name = xstrdup(family);
    free(r->carer->postcode);
    r->carer->postcode = xstrdup(postcode);
    free(r->carer->nhs_number);
    r->carer->nhs_number = NULL;
    if (practice) {
        free(r->gp->practice);
        r->gp->practice = xstrdup(practice);
    }
    free(r->referral_date);
    r->referral_date = xstrdup(hub_day(ago));
    free(r->consent->date);
    r->consent->date = xstrdup(hub_day(ago));
    r->received_at = hub_at(ago, 9);
    return hub_take_case(h, r, out);
}

/*
 * The story, in days before today. Patel (practice F81001, Chelmsford:
 * Carers First) referred 50 days ago, contacted 49 days ago (24 h),
 * supported 25 days ago, closed 20 days ago; referred again by F81002 15
 * days ago (a second episode), contacted 14 days ago (25 h), supported 10
 * days ago. Brown (F81001, Epping Forest: AFC) referred 45 days ago,
 * unable to contact 35 days ago. Green, an urgent discharge (trust RAJ,
 * carer consulted; Chelmsford) 20 days ago, contacted that day (6 h).
 * White (F81002, Colchester: ECS) 5 days ago, waiting.
 */
static int s_story(hub_t *h)
{
    char p1[32], p1b[32], p2[32], p3[32], p4[32];
    if (s_take(h, hub_card("GP-TEST90-1", "gp"), "Patel", "CM2 0AA", "F81001", 50, p1) != 0 ||
        hub_outcome_at(h, "carers-first", "o-1", p1, "contacted", hub_at(49, 9), NULL) !=
            RECORDED ||
        s_take(h, hub_card("GP-TEST90-2", "gp"), "Brown", "CM16 4AA", "F81001", 45, p2) != 0 ||
        hub_outcome_at(h, "afc", "o-2", p2, "unable_to_contact", hub_at(35, 11), NULL) !=
            RECORDED ||
        hub_outcome_at(h, "carers-first", "o-3", p1, "supported", hub_at(25, 10),
                       "information_advice") != RECORDED ||
        hub_outcome_at(h, "carers-first", "o-4", p1, "closed", hub_at(20, 10),
                       "support_complete") != RECORDED ||
        s_take(h, hub_discharge("HD-TEST90-3", hub_day(20), hub_day(19)), "Green", "CM2 0AA", NULL,
               20, p3) != 0 ||
        hub_outcome_at(h, "carers-first", "o-5", p3, "contacted", hub_at(20, 15), NULL) !=
            RECORDED ||
        s_take(h, hub_card("GP-TEST90-4", "gp"), "Patel", "CM2 0AA", "F81002", 15, p1b) != 0 ||
        strcmp(p1, p1b) == 0 ||
        hub_outcome_at(h, "carers-first", "o-6", p1b, "contacted", hub_at(14, 10), NULL) !=
            RECORDED ||
        hub_outcome_at(h, "carers-first", "o-7", p1b, "supported", hub_at(10, 10),
                       "information_advice") != RECORDED ||
        s_take(h, hub_card("GP-TEST90-5", "gp"), "White", "CO1 1AA", "F81002", 5, p4) != 0)
        return -1;
    return 0;
}

static Carerhub__ReportReply *s_ask(hub_t *h, int from_ago, int to_ago)
{
    Carerhub__ReportQuery q = CARERHUB__REPORT_QUERY__INIT;
    Carerhub__ReportReply *rep;
    MDB_txn *txn;
    char msg[200];
    q.from = (char *)hub_day(from_ago);
    q.to = (char *)hub_day(to_ago);
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    rep = router_report(&h->r, txn, &q, date_today(), msg, sizeof msg);
    mdb_txn_abort(txn);
    if (!rep)
        printf("    %s\n", msg);
    return rep;
}

TEST(router_report_after_real_takes_and_outcomes)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReportReply *rep;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_story(&h), 0);

    /* 60 to 31 days ago: Patel's first case and Brown's opened, Patel
     * contacted (24 h); Patel's support came later. */
    CHECK((rep = s_ask(&h, 60, 31)) != NULL);
    CHECK_STR(hub_path_text(rep->path), "2 0 0 1 0 1 0 / 1 0 0 0");
    CHECK_INT(rep->carers_referred, 2);
    CHECK_INT(rep->referrals, 2);
    CHECK_INT(rep->carers_contacted, 1);
    CHECK_STR(hub_times_text(rep->first_contact), "1 24 24");
    CHECK_INT(rep->carers_supported, 0);
    CHECK_INT(rep->carers_supported_since_start, 0);
    CHECK_STR(hub_keys_text(rep->by_provider, rep->n_by_provider), "afc carers-first");
    CHECK_STR(hub_path_text(rep->by_provider[0]->path), "1 0 0 0 0 1 0 / 0 0 0 0");
    CHECK_STR(hub_keys_text(rep->by_authority, rep->n_by_authority), "E07000070 E07000072");
    CHECK_STR(rep->by_authority[1]->name, "Epping Forest");
    carerhub__report_reply__free_unpacked(rep, NULL);

    /* The last 30 days: Green's discharge (urgent, contacted in 6 h),
     * Patel's second episode (25 h, supported), White waiting; Patel
     * supported twice (25 and 10 days ago): one carer. Patel is new to
     * this period: the first episode opened before it. */
    CHECK((rep = s_ask(&h, 30, 1)) != NULL);
    CHECK_STR(hub_path_text(rep->path), "3 1 1 1 0 0 0 / 2 1 1 0");
    CHECK_INT(rep->carers_referred, 3);
    CHECK_INT(rep->referrals, 3);
    CHECK_INT(rep->carers_contacted, 2);
    CHECK_STR(hub_times_text(rep->first_contact), "2 6 25");
    CHECK_INT(rep->carers_supported, 1);
    CHECK_INT(rep->carers_supported_since_start, 1);
    CHECK_INT(rep->discharges, 1);
    CHECK_INT(rep->discharges_consulted, 1);
    CHECK_STR(hub_keys_text(rep->by_provider, rep->n_by_provider), "ecs carers-first");
    CHECK_INT(rep->by_provider[1]->supported, 2);
    carerhub__report_reply__free_unpacked(rep, NULL);

    /* All 60 days: five cases, four carers; contacts in 6, 24 and 25 h
     * (median the second, p90 the third). */
    CHECK((rep = s_ask(&h, 60, 0)) != NULL);
    CHECK_STR(hub_path_text(rep->path), "5 1 1 2 0 1 0 / 3 1 1 0");
    CHECK_INT(rep->carers_referred, 4);
    CHECK_INT(rep->referrals, 5);
    CHECK_STR(hub_times_text(rep->first_contact), "3 24 25");
    CHECK_INT(rep->carers_supported, 1);
    CHECK_STR(hub_keys_text(rep->by_source, rep->n_by_source), "gp discharge");
    CHECK_STR(hub_path_text(rep->by_source[0]->path), "4 1 0 2 0 1 0 / 2 0 0 0");
    CHECK_INT(rep->by_source[0]->referrals, 4);
    CHECK_INT(rep->by_source[0]->contacted, 2);
    CHECK_INT(rep->by_source[0]->supported, 2);
    CHECK_STR(hub_path_text(rep->by_source[1]->path), "1 0 1 0 0 0 0 / 1 1 1 0");
    CHECK_STR(hub_keys_text(rep->referrers, rep->n_referrers), "F81001 F81002 RAJ");
    CHECK_INT(rep->referrers[0]->referrals, 2);
    CHECK_STR(rep->referrers[0]->last_referral, hub_day(45));
    CHECK_STR(rep->referrers[1]->last_referral, hub_day(5));
    CHECK_INT(rep->n_gone_quiet, 0);
    carerhub__report_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}
/* --- the control socket ------------------------------------------------ */

/* Sends env on sock and serves the control socket until the answer. */
static Carerhub__Envelope *s_control(hub_t *h, void *sock, Carerhub__Envelope *env)
{
    Carerhub__Envelope *back = NULL;
    env->has_corr = true;
    env->corr = 11;
    if (wire_send(sock, NULL, env, 0) == 0)
        for (int i = 0; i < 500 && !back; i++) {
            zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
            secure_handle(h->r.sec);
            router_control_drain(&h->r);
            if (zmq_poll(&item, 1, 10) > 0 && wire_recv(sock, false, NULL, &back, 0) != WIRE_OK)
                back = NULL;
        }
    return back;
}

static Carerhub__Envelope *s_ask_report(hub_t *h, void *sock, const char *from, const char *to)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__ReportQuery q = CARERHUB__REPORT_QUERY__INIT;
    q.from = (char *)from;
    q.to = (char *)to;
    env.body_case = CARERHUB__ENVELOPE__BODY_REPORT_QUERY;
    env.report_query = &q;
    return s_control(h, sock, &env);
}

/* The answer's error as "code: message", or "" if it is none. */
static const char *s_err(const Carerhub__Envelope *e)
{
    static char out[300];
    out[0] = '\0';
    if (e && e->body_case == CARERHUB__ENVELOPE__BODY_ERROR)
        snprintf(out, sizeof out, "%s: %s", e->error->code, e->error->message);
    return out;
}

TEST(router_report_served_to_commissioners_who_may_ask_nothing_else)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Envelope *e, env = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatusQuery sq = CARERHUB__STATUS_QUERY__INIT;
    Carerhub__StatsQuery st = CARERHUB__STATS_QUERY__INIT;
    Carerhub__AuditQuery aq = CARERHUB__AUDIT_QUERY__INIT;
    char ep[256];
    void *op, *gp;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_story(&h), 0);
    snprintf(ep, sizeof ep, "ipc://%s/control.ipc", test_tmpdir());
    h.r.control_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.control_sock, "router control socket");
    daemon_bind(h.r.control_sock, ep);
    CHECK((h.client = hub_connect(&hub_commissioner_kp, ep)) != NULL);

    /* The commissioner's report: the last 30 days, as worked out above. */
    e = s_ask_report(&h, h.client, hub_day(30), hub_day(1));
    CHECK(e && e->body_case == CARERHUB__ENVELOPE__BODY_REPORT_REPLY);
    CHECK_INT(e->corr, 11);
    CHECK_INT(e->report_reply->carers_referred, 3);
    CHECK_INT(e->report_reply->carers_supported, 1);
    CHECK_STR(e->report_reply->area, route_area(h.r.rt));
    carerhub__envelope__free_unpacked(e, NULL);
    /* A bad period is a bad request naming the field. */
    e = s_ask_report(&h, h.client, "2026-02-01", "2026-13-01");
    CHECK_STR(s_err(e), "bad_request: to: \"2026-13-01\" is not a date (YYYY-MM-DD)");
    carerhub__envelope__free_unpacked(e, NULL);

    /* Nothing else: a referral's status, the statistics, the audit trail. */
    sq.referral_id = (char *)"GP-TEST1-1";
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &sq;
    e = s_control(&h, h.client, &env);
    CHECK_CONTAINS(s_err(e), "forbidden: status queries need an operator key");
    carerhub__envelope__free_unpacked(e, NULL);
    env.body_case = CARERHUB__ENVELOPE__BODY_STATS_QUERY;
    env.stats_query = &st;
    e = s_control(&h, h.client, &env);
    CHECK_STR(s_err(e), "forbidden: statistics queries need an operator key");
    carerhub__envelope__free_unpacked(e, NULL);
    env.body_case = CARERHUB__ENVELOPE__BODY_AUDIT_QUERY;
    env.audit_query = &aq;
    e = s_control(&h, h.client, &env);
    CHECK_STR(s_err(e), "forbidden: audit queries need an operator key");
    carerhub__envelope__free_unpacked(e, NULL);

    /* An operator may ask for the report; a practice may not. */
    CHECK((op = hub_connect(&hub_operator_kp, ep)) != NULL);
    e = s_ask_report(&h, op, hub_day(30), hub_day(1));
    zmq_close(op);
    CHECK(e && e->body_case == CARERHUB__ENVELOPE__BODY_REPORT_REPLY);
    CHECK_INT(e->report_reply->referrals, 3);
    carerhub__envelope__free_unpacked(e, NULL);
    CHECK((gp = hub_connect(&hub_gp_kp, ep)) != NULL);
    e = s_ask_report(&h, gp, hub_day(30), hub_day(1));
    zmq_close(gp);
    CHECK_STR(s_err(e), "forbidden: reports need an operator or a commissioner key");
    carerhub__envelope__free_unpacked(e, NULL);
    hub_close(&h);
}
