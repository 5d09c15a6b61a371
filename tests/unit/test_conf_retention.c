/*
 * Unit tests of carerhub.yaml's retention section: its defaults, and that
 * it may not be shorter than the intakes' resend window.
 */
#include "test.h"

#include "conf/hubconf.h"
#include "util/file.h"

#include <stdlib.h>
#include <string.h>

static char *s_conf(const char *text)
{
    char *p = file_join(test_tmpdir(), "hub.yaml");
    if (file_write_atomic(p, text, strlen(text), 0600) != 0)
        test_fail(__FILE__, __LINE__, "cannot write %s", p);
    return p;
}

TEST(hubconf_retention_defaults)
{
    diag_t d = DIAG_INIT;
    char *p = s_conf("data_dir: /tmp/x\n");
    hubconf_t *c = hubconf_load(p, &d);
    CHECK(c != NULL);
    CHECK_INT(c->retention.closed_case_days, 365);
    CHECK_INT(c->retention.check_minutes, 60);
    CHECK_INT(c->referrals.spool_scrub_minutes, 60);
    hubconf_destroy(&c);
    free(p);
}

TEST(hubconf_retention_no_shorter_than_the_resend_window)
{
    diag_t d = DIAG_INIT;
    char *p = s_conf("data_dir: /tmp/x\nretention:\n  closed_case_days: 10\n");
    hubconf_t *c = hubconf_load(p, &d);
    CHECK(c == NULL);
    CHECK_INT(d.n, 1);
    CHECK_CONTAINS(d.msgs[0], ":3:21: retention.closed_case_days (10) must be at least "
                              "referrals.resend_window_days (30)");
    diag_free(&d);
    free(p);
    /* Both at 0 (a training hub that erases at once and recognises no
     * resend) is allowed. */
    p = s_conf("data_dir: /tmp/x\nretention: {closed_case_days: 0}\n"
               "referrals: {resend_window_days: 0}\n");
    c = hubconf_load(p, &d);
    CHECK(c != NULL);
    CHECK_INT(c->retention.closed_case_days, 0);
    hubconf_destroy(&c);
    free(p);
}
