/*
 * Unit tests of the report the router makes from its report table
 * (router_report): a hand-made table, written directly, and every figure
 * of the reply against what the test works out from the entries by hand;
 * periods that cut through cases' timelines, a carer supported in two
 * episodes, referrers gone quiet, months, targets; dates refused. The
 * report after real takes and outcomes, and on the control socket, is in
 * test_router_report_hub.c.
 */
#include "test.h"

#include "router_hub.h"
#include "util/be64.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *key; /* the fields separated by spaces, for US */
    uint64_t n;
} s_ent_t;

typedef struct {
    hub_t *h;
    const s_ent_t *e;
    size_t n;
} s_put_t;

static int s_put_txn(MDB_txn *txn, void *arg)
{
    s_put_t *p = arg;
    for (size_t i = 0; i < p->n; i++) {
        char key[ROUTER_REPORT_KEY_MAX];
        uint8_t v[8];
        MDB_val k, val = {8, v};
        int rc;
        snprintf(key, sizeof key, "%s", p->e[i].key);
        for (char *c = key; *c; c++)
            if (*c == ' ')
                *c = 0x1f;
        k = store_val(key);
        be64_put(p->e[i].n, v);
        if ((rc = mdb_put(txn, store_dbi(p->h->r.store, DB_REPORT), &k, &val, 0)) != 0)
            return rc;
    }
    return 0;
}

static int s_put(hub_t *h, const s_ent_t *e, size_t n)
{
    s_put_t p = {h, e, n};
    return store_write(h->r.store, s_put_txn, &p);
}

/* The report for [from, to] on day today (NULL: the defaults), or NULL
 * with the refusal in msg. */
static Carerhub__ReportReply *s_ask(hub_t *h, const char *from, const char *to, const char *today,
                                    char *msg, size_t msgsz)
{
    Carerhub__ReportQuery q = CARERHUB__REPORT_QUERY__INIT;
    Carerhub__ReportReply *rep;
    MDB_txn *txn;
    date_t day;
    q.from = (char *)from;
    q.to = (char *)to;
    msg[0] = '\0';
    if (date_parse(today, &day) != 0 || store_read(h->r.store, &txn) != 0)
        return NULL;
    rep = router_report(&h->r, txn, &q, day, msg, msgsz);
    mdb_txn_abort(txn);
    return rep;
}

/* A row's referrals, contacted and supported as "r c s". */
static const char *s_rcs(const Carerhub__ReportRow *row)
{
    static char out[64];
    snprintf(out, sizeof out, "%llu %llu %llu", (unsigned long long)row->referrals,
             (unsigned long long)row->contacted, (unsigned long long)row->supported);
    return out;
}

/*
 * The hand-made data set. Carer A (practice F81001, Chelmsford, Carers
 * First): referred 10 January 2025, contacted two days later (48 h),
 * supported 3 February, closed; referred again 5 March (a second episode:
 * the n entry), contacted the next day (20 h), supported again 20 March
 * (the a entry). B: an urgent discharge (trust RAJ, consulted) 31 January
 * to AFC, Epping Forest, contacted in time 1 February (5 h). C: a
 * discharge (not consulted) 10 February, urgent, waiting. D: a young carer
 * from school 123456 on 15 February, unresolved, contacted in time five
 * days later (120 h), then declined; moved to adult services 1 March.
 * Three carers from practice F81002 on 20 February (ECS, Colchester),
 * unable to contact. Four from F81003 on 1 June 2024, closed before any
 * contact, and nothing from that practice since.
 */
