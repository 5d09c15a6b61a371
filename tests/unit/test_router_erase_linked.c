/*
 * Unit tests of erasure across a carer's cases, in the router's own code on
 * a real case store: an erasure reaches every case of the same carer (a
 * case an operator joined into another, earlier and later episodes) and
 * the referrals held back outside them (over a submitter's limit), and
 * refuses a reason that names any of the carer's details.
 */
#include "test.h"

#include "router_hub.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_set(char **field, const char *value)
{
    free(*field);
    *field = value ? xstrdup(value) : NULL;
}

/* The sample card (Jane Smith, 1961-04-02, CM2 0AA, NHS 943 476 5919,
 * 07700 900123, jane@example.org, 1 High Street) as id; given (if not
 * NULL), a date of birth and a postcode of another person given Jane's
 * NHS number. */
static int s_take(hub_t *h, const char *id, const char *given, const char *dob, const char *pc)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    int rc;
    if (!r)
        return -1;
    if (given) {
        s_set(&r->carer->given_name, given);
        s_set(&r->carer->family_name, "Quennell");
        s_set(&r->carer->date_of_birth, dob);
        s_set(&r->carer->postcode, pc);
        s_set(&r->carer->address, "4 Tansy Row");
    }
    rc = hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc;
}

static int s_erase(hub_t *h, const char *id, const char *reason, Carerhub__EraseReply *out,
                   char msg[400])
{
    Carerhub__EraseRequest q = CARERHUB__ERASE_REQUEST__INIT;
    char code[32];
    q.id = (char *)id;
    q.reason = (char *)reason;
    msg[0] = '\0';
    return router_erase(&h->r, "operator", &q, out, code, sizeof code, msg, 400);
}

/* Whether the store's file, read as it lies on the disk, holds s. */
static bool s_raw_has(hub_t *h, const char *s)
{
    char *path = file_join(store_path(h->r.store), "data.mdb"), *data = NULL;
    size_t len = 0;
    bool found;
    if (file_read_all(path, (size_t)1 << 30, &data, &len) < 0)
        test_fail(__FILE__, __LINE__, "cannot read %s", path);
    found = data && memmem(data, len, s, strlen(s)) != NULL;
    free(data);
    free(path);
    return found;
}

static bool s_listed(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

TEST(router_erase_of_a_joined_case_erases_the_case_it_joined)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__EraseReply out = CARERHUB__ERASE_REPLY__INIT;
    Carerhub__CaseRecord *c;
    char msg[400];
    CHECK_INT(hub_open(&h, 50), 0);
    /* Jane (C-000001); then "Mara Quennell" with Jane's NHS number and
     * another date of birth (C-000002, flagged): the same person after
     * all, joined by an operator into Jane's case. */
    CHECK_INT(s_take(&h, "GP-TEST71-1", NULL, NULL, NULL), 0);
    CHECK_INT(s_take(&h, "GP-TEST71-2", "Mara", "1975-09-14", "CO4 5AB"), 0);
    CHECK_CONTAINS(hub_conflict(&h, "C-000002", "C-000001", "join"), "C-000001");
    CHECK(s_raw_has(&h, "Quennell") && s_raw_has(&h, "Smith"));
    /* The joined case's id is the one the operator has. */
    CHECK_INT(s_erase(&h, "C-000002", "the carer's request", &out, msg), 0);
    CHECK_STR(out.case_id, "C-000002");
    CHECK(s_listed(out.other_cases, out.n_other_cases, "C-000001"));
    CHECK(s_listed(out.referral_ids, out.n_referral_ids, "GP-TEST71-1"));
    CHECK(s_listed(out.referral_ids, out.n_referral_ids, "GP-TEST71-2"));
    router_erase_reply_free(&out);
    for (int i = 1; i <= 2; i++) {
        c = hub_case(&h, i == 1 ? "C-000001" : "C-000002");
        CHECK(c && c->has_erased_at && !c->carer && !c->nhs_number);
        carerhub__case_record__free_unpacked(c, NULL);
    }
    CHECK(!s_raw_has(&h, "Quennell") && !s_raw_has(&h, "Smith") && !s_raw_has(&h, "Tansy"));
    CHECK(!s_raw_has(&h, "9434765919") && !s_raw_has(&h, "High Street"));
    hub_close(&h);
}

