/*
 * Unit tests of the subject access export (router_export.c) on a real case
 * store: a carer with two referrals and an outcome exported by either
 * referral or the case, each table's records counted against what the test
 * reads from the store itself, each record byte for byte as stored, and
 * nothing of another carer; the carer's earlier episode and a case joined
 * into theirs; a referral parked over its submitter's bound, and rejected;
 * the errors (not an id, no such case, a referral the router has not
 * taken, an export too large for one answer); each export audited with
 * its case and without personal data; and every key but an operator's
 * refused on the control socket.
 */
#include "test.h"

#include "router_hub.h"
#include "util/be64.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define RECORDED CARERHUB__OUTCOME_RESULT__RESULT__RECORDED

/* Jane Smith's card (the first of config/samples/gp.yaml) from practice
 * "gp", or another carer's: family name, given name, date of birth,
 * postcode and NHS number (NULL: none) changed. */
static int s_take(hub_t *h, const char *id, const char *family, const char *given, const char *dob,
                  const char *pc, const char *nhs)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    int rc;
    if (!r)
        return -1;
    if (family) {
        const char *to[] = {family, given, dob, pc, nhs};
        char **at[] = {&r->carer->family_name, &r->carer->given_name, &r->carer->date_of_birth,
                       &r->carer->postcode, &r->carer->nhs_number};
        for (int i = 0; i < 5; i++) {
            free(*at[i]);
            *at[i] = to[i] ? xstrdup(to[i]) : NULL;
        }
    }
    rc = hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc;
}

/* The export of id by the operator, or NULL with "CODE: MESSAGE" in why. */
static Carerhub__ExportReply *s_export(hub_t *h, const char *id, size_t max, char why[700])
{
    Carerhub__ExportReply *rep = NULL;
    char code[32], msg[600];
    snprintf(why, 700, "exported");
    if (router_export(&h->r, "operator", id, max, &rep, code, sizeof code, msg, sizeof msg) != 0) {
        snprintf(why, 700, "%s: %s", code, msg);
        return NULL;
    }
    return rep;
}

/* How many records of the reply are of table. */
static size_t s_count(const Carerhub__ExportReply *rep, const char *table)
{
    size_t n = 0;
    for (size_t i = 0; i < rep->n_records; i++)
        n += strcmp(rep->records[i]->table, table) == 0;
    return n;
}

/* The keys of the reply's records of table, space-separated (text keys). */
static const char *s_keys(const Carerhub__ExportReply *rep, const char *table)
{
    static char out[400];
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < rep->n_records && n < sizeof out - 80; i++)
        if (strcmp(rep->records[i]->table, table) == 0)
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%.*s", n ? " " : "",
                                  (int)rep->records[i]->key.len,
                                  (const char *)rep->records[i]->key.data);
    return out;
}

/* Whether any record's key or value holds the bytes of s. */
static bool s_holds(const Carerhub__ExportReply *rep, const char *s)
{
    for (size_t i = 0; i < rep->n_records; i++) {
        const ProtobufCBinaryData *b[2] = {&rep->records[i]->key, &rep->records[i]->value};
        for (int j = 0; j < 2; j++)
            if (memmem(b[j]->data, b[j]->len, s, strlen(s)))
                return true;
    }
    return false;
}

/* Whether every record is in the store as exported, byte for byte. */
static bool s_as_stored(hub_t *h, const Carerhub__ExportReply *rep)
{
    MDB_txn *txn;
    bool ok = true;
    if (store_read(h->r.store, &txn) != 0)
        return false;
    for (size_t i = 0; i < rep->n_records && ok; i++) {
        const Carerhub__ExportRecord *x = rep->records[i];
        MDB_val k = {x->key.len, x->key.data}, v;
        size_t db = 0;
        while (router_dbs[db] && strcmp(router_dbs[db], x->table) != 0)
            db++;
        ok = router_dbs[db] && mdb_get(txn, store_dbi(h->r.store, db), &k, &v) == 0 &&
             v.mv_size == x->value.len && memcmp(v.mv_data, x->value.data, v.mv_size) == 0;
        if (!ok)
            printf("    %s record %zu is not as stored\n", x->table, i);
    }
    mdb_txn_abort(txn);
    return ok;
}

