/*
 * Calls to the hub that never wait in the daemon's one thread. A handler
 * (or a `then`) calls web_call: the request is packed and sent at once, and
 * the handler returns; web_http.c suspends its connection, and the daemon
 * serves others. The answer, matched by the connection it came from and
 * its corr across every waiting call, or the call's deadline, makes the
 * wait ready and resumes the connection; web_http.c then runs `then` with
 * the answer (or none) and sends what it wrote, unless it made another
 * call. Until then a request is sent again every S_RESEND_MS, as a
 * blocking call did (a router restarting loses what it had not read; an
 * intake answers a resend with its first answer).
 *
 * web_call_each asks several servers the same at once, as the web itself
 * (no OnBehalf): one leg of the wait for each, sent, sent again and
 * answered each on its own; the wait is ready once every leg is answered
 * or its time is up, and `then` sees each leg's answer or none.
 *
 * A wait holds a copy of the request as its handler saw it: the session it
 * came with may be dropped or make way for another while it waits, and
 * nothing here looks at sessions again.
 */
#include "web_impl.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "wire/wire.h"

#include <stdlib.h>
#include <string.h>

#define S_RESEND_MS 2000 /* a request is sent again this often while it waits */
#define S_RETRY_MS  20   /* and tried again this soon when it could not go */

/* --- the table of waits -------------------------------------------------- */

static void s_add(web_hub_t *h, web_wait_t *wt)
{
    h->waits = xgrow(h->waits, &h->capwaits, h->nwaits + 1, sizeof *h->waits);
    h->waits[h->nwaits++] = wt;
}

static void s_remove(web_hub_t *h, const web_wait_t *wt)
{
    for (size_t i = 0; i < h->nwaits; i++)
        if (h->waits[i] == wt) {
            h->waits[i] = h->waits[--h->nwaits];
            return;
        }
}

/* A wait for request q, with copies of all q points to. */
static web_wait_t *s_wait_new(const web_req_t *q)
{
    web_wait_t *wt = xcalloc(1, sizeof *wt);
    wt->q.post = q->post;
    wt->q.path = wt->path = xstrdup(q->path ? q->path : "");
    if (q->user) {
        wt->user = *q->user;
        wt->q.user = &wt->user;
    }
    snprintf(wt->address, sizeof wt->address, "%s", q->address ? q->address : "");
    wt->q.address = wt->address;
    if (q->csrf) {
        snprintf(wt->csrf, sizeof wt->csrf, "%s", q->csrf);
        wt->q.csrf = wt->csrf;
    }
    wt->q.nfields = q->nfields;
    wt->names = xcalloc(q->nfields + 1, sizeof *wt->names);
    wt->values = xcalloc(q->nfields + 1, sizeof *wt->values);
    for (size_t i = 0; i < q->nfields; i++) {
        wt->names[i] = xstrdup(q->names[i]);
        wt->values[i] = xstrdup(q->values[i]);
    }
    wt->q.names = (const char *const *)wt->names;
    wt->q.values = (const char *const *)wt->values;
    wt->r.status = 200;
    return wt;
}

/* Forgets the legs of a web_call_each: what they sent and any answers. */
static void s_legs_clear(web_wait_t *wt)
{
    for (size_t i = 0; i < wt->nlegs; i++) {
        free(wt->legs[i].env);
        if (wt->legs[i].reply)
            carerhub__envelope__free_unpacked(wt->legs[i].reply, NULL);
    }
    memset(wt->legs, 0, sizeof wt->legs);
    wt->nlegs = 0;
    wt->then_each = NULL;
}

void web_wait_end(web_t *w, web_wait_t **slot)
{
    web_wait_t *wt = *slot;
    if (!wt)
        return;
    s_remove(&w->hub, wt);
    s_legs_clear(wt);
    if (wt->reply)
        carerhub__envelope__free_unpacked(wt->reply, NULL);
    if (wt->ctx && wt->ctx_free)
        wt->ctx_free(wt->ctx);
    for (size_t i = 0; i < wt->q.nfields; i++) {
        free(wt->names[i]);
        free(wt->values[i]);
    }
    free(wt->names);
    free(wt->values);
    free(wt->path);
    free(wt->env);
    buf_free(&wt->r.body);
    memset(&wt->user, 0, sizeof wt->user);
    free(wt);
    *slot = NULL;
}

