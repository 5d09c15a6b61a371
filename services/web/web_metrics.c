/*
 * /metrics: the hub's metrics in the Prometheus text exposition format
 * 0.0.4, for a Prometheus server to scrape. Who may read it is decided
 * before the handler runs (web_http.c, the route's WEB_SCRAPE flag): a
 * client on a loopback address without logging in; anyone else only as an
 * operator, logged in or with an operator's HTTP Basic credentials over
 * TLS (web_metrics_basic, here).
 *
 * The handler asks the router and each intake at once (web_call_each, as
 * the web itself: their answers are counts, for its own key), and writes
 * carerhub_up{daemon} for each (0 for one that did not answer in time:
 * the page answers all the same), then each family the daemons gave, its
 * HELP and TYPE once, with the samples of every daemon that has it, and
 * this daemon's own store's commit times. What a daemon sends is checked
 * against the format's rules (names, types, suffixes, label names), and a
 * family or sample that breaks them is left out; label values and help
 * text are escaped as the format says.
 */
#include "web_impl.h"

#include "account/account.h"
#include "daemon/metrics.h"
#include "domain/referral.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_METRICS_MS 2000 /* how long the daemons are waited for */

/* --- the text format -------------------------------------------------- */

/* Appends s with the format's escapes (esc: the characters escaped with
 * a backslash besides backslash and line feed), each byte that is not
 * well-formed UTF-8 and each other control character as U+FFFD. */
static void s_esc(buf_t *b, const char *s, const char *esc)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    while (*p) {
        size_t len = text_utf8_seq_len(p, n);
        if (*p == '\\' || strchr(esc, *p)) {
            buf_addc(b, '\\');
            buf_addc(b, (char)*p);
        } else if (*p == '\n') {
            buf_adds(b, "\\n");
        } else if (len == 0 || *p < 0x20 || *p == 0x7f) {
            buf_adds(b, "\xef\xbf\xbd");
        } else {
            buf_add(b, p, len);
        }
        len = len ? len : 1;
        p += len;
        n -= len;
    }
}

void web_metrics_label_value(buf_t *b, const char *s)
{
    s_esc(b, s, "\"");
}

void web_metrics_help(buf_t *b, const char *s)
{
    s_esc(b, s, "");
}

void web_metrics_value(buf_t *b, double v)
{
    char s[40];
    if (isnan(v)) {
        buf_adds(b, "NaN");
        return;
    }
    if (isinf(v)) {
        buf_adds(b, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    /* The shortest of these that reads back as the same number. */
    snprintf(s, sizeof s, "%.15g", v);
    if (strtod(s, NULL) != v)
        snprintf(s, sizeof s, "%.17g", v);
    buf_adds(b, s);
}

/* A metric's name (colons allowed) or a label's name (none; and not
 * beginning "__", which Prometheus keeps for itself). */
static bool s_name_ok(const char *s, bool label)
{
    if (!s || !*s || (*s >= '0' && *s <= '9') || (label && strncmp(s, "__", 2) == 0))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || (!label && *s == ':')))
            return false;
    return true;
}

static bool s_is(const char *s, const char *t)
{
    return s && strcmp(s, t) == 0;
}

/* A family a daemon may send: one of ours, by the rules, of a known type;
 * carerhub_up is the web's own. */
static bool s_family_ok(const Carerhub__Metric *m)
{
    return s_name_ok(m->name, false) && strncmp(m->name, "carerhub_", 9) == 0 &&
           !s_is(m->name, "carerhub_up") &&
           (s_is(m->type, "counter") || s_is(m->type, "gauge") || s_is(m->type, "histogram"));
}

/* A sample of a family of type `type`: its suffix one that type has, its
 * labels well named and none twice (a bucket's le among them). */
static bool s_sample_ok(const char *type, const Carerhub__MetricSample *s)
{
    const char *suffix = s->suffix ? s->suffix : "";
    bool hist = s_is(type, "histogram"), bucket = s_is(suffix, "_bucket"), le = false;
    if (hist ? !(bucket || s_is(suffix, "_sum") || s_is(suffix, "_count")) : *suffix)
        return false;
    for (size_t i = 0; i < s->n_labels; i++) {
        if (!s_name_ok(s->labels[i]->name, true) || !s->labels[i]->value)
            return false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->labels[i]->name, s->labels[j]->name) == 0)
                return false;
        le = le || s_is(s->labels[i]->name, "le");
    }
    return bucket == le;
}

static void s_sample(buf_t *b, const char *name, const Carerhub__MetricSample *s)
{
    buf_adds(b, name);
    buf_adds(b, s->suffix ? s->suffix : "");
    for (size_t i = 0; i < s->n_labels; i++) {
        buf_adds(b, i ? "," : "{");
        buf_adds(b, s->labels[i]->name);
        buf_adds(b, "=\"");
        web_metrics_label_value(b, s->labels[i]->value);
        buf_addc(b, '"');
    }
    buf_adds(b, s->n_labels ? "} " : " ");
    web_metrics_value(b, s->has_value ? s->value : NAN);
    buf_addc(b, '\n');
}

