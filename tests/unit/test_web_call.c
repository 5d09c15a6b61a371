/*
 * Unit tests of carerhub-web's calls to the hub that do not wait
 * (web_call.c), without sockets: a call keeps its own copy of the request
 * (the session it came with may go while it waits) and sends it on behalf
 * of that user; answers are matched by the server they came from
 * and corr across the calls waiting; a
 * call past its deadline runs `then` with no answer, and what comes after
 * it, or after its client has gone, is dropped and counted late; a `then`
 * may call again; contexts are freed once; a call to the self-intake is
 * sent for the public (role self, no user) and waits as any other.
 */
#include "test.h"

#include "util/clock.h"
#include "util/mem.h"
#include "web/web_impl.h"
#include "wire/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the thens saw, and how often a context was freed. */
static struct {
    int runs, frees;
    bool replied;
    char user[64], field[64], path[64];
    uint64_t corr;
} s_seen;

static void s_ctx_free(void *ctx)
{
    s_seen.frees++;
    free(ctx);
}

static void s_then(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *reply,
                   void *ctx)
{
    const char *v = web_field(q, "carer.given_name");
    s_seen.runs++;
    s_seen.replied = reply != NULL;
    s_seen.corr = reply && reply->has_corr ? reply->corr : 0;
    snprintf(s_seen.user, sizeof s_seen.user, "%s", q->user ? q->user->name : "(none)");
    snprintf(s_seen.field, sizeof s_seen.field, "%s", v ? v : "(none)");
    snprintf(s_seen.path, sizeof s_seen.path, "%s", q->path);
    buf_adds(&r->body, reply ? "answered" : "not reached");
}

static web_t *s_web(void)
{
    web_t *w = xcalloc(1, sizeof *w);
    w->hub.corr = 1000;
    memset(&s_seen, 0, sizeof s_seen);
    return w;
}

static void s_web_free(web_t *w)
{
    web_hub_close(&w->hub);
    free(w);
}

/* A request of user (may be NULL) with one form field. */
static web_req_t s_req(const web_user_t *user, const char *const *names, const char *const *values)
{
    web_req_t q = {0};
    q.post = true;
    q.path = "/refer/gp";
    q.user = user;
    q.address = "127.0.0.1";
    q.nfields = 1;
    q.names = names;
    q.values = values;
    return q;
}

/* A call to `to` made as a handler makes it, kept in *slot. */
static void s_call(web_t *w, web_wait_t **slot, const web_req_t *q, web_to_t to, int timeout_ms,
                   web_then_fn then, void *ctx)
{
    Carerhub__StatusQuery sq = CARERHUB__STATUS_QUERY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    sq.referral_id = "GP-TEST-1";
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &sq;
    w->wait = slot;
    web_call(w, q, &r, to, &env, timeout_ms, then, ctx, ctx ? s_ctx_free : NULL);
    w->wait = NULL;
}

/* An answer with this corr, as wire_recv would make it. */
static Carerhub__Envelope *s_answer(uint64_t corr)
{
    Carerhub__StatusReply sr = CARERHUB__STATUS_REPLY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    uint8_t buf[256];
    size_t n;
    sr.referral_id = "GP-TEST-1";
    env.has_version = true;
    env.version = WIRE_VERSION;
    env.has_corr = true;
    env.corr = corr;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_REPLY;
    env.status_reply = &sr;
    n = carerhub__envelope__pack(&env, buf);
    return carerhub__envelope__unpack(NULL, n, buf);
}

/* Runs the then of a ready wait, as web_http.c does on resuming; what it
 * wrote is returned (a new string). */
static char *s_then_of(web_t *w, web_wait_t **slot)
{
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    web_wait_then(w, slot, &r);
    buf_addc(&r.body, '\0');
    return buf_take(&r.body);
}

