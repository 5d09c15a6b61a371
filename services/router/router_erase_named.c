/*
 * Whether an erasure's reason names the carer (router.h,
 * router_erase_named): it goes into the audit trail, which must hold no
 * personal data. Family and given names as words (folded as names are for
 * matching, possessives too), the date of birth as written or day first,
 * a street line of the address, the postcode with or without its space,
 * NHS and phone numbers however spaced, the email address.
 */
#include "router.h"

#include "domain/postcode.h"
#include "domain/referral.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* --- does the reason name the carer? --------------------------------------- */

/* The digits of a phone or NHS number as written ("+44 7700 900123" is
 * "07700900123"). */
static void s_digits(const char *in, char *out, size_t outsz)
{
    size_t n = 0;
    const char *p = in ? in : "";
    while (*p == ' ')
        p++;
    if (strncmp(p, "+44", 3) == 0 || strncmp(p, "0044", 4) == 0) {
        p += *p == '+' ? 3 : 4;
        while (*p == ' ' || *p == '(' || *p == ')')
            p++;
        if (*p == '0')
            p++;
        out[n++] = '0';
    }
    for (; *p && n + 1 < outsz; p++)
        if (*p >= '0' && *p <= '9')
            out[n++] = *p;
    out[n] = '\0';
}

/* Whether a run of the reason's digits (digits with spaces, brackets,
 * dashes and a plus between them) holds digits. */
static bool s_has_number(const char *reason, const char *digits)
{
    const char *p = reason;
    if (strlen(digits) < 6)
        return false;
    while (*p) {
        char run[256], got[256];
        size_t n = 0;
        while (*p && !strchr("0123456789+", *p))
            p++;
        while (*p && strchr("0123456789+ ()-", *p) && n + 1 < sizeof run)
            run[n++] = *p++;
        run[n] = '\0';
        s_digits(run, got, sizeof got);
        if (strstr(got, digits))
            return true;
    }
    return false;
}

/* Whether the reason, without its spaces and in upper case, holds the
 * postcode (without its space). */
