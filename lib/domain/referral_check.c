/*
 * Referral checks: see referral.h. The common part first (referrer, carer,
 * cared for, consent), then the part of the source. Every field is checked
 * even after an error so that the referrer can put everything right at once.
 * The rules of one value are referral_fields.c's; what differs for a
 * carer's own referral is referral_self.c's, for another professional's
 * referral_professional.c's.
 */
#include "domain/referral_impl.h"

#include "domain/codes.h"
#include "domain/postcode.h"
#include "util/mem.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- parts ------------------------------------------------------------------ */

static void s_referrer(ferrs_t *e, Carerhub__Referrer *r)
{
    if (!r) {
        ferrs_add(e, "referrer", "required",
                  "is required: who is referring, and how to "
                  "reach them");
        return;
    }
    referral_field_text(e, "referrer.name", &r->name, REFERRAL_NAME_MAX, true, false);
    referral_field_phone(e, "referrer.phone", &r->phone, false);
    referral_field_email(e, "referrer.email", &r->email, false);
    if (text_is_blank(r->phone) && text_is_blank(r->email))
        ferrs_add(e, "referrer.phone", "required",
                  "give a phone number or an email address "
                  "for the referrer");
}

/* route_postcode_check's judgement, which `carerhub route` shares. */
static void s_postcode(ferrs_t *e, char **val, const referral_ctx_t *ctx)
{
    char pc[POSTCODE_MAX];
    route_pc_t why;
    buf_t msg = BUF_INIT;
    if (!referral_field_visible(e, "carer.postcode", val, "postcode") ||
        !referral_field_text(e, "carer.postcode", val, 16, true, false))
        return;
    why = route_postcode_check(ctx->geo, ctx->unit, ctx->unit_arg, *val, pc);
    if (why != ROUTE_PC_OK) {
        route_postcode_problem(why, *val, pc, &msg);
        ferrs_add(e, "carer.postcode", route_postcode_code(why), "%s", msg.data);
        buf_free(&msg);
        return;
    }
    free(*val);
    *val = xstrdup(pc);
}

static void s_carer(ferrs_t *e, Carerhub__Carer *c, Carerhub__Source src, const referral_ctx_t *ctx,
                    date_t *dob, bool *dob_ok)
{
    static const char *const contact[] = {"phone", "email", "post", NULL};
    *dob_ok = false;
    if (!c) {
        ferrs_add(e, "carer", "required",
                  "is required: who the carer is and how to reach "
                  "them");
        return;
    }
    referral_field_text(e, "carer.given_name", &c->given_name, REFERRAL_NAME_MAX, true, false);
    referral_field_text(e, "carer.family_name", &c->family_name, REFERRAL_NAME_MAX, true, false);
    *dob_ok = referral_field_date(e, "carer.date_of_birth", &c->date_of_birth, true,
                                  ctx->today - 366 * 120, ctx->today, "is in the future",
                                  "is more than 120 years ago", dob);
    s_postcode(e, &c->postcode, ctx);
    referral_field_text(e, "carer.address", &c->address, REFERRAL_ADDRESS_MAX, false, true);
    referral_field_phone(e, "carer.phone", &c->phone, false);
    referral_field_email(e, "carer.email", &c->email, false);
    referral_field_text(e, "carer.language", &c->language, REFERRAL_SHORT_MAX, false, false);
    referral_field_nhs(e, "carer.nhs_number", &c->nhs_number, false, ctx);
    referral_field_choice(e, "carer.preferred_contact", &c->preferred_contact, false, contact);
    if (src == CARERHUB__SOURCE__SELF)
        referral_self_contact(e, c);
    else if (text_is_blank(c->phone) && text_is_blank(c->email) && text_is_blank(c->address))
        ferrs_add(e, "carer.phone", "required",
                  "give at least one way to reach the carer: "
                  "phone, email or address");
    if (c->preferred_contact && !ferrs_has(e, "carer.preferred_contact")) {
        const char *p = c->preferred_contact;
        if ((strcmp(p, "phone") == 0 && text_is_blank(c->phone)) ||
            (strcmp(p, "email") == 0 && text_is_blank(c->email)) ||
            (strcmp(p, "post") == 0 && text_is_blank(c->address)))
            ferrs_add(e, "carer.preferred_contact", "invalid", "is %s, but no %s is given", p,
                      strcmp(p, "post") == 0 ? "address" : p);
    }
}

/* A date of birth that is a real date but no carer's of this source's:
 * mistyped, most likely (this year's for 1961). A school's pupils are
 * checked in s_school; a carer under 16 who refers themselves is told
 * where to ask in referral_self_check. */
