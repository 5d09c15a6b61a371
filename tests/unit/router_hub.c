/*
 * The unit tests' router: see router_hub.h.
 */
#include "router_hub.h"

#include "fixture.h"

#include "domain/referral.h"
#include "util/be64.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/mem.h"
#include "test.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

char hub_pub[4][CURVE_Z85];
keypair_t hub_agent_kp; /* the carers-first agent's key pair */
keypair_t hub_gp_kp;    /* listed as the practice "gp" */
keypair_t hub_operator_kp, hub_commissioner_kp;
static hub_t *hub_live; /* left open by a test that failed */

/* A router on a fresh store, with router.submitter_case_max set to max. */
int hub_open(hub_t *h, int max)
{
    const char *names[] = {"router",   "gp-intake",   "school-intake", "provider-carers-first",
                           "operator", "commissioner"};
    keypair_t kp[6];
    char *parts, extra[64];
    char *path;
    int rc;
    if (hub_live)
        hub_close(hub_live);
    memset(h, 0, sizeof *h);
    hub_live = h;
    if (fixture_keys(names, 6, kp) < 0)
        return -1;
    for (int i = 0; i < 4; i++)
        memcpy(hub_pub[i], kp[i].pub, CURVE_Z85);
    hub_agent_kp = kp[3];
    hub_gp_kp = kp[0];
    hub_operator_kp = kp[4];
    hub_commissioner_kp = kp[5];
    parts = xasprintf("participants:\n"
                      "  - {id: gp-intake, role: intake, scope: gp, key: \"%s\"}\n"
                      "  - {id: school-intake, role: intake, scope: school, key: \"%s\"}\n"
                      "  - {id: gp, role: gp, scope: [F81001, F81002], key: \"%s\"}\n"
                      "  - {id: provider-carers-first, role: provider, scope: carers-first, "
                      "key: \"%s\"}\n"
                      "  - {id: operator, role: operator, key: \"%s\"}\n"
                      "  - {id: commissioner, role: commissioner, key: \"%s\"}\n",
                      hub_pub[1], hub_pub[2], hub_pub[0], hub_pub[3], kp[4].pub, kp[5].pub);
    snprintf(extra, sizeof extra, "router: {submitter_case_max: %d}\n", max);
    rc = fixture_conf(parts, extra, &h->r.conf, &h->r.rt);
    free(parts);
    if (rc < 0)
        return -1;
    h->r.sec = secure_start(h->r.conf, "router");
    path = file_join(test_tmpdir(), "store");
    file_private_dir(path);
    router_store_open(&h->r, path);
    free(path);
    carerhub__envelope__init(&h->env);
    carerhub__forward__init(&h->fwd);
    h->env.body_case = CARERHUB__ENVELOPE__BODY_FORWARD;
    h->env.forward = &h->fwd;
    h->f.env = &h->env;
    return 0;
}

void hub_close(hub_t *h)
{
    hub_live = NULL;
    if (h->agent)
        zmq_close(h->agent);
    if (h->client)
        zmq_close(h->client);
    if (h->r.delivery_sock || h->r.control_sock)
        secure_unwatch(h->r.sec);
    if (h->r.control_sock)
        zmq_close(h->r.control_sock);
    if (h->r.delivery_sock) {
        zmq_close(h->r.delivery_sock);
        router_agents_free(&h->r);
    }
    store_close(&h->r.store);
    secure_stop(&h->r.sec);
    daemon_zmq_term();
    route_destroy(&h->r.rt);
    hubconf_destroy(&h->r.conf);
}

/* The first card of config/samples/gp.yaml, stamped as the GP intake does. */
Carerhub__Referral *hub_card(const char *id, const char *submitted_by)
{
    Carerhub__Referral *r = fixture_sample("config/samples/gp.yaml", CARERHUB__SOURCE__GP, 0);
    if (!r)
        return NULL;
    r->id = xstrdup(id);
    r->has_source = true;
    r->source = CARERHUB__SOURCE__GP;
    r->has_received_at = true;
    r->received_at = 1796000000000LL;
    r->referral_date = xstrdup("2026-11-30");
    r->submitted_by = xstrdup(submitted_by);
    return r;
}

