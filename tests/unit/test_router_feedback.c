/*
 * Unit tests of the router's read side on a real case store: a referrer's
 * feedback (its organisation's referrals only, since, paging, newest
 * first), where a referral stands (received, then delivered), the status a
 * referrer's key may see, the timeline without notes or kinds of support,
 * the alerts, and the by-referrer index built for a store written before
 * it.
 */
#include "test.h"

#include "domain/referral.h"
#include "router_hub.h"
#include "util/be64.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A key as the participants file would list it. */
static participant_t s_key(const char *id, role_t role, char **scopes, size_t n)
{
    participant_t p;
    memset(&p, 0, sizeof p);
    p.id = (char *)id;
    p.role = role;
    p.scopes = scopes;
    p.nscopes = n;
    return p;
}

static char *s_gp_scopes[] = {"F81001", "F81002"};
static char *s_other_scopes[] = {"F81003"};
static char *s_trust_scopes[] = {"RAJ"};

/* The sample card (carer Jane Smith) with this id, practice and time of
 * receipt; each id a carer of its own unless same_carer. */
static int s_take(hub_t *h, const char *id, const char *practice, int64_t received_at,
                  bool same_carer)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    int rc;
    if (!r)
        return -1;
    free(r->gp->practice);
    r->gp->practice = xstrdup(practice);
    r->received_at = received_at;
    if (!same_carer) {
        free(r->carer->given_name);
        r->carer->given_name = xasprintf("Carer%c", (char)('a' + id[strlen(id) - 1] - '0'));
        free(r->carer->nhs_number);
        r->carer->nhs_number = NULL;
        free(r->carer->phone);
        r->carer->phone = xasprintf("07700 90010%s", id + strlen(id) - 1);
    }
    rc = hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc;
}

/* Local noon of day (YYYY-MM-DD) in unix ms. */
static int64_t s_noon(const char *day)
{
    int64_t ms = 0;
    date_time_parse(day, &ms);
    return ms + 12 * 3600 * 1000LL;
}

static Carerhub__FeedbackReply *s_query(hub_t *h, const participant_t *who, bool newest,
                                        const char *since, uint32_t limit, const char *after)
{
    Carerhub__FeedbackQuery q = CARERHUB__FEEDBACK_QUERY__INIT;
    Carerhub__FeedbackReply *f;
    MDB_txn *txn;
    char msg[200];
    q.has_newest_first = newest;
    q.newest_first = newest;
    q.since = (char *)since;
    q.has_limit = limit > 0;
    q.limit = limit;
    q.after = (char *)after;
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    f = router_feedback(&h->r, txn, who, &q, msg, sizeof msg);
    mdb_txn_abort(txn);
    if (!f)
        printf("    feedback refused: %s\n", msg);
    return f;
}

static Carerhub__FeedbackReply *s_feedback(hub_t *h, const participant_t *who, const char *since,
                                           uint32_t limit, const char *after)
{
    return s_query(h, who, false, since, limit, after);
}

/* The referral ids of a reply, space-separated. */
static void s_ids(const Carerhub__FeedbackReply *f, char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; f && i < f->n_items && n < outsz; i++)
        n += (size_t)snprintf(out + n, outsz - n, "%s%s", i ? " " : "", f->items[i]->referral_id);
}

typedef struct {
    hub_t *h;
    const char *key;
    size_t klen;
    const void *val;
    size_t vlen;
    int db;
} s_put_t;

static int s_put_txn(MDB_txn *txn, void *arg)
{
    s_put_t *p = arg;
    MDB_val k = {p->klen, (void *)p->key}, v = {p->vlen, (void *)p->val};
    return mdb_put(txn, store_dbi(p->h->r.store, (size_t)p->db), &k, &v, 0);
}

static int s_put(hub_t *h, int db, const char *key, size_t klen, const void *val, size_t vlen)
{
    s_put_t p = {h, key, klen, val, vlen, db};
    return store_write(h->r.store, s_put_txn, &p);
}

