/*
 * Table-driven configuration binding: see conf.h.
 */
#include "conf/conf.h"

#include "util/file.h"
#include "util/mem.h"
#include "util/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void diag_add(diag_t *d, const char *fmt, ...)
{
    va_list ap;
    char msg[1024];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->msgs = xgrow(d->msgs, &d->cap, d->n + 1, sizeof *d->msgs);
    d->msgs[d->n++] = xstrdup(msg);
}

void diag_at(diag_t *d, const char *file, const ynode_t *at, const char *fmt, ...)
{
    va_list ap;
    char msg[900];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_add(d, "%s:%d:%d: %s", file, at ? at->line : 0, at ? at->col : 0, msg);
}

void diag_print(const diag_t *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(out, "%s\n", d->msgs[i]);
}

void diag_free(diag_t *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->msgs[i]);
    free(d->msgs);
    d->msgs = NULL;
    d->n = d->cap = 0;
}

int conf_parse_bool(const ynode_t *n, bool *out)
{
    static const char *yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", NULL};
    static const char *no[] = {"false", "False", "FALSE", "no", "No", "NO", NULL};
    if (!n || n->kind != YNODE_SCALAR || !n->plain)
        return -1;
    for (int i = 0; yes[i]; i++)
        if (strcmp(n->value, yes[i]) == 0) {
            *out = true;
            return 0;
        }
    for (int i = 0; no[i]; i++)
        if (strcmp(n->value, no[i]) == 0) {
            *out = false;
            return 0;
        }
    return -1;
}

int conf_parse_int(const ynode_t *n, long long *out)
{
    char *end;
    long long v;
    if (!n || n->kind != YNODE_SCALAR || n->len == 0 || n->len != strlen(n->value))
        return -1;
    errno = 0;
    v = strtoll(n->value, &end, 10);
    if (errno || *end || end == n->value)
        return -1;
    *out = v;
    return 0;
}

int conf_scalar(const conf_ctx_t *ctx, const ynode_t *n, const char *what)
{
    if (n && n->kind == YNODE_SCALAR)
        return 0;
    diag_at(ctx->diag, ctx->file, n, "%s must be a single value, not a %s", what,
            ynode_kind_name(n));
    return -1;
}

void conf_unknown_key(const conf_ctx_t *ctx, const ynode_t *key, const char *const *known,
                      size_t nknown)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < nknown; i++) {
        size_t d = text_distance(key->value, known[i]);
        if (d < best_d) {
            best_d = d;
            best = known[i];
        }
    }
    if (best)
        diag_at(ctx->diag, ctx->file, key, "unknown key '%.64s' (did you mean '%s'?)", key->value,
                best);
    else
        diag_at(ctx->diag, ctx->file, key, "unknown key '%.64s'", key->value);
}

int conf_only_keys(const conf_ctx_t *ctx, const ynode_t *map, const char *const *allowed)
{
    int rc = 0;
    for (size_t i = 0; map && i + 1 < map->nkids; i += 2) {
        const ynode_t *k = map->kids[i];
        bool ok = false;
        for (size_t j = 0; allowed[j]; j++)
            if (strcmp(k->value, allowed[j]) == 0)
                ok = true;
        if (!ok) {
            size_t n = 0;
            while (allowed[n])
                n++;
            conf_unknown_key(ctx, k, allowed, n);
            rc = -1;
        }
    }
    return rc;
}

/* Builds a scalar node from a default so that one code path binds both. */
static ynode_t s_default_node(const char *text)
{
    ynode_t n;
    memset(&n, 0, sizeof n);
    n.kind = YNODE_SCALAR;
    n.value = (char *)text;
    n.len = strlen(text);
    n.plain = true;
    return n;
}

