/*
 * An organisation's inbox and one of its cases, for case workers with no
 * case system of their own (carerhub-web's /inbox, `carerhub cases`,
 * `carerhub case`). See router.h.
 *
 * The by_provider table lists each open case under the organisation it is
 * with now (provider id, US, case id); the value is what the inbox is
 * ordered by: when the case opened (8 bytes, big-endian) and its contact-by
 * target (YYYY-MM-DD; nothing once the carer was contacted). It is kept in
 * step inside every case write (router_put_case), so a listing reads one
 * range of it and then only the cases it shows, never every case; a store
 * written before it gets it once (router_build_once).
 *
 * What an organisation sees of a case is what a delivery queued now would
 * carry (router_case_snapshot), with every referral not cancelled (without
 * its equality answers, as a delivery: router_referral_for_org), and the
 * case's timeline with the organisation's own notes: what was written at an
 * organisation the case has left stays that organisation's, but for the
 * words it passed the case on with, which its transfer carried to the new
 * one. Another organisation's case reads as one that does not exist.
 */
#include "router.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/be64.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_US        '\x1f'
#define S_KEY_MAX   (32 + 1 + CASE_ID_MAX) /* a provider id is at most 32 (route_id_ok) */
#define S_VALUE_MAX (8 + DATE_STRLEN)
/* What a CaseReply may take of a message, leaving room for the envelope. */
#define S_REPLY_MAX (WIRE_MAX_MSG - 4096)

/* --- the table ----------------------------------------------------------- */

/* The entry case c has while open with an organisation: key and value into
 * the buffers, the key's length returned (0: c is listed nowhere). */
static size_t s_entry(const Carerhub__CaseRecord *c, char key[S_KEY_MAX],
                      uint8_t value[S_VALUE_MAX], size_t *vlen)
{
    size_t plen, clen;
    if (c->closed || !c->case_id || !c->provider || !route_id_ok(c->provider))
        return 0;
    plen = strlen(c->provider);
    clen = strlen(c->case_id);
    if (clen == 0 || clen > CASE_ID_MAX)
        return 0;
    memcpy(key, c->provider, plen);
    key[plen] = S_US;
    memcpy(key + plen + 1, c->case_id, clen);
    if (value) {
        be64_put((uint64_t)(c->has_opened_at ? c->opened_at : 0), value);
        *vlen = 8;
        if (c->contact_by && strlen(c->contact_by) == DATE_STRLEN - 1) {
            memcpy(value + 8, c->contact_by, DATE_STRLEN - 1);
            *vlen += DATE_STRLEN - 1;
        }
    }
    return plen + 1 + clen;
}

int router_inbox_note(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c)
{
    MDB_dbi dbi = store_dbi(r->store, DB_BY_PROVIDER);
    Carerhub__CaseRecord *old = c->case_id ? router_get_case(r, txn, c->case_id) : NULL;
    char was[S_KEY_MAX], key[S_KEY_MAX];
    uint8_t value[S_VALUE_MAX];
    size_t wlen = old ? s_entry(old, was, NULL, NULL) : 0, vlen = 0;
    size_t klen = s_entry(c, key, value, &vlen);
    MDB_val k, v;
    int rc;

    if (old)
        carerhub__case_record__free_unpacked(old, NULL);
    if (wlen && (wlen != klen || memcmp(was, key, wlen) != 0)) {
        k = (MDB_val){wlen, was};
        if ((rc = mdb_del(txn, dbi, &k, NULL)) != 0 && rc != MDB_NOTFOUND)
            return rc;
    }
    if (!klen)
        return 0;
    /* Most writes of a case change neither: the page is left clean. */
    k = (MDB_val){klen, key};
    rc = mdb_get(txn, dbi, &k, &v);
    if (rc == 0 && v.mv_size == vlen && memcmp(v.mv_data, value, vlen) == 0)
        return 0;
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    v = (MDB_val){vlen, value};
    return mdb_put(txn, dbi, &k, &v, 0);
}

