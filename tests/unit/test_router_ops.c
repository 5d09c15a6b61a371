/*
 * Unit tests of what the router answers an operator about what waits in
 * the hub (router_ops.c, router_parked.c, router_conflict.c) on a real
 * case store: the queues' figures against the outbox as the test reads it;
 * a parked referral listed, released over its bound (routed into the
 * carer's case: the operator decided; the bound stands for the next),
 * released while it still fails its checks (parked again), or rejected
 * (its referrer reads rejected, with the reason); two cases of
 * one NHS number joined (the referrals moved, the newer closed, the report
 * counting one carer) or kept apart (the flags cleared, each organisation
 * told); pairs that are not in conflict refused; and every key but an
 * operator's refused on the control socket.
 */
#include "test.h"

#include "router_hub.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define RECORDED CARERHUB__OUTCOME_RESULT__RESULT__RECORDED
#define JANE_NHS "9434765919"

/* Jane Smith's card (Chelmsford: Carers First, NHS number 943 476 5919),
 * or another carer with given name, date of birth and postcode changed
 * (the same NHS number unless nhs is NULL), taken from practice "gp". */
static int s_take(hub_t *h, const char *id, const char *given, const char *dob, const char *pc,
                  const char *nhs)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    int rc;
    if (!r)
        return -1;
    if (given) {
        free(r->carer->given_name);
        r->carer->given_name = xstrdup(given);
        free(r->carer->date_of_birth);
        r->carer->date_of_birth = xstrdup(dob);
        free(r->carer->postcode);
        r->carer->postcode = xstrdup(pc);
        free(r->carer->nhs_number);
        r->carer->nhs_number = nhs ? xstrdup(nhs) : NULL;
    }
    rc = hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc;
}

static const char *s_case_of(hub_t *h, const char *rid)
{
    static char out[4][32];
    static int next;
    Carerhub__ReferralRecord *rec = hub_get(h, rid);
    char *o = out[next++ % 4];
    snprintf(o, 32, "%s", rec && rec->case_id ? rec->case_id : "(none)");
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    return o;
}

/* The parked referrals' ids, oldest first, space-separated. */
static const char *s_parked(hub_t *h, uint32_t *total)
{
    static char out[300];
    Carerhub__ParkedReply *p;
    MDB_txn *txn;
    size_t n = 0;
    out[0] = '\0';
    if (store_read(h->r.store, &txn) != 0)
        return out;
    p = router_parked(&h->r, txn, NULL);
    mdb_txn_abort(txn);
    for (size_t i = 0; i < p->n_items; i++)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", i ? " " : "",
                              p->items[i]->referral_id);
    *total = p->total;
    carerhub__parked_reply__free_unpacked(p, NULL);
    return out;
}

/* An operator's action on a parked referral: its result ("released
 * C-000001 carers-first", "parked_again: REASON", "rejected: REASON") or
 * "CODE: MESSAGE". */
static const char *s_parked_act(hub_t *h, const char *id, const char *action, const char *reason)
{
    static char out[600];
    Carerhub__ParkedAction q = CARERHUB__PARKED_ACTION__INIT;
    Carerhub__ParkedActionReply a;
    char code[32], msg[400];
    q.referral_id = (char *)id;
    q.action = (char *)action;
    q.reason = (char *)reason;
    if (router_parked_action(&h->r, "operator", &q, &a, code, sizeof code, msg, sizeof msg) != 0) {
        snprintf(out, sizeof out, "%s: %s", code, msg);
        return out;
    }
    if (strcmp(a.result, "released") == 0)
        snprintf(out, sizeof out, "released %s %s", a.case_id, a.provider);
    else
        snprintf(out, sizeof out, "%s: %s", a.result, a.reason ? a.reason : "");
    router_parked_reply_free(&a);
    return out;
}

/* The newest outbox entry for provider as "KIND CASE vVERSION", with
 * " closed:REASON" and " flagged" when so; "(none)" if empty. */
