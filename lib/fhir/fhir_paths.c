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
/* A part of one of the hub's complex extensions, and its value. */
#define S_PART(url, part, value) S_EXT(url) S_EXT(part) "." value
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
    {"caring.hours_per_week", S_SR, S_PART(FHIR_EXT_CARING, "hoursPerWeek", "valueCoding"),
     "The hours of care a week"},
    {"caring.years", S_SR, S_PART(FHIR_EXT_CARING, "years", "valueUnsignedInt"),
     "The years of caring"},
    {"caring.lives_with", S_SR, S_PART(FHIR_EXT_CARING, "livesWith", "valueBoolean"),
     "Whether the carer lives with the person cared for"},
    {"caring.able_to_continue", S_SR, S_PART(FHIR_EXT_CARING, "ableToContinue", "valueCoding"),
     "Whether the carer feels able to go on caring"},
    {"impact.work", S_SR, S_PART(FHIR_EXT_IMPACT, "work", "valueCoding"), "The impact on work"},
    {"impact.education", S_SR, S_PART(FHIR_EXT_IMPACT, "education", "valueCoding"),
     "The impact on school or college"},
    {"impact.own_health", S_SR, S_PART(FHIR_EXT_IMPACT, "ownHealth", "valueCoding"),
     "The impact on the carer's own health"},
    {"requests.carers_assessment", S_SR,
     S_PART(FHIR_EXT_REQUESTS, "carersAssessment", "valueBoolean"),
     "The request for a carer's assessment"},
    {"requests.council_knows", S_SR, S_PART(FHIR_EXT_REQUESTS, "councilKnows", "valueCoding"),
     "Whether the council knows the carer"},
    {"requests.emergency_plan", S_SR, S_PART(FHIR_EXT_REQUESTS, "emergencyPlan", "valueBoolean"),
     "The request for an emergency plan"},
    {"requests.benefits_check", S_SR, S_PART(FHIR_EXT_REQUESTS, "benefitsCheck", "valueBoolean"),
     "The request for a benefits check"},
    {"requests.carers_card", S_SR, S_PART(FHIR_EXT_REQUESTS, "carersCard", "valueBoolean"),
     "The request for a carers card"},
    {"equality", S_PATIENT, S_EXT(FHIR_EXT_EQUALITY), "The equality monitoring answers"},
    {"equality.sex", S_PATIENT, S_PART(FHIR_EXT_EQUALITY, "sex", "valueCoding"), "The carer's sex"},
    {"equality.age_band", S_PATIENT, S_PART(FHIR_EXT_EQUALITY, "ageBand", "valueCoding"),
     "The carer's age band"},
    {"equality.ethnicity", S_PATIENT, S_PART(FHIR_EXT_EQUALITY, "ethnicity", "valueCoding"),
     "The carer's ethnic group"},
    {"equality.disability", S_PATIENT, S_PART(FHIR_EXT_EQUALITY, "disability", "valueCoding"),
     "Whether the carer is disabled"},
    {"consent", S_SR, ".supportingInfo", "The consent"},
    {"consent.share_with_support_service", S_CONSENT, ".provision",
     "Consent to share with the support service"},
    {"consent.given_by", S_CONSENT, ".performer", "Who gave consent"},
    {"consent.date", S_CONSENT, ".dateTime", "The date of consent"},
    {"consent.equality_monitoring", S_CONSENT, ".provision",
     "Consent to the equality monitoring questions"},
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

/* Problems referral_check words for a YAML referral, in the words of a
 * FHIR request instead. */
static const struct {
    const char *field, *code, *message;
} s_say[] = {
    {"cared_for", "too_long",
     "The people cared for: name at most 6 RelatedPersons in supportingInfo, those the carer "
     "cares for most"},
    {"equality", "consent",
     "The equality monitoring answers need the carer's consent to the equality monitoring "
     "questions: if they agreed to answer them, add a Consent provision of type permit with "
     "purpose " FHIR_CONSENT_EQUALITY " (" FHIR_CS_CONSENT "); else leave the extension out"},
    {NULL, NULL, NULL}};

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

