/*
 * Reading a routing file: providers, authority sets and the ordered rules,
 * each checked with every problem reported at its position, compiled to
 * bitsets over the authority table. See route.h.
 */
#include "domain/route_impl.h"

#include "domain/codes.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/smap.h"
#include "util/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool route_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > ROUTE_ID_MAX || s[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

int route_provider_find(const route_t *rt, const char *id)
{
    for (size_t i = 0; i < rt->nproviders; i++)
        if (strcmp(rt->providers[i].id, id) == 0)
            return (int)i;
    return -1;
}

static int s_load_providers(route_t *rt, const conf_ctx_t *ctx, const ynode_t *map)
{
    static const char *const keys[] = {"name", "signpost", NULL};
    int rc = 0;
    if (!map || map->kind != YNODE_MAP || map->nkids == 0) {
        diag_at(ctx->diag, ctx->file, map, "providers must map each provider id to its name");
        return -1;
    }
    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const ynode_t *k = map->kids[i], *v = map->kids[i + 1];
        const ynode_t *name = ynode_get(v, "name"), *sp = ynode_get(v, "signpost");
        route_provider_t p = {NULL, NULL, false};
        if (!route_id_ok(k->value)) {
            diag_at(ctx->diag, ctx->file, k,
                    "provider id '%.40s' must be 1-%d lower-case letters, digits or '-'", k->value,
                    ROUTE_ID_MAX);
            rc = -1;
            continue;
        }
        if (!v || v->kind != YNODE_MAP) {
            diag_at(ctx->diag, ctx->file, v ? v : k, "provider %s needs {name: ...}", k->value);
            rc = -1;
            continue;
        }
        if (conf_only_keys(ctx, v, keys) < 0)
            rc = -1;
        if (!name || name->kind != YNODE_SCALAR || name->len == 0 ||
            name->len != strlen(name->value)) {
            diag_at(ctx->diag, ctx->file, name ? name : v, "provider %s needs a name", k->value);
            rc = -1;
            continue;
        }
        if (sp && conf_parse_bool(sp, &p.signpost) < 0) {
            diag_at(ctx->diag, ctx->file, sp, "signpost must be true or false");
            rc = -1;
        }
        p.id = xstrdup(k->value);
        p.name = xstrdup(name->value);
        rt->providers =
            xgrow(rt->providers, &rt->providers_cap, rt->nproviders + 1, sizeof *rt->providers);
        rt->providers[rt->nproviders++] = p;
    }
    return rc;
}

