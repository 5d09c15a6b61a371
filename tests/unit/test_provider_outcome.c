/*
 * Unit tests of the provider agent's outcome files (services/provider,
 * provider_outcome.c): what the reader makes of good and bad documents,
 * each error naming its field; the adversarial corpus; the outcome id it
 * derives; the error file. The outcomes folder: test_provider_outbox.c.
 */
#include "test.h"

#include "../../services/provider/provider.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/mem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/* 2026-12-01T12:00:00Z, the hub's clock in these tests. */
#define S_NOW 1796126400000LL

/* 2026-12-01T11:30:00.250000999Z, when the files of these tests were
 * written; 4242 their inode number. */
#define S_MTIME_NS 1796124600250000999LL
#define S_MTIME    1796124600250LL

/* A file of these tests: name, content, inode number, modification time. */
static provider_file_t s_file(const char *name, const void *data, size_t len)
{
    provider_file_t f = {name, data, len, 4242, S_MTIME_NS};
    return f;
}

static Carerhub__Outcome *s_read_named(const char *name, const void *data, size_t len,
                                       ferrs_t *errs)
{
    char case_id[CASE_ID_MAX + 1];
    provider_file_t f = s_file(name, data, len);
    return provider_outcome_read("carers-first", &f, S_NOW, case_id, errs);
}

static Carerhub__Outcome *s_read(const char *doc, ferrs_t *errs)
{
    return s_read_named("x.json", doc, strlen(doc), errs);
}

/* The errors as "field code; field code" for a message. */
static const char *s_errs(const ferrs_t *e)
{
    static char out[2000];
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < e->n && n < sizeof out; i++)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s %s (%s)", i ? "; " : "", e->v[i].field,
                              e->v[i].code, e->v[i].message);
    return out;
}

static bool s_has(const ferrs_t *e, const char *field, const char *code)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].field, field) == 0 && strcmp(e->v[i].code, code) == 0)
            return true;
    return false;
}

TEST(provider_outcome_reads_a_whole_file)
{
    ferrs_t e = FERRS_INIT;
    char case_id[CASE_ID_MAX + 1];
    const char *doc = "{\"case_id\": \"C-000001\", \"status\": \"supported\", \"support\": "
                      "[\"information_advice\", \"break\"], \"at\": \"2026-12-01T10:00:00+01:00\", "
                      "\"note\": \"Rang Jane\\nshe is well\", \"outcome_id\": \"cs-42\"}";
    provider_file_t f = s_file("a.json", doc, strlen(doc));
    Carerhub__Outcome *o = provider_outcome_read("carers-first", &f, S_NOW, case_id, &e);
    CHECK(o);
    CHECK_INT(e.n, 0);
    CHECK_STR(o->case_id, "C-000001");
    CHECK_STR(case_id, "C-000001");
    CHECK_STR(o->status, "supported");
    CHECK_INT(o->n_support, 2);
    CHECK_STR(o->support[1], "break");
    CHECK(o->has_at);
    CHECK_INT(o->at, S_NOW - 3 * 3600 * 1000);
    CHECK_STR(o->note, "Rang Jane\nshe is well");
    CHECK_STR(o->outcome_id, "cs-42");
    CHECK_STR(o->source, "a.json");
    CHECK(!o->reason && !o->to);
    provider_outcome_free(&o);
    CHECK(!o);
}

/* Without at, when the file was written (to the ms), not when it is read:
 * the same each time; without an outcome_id, one derived. */
TEST(provider_outcome_defaults)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Outcome *o = s_read("{\"case_id\":\"C-000001\",\"status\":\"contacted\"}", &e);
    CHECK(o);
    CHECK(o->has_at);
    CHECK_INT(o->at, S_MTIME);
    CHECK(strncmp(o->outcome_id, "f-", 2) == 0);
    CHECK_INT(strlen(o->outcome_id), PROVIDER_OUTCOME_ID_LEN - 1);
    CHECK(outcome_id_ok(o->outcome_id));
    provider_outcome_free(&o);
}

