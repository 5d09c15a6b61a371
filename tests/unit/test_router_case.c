/*
 * Unit tests of who a carer is and of a case over time, in the router's
 * own code on a real case store: NHS numbers with dates of birth, twins,
 * moves between organisations, the 18th birthday on a date the test gives,
 * and a new episode after a case is closed.
 */
#include "test.h"

#include "domain/referral.h"
#include "router_hub.h"
#include "util/be64.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_set(char **field, const char *value)
{
    free(*field);
    *field = value ? xstrdup(value) : NULL;
}

/* The sample card with this id, for the carer given. */
static Carerhub__Referral *s_carer(const char *id, const char *given, const char *dob,
                                   const char *postcode, const char *nhs)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    if (!r)
        return NULL;
    s_set(&r->carer->given_name, given);
    s_set(&r->carer->date_of_birth, dob);
    s_set(&r->carer->postcode, postcode);
    s_set(&r->carer->nhs_number, nhs);
    s_set(&r->carer->address, NULL);
    return r;
}

/* Takes the card and frees it; returns the stored record (caller frees). */
static Carerhub__ReferralRecord *s_taken(hub_t *h, Carerhub__Referral *r)
{
    Carerhub__ReferralRecord *rec = NULL;
    if (r && hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r) == 0)
        rec = hub_get(h, r->id);
    if (r)
        carerhub__referral__free_unpacked(r, NULL);
    return rec;
}

static Carerhub__CaseRecord *s_case(hub_t *h, const char *id)
{
    MDB_txn *txn;
    Carerhub__CaseRecord *c;
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    c = router_get_case(&h->r, txn, id);
    mdb_txn_abort(txn);
    return c;
}

/* The kinds and versions queued for provider, in order: "new/1 update/2". */
static void s_outbox(hub_t *h, const char *provider, char *out, size_t outsz)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    size_t plen = strlen(provider) + 1, n = 0;
    uint8_t key[64];
    out[0] = '\0';
    if (store_read(h->r.store, &txn) != 0)
        return;
    mdb_cursor_open(txn, store_dbi(h->r.store, DB_OUTBOX), &cur);
    k.mv_size = router_outbox_key(provider, 0, key, sizeof key);
    k.mv_data = key;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size == plen + 8 && memcmp(k.mv_data, provider, plen) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__OutboxEntry *e = carerhub__outbox_entry__unpack(NULL, v.mv_size, v.mv_data);
        if (e && n < outsz)
            n += (size_t)snprintf(out + n, outsz - n, "%s%s/%u", n ? " " : "", e->kind,
                                  e->snapshot ? e->snapshot->version : 0);
        if (e && e->snapshot && strcmp(e->kind, "transfer_out") == 0 && e->snapshot->carer)
            snprintf(out, outsz, "a transfer_out carries the carer");
        if (e)
            carerhub__outbox_entry__free_unpacked(e, NULL);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
}

TEST(router_same_nhs_number_other_birthday_is_two_flagged_cases)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *a, *b, *c;
    Carerhub__CaseRecord *ca, *cb;
    CHECK_INT(hub_open(&h, 50), 0);
    a = s_taken(&h, s_carer("GP-TEST10-1", "Jane", "1961-04-02", "CM2 0AA", "9434765919"));
    /* Another carer, in Colchester, given the same NHS number. */
    b = s_taken(&h, s_carer("GP-TEST10-2", "Mary", "1975-09-14", "CO4 5AB", "9434765919"));
    /* The first carer again: joins her own case, not the other. */
    c = s_taken(&h, s_carer("GP-TEST10-3", "Jane", "1961-04-02", "CM2 0AA", "9434765919"));
    CHECK(a && b && c);
    CHECK(strcmp(a->case_id, b->case_id) != 0);
    CHECK_STR(a->provider, "carers-first");
    CHECK_STR(b->provider, "ecs");
    CHECK_STR(b->kind, "new");
    CHECK_STR(c->case_id, a->case_id);
    CHECK_STR(c->kind, "update");
    ca = s_case(&h, a->case_id);
    cb = s_case(&h, b->case_id);
    CHECK(ca && cb);
    CHECK(ca->identity_conflict && cb->identity_conflict);
    CHECK(strstr(ca->conflict_reason, b->case_id) != NULL);
    CHECK(strstr(cb->conflict_reason, a->case_id) != NULL);
    CHECK_INT(hub_stat(&h, "identity_conflicts"), 1);
    carerhub__case_record__free_unpacked(ca, NULL);
    carerhub__case_record__free_unpacked(cb, NULL);
    carerhub__referral_record__free_unpacked(a, NULL);
    carerhub__referral_record__free_unpacked(b, NULL);
    carerhub__referral_record__free_unpacked(c, NULL);
    hub_close(&h);
}

