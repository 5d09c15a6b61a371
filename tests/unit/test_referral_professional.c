/*
 * Unit tests of another professional's referral (source professional):
 * the samples of config/samples/professional.yaml, the checks of the
 * professional part (referral_professional.c) and where it binds in YAML,
 * the source's names, and the scope of a key of role professional: in the
 * participants file, in referral_is_referrers, and at a professional
 * intake, which refuses a referral for an organisation its key is not for.
 * Referrals are checked on 2026-11-22 unless they go through the intake.
 */
#include "test.h"

#include "clnt/clnt.h"
#include "fixture.h"
#include "intake/intake_impl.h"
#include "util/file.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_SAMPLES "config/samples/professional.yaml"

static const ylimits_t s_lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 4u << 20};

/* A professional's referral around part (the YAML of its professional:
 * line, or "" for none) and more (other top-level lines). */
#define S_REST                                                                                     \
    "referrer: {name: Sam Okafor, phone: 01632 960100}\n"                                          \
    "carer: {given_name: Maria, family_name: Lewis, date_of_birth: 1958-06-14,\n"                  \
    "        postcode: CO1 1AA, phone: 07700 900311}\n"                                            \
    "cared_for: {relationship: husband, conditions: [dementia]}\n"                                 \
    "consent: {share_with_support_service: true, given_by: carer, date: 2026-11-20}\n"

/* Binds and (if it binds) checks text as source src; returns the
 * referral, its problems in e. */
static Carerhub__Referral *s_load(const char *text, Carerhub__Source src, ferrs_t *e)
{
    ystream_t *s = ytree_parse(text, strlen(text), &s_lim);
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL, false};
    Carerhub__Referral *r = referral_from_yaml(ystream_doc(s, 0), src, e);
    if (r && e->n == 0)
        referral_check(r, src, &ctx, e);
    ystream_destroy(&s);
    return r;
}

/* The problems of a professional's referral of part and more, as
 * "field code" lines, one after another. */
static char *s_problems(const char *part, const char *more)
{
    char *text = xasprintf("%s%s" S_REST, part, more);
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_load(text, CARERHUB__SOURCE__PROFESSIONAL, &e);
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < e.n; i++)
        buf_printf(&b, "%s %s\n", e.v[i].field, e.v[i].code);
    if (r)
        carerhub__referral__free_unpacked(r, NULL);
    ferrs_free(&e);
    free(text);
    return b.data ? b.data : xstrdup("");
}

#define CHECK_PROBLEMS(part, more, want)                                                           \
    do {                                                                                           \
        char *got_ = s_problems(part, more);                                                       \
        CHECK_STR(got_, want);                                                                     \
        free(got_);                                                                                \
    } while (0)

TEST(professional_samples_are_accepted)
{
    referral_ctx_t ctx = {date_from_ymd(2026, 11, 22), NULL, NULL, NULL, false};
    const char *orgs[] = {"Essex Wellbeing Service", "FAX12", "Example Logistics Carers Network"};
    const char *roles[] = {"wellbeing_adviser", "pharmacy", "employer"};
    const char *fields[] = {"professional.organisation_name", "professional.organisation",
                            "professional.organisation_name"};
    for (size_t i = 0; i < 3; i++) {
        Carerhub__Referral *r = fixture_sample(S_SAMPLES, CARERHUB__SOURCE__PROFESSIONAL, i);
        ferrs_t e = FERRS_INIT;
        CHECK(r != NULL);
        CHECK_INT(referral_check(r, CARERHUB__SOURCE__PROFESSIONAL, &ctx, &e), 0);
        CHECK_STR(r->professional->role, roles[i]);
        CHECK_STR(referral_org(r), orgs[i]);
        CHECK_STR(referral_org_field_of(r, CARERHUB__SOURCE__PROFESSIONAL), fields[i]);
        ferrs_free(&e);
        carerhub__referral__free_unpacked(r, NULL);
    }
    CHECK(fixture_sample(S_SAMPLES, CARERHUB__SOURCE__PROFESSIONAL, 3) == NULL);
}

