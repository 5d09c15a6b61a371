/*
 * Shared by the fuzz targets: see harness.h.
 */
#include "harness.h"

#include "domain/nhs.h"
#include "domain/postcode.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/text.h"
#include "wire/pbjson.h"

#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_tmp[PATH_MAX];
static route_t *s_rt;

void harness_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: fuzz: invariant broken: %s\n", file, line, what);
    abort();
}

char *harness_repo_file(const char *rel)
{
    const char *src = getenv("CARERHUB_SRC");
    char exe[PATH_MAX];
    ssize_t n;

    if (file_exists(rel))
        return xstrdup(rel);
    if (src && *src) {
        char *p = file_join(src, rel);
        if (file_exists(p))
            return p;
        free(p);
    }
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *dir, *up, *p;
        exe[n] = '\0';
        dir = xstrdup(exe);
        for (int i = 0; i < 4; i++) { /* the program, bin, fuzz, build */
            up = file_dirname(dir);
            free(dir);
            dir = up;
        }
        p = file_join(dir, rel);
        free(dir);
        if (file_exists(p))
            return p;
        free(p);
    }
    return NULL;
}

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void s_cleanup(void)
{
    if (s_tmp[0])
        nftw(s_tmp, s_remove, 16, FTW_DEPTH | FTW_PHYS);
    route_destroy(&s_rt);
}

static void s_cleanup_at_exit(void)
{
    static bool registered;
    if (!registered)
        atexit(s_cleanup);
    registered = true;
}

const char *harness_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    if (s_tmp[0])
        return s_tmp;
    /* Nothing a target writes may land outside /tmp. */
    if (!base || strncmp(base, "/tmp/", 5) != 0 || strstr(base, "/.."))
        base = "/tmp";
    snprintf(s_tmp, sizeof s_tmp, "%s/carerhub-fuzz-XXXXXX", base);
    if (!mkdtemp(s_tmp)) {
        perror(s_tmp);
        abort();
    }
    s_cleanup_at_exit();
    return s_tmp;
}

void harness_write(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || file_write_full(fd, data, n) < 0 || close(fd) < 0) {
        perror(path);
        abort();
    }
}

const route_t *harness_route(void)
{
    diag_t d = DIAG_INIT;
    char *path;
    if (s_rt)
        return s_rt;
    path = harness_repo_file("config/routing.yaml");
    if (!path) {
        fprintf(stderr, "fuzz: cannot find config/routing.yaml; run from the source tree or set "
                        "CARERHUB_SRC\n");
        abort();
    }
    s_rt = route_load(path, &d);
    if (!s_rt) {
        diag_print(&d, stderr);
        abort();
    }
    diag_free(&d);
    free(path);
    s_cleanup_at_exit();
    return s_rt;
}

/* A stand-in for the postcode unit table: one sector of a listed authority
 * and one of an authority the district table lacks. */
static int s_unit(void *arg, const char *postcode, char *lad_code)
{
    (void)arg;
    if (strncmp(postcode, "CM1 1", 5) == 0) {
        strcpy(lad_code, "E07000070");
        return 1;
    }
    if (strncmp(postcode, "CM7 1", 5) == 0) {
        strcpy(lad_code, "W06000099");
        return 1;
    }
    return 0;
}

void harness_ctx(referral_ctx_t *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->today = date_from_ymd(HARNESS_YEAR, HARNESS_MONTH, HARNESS_DAY);
    ctx->geo = route_geo(harness_route());
    ctx->unit = s_unit;
}

void harness_assert_text(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = text_utf8_seq_len(p + i, len - i);
        HARNESS_ASSERT(n > 0);
        HARNESS_ASSERT(n > 1 || p[i] >= 0x20);
        i += n;
    }
}

bool harness_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    for (size_t i = 0, n; i < len; i += n)
        if ((n = text_utf8_seq_len(p + i, len - i)) == 0)
            return false;
    return true;
}

static uint8_t *s_pack(const Carerhub__Referral *r, size_t *n)
{
    uint8_t *buf;
    *n = carerhub__referral__get_packed_size(r);
    buf = xmalloc(*n);
    HARNESS_ASSERT(carerhub__referral__pack(r, buf) == *n);
    return buf;
}