/* What the agent's acknowledgement writes: the referral delivered now. */
static int s_delivered(hub_t *h, const char *id)
{
    uint8_t when[8];
    be64_put((uint64_t)clock_now_ms(), when);
    return s_put(h, DB_DELIVERED, id, strlen(id), when, 8);
}

TEST(router_feedback_lists_only_the_keys_organisations_referrals)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    participant_t gp = s_key("gp", ROLE_GP, s_gp_scopes, 2);
    participant_t other = s_key("gp-other", ROLE_GP, s_other_scopes, 1);
    participant_t trust = s_key("hospital", ROLE_HOSPITAL, s_trust_scopes, 1);
    participant_t school = s_key("school", ROLE_SCHOOL, s_gp_scopes, 2);
    Carerhub__FeedbackReply *f;
    char ids[512];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST20-1", "F81001", s_noon("2026-11-28"), false), 0);
    CHECK_INT(s_take(&h, "GP-TEST20-2", "F81003", s_noon("2026-11-28"), false), 0);
    CHECK_INT(s_take(&h, "GP-TEST20-3", "F81002", s_noon("2026-11-29"), false), 0);

    f = s_feedback(&h, &gp, NULL, 0, NULL);
    s_ids(f, ids, sizeof ids);
    CHECK_STR(ids, "GP-TEST20-1 GP-TEST20-3"); /* its two practices, oldest first */
    CHECK(!f->more);
    CHECK_STR(f->items[0]->organisation, "F81001");
    CHECK_STR(f->items[0]->referral_date, "2026-11-30");
    CHECK_STR(f->items[0]->state, "received");
    CHECK_STR(f->items[0]->provider, "carers-first");
    CHECK_STR(f->items[0]->provider_name, "Carers First");
    CHECK(f->items[0]->case_id != NULL);
    CHECK(f->items[0]->has_code_on_gp_record && f->items[0]->code_on_gp_record);
    carerhub__feedback_reply__free_unpacked(f, NULL);

    /* Another practice's key sees its own only; a hospital's key and a
     * school's (even with a GP practice's codes for scope) see nothing. */
    f = s_feedback(&h, &other, NULL, 0, NULL);
    s_ids(f, ids, sizeof ids);
    CHECK_STR(ids, "GP-TEST20-2");
    carerhub__feedback_reply__free_unpacked(f, NULL);
    f = s_feedback(&h, &trust, NULL, 0, NULL);
    CHECK(f != NULL);
    CHECK_INT(f->n_items, 0);
    carerhub__feedback_reply__free_unpacked(f, NULL);
    f = s_feedback(&h, &school, NULL, 0, NULL);
    CHECK(f != NULL);
    CHECK_INT(f->n_items, 0);
    carerhub__feedback_reply__free_unpacked(f, NULL);
    hub_close(&h);
}

