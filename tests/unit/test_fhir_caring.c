/*
 * Unit tests of lib/fhir's reading of what a referral says of the caring:
 * the hub's caring, impact and requests extensions of the ServiceRequest,
 * the equality monitoring extension of the Patient and its Consent
 * purpose, and more than one person cared for (supportingInfo's order).
 * Each problem is named at the FHIRPath of its element. Requests are the
 * GP sample with one thing changed.
 */
#include "fhir_util.h"
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GP     "config/samples/fhir-gp.json"
#define SD     "https://carerhub.example/fhir/StructureDefinition/"
#define WHERE  ".extension.where(url='" SD
#define CARING "ServiceRequest" WHERE "caring')"
#define EQUAL  "ServiceRequest.contained[0]" WHERE "equality-monitoring')"

static json_t *s_contained(json_t *doc, size_t i)
{
    return json_array_get(json_object_get(doc, "contained"), i);
}

/* The part at [part] of the ServiceRequest's extension [ext]. */
static json_t *s_part(json_t *doc, size_t ext, size_t part)
{
    json_t *e = json_array_get(json_object_get(doc, "extension"), ext);
    return json_array_get(json_object_get(e, "extension"), part);
}

/* Reads doc (which it takes) into *rd; the caller frees both. */
static fhir_rc_t s_read(json_t *doc, fhir_read_t *rd, fhir_issues_t *is)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    fhir_rc_t rc = fhir_test_check(text, strlen(text), rd, is);
    free(text);
    json_decref(doc);
    return rc;
}

/* Checks doc is refused with exactly one issue at expr of code whose
 * message holds word. */
static void s_refused(json_t *doc, const char *expr, const char *code, const char *word,
                      const char *file, int line)
{
    fhir_issues_t is = FHIR_ISSUES_INIT;
    const fhir_issue_t *x;
    if (fhir_test_check_doc(doc, &is) != FHIR_INVALID)
        test_fail(file, line, "not refused (expected an issue at %s)", expr);
    else if (!(x = fhir_test_issue(&is, expr)))
        test_fail(file, line, "no issue at %s (%zu issues, the first at %s)", expr, is.n,
                  is.n && is.v[0].expression ? is.v[0].expression : "-");
    else if (strcmp(x->code, code) != 0)
        test_fail(file, line, "issue at %s is %s, expected %s", expr, x->code, code);
    else if (fhir_test_count(&is, expr, word) != 1)
        test_fail(file, line, "issue at %s says '%s', not '%s'", expr, x->message, word);
    fhir_issues_free(&is);
}
#define REFUSED(doc, expr, code, word) s_refused(doc, expr, code, word, __FILE__, __LINE__)

TEST(fhir_caring_elements_read)
{
    fhir_read_t rd;
    fhir_issues_t is = FHIR_ISSUES_INIT;
    const Carerhub__Referral *r;
    CHECK_INT(s_read(fhir_test_json(GP), &rd, &is), FHIR_OK);
    r = rd.referral;
    CHECK(r && r->caring && r->impact && r->requests && r->equality && r->consent);
    CHECK_STR(r->caring->hours_per_week, "20_to_49");
    CHECK(r->caring->has_years && r->caring->years == 3);
    CHECK(r->caring->has_lives_with && !r->caring->lives_with);
    CHECK_STR(r->caring->able_to_continue, "not_sure");
    CHECK_STR(r->impact->work, "at_risk");
    CHECK_STR(r->impact->own_health, "yes");
    CHECK(!r->impact->education);
    CHECK(r->requests->has_carers_assessment && r->requests->carers_assessment);
    CHECK_STR(r->requests->council_knows, "not_sure");
    CHECK(r->requests->has_emergency_plan && r->requests->emergency_plan);
    CHECK(r->requests->has_benefits_check && r->requests->benefits_check);
    CHECK(r->requests->has_carers_card && !r->requests->carers_card);
    CHECK(r->consent->has_equality_monitoring && r->consent->equality_monitoring);
    CHECK_STR(r->equality->sex, "female");
    CHECK_STR(r->equality->age_band, "65_to_74");
    CHECK_STR(r->equality->ethnicity, "prefer_not_to_say");
    CHECK_STR(r->equality->disability, "no");
    /* supportingInfo names the mother, then the father. */
    CHECK_STR(r->cared_for->relationship, "mother");
    CHECK_INT(r->n_more_cared_for, 1);
    CHECK_STR(r->more_cared_for[0]->relationship, "father");
    CHECK_INT(r->more_cared_for[0]->n_conditions, 1);
    CHECK_STR(r->more_cared_for[0]->conditions[0], "physical_disability");
    fhir_read_free(&rd);
    fhir_issues_free(&is);
}

