/*
 * Unit tests of lib/fhir's naming of the referral's problems: every
 * problem listed, even when several fields share one FHIRPath (a phone
 * and an email are both at .telecom), and each at the exact element the
 * referrer wrote.
 */
#include "fhir_util.h"
#include "test.h"

#include <jansson.h>
#include <string.h>

#define GP        "config/samples/fhir-gp.json"
#define SCHOOL    "config/samples/fhir-school.json"
#define DISCHARGE "config/samples/fhir-discharge.json"

static json_t *s_contained(json_t *doc, size_t i)
{
    return json_array_get(json_object_get(doc, "contained"), i);
}

/* The samples' telecom of a phone and an email, both wrong. */
static json_t *s_bad_telecom(void)
{
    return json_pack("[{s:s,s:s},{s:s,s:s}]", "system", "phone", "value", "abc", "system", "email",
                     "value", "not-an-email");
}

TEST(fhir_carer_phone_and_email_both_listed)
{
    json_t *doc = fhir_test_json(GP);
    fhir_issues_t is = FHIR_ISSUES_INIT;
    const char *at = "ServiceRequest.contained[0].telecom";
    CHECK(doc);
    json_object_set_new(s_contained(doc, 0), "telecom", s_bad_telecom());
    CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
    CHECK_INT(fhir_test_count(&is, at, "phone number"), 1);
    CHECK_INT(fhir_test_count(&is, at, "email address"), 1);
    fhir_issues_free(&is);
}

TEST(fhir_referrer_phone_and_email_both_listed)
{
    json_t *doc = fhir_test_json(GP);
    fhir_issues_t is = FHIR_ISSUES_INIT;
    const char *at = "ServiceRequest.contained[5].telecom"; /* the PractitionerRole */
    CHECK(doc);
    json_object_set_new(s_contained(doc, 5), "telecom", s_bad_telecom());
    CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
    CHECK_INT(fhir_test_count(&is, at, "referrer's phone"), 1);
    CHECK_INT(fhir_test_count(&is, at, "referrer's email"), 1);
    fhir_issues_free(&is);
}

TEST(fhir_consent_refused_beside_a_bad_inner_provision)
{
    json_t *doc = fhir_test_json(GP);
    json_t *pv = json_object_get(s_contained(doc, 2), "provision");
    fhir_issues_t is = FHIR_ISSUES_INIT;
    CHECK(pv);
    json_object_set_new(pv, "type", json_string("deny"));
    json_object_set_new(json_array_get(json_object_get(pv, "provision"), 0), "type",
                        json_string("maybe"));
    CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
    CHECK_INT(fhir_test_count(&is, "ServiceRequest.contained[2].provision.provision[0].type",
                              "permit or deny"),
              1);
    CHECK_INT(fhir_test_count(&is, "ServiceRequest.contained[2].provision", "Consent to share"), 1);
    fhir_issues_free(&is);
}

TEST(fhir_no_cared_for_and_no_consent_both_listed)
{
    json_t *doc = fhir_test_json(GP);
    fhir_issues_t is = FHIR_ISSUES_INIT;
    CHECK(doc);
    json_object_del(doc, "supportingInfo");
    /* No one cared for: the sample's second (contained[6]) and first. */
    json_array_remove(json_object_get(doc, "contained"), 6);
    json_array_remove(json_object_get(doc, "contained"), 2);
    json_array_remove(json_object_get(doc, "contained"), 1);
    CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
    CHECK_INT(fhir_test_count(&is, "ServiceRequest.supportingInfo", "person cared for"), 1);
    CHECK_INT(fhir_test_count(&is, "ServiceRequest.supportingInfo", "The consent"), 1);
    fhir_issues_free(&is);
}

/* A condition-category extension of code (the hub's code system, or
 * another's). */
static json_t *s_condition(const char *system, const char *code)
{
    return json_pack("{s:s,s:{s:s,s:s}}", "url",
                     "https://carerhub.example/fhir/StructureDefinition/condition-category",
                     "valueCoding", "system", system, "code", code);
}