TEST(professional_part_is_checked_field_by_field)
{
    /* The part, the organisation and the role are each required. */
    CHECK_PROBLEMS("", "", "professional required\n");
    CHECK_PROBLEMS("professional: {role: pharmacy}\n", "", "professional.organisation required\n");
    CHECK_PROBLEMS("professional: {organisation: \"  \", organisation_name: \"\", role: other}\n",
                   "", "professional.organisation required\n");
    CHECK_PROBLEMS("professional: {organisation: FAX12}\n", "", "professional.role required\n");
    /* An ODS code is 3 to 6 letters and digits. */
    CHECK_PROBLEMS("professional: {organisation: FA-12, role: pharmacy}\n", "",
                   "professional.organisation format\n");
    CHECK_PROBLEMS("professional: {organisation: FAX1234, role: pharmacy}\n", "",
                   "professional.organisation format\n");
    CHECK_PROBLEMS("professional: {organisation: F8, role: pharmacy}\n", "",
                   "professional.organisation format\n");
    CHECK_PROBLEMS("professional: {organisation: \"8HV48\", role: pharmacy}\n", "", "");
    /* A name of 100 characters will do; 101 will not. */
    {
        char name[102], part[200];
        memset(name, 'n', 101);
        name[101] = '\0';
        snprintf(part, sizeof part, "professional: {organisation_name: %s, role: employer}\n",
                 name);
        CHECK_PROBLEMS(part, "", "professional.organisation_name too_long\n");
        name[100] = '\0';
        snprintf(part, sizeof part, "professional: {organisation_name: %s, role: employer}\n",
                 name);
        CHECK_PROBLEMS(part, "", "");
    }
    CHECK_PROBLEMS("professional: {organisation: FAX12, role: chemist}\n", "",
                   "professional.role invalid\n");
}

TEST(professional_values_are_normalised)
{
    char *text = xasprintf("professional: {organisation: \" fax12 \", role: Wellbeing_Adviser}\n"
                           "%s",
                           S_REST);
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_load(text, CARERHUB__SOURCE__PROFESSIONAL, &e);
    CHECK(r != NULL);
    CHECK_INT(e.n, 0);
    CHECK_STR(r->professional->organisation, "FAX12");
    CHECK_STR(r->professional->role, "wellbeing_adviser");
    CHECK_STR(referral_org(r), "FAX12");
    CHECK_STR(referral_referrer_code(r), "FAX12");
    carerhub__referral__free_unpacked(r, NULL);
    ferrs_free(&e);
    free(text);
}

/* The rules of a GP card: a referrer to call back, the consent of the
 * carer or their representative (not a pupil's or a parent's). */
TEST(professional_referral_needs_a_referrer_and_adult_consent)
{
    const char *part = "professional: {organisation: FAX12, role: pharmacy}\n";
    char *text = xasprintf("%s"
                           "referrer: {name: Sam Okafor}\n"
                           "carer: {given_name: Maria, family_name: Lewis, date_of_birth: "
                           "1958-06-14, postcode: CO1 1AA, phone: 07700 900311}\n"
                           "cared_for: {relationship: husband}\n"
                           "consent: {share_with_support_service: false, given_by: parent, "
                           "date: 2026-11-20}\n",
                           part);
    ferrs_t e = FERRS_INIT;
    Carerhub__Referral *r = s_load(text, CARERHUB__SOURCE__PROFESSIONAL, &e);
    CHECK(ferrs_has(&e, "referrer.phone"));
    CHECK(ferrs_has(&e, "consent.share_with_support_service"));
    CHECK(ferrs_has(&e, "consent.given_by"));
    CHECK_INT(e.n, 3);
    carerhub__referral__free_unpacked(r, NULL);
    ferrs_free(&e);
    free(text);
    text = xasprintf("%s"
                     "carer: {given_name: Maria, family_name: Lewis, date_of_birth: 1958-06-14, "
                     "postcode: CO1 1AA, phone: 07700 900311}\n"
                     "cared_for: {relationship: husband}\n"
                     "consent: {share_with_support_service: true, given_by: representative, "
                     "date: 2026-11-20}\n",
                     part);
    r = s_load(text, CARERHUB__SOURCE__PROFESSIONAL, &e);
    CHECK(ferrs_has(&e, "referrer"));
    CHECK_INT(e.n, 1);
    carerhub__referral__free_unpacked(r, NULL);
    ferrs_free(&e);
    free(text);
}

