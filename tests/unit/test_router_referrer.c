/*
 * Unit tests of what a referrer may see of a case it referred, on a real
 * case store: where its referral stands, without the routing rule and its
 * explanation (which name what the carer's other referrals gave), and the
 * timeline without reasons, notes or kinds of support.
 */
#include "test.h"

#include "domain/referral.h"
#include "router_hub.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *s_gp_scopes[] = {"F81001", "F81002"};
static char *s_other_scopes[] = {"F81003"};

static participant_t s_key(const char *id, char **scopes, size_t n)
{
    participant_t p;
    memset(&p, 0, sizeof p);
    p.id = (char *)id;
    p.role = ROLE_GP;
    p.scopes = scopes;
    p.nscopes = n;
    return p;
}

/* The sample card (Jane Smith) from practice, with this postcode. */
static int s_take(hub_t *h, const char *id, const char *practice, const char *postcode)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    int rc;
    if (!r)
        return -1;
    free(r->gp->practice);
    r->gp->practice = xstrdup(practice);
    free(r->carer->postcode);
    r->carer->postcode = xstrdup(postcode);
    rc = hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc;
}

static int s_report(hub_t *h, const char *provider, const char *oid, const char *case_id,
                    const char *status, const char *reason, const char *to)
{
    Carerhub__Outcome *o = hub_outcome_new(oid, case_id, status);
    Carerhub__OutcomeResult res;
    int rc;
    o->reason = reason ? xstrdup(reason) : NULL;
    o->to = to ? xstrdup(to) : NULL;
    o->note = xstrdup("Jane's mother has died; she is not caring now");
    rc = hub_report(h, provider, o, &res);
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    return rc;
}

TEST(router_status_for_a_referrer_has_no_routing_words_and_no_reasons)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    participant_t gp = s_key("gp", s_gp_scopes, 2);
    participant_t other = s_key("gp-other", s_other_scopes, 1);
    Carerhub__StatusReply *s;
    Carerhub__ReferralRecord *rec;
    char case_id[32];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST60-1", "F81001", "CM2 0AA"), 0);
    /* The carer's other practice gives a new postcode (still Carers
     * First's): the case's routing now explains that postcode. */
    CHECK_INT(s_take(&h, "GP-TEST60-2", "F81003", "CM2 9QT"), 0);
    CHECK((rec = hub_get(&h, "GP-TEST60-1")) != NULL);
    snprintf(case_id, sizeof case_id, "%s", rec->case_id);
    carerhub__referral_record__free_unpacked(rec, NULL);

    s = hub_status(&h, NULL, "GP-TEST60-1");
    CHECK(s != NULL);
    CHECK(s->rule != NULL);
    CHECK_CONTAINS(s->reason, "CM2 9QT");
    carerhub__status_reply__free_unpacked(s, NULL);
    /* The first practice sees where its referral is, not the new address. */
    s = hub_status(&h, &gp, "GP-TEST60-1");
    CHECK(s != NULL);
    CHECK_INT(s->state, CARERHUB__STATUS_REPLY__STATE__ROUTED);
    CHECK_STR(s->case_id, case_id);
    CHECK_STR(s->provider, "carers-first");
    CHECK(s->contact_by == NULL); /* another referral may have set it */
    CHECK(s->rule == NULL && s->reason == NULL);
    carerhub__status_reply__free_unpacked(s, NULL);

    /* Passed on with words, then closed as bereaved: a referrer learns
     * that, when, and where the case went; not why. */
    CHECK_INT(s_report(&h, "carers-first", "cf-1", case_id, "not_ours",
                       "she lives with her son in Colchester now", "ecs"),
              CARERHUB__OUTCOME_RESULT__RESULT__RECORDED);
    CHECK_INT(s_report(&h, "ecs", "e-1", case_id, "closed", "bereaved", NULL),
              CARERHUB__OUTCOME_RESULT__RESULT__RECORDED);
    s = hub_status(&h, &other, "GP-TEST60-2");
    CHECK(s != NULL);
    CHECK_INT(s->n_timeline, 3);
    CHECK_STR(s->timeline[0]->event, "not_ours");
    CHECK_STR(s->timeline[0]->provider, "carers-first");
    CHECK_STR(s->timeline[0]->to, "ecs");
    CHECK_STR(s->timeline[1]->event, "transferred");
    CHECK_STR(s->timeline[1]->provider_name, "Carers First");
    CHECK_STR(s->timeline[1]->to_name, "Essex Carers Support");
    CHECK_STR(s->timeline[2]->event, "closed");
    CHECK_STR(s->timeline[2]->provider, "ecs");
    for (size_t i = 0; i < s->n_timeline; i++) {
        CHECK(s->timeline[i]->has_at && s->timeline[i]->has_recorded_at);
        CHECK(s->timeline[i]->reason == NULL);
        CHECK(s->timeline[i]->note == NULL);
        CHECK(s->timeline[i]->referral_id == NULL);
        CHECK_INT(s->timeline[i]->n_support, 0);
    }
    carerhub__status_reply__free_unpacked(s, NULL);
    /* The operator reads it all. */
    s = hub_status(&h, NULL, "GP-TEST60-2");
    CHECK(s != NULL && s->n_timeline == 3);
    CHECK_STR(s->timeline[0]->reason, "she lives with her son in Colchester now");
    CHECK_STR(s->timeline[1]->reason, "not_ours");
    CHECK_STR(s->timeline[2]->reason, "bereaved");
    CHECK_CONTAINS(s->timeline[2]->note, "not caring");
    carerhub__status_reply__free_unpacked(s, NULL);
    hub_close(&h);
}
