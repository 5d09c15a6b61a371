/*
 * Fuzz target: one string of outside text through the checks of codes on a
 * referral: postcodes, NHS numbers, ODS codes and URNs, dates, and the UTF-8
 * and text checks; with the invariants each promises (what is normalised
 * stays so, what parses formats back to itself).
 */
#include "harness.h"

#include "domain/codes.h"
#include "domain/nhs.h"
#include "domain/postcode.h"
#include "util/date.h"
#include "util/mem.h"
#include "util/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool s_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[n] == '\0';
}

static void s_postcode(const char *s)
{
    char pc[POSTCODE_MAX], again[POSTCODE_MAX], district[DISTRICT_MAX], sector[SECTOR_MAX];
    char buf[16];
    size_t n;

    if (postcode_normalise(s, pc) == 0) {
        n = strlen(pc);
        HARNESS_ASSERT(n >= 6 && n <= 8);
        HARNESS_ASSERT(postcode_normalise(pc, again) == 0 && strcmp(pc, again) == 0);
        postcode_district(pc, district);
        postcode_sector(pc, sector);
        n = strlen(district);
        HARNESS_ASSERT(postcode_district_valid(district));
        HARNESS_ASSERT(postcode_sector_valid(sector));
        HARNESS_ASSERT(strncmp(sector, district, n) == 0 && sector[n] == ' ');
        HARNESS_ASSERT(strncmp(pc, sector, strlen(sector)) == 0);
    }
    /* Given anything at all, these stay within their buffers. */
    postcode_district(s, district);
    postcode_sector(s, sector);
    /* Every valid district and sector is that of some valid postcode. */
    if (postcode_district_valid(s)) {
        HARNESS_ASSERT(strlen(s) < DISTRICT_MAX);
        snprintf(buf, sizeof buf, "%s 0AA", s);
        HARNESS_ASSERT(postcode_normalise(buf, pc) == 0);
        postcode_district(pc, district);
        HARNESS_ASSERT(strcmp(district, s) == 0);
    }
    if (postcode_sector_valid(s)) {
        HARNESS_ASSERT(strlen(s) < SECTOR_MAX);
        snprintf(buf, sizeof buf, "%sAA", s);
        HARNESS_ASSERT(postcode_normalise(buf, pc) == 0);
        postcode_sector(pc, sector);
        HARNESS_ASSERT(strcmp(sector, s) == 0);
    }
}

static void s_nhs(const char *s)
{
    char out[NHS_NUMBER_MAX], again[NHS_NUMBER_MAX], spaced[16];
    nhs_status_t st = nhs_number_parse(s, out);

    if (st == NHS_FORMAT)
        return;
    /* Ten digits whether or not the check digit matches. */
    HARNESS_ASSERT(s_digits(out, 10));
    HARNESS_ASSERT(nhs_number_parse(out, again) == st && strcmp(out, again) == 0);
    snprintf(spaced, sizeof spaced, "%.3s %.3s-%.4s", out, out + 3, out + 6);
    HARNESS_ASSERT(nhs_number_parse(spaced, again) == st && strcmp(out, again) == 0);
}

static void s_codes(const char *s)
{
    if (ods_practice_valid(s))
        HARNESS_ASSERT(strlen(s) == 6 && !urn_valid(s) && !ods_site_valid(s));
    if (ods_trust_valid(s))
        HARNESS_ASSERT(strlen(s) == 3);
    if (ods_site_valid(s)) {
        char trust[4] = {s[0], s[1], s[2], '\0'};
        HARNESS_ASSERT(strlen(s) == 5 && ods_trust_valid(trust));
    }
    if (urn_valid(s))
        HARNESS_ASSERT(s_digits(s, 6));
}

static void s_date(const char *s)
{
    char out[DATE_STRLEN];
    date_t day;
    int y, m, d;

    if (date_parse(s, &day) < 0)
        return;
    date_format(day, out);
    HARNESS_ASSERT(strcmp(out, s) == 0);
    date_to_ymd(day, &y, &m, &d);
    HARNESS_ASSERT(date_valid_ymd(y, m, d) && date_from_ymd(y, m, d) == day);
    HARNESS_ASSERT(date_age(day, day) == 0 && date_age(day, day - 1) == -1);
    /* Born on 29 February: a year older on 1 March in common years. */
    if (m == 2 && d == 29) {
        HARNESS_ASSERT(date_age(day, date_from_ymd(y + 18, 2, 28)) == 17);
        HARNESS_ASSERT(date_age(day, date_from_ymd(y + 18, 3, 1)) == 18);
    } else {
        date_t birthday = date_from_ymd(y + 18, m, d);
        HARNESS_ASSERT(date_age(day, birthday) == 18 && date_age(day, birthday - 1) == 17);
    }
}

static bool s_squeezed(const char *s)
{
    size_t n = strlen(s);
    if (n && (s[0] == ' ' || s[n - 1] == ' '))
        return false;
    for (; *s; s++)
        if (strchr("\t\n\r\f\v", *s) || (s[0] == ' ' && s[1] == ' '))
            return false;
    return true;
}

/* raw holds exactly size bytes (no terminator), s the same up to a NUL. */
static void s_text(const char *raw, size_t size, const char *s)
{
    const unsigned char *p = (const unsigned char *)raw;
    size_t len = strlen(s), chars = 0;
    bool valid = true;
    char *out = xmalloc(len + 1), small[8], *up;
    int n;

    for (size_t i = 0; i < size;) {
        size_t k = text_utf8_seq_len(p + i, size - i);
        if (!k) {
            valid = false;
            i++;
            continue;
        }
        HARNESS_ASSERT(k <= size - i && k <= 4);
        chars++;
        i += k;
    }
    HARNESS_ASSERT(text_utf8_seq_len(p + size, 0) == 0);
    if (valid)
        HARNESS_ASSERT(text_utf8_chars(raw, size) == chars);
    for (int multiline = 0; multiline < 2; multiline++) {
        text_status_t st = text_check(raw, size, 100, multiline);
        HARNESS_ASSERT(text_status_str(st) != NULL);
        HARNESS_ASSERT(st != TEXT_BAD_UTF8 || !valid);
        if (st == TEXT_OK) {
            HARNESS_ASSERT(valid && chars <= 100 && len == size && !text_is_blank(s));
            HARNESS_ASSERT(text_check(raw, size, 100, true) == TEXT_OK);
        }
    }

    /* Squeezing never lengthens, and leaves single inner spaces only. */
    n = text_squeeze(s, out, len + 1);
    HARNESS_ASSERT(n >= 0 && (size_t)n <= len && strlen(out) == (size_t)n && s_squeezed(out));
    HARNESS_ASSERT(text_is_blank(s) == (n == 0));
    n = text_squeeze(s, small, sizeof small);
    HARNESS_ASSERT(n < 0 || ((size_t)n < sizeof small && strcmp(small, out) == 0));
    free(out);

    up = xstrdup(s);
    for (char *c = up; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    HARNESS_ASSERT(text_ieq(s, s) && text_ieq(s, up) && text_ieq(up, s));
    free(up);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *raw = xmalloc(size), *s = xstrndup((const char *)data, size);

    memcpy(raw, data, size);
    s_postcode(s);
    s_nhs(s);
    s_codes(s);
    s_date(s);
    s_text(raw, size, s);
    free(raw);
    free(s);
    return 0;
}