/* The wait is over: its answer came (reply, taken) or its time is up
 * (NULL). A suspended request goes on at the next run of MHD. */
static void s_ready(web_t *w, web_wait_t *wt, Carerhub__Envelope *reply)
{
    wt->ready = true;
    wt->reply = reply;
    if (wt->suspended) {
        wt->suspended = false;
        web_http_resume(w, wt->conn);
    }
}

static void s_send(web_t *w, web_wait_t *wt, int64_t now)
{
    wt->next_send = web_hub_send(&w->hub, wt->to, wt->env, wt->nenv) == 0 ? now + S_RESEND_MS
                                                                          : now + S_RETRY_MS;
}

/* Sends leg i of wt (web_call_each) again when it is time, unless it has
 * been answered. */
static void s_send_leg(web_t *w, web_wait_t *wt, size_t i, int64_t now)
{
    if (wt->legs[i].reply || now < wt->legs[i].next_send)
        return;
    wt->legs[i].next_send =
        web_hub_send(&w->hub, wt->legs[i].to, wt->legs[i].env, wt->legs[i].nenv) == 0
            ? now + S_RESEND_MS
            : now + S_RETRY_MS;
}

/* --- the calls ----------------------------------------------------------- */

web_to_t web_to_intake(Carerhub__Source src)
{
    switch (src) {
    case CARERHUB__SOURCE__GP:
        return WEB_TO_GP;
    case CARERHUB__SOURCE__DISCHARGE:
        return WEB_TO_DISCHARGE;
    case CARERHUB__SOURCE__SCHOOL:
        return WEB_TO_SCHOOL;
    case CARERHUB__SOURCE__SELF:
        return WEB_TO_SELF;
    default:
        log_panic("web_to_intake: no intake for source %d", (int)src);
    }
}

/* Packs env with a corr of its own (*corr), as the gateway itself: a new
 * buffer of *n bytes. env is left as it was. */
static uint8_t *s_pack_own(web_hub_t *h, Carerhub__Envelope *env, uint64_t *corr, size_t *n)
{
    Carerhub__OnBehalf *saved = env->on_behalf;
    uint8_t *out;
    env->on_behalf = NULL;
    env->has_version = true;
    env->version = WIRE_VERSION;
    env->has_corr = true;
    env->corr = *corr = ++h->corr;
    *n = carerhub__envelope__get_packed_size(env);
    out = xmalloc(*n);
    carerhub__envelope__pack(env, out);
    env->on_behalf = saved;
    return out;
}

/* Packs env as wt's request: on behalf of its user (or the public, to the
 * self-intake), with a corr of its own. env is left as it was. */
static void s_pack(web_hub_t *h, web_wait_t *wt, Carerhub__Envelope *env)
{
    Carerhub__OnBehalf ob = CARERHUB__ON_BEHALF__INIT, *saved = env->on_behalf;
    const web_user_t *u = wt->q.user;
    if (u) {
        ob.user = (char *)u->name;
        ob.role = (char *)role_name(u->role);
        ob.organisation = u->org[0] ? (char *)u->org : NULL;
    } else {
        ob.role = (char *)"self"; /* the public: no user, no organisation */
    }
    env->on_behalf = &ob;
    env->has_version = true;
    env->version = WIRE_VERSION;
    env->has_corr = true;
    env->corr = wt->corr = ++h->corr;
    free(wt->env);
    wt->nenv = carerhub__envelope__get_packed_size(env);
    wt->env = xmalloc(wt->nenv);
    carerhub__envelope__pack(env, wt->env);
    env->on_behalf = saved;
}

/* The wait of the request a handler (or a then going on) is calling for:
 * its own, made now, or the one a then goes on with; ready for a new call
 * with ctx until timeout_ms from now. */
