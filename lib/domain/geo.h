/*
 * Geography for routing: local authority districts (ONS codes and names),
 * and the postcode district and sector tables that map part of a postcode
 * to the authorities it touches. Loaded from configuration; read-only once
 * built, so one table can be shared by every lookup.
 */
#ifndef CARERHUB_GEO_H
#define CARERHUB_GEO_H

#include "conf/conf.h"

#include <stddef.h>
#include <stdint.h>

/* Candidate authority of an area: an index into the authority table, or
 * GEO_UNLISTED for a code the table does not know (from the unit table). */
typedef uint16_t geo_lad_t;
#define GEO_UNLISTED       0xffffu
#define GEO_MAX_LADS       0xfff0u
#define GEO_MAX_CANDIDATES 8

typedef struct geo geo_t;

geo_t *geo_new(void);
void geo_destroy(geo_t **g);

/* Reads a districts file (config/districts.yaml: `authorities` and
 * `districts`) into g. Problems go to diag as file:line:column. */
int geo_load_districts(geo_t *g, const char *path, diag_t *diag);

/* Adds the `sectors` mapping of a routing file: "CM1 1": [E07000070]. Every
 * authority must already be known. */
int geo_add_sectors(geo_t *g, const conf_ctx_t *ctx, const ynode_t *map);

/* Authority index for an ONS code, or -1. */
int geo_lad_find(const geo_t *g, const char *code);
size_t geo_lad_count(const geo_t *g);
/* Code and name of an authority (borrowed from g). */
const char *geo_lad_code(const geo_t *g, geo_lad_t lad);
const char *geo_lad_name(const geo_t *g, geo_lad_t lad);

/* The authorities of a district ("CM2") or sector ("CM2 0"): sets *lads to
 * an array owned by g and returns its length, 0 when the area is unknown. */
size_t geo_district(const geo_t *g, const char *district, const geo_lad_t **lads);
size_t geo_sector(const geo_t *g, const char *sector, const geo_lad_t **lads);
size_t geo_district_count(const geo_t *g);

#endif
