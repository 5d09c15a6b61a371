/*
 * Unit tests of lib/domain: postcodes, NHS numbers, organisation codes, the
 * geography tables, the routing engine and the postcode unit table.
 */
#include "test.h"

#include "domain/codes.h"
#include "domain/geo.h"
#include "domain/nhs.h"
#include "domain/pcdb.h"
#include "domain/postcode.h"
#include "domain/route.h"
#include "util/file.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>

static const char *s_norm(const char *in)
{
    static char out[POSTCODE_MAX];
    return postcode_normalise(in, out) == 0 ? out : "invalid";
}

TEST(postcode_normalises_any_spacing_and_case)
{
    CHECK_STR(s_norm("cm2 0aa"), "CM2 0AA");
    CHECK_STR(s_norm("CM20AA"), "CM2 0AA");
    CHECK_STR(s_norm("  c m 2 0 a a "), "CM2 0AA");
    CHECK_STR(s_norm("ec1a1bb"), "EC1A 1BB");
    CHECK_STR(s_norm("W1A 0AX"), "W1A 0AX");
    CHECK_STR(s_norm("M1 1AE"), "M1 1AE");
    CHECK_STR(s_norm("B33 8TH"), "B33 8TH");
    CHECK_STR(s_norm("DN55 1PT"), "DN55 1PT");
    CHECK_STR(s_norm("\tss1\t1aa"), "SS1 1AA");
    CHECK_STR(s_norm("gir0aa"), "GIR 0AA");
}

TEST(postcode_rejects_malformed)
{
    static const char *bad[] = {
        "",        "CM2",      "CM2 0A",  "CM2 0AAA",  "CM2-0AA",  "QA1 1AA", /* Q first */
        "VA1 1AA", "XA1 1AA",  "AI1 1AA", "AJ1 1AA",   "AZ1 1AA",             /* I J Z second */
        "A1I 1AA", "AA1C 1AA", "CM2 0CA", "CM2 0AK",   "CM2 OAA",             /* letter O */
        "1M2 0AA", "CMM 0AA",  "CM2 0A1", "CM123 0AA", "CM2 0AA!", "CM2\n0AA", "ＣＭ２ ０ＡＡ"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char out[POSTCODE_MAX];
        if (postcode_normalise(bad[i], out) == 0) {
            test_fail(__FILE__, __LINE__, "'%s' accepted as %s", bad[i], out);
            return;
        }
    }
}

TEST(postcode_district_and_sector)
{
    char d[DISTRICT_MAX], s[SECTOR_MAX];
    postcode_district("EC1A 1BB", d);
    postcode_sector("EC1A 1BB", s);
    CHECK_STR(d, "EC1A");
    CHECK_STR(s, "EC1A 1");
    CHECK(postcode_district_valid("CM2"));
    CHECK(postcode_district_valid("EC1A"));
    CHECK(!postcode_district_valid("CM2 0"));
    CHECK(!postcode_district_valid("QQ1"));
    CHECK(postcode_sector_valid("CM1 1"));
    CHECK(!postcode_sector_valid("CM1"));
    CHECK(!postcode_sector_valid("CM1 A"));
}

TEST(nhs_number_modulus_11)
{
    char out[NHS_NUMBER_MAX];
    CHECK_INT(nhs_number_parse("943 476 5919", out), NHS_OK);
    CHECK_STR(out, "9434765919");
    CHECK_INT(nhs_number_parse("943-476-5919", out), NHS_OK);
    CHECK_INT(nhs_number_parse("9434765918", out), NHS_CHECKSUM);
    /* Remainder 1 gives check digit 10: no such number exists. */
    CHECK_INT(nhs_number_parse("0000000060", out), NHS_CHECKSUM);
    CHECK_INT(nhs_number_parse("0000000069", out), NHS_CHECKSUM);
    /* Remainder 0 gives 11, written as 0. */
    CHECK_INT(nhs_number_parse("0000000000", out), NHS_OK);
    CHECK_INT(nhs_number_parse("943476591", out), NHS_FORMAT);
    CHECK_INT(nhs_number_parse("94347659190", out), NHS_FORMAT);
    CHECK_INT(nhs_number_parse("943476591X", out), NHS_FORMAT);
    CHECK_INT(nhs_number_parse("", out), NHS_FORMAT);
}