static const char *s_last_delivery(hub_t *h, const char *provider)
{
    static char out[200];
    Carerhub__OutboxEntry **es;
    size_t n = hub_outbox(h, provider, &es);
    const Carerhub__OutboxEntry *e = n ? es[n - 1] : NULL;
    const Carerhub__Case *s = e ? e->snapshot : NULL;
    snprintf(out, sizeof out, "(none)");
    if (e)
        snprintf(out, sizeof out, "%s %s v%u%s%s%s", e->kind, e->case_id, s ? s->version : 0,
                 s && s->closed ? " closed:" : "", s && s->closed ? s->closed_reason : "",
                 s && s->identity_conflict ? " flagged" : "");
    hub_outbox_free(es, n);
    return out;
}

static bool s_audited(hub_t *h, const char *event, const char *case_id)
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
        found = a && a->event && strcmp(a->event, event) == 0 &&
                (!case_id || (a->case_id && strcmp(a->case_id, case_id) == 0));
        if (a)
            carerhub__audit_record__free_unpacked(a, NULL);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return found;
}

TEST(router_ops_queues_count_waiting_deliveries_agents_and_open_cases)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__QueuesReply *q;
    Carerhub__OutboxEntry **es;
    MDB_txn *txn;
    int64_t oldest;
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST91-1", NULL, NULL, NULL, NULL), 0); /* Jane: Carers First */
    CHECK_INT(s_take(&h, "GP-TEST91-2", "Ann", "1990-01-01", "CM2 0AB", NULL), 0);
    CHECK_INT(s_take(&h, "GP-TEST91-3", "Bob", "1970-03-03", "CO1 1AA", NULL), 0); /* ECS */
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o-1", s_case_of(&h, "GP-TEST91-2"), "closed",
                             clock_now_ms(), "other"),
              RECORDED);
    /* The oldest waiting delivery of Carers First, as its outbox holds it. */
    n = hub_outbox(&h, "carers-first", &es);
    CHECK_INT(n, 2);
    oldest = es[0]->queued_at;
    hub_outbox_free(es, n);
    /* An agent heard 5 s ago, still connected. */
    h.r.nagents = 1;
    memset(&h.r.agents[0], 0, sizeof h.r.agents[0]);
    snprintf(h.r.agents[0].provider, sizeof h.r.agents[0].provider, "carers-first");
    h.r.agents[0].connected = true;
    h.r.agents[0].last_seen = clock_mono_ms() - 5000;
    CHECK_INT(store_read(h.r.store, &txn), 0);
    q = router_queues(&h.r, txn);
    mdb_txn_abort(txn);
    h.r.nagents = 0;
    /* Every provider of the routing, in its order. */
    CHECK_INT(q->n_queues, route_provider_count(h.r.rt));
    for (size_t i = 0; i < q->n_queues; i++) {
        const Carerhub__Queue *e = q->queues[i];
        CHECK_STR(e->provider, route_provider_id(h.r.rt, (int)i));
        if (strcmp(e->provider, "carers-first") == 0) {
            CHECK_STR(e->provider_name, "Carers First");
            CHECK_INT(e->waiting, 2); /* Jane's and Ann's cases, new */
            CHECK_INT(e->oldest_at, oldest);
            CHECK_STR(e->oldest_case, "C-000001");
            CHECK(e->connected);
            CHECK(e->last_seen > clock_now_ms() - 7000 && e->last_seen < clock_now_ms() - 3000);
            CHECK_INT(e->open_cases, 1); /* Ann's is closed */
        } else if (strcmp(e->provider, "ecs") == 0) {
            CHECK_INT(e->waiting, 1);
            CHECK_STR(e->oldest_case, "C-000003");
            CHECK(!e->connected);
            CHECK_INT(e->last_seen, 0);
            CHECK_INT(e->open_cases, 1);
        } else {
            CHECK_INT(e->waiting, 0);
            CHECK_INT(e->open_cases, 0);
            CHECK(!e->has_oldest_at && !e->oldest_case);
        }
    }
    carerhub__queues_reply__free_unpacked(q, NULL);
    hub_close(&h);
}

