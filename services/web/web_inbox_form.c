/*
 * The forms of a case's page (/inbox/ID): record what happened (a status
 * the case may take next, with kinds of support or a reason for closing,
 * the day it happened and a note), pass it back (not_ours, with a reason
 * and, if known, the organisation it belongs to) and, for triage, assign
 * it. Without JavaScript every part of the record form is shown, each
 * with a hint saying when it applies. Each form carries the outcome id it
 * was shown with (web_inbox_case.c reads the answers); the form that was
 * sent comes back with what was typed and its errors beside each input.
 * The organisations to pass a case to are routing.yaml's.
 */
#include "web_inbox.h"

#include "domain/route.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const web_inbox_record_statuses[] = {
    "accepted", "contact_attempted", "contacted", "supported",
    "declined", "unable_to_contact", "closed",    NULL,
};

/* Whether s is one of the n of list (n SIZE_MAX: up to a NULL). */
static bool s_in_n(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static bool s_in(const char *const *list, const char *s)
{
    return s_in_n(list, SIZE_MAX, s);
}

/* Whether the router lists st among what the case may take next. */
static bool s_next(const Carerhub__CaseReply *cr, const char *st)
{
    return s_in_n((const char *const *)cr->next, cr->n_next, st);
}

static size_t s_count(const char *const *list)
{
    size_t n = 0;
    while (list[n])
        n++;
    return n;
}

/* --- the organisations of the routing ------------------------------------ */

/* routing.yaml's providers, loaded once and again when the file changes
 * (SIGHUP may name another), for the lists of organisations to pass a
 * case to and their names. */
static struct {
    char *path;
    struct timespec mtime;
    off_t size;
    route_t *rt;
} s_routing;

static const route_t *s_routes(web_t *w)
{
    const hubconf_t *c = web_conf(w);
    struct stat st;
    diag_t d = DIAG_INIT;

    if (!c || !c->routing || stat(c->routing, &st) < 0)
        return NULL;
    if (s_routing.rt && strcmp(s_routing.path, c->routing) == 0 && st.st_size == s_routing.size &&
        st.st_mtim.tv_sec == s_routing.mtime.tv_sec &&
        st.st_mtim.tv_nsec == s_routing.mtime.tv_nsec)
        return s_routing.rt;
    route_destroy(&s_routing.rt);
    free(s_routing.path);
    s_routing.path = xstrdup(c->routing);
    s_routing.mtime = st.st_mtim;
    s_routing.size = st.st_size;
    if (!(s_routing.rt = route_load(c->routing, &d)))
        log_warn("inbox: %s does not load (%zu problems); the organisations cannot be listed",
                 c->routing, d.n);
    diag_free(&d);
    return s_routing.rt;
}

const char *web_inbox_provider_name(web_t *w, const char *id)
{
    const route_t *rt = s_routes(w);
    int p = rt && id ? route_provider_find(rt, id) : -1;
    return p >= 0 ? route_provider_name(rt, p) : NULL;
}

/* --- the forms ----------------------------------------------------------- */

static bool s_posted(const web_inbox_forms_t *f, web_inbox_form_t form)
{
    return f->has_posted && f->posted == form;
}

static bool s_has_error(const web_inbox_forms_t *f, const char *input)
{
    return f->errs && ferrs_has(f->errs, input);
}

/* The form's answer to name, when it is the form sent. */
static const char *s_typed(const web_req_t *q, const web_inbox_forms_t *f, web_inbox_form_t form,
                           const char *name)
{
    return s_posted(f, form) ? web_field(q, name) : NULL;
}

void web_inbox_errors(buf_t *b, const web_inbox_forms_t *f)
{
    if (!f->errs || !f->errs->n)
        return;
    buf_adds(b,
             "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" "
             "tabindex=\"-1\">\n<h2 id=\"error-summary-title\">There is a problem</h2>\n<ul>\n");
    for (size_t i = 0; i < f->errs->n; i++) {
        const ferr_t *e = &f->errs->v[i];
        bool input = e->field && strcmp(e->field, "form") != 0;
        if (input)
            web_htmlf(b, "<li><a href=\"#%s\">%s</a></li>\n", e->field, e->message);
        else
            web_htmlf(b, "<li>%s</li>\n", e->message);
    }
    buf_adds(b, "</ul>\n</div>\n");
}

/* The group of an input: its hint and its errors, and whether it is in
 * error (the group then says so). */
static void s_group_begin(buf_t *b, const web_inbox_forms_t *f, const char *input)
{
    buf_adds(b, s_has_error(f, input) ? "<div class=\"form-group form-group-error\">\n"
                                      : "<div class=\"form-group\">\n");
}

static void s_describedby(buf_t *b, const web_inbox_forms_t *f, const char *input, bool hint)
{
    bool error = s_has_error(f, input);
    if (!hint && !error)
        return;
    buf_adds(b, " aria-describedby=\"");
    if (hint)
        web_htmlf(b, "%s-hint", input);
    if (error)
        web_htmlf(b, "%s%s-error", hint ? " " : "", input);
    buf_adds(b, "\"");
}

static void s_hint_errors(buf_t *b, const web_inbox_forms_t *f, const char *input, const char *hint)
{
    if (hint)
        web_htmlf(b, "<span class=\"hint\" id=\"%s-hint\">%s</span>\n", input, hint);
    for (size_t i = 0; f->errs && i < f->errs->n; i++)
        if (f->errs->v[i].field && strcmp(f->errs->v[i].field, input) == 0)
            web_htmlf(b,
                      "<span class=\"error-message\" id=\"%s-error\"><span "
                      "class=\"visually-hidden\">Error:</span> %s</span>\n",
                      input, f->errs->v[i].message);
}

/* Radios or checkboxes named name, the values of list (words by fn), in
 * a fieldset whose legend is the question. The first has the input's own
 * id, so that the error summary's link reaches the group. */
static void s_choices(buf_t *b, const web_req_t *q, const web_inbox_forms_t *f, const char *input,
                      const char *name, const char *legend, const char *hint, bool boxes,
                      const char *const *list, size_t n, const char *(*words)(const char *))
{
    const char *ticked[OUTCOME_SUPPORT_MAX + 1];
    size_t nticked =
        s_posted(f, WEB_INBOX_RECORD) ? web_fields(q, name, ticked, OUTCOME_SUPPORT_MAX + 1) : 0;

    s_group_begin(b, f, input);
    buf_adds(b, "<fieldset");
    s_describedby(b, f, input, hint != NULL);
    web_htmlf(b, ">\n<legend>%s</legend>\n", legend);
    s_hint_errors(b, f, input, hint);
    buf_adds(b, boxes ? "<div class=\"checkboxes\">\n" : "<div class=\"radios\">\n");
    for (size_t i = 0; i < n; i++) {
        char id[80];
        bool on = false;
        for (size_t k = 0; k < nticked; k++)
            on |= strcmp(ticked[k], list[i]) == 0;
        if (i == 0)
            snprintf(id, sizeof id, "%s", input);
        else
            snprintf(id, sizeof id, "%s-%s", input, list[i]);
        web_htmlf(b, "<div><input type=\"%s\" id=\"%s\" name=\"%s\" value=\"%s\"%s>",
                  boxes ? "checkbox" : "radio", id, name, list[i], on ? " checked" : "");
        web_htmlf(b, "<label for=\"%s\">%s</label></div>\n", id, words(list[i]));
    }
    buf_adds(b, "</div>\n</fieldset>\n</div>\n");
}

/* A text input (or a textarea) named name, with its label. */
static void s_text_input(buf_t *b, const web_inbox_forms_t *f, const char *input, const char *name,
                         const char *label, const char *hint, bool area, const char *value)
{
    bool error = s_has_error(f, input);
    s_group_begin(b, f, input);
    web_htmlf(b, "<label for=\"%s\">%s</label>\n", input, label);
    s_hint_errors(b, f, input, hint);
    web_htmlf(b, area ? "<textarea rows=\"3\"" : "<input type=\"text\"");
    web_htmlf(b, " id=\"%s\" name=\"%s\" autocomplete=\"off\"", input, name);
    if (!area)
        buf_adds(b, " spellcheck=\"false\"");
    s_describedby(b, f, input, hint != NULL);
    if (error)
        buf_adds(b, " class=\"input-error\" aria-invalid=\"true\"");
    if (area)
        web_htmlf(b, ">%s</textarea>\n</div>\n", value ? value : "");
    else
        web_htmlf(b, " value=\"%s\">\n</div>\n", value ? value : "");
}

/* A select of routing.yaml's organisations, but skip and (no_triage)
 * the triage service, which the empty option (none) stands for. */
static void s_orgs(buf_t *b, web_t *w, const web_inbox_forms_t *f, const char *input,
                   const char *label, const char *hint, const char *none, const char *skip,
                   bool no_triage, const char *chosen)
{
    const route_t *rt = s_routes(w);
    size_t n = rt ? route_provider_count(rt) : 0;
    int triage = rt ? route_triage(rt) : -1;

    s_group_begin(b, f, input);
    web_htmlf(b, "<label for=\"%s\">%s</label>\n", input, label);
    s_hint_errors(b, f, input, hint);
    web_htmlf(b, "<select id=\"%s\" name=\"to\"", input);
    s_describedby(b, f, input, hint != NULL);
    buf_adds(b, s_has_error(f, input) ? " class=\"input-error\" aria-invalid=\"true\">\n" : ">\n");
    web_htmlf(b, "<option value=\"\">%s</option>\n", none);
    for (size_t i = 0; i < n; i++) {
        const char *id = route_provider_id(rt, (int)i);
        if ((skip && strcmp(id, skip) == 0) || (no_triage && (int)i == triage))
            continue;
        web_htmlf(b, "<option value=\"%s\"%s>%s</option>\n", id,
                  chosen && strcmp(chosen, id) == 0 ? " selected" : "",
                  route_provider_name(rt, (int)i));
    }
    buf_adds(b, "</select>\n</div>\n");
}

static void s_form_begin(buf_t *b, const web_req_t *q, const char *case_id, const char *form,
                         const char *id)
{
    web_htmlf(b, "<form method=\"post\" action=\"/inbox/%s\" class=\"case-form\" novalidate>\n",
              case_id);
    web_csrf_input(b, q);
    web_htmlf(b,
              "\n<input type=\"hidden\" name=\"form\" value=\"%s\">\n<input type=\"hidden\" "
              "name=\"outcome_id\" value=\"%s\">\n",
              form, id);
}

static void s_record_form(buf_t *b, const web_req_t *q, const char *case_id,
                          const Carerhub__CaseReply *cr, const web_inbox_forms_t *f)
{
    const char *statuses[8], *date = s_typed(q, f, WEB_INBOX_RECORD, "date");
    char today[DATE_STRLEN];
    size_t n = 0;
    for (size_t i = 0; web_inbox_record_statuses[i]; i++)
        if (!cr || s_next(cr, web_inbox_record_statuses[i]))
            statuses[n++] = web_inbox_record_statuses[i];
    statuses[n] = NULL;
    if (!n)
        return;
    date_format(date_today(), today);
    buf_adds(b, "<h2 id=\"record\">Record what happened</h2>\n");
    s_form_begin(b, q, case_id, "record", f->ids[WEB_INBOX_RECORD]);
    s_choices(b, q, f, "record-status", "status", "What happened?", NULL, false, statuses, n,
              web_inbox_status_words);
    if (s_in(statuses, "supported"))
        s_choices(b, q, f, "record-support", "support", "Kinds of support",
                  "Only if you chose \"Supporting the carer\": tick each kind of support you "
                  "gave.",
                  true, outcome_supports, s_count(outcome_supports), web_inbox_support_words);
    if (s_in(statuses, "closed"))
        s_choices(b, q, f, "record-closed_reason", "closed_reason", "Why is the case closed?",
                  "Only if you chose \"Closing the case\".", false, outcome_close_reasons,
                  s_count(outcome_close_reasons), web_inbox_close_words);
    s_text_input(b, f, "record-date", "date", "When did it happen?",
                 "Year, month and day, for example 2026-12-01: today or earlier.", false,
                 s_posted(f, WEB_INBOX_RECORD) ? date : today);
    s_text_input(b, f, "record-note", "note", "Note (optional)",
                 "For your organisation's own record: the referrer never sees it.", true,
                 s_typed(q, f, WEB_INBOX_RECORD, "note"));
    buf_adds(b, "<button type=\"submit\" class=\"button\">Record it</button>\n</form>\n");
}

static void s_pass_form(buf_t *b, web_t *w, const web_req_t *q, const char *case_id,
                        const web_inbox_forms_t *f)
{
    const route_t *rt = s_routes(w);
    int triage = rt ? route_triage(rt) : -1;
    const char *tname = triage >= 0 ? route_provider_name(rt, triage) : "triage";
    char none[160];
    snprintf(none, sizeof none, "Not known: %s decides", tname);
    buf_adds(b, "<h2 id=\"pass\">Pass it back</h2>\n<p>If the carer is not your organisation's "
                "to support, pass the case back. It leaves your cases at once.</p>\n");
    s_form_begin(b, q, case_id, "not_ours", f->ids[WEB_INBOX_PASS]);
    s_text_input(b, f, "pass-reason", "reason", "Why is the case not yours?",
                 "The organisation that takes it on reads this.", true,
                 s_typed(q, f, WEB_INBOX_PASS, "reason"));
    s_orgs(b, w, f, "pass-to", "Which organisation does it belong to? (optional)",
           "If you do not know, the triage service decides.", none, q->user->org, true,
           s_typed(q, f, WEB_INBOX_PASS, "to"));
    buf_adds(b, "<button type=\"submit\" class=\"button\">Pass it back</button>\n</form>\n");
}

static void s_assign_form(buf_t *b, web_t *w, const web_req_t *q, const char *case_id,
                          const Carerhub__CaseReply *cr, const web_inbox_forms_t *f)
{
    const char *with = cr && cr->case_ ? cr->case_->provider : q->user->org;
    buf_adds(b, "<h2 id=\"assign\">Assign it</h2>\n<p>Give the case to the organisation that "
                "is to support the carer. It leaves your cases at once.</p>\n");
    s_form_begin(b, q, case_id, "assign", f->ids[WEB_INBOX_ASSIGN]);
    s_orgs(b, w, f, "assign-to", "Which organisation is to support the carer?", NULL, "Choose",
           with, false, s_typed(q, f, WEB_INBOX_ASSIGN, "to"));
    s_text_input(b, f, "assign-reason", "reason", "Why this organisation? (optional)",
                 "The organisation reads this with the case.", true,
                 s_typed(q, f, WEB_INBOX_ASSIGN, "reason"));
    buf_adds(b, "<button type=\"submit\" class=\"button\">Assign it</button>\n</form>\n");
}

void web_inbox_forms(buf_t *b, web_t *w, const web_req_t *q, const char *case_id,
                     const Carerhub__CaseReply *cr, const web_inbox_forms_t *f)
{
    bool pass = cr ? s_next(cr, "not_ours") && !cr->can_assign : s_posted(f, WEB_INBOX_PASS);
    bool assign = cr ? cr->can_assign : s_posted(f, WEB_INBOX_ASSIGN);
    if (!cr || !cr->case_ || !cr->case_->closed) {
        if (cr || s_posted(f, WEB_INBOX_RECORD))
            s_record_form(b, q, case_id, cr, f);
    }
    if (pass)
        s_pass_form(b, w, q, case_id, f);
    if (assign)
        s_assign_form(b, w, q, case_id, cr, f);
}
