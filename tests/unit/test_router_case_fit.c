/*
 * Unit tests of a case too large for one reply (router_case_view): a case
 * with more referrals, or a longer timeline, than a message takes is
 * answered with the newest that fit, as many as fit (one referral more
 * would not), oldest first, the count of all still given. The case is
 * written into a real case store as a long-lived one would hold it.
 */
#include "test.h"

#include "router_hub.h"
#include "util/clock.h"
#include "util/mem.h"
#include "wire/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What router_case_view leaves of a message for the envelope. */
#define S_ROOM      4096
#define S_REPLY_MAX (WIRE_MAX_MSG - S_ROOM)

typedef struct {
    hub_t *h;
    size_t referrals, events; /* added to case C-000001 */
    size_t bytes;             /* of text in each */
} s_grow_t;

static char *s_text(size_t n, char c)
{
    char *t = xmalloc(n + 1);
    memset(t, c, n);
    t[n] = '\0';
    return t;
}

/* Case C-000001 (its first referral GP-TEST61-1) grows by copies of that
 * referral, each with an address of g->bytes, and by timeline events with
 * notes of g->bytes. */
static int s_grow_txn(MDB_txn *txn, void *arg)
{
    s_grow_t *g = arg;
    router_t *r = &g->h->r;
    Carerhub__CaseRecord *c = router_get_case(r, txn, "C-000001");
    Carerhub__ReferralRecord *rec = router_get_referral(r, txn, "GP-TEST61-1");
    Carerhub__TimelineEvent ev = CARERHUB__TIMELINE_EVENT__INIT;
    char *text = s_text(g->bytes, 'x'), id[32], *was_id, *was_addr;
    int rc = c && rec ? 0 : -1;

    was_id = rec ? rec->referral->id : NULL;
    was_addr = rec ? rec->referral->carer->address : NULL;
    for (size_t i = 0; rc == 0 && i < g->referrals; i++) {
        snprintf(id, sizeof id, "GP-TEST61-%zu", i + 2);
        rec->referral->id = id;
        rec->referral->carer->address = text;
        rc = router_put(r, txn, DB_REFERRALS, id, strlen(id), &rec->base);
        router_strv_add(&c->referral_ids, &c->n_referral_ids, id);
    }
    ev.has_at = true;
    ev.event = (char *)"contact_attempted";
    ev.provider = (char *)"carers-first";
    ev.note = text;
    for (size_t i = 0; rc == 0 && i < g->events; i++) {
        ev.at = clock_now_ms() - (int64_t)(g->events - i) * 1000; /* one a second */
        rc = router_timeline_add(r, txn, c, &ev, "provider-carers-first", NULL);
    }
    if (rc == 0)
        rc = router_put_case(r, txn, c);
    if (rec) {
        rec->referral->id = was_id;
        rec->referral->carer->address = was_addr;
        carerhub__referral_record__free_unpacked(rec, NULL);
    }
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    free(text);
    return rc;
}

static Carerhub__CaseReply *s_view(hub_t *h, const char *provider)
{
    Carerhub__CaseReply *rep;
    MDB_txn *txn;
    if (store_read(h->r.store, &txn) != 0)
        return NULL;
    rep = router_case_view(&h->r, txn, provider, "C-000001", clock_now_ms());
    mdb_txn_abort(txn);
    return rep;
}

/* The size of v with one more of its case's referrals (older) or one more
 * event (older) before those it holds, packed by protobuf-c itself. */
static size_t s_size_with(hub_t *h, Carerhub__CaseReply *v, const char *ref_id,
                          Carerhub__TimelineEvent *ev)
{
    Carerhub__Case *c = v->case_;
    Carerhub__ReferralRecord *rec = ref_id ? hub_get(h, ref_id) : NULL;
    Carerhub__Referral **refs = c->referrals, **more_refs = NULL;
    Carerhub__TimelineEvent **evs = v->timeline, **more_evs = NULL;
    size_t nrefs = c->n_referrals, nevs = v->n_timeline, n;
    if (rec) {
        more_refs = xcalloc(nrefs + 1, sizeof *more_refs);
        more_refs[0] = rec->referral;
        memcpy(more_refs + 1, refs, nrefs * sizeof *refs);
        c->referrals = more_refs;
        c->n_referrals = nrefs + 1;
    }
    if (ev) {
        more_evs = xcalloc(nevs + 1, sizeof *more_evs);
        more_evs[0] = ev;
        memcpy(more_evs + 1, evs, nevs * sizeof *evs);
        v->timeline = more_evs;
        v->n_timeline = nevs + 1;
    }
    n = carerhub__case_reply__get_packed_size(v);
    c->referrals = refs;
    c->n_referrals = nrefs;
    v->timeline = evs;
    v->n_timeline = nevs;
    free(more_refs);
    free(more_evs);
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    return n;
}

