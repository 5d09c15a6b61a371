/*
 * Authority, district and sector tables: see geo.h. Candidate lists are kept
 * in one flat array; maps hold an index of (offset << 4 | count).
 */
#include "domain/geo.h"

#include "domain/postcode.h"
#include "util/mem.h"
#include "util/smap.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *code;
    char *name;
} s_lad_t;

struct geo {
    s_lad_t *lads;
    size_t nlads, lads_cap;
    smap_t *lad_index;
    geo_lad_t *cands; /* candidate lists, back to back */
    size_t ncands, cands_cap;
    smap_t *districts;
    smap_t *sectors;
};

geo_t *geo_new(void)
{
    geo_t *g = xcalloc(1, sizeof *g);
    g->lad_index = smap_new();
    g->districts = smap_new();
    g->sectors = smap_new();
    return g;
}

void geo_destroy(geo_t **gp)
{
    geo_t *g = *gp;
    if (!g)
        return;
    for (size_t i = 0; i < g->nlads; i++) {
        free(g->lads[i].code);
        free(g->lads[i].name);
    }
    free(g->lads);
    free(g->cands);
    smap_destroy(&g->lad_index);
    smap_destroy(&g->districts);
    smap_destroy(&g->sectors);
    free(g);
    *gp = NULL;
}