TEST(router_feedback_since_after_and_limit)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    participant_t gp = s_key("gp", ROLE_GP, s_gp_scopes, 2);
    Carerhub__FeedbackQuery q = CARERHUB__FEEDBACK_QUERY__INIT;
    Carerhub__FeedbackReply *f;
    MDB_txn *txn;
    char ids[512], msg[200];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST21-1", "F81002", s_noon("2026-11-27"), false), 0);
    CHECK_INT(s_take(&h, "GP-TEST21-2", "F81001", s_noon("2026-11-28"), false), 0);
    CHECK_INT(s_take(&h, "GP-TEST21-3", "F81002", s_noon("2026-11-29"), false), 0);
    CHECK_INT(s_take(&h, "GP-TEST21-4", "F81001", s_noon("2026-11-29") + 1, false), 0);

    f = s_feedback(&h, &gp, "2026-11-28", 0, NULL);
    s_ids(f, ids, sizeof ids);
    CHECK_STR(ids, "GP-TEST21-2 GP-TEST21-3 GP-TEST21-4");
    carerhub__feedback_reply__free_unpacked(f, NULL);

    /* Two at a time, across both practices, in the order received. */
    f = s_feedback(&h, &gp, NULL, 2, NULL);
    s_ids(f, ids, sizeof ids);
    CHECK_STR(ids, "GP-TEST21-1 GP-TEST21-2");
    CHECK(f->more);
    carerhub__feedback_reply__free_unpacked(f, NULL);
    f = s_feedback(&h, &gp, NULL, 2, "GP-TEST21-2");
    s_ids(f, ids, sizeof ids);
    CHECK_STR(ids, "GP-TEST21-3 GP-TEST21-4");
    CHECK(!f->more);
    carerhub__feedback_reply__free_unpacked(f, NULL);
    f = s_feedback(&h, &gp, "2026-11-29", 1, "GP-TEST21-1");
    s_ids(f, ids, sizeof ids);
    CHECK_STR(ids, "GP-TEST21-3");
    CHECK(f->more);
    carerhub__feedback_reply__free_unpacked(f, NULL);

    /* A bad date, and a position that is not the key's to name. */
    CHECK_INT(store_read(h.r.store, &txn), 0);
    q.since = (char *)"29/11/2026";
    CHECK(router_feedback(&h.r, txn, &gp, &q, msg, sizeof msg) == NULL);
    CHECK_CONTAINS(msg, "since: 29/11/2026 is not a date");
    q.since = NULL;
    q.after = (char *)"GP-NOSUCH-1";
    CHECK(router_feedback(&h.r, txn, &gp, &q, msg, sizeof msg) == NULL);
    CHECK_CONTAINS(msg, "after: GP-NOSUCH-1 is not one of your referrals");
    mdb_txn_abort(txn);
    hub_close(&h);
}

/* The ids of the newest-first answer to (since, limit, after), and
 * whether it says there are more. */
static bool s_newest(hub_t *h, const participant_t *who, const char *since, uint32_t limit,
                     const char *after, char *ids, size_t idsz, bool *more)
{
    Carerhub__FeedbackReply *f = s_query(h, who, true, since, limit, after);
    if (!f)
        return false;
    s_ids(f, ids, idsz);
    *more = f->more;
    carerhub__feedback_reply__free_unpacked(f, NULL);
    return true;
}