TEST(router_twins_are_two_cases_and_a_name_match_needs_postcode_or_phone)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *a, *b, *c, *d;
    Carerhub__Referral *r;
    CHECK_INT(hub_open(&h, 50), 0);
    a = s_taken(&h, s_carer("GP-TEST11-1", "Anna", "2001-05-05", "CM2 0AA", NULL));
    b = s_taken(&h, s_carer("GP-TEST11-2", "Emma", "2001-05-05", "CM2 0AA", NULL));
    /* Anna again, written another way, with her NHS number: the same. */
    c = s_taken(&h, s_carer("GP-TEST11-3", "ANNA ", "2001-05-05", "cm20aa", "9434765919"));
    /* Anna's name and birthday at another postcode and phone: not joined. */
    r = s_carer("GP-TEST11-4", "Anna", "2001-05-05", "CM1 1AA", NULL);
    CHECK(r != NULL);
    s_set(&r->carer->phone, "07700 900999");
    d = s_taken(&h, r);
    CHECK(a && b && c && d);
    CHECK(strcmp(a->case_id, b->case_id) != 0);
    CHECK_STR(c->case_id, a->case_id);
    CHECK(strcmp(d->case_id, a->case_id) != 0);
    carerhub__referral_record__free_unpacked(a, NULL);
    carerhub__referral_record__free_unpacked(b, NULL);
    carerhub__referral_record__free_unpacked(c, NULL);
    carerhub__referral_record__free_unpacked(d, NULL);
    hub_close(&h);
}

TEST(router_moves_a_case_to_the_organisation_of_the_new_address)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *a, *b, *c, *d;
    Carerhub__CaseRecord *cs;
    char q[256];
    CHECK_INT(hub_open(&h, 50), 0);
    a = s_taken(&h, s_carer("GP-TEST12-1", "Jane", "1961-04-02", "CM2 0AA", "9434765919"));
    b = s_taken(&h, s_carer("GP-TEST12-2", "Jane", "1961-04-02", "CO4 5AB", "9434765919"));
    c = s_taken(&h, s_carer("GP-TEST12-3", "Jane", "1961-04-02", "CO4 5AB", NULL));
    /* Then to a district two areas share: routed to no one, so the case
     * goes to triage; Essex Carers Support is told only that it went. */
    d = s_taken(&h, s_carer("GP-TEST12-4", "Jane", "1961-04-02", "CM1 1AA", "9434765919"));
    CHECK(a && b && c && d);
    CHECK_STR(d->kind, "transfer_in");
    CHECK_STR(d->provider, "ews-triage");
    CHECK_STR(b->case_id, a->case_id);
    CHECK_STR(b->kind, "transfer_in");
    CHECK_STR(b->provider, "ecs");
    CHECK_STR(c->kind, "update");
    CHECK_STR(c->provider, "ecs");
    s_outbox(&h, "carers-first", q, sizeof q);
    CHECK_STR(q, "new/1 transfer_out/2");
    s_outbox(&h, "ecs", q, sizeof q);
    CHECK_STR(q, "transfer_in/2 update/3 transfer_out/4");
    cs = s_case(&h, a->case_id);
    CHECK(cs != NULL);
    CHECK_STR(cs->provider, "ews-triage");
    CHECK_STR(cs->transferred_from, "ecs");
    CHECK_STR(cs->transfer_why, "moved");
    CHECK(strstr(cs->reason, "came from Essex Carers Support") != NULL);
    CHECK(strstr(cs->reason, "..") == NULL);
    CHECK_STR(cs->carer->nhs_number, "9434765919"); /* kept from before */
    CHECK_INT(hub_stat(&h, "transfers/moved"), 2);
    carerhub__case_record__free_unpacked(cs, NULL);
    carerhub__referral_record__free_unpacked(a, NULL);
    carerhub__referral_record__free_unpacked(b, NULL);
    carerhub__referral_record__free_unpacked(c, NULL);
    carerhub__referral_record__free_unpacked(d, NULL);
    hub_close(&h);
}

static void s_day(date_t d, char out[DATE_STRLEN])
{
    date_format(d, out);
}

