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
#include <string.h>

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

/* A target for carers supported (`targets`). */
typedef struct {
    date_t date;
    uint64_t carers;
} route_target_t;

/* A referring organisation's name (`referrers`), by its code. */
typedef struct {
    char *code;
    char *name;
} route_referrer_t;

/* An area's estimated carer population (`carer_population`). */
typedef struct {
    char *id;
    char *name;
    uint64_t carers;
    uint64_t *bits; /* its authorities */
} route_population_t;

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
    int contact_by_days[ROUTE_SRC_COUNT]; /* by route_src_t; [ROUTE_SRC_ANY] unused */
    int priority_contact_by_days;         /* a priority case's, when shorter */
    date_t programme_start;               /* -1: not given */
    route_target_t *targets;              /* in date order */
    size_t ntargets;
    /* By route_src_t, sorted by code; [ROUTE_SRC_ANY] and [ROUTE_SRC_SELF]
     * unused (neither is an organisation). */
    route_referrer_t *referrers[ROUTE_SRC_COUNT];
    size_t nreferrers[ROUTE_SRC_COUNT];
    route_population_t *populations; /* in configuration's order */
    size_t npopulations;
};

/* Whether authority lad is in a rule's bitset. */
static inline bool route_bit(const uint64_t *bits, geo_lad_t lad)
{
    return bits[lad >> 6] >> (lad & 63) & 1;
}

/* Orders referrers by code (qsort, bsearch). */
static inline int route_referrer_cmp(const void *a, const void *b)
{
    return strcmp(((const route_referrer_t *)a)->code, ((const route_referrer_t *)b)->code);
}

#endif
