/*
 * /ops, the operator's page of what needs a person now and what waits in
 * the hub: the alerts (overdue contacts, parked referrals, possible
 * identity conflicts, agents not connected) in words with their ids, the
 * deliveries waiting for each organisation (the oldest's age, its agent
 * connected or last heard), the parked referrals each with a "Release"
 * and a "Reject" form, and each pair of cases flagged as a possible
 * identity conflict with "Same person: join" and "Different people: keep
 * apart" forms (web_ops_forms.c). Three questions to the router for the
 * logged-in operator, one after the other without waiting in the daemon's
 * thread (web_call): queues (for the organisations' names too), alerts,
 * parked. Case ids link to /ops/case/ID (web_ops_case.c). Ids, counts and
 * reasons only: nothing here names a carer.
 */
#include "web_ops.h"

#include "domain/referral.h"
#include "util/clock.h"
#include "util/date.h"
#include "util/log.h"
#include "util/mem.h"

#include <protobuf-c/protobuf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- what the operator's pages share ---------------------------------- */

void web_ops_case_link(buf_t *b, const char *case_id)
{
    /* A case id is C- and digits (case_id_ok): safe in a path. */
    if (case_id_ok(case_id))
        web_htmlf(b, "<a href=\"/ops/case/%s\">%s</a>", case_id, case_id);
    else
        web_htmlf(b, "%s", case_id ? case_id : "-");
}

void web_ops_text(buf_t *b, const char *s)
{
    const char *p = s ? s : "";
    /* The segments between the characters that a key or a path joins
     * words with, each escaped; those characters need no escaping. */
    while (*p) {
        size_t n = strcspn(p, "._/");
        char *seg = xstrndup(p, n);
        web_esc(b, seg);
        free(seg);
        p += n;
        if (*p == '.' || *p == '_' || *p == '/') {
            buf_addc(b, *p++);
            /* inside a word only: a sentence's full stop is left alone */
            if (*p && *p != ' ' && *p != '\n')
                buf_adds(b, "<wbr>");
        }
    }
}

void web_ops_when(buf_t *b, bool has, int64_t ms)
{
    char when[DATE_WHEN_STRLEN];
    if (!has || ms <= 0)
        return;
    date_format_when(ms, when);
    web_htmlf(b, "%s", when);
}

const Carerhub__Error *web_ops_error(const Carerhub__Envelope *rep)
{
    return rep && rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error ? rep->error
                                                                                 : NULL;
}

void web_ops_unanswered(web_resp_t *r, const web_req_t *q, const Carerhub__Envelope *rep)
{
    const Carerhub__Error *e = web_ops_error(rep);
    if (e && e->code && strcmp(e->code, "forbidden") == 0)
        web_error_page(r, q, 403,
                       "The hub does not answer this account's questions about operations. Ask "
                       "the hub's operator to check it.");
    else if (e && e->code && strcmp(e->code, "not_found") == 0)
        web_error_page(r, q, 404, "The hub knows no case with that reference.");
    else
        web_error_page(r, q, 503,
                       "The hub cannot be reached now. Nothing is lost: try again in a few "
                       "minutes.");
}

/* --- the page's three answers ------------------------------------------ */

typedef struct {
    ProtobufCMessage *queues, *alerts, *parked; /* copies of the router's answers */
} s_ops_t;

static void s_ops_free(void *p)
{
    s_ops_t *o = p;
    ProtobufCMessage **m[] = {&o->queues, &o->alerts, &o->parked};
    for (size_t i = 0; i < 3; i++)
        if (*m[i])
            protobuf_c_message_free_unpacked(*m[i], NULL);
    free(o);
}

/* A copy of m (the answer is freed once its then returns): packed and
 * read back, which copies every part of it. */
static ProtobufCMessage *s_copy(const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *data = xmalloc(n ? n : 1);
    ProtobufCMessage *c;
    protobuf_c_message_pack(m, data);
    c = protobuf_c_message_unpack(m->descriptor, NULL, n, data);
    free(data);
    if (!c)
        log_panic("a %s packed here does not read back", m->descriptor->name);
    return c;
}