/* Takes one referral as forwarded by the intake of src. */
int hub_take(hub_t *h, Carerhub__Source src, const char *actor, Carerhub__Referral *ref)
{
    h->fwd.n_referrals = 1;
    h->fwd.referrals = &ref;
    h->f.source = src;
    h->f.program = referral_intake_program(src);
    snprintf(h->f.actor, sizeof h->f.actor, "%s", actor);
    return router_take(&h->r, &h->f, 1);
}

Carerhub__ReferralRecord *hub_get(hub_t *h, const char *id)
{
    MDB_txn *txn;
    Carerhub__ReferralRecord *rec;
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    rec = router_get_referral(&h->r, txn, id);
    mdb_txn_abort(txn);
    return rec;
}

uint64_t hub_stat(hub_t *h, const char *name)
{
    MDB_txn *txn;
    MDB_val k = store_val(name), v;
    uint64_t n = 0;
    if (store_read(h->r.store, &txn) != 0)
        return 0;
    if (mdb_get(txn, store_dbi(h->r.store, DB_STATS), &k, &v) == 0 && v.mv_size == 8)
        n = be64_get(v.mv_data);
    mdb_txn_abort(txn);
    return n;
}

/* --- outcomes, cancellations, contact-by targets --------------------- */

Carerhub__Referral *hub_discharge(const char *id, const char *on, const char *home)
{
    Carerhub__Referral *r =
        fixture_sample("config/samples/discharge.yaml", CARERHUB__SOURCE__DISCHARGE, 0);
    int64_t day;
    if (!r || !r->discharge || !r->discharge->patient || date_time_parse(on, &day) < 0) {
        if (r)
            carerhub__referral__free_unpacked(r, NULL);
        return NULL;
    }
    r->id = xstrdup(id);
    r->has_source = true;
    r->source = CARERHUB__SOURCE__DISCHARGE;
    r->has_received_at = true;
    r->received_at = day + 9 * 3600 * 1000;
    r->referral_date = xstrdup(on);
    free(r->discharge->patient->expected_discharge);
    r->discharge->patient->expected_discharge = xstrdup(home);
    return r;
}

Carerhub__StatusReply *hub_status(hub_t *h, const participant_t *who, const char *id)
{
    Carerhub__StatusReply *s;
    MDB_txn *txn;
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    s = router_status(&h->r, txn, who, id);
    mdb_txn_abort(txn);
    return s;
}

Carerhub__CaseRecord *hub_case(hub_t *h, const char *id)
{
    MDB_txn *txn;
    Carerhub__CaseRecord *c;
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    c = router_get_case(&h->r, txn, id);
    mdb_txn_abort(txn);
    return c;
}

size_t hub_outbox(hub_t *h, const char *provider, Carerhub__OutboxEntry ***out)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    size_t plen = strlen(provider) + 1, n = 0, cap = 0;
    uint8_t key[64];
    *out = NULL;
    if (store_read(h->r.store, &txn) != 0)
        return 0;
    mdb_cursor_open(txn, store_dbi(h->r.store, DB_OUTBOX), &cur);
    k.mv_size = router_outbox_key(provider, 0, key, sizeof key);
    k.mv_data = key;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size == plen + 8 && memcmp(k.mv_data, provider, plen) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__OutboxEntry *e = carerhub__outbox_entry__unpack(NULL, v.mv_size, v.mv_data);
        if (!e)
            continue;
        *out = xgrow(*out, &cap, n + 1, sizeof **out);
        (*out)[n++] = e;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return n;
}

void hub_outbox_free(Carerhub__OutboxEntry **e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        carerhub__outbox_entry__free_unpacked(e[i], NULL);
    free(e);
}