TEST(router_feedback_newest_first)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    participant_t gp = s_key("gp", ROLE_GP, s_gp_scopes, 2);
    participant_t other = s_key("gp-other", ROLE_GP, s_other_scopes, 1);
    char ids[512];
    bool more;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST28-1", "F81002", s_noon("2026-11-27"), false), 0);
    CHECK_INT(s_take(&h, "GP-TEST28-2", "F81001", s_noon("2026-11-28"), false), 0);
    CHECK_INT(s_take(&h, "GP-TEST28-3", "F81002", s_noon("2026-11-29"), false), 0);
    CHECK_INT(s_take(&h, "GP-TEST28-4", "F81001", s_noon("2026-11-29") + 1, false), 0);
    CHECK_INT(s_take(&h, "GP-TEST28-5", "F81003", s_noon("2026-11-30"), false), 0);
    /* Received at the same moment as -3, at the other practice: the
     * greater id is the later. */
    CHECK_INT(s_take(&h, "GP-TEST28-6", "F81001", s_noon("2026-11-29"), false), 0);

    /* Both practices of the key, the newest first; not the other's -5. */
    CHECK(s_newest(&h, &gp, NULL, 0, NULL, ids, sizeof ids, &more));
    CHECK_STR(ids, "GP-TEST28-4 GP-TEST28-6 GP-TEST28-3 GP-TEST28-2 GP-TEST28-1");
    CHECK(!more);
    CHECK(s_newest(&h, &other, NULL, 0, NULL, ids, sizeof ids, &more));
    CHECK_STR(ids, "GP-TEST28-5");

    /* Two at a time, going back in time from where the last page ended. */
    CHECK(s_newest(&h, &gp, NULL, 2, NULL, ids, sizeof ids, &more));
    CHECK_STR(ids, "GP-TEST28-4 GP-TEST28-6");
    CHECK(more);
    CHECK(s_newest(&h, &gp, NULL, 2, "GP-TEST28-6", ids, sizeof ids, &more));
    CHECK_STR(ids, "GP-TEST28-3 GP-TEST28-2");
    CHECK(more);
    CHECK(s_newest(&h, &gp, NULL, 2, "GP-TEST28-2", ids, sizeof ids, &more));
    CHECK_STR(ids, "GP-TEST28-1");
    CHECK(!more);
    CHECK(s_newest(&h, &gp, NULL, 2, "GP-TEST28-1", ids, sizeof ids, &more));
    CHECK_STR(ids, "");
    CHECK(!more);

    /* Since a day: none older, and `more` only when one is left out. */
    CHECK(s_newest(&h, &gp, "2026-11-28", 0, NULL, ids, sizeof ids, &more));
    CHECK_STR(ids, "GP-TEST28-4 GP-TEST28-6 GP-TEST28-3 GP-TEST28-2");
    CHECK(s_newest(&h, &gp, "2026-11-28", 4, NULL, ids, sizeof ids, &more));
    CHECK_STR(ids, "GP-TEST28-4 GP-TEST28-6 GP-TEST28-3 GP-TEST28-2");
    CHECK(!more);
    CHECK(s_newest(&h, &gp, "2026-11-29", 2, NULL, ids, sizeof ids, &more));
    CHECK_STR(ids, "GP-TEST28-4 GP-TEST28-6");
    CHECK(more);
    CHECK(s_newest(&h, &gp, "2026-11-29", 2, "GP-TEST28-6", ids, sizeof ids, &more));
    CHECK_STR(ids, "GP-TEST28-3");
    CHECK(!more);
    /* Another practice's referral is no place to start from. */
    CHECK(!s_newest(&h, &gp, NULL, 2, "GP-TEST28-5", ids, sizeof ids, &more));
    hub_close(&h);
}

TEST(router_progress_received_then_delivered)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    participant_t gp = s_key("gp", ROLE_GP, s_gp_scopes, 2);
    Carerhub__FeedbackReply *f;
    Carerhub__StatusReply *s;
    int64_t before = clock_now_ms();
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST22-1", "F81001", s_noon("2026-11-30"), false), 0);
    s = hub_status(&h, &gp, "GP-TEST22-1");
    CHECK_STR(s->progress, "received");
    CHECK_INT(s->progress_at, s_noon("2026-11-30"));
    CHECK_INT(s->state, CARERHUB__STATUS_REPLY__STATE__ROUTED);
    carerhub__status_reply__free_unpacked(s, NULL);

    CHECK_INT(s_delivered(&h, "GP-TEST22-1"), 0);
    s = hub_status(&h, &gp, "GP-TEST22-1");
    CHECK_STR(s->progress, "delivered");
    CHECK(s->progress_at >= before);
    CHECK_INT(s->state, CARERHUB__STATUS_REPLY__STATE__DELIVERED);
    carerhub__status_reply__free_unpacked(s, NULL);
    f = s_feedback(&h, &gp, NULL, 0, NULL);
    CHECK(f && f->n_items == 1);
    CHECK_STR(f->items[0]->state, "delivered");
    CHECK(f->items[0]->updated_at >= before);
    carerhub__feedback_reply__free_unpacked(f, NULL);
    hub_close(&h);
}

