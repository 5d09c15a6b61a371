/*
 * Fuzz target: everything the hub writes as JSON, read back by jansson.
 * The bytes are (1) one string through the JSON string escaper, which must
 * read back as itself; (2) a packed Envelope written as JSON as the CLI
 * prints replies (status, audit, stats); a delivery in it, and each
 * referral of a forward wrapped in a delivery of a case, written as the
 * provider's agent writes a case file, with no null in it, whose carer must
 * read back as the case's (or the referral's), and which holds nothing of
 * the carer when it is a transfer_out or a cancelled file; (3) a bare
 * Referral written as JSON.
 */
#include "harness.h"

#include "carerhub.pb-c.h"
#include "../../services/provider/provider.h"
#include "util/buf.h"
#include "util/mem.h"
#include "wire/pbjson.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Asserts that the string key of obj reads back as want (when want is
 * UTF-8, as every accepted referral is; NULL or empty: the key is absent,
 * as a field without a value is in a case file). */
static void s_same(json_t *obj, const char *key, const char *want)
{
    json_t *v = json_object_get(obj, key);
    if (!want || !*want) {
        HARNESS_ASSERT(!v);
        return;
    }
    if (!harness_utf8(want))
        return;
    HARNESS_ASSERT(json_is_string(v));
    HARNESS_ASSERT(json_string_length(v) == strlen(want) &&
                   strcmp(json_string_value(v), want) == 0);
}

/* Asserts that no value in v, however deep, is null: a field without a
 * value is left out. */
static void s_no_null(json_t *v)
{
    const char *key;
    json_t *x;
    size_t i;
    HARNESS_ASSERT(!json_is_null(v));
    if (json_is_object(v)) {
        json_object_foreach(v, key, x) s_no_null(x);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) s_no_null(x);
    }
}

/* Writes d as a case file, checks it parses, holds no null, and carries
 * the delivery's ids and the carer as they are (the case's carer as now
 * known, else the newest referral's), or for a transfer_out nothing of the
 * carer whatever d holds. */
static void s_case_file(const Carerhub__Delivery *d)
{
    const Carerhub__Case *c = d->case_;
    const Carerhub__Referral *newest =
        c && c->n_referrals ? c->referrals[c->n_referrals - 1] : NULL;
    const Carerhub__Carer *who = c && c->carer ? c->carer : newest ? newest->carer : NULL;
    bool out = d->kind && strcmp(d->kind, "transfer_out") == 0;
    bool bare = out || (d->kind && strcmp(d->kind, "cancelled") == 0); /* no carer */
    buf_t b = BUF_INIT;
    json_error_t err;
    json_t *doc;

    provider_json(d, &b);
    harness_assert_json(b.data, b.len);
    doc = json_loadb(b.data, b.len, JSON_DECODE_INT_AS_REAL, &err);
    HARNESS_ASSERT(json_is_object(doc));
    s_no_null(doc);
    s_same(doc, "referral_id", out ? NULL : d->referral_id);
    s_same(doc, "kind", d->kind);
    if (c) {
        json_t *routing = json_object_get(doc, "routing");
        s_same(doc, "case_id", c->case_id);
        s_same(doc, "provider", provider_recipient(d));
        if (!out)
            s_same(doc, "provider_name", c->provider_name);
        if (bare) {
            HARNESS_ASSERT(!routing);
        } else {
            HARNESS_ASSERT(json_is_object(routing));
            s_same(routing, "rule", c->rule);
            s_same(routing, "reason", c->reason);
            s_same(routing, "signpost", c->signpost);
        }
    }
    if (bare) {
        HARNESS_ASSERT(!json_object_get(doc, "carer") && !json_object_get(doc, "referrals") &&
                       !json_object_get(doc, "cared_for") && !json_object_get(doc, "consent"));
    } else if (who) {
        json_t *carer = json_object_get(doc, "carer");
        HARNESS_ASSERT(json_is_object(carer));
        s_same(carer, "given_name", who->given_name);
        s_same(carer, "family_name", who->family_name);
        s_same(carer, "address", who->address);
        s_same(carer, "email", who->email);
    }
    json_decref(doc);
    buf_free(&b);
}

static void s_pbjson(const ProtobufCMessage *m)
{
    buf_t b = BUF_INIT;
    pbjson_message(&b, m);
    harness_assert_json(b.data, b.len);
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1);
    Carerhub__Envelope *env;
    Carerhub__Referral *r;

    memcpy(s, data, size);
    s[size] = '\0';
    harness_assert_json_string(s);
    free(s);

    env = carerhub__envelope__unpack(NULL, size, data);
    if (env) {
        s_pbjson(&env->base);
        if (env->body_case == CARERHUB__ENVELOPE__BODY_DELIVERY)
            s_case_file(env->delivery);
        if (env->body_case == CARERHUB__ENVELOPE__BODY_FORWARD) {
            for (size_t i = 0; i < env->forward->n_referrals; i++) {
                Carerhub__Referral *one[1] = {env->forward->referrals[i]};
                Carerhub__Case c = CARERHUB__CASE__INIT;
                Carerhub__Delivery d = CARERHUB__DELIVERY__INIT;
                c.case_id = one[0]->id;
                c.reason = one[0]->carer ? one[0]->carer->family_name : NULL;
                c.n_referrals = 1;
                c.referrals = one;
                d.kind = (char *)"new";
                d.referral_id = one[0]->id;
                d.case_ = &c;
                s_case_file(&d);
            }
        }
        carerhub__envelope__free_unpacked(env, NULL);
    }
    r = carerhub__referral__unpack(NULL, size, data);
    if (r) {
        s_pbjson(&r->base);
        carerhub__referral__free_unpacked(r, NULL);
    }
    return 0;
}
