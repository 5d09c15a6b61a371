/*
 * Unit tests of lib/domain/referral*: YAML binding, checks by source, and
 * the carer match key.
 */
#include "test.h"

#include "domain/referral.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>

static const ylimits_t s_lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 4u << 20};

static const char s_gp_card[] = "practice: f81001\n"
                                "referrer: {name: A Patel, phone: 01245 000000}\n"
                                "carer:\n"
                                "  given_name: ' Jane '\n"
                                "  family_name: Smith\n"
                                "  date_of_birth: 1961-04-02\n"
                                "  postcode: cm20aa\n"
                                "  phone: 07700 900123\n"
                                "  nhs_number: 943 476 5919\n"
                                "  preferred_contact: Phone\n"
                                "cared_for: {relationship: mother, conditions: [Dementia, "
                                "long-term illness]}\n"
                                "consent: {share_with_support_service: true, given_by: carer, "
                                "date: 2026-11-20}\n"
                                "record_carer_on_gp_record: true\n";

/* Binds and checks text as a referral of src on 2026-11-22, on a hub that
 * takes test NHS numbers if training. */
static Carerhub__Referral *s_load_on(const char *text, Carerhub__Source src, bool training,
                                     ferrs_t *errs)
{
    ystream_t *s = ytree_parse(text, strlen(text), &s_lim);
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL};
    Carerhub__Referral *r = referral_from_yaml(ystream_doc(s, 0), src, errs);
    ctx.test_nhs_numbers = training;
    if (r && errs->n == 0)
        referral_check(r, src, &ctx, errs);
    ystream_destroy(&s);
    return r;
}

/* As s_load_on, on a hub in service (test NHS numbers refused). */
static Carerhub__Referral *s_load(const char *text, Carerhub__Source src, ferrs_t *errs)
{
    return s_load_on(text, src, false, errs);
}

static void s_dump(const ferrs_t *e)
{
    if (!getenv("TEST_VERBOSE"))
        return;
    for (size_t i = 0; i < e->n; i++)
        printf("      %s: %s: %s\n", e->v[i].field, e->v[i].code, e->v[i].message);
}

TEST(referral_gp_card_binds_and_normalises)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_load(s_gp_card, CARERHUB__SOURCE__GP, &e);
    s_dump(&e);
    CHECK_INT(e.n, 0);
    CHECK_STR(r->gp->practice, "F81001");
    CHECK(r->gp->has_record_carer_on_gp_record && r->gp->record_carer_on_gp_record);
    CHECK_STR(r->carer->given_name, "Jane");
    CHECK_STR(r->carer->postcode, "CM2 0AA");
    CHECK_STR(r->carer->nhs_number, "9434765919");
    CHECK_STR(r->carer->preferred_contact, "phone");
    CHECK_INT(r->cared_for->n_conditions, 2);
    CHECK_STR(r->cared_for->conditions[1], "long_term_illness");
    CHECK(r->discharge == NULL && r->school == NULL);
    carerhub__referral__free_unpacked(r, NULL);
}

static bool s_has(const ferrs_t *e, const char *field, const char *code)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].field, field) == 0 && strcmp(e->v[i].code, code) == 0)
            return true;
    return false;
}

/* True if e holds exactly the problems listed as field, code pairs (in
 * any order), each once; otherwise says what it holds. */
static bool s_only(const ferrs_t *e, const char *const *pairs)
{
    size_t n = 0;
    bool ok = true;
    while (pairs[2 * n])
        n++;
    for (size_t i = 0; i < n; i++) {
        size_t seen = 0;
        for (size_t j = 0; j < e->n; j++)
            seen += strcmp(e->v[j].field, pairs[2 * i]) == 0 &&
                    strcmp(e->v[j].code, pairs[2 * i + 1]) == 0;
        ok = ok && seen == 1;
    }
    if (ok && e->n == n)
        return true;
    for (size_t j = 0; j < e->n; j++)
        printf("      got %s: %s: %s\n", e->v[j].field, e->v[j].code, e->v[j].message);
    return false;
}