TEST(router_status_for_a_referrer_shows_its_own_referrals_only)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    participant_t gp = s_key("gp", ROLE_GP, s_gp_scopes, 2);
    participant_t other = s_key("gp-other", ROLE_GP, s_other_scopes, 1);
    Carerhub__StatusReply *s;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST23-1", "F81001", s_noon("2026-11-30"), true), 0);
    /* The same carer from another practice joins the case. */
    CHECK_INT(s_take(&h, "GP-TEST23-2", "F81003", s_noon("2026-11-30") + 60000, true), 0);

    s = hub_status(&h, &other, "GP-TEST23-1");
    CHECK_INT(s->state, CARERHUB__STATUS_REPLY__STATE__UNKNOWN);
    CHECK(!s->case_id && !s->provider && !s->progress && !s->rule && s->n_timeline == 0);
    carerhub__status_reply__free_unpacked(s, NULL);

    s = hub_status(&h, &other, "GP-TEST23-2");
    CHECK_INT(s->state, CARERHUB__STATUS_REPLY__STATE__ROUTED);
    CHECK(s->case_id != NULL);
    CHECK_STR(s->provider, "carers-first");
    CHECK_STR(s->provider_name, "Carers First");
    /* Not how it joined the case (another referrer was first), nor the
     * case's detail, nor how it was routed. */
    CHECK(s->rule == NULL && s->reason == NULL);
    CHECK(s->kind == NULL);
    CHECK(s->detail == NULL);
    carerhub__status_reply__free_unpacked(s, NULL);

    /* The first practice's key sees its own referral of the case, not
     * the other practice's; nor does a key of another role whose scope
     * names the practice. */
    s = hub_status(&h, &gp, "GP-TEST23-2");
    CHECK_INT(s->state, CARERHUB__STATUS_REPLY__STATE__UNKNOWN);
    carerhub__status_reply__free_unpacked(s, NULL);
    s = hub_status(&h, &gp, "GP-TEST23-1");
    CHECK_INT(s->state, CARERHUB__STATUS_REPLY__STATE__ROUTED);
    CHECK_STR(s->progress, "received");
    carerhub__status_reply__free_unpacked(s, NULL);
    {
        participant_t trust = s_key("hospital", ROLE_HOSPITAL, s_gp_scopes, 2);
        s = hub_status(&h, &trust, "GP-TEST23-1");
        CHECK_INT(s->state, CARERHUB__STATUS_REPLY__STATE__UNKNOWN);
        carerhub__status_reply__free_unpacked(s, NULL);
    }

    /* The operator sees that it is an update, and how it was routed. */
    s = hub_status(&h, NULL, "GP-TEST23-2");
    CHECK_STR(s->kind, "update");
    CHECK(s->rule != NULL && s->reason != NULL);
    carerhub__status_reply__free_unpacked(s, NULL);
    hub_close(&h);
}

typedef struct {
    hub_t *h;
    const char *case_id;
} s_events_t;

/* Three events: supported with a note, another referral's cancellation,
 * and this one's. */
