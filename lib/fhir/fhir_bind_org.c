/*
 * Who refers and from where: the requester (an Organization, or a
 * PractitionerRole with its Practitioner and Organization) to the
 * referral's referrer and organisation code; a discharge's Encounter
 * (expected discharge, the ward as its Location with the site's ODS code,
 * the patient's NHS number, whether the carer was consulted); a school's
 * URN and the pupil's year group. The source follows from these: an
 * Encounter makes a hospital discharge, a requester with a school URN a
 * school referral, one with an ODS code (and no Encounter) a GP referral.
 */
#include "fhir/fhir_impl.h"

#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *s_person_name(fhir_doc_t *d, json_t *o, const char *path)
{
    char *given, *family, *text;
    char *out;
    fhir_name(d, o, path, &given, &family, &text);
    if (text) {
        out = text;
        text = NULL;
    } else if (given && family) {
        out = xasprintf("%s %s", given, family);
    } else {
        out = given ? xstrdup(given) : fhir_dup(family);
    }
    free(given);
    free(family);
    free(text);
    return out;
}

static void s_org(fhir_bind_t *b, const fhir_res_t *org)
{
    char at[160];
    b->org = org;
    fhir_doc_elements(b->d, org, fhir_el_organization);
    snprintf(b->out->organization, sizeof b->out->organization, "%s", org->path);
    b->ods = fhir_identifier(b->d, org->json, org->path, FHIR_SYS_ODS, at, sizeof at);
    b->urn = fhir_identifier(b->d, org->json, org->path, FHIR_SYS_URN, at, sizeof at);
}

/* Referrer of an Organization requester: its first contact, else itself. */
static void s_org_referrer(fhir_bind_t *b, Carerhub__Referrer *rf)
{
    fhir_doc_t *d = b->d;
    const fhir_res_t *org = b->org;
    json_t *contact = json_array_get(fhir_arr(d, org->json, "contact", org->path), 0);
    char at[160];
    if (json_is_object(contact)) {
        json_t *name;
        snprintf(at, sizeof at, "%s.contact[0]", org->path);
        name = fhir_obj(d, contact, "name", at);
        if (name) {
            /* A contact has one name, not a list: read it as a list of one. */
            json_t *one = json_object();
            json_t *list = json_array();
            json_array_append(list, name);
            json_object_set_new(one, "name", list);
            rf->name = s_person_name(d, one, at);
            json_decref(one);
        }
        rf->phone = fhir_telecom(d, contact, at, "phone");
        rf->email = fhir_telecom(d, contact, at, "email");
    }
    if (!rf->name)
        rf->name = fhir_dup(fhir_str(d, org->json, "name", org->path));
    if (!rf->phone)
        rf->phone = fhir_telecom(d, org->json, org->path, "phone");
    if (!rf->email)
        rf->email = fhir_telecom(d, org->json, org->path, "email");
}

void fhir_bind_requester(fhir_bind_t *b)
{
    static const char *const who[] = {"Organization", "PractitionerRole", NULL};
    static const char *const org_t[] = {"Organization", NULL};
    static const char *const prac_t[] = {"Practitioner", NULL};
    fhir_doc_t *d = b->d;
    json_t *ref = json_object_get(d->sr.json, "requester");
    const fhir_res_t *rq;
    Carerhub__Referrer *rf;
    char at[160], rat[96];

    snprintf(rat, sizeof rat, "%s.requester", d->sr.path);
    if (!ref) {
        fhir_issue_add(d->is, "required", rat,
                       "is required: the referring Organization, or a PractitionerRole with "
                       "its organization");
        return;
    }
    rq = fhir_doc_ref(d, ref, rat, who);
    if (!rq)
        return;
    b->requester = rq;
    snprintf(b->out->requester, sizeof b->out->requester, "%s", rq->path);
    rf = xmalloc(sizeof *rf);
    carerhub__referrer__init(rf);
    b->r->referrer = rf;
    if (strcmp(rq->type, "Organization") == 0) {
        s_org(b, rq);
        s_org_referrer(b, rf);
        return;
    }
    fhir_doc_elements(d, rq, fhir_el_practitioner_role);
    snprintf(at, sizeof at, "%s.organization", rq->path);
    if (!json_object_get(rq->json, "organization"))
        fhir_issue_add(d->is, "required", at,
                       "is required: the organisation the practitioner refers for, with its "
                       "ODS code");
    else if ((b->org = fhir_doc_ref(d, json_object_get(rq->json, "organization"), at, org_t)))
        s_org(b, b->org);
    snprintf(at, sizeof at, "%s.practitioner", rq->path);
    b->practitioner = fhir_doc_ref(d, json_object_get(rq->json, "practitioner"), at, prac_t);
    if (b->practitioner) {
        fhir_doc_elements(d, b->practitioner, fhir_el_practitioner);
        snprintf(b->out->practitioner, sizeof b->out->practitioner, "%s", b->practitioner->path);
        rf->name = s_person_name(d, b->practitioner->json, b->practitioner->path);
    }
    rf->phone = fhir_telecom(d, rq->json, rq->path, "phone");
    rf->email = fhir_telecom(d, rq->json, rq->path, "email");
    if (b->practitioner && !rf->phone)
        rf->phone = fhir_telecom(d, b->practitioner->json, b->practitioner->path, "phone");
    if (b->practitioner && !rf->email)
        rf->email = fhir_telecom(d, b->practitioner->json, b->practitioner->path, "email");
}

