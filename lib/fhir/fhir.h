/*
 * The hub's FHIR R4 interface, in the manner of NHS England's Booking and
 * Referral Standard (BaRS): a referral for support for an unpaid carer
 * arrives as a ServiceRequest, with the carer as a Patient, the person
 * cared for as a RelatedPerson, the consent as a Consent and the requester
 * as an Organization or PractitionerRole, contained in the ServiceRequest
 * or beside it in a Bundle. README "FHIR interface" says which FHIR path
 * carries which referral field.
 *
 * This module only translates: JSON (read with jansson, within limits) to a
 * Referral with every problem found, each named by the FHIRPath of its
 * element; and the hub's answers to FHIR resources (OperationOutcome, the
 * referral's ServiceRequest as its referrer sees it, CapabilityStatement).
 * carerhub-web serves it (web_fhir*.c) and the intakes judge the referral
 * as they judge any other.
 */
#ifndef CARERHUB_FHIR_H
#define CARERHUB_FHIR_H

#include "carerhub.pb-c.h"
#include "domain/referral.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on a request body, checked before and while it is read. */
#define FHIR_MAX_BYTES  (256u * 1024) /* larger: 413 */
#define FHIR_MAX_DEPTH  16            /* nesting of objects and arrays */
#define FHIR_MAX_ITEMS  2000          /* values of all kinds in the document */
#define FHIR_MAX_ISSUES 100           /* more are counted into one last issue */
/* People cared for after the first whose elements are named by path (as
 * many as referral_check judges: six people in all). */
#define FHIR_MORE_CARED_FOR 5

/* One problem, as an OperationOutcome issue: severity error, code one of
 * FHIR's IssueType codes (structure, required, value, invariant,
 * code-invalid, not-supported, too-costly, duplicate, security, ...),
 * expression the FHIRPath of the element (e.g.
 * "ServiceRequest.contained[0].birthDate"; NULL for the whole resource),
 * message a sentence a person at the referring organisation can act on. */
typedef struct {
    char *code;
    char *expression;
    char *message;
} fhir_issue_t;

typedef struct {
    fhir_issue_t *v;
    size_t n, cap;
} fhir_issues_t;

#define FHIR_ISSUES_INIT                                                                           \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void fhir_issue_add(fhir_issues_t *is, const char *code, const char *expression, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));
void fhir_issues_free(fhir_issues_t *is);

typedef enum {
    FHIR_OK = 0,   /* *out is the referral; issues may hold warnings: none today */
    FHIR_NOT_JSON, /* 400: not JSON (issue says where: line and column) */
    FHIR_NOT_FHIR, /* 400: JSON, but no ServiceRequest (or Bundle holding one) */
    FHIR_TOO_BIG,  /* 413: over FHIR_MAX_BYTES */
    FHIR_TOO_DEEP, /* 400: over FHIR_MAX_DEPTH or FHIR_MAX_ITEMS */
    FHIR_INVALID,  /* 422: a ServiceRequest, with every problem in issues */
} fhir_rc_t;

/* The HTTP status of each code above. */
int fhir_http_status(fhir_rc_t rc);

/* A request read: the referral and its source, and where in the request
 * each resource was found (its FHIRPath: "ServiceRequest.contained[0]",
 * "Bundle.entry[1].resource"), so that a referral field's error can be
 * named where the referrer wrote it. */
typedef struct {
    Carerhub__Referral *referral; /* owned */
    Carerhub__Source source;
    char service_request[64], patient[64], related_person[64], consent[64], requester[64],
        encounter[64], location[64]; /* "" when the request has none */
    /* The requester's Practitioner (a PractitionerRole's) and the
     * Organization holding the ODS code or URN (the requester itself, or
     * the PractitionerRole's organization); "" when none. */
    char practitioner[64], organization[64];
    /* Where each of the referral's first 8 conditions (as many as
     * referral_check judges) was found: the index of its extension in the
     * RelatedPerson's extension. */
    uint16_t condition_at[8];
    /* The same of each person cared for after the first (more_cared_for,
     * in order), as many as referral_check judges: "" when none. */
    char more_related[FHIR_MORE_CARED_FOR][64];
    uint16_t more_condition_at[FHIR_MORE_CARED_FOR][8];
} fhir_read_t;

/* Reads a ServiceRequest (or a Bundle of type transaction, message or
 * collection holding exactly one) into a new Referral for the source it
 * is for (the requester's kind and the source's own parts say which).
 * Every problem found is in issues, each naming its FHIRPath; then with
 * FHIR_INVALID out->referral is NULL. With FHIR_OK the referral still has
 * to pass referral_check: fhir_referral_check does both. Free out with
 * fhir_read_free whatever the result. */
fhir_rc_t fhir_service_request_read(const char *body, size_t len, fhir_read_t *out,
                                    fhir_issues_t *issues);
void fhir_read_free(fhir_read_t *r);

/* Reads as above, then checks the referral as the intake will (ctx as
 * referral_check's), so that one answer lists every problem: the
 * structural ones and the referral's own, each by FHIRPath. */
fhir_rc_t fhir_referral_check(const char *body, size_t len, const referral_ctx_t *ctx,
                              fhir_read_t *out, fhir_issues_t *issues);

/* Adds an issue for each field error (ferr_t.field "carer.postcode",
 * from referral_check or an intake's SubmitReply), its expression the
 * FHIRPath that carries that field in the request read; a field with no
 * FHIR home is named by the ServiceRequest. */
void fhir_issues_from_ferrs(const fhir_read_t *r, const ferrs_t *errs, fhir_issues_t *is);

/* An OperationOutcome of issues (application/fhir+json). */
void fhir_operation_outcome(buf_t *b, const fhir_issues_t *is);
/* An OperationOutcome of one issue. */
void fhir_outcome1(buf_t *b, const char *code, const char *expression, const char *message);

/* The referral as its referrer reads it back (GET ServiceRequest/ID):
 * a ServiceRequest with the referral id, status (active, completed,
 * revoked, entered-in-error ...) and intent order, whose contained Task
 * carries where it stands (StatusReply.progress and since when; the
 * organisation that has the case, by name) and the outcomes as notes.
 * No personal data of the carer: the referrer sent it, the hub need not
 * send it back. st is the router's (or intake's) StatusReply. */
void fhir_service_request_status(buf_t *b, const Carerhub__StatusReply *st);

/* The CapabilityStatement served at /fhir/r4/metadata; base is the
 * server's base URL ("https://hub.example/fhir/r4"), software_version the
 * hub's version. */
void fhir_capability_statement(buf_t *b, const char *base, const char *software_version);

#endif