TEST(referral_yaml_structure_errors)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_load("practice: [F81001]\n"
                                   "hospital: {trust: RAJ}\n"
                                   "id: GP-1\n"
                                   "colour: red\n"
                                   "carer: {given_name: [a], emial: x, postcode: {a: b}}\n"
                                   "consent: {share_with_support_service: maybe}\n"
                                   "cared_for: {conditions: {a: b}}\n",
                                   CARERHUB__SOURCE__GP, &e);
    s_dump(&e);
    CHECK(s_has(&e, "practice", "type"));
    CHECK(s_has(&e, "hospital", "wrong_source"));
    CHECK(s_has(&e, "id", "hub_field"));
    CHECK(s_has(&e, "colour", "unknown_field"));
    CHECK(s_has(&e, "carer.given_name", "type"));
    CHECK(s_has(&e, "carer.emial", "unknown_field"));
    CHECK(s_has(&e, "carer.postcode", "type"));
    CHECK(s_has(&e, "consent.share_with_support_service", "type"));
    CHECK(s_has(&e, "cared_for.conditions", "type"));
    CHECK_INT(e.n, 9);
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}

TEST(referral_refuses_nul_in_yaml_text)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r =
        s_load("carer: {family_name: \"Sm\\0ith\"}\n", CARERHUB__SOURCE__GP, &e);
    CHECK(s_only(&e, (const char *const[]){"carer.family_name", "control", NULL}));
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}

/* The GP card with one line replaced. */
static Carerhub__Referral *s_variant(const char *from, const char *to, ferrs_t *e)
{
    char text[4096];
    const char *at = strstr(s_gp_card, from);
    Carerhub__Referral *r;
    if (!at)
        return NULL;
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - s_gp_card), s_gp_card, to,
             at + strlen(from));
    r = s_load(text, CARERHUB__SOURCE__GP, e);
    s_dump(e);
    return r;
}

#define CHECK_VARIANT(from, to, field, code)                                                       \
    do {                                                                                           \
        ferrs_t e_ = FERRS_INIT;                                                                   \
        Carerhub__Referral *r_ = s_variant(from, to, &e_);                                         \
        CHECK(r_ != NULL);                                                                         \
        if (!s_has(&e_, field, code)) {                                                            \
            test_fail(__FILE__, __LINE__, "no %s error for %s", code, field);                      \
            return;                                                                                \
        }                                                                                          \
        if (e_.n != 1) {                                                                           \
            test_fail(__FILE__, __LINE__, "%zu errors for %s, expected only %s", e_.n, to, code);  \
            return;                                                                                \
        }                                                                                          \
        ferrs_free(&e_);                                                                           \
        carerhub__referral__free_unpacked(r_, NULL);                                               \
    } while (0)

TEST(referral_checks_each_field)
{
    CHECK_VARIANT("practice: f81001", "practice: F8100", "practice", "format");
    CHECK_VARIANT("given_name: ' Jane '", "given_name: '  '", "carer.given_name", "required");
    CHECK_VARIANT("1961-04-02", "2026-11-23", "carer.date_of_birth", "future");
    CHECK_VARIANT("1961-04-02", "1961-02-30", "carer.date_of_birth", "invalid");
    CHECK_VARIANT("1961-04-02", "02/04/1961", "carer.date_of_birth", "format");
    CHECK_VARIANT("1961-04-02", "1890-01-01", "carer.date_of_birth", "past");
    CHECK_VARIANT("postcode: cm20aa", "postcode: CM2 0A", "carer.postcode", "format");
    CHECK_VARIANT("943 476 5919", "943 476 5918", "carer.nhs_number", "checksum");
    CHECK_VARIANT("943 476 5919", "943 476 591", "carer.nhs_number", "format");
    CHECK_VARIANT("phone: 07700 900123", "phone: 123", "carer.phone", "format");
    CHECK_VARIANT("preferred_contact: Phone", "preferred_contact: email", "carer.preferred_contact",
                  "invalid");
    CHECK_VARIANT("preferred_contact: Phone", "preferred_contact: pigeon",
                  "carer.preferred_contact", "invalid");
    CHECK_VARIANT("Dementia", "forgetful", "cared_for.conditions[1]", "invalid");
    CHECK_VARIANT("long-term illness", "dementia", "cared_for.conditions[2]", "duplicate");
    CHECK_VARIANT("share_with_support_service: true", "share_with_support_service: false",
                  "consent.share_with_support_service", "consent");
    CHECK_VARIANT("share_with_support_service: true, ", "", "consent.share_with_support_service",
                  "required");
    CHECK_VARIANT("given_by: carer", "given_by: parent", "consent.given_by", "invalid");
    CHECK_VARIANT("date: 2026-11-20", "date: 2027-01-01", "consent.date", "future");
    CHECK_VARIANT("phone: 01245 000000", "email: nobody", "referrer.email", "format");
    CHECK_VARIANT("given_name: ' Jane '", "given_name: \"J\\x1b[31m\"", "carer.given_name",
                  "control");
    CHECK_VARIANT("given_name: ' Jane '", "given_name: \"J\\x85\"", "carer.given_name",
                  "control"); /* NEL, a C1 control character */
}

