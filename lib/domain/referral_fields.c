/*
 * Referral field checks: the rules for one value (text, phone, email, date,
 * NHS number, a word of a list) that every source's checks share, and the
 * list of problems they add to. See referral.h for ferrs_t; referral_check.c
 * and referral_self.c check whole referrals with these.
 */
#include "domain/referral_impl.h"

#include "domain/nhs.h"
#include "util/mem.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Makes s well-formed UTF-8 in place, each malformed byte becoming '?': a
 * value cut short by a precision such as %.40s may end inside a character,
 * and errors go back to the referrer in protobuf strings, which are UTF-8. */
static void s_utf8_fix(char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t n = text_utf8_seq_len((const unsigned char *)s + i, len - i);
        if (n == 0)
            s[i++] = '?';
        else
            i += n;
    }
}

void ferrs_add(ferrs_t *e, const char *field, const char *code, const char *fmt, ...)
{
    va_list ap;
    char msg[512];
    ferr_t *x;
    if (e->n > FERRS_MAX)
        return;
    if (e->n == FERRS_MAX) {
        field = "referral";
        code = "too_many_errors";
        snprintf(msg, sizeof msg, "more than %d problems; fix these and send it again", FERRS_MAX);
    } else {
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    e->v = xgrow(e->v, &e->cap, e->n + 1, sizeof *e->v);
    x = &e->v[e->n++];
    s_utf8_fix(msg);
    x->field = xstrdup(field);
    s_utf8_fix(x->field);
    x->code = xstrdup(code);
    x->message = xstrdup(msg);
}

void ferrs_free(ferrs_t *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->v[i].field);
        free(e->v[i].code);
        free(e->v[i].message);
    }
    free(e->v);
    e->v = NULL;
    e->n = e->cap = 0;
}

bool ferrs_has(const ferrs_t *e, const char *field)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].field, field) == 0)
            return true;
    return false;
}

/* --- field checks ------------------------------------------------------- */

/* Trims a text field in place and checks it. Returns true if it is present
 * and good. */
bool referral_field_text(ferrs_t *e, const char *field, char **val, size_t max, bool required,
                         bool multiline)
{
    text_status_t st;
    char *s = *val, *end;
    size_t n;
    if (!s || text_is_blank(s)) {
        if (required) {
            ferrs_add(e, field, "required", "is required");
        } else {
            /* A blank value is no value: keep nothing that could match
             * another blank one (an NHS number " " would join two carers). */
            free(*val);
            *val = NULL;
        }
        return false;
    }
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    n = strlen(s);
    end = s + n;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    n = (size_t)(end - s);
    if (s != *val || n != strlen(*val)) {
        char *t = xstrndup(s, n);
        free(*val);
        *val = t;
    }
    st = text_check(*val, n, max, multiline);
    switch (st) {
    case TEXT_OK: {
        /* A direction override shows a name other than the one stored: to a
         * worker reading the case, "Smith" could be someone else. */
        char name[96];
        if (text_find_bidi(*val, n, name, sizeof name) < 0)
            return true;
        ferrs_add(e, field, "bidi",
                  "has %s, which changes how text is shown: type it again without it", name);
        return false;
    }
    case TEXT_TOO_LONG:
        ferrs_add(e, field, "too_long", "is longer than %zu characters", max);
        return false;
    case TEXT_BAD_UTF8:
        ferrs_add(e, field, "utf8", "is not valid UTF-8 text");
        return false;
    case TEXT_CONTROL:
        ferrs_add(e, field, "control", "contains a control character");
        return false;
    case TEXT_EMPTY:
        ferrs_add(e, field, "required", "is required");
        return false;
    }
    return false;
}

bool referral_field_visible(ferrs_t *e, const char *field, char **val, const char *what)
{
    char name[96], before[48];
    const char *s = *val;
    size_t n, from, start;
    long at;
    if (!s)
        return true;
    n = text_plain_spaces(*val);
    /* Only what referral_field_text keeps: white space at either end goes. */
    while (n > 0 && strchr(" \t\n\r", s[n - 1]))
        n--;
    from = strspn(s, " \t\n\r");
    if (from >= n || (at = text_find_invisible(s + from, n - from, name, sizeof name)) < 0)
        return true;
    s += from;
    n = (size_t)at;
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (n == 0) {
        ferrs_add(e, field, "invisible",
                  "starts with %s, which cannot be seen: type the %s again rather than paste it",
                  name, what);
        return false;
    }
    /* What comes before it, so that they can find the place: their own
     * typing, and it goes back to them alone, but only the last dozen
     * bytes or so (cut between characters). */
    start = n > 12 ? n - 12 : 0;
    while (start > 0 && ((unsigned char)s[start] & 0xc0) == 0x80)
        start--;
    snprintf(before, sizeof before, "%s%.*s", start > 0 ? "..." : "", (int)(n - start), s + start);
    ferrs_add(e, field, "invisible",
              "has %s after '%s', which cannot be seen: type the %s again rather than paste it",
              name, before, what);
    return false;
}

