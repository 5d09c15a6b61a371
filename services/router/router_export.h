/*
 * Inside the subject access export (router_export.c: the request, its
 * audit and its reply; router_export_walk.c: the walks that find the
 * carer's records): what the walks gather. Not for outside use.
 */
#ifndef CARERHUB_ROUTER_EXPORT_H
#define CARERHUB_ROUTER_EXPORT_H

#include "router.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROUTER_EXP_CASE     1 /* the ids map: a case id */
#define ROUTER_EXP_REFERRAL 2 /* a referral id */

typedef struct {
    router_t *r;
    MDB_txn *txn;
    const char *asked;
    size_t max;
    smap_t *ids; /* case and referral ids of the carer -> ROUTER_EXP_CASE, ROUTER_EXP_REFERRAL */
    char **cases, **refs; /* the same, in the order found */
    size_t ncases, nrefs;
    Carerhub__ExportRecord **recs;
    size_t nrecs, cap;
    size_t bytes;    /* the reply's packed size, near enough */
    size_t counted;  /* records found, also those past max */
    smap_t *audited; /* decimal audit seq of each audit record in the reply */
    smap_t *indexed; /* table US key of each index entry in the reply */
    int rc;          /* a store error met inside a walk */
} router_exp_t;

/* Notes id as one of the carer's (what: ROUTER_EXP_CASE or ROUTER_EXP_REFERRAL), once. */
void router_exp_note(router_exp_t *e, const char *id, uint64_t what);
/* The cases from e->cases[0] on and their linked episodes; 0 or the store error. */
int router_exp_cases(router_exp_t *e);
/* Every record of the carer into e; 0 or the store error. */
int router_exp_collect(router_exp_t *e);

#endif
