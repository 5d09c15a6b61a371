/*
 * Unit tests of the report table's counts (router_report.c) on a real case
 * store: after real takes and outcomes, the whole table is compared with
 * what the story of the cases gives, worked out by hand below: a case's
 * cohort moving as it is contacted and supported, the first contact's
 * hours, an urgent discharge contacted in time, a closed case referred
 * again, a carer supported in two episodes, a case passed on, a young
 * carer's move to adult services, the table built for an older store
 * (with a case that did not keep when it opened, and a move at 18), and a
 * transaction redone after the map filled.
 *
 * Days are counted back from today (the hub's day), at local hours, so
 * that outcomes fall between the referral and now.
 */
#include "test.h"

#include "router_hub.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORDED CARERHUB__OUTCOME_RESULT__RESULT__RECORDED
#define HOUR     3600000LL

/* Takes the first GP card (Jane Smith, Chelmsford) as received at
 * `received`; its case id into out. */
static int s_take(hub_t *h, const char *id, int64_t received, char out[32])
{
    Carerhub__Referral *r = hub_card(id, "gp");
    if (r)
        r->received_at = received;
    return hub_take_case(h, r, out);
}

/* Whether the report table is exactly want (hub_report_dump's lines),
 * but for the x entries of what each referral says about the carer:
 * test_router_report_about.c counts those. */
static bool s_table(hub_t *h, const char *want)
{
    char *got = hub_report_dump(h), *out = got;
    bool same;
    for (char *line = got; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
        char keep = line[len - 1];
        line[len - 1] = '\0'; /* the line alone, for strstr */
        bool x = strstr(line, "|x|") != NULL;
        line[len - 1] = keep;
        if (!x) {
            memmove(out, line, len);
            out += len;
        }
        line += len;
    }
    *out = '\0';
    same = strcmp(got, want) == 0;
    if (!same)
        printf("    report table:\n%s    expected:\n%s", got, want);
    free(got);
    return same;
}

TEST(router_report_hours_buckets)
{
    CHECK_INT(router_report_hours(-5 * HOUR), 0); /* a clock behind: no time */
    CHECK_INT(router_report_hours(HOUR - 1), 0);
    CHECK_INT(router_report_hours(27 * HOUR + 59 * 60000), 27);
    CHECK_INT(router_report_hours(72 * HOUR - 1), 71);
    CHECK_INT(router_report_hours(72 * HOUR), 72);
    CHECK_INT(router_report_hours(95 * HOUR), 72); /* 3 days 23 hours: day 3 */
    CHECK_INT(router_report_hours(96 * HOUR), 96);
    CHECK_INT(router_report_hours(90 * 24 * HOUR - 1), 89 * 24);
    CHECK_INT(router_report_hours(90 * 24 * HOUR), 2160);
    CHECK_INT(router_report_hours(400 * 24 * HOUR), 2160);
}

TEST(router_report_stage_of_a_case)
{
    Carerhub__CaseRecord c = CARERHUB__CASE_RECORD__INIT;
    CHECK_STR(router_report_stage(&c), "waiting");
    c.state = (char *)"unable_to_contact";
    CHECK_STR(router_report_stage(&c), "unable_to_contact");
    c.state = (char *)"closed";
    c.closed = true;
    c.closed_reason = (char *)"unable_to_contact";
    CHECK_STR(router_report_stage(&c), "unable_to_contact");
    c.closed_reason = (char *)"moved_away";
    CHECK_STR(router_report_stage(&c), "closed");
    c.has_contacted_at = true;
    CHECK_STR(router_report_stage(&c), "contacted");
    c.closed_reason = (char *)"declined";
    CHECK_STR(router_report_stage(&c), "declined");
    c.closed = false;
    c.state = (char *)"declined";
    CHECK_STR(router_report_stage(&c), "declined");
    c.has_supported_at = true; /* supported once: supported, whatever after */
    CHECK_STR(router_report_stage(&c), "supported");
}

