/*
 * What a case file holds: see provider.h. One JSON object per delivery:
 * the case, why it was routed here, its flags, the carer's current details
 * (from the newest referral), and every referral with its source details.
 * Field names are those of the referral files and the wire protocol.
 */
#include "provider.h"

#include "wire/pbjson.h"

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

static void s_safe(const char *in, char *out, size_t outsz)
{
    size_t n = 0;
    for (; in && *in && n + 1 < outsz; in++)
        out[n++] = ((*in >= 'A' && *in <= 'Z') || (*in >= 'a' && *in <= 'z') ||
                    (*in >= '0' && *in <= '9') || *in == '-')
                       ? *in
                       : '_';
    out[n] = '\0';
}

void provider_file_name(const Carerhub__Delivery *d, char *out, size_t outsz)
{
    char case_id[80], rid[80];
    s_safe(d->case_ && d->case_->case_id ? d->case_->case_id : "no-case", case_id, sizeof case_id);
    s_safe(d->referral_id, rid, sizeof rid);
    if (d->kind && strcmp(d->kind, "update") == 0)
        snprintf(out, outsz, "%s.update.%s.json", case_id, rid);
    else
        snprintf(out, outsz, "%s.json", case_id);
}