TEST(router_ops_parked_listed_oldest_first_released_past_its_bound_for_that_one)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    uint32_t total = 0;
    Carerhub__ParkedReply *p;
    MDB_txn *txn;
    CHECK_INT(hub_open(&h, 1), 0); /* one referral of a carer per submitter */
    CHECK_INT(s_take(&h, "GP-TEST92-1", NULL, NULL, NULL, NULL), 0);
    CHECK_INT(s_take(&h, "GP-TEST92-3", NULL, NULL, NULL, NULL), 0);
    usleep(5000);
    CHECK_INT(s_take(&h, "GP-TEST92-2", NULL, NULL, NULL, NULL), 0);
    /* Oldest first, not in the order of their ids. */
    CHECK_STR(s_parked(&h, &total), "GP-TEST92-3 GP-TEST92-2");
    CHECK_INT(total, 2);
    CHECK_INT(store_read(h.r.store, &txn), 0);
    p = router_parked(&h.r, txn, NULL);
    mdb_txn_abort(txn);
    CHECK_CONTAINS(p->items[0]->reason, "case C-000001 already holds 1 referrals from gp");
    CHECK(p->items[0]->has_source && p->items[0]->source == CARERHUB__SOURCE__GP);
    CHECK_STR(p->items[0]->organisation, "F81001");
    CHECK_STR(p->items[0]->submitted_by, "gp");
    carerhub__parked_reply__free_unpacked(p, NULL);

    /* Over the bound still, but an operator's release is the decision
     * that it goes in: taken into the carer's case, delivered as an
     * update, the parked entry gone. */
    CHECK_STR(s_parked_act(&h, "GP-TEST92-3", "release", NULL), "released C-000001 carers-first");
    CHECK_STR(s_case_of(&h, "GP-TEST92-3"), "C-000001");
    CHECK_STR(s_last_delivery(&h, "carers-first"), "update C-000001 v2");
    CHECK_STR(s_parked(&h, &total), "GP-TEST92-2");
    CHECK_INT(hub_stat(&h, "parked"), 2);
    CHECK_INT(hub_stat(&h, "parked_released"), 1);
    CHECK(s_audited(&h, "parked-released", "C-000001"));
    /* For that one referral: the practice's next still waits. */
    CHECK_INT(s_take(&h, "GP-TEST92-4", NULL, NULL, NULL, NULL), 0);
    CHECK_STR(s_parked(&h, &total), "GP-TEST92-2 GP-TEST92-4");
    /* Not parked any more: not found, saying where it is. */
    CHECK_STR(s_parked_act(&h, "GP-TEST92-3", "release", NULL),
              "not_found: referral GP-TEST92-3 is not parked: it is in case C-000001");
    CHECK_STR(s_parked_act(&h, "GP-NOSUCH-1", "reject", "x"),
              "not_found: no parked referral GP-NOSUCH-1");
    CHECK_STR(s_parked_act(&h, "GP-TEST92-2", "hold", NULL),
              "bad_request: action: must be release or reject");
    hub_close(&h);
}

TEST(router_ops_parked_released_while_it_fails_its_checks_is_parked_again)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Referral *r;
    uint32_t total = 0;
    CHECK_INT(hub_open(&h, 50), 0);
    /* A referral date that is no date: parked when taken. */
    CHECK((r = hub_card("GP-TEST97-1", "gp")) != NULL);
    free(r->referral_date);
    r->referral_date = xstrdup("2026-13-01");
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", r), 0);
    carerhub__referral__free_unpacked(r, NULL);
    CHECK_STR(s_parked(&h, &total), "GP-TEST97-1");
    /* Released, it is checked again as any referral is: parked again. */
    CHECK_STR(s_parked_act(&h, "GP-TEST97-1", "release", NULL),
              "parked_again: no valid referral_date");
    CHECK_STR(s_parked(&h, &total), "GP-TEST97-1");
    CHECK(hub_get(&h, "GP-TEST97-1") == NULL);
    CHECK_INT(hub_stat(&h, "parked_released"), 0);
    hub_close(&h);
}