TEST(router_report_case_moves_as_it_is_contacted_and_supported)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    char id[32], want[1024], old[160];
    CHECK_INT(hub_open(&h, 50), 0);
    /* Received 10 days ago at 10:00; Chelmsford; target 10 days on. */
    CHECK_INT(s_take(&h, "GP-RC01-1", hub_at(10, 10), id), 0);
    snprintf(want, sizeof want,
             "%s|c|carers-first|gp|E07000070|waiting|-=1\n"
             "%s|r|gp|F81001=1\n",
             hub_day(10), hub_day(10));
    CHECK(s_table(&h, want));
    /* Contacted the next day at 13:00: 27 hours, by the target. */
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o1", id, "contacted", hub_at(9, 13), NULL),
              RECORDED);
    snprintf(want, sizeof want,
             "%s|c|carers-first|gp|E07000070|contacted|w=1\n"
             "%s|r|gp|F81001=1\n"
             "%s|f|carers-first|gp|27=1\n",
             hub_day(10), hub_day(10), hub_day(9));
    CHECK(s_table(&h, want));
    snprintf(old, sizeof old, "%s|c|carers-first|gp|E07000070|contacted|w", hub_day(10));
    CHECK_INT(hub_report_count(&h, old), 1);
    /* Supported two days later: the case moves; its old count is 0. */
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o2", id, "supported", hub_at(7, 9), "break"),
              RECORDED);
    snprintf(want, sizeof want,
             "%s|c|carers-first|gp|E07000070|supported|w=1\n"
             "%s|r|gp|F81001=1\n"
             "%s|f|carers-first|gp|27=1\n"
             "%s|s|carers-first|gp|E07000070=1\n",
             hub_day(10), hub_day(10), hub_day(9), hub_day(7));
    CHECK(s_table(&h, want));
    CHECK_INT(hub_report_count(&h, old), 0);
    /* Supported again, then closed: first support only, still supported. */
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o3", id, "supported", hub_at(6, 9), "break"),
              RECORDED);
    CHECK_INT(
        hub_outcome_at(&h, "carers-first", "o4", id, "closed", hub_at(5, 9), "support_complete"),
        RECORDED);
    CHECK(s_table(&h, want));
    hub_close(&h);
}

/* Referral rid received `ago` days back at 10:00, contacted yesterday at
 * 13:00: the table is its case in cohort (w: in time), its referral, and
 * its first contact in hours bucket. */
static void s_contacted_yesterday(const char *rid, int ago, const char *cohort, unsigned bucket)
{
    static hub_t h; /* static: hub_open closes it if the test fails */
    char id[32], want[1024];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, rid, hub_at(ago, 10), id), 0);
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o1", id, "contacted", hub_at(1, 13), NULL),
              RECORDED);
    snprintf(want, sizeof want,
             "%s|c|carers-first|gp|E07000070|contacted|%s=1\n"
             "%s|r|gp|F81001=1\n"
             "%s|f|carers-first|gp|%u=1\n",
             hub_day(ago), cohort, hub_day(ago), hub_day(1), bucket);
    CHECK(s_table(&h, want));
    hub_close(&h);
}

TEST(router_report_first_contact_on_its_target_day)
{
    /* Received 11 days ago: the target is yesterday (10 days on). Contact
     * yesterday at 13:00 is in time, 10 days 3 hours on: bucket 10 * 24. */
    s_contacted_yesterday("GP-RC02-1", 11, "w", 240);
}

TEST(router_report_first_contact_after_its_target_day)
{
    /* Received 12 days ago: the same contact is a day late (11 days 3 h). */
    s_contacted_yesterday("GP-RC02-2", 12, "-", 264);
}

TEST(router_report_urgent_discharge_contacted_in_time)
{
    static hub_t h;
    Carerhub__Referral *r;
    Carerhub__ReferralRecord *rec;
    char want[1024], id[32];
    CHECK_INT(hub_open(&h, 50), 0);
    /* Referred two days ago (received 09:00), home the next day: urgent,
     * to be contacted within 2 days. The carer was consulted. */
    r = hub_discharge("HD-RC03-1", hub_day(2), hub_day(1));
    CHECK(r != NULL);
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__DISCHARGE, "discharge-intake", r), 0);
    carerhub__referral__free_unpacked(r, NULL);
    rec = hub_get(&h, "HD-RC03-1");
    CHECK(rec != NULL);
    snprintf(id, sizeof id, "%s", rec->case_id);
    carerhub__referral_record__free_unpacked(rec, NULL);
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o1", id, "contacted", hub_at(1, 12), NULL),
              RECORDED);
    snprintf(want, sizeof want,
             "%s|c|carers-first|discharge|E07000070|contacted|uw=1\n"
             "%s|d|yes=1\n"
             "%s|r|discharge|RAJ=1\n"
             "%s|f|carers-first|discharge|27=1\n",
             hub_day(2), hub_day(2), hub_day(2), hub_day(1));
    CHECK(s_table(&h, want));
    hub_close(&h);
}

