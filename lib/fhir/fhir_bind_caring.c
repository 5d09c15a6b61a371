/*
 * What a referral says of the caring, read from the hub's complex
 * extensions: caring, impact and requests on the ServiceRequest (they are
 * about the referral), the equality monitoring answers on the carer's
 * Patient (they are about the carer). Each extension's parts are
 * extensions of their own with simple urls (hoursPerWeek, livesWith ...),
 * one table per extension below; a part the hub does not know is refused,
 * since a misspelt one would be lost unseen. Codes are the YAML's words
 * under the hub's code systems, and referral_check judges them as it
 * judges a YAML referral's; this file checks only the FHIR of them.
 * Equality answers are never repeated in a message.
 */
#include "fhir/fhir_impl.h"

#include "util/mem.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

typedef enum { S_CODE, S_BOOL, S_UINT } s_kind_t;

/* One part of a complex extension, and where in its message it goes: a
 * string (S_CODE), or a value with its has_ flag. */
typedef struct {
    const char *url;
    s_kind_t kind;
    const char *system; /* S_CODE: the code system */
    size_t off, has_off;
} s_part_t;

#define S_STR(T, url, sys, f)                                                                      \
    {                                                                                              \
        url, S_CODE, sys, offsetof(T, f), 0                                                        \
    }
#define S_VAL(T, url, k, f)                                                                        \
    {                                                                                              \
        url, k, NULL, offsetof(T, f), offsetof(T, has_##f)                                         \
    }

static const s_part_t s_caring[] = {
    S_STR(Carerhub__Caring, "hoursPerWeek", FHIR_CS_HOURS, hours_per_week),
    S_VAL(Carerhub__Caring, "years", S_UINT, years),
    S_VAL(Carerhub__Caring, "livesWith", S_BOOL, lives_with),
    S_STR(Carerhub__Caring, "ableToContinue", FHIR_CS_ANSWER, able_to_continue),
    {NULL, 0, NULL, 0, 0}};

static const s_part_t s_impact[] = {
    S_STR(Carerhub__Impact, "work", FHIR_CS_WORK, work),
    S_STR(Carerhub__Impact, "education", FHIR_CS_ANSWER, education),
    S_STR(Carerhub__Impact, "ownHealth", FHIR_CS_ANSWER, own_health),
    {NULL, 0, NULL, 0, 0}};

static const s_part_t s_requests[] = {
    S_VAL(Carerhub__Requests, "carersAssessment", S_BOOL, carers_assessment),
    S_STR(Carerhub__Requests, "councilKnows", FHIR_CS_ANSWER, council_knows),
    S_VAL(Carerhub__Requests, "emergencyPlan", S_BOOL, emergency_plan),
    S_VAL(Carerhub__Requests, "benefitsCheck", S_BOOL, benefits_check),
    S_VAL(Carerhub__Requests, "carersCard", S_BOOL, carers_card),
    {NULL, 0, NULL, 0, 0}};

static const s_part_t s_equality[] = {
    S_STR(Carerhub__Equality, "sex", FHIR_CS_SEX, sex),
    S_STR(Carerhub__Equality, "ageBand", FHIR_CS_AGE_BAND, age_band),
    S_STR(Carerhub__Equality, "ethnicity", FHIR_CS_ETHNICITY, ethnicity),
    S_STR(Carerhub__Equality, "disability", FHIR_CS_DISABILITY, disability),
    {NULL, 0, NULL, 0, 0}};

/* The parts' urls, for a message: "hoursPerWeek, years, livesWith". */
static void s_names(const s_part_t *parts, char *out, size_t outsz)
{
    *out = '\0';
    for (size_t i = 0; parts[i].url; i++)
        snprintf(out + strlen(out), outsz - strlen(out), "%s%s", i ? ", " : "", parts[i].url);
}

/* The extension of url in res's extension; a second one is refused. */
static json_t *s_once(fhir_doc_t *d, const fhir_res_t *res, const char *url, char *at, size_t atsz)
{
    json_t *exts = fhir_arr(d, res->json, "extension", res->path), *e, *found = NULL;
    size_t i;
    json_array_foreach(exts, i, e)
    {
        const char *u = json_is_object(e) ? json_string_value(json_object_get(e, "url")) : NULL;
        if (!u || strcmp(u, url) != 0)
            continue;
        if (!found) {
            found = e;
            snprintf(at, atsz, "%s.extension[%zu]", res->path, i);
        } else {
            char again[160];
            snprintf(again, sizeof again, "%s.extension[%zu]", res->path, i);
            fhir_issue_add(d->is, "business-rule", again,
                           "is a second %s extension: give its parts in one", url);
        }
    }
    return found;
}

/* One part's value into m. */
static void s_value(fhir_doc_t *d, json_t *e, const char *at, const s_part_t *p, void *m)
{
    char *base = m, vat[224];
    json_t *v;
    switch (p->kind) {
    case S_CODE:
        snprintf(vat, sizeof vat, "%s.valueCoding", at);
        v = json_object_get(e, "valueCoding");
        if (!json_is_object(v) || !json_string_value(json_object_get(v, "code")))
            fhir_issue_add(d->is, "required", vat, "is required: a Coding of %s", p->system);
        else if (!fhir_coding_is(v, p->system, NULL))
            /* The code is not repeated: it may be an equality answer. */
            fhir_issue_add(d->is, "code-invalid", vat, "must be a code of %s", p->system);
        else
            *(char **)(base + p->off) = xstrdup(json_string_value(json_object_get(v, "code")));
        return;
    case S_BOOL:
        snprintf(vat, sizeof vat, "%s.valueBoolean", at);
        v = json_object_get(e, "valueBoolean");
        if (!json_is_boolean(v)) {
            fhir_issue_add(d->is, v ? "structure" : "required", vat,
                           "needs true or false (a JSON boolean)");
            return;
        }
        *(protobuf_c_boolean *)(base + p->off) = json_is_true(v);
        break;
    case S_UINT:
        snprintf(vat, sizeof vat, "%s.valueUnsignedInt", at);
        v = json_object_get(e, "valueUnsignedInt");
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > 0xffffffffLL) {
            fhir_issue_add(d->is, v ? "value" : "required", vat,
                           "needs a whole number of years (0 for under one)");
            return;
        }
        *(uint32_t *)(base + p->off) = (uint32_t)json_integer_value(v);
        break;
    }
    *(protobuf_c_boolean *)(base + p->has_off) = 1;
}

