/*
 * Text checks: see text.h. The UTF-8 rules are those of RFC 3629 (table 3-7
 * of the Unicode standard): no overlong forms, no surrogates, nothing above
 * U+10FFFF.
 */
#include "util/text.h"

#include <stdio.h>
#include <string.h>

size_t text_utf8_seq_len(const unsigned char *p, size_t avail)
{
    unsigned char c;
    if (avail == 0)
        return 0;
    c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        if (avail < 2 || (p[1] & 0xc0) != 0x80)
            return 0;
        return 2;
    }
    if (c >= 0xe0 && c <= 0xef) {
        unsigned char lo = 0x80, hi = 0xbf;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
        if (avail < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80)
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned char lo = 0x80, hi = 0xbf;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
        if (avail < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
            return 0;
        return 4;
    }
    return 0;
}

text_status_t text_check(const char *s, size_t n, size_t max_chars, bool multiline)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, chars = 0;
    bool blank = true;

    while (i < n) {
        size_t len = text_utf8_seq_len(p + i, n - i);
        if (len == 0)
            return TEXT_BAD_UTF8;
        if (len == 1) {
            unsigned char c = p[i];
            if (c < 0x20 || c == 0x7f) {
                if (!(multiline && (c == '\n' || c == '\t' || c == '\r')))
                    return TEXT_CONTROL;
            } else if (c != ' ') {
                blank = false;
            }
        } else {
            /* C1 controls U+0080-U+009F are encoded as C2 80..C2 9F. */
            if (len == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)
                return TEXT_CONTROL;
            blank = false;
        }
        i += len;
        chars++;
    }
    if (chars > max_chars)
        return TEXT_TOO_LONG;
    if (blank)
        return TEXT_EMPTY;
    return TEXT_OK;
}

const char *text_status_str(text_status_t st)
{
    switch (st) {
    case TEXT_OK:
        return "is fine";
    case TEXT_EMPTY:
        return "is empty";
    case TEXT_BAD_UTF8:
        return "is not valid UTF-8 text";
    case TEXT_CONTROL:
        return "contains a control character";
    case TEXT_TOO_LONG:
        return "is too long";
    }
    return "is not valid";
}

size_t text_utf8_chars(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            chars++;
    return chars;
}

static bool s_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int text_squeeze(const char *s, char *out, size_t outsz)
{
    size_t n = 0;
    bool pending_space = false;
    for (; *s; s++) {
        if (s_space(*s)) {
            pending_space = n > 0;
            continue;
        }
        if (pending_space) {
            if (n + 1 >= outsz)
                return -1;
            out[n++] = ' ';
            pending_space = false;
        }
        if (n + 1 >= outsz)
            return -1;
        out[n++] = *s;
    }
    if (outsz == 0)
        return -1;
    out[n] = '\0';
    return (int)n;
}

bool text_is_layout_char(const unsigned char *p, size_t len)
{
    if (len == 2)
        return (p[0] == 0xc2 && p[1] < 0xa0) || (p[0] == 0xd8 && p[1] == 0x9c); /* C1, U+061C */
    if (len == 3 && p[0] == 0xe2 && p[1] == 0x80) /* U+200B, U+200E-U+200F, U+2028-U+202E */
        return p[2] == 0x8b || p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xa8 && p[2] <= 0xae);
    if (len == 3 && p[0] == 0xe2 && p[1] == 0x81) /* U+2060-U+2064, U+2066-U+2069 */
        return (p[2] >= 0xa0 && p[2] <= 0xa4) || (p[2] >= 0xa6 && p[2] <= 0xa9);
    if (len == 3 && p[0] == 0xef && p[1] == 0xbb) /* U+FEFF */
        return p[2] == 0xbf;
    return false;
}

size_t text_escape(const char *s, size_t n, char *out, size_t outsz)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;

    while (i < n) {
        size_t len = text_utf8_seq_len(p + i, n - i), esc;
        if (len == 1 && p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
            if (o + 1 >= outsz)
                break;
            out[o++] = (char)p[i++];
            continue;
        }
        if (len == 1 && p[i] == '\\') {
            if (o + 2 >= outsz)
                break;
            out[o++] = '\\';
            out[o++] = '\\';
            i++;
            continue;
        }
        if (len > 1 && !text_is_layout_char(p + i, len)) {
            if (o + len >= outsz)
                break;
            memcpy(out + o, p + i, len);
            o += len;
            i += len;
            continue;
        }
        /* A control, a layout character, or a byte of malformed UTF-8 (then
         * only that byte: what follows may be well formed). */
        esc = len > 1 ? len : 1;
        if (o + 4 * esc >= outsz)
            break;
        for (size_t k = 0; k < esc; k++, i++) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[p[i] >> 4];
            out[o++] = hex[p[i] & 15];
        }
    }
    if (outsz > 0)
        out[o < outsz ? o : outsz - 1] = '\0';
    return o;
}

/* The code point of the well-formed UTF-8 sequence of len bytes at p. */
static unsigned s_codepoint(const unsigned char *p, size_t len)
{
    static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    unsigned cp = p[0] & lead_mask[len];
    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (p[i] & 0x3fu);
    return cp;
}

