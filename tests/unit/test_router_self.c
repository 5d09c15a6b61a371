/*
 * Unit tests of a carer's own referral (source self, from the public form)
 * as the router takes it. What the carer is told when the consent is not
 * theirs names the field, not what they wrote.
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