TEST(fhir_condition_named_at_its_own_extension)
{
    json_t *doc = fhir_test_json(GP);
    json_t *ext = json_object_get(s_contained(doc, 1), "extension");
    fhir_issues_t is = FHIR_ISSUES_INIT;
    CHECK(ext);
    /* extension[0] another code system's (refused as it is read), [1]
     * dementia, [2] frailty made dementia: listed twice. */
    json_array_insert_new(ext, 0, s_condition("http://snomed.info/sct", "52448006"));
    json_array_set_new(ext, 2,
                       s_condition("https://carerhub.example/fhir/CodeSystem/"
                                   "condition-category",
                                   "dementia"));
    CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
    CHECK_INT(fhir_test_count(&is, "ServiceRequest.contained[1].extension[0].valueCoding", NULL),
              1);
    CHECK_INT(fhir_test_count(&is, "ServiceRequest.contained[1].extension[2].valueCoding",
                              "listed twice"),
              1);
    fhir_issues_free(&is);
}

TEST(fhir_organization_contact_name_at_its_contact)
{
    json_t *doc = fhir_test_json(SCHOOL);
    json_t *contact = json_array_get(json_object_get(s_contained(doc, 3), "contact"), 0);
    fhir_issues_t is = FHIR_ISSUES_INIT;
    char name[400];
    CHECK(contact);
    memset(name, 'J', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    json_object_set_new(contact, "name", json_pack("{s:s}", "text", name));
    CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
    CHECK_INT(
        fhir_test_count(&is, "ServiceRequest.contained[3].contact[0].name", "referrer's name"), 1);
    fhir_issues_free(&is);

    doc = fhir_test_json(SCHOOL);
    contact = json_array_get(json_object_get(s_contained(doc, 3), "contact"), 0);
    CHECK(contact);
    json_object_set_new(contact, "name", json_string("J Taylor")); /* a HumanName is an object */
    CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
    CHECK_INT(fhir_test_count(&is, "ServiceRequest.contained[3].contact[0].name", "JSON object"),
              1);
    fhir_issues_free(&is);
}

TEST(fhir_encounter_subject_system_at_its_identifier)
{
    json_t *doc = fhir_test_json(DISCHARGE);
    json_t *enc = json_object_get(json_array_get(json_object_get(doc, "entry"), 4), "resource");
    fhir_issues_t is = FHIR_ISSUES_INIT;
    CHECK_STR(json_string_value(json_object_get(enc, "resourceType")), "Encounter");
    json_object_set_new(json_object_get(json_object_get(enc, "subject"), "identifier"), "system",
                        json_integer(5));
    CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
    CHECK_INT(
        fhir_test_count(&is, "Bundle.entry[4].resource.subject.identifier.system", "JSON string"),
        1);
    fhir_issues_free(&is);
}

TEST(fhir_extension_not_an_object_refused_at_its_path)
{
    json_t *bad[] = {json_string("x"), json_null(), json_pack("{s:i}", "url", 5)};
    for (size_t i = 0; i < 3; i++) {
        json_t *doc = fhir_test_json(GP);
        json_t *ext = json_object_get(s_contained(doc, 1), "extension");
        fhir_issues_t is = FHIR_ISSUES_INIT;
        CHECK(ext);
        json_array_append_new(ext, bad[i]);
        CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
        CHECK_INT(fhir_test_count(&is, "ServiceRequest.contained[1].extension[2]", NULL), 1);
        CHECK_STR(fhir_test_issue(&is, "ServiceRequest.contained[1].extension[2]")->code,
                  "structure");
        fhir_issues_free(&is);
    }
}

TEST(fhir_extension_as_an_object_one_issue)
{
    json_t *doc = fhir_test_json(GP);
    json_t *p = s_contained(doc, 0);
    fhir_issues_t is = FHIR_ISSUES_INIT;
    json_t *first = json_array_get(json_object_get(p, "extension"), 0);
    CHECK(first);
    json_object_set(p, "extension", first); /* one Extension, not a list of one */
    CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
    CHECK_INT(fhir_test_count(&is, "ServiceRequest.contained[0].extension", NULL), 1);
    fhir_issues_free(&is);
}

TEST(fhir_reference_to_another_type_says_an_organization)
{
    json_t *doc = fhir_test_json(GP);
    fhir_issues_t is = FHIR_ISSUES_INIT;
    const fhir_issue_t *x;
    CHECK(doc);
    /* The requester made the Consent: "refers to a Consent; it must refer
     * to an Organization or PractitionerRole". */
    json_object_set_new(doc, "requester", json_pack("{s:s}", "reference", "#consent"));
    CHECK_INT(fhir_test_check_doc(doc, &is), FHIR_INVALID);
    x = fhir_test_issue(&is, "ServiceRequest.requester.reference");
    CHECK(x);
    if (x)
        CHECK_CONTAINS(x->message, "must refer to an Organization");
    fhir_issues_free(&is);
}