TEST(provider_outcome_bad_documents_name_their_field)
{
    static const struct {
        const char *doc, *field, *code;
    } t[] = {
        {"", "json", "syntax"},
        {"{\"case_id\": \"C-000001\", \"status\": \"cont", "json", "syntax"},
        {"case_id: C-000001\nstatus: contacted\n", "json", "syntax"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\"} {}", "json", "syntax"},
        {"[{\"case_id\":\"C-000001\",\"status\":\"contacted\"}]", "json", "type"},
        {"\"contacted\"", "json", "type"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"status\":\"closed\"}", "json",
         "duplicate_key"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"note\":\"caf\xe9\"}", "json",
         "encoding"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"notes\":\"x\"}", "notes",
         "unknown_field"},
        {"{\"case_id\":1,\"status\":\"contacted\"}", "case_id", "type"},
        {"{\"case_id\":null,\"status\":\"contacted\"}", "case_id", "type"},
        {"{\"case_id\":\"12345\",\"status\":\"contacted\"}", "case_id", "format"},
        {"{\"status\":\"contacted\"}", "case_id", "required"},
        {"{\"case_id\":\"C-000001\"}", "status", "required"},
        {"{\"case_id\":\"C-000001\",\"status\":\"phoned\"}", "status", "unknown"},
        {"{\"case_id\":\"C-000001\",\"status\":\"supported\"}", "support", "required"},
        {"{\"case_id\":\"C-000001\",\"status\":\"supported\",\"support\":\"break\"}", "support",
         "type"},
        {"{\"case_id\":\"C-000001\",\"status\":\"supported\",\"support\":[\"break\",2]}", "support",
         "type"},
        {"{\"case_id\":\"C-000001\",\"status\":\"supported\",\"support\":[\"counselling\"]}",
         "support", "unknown"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"support\":[\"break\"]}", "support",
         "not_allowed"},
        {"{\"case_id\":\"C-000001\",\"status\":\"closed\"}", "reason", "required"},
        {"{\"case_id\":\"C-000001\",\"status\":\"closed\",\"reason\":\"finished\"}", "reason",
         "unknown"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"to\":\"ecs\"}", "to", "not_allowed"},
        {"{\"case_id\":\"C-000001\",\"status\":\"assign\"}", "to", "required"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"at\":\"2099-01-01T00:00:00Z\"}",
         "at", "future"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"at\":\"01/12/2026 10:00\"}", "at",
         "format"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"at\":\"2026-12-01\"}", "at",
         "format"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"at\":\"2026-12-01T10:00:00\"}", "at",
         "format"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"at\":1796126400}", "at", "type"},
        /* Cut short anywhere: read no further than the end (under ASan). */
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"at\":\"2026-12-01T10:00:0\"}", "at",
         "format"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"at\":\"2026-12-01T10:00+\"}", "at",
         "format"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"at\":\"2026-12-01T10:00+0\"}", "at",
         "format"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"at\":\"2026-12-01T10:00:00+01\"}",
         "at", "format"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"at\":\"2026-12-01T10:00:00.\"}",
         "at", "format"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"note\":\"a\\u0000b\"}", "note",
         "format"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"note\":\"a\\u001b[2Jb\"}", "note",
         "format"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"note\":\"\"}", "note", "format"},
        {"{\"case_id\":\"C-000001\",\"status\":\"contacted\",\"outcome_id\":\"a b\"}", "outcome_id",
         "format"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        ferrs_t e = FERRS_INIT;
        Carerhub__Outcome *o = s_read(t[i].doc, &e);
        if (o || !s_has(&e, t[i].field, t[i].code))
            test_fail(__FILE__, __LINE__, "document %zu (%s): expected %s %s, got %s%s", i + 1,
                      t[i].doc, t[i].field, t[i].code, o ? "accepted " : "", s_errs(&e));
        provider_outcome_free(&o);
        ferrs_free(&e);
    }
}

/* tests/adversarial/outcomes/: each bad file gets the error its EXPECT
 * line names (@@100KB@@ stands for 100 KiB of text). */
TEST(provider_outcome_adversarial_corpus)
{
    char *list = NULL, *save = NULL, *line;
    size_t len, n = 0;
    CHECK_INT(file_read_all(test_src("tests/adversarial/outcomes/EXPECT"), 1 << 16, &list, &len),
              0);
    for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[128], field[64], code[64], path[512], *data = NULL, *mark;
        ferrs_t e = FERRS_INIT;
        Carerhub__Outcome *o;
        buf_t doc = BUF_INIT;
        if (line[0] == '#' || sscanf(line, "%127s %63s %63s", name, field, code) != 3)
            continue;
        snprintf(path, sizeof path, "%s/%s", test_src("tests/adversarial/outcomes"), name);
        CHECK_INT(file_read_all(path, 1 << 20, &data, &len), 0);
        if ((mark = memmem(data, len, "@@100KB@@", 9))) {
            buf_add(&doc, data, (size_t)(mark - data));
            for (int i = 0; i < 100 * 1024; i++)
                buf_addc(&doc, 'A');
            buf_add(&doc, mark + 9, len - (size_t)(mark - data) - 9);
        } else {
            buf_add(&doc, data, len);
        }
        free(data);
        o = s_read_named(name, doc.data, doc.len, &e);
        if (o || !s_has(&e, field, code))
            test_fail(__FILE__, __LINE__, "%s: expected %s %s, got %s%s", name, field, code,
                      o ? "accepted " : "", s_errs(&e));
        provider_outcome_free(&o);
        ferrs_free(&e);
        buf_free(&doc);
        n++;
    }
    free(list);
    CHECK(n >= 12);
}

/* One mistake, one error: a field of the wrong type is not also missing. */
TEST(provider_outcome_one_error_per_mistake)
{
    ferrs_t e = FERRS_INIT;
    CHECK(!s_read("{\"case_id\":1,\"status\":\"contacted\"}", &e));
    CHECK_INT(e.n, 1);
    ferrs_free(&e);
    CHECK(!s_read("{\"case_id\":\"C-000001\",\"status\":\"supported\",\"support\":7}", &e));
    CHECK_INT(e.n, 1);
    ferrs_free(&e);
    /* Several mistakes: each said. */
    CHECK(!s_read("{\"case_id\":\"C-1\",\"status\":\"closed\",\"colour\":\"red\"}", &e));
    CHECK(s_has(&e, "colour", "unknown_field") && s_has(&e, "case_id", "format") &&
          s_has(&e, "reason", "required"));
    ferrs_free(&e);
}