static int s_bind_one(const conf_ctx_t *ctx, const conf_key_t *k, const ynode_t *v, void *base)
{
    char *field = (char *)base + k->offset;
    long long iv;

    if (k->type == CK_SECTION) {
        if (v && v->kind != YNODE_MAP && !ynode_is_null(v)) {
            diag_at(ctx->diag, ctx->file, v, "%s must be a mapping of settings", k->name);
            /* Fill in the defaults so the struct is complete, then fail. */
            conf_bind(ctx, NULL, k->sub, field);
            return -1;
        }
        return conf_bind(ctx, ynode_is_null(v) ? NULL : v, k->sub, field);
    }
    if (conf_scalar(ctx, v, k->name) < 0)
        return -1;
    if (v->len != strlen(v->value)) {
        diag_at(ctx->diag, ctx->file, v, "%s contains a NUL character", k->name);
        return -1;
    }
    switch (k->type) {
    case CK_STR:
    case CK_PATH:
        if (k->max && (long long)v->len > k->max) {
            diag_at(ctx->diag, ctx->file, v, "%s is longer than %lld characters", k->name, k->max);
            return -1;
        }
        if (k->required && v->len == 0) {
            diag_at(ctx->diag, ctx->file, v, "%s must not be empty", k->name);
            return -1;
        }
        free(*(char **)field);
        if (k->type == CK_PATH && v->len > 0)
            *(char **)field = file_join(ctx->dir, v->value);
        else
            *(char **)field = xstrdup(v->value);
        return 0;
    case CK_INT:
        if (conf_parse_int(v, &iv) < 0) {
            diag_at(ctx->diag, ctx->file, v, "%s must be a whole number, not '%.64s'", k->name,
                    v->value);
            return -1;
        }
        if (iv < k->min || iv > k->max) {
            diag_at(ctx->diag, ctx->file, v, "%s must be between %lld and %lld, not %lld", k->name,
                    k->min, k->max, iv);
            return -1;
        }
        *(long long *)field = iv;
        return 0;
    case CK_BOOL:
        if (conf_parse_bool(v, (bool *)field) < 0) {
            diag_at(ctx->diag, ctx->file, v, "%s must be true or false, not '%.64s'", k->name,
                    v->value);
            return -1;
        }
        return 0;
    case CK_ENUM:
        for (int i = 0; k->choices[i]; i++)
            if (strcmp(v->value, k->choices[i]) == 0) {
                *(int *)field = i;
                return 0;
            }
        {
            char list[256] = "";
            for (int i = 0; k->choices[i]; i++) {
                if (i)
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, k->choices[i], sizeof list - strlen(list) - 1);
            }
            diag_at(ctx->diag, ctx->file, v, "%s must be one of %s, not '%.64s'", k->name, list,
                    v->value);
        }
        return -1;
    case CK_SECTION:
        break;
    }
    return -1;
}

int conf_bind(const conf_ctx_t *ctx, const ynode_t *map, const conf_key_t *keys, void *base)
{
    int rc = 0;

    /* Unknown keys first, in file order. */
    for (size_t i = 0; map && i + 1 < map->nkids; i += 2) {
        const ynode_t *key = map->kids[i];
        const conf_key_t *k = keys;
        while (k->name && strcmp(k->name, key->value) != 0)
            k++;
        if (!k->name) {
            const char *names[64];
            size_t n = 0;
            for (k = keys; k->name && n < 64; k++)
                names[n++] = k->name;
            conf_unknown_key(ctx, key, names, n);
            rc = -1;
        }
    }
    for (const conf_key_t *k = keys; k->name; k++) {
        const ynode_t *v = ynode_get(map, k->name);
        if (v && ynode_is_null(v) && k->type != CK_SECTION)
            v = NULL;
        if (!v && k->type != CK_SECTION) {
            ynode_t d;
            if (!k->def) {
                if (k->required) {
                    diag_at(ctx->diag, ctx->file, map, "missing required key '%s'", k->name);
                    rc = -1;
                }
                continue;
            }
            d = s_default_node(k->def);
            if (s_bind_one(ctx, k, &d, base) < 0)
                rc = -1;
            continue;
        }
        if (s_bind_one(ctx, k, v, base) < 0)
            rc = -1;
    }
    return rc;
}

void conf_release(const conf_key_t *keys, void *base)
{
    for (const conf_key_t *k = keys; k->name; k++) {
        char *field = (char *)base + k->offset;
        if (k->type == CK_STR || k->type == CK_PATH) {
            free(*(char **)field);
            *(char **)field = NULL;
        } else if (k->type == CK_SECTION) {
            conf_release(k->sub, field);
        }
    }
}

/* Parses data (len bytes, read from path; freed here) as one mapping. */
static ystream_t *s_parse(const char *path, char *data, size_t len, const ynode_t **root,
                          diag_t *diag)
{
    static const ylimits_t limits = {.max_depth = 16, .max_nodes = 200000, .max_scalar = 65536};
    ystream_t *s;
    const char *err;
    int line, col;

    s = ytree_parse(data, len, &limits);
    free(data);
    err = ystream_error(s, &line, &col);
    if (err) {
        diag_add(diag, "%s:%d:%d: %s", path, line, col, err);
        ystream_destroy(&s);
        return NULL;
    }
    if (ystream_count(s) != 1) {
        diag_add(diag, "%s:1:1: expected one YAML document, found %zu", path, ystream_count(s));
        ystream_destroy(&s);
        return NULL;
    }
    *root = ystream_doc(s, 0);
    if (!*root || (*root)->kind != YNODE_MAP) {
        diag_at(diag, path, *root, "expected a mapping of settings, found a %s",
                ynode_kind_name(*root));
        ystream_destroy(&s);
        return NULL;
    }
    return s;
}

ystream_t *conf_read_file(const char *path, const ynode_t **root, diag_t *diag)
{
    char *data;
    size_t len;

    *root = NULL;
    if (file_read_all(path, 16u << 20, &data, &len) < 0) {
        diag_add(diag, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    return s_parse(path, data, len, root, diag);
}

ystream_t *conf_read_trusted(const char *path, const ynode_t **root, diag_t *diag)
{
    char *data, err[512];
    size_t len;

    *root = NULL;
    if (file_read_trusted(path, FILE_TRUSTED, 16u << 20, &data, &len, err, sizeof err) < 0) {
        diag_add(diag, "%s", err);
        return NULL;
    }
    return s_parse(path, data, len, root, diag);
}