static int s_set_find(const route_t *rt, const char *name)
{
    for (size_t i = 0; i < rt->nsets; i++)
        if (strcmp(rt->sets[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Adds to bits the authorities named by n: a set name, an authority code,
 * or a list of either. */
static int s_bind_lads(route_t *rt, const conf_ctx_t *ctx, const ynode_t *n, uint64_t *bits)
{
    int rc = 0;
    if (n && n->kind == YNODE_SEQ) {
        if (n->nkids == 0) {
            diag_at(ctx->diag, ctx->file, n, "an empty list of authorities matches nothing");
            return -1;
        }
        for (size_t i = 0; i < n->nkids; i++) {
            if (n->kids[i]->kind != YNODE_SCALAR) {
                diag_at(ctx->diag, ctx->file, n->kids[i],
                        "a list of authorities holds codes and set names, not a %s",
                        ynode_kind_name(n->kids[i]));
                rc = -1;
            } else if (s_bind_lads(rt, ctx, n->kids[i], bits) < 0) {
                rc = -1;
            }
        }
        return rc;
    }
    if (!n || n->kind != YNODE_SCALAR) {
        diag_at(ctx->diag, ctx->file, n, "expected an authority code, a set name, or a list");
        return -1;
    }
    {
        int set = s_set_find(rt, n->value);
        int lad = geo_lad_find(rt->geo, n->value);
        if (set >= 0) {
            for (size_t w = 0; w < rt->words; w++)
                bits[w] |= rt->sets[set].bits[w];
        } else if (lad >= 0) {
            bits[lad >> 6] |= (uint64_t)1 << (lad & 63);
        } else {
            diag_at(ctx->diag, ctx->file, n,
                    "'%.40s' is neither an authority set nor a known "
                    "authority code",
                    n->value);
            return -1;
        }
    }
    return 0;
}

static int s_load_sets(route_t *rt, const conf_ctx_t *ctx, const ynode_t *map)
{
    int rc = 0;
    if (ynode_is_null(map))
        return 0;
    if (map->kind != YNODE_MAP) {
        diag_at(ctx->diag, ctx->file, map, "authority_sets must map names to lists of codes");
        return -1;
    }
    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const ynode_t *k = map->kids[i];
        route_set_t set;
        if (!route_id_ok(k->value)) {
            diag_at(ctx->diag, ctx->file, k,
                    "set name '%.40s' must be lower-case letters, "
                    "digits or '-'",
                    k->value);
            rc = -1;
            continue;
        }
        set.name = xstrdup(k->value);
        set.bits = xcalloc(rt->words, sizeof *set.bits);
        if (s_bind_lads(rt, ctx, map->kids[i + 1], set.bits) < 0)
            rc = -1;
        rt->sets = xgrow(rt->sets, &rt->sets_cap, rt->nsets + 1, sizeof *rt->sets);
        rt->sets[rt->nsets++] = set;
    }
    return rc;
}

static int s_age(const conf_ctx_t *ctx, const ynode_t *n, int *out)
{
    long long v;
    if (conf_parse_int(n, &v) < 0 || v < 0 || v > 150) {
        diag_at(ctx->diag, ctx->file, n,
                "age '%.20s': an age must be a whole number of years, 0-150",
                n && n->kind == YNODE_SCALAR ? n->value : ynode_kind_name(n));
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int s_sources(const conf_ctx_t *ctx, const ynode_t *n, unsigned *mask)
{
    static const char *names[] = {"", "gp", "discharge", "school", "self", "professional"};
    const ynode_t *one = n;
    size_t count = n && n->kind == YNODE_SEQ ? n->nkids : 1;
    for (size_t i = 0; i < count; i++) {
        bool found = false;
        if (n && n->kind == YNODE_SEQ)
            one = n->kids[i];
        for (unsigned s = ROUTE_SRC_GP; s < ROUTE_SRC_COUNT; s++)
            if (one && one->kind == YNODE_SCALAR && strcmp(one->value, names[s]) == 0) {
                *mask |= 1u << s;
                found = true;
            }
        if (!found) {
            diag_at(ctx->diag, ctx->file, one,
                    "source '%.20s' must be gp, discharge, school, self or professional",
                    one && one->kind == YNODE_SCALAR ? one->value : ynode_kind_name(one));
            return -1;
        }
    }
    return 0;
}

static int s_load_rule(route_t *rt, const conf_ctx_t *ctx, const ynode_t *n, route_rule_t *r)
{
    static const char *const keys[] = {"name", "when", "provider", "because", NULL};
    static const char *const conds[] = {"authority_in", "authority_not_in", "age_under",
                                        "age_from",     "source",           NULL};
    const ynode_t *name = ynode_get(n, "name"), *when = ynode_get(n, "when");
    const ynode_t *prov = ynode_get(n, "provider"), *because = ynode_get(n, "because");
    const ynode_t *c;
    int rc = 0;

    memset(r, 0, sizeof *r);
    r->age_under = r->age_from = -1;
    r->provider = -1;
    if (!n || n->kind != YNODE_MAP) {
        diag_at(ctx->diag, ctx->file, n, "each rule must be a mapping with name, when, provider");
        return -1;
    }
    if (conf_only_keys(ctx, n, keys) < 0)
        rc = -1;
    if (!name || name->kind != YNODE_SCALAR || !route_id_ok(name->value)) {
        diag_at(ctx->diag, ctx->file, name ? name : n,
                "a rule needs a name of lower-case letters, digits or '-'");
        rc = -1;
    } else {
        r->name = xstrdup(name->value);
    }
    if (!prov || prov->kind != YNODE_SCALAR ||
        (r->provider = route_provider_find(rt, prov->value)) < 0) {
        if (prov && prov->kind == YNODE_SCALAR)
            diag_at(ctx->diag, ctx->file, prov, "rule %.32s: provider '%.40s' is not in providers",
                    r->name ? r->name : "without a name", prov->value);
        else
            diag_at(ctx->diag, ctx->file, prov ? prov : n,
                    "rule %.32s needs a provider from providers",
                    r->name ? r->name : "without a name");
        rc = -1;
    }
    if (because && (because->kind != YNODE_SCALAR || because->len != strlen(because->value))) {
        diag_at(ctx->diag, ctx->file, because, "because must be a line of text");
        rc = -1;
    } else if (because) {
        r->because = xstrdup(because->value);
    }
    if (ynode_is_null(when))
        return rc; /* matches every known authority */
    if (when->kind != YNODE_MAP) {
        diag_at(ctx->diag, ctx->file, when, "when must be a mapping of conditions");
        return -1;
    }
    if (conf_only_keys(ctx, when, conds) < 0)
        rc = -1;
    if ((c = ynode_get(when, "authority_in")) != NULL) {
        r->in = xcalloc(rt->words, sizeof *r->in);
        if (s_bind_lads(rt, ctx, c, r->in) < 0)
            rc = -1;
    }
    if ((c = ynode_get(when, "authority_not_in")) != NULL) {
        r->out = xcalloc(rt->words, sizeof *r->out);
        if (s_bind_lads(rt, ctx, c, r->out) < 0)
            rc = -1;
    }
    if ((c = ynode_get(when, "age_under")) != NULL && s_age(ctx, c, &r->age_under) < 0)
        rc = -1;
    if ((c = ynode_get(when, "age_from")) != NULL && s_age(ctx, c, &r->age_from) < 0)
        rc = -1;
    if ((c = ynode_get(when, "source")) != NULL && s_sources(ctx, c, &r->sources) < 0)
        rc = -1;
    return rc;
}

static int s_load_rules(route_t *rt, const conf_ctx_t *ctx, const ynode_t *seq)
{
    int rc = 0;
    if (!seq || seq->kind != YNODE_SEQ || seq->nkids == 0) {
        diag_at(ctx->diag, ctx->file, seq, "rules must be a list of at least one rule");
        return -1;
    }
    for (size_t i = 0; i < seq->nkids; i++) {
        route_rule_t r;
        if (s_load_rule(rt, ctx, seq->kids[i], &r) < 0)
            rc = -1;
        for (size_t j = 0; r.name && j < rt->nrules; j++)
            if (rt->rules[j].name && strcmp(rt->rules[j].name, r.name) == 0) {
                diag_at(ctx->diag, ctx->file, seq->kids[i], "two rules are named %s", r.name);
                rc = -1;
            }
        rt->rules = xgrow(rt->rules, &rt->rules_cap, rt->nrules + 1, sizeof *rt->rules);
        rt->rules[rt->nrules++] = r;
    }
    return rc;
}

/* contact_by_days: {discharge: 2, gp: 10, school: 10, self: 10,
 * professional: 10}; each
 * source left out keeps its default. */
static void s_load_contact_by(route_t *rt, conf_ctx_t *ctx, const ynode_t *map)
{
    static const char *const names[] = {"gp", "discharge", "school", "self", "professional", NULL};
    rt->contact_by_days[ROUTE_SRC_GP] = 10;
    rt->contact_by_days[ROUTE_SRC_DISCHARGE] = 2;
    rt->contact_by_days[ROUTE_SRC_SCHOOL] = 10;
    rt->contact_by_days[ROUTE_SRC_SELF] = 10;
    rt->contact_by_days[ROUTE_SRC_PROFESSIONAL] = 10;
    if (!map)
        return;
    if (map->kind != YNODE_MAP) {
        diag_at(ctx->diag, ctx->file, map,
                "contact_by_days must map sources (gp, discharge, school, self, professional) "
                "to days");
        return;
    }
    conf_only_keys(ctx, map, names);
    for (int i = 0; names[i]; i++) {
        const ynode_t *n = ynode_get(map, names[i]);
        long long days;
        if (!n)
            continue;
        if (conf_parse_int(n, &days) < 0 || days < 1 || days > 365)
            diag_at(ctx->diag, ctx->file, n,
                    "contact_by_days.%s must be a whole number of days from 1 to 365", names[i]);
        else
            rt->contact_by_days[ROUTE_SRC_GP + i] = (int)days;
    }
}

/* priority_contact_by_days: N (default 2): a priority case's target, when
 * shorter than its source's. */
static void s_load_priority_contact_by(route_t *rt, conf_ctx_t *ctx, const ynode_t *n)
{
    long long days;
    rt->priority_contact_by_days = 2;
    if (!n)
        return;
    if (n->kind != YNODE_SCALAR || conf_parse_int(n, &days) < 0 || days < 1 || days > 365)
        diag_at(ctx->diag, ctx->file, n,
                "priority_contact_by_days must be a whole number of days from 1 to 365");
    else
        rt->priority_contact_by_days = (int)days;
}

/* --- reporting: programme_start, targets, referrers ------------------ */

/* A day written YYYY-MM-DD at n (else reported at n, or at `at` when the
 * key is missing). */
static int s_load_day(const conf_ctx_t *ctx, const ynode_t *n, const ynode_t *at, const char *what,
                      date_t *out)
{
    if (n && n->kind == YNODE_SCALAR && n->len == strlen(n->value) &&
        date_parse(n->value, out) == 0)
        return 0;
    diag_at(ctx->diag, ctx->file, n ? n : at, "%s must be a date, YYYY-MM-DD", what);
    return -1;
}

/* targets: [{date: 2025-04-01, carers: 4150}, ...], in date order, each
 * after programme_start (which they need: they count from it). */
static void s_load_targets(route_t *rt, const conf_ctx_t *ctx, const ynode_t *seq, bool start_given)
{
    static const char *const keys[] = {"date", "carers", NULL};
    if (!seq)
        return;
    if (seq->kind != YNODE_SEQ) {
        diag_at(ctx->diag, ctx->file, seq,
                "targets must be a list of {date: YYYY-MM-DD, carers: N}");
        return;
    }
    if (!start_given)
        diag_at(ctx->diag, ctx->file, seq,
                "targets needs programme_start: the day the carers supported are counted from");
    rt->targets = xcalloc(seq->nkids + 1, sizeof *rt->targets);
    for (size_t i = 0; i < seq->nkids; i++) {
        const ynode_t *n = seq->kids[i], *carers = ynode_get(n, "carers");
        route_target_t t = {-1, 0};
        char what[48];
        long long v;
        if (n->kind != YNODE_MAP) {
            diag_at(ctx->diag, ctx->file, n, "targets[%zu] must be {date: YYYY-MM-DD, carers: N}",
                    i);
            continue;
        }
        conf_only_keys(ctx, n, keys);
        snprintf(what, sizeof what, "targets[%zu].date", i);
        if (s_load_day(ctx, ynode_get(n, "date"), n, what, &t.date) == 0) {
            const route_target_t *prev = rt->ntargets ? &rt->targets[rt->ntargets - 1] : NULL;
            if (rt->programme_start >= 0 && t.date <= rt->programme_start)
                diag_at(ctx->diag, ctx->file, ynode_get(n, "date"),
                        "%s must be after programme_start", what);
            else if (prev && prev->date >= 0 && t.date <= prev->date)
                diag_at(ctx->diag, ctx->file, ynode_get(n, "date"),
                        "%s must be after the target before it (targets in date order)", what);
        }
        if (!carers || conf_parse_int(carers, &v) < 0 || v < 1 || v > 100000000)
            diag_at(ctx->diag, ctx->file, carers ? carers : n,
                    "targets[%zu].carers must be a whole number of carers from 1 to 100000000", i);
        else
            t.carers = (uint64_t)v;
        rt->targets[rt->ntargets++] = t;
    }
}

static bool s_referrer_code_ok(route_src_t src, const char *code)
{
    return src == ROUTE_SRC_GP          ? ods_practice_valid(code)
           : src == ROUTE_SRC_DISCHARGE ? ods_trust_valid(code)
                                        : urn_valid(code);
}

/* A name for people to read: 1-100 characters of text on one line, and
 * nothing invisible that could disguise it on a page or a terminal. */
static bool s_referrer_name_ok(const ynode_t *v)
{
    const unsigned char *p;
    if (!v || v->kind != YNODE_SCALAR || text_check(v->value, v->len, 100, false) != TEXT_OK)
        return false;
    p = (const unsigned char *)v->value;
    for (size_t i = 0, len; i < v->len; i += len)
        if ((len = text_utf8_seq_len(p + i, v->len - i)) > 1 && text_is_layout_char(p + i, len))
            return false;
    return true;
}

/* referrers: {gp: {F81001: "The Practice"}, discharge: {RAJ: ...},
 * school: {115000: ...}}: the names reports give referring organisations. */
static void s_load_referrers(route_t *rt, const conf_ctx_t *ctx, const ynode_t *map)
{
    static const char *const names[] = {"gp", "discharge", "school", NULL};
    static const char *const what[] = {
        "a practice ODS code (a letter and five digits, e.g. F81001)",
        "a trust ODS code (a letter, then two letters or digits, e.g. RAJ)",
        "a school URN (six digits, e.g. 115000)"};
    if (ynode_is_null(map))
        return;
    if (map->kind != YNODE_MAP) {
        diag_at(ctx->diag, ctx->file, map,
                "referrers must map sources (gp, discharge, school) to {code: name}");
        return;
    }
    conf_only_keys(ctx, map, names);
    for (int i = 0; names[i]; i++) {
        const ynode_t *m = ynode_get(map, names[i]);
        route_src_t src = (route_src_t)(ROUTE_SRC_GP + i);
        size_t n = 0;
        if (ynode_is_null(m))
            continue;
        if (m->kind != YNODE_MAP) {
            diag_at(ctx->diag, ctx->file, m,
                    "referrers.%s must map each organisation's code to its name", names[i]);
            continue;
        }
        rt->referrers[src] = xcalloc(m->nkids / 2 + 1, sizeof *rt->referrers[src]);
        for (size_t j = 0; j + 1 < m->nkids; j += 2) {
            const ynode_t *k = m->kids[j], *v = m->kids[j + 1];
            if (k->kind != YNODE_SCALAR || k->len != strlen(k->value) ||
                !s_referrer_code_ok(src, k->value)) {
                diag_at(ctx->diag, ctx->file, k, "referrers.%s: '%.40s' is not %s", names[i],
                        k->kind == YNODE_SCALAR ? k->value : ynode_kind_name(k), what[i]);
            } else if (!s_referrer_name_ok(v)) {
                diag_at(ctx->diag, ctx->file, v,
                        "referrers.%s.%s: the name must be 1-100 characters of printable text",
                        names[i], k->value);
            } else {
                rt->referrers[src][n].code = xstrdup(k->value);
                rt->referrers[src][n++].name = xstrdup(v->value);
            }
        }
        qsort(rt->referrers[src], n, sizeof *rt->referrers[src], route_referrer_cmp);
        rt->nreferrers[src] = n;
    }
}

/* carer_population: {id: {name: "...", carers: N, authorities: [codes or
 * sets]}}: each area's estimated carers, for reports' referred per 1,000.
 * An authority in two areas would count its carers twice: refused. */
static void s_load_population(route_t *rt, const conf_ctx_t *ctx, const ynode_t *map)
{
    static const char *const keys[] = {"name", "carers", "authorities", NULL};
    uint64_t *seen;
    if (ynode_is_null(map))
        return;
    if (map->kind != YNODE_MAP) {
        diag_at(ctx->diag, ctx->file, map,
                "carer_population must map area ids to {name, carers, authorities}");
        return;
    }
    seen = xcalloc(rt->words, sizeof *seen);
    rt->populations = xcalloc(map->nkids / 2 + 1, sizeof *rt->populations);
    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const ynode_t *k = map->kids[i], *v = map->kids[i + 1];
        const ynode_t *name = ynode_get(v, "name"), *carers = ynode_get(v, "carers");
        route_population_t a = {0};
        long long n;
        if (k->kind != YNODE_SCALAR || !route_id_ok(k->value)) {
            diag_at(ctx->diag, ctx->file, k,
                    "carer_population: the area id must be lower-case letters, digits or '-'");
            continue;
        }
        if (v->kind != YNODE_MAP) {
            diag_at(ctx->diag, ctx->file, v,
                    "carer_population.%s must be {name, carers, authorities}", k->value);
            continue;
        }
        conf_only_keys(ctx, v, keys);
        if (!s_referrer_name_ok(name))
            diag_at(ctx->diag, ctx->file, name ? name : v,
                    "carer_population.%s.name must be 1-100 characters of printable text",
                    k->value);
        if (!carers || conf_parse_int(carers, &n) < 0 || n < 1 || n > 100000000)
            diag_at(ctx->diag, ctx->file, carers ? carers : v,
                    "carer_population.%s.carers must be a whole number of carers from 1 to "
                    "100000000",
                    k->value);
        else
            a.carers = (uint64_t)n;
        a.bits = xcalloc(rt->words, sizeof *a.bits);
        if (!ynode_get(v, "authorities"))
            diag_at(ctx->diag, ctx->file, v,
                    "carer_population.%s.authorities must list the area's authorities", k->value);
        else if (s_bind_lads(rt, ctx, ynode_get(v, "authorities"), a.bits) == 0)
            for (size_t w = 0; w < rt->words; w++) {
                if (a.bits[w] & seen[w])
                    diag_at(ctx->diag, ctx->file, ynode_get(v, "authorities"),
                            "carer_population.%s: an authority is already in another area "
                            "(each counts in one)",
                            k->value);
                seen[w] |= a.bits[w];
            }
        a.id = xstrdup(k->value);
        a.name = name && name->kind == YNODE_SCALAR ? xstrdup(name->value) : NULL;
        rt->populations[rt->npopulations++] = a;
    }
    free(seen);
}

/* The reporting keys: each optional. */
static void s_load_reporting(route_t *rt, const conf_ctx_t *ctx, const ynode_t *root)
{
    const ynode_t *start = ynode_get(root, "programme_start");
    if (start)
        s_load_day(ctx, start, root, "programme_start", &rt->programme_start);
    s_load_targets(rt, ctx, ynode_get(root, "targets"), start != NULL);
    s_load_referrers(rt, ctx, ynode_get(root, "referrers"));
    s_load_population(rt, ctx, ynode_get(root, "carer_population"));
}

route_t *route_load(const char *path, diag_t *diag)
{
    static const char *const top[] = {"area",
                                      "districts",
                                      "providers",
                                      "authority_sets",
                                      "sectors",
                                      "rules",
                                      "triage",
                                      "contact_by_days",
                                      "programme_start",
                                      "targets",
                                      "referrers",
                                      "priority_contact_by_days",
                                      "carer_population",
                                      NULL};
    const ynode_t *root, *n;
    char *dir = file_dirname(path);
    conf_ctx_t ctx = {path, dir, diag};
    size_t before = diag->n;
    ystream_t *s = conf_read_file(path, &root, diag);
    route_t *rt = xcalloc(1, sizeof *rt);

    rt->triage = -1;
    rt->programme_start = -1;
    rt->geo = geo_new();
    if (!s)
        goto done;
    conf_only_keys(&ctx, root, top);
    n = ynode_get(root, "area");
    if (!n || n->kind != YNODE_SCALAR || n->len == 0)
        diag_at(diag, path, n ? n : root, "area must name the area this routing serves");
    else
        rt->area = xstrdup(n->value);
    n = ynode_get(root, "districts");
    if (!n || n->kind != YNODE_SCALAR || n->len == 0) {
        diag_at(diag, path, n ? n : root, "districts must name the postcode districts file");
        goto done;
    }
    {
        char *dpath = file_join(dir, n->value);
        int rc;
        if (!file_exists(dpath)) {
            diag_at(diag, path, n, "districts file %s does not exist", dpath);
            free(dpath);
            goto done;
        }
        rc = geo_load_districts(rt->geo, dpath, diag);
        free(dpath);
        if (rc < 0)
            goto done;
    }
    rt->words = (geo_lad_count(rt->geo) + 63) / 64 + 1;
    s_load_providers(rt, &ctx, ynode_get(root, "providers"));
    geo_add_sectors(rt->geo, &ctx, ynode_get(root, "sectors"));
    s_load_sets(rt, &ctx, ynode_get(root, "authority_sets"));
    s_load_rules(rt, &ctx, ynode_get(root, "rules"));
    s_load_contact_by(rt, &ctx, ynode_get(root, "contact_by_days"));
    s_load_priority_contact_by(rt, &ctx, ynode_get(root, "priority_contact_by_days"));
    s_load_reporting(rt, &ctx, root);
    n = ynode_get(root, "triage");
    if (!n || n->kind != YNODE_SCALAR || (rt->triage = route_provider_find(rt, n->value)) < 0)
        diag_at(diag, path, n ? n : root,
                "triage must name the provider that takes what no rule resolves");
done:
    ystream_destroy(&s);
    free(dir);
    if (diag->n > before) {
        route_destroy(&rt);
        return NULL;
    }
    return rt;
}

void route_destroy(route_t **rtp)
{
    route_t *rt = *rtp;
    if (!rt)
        return;
    for (size_t i = 0; i < rt->nproviders; i++) {
        free(rt->providers[i].id);
        free(rt->providers[i].name);
    }
    for (size_t i = 0; i < rt->nsets; i++) {
        free(rt->sets[i].name);
        free(rt->sets[i].bits);
    }
    for (size_t i = 0; i < rt->nrules; i++) {
        free(rt->rules[i].name);
        free(rt->rules[i].because);
        free(rt->rules[i].in);
        free(rt->rules[i].out);
    }
    for (int s = ROUTE_SRC_GP; s <= ROUTE_SRC_SCHOOL; s++) {
        for (size_t i = 0; i < rt->nreferrers[s]; i++) {
            free(rt->referrers[s][i].code);
            free(rt->referrers[s][i].name);
        }
        free(rt->referrers[s]);
    }
    for (size_t i = 0; i < rt->npopulations; i++) {
        free(rt->populations[i].id);
        free(rt->populations[i].name);
        free(rt->populations[i].bits);
    }
    free(rt->populations);
    free(rt->targets);
    free(rt->providers);
    free(rt->sets);
    free(rt->rules);
    free(rt->area);
    geo_destroy(&rt->geo);
    free(rt);
    *rtp = NULL;
}
