/*
 * Unit tests of erasure in the router's own code on a real case store: for
 * each table, what of the carer is gone and what stays (referrals, case,
 * index keys, 18th birthdays, contact-by targets, open cases, timeline,
 * parked entries, outbox, audit, the report's counts), the erasure notices
 * queued, the reasons refused, a parked referral in no case, and the
 * store's file, read raw, before and after its rewrite (which waits while
 * another process holds the store).
 */
#include "test.h"

#include "clnt/clnt.h"
#include "domain/referral.h"
#include "router_hub.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/mem.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <zmq.h>

static void s_set(char **field, const char *value)
{
    free(*field);
    *field = value ? xstrdup(value) : NULL;
}

/* Takes the sample card (Jane Smith, 1961-04-02, CM2 0AA, NHS 943 476
 * 5919, 07700 900123, jane@example.org, 1 High Street) with this id; with
 * family, another carer's (Tom, CM2 9AB, 07700 900456, 9 Low Road). */
static bool s_take(hub_t *h, const char *id, const char *family)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    int rc;
    if (!r)
        return false;
    if (family) {
        s_set(&r->carer->family_name, family);
        s_set(&r->carer->given_name, "Tom");
        s_set(&r->carer->nhs_number, NULL);
        s_set(&r->carer->phone, "07700 900456");
        s_set(&r->carer->email, NULL);
        s_set(&r->carer->address, "9 Low Road");
        s_set(&r->carer->postcode, "CM2 9AB");
    }
    rc = hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc == 0;
}

typedef struct {
    Carerhub__EraseReply out;
    char code[32], msg[400];
    int rc;
} s_erase_t;

static int s_erase(hub_t *h, const char *id, const char *reason, s_erase_t *e)
{
    Carerhub__EraseRequest q = CARERHUB__ERASE_REQUEST__INIT;
    q.id = (char *)id;
    q.reason = (char *)reason;
    e->code[0] = e->msg[0] = '\0';
    e->rc = router_erase(&h->r, "operator", &q, &e->out, e->code, sizeof e->code, e->msg,
                         sizeof e->msg);
    return e->rc;
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

/* The carer's details as the store holds them (the card's NHS number,
 * 943 476 5919, without its spaces; the postcode and phone number also
 * without theirs in the index keys). */
static const char *const s_jane[] = {
    "Smith",       "9434765919",       "CM2 0AA",       "CM20AA", "07700 900123",
    "07700900123", "jane@example.org", "1 High Street", NULL};

/* How many keys of table db end with tail. */
static size_t s_ending(hub_t *h, int db, const char *tail)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    size_t n = 0, tl = strlen(tail);
    if (store_read(h->r.store, &txn) != 0)
        return 0;
    mdb_cursor_open(txn, store_dbi(h->r.store, (size_t)db), &cur);
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        n += k.mv_size >= tl && memcmp((char *)k.mv_data + k.mv_size - tl, tail, tl) == 0;
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return n;
}

/* The newest audit record (caller frees), or NULL. */
static Carerhub__AuditRecord *s_last_audit(hub_t *h)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    Carerhub__AuditRecord *a = NULL;
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    mdb_cursor_open(txn, store_dbi(h->r.store, DB_AUDIT), &cur);
    if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0)
        a = carerhub__audit_record__unpack(NULL, v.mv_size, v.mv_data);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return a;
}

static int s_park_txn(MDB_txn *txn, void *arg)
{
    hub_t *h = arg;
    Carerhub__ReferralRecord *rec = router_get_referral(&h->r, txn, "GP-TEST90-1");
    int rc = rec ? router_park(&h->r, txn, rec->referral, "carers-first", "too large") : -1;
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    return rc == 0 ? router_put_meta(&h->r, txn) : rc;
}

/* Jane's case C-000001 through its life: three referrals, passed on by
 * Carers First to Essex Carers Support in words naming her, contacted
 * with a note, the third referral cancelled with a note, the first's
 * delivery parked; Tom Baker's case C-000002 beside it. */
