/*
 * Unit tests of what a referral file's mistakes are called: spaces and
 * invisible characters pasted into a postcode, a phone or an NHS number,
 * yes/no written in quotes, dates written the way people write them, a
 * field and its value run together, a family name that YAML would read as
 * "nothing", and a carer's age that cannot be right. Each message is
 * compared whole, as the person who sent the file reads it.
 */
#include "test.h"

#include "domain/referral.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>

static const ylimits_t s_lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 4u << 20};

/* A GP card; each %s is a value as written in the file, quotes and all:
 * family name, date of birth, postcode, phone, consent to share. */
static const char s_gp[] =
    "practice: F81001\n"
    "referrer: {name: A Patel, phone: 01245 000000}\n"
    "carer:\n"
    "  given_name: Jane\n"
    "  family_name: %s\n"
    "  date_of_birth: %s\n"
    "  postcode: %s\n"
    "  phone: %s\n"
    "  nhs_number: %s\n"
    "cared_for: {relationship: mother, conditions: [dementia]}\n"
    "consent: {share_with_support_service: %s, given_by: carer, date: 2026-11-20}\n";

/* The card's values, the good ones unless a test says otherwise. */
typedef struct {
    const char *family, *dob, *postcode, *phone, *nhs, *share;
} s_values_t;
#define S_GOOD                                                                                     \
    {                                                                                              \
        "Smith", "1961-04-02", "CM2 0AA", "07700 900123", "943 476 5919", "true"                   \
    }

/* Binds a card of src and, if it binds, checks it on 2026-11-22. The
 * problems go to e; the referral is returned (caller frees). */
static Carerhub__Referral *s_run(const char *text, Carerhub__Source src, ferrs_t *e)
{
    ystream_t *s = ytree_parse(text, strlen(text), &s_lim);
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL};
    Carerhub__Referral *r = NULL;
    if (ystream_doc(s, 0))
        r = referral_from_yaml(ystream_doc(s, 0), src, e);
    if (r && e->n == 0)
        referral_check(r, src, &ctx, e);
    ystream_destroy(&s);
    return r;
}

static Carerhub__Referral *s_gp_card(const s_values_t *v, ferrs_t *e)
{
    char text[2048];
    snprintf(text, sizeof text, s_gp, v->family, v->dob, v->postcode, v->phone, v->nhs, v->share);
    return s_run(text, CARERHUB__SOURCE__GP, e);
}

/* The problems of e, one "field: code: message" a line. */
static const char *s_said(const ferrs_t *e)
{
    static char out[2048];
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < e->n && o < sizeof out; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s: %s: %s", i ? "\n" : "", e->v[i].field,
                              e->v[i].code, e->v[i].message);
    return out;
}

/* What a GP card with these values is told ("" if nothing). */
static const char *s_told(const s_values_t *v)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_gp_card(v, &e);
    const char *said = s_said(&e);
    ferrs_free(&e);
    if (r)
        carerhub__referral__free_unpacked(r, NULL);
    return said;
}

/* --- spaces and invisible characters ------------------------------------ */

TEST(referral_unicode_spaces_stand_for_spaces)
{
    /* No-break (C2 A0), narrow no-break (E2 80 AF), figure (E2 80 87), thin
     * (E2 80 89) and ideographic (E3 80 80) spaces, pasted from a letter. */
    static const char *const spaces[] = {"\xc2\xa0", "\xe2\x80\xaf", "\xe2\x80\x87", "\xe2\x80\x89",
                                         "\xe3\x80\x80"};
    for (size_t i = 0; i < sizeof spaces / sizeof *spaces; i++) {
        char pc[32], phone[48], nhs[48];
        s_values_t v = S_GOOD;
        ferrs_t e = FERRS_INIT;
        Carerhub__Referral *r;
        snprintf(pc, sizeof pc, "CM2%s0AA", spaces[i]);
        snprintf(phone, sizeof phone, "\"07700%s900123%s\"", spaces[i], spaces[i]);
        snprintf(nhs, sizeof nhs, "\"943%s476%s5919\"", spaces[i], spaces[i]);
        v.postcode = pc;
        v.phone = phone;
        v.nhs = nhs;
        r = s_gp_card(&v, &e);
        CHECK_STR(s_said(&e), "");
        CHECK_STR(r->carer->postcode, "CM2 0AA");
        CHECK_STR(r->carer->phone, "07700 900123");
        CHECK_STR(r->carer->nhs_number, "9434765919");
        carerhub__referral__free_unpacked(r, NULL);
    }
}

