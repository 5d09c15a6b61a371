/*
 * The carer (the ServiceRequest's subject, a Patient), the person cared
 * for (a RelatedPerson of the supportingInfo) and the consent (a Consent
 * of the supportingInfo) to the referral's carer, cared_for and consent.
 * Values are placed as written; referral_check judges them, and its
 * errors are named by FHIRPath (fhir_paths.c). What only FHIR can get
 * wrong (a coding from an unknown system, a reference to the wrong
 * person) is an issue here, at the element's exact path.
 */
#include "fhir/fhir_impl.h"

#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the carer ---------------------------------------------------------- */

/* Address lines and the town, as one line ("1 High Street, Chelmsford"),
 * and the postcode, of the home address (else the first). */
static void s_address(fhir_doc_t *d, json_t *o, const char *path, Carerhub__Carer *c)
{
    json_t *list = fhir_arr(d, o, "address", path), *a, *pick = NULL;
    size_t i, at = 0;
    char p[160];
    buf_t b = BUF_INIT;
    json_array_foreach(list, i, a)
    {
        const char *use = json_string_value(json_object_get(a, "use"));
        if (!json_is_object(a))
            continue;
        if (!pick ||
            (use && strcmp(use, "home") == 0 && !json_string_value(json_object_get(pick, "use")))) {
            pick = a;
            at = i;
        }
    }
    if (!pick)
        return;
    snprintf(p, sizeof p, "%s.address[%zu]", path, at);
    {
        json_t *lines = fhir_arr(d, pick, "line", p), *l;
        json_array_foreach(lines, i, l) if (json_is_string(l) && json_string_length(l))
        {
            if (b.len)
                buf_adds(&b, ", ");
            buf_adds(&b, json_string_value(l));
        }
    }
    {
        const char *town = fhir_str(d, pick, "city", p);
        if (town && *town) {
            if (b.len)
                buf_adds(&b, ", ");
            buf_adds(&b, town);
        }
    }
    if (!b.len) {
        const char *text = fhir_str(d, pick, "text", p);
        if (text)
            buf_adds(&b, text);
    }
    c->address = b.len ? buf_take(&b) : (buf_free(&b), NULL);
    c->postcode = fhir_dup(fhir_str(d, pick, "postalCode", p));
}

/* The language of communication: the preferred one, else the first; its
 * text, else its coding's display, else its code. */
static char *s_language(fhir_doc_t *d, json_t *o, const char *path)
{
    json_t *list = fhir_arr(d, o, "communication", path), *c, *pick = NULL, *lang, *coding;
    size_t i;
    const char *s;
    json_array_foreach(list, i, c) if (json_is_object(c) &&
                                       (!pick || json_is_true(json_object_get(c, "preferred"))))
        pick = c;
    lang = pick ? json_object_get(pick, "language") : NULL;
    if (!json_is_object(lang))
        return NULL;
    if ((s = json_string_value(json_object_get(lang, "text"))) != NULL)
        return xstrdup(s);
    coding = json_array_get(json_object_get(lang, "coding"), 0);
    if ((s = json_string_value(json_object_get(coding, "display"))) != NULL ||
        (s = json_string_value(json_object_get(coding, "code"))) != NULL)
        return xstrdup(s);
    return NULL;
}

void fhir_bind_patient(fhir_bind_t *b)
{
    fhir_doc_t *d = b->d;
    const fhir_res_t *p = b->patient;
    Carerhub__Carer *c;
    json_t *ext;
    char at[160];
    if (!p)
        return;
    fhir_doc_elements(d, p, fhir_el_patient);
    snprintf(b->out->patient, sizeof b->out->patient, "%s", p->path);
    if (fhir_bool(d, p->json, "active", p->path) == 0) {
        snprintf(at, sizeof at, "%s.active", p->path);
        fhir_issue_add(d->is, "value", at,
                       "is false: this Patient record is not in use; refer the carer's current "
                       "record");
    }
    c = xmalloc(sizeof *c);
    carerhub__carer__init(c);
    b->r->carer = c;
    fhir_name(d, p->json, p->path, &c->given_name, &c->family_name, NULL);
    c->date_of_birth = fhir_day(d, p->json, "birthDate", p->path);
    s_address(d, p->json, p->path, c);
    c->phone = fhir_telecom(d, p->json, p->path, "phone");
    c->email = fhir_telecom(d, p->json, p->path, "email");
    c->nhs_number = fhir_dup(fhir_identifier(d, p->json, p->path, FHIR_SYS_NHS, at, sizeof at));
    c->language = s_language(d, p->json, p->path);
    if ((ext = fhir_extension(d, p->json, p->path, FHIR_EXT_PREFERRED_CONTACT, at, sizeof at))) {
        c->preferred_contact = fhir_dup(fhir_str(d, ext, "valueCode", at));
        if (!c->preferred_contact)
            fhir_issue_add(d->is, "required", at, "needs a valueCode: phone, email or post");
    }
}

