/*
 * Referrals: reading them from YAML referral files, checking them against
 * the rules of their source, and the carer key used to match a carer's
 * referrals into one case. Every problem is reported with the field as the
 * referrer wrote it (carer.postcode, hospital.trust, practice), a short code
 * and a sentence for a person.
 *
 * A referral's source part sits at the top level of its YAML file (practice:,
 * hospital:, school:), in the Referral message under gp, discharge or school;
 * a carer's own referral (source self) has its part under self: in both, and
 * another professional's (source professional) under professional:.
 */
#ifndef CARERHUB_REFERRAL_H
#define CARERHUB_REFERRAL_H

#include "carerhub.pb-c.h"
#include "conf/ytree.h"
#include "domain/geo.h"
#include "domain/participants.h"
#include "domain/route.h"
#include "util/date.h"

#include <stdbool.h>
#include <stddef.h>

/* Field errors. */
typedef struct {
    char *field;   /* e.g. "carer.postcode" */
    char *code;    /* e.g. "required", "format", "checksum" */
    char *message; /* a sentence */
} ferr_t;

typedef struct {
    ferr_t *v;
    size_t n, cap;
} ferrs_t;

#define FERRS_INIT                                                                                 \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }
#define FERRS_MAX 100 /* more are counted into one last error */