TEST(router_report_closed_case_referred_again_is_a_next_episode)
{
    static hub_t h;
    Carerhub__CaseRecord *c;
    char id1[32], id2[32], want[1024];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-RC04-1", hub_at(10, 10), id1), 0);
    CHECK_INT(
        hub_outcome_at(&h, "carers-first", "o1", id1, "closed", hub_at(9, 10), "no_longer_caring"),
        RECORDED);
    CHECK_INT(s_take(&h, "GP-RC04-2", hub_at(7, 10), id2), 0);
    CHECK(strcmp(id1, id2) != 0);
    c = hub_case(&h, id2);
    CHECK(c != NULL);
    CHECK_STR(c->previous_case, id1);
    carerhub__case_record__free_unpacked(c, NULL);
    /* Two cases, one carer: the n entry says the second opened for a
     * carer whose previous episode opened 10 days ago. */
    snprintf(want, sizeof want,
             "%s|c|carers-first|gp|E07000070|closed|-=1\n"
             "%s|r|gp|F81001=1\n"
             "%s|c|carers-first|gp|E07000070|waiting|-=1\n"
             "%s|n|%s=1\n"
             "%s|r|gp|F81001=1\n",
             hub_day(10), hub_day(10), hub_day(7), hub_day(7), hub_day(10), hub_day(7));
    CHECK(s_table(&h, want));
    hub_close(&h);
}

/* A carer supported in two episodes: ep1 received 10 days ago at 10:00,
 * supported 9 days ago at 12:00 (26 hours), closed; ep2 received 6 days
 * ago at 10:00, supported 4 days ago at 11:00 (49 hours). */
static const char *s_two_episodes(hub_t *h, char *want, size_t wantsz)
{
    char id1[32], id2[32];
    if (s_take(h, "GP-RC05-1", hub_at(10, 10), id1) < 0 ||
        hub_outcome_at(h, "carers-first", "o1", id1, "supported", hub_at(9, 12), "break") !=
            RECORDED ||
        hub_outcome_at(h, "carers-first", "o2", id1, "closed", hub_at(8, 9), "support_complete") !=
            RECORDED ||
        s_take(h, "GP-RC05-2", hub_at(6, 10), id2) < 0 ||
        hub_outcome_at(h, "carers-first", "o3", id2, "supported", hub_at(4, 11), "break") !=
            RECORDED)
        return NULL;
    snprintf(want, wantsz,
             "%s|c|carers-first|gp|E07000070|supported|w=1\n"
             "%s|r|gp|F81001=1\n"
             "%s|f|carers-first|gp|26=1\n"
             "%s|s|carers-first|gp|E07000070=1\n"
             "%s|c|carers-first|gp|E07000070|supported|w=1\n"
             "%s|n|%s=1\n"
             "%s|r|gp|F81001=1\n"
             "%s|a|%s=1\n"
             "%s|f|carers-first|gp|49=1\n"
             "%s|s|carers-first|gp|E07000070=1\n",
             hub_day(10), hub_day(10), hub_day(9), hub_day(9), hub_day(6), hub_day(6), hub_day(10),
             hub_day(6), hub_day(4), hub_day(9), hub_day(4), hub_day(4));
    return want;
}

TEST(router_report_carer_supported_in_two_episodes)
{
    static hub_t h;
    char want[2048];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_two_episodes(&h, want, sizeof want));
    CHECK(s_table(&h, want));
    hub_close(&h);
}

TEST(router_report_case_passed_on_counts_at_its_new_organisation)
{
    static hub_t h;
    char id[32], want[1024], was[160];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-RC06-1", hub_at(5, 10), id), 0);
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o1", id, "contacted", hub_at(4, 13), NULL),
              RECORDED);
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o2", id, "not_ours", hub_at(3, 9), "ecs"),
              RECORDED);
    /* The cohort is where the case is now; the first contact stays with
     * the organisation that made it. */
    snprintf(want, sizeof want,
             "%s|c|ecs|gp|E07000070|contacted|w=1\n"
             "%s|r|gp|F81001=1\n"
             "%s|f|carers-first|gp|27=1\n",
             hub_day(5), hub_day(5), hub_day(4));
    CHECK(s_table(&h, want));
    snprintf(was, sizeof was, "%s|c|carers-first|gp|E07000070|contacted|w", hub_day(5));
    CHECK_INT(hub_report_count(&h, was), 0);
    hub_close(&h);
}

static int s_forget_txn(MDB_txn *txn, void *arg);

