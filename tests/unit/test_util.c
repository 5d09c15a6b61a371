/*
 * Unit tests of lib/util: text, dates, buffers, maps, CSV, files.
 */
#include "test.h"

#include "util/buf.h"
#include "util/csv.h"
#include "util/date.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/smap.h"
#include "util/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

TEST(text_utf8_accepts_well_formed)
{
    CHECK_INT(text_check("Zoë Ó Briain", strlen("Zoë Ó Briain"), 100, false), TEXT_OK);
    CHECK_INT(text_check("日本語", 9, 3, false), TEXT_OK);
    CHECK_INT(text_check("\xf0\x9f\x98\x80", 4, 1, false), TEXT_OK);
}

TEST(text_utf8_rejects_malformed)
{
    CHECK_INT(text_check("\xc3", 1, 10, false), TEXT_BAD_UTF8);             /* truncated */
    CHECK_INT(text_check("\xc0\xaf", 2, 10, false), TEXT_BAD_UTF8);         /* overlong '/' */
    CHECK_INT(text_check("\xed\xa0\x80", 3, 10, false), TEXT_BAD_UTF8);     /* surrogate */
    CHECK_INT(text_check("\xf4\x90\x80\x80", 4, 10, false), TEXT_BAD_UTF8); /* > U+10FFFF */
    CHECK_INT(text_check("\xff", 1, 10, false), TEXT_BAD_UTF8);
}

TEST(text_rejects_controls_and_limits_length)
{
    CHECK_INT(text_check("a\0b", 3, 10, false), TEXT_CONTROL);
    CHECK_INT(text_check("a\x1b[31m", 6, 10, false), TEXT_CONTROL);
    CHECK_INT(text_check("a\nb", 3, 10, false), TEXT_CONTROL);
    CHECK_INT(text_check("a\nb", 3, 10, true), TEXT_OK);
    CHECK_INT(text_check("\xc2\x85", 2, 10, true), TEXT_CONTROL); /* NEL, a C1 control */
    CHECK_INT(text_check("abcdef", 6, 5, false), TEXT_TOO_LONG);
    CHECK_INT(text_check("ééééé", 10, 5, false), TEXT_OK); /* characters, not bytes */
    CHECK_INT(text_check("   ", 3, 5, false), TEXT_EMPTY);
    CHECK_INT(text_check("", 0, 5, false), TEXT_EMPTY);
}

TEST(text_squeeze_and_ieq)
{
    char out[16];
    CHECK_INT(text_squeeze("  de   la  Cruz ", out, sizeof out), 10);
    CHECK_STR(out, "de la Cruz");
    CHECK_INT(text_squeeze("abcdefghijklmnopq", out, sizeof out), -1);
    CHECK(text_ieq("Phone", "phone"));
    CHECK(!text_ieq("phone", "phones"));
}

/* text_escape of the n bytes at s, in a buffer big enough for anything. */
static const char *s_esc(const char *s, size_t n)
{
    static char out[TEXT_ESCAPE_MAX(64)];
    size_t len = text_escape(s, n, out, sizeof out);
    return len == strlen(out) ? out : "(length does not match)";
}

TEST(text_escape_every_single_byte)
{
    for (int c = 0; c < 256; c++) {
        char in = (char)c, want[8];
        if (c == '\\')
            snprintf(want, sizeof want, "\\\\");
        else if (c >= 0x20 && c < 0x7f)
            snprintf(want, sizeof want, "%c", c);
        else /* C0 controls, DEL, and a byte >= 0x80 alone is never UTF-8 */
            snprintf(want, sizeof want, "\\x%02x", c);
        CHECK_STR(s_esc(&in, 1), want);
    }
}

/* The characters text_is_layout_char names, by code point: C1 controls, the
 * Arabic letter mark, zero-width space, bidi marks, line and paragraph
 * separators, bidi embeddings and overrides, word joiners and invisible
 * operators, bidi isolates, the byte-order mark. */
