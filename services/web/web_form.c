/*
 * The referral forms: /refer/gp, /refer/discharge and /refer/school, for
 * users of the role that refers from the source. GET shows the form; POST
 * reads the answers as a referral file would be read (web_fields.c), names
 * the user's organisation, and sends it to the source's intake, whose
 * answer is the authority. Errors come back as the GOV.UK pattern has
 * them: a summary at the top linking to each input, the message beside
 * it, everything typed kept. Each form carries an idempotency token, so a
 * double click or a resend after the hub did not answer makes no second
 * referral. The submission does not hold up the daemon (web_call): its
 * page is written when the intake answers, or once it has not in time. On
 * success the page names the referral and where the hub's routing, as it
 * stands, is expected to send it.
 */
#include "web_form.h"

#include "conf/hubconf.h"
#include "domain/pcdb.h"
#include "domain/postcode.h"
#include "domain/route.h"
#include "util/date.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_SUBMIT_MS 5000
#define S_TOKEN_LEN WEB_FORM_TOKEN_LEN
#define S_LIST_MAX  16 /* values of one list field shown again */

/* --- errors ------------------------------------------------------------- */

/* The message of an error, for a person: the field's name first ("Date of
 * birth must be a date written YYYY-MM-DD"). */
static void s_message(buf_t *b, const web_field_t *fd, const ferr_t *e)
{
    static const char *const verbs[] = {"is ",    "must ",    "contains ", "makes ",
                                        "lists ", "belongs ", "has ",      NULL};
    const char *msg = e->message ? e->message : "is not right";
    bool verb = false;
    for (size_t i = 0; verbs[i]; i++)
        verb |= strncmp(msg, verbs[i], strlen(verbs[i])) == 0;
    /* A sentence of its own (the public form's words for the carer, who
     * is not told of "fields"): shown as it is. */
    if (fd && *msg >= 'A' && *msg <= 'Z') {
        web_htmlf(b, "%s", msg);
        return;
    }
    if (!fd) {
        /* A problem of no input: the message alone, or with the field the
         * hub named it by. */
        if (e->field && strcmp(e->field, "referral") != 0 && strcmp(e->field, "token") != 0)
            web_htmlf(b, "%s: ", e->field);
        web_htmlf(b, "%s", msg);
        return;
    }
    web_htmlf(b, verb ? "%s %s" : "%s: %s", fd->what ? fd->what : fd->label, msg);
}

static bool s_has_error(const web_formdef_t *f, const ferrs_t *errs, const web_field_t *fd)
{
    for (size_t i = 0; errs && i < errs->n; i++)
        if (web_form_field_of_error(f, errs->v[i].field) == fd)
            return true;
    return false;
}

static void s_summary_item(buf_t *b, const web_field_t *fd, const ferr_t *e)
{
    buf_adds(b, "<li>");
    if (fd)
        web_htmlf(b, "<a href=\"#%s\">", fd->key);
    s_message(b, fd, e);
    buf_adds(b, fd ? "</a></li>\n" : "</li>\n");
}

/* The error summary: role=alert, so that it is read out when the page
 * comes back, each error a link to its input. Problems of no input (the
 * form sent before with other answers) come first, as they are about the
 * whole form; then the inputs' in the order of the page, whatever order
 * the intake's checks found them in, so that the list reads as the page
 * does. */
void web_form_summary(buf_t *b, const web_formdef_t *f, const ferrs_t *errs)
{
    buf_adds(b,
             "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" "
             "tabindex=\"-1\">\n<h2 id=\"error-summary-title\">There is a problem</h2>\n<ul>\n");
    for (size_t i = 0; i < errs->n; i++)
        if (!web_form_field_of_error(f, errs->v[i].field))
            s_summary_item(b, NULL, &errs->v[i]);
    for (size_t s = 0; s < f->nsets; s++)
        for (size_t k = 0; k < f->sets[s].nfields; k++)
            for (size_t i = 0; i < errs->n; i++)
                if (web_form_field_of_error(f, errs->v[i].field) == f->sets[s].fields[k])
                    s_summary_item(b, f->sets[s].fields[k], &errs->v[i]);
    buf_adds(b, "</ul>\n</div>\n");
}