/* The name of provider id, from the queues (which list every one). */
static const char *s_name(const s_ops_t *o, const char *id)
{
    const Carerhub__QueuesReply *qr = (const Carerhub__QueuesReply *)o->queues;
    for (size_t i = 0; id && i < qr->n_queues; i++)
        if (qr->queues[i]->provider && strcmp(qr->queues[i]->provider, id) == 0 &&
            qr->queues[i]->provider_name)
            return qr->queues[i]->provider_name;
    return id ? id : "an unknown organisation";
}

/* How long ago, for a person: "4 minutes", "3 hours", "2 days". */
static void s_age(buf_t *b, int64_t since_ms)
{
    int64_t m = (clock_now_ms() - since_ms) / 60000;
    if (m < 1)
        buf_adds(b, "under a minute");
    else if (m < 120)
        buf_printf(b, "%lld minute%s", (long long)m, m == 1 ? "" : "s");
    else if (m < 48 * 60)
        buf_printf(b, "%lld hours", (long long)(m / 60));
    else
        buf_printf(b, "%lld days", (long long)(m / (24 * 60)));
}

/* --- alerts ------------------------------------------------------------- */

static void s_alert(buf_t *b, const s_ops_t *o, const Carerhub__Alert *a)
{
    const char *kind = a->kind ? a->kind : "";
    buf_adds(b, "<li>");
    if (strcmp(kind, "overdue_contact") == 0) {
        buf_adds(b, "<strong>Overdue contact</strong>: case ");
        web_ops_case_link(b, a->case_id);
        web_htmlf(b, " with %s", s_name(o, a->provider));
    } else if (strcmp(kind, "parked") == 0) {
        buf_adds(b, "<strong>Parked referral</strong>: ");
        /* an id is letters, digits and hyphens: safe in a fragment */
        if (referral_id_ok(a->referral_id))
            web_htmlf(b, "<a href=\"#parked-%s\">%s</a>", a->referral_id, a->referral_id);
        else
            web_htmlf(b, "%s", a->referral_id ? a->referral_id : "-");
    } else if (strcmp(kind, "identity_conflict") == 0) {
        buf_adds(b, "<strong>Possible identity conflict</strong>: case ");
        web_ops_case_link(b, a->case_id);
        web_htmlf(b, " with %s, flagged with case", s_name(o, a->provider));
        buf_adds(b, a->n_other_cases == 1 ? " " : "s ");
        for (size_t i = 0; i < a->n_other_cases; i++) {
            buf_adds(b, i ? ", " : "");
            web_ops_case_link(b, a->other_cases[i]);
        }
    } else if (strcmp(kind, "agent_silent") == 0) {
        web_htmlf(b, "<strong>Agent not connected</strong>: %s (%s)", s_name(o, a->provider),
                  a->provider ? a->provider : "-");
    } else {
        web_htmlf(b, "<strong>%s</strong>", kind);
    }
    if (a->detail && *a->detail) {
        buf_adds(b, ": ");
        web_ops_text(b, a->detail);
    }
    buf_adds(b, "</li>\n");
}

static void s_alerts(buf_t *b, const s_ops_t *o)
{
    const Carerhub__AlertsReply *ar = (const Carerhub__AlertsReply *)o->alerts;
    buf_adds(b, "<h2 id=\"alerts\">Alerts</h2>\n");
    if (ar->total == 0) {
        buf_adds(b, "<p>Nothing needs a person now.</p>\n");
        return;
    }
    if (ar->total > ar->n_alerts)
        web_htmlf(b, "<p>%u alerts need a person; the first %zu are listed.</p>\n", ar->total,
                  ar->n_alerts);
    else
        web_htmlf(b, "<p>%u alert%s need%s a person.</p>\n", ar->total, ar->total == 1 ? "" : "s",
                  ar->total == 1 ? "s" : "");
    buf_adds(b, "<ul>\n");
    for (size_t i = 0; i < ar->n_alerts; i++)
        s_alert(b, o, ar->alerts[i]);
    buf_adds(b, "</ul>\n");
}

/* --- queues ------------------------------------------------------------- */

