/*
 * What the files of lib/fhir share: the hub's own code systems and
 * extensions, the document read (the ServiceRequest and the resources
 * beside it, contained or in a Bundle, each with its FHIRPath), reference
 * resolution and small readers of FHIR datatypes. README "FHIR interface"
 * is the mapping these implement.
 */
#ifndef CARERHUB_FHIR_IMPL_H
#define CARERHUB_FHIR_IMPL_H

#include "fhir/fhir.h"

#include <jansson.h>

/* The hub's own definitions. The base is a placeholder a deployment keeps:
 * it names the definitions, nothing is fetched from it. */
#define FHIR_HUB               "https://carerhub.example/fhir"
#define FHIR_CS_SERVICE        FHIR_HUB "/CodeSystem/service"
#define FHIR_CARER_SUPPORT     "carer-support"
#define FHIR_CS_CONDITION      FHIR_HUB "/CodeSystem/condition-category"
#define FHIR_CS_CONSENT        FHIR_HUB "/CodeSystem/consent-purpose"
#define FHIR_CONSENT_SHARE     "share-with-support-service"
#define FHIR_CONSENT_GP_RECORD "record-carer-on-gp-record"
#define FHIR_CONSENT_EQUALITY  "equality-monitoring"
/* The codes of what a referral says of the caring are the YAML's words
 * (proto/carerhub.proto lists them), each set under a code system. */
#define FHIR_CS_HOURS               FHIR_HUB "/CodeSystem/hours-per-week"
#define FHIR_CS_ANSWER              FHIR_HUB "/CodeSystem/answer" /* yes, no, not_sure */
#define FHIR_CS_WORK                FHIR_HUB "/CodeSystem/work"
#define FHIR_CS_SEX                 FHIR_HUB "/CodeSystem/sex"
#define FHIR_CS_AGE_BAND            FHIR_HUB "/CodeSystem/age-band"
#define FHIR_CS_ETHNICITY           FHIR_HUB "/CodeSystem/ethnicity"
#define FHIR_CS_DISABILITY          FHIR_HUB "/CodeSystem/disability"
#define FHIR_SD                     FHIR_HUB "/StructureDefinition/"
#define FHIR_EXT_CONDITION          FHIR_SD "condition-category"
#define FHIR_EXT_PREFERRED_CONTACT  FHIR_SD "preferred-contact"
#define FHIR_EXT_YEAR_GROUP         FHIR_SD "year-group"
#define FHIR_EXT_SAFEGUARDING       FHIR_SD "safeguarding-referral-made"
#define FHIR_EXT_EXPECTED_DISCHARGE FHIR_SD "expected-discharge"
#define FHIR_EXT_CARER_CONSULTED    FHIR_SD "carer-consulted"
/* Complex extensions: their parts are extensions named by simple urls. */
#define FHIR_EXT_CARING   FHIR_SD "caring"              /* of the ServiceRequest */
#define FHIR_EXT_IMPACT   FHIR_SD "impact"              /* of the ServiceRequest */
#define FHIR_EXT_REQUESTS FHIR_SD "requests"            /* of the ServiceRequest */
#define FHIR_EXT_EQUALITY FHIR_SD "equality-monitoring" /* of the carer's Patient */
/* NHS England's and UK Core's identifier systems. */
#define FHIR_SYS_NHS      "https://fhir.nhs.uk/Id/nhs-number"
#define FHIR_SYS_ODS      "https://fhir.nhs.uk/Id/ods-organization-code"
#define FHIR_SYS_ODS_SITE "https://fhir.nhs.uk/Id/ods-site-code"
#define FHIR_SYS_URN      "https://fhir.hl7.org.uk/Id/urn-school-number"
#define FHIR_SYS_ROLE     "http://terminology.hl7.org/CodeSystem/v3-RoleCode"

#define FHIR_PATH_MAX 64
#define FHIR_RES_MAX  64 /* resources in one request; more are refused */

/* One resource of the request. */
typedef struct {
    json_t *json;         /* borrowed from the document */
    const char *type;     /* resourceType */
    const char *id;       /* "" if none */
    const char *full_url; /* Bundle entries: fullUrl or ""; contained: "" */
    bool contained;       /* in the ServiceRequest's contained */
    char path[FHIR_PATH_MAX];
} fhir_res_t;

typedef struct {
    json_t *root;
    bool bundle;
    fhir_res_t sr;
    fhir_res_t res[FHIR_RES_MAX];
    size_t nres;
    fhir_issues_t *is;
} fhir_doc_t;

/* --- fhir_json.c: reading within the limits ---------------------------- */

/* Parses body into *root within FHIR_MAX_BYTES, FHIR_MAX_DEPTH and
 * FHIR_MAX_ITEMS, duplicate keys refused. Returns FHIR_OK, or the code
 * with one issue saying why. */
fhir_rc_t fhir_json_load(const char *body, size_t len, json_t **root, fhir_issues_t *is);

/* --- fhir_doc.c: the ServiceRequest and its resources -------------------- */

/* Finds the ServiceRequest (alone or in a Bundle) and the resources
 * beside it. Returns FHIR_OK, FHIR_NOT_FHIR or FHIR_INVALID (issues say
 * why); with FHIR_OK d->sr is set (other problems may be in issues). */
