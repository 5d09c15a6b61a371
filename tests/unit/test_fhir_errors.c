/*
 * Unit tests of lib/fhir: each problem of a request named by the FHIRPath
 * of its element, every problem at once, the limits, and the official
 * HL7 R4 examples refused with an OperationOutcome. Requests are the
 * samples of config/samples/ with one thing changed.
 */
#include "fhir_util.h"
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GP        "config/samples/fhir-gp.json"
#define DISCHARGE "config/samples/fhir-discharge.json"
#define NHS_VALUE ".identifier.where(system='https://fhir.nhs.uk/Id/nhs-number').value"

static json_t *s_load(const char *rel)
{
    size_t len;
    char *text = fhir_test_file(rel, &len);
    json_t *j = text ? json_loadb(text, len, 0, NULL) : NULL;
    free(text);
    return j;
}

/* fhir_referral_check of doc (which it takes). */
static fhir_rc_t s_check(json_t *doc, fhir_issues_t *is)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    fhir_read_t rd;
    fhir_rc_t rc = fhir_test_check(text, strlen(text), &rd, is);
    if (rc != FHIR_OK && rd.referral)
        rc = (fhir_rc_t)99; /* a refused request must hand out no referral */
    fhir_read_free(&rd);
    free(text);
    json_decref(doc);
    return rc;
}

static json_t *s_contained(json_t *doc, size_t i)
{
    return json_array_get(json_object_get(doc, "contained"), i);
}

/* Checks doc is refused with an issue of code at expr. */
#define CHECK_ISSUE(doc, code_, expr)                                                              \
    do {                                                                                           \
        fhir_issues_t is_ = FHIR_ISSUES_INIT;                                                      \
        const fhir_issue_t *x_;                                                                    \
        CHECK_INT(s_check(doc, &is_), FHIR_INVALID);                                               \
        x_ = fhir_test_issue(&is_, expr);                                                          \
        if (!x_)                                                                                   \
            test_fail(__FILE__, __LINE__, "no issue at %s (%zu issues)", expr, is_.n);             \
        else if (strcmp(x_->code, code_) != 0)                                                     \
            test_fail(__FILE__, __LINE__, "issue at %s is %s, expected %s", expr, x_->code,        \
                      code_);                                                                      \
        else if (strlen(x_->message) < 20)                                                         \
            test_fail(__FILE__, __LINE__, "issue at %s says only '%s'", expr, x_->message);        \
        fhir_issues_free(&is_);                                                                    \
    } while (0)

TEST(fhir_missing_birth_date)
{
    json_t *doc = s_load(GP);
    CHECK(doc);
    json_object_del(s_contained(doc, 0), "birthDate");
    CHECK_ISSUE(doc, "required", "ServiceRequest.contained[0].birthDate");
}

TEST(fhir_bad_nhs_number)
{
    json_t *doc = s_load(GP);
    json_t *id = json_array_get(json_object_get(s_contained(doc, 0), "identifier"), 0);
    CHECK(id);
    json_object_set_new(id, "value", json_string("9434765918")); /* check digit wrong */
    CHECK_ISSUE(doc, "value", "ServiceRequest.contained[0]" NHS_VALUE);
}

TEST(fhir_bad_postcode)
{
    json_t *doc = s_load(GP);
    json_t *a = json_array_get(json_object_get(s_contained(doc, 0), "address"), 0);
    CHECK(a);
    json_object_set_new(a, "postalCode", json_string("not a postcode"));
    CHECK_ISSUE(doc, "value", "ServiceRequest.contained[0].address.postalCode");
}

TEST(fhir_missing_consent)
{
    json_t *doc = s_load(GP);
    CHECK(doc);
    json_array_remove(json_object_get(doc, "contained"), 2);
    json_array_remove(json_object_get(doc, "supportingInfo"), 1);
    CHECK_ISSUE(doc, "required", "ServiceRequest.supportingInfo");
}

TEST(fhir_consent_refused)
{
    json_t *doc = s_load(GP);
    json_t *pv = json_object_get(s_contained(doc, 2), "provision");
    CHECK(pv);
    json_object_set_new(pv, "type", json_string("deny"));
    CHECK_ISSUE(doc, "business-rule", "ServiceRequest.contained[2].provision");
}

