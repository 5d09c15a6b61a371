/*
 * What the fuzz targets share: finding the repository's configuration, a
 * private temporary directory under /tmp removed at exit, the checking
 * context the intakes use (on a fixed day, so that runs repeat), and what
 * the hub does with a referral once it passes its checks. Every target
 * aborts on a broken invariant so that libFuzzer keeps the input.
 */
#ifndef CARERHUB_FUZZ_HARNESS_H
#define CARERHUB_FUZZ_HARNESS_H

#include "domain/referral.h"
#include "domain/route.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The day every check is made on: 2026-11-23. */
#define HARNESS_YEAR  2026
#define HARNESS_MONTH 11
#define HARNESS_DAY   23

/* Prints "fuzz: invariant broken: <what>" and aborts. */
#define HARNESS_ASSERT(cond)                                                                       \
    do {                                                                                           \
        if (!(cond))                                                                               \
            harness_fail(__FILE__, __LINE__, #cond);                                               \
    } while (0)

_Noreturn void harness_fail(const char *file, int line, const char *what);

/* A file of the source tree (e.g. "config/routing.yaml"), looked for from the
 * current directory, then $CARERHUB_SRC, then three levels above the
 * program (build/fuzz/bin). Returns a new string, or NULL if none exists. */
char *harness_repo_file(const char *rel);

/* A directory of this process under /tmp (under $TMPDIR when that is itself
 * under /tmp), created on the first call and removed with its contents at
 * exit. Borrowed. Aborts if it cannot be made. */
const char *harness_tmpdir(void);

/* Writes n bytes to path, replacing it. Aborts on failure. */
void harness_write(const char *path, const void *data, size_t n);

/* The routing of config/routing.yaml, loaded on first use. Borrowed. */
const route_t *harness_route(void);

/* The context an intake checks with: the fixed day, the district table of
 * the routing and a small stand-in for the postcode unit table. */
void harness_ctx(referral_ctx_t *ctx);

/* Judges r as the hub would when it comes from src: referral_check(), and
 * for a referral that passes, what the router does with it (re-check, match
 * key, age, routing and its explanation, JSON), asserting that an accepted
 * referral stays accepted and unchanged. errs is added to. Returns 0 if r
 * was accepted. */
int harness_judge(Carerhub__Referral *r, Carerhub__Source src, ferrs_t *errs);

/* True if the C string s is well-formed UTF-8. */
bool harness_utf8(const char *s);

/* Asserts that len bytes at s are well-formed UTF-8 without C0 controls. */
void harness_assert_text(const char *s, size_t len);

/* Asserts that len bytes at s are exactly one JSON value, read by jansson
 * (the project's JSON library; linked into the fuzz targets only) with
 * duplicate keys refused (integers beyond int64 are read as reals). */
void harness_assert_json(const char *s, size_t len);

/* Asserts that buf_json_str(s) reads back as a JSON string: equal to s when
 * s is UTF-8, and valid UTF-8 (what the escaper replaced) otherwise. */
void harness_assert_json_string(const char *s);

#endif
