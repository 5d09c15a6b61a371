/*
 * A request body to a JSON document, within the limits of fhir.h. The
 * size is checked before jansson sees a byte. jansson bounds its own
 * recursion while parsing: its parser stops at JSON_PARSER_MAX_DEPTH
 * nesting levels (a compile-time constant of jansson_config.h, 2048 in
 * Debian's jansson 2.14) with json_error_stack_overflow, so no body can
 * exhaust the stack; FHIR_MAX_DEPTH, far below it, and FHIR_MAX_ITEMS are
 * then enforced by one walk of the parsed document (within FHIR_MAX_BYTES
 * the parsed document is at most a few megabytes). Duplicate keys are
 * refused (JSON_REJECT_DUPLICATES): which of two values a reader takes
 * differs between readers, so a request whose meaning depends on it is
 * refused. Trailing bytes after the document are refused too (the EOF
 * check stays on).
 */
#include "fhir/fhir_impl.h"

#include <string.h>

/* jansson's messages end in "near 'TOKEN'", the text where it stopped:
 * that may be someone's name, so it goes (line and column say where). */
static void s_no_near(char *text)
{
    char *near = strstr(text, " near ");
    if (near)
        *near = '\0';
}

/* Depth of v (1 for a scalar) and the number of values in it, stopping
 * as soon as a limit is passed. */
static void s_walk(json_t *v, int depth, int *max, size_t *items)
{
    const char *key;
    json_t *x;
    size_t i;
    if (++*items > FHIR_MAX_ITEMS || depth > FHIR_MAX_DEPTH) {
        if (depth > *max)
            *max = depth;
        return;
    }
    if (depth > *max)
        *max = depth;
    if (json_is_object(v)) {
        json_object_foreach(v, key, x)
        {
            s_walk(x, depth + 1, max, items);
            if (*items > FHIR_MAX_ITEMS || *max > FHIR_MAX_DEPTH)
                return;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            s_walk(x, depth + 1, max, items);
            if (*items > FHIR_MAX_ITEMS || *max > FHIR_MAX_DEPTH)
                return;
        }
    }
}

fhir_rc_t fhir_json_load(const char *body, size_t len, json_t **root, fhir_issues_t *is)
{
    json_error_t err;
    int depth = 0;
    size_t items = 0;

    *root = NULL;
    if (len > FHIR_MAX_BYTES) {
        fhir_issue_add(is, "too-costly", NULL,
                       "the request is %zu bytes; the hub takes at most %u bytes: send one "
                       "referral per request, without attachments",
                       len, FHIR_MAX_BYTES);
        return FHIR_TOO_BIG;
    }
    if (!body || len == 0) {
        fhir_issue_add(is, "structure", NULL,
                       "the request has no body: send a ServiceRequest as JSON "
                       "(application/fhir+json)");
        return FHIR_NOT_JSON;
    }
    *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!*root) {
        s_no_near(err.text);
        if (json_error_code(&err) == json_error_stack_overflow) {
            fhir_issue_add(is, "too-costly", NULL,
                           "the JSON nests more than %d levels deep; the hub reads at most %d",
                           FHIR_MAX_DEPTH, FHIR_MAX_DEPTH);
            return FHIR_TOO_DEEP;
        }
        if (json_error_code(&err) == json_error_duplicate_key) {
            fhir_issue_add(is, "duplicate", NULL,
                           "line %d, column %d: %s: each element may appear only once in an "
                           "object",
                           err.line, err.column, err.text);
            return FHIR_NOT_JSON;
        }
        fhir_issue_add(is, "structure", NULL, "not valid JSON: line %d, column %d: %s", err.line,
                       err.column, err.text);
        return FHIR_NOT_JSON;
    }
    s_walk(*root, 1, &depth, &items);
    if (depth > FHIR_MAX_DEPTH) {
        fhir_issue_add(is, "too-costly", NULL,
                       "the JSON nests more than %d levels deep; the hub reads at most %d",
                       FHIR_MAX_DEPTH, FHIR_MAX_DEPTH);
        json_decref(*root);
        *root = NULL;
        return FHIR_TOO_DEEP;
    }
    if (items > FHIR_MAX_ITEMS) {
        fhir_issue_add(is, "too-costly", NULL,
                       "the JSON holds more than %d values; the hub reads at most %d in one "
                       "request",
                       FHIR_MAX_ITEMS, FHIR_MAX_ITEMS);
        json_decref(*root);
        *root = NULL;
        return FHIR_TOO_DEEP;
    }
    return FHIR_OK;
}
