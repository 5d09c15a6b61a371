/*
 * String hash map: see smap.h. FNV-1a hashing; the table is kept at most
 * half full so probes stay short.
 */
#include "util/smap.h"

#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key; /* NULL: empty slot */
    uint32_t hash;
    uint32_t len;
    uint64_t value;
} s_slot_t;

struct smap {
    s_slot_t *slots;
    size_t cap; /* power of two */
    size_t count;
};

static uint32_t s_hash(const char *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 16777619u;
    }
    return h;
}

smap_t *smap_new(void)
{
    smap_t *m = xcalloc(1, sizeof *m);
    m->cap = 16;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    return m;
}

void smap_destroy(smap_t **mp)
{
    smap_t *m = *mp;
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    free(m);
    *mp = NULL;
}

static s_slot_t *s_find(s_slot_t *slots, size_t cap, const char *k, size_t n, uint32_t h)
{
    size_t i = h & (cap - 1);
    for (;;) {
        s_slot_t *s = &slots[i];
        if (!s->key || (s->hash == h && s->len == n && memcmp(s->key, k, n) == 0))
            return s;
        i = (i + 1) & (cap - 1);
    }
}

static void s_grow(smap_t *m)
{
    size_t cap = m->cap * 2;
    s_slot_t *slots = xcalloc(cap, sizeof *slots);
    for (size_t i = 0; i < m->cap; i++) {
        s_slot_t *o = &m->slots[i];
        if (o->key)
            *s_find(slots, cap, o->key, o->len, o->hash) = *o;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

bool smap_put(smap_t *m, const char *key, uint64_t value)
{
    size_t n = strlen(key);
    uint32_t h = s_hash(key, n);
    s_slot_t *s;
    if ((m->count + 1) * 2 > m->cap)
        s_grow(m);
    s = s_find(m->slots, m->cap, key, n, h);
    if (s->key) {
        s->value = value;
        return false;
    }
    s->key = xstrndup(key, n);
    s->hash = h;
    s->len = (uint32_t)n;
    s->value = value;
    m->count++;
    return true;
}

bool smap_getn(const smap_t *m, const char *key, size_t n, uint64_t *value)
{
    const s_slot_t *s = s_find(m->slots, m->cap, key, n, s_hash(key, n));
    if (!s->key)
        return false;
    *value = s->value;
    return true;
}

bool smap_get(const smap_t *m, const char *key, uint64_t *value)
{
    return smap_getn(m, key, strlen(key), value);
}

bool smap_del(smap_t *m, const char *key)
{
    size_t n = strlen(key);
    uint32_t h = s_hash(key, n);
    s_slot_t *s = s_find(m->slots, m->cap, key, n, h);
    size_t i, j;
    if (!s->key)
        return false;
    free(s->key);
    s->key = NULL;
    m->count--;
    /* Shift later members of the probe run back into the gap, so lookups
     * never stop early at it. */
    i = (size_t)(s - m->slots);
    j = i;
    for (;;) {
        size_t home;
        j = (j + 1) & (m->cap - 1);
        if (!m->slots[j].key)
            break;
        home = m->slots[j].hash & (m->cap - 1);
        /* Move j to i unless its home lies cyclically in (i, j]. */
        if ((i < j) ? (home <= i || home > j) : (home <= i && home > j)) {
            m->slots[i] = m->slots[j];
            m->slots[j].key = NULL;
            i = j;
        }
    }
    return true;
}

int smap_each(const smap_t *m, int (*fn)(const char *key, uint64_t value, void *arg), void *arg)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key) {
            int rc = fn(m->slots[i].key, m->slots[i].value, arg);
            if (rc)
                return rc;
        }
    return 0;
}

size_t smap_count(const smap_t *m)
{
    return m->count;
}