static bool s_code_ok(const char *s)
{
    if (strlen(s) != 9 || !strchr("ENSWLM", s[0]))
        return false;
    for (int i = 1; i < 9; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int s_load_authorities(geo_t *g, const conf_ctx_t *ctx, const ynode_t *map)
{
    static const char *const keys[] = {"name", "country", NULL};
    int rc = 0;
    if (!map || map->kind != YNODE_MAP) {
        diag_at(ctx->diag, ctx->file, map, "authorities must be a mapping of ONS code to name");
        return -1;
    }
    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const ynode_t *k = map->kids[i], *v = map->kids[i + 1];
        const ynode_t *name = ynode_get(v, "name");
        if (!s_code_ok(k->value)) {
            diag_at(ctx->diag, ctx->file, k, "'%.32s' is not an ONS authority code (E07000070)",
                    k->value);
            rc = -1;
            continue;
        }
        if (!v || v->kind != YNODE_MAP || conf_only_keys(ctx, v, keys) < 0 || !name ||
            name->kind != YNODE_SCALAR || name->len == 0) {
            diag_at(ctx->diag, ctx->file, v, "authority %s needs {name: ..., country: ...}",
                    k->value);
            rc = -1;
            continue;
        }
        if (g->nlads >= GEO_MAX_LADS) {
            diag_at(ctx->diag, ctx->file, k, "too many authorities");
            return -1;
        }
        g->lads = xgrow(g->lads, &g->lads_cap, g->nlads + 1, sizeof *g->lads);
        g->lads[g->nlads].code = xstrdup(k->value);
        g->lads[g->nlads].name = xstrdup(name->value);
        smap_put(g->lad_index, k->value, g->nlads);
        g->nlads++;
    }
    return rc;
}

/* Binds a list of authority codes into the candidate array and records it
 * under key in m. */
static int s_add_area(geo_t *g, const conf_ctx_t *ctx, smap_t *m, const ynode_t *key,
                      const ynode_t *list)
{
    size_t start = g->ncands, n = 0;
    if (!list || list->kind != YNODE_SEQ || list->nkids == 0) {
        diag_at(ctx->diag, ctx->file, list ? list : key, "%s must list at least one authority code",
                key->value);
        return -1;
    }
    if (list->nkids > GEO_MAX_CANDIDATES) {
        diag_at(ctx->diag, ctx->file, list, "%s lists more than %d authorities", key->value,
                GEO_MAX_CANDIDATES);
        return -1;
    }
    for (size_t i = 0; i < list->nkids; i++) {
        const ynode_t *c = list->kids[i];
        int lad = c->kind == YNODE_SCALAR ? geo_lad_find(g, c->value) : -1;
        if (lad < 0) {
            diag_at(ctx->diag, ctx->file, c, "%s: unknown authority '%.32s'", key->value,
                    c->kind == YNODE_SCALAR ? c->value : "(not a code)");
            g->ncands = start;
            return -1;
        }
        for (size_t j = start; j < g->ncands; j++)
            if (g->cands[j] == lad) {
                diag_at(ctx->diag, ctx->file, c, "%s lists %s twice", key->value, c->value);
                g->ncands = start;
                return -1;
            }
        g->cands = xgrow(g->cands, &g->cands_cap, g->ncands + 1, sizeof *g->cands);
        g->cands[g->ncands++] = (geo_lad_t)lad;
        n++;
    }
    smap_put(m, key->value, (uint64_t)(start << 4 | n));
    return 0;
}

int geo_load_districts(geo_t *g, const char *path, diag_t *diag)
{
    static const char *const top[] = {"authorities", "districts", NULL};
    const ynode_t *root, *districts;
    conf_ctx_t ctx = {path, NULL, diag};
    ystream_t *s = conf_read_file(path, &root, diag);
    int rc = 0;

    if (!s)
        return -1;
    if (conf_only_keys(&ctx, root, top) < 0)
        rc = -1;
    if (s_load_authorities(g, &ctx, ynode_get(root, "authorities")) < 0)
        rc = -1;
    districts = ynode_get(root, "districts");
    if (!districts || districts->kind != YNODE_MAP) {
        diag_at(diag, path, districts ? districts : root,
                "districts must be a mapping of postcode district to authorities");
        rc = -1;
    }
    for (size_t i = 0; districts && i + 1 < districts->nkids; i += 2) {
        const ynode_t *k = districts->kids[i];
        if (!postcode_district_valid(k->value)) {
            diag_at(diag, path, k, "'%.32s' is not a postcode district (CM2)", k->value);
            rc = -1;
            continue;
        }
        if (s_add_area(g, &ctx, g->districts, k, districts->kids[i + 1]) < 0)
            rc = -1;
    }
    ystream_destroy(&s);
    return rc;
}

int geo_add_sectors(geo_t *g, const conf_ctx_t *ctx, const ynode_t *map)
{
    int rc = 0;
    if (ynode_is_null(map))
        return 0;
    if (map->kind != YNODE_MAP) {
        diag_at(ctx->diag, ctx->file, map, "sectors must be a mapping of sector to authorities");
        return -1;
    }
    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const ynode_t *k = map->kids[i];
        if (!postcode_sector_valid(k->value)) {
            diag_at(ctx->diag, ctx->file, k, "'%.32s' is not a postcode sector (CM2 0)", k->value);
            rc = -1;
            continue;
        }
        if (s_add_area(g, ctx, g->sectors, k, map->kids[i + 1]) < 0)
            rc = -1;
    }
    return rc;
}

int geo_lad_find(const geo_t *g, const char *code)
{
    uint64_t v;
    return smap_get(g->lad_index, code, &v) ? (int)v : -1;
}

size_t geo_lad_count(const geo_t *g)
{
    return g->nlads;
}

const char *geo_lad_code(const geo_t *g, geo_lad_t lad)
{
    return lad < g->nlads ? g->lads[lad].code : "";
}

const char *geo_lad_name(const geo_t *g, geo_lad_t lad)
{
    return lad < g->nlads ? g->lads[lad].name : "an authority not in the table";
}

static size_t s_area(const geo_t *g, const smap_t *m, const char *key, const geo_lad_t **lads)
{
    uint64_t v;
    if (!smap_get(m, key, &v))
        return 0;
    *lads = g->cands + (v >> 4);
    return v & 15;
}

size_t geo_district(const geo_t *g, const char *district, const geo_lad_t **lads)
{
    return s_area(g, g->districts, district, lads);
}

size_t geo_sector(const geo_t *g, const char *sector, const geo_lad_t **lads)
{
    return s_area(g, g->sectors, sector, lads);
}

size_t geo_district_count(const geo_t *g)
{
    return smap_count(g->districts);
}
