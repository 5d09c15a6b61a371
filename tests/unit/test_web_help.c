/*
 * Unit tests of /help (services/web/web_help*.c), without sockets: the
 * form filled in with the self sample makes the referral its YAML file
 * makes; its required inputs are the ones the intake requires; problems
 * come back in the carer's words at their inputs; requests are counted
 * per address (an IPv6 one by its /64) in an hour, the same reference
 * once. The page itself: test_web_help_page.c.
 */
#include "test.h"

#include "fixture.h"

#include "web/web_help.h"

#include "conf/ytree.h"
#include "util/file.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>

static const ylimits_t s_lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 1 << 20};

/* A form's answers, as a POST body gives them. */
typedef struct {
    const char *names[WEB_FIELDS_MAX];
    const char *values[WEB_FIELDS_MAX];
    char *owned[WEB_FIELDS_MAX];
    size_t n;
} s_answers_t;

static void s_answer(s_answers_t *a, const char *name, const char *value)
{
    if (a->n == WEB_FIELDS_MAX || fixture_form_unasked(name))
        return;
    a->owned[a->n] = xasprintf("%s%c%s", name, '\0', value);
    a->names[a->n] = a->owned[a->n];
    a->values[a->n] = a->owned[a->n] + strlen(name) + 1;
    a->n++;
}

static void s_answers_free(s_answers_t *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->owned[i]);
    a->n = 0;
}

/* Each value of a YAML document as typed into the input of its key path
 * (a list's items as ticked boxes), but for the keys the form leaves out:
 * who gave consent (the carer, always) and when (the day it is sent), and
 * what the form does not ask yet (fixture_form_unasked). */
static void s_flatten(const ynode_t *n, const char *path, s_answers_t *a)
{
    char sub[160];
    if (strcmp(path, "consent.given_by") == 0 || strcmp(path, "consent.date") == 0)
        return;
    if (n->kind == YNODE_SCALAR) {
        s_answer(a, path, n->value);
    } else if (n->kind == YNODE_SEQ) {
        for (size_t i = 0; i < n->nkids; i++)
            s_flatten(n->kids[i], path, a);
    } else {
        for (size_t i = 0; i + 1 < n->nkids; i += 2) {
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", n->kids[i]->value);
            s_flatten(n->kids[i + 1], sub, a);
        }
    }
}

static ystream_t *s_read(const char *file)
{
    char *data;
    size_t len;
    ystream_t *ys;
    if (file_read_all(test_src(file), 1 << 20, &data, &len) < 0)
        return NULL;
    ys = ytree_parse(data, len, &s_lim);
    free(data);
    return ys;
}

static bool s_same(const Carerhub__Referral *a, const Carerhub__Referral *b)
{
    size_t na = carerhub__referral__get_packed_size(a);
    size_t nb = carerhub__referral__get_packed_size(b);
    uint8_t *pa = xmalloc(na + 1), *pb = xmalloc(nb + 1);
    bool same;
    carerhub__referral__pack(a, pa);
    carerhub__referral__pack(b, pb);
    same = na == nb && memcmp(pa, pb, na) == 0;
    free(pa);
    free(pb);
    return same;
}

/* --- the form ------------------------------------------------------------- */

/* Each document of config/samples/self.yaml typed into /help (its consent
 * date, 2026-11-20, being the day it is sent) makes, as checked by the
 * intake's rules, the referral its YAML makes; every key it uses but the
 * two the form leaves out has an input. */
