/*
 * YAML referral documents to Referral messages. The protobuf descriptors are
 * the schema: a YAML key is the name of a field, so the file format and the
 * wire format cannot drift apart. Values are only placed here; whether they
 * are any good is referral_check()'s business. The part of a GP, discharge
 * or school referral is written at the top level (practice:, hospital:,
 * school:); a carer's own referral has its part under self: (heard_from,
 * best_time_to_contact, working), and another professional's under
 * professional: (organisation, organisation_name, role), as in the Referral
 * message: at the top level, "role" and "organisation" would read as the
 * carer's or the referrer's. cared_for is one mapping or a list of them
 * (s_bind_people).
 */
#include "domain/referral.h"

#include "conf/conf.h"
#include "util/mem.h"
#include "util/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields the hub sets; a referrer must not. */
static const char *const s_hub_fields[] = {"id",           "source", "received_at", "referral_date",
                                           "submitted_by", NULL};
/* The Referral fields that hold source parts: not YAML keys themselves,
 * but for self: and professional: in their own source's files; and
 * more_cared_for, which a list of cared_for fills. */
static const char *const s_part_fields[] = {"gp",           "discharge",      "school", "self",
                                            "professional", "more_cared_for", NULL};

static const ProtobufCMessageDescriptor *s_part_desc(Carerhub__Source s)
{
    switch (s) {
    case CARERHUB__SOURCE__GP:
        return &carerhub__gp_part__descriptor;
    case CARERHUB__SOURCE__DISCHARGE:
        return &carerhub__discharge_part__descriptor;
    case CARERHUB__SOURCE__SCHOOL:
        return &carerhub__school_part__descriptor;
    case CARERHUB__SOURCE__SELF:
        return &carerhub__self_part__descriptor;
    case CARERHUB__SOURCE__PROFESSIONAL:
        return &carerhub__professional_part__descriptor;
    default:
        return NULL;
    }
}

