/*
 * Fuzz target: a configuration file. The same bytes are read as the hub
 * configuration (carerhub.yaml), the participants file, a routing file and
 * a districts file, each from a file in a private directory under /tmp that
 * also holds a small districts.yaml for routing files to name. A routing
 * that loads is asked to route and explain a few postcodes.
 */
#include "harness.h"

#include "conf/hubconf.h"
#include "domain/geo.h"
#include "domain/participants.h"
#include "domain/route.h"
#include "util/buf.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Essex and its neighbours, with districts of one, two and four authorities. */
static const char s_districts[] =
    "authorities:\n"
    "  E06000033: {name: \"Southend-on-Sea\", country: \"England\"}\n"
    "  E06000034: {name: \"Thurrock\", country: \"England\"}\n"
    "  E07000066: {name: \"Basildon\", country: \"England\"}\n"
    "  E07000067: {name: \"Braintree\", country: \"England\"}\n"
    "  E07000068: {name: \"Brentwood\", country: \"England\"}\n"
    "  E07000069: {name: \"Castle Point\", country: \"England\"}\n"
    "  E07000070: {name: \"Chelmsford\", country: \"England\"}\n"
    "  E07000071: {name: \"Colchester\", country: \"England\"}\n"
    "  E07000072: {name: \"Epping Forest\", country: \"England\"}\n"
    "  E07000073: {name: \"Harlow\", country: \"England\"}\n"
    "  E07000074: {name: \"Maldon\", country: \"England\"}\n"
    "  E07000075: {name: \"Rochford\", country: \"England\"}\n"
    "  E07000076: {name: \"Tendring\", country: \"England\"}\n"
    "  E07000077: {name: \"Uttlesford\", country: \"England\"}\n"
    "  E07000200: {name: \"Babergh\", country: \"England\"}\n"
    "  E07000242: {name: \"East Hertfordshire\", country: \"England\"}\n"
    "  E09000016: {name: \"Havering\", country: \"England\"}\n"
    "districts:\n"
    "  CM1: [E07000070, E07000077]\n"
    "  CM2: [E07000070]\n"
    "  CM3: [E07000067, E07000070, E07000074, E07000077]\n"
    "  CM7: [E07000067, E07000077]\n"
    "  CM13: [E06000034, E07000066, E07000068, E09000016]\n"
    "  CM16: [E07000072]\n"
    "  CM20: [E07000073, E07000242]\n"
    "  CO1: [E07000071]\n"
    "  CO4: [E07000071, E07000076]\n"
    "  CO10: [E07000067, E07000200]\n"
    "  SS0: [E06000033]\n"
    "  SS11: [E07000066, E07000070, E07000075]\n";

static char *s_path;

static void s_free_path(void)
{
    free(s_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = harness_tmpdir();
    char *districts = xasprintf("%s/districts.yaml", dir);
    (void)argc;
    (void)argv;
    harness_write(districts, s_districts, sizeof s_districts - 1);
    free(districts);
    s_path = xasprintf("%s/carerhub.yaml", dir);
    atexit(s_free_path);
    return 0;
}

/* A loader returns its result exactly when it reported no problem. */
static void s_diag_ok(const diag_t *d, bool loaded)
{
    HARNESS_ASSERT(loaded == (d->n == 0));
    for (size_t i = 0; i < d->n; i++)
        HARNESS_ASSERT(d->msgs[i] && *d->msgs[i]);
}

static void s_route(const route_t *rt)
{
    static const char *const postcodes[] = {"CM1 1AA",  "CM1 4AA", "CM2 0AA", "CM3 1AA", "CM7 1AA",
                                            "CM13 1AA", "CO4 3AA", "SS0 7AA", "ZE1 0AA", "GIR 0AA"};
    static const int ages[] = {-1, 10, 17, 40};
    buf_t b = BUF_INIT;

    HARNESS_ASSERT(route_provider_count(rt) > 0 && route_rule_count(rt) > 0);
    for (size_t i = 0; i < route_rule_count(rt); i++)
        HARNESS_ASSERT(*route_rule_provider(rt, (int)i));
    for (size_t i = 0; i < sizeof postcodes / sizeof postcodes[0]; i++)
        for (size_t a = 0; a < sizeof ages / sizeof ages[0]; a++)
            for (int src = ROUTE_SRC_ANY; src <= ROUTE_SRC_SCHOOL; src++) {
                route_result_t res;
                route_decide(rt, postcodes[i], ages[a], (route_src_t)src, NULL, NULL, &res);
                HARNESS_ASSERT(res.provider >= 0 &&
                               (size_t)res.provider < route_provider_count(rt));
                HARNESS_ASSERT(res.ncands <= GEO_MAX_CANDIDATES);
                route_rule_name(rt, &res);
                route_result_lad(&res);
                route_provider_signposts(rt, res.provider);
                buf_reset(&b);
                route_explain(rt, &res, &b);
                HARNESS_ASSERT(b.len > 0);
            }
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diag_t d = DIAG_INIT;
    hubconf_t *conf;
    participants_t *ps;
    route_t *rt;
    geo_t *geo;
    int rc;

    harness_write(s_path, data, size);

    conf = hubconf_load(s_path, &d);
    s_diag_ok(&d, conf != NULL);
    if (conf) {
        char *p = hubconf_data_path(conf, "postcodes");
        HARNESS_ASSERT(conf->data_dir && conf->routing && conf->security.participants);
        free(p);
        hubconf_destroy(&conf);
        HARNESS_ASSERT(conf == NULL);
    }
    diag_free(&d);

    ps = participants_load(s_path, &d);
    s_diag_ok(&d, ps != NULL);
    if (ps) {
        HARNESS_ASSERT(participants_by_key(ps, "") == NULL);
        participants_count(ps);
        participants_destroy(&ps);
    }
    diag_free(&d);

    rt = route_load(s_path, &d);
    s_diag_ok(&d, rt != NULL);
    if (rt) {
        s_route(rt);
        route_destroy(&rt);
    }
    diag_free(&d);

    geo = geo_new();
    rc = geo_load_districts(geo, s_path, &d);
    s_diag_ok(&d, rc == 0);
    geo_destroy(&geo);
    diag_free(&d);
    return 0;
}
