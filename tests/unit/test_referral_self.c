/*
 * Unit tests of a carer's own referral (source self, lib/domain/
 * referral_self.c and the source's names): its YAML under self:, and each of
 * its rules, with the field each problem names.
 */
#include "test.h"

#include "domain/referral.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>

static const ylimits_t s_lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 4u << 20};

/* A carer's own referral as the public form would send it: no referrer, no
 * NHS number, consent without given_by. */
static const char s_self[] = "carer:\n"
                             "  given_name: Tom\n"
                             "  family_name: Reed\n"
                             "  date_of_birth: 1980-03-14\n"
                             "  postcode: co11aa\n"
                             "  phone: 07700 900777\n"
                             "cared_for: {relationship: wife, conditions: [mental_health]}\n"
                             "consent: {share_with_support_service: true, date: 2026-11-22}\n"
                             "self: {heard_from: Pharmacy, best_time_to_contact: ' weekday "
                             "evenings after 6 ', working: true}\n";

/* Binds and checks text as a referral of src on 2026-11-22. */
static Carerhub__Referral *s_load(const char *text, Carerhub__Source src, ferrs_t *errs)
{
    ystream_t *s = ytree_parse(text, strlen(text), &s_lim);
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL};
    Carerhub__Referral *r = referral_from_yaml(ystream_doc(s, 0), src, errs);
    if (r && errs->n == 0)
        referral_check(r, src, &ctx, errs);
    ystream_destroy(&s);
    return r;
}

/* True if e holds exactly one problem, for field with code; otherwise says
 * what it holds. */
static bool s_only(const ferrs_t *e, const char *field, const char *code)
{
    if (e->n == 1 && strcmp(e->v[0].field, field) == 0 && strcmp(e->v[0].code, code) == 0)
        return true;
    for (size_t j = 0; j < e->n; j++)
        printf("      got %s: %s: %s\n", e->v[j].field, e->v[j].code, e->v[j].message);
    return false;
}

/* The self referral with one piece of text replaced (from must be in it);
 * its problems in e. */
static Carerhub__Referral *s_variant(const char *from, const char *to, ferrs_t *e)
{
    char text[4096];
    const char *at = strstr(s_self, from);
    if (!at)
        return NULL;
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - s_self), s_self, to, at + strlen(from));
    return s_load(text, CARERHUB__SOURCE__SELF, e);
}

/* The variant has exactly one problem, naming field with code; its
 * message is left in msg. */
#define CHECK_SELF(from, to, field, code, msg)                                                     \
    do {                                                                                           \
        ferrs_t e_ = FERRS_INIT;                                                                   \
        Carerhub__Referral *r_ = s_variant(from, to, &e_);                                         \
        CHECK(r_ != NULL);                                                                         \
        if (!s_only(&e_, field, code)) {                                                           \
            test_fail(__FILE__, __LINE__, "%s -> %s: not only %s %s", from, to, field, code);      \
            return;                                                                                \
        }                                                                                          \
        snprintf(msg, sizeof msg, "%s", e_.v[0].message);                                          \
        ferrs_free(&e_);                                                                           \
        carerhub__referral__free_unpacked(r_, NULL);                                               \
    } while (0)

/* The variant is accepted. */
#define CHECK_SELF_OK(from, to)                                                                    \
    do {                                                                                           \
        ferrs_t e_ = FERRS_INIT;                                                                   \
        Carerhub__Referral *r_ = s_variant(from, to, &e_);                                         \
        CHECK(r_ != NULL);                                                                         \
        if (e_.n) {                                                                                \
            s_only(&e_, "", "");                                                                   \
            test_fail(__FILE__, __LINE__, "%s -> %s was refused", from, to);                       \
            return;                                                                                \
        }                                                                                          \
        carerhub__referral__free_unpacked(r_, NULL);                                               \
    } while (0)

TEST(referral_self_takes_a_carers_own_referral)
{
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_load(s_self, CARERHUB__SOURCE__SELF, &e);
    CHECK(r != NULL);
    if (e.n)
        s_only(&e, "", ""); /* says what they are */
    CHECK_INT(e.n, 0);
    CHECK(r->self != NULL);
    CHECK_STR(r->self->heard_from, "pharmacy");
    CHECK_STR(r->self->best_time_to_contact, "weekday evenings after 6");
    CHECK(r->self->has_working && r->self->working);
    /* The consent, left without given_by, is the carer's own. */
    CHECK_STR(r->consent->given_by, "carer");
    CHECK_STR(r->carer->postcode, "CO1 1AA");
    CHECK(r->referrer == NULL && r->carer->nhs_number == NULL);
    CHECK(r->gp == NULL && r->discharge == NULL && r->school == NULL);
    carerhub__referral__free_unpacked(r, NULL);
}