static bool s_in(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static void s_path(char *out, size_t outsz, const char *prefix, const char *name)
{
    snprintf(out, outsz, "%s%s%s", prefix, *prefix ? "." : "", name);
}

static ProtobufCMessage *s_new_msg(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = xmalloc(d->sizeof_message);
    d->message_init(m);
    return m;
}

static void s_bind_msg(ProtobufCMessage *msg, const ynode_t *map, const char *path, ferrs_t *errs);

/* What a person should write in a number field, for when what was written
 * is no number: the words referral_check() uses for the field's range, so
 * that a file and a form are told the same. */
static const char *s_number_hint(const char *path)
{
    if (strcmp(path, "school.year_group") == 0)
        return "enter a number from 0 (Reception) to 14";
    if (strcmp(path, "caring.years") == 0)
        return "enter a whole number of years from 0 (under one year) to 90";
    return "must be a whole number";
}

/* Text of a scalar for a string field, refusing embedded NUL bytes (which a
 * C string would silently cut short). */
static char *s_text(const ynode_t *v, const char *path, ferrs_t *errs)
{
    if (v->len != strlen(v->value)) {
        ferrs_add(errs, path, "control", "contains a NUL character");
        return NULL;
    }
    return xstrndup(v->value, v->len);
}

/* A repeated field: a list of values, or one value standing for a list of
 * one. */
static void s_bind_list(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, const ynode_t *v,
                        const char *path, ferrs_t *errs)
{
    char *base = (char *)msg;
    size_t *n = (size_t *)(base + f->quantifier_offset);
    char ***arr = (char ***)(base + f->offset);
    const ynode_t *one = v;
    size_t count = v->kind == YNODE_SEQ ? v->nkids : 1;
    if (f->type != PROTOBUF_C_TYPE_STRING || v->kind == YNODE_MAP) {
        ferrs_add(errs, path, "type", "must be a list of values");
        return;
    }
    *arr = xcalloc(count, sizeof **arr);
    *n = 0;
    for (size_t i = 0; i < count; i++) {
        char item[160];
        char *text;
        if (v->kind == YNODE_SEQ)
            one = v->kids[i];
        snprintf(item, sizeof item, "%s[%zu]", path, i + 1);
        if (one->kind != YNODE_SCALAR) {
            ferrs_add(errs, item, "type", "must be a single value, not a %s", ynode_kind_name(one));
            continue;
        }
        if ((text = s_text(one, item, errs)) != NULL)
            (*arr)[(*n)++] = text;
    }
}

/* A yes/no field: true or false, yes or no, in any case, quoted or not (a
 * spreadsheet's export quotes every value). Returns 0, or -1 for anything
 * else. */
static int s_yes_no(const ynode_t *v, bool *out)
{
    static const char *const words[] = {"true", "yes", "false", "no", NULL};
    char w[8];
    size_t n = v->len;
    const char *s = v->value;
    while (n > 0 && *s == ' ')
        s++, n--;
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (n >= sizeof w || memchr(s, '\0', n))
        return -1;
    memcpy(w, s, n);
    w[n] = '\0';
    for (size_t i = 0; words[i]; i++)
        if (text_ieq(w, words[i])) {
            *out = i < 2;
            return 0;
        }
    return -1;
}

/* A key and its value run together, "given_name:Jane": said so, with its
 * line, in place of what the node would otherwise be taken for. Returns
 * true if it was. */
static bool s_missing_space(const ynode_t *n, const char *path, ferrs_t *errs)
{
    char typo[80];
    if (!ynode_missing_space(n, typo, sizeof typo))
        return false;
    ferrs_add(errs, path, "syntax", "line %d: put a space after the colon in '%s'", n->line, typo);
    return true;
}

/* Whether v leaves field f out. A text field takes its text as written:
 * null, Null, NULL and ~ are words (a family name Null is a name, as No
 * and Yes are), so only nothing at all (`family_name:`) leaves it out; for
 * the other fields YAML's words for nothing do too. */
static bool s_left_out(const ProtobufCFieldDescriptor *f, const ynode_t *v)
{
    if (f->type == PROTOBUF_C_TYPE_STRING && v && v->kind == YNODE_SCALAR)
        return v->plain && v->len == 0;
    return ynode_is_null(v);
}

static void s_bind_field(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, const ynode_t *v,
                         const char *path, ferrs_t *errs)
{
    char *base = (char *)msg;
    long long iv;
    bool bv;

    if (s_left_out(f, v))
        return;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        s_bind_list(msg, f, v, path, errs);
        return;
    }
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        ProtobufCMessage **sub = (ProtobufCMessage **)(base + f->offset);
        if (v->kind != YNODE_MAP) {
            /* carer:\n  given_name:Jane is carer: "given_name:Jane" */
            if (!s_missing_space(v, path, errs))
                ferrs_add(errs, path, "type", "must be a mapping of fields, not a %s",
                          ynode_kind_name(v));
            return;
        }
        if (!*sub)
            *sub = s_new_msg(f->descriptor);
        s_bind_msg(*sub, v, path, errs);
        return;
    }
    if (v->kind != YNODE_SCALAR) {
        ferrs_add(errs, path, "type", "must be a single value, not a %s", ynode_kind_name(v));
        return;
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        char **p = (char **)(base + f->offset);
        char *text = s_text(v, path, errs);
        if (text) {
            free(*p);
            *p = text;
        }
        return;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (s_yes_no(v, &bv) < 0) {
            ferrs_add(errs, path, "type", "must be true or false (or yes or no), not '%.40s'",
                      v->value);
            return;
        }
        *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
        *(protobuf_c_boolean *)(base + f->offset) = bv;
        return;
    case PROTOBUF_C_TYPE_UINT32:
        if (conf_parse_int(v, &iv) < 0 || iv < 0 || iv > 0xffffffffLL) {
            ferrs_add(errs, path, "type", "%s, not '%.40s'", s_number_hint(path), v->value);
            return;
        }
        *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
        *(uint32_t *)(base + f->offset) = (uint32_t)iv;
        return;
    default:
        /* Only the types above are YAML fields; anything else is hub-set. */
        ferrs_add(errs, path, "hub_field", "is set by the hub; leave it out");
        return;
    }
}

