/*
 * What a case file holds, and what it is named: see provider.h. One JSON
 * object per delivery (schema carerhub.case.v2, config/case.schema.json,
 * README "Case files"): the case and its version, why it was routed here,
 * its flags as they stand, a transfer's from, to and why, the carer as now
 * known, and the newest referrals of the case with their source details
 * (a carer's own referral: source self, its part self, and no referrer).
 * Field names are those of the referral files and the wire protocol. A
 * field without a value is left out, never null. A transfer_out tells the
 * organisation the case has left no more than that, to whom and why; a
 * cancelled file, which referral its referrer cancelled, why and when, and
 * whether the case is closed by it, but nothing of the carer; an erasure,
 * the ids of the case and its referrals, its version, when the hub erased
 * the carer's data, and the files this agent wrote for the case, for the
 * case system to erase its copy.
 */
#include "provider.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "domain/route.h"
#include "util/date.h"
#include "util/mem.h"
#include "wire/pbjson.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool s_is(const char *s, const char *want)
{
    return s && want && strcmp(s, want) == 0;
}

/* A JSON object being written: its fields go in through s_key. */
typedef struct {
    buf_t *b;
    bool first;
} s_obj_t;

static void s_open(s_obj_t *o, buf_t *b)
{
    o->b = b;
    o->first = true;
    buf_addc(b, '{');
}

static void s_close(s_obj_t *o)
{
    buf_addc(o->b, '}');
}

static void s_key(s_obj_t *o, const char *key)
{
    buf_printf(o->b, "%s\"%s\":", o->first ? "" : ",", key);
    o->first = false;
}

static bool s_has(const char *val)
{
    return val && *val;
}

/* Each of these leaves out a field without a value (unset, or empty
 * text), the one rule for absent values in a case file. */
static void s_str(s_obj_t *o, const char *key, const char *val)
{
    if (!s_has(val))
        return;
    s_key(o, key);
    buf_json_str(o->b, val);
}

static void s_time(s_obj_t *o, const char *key, bool has, int64_t ms)
{
    if (!has)
        return;
    s_key(o, key);
    pbjson_time(o->b, ms);
}

static void s_msg(s_obj_t *o, const char *key, const ProtobufCMessage *m)
{
    if (!m)
        return;
    s_key(o, key);
    pbjson_message_opts(o->b, m, PBJSON_OMIT_EMPTY);
}

/* A flag always has a value: false unless the router says true. */
static void s_bool(s_obj_t *o, const char *key, bool val)
{
    s_key(o, key);
    buf_adds(o->b, val ? "true" : "false");
}

static const Carerhub__Carer *s_carer(const Carerhub__Case *c);

/* The organisation's name beside provider_recipient. */
static const char *s_recipient_name(const Carerhub__Delivery *d)
{
    const Carerhub__Case *c = d->case_;
    if (!s_is(d->kind, "transfer_out"))
        return c->provider_name;
    if (s_has(c->transferred_from_name))
        return c->transferred_from_name;
    return s_is(c->provider, c->transferred_from) ? c->provider_name : NULL;
}

/* The transfer of a case; with_reason for the organisation the case
 * arrives at: the reason the passing organisation (not_ours) or triage
 * (assigned) gave, never told back to the one it leaves. */
static void s_transfer(s_obj_t *o, const Carerhub__Case *c, bool with_reason)
{
    const char *reason = with_reason ? c->transfer_reason : NULL;
    s_obj_t t;
    if (!s_has(c->transferred_from) && !s_has(c->transferred_to) && !s_has(c->transfer_why) &&
        !s_has(reason))
        return;
    s_key(o, "transfer");
    s_open(&t, o->b);
    s_str(&t, "from", c->transferred_from);
    s_str(&t, "from_name", c->transferred_from_name);
    s_str(&t, "to", c->transferred_to);
    s_str(&t, "to_name", c->transferred_to_name);
    s_str(&t, "why", c->transfer_why);
    s_str(&t, "reason", reason);
    s_close(&t);
}