TEST(referral_self_under_16_is_told_to_ask_their_school_or_gp)
{
    char msg[512];
    /* On 2026-11-22: 15 the day before the 16th birthday; 16 on it. */
    CHECK_SELF("1980-03-14", "2010-11-23", "carer.date_of_birth", "too_young", msg);
    CHECK_CONTAINS(msg, "16");
    CHECK_CONTAINS(msg, "ask someone at your school (a teacher or the school's young carers lead)");
    CHECK_CONTAINS(msg, "or ask your GP practice");
    /* Nothing of the carer: not the date, the age or the name. */
    CHECK(!strstr(msg, "2010") && !strstr(msg, "15") && !strstr(msg, "Tom"));
    CHECK_SELF("1980-03-14", "2016-01-01", "carer.date_of_birth", "too_young", msg);
    CHECK_SELF_OK("1980-03-14", "2010-11-22");
    /* The date of birth is needed to know. */
    CHECK_SELF("  date_of_birth: 1980-03-14\n", "", "carer.date_of_birth", "required", msg);
}

TEST(referral_self_consent_is_the_carers_own)
{
    char msg[512];
    CHECK_SELF("share_with_support_service: true, ",
               "share_with_support_service: true, given_by: "
               "representative, ",
               "consent.given_by", "invalid", msg);
    CHECK_CONTAINS(msg, "must be carer");
    CHECK_SELF("share_with_support_service: true, ",
               "share_with_support_service: true, given_by: parent, ", "consent.given_by",
               "invalid", msg);
    CHECK_SELF("share_with_support_service: true, ",
               "share_with_support_service: true, given_by: pupil, ", "consent.given_by", "invalid",
               msg);
    CHECK_SELF_OK("share_with_support_service: true, ",
                  "share_with_support_service: true, given_by: Carer, ");
    CHECK_SELF("share_with_support_service: true", "share_with_support_service: false",
               "consent.share_with_support_service", "consent", msg);
    CHECK_SELF("share_with_support_service: true, ", "", "consent.share_with_support_service",
               "required", msg);
    CHECK_SELF("consent: {share_with_support_service: true, date: 2026-11-22}\n", "", "consent",
               "required", msg);
}

TEST(referral_self_needs_a_phone_or_an_email_and_a_postcode)
{
    char msg[512];
    CHECK_SELF("  phone: 07700 900777\n", "", "carer.phone", "required", msg);
    CHECK_CONTAINS(msg, "give a phone number or an email address");
    /* An address alone will not do: nobody else knows how to reach them. */
    CHECK_SELF("  phone: 07700 900777\n", "  address: 2 Mill Lane, Colchester\n", "carer.phone",
               "required", msg);
    CHECK_SELF_OK("  phone: 07700 900777\n", "  email: tom@example.org\n");
    CHECK_SELF("  phone: 07700 900777\n", "  phone: call me\n", "carer.phone", "format", msg);
    CHECK_SELF("  postcode: co11aa\n", "", "carer.postcode", "required", msg);
    CHECK_SELF("  given_name: Tom\n", "", "carer.given_name", "required", msg);
    CHECK_SELF("  family_name: Reed\n", "", "carer.family_name", "required", msg);
}

TEST(referral_self_nhs_number_is_optional_and_checked_if_given)
{
    char msg[512];
    CHECK_SELF_OK("  phone: 07700 900777\n", "  phone: 07700 900777\n  nhs_number: 943 476 5919\n");
    CHECK_SELF("  phone: 07700 900777\n", "  phone: 07700 900777\n  nhs_number: 943 476 5918\n",
               "carer.nhs_number", "checksum", msg);
    CHECK_SELF("  phone: 07700 900777\n", "  phone: 07700 900777\n  nhs_number: 1111111111\n",
               "carer.nhs_number", "not_issued", msg);
}

TEST(referral_self_heard_from_and_best_time_to_contact)
{
    char msg[512], longer[400];
    CHECK_SELF("heard_from: Pharmacy", "heard_from: newspaper", "self.heard_from", "invalid", msg);
    CHECK_CONTAINS(msg, "gp, hospital, school, pharmacy, friend_or_family, online or other");
    CHECK_SELF_OK("heard_from: Pharmacy", "heard_from: friend_or_family");
    CHECK_SELF_OK(
        "self: {heard_from: Pharmacy, best_time_to_contact: ' weekday evenings after 6 ', "
        "working: true}\n",
        "");
    memset(longer, 'a', 201);
    longer[201] = '\0';
    CHECK_SELF("weekday evenings after 6", longer, "self.best_time_to_contact", "too_long", msg);
    memset(longer, 'a', 200);
    longer[200] = '\0';
    CHECK_SELF_OK("weekday evenings after 6", longer);
    CHECK_SELF("' weekday evenings after 6 '", "\"after \\x1b[2J six\"",
               "self.best_time_to_contact", "control", msg);
    CHECK_SELF("working: true", "working: sometimes", "self.working", "type", msg);
}

