/*
 * /help: the page a carer finds from a GP practice's website or a leaflet,
 * where they ask for support themselves, without an account. GET shows a
 * few plain words and the form (web_help_fields.c); POST reads it as a
 * self referral file would be read and sends it to carerhub-self-intake
 * for the public (web_call with no user: OnBehalf role self), whose answer
 * is the authority: its problems come back in words for the carer, beside
 * their inputs, everything typed kept; an under-16 is told where to ask
 * instead. On success a thank-you page gives the reference, the
 * organisation that will contact them and by when (the routing as it
 * stands, as the referrers' forms preview it), and nothing else of what
 * they told us.
 *
 * Against abuse, with nothing from a third party: the CSRF token of the
 * anonymous session (checked here, not by web_http.c: a session that went
 * while the carer typed, after its idle time or made way for others, must
 * not lose their answers; they come back with a new session), the body
 * limits every request meets, a random idempotency token per form shown
 * (every public request has the same submitter, web/public), requests
 * taken per address in an hour (web.self_referrals_per_hour; more get 429
 * with the answers kept), and a honeypot input: a form with it filled in
 * gets the same thank-you page and is not sent, only counted in the log.
 */
#include "web_help.h"
#include "web_impl.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SUBMIT_MS 5000

static web_rate_t *s_rate;        /* requests taken per address (made on first use) */
static unsigned long s_honeypots; /* forms with the hidden input filled in */

/* --- the form page ---------------------------------------------------------- */

static void s_intro(buf_t *b, const web_formdef_t *f)
{
    web_htmlf(b, "<p>%s</p>\n", f->intro);
    buf_adds(b, "<p>A carer is someone who helps a family member or friend who could not manage "
                "without them. They may be ill, disabled or older, or have problems with their "
                "mental health, drugs or alcohol. You do not have to live with them.</p>\n"
                "<p>Tell us a little about you below. Then a carers' support service near you will "
                "get in touch. It is free.</p>\n"
                "<div class=\"inset\">\n<p>You need to be 16 or over to ask here. If you are "
                "younger, ask a teacher at your school or your GP practice to help you.</p>\n"
                "<p>This is not for emergencies. If someone is in danger now, call 999.</p>\n"
                "</div>\n");
}

/* Who sees the carer's details, and why: what they say yes to, before
 * the question. */
static void s_consent_words(buf_t *b)
{
    buf_adds(b, "<h2>Sending your details</h2>\n<p>If you say yes, we will send what you tell us "
                "here to the carers' support "
                "service for where you live. They will use it to contact you and talk about "
                "what could help.</p>\n"
                "<p>The small team that runs this website can see it too, to make sure it gets to "
                "the right service. Nobody else will. The council only sees numbers, never "
                "names.</p>\n");
}

/* The input a person never sees: hidden by the stylesheet, from screen
 * readers (aria-hidden) and from the keyboard (tabindex -1), and never
 * filled in by the browser (autocomplete off). Its label says what to do
 * to anyone who sees it all the same (without the stylesheet). */
static void s_honeypot(buf_t *b)
{
    web_htmlf(b,
              "<div class=\"visually-hidden\" aria-hidden=\"true\">\n<label for=\"%s\">Leave "
              "this empty (it helps us stop spam)</label>\n<input type=\"text\" id=\"%s\" "
              "name=\"%s\" value=\"\" tabindex=\"-1\" autocomplete=\"off\">\n</div>\n",
              WEB_HELP_HONEYPOT, WEB_HELP_HONEYPOT, WEB_HELP_HONEYPOT);
}

/* The page of the form: the answers of q kept when it is a POST, errs
 * (may be NULL) in the summary and beside their inputs, notice (may be
 * NULL: why nothing was sent) above it all. */
