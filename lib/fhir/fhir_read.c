/*
 * A request to a Referral: the ServiceRequest's own elements (status
 * active, intent order, the code for support for an unpaid carer), then
 * the resources it refers to, bound part by part (fhir_bind*.c), then the
 * source's part. Every problem is an issue; a referral is handed out only
 * when there are none, and fhir_referral_check adds referral_check's
 * judgement of the fields so one answer lists everything.
 */
#include "fhir/fhir_impl.h"

#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_service_request(fhir_doc_t *d)
{
    const fhir_res_t *sr = &d->sr;
    const char *status, *intent;
    json_t *code, *coding, *c;
    size_t i;
    bool ours = false;
    char at[160];

    fhir_doc_elements(d, sr, fhir_el_service_request);
    status = fhir_str(d, sr->json, "status", sr->path);
    snprintf(at, sizeof at, "%s.status", sr->path);
    if (!status)
        fhir_issue_add(d->is, "required", at, "is required: a referral is sent as active");
    else if (strcmp(status, "active") != 0)
        fhir_issue_add(d->is, "value", at,
                       "is %.20s: a referral is sent as active (the hub says later where it "
                       "stands)",
                       status);
    intent = fhir_str(d, sr->json, "intent", sr->path);
    snprintf(at, sizeof at, "%s.intent", sr->path);
    if (!intent)
        fhir_issue_add(d->is, "required", at, "is required: order");
    else if (strcmp(intent, "order") != 0)
        fhir_issue_add(d->is, "value", at, "is %.20s: a referral to the hub is an order", intent);
    snprintf(at, sizeof at, "%s.doNotPerform", sr->path);
    if (fhir_bool(d, sr->json, "doNotPerform", sr->path) == 1)
        fhir_issue_add(d->is, "not-supported", at,
                       "is true: the hub takes referrals for support, not requests that it "
                       "not be given");
    code = fhir_obj(d, sr->json, "code", sr->path);
    snprintf(at, sizeof at, "%s.code", sr->path);
    coding = code ? fhir_arr(d, code, "coding", at) : NULL;
    json_array_foreach(coding, i, c) ours =
        ours || fhir_coding_is(c, FHIR_CS_SERVICE, FHIR_CARER_SUPPORT);
    if (!ours)
        fhir_issue_add(d->is, code ? "code-invalid" : "required", at,
                       "must say what is asked for: support for an unpaid carer, coding "
                       "system " FHIR_CS_SERVICE ", code " FHIR_CARER_SUPPORT);
}

/* A second resource of a type of which a referral has one. */
static void s_once(fhir_doc_t *d, const char *type, const char *why)
{
    const fhir_res_t *first = NULL;
    for (size_t i = 0; i < d->nres; i++) {
        const fhir_res_t *r = &d->res[i];
        if (!r->json || strcmp(r->type, type) != 0)
            continue;
        if (!first)
            first = r;
        else
            fhir_issue_add(d->is, "business-rule", r->path, "is a second %s: %s", type, why);
    }
}

/* The resources of ServiceRequest.supportingInfo: the people cared for,
 * in its order (the first is cared_for, the rest more_cared_for), and the
 * consent; when it names none of a kind, the only one of its type in the
 * request. */
static void s_supporting(fhir_bind_t *b)
{
    fhir_doc_t *d = b->d;
    json_t *list = fhir_arr(d, d->sr.json, "supportingInfo", d->sr.path), *ref;
    size_t i;
    char at[160];
    json_array_foreach(list, i, ref)
    {
        const fhir_res_t *r;
        snprintf(at, sizeof at, "%s.supportingInfo[%zu]", d->sr.path, i);
        if (!(r = fhir_doc_ref(d, ref, at, NULL)))
            continue;
        if (strcmp(r->type, "RelatedPerson") == 0) {
            bool again = b->related && b->related->json == r->json;
            for (size_t k = 0; k < b->n_more_related && !again; k++)
                again = b->more_related[k]->json == r->json;
            if (again)
                fhir_issue_add(d->is, "duplicate", at,
                               "names a RelatedPerson an earlier supportingInfo names: name "
                               "each person cared for once");
            else if (!b->related)
                b->related = r;
            else if (b->n_more_related < FHIR_RES_MAX)
                b->more_related[b->n_more_related++] = r;
        } else if (strcmp(r->type, "Consent") == 0 && !b->consent) {
            b->consent = r;
        }
    }
    if (!b->related)
        b->related = fhir_doc_only(d, "RelatedPerson");
    if (!b->consent)
        b->consent = fhir_doc_only(d, "Consent");
}