TEST(referral_refuses_invalid_utf8_and_huge_fields)
{
    char *big = xmalloc(1200000);
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r;
    snprintf(big, 64, "carer: {family_name: \"");
    memset(big + strlen(big), 'a', 1100000);
    strcpy(big + strlen("carer: {family_name: \"") + 1100000, "\"}\n");
    r = s_load(big, CARERHUB__SOURCE__GP, &e);
    CHECK(r != NULL);
    s_dump(&e);
    CHECK(s_only(&e, (const char *const[]){"carer.family_name", "too_long", "practice", "required",
                                           "referrer", "required", "carer.given_name", "required",
                                           "carer.date_of_birth", "required", "carer.postcode",
                                           "required", "carer.phone", "required", "cared_for",
                                           "required", "consent", "required", NULL}));
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
    free(big);
    /* Invalid UTF-8 arrives through protobuf, where YAML cannot carry it. */
    r = xmalloc(sizeof *r);
    carerhub__referral__init(r);
    r->carer = xmalloc(sizeof *r->carer);
    carerhub__carer__init(r->carer);
    r->carer->family_name = xstrdup("Sm\xc3\x28th");
    referral_check(r, CARERHUB__SOURCE__GP,
                   &(referral_ctx_t){date_from_ymd(2026, 11, 22), NULL, NULL, NULL}, &e);
    s_dump(&e);
    CHECK(s_only(&e, (const char *const[]){"carer.family_name", "utf8", "practice", "required",
                                           "referrer", "required", "carer.given_name", "required",
                                           "carer.date_of_birth", "required", "carer.postcode",
                                           "required", "carer.phone", "required", "cared_for",
                                           "required", "consent", "required", NULL}));
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}

TEST(referral_discharge_rules)
{
    static const char card[] = "hospital: {trust: raj, site: RAJ01, ward: Ward 10}\n"
                               "patient: {nhs_number: 4010232137, expected_discharge: "
                               "2026-11-24}\n"
                               "carer_consulted: false\n"
                               "referrer: {name: K Wright, phone: 01245 222222}\n"
                               "carer: {given_name: Jane, family_name: Smith, date_of_birth: "
                               "1961-04-02, postcode: CM2 0AA, phone: 07700 900123}\n"
                               "cared_for: {relationship: mother}\n"
                               "consent: {share_with_support_service: true, given_by: carer, "
                               "date: 2026-11-21}\n";
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_load(card, CARERHUB__SOURCE__DISCHARGE, &e);
    s_dump(&e);
    CHECK_INT(e.n, 0);
    CHECK_STR(r->discharge->hospital->trust, "RAJ");
    CHECK(r->discharge->has_carer_consulted && !r->discharge->carer_consulted);
    carerhub__referral__free_unpacked(r, NULL);
    /* The same card as a GP referral: its discharge fields do not belong. */
    r = s_load(card, CARERHUB__SOURCE__GP, &e);
    CHECK(s_only(&e, (const char *const[]){"hospital", "wrong_source", "patient", "wrong_source",
                                           "carer_consulted", "wrong_source", NULL}));
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}

TEST(referral_discharge_field_errors)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_load("hospital: {trust: RAJ, site: RQ801}\n"
                                   "patient: {nhs_number: 4010232138, expected_discharge: "
                                   "2026-01-01}\n",
                                   CARERHUB__SOURCE__DISCHARGE, &e);
    CHECK(r != NULL);
    /* s_load checked it: each problem is reported once. */
    s_dump(&e);
    CHECK(s_only(&e, (const char *const[]){"hospital.site", "invalid", "hospital.ward", "required",
                                           "patient.nhs_number", "checksum",
                                           "patient.expected_discharge", "past", "carer_consulted",
                                           "required", "referrer", "required", "carer", "required",
                                           "cared_for", "required", "consent", "required", NULL}));
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}

