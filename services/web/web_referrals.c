/*
 * What happened to a referrer's referrals: /referrals lists the user's
 * organisation's referrals, newest first, with where each stands (the
 * router's feedback query); /referrals/ID shows one referral's status and
 * its case's timeline (the status query). Both are asked of the router on
 * behalf of the user, so that the router decides what is the user's to see
 * (another organisation's referral reads as one that does not exist: 404)
 * and audits every view. Nothing of the carer is shown here.
 */
#include "web.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/date.h"
#include "util/mem.h"
#include "wire/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_QUERY_MS 3000
#define S_PAGES    20  /* feedback replies read for one list (1000 referrals each) */
#define S_SHOWN    500 /* referrals listed: the newest */

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

static Carerhub__Envelope *s_ask(web_t *w, const web_req_t *q, Carerhub__Envelope *env)
{
    env->has_version = true;
    env->version = WIRE_VERSION;
    return web_router_call(w, q->user, env, S_QUERY_MS);
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

static void s_list(web_t *w, const web_req_t *q, web_resp_t *r)
{
    Carerhub__Envelope *pages[S_PAGES];
    size_t npages = 0, total = 0, shown = 0;
    char *after = NULL;
    bool more = true, gp = q->user->role == ROLE_GP;
    buf_t *b = &r->body;

    while (more && npages < S_PAGES) {
        Carerhub__FeedbackQuery fq = CARERHUB__FEEDBACK_QUERY__INIT;
        Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
        fq.after = after;
        env.body_case = CARERHUB__ENVELOPE__BODY_FEEDBACK_QUERY;
        env.feedback_query = &fq;
        rep = s_ask(w, q, &env);
        if (!rep || rep->body_case != CARERHUB__ENVELOPE__BODY_FEEDBACK_REPLY) {
            s_unanswered(r, q, rep);
            if (rep)
                carerhub__envelope__free_unpacked(rep, NULL);
            goto out;
        }
        pages[npages++] = rep;
        total += rep->feedback_reply->n_items;
        more = rep->feedback_reply->more && rep->feedback_reply->n_items > 0;
        if (more)
            after = rep->feedback_reply->items[rep->feedback_reply->n_items - 1]->referral_id;
    }
    web_page_begin(b, q, "Your referrals");
    web_htmlf(b, "<h1>Your referrals</h1>\n<p>Referrals from %s, newest first.</p>\n",
              q->user->org);
    if (total == 0) {
        buf_adds(b, "<p>There are no referrals from your organisation yet.</p>\n");
        web_page_end(b);
        goto out;
    }
    if (total > S_SHOWN)
        web_htmlf(b, "<p>The newest %zu of %zu are shown.</p>\n", (size_t)S_SHOWN, total);
    buf_adds(b, "<table>\n<caption class=\"visually-hidden\">Your organisation's referrals, "
                "newest first</caption>\n<thead>\n<tr><th scope=\"col\">Reference</th>"
                "<th scope=\"col\">Received</th><th scope=\"col\">Organisation</th>"
                "<th scope=\"col\">Where it stands</th>");
    if (gp)
        buf_adds(b, "<th scope=\"col\">GP record</th>");
    buf_adds(b, "</tr>\n</thead>\n<tbody>\n");
    /* The router lists them oldest first. */
    for (size_t p = npages; p-- > 0 && shown < S_SHOWN;) {
        const Carerhub__FeedbackReply *fr = pages[p]->feedback_reply;
        for (size_t i = fr->n_items; i-- > 0 && shown < S_SHOWN; shown++)
            s_row(b, fr->items[i], gp);
    }
    buf_adds(b, "</tbody>\n</table>\n");
    web_page_end(b);
out:
    for (size_t p = 0; p < npages; p++)
        carerhub__envelope__free_unpacked(pages[p], NULL);
}

/* --- /referrals/ID ---------------------------------------------------------- */

static Carerhub__Envelope *s_status_at(web_t *w, const web_req_t *q, const char *id, bool intake)
{
    Carerhub__StatusQuery sq = CARERHUB__STATUS_QUERY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__Source src;
    sq.referral_id = (char *)id;
    env.has_version = true;
    env.version = WIRE_VERSION;
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &sq;
    if (!intake)
        return web_router_call(w, q->user, &env, S_QUERY_MS);
    if (referral_source_of_id(id, &src) < 0)
        return NULL;
    return web_intake_call(w, src, q->user, &env, S_QUERY_MS);
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
    buf_adds(b, "<h2>What has happened</h2>\n<table>\n<thead>\n<tr><th scope=\"col\">When</th>"
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
    buf_adds(b, "</tbody>\n</table>\n");
}

static void s_status_page(web_resp_t *r, const web_req_t *q, const Carerhub__StatusReply *s)
{
    buf_t *b = &r->body;
    char title[REFERRAL_ID_MAX + 16];
    snprintf(title, sizeof title, "Referral %s", s->referral_id);
    web_page_begin(b, q, title);
    web_htmlf(b, "<h1>Referral %s</h1>\n<table>\n<tbody>\n", s->referral_id);
    web_htmlf(b, "<tr><th scope=\"row\">Where it stands</th><td>%s",
              s->state == CARERHUB__STATUS_REPLY__STATE__SPOOLED
                  ? "Received: the hub is passing it on"
              : s->state == CARERHUB__STATUS_REPLY__STATE__PARKED
                  ? "Held back for the hub's operator to look at"
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

static void s_one(web_t *w, const web_req_t *q, web_resp_t *r, const char *id)
{
    Carerhub__Envelope *rep = NULL, *at_intake;
    if (!referral_id_ok(id)) {
        web_error_page(r, q, 404, "There is no referral of yours with that reference.");
        return;
    }
    rep = s_status_at(w, q, id, false);
    /* The router has not taken it yet (or does not answer): the intake
     * that accepted it may still hold it, just after it was sent. */
    if ((!rep || s_unknown(rep)) && (at_intake = s_status_at(w, q, id, true)) != NULL) {
        if (at_intake->body_case == CARERHUB__ENVELOPE__BODY_STATUS_REPLY &&
            (rep || !s_unknown(at_intake))) {
            if (rep)
                carerhub__envelope__free_unpacked(rep, NULL);
            rep = at_intake;
        } else {
            carerhub__envelope__free_unpacked(at_intake, NULL);
        }
    }
    if (s_unknown(rep))
        web_error_page(r, q, 404, "There is no referral of yours with that reference.");
    else if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_STATUS_REPLY)
        s_status_page(r, q, rep->status_reply);
    else
        s_unanswered(r, q, rep);
    if (rep)
        carerhub__envelope__free_unpacked(rep, NULL);
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
