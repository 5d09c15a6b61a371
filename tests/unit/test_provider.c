/*
 * Unit tests of the provider agent's spool (services/provider): case files
 * appear whole and only where no file is, and nothing is written through a
 * name someone planted.
 */
#include "test.h"

#include "../../services/provider/provider.h"
#include "util/file.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    Carerhub__Case c;
    Carerhub__Delivery d;
} s_del_t;

static Carerhub__Delivery *s_del(s_del_t *x, const char *rid, const char *case_id)
{
    carerhub__case__init(&x->c);
    x->c.case_id = (char *)case_id;
    x->c.provider = (char *)"afc";
    carerhub__delivery__init(&x->d);
    x->d.has_delivery_id = true;
    x->d.delivery_id = 1;
    x->d.kind = (char *)"new";
    x->d.referral_id = (char *)rid;
    x->d.case_ = &x->c;
    return &x->d;
}

/* A delivery of version v of a case, of kind (rid may be NULL). */
static Carerhub__Delivery *s_vdel(s_del_t *x, const char *case_id, uint32_t v, const char *kind,
                                  const char *rid)
{
    Carerhub__Delivery *d = s_del(x, rid, case_id);
    x->c.has_version = true;
    x->c.version = v;
    d->kind = (char *)kind;
    return d;
}

static bool s_exists(const char *dir, const char *name)
{
    char *path = file_join(dir, name);
    struct stat st;
    bool yes = lstat(path, &st) == 0;
    free(path);
    return yes;
}

/* Standard error into a file while a test looks at what is logged. */
static int s_capture(const char *path)
{
    int saved = dup(STDERR_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, STDERR_FILENO);
    close(fd);
    return saved;
}

static char *s_release(int saved, const char *path)
{
    char *data = NULL;
    size_t len;
    dup2(saved, STDERR_FILENO);
    close(saved);
    if (file_read_all(path, 1 << 20, &data, &len) < 0)
        return xstrdup("");
    return data;
}

static char *s_slurp(const char *dir, const char *name)
{
    char *path = file_join(dir, name), *data = NULL;
    size_t len;
    if (file_read_all(path, 1 << 20, &data, &len) < 0)
        data = NULL;
    free(path);
    return data;
}

static void s_put(const char *dir, const char *name, const char *text, mode_t mode)
{
    char *path = file_join(dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd >= 0) {
        file_write_full(fd, text, strlen(text));
        close(fd);
    }
    free(path);
}

