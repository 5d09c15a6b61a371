/*
 * Unit tests of the provider agent's spool (services/provider): case files
 * appear whole and only where no file is, and nothing is written through a
 * name someone planted.
 */
#include "test.h"

#include "../../services/provider/provider.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/file.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The ledger entry of an agent that recorded no referral ids: version 1 of
 * C-000008 written. */
static int s_old_entry(MDB_txn *txn, void *arg)
{
    Carerhub__LedgerEntry e = CARERHUB__LEDGER_ENTRY__INIT;
    uint8_t buf[128];
    MDB_dbi dbi;
    MDB_val k = {strlen("C-000008\n1"), (void *)"C-000008\n1"}, v = {0, buf};
    int rc = mdb_dbi_open(txn, "delivered", 0, &dbi);
    (void)arg;
    e.file = (char *)"C-000008.v000001.new.json";
    e.has_at = true;
    e.at = 1764547200000;
    v.mv_size = carerhub__ledger_entry__pack(&e, buf);
    return rc ? rc : mdb_put(txn, dbi, &k, &v, 0);
}

/* A case id and version that come again for another referral (a hub
 * restored from a backup, numbering cases again from the backup's point)
 * are another carer's case: written under a name of its own, never taken
 * for the case already written, recorded so that the router's next
 * attempt is known, and logged as an error naming both referrals. */
