/*
 * The operator's forms on /ops, each a POST with the session's CSRF token
 * (checked before any handler runs, web_http.c), each answered by a 303
 * back to /ops with a notice of what was done, or why not:
 *
 *   /ops/parked    action release: the hub takes the referral again now
 *                  (routed, or parked again with the reason); action
 *                  reject with a reason, which its referrer reads: an
 *                  empty or unusable reason is asked again on a page of
 *                  its own, with the error summary and the router's words
 *                  beside the field.
 *   /ops/conflict  action keep_apart: two people; action join: first a
 *                  page saying in plain words what a join does (one
 *                  person's details go to the other's organisation), with
 *                  the two cases as the router has them, and only its
 *                  "Yes" (confirm=yes) sends the join.
 *
 * The router decides and audits each (ParkedAction, ConflictAction, for
 * the logged-in operator); nothing here checks more than the router does.
 * The notices wait for the session's next /ops in the table of one-time
 * notices (web_notice.c), so that a link someone sends an operator cannot
 * make the page say that something was done.
 */
#include "web_ops.h"

#include "domain/referral.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- notices ------------------------------------------------------------ */

void web_ops_notice(const web_req_t *q, bool error, const char *fmt, ...)
{
    char text[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    web_notice_put(q, "/ops", error, "%s", text);
}

void web_ops_notice_show(buf_t *b, const web_req_t *q)
{
    char text[640];
    bool error;
    if (!web_notice_take(q, "/ops", &error, text, sizeof text))
        return;
    if (error)
        buf_adds(b, "<div class=\"error-summary\" role=\"alert\" id=\"notice\">\n<p><strong>Not "
                    "done:</strong> ");
    else
        buf_adds(b, "<div class=\"panel\" role=\"status\" id=\"notice\">\n<p><strong>Done:"
                    "</strong> ");
    web_ops_text(b, text);
    buf_adds(b, "</p>\n</div>\n");
}

/* Back to /ops, where the notice is shown. */
static void s_back(web_resp_t *r)
{
    snprintf(r->location, sizeof r->location, "/ops");
}

/* A refusal's words for a person: the router's, with the field it names
 * in front ("reason: ...") left out. */
static const char *s_words(const Carerhub__Error *e)
{
    const char *m = e && e->message ? e->message : "the hub refused it";
    const char *colon = strstr(m, ": ");
    /* a field's name is a lower-case word with underscores */
    if (colon && strspn(m, "abcdefghijklmnopqrstuvwxyz_") == (size_t)(colon - m))
        return colon + 2;
    return m;
}

/* --- /ops/parked ---------------------------------------------------------- */

/* The reason asked again: a page of its own with the error summary. */
static void s_reject_page(web_resp_t *r, const web_req_t *q, const char *id, const char *why)
{
    const char *reason = web_field(q, "reason");
    char title[REFERRAL_ID_MAX + 40], msg[400];
    buf_t *b = &r->body;

    /* The router's words as a sentence about the field: "The reason is
     * longer than ...", "Say why ...". */
    if (strncmp(why, "is ", 3) == 0)
        snprintf(msg, sizeof msg, "The reason %s", why);
    else
        snprintf(msg, sizeof msg, "%s", why);
    if (msg[0] >= 'a' && msg[0] <= 'z')
        msg[0] = (char)(msg[0] - 'a' + 'A');
    snprintf(title, sizeof title, "Error: Reject referral %s", id);
    web_page_begin(b, q, title);
    web_htmlf(b,
              "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" "
              "tabindex=\"-1\">\n<h2 id=\"error-summary-title\">There is a problem</h2>\n<ul>\n"
              "<li><a href=\"#reason\">%s</a></li>\n</ul>\n</div>\n",
              msg);
    web_htmlf(b,
              "<h1>Reject referral %s</h1>\n<p>A rejected referral is dropped for good. Its "
              "referrer reads that it was rejected, and your reason.</p>\n"
              "<form method=\"post\" action=\"/ops/parked\" novalidate>\n",
              id);
    web_csrf_input(b, q);
    web_htmlf(b,
              "<input type=\"hidden\" name=\"referral\" value=\"%s\"><input type=\"hidden\" "
              "name=\"action\" value=\"reject\">\n<div class=\"form-group form-group-error\">\n"
              "<label for=\"reason\">Why it is rejected</label>\n<span class=\"hint\" "
              "id=\"reason-hint\">Its referrer reads this. No personal data: no names, NHS "
              "numbers, addresses, phone numbers or dates of birth.</span>\n<span "
              "class=\"error-message\" id=\"reason-error\"><span class=\"visually-hidden\">Error:"
              "</span> %s</span>\n<textarea id=\"reason\" name=\"reason\" rows=\"3\" "
              "class=\"input-error\" aria-describedby=\"reason-hint reason-error\">%s</textarea>\n"
              "</div>\n<button type=\"submit\" class=\"button\">Reject referral %s</button>\n"
              "</form>\n<p><a href=\"/ops#parked\">Back to operations, without rejecting it</a>"
              "</p>\n",
              id, msg, reason ? reason : "", id);
    web_page_end(b);
}

static void s_parked_done(web_t *w, const web_req_t *q, web_resp_t *r,
                          const Carerhub__Envelope *rep, void *ctx)
{
    const char *id = web_field(q, "referral"), *action = web_field(q, "action");
    bool reject = action && strcmp(action, "reject") == 0;
    const Carerhub__Error *e = web_ops_error(rep);

    id = id ? id : "";
    s_back(r);
    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_PARKED_ACTION_REPLY) {
        const Carerhub__ParkedActionReply *a = rep->parked_action_reply;
        const char *result = a->result ? a->result : "";
        const char *at = a->provider_name ? a->provider_name : a->provider;
        if (strcmp(result, "released") == 0)
            web_ops_notice(q, false, "referral %s was released: it is in case %s, with %s.", id,
                           a->case_id ? a->case_id : "-", at ? at : "its organisation");
        else if (strcmp(result, "parked_again") == 0)
            web_ops_notice(q, true, "referral %s was released, and parked again: %s", id,
                           a->reason ? a->reason : "the hub held it back again");
        else if (strcmp(result, "rejected") == 0)
            web_ops_notice(q, false, "referral %s was rejected. Its referrer reads: %s", id,
                           a->reason ? a->reason : "rejected");
        else
            web_ops_notice(q, false, "referral %s: %s.", id, result);
    } else if (e && reject && e->message && strncmp(e->message, "reason: ", 8) == 0 &&
               referral_id_ok(id)) {
        r->location[0] = '\0';
        s_reject_page(r, q, id, s_words(e));
    } else if (e) {
        web_ops_notice(q, true, "referral %s was not %s: %s.", id, reject ? "rejected" : "released",
                       s_words(e));
    } else {
        web_ops_notice(q, true,
                       "the hub did not answer in time, so it is not known whether referral %s "
                       "was %s. Look at the parked referrals below before trying again.",
                       id, reject ? "rejected" : "released");
    }
}

