/*
 * Organisation code formats: see codes.h. Only upper-case letters are
 * accepted, as ODS publishes them.
 */
#include "domain/codes.h"

#include <string.h>

static bool s_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool s_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool ods_practice_valid(const char *s)
{
    if (strlen(s) != 6 || !s_upper(s[0]))
        return false;
    for (int i = 1; i < 6; i++)
        if (!s_digit(s[i]))
            return false;
    return true;
}

bool ods_trust_valid(const char *s)
{
    return strlen(s) == 3 && s_upper(s[0]) && (s_upper(s[1]) || s_digit(s[1])) &&
           (s_upper(s[2]) || s_digit(s[2]));
}

bool ods_site_valid(const char *s)
{
    return strlen(s) == 5 && ods_trust_valid((char[]){s[0], s[1], s[2], '\0'}) &&
           (s_upper(s[3]) || s_digit(s[3])) && (s_upper(s[4]) || s_digit(s[4]));
}

bool ods_org_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 6)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!s_upper(s[i]) && !s_digit(s[i]))
            return false;
    return true;
}

bool urn_valid(const char *s)
{
    if (strlen(s) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        if (!s_digit(s[i]))
            return false;
    return true;
}
