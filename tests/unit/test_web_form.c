/*
 * Unit tests of the referral forms (services/web/web_fields.c): a form
 * filled in with a sample referral's values makes the referral its YAML
 * file makes; every key of a referral has an input; required inputs are
 * the ones the intake's checks require; the organisation is the user's;
 * what is typed is kept as typed.
 */
#include "test.h"

#include "fixture.h"
#include "web/web_form.h"

#include "util/date.h"
#include "util/file.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Whether key is a single box's, as on the GP form. */
static bool s_tick(const char *key)
{
    const web_field_t *fd = web_form_field(web_form_of(CARERHUB__SOURCE__GP), key);
    return fd && fd->input == WEB_IN_TICK;
}

/* Each value of a YAML document as a person would type it into the input
 * of its key path: a scalar once, each item of a list as a ticked box. */
static void s_flatten(const ynode_t *n, const char *path, s_answers_t *a)
{
    char sub[160];
    switch (n->kind) {
    case YNODE_SCALAR:
        /* A box not ticked sends nothing (fixture_form_strip). */
        if (!(strcmp(n->value, "false") == 0 && s_tick(path)))
            s_answer(a, path, n->value);
        return;
    case YNODE_SEQ:
        /* Several people cared for: the first person's inputs, then
         * person 2's (cared_for[2].relationship), and so on. */
        for (size_t i = 0; i < n->nkids; i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i + 1);
            s_flatten(n->kids[i], strcmp(path, "cared_for") == 0 && i > 0 ? sub : path, a);
        }
        return;
    case YNODE_MAP:
        for (size_t i = 0; i + 1 < n->nkids; i += 2) {
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", n->kids[i]->value);
            s_flatten(n->kids[i + 1], sub, a);
        }
        return;
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

static const struct {
    const char *file;
    Carerhub__Source src;
} s_samples[] = {
    {"config/samples/gp.yaml", CARERHUB__SOURCE__GP},
    {"config/samples/discharge.yaml", CARERHUB__SOURCE__DISCHARGE},
    {"config/samples/school.yaml", CARERHUB__SOURCE__SCHOOL},
};

/* Every document of every sample, typed into its form by key path, makes
 * the same referral as its YAML, with its caring, impact, requests,
 * equality and every person cared for; and each key it uses has an
 * input. */
TEST(web_form_samples_make_their_referrals)
{
    size_t docs = 0;
    for (size_t s = 0; s < 3; s++) {
        const web_formdef_t *f = web_form_of(s_samples[s].src);
        ystream_t *ys = s_read(s_samples[s].file);
        CHECK(f && ys && !ystream_error(ys, NULL, NULL));
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
                    test_fail(__FILE__, __LINE__, "%s: no input for %s", s_samples[s].file,
                              a.names[i]);
                    return;
                }
            want = referral_from_yaml(doc, s_samples[s].src, &e1);
            fixture_form_strip(want);
            got = web_form_referral(f, a.n, a.names, a.values,
                                    referral_org(want) ? referral_org(want) : "", &e2);
            CHECK_INT(e1.n, 0);
            CHECK_INT(e2.n, 0);
            if (!s_same(want, got)) {
                test_fail(__FILE__, __LINE__, "%s document %zu: the form's referral differs",
                          s_samples[s].file, d + 1);
                return;
            }
            carerhub__referral__free_unpacked(want, NULL);
            carerhub__referral__free_unpacked(got, NULL);
            ferrs_free(&e1);
            ferrs_free(&e2);
            s_answers_free(&a);
            docs++;
        }
        ystream_destroy(&ys);
    }
    CHECK_INT(docs, 5 + 2 + 2); /* gp.yaml 5 cards, discharge.yaml 2, school.yaml 2 */
}

/* Whether a source's form leaves key out: school or college is asked of
 * a pupil, work of an adult. */
static bool s_not_for(const web_formdef_t *f, const char *key)
{
    if (f->source == CARERHUB__SOURCE__SCHOOL)
        return strcmp(key, "impact.work") == 0;
    return strcmp(key, "impact.education") == 0;
}

/* The YAML keys of a message's fields (prefix.name), recursively; the
 * hub's own fields and the source parts' wrappers are not keys, nor (yet)
 * a professional's part; more_cared_for's are those of people 2 and 3
 * (cared_for[2].relationship). */
