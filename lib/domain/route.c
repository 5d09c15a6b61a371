/*
 * The routing engine: see route.h. Deciding and explaining; the rules were
 * compiled to bitsets over the authority table by route_load.c, so that a
 * decision is a few hash lookups and bit tests.
 */
#include "domain/route_impl.h"

#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/smap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool s_rule_matches(const route_rule_t *r, geo_lad_t lad, int age, route_src_t source)
{
    bool listed = lad != GEO_UNLISTED;
    if (r->in && (!listed || !route_bit(r->in, lad)))
        return false;
    if (r->out && listed && route_bit(r->out, lad))
        return false;
    if (r->age_under >= 0 && (age < 0 || age >= r->age_under))
        return false;
    if (r->age_from >= 0 && (age < 0 || age < r->age_from))
        return false;
    if (r->sources && !(r->sources >> source & 1))
        return false;
    return true;
}

void route_decide(const route_t *rt, const char *postcode, int age, route_src_t source,
                  route_unit_fn unit, void *unit_arg, route_result_t *out)
{
    const geo_lad_t *lads = NULL;
    size_t n = 0;
    char code[16];
    const char *island;

    out->age = age;
    out->source = source;
    out->rule = -1;
    out->provider = rt->triage;
    out->ncands = 0;
    out->unlisted[0] = '\0';
    strncpy(out->postcode, postcode, sizeof out->postcode - 1);
    out->postcode[sizeof out->postcode - 1] = '\0';

    if ((island = postcode_crown_dependency(out->postcode)) != NULL) {
        /* Before the unit table: ONS's files give these islands pseudo
         * authority codes that name no one to signpost to. */
        out->by = ROUTE_BY_ISLAND;
        snprintf(out->area, sizeof out->area, "%.2s", out->postcode);
        out->ncands = 1;
        out->cands[0] = GEO_UNLISTED;
        snprintf(out->unlisted, sizeof out->unlisted, "%s", island);
    } else if (unit && unit(unit_arg, out->postcode, code) == 1) {
        int lad = geo_lad_find(rt->geo, code);
        out->by = ROUTE_BY_UNIT;
        strcpy(out->area, "");
        out->ncands = 1;
        out->cands[0] = lad >= 0 ? (geo_lad_t)lad : GEO_UNLISTED;
        if (lad < 0)
            snprintf(out->unlisted, sizeof out->unlisted, "%s", code);
    } else {
        postcode_sector(out->postcode, out->area);
        n = geo_sector(rt->geo, out->area, &lads);
        out->by = ROUTE_BY_SECTOR;
        if (n == 0) {
            postcode_district(out->postcode, out->area);
            n = geo_district(rt->geo, out->area, &lads);
            out->by = ROUTE_BY_DISTRICT;
        }
        if (n == 0) {
            out->by = ROUTE_BY_NONE;
            out->outcome = ROUTE_UNKNOWN;
            return;
        }
        memcpy(out->cands, lads, n * sizeof *lads);
        out->ncands = n;
    }

    out->outcome = ROUTE_RESOLVED;
    for (size_t c = 0; c < out->ncands; c++) {
        int hit = -1;
        for (size_t i = 0; i < rt->nrules; i++)
            if (s_rule_matches(&rt->rules[i], out->cands[c], age, source)) {
                hit = (int)i;
                break;
            }
        out->cand_rule[c] = hit;
        if (hit < 0) {
            out->outcome = ROUTE_NO_RULE;
        } else if (out->outcome == ROUTE_RESOLVED && c > 0 &&
                   rt->rules[hit].provider != rt->rules[out->cand_rule[0]].provider) {
            out->outcome = ROUTE_AMBIGUOUS;
        }
    }
    if (out->outcome == ROUTE_RESOLVED) {
        out->rule = out->cand_rule[0];
        out->provider = rt->rules[out->rule].provider;
    }
}

const char *route_rule_name(const route_t *rt, const route_result_t *r)
{
    switch (r->outcome) {
    case ROUTE_RESOLVED:
        return rt->rules[r->rule].name;
    case ROUTE_AMBIGUOUS:
        return r->by == ROUTE_BY_SECTOR ? "ambiguous-sector" : "ambiguous-district";
    case ROUTE_UNKNOWN:
        return "unknown-district";
    case ROUTE_NO_RULE:
        return "no-rule";
    }
    return "";
}

