/*
 * Unit tests of what differs by referral source and must be the same
 * everywhere it is asked: whose referral one is (what a referrer may see,
 * cancel, and be recorded as having sent), and which roles refer.
 */
#include "test.h"

#include "domain/outcome.h"
#include "domain/referral.h"

#include <string.h>

TEST(referral_is_referrers_needs_the_sources_role_and_the_organisation)
{
    char *practices[] = {"F81001", "F81002"}, *trusts[] = {"RAJ"};
    participant_t gp = {"gp", ROLE_GP, practices, 2, ""};
    participant_t school = {"school", ROLE_SCHOOL, practices, 2, ""};
    participant_t trust = {"hospital", ROLE_HOSPITAL, trusts, 1, ""};
    participant_t op = {"operator", ROLE_OPERATOR, NULL, 0, ""};
    Carerhub__Referral ref = CARERHUB__REFERRAL__INIT;
    Carerhub__GpPart part = CARERHUB__GP_PART__INIT;
    Carerhub__DischargePart dis = CARERHUB__DISCHARGE_PART__INIT;
    Carerhub__Hospital hosp = CARERHUB__HOSPITAL__INIT;

    part.practice = "F81002";
    ref.gp = &part;
    ref.has_source = true;
    ref.source = CARERHUB__SOURCE__GP;
    CHECK(referral_is_referrers(&gp, &ref));
    /* A key of another role, even one whose scope names the practice. */
    CHECK(!referral_is_referrers(&school, &ref));
    CHECK(!referral_is_referrers(&op, &ref));
    CHECK(!referral_is_referrers(NULL, &ref));
    CHECK(!referral_is_referrers(&gp, NULL));
    part.practice = "F81003";
    CHECK(!referral_is_referrers(&gp, &ref));
    /* A referral that says no source is no one's. */
    part.practice = "F81001";
    ref.has_source = false;
    ref.source = 0;
    CHECK(!referral_is_referrers(&gp, &ref));

    hosp.trust = "RAJ";
    dis.hospital = &hosp;
    ref.gp = NULL;
    ref.discharge = &dis;
    ref.has_source = true;
    ref.source = CARERHUB__SOURCE__DISCHARGE;
    CHECK(referral_is_referrers(&trust, &ref));
    CHECK(!referral_is_referrers(&gp, &ref));
    ref.discharge->hospital = NULL; /* no organisation to cover */
    CHECK(!referral_is_referrers(&trust, &ref));
}

TEST(referral_roles_that_refer)
{
    CHECK(role_is_referrer(ROLE_GP));
    CHECK(role_is_referrer(ROLE_HOSPITAL));
    CHECK(role_is_referrer(ROLE_SCHOOL));
    CHECK(!role_is_referrer(ROLE_PROVIDER));
    CHECK(!role_is_referrer(ROLE_OPERATOR));
    CHECK(!role_is_referrer(ROLE_INTAKE));
}

TEST(outcome_cancel_reasons_are_changed_or_error)
{
    CHECK(outcome_cancel_reason_ok("changed"));
    CHECK(outcome_cancel_reason_ok("error"));
    CHECK(!outcome_cancel_reason_ok("mistake"));
    CHECK(!outcome_cancel_reason_ok(""));
    CHECK(!outcome_cancel_reason_ok(NULL));
    CHECK_STR(outcome_list(outcome_cancel_reasons), "changed, error");
    /* Each list has a message of its own. */
    CHECK_STR(outcome_list(outcome_close_reasons),
              "support_complete, no_longer_caring, bereaved, moved_away, declined, "
              "unable_to_contact, other");
}