static void s_cancellation(s_obj_t *o, const Carerhub__Delivery *d)
{
    const Carerhub__Cancellation *x = d->case_->cancellation;
    s_obj_t t;
    if (!x)
        return;
    s_key(o, "cancellation");
    s_open(&t, o->b);
    s_str(&t, "referral_id", s_has(x->referral_id) ? x->referral_id : d->referral_id);
    s_str(&t, "reason", x->reason);
    s_str(&t, "note", x->note);
    s_time(&t, "at", x->has_at, x->at);
    s_close(&t);
}

/* Closed, and why: written only for a closed case. */
static void s_closed(s_obj_t *o, const Carerhub__Case *c)
{
    if (!c->closed)
        return;
    s_bool(o, "closed", true);
    s_str(o, "closed_reason", c->closed_reason);
}

static void s_flags(s_obj_t *o, const Carerhub__Case *c)
{
    s_obj_t f;
    s_key(o, "flags");
    s_open(&f, o->b);
    s_bool(&f, "urgent", c->urgent);
    s_str(&f, "contact_by", c->contact_by);
    s_bool(&f, "young_carer", c->young_carer);
    s_bool(&f, "transition", c->transition);
    s_bool(&f, "identity_conflict", c->identity_conflict);
    s_str(&f, "conflict_reason", c->conflict_reason);
    /* Priority: its reason is the rule's words (router_priority.c). */
    s_bool(&f, "priority", c->flags && c->flags->priority);
    if (c->flags && c->flags->priority)
        s_str(&f, "priority_reason", c->flags->priority_reason);
    s_close(&f);
}

static void s_routing(s_obj_t *o, const Carerhub__Case *c)
{
    s_obj_t r;
    s_key(o, "routing");
    s_open(&r, o->b);
    s_str(&r, "rule", c->rule);
    s_str(&r, "reason", c->reason);
    s_str(&r, "lad", c->lad);
    s_str(&r, "lad_name", c->lad_name);
    if (c->n_candidates) {
        s_key(&r, "candidates");
        buf_addc(o->b, '[');
        for (size_t i = 0; i < c->n_candidates; i++) {
            if (i)
                buf_addc(o->b, ',');
            buf_json_str(o->b, c->candidates[i] ? c->candidates[i] : "");
        }
        buf_addc(o->b, ']');
    }
    s_str(&r, "signpost", c->signpost);
    s_close(&r);
}

/* A list of strings (those that are empty left out), always written. */
static void s_strs(s_obj_t *o, const char *key, const char *const *v, size_t n)
{
    bool first = true;
    s_key(o, key);
    buf_addc(o->b, '[');
    for (size_t i = 0; i < n; i++) {
        if (!s_has(v[i]))
            continue;
        if (!first)
            buf_addc(o->b, ',');
        buf_json_str(o->b, v[i]);
        first = false;
    }
    buf_addc(o->b, ']');
}

void provider_json_erasure(const Carerhub__Delivery *d, const char *const *files, size_t nfiles,
                           buf_t *b)
{
    static const Carerhub__Case none = CARERHUB__CASE__INIT;
    const Carerhub__Case *c = d->case_ ? d->case_ : &none;
    const char **ids = xcalloc(c->n_referrals + 1, sizeof *ids);
    uint32_t v = provider_version(d);
    s_obj_t o;

    /* Ids, the version and when; nothing else the delivery may hold. */
    for (size_t i = 0; i < c->n_referrals; i++)
        ids[i] = c->referrals[i] ? c->referrals[i]->id : NULL;
    s_open(&o, b);
    s_str(&o, "schema", PROVIDER_SCHEMA);
    s_str(&o, "kind", "erasure");
    s_str(&o, "case_id", c->case_id);
    if (v > 0) {
        s_key(&o, "version");
        buf_printf(b, "%" PRIu32, v);
    }
    s_str(&o, "provider", c->provider);
    s_str(&o, "provider_name", c->provider_name);
    s_time(&o, "erased_at", c->has_erased_at, c->erased_at);
    s_strs(&o, "referral_ids", ids, c->n_referrals);
    s_strs(&o, "files", files, nfiles);
    s_close(&o);
    buf_addc(b, '\n');
    free(ids);
}