/* An island's name as a sentence has it: "the Isle of Man". */
static const char *s_the(const char *island)
{
    return strncmp(island, "Isle ", 5) == 0 ? "the " : "";
}

static void s_lad_text(const route_t *rt, const route_result_t *r, size_t c, buf_t *out)
{
    if (r->by == ROUTE_BY_ISLAND)
        buf_printf(out, "%s%s, a Crown Dependency with no UK local authority", s_the(r->unlisted),
                   r->unlisted);
    else if (r->cands[c] == GEO_UNLISTED)
        buf_printf(out, "authority %s (not in the authority table)", r->unlisted);
    else
        buf_printf(out, "%s (%s)", geo_lad_name(rt->geo, r->cands[c]),
                   geo_lad_code(rt->geo, r->cands[c]));
}

static void s_where(const route_t *rt, const route_result_t *r, buf_t *out)
{
    if (r->ncands == 1) {
        buf_printf(out, "%s is in ", r->postcode);
        s_lad_text(rt, r, 0, out);
        if (r->by == ROUTE_BY_UNIT)
            buf_adds(out, ", from the postcode unit table");
        else if (r->by == ROUTE_BY_ISLAND)
            buf_printf(out, " (postcode area %s)", r->area);
        else
            buf_printf(out, ", going by postcode %s %s",
                       r->by == ROUTE_BY_SECTOR ? "sector" : "district", r->area);
        return;
    }
    buf_printf(out, "Postcode %s %s spans ", r->by == ROUTE_BY_SECTOR ? "sector" : "district",
               r->area);
    for (size_t c = 0; c < r->ncands; c++) {
        bool split = r->outcome == ROUTE_AMBIGUOUS || r->outcome == ROUTE_NO_RULE;
        int rule = r->cand_rule[c];
        if (c)
            buf_adds(out, c + 1 == r->ncands ? " and " : ", ");
        if (!split) {
            s_lad_text(rt, r, c, out);
            continue;
        }
        if (r->cands[c] == GEO_UNLISTED)
            buf_printf(out, "authority %s", r->unlisted);
        else
            buf_printf(out, "%s (%s", geo_lad_name(rt->geo, r->cands[c]),
                       geo_lad_code(rt->geo, r->cands[c]));
        if (rule >= 0)
            buf_printf(out, ", routed to %s)", rt->providers[rt->rules[rule].provider].id);
        else
            buf_adds(out, ", which no rule covers)");
    }
}

void route_explain(const route_t *rt, const route_result_t *r, buf_t *out)
{
    const char *triage = rt->providers[rt->triage].name;

    switch (r->outcome) {
    case ROUTE_UNKNOWN:
        buf_printf(out,
                   "Postcode district %s is not in the district table, so the authority "
                   "of %s is unknown; %s triages the referral.",
                   r->area, r->postcode, triage);
        return;
    case ROUTE_AMBIGUOUS:
        s_where(rt, r, out);
        buf_printf(out, ": different organisations, so %s triages the referral.", triage);
        return;
    case ROUTE_NO_RULE:
        s_where(rt, r, out);
        buf_printf(out, "%s, so %s triages the referral.",
                   r->ncands == 1 ? ", which no rule covers" : "", triage);
        return;
    case ROUTE_RESOLVED:
        break;
    }
    s_where(rt, r, out);
    if (r->ncands > 1)
        buf_printf(out, ", all served by %s", rt->providers[r->provider].name);
    if (r->age >= 0)
        buf_printf(out, "; the carer is %d on the day of referral", r->age);
    buf_printf(out, ". Rule %s", rt->rules[r->rule].name);
    if (rt->rules[r->rule].because)
        buf_printf(out, ": %s", rt->rules[r->rule].because);
    buf_addc(out, '.');
    if (rt->providers[r->provider].signpost) {
        buf_adds(out, " Signpost the carer to ");
        for (size_t c = 0; c < r->ncands; c++) {
            if (c)
                buf_adds(out, c + 1 == r->ncands ? " or " : ", ");
            if (r->by == ROUTE_BY_ISLAND)
                buf_printf(out, "the carers' services of %s%s", s_the(r->unlisted), r->unlisted);
            else if (r->cands[c] == GEO_UNLISTED)
                buf_printf(out, "authority %s", r->unlisted);
            else
                buf_adds(out, geo_lad_name(rt->geo, r->cands[c]));
        }
        buf_adds(out, ".");
    }
}