TEST(spool_tmp_symlink_is_not_written_through)
{
    char *out = file_join(test_tmpdir(), "spool");
    char *tmp = file_join(out, ".carerhub/tmp/GP-1.tmp");
    char *victim = file_join(test_tmpdir(), "elsewhere");
    char *data;
    spool_t *sp = spool_open(out);
    s_del_t x;
    Carerhub__Delivery *d = s_del(&x, "GP-1", "C-1");
    bool stored = false;
    size_t written = 0;
    struct stat st;

    CHECK(sp);
    s_put(test_tmpdir(), "elsewhere", "someone else's file\n", 0644);
    CHECK_INT(symlink(victim, tmp), 0);
    CHECK_INT(spool_write(sp, &d, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 1);
    /* The planted link's target is untouched... */
    data = s_slurp(test_tmpdir(), "elsewhere");
    CHECK_STR(data, "someone else's file\n");
    free(data);
    CHECK_INT(stat(victim, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0644);
    /* ...and the case file is a private file of its own, not the link. */
    data = file_join(out, "C-1.json");
    CHECK_INT(lstat(data, &st), 0);
    free(data);
    CHECK(S_ISREG(st.st_mode));
    CHECK_INT(st.st_mode & 0777, 0600);
    data = s_slurp(out, "C-1.json");
    CHECK_CONTAINS(data, "\"referral_id\":\"GP-1\"");
    free(data);
    CHECK_INT(lstat(tmp, &st), -1);
    spool_close(&sp);
    free(out);
    free(tmp);
    free(victim);
}

TEST(spool_never_replaces_a_case_file)
{
    char *out = file_join(test_tmpdir(), "spool");
    char *log = file_join(test_tmpdir(), "log");
    char *data, *logged;
    spool_t *sp = spool_open(out);
    s_del_t x, y;
    Carerhub__Delivery *ds[3] = {s_del(&x, "GP-1", "C-1"), s_del(&y, "GP-2", "C-2"), NULL};
    bool stored[3] = {true, false, true};
    size_t written = 0;
    int saved;

    CHECK(sp);
    ds[2] = ds[0]; /* the same delivery twice in a batch fares as the first */
    /* A case file nobody has read yet, from before the router's ids restarted. */
    s_put(out, "C-1.json", "{\"case_id\":\"C-1\",\"unread\":true}\n", 0600);
    saved = s_capture(log);
    CHECK_INT(spool_write(sp, ds, 3, stored, &written), 0);
    logged = s_release(saved, log);
    CHECK(!stored[0]);
    CHECK(stored[1]); /* the rest of the batch goes on */
    CHECK(!stored[2]);
    CHECK_INT(written, 1);
    data = s_slurp(out, "C-1.json");
    CHECK_STR(data, "{\"case_id\":\"C-1\",\"unread\":true}\n");
    free(data);
    CHECK_CONTAINS(logged, "/C-1.json already exists: not replacing it with the case of "
                           "referral GP-1");
    free(logged);
    data = s_slurp(out, ".carerhub/tmp/GP-1.tmp");
    CHECK(data == NULL);
    /* Again (the router's next attempt): still refused, still there. */
    saved = s_capture(log);
    CHECK_INT(spool_write(sp, ds, 1, stored, &written), 0);
    free(s_release(saved, log));
    CHECK(!stored[0]);
    /* Once the old file is moved away, the delivery is written: the ledger
     * never took it for delivered. */
    data = file_join(out, "C-1.json");
    CHECK_INT(unlink(data), 0);
    free(data);
    CHECK_INT(spool_write(sp, ds, 1, stored, &written), 0);
    CHECK(stored[0]);
    CHECK_INT(written, 1);
    data = s_slurp(out, "C-1.json");
    CHECK_CONTAINS(data, "\"referral_id\":\"GP-1\"");
    free(data);
    spool_close(&sp);
    free(out);
    free(log);
}

TEST(spool_recovery_never_replaces_a_case_file)
{
    char *out = file_join(test_tmpdir(), "spool");
    char *final = file_join(out, "C-1.json"), *tmp = file_join(out, ".carerhub/tmp/GP-1.tmp");
    char *log = file_join(test_tmpdir(), "log");
    char *data, *logged;
    spool_t *sp = spool_open(out);
    s_del_t x;
    Carerhub__Delivery *d = s_del(&x, "GP-1", "C-1");
    bool stored = false;
    size_t written = 0;
    int saved;

    CHECK(sp);
    CHECK_INT(spool_write(sp, &d, 1, &stored, &written), 0);
    spool_close(&sp);
    /* As if the agent had stopped after the ledger and before the rename,
     * and a file of that name had appeared meanwhile. */
    CHECK_INT(rename(final, tmp), 0);
    s_put(out, "C-1.json", "other\n", 0600);
    saved = s_capture(log);
    sp = spool_open(out);
    logged = s_release(saved, log);
    CHECK(sp);
    data = s_slurp(out, "C-1.json");
    CHECK_STR(data, "other\n");
    free(data);
    CHECK_CONTAINS(logged, "/C-1.json already exists");
    free(logged);
    /* The ledger forgot it, so the router's next attempt is not taken for a
     * redelivery and acknowledged: it is refused, loudly, until the file
     * is moved away. */
    saved = s_capture(log);
    CHECK_INT(spool_write(sp, &d, 1, &stored, &written), 0);
    free(s_release(saved, log));
    CHECK(!stored);
    CHECK_INT(unlink(final), 0);
    CHECK_INT(spool_write(sp, &d, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 1);
    spool_close(&sp);
    free(out);
    free(final);
    free(tmp);
    free(log);
}

TEST(spool_recovery_completes_a_half_done_link)
{
    char *out = file_join(test_tmpdir(), "spool");
    char *final = file_join(out, "C-1.json"), *tmp = file_join(out, ".carerhub/tmp/GP-1.tmp");
    char *data;
    spool_t *sp = spool_open(out);
    s_del_t x;
    Carerhub__Delivery *d = s_del(&x, "GP-1", "C-1");
    bool stored = false;
    size_t written = 0;
    struct stat st;

    CHECK(sp);
    CHECK_INT(spool_write(sp, &d, 1, &stored, &written), 0);
    spool_close(&sp);
    /* Stopped between the link into place and the unlink from tmp/. */
    CHECK_INT(link(final, tmp), 0);
    sp = spool_open(out);
    CHECK(sp);
    CHECK_INT(lstat(tmp, &st), -1);
    data = s_slurp(out, "C-1.json");
    CHECK_CONTAINS(data, "\"referral_id\":\"GP-1\"");
    free(data);
    /* Still delivered: a redelivery is recognised. */
    CHECK_INT(spool_write(sp, &d, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 0);
    spool_close(&sp);
    free(out);
    free(final);
    free(tmp);
}

static int s_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A case's files sort in delivery order, versioned or from an older
 * router (whose names sort before the versioned ones of their case). */
TEST(provider_file_names_sort_by_version)
{
    static const struct {
        uint32_t v;
        const char *kind, *rid, *want;
    } t[] = {
        {0, "new", "GP-7KQ2M9-1", "C-000004.json"},
        {0, "update", "HD-7KQ2M9-2", "C-000004.update.HD-7KQ2M9-2.json"},
        {1, "update", "GP-7KQ2M9-3", "C-000004.v000001.update.json"},
        {2, "transfer_out", NULL, "C-000004.v000002.transfer_out.json"},
        {3, "transfer_in", "GP-7KQ2M9-3", "C-000004.v000003.transfer_in.json"},
        {9, "update", "SC-7KQ2M9-1", "C-000004.v000009.update.json"},
        {10, "new", "SC-7KQ2M9-2", "C-000004.v000010.new.json"},
        {123456, "update", "SC-7KQ2M9-3", "C-000004.v123456.update.json"},
    };
    enum { N = sizeof t / sizeof *t };
    char names[N][PROVIDER_NAME_MAX], *sorted[N];
    for (size_t i = 0; i < N; i++) {
        s_del_t x;
        Carerhub__Delivery *d = t[i].v ? s_vdel(&x, "C-000004", t[i].v, t[i].kind, t[i].rid)
                                       : s_del(&x, t[i].rid, "C-000004");
        d->kind = (char *)t[i].kind;
        provider_file_name(d, names[i], sizeof names[i]);
        CHECK_STR(names[i], t[i].want);
        sorted[i] = names[i];
    }
    qsort(sorted, N, sizeof *sorted, s_strcmp);
    for (size_t i = 0; i < N; i++)
        CHECK_STR(sorted[i], t[i].want);
}

/* One case can reach an organisation twice for one referral (an update,
 * then a transfer back to it caused by the same referral) or for none (a
 * transfer on an 18th birthday): each version is written once, and a
 * redelivery of a version is recognised, in a later batch or in the same. */
TEST(spool_knows_a_delivery_by_case_and_version)
{
    char *out = file_join(test_tmpdir(), "spool");
    spool_t *sp = spool_open(out);
    s_del_t x, y, z, w;
    Carerhub__Delivery *ds[4];
    bool stored[4];
    size_t written = 99;

    CHECK(sp);
    ds[0] = s_vdel(&x, "C-000004", 2, "update", "GP-7KQ2M9-3");
    CHECK_INT(spool_write(sp, ds, 1, stored, &written), 0);
    CHECK(stored[0]);
    CHECK_INT(written, 1);
    /* The same referral again, as the transfer it caused. */
    ds[0] = s_vdel(&y, "C-000004", 3, "transfer_in", "GP-7KQ2M9-3");
    CHECK_INT(spool_write(sp, ds, 1, stored, &written), 0);
    CHECK(stored[0]);
    CHECK_INT(written, 1);
    CHECK(s_exists(out, "C-000004.v000002.update.json"));
    CHECK(s_exists(out, "C-000004.v000003.transfer_in.json"));
    /* Sent again with the birthday transfer, which has no referral, and
     * that one twice in the batch. */
    ds[0] = s_vdel(&z, "C-000004", 3, "transfer_in", "GP-7KQ2M9-3");
    ds[1] = s_vdel(&w, "C-000004", 4, "transfer_out", NULL);
    ds[2] = ds[1];
    ds[3] = ds[0];
    CHECK_INT(spool_write(sp, ds, 4, stored, &written), 0);
    CHECK(stored[0] && stored[1] && stored[2] && stored[3]);
    CHECK_INT(written, 1);
    CHECK(s_exists(out, "C-000004.v000004.transfer_out.json"));
    /* Again, all already there. */
    CHECK_INT(spool_write(sp, ds, 4, stored, &written), 0);
    CHECK(stored[0] && stored[1] && stored[2] && stored[3]);
    CHECK_INT(written, 0);
    /* A delivery without a version is still known by its referral: a
     * new one once, whatever else the case has had. */
    ds[0] = s_del(&x, "GP-7KQ2M9-3", "C-000004");
    CHECK_INT(spool_write(sp, ds, 1, stored, &written), 0);
    CHECK(stored[0]);
    CHECK_INT(written, 1);
    CHECK(s_exists(out, "C-000004.json"));
    CHECK_INT(spool_write(sp, ds, 1, stored, &written), 0);
    CHECK(stored[0]);
    CHECK_INT(written, 0);
    spool_close(&sp);
    /* And after a restart, from the ledger alone. */
    sp = spool_open(out);
    CHECK(sp);
    ds[0] = s_vdel(&y, "C-000004", 3, "transfer_in", "GP-7KQ2M9-3");
    CHECK_INT(spool_write(sp, ds, 1, stored, &written), 0);
    CHECK(stored[0]);
    CHECK_INT(written, 0);
    spool_close(&sp);
    free(out);
}

/* A delivery with no identity (no version and no referral id, or a
 * version of a case id that is not one) is not stored, and the rest of its
 * batch is. */
TEST(spool_refuses_a_delivery_without_identity)
{
    char *out = file_join(test_tmpdir(), "spool");
    char *log = file_join(test_tmpdir(), "log");
    spool_t *sp = spool_open(out);
    s_del_t x, y, z;
    Carerhub__Delivery *ds[3] = {s_vdel(&x, "C-000005", 0, "transfer_in", NULL),
                                 s_vdel(&y, "../C-000005", 2, "update", "GP-7KQ2M9-5"),
                                 s_vdel(&z, "C-000005", 2, "update", "GP-7KQ2M9-5")};
    bool stored[3];
    size_t written = 0;
    char *logged;
    int saved;

    CHECK(sp);
    saved = s_capture(log);
    CHECK_INT(spool_write(sp, ds, 3, stored, &written), 0);
    logged = s_release(saved, log);
    CHECK(!stored[0]);
    CHECK(!stored[1]);
    CHECK(stored[2]);
    CHECK_INT(written, 1);
    CHECK_CONTAINS(logged, "has no identity");
    free(logged);
    spool_close(&sp);
    free(out);
    free(log);
}

/* A file left in tmp/ under its case and version, after the ledger took it,
 * is put in place at the next start; one the ledger never took is
 * discarded, to be sent again. */
TEST(spool_recovery_of_versioned_deliveries)
{
    char *out = file_join(test_tmpdir(), "spool");
    char *final = file_join(out, "C-000006.v000007.update.json");
    char *tmp = file_join(out, ".carerhub/tmp/C-000006.v000007.tmp");
    char *stray = file_join(out, ".carerhub/tmp/C-000006.v000008.tmp");
    spool_t *sp = spool_open(out);
    s_del_t x, y;
    Carerhub__Delivery *d = s_vdel(&x, "C-000006", 7, "update", "GP-7KQ2M9-6");
    bool stored = false;
    size_t written = 0;
    struct stat st;
    char *data;

    CHECK(sp);
    CHECK_INT(spool_write(sp, &d, 1, &stored, &written), 0);
    spool_close(&sp);
    CHECK_INT(rename(final, tmp), 0);
    s_put(out, ".carerhub/tmp/C-000006.v000008.tmp", "half\n", 0600);
    sp = spool_open(out);
    CHECK(sp);
    CHECK_INT(lstat(tmp, &st), -1);
    CHECK_INT(lstat(stray, &st), -1);
    data = s_slurp(out, "C-000006.v000007.update.json");
    CHECK_CONTAINS(data, "\"case_id\":\"C-000006\"");
    free(data);
    CHECK_INT(spool_write(sp, &d, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 0);
    d = s_vdel(&y, "C-000006", 8, "update", "GP-7KQ2M9-6");
    CHECK_INT(spool_write(sp, &d, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 1);
    spool_close(&sp);
    free(out);
    free(final);
    free(tmp);
    free(stray);
}
