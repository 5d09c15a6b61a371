/*
 * Referral checks: see referral.h. The common part first (referrer, carer,
 * cared for, consent), then the part of the source. Every field is checked
 * even after an error so that the referrer can put everything right at once.
 */
#include "domain/referral.h"

#include "domain/codes.h"
#include "domain/nhs.h"
#include "domain/postcode.h"
#include "util/mem.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NAME_MAX    100
#define S_ADDRESS_MAX 300
#define S_SHORT_MAX   50
#define S_EMAIL_MAX   254
#define S_PHONE_MAX   30

/* Makes s well-formed UTF-8 in place, each malformed byte becoming '?': a
 * value cut short by a precision such as %.40s may end inside a character,
 * and errors go back to the referrer in protobuf strings, which are UTF-8. */
static void s_utf8_fix(char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t n = text_utf8_seq_len((const unsigned char *)s + i, len - i);
        if (n == 0)
            s[i++] = '?';
        else
            i += n;
    }
}

void ferrs_add(ferrs_t *e, const char *field, const char *code, const char *fmt, ...)
{
    va_list ap;
    char msg[512];
    ferr_t *x;
    if (e->n > FERRS_MAX)
        return;
    if (e->n == FERRS_MAX) {
        field = "referral";
        code = "too_many_errors";
        snprintf(msg, sizeof msg, "more than %d problems; fix these and send it again", FERRS_MAX);
    } else {
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    e->v = xgrow(e->v, &e->cap, e->n + 1, sizeof *e->v);
    x = &e->v[e->n++];
    s_utf8_fix(msg);
    x->field = xstrdup(field);
    s_utf8_fix(x->field);
    x->code = xstrdup(code);
    x->message = xstrdup(msg);
}

void ferrs_free(ferrs_t *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->v[i].field);
        free(e->v[i].code);
        free(e->v[i].message);
    }
    free(e->v);
    e->v = NULL;
    e->n = e->cap = 0;
}

bool ferrs_has(const ferrs_t *e, const char *field)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].field, field) == 0)
            return true;
    return false;
}

/* --- field checks ------------------------------------------------------- */

/* Trims a text field in place and checks it. Returns true if it is present
 * and good. */
static bool s_text(ferrs_t *e, const char *field, char **val, size_t max, bool required,
                   bool multiline)
{
    text_status_t st;
    char *s = *val, *end;
    size_t n;
    if (!s || text_is_blank(s)) {
        if (required) {
            ferrs_add(e, field, "required", "is required");
        } else {
            /* A blank value is no value: keep nothing that could match
             * another blank one (an NHS number " " would join two carers). */
            free(*val);
            *val = NULL;
        }
        return false;
    }
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    n = strlen(s);
    end = s + n;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    n = (size_t)(end - s);
    if (s != *val || n != strlen(*val)) {
        char *t = xstrndup(s, n);
        free(*val);
        *val = t;
    }
    st = text_check(*val, n, max, multiline);
    switch (st) {
    case TEXT_OK:
        return true;
    case TEXT_TOO_LONG:
        ferrs_add(e, field, "too_long", "is longer than %zu characters", max);
        return false;
    case TEXT_BAD_UTF8:
        ferrs_add(e, field, "utf8", "is not valid UTF-8 text");
        return false;
    case TEXT_CONTROL:
        ferrs_add(e, field, "control", "contains a control character");
        return false;
    case TEXT_EMPTY:
        ferrs_add(e, field, "required", "is required");
        return false;
    }
    return false;
}

static void s_phone(ferrs_t *e, const char *field, char **val, bool required)
{
    int digits = 0;
    if (!s_text(e, field, val, S_PHONE_MAX, required, false))
        return;
    for (const char *p = *val; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (!strchr(" +()-", *p)) {
            ferrs_add(e, field, "format", "must be a phone number such as 01245 000000");
            return;
        }
    }
    if (digits < 10 || digits > 15)
        ferrs_add(e, field, "format", "must be a phone number of 10 to 15 digits");
}