TEST(router_ops_rejected_referral_reads_rejected_with_the_reason_for_its_referrer)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    const char *why = "a second card for a carer already with Carers First";
    const participant_t *gp;
    Carerhub__StatusReply *s;
    Carerhub__FeedbackQuery fq = CARERHUB__FEEDBACK_QUERY__INIT;
    Carerhub__FeedbackReply *fb;
    Carerhub__ParkedEntry *kept;
    MDB_txn *txn;
    uint32_t total;
    char msg[200];
    CHECK_INT(hub_open(&h, 1), 0);
    CHECK_INT(s_take(&h, "GP-TEST93-1", NULL, NULL, NULL, NULL), 0);
    CHECK_INT(s_take(&h, "GP-TEST93-2", NULL, NULL, NULL, NULL), 0);
    CHECK_STR(s_parked(&h, &total), "GP-TEST93-2");
    /* No reason, no rejection: the field named, and what not to write. */
    CHECK_CONTAINS(s_parked_act(&h, "GP-TEST93-2", "reject", "  "), "bad_request: reason: ");
    CHECK_CONTAINS(s_parked_act(&h, "GP-TEST93-2", "reject", NULL), "no personal data");
    CHECK_STR(s_parked(&h, &total), "GP-TEST93-2");

    CHECK_STR(s_parked_act(&h, "GP-TEST93-2", "reject", why), "rejected: a second card for a "
                                                              "carer already with Carers First");
    CHECK_STR(s_parked(&h, &total), "");
    CHECK_INT(total, 0);
    CHECK_INT(hub_stat(&h, "parked_rejected"), 1);
    CHECK(s_audited(&h, "parked-rejected", NULL));
    /* Its referrer: rejected, with the reason, in its status and feedback. */
    CHECK((gp = secure_participant(h.r.sec, "gp")) != NULL);
    CHECK((s = hub_status(&h, gp, "GP-TEST93-2")) != NULL);
    CHECK_STR(s->progress, "rejected");
    CHECK_CONTAINS(s->detail, why);
    CHECK(s->case_id == NULL);
    carerhub__status_reply__free_unpacked(s, NULL);
    CHECK_INT(store_read(h.r.store, &txn), 0);
    fb = router_feedback(&h.r, txn, gp, &fq, msg, sizeof msg);
    kept = router_rejected(&h.r, txn, "GP-TEST93-2");
    mdb_txn_abort(txn);
    CHECK(fb != NULL);
    CHECK_INT(fb->n_items, 2);
    CHECK_STR(fb->items[1]->referral_id, "GP-TEST93-2");
    CHECK_STR(fb->items[1]->state, "rejected");
    CHECK_STR(fb->items[1]->organisation, "F81001");
    carerhub__feedback_reply__free_unpacked(fb, NULL);
    /* What is kept of it names no one. */
    CHECK(kept && kept->referral && !kept->referral->carer && !kept->referral->referrer &&
          !kept->referral->cared_for);
    carerhub__parked_entry__free_unpacked(kept, NULL);
    /* Sent again by its intake, it is not taken; rejected, not parked. */
    CHECK_INT(s_take(&h, "GP-TEST93-2", NULL, NULL, NULL, NULL), 0);
    CHECK(hub_get(&h, "GP-TEST93-2") == NULL);
    CHECK_CONTAINS(s_parked_act(&h, "GP-TEST93-2", "release", NULL),
                   "not_found: referral GP-TEST93-2 is not parked: it was rejected on ");
    hub_close(&h);
}

/* Jane (C-000001, Carers First) and Mary (C-000002, Essex Carers Support),
 * given Jane's NHS number with another date of birth: flagged. */
static int s_two(hub_t *h)
{
    if (s_take(h, "GP-TEST94-1", NULL, NULL, NULL, NULL) != 0 ||
        s_take(h, "GP-TEST94-2", "Mary", "1975-09-14", "CO4 5AB", JANE_NHS) != 0)
        return -1;
    return 0;
}

static Carerhub__ReportReply *s_report(hub_t *h)
{
    Carerhub__ReportQuery q = CARERHUB__REPORT_QUERY__INIT;
    Carerhub__ReportReply *rep;
    MDB_txn *txn;
    char msg[200];
    q.from = (char *)"2026-11-01";
    q.to = (char *)hub_day(0);
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    rep = router_report(&h->r, txn, &q, date_today(), msg, sizeof msg);
    mdb_txn_abort(txn);
    return rep;
}

