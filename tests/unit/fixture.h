/*
 * What the unit tests that run a daemon's own code need around it: key
 * pairs, a participants file and a configuration with the shipped routing,
 * all in the test's temporary directory.
 */
#ifndef CARERHUB_TEST_FIXTURE_H
#define CARERHUB_TEST_FIXTURE_H

#include "carerhub.pb-c.h"
#include "conf/hubconf.h"
#include "domain/route.h"
#include "wire/curve.h"

#include <stdbool.h>
#include <stddef.h>

/* A key pair for each of the n names, in the test directory's keys/
 * (kps[i]). Returns 0, or -1 having said why. */
int fixture_keys(const char *const *names, size_t n, keypair_t *kps);
/* Writes participants.yaml and carerhub.yaml (data_dir, the shipped
 * routing, then the YAML of extra) in the test directory, and loads the
 * configuration and its routing. Returns 0, or -1 having said each
 * problem. */
int fixture_conf(const char *participants, const char *extra, hubconf_t **conf, route_t **rt);

/* Document doc (from 0) of a sample referral file of config/samples/ (path
 * from the source tree's top) as a referral of src, as a submitter sends
 * it; NULL if it cannot be read or binds with a problem. */
Carerhub__Referral *fixture_sample(const char *file, Carerhub__Source src, size_t doc);

/* What the samples may say that the web forms do not ask (a professional's
 * part: a source with no form yet): whether key (a YAML key path) is such;
 * and r without it, and without the false of a single box (requests.*,
 * consent.equality_monitoring), which a box not ticked leaves out, to
 * compare with what a form makes. */
bool fixture_form_unasked(const char *key);
void fixture_form_strip(Carerhub__Referral *r);

#endif
