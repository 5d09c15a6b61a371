/*
 * Unit tests of lib/fhir: the samples of config/samples/ read into the
 * referrals of their YAML twins, and the hub's answers (status,
 * CapabilityStatement, OperationOutcome) read back with jansson.
 */
#include "fhir_util.h"
#include "test.h"

#include "domain/referral.h"
#include "util/date.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Carerhub__Referral *fixture_sample(const char *file, Carerhub__Source src, size_t doc);

/* A FHIR sample is accepted into the referral its YAML twin (first
 * document) is, both checked on the same day. */
static void s_same(const char *json, const char *yaml, Carerhub__Source src)
{
    size_t len;
    char *text = fhir_test_file(json, &len);
    fhir_read_t rd;
    fhir_issues_t is = FHIR_ISSUES_INIT;
    ferrs_t errs = FERRS_INIT;
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 23), NULL, NULL, NULL};
    Carerhub__Referral *want = fixture_sample(yaml, src, 0);
    char diff[200];
    CHECK(text && want);
    CHECK_INT(fhir_test_check(text, len, &rd, &is), FHIR_OK);
    CHECK_INT(is.n, 0);
    CHECK_INT(rd.source, src);
    CHECK_INT(referral_check(want, src, &ctx, &errs), 0);
    if (fhir_test_diff(&rd.referral->base, &want->base, "", diff, sizeof diff))
        test_fail(__FILE__, __LINE__, "%s and %s differ at %s", json, yaml, diff);
    fhir_read_free(&rd);
    fhir_issues_free(&is);
    ferrs_free(&errs);
    carerhub__referral__free_unpacked(want, NULL);
    free(text);
}

TEST(fhir_gp_sample_is_the_yaml_card)
{
    s_same("config/samples/fhir-gp.json", "config/samples/gp.yaml", CARERHUB__SOURCE__GP);
}

TEST(fhir_discharge_sample_is_the_yaml_referral)
{
    s_same("config/samples/fhir-discharge.json", "config/samples/discharge.yaml",
           CARERHUB__SOURCE__DISCHARGE);
}

TEST(fhir_school_sample_is_the_yaml_referral)
{
    s_same("config/samples/fhir-school.json", "config/samples/school.yaml",
           CARERHUB__SOURCE__SCHOOL);
}