/* Published valid numbers (NHS Digital's test numbers among them), each
 * worked out by hand with weights 10 down to 2. All but the first are
 * invalid with the weights reversed (2 up to 10), so a checker that weighs
 * the digits the wrong way round fails here. */
static const char *const s_nhs_valid[] = {
    "9434765919", "9434765870", "4010232137", "9990548609", "9876543210",
    "9000000009", "4505577104", "9449305552", "9449310475", "9435797881",
};

TEST(nhs_number_valid_vectors)
{
    char out[NHS_NUMBER_MAX], wrong[11];
    for (size_t i = 0; i < sizeof s_nhs_valid / sizeof *s_nhs_valid; i++) {
        const char *n = s_nhs_valid[i];
        if (nhs_number_parse(n, out) != NHS_OK)
            test_fail(__FILE__, __LINE__, "%s refused, but it is a valid NHS number", n);
        CHECK(!test_failed());
        CHECK_STR(out, n);
        /* Every other check digit is wrong. */
        memcpy(wrong, n, 11);
        for (char d = '0'; d <= '9'; d++) {
            if (d == n[9])
                continue;
            wrong[9] = d;
            if (nhs_number_parse(wrong, out) != NHS_CHECKSUM)
                test_fail(__FILE__, __LINE__, "%s not refused for its check digit", wrong);
            CHECK(!test_failed());
        }
    }
}

TEST(nhs_number_invalid_vectors)
{
    static const struct {
        const char *in;
        nhs_status_t want;
    } cases[] = {
        /* Valid with the weights reversed, invalid with the real ones. */
        {"1234567890", NHS_CHECKSUM},
        {"9434765872", NHS_CHECKSUM},
        {"9990548607", NHS_CHECKSUM},
        /* Remainder 1, check digit 10: no digit can be right. */
        {"1234567891", NHS_CHECKSUM},
        {"9434765820", NHS_CHECKSUM},
        {"4010232170", NHS_CHECKSUM},
        {"9990548650", NHS_CHECKSUM},
        /* Wrong check digit. */
        {"9434765918", NHS_CHECKSUM},
        {"9434765928", NHS_CHECKSUM},
        {"6541012347", NHS_CHECKSUM},
        {"9435669823", NHS_CHECKSUM},
        /* Two digits swapped: modulus 11 catches it. */
        {"4910232137", NHS_CHECKSUM},
        /* Wrong length. */
        {"943476591", NHS_FORMAT},
        {"94347659190", NHS_FORMAT},
        {"943 476 591", NHS_FORMAT},
        {"", NHS_FORMAT},
        {" - ", NHS_FORMAT},
        /* Not digits; only spaces and hyphens may separate them. */
        {"943476591X", NHS_FORMAT},
        {"943.476.5919", NHS_FORMAT},
        {"943/476/5919", NHS_FORMAT},
        {"943\t476\t5919", NHS_FORMAT},
        {"+9434765919", NHS_FORMAT},
        {"\xd9\xa9"
         "434765919",
         NHS_FORMAT}, /* an Arabic-Indic digit nine */
        {"\xef\xbc\x99"
         "434765919",
         NHS_FORMAT}, /* a fullwidth nine */
    };
    char out[NHS_NUMBER_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        nhs_status_t got = nhs_number_parse(cases[i].in, out);
        if (got != cases[i].want)
            test_fail(__FILE__, __LINE__, "\"%s\": status %d, expected %d", cases[i].in, (int)got,
                      (int)cases[i].want);
        CHECK(!test_failed());
    }
}