/* The audit records naming any of ids (NULL-terminated) in their case or
 * referral id or their detail, and the newest record, as read from the
 * store. */
static size_t s_audit_naming(hub_t *h, const char *const *ids, Carerhub__AuditRecord **newest)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    size_t n = 0;
    *newest = NULL;
    if (store_read(h->r.store, &txn) != 0)
        return 0;
    mdb_cursor_open(txn, store_dbi(h->r.store, DB_AUDIT), &cur);
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__AuditRecord *a = carerhub__audit_record__unpack(NULL, v.mv_size, v.mv_data);
        bool named = false;
        for (const char *const *id = ids; *id && a && !named; id++)
            named = (a->case_id && strcmp(a->case_id, *id) == 0) ||
                    (a->referral_id && strcmp(a->referral_id, *id) == 0) ||
                    (a->detail && strstr(a->detail, *id));
        n += named;
        if (*newest)
            carerhub__audit_record__free_unpacked(*newest, NULL);
        *newest = a;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return n;
}

TEST(router_export_holds_every_record_of_the_carer_and_nothing_of_another)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    const char *jane[] = {"C-000001", "GP-TEST31-1", "GP-TEST31-2", NULL};
    Carerhub__ExportReply *rep, *by_case;
    Carerhub__OutboxEntry **out;
    Carerhub__TimelineEvent **evs;
    Carerhub__AuditRecord *last;
    Carerhub__CaseRecord *other;
    size_t nout, queued = 0, ntl, naudit;
    char why[700];

    CHECK_INT(hub_open(&h, 10), 0);
    CHECK_INT(s_take(&h, "GP-TEST31-1", NULL, NULL, NULL, NULL, NULL), 0);
    CHECK_INT(s_take(&h, "GP-TEST32-1", "Okonkwo", "Amara", "1980-03-09", "CM2 9XY", NULL), 0);
    CHECK_INT(s_take(&h, "GP-TEST31-2", NULL, NULL, NULL, NULL, NULL), 0); /* Jane again */
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o-31", "C-000001", "contacted",
                             clock_now_ms() - 60000, NULL),
              RECORDED);
    CHECK((other = hub_case(&h, "C-000002")) != NULL);
    CHECK_STR(other->carer->family_name, "Okonkwo");
    carerhub__case_record__free_unpacked(other, NULL);
    /* What the store holds of Jane, read here, before the export is. */
    nout = hub_outbox(&h, "carers-first", &out);
    for (size_t i = 0; i < nout; i++)
        queued += strcmp(out[i]->case_id, "C-000001") == 0;
    hub_outbox_free(out, nout);
    ntl = hub_timeline(&h, "C-000001", false, &evs);
    router_timeline_free(evs, ntl);
    naudit = s_audit_naming(&h, jane, &last);
    carerhub__audit_record__free_unpacked(last, NULL);
    CHECK(queued >= 2 && ntl >= 1 && naudit >= 3);

    CHECK((rep = s_export(&h, "GP-TEST31-2", ROUTER_EXPORT_MAX, why)) != NULL);
    CHECK_STR(rep->case_id, "C-000001");
    CHECK_STR(s_keys(rep, "cases"), "C-000001");
    CHECK_STR(s_keys(rep, "referrals"), "GP-TEST31-1 GP-TEST31-2");
    CHECK_INT(s_count(rep, "timeline"), ntl);
    CHECK_INT(s_count(rep, "outbox"), queued);
    CHECK_INT(s_count(rep, "outcome_ids"), 1);
    CHECK_INT(s_count(rep, "audit"), naudit);
    /* The index keys of her details: NHS number and date of birth; names
     * and date of birth with the postcode, and with the phone. */
    CHECK_INT(s_count(rep, "by_nhs_dob"), 1);
    CHECK_INT(s_count(rep, "by_person"), 2);
    CHECK_INT(s_count(rep, "parked") + s_count(rep, "rejected") + s_count(rep, "stats") +
                  s_count(rep, "report") + s_count(rep, "meta"),
              0);
    CHECK(s_as_stored(&h, rep));
    CHECK(s_holds(rep, "Smith") && s_holds(rep, "07700 900123"));
    CHECK(!s_holds(rep, "Okonkwo") && !s_holds(rep, "Amara") && !s_holds(rep, "C-000002") &&
          !s_holds(rep, "GP-TEST32-1"));

    /* Audited: the case, the referral asked for, no personal data. */
    s_audit_naming(&h, jane, &last);
    CHECK(last != NULL);
    CHECK_STR(last->event, "export");
    CHECK_STR(last->actor, "operator");
    CHECK_STR(last->case_id, "C-000001");
    CHECK_STR(last->referral_id, "GP-TEST31-2");
    CHECK_CONTAINS(last->detail, "C-000001");
    CHECK(!strstr(last->detail, "Smith") && !strstr(last->detail, "Jane"));
    carerhub__audit_record__free_unpacked(last, NULL);

    /* By the case id: the same records, and the first export's audit
     * record with them. */
    CHECK((by_case = s_export(&h, "C-000001", ROUTER_EXPORT_MAX, why)) != NULL);
    CHECK_INT(by_case->n_records, rep->n_records + 1);
    CHECK_INT(s_count(by_case, "audit"), naudit + 1);
    carerhub__export_reply__free_unpacked(by_case, NULL);
    carerhub__export_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}