/* What happens to a referral an intake accepts. */
static void s_accepted(Carerhub__Referral *r, Carerhub__Source src, const referral_ctx_t *ctx)
{
    const route_t *rt = harness_route();
    Carerhub__Carer *c = r->carer;
    Carerhub__Referral *copy;
    ferrs_t again = FERRS_INIT;
    route_result_t res;
    buf_t b = BUF_INIT;
    char pc[POSTCODE_MAX], nhs[NHS_NUMBER_MAX], keys[REFERRAL_KEYS_MAX][512];
    size_t nkeys;
    uint8_t *before, *after;
    size_t nbefore, nafter;
    int age;

    /* Accepted means normalised. */
    HARNESS_ASSERT(c && c->postcode);
    HARNESS_ASSERT(postcode_normalise(c->postcode, pc) == 0 && strcmp(pc, c->postcode) == 0);
    if (c->nhs_number)
        HARNESS_ASSERT(nhs_number_parse(c->nhs_number, nhs) == NHS_OK &&
                       strcmp(nhs, c->nhs_number) == 0);

    /* The intake stamps it; the router checks it again after the wire. */
    r->has_source = 1;
    r->source = src;
    free(r->referral_date);
    r->referral_date = xstrdup("2026-11-23");
    before = s_pack(r, &nbefore);
    copy = referral_dup(r);
    HARNESS_ASSERT(copy != NULL);
    if (referral_check(copy, src, ctx, &again) < 0) {
        fprintf(stderr, "fuzz: accepted, then refused: %s: %s\n", again.v[0].field,
                again.v[0].message);
        HARNESS_ASSERT(!"an accepted referral passes its checks again");
    }
    after = s_pack(copy, &nafter);
    HARNESS_ASSERT(nbefore == nafter && memcmp(before, after, nbefore) == 0);
    free(before);
    free(after);
    ferrs_free(&again);
    carerhub__referral__free_unpacked(copy, NULL);

    age = referral_carer_age(r);
    HARNESS_ASSERT(age >= 0 && age <= 121);
    nkeys = referral_person_keys(r->carer, keys);
    HARNESS_ASSERT(nkeys <= REFERRAL_KEYS_MAX);
    for (size_t i = 0; i < nkeys; i++) {
        /* Names, date of birth, postcode or phone: four parts, each text. */
        int seps = 0;
        for (char *p = keys[i]; *p; p++)
            if (*p == '\x1f') {
                *p = ' ';
                seps++;
            }
        HARNESS_ASSERT(seps == 3);
        harness_assert_text(keys[i], strlen(keys[i]));
    }

    route_decide(rt, pc, age, referral_route_source(src), s_unit, NULL, &res);
    HARNESS_ASSERT(res.provider >= 0 && *route_provider_id(rt, res.provider));
    HARNESS_ASSERT(*route_rule_name(rt, &res));
    route_explain(rt, &res, &b);
    harness_assert_text(b.data, b.len);
    buf_reset(&b);
    pbjson_message(&b, &r->base);
    harness_assert_text(b.data, b.len);
    harness_assert_json(b.data, b.len);
    buf_free(&b);
}

int harness_judge(Carerhub__Referral *r, Carerhub__Source src, ferrs_t *errs)
{
    referral_ctx_t ctx;
    size_t before = errs->n;
    int rc;

    harness_ctx(&ctx);
    rc = referral_check(r, src, &ctx, errs);
    HARNESS_ASSERT((rc < 0) == (errs->n > before));
    /* Errors go back to the submitter in protobuf strings: UTF-8. */
    for (size_t i = 0; i < errs->n; i++) {
        HARNESS_ASSERT(errs->v[i].field && *errs->v[i].code && *errs->v[i].message);
        HARNESS_ASSERT(harness_utf8(errs->v[i].field) && harness_utf8(errs->v[i].message));
    }
    if (errs->n)
        return -1;
    s_accepted(r, src, &ctx);
    return 0;
}

void harness_assert_json(const char *s, size_t len)
{
    json_error_t err;
    /* Integers beyond int64 (uint64 fields) are valid JSON that jansson
     * reads only as reals. */
    json_t *v = json_loadb(
        s, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &err);
    if (!v) {
        fprintf(stderr, "fuzz: not JSON at byte %d: %s: %.*s\n", err.position, err.text,
                (int)(len < 4000 ? len : 4000), s);
        HARNESS_ASSERT(!"every JSON output parses");
    }
    json_decref(v);
}

void harness_assert_json_string(const char *s)
{
    buf_t b = BUF_INIT;
    json_error_t err;
    json_t *v;
    buf_json_str(&b, s);
    v = json_loadb(b.data, b.len, JSON_DECODE_ANY, &err);
    if (!v)
        fprintf(stderr, "fuzz: not a JSON string at byte %d: %s: %s\n", err.position, err.text,
                b.data);
    HARNESS_ASSERT(v && json_is_string(v));
    HARNESS_ASSERT(harness_utf8(json_string_value(v)));
    if (harness_utf8(s))
        HARNESS_ASSERT(json_string_length(v) == strlen(s) && strcmp(json_string_value(v), s) == 0);
    json_decref(v);
    buf_free(&b);
}