void provider_json(const Carerhub__Delivery *d, buf_t *b)
{
    static const Carerhub__Case none = CARERHUB__CASE__INIT;
    const Carerhub__Case *c = d->case_ ? d->case_ : &none;
    const Carerhub__Referral *newest = c->n_referrals ? c->referrals[c->n_referrals - 1] : NULL;
    bool out = s_is(d->kind, "transfer_out"), cancelled = s_is(d->kind, "cancelled");
    uint32_t v = provider_version(d);
    s_obj_t o;

    if (s_is(d->kind, "erasure")) {
        provider_json_erasure(d, NULL, 0, b);
        return;
    }
    s_open(&o, b);
    s_str(&o, "schema", PROVIDER_SCHEMA);
    s_str(&o, "kind", d->kind);
    s_str(&o, "case_id", c->case_id);
    if (v > 0) {
        s_key(&o, "version");
        buf_printf(b, "%" PRIu32, v);
    }
    if (!out)
        s_str(&o, "referral_id", d->referral_id);
    if (d->case_) {
        s_str(&o, "provider", provider_recipient(d));
        s_str(&o, "provider_name", s_recipient_name(d));
    }
    if (out || s_is(d->kind, "transfer_in"))
        s_transfer(&o, c, !out);
    if (out) {
        /* The organisation the case has left learns that, to whom and
         * why, and nothing of the carer, whatever the delivery holds. */
        s_time(&o, "updated_at", c->has_updated_at, c->updated_at);
        s_close(&o);
        buf_addc(b, '\n');
        return;
    }
    if (cancelled) {
        /* Which referral, why and when; the carer the organisation has. */
        if (d->case_)
            s_cancellation(&o, d);
        s_closed(&o, c);
        s_time(&o, "updated_at", c->has_updated_at, c->updated_at);
        s_close(&o);
        buf_addc(b, '\n');
        return;
    }
    s_closed(&o, c);
    s_str(&o, "previous_case", c->previous_case);
    s_flags(&o, c);
    s_routing(&o, c);
    s_time(&o, "opened_at", c->has_opened_at, c->opened_at);
    s_time(&o, "updated_at", c->has_updated_at, c->updated_at);
    s_msg(&o, "carer", (const ProtobufCMessage *)s_carer(c));
    s_msg(&o, "cared_for", newest ? (const ProtobufCMessage *)newest->cared_for : NULL);
    s_msg(&o, "consent", newest ? (const ProtobufCMessage *)newest->consent : NULL);
    if (c->has_referrals_total) {
        s_key(&o, "referrals_total");
        buf_printf(b, "%" PRIu32, c->referrals_total);
    }
    if (c->n_referrals) {
        s_key(&o, "referrals");
        buf_addc(b, '[');
        for (size_t i = 0; i < c->n_referrals; i++) {
            if (i)
                buf_addc(b, ',');
            pbjson_message_opts(b, &c->referrals[i]->base, PBJSON_OMIT_EMPTY);
        }
        buf_addc(b, ']');
    }
    s_close(&o);
    buf_addc(b, '\n');
}

static const char *const s_kinds[] = {"new",       "update",  "transfer_in", "transfer_out",
                                      "cancelled", "erasure", NULL};
static const char *const s_whys[] = {"moved",    "turned_18", "rerouted",
                                     "not_ours", "assigned",  NULL};

static bool s_one_of(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (s_is(s, list[i]))
            return true;
    return false;
}

