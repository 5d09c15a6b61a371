/*
 * The sample report reply of the unit tests of lib/report (test_report.c,
 * test_report_publish.c), its figures worked out by hand, and how they
 * read the forms back: the JSON with jansson, the others as text.
 */
#ifndef CARERHUB_TEST_REPORT_SAMPLE_H
#define CARERHUB_TEST_REPORT_SAMPLE_H

#include "report/report_impl.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* 2026-12-01T15:40:00Z */
#define S_GENERATED ((int64_t)1796139600 * 1000)

/* A reply and everything it points to, in one place the test owns. */
typedef struct {
    Carerhub__ReportReply rep;
    Carerhub__ReportTarget t[2], *tp[2];
    Carerhub__ReportPath path, rp[8];
    Carerhub__ReportTimeliness tfc, rt[4];
    Carerhub__ReportRow row[16];
    Carerhub__ReportRow *prov[3], *src[2], *auth[1], *month[4], *refs[2], *quiet[1];
} report_sample_t;

Carerhub__ReportPath report_sample_path(uint64_t referred, uint64_t waiting, uint64_t contacted,
                                        uint64_t supported, uint64_t declined, uint64_t unable);
Carerhub__ReportTimeliness report_sample_times(uint64_t contacts, unsigned median, unsigned p90);
/* The reply of report-json.md's example, over September to 1 December
 * 2026, with a referrer named "=cmd" and a provider named "<b>&". */
void report_sample(report_sample_t *s);
/* s as JSON, parsed (caller decrefs), or NULL. */
json_t *report_sample_json(const report_sample_t *s, bool publish);
/* The value at a path of object keys and array indexes ("path.referred",
 * "targets.1.carers"). */
json_t *report_sample_at(json_t *j, const char *path);
/* s in one form (report_text, report_json, report_csv, report_html),
 * caller frees. */
char *report_sample_render(void (*fn)(buf_t *, const Carerhub__ReportReply *, bool),
                           const report_sample_t *s, bool publish);
/* How many times needle occurs in hay. */
size_t report_sample_count_of(const char *hay, const char *needle);

#define CHECK_JINT(j, path, v)                                                                     \
    do {                                                                                           \
        json_t *x_ = report_sample_at((j), (path));                                                \
        if (!json_is_integer(x_)) {                                                                \
            test_fail(__FILE__, __LINE__, "%s is not an integer", (path));                         \
            goto done;                                                                             \
        }                                                                                          \
        if (json_integer_value(x_) != (v)) {                                                       \
            test_fail(__FILE__, __LINE__, "%s is %lld, expected %lld", (path),                     \
                      (long long)json_integer_value(x_), (long long)(v));                          \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

#define CHECK_JSTR(j, path, v)                                                                     \
    do {                                                                                           \
        json_t *x_ = report_sample_at((j), (path));                                                \
        if (!json_is_string(x_) || strcmp(json_string_value(x_), (v)) != 0) {                      \
            test_fail(__FILE__, __LINE__, "%s is not \"%s\"", (path), (v));                        \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

#define CHECK_JREAL(j, path, v)                                                                    \
    do {                                                                                           \
        json_t *x_ = report_sample_at((j), (path));                                                \
        if (!json_is_real(x_) || json_real_value(x_) != (v)) {                                     \
            test_fail(__FILE__, __LINE__, "%s is not %g", (path), (v));                            \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

#define CHECK_JNULL(j, path)                                                                       \
    do {                                                                                           \
        if (!json_is_null(report_sample_at((j), (path)))) {                                        \
            test_fail(__FILE__, __LINE__, "%s is not null", (path));                               \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

#endif