static void s_keys(const ProtobufCMessageDescriptor *d, const char *prefix, const web_formdef_t *f,
                   size_t *missing)
{
    static const char *const skip[] = {"id",           "source", "received_at", "referral_date",
                                       "submitted_by", "gp",     "discharge",   "school",
                                       "self",         NULL};
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        char key[160];
        bool skipped = false;
        for (size_t k = 0; !*prefix && skip[k]; k++)
            skipped |= strcmp(fd->name, skip[k]) == 0;
        if (skipped)
            continue;
        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", fd->name);
        if (fixture_form_unasked(key) || s_not_for(f, key))
            continue;
        if (strcmp(key, "more_cared_for") == 0) {
            s_keys(fd->descriptor, "cared_for[2]", f, missing);
            s_keys(fd->descriptor, "cared_for[3]", f, missing);
        } else if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
            s_keys(fd->descriptor, key, f, missing);
        } else if (!web_form_field(f, key)) {
            printf("    %s: no input for %s\n", f->path, key);
            (*missing)++;
        }
    }
}

/* Each form has an input for every field of its source's referral (as the
 * protobuf descriptors, the referral files' schema, name them), and only
 * one of each. */
TEST(web_form_every_key_has_an_input)
{
    static const ProtobufCMessageDescriptor *parts[] = {&carerhub__gp_part__descriptor,
                                                        &carerhub__discharge_part__descriptor,
                                                        &carerhub__school_part__descriptor};
    for (size_t s = 0; s < 3; s++) {
        const web_formdef_t *f = web_form_of(s_samples[s].src);
        size_t missing = 0, inputs = 0, fields = 0;
        s_keys(&carerhub__referral__descriptor, "", f, &missing);
        s_keys(parts[s], "", f, &missing);
        CHECK_INT(missing, 0);
        for (size_t i = 0; i < f->nsets; i++)
            for (size_t j = 0; j < f->sets[i].nfields; j++) {
                CHECK(web_form_field(f, f->sets[i].fields[j]->key) == f->sets[i].fields[j]);
                inputs++;
            }
        /* referrer 3 + carer 10 + cared_for 2 + consent 3, and the part's;
         * people 2 and 3 (2 each), caring 4, impact 2, requests 5,
         * equality 4 and its consent */
        fields = 3 + 10 + 2 + 3 + (s == 0 ? 2 : s == 1 ? 3 + 2 + 1 : 2 + 1) + 4 + 4 + 2 + 5 + 5;
        CHECK_INT(inputs, fields);
    }
    CHECK(web_form_at("/refer/discharge") == web_form_of(CARERHUB__SOURCE__DISCHARGE));
    CHECK(web_form_at("/refer/nowhere") == NULL);
}

/* Sample document doc of file, as a form's answers. */
static int s_sample_answers(size_t sample, size_t doc, s_answers_t *a)
{
    ystream_t *ys = s_read(s_samples[sample].file);
    if (!ys || !ystream_doc(ys, doc)) {
        ystream_destroy(&ys);
        return -1;
    }
    s_flatten(ystream_doc(ys, doc), "", a);
    ystream_destroy(&ys);
    return 0;
}

/* The answers without those to key (every value of a list). */
static void s_without(const s_answers_t *in, const char *key, s_answers_t *out)
{
    for (size_t i = 0; i < in->n; i++)
        if (strcmp(in->names[i], key) != 0)
            s_answer(out, in->names[i], in->values[i]);
}

/* The form's referral from answers, checked as its intake checks it on
 * 2026-11-22; the errors in e. */
static void s_submit(const web_formdef_t *f, const s_answers_t *a, const char *org, ferrs_t *e)
{
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL, false};
    Carerhub__Referral *r = web_form_referral(f, a->n, a->names, a->values, org, e);
    if (e->n == 0)
        referral_check(r, f->source, &ctx, e);
    carerhub__referral__free_unpacked(r, NULL);
}

/* Whether some error of e is shown at field fd. */
static bool s_shown_at(const web_formdef_t *f, const ferrs_t *e, const web_field_t *fd)
{
    for (size_t i = 0; i < e->n; i++)
        if (web_form_field_of_error(f, e->v[i].field) == fd)
            return true;
    return false;
}

/* Leaving out a field marked required gets an error the page shows at that
 * field, and leaving out one marked optional gets none there: the form says
 * what the intake's checks say. On the first card of each sample (the GP
 * card gives every way to reach the carer, so that leaving one out is not
 * leaving out all). */
