/*
 * What differs by referral source and must be the same everywhere it is
 * asked: the source's name, the prefix of the ids its intake gives, the
 * intake program that takes it, the role whose keys submit it, and the
 * referral field that names the referring organisation (which a key's scope
 * must cover). See referral.h. A carer's own referral (self) has no
 * referring organisation: its submitter is the public, through a gateway,
 * which may send and never ask after it. Another professional's referral
 * names its organisation by ODS code when it has one, else by name
 * (professional.organisation_name): that name is then what a key's scope
 * must list.
 */
#include "domain/referral.h"

#include <string.h>

typedef struct {
    Carerhub__Source source;
    const char *name, *id_prefix, *intake, *program, *org_field;
    role_t submitter;
    route_src_t route;
} s_source_t;

static const s_source_t s_sources[] = {
    {CARERHUB__SOURCE__GP, "gp", "GP", "gp-intake", "carerhub-gp-intake", "practice", ROLE_GP,
     ROUTE_SRC_GP},
    {CARERHUB__SOURCE__DISCHARGE, "discharge", "HD", "discharge-intake",
     "carerhub-discharge-intake", "hospital.trust", ROLE_HOSPITAL, ROUTE_SRC_DISCHARGE},
    {CARERHUB__SOURCE__SCHOOL, "school", "SC", "school-intake", "carerhub-school-intake",
     "school.urn", ROLE_SCHOOL, ROUTE_SRC_SCHOOL},
    {CARERHUB__SOURCE__SELF, "self", "SR", "self-intake", "carerhub-self-intake", NULL, ROLE_SELF,
     ROUTE_SRC_SELF},
    {CARERHUB__SOURCE__PROFESSIONAL, "professional", "PR", "professional-intake",
     "carerhub-professional-intake", "professional.organisation", ROLE_PROFESSIONAL,
     ROUTE_SRC_PROFESSIONAL},
};

static const s_source_t *s_find(Carerhub__Source s)
{
    for (size_t i = 0; i < sizeof s_sources / sizeof *s_sources; i++)
        if (s_sources[i].source == s)
            return &s_sources[i];
    return NULL;
}

const char *referral_source_name(Carerhub__Source s)
{
    const s_source_t *d = s_find(s);
    return d ? d->name : "";
}

int referral_source_parse(const char *name, Carerhub__Source *out)
{
    for (size_t i = 0; name && i < sizeof s_sources / sizeof *s_sources; i++)
        if (strcmp(name, s_sources[i].name) == 0) {
            *out = s_sources[i].source;
            return 0;
        }
    return -1;
}

route_src_t referral_route_source(Carerhub__Source s)
{
    const s_source_t *d = s_find(s);
    return d ? d->route : ROUTE_SRC_ANY;
}

const char *referral_id_prefix(Carerhub__Source s)
{
    const s_source_t *d = s_find(s);
    return d ? d->id_prefix : NULL;
}

bool referral_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > REFERRAL_ID_MAX)
        return false;
    for (; *id; id++)
        if (!((*id >= 'A' && *id <= 'Z') || (*id >= 'a' && *id <= 'z') ||
              (*id >= '0' && *id <= '9') || *id == '-'))
            return false;
    return true;
}

bool case_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n < 8 || n > CASE_ID_MAX || id[0] != 'C' || id[1] != '-')
        return false;
    for (id += 2; *id; id++)
        if (*id < '0' || *id > '9')
            return false;
    return true;
}

bool referral_id_of_source(const char *id, Carerhub__Source s)
{
    const char *p = referral_id_prefix(s);
    size_t n = p ? strlen(p) : 0;
    return p && id && strncmp(id, p, n) == 0 && id[n] == '-' && id[n + 1] != '\0';
}

int referral_source_of_id(const char *id, Carerhub__Source *out)
{
    for (size_t i = 0; i < sizeof s_sources / sizeof *s_sources; i++)
        if (referral_id_of_source(id, s_sources[i].source)) {
            *out = s_sources[i].source;
            return 0;
        }
    return -1;
}

const char *referral_intake_name(Carerhub__Source s)
{
    const s_source_t *d = s_find(s);
    return d ? d->intake : NULL;
}

const char *referral_intake_program(Carerhub__Source s)
{
    const s_source_t *d = s_find(s);
    return d ? d->program : NULL;
}

int referral_submitter_role(Carerhub__Source s, role_t *out)
{
    const s_source_t *d = s_find(s);
    if (!d)
        return -1;
    *out = d->submitter;
    return 0;
}

bool role_is_referrer(role_t role)
{
    /* A referrer is an organisation, which may ask after its referrals;
     * the public sends its own and asks after none. */
    for (size_t i = 0; i < sizeof s_sources / sizeof *s_sources; i++)
        if (s_sources[i].submitter == role && s_sources[i].org_field)
            return true;
    return false;
}

bool referral_is_referrers(const participant_t *who, const Carerhub__Referral *ref)
{
    const s_source_t *d = ref && ref->has_source ? s_find(ref->source) : NULL;
    const char *org = ref ? referral_org(ref) : NULL;
    return who && d && who->role == d->submitter && org && participant_in_scope(who, org);
}

const char *referral_org_field(Carerhub__Source s)
{
    const s_source_t *d = s_find(s);
    return d ? d->org_field : NULL;
}

const char *referral_org_field_of(const Carerhub__Referral *r, Carerhub__Source s)
{
    const char *field = referral_org_field(s);
    if (s == CARERHUB__SOURCE__PROFESSIONAL && r->professional && !r->professional->organisation &&
        r->professional->organisation_name)
        return "professional.organisation_name";
    return field;
}

const char *referral_referrer_code(const Carerhub__Referral *r)
{
    const char *org = referral_org(r);
    if (org)
        return org;
    return r->has_source && r->source == CARERHUB__SOURCE__SELF ? "public" : NULL;
}

const char *referral_org(const Carerhub__Referral *r)
{
    if (r->gp)
        return r->gp->practice;
    if (r->discharge && r->discharge->hospital)
        return r->discharge->hospital->trust;
    if (r->school && r->school->school)
        return r->school->school->urn;
    /* An organisation with no ODS code is known by its name. */
    if (r->professional)
        return r->professional->organisation ? r->professional->organisation
                                             : r->professional->organisation_name;
    return NULL;
}