static void s_email(ferrs_t *e, const char *field, char **val, bool required)
{
    const char *at, *dot;
    if (!s_text(e, field, val, S_EMAIL_MAX, required, false))
        return;
    at = strchr(*val, '@');
    dot = at ? strrchr(at, '.') : NULL;
    if (!at || at == *val || strchr(at + 1, '@') || strpbrk(*val, " ,;<>\"") || !dot ||
        dot == at + 1 || !dot[1])
        ferrs_add(e, field, "format", "must be an email address such as name@example.org");
}

/* A date field: present (when required), real, and within [min, max]. */
static bool s_date(ferrs_t *e, const char *field, char **val, bool required, date_t min, date_t max,
                   const char *too_late, const char *too_early, date_t *out)
{
    if (!s_text(e, field, val, 10, required, false)) {
        if (*val && !ferrs_has(e, field))
            ferrs_add(e, field, "format", "must be a date written YYYY-MM-DD");
        return false;
    }
    if (date_parse(*val, out) < 0) {
        int y, m, d;
        if (sscanf(*val, "%4d-%2d-%2d", &y, &m, &d) == 3 && strlen(*val) == 10)
            ferrs_add(e, field, "invalid", "%s is not a real date", *val);
        else
            ferrs_add(e, field, "format", "must be a date written YYYY-MM-DD, not '%.20s'", *val);
        return false;
    }
    if (*out > max) {
        ferrs_add(e, field, "future", "%s", too_late);
        return false;
    }
    if (*out < min) {
        ferrs_add(e, field, "past", "%s", too_early);
        return false;
    }
    return true;
}

/* What a referrer can do about an NHS number that is nobody's: look it up
 * on the person's record, or, where it may be left out, leave it out. */
static const char *s_nhs_remedy(const char *field)
{
    if (strcmp(field, "carer.nhs_number") == 0)
        return "check it on the carer's record, or leave it out";
    return "check it on the patient's record";
}

/* An NHS number of ten digits, a check digit that matches, and a number
 * that could be a person's. Only the digits are echoed back. */
static void s_nhs(ferrs_t *e, const char *field, char **val, bool required,
                  const referral_ctx_t *ctx)
{
    char digits[NHS_NUMBER_MAX];
    if (!s_text(e, field, val, 20, required, false))
        return;
    switch (nhs_number_parse(*val, digits)) {
    case NHS_OK:
        free(*val);
        *val = xstrdup(digits);
        switch (nhs_number_range(digits)) {
        case NHS_RANGE_ISSUED:
            break;
        case NHS_RANGE_REPEATED:
            ferrs_add(e, field, "not_issued",
                      "%s is not an NHS number issued to anyone (all ten digits are the same): %s",
                      digits, s_nhs_remedy(field));
            break;
        case NHS_RANGE_TEST:
            if (!ctx->test_nhs_numbers)
                ferrs_add(e, field, "not_issued",
                          "%s is not an NHS number issued to anyone (numbers from 999 000 0000 "
                          "to 999 999 9999 are for testing only): %s",
                          digits, s_nhs_remedy(field));
            break;
        }
        return;
    case NHS_FORMAT:
        /* The field's name says it is an NHS number ("The patient's NHS
         * number must be ..."): the message says only what one is. */
        ferrs_add(e, field, "format", "must be 10 digits, such as 943 476 5919");
        return;
    case NHS_CHECKSUM:
        ferrs_add(e, field, "checksum",
                  "%s cannot be right (its check digit does not match the other nine): %s", *val,
                  s_nhs_remedy(field));
        return;
    }
}

static void s_upper(char *s)
{
    for (; s && *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
}

/* A value that must be one of a few words. */
static void s_choice(ferrs_t *e, const char *field, char **val, bool required,
                     const char *const *choices)
{
    char list[160] = "";
    if (!s_text(e, field, val, S_SHORT_MAX, required, false))
        return;
    for (size_t i = 0; choices[i]; i++) {
        if (text_ieq(*val, choices[i])) {
            free(*val);
            *val = xstrdup(choices[i]);
            return;
        }
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 i == 0 ? "" : (choices[i + 1] ? ", " : " or "), choices[i]);
    }
    ferrs_add(e, field, "invalid", "must be %s, not '%.40s'", list, *val);
}