TEST(web_form_required_fields_are_the_intakes)
{
    static const char *const orgs[] = {"F81001", "RAJ", "115000"};
    for (size_t s = 0; s < 3; s++) {
        const web_formdef_t *f = web_form_of(s_samples[s].src);
        s_answers_t all = {0};
        ferrs_t e = FERRS_INIT;
        CHECK_INT(s_sample_answers(s, 0, &all), 0);
        s_submit(f, &all, orgs[s], &e);
        CHECK_INT(e.n, 0);
        for (size_t i = 0; i < f->nsets; i++)
            for (size_t j = 0; j < f->sets[i].nfields; j++) {
                const web_field_t *fd = f->sets[i].fields[j];
                s_answers_t less = {0};
                bool shown;
                if (fd->input == WEB_IN_ORG || (!fd->required && s != 0))
                    continue;
                s_without(&all, fd->key, &less);
                s_submit(f, &less, orgs[s], &e);
                shown = s_shown_at(f, &e, fd);
                /* Needed by the answers beside them, the GP card having
                 * both: the agreement by the equality answers, person 2's
                 * relationship by person 2's conditions. */
                if (s == 0 && (strcmp(fd->key, "consent.equality_monitoring") == 0 ||
                               strcmp(fd->key, "cared_for[2].relationship") == 0)) {
                    CHECK(shown);
                    ferrs_free(&e);
                    s_answers_free(&less);
                    continue;
                }
                if (shown != fd->required) {
                    test_fail(__FILE__, __LINE__, "%s without %s: %s", f->path, fd->key,
                              shown ? "an error there, but the form says optional"
                                    : "no error there, but the form says required");
                    return;
                }
                ferrs_free(&e);
                s_answers_free(&less);
            }
        s_answers_free(&all);
    }
}

/* Missing required fields come back by key path, each one shown at its
 * input; a group missing as a whole at its first input. */
TEST(web_form_missing_fields_by_key_path)
{
    const web_formdef_t *f = web_form_of(CARERHUB__SOURCE__DISCHARGE);
    s_answers_t a = {0};
    ferrs_t e = FERRS_INIT;
    s_answer(&a, "carer.given_name", "Jane");
    s_answer(&a, "hospital.ward", "Ward 10");
    s_submit(f, &a, "RAJ", &e);
    CHECK(ferrs_has(&e, "carer.family_name"));
    CHECK(ferrs_has(&e, "carer.date_of_birth"));
    CHECK(ferrs_has(&e, "carer.postcode"));
    CHECK(ferrs_has(&e, "hospital.site"));
    CHECK(ferrs_has(&e, "patient"));
    CHECK(ferrs_has(&e, "carer_consulted"));
    CHECK(!ferrs_has(&e, "carer.given_name"));
    CHECK(!ferrs_has(&e, "hospital.trust"));
    CHECK_STR(web_form_field_of_error(f, "patient")->key, "patient.nhs_number");
    CHECK_STR(web_form_field_of_error(f, "referrer")->key, "referrer.name");
    CHECK_STR(web_form_field_of_error(f, "cared_for.conditions[2]")->key, "cared_for.conditions");
    /* cared_for as a list: its first person is the form's cared_for, the
     * others theirs, a whole person at its first input; equality without
     * the agreement at the agreement. */
    CHECK_STR(web_form_field_of_error(f, "cared_for[1].relationship")->key,
              "cared_for.relationship");
    CHECK_STR(web_form_field_of_error(f, "cared_for[1].conditions[3]")->key,
              "cared_for.conditions");
    CHECK_STR(web_form_field_of_error(f, "cared_for[2].conditions[1]")->key,
              "cared_for[2].conditions");
    CHECK_STR(web_form_field_of_error(f, "cared_for[3]")->key, "cared_for[3].relationship");
    CHECK_STR(web_form_field_of_error(f, "equality")->key, "consent.equality_monitoring");
    CHECK_STR(web_form_field_of_error(f, "equality.sex")->key, "equality.sex");
    /* The trust is the user's: a problem with it has no input to point at. */
    CHECK(web_form_field_of_error(f, "hospital")->input != WEB_IN_ORG);
    CHECK(web_form_field_of_error(f, "referral") == NULL);
    CHECK(web_form_field_of_error(f, "token") == NULL);
    ferrs_free(&e);
    s_answers_free(&a);
}

/* The organisation is the logged-in user's, whatever the form says; and
 * fields the hub sets cannot be set from a form. */
