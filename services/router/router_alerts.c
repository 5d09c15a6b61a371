/*
 * What needs a person now (carerhub alerts): cases past their contact-by
 * target with no contact (priority cases first, saying so), referrals parked for an operator, open
 * cases flagged as a possible identity conflict, and organisations whose agent has not been
 * connected for router.agent_alert_minutes. Each alert names cases, referrals and providers by id
 * only. See router.h.
 *
 * Identity conflicts are read from the conflicts table (case id -> the
 * cases it is flagged with), which lists the open cases flagged: written
 * where a case gets the flag (router_case_flag), deleted where it closes
 * (router_case_close) or loses it (router_conflict.c), and built once for
 * a store written before it, so that the alerts never read every case.
 * Each names the other open cases it is flagged with.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/be64.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next alert of rep, or NULL when ROUTER_ALERTS_MAX are listed; each
 * is counted in total either way. */
static Carerhub__Alert *s_add(Carerhub__AlertsReply *rep, const char *kind)
{
    Carerhub__Alert *a;
    rep->total++;
    if (rep->n_alerts == ROUTER_ALERTS_MAX)
        return NULL;
    a = xmalloc(sizeof *a);
    carerhub__alert__init(a);
    a->kind = xstrdup(kind);
    rep->alerts[rep->n_alerts++] = a;
    return a;
}

static void s_since(Carerhub__Alert *a, int64_t at)
{
    a->has_since = true;
    a->since = at;
}

/* Calls fn for each contact-by entry before today (day YYYY-MM-DD, case
 * id); returns how many there were. */
static uint64_t s_overdue(router_t *r, MDB_txn *txn, date_t today,
                          void (*fn)(router_t *, MDB_txn *, const char *, const char *, void *),
                          void *arg)
{
    char day[DATE_STRLEN], id[CASE_ID_MAX + 1];
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t n = 0;
    int rc;

    date_format(today, day);
    if (mdb_cursor_open(txn, store_dbi(r->store, DB_CONTACT_DUE), &cur) != 0)
        return 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const char *key = k.mv_data;
        char due[DATE_STRLEN];
        size_t idlen = k.mv_size > DATE_STRLEN ? k.mv_size - DATE_STRLEN : 0;
        if (k.mv_size >= 10 && memcmp(key, day, 10) >= 0)
            break; /* sorted by day: the rest are due today or later */
        if (k.mv_size <= DATE_STRLEN || key[10] != 0x1f || idlen > CASE_ID_MAX)
            continue; /* not an entry router_contact_due writes */
        n++;
        if (!fn)
            continue;
        memcpy(due, key, 10);
        due[10] = '\0';
        memcpy(id, key + DATE_STRLEN, idlen);
        id[idlen] = '\0';
        fn(r, txn, due, id, arg);
    }
    mdb_cursor_close(cur);
    return n;
}

uint64_t router_overdue_contacts(router_t *r, MDB_txn *txn, date_t today)
{
    return s_overdue(r, txn, today, NULL, NULL);
}

/* The overdue alerts of one pass: the priority cases', or the others'. */
typedef struct {
    Carerhub__AlertsReply *rep;
    bool priority;
} s_pass_t;

static void s_overdue_alert(router_t *r, MDB_txn *txn, const char *due, const char *id, void *arg)
{
    s_pass_t *pass = arg;
    Carerhub__CaseRecord *c = router_get_case(r, txn, id);
    Carerhub__Alert *a;
    int64_t since;
    bool priority;
    if (!c || c->closed) { /* an entry the case no longer has */
        if (c)
            carerhub__case_record__free_unpacked(c, NULL);
        return;
    }
    priority = c->flags && c->flags->priority;
    if (priority == pass->priority && (a = s_add(pass->rep, "overdue_contact")) != NULL) {
        a->case_id = xstrdup(id);
        a->provider = c->provider ? xstrdup(c->provider) : NULL;
        /* The reason is words of the rule, never the carer's details. */
        a->detail =
            priority
                ? xasprintf("priority (%s): no contact recorded; due by %s",
                            c->flags->priority_reason ? c->flags->priority_reason : "priority", due)
                : xasprintf("no contact recorded; due by %s", due);
        if (date_time_parse(due, &since) == 0)
            s_since(a, since);
    }
    carerhub__case_record__free_unpacked(c, NULL);
}

static void s_parked(router_t *r, MDB_txn *txn, Carerhub__AlertsReply *rep)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc;
    if (mdb_cursor_open(txn, store_dbi(r->store, DB_PARKED), &cur) != 0)
        return;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__ParkedEntry *p;
        Carerhub__Alert *a = s_add(rep, "parked");
        if (!a)
            continue;
        a->referral_id =
            xstrndup(k.mv_data, k.mv_size < REFERRAL_ID_MAX ? k.mv_size : REFERRAL_ID_MAX);
        if ((p = carerhub__parked_entry__unpack(NULL, v.mv_size, v.mv_data)) != NULL) {
            a->detail = p->reason ? xstrdup(p->reason) : NULL;
            if (p->has_at)
                s_since(a, p->at);
            carerhub__parked_entry__free_unpacked(p, NULL);
        }
    }
    mdb_cursor_close(cur);
}

/* The other open cases c is flagged with, for an operator to join or keep
 * apart (router_conflict.c). */