TEST(router_ops_join_moves_the_referrals_closes_the_newer_and_counts_one_carer)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c1, *c2;
    Carerhub__ReportReply *rep;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_two(&h), 0);
    CHECK_STR(hub_conflict_alerts(&h), "C-000001:C-000002 C-000002:C-000001");
    /* Mary's organisation supported her before the operator looked. */
    CHECK_INT(hub_outcome_at(&h, "ecs", "o-1", "C-000002", "supported", clock_now_ms() - 60000,
                             "information_advice"),
              RECORDED);
    CHECK_STR(hub_conflict(&h, "C-000002", "C-000001", "join"), "C-000001 C-000002 ecs");
    c1 = hub_case(&h, "C-000001");
    c2 = hub_case(&h, "C-000002");
    CHECK(c1 && c2);
    /* The older case holds both referrals, routed as the carer is now
     * known (Mary's newer postcode: moved to ECS as a transfer). */
    CHECK_INT(c1->n_referral_ids, 2);
    CHECK_STR(c1->referral_ids[1], "GP-TEST94-2");
    CHECK_STR(s_case_of(&h, "GP-TEST94-2"), "C-000001");
    CHECK_STR(c1->provider, "ecs");
    CHECK(!c1->closed && !c1->identity_conflict && !c1->conflict_reason);
    CHECK(c2->closed && !c2->identity_conflict);
    CHECK_STR(c2->closed_reason, "joined");
    CHECK_STR(c2->next_case, "C-000001");
    CHECK_CONTAINS(c2->reason, "joined into case C-000001");
    carerhub__case_record__free_unpacked(c1, NULL);
    carerhub__case_record__free_unpacked(c2, NULL);
    /* Carers First: its case has gone; ECS: Mary's case closed into
     * C-000001, which arrives whole. */
    CHECK_STR(s_last_delivery(&h, "carers-first"), "transfer_out C-000001 v3");
    CHECK_STR(s_last_delivery(&h, "ecs"), "transfer_in C-000001 v3");
    {
        Carerhub__OutboxEntry **es;
        size_t n = hub_outbox(&h, "ecs", &es);
        CHECK_INT(n, 3);
        CHECK_STR(es[1]->kind, "update");
        CHECK_STR(es[1]->case_id, "C-000002");
        CHECK(es[1]->snapshot && es[1]->snapshot->closed);
        CHECK_STR(es[1]->snapshot->closed_reason, "joined");
        CHECK_INT(es[2]->referral_count, 2);
        hub_outbox_free(es, n);
    }
    CHECK_STR(hub_conflict_alerts(&h), "");
    CHECK(!hub_has(&h, DB_CONFLICTS, "C-000001") && !hub_has(&h, DB_CONFLICTS, "C-000002"));
    CHECK_INT(hub_stat(&h, "conflicts_joined"), 1);
    CHECK(s_audited(&h, "conflict-joined", "C-000001"));
    /* One carer referred (two cases), supported once; the support went
     * with the carer to the standing case, so that ECS's support of it
     * now counts no second carer. */
    CHECK((rep = s_report(&h)) != NULL);
    CHECK_INT(rep->path->referred, 2);
    CHECK_INT(rep->carers_referred, 1);
    CHECK_INT(rep->referrals, 2);
    CHECK_INT(rep->carers_supported, 1);
    carerhub__report_reply__free_unpacked(rep, NULL);
    CHECK_INT(hub_outcome_at(&h, "ecs", "o-2", "C-000001", "supported", clock_now_ms(),
                             "carers_assessment"),
              RECORDED);
    CHECK((rep = s_report(&h)) != NULL);
    CHECK_INT(rep->carers_supported, 1);
    CHECK_INT(rep->carers_referred, 1);
    carerhub__report_reply__free_unpacked(rep, NULL);
    /* A referral with Mary's details now joins the standing case. */
    CHECK_INT(s_take(&h, "GP-TEST94-3", "Mary", "1975-09-14", "CO4 5AB", JANE_NHS), 0);
    CHECK_STR(s_case_of(&h, "GP-TEST94-3"), "C-000001");
    /* Joined once: the closed case is refused. */
    CHECK_CONTAINS(hub_conflict(&h, "C-000002", "C-000001", "join"),
                   "bad_request: case C-000002 is closed (joined)");
    hub_close(&h);
}

TEST(router_ops_join_of_two_supported_cases_counts_one_carer_supported)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReportReply *rep;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_two(&h), 0);
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o-1", "C-000001", "supported",
                             clock_now_ms() - 120000, "information_advice"),
              RECORDED);
    CHECK_INT(
        hub_outcome_at(&h, "ecs", "o-2", "C-000002", "supported", clock_now_ms() - 60000, "break"),
        RECORDED);
    CHECK((rep = s_report(&h)) != NULL);
    CHECK_INT(rep->carers_supported, 2); /* two people, as far as the hub knows */
    carerhub__report_reply__free_unpacked(rep, NULL);
    CHECK_STR(hub_conflict(&h, "C-000001", "C-000002", "join"), "C-000001 C-000002 ecs");
    CHECK((rep = s_report(&h)) != NULL);
    CHECK_INT(rep->carers_supported, 1);
    CHECK_INT(rep->carers_supported_since_start, 1);
    CHECK_INT(rep->carers_referred, 1);
    carerhub__report_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}

