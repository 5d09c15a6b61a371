/*
 * Where a case passed back (not_ours) or assigned goes: see "A case over
 * time" in DESIGN.md. An organisation passing a case back names the one
 * the carer belongs to, or leaves it to triage. The one it names must be
 * one the routing knows, and one its rules could send this carer to: the
 * young carers service takes no adult, an adult service no young carer,
 * the out-of-area queue no carer in the area. Triage takes anything (it
 * is where what the rules cannot resolve goes).
 *
 * The area of an organisation in the routing's own area is not held
 * against a pass-back: an organisation passes a case on for what it has
 * learnt of the carer that the hub's routing has not (she cares for her
 * father in Colchester; she moved last month), and an address the hub
 * does not have yet is put right by the next referral. Out of area is
 * another matter: signposting is not support, so the out-of-area queue
 * takes only a carer one of whose authorities the rules send there.
 *
 * Triage's assign stays free, age too: DESIGN.md has triage assign a
 * case to any organisation, and triage is the person who settles what the
 * data gets wrong (a date of birth mistyped on the referral, a postcode
 * the tables do not place); the rules refusing them would leave the case
 * with no one.
 */
#include "router_outcome.h"

#include "domain/referral.h"
#include "util/buf.h"
#include "util/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The carer's age on the day of now, or -1 when not known. A case the
 * hub moved to adult services at 18 is an adult's: the move was made on
 * the hub's count of the birthday, which stands. */
static int s_age(const Carerhub__CaseRecord *c, int64_t now)
{
    date_t dob;
    int age;
    if (!c->carer || !c->carer->date_of_birth || date_parse(c->carer->date_of_birth, &dob) < 0)
        return -1;
    age = date_age(dob, date_of_ms(now));
    if (referral_young_carer(age) && c->transfer_why && strcmp(c->transfer_why, "turned_18") == 0)
        age = 18;
    return age;
}

/* Whether the routing's rules could send case c's carer to dest (not
 * triage); if not, refused in res with why. */
static bool s_takes(const router_t *r, const Carerhub__CaseRecord *c, int dest, int64_t now,
                    Carerhub__OutcomeResult *res)
{
    const geo_t *g = route_geo(r->rt);
    geo_lad_t lads[GEO_MAX_CANDIDATES];
    size_t n = 0;
    route_src_t src =
        c->has_opened_source ? referral_route_source(c->opened_source) : ROUTE_SRC_ANY;
    buf_t why = BUF_INIT;
    bool ok;

    /* The carer's own authorities only for the out-of-area queue (see
     * above); none known: any. */
    if (route_provider_signposts(r->rt, dest))
        for (size_t i = 0; i < c->n_candidates && n < GEO_MAX_CANDIDATES; i++) {
            int lad = geo_lad_find(g, c->candidates[i]);
            lads[n++] = lad >= 0 ? (geo_lad_t)lad : GEO_UNLISTED;
        }
    ok = route_provider_takes(r->rt, dest, s_age(c, now), src, n ? lads : NULL, n, &why);
    if (!ok)
        router_outcome_refuse(res, "to", "not_eligible",
                              "%s. Name another organisation, or leave to out for %s to triage",
                              why.data ? why.data : "",
                              route_provider_name(r->rt, route_triage(r->rt)));
    buf_free(&why);
    return ok;
}

bool router_outcome_where(const router_t *r, const char *from, const Carerhub__Outcome *o,
                          outcome_status_t st, const Carerhub__CaseRecord *c, int64_t now,
                          int *dest, char *note, size_t notesz, Carerhub__OutcomeResult *res)
{
    int triage = route_triage(r->rt);
    const char *triage_name = route_provider_name(r->rt, triage);

    *dest = o->to ? route_provider_find(r->rt, o->to) : -1;
    if (o->to && *dest < 0) {
        router_outcome_refuse(res, "to", "unknown",
                              "routing does not know '%s': name one of its providers by its id "
                              "(carerhub config providers lists them)%s",
                              o->to, st == OUTCOME_NOT_OURS ? ", or leave to out for triage" : "");
        return false;
    }
    if (st == OUTCOME_ASSIGN) {
        if (strcmp(o->to, c->provider) == 0) {
            int p = route_provider_find(r->rt, c->provider);
            router_outcome_refuse(res, "to", "same", "the case is with %s already",
                                  route_provider_name(r->rt, p));
            return false;
        }
        snprintf(note, notesz, "the case goes to %s", route_provider_name(r->rt, *dest));
        return true;
    }
    if (o->to && strcmp(o->to, from) == 0) {
        router_outcome_refuse(res, "to", "same",
                              "to names your own organisation: name the one the carer belongs "
                              "to, or leave to out for %s to triage",
                              triage_name);
        return false;
    }
    if (*dest >= 0 && *dest != triage && !s_takes(r, c, *dest, now, res))
        return false;
    if (*dest >= 0) {
        snprintf(note, notesz, "the case goes to %s", route_provider_name(r->rt, *dest));
        return true;
    }
    *dest = triage;
    if (strcmp(c->provider, route_provider_id(r->rt, triage)) == 0) {
        router_outcome_refuse(res, "status", "impossible_step",
                              "the case is with triage already; assign it to an organisation");
        return false;
    }
    snprintf(note, notesz, "the case goes to %s for triage", triage_name);
    return true;
}