/* Numbers that pass modulus 11 and still belong to nobody. */
TEST(nhs_number_range_repeated_digits)
{
    char n[NHS_NUMBER_MAX], out[NHS_NUMBER_MAX];
    for (char d = '0'; d <= '9'; d++) {
        memset(n, d, 10);
        n[10] = '\0';
        /* Each passes the check digit: that is why it needs a rule. */
        CHECK_INT(nhs_number_parse(n, out), NHS_OK);
        if (nhs_number_range(out) != NHS_RANGE_REPEATED)
            test_fail(__FILE__, __LINE__, "%s not seen as one digit repeated", n);
        CHECK(!test_failed());
    }
    /* One digit different is not repeated. */
    CHECK_INT(nhs_number_range("1111111112"), NHS_RANGE_ISSUED);
    CHECK_INT(nhs_number_range("2111111111"), NHS_RANGE_ISSUED);
}

TEST(nhs_number_range_test_and_issued)
{
    static const struct {
        const char *digits;
        nhs_range_t want;
    } cases[] = {
        /* The test range, 999 000 0000 to 999 999 9999, at both ends. */
        {"9990000018", NHS_RANGE_TEST},
        {"9990548609", NHS_RANGE_TEST},
        {"9999999980", NHS_RANGE_TEST},
        /* 9999999999 is in it too, but is refused as repeated digits. */
        {"9999999999", NHS_RANGE_REPEATED},
        /* Just below it, and the numbers of the samples and tests. */
        {"9989999996", NHS_RANGE_ISSUED},
        {"9434765919", NHS_RANGE_ISSUED},
        {"4010232137", NHS_RANGE_ISSUED},
        {"9000000009", NHS_RANGE_ISSUED},
        /* Scottish CHI (a date of birth first) and Northern Irish H&C
         * numbers are people's. */
        {"0101011113", NHS_RANGE_ISSUED},
        {"3112999991", NHS_RANGE_ISSUED},
        {"3200000015", NHS_RANGE_ISSUED},
    };
    char out[NHS_NUMBER_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        nhs_range_t got;
        CHECK_INT(nhs_number_parse(cases[i].digits, out), NHS_OK);
        got = nhs_number_range(out);
        if (got != cases[i].want)
            test_fail(__FILE__, __LINE__, "%s: range %d, expected %d", cases[i].digits, (int)got,
                      (int)cases[i].want);
        CHECK(!test_failed());
    }
}

TEST(nhs_number_separators)
{
    static const char *const ok[] = {
        "943 476 5919",   "943-476-5919", " 9434765919 ", "9 4 3 4 7 6 5 9 1 9",
        "943  476--5919", "4010-232-137", "401 023 2137",
    };
    char out[NHS_NUMBER_MAX];
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        if (nhs_number_parse(ok[i], out) != NHS_OK)
            test_fail(__FILE__, __LINE__, "\"%s\" refused", ok[i]);
        CHECK(!test_failed());
        CHECK_STR(out, i < 5 ? "9434765919" : "4010232137");
    }
}

TEST(codes_formats)
{
    CHECK(ods_practice_valid("F81001"));
    CHECK(!ods_practice_valid("f81001"));
    CHECK(!ods_practice_valid("F8100"));
    CHECK(!ods_practice_valid("F810011"));
    CHECK(!ods_practice_valid("FF1001"));
    CHECK(ods_trust_valid("RAJ"));
    CHECK(ods_trust_valid("RQ8"));
    CHECK(!ods_trust_valid("RA"));
    CHECK(!ods_trust_valid("1AJ"));
    CHECK(ods_site_valid("RAJ01"));
    CHECK(!ods_site_valid("RAJ1"));
    CHECK(urn_valid("115000"));
    CHECK(!urn_valid("11500"));
    CHECK(!urn_valid("11500a"));
}