TEST(web_form_organisation_is_the_users)
{
    static const char *const keys[] = {"practice", "hospital.trust", "school.urn"};
    for (size_t s = 0; s < 3; s++) {
        const web_formdef_t *f = web_form_of(s_samples[s].src);
        s_answers_t a = {0};
        ferrs_t e = FERRS_INIT;
        Carerhub__Referral *r;
        CHECK_INT(s_sample_answers(s, 0, &a), 0);
        s_answer(&a, keys[s], "Z99999");
        s_answer(&a, "id", "GP-1-1");
        s_answer(&a, "submitted_by", "someone");
        s_answer(&a, "gp.practice", "Z99999");
        r = web_form_referral(f, a.n, a.names, a.values, "OWN01", &e);
        CHECK_INT(e.n, 0);
        CHECK_STR(referral_org(r), "OWN01");
        CHECK(r->id == NULL && r->submitted_by == NULL);
        CHECK(s == 0 || r->gp == NULL);
        carerhub__referral__free_unpacked(r, NULL);
        /* Without the organisation field among the answers too. */
        s_answers_free(&a);
        s_answer(&a, "carer.given_name", "Jane");
        r = web_form_referral(f, a.n, a.names, a.values, "OWN02", &e);
        CHECK_STR(referral_org(r), "OWN02");
        carerhub__referral__free_unpacked(r, NULL);
        s_answers_free(&a);
        ferrs_free(&e);
    }
}

/* Script, quotes and YAML's own words typed into a field are the field's
 * text, exactly; escaping it is the page's business. */
TEST(web_form_typed_text_kept_as_data)
{
    static const char *const typed[] = {"<script>alert(1)</script>",
                                        "O'Neill \"Jo\" & co",
                                        "null",
                                        "~",
                                        "true",
                                        "{a: b}",
                                        "- x",
                                        "# not a comment"};
    const web_formdef_t *f = web_form_of(CARERHUB__SOURCE__GP);
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
        s_answers_t a = {0};
        ferrs_t e = FERRS_INIT;
        Carerhub__Referral *r;
        s_answer(&a, "carer.given_name", typed[i]);
        s_answer(&a, "referrer.name", typed[i]);
        r = web_form_referral(f, a.n, a.names, a.values, "F81001", &e);
        CHECK_INT(e.n, 0);
        CHECK(r->carer && r->referrer);
        CHECK_STR(r->carer->given_name, typed[i]);
        CHECK_STR(r->referrer->name, typed[i]);
        carerhub__referral__free_unpacked(r, NULL);
        s_answers_free(&a);
    }
}

/* Ticked boxes make a list, in the order sent; empty answers are left out;
 * yes/no radios are booleans and a year group a number. */
TEST(web_form_lists_booleans_and_numbers)
{
    const web_formdef_t *f = web_form_of(CARERHUB__SOURCE__SCHOOL);
    s_answers_t a = {0};
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r;
    s_answer(&a, "cared_for.conditions", "dementia");
    s_answer(&a, "carer.phone", "  ");
    s_answer(&a, "cared_for.conditions", "frailty");
    s_answer(&a, "cared_for.conditions", "");
    s_answer(&a, "carer.email", "");
    s_answer(&a, "safeguarding_referral_made", "false");
    s_answer(&a, "consent.share_with_support_service", "true");
    s_answer(&a, "school.year_group", "0");
    r = web_form_referral(f, a.n, a.names, a.values, "115000", &e);
    CHECK_INT(e.n, 0);
    CHECK(r->cared_for && r->cared_for->n_conditions == 2);
    CHECK_STR(r->cared_for->conditions[0], "dementia");
    CHECK_STR(r->cared_for->conditions[1], "frailty");
    CHECK(r->carer == NULL); /* only blank answers: nothing of the carer */
    CHECK(r->school && r->school->has_safeguarding_referral_made &&
          !r->school->safeguarding_referral_made);
    CHECK(r->consent && r->consent->has_share_with_support_service &&
          r->consent->share_with_support_service);
    CHECK(r->school->school && r->school->school->has_year_group &&
          r->school->school->year_group == 0);
    carerhub__referral__free_unpacked(r, NULL);
    s_answers_free(&a);

    /* A value no radio or option has is refused at its field. */
    s_answer(&a, "safeguarding_referral_made", "maybe");
    s_answer(&a, "school.year_group", "Year 9");
    r = web_form_referral(f, a.n, a.names, a.values, "115000", &e);
    CHECK(ferrs_has(&e, "safeguarding_referral_made"));
    CHECK(ferrs_has(&e, "school.year_group"));
    carerhub__referral__free_unpacked(r, NULL);
    s_answers_free(&a);
    ferrs_free(&e);
}