static bool s_has_postcode(const char *reason, const char *postcode)
{
    char pc[POSTCODE_MAX], flat[ROUTER_ERASE_REASON_MAX * 4 + 1], want[POSTCODE_MAX];
    size_t n = 0, w = 0;
    if (!postcode || postcode_normalise(postcode, pc) < 0)
        return false;
    for (const char *p = pc; *p; p++)
        if (*p != ' ')
            want[w++] = *p;
    want[w] = '\0';
    for (const char *p = reason; *p && n + 1 < sizeof flat; p++)
        if (*p != ' ')
            flat[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    flat[n] = '\0';
    return w >= 5 && strstr(flat, want) != NULL;
}

/* Whether the reason has the family name as one of its words, or as
 * several in a row ("van der Berg"), folded as names are for matching. */
static bool s_has_name(const char *reason, const char *family)
{
    char want[160], words[64][96];
    size_t nw = 0, wl;
    const char *p = reason;
    if (!family || (wl = referral_fold_name(family, want, sizeof want)) == 0)
        return false;
    while (*p && nw < 64) {
        char word[96];
        size_t n = 0;
        while (*p && strchr(" \t,.;:!?()[]\"/&", *p))
            p++;
        while (*p && !strchr(" \t,.;:!?()[]\"/&", *p) && n + 1 < sizeof word)
            word[n++] = *p++;
        word[n] = '\0';
        /* A possessive is the name: Smith's. */
        if (n > 2 && strcmp(word + n - 2, "'s") == 0)
            word[n - 2] = '\0';
        else if (n > 4 && strcmp(word + n - 4, "\xe2\x80\x99s") == 0)
            word[n - 4] = '\0';
        if (n && referral_fold_name(word, words[nw], sizeof words[nw]) > 0)
            nw++;
    }
    for (size_t i = 0; i < nw; i++) {
        char joined[160] = "";
        size_t len = 0;
        for (size_t j = i; j < nw && len < wl; j++) {
            len += strlen(words[j]);
            if (len >= sizeof joined)
                break;
            strcat(joined, words[j]);
            if (strcmp(joined, want) == 0)
                return true;
        }
    }
    return false;
}

static bool s_has_email(const char *reason, const char *email)
{
    return email && strlen(email) >= 3 && strcasestr(reason, email) != NULL;
}

/* Whether the reason holds the date of birth (YYYY-MM-DD) as written so,
 * or day first (7/7/1966, 07.07.1966, 07-07-1966). */
static bool s_has_date(const char *reason, const char *dob)
{
    int y, m, d;
    char forms[6][16];
    if (!dob || sscanf(dob, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return false;
    snprintf(forms[0], sizeof forms[0], "%04d-%02d-%02d", y, m, d);
    snprintf(forms[1], sizeof forms[1], "%02d/%02d/%04d", d, m, y);
    snprintf(forms[2], sizeof forms[2], "%d/%d/%04d", d, m, y);
    snprintf(forms[3], sizeof forms[3], "%02d.%02d.%04d", d, m, y);
    snprintf(forms[4], sizeof forms[4], "%02d-%02d-%04d", d, m, y);
    snprintf(forms[5], sizeof forms[5], "%d.%d.%04d", d, m, y);
    for (size_t i = 0; i < 6; i++)
        if (strstr(reason, forms[i]))
            return true;
    return false;
}

/* Whether the reason holds a line of the address (its parts between
 * commas or line ends) of two words or more, without its house number, in
 * any case. */
static bool s_has_address(const char *reason, const char *address)
{
    const char *p = address;
    while (p && *p) {
        char part[160];
        size_t n = 0;
        const char *q;
        while (*p == ',' || *p == '\n' || *p == ' ')
            p++;
        while (*p && *p != ',' && *p != '\n' && n + 1 < sizeof part)
            part[n++] = *p++;
        while (n && part[n - 1] == ' ')
            n--;
        part[n] = '\0';
        /* "8a Brambling Court": the street is enough to find her. A line
         * of one word ("Colchester", "Essex") names a place, not her. */
        for (q = part; isdigit((unsigned char)*q); q++)
            ;
        if (q > part && isalpha((unsigned char)*q) && q[1] == ' ')
            q++;
        while (*q == ' ')
            q++;
        if (strchr(q, ' ') && strlen(q) >= 5 && strcasestr(reason, q))
            return true;
    }
    return false;
}

/* Which of carer's details the reason holds (static text), or NULL. */
const char *router_erase_named(const char *reason, const Carerhub__Carer *carer)
{
    char digits[64];
    if (!carer)
        return NULL;
    if (s_has_name(reason, carer->family_name))
        return "family name";
    if (carer->given_name && strlen(carer->given_name) >= 2 &&
        s_has_name(reason, carer->given_name))
        return "given name";
    if (s_has_date(reason, carer->date_of_birth))
        return "date of birth";
    if (s_has_address(reason, carer->address))
        return "address";
    s_digits(carer->nhs_number, digits, sizeof digits);
    if (carer->nhs_number && s_has_number(reason, digits))
        return "NHS number";
    if (s_has_postcode(reason, carer->postcode))
        return "postcode";
    s_digits(carer->phone, digits, sizeof digits);
    if (carer->phone && s_has_number(reason, digits))
        return "phone number";
    if (s_has_email(reason, carer->email))
        return "email address";
    return NULL;
}

/* The details of case c's carer (as now known, and as each referral gave
 * them) that the reason holds, or NULL. */
const char *router_erase_named_in_case(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                                       const char *reason)
{
    const char *what = router_erase_named(reason, c->carer);
    char digits[64];
    if (!what && c->nhs_number) {
        s_digits(c->nhs_number, digits, sizeof digits);
        if (s_has_number(reason, digits))
            what = "NHS number";
    }
    for (size_t i = 0; i < c->n_referral_ids && !what; i++) {
        Carerhub__ReferralRecord *rec = router_get_referral(r, txn, c->referral_ids[i]);
        if (rec && rec->referral)
            what = router_erase_named(reason, rec->referral->carer);
        if (rec)
            carerhub__referral_record__free_unpacked(rec, NULL);
    }
    return what;
}