TEST(router_case_view_of_a_case_too_large_keeps_as_many_newest_referrals_as_fit)
{
    static hub_t h;                   /* static: hub_open closes it if this test fails */
    s_grow_t g = {&h, 2499, 0, 4000}; /* 2,500 referrals of 4 kB: 10 MB */
    Carerhub__CaseReply *v;
    Carerhub__Referral *r;
    char want[32], older[32];
    size_t kept;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK((r = hub_card("GP-TEST61-1", "gp")) != NULL);
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", r), 0);
    carerhub__referral__free_unpacked(r, NULL);
    CHECK_INT(store_write(h.r.store, s_grow_txn, &g), 0);

    CHECK((v = s_view(&h, "carers-first")) != NULL);
    kept = v->case_->n_referrals;
    CHECK(kept > 1 && kept < 2500);
    CHECK_INT(v->case_->referrals_total, 2500);
    CHECK(carerhub__case_reply__get_packed_size(v) <= S_REPLY_MAX);
    /* The newest, oldest first: the last is the case's newest. */
    CHECK_STR(v->case_->referrals[kept - 1]->id, "GP-TEST61-2500");
    snprintf(want, sizeof want, "GP-TEST61-%zu", 2500 - kept + 1);
    CHECK_STR(v->case_->referrals[0]->id, want);
    /* As many as fit: the next older one would not. */
    snprintf(older, sizeof older, "GP-TEST61-%zu", 2500 - kept);
    CHECK(s_size_with(&h, v, older, NULL) > S_REPLY_MAX);
    CHECK_INT(v->n_timeline, 0);
    carerhub__case_reply__free_unpacked(v, NULL);
    hub_close(&h);
}

TEST(router_case_view_of_a_timeline_too_large_keeps_as_many_newest_events_as_fit)
{
    static hub_t h;                  /* static: hub_open closes it if this test fails */
    s_grow_t g = {&h, 2, 999, 9000}; /* 3 referrals, 999 events of 9 kB: 9 MB */
    Carerhub__TimelineEvent **all;
    Carerhub__CaseReply *v;
    Carerhub__Referral *r;
    size_t n, kept;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK((r = hub_card("GP-TEST61-1", "gp")) != NULL);
    CHECK_INT(hub_take(&h, CARERHUB__SOURCE__GP, "gp-intake", r), 0);
    carerhub__referral__free_unpacked(r, NULL);
    CHECK_INT(store_write(h.r.store, s_grow_txn, &g), 0);
    n = hub_timeline(&h, "C-000001", false, &all);
    CHECK_INT(n, 999);

    CHECK((v = s_view(&h, "carers-first")) != NULL);
    /* The referrals go first, to the newest; then the oldest events. */
    CHECK_INT(v->case_->n_referrals, 1);
    CHECK_STR(v->case_->referrals[0]->id, "GP-TEST61-3");
    CHECK_INT(v->case_->referrals_total, 3);
    kept = v->n_timeline;
    CHECK(kept > 0 && kept < 999);
    CHECK(carerhub__case_reply__get_packed_size(v) <= S_REPLY_MAX);
    CHECK_INT(v->timeline[kept - 1]->at, all[n - 1]->at);
    CHECK_INT(v->timeline[0]->at, all[n - kept]->at);
    CHECK(s_size_with(&h, v, NULL, all[n - kept - 1]) > S_REPLY_MAX);
    carerhub__case_reply__free_unpacked(v, NULL);
    router_timeline_free(all, n);
    hub_close(&h);
}
