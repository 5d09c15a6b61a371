/*
 * Request bodies and queries of carerhub-web: application/x-www-form-
 * urlencoded decoded into fields, refusing what no form of these pages
 * sends: more than WEB_FIELDS_MAX fields, a value longer than
 * WEB_FIELD_MAX bytes, a NUL, text that is not UTF-8, a broken escape.
 */
#include "web_impl.h"

#include "util/mem.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- forms ------------------------------------------------------------- */

static int s_hex(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Decodes n bytes of one name or value; NULL with why on a problem. */
static char *s_unescape(const char *s, size_t n, char *why, size_t whysz)
{
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < n ? s_hex((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? s_hex((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                snprintf(why, whysz,
                         "a field is badly encoded (a %% not followed by two "
                         "hexadecimal digits)");
                free(out);
                return NULL;
            }
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    if (memchr(out, '\0', o)) {
        snprintf(why, whysz, "a field holds a NUL character, which text never has");
    } else if (o > WEB_FIELD_MAX) {
        snprintf(why, whysz, "a field is longer than %d bytes", WEB_FIELD_MAX);
    } else {
        for (size_t i = 0; i < o;) {
            size_t len = text_utf8_seq_len((const unsigned char *)out + i, o - i);
            if (!len) {
                snprintf(why, whysz, "a field is not valid UTF-8 text");
                break;
            }
            i += len;
        }
        if (!*why)
            return out;
    }
    free(out);
    return NULL;
}

int web_form_decode(const char *s, size_t n, web_form_t *f, char *why, size_t whysz)
{
    size_t cap = 0;
    memset(f, 0, sizeof *f);
    why[0] = '\0';
    for (size_t i = 0; i < n;) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - s) : n;
        const char *eq = memchr(s + i, '=', end - i);
        size_t nend = eq ? (size_t)(eq - s) : end;
        char *name, *value = NULL;
        if (end > i) {
            if (f->n == WEB_FIELDS_MAX) {
                snprintf(why, whysz, "the form has more than %d fields", WEB_FIELDS_MAX);
                goto bad;
            }
            if (!(name = s_unescape(s + i, nend - i, why, whysz)))
                goto bad;
            if (!(value = s_unescape(eq ? eq + 1 : s + end, eq ? end - nend - 1 : 0, why, whysz))) {
                free(name);
                goto bad;
            }
            if (f->n == cap) {
                size_t c2 = cap;
                f->names = xgrow(f->names, &cap, f->n + 1, sizeof *f->names);
                f->values = xgrow(f->values, &c2, f->n + 1, sizeof *f->values);
            }
            f->names[f->n] = name;
            f->values[f->n++] = value;
        }
        i = end + 1;
    }
    return 0;
bad:
    web_form_free(f);
    return -1;
}

void web_form_free(web_form_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->names[i]);
        free(f->values[i]);
    }
    free(f->names);
    free(f->values);
    memset(f, 0, sizeof *f);
}

const char *web_field(const web_req_t *q, const char *name)
{
    for (size_t i = 0; i < q->nfields; i++)
        if (strcmp(q->names[i], name) == 0)
            return q->values[i];
    return NULL;
}

size_t web_fields(const web_req_t *q, const char *name, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < q->nfields && n < max; i++)
        if (strcmp(q->names[i], name) == 0)
            out[n++] = q->values[i];
    return n;
}