/* Where the file is not JSON: jansson's line and column, and none of the
 * file's text (a note may be in it). */
TEST(provider_outcome_not_json_says_where)
{
    ferrs_t e = FERRS_INIT;
    CHECK(!s_read("{\"case_id\": \"C-000001\",\n \"note\": \"Secret words\" \"status\": 1}", &e));
    CHECK_INT(e.n, 1);
    CHECK_CONTAINS(e.v[0].message, "line 2, column");
    CHECK(!strstr(e.v[0].message, "Secret"));
    ferrs_free(&e);
    CHECK(!s_read("{\"case_id\":\"C-000001\",\"status\":\"a\",\"status\":\"b\"}", &e));
    CHECK_CONTAINS(e.v[0].message, "\"status\" is given twice");
    ferrs_free(&e);
    CHECK(!s_read("{\"case_id\": \"C-0", &e));
    CHECK_CONTAINS(e.v[0].message, "ends early");
    ferrs_free(&e);
}

TEST(provider_outcome_too_large_is_not_read)
{
    ferrs_t e = FERRS_INIT;
    /* No data at all: only its size is looked at. */
    CHECK(!s_read_named("x.json", NULL, PROVIDER_OUTCOME_MAX_BYTES + 1, &e));
    CHECK(s_has(&e, "json", "too_large"));
    ferrs_free(&e);
}

/* A modification time in the future (the writer's clock ahead): at, said
 * as the file's time, since the file gives none. */
TEST(provider_outcome_mtime_in_the_future)
{
    ferrs_t e = FERRS_INIT;
    const char *doc = "{\"case_id\":\"C-000001\",\"status\":\"contacted\"}";
    char case_id[CASE_ID_MAX + 1];
    provider_file_t f = s_file("x.json", doc, strlen(doc));
    f.mtime_ns = (S_NOW + 3600 * 1000) * 1000000;
    CHECK(!provider_outcome_read("carers-first", &f, S_NOW, case_id, &e));
    CHECK(s_has(&e, "at", "future"));
    CHECK_CONTAINS(e.v[0].message, "modification time");
    ferrs_free(&e);
}

TEST(provider_outcome_id_stable_per_file)
{
    char a[PROVIDER_OUTCOME_ID_LEN], b[PROVIDER_OUTCOME_ID_LEN];
    const char *doc = "{\"case_id\":\"C-000001\",\"status\":\"contacted\"}";
    provider_file_t f = s_file("a.json", doc, strlen(doc)), g = f;
    provider_outcome_id("carers-first", &f, a);
    provider_outcome_id("carers-first", &g, b);
    CHECK_STR(a, b);
    g.name = "b.json";
    provider_outcome_id("carers-first", &g, b);
    CHECK(strcmp(a, b) != 0);
    provider_outcome_id("ecs", &f, b);
    CHECK(strcmp(a, b) != 0);
    g = f;
    g.len--;
    provider_outcome_id("carers-first", &g, b);
    CHECK(strcmp(a, b) != 0);
    /* The same name and content written anew (another day's outcome):
     * another inode, or the same inode again with another time. */
    g = f;
    g.ino++;
    provider_outcome_id("carers-first", &g, b);
    CHECK(strcmp(a, b) != 0);
    g = f;
    g.mtime_ns++;
    provider_outcome_id("carers-first", &g, b);
    CHECK(strcmp(a, b) != 0);
    /* The parts are kept apart: "a.json"+"x" is not "a.jsonx"+"". */
    f = s_file("a.jsonx", "", 0);
    g = s_file("a.json", "x", 1);
    provider_outcome_id("carers-first", &f, a);
    provider_outcome_id("carers-first", &g, b);
    CHECK(strcmp(a, b) != 0);
}

TEST(provider_outcome_error_file_is_json)
{
    ferrs_t e = FERRS_INIT;
    buf_t b = BUF_INIT;
    json_error_t jerr;
    json_t *doc, *err0;
    ferrs_add(&e, "status", "unknown", "'ph\"oned' is not a status");
    provider_outcome_error_json("we\"ird\xff.json", S_NOW, &e, &b);
    doc = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
    CHECK(doc);
    CHECK_STR(json_string_value(json_object_get(doc, "rejected_at")), "2026-12-01T12:00:00.000Z");
    CHECK(json_is_string(json_object_get(doc, "file")));
    err0 = json_array_get(json_object_get(doc, "errors"), 0);
    CHECK_STR(json_string_value(json_object_get(err0, "field")), "status");
    CHECK_STR(json_string_value(json_object_get(err0, "code")), "unknown");
    CHECK_STR(json_string_value(json_object_get(err0, "message")), "'ph\"oned' is not a status");
    json_decref(doc);
    buf_free(&b);
    ferrs_free(&e);
}