/* Dates as people type them: YYYY-MM-DD kept, day/month/year turned into
 * it, anything else left for the intake to refuse. */
TEST(web_form_dates_as_typed)
{
    static const char *const cases[][2] = {
        {"1961-04-02", "1961-04-02"},
        {"2/4/1961", "1961-04-02"},
        {"02/04/1961", "1961-04-02"},
        {"2-4-1961", "1961-04-02"},
        {"2.4.1961", "1961-04-02"},
        {"2 4 1961", "1961-04-02"},
        {" 2/4/1961 ", "1961-04-02"},
        {"31/12/2026", "2026-12-31"},
        {"2/4/61", "2/4/61"},
        {"2/4-1961", "2/4-1961"},
        {"April 2 1961", "April 2 1961"},
        {"", ""},
    };
    char out[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        web_form_date(cases[i][0], out, sizeof out);
        CHECK_STR(out, cases[i][1]);
    }
}

/* A date answer that is no date reaches the intake as typed, however long
 * (found by fuzz_web_body: one of 64 bytes or more was cut at 63, here
 * inside the "é", so that the intake was given text that is not UTF-8 and
 * said so of an answer that was). */
TEST(web_form_long_date_answer_kept_whole)
{
    const web_formdef_t *f = web_form_of(CARERHUB__SOURCE__GP);
    char typed[80];
    s_answers_t a = {0};
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r;
    memset(typed, 'a', 62);
    snprintf(typed + 62, sizeof typed - 62, "\xc3\xa9 then more");
    s_answer(&a, "carer.date_of_birth", typed);
    r = web_form_referral(f, a.n, a.names, a.values, "F81001", &e);
    CHECK_INT(e.n, 0);
    CHECK(r->carer && r->carer->date_of_birth);
    CHECK_INT(strlen(r->carer->date_of_birth), 62 + 2 + 10);
    CHECK_STR(r->carer->date_of_birth, typed);
    carerhub__referral__free_unpacked(r, NULL);
    s_answers_free(&a);
    ferrs_free(&e);
}

/* --- the page -------------------------------------------------------------- */

/* A request of user u (role, organisation) for path with answers a. */
static web_req_t s_req(const web_user_t *u, const char *path, bool post, const s_answers_t *a)
{
    web_req_t q = {0};
    q.post = post;
    q.path = path;
    q.user = u;
    q.address = "127.0.0.1";
    q.nfields = a ? a->n : 0;
    q.names = a ? a->names : NULL;
    q.values = a ? a->values : NULL;
    return q;
}

static const web_user_t s_gp_user = {
    .name = "a.patel", .role = ROLE_GP, .org = "F81001", .csrf = "csrf-token-of-the-session"};

/* The form as served: an input named by its key path for every field
 * (a box per condition, a radio per answer), the session's CSRF token and
 * a fresh idempotency token; and no two forms with the same token. */
TEST(web_form_page_has_every_input)
{
    const web_formdef_t *f = web_form_of(CARERHUB__SOURCE__GP);
    web_req_t q = s_req(&s_gp_user, "/refer/gp", false, NULL);
    web_resp_t r1 = {0}, r2 = {0};
    const char *t1, *t2;
    web_refer(NULL, &q, &r1);
    web_refer(NULL, &q, &r2);
    CHECK_INT(r1.status == 0 ? 200 : r1.status, 200);
    CHECK(r1.personal);
    for (size_t i = 0; i < f->nsets; i++)
        for (size_t j = 0; j < f->sets[i].nfields; j++) {
            const web_field_t *fd = f->sets[i].fields[j];
            char want[160];
            snprintf(want, sizeof want, fd->input == WEB_IN_ORG ? "id=\"%s\"" : "name=\"%s\"",
                     fd->key);
            CHECK_CONTAINS(r1.body.data, want);
        }
    CHECK_CONTAINS(r1.body.data, "name=\"cared_for.conditions\" value=\"frailty\"");
    CHECK_CONTAINS(r1.body.data, "name=\"consent.share_with_support_service\" value=\"false\"");
    CHECK_CONTAINS(r1.body.data, "name=\"csrf\" value=\"csrf-token-of-the-session\"");
    CHECK_CONTAINS(r1.body.data, "<strong>Practice:</strong> F81001");
    t1 = strstr(r1.body.data, "name=\"token\" value=\"");
    t2 = strstr(r2.body.data, "name=\"token\" value=\"");
    CHECK(t1 && t2);
    t1 += strlen("name=\"token\" value=\"");
    t2 += strlen("name=\"token\" value=\"");
    CHECK_INT(strspn(t1, "0123456789abcdef"), 32);
    CHECK(strncmp(t1, t2, 32) != 0);
    buf_free(&r1.body);
    buf_free(&r2.body);
}