static void s_age(ferrs_t *e, const Carerhub__Carer *c, Carerhub__Source src,
                  const referral_ctx_t *ctx, date_t dob, bool dob_ok)
{
    int age;
    if (!dob_ok || src == CARERHUB__SOURCE__SCHOOL)
        return;
    age = date_age(dob, ctx->today);
    if (referral_age_plausible(src, age))
        return;
    if (src != CARERHUB__SOURCE__SELF)
        ferrs_add(e, "carer.date_of_birth", "implausible",
                  "a carer born %s would be %d on the referral date: check the date of birth",
                  c->date_of_birth, age);
    else if (age > REFERRAL_AGE_MAX) /* said to the carer: nothing of what they wrote */
        ferrs_add(e, "carer.date_of_birth", "implausible",
                  "is more than %d years ago: check the date of birth you gave", REFERRAL_AGE_MAX);
}

/* One person cared for, named in errors by prefix (cared_for, or
 * cared_for[2] when the referral lists several). */
static void s_cared_for(ferrs_t *e, Carerhub__CaredFor *c, const char *prefix)
{
    static const char *const kinds[] = {"physical_disability",
                                        "long_term_illness",
                                        "dementia",
                                        "mental_health",
                                        "learning_disability",
                                        "substance_misuse",
                                        "frailty",
                                        "other",
                                        NULL};
    char field[64];
    if (!c) {
        ferrs_add(e, prefix, "required",
                  "is required: the relationship to the person "
                  "cared for");
        return;
    }
    snprintf(field, sizeof field, "%s.relationship", prefix);
    referral_field_text(e, field, &c->relationship, REFERRAL_SHORT_MAX, true, false);
    snprintf(field, sizeof field, "%s.conditions", prefix);
    if (c->n_conditions > 8)
        ferrs_add(e, field, "too_long", "lists more than 8 conditions");
    for (size_t i = 0; i < c->n_conditions && i < 8; i++) {
        char *s;
        bool known = false;
        snprintf(field, sizeof field, "%s.conditions[%zu]", prefix, i + 1);
        if (!referral_field_text(e, field, &c->conditions[i], REFERRAL_SHORT_MAX, true, false))
            continue;
        /* "Long-term illness" and "long_term_illness" are the same. */
        for (s = c->conditions[i]; *s; s++) {
            if (*s == ' ' || *s == '-')
                *s = '_';
            else if (*s >= 'A' && *s <= 'Z')
                *s = (char)(*s - 'A' + 'a');
        }
        for (size_t k = 0; kinds[k]; k++)
            if (strcmp(c->conditions[i], kinds[k]) == 0)
                known = true;
        if (!known) {
            ferrs_add(e, field, "invalid",
                      "'%.40s' is not a condition category; use "
                      "physical_disability, long_term_illness, dementia, mental_health, "
                      "learning_disability, substance_misuse, frailty or other",
                      c->conditions[i]);
            continue;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->conditions[j], c->conditions[i]) == 0) {
                ferrs_add(e, field, "duplicate", "%s is listed twice", c->conditions[i]);
                break;
            }
    }
}

/* Everyone cared for: cared_for, then more_cared_for in order. With more
 * than one, each is named by its place in the list (cared_for[2]), as the
 * referrer wrote them. */
static void s_people(ferrs_t *e, const Carerhub__Referral *r)
{
    size_t n = r->n_more_cared_for;
    char prefix[32];
    if (n + 1 > REFERRAL_CARED_FOR_MAX)
        ferrs_add(e, "cared_for", "too_long",
                  "lists %zu people cared for; give at most %d (those the carer cares for most)",
                  n + 1, REFERRAL_CARED_FOR_MAX);
    if (n == 0) {
        if (!ferrs_has(e, "cared_for[1]")) /* a list of one, refused whole */
            s_cared_for(e, r->cared_for, "cared_for");
        return;
    }
    /* Numbered as written; one the binding refused whole (not a mapping)
     * has no fields to name. */
    if (!ferrs_has(e, "cared_for[1]"))
        s_cared_for(e, r->cared_for, "cared_for[1]");
    for (size_t i = 0; i < n && i + 1 < REFERRAL_CARED_FOR_MAX; i++) {
        snprintf(prefix, sizeof prefix, "cared_for[%zu]", i + 2);
        if (!ferrs_has(e, prefix))
            s_cared_for(e, r->more_cared_for[i], prefix);
    }
}