const char *route_provider_id(const route_t *rt, int provider)
{
    return provider >= 0 && (size_t)provider < rt->nproviders ? rt->providers[provider].id : "";
}

const char *route_provider_name(const route_t *rt, int provider)
{
    return provider >= 0 && (size_t)provider < rt->nproviders ? rt->providers[provider].name : "";
}

const char *route_rule_provider(const route_t *rt, int rule)
{
    return rule >= 0 && (size_t)rule < rt->nrules ? rt->providers[rt->rules[rule].provider].id : "";
}

size_t route_rule_count(const route_t *rt)
{
    return rt->nrules;
}

size_t route_provider_count(const route_t *rt)
{
    return rt->nproviders;
}

bool route_provider_signposts(const route_t *rt, int provider)
{
    return provider >= 0 && (size_t)provider < rt->nproviders && rt->providers[provider].signpost;
}

const char *route_area(const route_t *rt)
{
    return rt->area ? rt->area : "";
}

const geo_t *route_geo(const route_t *rt)
{
    return rt->geo;
}

int route_result_lad(const route_result_t *r)
{
    return r->ncands == 1 && r->cands[0] != GEO_UNLISTED ? r->cands[0] : -1;
}

int route_triage(const route_t *rt)
{
    return rt->triage;
}

int route_contact_by_days(const route_t *rt, route_src_t source)
{
    return source > ROUTE_SRC_ANY && source < ROUTE_SRC_COUNT ? rt->contact_by_days[source] : 10;
}

int route_priority_contact_by_days(const route_t *rt)
{
    return rt->priority_contact_by_days > 0 ? rt->priority_contact_by_days : 2;
}

date_t route_programme_start(const route_t *rt)
{
    return rt->programme_start;
}

size_t route_target_count(const route_t *rt)
{
    return rt->ntargets;
}

void route_target(const route_t *rt, size_t i, date_t *date, uint64_t *carers)
{
    CH_ASSERT(i < rt->ntargets);
    *date = rt->targets[i].date;
    *carers = rt->targets[i].carers;
}

const char *route_referrer_name(const route_t *rt, route_src_t source, const char *code)
{
    route_referrer_t key = {(char *)code, NULL};
    const route_referrer_t *found;
    if (source < ROUTE_SRC_GP || source > ROUTE_SRC_SCHOOL || !code || !rt->nreferrers[source])
        return NULL;
    found = bsearch(&key, rt->referrers[source], rt->nreferrers[source], sizeof key,
                    route_referrer_cmp);
    return found ? found->name : NULL;
}

const char *route_authority_name(const route_t *rt, const char *code)
{
    int lad = code ? geo_lad_find(rt->geo, code) : -1;
    return lad >= 0 ? geo_lad_name(rt->geo, (geo_lad_t)lad) : NULL;
}

/* --- whether a provider may take a carer (route_provider_takes) -------- */

/* The rule that decides for one authority (first match), or -1. */
static int s_first_rule(const route_t *rt, geo_lad_t lad, int age, route_src_t source)
{
    for (size_t i = 0; i < rt->nrules; i++)
        if (s_rule_matches(&rt->rules[i], lad, age, source))
            return (int)i;
    return -1;
}

/* The i-th authority looked at: of lads, or (NULL) every listed one and
 * then one the table lacks. */
static geo_lad_t s_lad_at(const route_t *rt, const geo_lad_t *lads, size_t i)
{
    return lads ? lads[i] : i < geo_lad_count(rt->geo) ? (geo_lad_t)i : GEO_UNLISTED;
}

static size_t s_lad_count(const route_t *rt, const geo_lad_t *lads, size_t n)
{
    return lads ? n : geo_lad_count(rt->geo) + 1;
}

/* Whether rule r would take the carer in authority lad, were it first
 * (from any source, when it is not known). */