TEST(referral_self_carries_no_other_sources_part)
{
    char msg[512];
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r;
    Carerhub__SelfPart self = CARERHUB__SELF_PART__INIT;
    Carerhub__GpPart gp = CARERHUB__GP_PART__INIT;
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL};

    CHECK_SELF("self: {", "practice: F81001\nself: {", "practice", "wrong_source", msg);
    CHECK_SELF("self: {", "hospital: {trust: RAJ}\nself: {", "hospital", "wrong_source", msg);
    CHECK_SELF("self: {", "safeguarding_referral_made: false\nself: {",
               "safeguarding_referral_made", "wrong_source", msg);
    /* The part's fields go under self:, not beside it. */
    CHECK_SELF("self: {", "working: true\nself: {", "working", "unknown_field", msg);
    CHECK_CONTAINS(msg, "belongs under self:");
    /* And a GP card holds no self part. */
    r = s_load("practice: F81001\nself: {heard_from: gp}\n", CARERHUB__SOURCE__GP, &e);
    CHECK(r != NULL);
    CHECK(ferrs_has(&e, "self"));
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);

    /* Over the wire, where the parts are fields side by side. */
    r = s_variant("self: {", "self: {", &e);
    CHECK(r != NULL && e.n == 0);
    gp.practice = "F81001";
    r->gp = &gp;
    referral_check(r, CARERHUB__SOURCE__SELF, &ctx, &e);
    r->gp = NULL;
    CHECK(s_only(&e, "practice", "wrong_source"));
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
    r = s_variant("self: {", "self: {", &e);
    CHECK(r != NULL && e.n == 0);
    r->referrer = xcalloc(1, sizeof *r->referrer);
    carerhub__referrer__init(r->referrer);
    r->referrer->name = xstrdup("A Patel");
    r->referrer->phone = xstrdup("01245 000000");
    r->gp = xcalloc(1, sizeof *r->gp);
    carerhub__gp_part__init(r->gp);
    r->gp->practice = xstrdup("F81001");
    self.working = self.has_working = true;
    carerhub__self_part__free_unpacked(r->self, NULL);
    r->self = &self;
    referral_check(r, CARERHUB__SOURCE__GP, &ctx, &e);
    r->self = NULL;
    CHECK(s_only(&e, "self.working", "wrong_source"));
    ferrs_free(&e);
    carerhub__referral__free_unpacked(r, NULL);
}

TEST(referral_self_referrer_is_not_needed_but_checked_if_given)
{
    char msg[512];
    CHECK_SELF("cared_for:", "referrer: {phone: 01206 000000}\ncared_for:", "referrer.name",
               "required", msg);
    CHECK_SELF_OK("cared_for:", "referrer: {name: Ann Reed, phone: 01206 000000}\ncared_for:");
}

TEST(referral_self_source_has_no_referring_organisation)
{
    Carerhub__Source src;
    participant_t public = {"web/public", ROLE_SELF, NULL, 0, ""};
    Carerhub__Referral ref = CARERHUB__REFERRAL__INIT;
    role_t role;
    CHECK_STR(referral_source_name(CARERHUB__SOURCE__SELF), "self");
    CHECK(referral_source_parse("self", &src) == 0 && src == CARERHUB__SOURCE__SELF);
    CHECK_STR(referral_id_prefix(CARERHUB__SOURCE__SELF), "SR");
    CHECK(referral_source_of_id("SR-K2F4-17", &src) == 0 && src == CARERHUB__SOURCE__SELF);
    CHECK_STR(referral_intake_name(CARERHUB__SOURCE__SELF), "self-intake");
    CHECK_STR(referral_intake_program(CARERHUB__SOURCE__SELF), "carerhub-self-intake");
    CHECK_INT(referral_route_source(CARERHUB__SOURCE__SELF), ROUTE_SRC_SELF);
    CHECK(referral_submitter_role(CARERHUB__SOURCE__SELF, &role) == 0 && role == ROLE_SELF);
    CHECK_STR(role_name(ROLE_SELF), "self");
    CHECK(referral_org_field(CARERHUB__SOURCE__SELF) == NULL);
    /* Nobody can ask after a carer's own referral as its referrer. */
    ref.has_source = true;
    ref.source = CARERHUB__SOURCE__SELF;
    CHECK(referral_org(&ref) == NULL);
    CHECK(!referral_is_referrers(&public, &ref));
    /* Counted as referred by the public; a referral of no organisation and
     * no source, by nobody known. */
    CHECK_STR(referral_referrer_code(&ref), "public");
    ref.source = CARERHUB__SOURCE__GP;
    CHECK(referral_referrer_code(&ref) == NULL);
    CHECK(!role_is_referrer(ROLE_SELF));
    CHECK(role_is_referrer(ROLE_GP));
}