static bool s_life(hub_t *h)
{
    Carerhub__CancelRequest q = CARERHUB__CANCEL_REQUEST__INIT;
    Carerhub__CancelReply out = CARERHUB__CANCEL_REPLY__INIT;
    Carerhub__Outcome *o;
    Carerhub__OutcomeResult res;
    char code[32], msg[300];
    int rc;
    if (!s_take(h, "GP-TEST90-1", NULL) || !s_take(h, "GP-TEST90-9", "Baker"))
        return false;
    o = hub_outcome_new("o-1", "C-000001", "not_ours");
    o->reason = xstrdup("Jane Smith lives in Colchester now");
    o->to = xstrdup("ecs");
    rc = hub_report(h, "carers-first", o, &res);
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    /* The case system's id for it names her. */
    o = hub_outcome_new("Smith-contacted-2", "C-000001", "contacted");
    o->note = xstrdup("Spoke to Jane Smith at 1 High Street");
    o->has_at = true; /* a minute ago: the referrals after it wait for contact */
    o->at = clock_now_ms() - 60000;
    if (rc != CARERHUB__OUTCOME_RESULT__RESULT__RECORDED ||
        hub_report(h, "ecs", o, &res) != CARERHUB__OUTCOME_RESULT__RESULT__RECORDED)
        rc = -1;
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    if (rc < 0 || !s_take(h, "GP-TEST90-2", NULL) || !s_take(h, "GP-TEST90-3", NULL))
        return false;
    q.referral_id = (char *)"GP-TEST90-3";
    q.reason = (char *)"error";
    q.note = (char *)"sent twice for Jane Smith";
    rc = router_cancel(&h->r, secure_participant(h->r.sec, "gp"), &q, &out, code, sizeof code, msg,
                       sizeof msg);
    router_cancel_reply_free(&out);
    return rc == 0 && store_write(h->r.store, s_park_txn, h) == 0;
}