static void s_queue_row(buf_t *b, const Carerhub__Queue *qu)
{
    web_htmlf(b, "<tr><th scope=\"row\">%s<br><span class=\"hint\">%s</span></th><td>%u</td><td>",
              qu->provider_name ? qu->provider_name : qu->provider,
              qu->provider ? qu->provider : "", qu->waiting);
    if (qu->waiting && qu->has_oldest_at && qu->oldest_at > 0) {
        s_age(b, qu->oldest_at);
        if (qu->oldest_case) {
            buf_adds(b, " (case ");
            web_ops_case_link(b, qu->oldest_case);
            buf_adds(b, ")");
        }
    } else {
        buf_adds(b, "Nothing waiting");
    }
    buf_adds(b, qu->connected ? "</td><td>Connected" : "</td><td>Not connected");
    if (qu->last_seen > 0) {
        buf_adds(b, "<br><span class=\"hint\">last heard ");
        web_ops_when(b, true, qu->last_seen);
        buf_adds(b, "</span>");
    } else {
        buf_adds(b, "<br><span class=\"hint\">not heard since the router started</span>");
    }
    web_htmlf(b, "</td><td>%u</td></tr>\n", qu->open_cases);
}

static void s_queues(buf_t *b, const s_ops_t *o)
{
    const Carerhub__QueuesReply *qr = (const Carerhub__QueuesReply *)o->queues;
    buf_adds(b, "<h2 id=\"queues\">Deliveries waiting</h2>\n<p>For each organisation: the cases "
                "queued for its agent and not yet acknowledged, how long the oldest has waited, "
                "and whether its agent is connected.</p>\n");
    if (qr->n_queues == 0) {
        buf_adds(b, "<p>No organisation is configured.</p>\n");
        return;
    }
    buf_adds(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
                "aria-labelledby=\"queues-caption\">\n<table>\n<caption id=\"queues-caption\" "
                "class=\"visually-hidden\">Deliveries waiting, by organisation</caption>\n"
                "<thead>\n<tr><th scope=\"col\">Organisation</th><th scope=\"col\">Waiting</th>"
                "<th scope=\"col\">Oldest waiting for</th><th scope=\"col\">Agent</th>"
                "<th scope=\"col\">Open cases</th></tr>\n</thead>\n<tbody>\n");
    for (size_t i = 0; i < qr->n_queues; i++)
        s_queue_row(b, qr->queues[i]);
    buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

/* --- parked referrals ------------------------------------------------------ */

static void s_parked_item(buf_t *b, const web_req_t *q, const Carerhub__ParkedItem *it)
{
    const char *id = it->referral_id;
    if (!referral_id_ok(id))
        return; /* never expected: ids are letters, digits and hyphens */
    /* A table wider than a phone (a long reason) scrolls in its own
     * region, never the page (focusable, so a keyboard can scroll it). */
    web_htmlf(b,
              "<h3 id=\"parked-%s\">Referral %s</h3>\n<div class=\"table-wrap\" role=\"region\" "
              "tabindex=\"0\" aria-labelledby=\"parked-%s\">\n<table>\n<tbody>\n<tr><th "
              "scope=\"row\">Why it was held back</th><td>",
              id, id, id);
    web_ops_text(b, it->reason);
    buf_adds(b, "</td></tr>\n<tr><th scope=\"row\">Parked</th><td>");
    web_ops_when(b, it->has_parked_at, it->parked_at);
    web_htmlf(b,
              "</td></tr>\n<tr><th scope=\"row\">From</th><td>%s %s, sent by %s</td></tr>\n"
              "</tbody>\n</table>\n</div>\n<form method=\"post\" action=\"/ops/parked\" "
              "class=\"form-group\">\n",
              it->has_source ? referral_source_name(it->source) : "-",
              it->organisation ? it->organisation : "-", it->submitted_by ? it->submitted_by : "-");
    web_csrf_input(b, q);
    web_htmlf(b,
              "<input type=\"hidden\" name=\"referral\" value=\"%s\"><input type=\"hidden\" "
              "name=\"action\" value=\"release\">\n<button type=\"submit\" class=\"button\">"
              "Release<span class=\"visually-hidden\"> referral %s</span></button>\n</form>\n"
              "<form method=\"post\" action=\"/ops/parked\" novalidate>\n",
              id, id);
    web_csrf_input(b, q);
    web_htmlf(b,
              "<input type=\"hidden\" name=\"referral\" value=\"%s\"><input type=\"hidden\" "
              "name=\"action\" value=\"reject\">\n<div class=\"form-group\">\n<label "
              "for=\"reason-%s\">Why it is rejected<span class=\"visually-hidden\"> (referral "
              "%s)</span></label>\n<span class=\"hint\" id=\"reason-%s-hint\">If you reject it, "
              "its referrer reads this. No personal data: no names, NHS numbers, addresses, "
              "phone numbers or dates of birth.</span>\n<textarea id=\"reason-%s\" "
              "name=\"reason\" rows=\"2\" aria-describedby=\"reason-%s-hint\"></textarea>\n"
              "</div>\n<button type=\"submit\" class=\"button\">Reject<span "
              "class=\"visually-hidden\"> referral %s</span></button>\n</form>\n",
              id, id, id, id, id, id, id);
}

static void s_parked(buf_t *b, const web_req_t *q, const s_ops_t *o)
{
    const Carerhub__ParkedReply *pr = (const Carerhub__ParkedReply *)o->parked;
    buf_adds(b, "<h2 id=\"parked\">Parked referrals</h2>\n<p>Referrals the hub held back for a "
                "person to look at, oldest first. Release one and the hub takes it again now: "
                "it is routed, or parked again with the reason. Reject one and it is dropped "
                "for good: its referrer reads that it was rejected, and your reason.</p>\n");
    if (pr->total == 0) {
        buf_adds(b, "<p>No referral is parked.</p>\n");
        return;
    }
    if (pr->total > pr->n_items)
        web_htmlf(b, "<p>%u referrals are parked; the oldest %zu are listed.</p>\n", pr->total,
                  pr->n_items);
    for (size_t i = 0; i < pr->n_items; i++)
        s_parked_item(b, q, pr->items[i]);
}

/* --- identity conflicts ---------------------------------------------------- */

/* The identity_conflict alert of case id, or NULL if none is listed. */
static const Carerhub__Alert *s_conflict_of(const Carerhub__AlertsReply *ar, const char *id)
{
    for (size_t i = 0; i < ar->n_alerts; i++)
        if (ar->alerts[i]->kind && strcmp(ar->alerts[i]->kind, "identity_conflict") == 0 &&
            ar->alerts[i]->case_id && strcmp(ar->alerts[i]->case_id, id) == 0)
            return ar->alerts[i];
    return NULL;
}

static void s_pair_form(buf_t *b, const web_req_t *q, const char *a, const char *o,
                        const char *action, const char *label)
{
    buf_adds(b, "<form method=\"post\" action=\"/ops/conflict\" class=\"form-group\">\n");
    web_csrf_input(b, q);
    web_htmlf(b,
              "<input type=\"hidden\" name=\"case\" value=\"%s\"><input type=\"hidden\" "
              "name=\"other\" value=\"%s\"><input type=\"hidden\" name=\"action\" value=\"%s\">\n"
              "<button type=\"submit\" class=\"button\">%s<span class=\"visually-hidden\"> (cases "
              "%s and %s)</span></button>\n</form>\n",
              a, o, action, label, a, o);
}

static void s_pair(buf_t *b, const web_req_t *q, const s_ops_t *o, const Carerhub__Alert *a,
                   const char *other)
{
    const Carerhub__Alert *oa = s_conflict_of((const Carerhub__AlertsReply *)o->alerts, other);
    web_htmlf(b, "<h3>Cases %s and %s</h3>\n<p>Case ", a->case_id, other);
    web_ops_case_link(b, a->case_id);
    web_htmlf(b, " is with %s; case ", s_name(o, a->provider));
    web_ops_case_link(b, other);
    web_htmlf(b, " is with %s.</p>\n", oa ? s_name(o, oa->provider) : "another organisation");
    if (a->detail && *a->detail) {
        buf_adds(b, "<p>Why they are flagged: ");
        web_ops_text(b, a->detail);
        buf_adds(b, "</p>\n");
    }
    s_pair_form(b, q, a->case_id, other, "join", "Same person: join");
    s_pair_form(b, q, a->case_id, other, "keep_apart", "Different people: keep apart");
}

static void s_conflicts(buf_t *b, const web_req_t *q, const s_ops_t *o)
{
    const Carerhub__AlertsReply *ar = (const Carerhub__AlertsReply *)o->alerts;
    size_t pairs = 0;
    buf_adds(b, "<h2 id=\"conflicts\">Possible identity conflicts</h2>\n<p>Open cases that may "
                "be one person: the same NHS number with another date of birth. Look at both "
                "cases, then say whether they are the same person. Doubt means two people.</p>\n");
    for (size_t i = 0; i < ar->n_alerts; i++) {
        const Carerhub__Alert *a = ar->alerts[i];
        if (!a->kind || strcmp(a->kind, "identity_conflict") || !case_id_ok(a->case_id))
            continue;
        for (size_t j = 0; j < a->n_other_cases; j++) {
            const char *other = a->other_cases[j];
            /* Each pair once: under the lower id, unless the other's
             * alert is not listed. */
            if (!case_id_ok(other) || (strcmp(other, a->case_id) < 0 && s_conflict_of(ar, other)))
                continue;
            s_pair(b, q, o, a, other);
            pairs++;
        }
    }
    if (!pairs)
        buf_adds(b, "<p>No case is flagged as a possible identity conflict.</p>\n");
}

/* --- the page ----------------------------------------------------------- */

static void s_page(web_resp_t *r, const web_req_t *q, const s_ops_t *o)
{
    buf_t *b = &r->body;
    web_page_begin(b, q, "Operations");
    buf_adds(b, "<h1>Operations</h1>\n");
    web_ops_notice_show(b, q);
    buf_adds(b, "<ul>\n<li><a href=\"#alerts\">Alerts</a></li>\n<li><a href=\"#queues\">"
                "Deliveries waiting</a></li>\n<li><a href=\"#parked\">Parked referrals</a></li>\n"
                "<li><a href=\"#conflicts\">Possible identity conflicts</a></li>\n</ul>\n");
    s_alerts(b, o);
    s_queues(b, o);
    s_parked(b, q, o);
    s_conflicts(b, q, o);
    web_page_end(b);
}

static void s_ask(web_t *w, const web_req_t *q, web_resp_t *r, s_ops_t *o);

static void s_answered(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                       void *ctx)
{
    s_ops_t *o = ctx;
    if (rep && !o->queues && rep->body_case == CARERHUB__ENVELOPE__BODY_QUEUES_REPLY)
        o->queues = s_copy(&rep->queues_reply->base);
    else if (rep && !o->alerts && rep->body_case == CARERHUB__ENVELOPE__BODY_ALERTS_REPLY)
        o->alerts = s_copy(&rep->alerts_reply->base);
    else if (rep && !o->parked && rep->body_case == CARERHUB__ENVELOPE__BODY_PARKED_REPLY)
        o->parked = s_copy(&rep->parked_reply->base);
    else {
        web_ops_unanswered(r, q, rep);
        return;
    }
    if (o->queues && o->alerts && o->parked)
        s_page(r, q, o);
    else
        s_ask(w, q, r, o);
}

/* Asks the router the next of its three questions. */
static void s_ask(web_t *w, const web_req_t *q, web_resp_t *r, s_ops_t *o)
{
    Carerhub__QueuesQuery qq = CARERHUB__QUEUES_QUERY__INIT;
    Carerhub__AlertsQuery aq = CARERHUB__ALERTS_QUERY__INIT;
    Carerhub__ParkedQuery pq = CARERHUB__PARKED_QUERY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    if (!o->queues) {
        env.body_case = CARERHUB__ENVELOPE__BODY_QUEUES_QUERY;
        env.queues_query = &qq;
    } else if (!o->alerts) {
        env.body_case = CARERHUB__ENVELOPE__BODY_ALERTS_QUERY;
        env.alerts_query = &aq;
    } else {
        env.body_case = CARERHUB__ENVELOPE__BODY_PARKED_QUERY;
        env.parked_query = &pq;
    }
    web_call(w, q, r, WEB_TO_ROUTER, &env, WEB_OPS_QUERY_MS, s_answered, o, s_ops_free);
}

void web_ops(web_t *w, const web_req_t *q, web_resp_t *r)
{
    s_ask(w, q, r, xcalloc(1, sizeof(s_ops_t)));
}
