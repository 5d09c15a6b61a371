/*
 * YAML read through libyaml's event API into a small tree of nodes that keep
 * their line and column, so that every later error can say file:line:column.
 * Hostile input is expected: anchors, aliases and tags are refused, duplicate
 * keys are refused, and depth, node count and scalar size are capped.
 */
#ifndef CARERHUB_YTREE_H
#define CARERHUB_YTREE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ } ynode_kind_t;

typedef struct ynode ynode_t;
struct ynode {
    ynode_kind_t kind;
    int line, col;  /* 1-based position of the node's start */
    char *value;    /* scalar text, NUL-terminated (may hold NUL bytes: see len) */
    size_t len;     /* scalar length in bytes */
    bool plain;     /* scalar written without quotes (so `true`, `12`, `~` have meaning) */
    ynode_t **kids; /* map: key, value, key, value...; seq: items */
    size_t nkids;   /* entries in kids (twice the pair count for maps) */
};

typedef struct {
    size_t max_depth;  /* nesting of maps and sequences */
    size_t max_nodes;  /* per document */
    size_t max_scalar; /* bytes in one scalar */
} ylimits_t;

typedef struct ystream ystream_t;

/* Parses len bytes of YAML (one or more documents). Always returns a stream
 * (caller destroys it); documents that parsed are available even if a later
 * one failed, and the failure is described by ystream_error(). */
ystream_t *ytree_parse(const char *buf, size_t len, const ylimits_t *limits);
void ystream_destroy(ystream_t **s);

size_t ystream_count(const ystream_t *s);
/* Document i (0-based); NULL for an empty document. Borrowed from s. */
const ynode_t *ystream_doc(const ystream_t *s, size_t i);
/* NULL if every document parsed; otherwise the message, its position, and
 * the 0-based index of the document that failed (== ystream_count()).
 * Where the cause is known, the message says it in plain words at the line
 * to put right ("use spaces, not a tab, to indent"; "put a space after the
 * colon in 'given_name:Jane'"; "this file is not saved as UTF-8 (line 4 has
 * 'Zo?'): save it as UTF-8"); otherwise it is libyaml's own. */
const char *ystream_error(const ystream_t *s, int *line, int *col);
/* A short code for the failure: syntax, encoding (not UTF-8), duplicate_key,
 * anchor, alias, tag, type, too_long, too_many, too_deep; NULL if none. */
const char *ystream_error_code(const ystream_t *s);

/* Whether the len bytes at s (a line's content, or a value) read as a
 * field and its value with no space after the colon, "given_name:Jane";
 * if so writes into out (outsz bytes) the field, the colon and at most
 * four characters of the value ("given_name:Jane", "family_name:Adve..."),
 * so that a message can show the place without repeating someone's data. */
bool ytree_missing_space(const char *s, size_t len, char *out, size_t outsz);
/* The same for a plain scalar node (false for anything else). */
bool ynode_missing_space(const ynode_t *n, char *out, size_t outsz);

/* In a map, the value for key, or NULL. */
const ynode_t *ynode_get(const ynode_t *map, const char *key);
/* Number of key/value pairs in a map. */
size_t ynode_pairs(const ynode_t *map);
/* True for a plain scalar that means "nothing": empty, ~, null. */
bool ynode_is_null(const ynode_t *n);
const char *ynode_kind_name(const ynode_t *n);

#endif