/* The errors beside a field. */
static void s_field_errors(buf_t *b, const web_formdef_t *f, const ferrs_t *errs,
                           const web_field_t *fd)
{
    for (size_t i = 0; errs && i < errs->n; i++)
        if (web_form_field_of_error(f, errs->v[i].field) == fd) {
            web_htmlf(b, "<span class=\"error-message\" id=\"%s-error\">", fd->key);
            buf_adds(b, "<span class=\"visually-hidden\">Error:</span> ");
            s_message(b, fd, &errs->v[i]);
            buf_adds(b, "</span>\n");
        }
}

/* --- inputs ------------------------------------------------------------- */

/* The id of option i of a field with options: the first has the field's
 * own id, so that the summary's link reaches the group. */
static void s_option_id(buf_t *b, const web_field_t *fd, size_t i, const char *value)
{
    if (i == 0)
        web_htmlf(b, "%s", fd->key);
    else
        web_htmlf(b, "%s-%s", fd->key, value);
}

static void s_describedby(buf_t *b, const web_field_t *fd, bool error)
{
    if (!fd->hint && !error)
        return;
    buf_adds(b, " aria-describedby=\"");
    if (fd->hint)
        web_htmlf(b, "%s-hint", fd->key);
    if (error)
        web_htmlf(b, "%s%s-error", fd->hint ? " " : "", fd->key);
    buf_adds(b, "\"");
}

static void s_hint(buf_t *b, const web_field_t *fd)
{
    if (fd->hint)
        web_htmlf(b, "<span class=\"hint\" id=\"%s-hint\">%s</span>\n", fd->key, fd->hint);
}

/* Radios or checkboxes, in a fieldset of their own whose legend is the
 * question. */
static void s_choices(buf_t *b, const web_req_t *q, const web_formdef_t *f, const ferrs_t *errs,
                      const web_field_t *fd)
{
    static const web_option_t yesno[] = {{"true", "Yes"}, {"false", "No"}, {NULL, NULL}};
    const web_option_t *opts = fd->input == WEB_IN_YESNO ? yesno : fd->options;
    bool boxes = fd->input == WEB_IN_CHECKBOXES, error = s_has_error(f, errs, fd);
    const char *ticked[S_LIST_MAX];
    size_t nticked = q->post ? web_fields(q, fd->key, ticked, S_LIST_MAX) : 0;

    buf_adds(b, "<fieldset");
    s_describedby(b, fd, error);
    web_htmlf(b, "><legend>%s</legend>\n", fd->label);
    s_hint(b, fd);
    s_field_errors(b, f, errs, fd);
    buf_adds(b, boxes ? "<div class=\"checkboxes\">\n" : "<div class=\"radios\">\n");
    for (size_t i = 0; opts[i].value; i++) {
        bool on = false;
        for (size_t k = 0; k < nticked; k++)
            on |= strcmp(ticked[k], opts[i].value) == 0;
        web_htmlf(b, "<div><input type=\"%s\" id=\"", boxes ? "checkbox" : "radio");
        s_option_id(b, fd, i, opts[i].value);
        web_htmlf(b, "\" name=\"%s\" value=\"%s\"%s>", fd->key, opts[i].value,
                  on ? " checked" : "");
        buf_adds(b, "<label for=\"");
        s_option_id(b, fd, i, opts[i].value);
        web_htmlf(b, "\">%s</label></div>\n", opts[i].label);
    }
    buf_adds(b, "</div>\n</fieldset>\n");
}

