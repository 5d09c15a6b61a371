/*
 * Unit tests of a carer's own referral (source self, from the public form)
 * in the router, on a real case store. Nobody vouches for who sent it, so
 * it never joins a case by itself: one that would match an open case (by
 * NHS number and date of birth, or by names, date of birth and postcode)
 * opens a case of its own, both flagged identity_conflict with each other
 * for an operator, and the case that was there keeps its carer, its
 * organisation and its index keys. What the carer is told when the consent
 * is not theirs names the field, not what they wrote.
 */
#include "test.h"

#include "domain/referral.h"
#include "fixture.h"
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

/* A carer's own referral, as carerhub-self-intake forwards it, from
 * someone giving Jane Smith's names and date of birth (and NHS number, if
 * nhs) with their own postcode and phone. */
static Carerhub__Referral *s_own(const char *id, const char *postcode, const char *phone,
                                 const char *nhs)
{
    Carerhub__Referral *r = fixture_sample("config/samples/self.yaml", CARERHUB__SOURCE__SELF, 0);
    if (!r)
        return NULL;
    r->id = xstrdup(id);
    r->has_source = true;
    r->source = CARERHUB__SOURCE__SELF;
    r->has_received_at = true;
    r->received_at = clock_now_ms();
    r->referral_date = xstrdup(hub_day(0));
    r->submitted_by = xstrdup("web/public");
    s_set(&r->carer->given_name, "Jane");
    s_set(&r->carer->family_name, "Smith");
    s_set(&r->carer->date_of_birth, "1961-04-02");
    s_set(&r->carer->postcode, postcode);
    s_set(&r->carer->phone, phone);
    s_set(&r->carer->email, "someone@example.org");
    s_set(&r->carer->address, NULL);
    s_set(&r->carer->nhs_number, nhs);
    return r;
}

static int s_take_own(hub_t *h, Carerhub__Referral *r)
{
    int rc;
    if (!r)
        return -1;
    rc = hub_take(h, CARERHUB__SOURCE__SELF, "self-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc;
}

/* Jane Smith's GP card (Chelmsford, CM2 0AA: Carers First), with her NHS
 * number unless nhs is false. */
static int s_take_gp(hub_t *h, const char *id, bool nhs)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    int rc;
    if (!r)
        return -1;
    if (!nhs)
        s_set(&r->carer->nhs_number, NULL);
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

/* The case the conflicts table lists case id with, joined by commas. */
static const char *s_listed_with(hub_t *h, const char *id)
{
    static char out[200];
    char ids[ROUTER_CONFLICTS_MAX][CASE_ID_MAX + 1];
    Carerhub__CaseRecord *c = hub_case(h, id);
    MDB_txn *txn;
    size_t n = 0, len = 0;
    out[0] = '\0';
    if (c && store_read(h->r.store, &txn) == 0) {
        n = router_conflict_with(&h->r, txn, c, ids);
        mdb_txn_abort(txn);
    }
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", i ? "," : "", ids[i]);
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    return out;
}

/* What case id holds of the carer and where it is: "PROVIDER N POSTCODE /
 * PHONE / EMAIL / ADDRESS" (N its referrals). */
static const char *s_held(hub_t *h, const char *id)
{
    static char out[300];
    Carerhub__CaseRecord *c = hub_case(h, id);
    snprintf(out, sizeof out, "(no case %s)", id);
    if (c && c->carer)
        snprintf(out, sizeof out, "%s %zu %s / %s / %s / %s", c->provider, c->n_referral_ids,
                 c->carer->postcode, c->carer->phone, c->carer->email,
                 c->carer->address ? c->carer->address : "-");
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    return out;
}

/* Jane's case as her GP card made it. */
#define JANE_HELD(n)                                                                               \
    "carers-first " #n " CM2 0AA / 07700 900123 / jane@example.org / 1 High Street, Chelmsford"

TEST(router_self_referral_with_the_nhs_number_of_an_open_case_opens_its_own)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    Carerhub__OutboxEntry **es;
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take_gp(&h, "GP-TEST71-1", true), 0);
    CHECK_STR(s_case_of(&h, "GP-TEST71-1"), "C-000001");
    /* Jane's names, date of birth and NHS number, from Colchester. */
    CHECK_INT(s_take_own(&h, s_own("SR-TEST71-1", "CO1 1AA", "07700 900999", JANE_NHS)), 0);
    CHECK_STR(s_case_of(&h, "SR-TEST71-1"), "C-000002");
    CHECK_STR(s_held(&h, "C-000001"), JANE_HELD(1));
    c = hub_case(&h, "C-000001");
    CHECK(c && c->identity_conflict);
    CHECK_CONTAINS(c->conflict_reason, "C-000002");
    carerhub__case_record__free_unpacked(c, NULL);
    /* Its own case, where its postcode routes: Essex Carers Support. */
    c = hub_case(&h, "C-000002");
    CHECK(c && c->identity_conflict);
    CHECK_STR(c->provider, "ecs");
    CHECK_STR(c->carer->postcode, "CO1 1AA");
    CHECK_INT(c->n_referral_ids, 1);
    CHECK_STR(c->conflict_reason, "a carer's own referral that may be the same person as "
                                  "C-000001: a person must look");
    carerhub__case_record__free_unpacked(c, NULL);
    /* Both in the conflicts table and the alerts, each with the other. */
    CHECK_STR(s_listed_with(&h, "C-000001"), "C-000002");
    CHECK_STR(s_listed_with(&h, "C-000002"), "C-000001");
    CHECK_STR(hub_conflict_alerts(&h), "C-000001:C-000002 C-000002:C-000001");
    CHECK_INT(hub_stat(&h, "identity_conflicts"), 1);
    /* Carers First hears of the flag, with Jane's details as they were. */
    n = hub_outbox(&h, "carers-first", &es);
    CHECK_INT(n, 2);
    CHECK_STR(es[1]->kind, "update");
    CHECK(es[1]->snapshot && es[1]->snapshot->identity_conflict);
    CHECK_STR(es[1]->snapshot->carer->phone, "07700 900123");
    CHECK_STR(es[1]->snapshot->carer->postcode, "CM2 0AA");
    CHECK_INT(es[1]->referral_count, 1);
    hub_outbox_free(es, n);
    /* Jane's next card still finds her own case, not the other. */
    CHECK_INT(s_take_gp(&h, "GP-TEST71-2", true), 0);
    CHECK_STR(s_case_of(&h, "GP-TEST71-2"), "C-000001");
    CHECK_STR(s_held(&h, "C-000001"), JANE_HELD(2));
    hub_close(&h);
}

