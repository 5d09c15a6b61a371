/*
 * Inside the routing engine: the compiled routing file, shared by
 * route_load.c (reading and checking it) and route.c (deciding and
 * explaining). Not for outside use.
 */
#ifndef CARERHUB_ROUTE_IMPL_H
#define CARERHUB_ROUTE_IMPL_H

#include "domain/route.h"

#include <stdbool.h>
#include <stdint.h>

#define ROUTE_ID_MAX 32

typedef struct {
    char *id;
    char *name;
    bool signpost;
} route_provider_t;

typedef struct {
    char *name;
    char *because;
    int provider;
    uint64_t *in;     /* authorities the rule needs, NULL: any */
    uint64_t *out;    /* authorities the rule excludes, NULL: none */
    int age_under;    /* -1: no condition */
    int age_from;     /* -1: no condition */
    unsigned sources; /* bit per route_src_t; 0: any */
} route_rule_t;

typedef struct {
    char *name;
    uint64_t *bits;
} route_set_t;

struct route {
    char *area;
    geo_t *geo;
    size_t words; /* bitset length in 64-bit words */
    route_provider_t *providers;
    size_t nproviders, providers_cap;
    route_set_t *sets;
    size_t nsets, sets_cap;
    route_rule_t *rules;
    size_t nrules, rules_cap;
    int triage;
    int contact_by_days[4]; /* by route_src_t; [ROUTE_SRC_ANY] unused */
};

/* Whether authority lad is in a rule's bitset. */
static inline bool route_bit(const uint64_t *bits, geo_lad_t lad)
{
    return bits[lad >> 6] >> (lad & 63) & 1;
}

#endif