/* Another role's form is refused (403), and so is nobody's. */
TEST(web_form_page_only_for_its_role)
{
    static const web_user_t school = {.name = "j.taylor", .role = ROLE_SCHOOL, .org = "115000"};
    static const char *const paths[] = {"/refer/gp", "/refer/discharge"};
    for (size_t i = 0; i < 2; i++) {
        web_req_t q = s_req(&school, paths[i], false, NULL);
        web_resp_t r = {0};
        web_refer(NULL, &q, &r);
        CHECK_INT(r.status, 403);
        CHECK(!strstr(r.body.data, "name=\"token\""));
        buf_free(&r.body);
    }
}

/* Errors as the GOV.UK pattern shows them: a summary first (role alert,
 * "There is a problem", a link to each input by its id), the message beside
 * the input, and every answer kept as typed (script shown as text). */
TEST(web_form_page_errors_and_answers_kept)
{
    const web_formdef_t *f = web_form_of(CARERHUB__SOURCE__GP);
    s_answers_t a = {0};
    ferrs_t e = FERRS_INIT;
    web_req_t q;
    web_resp_t r = {0};
    const char *summary, *h1, *beside;
    s_answer(&a, "carer.given_name", "<script>alert(1)</script>");
    s_answer(&a, "carer.address", "1 High Street\nChelmsford");
    s_answer(&a, "cared_for.conditions", "dementia");
    s_answer(&a, "cared_for.conditions", "frailty");
    s_answer(&a, "consent.given_by", "carer");
    q = s_req(&s_gp_user, "/refer/gp", true, &a);
    ferrs_add(&e, "carer.family_name", "required", "is required");
    ferrs_add(&e, "cared_for.conditions[2]", "duplicate", "frailty is listed twice");
    ferrs_add(&e, "referrer", "required", "is required: who is referring");
    web_form_page(&r, &q, f, "0123456789abcdef0123456789abcdef", &e, NULL);
    summary = strstr(r.body.data, "There is a problem");
    h1 = strstr(r.body.data, "<h1>");
    CHECK(summary && h1 && summary < h1);
    CHECK_CONTAINS(r.body.data, "role=\"alert\"");
    CHECK_CONTAINS(r.body.data, "<a href=\"#carer.family_name\">Family name is required</a>");
    CHECK_CONTAINS(r.body.data, "<a href=\"#cared_for.conditions\">What they need care for: "
                                "frailty is listed twice</a>");
    CHECK_CONTAINS(r.body.data, "<a href=\"#referrer.name\">");
    CHECK_CONTAINS(r.body.data, "id=\"carer.family_name\"");
    beside = strstr(r.body.data, "id=\"carer.family_name-error\"");
    CHECK(beside && beside > h1);
    CHECK_CONTAINS(beside, "Family name is required");
    CHECK_CONTAINS(r.body.data, "aria-describedby=\"carer.family_name-error\"");
    CHECK_CONTAINS(r.body.data, "<title>Error: ");
    /* Kept as typed, and escaped. */
    CHECK_CONTAINS(r.body.data, "value=\"&lt;script&gt;alert(1)&lt;/script&gt;\"");
    CHECK(!strstr(r.body.data, "<script>"));
    CHECK_CONTAINS(r.body.data, ">1 High Street\nChelmsford</textarea>");
    CHECK_CONTAINS(r.body.data, "value=\"dementia\" checked");
    CHECK_CONTAINS(r.body.data, "value=\"frailty\" checked");
    CHECK(!strstr(r.body.data, "value=\"other\" checked"));
    CHECK_CONTAINS(r.body.data, "id=\"consent.given_by\" name=\"consent.given_by\" "
                                "value=\"carer\" checked");
    CHECK_CONTAINS(r.body.data, "name=\"token\" value=\"0123456789abcdef0123456789abcdef\"");
    buf_free(&r.body);
    ferrs_free(&e);
    s_answers_free(&a);
}