TEST(web_call_keeps_its_own_copy_of_the_request)
{
    web_t *w = s_web();
    web_sessions_t *ss = web_sessions_new(4);
    const char *names[] = {"carer.given_name"}, *values[] = {"Jane"};
    char id[WEB_TOKEN_LEN + 1], *body;
    web_wait_t *wt = NULL;
    web_sess_t *s = web_sess_login(ss, 1000, id);
    web_req_t q;
    Carerhub__Envelope *sent;

    snprintf(s->user.name, sizeof s->user.name, "a.patel");
    s->user.role = ROLE_GP;
    snprintf(s->user.org, sizeof s->user.org, "F81001");
    q = s_req(&s->user, names, values);
    s_call(w, &wt, &q, WEB_TO_ROUTER, 3000, s_then, xstrdup("ctx"));
    CHECK(wt != NULL && !wt->ready);
    CHECK(wt->q.user != &s->user && wt->q.names != names);

    /* Sent on behalf of the user, with the call's own corr. */
    sent = carerhub__envelope__unpack(NULL, wt->nenv, wt->env);
    CHECK(sent != NULL);
    CHECK_STR(sent->on_behalf->user, "a.patel");
    CHECK_STR(sent->on_behalf->role, "gp");
    CHECK_STR(sent->on_behalf->organisation, "F81001");
    CHECK_INT(sent->corr, wt->corr);
    CHECK_INT(sent->version, WIRE_VERSION);
    carerhub__envelope__free_unpacked(sent, NULL);

    /* The session ends and another takes its place while the call waits. */
    web_sess_drop(ss, s);
    s = web_sess_login(ss, 2000, id);
    snprintf(s->user.name, sizeof s->user.name, "someone.else");
    values[0] = "Mallory";

    web_calls_reply(w, WEB_TO_ROUTER, s_answer(wt->corr));
    CHECK(wt->ready);
    body = s_then_of(w, &wt);
    CHECK_STR(body, "answered");
    free(body);
    CHECK_STR(s_seen.user, "a.patel");
    CHECK_STR(s_seen.field, "Jane");
    CHECK_STR(s_seen.path, "/refer/gp");
    CHECK(wt == NULL);          /* the last then: the wait is over */
    CHECK_INT(s_seen.frees, 1); /* and its context freed */
    CHECK_INT(w->hub.nwaits, 0);
    web_sessions_destroy(&ss);
    s_web_free(w);
}

TEST(web_call_answers_are_matched_by_corr)
{
    web_t *w = s_web();
    web_user_t u = {.name = "a.patel", .role = ROLE_GP, .org = "F81001"};
    const char *names[] = {"carer.given_name"}, *values[] = {"Jane"};
    web_req_t q = s_req(&u, names, values);
    web_wait_t *a = NULL, *b = NULL;
    uint64_t ca, cb;
    char *body;

    s_call(w, &a, &q, WEB_TO_GP, 5000, s_then, NULL);
    s_call(w, &b, &q, WEB_TO_ROUTER, 3000, s_then, NULL);
    ca = a->corr;
    cb = b->corr;
    CHECK(ca != cb);
    CHECK_INT(w->hub.nwaits, 2);

    web_calls_reply(w, WEB_TO_ROUTER, s_answer(cb + 1000)); /* no call's */
    CHECK_INT(w->hub.late, 1);
    web_calls_reply(w, WEB_TO_ROUTER, s_answer(cb));
    CHECK(b->ready && !a->ready);
    web_calls_reply(w, WEB_TO_ROUTER, s_answer(cb)); /* the answer to a resend of it */
    CHECK_INT(w->hub.late, 2);
    body = s_then_of(w, &b);
    CHECK_INT(s_seen.corr, cb);
    free(body);
    web_calls_reply(w, WEB_TO_GP, s_answer(ca));
    CHECK(a->ready);
    CHECK_INT(w->hub.late, 2);
    body = s_then_of(w, &a);
    CHECK_INT(s_seen.corr, ca);
    CHECK_INT(s_seen.runs, 2);
    free(body);
    s_web_free(w);
}

/* An answer counts only from the server the call went to: an intake (one
 * key taken over, say) that answers with a router call's corr, which it
 * can guess, answers nothing. */
