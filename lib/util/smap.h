/*
 * A string-keyed hash map to 32-bit values, open addressing with linear
 * probing. Keys are copied in. Built once and read often (routing tables),
 * so there is no removal.
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
bool smap_put(smap_t *m, const char *key, uint32_t value);
/* Looks up the first n bytes of key. Returns true and sets *value if found. */
bool smap_getn(const smap_t *m, const char *key, size_t n, uint32_t *value);
bool smap_get(const smap_t *m, const char *key, uint32_t *value);
size_t smap_count(const smap_t *m);

#endif