TEST(router_erase_leaves_nothing_of_the_carer_in_any_table)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    char *report, *after, keys[REFERRAL_KEYS_MAX][512], nhs[40];
    Carerhub__Referral *jane = hub_card("GP-X-1", "gp"), *tom = hub_card("GP-X-2", "gp");
    Carerhub__ReferralRecord *rec;
    Carerhub__CaseRecord *c;
    Carerhub__TimelineEvent **tl;
    Carerhub__AuditRecord *a;
    uint32_t version;
    size_t n;
    s_erase_t e;
    CHECK(jane && tom);
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_life(&h));
    for (size_t i = 0; s_jane[i]; i++)
        if (!s_raw_has(&h, s_jane[i])) /* the search finds what is there */
            test_fail(__FILE__, __LINE__, "the store's file does not hold \"%s\"", s_jane[i]);
    CHECK(!test_failed());
    CHECK(hub_has(&h, DB_BY_PROVIDER,
                  "ecs\x1f"
                  "C-000001"));
    CHECK(hub_has(&h, DB_OUTCOME_IDS, "ecs\nSmith-contacted-2") &&
          hub_has(&h, DB_OUTCOME_IDS, "carers-first\no-1"));
    CHECK(hub_has(&h, DB_PARKED, "GP-TEST90-1"));
    CHECK_INT(s_ending(&h, DB_CONTACT_DUE,
                       "\x1f"
                       "C-000001"),
              1);
    c = hub_case(&h, "C-000001");
    CHECK(c && c->carer && !c->closed);
    version = c->version;
    carerhub__case_record__free_unpacked(c, NULL);
    report = hub_report_dump(&h);

    CHECK_INT(s_erase(&h, "GP-TEST90-2", "the carer's request", &e), 0);
    CHECK_STR(e.out.case_id, "C-000001");
    CHECK_INT(e.out.n_referral_ids, 3);
    CHECK_STR(e.out.referral_ids[2], "GP-TEST90-3");
    CHECK_INT(e.out.n_told, 2);
    CHECK_STR(e.out.told[0], "ecs");
    CHECK_STR(e.out.told[1], "carers-first");
    CHECK(!e.out.already && e.out.has_erased_at && e.out.has_store_bytes);
    router_erase_reply_free(&e.out);

    /* The file holds none of her, and Tom Baker still. */
    for (size_t i = 0; s_jane[i]; i++)
        if (s_raw_has(&h, s_jane[i]))
            test_fail(__FILE__, __LINE__, "the store's file still holds \"%s\"", s_jane[i]);
    CHECK(!test_failed() && !s_raw_has(&h, "943 476 5919"));
    CHECK(s_raw_has(&h, "Baker") && s_raw_has(&h, "9 Low Road"));

    /* Referrals: ids, source, times, submitter, practice, flag; no more. */
    CHECK((rec = hub_get(&h, "GP-TEST90-1")) != NULL);
    CHECK(rec->has_erased_at && rec->referral && rec->referral->gp);
    CHECK_STR(rec->referral->id, "GP-TEST90-1");
    CHECK_STR(rec->referral->gp->practice, "F81001");
    CHECK_STR(rec->referral->submitted_by, "gp");
    CHECK_STR(rec->referral->referral_date, "2026-11-30");
    CHECK(rec->referral->has_received_at && rec->referral->gp->record_carer_on_gp_record);
    CHECK(!rec->referral->carer && !rec->referral->referrer && !rec->referral->cared_for &&
          !rec->referral->consent);
    CHECK_STR(rec->case_id, "C-000001");
    carerhub__referral_record__free_unpacked(rec, NULL);
    CHECK((rec = hub_get(&h, "GP-TEST90-3")) != NULL);
    CHECK(rec->cancellation && !rec->cancellation->note);
    CHECK_STR(rec->cancellation->reason, "error");
    carerhub__referral_record__free_unpacked(rec, NULL);
    CHECK((rec = hub_get(&h, "GP-TEST90-9")) != NULL);
    CHECK(!rec->has_erased_at && rec->referral->carer);
    carerhub__referral_record__free_unpacked(rec, NULL);

    /* The case: closed as erased, with what reports need. */
    CHECK((c = hub_case(&h, "C-000001")) != NULL);
    CHECK(!c->carer && !c->nhs_number && c->n_match_keys == 0 && !c->turns_18 &&
          !c->transfer_reason && !c->reason && !c->urgent_until && !c->contact_by);
    CHECK(c->closed && c->has_erased_at && c->has_opened_young);
    CHECK_STR(c->closed_reason, "erased");
    CHECK_STR(c->erasure_reason, "the carer's request");
    CHECK_STR(c->provider, "ecs");
    CHECK_STR(c->lad, "E07000070");
    CHECK_INT(c->version, version + 1);
    CHECK_INT(c->n_referral_ids, 3);
    carerhub__case_record__free_unpacked(c, NULL);

    /* Index keys, targets, listings, parked entries. */
    CHECK(referral_nhs_key(jane->carer->nhs_number, jane->carer->date_of_birth, nhs, sizeof nhs) ==
          0);
    CHECK(!hub_has(&h, DB_BY_NHS, nhs));
    n = referral_person_keys(jane->carer, keys);
    CHECK_INT(n, 2);
    CHECK(!hub_has(&h, DB_BY_PERSON, keys[0]) && !hub_has(&h, DB_BY_PERSON, keys[1]));
    s_set(&tom->carer->family_name, "Baker");
    s_set(&tom->carer->given_name, "Tom");
    s_set(&tom->carer->phone, "07700 900456");
    s_set(&tom->carer->postcode, "CM2 9AB");
    CHECK_INT(referral_person_keys(tom->carer, keys), 2);
    CHECK(hub_has(&h, DB_BY_PERSON, keys[0]) && hub_has(&h, DB_BY_PERSON, keys[1]));
    CHECK_INT(s_ending(&h, DB_CONTACT_DUE,
                       "\x1f"
                       "C-000001"),
              0);
    CHECK_INT(s_ending(&h, DB_CONTACT_DUE,
                       "\x1f"
                       "C-000002"),
              1);
    CHECK(!hub_has(&h, DB_BY_PROVIDER,
                   "ecs\x1f"
                   "C-000001"));
    CHECK(hub_has(&h, DB_BY_PROVIDER,
                  "carers-first\x1f"
                  "C-000002"));
    CHECK(!hub_has(&h, DB_PARKED, "GP-TEST90-1"));
    CHECK(!hub_has(&h, DB_OUTCOME_IDS, "ecs\nSmith-contacted-2"));
    CHECK(!hub_has(&h, DB_OUTCOME_IDS, "carers-first\no-1"));

    /* The timeline: what happened, when and where; no words. */
    n = hub_timeline(&h, "C-000001", false, &tl);
    CHECK_INT(n, 4);
    CHECK_STR(tl[0]->event, "not_ours");
    CHECK(tl[0]->reason == NULL && tl[0]->has_at);
    CHECK_STR(tl[1]->event, "transferred");
    CHECK_STR(tl[1]->reason, "not_ours");
    CHECK(tl[1]->note == NULL);
    CHECK_STR(tl[1]->to, "ecs");
    CHECK_STR(tl[2]->event, "contacted");
    CHECK(tl[2]->note == NULL);
    CHECK_STR(tl[3]->event, "cancelled");
    CHECK_STR(tl[3]->reason, "error");
    CHECK(tl[3]->note == NULL);
    router_timeline_free(tl, n);

    /* The audit trail, without her; the report, unchanged. */
    CHECK((a = s_last_audit(&h)) != NULL);
    CHECK_STR(a->event, "erased");
    CHECK_STR(a->case_id, "C-000001");
    CHECK_STR(a->actor, "operator");
    CHECK_STR(a->detail, "reason: the carer's request; told: ecs carers-first");
    carerhub__audit_record__free_unpacked(a, NULL);
    after = hub_report_dump(&h);
    CHECK_STR(after, report);
    free(after);
    free(report);
    carerhub__referral__free_unpacked(jane, NULL);
    carerhub__referral__free_unpacked(tom, NULL);
    hub_close(&h);
}