void web_ops_parked(web_t *w, const web_req_t *q, web_resp_t *r)
{
    Carerhub__ParkedAction pa = CARERHUB__PARKED_ACTION__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    pa.referral_id = (char *)web_field(q, "referral");
    pa.action = (char *)web_field(q, "action");
    if (pa.action && strcmp(pa.action, "reject") == 0)
        pa.reason = (char *)web_field(q, "reason");
    env.body_case = CARERHUB__ENVELOPE__BODY_PARKED_ACTION;
    env.parked_action = &pa;
    web_call(w, q, r, WEB_TO_ROUTER, &env, WEB_OPS_ACTION_MS, s_parked_done, NULL, NULL);
}

/* --- /ops/conflict ---------------------------------------------------------- */

static void s_conflict_done(web_t *w, const web_req_t *q, web_resp_t *r,
                            const Carerhub__Envelope *rep, void *ctx)
{
    const char *a = web_field(q, "case"), *b = web_field(q, "other"), *how = web_field(q, "action");
    bool join = how && strcmp(how, "join") == 0;
    const Carerhub__Error *e = web_ops_error(rep);

    a = a ? a : "";
    b = b ? b : "";
    s_back(r);
    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_CONFLICT_REPLY) {
        const Carerhub__ConflictReply *c = rep->conflict_reply;
        const char *at = c->provider_name ? c->provider_name : c->provider;
        if (c->closed_case)
            web_ops_notice(q, false,
                           "cases %s and %s are one person now: case %s was closed into case "
                           "%s, which is with %s.",
                           a, b, c->closed_case, c->case_id ? c->case_id : "-",
                           at ? at : "its organisation");
        else
            web_ops_notice(q, false,
                           "cases %s and %s are kept apart as two people: neither is flagged "
                           "with the other any more.",
                           a, b);
    } else if (e) {
        web_ops_notice(q, true, "cases %s and %s were not %s: %s.", a, b,
                       join ? "joined" : "kept apart", s_words(e));
    } else {
        web_ops_notice(q, true,
                       "the hub did not answer in time, so it is not known whether cases %s and "
                       "%s were %s. Look at the identity conflicts below before trying again.",
                       a, b, join ? "joined" : "kept apart");
    }
}

