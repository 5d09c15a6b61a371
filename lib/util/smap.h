/*
 * A string-keyed hash map to 64-bit values, open addressing with linear
 * probing and backward-shift removal. Keys are copied in.
 */
#ifndef CARERHUB_SMAP_H
#define CARERHUB_SMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct smap smap_t;

smap_t *smap_new(void);
void smap_destroy(smap_t **m);
/* Sets key to value; returns true if the key was new. */
bool smap_put(smap_t *m, const char *key, uint64_t value);
/* Looks up the first n bytes of key. Returns true and sets *value if found. */
bool smap_getn(const smap_t *m, const char *key, size_t n, uint64_t *value);
bool smap_get(const smap_t *m, const char *key, uint64_t *value);
/* Removes key; returns true if it was there. */
bool smap_del(smap_t *m, const char *key);
size_t smap_count(const smap_t *m);
/* Visits every entry in no particular order; fn must not change the map.
 * Returns early when fn returns non-zero, with that value. */
int smap_each(const smap_t *m, int (*fn)(const char *key, uint64_t value, void *arg), void *arg);

#endif