size_t hub_timeline(hub_t *h, const char *case_id, bool for_referrer,
                    Carerhub__TimelineEvent ***out)
{
    MDB_txn *txn;
    size_t n;
    *out = NULL;
    if (store_read(h->r.store, &txn) != 0)
        return 0;
    n = router_timeline(&h->r, txn, case_id, for_referrer, 1000, out);
    mdb_txn_abort(txn);
    return n;
}

bool hub_has(hub_t *h, int db, const char *key)
{
    MDB_txn *txn;
    MDB_val k = store_val(key), v;
    bool found;
    if (store_read(h->r.store, &txn) != 0)
        return false;
    found = mdb_get(txn, store_dbi(h->r.store, (size_t)db), &k, &v) == 0;
    mdb_txn_abort(txn);
    return found;
}

Carerhub__Outcome *hub_outcome_new(const char *outcome_id, const char *case_id, const char *status)
{
    Carerhub__Outcome *o = xmalloc(sizeof *o);
    carerhub__outcome__init(o);
    o->outcome_id = outcome_id ? xstrdup(outcome_id) : NULL;
    o->case_id = case_id ? xstrdup(case_id) : NULL;
    o->status = status ? xstrdup(status) : NULL;
    return o;
}

int hub_report(hub_t *h, const char *provider, Carerhub__Outcome *o, Carerhub__OutcomeResult *res)
{
    char actor[80];
    snprintf(actor, sizeof actor, "provider-%s", provider);
    router_outcomes(&h->r, provider, actor, &o, 1, res);
    return res->result;
}

/* --- cases over days ---------------------------------------------------- */

const char *hub_day(int ago)
{
    static char days[32][DATE_STRLEN];
    static int next;
    char *out = days[next++ % 32];
    date_format(date_today() - ago, out);
    return out;
}

int64_t hub_at(int ago, int hour)
{
    int64_t ms = 0;
    date_time_parse(hub_day(ago), &ms); /* a date alone: local midnight */
    return ms + hour * 3600000LL;
}