static fhir_rc_t s_read(const char *body, size_t len, fhir_read_t *out, fhir_issues_t *is)
{
    static const char *const patient_t[] = {"Patient", NULL};
    fhir_doc_t *d = xcalloc(1, sizeof *d);
    fhir_bind_t b = {0};
    json_t *root;
    size_t n0 = is->n;
    fhir_rc_t rc;
    char at[160];

    memset(out, 0, sizeof *out);
    if ((rc = fhir_json_load(body, len, &root, is)) != FHIR_OK) {
        free(d);
        return rc;
    }
    if ((rc = fhir_doc_open(d, root, is)) != FHIR_OK) {
        json_decref(root);
        free(d);
        return rc;
    }
    snprintf(out->service_request, sizeof out->service_request, "%s", d->sr.path);
    b.d = d;
    b.out = out;
    b.gp_record = -1;
    b.r = xmalloc(sizeof *b.r);
    carerhub__referral__init(b.r);
    s_service_request(d);
    s_once(d, "Patient",
           "the carer is the request's only Patient (the person cared for is a "
           "RelatedPerson; a discharge patient's NHS number goes in Encounter.subject.identifier)");
    s_once(d, "Consent", "one consent covers the referral");
    s_once(d, "Encounter", "a discharge referral names one hospital stay");

    snprintf(at, sizeof at, "%s.subject", d->sr.path);
    if (!json_object_get(d->sr.json, "subject"))
        fhir_issue_add(is, "required", at, "is required: the carer, as a Patient");
    b.patient = fhir_doc_ref(d, json_object_get(d->sr.json, "subject"), at, patient_t);
    s_supporting(&b);
    fhir_bind_patient(&b);
    fhir_bind_related(&b);
    fhir_bind_consent(&b);
    fhir_bind_requester(&b);
    fhir_bind_encounter(&b);
    fhir_bind_caring(&b);
    out->source = fhir_bind_source(&b);
    if (out->source != CARERHUB__SOURCE__SOURCE_UNKNOWN)
        fhir_bind_part(&b, out->source);
    out->referral = b.r;
    json_decref(root);
    free(d);
    return is->n > n0 ? FHIR_INVALID : FHIR_OK;
}

fhir_rc_t fhir_service_request_read(const char *body, size_t len, fhir_read_t *out,
                                    fhir_issues_t *issues)
{
    fhir_rc_t rc = s_read(body, len, out, issues);
    if (rc != FHIR_OK && out->referral) {
        carerhub__referral__free_unpacked(out->referral, NULL);
        out->referral = NULL;
    }
    return rc;
}

fhir_rc_t fhir_referral_check(const char *body, size_t len, const referral_ctx_t *ctx,
                              fhir_read_t *out, fhir_issues_t *issues)
{
    fhir_rc_t rc = s_read(body, len, out, issues);
    ferrs_t errs = FERRS_INIT;
    /* The fields are judged even when the structure has problems, so
     * that the referrer hears of everything at once. */
    if (out->referral && out->source != CARERHUB__SOURCE__SOURCE_UNKNOWN &&
        referral_check(out->referral, out->source, ctx, &errs) < 0) {
        fhir_issues_from_ferrs(out, &errs, issues);
        rc = FHIR_INVALID;
    }
    ferrs_free(&errs);
    if (out->referral && out->source == CARERHUB__SOURCE__SOURCE_UNKNOWN)
        rc = FHIR_INVALID;
    if (rc != FHIR_OK && out->referral) {
        carerhub__referral__free_unpacked(out->referral, NULL);
        out->referral = NULL;
    }
    return rc;
}

void fhir_read_free(fhir_read_t *r)
{
    if (r->referral)
        carerhub__referral__free_unpacked(r->referral, NULL);
    r->referral = NULL;
}
