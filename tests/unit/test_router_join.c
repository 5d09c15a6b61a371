/*
 * Unit tests of an operator's join of two cases flagged identity_conflict
 * (router_conflict.c, router_join.c) on a real case store: the standing
 * case's referrals in the order the hub received them, the carer as now
 * known and the routing following the newest in time, not the one joined
 * last; and the cases flagged with the closed case flagged with the
 * standing one instead, their reasons naming it.
 */
#include "test.h"

#include "router_hub.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JANE_NHS "9434765919"

static void s_set(char **field, const char *value)
{
    free(*field);
    *field = value ? xstrdup(value) : NULL;
}

/* A GP card with Jane Smith's NHS number, for given (born dob, living at
 * pc; NULL: Jane as the card has her), received `ago` hours ago. */
static int s_take(hub_t *h, const char *id, const char *given, const char *dob, const char *pc,
                  int ago)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    int rc;
    if (!r)
        return -1;
    if (given)
        s_set(&r->carer->given_name, given);
    if (dob)
        s_set(&r->carer->date_of_birth, dob);
    if (pc) {
        s_set(&r->carer->postcode, pc);
        s_set(&r->carer->address, NULL);
    }
    s_set(&r->carer->nhs_number, JANE_NHS);
    r->received_at = clock_now_ms() - ago * 3600000LL;
    rc = hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc;
}

/* The case's referral ids in its order, space-separated. */
static const char *s_ids(const Carerhub__CaseRecord *c)
{
    static char out[300];
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < c->n_referral_ids; i++)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", i ? " " : "", c->referral_ids[i]);
    return out;
}

TEST(router_join_keeps_the_referrals_in_time_and_routes_on_the_newest)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c1;
    Carerhub__OutboxEntry **es;
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    /* Jane in Chelmsford (C-000001, Carers First); Mary, given Jane's NHS
     * number with another date of birth, in Colchester (C-000002, ECS);
     * then Jane again, a street away (CM2 0AB, still Carers First). */
    CHECK_INT(s_take(&h, "GP-TEST81-1", NULL, NULL, "CM2 0AA", 3), 0);
    CHECK_INT(s_take(&h, "GP-TEST81-2", "Mary", "1975-09-14", "CO4 5AB", 2), 0);
    CHECK_INT(s_take(&h, "GP-TEST81-3", NULL, NULL, "CM2 0AB", 1), 0);
    c1 = hub_case(&h, "C-000001");
    CHECK(c1 && c1->identity_conflict);
    CHECK_STR(c1->carer->postcode, "CM2 0AB");
    carerhub__case_record__free_unpacked(c1, NULL);

    /* The same person after all: Mary's referral is older than Jane's
     * last, so the carer as now known is as Jane's last gave her. */
    CHECK_STR(hub_conflict(&h, "C-000002", "C-000001", "join"), "C-000001 C-000002 carers-first");
    c1 = hub_case(&h, "C-000001");
    CHECK(c1 != NULL);
    /* Listed after the case's own: a delivery queued before the join (its
     * first two) carries the same referrals when sent again. */
    CHECK_STR(s_ids(c1), "GP-TEST81-1 GP-TEST81-3 GP-TEST81-2");
    CHECK_STR(c1->carer->postcode, "CM2 0AB");
    CHECK_STR(c1->carer->given_name, "Jane");
    CHECK_STR(c1->carer->date_of_birth, "1961-04-02");
    CHECK_STR(c1->provider, "carers-first");
    CHECK(!c1->transferred_from);
    carerhub__case_record__free_unpacked(c1, NULL);
    /* Carers First receives the case whole, as an update where it is. */
    n = hub_outbox(&h, "carers-first", &es);
    CHECK(n > 0);
    CHECK_STR(es[n - 1]->kind, "update");
    CHECK_STR(es[n - 1]->case_id, "C-000001");
    CHECK_INT(es[n - 1]->referral_count, 3);
    CHECK_STR(es[n - 1]->snapshot->carer->postcode, "CM2 0AB");
    CHECK_STR(es[n - 1]->snapshot->carer->given_name, "Jane");
    hub_outbox_free(es, n);
    /* ECS: only the closing of Mary's case, nothing of the standing one. */
    n = hub_outbox(&h, "ecs", &es);
    for (size_t i = 0; i < n; i++)
        CHECK_STR(es[i]->case_id, "C-000002");
    hub_outbox_free(es, n);

    /* Jane's first card cancelled: the carer as the two left give her, in
     * the order the hub received them (Mary's, then Jane's last), not in
     * the order they are listed. */
    {
        Carerhub__CancelRequest q = CARERHUB__CANCEL_REQUEST__INIT;
        Carerhub__CancelReply out = CARERHUB__CANCEL_REPLY__INIT;
        const participant_t *gp = secure_participant(h.r.sec, "gp");
        char code[32], msg[300];
        q.referral_id = "GP-TEST81-1";
        q.reason = "changed";
        CHECK(gp != NULL);
        CHECK_INT(router_cancel(&h.r, gp, &q, &out, code, sizeof code, msg, sizeof msg), 0);
        router_cancel_reply_free(&out);
    }
    c1 = hub_case(&h, "C-000001");
    CHECK(c1 != NULL);
    CHECK_STR(c1->carer->postcode, "CM2 0AB");
    carerhub__case_record__free_unpacked(c1, NULL);
    hub_close(&h);
}