TEST(router_erase_queues_ids_alone_for_each_organisation_and_drops_the_rest)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__OutboxEntry **e;
    s_erase_t x;
    size_t n, others = 0;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_life(&h));
    /* No agent has acknowledged anything: every delivery is queued. */
    n = hub_outbox(&h, "ecs", &e);
    CHECK(n >= 3);
    hub_outbox_free(e, n);
    CHECK_INT(s_erase(&h, "C-000001", "referred in error", &x), 0);
    router_erase_reply_free(&x.out);
    for (int p = 0; p < 2; p++) {
        const char *org = p == 0 ? "ecs" : "carers-first";
        n = hub_outbox(&h, org, &e);
        for (size_t i = 0; i < n; i++) {
            const Carerhub__Case *s = e[i]->snapshot;
            if (strcmp(e[i]->case_id, "C-000002") == 0) {
                others++;
                continue;
            }
            /* Of her case only the erasure, last: ids, version, when. */
            CHECK_INT(i, n - 1);
            CHECK_STR(e[i]->kind, "erasure");
            CHECK(s && s->has_erased_at && s->has_version && !s->carer && !s->reason);
            CHECK_STR(s->provider, org);
            CHECK_INT(s->n_referrals, 3);
            for (size_t j = 0; j < 3; j++)
                CHECK(s->referrals[j]->id && !s->referrals[j]->carer &&
                      !s->referrals[j]->has_source && !s->referrals[j]->gp);
            CHECK_STR(s->referrals[0]->id, "GP-TEST90-1");
            CHECK_INT(e[i]->referral_count, 0);
        }
        hub_outbox_free(e, n);
        CHECK(!test_failed());
    }
    CHECK_INT(others, 1); /* Tom Baker's new case, still to go */
    CHECK_INT(hub_stat(&h, "erased"), 1);
    hub_close(&h);
}

static Carerhub__Envelope *s_recv(hub_t *h, void *sock)
{
    for (int i = 0; i < 500; i++) {
        Carerhub__Envelope *env = NULL;
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        secure_handle(h->r.sec);
        router_deliver_drain(&h->r);
        router_deliver_send(&h->r);
        if (zmq_poll(&item, 1, 10) > 0 && wire_recv(sock, false, NULL, &env, 0) == WIRE_OK)
            return env;
    }
    return NULL;
}