/* Makes case C-000001 one written before cases kept when they opened. */
static int s_undate_txn(MDB_txn *txn, void *arg)
{
    hub_t *h = arg;
    Carerhub__CaseRecord *c = router_get_case(&h->r, txn, "C-000001");
    int rc;
    if (!c)
        return MDB_NOTFOUND;
    c->has_opened_at = false;
    c->opened_at = 0;
    rc = router_put(&h->r, txn, DB_CASES, c->case_id, strlen(c->case_id), &c->base);
    carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

TEST(router_report_young_carer_moves_to_adult_services)
{
    static hub_t h;
    Carerhub__Referral *r = hub_card("GP-RC07-1", "gp");
    Carerhub__CaseRecord *c;
    char dob[DATE_STRLEN], want[1024];
    int64_t received;
    int y, m, d;
    CHECK(r != NULL);
    CHECK_INT(hub_open(&h, 50), 0);
    /* 18 tomorrow: a young carer today, at the adult service tomorrow. */
    date_to_ymd(date_today() + 1, &y, &m, &d);
    date_format(date_from_ymd(y - 18, m, d), dob);
    free(r->carer->date_of_birth);
    r->carer->date_of_birth = xstrdup(dob);
    free(r->referral_date);
    r->referral_date = xstrdup(hub_day(0));
    r->received_at = received = clock_now_ms() - 60000;
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", r), 0);
    carerhub__referral__free_unpacked(r, NULL);
    c = hub_case(&h, "C-000001");
    CHECK(c != NULL);
    CHECK_STR(c->provider, "young-carers");
    carerhub__case_record__free_unpacked(c, NULL);
    snprintf(want, sizeof want,
             "%s|c|young-carers|gp|E07000070|waiting|y=1\n"
             "%s|r|gp|F81001=1\n",
             hub_day(0), hub_day(0));
    CHECK(s_table(&h, want));
    CHECK_INT(router_turns_18(&h.r, date_today() + 1), 1);
    /* Still counted as a young carer's case: young when referred. */
    snprintf(want, sizeof want,
             "%s|c|carers-first|gp|E07000070|waiting|y=1\n"
             "%s|r|gp|F81001=1\n"
             "%s|t|young-carers=1\n",
             hub_day(0), hub_day(0), hub_day(0));
    CHECK(s_table(&h, want));
    /* A store from before the report table, whose case did not keep when
     * it opened: built, the case opens when its referral was received,
     * and its move at 18 (on its timeline) is counted. */
    CHECK_INT(store_write(h.r.store, s_forget_txn, &h), 0);
    CHECK_INT(store_write(h.r.store, s_undate_txn, &h), 0);
    CHECK_INT(router_report_build(&h.r), 0);
    CHECK(s_table(&h, want));
    c = hub_case(&h, "C-000001");
    CHECK(c != NULL);
    CHECK(c->has_opened_at && c->opened_at == received);
    carerhub__case_record__free_unpacked(c, NULL);
    hub_close(&h);
}

/* Makes the store as one written before the report table: no counts, no
 * mark, no case counted anywhere. */
static int s_forget_txn(MDB_txn *txn, void *arg)
{
    hub_t *h = arg;
    MDB_cursor *cur;
    MDB_val k, v, mk = store_val("report");
    int rc;
    if ((rc = mdb_drop(txn, store_dbi(h->r.store, DB_REPORT), 0)) != 0)
        return rc;
    if ((rc = mdb_del(txn, store_dbi(h->r.store, DB_META), &mk, NULL)) != 0)
        return rc;
    if ((rc = mdb_cursor_open(txn, store_dbi(h->r.store, DB_CASES), &cur)) != 0)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__CaseRecord *c = carerhub__case_record__unpack(NULL, v.mv_size, v.mv_data);
        if (!c)
            continue;
        free(c->report_key);
        c->report_key = NULL;
        c->has_opened_source = c->has_opened_urgent = c->has_contact_in_time = false;
        c->opened_urgent = c->contact_in_time = false;
        c->has_opened_young = c->opened_young = false;
        rc = router_put(&h->r, txn, DB_CASES, k.mv_data, k.mv_size, &c->base);
        carerhub__case_record__free_unpacked(c, NULL);
        if (rc != 0)
            break;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

TEST(router_report_built_for_an_older_store)
{
    static hub_t h;
    Carerhub__Referral *r;
    char want[2048], more[512], id[32];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_two_episodes(&h, want, sizeof want));
    /* Jane referred again, into her open case: a referral, no case. */
    CHECK_INT(s_take(&h, "GP-RC08-2", hub_at(3, 10), id), 0);
    snprintf(more, sizeof more, "%s|r|gp|F81001=1\n", hub_day(3));
    strncat(want, more, sizeof want - strlen(want) - 1);
    /* And an urgent discharge, of another carer, still waiting. */
    r = hub_discharge("HD-RC08-1", hub_day(2), hub_day(1));
    CHECK(r != NULL);
    free(r->carer->nhs_number);
    free(r->carer->given_name);
    free(r->carer->family_name);
    free(r->carer->date_of_birth);
    free(r->carer->phone);
    r->carer->nhs_number = NULL;
    r->carer->given_name = xstrdup("Ann");
    r->carer->family_name = xstrdup("Jones");
    r->carer->date_of_birth = xstrdup("1970-01-01");
    r->carer->phone = xstrdup("07700 900999");
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__DISCHARGE, "discharge-intake", r), 0);
    carerhub__referral__free_unpacked(r, NULL);
    snprintf(more, sizeof more,
             "%s|c|carers-first|discharge|E07000070|waiting|u=1\n"
             "%s|d|yes=1\n"
             "%s|r|discharge|RAJ=1\n",
             hub_day(2), hub_day(2), hub_day(2));
    strncat(want, more, sizeof want - strlen(want) - 1);
    CHECK(s_table(&h, want));

    CHECK_INT(store_write(h.r.store, s_forget_txn, &h), 0);
    CHECK(s_table(&h, ""));
    CHECK_INT(router_report_build(&h.r), 0);
    CHECK(s_table(&h, want));
    /* Built once: run again, nothing more is counted. */
    CHECK_INT(router_report_build(&h.r), 0);
    CHECK(s_table(&h, want));
    hub_close(&h);
}

