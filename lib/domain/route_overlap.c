/*
 * Overlapping authority sets: see route_overlaps() in route.h. A check for
 * `carerhub config check`, not for loading: the routing still works (first
 * match wins), but the organisation of the later rule never gets the carers
 * of the shared authorities, which is rarely what was meant.
 */
#include "domain/route_impl.h"

#include <stdio.h>

/* Whether rule r takes authority lad on the authority conditions alone. */
static bool s_takes(const route_rule_t *r, geo_lad_t lad)
{
    return r->in && route_bit(r->in, lad) && !(r->out && route_bit(r->out, lad));
}

/* The smallest authority set holding lad whose authorities all lie in
 * rule r's, as the routing file most likely named it; NULL if none. */
static const char *s_set_of(const route_t *rt, const route_rule_t *r, geo_lad_t lad)
{
    const char *best = NULL;
    size_t best_n = SIZE_MAX;
    for (size_t s = 0; s < rt->nsets; s++) {
        const uint64_t *b = rt->sets[s].bits;
        size_t n = 0;
        bool inside = route_bit(b, lad);
        for (size_t w = 0; inside && w < rt->words; w++) {
            inside = (b[w] & ~r->in[w]) == 0;
            n += (size_t)__builtin_popcountll(b[w]);
        }
        if (inside && n < best_n) {
            best = rt->sets[s].name;
            best_n = n;
        }
    }
    return best;
}

static void s_report(const route_t *rt, const char *file, diag_t *diag, size_t i, size_t j,
                     geo_lad_t lad, size_t more)
{
    const route_rule_t *a = &rt->rules[i], *b = &rt->rules[j];
    const char *sa = s_set_of(rt, a, lad), *sb = s_set_of(rt, b, lad);
    char also[48] = "";
    if (more)
        snprintf(also, sizeof also, " (and %zu more authorit%s)", more, more == 1 ? "y" : "ies");
    diag_add(diag,
             "%s: authority %s (%s)%s is in set %s of rule %s (%s) and in set %s of rule %s (%s): "
             "rule %s comes first, so %s never gets those carers; list each authority in one "
             "of the two sets",
             file, geo_lad_code(rt->geo, lad), geo_lad_name(rt->geo, lad), also, sa ? sa : "?",
             a->name, rt->providers[a->provider].id, sb ? sb : "?", b->name,
             rt->providers[b->provider].id, a->name, rt->providers[b->provider].id);
}

size_t route_overlaps(const route_t *rt, const char *file, diag_t *diag)
{
    size_t found = 0, nlads = geo_lad_count(rt->geo);
    for (size_t i = 0; i < rt->nrules; i++) {
        for (size_t j = i + 1; j < rt->nrules; j++) {
            const route_rule_t *a = &rt->rules[i], *b = &rt->rules[j];
            size_t shared = 0;
            geo_lad_t first = 0;
            if (!a->in || !b->in || a->provider == b->provider || a->age_under != b->age_under ||
                a->age_from != b->age_from || a->sources != b->sources)
                continue;
            for (size_t l = 0; l < nlads; l++)
                if (s_takes(a, (geo_lad_t)l) && s_takes(b, (geo_lad_t)l) && shared++ == 0)
                    first = (geo_lad_t)l;
            if (shared) {
                s_report(rt, file, diag, i, j, first, shared - 1);
                found++;
            }
        }
    }
    return found;
}