TEST(router_export_follows_the_carers_episodes_and_a_case_joined_into_theirs)
{
    static hub_t h;
    Carerhub__ExportReply *rep;
    Carerhub__CaseRecord *c;
    char why[700];

    CHECK_INT(hub_open(&h, 10), 0);
    CHECK_INT(s_take(&h, "GP-TEST33-1", NULL, NULL, NULL, NULL, NULL), 0);
    CHECK_INT(hub_outcome_at(&h, "carers-first", "o-1", "C-000001", "closed",
                             clock_now_ms() - 60000, "support_complete"),
              RECORDED);
    CHECK_INT(s_take(&h, "GP-TEST33-2", NULL, NULL, NULL, NULL, NULL), 0);
    CHECK((c = hub_case(&h, "C-000002")) != NULL);
    CHECK_STR(c->previous_case, "C-000001");
    carerhub__case_record__free_unpacked(c, NULL);
    /* Her NHS number with another date of birth: a case of its own,
     * flagged; the operator finds it is her and joins it. */
    CHECK_INT(s_take(&h, "GP-TEST33-3", "Smith", "Jane", "1961-04-12", "CM2 0AA", "9434765919"), 0);
    CHECK_STR(hub_conflict(&h, "C-000003", "C-000002", "join"), "C-000002 C-000003 carers-first");
    CHECK((c = hub_case(&h, "C-000002")) != NULL);
    CHECK(c->previous_case && strcmp(c->previous_case, "C-000003") != 0);
    carerhub__case_record__free_unpacked(c, NULL);

    /* From the first episode's referral: all three cases. */
    CHECK((rep = s_export(&h, "GP-TEST33-1", ROUTER_EXPORT_MAX, why)) != NULL);
    CHECK_STR(rep->case_id, "C-000001");
    CHECK_STR(s_keys(rep, "cases"), "C-000001 C-000002 C-000003");
    CHECK_STR(s_keys(rep, "referrals"), "GP-TEST33-1 GP-TEST33-2 GP-TEST33-3");
    CHECK(s_as_stored(&h, rep));
    carerhub__export_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}