void fhir_bind_encounter(fhir_bind_t *b)
{
    static const char *const enc_t[] = {"Encounter", NULL};
    static const char *const states[] = {"planned",     "arrived", "triaged",
                                         "in-progress", "onleave", NULL};
    fhir_doc_t *d = b->d;
    const fhir_res_t *e;
    const char *status;
    bool ok = false;
    char at[160];

    snprintf(at, sizeof at, "%s.encounter", d->sr.path);
    e = fhir_doc_ref(d, json_object_get(d->sr.json, "encounter"), at, enc_t);
    if (!e)
        return;
    b->encounter = e;
    fhir_doc_elements(d, e, fhir_el_encounter);
    snprintf(b->out->encounter, sizeof b->out->encounter, "%s", e->path);
    status = fhir_str(d, e->json, "status", e->path);
    for (size_t i = 0; status && states[i]; i++)
        ok = ok || strcmp(status, states[i]) == 0;
    snprintf(at, sizeof at, "%s.status", e->path);
    if (!ok)
        fhir_issue_add(d->is, status ? "value" : "required", at,
                       "must be in-progress (or planned, arrived, triaged, onleave): a "
                       "discharge referral is for a patient still in hospital");
}

static void s_location(fhir_bind_t *b, Carerhub__Hospital *h)
{
    static const char *const loc_t[] = {"Location", NULL};
    fhir_doc_t *d = b->d;
    const fhir_res_t *e = b->encounter;
    json_t *loc = json_array_get(fhir_arr(d, e->json, "location", e->path), 0);
    char at[160];
    snprintf(at, sizeof at, "%s.location[0].location", e->path);
    if (!json_is_object(loc) || !json_object_get(loc, "location")) {
        snprintf(at, sizeof at, "%s.location", e->path);
        fhir_issue_add(d->is, "required", at,
                       "is required: the ward, as a Location with its name and the site's ODS "
                       "code");
        return;
    }
    b->location = fhir_doc_ref(d, json_object_get(loc, "location"), at, loc_t);
    if (!b->location)
        return;
    fhir_doc_elements(d, b->location, fhir_el_location);
    snprintf(b->out->location, sizeof b->out->location, "%s", b->location->path);
    h->ward = fhir_dup(fhir_str(d, b->location->json, "name", b->location->path));
    h->site = fhir_dup(
        fhir_identifier(d, b->location->json, b->location->path, FHIR_SYS_ODS_SITE, at, sizeof at));
}

static void s_discharge(fhir_bind_t *b)
{
    fhir_doc_t *d = b->d;
    const fhir_res_t *e = b->encounter;
    Carerhub__DischargePart *dp = xmalloc(sizeof *dp);
    Carerhub__Hospital *h = xmalloc(sizeof *h);
    Carerhub__Patient *p = xmalloc(sizeof *p);
    json_t *ext, *subject;
    char at[160];
    int v;
    carerhub__discharge_part__init(dp);
    carerhub__hospital__init(h);
    carerhub__patient__init(p);
    dp->hospital = h;
    dp->patient = p;
    b->r->discharge = dp;
    h->trust = fhir_dup(b->ods);
    s_location(b, h);
    subject = fhir_obj(d, e->json, "subject", e->path);
    snprintf(at, sizeof at, "%s.subject", e->path);
    if (subject) {
        /* A logical reference: the patient's NHS number, not a resource
         * (the request's one Patient is the carer). Reference.identifier
         * is one Identifier, not a list. */
        json_t *id = fhir_obj(d, subject, "identifier", at);
        const char *sys;
        snprintf(at, sizeof at, "%s.subject.identifier", e->path);
        sys = id ? fhir_str(d, id, "system", at) : NULL;
        if (sys && strcmp(sys, FHIR_SYS_NHS) == 0)
            p->nhs_number = fhir_dup(fhir_str(d, id, "value", at));
        else if (json_object_get(subject, "reference"))
            fhir_issue_add(d->is, "not-supported", at,
                           "give the patient's NHS number here (system " FHIR_SYS_NHS
                           "), not a reference: the request's one Patient is the carer");
    }
    if ((ext = fhir_extension(d, e->json, e->path, FHIR_EXT_EXPECTED_DISCHARGE, at, sizeof at)))
        p->expected_discharge = fhir_day(d, ext, "valueDate", at);
    if ((ext = fhir_extension(d, e->json, e->path, FHIR_EXT_CARER_CONSULTED, at, sizeof at)) &&
        (v = fhir_bool(d, ext, "valueBoolean", at)) >= 0) {
        dp->has_carer_consulted = 1;
        dp->carer_consulted = v;
    }
}