/* One case record of an older store (router_build_once): listed if open. */
static int s_build_one(router_t *r, MDB_txn *txn, const MDB_val *v)
{
    Carerhub__CaseRecord *c = carerhub__case_record__unpack(NULL, v->mv_size, v->mv_data);
    char key[S_KEY_MAX];
    uint8_t value[S_VALUE_MAX];
    size_t klen, vlen = 0;
    int err = 0;
    if (!c)
        return 0;
    if ((klen = s_entry(c, key, value, &vlen)) != 0) {
        MDB_val k = {klen, key}, val = {vlen, value};
        err = mdb_put(txn, store_dbi(r->store, DB_BY_PROVIDER), &k, &val, 0);
    }
    carerhub__case_record__free_unpacked(c, NULL);
    return err ? -err : klen != 0;
}

int router_inbox_build(router_t *r)
{
    static const router_build_t how = {"by_provider", DB_CASES, s_build_one,
                                       "open case(s) listed with their organisation"};
    return router_build_once(r, &how);
}

/* --- the inbox ----------------------------------------------------------- */

typedef struct {
    char id[CASE_ID_MAX + 1];
    int64_t opened;
    char due[DATE_STRLEN]; /* "" once contacted */
    bool overdue;
} s_item_t;

/* Calls fn for each entry of provider's (its case id, and value); stops
 * when fn returns false. */
static void s_each(router_t *r, MDB_txn *txn, const char *provider,
                   bool (*fn)(const char *id, size_t idlen, const MDB_val *v, void *arg), void *arg)
{
    char from[S_KEY_MAX];
    size_t plen = strlen(provider);
    MDB_cursor *cur;
    MDB_val k, v;
    int rc;
    if (plen == 0 || plen > 32 ||
        mdb_cursor_open(txn, store_dbi(r->store, DB_BY_PROVIDER), &cur) != 0)
        return;
    memcpy(from, provider, plen);
    from[plen] = S_US;
    k = (MDB_val){plen + 1, from};
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size > plen + 1 && memcmp(k.mv_data, from, plen + 1) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        size_t idlen = k.mv_size - plen - 1;
        if (idlen <= CASE_ID_MAX && !fn((const char *)k.mv_data + plen + 1, idlen, &v, arg))
            break;
    }
    mdb_cursor_close(cur);
}

static bool s_count_one(const char *id, size_t idlen, const MDB_val *v, void *arg)
{
    (*(uint32_t *)arg)++;
    return true;
}

uint32_t router_inbox_count(router_t *r, MDB_txn *txn, const char *provider)
{
    uint32_t n = 0;
    s_each(r, txn, provider, s_count_one, &n);
    return n;
}

typedef struct {
    s_item_t *items;
    size_t n, cap;
    char today[DATE_STRLEN];
} s_items_t;

static bool s_item_one(const char *id, size_t idlen, const MDB_val *v, void *arg)
{
    s_items_t *l = arg;
    s_item_t *it;
    if (v->mv_size < 8)
        return true; /* not an entry s_entry writes */
    l->items = xgrow(l->items, &l->cap, l->n + 1, sizeof *l->items);
    it = &l->items[l->n++];
    memcpy(it->id, id, idlen);
    it->id[idlen] = '\0';
    it->opened = (int64_t)be64_get(v->mv_data);
    it->due[0] = '\0';
    if (v->mv_size == 8 + DATE_STRLEN - 1) {
        memcpy(it->due, (const char *)v->mv_data + 8, DATE_STRLEN - 1);
        it->due[DATE_STRLEN - 1] = '\0';
    }
    /* Past its target: the day after the contact-by day (router_alerts). */
    it->overdue = it->due[0] && strcmp(it->due, l->today) < 0;
    return true;
}

/* Case ids in the order they were given: C-999999 before C-1000000. */
static int s_id_cmp(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
}

/* Overdue first, the earliest contact-by target first; then newest opened
 * first; the newer case first when they opened at the same moment. */
static int s_order(const void *a, const void *b)
{
    const s_item_t *x = a, *y = b;
    int c;
    if (x->overdue != y->overdue)
        return x->overdue ? -1 : 1;
    if (x->overdue && (c = strcmp(x->due, y->due)) != 0)
        return c;
    if (x->opened != y->opened)
        return x->opened > y->opened ? -1 : 1;
    return s_id_cmp(y->id, x->id);
}