TEST(router_moves_a_young_carer_on_the_18th_birthday)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *a, *b;
    Carerhub__CaseRecord *ca, *cb;
    date_t today = date_today(), dob;
    char sam[DATE_STRLEN], leap[DATE_STRLEN], q[256];
    int y, m, d, y0;
    CHECK_INT(hub_open(&h, 50), 0);
    /* Sam is 17 and turns 18 in 30 days; Leap, born on 29 February, is
     * between 14 and 17 and turns 18 in a year without one: on 1 March. */
    date_to_ymd(today, &y, &m, &d);
    dob = date_from_ymd(y - 18, m, d <= 28 ? d : 28) + 30;
    s_day(dob, sam);
    y0 = (y - 14) - (y - 14) % 4;
    s_day(date_from_ymd(y0, 2, 29), leap);
    a = s_taken(&h, s_carer("GP-TEST13-1", "Sam", sam, "CM2 0AA", NULL));
    b = s_taken(&h, s_carer("GP-TEST13-2", "Leap", leap, "CO4 5AB", NULL));
    CHECK(a && b);
    CHECK_STR(a->provider, "young-carers");
    CHECK_STR(b->provider, "young-carers");
    CHECK_INT(router_turns_18(&h.r, date_birthday(dob, 18) - 1), 0);
    CHECK_INT(router_turns_18(&h.r, date_birthday(dob, 18)), 1);
    CHECK_INT(router_turns_18(&h.r, date_birthday(dob, 18)), 0); /* once */
    CHECK_INT(router_turns_18(&h.r, date_from_ymd(y0 + 18, 2, 28)), 0);
    CHECK_INT(router_turns_18(&h.r, date_from_ymd(y0 + 18, 3, 1)), 1);
    ca = s_case(&h, a->case_id);
    cb = s_case(&h, b->case_id);
    CHECK(ca && cb);
    CHECK_STR(ca->provider, "carers-first");
    CHECK_STR(ca->transfer_why, "turned_18");
    CHECK_STR(cb->provider, "ecs");
    s_outbox(&h, "young-carers", q, sizeof q);
    CHECK_STR(q, "new/1 new/1 transfer_out/2 transfer_out/2");
    s_outbox(&h, "carers-first", q, sizeof q);
    CHECK_STR(q, "transfer_in/2");
    carerhub__case_record__free_unpacked(ca, NULL);
    carerhub__case_record__free_unpacked(cb, NULL);
    carerhub__referral_record__free_unpacked(a, NULL);
    carerhub__referral_record__free_unpacked(b, NULL);
    hub_close(&h);
}

/* How many entries of the report table are of kind (the letter after
 * the day), whatever their fields. */
static int s_report_kind(hub_t *h, char kind)
{
    char *dump = hub_report_dump(h), pat[4] = {'|', kind, '|', '\0'};
    int n = 0;
    for (const char *p = dump; (p = strstr(p, pat)) != NULL; p++)
        n++;
    free(dump);
    return n;
}

TEST(router_a_move_at_18_is_counted_once_and_not_made_again)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *a, *b;
    Carerhub__CaseRecord *c;
    Carerhub__Outcome *o;
    Carerhub__OutcomeResult res;
    date_t today = date_today(), birthday;
    char dob[DATE_STRLEN], later[DATE_STRLEN], key[128];
    int y, m, d;
    CHECK_INT(hub_open(&h, 50), 0);
    /* Sam turns 18 in two days; moved to carers-first then, who pass the
     * case to afc; a referral a month after the birthday finds it there. */
    date_to_ymd(today + 2, &y, &m, &d);
    birthday = date_birthday(date_from_ymd(y - 18, m, d), 18);
    s_day(date_from_ymd(y - 18, m, d), dob);
    a = s_taken(&h, s_carer("GP-TEST16-1", "Sam", dob, "CM2 0AA", NULL));
    CHECK(a != NULL);
    CHECK_STR(a->provider, "young-carers");
    CHECK_INT(router_turns_18(&h.r, birthday), 1);
    o = hub_outcome_new("o1", a->case_id, "not_ours");
    o->reason = xstrdup("the carer is with afc already");
    o->to = xstrdup("afc");
    CHECK_INT(hub_report(&h, "carers-first", o, &res), CARERHUB__OUTCOME_RESULT__RESULT__RECORDED);
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    s_day(birthday + 30, later);
    {
        Carerhub__Referral *r = s_carer("GP-TEST16-2", "Sam", dob, "CM2 0AA", NULL);
        CHECK(r != NULL);
        s_set(&r->referral_date, later);
        b = s_taken(&h, r);
    }
    CHECK(b != NULL);
    CHECK_STR(b->case_id, a->case_id);
    /* Placed by a person with afc, it stays there: the birthday is past. */
    c = s_case(&h, a->case_id);
    CHECK(c != NULL);
    CHECK_STR(c->provider, "afc");
    CHECK(c->turns_18 == NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    s_day(birthday, key);
    snprintf(key + strlen(key), sizeof key - strlen(key), "\x1f%s", a->case_id);
    CHECK(!hub_has(&h, DB_TURNS_18, key));
    /* One young carer moved to adult services, once, from young-carers. */
    s_day(today, key);
    strcat(key, "|t|young-carers");
    CHECK_INT(hub_report_count(&h, key), 1);
    CHECK_INT(s_report_kind(&h, 't'), 1);
    carerhub__referral_record__free_unpacked(a, NULL);
    carerhub__referral_record__free_unpacked(b, NULL);
    hub_close(&h);
}

