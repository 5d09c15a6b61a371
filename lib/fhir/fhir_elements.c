/*
 * The elements FHIR R4 (4.0.1) defines at the top level of each resource
 * the hub reads, beside those every resource has (resourceType, id, meta,
 * implicitRules, language; text, contained, extension and
 * modifierExtension of a DomainResource). An element outside these is no
 * R4 element: a reader may not ignore it (it may be a typo of one that
 * matters, or another FHIR version's), so it is refused; R4 elements the
 * hub does not use are ignored, as FHIR lets a reader ignore what it does
 * not use when it is no modifier (modifiers are checked where read).
 */
#include "fhir/fhir_impl.h"

#include <stddef.h>

const char *const fhir_el_service_request[] = {"identifier",
                                               "instantiatesCanonical",
                                               "instantiatesUri",
                                               "basedOn",
                                               "replaces",
                                               "requisition",
                                               "status",
                                               "intent",
                                               "category",
                                               "priority",
                                               "doNotPerform",
                                               "code",
                                               "orderDetail",
                                               "quantityQuantity",
                                               "quantityRatio",
                                               "quantityRange",
                                               "subject",
                                               "encounter",
                                               "occurrenceDateTime",
                                               "occurrencePeriod",
                                               "occurrenceTiming",
                                               "asNeededBoolean",
                                               "asNeededCodeableConcept",
                                               "authoredOn",
                                               "requester",
                                               "performerType",
                                               "performer",
                                               "locationCode",
                                               "locationReference",
                                               "reasonCode",
                                               "reasonReference",
                                               "insurance",
                                               "supportingInfo",
                                               "specimen",
                                               "bodySite",
                                               "note",
                                               "patientInstruction",
                                               "relevantHistory",
                                               NULL};

const char *const fhir_el_patient[] = {"identifier",
                                       "active",
                                       "name",
                                       "telecom",
                                       "gender",
                                       "birthDate",
                                       "deceasedBoolean",
                                       "deceasedDateTime",
                                       "address",
                                       "maritalStatus",
                                       "multipleBirthBoolean",
                                       "multipleBirthInteger",
                                       "photo",
                                       "contact",
                                       "communication",
                                       "generalPractitioner",
                                       "managingOrganization",
                                       "link",
                                       NULL};

const char *const fhir_el_related_person[] = {
    "identifier", "active",  "patient", "relationship", "name",          "telecom", "gender",
    "birthDate",  "address", "photo",   "period",       "communication", NULL};

const char *const fhir_el_consent[] = {
    "identifier", "status",     "scope",        "category",         "patient",
    "dateTime",   "performer",  "organization", "sourceAttachment", "sourceReference",
    "policy",     "policyRule", "verification", "provision",        NULL};

const char *const fhir_el_organization[] = {"identifier", "active",   "type",    "name",
                                            "alias",      "telecom",  "address", "partOf",
                                            "contact",    "endpoint", NULL};

const char *const fhir_el_practitioner_role[] = {"identifier",
                                                 "active",
                                                 "period",
                                                 "practitioner",
                                                 "organization",
                                                 "code",
                                                 "specialty",
                                                 "location",
                                                 "healthcareService",
                                                 "telecom",
                                                 "availableTime",
                                                 "notAvailable",
                                                 "availabilityExceptions",
                                                 "endpoint",
                                                 NULL};

const char *const fhir_el_practitioner[] = {
    "identifier", "active", "name",          "telecom",       "address", "gender",
    "birthDate",  "photo",  "qualification", "communication", NULL};

const char *const fhir_el_encounter[] = {
    "identifier", "status",          "statusHistory", "class",   "classHistory",
    "type",       "serviceType",     "priority",      "subject", "episodeOfCare",
    "basedOn",    "participant",     "appointment",   "period",  "length",
    "reasonCode", "reasonReference", "diagnosis",     "account", "hospitalization",
    "location",   "serviceProvider", "partOf",        NULL};

const char *const fhir_el_location[] = {"identifier",
                                        "status",
                                        "operationalStatus",
                                        "mode",
                                        "name",
                                        "alias",
                                        "description",
                                        "type",
                                        "telecom",
                                        "address",
                                        "physicalType",
                                        "position",
                                        "managingOrganization",
                                        "partOf",
                                        "hoursOfOperation",
                                        "availabilityExceptions",
                                        "endpoint",
                                        NULL};

/* A Bundle is a Resource, not a DomainResource: no text, contained or
 * extensions of its own. */
const char *const fhir_el_bundle[] = {"identifier", "type",  "timestamp", "total",
                                      "link",       "entry", "signature", NULL};

const char *const fhir_el_bundle_entry[] = {
    "id",       "extension", "modifierExtension", "link",     "fullUrl",
    "resource", "search",    "request",           "response", NULL};