/* An unknown key, with the nearest field name of d (and of part, if given)
 * suggested when it looks like a typo. */
static void s_unknown(const ProtobufCMessageDescriptor *d, const ProtobufCMessageDescriptor *part,
                      const ynode_t *key, const char *path, ferrs_t *errs)
{
    const char *names[64];
    size_t n = 0;
    diag_t diag = DIAG_INIT;
    conf_ctx_t ctx = {"", "", &diag};
    const char *hint;
    for (const ProtobufCMessageDescriptor *x = d; x; x = x == d ? part : NULL)
        for (unsigned i = 0; i < x->n_fields && n < 64; i++)
            if (!s_in(x->fields[i].name, s_hub_fields) && !s_in(x->fields[i].name, s_part_fields))
                names[n++] = x->fields[i].name;
    conf_unknown_key(&ctx, key, names, n);
    hint = strstr(diag.msgs[0], "(did you mean");
    ferrs_add(errs, path, "unknown_field", "unknown field%s%s", hint ? " " : "", hint ? hint : "");
    diag_free(&diag);
}

/* A key that is a field and its value run together ({given_name:Jane}
 * makes the key "given_name:Jane"): named by the field alone, as the value
 * may be someone's name. Returns true if it was so. */
static bool s_missing_key_space(const ynode_t *k, const char *path, ferrs_t *errs)
{
    char field[160];
    size_t n = strcspn(k->value, ":");
    if (k->value[n] != ':')
        return false;
    snprintf(field, sizeof field, "%s%s%.*s", path, *path ? "." : "", (int)(n < 64 ? n : 64),
             k->value);
    return s_missing_space(k, field, errs);
}

static void s_bind_msg(ProtobufCMessage *msg, const ynode_t *map, const char *path, ferrs_t *errs)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (size_t i = 0; i + 1 < map->nkids; i += 2) {
        const ynode_t *k = map->kids[i];
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(d, k->value);
        char sub[160];
        s_path(sub, sizeof sub, path, k->value);
        if (!f || s_in(k->value, s_hub_fields)) {
            if (!s_missing_key_space(k, path, errs))
                s_unknown(d, NULL, k, sub, errs);
            continue;
        }
        s_bind_field(msg, f, map->kids[i + 1], sub, errs);
    }
}

/* cared_for as a list of people (1 to 6; referral_check counts them): the
 * first to cared_for, the rest to more_cared_for, in order, each named by
 * its place (cared_for[2].relationship). */
static void s_bind_people(Carerhub__Referral *r, const ynode_t *seq, ferrs_t *errs)
{
    const ProtobufCMessageDescriptor *d = &carerhub__cared_for__descriptor;
    if (seq->nkids > 1)
        r->more_cared_for = xcalloc(seq->nkids - 1, sizeof *r->more_cared_for);
    for (size_t i = 0; i < seq->nkids; i++) {
        const ynode_t *one = seq->kids[i];
        ProtobufCMessage *m;
        char path[32];
        snprintf(path, sizeof path, "cared_for[%zu]", i + 1);
        m = s_new_msg(d);
        if (one->kind != YNODE_MAP) {
            /* Refused here; an empty one keeps its place, so that the
             * checks number every person as the referrer wrote them
             * (referral_check passes over an entry refused whole). */
            if (!s_missing_space(one, path, errs))
                ferrs_add(errs, path, "type",
                          "must be a mapping of fields (relationship, conditions), not a %s",
                          ynode_kind_name(one));
        } else {
            s_bind_msg(m, one, path, errs);
        }
        if (!r->cared_for)
            r->cared_for = (Carerhub__CaredFor *)m;
        else
            r->more_cared_for[r->n_more_cared_for++] = (Carerhub__CaredFor *)m;
    }
}