static void s_school(fhir_bind_t *b)
{
    fhir_doc_t *d = b->d;
    Carerhub__SchoolPart *sp = xmalloc(sizeof *sp);
    Carerhub__School *sc = xmalloc(sizeof *sc);
    json_t *ext, *v;
    char at[160];
    int yes;
    carerhub__school_part__init(sp);
    carerhub__school__init(sc);
    sp->school = sc;
    b->r->school = sp;
    sc->urn = fhir_dup(b->urn);
    if (b->patient && (ext = fhir_extension(d, b->patient->json, b->patient->path,
                                            FHIR_EXT_YEAR_GROUP, at, sizeof at))) {
        v = json_object_get(ext, "valueInteger");
        if (json_is_integer(v) && json_integer_value(v) >= 0 &&
            json_integer_value(v) <= 0xffffffffLL) {
            sc->has_year_group = 1;
            sc->year_group = (uint32_t)json_integer_value(v);
        } else {
            fhir_issue_add(d->is, "value", at,
                           "needs a valueInteger: a year group from 0 (Reception) to 14");
        }
    }
    if ((ext = fhir_extension(d, d->sr.json, d->sr.path, FHIR_EXT_SAFEGUARDING, at, sizeof at)) &&
        (yes = fhir_bool(d, ext, "valueBoolean", at)) >= 0) {
        sp->has_safeguarding_referral_made = 1;
        sp->safeguarding_referral_made = yes;
    }
}

Carerhub__Source fhir_bind_source(fhir_bind_t *b)
{
    fhir_doc_t *d = b->d;
    if (b->encounter && b->urn) {
        fhir_issue_add(d->is, "invariant", b->out->encounter,
                       "a hospital discharge comes from a trust, but the requester is a school "
                       "(it has a URN): send the Encounter only with a hospital's referral");
        return CARERHUB__SOURCE__SOURCE_UNKNOWN;
    }
    if (b->encounter)
        return CARERHUB__SOURCE__DISCHARGE;
    if (b->urn)
        return CARERHUB__SOURCE__SCHOOL;
    if (b->ods)
        return CARERHUB__SOURCE__GP;
    /* No organisation at all has been said already (requester missing,
     * unresolved, or a PractitionerRole without one). */
    if (b->org) {
        char at[160];
        snprintf(at, sizeof at, "%s.identifier", b->org->path);
        fhir_issue_add(d->is, "required", at,
                       "the hub cannot tell whether this is a GP, hospital discharge or school "
                       "referral: give the referring organisation's ODS code (system " FHIR_SYS_ODS
                       "; a GP practice, or a hospital trust with ServiceRequest.encounter) or "
                       "its school URN (system " FHIR_SYS_URN ")");
    }
    return CARERHUB__SOURCE__SOURCE_UNKNOWN;
}

/* An element that belongs to another source's referral. */
static void s_foreign(fhir_doc_t *d, const char *at, const char *what, const char *src)
{
    fhir_issue_add(d->is, "business-rule", at, "%s belongs to a %s referral only; leave it out",
                   what, src);
}

void fhir_bind_part(fhir_bind_t *b, Carerhub__Source src)
{
    fhir_doc_t *d = b->d;
    char at[160];
    bool school = src == CARERHUB__SOURCE__SCHOOL;
    if (b->r->consent && b->consent_by)
        b->r->consent->given_by =
            xstrdup(b->consent_by == 1 ? (school ? "pupil" : "carer")
                                       : (school ? "parent" : "representative"));
    if (src == CARERHUB__SOURCE__GP) {
        Carerhub__GpPart *gp = xmalloc(sizeof *gp);
        carerhub__gp_part__init(gp);
        gp->practice = fhir_dup(b->ods);
        if (b->gp_record >= 0) {
            gp->has_record_carer_on_gp_record = 1;
            gp->record_carer_on_gp_record = b->gp_record;
        }
        b->r->gp = gp;
    } else if (b->gp_record >= 0) {
        s_foreign(d, b->gp_record_at, "consent to record the carer on the GP record", "GP");
    }
    if (src == CARERHUB__SOURCE__DISCHARGE)
        s_discharge(b);
    if (school) {
        s_school(b);
        return;
    }
    if (b->patient &&
        fhir_extension(d, b->patient->json, b->patient->path, FHIR_EXT_YEAR_GROUP, at, sizeof at))
        s_foreign(d, at, "the year group", "school");
    if (fhir_extension(d, d->sr.json, d->sr.path, FHIR_EXT_SAFEGUARDING, at, sizeof at))
        s_foreign(d, at, "whether a safeguarding referral was made", "school");
}