/* --- the person cared for --------------------------------------------- */

/* HL7 v3 RoleCode's personal relationships, as the referral words them. */
static const char *const s_roles[][2] = {{"MTH", "mother"},
                                         {"FTH", "father"},
                                         {"PRN", "parent"},
                                         {"SON", "son"},
                                         {"DAU", "daughter"},
                                         {"CHILD", "child"},
                                         {"HUSB", "husband"},
                                         {"WIFE", "wife"},
                                         {"SPS", "spouse"},
                                         {"DOMPART", "partner"},
                                         {"SIGOTHR", "partner"},
                                         {"BRO", "brother"},
                                         {"SIS", "sister"},
                                         {"SIB", "sibling"},
                                         {"GRMTH", "grandmother"},
                                         {"GRFTH", "grandfather"},
                                         {"GRPRN", "grandparent"},
                                         {"GRNDSON", "grandson"},
                                         {"GRNDDAU", "granddaughter"},
                                         {"GRNDCHILD", "grandchild"},
                                         {"AUNT", "aunt"},
                                         {"UNCLE", "uncle"},
                                         {"NIECE", "niece"},
                                         {"NEPHEW", "nephew"},
                                         {"COUSN", "cousin"},
                                         {"MTHINLAW", "mother-in-law"},
                                         {"FTHINLAW", "father-in-law"},
                                         {"STPMTH", "stepmother"},
                                         {"STPFTH", "stepfather"},
                                         {"STPSON", "stepson"},
                                         {"STPDAU", "stepdaughter"},
                                         {"FAMMEMB", "family member"},
                                         {"FRND", "friend"},
                                         {"NBOR", "neighbour"},
                                         {NULL, NULL}};

static char *s_relationship(fhir_doc_t *d, json_t *o, const char *path)
{
    json_t *rel = json_array_get(fhir_arr(d, o, "relationship", path), 0), *coding, *c;
    size_t i;
    char at[192];
    const char *s;
    if (!json_is_object(rel))
        return NULL;
    snprintf(at, sizeof at, "%s.relationship[0]", path);
    coding = fhir_arr(d, rel, "coding", at);
    json_array_foreach(coding, i, c)
    {
        const char *code = json_string_value(json_object_get(c, "code"));
        char cat[256];
        if (!json_is_object(c) || !fhir_coding_is(c, FHIR_SYS_ROLE, NULL))
            continue;
        for (size_t k = 0; s_roles[k][0]; k++)
            if (strcmp(code, s_roles[k][0]) == 0)
                return xstrdup(s_roles[k][1]);
        snprintf(cat, sizeof cat, "%s.coding[%zu].code", at, i);
        fhir_issue_add(d->is, "code-invalid", cat,
                       "'%.20s' is not a personal relationship of v3 RoleCode the hub knows "
                       "(MTH, FTH, SON, DAU, HUSB, WIFE, DOMPART, BRO, SIS, FRND ...): give the "
                       "relationship in text instead",
                       code);
        return NULL;
    }
    if ((s = json_string_value(json_object_get(rel, "text"))) != NULL)
        return xstrdup(s);
    c = json_array_get(coding, 0);
    if ((s = json_string_value(json_object_get(c, "display"))) != NULL)
        return xstrdup(s);
    return NULL;
}

/* Each condition-category extension: a Coding of the hub's code system;
 * where the first 8 were found goes to condition_at (when not NULL). */