static bool s_rule_would(const route_rule_t *r, geo_lad_t lad, int age, route_src_t source)
{
    int lo = source ? (int)source : ROUTE_SRC_GP, hi = source ? (int)source : ROUTE_SRC_COUNT - 1;
    for (int s = lo; s <= hi; s++)
        if (s_rule_matches(r, lad, age, (route_src_t)s))
            return true;
    return false;
}

static const char *s_source_words(route_src_t s)
{
    static const char *const words[ROUTE_SRC_COUNT] = {"any source",
                                                       "a GP practice",
                                                       "a hospital discharge",
                                                       "a school",
                                                       "the carer's own referral",
                                                       "another professional"};
    return s >= ROUTE_SRC_ANY && s < ROUTE_SRC_COUNT ? words[s] : "";
}

static void s_age_words(int age, buf_t *why)
{
    if (age < 0)
        buf_adds(why, "this carer's age is not known");
    else
        buf_printf(why, "this carer is %d", age);
}

static void s_lads_words(const route_t *rt, const geo_lad_t *lads, size_t n, buf_t *why)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_adds(why, " or ");
        buf_adds(why, lads[i] == GEO_UNLISTED ? "an authority not in the authority table"
                                              : geo_lad_name(rt->geo, lads[i]));
    }
}

/* Why provider's first rule does not take the carer: the first of its
 * conditions the carer fails, or the earlier rule that decides instead. */
static void s_why_not(const route_t *rt, int provider, int age, route_src_t source,
                      const geo_lad_t *lads, size_t n, buf_t *why)
{
    const char *name = rt->providers[provider].name;
    const route_rule_t *r = NULL;
    int first = -1;

    for (size_t i = 0; i < rt->nrules && !r; i++)
        if (rt->rules[i].provider == provider)
            r = &rt->rules[i];
    if (!r) {
        buf_printf(why, "no routing rule sends carers to %s", name);
        return;
    }
    if (r->age_under >= 0 && (age < 0 || age >= r->age_under)) {
        buf_printf(why, "%s takes carers under %d; ", name, r->age_under);
        s_age_words(age, why);
        return;
    }
    if (r->age_from >= 0 && (age < 0 || age < r->age_from)) {
        buf_printf(why, "%s takes carers aged %d or over; ", name, r->age_from);
        s_age_words(age, why);
        return;
    }
    if (r->sources && source && !(r->sources >> source & 1)) {
        buf_printf(why, "%s does not take referrals from %s (rule %s)", name,
                   s_source_words(source), r->name);
        return;
    }
    for (size_t i = 0; i < s_lad_count(rt, lads, n) && first < 0; i++) {
        geo_lad_t lad = s_lad_at(rt, lads, i);
        if (s_rule_would(r, lad, age, source))
            first = s_first_rule(rt, lad, age, source ? source : ROUTE_SRC_GP);
    }
    if (first < 0 && lads) {
        buf_printf(why, "%s does not take carers in ", name);
        s_lads_words(rt, lads, n, why);
        buf_printf(why, " (rule %s%s%s)", r->name, r->because ? ": " : "",
                   r->because ? r->because : "");
    } else if (first < 0) {
        buf_printf(why, "the routing rules send no carer to %s", name);
    } else {
        const route_rule_t *f = &rt->rules[first];
        buf_printf(why, "%s does not take this carer: rule %s comes first%s%s%s; ", name, f->name,
                   f->because ? " (" : "", f->because ? f->because : "", f->because ? ")" : "");
        s_age_words(age, why);
    }
}

bool route_provider_takes(const route_t *rt, int provider, int age, route_src_t source,
                          const geo_lad_t *lads, size_t n, buf_t *why)
{
    int lo = source ? (int)source : ROUTE_SRC_GP, hi = source ? (int)source : ROUTE_SRC_COUNT - 1;
    CH_ASSERT(provider >= 0 && (size_t)provider < rt->nproviders);
    for (size_t i = 0; i < s_lad_count(rt, lads, n); i++) {
        geo_lad_t lad = s_lad_at(rt, lads, i);
        for (int s = lo; s <= hi; s++) {
            int rule = s_first_rule(rt, lad, age, (route_src_t)s);
            if (rule >= 0 && rt->rules[rule].provider == provider)
                return true;
        }
    }
    if (why)
        s_why_not(rt, provider, age, source, lads, n, why);
    return false;
}