TEST(geo_districts_cover_the_uk)
{
    geo_t *g = geo_new();
    diag_t d = DIAG_INIT;
    const geo_lad_t *lads;
    CHECK_INT(geo_load_districts(g, test_src("config/districts.yaml"), &d), 0);
    CHECK_INT(geo_district_count(g), 2951);
    CHECK_INT(geo_lad_count(g), 379);
    CHECK_INT(geo_district(g, "CM2", &lads), 1);
    CHECK_STR(geo_lad_name(g, lads[0]), "Chelmsford");
    CHECK_INT(geo_district(g, "CM1", &lads), 2);
    CHECK_INT(geo_district(g, "EH1", &lads), 1);
    CHECK_STR(geo_lad_code(g, lads[0]), "S12000036");
    CHECK_INT(geo_district(g, "BT1", &lads), 1);
    CHECK_INT(geo_district(g, "AB1", &lads), 0);
    geo_destroy(&g);
}

static route_t *s_essex(void)
{
    diag_t d = DIAG_INIT;
    route_t *rt = route_load(test_src("config/routing.yaml"), &d);
    diag_print(&d, stdout);
    diag_free(&d);
    return rt;
}

static const char *s_route(route_t *rt, const char *pc, int age, route_result_t *r)
{
    char n[POSTCODE_MAX];
    if (postcode_normalise(pc, n) < 0)
        return "invalid";
    route_decide(rt, n, age, ROUTE_SRC_ANY, NULL, NULL, r);
    return route_provider_id(rt, r->provider);
}

TEST(route_essex_areas)
{
    route_t *rt = s_essex();
    route_result_t r;
    CHECK(rt != NULL);
    CHECK_STR(s_route(rt, "CM16 4AA", -1, &r), "afc"); /* Epping Forest */
    CHECK_STR(s_route(rt, "CM18 6AA", -1, &r), "afc"); /* Epping Forest and Harlow */
    CHECK_STR(s_route(rt, "CB11 3AA", -1, &r), "afc"); /* Uttlesford */
    CHECK_STR(s_route(rt, "CO1 1AA", -1, &r), "ecs");  /* Colchester */
    CHECK_STR(s_route(rt, "CO15 1AA", -1, &r), "ecs"); /* Tendring */
    CHECK_STR(s_route(rt, "CM2 0AA", -1, &r), "carers-first");
    CHECK_STR(rt ? route_rule_name(rt, &r) : "", "mid-south-essex");
    CHECK_INT(route_result_lad(&r), geo_lad_find(route_geo(rt), "E07000070"));
    CHECK_STR(s_route(rt, "SS1 1AA", -1, &r), "out-of-area"); /* Southend */
    CHECK(route_provider_signposts(rt, r.provider));
    CHECK_STR(s_route(rt, "RM17 5AA", -1, &r), "out-of-area"); /* Thurrock */
    CHECK_STR(s_route(rt, "EH1 1AA", -1, &r), "out-of-area");  /* Edinburgh */
    route_destroy(&rt);
}

TEST(route_ambiguous_district_goes_to_triage_naming_authorities)
{
    route_t *rt = s_essex();
    route_result_t r;
    buf_t b = BUF_INIT;
    CHECK_STR(s_route(rt, "CM1 1AA", -1, &r), "ews-triage");
    CHECK_INT(r.outcome, ROUTE_AMBIGUOUS);
    CHECK_STR(route_rule_name(rt, &r), "ambiguous-district");
    route_explain(rt, &r, &b);
    CHECK_CONTAINS(b.data, "Postcode district CM1 spans");
    CHECK_CONTAINS(b.data, "Chelmsford (E07000070, routed to carers-first)");
    CHECK_CONTAINS(b.data, "Uttlesford (E07000077, routed to afc)");
    CHECK_CONTAINS(b.data, "Essex Wellbeing Service triages");
    buf_free(&b);
    /* Two authorities served by the same charity are not ambiguous. */
    CHECK_STR(s_route(rt, "SS7 1AA", -1, &r), "carers-first");
    CHECK_INT(r.ncands, 2);
    route_destroy(&rt);
}