static void s_conflict_send(web_t *w, const web_req_t *q, web_resp_t *r)
{
    Carerhub__ConflictAction ca = CARERHUB__CONFLICT_ACTION__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    ca.case_id = (char *)web_field(q, "case");
    ca.other_case_id = (char *)web_field(q, "other");
    ca.action = (char *)web_field(q, "action");
    env.body_case = CARERHUB__ENVELOPE__BODY_CONFLICT_ACTION;
    env.conflict_action = &ca;
    web_call(w, q, r, WEB_TO_ROUTER, &env, WEB_OPS_ACTION_MS, s_conflict_done, NULL, NULL);
}

/* --- a join's confirmation -------------------------------------------------- */

/* What the page says of each case: as the router has it now. */
typedef struct {
    char id[CASE_ID_MAX + 1];
    char org[200];
    int64_t opened_at;
    uint32_t referrals;
} s_side_t;

typedef struct {
    s_side_t side[2];
    int have; /* how many are read */
} s_confirm_t;

static void s_side(s_side_t *s, const Carerhub__CaseReply *cr)
{
    const Carerhub__Case *c = cr->case_;
    snprintf(s->id, sizeof s->id, "%s", c && c->case_id ? c->case_id : "");
    snprintf(s->org, sizeof s->org, "%s",
             c && c->provider_name ? c->provider_name
             : c && c->provider    ? c->provider
                                   : "no organisation");
    s->opened_at = c ? c->opened_at : 0;
    s->referrals = c && c->has_referrals_total ? c->referrals_total
                   : c                         ? (uint32_t)c->n_referrals
                                               : 0;
}

static void s_case_words(buf_t *b, const s_side_t *s)
{
    buf_adds(b, "case ");
    web_ops_case_link(b, s->id);
    buf_adds(b, " (opened ");
    web_ops_when(b, true, s->opened_at);
    web_htmlf(b, ", with %s, %u referral%s)", s->org, (unsigned)s->referrals,
              s->referrals == 1 ? "" : "s");
}