TEST(router_a_young_carers_case_stays_one_when_its_referral_is_cancelled)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CancelRequest q = CARERHUB__CANCEL_REQUEST__INIT;
    Carerhub__CancelReply out = CARERHUB__CANCEL_REPLY__INIT;
    Carerhub__ReferralRecord *a;
    Carerhub__CaseRecord *c;
    char day[DATE_STRLEN], key[128], code[32], msg[300];
    CHECK_INT(hub_open(&h, 50), 0);
    a = s_taken(&h, s_carer("GP-TEST18-1", "Sam", "2011-06-01", "CM2 0AA", NULL));
    CHECK(a != NULL);
    CHECK_STR(a->provider, "young-carers");
    /* Cancelled, the case closes and keeps no carer, no date of birth: it
     * was a young carer's when it opened, and stays counted as one. */
    q.referral_id = (char *)"GP-TEST18-1";
    q.reason = (char *)"error";
    CHECK_INT(router_cancel(&h.r, secure_participant(h.r.sec, "gp"), &q, &out, code, sizeof code,
                            msg, sizeof msg),
              0);
    router_cancel_reply_free(&out);
    c = s_case(&h, a->case_id);
    CHECK(c != NULL);
    CHECK(c->closed && c->carer == NULL);
    date_format(date_of_ms(c->opened_at), day);
    carerhub__case_record__free_unpacked(c, NULL);
    snprintf(key, sizeof key, "%s|c|young-carers|gp|E07000070|closed|y", day);
    CHECK_INT(hub_report_count(&h, key), 1);
    snprintf(key, sizeof key, "%s|c|young-carers|gp|E07000070|closed|-", day);
    CHECK_INT(hub_report_count(&h, key), 0);
    carerhub__referral_record__free_unpacked(a, NULL);
    hub_close(&h);
}

static int s_close_case(MDB_txn *txn, void *arg)
{
    hub_t *h = ((void **)arg)[0];
    Carerhub__CaseRecord *c = router_get_case(&h->r, txn, ((void **)arg)[1]);
    int rc;
    if (!c)
        return MDB_NOTFOUND;
    c->has_closed = c->closed = true;
    rc = router_put(&h->r, txn, DB_CASES, c->case_id, strlen(c->case_id), &c->base);
    carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

TEST(router_a_referral_for_a_closed_case_opens_a_new_episode)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *a, *b, *c;
    Carerhub__CaseRecord *old, *next;
    void *arg[2];
    CHECK_INT(hub_open(&h, 50), 0);
    a = s_taken(&h, s_carer("GP-TEST14-1", "Jane", "1961-04-02", "CM2 0AA", "9434765919"));
    CHECK(a != NULL);
    arg[0] = &h;
    arg[1] = a->case_id;
    CHECK_INT(store_write(h.r.store, s_close_case, arg), 0);
    b = s_taken(&h, s_carer("GP-TEST14-2", "Jane", "1961-04-02", "CM2 0AA", "9434765919"));
    c = s_taken(&h, s_carer("GP-TEST14-3", "Jane", "1961-04-02", "CM2 0AA", NULL));
    CHECK(b && c);
    CHECK(strcmp(b->case_id, a->case_id) != 0);
    CHECK_STR(b->kind, "new");
    CHECK_STR(c->case_id, b->case_id);
    old = s_case(&h, a->case_id);
    next = s_case(&h, b->case_id);
    CHECK(old && next);
    CHECK_STR(old->next_case, b->case_id);
    CHECK_STR(next->previous_case, a->case_id);
    carerhub__case_record__free_unpacked(old, NULL);
    carerhub__case_record__free_unpacked(next, NULL);
    carerhub__referral_record__free_unpacked(a, NULL);
    carerhub__referral_record__free_unpacked(b, NULL);
    carerhub__referral_record__free_unpacked(c, NULL);
    hub_close(&h);
}

