/*
 * Fuzz target: a YAML referral file, read as `carerhub submit` reads it (one
 * referral per document, with the same limits), each document bound and
 * checked as a referral of each of the three sources.
 */
#include "harness.h"

#include "conf/ytree.h"
#include "domain/referral.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    harness_route();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ylimits_t lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 4u << 20};
    static const Carerhub__Source srcs[] = {CARERHUB__SOURCE__GP, CARERHUB__SOURCE__DISCHARGE,
                                            CARERHUB__SOURCE__SCHOOL,
                                            CARERHUB__SOURCE__PROFESSIONAL};
    ystream_t *s = ytree_parse((const char *)data, size, &lim);
    size_t count = ystream_count(s);
    const char *err;
    int line, col;

    for (size_t i = 0; i < count; i++) {
        const ynode_t *root = ystream_doc(s, i);
        if (!root || root->kind != YNODE_MAP)
            continue;
        for (size_t j = 0; j < sizeof srcs / sizeof srcs[0]; j++) {
            ferrs_t errs = FERRS_INIT;
            Carerhub__Referral *r = referral_from_yaml(root, srcs[j], &errs);
            HARNESS_ASSERT(r != NULL);
            harness_judge(r, srcs[j], &errs);
            ferrs_free(&errs);
            carerhub__referral__free_unpacked(r, NULL);
        }
    }
    err = ystream_error(s, &line, &col);
    HARNESS_ASSERT(!err == !ystream_error_code(s));
    HARNESS_ASSERT(!err || (line >= 0 && col >= 0));
    ystream_destroy(&s);
    HARNESS_ASSERT(s == NULL);
    return 0;
}
