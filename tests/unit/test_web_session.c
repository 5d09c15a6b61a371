/*
 * Unit tests of carerhub-web's sessions: session ids, idle expiry and
 * lifetime, the session table when full, CSRF tokens, login (a new id,
 * the account as it is now), the log of a failed password, and login
 * throttling per account and per address.
 */
#include "test.h"

#include "account/account.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/mem.h"
#include "web/web_impl.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- sessions ----------------------------------------------------------- */

static bool s_base64url(const char *s)
{
    for (; *s; s++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *s))
            return false;
    return true;
}

TEST(web_session_ids_are_random_and_found_only_by_their_id)
{
    web_sessions_t *ss = web_sessions_new(8);
    char a[WEB_TOKEN_LEN + 1], b[WEB_TOKEN_LEN + 1], wrong[WEB_TOKEN_LEN + 1];
    web_sess_t *sa = web_sess_new(ss, 1000, NULL, a), *sb = web_sess_new(ss, 1000, NULL, b);
    CHECK_INT(strlen(a), 43);
    CHECK(s_base64url(a) && s_base64url(b));
    CHECK(strcmp(a, b) != 0);
    CHECK(strcmp(sa->user.csrf, sb->user.csrf) != 0);
    CHECK(strcmp(sa->user.csrf, a) != 0);
    /* The table holds a hash of the id, never the id. */
    CHECK(strstr(sa->key, a) == NULL && strlen(sa->key) == 64);
    CHECK(web_sess_find(ss, a, 2000, 60000) == sa);
    CHECK(web_sess_find(ss, b, 2000, 60000) == sb);
    memcpy(wrong, a, sizeof wrong);
    wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
    CHECK(web_sess_find(ss, wrong, 2000, 60000) == NULL);
    CHECK(web_sess_find(ss, "short", 2000, 60000) == NULL);
    CHECK(web_sess_find(ss, NULL, 2000, 60000) == NULL);
    web_sess_drop(ss, sa);
    CHECK(web_sess_find(ss, a, 2000, 60000) == NULL);
    CHECK_INT(web_sess_count(ss), 1);
    web_sessions_destroy(&ss);
    CHECK(ss == NULL);
}

TEST(web_session_idle_expiry)
{
    web_sessions_t *ss = web_sessions_new(8);
    char a[WEB_TOKEN_LEN + 1], b[WEB_TOKEN_LEN + 1];
    web_sess_new(ss, 0, NULL, a);
    web_sess_new(ss, 0, NULL, b);
    /* Used 59 s later, a stays for another minute from then; b does not. */
    CHECK(web_sess_find(ss, a, 59000, 60000) != NULL);
    CHECK(web_sess_find(ss, a, 118999, 60000) != NULL);
    CHECK(web_sess_find(ss, b, 60000, 60000) == NULL);
    CHECK_INT(web_sess_count(ss), 1);
    CHECK_INT(web_sess_expire(ss, 178998, 60000), 0);
    CHECK_INT(web_sess_expire(ss, 178999, 60000), 1);
    CHECK(web_sess_find(ss, a, 179000, 60000) == NULL);
    web_sessions_destroy(&ss);
}

TEST(web_session_table_full_drops_the_longest_unused)
{
    web_sessions_t *ss = web_sessions_new(3);
    char id[4][WEB_TOKEN_LEN + 1];
    web_sess_new(ss, 100, NULL, id[0]);
    web_sess_new(ss, 200, NULL, id[1]);
    web_sess_new(ss, 300, NULL, id[2]);
    CHECK(web_sess_find(ss, id[0], 400, 60000) != NULL); /* now id[1] is the oldest */
    web_sess_new(ss, 500, NULL, id[3]);
    CHECK_INT(web_sess_count(ss), 3);
    CHECK(web_sess_find(ss, id[1], 600, 60000) == NULL);
    CHECK(web_sess_find(ss, id[0], 600, 60000) != NULL);
    CHECK(web_sess_find(ss, id[2], 600, 60000) != NULL);
    CHECK(web_sess_find(ss, id[3], 600, 60000) != NULL);
    web_sessions_destroy(&ss);
}