TEST(route_unknown_district_goes_to_triage)
{
    route_t *rt = s_essex();
    route_result_t r;
    buf_t b = BUF_INIT;
    CHECK_STR(s_route(rt, "AB1 1AA", -1, &r), "ews-triage");
    CHECK_INT(r.outcome, ROUTE_UNKNOWN);
    route_explain(rt, &r, &b);
    CHECK_CONTAINS(b.data, "AB1 is not in the district table");
    buf_free(&b);
    route_destroy(&rt);
}

TEST(route_young_carers_only_within_the_county)
{
    route_t *rt = s_essex();
    route_result_t r;
    CHECK_STR(s_route(rt, "CM2 0AA", 17, &r), "young-carers");
    CHECK_STR(s_route(rt, "CM2 0AA", 18, &r), "carers-first");
    CHECK_STR(s_route(rt, "CM2 0AA", 0, &r), "young-carers");
    CHECK_STR(s_route(rt, "SS1 1AA", 12, &r), "out-of-area");
    /* Under 18 in a district spanning two ECCOS areas: all young carers. */
    CHECK_STR(s_route(rt, "CM1 1AA", 15, &r), "young-carers");
    /* Spanning Southend and Rochford: out of area versus young carers. */
    CHECK_STR(s_route(rt, "SS9 1AA", 15, &r), "ews-triage");
    route_destroy(&rt);
}

