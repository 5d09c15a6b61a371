/*
 * The unit tests' keys and configuration: see fixture.h.
 */
#include "fixture.h"

#include "test.h"
#include "conf/ytree.h"
#include "domain/referral.h"
#include "util/file.h"
#include "util/mem.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fixture_keys(const char *const *names, size_t n, keypair_t *kps)
{
    char *keys = file_join(test_tmpdir(), "keys"), err[256];
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if ((rc = curve_keygen(keys, names[i], &kps[i], err, sizeof err)) < 0)
            fprintf(stderr, "    %s\n", err);
    free(keys);
    return rc < 0 ? -1 : 0;
}

static char *s_write(const char *name, const char *text)
{
    char *path = file_join(test_tmpdir(), name);
    file_write_atomic(path, text, strlen(text), 0600);
    return path;
}

int fixture_conf(const char *participants, const char *extra, hubconf_t **conf, route_t **rt)
{
    char *routing = realpath(test_src("config/routing.yaml"), NULL);
    char *yaml = xasprintf("data_dir: data\nrouting: %s\n%s", routing ? routing : "", extra);
    char *path;
    diag_t d = DIAG_INIT;

    free(s_write("participants.yaml", participants));
    path = s_write("carerhub.yaml", yaml);
    *conf = hubconf_load(path, &d);
    *rt = *conf ? route_load((*conf)->routing, &d) : NULL;
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "    %s\n", d.msgs[i]);
    diag_free(&d);
    free(path);
    free(yaml);
    free(routing);
    return *rt ? 0 : -1;
}

Carerhub__Referral *fixture_sample(const char *file, Carerhub__Source src, size_t doc)
{
    static const ylimits_t lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 1 << 20};
    ferrs_t errs = FERRS_INIT;
    char *data;
    size_t len;
    ystream_t *ys;
    Carerhub__Referral *r = NULL;
    if (file_read_all(test_src(file), 1 << 20, &data, &len) < 0)
        return NULL;
    ys = ytree_parse(data, len, &lim);
    free(data);
    if (ystream_doc(ys, doc))
        r = referral_from_yaml(ystream_doc(ys, doc), src, &errs);
    ystream_destroy(&ys);
    if (errs.n && r) {
        carerhub__referral__free_unpacked(r, NULL);
        r = NULL;
    }
    ferrs_free(&errs);
    return r;
}

bool fixture_form_unasked(const char *key)
{
    /* A professional's part: its own source, with no web form yet. */
    return strncmp(key, "professional", 12) == 0 && (key[12] == '.' || key[12] == '\0');
}

/* A yes/no of a form's single box, false in r: as if left out. */
static void s_unticked(protobuf_c_boolean *has, protobuf_c_boolean *v)
{
    if (*has && !*v)
        *has = false;
}

void fixture_form_strip(Carerhub__Referral *r)
{
    if (r->professional)
        carerhub__professional_part__free_unpacked(r->professional, NULL);
    r->professional = NULL;
    if (r->requests) {
        Carerhub__Requests *q = r->requests;
        s_unticked(&q->has_carers_assessment, &q->carers_assessment);
        s_unticked(&q->has_emergency_plan, &q->emergency_plan);
        s_unticked(&q->has_benefits_check, &q->benefits_check);
        s_unticked(&q->has_carers_card, &q->carers_card);
    }
    if (r->consent)
        s_unticked(&r->consent->has_equality_monitoring, &r->consent->equality_monitoring);
}