static void s_consent(ferrs_t *e, Carerhub__Consent *c, Carerhub__Source src,
                      const referral_ctx_t *ctx, date_t dob, bool dob_ok)
{
    static const char *const adult[] = {"carer", "representative", NULL};
    static const char *const school[] = {"parent", "pupil", NULL};
    date_t day;
    if (!c) {
        ferrs_add(e, "consent", "required",
                  "is required: the carer's consent to share this "
                  "referral with the support service");
        return;
    }
    if (!c->has_share_with_support_service)
        ferrs_add(e, "consent.share_with_support_service", "required",
                  "is required: the hub can take a referral only with consent to share it");
    else if (!c->share_with_support_service)
        ferrs_add(e, "consent.share_with_support_service", "consent",
                  "is false: without consent to share, the hub cannot take this referral");
    if (src == CARERHUB__SOURCE__SELF)
        referral_self_consent(e, c);
    else
        referral_field_choice(e, "consent.given_by", &c->given_by, true,
                              src == CARERHUB__SOURCE__SCHOOL ? school : adult);
    if (referral_field_date(e, "consent.date", &c->date, true, date_from_ymd(2000, 1, 1),
                            ctx->today, "is in the future", "is before 2000", &day) &&
        dob_ok && day < dob)
        ferrs_add(e, "consent.date", "invalid", "is before the carer's date of birth");
}

static void s_gp(ferrs_t *e, Carerhub__GpPart *gp)
{
    if (!gp || !gp->practice) {
        ferrs_add(e, "practice", "required",
                  "is required: the practice's ODS code, "
                  "e.g. F81001");
        return;
    }
    if (!referral_field_text(e, "practice", &gp->practice, 6, true, false))
        return;
    referral_field_upper(gp->practice);
    if (!ods_practice_valid(gp->practice))
        ferrs_add(e, "practice", "format",
                  "must be a practice ODS code: one letter and five "
                  "digits, e.g. F81001");
}

static void s_discharge(ferrs_t *e, Carerhub__DischargePart *d, const referral_ctx_t *ctx)
{
    Carerhub__Hospital *h = d ? d->hospital : NULL;
    Carerhub__Patient *p = d ? d->patient : NULL;
    date_t day;
    if (!h) {
        ferrs_add(e, "hospital", "required", "is required: trust, site and ward");
    } else {
        if (referral_field_text(e, "hospital.trust", &h->trust, 3, true, false)) {
            referral_field_upper(h->trust);
            if (!ods_trust_valid(h->trust))
                ferrs_add(e, "hospital.trust", "format",
                          "must be an NHS trust ODS code such as RAJ");
        }
        if (referral_field_text(e, "hospital.site", &h->site, 5, true, false)) {
            referral_field_upper(h->site);
            if (!ods_site_valid(h->site))
                ferrs_add(e, "hospital.site", "format", "must be an ODS site code such as RAJ01");
            else if (h->trust && ods_trust_valid(h->trust) && strncmp(h->site, h->trust, 3))
                ferrs_add(e, "hospital.site", "invalid", "%s is not a site of trust %s", h->site,
                          h->trust);
        }
        referral_field_text(e, "hospital.ward", &h->ward, REFERRAL_SHORT_MAX, true, false);
    }
    if (!p) {
        ferrs_add(e, "patient", "required",
                  "is required: the patient's NHS number and "
                  "expected discharge date");
    } else {
        referral_field_nhs(e, "patient.nhs_number", &p->nhs_number, true, ctx);
        referral_field_date(e, "patient.expected_discharge", &p->expected_discharge, true,
                            ctx->today - 30, ctx->today + 365, "is more than a year ahead",
                            "is more than 30 days ago: refer recent discharges only", &day);
    }
    if (!d || !d->has_carer_consulted)
        ferrs_add(e, "carer_consulted", "required",
                  "is required: was the carer consulted about the discharge (true or false)?");
}

static void s_school(ferrs_t *e, Carerhub__SchoolPart *s, date_t dob, bool dob_ok,
                     const referral_ctx_t *ctx)
{
    Carerhub__School *sc = s ? s->school : NULL;
    if (!sc) {
        ferrs_add(e, "school", "required",
                  "is required: the school's URN and the pupil's "
                  "year group");
    } else {
        if (referral_field_text(e, "school.urn", &sc->urn, 6, true, false) && !urn_valid(sc->urn))
            ferrs_add(e, "school.urn", "format", "must be the school's 6-digit URN");
        /* What to type, in the same words for a file and a form (and
         * referral_yaml.c's for what is no number at all). */
        if (!sc->has_year_group)
            ferrs_add(e, "school.year_group", "required",
                      "is required: enter a number from 0 (Reception) to 14");
        else if (sc->year_group > 14)
            ferrs_add(e, "school.year_group", "invalid",
                      "enter a number from 0 (Reception) to 14, not %u", sc->year_group);
    }
    if (!s || !s->has_safeguarding_referral_made)
        ferrs_add(e, "safeguarding_referral_made", "required",
                  "is required: has a safeguarding referral already been made (true or "
                  "false)?");
    if (dob_ok) {
        int age = date_age(dob, ctx->today);
        if (!referral_age_plausible(CARERHUB__SOURCE__SCHOOL, age))
            ferrs_add(e, "carer.date_of_birth", "invalid",
                      "makes the pupil %d; a school refers pupils aged %d to %d", age,
                      REFERRAL_PUPIL_AGE_MIN, REFERRAL_PUPIL_AGE_MAX);
    }
}