TEST(router_erase_delivery_goes_to_the_agent_with_ids_alone)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Envelope *env;
    const Carerhub__Case *c = NULL;
    s_erase_t x;
    char ep[256];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST91-1", NULL));
    CHECK_INT(s_erase(&h, "C-000001", "the carer's request", &x), 0);
    router_erase_reply_free(&x.out);
    snprintf(ep, sizeof ep, "ipc://%s/delivery.ipc", test_tmpdir());
    h.r.delivery_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.delivery_sock, "router delivery socket");
    daemon_bind(h.r.delivery_sock, ep);
    CHECK((h.agent = hub_connect(&hub_agent_kp, ep)) != NULL);
    CHECK_INT(router_clnt_hello(h.agent, "carers-first", 10), 0);
    env = s_recv(&h, h.agent);
    CHECK(env && env->body_case == CARERHUB__ENVELOPE__BODY_HELLO);
    carerhub__envelope__free_unpacked(env, NULL);
    /* Her new case's delivery went with the erasure: only it is left. */
    env = s_recv(&h, h.agent);
    CHECK(env && env->body_case == CARERHUB__ENVELOPE__BODY_DELIVERY);
    CHECK_STR(env->delivery->kind, "erasure");
    CHECK(env->delivery->referral_id == NULL && (c = env->delivery->case_) != NULL);
    CHECK_STR(c->case_id, "C-000001");
    CHECK(c->has_erased_at && !c->carer && !c->has_referrals_total);
    CHECK_INT(c->version, 2);
    CHECK_INT(c->n_referrals, 1);
    CHECK_STR(c->referrals[0]->id, "GP-TEST91-1");
    CHECK(!c->referrals[0]->carer && !c->referrals[0]->referrer);
    carerhub__envelope__free_unpacked(env, NULL);
    hub_close(&h);
}

TEST(router_erase_refuses_a_reason_that_names_the_carer)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    static const struct {
        const char *reason, *what;
    } bad[] = {
        {"Mrs Smith asked", "family name"},
        {"on behalf of SMITH.", "family name"},
        {"Mrs Smith's own request", "family name"},
        {"about 943 476 5919", "NHS number"},
        {"nhs 9434765919", "NHS number"},
        {"moved from cm2 0aa", "postcode"},
        {"moved from CM20AA", "postcode"},
        {"call 07700 900123", "phone number"},
        {"call +44 7700 900123", "phone number"},
        {"wrote from Jane@Example.org", "email address"},
    };
    Carerhub__CaseRecord *c;
    char long_reason[300];
    s_erase_t e;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST92-1", NULL));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char want[64];
        CHECK_INT(s_erase(&h, "C-000001", bad[i].reason, &e), -1);
        CHECK_STR(e.code, "bad_request");
        snprintf(want, sizeof want, "reason: it holds the carer's %s,", bad[i].what);
        CHECK_CONTAINS(e.msg, want);
        CHECK(strstr(e.msg, bad[i].reason) == NULL);
    }
    memset(long_reason, 'a', 201);
    long_reason[201] = '\0';
    CHECK_INT(s_erase(&h, "C-000001", long_reason, &e), -1);
    CHECK_STR(e.msg, "reason: is longer than 200 characters");
    CHECK_INT(s_erase(&h, "C-000001", "the carer's\nrequest", &e), -1);
    CHECK_STR(e.code, "bad_request");
    CHECK_INT(s_erase(&h, "C-000001", "  ", &e), -1);
    CHECK_CONTAINS(e.msg, "reason: say why");
    CHECK_INT(s_erase(&h, "Mrs Smith", "the carer's request", &e), -1);
    CHECK_CONTAINS(e.msg, "id: give a case id");
    CHECK_INT(s_erase(&h, "C-000077", "the carer's request", &e), -1);
    CHECK_STR(e.code, "not_found");
    CHECK_INT(s_erase(&h, "GP-TEST92-2", "the carer's request", &e), -1);
    CHECK_STR(e.code, "not_found");
    CHECK_CONTAINS(e.msg, "try again in a minute");
    CHECK((c = hub_case(&h, "C-000001")) != NULL);
    CHECK(!c->has_erased_at && c->carer);
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(hub_stat(&h, "erased"), 0);

    /* A word that only holds her name is another word. */
    CHECK_INT(s_erase(&h, "C-000001", "asked at the Blacksmiths Arms", &e), 0);
    CHECK(!e.out.already);
    router_erase_reply_free(&e.out);
    CHECK_INT(s_erase(&h, "GP-TEST92-1", "the carer's request", &e), 0);
    CHECK(e.out.already && e.out.has_erased_at);
    CHECK_STR(e.out.case_id, "C-000001");
    router_erase_reply_free(&e.out);
    CHECK_INT(hub_stat(&h, "erased"), 1);
    hub_close(&h);
}