TEST(referral_invisible_character_named_and_placed)
{
    s_values_t v = S_GOOD;
    v.postcode = "\"CM1\xe2\x80\x8b 1AA\"";
    CHECK_STR(s_told(&v), "carer.postcode: invisible: has a zero-width space (U+200B) after "
                          "'CM1', which cannot be seen: type the postcode again rather than "
                          "paste it");
    v.postcode = "\"\xef\xbb\xbf"
                 "CM2 0AA\"";
    CHECK_STR(s_told(&v), "carer.postcode: invisible: starts with a byte order mark (U+FEFF), "
                          "which cannot be seen: type the postcode again rather than paste it");
    v = (s_values_t)S_GOOD;
    v.phone = "\"07700\xe2\x81\xa0 900123\"";
    CHECK_STR(s_told(&v), "carer.phone: invisible: has a word joiner (U+2060) after '07700', "
                          "which cannot be seen: type the phone number again rather than paste "
                          "it");
    v.phone = "\"07700\\t900123\"";
    CHECK_STR(s_told(&v), "carer.phone: invisible: has a tab (U+0009) after '07700', which "
                          "cannot be seen: type the phone number again rather than paste it");
    /* Only the last twelve characters before it: enough to find the place. */
    v.phone = "\"+44 (0)7700 900123\xe2\x80\x8e\"";
    CHECK_STR(s_told(&v), "carer.phone: invisible: has a left-to-right mark (U+200E) after "
                          "'...)7700 900123', which cannot be seen: type the phone number again "
                          "rather than paste it");
    v = (s_values_t)S_GOOD;
    v.nhs = "\"943 476\xc2\xad 5919\"";
    CHECK_STR(s_told(&v), "carer.nhs_number: invisible: has a soft hyphen (U+00AD) after "
                          "'943 476', which cannot be seen: type the NHS number again rather "
                          "than paste it");
    /* White space at either end is trimmed, as always, not refused. */
    v = (s_values_t)S_GOOD;
    v.phone = "\"\\t07700 900123\\n\"";
    CHECK_STR(s_told(&v), "");
}

TEST(referral_direction_controls_refused_in_names)
{
    /* "Smith" with a right-to-left override would show as another name. */
    s_values_t v = S_GOOD;
    v.family = "\"Sm\xe2\x80\xaeith\"";
    CHECK_STR(s_told(&v), "carer.family_name: bidi: has a right-to-left override (U+202E), which "
                          "changes how text is shown: type it again without it");
    v.family = "\"\xe2\x81\xa7Smith\xe2\x81\xa9\"";
    CHECK_STR(s_told(&v), "carer.family_name: bidi: has a right-to-left isolate (U+2067), which "
                          "changes how text is shown: type it again without it");
    /* A zero-width joiner is part of how some names are written: kept. */
    v.family = "\"Sm\xe2\x80\x8dith\"";
    CHECK_STR(s_told(&v), "");
}

TEST(referral_direction_controls_refused_in_every_text_field)
{
    /* The referrer's name, a multi-line address and a condition too. */
    static const char card[] =
        "practice: F81001\n"
        "referrer: {name: \"A Pa\xe2\x80\xadtel\", phone: 01245 000000}\n"
        "carer:\n"
        "  given_name: Jane\n"
        "  family_name: Smith\n"
        "  date_of_birth: 1961-04-02\n"
        "  postcode: CM2 0AA\n"
        "  phone: 07700 900123\n"
        "  address: \"1 High St\\n\xe2\x80\xab"
        "Chelmsford\"\n"
        "cared_for: {relationship: mother, conditions: [\"demen\xe2\x81\xa6tia\"]}\n"
        "consent: {share_with_support_service: true, given_by: carer, date: 2026-11-20}\n";
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_run(card, CARERHUB__SOURCE__GP, &e);
    CHECK_STR(s_said(&e),
              "referrer.name: bidi: has a left-to-right override (U+202D), which changes how "
              "text is shown: type it again without it\n"
              "carer.address: bidi: has a right-to-left embedding (U+202B), which changes how "
              "text is shown: type it again without it\n"
              "cared_for.conditions[1]: bidi: has a left-to-right isolate (U+2066), which "
              "changes how text is shown: type it again without it");
    ferrs_free(&e);
    if (r)
        carerhub__referral__free_unpacked(r, NULL);
}

/* --- yes and no ---------------------------------------------------------- */

