/*
 * The unit test runner's interface: TEST(name) defines a test that registers
 * itself; CHECK* macros record a failure and end the test. Run all tests with
 * `carerhub-test`, or some by name prefix: `carerhub-test route_ postcode_`.
 */
#ifndef CARERHUB_TEST_H
#define CARERHUB_TEST_H

#include <stdbool.h>
#include <string.h>

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool test_failed(void);
/* A fresh empty directory for this test, removed after it. */
const char *test_tmpdir(void);
/* A path under the source tree (tests run from the repository root). */
const char *test_src(const char *rel);

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void test_reg_##name(void)                                 \
    {                                                                                              \
        test_register(#name, test_##name);                                                         \
    }                                                                                              \
    static void test_##name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            test_fail(__FILE__, __LINE__, "%s", #cond);                                            \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                      \
        if (va_ != vb_) {                                                                          \
            test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, va_, #b, vb_);    \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *sa_ = (a), *sb_ = (b);                                                         \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                                               \
            test_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #a,                     \
                      sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                                 \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                                \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (!h_ || !strstr(h_, n_)) {                                                              \
            test_fail(__FILE__, __LINE__, "%s is \"%s\", which lacks \"%s\"", #hay,                \
                      h_ ? h_ : "(null)", n_);                                                     \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#endif