/* The part has its own key; its fields at the top level, another source's
 * part, and an unknown field of it are each named. */
TEST(professional_part_binds_under_its_own_key)
{
    CHECK_PROBLEMS("professional: {organisation: FAX12, role: pharmacy, team: x}\n", "",
                   "professional.team unknown_field\n");
    CHECK_PROBLEMS("professional: {organisation: FAX12}\n", "role: pharmacy\n",
                   "role unknown_field\n");
    CHECK_PROBLEMS("professional: {organisation: FAX12, role: pharmacy}\n", "practice: F81001\n",
                   "practice wrong_source\n");
    CHECK_PROBLEMS("professional: {organisation: FAX12, role: pharmacy}\n",
                   "self: {heard_from: gp}\n", "self wrong_source\n");
    CHECK_PROBLEMS("professional: pharmacy\n", "", "professional type\n");
}

TEST(professional_source_names)
{
    Carerhub__Source src;
    role_t role;
    CHECK_INT(referral_source_parse("professional", &src), 0);
    CHECK_INT(src, CARERHUB__SOURCE__PROFESSIONAL);
    CHECK_STR(referral_source_name(src), "professional");
    CHECK_STR(referral_id_prefix(src), "PR");
    CHECK(referral_id_of_source("PR-20261122-1", src));
    CHECK(!referral_id_of_source("GP-20261122-1", src));
    CHECK_INT(referral_source_of_id("PR-20261122-1", &src), 0);
    CHECK_INT(src, CARERHUB__SOURCE__PROFESSIONAL);
    CHECK_STR(referral_intake_name(src), "professional-intake");
    CHECK_STR(referral_intake_program(src), "carerhub-professional-intake");
    CHECK_INT(referral_submitter_role(src, &role), 0);
    CHECK_INT(role, ROLE_PROFESSIONAL);
    CHECK_STR(role_name(role), "professional");
    CHECK(role_is_referrer(ROLE_PROFESSIONAL));
    CHECK_STR(referral_org_field(src), "professional.organisation");
    CHECK_INT(referral_route_source(src), ROUTE_SRC_PROFESSIONAL);
}

/* A professional key's referrals are those of the organisations its scope
 * lists, by code or by name; a GP key with the same code is not a
 * professional's. */
TEST(professional_scope_is_the_organisations_own)
{
    char *scopes[] = {"FAX12", "Example Logistics Carers Network"};
    participant_t pro = {"pharmacy", ROLE_PROFESSIONAL, scopes, 2, ""};
    participant_t gp = {"gp", ROLE_GP, scopes, 2, ""};
    Carerhub__Referral ref = CARERHUB__REFERRAL__INIT;
    Carerhub__ProfessionalPart part = CARERHUB__PROFESSIONAL_PART__INIT;
    ref.professional = &part;
    ref.has_source = true;
    ref.source = CARERHUB__SOURCE__PROFESSIONAL;
    part.organisation = "FAX12";
    CHECK(referral_is_referrers(&pro, &ref));
    CHECK(!referral_is_referrers(&gp, &ref));
    part.organisation = "FAY99";
    CHECK(!referral_is_referrers(&pro, &ref));
    /* With a code, the code decides, whatever the name. */
    part.organisation_name = "Example Logistics Carers Network";
    CHECK(!referral_is_referrers(&pro, &ref));
    part.organisation = NULL;
    CHECK(referral_is_referrers(&pro, &ref));
    part.organisation_name = "Example Logistics";
    CHECK(!referral_is_referrers(&pro, &ref));
}

