/*
 * Fuzz target: the provider agent's reader of outcome files
 * (services/provider/provider_outcome.c) on arbitrary bytes. It must not
 * crash or leak; a file it accepts must pass outcome_check as it stands,
 * hold only UTF-8 text, have a well-formed outcome id and a time (both
 * the same when read again) and survive the wire (packed and unpacked
 * unchanged); a file it rejects must say why, each error with a field and
 * a code, and the error file the agent would write beside it must be one
 * JSON object, whatever the file's name.
 */
#include "harness.h"

#include "carerhub.pb-c.h"
#include "../../services/provider/provider.h"
#include "util/buf.h"
#include "util/mem.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-11-23T00:00:00Z, the harness's day; the file was written an hour
 * before. */
#define S_NOW 1795392000000LL

static provider_file_t s_file(const uint8_t *data, size_t size)
{
    provider_file_t f = {"f.json", data, size, 4242, (S_NOW - 3600 * 1000) * 1000000};
    return f;
}

static void s_text(const char *s)
{
    if (s)
        HARNESS_ASSERT(harness_utf8(s));
}

static void s_accepted(const Carerhub__Outcome *o, const char *case_id, const uint8_t *data,
                       size_t size)
{
    ferrs_t errs = FERRS_INIT;
    Carerhub__Outcome *again, *back;
    provider_file_t file = s_file(data, size);
    char id2[CASE_ID_MAX + 1];
    size_t n;
    uint8_t *packed;

    HARNESS_ASSERT(outcome_check(o, S_NOW, &errs) == 0 && errs.n == 0);
    HARNESS_ASSERT(o->case_id && strcmp(o->case_id, case_id) == 0);
    HARNESS_ASSERT(o->outcome_id && outcome_id_ok(o->outcome_id));
    HARNESS_ASSERT(o->source && strcmp(o->source, "f.json") == 0);
    HARNESS_ASSERT(o->has_at);
    s_text(o->status);
    s_text(o->reason);
    s_text(o->to);
    s_text(o->note);
    for (size_t i = 0; i < o->n_support; i++)
        s_text(o->support[i]);

    /* Read again (as after a kill): the same outcome id. */
    again = provider_outcome_read("carers-first", &file, S_NOW, id2, &errs);
    HARNESS_ASSERT(again && strcmp(again->outcome_id, o->outcome_id) == 0 && again->at == o->at);
    provider_outcome_free(&again);

    /* What the router receives is what was read. */
    n = carerhub__outcome__get_packed_size(o);
    packed = xmalloc(n ? n : 1);
    carerhub__outcome__pack(o, packed);
    back = carerhub__outcome__unpack(NULL, n, packed);
    HARNESS_ASSERT(back);
    HARNESS_ASSERT(strcmp(back->case_id, o->case_id) == 0 && strcmp(back->status, o->status) == 0 &&
                   back->n_support == o->n_support &&
                   (!o->note || strcmp(back->note, o->note) == 0) && back->at == o->at);
    carerhub__outcome__free_unpacked(back, NULL);
    free(packed);
}

/* The error file for errs, under a name taken from the input (any bytes),
 * reads back as one object with a non-empty field and code per error. */
static void s_error_file(const ferrs_t *errs, const uint8_t *data, size_t size)
{
    char name[64];
    size_t n = size < sizeof name - 1 ? size : sizeof name - 1;
    buf_t b = BUF_INIT;
    json_error_t jerr;
    json_t *doc, *list;

    memcpy(name, data, n);
    name[n] = '\0';
    provider_outcome_error_json(name, S_NOW, errs, &b);
    harness_assert_json(b.data, b.len);
    doc = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
    HARNESS_ASSERT(json_is_object(doc));
    list = json_object_get(doc, "errors");
    HARNESS_ASSERT(json_is_array(list) && json_array_size(list) == errs->n);
    json_decref(doc);
    buf_free(&b);
    for (size_t i = 0; i < errs->n; i++) {
        HARNESS_ASSERT(errs->v[i].field[0] && errs->v[i].code[0] && errs->v[i].message[0]);
        s_text(errs->v[i].field);
        s_text(errs->v[i].message);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ferrs_t errs = FERRS_INIT;
    char case_id[CASE_ID_MAX + 1];
    provider_file_t file = s_file(data, size);
    Carerhub__Outcome *o = provider_outcome_read("carers-first", &file, S_NOW, case_id, &errs);

    HARNESS_ASSERT(!case_id[0] || case_id_ok(case_id));
    if (o) {
        HARNESS_ASSERT(errs.n == 0);
        s_accepted(o, case_id, data, size);
        provider_outcome_free(&o);
    } else {
        HARNESS_ASSERT(errs.n > 0);
        s_error_file(&errs, data, size);
    }
    ferrs_free(&errs);
    return 0;
}