void referral_field_phone(ferrs_t *e, const char *field, char **val, bool required)
{
    int digits = 0;
    if (!referral_field_visible(e, field, val, "phone number") ||
        !referral_field_text(e, field, val, REFERRAL_PHONE_MAX, required, false))
        return;
    for (const char *p = *val; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (!strchr(" +()-", *p)) {
            ferrs_add(e, field, "format", "must be a phone number such as 01245 000000");
            return;
        }
    }
    if (digits < 10 || digits > 15)
        ferrs_add(e, field, "format", "must be a phone number of 10 to 15 digits");
}

void referral_field_email(ferrs_t *e, const char *field, char **val, bool required)
{
    const char *at, *dot;
    if (!referral_field_text(e, field, val, REFERRAL_EMAIL_MAX, required, false))
        return;
    at = strchr(*val, '@');
    dot = at ? strrchr(at, '.') : NULL;
    if (!at || at == *val || strchr(at + 1, '@') || strpbrk(*val, " ,;<>\"") || !dot ||
        dot == at + 1 || !dot[1])
        ferrs_add(e, field, "format", "must be an email address such as name@example.org");
}

/* --- dates written otherwise ------------------------------------------- */

/* One word of a date: digits (an ordinal's st, nd, rd or th dropped) or
 * letters. */
typedef struct {
    char text[16];
    int num;     /* the number, when digits */
    int ndigits; /* 0 for a word */
} s_part_t;

/* Splits s into at most three parts at spaces, / . - and commas; returns
 * the count, or -1 if there are more or a part is neither. */
static int s_date_parts(const char *s, s_part_t part[3])
{
    int n = 0;
    while (*s) {
        size_t len = strspn(s, " /.-,");
        s_part_t *p;
        s += len;
        if (!*s)
            break;
        if (n == 3)
            return -1;
        p = &part[n++];
        len = strcspn(s, " /.-,");
        if (len >= sizeof p->text)
            return -1;
        memcpy(p->text, s, len);
        p->text[len] = '\0';
        s += len;
        p->ndigits = (int)strspn(p->text, "0123456789");
        if (p->ndigits > 0) {
            const char *rest = p->text + p->ndigits;
            if (*rest && !text_ieq(rest, "st") && !text_ieq(rest, "nd") && !text_ieq(rest, "rd") &&
                !text_ieq(rest, "th"))
                return -1;
            if (p->ndigits > 4)
                return -1;
            p->num = atoi(p->text);
        } else {
            for (const char *c = p->text; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
                    return -1;
        }
    }
    return n;
}

/* The month a word names (January, Jan, Sept), 1-12, or 0. */
static int s_month(const char *w)
{
    static const char *const names[] = {"january",   "february", "march",    "april",
                                        "may",       "june",     "july",     "august",
                                        "september", "october",  "november", "december"};
    size_t len = strlen(w);
    if (len < 3)
        return 0;
    for (int m = 0; m < 12; m++) {
        if (len <= strlen(names[m]) && strncasecmp(w, names[m], len) == 0 &&
            (len == 3 || len == strlen(names[m]) || (m == 8 && len == 4)))
            return m + 1;
    }
    return 0;
}

/* What a date written otherwise most probably means, as a real date: the
 * year written in full, the day before the month as in the UK (02/04/1961
 * is 2 April) unless only the other order is a real date (04/25/1961),
 * the month in words or in digits, or a date and a time. A two-digit year
 * is not guessed at. Returns 0 with the day in *out, or -1. */
static int s_date_guess(const char *s, date_t *out)
{
    s_part_t p[3];
    int y = 0, m = 0, d = 0, word = -1;
    if (strlen(s) > 10 && (s[10] == 'T' || s[10] == ' ')) {
        /* 1961-04-02T00:00:00, 1961-04-02 00:00: a spreadsheet's moment */
        char day[DATE_STRLEN];
        memcpy(day, s, 10);
        day[10] = '\0';
        if (date_parse(day, out) == 0 && s[11] >= '0' && s[11] <= '9' && strchr(s + 11, ':'))
            return 0;
    }
    if (s_date_parts(s, p) != 3)
        return -1;
    for (int i = 0; i < 3; i++)
        if (p[i].ndigits == 0) {
            if (word >= 0 || (m = s_month(p[i].text)) == 0)
                return -1;
            word = i;
        }
    if (word < 0) {
        if (p[0].ndigits == 4) { /* 1961/04/02 */
            y = p[0].num, m = p[1].num, d = p[2].num;
        } else if (p[2].ndigits == 4) {
            y = p[2].num, d = p[0].num, m = p[1].num;
            if (!date_valid_ymd(y, m, d) && date_valid_ymd(y, d, m)) {
                m = p[0].num; /* 04/25/1961: only the month can come first */
                d = p[1].num;
            }
        } else {
            return -1;
        }
    } else {
        /* 2 April 1961, April 2 1961, 1961 April 2: the 4-digit number is
         * the year, the other the day. */
        int a = word == 0 ? 1 : 0, b = word == 2 ? 1 : 2;
        if (p[a].ndigits == 4 && p[b].ndigits <= 2)
            y = p[a].num, d = p[b].num;
        else if (p[b].ndigits == 4 && p[a].ndigits <= 2)
            y = p[b].num, d = p[a].num;
        else
            return -1;
    }
    if (y < 1000 || !date_valid_ymd(y, m, d))
        return -1;
    *out = date_from_ymd(y, m, d);
    return 0;
}

/* A date field: present (when required), real, and within [min, max]. A
 * date written in another way is refused, saying what it is in YYYY-MM-DD
 * if that is clear: a guess is shown, never taken. */
bool referral_field_date(ferrs_t *e, const char *field, char **val, bool required, date_t min,
                         date_t max, const char *too_late, const char *too_early, date_t *out)
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    if (*val)
        text_plain_spaces(*val);
    if (!referral_field_text(e, field, val, 40, required, false)) {
        if (*val && !ferrs_has(e, field))
            ferrs_add(e, field, "format", "must be a date written YYYY-MM-DD");
        return false;
    }
    if (date_parse(*val, out) < 0) {
        int y, m, d;
        date_t guess;
        if (strlen(*val) == 10 && strspn(*val, "0123456789") == 4 && (*val)[4] == '-' &&
            strspn(*val + 5, "0123456789") == 2 && (*val)[7] == '-' &&
            strspn(*val + 8, "0123456789") == 2) {
            ferrs_add(e, field, "invalid", "%s is not a real date", *val);
        } else if (s_date_guess(*val, &guess) == 0) {
            char iso[DATE_STRLEN];
            date_format(guess, iso);
            date_to_ymd(guess, &y, &m, &d);
            ferrs_add(e, field, "format", "must be written YYYY-MM-DD: %s if you mean %d %s %d",
                      iso, d, months[m - 1], y);
        } else {
            ferrs_add(e, field, "format",
                      "must be a date written YYYY-MM-DD (such as 1961-04-02), not '%.20s'", *val);
        }
        return false;
    }
    if (*out > max) {
        ferrs_add(e, field, "future", "%s", too_late);
        return false;
    }
    if (*out < min) {
        ferrs_add(e, field, "past", "%s", too_early);
        return false;
    }
    return true;
}

