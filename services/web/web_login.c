/*
 * Logging in and out of carerhub-web, a first password changed before
 * anything else is served, and a one-time set-up link's password. The
 * answer to a wrong password and to an unknown name is the same, and so
 * is the work behind it (account_verify); failures are counted per name
 * and per address (web_session.c), and past the limit an attempt is
 * refused without a password being checked. Logging in makes a new
 * session: the id the login form came with is dropped. Names and
 * passwords are never logged.
 */
#include "web_impl.h"

#include "account/account.h"
#include "util/clock.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

#define S_WRONG "The user name or password is not right"

typedef struct {
    const char *field; /* the input's id and name */
    const char *message;
} s_err_t;

/* The GOV.UK error summary: a link to each field in error. */
static void s_summary(buf_t *b, const s_err_t *e, size_t n)
{
    if (!n)
        return;
    buf_adds(b,
             "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"error-summary-title\" "
             "tabindex=\"-1\">\n<h2 id=\"error-summary-title\">There is a problem</h2>\n<ul>\n");
    for (size_t i = 0; i < n; i++)
        web_htmlf(b, "<li><a href=\"#%s\">%s</a></li>\n", e[i].field, e[i].message);
    buf_adds(b, "</ul>\n</div>\n");
}

static const char *s_err_of(const s_err_t *e, size_t n, const char *field)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].field, field) == 0)
            return e[i].message;
    return NULL;
}

/* One labelled input, with its hint and its error beside it. */
static void s_input(buf_t *b, const char *id, const char *label, const char *type,
                    const char *value, const char *autocomplete, const char *hint, const s_err_t *e,
                    size_t n)
{
    const char *err = s_err_of(e, n, id);
    web_htmlf(b, "<div class=\"form-group%s\">\n<label for=\"%s\">%s</label>\n",
              err ? " form-group-error" : "", id, label);
    if (hint)
        web_htmlf(b, "<span class=\"hint\" id=\"%s-hint\">%s</span>\n", id, hint);
    if (err)
        web_htmlf(b,
                  "<span class=\"error-message\" id=\"%s-error\"><span "
                  "class=\"visually-hidden\">Error:</span> %s</span>\n",
                  id, err);
    web_htmlf(b, "<input type=\"%s\" id=\"%s\" name=\"%s\" autocomplete=\"%s\"", type, id, id,
              autocomplete);
    if (err)
        buf_adds(b, " class=\"input-error\"");
    if (value)
        web_htmlf(b, " value=\"%s\"", value);
    if (hint && err)
        web_htmlf(b, " aria-describedby=\"%s-hint %s-error\"", id, id);
    else if (hint)
        web_htmlf(b, " aria-describedby=\"%s-hint\"", id);
    else if (err)
        web_htmlf(b, " aria-describedby=\"%s-error\"", id);
    buf_adds(b, strcmp(type, "text") == 0 ? " spellcheck=\"false\">\n</div>\n" : ">\n</div>\n");
}

/* q with the CSRF token of the request's session, made now if need be
 * (the forms before login). */
static web_req_t s_with_session(web_t *w, const web_req_t *q)
{
    web_req_t q2 = *q;
    q2.csrf = web_session_anon(w)->user.csrf;
    return q2;
}

static bool s_user_of(const Carerhub__WebAccount *a, web_user_t *u)
{
    memset(u, 0, sizeof *u);
    for (int r = ROLE_GP; r <= ROLE_GATEWAY; r++)
        if (a->role && strcmp(a->role, role_name((role_t)r)) == 0 && r != ROLE_INTAKE &&
            r != ROLE_GATEWAY) {
            snprintf(u->name, sizeof u->name, "%s", a->name ? a->name : "");
            snprintf(u->org, sizeof u->org, "%s", a->organisation ? a->organisation : "");
            u->role = (role_t)r;
            u->must_change = a->must_change;
            return u->name[0] != '\0';
        }
    return false;
}

bool web_session_current(web_t *w, const web_sess_t *s)
{
    Carerhub__WebAccount *a = account_get(w->store, s->user.name);
    web_user_t u;
    bool ok = a && !a->disabled && s_user_of(a, &u) && u.role == s->user.role &&
              strcmp(u.org, s->user.org) == 0 &&
              (!a->has_changed_at || a->changed_at <= s->login_at);
    if (a)
        carerhub__web_account__free_unpacked(a, NULL);
    return ok;
}

static void s_wait_text(char *out, size_t outsz, int64_t wait_ms)
{
    long long min = (wait_ms + 59999) / 60000;
    snprintf(out, outsz,
             "There have been too many attempts to log in with this name or from this "
             "address. Wait %lld minute%s, then try again.",
             min, min == 1 ? "" : "s");
}

