/*
 * What the FHIR unit tests share: reading a file of the source tree,
 * checking a request as the hub would (on 2026-11-23, test NHS numbers
 * refused), and finding an issue by its expression.
 */
#ifndef CARERHUB_TEST_FHIR_UTIL_H
#define CARERHUB_TEST_FHIR_UTIL_H

#include "fhir/fhir.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The contents of a file of the source tree (new string, *len its
 * length), or NULL. */
char *fhir_test_file(const char *rel, size_t *len);
/* fhir_referral_check of text on 2026-11-23; with TEST_VERBOSE the issues
 * are printed. */
fhir_rc_t fhir_test_check(const char *text, size_t len, fhir_read_t *out, fhir_issues_t *is);
/* A JSON file of the source tree (new reference), or NULL. */
json_t *fhir_test_json(const char *rel);
/* fhir_test_check of doc (which it takes); a refused request that hands
 * out a referral all the same gives 99. */
fhir_rc_t fhir_test_check_doc(json_t *doc, fhir_issues_t *is);
/* How many issues are at expr; with word, only those whose message holds
 * it. */
size_t fhir_test_count(const fhir_issues_t *is, const char *expr, const char *word);
/* The issue whose expression is expr, or NULL. */
const fhir_issue_t *fhir_test_issue(const fhir_issues_t *is, const char *expr);
/* The first difference between two messages of the same type, as a field
 * path ("carer.postcode"), into out; false if they are equal. */
bool fhir_test_diff(const ProtobufCMessage *a, const ProtobufCMessage *b, const char *path,
                    char *out, size_t outsz);

#endif
