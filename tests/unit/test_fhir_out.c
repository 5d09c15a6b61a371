/*
 * Unit tests of lib/fhir's answers: the OperationOutcome, the referral's
 * status as a ServiceRequest with its Task, and the CapabilityStatement,
 * each read back with jansson.
 */
#include "fhir/fhir.h"
#include "test.h"

#include <jansson.h>
#include <string.h>

static json_t *s_parse(const buf_t *b)
{
    json_error_t err;
    return json_loadb(b->data, b->len, JSON_REJECT_DUPLICATES, &err);
}

static const char *s_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

TEST(fhir_operation_outcome_valid)
{
    fhir_issues_t is = FHIR_ISSUES_INIT;
    buf_t b = BUF_INIT;
    json_t *oo, *issue;
    fhir_issue_add(&is, "required", "ServiceRequest.contained[0].birthDate", "is required");
    /* A message or expression with bytes that are no UTF-8. */
    fhir_issue_add(&is, "structure", "ServiceRequest.\xff\xfe", "bad \xc3 byte");
    fhir_issue_add(&is, "value", NULL, "about the whole request");
    fhir_operation_outcome(&b, &is);
    oo = s_parse(&b);
    CHECK(oo);
    CHECK_STR(s_str(oo, "resourceType"), "OperationOutcome");
    CHECK_INT(json_array_size(json_object_get(oo, "issue")), 3);
    issue = json_array_get(json_object_get(oo, "issue"), 0);
    CHECK_STR(s_str(issue, "severity"), "error");
    CHECK_STR(s_str(issue, "code"), "required");
    CHECK_STR(s_str(issue, "diagnostics"), "is required");
    CHECK_STR(s_str(json_object_get(issue, "details"), "text"), "is required");
    CHECK_STR(json_string_value(json_array_get(json_object_get(issue, "expression"), 0)),
              "ServiceRequest.contained[0].birthDate");
    /* No expression: none written (FHIR has no empty arrays). */
    CHECK(!json_object_get(json_array_get(json_object_get(oo, "issue"), 2), "expression"));
    json_decref(oo);
    buf_free(&b);
    fhir_issues_free(&is);

    fhir_outcome1(&b, "security", NULL, "the token is not valid");
    oo = s_parse(&b);
    CHECK(oo);
    CHECK_STR(s_str(json_array_get(json_object_get(oo, "issue"), 0), "code"), "security");
    json_decref(oo);
    buf_free(&b);
}

TEST(fhir_issues_capped)
{
    fhir_issues_t is = FHIR_ISSUES_INIT;
    for (int i = 0; i < FHIR_MAX_ISSUES + 50; i++)
        fhir_issue_add(&is, "value", "ServiceRequest.note", "problem %d of many", i);
    CHECK_INT(is.n, FHIR_MAX_ISSUES + 1);
    CHECK_STR(is.v[FHIR_MAX_ISSUES].code, "too-costly");
    CHECK_CONTAINS(is.v[FHIR_MAX_ISSUES].message, "more than 100 problems");
    fhir_issues_free(&is);
}

TEST(fhir_status_document)
{
    Carerhub__StatusReply st = CARERHUB__STATUS_REPLY__INIT;
    Carerhub__TimelineEvent ev = CARERHUB__TIMELINE_EVENT__INIT;
    Carerhub__TimelineEvent *evs[] = {&ev};
    buf_t b = BUF_INIT;
    json_t *sr, *task, *notes;
    st.has_state = 1;
    st.state = CARERHUB__STATUS_REPLY__STATE__DELIVERED;
    st.referral_id = "GP-1795392000-1";
    st.provider = "carers-first";
    st.provider_name = "Carers First";
    st.progress = "contacted";
    st.has_progress_at = 1;
    st.progress_at = 1795395600000LL; /* 2026-11-23T01:00:00Z */
    st.has_accepted_at = 1;
    st.accepted_at = 1795392000000LL;
    ev.event = "contacted";
    ev.provider_name = "Carers First";
    ev.has_at = 1;
    ev.at = 1795395600000LL;
    ev.note = "private note of the organisation";
    st.n_timeline = 1;
    st.timeline = evs;
    fhir_service_request_status(&b, &st);
    sr = s_parse(&b);
    CHECK(sr);
    CHECK_STR(s_str(sr, "resourceType"), "ServiceRequest");
    CHECK_STR(s_str(sr, "id"), "GP-1795392000-1");
    CHECK_STR(s_str(sr, "status"), "active");
    CHECK_STR(s_str(sr, "intent"), "order");
    CHECK(json_object_get(sr, "subject"));
    task = json_array_get(json_object_get(sr, "contained"), 0);
    CHECK_STR(s_str(task, "resourceType"), "Task");
    CHECK_STR(s_str(task, "status"), "in-progress");
    CHECK_STR(s_str(json_object_get(task, "businessStatus"), "text"), "contacted");
    CHECK_STR(s_str(task, "lastModified"), "2026-11-23T01:00:00Z");
    CHECK_STR(s_str(json_object_get(task, "owner"), "display"), "Carers First");
    notes = json_object_get(task, "note");
    CHECK_INT(json_array_size(notes), 1);
    CHECK_CONTAINS(s_str(json_array_get(notes, 0), "text"), "contacted at Carers First");
    CHECK(!strstr(b.data, "private note")); /* never sent to a referrer */
    json_decref(sr);
    buf_free(&b);

    st.progress = "closed";
    st.n_timeline = 0;
    fhir_service_request_status(&b, &st);
    sr = s_parse(&b);
    CHECK_STR(s_str(sr, "status"), "completed");
    CHECK_STR(s_str(json_array_get(json_object_get(sr, "contained"), 0), "status"), "completed");
    json_decref(sr);
    buf_free(&b);

    st.progress = "cancelled";
    fhir_service_request_status(&b, &st);
    sr = s_parse(&b);
    CHECK_STR(s_str(sr, "status"), "revoked");
    json_decref(sr);
    buf_free(&b);
}

