/*
 * Unit tests of carerhub-web's FHIR interface: who an API client's bearer
 * token makes a request (web_http_fhir.c: unknown, disabled, a recorded
 * certificate not presented, failures throttled per address), and what
 * each answer of the hub becomes (web_fhir.c: 201 with Location, 409,
 * 403, 422, 503 with Retry-After; 400 for a missing X-Request-ID; the
 * X-Correlation-ID echoed), run as web_http.c runs a handler.
 */
#include "test.h"
#include "web_run.h"

#include "account/client.h"
#include "util/file.h"
#include "util/mem.h"
#include "web/web_http.h"

#include <stdlib.h>
#include <string.h>

static const web_user_t s_gp = {"api.gp1", ROLE_GP, "F81001", "", false};

/* A daemon with a store of clients and a throttle, as main.c makes it. */
static web_t *s_web(void)
{
    web_t *w = xcalloc(1, sizeof *w);
    char *dir = file_join(test_tmpdir(), "web");
    int err;
    w->store = account_open(dir, &err);
    free(dir);
    w->throttle = web_throttle_new(100);
    w->lim.login_attempts = 5;
    w->lim.login_attempts_per_address = 4;
    w->lim.login_window_ms = 60000;
    return w;
}

static void s_web_end(web_t *w)
{
    store_close(&w->store);
    web_throttle_destroy(&w->throttle);
    free(w);
}

static int s_who(web_t *w, const char *auth, const char *addr, const uint8_t *fp, web_user_t *u)
{
    char msg[256];
    return web_fhir_client(w, auth, addr, fp, u, msg, sizeof msg);
}

TEST(web_fhir_client_by_bearer_token)
{
    web_t *w = s_web();
    char tok[CLIENT_TOKEN_LEN + 1], auth[80], msg[256];
    web_user_t u;
    CHECK_INT(client_add(w->store, "gp1", ROLE_GP, "F81001", NULL, tok, msg, sizeof msg),
              ACCOUNT_OK);
    snprintf(auth, sizeof auth, "Bearer %s", tok);
    CHECK_INT(s_who(w, auth, "192.0.2.1", NULL, &u), 0);
    /* The hub knows it as the gateway's user api.gp1, of its practice. */
    CHECK_STR(u.name, "api.gp1");
    CHECK_INT(u.role, ROLE_GP);
    CHECK_STR(u.org, "F81001");
    CHECK(!u.must_change);
    /* The scheme's name is case-insensitive; anything but Bearer is not. */
    snprintf(auth, sizeof auth, "bearer %s", tok);
    CHECK_INT(s_who(w, auth, "192.0.2.1", NULL, &u), 0);
    snprintf(auth, sizeof auth, "Basic %s", tok);
    CHECK_INT(s_who(w, auth, "192.0.2.1", NULL, &u), 401);
    CHECK_INT(s_who(w, NULL, "192.0.2.1", NULL, &u), 401);
    CHECK_INT(s_who(w, "Bearer ", "192.0.2.1", NULL, &u), 401);
    CHECK_INT(client_disable(w->store, "gp1", true, msg, sizeof msg), ACCOUNT_OK);
    snprintf(auth, sizeof auth, "Bearer %s", tok);
    CHECK_INT(s_who(w, auth, "192.0.2.2", NULL, &u), 401);
    CHECK_STR(u.name, "");
    s_web_end(w);
}