static void s_select(buf_t *b, const web_field_t *fd, const char *typed, bool error)
{
    web_htmlf(b, "<select id=\"%s\" name=\"%s\"", fd->key, fd->key);
    s_describedby(b, fd, error);
    buf_adds(b, error ? " class=\"input-error\" aria-invalid=\"true\">\n" : ">\n");
    buf_adds(b, "<option value=\"\">Choose</option>\n");
    for (size_t i = 0; fd->options[i].value; i++)
        web_htmlf(b, "<option value=\"%s\"%s>%s</option>\n", fd->options[i].value,
                  typed && strcmp(typed, fd->options[i].value) == 0 ? " selected" : "",
                  fd->options[i].label);
    buf_adds(b, "</select>\n");
}

/* One checkbox, its label beside it: the answer "true" when ticked. */
static void s_tick(buf_t *b, const web_req_t *q, const web_formdef_t *f, const ferrs_t *errs,
                   const web_field_t *fd)
{
    const char *typed = q->post ? web_field(q, fd->key) : NULL;
    bool error = s_has_error(f, errs, fd);

    s_field_errors(b, f, errs, fd);
    buf_adds(b, "<div class=\"checkboxes\">\n<div>");
    web_htmlf(b, "<input type=\"checkbox\" id=\"%s\" name=\"%s\" value=\"true\"", fd->key, fd->key);
    s_describedby(b, fd, error);
    if (typed && strcmp(typed, "true") == 0)
        buf_adds(b, " checked");
    if (error)
        buf_adds(b, " aria-invalid=\"true\"");
    web_htmlf(b, "><label for=\"%s\">%s</label>\n", fd->key, fd->label);
    s_hint(b, fd);
    buf_adds(b, "</div>\n</div>\n");
}

/* A text input, a textarea or a select, with its label. */
static void s_input(buf_t *b, const web_req_t *q, const web_formdef_t *f, const ferrs_t *errs,
                    const web_field_t *fd)
{
    const char *typed = q->post ? web_field(q, fd->key) : NULL;
    bool error = s_has_error(f, errs, fd);

    web_htmlf(b, "<label for=\"%s\">%s</label>\n", fd->key, fd->label);
    s_hint(b, fd);
    s_field_errors(b, f, errs, fd);
    if (fd->input == WEB_IN_SELECT) {
        s_select(b, fd, typed, error);
        return;
    }
    web_htmlf(b, fd->input == WEB_IN_TEXTAREA ? "<textarea rows=\"3\"" : "<input type=\"text\"");
    web_htmlf(b, " id=\"%s\" name=\"%s\" autocomplete=\"%s\"", fd->key, fd->key,
              fd->autocomplete ? fd->autocomplete : "off");
    if (fd->input == WEB_IN_DATE || !fd->autocomplete)
        buf_adds(b, " spellcheck=\"false\"");
    if (fd->input == WEB_IN_NUMBER)
        buf_adds(b, " inputmode=\"numeric\"");
    s_describedby(b, fd, error);
    if (error)
        buf_adds(b, " class=\"input-error\" aria-invalid=\"true\"");
    if (fd->input == WEB_IN_TEXTAREA)
        web_htmlf(b, ">%s</textarea>\n", typed ? typed : "");
    else
        web_htmlf(b, " value=\"%s\">\n", typed ? typed : "");
}

static void s_field(buf_t *b, const web_req_t *q, const web_formdef_t *f, const ferrs_t *errs,
                    const web_field_t *fd)
{
    bool error = s_has_error(f, errs, fd);
    buf_adds(b, error ? "<div class=\"form-group form-group-error\">\n"
                      : "<div class=\"form-group\">\n");
    switch (fd->input) {
    case WEB_IN_ORG:
        /* Not an input: every referral from this account names the user's
         * organisation, whatever a form sends. */
        web_htmlf(b,
                  "<p id=\"%s\"><strong>%s:</strong> %s <span class=\"hint\">(your "
                  "organisation)</span></p>\n",
                  fd->key, fd->label, q->user ? q->user->org : "");
        s_field_errors(b, f, errs, fd);
        break;
    case WEB_IN_YESNO:
    case WEB_IN_RADIOS:
    case WEB_IN_CHECKBOXES:
        s_choices(b, q, f, errs, fd);
        break;
    case WEB_IN_TICK:
        s_tick(b, q, f, errs, fd);
        break;
    default:
        s_input(b, q, f, errs, fd);
    }
    buf_adds(b, "</div>\n");
}