Carerhub__Referral *referral_from_yaml(const ynode_t *doc, Carerhub__Source src, ferrs_t *errs)
{
    static const Carerhub__Source all[] = {CARERHUB__SOURCE__GP, CARERHUB__SOURCE__DISCHARGE,
                                           CARERHUB__SOURCE__SCHOOL};
    const ProtobufCMessageDescriptor *part_d = s_part_desc(src);
    /* The part whose fields stand at the top level: not self's nor a
     * professional's, which have a key of their own (nested). */
    const char *nested = src == CARERHUB__SOURCE__SELF           ? "self"
                         : src == CARERHUB__SOURCE__PROFESSIONAL ? "professional"
                                                                 : NULL;
    const ProtobufCMessageDescriptor *top_d = nested ? NULL : part_d;
    Carerhub__Referral *r;
    ProtobufCMessage *part = NULL;

    if (!doc || doc->kind != YNODE_MAP || !part_d)
        return NULL;
    r = xmalloc(sizeof *r);
    carerhub__referral__init(r);
    for (size_t i = 0; i + 1 < doc->nkids; i += 2) {
        const ynode_t *k = doc->kids[i], *v = doc->kids[i + 1];
        const ProtobufCFieldDescriptor *f;
        bool other = false;

        if (s_in(k->value, s_hub_fields)) {
            ferrs_add(errs, k->value, "hub_field",
                      "is set by the hub when it accepts the "
                      "referral; leave it out");
            continue;
        }
        f = top_d ? protobuf_c_message_descriptor_get_field_by_name(top_d, k->value) : NULL;
        if (f) {
            if (!part)
                part = s_new_msg(part_d);
            s_bind_field(part, f, v, k->value, errs);
            continue;
        }
        if (strcmp(k->value, "cared_for") == 0 && v && v->kind == YNODE_SEQ && !r->cared_for) {
            s_bind_people(r, v, errs);
            continue;
        }
        f = protobuf_c_message_descriptor_get_field_by_name(&carerhub__referral__descriptor,
                                                            k->value);
        if (f && (!s_in(k->value, s_part_fields) || (nested && strcmp(k->value, nested) == 0))) {
            s_bind_field(&r->base, f, v, k->value, errs);
            continue;
        }
        if (strcmp(k->value, "more_cared_for") == 0) {
            ferrs_add(errs, k->value, "unknown_field",
                      "unknown field: list everyone cared for under cared_for (cared_for: "
                      "[{relationship: ...}, {relationship: ...}])");
            continue;
        }
        if (strcmp(k->value, "professional") == 0) {
            ferrs_add(errs, k->value, "wrong_source",
                      "belongs to a referral from another professional (professional), not to a "
                      "%s referral",
                      referral_source_name(src));
            continue;
        }
        if (strcmp(k->value, "self") == 0) {
            ferrs_add(errs, k->value, "wrong_source",
                      "belongs to a carer's own referral (self), not to a %s referral",
                      referral_source_name(src));
            continue;
        }
        if (nested && protobuf_c_message_descriptor_get_field_by_name(part_d, k->value)) {
            ferrs_add(errs, k->value, "unknown_field", "belongs under %s: (%s: {%s: ...})", nested,
                      nested, k->value);
            continue;
        }
        for (size_t s = 0; s < 3; s++)
            if (all[s] != src &&
                protobuf_c_message_descriptor_get_field_by_name(s_part_desc(all[s]), k->value)) {
                ferrs_add(errs, k->value, "wrong_source",
                          "belongs to %s referrals, not to a %s referral",
                          referral_source_name(all[s]), referral_source_name(src));
                other = true;
                break;
            }
        if (!other && !s_missing_key_space(k, "", errs))
            s_unknown(&carerhub__referral__descriptor, top_d, k, k->value, errs);
    }
    switch (src) {
    case CARERHUB__SOURCE__GP:
        r->gp = (Carerhub__GpPart *)part;
        break;
    case CARERHUB__SOURCE__DISCHARGE:
        r->discharge = (Carerhub__DischargePart *)part;
        break;
    case CARERHUB__SOURCE__SCHOOL:
        r->school = (Carerhub__SchoolPart *)part;
        break;
    default:
        break;
    }
    return r;
}
