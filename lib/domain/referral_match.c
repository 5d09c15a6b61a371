/*
 * Carer matching keys and other small views of a referral: see referral.h.
 * Family names are folded so that the same carer written twice by two
 * referrers gives one key: case, accents, spaces, hyphens and apostrophes
 * do not count ("O'Brien-Smith" and "obrien smith" match).
 */
#include "domain/referral.h"

#include "util/mem.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Base letters of U+00C0..U+017F (Latin-1 Supplement and Latin Extended-A),
 * lower case; '\0' where there is none. */
static const char s_latin[] =
    /* C0 */ "aaaaaaaceeeeiiii"
             /* D0 */ "dnooooo\0ouuuuyts"
             /* E0 */ "aaaaaaaceeeeiiii"
             /* F0 */ "dnooooo\0ouuuuyty"
             /* 100 */ "aaaaaaccccccccdd"
             /* 110 */ "ddeeeeeeeeeegggg"
             /* 120 */ "gggghhhhiiiiiiii"
             /* 130 */ "iiiijjkkklllllll"
             /* 140 */ "lllnnnnnnnnnoooo"
             /* 150 */ "oooorrrrrrssssss"
             /* 160 */ "ssttttttuuuuuuuu"
             /* 170 */ "uuuuwwyyyzzzzzzs";

static size_t s_fold(const char *in, char *out, size_t outsz)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t n = 0;
    while (*p && n + 1 < outsz) {
        unsigned cp = 0;
        if (*p < 0x80) {
            char c = (char)*p++;
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                out[n++] = c;
            continue;
        }
        if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
            cp = (unsigned)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
            if (cp >= 0xc0 && cp <= 0x17f && s_latin[cp - 0xc0]) {
                out[n++] = s_latin[cp - 0xc0];
                p += 2;
                continue;
            }
            if (cp < 0xc0) { /* no-break space, Latin-1 punctuation */
                p += 2;
                continue;
            }
        }
        if (p[0] == 0xe2 && (p[1] == 0x80 || p[1] == 0x81) && (p[2] & 0xc0) == 0x80) {
            /* General Punctuation (U+2000-U+207F): typographic apostrophes,
             * dashes and spaces, as word processors write them. */
            p += 3;
            continue;
        }
        /* Any other character is kept as it is, byte for byte. */
        out[n++] = (char)*p++;
    }
    out[n] = '\0';
    return n;
}

size_t referral_fold_name(const char *in, char *out, size_t outsz)
{
    return s_fold(in ? in : "", out, outsz);
}

/* A phone number as digits alone, a leading +44 (or 0044) read as 0:
 * "+44 7700 900111" and "07700-900111" are the same number. */
static size_t s_phone(const char *in, char *out, size_t outsz)
{
    size_t n = 0;
    const char *p = in ? in : "";
    while (*p == ' ')
        p++;
    if (strncmp(p, "+44", 3) == 0 || strncmp(p, "0044", 4) == 0) {
        p += *p == '+' ? 3 : 4;
        while (*p == ' ' || *p == '(' || *p == ')')
            p++;
        if (*p == '0') /* +44 (0)7700 ... */
            p++;
        if (n + 1 < outsz)
            out[n++] = '0';
    }
    for (; *p && n + 1 < outsz; p++)
        if (*p >= '0' && *p <= '9')
            out[n++] = *p;
    out[n] = '\0';
    return n;
}

size_t referral_person_keys(const Carerhub__Carer *c, char keys[][512])
{
    char family[160], given[160], pc[16], phone[32];
    size_t n = 0, j = 0;
    if (!c || !c->date_of_birth || !*c->date_of_birth ||
        s_fold(c->family_name ? c->family_name : "", family, sizeof family) == 0 ||
        s_fold(c->given_name ? c->given_name : "", given, sizeof given) == 0)
        return 0;
    for (const char *p = c->postcode ? c->postcode : ""; *p && j + 1 < sizeof pc; p++)
        if (*p != ' ')
            pc[j++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    pc[j] = '\0';
    if (pc[0])
        snprintf(keys[n++], 512, "%s\x1f%s\x1f%.10s\x1fp:%s", family, given, c->date_of_birth, pc);
    if (s_phone(c->phone, phone, sizeof phone) >= 6)
        snprintf(keys[n++], 512, "%s\x1f%s\x1f%.10s\x1ft:%s", family, given, c->date_of_birth,
                 phone);
    return n;
}

int referral_nhs_key(const char *nhs, const char *dob, char *out, size_t outsz)
{
    if (!nhs || !*nhs || strlen(nhs) > 16 || (dob && !*dob))
        return -1;
    if (snprintf(out, outsz, "%s\x1f%.10s", nhs, dob ? dob : "") >= (int)outsz)
        return -1;
    return 0;
}

static bool s_set(const char *s)
{
    return s && *s;
}

static void s_take(char **into, const char *from)
{
    free(*into);
    *into = s_set(from) ? xstrdup(from) : NULL;
}

void referral_carer_merge(Carerhub__Carer **into, const Carerhub__Carer *newer)
{
    Carerhub__Carer *c = *into;
    const ProtobufCMessageDescriptor *d = &carerhub__carer__descriptor;
    bool moved;
    if (!newer)
        return;
    if (!c) {
        c = *into = xmalloc(sizeof *c);
        carerhub__carer__init(c);
    }
    moved = s_set(newer->postcode) &&
            !(s_set(c->postcode) && strcmp(c->postcode, newer->postcode) == 0);
    if (moved)
        s_take(&c->address, newer->address);
    /* Every field of Carer is a string. */
    for (unsigned i = 0; i < d->n_fields; i++) {
        char **to = (char **)((char *)c + d->fields[i].offset);
        char *const *from = (char *const *)((const char *)newer + d->fields[i].offset);
        if (d->fields[i].type == PROTOBUF_C_TYPE_STRING && s_set(*from))
            s_take(to, *from);
    }
}

int referral_carer_age(const Carerhub__Referral *r)
{
    date_t dob, on;
    if (!r->carer || date_parse(r->carer->date_of_birth, &dob) < 0 ||
        date_parse(r->referral_date, &on) < 0)
        return -1;
    return date_age(dob, on);
}

Carerhub__Referral *referral_dup(const Carerhub__Referral *r)
{
    size_t n = carerhub__referral__get_packed_size(r);
    uint8_t *buf = xmalloc(n);
    Carerhub__Referral *copy;
    carerhub__referral__pack(r, buf);
    copy = carerhub__referral__unpack(NULL, n, buf);
    free(buf);
    return copy;
}
