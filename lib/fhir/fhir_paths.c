/*
 * Referral fields to the FHIRPath that carries them in the request read
 * (README "FHIR interface" is this table in words). A field's element
 * sits in the resource the request put it in (contained, or a Bundle
 * entry); when that resource is missing, the error names the element of
 * the ServiceRequest that should refer to it.
 */
#include "fhir/fhir_impl.h"

#include <stdio.h>
#include <string.h>

enum { S_SR, S_PATIENT, S_RELATED, S_CONSENT, S_CONTACT, S_ORG, S_ENCOUNTER, S_LOCATION };

typedef struct {
    const char *field; /* as referral_check names it */
    int slot;          /* the resource carrying it */
    const char *path;  /* FHIRPath from that resource */
    const char *label; /* for a person: what it is */
} s_map_t;

#define S_WHERE(sys) ".identifier.where(system='" sys "')"
#define S_EXT(url)   ".extension.where(url='" url "')"
static const s_map_t s_map[] = {
    {"referrer", S_SR, ".requester", "The referrer"},
    {"referrer.name", S_CONTACT, ".name", "The referrer's name"},
    {"referrer.phone", S_CONTACT, ".telecom", "The referrer's phone number"},
    {"referrer.email", S_CONTACT, ".telecom", "The referrer's email address"},
    {"carer", S_SR, ".subject", "The carer"},
    {"carer.given_name", S_PATIENT, ".name.given", "The carer's given name"},
    {"carer.family_name", S_PATIENT, ".name.family", "The carer's family name"},
    {"carer.date_of_birth", S_PATIENT, ".birthDate", "The carer's date of birth"},
    {"carer.postcode", S_PATIENT, ".address.postalCode", "The carer's postcode"},
    {"carer.address", S_PATIENT, ".address.line", "The carer's address"},
    {"carer.phone", S_PATIENT, ".telecom", "The carer's phone number"},
    {"carer.email", S_PATIENT, ".telecom", "The carer's email address"},
    {"carer.language", S_PATIENT, ".communication.language", "The carer's language"},
    {"carer.nhs_number", S_PATIENT, S_WHERE(FHIR_SYS_NHS) ".value", "The carer's NHS number"},
    {"carer.preferred_contact", S_PATIENT, S_EXT(FHIR_EXT_PREFERRED_CONTACT),
     "The carer's preferred contact"},
    {"cared_for", S_SR, ".supportingInfo", "The person cared for"},
    {"cared_for.relationship", S_RELATED, ".relationship",
     "The relationship of the person cared for"},
    {"cared_for.conditions", S_RELATED, S_EXT(FHIR_EXT_CONDITION), "The conditions"},
    {"consent", S_SR, ".supportingInfo", "The consent"},
    {"consent.share_with_support_service", S_CONSENT, ".provision",
     "Consent to share with the support service"},
    {"consent.given_by", S_CONSENT, ".performer", "Who gave consent"},
    {"consent.date", S_CONSENT, ".dateTime", "The date of consent"},
    {"practice", S_ORG, S_WHERE(FHIR_SYS_ODS) ".value", "The practice's ODS code"},
    {"record_carer_on_gp_record", S_CONSENT, ".provision",
     "Consent to record the carer on the GP record"},
    {"hospital", S_SR, ".encounter", "The hospital"},
    {"hospital.trust", S_ORG, S_WHERE(FHIR_SYS_ODS) ".value", "The trust's ODS code"},
    {"hospital.site", S_LOCATION, S_WHERE(FHIR_SYS_ODS_SITE) ".value", "The site's ODS code"},
    {"hospital.ward", S_LOCATION, ".name", "The ward"},
    {"patient", S_SR, ".encounter", "The patient"},
    {"patient.nhs_number", S_ENCOUNTER, ".subject.identifier.value", "The patient's NHS number"},
    {"patient.expected_discharge", S_ENCOUNTER, S_EXT(FHIR_EXT_EXPECTED_DISCHARGE),
     "The expected discharge date"},
    {"carer_consulted", S_ENCOUNTER, S_EXT(FHIR_EXT_CARER_CONSULTED),
     "Whether the carer was consulted"},
    {"school", S_SR, ".requester", "The school"},
    {"school.urn", S_ORG, S_WHERE(FHIR_SYS_URN) ".value", "The school's URN"},
    {"school.year_group", S_PATIENT, S_EXT(FHIR_EXT_YEAR_GROUP), "The pupil's year group"},
    {"safeguarding_referral_made", S_SR, S_EXT(FHIR_EXT_SAFEGUARDING),
     "Whether a safeguarding referral was made"},
    {NULL, 0, NULL, NULL}};

/* The resource of a slot, else the ServiceRequest element that refers to
 * it (in *tail when the resource is missing: the map's path is then
 * dropped). */