void web_form_fieldset(buf_t *b, const web_req_t *q, const web_formdef_t *f, const ferrs_t *errs,
                       const web_fieldset_t *set)
{
    /* No legend: the fields alone, under the page's own heading. */
    if (set->legend)
        web_htmlf(b, "<fieldset>\n<legend><h2>%s</h2></legend>\n", set->legend);
    if (set->hint)
        web_htmlf(b, "<p class=\"hint\">%s</p>\n", set->hint);
    for (size_t i = 0; i < set->nfields; i++)
        s_field(b, q, f, errs, set->fields[i]);
    if (set->legend)
        buf_adds(b, "</fieldset>\n");
}

/* --- pages -------------------------------------------------------------- */

/* A fresh idempotency token: the intake answers a resend of it with the
 * first answer. */
void web_form_token(char out[WEB_FORM_TOKEN_LEN + 1])
{
    unsigned char raw[S_TOKEN_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, S_TOKEN_LEN + 1, raw, sizeof raw);
}

bool web_form_token_ok(const char *t)
{
    return t && strlen(t) == S_TOKEN_LEN && strspn(t, "0123456789abcdef") == S_TOKEN_LEN;
}

void web_form_page(web_resp_t *r, const web_req_t *q, const web_formdef_t *f, const char *token,
                   const ferrs_t *errs, const char *notice)
{
    buf_t *b = &r->body;
    char title[160];
    bool failed = (errs && errs->n) || notice;
    snprintf(title, sizeof title, "%s%s", failed ? "Error: " : "", f->title);
    web_page_begin(b, q, title);
    if (notice)
        web_htmlf(b,
                  "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\">\n<h2>The "
                  "referral was not sent</h2>\n<p>%s</p>\n</div>\n",
                  notice);
    if (errs && errs->n)
        web_form_summary(b, f, errs);
    web_htmlf(b, "<h1>%s</h1>\n<p>%s</p>\n", f->title, f->intro);
    web_htmlf(b, "<form method=\"post\" action=\"%s\" novalidate>\n", f->path);
    web_csrf_input(b, q);
    web_htmlf(b, "<input type=\"hidden\" name=\"token\" value=\"%s\">\n", token);
    for (size_t s = 0; s < f->nsets; s++)
        web_form_fieldset(b, q, f, errs, &f->sets[s]);
    buf_adds(b, "<button type=\"submit\" class=\"button\">Send the referral</button>\n</form>\n");
    web_page_end(b);
}

/* --- where it is expected to go ----------------------------------------- */

/* The routing table and postcode units, loaded once and again when the
 * routing file changes (SIGHUP may name another). The router decides
 * where a referral goes when it takes it; this is only the preview. */
static struct {
    char *path;
    struct timespec mtime;
    off_t size;
    route_t *rt;
    pcdb_t *pcdb;
} s_routing;

const route_t *web_form_routing(const hubconf_t *c, pcdb_t **pcdb)
{
    struct stat st;
    diag_t d = DIAG_INIT;
    char *pcdir;

    *pcdb = NULL;
    if (!c || !c->routing || stat(c->routing, &st) < 0)
        return NULL;
    if (s_routing.rt && strcmp(s_routing.path, c->routing) == 0 && st.st_size == s_routing.size &&
        st.st_mtim.tv_sec == s_routing.mtime.tv_sec &&
        st.st_mtim.tv_nsec == s_routing.mtime.tv_nsec) {
        /* A unit table imported since, as the router will use it. */
        pcdir = hubconf_data_path(c, "postcodes");
        pcdb_follow(&s_routing.pcdb, pcdir);
        free(pcdir);
        *pcdb = s_routing.pcdb;
        return s_routing.rt;
    }
    route_destroy(&s_routing.rt);
    pcdb_close(&s_routing.pcdb);
    free(s_routing.path);
    s_routing.path = xstrdup(c->routing);
    s_routing.mtime = st.st_mtim;
    s_routing.size = st.st_size;
    if (!(s_routing.rt = route_load(c->routing, &d)))
        log_warn("routing preview: %s does not load (%zu problems); referrals are sent "
                 "without one",
                 c->routing, d.n);
    diag_free(&d);
    pcdir = hubconf_data_path(c, "postcodes");
    /* Without the unit table, districts alone (as the router does). */
    s_routing.pcdb = pcdb_open(pcdir, false);
    free(pcdir);
    *pcdb = s_routing.pcdb;
    return s_routing.rt;
}

