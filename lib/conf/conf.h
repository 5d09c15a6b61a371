/*
 * Typed configuration from YAML: a table of keys (name, type, default,
 * bounds) binds a mapping onto a C struct. Unknown keys, wrong types and
 * values out of bounds are reported as "file:line:column: message" into a
 * diagnostics list; binding goes on after an error so that every problem is
 * reported at once.
 */
#ifndef CARERHUB_CONF_H
#define CARERHUB_CONF_H

#include "conf/ytree.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Diagnostics: a list of finished messages. */
typedef struct {
    char **msgs; /* owned */
    size_t n, cap;
} diag_t;

#define DIAG_INIT                                                                                  \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void diag_add(diag_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds "file:line:column: message" for node `at` (position 0:0 when NULL). */
void diag_at(diag_t *d, const char *file, const ynode_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_print(const diag_t *d, FILE *out);
void diag_free(diag_t *d);

typedef enum {
    CK_STR,     /* char *: text up to max bytes */
    CK_INT,     /* long long within [min, max] */
    CK_BOOL,    /* bool: true or false */
    CK_PATH,    /* char *: a path; relative ones are taken from the file's directory */
    CK_ENUM,    /* int: index into choices */
    CK_SECTION, /* a nested mapping bound with `sub` at offset */
} conf_type_t;

typedef struct conf_key conf_key_t;
struct conf_key {
    const char *name;
    conf_type_t type;
    size_t offset;
    const char *def; /* default, written as in YAML; NULL: no default */
    long long min, max;
    const conf_key_t *sub;      /* CK_SECTION: its table, ended by a NULL name */
    const char *const *choices; /* CK_ENUM: NULL-terminated */
    bool required;
};

/* The file being bound and where problems go. */
typedef struct {
    const char *file; /* for messages */
    const char *dir;  /* for CK_PATH */
    diag_t *diag;
} conf_ctx_t;

/* Binds `map` (a YAML mapping, or NULL for "all defaults") onto base using
 * keys. Every key is set: from the map, else from its default. Returns 0, or
 * -1 if any problem was added to ctx->diag. Strings in base are owned by it:
 * release them with conf_release(). */
int conf_bind(const conf_ctx_t *ctx, const ynode_t *map, const conf_key_t *keys, void *base);
void conf_release(const conf_key_t *keys, void *base);

/* Parses a whole file into a YAML stream with the limits for configuration
 * files; a read or syntax problem is added to diag and NULL returned. The
 * file must hold exactly one document, a mapping, returned in *root. */
ystream_t *conf_read_file(const char *path, const ynode_t **root, diag_t *diag);
/* As conf_read_file, for a file that decides who may do what (the
 * participants): read with file_read_trusted(FILE_TRUSTED), so a symlink, a
 * file others can change, or one owned by another user (root aside) is
 * refused with a message saying which. */
ystream_t *conf_read_trusted(const char *path, const ynode_t **root, diag_t *diag);

/* Scalar helpers for hand-written binders. Each reports into ctx->diag. */
int conf_scalar(const conf_ctx_t *ctx, const ynode_t *n, const char *what);
int conf_parse_bool(const ynode_t *n, bool *out);
int conf_parse_int(const ynode_t *n, long long *out);
/* Reports an unknown key, suggesting the nearest of the known names when it
 * looks like a typo of one. */
void conf_unknown_key(const conf_ctx_t *ctx, const ynode_t *key, const char *const *known,
                      size_t nknown);
/* Reports every key of `map` not in the NULL-terminated list `allowed`. */
int conf_only_keys(const conf_ctx_t *ctx, const ynode_t *map, const char *const *allowed);

#endif