TEST(web_help_sample_makes_its_referral)
{
    const web_formdef_t *f = web_help_form();
    ystream_t *ys = s_read("config/samples/self.yaml");
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL, false};
    size_t docs = 0;

    CHECK(ys && !ystream_error(ys, NULL, NULL));
    CHECK_INT(f->source, CARERHUB__SOURCE__SELF);
    CHECK_STR(f->path, "/help");
    for (size_t d = 0; d < ystream_count(ys); d++) {
        const ynode_t *doc = ystream_doc(ys, d);
        s_answers_t a = {0};
        ferrs_t e1 = FERRS_INIT, e2 = FERRS_INIT;
        Carerhub__Referral *want, *got;
        if (!doc)
            continue;
        s_flatten(doc, "", &a);
        for (size_t i = 0; i < a.n; i++)
            if (!web_form_field(f, a.names[i])) {
                test_fail(__FILE__, __LINE__, "no input for %s", a.names[i]);
                return;
            }
        want = referral_from_yaml(doc, CARERHUB__SOURCE__SELF, &e1);
        fixture_form_strip(want);
        got = web_help_referral(a.n, a.names, a.values, date_from_ymd(2026, 11, 20), &e2);
        CHECK_INT(e1.n + e2.n, 0);
        CHECK_INT(referral_check(want, CARERHUB__SOURCE__SELF, &ctx, &e1), 0);
        CHECK_INT(referral_check(got, CARERHUB__SOURCE__SELF, &ctx, &e2), 0);
        CHECK_STR(got->consent->given_by, "carer");
        CHECK_STR(got->consent->date, "2026-11-20");
        if (!s_same(want, got)) {
            test_fail(__FILE__, __LINE__, "document %zu: the form's referral differs", d + 1);
            return;
        }
        carerhub__referral__free_unpacked(want, NULL);
        carerhub__referral__free_unpacked(got, NULL);
        s_answers_free(&a);
        docs++;
    }
    ystream_destroy(&ys);
    CHECK_INT(docs, 2);
    /* What a carer never gives here. */
    CHECK(web_form_field(f, "carer.nhs_number") == NULL);
    CHECK(web_form_field(f, "consent.given_by") == NULL);
    CHECK(web_form_field(f, "referrer.name") == NULL);
    CHECK(web_form_field(f, WEB_HELP_HONEYPOT) == NULL);
}

/* Leaving out an input marked required gets an error the page shows
 * there, and leaving out one marked optional gets none: the form says
 * what the self-intake's checks say. The phone number is optional as long
 * as an email address is given, and the other way round. */
TEST(web_help_required_fields_are_the_intakes)
{
    const web_formdef_t *f = web_help_form();
    static const char *const all[][2] = {
        {"carer.given_name", "Tom"},
        {"carer.family_name", "Reed"},
        {"carer.date_of_birth", "30/9/2004"}, /* 22: school or college is asked */
        {"carer.postcode", "CO1 1AA"},
        {"carer.address", "1 High Street"},
        {"carer.phone", "07700 900777"},
        {"carer.email", "tom@example.org"},
        {"carer.preferred_contact", "email"},
        {"carer.language", "Polish"},
        {"cared_for.relationship", "wife"},
        {"cared_for.conditions", "dementia"},
        {"self.working", "false"},
        {"self.best_time_to_contact", "mornings"},
        {"self.heard_from", "gp"},
        {"consent.share_with_support_service", "true"},
        {"cared_for[2].relationship", "son"},
        {"cared_for[2].conditions", "learning_disability"},
        {"cared_for[3].relationship", "my dad"},
        {"cared_for[3].conditions", "frailty"},
        {"caring.hours_per_week", "50_or_more"},
        {"caring.years", "4"},
        {"caring.lives_with", "true"},
        {"caring.able_to_continue", "not_sure"},
        {"impact.work", "at_risk"},
        {"impact.education", "no"},
        {"impact.own_health", "yes"},
        {"requests.carers_assessment", "true"},
        {"requests.council_knows", "not_sure"},
        {"requests.emergency_plan", "true"},
        {"requests.benefits_check", "true"},
        {"requests.carers_card", "true"},
        {"consent.equality_monitoring", "true"},
        {"equality.sex", "male"},
        {"equality.age_band", "25_to_49"},
        {"equality.ethnicity", "prefer_not_to_say"},
        {"equality.disability", "no"},
    };
    /* Optional, but needed by the answers beside them: a person's
     * relationship by their conditions, the agreement by the equality
     * answers. */
    static const char *const needed[] = {"cared_for[2].relationship", "cared_for[3].relationship",
                                         "consent.equality_monitoring"};
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL, false};
    size_t n = sizeof all / sizeof all[0], inputs = 0;

    for (size_t s = 0; s < f->nsets; s++)
        inputs += f->sets[s].nfields;
    CHECK_INT(inputs, n);
    for (size_t skip = 0; skip <= n; skip++) {
        const web_field_t *fd = skip < n ? web_form_field(f, all[skip][0]) : NULL;
        s_answers_t a = {0};
        ferrs_t e = FERRS_INIT;
        Carerhub__Referral *r;
        bool shown = false;
        CHECK(skip == n || fd != NULL);
        for (size_t i = 0; i < n; i++)
            if (i != skip)
                s_answer(&a, all[i][0], all[i][1]);
        r = web_help_referral(a.n, a.names, a.values, ctx.today, &e);
        CHECK_INT(e.n, 0);
        referral_check(r, CARERHUB__SOURCE__SELF, &ctx, &e);
        bool want = skip < n && fd->required;
        for (size_t i = 0; i < e.n; i++)
            shown |= web_form_field_of_error(f, e.v[i].field) == fd;
        for (size_t i = 0; skip < n && i < sizeof needed / sizeof needed[0]; i++)
            want |= strcmp(fd->key, needed[i]) == 0;
        if (skip == n ? e.n != 0 : shown != want) {
            test_fail(__FILE__, __LINE__, "without %s: %zu problem(s), first %s",
                      skip < n ? fd->key : "nothing", e.n, e.n ? e.v[0].field : "-");
            return;
        }
        carerhub__referral__free_unpacked(r, NULL);
        ferrs_free(&e);
        s_answers_free(&a);
    }
}

