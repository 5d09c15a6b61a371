/*
 * Unit tests of the provider agent's erasure files: what one holds (the
 * ids, version and time, and the files the agent wrote for the case, from
 * its ledger and from the same batch), nothing of the carer whatever the
 * delivery carries, what it must hold to be written, and the file of
 * tests/golden/case/erasure.json byte for byte.
 */
#include "test.h"

#include "../../services/provider/provider.h"
#include "util/file.h"
#include "util/mem.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    Carerhub__Case c;
    Carerhub__Delivery d;
    Carerhub__Carer carer;
    Carerhub__Referral refs[2], *ptrs[2];
} s_del_t;

/* Version v of case C-000004 for afc, of kind; an erasure names its two
 * referrals, another kind carries them with a carer. */
static Carerhub__Delivery *s_del(s_del_t *x, uint32_t v, const char *kind)
{
    static const char *const ids[] = {"GP-7KQ2XM-14", "HD-3TX8PW-4"};
    bool erasure = strcmp(kind, "erasure") == 0;
    carerhub__case__init(&x->c);
    carerhub__delivery__init(&x->d);
    carerhub__carer__init(&x->carer);
    x->carer.given_name = (char *)"Jane";
    x->carer.family_name = (char *)"Smith";
    x->carer.date_of_birth = (char *)"1961-04-02";
    x->carer.postcode = (char *)"CM2 0AA";
    for (size_t i = 0; i < 2; i++) {
        carerhub__referral__init(&x->refs[i]);
        x->refs[i].id = (char *)ids[i];
        x->refs[i].has_source = !erasure;
        x->refs[i].source = i == 0 ? CARERHUB__SOURCE__GP : CARERHUB__SOURCE__DISCHARGE;
        x->refs[i].carer = erasure ? NULL : &x->carer;
        x->ptrs[i] = &x->refs[i];
    }
    x->c.case_id = (char *)"C-000004";
    x->c.provider = (char *)"afc";
    x->c.provider_name = (char *)"Action for Family Carers";
    x->c.has_version = true;
    x->c.version = v;
    x->c.has_erased_at = erasure;
    x->c.erased_at = 1795350000250;
    x->c.n_referrals = 2;
    x->c.referrals = x->ptrs;
    x->c.carer = erasure ? NULL : &x->carer;
    x->d.has_delivery_id = true;
    x->d.delivery_id = v;
    x->d.kind = (char *)kind;
    x->d.referral_id = erasure ? NULL : (char *)ids[v % 2];
    x->d.case_ = &x->c;
    return &x->d;
}

static char *s_json(const Carerhub__Delivery *d)
{
    buf_t b = BUF_INIT;
    provider_json(d, &b);
    return buf_take(&b);
}

TEST(provider_erasure_file_holds_ids_and_nothing_of_the_carer)
{
    s_del_t x;
    char why[200], name[PROVIDER_NAME_MAX], *got;
    Carerhub__Delivery *d = s_del(&x, 5, "erasure");
    CHECK(provider_delivery_ok(d, "afc", why, sizeof why));
    /* Whatever the delivery carries, the file holds ids only. */
    x.c.carer = &x.carer;
    x.c.reason = (char *)"Postcode CM2 0AA is in Chelmsford";
    x.refs[0].carer = &x.carer;
    got = s_json(d);
    CHECK_STR(got, "{\"schema\":\"carerhub.case.v2\",\"kind\":\"erasure\",\"case_id\":\"C-000004\","
                   "\"version\":5,\"provider\":\"afc\",\"provider_name\":\"Action for Family "
                   "Carers\",\"erased_at\":\"2026-11-22T12:20:00.250Z\",\"referral_ids\":[\"GP-"
                   "7KQ2XM-14\",\"HD-3TX8PW-4\"],\"files\":[]}\n");
    free(got);
    provider_file_name(d, name, sizeof name);
    CHECK_STR(name, "C-000004.v000005.erasure.json");
}