/* Where the referral is expected to go and why, as `carerhub route`
 * explains it; nothing when it cannot be worked out here. */
static void s_preview(buf_t *b, web_t *w, const Carerhub__Referral *ref, Carerhub__Source src)
{
    pcdb_t *pcdb;
    const route_t *rt = web_form_routing(web_conf(w), &pcdb);
    const Carerhub__Carer *c = ref->carer;
    char pc[POSTCODE_MAX];
    date_t born;
    int age = -1;
    route_result_t res;
    buf_t why = BUF_INIT;

    if (!rt || !c || !c->postcode || postcode_normalise(c->postcode, pc) < 0) {
        buf_adds(b, "<p>The hub decides which organisation it goes to when it takes it.</p>\n");
        return;
    }
    if (c->date_of_birth && date_parse(c->date_of_birth, &born) == 0)
        age = date_age(born, date_today());
    route_decide(rt, pc, age, referral_route_source(src), pcdb ? pcdb_lookup : NULL, pcdb, &res);
    route_explain(rt, &res, &why);
    web_htmlf(b,
              "<p>It is expected to go to <strong>%s</strong>. %s</p>\n<p class=\"hint\">The "
              "hub decides when it takes the referral, by the same rules; the page for the "
              "referral shows where it went.</p>\n",
              route_provider_name(rt, res.provider), why.data ? why.data : "");
    buf_free(&why);
}

static void s_done_page(web_t *w, web_resp_t *r, const web_req_t *q, const web_formdef_t *f,
                        const Carerhub__Referral *ref, const Carerhub__SubmitReply *rep)
{
    buf_t *b = &r->body;
    web_page_begin(b, q, "Referral sent");
    web_htmlf(b,
              "<div class=\"panel\">\n<h1>Referral sent</h1>\n<p>Its reference is "
              "<strong>%s</strong>.</p>\n</div>\n",
              rep->referral_id);
    for (size_t i = 0; i < rep->n_notices; i++)
        web_htmlf(b, "<p class=\"inset\">%s</p>\n", rep->notices[i]);
    buf_adds(b, "<h2>Where it is going</h2>\n");
    s_preview(b, w, ref, f->source);
    web_htmlf(b,
              "<p><a href=\"/referrals/%s\">See where referral %s stands</a></p>\n"
              "<p><a href=\"%s\">Refer another carer</a></p>\n",
              rep->referral_id, rep->referral_id, f->path);
    web_page_end(b);
}

/* --- sending ------------------------------------------------------------- */

/* A submission on its way: what its answer page needs. */
typedef struct {
    const web_formdef_t *f;
    Carerhub__Referral *ref;
    char token[S_TOKEN_LEN + 1];
} s_sending_t;

static void s_sending_free(void *p)
{
    s_sending_t *s = p;
    carerhub__referral__free_unpacked(s->ref, NULL);
    free(s);
}