TEST(web_fhir_client_failures_throttled_per_address)
{
    web_t *w = s_web();
    char tok[CLIENT_TOKEN_LEN + 1], auth[80], msg[256];
    web_user_t u;
    CHECK_INT(client_add(w->store, "gp1", ROLE_GP, "F81001", NULL, tok, msg, sizeof msg),
              ACCOUNT_OK);
    snprintf(auth, sizeof auth, "Bearer %s", tok);
    for (int i = 0; i < 4; i++)
        CHECK_INT(
            s_who(w, "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "192.0.2.9", NULL, &u),
            401);
    /* A wrong token (or none) from the address waits, within the window
     * of a minute; the right token is served from it all the same. */
    CHECK_INT(web_fhir_client(w, "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "192.0.2.9",
                              NULL, &u, msg, sizeof msg),
              429);
    CHECK_CONTAINS(msg, "try again in 60 seconds");
    CHECK_INT(web_fhir_client(w, NULL, "192.0.2.9", NULL, &u, msg, sizeof msg), 429);
    CHECK_INT(s_who(w, auth, "192.0.2.9", NULL, &u), 0);
    CHECK_STR(u.name, "api.gp1");
    CHECK_INT(s_who(w, auth, "192.0.2.10", NULL, &u), 0);
    s_web_end(w);
}

TEST(web_fhir_client_with_a_recorded_certificate)
{
    web_t *w = s_web();
    char tok[CLIENT_TOKEN_LEN + 1], auth[80], msg[256], ca[] = "a CA";
    uint8_t fp[32], other[32];
    web_user_t u;
    memset(fp, 0xab, sizeof fp);
    memset(other, 0xac, sizeof other);
    CHECK_INT(client_add(w->store, "pas", ROLE_HOSPITAL, "RAJ", fp, tok, msg, sizeof msg),
              ACCOUNT_OK);
    snprintf(auth, sizeof auth, "Bearer %s", tok);
    /* No client certificates asked for: the token alone is not enough. */
    CHECK_INT(s_who(w, auth, "192.0.2.1", fp, &u), 401);
    w->tls_client_ca = ca;
    CHECK_INT(s_who(w, auth, "192.0.2.1", NULL, &u), 401);
    CHECK_INT(s_who(w, auth, "192.0.2.1", other, &u), 401);
    CHECK_INT(s_who(w, auth, "192.0.2.1", fp, &u), 0);
    CHECK_STR(u.name, "api.pas");
    w->tls_client_ca = NULL;
    s_web_end(w);
}

/* Runs POST ServiceRequest with these headers and body. */
static void s_post(web_run_t *run, const char *rid, const char *corr, const char *body)
{
    const char *names[3], *values[3];
    size_t n = 0;
    web_req_t q;
    if (rid) {
        names[n] = "x-request-id";
        values[n++] = rid;
    }
    if (corr) {
        names[n] = "x-correlation-id";
        values[n++] = corr;
    }
    names[n] = "body";
    values[n++] = body;
    q = web_run_req(&s_gp, true, "/fhir/r4/ServiceRequest", names, values, n);
    web_run_start(run, web_fhir_submit, &q);
}

TEST(web_fhir_submit_needs_a_request_id_uuid)
{
    web_run_t run;
    s_post(&run, NULL, "corr-1", "{}");
    CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY__NOT_SET);
    CHECK_CONTAINS(web_run_done(&run), "OperationOutcome");
    CHECK_CONTAINS(run.body, "X-Request-ID is needed");
    CHECK_INT(run.r.status, 400);
    CHECK_STR(run.r.type, "application/fhir+json; charset=utf-8");
    CHECK_CONTAINS(run.r.headers, "X-Correlation-ID: corr-1\n");
    web_run_end(&run);
    s_post(&run, "not-a-uuid", NULL, "{}");
    CHECK_INT(run.r.status, 400);
    CHECK_CONTAINS(web_run_done(&run), "must be a UUID");
    CHECK(!strstr(run.r.headers, "X-Correlation-ID"));
    web_run_end(&run);
    /* A correlation id that would break the header is not echoed. */
    s_post(&run, NULL, "a\r\nSet-Cookie: x=1", "{}");
    CHECK(!strstr(run.r.headers, "Set-Cookie"));
    web_run_end(&run);
}

TEST(web_fhir_submit_not_json_is_400_and_nothing_sent)
{
    web_run_t run;
    s_post(&run, "5b3c1a7e-9d2f-4c61-8e0a-3f6d2b9c7e14", NULL, "this is not { json");
    CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY__NOT_SET);
    CHECK_CONTAINS(web_run_done(&run), "OperationOutcome");
    CHECK_INT(run.r.status, 400);
    web_run_end(&run);
    s_post(&run, "5b3c1a7e-9d2f-4c61-8e0a-3f6d2b9c7e14", NULL, "{\"resourceType\":\"Patient\"}");
    CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY__NOT_SET);
    CHECK_INT(run.r.status, 400);
    web_run_end(&run);
}

TEST(web_fhir_metadata_is_a_capability_statement)
{
    web_run_t run;
    web_req_t q = web_run_req(&s_gp, false, "/fhir/r4/metadata", NULL, NULL, 0);
    web_run_start(&run, web_fhir_metadata, &q);
    CHECK_INT(run.r.status, 200);
    CHECK_CONTAINS(web_run_done(&run), "CapabilityStatement");
    CHECK_CONTAINS(run.body, "ServiceRequest");
    web_run_end(&run);
}