uint32_t provider_version(const Carerhub__Delivery *d)
{
    return d->case_ && d->case_->has_version ? d->case_->version : 0;
}

const char *provider_recipient(const Carerhub__Delivery *d)
{
    const Carerhub__Case *c = d->case_;
    if (!c)
        return NULL;
    return s_is(d->kind, "transfer_out") ? c->transferred_from : c->provider;
}

/* The carer as the file gives it: as now known across the case, when the
 * router says; else as the newest referral carried gives it. */
static const Carerhub__Carer *s_carer(const Carerhub__Case *c)
{
    if (c->carer)
        return c->carer;
    return c->n_referrals ? c->referrals[c->n_referrals - 1]->carer : NULL;
}

static bool s_why(char *why, size_t whysz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool s_why(char *why, size_t whysz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whysz, fmt, ap);
    va_end(ap);
    return false;
}

/* What a cancelled file must hold: a case version and the referral, and
 * the cancellation's reason of the list (its referral, if it names one, is
 * the delivery's). */
static bool s_cancelled_ok(const Carerhub__Delivery *d, char *why, size_t whysz)
{
    const Carerhub__Cancellation *x = d->case_->cancellation;
    if (provider_version(d) == 0 || !d->referral_id)
        return s_why(why, whysz, "a cancellation without a case version or a referral id");
    if (!x || !outcome_cancel_reason_ok(x->reason))
        return s_why(why, whysz, "a cancellation whose reason '%.20s' is not changed or error",
                     x && x->reason ? x->reason : "");
    if (x->referral_id && strcmp(x->referral_id, d->referral_id) != 0)
        return s_why(why, whysz, "a cancellation of referral %.70s delivered for %.70s",
                     x->referral_id, d->referral_id);
    return true;
}

/* What an erasure must hold: a case version, when, and the ids of the
 * case's referrals (each a referral id; nothing else of them is read). */
static bool s_erasure_ok(const Carerhub__Delivery *d, char *why, size_t whysz)
{
    const Carerhub__Case *c = d->case_;
    if (provider_version(d) == 0 || !c->has_erased_at)
        return s_why(why, whysz, "an erasure without a case version or the time of erasure");
    if (c->n_referrals == 0)
        return s_why(why, whysz, "an erasure that names no referral of the case");
    for (size_t i = 0; i < c->n_referrals; i++)
        if (!c->referrals[i] || !referral_id_ok(c->referrals[i]->id))
            return s_why(why, whysz, "referral %zu of the erasure has no id", i + 1);
    return true;
}

/* The fields every kind may carry: a closing reason of the list (or
 * "cancelled", or "joined": an operator joined the case into another of
 * the same carer), a contact-by date. */
static bool s_case_fields_ok(const Carerhub__Case *c, char *why, size_t whysz)
{
    date_t day;
    if (s_has(c->closed_reason) && !outcome_close_reason_ok(c->closed_reason) &&
        !s_is(c->closed_reason, "cancelled") && !s_is(c->closed_reason, "joined"))
        return s_why(why, whysz, "its closing reason '%.30s' is not one of %s, cancelled, joined",
                     c->closed_reason, outcome_list(outcome_close_reasons));
    if (s_has(c->closed_reason) && !c->closed)
        return s_why(why, whysz, "a closing reason for a case that is not closed");
    if (s_has(c->contact_by) && date_parse(c->contact_by, &day) < 0)
        return s_why(why, whysz, "its contact-by date '%.20s' is not a date (YYYY-MM-DD)",
                     c->contact_by);
    return true;
}

