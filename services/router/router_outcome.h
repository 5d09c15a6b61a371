/*
 * Inside the router's outcomes (router_outcome.c, router_outcome_to.c):
 * where a not_ours or assign sends a case. Not for outside use.
 */
#ifndef CARERHUB_ROUTER_OUTCOME_H
#define CARERHUB_ROUTER_OUTCOME_H

#include "router.h"

#include "domain/outcome.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Refuses an outcome in res: field, code and a message in words. */
void router_outcome_refuse(Carerhub__OutcomeResult *res, const char *field, const char *code,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Where a not_ours or assign (st) from provider `from`, at `now`, sends
 * case c: *dest (a provider index), and in words what the organisation is
 * to know (note). Returns false if refused (res). */
bool router_outcome_where(const router_t *r, const char *from, const Carerhub__Outcome *o,
                          outcome_status_t st, const Carerhub__CaseRecord *c, int64_t now,
                          int *dest, char *note, size_t notesz, Carerhub__OutcomeResult *res);

#endif