TEST(provider_erasure_must_hold_its_version_time_and_referral_ids)
{
    s_del_t x;
    char why[200];
    Carerhub__Delivery *d = s_del(&x, 5, "erasure");
    x.c.has_version = false;
    CHECK(!provider_delivery_ok(d, "afc", why, sizeof why));
    CHECK_CONTAINS(why, "without a case version");
    d = s_del(&x, 5, "erasure");
    x.c.has_erased_at = false;
    CHECK(!provider_delivery_ok(d, "afc", why, sizeof why));
    d = s_del(&x, 5, "erasure");
    x.c.n_referrals = 0;
    CHECK(!provider_delivery_ok(d, "afc", why, sizeof why));
    CHECK_CONTAINS(why, "names no referral");
    d = s_del(&x, 5, "erasure");
    x.refs[1].id = (char *)"HD 3TX8PW 4";
    CHECK(!provider_delivery_ok(d, "afc", why, sizeof why));
    CHECK_CONTAINS(why, "referral 2 of the erasure has no id");
    d = s_del(&x, 5, "erasure");
    CHECK(!provider_delivery_ok(d, "ecs", why, sizeof why));
    CHECK_CONTAINS(why, "not ecs");
    d = s_del(&x, 5, "erasure");
    x.d.kind = (char *)"erase";
    CHECK(!provider_delivery_ok(d, "afc", why, sizeof why));
    CHECK_CONTAINS(why, "cancelled or erasure");
}

TEST(provider_erasure_lists_the_files_the_agent_wrote_for_the_case)
{
    const char *out = test_tmpdir();
    spool_t *sp = spool_open(out);
    s_del_t x[4];
    Carerhub__Delivery *ds[4];
    bool stored[4];
    size_t written;
    char *path, *data = NULL;
    size_t len;
    CHECK(sp != NULL);
    /* Two files, in an earlier batch (the ledger); one more, and the
     * erasure, in this one. */
    ds[0] = s_del(&x[0], 1, "new");
    ds[1] = s_del(&x[1], 2, "update");
    CHECK_INT(spool_write(sp, ds, 2, stored, &written), 0);
    CHECK_INT(written, 2);
    ds[0] = s_del(&x[2], 3, "update");
    ds[1] = s_del(&x[3], 4, "erasure");
    CHECK_INT(spool_write(sp, ds, 2, stored, &written), 0);
    CHECK(stored[0] && stored[1]);
    CHECK_INT(written, 2);
    path = file_join(out, "C-000004.v000004.erasure.json");
    CHECK_INT(file_read_all(path, 1 << 20, &data, &len), 0);
    free(path);
    CHECK_CONTAINS(data,
                   "\"files\":[\"C-000004.v000001.new.json\",\"C-000004.v000002.update.json\","
                   "\"C-000004.v000003.update.json\"]}");
    CHECK(strstr(data, "Smith") == NULL && strstr(data, "CM2") == NULL);
    free(data);
    /* Sent again, it is known: stored, not written again. */
    CHECK_INT(spool_write(sp, &ds[1], 1, stored, &written), 0);
    CHECK(stored[0]);
    CHECK_INT(written, 0);
    spool_close(&sp);
}

TEST(provider_erasure_golden_case_file)
{
    s_del_t x;
    const char *files[] = {"C-000004.v000001.new.json", "C-000004.v000002.update.json"};
    buf_t b = BUF_INIT;
    char path[512], *want = NULL;
    size_t len;
    provider_json_erasure(s_del(&x, 5, "erasure"), files, 2, &b);
    snprintf(path, sizeof path, "%s/erasure.json", test_src("tests/golden/case"));
    if (getenv("UPDATE") && strcmp(getenv("UPDATE"), "1") == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        CHECK(fd >= 0);
        CHECK_INT(file_write_full(fd, b.data, b.len), 0);
        close(fd);
    }
    if (file_read_all(path, 1 << 20, &want, &len) < 0)
        want = NULL;
    if (!want || strcmp(b.data, want) != 0)
        test_fail(__FILE__, __LINE__, "%s differs:\n      got  %s      want %s", path, b.data,
                  want ? want : "(no file)\n");
    free(want);
    buf_free(&b);
}