/* The referrals of c not cancelled: how many, and the source of the
 * newest of them. */
static uint32_t s_standing(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                           Carerhub__CaseSummary *sum)
{
    uint32_t n = 0;
    for (size_t i = c->n_referral_ids; i-- > 0;) {
        Carerhub__ReferralRecord *rec = router_get_referral(r, txn, c->referral_ids[i]);
        if (rec && rec->referral && !rec->cancellation) {
            if (n++ == 0 && rec->referral->has_source) {
                sum->has_source = true;
                sum->source = rec->referral->source;
            }
        }
        if (rec)
            carerhub__referral_record__free_unpacked(rec, NULL);
    }
    return n;
}

static char *s_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* The summary of case c (listed as it), as its organisation sees it. */
static Carerhub__CaseSummary *s_summary(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                                        const s_item_t *it, int64_t now)
{
    Carerhub__CaseSummary *sum = xmalloc(sizeof *sum);
    Carerhub__Case snap = CARERHUB__CASE__INIT;
    const Carerhub__Carer *who = c->carer;

    carerhub__case_summary__init(sum);
    router_case_snapshot(c, now, &snap); /* the flags as they stand today */
    sum->case_id = xstrdup(c->case_id);
    sum->state = xstrdup(c->state && *c->state ? c->state : OUTCOME_DELIVERED);
    sum->has_opened_at = c->has_opened_at;
    sum->opened_at = c->opened_at;
    sum->has_updated_at = c->has_updated_at;
    sum->updated_at = c->updated_at;
    sum->contact_by = s_dup(c->contact_by);
    sum->has_overdue = sum->has_urgent = sum->has_young_carer = true;
    sum->overdue = it->overdue;
    sum->urgent = snap.urgent;
    sum->young_carer = snap.young_carer;
    if (who && (who->given_name || who->family_name))
        sum->carer_name = xasprintf("%s%s%s", who->given_name ? who->given_name : "",
                                    who->given_name && who->family_name ? " " : "",
                                    who->family_name ? who->family_name : "");
    sum->postcode = who ? s_dup(who->postcode) : NULL;
    sum->has_referrals = true;
    sum->referrals = s_standing(r, txn, c, sum);
    sum->has_identity_conflict = sum->has_transferred = true;
    sum->identity_conflict = c->identity_conflict;
    sum->transferred = c->transferred_from != NULL;
    return sum;
}

Carerhub__CasesReply *router_cases(router_t *r, MDB_txn *txn, const char *provider,
                                   const Carerhub__CasesQuery *q, int64_t now)
{
    Carerhub__CasesReply *rep = xmalloc(sizeof *rep);
    s_items_t l = {NULL, 0, 0, ""};
    size_t limit = q && q->has_limit && q->limit > 0 && q->limit < ROUTER_CASES_MAX
                       ? q->limit
                       : ROUTER_CASES_MAX;

    carerhub__cases_reply__init(rep);
    date_format(date_of_ms(now), l.today);
    s_each(r, txn, provider, s_item_one, &l);
    if (l.n > 1)
        qsort(l.items, l.n, sizeof *l.items, s_order);
    rep->has_total = true;
    rep->total = (uint32_t)l.n;
    rep->cases = xcalloc(l.n < limit ? l.n + 1 : limit, sizeof *rep->cases);
    for (size_t i = 0; i < l.n && rep->n_cases < limit; i++) {
        Carerhub__CaseRecord *c = router_get_case(r, txn, l.items[i].id);
        /* The table is written with the case: one gone is a store changed
         * by hand, and is not shown as if open. */
        if (c && !c->closed && c->provider && strcmp(c->provider, provider) == 0)
            rep->cases[rep->n_cases++] = s_summary(r, txn, c, &l.items[i], now);
        if (c)
            carerhub__case_record__free_unpacked(c, NULL);
    }
    free(l.items);
    return rep;
}

/* --- one case ------------------------------------------------------------ */

static bool s_is(const char *s, const char *what)
{
    return s && strcmp(s, what) == 0;
}

