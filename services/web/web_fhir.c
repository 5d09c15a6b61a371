/*
 * The FHIR R4 interface, in the manner of NHS England's BaRS, for the
 * clinical systems of referring organisations (each an API client, whose
 * token web_http_fhir.c has checked): POST ServiceRequest submits a
 * referral, GET ServiceRequest/ID reads where one stands, GET metadata is
 * the CapabilityStatement. lib/fhir translates; this file asks the hub as
 * the forms do (web_call on behalf of the client, so that the intake
 * judges its scope and the intake and the router audit every submission
 * and read, naming the gateway and the client) and maps the answers:
 *
 *   201  accepted (Location: <base>/ServiceRequest/<id>), the body the
 *        ServiceRequest as accepted (status active, Task requested)
 *   400  not JSON, not FHIR, too deep; no X-Request-ID or not a UUID
 *   403  a referral the client's organisation may not send
 *   409  an X-Request-ID used before for other content
 *   413  too large; 415 not JSON's type; 401 no or a bad token
 *   422  every problem, each by its FHIRPath
 *   503  the hub cannot be reached now (Retry-After): nothing was taken
 *
 * X-Request-ID is the submission's idempotency token: the same content
 * again gets the first answer. Nothing of the carer is logged here.
 */
#include "web_impl.h"

#include "fhir/fhir.h"
#include "util/date.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/version.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SUBMIT_MS 10000
#define S_QUERY_MS  3000
#define S_RETRY     "30" /* seconds, Retry-After of a 503 */
#define S_FHIR_TYPE "application/fhir+json; charset=utf-8"
#define S_NOT_FOUND "There is no referral of this organisation's with that id."
#define S_CORR_MAX  200 /* bytes of an X-Correlation-ID echoed */
#define S_UNREACHED "The hub cannot be reached now, so nothing was taken: send it again later."