/* --- parts ------------------------------------------------------------------ */

static void s_referrer(ferrs_t *e, Carerhub__Referrer *r)
{
    if (!r) {
        ferrs_add(e, "referrer", "required",
                  "is required: who is referring, and how to "
                  "reach them");
        return;
    }
    s_text(e, "referrer.name", &r->name, S_NAME_MAX, true, false);
    s_phone(e, "referrer.phone", &r->phone, false);
    s_email(e, "referrer.email", &r->email, false);
    if (text_is_blank(r->phone) && text_is_blank(r->email))
        ferrs_add(e, "referrer.phone", "required",
                  "give a phone number or an email address "
                  "for the referrer");
}

static void s_postcode(ferrs_t *e, char **val, const referral_ctx_t *ctx)
{
    char pc[POSTCODE_MAX], district[DISTRICT_MAX], lad[16];
    const geo_lad_t *lads;
    if (!s_text(e, "carer.postcode", val, 16, true, false))
        return;
    if (postcode_normalise(*val, pc) < 0) {
        ferrs_add(e, "carer.postcode", "format",
                  "'%.16s' is not a valid UK postcode "
                  "(a form like CM2 0AA)",
                  *val);
        return;
    }
    free(*val);
    *val = xstrdup(pc);
    if (!ctx->geo)
        return;
    postcode_district(pc, district);
    if (geo_district(ctx->geo, district, &lads) == 0 &&
        !(ctx->unit && ctx->unit(ctx->unit_arg, pc, lad) == 1))
        ferrs_add(e, "carer.postcode", "unknown",
                  "%s is not in any known UK postcode "
                  "district; check it with the carer",
                  pc);
}

