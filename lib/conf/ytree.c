/*
 * YAML event stream to node tree: see ytree.h. Nodes live in one arena per
 * stream, freed together.
 */
#include "conf/ytree_impl.h"

#include "util/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct s_block {
    struct s_block *next;
    size_t used, size;
    char data[];
} s_block_t;

struct ystream {
    s_block_t *arena;
    ynode_t **docs;
    size_t ndocs, docs_cap;
    char *error;
    const char *err_code;
    int err_line, err_col;
};

static void *s_alloc(ystream_t *s, size_t n)
{
    s_block_t *b = s->arena;
    n = (n + 15) & ~(size_t)15;
    if (!b || b->size - b->used < n) {
        size_t size = n > 65536 ? n : 65536;
        b = xmalloc(sizeof *b + size);
        b->size = size;
        b->used = 0;
        b->next = s->arena;
        s->arena = b;
    }
    b->used += n;
    return b->data + b->used - n;
}

static void s_fail(ystream_t *s, const yaml_mark_t *m, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void s_fail(ystream_t *s, const yaml_mark_t *m, const char *code, const char *fmt, ...)
{
    va_list ap;
    char msg[512];
    if (s->error)
        return;
    s->err_code = code;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->error = xstrdup(msg);
    s->err_line = m ? (int)m->line + 1 : 0;
    s->err_col = m ? (int)m->column + 1 : 0;
}

/* A node under construction: children collect in a growable array that is
 * copied into the arena when the node ends. */
typedef struct {
    ynode_t *node;
    ynode_t **kids;
    size_t n, cap;
} s_frame_t;

static int s_key_cmp(const void *a, const void *b)
{
    const ynode_t *x = *(ynode_t *const *)a, *y = *(ynode_t *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->value, y->value, n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    /* Equal keys: order by position so the later one is reported. */
    return x->line != y->line ? x->line - y->line : x->col - y->col;
}

static int s_check_keys(ystream_t *s, s_frame_t *f)
{
    size_t pairs = f->n / 2;
    ynode_t **keys;
    int rc = 0;
    if (pairs < 2)
        return 0;
    keys = xmalloc(pairs * sizeof *keys);
    for (size_t i = 0; i < pairs; i++)
        keys[i] = f->kids[2 * i];
    qsort(keys, pairs, sizeof *keys, s_key_cmp);
    for (size_t i = 1; i < pairs; i++) {
        if (keys[i]->len == keys[i - 1]->len &&
            memcmp(keys[i]->value, keys[i - 1]->value, keys[i]->len) == 0) {
            yaml_mark_t m = {0, (size_t)keys[i]->line - 1, (size_t)keys[i]->col - 1};
            s_fail(s, &m, "duplicate_key", "duplicate key '%.64s' (first at line %d)",
                   keys[i]->value, keys[i - 1]->line);
            rc = -1;
            break;
        }
    }
    free(keys);
    return rc;
}

static ynode_t *s_node(ystream_t *s, ynode_kind_t kind, const yaml_mark_t *m)
{
    ynode_t *n = s_alloc(s, sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->line = (int)m->line + 1;
    n->col = (int)m->column + 1;
    return n;
}

static int s_add_child(ystream_t *s, s_frame_t *f, ynode_t *child, const yaml_mark_t *m)
{
    if (f->node->kind == YNODE_MAP && f->n % 2 == 0 && child->kind != YNODE_SCALAR) {
        s_fail(s, m, "type", "a key must be plain text, not a %s", ynode_kind_name(child));
        return -1;
    }
    f->kids = xgrow(f->kids, &f->cap, f->n + 1, sizeof *f->kids);
    f->kids[f->n++] = child;
    return 0;
}

/* One loop over libyaml's events, read top to bottom: each event opens,
 * fills or closes a node, and then the same limits and refusals apply to
 * every node. It stays one function (past 80 lines) because the parser's
 * state, the stack of open nodes and the counts, is the loop's own. */
ystream_t *ytree_parse(const char *buf, size_t len, const ylimits_t *lim)
{
    ystream_t *s = xcalloc(1, sizeof *s);
    yaml_parser_t parser;
    s_frame_t *stack = NULL;
    size_t depth = 0, stack_cap = 0, nodes = 0;
    ynode_t *root = NULL;
    bool in_doc = false, done = false;

    if (!yaml_parser_initialize(&parser)) {
        s_fail(s, NULL, "syntax", "cannot initialise the YAML parser");
        return s;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    while (!done && !s->error) {
        yaml_event_t ev;
        ynode_t *n = NULL;
        const char *anchor = NULL, *tag = NULL;

        if (!yaml_parser_parse(&parser, &ev)) {
            yaml_mark_t m = parser.problem_mark;
            ytree_hint_t h;
            if (ytree_hint(&parser, buf, len, &h) == 0) {
                yaml_mark_t at = {0, (size_t)h.line - 1, (size_t)h.col - 1};
                s_fail(s, &at, h.code, "%s", h.msg);
                break;
            }
            s_fail(s, &m, parser.error == YAML_READER_ERROR ? "encoding" : "syntax", "%s%s%s",
                   parser.problem ? parser.problem : "syntax error", parser.context ? " " : "",
                   parser.context ? parser.context : "");
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            in_doc = true;
            root = NULL;
            nodes = 0;
            break;
        case YAML_DOCUMENT_END_EVENT:
            s->docs = xgrow(s->docs, &s->docs_cap, s->ndocs + 1, sizeof *s->docs);
            s->docs[s->ndocs++] = root;
            in_doc = false;
            break;
        case YAML_ALIAS_EVENT:
            s_fail(s, &ev.start_mark, "alias", "aliases (*%s) are not allowed",
                   (const char *)ev.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
            anchor = (const char *)ev.data.scalar.anchor;
            tag = (const char *)ev.data.scalar.tag;
            if (ev.data.scalar.length > lim->max_scalar) {
                s_fail(s, &ev.start_mark, "too_long",
                       "a value of %zu bytes is over the limit of %zu", ev.data.scalar.length,
                       lim->max_scalar);
                break;
            }
            n = s_node(s, YNODE_SCALAR, &ev.start_mark);
            n->len = ev.data.scalar.length;
            n->value = s_alloc(s, n->len + 1);
            memcpy(n->value, ev.data.scalar.value, n->len);
            n->value[n->len] = '\0';
            n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
            break;
        case YAML_SEQUENCE_START_EVENT:
            anchor = (const char *)ev.data.sequence_start.anchor;
            tag = (const char *)ev.data.sequence_start.tag;
            n = s_node(s, YNODE_SEQ, &ev.start_mark);
            break;
        case YAML_MAPPING_START_EVENT:
            anchor = (const char *)ev.data.mapping_start.anchor;
            tag = (const char *)ev.data.mapping_start.tag;
            n = s_node(s, YNODE_MAP, &ev.start_mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            s_frame_t *f = &stack[--depth];
            if (f->node->kind == YNODE_MAP && s_check_keys(s, f) < 0) {
                free(f->kids);
                break;
            }
            f->node->nkids = f->n;
            if (f->n) {
                f->node->kids = s_alloc(s, f->n * sizeof *f->kids);
                memcpy(f->node->kids, f->kids, f->n * sizeof *f->kids);
            }
            free(f->kids);
            break;
        }
        default:
            break;
        }
        if (!s->error && anchor)
            s_fail(s, &ev.start_mark, "anchor", "anchors (&%s) are not allowed", anchor);
        if (!s->error && tag)
            s_fail(s, &ev.start_mark, "tag", "tags (%s) are not allowed", tag);
        if (!s->error && n) {
            if (++nodes > lim->max_nodes)
                s_fail(s, &ev.start_mark, "too_many", "more than %zu values in one document",
                       lim->max_nodes);
            else if (depth > 0)
                s_add_child(s, &stack[depth - 1], n, &ev.start_mark);
            else
                root = n;
        }
        if (!s->error && n && n->kind != YNODE_SCALAR) {
            if (depth >= lim->max_depth) {
                s_fail(s, &ev.start_mark, "too_deep", "nested deeper than %zu levels",
                       lim->max_depth);
            } else {
                stack = xgrow(stack, &stack_cap, depth + 1, sizeof *stack);
                stack[depth].node = n;
                stack[depth].kids = NULL;
                stack[depth].n = stack[depth].cap = 0;
                depth++;
            }
        }
        yaml_event_delete(&ev);
    }
    (void)in_doc;
    while (depth > 0)
        free(stack[--depth].kids);
    free(stack);
    yaml_parser_delete(&parser);
    return s;
}

void ystream_destroy(ystream_t **sp)
{
    ystream_t *s = *sp;
    if (!s)
        return;
    while (s->arena) {
        s_block_t *next = s->arena->next;
        free(s->arena);
        s->arena = next;
    }
    free(s->docs);
    free(s->error);
    free(s);
    *sp = NULL;
}

size_t ystream_count(const ystream_t *s)
{
    return s->ndocs;
}

const ynode_t *ystream_doc(const ystream_t *s, size_t i)
{
    return i < s->ndocs ? s->docs[i] : NULL;
}

const char *ystream_error(const ystream_t *s, int *line, int *col)
{
    if (line)
        *line = s->err_line;
    if (col)
        *col = s->err_col;
    return s->error;
}

const char *ystream_error_code(const ystream_t *s)
{
    return s->error ? s->err_code : NULL;
}

const ynode_t *ynode_get(const ynode_t *map, const char *key)
{
    size_t klen = strlen(key);
    if (!map || map->kind != YNODE_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < map->nkids; i += 2)
        if (map->kids[i]->len == klen && memcmp(map->kids[i]->value, key, klen) == 0)
            return map->kids[i + 1];
    return NULL;
}

size_t ynode_pairs(const ynode_t *map)
{
    return map && map->kind == YNODE_MAP ? map->nkids / 2 : 0;
}

bool ynode_is_null(const ynode_t *n)
{
    if (!n)
        return true;
    if (n->kind != YNODE_SCALAR || !n->plain)
        return false;
    return n->len == 0 || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
           strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0;
}

const char *ynode_kind_name(const ynode_t *n)
{
    if (!n)
        return "nothing";
    switch (n->kind) {
    case YNODE_SCALAR:
        return "single value";
    case YNODE_MAP:
        return "mapping";
    case YNODE_SEQ:
        return "list";
    }
    return "value";
}
