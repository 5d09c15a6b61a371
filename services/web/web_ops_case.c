/*
 * /ops/case/ID: one case as the hub holds it now, for the operator (any
 * case, open or closed: CaseQuery for the logged-in operator, which the
 * router audits as a view of personal data): where it is and where it
 * stands, the carer as now known, its referrals, and what has happened.
 * A readable page, no more: the organisation's own notes stay with the
 * organisation, and nothing here changes the case. Personal data: never
 * cached.
 */
#include "web_ops.h"

#include "domain/referral.h"

#include <stdio.h>
#include <string.h>

#define S_CASE_PATH "/ops/case/"

static const char *s_words(const char *const (*words)[2], size_t n, const char *key)
{
    for (size_t i = 0; key && i < n; i++)
        if (strcmp(key, words[i][0]) == 0)
            return words[i][1];
    return key ? key : "";
}

/* Where a case stands (CaseRecord.state), for a person. */
static const char *s_state_words(const char *state)
{
    static const char *const words[][2] = {
        {"delivered", "Delivered, not yet accepted"},
        {"accepted", "Accepted by the organisation"},
        {"contact_attempted", "The organisation tried to contact the carer"},
        {"contacted", "The carer has been contacted"},
        {"supported", "The carer is being supported"},
        {"declined", "The carer declined support"},
        {"unable_to_contact", "The organisation could not reach the carer"},
        {"closed", "Closed"},
    };
    return s_words(words, sizeof words / sizeof words[0], state);
}

/* An event of the timeline, for a person. */
static const char *s_event_words(const char *event)
{
    static const char *const words[][2] = {
        {"accepted", "Accepted"},
        {"contact_attempted", "Tried to contact the carer"},
        {"contacted", "Contacted the carer"},
        {"supported", "Supported the carer"},
        {"unable_to_contact", "Could not reach the carer"},
        {"declined", "The carer declined support"},
        {"closed", "Closed"},
        {"not_ours", "Passed back: not the organisation's"},
        {"assign", "Assigned to an organisation"},
        {"transferred", "Moved to another organisation"},
        {"cancelled", "A referral was cancelled"},
    };
    return s_words(words, sizeof words / sizeof words[0], event);
}