/* What a referrer can do about an NHS number that is nobody's: look it up
 * on the person's record, or, where it may be left out, leave it out. */
static const char *s_nhs_remedy(const char *field)
{
    if (strcmp(field, "carer.nhs_number") == 0)
        return "check it on the carer's record, or leave it out";
    return "check it on the patient's record";
}

/* An NHS number of ten digits, a check digit that matches, and a number
 * that could be a person's. Only the digits are echoed back. */
void referral_field_nhs(ferrs_t *e, const char *field, char **val, bool required,
                        const referral_ctx_t *ctx)
{
    char digits[NHS_NUMBER_MAX];
    if (!referral_field_visible(e, field, val, "NHS number") ||
        !referral_field_text(e, field, val, 20, required, false))
        return;
    switch (nhs_number_parse(*val, digits)) {
    case NHS_OK:
        free(*val);
        *val = xstrdup(digits);
        switch (nhs_number_range(digits)) {
        case NHS_RANGE_ISSUED:
            break;
        case NHS_RANGE_REPEATED:
            ferrs_add(e, field, "not_issued",
                      "%s is not an NHS number issued to anyone (all ten digits are the same): %s",
                      digits, s_nhs_remedy(field));
            break;
        case NHS_RANGE_TEST:
            if (!ctx->test_nhs_numbers)
                ferrs_add(e, field, "not_issued",
                          "%s is not an NHS number issued to anyone (numbers from 999 000 0000 "
                          "to 999 999 9999 are for testing only): %s",
                          digits, s_nhs_remedy(field));
            break;
        }
        return;
    case NHS_FORMAT:
        /* The field's name says it is an NHS number ("The patient's NHS
         * number must be ..."): the message says only what one is. */
        ferrs_add(e, field, "format", "must be 10 digits, such as 943 476 5919");
        return;
    case NHS_CHECKSUM:
        ferrs_add(e, field, "checksum",
                  "%s cannot be right (its check digit does not match the other nine): %s", *val,
                  s_nhs_remedy(field));
        return;
    }
}

void referral_field_upper(char *s)
{
    for (; s && *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
}

/* A value that must be one of a few words. */
void referral_field_choice(ferrs_t *e, const char *field, char **val, bool required,
                           const char *const *choices)
{
    char list[160] = "";
    if (!referral_field_text(e, field, val, REFERRAL_SHORT_MAX, required, false))
        return;
    for (size_t i = 0; choices[i]; i++) {
        if (text_ieq(*val, choices[i])) {
            free(*val);
            *val = xstrdup(choices[i]);
            return;
        }
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 i == 0 ? "" : (choices[i + 1] ? ", " : " or "), choices[i]);
    }
    ferrs_add(e, field, "invalid", "must be %s, not '%.40s'", list, *val);
}