static bool s_layout_cp(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200b || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

TEST(text_escape_every_two_byte_sequence)
{
    /* Every lead byte followed by every continuation byte: C2 80..C2 9F are
     * the C1 controls (CSI is C2 9B), C2 A0 up to DF BF is text, C0 and C1
     * are overlong leads, the rest lead longer sequences cut short. */
    for (int lead = 0x80; lead < 0x100; lead++)
        for (int cont = 0x80; cont < 0xc0; cont++) {
            char in[2] = {(char)lead, (char)cont}, want[16];
            unsigned cp = (unsigned)(lead & 0x1f) << 6 | (unsigned)(cont & 0x3f);
            if (lead >= 0xc2 && lead <= 0xdf && !s_layout_cp(cp))
                snprintf(want, sizeof want, "%c%c", lead, cont);
            else
                snprintf(want, sizeof want, "\\x%02x\\x%02x", lead, cont);
            CHECK_STR(s_esc(in, 2), want);
        }
    /* The layout characters among U+2000-U+207F. */
    for (int mid = 0x80; mid <= 0x81; mid++)
        for (int last = 0x80; last < 0xc0; last++) {
            char in[3] = {(char)0xe2, (char)mid, (char)last}, want[16];
            bool layout =
                s_layout_cp(0x2000u | (unsigned)(mid & 0x3f) << 6 | (unsigned)(last & 0x3f));
            if (layout)
                snprintf(want, sizeof want, "\\xe2\\x%02x\\x%02x", mid, last);
            else
                snprintf(want, sizeof want, "%c%c%c", 0xe2, mid, last);
            CHECK_STR(s_esc(in, 3), want);
        }
}

TEST(text_escape_keeps_text_and_escapes_the_rest)
{
    static const char *const keep[] = {"Siân Llŷr",
                                       "Zoë Ó Briain",
                                       "Ffion ap Dafydd",
                                       "日本語",
                                       "\xf0\x9f\x98\x80",
                                       "a\xc2\xa0"
                                       "b",
                                       "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        CHECK_STR(s_esc(keep[i], strlen(keep[i])), keep[i]);
    /* A forged log line: the newline and the escape sequence are written out. */
    CHECK_STR(s_esc("x\n2026-12-01 router: delivered FAKE\x1b[2J", 39),
              "x\\x0a2026-12-01 router: delivered FAKE\\x1b[2J");
    CHECK_STR(s_esc("a\0b", 3), "a\\x00b");
    CHECK_STR(s_esc("tab\there\r", 9), "tab\\x09here\\x0d");
    CHECK_STR(s_esc("C:\\x41", 6), "C:\\\\x41"); /* a literal "\x41" is not an escape */
    /* Layout characters: line and paragraph separators, bidi controls. */
    CHECK_STR(s_esc("\xe2\x80\xa8", 3), "\\xe2\\x80\\xa8");
    CHECK_STR(s_esc("\xe2\x80\xa9", 3), "\\xe2\\x80\\xa9");
    CHECK_STR(s_esc("a\xe2\x80\xae"
                    "b",
                    5),
              "a\\xe2\\x80\\xaeb");
    CHECK_STR(s_esc("\xe2\x81\xa6\xe2\x81\xa9", 6), "\\xe2\\x81\\xa6\\xe2\\x81\\xa9");
    /* Malformed UTF-8 byte by byte, and what follows it still read as text. */
    CHECK_STR(s_esc("\xc3", 1), "\\xc3");
    CHECK_STR(s_esc("\xc3\xa9\xc3", 3), "é\\xc3");
    CHECK_STR(s_esc("\xc0\xaf", 2), "\\xc0\\xaf");
    CHECK_STR(s_esc("\xed\xa0\x80", 3), "\\xed\\xa0\\x80");
    CHECK_STR(s_esc("\xf4\x90\x80\x80", 4), "\\xf4\\x90\\x80\\x80");
    CHECK_STR(s_esc("\xe2\x82é", 4), "\\xe2\\x82é");
    CHECK_STR(s_esc("\xff\xfeok", 4), "\\xff\\xfeok");
    CHECK_STR(s_esc("", 0), "");
}

TEST(text_escape_cuts_between_characters)
{
    char out[8];
    CHECK_INT(text_escape("abcdefghij", 10, out, sizeof out), 7);
    CHECK_STR(out, "abcdefg");
    CHECK_INT(text_escape("abcde\x1b", 6, out, sizeof out), 5); /* \x1b would not fit */
    CHECK_STR(out, "abcde");
    CHECK_INT(text_escape("abcdeé", 7, out, sizeof out), 7);
    CHECK_STR(out, "abcdeé");
    CHECK_INT(text_escape("abcdefé", 8, out, sizeof out), 6); /* é would not fit */
    CHECK_STR(out, "abcdef");
    CHECK_INT(text_escape("abcdef\\", 7, out, sizeof out), 6);
    CHECK_STR(out, "abcdef");
    CHECK_INT(text_escape("x", 1, out, 1), 0);
    CHECK_STR(out, "");
}

TEST(log_escapes_every_message)
{
    char *path = file_join(test_tmpdir(), "log"), *data;
    int saved = dup(STDERR_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int level = log_level();
    size_t len;
    CHECK(saved >= 0 && fd >= 0);
    dup2(fd, STDERR_FILENO);
    close(fd);
    log_set_level(LOG_LVL_INFO);
    log_warn("refused %s", "x\n2026-12-01 router: delivered FAKE\x1b[2J");
    log_info("agent for Siân %s connected", "Llŷr");
    errno = ENOENT;
    log_error("cannot open %s", "a\rb");
    log_set_level(level);
    dup2(saved, STDERR_FILENO);
    close(saved);
    CHECK_INT(file_read_all(path, 65536, &data, &len), 0);
    /* Three lines, one per call, none with a control character. */
    CHECK_INT(text_check(data, len, 10000, true), TEXT_OK);
    CHECK_CONTAINS(data, "warning: refused x\\x0a2026-12-01 router: delivered FAKE\\x1b[2J\n");
    CHECK_CONTAINS(data, "info: agent for Siân Llŷr connected\n");
    CHECK_CONTAINS(data, "error: cannot open a\\x0db\n");
    CHECK(!strstr(data, "\n2026-12-01 router"));
    CHECK(!strchr(data, '\x1b'));
    free(data);
    free(path);
}

TEST(date_parse_accepts_only_real_dates)
{
    date_t d;
    char s[DATE_STRLEN];
    CHECK_INT(date_parse("2026-11-22", &d), 0);
    date_format(d, s);
    CHECK_STR(s, "2026-11-22");
    CHECK_INT(date_parse("2024-02-29", &d), 0);
    CHECK_INT(date_parse("2026-02-29", &d), -1);
    CHECK_INT(date_parse("1900-02-29", &d), -1);
    CHECK_INT(date_parse("2000-02-29", &d), 0);
    CHECK_INT(date_parse("2026-13-01", &d), -1);
    CHECK_INT(date_parse("2026-04-31", &d), -1);
    CHECK_INT(date_parse("2026-4-01", &d), -1);
    CHECK_INT(date_parse("22/11/2026", &d), -1);
    CHECK_INT(date_parse("2026-11-22T00:00", &d), -1);
    CHECK_INT(date_parse("", &d), -1);
}

TEST(date_round_trips_every_day_for_two_centuries)
{
    date_t start = date_from_ymd(1900, 1, 1), end = date_from_ymd(2100, 12, 31);
    for (date_t d = start; d <= end; d++) {
        int y, m, dd;
        date_to_ymd(d, &y, &m, &dd);
        CHECK(date_valid_ymd(y, m, dd));
        CHECK_INT(date_from_ymd(y, m, dd), d);
    }
    CHECK_INT(date_from_ymd(1970, 1, 1), 0);
}

TEST(date_age_birthday_boundaries)
{
    date_t dob = date_from_ymd(2008, 11, 22);
    CHECK_INT(date_age(dob, date_from_ymd(2026, 11, 21)), 17);
    CHECK_INT(date_age(dob, date_from_ymd(2026, 11, 22)), 18);
    CHECK_INT(date_age(dob, date_from_ymd(2026, 11, 23)), 18);
    CHECK_INT(date_age(dob, date_from_ymd(2008, 11, 21)), -1);
}

TEST(date_age_leap_day_birthday_turns_on_1_march)
{
    date_t dob = date_from_ymd(2008, 2, 29);
    CHECK_INT(date_age(dob, date_from_ymd(2026, 2, 28)), 17);
    CHECK_INT(date_age(dob, date_from_ymd(2026, 3, 1)), 18);
    /* In a leap year the birthday is the day itself. */
    CHECK_INT(date_age(dob, date_from_ymd(2028, 2, 28)), 19);
    CHECK_INT(date_age(dob, date_from_ymd(2028, 2, 29)), 20);
}

/* Unix milliseconds of a UTC date and time. */
static int64_t s_utc_ms(int y, int mo, int d, int h, int mi)
{
    return ((int64_t)date_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60) * 1000;
}

TEST(date_format_when_reads_as_a_person_says_it)
{
    char winter[DATE_WHEN_STRLEN], summer[DATE_WHEN_STRLEN], minute[DATE_WHEN_STRLEN];
    char *tz = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
    /* The United Kingdom's rule, written out so that no zone file is needed. */
    setenv("TZ", "GMT0BST,M3.5.0/1,M10.5.0", 1);
    tzset();
    date_format_when(s_utc_ms(2026, 12, 1, 14, 3), winter);
    /* Summer time: an hour ahead of UTC, and the day can change with it. */
    date_format_when(s_utc_ms(2026, 7, 31, 23, 30), summer);
    date_format_when(s_utc_ms(2026, 9, 30, 8, 5) + 59999, minute);
    if (tz)
        setenv("TZ", tz, 1);
    else
        unsetenv("TZ");
    free(tz);
    tzset();
    CHECK_STR(winter, "1 December 2026 at 14:03");
    CHECK_STR(summer, "1 August 2026 at 00:30");
    CHECK_STR(minute, "30 September 2026 at 09:05");
}

TEST(buf_json_escapes)
{
    buf_t b = BUF_INIT;
    buf_json_str(&b, "a\"b\\c\nd\x01 é \xff");
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\nd\\u0001 é \\ufffd\"");
    buf_reset(&b);
    /* ESC, a C1 CSI, a line separator and a right-to-left override. */
    buf_json_str(&b, "\x1b[2J\xc2\x9b"
                     "2J\xe2\x80\xa8\xe2\x80\xae"
                     "x\x7f Siân");
    CHECK_STR(b.data, "\"\\u001b[2J\\u009b2J\\u2028\\u202ex\\u007f Siân\"");
    buf_reset(&b);
    buf_json_str(&b, NULL);
    CHECK_STR(b.data, "null");
    buf_reset(&b);
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%04d", i);
    CHECK_INT(b.len, 4000);
    buf_free(&b);
}

/* What buf_json_str must write for the one-byte string {c}. */
static void s_json_byte(unsigned c, char *out, size_t size)
{
    if (c == '"')
        snprintf(out, size, "\"\\\"\"");
    else if (c == '\\')
        snprintf(out, size, "\"\\\\\"");
    else if (c == '\n')
        snprintf(out, size, "\"\\n\"");
    else if (c == '\r')
        snprintf(out, size, "\"\\r\"");
    else if (c == '\t')
        snprintf(out, size, "\"\\t\"");
    else if (c < 0x20 || c == 0x7f)
        snprintf(out, size, "\"\\u%04x\"", c);
    else if (c < 0x80)
        snprintf(out, size, "\"%c\"", (char)c);
    else /* a lone byte of a multi-byte sequence is not UTF-8 */
        snprintf(out, size, "\"\\ufffd\"");
}

TEST(buf_json_escapes_every_byte)
{
    buf_t b = BUF_INIT;
    char in[2] = {0, 0}, want[16];
    for (unsigned c = 1; c < 256; c++) {
        in[0] = (char)c;
        buf_reset(&b);
        buf_json_str(&b, in);
        s_json_byte(c, want, sizeof want);
        if (strcmp(b.data, want) != 0)
            test_fail(__FILE__, __LINE__, "byte 0x%02x written as %s, expected %s", c, b.data,
                      want);
        CHECK(!test_failed());
    }
    /* Between other text too: each escape is whole and nothing is lost. */
    buf_reset(&b);
    buf_json_str(&b, "x\"y\\z\x1f\x7f/");
    CHECK_STR(b.data, "\"x\\\"y\\\\z\\u001f\\u007f/\"");
    buf_free(&b);
}

static size_t s_utf8(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

TEST(buf_json_keeps_every_code_point)
{
    /* Every character from U+0080 up, U+2028, U+2029 and the bidi
     * controls among them, is valid inside a JSON string: written as it
     * is. Surrogates and overlong forms are not UTF-8: one U+FFFD a byte. */
    buf_t b = BUF_INIT;
    char in[8], want[16];
    for (unsigned cp = 0x80; cp <= 0x10ffff; cp++) {
        size_t n;
        if (cp >= 0xd800 && cp <= 0xdfff)
            continue;
        n = s_utf8(cp, in);
        in[n] = '\0';
        /* The layout characters are escaped; every other character is
         * written as itself. */
        if (s_layout_cp(cp)) {
            snprintf(want, sizeof want, "\"\\u%04x\"", cp);
        } else {
            want[0] = '"';
            memcpy(want + 1, in, n);
            want[n + 1] = '"';
            want[n + 2] = '\0';
        }
        buf_reset(&b);
        buf_json_str(&b, in);
        if (strcmp(b.data, want) != 0)
            test_fail(__FILE__, __LINE__, "U+%04X written as %s, not %s", cp, b.data, want);
        CHECK(!test_failed());
    }
    buf_reset(&b);
    buf_json_str(&b, "\xed\xa0\x80");
    CHECK_STR(b.data, "\"\\ufffd\\ufffd\\ufffd\"");
    buf_reset(&b);
    buf_json_str(&b, "\xc0\xaf");
    CHECK_STR(b.data, "\"\\ufffd\\ufffd\"");
    buf_reset(&b);
    buf_json_str(&b, "\xf4\x90\x80\x80"); /* above U+10FFFF */
    CHECK_STR(b.data, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    buf_free(&b);
}

TEST(smap_put_get_grow)
{
    smap_t *m = smap_new();
    char key[16];
    uint64_t v;
    for (uint32_t i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%u", i);
        CHECK(smap_put(m, key, i * 3));
    }
    CHECK(!smap_put(m, "k7", 1));
    CHECK_INT(smap_count(m), 5000);
    CHECK(smap_get(m, "k4999", &v));
    CHECK_INT(v, 4999 * 3);
    CHECK(smap_get(m, "k7", &v));
    CHECK_INT(v, 1);
    CHECK(!smap_get(m, "k5000", &v));
    CHECK(smap_getn(m, "k12xyz", 3, &v));
    CHECK_INT(v, 36);
    /* Remove every other key: the rest must all still be found. */
    for (uint32_t i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof key, "k%u", i);
        CHECK(smap_del(m, key));
    }
    CHECK(!smap_del(m, "k0"));
    CHECK_INT(smap_count(m), 2500);
    for (uint32_t i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%u", i);
        CHECK(smap_get(m, key, &v) == (i % 2 == 1));
    }
    smap_destroy(&m);
    CHECK(m == NULL);
}

static csv_t *s_csv(const char *text, FILE **f)
{
    *f = fmemopen((void *)text, strlen(text), "r");
    return csv_new(*f);
}

TEST(csv_quotes_crlf_and_empty_fields)
{
    FILE *f;
    csv_t *c = s_csv("pcds,name,x\r\n\"CM2 0AA\",\"Smith, \"\"Jo\"\"\",\n,\"multi\nline\",z", &f);
    CHECK_INT(csv_next(c), 1);
    CHECK_INT(csv_nfields(c), 3);
    CHECK_STR(csv_field(c, 2), "x");
    CHECK_INT(csv_next(c), 1);
    CHECK_STR(csv_field(c, 0), "CM2 0AA");
    CHECK_STR(csv_field(c, 1), "Smith, \"Jo\"");
    CHECK_STR(csv_field(c, 2), "");
    CHECK_INT(csv_next(c), 1);
    CHECK_INT(csv_line(c), 3);
    CHECK_STR(csv_field(c, 1), "multi\nline");
    CHECK_STR(csv_field(c, 9), "");
    CHECK_INT(csv_next(c), 0);
    csv_destroy(&c);
    fclose(f);
}

TEST(csv_reports_unclosed_quote_with_line)
{
    FILE *f;
    csv_t *c = s_csv("a,b\n1,\"open\n2,3\n", &f);
    CHECK_INT(csv_next(c), 1);
    CHECK_INT(csv_next(c), -1);
    CHECK_STR(csv_error(c), "a quoted field is not closed before the end of the file");
    csv_destroy(&c);
    fclose(f);
}

TEST(csv_refuses_huge_field)
{
    size_t n = CSV_MAX_FIELD + 10;
    char *text = xmalloc(n + 1);
    FILE *f;
    csv_t *c;
    memset(text, 'a', n);
    text[n] = '\0';
    c = s_csv(text, &f);
    CHECK_INT(csv_next(c), -1);
    CHECK_STR(csv_error(c), "a field is longer than 65536 bytes");
    csv_destroy(&c);
    fclose(f);
    free(text);
}

TEST(file_atomic_write_and_private_dir)
{
    char *dir = file_join(test_tmpdir(), "a/b/c");
    char *path = file_join(dir, "f.json");
    char *data;
    size_t len;
    struct stat st;
    CHECK_INT(file_private_dir(dir), 0);
    CHECK_INT(stat(dir, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0700);
    CHECK_INT(file_write_atomic(path, "{}", 2, 0600), 0);
    CHECK_INT(file_read_all(path, 100, &data, &len), 0);
    CHECK_STR(data, "{}");
    free(data);
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    CHECK_INT(file_read_all(path, 1, &data, &len), -1);
    CHECK_INT(errno, EFBIG);
    free(dir);
    free(path);
}

TEST(file_atomic_write_does_not_follow_a_planted_temporary)
{
    char *path = file_join(test_tmpdir(), "f.json");
    char *planted = xasprintf("%s.tmp.%ld", path, (long)getpid());
    char *victim = file_join(test_tmpdir(), "victim"), *data;
    size_t len;
    struct stat st;
    FILE *f = fopen(victim, "w");
    CHECK(f);
    fputs("keep\n", f);
    fclose(f);
    /* The name the temporary used to have, pointing elsewhere. */
    CHECK_INT(symlink(victim, planted), 0);
    CHECK_INT(file_write_atomic(path, "{}", 2, 0640), 0);
    CHECK_INT(file_read_all(victim, 100, &data, &len), 0);
    CHECK_STR(data, "keep\n");
    free(data);
    CHECK_INT(lstat(path, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_INT(st.st_mode & 0777, 0640);
    CHECK_INT(file_read_all(path, 100, &data, &len), 0);
    CHECK_STR(data, "{}");
    free(data);
    free(path);
    free(planted);
    free(victim);
}

TEST(file_rename_noreplace_keeps_what_is_there)
{
    int dir = open(test_tmpdir(), O_RDONLY | O_DIRECTORY);
    char *a = file_join(test_tmpdir(), "a"), *b = file_join(test_tmpdir(), "b"), *data;
    size_t len;
    CHECK(dir >= 0);
    CHECK_INT(file_write_atomic(b, "old", 3, 0600), 0);
    CHECK_INT(file_write_atomic(a, "new", 3, 0600), 0);
    CHECK_INT(file_rename_noreplace(dir, "a", dir, "b"), -1);
    CHECK_INT(errno, EEXIST);
    CHECK_INT(file_read_all(b, 100, &data, &len), 0);
    CHECK_STR(data, "old");
    free(data);
    CHECK(file_exists(a));
    /* A dangling symlink is there too. */
    CHECK_INT(symlinkat("nowhere", dir, "c"), 0);
    CHECK_INT(file_rename_noreplace(dir, "a", dir, "c"), -1);
    CHECK_INT(errno, EEXIST);
    CHECK_INT(file_rename_noreplace(dir, "a", dir, "d"), 0);
    CHECK(!file_exists(a));
    CHECK(file_same_file(dir, "d", dir, "d"));
    CHECK(!file_same_file(dir, "d", dir, "b"));
    close(dir);
    free(a);
    free(b);
}

TEST(text_unicode_spaces_become_plain)
{
    /* Every code point from U+0080 to U+FFFF and a few above: the spaces
     * listed below become ' ', everything else stays as it was. */
    for (unsigned cp = 0x80; cp < 0x10000; cp++) {
        char in[8], out[8];
        size_t n;
        bool space = cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f ||
                     cp == 0x205f || cp == 0x3000;
        if (cp >= 0xd800 && cp <= 0xdfff)
            continue; /* surrogates: not UTF-8 */
        if (cp < 0x800)
            n = (size_t)snprintf(in, sizeof in, "a%c%cb", 0xc0 | cp >> 6, 0x80 | (cp & 0x3f));
        else
            n = (size_t)snprintf(in, sizeof in, "a%c%c%cb", 0xe0 | cp >> 12,
                                 0x80 | (cp >> 6 & 0x3f), 0x80 | (cp & 0x3f));
        memcpy(out, in, n + 1);
        CHECK_INT(text_plain_spaces(out), space ? 3 : n);
        CHECK_STR(out, space ? "a b" : in);
        CHECK(text_is_unicode_space((const unsigned char *)in + 1, n - 2) == space);
    }
    {
        /* Malformed bytes are left in place, and what follows is still read. */
        char s[] = "\xff\xc2\xa0x\xe2\x80";
        CHECK_INT(text_plain_spaces(s), 5);
        CHECK_STR(s, "\xff x\xe2\x80");
    }
}

TEST(text_find_invisible_names_the_character)
{
    static const struct {
        const char *text;
        long at;
        const char *name;
    } cases[] = {
        {"CM1\xe2\x80\x8b 1AA", 3, "a zero-width space (U+200B)"},
        {"\xef\xbb\xbf"
         "CM1",
         0, "a byte order mark (U+FEFF)"},
        {"07700\t900", 5, "a tab (U+0009)"},
        {"a\x1b[2J", 1, "an escape character (U+001B)"},
        {"Sio\xc2\xad"
         "bhan",
         3, "a soft hyphen (U+00AD)"},
        {"x\xc2\x85", 1, "a control character (U+0085)"},
        {"ab\xe2\x81\xa0", 2, "a word joiner (U+2060)"},
        {"ab\xe2\x80\x8d", 2, "a zero-width joiner (U+200D)"},
        {"ab\xe2\x80\xae", 2, "a right-to-left override (U+202E)"},
        {"ab\xe2\x81\xa8", 2, "a first strong isolate (U+2068)"},
        {"ab\xe2\x81\xa3", 2, "an invisible character (U+2063)"},
        {"ab\xf3\xa0\x80\x81", 2, "an invisible tag character (U+E0001)"},
    };
    char name[96];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK_INT(text_find_invisible(cases[i].text, strlen(cases[i].text), name, sizeof name),
                  cases[i].at);
        CHECK_STR(name, cases[i].name);
    }
    /* Text that shows, Unicode spaces included, and malformed bytes (not
     * looked into) hold nothing invisible. */
    strcpy(name, "untouched");
    {
        const char *shows = "Sia\xcc\x82n Ll\xc5\xb7r\xc2\xa0\xe2\x80\xaf\xff";
        CHECK_INT(text_find_invisible(shows, strlen(shows), name, sizeof name), -1);
    }
    CHECK_STR(name, "untouched");
}

TEST(text_find_bidi_names_each_direction_control)
{
    /* The nine embeddings, overrides and isolates, by their Unicode names. */
    static const struct {
        const char *ch, *name;
    } cases[] = {
        {"\xe2\x80\xaa", "a left-to-right embedding (U+202A)"},
        {"\xe2\x80\xab", "a right-to-left embedding (U+202B)"},
        {"\xe2\x80\xac", "a pop directional formatting (U+202C)"},
        {"\xe2\x80\xad", "a left-to-right override (U+202D)"},
        {"\xe2\x80\xae", "a right-to-left override (U+202E)"},
        {"\xe2\x81\xa6", "a left-to-right isolate (U+2066)"},
        {"\xe2\x81\xa7", "a right-to-left isolate (U+2067)"},
        {"\xe2\x81\xa8", "a first strong isolate (U+2068)"},
        {"\xe2\x81\xa9", "a pop directional isolate (U+2069)"},
    };
    char text[32], name[96];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(text, sizeof text, "Smi%sth", cases[i].ch);
        CHECK_INT(text_find_bidi(text, strlen(text), name, sizeof name), 3);
        CHECK_STR(name, cases[i].name);
    }
    /* Their neighbours and the characters names need are not direction
     * controls: paragraph separator U+2029, narrow no-break space U+202F,
     * U+2065, U+206A, zero-width joiner U+200D, a Welsh circumflex. */
    strcpy(name, "untouched");
    {
        const char *other = "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xe2\x80\x8d"
                            "Ll\xc5\xb7r";
        CHECK_INT(text_find_bidi(other, strlen(other), name, sizeof name), -1);
    }
    CHECK_STR(name, "untouched");
}
