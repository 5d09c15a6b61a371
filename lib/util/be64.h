/*
 * 64-bit numbers as 8 big-endian bytes: the keys of the hub's LMDB tables
 * that must sort in number order (spool, outbox and audit sequences).
 */
#ifndef CARERHUB_BE64_H
#define CARERHUB_BE64_H

#include <stdint.h>

static inline void be64_put(uint64_t v, uint8_t out[8])
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

static inline uint64_t be64_get(const void *p)
{
    const uint8_t *b = p;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

#endif