/* An answer the intake could not even read (a year group that is no
 * number) is shown without sending anything: web_refer does not call the
 * hub (there is none here), and the token sent is kept. */
TEST(web_form_page_unreadable_answer_not_sent)
{
    static const web_user_t school = {.name = "j.taylor", .role = ROLE_SCHOOL, .org = "115000"};
    s_answers_t a = {0};
    web_req_t q;
    web_resp_t r = {0};
    s_answer(&a, "token", "00112233445566778899aabbccddeeff");
    s_answer(&a, "school.year_group", "nine");
    s_answer(&a, "carer.given_name", "Sam");
    q = s_req(&school, "/refer/school", true, &a);
    web_refer(NULL, &q, &r);
    CHECK_CONTAINS(r.body.data, "There is a problem");
    CHECK_CONTAINS(r.body.data, "<a href=\"#school.year_group\">");
    CHECK_CONTAINS(r.body.data, "value=\"00112233445566778899aabbccddeeff\"");
    CHECK_CONTAINS(r.body.data, "value=\"Sam\"");
    buf_free(&r.body);
    s_answers_free(&a);
}

/* --- the words of the errors and hints ------------------------------------------ */

static const web_user_t s_school_user = {
    .name = "j.taylor", .role = ROLE_SCHOOL, .org = "115000", .csrf = "csrf"};
static const web_user_t s_hospital_user = {
    .name = "m.ali", .role = ROLE_HOSPITAL, .org = "RAJ", .csrf = "csrf"};

/* The page web_refer would show for answers a, after the intake's checks
 * (on 2026-11-22) as well as the form's own reading; into r. */
static void s_checked_page(web_resp_t *r, const web_user_t *u, const web_formdef_t *f,
                           const s_answers_t *a)
{
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL};
    web_req_t q = s_req(u, f->path, true, a);
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *ref = web_form_referral(f, a->n, a->names, a->values, u->org, &e);
    if (!e.n)
        referral_check(ref, f->source, &ctx, &e);
    web_form_page(r, &q, f, "0123456789abcdef0123456789abcdef", &e, NULL);
    carerhub__referral__free_unpacked(ref, NULL);
    ferrs_free(&e);
}

/* The error summary lists the problems in the order of the inputs on the
 * page, whatever order they were found in, for every form; a problem of
 * no input (the form sent before) first; each problem once. */
TEST(web_form_summary_follows_the_page)
{
    static const web_user_t *const users[] = {&s_gp_user, &s_hospital_user, &s_school_user};
    static const Carerhub__Source srcs[] = {CARERHUB__SOURCE__GP, CARERHUB__SOURCE__DISCHARGE,
                                            CARERHUB__SOURCE__SCHOOL};
    for (size_t u = 0; u < 3; u++) {
        const web_formdef_t *f = web_form_of(srcs[u]);
        const web_field_t *fields[64];
        size_t nf = 0, links = 0, items = 0;
        ferrs_t e = FERRS_INIT;
        s_answers_t a = {0};
        web_req_t q = s_req(users[u], f->path, true, &a);
        web_resp_t r = {0};
        const char *sum, *end, *p, *prev = NULL;
        for (size_t s = 0; s < f->nsets; s++)
            for (size_t i = 0; i < f->sets[s].nfields; i++)
                if (f->sets[s].fields[i]->input != WEB_IN_ORG)
                    fields[nf++] = f->sets[s].fields[i];
        /* Found last field first, the form's own problem among them. */
        for (size_t i = nf; i-- > 0;) {
            ferrs_add(&e, fields[i]->key, "required", "is required");
            if (i == nf / 2)
                ferrs_add(&e, "token", "reused", "This form was sent before");
        }
        web_form_page(&r, &q, f, "0123456789abcdef0123456789abcdef", &e, NULL);
        sum = strstr(r.body.data, "There is a problem");
        end = sum ? strstr(sum, "</ul>") : NULL;
        CHECK(sum && end);
        p = strstr(sum, "<li>");
        CHECK(p && strncmp(p, "<li>This form was sent before</li>", 34) == 0);
        for (p = sum; (p = strstr(p, "<li>")) != NULL && p < end; p++)
            items++;
        CHECK_INT(items, nf + 1);
        /* Each link's input comes after the one before it on the page. */
        for (p = sum; (p = strstr(p, "<a href=\"#")) != NULL && p < end; p++) {
            char name[160];
            const char *at;
            size_t n = strcspn(p + 10, "\"");
            snprintf(name, sizeof name, "name=\"%.*s\"", (int)n, p + 10);
            at = strstr(end, name);
            if (!at || (prev && at <= prev)) {
                test_fail(__FILE__, __LINE__, "%s: the summary's %s is out of the page's order",
                          f->path, name);
                return;
            }
            prev = at;
            links++;
        }
        CHECK_INT(links, nf);
        buf_free(&r.body);
        ferrs_free(&e);
    }
}