static const s_ent_t s_data[] = {
    {"2024-06-01 c ecs gp E07000071 closed -", 4},
    {"2024-06-01 r gp F81003", 4},
    {"2025-01-10 c carers-first gp E07000070 supported w", 1},
    {"2025-01-10 r gp F81001", 1},
    {"2025-01-12 f carers-first gp 48", 1},
    {"2025-01-31 c afc discharge E07000072 contacted uw", 1},
    {"2025-01-31 r discharge RAJ", 1},
    {"2025-01-31 d yes", 1},
    {"2025-02-01 f afc discharge 5", 1},
    {"2025-02-03 s carers-first gp E07000070", 1},
    {"2025-02-10 c afc discharge E07000072 waiting u", 1},
    {"2025-02-10 r discharge RAJ", 1},
    {"2025-02-10 d no", 1},
    {"2025-02-15 c young-carers school unresolved declined wy", 1},
    {"2025-02-15 r school 123456", 1},
    {"2025-02-20 f young-carers school 120", 1},
    {"2025-02-20 c ecs gp E07000071 unable_to_contact -", 3},
    {"2025-02-20 r gp F81002", 3},
    {"2025-03-01 t young-carers", 1},
    {"2025-03-05 c carers-first gp E07000070 supported -", 1},
    {"2025-03-05 r gp F81001", 1},
    {"2025-03-05 n 2025-01-10", 1},
    {"2025-03-06 f carers-first gp 20", 1},
    {"2025-03-20 s carers-first gp E07000070", 1},
    {"2025-03-20 a 2025-02-03", 1},
    /* After every period asked: never counted. */
    {"2025-04-02 c afc gp E07000072 waiting -", 7},
    {"2025-04-02 r gp F81003", 7},
    {"2025-04-02 s afc gp E07000072", 7},
};
#define S_NDATA (sizeof s_data / sizeof *s_data)

TEST(router_report_february_cuts_through_timelines)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReportReply *rep;
    char msg[200];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_put(&h, s_data, S_NDATA), 0);
    CHECK((rep = s_ask(&h, "2025-02-01", "2025-02-28", "2025-04-30", msg, sizeof msg)) != NULL);
    CHECK_STR(rep->from, "2025-02-01");
    CHECK_STR(rep->to, "2025-02-28");
    /* Opened in February: C, D and the three from F81002 (not B, opened
     * the day before, though contacted in February). */
    CHECK_STR(hub_path_text(rep->path), "5 1 0 0 1 3 0 / 1 1 0 1");
    CHECK_INT(rep->carers_referred, 5);
    CHECK_INT(rep->referrals, 5);
    /* First contacts in February: B (5 h) and D (120 h); A's was in
     * January. Nearest rank of 2: median the first, p90 the second. */
    CHECK_INT(rep->carers_contacted, 2);
    CHECK_STR(hub_times_text(rep->first_contact), "2 5 120");
    /* A, supported 3 February. */
    CHECK_INT(rep->carers_supported, 1);
    CHECK_INT(rep->carers_supported_since_start, 1);
    CHECK_INT(rep->discharges, 1);
    CHECK_INT(rep->discharges_consulted, 0);
    CHECK_INT(rep->transitions, 0);

    /* By organisation, in routing's order: AFC has C waiting and B's
     * contact; ECS the three; Carers First only A's support; the young
     * carers' service D, declined, contacted in 120 h. */
    CHECK_STR(hub_keys_text(rep->by_provider, rep->n_by_provider),
              "afc ecs carers-first young-carers");
    CHECK_STR(rep->by_provider[0]->name, "Action for Family Carers");
    CHECK_STR(hub_path_text(rep->by_provider[0]->path), "1 1 0 0 0 0 0 / 0 1 0 0");
    CHECK_STR(s_rcs(rep->by_provider[0]), "0 1 0");
    CHECK_STR(hub_times_text(rep->by_provider[0]->first_contact), "1 5 5");
    CHECK_STR(hub_path_text(rep->by_provider[1]->path), "3 0 0 0 0 3 0 / 0 0 0 0");
    CHECK_STR(hub_path_text(rep->by_provider[2]->path), "0 0 0 0 0 0 0 / 0 0 0 0");
    CHECK_STR(s_rcs(rep->by_provider[2]), "0 0 1");
    CHECK_STR(hub_path_text(rep->by_provider[3]->path), "1 0 0 0 1 0 0 / 1 0 0 1");
    CHECK_STR(hub_times_text(rep->by_provider[3]->first_contact), "1 120 120");

    /* By source: referrals only here. */
    CHECK_STR(hub_keys_text(rep->by_source, rep->n_by_source), "gp discharge school");
    CHECK_STR(rep->by_source[0]->name, "GP practices");
    CHECK_STR(hub_path_text(rep->by_source[0]->path), "3 0 0 0 0 3 0 / 0 0 0 0");
    CHECK_STR(s_rcs(rep->by_source[0]), "3 0 1");
    CHECK(rep->by_source[0]->has_referrals && !rep->by_provider[0]->has_referrals);
    CHECK_STR(s_rcs(rep->by_source[1]), "1 1 0");
    CHECK_STR(hub_path_text(rep->by_source[1]->path), "1 1 0 0 0 0 0 / 0 1 0 0");
    CHECK_STR(s_rcs(rep->by_source[2]), "1 1 0");

    /* By authority, by code, unresolved last: no contacts (the f entries
     * do not say where). */
    CHECK_STR(hub_keys_text(rep->by_authority, rep->n_by_authority),
              "E07000070 E07000071 E07000072 unresolved");
    CHECK_STR(rep->by_authority[0]->name, "Chelmsford");
    CHECK_STR(hub_path_text(rep->by_authority[0]->path), "0 0 0 0 0 0 0 / 0 0 0 0");
    CHECK_INT(rep->by_authority[0]->supported, 1);
    CHECK_STR(hub_path_text(rep->by_authority[1]->path), "3 0 0 0 0 3 0 / 0 0 0 0");
    CHECK(!rep->by_authority[1]->has_contacted && !rep->by_authority[1]->first_contact);
    CHECK_STR(hub_path_text(rep->by_authority[3]->path), "1 0 0 0 1 0 0 / 1 0 0 1");
    CHECK(rep->by_authority[3]->name == NULL);

    CHECK_STR(hub_keys_text(rep->by_month, rep->n_by_month), "2025-02");
    CHECK_STR(s_rcs(rep->by_month[0]), "5 2 1");
    CHECK_STR(hub_path_text(rep->by_month[0]->path), "5 1 0 0 1 3 0 / 1 1 0 1");
    CHECK_INT(rep->by_month[0]->carers_supported_since_start, 1);

    /* Referrers in February, most first; then by source and code. */
    CHECK_STR(hub_keys_text(rep->referrers, rep->n_referrers), "F81002 RAJ 123456");
    CHECK_STR(rep->referrers[0]->source, "gp");
    CHECK_INT(rep->referrers[0]->referrals, 3);
    CHECK_STR(rep->referrers[0]->last_referral, "2025-02-20");
    CHECK_STR(rep->referrers[1]->source, "discharge");
    CHECK_INT(rep->referrers[1]->referrals, 1);
    CHECK_STR(rep->referrers[1]->last_referral, "2025-02-10");
    CHECK_STR(rep->referrers[2]->source, "school");
    CHECK(!rep->referrers_more);
    /* The 90 days to 28 February start 1 December 2024: F81003 referred
     * only in June 2024. F81001 (10 January) is not quiet. */
    CHECK_INT(rep->quiet_days, 90);
    CHECK_STR(hub_keys_text(rep->gone_quiet, rep->n_gone_quiet), "F81003");
    CHECK_STR(rep->gone_quiet[0]->last_referral, "2024-06-01");
    CHECK_INT(rep->gone_quiet[0]->referrals_before, 4);
    carerhub__report_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}