/* Event ev of a case's timeline as provider sees it. Of an event at
 * another organisation, or at none it names (whose words they are is not
 * known, so they are not provider's): no note, and a reason only where it
 * is a code (closed, cancelled, transferred) or the words the case was
 * passed to provider with (as the transfer carried them). */
static void s_for_org(Carerhub__TimelineEvent *ev, const char *provider)
{
    bool to_us = s_is(ev->to, provider);
    if (s_is(ev->provider, provider))
        return;
    if (s_is(ev->event, "transferred") && to_us)
        return; /* its note is the passing words: Case.transfer_reason */
    free(ev->note);
    ev->note = NULL;
    if (s_is(ev->event, "closed") || s_is(ev->event, "cancelled") ||
        s_is(ev->event, "transferred") ||
        ((s_is(ev->event, "not_ours") || s_is(ev->event, "assign")) && to_us))
        return;
    free(ev->reason);
    ev->reason = NULL;
}

/* What case c's organisation may record next (outcome.h), assign apart:
 * into next (static text), their count returned; *assign whether it may
 * assign the case (it is triage). */
static size_t s_next(router_t *r, const Carerhub__CaseRecord *c, char *next[OUTCOME_N],
                     bool *assign)
{
    int triage = route_triage(r->rt);
    const char *tid = triage >= 0 ? route_provider_id(r->rt, triage) : NULL;
    char why[300];
    size_t n = 0;
    for (int st = 0; st < OUTCOME_N; st++)
        if (st != OUTCOME_ASSIGN &&
            outcome_step_ok(c->state, (outcome_status_t)st, why, sizeof why))
            next[n++] = (char *)outcome_status_name((outcome_status_t)st);
    *assign =
        tid && s_is(c->provider, tid) && outcome_step_ok(c->state, OUTCOME_ASSIGN, why, sizeof why);
    return n;
}

/* What a view reads and builds: freed by s_view_free. */
typedef struct {
    Carerhub__CaseRecord *c;
    Carerhub__ReferralRecord **recs; /* c->n_referral_ids of them (NULL: missing) */
    Carerhub__Referral **refs;       /* those not cancelled, oldest first (borrowed) */
    size_t nrefs;
    Carerhub__TimelineEvent **evs;
    size_t nevs;
} s_view_t;

static void s_view_free(s_view_t *v)
{
    for (size_t i = 0; v->recs && i < v->c->n_referral_ids; i++)
        if (v->recs[i])
            carerhub__referral_record__free_unpacked(v->recs[i], NULL);
    free(v->recs);
    free(v->refs);
    router_timeline_free(v->evs, v->nevs);
    if (v->c)
        carerhub__case_record__free_unpacked(v->c, NULL);
}

static void s_referrals(router_t *r, MDB_txn *txn, s_view_t *v)
{
    size_t n = v->c->n_referral_ids;
    v->recs = xcalloc(n + 1, sizeof *v->recs);
    v->refs = xcalloc(n + 1, sizeof *v->refs);
    for (size_t i = 0; i < n; i++) {
        v->recs[i] = router_get_referral(r, txn, v->c->referral_ids[i]);
        if (v->recs[i] && v->recs[i]->referral && !v->recs[i]->cancellation) {
            router_referral_for_org(v->recs[i]->referral);
            v->refs[v->nrefs++] = v->recs[i]->referral;
        }
    }
}

static size_t s_varint_len(uint64_t v)
{
    size_t n = 1;
    for (; v >= 0x80; v >>= 7)
        n++;
    return n;
}

/* What one value of message field `name` of d takes when packed: its tag,
 * its length and its body of `body` bytes. */
static size_t s_field_len(const ProtobufCMessageDescriptor *d, const char *name, size_t body)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    CH_ASSERT(f != NULL);
    return s_varint_len((uint64_t)f->id << 3) + s_varint_len(body) + body;
}

/* Keeps rep within S_REPLY_MAX: fewer of the oldest referrals (one
 * stays), then fewer of the oldest timeline events. The reply is sized
 * once, and each item dropped takes off what it took (repacking the reply
 * per item would take time growing with the square of a long case). */