static void s_form_page(web_resp_t *r, const web_req_t *q, const char *token, const ferrs_t *errs,
                        const char *notice)
{
    const web_formdef_t *f = web_help_form();
    buf_t *b = &r->body;
    bool failed = (errs && errs->n) || notice;

    r->personal = true;
    web_page_begin(b, q,
                   failed ? "Error: Ask for support as a carer" : "Ask for support as a carer");
    if (notice)
        web_htmlf(b,
                  "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\">\n<h2>Your "
                  "request was not sent</h2>\n<p>%s</p>\n</div>\n",
                  notice);
    if (errs && errs->n)
        web_form_summary(b, f, errs);
    web_htmlf(b, "<h1>%s</h1>\n", f->title);
    s_intro(b, f);
    web_htmlf(b, "<form method=\"post\" action=\"%s\" novalidate>\n", f->path);
    web_csrf_input(b, q);
    web_htmlf(b, "<input type=\"hidden\" name=\"token\" value=\"%s\">\n", token);
    for (size_t s = 0; s < f->nsets; s++) {
        if (s + 1 == f->nsets)
            s_consent_words(b);
        web_form_fieldset(b, q, f, errs, &f->sets[s]);
    }
    s_honeypot(b);
    buf_adds(b, "<button type=\"submit\" class=\"button\">Ask for support</button>\n</form>\n");
    web_page_end(b);
}

/* --- the thank-you page ----------------------------------------------------- */

/* "Friday 11 December 2026". */
static void s_day(buf_t *b, date_t day)
{
    static const char *const days[] = {"Thursday", "Friday",  "Saturday", "Sunday",
                                       "Monday",   "Tuesday", "Wednesday"};
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    /* 1970-01-01, day 0, was a Thursday. */
    web_htmlf(b, "%s %d %s %d", days[((day % 7) + 7) % 7], d, months[m - 1], y);
}

/* Who will contact the carer and by when, as the routing stands (the
 * router decides when it takes the referral, by the same rules): the
 * organisation, the triage service, or someone to tell them who supports
 * carers where they live. */
static void s_next(buf_t *b, const hubconf_t *conf, const Carerhub__Referral *ref)
{
    pcdb_t *pcdb;
    const route_t *rt = web_form_routing(conf, &pcdb);
    const Carerhub__Carer *c = ref->carer;
    char pc[POSTCODE_MAX];
    date_t born, by;
    int age = -1;
    route_result_t res;

    if (!rt || !c || !c->postcode || postcode_normalise(c->postcode, pc) < 0) {
        buf_adds(b, "<p>A carers' support service near you will contact you soon.</p>\n");
        return;
    }
    if (c->date_of_birth && date_parse(c->date_of_birth, &born) == 0)
        age = date_age(born, date_today());
    route_decide(rt, pc, age, ROUTE_SRC_SELF, pcdb ? pcdb_lookup : NULL, pcdb, &res);
    by = date_today() + route_contact_by_days(rt, ROUTE_SRC_SELF);
    if (route_provider_signposts(rt, res.provider)) {
        buf_adds(b, "<p>Your postcode is outside the area these services cover. Someone will "
                    "contact you by <strong>");
        s_day(b, by);
        buf_adds(b, "</strong> to tell you who supports carers where you live.</p>\n");
        return;
    }
    web_htmlf(b, "<p><strong>%s</strong> will contact you by <strong>",
              route_provider_name(rt, res.provider));
    s_day(b, by);
    buf_adds(b, res.provider == route_triage(rt)
                    ? "</strong>. They will help you find the right support.</p>\n"
                    : "</strong>. They support carers where you live.</p>\n");
}

static void s_done_page(web_t *w, web_resp_t *r, const web_req_t *q, const Carerhub__Referral *ref,
                        const char *id, const Carerhub__SubmitReply *rep)
{
    buf_t *b = &r->body;
    r->personal = true;
    web_page_begin(b, q, "Thank you: we have your request");
    web_htmlf(b,
              "<div class=\"panel\">\n<h1>Thank you: we have your request</h1>\n<p>Your "
              "reference is <strong>%s</strong></p>\n</div>\n",
              id);
    if (rep && rep->has_already_accepted_at) {
        char when[DATE_WHEN_STRLEN];
        date_format_when(rep->already_accepted_at, when);
        web_htmlf(b,
                  "<p class=\"inset\">You sent this before, on %s, so we did not send it "
                  "again.</p>\n",
                  when);
    }
    buf_adds(b, "<h2>What happens next</h2>\n");
    s_next(b, web_conf(w), ref);
    buf_adds(b, "<p>If you get in touch with them, tell them your reference.</p>\n"
                "<p>If someone is in danger now, call 999.</p>\n");
    web_page_end(b);
}

