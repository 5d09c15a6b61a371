/*
 * Growable text buffers: see buf.h.
 */
#include "util/buf.h"

#include "util/mem.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_reserve(buf_t *b, size_t more)
{
    b->data = xgrow(b->data, &b->cap, b->len + more + 1, 1);
}

void buf_add(buf_t *b, const void *p, size_t n)
{
    s_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_adds(buf_t *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_addc(buf_t *b, char c)
{
    buf_add(b, &c, 1);
}

void buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    s_reserve(b, 64);
    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    if ((size_t)n >= b->cap - b->len) {
        s_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* True for a byte that stands for itself inside a JSON string. */
static bool s_json_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void buf_json_str(buf_t *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end;

    if (!s) {
        buf_adds(b, "null");
        return;
    }
    end = p + strlen(s);
    s_reserve(b, (size_t)(end - p) + 2);
    buf_addc(b, '"');
    while (p < end) {
        const unsigned char *run = p;
        size_t len;
        while (p < end && s_json_plain(*p))
            p++;
        if (p > run)
            buf_add(b, run, (size_t)(p - run));
        if (p == end)
            break;
        len = text_utf8_seq_len(p, (size_t)(end - p));
        if (len == 0) {
            buf_adds(b, "\\ufffd");
            p++;
            continue;
        }
        if (len > 1 && text_is_layout_char(p, len)) {
            /* Valid JSON raw, but a C1 control or a bidi override printed
             * to a terminal is not harmless: JSON's own escape. */
            unsigned cp = len == 2 ? (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu)
                                   : (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
            char esc[6] = {'\\',        'u', hex[cp >> 12], hex[cp >> 8 & 15], hex[cp >> 4 & 15],
                           hex[cp & 15]};
            buf_add(b, esc, sizeof esc);
            p += len;
            continue;
        }
        if (len > 1) {
            buf_add(b, p, len);
            p += len;
            continue;
        }
        switch (*p) {
        case '"':
            buf_adds(b, "\\\"");
            break;
        case '\\':
            buf_adds(b, "\\\\");
            break;
        case '\n':
            buf_adds(b, "\\n");
            break;
        case '\r':
            buf_adds(b, "\\r");
            break;
        case '\t':
            buf_adds(b, "\\t");
            break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            buf_add(b, esc, sizeof esc);
        }
        }
        p++;
    }
    buf_addc(b, '"');
}

static bool s_html_control(unsigned c, bool keep_lines)
{
    if (keep_lines && (c == '\t' || c == '\n' || c == '\r'))
        return false;
    return c < 0x20 || c == 0x7f;
}

void buf_html(buf_t *b, const char *s, bool keep_lines)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = s ? strlen(s) : 0;

    for (size_t i = 0; i < n;) {
        size_t len = text_utf8_seq_len(p + i, n - i);
        unsigned c = p[i];
        if (len == 0 || (len == 1 && s_html_control(c, keep_lines)) ||
            (len > 1 && text_is_layout_char(p + i, len))) {
            buf_adds(b, "\xef\xbf\xbd"); /* U+FFFD */
            i += len ? len : 1;
            continue;
        }
        switch (c) {
        case '&':
            buf_adds(b, "&amp;");
            break;
        case '<':
            buf_adds(b, "&lt;");
            break;
        case '>':
            buf_adds(b, "&gt;");
            break;
        case '"':
            buf_adds(b, "&quot;");
            break;
        case '\'':
            buf_adds(b, "&#39;");
            break;
        default:
            buf_add(b, p + i, len);
        }
        i += len;
    }
}

void buf_reset(buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *buf_take(buf_t *b)
{
    char *d = b->data ? b->data : xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

void buf_free(buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