/* The problems in the carer's words, each kept at its field: known ones
 * as sentences of their own, the self rules' (which speak to the carer
 * already) as they are with a capital, anything else as the intake said
 * it after the field's name. */
TEST(web_help_problems_in_the_carers_words)
{
    const web_formdef_t *f = web_help_form();
    ferrs_t in = FERRS_INIT, out = FERRS_INIT;
    buf_t b = BUF_INIT;

    ferrs_add(&in, "carer.postcode", "format", "'CO1' is not a valid UK postcode");
    ferrs_add(&in, "carer.date_of_birth", "too_young", "you can ask for help here yourself");
    ferrs_add(&in, "carer.given_name", "too_long", "is longer than 100 characters");
    ferrs_add(&in, "consent", "required", "is required: the carer's consent");
    ferrs_add(&in, "referral", "too_many_errors", "more than 100 problems");
    web_help_words(&in, &out);
    CHECK_INT(out.n, 5);
    CHECK_STR(out.v[0].field, "carer.postcode");
    CHECK_STR(out.v[0].message, "Enter a real postcode, for example CM2 0AA");
    CHECK_STR(out.v[1].message, "You can ask for help here yourself");
    CHECK_STR(out.v[1].code, "too_young");
    CHECK_STR(out.v[2].message, "is longer than 100 characters");
    CHECK_STR(out.v[3].field, "consent");
    CHECK_STR(out.v[4].message, "more than 100 problems");
    web_form_summary(&b, f, &out);
    buf_addc(&b, '\0');
    CHECK_CONTAINS(b.data,
                   "<a href=\"#carer.postcode\">Enter a real postcode, for example CM2 0AA</a>");
    CHECK_CONTAINS(b.data,
                   "<a href=\"#carer.date_of_birth\">You can ask for help here yourself</a>");
    CHECK_CONTAINS(
        b.data, "<a href=\"#carer.given_name\">Your first name is longer than 100 characters</a>");
    /* A group missing as a whole: at its input. */
    CHECK_CONTAINS(b.data,
                   "<a href=\"#consent.share_with_support_service\">Tell us if we can send");
    CHECK_CONTAINS(b.data, "<li>more than 100 problems</li>");
    buf_free(&b);
    ferrs_free(&in);
    ferrs_free(&out);
}

/* --- requests per address ------------------------------------------------ */

TEST(web_help_rate_per_address_in_an_hour)
{
    web_rate_t *t = web_rate_new(100);
    const int64_t hour = WEB_HELP_WINDOW_MS;
    int64_t wait;
    char id[16];

    for (int i = 1; i <= 5; i++) {
        CHECK(!web_rate_full(t, "192.0.2.1", 1000 * i, 5, hour, &wait));
        snprintf(id, sizeof id, "SR-T-%d", i);
        web_rate_count(t, "192.0.2.1", 1000 * i, hour, id);
        /* The same request again (a double click) is not another. */
        web_rate_count(t, "192.0.2.1", 1000 * i, hour, id);
    }
    CHECK(web_rate_full(t, "192.0.2.1", 10000, 5, hour, &wait));
    CHECK_INT(wait, 1000 + hour - 10000);
    CHECK(web_rate_full(t, "::ffff:192.0.2.1", 10000, 5, hour, &wait));
    CHECK(!web_rate_full(t, "192.0.2.2", 10000, 5, hour, &wait));
    CHECK(!web_rate_full(t, "192.0.2.1", 10000, 6, hour, &wait)); /* a higher limit: room */
    /* The hour from the first of them passed: free again. */
    CHECK(!web_rate_full(t, "192.0.2.1", 1000 + hour, 5, hour, &wait));

    /* IPv6: an address is its /64. */
    for (int i = 0; i < 3; i++)
        web_rate_count(t, i ? "2001:db8:1:2::99" : "2001:db8:1:2::1", 0, hour, NULL);
    CHECK(web_rate_full(t, "2001:db8:1:2:abcd::7", 1, 3, hour, &wait));
    CHECK(!web_rate_full(t, "2001:db8:1:3::1", 1, 3, hour, &wait));
    web_rate_destroy(&t);
    CHECK(t == NULL);
}

