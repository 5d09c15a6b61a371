/*
 * Growable byte buffers for building text: messages, JSON documents, file
 * contents. The buffer is always NUL-terminated.
 */
#ifndef CARERHUB_BUF_H
#define CARERHUB_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *data; /* owned; NUL-terminated */
    size_t len;
    size_t cap;
} buf_t;

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_add(buf_t *b, const void *p, size_t n);
void buf_adds(buf_t *b, const char *s);
void buf_addc(buf_t *b, char c);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. Invalid UTF-8 bytes
 * are replaced by U+FFFD so the output is always valid JSON. s may be NULL:
 * then `null` is written. */
void buf_json_str(buf_t *b, const char *s);
/* Appends s as HTML text, safe in an element or a quoted attribute: & < >
 * " ' as character references; each byte that is not well-formed UTF-8,
 * each C0 control and DEL, and each C1 control or bidi override as U+FFFD.
 * With keep_lines, tab, line feed and carriage return are kept (a
 * textarea's text needs them). NULL appends nothing. */
void buf_html(buf_t *b, const char *s, bool keep_lines);
void buf_reset(buf_t *b);
/* Returns the contents and leaves the buffer empty; caller frees. */
char *buf_take(buf_t *b);
void buf_free(buf_t *b);

#endif
