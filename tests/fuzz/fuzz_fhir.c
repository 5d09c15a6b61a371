/*
 * Fuzz target: lib/fhir's reader of FHIR requests (fhir_referral_check)
 * on arbitrary bytes. It must not crash, leak or hang; a request it
 * accepts has no issues, a referral of a known source that the hub accepts
 * again unchanged (harness_judge); one it refuses hands out no referral
 * and says why, each issue with a code and a message, and its
 * OperationOutcome is one JSON object with as many issues. The status
 * document and the CapabilityStatement, fed the same bytes as names, are
 * JSON too.
 */
#include "harness.h"

#include "fhir/fhir.h"
#include "util/buf.h"
#include "util/mem.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_outcome(const fhir_issues_t *is)
{
    buf_t b = BUF_INIT;
    json_error_t err;
    json_t *doc;
    fhir_operation_outcome(&b, is);
    harness_assert_json(b.data, b.len);
    doc = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &err);
    HARNESS_ASSERT(json_is_object(doc));
    HARNESS_ASSERT(json_array_size(json_object_get(doc, "issue")) == (is->n ? is->n : 1));
    json_decref(doc);
    buf_free(&b);
    for (size_t i = 0; i < is->n; i++) {
        HARNESS_ASSERT(is->v[i].code && is->v[i].code[0]);
        HARNESS_ASSERT(is->v[i].message && is->v[i].message[0]);
    }
}

/* The answers with names taken from the input (any bytes). */
static void s_answers(const uint8_t *data, size_t size)
{
    Carerhub__StatusReply st = CARERHUB__STATUS_REPLY__INIT;
    char *name = xstrndup((const char *)data, size < 200 ? size : 200);
    buf_t b = BUF_INIT;
    st.referral_id = name;
    st.provider_name = name;
    st.progress = name;
    st.detail = name;
    st.has_state = 1;
    st.state = CARERHUB__STATUS_REPLY__STATE__REJECTED;
    fhir_service_request_status(&b, &st);
    harness_assert_json(b.data, b.len);
    buf_reset(&b);
    fhir_capability_statement(&b, name, name);
    harness_assert_json(b.data, b.len);
    buf_free(&b);
    free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    referral_ctx_t ctx;
    fhir_read_t rd;
    fhir_issues_t is = FHIR_ISSUES_INIT;
    fhir_rc_t rc;

    harness_ctx(&ctx);
    rc = fhir_referral_check((const char *)data, size, &ctx, &rd, &is);
    if (rc == FHIR_OK) {
        ferrs_t errs = FERRS_INIT;
        HARNESS_ASSERT(rd.referral && is.n == 0);
        HARNESS_ASSERT(rd.source == CARERHUB__SOURCE__GP ||
                       rd.source == CARERHUB__SOURCE__DISCHARGE ||
                       rd.source == CARERHUB__SOURCE__SCHOOL);
        HARNESS_ASSERT(harness_judge(rd.referral, rd.source, &errs) == 0);
        ferrs_free(&errs);
    } else {
        HARNESS_ASSERT(!rd.referral && is.n > 0);
        HARNESS_ASSERT(fhir_http_status(rc) >= 400);
    }
    s_outcome(&is);
    if (size < 4096)
        s_answers(data, size);
    fhir_read_free(&rd);
    fhir_issues_free(&is);
    return 0;
}