TEST(web_fhir_read_unknown_and_malformed_ids_the_same_404)
{
    web_run_t run;
    Carerhub__StatusReply st = CARERHUB__STATUS_REPLY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    char *first;
    web_req_t q = web_run_req(&s_gp, false, "/fhir/r4/ServiceRequest/x/../y", NULL, NULL, 0);
    web_run_start(&run, web_fhir_read, &q);
    CHECK_INT(run.r.status, 404);
    first = xstrdup(web_run_done(&run));
    web_run_end(&run);
    /* The router knows no such referral of this organisation's (another's
     * reads the same), nor does the intake. */
    q = web_run_req(&s_gp, false, "/fhir/r4/ServiceRequest/GP-20260101-1", NULL, NULL, 0);
    web_run_start(&run, web_fhir_read, &q);
    CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY_STATUS_QUERY);
    st.has_state = true;
    st.state = CARERHUB__STATUS_REPLY__STATE__UNKNOWN;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_REPLY;
    env.status_reply = &st;
    web_run_answer(&run, &env);
    CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY_STATUS_QUERY);
    web_run_answer(&run, &env);
    CHECK_INT(run.r.status, 404);
    CHECK_STR(web_run_done(&run), first);
    web_run_end(&run);
    free(first);
}

TEST(web_fhir_read_asks_no_intake_of_another_kind_of_referral)
{
    web_run_t run;
    Carerhub__StatusReply st = CARERHUB__STATUS_REPLY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    /* A self-referral's id, and a school's, asked by a practice's client:
     * the router knows neither; no intake is asked, the 404 is at once. */
    const char *ids[] = {"/fhir/r4/ServiceRequest/SR-20260101-1",
                         "/fhir/r4/ServiceRequest/SC-20260101-1"};
    st.has_state = true;
    st.state = CARERHUB__STATUS_REPLY__STATE__UNKNOWN;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_REPLY;
    env.status_reply = &st;
    for (size_t i = 0; i < 2; i++) {
        web_req_t q = web_run_req(&s_gp, false, ids[i], NULL, NULL, 0);
        web_run_start(&run, web_fhir_read, &q);
        CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY_STATUS_QUERY);
        web_run_answer(&run, &env);
        CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY__NOT_SET);
        CHECK_INT(run.r.status, 404);
        CHECK_CONTAINS(web_run_done(&run), "OperationOutcome");
        web_run_end(&run);
    }
}

/* The GP sample, POSTed by F81001's client: what it asks the GP intake. */
static char *s_sample(void)
{
    char *data = NULL;
    size_t len;
    if (file_read_all(test_src("config/samples/fhir-gp.json"), 1u << 20, &data, &len) != 0)
        test_fail(__FILE__, __LINE__, "cannot read config/samples/fhir-gp.json");
    return data ? data : xstrdup("");
}

static const char s_rid[] = "5b3c1a7e-9d2f-4c61-8e0a-3f6d2b9c7e14";

static void s_submit_reply(web_run_t *run, Carerhub__SubmitReply__Status st, const char *id,
                           const char *field, const char *code)
{
    Carerhub__SubmitReply sr = CARERHUB__SUBMIT_REPLY__INIT;
    Carerhub__FieldError fe = CARERHUB__FIELD_ERROR__INIT, *fes[1] = {&fe};
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    sr.has_status = true;
    sr.status = st;
    sr.referral_id = (char *)id;
    if (field) {
        fe.field = (char *)field;
        fe.code = (char *)code;
        fe.message = (char *)"is not right";
        sr.n_errors = 1;
        sr.errors = fes;
    }
    env.body_case = CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY;
    env.submit_reply = &sr;
    web_run_answer(run, &env);
}