TEST(fhir_unknown_condition_code)
{
    json_t *doc = s_load(GP);
    json_t *e = json_array_get(json_object_get(s_contained(doc, 1), "extension"), 1);
    CHECK(e);
    json_object_set_new(json_object_get(e, "valueCoding"), "code", json_string("tiredness"));
    CHECK_ISSUE(doc, "value", "ServiceRequest.contained[1].extension[1].valueCoding");
}

TEST(fhir_condition_of_another_code_system)
{
    json_t *doc = s_load(GP);
    json_t *e = json_array_get(json_object_get(s_contained(doc, 1), "extension"), 0);
    CHECK(e);
    json_object_set_new(json_object_get(e, "valueCoding"), "system",
                        json_string("http://snomed.info/sct"));
    CHECK_ISSUE(doc, "code-invalid", "ServiceRequest.contained[1].extension[0].valueCoding");
}

TEST(fhir_two_patients)
{
    json_t *doc = s_load(GP);
    json_t *p = json_deep_copy(s_contained(doc, 0));
    char at[64];
    /* The second Patient is after every resource of the sample. */
    snprintf(at, sizeof at, "ServiceRequest.contained[%zu]",
             json_array_size(json_object_get(doc, "contained")));
    json_object_set_new(p, "id", json_string("someone-else"));
    json_array_append_new(json_object_get(doc, "contained"), p);
    CHECK_ISSUE(doc, "business-rule", at);
}

TEST(fhir_unresolvable_reference)
{
    json_t *doc = s_load(GP);
    CHECK(doc);
    json_object_set_new(doc, "subject", json_pack("{s:s}", "reference", "#nobody"));
    CHECK_ISSUE(doc, "not-found", "ServiceRequest.subject.reference");
}

TEST(fhir_reference_to_the_wrong_type)
{
    json_t *doc = s_load(GP);
    CHECK(doc);
    json_object_set_new(doc, "subject", json_pack("{s:s}", "reference", "#practice"));
    CHECK_ISSUE(doc, "value", "ServiceRequest.subject.reference");
}

TEST(fhir_bundle_with_two_service_requests)
{
    json_t *doc = s_load(DISCHARGE);
    json_t *entries = json_object_get(doc, "entry");
    json_t *again = json_deep_copy(json_array_get(entries, 0));
    CHECK(again);
    json_object_set_new(again, "fullUrl",
                        json_string("urn:uuid:7d3c1a52-0000-4c55-9d0b-0d9b1f7e0a99"));
    json_array_append_new(entries, again);
    CHECK_ISSUE(doc, "not-supported", "Bundle.entry[7].resource");
}

TEST(fhir_bundle_refers_by_type_and_id)
{
    json_t *doc = s_load(DISCHARGE);
    json_t *entries = json_object_get(doc, "entry"), *patient = json_array_get(entries, 1);
    json_t *sr = json_object_get(json_array_get(entries, 0), "resource");
    fhir_issues_t is = FHIR_ISSUES_INIT;
    CHECK(patient && sr);
    /* A server's own URL for the Patient, referred to relatively. */
    json_object_set_new(patient, "fullUrl", json_string("https://pas.example/fhir/Patient/p1"));
    json_object_set_new(json_object_get(patient, "resource"), "id", json_string("p1"));
    json_object_set_new(sr, "subject", json_pack("{s:s}", "reference", "Patient/p1"));
    /* The others refer to it by its fullUrl. */
    for (size_t i = 2; i <= 3; i++) {
        json_t *res = json_object_get(json_array_get(entries, i), "resource");
        json_object_set_new(json_object_get(res, "patient"), "reference",
                            json_string("https://pas.example/fhir/Patient/p1"));
    }
    json_object_set_new(
        json_array_get(
            json_object_get(json_object_get(json_array_get(entries, 3), "resource"), "performer"),
            0),
        "reference", json_string("Patient/p1"));
    CHECK_INT(s_check(doc, &is), FHIR_OK);
    fhir_issues_free(&is);
}

TEST(fhir_bundle_of_another_type)
{
    json_t *doc = s_load(DISCHARGE);
    CHECK(doc);
    json_object_set_new(doc, "type", json_string("searchset"));
    CHECK_ISSUE(doc, "not-supported", "Bundle.type");
}

TEST(fhir_modifier_extension_refused)
{
    json_t *doc = s_load(GP);
    CHECK(doc);
    json_object_set_new(
        s_contained(doc, 0), "modifierExtension",
        json_pack("[{s:s,s:b}]", "url", "https://x.example/not-really", "valueBoolean", 1));
    CHECK_ISSUE(doc, "not-supported", "ServiceRequest.contained[0].modifierExtension");
}