/* Eight requests sent at once from one address, none answered yet: each
 * holds a place as it arrives, so only five of them go to the intake. */
TEST(web_help_rate_holds_a_place_before_the_answer)
{
    web_rate_t *t = web_rate_new(100);
    const int64_t hour = WEB_HELP_WINDOW_MS;
    int64_t wait;
    int taken = 0, first_refused = 0;
    for (int i = 1; i <= 8; i++) {
        if (web_rate_take(t, "192.0.2.9", 100 + i, 5, hour, &wait))
            taken++;
        else if (!first_refused)
            first_refused = i;
    }
    CHECK_INT(taken, 5);
    CHECK_INT(first_refused, 6);
    /* Still on their way: they will be answered in seconds, so the wait
     * said is a minute, not the hour. */
    CHECK_INT(wait, 60000);
    CHECK(web_rate_full(t, "192.0.2.9", 200, 5, hour, &wait));

    /* Two refused by the intake and one the same as before give their
     * places back; two taken keep theirs. */
    web_rate_release(t, "192.0.2.9", 300, hour);
    web_rate_release(t, "192.0.2.9", 300, hour);
    web_rate_count(t, "192.0.2.9", 300, hour, "SR-T-1");
    web_rate_count(t, "192.0.2.9", 300, hour, "SR-T-2");
    web_rate_count(t, "192.0.2.9", 300, hour, "SR-T-2"); /* the same again */
    /* Taken 2, none held: three more may come, and then no more. */
    for (int i = 0; i < 3; i++)
        CHECK(web_rate_take(t, "192.0.2.9", 400, 5, hour, &wait));
    CHECK(!web_rate_take(t, "192.0.2.9", 400, 5, hour, &wait));

    /* A place given back with nothing taken leaves no window behind: the
     * hour starts with the next request, not the refused one. */
    CHECK(web_rate_take(t, "192.0.2.10", 1000, 1, hour, &wait));
    web_rate_release(t, "192.0.2.10", 1000, hour);
    web_rate_count(t, "192.0.2.10", 5000, hour, "SR-T-3");
    CHECK(web_rate_full(t, "192.0.2.10", 5000, 1, hour, &wait));
    CHECK_INT(wait, hour);
    /* A release with nothing held (the entry went) takes nothing away. */
    web_rate_release(t, "192.0.2.10", 6000, hour);
    CHECK(web_rate_full(t, "192.0.2.10", 6000, 1, hour, &wait));
    web_rate_destroy(&t);
}

/* A full table: addresses with one request each make way for one another,
 * never for a busy one. */
TEST(web_help_rate_table_full_keeps_the_busy)
{
    web_rate_t *t = web_rate_new(4);
    const int64_t hour = WEB_HELP_WINDOW_MS;
    int64_t wait;
    char addr[32];
    for (int i = 0; i < 3; i++)
        web_rate_count(t, "198.51.100.7", 10, hour, NULL);
    for (int i = 0; i < 50; i++) {
        snprintf(addr, sizeof addr, "203.0.113.%d", i);
        web_rate_count(t, addr, 20 + i, hour, NULL);
    }
    CHECK(web_rate_full(t, "198.51.100.7", 100, 3, hour, &wait));
    CHECK(web_rate_full(t, "203.0.113.49", 100, 1, hour, &wait));
    CHECK(!web_rate_full(t, "203.0.113.0", 100, 1, hour, &wait));
    web_rate_destroy(&t);
}