static char *s_write(const char *name, const char *text)
{
    char *p = file_join(test_tmpdir(), name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    return p;
}

static const char s_districts[] = "authorities:\n"
                                  "  E07000070: {name: Chelmsford, country: England}\n"
                                  "  E07000077: {name: Uttlesford, country: England}\n"
                                  "  E06000033: {name: Southend-on-Sea, country: England}\n"
                                  "districts:\n"
                                  "  CM1: [E07000070, E07000077]\n"
                                  "  SS1: [E06000033]\n";

TEST(route_sectors_sources_and_no_rule)
{
    diag_t d = DIAG_INIT;
    char *dist = s_write("districts.yaml", s_districts);
    char *path =
        s_write("routing.yaml", "area: Test\ndistricts: districts.yaml\n"
                                "providers: {a: {name: A}, b: {name: B}, t: {name: T}}\n"
                                "sectors: {\"CM1 1\": [E07000070]}\n"
                                "rules:\n"
                                "  - {name: school, when: {source: school}, provider: b}\n"
                                "  - {name: older, when: {age_from: 65}, provider: b}\n"
                                "  - {name: chelmsford, when: {authority_in: [E07000070]}, "
                                "provider: a}\n"
                                "triage: t\n");
    route_t *rt = route_load(path, &d);
    route_result_t r;
    char n[POSTCODE_MAX];
    diag_print(&d, stdout);
    CHECK(rt != NULL);
    /* The sector resolves what the district cannot. */
    CHECK_STR(s_route(rt, "CM1 1AA", -1, &r), "a");
    CHECK_INT(r.by, ROUTE_BY_SECTOR);
    CHECK_STR(s_route(rt, "CM1 2AA", -1, &r), "t");
    CHECK_STR(route_rule_name(rt, &r), "no-rule");
    CHECK_STR(s_route(rt, "CM1 1AA", 70, &r), "b");
    CHECK_STR(s_route(rt, "SS1 1AA", -1, &r), "t");
    CHECK_INT(r.outcome, ROUTE_NO_RULE);
    postcode_normalise("SS1 1AA", n);
    route_decide(rt, n, -1, ROUTE_SRC_SCHOOL, NULL, NULL, &r);
    CHECK_STR(route_provider_id(rt, r.provider), "b");
    route_destroy(&rt);
    free(dist);
    free(path);
}

TEST(route_config_errors_are_positioned)
{
    diag_t d = DIAG_INIT;
    char *dist = s_write("districts.yaml", s_districts);
    char *path =
        s_write("routing.yaml", "area: Test\ndistricts: districts.yaml\n"
                                "providers: {a: {name: A}, Bad_Id: {name: B}}\n"
                                "sectors: {\"CM1\": [E07000070], \"CM1 2\": [E09999999]}\n"
                                "rules:\n"
                                "  - {name: x, when: {authority_in: nowhere, colour: red}, "
                                "provider: zz}\n"
                                "triage: a\n");
    CHECK(route_load(path, &d) == NULL);
    CHECK_INT(d.n, 6);
    CHECK_CONTAINS(d.msgs[0], "routing.yaml:3:27: provider id 'Bad_Id'");
    CHECK_CONTAINS(d.msgs[1], "routing.yaml:4:11: 'CM1' is not a postcode sector");
    CHECK_CONTAINS(d.msgs[2], "routing.yaml:4:41: CM1 2: unknown authority 'E09999999'");
    CHECK_CONTAINS(d.msgs[3], "routing.yaml:6:69: rule x: provider 'zz' is not in providers");
    CHECK_CONTAINS(d.msgs[4], "routing.yaml:6:45: unknown key 'colour'");
    CHECK_CONTAINS(d.msgs[5], "routing.yaml:6:36: 'nowhere' is neither an authority set");
    diag_free(&d);
    free(dist);
    free(path);
}

TEST(route_unit_table_wins_over_district)
{
    route_t *rt = s_essex();
    pcdb_t *db = pcdb_open(test_tmpdir(), true);
    FILE *f = fopen(test_src("tests/data/onspd-synthetic.csv"), "r");
    pcdb_import_stats_t st;
    route_result_t r;
    char err[256];
    buf_t b = BUF_INIT;
    CHECK(db && f);
    CHECK_INT(pcdb_import(db, f, &st, NULL, NULL, err, sizeof err), 0);
    fclose(f);
    route_decide(rt, "CM1 4YY", -1, ROUTE_SRC_ANY, pcdb_lookup, db, &r);
    CHECK_STR(route_provider_id(rt, r.provider), "afc");
    CHECK_INT(r.by, ROUTE_BY_UNIT);
    route_explain(rt, &r, &b);
    CHECK_CONTAINS(b.data, "CM1 4YY is in Uttlesford (E07000077), from the postcode unit table");
    route_decide(rt, "CM1 1XX", -1, ROUTE_SRC_ANY, pcdb_lookup, db, &r);
    CHECK_STR(route_provider_id(rt, r.provider), "carers-first");
    /* Not in the unit table: falls back to the district. */
    route_decide(rt, "CM1 2AA", -1, ROUTE_SRC_ANY, pcdb_lookup, db, &r);
    CHECK_STR(route_provider_id(rt, r.provider), "ews-triage");
    /* An authority newer than the district table: still out of the county. */
    route_decide(rt, "YO7 1AA", -1, ROUTE_SRC_ANY, pcdb_lookup, db, &r);
    CHECK_STR(route_provider_id(rt, r.provider), "out-of-area");
    CHECK_STR(r.unlisted, "E06000065");
    buf_free(&b);
    pcdb_close(&db);
    route_destroy(&rt);
}

TEST(pcdb_import_counts_and_skips)
{
    pcdb_t *db = pcdb_open(test_tmpdir(), true);
    FILE *f = fopen(test_src("tests/data/onspd-synthetic.csv"), "r");
    pcdb_import_stats_t st;
    char err[256], lad[16];
    CHECK(db && f);
    CHECK_INT(pcdb_import(db, f, &st, NULL, NULL, err, sizeof err), 0);
    fclose(f);
    CHECK_STR(st.lad_column, "oslaua");
    CHECK_INT(st.rows, 8);
    CHECK_INT(st.loaded, 5);
    CHECK_INT(st.terminated, 1);
    CHECK_INT(st.invalid, 1);
    CHECK_INT(st.no_lad, 1);
    CHECK_INT(pcdb_count(db), 5);
    CHECK_INT(pcdb_lookup(db, "SS9 2DE", lad), 1);
    CHECK_STR(lad, "E06000033");
    CHECK_INT(pcdb_lookup(db, "CM2 9ZZ", lad), 0);
    CHECK_INT(pcdb_lookup(db, "GY1 1AA", lad), 0);
    pcdb_close(&db);
}

TEST(pcdb_import_finds_columns_by_name)
{
    pcdb_t *db = pcdb_open(test_tmpdir(), true);
    pcdb_import_stats_t st;
    char err[256], lad[16];
    FILE *f = fopen(test_src("tests/data/nspl-synthetic.csv"), "r");
    CHECK_INT(pcdb_import(db, f, &st, NULL, NULL, err, sizeof err), 0);
    fclose(f);
    CHECK_STR(st.lad_column, "laua");
    CHECK_INT(pcdb_lookup(db, "CM1 4YY", lad), 1);
    CHECK_STR(lad, "E07000077");
    f = fopen(test_src("tests/data/onspd-lad25-synthetic.csv"), "r");
    CHECK_INT(pcdb_import(db, f, &st, NULL, NULL, err, sizeof err), 0);
    fclose(f);
    CHECK_STR(st.lad_column, "lad25cd");
    CHECK_INT(pcdb_lookup(db, "CM1 1XX", lad), 1);
    CHECK_STR(lad, "E07000070");
    pcdb_close(&db);
}

TEST(pcdb_import_refuses_file_without_columns)
{
    pcdb_t *db = pcdb_open(test_tmpdir(), true);
    pcdb_import_stats_t st;
    char err[256];
    FILE *f = fmemopen((void *)"postcode,council\nCM2 0AA,E07000070\n", 35, "r");
    CHECK_INT(pcdb_import(db, f, &st, NULL, NULL, err, sizeof err), -1);
    CHECK_CONTAINS(err, "no pcds column");
    fclose(f);
    pcdb_close(&db);
}

TEST(pcdb_missing_table_is_not_an_error)
{
    char *dir = file_join(test_tmpdir(), "none");
    CHECK(pcdb_open(dir, false) == NULL);
    free(dir);
}

TEST(route_load_refuses_empty_and_unnamed)
{
    /* An empty routing file is a problem, never a route with no providers;
     * a rule without a name next to named ones is reported, not compared.
     * The same file with the rule named loads: the name is the only
     * problem. */
    static const char body[] = "area: Test\ndistricts: districts.yaml\n"
                               "providers: {a: {name: A}}\n"
                               "rules:\n  - {%swhen: {}, provider: a}\n"
                               "  - {name: r, when: {}, provider: a}\n"
                               "triage: a\n";
    diag_t d = DIAG_INIT;
    char *dist = s_write("districts.yaml", s_districts);
    char *path = s_write("empty.yaml", "");
    char *text;
    route_t *rt;
    CHECK(route_load(path, &d) == NULL);
    CHECK_INT(d.n, 1);
    CHECK_CONTAINS(d.msgs[0], "empty.yaml:1:1: expected one YAML document, found 0");
    diag_free(&d);
    free(path);

    text = xasprintf(body, "");
    path = s_write("routing.yaml", text);
    free(text);
    CHECK(route_load(path, &d) == NULL);
    CHECK_INT(d.n, 1);
    CHECK_CONTAINS(d.msgs[0],
                   "routing.yaml:5:5: a rule needs a name of lower-case letters, digits or '-'");
    diag_free(&d);
    free(path);

    text = xasprintf(body, "name: q, ");
    path = s_write("routing.yaml", text);
    free(text);
    rt = route_load(path, &d);
    CHECK_INT(d.n, 0);
    CHECK(rt != NULL);
    route_destroy(&rt);
    free(path);
    free(dist);
}