TEST(router_report_quarter_counts_a_carer_supported_twice_once)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReportReply *rep;
    char msg[200];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_put(&h, s_data, S_NDATA), 0);
    CHECK((rep = s_ask(&h, "2025-01-01", "2025-03-31", "2025-04-30", msg, sizeof msg)) != NULL);
    /* Eight cases opened: A twice, B, C, D, three from F81002; seven
     * carers (A's second episode follows one opened in the period). */
    CHECK_STR(hub_path_text(rep->path), "8 1 1 2 1 3 0 / 3 2 1 1");
    CHECK_INT(rep->carers_referred, 7);
    CHECK_INT(rep->referrals, 8);
    /* Four first contacts: 5, 20, 48, 120 h: median rank 2, p90 rank 4. */
    CHECK_STR(hub_times_text(rep->first_contact), "4 20 120");
    /* Two cases supported, one carer. */
    CHECK_INT(rep->carers_supported, 1);
    CHECK_INT(rep->carers_supported_since_start, 1);
    CHECK_INT(rep->transitions, 1);
    CHECK_INT(rep->discharges, 2);
    CHECK_INT(rep->discharges_consulted, 1);
    CHECK_STR(hub_path_text(rep->by_provider[2]->path), "2 0 0 2 0 0 0 / 1 0 0 0");
    CHECK_STR(s_rcs(rep->by_provider[2]), "0 2 2");
    CHECK_STR(hub_times_text(rep->by_provider[2]->first_contact), "2 20 48");

    /* Each month of the quarter. */
    CHECK_STR(hub_keys_text(rep->by_month, rep->n_by_month), "2025-01 2025-02 2025-03");
    CHECK_STR(s_rcs(rep->by_month[0]), "2 1 0");
    CHECK_STR(hub_path_text(rep->by_month[0]->path), "2 0 1 1 0 0 0 / 2 1 1 0");
    CHECK_INT(rep->by_month[0]->carers_supported_since_start, 0);
    CHECK_STR(s_rcs(rep->by_month[1]), "5 2 1");
    CHECK_INT(rep->by_month[1]->carers_supported_since_start, 1);
    CHECK_STR(s_rcs(rep->by_month[2]), "1 1 1");
    CHECK_STR(hub_path_text(rep->by_month[2]->path), "1 0 0 1 0 0 0 / 0 0 0 0");
    CHECK_INT(rep->by_month[2]->carers_supported_since_start, 1);

    /* RAJ and F81001 referred twice each: by source, then code. */
    CHECK_STR(hub_keys_text(rep->referrers, rep->n_referrers), "F81002 RAJ F81001 123456");
    CHECK_INT(rep->referrers[1]->referrals, 2);
    CHECK_STR(rep->referrers[1]->last_referral, "2025-02-10");
    CHECK_INT(rep->referrers[2]->referrals, 2);
    CHECK_STR(rep->referrers[2]->last_referral, "2025-03-05");
    CHECK_STR(hub_keys_text(rep->gone_quiet, rep->n_gone_quiet), "F81003");
    carerhub__report_reply__free_unpacked(rep, NULL);

    /* From the day A's first episode opened: both of A's cases, one carer. */
    CHECK((rep = s_ask(&h, "2025-01-10", "2025-03-31", "2025-04-30", msg, sizeof msg)) != NULL);
    CHECK_INT(rep->path->referred, 8);
    CHECK_INT(rep->carers_referred, 7);
    carerhub__report_reply__free_unpacked(rep, NULL);
    /* From the day A was first supported: both supports, one carer. */
    CHECK((rep = s_ask(&h, "2025-02-03", "2025-03-31", "2025-04-30", msg, sizeof msg)) != NULL);
    CHECK_INT(rep->carers_supported, 1);
    CHECK_INT(rep->carers_referred, 6); /* A's second episode is A's first case then */
    carerhub__report_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}