static void s_family_head(buf_t *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s ", name);
    web_metrics_help(b, help);
    buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

void web_metrics_text(buf_t *b, const web_metrics_from_t *from, size_t n)
{
    const char **done = NULL;
    size_t ndone = 0, cap = 0;

    s_family_head(b, "carerhub_up", "gauge",
                  "Whether a daemon of the hub answered this scrape in time (1) or not (0).");
    for (size_t i = 0; i < n; i++) {
        buf_adds(b, "carerhub_up{daemon=\"");
        web_metrics_label_value(b, from[i].daemon);
        buf_printf(b, "\"} %d\n", from[i].rep ? 1 : 0);
    }
    /* Each family once, where it first comes, with every daemon's samples
     * of it (of the same type). */
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; from[i].rep && k < from[i].rep->n_metrics; k++) {
            const Carerhub__Metric *m = from[i].rep->metrics[k];
            bool seen = false;
            if (!s_family_ok(m))
                continue;
            for (size_t d = 0; d < ndone && !seen; d++)
                seen = strcmp(done[d], m->name) == 0;
            if (seen)
                continue;
            done = xgrow(done, &cap, ndone + 1, sizeof *done);
            done[ndone++] = m->name;
            s_family_head(b, m->name, m->type, m->help);
            for (size_t j = i; j < n; j++)
                for (size_t l = 0; from[j].rep && l < from[j].rep->n_metrics; l++) {
                    const Carerhub__Metric *o = from[j].rep->metrics[l];
                    if (!s_is(o->name, m->name) || !s_is(o->type, m->type))
                        continue;
                    for (size_t s = 0; s < o->n_samples; s++)
                        if (s_sample_ok(o->type, o->samples[s]))
                            s_sample(b, o->name, o->samples[s]);
                }
        }
    }
    free(done);
}

/* --- the page ------------------------------------------------------------ */

/* The servers asked, in the order written: the router, then each intake
 * (web_call_each asks them all at once). */
static const Carerhub__Source s_sources[] = {CARERHUB__SOURCE__GP, CARERHUB__SOURCE__DISCHARGE,
                                             CARERHUB__SOURCE__SCHOOL, CARERHUB__SOURCE__SELF};
#define S_ASKED (1 + sizeof s_sources / sizeof *s_sources)

static const char *s_daemon(size_t i)
{
    return i == 0 ? "router" : referral_intake_name(s_sources[i - 1]);
}

/* A daemon that refuses the web's key says so in the log once, until it
 * answers again: the web's key is not listed as a gateway's there. */
static bool s_refused[S_ASKED];

static void s_answered(web_t *w, const web_req_t *q, web_resp_t *r,
                       const Carerhub__Envelope *const *replies, size_t n, void *ctx)
{
    web_metrics_from_t from[S_ASKED + 1];
    Carerhub__MetricsReply *own = metrics_new();
    store_commits_t c;

    for (size_t i = 0; i < n && i < S_ASKED; i++) {
        const Carerhub__Envelope *e = replies[i];
        bool ok = e && e->body_case == CARERHUB__ENVELOPE__BODY_METRICS_REPLY;
        bool refused = e && e->body_case == CARERHUB__ENVELOPE__BODY_ERROR;
        from[i].daemon = s_daemon(i);
        from[i].rep = ok ? e->metrics_reply : NULL;
        if (refused && !s_refused[i])
            log_warn("metrics: the %s refused the web's key (%s): is it listed as a gateway?",
                     s_daemon(i), e->error && e->error->code ? e->error->code : "no code");
        s_refused[i] = refused;
    }
    if (w->store) {
        store_commit_stats(w->store, &c);
        metrics_commits(own, "web", &c);
    }
    from[n].daemon = "web";
    from[n].rep = own;
    web_metrics_text(&r->body, from, n + 1);
    carerhub__metrics_reply__free_unpacked(own, NULL);
    r->type = "text/plain; version=0.0.4; charset=utf-8";
}

void web_metrics(web_t *w, const web_req_t *q, web_resp_t *r)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__MetricsQuery mq = CARERHUB__METRICS_QUERY__INIT;
    web_to_t to[S_ASKED];
    to[0] = WEB_TO_ROUTER;
    for (size_t i = 1; i < S_ASKED; i++)
        to[i] = web_to_intake(s_sources[i - 1]);
    env.body_case = CARERHUB__ENVELOPE__BODY_METRICS_QUERY;
    env.metrics_query = &mq;
    web_call_each(w, q, r, to, S_ASKED, &env, S_METRICS_MS, s_answered, NULL, NULL);
}

/* --- HTTP Basic credentials ---------------------------------------------- */

/* Credentials verified lately, so that a scrape every few seconds does not
 * cost an Argon2id hash each: a keyed hash of the header (the password is
 * never kept), the account, and a hash of its password's hash then (a
 * password changed since, in any store, is not the one verified). */
