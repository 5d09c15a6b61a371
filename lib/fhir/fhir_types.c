/*
 * Readers of FHIR JSON datatypes: primitives, Identifier, Extension,
 * HumanName, ContactPoint, dates. A value of the wrong JSON type is an
 * issue at its FHIRPath and reads as absent, so that reading goes on and
 * every problem is named at once.
 */
#include "fhir/fhir_impl.h"

#include "util/mem.h"

#include <stdio.h>
#include <string.h>

static void s_at(char *out, size_t outsz, const char *path, const char *key)
{
    snprintf(out, outsz, "%s.%s", path, key);
}

char *fhir_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

const char *fhir_str(fhir_doc_t *d, json_t *o, const char *key, const char *path)
{
    json_t *v = json_object_get(o, key);
    char at[160];
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        s_at(at, sizeof at, path, key);
        fhir_issue_add(d->is, "structure", at, "must be a JSON string");
        return NULL;
    }
    return json_string_value(v);
}

json_t *fhir_arr(fhir_doc_t *d, json_t *o, const char *key, const char *path)
{
    json_t *v = json_object_get(o, key);
    char at[160];
    if (!v)
        return NULL;
    if (!json_is_array(v)) {
        s_at(at, sizeof at, path, key);
        fhir_issue_add(d->is, "structure", at,
                       "must be a JSON array: FHIR writes repeating elements as arrays, even "
                       "of one");
        return NULL;
    }
    return v;
}

json_t *fhir_obj(fhir_doc_t *d, json_t *o, const char *key, const char *path)
{
    json_t *v = json_object_get(o, key);
    char at[160];
    if (!v)
        return NULL;
    if (!json_is_object(v)) {
        s_at(at, sizeof at, path, key);
        fhir_issue_add(d->is, "structure", at, "must be a JSON object");
        return NULL;
    }
    return v;
}

int fhir_bool(fhir_doc_t *d, json_t *o, const char *key, const char *path)
{
    json_t *v = json_object_get(o, key);
    char at[160];
    if (!v)
        return -1;
    if (!json_is_boolean(v)) {
        s_at(at, sizeof at, path, key);
        fhir_issue_add(d->is, "structure", at, "must be true or false (a JSON boolean)");
        return -1;
    }
    return json_is_true(v);
}

const char *fhir_identifier(fhir_doc_t *d, json_t *o, const char *path, const char *system,
                            char *at, size_t atsz)
{
    json_t *ids = fhir_arr(d, o, "identifier", path), *id;
    size_t i;
    char p[160];
    json_array_foreach(ids, i, id)
    {
        const char *sys, *val;
        snprintf(p, sizeof p, "%s.identifier[%zu]", path, i);
        if (!json_is_object(id))
            continue;
        sys = fhir_str(d, id, "system", p);
        if (!sys || strcmp(sys, system) != 0)
            continue;
        val = fhir_str(d, id, "value", p);
        snprintf(at, atsz, "%s.value", p);
        if (!val)
            fhir_issue_add(d->is, "required", at, "the identifier of %s has no value", system);
        return val;
    }
    return NULL;
}

json_t *fhir_extension(fhir_doc_t *d, json_t *o, const char *path, const char *url, char *at,
                       size_t atsz)
{
    json_t *exts = fhir_arr(d, o, "extension", path), *e;
    size_t i;
    json_array_foreach(exts, i, e)
    {
        const char *u = json_is_object(e) ? json_string_value(json_object_get(e, "url")) : NULL;
        if (u && strcmp(u, url) == 0) {
            snprintf(at, atsz, "%s.extension[%zu]", path, i);
            return e;
        }
    }
    return NULL;
}

/* Joins the strings of an array with sep into a new string (NULL if none). */
static char *s_join(fhir_doc_t *d, json_t *arr, const char *sep, const char *path)
{
    buf_t b = BUF_INIT;
    json_t *x;
    size_t i;
    char at[200];
    json_array_foreach(arr, i, x)
    {
        if (!json_is_string(x)) {
            snprintf(at, sizeof at, "%s[%zu]", path, i);
            fhir_issue_add(d->is, "structure", at, "must be a JSON string");
            continue;
        }
        if (json_string_length(x) == 0)
            continue;
        if (b.len)
            buf_adds(&b, sep);
        buf_adds(&b, json_string_value(x));
    }
    return b.len ? buf_take(&b) : (buf_free(&b), NULL);
}

/* The index of the name to read: official, else usual, else the first. */
static long s_pick_name(json_t *names)
{
    static const char *const uses[] = {"official", "usual", NULL};
    json_t *n;
    size_t i;
    for (size_t u = 0; uses[u]; u++)
        json_array_foreach(names, i, n)
        {
            const char *use = json_string_value(json_object_get(n, "use"));
            if (json_is_object(n) && use && strcmp(use, uses[u]) == 0)
                return (long)i;
        }
    json_array_foreach(names, i, n) if (json_is_object(n)) return (long)i;
    return -1;
}

void fhir_name(fhir_doc_t *d, json_t *o, const char *path, char **given, char **family, char **text)
{
    json_t *names = fhir_arr(d, o, "name", path), *pick;
    long at = s_pick_name(names);
    char p[160], gp[176];
    *given = *family = NULL;
    if (text)
        *text = NULL;
    if (at < 0)
        return;
    pick = json_array_get(names, (size_t)at);
    snprintf(p, sizeof p, "%s.name[%ld]", path, at);
    snprintf(gp, sizeof gp, "%s.given", p);
    *given = s_join(d, fhir_arr(d, pick, "given", p), " ", gp);
    *family = fhir_dup(fhir_str(d, pick, "family", p));
    if (text)
        *text = fhir_dup(fhir_str(d, pick, "text", p));
}

char *fhir_telecom(fhir_doc_t *d, json_t *o, const char *path, const char *system)
{
    json_t *tel = fhir_arr(d, o, "telecom", path), *t;
    size_t i;
    char p[160];
    json_array_foreach(tel, i, t)
    {
        const char *sys;
        if (!json_is_object(t))
            continue;
        snprintf(p, sizeof p, "%s.telecom[%zu]", path, i);
        sys = fhir_str(d, t, "system", p);
        if (sys && strcmp(sys, system) == 0)
            return fhir_dup(fhir_str(d, t, "value", p));
    }
    return NULL;
}

bool fhir_coding_is(json_t *coding, const char *system, const char *code)
{
    const char *s = json_string_value(json_object_get(coding, "system"));
    const char *c = json_string_value(json_object_get(coding, "code"));
    return s && c && strcmp(s, system) == 0 && (!code || strcmp(c, code) == 0);
}

char *fhir_day(fhir_doc_t *d, json_t *o, const char *key, const char *path)
{
    const char *s = fhir_str(d, o, key, path);
    size_t n;
    if (!s)
        return NULL;
    /* A dateTime is its day and a time ("2026-11-20T10:30:00Z"): the day
     * as the referrer wrote it is the referral's date. What is no date at
     * all is kept whole for referral_check to name. */
    n = strlen(s);
    if (n > 10 && s[10] == 'T')
        n = 10;
    return xstrndup(s, n);
}