TEST(fhir_unknown_element_refused_extension_ignored)
{
    json_t *doc = s_load(GP);
    json_t *p = s_contained(doc, 0);
    CHECK(p);
    json_object_set_new(p, "birthdate", json_string("1961-04-02")); /* not R4's spelling */
    json_object_set_new(p, "gender", json_string("female"));        /* R4's, unused: fine */
    json_array_append_new(
        json_object_get(p, "extension"),
        json_pack("{s:s,s:s}", "url", "https://x.example/unknown", "valueString", "ignored"));
    CHECK_ISSUE(doc, "structure", "ServiceRequest.contained[0].birthdate");
}

TEST(fhir_every_problem_at_once)
{
    json_t *doc = s_load(GP);
    json_t *p = s_contained(doc, 0);
    fhir_issues_t is = FHIR_ISSUES_INIT;
    CHECK(p);
    json_object_del(p, "birthDate");
    json_object_set_new(json_array_get(json_object_get(p, "address"), 0), "postalCode",
                        json_string("ZZ"));
    json_object_set_new(doc, "intent", json_string("proposal"));
    json_object_set_new(s_contained(doc, 2), "status", json_string("draft"));
    CHECK_INT(s_check(doc, &is), FHIR_INVALID);
    CHECK(fhir_test_issue(&is, "ServiceRequest.contained[0].birthDate"));
    CHECK(fhir_test_issue(&is, "ServiceRequest.contained[0].address.postalCode"));
    CHECK(fhir_test_issue(&is, "ServiceRequest.intent"));
    CHECK(fhir_test_issue(&is, "ServiceRequest.contained[2].status"));
    fhir_issues_free(&is);
}

TEST(fhir_source_cannot_be_told)
{
    json_t *doc = s_load(GP);
    json_t *org = s_contained(doc, 4);
    fhir_issues_t is = FHIR_ISSUES_INIT;
    const fhir_issue_t *x;
    CHECK(org);
    json_object_del(org, "identifier");
    CHECK_INT(s_check(doc, &is), FHIR_INVALID);
    x = fhir_test_issue(&is, "ServiceRequest.contained[4].identifier");
    CHECK(x);
    CHECK_CONTAINS(x->message, "cannot tell whether this is a GP, hospital discharge or school");
    fhir_issues_free(&is);
}

static fhir_rc_t s_text(const char *text, size_t len, fhir_issues_t *is)
{
    fhir_read_t rd;
    fhir_rc_t rc = fhir_test_check(text, len, &rd, is);
    if (rd.referral)
        rc = (fhir_rc_t)99;
    fhir_read_free(&rd);
    return rc;
}

