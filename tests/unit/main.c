/*
 * Unit test runner: runs every registered test, or those whose names start
 * with one of the arguments, each with its own temporary directory. Prints
 * one line per test and a summary; exits 1 if any failed.
 */
#include "test.h"

#include "util/log.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *name;
    test_fn fn;
} s_test_t;

static s_test_t *s_tests;
static size_t s_ntests, s_cap;
static bool s_failed;
static char s_tmp[256];
static char s_path[4096];

void test_register(const char *name, test_fn fn)
{
    s_tests = xgrow(s_tests, &s_cap, s_ntests + 1, sizeof *s_tests);
    s_tests[s_ntests].name = name;
    s_tests[s_ntests].fn = fn;
    s_ntests++;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    s_failed = true;
    fprintf(stdout, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

bool test_failed(void)
{
    return s_failed;
}

const char *test_tmpdir(void)
{
    if (!s_tmp[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(s_tmp, sizeof s_tmp, "%s/carerhub-test.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(s_tmp)) {
            perror("mkdtemp");
            exit(1);
        }
    }
    return s_tmp;
}

const char *test_src(const char *rel)
{
    const char *root = getenv("CARERHUB_SRC");
    snprintf(s_path, sizeof s_path, "%s/%s", root && *root ? root : ".", rel);
    return s_path;
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(((const s_test_t *)a)->name, ((const s_test_t *)b)->name);
}

static void s_rmtmp(void)
{
    char cmd[300];
    if (!s_tmp[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_tmp);
    s_tmp[0] = '\0';
}

int main(int argc, char **argv)
{
    size_t run = 0, failed = 0;

    log_init("carerhub-test");
    log_set_level(getenv("TEST_VERBOSE") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
    qsort(s_tests, s_ntests, sizeof *s_tests, s_cmp);
    for (size_t i = 0; i < s_ntests; i++) {
        bool wanted = argc < 2;
        for (int a = 1; a < argc; a++)
            if (strncmp(s_tests[i].name, argv[a], strlen(argv[a])) == 0)
                wanted = true;
        if (!wanted)
            continue;
        s_failed = false;
        s_tests[i].fn();
        s_rmtmp();
        run++;
        if (s_failed)
            failed++;
        printf("%s %s\n", s_failed ? "FAIL" : "ok  ", s_tests[i].name);
        fflush(stdout);
    }
    free(s_tests);
    printf("%zu tests, %zu failed\n", run, failed);
    if (run == 0) {
        printf("no test matches\n");
        return 1;
    }
    return failed ? 1 : 0;
}
