/*
 * Unit tests of lib/util: text, dates, buffers, maps, CSV, files.
 */
#include "test.h"

#include "util/buf.h"
#include "util/csv.h"
#include "util/date.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/smap.h"
#include "util/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

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

TEST(buf_json_escapes)
{
    buf_t b = BUF_INIT;
    buf_json_str(&b, "a\"b\\c\nd\x01 é \xff");
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\nd\\u0001 é \\ufffd\"");
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
        want[0] = '"';
        memcpy(want + 1, in, n);
        want[n + 1] = '"';
        want[n + 2] = '\0';
        buf_reset(&b);
        buf_json_str(&b, in);
        if (strcmp(b.data, want) != 0)
            test_fail(__FILE__, __LINE__, "U+%04X not written as itself", cp);
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
