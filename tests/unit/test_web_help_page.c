/*
 * Unit tests of /help's page (services/web/web_help.c) as a carer meets
 * it, without sockets: the form with a hidden honeypot and a fresh token,
 * a filled honeypot thanked and not sent, the request past the hour's
 * limit refused with 429, who the thank-you page says will contact them,
 * a request sent for the public (no user, whoever is logged in), and the
 * self-intake's answers shown.
 */
#include "test.h"

#include "fixture.h"
#include "web/web_help.h"
#include "web/web_impl.h"

#include "util/mem.h"
#include "wire/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* A form's answers, as a POST body gives them. */
typedef struct {
    const char *names[WEB_FIELDS_MAX];
    const char *values[WEB_FIELDS_MAX];
    char *owned[WEB_FIELDS_MAX];
    size_t n;
} s_answers_t;

static void s_answer(s_answers_t *a, const char *name, const char *value)
{
    if (a->n == WEB_FIELDS_MAX)
        return;
    a->owned[a->n] = xasprintf("%s%c%s", name, '\0', value);
    a->names[a->n] = a->owned[a->n];
    a->values[a->n] = a->owned[a->n] + strlen(name) + 1;
    a->n++;
}

static void s_answers_free(s_answers_t *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->owned[i]);
    a->n = 0;
}

/* --- the handler ----------------------------------------------------------- */

/* The CSRF token of the anonymous session the tests' forms came from. */
#define S_CSRF "CSRFTOKEN-of-the-anonymous-session-01234567"

typedef struct {
    web_t *w;
    route_t *rt;
    web_wait_t *slot;
    web_user_t user;
} s_web_h;

static int s_open(s_web_h *h)
{
    hubconf_t *conf;
    memset(h, 0, sizeof *h);
    if (fixture_conf("participants: []\n", "web: {self_referrals_per_hour: 2}\n", &conf, &h->rt) <
        0)
        return -1;
    h->w = xcalloc(1, sizeof *h->w);
    h->w->conf = conf;
    h->w->hub.corr = 5000;
    snprintf(h->user.csrf, sizeof h->user.csrf, "%s", S_CSRF);
    {
        char id[WEB_TOKEN_LEN + 1];
        h->w->sessions = web_sessions_new(8);
        h->w->sess = web_sess_new(h->w->sessions, 1, NULL, id);
        snprintf(h->w->sess->user.csrf, sizeof h->w->sess->user.csrf, "%s", S_CSRF);
    }
    return 0;
}

static void s_close(s_web_h *h)
{
    web_wait_end(h->w, &h->slot);
    web_hub_close(&h->w->hub);
    hubconf_destroy(&h->w->conf);
    route_destroy(&h->rt);
    web_sessions_destroy(&h->w->sessions);
    free(h->w);
}

/* A request of /help from address, with the answers a (NULL: a GET). */
static web_req_t s_req(s_web_h *h, const char *address, const s_answers_t *a)
{
    web_req_t q = {0};
    q.post = a != NULL;
    q.path = "/help";
    q.address = address;
    q.csrf = h->user.csrf;
    if (a) {
        q.nfields = a->n;
        q.names = a->names;
        q.values = a->values;
    }
    return q;
}

/* Runs the handler; the page it wrote (a new string) and its status. */
static char *s_run(s_web_h *h, const web_req_t *q, int *status)
{
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    h->w->wait = &h->slot;
    web_help(h->w, q, &r);
    h->w->wait = NULL;
    *status = r.status;
    buf_addc(&r.body, '\0');
    return buf_take(&r.body);
}

/* A carer who gives a phone number; in Colchester, born on 30 September
 * 1978, unless postcode and dob say otherwise (NULL: those). */
static void s_carer(s_answers_t *a, const char *given, const char *postcode, const char *dob)
{
    s_answer(a, "csrf", S_CSRF);
    s_answer(a, "token", "0123456789abcdef0123456789abcdef");
    s_answer(a, "carer.given_name", given);
    s_answer(a, "carer.family_name", "Reed");
    s_answer(a, "carer.date_of_birth", dob ? dob : "30 9 1978");
    s_answer(a, "carer.postcode", postcode ? postcode : "co1 1aa");
    s_answer(a, "carer.phone", "07700 900777");
    s_answer(a, "cared_for.relationship", "wife");
    s_answer(a, "consent.share_with_support_service", "true");
}