static int s_events_txn(MDB_txn *txn, void *arg)
{
    s_events_t *e = arg;
    router_t *r = &e->h->r;
    Carerhub__CaseRecord *c = router_get_case(r, txn, e->case_id);
    Carerhub__TimelineEvent ev = CARERHUB__TIMELINE_EVENT__INIT;
    char *support[] = {"carers_assessment", "break"};
    int rc;
    if (!c)
        return MDB_NOTFOUND;
    ev.event = "supported";
    ev.provider = "carers-first";
    ev.provider_name = "Carers First";
    ev.support = support;
    ev.n_support = 2;
    ev.note = "Jane would like a break in March";
    ev.has_at = true;
    ev.at = s_noon("2026-12-01");
    rc = router_timeline_add(r, txn, c, &ev, "provider-carers-first", "o-1");
    memset(&ev, 0, sizeof ev);
    carerhub__timeline_event__init(&ev);
    ev.event = "cancelled";
    ev.referral_id = "GP-TEST24-2";
    ev.reason = "changed";
    if (rc == 0)
        rc = router_timeline_add(r, txn, c, &ev, "gp-other", NULL);
    ev.referral_id = "GP-TEST24-1";
    if (rc == 0)
        rc = router_timeline_add(r, txn, c, &ev, "gp", NULL);
    if (rc == 0)
        rc = router_put(r, txn, DB_CASES, c->case_id, strlen(c->case_id), &c->base);
    carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

TEST(router_status_timeline_for_a_referrer_has_no_note_or_support)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    participant_t gp = s_key("gp", ROLE_GP, s_gp_scopes, 2);
    Carerhub__ReferralRecord *rec;
    Carerhub__StatusReply *s;
    s_events_t e = {&h, NULL};
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST24-1", "F81001", s_noon("2026-11-30"), true), 0);
    CHECK_INT(s_take(&h, "GP-TEST24-2", "F81003", s_noon("2026-11-30") + 1, true), 0);
    rec = hub_get(&h, "GP-TEST24-1");
    CHECK(rec != NULL);
    e.case_id = rec->case_id;
    CHECK_INT(store_write(h.r.store, s_events_txn, &e), 0);

    s = hub_status(&h, &gp, "GP-TEST24-1");
    CHECK_INT(s->n_timeline, 2); /* the other practice's cancellation is not shown */
    CHECK_STR(s->timeline[0]->event, "supported");
    CHECK_STR(s->timeline[0]->provider_name, "Carers First");
    CHECK(s->timeline[0]->note == NULL);
    CHECK_INT(s->timeline[0]->n_support, 0);
    CHECK_STR(s->timeline[1]->event, "cancelled");
    CHECK_STR(s->timeline[1]->referral_id, "GP-TEST24-1");
    CHECK(s->timeline[1]->reason == NULL); /* the referrer's own words stay with it */
    carerhub__status_reply__free_unpacked(s, NULL);

    /* The operator sees it all. */
    s = hub_status(&h, NULL, "GP-TEST24-1");
    CHECK_INT(s->n_timeline, 3);
    CHECK_STR(s->timeline[0]->note, "Jane would like a break in March");
    CHECK_INT(s->timeline[0]->n_support, 2);
    CHECK_STR(s->timeline[1]->referral_id, "GP-TEST24-2");
    carerhub__status_reply__free_unpacked(s, NULL);
    carerhub__referral_record__free_unpacked(rec, NULL);
    hub_close(&h);
}

/* How many alerts of kind the reply lists; the first in *first. */
static size_t s_alerts_of(const Carerhub__AlertsReply *a, const char *kind,
                          const Carerhub__Alert **first)
{
    size_t n = 0;
    *first = NULL;
    for (size_t i = 0; i < a->n_alerts; i++)
        if (strcmp(a->alerts[i]->kind, kind) == 0 && n++ == 0)
            *first = a->alerts[i];
    return n;
}

static Carerhub__AlertsReply *s_alerts(hub_t *h, date_t today, uint64_t *overdue)
{
    Carerhub__AlertsReply *a;
    MDB_txn *txn;
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    a = router_alerts(&h->r, txn, today);
    *overdue = router_overdue_contacts(&h->r, txn, today);
    mdb_txn_abort(txn);
    return a;
}