TEST(router_report_march_counts_carers_new_to_the_period)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReportReply *rep;
    char msg[200];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_put(&h, s_data, S_NDATA), 0);
    /* A's second episode, and its support, are A's first in March: the
     * earlier ones were before the period. */
    CHECK((rep = s_ask(&h, "2025-03-01", "2025-03-31", "2025-04-30", msg, sizeof msg)) != NULL);
    CHECK_STR(hub_path_text(rep->path), "1 0 0 1 0 0 0 / 0 0 0 0");
    CHECK_INT(rep->carers_referred, 1);
    CHECK_INT(rep->carers_supported, 1);
    CHECK_INT(rep->carers_supported_since_start, 1);
    CHECK_INT(rep->transitions, 1);
    CHECK_INT(rep->discharges, 0);
    /* Only F81001 referred in March; every referrer but F81003 referred in
     * the 90 days to 31 March (from 1 January). */
    CHECK_STR(hub_keys_text(rep->referrers, rep->n_referrers), "F81001");
    CHECK_STR(hub_keys_text(rep->gone_quiet, rep->n_gone_quiet), "F81003");
    carerhub__report_reply__free_unpacked(rep, NULL);

    /* A period that ends on 1 June 2024 sees only F81003's four, and no
     * one quiet yet. */
    CHECK((rep = s_ask(&h, "2024-06-01", "2024-06-01", "2025-04-30", msg, sizeof msg)) != NULL);
    CHECK_STR(hub_path_text(rep->path), "4 0 0 0 0 0 4 / 0 0 0 0");
    CHECK_INT(rep->carers_supported_since_start, 0);
    CHECK_INT(rep->n_gone_quiet, 0);
    CHECK_STR(hub_keys_text(rep->referrers, rep->n_referrers), "F81003");
    carerhub__report_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}