static bool s_field_set(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const char *base = (const char *)m;
    if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING)
        return *(const void *const *)(base + f->offset) != NULL;
    return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
}

/* A part that has no business in this referral: named by its first field
 * as the referrer would have written it (a self part's under self.). */
static void s_foreign(ferrs_t *e, const void *part, Carerhub__Source src)
{
    const ProtobufCMessage *m = part;
    char field[80];
    if (!m)
        return;
    for (unsigned i = 0; i < m->descriptor->n_fields; i++)
        if (s_field_set(m, &m->descriptor->fields[i])) {
            snprintf(field, sizeof field, "%s%s",
                     m->descriptor == &carerhub__self_part__descriptor           ? "self."
                     : m->descriptor == &carerhub__professional_part__descriptor ? "professional."
                                                                                 : "",
                     m->descriptor->fields[i].name);
            ferrs_add(e, field, "wrong_source", "is not part of a %s referral",
                      referral_source_name(src));
            return;
        }
}

int referral_check(Carerhub__Referral *r, Carerhub__Source src, const referral_ctx_t *ctx,
                   ferrs_t *errs)
{
    size_t before = errs->n;
    date_t dob = 0;
    bool dob_ok;

    /* A carer who refers themselves has no referrer to name; one given is
     * checked as any other. */
    if (src != CARERHUB__SOURCE__SELF || r->referrer)
        s_referrer(errs, r->referrer);
    s_carer(errs, r->carer, src, ctx, &dob, &dob_ok);
    s_age(errs, r->carer, src, ctx, dob, dob_ok);
    s_people(errs, r);
    s_consent(errs, r->consent, src, ctx, dob, dob_ok);
    referral_caring_check(errs, r, src, dob_ok ? date_age(dob, ctx->today) : -1);
    switch (src) {
    case CARERHUB__SOURCE__GP:
        s_gp(errs, r->gp);
        break;
    case CARERHUB__SOURCE__DISCHARGE:
        s_discharge(errs, r->discharge, ctx);
        break;
    case CARERHUB__SOURCE__SCHOOL:
        s_school(errs, r->school, dob, dob_ok, ctx);
        break;
    case CARERHUB__SOURCE__SELF:
        referral_self_check(errs, r->self, dob, dob_ok, ctx);
        break;
    case CARERHUB__SOURCE__PROFESSIONAL:
        referral_professional_check(errs, r->professional);
        break;
    default:
        ferrs_add(errs, "source", "invalid", "is not gp, discharge, school, self or professional");
    }
    /* Every other source's part has no business here. */
    if (src != CARERHUB__SOURCE__GP)
        s_foreign(errs, r->gp, src);
    if (src != CARERHUB__SOURCE__DISCHARGE)
        s_foreign(errs, r->discharge, src);
    if (src != CARERHUB__SOURCE__SCHOOL)
        s_foreign(errs, r->school, src);
    if (src != CARERHUB__SOURCE__SELF)
        s_foreign(errs, r->self, src);
    if (src != CARERHUB__SOURCE__PROFESSIONAL)
        s_foreign(errs, r->professional, src);
    return errs->n > before ? -1 : 0;
}

void referral_check_unknown(const ProtobufCMessage *m, const char *path, ferrs_t *errs)
{
    const ProtobufCMessageDescriptor *d;
    if (!m)
        return;
    d = m->descriptor;
    for (unsigned i = 0; i < m->n_unknown_fields; i++)
        ferrs_add(errs, *path ? path : "referral", "unknown_field",
                  "holds field number %u, which this hub does not know", m->unknown_fields[i].tag);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char sub[160];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            /* more_cared_for: each, by its place among the people cared for. */
            size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
            ProtobufCMessage *const *v =
                *(ProtobufCMessage *const *const *)((const char *)m + f->offset);
            for (size_t j = 0; j < n; j++) {
                snprintf(sub, sizeof sub, "%s%s%s[%zu]", path, *path ? "." : "", f->name, j + 1);
                referral_check_unknown(v[j], sub, errs);
            }
            continue;
        }
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", f->name);
        referral_check_unknown(*(const ProtobufCMessage *const *)((const char *)m + f->offset), sub,
                               errs);
    }
}