static web_wait_t *s_wait_begin(web_t *w, const web_req_t *q, const web_resp_t *r, void *ctx,
                                void (*ctx_free)(void *), int timeout_ms, int64_t now)
{
    web_wait_t *wt;
    /* Only a handler or a then calls, once each, writing nothing itself. */
    CH_ASSERT(w->wait != NULL && r->body.len == 0);
    if (!(wt = *w->wait)) {
        wt = *w->wait = s_wait_new(q);
        s_add(&w->hub, wt);
    } else {
        /* A then going on: the request is the wait's own copy already. */
        CH_ASSERT(q == &wt->q && !wt->calling);
    }
    s_legs_clear(wt);
    wt->calling = true;
    wt->ready = false;
    wt->ctx = ctx;
    wt->ctx_free = ctx_free;
    wt->deadline = now + (timeout_ms > 0 ? timeout_ms : 0);
    return wt;
}

void web_call(web_t *w, const web_req_t *q, web_resp_t *r, web_to_t to, Carerhub__Envelope *env,
              int timeout_ms, web_then_fn then, void *ctx, void (*ctx_free)(void *))
{
    int64_t now = clock_mono_ms();
    web_wait_t *wt;

    CH_ASSERT(then != NULL && to < WEB_TO_N);
    CH_ASSERT(q->user != NULL || to == WEB_TO_SELF);
    wt = s_wait_begin(w, q, r, ctx, ctx_free, timeout_ms, now);
    wt->to = to;
    wt->then = then;
    s_pack(&w->hub, wt, env);
    /* No server for it, or stopping: not reached. */
    if (!web_hub_serves(to) || w->hub.stopping) {
        s_ready(w, wt, NULL);
        return;
    }
    s_send(w, wt, now);
}

void web_call_each(web_t *w, const web_req_t *q, web_resp_t *r, const web_to_t *to, size_t n,
                   Carerhub__Envelope *env, int timeout_ms, web_then_each_fn then, void *ctx,
                   void (*ctx_free)(void *))
{
    int64_t now = clock_mono_ms();
    bool reached = !w->hub.stopping;
    web_wait_t *wt;

    CH_ASSERT(then != NULL && n >= 1 && n <= WEB_TO_N);
    wt = s_wait_begin(w, q, r, ctx, ctx_free, timeout_ms, now);
    wt->then = NULL;
    wt->then_each = then;
    /* The single call's fields match no answer while the legs wait. */
    wt->to = WEB_TO_N;
    for (size_t i = 0; i < n; i++) {
        CH_ASSERT(to[i] < WEB_TO_N);
        for (size_t j = 0; j < i; j++)
            CH_ASSERT(to[j] != to[i]);
        wt->legs[i].to = to[i];
        wt->legs[i].env = s_pack_own(&w->hub, env, &wt->legs[i].corr, &wt->legs[i].nenv);
        wt->legs[i].next_send = now;
        reached = reached && web_hub_serves(to[i]);
    }
    wt->nlegs = n;
    /* A server there is none for, or stopping: none is reached. */
    if (!reached) {
        s_ready(w, wt, NULL);
        return;
    }
    for (size_t i = 0; i < n; i++)
        s_send_leg(w, wt, i, now);
}

/* Runs the then of a web_call_each, each leg's answer (or none) given to
 * it and freed after. */
static void s_then_each(web_t *w, web_wait_t *wt, web_resp_t *r, void *ctx)
{
    Carerhub__Envelope *replies[WEB_TO_N];
    size_t n = wt->nlegs;
    web_then_each_fn then = wt->then_each;
    for (size_t i = 0; i < n; i++) {
        replies[i] = wt->legs[i].reply;
        wt->legs[i].reply = NULL;
    }
    then(w, &wt->q, r, (const Carerhub__Envelope *const *)replies, n, ctx);
    for (size_t i = 0; i < n; i++)
        if (replies[i])
            carerhub__envelope__free_unpacked(replies[i], NULL);
}

