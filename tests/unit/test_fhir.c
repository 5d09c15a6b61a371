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

/* What the FHIR mapping does not carry yet (caring, impact, requests,
 * equality and its consent, more people cared for): taken out of the YAML
 * twin, until it does. */
static void s_not_mapped_yet(Carerhub__Referral *r)
{
    for (size_t i = 0; i < r->n_more_cared_for; i++)
        carerhub__cared_for__free_unpacked(r->more_cared_for[i], NULL);
    free(r->more_cared_for);
    r->more_cared_for = NULL;
    r->n_more_cared_for = 0;
    carerhub__caring__free_unpacked(r->caring, NULL);
    carerhub__impact__free_unpacked(r->impact, NULL);
    carerhub__requests__free_unpacked(r->requests, NULL);
    carerhub__equality__free_unpacked(r->equality, NULL);
    r->caring = NULL;
    r->impact = NULL;
    r->requests = NULL;
    r->equality = NULL;
    if (r->consent)
        r->consent->has_equality_monitoring = false;
}

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
    s_not_mapped_yet(want);
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