void web_resp_header(web_resp_t *r, const char *name, const char *value)
{
    size_t have = strlen(r->headers), need = strlen(name) + strlen(value) + 3;
    for (const char *p = value; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return;
    if (have + need < sizeof r->headers)
        snprintf(r->headers + have, sizeof r->headers - have, "%s: %s\n", name, value);
}

/* The FHIR answer's type, and the X-Correlation-ID echoed. */
static void s_fhir(web_resp_t *r, const web_req_t *q, int status)
{
    const char *corr = q ? web_field(q, "x-correlation-id") : NULL;
    r->status = status;
    r->type = S_FHIR_TYPE;
    r->personal = true;
    if (corr && strlen(corr) <= S_CORR_MAX)
        web_resp_header(r, "X-Correlation-ID", corr);
    if (status == 503)
        web_resp_header(r, "Retry-After", S_RETRY);
}

void web_fhir_refusal(web_resp_t *r, const web_req_t *q, int status, const char *code,
                      const char *message)
{
    buf_free(&r->body);
    s_fhir(r, q, status);
    fhir_outcome1(&r->body, code, NULL, message);
}

/* The base of the FHIR interface's addresses: web.public_url, else where
 * the daemon listens, and /fhir/r4. */
static void s_base(const web_t *w, char *out, size_t outsz)
{
    const char *pub = web_conf(w) ? web_conf(w)->web.public_url : NULL;
    snprintf(out, outsz, "%s/fhir/r4", pub && *pub ? pub : w->url);
}

void web_fhir_metadata(web_t *w, const web_req_t *q, web_resp_t *r)
{
    char base[300];
    s_base(w, base, sizeof base);
    s_fhir(r, q, 200);
    r->personal = false;
    fhir_capability_statement(&r->body, base, CARERHUB_VERSION);
}

/* Whether s is a UUID as BaRS's X-Request-ID is (8-4-4-4-12 hex digits). */
static bool s_uuid(const char *s)
{
    static const int dash[] = {8, 13, 18, 23};
    size_t d = 0;
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-')
                return false;
            d++;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* --- POST ServiceRequest ------------------------------------------------- */

/* A submission on its way: the request as read (its paths, to name the
 * intake's field errors by), and the id it is sent with. */
typedef struct {
    fhir_read_t rd;
    char request_id[40];
} s_sub_t;

static void s_sub_free(void *p)
{
    s_sub_t *s = p;
    fhir_read_free(&s->rd);
    free(s);
}

/* An answer of issues, status st. */
static void s_issues(web_resp_t *r, const web_req_t *q, int st, const fhir_issues_t *is)
{
    s_fhir(r, q, st);
    fhir_operation_outcome(&r->body, is);
}

static void s_accepted(web_t *w, web_resp_t *r, const web_req_t *q, const char *id)
{
    Carerhub__StatusReply st = CARERHUB__STATUS_REPLY__INIT;
    char base[300];
    s_base(w, base, sizeof base);
    s_fhir(r, q, 201);
    snprintf(r->location, sizeof r->location, "%s/ServiceRequest/%s", base, id);
    /* The referral as it stands on acceptance, and no more (no times): the
     * same content sent again gets the same bytes. */
    st.has_state = true;
    st.state = CARERHUB__STATUS_REPLY__STATE__SPOOLED;
    st.referral_id = (char *)id;
    st.progress = (char *)"received";
    fhir_service_request_status(&r->body, &st);
}

/* The intake's refusal of fields (sr->errors): 409 for an X-Request-ID
 * used for other content, 403 for a referral outside the client's scope,
 * else 422 with each by its FHIRPath. */
static void s_rejected(web_resp_t *r, const web_req_t *q, const s_sub_t *s,
                       const Carerhub__SubmitReply *sr)
{
    ferrs_t errs = FERRS_INIT, scope = FERRS_INIT;
    fhir_issues_t is = FHIR_ISSUES_INIT;
    for (size_t i = 0; i < sr->n_errors; i++) {
        const Carerhub__FieldError *fe = sr->errors[i];
        if (fe->field && strcmp(fe->field, "token") == 0) {
            fhir_issues_free(&is);
            ferrs_free(&errs);
            ferrs_free(&scope);
            web_fhir_refusal(r, q, 409, "duplicate",
                             "This X-Request-ID was sent before with other content, which was "
                             "accepted: send another referral with a new X-Request-ID.");
            return;
        }
        /* The intake's words for a scope refusal are for a person with a
         * key: a client hears of its own organisation. */
        if (fe->code && strcmp(fe->code, "forbidden") == 0)
            ferrs_add(&scope, fe->field ? fe->field : "referral", "forbidden",
                      "is not this API client's organisation (%s): a client refers only for "
                      "its own",
                      q->user ? q->user->org : "none");
        else
            ferrs_add(&errs, fe->field ? fe->field : "referral", fe->code ? fe->code : "", "%s",
                      fe->message ? fe->message : "is not right");
    }
    fhir_issues_from_ferrs(&s->rd, scope.n ? &scope : &errs, &is);
    s_issues(r, q, scope.n ? 403 : 422, &is);
    fhir_issues_free(&is);
    ferrs_free(&errs);
    ferrs_free(&scope);
}

static void s_submitted(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                        void *ctx)
{
    s_sub_t *s = ctx;
    const Carerhub__SubmitReply *sr =
        rep && rep->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY ? rep->submit_reply : NULL;

    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
        strcmp(rep->error->code, "forbidden") == 0)
        web_fhir_refusal(r, q, 403, "forbidden",
                         "The hub does not take this kind of referral from this API client's "
                         "organisation.");
    else if (sr && sr->status == CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED && sr->referral_id)
        s_accepted(w, r, q, sr->referral_id);
    else if (sr && sr->status == CARERHUB__SUBMIT_REPLY__STATUS__REJECTED && sr->n_errors)
        s_rejected(r, q, s, sr);
    else
        web_fhir_refusal(r, q, 503, "transient", S_UNREACHED);
}

void web_fhir_submit(web_t *w, const web_req_t *q, web_resp_t *r)
{
    const char *rid = web_field(q, "x-request-id"), *body = web_field(q, "body");
    Carerhub__SubmitRequest sub = CARERHUB__SUBMIT_REQUEST__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    fhir_issues_t is = FHIR_ISSUES_INIT;
    referral_ctx_t ctx;
    s_sub_t *s;
    fhir_rc_t rc;
    role_t role;

    if (!s_uuid(rid)) {
        web_fhir_refusal(r, q, 400, rid ? "value" : "required",
                         rid ? "X-Request-ID must be a UUID (such as "
                               "5b3c1a7e-9d2f-4c61-8e0a-3f6d2b9c7e14), new for each referral."
                             : "X-Request-ID is needed: a new UUID for each referral, the same "
                               "one when the same referral is sent again.");
        return;
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.today = date_today();
    ctx.test_nhs_numbers = web_conf(w) && web_conf(w)->referrals.test_nhs_numbers;
    s = xcalloc(1, sizeof *s);
    snprintf(s->request_id, sizeof s->request_id, "%s", rid);
    /* A UUID's hex digits are the same in either case (RFC 4122 writes
     * them small): the token is the same for both. */
    for (char *c = s->request_id; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    rc = fhir_referral_check(body ? body : "", body ? strlen(body) : 0, &ctx, &s->rd, &is);
    if (rc == FHIR_OK &&
        (referral_submitter_role(s->rd.source, &role) < 0 || role != q->user->role)) {
        web_fhir_refusal(r, q, 403, "forbidden",
                         "This API client's organisation cannot send this kind of referral: a "
                         "practice sends GP referrals, a trust discharges, a school its pupils'.");
    } else if (rc != FHIR_OK) {
        s_issues(r, q, fhir_http_status(rc), &is);
    } else {
        sub.token = s->request_id;
        sub.referral = s->rd.referral;
        env.body_case = CARERHUB__ENVELOPE__BODY_SUBMIT;
        env.submit = &sub;
        fhir_issues_free(&is);
        web_call(w, q, r, web_to_intake(s->rd.source), &env, S_SUBMIT_MS, s_submitted, s,
                 s_sub_free);
        return;
    }
    fhir_issues_free(&is);
    s_sub_free(s);
}

/* --- GET ServiceRequest/ID ------------------------------------------------ */

/* A referral asked after, as /referrals/ID asks (web_referrals.c): the
 * router, then the intake that took it when the router does not know it
 * yet (only the intake of the client's own kind of referral). Another
 * organisation's reads as none: the same 404, byte for byte. */
typedef struct {
    char id[REFERRAL_ID_MAX + 1];
    bool router_unknown;
} s_one_t;

static bool s_unknown(const Carerhub__Envelope *rep)
{
    return rep && rep->body_case == CARERHUB__ENVELOPE__BODY_STATUS_REPLY &&
           rep->status_reply->state == CARERHUB__STATUS_REPLY__STATE__UNKNOWN;
}

static void s_show(web_resp_t *r, const web_req_t *q, const Carerhub__Envelope *rep)
{
    if (s_unknown(rep)) {
        web_fhir_refusal(r, q, 404, "not-found", S_NOT_FOUND);
    } else if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_STATUS_REPLY) {
        s_fhir(r, q, 200);
        fhir_service_request_status(&r->body, rep->status_reply);
    } else {
        web_fhir_refusal(r, q, 503, "transient",
                         "The hub cannot be reached now: ask again in a minute.");
    }
}

static void s_ask(web_t *w, const web_req_t *q, web_resp_t *r, web_to_t to, s_one_t *one,
                  web_then_fn then);

static void s_at_intake(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                        void *ctx)
{
    s_one_t *one = ctx;
    bool status = rep && rep->body_case == CARERHUB__ENVELOPE__BODY_STATUS_REPLY;
    if (status && (one->router_unknown || !s_unknown(rep)))
        s_show(r, q, rep);
    else if (one->router_unknown)
        web_fhir_refusal(r, q, 404, "not-found", S_NOT_FOUND);
    else
        s_show(r, q, NULL);
}

static void s_at_router(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                        void *ctx)
{
    s_one_t *one = ctx;
    Carerhub__Source src;
    role_t role;
    /* Only the intake the client's own organisation submits to can hold
     * its referral: another (a self-referral's, which a deployment may not
     * run at all) is not asked, and not waited for. */
    if ((!rep || s_unknown(rep)) && referral_source_of_id(one->id, &src) == 0 &&
        referral_submitter_role(src, &role) == 0 && q->user && role == q->user->role) {
        one->router_unknown = rep != NULL;
        s_ask(w, q, r, web_to_intake(src), one, s_at_intake);
        return;
    }
    s_show(r, q, rep);
}

static void s_ask(web_t *w, const web_req_t *q, web_resp_t *r, web_to_t to, s_one_t *one,
                  web_then_fn then)
{
    Carerhub__StatusQuery sq = CARERHUB__STATUS_QUERY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    sq.referral_id = one->id;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &sq;
    web_call(w, q, r, to, &env, S_QUERY_MS, then, one, free);
}

void web_fhir_read(web_t *w, const web_req_t *q, web_resp_t *r)
{
    static const char prefix[] = "/fhir/r4/ServiceRequest/";
    const char *id = q->path + sizeof prefix - 1;
    s_one_t *one;
    if (strncmp(q->path, prefix, sizeof prefix - 1) != 0 || !referral_id_ok(id)) {
        web_fhir_refusal(r, q, 404, "not-found", S_NOT_FOUND);
        return;
    }
    one = xcalloc(1, sizeof *one);
    snprintf(one->id, sizeof one->id, "%s", id);
    s_ask(w, q, r, WEB_TO_ROUTER, one, s_at_router);
}