TEST(referral_school_rules)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_load("school: {urn: 11500, year_group: 15}\n"
                                   "carer: {given_name: Sam, family_name: Khan, date_of_birth: "
                                   "1990-05-10, postcode: CM2 9AA, address: x}\n"
                                   "consent: {share_with_support_service: true, given_by: "
                                   "carer, date: 2026-11-20}\n",
                                   CARERHUB__SOURCE__SCHOOL, &e);
    CHECK(r != NULL);
    s_dump(&e);
    CHECK(s_only(&e, (const char *const[]){"school.urn", "format", "school.year_group", "invalid",
                                           "consent.given_by", "invalid",
                                           "safeguarding_referral_made", "required",
                                           /* 36 is no pupil */
                                           "carer.date_of_birth", "invalid", "referrer", "required",
                                           "cared_for", "required", NULL}));
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}

TEST(referral_unknown_postcode_district)
{
    diag_t d = DIAG_INIT;
    route_t *rt = route_load(test_src("config/routing.yaml"), &d);
    ystream_t *s = ytree_parse(s_gp_card, strlen(s_gp_card), &s_lim);
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = referral_from_yaml(ystream_doc(s, 0), CARERHUB__SOURCE__GP, &e);
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), route_geo(rt), NULL, NULL};
    free(r->carer->postcode);
    r->carer->postcode = xstrdup("AB1 1AA");
    CHECK_INT(referral_check(r, CARERHUB__SOURCE__GP, &ctx, &e), -1);
    CHECK(s_has(&e, "carer.postcode", "unknown"));
    CHECK_INT(e.n, 1);
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
    ystream_destroy(&s);
    route_destroy(&rt);
}

TEST(referral_person_keys_fold_names)
{
    Carerhub__Carer c = CARERHUB__CARER__INIT;
    char a[REFERRAL_KEYS_MAX][512], b[REFERRAL_KEYS_MAX][512];
    c.date_of_birth = "1960-02-03";
    c.postcode = "CO1 1AB";
    c.given_name = "Si\xc3\xa2n"; /* Siân */
    c.family_name = "O'Neill-Smith";
    CHECK_INT((int)referral_person_keys(&c, a), 1);
    CHECK_STR(a[0], "oneillsmith\x1fsian\x1f"
                    "1960-02-03\x1fp:CO11AB");
    c.family_name = "o\xe2\x80\x99neill smith"; /* typographic apostrophe */
    c.given_name = "SIAN";
    c.postcode = "co11ab";
    CHECK_INT((int)referral_person_keys(&c, b), 1);
    CHECK_STR(b[0], a[0]);
    c.family_name = "  -' ";
    CHECK_INT((int)referral_person_keys(&c, a), 0);
}

TEST(referral_person_keys_each_part_counts)
{
    /* Names, date of birth, and postcode or phone each tell carers apart:
     * changing any one alone gives another key. Twins differ in the given
     * name. */
    Carerhub__Carer c = CARERHUB__CARER__INIT;
    char a[REFERRAL_KEYS_MAX][512];
    c.family_name = "Clarke";
    c.given_name = "Ann";
    c.date_of_birth = "1960-02-03";
    c.postcode = "CO4 5AB";
    c.phone = "+44 (0)7700 900111";
    CHECK_INT((int)referral_person_keys(&c, a), 2);
    CHECK_STR(a[0], "clarke\x1f"
                    "ann\x1f"
                    "1960-02-03\x1fp:CO45AB");
    CHECK_STR(a[1], "clarke\x1f"
                    "ann\x1f"
                    "1960-02-03\x1ft:07700900111");
    c.phone = "07700-900111";
    CHECK_INT((int)referral_person_keys(&c, a), 2);
    CHECK_STR(a[1], "clarke\x1f"
                    "ann\x1f"
                    "1960-02-03\x1ft:07700900111");
    c.given_name = "Anne";
    CHECK_INT((int)referral_person_keys(&c, a), 2);
    CHECK_STR(a[0], "clarke\x1f"
                    "anne\x1f"
                    "1960-02-03\x1fp:CO45AB");
    c.date_of_birth = "1960-03-02"; /* day and month swapped */
    CHECK_INT((int)referral_person_keys(&c, a), 2);
    CHECK_STR(a[0], "clarke\x1f"
                    "anne\x1f"
                    "1960-03-02\x1fp:CO45AB");
    c.postcode = NULL;
    c.phone = NULL;
    CHECK_INT((int)referral_person_keys(&c, a), 0);
    /* Without a date of birth or a given name there is no key, never one
     * that matches all. */
    c.postcode = "CO4 5AB";
    c.date_of_birth = NULL;
    CHECK_INT((int)referral_person_keys(&c, a), 0);
    c.date_of_birth = "1960-02-03";
    c.given_name = "";
    CHECK_INT((int)referral_person_keys(&c, a), 0);
}

