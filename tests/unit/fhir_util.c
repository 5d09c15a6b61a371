/*
 * Helpers of the FHIR unit tests: see fhir_util.h.
 */
#include "fhir_util.h"

#include "test.h"
#include "util/date.h"
#include "util/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *fhir_test_file(const char *rel, size_t *len)
{
    FILE *f = fopen(test_src(rel), "rb");
    char *buf;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

fhir_rc_t fhir_test_check(const char *text, size_t len, fhir_read_t *out, fhir_issues_t *is)
{
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 23), NULL, NULL, NULL};
    fhir_rc_t rc = fhir_referral_check(text, len, &ctx, out, is);
    if (getenv("TEST_VERBOSE"))
        for (size_t i = 0; i < is->n; i++)
            printf("      %s %s: %s\n", is->v[i].code,
                   is->v[i].expression ? is->v[i].expression : "-", is->v[i].message);
    return rc;
}

json_t *fhir_test_json(const char *rel)
{
    size_t len;
    char *text = fhir_test_file(rel, &len);
    json_t *j = text ? json_loadb(text, len, 0, NULL) : NULL;
    free(text);
    return j;
}

fhir_rc_t fhir_test_check_doc(json_t *doc, fhir_issues_t *is)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    fhir_read_t rd;
    fhir_rc_t rc = fhir_test_check(text, strlen(text), &rd, is);
    if (rc != FHIR_OK && rd.referral)
        rc = (fhir_rc_t)99;
    fhir_read_free(&rd);
    free(text);
    json_decref(doc);
    return rc;
}

size_t fhir_test_count(const fhir_issues_t *is, const char *expr, const char *word)
{
    size_t n = 0;
    for (size_t i = 0; i < is->n; i++)
        if (is->v[i].expression && strcmp(is->v[i].expression, expr) == 0 &&
            (!word || strstr(is->v[i].message, word)))
            n++;
    return n;
}

const fhir_issue_t *fhir_test_issue(const fhir_issues_t *is, const char *expr)
{
    for (size_t i = 0; i < is->n; i++)
        if (is->v[i].expression && strcmp(is->v[i].expression, expr) == 0)
            return &is->v[i];
    return NULL;
}

static bool s_set(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const char *base = (const char *)m;
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)(base + f->quantifier_offset) > 0;
    if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING)
        return *(const void *const *)(base + f->offset) != NULL;
    return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
}

bool fhir_test_diff(const ProtobufCMessage *a, const ProtobufCMessage *b, const char *path,
                    char *out, size_t outsz)
{
    const ProtobufCMessageDescriptor *d = a ? a->descriptor : b ? b->descriptor : NULL;
    if (!a || !b) {
        if (a == b)
            return false;
        snprintf(out, outsz, "%s (present in one only)", path);
        return true;
    }
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *pa = (const char *)a + f->offset, *pb = (const char *)b + f->offset;
        char sub[160];
        bool differ = false;
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", f->name);
        if (s_set(a, f) != s_set(b, f)) {
            snprintf(out, outsz, "%s (set in one only)", sub);
            return true;
        }
        if (!s_set(a, f))
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE) {
            /* more_cared_for: each person, in order. */
            size_t na = *(const size_t *)((const char *)a + f->quantifier_offset);
            size_t nb = *(const size_t *)((const char *)b + f->quantifier_offset);
            ProtobufCMessage *const *ma = *(ProtobufCMessage *const *const *)pa;
            ProtobufCMessage *const *mb = *(ProtobufCMessage *const *const *)pb;
            differ = na != nb;
            for (size_t k = 0; !differ && k < na; k++) {
                char item[200];
                snprintf(item, sizeof item, "%s[%zu]", sub, k + 1);
                if (fhir_test_diff(ma[k], mb[k], item, out, outsz))
                    return true;
            }
        } else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t na = *(const size_t *)((const char *)a + f->quantifier_offset);
            size_t nb = *(const size_t *)((const char *)b + f->quantifier_offset);
            char **sa = *(char **const *)pa, **sb = *(char **const *)pb;
            differ = na != nb;
            for (size_t k = 0; !differ && k < na; k++)
                differ = strcmp(sa[k], sb[k]) != 0;
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (fhir_test_diff(*(const ProtobufCMessage *const *)pa,
                               *(const ProtobufCMessage *const *)pb, sub, out, outsz))
                return true;
        } else if (f->type == PROTOBUF_C_TYPE_STRING) {
            differ = strcmp(*(char *const *)pa, *(char *const *)pb) != 0;
        } else if (f->type == PROTOBUF_C_TYPE_BOOL) {
            differ = *(const protobuf_c_boolean *)pa != *(const protobuf_c_boolean *)pb;
        } else if (f->type == PROTOBUF_C_TYPE_UINT32 || f->type == PROTOBUF_C_TYPE_ENUM) {
            differ = *(const uint32_t *)pa != *(const uint32_t *)pb;
        } else if (f->type == PROTOBUF_C_TYPE_INT64) {
            differ = *(const int64_t *)pa != *(const int64_t *)pb;
        }
        if (differ) {
            snprintf(out, outsz, "%s", sub);
            return true;
        }
    }
    return false;
}