static int s_participants(const char *text, diag_t *d)
{
    char *path = xasprintf("%s/pro.participants.yaml", test_tmpdir());
    participants_t *p;
    int rc;
    if (file_write_atomic(path, text, strlen(text), 0600) < 0) {
        free(path);
        return -2;
    }
    p = participants_load(path, d);
    rc = p ? 0 : -1;
    participants_destroy(&p);
    free(path);
    return rc;
}

TEST(professional_participants_scope_is_a_code_or_a_name)
{
    diag_t d = DIAG_INIT;
    CHECK_INT(
        s_participants("participants:\n"
                       "  - {id: p, role: professional, scope: [FAX12, \"8HV48\", Essex "
                       "Wellbeing Service], key: \"YEniVKf}dK<&<[p8%YMgbbU{<sK+ARe.P>LUuR5A\"}\n"
                       "  - {id: pi, role: intake, scope: professional, key: "
                       "\"qq[.V0<Xir!=qFhi{&<KP=MJXVu3n%0-z.*=A%^3\"}\n",
                       &d),
        0);
    diag_free(&d);
    CHECK_INT(s_participants("participants:\n"
                             "  - {id: p, role: professional, scope: \"tab\\there\", key: "
                             "\"YEniVKf}dK<&<[p8%YMgbbU{<sK+ARe.P>LUuR5A\"}\n"
                             "  - {id: q, role: professional, key: "
                             "\"qq[.V0<Xir!=qFhi{&<KP=MJXVu3n%0-z.*=A%^3\"}\n",
                             &d),
              -1);
    CHECK_INT(d.n, 2);
    CHECK_CONTAINS(d.msgs[0], "participant p: a professional scope is an organisation's ODS code");
    CHECK_CONTAINS(d.msgs[1], "participant q: a professional needs a scope");
    diag_free(&d);
}

/* --- at the intake --------------------------------------------------- */

static const intake_kind_t s_kind = {CARERHUB__SOURCE__PROFESSIONAL, NULL};

/* Submits r to a professional intake (a fresh spool) from the key of
 * kp[1], listed with scope (YAML); returns the reply (free it), or NULL. */
static Carerhub__Envelope *s_at_intake(const keypair_t *kp, const char *scope,
                                       Carerhub__Referral *r)
{
    static int runs;
    intake_t in;
    intake_batch_t b;
    Carerhub__Envelope *env = NULL, *rep = NULL;
    wire_peer_t peer;
    void *client;
    char *parts, *dir;
    int ms = 2000;

    memset(&in, 0, sizeof in);
    memset(&b, 0, sizeof b);
    parts =
        xasprintf("participants:\n  - {id: pro, role: professional, scope: [%s], key: \"%s\"}\n",
                  scope, kp[1].pub);
    in.kind = &s_kind;
    if (fixture_conf(parts, "", &in.conf, &in.rt) < 0) {
        free(parts);
        return NULL;
    }
    free(parts);
    in.ic = hubconf_intake(in.conf, "professional-intake");
    in.sec = secure_start(in.conf, "professional-intake");
    dir = xasprintf("%s/pro-spool-%d", test_tmpdir(), ++runs);
    file_private_dir(dir);
    intake_spool_open(&in, dir);
    b.in = &in;
    b.tokens = smap_new();
    b.resends = smap_new();
    in.front = daemon_socket(ZMQ_ROUTER);
    daemon_bind(in.front, "inproc://professional-intake-test");
    client = daemon_socket(ZMQ_DEALER);
    daemon_connect(client, "inproc://professional-intake-test");
    zmq_setsockopt(in.front, ZMQ_RCVTIMEO, &ms, sizeof ms);
    zmq_setsockopt(client, ZMQ_RCVTIMEO, &ms, sizeof ms);
    if (intake_clnt_submit(client, 1, NULL, r) == 0 &&
        wire_recv(in.front, true, &peer, &env, 0) == WIRE_OK) {
        snprintf(peer.user, sizeof peer.user, "%s", kp[1].pub);
        intake_submit(&in, &b, &peer, env);
        intake_commit(&in, &b);
        if (wire_recv(client, false, NULL, &rep, 0) != WIRE_OK)
            rep = NULL;
    }
    for (size_t i = 0; i < b.n; i++)
        carerhub__envelope__free_unpacked(b.items[i].env, NULL);
    free(b.items);
    smap_destroy(&b.tokens);
    smap_destroy(&b.resends);
    zmq_close(client);
    zmq_close(in.front);
    store_close(&in.store);
    secure_stop(&in.sec);
    daemon_zmq_term();
    route_destroy(&in.rt);
    hubconf_destroy(&in.conf);
    free(dir);
    return rep;
}

