/*
 * Checks and small transformations of text from outside: UTF-8 validity,
 * control characters, length in characters, trimming and case folding of
 * ASCII. Nothing here allocates unless it says so.
 */
#ifndef CARERHUB_TEXT_H
#define CARERHUB_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1-4) of the well-formed UTF-8 sequence at p, which has `avail`
 * bytes; 0 if it is not well formed (overlong, surrogate, above U+10FFFF,
 * truncated). */
size_t text_utf8_seq_len(const unsigned char *p, size_t avail);

typedef enum {
    TEXT_OK = 0,
    TEXT_EMPTY,    /* nothing but white space */
    TEXT_BAD_UTF8, /* not well-formed UTF-8 */
    TEXT_CONTROL,  /* a control character (NUL included) */
    TEXT_TOO_LONG, /* more than max_chars characters */
} text_status_t;

/* Checks n bytes at s as one field of text: well-formed UTF-8, no control
 * characters (newlines and tabs are allowed only when multiline), at most
 * max_chars characters, and not blank. */
text_status_t text_check(const char *s, size_t n, size_t max_chars, bool multiline);
/* A short English description of a status, e.g. "is not valid UTF-8". */
const char *text_status_str(text_status_t st);

/* Number of characters (code points) in a well-formed UTF-8 string. */
size_t text_utf8_chars(const char *s, size_t n);

/* Copies s to out (size outsz) without leading/trailing ASCII white space and
 * with runs of inner white space made one space. Returns the length written,
 * or -1 if it does not fit. */
int text_squeeze(const char *s, char *out, size_t outsz);

/* True if the well-formed UTF-8 sequence of len (> 1) bytes at p is a C1
 * control, a line or paragraph separator, a bidirectional control or mark,
 * or an invisible one (zero-width space, word joiners, byte-order mark):
 * not text in itself, unseen by a reader, and harmful on a terminal or in a
 * log line. Zero-width joiners (U+200C, U+200D) are text: names use them. */
bool text_is_layout_char(const unsigned char *p, size_t len);

/* Copies the n bytes at s to out (outsz > 0 bytes, always NUL-terminated)
 * as text that is safe on one line of a log or a terminal, whoever wrote
 * it. Well-formed UTF-8 characters stand for themselves (Siân, Llŷr, Zoë),
 * except for controls and invisible layout characters, which are written
 * byte by byte as \xHH: C0 controls (newline, tab and ESC included), DEL,
 * C1 controls (U+0080-U+009F), the line and paragraph separators U+2028
 * and U+2029, and the bidirectional embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069). Every byte that is not part of well-formed
 * UTF-8 is written \xHH too, and a backslash as \\, so the result reads
 * back unambiguously. Output that does not fit is cut between characters or
 * escapes, never inside one. Returns the length written. */
size_t text_escape(const char *s, size_t n, char *out, size_t outsz);
/* The most text_escape can write for n bytes, with the NUL. */
#define TEXT_ESCAPE_MAX(n) (4 * (n) + 1)

/* True if the well-formed UTF-8 sequence of len (> 1) bytes at p is a
 * space other than ASCII's that a reader takes for an ordinary space:
 * no-break (U+00A0), the ogham space, the spaces U+2000-U+200A (en, em,
 * figure, thin, hair...), narrow no-break (U+202F), medium mathematical
 * (U+205F) and ideographic (U+3000). Pasted from a letter or a web page,
 * they stand where a space was meant. */
bool text_is_unicode_space(const unsigned char *p, size_t len);

/* Makes every space text_is_unicode_space names an ASCII space, in the
 * NUL-terminated s, in place (the text only gets shorter). Malformed UTF-8
 * is left as it is. Returns the new length. */
size_t text_plain_spaces(char *s);

/* Finds the first character of the n bytes at s that cannot be seen and is
 * not a space: a control (ASCII or C1, a tab and a line break included), a
 * layout character (text_is_layout_char), a soft hyphen, a zero-width
 * joiner or non-joiner, a variation selector, a Hangul filler. Returns its
 * byte offset and writes what it is, for a person, into name (size
 * namesz): "a zero-width space (U+200B)". Returns -1, name untouched, if
 * there is none (malformed UTF-8 is not looked into). */
long text_find_invisible(const char *s, size_t n, char *name, size_t namesz);

/* Like text_find_invisible, for the bidirectional embeddings, overrides and
 * isolates alone (U+202A-U+202E, U+2066-U+2069): they change the order in
 * which the text around them is shown, so "Smith" can be made to read as
 * someone else's name. name gets "a right-to-left override (U+202E)". */
long text_find_bidi(const char *s, size_t n, char *name, size_t namesz);

bool text_is_blank(const char *s);
/* ASCII case-insensitive equality. */
bool text_ieq(const char *a, const char *b);
/* The edit distance of two short words (up to 64 bytes; longer: 99), a
 * swap of neighbours counting as one edit ("stauts" is one from "status"):
 * enough to catch a typo for a "did you mean". */
size_t text_distance(const char *a, const char *b);

#endif