void ferrs_add(ferrs_t *e, const char *field, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ferrs_free(ferrs_t *e);
/* True if some error names this field. */
bool ferrs_has(const ferrs_t *e, const char *field);

/* --- sources (referral_source.c) ---------------------------------------- */

/* "gp", "discharge", "school", "self", "professional"; "" for anything
 * else. */
const char *referral_source_name(Carerhub__Source s);
/* Parses a source name; returns 0 or -1. */
int referral_source_parse(const char *name, Carerhub__Source *out);
/* The route engine's view of a source. */
route_src_t referral_route_source(Carerhub__Source s);
/* The prefix of the ids the source's intake gives (GP, HD, SC, SR, PR), or
 * NULL.
 * An id is PREFIX-EPOCH-SEQ. */
const char *referral_id_prefix(Carerhub__Source s);
/* Whether id could be a referral id: 1-REFERRAL_ID_MAX letters, digits
 * and dashes (what every receiver checks before using one as a key). */
#define REFERRAL_ID_MAX 64
bool referral_id_ok(const char *id);
/* Whether id is a case id as the router gives them: "C-" and 6 to
 * CASE_ID_MAX - 2 digits (C-000001). Provider agents name files after it. */
#define CASE_ID_MAX 24
bool case_id_ok(const char *id);
/* True if id begins with the source's prefix and a dash. */
bool referral_id_of_source(const char *id, Carerhub__Source s);
/* The source whose intake gives ids like this one; returns 0 or -1. */
int referral_source_of_id(const char *id, Carerhub__Source *out);
/* The name of the source's intake (gp-intake): its key, its data
 * directory, its section of the configuration; or NULL. */
const char *referral_intake_name(Carerhub__Source s);
/* The program of the source's intake (carerhub-gp-intake), or NULL. */
const char *referral_intake_program(Carerhub__Source s);
/* The role whose keys submit referrals of the source; returns 0 or -1.
 * For self it is ROLE_SELF, which no key has: the public, as a gateway
 * acts for it (secure_acting_public). */
int referral_submitter_role(Carerhub__Source s, role_t *out);
/* Whether role is a referrer's: the role that submits some source for an
 * organisation (gp, hospital, school, professional); not self, the public, which asks
 * after no referral. */
bool role_is_referrer(role_t role);
/* Whether ref is the referrer who's own: who is of the role that submits
 * ref's source, and its scope covers the referring organisation
 * (referral_org). The one rule for what a referrer may see, cancel or be
 * recorded as having sent; false if either is NULL. */
bool referral_is_referrers(const participant_t *who, const Carerhub__Referral *ref);
/* The field naming the referring organisation (practice, hospital.trust,
 * school.urn, professional.organisation), which the submitting key's scope
 * must cover; or NULL (self: no organisation refers). */
const char *referral_org_field(Carerhub__Source s);
/* The field that names the referring organisation in r, a referral of
 * source s: referral_org_field's, except for a professional's organisation
 * that gives no ODS code, known by professional.organisation_name. */
const char *referral_org_field_of(const Carerhub__Referral *r, Carerhub__Source s);
/* The referring organisation's code as the referral gives it (for a
 * professional's organisation without an ODS code, its name), or NULL
 * (always for a carer's own referral). Borrowed from r. */
const char *referral_org(const Carerhub__Referral *r);
/* Who referred, as statistics and reports count referrers: the
 * organisation's code, "public" for a carer's own referral, or NULL. */
const char *referral_referrer_code(const Carerhub__Referral *r);

/* Binds one YAML document of a referral file. Returns a new Referral
 * (free with carerhub__referral__free_unpacked(r, NULL)) holding every field
 * that could be read; what could not (unknown keys, a field of another
 * source, a list where a value belongs, a value that is not true or false)
 * is added to errs. Returns NULL only when the document is not a mapping. */
Carerhub__Referral *referral_from_yaml(const ynode_t *doc, Carerhub__Source src, ferrs_t *errs);

typedef struct {
    date_t today;       /* the day of referral */
    const geo_t *geo;   /* postcode districts, for "unknown postcode"; NULL: skip */
    route_unit_fn unit; /* the unit table, also consulted; NULL: none */
    void *unit_arg;
    bool test_nhs_numbers; /* accept NHS numbers of the test range (a training hub:
                            * referrals.test_nhs_numbers); false refuses them */
} referral_ctx_t;

/* Checks r as a referral from src: required fields, formats, check digits,
 * dates real and not in the future, UTF-8 text of sane length, consent to
 * share, and the rules of the source (for self, a carer's own referral: 16
 * or over, the carer's own consent, a phone number or an email address,
 * no referrer needed); what it says of the caring (caring, impact,
 * requests; up to REFERRAL_CARED_FOR_MAX people cared for, cared_for then
 * more_cared_for; equality only with consent.equality_monitoring); for
 * professional, the organisation's ODS code or name and the referrer's
 * role (referral_professional.c). An NHS
 * number that passes its check
 * digit but is issued to nobody (nhs_number_range) is refused with code
 * not_issued: one digit repeated always, the test range unless
 * ctx->test_nhs_numbers. Normalises what it accepts in place (postcode
 * spacing, NHS number digits, code case). Returns 0 if r is fit to accept,
 * -1 with every problem in errs. Fields set by the hub (id, source,
 * received_at, referral_date, submitted_by) are not looked at. */
int referral_check(Carerhub__Referral *r, Carerhub__Source src, const referral_ctx_t *ctx,
                   ferrs_t *errs);

/* Reports protobuf fields this version does not know, anywhere in m. */
void referral_check_unknown(const ProtobufCMessage *m, const char *path, ferrs_t *errs);

/* Keys that tell one carer from another (referral_match.c). Names are
 * folded: case, accents, spaces, hyphens and apostrophes do not count
 * ("O'Brien-Smith" and "obrien smith" match; Siân and Sian match). */
enum { REFERRAL_KEYS_MAX = 2 };
/* The keys that join a carer without an NHS number on one side: folded
 * family name, given name and date of birth, with the postcode
 * ("smith\x1fann\x1f1961-04-02\x1fp:CM20AA") and with the phone number
 * (digits only, +44 as 0). Returns how many (0 if a name or the date of
 * birth is missing). */
size_t referral_person_keys(const Carerhub__Carer *c, char keys[][512]);
/* The NHS number and date of birth ("9434765919\x1f1961-04-02"); with dob
 * NULL, the prefix every date of birth of that number shares. Returns 0, or
 * -1 if a part is missing. */
int referral_nhs_key(const char *nhs, const char *dob, char *out, size_t outsz);
/* Folds a name for matching into out; returns its length. */
size_t referral_fold_name(const char *in, char *out, size_t outsz);
/* The carer as now known: each non-empty field of newer overwrites into's
 * (created if NULL); a postcode that changes brings its address with it,
 * or none, so that an old address never stands beside a new postcode. */
void referral_carer_merge(Carerhub__Carer **into, const Carerhub__Carer *newer);

/* --- rules (referral_rules.c) ------------------------------------------ */

/* A discharge whose patient goes home within 48 hours of the referral. */
bool referral_urgent(const Carerhub__Referral *r);
/* Priority: the carer cares 50 or more hours a week and does not feel able
 * to go on caring (caring.hours_per_week 50_or_more, able_to_continue no),
 * or the patient of a discharge goes home within 48 hours of day on
 * (referral_urgent's rule). *reason (if reason) is set to the why in
 * words, no personal data, or NULL. Equality never enters into it. */
bool referral_priority(const Carerhub__Referral *r, date_t on, const char **reason);
/* A case's priority now, from its n referrals still standing (refs, in the
 * order taken, the newest last), judged on day on (the newest's day of
 * referral): the caring as now known (the newest answer to hours_per_week
 * and to able_to_continue across them) is 50 or more hours and "no", or a
 * discharge within 48 hours of its referral whose day (and two days after
 * its referral) has not passed by on. *reason as referral_priority's. */
bool referral_priority_now(const Carerhub__Referral *const *refs, size_t n, date_t on,
                           const char **reason);
/* Under 18 (age from referral_carer_age; -1, unknown, is an adult). */
bool referral_young_carer(int age);
/* 17: a young carer about to move to adult services. */
bool referral_transition(int age);
/* Whether a carer of this age on the day of referral could be real for a
 * referral from src: 5 to 110 for a GP practice, a hospital and a carer's
 * own (younger or older is a mistyped date of birth), 4 to 25 for a school,
 * which refers its pupils. */
bool referral_age_plausible(Carerhub__Source src, int age);
#define REFERRAL_AGE_MIN       5
#define REFERRAL_AGE_MAX       110
#define REFERRAL_PUPIL_AGE_MIN 4
#define REFERRAL_PUPIL_AGE_MAX 25
/* The youngest a carer may be to refer themselves (source self); a
 * younger one is referred by their school or GP practice. */
#define REFERRAL_SELF_MIN_AGE 16

/* Age of the carer in whole years on the referral date, or -1 if unknown. */
int referral_carer_age(const Carerhub__Referral *r);

/* A copy of a referral (deep). */
Carerhub__Referral *referral_dup(const Carerhub__Referral *r);

#endif