TEST(fhir_too_deep)
{
    fhir_issues_t is = FHIR_ISSUES_INIT;
    char deep[200], *very;
    size_t n = 0;
    /* 20 levels: JSON, but deeper than the hub reads. */
    n += (size_t)snprintf(deep, sizeof deep, "{\"resourceType\":\"ServiceRequest\",\"x\":");
    for (int i = 0; i < 19; i++)
        deep[n++] = '[';
    for (int i = 0; i < 19; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    CHECK_INT(s_text(deep, n, &is), FHIR_TOO_DEEP);
    CHECK_CONTAINS(is.v[0].message, "levels deep");
    CHECK_INT(fhir_http_status(FHIR_TOO_DEEP), 400);
    fhir_issues_free(&is);
    /* Beyond jansson's own bound, which stops its parser first. */
    very = malloc(10000);
    memset(very, '[', 5000);
    memset(very + 5000, ']', 5000);
    CHECK_INT(s_text(very, 10000, &is), FHIR_TOO_DEEP);
    fhir_issues_free(&is);
    free(very);
}

TEST(fhir_too_many_items)
{
    fhir_issues_t is = FHIR_ISSUES_INIT;
    buf_t b = BUF_INIT;
    buf_adds(&b, "{\"resourceType\":\"ServiceRequest\",\"note\":[");
    for (int i = 0; i < FHIR_MAX_ITEMS; i++)
        buf_adds(&b, i ? ",0" : "0");
    buf_adds(&b, "]}");
    CHECK_INT(s_text(b.data, b.len, &is), FHIR_TOO_DEEP);
    CHECK_CONTAINS(is.v[0].message, "more than 2000 values");
    fhir_issues_free(&is);
    buf_free(&b);
}

TEST(fhir_too_big)
{
    fhir_issues_t is = FHIR_ISSUES_INIT;
    size_t n = FHIR_MAX_BYTES + 1;
    char *big = malloc(n);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    CHECK_INT(s_text(big, n, &is), FHIR_TOO_BIG);
    CHECK_INT(fhir_http_status(FHIR_TOO_BIG), 413);
    /* The size is checked first: one byte less is read (and is no FHIR). */
    fhir_issues_free(&is);
    big[n - 2] = '}';
    CHECK_INT(s_text(big, n - 1, &is), FHIR_NOT_FHIR);
    fhir_issues_free(&is);
    free(big);
}

TEST(fhir_not_json_says_where)
{
    static const char text[] =
        "{\n  \"resourceType\": \"ServiceRequest\",\n  \"status\": 'Jane'\n}";
    fhir_issues_t is = FHIR_ISSUES_INIT;
    CHECK_INT(s_text(text, sizeof text - 1, &is), FHIR_NOT_JSON);
    CHECK_INT(fhir_http_status(FHIR_NOT_JSON), 400);
    CHECK_INT(is.n, 1);
    CHECK_CONTAINS(is.v[0].message, "line 3, column");
    CHECK(!strstr(is.v[0].message, "Jane")); /* what was written is not echoed */
    fhir_issues_free(&is);
}

TEST(fhir_duplicate_keys)
{
    static const char text[] =
        "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"status\":\"revoked\"}";
    fhir_issues_t is = FHIR_ISSUES_INIT;
    CHECK_INT(s_text(text, sizeof text - 1, &is), FHIR_NOT_JSON);
    CHECK_STR(is.v[0].code, "duplicate");
    CHECK_CONTAINS(is.v[0].message, "line 1");
    fhir_issues_free(&is);
}

TEST(fhir_not_a_service_request)
{
    static const char patient[] = "{\"resourceType\":\"Patient\"}";
    static const char empty_bundle[] = "{\"resourceType\":\"Bundle\",\"type\":\"collection\"}";
    fhir_issues_t is = FHIR_ISSUES_INIT;
    CHECK_INT(s_text(patient, sizeof patient - 1, &is), FHIR_NOT_FHIR);
    CHECK_INT(s_text("[1,2]", 5, &is), FHIR_NOT_FHIR);
    CHECK_INT(s_text(empty_bundle, sizeof empty_bundle - 1, &is), FHIR_NOT_FHIR);
    CHECK_INT(s_text("", 0, &is), FHIR_NOT_JSON);
    fhir_issues_free(&is);
}

/* The official HL7 examples are ServiceRequests, but no carer's: refused
 * with the reasons, as an OperationOutcome that reads back. */
static void s_hl7(const char *rel, const char *subject_ref)
{
    size_t len;
    char *text = fhir_test_file(rel, &len);
    fhir_issues_t is = FHIR_ISSUES_INIT;
    buf_t b = BUF_INIT;
    json_t *oo;
    CHECK(text);
    CHECK_INT(s_text(text, len, &is), FHIR_INVALID);
    CHECK(fhir_test_issue(&is, "ServiceRequest.code"));
    CHECK_STR(fhir_test_issue(&is, "ServiceRequest.code")->code, "code-invalid");
    CHECK_CONTAINS(fhir_test_issue(&is, "ServiceRequest.subject.reference")->message, subject_ref);
    CHECK(fhir_test_issue(&is, "ServiceRequest.requester.reference"));
    fhir_operation_outcome(&b, &is);
    oo = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
    CHECK(oo);
    CHECK_INT(json_array_size(json_object_get(oo, "issue")), is.n);
    json_decref(oo);
    buf_free(&b);
    fhir_issues_free(&is);
    free(text);
}

TEST(fhir_hl7_examples_refused)
{
    size_t len;
    char *text = fhir_test_file("tests/data/fhir/hl7/servicerequest-example2.json", &len);
    fhir_issues_t is = FHIR_ISSUES_INIT;
    s_hl7("tests/data/fhir/hl7/servicerequest-example-di.json", "Patient/dicom");
    s_hl7("tests/data/fhir/hl7/servicerequest-example2.json", "Patient/example");
    /* example2 is completed, example-di an original-order: both said. */
    CHECK(text);
    s_text(text, len, &is);
    CHECK(fhir_test_issue(&is, "ServiceRequest.status"));
    fhir_issues_free(&is);
    free(text);
}
