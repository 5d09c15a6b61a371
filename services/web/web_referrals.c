/*
 * What happened to a referrer's referrals: /referrals lists the user's
 * organisation's referrals, newest first, with where each stands (one
 * feedback query of the router, newest first; ?after=ID lists those older
 * than ID); /referrals/ID shows one referral's status and its case's
 * timeline (the status query, of the router and, when the router does not
 * know it yet, of the intake that accepted it). Both are asked on behalf
 * of the user, so that the hub decides what is the user's to see (another
 * organisation's referral reads as one that does not exist: 404) and
 * audits every view. Nothing of the carer is shown here; a referral whose
 * carer's data was erased reads "Erased (data protection)". The calls do not
 * wait (web_call): each page is written when its answer comes.
 */
#include "web.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/date.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_QUERY_MS 3000
#define S_SHOWN    500 /* referrals listed on a page: the newest (of those asked for) */

/* Where a referral stands, for a person (StatusReply.progress, FeedbackItem.state). */
static const char *s_state_words(const char *state)
{
    static const char *const words[][2] = {
        {"received", "Received by the hub"},
        {"delivered", "With the support service"},
        {"contacted", "The carer has been contacted"},
        {"supported", "The carer is being supported"},
        {"unable_to_contact", "The service could not reach the carer"},
        {"declined", "The carer declined support"},
        {"closed", "Closed"},
        {"cancelled", "Cancelled"},
        {"rejected", "Not sent on: the hub's operator rejected it"},
        {"erased", "Erased (data protection)"},
    };
    for (size_t i = 0; state && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(state, words[i][0]) == 0)
            return words[i][1];
    return state ? state : "Not known yet";
}

/* An event of the case's timeline, for a person. */
static const char *s_event_words(const char *event)
{
    static const char *const words[][2] = {
        {"accepted", "The service accepted the referral"},
        {"contact_attempted", "The service tried to contact the carer"},
        {"contacted", "The service contacted the carer"},
        {"supported", "The carer is being supported"},
        {"unable_to_contact", "The service could not reach the carer"},
        {"declined", "The carer declined support"},
        {"closed", "The case was closed"},
        {"not_ours", "Passed on: not the service's area"},
        {"assign", "Assigned to a service"},
        {"transferred", "Moved to another service"},
        {"cancelled", "The referral was cancelled"},
    };
    for (size_t i = 0; event && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(event, words[i][0]) == 0)
            return words[i][1];
    return event ? event : "";
}

static void s_when(buf_t *b, bool has, int64_t ms)
{
    char when[DATE_WHEN_STRLEN];
    if (!has || ms <= 0)
        return;
    date_format_when(ms, when);
    web_htmlf(b, "%s", when);
}

static void s_gp_record_reminder(buf_t *b)
{
    web_htmlf(b,
              "Record the carer on the GP record: SNOMED CT %s |%s|. The carer agreed to "
              "it.",
              OUTCOME_SNOMED_CARER, OUTCOME_SNOMED_CARER_PT);
}

/* A reply that is neither the one asked for nor an answer at all. */
static void s_unanswered(web_resp_t *r, const web_req_t *q, const Carerhub__Envelope *rep)
{
    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
        strcmp(rep->error->code, "forbidden") == 0)
        web_error_page(r, q, 403,
                       "The hub does not show referrals to this account. Ask the hub's "
                       "operator to check it.");
    else
        web_error_page(r, q, 503,
                       "The hub cannot be reached now. Nothing is lost: try again in a few "
                       "minutes.");
}

/* --- /referrals ------------------------------------------------------------ */

static void s_row(buf_t *b, const Carerhub__FeedbackItem *it, bool gp)
{
    web_htmlf(b, "<tr>\n<td><a href=\"/referrals/%s\">%s</a></td>\n<td>", it->referral_id,
              it->referral_id);
    s_when(b, it->has_received_at, it->received_at);
    web_htmlf(b, "</td>\n<td>%s</td>\n<td>%s", it->provider_name ? it->provider_name : "",
              s_state_words(it->state));
    if (it->has_updated_at && it->updated_at > 0) {
        buf_adds(b, "<br><span class=\"hint\">since ");
        s_when(b, true, it->updated_at);
        buf_adds(b, "</span>");
    }
    buf_adds(b, "</td>\n");
    if (gp) {
        buf_adds(b, "<td>");
        if (it->code_on_gp_record)
            s_gp_record_reminder(b);
        buf_adds(b, "</td>\n");
    }
    buf_adds(b, "</tr>\n");
}

