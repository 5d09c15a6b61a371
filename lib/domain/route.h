/*
 * The routing engine: which organisation serves a carer, and why.
 *
 * A routing file (config/routing.yaml) names the providers, sets of
 * authorities, optional postcode sector overrides, and ordered rules; first
 * match wins. A postcode is resolved to candidate authorities (unit table,
 * then sector, then district); the rules are evaluated for every candidate,
 * and the referral goes to a provider only if every candidate leads to the
 * same one. Anything unresolved goes to the triage provider, with a reason.
 */
#ifndef CARERHUB_ROUTE_H
#define CARERHUB_ROUTE_H

#include "conf/conf.h"
#include "domain/geo.h"
#include "domain/postcode.h"
#include "util/buf.h"
#include "util/date.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct route route_t;

/* Sources a rule can name; bit positions in a mask. */
typedef enum {
    ROUTE_SRC_ANY = 0,
    ROUTE_SRC_GP = 1,
    ROUTE_SRC_DISCHARGE,
    ROUTE_SRC_SCHOOL,
    ROUTE_SRC_SELF,         /* a carer's own referral */
    ROUTE_SRC_PROFESSIONAL, /* another professional's (wellbeing service, pharmacy...) */
} route_src_t;
#define ROUTE_SRC_COUNT (ROUTE_SRC_PROFESSIONAL + 1)

typedef enum {
    ROUTE_RESOLVED,  /* every candidate authority leads to one provider */
    ROUTE_AMBIGUOUS, /* the candidates lead to different providers */
    ROUTE_UNKNOWN,   /* no authority found for the postcode */
    ROUTE_NO_RULE,   /* a candidate matched no rule */
} route_outcome_t;

/* ROUTE_BY_ISLAND: a Crown Dependency's postcode (Jersey, Guernsey, Isle of
 * Man), which no UK authority serves; its one candidate is GEO_UNLISTED with
 * the island's name in `unlisted`, so that a rule with authority_not_in
 * (out of area) takes it. */
typedef enum {
    ROUTE_BY_UNIT,
    ROUTE_BY_SECTOR,
    ROUTE_BY_DISTRICT,
    ROUTE_BY_NONE,
    ROUTE_BY_ISLAND,
} route_by_t;

typedef struct {
    route_outcome_t outcome;
    route_by_t by;
    char postcode[POSTCODE_MAX]; /* normalised */
    char area[SECTOR_MAX];       /* the district or sector looked up */
    int age;                     /* -1: not given (an adult) */
    route_src_t source;
    int provider; /* index; see route_provider_id() */
    int rule;     /* index of the deciding rule, -1 if none */
    size_t ncands;
    geo_lad_t cands[GEO_MAX_CANDIDATES];
    int cand_rule[GEO_MAX_CANDIDATES]; /* rule per candidate, -1 none */
    char unlisted[16];                 /* a unit-table code the authority table lacks */
} route_result_t;

/* Looks a normalised postcode up in the unit table: writes its authority
 * code (up to 15 characters) and returns 1, or returns 0 when the postcode
 * is not there. */
typedef int (*route_unit_fn)(void *arg, const char *postcode, char *lad_code);

/* Loads a routing file and the districts file it names. NULL on any
 * problem, every one of them added to diag. */
route_t *route_load(const char *path, diag_t *diag);
void route_destroy(route_t **rt);

/* Rules that take turns in silence: two with the same age and source
 * conditions whose authority sets share an authority and lead to different
 * organisations (the first always wins there). One message per pair of
 * rules to diag, naming file, the authority and the sets; returns how many. */
size_t route_overlaps(const route_t *rt, const char *file, diag_t *diag);

/* Decides for a postcode already normalised (postcode_normalise). age is
 * whole years on the day of referral, or -1 when not known. unit may be NULL.
 * Never fails: the worst case is the triage provider. */
void route_decide(const route_t *rt, const char *postcode, int age, route_src_t source,
                  route_unit_fn unit, void *unit_arg, route_result_t *out);

/* The one judgement of a carer's postcode as written, for every intake
 * (referral_check) and for `carerhub route`, so that route previews exactly
 * what a submission meets. ROUTE_PC_OK: pc holds it normalised; it is in
 * geo's districts, the unit table, or a Crown Dependency. geo NULL skips
 * the district check (a format check only). */