TEST(router_export_holds_a_referral_parked_over_its_bound_and_its_rejection)
{
    static hub_t h;
    Carerhub__ParkedAction q = CARERHUB__PARKED_ACTION__INIT;
    Carerhub__ParkedActionReply a;
    Carerhub__ExportReply *rep;
    char code[32], msg[400], why[700];

    CHECK_INT(hub_open(&h, 1), 0);
    CHECK_INT(s_take(&h, "GP-TEST34-1", NULL, NULL, NULL, NULL, NULL), 0);
    CHECK_INT(s_take(&h, "GP-TEST34-2", NULL, NULL, NULL, NULL, NULL), 0); /* parked */
    CHECK(hub_has(&h, DB_PARKED, "GP-TEST34-2"));
    CHECK((rep = s_export(&h, "C-000001", ROUTER_EXPORT_MAX, why)) != NULL);
    CHECK_STR(s_keys(rep, "referrals"), "GP-TEST34-1");
    CHECK_STR(s_keys(rep, "parked"), "GP-TEST34-2");
    carerhub__export_reply__free_unpacked(rep, NULL);

    /* Rejected: the entry keeps no carer; its parking's audit record
     * still names her case, and makes it hers. */
    q.referral_id = (char *)"GP-TEST34-2";
    q.action = (char *)"reject";
    q.reason = (char *)"sent twice";
    CHECK_INT(router_parked_action(&h.r, "operator", &q, &a, code, sizeof code, msg, sizeof msg),
              0);
    router_parked_reply_free(&a);
    CHECK((rep = s_export(&h, "C-000001", ROUTER_EXPORT_MAX, why)) != NULL);
    CHECK_STR(s_keys(rep, "parked"), "");
    CHECK_STR(s_keys(rep, "rejected"), "GP-TEST34-2");
    CHECK(s_as_stored(&h, rep));
    carerhub__export_reply__free_unpacked(rep, NULL);
    /* And asked for by its own id. */
    CHECK((rep = s_export(&h, "GP-TEST34-2", ROUTER_EXPORT_MAX, why)) != NULL);
    CHECK(rep->case_id == NULL);
    CHECK_STR(s_keys(rep, "rejected"), "GP-TEST34-2");
    CHECK_STR(s_keys(rep, "cases"), "");
    carerhub__export_reply__free_unpacked(rep, NULL);
    hub_close(&h);
}

TEST(router_export_refuses_what_is_not_there_and_what_is_too_large_audited)
{
    static hub_t h;
    const char *jane[] = {"C-000001", NULL};
    Carerhub__AuditRecord *last;
    char why[700];

    CHECK_INT(hub_open(&h, 10), 0);
    CHECK_INT(s_take(&h, "GP-TEST35-1", NULL, NULL, NULL, NULL, NULL), 0);
    CHECK(s_export(&h, "C-12/3", ROUTER_EXPORT_MAX, why) == NULL);
    CHECK_STR(why, "bad_request: id: give a case id (C- and six or more digits, as in C-000123) "
                   "or a referral id (as in GP-7KQ2XM-14)");
    CHECK(s_export(&h, "C-000099", ROUTER_EXPORT_MAX, why) == NULL);
    CHECK_STR(why, "not_found: no case C-000099 is known to the hub");
    CHECK(s_export(&h, "GP-7KQ2XM-99", ROUTER_EXPORT_MAX, why) == NULL);
    CHECK_STR(why, "not_found: the router holds nothing of referral GP-7KQ2XM-99: it may still be "
                   "waiting at the gp-intake for the router to take it (carerhub status "
                   "GP-7KQ2XM-99 says where it is), or there is no such referral");
    s_audit_naming(&h, jane, &last);
    CHECK_STR(last->event, "export");
    CHECK_STR(last->detail, "not answered: not_found GP-7KQ2XM-99");
    carerhub__audit_record__free_unpacked(last, NULL);

    /* Her records are more than 300 bytes. */
    CHECK(s_export(&h, "C-000001", 300, why) == NULL);
    CHECK_CONTAINS(why, "too_large: the hub holds ");
    CHECK_CONTAINS(why, "records");
    CHECK_CONTAINS(why, "about the carer of C-000001, more than one answer of the router carries "
                        "(0 KiB): nothing was exported");
    s_audit_naming(&h, jane, &last);
    CHECK_STR(last->event, "export");
    CHECK_STR(last->case_id, "C-000001");
    CHECK_CONTAINS(last->detail, "too many for one answer");
    carerhub__audit_record__free_unpacked(last, NULL);
    /* Not an id: audited by the security layer's records. */
    router_store_events(&h.r);
    s_audit_naming(&h, jane, &last);
    CHECK_STR(last->event, "export");
    CHECK_STR(last->detail, "not answered: not a case or referral id");
    carerhub__audit_record__free_unpacked(last, NULL);
    hub_close(&h);
}