TEST(referral_carer_merge_keeps_what_was_given)
{
    Carerhub__Carer first = CARERHUB__CARER__INIT, later = CARERHUB__CARER__INIT;
    Carerhub__Carer *now = NULL;
    first.given_name = "Ann";
    first.nhs_number = "9434765919";
    first.postcode = "CM2 0AA";
    first.address = "1 Old Road, Chelmsford";
    first.phone = "07700 900111";
    later.given_name = "Anne";
    later.postcode = "CO4 5AB";
    later.email = "";
    referral_carer_merge(&now, &first);
    referral_carer_merge(&now, &later);
    CHECK_STR(now->given_name, "Anne");
    CHECK_STR(now->nhs_number, "9434765919"); /* never disappears */
    CHECK_STR(now->phone, "07700 900111");
    CHECK_STR(now->postcode, "CO4 5AB");
    /* A new postcode without an address: the old address went with the old
     * postcode. */
    CHECK(now->address == NULL);
    CHECK(now->email == NULL);
    later.postcode = "CO4 5AB";
    later.address = "2 New Street, Colchester";
    referral_carer_merge(&now, &later);
    CHECK_STR(now->address, "2 New Street, Colchester");
    later.address = NULL; /* same postcode again, no address: it stays */
    referral_carer_merge(&now, &later);
    CHECK_STR(now->address, "2 New Street, Colchester");
    carerhub__carer__free_unpacked(now, NULL);
}

TEST(date_birthday_29_february)
{
    date_t dob;
    char day[DATE_STRLEN];
    CHECK_INT(date_parse("2008-02-29", &dob), 0);
    date_format(date_birthday(dob, 18), day);
    CHECK_STR(day, "2026-03-01"); /* 2026 has no 29 February */
    CHECK_INT(date_parse("2012-02-29", &dob), 0);
    date_format(date_birthday(dob, 18), day);
    CHECK_STR(day, "2030-03-01");
    date_format(date_birthday(dob, 20), day);
    CHECK_STR(day, "2032-02-29");
    CHECK_INT(date_parse("2009-12-01", &dob), 0);
    date_format(date_birthday(dob, 18), day);
    CHECK_STR(day, "2027-12-01");
}

TEST(referral_age_on_referral_date)
{
    Carerhub__Referral r = CARERHUB__REFERRAL__INIT;
    Carerhub__Carer c = CARERHUB__CARER__INIT;
    r.carer = &c;
    c.date_of_birth = "2008-02-29";
    r.referral_date = "2026-02-28";
    CHECK_INT(referral_carer_age(&r), 17);
    r.referral_date = "2026-03-01";
    CHECK_INT(referral_carer_age(&r), 18);
    r.referral_date = NULL;
    CHECK_INT(referral_carer_age(&r), -1);
}

TEST(referral_blank_optional_field_is_no_value)
{
    /* A blank NHS number must not be kept: two carers with " " would
     * otherwise match each other as one person. */
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_variant("nhs_number: 943 476 5919", "nhs_number: '   '", &e);
    CHECK(r != NULL);
    CHECK_INT(e.n, 0);
    CHECK(r->carer->nhs_number == NULL);
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}

/* Case ids name the agents' files, so only the router's form passes. */
TEST(referral_case_id_form)
{
    CHECK(case_id_ok("C-000001"));
    CHECK(case_id_ok("C-1234567"));
    CHECK(case_id_ok("C-0000000000000000000001"));
    CHECK(!case_id_ok("C-00000000000000000000001"));
    CHECK(!case_id_ok("C-00001"));
    CHECK(!case_id_ok("c-000001"));
    CHECK(!case_id_ok("C_000001"));
    CHECK(!case_id_ok("C-00000a"));
    CHECK(!case_id_ok("C-000001.v000002"));
    CHECK(!case_id_ok("C-000001\n2"));
    CHECK(!case_id_ok(""));
    CHECK(!case_id_ok(NULL));
    CHECK(referral_id_ok("GP-7KQ2M9-1"));
    CHECK(!referral_id_ok("GP-7KQ2M9-1.tmp"));
}