TEST(fhir_caring_bad_values_at_their_paths)
{
    json_t *doc;

    doc = fhir_test_json(GP);
    json_object_set_new(json_object_get(s_part(doc, 0, 0), "valueCoding"), "code",
                        json_string("lots"));
    REFUSED(doc, CARING ".extension.where(url='hoursPerWeek').valueCoding", "value", "50_or_more");

    doc = fhir_test_json(GP);
    json_object_set_new(s_part(doc, 0, 1), "valueUnsignedInt", json_integer(91));
    REFUSED(doc, CARING ".extension.where(url='years').valueUnsignedInt", "value", "91");

    doc = fhir_test_json(GP);
    json_object_set_new(s_part(doc, 0, 1), "valueUnsignedInt", json_integer(-1));
    REFUSED(doc, "ServiceRequest.extension[0].extension[1].valueUnsignedInt", "value",
            "whole number");

    doc = fhir_test_json(GP);
    json_object_set_new(s_part(doc, 0, 2), "valueBoolean", json_string("no"));
    REFUSED(doc, "ServiceRequest.extension[0].extension[2].valueBoolean", "structure",
            "true or false");

    doc = fhir_test_json(GP);
    json_object_set_new(s_part(doc, 0, 0), "url", json_string("hoursPerWeak"));
    REFUSED(doc, "ServiceRequest.extension[0].extension[0]", "structure", "hoursPerWeek");

    doc = fhir_test_json(GP);
    json_object_set_new(json_object_get(s_part(doc, 1, 0), "valueCoding"), "system",
                        json_string("http://snomed.info/sct"));
    REFUSED(doc, "ServiceRequest.extension[1].extension[0].valueCoding", "code-invalid",
            "CodeSystem/work");

    /* The GP's carer is 65: school or college is a young carer's. */
    doc = fhir_test_json(GP);
    json_array_append_new(
        json_object_get(json_array_get(json_object_get(doc, "extension"), 1), "extension"),
        json_pack("{s:s,s:{s:s,s:s}}", "url", "education", "valueCoding", "system",
                  "https://carerhub.example/fhir/CodeSystem/answer", "code", "yes"));
    REFUSED(doc, "ServiceRequest" WHERE "impact').extension.where(url='education').valueCoding",
            "value", "young carers");

    doc = fhir_test_json(GP);
    json_object_set_new(json_object_get(s_part(doc, 2, 1), "valueCoding"), "code",
                        json_string("maybe"));
    REFUSED(doc,
            "ServiceRequest" WHERE "requests').extension.where(url='councilKnows').valueCoding",
            "value", "not_sure");
}

/* The Patient's equality monitoring extension (its extension[1]). */
static json_t *s_equality_part(json_t *doc, size_t part)
{
    json_t *e = json_array_get(json_object_get(s_contained(doc, 0), "extension"), 1);
    return json_array_get(json_object_get(e, "extension"), part);
}

TEST(fhir_equality_value_named_not_repeated)
{
    json_t *doc = fhir_test_json(GP);
    fhir_issues_t is = FHIR_ISSUES_INIT;
    const fhir_issue_t *x;
    const char *at = EQUAL ".extension.where(url='ethnicity').valueCoding";
    json_object_set_new(json_object_get(s_equality_part(doc, 2), "valueCoding"), "code",
                        json_string("purple"));
    CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
    x = fhir_test_issue(&is, at);
    CHECK(x != NULL);
    if (x) {
        CHECK(strstr(x->message, "prefer_not_to_say") != NULL);
        CHECK(strstr(x->message, "purple") == NULL);
    }
    fhir_issues_free(&is);
}