TEST(web_session_login_forms_never_push_out_the_logged_in)
{
    web_sessions_t *ss = web_sessions_new(3);
    char in[3][WEB_TOKEN_LEN + 1], id[WEB_TOKEN_LEN + 1], addr[32];
    for (int i = 0; i < 3; i++)
        CHECK(web_sess_login(ss, i, in[i])->logged_in);
    /* A thousand login forms from a thousand addresses, all newer. */
    for (int i = 0; i < 1000; i++) {
        snprintf(addr, sizeof addr, "192.0.2.%d", i % 250);
        CHECK(!web_sess_new(ss, 10 + i, addr, id)->logged_in);
    }
    for (int i = 0; i < 3; i++)
        CHECK(web_sess_find(ss, in[i], 2000, 60000) != NULL);
    CHECK_INT(web_sess_count(ss), 6); /* 3 logged in, 3 not */
    /* A fourth login makes way for itself among the logged in alone. */
    web_sess_login(ss, 2001, id);
    CHECK(web_sess_find(ss, in[0], 2002, 60000) == NULL);
    CHECK(web_sess_find(ss, in[1], 2002, 60000) != NULL);
    CHECK(web_sess_find(ss, id, 2002, 60000) != NULL);
    web_sessions_destroy(&ss);
}

TEST(web_session_one_address_keeps_a_few_login_forms)
{
    web_sessions_t *ss = web_sessions_new(1000);
    char other[WEB_TOKEN_LEN + 1], first[WEB_TOKEN_LEN + 1], last[WEB_TOKEN_LEN + 1];
    char id[WEB_TOKEN_LEN + 1];
    web_sess_new(ss, 0, "198.51.100.7", other);
    web_sess_new(ss, 1, "192.0.2.1", first);
    for (int i = 0; i < 500; i++)
        web_sess_new(ss, 2 + i, "192.0.2.1", i == 499 ? last : id);
    /* 64 kept for 192.0.2.1 (its newest), and the other address's one. */
    CHECK_INT(web_sess_count(ss), WEB_ANON_PER_ADDRESS + 1);
    CHECK(web_sess_find(ss, other, 600, 60000) != NULL);
    CHECK(web_sess_find(ss, first, 600, 60000) == NULL);
    CHECK(web_sess_find(ss, last, 600, 60000) != NULL);
    web_sessions_destroy(&ss);
}

TEST(web_csrf_token_checked)
{
    web_sessions_t *ss = web_sessions_new(2);
    char id[WEB_TOKEN_LEN + 1], other[WEB_TOKEN_LEN + 1], bad[WEB_TOKEN_LEN + 1];
    web_sess_t *s = web_sess_new(ss, 0, NULL, id), *o = web_sess_new(ss, 0, NULL, other);
    CHECK(web_csrf_ok(s, s->user.csrf));
    CHECK(!web_csrf_ok(s, o->user.csrf)); /* another session's token */
    CHECK(!web_csrf_ok(s, id));           /* the session id is not the token */
    CHECK(!web_csrf_ok(s, NULL));
    CHECK(!web_csrf_ok(s, ""));
    CHECK(!web_csrf_ok(NULL, s->user.csrf)); /* no session: nothing is right */
    memcpy(bad, s->user.csrf, sizeof bad);
    bad[WEB_TOKEN_LEN - 1] = bad[WEB_TOKEN_LEN - 1] == 'x' ? 'y' : 'x';
    CHECK(!web_csrf_ok(s, bad));
    bad[WEB_TOKEN_LEN - 1] = '\0';
    CHECK(!web_csrf_ok(s, bad)); /* a prefix */
    web_sessions_destroy(&ss);
}

TEST(web_login_makes_a_new_session_and_drops_the_old_id)
{
    web_t w;
    web_user_t u = {"a.patel", ROLE_GP, "F81001", "", true};
    char old[WEB_TOKEN_LEN + 1], cookie_id[WEB_TOKEN_LEN + 1];
    char oldcsrf[WEB_TOKEN_LEN + 1];
    memset(&w, 0, sizeof w);
    w.sessions = web_sessions_new(4);
    w.sess = web_sess_new(w.sessions, clock_mono_ms(), NULL, old);
    memcpy(oldcsrf, w.sess->user.csrf, sizeof oldcsrf);
    web_session_login(&w, &u);
    CHECK(w.sess != NULL && w.sess->logged_in);
    CHECK_STR(w.sess->user.name, "a.patel");
    CHECK(w.sess->user.must_change);
    CHECK(strcmp(w.sess->user.csrf, oldcsrf) != 0);
    CHECK(web_sess_find(w.sessions, old, clock_mono_ms(), 60000) == NULL);
    CHECK_INT(web_sess_count(w.sessions), 1);
    CHECK(sscanf(w.cookie, "carerhub_session=%43[A-Za-z0-9_-]; ", cookie_id) == 1);
    CHECK(strcmp(cookie_id, old) != 0);
    CHECK(web_sess_find(w.sessions, cookie_id, clock_mono_ms(), 60000) == w.sess);
    CHECK_CONTAINS(w.cookie, "; HttpOnly; SameSite=Strict; Path=/");
    CHECK(strstr(w.cookie, "Secure") == NULL);

    web_session_logout(&w);
    CHECK(w.sess == NULL);
    CHECK(web_sess_find(w.sessions, cookie_id, clock_mono_ms(), 60000) == NULL);
    CHECK_CONTAINS(w.cookie, "carerhub_session=; ");
    CHECK_CONTAINS(w.cookie, "Max-Age=0");

    w.tls = true;
    web_session_anon(&w);
    CHECK_CONTAINS(w.cookie, "; Secure");
    /* Under TLS the __Host- prefix: Secure, Path=/, no Domain. */
    CHECK(strncmp(w.cookie, "__Host-carerhub_session=", 24) == 0);
    CHECK(strstr(w.cookie, "Domain") == NULL);
    CHECK_STR(web_cookie_name(&w), "__Host-carerhub_session");
    web_sessions_destroy(&w.sessions);
}