/* A reference for a form that is thanked for and not sent (the honeypot):
 * shaped as the intake's are (SR-EPOCH-N), with an epoch of its own that
 * no intake has, so that it can never name somebody's referral. */
static void s_fake_id(char *out, size_t outsz)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char r[6];
    char epoch[7];
    randombytes_buf(r, sizeof r);
    for (size_t i = 0; i < sizeof r; i++)
        epoch[i] = alphabet[r[i] & 31];
    epoch[6] = '\0';
    snprintf(out, outsz, "SR-%s-%u", epoch, 1 + randombytes_uniform(900));
}

/* --- sending ------------------------------------------------------------------ */

static web_rate_t *s_rates(void)
{
    if (!s_rate)
        s_rate = web_rate_new(WEB_THROTTLE_MAX);
    return s_rate;
}

/* A request on its way: what its answer page needs, and the place it
 * holds in its address's count until the request is taken. */
typedef struct {
    Carerhub__Referral *ref;
    char token[WEB_FORM_TOKEN_LEN + 1];
    char address[64];
    bool held;
} s_sending_t;

/* Refused, the same request again, no answer, or the client gone before
 * it: a place not taken is given back. */
static void s_sending_free(void *p)
{
    s_sending_t *s = p;
    if (s->held)
        web_rate_release(s_rates(), s->address, clock_mono_ms(), WEB_HELP_WINDOW_MS);
    carerhub__referral__free_unpacked(s->ref, NULL);
    free(s);
}

/* The self-intake's answer (rep; NULL: none in time), shown. */
static void s_sent(web_t *w, const web_req_t *q, web_resp_t *r, const Carerhub__Envelope *rep,
                   void *ctx)
{
    s_sending_t *s = ctx;
    const Carerhub__SubmitReply *sr =
        rep && rep->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY ? rep->submit_reply : NULL;
    ferrs_t errs = FERRS_INIT, words = FERRS_INIT;

    if (sr && sr->status == CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED && sr->referral_id) {
        /* The same request again is no new one: not counted twice. */
        if (!sr->has_already_accepted_at) {
            web_rate_count(s_rates(), s->address, clock_mono_ms(), WEB_HELP_WINDOW_MS,
                           sr->referral_id);
            s->held = false;
        }
        s_done_page(w, r, q, s->ref, sr->referral_id, sr);
    } else if (sr && sr->status == CARERHUB__SUBMIT_REPLY__STATUS__REJECTED && sr->n_errors) {
        for (size_t i = 0; i < sr->n_errors; i++) {
            const Carerhub__FieldError *fe = sr->errors[i];
            if (fe->field && strcmp(fe->field, "token") == 0) {
                /* This form was sent before with other answers: these
                 * are another request, sent as one only if sent again. */
                web_form_token(s->token);
                ferrs_add(&errs, "token", "reused",
                          "You sent this form before with other answers, and we have those. To "
                          "send these answers as well, send the form again.");
            } else {
                ferrs_add(&errs, fe->field ? fe->field : "referral", fe->code ? fe->code : "", "%s",
                          fe->message ? fe->message : "is not right");
            }
        }
        web_help_words(&errs, &words);
        s_form_page(r, q, s->token, &words, NULL);
    } else {
        /* No answer, refused, or the intake could not store it: nothing
         * was taken, and the same token makes sending it again safe. */
        r->status = 503;
        s_form_page(r, q, s->token, NULL,
                    "We could not send your request just now. What you typed is kept below: "
                    "please try again in a few minutes.");
    }
    ferrs_free(&errs);
    ferrs_free(&words);
}

