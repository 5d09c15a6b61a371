/*
 * How one case reads for the case workers of the organisation that has it
 * (/inbox/ID; the requests are web_inbox_case.c's): where it stands, the
 * contact-by target ("Overdue" written, not shown by colour alone) and the
 * flags, the carer as now known, who they care for, each referral with
 * what its source told and who referred, the timeline with the
 * organisation's own notes, and the forms of what may be recorded next
 * (web_inbox_form.c). Codes are shown in words; every value goes through
 * web_htmlf.
 */
#include "web_inbox.h"

#include "web_form.h"

#include <stdio.h>
#include <string.h>

/* --- the page ------------------------------------------------------------ */

static void s_when(buf_t *b, int64_t ms)
{
    char when[DATE_WHEN_STRLEN];
    date_format_when(ms, when);
    web_htmlf(b, "%s", when);
}

static void s_ymd(buf_t *b, const char *ymd)
{
    date_t day;
    if (date_parse(ymd, &day) == 0)
        web_inbox_day(b, day);
    else
        web_htmlf(b, "%s", ymd);
}

/* A row of a table of facts, left out when there is no value. */
static void s_row(buf_t *b, const char *what, const char *value)
{
    if (value && *value)
        web_htmlf(b, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>\n", what, value);
}

static void s_row_yesno(buf_t *b, const char *what, bool has, bool yes)
{
    if (has)
        s_row(b, what, yes ? "Yes" : "No");
}

/* The label the referral forms give a value of field key (web_fields.c),
 * or the value. */
static const char *s_label(Carerhub__Source src, const char *key, const char *value)
{
    const web_formdef_t *f = web_form_of(src);
    const web_field_t *fd = f ? web_form_field(f, key) : NULL;
    for (size_t i = 0; fd && fd->options && fd->options[i].value; i++)
        if (value && strcmp(fd->options[i].value, value) == 0)
            return fd->options[i].label;
    return value;
}

static void s_head(buf_t *b, const Carerhub__CaseReply *cr)
{
    const Carerhub__Case *c = cr->case_;
    char today[DATE_STRLEN];
    date_format(date_today(), today);
    buf_adds(b, "<table class=\"facts\">\n<tbody>\n");
    web_htmlf(b, "<tr><th scope=\"row\">Where it stands</th><td>%s",
              web_inbox_state_words(cr->state));
    if (c->closed && c->closed_reason)
        web_htmlf(b, ": %s", web_inbox_close_words(c->closed_reason));
    if (cr->has_state_at && cr->state_at > 0) {
        buf_adds(b, ", since ");
        s_when(b, cr->state_at);
    }
    buf_adds(b, "</td></tr>\n");
    if (c->has_opened_at) {
        buf_adds(b, "<tr><th scope=\"row\">Opened</th><td>");
        s_when(b, c->opened_at);
        buf_adds(b, "</td></tr>\n");
    }
    if (c->contact_by) {
        buf_adds(b, "<tr><th scope=\"row\">Contact the carer by</th><td>");
        s_ymd(b, c->contact_by);
        /* Past its target: the day after the contact-by day (as the router). */
        if (strcmp(c->contact_by, today) < 0)
            buf_adds(b, " <strong class=\"tag tag-overdue\">Overdue</strong>");
        buf_adds(b, "</td></tr>\n");
    }
    if (c->urgent || c->young_carer || c->transition || c->identity_conflict) {
        buf_adds(b, "<tr><th scope=\"row\">Flags</th><td>");
        if (c->urgent)
            buf_adds(b, "<strong class=\"tag tag-urgent\">Urgent</strong> ");
        if (c->young_carer)
            buf_adds(b, "<strong class=\"tag\">Young carer</strong> ");
        if (c->transition)
            buf_adds(b, "<strong class=\"tag\">Moving to adult services soon</strong> ");
        if (c->identity_conflict)
            web_htmlf(b, "<strong class=\"tag tag-urgent\">Identity conflict</strong> %s",
                      c->conflict_reason ? c->conflict_reason : "");
        buf_adds(b, "</td></tr>\n");
    }
    if (c->transferred_from) {
        web_htmlf(b, "<tr><th scope=\"row\">Came from</th><td>%s (%s)",
                  c->transferred_from_name ? c->transferred_from_name : c->transferred_from,
                  web_inbox_moved_words(c->transfer_why));
        if (c->transfer_reason)
            web_htmlf(b, ": &ldquo;%s&rdquo;", c->transfer_reason);
        buf_adds(b, "</td></tr>\n");
    }
    s_row(b, "The carer's earlier case", c->previous_case);
    if (cr->n_support) {
        buf_adds(b, "<tr><th scope=\"row\">Support given</th><td>");
        for (size_t i = 0; i < cr->n_support; i++)
            web_htmlf(b, "%s%s", i ? ", " : "", web_inbox_support_words(cr->support[i]));
        buf_adds(b, "</td></tr>\n");
    }
    buf_adds(b, "</tbody>\n</table>\n");
}

static void s_carer(buf_t *b, const Carerhub__Carer *p)
{
    char name[300] = "";
    buf_adds(b, "<h2>The carer</h2>\n");
    if (!p) {
        buf_adds(b, "<p>Nothing of the carer is held.</p>\n");
        return;
    }
    snprintf(name, sizeof name, "%s%s%s", p->given_name ? p->given_name : "",
             p->given_name && p->family_name ? " " : "", p->family_name ? p->family_name : "");
    buf_adds(b, "<table class=\"facts\">\n<tbody>\n");
    s_row(b, "Name", name);
    if (p->date_of_birth) {
        buf_adds(b, "<tr><th scope=\"row\">Date of birth</th><td>");
        s_ymd(b, p->date_of_birth);
        buf_adds(b, "</td></tr>\n");
    }
    s_row(b, "Address", p->address);
    s_row(b, "Postcode", p->postcode);
    s_row(b, "Phone", p->phone);
    s_row(b, "Email", p->email);
    s_row(b, "Prefers to be contacted by",
          s_label(CARERHUB__SOURCE__GP, "carer.preferred_contact", p->preferred_contact));
    s_row(b, "Language", p->language);
    s_row(b, "NHS number", p->nhs_number);
    buf_adds(b, "</tbody>\n</table>\n");
}

static void s_cared_for(buf_t *b, const Carerhub__CaredFor *cf)
{
    if (!cf)
        return;
    s_row(b, "Cares for", cf->relationship);
    if (cf->n_conditions) {
        buf_adds(b, "<tr><th scope=\"row\">Conditions</th><td>");
        for (size_t i = 0; i < cf->n_conditions; i++)
            web_htmlf(b, "%s%s", i ? ", " : "",
                      s_label(CARERHUB__SOURCE__GP, "cared_for.conditions", cf->conditions[i]));
        buf_adds(b, "</td></tr>\n");
    }
}

/* What the referral's source told beyond the carer. */
static void s_part(buf_t *b, const Carerhub__Referral *r)
{
    char year[16];
    if (r->gp) {
        s_row(b, "GP practice", r->gp->practice);
        s_row_yesno(b, "To be recorded as a carer on the GP record",
                    r->gp->has_record_carer_on_gp_record, r->gp->record_carer_on_gp_record);
    }
    if (r->discharge) {
        const Carerhub__Hospital *h = r->discharge->hospital;
        const Carerhub__Patient *p = r->discharge->patient;
        s_row(b, "Hospital trust", h ? h->trust : NULL);
        s_row(b, "Hospital site", h ? h->site : NULL);
        s_row(b, "Ward", h ? h->ward : NULL);
        if (p && p->expected_discharge) {
            buf_adds(b, "<tr><th scope=\"row\">Expected discharge</th><td>");
            s_ymd(b, p->expected_discharge);
            buf_adds(b, "</td></tr>\n");
        }
        s_row_yesno(b, "The carer was consulted", r->discharge->has_carer_consulted,
                    r->discharge->carer_consulted);
    }
    if (r->school) {
        const Carerhub__School *s = r->school->school;
        s_row(b, "School (URN)", s ? s->urn : NULL);
        if (s && s->has_year_group) {
            snprintf(year, sizeof year, "%u", s->year_group);
            s_row(b, "Year group", s_label(CARERHUB__SOURCE__SCHOOL, "school.year_group", year));
        }
        s_row_yesno(b, "A safeguarding referral was made",
                    r->school->has_safeguarding_referral_made,
                    r->school->safeguarding_referral_made);
    }
    if (r->self) {
        s_row(b, "Heard of the service from", r->self->heard_from);
        s_row(b, "Best time to contact", r->self->best_time_to_contact);
        s_row_yesno(b, "In paid work as well", r->self->has_working, r->self->working);
    }
}

static void s_referral(buf_t *b, const Carerhub__Referral *r)
{
    const Carerhub__Referrer *by = r->referrer;
    web_htmlf(b, "<h3>Referral %s</h3>\n<table class=\"facts\">\n<tbody>\n", r->id ? r->id : "");
    s_row(b, "From", r->has_source ? web_inbox_source_words(r->source) : NULL);
    s_row(b, "Referrer's organisation", referral_org(r));
    if (r->referral_date) {
        buf_adds(b, "<tr><th scope=\"row\">Date of referral</th><td>");
        s_ymd(b, r->referral_date);
        buf_adds(b, "</td></tr>\n");
    }
    s_part(b, r);
    if (by) {
        s_row(b, "Referred by", by->name);
        s_row(b, "Referrer's phone", by->phone);
        s_row(b, "Referrer's email", by->email);
    }
    s_cared_for(b, r->cared_for);
    if (r->consent && r->consent->given_by)
        s_row(b, "Consent given by",
              s_label(r->has_source ? r->source : CARERHUB__SOURCE__GP, "consent.given_by",
                      r->consent->given_by));
    buf_adds(b, "</tbody>\n</table>\n");
}

static void s_event(buf_t *b, const Carerhub__TimelineEvent *ev)
{
    const char *at = ev->provider_name ? ev->provider_name : ev->provider;
    const char *to = ev->to_name ? ev->to_name : ev->to;
    const char *ev_name = ev->event ? ev->event : "";
    buf_adds(b, "<tr><td>");
    if (ev->has_at || ev->has_recorded_at)
        s_when(b, ev->has_at ? ev->at : ev->recorded_at);
    web_htmlf(b, "</td><td>%s", web_inbox_event_words(ev_name));
    for (size_t i = 0; i < ev->n_support; i++)
        web_htmlf(b, "%s%s", i ? ", " : ": ", web_inbox_support_words(ev->support[i]));
    if (to)
        web_htmlf(b, ", to %s", to);
    if (ev->reason && strcmp(ev_name, "closed") == 0)
        web_htmlf(b, " (%s)", web_inbox_close_words(ev->reason));
    else if (ev->reason && strcmp(ev_name, "transferred") == 0)
        web_htmlf(b, " (%s)", web_inbox_moved_words(ev->reason));
    else if (ev->reason && strcmp(ev_name, "cancelled") == 0)
        web_htmlf(b, " (%s)",
                  strcmp(ev->reason, "error") == 0 ? "sent in error"
                                                   : "the carer's circumstances changed");
    else if (ev->reason)
        web_htmlf(b, ": &ldquo;%s&rdquo;", ev->reason);
    web_htmlf(b, "</td><td>%s</td><td>%s</td></tr>\n", at ? at : "", ev->note ? ev->note : "");
}

static void s_timeline(buf_t *b, const Carerhub__CaseReply *cr)
{
    buf_adds(b, "<h2>What has happened</h2>\n");
    if (!cr->n_timeline) {
        buf_adds(b, "<p>Nothing has been recorded on the case yet.</p>\n");
        return;
    }
    buf_adds(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"What has "
                "happened\">\n<table>\n<thead>\n<tr><th scope=\"col\">When</th>"
                "<th scope=\"col\">What</th><th scope=\"col\">Where</th>"
                "<th scope=\"col\">Note</th></tr>\n</thead>\n<tbody>\n");
    for (size_t i = 0; i < cr->n_timeline; i++)
        s_event(b, cr->timeline[i]);
    buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

/* The notice of an outcome just recorded, waiting for this session since
 * the POST that recorded it (web_notice_take); a page of errors after a
 * POST leaves it for the next. */
static void s_recorded_notice(buf_t *b, const web_req_t *q)
{
    char text[640];
    if (q->post || !web_notice_take(q, q->path, NULL, text, sizeof text))
        return;
    web_htmlf(b, "<div class=\"panel\" role=\"status\">\n<p><strong>%s</strong></p>\n</div>\n",
              text);
}

void web_inbox_case_page(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__CaseReply *cr,
                         const web_inbox_forms_t *f)
{
    const Carerhub__Case *c = cr->case_;
    const Carerhub__CaredFor *cf = NULL;
    buf_t *b = &r->body;
    char title[CASE_ID_MAX + 16];

    snprintf(title, sizeof title, "%sCase %s", f->errs && f->errs->n ? "Error: " : "", c->case_id);
    web_page_begin(b, q, title);
    web_inbox_errors(b, f);
    s_recorded_notice(b, q);
    web_htmlf(b, "<h1>Case <span class=\"nowrap\">%s</span></h1>\n", c->case_id);
    s_head(b, cr);
    s_carer(b, c->carer);
    for (size_t i = c->n_referrals; i-- > 0 && !cf;)
        cf = c->referrals[i]->cared_for;
    if (cf) {
        buf_adds(b, "<h2>Who they care for</h2>\n<table class=\"facts\">\n<tbody>\n");
        s_cared_for(b, cf);
        buf_adds(b, "</tbody>\n</table>\n");
    }
    web_htmlf(b, "<h2>Referrals</h2>\n");
    if (c->referrals_total > c->n_referrals)
        web_htmlf(b, "<p>The newest %zu of %u referrals are shown.</p>\n", c->n_referrals,
                  c->referrals_total);
    for (size_t i = 0; i < c->n_referrals; i++)
        s_referral(b, c->referrals[i]);
    s_timeline(b, cr);
    if (c->closed)
        buf_adds(b, "<p class=\"inset\">The case is closed: nothing more can be recorded on it. "
                    "A new referral for the carer opens a new episode.</p>\n");
    web_inbox_forms(b, w, q, c->case_id, cr, f);
    buf_adds(b, "<p><a href=\"/inbox\">All your open cases</a></p>\n");
    web_page_end(b);
}