static void s_row(buf_t *b, const char *head, const char *value)
{
    if (value && *value)
        web_htmlf(b, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>\n", head, value);
}

static void s_summary(buf_t *b, const Carerhub__CaseReply *cr)
{
    const Carerhub__Case *c = cr->case_;
    /* Wider than a phone (a routing reason, an address), a table scrolls
     * in its own region, never the page. */
    buf_adds(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"The "
                "case\">\n<table>\n<tbody>\n");
    if (c->provider_name || c->provider)
        web_htmlf(b, "<tr><th scope=\"row\">Organisation</th><td>%s (%s)</td></tr>\n",
                  c->provider_name ? c->provider_name : c->provider,
                  c->provider ? c->provider : "-");
    web_htmlf(b, "<tr><th scope=\"row\">Where it stands</th><td>%s", s_state_words(cr->state));
    if (c->closed && c->closed_reason)
        web_htmlf(b, " (%s)", c->closed_reason);
    if (cr->has_state_at && cr->state_at > 0) {
        buf_adds(b, ", since ");
        web_ops_when(b, true, cr->state_at);
    }
    buf_adds(b, "</td></tr>\n<tr><th scope=\"row\">Opened</th><td>");
    web_ops_when(b, c->has_opened_at, c->opened_at);
    buf_adds(b, "</td></tr>\n");
    s_row(b, "Contact the carer by", c->contact_by);
    if (c->urgent || c->young_carer || c->identity_conflict || c->transition) {
        buf_adds(b, "<tr><th scope=\"row\">Flags</th><td>");
        web_htmlf(b, "%s%s%s%s", c->urgent ? "Urgent. " : "", c->young_carer ? "Young carer. " : "",
                  c->transition ? "Moving to adult services soon. " : "",
                  c->identity_conflict ? "Possible identity conflict: " : "");
        if (c->identity_conflict)
            web_htmlf(b, "%s", c->conflict_reason ? c->conflict_reason : "see the alerts");
        buf_adds(b, "</td></tr>\n");
    }
    s_row(b, "Why it went there", c->reason);
    if (c->transferred_from_name || c->transferred_from)
        s_row(b, "Came from",
              c->transferred_from_name ? c->transferred_from_name : c->transferred_from);
    if (c->previous_case) {
        buf_adds(b, "<tr><th scope=\"row\">Earlier case</th><td>");
        web_ops_case_link(b, c->previous_case);
        buf_adds(b, "</td></tr>\n");
    }
    buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

/* The carer as now known: what the organisation contacts them with. */
static void s_carer(buf_t *b, const Carerhub__Carer *p)
{
    char name[300];
    buf_adds(b, "<h2>The carer as now known</h2>\n");
    if (!p) {
        buf_adds(b, "<p>Nothing of the carer is held.</p>\n");
        return;
    }
    snprintf(name, sizeof name, "%s%s%s", p->given_name ? p->given_name : "",
             p->given_name && p->family_name ? " " : "", p->family_name ? p->family_name : "");
    buf_adds(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"The "
                "carer as now known\">\n<table>\n<tbody>\n");
    s_row(b, "Name", name);
    s_row(b, "Date of birth", p->date_of_birth);
    s_row(b, "Address", p->address);
    s_row(b, "Postcode", p->postcode);
    s_row(b, "Phone", p->phone);
    s_row(b, "Email", p->email);
    s_row(b, "Prefers to be contacted by", p->preferred_contact);
    s_row(b, "Language", p->language);
    s_row(b, "NHS number", p->nhs_number);
    buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

static void s_referral(buf_t *b, const Carerhub__Referral *rf)
{
    const Carerhub__CaredFor *cf = rf->cared_for;
    web_htmlf(b, "<tr><td>%s</td><td>%s", rf->id ? rf->id : "-",
              rf->has_source ? referral_source_name(rf->source) : "-");
    if (referral_org(rf))
        web_htmlf(b, " %s", referral_org(rf));
    if (rf->referrer && rf->referrer->name)
        web_htmlf(b, "<br><span class=\"hint\">%s</span>", rf->referrer->name);
    buf_adds(b, "</td><td>");
    web_ops_when(b, rf->has_received_at, rf->received_at);
    buf_adds(b, "</td><td>");
    if (cf) {
        web_htmlf(b, "%s", cf->relationship ? cf->relationship : "-");
        for (size_t i = 0; i < cf->n_conditions; i++)
            web_htmlf(b, "%s%s", i ? ", " : " (", cf->conditions[i]);
        buf_adds(b, cf->n_conditions ? ")" : "");
    }
    buf_adds(b, "</td><td>");
    if (rf->consent)
        web_htmlf(b, "%s, by %s on %s",
                  rf->consent->share_with_support_service ? "To share" : "Not to share",
                  rf->consent->given_by ? rf->consent->given_by : "-",
                  rf->consent->date ? rf->consent->date : "-");
    buf_adds(b, "</td></tr>\n");
}

static void s_referrals(buf_t *b, const Carerhub__Case *c)
{
    web_htmlf(b, "<h2>Referrals</h2>\n<p>%zu referral%s, oldest first", c->n_referrals,
              c->n_referrals == 1 ? "" : "s");
    if (c->has_referrals_total && c->referrals_total > c->n_referrals)
        web_htmlf(b, " (the newest of %u)", c->referrals_total);
    buf_adds(b, ".</p>\n<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
                "aria-labelledby=\"referrals-caption\">\n<table>\n<caption "
                "id=\"referrals-caption\" class=\"visually-hidden\">The case's referrals, oldest "
                "first</caption>\n<thead>\n<tr><th scope=\"col\">Reference</th><th "
                "scope=\"col\">From</th><th scope=\"col\">Received</th><th scope=\"col\">Cares "
                "for</th><th scope=\"col\">Consent</th></tr>\n</thead>\n<tbody>\n");
    for (size_t i = 0; i < c->n_referrals; i++)
        s_referral(b, c->referrals[i]);
    buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

static void s_timeline(buf_t *b, const Carerhub__CaseReply *cr)
{
    buf_adds(b, "<h2>What has happened</h2>\n");
    if (!cr->n_timeline) {
        buf_adds(b, "<p>Nothing yet: the organisation has recorded nothing of this case.</p>\n");
        return;
    }
    buf_adds(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
                "aria-labelledby=\"timeline-caption\">\n<table>\n<caption id=\"timeline-caption\" "
                "class=\"visually-hidden\">What has happened, oldest first</caption>\n<thead>\n"
                "<tr><th scope=\"col\">When</th><th scope=\"col\">What</th><th "
                "scope=\"col\">Where</th></tr>\n</thead>\n<tbody>\n");
    for (size_t i = 0; i < cr->n_timeline; i++) {
        const Carerhub__TimelineEvent *ev = cr->timeline[i];
        const char *at = ev->provider_name ? ev->provider_name : ev->provider;
        const char *to = ev->to_name ? ev->to_name : ev->to;
        buf_adds(b, "<tr><td>");
        web_ops_when(b, ev->has_at || ev->has_recorded_at, ev->has_at ? ev->at : ev->recorded_at);
        web_htmlf(b, "</td><td>%s", s_event_words(ev->event));
        if (ev->reason)
            web_htmlf(b, " (%s)", ev->reason);
        for (size_t k = 0; k < ev->n_support; k++)
            web_htmlf(b, "%s%s", k ? ", " : ": ", ev->support[k]);
        web_htmlf(b, "</td><td>%s", at ? at : "");
        if (to)
            web_htmlf(b, ", to %s", to);
        buf_adds(b, "</td></tr>\n");
    }
    buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

static void s_shown(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                    void *ctx)
{
    const Carerhub__CaseReply *cr;
    char title[CASE_ID_MAX + 8];
    buf_t *b = &r->body;

    r->personal = true;
    if (!rep || rep->body_case != CARERHUB__ENVELOPE__BODY_CASE_REPLY || !rep->case_reply ||
        !rep->case_reply->case_) {
        web_ops_unanswered(r, q, rep);
        return;
    }
    cr = rep->case_reply;
    snprintf(title, sizeof title, "Case %s", q->path + strlen(S_CASE_PATH));
    web_page_begin(b, q, title);
    web_htmlf(b,
              "<h1>%s</h1>\n<p>As the hub holds it now. This view is recorded in the hub's "
              "audit trail, with your name.</p>\n",
              title);
    s_summary(b, cr);
    s_carer(b, cr->case_->carer);
    s_referrals(b, cr->case_);
    s_timeline(b, cr);
    buf_adds(b, "<p><a href=\"/ops\">Back to operations</a></p>\n");
    web_page_end(b);
}

void web_ops_case(web_t *w, const web_req_t *q, web_resp_t *r)
{
    Carerhub__CaseQuery cq = CARERHUB__CASE_QUERY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    const char *id = q->path + strlen(S_CASE_PATH);

    r->personal = true;
    if (strncmp(q->path, S_CASE_PATH, strlen(S_CASE_PATH)) != 0 || !case_id_ok(id)) {
        web_error_page(r, q, 404, "There is no case with that reference.");
        return;
    }
    cq.case_id = (char *)id;
    env.body_case = CARERHUB__ENVELOPE__BODY_CASE_QUERY;
    env.case_query = &cq;
    web_call(w, q, r, WEB_TO_ROUTER, &env, WEB_OPS_QUERY_MS, s_shown, NULL, NULL);
}