static bool s_unicode_space_cp(unsigned cp)
{
    return cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000;
}

bool text_is_unicode_space(const unsigned char *p, size_t len)
{
    return len > 1 && s_unicode_space_cp(s_codepoint(p, len));
}

size_t text_plain_spaces(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t len = strlen(s), o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = text_utf8_seq_len(p + i, len - i);
        if (n > 1 && text_is_unicode_space(p + i, n)) {
            p[o++] = ' ';
            i += n;
            continue;
        }
        /* A malformed byte is copied alone: what follows may be well formed. */
        if (n == 0)
            n = 1;
        memmove(p + o, p + i, n);
        o += n;
        i += n;
    }
    p[o] = '\0';
    return o;
}

/* What a bidirectional embedding, override or isolate is called, or NULL
 * for any other character. */
static const char *s_bidi_name(unsigned cp)
{
    static const char *const embeds[] = {
        "a left-to-right embedding", "a right-to-left embedding", "a pop directional formatting",
        "a left-to-right override",  "a right-to-left override",
    };
    static const char *const isolates[] = {"a left-to-right isolate", "a right-to-left isolate",
                                           "a first strong isolate", "a pop directional isolate"};
    if (cp >= 0x202a && cp <= 0x202e)
        return embeds[cp - 0x202a];
    if (cp >= 0x2066 && cp <= 0x2069)
        return isolates[cp - 0x2066];
    return NULL;
}

/* What a character nobody can see is called, or NULL for one that shows. */
static const char *s_invisible_name(unsigned cp)
{
    static const struct {
        unsigned from, to;
        const char *name;
    } names[] = {
        {0x00, 0x00, "a NUL character"},
        {0x09, 0x09, "a tab"},
        {0x0a, 0x0a, "a line break"},
        {0x0d, 0x0d, "a carriage return"},
        {0x1b, 0x1b, "an escape character"},
        {0x00, 0x1f, "a control character"},
        {0x7f, 0x9f, "a control character"},
        {0xad, 0xad, "a soft hyphen"},
        {0x34f, 0x34f, "a combining grapheme joiner"},
        {0x61c, 0x61c, "an Arabic letter mark"},
        {0x115f, 0x1160, "a Hangul filler"},
        {0x17b4, 0x17b5, "an invisible Khmer vowel"},
        {0x180b, 0x180d, "a variation selector"},
        {0x180e, 0x180e, "a Mongolian vowel separator"},
        {0x200b, 0x200b, "a zero-width space"},
        {0x200c, 0x200c, "a zero-width non-joiner"},
        {0x200d, 0x200d, "a zero-width joiner"},
        {0x200e, 0x200e, "a left-to-right mark"},
        {0x200f, 0x200f, "a right-to-left mark"},
        {0x2028, 0x2028, "a line separator"},
        {0x2029, 0x2029, "a paragraph separator"},
        {0x202a, 0x202e, NULL}, /* named by s_bidi_name */
        {0x2060, 0x2060, "a word joiner"},
        {0x2066, 0x2069, NULL},
        {0x2061, 0x206f, "an invisible character"},
        {0x3164, 0x3164, "a Hangul filler"},
        {0xfe00, 0xfe0f, "a variation selector"},
        {0xfeff, 0xfeff, "a byte order mark"},
        {0xffa0, 0xffa0, "a Hangul filler"},
        {0xfff9, 0xfffb, "an invisible annotation character"},
        {0xe0000, 0xe007f, "an invisible tag character"},
        {0xe0100, 0xe01ef, "a variation selector"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (cp >= names[i].from && cp <= names[i].to)
            return names[i].name ? names[i].name : s_bidi_name(cp);
    return NULL;
}

/* The first character of the n bytes at s that namer names, as
 * text_find_invisible says. */
static long s_find_named(const char *s, size_t n, const char *(*namer)(unsigned), char *name,
                         size_t namesz)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = text_utf8_seq_len(p + i, n - i);
        unsigned cp;
        const char *what;
        if (len == 0) {
            i++;
            continue;
        }
        cp = s_codepoint(p + i, len);
        if ((what = namer(cp)) != NULL) {
            snprintf(name, namesz, "%s (U+%04X)", what, cp);
            return (long)i;
        }
        i += len;
    }
    return -1;
}

long text_find_invisible(const char *s, size_t n, char *name, size_t namesz)
{
    return s_find_named(s, n, s_invisible_name, name, namesz);
}

long text_find_bidi(const char *s, size_t n, char *name, size_t namesz)
{
    return s_find_named(s, n, s_bidi_name, name, namesz);
}

bool text_is_blank(const char *s)
{
    for (; s && *s; s++)
        if (!s_space(*s))
            return false;
    return true;
}

bool text_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return *a == *b;
}

size_t text_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d[65][65];
    if (la > 64 || lb > 64)
        return 99;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (unsigned char)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned char)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1u < best)
                best = d[i - 1][j] + 1u;
            if (d[i][j - 1] + 1u < best)
                best = d[i][j - 1] + 1u;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1u < best)
                best = d[i - 2][j - 2] + 1u;
            d[i][j] = (unsigned char)best;
        }
    return d[la][lb];
}