static void s_carer(ferrs_t *e, Carerhub__Carer *c, const referral_ctx_t *ctx, date_t *dob,
                    bool *dob_ok)
{
    static const char *const contact[] = {"phone", "email", "post", NULL};
    *dob_ok = false;
    if (!c) {
        ferrs_add(e, "carer", "required",
                  "is required: who the carer is and how to reach "
                  "them");
        return;
    }
    s_text(e, "carer.given_name", &c->given_name, S_NAME_MAX, true, false);
    s_text(e, "carer.family_name", &c->family_name, S_NAME_MAX, true, false);
    *dob_ok = s_date(e, "carer.date_of_birth", &c->date_of_birth, true, ctx->today - 366 * 120,
                     ctx->today, "is in the future", "is more than 120 years ago", dob);
    s_postcode(e, &c->postcode, ctx);
    s_text(e, "carer.address", &c->address, S_ADDRESS_MAX, false, true);
    s_phone(e, "carer.phone", &c->phone, false);
    s_email(e, "carer.email", &c->email, false);
    s_text(e, "carer.language", &c->language, S_SHORT_MAX, false, false);
    s_nhs(e, "carer.nhs_number", &c->nhs_number, false, ctx);
    s_choice(e, "carer.preferred_contact", &c->preferred_contact, false, contact);
    if (text_is_blank(c->phone) && text_is_blank(c->email) && text_is_blank(c->address))
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

static void s_cared_for(ferrs_t *e, Carerhub__CaredFor *c)
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
    if (!c) {
        ferrs_add(e, "cared_for", "required",
                  "is required: the relationship to the person "
                  "cared for");
        return;
    }
    s_text(e, "cared_for.relationship", &c->relationship, S_SHORT_MAX, true, false);
    if (c->n_conditions > 8)
        ferrs_add(e, "cared_for.conditions", "too_long", "lists more than 8 conditions");
    for (size_t i = 0; i < c->n_conditions && i < 8; i++) {
        char field[48], *s;
        bool known = false;
        snprintf(field, sizeof field, "cared_for.conditions[%zu]", i + 1);
        if (!s_text(e, field, &c->conditions[i], S_SHORT_MAX, true, false))
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
    s_choice(e, "consent.given_by", &c->given_by, true,
             src == CARERHUB__SOURCE__SCHOOL ? school : adult);
    if (s_date(e, "consent.date", &c->date, true, date_from_ymd(2000, 1, 1), ctx->today,
               "is in the future", "is before 2000", &day) &&
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
    if (!s_text(e, "practice", &gp->practice, 6, true, false))
        return;
    s_upper(gp->practice);
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
        if (s_text(e, "hospital.trust", &h->trust, 3, true, false)) {
            s_upper(h->trust);
            if (!ods_trust_valid(h->trust))
                ferrs_add(e, "hospital.trust", "format",
                          "must be an NHS trust ODS code such as RAJ");
        }
        if (s_text(e, "hospital.site", &h->site, 5, true, false)) {
            s_upper(h->site);
            if (!ods_site_valid(h->site))
                ferrs_add(e, "hospital.site", "format", "must be an ODS site code such as RAJ01");
            else if (h->trust && ods_trust_valid(h->trust) && strncmp(h->site, h->trust, 3))
                ferrs_add(e, "hospital.site", "invalid", "%s is not a site of trust %s", h->site,
                          h->trust);
        }
        s_text(e, "hospital.ward", &h->ward, S_SHORT_MAX, true, false);
    }
    if (!p) {
        ferrs_add(e, "patient", "required",
                  "is required: the patient's NHS number and "
                  "expected discharge date");
    } else {
        s_nhs(e, "patient.nhs_number", &p->nhs_number, true, ctx);
        s_date(e, "patient.expected_discharge", &p->expected_discharge, true, ctx->today - 30,
               ctx->today + 365, "is more than a year ahead",
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
        if (s_text(e, "school.urn", &sc->urn, 6, true, false) && !urn_valid(sc->urn))
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
        if (age < 4 || age > 25)
            ferrs_add(e, "carer.date_of_birth", "invalid",
                      "makes the pupil %d; a school refers pupils aged 4 to 25", age);
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
 * as the referrer would have written it. */
static void s_foreign(ferrs_t *e, const void *part, Carerhub__Source src)
{
    const ProtobufCMessage *m = part;
    if (!m)
        return;
    for (unsigned i = 0; i < m->descriptor->n_fields; i++)
        if (s_field_set(m, &m->descriptor->fields[i])) {
            ferrs_add(e, m->descriptor->fields[i].name, "wrong_source",
                      "is not part of a %s referral", referral_source_name(src));
            return;
        }
}

int referral_check(Carerhub__Referral *r, Carerhub__Source src, const referral_ctx_t *ctx,
                   ferrs_t *errs)
{
    size_t before = errs->n;
    date_t dob = 0;
    bool dob_ok;

    s_referrer(errs, r->referrer);
    s_carer(errs, r->carer, ctx, &dob, &dob_ok);
    s_cared_for(errs, r->cared_for);
    s_consent(errs, r->consent, src, ctx, dob, dob_ok);
    switch (src) {
    case CARERHUB__SOURCE__GP:
        s_gp(errs, r->gp);
        s_foreign(errs, r->discharge, src);
        s_foreign(errs, r->school, src);
        break;
    case CARERHUB__SOURCE__DISCHARGE:
        s_discharge(errs, r->discharge, ctx);
        s_foreign(errs, r->gp, src);
        s_foreign(errs, r->school, src);
        break;
    case CARERHUB__SOURCE__SCHOOL:
        s_school(errs, r->school, dob, dob_ok, ctx);
        s_foreign(errs, r->gp, src);
        s_foreign(errs, r->discharge, src);
        break;
    default:
        ferrs_add(errs, "source", "invalid", "is not gp, discharge or school");
    }
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
        if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED)
            continue;
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", f->name);
        referral_check_unknown(*(const ProtobufCMessage *const *)((const char *)m + f->offset), sub,
                               errs);
    }
}
