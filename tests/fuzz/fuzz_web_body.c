/*
 * Fuzz target: a request body as a browser (or anyone) POSTs it to
 * carerhub-web, decoded by the daemon's own web_form_decode, compared with
 * a plain decoder written here from the rules of
 * application/x-www-form-urlencoded and the daemon's limits; and, when it
 * decodes, turned into a Referral by each referral form (gp, discharge,
 * school) as web_refer does, and by the public /help form as web_help
 * does, then judged as the source's intake would (and /help's errors put
 * in words for the carer).
 * Invariants: the two decoders agree on what is accepted and on every
 * byte of it; what is accepted is at most WEB_FIELDS_MAX fields of at most
 * WEB_FIELD_MAX bytes of UTF-8 without NUL; a refusal says why in UTF-8;
 * the organisation of a referral is the user's whatever the body says;
 * a carer's own referral names no organisation and no referrer;
 * every string of a referral made from an accepted body is UTF-8 without
 * NUL. Leaks are ASan's.
 */
#include "harness.h"

#include "util/mem.h"
#include "util/text.h"
#include "web/web_form.h"
#include "web/web_help.h"
#include "web/web_impl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    harness_route();
    return 0;
}

/* --- the reference decoder ------------------------------------------------ */

/* One decoded name or value: its bytes and their number (a NUL counted,
 * so that a NUL let through would show as a difference). */
typedef struct {
    char *s;
    size_t n;
} s_text_t;

static int s_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (unsigned char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* '+' is a space, %XX the byte XX; anything else itself. false on a %
 * without two hexadecimal digits after it. */
static bool s_ref_unescape(const char *s, size_t n, s_text_t *out)
{
    out->s = xmalloc(n + 1);
    out->n = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (n - i < 3 || s_hexval((unsigned char)s[i + 1]) < 0 ||
                s_hexval((unsigned char)s[i + 2]) < 0)
                return false;
            out->s[out->n++] =
                (char)(s_hexval((unsigned char)s[i + 1]) * 16 + s_hexval((unsigned char)s[i + 2]));
            i += 2;
        } else {
            out->s[out->n++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    return true;
}

/* What the daemon promises to keep: text, within the limit. */
static bool s_ref_acceptable(const s_text_t *t)
{
    if (t->n > WEB_FIELD_MAX || memchr(t->s, '\0', t->n))
        return false;
    for (size_t i = 0, len; i < t->n; i += len)
        if ((len = text_utf8_seq_len((const unsigned char *)t->s + i, t->n - i)) == 0)
            return false;
    return true;
}

/* Decodes the body into up to WEB_FIELDS_MAX pairs (names[i], values[i]);
 * returns how many, or -1 if the daemon must refuse the body. Pieces
 * between '&'s that are empty are no fields; a piece without '=' is a name
 * with an empty value. */
static long s_ref_decode(const char *s, size_t n, s_text_t *names, s_text_t *values)
{
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        const char *piece = s + start, *eq, *value;
        size_t len = i - start;
        if (i < n && s[i] != '&')
            continue;
        start = i + 1;
        if (len == 0)
            continue;
        if (count == WEB_FIELDS_MAX)
            goto refuse;
        eq = memchr(piece, '=', len);
        value = eq ? eq + 1 : piece + len;
        names[count].s = values[count].s = NULL;
        count++;
        if (!s_ref_unescape(piece, (size_t)((eq ? eq : value) - piece), &names[count - 1]) ||
            !s_ref_unescape(value, (size_t)(piece + len - value), &values[count - 1]) ||
            !s_ref_acceptable(&names[count - 1]) || !s_ref_acceptable(&values[count - 1]))
            goto refuse;
    }
    return (long)count;
refuse:
    for (size_t k = 0; k < count; k++) {
        free(names[k].s);
        free(values[k].s);
    }
    return -1;
}

/* --- a referral's strings -------------------------------------------------- */

static void s_assert_string(const char *s)
{
    HARNESS_ASSERT(s != NULL);
    HARNESS_ASSERT(harness_utf8(s));
}

/* Every string field of m, at any depth, is UTF-8 (a C string has no
 * NUL inside by construction; what matters is that nothing cut one
 * short or in the middle of a character). */
static void s_assert_strings(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *at = base + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            for (size_t k = 0; k < n; k++) {
                if (f->type == PROTOBUF_C_TYPE_STRING)
                    s_assert_string((*(char *const *const *)at)[k]);
                else if (f->type == PROTOBUF_C_TYPE_MESSAGE)
                    s_assert_strings((*(const ProtobufCMessage *const *const *)at)[k]);
            }
        } else if (f->type == PROTOBUF_C_TYPE_STRING && *(const char *const *)at) {
            s_assert_string(*(const char *const *)at);
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE && *(const ProtobufCMessage *const *)at) {
            s_assert_strings(*(const ProtobufCMessage *const *)at);
        }
    }
}

/* --- the forms ------------------------------------------------------------- */

