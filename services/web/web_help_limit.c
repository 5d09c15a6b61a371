/*
 * How many requests for support /help takes from one address in an hour
 * (web.self_referrals_per_hour): see web_help.h. Counted are requests
 * taken (a thank-you page), not forms sent back with mistakes, so that a
 * carer who gets a date wrong three times is not turned away; a client
 * that makes referrals by the dozen is. A request on its way to the intake
 * holds a place until the answer comes: checked on arrival and counted on
 * the answer, a burst sent at once would all pass. Addresses are kept in
 * memory only (a restart forgets them) and never logged.
 */
#include "web_help.h"
#include "web_impl.h"

#include "util/log.h"
#include "util/mem.h"
#include "util/smap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char key[64];                   /* web_address_key of the address */
    int64_t since;                  /* monotonic ms of the window's first request; 0: free */
    unsigned n;                     /* requests taken */
    unsigned pending;               /* places held by requests not yet answered */
    char last[REFERRAL_ID_MAX + 1]; /* the reference last counted */
} s_entry_t;

struct web_rate {
    s_entry_t *slot;
    size_t max;
    smap_t *by_key;
};

web_rate_t *web_rate_new(size_t max)
{
    web_rate_t *t = xcalloc(1, sizeof *t);
    CH_ASSERT(max > 0);
    t->slot = xcalloc(max, sizeof *t->slot);
    t->max = max;
    t->by_key = smap_new();
    return t;
}

void web_rate_destroy(web_rate_t **tp)
{
    web_rate_t *t = *tp;
    if (!t)
        return;
    free(t->slot);
    smap_destroy(&t->by_key);
    free(t);
    *tp = NULL;
}

static void s_free(web_rate_t *t, s_entry_t *e)
{
    smap_del(t->by_key, e->key);
    memset(e, 0, sizeof *e);
}

/* The address's entry while its window lasts, else NULL (a window past
 * is forgotten). */
static s_entry_t *s_get(web_rate_t *t, const char *key, int64_t now, int64_t window_ms)
{
    uint64_t i;
    if (!smap_get(t->by_key, key, &i))
        return NULL;
    if (now - t->slot[i].since >= window_ms) {
        s_free(t, &t->slot[i]);
        return NULL;
    }
    return &t->slot[i];
}

/* The address's entry, made (taking a free place, a window past, or the
 * place of one of the fewest requests) if it has none. */
static s_entry_t *s_get_or_make(web_rate_t *t, const char *key, int64_t now, int64_t window_ms)
{
    s_entry_t *e = s_get(t, key, now, window_ms);
    size_t i, least = 0;
    if (e)
        return e;
    for (i = 0; i < t->max && t->slot[i].since; i++) {
        unsigned ni = t->slot[i].n + t->slot[i].pending, nl;
        if (now - t->slot[i].since >= window_ms)
            break; /* a window past: free to take */
        nl = t->slot[least].n + t->slot[least].pending;
        if (ni < nl || (ni == nl && t->slot[i].since < t->slot[least].since))
            least = i;
    }
    if (i == t->max)
        i = least;
    if (t->slot[i].since)
        s_free(t, &t->slot[i]);
    e = &t->slot[i];
    snprintf(e->key, sizeof e->key, "%s", key);
    e->since = now > 0 ? now : 1;
    smap_put(t->by_key, e->key, i);
    return e;
}

bool web_rate_full(web_rate_t *t, const char *address, int64_t now, unsigned limit,
                   int64_t window_ms, int64_t *wait_ms)
{
    char key[sizeof t->slot[0].key];
    s_entry_t *e;
    web_address_key(address ? address : "", key, sizeof key);
    e = s_get(t, key, now, window_ms);
    *wait_ms = 0;
    if (!e || e->n + e->pending < limit)
        return false;
    *wait_ms = e->since + window_ms - now;
    /* Full only with requests still on their way: their answers come in
     * seconds, and a refusal gives the place back. */
    if (e->n<limit && * wait_ms> 60000)
        *wait_ms = 60000;
    return true;
}

bool web_rate_take(web_rate_t *t, const char *address, int64_t now, unsigned limit,
                   int64_t window_ms, int64_t *wait_ms)
{
    char key[sizeof t->slot[0].key];
    if (web_rate_full(t, address, now, limit, window_ms, wait_ms))
        return false;
    web_address_key(address ? address : "", key, sizeof key);
    s_get_or_make(t, key, now, window_ms)->pending++;
    return true;
}

void web_rate_release(web_rate_t *t, const char *address, int64_t now, int64_t window_ms)
{
    char key[sizeof t->slot[0].key];
    s_entry_t *e;
    web_address_key(address ? address : "", key, sizeof key);
    /* None, or none held: the window passed, or a flood of others took
     * the entry's place, while the request was on its way. */
    if (!(e = s_get(t, key, now, window_ms)) || e->pending == 0)
        return;
    e->pending--;
    /* Nothing taken: the window starts with the next request, not this. */
    if (e->n == 0 && e->pending == 0)
        s_free(t, e);
}

void web_rate_count(web_rate_t *t, const char *address, int64_t now, int64_t window_ms,
                    const char *id)
{
    char key[sizeof t->slot[0].key];
    s_entry_t *e;
    web_address_key(address ? address : "", key, sizeof key);
    e = s_get_or_make(t, key, now, window_ms);
    if (e->pending > 0)
        e->pending--;
    if (id && strcmp(id, e->last) == 0)
        return;
    snprintf(e->last, sizeof e->last, "%s", id ? id : "");
    e->n++;
}