static void s_confirm_page(web_resp_t *r, const web_req_t *q, const s_confirm_t *c)
{
    /* The older stands, as the router joins them (opened first; on the
     * same moment, the lower id). */
    int older = c->side[0].opened_at < c->side[1].opened_at ||
                        (c->side[0].opened_at == c->side[1].opened_at &&
                         strcmp(c->side[0].id, c->side[1].id) < 0)
                    ? 0
                    : 1;
    const s_side_t *stands = &c->side[older], *joins = &c->side[1 - older];
    char title[2 * CASE_ID_MAX + 40];
    buf_t *b = &r->body;

    r->personal = true;
    snprintf(title, sizeof title, "Join cases %s and %s?", c->side[0].id, c->side[1].id);
    web_page_begin(b, q, title);
    web_htmlf(b,
              "<h1>Join cases %s and %s?</h1>\n<p>Join them only if you are sure they are "
              "the same person.</p>\n<ul>\n<li>The older: ",
              c->side[0].id, c->side[1].id);
    s_case_words(b, stands);
    buf_adds(b, "</li>\n<li>The newer: ");
    s_case_words(b, joins);
    web_htmlf(b,
              "</li>\n</ul>\n<div class=\"inset\">\n<p>Joining sends the newer case's referrals, "
              "with the carer's details in them, to %s, the organisation of the older case (or, "
              "if another organisation serves the carer now, the whole case moves there). Case "
              "%s is then closed, and %s is told only that it was joined into another case.</p>\n"
              "<p>If they are two people, a join sends one person's details to an organisation "
              "that does not serve them, and leaves the other without help.</p>\n</div>\n",
              stands->org, joins->id, joins->org);
    buf_adds(b, "<form method=\"post\" action=\"/ops/conflict\">\n");
    web_csrf_input(b, q);
    web_htmlf(b,
              "<input type=\"hidden\" name=\"case\" value=\"%s\"><input type=\"hidden\" "
              "name=\"other\" value=\"%s\"><input type=\"hidden\" name=\"action\" value=\"join\">"
              "<input type=\"hidden\" name=\"confirm\" value=\"yes\">\n<button type=\"submit\" "
              "class=\"button\">Yes, they are the same person: join them</button>\n</form>\n"
              "<p><a href=\"/ops#conflicts\">No, go back without joining them</a></p>\n",
              c->side[0].id, c->side[1].id);
    web_page_end(b);
}

static void s_confirm_read(web_t *w, const web_req_t *q, web_resp_t *r,
                           const Carerhub__Envelope *rep, void *ctx);

/* Asks the router for one of the two cases. */
static void s_confirm_ask(web_t *w, const web_req_t *q, web_resp_t *r, s_confirm_t *c)
{
    Carerhub__CaseQuery cq = CARERHUB__CASE_QUERY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    cq.case_id = (char *)web_field(q, c->have == 0 ? "case" : "other");
    env.body_case = CARERHUB__ENVELOPE__BODY_CASE_QUERY;
    env.case_query = &cq;
    web_call(w, q, r, WEB_TO_ROUTER, &env, WEB_OPS_QUERY_MS, s_confirm_read, c, free);
}

static void s_confirm_read(web_t *w, const web_req_t *q, web_resp_t *r,
                           const Carerhub__Envelope *rep, void *ctx)
{
    s_confirm_t *c = ctx;
    const Carerhub__Error *e = web_ops_error(rep);
    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_CASE_REPLY) {
        s_side(&c->side[c->have++], rep->case_reply);
        if (c->have == 2)
            s_confirm_page(r, q, c);
        else
            s_confirm_ask(w, q, r, c);
    } else if (e && e->code && (!strcmp(e->code, "not_found") || !strcmp(e->code, "bad_request"))) {
        s_back(r);
        web_ops_notice(q, true, "cases %s and %s were not joined: %s.", web_field(q, "case"),
                       web_field(q, "other"), s_words(e));
    } else {
        web_ops_unanswered(r, q, rep);
    }
}

void web_ops_conflict(web_t *w, const web_req_t *q, web_resp_t *r)
{
    const char *how = web_field(q, "action"), *confirm = web_field(q, "confirm");
    const char *a = web_field(q, "case"), *b = web_field(q, "other");
    if (how && strcmp(how, "join") == 0 && !(confirm && strcmp(confirm, "yes") == 0)) {
        /* Both ids first: the router is not asked about what cannot be a case. */
        if (!case_id_ok(a) || !case_id_ok(b) || strcmp(a, b) == 0) {
            s_back(r);
            web_ops_notice(q, true,
                           "those are not two case ids (C-000123), so nothing was joined.");
            return;
        }
        s_confirm_ask(w, q, r, xcalloc(1, sizeof(s_confirm_t)));
        return;
    }
    s_conflict_send(w, q, r);
}