TEST(router_erase_of_a_parked_referral_in_no_case)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Referral *r = hub_card("GP-TEST93-1", "gp");
    const participant_t *gp;
    Carerhub__StatusReply *st;
    Carerhub__ReferralRecord *rec;
    s_erase_t e;
    CHECK(r != NULL);
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(router_park_now(&h.r, r, "gp-intake", "fails its checks: carer.postcode: format"), 0);
    carerhub__referral__free_unpacked(r, NULL);
    CHECK(s_raw_has(&h, "Smith"));
    CHECK_INT(s_erase(&h, "GP-TEST93-1", "Mrs Smith's request", &e), -1);
    CHECK_CONTAINS(e.msg, "family name");
    CHECK_INT(s_erase(&h, "GP-TEST93-1", "the carer's request", &e), 0);
    CHECK(!e.out.case_id && e.out.n_referral_ids == 1 && !e.out.already && e.out.has_store_bytes);
    router_erase_reply_free(&e.out);
    CHECK(!s_raw_has(&h, "Smith") && !s_raw_has(&h, "High Street"));
    CHECK(!hub_has(&h, DB_PARKED, "GP-TEST93-1"));
    CHECK((rec = hub_get(&h, "GP-TEST93-1")) != NULL);
    CHECK(rec->has_erased_at && !rec->case_id && rec->referral && !rec->referral->carer);
    carerhub__referral_record__free_unpacked(rec, NULL);
    /* Its referrer reads erased; not sent on. */
    CHECK((gp = secure_participant(h.r.sec, "gp")) != NULL);
    CHECK((st = hub_status(&h, gp, "GP-TEST93-1")) != NULL);
    CHECK_STR(st->progress, "erased");
    CHECK_INT(st->state, CARERHUB__STATUS_REPLY__STATE__REJECTED);
    carerhub__status_reply__free_unpacked(st, NULL);
    CHECK_INT(s_erase(&h, "GP-TEST93-1", "the carer's request", &e), 0);
    CHECK(e.out.already);
    router_erase_reply_free(&e.out);
    hub_close(&h);
}

TEST(router_erase_rewrites_the_store_once_another_process_lets_it)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__FeedbackQuery q = CARERHUB__FEEDBACK_QUERY__INIT;
    Carerhub__FeedbackReply *fb;
    const participant_t *gp;
    char *lock, msg[200];
    s_erase_t e;
    MDB_txn *txn;
    int fd;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST94-1", NULL));
    /* A backup (another process) holds the store open. */
    lock = file_join(store_path(h.r.store), "store.lock");
    fd = open(lock, O_RDONLY | O_CLOEXEC);
    free(lock);
    CHECK(fd >= 0 && flock(fd, LOCK_SH) == 0);
    CHECK_INT(s_erase(&h, "C-000001", "the carer's request", &e), 0);
    CHECK(!e.out.has_store_bytes && h.r.scrub_due);
    router_erase_reply_free(&e.out);
    /* Erased in every record, yet the freed pages still hold her. */
    CHECK(s_raw_has(&h, "Smith"));
    CHECK((gp = secure_participant(h.r.sec, "gp")) != NULL);
    CHECK_INT(store_read(h.r.store, &txn), 0);
    fb = router_feedback(&h.r, txn, gp, &q, msg, sizeof msg);
    mdb_txn_abort(txn);
    CHECK(fb && fb->n_items == 1);
    CHECK_STR(fb->items[0]->state, "erased");
    carerhub__feedback_reply__free_unpacked(fb, NULL);
    /* A router started now would rewrite it (the mark in meta). */
    h.r.scrub_due = false;
    router_scrub_resume(&h.r);
    CHECK(h.r.scrub_due);
    router_scrub_retry(&h.r);
    CHECK(h.r.scrub_due && s_raw_has(&h, "Smith"));
    /* The backup is done: the next try rewrites it. */
    close(fd);
    h.r.scrub_next = 0;
    router_scrub_retry(&h.r);
    CHECK(!h.r.scrub_due);
    CHECK(!s_raw_has(&h, "Smith") && !s_raw_has(&h, "9434765919"));
    CHECK(!hub_has(&h, DB_META, ROUTER_SCRUB_KEY));
    hub_close(&h);
}