TEST(web_session_lasts_at_most_its_lifetime)
{
    web_sessions_t *ss = web_sessions_new(4);
    char a[WEB_TOKEN_LEN + 1];
    int64_t t = 0;
    web_sess_new(ss, 0, NULL, a);
    /* In use every 10 minutes, never idle: still over at 12 hours. */
    for (t = 600000; t < WEB_SESSION_LIFETIME_MS; t += 600000)
        CHECK(web_sess_find(ss, a, t, 3600000) != NULL);
    CHECK(web_sess_find(ss, a, WEB_SESSION_LIFETIME_MS - 1, 3600000) != NULL);
    CHECK(web_sess_find(ss, a, 12 * 3600 * 1000LL, 3600000) == NULL);
    CHECK_INT(web_sess_count(ss), 0);
    web_sess_new(ss, 0, NULL, a);
    CHECK_INT(web_sess_expire(ss, 12 * 3600 * 1000LL, 100 * 3600 * 1000LL), 1);
    web_sessions_destroy(&ss);
}

static const char s_pw[] = "correct horse battery";

TEST(web_session_meets_the_account_as_it_is_now)
{
    web_t w;
    web_user_t u = {"a.patel", ROLE_GP, "F81001", "", false}, other = u;
    web_sess_t *first;
    char msg[256], *dir = file_join(test_tmpdir(), "web");
    int err;
    memset(&w, 0, sizeof w);
    w.store = account_open(dir, &err);
    free(dir);
    CHECK(w.store != NULL);
    w.sessions = web_sessions_new(8);
    CHECK_INT(account_add(w.store, "a.patel", ROLE_GP, "F81001", s_pw, false, msg, sizeof msg),
              ACCOUNT_OK);
    web_session_login(&w, &u);
    first = w.sess;
    CHECK(web_session_current(&w, first));
    /* Disabled: over; enabled again: the session may go on. */
    CHECK_INT(account_disable(w.store, "a.patel", true, msg, sizeof msg), ACCOUNT_OK);
    CHECK(!web_session_current(&w, first));
    CHECK_INT(account_disable(w.store, "a.patel", false, msg, sizeof msg), ACCOUNT_OK);
    CHECK(web_session_current(&w, first));
    /* A session that names another organisation or role than the account's. */
    w.sess = NULL;
    snprintf(other.org, sizeof other.org, "F81002");
    web_session_login(&w, &other);
    CHECK(!web_session_current(&w, w.sess));
    w.sess = NULL;
    other = u;
    other.role = ROLE_HOSPITAL;
    web_session_login(&w, &other);
    CHECK(!web_session_current(&w, w.sess));
    /* No such account. */
    w.sess = NULL;
    snprintf(other.name, sizeof other.name, "b.jones");
    other.role = ROLE_GP;
    web_session_login(&w, &other);
    CHECK(!web_session_current(&w, w.sess));
    /* The password changed (elsewhere): the session from before is over, a
     * login after the change is not. */
    usleep(5000);
    CHECK_INT(account_passwd(w.store, "a.patel", "another good password", false, msg, sizeof msg),
              ACCOUNT_OK);
    CHECK(!web_session_current(&w, first));
    w.sess = NULL;
    web_session_login(&w, &u);
    CHECK(web_session_current(&w, w.sess));
    web_sessions_destroy(&w.sessions);
    store_close(&w.store);
}