TEST(router_alerts_overdue_contacts_parked_conflicts_and_silent_agents)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *rec;
    Carerhub__AlertsReply *a;
    Carerhub__Referral *bad;
    const Carerhub__Alert *al;
    char key[64], yesterday[DATE_STRLEN], today[DATE_STRLEN];
    date_t now = date_today();
    uint64_t overdue;
    int64_t since;
    CHECK_INT(hub_open(&h, 50), 0);
    h.r.started_at = clock_mono_ms();
    a = s_alerts(&h, now, &overdue);
    CHECK(a != NULL);
    CHECK_INT(a->total, 0);
    CHECK_INT(overdue, 0);
    carerhub__alerts_reply__free_unpacked(a, NULL);

    CHECK_INT(s_take(&h, "GP-TEST25-1", "F81001", s_noon("2026-11-30"), false), 0);
    CHECK_INT(s_take(&h, "GP-TEST25-2", "F81001", s_noon("2026-11-30"), false), 0);
    rec = hub_get(&h, "GP-TEST25-1");
    CHECK(rec != NULL);
    /* Contact was due by yesterday for one case, and is due today for the
     * other: only the first is overdue. */
    date_format(now - 1, yesterday);
    date_format(now, today);
    snprintf(key, sizeof key, "%s\x1f%s", yesterday, rec->case_id);
    CHECK_INT(s_put(&h, DB_CONTACT_DUE, key, strlen(key), "", 0), 0);
    snprintf(key, sizeof key, "%s\x1f%s", today, "C-000002");
    CHECK_INT(s_put(&h, DB_CONTACT_DUE, key, strlen(key), "", 0), 0);
    /* A referral the router cannot take is parked. */
    bad = hub_card("GP-TEST25-3", "gp");
    CHECK(bad != NULL);
    free(bad->referral_date);
    bad->referral_date = NULL;
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", bad), 0);
    carerhub__referral__free_unpacked(bad, NULL);

    a = s_alerts(&h, now, &overdue);
    CHECK(a != NULL);
    CHECK_INT(overdue, 1);
    CHECK_INT(s_alerts_of(a, "overdue_contact", &al), 1);
    CHECK_STR(al->case_id, rec->case_id);
    CHECK_STR(al->provider, "carers-first");
    snprintf(key, sizeof key, "no contact recorded; due by %s", yesterday);
    CHECK_STR(al->detail, key);
    CHECK_INT(date_time_parse(yesterday, &since), 0);
    CHECK_INT(al->since, since);
    CHECK_INT(s_alerts_of(a, "parked", &al), 1);
    CHECK_STR(al->referral_id, "GP-TEST25-3");
    CHECK_STR(al->detail, "no valid referral_date");
    CHECK_INT(s_alerts_of(a, "agent_silent", &al), 0); /* the router has just started */
    CHECK_INT(a->total, 2);
    carerhub__alerts_reply__free_unpacked(a, NULL);

    /* No agent for any organisation since the router started 16 minutes
     * ago (router.agent_alert_minutes: 15). */
    h.r.started_at = clock_mono_ms() - 16 * 60000;
    a = s_alerts(&h, now, &overdue);
    CHECK(a != NULL);
    CHECK_INT(s_alerts_of(a, "agent_silent", &al), route_provider_count(h.r.rt));
    CHECK_CONTAINS(al->detail, "no agent has connected since the router started 16 minutes ago");
    CHECK_INT(a->total, 2 + route_provider_count(h.r.rt));
    carerhub__alerts_reply__free_unpacked(a, NULL);
    carerhub__referral_record__free_unpacked(rec, NULL);
    hub_close(&h);
}

TEST(router_alerts_identity_conflicts_of_open_cases)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__AlertsReply *a;
    Carerhub__Referral *r;
    const Carerhub__Alert *al;
    uint64_t overdue;
    CHECK_INT(hub_open(&h, 50), 0);
    h.r.started_at = clock_mono_ms();
    CHECK_INT(s_take(&h, "GP-TEST26-1", "F81001", s_noon("2026-11-30"), true), 0);
    /* Another carer, in Colchester, given the same NHS number. */
    r = hub_card("GP-TEST26-2", "gp");
    CHECK(r != NULL);
    free(r->carer->given_name);
    r->carer->given_name = xstrdup("Mary");
    free(r->carer->date_of_birth);
    r->carer->date_of_birth = xstrdup("1975-09-14");
    free(r->carer->postcode);
    r->carer->postcode = xstrdup("CO4 5AB");
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", r), 0);
    carerhub__referral__free_unpacked(r, NULL);
    a = s_alerts(&h, date_today(), &overdue);
    CHECK(a != NULL);
    CHECK_INT(s_alerts_of(a, "identity_conflict", &al), 2);
    CHECK_CONTAINS(al->detail, "the same NHS number with another date of birth");
    CHECK(strstr(al->detail, "Mary") == NULL && strstr(al->detail, "Jane") == NULL);
    carerhub__alerts_reply__free_unpacked(a, NULL);
    hub_close(&h);
}