fhir_rc_t fhir_doc_open(fhir_doc_t *d, json_t *root, fhir_issues_t *is);
/* The resource a Reference (ref, the element at path) points to, of one
 * of types (NULL-ended; NULL: any type): "#id" among the ServiceRequest's contained
 * resources (whichever resource holds the reference: contained resources
 * are the ServiceRequest's), else in a Bundle by fullUrl or by type and
 * id. NULL if ref is NULL (the caller says what is missing), or with an
 * issue if it does not resolve or is of another type. */
const fhir_res_t *fhir_doc_ref(fhir_doc_t *d, json_t *ref, const char *path,
                               const char *const *types);
/* The only resource of type in the request, or NULL (none, or several). */
const fhir_res_t *fhir_doc_only(const fhir_doc_t *d, const char *type);
/* Checks a resource's top-level elements against R4's (elements names,
 * NULL-ended): unknown ones are refused (structure), modifierExtension
 * and implicitRules anywhere in it are not supported. */
void fhir_doc_elements(fhir_doc_t *d, const fhir_res_t *r, const char *const *elements);

/* --- fhir_types.c: datatypes ----------------------------------------- */

/* The string at key of o, or NULL (absent); not a string: NULL with an
 * issue at path.key. */
const char *fhir_str(fhir_doc_t *d, json_t *o, const char *key, const char *path);
/* The array at key (absent: an empty one is not made: NULL); an object
 * where an array belongs is an error (FHIR JSON always writes repeating
 * elements as arrays). */
json_t *fhir_arr(fhir_doc_t *d, json_t *o, const char *key, const char *path);
json_t *fhir_obj(fhir_doc_t *d, json_t *o, const char *key, const char *path);
/* A boolean at key: returns 1/0, -1 absent; not a boolean: -1 with an issue. */
int fhir_bool(fhir_doc_t *d, json_t *o, const char *key, const char *path);
/* The value of an identifier of system in o.identifier, or NULL; *at
 * gets its path. */
const char *fhir_identifier(fhir_doc_t *d, json_t *o, const char *path, const char *system,
                            char *at, size_t atsz);
/* The extension of url in o.extension (first), or NULL; *at its path. */
json_t *fhir_extension(fhir_doc_t *d, json_t *o, const char *path, const char *url, char *at,
                       size_t atsz);
/* A HumanName (chosen: official, usual, else the first) as given and family;
 * text alone goes to *text. Each out is a new string or NULL. */
void fhir_name(fhir_doc_t *d, json_t *o, const char *path, char **given, char **family,
               char **text);
/* The first ContactPoint of system (phone, email) in o.telecom: new string
 * or NULL. */
char *fhir_telecom(fhir_doc_t *d, json_t *o, const char *path, const char *system);
/* Whether coding (a Coding object) is system|code. */
bool fhir_coding_is(json_t *coding, const char *system, const char *code);
/* A date of a date or dateTime element: its YYYY-MM-DD part as a new string
 * (a dateTime's day as written), or NULL. */
char *fhir_day(fhir_doc_t *d, json_t *o, const char *key, const char *path);
char *fhir_dup(const char *s);

/* --- fhir_bind*.c --------------------------------------------------- */

typedef struct {
    fhir_doc_t *d;
    fhir_read_t *out;
    Carerhub__Referral *r;
    const fhir_res_t *patient, *related, *consent, *requester, *practitioner, *org, *encounter,
        *location;
    /* Everyone cared for after the first (related), in supportingInfo's
     * order. */
    const fhir_res_t *more_related[FHIR_RES_MAX];
    size_t n_more_related;
    const char *ods, *urn; /* the organisation's ODS code and school URN */
    /* Who gave consent (Consent.performer): 0 no one said, 1 the carer,
     * 2 another person (a representative; a pupil's parent). */
    int consent_by;
    int gp_record; /* the GP record provision: -1 none, 0 deny, 1 permit */
    char gp_record_at[192];
} fhir_bind_t;

void fhir_bind_patient(fhir_bind_t *b);
void fhir_bind_related(fhir_bind_t *b);
void fhir_bind_consent(fhir_bind_t *b);
void fhir_bind_requester(fhir_bind_t *b);
void fhir_bind_encounter(fhir_bind_t *b);
/* What the referral says of the caring (fhir_bind_caring.c): caring,
 * impact and requests from the ServiceRequest's extensions, equality
 * from the Patient's. */
void fhir_bind_caring(fhir_bind_t *b);
/* Says which source the request is for, from what was found; returns
 * CARERHUB__SOURCE__SOURCE_UNKNOWN with an issue when it cannot tell. */
Carerhub__Source fhir_bind_source(fhir_bind_t *b);
/* Fills the source's own part. */
void fhir_bind_part(fhir_bind_t *b, Carerhub__Source src);

/* Element lists of R4 resources (fhir_elements.c). */
extern const char *const fhir_el_service_request[],
    *const fhir_el_patient[], *const fhir_el_related_person[],
                                  *const fhir_el_consent[],
                                      *const fhir_el_organization[],
                                          *const fhir_el_practitioner_role[],
                                              *const fhir_el_practitioner[],
                                                  *const fhir_el_encounter[],
                                                      *const fhir_el_location[],
                                                          *const fhir_el_bundle[],
                                                              *const fhir_el_bundle_entry[];

#endif