/* Whether j holds an empty array (or object) anywhere: FHIR JSON has
 * none. */
static bool s_has_empty(json_t *j)
{
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_array(j)) {
        if (json_array_size(j) == 0)
            return true;
        json_array_foreach(j, i, v) if (s_has_empty(v)) return true;
    } else if (json_is_object(j)) {
        if (json_object_size(j) == 0)
            return true;
        json_object_foreach(j, k, v) if (s_has_empty(v)) return true;
    }
    return false;
}

TEST(fhir_status_of_a_case_without_events_has_no_empty_note)
{
    Carerhub__StatusReply st = CARERHUB__STATUS_REPLY__INIT;
    buf_t b = BUF_INIT;
    json_t *sr, *task;
    st.has_state = 1;
    st.state = CARERHUB__STATUS_REPLY__STATE__DELIVERED;
    st.referral_id = "GP-1795392000-1";
    fhir_service_request_status(&b, &st);
    sr = s_parse(&b);
    CHECK(sr);
    task = json_array_get(json_object_get(sr, "contained"), 0);
    CHECK_STR(s_str(task, "resourceType"), "Task");
    CHECK(!json_object_get(task, "note"));
    CHECK(!s_has_empty(sr));
    json_decref(sr);
    buf_free(&b);

    fhir_capability_statement(&b, "https://hub.example/fhir/r4", "1.0");
    sr = s_parse(&b);
    CHECK(sr);
    CHECK(!s_has_empty(sr));
    json_decref(sr);
    buf_free(&b);
}

TEST(fhir_capability_statement)
{
    buf_t b = BUF_INIT;
    json_t *cs, *rest, *res, *ia;
    bool create = false, read = false;
    size_t i;
    json_t *x;
    fhir_capability_statement(&b, "https://hub.example/fhir/r4", "1.2.3");
    cs = s_parse(&b);
    CHECK(cs);
    CHECK_STR(s_str(cs, "resourceType"), "CapabilityStatement");
    CHECK_STR(s_str(cs, "fhirVersion"), "4.0.1");
    CHECK_STR(s_str(cs, "status"), "active");
    CHECK_STR(s_str(cs, "kind"), "instance");
    CHECK(s_str(cs, "date"));
    CHECK_STR(s_str(json_object_get(cs, "software"), "version"), "1.2.3");
    CHECK_STR(s_str(json_object_get(cs, "implementation"), "url"), "https://hub.example/fhir/r4");
    rest = json_array_get(json_object_get(cs, "rest"), 0);
    CHECK_STR(s_str(rest, "mode"), "server");
    res = json_array_get(json_object_get(rest, "resource"), 0);
    CHECK_STR(s_str(res, "type"), "ServiceRequest");
    ia = json_object_get(res, "interaction");
    json_array_foreach(ia, i, x)
    {
        create = create || strcmp(s_str(x, "code"), "create") == 0;
        read = read || strcmp(s_str(x, "code"), "read") == 0;
    }
    CHECK(create && read);
    CHECK_INT(json_array_size(ia), 2);
    json_decref(cs);
    buf_free(&b);
}

TEST(fhir_http_statuses)
{
    CHECK_INT(fhir_http_status(FHIR_INVALID), 422);
    CHECK_INT(fhir_http_status(FHIR_NOT_FHIR), 400);
    CHECK_INT(fhir_http_status(FHIR_OK), 200);
}