/* The one error of rep naming field with code, or NULL. */
static const Carerhub__FieldError *s_error(const Carerhub__Envelope *rep, const char *field,
                                           const char *code)
{
    const Carerhub__SubmitReply *sr = rep ? rep->submit_reply : NULL;
    for (size_t i = 0; sr && i < sr->n_errors; i++)
        if (strcmp(sr->errors[i]->field, field) == 0 && strcmp(sr->errors[i]->code, code) == 0)
            return sr->errors[i];
    return NULL;
}

TEST(professional_intake_takes_only_its_keys_organisations)
{
    Carerhub__Referral *wellbeing = fixture_sample(S_SAMPLES, CARERHUB__SOURCE__PROFESSIONAL, 0);
    Carerhub__Referral *pharmacy = fixture_sample(S_SAMPLES, CARERHUB__SOURCE__PROFESSIONAL, 1);
    const char *names[] = {"professional-intake", "pro"};
    keypair_t kp[2];
    Carerhub__Envelope *rep;
    const Carerhub__FieldError *fe;
    CHECK(wellbeing && pharmacy);
    CHECK_INT(fixture_keys(names, 2, kp), 0);
    /* Its own, by name: accepted, with an id of the source's prefix. */
    rep = s_at_intake(kp, "Essex Wellbeing Service", wellbeing);
    CHECK(rep && rep->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY);
    CHECK_INT(rep->submit_reply->status, CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED);
    CHECK(strncmp(rep->submit_reply->referral_id, "PR-", 3) == 0);
    carerhub__envelope__free_unpacked(rep, NULL);
    /* Another organisation's, by name, then by code: refused, naming the
     * field that names the organisation. */
    rep = s_at_intake(kp, "FAX12", wellbeing);
    CHECK(rep && rep->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY);
    CHECK_INT(rep->submit_reply->status, CARERHUB__SUBMIT_REPLY__STATUS__REJECTED);
    CHECK((fe = s_error(rep, "professional.organisation_name", "forbidden")) != NULL);
    CHECK_CONTAINS(fe->message, "Essex Wellbeing Service is not yours to refer for");
    CHECK_INT(rep->submit_reply->n_errors, 1);
    carerhub__envelope__free_unpacked(rep, NULL);
    rep = s_at_intake(kp, "\"Essex Wellbeing Service\"", pharmacy);
    CHECK(rep && rep->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY);
    CHECK_INT(rep->submit_reply->status, CARERHUB__SUBMIT_REPLY__STATUS__REJECTED);
    CHECK(s_error(rep, "professional.organisation", "forbidden") != NULL);
    CHECK_INT(rep->submit_reply->n_errors, 1);
    carerhub__envelope__free_unpacked(rep, NULL);
    carerhub__referral__free_unpacked(wellbeing, NULL);
    carerhub__referral__free_unpacked(pharmacy, NULL);
}
