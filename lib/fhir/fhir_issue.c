/*
 * Issues and the OperationOutcome that carries them. Written with
 * buf_json_str, so the document is valid JSON whatever bytes a message
 * or an expression holds (an element name copied from the request may be
 * anything); messages never echo the request's personal data.
 */
#include "fhir/fhir.h"

#include "util/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fhir_issue_add(fhir_issues_t *is, const char *code, const char *expression, const char *fmt,
                    ...)
{
    va_list ap;
    char msg[512];
    fhir_issue_t *x;
    if (is->n > FHIR_MAX_ISSUES)
        return;
    if (is->n == FHIR_MAX_ISSUES) {
        /* One last issue stands for the rest: fixing these first is
         * what the referrer can do. */
        code = "too-costly";
        expression = NULL;
        snprintf(msg, sizeof msg, "more than %d problems; fix these and send the request again",
                 FHIR_MAX_ISSUES);
    } else {
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    /* The same problem found twice (an element read by two readers) is
     * said once. */
    for (size_t i = 0; i < is->n; i++)
        if (strcmp(is->v[i].code, code) == 0 && strcmp(is->v[i].message, msg) == 0 &&
            (expression && *expression
                 ? is->v[i].expression && strcmp(is->v[i].expression, expression) == 0
                 : !is->v[i].expression))
            return;
    is->v = xgrow(is->v, &is->cap, is->n + 1, sizeof *is->v);
    x = &is->v[is->n++];
    x->code = xstrdup(code);
    x->expression = expression && *expression ? xstrdup(expression) : NULL;
    x->message = xstrdup(msg);
}

void fhir_issues_free(fhir_issues_t *is)
{
    for (size_t i = 0; i < is->n; i++) {
        free(is->v[i].code);
        free(is->v[i].expression);
        free(is->v[i].message);
    }
    free(is->v);
    is->v = NULL;
    is->n = is->cap = 0;
}

int fhir_http_status(fhir_rc_t rc)
{
    switch (rc) {
    case FHIR_OK:
        return 200;
    case FHIR_TOO_BIG:
        return 413;
    case FHIR_INVALID:
        return 422;
    case FHIR_NOT_JSON:
    case FHIR_NOT_FHIR:
    case FHIR_TOO_DEEP:
    default:
        return 400;
    }
}

static void s_issue(buf_t *b, const char *code, const char *expression, const char *message)
{
    buf_adds(b, "{\"severity\":\"error\",\"code\":");
    buf_json_str(b, code && *code ? code : "processing");
    buf_adds(b, ",\"details\":{\"text\":");
    buf_json_str(b, message ? message : "");
    buf_adds(b, "},\"diagnostics\":");
    buf_json_str(b, message ? message : "");
    if (expression && *expression) {
        buf_adds(b, ",\"expression\":[");
        buf_json_str(b, expression);
        buf_adds(b, "]");
    }
    buf_adds(b, "}");
}

void fhir_operation_outcome(buf_t *b, const fhir_issues_t *is)
{
    buf_adds(b, "{\"resourceType\":\"OperationOutcome\",\"issue\":[");
    for (size_t i = 0; i < is->n; i++) {
        if (i)
            buf_addc(b, ',');
        s_issue(b, is->v[i].code, is->v[i].expression, is->v[i].message);
    }
    /* FHIR requires at least one issue. */
    if (is->n == 0)
        s_issue(b, "processing", NULL, "the request could not be processed");
    buf_adds(b, "]}");
}

void fhir_outcome1(buf_t *b, const char *code, const char *expression, const char *message)
{
    buf_adds(b, "{\"resourceType\":\"OperationOutcome\",\"issue\":[");
    s_issue(b, code, expression, message);
    buf_adds(b, "]}");
}
