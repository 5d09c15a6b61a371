/*
 * What went wrong in a YAML file, in words the person who typed it can act
 * on. libyaml says where it stopped and what it expected ("could not find
 * expected ':' while scanning a simple key"); the cause is often a line or
 * two before, and has a name: a tab used to indent, a field and its value
 * run together with no space after the colon, a file saved in another
 * encoding than UTF-8. This looks at the text around the failure for
 * those, and says so on the right line. A few characters of the text are
 * quoted back so that the place can be found; the messages are for the
 * person who sent the file (the command line, or a configuration check),
 * not for logs of someone else's data.
 */
#include "conf/ytree_impl.h"

#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The characters of a plain key (a field's name). */
static bool s_key_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

bool ytree_missing_space(const char *s, size_t len, char *out, size_t outsz)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0, v, chars = 0;
    bool more = false;
    while (k < len && k < 64 && s_key_char(s[k], k == 0))
        k++;
    /* key:value, not a time (10:30), a URL (https://) or key::value */
    if (k == 0 || k + 1 >= len || s[k] != ':' || strchr(" \t\r\n/:", s[k + 1]))
        return false;
    /* The key, the colon and a few characters of the value, no more: the
     * value may be a name. */
    v = k + 1;
    while (v < len && chars < 4) {
        size_t n = text_utf8_seq_len(p + v, len - v);
        if (n == 0 || (n == 1 && (p[v] <= ' ' || p[v] == 0x7f)) ||
            (n > 1 && (text_is_layout_char(p + v, n) || text_is_unicode_space(p + v, n))))
            break;
        v += n;
        chars++;
    }
    if (chars == 0)
        return false;
    for (size_t i = v; i < len && !more; i++)
        more = !strchr(" \t\r\n", s[i]);
    snprintf(out, outsz, "%.*s%s", (int)v, s, more ? "..." : "");
    return true;
}

bool ynode_missing_space(const ynode_t *n, char *out, size_t outsz)
{
    return n && n->kind == YNODE_SCALAR && n->plain &&
           ytree_missing_space(n->value, n->len, out, outsz);
}

/* --- lines of the text ---------------------------------------------------- */

/* The text libyaml read, and where a line near the failure starts, so that
 * looking a few lines back does not walk a large file from its start each
 * time. */
typedef struct {
    const char *buf, *end;
    int near_line;    /* 1-based */
    const char *near; /* where near_line starts */
} s_text_t;

typedef struct {
    const char *s; /* the line, without its line break */
    size_t len;
} s_line_t;

/* Length of the line break at p, 0 if none: libyaml's, so that lines are
 * counted as its marks count them (\r\n, \r, \n, NEL, LS, PS). */
static size_t s_break(const char *p, const char *end)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t n = (size_t)(end - p);
    if (n >= 2 && u[0] == '\r' && u[1] == '\n')
        return 2;
    if (n >= 1 && (u[0] == '\r' || u[0] == '\n'))
        return 1;
    if (n >= 2 && u[0] == 0xc2 && u[1] == 0x85)
        return 2;
    if (n >= 3 && u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xa9))
        return 3;
    return 0;
}

/* Walks from p (the start of line `at`) to the start of line `number`;
 * NULL if the text ends first. */
static const char *s_walk(const char *p, const char *end, int at, int number)
{
    while (at < number) {
        size_t b;
        while (p < end && (b = s_break(p, end)) == 0)
            p++;
        if (p >= end)
            return NULL;
        p += b;
        at++;
    }
    return p;
}

static void s_text_init(s_text_t *t, const char *buf, size_t len, int near_line)
{
    t->buf = buf;
    t->end = buf + len;
    /* libyaml's marks do not count a byte order mark. */
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        t->buf += 3;
    t->near_line = near_line > 25 ? near_line - 25 : 1;
    t->near = s_walk(t->buf, t->end, 1, t->near_line);
    if (!t->near) {
        t->near_line = 1;
        t->near = t->buf;
    }
}

/* Line number (1-based) of the text; false if there is none. */
static bool s_line(const s_text_t *t, int number, s_line_t *l)
{
    const char *p;
    if (number < 1)
        return false;
    if (number >= t->near_line)
        p = s_walk(t->near, t->end, t->near_line, number);
    else
        p = s_walk(t->buf, t->end, 1, number);
    if (!p)
        return false;
    l->s = p;
    while (p < t->end && s_break(p, t->end) == 0)
        p++;
    l->len = (size_t)(p - l->s);
    return true;
}

/* The byte of the line where column col (1-based, in characters, as
 * libyaml counts) is; the line's length if it is past the end. */
static size_t s_byte(const s_line_t *l, int col)
{
    size_t i = 0;
    for (int c = 1; c < col && i < l->len; c++) {
        i++;
        while (i < l->len && ((unsigned char)l->s[i] & 0xc0) == 0x80)
            i++;
    }
    return i;
}