TEST(router_erase_reaches_earlier_and_later_episodes)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__EraseReply out = CARERHUB__ERASE_REPLY__INIT;
    Carerhub__CaseRecord *c;
    char msg[400];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST72-1", NULL, NULL, NULL), 0);
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o-1", "C-000001", "closed",
                             clock_now_ms() - 60000, "support_complete"),
              CARERHUB__OUTCOME_RESULT__RESULT__RECORDED);
    /* Referred again: a new episode, C-000002, after C-000001. */
    CHECK_INT(s_take(&h, "GP-TEST72-2", NULL, NULL, NULL), 0);
    c = hub_case(&h, "C-000002");
    CHECK(c && c->previous_case && strcmp(c->previous_case, "C-000001") == 0);
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(s_erase(&h, "GP-TEST72-2", "the carer's request", &out, msg), 0);
    CHECK_STR(out.case_id, "C-000002");
    CHECK(s_listed(out.other_cases, out.n_other_cases, "C-000001"));
    router_erase_reply_free(&out);
    c = hub_case(&h, "C-000001");
    CHECK(c && c->has_erased_at && !c->carer);
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK(!s_raw_has(&h, "Smith") && !s_raw_has(&h, "jane@example.org"));
    hub_close(&h);
}

TEST(router_erase_reaches_a_referral_held_back_outside_the_case)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__EraseReply out = CARERHUB__ERASE_REPLY__INIT;
    char msg[400];
    /* One referral per submitter per case: the second is parked, in no
     * case, its reason naming the case. */
    CHECK_INT(hub_open(&h, 1), 0);
    CHECK_INT(s_take(&h, "GP-TEST73-1", NULL, NULL, NULL), 0);
    CHECK_INT(s_take(&h, "GP-TEST73-2", NULL, NULL, NULL), 0);
    CHECK(hub_has(&h, DB_PARKED, "GP-TEST73-2"));
    CHECK_INT(s_erase(&h, "C-000001", "the carer's request", &out, msg), 0);
    CHECK(s_listed(out.referral_ids, out.n_referral_ids, "GP-TEST73-2"));
    router_erase_reply_free(&out);
    CHECK(!hub_has(&h, DB_PARKED, "GP-TEST73-2"));
    CHECK(!s_raw_has(&h, "Smith") && !s_raw_has(&h, "07700900123"));
    hub_close(&h);
}

TEST(router_erase_refuses_a_reason_with_any_of_the_carers_details)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__EraseReply out = CARERHUB__ERASE_REPLY__INIT;
    Carerhub__CaseRecord *c;
    char msg[400];
    const char *const bad[][2] = {
        {"Jane asked by letter", "given name"},
        {"asked on the phone, born 02/04/1961", "date of birth"},
        {"born 1961-04-02", "date of birth"},
        {"the lady of high street asked", "address"},
    };
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST74-1", NULL, NULL, NULL), 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_INT(s_erase(&h, "C-000001", bad[i][0], &out, msg), -1);
        CHECK_CONTAINS(msg, bad[i][1]);
        router_erase_reply_free(&out);
    }
    c = hub_case(&h, "C-000001");
    CHECK(c && !c->has_erased_at);
    carerhub__case_record__free_unpacked(c, NULL);
    /* A place alone is not her: the reason may say where she went. */
    CHECK_INT(s_erase(&h, "C-000001", "moved to Colchester; asked by letter", &out, msg), 0);
    router_erase_reply_free(&out);
    hub_close(&h);
}