TEST(web_call_answers_only_from_the_server_called)
{
    web_t *w = s_web();
    web_user_t u = {.name = "p.khan", .role = ROLE_PROVIDER, .org = "afc"};
    const char *names[] = {"x"}, *values[] = {"y"};
    web_req_t q = s_req(&u, names, values);
    web_wait_t *gp = NULL, *router = NULL;
    web_to_t others[] = {WEB_TO_GP, WEB_TO_DISCHARGE, WEB_TO_SCHOOL, WEB_TO_SELF};
    char *body;

    s_call(w, &gp, &q, WEB_TO_GP, 5000, s_then, NULL);
    s_call(w, &router, &q, WEB_TO_ROUTER, 5000, s_then, NULL);
    for (size_t i = 0; i < sizeof others / sizeof *others; i++)
        web_calls_reply(w, others[i], s_answer(router->corr));
    CHECK(!router->ready && !gp->ready);
    CHECK_INT(w->hub.late, 4);
    /* The GP intake's own call's answer from the router: not it either. */
    web_calls_reply(w, WEB_TO_ROUTER, s_answer(gp->corr));
    CHECK(!gp->ready && !router->ready);
    CHECK_INT(w->hub.late, 5);
    /* From the router, the router's call's answer is taken. */
    web_calls_reply(w, WEB_TO_ROUTER, s_answer(router->corr));
    CHECK(router->ready && !gp->ready);
    CHECK_INT(w->hub.late, 5);
    body = s_then_of(w, &router);
    CHECK_STR(body, "answered");
    free(body);
    web_calls_reply(w, WEB_TO_GP, s_answer(gp->corr));
    CHECK(gp->ready);
    free(s_then_of(w, &gp));
    CHECK_INT(s_seen.runs, 2);
    s_web_free(w);
}

TEST(web_call_past_its_deadline_runs_then_without_an_answer)
{
    web_t *w = s_web();
    web_user_t u = {.name = "a.patel", .role = ROLE_GP, .org = "F81001"};
    const char *names[] = {"x"}, *values[] = {"y"};
    web_req_t q = s_req(&u, names, values);
    web_wait_t *wt = NULL;
    int64_t now = clock_mono_ms(), last;
    uint64_t corr;
    long next;
    char *body;

    CHECK_INT(web_calls_next_ms(w, now), -1); /* nothing waits */
    s_call(w, &wt, &q, WEB_TO_ROUTER, 3000, s_then, xstrdup("ctx"));
    corr = wt->corr;
    /* Not connected here: it is tried again soon, and given up at its
     * deadline; the loop sleeps no longer than the nearer. */
    next = web_calls_next_ms(w, now);
    CHECK(next >= 0 && next <= 3000);
    CHECK_INT(web_calls_pending(w, &last), 1);
    CHECK(last >= now + 3000 && last <= clock_mono_ms() + 3000);
    web_calls_tick(w, last - 1);
    CHECK(!wt->ready);
    web_calls_tick(w, last);
    CHECK(wt->ready);
    CHECK_INT(web_calls_pending(w, &last), 0);
    web_calls_reply(w, WEB_TO_ROUTER, s_answer(corr)); /* too late */
    CHECK_INT(w->hub.late, 1);
    body = s_then_of(w, &wt);
    CHECK_STR(body, "not reached");
    CHECK(!s_seen.replied);
    CHECK_INT(s_seen.frees, 1);
    free(body);
    s_web_free(w);
}

TEST(web_call_whose_client_has_gone_drops_its_answer)
{
    web_t *w = s_web();
    web_user_t u = {.name = "a.patel", .role = ROLE_GP, .org = "F81001"};
    const char *names[] = {"x"}, *values[] = {"y"};
    web_req_t q = s_req(&u, names, values);
    web_wait_t *wt = NULL;
    uint64_t corr;

    s_call(w, &wt, &q, WEB_TO_ROUTER, 3000, s_then, xstrdup("ctx"));
    corr = wt->corr;
    web_wait_end(w, &wt); /* what the request-completed callback does */
    CHECK(wt == NULL);
    CHECK_INT(s_seen.frees, 1);
    web_calls_reply(w, WEB_TO_ROUTER, s_answer(corr));
    CHECK_INT(w->hub.late, 1);
    CHECK_INT(s_seen.runs, 0);
    s_web_free(w);
}

/* The first step of a page of two: asks the GP intake next, with the same
 * context (or, when ctx says "new", a new one). */
static void s_then_again(web_t *w, const web_req_t *q, web_resp_t *r,
                         const Carerhub__Envelope *reply, void *ctx)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatusQuery sq = CARERHUB__STATUS_QUERY__INIT;
    bool fresh = strcmp(ctx, "new") == 0;
    s_seen.runs++;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &sq;
    web_call(w, q, r, WEB_TO_GP, &env, 3000, s_then, fresh ? xstrdup("second") : ctx, s_ctx_free);
}

