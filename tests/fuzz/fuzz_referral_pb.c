/*
 * Fuzz target: a packed Envelope as a submitter sends it to an intake. A
 * submission's referral is judged as each of the three intakes would judge
 * it (unknown fields, then the checks of the source); the referrals of a
 * forward as the router takes them. The same bytes are also read as a bare
 * Referral, and every envelope is written as JSON as the CLI prints replies.
 */
#include "harness.h"

#include "carerhub.pb-c.h"
#include "domain/referral.h"
#include "util/buf.h"
#include "wire/pbjson.h"

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

/* Judges the referral of a submission, then the bytes as a bare referral,
 * as the intake of src would: each unpacked afresh, since checking
 * normalises in place. */
static void s_judge(const uint8_t *data, size_t size, Carerhub__Source src)
{
    Carerhub__Envelope *env = carerhub__envelope__unpack(NULL, size, data);
    Carerhub__Referral *r;
    ferrs_t errs = FERRS_INIT;

    if (env && env->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT && env->submit->referral) {
        referral_check_unknown(&env->submit->referral->base, "", &errs);
        harness_judge(env->submit->referral, src, &errs);
        ferrs_free(&errs);
    }
    if (env)
        carerhub__envelope__free_unpacked(env, NULL);
    r = carerhub__referral__unpack(NULL, size, data);
    if (r) {
        referral_check_unknown(&r->base, "", &errs);
        harness_judge(r, src, &errs);
        ferrs_free(&errs);
        carerhub__referral__free_unpacked(r, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const Carerhub__Source srcs[] = {CARERHUB__SOURCE__GP, CARERHUB__SOURCE__DISCHARGE,
                                            CARERHUB__SOURCE__SCHOOL};
    Carerhub__Envelope *env;
    buf_t b = BUF_INIT;

    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++)
        s_judge(data, size, srcs[i]);

    env = carerhub__envelope__unpack(NULL, size, data);
    if (!env)
        return 0;
    /* A forward's referrals, as the router takes them from an intake. */
    if (env->body_case == CARERHUB__ENVELOPE__BODY_FORWARD) {
        for (size_t i = 0; i < env->forward->n_referrals; i++) {
            Carerhub__Referral *r = env->forward->referrals[i];
            ferrs_t errs = FERRS_INIT;
            referral_check_unknown(&r->base, "", &errs);
            harness_judge(r, r->source, &errs);
            ferrs_free(&errs);
        }
    }
    pbjson_message(&b, &env->base);
    harness_assert_text(b.data, b.len);
    harness_assert_json(b.data, b.len);
    buf_free(&b);
    carerhub__envelope__free_unpacked(env, NULL);
    return 0;
}