static void s_conditions(fhir_doc_t *d, const fhir_res_t *rp, Carerhub__CaredFor *cf,
                         uint16_t condition_at[8])
{
    json_t *exts = fhir_arr(d, rp->json, "extension", rp->path), *e;
    size_t i;
    char at[192];
    json_array_foreach(exts, i, e)
    {
        const char *url = json_string_value(json_object_get(e, "url"));
        json_t *v;
        if (!url || strcmp(url, FHIR_EXT_CONDITION) != 0)
            continue;
        snprintf(at, sizeof at, "%s.extension[%zu].valueCoding", rp->path, i);
        v = json_object_get(e, "valueCoding");
        if (!json_is_object(v) || !json_string_value(json_object_get(v, "code"))) {
            fhir_issue_add(d->is, "required", at, "is required: a Coding of " FHIR_CS_CONDITION);
            continue;
        }
        if (!fhir_coding_is(v, FHIR_CS_CONDITION, NULL)) {
            fhir_issue_add(d->is, "code-invalid", at,
                           "must be a code of " FHIR_CS_CONDITION
                           " (physical_disability, long_term_illness, dementia, mental_health, "
                           "learning_disability, substance_misuse, frailty, other)");
            continue;
        }
        if (condition_at && cf->n_conditions < 8)
            condition_at[cf->n_conditions] = (uint16_t)i;
        cf->conditions = xrealloc(cf->conditions, (cf->n_conditions + 1) * sizeof *cf->conditions);
        cf->conditions[cf->n_conditions++] = xstrdup(json_string_value(json_object_get(v, "code")));
    }
}

/* A reference that must point to the carer: absent is left to the caller. */
static void s_to_carer(fhir_bind_t *b, json_t *o, const char *key, const char *path,
                       const char *what)
{
    static const char *const patient[] = {"Patient", NULL};
    char at[160];
    json_t *ref = json_object_get(o, key);
    const fhir_res_t *p;
    snprintf(at, sizeof at, "%s.%s", path, key);
    if (!ref || !b->patient)
        return;
    p = fhir_doc_ref(b->d, ref, at, patient);
    if (p && p->json != b->patient->json)
        fhir_issue_add(b->d->is, "invariant", at,
                       "refers to another Patient than the ServiceRequest's subject: %s", what);
}

/* One person cared for: its RelatedPerson's path into path, where its
 * conditions were found into condition_at. */
static Carerhub__CaredFor *s_related(fhir_bind_t *b, const fhir_res_t *rp, char path[64],
                                     uint16_t condition_at[8])
{
    fhir_doc_t *d = b->d;
    Carerhub__CaredFor *cf;
    char at[160];
    fhir_doc_elements(d, rp, fhir_el_related_person);
    if (path)
        snprintf(path, 64, "%s", rp->path);
    if (fhir_bool(d, rp->json, "active", rp->path) == 0) {
        snprintf(at, sizeof at, "%s.active", rp->path);
        fhir_issue_add(d->is, "value", at, "is false: refer the person cared for as they are now");
    }
    if (!json_object_get(rp->json, "patient")) {
        snprintf(at, sizeof at, "%s.patient", rp->path);
        fhir_issue_add(d->is, "required", at,
                       "is required: the carer (the ServiceRequest's subject) this person is "
                       "related to");
    }
    s_to_carer(b, rp->json, "patient", rp->path, "the person cared for is the carer's relation");
    cf = xmalloc(sizeof *cf);
    carerhub__cared_for__init(cf);
    cf->relationship = s_relationship(d, rp->json, rp->path);
    s_conditions(d, rp, cf, condition_at);
    return cf;
}

void fhir_bind_related(fhir_bind_t *b)
{
    size_t n = b->n_more_related;
    if (!b->related)
        return;
    b->r->cared_for = s_related(b, b->related, b->out->related_person, b->out->condition_at);
    if (!n)
        return;
    b->r->more_cared_for = xcalloc(n, sizeof *b->r->more_cared_for);
    for (size_t i = 0; i < n; i++) {
        bool named = i < FHIR_MORE_CARED_FOR;
        b->r->more_cared_for[b->r->n_more_cared_for++] =
            s_related(b, b->more_related[i], named ? b->out->more_related[i] : NULL,
                      named ? b->out->more_condition_at[i] : NULL);
    }
}

/* --- consent ------------------------------------------------------------ */

/* A provision's purposes of the hub's code system, under its type (or the
 * enclosing one's). */