/* The school form as a teacher leaves it, year group and who gave consent
 * unanswered: the summary names the year group first, as the page asks it
 * first, and says what to choose. */
TEST(web_form_school_year_group_error)
{
    const web_formdef_t *f = web_form_of(CARERHUB__SOURCE__SCHOOL);
    static const char *const answers[][2] = {
        {"safeguarding_referral_made", "false"},
        {"carer.given_name", "Sam"},
        {"carer.family_name", "Khan"},
        {"carer.date_of_birth", "2012-05-10"},
        {"carer.postcode", "CM2 9AA"},
        {"carer.address", "5 Park Road, Chelmsford"},
        {"cared_for.relationship", "mother"},
        {"consent.share_with_support_service", "true"},
        {"consent.date", "2026-11-20"},
        {"referrer.name", "J Taylor"},
        {"referrer.email", "j.taylor@school.example.org"},
    };
    s_answers_t a = {0};
    web_resp_t r = {0};
    const char *year, *consent;
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
        s_answer(&a, answers[i][0], answers[i][1]);
    s_checked_page(&r, &s_school_user, f, &a);
    year = strstr(r.body.data,
                  "<a href=\"#school.year_group\">The pupil&#39;s year group is required: "
                  "enter a number from 0 (Reception) to 14</a>");
    consent = strstr(r.body.data, "<a href=\"#consent.given_by\">");
    CHECK(year && consent && year < consent);
    buf_free(&r.body);
    s_answers_free(&a);
}

/* The discharge form's NHS number errors say "NHS number" once: the
 * input's name says it, the message what is wrong with the number. */
TEST(web_form_patient_nhs_number_errors)
{
    static const char *const cases[][2] = {
        {"401 023 21", "<a href=\"#patient.nhs_number\">The patient&#39;s NHS number must be 10 "
                       "digits, such as 943 476 5919</a>"},
        {"4010232146", "<a href=\"#patient.nhs_number\">The patient&#39;s NHS number: 4010232146 "
                       "cannot be right (its check digit does not match the other nine): check "
                       "it on the patient&#39;s record</a>"},
    };
    const web_formdef_t *f = web_form_of(CARERHUB__SOURCE__DISCHARGE);
    for (size_t i = 0; i < 2; i++) {
        s_answers_t a = {0};
        web_resp_t r = {0};
        s_answer(&a, "patient.nhs_number", cases[i][0]);
        s_checked_page(&r, &s_hospital_user, f, &a);
        CHECK_CONTAINS(r.body.data, cases[i][1]);
        buf_free(&r.body);
        s_answers_free(&a);
    }
}

/* Each date of birth's example is a date its person could have been born
 * on: a pupil 4 to 25 (the ages a school refers), a carer an adult; and a
 * pupil is not asked about a husband or a son. */
TEST(web_form_hints_fit_their_person)
{
    static const Carerhub__Source srcs[] = {CARERHUB__SOURCE__GP, CARERHUB__SOURCE__DISCHARGE,
                                            CARERHUB__SOURCE__SCHOOL};
    const date_t on = date_from_ymd(2026, 11, 23);
    for (size_t i = 0; i < 3; i++) {
        const web_formdef_t *f = web_form_of(srcs[i]);
        const web_field_t *dob = web_form_field(f, "carer.date_of_birth");
        const web_field_t *rel = web_form_field(f, "cared_for.relationship");
        const char *example = dob && dob->hint ? strstr(dob->hint, "for example ") : NULL;
        date_t born;
        int age;
        CHECK(example && date_parse(example + strlen("for example "), &born) == 0);
        age = date_age(born, on);
        if (srcs[i] == CARERHUB__SOURCE__SCHOOL) {
            CHECK(age >= 4 && age <= 25);
            CHECK(rel && rel->hint && !strstr(rel->hint, "husband") && !strstr(rel->hint, "son"));
        } else {
            CHECK(age >= 18 && age <= 100);
        }
    }
}