TEST(router_report_months_are_clipped_to_the_period)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReportReply *rep;
    char msg[200];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_put(&h, s_data, S_NDATA), 0);
    CHECK((rep = s_ask(&h, "2025-01-15", "2025-02-14", "2025-04-30", msg, sizeof msg)) != NULL);
    CHECK_STR(hub_keys_text(rep->by_month, rep->n_by_month), "2025-01 2025-02");
    /* January from the 15th: B only (A's referral and contact were
     * earlier). */
    CHECK_STR(s_rcs(rep->by_month[0]), "1 0 0");
    CHECK_STR(hub_path_text(rep->by_month[0]->path), "1 0 1 0 0 0 0 / 1 1 1 0");
    CHECK_INT(rep->by_month[0]->carers_supported_since_start, 0);
    /* February to the 14th: C; B's contact; A's support. */
    CHECK_STR(s_rcs(rep->by_month[1]), "1 1 1");
    CHECK_STR(hub_path_text(rep->by_month[1]->path), "1 1 0 0 0 0 0 / 0 1 0 0");
    CHECK_INT(rep->by_month[1]->carers_supported_since_start, 1);
    carerhub__report_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}

TEST(router_report_refuses_bad_periods_naming_the_field)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReportReply *rep;
    char msg[200];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_ask(&h, "2025-02-30", "2025-03-31", "2025-04-30", msg, sizeof msg) == NULL);
    CHECK_STR(msg, "from: \"2025-02-30\" is not a date (YYYY-MM-DD)");
    CHECK(s_ask(&h, "2025-01-01", "31/03/2025", "2025-04-30", msg, sizeof msg) == NULL);
    CHECK_STR(msg, "to: \"31/03/2025\" is not a date (YYYY-MM-DD)");
    CHECK(s_ask(&h, "2025-04-01", "2025-03-31", "2025-04-30", msg, sizeof msg) == NULL);
    CHECK_STR(msg, "from: the period's first day (2025-04-01) is after its last (2025-03-31)");
    CHECK(s_ask(&h, "2000-01-01", "2020-01-01", "2025-04-30", msg, sizeof msg) == NULL);
    CHECK_STR(msg, "to: a report covers at most 20 years, not 2000-01-01 to 2020-01-01");
    /* Twenty years exactly is a report. */
    CHECK((rep = s_ask(&h, "2000-01-01", "2019-12-31", "2025-04-30", msg, sizeof msg)) != NULL);
    CHECK_INT(rep->n_by_month, 240);
    carerhub__report_reply__free_unpacked(rep, NULL);
    /* To defaults to today, which must not be before the from asked. */
    CHECK(s_ask(&h, "2025-05-01", NULL, "2025-04-30", msg, sizeof msg) == NULL);
    CHECK_STR(msg, "from: the period's first day (2025-05-01) is after its last (2025-04-30)");
    hub_close(&h);
}

/*
 * Targets (the shipped routing: counted from 1 April 2024; 4,150 carers
 * by 1 April 2025, 12,500 by 1 April 2027). Supports of many carers at
 * once: 500 before the start (not counted), 2,000 on 1 October 2024,
 * 2,300 on 1 March 2025, 1,000 on 1 September 2025 of whom 100 were
 * supported before (on 1 October 2024) and 50 before the start (counted:
 * their first since it), 3,000 on 1 November 2025.
 */
static const s_ent_t s_supports[] = {
    {"2024-03-15 s carers-first gp E07000070", 500},
    {"2024-10-01 s carers-first gp E07000070", 2000},
    {"2025-03-01 s afc gp E07000072", 2300},
    {"2025-09-01 s ecs discharge E07000071", 1000},
    {"2025-09-01 a 2024-10-01", 100},
    {"2025-09-01 a 2024-03-15", 50},
    {"2025-11-01 s carers-first school E07000070", 3000},
};

/* A target's figures as "so_far expected on_track due". */
static const char *s_target(const Carerhub__ReportTarget *t)
{
    static char out[100];
    snprintf(out, sizeof out, "%s %llu: %llu %llu %s %s", t->date, (unsigned long long)t->carers,
             (unsigned long long)t->supported_so_far, (unsigned long long)t->expected_by_now,
             t->on_track ? "on-track" : "behind", t->due ? "due" : "not-due");
    return out;
}

