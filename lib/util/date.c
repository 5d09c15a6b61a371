/*
 * Dates: see date.h. Conversions use Howard Hinnant's days-from-civil
 * algorithm, exact for every Gregorian date.
 */
#include "util/date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static bool s_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool date_valid_ymd(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    if (m == 2 && s_leap(y))
        return d <= 29;
    return d <= mdays[m - 1];
}

date_t date_from_ymd(int y, int m, int d)
{
    int era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (date_t)(era * 146097 + doe - 719468);
}

void date_to_ymd(date_t day, int *y, int *m, int *d)
{
    int z = day + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int s_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int date_parse(const char *s, date_t *out)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    y = s_digits(s, 4);
    m = s_digits(s + 5, 2);
    d = s_digits(s + 8, 2);
    if (y < 1000 || m < 0 || d < 0 || !date_valid_ymd(y, m, d))
        return -1;
    *out = date_from_ymd(y, m, d);
    return 0;
}

/* Reads [+-]HH:MM or Z at s into seconds east of UTC; returns the
 * characters read, or 0. */
static size_t s_offset(const char *s, long *secs)
{
    int h, m;
    if (*s == 'Z' || *s == 'z') {
        *secs = 0;
        return 1;
    }
    /* Each character looked at only once the ones before it are known not
     * to end the string. */
    if ((*s != '+' && *s != '-') || (h = s_digits(s + 1, 2)) < 0 || s[3] != ':')
        return 0;
    m = s_digits(s + 4, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59)
        return 0;
    *secs = (*s == '-' ? -1 : 1) * (h * 3600L + m * 60L);
    return 6;
}

int date_time_parse(const char *s, int64_t *out)
{
    char day[DATE_STRLEN];
    date_t d;
    int hh, mm, ss = 0, ms = 0;
    long off;
    size_t i = 16, n;

    if (!s || strlen(s) < 10)
        return -1;
    memcpy(day, s, 10);
    day[10] = '\0';
    if (date_parse(day, &d) < 0)
        return -1;
    if (s[10] == '\0') {
        struct tm tm = {0};
        int y, mo, dd;
        date_to_ymd(d, &y, &mo, &dd);
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = dd;
        tm.tm_isdst = -1;
        *out = (int64_t)mktime(&tm) * 1000;
        return 0;
    }
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || strlen(s) < 17 || s[13] != ':')
        return -1;
    hh = s_digits(s + 11, 2);
    mm = s_digits(s + 14, 2);
    if (s[16] == ':') {
        if ((ss = s_digits(s + 17, 2)) < 0)
            return -1; /* and s[19] may be past the end */
        i = 19;
        if (s[i] == '.') {
            int scale = 100;
            for (i++; s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
                ms += scale > 0 ? (s[i] - '0') * scale : 0;
            if (s[i - 1] == '.')
                return -1;
        }
    }
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
        return -1;
    if (!(n = s_offset(s + i, &off)) || s[i + n] != '\0')
        return -1;
    *out = ((int64_t)d * 86400 + hh * 3600 + mm * 60 + (ss > 59 ? 59 : ss) - off) * 1000 + ms;
    return 0;
}

void date_format(date_t day, char *out)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    if (y < 0 || y > 9999) {
        strcpy(out, "0000-00-00");
        return;
    }
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

date_t date_of_ms(int64_t unix_ms)
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

date_t date_today(void)
{
    return date_of_ms((int64_t)time(NULL) * 1000);
}

void date_format_when(int64_t unix_ms, char *out)
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm)) {
        snprintf(out, DATE_WHEN_STRLEN, "an unknown time");
        return;
    }
    snprintf(out, DATE_WHEN_STRLEN, "%d %s %d at %02d:%02d", tm.tm_mday, months[tm.tm_mon % 12],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}

int date_age(date_t dob, date_t on)
{
    int by, bm, bd, oy, om, od, age;
    date_to_ymd(dob, &by, &bm, &bd);
    date_to_ymd(on, &oy, &om, &od);
    age = oy - by;
    /* Not yet had this year's birthday. For 29 February in a common year the
     * comparison (om, od) < (2, 29) holds on 28 February and fails on
     * 1 March, which is the birthday rule we want. */
    if (om < bm || (om == bm && od < bd))
        age--;
    return age;
}

date_t date_birthday(date_t dob, int age)
{
    int y, m, d;
    date_to_ymd(dob, &y, &m, &d);
    if (!date_valid_ymd(y + age, m, d))
        return date_from_ymd(y + age, 3, 1); /* 29 February, common year */
    return date_from_ymd(y + age, m, d);
}
