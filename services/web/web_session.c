/*
 * Sessions, CSRF tokens and login throttling of carerhub-web. A session
 * id is 256 random bits (base64url in the cookie); the table holds only a
 * hash of it, so neither a look at the daemon's memory nor the time a
 * lookup takes gives an id away. Each session has its own CSRF token,
 * compared in constant time. Sessions are kept in memory: a restart logs
 * everybody out, which is safe. Throttling counts failed logins per
 * account name and per address in a window; past the limit attempts are
 * refused without a password being checked until the window has passed.
 * An address's limit is its own, far above an account's: a practice or a
 * ward often reaches the daemon through one address (NAT, a proxy), and
 * one person's wrong passwords must not lock their colleagues out.
 */
#include "web_impl.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/smap.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

struct web_sessions {
    web_sess_t *slot; /* 2 * max */
    size_t max, n;
    size_t kind[2];  /* sessions not logged in, logged in */
    smap_t *by_key;  /* hash hex -> slot index */
    smap_t *by_addr; /* address -> its sessions not logged in */
};

void web_token(char out[WEB_TOKEN_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, WEB_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

/* The table's key for an id: hex of its BLAKE2b hash. */
static void s_key(const char *id, char key[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)id, strlen(id), NULL, 0);
    sodium_bin2hex(key, 65, h, sizeof h);
}

web_sessions_t *web_sessions_new(size_t max)
{
    web_sessions_t *ss = xcalloc(1, sizeof *ss);
    CH_ASSERT(max > 0);
    ss->slot = xcalloc(2 * max, sizeof *ss->slot);
    ss->max = max;
    ss->by_key = smap_new();
    ss->by_addr = smap_new();
    return ss;
}

void web_sessions_destroy(web_sessions_t **ssp)
{
    web_sessions_t *ss = *ssp;
    if (!ss)
        return;
    sodium_memzero(ss->slot, 2 * ss->max * sizeof *ss->slot);
    free(ss->slot);
    smap_destroy(&ss->by_key);
    smap_destroy(&ss->by_addr);
    free(ss);
    *ssp = NULL;
}

void web_sess_drop(web_sessions_t *ss, web_sess_t *s)
{
    uint64_t n;
    if (!s || !s->used)
        return;
    smap_del(ss->by_key, s->key);
    if (!s->logged_in && s->addr[0] && smap_get(ss->by_addr, s->addr, &n)) {
        if (n > 1)
            smap_put(ss->by_addr, s->addr, n - 1);
        else
            smap_del(ss->by_addr, s->addr);
    }
    ss->kind[s->logged_in]--;
    sodium_memzero(s, sizeof *s);
    ss->n--;
}

/* Drops the session of the kind (and of addr, unless NULL) unused longest. */
static void s_drop_oldest(web_sessions_t *ss, bool logged_in, const char *addr)
{
    web_sess_t *oldest = NULL;
    for (size_t i = 0; i < 2 * ss->max; i++) {
        web_sess_t *s = &ss->slot[i];
        if (s->used && s->logged_in == logged_in && (!addr || strcmp(s->addr, addr) == 0) &&
            (!oldest || s->touched < oldest->touched))
            oldest = s;
    }
    web_sess_drop(ss, oldest);
}

static web_sess_t *s_new(web_sessions_t *ss, int64_t now, bool logged_in, const char *addr,
                         char id[WEB_TOKEN_LEN + 1])
{
    web_sess_t *s = NULL;
    uint64_t n = 0;
    /* Full (someone asking for login forms by the thousand): the session
     * of the same kind, or of the same address, unused longest goes. */
    if (ss->kind[logged_in] == ss->max)
        s_drop_oldest(ss, logged_in, NULL);
    else if (addr && smap_get(ss->by_addr, addr, &n) && n >= WEB_ANON_PER_ADDRESS)
        s_drop_oldest(ss, false, addr);
    for (size_t i = 0; i < 2 * ss->max && !s; i++)
        if (!ss->slot[i].used)
            s = &ss->slot[i];
    CH_ASSERT(s != NULL);
    web_token(id);
    s_key(id, s->key);
    s->used = true;
    s->logged_in = logged_in;
    s->touched = now;
    s->born = now;
    web_token(s->user.csrf);
    if (addr) {
        snprintf(s->addr, sizeof s->addr, "%s", addr);
        n = 0;
        smap_get(ss->by_addr, s->addr, &n);
        smap_put(ss->by_addr, s->addr, n + 1);
    }
    smap_put(ss->by_key, s->key, (uint64_t)(s - ss->slot));
    ss->kind[logged_in]++;
    ss->n++;
    return s;
}

web_sess_t *web_sess_new(web_sessions_t *ss, int64_t now, const char *address,
                         char id[WEB_TOKEN_LEN + 1])
{
    char key[sizeof ss->slot[0].addr];
    if (!address || !*address)
        return s_new(ss, now, false, NULL, id);
    web_address_key(address, key, sizeof key);
    return s_new(ss, now, false, key, id);
}

web_sess_t *web_sess_login(web_sessions_t *ss, int64_t now, char id[WEB_TOKEN_LEN + 1])
{
    return s_new(ss, now, true, NULL, id);
}

web_sess_t *web_sess_find(web_sessions_t *ss, const char *id, int64_t now, int64_t idle_ms)
{
    char key[65];
    uint64_t i;
    web_sess_t *s;
    if (!id || strlen(id) != WEB_TOKEN_LEN)
        return NULL;
    s_key(id, key);
    if (!smap_get(ss->by_key, key, &i))
        return NULL;
    s = &ss->slot[i];
    if (now - s->touched >= idle_ms || now - s->born >= WEB_SESSION_LIFETIME_MS) {
        web_sess_drop(ss, s);
        return NULL;
    }
    s->touched = now;
    return s;
}

size_t web_sess_expire(web_sessions_t *ss, int64_t now, int64_t idle_ms)
{
    size_t n = 0;
    for (size_t i = 0; i < 2 * ss->max && ss->n; i++)
        if (ss->slot[i].used && (now - ss->slot[i].touched >= idle_ms ||
                                 now - ss->slot[i].born >= WEB_SESSION_LIFETIME_MS)) {
            web_sess_drop(ss, &ss->slot[i]);
            n++;
        }
    return n;
}

size_t web_sess_count(const web_sessions_t *ss)
{
    return ss->n;
}

bool web_csrf_ok(const web_sess_t *s, const char *token)
{
    return s && token && strlen(token) == WEB_TOKEN_LEN &&
           sodium_memcmp(token, s->user.csrf, WEB_TOKEN_LEN) == 0;
}

/* --- the request's session ------------------------------------------------ */

const char *web_cookie_name(const web_t *w)
{
    return w->tls ? WEB_COOKIE_TLS : WEB_COOKIE;
}

static void s_cookie(web_t *w, const char *id)
{
    /* Max-Age=0 clears it. No Max-Age otherwise: a session cookie, gone
     * when the browser closes, as well as after idle_ms here. */
    snprintf(w->cookie, sizeof w->cookie, "%s=%s; HttpOnly; SameSite=Strict; Path=/%s%s",
             web_cookie_name(w), id ? id : "", w->tls ? "; Secure" : "", id ? "" : "; Max-Age=0");
}

web_sess_t *web_session_anon(web_t *w)
{
    char id[WEB_TOKEN_LEN + 1];
    if (w->sess)
        return w->sess;
    w->sess = web_sess_new(w->sessions, clock_mono_ms(), w->address, id);
    s_cookie(w, id);
    sodium_memzero(id, sizeof id);
    return w->sess;
}

void web_session_login(web_t *w, const web_user_t *user)
{
    char id[WEB_TOKEN_LEN + 1];
    web_sess_t *s;
    web_sess_drop(w->sessions, w->sess);
    s = web_sess_login(w->sessions, clock_mono_ms(), id);
    {
        char csrf[WEB_TOKEN_LEN + 1];
        memcpy(csrf, s->user.csrf, sizeof csrf);
        s->user = *user;
        memcpy(s->user.csrf, csrf, sizeof csrf);
    }
    s->login_at = clock_now_ms();
    w->sess = s;
    s_cookie(w, id);
    sodium_memzero(id, sizeof id);
}

void web_session_logout(web_t *w)
{
    web_sess_drop(w->sessions, w->sess);
    w->sess = NULL;
    s_cookie(w, NULL);
}

/* --- throttling ----------------------------------------------------------- */

typedef struct {
    char key[200]; /* longer names are not names of accounts: cut */
    int64_t since; /* monotonic ms of the window's first failure; 0: free */
    unsigned fails;
} s_fails_t;

struct web_throttle {
    s_fails_t *slot;
    size_t max;
    smap_t *by_key;
};

web_throttle_t *web_throttle_new(size_t max)
{
    web_throttle_t *t = xcalloc(1, sizeof *t);
    t->slot = xcalloc(max, sizeof *t->slot);
    t->max = max;
    t->by_key = smap_new();
    return t;
}

void web_throttle_destroy(web_throttle_t **tp)
{
    web_throttle_t *t = *tp;
    if (!t)
        return;
    free(t->slot);
    smap_destroy(&t->by_key);
    free(t);
    *tp = NULL;
}

void web_address_key(const char *address, char *out, size_t outsz)
{
    struct in6_addr a6;
    char text[INET6_ADDRSTRLEN];
    if (!strchr(address, ':') || inet_pton(AF_INET6, address, &a6) != 1) {
        snprintf(out, outsz, "%s", address);
        return;
    }
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
        inet_ntop(AF_INET, &a6.s6_addr[12], text, sizeof text);
        snprintf(out, outsz, "%s", text);
        return;
    }
    /* Every address of a /64 is one client's: a fresh address in it gets
     * no fresh attempts. */
    memset(&a6.s6_addr[8], 0, 8);
    inet_ntop(AF_INET6, &a6, text, sizeof text);
    snprintf(out, outsz, "%s/64", text);
}