TEST(router_ops_keep_apart_clears_the_flags_and_tells_each_organisation)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_two(&h), 0);
    /* Ann, in Epping Forest (AFC), given the number too: with both. */
    CHECK_INT(s_take(&h, "GP-TEST94-3", "Ann", "1990-01-01", "CM16 4AA", JANE_NHS), 0);
    CHECK_STR(hub_conflict_alerts(&h),
              "C-000001:C-000002,C-000003 C-000002:C-000001,C-000003 C-000003:C-000001,C-000002");
    CHECK_STR(hub_conflict(&h, "C-000001", "C-000002", "keep_apart"), "C-000001 - carers-first");
    /* Still flagged with Ann's case, and saying so. */
    CHECK_STR(hub_conflict_alerts(&h), "C-000001:C-000003 C-000002:C-000003 C-000003:C-000001,"
                                       "C-000002");
    c = hub_case(&h, "C-000001");
    CHECK(c && c->identity_conflict);
    CHECK_CONTAINS(c->conflict_reason, "case C-000003 ");
    carerhub__case_record__free_unpacked(c, NULL);
    /* Mary's case was flagged already when Ann's came: its second version. */
    CHECK_STR(s_last_delivery(&h, "ecs"), "update C-000002 v2 flagged");
    /* Apart from Ann too: no other conflict, no flag; its organisation
     * hears of it in an update of the case alone. */
    CHECK_STR(hub_conflict(&h, "C-000003", "C-000001", "keep_apart"), "C-000003 - afc");
    c = hub_case(&h, "C-000001");
    CHECK(c && !c->identity_conflict && !c->conflict_reason);
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK(!hub_has(&h, DB_CONFLICTS, "C-000001"));
    /* new, flagged (Mary's), apart from Mary, apart from Ann. */
    CHECK_STR(s_last_delivery(&h, "carers-first"), "update C-000001 v4");
    CHECK_STR(hub_conflict_alerts(&h), "C-000002:C-000003 C-000003:C-000002");
    CHECK_INT(hub_stat(&h, "conflicts_kept_apart"), 2);
    CHECK(s_audited(&h, "conflict-kept-apart", "C-000003"));
    hub_close(&h);
}

TEST(router_ops_conflict_refuses_cases_not_flagged_with_each_other)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_two(&h), 0);
    CHECK_INT(s_take(&h, "GP-TEST95-1", "Bob", "1970-03-03", "CO1 1AA", NULL), 0); /* C-000003 */
    CHECK_STR(hub_conflict(&h, "C-000001", "C-000003", "join"),
              "bad_request: case C-000003 is not flagged identity_conflict");
    CHECK_STR(hub_conflict(&h, "C-000001", "C-000001", "join"),
              "bad_request: other_case_id: the same case as case_id; give the other one");
    CHECK_STR(hub_conflict(&h, "C-000001", "C-000099", "join"),
              "not_found: other_case_id: no case C-000099");
    CHECK_STR(hub_conflict(&h, "C-000001", "C-000002", "merge"),
              "bad_request: action: must be join (the same person) or keep_apart (two people)");
    CHECK_STR(hub_conflict(&h, "C-1", "C-000002", "join"),
              "bad_request: case_id: give a case id (C-000123)");
    /* A third case flagged, but with others: not with this pair's first. */
    CHECK_INT(s_take(&h, "GP-TEST95-2", "Ann", "1990-01-01", "CM16 4AA", "4010232137"), 0);
    CHECK_INT(s_take(&h, "GP-TEST95-3", "Liz", "1991-01-01", "CM16 4AA", "4010232137"), 0);
    CHECK_STR(hub_conflict(&h, "C-000001", "C-000004", "keep_apart"),
              "bad_request: cases C-000001 and C-000004 are not flagged with each other "
              "(C-000001 is with C-000002)");
    hub_close(&h);
}