/* How many open cases provider's inbox lists. */
static uint32_t s_open_with(hub_t *h, const char *provider)
{
    Carerhub__CasesQuery q = CARERHUB__CASES_QUERY__INIT;
    Carerhub__CasesReply *rep;
    MDB_txn *txn;
    uint32_t n;
    if (store_read(h->r.store, &txn) != 0)
        return 0;
    rep = router_cases(&h->r, txn, provider, &q, clock_now_ms());
    mdb_txn_abort(txn);
    n = rep->total;
    carerhub__cases_reply__free_unpacked(rep, NULL);
    return n;
}

TEST(router_erase_forgets_a_young_carers_birthday_and_a_key_shared_with_another)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Referral *young = hub_card("GP-TEST95-1", "gp"),
                       *twin = hub_card("GP-TEST95-2", "gp");
    Carerhub__CaseRecord *c;
    char dob[DATE_STRLEN], keys[REFERRAL_KEYS_MAX][512], nhs[40], *report, *after;
    s_erase_t e;
    CHECK(young && twin);
    CHECK_INT(hub_open(&h, 50), 0);
    /* Sixteen: a young carer's case, to move on her 18th birthday. */
    date_format(date_today() - 16 * 365 - 30, dob);
    s_set(&young->carer->date_of_birth, dob);
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", young), 0);
    /* Another with her names, birth and postcode, and another NHS number:
     * a second case, and their postcode key is shared ("*"). */
    s_set(&twin->carer->date_of_birth, dob);
    s_set(&twin->carer->nhs_number, "7162849539");
    s_set(&twin->carer->phone, "07700 900999");
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", twin), 0);
    CHECK((c = hub_case(&h, "C-000002")) != NULL);
    CHECK_STR(c->provider, "young-carers");
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(referral_person_keys(young->carer, keys), 2);
    CHECK(hub_has(&h, DB_BY_PERSON, keys[0]) && hub_has(&h, DB_BY_PERSON, keys[1]));
    CHECK_INT(s_ending(&h, DB_TURNS_18,
                       "\x1f"
                       "C-000001"),
              1);
    CHECK_INT(s_open_with(&h, "young-carers"), 2);
    report = hub_report_dump(&h);

    CHECK_INT(s_erase(&h, "C-000001", "the carer's request", &e), 0);
    router_erase_reply_free(&e.out);
    /* Her keys are gone, the shared one too; the other carer's own stay. */
    CHECK(!hub_has(&h, DB_BY_PERSON, keys[0]) && !hub_has(&h, DB_BY_PERSON, keys[1]));
    CHECK(referral_nhs_key(young->carer->nhs_number, dob, nhs, sizeof nhs) == 0);
    CHECK(!hub_has(&h, DB_BY_NHS, nhs));
    CHECK(referral_nhs_key("7162849539", dob, nhs, sizeof nhs) == 0);
    CHECK(hub_has(&h, DB_BY_NHS, nhs));
    CHECK_INT(referral_person_keys(twin->carer, keys), 2);
    CHECK(!hub_has(&h, DB_BY_PERSON, keys[0]) && hub_has(&h, DB_BY_PERSON, keys[1]));
    CHECK_INT(s_ending(&h, DB_TURNS_18,
                       "\x1f"
                       "C-000001"),
              0);
    CHECK_INT(s_ending(&h, DB_TURNS_18,
                       "\x1f"
                       "C-000002"),
              1);
    CHECK_INT(s_open_with(&h, "young-carers"), 1);
    /* Still a young carer's case for the report, without a date of birth. */
    CHECK((c = hub_case(&h, "C-000001")) != NULL);
    CHECK(c->has_opened_young && c->opened_young && !c->turns_18);
    carerhub__case_record__free_unpacked(c, NULL);
    after = hub_report_dump(&h);
    CHECK_STR(after, report);
    free(after);
    free(report);
    carerhub__referral__free_unpacked(young, NULL);
    carerhub__referral__free_unpacked(twin, NULL);
    hub_close(&h);
}
