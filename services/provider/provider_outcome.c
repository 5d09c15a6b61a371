/*
 * What an outcome file says: see provider.h and README "Outcome files". A
 * case system writes one JSON object per outcome (config/outcome.schema.json);
 * this reads it with jansson, checks its keys and their types, and then
 * what outcome_check says of every outcome, so that the agent, the CLI and
 * the router say the same thing about the same mistake. Every problem is
 * one error, named by the key of the file it is about ("json" for the
 * document as a whole) with a code and a sentence; a file with any problem
 * is not sent.
 *
 * A file without an outcome_id gets one from the provider, its name, its
 * inode number, its modification time and its content; one without an at,
 * its modification time. So the same file read again (after a kill, before
 * the router's answer was acted on) is the same outcome, which the router
 * records once, and the same name and content written anew another day is
 * another outcome.
 */
#include "provider.h"

#include "util/date.h"
#include "util/mem.h"
#include "wire/pbjson.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { S_STR, S_LIST, S_TIME };

/* The keys of an outcome file, each with its type, in the order the README
 * gives them. */
static const struct {
    const char *key;
    int type;
} s_keys[] = {
    {"case_id", S_STR}, {"status", S_STR}, {"support", S_LIST}, {"reason", S_STR},
    {"to", S_STR},      {"at", S_TIME},    {"note", S_STR},     {"outcome_id", S_STR},
};
#define S_NKEYS          (sizeof s_keys / sizeof *s_keys)
#define S_KEYS_LIST      "case_id, status, support, reason, to, at, note, outcome_id"
#define S_UNKNOWN_MAX    10 /* unknown keys named; then one error says there are more */
#define S_FIELD_NAME_MAX 64 /* bytes of an unknown key named as a field */