/* A field as referral_check names it, without its indices: "cared_for[2]
 * .conditions[3]" is the map's "cared_for.conditions", person 2 (0 when
 * the field names none), item 3 (the last index; 0 when none). */
static const s_map_t *s_find(const char *field, long *person, long *item)
{
    char key[64];
    size_t n = 0;
    *person = *item = 0;
    for (const char *f = field; *f && n + 1 < sizeof key;) {
        long v;
        int used;
        if (*f == '[' && sscanf(f, "[%ld]%n", &v, &used) == 1) {
            if (!*person && strncmp(field, "cared_for[", 10) == 0 && f == field + 9)
                *person = v;
            else
                *item = v;
            f += used;
        } else {
            key[n++] = *f++;
        }
    }
    key[n] = '\0';
    for (size_t i = 0; s_map[i].field; i++)
        if (strcmp(key, s_map[i].field) == 0)
            return &s_map[i];
    return NULL;
}

/* The RelatedPerson of a person cared for (1 the first, 0 the only one)
 * and where its conditions are, or "" when the request has none. */
static const char *s_person(const fhir_read_t *r, long person, const uint16_t **condition_at)
{
    *condition_at = r->condition_at;
    if (person <= 1)
        return r->related_person;
    if (person - 2 >= FHIR_MORE_CARED_FOR)
        return "";
    *condition_at = r->more_condition_at[person - 2];
    return r->more_related[person - 2];
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
        long person, item;
        const s_map_t *m = s_find(e->field, &person, &item);
        const char *tail = m ? m->path : "", *base, *rp = "", *say = NULL;
        const uint16_t *cond_at = NULL;
        const char *label = m ? m->label : "The referral";
        char buf[160], expr[320], msg[512];
        bool verb = strncmp(e->message, "is ", 3) == 0 || strncmp(e->message, "must ", 5) == 0 ||
                    strncmp(e->message, "has ", 4) == 0 || strncmp(e->message, "lists ", 6) == 0;
        if (m && m->slot == S_RELATED)
            rp = s_person(r, person, &cond_at);
        if (m && m->slot == S_RELATED) {
            /* The person's own RelatedPerson, else where it is named. */
            if (!*rp) {
                snprintf(buf, sizeof buf, "%s.supportingInfo",
                         *r->service_request ? r->service_request : "ServiceRequest");
                rp = "", tail = "";
            }
            base = *rp ? rp : buf;
        } else {
            base = s_slot(r, m ? m->slot : S_SR, &tail, buf, sizeof buf);
        }
        if (m && m->slot == S_RELATED && item > 0 && item <= 8 && *rp)
            /* A condition is at its own extension, wherever the other
             * extensions (and the conditions refused already) are. */
            snprintf(expr, sizeof expr, "%s.extension[%u].valueCoding", base,
                     (unsigned)cond_at[item - 1]);
        else if (item > 0 && *tail)
            snprintf(expr, sizeof expr, "%s%s[%ld]", base, tail, item - 1);
        else
            snprintf(expr, sizeof expr, "%s%s", base, tail);
        for (size_t k = 0; s_say[k].field; k++)
            if (strcmp(e->field, s_say[k].field) == 0 && strcmp(e->code, s_say[k].code) == 0)
                say = s_say[k].message;
        if (say)
            snprintf(msg, sizeof msg, "%s", say);
        else if (!m)
            snprintf(msg, sizeof msg, "%s (%s) %s", label, e->field, e->message);
        else
            snprintf(msg, sizeof msg, "%s%s%s", label, verb ? " " : ": ", e->message);
        if (!s_said(is, expr, msg))
            fhir_issue_add(is, s_fhir_code(e->code), expr, "%s", msg);
    }
}