typedef enum { ROUTE_PC_OK, ROUTE_PC_FORMAT, ROUTE_PC_UNKNOWN } route_pc_t;
route_pc_t route_postcode_check(const geo_t *geo, route_unit_fn unit, void *unit_arg,
                                const char *in, char pc[POSTCODE_MAX]);
/* What a person reads about a postcode refused by route_postcode_check (no
 * field name): in as written, pc as normalised. */
void route_postcode_problem(route_pc_t why, const char *in, const char *pc, buf_t *out);
/* The code of a refusal, as an intake's field error gives it: "format",
 * "unknown". */
const char *route_postcode_code(route_pc_t why);

/* Appends the explanation a person reads: where the postcode is, which rule
 * decided, and why; or why the referral goes to triage. */
void route_explain(const route_t *rt, const route_result_t *r, buf_t *out);

/* Name of a rule, or of the reason there is none (ambiguous-district,
 * unknown-area, no-rule). */
const char *route_rule_name(const route_t *rt, const route_result_t *r);

/* The id of the provider a rule leads to. */
const char *route_rule_provider(const route_t *rt, int rule);
size_t route_rule_count(const route_t *rt);
const char *route_provider_id(const route_t *rt, int provider);
const char *route_provider_name(const route_t *rt, int provider);
/* Whether s may name a provider, an authority set or a rule: 1-32
 * lower-case letters, digits or '-', not beginning with '-'. */
bool route_id_ok(const char *s);

int route_provider_find(const route_t *rt, const char *id);
size_t route_provider_count(const route_t *rt);
/* True when the provider's cases are signposted elsewhere (out of area). */
bool route_provider_signposts(const route_t *rt, int provider);
const geo_t *route_geo(const route_t *rt);
/* The triage provider's index: what no rule resolves, and the one that may
 * assign a case to any organisation. */
int route_triage(const route_t *rt);
/* Days from the hub's receipt of a referral of the source by which its
 * organisation should have contacted the carer (contact_by_days). */
int route_contact_by_days(const route_t *rt, route_src_t source);
/* Days from receipt by which a priority case's organisation should have
 * contacted the carer, when shorter than its source's
 * (priority_contact_by_days; 2 unless configured). */
int route_priority_contact_by_days(const route_t *rt);
/* The area the routing serves (its `area`). */
const char *route_area(const route_t *rt);
/* --- reporting (routing.yaml: programme_start, targets, referrers) ---- */

/* The day the programme's counting starts (`programme_start`), or -1 if the
 * routing does not say. */
date_t route_programme_start(const route_t *rt);
/* The targets for carers supported since the programme start, in date
 * order (`targets`: each {date: YYYY-MM-DD, carers: N}). */
size_t route_target_count(const route_t *rt);
void route_target(const route_t *rt, size_t i, date_t *date, uint64_t *carers);
/* The name configuration gives a referring organisation (`referrers`: by
 * source, the practice ODS code, trust ODS code or school URN), or NULL
 * (always for source self: the public is no organisation). */
const char *route_referrer_name(const route_t *rt, route_src_t source, const char *code);
/* The name of an authority by its ONS code (districts file), or NULL. */
const char *route_authority_name(const route_t *rt, const char *code);
/* The areas with an estimated carer population (`carer_population`: each
 * id: {name, carers, authorities}), in configuration's order; area i's id,
 * name (borrowed from rt) and carers. No authority is in two areas. */
size_t route_population_count(const route_t *rt);
void route_population(const route_t *rt, size_t i, const char **id, const char **name,
                      uint64_t *carers);
/* The area authority code is in (its index), or -1. */
int route_population_of(const route_t *rt, const char *code);

/* Whether the rules (first match wins) send some carer of this age (-1:
 * not known) and source (ROUTE_SRC_ANY: not known, any) to provider, in
 * one of the n authorities lads (NULL: any authority at all). If not,
 * appends to why the reason in words a person can act on, naming the
 * provider: "Essex Young Carers Service takes carers under 18; this carer
 * is 76". The triage provider is what no rule resolves: ask of it only if
 * a rule names it. */
bool route_provider_takes(const route_t *rt, int provider, int age, route_src_t source,
                          const geo_lad_t *lads, size_t n, buf_t *why);

/* The single authority of a result, or -1 when there is not exactly one. */
int route_result_lad(const route_result_t *r);

#endif