static const char *s_slot(const fhir_read_t *r, int slot, const char **tail, char *buf,
                          size_t bufsz)
{
    const char *sr = *r->service_request ? r->service_request : "ServiceRequest";
    const char *res = "", *ref = "";
    switch (slot) {
    case S_PATIENT:
        res = r->patient, ref = ".subject";
        break;
    case S_RELATED:
        res = r->related_person, ref = ".supportingInfo";
        break;
    case S_CONSENT:
        res = r->consent, ref = ".supportingInfo";
        break;
    case S_CONTACT:
        /* A PractitionerRole's practitioner names the referrer and the
         * role has the telecom; an Organization's contact does both. */
        ref = ".requester";
        if (*r->practitioner && *tail && strcmp(*tail, ".name") == 0)
            res = r->practitioner;
        else if (*r->practitioner || !*r->requester)
            res = r->requester;
        else if (*tail) {
            /* The referrer is the Organization's first contact. */
            snprintf(buf, bufsz, "%s.contact[0]%s", r->requester, *tail);
            *tail = "";
            return buf;
        }
        break;
    case S_ORG:
        res = *r->organization ? r->organization : r->requester, ref = ".requester";
        break;
    case S_ENCOUNTER:
        res = r->encounter, ref = ".encounter";
        break;
    case S_LOCATION:
        res = *r->location ? r->location : r->encounter;
        ref = ".encounter";
        if (!*r->location && *r->encounter) {
            snprintf(buf, bufsz, "%s.location", r->encounter);
            *tail = "";
            return buf;
        }
        break;
    default:
        return sr;
    }
    if (*res)
        return res;
    snprintf(buf, bufsz, "%s%s", sr, ref);
    *tail = "";
    return buf;
}

/* "cared_for.conditions[2]" is the map's "cared_for.conditions", item 2. */
static const s_map_t *s_find(const char *field, long *item)
{
    size_t n = strcspn(field, "[");
    *item = 0;
    if (field[n] == '[')
        sscanf(field + n, "[%ld]", item);
    for (size_t i = 0; s_map[i].field; i++)
        if (strlen(s_map[i].field) == n && strncmp(field, s_map[i].field, n) == 0)
            return &s_map[i];
    return NULL;
}

/* Whether an issue says exactly this already. Only exact repeats are
 * dropped: fields that share a path (a Patient's phone and email are both
 * at .telecom) each have their own problem, and the referrer must hear of
 * every one at once. */
static bool s_said(const fhir_issues_t *is, const char *expr, const char *message)
{
    for (size_t i = 0; i < is->n; i++) {
        const char *x = is->v[i].expression;
        if (x && strcmp(x, expr) == 0 && strcmp(is->v[i].message, message) == 0)
            return true;
    }
    return false;
}

static const char *s_fhir_code(const char *code)
{
    if (strcmp(code, "required") == 0)
        return "required";
    if (strcmp(code, "unknown_field") == 0 || strcmp(code, "wrong_source") == 0)
        return "structure";
    if (strcmp(code, "too_long") == 0)
        return "too-long";
    if (strcmp(code, "duplicate") == 0)
        return "duplicate";
    if (strcmp(code, "consent") == 0)
        return "business-rule";
    if (strcmp(code, "forbidden") == 0)
        return "forbidden";
    return "value";
}

void fhir_issues_from_ferrs(const fhir_read_t *r, const ferrs_t *errs, fhir_issues_t *is)
{
    for (size_t i = 0; i < errs->n; i++) {
        const ferr_t *e = &errs->v[i];
        long item;
        const s_map_t *m = s_find(e->field, &item);
        const char *tail = m ? m->path : "";
        char buf[160], expr[320], msg[512];
        const char *base = s_slot(r, m ? m->slot : S_SR, &tail, buf, sizeof buf);
        const char *label = m ? m->label : "The referral";
        bool verb = strncmp(e->message, "is ", 3) == 0 || strncmp(e->message, "must ", 5) == 0 ||
                    strncmp(e->message, "has ", 4) == 0 || strncmp(e->message, "lists ", 6) == 0;
        if (m && m->slot == S_RELATED && item > 0 && item <= 8 && *tail && *r->related_person)
            /* A condition is at its own extension, wherever the other
             * extensions (and the conditions refused already) are. */
            snprintf(expr, sizeof expr, "%s.extension[%u].valueCoding", base,
                     (unsigned)r->condition_at[item - 1]);
        else if (item > 0 && *tail)
            snprintf(expr, sizeof expr, "%s%s[%ld]", base, tail, item - 1);
        else
            snprintf(expr, sizeof expr, "%s%s", base, tail);
        if (!m)
            snprintf(msg, sizeof msg, "%s (%s) %s", label, e->field, e->message);
        else
            snprintf(msg, sizeof msg, "%s%s%s", label, verb ? " " : ": ", e->message);
        if (!s_said(is, expr, msg))
            fhir_issue_add(is, s_fhir_code(e->code), expr, "%s", msg);
    }
}