TEST(web_call_then_may_call_again)
{
    web_t *w = s_web();
    web_user_t u = {.name = "a.patel", .role = ROLE_GP, .org = "F81001"};
    const char *names[] = {"carer.given_name"}, *values[] = {"Jane"};
    web_req_t q = s_req(&u, names, values);
    web_wait_t *wt = NULL;
    uint64_t first;
    char *body;

    for (int fresh = 0; fresh < 2; fresh++) {
        memset(&s_seen, 0, sizeof s_seen);
        s_call(w, &wt, &q, WEB_TO_ROUTER, 3000, s_then_again, xstrdup(fresh ? "new" : "same"));
        first = wt->corr;
        web_calls_reply(w, WEB_TO_ROUTER, s_answer(first));
        body = s_then_of(w, &wt);
        CHECK_STR(body, ""); /* it called again, and wrote nothing */
        free(body);
        CHECK(wt != NULL && !wt->ready && wt->corr != first && wt->to == WEB_TO_GP);
        /* A context not passed on is freed; one passed on is kept. */
        CHECK_INT(s_seen.frees, fresh ? 1 : 0);
        web_calls_reply(w, WEB_TO_ROUTER, s_answer(first)); /* the first step's, again */
        CHECK(!wt->ready);
        web_calls_reply(w, WEB_TO_GP, s_answer(wt->corr));
        body = s_then_of(w, &wt);
        CHECK_STR(body, "answered");
        free(body);
        CHECK_STR(s_seen.user, "a.patel");
        CHECK_STR(s_seen.field, "Jane");
        CHECK(wt == NULL);
        CHECK_INT(s_seen.runs, 2);
        CHECK_INT(s_seen.frees, fresh ? 2 : 1);
    }
    s_web_free(w);
}

TEST(web_call_to_the_self_intake_and_when_stopping_is_not_reached)
{
    web_t *w = s_web();
    web_user_t u = {.name = "a.patel", .role = ROLE_GP, .org = "F81001"};
    const char *names[] = {"carer.given_name"}, *values[] = {"Sam"};
    web_req_t pub = s_req(NULL, names, values), q = s_req(&u, names, values);
    web_wait_t *wt = NULL, *waiting = NULL;
    Carerhub__Envelope *sent;
    char *body;

    CHECK_INT(web_to_intake(CARERHUB__SOURCE__GP), WEB_TO_GP);
    CHECK_INT(web_to_intake(CARERHUB__SOURCE__DISCHARGE), WEB_TO_DISCHARGE);
    CHECK_INT(web_to_intake(CARERHUB__SOURCE__SCHOOL), WEB_TO_SCHOOL);
    CHECK_INT(web_to_intake(CARERHUB__SOURCE__SELF), WEB_TO_SELF);

    /* The public's request, for the self-intake: role self, no user. It
     * waits for its answer (none here, with no connection: given up at
     * its deadline). */
    s_call(w, &wt, &pub, WEB_TO_SELF, 5000, s_then, NULL);
    CHECK(web_hub_serves(WEB_TO_SELF));
    CHECK(!wt->ready);
    web_calls_tick(w, wt->deadline);
    CHECK(wt->ready);
    sent = carerhub__envelope__unpack(NULL, wt->nenv, wt->env);
    CHECK(sent != NULL);
    CHECK_STR(sent->on_behalf->role, "self");
    CHECK(sent->on_behalf->user == NULL && sent->on_behalf->organisation == NULL);
    carerhub__envelope__free_unpacked(sent, NULL);
    body = s_then_of(w, &wt);
    CHECK_STR(body, "not reached");
    CHECK_STR(s_seen.user, "(none)");
    free(body);

    /* Stopping: the calls waiting are given up, and new ones at once. */
    s_call(w, &waiting, &q, WEB_TO_ROUTER, 3000, s_then, NULL);
    CHECK(!waiting->ready);
    web_calls_stop(w);
    CHECK(waiting->ready);
    s_call(w, &wt, &q, WEB_TO_GP, 5000, s_then, NULL);
    CHECK(wt->ready);
    free(s_then_of(w, &waiting));
    free(s_then_of(w, &wt));
    CHECK_INT(s_seen.runs, 3);
    CHECK(!s_seen.replied);
    s_web_free(w);
}