/* A day as the thank-you page writes it ("Friday 11 December 2026"),
 * `days` days from today, from the C library's calendar. */
static void s_by(char *out, size_t outsz, int days)
{
    time_t t = time(NULL) + (time_t)days * 86400;
    char wd[16], my[32];
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(wd, sizeof wd, "%A", &tm); /* the C locale's: English */
    strftime(my, sizeof my, "%B %Y", &tm);
    snprintf(out, outsz, "%s %d %s", wd, tm.tm_mday, my);
}

/* The idempotency token of a page, into out: 0, or -1 if it has none. */
static int s_token_of(const char *page, char out[WEB_FORM_TOKEN_LEN + 1])
{
    static const char at[] = "<input type=\"hidden\" name=\"token\" value=\"";
    const char *p = strstr(page, at);
    if (!p)
        return -1;
    p += strlen(at);
    memcpy(out, p, WEB_FORM_TOKEN_LEN);
    out[WEB_FORM_TOKEN_LEN] = '\0';
    return p[WEB_FORM_TOKEN_LEN] == '"' && web_form_token_ok(out) ? 0 : -1;
}

TEST(web_help_page_for_the_public)
{
    s_web_h h;
    int st;
    char *page, first[WEB_FORM_TOKEN_LEN + 1], second[WEB_FORM_TOKEN_LEN + 1];
    web_req_t q;
    CHECK_INT(s_open(&h), 0);
    q = s_req(&h, "192.0.2.10", NULL);
    page = s_run(&h, &q, &st);
    CHECK_INT(st, 200);
    CHECK(h.slot == NULL);
    CHECK_CONTAINS(page, "<h1>Are you looking after someone?</h1>");
    CHECK_CONTAINS(page, "<form method=\"post\" action=\"/help\" novalidate>");
    CHECK_CONTAINS(page, "<input type=\"hidden\" name=\"csrf\" value=\"" S_CSRF "\">");
    CHECK_CONTAINS(page, "<div class=\"visually-hidden\" aria-hidden=\"true\">");
    CHECK_CONTAINS(page, "name=\"website\" value=\"\" tabindex=\"-1\" autocomplete=\"off\">");
    CHECK_CONTAINS(page, "autocomplete=\"given-name\"");
    CHECK_CONTAINS(page, "name=\"consent.share_with_support_service\" value=\"true\"");
    CHECK_CONTAINS(page, "Ask for support</button>");
    CHECK(strstr(page, "Log out") == NULL);
    CHECK(s_token_of(page, first) == 0);
    free(page);
    /* Each form shown has a token of its own. */
    page = s_run(&h, &q, &st);
    CHECK(s_token_of(page, second) == 0);
    CHECK(strcmp(first, second) != 0);
    free(page);
    s_close(&h);
}

/* The honeypot filled in: the thank-you page, nothing sent, and it counts
 * as a request of its address: with 2 an hour, the next is refused with
 * 429, the answers kept, and nothing sent. */
/* The session went while the carer typed (idle too long, or made way for
 * a flood of others): nothing is sent, and the form comes back with every
 * answer under a new session; sent again from it, it goes. */
TEST(web_help_session_gone_keeps_the_answers)
{
    s_web_h h;
    s_answers_t a = {0}, again = {0};
    web_req_t q;
    int st;
    char *page, token[WEB_FORM_TOKEN_LEN + 1], field[128];
    CHECK_INT(s_open(&h), 0);
    web_sess_drop(h.w->sessions, h.w->sess);
    h.w->sess = NULL;
    s_carer(&a, "Winifred <b>", NULL, NULL);
    q = s_req(&h, "192.0.2.40", &a);
    q.csrf = NULL; /* as web_http.c finds it: no session */
    page = s_run(&h, &q, &st);
    CHECK_INT(st, 403);
    CHECK(h.slot == NULL); /* nothing sent */
    CHECK_CONTAINS(page, "Your request was not sent");
    CHECK_CONTAINS(page, "They are all still here: check them, then press Ask for support again.");
    CHECK_CONTAINS(page, "value=\"Winifred &lt;b&gt;\"");
    CHECK_CONTAINS(page, "value=\"07700 900777\"");
    /* A new session, its cookie set, its token in the form; a new form
     * token. */
    CHECK(h.w->sess != NULL && strcmp(h.w->sess->user.csrf, S_CSRF) != 0);
    CHECK(strncmp(h.w->cookie, "carerhub_session=", 17) == 0);
    snprintf(field, sizeof field, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
             h.w->sess->user.csrf);
    CHECK_CONTAINS(page, field);
    CHECK_INT(s_token_of(page, token), 0);
    CHECK(strcmp(token, "0123456789abcdef0123456789abcdef") != 0);
    free(page);

    /* Sent again from that page: it goes to the self-intake. */
    s_answer(&again, "csrf", h.w->sess->user.csrf);
    for (size_t i = 1; i < a.n; i++)
        s_answer(&again, a.names[i], strcmp(a.names[i], "token") ? a.values[i] : token);
    q = s_req(&h, "192.0.2.40", &again);
    q.csrf = h.w->sess->user.csrf;
    free(s_run(&h, &q, &st));
    CHECK(h.slot != NULL && h.slot->to == WEB_TO_SELF);
    s_answers_free(&a);
    s_answers_free(&again);
    s_close(&h);
}

