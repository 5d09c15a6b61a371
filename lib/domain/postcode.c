/*
 * Postcodes: see postcode.h. White space is any, ASCII's or the Unicode
 * spaces text_is_unicode_space() names; nothing else is skipped.
 */
#include "domain/postcode.h"

#include "util/text.h"

#include <string.h>

static bool s_alpha(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool s_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool s_in(char c, const char *set)
{
    return c && strchr(set, c) != NULL;
}

/* The outward code, len 2-4 characters, upper case. */
static bool s_outward_ok(const char *o, size_t len)
{
    if (len < 2 || len > 4 || !s_alpha(o[0]) || s_in(o[0], "QVX"))
        return false;
    if (s_digit(o[1])) {
        /* A9, A99, A9A */
        if (len == 2)
            return true;
        if (len == 3)
            return s_digit(o[2]) || s_in(o[2], "ABCDEFGHJKPSTUW");
        return false;
    }
    /* Second letter: AA9, AA99, AA9A */
    if (!s_alpha(o[1]) || s_in(o[1], "IJZ") || len < 3 || !s_digit(o[2]))
        return false;
    if (len == 3)
        return true;
    return s_digit(o[3]) || s_in(o[3], "ABEHMNPRVWXY");
}

static bool s_inward_ok(const char *i)
{
    return s_digit(i[0]) && s_alpha(i[1]) && s_alpha(i[2]) && !s_in(i[1], "CIKMOV") &&
           !s_in(i[2], "CIKMOV");
}

int postcode_normalise(const char *in, char *out)
{
    char compact[8];
    size_t n = 0;

    for (const char *p = in; *p; p++) {
        char c = *p;
        size_t len;
        if (c == ' ' || c == '\t')
            continue;
        /* A no-break or thin space pasted from a letter is a space too. */
        len = text_utf8_seq_len((const unsigned char *)p, strnlen(p, 4));
        if (len > 1 && text_is_unicode_space((const unsigned char *)p, len)) {
            p += len - 1;
            continue;
        }
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!s_alpha(c) && !s_digit(c))
            return -1;
        if (n == sizeof compact - 1)
            return -1;
        compact[n++] = c;
    }
    if (n < 5)
        return -1;
    compact[n] = '\0';
    if (strcmp(compact, "GIR0AA") == 0) {
        strcpy(out, "GIR 0AA");
        return 0;
    }
    if (!s_outward_ok(compact, n - 3) || !s_inward_ok(compact + n - 3))
        return -1;
    memcpy(out, compact, n - 3);
    out[n - 3] = ' ';
    memcpy(out + n - 2, compact + n - 3, 3);
    out[n + 1] = '\0';
    return 0;
}

void postcode_district(const char *pc, char *out)
{
    size_t n = strcspn(pc, " ");
    if (n >= DISTRICT_MAX)
        n = DISTRICT_MAX - 1;
    memcpy(out, pc, n);
    out[n] = '\0';
}

void postcode_sector(const char *pc, char *out)
{
    size_t n = strcspn(pc, " ");
    if (n >= DISTRICT_MAX || pc[n] != ' ' || !pc[n + 1]) {
        out[0] = '\0';
        return;
    }
    memcpy(out, pc, n + 2);
    out[n + 2] = '\0';
}

const char *postcode_crown_dependency(const char *pc)
{
    static const struct {
        const char *area, *name;
    } crown[] = {{"JE", "Jersey"}, {"GY", "Guernsey"}, {"IM", "Isle of Man"}};
    for (size_t i = 0; i < sizeof crown / sizeof crown[0]; i++)
        if (strncmp(pc, crown[i].area, 2) == 0 && s_digit(pc[2]))
            return crown[i].name;
    return NULL;
}

bool postcode_district_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 3 && strcmp(s, "GIR") == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (!s_alpha(s[i]) && !s_digit(s[i]))
            return false;
    return s_outward_ok(s, n);
}

bool postcode_sector_valid(const char *s)
{
    size_t n = strcspn(s, " ");
    char out[DISTRICT_MAX];
    if (n >= DISTRICT_MAX || s[n] != ' ' || !s_digit(s[n + 1]) || s[n + 2])
        return false;
    memcpy(out, s, n);
    out[n] = '\0';
    if (strcmp(out, "GIR") == 0)
        return s[n + 1] == '0'; /* GIR 0AA is the only postcode of its district */
    return postcode_district_valid(out);
}