bool provider_delivery_ok(const Carerhub__Delivery *d, const char *provider, char *why,
                          size_t whysz)
{
    const Carerhub__Case *c = d->case_;
    const char *to = provider_recipient(d);
    bool out = s_is(d->kind, "transfer_out"), in = s_is(d->kind, "transfer_in");

    if (!c)
        return s_why(why, whysz, "it holds no case");
    if (!s_one_of(d->kind, s_kinds))
        return s_why(why, whysz,
                     "its kind '%.20s' is not new, update, transfer_in, transfer_out, cancelled "
                     "or erasure",
                     d->kind ? d->kind : "");
    if (!case_id_ok(c->case_id))
        return s_why(why, whysz, "its case id '%.40s' is not one", c->case_id ? c->case_id : "");
    if (d->referral_id && !referral_id_ok(d->referral_id))
        return s_why(why, whysz, "its referral id '%.70s' is not one", d->referral_id);
    /* An update without a referral is a change of the case alone (a flag
     * raised by another carer's referral). */
    if (!d->referral_id && (provider_version(d) == 0 || s_is(d->kind, "new")))
        return s_why(why, whysz, "%s %s names no referral", d->kind,
                     provider_version(d) ? "delivery" : "delivery without a case version");
    if (!to || strcmp(to, provider) != 0)
        return s_why(why, whysz, "it is for %.40s, not %s", to ? to : "no provider", provider);
    if (!s_case_fields_ok(c, why, whysz))
        return false;
    if (in || out) {
        if (!c->transferred_from || !route_id_ok(c->transferred_from) || !c->transferred_to ||
            !route_id_ok(c->transferred_to))
            return s_why(why, whysz, "a transfer that does not name both organisations");
        if (!s_one_of(c->transfer_why, s_whys))
            return s_why(why, whysz,
                         "a transfer whose reason '%.20s' is not moved, turned_18, rerouted, "
                         "not_ours or assigned",
                         c->transfer_why ? c->transfer_why : "");
        if (in && strcmp(c->transferred_to, c->provider ? c->provider : "") != 0)
            return s_why(why, whysz, "a transfer to %.40s delivered to %s", c->transferred_to,
                         provider);
    }
    if (out)
        return true;
    if (s_is(d->kind, "cancelled"))
        return s_cancelled_ok(d, why, whysz);
    if (s_is(d->kind, "erasure"))
        return s_erasure_ok(d, why, whysz);
    if (c->n_referrals == 0)
        return s_why(why, whysz, "it carries no referral");
    for (size_t i = 0; i < c->n_referrals; i++) {
        const Carerhub__Referral *r = c->referrals[i];
        Carerhub__Source src;
        if (!referral_id_ok(r->id) || referral_source_of_id(r->id, &src) < 0 || !r->has_source ||
            r->source != src)
            return s_why(why, whysz, "referral %zu of the case has no id and source of its own",
                         i + 1);
    }
    if (!s_carer(c))
        return s_why(why, whysz, "it carries no carer");
    return true;
}

static void s_safe(const char *in, char *out, size_t outsz)
{
    size_t n = 0;
    for (; in && *in && n + 1 < outsz; in++)
        out[n++] = ((*in >= 'A' && *in <= 'Z') || (*in >= 'a' && *in <= 'z') ||
                    (*in >= '0' && *in <= '9') || *in == '-' || *in == '_')
                       ? *in
                       : '_';
    out[n] = '\0';
}

void provider_file_name(const Carerhub__Delivery *d, char *out, size_t outsz)
{
    char case_id[80], kind[24], rid[80];
    uint32_t v = provider_version(d);
    s_safe(d->case_ && d->case_->case_id ? d->case_->case_id : "no-case", case_id, sizeof case_id);
    s_safe(d->kind ? d->kind : "new", kind, sizeof kind);
    s_safe(d->referral_id ? d->referral_id : "no-referral", rid, sizeof rid);
    if (v > 0)
        snprintf(out, outsz, "%s.v%06" PRIu32 ".%s.json", case_id, v, kind);
    else if (strcmp(kind, "new") == 0)
        snprintf(out, outsz, "%s.json", case_id);
    else
        snprintf(out, outsz, "%s.%s.%s.json", case_id, kind, rid);
}