TEST(web_help_honeypot_and_the_limit)
{
    s_web_h h;
    s_answers_t a = {0};
    web_req_t q;
    int st;
    char *page, by[64];
    CHECK_INT(s_open(&h), 0);
    s_carer(&a, "Bartholomew", NULL, NULL);
    s_answer(&a, WEB_HELP_HONEYPOT, "http://spam.example");
    q = s_req(&h, "192.0.2.20", &a);
    for (int i = 0; i < 2; i++) {
        page = s_run(&h, &q, &st);
        CHECK_INT(st, 200);
        CHECK(h.slot == NULL); /* nothing sent */
        CHECK_CONTAINS(page, "Thank you: we have your request");
        CHECK_CONTAINS(page, "Your reference is <strong>SR-");
        s_by(by, sizeof by, 10);
        CHECK_CONTAINS(page, "<strong>Essex Carers Support</strong> will contact you by <strong>");
        CHECK_CONTAINS(page, by);
        CHECK(strstr(page, "Bartholomew") == NULL && strstr(page, "900777") == NULL);
        free(page);
    }
    page = s_run(&h, &q, &st);
    CHECK_INT(st, 429);
    CHECK(h.slot == NULL);
    CHECK_CONTAINS(page, "Your request was not sent");
    CHECK_CONTAINS(page, "Please try again in 60 minutes");
    CHECK_CONTAINS(page, "value=\"Bartholomew\"");
    free(page);
    /* Another address is not held up. */
    q.address = "192.0.2.21";
    free(s_run(&h, &q, &st));
    CHECK_INT(st, 200);
    s_answers_free(&a);
    s_close(&h);
}

/* Who the thank-you page says will contact them, by config/routing.yaml:
 * out of the area (Southend), someone to tell them who supports carers
 * there; a 16-year-old in Basildon, the young carers service. */
TEST(web_help_who_will_contact_them)
{
    static const struct {
        const char *postcode, *words;
        int age;
    } cases[] = {
        {"SS1 1AA",
         "Your postcode is outside the area these services cover. Someone will contact "
         "you by <strong>",
         40},
        {"SS14 1AA", "<strong>Essex Young Carers Service</strong> will contact you by", 16},
        {"CM16 4AA", "<strong>Action for Family Carers</strong> will contact you by", 70},
    };
    s_web_h h;
    int st;
    CHECK_INT(s_open(&h), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_answers_t a = {0};
        char dob[DATE_STRLEN], addr[32], *page;
        web_req_t q;
        int y, m, d;
        /* Born `age` years ago today (or on the 28th of a 29 February). */
        date_to_ymd(date_today(), &y, &m, &d);
        snprintf(dob, sizeof dob, "%04d-%02d-%02d", y - cases[i].age, m,
                 m == 2 && d == 29 ? 28 : d);
        s_carer(&a, "Tom", cases[i].postcode, dob);
        s_answer(&a, WEB_HELP_HONEYPOT, "x");
        snprintf(addr, sizeof addr, "192.0.2.%zu", 40 + i);
        q = s_req(&h, addr, &a);
        page = s_run(&h, &q, &st);
        CHECK_INT(st, 200);
        CHECK_CONTAINS(page, cases[i].words);
        free(page);
        s_answers_free(&a);
    }
    s_close(&h);
}

