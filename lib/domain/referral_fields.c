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
    case TEXT_OK:
        return true;
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

/* A date field: present (when required), real, and within [min, max]. */
bool referral_field_date(ferrs_t *e, const char *field, char **val, bool required, date_t min,
                         date_t max, const char *too_late, const char *too_early, date_t *out)
{
    if (!referral_field_text(e, field, val, 10, required, false)) {
        if (*val && !ferrs_has(e, field))
            ferrs_add(e, field, "format", "must be a date written YYYY-MM-DD");
        return false;
    }
    if (date_parse(*val, out) < 0) {
        int y, m, d;
        if (sscanf(*val, "%4d-%2d-%2d", &y, &m, &d) == 3 && strlen(*val) == 10)
            ferrs_add(e, field, "invalid", "%s is not a real date", *val);
        else
            ferrs_add(e, field, "format", "must be a date written YYYY-MM-DD, not '%.20s'", *val);
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
