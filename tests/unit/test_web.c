/*
 * Unit tests of carerhub-web's own code: the escaping function (every
 * byte, and multi-byte text), web_htmlf, form decoding and its limits,
 * who may use each route of the route table, and the page layout.
 * Sessions, CSRF tokens and login throttling: test_web_session.c.
 */
#include "test.h"

#include "util/buf.h"
#include "web/web_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FFFD "\xef\xbf\xbd"

static char *s_esc(const char *s)
{
    buf_t b = BUF_INIT;
    web_esc(&b, s);
    buf_addc(&b, '\0'); /* an empty result is still a string */
    return buf_take(&b);
}

TEST(web_esc_every_byte_alone)
{
    for (int c = 1; c < 256; c++) {
        char in[2] = {(char)c, 0}, want[8];
        char *got;
        /* What each byte must become, worked out here from HTML's rules. */
        if (c == '&')
            strcpy(want, "&amp;");
        else if (c == '<')
            strcpy(want, "&lt;");
        else if (c == '>')
            strcpy(want, "&gt;");
        else if (c == '"')
            strcpy(want, "&quot;");
        else if (c == '\'')
            strcpy(want, "&#39;");
        else if (c == '\t' || c == '\n' || c == '\r')
            strcpy(want, in);
        else if (c < 0x20 || c == 0x7f || c >= 0x80) /* controls; a lone byte above ASCII */
            strcpy(want, FFFD);
        else
            strcpy(want, in);
        got = s_esc(in);
        if (strcmp(got, want) != 0) {
            test_fail(__FILE__, __LINE__, "byte 0x%02x escaped as \"%s\", expected \"%s\"", c, got,
                      want);
            free(got);
            return;
        }
        free(got);
    }
}