/* The organisation's field of r, as web_form_referral set it. */
static const char *s_org_of(const Carerhub__Referral *r, Carerhub__Source src)
{
    switch (src) {
    case CARERHUB__SOURCE__GP:
        return r->gp ? r->gp->practice : NULL;
    case CARERHUB__SOURCE__DISCHARGE:
        return r->discharge && r->discharge->hospital ? r->discharge->hospital->trust : NULL;
    case CARERHUB__SOURCE__SCHOOL:
        return r->school && r->school->school ? r->school->school->urn : NULL;
    default:
        return NULL;
    }
}

static void s_forms(const web_form_t *f)
{
    static const struct {
        Carerhub__Source src;
        const char *org;
    } users[] = {{CARERHUB__SOURCE__GP, "F81001"},
                 {CARERHUB__SOURCE__DISCHARGE, "RAJ"},
                 {CARERHUB__SOURCE__SCHOOL, "115000"}};
    for (size_t u = 0; u < sizeof users / sizeof users[0]; u++) {
        const web_formdef_t *def = web_form_of(users[u].src);
        ferrs_t errs = FERRS_INIT;
        Carerhub__Referral *r;
        HARNESS_ASSERT(def != NULL);
        r = web_form_referral(def, f->n, (const char *const *)f->names,
                              (const char *const *)f->values, users[u].org, &errs);
        HARNESS_ASSERT(r != NULL);
        s_assert_strings(&r->base);
        /* The user's organisation, whatever the body says of it. */
        HARNESS_ASSERT(s_org_of(r, users[u].src) &&
                       strcmp(s_org_of(r, users[u].src), users[u].org) == 0);
        for (size_t i = 0; i < errs.n; i++) {
            HARNESS_ASSERT(harness_utf8(errs.v[i].field) && harness_utf8(errs.v[i].message));
            /* The page finds the input an error belongs to, or none. */
            (void)web_form_field_of_error(def, errs.v[i].field);
        }
        harness_judge(r, users[u].src, &errs);
        for (size_t i = 0; i < errs.n; i++)
            (void)web_form_field_of_error(def, errs.v[i].field);
        ferrs_free(&errs);
        carerhub__referral__free_unpacked(r, NULL);
    }
}

/* The public /help form: a carer's own referral, whatever the body says
 * of an organisation or a referrer. */
static void s_help(const web_form_t *f)
{
    ferrs_t errs = FERRS_INIT, words = FERRS_INIT;
    date_t today;
    Carerhub__Referral *r;
    HARNESS_ASSERT(date_parse("2026-12-01", &today) == 0);
    r = web_help_referral(f->n, (const char *const *)f->names, (const char *const *)f->values,
                          today, &errs);
    HARNESS_ASSERT(r != NULL);
    s_assert_strings(&r->base);
    HARNESS_ASSERT(!r->gp && !r->discharge && !r->school && !r->referrer);
    harness_judge(r, CARERHUB__SOURCE__SELF, &errs);
    web_help_words(&errs, &words);
    HARNESS_ASSERT(words.n == errs.n);
    for (size_t i = 0; i < words.n; i++) {
        HARNESS_ASSERT(harness_utf8(words.v[i].field) && harness_utf8(words.v[i].message));
        (void)web_form_field_of_error(web_help_form(), words.v[i].field);
    }
    ferrs_free(&words);
    ferrs_free(&errs);
    carerhub__referral__free_unpacked(r, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static s_text_t names[WEB_FIELDS_MAX], values[WEB_FIELDS_MAX];
    web_form_t f;
    char why[256];
    long want = s_ref_decode((const char *)data, size, names, values);
    int rc = web_form_decode((const char *)data, size, &f, why, sizeof why);

    if (rc < 0) {
        HARNESS_ASSERT(want < 0);
        HARNESS_ASSERT(*why && harness_utf8(why));
        HARNESS_ASSERT(f.n == 0 && !f.names && !f.values);
        return 0;
    }
    HARNESS_ASSERT(rc == 0 && !*why);
    HARNESS_ASSERT(want >= 0 && f.n == (size_t)want && f.n <= WEB_FIELDS_MAX);
    for (size_t i = 0; i < f.n; i++) {
        HARNESS_ASSERT(strlen(f.names[i]) == names[i].n && strlen(f.values[i]) == values[i].n);
        HARNESS_ASSERT(memcmp(f.names[i], names[i].s, names[i].n) == 0);
        HARNESS_ASSERT(memcmp(f.values[i], values[i].s, values[i].n) == 0);
        HARNESS_ASSERT(names[i].n <= WEB_FIELD_MAX && values[i].n <= WEB_FIELD_MAX);
        HARNESS_ASSERT(harness_utf8(f.names[i]) && harness_utf8(f.values[i]));
        free(names[i].s);
        free(values[i].s);
    }
    s_forms(&f);
    s_help(&f);
    web_form_free(&f);
    HARNESS_ASSERT(f.n == 0 && !f.names && !f.values);
    return 0;
}