/* The message of the error on field, or "" if there is none. */
static const char *s_message(const ferrs_t *e, const char *field)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].field, field) == 0)
            return e->v[i].message;
    return "";
}

/* The GP card with the carer's NHS number replaced, checked on a hub in
 * service or a training hub. */
static Carerhub__Referral *s_gp_nhs(const char *nhs, bool training, ferrs_t *e)
{
    char text[4096];
    const char *from = "nhs_number: 943 476 5919";
    const char *at = strstr(s_gp_card, from);
    Carerhub__Referral *r;
    snprintf(text, sizeof text, "%.*snhs_number: '%s'%s", (int)(at - s_gp_card), s_gp_card, nhs,
             at + strlen(from));
    r = s_load_on(text, CARERHUB__SOURCE__GP, training, e);
    s_dump(e);
    return r;
}

TEST(referral_nhs_repeated_digits_not_issued)
{
    /* Every one passes modulus 11; none is anyone's, on any hub. */
    for (int training = 0; training <= 1; training++)
        for (char d = '0'; d <= '9'; d++) {
            char digits[11], nhs[16], want[200];
            ferrs_t e = FERRS_INIT;
            Carerhub__Referral *r;
            memset(digits, d, 10);
            digits[10] = '\0';
            snprintf(nhs, sizeof nhs, "%.3s %.3s %.4s", digits, digits, digits);
            r = s_gp_nhs(nhs, training, &e);
            CHECK(s_only(&e, (const char *const[]){"carer.nhs_number", "not_issued", NULL}));
            /* The number as digits, nothing else of what was written. */
            snprintf(want, sizeof want,
                     "%s is not an NHS number issued to anyone (all ten digits are the same): "
                     "check it on the carer's record, or leave it out",
                     digits);
            CHECK_STR(s_message(&e, "carer.nhs_number"), want);
            ferrs_free(&e);
            carerhub__referral__free_unpacked(r, NULL);
        }
}

TEST(referral_nhs_test_range_only_on_a_training_hub)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_gp_nhs("999-054-8609", false, &e);
    CHECK(s_only(&e, (const char *const[]){"carer.nhs_number", "not_issued", NULL}));
    CHECK_STR(s_message(&e, "carer.nhs_number"),
              "9990548609 is not an NHS number issued to anyone (numbers from 999 000 0000 to 999 "
              "999 9999 are for testing only): check it on the carer's record, or leave it out");
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
    /* A training hub takes it, normalised as any other. */
    r = s_gp_nhs("999-054-8609", true, &e);
    CHECK_INT(e.n, 0);
    CHECK_STR(r->carer->nhs_number, "9990548609");
    carerhub__referral__free_unpacked(r, NULL);
    /* Numbers outside the test range are taken on both: the samples' own,
     * just below the range, and a Scottish CHI number. */
    for (int training = 0; training <= 1; training++) {
        static const char *const ok[] = {"943 476 5919", "4010232137", "9989999996", "0101011113"};
        for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
            r = s_gp_nhs(ok[i], training, &e);
            if (e.n)
                test_fail(__FILE__, __LINE__, "%s refused (training %d): %s", ok[i], training,
                          e.v[0].message);
            CHECK(!test_failed());
            carerhub__referral__free_unpacked(r, NULL);
        }
    }
}