/* The answer to the request's call, as the self-intake would send it. */
static Carerhub__Envelope *s_reply(uint64_t corr, bool accepted)
{
    Carerhub__SubmitReply sr = CARERHUB__SUBMIT_REPLY__INIT;
    Carerhub__FieldError fe = CARERHUB__FIELD_ERROR__INIT, *fes[] = {&fe};
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    uint8_t buf[1024];
    size_t n;
    sr.has_status = true;
    sr.status = accepted ? CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED
                         : CARERHUB__SUBMIT_REPLY__STATUS__REJECTED;
    if (accepted) {
        sr.referral_id = "SR-TEST01-7";
    } else {
        fe.field = "carer.date_of_birth";
        fe.code = "too_young";
        fe.message = "you can ask for help here yourself from the age of 16; until then, ask "
                     "someone at your school";
        sr.n_errors = 1;
        sr.errors = fes;
    }
    env.has_version = true;
    env.version = WIRE_VERSION;
    env.has_corr = true;
    env.corr = corr;
    env.body_case = CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY;
    env.submit_reply = &sr;
    n = carerhub__envelope__pack(&env, buf);
    return carerhub__envelope__unpack(NULL, n, buf);
}

static char *s_then(s_web_h *h, int *status)
{
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    web_wait_then(h->w, &h->slot, &r);
    *status = r.status;
    buf_addc(&r.body, '\0');
    return buf_take(&r.body);
}

/* Sent to the self-intake for the public (a logged-in user's name never
 * goes with it), with the form's token and consent given today; the
 * intake's answers shown: a refusal at its input with the answers kept,
 * the reference on success, and no answer a 503 with the answers kept. */
TEST(web_help_sent_for_the_public)
{
    s_web_h h;
    s_answers_t a = {0};
    web_req_t q;
    web_user_t gp = {.name = "a.patel", .role = ROLE_GP, .org = "F81001", .csrf = S_CSRF};
    Carerhub__Envelope *sent;
    char today[DATE_STRLEN], *page;
    int st;
    CHECK_INT(s_open(&h), 0);
    s_carer(&a, "Tom", NULL, NULL);
    q = s_req(&h, "192.0.2.30", &a);
    q.user = &gp;
    date_format(date_today(), today);
    for (int round = 0; round < 3; round++) {
        page = s_run(&h, &q, &st);
        CHECK(*page == '\0'); /* written when the answer comes */
        CHECK(h.slot != NULL && h.slot->to == WEB_TO_SELF && h.slot->q.user == NULL);
        sent = carerhub__envelope__unpack(NULL, h.slot->nenv, h.slot->env);
        CHECK(sent && sent->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT);
        CHECK_STR(sent->on_behalf->role, "self");
        CHECK(sent->on_behalf->user == NULL && sent->on_behalf->organisation == NULL);
        CHECK_STR(sent->submit->token, "0123456789abcdef0123456789abcdef");
        CHECK_STR(sent->submit->referral->carer->given_name, "Tom");
        CHECK_STR(sent->submit->referral->carer->date_of_birth, "1978-09-30");
        CHECK_STR(sent->submit->referral->consent->date, today);
        CHECK(sent->submit->referral->referrer == NULL);
        free(page);
        if (round < 2)
            web_calls_reply(h.w, WEB_TO_SELF, s_reply(sent->corr, round == 1));
        else
            web_calls_tick(h.w, h.slot->deadline);
        carerhub__envelope__free_unpacked(sent, NULL);
        page = s_then(&h, &st);
        CHECK(h.slot == NULL);
        if (round == 0) {
            CHECK_INT(st, 200);
            CHECK_CONTAINS(page, "<a href=\"#carer.date_of_birth\">You can ask for help here "
                                 "yourself from the age of 16");
            CHECK_CONTAINS(page, "value=\"Tom\"");
        } else if (round == 1) {
            CHECK_INT(st, 200);
            CHECK_CONTAINS(page, "Your reference is <strong>SR-TEST01-7</strong>");
            CHECK_CONTAINS(page, "<strong>Essex Carers Support</strong> will contact you");
            CHECK(strstr(page, "Tom") == NULL && strstr(page, "a.patel") == NULL);
        } else {
            CHECK_INT(st, 503);
            CHECK_CONTAINS(page, "We could not send your request just now");
            CHECK_CONTAINS(page, "value=\"Tom\"");
            CHECK_CONTAINS(page, "name=\"token\" value=\"0123456789abcdef0123456789abcdef\"");
        }
        free(page);
    }
    s_answers_free(&a);
    s_close(&h);
}