/* Where the line's content starts: past the indentation and any "- " of
 * list items. */
static size_t s_content(const s_line_t *l)
{
    size_t i = 0;
    for (;;) {
        while (i < l->len && (l->s[i] == ' ' || l->s[i] == '\t'))
            i++;
        if (i + 1 < l->len && l->s[i] == '-' && (l->s[i + 1] == ' ' || l->s[i + 1] == '\t'))
            i++;
        else
            return i;
    }
}

static bool s_blank_or_comment(const s_line_t *l)
{
    size_t i = s_content(l);
    return i == l->len || l->s[i] == '#';
}

/* The column (1-based, in characters) of byte i of the line. */
static int s_col(const s_line_t *l, size_t i)
{
    return (int)text_utf8_chars(l->s, i) + 1;
}

/* Where a word of the text ends: white space, quotes, YAML's punctuation. */
static bool s_delimiter(char c)
{
    return c == '\0' || strchr(" \t:\"',[]{}", c) != NULL;
}

static int s_say(ytree_hint_t *h, const char *code, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int s_say(ytree_hint_t *h, const char *code, int line, int col, const char *fmt, ...)
{
    va_list ap;
    h->code = code;
    h->line = line;
    h->col = col;
    va_start(ap, fmt);
    vsnprintf(h->msg, sizeof h->msg, fmt, ap);
    va_end(ap);
    return 0;
}

/* --- the causes ----------------------------------------------------------- */

/* A tab in the indentation of line n (or at column col of it, where libyaml
 * stopped: "- \titem"). */
static int s_tab(const s_text_t *t, int n, int col, ytree_hint_t *h)
{
    s_line_t l;
    size_t indent, at;
    const char *tab;
    if (!s_line(t, n, &l))
        return -1;
    indent = s_content(&l);
    if ((tab = memchr(l.s, '\t', indent)) != NULL)
        return s_say(h, "syntax", n, s_col(&l, (size_t)(tab - l.s)),
                     "use spaces, not a tab, to indent");
    at = s_byte(&l, col);
    if (col >= 1 && at < l.len && l.s[at] == '\t')
        return s_say(h, "syntax", n, col, "use a space here, not a tab");
    return -1;
}

/* A field and its value run together on line n, or on a line before it
 * that libyaml read on into line n (a value or a key can run over lines). */
static int s_run_together(const s_text_t *t, int n, ytree_hint_t *h)
{
    for (int i = n; i >= 1 && i > n - 20; i--) {
        s_line_t l;
        char typo[80];
        size_t c;
        if (!s_line(t, i, &l) || s_blank_or_comment(&l))
            continue;
        c = s_content(&l);
        if (ytree_missing_space(l.s + c, l.len - c, typo, sizeof typo))
            return s_say(h, "syntax", i, s_col(&l, c), "put a space after the colon in '%s'", typo);
        /* A line with a field of its own ends the search: the failure is
         * not from further up. */
        if (i != n && (memmem(l.s + c, l.len - c, ": ", 2) || l.s[l.len - 1] == ':'))
            return -1;
    }
    return -1;
}

/* The line before line n that has something on it, looking a few back; 0
 * if none. */
static int s_line_before(const s_text_t *t, int n)
{
    for (int i = n - 1; i >= 1 && i > n - 20; i--) {
        s_line_t l;
        if (s_line(t, i, &l) && !s_blank_or_comment(&l))
            return i;
    }
    return 0;
}

/* libyaml's words for the failures people make most, put plainly; the
 * place is where the thing not closed was opened. */
static int s_plain_words(const yaml_parser_t *p, const s_text_t *t, ytree_hint_t *h)
{
    const char *what = p->problem ? p->problem : "";
    const char *ctx = p->context ? p->context : "";
    int pl = (int)p->problem_mark.line + 1, pc = (int)p->problem_mark.column + 1;
    int cl = (int)p->context_mark.line + 1, cc = (int)p->context_mark.column + 1;
    s_line_t l;

    if (strstr(what, "expected ',' or ']'"))
        return s_say(h, "syntax", cl, cc,
                     "the list that opens with '[' here is not closed with ']'");
    if (strstr(what, "expected ',' or '}'"))
        return s_say(h, "syntax", cl, cc, "the '{' here is not closed with '}'");
    if (strstr(ctx, "quoted scalar") && strstr(what, "end of stream"))
        return s_say(h, "syntax", cl, cc, "the quote that opens here is not closed");
    if (strstr(what, "mapping values are not allowed") && s_line(t, pl, &l)) {
        size_t c = s_content(&l), at = s_byte(&l, pc);
        int before = s_line_before(t, pl);
        /* a: b: c, or a line that has no colon, run on into this one */
        if (at > c && memmem(l.s + c, at - c, ": ", 2))
            return s_say(h, "syntax", pl, pc,
                         "a value holds ': ' (a colon and a space): put the value in quotes");
        if (before > 0)
            return s_say(h, "syntax", before, 1,
                         "put ': ' (a colon and a space) after the field name on this line");
    }
    if (strstr(what, "could not find expected ':'"))
        return s_say(h, "syntax", cl, cc,
                     "put ': ' (a colon and a space) after the field name on this line");
    if (strstr(what, "did not find expected key") ||
        strstr(what, "did not find expected '-' indicator") ||
        strstr(what, "block sequence entries are not allowed"))
        return s_say(h, "syntax", pl, pc,
                     "this line does not line up with the lines above it: check how far it is "
                     "indented");
    if (strstr(what, "cannot start any token") && s_line(t, pl, &l)) {
        size_t at = s_byte(&l, pc);
        if (at < l.len && (l.s[at] == '@' || l.s[at] == '`'))
            return s_say(h, "syntax", pl, pc, "a value cannot start with '%c': put it in quotes",
                         l.s[at]);
    }
    return -1;
}

/* A file not in UTF-8 (a Latin-1 "Zoë" is Z o \xeb), or a character no text
 * file holds: where, with the word it is in, each bad byte as '?'. */
static int s_encoding(const yaml_parser_t *p, const char *buf, size_t len, ytree_hint_t *h)
{
    const unsigned char *u = (const unsigned char *)buf;
    size_t bad = len, from, to, o = 0;
    int line = 1;
    const char *start = buf, *end = buf + len;
    char word[64], name[96];
    s_line_t l;

    if (p->problem && strstr(p->problem, "control characters")) {
        /* Well-formed, but a character YAML refuses: at libyaml's offset. */
        if (p->problem_offset >= len)
            return -1;
        bad = p->problem_offset;
    } else {
        for (size_t i = 0; i < len;) {
            size_t n = text_utf8_seq_len(u + i, len - i);
            if (n == 0) {
                bad = i;
                break;
            }
            i += n;
        }
        if (bad == len)
            return -1;
    }
    /* Its line and column, lines counted as libyaml counts them. */
    for (const char *q = buf; q < buf + bad;) {
        size_t b = s_break(q, end);
        if (b == 0) {
            q++;
            continue;
        }
        q += b;
        line++;
        start = q;
    }
    if (start > buf + bad) /* inside a \r\n: not a byte of the line */
        return -1;
    l.s = start;
    l.len = bad - (size_t)(start - buf);
    if (text_utf8_seq_len(u + bad, len - bad) > 0) {
        if (text_find_invisible(buf + bad, len - bad, name, sizeof name) != 0)
            return s_say(h, "encoding", line, s_col(&l, l.len),
                         "this line has a character that a YAML file cannot hold: delete it");
        return s_say(h, "encoding", line, s_col(&l, l.len),
                     "this line has %s, which cannot be seen: delete it", name);
    }
    /* The word around the first bad byte: back to a space or a quote (at
     * most 8 bytes), on to the next (at most 8 more). */
    from = bad;
    while (from > (size_t)(start - buf) && bad - from < 8 && !s_delimiter(buf[from - 1]))
        from--;
    while (from < bad && (u[from] & 0xc0) == 0x80)
        from++;
    to = bad;
    while (to < len && to - bad < 8 && !s_delimiter(buf[to]) && s_break(buf + to, end) == 0)
        to++;
    for (size_t i = from; i < to && o + 5 < sizeof word;) {
        size_t n = text_utf8_seq_len(u + i, to - i);
        if (n == 0 || (n == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
            (n > 1 && text_is_layout_char(u + i, n))) {
            word[o++] = '?';
            i++;
            continue;
        }
        memcpy(word + o, buf + i, n);
        o += n;
        i += n;
    }
    word[o] = '\0';
    return s_say(h, "encoding", line, s_col(&l, l.len),
                 "this file is not saved as UTF-8 (line %d has '%s'): save it as UTF-8", line,
                 word);
}

int ytree_hint(const yaml_parser_t *p, const char *buf, size_t len, ytree_hint_t *h)
{
    int pl = (int)p->problem_mark.line + 1, pc = (int)p->problem_mark.column + 1;
    int cl = (int)p->context_mark.line + 1;
    s_text_t t;
    memset(h, 0, sizeof *h);
    if (p->error == YAML_READER_ERROR)
        return s_encoding(p, buf, len, h);
    if (p->error != YAML_SCANNER_ERROR && p->error != YAML_PARSER_ERROR)
        return -1;
    s_text_init(&t, buf, len, pl);
    if (s_tab(&t, pl, pc, h) == 0 || (p->context && cl < pl && s_tab(&t, cl, 0, h) == 0))
        return 0;
    if (s_run_together(&t, pl, h) == 0)
        return 0;
    return s_plain_words(p, &t, h);
}