TEST(referral_yes_no_quoted_or_not)
{
    static const char *const yes[] = {"true", "\"true\"", "'TRUE'", "\"True\"",
                                      "yes",  "\"Yes\"",  "' yes '"};
    static const char *const no[] = {"false", "\"false\"", "'FALSE'", "no", "\"No\""};
    static const char *const neither[] = {"\"maybe\"", "1", "\"Y\"", "on", "\"\""};
    s_values_t v = S_GOOD;
    char want[160];
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        v.share = yes[i];
        CHECK_STR(s_told(&v), "");
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        v.share = no[i];
        CHECK_STR(s_told(&v), "consent.share_with_support_service: consent: is false: without "
                              "consent to share, the hub cannot take this referral");
    }
    for (size_t i = 0; i < sizeof neither / sizeof *neither; i++) {
        /* The word as written, without the file's quotes. */
        size_t n = strlen(neither[i]);
        bool quoted = neither[i][0] == '"';
        v.share = neither[i];
        snprintf(want, sizeof want,
                 "consent.share_with_support_service: type: must be true or false (or yes or "
                 "no), not '%.*s'",
                 (int)(quoted ? n - 2 : n), neither[i] + quoted);
        CHECK_STR(s_told(&v), want);
    }
}

/* --- dates ---------------------------------------------------------------- */

TEST(referral_dates_written_otherwise_say_what_to_write)
{
    /* Every way of writing 2 April 1961 gets the same answer; none is
     * taken. */
    static const char *const forms[] = {
        "2 April 1961", "02/04/1961",          "2/4/1961",        "1961/04/02",    "2.4.1961",
        "02-04-1961",   "2nd April 1961",      "2 Apr 1961",      "April 2, 1961", "2-apr-1961",
        "1961-4-2",     "1961-04-02T00:00:00", "1961-04-02 00:00"};
    /* Two-digit years, words that are no month, and days that do not
     * exist are not guessed at. */
    static const char *const unclear[] = {"02/04/61", "2 Apri 1961", "31/02/1961", "April 1961",
                                          "1961",     "yesterday",   "2/4/1961/5", "13/13/1961"};
    s_values_t v = S_GOOD;
    char dob[40], want[200];
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        snprintf(dob, sizeof dob, "\"%s\"", forms[i]);
        v.dob = dob;
        CHECK_STR(s_told(&v), "carer.date_of_birth: format: must be written YYYY-MM-DD: "
                              "1961-04-02 if you mean 2 April 1961");
    }
    for (size_t i = 0; i < sizeof unclear / sizeof *unclear; i++) {
        snprintf(dob, sizeof dob, "\"%s\"", unclear[i]);
        snprintf(want, sizeof want,
                 "carer.date_of_birth: format: must be a date written YYYY-MM-DD (such as "
                 "1961-04-02), not '%s'",
                 unclear[i]);
        v.dob = dob;
        CHECK_STR(s_told(&v), want);
    }
    /* Day first, as in the UK, unless only the month can come first. */
    v.dob = "04/25/1961";
    CHECK_STR(s_told(&v), "carer.date_of_birth: format: must be written YYYY-MM-DD: 1961-04-25 "
                          "if you mean 25 April 1961");
    v.dob = "1961-02-29";
    CHECK_STR(s_told(&v), "carer.date_of_birth: invalid: 1961-02-29 is not a real date");
}

/* --- a field and its value run together ------------------------------------ */

TEST(referral_field_and_value_run_together)
{
    static const char nested[] = "practice: F81001\n"
                                 "carer:\n"
                                 "  given_name:Jane\n"
                                 "cared_for: {relationship: mother}\n";
    static const char flow[] = "practice: F81001\n"
                               "carer: {given_name:Jane, family_name: Smith}\n";
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_run(nested, CARERHUB__SOURCE__GP, &e);
    /* YAML reads carer: as the text "given_name:Jane". */
    CHECK_STR(s_said(&e), "carer: syntax: line 3: put a space after the colon in "
                          "'given_name:Jane'");
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
    /* In braces, the key is "given_name:Jane": named by its field alone. */
    r = s_run(flow, CARERHUB__SOURCE__GP, &e);
    CHECK_STR(s_said(&e), "carer.given_name: syntax: line 2: put a space after the colon in "
                          "'given_name:Jane'");
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}

/* --- names YAML would take for nothing ------------------------------------- */

TEST(referral_text_fields_take_words_as_written)
{
    static const char *const names[] = {"null", "Null", "NULL", "~",       "no",
                                        "Yes",  "off",  "true", "\"null\""};
    s_values_t v = S_GOOD;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        ferrs_t e = FERRS_INIT;
        Carerhub__Referral *r;
        const char *want = names[i][0] == '"' ? "null" : names[i];
        v.family = names[i];
        r = s_gp_card(&v, &e);
        CHECK_STR(s_said(&e), "");
        CHECK_STR(r->carer->family_name, want);
        carerhub__referral__free_unpacked(r, NULL);
    }
    /* Nothing at all is still nothing. */
    v.family = "";
    CHECK_STR(s_told(&v), "carer.family_name: required: is required");
    /* A yes/no field written null is left out, as before. */
    v = (s_values_t)S_GOOD;
    v.share = "null";
    CHECK_STR(s_told(&v), "consent.share_with_support_service: required: is required: the hub "
                          "can take a referral only with consent to share it");
}