/* "a:" and the name in lower case (so that case does not make a name
 * new), or "i:" and the address. */
static void s_tkey(char *out, size_t outsz, char kind, const char *s)
{
    size_t i = 0;
    out[i++] = kind;
    out[i++] = ':';
    for (; *s && i + 1 < outsz; s++)
        out[i++] = (char)tolower((unsigned char)*s);
    out[i] = '\0';
}

static s_fails_t *s_get(web_throttle_t *t, const char *key, int64_t now, int64_t window_ms)
{
    uint64_t i;
    if (!smap_get(t->by_key, key, &i))
        return NULL;
    if (now - t->slot[i].since >= window_ms) {
        smap_del(t->by_key, key);
        memset(&t->slot[i], 0, sizeof t->slot[i]);
        return NULL;
    }
    return &t->slot[i];
}

bool web_throttled(web_throttle_t *t, const char *name, const char *address, int64_t now,
                   unsigned per_account, unsigned per_address, int64_t window_ms, int64_t *wait_ms)
{
    char key[sizeof t->slot[0].key], addr[64];
    const char *who[2] = {name, NULL};
    bool held = false;
    *wait_ms = 0;
    if (address) {
        web_address_key(address, addr, sizeof addr);
        who[1] = addr;
    }
    for (int k = 0; k < 2; k++) {
        s_fails_t *f;
        if (!who[k])
            continue;
        s_tkey(key, sizeof key, k ? 'i' : 'a', who[k]);
        f = s_get(t, key, now, window_ms);
        if (f && f->fails >= (k ? per_address : per_account)) {
            int64_t left = f->since + window_ms - now;
            held = true;
            if (left > *wait_ms)
                *wait_ms = left;
        }
    }
    return held;
}