TEST(router_self_referral_matching_by_names_and_postcode_opens_its_own)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take_gp(&h, "GP-TEST72-1", false), 0);
    /* Jane's names, date of birth and postcode; no NHS number; another
     * phone. */
    CHECK_INT(s_take_own(&h, s_own("SR-TEST72-1", "CM2 0AA", "07700 900999", NULL)), 0);
    CHECK_STR(s_case_of(&h, "SR-TEST72-1"), "C-000002");
    CHECK_STR(s_held(&h, "C-000001"), JANE_HELD(1));
    c = hub_case(&h, "C-000002");
    CHECK(c && c->identity_conflict);
    CHECK_STR(c->carer->phone, "07700 900999");
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_STR(hub_conflict_alerts(&h), "C-000001:C-000002 C-000002:C-000001");
    /* Another (with another phone): a third case, flagged with the first;
     * the first keeps its keys, so Jane's next card joins it. */
    CHECK_INT(s_take_own(&h, s_own("SR-TEST72-2", "CM2 0AA", "07700 900998", NULL)), 0);
    CHECK_STR(s_case_of(&h, "SR-TEST72-2"), "C-000003");
    CHECK_STR(s_listed_with(&h, "C-000001"), "C-000002,C-000003");
    CHECK_STR(s_listed_with(&h, "C-000003"), "C-000001");
    CHECK_INT(s_take_gp(&h, "GP-TEST72-2", false), 0);
    CHECK_STR(s_case_of(&h, "GP-TEST72-2"), "C-000001");
    CHECK_STR(s_held(&h, "C-000001"), JANE_HELD(2));
    hub_close(&h);
}

TEST(router_self_referral_of_a_new_carer_opens_a_case_unflagged)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take_own(&h, s_own("SR-TEST73-1", "CO1 1AA", "07700 900999", NULL)), 0);
    c = hub_case(&h, s_case_of(&h, "SR-TEST73-1"));
    CHECK(c && !c->identity_conflict && !c->conflict_reason);
    CHECK_STR(c->provider, "ecs");
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_STR(hub_conflict_alerts(&h), "");
    /* A card from a practice for the carer joins the case (the practice
     * is who vouches for it). */
    {
        Carerhub__Referral *r = hub_card("GP-TEST73-1", "gp");
        CHECK(r != NULL);
        s_set(&r->carer->postcode, "CO1 1AA");
        s_set(&r->carer->phone, "07700 900999");
        s_set(&r->carer->nhs_number, NULL);
        CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", r), 0);
        carerhub__referral__free_unpacked(r, NULL);
    }
    CHECK_STR(s_case_of(&h, "GP-TEST73-1"), s_case_of(&h, "SR-TEST73-1"));
    hub_close(&h);
}

TEST(router_self_consent_refusal_names_the_field_not_what_was_written)
{
    Carerhub__Referral *r = s_own("SR-TEST74-1", "CO1 1AA", "07700 900999", NULL);
    referral_ctx_t ctx;
    ferrs_t e = FERRS_INIT;
    CHECK(r != NULL);
    memset(&ctx, 0, sizeof ctx);
    ctx.today = date_today();
    s_set(&r->consent->given_by, "my neighbour Mrs Ivy Blackwood");
    referral_check(r, CARERHUB__SOURCE__SELF, &ctx, &e);
    CHECK_INT(e.n, 1);
    CHECK_STR(e.v[0].field, "consent.given_by");
    CHECK_STR(e.v[0].code, "invalid");
    CHECK_CONTAINS(e.v[0].message, "must be carer");
    CHECK(!strstr(e.v[0].message, "Blackwood") && !strstr(e.v[0].message, "neighbour"));
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}