/* A complex extension's parts into m (a message of parts' type). */
static void s_complex(fhir_doc_t *d, json_t *ext, const char *at, const char *what,
                      const s_part_t *parts, void *m)
{
    json_t *subs, *e;
    const char *key;
    size_t i;
    bool seen[8] = {false};
    char names[120], sat[192];
    s_names(parts, names, sizeof names);
    json_object_foreach(ext, key, e) if (strncmp(key, "value", 5) == 0)
    {
        snprintf(sat, sizeof sat, "%s.%s", at, key);
        fhir_issue_add(d->is, "structure", sat,
                       "is not allowed: %s is a complex extension, its parts (%s) are "
                       "extensions in its extension",
                       what, names);
    }
    subs = fhir_arr(d, ext, "extension", at);
    if (!json_array_size(subs)) {
        fhir_issue_add(d->is, "required", at,
                       "has no parts: give at least one of %s in its extension, or leave it out",
                       names);
        return;
    }
    json_array_foreach(subs, i, e)
    {
        const char *url;
        size_t k;
        snprintf(sat, sizeof sat, "%s.extension[%zu]", at, i);
        url = json_is_object(e) ? fhir_str(d, e, "url", sat) : NULL;
        for (k = 0; url && parts[k].url && strcmp(parts[k].url, url) != 0; k++)
            ;
        if (!url || !parts[k].url) {
            fhir_issue_add(d->is, "structure", sat, "is no part of %s: its parts are %s", what,
                           names);
            continue;
        }
        if (seen[k]) {
            fhir_issue_add(d->is, "business-rule", sat, "gives %s a second time: give it once",
                           url);
            continue;
        }
        seen[k] = true;
        s_value(d, e, sat, &parts[k], m);
    }
}

void fhir_bind_caring(fhir_bind_t *b)
{
    fhir_doc_t *d = b->d;
    Carerhub__Referral *r = b->r;
    json_t *ext;
    char at[160];
    if ((ext = s_once(d, &d->sr, FHIR_EXT_CARING, at, sizeof at))) {
        r->caring = xmalloc(sizeof *r->caring);
        carerhub__caring__init(r->caring);
        s_complex(d, ext, at, "caring", s_caring, r->caring);
    }
    if ((ext = s_once(d, &d->sr, FHIR_EXT_IMPACT, at, sizeof at))) {
        r->impact = xmalloc(sizeof *r->impact);
        carerhub__impact__init(r->impact);
        s_complex(d, ext, at, "impact", s_impact, r->impact);
    }
    if ((ext = s_once(d, &d->sr, FHIR_EXT_REQUESTS, at, sizeof at))) {
        r->requests = xmalloc(sizeof *r->requests);
        carerhub__requests__init(r->requests);
        s_complex(d, ext, at, "requests", s_requests, r->requests);
    }
    /* Read whatever the consent says: referral_check refuses the answers
     * without it, and a refused request hands out no referral. */
    if (b->patient && (ext = s_once(d, b->patient, FHIR_EXT_EQUALITY, at, sizeof at))) {
        r->equality = xmalloc(sizeof *r->equality);
        carerhub__equality__init(r->equality);
        s_complex(d, ext, at, "equality-monitoring", s_equality, r->equality);
    }
}