/* The minutes a person waits, rounded up: "20 minutes". */
static void s_wait_words(char *out, size_t outsz, int64_t wait_ms)
{
    long long min = (wait_ms + 59999) / 60000;
    snprintf(out, outsz,
             "Too many requests for support have come from this internet connection in the last "
             "hour. Please try again in %lld minute%s. If you cannot wait, phone the carers' "
             "support service for your area, or ask your GP practice to refer you.",
             min < 1 ? 1 : min, min == 1 ? "" : "s");
}

static bool s_filled(const char *v)
{
    return v && !text_is_blank(v);
}

void web_help(web_t *w, const web_req_t *q, web_resp_t *r)
{
    const hubconf_t *conf = web_conf(w);
    web_req_t pub = *q;
    char token[WEB_FORM_TOKEN_LEN + 1], why[400];
    int64_t wait_ms;
    Carerhub__Referral *ref;
    ferrs_t errs = FERRS_INIT, words = FERRS_INIT;

    /* The public's request, whoever is logged in here: no user. */
    pub.user = NULL;
    if (q->post && !web_csrf_ok(w->sess, web_field(q, "csrf"))) {
        /* The session went (or the form is not this site's): nothing is
         * sent from this request, and nothing counted; what was typed
         * comes back under a session and a form token that are new. */
        pub.csrf = web_session_anon(w)->user.csrf;
        web_form_token(token);
        s_form_page(r, &pub, token, NULL,
                    "This page was open for a long time, so we did not send your answers. They "
                    "are all still here: check them, then press Ask for support again.");
        r->status = 403;
        return;
    }
    if (!pub.csrf)
        pub.csrf = web_session_anon(w)->user.csrf;
    if (q->post && web_form_token_ok(web_field(q, "token")))
        snprintf(token, sizeof token, "%s", web_field(q, "token"));
    else
        web_form_token(token);
    if (!q->post) {
        s_form_page(r, &pub, token, NULL, NULL);
        return;
    }
    /* A place held from here: released or counted on every way out. */
    if (!web_rate_take(s_rates(), q->address, clock_mono_ms(),
                       (unsigned)conf->web.self_referrals_per_hour, WEB_HELP_WINDOW_MS, &wait_ms)) {
        s_wait_words(why, sizeof why, wait_ms);
        s_form_page(r, &pub, token, NULL, why);
        r->status = 429;
        return;
    }
    ref = web_help_referral(q->nfields, q->names, q->values, date_today(), &errs);
    if (errs.n) {
        /* What the intake could not even read. */
        web_rate_release(s_rates(), q->address, clock_mono_ms(), WEB_HELP_WINDOW_MS);
        web_help_words(&errs, &words);
        s_form_page(r, &pub, token, &words, NULL);
        carerhub__referral__free_unpacked(ref, NULL);
    } else if (s_filled(web_field(q, WEB_HELP_HONEYPOT))) {
        /* A program filling in every input: thanked as a person would be,
         * and counted, but nothing is sent and nothing of it logged. */
        char id[32];
        s_fake_id(id, sizeof id);
        web_rate_count(s_rates(), q->address, clock_mono_ms(), WEB_HELP_WINDOW_MS, NULL);
        log_info("/help: a form with the hidden input filled in was not sent (%lu so far)",
                 ++s_honeypots);
        s_done_page(w, r, &pub, ref, id, NULL);
        carerhub__referral__free_unpacked(ref, NULL);
    } else {
        Carerhub__SubmitRequest sub = CARERHUB__SUBMIT_REQUEST__INIT;
        Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
        s_sending_t *s = xcalloc(1, sizeof *s);
        s->ref = ref;
        snprintf(s->token, sizeof s->token, "%s", token);
        snprintf(s->address, sizeof s->address, "%s", q->address ? q->address : "");
        s->held = true;
        sub.token = s->token;
        sub.referral = ref;
        env.body_case = CARERHUB__ENVELOPE__BODY_SUBMIT;
        env.submit = &sub;
        web_call(w, &pub, r, WEB_TO_SELF, &env, S_SUBMIT_MS, s_sent, s, s_sending_free);
    }
    ferrs_free(&errs);
    ferrs_free(&words);
}