/* --- ages ------------------------------------------------------------------ */

TEST(referral_carer_age_that_cannot_be_right)
{
    static const char discharge[] =
        "hospital: {trust: RAJ, site: RAJ01, ward: Ward 10}\n"
        "patient: {nhs_number: 4010232137, expected_discharge: 2026-11-24}\n"
        "carer_consulted: true\n"
        "referrer: {name: K Wright, phone: 01245 222222}\n"
        "carer: {given_name: Jane, family_name: Smith, date_of_birth: %s, postcode: CM2 0AA, "
        "phone: 07700 900123}\n"
        "cared_for: {relationship: mother}\n"
        "consent: {share_with_support_service: true, given_by: carer, date: 2026-11-21}\n";
    static const char school[] =
        "school: {urn: '100000', year_group: 7}\n"
        "safeguarding_referral_made: false\n"
        "referrer: {name: M Green, phone: 01245 333333}\n"
        "carer: {given_name: Sam, family_name: Smith, date_of_birth: %s, postcode: CM2 0AA, "
        "phone: 07700 900123}\n"
        "cared_for: {relationship: mother}\n"
        "consent: {share_with_support_service: true, given_by: parent, date: 2026-11-21}\n";
    s_values_t v = S_GOOD;
    char text[1024];
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r;

    /* On 2026-11-22: 1, 4 and 111 cannot be right at a GP; 5 and 110 can. */
    v.dob = "2025-01-01";
    CHECK_STR(s_told(&v), "carer.date_of_birth: implausible: a carer born 2025-01-01 would be "
                          "1 on the referral date: check the date of birth");
    v.dob = "2021-11-23";
    CHECK_STR(s_told(&v), "carer.date_of_birth: implausible: a carer born 2021-11-23 would be "
                          "4 on the referral date: check the date of birth");
    v.dob = "1915-11-22";
    CHECK_STR(s_told(&v), "carer.date_of_birth: implausible: a carer born 1915-11-22 would be "
                          "111 on the referral date: check the date of birth");
    v.dob = "2021-11-22";
    CHECK_STR(s_told(&v), "");
    v.dob = "1916-11-22";
    CHECK_STR(s_told(&v), "");

    snprintf(text, sizeof text, discharge, "2025-01-01");
    r = s_run(text, CARERHUB__SOURCE__DISCHARGE, &e);
    CHECK_STR(s_said(&e), "carer.date_of_birth: implausible: a carer born 2025-01-01 would be "
                          "1 on the referral date: check the date of birth");
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);

    /* A school's pupils keep their own range, and its words. */
    snprintf(text, sizeof text, school, "2025-01-01");
    r = s_run(text, CARERHUB__SOURCE__SCHOOL, &e);
    CHECK_STR(s_said(&e), "carer.date_of_birth: invalid: makes the pupil 1; a school refers "
                          "pupils aged 4 to 25");
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
    snprintf(text, sizeof text, school, "2022-11-22");
    r = s_run(text, CARERHUB__SOURCE__SCHOOL, &e);
    CHECK_STR(s_said(&e), "");
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}

TEST(referral_self_carer_age_that_cannot_be_right)
{
    static const char self[] =
        "carer: {given_name: Tom, family_name: Reed, date_of_birth: %s, postcode: co11aa, "
        "phone: 07700 900777}\n"
        "cared_for: {relationship: wife, conditions: [mental_health]}\n"
        "consent: {share_with_support_service: true, date: 2026-11-22}\n";
    char text[512];
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r;
    /* Said to the carer, without what they wrote. */
    snprintf(text, sizeof text, self, "1915-11-22");
    r = s_run(text, CARERHUB__SOURCE__SELF, &e);
    CHECK_STR(s_said(&e), "carer.date_of_birth: implausible: is more than 110 years ago: check "
                          "the date of birth you gave");
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
    /* Too young to refer themselves says so, once. */
    snprintf(text, sizeof text, self, "2025-01-01");
    r = s_run(text, CARERHUB__SOURCE__SELF, &e);
    CHECK_INT(e.n, 1);
    CHECK_STR(e.v[0].code, "too_young");
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}
