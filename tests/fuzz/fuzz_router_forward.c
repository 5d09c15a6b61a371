/*
 * Fuzz target: a Forward as an intake's key sends it to the router, taken
 * by the router's own code (router_take) into a real case store, as from
 * the GP intake and then as from the school intake. Whatever the bytes, the
 * router never stores a referral whose id is not the forwarding intake's,
 * and never crashes.
 */
#include "harness.h"

#include "router/router.h"
#include "util/file.h"
#include "util/mem.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static router_t s_r;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = harness_tmpdir();
    char err[256], pub[CURVE_Z85], *routing = harness_repo_file("config/routing.yaml"), *abs;
    char *keys = file_join(dir, "keys"), *path, *text, *store;
    diag_t d = DIAG_INIT;
    keypair_t kp;
    (void)argc;
    (void)argv;
    HARNESS_ASSERT(routing != NULL);
    abs = realpath(routing, NULL);
    HARNESS_ASSERT(curve_keygen(keys, "router", &kp, err, sizeof err) == 0);
    memcpy(pub, kp.pub, CURVE_Z85);
    text = xasprintf("participants:\n"
                     "  - {id: gp, role: gp, scope: [F81001, F81002], key: \"%s\"}\n",
                     pub);
    path = file_join(dir, "participants.yaml");
    HARNESS_ASSERT(file_write_atomic(path, text, strlen(text), 0600) == 0);
    free(path);
    free(text);
    text = xasprintf("data_dir: data\nrouting: %s\nlog_level: error\n", abs);
    path = file_join(dir, "carerhub.yaml");
    HARNESS_ASSERT(file_write_atomic(path, text, strlen(text), 0600) == 0);
    s_r.conf = hubconf_load(path, &d);
    HARNESS_ASSERT(s_r.conf != NULL);
    s_r.rt = route_load(s_r.conf->routing, &d);
    HARNESS_ASSERT(s_r.rt != NULL);
    diag_free(&d);
    s_r.sec = secure_start(s_r.conf, "router");
    store = file_join(dir, "store");
    HARNESS_ASSERT(file_private_dir(store) == 0);
    router_store_open(&s_r, store);
    free(store);
    free(path);
    free(text);
    free(keys);
    free(abs);
    free(routing);
    return 0;
}

/* Takes the forward as from the intake of src, then checks that nothing of
 * another intake's ids was stored. */
static void s_take_as(Carerhub__Envelope *env, Carerhub__Source src)
{
    router_fwd_t f;
    memset(&f, 0, sizeof f);
    f.env = env;
    f.source = src;
    f.program = referral_intake_program(src);
    snprintf(f.actor, sizeof f.actor, "%s", referral_intake_name(src));
    router_take(&s_r, &f, 1);
    for (size_t i = 0; i < env->forward->n_referrals; i++) {
        const Carerhub__Referral *ref = env->forward->referrals[i];
        Carerhub__ReferralRecord *rec;
        MDB_txn *txn;
        if (!ref->id || !referral_id_ok(ref->id) || router_fwd_allows(&f, ref))
            continue;
        HARNESS_ASSERT(store_read(s_r.store, &txn) == 0);
        rec = router_get_referral(&s_r, txn, ref->id);
        mdb_txn_abort(txn);
        /* Stored only if the intake it belongs to forwarded it before. */
        HARNESS_ASSERT(!rec || (rec->referral && rec->referral->has_source &&
                                referral_id_of_source(ref->id, rec->referral->source)));
        if (rec)
            carerhub__referral_record__free_unpacked(rec, NULL);
    }
    router_store_events(&s_r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Carerhub__Envelope *env = carerhub__envelope__unpack(NULL, size, data);
    if (env && env->body_case == CARERHUB__ENVELOPE__BODY_FORWARD &&
        env->forward->n_referrals <= WIRE_FORWARD_MAX &&
        env->forward->n_audit <= WIRE_FORWARD_MAX) {
        s_take_as(env, CARERHUB__SOURCE__GP);
        s_take_as(env, CARERHUB__SOURCE__SCHOOL);
    }
    if (env)
        carerhub__envelope__free_unpacked(env, NULL);
    return 0;
}