TEST(fhir_equality_without_its_consent_refused)
{
    json_t *doc = fhir_test_json(GP);
    json_t *inner = json_object_get(json_object_get(s_contained(doc, 2), "provision"), "provision");
    /* The equality-monitoring provision denied, then left out: refused
     * both ways, at the Patient's extension. */
    json_object_set_new(json_array_get(inner, 1), "type", json_string("deny"));
    REFUSED(json_deep_copy(doc), EQUAL, "business-rule", "equality-monitoring");
    json_array_remove(inner, 1);
    REFUSED(doc, EQUAL, "business-rule", "permit");
}

/* A RelatedPerson of the carer with its id, relationship and a condition. */
static json_t *s_person(const char *id, const char *role)
{
    return json_pack("{s:s,s:s,s:{s:s},s:[{s:[{s:s,s:s}]}],s:[{s:s,s:{s:s,s:s}}]}", "resourceType",
                     "RelatedPerson", "id", id, "patient", "reference", "#carer", "relationship",
                     "coding", "system", "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                     "code", role, "extension", "url", SD "condition-category", "valueCoding",
                     "system", "https://carerhub.example/fhir/CodeSystem/condition-category",
                     "code", "frailty");
}

/* The GP sample with people more cared for (after the sample's two),
 * each named in supportingInfo before the consent. */
static json_t *s_with_people(size_t more)
{
    static const char *const roles[] = {"SON", "DAU", "BRO", "SIS", "NBOR"};
    json_t *doc = fhir_test_json(GP);
    json_t *info = json_object_get(doc, "supportingInfo");
    for (size_t i = 0; i < more; i++) {
        char id[16], ref[20];
        snprintf(id, sizeof id, "p%zu", i + 3);
        snprintf(ref, sizeof ref, "#%s", id);
        json_array_append_new(json_object_get(doc, "contained"), s_person(id, roles[i]));
        json_array_insert_new(info, 2 + i, json_pack("{s:s}", "reference", ref));
    }
    return doc;
}

TEST(fhir_six_people_cared_for_in_supporting_info_order)
{
    static const char *const want[] = {"father", "son", "daughter", "brother", "sister"};
    fhir_read_t rd;
    fhir_issues_t is = FHIR_ISSUES_INIT;
    CHECK_INT(s_read(s_with_people(4), &rd, &is), FHIR_OK);
    CHECK(rd.referral != NULL);
    if (rd.referral) {
        CHECK_STR(rd.referral->cared_for->relationship, "mother");
        CHECK_INT(rd.referral->n_more_cared_for, 5);
        for (size_t i = 0; i < 5 && i < rd.referral->n_more_cared_for; i++)
            CHECK_STR(rd.referral->more_cared_for[i]->relationship, want[i]);
    }
    fhir_read_free(&rd);
    fhir_issues_free(&is);
}

TEST(fhir_seventh_person_cared_for_refused)
{
    REFUSED(s_with_people(5), "ServiceRequest.supportingInfo", "too-long", "at most 6");
}

TEST(fhir_later_person_named_at_its_related_person)
{
    json_t *doc = s_with_people(4);
    /* The sixth person (contained[10]) frail twice: its second condition. */
    json_array_append_new(
        json_object_get(s_contained(doc, 10), "extension"),
        json_deep_copy(json_array_get(json_object_get(s_contained(doc, 10), "extension"), 0)));
    REFUSED(doc, "ServiceRequest.contained[10].extension[1].valueCoding", "duplicate",
            "listed twice");

    /* The second person (contained[6]) with no relationship. */
    doc = fhir_test_json(GP);
    json_object_del(s_contained(doc, 6), "relationship");
    REFUSED(doc, "ServiceRequest.contained[6].relationship", "required", "relationship");
}

TEST(fhir_same_person_cared_for_twice_refused)
{
    json_t *doc = fhir_test_json(GP);
    json_array_set_new(json_object_get(doc, "supportingInfo"), 1,
                       json_pack("{s:s}", "reference", "#cared-for"));
    REFUSED(doc, "ServiceRequest.supportingInfo[1]", "duplicate", "once");
}