TEST(web_fhir_submit_sends_on_behalf_of_the_client_with_its_request_id)
{
    char *body = s_sample();
    web_run_t run;
    Carerhub__Envelope *asked;
    s_post(&run, s_rid, "c-9", body);
    asked = web_run_asked(&run);
    CHECK(asked && asked->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT);
    CHECK_INT(run.slot->to, WEB_TO_GP);
    CHECK_STR(asked->submit->token, s_rid);
    CHECK_STR(asked->on_behalf->user, "api.gp1");
    CHECK(asked->submit->referral != NULL);
    carerhub__envelope__free_unpacked(asked, NULL);
    web_run_end(&run);
    /* The same UUID in capitals is the same token. */
    s_post(&run, "5B3C1A7E-9D2F-4C61-8E0A-3F6D2B9C7E14", "c-9", body);
    asked = web_run_asked(&run);
    CHECK(asked && asked->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT);
    CHECK_STR(asked->submit->token, s_rid);
    CHECK_STR(asked->on_behalf->user, "api.gp1");
    CHECK_STR(asked->on_behalf->role, "gp");
    CHECK_STR(asked->on_behalf->organisation, "F81001");
    CHECK(asked->submit->referral != NULL);
    carerhub__envelope__free_unpacked(asked, NULL);
    s_submit_reply(&run, CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED, "GP-ABC123-7", NULL, NULL);
    CHECK_INT(run.r.status, 201);
    CHECK_STR(run.r.location, "/fhir/r4/ServiceRequest/GP-ABC123-7");
    CHECK_CONTAINS(web_run_done(&run), "\"GP-ABC123-7\"");
    CHECK_CONTAINS(run.body, "ServiceRequest");
    CHECK_CONTAINS(run.r.headers, "X-Correlation-ID: c-9\n");
    web_run_end(&run);
    free(body);
}

TEST(web_fhir_submit_maps_the_intakes_refusals)
{
    static const struct {
        const char *field, *code;
        int status;
        const char *says;
    } cases[] = {
        {"token", "reused", 409, "duplicate"},
        {"practice", "forbidden", 403, "\"code\":\"forbidden\""},
        {"carer.postcode", "format", 422, "is not right"},
    };
    char *body = s_sample();
    web_run_t run;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        s_post(&run, s_rid, NULL, body);
        s_submit_reply(&run, CARERHUB__SUBMIT_REPLY__STATUS__REJECTED, NULL, cases[i].field,
                       cases[i].code);
        CHECK_INT(run.r.status, cases[i].status);
        CHECK_CONTAINS(web_run_done(&run), "OperationOutcome");
        CHECK_CONTAINS(run.body, cases[i].says);
        CHECK(!run.r.location[0]);
        web_run_end(&run);
    }
    /* Another organisation's: said to the client of its own, not in the
     * intake's words for a person's key. */
    s_post(&run, s_rid, NULL, body);
    s_submit_reply(&run, CARERHUB__SUBMIT_REPLY__STATUS__REJECTED, NULL, "practice", "forbidden");
    CHECK_CONTAINS(web_run_done(&run), "is not this API client's organisation (F81001)");
    CHECK(!strstr(run.body, "is not right"));
    web_run_end(&run);
    /* The intake's field error named where the request holds the field. */
    s_post(&run, s_rid, NULL, body);
    s_submit_reply(&run, CARERHUB__SUBMIT_REPLY__STATUS__REJECTED, NULL, "carer.postcode",
                   "format");
    CHECK_CONTAINS(web_run_done(&run), "postalCode");
    web_run_end(&run);
    /* Not answered in time, or unavailable: 503, to send again. */
    s_post(&run, s_rid, NULL, body);
    web_run_answer(&run, NULL);
    CHECK_INT(run.r.status, 503);
    CHECK_CONTAINS(run.r.headers, "Retry-After: 30\n");
    web_run_end(&run);
    s_post(&run, s_rid, NULL, body);
    s_submit_reply(&run, CARERHUB__SUBMIT_REPLY__STATUS__UNAVAILABLE, NULL, NULL, NULL);
    CHECK_INT(run.r.status, 503);
    web_run_end(&run);
    free(body);
}

TEST(web_fhir_submit_of_another_role_is_403_and_not_sent)
{
    static const web_user_t school = {"api.mis", ROLE_SCHOOL, "115000", "", false};
    const char *names[] = {"x-request-id", "body"};
    char *body = s_sample();
    const char *values[] = {s_rid, body};
    web_req_t q = web_run_req(&school, true, "/fhir/r4/ServiceRequest", names, values, 2);
    web_run_t run;
    web_run_start(&run, web_fhir_submit, &q);
    CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY__NOT_SET);
    CHECK_INT(run.r.status, 403);
    CHECK_CONTAINS(web_run_done(&run), "forbidden");
    web_run_end(&run);
    free(body);
}