TEST(spool_case_id_again_for_another_referral)
{
    char *out = file_join(test_tmpdir(), "spool");
    char *log = file_join(test_tmpdir(), "log");
    const char *clash = "C-000007.v000001.new.SC-4HJ9TR-1.clash";
    char *final = file_join(out, clash);
    char *tmp = file_join(out, ".carerhub/tmp/C-000007.v000001.SC-4HJ9TR-1.tmp");
    spool_t *sp = spool_open(out);
    s_del_t x, y;
    Carerhub__Delivery *first = s_vdel(&x, "C-000007", 1, "new", "GP-7KQ2M9-7");
    Carerhub__Delivery *again = s_vdel(&y, "C-000007", 1, "new", "SC-4HJ9TR-1");
    bool stored = false;
    size_t written = 0;
    char *logged, *data;
    int saved;

    CHECK(sp);
    CHECK_INT(spool_write(sp, &first, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 1);
    saved = s_capture(log);
    CHECK_INT(spool_write(sp, &again, 1, &stored, &written), 0);
    logged = s_release(saved, log);
    CHECK(stored);
    CHECK_INT(written, 1);
    CHECK_CONTAINS(logged, "error: case C-000007 came again for another referral (a hub "
                           "restored from a backup?): its version 1 was written for referral "
                           "GP-7KQ2M9-7, and now comes for referral SC-4HJ9TR-1");
    CHECK_CONTAINS(logged, clash);
    free(logged);
    data = s_slurp(out, clash);
    CHECK_CONTAINS(data, "\"referral_id\":\"SC-4HJ9TR-1\"");
    free(data);
    data = s_slurp(out, "C-000007.v000001.new.json");
    CHECK_CONTAINS(data, "\"referral_id\":\"GP-7KQ2M9-7\"");
    free(data);
    /* Each again: a redelivery of what is written, nothing new. */
    CHECK_INT(spool_write(sp, &again, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 0);
    CHECK_INT(spool_write(sp, &first, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 0);
    spool_close(&sp);
    /* Left in tmp/ after the ledger took it: put in place at the next start,
     * and known from the ledger after. */
    CHECK_INT(rename(final, tmp), 0);
    sp = spool_open(out);
    CHECK(sp);
    CHECK(s_exists(out, clash));
    CHECK(!s_exists(out, ".carerhub/tmp/C-000007.v000001.SC-4HJ9TR-1.tmp"));
    CHECK_INT(spool_write(sp, &again, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 0);
    spool_close(&sp);
    free(out);
    free(log);
    free(final);
    free(tmp);
}

/* A referral that comes again as a new case under another case id (a
 * restored hub's router numbering afresh a referral that was still with its
 * intake at the backup) is the case already written: the second is written
 * under a name the case system does not import, naming the case id the
 * hub now knows, and logged as an error; the hub's later files of that case
 * are case files as any. */
TEST(spool_referral_again_as_another_case)
{
    char *out = file_join(test_tmpdir(), "spool");
    char *log = file_join(test_tmpdir(), "log");
    const char *again_name = "C-1000001.v000001.new.again";
    spool_t *sp = spool_open(out);
    s_del_t x, y, z;
    Carerhub__Delivery *first = s_vdel(&x, "C-000201", 1, "new", "GP-7KQ2M9-9");
    Carerhub__Delivery *again = s_vdel(&y, "C-1000001", 1, "new", "GP-7KQ2M9-9");
    Carerhub__Delivery *later = s_vdel(&z, "C-1000001", 2, "update", "GP-7KQ2M9-9");
    bool stored = false;
    size_t written = 0;
    char *logged, *data;
    int saved;

    CHECK(sp);
    CHECK_INT(spool_write(sp, &first, 1, &stored, &written), 0);
    CHECK_INT(written, 1);
    saved = s_capture(log);
    CHECK_INT(spool_write(sp, &again, 1, &stored, &written), 0);
    logged = s_release(saved, log);
    CHECK(stored);
    CHECK_INT(written, 1);
    CHECK_CONTAINS(logged, "error: referral GP-7KQ2M9-9 came again as a new case, C-1000001 (a "
                           "hub restored from a backup?): it was written before as ");
    CHECK_CONTAINS(logged, "/C-000201.v000001.new.json; written as ");
    CHECK_CONTAINS(logged, again_name);
    free(logged);
    CHECK(!s_exists(out, "C-1000001.v000001.new.json"));
    data = s_slurp(out, again_name);
    CHECK_CONTAINS(data, "\"case_id\":\"C-1000001\"");
    CHECK_CONTAINS(data, "\"referral_id\":\"GP-7KQ2M9-9\"");
    free(data);
    CHECK_INT(spool_write(sp, &again, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 0);
    CHECK_INT(spool_write(sp, &later, 1, &stored, &written), 0);
    CHECK_INT(written, 1);
    CHECK(s_exists(out, "C-1000001.v000002.update.json"));
    spool_close(&sp);
    free(out);
    free(log);
}

/* A ledger entry written before referral ids were recorded: the same case
 * id and version is taken for a redelivery, whatever its referral, as it
 * was then. */
TEST(spool_ledger_entry_without_referral_id)
{
    static const char *const dbs[] = {"delivered", NULL};
    char *out = file_join(test_tmpdir(), "spool");
    char *ledger = file_join(out, ".carerhub/ledger");
    spool_t *sp = spool_open(out);
    store_opts_t so = {.dbs = dbs};
    store_t *st;
    s_del_t x;
    Carerhub__Delivery *d = s_vdel(&x, "C-000008", 1, "new", "SC-4HJ9TR-2");
    bool stored = false;
    size_t written = 9;
    int err = 0;

    CHECK(sp);
    spool_close(&sp);
    st = store_open(ledger, &so, &err);
    CHECK(st);
    CHECK_INT(store_write(st, s_old_entry, NULL), 0);
    store_close(&st);
    sp = spool_open(out);
    CHECK(sp);
    CHECK_INT(spool_write(sp, &d, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 0);
    CHECK(!s_exists(out, "C-000008.v000001.new.json"));
    CHECK(!s_exists(out, "C-000008.v000001.new.SC-4HJ9TR-2.clash"));
    spool_close(&sp);
    free(out);
    free(ledger);
}

/* --- what a case file holds ---------------------------------------------- */

/* The case of Jane Smith, at every kind of delivery: her GP's referral, then
 * a hospital's, then she moves and the case goes from Carers First to Essex
 * Carers Support. Every field of the protocol that a case file holds is set
 * somewhere here. */
typedef struct {
    Carerhub__Carer carer1, carer2, known;
    Carerhub__CaredFor cf1, cf2;
    Carerhub__Consent co1, co2;
    Carerhub__Referrer rr1, rr2;
    Carerhub__GpPart gp;
    Carerhub__Hospital hosp;
    Carerhub__Patient pat;
    Carerhub__DischargePart dis;
    Carerhub__Referral r1, r2;
    Carerhub__Referral *refs[2];
    Carerhub__Case c;
    Carerhub__Delivery d;
} s_jane_t;

static char *s_conds1[] = {"dementia", "frailty"};
static char *s_conds2[] = {"dementia", "frailty", "physical_disability"};
static char *s_cands_cm[] = {"E07000070"};
static char *s_cands_co[] = {"E07000071"};

/* What the GP's referral says of the caring: a second person cared for,
 * how much she cares, what she asks for; and the case's priority once the
 * discharge (home within 48 hours) comes. */
static char *s_conds_father[] = {"physical_disability"};
static Carerhub__CaredFor s_father = {.base =
                                          PROTOBUF_C_MESSAGE_INIT(&carerhub__cared_for__descriptor),
                                      .relationship = "father",
                                      .n_conditions = 1,
                                      .conditions = s_conds_father};
static Carerhub__CaredFor *s_more[] = {&s_father};
static Carerhub__Caring s_caring = {.base = PROTOBUF_C_MESSAGE_INIT(&carerhub__caring__descriptor),
                                    .hours_per_week = "20_to_49",
                                    .has_years = true,
                                    .years = 3,
                                    .has_lives_with = true,
                                    .lives_with = false,
                                    .able_to_continue = "not_sure"};
static Carerhub__Requests s_requests = {
    .base = PROTOBUF_C_MESSAGE_INIT(&carerhub__requests__descriptor),
    .has_carers_assessment = true,
    .carers_assessment = true,
    .council_knows = "not_sure",
    .has_benefits_check = true,
    .benefits_check = true};
static Carerhub__CaseFlags s_not_priority = {
    .base = PROTOBUF_C_MESSAGE_INIT(&carerhub__case_flags__descriptor), .has_priority = true};
static Carerhub__CaseFlags s_priority = {
    .base = PROTOBUF_C_MESSAGE_INIT(&carerhub__case_flags__descriptor),
    .has_priority = true,
    .priority = true,
    .priority_reason = "the person cared for leaves hospital within 48 hours"};

static Carerhub__Delivery *s_jane(s_jane_t *j, const char *kind, uint32_t version)
{
    memset(j, 0, sizeof *j);
    carerhub__carer__init(&j->carer1);
    j->carer1.given_name = "Jane";
    j->carer1.family_name = "Smith";
    j->carer1.date_of_birth = "1961-04-02";
    j->carer1.postcode = "CM2 0AA";
    j->carer1.address = "1 High Street, Chelmsford";
    j->carer1.phone = "07700 900123";
    j->carer1.email = "jane@example.org";
    j->carer1.preferred_contact = "phone";
    j->carer1.language = "English";
    j->carer1.nhs_number = "9434765919";
    carerhub__carer__init(&j->carer2);
    j->carer2.given_name = "Jane";
    j->carer2.family_name = "Smith";
    j->carer2.date_of_birth = "1961-04-02";
    j->carer2.postcode = "CO1 1AB";
    j->carer2.phone = "";
    j->carer2.address = "2 \"Quay\" Street\nColchester";
    j->known = j->carer2;
    j->known.phone = "07700 900123";
    j->known.email = "jane@example.org";
    j->known.preferred_contact = "phone";
    j->known.language = "English";
    j->known.nhs_number = "9434765919";
    carerhub__cared_for__init(&j->cf1);
    j->cf1.relationship = "mother";
    j->cf1.n_conditions = 2;
    j->cf1.conditions = s_conds1;
    j->cf2 = j->cf1;
    j->cf2.n_conditions = 3;
    j->cf2.conditions = s_conds2;
    carerhub__consent__init(&j->co1);
    j->co1.has_share_with_support_service = true;
    j->co1.share_with_support_service = true;
    j->co1.given_by = "carer";
    j->co1.date = "2026-11-20";
    j->co2 = j->co1;
    j->co2.date = "2026-11-21";
    carerhub__referrer__init(&j->rr1);
    j->rr1.name = "A Patel";
    j->rr1.phone = "01245 000000";
    j->rr1.email = "a.patel@nhs.net";
    carerhub__referrer__init(&j->rr2);
    j->rr2.name = "Ward 5 nurse";
    j->rr2.phone = "01245 111111";
    carerhub__gp_part__init(&j->gp);
    j->gp.practice = "F81001";
    j->gp.has_record_carer_on_gp_record = true;
    j->gp.record_carer_on_gp_record = true;
    carerhub__hospital__init(&j->hosp);
    j->hosp.trust = "RAJ";
    j->hosp.site = "RAJ01";
    j->hosp.ward = "Ward 5";
    carerhub__patient__init(&j->pat);
    j->pat.nhs_number = "4010232137";
    j->pat.expected_discharge = "2026-11-23";
    carerhub__discharge_part__init(&j->dis);
    j->dis.hospital = &j->hosp;
    j->dis.patient = &j->pat;
    j->dis.has_carer_consulted = true;
    j->dis.carer_consulted = false;

    carerhub__referral__init(&j->r1);
    j->r1.id = "GP-7KQ2M9-1";
    j->r1.has_source = true;
    j->r1.source = CARERHUB__SOURCE__GP;
    j->r1.has_received_at = true;
    j->r1.received_at = 1795169700123; /* 2026-11-20T10:15:00.123Z */
    j->r1.referral_date = "2026-11-20";
    j->r1.submitted_by = "gp-f81001";
    j->r1.referrer = &j->rr1;
    j->r1.carer = &j->carer1;
    j->r1.cared_for = &j->cf1;
    j->r1.consent = &j->co1;
    j->r1.gp = &j->gp;
    j->r1.n_more_cared_for = 1;
    j->r1.more_cared_for = s_more;
    j->r1.caring = &s_caring;
    j->r1.requests = &s_requests;
    carerhub__referral__init(&j->r2);
    j->r2.id = "HD-3TX8PW-4";
    j->r2.has_source = true;
    j->r2.source = CARERHUB__SOURCE__DISCHARGE;
    j->r2.has_received_at = true;
    j->r2.received_at = 1795263300000; /* 2026-11-21T12:15:00.000Z */
    j->r2.referral_date = "2026-11-21";
    j->r2.submitted_by = "mse-ward";
    j->r2.referrer = &j->rr2;
    j->r2.carer = &j->carer2;
    j->r2.cared_for = &j->cf2;
    j->r2.consent = &j->co2;
    j->r2.discharge = &j->dis;
    j->refs[0] = &j->r1;
    j->refs[1] = &j->r2;

    carerhub__case__init(&j->c);
    j->c.case_id = "C-000012";
    j->c.provider = "carers-first";
    j->c.provider_name = "Carers First";
    j->c.rule = "mid-essex";
    j->c.reason = "CM2 0AA is in Chelmsford (E07000070), going by postcode district CM2.";
    j->c.lad = "E07000070";
    j->c.lad_name = "Chelmsford";
    j->c.n_candidates = 1;
    j->c.candidates = s_cands_cm;
    j->c.has_urgent = j->c.has_young_carer = j->c.has_transition = true;
    j->c.has_opened_at = true;
    j->c.opened_at = 1795169700500;
    j->c.has_updated_at = true;
    j->c.updated_at = 1795169700500;
    j->c.referrals = j->refs;
    j->c.n_referrals = 1;
    j->c.has_referrals_total = true;
    j->c.referrals_total = 1;
    j->c.carer = &j->carer1;
    j->c.flags = &s_not_priority;
    if (version) {
        j->c.has_version = true;
        j->c.version = version;
    }
    carerhub__delivery__init(&j->d);
    j->d.has_delivery_id = true;
    j->d.delivery_id = 7;
    j->d.kind = (char *)kind;
    j->d.referral_id = "GP-7KQ2M9-1";
    j->d.case_ = &j->c;
    if (strcmp(kind, "new") == 0)
        return &j->d;

    /* The hospital's referral: an update, urgent (a discharge in two days),
     * and a possible second record of her (another date of birth with her
     * NHS number), an episode after a closed one. */
    j->d.referral_id = "HD-3TX8PW-4";
    j->c.n_referrals = 2;
    j->c.referrals_total = 2;
    j->c.carer = &j->known;
    j->c.urgent = true;
    j->c.flags = &s_priority;
    j->c.has_identity_conflict = true;
    j->c.identity_conflict = true;
    j->c.conflict_reason = "C-000009 has this NHS number with another date of birth";
    j->c.previous_case = "C-000004";
    j->c.updated_at = 1795263300900;
    if (strcmp(kind, "update") == 0)
        return &j->d;

    /* She moved to Colchester: the case goes to Essex Carers Support. */
    j->c.transferred_from = "carers-first";
    j->c.transferred_from_name = "Carers First";
    j->c.transferred_to = "ecs";
    j->c.transferred_to_name = "Essex Carers Support";
    j->c.transfer_why = "moved";
    j->c.provider = "ecs";
    j->c.provider_name = "Essex Carers Support";
    j->c.rule = "north-essex";
    j->c.reason = "CO1 1AB is in Colchester (E07000071), going by postcode district CO1.";
    j->c.lad = "E07000071";
    j->c.lad_name = "Colchester";
    j->c.candidates = s_cands_co;
    return &j->d;
}

static char *s_json_of(const Carerhub__Delivery *d)
{
    buf_t b = BUF_INIT;
    provider_json(d, &b);
    return buf_take(&b);
}

static const char *s_file_name(const Carerhub__Delivery *d)
{
    static char name[PROVIDER_NAME_MAX];
    provider_file_name(d, name, sizeof name);
    return name;
}

/* The case files of tests/golden/case/: every kind as the agent writes it.
 * tests/golden/run checks each against config/case.schema.json; UPDATE=1
 * rewrites them (review the diff). */
TEST(provider_json_golden_case_files)
{
    static const struct {
        const char *file, *kind;
        uint32_t version;
    } t[] = {
        {"new.json", "new", 1},
        {"update.json", "update", 2},
        {"transfer_in.json", "transfer_in", 3},
        {"transfer_out.json", "transfer_out", 3},
        {"transfer_in-rerouted.json", "transfer_in", 4},
        {"unversioned-new.json", "new", 0},
        {"transfer_in-not_ours.json", "transfer_in", 5},
        {"cancelled.json", "update", 6},
    };
    Carerhub__Cancellation cancel = CARERHUB__CANCELLATION__INIT;
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        s_jane_t j;
        char path[512], *got, *want = NULL;
        size_t len;
        s_jane(&j, t[i].kind, t[i].version);
        if (t[i].version == 0) {
            /* A router older than case versions sends no carer of the case:
             * the newest referral's is the file's. */
            j.c.carer = NULL;
            j.c.has_identity_conflict = false;
        }
        if (strstr(t[i].file, "rerouted")) {
            /* Triage gives the case to another organisation: no referral
             * caused it. */
            j.d.referral_id = NULL;
            j.c.transferred_from = "ews-triage";
            j.c.transferred_from_name = "Essex Wellbeing Service";
            j.c.transfer_why = "rerouted";
        }
        if (strstr(t[i].file, "not_ours")) {
            /* Essex Carers Support passes it back; triage has it now, to
             * contact her by a date. */
            j.d.referral_id = NULL;
            j.c.transferred_from = "ecs";
            j.c.transferred_from_name = "Essex Carers Support";
            j.c.transferred_to = j.c.provider = "ews-triage";
            j.c.transferred_to_name = j.c.provider_name = "Essex Wellbeing Service";
            j.c.transfer_why = "not_ours";
            j.c.transfer_reason = "She is moving to Suffolk next week";
            j.c.contact_by = "2026-11-23";
        }
        if (strcmp(t[i].file, "cancelled.json") == 0) {
            /* The hospital cancels its referral: sent in error. */
            j.d.kind = "cancelled";
            cancel.referral_id = "HD-3TX8PW-4";
            cancel.reason = "error";
            cancel.note = "Sent for the wrong patient's carer";
            cancel.has_at = true;
            cancel.at = 1795350000250;
            j.c.cancellation = &cancel;
            j.c.updated_at = cancel.at;
            j.c.contact_by = "2026-11-23";
        }
        got = s_json_of(&j.d);
        snprintf(path, sizeof path, "%s/%s", test_src("tests/golden/case"), t[i].file);
        if (getenv("UPDATE") && strcmp(getenv("UPDATE"), "1") == 0) {
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            CHECK(fd >= 0);
            CHECK_INT(file_write_full(fd, got, strlen(got)), 0);
            close(fd);
        }
        if (file_read_all(path, 1 << 20, &want, &len) < 0)
            want = NULL;
        if (!want || strcmp(got, want) != 0)
            test_fail(__FILE__, __LINE__, "%s differs:\n      got  %s      want %s", path, got,
                      want ? want : "(no file)\n");
        free(got);
        free(want);
        CHECK(!test_failed());
    }
}

/* A cancelled file names the referral, why and when, and nothing of the
 * carer the organisation has, whatever the delivery carries; a case closed
 * by it says so. */
TEST(provider_json_cancelled_holds_no_carer)
{
    static const char *const never[] = {
        "\"carer\"", "\"referrals\"", "\"cared_for\"", "\"consent\"", "\"routing\"",
        "\"flags\"", "Jane",          "Smith",         "1961",        "CO1 1AB",
        "07700",     "9434765919",    "dementia"};
    Carerhub__Cancellation cancel = CARERHUB__CANCELLATION__INIT;
    s_jane_t j;
    char why[200], *doc;
    s_jane(&j, "update", 6);
    j.d.kind = "cancelled";
    cancel.reason = "changed";
    j.c.cancellation = &cancel;
    j.c.closed = j.c.has_closed = true;
    j.c.closed_reason = "cancelled";
    CHECK(provider_delivery_ok(&j.d, "carers-first", why, sizeof why));
    doc = s_json_of(&j.d);
    for (size_t i = 0; i < sizeof never / sizeof *never; i++)
        if (strstr(doc, never[i]))
            test_fail(__FILE__, __LINE__, "the cancelled file holds \"%s\": %s", never[i], doc);
    CHECK(!test_failed());
    CHECK_CONTAINS(doc, "\"referral_id\":\"HD-3TX8PW-4\",\"provider\":\"carers-first\"");
    /* The cancellation names the delivery's referral when it names none. */
    CHECK_CONTAINS(doc, "\"cancellation\":{\"referral_id\":\"HD-3TX8PW-4\",\"reason\":"
                        "\"changed\"},\"closed\":true,\"closed_reason\":\"cancelled\"");
    free(doc);
    CHECK_STR(s_file_name(&j.d), "C-000012.v000006.cancelled.json");
}

/* What a cancelled file, and the new fields of every kind, must hold. */
TEST(provider_delivery_ok_cancelled_and_new_fields)
{
    Carerhub__Cancellation cancel = CARERHUB__CANCELLATION__INIT;
    s_jane_t j;
    char why[200];
    s_jane(&j, "update", 6);
    j.d.kind = "cancelled";
    CHECK(!provider_delivery_ok(&j.d, "carers-first", why, sizeof why));
    CHECK_CONTAINS(why, "not changed or error");
    cancel.reason = "moved";
    j.c.cancellation = &cancel;
    CHECK(!provider_delivery_ok(&j.d, "carers-first", why, sizeof why));
    cancel.reason = "error";
    CHECK(provider_delivery_ok(&j.d, "carers-first", why, sizeof why));
    cancel.referral_id = "GP-7KQ2M9-1";
    CHECK(!provider_delivery_ok(&j.d, "carers-first", why, sizeof why));
    cancel.referral_id = NULL;
    j.d.referral_id = NULL;
    CHECK(!provider_delivery_ok(&j.d, "carers-first", why, sizeof why));
    CHECK_CONTAINS(why, "referral");
    j.d.referral_id = "HD-3TX8PW-4";
    j.c.has_version = false;
    CHECK(!provider_delivery_ok(&j.d, "carers-first", why, sizeof why));

    s_jane(&j, "update", 6);
    j.c.closed = j.c.has_closed = true;
    j.c.closed_reason = "finished";
    CHECK(!provider_delivery_ok(&j.d, "carers-first", why, sizeof why));
    CHECK_CONTAINS(why, "closing reason");
    j.c.closed_reason = "bereaved";
    CHECK(provider_delivery_ok(&j.d, "carers-first", why, sizeof why));
    j.c.closed = false;
    CHECK(!provider_delivery_ok(&j.d, "carers-first", why, sizeof why));
    j.c.closed_reason = NULL;
    j.c.contact_by = "23/11/2026";
    CHECK(!provider_delivery_ok(&j.d, "carers-first", why, sizeof why));
    CHECK_CONTAINS(why, "contact-by");
    j.c.contact_by = "2026-11-23";
    CHECK(provider_delivery_ok(&j.d, "carers-first", why, sizeof why));
}

/* Whatever the delivery carries, a transfer_out file tells the organisation
 * the case has left no more than that, to whom and why. */
TEST(spool_transfer_out_holds_no_personal_data)
{
    static const char *const never[] = {"\"carer\"",
                                        "\"referrals\"",
                                        "\"cared_for\"",
                                        "\"consent\"",
                                        "\"routing\"",
                                        "\"flags\"",
                                        "\"referral_id\"",
                                        "\"previous_case\"",
                                        "\"opened_at\"",
                                        "Jane",
                                        "Smith",
                                        "1961",
                                        "CO1 1AB",
                                        "CM2 0AA",
                                        "Quay",
                                        "07700",
                                        "9434765919",
                                        "dementia",
                                        "HD-3TX8PW-4",
                                        "GP-7KQ2M9-1",
                                        "C-000009",
                                        "Chelmsford",
                                        "Colchester"};
    char *out = file_join(test_tmpdir(), "spool"), *data;
    spool_t *sp = spool_open(out);
    s_jane_t j;
    Carerhub__Delivery *d = s_jane(&j, "transfer_out", 3);
    bool stored = false;
    size_t written = 0;
    char why[200];

    CHECK(sp);
    /* The router (wrongly) sends the case as the new organisation has it. */
    CHECK(j.c.carer && j.c.n_referrals == 2);
    CHECK(provider_delivery_ok(d, "carers-first", why, sizeof why));
    CHECK_INT(spool_write(sp, &d, 1, &stored, &written), 0);
    CHECK(stored);
    CHECK_INT(written, 1);
    data = s_slurp(out, "C-000012.v000003.transfer_out.json");
    CHECK(data);
    for (size_t i = 0; i < sizeof never / sizeof *never; i++)
        if (strstr(data, never[i]))
            test_fail(__FILE__, __LINE__, "the transfer_out file holds \"%s\": %s", never[i], data);
    CHECK(!test_failed());
    CHECK_STR(data, "{\"schema\":\"carerhub.case.v2\",\"kind\":\"transfer_out\",\"case_id\":"
                    "\"C-000012\",\"version\":3,\"provider\":\"carers-first\",\"provider_name\":"
                    "\"Carers First\",\"transfer\":{\"from\":\"carers-first\",\"from_name\":"
                    "\"Carers First\",\"to\":\"ecs\",\"to_name\":\"Essex Carers Support\",\"why\":"
                    "\"moved\"},\"updated_at\":\"2026-11-21T12:15:00.900Z\"}\n");
    free(data);
    spool_close(&sp);
    free(out);
}

/* The carer is the case's as now known when the router sends it, else the
 * newest carried referral's; a value left empty is left out. */
TEST(provider_json_carer_as_now_known)
{
    s_jane_t j;
    char *doc;
    s_jane(&j, "update", 2);
    doc = s_json_of(&j.d);
    CHECK_CONTAINS(doc, "\"carer\":{\"given_name\":\"Jane\",\"family_name\":\"Smith\","
                        "\"date_of_birth\":\"1961-04-02\",\"postcode\":\"CO1 1AB\",\"address\":"
                        "\"2 \\\"Quay\\\" Street\\nColchester\",\"phone\":\"07700 900123\"");
    free(doc);
    j.c.carer = NULL;
    doc = s_json_of(&j.d);
    CHECK_CONTAINS(doc, "\"carer\":{\"given_name\":\"Jane\",\"family_name\":\"Smith\","
                        "\"date_of_birth\":\"1961-04-02\",\"postcode\":\"CO1 1AB\",\"address\":"
                        "\"2 \\\"Quay\\\" Street\\nColchester\"},");
    CHECK(!strstr(doc, "null"));
    CHECK(!strstr(doc, "\"\""));
    free(doc);
}

/* What the agent refuses to write, each with its reason. */
TEST(provider_delivery_ok_refuses_what_makes_no_case_file)
{
    static const struct {
        const char *what, *kind, *who, *why;
        uint32_t version;
    } t[] = {
        {"good", "update", "carers-first", NULL, 2},
        {"good without a version", "update", "carers-first", NULL, 0},
        {"good transfer_in", "transfer_in", "ecs", NULL, 3},
        {"good transfer_out", "transfer_out", "carers-first", NULL, 3},
        {"another's", "update", "ecs", "it is for carers-first, not ecs", 2},
        {"another's transfer_in", "transfer_in", "carers-first", "it is for ecs, not carers-first",
         3},
        {"another's transfer_out", "transfer_out", "ecs", "it is for carers-first, not ecs", 3},
        {"unknown kind", "closed", "carers-first", "its kind 'closed' is not new, update", 2},
        {"bad case id", "update", "carers-first", "its case id 'C-1/../x' is not one", 2},
        {"no referral", "new", "carers-first", "new delivery names no referral", 2},
        {"update of the case alone", "update", "carers-first", NULL, 2},
        {"no referral nor version", "transfer_in", "ecs",
         "transfer_in delivery without a case version names no referral", 0},
        {"transfer without why", "transfer_in", "ecs", "whose reason 'lost' is not moved", 3},
        {"transfer without to", "transfer_out", "carers-first", "does not name both", 3},
        {"no referrals", "update", "carers-first", "it carries no referral", 2},
        {"referral of no source", "update", "carers-first",
         "referral 2 of the case has no id and source of its own", 2},
        {"no carer", "update", "carers-first", "it carries no carer", 2},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        s_jane_t j;
        char why[200] = "";
        bool ok;
        s_jane(&j, t[i].kind, t[i].version);
        if (strcmp(t[i].what, "bad case id") == 0)
            j.c.case_id = "C-1/../x";
        if (strcmp(t[i].what, "no referral") == 0 ||
            strcmp(t[i].what, "update of the case alone") == 0 ||
            strcmp(t[i].what, "no referral nor version") == 0)
            j.d.referral_id = NULL;
        if (strcmp(t[i].what, "transfer without why") == 0)
            j.c.transfer_why = "lost";
        if (strcmp(t[i].what, "transfer without to") == 0)
            j.c.transferred_to = NULL;
        if (strcmp(t[i].what, "no referrals") == 0)
            j.c.n_referrals = 0;
        if (strcmp(t[i].what, "referral of no source") == 0)
            j.r2.source = CARERHUB__SOURCE__GP;
        if (strcmp(t[i].what, "no carer") == 0) {
            j.c.carer = NULL;
            j.r2.carer = NULL;
        }
        ok = provider_delivery_ok(&j.d, t[i].who, why, sizeof why);
        if (ok != (t[i].why == NULL) || (t[i].why && !strstr(why, t[i].why)))
            test_fail(__FILE__, __LINE__, "%s: %s, \"%s\"; expected %s", t[i].what,
                      ok ? "accepted" : "refused", why, t[i].why ? t[i].why : "accepted");
    }
}