static void s_login_form(web_resp_t *r, const web_req_t *q, const char *name, const s_err_t *e,
                         size_t n, const char *notice)
{
    buf_t *b = &r->body;
    web_page_begin(b, q, n ? "Error: Log in" : "Log in");
    s_summary(b, e, n);
    web_htmlf(b, "<h1>Log in</h1>\n");
    buf_adds(b, "<p><a href=\"/help\">Are you a carer? Ask for support</a></p>\n");
    if (notice)
        web_htmlf(b, "<div class=\"inset\" role=\"status\"><p>%s</p></div>\n", notice);
    buf_adds(b, "<form method=\"post\" action=\"/login\" novalidate>\n");
    web_csrf_input(b, q);
    s_input(b, "user", "User name", "text", name, "username", NULL, e, n);
    s_input(b, "password", "Password", "password", NULL, "current-password", NULL, e, n);
    buf_adds(b, "<button type=\"submit\" class=\"button\">Log in</button>\n</form>\n");
    web_page_end(b);
}

void web_login_page(web_t *w, const web_req_t *q, web_resp_t *r)
{
    const char *name = web_field(q, "user"), *pw = web_field(q, "password");
    web_req_t q2 = s_with_session(w, q);
    Carerhub__WebAccount *a = NULL;
    s_err_t e[2];
    size_t n = 0;
    int64_t wait_ms, now = clock_mono_ms();
    char text[200];
    web_user_t u;

    if (!q->post) {
        if (q->user) {
            snprintf(r->location, sizeof r->location, "/");
            return;
        }
        s_login_form(r, &q2, NULL, NULL, 0,
                     web_field(q, "logged_out")     ? "You have logged out."
                     : web_field(q, "password_set") ? "Your password is set: log in with it."
                                                    : NULL);
        return;
    }
    if (!name || !*name)
        e[n++] = (s_err_t){"user", "Enter your user name"};
    if (!pw || !*pw)
        e[n++] = (s_err_t){"password", "Enter your password"};
    if (!n && web_throttled(w->throttle, name, q->address, now, w->lim.login_attempts,
                            w->lim.login_attempts_per_address, w->lim.login_window_ms, &wait_ms)) {
        s_wait_text(text, sizeof text, wait_ms);
        e[n++] = (s_err_t){"user", text};
        r->status = 429;
    } else if (!n && account_verify(w->store, name, pw, &a) == ACCOUNT_OK && s_user_of(a, &u)) {
        carerhub__web_account__free_unpacked(a, NULL);
        web_throttle_clear(w->throttle, name);
        web_session_login(w, &u);
        snprintf(r->location, sizeof r->location, "%s", u.must_change ? "/login/change" : "/");
        return;
    } else if (!n) {
        if (a)
            carerhub__web_account__free_unpacked(a, NULL);
        web_throttle_fail(w->throttle, name, q->address, now, w->lim.login_window_ms);
        e[n++] = (s_err_t){"user", S_WRONG};
    }
    s_login_form(r, &q2, name, e, n, NULL);
}

void web_logout(web_t *w, const web_req_t *q, web_resp_t *r)
{
    web_session_logout(w);
    snprintf(r->location, sizeof r->location, "/login?logged_out=1");
}

void web_log_passwd_failure(int rc, const char *msg)
{
    /* Only the store's message is logged: it names the store's path and
     * its error; the others name the account. */
    if (rc == ACCOUNT_STORE)
        log_error("a password could not be changed: %s", msg);
    else
        log_error("a password could not be changed (account result %d)", (int)rc);
}

/* The two new-password inputs, checked: errors added to e. */
static size_t s_check_new(const char *name, const web_req_t *q, s_err_t *e, size_t n)
{
    const char *np = web_field(q, "new_password"), *cf = web_field(q, "confirm"), *why;
    if (!np || !*np)
        e[n++] = (s_err_t){"new_password", "Enter a new password"};
    else if ((why = account_password_problem(name, np)))
        e[n++] = (s_err_t){"new_password", why};
    else if (!cf || strcmp(np, cf) != 0)
        e[n++] = (s_err_t){"confirm", "The two new passwords are not the same"};
    return n;
}

static void s_new_inputs(buf_t *b, const s_err_t *e, size_t n)
{
    char hint[96];
    snprintf(hint, sizeof hint, "At least %d characters. A few words you will remember work well.",
             ACCOUNT_PASSWORD_MIN);
    s_input(b, "new_password", "New password", "password", NULL, "new-password", hint, e, n);
    s_input(b, "confirm", "The new password again", "password", NULL, "new-password", NULL, e, n);
}