TEST(router_a_next_episode_opens_no_earlier_than_the_one_before)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *a, *b;
    Carerhub__CaseRecord *ca, *cb;
    Carerhub__Referral *r;
    void *arg[2];
    char day1[DATE_STRLEN], day0[DATE_STRLEN], key[64];
    int64_t held;
    CHECK_INT(hub_open(&h, 50), 0);
    a = s_taken(&h, s_carer("GP-TEST17-1", "Jane", "1961-04-02", "CM2 0AA", "9434765919"));
    CHECK(a != NULL);
    arg[0] = &h;
    arg[1] = a->case_id;
    CHECK_INT(store_write(h.r.store, s_close_case, arg), 0);
    /* A referral received three days before the first episode opened,
     * held up in its intake until after that episode closed. */
    r = s_carer("GP-TEST17-2", "Jane", "1961-04-02", "CM2 0AA", "9434765919");
    CHECK(r != NULL);
    held = r->received_at - 3 * 86400000LL;
    r->received_at = held;
    b = s_taken(&h, r);
    CHECK(b != NULL);
    ca = s_case(&h, a->case_id);
    cb = s_case(&h, b->case_id);
    CHECK(ca && cb);
    CHECK_STR(cb->previous_case, a->case_id);
    CHECK(cb->opened_at == ca->opened_at);
    /* Its n entry is of the first episode's day, not of the day before:
     * a period holding only that day still counts the carer once. */
    date_format(date_of_ms(ca->opened_at), day1);
    date_format(date_of_ms(held), day0);
    snprintf(key, sizeof key, "%s|n|%s", day1, day1);
    CHECK_INT(hub_report_count(&h, key), 1);
    snprintf(key, sizeof key, "%s|n|%s", day0, day1);
    CHECK_INT(hub_report_count(&h, key), 0);
    carerhub__case_record__free_unpacked(ca, NULL);
    carerhub__case_record__free_unpacked(cb, NULL);
    carerhub__referral_record__free_unpacked(a, NULL);
    carerhub__referral_record__free_unpacked(b, NULL);
    hub_close(&h);
}

TEST(router_a_closed_case_of_another_nhs_number_is_not_an_episode)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *a, *b, *c;
    Carerhub__CaseRecord *cb, *cc;
    void *arg[2];
    CHECK_INT(hub_open(&h, 50), 0);
    a = s_taken(&h, s_carer("GP-TEST15-1", "Ann", "1961-04-02", "CM2 0AA", "9434765919"));
    CHECK(a != NULL);
    arg[0] = &h;
    arg[1] = a->case_id;
    CHECK_INT(store_write(h.r.store, s_close_case, arg), 0);
    /* Another Ann Smith, same birthday and postcode, another NHS number. */
    b = s_taken(&h, s_carer("GP-TEST15-2", "Ann", "1961-04-02", "CM2 0AA", "4010232137"));
    /* The first Ann again: a new episode of her own case, not the other's. */
    c = s_taken(&h, s_carer("GP-TEST15-3", "Ann", "1961-04-02", "CM2 0AA", "9434765919"));
    CHECK(b && c);
    CHECK(strcmp(b->case_id, a->case_id) != 0);
    CHECK(strcmp(c->case_id, b->case_id) != 0);
    CHECK(strcmp(c->case_id, a->case_id) != 0);
    cb = s_case(&h, b->case_id);
    cc = s_case(&h, c->case_id);
    CHECK(cb && cc);
    CHECK(cb->previous_case == NULL);
    CHECK_STR(cc->previous_case, a->case_id);
    carerhub__case_record__free_unpacked(cb, NULL);
    carerhub__case_record__free_unpacked(cc, NULL);
    carerhub__referral_record__free_unpacked(a, NULL);
    carerhub__referral_record__free_unpacked(b, NULL);
    carerhub__referral_record__free_unpacked(c, NULL);
    hub_close(&h);
}