static void s_provision(fhir_bind_t *b, json_t *pv, const char *path, const char *outer_type,
                        Carerhub__Consent *c)
{
    fhir_doc_t *d = b->d;
    const char *type = fhir_str(d, pv, "type", path);
    json_t *purposes = fhir_arr(d, pv, "purpose", path), *x;
    size_t i;
    char at[192];
    bool bad = false;
    if (!type)
        type = outer_type;
    if (type && strcmp(type, "permit") != 0 && strcmp(type, "deny") != 0) {
        snprintf(at, sizeof at, "%s.type", path);
        fhir_issue_add(d->is, "code-invalid", at, "must be permit or deny");
        type = NULL;
        bad = true; /* said once: its purposes need not say it again */
    }
    json_array_foreach(purposes, i, x)
    {
        bool share = fhir_coding_is(x, FHIR_CS_CONSENT, FHIR_CONSENT_SHARE);
        bool gp = fhir_coding_is(x, FHIR_CS_CONSENT, FHIR_CONSENT_GP_RECORD);
        bool eq = fhir_coding_is(x, FHIR_CS_CONSENT, FHIR_CONSENT_EQUALITY);
        snprintf(at, sizeof at, "%s.purpose[%zu]", path, i);
        if (!share && !gp && !eq) {
            if (fhir_coding_is(x, FHIR_CS_CONSENT, NULL))
                fhir_issue_add(d->is, "code-invalid", at,
                               "is no purpose of " FHIR_CS_CONSENT ": use " FHIR_CONSENT_SHARE
                               ", " FHIR_CONSENT_GP_RECORD " or " FHIR_CONSENT_EQUALITY);
            continue;
        }
        if (!type) {
            if (bad)
                continue;
            snprintf(at, sizeof at, "%s.type", path);
            fhir_issue_add(d->is, "required", at,
                           "is required: permit or deny, for the purpose it names");
            continue;
        }
        if (share) {
            c->has_share_with_support_service = 1;
            c->share_with_support_service = strcmp(type, "permit") == 0;
        } else if (eq) {
            c->has_equality_monitoring = 1;
            c->equality_monitoring = strcmp(type, "permit") == 0;
        } else {
            b->gp_record = strcmp(type, "permit") == 0;
            snprintf(b->gp_record_at, sizeof b->gp_record_at, "%s", at);
        }
    }
}

void fhir_bind_consent(fhir_bind_t *b)
{
    static const char *const who[] = {"Patient", "RelatedPerson", NULL};
    fhir_doc_t *d = b->d;
    const fhir_res_t *cr = b->consent;
    Carerhub__Consent *c;
    const char *status;
    json_t *pv, *perf, *sub;
    size_t i;
    char at[160];
    if (!cr)
        return;
    fhir_doc_elements(d, cr, fhir_el_consent);
    snprintf(b->out->consent, sizeof b->out->consent, "%s", cr->path);
    c = xmalloc(sizeof *c);
    carerhub__consent__init(c);
    b->r->consent = c;
    status = fhir_str(d, cr->json, "status", cr->path);
    snprintf(at, sizeof at, "%s.status", cr->path);
    if (!status)
        fhir_issue_add(d->is, "required", at, "is required: active, for consent in force");
    else if (strcmp(status, "active") != 0)
        fhir_issue_add(d->is, "value", at,
                       "is %.20s: the hub takes a referral only with consent in force (active)",
                       status);
    c->date = fhir_day(d, cr->json, "dateTime", cr->path);
    s_to_carer(b, cr->json, "patient", cr->path, "the consent is about the carer");
    perf = json_array_get(fhir_arr(d, cr->json, "performer", cr->path), 0);
    if (perf) {
        const fhir_res_t *p;
        snprintf(at, sizeof at, "%s.performer[0]", cr->path);
        p = fhir_doc_ref(d, perf, at, who);
        if (p)
            b->consent_by = b->patient && p->json == b->patient->json ? 1 : 2;
    }
    snprintf(at, sizeof at, "%s.provision", cr->path);
    pv = fhir_obj(d, cr->json, "provision", cr->path);
    if (!pv)
        return;
    s_provision(b, pv, at, NULL, c);
    json_array_foreach(fhir_arr(d, pv, "provision", at), i, sub)
    {
        char sat[192];
        snprintf(sat, sizeof sat, "%s.provision[%zu]", at, i);
        if (json_is_object(sub))
            s_provision(b, sub, sat, json_string_value(json_object_get(pv, "type")), c);
    }
}