#define S_KNOWN     8
#define S_KNOWN_MS  (10 * 60 * 1000LL)
#define S_BASIC_MAX (ACCOUNT_NAME_MAX + 1 + ACCOUNT_PASSWORD_MAX)

typedef struct {
    uint8_t header[32];
    uint8_t pwhash[32];
    char name[ACCOUNT_NAME_MAX + 1];
    int64_t until; /* monotonic ms */
} s_known_t;

static s_known_t s_known[S_KNOWN];
static uint8_t s_known_key[crypto_generichash_KEYBYTES];
static bool s_keyed;

static void s_hash(const char *s, const uint8_t *key, uint8_t out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)s, strlen(s), key,
                       key ? sizeof s_known_key : 0);
}

/* Whether account a may read the metrics: an operator's, enabled, its
 * first password changed. 0, or the refusal's status with its words. */
static int s_account_may(const Carerhub__WebAccount *a, char *msg, size_t msgsz)
{
    if (!a || a->disabled || !a->password_hash) {
        snprintf(msg, msgsz, "The user name or password is not right.");
        return 401;
    }
    if (!s_is(a->role, "operator")) {
        snprintf(msg, msgsz, "Only an operator's account can read the metrics.");
        return 403;
    }
    if (a->must_change) {
        snprintf(msg, msgsz,
                 "This account's first password has not been changed: log in to the web pages "
                 "and change it, then use the new one here.");
        return 403;
    }
    return 0;
}

/* The account of credentials verified lately (their header's keyed hash
 * key), if its password is still the one verified: a new message, or
 * NULL. The remembered entry goes when it is not. *slot is where to
 * remember new ones: an empty entry, or the one to expire first. */
static Carerhub__WebAccount *s_known_account(web_t *w, const uint8_t key[32], int64_t now,
                                             s_known_t **slot)
{
    Carerhub__WebAccount *a = NULL;
    *slot = &s_known[0];
    for (size_t i = 0; i < S_KNOWN; i++) {
        s_known_t *k = &s_known[i];
        uint8_t pw[32];
        if (!a && k->until > now && sodium_memcmp(k->header, key, 32) == 0) {
            a = account_get(w->store, k->name);
            if (a && a->password_hash)
                s_hash(a->password_hash, NULL, pw);
            if (!a || !a->password_hash || sodium_memcmp(pw, k->pwhash, sizeof pw) != 0) {
                carerhub__web_account__free_unpacked(a, NULL);
                a = NULL;
                memset(k, 0, sizeof *k);
            }
        }
        if (k->until < (*slot)->until)
            *slot = k;
    }
    return a;
}

int web_metrics_basic(web_t *w, const char *header, const char *address, web_user_t *u, char *msg,
                      size_t msgsz)
{
    char buf[S_BASIC_MAX + 1], *password = NULL;
    uint8_t key[32];
    int64_t now = clock_mono_ms(), wait_ms;
    Carerhub__WebAccount *a;
    s_known_t *slot;
    int st;

    if (!s_keyed) {
        if (sodium_init() < 0)
            log_panic("libsodium cannot be initialised");
        randombytes_buf(s_known_key, sizeof s_known_key);
        s_keyed = true;
    }
    memset(u, 0, sizeof *u);
    s_hash(header, s_known_key, key);
    if ((a = s_known_account(w, key, now, &slot)) != NULL) {
        /* Disabled, or made another role, since: refused now. */
        st = s_account_may(a, msg, msgsz);
    } else if (!web_basic_decode(header, buf, sizeof buf, &password)) {
        snprintf(msg, msgsz,
                 "The Authorization header could not be read: send an operator's user name and "
                 "password with HTTP Basic authentication.");
        return 401;
    } else if (web_throttled(w->throttle, buf, address, now, w->lim.login_attempts,
                             w->lim.login_attempts_per_address, w->lim.login_window_ms, &wait_ms)) {
        snprintf(msg, msgsz,
                 "There have been too many attempts to log in with this name or from this "
                 "address. Wait %lld minute(s), then try again.",
                 (long long)((wait_ms + 59999) / 60000));
        sodium_memzero(buf, sizeof buf);
        return 429;
    } else if (account_verify(w->store, buf, password, &a) != ACCOUNT_OK) {
        web_throttle_fail(w->throttle, buf, address, now, w->lim.login_window_ms);
        sodium_memzero(buf, sizeof buf);
        snprintf(msg, msgsz, "The user name or password is not right.");
        return 401;
    } else {
        sodium_memzero(buf, sizeof buf);
        web_throttle_clear(w->throttle, a->name);
        if ((st = s_account_may(a, msg, msgsz)) == 0) {
            memcpy(slot->header, key, sizeof key);
            s_hash(a->password_hash, NULL, slot->pwhash);
            snprintf(slot->name, sizeof slot->name, "%s", a->name);
            slot->until = now + S_KNOWN_MS;
        }
    }
    if (st == 0) {
        snprintf(u->name, sizeof u->name, "%s", a->name);
        u->role = ROLE_OPERATOR;
    }
    carerhub__web_account__free_unpacked(a, NULL);
    return st;
}