void web_wait_then(web_t *w, web_wait_t **slot, web_resp_t *r)
{
    web_wait_t *wt = *slot, **outer = w->wait;
    Carerhub__Envelope *reply = wt->reply;
    void *ctx = wt->ctx;
    void (*ctx_free)(void *) = wt->ctx_free;

    CH_ASSERT(wt->ready && wt->calling);
    wt->reply = NULL;
    wt->calling = false;
    w->wait = slot;
    if (wt->then_each)
        s_then_each(w, wt, r, ctx);
    else
        wt->then(w, &wt->q, r, reply, ctx);
    w->wait = outer;
    if (reply)
        carerhub__envelope__free_unpacked(reply, NULL);
    if (!wt->calling) {
        web_wait_end(w, slot); /* the last then: its context with it */
        return;
    }
    /* It called again; a context it did not pass on is done with. */
    if (ctx && ctx != wt->ctx && ctx_free)
        ctx_free(ctx);
}

/* --- the loop's side ----------------------------------------------------- */

void web_calls_reply(web_t *w, web_to_t from, Carerhub__Envelope *env)
{
    web_hub_t *h = &w->hub;
    /* Matched on the connection too: corr alone would let one server (an
     * intake, say) answer a call sent to another (the router) by guessing
     * its corr, which counts up. */
    for (size_t i = 0; env->has_corr && i < h->nwaits; i++) {
        web_wait_t *wt = h->waits[i];
        if (!wt->calling || wt->ready)
            continue;
        if (wt->to == from && wt->corr == env->corr) {
            s_ready(w, wt, env);
            return;
        }
        for (size_t j = 0; j < wt->nlegs; j++) {
            bool all = true;
            if (wt->legs[j].reply || wt->legs[j].to != from || wt->legs[j].corr != env->corr)
                continue;
            wt->legs[j].reply = env;
            for (size_t k = 0; k < wt->nlegs; k++)
                all = all && wt->legs[k].reply != NULL;
            if (all)
                s_ready(w, wt, NULL);
            return;
        }
    }
    h->late++;
    carerhub__envelope__free_unpacked(env, NULL);
}

void web_calls_tick(web_t *w, int64_t now)
{
    web_hub_t *h = &w->hub;
    for (size_t i = 0; i < h->nwaits; i++) {
        web_wait_t *wt = h->waits[i];
        if (!wt->calling || wt->ready)
            continue;
        if (now >= wt->deadline)
            s_ready(w, wt, NULL);
        else if (wt->nlegs)
            for (size_t j = 0; j < wt->nlegs; j++)
                s_send_leg(w, wt, j, now);
        else if (now >= wt->next_send)
            s_send(w, wt, now);
    }
}

long web_calls_next_ms(const web_t *w, int64_t now)
{
    const web_hub_t *h = &w->hub;
    int64_t next = -1;
    for (size_t i = 0; i < h->nwaits; i++) {
        const web_wait_t *wt = h->waits[i];
        int64_t at;
        if (!wt->calling || wt->ready)
            continue;
        at = wt->nlegs ? wt->deadline : wt->next_send < wt->deadline ? wt->next_send : wt->deadline;
        for (size_t j = 0; j < wt->nlegs; j++)
            if (!wt->legs[j].reply && wt->legs[j].next_send < at)
                at = wt->legs[j].next_send;
        if (next < 0 || at < next)
            next = at;
    }
    return next < 0 ? -1 : next <= now ? 0 : (long)(next - now);
}

size_t web_calls_pending(const web_t *w, int64_t *last_deadline)
{
    const web_hub_t *h = &w->hub;
    size_t n = 0;
    *last_deadline = 0;
    for (size_t i = 0; i < h->nwaits; i++) {
        const web_wait_t *wt = h->waits[i];
        if (!wt->calling || wt->ready)
            continue;
        n++;
        if (wt->deadline > *last_deadline)
            *last_deadline = wt->deadline;
    }
    return n;
}

void web_calls_stop(web_t *w)
{
    web_hub_t *h = &w->hub;
    h->stopping = true;
    for (size_t i = 0; i < h->nwaits; i++)
        if (h->waits[i]->calling && !h->waits[i]->ready)
            s_ready(w, h->waits[i], NULL);
}
