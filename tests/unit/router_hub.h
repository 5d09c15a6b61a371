/*
 * A router on a fresh case store for unit tests: real keys and participants
 * in a temporary directory, the shipped routing for Essex. See router_hub.c.
 */
#ifndef CARERHUB_TEST_ROUTER_HUB_H
#define CARERHUB_TEST_ROUTER_HUB_H

#include "router/router.h"

typedef struct {
    router_t r;
    Carerhub__Envelope env;
    Carerhub__Forward fwd;
    router_fwd_t f;
    void *agent; /* a provider agent's socket, when a test opens one */
} hub_t;

extern char hub_pub[4][CURVE_Z85];
extern keypair_t hub_agent_kp; /* the carers-first agent's key pair */

/* A router on a fresh store, with router.submitter_case_max set to max. */
int hub_open(hub_t *h, int max);
void hub_close(hub_t *h);
/* The first card of config/samples/gp.yaml, stamped as the GP intake does. */
Carerhub__Referral *hub_card(const char *id, const char *submitted_by);
/* Takes one referral as forwarded by the intake of src. */
int hub_take(hub_t *h, Carerhub__Source src, const char *actor, Carerhub__Referral *ref);
Carerhub__ReferralRecord *hub_get(hub_t *h, const char *id);
uint64_t hub_stat(hub_t *h, const char *name);

#endif