/* The intake's answer (rep; NULL: none in time), shown. */
static void s_sent(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                   void *ctx)
{
    s_sending_t *s = ctx;
    const Carerhub__SubmitReply *sr =
        rep && rep->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY ? rep->submit_reply : NULL;
    ferrs_t errs = FERRS_INIT;

    r->personal = true;
    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
        strcmp(rep->error->code, "forbidden") == 0) {
        web_error_page(r, q, 403,
                       "The hub does not take referrals from this account. Ask the hub's "
                       "operator to check it.");
    } else if (sr && sr->status == CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED && sr->referral_id) {
        s_done_page(w, r, q, s->f, s->ref, sr);
    } else if (sr && sr->status == CARERHUB__SUBMIT_REPLY__STATUS__REJECTED && sr->n_errors) {
        for (size_t i = 0; i < sr->n_errors; i++) {
            const Carerhub__FieldError *fe = sr->errors[i];
            if (fe->field && strcmp(fe->field, "token") == 0) {
                /* The first answers with this form were taken; these are
                 * another referral, sent as one only if the user sends
                 * them again. */
                web_form_token(s->token);
                ferrs_add(&errs, "token", "reused",
                          "This form was sent before with other answers, which were accepted. "
                          "To send these answers as another referral, send the form again.");
            } else if (fe->field && strcmp(fe->field, "equality") == 0 && fe->code &&
                       strcmp(fe->code, "consent") == 0) {
                /* The intake's words name the file's key; the form's box
                 * is what the user can act on. */
                ferrs_add(&errs, fe->field, fe->code,
                          "Tick \"The carer agreed to answer the equality questions\" if they "
                          "agreed to answer them; if not, leave the equality questions "
                          "unanswered");
            } else {
                ferrs_add(&errs, fe->field ? fe->field : "referral", fe->code ? fe->code : "", "%s",
                          fe->message ? fe->message : "is not right");
            }
        }
        web_form_page(r, q, s->f, s->token, &errs, NULL);
    } else {
        /* No answer, the intake could not store it, or an answer of no
         * use: nothing was taken, and the same token makes a resend safe. */
        r->status = 503;
        web_form_page(r, q, s->f, s->token, NULL,
                      "The hub could not be reached, so nothing was sent. Your answers are kept "
                      "below: try sending them again in a few minutes.");
    }
    ferrs_free(&errs);
}

/* Sends the referral (taken) to the source's intake; its answer is shown
 * by s_sent. */
static void s_send(web_t *w, const web_req_t *q, web_resp_t *r, const web_formdef_t *f,
                   Carerhub__Referral *ref, const char *token)
{
    Carerhub__SubmitRequest sub = CARERHUB__SUBMIT_REQUEST__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    s_sending_t *s = xcalloc(1, sizeof *s);

    s->f = f;
    s->ref = ref;
    snprintf(s->token, sizeof s->token, "%s", token);
    sub.token = s->token;
    sub.referral = ref;
    env.body_case = CARERHUB__ENVELOPE__BODY_SUBMIT;
    env.submit = &sub;
    web_call(w, q, r, web_to_intake(f->source), &env, S_SUBMIT_MS, s_sent, s, s_sending_free);
}

void web_refer(web_t *w, const web_req_t *q, web_resp_t *r)
{
    const web_formdef_t *f = web_form_at(q->path);
    char token[S_TOKEN_LEN + 1];
    Carerhub__Referral *ref;
    ferrs_t errs = FERRS_INIT;
    role_t role;

    if (!f) {
        web_error_page(r, q, 404, "There is no such form. Choose one from the menu.");
        return;
    }
    if (!q->user || referral_submitter_role(f->source, &role) < 0 || q->user->role != role) {
        web_error_page(r, q, 403,
                       "Your account cannot send this kind of referral: use the form for your "
                       "organisation, in the menu.");
        return;
    }
    r->personal = true;
    if (q->post && web_form_token_ok(web_field(q, "token")))
        snprintf(token, sizeof token, "%s", web_field(q, "token"));
    else
        web_form_token(token);
    if (!q->post) {
        web_form_page(r, q, f, token, NULL, NULL);
        return;
    }
    ref = web_form_referral(f, q->nfields, q->names, q->values, q->user->org, &errs);
    if (errs.n) {
        web_form_page(r, q, f, token, &errs, NULL); /* what the intake could not even read */
        carerhub__referral__free_unpacked(ref, NULL);
    } else {
        s_send(w, q, r, f, ref, token);
    }
    ferrs_free(&errs);
}