void provider_file_of(provider_file_t *f, const char *name, const void *data, size_t len,
                      const struct stat *st)
{
    f->name = name;
    f->data = data;
    f->len = len;
    f->ino = (uint64_t)st->st_ino;
    f->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

void provider_outcome_id(const char *provider, const provider_file_t *f,
                         char out[PROVIDER_OUTCOME_ID_LEN])
{
    crypto_generichash_state st;
    unsigned char digest[16], file[16];
    /* The file itself: the same while it waits, another for a file written
     * anew with the same name and content (another day's outcome). */
    for (int i = 0; i < 8; i++) {
        file[i] = (unsigned char)(f->ino >> (56 - 8 * i));
        file[8 + i] = (unsigned char)((uint64_t)f->mtime_ns >> (56 - 8 * i));
    }
    /* Each text with its terminating NUL: "ab"+"c" and "a"+"bc" differ. */
    crypto_generichash_init(&st, NULL, 0, sizeof digest);
    crypto_generichash_update(&st, (const unsigned char *)"carerhub outcome file", 22);
    crypto_generichash_update(&st, (const unsigned char *)provider, strlen(provider) + 1);
    crypto_generichash_update(&st, (const unsigned char *)f->name, strlen(f->name) + 1);
    crypto_generichash_update(&st, file, sizeof file);
    crypto_generichash_update(&st, f->data, f->len);
    crypto_generichash_final(&st, digest, sizeof digest);
    memcpy(out, "f-", 2);
    sodium_bin2hex(out + 2, PROVIDER_OUTCOME_ID_LEN - 2, digest, sizeof digest);
}

void provider_outcome_free(Carerhub__Outcome **op)
{
    Carerhub__Outcome *o = *op;
    if (!o)
        return;
    free(o->outcome_id);
    free(o->case_id);
    free(o->status);
    for (size_t i = 0; i < o->n_support; i++)
        free(o->support[i]);
    free(o->support);
    free(o->reason);
    free(o->to);
    free(o->note);
    free(o->source);
    free(o);
    *op = NULL;
}

/* jansson's words without its "near '...'", which quotes the file (a note
 * may be in it). */
static void s_jansson_text(const json_error_t *err, char *out, size_t outsz)
{
    const char *near = strstr(err->text, " near ");
    int n = near ? (int)(near - err->text) : (int)strlen(err->text);
    snprintf(out, outsz, "%.*s", n, err->text);
}

/* The key jansson's "duplicate object key near '"KEY"'" names, or "". */
static void s_duplicate_key(const json_error_t *err, char *out, size_t outsz)
{
    const char *q = strstr(err->text, " near '\"");
    size_t n;
    out[0] = '\0';
    if (!q)
        return;
    q += 8;
    n = strlen(q);
    if (n >= 2 && q[n - 1] == '\'' && q[n - 2] == '"')
        snprintf(out, outsz, "%.*s", (int)(n - 2), q);
}

/* Why jansson could not read the file, as one error of field "json". */
static void s_not_json(const json_error_t *err, ferrs_t *errs)
{
    char words[JSON_ERROR_TEXT_LENGTH], key[S_FIELD_NAME_MAX + 1];
    int line = err->line, col = err->column;

    s_jansson_text(err, words, sizeof words);
    switch (json_error_code(err)) {
    case json_error_invalid_utf8:
        ferrs_add(errs, "json", "encoding",
                  "not UTF-8 text at line %d, column %d: save the file as UTF-8", line, col);
        break;
    case json_error_duplicate_key:
        s_duplicate_key(err, key, sizeof key);
        ferrs_add(errs, "json", "duplicate_key",
                  "the key %s%s%sis given twice (line %d, column %d): give each key once",
                  key[0] ? "\"" : "", key, key[0] ? "\" " : "", line, col);
        break;
    case json_error_premature_end_of_input:
        ferrs_add(errs, "json", "syntax",
                  "not JSON: the file ends early at line %d, column %d (%s); was it read while "
                  "still being written? Write it under a name starting with '.', then rename it",
                  line, col, words);
        break;
    default:
        ferrs_add(errs, "json", "syntax", "not JSON: line %d, column %d: %s", line, col, words);
        break;
    }
}

/* An unknown key as a field name: at most S_FIELD_NAME_MAX bytes, cut at a
 * character's start (jansson gives keys as UTF-8). */
static void s_field_name(const char *key, char *out, size_t outsz)
{
    size_t n = strlen(key);
    if (n > outsz - 1)
        n = outsz - 1;
    while (n > 0 && n < strlen(key) && ((unsigned char)key[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, key, n);
    out[n] = '\0';
}

/* A string value as a C string, or NULL with an error when it is not one
 * (a NUL inside is not text). */
static char *s_string(const char *key, json_t *v, ferrs_t *errs)
{
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (!json_is_string(v)) {
        ferrs_add(errs, key, "type", "%s must be a string (in double quotes)%s", key,
                  json_is_null(v) ? ": leave the key out when there is no value" : "");
        return NULL;
    }
    if (memchr(s, '\0', n)) {
        ferrs_add(errs, key, "format", "%s holds a NUL character (\\u0000)", key);
        return NULL;
    }
    return xstrdup(s);
}

static int s_support(Carerhub__Outcome *o, json_t *v, ferrs_t *errs)
{
    size_t i, n = json_array_size(v), before = errs->n;
    json_t *x;
    if (!json_is_array(v)) {
        ferrs_add(errs, "support", "type",
                  "support must be a list of kinds of support, such as [\"information_advice\"]");
        return -1;
    }
    /* One more than outcome_check allows is enough for it to say so. */
    if (n > OUTCOME_SUPPORT_MAX + 1)
        n = OUTCOME_SUPPORT_MAX + 1;
    o->support = xcalloc(n ? n : 1, sizeof *o->support);
    json_array_foreach(v, i, x)
    {
        if (i >= n)
            break;
        if (!json_is_string(x)) {
            ferrs_add(errs, "support", "type", "support item %zu must be a string", i + 1);
            continue;
        }
        if (memchr(json_string_value(x), '\0', json_string_length(x))) {
            ferrs_add(errs, "support", "format", "support item %zu holds a NUL character", i + 1);
            continue;
        }
        o->support[o->n_support++] = xstrdup(json_string_value(x));
    }
    return errs->n == before ? 0 : -1;
}

/* at: a date and a time with Z or an offset, as RFC 3339 writes it. */
static int s_at(Carerhub__Outcome *o, json_t *v, ferrs_t *errs)
{
    char *s = s_string("at", v, errs);
    int rc = 0;
    if (!s)
        return -1;
    if (strlen(s) < 16 || (s[10] != 'T' && s[10] != 't') || date_time_parse(s, &o->at) < 0) {
        ferrs_add(errs, "at", "format",
                  "at must be a date and time with Z or an offset, such as "
                  "2026-12-01T10:00:00Z or 2026-12-01T10:00:00+01:00");
        rc = -1;
    } else {
        o->has_at = true;
    }
    free(s);
    return rc;
}

/* Puts the value of key into o, or says what is wrong with its type.
 * Returns 0, -1 for a known key of the wrong type, -2 for an unknown key. */
static int s_field(Carerhub__Outcome *o, const char *key, json_t *v, ferrs_t *errs)
{
    char **slot[S_NKEYS] = {&o->case_id, &o->status, NULL,     &o->reason,
                            &o->to,      NULL,       &o->note, &o->outcome_id};
    for (size_t i = 0; i < S_NKEYS; i++) {
        if (strcmp(key, s_keys[i].key) != 0)
            continue;
        if (s_keys[i].type == S_LIST)
            return s_support(o, v, errs);
        if (s_keys[i].type == S_TIME)
            return s_at(o, v, errs);
        return (*slot[i] = s_string(key, v, errs)) ? 0 : -1;
    }
    return -2;
}

/* The fields of the object, each of its type; the names of those that
 * were not go into typed (for outcome_check's errors not to repeat them). */
static void s_fields(Carerhub__Outcome *o, json_t *doc, ferrs_t *errs, ferrs_t *typed)
{
    const char *key;
    json_t *v;
    int unknown = 0;
    json_object_foreach(doc, key, v)
    {
        char field[S_FIELD_NAME_MAX + 1];
        int rc = s_field(o, key, v, errs);
        if (rc == -1)
            ferrs_add(typed, key, "type", "-");
        if (rc != -2)
            continue;
        if (unknown++ == S_UNKNOWN_MAX) {
            ferrs_add(errs, "json", "unknown_field",
                      "more than %d keys this hub does not know; an outcome file has only: %s",
                      S_UNKNOWN_MAX, S_KEYS_LIST);
            continue;
        }
        if (unknown > S_UNKNOWN_MAX)
            continue;
        s_field_name(key, field, sizeof field);
        ferrs_add(errs, field[0] ? field : "json", "unknown_field",
                  "\"%s\" is not a key of an outcome file; the keys are: %s", field, S_KEYS_LIST);
    }
}

/* The modification time of f in unix ms, rounded down. */
static int64_t s_mtime_ms(const provider_file_t *f)
{
    int64_t ms = f->mtime_ns / 1000000;
    return f->mtime_ns % 1000000 < 0 ? ms - 1 : ms;
}

Carerhub__Outcome *provider_outcome_read(const char *provider, const provider_file_t *f,
                                         int64_t now, char case_id[CASE_ID_MAX + 1], ferrs_t *errs)
{
    const size_t flags = JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL;
    Carerhub__Outcome *o;
    ferrs_t typed = FERRS_INIT, checked = FERRS_INIT;
    size_t before = errs->n;
    bool at_of_file = false;
    json_error_t err;
    json_t *doc;

    case_id[0] = '\0';
    if (f->len > PROVIDER_OUTCOME_MAX_BYTES) {
        ferrs_add(errs, "json", "too_large",
                  "the file is %zu bytes; an outcome file may have at most %d (a note at most "
                  "%d characters)",
                  f->len, PROVIDER_OUTCOME_MAX_BYTES, OUTCOME_NOTE_MAX);
        return NULL;
    }
    if (!(doc = json_loadb(f->data, f->len, flags, &err))) {
        s_not_json(&err, errs);
        return NULL;
    }
    if (!json_is_object(doc)) {
        ferrs_add(errs, "json", "type",
                  "an outcome file holds one JSON object, {\"case_id\": ..., \"status\": ...}, "
                  "not %s",
                  json_is_array(doc) ? "a list" : "a single value");
        json_decref(doc);
        return NULL;
    }
    o = xcalloc(1, sizeof *o);
    carerhub__outcome__init(o);
    s_fields(o, doc, errs, &typed);
    json_decref(doc);

    /* Not the time it is read: the outcome must be the same each time the
     * file is read (the router refuses an id it knows with other content). */
    if (!o->has_at && !ferrs_has(&typed, "at")) {
        o->has_at = at_of_file = true;
        o->at = s_mtime_ms(f);
    }
    /* What the hub checks of every outcome, but not again for a field whose
     * type was wrong (it is absent from o, not missing from the file). */
    outcome_check(o, now, &checked);
    for (size_t i = 0; i < checked.n; i++) {
        const char *field = checked.v[i].field, *code = checked.v[i].code;
        if (ferrs_has(&typed, field))
            continue;
        if (at_of_file && strcmp(field, "at") == 0)
            ferrs_add(errs, field, code,
                      "the file has no at, and its modification time, its at, is %s: is the "
                      "clock of the machine that wrote it right? Give at in the file",
                      strcmp(code, "future") == 0 ? "in the future" : "before the year 2000");
        else
            ferrs_add(errs, field, code, "%s", checked.v[i].message);
    }
    ferrs_free(&checked);
    ferrs_free(&typed);
    if (o->case_id && case_id_ok(o->case_id))
        snprintf(case_id, CASE_ID_MAX + 1, "%s", o->case_id);
    if (errs->n > before) {
        provider_outcome_free(&o);
        return NULL;
    }
    if (!o->outcome_id) {
        o->outcome_id = xmalloc(PROVIDER_OUTCOME_ID_LEN);
        provider_outcome_id(provider, f, o->outcome_id);
    }
    o->source = xstrdup(f->name);
    return o;
}

void provider_outcome_error_json(const char *name, int64_t rejected_at, const ferrs_t *errs,
                                 buf_t *out)
{
    buf_adds(out, "{\"file\":");
    buf_json_str(out, name);
    buf_adds(out, ",\"rejected_at\":");
    pbjson_time(out, rejected_at);
    buf_adds(out, ",\"errors\":[");
    for (size_t i = 0; i < errs->n; i++) {
        buf_adds(out, i ? ",{\"field\":" : "{\"field\":");
        buf_json_str(out, errs->v[i].field);
        buf_adds(out, ",\"code\":");
        buf_json_str(out, errs->v[i].code);
        buf_adds(out, ",\"message\":");
        buf_json_str(out, errs->v[i].message);
        buf_addc(out, '}');
    }
    buf_adds(out, "]}\n");
}