static void s_other_cases(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                          Carerhub__Alert *a)
{
    char ids[ROUTER_CONFLICTS_MAX][CASE_ID_MAX + 1];
    size_t n = router_conflict_with(r, txn, c, ids);
    a->other_cases = xcalloc(n ? n : 1, sizeof *a->other_cases);
    for (size_t i = 0; i < n; i++) {
        Carerhub__CaseRecord *o = router_get_case(r, txn, ids[i]);
        if (o && !o->closed)
            a->other_cases[a->n_other_cases++] = xstrdup(ids[i]);
        if (o)
            carerhub__case_record__free_unpacked(o, NULL);
    }
}

static void s_conflicts(router_t *r, MDB_txn *txn, Carerhub__AlertsReply *rep)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc;
    if (mdb_cursor_open(txn, store_dbi(r->store, DB_CONFLICTS), &cur) != 0)
        return;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        char id[CASE_ID_MAX + 1];
        Carerhub__CaseRecord *c;
        Carerhub__Alert *a;
        if (k.mv_size == 0 || k.mv_size > CASE_ID_MAX)
            continue; /* not an entry router_conflict_note writes */
        memcpy(id, k.mv_data, k.mv_size);
        id[k.mv_size] = '\0';
        c = router_get_case(r, txn, id);
        if (c && c->identity_conflict && !c->closed && (a = s_add(rep, "identity_conflict"))) {
            a->case_id = xstrdup(id);
            a->provider = c->provider ? xstrdup(c->provider) : NULL;
            /* Case ids only (router_case_flag), never the carer's details. */
            a->detail = c->conflict_reason ? xstrdup(c->conflict_reason) : NULL;
            s_other_cases(r, txn, c, a);
        }
        if (c)
            carerhub__case_record__free_unpacked(c, NULL);
    }
    mdb_cursor_close(cur);
}

int router_conflict_note(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c)
{
    MDB_val k = store_val(c->case_id), v = {0, (void *)""};
    int rc;
    if (c->identity_conflict && !c->closed) {
        /* Listed already, the cases it is flagged with stand. */
        rc = mdb_put(txn, store_dbi(r->store, DB_CONFLICTS), &k, &v, MDB_NOOVERWRITE);
        return rc == MDB_KEYEXIST ? 0 : rc;
    }
    rc = mdb_del(txn, store_dbi(r->store, DB_CONFLICTS), &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* --- the conflicts table for an older store ----------------------------- */

/* One case record of the store: listed if open and flagged
 * (router_build_once). */
static int s_conflict_one(router_t *r, MDB_txn *txn, const MDB_val *v)
{
    Carerhub__CaseRecord *c = carerhub__case_record__unpack(NULL, v->mv_size, v->mv_data);
    int err = 0, listed = 0;
    if (!c)
        return 0;
    if (c->case_id && c->identity_conflict && !c->closed) {
        err = router_conflict_note(r, txn, c);
        listed = 1;
    }
    carerhub__case_record__free_unpacked(c, NULL);
    return err ? -err : listed;
}

int router_conflicts_build(router_t *r)
{
    static const router_build_t how = {
        "conflicts", DB_CASES, s_conflict_one,
        "open case(s) flagged as a possible identity conflict listed"};
    return router_build_once(r, &how);
}

/* Each provider of the routing whose agent is not connected, and has not
 * been for longer than router.agent_alert_minutes (or never has, since
 * the router started longer ago than that). */
static void s_agents(router_t *r, Carerhub__AlertsReply *rep)
{
    int64_t mono = clock_mono_ms(), now = clock_now_ms();
    long long mins = r->conf->router.agent_alert_minutes;
    int64_t limit = (int64_t)mins * 60000;
    for (size_t i = 0; i < route_provider_count(r->rt); i++) {
        const char *id = route_provider_id(r->rt, (int)i);
        const agent_t *ag = NULL;
        Carerhub__Alert *a;
        int64_t quiet, m;
        for (size_t j = 0; j < r->nagents && !ag; j++)
            if (strcmp(r->agents[j].provider, id) == 0)
                ag = &r->agents[j];
        if (ag && ag->connected)
            continue;
        quiet = ag ? mono - ag->last_seen : r->started_at ? mono - r->started_at : 0;
        if (quiet <= limit || !(a = s_add(rep, "agent_silent")))
            continue;
        a->provider = xstrdup(id);
        m = quiet / 60000;
        a->detail =
            ag ? xasprintf("its agent has not been connected for %lld minute%s "
                           "(router.agent_alert_minutes: %lld)",
                           (long long)m, m == 1 ? "" : "s", mins)
               : xasprintf("no agent has connected since the router started %lld minute%s ago "
                           "(router.agent_alert_minutes: %lld)",
                           (long long)m, m == 1 ? "" : "s", mins);
        s_since(a, now - quiet);
    }
}

Carerhub__AlertsReply *router_alerts(router_t *r, MDB_txn *txn, date_t today)
{
    Carerhub__AlertsReply *rep = xmalloc(sizeof *rep);
    carerhub__alerts_reply__init(rep);
    rep->alerts = xcalloc(ROUTER_ALERTS_MAX, sizeof *rep->alerts);
    rep->has_total = true;
    /* Priority cases first among the overdue, each pass by day due. */
    for (int p = 1; p >= 0; p--) {
        s_pass_t pass = {rep, p == 1};
        s_overdue(r, txn, today, s_overdue_alert, &pass);
    }
    s_parked(r, txn, rep);
    s_conflicts(r, txn, rep);
    s_agents(r, rep);
    return rep;
}