static void s_table(buf_t *b, const Carerhub__FeedbackReply *fr, bool gp)
{
    /* A table wider than a phone scrolls in its own region, never the page
     * (focusable, so that a keyboard can scroll it too). */
    buf_adds(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
                "aria-label=\"Your organisation's referrals\">\n");
    buf_adds(b, "<table>\n<caption class=\"visually-hidden\">Your organisation's referrals, "
                "newest first</caption>\n<thead>\n<tr><th scope=\"col\">Reference</th>"
                "<th scope=\"col\">Received</th><th scope=\"col\">Organisation</th>"
                "<th scope=\"col\">Where it stands</th>");
    if (gp)
        buf_adds(b, "<th scope=\"col\">GP record</th>");
    buf_adds(b, "</tr>\n</thead>\n<tbody>\n");
    for (size_t i = 0; i < fr->n_items; i++)
        s_row(b, fr->items[i], gp);
    buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

/* Where a list starts: before ?after=ID (NULL: from the newest). */
static const char *s_after(const web_req_t *q)
{
    const char *after = web_field(q, "after");
    return after && *after ? after : NULL;
}

/* The router's list (rep; NULL: no answer in time), newest first. */
static void s_listed(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                     void *ctx)
{
    const char *after = s_after(q), *last;
    const Carerhub__FeedbackReply *fr;
    bool gp = q->user->role == ROLE_GP;
    buf_t *b = &r->body;

    r->personal = true;
    if (after && rep && rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
        strcmp(rep->error->code, "bad_request") == 0) {
        web_error_page(r, q, 404,
                       "There is no referral of yours with that reference to list older ones "
                       "from. Start again from your referrals.");
        return;
    }
    if (!rep || rep->body_case != CARERHUB__ENVELOPE__BODY_FEEDBACK_REPLY) {
        s_unanswered(r, q, rep);
        return;
    }
    fr = rep->feedback_reply;
    web_page_begin(b, q, after ? "Your older referrals" : "Your referrals");
    if (after)
        web_htmlf(b,
                  "<h1>Your older referrals</h1>\n<p>Referrals from %s received before %s, "
                  "newest first.</p>\n",
                  q->user->org, after);
    else
        web_htmlf(b, "<h1>Your referrals</h1>\n<p>Referrals from %s, newest first.</p>\n",
                  q->user->org);
    if (fr->n_items == 0) {
        buf_adds(b, after ? "<p>There are no older referrals from your organisation.</p>\n"
                          : "<p>There are no referrals from your organisation yet.</p>\n");
    } else {
        if (fr->more)
            web_htmlf(b, "<p>The newest %zu are shown; older ones are on the next page.</p>\n",
                      fr->n_items);
        s_table(b, fr, gp);
    }
    last = fr->n_items ? fr->items[fr->n_items - 1]->referral_id : NULL;
    /* An id is letters, digits and hyphens (referral_id_ok): safe in a URL. */
    if (fr->more && referral_id_ok(last))
        web_htmlf(b, "<p><a href=\"/referrals?after=%s\">Older referrals</a></p>\n", last);
    if (after)
        buf_adds(b, "<p><a href=\"/referrals\">Your newest referrals</a></p>\n");
    web_page_end(b);
}

/* Asks the router for the newest referrals (before ?after=ID), in one
 * call. */
static void s_list(web_t *w, const web_req_t *q, web_resp_t *r)
{
    Carerhub__FeedbackQuery fq = CARERHUB__FEEDBACK_QUERY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    const char *after = s_after(q);

    if (after && !referral_id_ok(after)) {
        web_error_page(r, q, 404,
                       "There is no referral of yours with that reference to list older ones "
                       "from. Start again from your referrals.");
        return;
    }
    fq.has_newest_first = fq.newest_first = true;
    fq.has_limit = true;
    fq.limit = S_SHOWN;
    fq.after = (char *)after;
    env.body_case = CARERHUB__ENVELOPE__BODY_FEEDBACK_QUERY;
    env.feedback_query = &fq;
    web_call(w, q, r, WEB_TO_ROUTER, &env, S_QUERY_MS, s_listed, NULL, NULL);
}

/* --- /referrals/ID ---------------------------------------------------------- */

/* Asks `to` where referral id stands; then runs with the answer. */
static void s_status_at(web_t *w, const web_req_t *q, web_resp_t *r, web_to_t to, const char *id,
                        web_then_fn then, void *ctx, void (*ctx_free)(void *))
{
    Carerhub__StatusQuery sq = CARERHUB__STATUS_QUERY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    sq.referral_id = (char *)id;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &sq;
    web_call(w, q, r, to, &env, S_QUERY_MS, then, ctx, ctx_free);
}

static bool s_unknown(const Carerhub__Envelope *rep)
{
    return rep && rep->body_case == CARERHUB__ENVELOPE__BODY_STATUS_REPLY &&
           rep->status_reply->state == CARERHUB__STATUS_REPLY__STATE__UNKNOWN;
}

static void s_timeline(buf_t *b, const Carerhub__StatusReply *s)
{
    if (!s->n_timeline)
        return;
    buf_adds(b, "<h2>What has happened</h2>\n<div class=\"table-wrap\" role=\"region\" "
                "tabindex=\"0\" aria-label=\"What has happened\">\n<table>\n<thead>\n"
                "<tr><th scope=\"col\">When</th>"
                "<th scope=\"col\">What</th><th scope=\"col\">Where</th></tr>\n</thead>\n"
                "<tbody>\n");
    for (size_t i = 0; i < s->n_timeline; i++) {
        const Carerhub__TimelineEvent *ev = s->timeline[i];
        const char *at = ev->provider_name ? ev->provider_name : ev->provider;
        const char *to = ev->to_name ? ev->to_name : ev->to;
        buf_adds(b, "<tr><td>");
        s_when(b, ev->has_at || ev->has_recorded_at, ev->has_at ? ev->at : ev->recorded_at);
        web_htmlf(b, "</td><td>%s", s_event_words(ev->event));
        if (ev->reason)
            web_htmlf(b, " (%s)", ev->reason);
        web_htmlf(b, "</td><td>%s", at ? at : "");
        if (to)
            web_htmlf(b, ", to %s", to);
        buf_adds(b, "</td></tr>\n");
    }
    buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

/* A referral whose carer's data the hub has erased: that is all it says,
 * whatever else the state would. */
static bool s_is_erased(const Carerhub__StatusReply *s)
{
    return s->progress && strcmp(s->progress, "erased") == 0;
}

static void s_status_page(web_resp_t *r, const web_req_t *q, const Carerhub__StatusReply *s)
{
    buf_t *b = &r->body;
    char title[REFERRAL_ID_MAX + 16];
    snprintf(title, sizeof title, "Referral %s", s->referral_id);
    web_page_begin(b, q, title);
    web_htmlf(b, "<h1>Referral %s</h1>\n<table>\n<tbody>\n", s->referral_id);
    web_htmlf(b, "<tr><th scope=\"row\">Where it stands</th><td>%s",
              s_is_erased(s) ? s_state_words(s->progress)
              : s->state == CARERHUB__STATUS_REPLY__STATE__SPOOLED
                  ? "Received: the hub is passing it on"
              : s->state == CARERHUB__STATUS_REPLY__STATE__PARKED
                  ? "Held back for the hub's operator to look at"
              : s->state == CARERHUB__STATUS_REPLY__STATE__REJECTED && s->detail
                  ? s->detail /* the operator's reason, with what it means */
                  : s_state_words(s->progress));
    if (s->has_progress_at && s->progress_at > 0) {
        buf_adds(b, ", since ");
        s_when(b, true, s->progress_at);
    }
    buf_adds(b, "</td></tr>\n");
    if (s->provider_name || s->provider)
        web_htmlf(b, "<tr><th scope=\"row\">Organisation</th><td>%s</td></tr>\n",
                  s->provider_name ? s->provider_name : s->provider);
    buf_adds(b, "<tr><th scope=\"row\">Received</th><td>");
    s_when(b, s->has_accepted_at, s->accepted_at);
    buf_adds(b, "</td></tr>\n");
    if (s->has_delivered_at) {
        buf_adds(b, "<tr><th scope=\"row\">Delivered to the service</th><td>");
        s_when(b, true, s->delivered_at);
        buf_adds(b, "</td></tr>\n");
    }
    buf_adds(b, "</tbody>\n</table>\n");
    if (s->code_on_gp_record && q->user->role == ROLE_GP) {
        buf_adds(b, "<p class=\"inset\">");
        s_gp_record_reminder(b);
        buf_adds(b, "</p>\n");
    }
    s_timeline(b, s);
    buf_adds(b, "<p><a href=\"/referrals\">All your referrals</a></p>\n");
    web_page_end(b);
}

/* One referral's page, from a status answer (NULL: none in time). */
static void s_show(web_resp_t *r, const web_req_t *q, const Carerhub__Envelope *rep)
{
    r->personal = true;
    if (s_unknown(rep))
        web_error_page(r, q, 404, "There is no referral of yours with that reference.");
    else if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_STATUS_REPLY)
        s_status_page(r, q, rep->status_reply);
    else
        s_unanswered(r, q, rep);
}

/* A referral asked after: its id, and whether the router answered that it
 * does not know it (so that the intake's answer stands either way). */
typedef struct {
    char id[REFERRAL_ID_MAX + 1];
    bool router_unknown;
} s_one_t;

/* The intake's answer, when the router did not know the referral or did
 * not answer: the intake's if it knows it, or if the router said it did
 * not know it; otherwise the router's silence stands (503). */
static void s_at_intake(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                        void *ctx)
{
    s_one_t *one = ctx;
    bool status = rep && rep->body_case == CARERHUB__ENVELOPE__BODY_STATUS_REPLY;
    if (status && (one->router_unknown || !s_unknown(rep)))
        s_show(r, q, rep);
    else if (one->router_unknown)
        web_error_page(r, q, 404, "There is no referral of yours with that reference.");
    else
        s_show(r, q, NULL);
}

static void s_at_router(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                        void *ctx)
{
    s_one_t *one = ctx;
    Carerhub__Source src;
    /* The router has not taken it yet (or does not answer): the intake
     * that accepted it may still hold it, just after it was sent. */
    if ((!rep || s_unknown(rep)) && referral_source_of_id(one->id, &src) == 0) {
        one->router_unknown = rep != NULL;
        s_status_at(w, q, r, web_to_intake(src), one->id, s_at_intake, one, free);
        return;
    }
    s_show(r, q, rep);
}

static void s_one(web_t *w, const web_req_t *q, web_resp_t *r, const char *id)
{
    s_one_t *one;
    if (!referral_id_ok(id)) {
        web_error_page(r, q, 404, "There is no referral of yours with that reference.");
        return;
    }
    one = xcalloc(1, sizeof *one);
    snprintf(one->id, sizeof one->id, "%s", id);
    s_status_at(w, q, r, WEB_TO_ROUTER, one->id, s_at_router, one, free);
}

void web_referrals(web_t *w, const web_req_t *q, web_resp_t *r)
{
    const char *id;
    if (!q->user || !role_is_referrer(q->user->role)) {
        web_error_page(r, q, 403, "Only referrers' accounts have referrals to show.");
        return;
    }
    r->personal = true;
    if (strcmp(q->path, "/referrals") == 0 || strcmp(q->path, "/referrals/") == 0)
        s_list(w, q, r);
    else if (strncmp(q->path, "/referrals/", 11) == 0 && !strchr((id = q->path + 11), '/'))
        s_one(w, q, r, id);
    else
        web_error_page(r, q, 404, "There is no such page.");
}