typedef struct {
    hub_t *h;
    int n;
} s_old_t;

/* A store as an older router left it: n referral records and no index. */
static int s_old_txn(MDB_txn *txn, void *arg)
{
    s_old_t *o = arg;
    router_t *r = &o->h->r;
    MDB_val k = store_val("by_referrer");
    int rc;
    if ((rc = mdb_drop(txn, store_dbi(r->store, DB_BY_REFERRER), 0)) != 0)
        return rc;
    if ((rc = mdb_del(txn, store_dbi(r->store, DB_META), &k, NULL)) != 0)
        return rc;
    for (int i = 0; i < o->n; i++) {
        Carerhub__ReferralRecord rec = CARERHUB__REFERRAL_RECORD__INIT;
        Carerhub__Referral ref = CARERHUB__REFERRAL__INIT;
        Carerhub__GpPart gp = CARERHUB__GP_PART__INIT;
        char id[32];
        snprintf(id, sizeof id, "GP-OLD-%05d", i);
        ref.id = id;
        ref.has_source = true;
        ref.source = CARERHUB__SOURCE__GP;
        ref.has_received_at = true;
        ref.received_at = s_noon("2026-11-01") + i;
        ref.referral_date = "2026-11-01";
        gp.practice = i % 2 ? "F81001" : "F81003";
        ref.gp = &gp;
        rec.referral = &ref;
        rec.case_id = "C-000001";
        if ((rc = router_put(r, txn, DB_REFERRALS, id, strlen(id), &rec.base)) != 0)
            return rc;
    }
    return 0;
}

TEST(router_referrer_index_is_built_for_an_older_store)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    participant_t gp = s_key("gp", ROLE_GP, s_gp_scopes, 2);
    participant_t other = s_key("gp-other", ROLE_GP, s_other_scopes, 1);
    Carerhub__FeedbackReply *f;
    s_old_t o = {&h, 2501};
    MDB_txn *txn;
    MDB_val k = store_val("by_referrer"), v;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST27-1", "F81002", s_noon("2026-11-30"), false), 0);
    CHECK_INT(store_write(h.r.store, s_old_txn, &o), 0);
    f = s_feedback(&h, &gp, NULL, 0, NULL);
    CHECK(f && f->n_items == 0); /* not indexed */
    carerhub__feedback_reply__free_unpacked(f, NULL);

    CHECK_INT(router_referrer_index_build(&h.r), 0);
    CHECK_INT(store_read(h.r.store, &txn), 0);
    CHECK_INT(mdb_get(txn, store_dbi(h.r.store, DB_META), &k, &v), 0);
    mdb_txn_abort(txn);
    /* 1250 odd ones of F81001 and the one of F81002: over a page. */
    f = s_feedback(&h, &gp, NULL, 0, NULL);
    CHECK(f != NULL);
    CHECK_INT(f->n_items, 1000);
    CHECK(f->more);
    CHECK_STR(f->items[0]->referral_id, "GP-OLD-00001");
    CHECK_STR(f->items[999]->referral_id, "GP-OLD-01999");
    carerhub__feedback_reply__free_unpacked(f, NULL);
    f = s_feedback(&h, &gp, NULL, 0, "GP-OLD-01999");
    CHECK(f != NULL);
    CHECK_INT(f->n_items, 251);
    CHECK(!f->more);
    CHECK_STR(f->items[250]->referral_id, "GP-TEST27-1");
    carerhub__feedback_reply__free_unpacked(f, NULL);
    f = s_feedback(&h, &other, NULL, 0, NULL);
    CHECK(f != NULL);
    CHECK_INT(f->n_items, 1000);
    CHECK_STR(f->items[0]->referral_id, "GP-OLD-00000");
    carerhub__feedback_reply__free_unpacked(f, NULL);
    /* Once: the marker stops a second build. */
    CHECK_INT(router_referrer_index_build(&h.r), 0);
    hub_close(&h);
}