/* What fn logs to standard error. */
static char *s_logged(void (*fn)(void))
{
    char *path = file_join(test_tmpdir(), "stderr"), *data = NULL;
    size_t len;
    int saved = dup(STDERR_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    close(fd);
    fn();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    if (file_read_all(path, 1 << 20, &data, &len) < 0)
        data = xstrdup("");
    free(path);
    return data;
}

static void s_passwd_unknown(void)
{
    web_log_passwd_failure(ACCOUNT_UNKNOWN, "name a.patel is not an account");
    web_log_passwd_failure(ACCOUNT_BAD, "the password is a.patel's name");
}

static void s_passwd_store(void)
{
    web_log_passwd_failure(ACCOUNT_STORE, "the accounts store /x/web: no space");
}

TEST(web_password_failure_logged_without_the_name)
{
    char *log = s_logged(s_passwd_unknown);
    CHECK_CONTAINS(log, "a password could not be changed");
    CHECK(strstr(log, "a.patel") == NULL);
    free(log);
    /* The store's trouble is for the operator to see. */
    log = s_logged(s_passwd_store);
    CHECK_CONTAINS(log, "the accounts store /x/web: no space");
    free(log);
}

/* --- throttling --------------------------------------------------------- */

/* The limits of the default configuration: an account's 5, an
 * address's 100 (README, config/carerhub.yaml). */
#define S_ACCOUNT 5
#define S_ADDRESS 100

/* Five wrong passwords hold the account, from any address; a colleague
 * at the same address (a practice behind one NAT) still logs in; the hold
 * ends a window after the first failure. */
TEST(web_throttle_an_account_not_its_colleagues)
{
    web_throttle_t *t = web_throttle_new(100);
    int64_t wait = 0, win = 60000;
    for (int i = 0; i < 4; i++)
        web_throttle_fail(t, "a.patel", "192.0.2.1", 1000 + i, win);
    CHECK(!web_throttled(t, "a.patel", "192.0.2.1", 2000, S_ACCOUNT, S_ADDRESS, win, &wait));
    web_throttle_fail(t, "a.patel", "192.0.2.1", 2000, win);
    CHECK(web_throttled(t, "a.patel", "192.0.2.1", 2000, S_ACCOUNT, S_ADDRESS, win, &wait));
    CHECK_INT(wait, 59000);
    CHECK(web_throttled(t, "a.patel", "198.51.100.7", 2000, S_ACCOUNT, S_ADDRESS, win, &wait));
    CHECK(web_throttled(t, "A.Patel", "198.51.100.7", 2000, S_ACCOUNT, S_ADDRESS, win, &wait));
    /* Account B from address X. */
    CHECK(!web_throttled(t, "b.jones", "192.0.2.1", 2000, S_ACCOUNT, S_ADDRESS, win, &wait));
    CHECK_INT(wait, 0);
    CHECK(!web_throttled(t, NULL, "192.0.2.1", 2000, S_ACCOUNT, S_ADDRESS, win, &wait));
    CHECK(web_throttled(t, "a.patel", "192.0.2.1", 60999, S_ACCOUNT, S_ADDRESS, win, &wait));
    CHECK_INT(wait, 1);
    CHECK(!web_throttled(t, "a.patel", "192.0.2.1", 61000, S_ACCOUNT, S_ADDRESS, win, &wait));
    CHECK_INT(wait, 0);
    web_throttle_destroy(&t);
}

/* Failures of many names from one address, none of them five: the
 * address waits, for every name, once they reach its own limit; not
 * before, and not another address. */
TEST(web_throttle_an_address_after_its_limit_across_names)
{
    web_throttle_t *t = web_throttle_new(100);
    int64_t wait = 0, win = 60000;
    char name[16];
    for (int i = 0; i < S_ADDRESS; i++) {
        CHECK(
            !web_throttled(t, "new.name", "192.0.2.1", 1000 + i, S_ACCOUNT, S_ADDRESS, win, &wait));
        snprintf(name, sizeof name, "n%d", i % 30); /* 3 or 4 failures each */
        web_throttle_fail(t, name, "192.0.2.1", 1000 + i, win);
    }
    CHECK(web_throttled(t, "new.name", "192.0.2.1", 1100, S_ACCOUNT, S_ADDRESS, win, &wait));
    CHECK_INT(wait, 59900);
    CHECK(web_throttled(t, NULL, "192.0.2.1", 1100, S_ACCOUNT, S_ADDRESS, win, &wait));
    CHECK(web_throttled(t, "n0", "192.0.2.1", 1100, S_ACCOUNT, S_ADDRESS, win, &wait));
    /* The names themselves are not held: from elsewhere they log in. */
    CHECK(!web_throttled(t, "n0", "198.51.100.7", 1100, S_ACCOUNT, S_ADDRESS, win, &wait));
    CHECK(!web_throttled(t, "new.name", "198.51.100.7", 1100, S_ACCOUNT, S_ADDRESS, win, &wait));
    CHECK(!web_throttled(t, "new.name", "192.0.2.1", 61000, S_ACCOUNT, S_ADDRESS, win, &wait));
    web_throttle_destroy(&t);
}

/* The web section's limits: an address's far above an account's unless
 * configured otherwise. */
TEST(web_throttle_limits_of_the_configuration)
{
    hubconf_t c;
    web_limits_t l;
    memset(&c, 0, sizeof c);
    web_limits(&c, &l);
    CHECK_INT(l.login_attempts, 5);
    CHECK_INT(l.login_attempts_per_address, 100);
    CHECK_INT(l.login_window_ms, 15 * 60000);
    c.web.login_attempts = 3;
    c.web.login_attempts_per_address = 40;
    web_limits(&c, &l);
    CHECK_INT(l.login_attempts, 3);
    CHECK_INT(l.login_attempts_per_address, 40);
}

TEST(web_throttle_counts_an_ipv6_address_by_its_64)
{
    web_throttle_t *t = web_throttle_new(100);
    int64_t wait, win = 60000;
    char key[64];
    /* Five failures, each from another address of one /64 (an address's
     * limit of 5 here). */
    for (int i = 1; i <= 5; i++) {
        snprintf(key, sizeof key, "2001:db8:1:2::%x", i * 4097);
        web_throttle_fail(t, NULL, key, 0, win);
    }
    CHECK(web_throttled(t, "anyone", "2001:db8:1:2:ffff:1:2:3", 10, 5, 5, win, &wait));
    CHECK(!web_throttled(t, "anyone", "2001:db8:1:3::1", 10, 5, 5, win, &wait));
    /* IPv4, and IPv4 written as IPv6, by the whole address. */
    for (int i = 0; i < 5; i++)
        web_throttle_fail(t, NULL, "::ffff:192.0.2.1", 0, win);
    CHECK(web_throttled(t, NULL, "192.0.2.1", 10, 5, 5, win, &wait));
    CHECK(!web_throttled(t, NULL, "192.0.2.2", 10, 5, 5, win, &wait));
    web_address_key("2001:DB8:1:2:aaaa:bbbb:cccc:dddd", key, sizeof key);
    CHECK_STR(key, "2001:db8:1:2::/64");
    web_address_key("192.0.2.9", key, sizeof key);
    CHECK_STR(key, "192.0.2.9");
    web_throttle_destroy(&t);
}

TEST(web_throttle_clear_forgets_the_name_not_the_address)
{
    web_throttle_t *t = web_throttle_new(100);
    int64_t wait, win = 60000;
    for (int i = 0; i < 5; i++)
        web_throttle_fail(t, "a.patel", "192.0.2.1", 0, win);
    web_throttle_clear(t, "a.patel");
    CHECK(!web_throttled(t, "a.patel", "198.51.100.7", 10, 5, 5, win, &wait));
    CHECK(web_throttled(t, "a.patel", "192.0.2.1", 10, 5, 5, win, &wait));
    /* Without a name (set-up links): the address alone. */
    CHECK(web_throttled(t, NULL, "192.0.2.1", 10, 5, 5, win, &wait));
    web_throttle_destroy(&t);
}

TEST(web_throttle_table_full_keeps_counting)
{
    web_throttle_t *t = web_throttle_new(4);
    int64_t wait, win = 60000;
    char name[16];
    /* More names than slots, from one address, one failure each: the
     * names make way for each other, the address keeps its count. */
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "n%d", i);
        web_throttle_fail(t, name, "192.0.2.1", i, win);
        CHECK(!web_throttled(t, "anyone", "192.0.2.1", i, 5, 5, win, &wait));
    }
    web_throttle_fail(t, "n4", "192.0.2.1", 4, win);
    CHECK(web_throttled(t, "anyone", "192.0.2.1", 5, 5, 5, win, &wait));
    CHECK(web_throttled(t, "n4", "198.51.100.7", 5, 1, 5, win, &wait)); /* the newest name kept */
    web_throttle_destroy(&t);
}