static void s_fail(web_throttle_t *t, const char *key, int64_t now, int64_t window_ms)
{
    s_fails_t *f = s_get(t, key, now, window_ms);
    if (!f) {
        size_t i, least = 0;
        for (i = 0; i < t->max && t->slot[i].since; i++)
            if (t->slot[i].fails < t->slot[least].fails ||
                (t->slot[i].fails == t->slot[least].fails &&
                 t->slot[i].since < t->slot[least].since))
                least = i;
        if (i == t->max) {
            /* Full: the entry with the fewest failures (the oldest of
             * them) makes way, so that a flood of names, one failure
             * each, cannot wipe out an address's count. */
            smap_del(t->by_key, t->slot[least].key);
            memset(&t->slot[least], 0, sizeof t->slot[least]);
            i = least;
        }
        f = &t->slot[i];
        snprintf(f->key, sizeof f->key, "%s", key);
        f->since = now ? now : 1;
        smap_put(t->by_key, f->key, i);
    }
    f->fails++;
}

void web_throttle_fail(web_throttle_t *t, const char *name, const char *address, int64_t now,
                       int64_t window_ms)
{
    char key[sizeof t->slot[0].key];
    if (name && *name) {
        s_tkey(key, sizeof key, 'a', name);
        s_fail(t, key, now, window_ms);
    }
    if (address) {
        char addr[64];
        web_address_key(address, addr, sizeof addr);
        s_tkey(key, sizeof key, 'i', addr);
        s_fail(t, key, now, window_ms);
    }
}

void web_throttle_clear(web_throttle_t *t, const char *name)
{
    char key[sizeof t->slot[0].key];
    uint64_t i;
    s_tkey(key, sizeof key, 'a', name);
    if (smap_get(t->by_key, key, &i)) {
        smap_del(t->by_key, key);
        memset(&t->slot[i], 0, sizeof t->slot[i]);
    }
}