static void s_fit(Carerhub__CaseReply *rep)
{
    const ProtobufCMessageDescriptor *cd = &carerhub__case__descriptor,
                                     *rd = &carerhub__case_reply__descriptor;
    Carerhub__Case *c = rep->case_;
    size_t casesz = carerhub__case__get_packed_size(c);
    size_t rest = carerhub__case_reply__get_packed_size(rep) - s_field_len(rd, "case", casesz);
    while (rest + s_field_len(rd, "case", casesz) > S_REPLY_MAX) {
        if (c->n_referrals > 1) {
            casesz -=
                s_field_len(cd, "referrals", carerhub__referral__get_packed_size(c->referrals[0]));
            c->referrals++;
            c->n_referrals--;
        } else if (rep->n_timeline > 0) {
            rest -= s_field_len(rd, "timeline",
                                carerhub__timeline_event__get_packed_size(rep->timeline[0]));
            rep->timeline++;
            rep->n_timeline--;
        } else {
            break; /* one referral alone fits any message an intake took */
        }
    }
    CH_ASSERT(carerhub__case_reply__get_packed_size(rep) == rest + s_field_len(rd, "case", casesz));
}

/* A new copy of rep, owning all it points to. */
static Carerhub__CaseReply *s_copy(const Carerhub__CaseReply *rep)
{
    size_t n = carerhub__case_reply__get_packed_size(rep);
    uint8_t *buf = xmalloc(n ? n : 1);
    Carerhub__CaseReply *out;
    carerhub__case_reply__pack(rep, buf);
    out = carerhub__case_reply__unpack(NULL, n, buf);
    free(buf);
    CH_ASSERT(out != NULL); /* what was just packed unpacks */
    return out;
}

Carerhub__CaseReply *router_case_view(router_t *r, MDB_txn *txn, const char *provider,
                                      const char *case_id, int64_t now)
{
    Carerhub__CaseReply rep = CARERHUB__CASE_REPLY__INIT, *out;
    Carerhub__Case snap = CARERHUB__CASE__INIT;
    s_view_t v = {NULL, NULL, NULL, 0, NULL, 0};
    char *next[OUTCOME_N];
    const Carerhub__CaseRecord *c;
    bool assign;

    v.c = case_id && case_id_ok(case_id) ? router_get_case(r, txn, case_id) : NULL;
    if (!v.c || (provider && !s_is(v.c->provider, provider))) {
        s_view_free(&v);
        return NULL;
    }
    c = v.c;
    router_case_snapshot(c, now, &snap);
    /* Its last change, not this moment: a view is not a new version. */
    snap.has_updated_at = c->has_updated_at;
    snap.updated_at = c->updated_at;
    if (c->transferred_from) {
        /* How it came to the organisation it is with, as its transfer said. */
        snap.transferred_from = c->transferred_from;
        snap.transferred_from_name = c->transferred_from_name;
        snap.transferred_to = c->provider;
        snap.transferred_to_name = c->provider_name;
        snap.transfer_why = c->transfer_why;
        snap.transfer_reason = c->transfer_reason;
    }
    s_referrals(r, txn, &v);
    snap.referrals = v.refs;
    snap.n_referrals = v.nrefs;
    snap.has_referrals_total = true;
    snap.referrals_total = (uint32_t)v.nrefs;
    v.nevs = router_timeline(r, txn, c->case_id, false, ROUTER_TIMELINE_MAX, &v.evs);
    for (size_t i = 0; provider && i < v.nevs; i++)
        s_for_org(v.evs[i], provider);
    rep.case_ = &snap;
    rep.state = (char *)(c->state && *c->state ? c->state : OUTCOME_DELIVERED);
    rep.has_state_at = c->has_state_at;
    rep.state_at = c->state_at;
    rep.n_support = c->n_support;
    rep.support = c->support;
    rep.timeline = v.evs;
    rep.n_timeline = v.nevs;
    rep.n_next = s_next(r, c, next, &assign);
    rep.next = next;
    rep.has_can_assign = true;
    rep.can_assign = assign;
    s_fit(&rep);
    out = s_copy(&rep);
    s_view_free(&v);
    return out;
}
