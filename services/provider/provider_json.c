/*
 * What a case file holds: see provider.h. One JSON object per delivery:
 * the case, why it was routed here, its flags, the carer's current details
 * (from the newest referral), and every referral with its source details.
 * Field names are those of the referral files and the wire protocol.
 */
#include "provider.h"

#include "domain/referral.h"
#include "domain/route.h"
#include "wire/pbjson.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void s_str(buf_t *b, const char *key, const char *val, bool comma)
{
    buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
    buf_json_str(b, val);
}

static void s_bool(buf_t *b, const char *key, bool val)
{
    buf_printf(b, ",\"%s\":%s", key, val ? "true" : "false");
}

void provider_json(const Carerhub__Delivery *d, buf_t *b)
{
    const Carerhub__Case *c = d->case_;
    const Carerhub__Referral *newest =
        c && c->n_referrals ? c->referrals[c->n_referrals - 1] : NULL;
    buf_adds(b, "{\"schema\":\"carerhub.case.v1\"");
    s_str(b, "kind", d->kind, true);
    s_str(b, "case_id", c ? c->case_id : NULL, true);
    s_str(b, "referral_id", d->referral_id, true);
    s_str(b, "provider", c ? c->provider : NULL, true);
    s_str(b, "provider_name", c ? c->provider_name : NULL, true);
    buf_adds(b, ",\"flags\":{");
    buf_printf(b, "\"urgent\":%s", c && c->urgent ? "true" : "false");
    s_bool(b, "young_carer", c && c->young_carer);
    s_bool(b, "transition", c && c->transition);
    buf_adds(b, "},\"routing\":{");
    s_str(b, "rule", c ? c->rule : NULL, false);
    s_str(b, "reason", c ? c->reason : NULL, true);
    s_str(b, "lad", c ? c->lad : NULL, true);
    s_str(b, "lad_name", c ? c->lad_name : NULL, true);
    buf_adds(b, ",\"candidates\":[");
    for (size_t i = 0; c && i < c->n_candidates; i++) {
        if (i)
            buf_addc(b, ',');
        buf_json_str(b, c->candidates[i]);
    }
    buf_adds(b, "]");
    s_str(b, "signpost", c ? c->signpost : NULL, true);
    buf_adds(b, "},\"opened_at\":");
    if (c && c->has_opened_at)
        pbjson_time(b, c->opened_at);
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"updated_at\":");
    if (c && c->has_updated_at)
        pbjson_time(b, c->updated_at);
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"carer\":");
    pbjson_message(b, newest ? (const ProtobufCMessage *)newest->carer : NULL);
    buf_adds(b, ",\"cared_for\":");
    pbjson_message(b, newest ? (const ProtobufCMessage *)newest->cared_for : NULL);
    buf_adds(b, ",\"consent\":");
    pbjson_message(b, newest ? (const ProtobufCMessage *)newest->consent : NULL);
    if (c && c->has_referrals_total)
        buf_printf(b, ",\"referrals_total\":%u", c->referrals_total);
    buf_adds(b, ",\"referrals\":[");
    for (size_t i = 0; c && i < c->n_referrals; i++) {
        if (i)
            buf_addc(b, ',');
        pbjson_message(b, &c->referrals[i]->base);
    }
    buf_adds(b, "]}\n");
}

static bool s_is(const char *s, const char *want)
{
    return s && strcmp(s, want) == 0;
}

static const char *const s_kinds[] = {"new", "update", "transfer_in", "transfer_out", NULL};
static const char *const s_whys[] = {"moved", "turned_18", "rerouted", NULL};

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

bool provider_delivery_ok(const Carerhub__Delivery *d, const char *provider, char *why,
                          size_t whysz)
{
    const Carerhub__Case *c = d->case_;
    const char *to = provider_recipient(d);
    bool out = s_is(d->kind, "transfer_out"), in = s_is(d->kind, "transfer_in");

    if (!c)
        return s_why(why, whysz, "it holds no case");
    if (!s_one_of(d->kind, s_kinds))
        return s_why(why, whysz, "its kind '%.20s' is not new, update, transfer_in or transfer_out",
                     d->kind ? d->kind : "");
    if (!case_id_ok(c->case_id))
        return s_why(why, whysz, "its case id '%.40s' is not one", c->case_id ? c->case_id : "");
    if (d->referral_id && !referral_id_ok(d->referral_id))
        return s_why(why, whysz, "its referral id '%.70s' is not one", d->referral_id);
    if (!d->referral_id &&
        (provider_version(d) == 0 || s_is(d->kind, "new") || s_is(d->kind, "update")))
        return s_why(why, whysz, "%s %s names no referral", d->kind,
                     provider_version(d) ? "delivery" : "delivery without a case version");
    if (!to || strcmp(to, provider) != 0)
        return s_why(why, whysz, "it is for %.40s, not %s", to ? to : "no provider", provider);
    if (in || out) {
        if (!route_id_ok(c->transferred_from) || !route_id_ok(c->transferred_to))
            return s_why(why, whysz, "a transfer that does not name both organisations");
        if (!s_one_of(c->transfer_why, s_whys))
            return s_why(why, whysz,
                         "a transfer whose reason '%.20s' is not moved, turned_18 or "
                         "rerouted",
                         c->transfer_why ? c->transfer_why : "");
        if (in && strcmp(c->transferred_to, c->provider ? c->provider : "") != 0)
            return s_why(why, whysz, "a transfer to %.40s delivered to %s", c->transferred_to,
                         provider);
    }
    if (out)
        return true;
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