TEST(router_report_redone_transaction_counts_once)
{
    static hub_t h;
    char *path, key[160], id[32];
    uint64_t cases;
    int n = 0;
    CHECK_INT(hub_open(&h, 10000), 0);
    /* A store of 1 MiB fills within a few hundred referrals: the
     * transaction that finds it full is redone after the map grows. */
    store_close(&h.r.store);
    h.r.conf->store_map_mb = 1;
    path = file_join(test_tmpdir(), "small");
    file_private_dir(path);
    router_store_open(&h.r, path);
    free(path);
    CHECK_INT(store_map_size(h.r.store), 1 << 20);
    while (store_map_size(h.r.store) == 1 << 20 && n < 3000) {
        char rid[32];
        snprintf(rid, sizeof rid, "GP-RC09-%d", ++n);
        CHECK_INT(s_take(&h, rid, hub_at(3, 10), id), 0);
    }
    CHECK(store_map_size(h.r.store) > 1 << 20);
    snprintf(key, sizeof key, "%s|r|gp|F81001", hub_day(3));
    CHECK_INT(hub_report_count(&h, key), n);
    snprintf(key, sizeof key, "%s|c|carers-first|gp|E07000070|waiting|-", hub_day(3));
    cases = hub_report_count(&h, key);
    CHECK_INT(cases, 1); /* one carer, one case, however often referred */
    CHECK_INT(hub_stat(&h, "referrals"), n);
    hub_close(&h);
}

/* Points case C-000001 at a count that is not there. */
static int s_lost_txn(MDB_txn *txn, void *arg)
{
    hub_t *h = arg;
    Carerhub__CaseRecord *c = router_get_case(&h->r, txn, "C-000001");
    int rc;
    if (!c)
        return MDB_NOTFOUND;
    free(c->report_key);
    c->report_key = xstrdup("2000-01-01\x1f"
                            "c\x1fnone\x1fgp\x1funresolved\x1fwaiting\x1f-");
    rc = router_put(&h->r, txn, DB_CASES, c->case_id, strlen(c->case_id), &c->base);
    carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

TEST(router_report_count_never_goes_below_zero)
{
    static hub_t h;
    char id[32], want[1024];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-RC10-1", hub_at(5, 10), id), 0);
    /* A store changed by hand: the case was counted nowhere. Moving it
     * takes nothing from a count of 0 (no wrap to 2^64 - 1), and the
     * waiting count it had is left as it was. */
    CHECK_INT(store_write(h.r.store, s_lost_txn, &h), 0);
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o1", id, "contacted", hub_at(4, 13), NULL),
              RECORDED);
    snprintf(want, sizeof want,
             "%s|c|carers-first|gp|E07000070|contacted|w=1\n"
             "%s|c|carers-first|gp|E07000070|waiting|-=1\n"
             "%s|r|gp|F81001=1\n"
             "%s|f|carers-first|gp|27=1\n",
             hub_day(5), hub_day(5), hub_day(5), hub_day(4));
    CHECK(s_table(&h, want));
    CHECK_INT(hub_report_count(&h, "2000-01-01|c|none|gp|unresolved|waiting|-"), 0);
    hub_close(&h);
}