TEST(referral_discharge_patient_nhs_not_issued)
{
    static const char card[] = "hospital: {trust: RAJ, site: RAJ01, ward: Ward 10}\n"
                               "patient: {nhs_number: '%s', expected_discharge: 2026-11-24}\n"
                               "carer_consulted: true\n"
                               "referrer: {name: K Wright, phone: 01245 222222}\n"
                               "carer: {given_name: Jane, family_name: Smith, date_of_birth: "
                               "1961-04-02, postcode: CM2 0AA, phone: 07700 900123}\n"
                               "cared_for: {relationship: mother}\n"
                               "consent: {share_with_support_service: true, given_by: carer, "
                               "date: 2026-11-21}\n";
    char text[1024];
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r;
    /* The patient's number is required: the remedy is to look it up. */
    snprintf(text, sizeof text, card, "2222222222");
    r = s_load_on(text, CARERHUB__SOURCE__DISCHARGE, true, &e);
    s_dump(&e);
    CHECK(s_only(&e, (const char *const[]){"patient.nhs_number", "not_issued", NULL}));
    CHECK_STR(s_message(&e, "patient.nhs_number"),
              "2222222222 is not an NHS number issued to anyone (all ten digits are the same): "
              "check it on the patient's record");
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
    snprintf(text, sizeof text, card, "999 000 0018");
    r = s_load(text, CARERHUB__SOURCE__DISCHARGE, &e);
    CHECK(s_only(&e, (const char *const[]){"patient.nhs_number", "not_issued", NULL}));
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
    r = s_load_on(text, CARERHUB__SOURCE__DISCHARGE, true, &e);
    CHECK_INT(e.n, 0);
    CHECK_STR(r->discharge->patient->nhs_number, "9990000018");
    carerhub__referral__free_unpacked(r, NULL);
}

/* The year group's errors say what to type, in the same words whether the
 * year group is missing, out of range or no number at all (as a file
 * writes it: "Year 9"). */
TEST(referral_school_year_group_says_what_to_type)
{
    static const char card[] = "school: {urn: '115000'%s}\n"
                               "safeguarding_referral_made: false\n"
                               "referrer: {name: J Taylor, email: j.taylor@school.example.org}\n"
                               "carer: {given_name: Sam, family_name: Khan, date_of_birth: "
                               "2012-05-10, postcode: CM2 9AA, address: 5 Park Road}\n"
                               "cared_for: {relationship: mother}\n"
                               "consent: {share_with_support_service: true, given_by: parent, "
                               "date: 2026-11-20}\n";
    static const char *const cases[][3] = {
        {"", "required", "is required: enter a number from 0 (Reception) to 14"},
        {", year_group: 15", "invalid", "enter a number from 0 (Reception) to 14, not 15"},
        {", year_group: Year 9", "type", "enter a number from 0 (Reception) to 14, not 'Year 9'"},
    };
    for (size_t i = 0; i < 3; i++) {
        char text[1024];
        ferrs_t e = FERRS_INIT;
        Carerhub__Referral *r;
        snprintf(text, sizeof text, card, cases[i][0]);
        r = s_load(text, CARERHUB__SOURCE__SCHOOL, &e);
        s_dump(&e);
        CHECK(s_only(&e, (const char *const[]){"school.year_group", cases[i][1], NULL}));
        CHECK_STR(s_message(&e, "school.year_group"), cases[i][2]);
        ferrs_free(&e);
        carerhub__referral__free_unpacked(r, NULL);
    }
}

/* An NHS number's format and check digit errors do not say "NHS number"
 * again after the field's name ("patient.nhs_number: ..."; on the form
 * "The patient's NHS number ..."). */
TEST(referral_nhs_number_errors_say_what_is_wrong)
{
    static const char card[] = "hospital: {trust: RAJ, site: RAJ01, ward: Ward 10}\n"
                               "patient: {nhs_number: '%s', expected_discharge: 2026-11-24}\n"
                               "carer_consulted: true\n"
                               "referrer: {name: K Wright, phone: 01245 222222}\n"
                               "carer: {given_name: Jane, family_name: Smith, date_of_birth: "
                               "1961-04-02, postcode: CM2 0AA, phone: 07700 900123}\n"
                               "cared_for: {relationship: mother}\n"
                               "consent: {share_with_support_service: true, given_by: carer, "
                               "date: 2026-11-21}\n";
    static const char *const cases[][3] = {
        {"401 023 21", "format", "must be 10 digits, such as 943 476 5919"},
        {"4010232146", "checksum",
         "4010232146 cannot be right (its check digit does not match the other nine): check it "
         "on the patient's record"},
    };
    for (size_t i = 0; i < 2; i++) {
        char text[1024];
        ferrs_t e = FERRS_INIT;
        Carerhub__Referral *r;
        snprintf(text, sizeof text, card, cases[i][0]);
        r = s_load(text, CARERHUB__SOURCE__DISCHARGE, &e);
        s_dump(&e);
        CHECK(s_only(&e, (const char *const[]){"patient.nhs_number", cases[i][1], NULL}));
        CHECK_STR(s_message(&e, "patient.nhs_number"), cases[i][2]);
        ferrs_free(&e);
        carerhub__referral__free_unpacked(r, NULL);
    }
}