int hub_take_case(hub_t *h, Carerhub__Referral *r, char out[32])
{
    Carerhub__ReferralRecord *rec;
    char id[64];
    int rc;
    if (!r)
        return -1;
    snprintf(id, sizeof id, "%s", r->id);
    rc = hub_take(h, r->source,
                  r->source == CARERHUB__SOURCE__GP ? "gp-intake" : "discharge-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    if (rc != 0 || !(rec = hub_get(h, id)))
        return -1;
    snprintf(out, 32, "%s", rec->case_id);
    carerhub__referral_record__free_unpacked(rec, NULL);
    return 0;
}

int hub_outcome_at(hub_t *h, const char *provider, const char *oid, const char *case_id,
                   const char *status, int64_t at, const char *extra)
{
    Carerhub__Outcome *o = hub_outcome_new(oid, case_id, status);
    Carerhub__OutcomeResult res;
    int rc;
    o->has_at = true;
    o->at = at;
    if (strcmp(status, "supported") == 0) {
        o->support = xcalloc(1, sizeof *o->support);
        o->support[o->n_support++] = xstrdup(extra);
    } else if (strcmp(status, "closed") == 0) {
        o->reason = xstrdup(extra);
    } else if (extra) {
        o->to = xstrdup(extra);
    }
    rc = hub_report(h, provider, o, &res);
    if (rc != CARERHUB__OUTCOME_RESULT__RESULT__RECORDED)
        printf("    %s %s: %s\n", oid, status, res.message ? res.message : "");
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    return rc;
}

void *hub_connect(const keypair_t *kp, const char *ep)
{
    void *s = daemon_socket(ZMQ_DEALER);
    if (curve_client(s, kp, hub_pub[0]) != 0 || zmq_connect(s, ep) != 0) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

/* --- the report table -------------------------------------------------- */

uint64_t hub_report_count(hub_t *h, const char *key)
{
    char *k = xstrdup(key);
    MDB_txn *txn;
    MDB_val kv, v;
    uint64_t n = 0;
    for (char *p = k; *p; p++)
        if (*p == '|')
            *p = '\x1f';
    kv = store_val(k);
    if (store_read(h->r.store, &txn) == 0) {
        if (mdb_get(txn, store_dbi(h->r.store, DB_REPORT), &kv, &v) == 0 && v.mv_size == 8)
            n = be64_get(v.mv_data);
        mdb_txn_abort(txn);
    }
    free(k);
    return n;
}

char *hub_report_dump(hub_t *h)
{
    buf_t out = BUF_INIT;
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    if (store_read(h->r.store, &txn) != 0)
        return xstrdup("(no store)");
    mdb_cursor_open(txn, store_dbi(h->r.store, DB_REPORT), &cur);
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        for (size_t i = 0; i < k.mv_size; i++) {
            char c = ((const char *)k.mv_data)[i];
            buf_addc(&out, c == '\x1f' ? '|' : c);
        }
        buf_printf(&out, "=%llu\n",
                   v.mv_size == 8 ? (unsigned long long)be64_get(v.mv_data) : 0ULL);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return out.len ? buf_take(&out) : xstrdup("");
}

/* --- the report reply, as text ------------------------------------------ */

const char *hub_path_text(const Carerhub__ReportPath *p)
{
    static char out[200];
    if (!p)
        return "(none)";
    snprintf(out, sizeof out, "%llu %llu %llu %llu %llu %llu %llu / %llu %llu %llu %llu",
             (unsigned long long)p->referred, (unsigned long long)p->waiting,
             (unsigned long long)p->contacted, (unsigned long long)p->supported,
             (unsigned long long)p->declined, (unsigned long long)p->unable_to_contact,
             (unsigned long long)p->closed, (unsigned long long)p->within_target,
             (unsigned long long)p->urgent, (unsigned long long)p->urgent_within_target,
             (unsigned long long)p->young);
    return out;
}

const char *hub_times_text(const Carerhub__ReportTimeliness *t)
{
    static char out[64];
    if (!t)
        return "(none)";
    snprintf(out, sizeof out, "%llu %u %u", (unsigned long long)t->contacts, t->median_hours,
             t->p90_hours);
    return out;
}

const char *hub_keys_text(Carerhub__ReportRow **rows, size_t n)
{
    static char out[1000];
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", i ? " " : "", rows[i]->key);
    return out;
}

const char *hub_conflict(hub_t *h, const char *a, const char *b, const char *action)
{
    static char out[600];
    Carerhub__ConflictAction q = CARERHUB__CONFLICT_ACTION__INIT;
    Carerhub__ConflictReply rep;
    char code[32], msg[400];
    q.case_id = (char *)a;
    q.other_case_id = (char *)b;
    q.action = (char *)action;
    if (router_conflict_action(&h->r, "operator", &q, &rep, code, sizeof code, msg, sizeof msg) !=
        0) {
        snprintf(out, sizeof out, "%s: %s", code, msg);
        return out;
    }
    snprintf(out, sizeof out, "%s %s %s", rep.case_id, rep.closed_case ? rep.closed_case : "-",
             rep.provider);
    router_conflict_reply_free(&rep);
    return out;
}

const char *hub_conflict_alerts(hub_t *h)
{
    static char out[400];
    Carerhub__AlertsReply *a;
    MDB_txn *txn;
    size_t n = 0;
    out[0] = '\0';
    if (store_read(h->r.store, &txn) != 0)
        return out;
    a = router_alerts(&h->r, txn, date_today());
    mdb_txn_abort(txn);
    for (size_t i = 0; i < a->n_alerts; i++) {
        if (strcmp(a->alerts[i]->kind, "identity_conflict") != 0)
            continue;
        n +=
            (size_t)snprintf(out + n, sizeof out - n, "%s%s:", n ? " " : "", a->alerts[i]->case_id);
        for (size_t j = 0; j < a->alerts[i]->n_other_cases; j++)
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", j ? "," : "",
                                  a->alerts[i]->other_cases[j]);
    }
    carerhub__alerts_reply__free_unpacked(a, NULL);
    return out;
}