TEST(web_esc_multibyte_text_and_bad_sequences)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Si\xc3\xa2n Ll\xc5\xb7r Zo\xc3\xab", "Si\xc3\xa2n Ll\xc5\xb7r Zo\xc3\xab"},
        {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"}, /* U+1F600, four bytes */
        {"\xe2\x82\xac 5", "\xe2\x82\xac 5"},     /* the euro sign */
        {"a\xe2\x80\x8d"
         "b",
         "a\xe2\x80\x8d"
         "b"},                                     /* a zero-width joiner is text */
        {"\xc0\xaf", FFFD FFFD},                   /* overlong '/' */
        {"\xed\xa0\x80", FFFD FFFD FFFD},          /* a surrogate */
        {"x\xe2\x82", "x" FFFD FFFD},              /* cut short */
        {"\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD}, /* above U+10FFFF */
        {"\xc2\x85", FFFD},                        /* C1 control NEL */
        {"\xe2\x80\xae"
         "evil",
         FFFD "evil"},          /* right-to-left override */
        {"\xe2\x80\x8b", FFFD}, /* zero-width space */
        {"\xef\xbb\xbf", FFFD}, /* byte-order mark */
        {"<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
        {"\" onfocus=\"x", "&quot; onfocus=&quot;x"},
        {"&amp;", "&amp;amp;"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = s_esc(cases[i].in);
        if (strcmp(got, cases[i].want) != 0) {
            test_fail(__FILE__, __LINE__, "case %zu escaped as \"%s\", expected \"%s\"", i, got,
                      cases[i].want);
            free(got);
            return;
        }
        free(got);
    }
    {
        char *got = s_esc(NULL);
        CHECK_STR(got, "");
        free(got);
    }
}

TEST(web_htmlf_escapes_strings_and_prints_numbers)
{
    buf_t b = BUF_INIT;
    web_htmlf(&b, "<p class=\"x\">%s|%d|%u|%zu|%lld|100%%</p>", "<b>&\"'", -7, 7u, (size_t)42,
              -1234567890123LL);
    CHECK_STR(b.data, "<p class=\"x\">&lt;b&gt;&amp;&quot;&#39;|-7|7|42|-1234567890123|100%</p>");
    buf_reset(&b);
    web_htmlf(&b, "%s%s", "%s", "%d"); /* a value is never read as a format */
    CHECK_STR(b.data, "%s%d");
    buf_free(&b);
}

/* --- forms -------------------------------------------------------------- */

static int s_decode(const char *s, web_form_t *f, char *why)
{
    return web_form_decode(s, strlen(s), f, why, 160);
}

TEST(web_form_decode_names_values_in_order)
{
    web_form_t f;
    char why[160];
    web_req_t q = {0};
    const char *vals[4];
    CHECK_INT(s_decode("csrf=abc&carer.given_name=Si%C3%A2n+Jones&cared_for.conditions=frailty&"
                       "&cared_for.conditions=dementia&empty=&bare",
                       &f, why),
              0);
    CHECK_INT(f.n, 6); /* the empty one between && is no field */
    q.nfields = f.n;
    q.names = (const char *const *)f.names;
    q.values = (const char *const *)f.values;
    CHECK_STR(web_field(&q, "carer.given_name"), "Si\xc3\xa2n Jones");
    CHECK_INT(web_fields(&q, "cared_for.conditions", vals, 4), 2);
    CHECK_STR(vals[0], "frailty");
    CHECK_STR(vals[1], "dementia");
    CHECK_STR(web_field(&q, "empty"), "");
    CHECK_STR(web_field(&q, "bare"), "");
    CHECK(web_field(&q, "missing") == NULL);
    web_form_free(&f);
}

TEST(web_form_decode_refuses_nul_bad_utf8_and_bad_escapes)
{
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"a=x%00y", "NUL"},        {"a%00=x", "NUL"},          {"a=%C3%28", "UTF-8"},
        {"a=%FF", "UTF-8"},        {"a=%ED%A0%80", "UTF-8"}, /* a surrogate */
        {"a=%4", "badly encoded"}, {"a=%zz", "badly encoded"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        web_form_t f;
        char why[160];
        if (s_decode(bad[i].in, &f, why) != -1 || !strstr(why, bad[i].why)) {
            test_fail(__FILE__, __LINE__, "\"%s\" not refused for %s (why: \"%s\")", bad[i].in,
                      bad[i].why, why);
            return;
        }
        CHECK_INT(f.n, 0);
    }
}

TEST(web_form_decode_limits_fields_and_lengths)
{
    buf_t b = BUF_INIT;
    web_form_t f;
    char why[160];
    for (int i = 0; i < WEB_FIELDS_MAX; i++)
        buf_printf(&b, "%sf%d=v", i ? "&" : "", i);
    CHECK_INT(web_form_decode(b.data, b.len, &f, why, sizeof why), 0);
    CHECK_INT(f.n, WEB_FIELDS_MAX);
    web_form_free(&f);
    buf_adds(&b, "&one=more");
    CHECK_INT(web_form_decode(b.data, b.len, &f, why, sizeof why), -1);
    CHECK_CONTAINS(why, "more than 200 fields");

    buf_reset(&b);
    buf_adds(&b, "a=");
    for (int i = 0; i < WEB_FIELD_MAX; i++)
        buf_addc(&b, 'x');
    CHECK_INT(web_form_decode(b.data, b.len, &f, why, sizeof why), 0);
    CHECK_INT(strlen(f.values[0]), WEB_FIELD_MAX);
    web_form_free(&f);
    buf_addc(&b, 'x');
    CHECK_INT(web_form_decode(b.data, b.len, &f, why, sizeof why), -1);
    CHECK_CONTAINS(why, "longer than 4096 bytes");
    buf_free(&b);
}

/* --- routes ------------------------------------------------------------- */

/* Who may use each page, written out by hand (paths as web-common names
 * them), to check the route table against. */
static const struct {
    const char *path;
    bool public_;
    const char *roles; /* "" : any logged-in role */
} s_expect[] = {
    {"/login", true, NULL},
    {"/setup", true, NULL},
    {"/help", true, NULL},
    {"/style.css", true, NULL},
    {"/", false, ""},
    {"/logout", false, ""},
    {"/login/change", false, ""},
    {"/refer/gp", false, "gp"},
    {"/refer/discharge", false, "hospital"},
    {"/refer/school", false, "school"},
    {"/referrals", false, "gp hospital school"},
    {"/referrals/GP-20260101-1", false, "gp hospital school"},
    {"/inbox", false, "provider"},
    {"/inbox.csv", false, "provider"},
    {"/inbox/C-000001", false, "provider"},
    {"/report", false, "commissioner operator"},
    {"/report.csv", false, "commissioner operator"},
    {"/report.css", true, NULL},
    {"/ops", false, "operator"},
    {"/ops/case/C-000001", false, "operator"},
    {"/ops/parked", false, "operator"},
    {"/ops/conflict", false, "operator"},
    {"/metrics", false, "operator"},
    {"/fhir/r4/metadata", true, NULL},
    {"/fhir/r4/ServiceRequest", false, "gp hospital school"},
    {"/fhir/r4/ServiceRequest/GP-20260101-1", false, "gp hospital school"},
};

TEST(web_routes_each_page_its_roles)
{
    char loc[64];
    for (size_t i = 0; i < sizeof s_expect / sizeof s_expect[0]; i++) {
        const web_route_t *rt = web_route(s_expect[i].path);
        CHECK(rt != NULL);
        if (s_expect[i].public_) {
            CHECK_INT(rt->roles, WEB_NO_SESSION);
            CHECK_INT(web_authorise(rt, NULL, loc, sizeof loc), 0);
            continue;
        }
        if (rt->flags & (WEB_SCRAPE | WEB_BEARER)) {
            /* A scraper or a system is asked for credentials (a loopback
             * scraper needs none: web_http.c). */
            CHECK_INT(web_authorise(rt, NULL, loc, sizeof loc), 401);
        } else {
            CHECK_INT(web_authorise(rt, NULL, loc, sizeof loc), 303);
            CHECK_STR(loc, "/login");
        }
        for (int r = ROLE_GP; r <= ROLE_GATEWAY; r++) {
            web_user_t u = {"x", (role_t)r, "", "", false};
            const char *names = s_expect[i].roles;
            bool may = !*names || strstr(names, role_name((role_t)r)) != NULL;
            int got = web_authorise(rt, &u, loc, sizeof loc);
            if (got != (may ? 0 : 403)) {
                test_fail(__FILE__, __LINE__, "%s for role %s: %d", s_expect[i].path,
                          role_name((role_t)r), got);
                return;
            }
        }
    }
}

TEST(web_routes_every_route_checked_and_first_password_first)
{
    char loc[64];
    size_t n = 0;
    web_user_t fresh = {"b.first", ROLE_GP, "F81002", "", true};
    for (const web_route_t *rt = web_routes; rt->path; rt++, n++) {
        bool listed = false;
        for (size_t i = 0; i < sizeof s_expect / sizeof s_expect[0]; i++)
            listed |= web_route(s_expect[i].path) == rt;
        if (!listed) {
            test_fail(__FILE__, __LINE__, "route %s has no expected roles in this test", rt->path);
            return;
        }
        CHECK(rt->fn != NULL && rt->methods != 0);
        /* Only /help checks its own CSRF token: every other form is
         * refused centrally without it. */
        if ((rt->flags & WEB_OWN_CSRF) && strcmp(rt->path, "/help") != 0) {
            test_fail(__FILE__, __LINE__, "route %s skips the central CSRF check", rt->path);
            return;
        }
        if (rt->roles == WEB_NO_SESSION)
            continue;
        /* A first password: only changing it (or logging out) is served. */
        if (strcmp(rt->path, "/login/change") == 0 || strcmp(rt->path, "/logout") == 0 ||
            (rt->flags & WEB_BEARER)) {
            /* (An API client has no password: the FHIR routes never ask.) */
            CHECK_INT(web_authorise(rt, &fresh, loc, sizeof loc), 0);
        } else {
            CHECK_INT(web_authorise(rt, &fresh, loc, sizeof loc), 303);
            CHECK_STR(loc, "/login/change");
        }
    }
    CHECK(n >= 10);
    CHECK(web_route("/nothing") == NULL);
    CHECK(web_route("/referralsX") == NULL);
    CHECK(web_route("/refer/gp/x") == NULL);
    CHECK(web_route("/refer/") == NULL);
}

/* --- pages -------------------------------------------------------------- */

TEST(web_page_layout_and_navigation_by_role)
{
    web_user_t gp = {"a.patel", ROLE_GP, "F81001", "TOKEN", false};
    web_user_t op = {"o.p", ROLE_OPERATOR, "", "TOKEN", false};
    web_user_t comm = {"c.c", ROLE_COMMISSIONER, "", "TOKEN", false};
    web_user_t prov = {"p.p", ROLE_PROVIDER, "afc", "TOKEN", false};
    web_req_t q = {0};
    web_resp_t r = {200, BUF_INIT, NULL, "", false};
    q.path = "/";
    q.user = &gp;
    q.csrf = gp.csrf;
    web_home(NULL, &q, &r);
    CHECK_CONTAINS(r.body.data, "<html lang=\"en-GB\">");
    CHECK_CONTAINS(r.body.data, "<title>Start - carerhub</title>");
    CHECK_CONTAINS(r.body.data, "<a href=\"#main-content\" class=\"skip-link\">");
    CHECK_CONTAINS(r.body.data, "<main id=\"main-content\"");
    CHECK_CONTAINS(r.body.data, "<nav class=\"nav width\" aria-label=\"Menu\">");
    CHECK_CONTAINS(r.body.data, "href=\"/refer/gp\"");
    CHECK_CONTAINS(r.body.data, "href=\"/referrals\"");
    CHECK(strstr(r.body.data, "/refer/school") == NULL);
    CHECK_CONTAINS(r.body.data, "<input type=\"hidden\" name=\"csrf\" value=\"TOKEN\">");
    CHECK_CONTAINS(r.body.data, "a.patel");
    buf_free(&r.body);

    /* An operator: the report and operations, nothing of referrers'. */
    q.user = &op;
    web_home(NULL, &q, &r);
    CHECK(strstr(r.body.data, "/refer/") == NULL);
    CHECK(strstr(r.body.data, "/referrals") == NULL);
    CHECK_CONTAINS(r.body.data, "<li><a href=\"/report\">Report</a></li>");
    CHECK_CONTAINS(r.body.data, "<li><a href=\"/ops\">Operations</a></li>");
    CHECK_CONTAINS(r.body.data, "<h2><a href=\"/ops\">Operations</a></h2>");
    buf_free(&r.body);

    /* A commissioner: the report only; a provider: its cases. */
    q.user = &comm;
    web_home(NULL, &q, &r);
    CHECK_CONTAINS(r.body.data, "<li><a href=\"/report\">Report</a></li>");
    CHECK(strstr(r.body.data, "/ops") == NULL);
    CHECK(strstr(r.body.data, "/refer") == NULL);
    buf_free(&r.body);
    q.user = &prov;
    web_home(NULL, &q, &r);
    CHECK(strstr(r.body.data, "/report") == NULL && strstr(r.body.data, "/ops") == NULL);
    CHECK_CONTAINS(r.body.data, "<li><a href=\"/inbox\">Cases</a></li>");
    buf_free(&r.body);

    q.user = NULL;
    q.csrf = NULL;
    web_error_page(&r, &q, 404, "Check <the> address");
    CHECK_INT(r.status, 404);
    CHECK_CONTAINS(r.body.data, "<h1>Page not found</h1>");
    CHECK_CONTAINS(r.body.data, "Check &lt;the&gt; address");
    CHECK(strstr(r.body.data, "Log out") == NULL);
    buf_free(&r.body);
}