/* Sends env on sock and serves the control socket until the answer: its
 * error's code, or the body's number. */
static const char *s_ask(hub_t *h, void *sock, Carerhub__Envelope *env)
{
    static char out[64];
    Carerhub__Envelope *back = NULL;
    env->has_corr = true;
    env->corr = 9;
    snprintf(out, sizeof out, "(no answer)");
    if (wire_send(sock, NULL, env, 0) == 0)
        for (int i = 0; i < 500 && !back; i++) {
            zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
            secure_handle(h->r.sec);
            router_control_drain(&h->r);
            if (zmq_poll(&item, 1, 10) > 0 && wire_recv(sock, false, NULL, &back, 0) != WIRE_OK)
                back = NULL;
        }
    if (back && back->body_case == CARERHUB__ENVELOPE__BODY_ERROR)
        snprintf(out, sizeof out, "%s", back->error->code);
    else if (back && back->body_case == CARERHUB__ENVELOPE__BODY_EXPORT_REPLY)
        snprintf(out, sizeof out, "export of %s", back->export_reply->case_id);
    else if (back)
        snprintf(out, sizeof out, "body %d", (int)back->body_case);
    if (back)
        carerhub__envelope__free_unpacked(back, NULL);
    return out;
}

TEST(router_export_answers_an_operators_key_only_on_the_control_socket)
{
    static hub_t h;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__ExportQuery q = CARERHUB__EXPORT_QUERY__INIT;
    const keypair_t *others[] = {&hub_gp_kp, &hub_agent_kp, &hub_commissioner_kp};
    char ep[256];
    void *s;

    CHECK_INT(hub_open(&h, 10), 0);
    CHECK_INT(s_take(&h, "GP-TEST36-1", NULL, NULL, NULL, NULL, NULL), 0);
    q.id = (char *)"GP-TEST36-1";
    env.body_case = CARERHUB__ENVELOPE__BODY_EXPORT_QUERY;
    env.export_query = &q;
    snprintf(ep, sizeof ep, "ipc://%s/control.ipc", test_tmpdir());
    h.r.control_sock = daemon_socket(ZMQ_ROUTER);
    secure_server(h.r.sec, h.r.control_sock, "router control socket");
    daemon_bind(h.r.control_sock, ep);
    for (size_t k = 0; k < sizeof others / sizeof *others; k++) {
        CHECK((s = hub_connect(others[k], ep)) != NULL);
        CHECK_STR(s_ask(&h, s, &env), "forbidden");
        zmq_close(s);
    }
    CHECK((s = hub_connect(&hub_operator_kp, ep)) != NULL);
    CHECK_STR(s_ask(&h, s, &env), "export of C-000001");
    q.id = (char *)"GP-TEST36-9";
    CHECK_STR(s_ask(&h, s, &env), "not_found");
    zmq_close(s);
    hub_close(&h);
}