/* --- the control socket ------------------------------------------------ */

/* Sends env on sock and serves the control socket until the answer: its
 * error's code, or the body's number. */
static const char *s_ask(hub_t *h, void *sock, Carerhub__Envelope *env)
{
    static char out[64];
    Carerhub__Envelope *back = NULL;
    env->has_corr = true;
    env->corr = 7;
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
    else if (back)
        snprintf(out, sizeof out, "body %d", (int)back->body_case);
    if (back)
        carerhub__envelope__free_unpacked(back, NULL);
    return out;
}

TEST(router_ops_control_socket_answers_operators_and_refuses_every_other_key)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Envelope env[4];
    Carerhub__QueuesQuery qq = CARERHUB__QUEUES_QUERY__INIT;
    Carerhub__ParkedQuery pq = CARERHUB__PARKED_QUERY__INIT;
    Carerhub__ParkedAction pa = CARERHUB__PARKED_ACTION__INIT;
    Carerhub__ConflictAction ca = CARERHUB__CONFLICT_ACTION__INIT;
    const keypair_t *others[] = {&hub_gp_kp, &hub_agent_kp, &hub_commissioner_kp};
    char ep[256], want[32];
    void *s;
    CHECK_INT(hub_open(&h, 1), 0);
    CHECK_INT(s_two(&h), 0);
    CHECK_INT(s_take(&h, "GP-TEST96-1", NULL, NULL, NULL, NULL), 0); /* parked */
    for (int i = 0; i < 4; i++)
        carerhub__envelope__init(&env[i]);
    env[0].body_case = CARERHUB__ENVELOPE__BODY_QUEUES_QUERY;
    env[0].queues_query = &qq;
    env[1].body_case = CARERHUB__ENVELOPE__BODY_PARKED_QUERY;
    env[1].parked_query = &pq;
    pa.referral_id = (char *)"GP-TEST96-1";
    pa.action = (char *)"reject";
    pa.reason = (char *)"sent twice";
    env[2].body_case = CARERHUB__ENVELOPE__BODY_PARKED_ACTION;
    env[2].parked_action = &pa;
    ca.case_id = (char *)"C-000001";
    ca.other_case_id = (char *)"C-000002";
    ca.action = (char *)"keep_apart";
    env[3].body_case = CARERHUB__ENVELOPE__BODY_CONFLICT_ACTION;
    env[3].conflict_action = &ca;
    snprintf(ep, sizeof ep, "ipc://%s/control.ipc", test_tmpdir());
    h.r.control_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.control_sock, "router control socket");
    daemon_bind(h.r.control_sock, ep);

    /* A practice's, a provider's and a commissioner's key: refused, and
     * nothing done. */
    for (size_t k = 0; k < sizeof others / sizeof *others; k++) {
        CHECK((s = hub_connect(others[k], ep)) != NULL);
        for (int i = 0; i < 4; i++)
            CHECK_STR(s_ask(&h, s, &env[i]), "forbidden");
        zmq_close(s);
    }
    CHECK(hub_has(&h, DB_PARKED, "GP-TEST96-1"));
    CHECK(hub_has(&h, DB_CONFLICTS, "C-000001"));
    /* The operator's: answered, each with its reply. */
    CHECK((s = hub_connect(&hub_operator_kp, ep)) != NULL);
    snprintf(want, sizeof want, "body %d", CARERHUB__ENVELOPE__BODY_QUEUES_REPLY);
    CHECK_STR(s_ask(&h, s, &env[0]), want);
    snprintf(want, sizeof want, "body %d", CARERHUB__ENVELOPE__BODY_PARKED_REPLY);
    CHECK_STR(s_ask(&h, s, &env[1]), want);
    snprintf(want, sizeof want, "body %d", CARERHUB__ENVELOPE__BODY_PARKED_ACTION_REPLY);
    CHECK_STR(s_ask(&h, s, &env[2]), want);
    snprintf(want, sizeof want, "body %d", CARERHUB__ENVELOPE__BODY_CONFLICT_REPLY);
    CHECK_STR(s_ask(&h, s, &env[3]), want);
    zmq_close(s);
    CHECK(!hub_has(&h, DB_PARKED, "GP-TEST96-1"));
    CHECK(!hub_has(&h, DB_CONFLICTS, "C-000001"));
    hub_close(&h);
}
