/*
 * Carer matching keys and other small views of a referral: see referral.h.
 * Family names are folded so that the same carer written twice by two
 * referrers gives one key: case, accents, spaces, hyphens and apostrophes
 * do not count ("O'Brien-Smith" and "obrien smith" match).
 */
#include "domain/referral.h"

#include "util/mem.h"

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

int referral_match_key(const Carerhub__Referral *r, char *out, size_t outsz)
{
    char family[256], pc[16];
    size_t j = 0;
    const Carerhub__Carer *c = r->carer;
    if (!c || !c->family_name || !c->date_of_birth || !c->postcode)
        return -1;
    if (s_fold(c->family_name, family, sizeof family) == 0)
        return -1;
    for (const char *p = c->postcode; *p && j + 1 < sizeof pc; p++)
        if (*p != ' ')
            pc[j++] = *p;
    pc[j] = '\0';
    if (snprintf(out, outsz, "%s|%s|%s", family, c->date_of_birth, pc) >= (int)outsz)
        return -1;
    return 0;
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