TEST(router_join_leaves_no_reason_naming_the_closed_case)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    Carerhub__OutboxEntry **es;
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    /* Three people given one NHS number: Jane (C-000001), Mary, born
     * before her (C-000002), then Ann (C-000003), whose reason names Mary's
     * case (the first by date of birth). */
    CHECK_INT(s_take(&h, "GP-TEST82-1", NULL, NULL, NULL, 3), 0);
    CHECK_INT(s_take(&h, "GP-TEST82-2", "Mary", "1955-01-01", "CO4 5AB", 2), 0);
    CHECK_INT(s_take(&h, "GP-TEST82-3", "Ann", "1990-01-01", "CM16 4AA", 1), 0);
    c = hub_case(&h, "C-000003");
    CHECK(c && c->identity_conflict);
    CHECK_CONTAINS(c->conflict_reason, "case C-000002 ");
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_STR(hub_conflict_alerts(&h),
              "C-000001:C-000002,C-000003 C-000002:C-000001,C-000003 C-000003:C-000002,C-000001");

    /* Mary's case joins Jane's: Ann's is flagged with Jane's alone, and
     * says so. */
    CHECK_STR(hub_conflict(&h, "C-000001", "C-000002", "join"), "C-000001 C-000002 ecs");
    CHECK_STR(hub_conflict_alerts(&h), "C-000001:C-000003 C-000003:C-000001");
    c = hub_case(&h, "C-000003");
    CHECK(c && c->identity_conflict);
    CHECK_CONTAINS(c->conflict_reason, "case C-000001 ");
    CHECK(!strstr(c->conflict_reason, "C-000002"));
    carerhub__case_record__free_unpacked(c, NULL);
    c = hub_case(&h, "C-000001");
    CHECK(c && c->identity_conflict);
    CHECK_CONTAINS(c->conflict_reason, "case C-000003 ");
    carerhub__case_record__free_unpacked(c, NULL);
    /* Ann's organisation's copy names the standing case too. */
    n = hub_outbox(&h, "afc", &es);
    CHECK(n > 0);
    CHECK_STR(es[n - 1]->case_id, "C-000003");
    CHECK(es[n - 1]->snapshot && es[n - 1]->snapshot->identity_conflict);
    CHECK_CONTAINS(es[n - 1]->snapshot->conflict_reason, "case C-000001 ");
    hub_outbox_free(es, n);
    hub_close(&h);
}