void web_change_page(web_t *w, const web_req_t *q, web_resp_t *r)
{
    const web_user_t *u = q->user;
    const char *pw = web_field(q, "password");
    Carerhub__WebAccount *a = NULL;
    s_err_t e[4];
    size_t n = 0;
    int64_t wait_ms, now = clock_mono_ms();
    char text[200], msg[256];

    if (q->post) {
        if (!pw || !*pw)
            e[n++] = (s_err_t){"password", "Enter your current password"};
        n = s_check_new(u->name, q, e, n);
        if (!n &&
            web_throttled(w->throttle, u->name, q->address, now, w->lim.login_attempts,
                          w->lim.login_attempts_per_address, w->lim.login_window_ms, &wait_ms)) {
            s_wait_text(text, sizeof text, wait_ms);
            e[n++] = (s_err_t){"password", text};
            r->status = 429;
        } else if (!n && account_verify(w->store, u->name, pw, &a) != ACCOUNT_OK) {
            web_throttle_fail(w->throttle, u->name, q->address, now, w->lim.login_window_ms);
            e[n++] = (s_err_t){"password", "Your current password is not right"};
        } else if (!n) {
            web_user_t nu = *u;
            carerhub__web_account__free_unpacked(a, NULL);
            account_rc_t rc = account_passwd(w->store, u->name, web_field(q, "new_password"), false,
                                             msg, sizeof msg);
            if (rc != ACCOUNT_OK) {
                web_error_page(r, q, 500,
                               "Your password could not be changed now. Try again "
                               "in a few minutes.");
                web_log_passwd_failure(rc, msg);
                return;
            }
            /* A new session for the new password. */
            nu.must_change = false;
            web_session_login(w, &nu);
            snprintf(r->location, sizeof r->location, "/");
            return;
        }
    }
    web_page_begin(&r->body, q, n ? "Error: Change your password" : "Change your password");
    s_summary(&r->body, e, n);
    web_htmlf(&r->body, "<h1>Change your password</h1>\n");
    if (u->must_change)
        web_htmlf(&r->body, "<p>You logged in with a first password. Choose a password of your "
                            "own before you go on.</p>\n");
    buf_adds(&r->body, "<form method=\"post\" action=\"/login/change\" novalidate>\n");
    web_csrf_input(&r->body, q);
    s_input(&r->body, "password", "Current password", "password", NULL, "current-password", NULL, e,
            n);
    s_new_inputs(&r->body, e, n);
    buf_adds(&r->body, "<button type=\"submit\" class=\"button\">Change password</button>\n"
                       "</form>\n");
    web_page_end(&r->body);
}

void web_setup_page(web_t *w, const web_req_t *q, web_resp_t *r)
{
    const char *name = web_field(q, "user"), *token = web_field(q, "token");
    web_req_t q2 = s_with_session(w, q);
    s_err_t e[3];
    size_t n = 0;
    int64_t wait_ms, now = clock_mono_ms();
    char text[200], msg[256];
    account_rc_t rc;

    if (!name || !*name || !token || !*token) {
        web_error_page(r, &q2, 404,
                       "This set-up link is not complete. Copy the whole link "
                       "you were sent, or ask for a new one.");
        return;
    }
    if (q->post) {
        n = s_check_new(name, q, e, n);
        if (!n &&
            web_throttled(w->throttle, NULL, q->address, now, w->lim.login_attempts,
                          w->lim.login_attempts_per_address, w->lim.login_window_ms, &wait_ms)) {
            s_wait_text(text, sizeof text, wait_ms);
            web_error_page(r, &q2, 429, text);
            return;
        }
        if (!n && (rc = account_setup(w->store, name, token, web_field(q, "new_password"), msg,
                                      sizeof msg)) == ACCOUNT_OK) {
            snprintf(r->location, sizeof r->location, "/login?password_set=1");
            return;
        }
        if (!n && rc == ACCOUNT_BAD) {
            e[n++] = (s_err_t){"new_password", msg};
        } else if (!n) {
            web_throttle_fail(w->throttle, NULL, q->address, now, w->lim.login_window_ms);
            web_error_page(r, &q2, 403,
                           "This set-up link cannot be used: it has been used already, it has "
                           "expired, or it was not copied whole. Ask whoever manages accounts "
                           "for a new one.");
            return;
        }
    }
    web_page_begin(&r->body, &q2, n ? "Error: Set your password" : "Set your password");
    s_summary(&r->body, e, n);
    web_htmlf(&r->body,
              "<h1>Set your password</h1>\n<p>Your user name is <strong>%s</strong>.</p>\n", name);
    buf_adds(&r->body, "<form method=\"post\" action=\"/setup\" novalidate>\n");
    web_csrf_input(&r->body, &q2);
    web_htmlf(&r->body,
              "<input type=\"hidden\" name=\"user\" value=\"%s\">"
              "<input type=\"hidden\" name=\"token\" value=\"%s\">\n",
              name, token);
    s_new_inputs(&r->body, e, n);
    buf_adds(&r->body, "<button type=\"submit\" class=\"button\">Set password</button>\n</form>\n");
    web_page_end(&r->body);
}