TEST(router_report_targets_on_and_off_track)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReportReply *rep;
    char msg[200];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_put(&h, s_supports, sizeof s_supports / sizeof *s_supports), 0);

    /* To 31 January 2025, from the programme start by default: 306 days
     * of the 366 to 1 April 2025 (both ends counted), and of the 1,096 to
     * 1 April 2027. 4150 * 306 / 366 = 3469.7; 12500 * 306 / 1096 =
     * 3489.96. Then 60 days to go (1.971 months of 30.4375 days) for 2,150
     * more; 790 days (25.955 months) for 10,500: 404.549 a month. */
    CHECK((rep = s_ask(&h, NULL, "2025-01-31", "2025-04-30", msg, sizeof msg)) != NULL);
    CHECK_STR(rep->from, "2024-04-01");
    CHECK_STR(rep->programme_start, "2024-04-01");
    CHECK_INT(rep->carers_supported, 2000);
    CHECK_INT(rep->carers_supported_since_start, 2000);
    CHECK_INT(rep->n_targets, 2);
    CHECK_STR(s_target(rep->targets[0]), "2025-04-01 4150: 2000 3469 behind not-due");
    CHECK(rep->targets[0]->needed_per_month > 1090.67 &&
          rep->targets[0]->needed_per_month < 1090.68);
    CHECK_STR(s_target(rep->targets[1]), "2027-04-01 12500: 2000 3489 behind not-due");
    CHECK(rep->targets[1]->needed_per_month > 404.54 && rep->targets[1]->needed_per_month < 404.55);
    carerhub__report_reply__free_unpacked(rep, NULL);

    /* To 30 June 2025: the first met when due (4,300 by 1 April); the
     * second behind: 456 days of 1,096, 12500 * 456 / 1096 = 5200.7. */
    CHECK((rep = s_ask(&h, "2025-01-01", "2025-06-30", "2025-07-01", msg, sizeof msg)) != NULL);
    CHECK_INT(rep->carers_supported, 2300);
    CHECK_INT(rep->carers_supported_since_start, 4300);
    CHECK_STR(s_target(rep->targets[0]), "2025-04-01 4150: 4300 4150 on-track due");
    CHECK(rep->targets[0]->needed_per_month == 0);
    CHECK_STR(s_target(rep->targets[1]), "2027-04-01 12500: 4300 5200 behind not-due");
    /* Each month's count since the start, at its end. */
    CHECK_STR(hub_keys_text(rep->by_month, rep->n_by_month),
              "2025-01 2025-02 2025-03 2025-04 2025-05 2025-06");
    CHECK_INT(rep->by_month[1]->carers_supported_since_start, 2000);
    CHECK_INT(rep->by_month[2]->carers_supported_since_start, 4300);
    CHECK_INT(rep->by_month[2]->supported, 2300);
    carerhub__report_reply__free_unpacked(rep, NULL);

    /* To 31 December 2025: 2,000 + 2,300 + 1,000 - 100 + 3,000 = 8,200
     * carers; 640 days of 1,096, 12500 * 640 / 1096 = 7299.3: on track,
     * with 4,300 to go in 456 days (14.98 months). The first target stays
     * met, counted to its date. */
    CHECK((rep = s_ask(&h, "2025-07-01", "2025-12-31", "2026-01-01", msg, sizeof msg)) != NULL);
    CHECK_INT(rep->carers_supported_since_start, 8200);
    /* In the period: 4,000 cases; the 100 supported in October 2024 were
     * first supported before it, so count in it too. */
    CHECK_INT(rep->carers_supported, 4000);
    CHECK_STR(s_target(rep->targets[0]), "2025-04-01 4150: 4300 4150 on-track due");
    CHECK_STR(s_target(rep->targets[1]), "2027-04-01 12500: 8200 7299 on-track not-due");
    CHECK(rep->targets[1]->needed_per_month > 287.01 && rep->targets[1]->needed_per_month < 287.03);
    carerhub__report_reply__free_unpacked(rep, NULL);

    /* A period before the start: nothing since it, and nothing expected. */
    CHECK((rep = s_ask(&h, "2024-03-01", "2024-03-31", "2026-01-01", msg, sizeof msg)) != NULL);
    CHECK_INT(rep->carers_supported, 500);
    CHECK_INT(rep->carers_supported_since_start, 0);
    CHECK_STR(s_target(rep->targets[0]), "2025-04-01 4150: 0 0 on-track not-due");
    carerhub__report_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}
