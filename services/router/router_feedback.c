/*
 * A referrer's view of its referrals: the by_referrer index (source, US,
 * organisation, US, received_at as 8 bytes big-endian, US, referral id), so
 * that one cursor range per organisation of a key's scope reads its
 * referrals in the order received, or walked backwards newest first; where
 * each stands (router_progress); and the feedback query that lists them.
 * Nothing of the carer, the notes or the kinds of support leaves here. A
 * referral an operator rejected (router_parked.c) is listed too, as
 * rejected. See router.h; router_status.c is the status query, for a
 * referrer and for an operator.
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

#define S_US           0x1f
#define S_KEY_MAX      200  /* source 9, organisation 64, time 8, id 64, separators */
#define S_FEEDBACK_MAX 1000 /* items in one reply */

/* The prefix of an organisation's keys: source, US, organisation, US.
 * Returns its length, or 0 when it would not fit. */
static size_t s_prefix(const char *src, const char *org, uint8_t *out, size_t outsz)
{
    size_t ls = strlen(src), lo = strlen(org);
    if (ls + lo + 2 + 8 + 1 + REFERRAL_ID_MAX > outsz || lo > REFERRAL_ID_MAX)
        return 0;
    memcpy(out, src, ls);
    out[ls] = S_US;
    memcpy(out + ls + 1, org, lo);
    out[ls + 1 + lo] = S_US;
    return ls + lo + 2;
}

int router_referrer_index(router_t *r, MDB_txn *txn, const Carerhub__Referral *ref)
{
    const char *org = referral_org(ref), *src = referral_source_name(ref->source);
    uint8_t key[S_KEY_MAX];
    size_t n, idlen;
    MDB_val k, v = {0, (void *)""};

    if (!org || !*org || !*src || !ref->id || !ref->has_received_at ||
        (idlen = strlen(ref->id)) > REFERRAL_ID_MAX || !(n = s_prefix(src, org, key, sizeof key)))
        return 0; /* nothing to list it under: no referral the router takes */
    be64_put(ref->received_at > 0 ? (uint64_t)ref->received_at : 0, key + n);
    key[n + 8] = S_US;
    memcpy(key + n + 9, ref->id, idlen);
    k.mv_size = n + 9 + idlen;
    k.mv_data = key;
    return mdb_put(txn, store_dbi(r->store, DB_BY_REFERRER), &k, &v, 0);
}

/* --- building the index for an older store ------------------------------ */

/* One referral record of the store, indexed (router_build_once). */
static int s_index_one(router_t *r, MDB_txn *txn, const MDB_val *v)
{
    Carerhub__ReferralRecord *rec = carerhub__referral_record__unpack(NULL, v->mv_size, v->mv_data);
    int err = 0;
    if (!rec)
        return 0;
    if (rec->referral) {
        Carerhub__Referral ref = *rec->referral;
        /* Very old records may lack the intake's time: the router's will do. */
        if (!ref.has_received_at && rec->has_routed_at) {
            ref.has_received_at = true;
            ref.received_at = rec->routed_at;
        }
        err = router_referrer_index(r, txn, &ref);
    }
    carerhub__referral_record__free_unpacked(rec, NULL);
    return err ? -err : 1;
}

int router_referrer_index_build(router_t *r)
{
    static const router_build_t how = {"by_referrer", DB_REFERRALS, s_index_one,
                                       "referrals indexed by their referring organisation"};
    return router_build_once(r, &how);
}

/* --- where a referral stands -------------------------------------------- */

bool router_delivered_at(router_t *r, MDB_txn *txn, const Carerhub__ReferralRecord *rec,
                         int64_t *at)
{
    MDB_val k, v;
    if (rec->has_delivered_at) {
        *at = rec->delivered_at;
        return true;
    }
    if (!rec->referral || !rec->referral->id || strlen(rec->referral->id) > REFERRAL_ID_MAX)
        return false;
    k = store_val(rec->referral->id);
    if (mdb_get(txn, store_dbi(r->store, DB_DELIVERED), &k, &v) != 0 || v.mv_size != 8)
        return false;
    *at = (int64_t)be64_get(v.mv_data);
    return true;
}

const char *router_progress(router_t *r, MDB_txn *txn, const Carerhub__ReferralRecord *rec,
                            const Carerhub__CaseRecord *c, int64_t *at)
{
    const Carerhub__Referral *ref = rec->referral;
    int64_t delivered = 0;
    const char *p;

    /* The carer's data is gone: nothing more of the referral to tell. */
    if (rec->has_erased_at) {
        *at = rec->erased_at;
        return "erased";
    }
    if (rec->cancellation) {
        *at = rec->cancellation->at;
        return "cancelled";
    }
    if (!router_delivered_at(r, txn, rec, &delivered)) {
        *at = ref && ref->has_received_at ? ref->received_at : rec->routed_at;
        return "received";
    }
    if (c && c->closed) {
        *at = c->has_closed_at ? c->closed_at : c->has_state_at ? c->state_at : delivered;
        return "closed";
    }
    p = outcome_progress(c ? c->state : NULL);
    *at = strcmp(p, "delivered") != 0 && c && c->has_state_at ? c->state_at : delivered;
    return p;
}

/* --- the feedback query ------------------------------------------------- */

/* The source a referrer's key submits (its role's), or SOURCE_UNKNOWN. */
static Carerhub__Source s_source_of(const participant_t *who)
{
    const Carerhub__Source all[] = {CARERHUB__SOURCE__GP, CARERHUB__SOURCE__DISCHARGE,
                                    CARERHUB__SOURCE__SCHOOL, CARERHUB__SOURCE__PROFESSIONAL};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        role_t want;
        if (referral_submitter_role(all[i], &want) == 0 && who->role == want)
            return all[i];
    }
    return CARERHUB__SOURCE__SOURCE_UNKNOWN;
}

/* One organisation's cursor, at its next referral: the next one received
 * (step MDB_NEXT) or, newest first, the one received before (MDB_PREV),
 * never one received before floor (`since`). */
typedef struct {
    MDB_cursor *cur;
    MDB_cursor_op step;
    uint8_t prefix[S_KEY_MAX];
    size_t plen;
    bool live;
    int64_t at, floor;
    char id[REFERRAL_ID_MAX + 1];
} s_org_t;

/* Reads the entry under the cursor (rc of the last move) into o. */
static void s_org_read(s_org_t *o, int rc, const MDB_val *k)
{
    size_t idlen;
    o->live = rc == 0 && k->mv_size > o->plen + 9 && memcmp(k->mv_data, o->prefix, o->plen) == 0;
    if (!o->live)
        return;
    idlen = k->mv_size - o->plen - 9;
    if (idlen > REFERRAL_ID_MAX) {
        o->live = false;
        return;
    }
    o->at = (int64_t)be64_get((const uint8_t *)k->mv_data + o->plen);
    memcpy(o->id, (const uint8_t *)k->mv_data + o->plen + 9, idlen);
    o->id[idlen] = '\0';
    o->live = o->at >= o->floor;
}

static void s_org_next(s_org_t *o)
{
    MDB_val k, v;
    s_org_read(o, mdb_cursor_get(o->cur, &k, &v, o->step), &k);
}

/* Whether (at, id) comes before (bat, bid) in the order received. */
static bool s_before(int64_t at, const char *id, int64_t bat, const char *bid)
{
    return at < bat || (at == bat && strcmp(id, bid) < 0);
}

/* The item of a referral an operator rejected (router_parked.c), or NULL
 * if there is none of who's. */
static Carerhub__FeedbackItem *s_rejected_item(router_t *r, MDB_txn *txn, const participant_t *who,
                                               const char *id)
{
    Carerhub__ParkedEntry *p = router_rejected(r, txn, id);
    const Carerhub__Referral *ref = p ? p->referral : NULL;
    Carerhub__FeedbackItem *it = NULL;
    if (ref && referral_is_referrers(who, ref)) {
        it = xmalloc(sizeof *it);
        carerhub__feedback_item__init(it);
        it->referral_id = xstrdup(id);
        it->referral_date = ref->referral_date ? xstrdup(ref->referral_date) : NULL;
        it->has_received_at = ref->has_received_at;
        it->received_at = ref->received_at;
        it->has_source = true;
        it->source = ref->source;
        it->organisation = xstrdup(referral_org(ref));
        it->state = xstrdup("rejected");
        it->has_updated_at = true;
        it->updated_at = p->at;
    }
    if (p)
        carerhub__parked_entry__free_unpacked(p, NULL);
    return it;
}

/* When referral id of who's was received (*at), whether taken or
 * rejected; false if it is not one of who's. */
static bool s_received(router_t *r, MDB_txn *txn, const participant_t *who, const char *id,
                       int64_t *at)
{
    Carerhub__ReferralRecord *rec = router_get_referral(r, txn, id);
    Carerhub__ParkedEntry *p = rec ? NULL : router_rejected(r, txn, id);
    const Carerhub__Referral *ref = rec ? rec->referral : p ? p->referral : NULL;
    bool ok = ref && referral_is_referrers(who, ref) && ref->has_received_at;
    *at = ok ? ref->received_at : 0;
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    if (p)
        carerhub__parked_entry__free_unpacked(p, NULL);
    return ok;
}

/* Whether o's referral is listed before next's: the older, or newest
 * first the newer. */
static bool s_listed_before(const s_org_t *o, const s_org_t *next, bool newest)
{
    return newest ? s_before(next->at, next->id, o->at, o->id)
                  : s_before(o->at, o->id, next->at, next->id);
}

/* A new item of the feedback for referral id, or NULL if it is not
 * readable (or not who's). */
static Carerhub__FeedbackItem *s_item(router_t *r, MDB_txn *txn, const participant_t *who,
                                      const char *id)
{
    Carerhub__ReferralRecord *rec = router_get_referral(r, txn, id);
    Carerhub__CaseRecord *c;
    Carerhub__FeedbackItem *it;
    const Carerhub__Referral *ref;
    int64_t at = 0;

    if (!rec)
        return s_rejected_item(r, txn, who, id);
    if (!referral_is_referrers(who, rec->referral)) {
        carerhub__referral_record__free_unpacked(rec, NULL);
        return NULL;
    }
    ref = rec->referral;
    c = rec->case_id ? router_get_case(r, txn, rec->case_id) : NULL;
    it = xmalloc(sizeof *it);
    carerhub__feedback_item__init(it);
    it->referral_id = xstrdup(id);
    it->referral_date = ref->referral_date ? xstrdup(ref->referral_date) : NULL;
    it->has_received_at = ref->has_received_at;
    it->received_at = ref->received_at;
    it->has_source = true;
    it->source = ref->source;
    it->organisation = xstrdup(referral_org(ref));
    it->case_id = rec->case_id ? xstrdup(rec->case_id) : NULL;
    {
        const char *p = c && c->provider ? c->provider : rec->provider;
        const char *pn = c && c->provider ? c->provider_name : NULL;
        it->provider = p ? xstrdup(p) : NULL;
        it->provider_name = pn ? xstrdup(pn) : NULL;
    }
    it->state = xstrdup(router_progress(r, txn, rec, c, &at));
    it->has_updated_at = true;
    it->updated_at = at;
    if (ref->source == CARERHUB__SOURCE__GP) {
        it->has_code_on_gp_record = true;
        it->code_on_gp_record = ref->gp && ref->gp->record_carer_on_gp_record && !rec->cancellation;
    }
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    carerhub__referral_record__free_unpacked(rec, NULL);
    return it;
}

/* Puts o's cursor at its first referral: the first received at or after
 * from; newest first, the newest received before (from, upto) or, when
 * upto is NULL, the newest of all. */
static void s_org_start(s_org_t *o, int64_t from, const char *upto)
{
    MDB_val k, v;
    size_t n = o->plen + 8;
    int rc;
    be64_put(o->step == MDB_PREV && !upto ? UINT64_MAX
             : from > 0                   ? (uint64_t)from
                                          : 0,
             o->prefix + o->plen);
    if (upto) {
        o->prefix[n++] = S_US;
        memcpy(o->prefix + n, upto, strlen(upto));
        n += strlen(upto);
    }
    k.mv_size = n;
    k.mv_data = o->prefix;
    rc = mdb_cursor_get(o->cur, &k, &v, MDB_SET_RANGE);
    if (o->step == MDB_PREV)
        /* The key before the first one at or after the position; with none
         * after it (the end of the table), the last. */
        rc = mdb_cursor_get(o->cur, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
    s_org_read(o, rc, &k);
}

/* Opens a cursor per organisation of who's scope (each once), at its first
 * referral to list (s_org_start), none received before since. Returns how
 * many. */
static size_t s_orgs_open(router_t *r, MDB_txn *txn, const participant_t *who, bool newest,
                          int64_t since, int64_t from, const char *upto, s_org_t *orgs)
{
    const char *src = referral_source_name(s_source_of(who));
    size_t n = 0;
    for (size_t i = 0; i < who->nscopes; i++) {
        s_org_t *o = &orgs[n];
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(who->scopes[j], who->scopes[i]) == 0;
        if (seen || !(o->plen = s_prefix(src, who->scopes[i], o->prefix, sizeof o->prefix)) ||
            mdb_cursor_open(txn, store_dbi(r->store, DB_BY_REFERRER), &o->cur) != 0)
            continue;
        o->step = newest ? MDB_PREV : MDB_NEXT;
        o->floor = since;
        s_org_start(o, from, upto);
        n++;
    }
    return n;
}

Carerhub__FeedbackReply *router_feedback(router_t *r, MDB_txn *txn, const participant_t *who,
                                         const Carerhub__FeedbackQuery *q, char *msg, size_t msgsz)
{
    Carerhub__FeedbackReply *rep;
    s_org_t *orgs;
    size_t norgs, limit = q->has_limit && q->limit > 0 && q->limit < S_FEEDBACK_MAX
                              ? q->limit
                              : S_FEEDBACK_MAX;
    int64_t since = 0, after_at = 0;
    const char *after = q->after && *q->after ? q->after : NULL;
    bool newest = q->has_newest_first && q->newest_first;
    date_t day;

    if (!who || !role_is_referrer(who->role)) {
        snprintf(msg, msgsz, "feedback is for a referrer's key (gp, hospital or school)");
        return NULL;
    }
    if (q->since && *q->since &&
        (date_parse(q->since, &day) < 0 || date_time_parse(q->since, &since) < 0)) {
        snprintf(msg, msgsz, "since: %.40s is not a date: write it YYYY-MM-DD", q->since);
        return NULL;
    }
    if (after && (strlen(after) > REFERRAL_ID_MAX || !s_received(r, txn, who, after, &after_at))) {
        snprintf(msg, msgsz, "after: %.64s is not one of your referrals", after);
        return NULL;
    }
    orgs = xcalloc(who->nscopes ? who->nscopes : 1, sizeof *orgs);
    if (newest)
        norgs = s_orgs_open(r, txn, who, true, since, after_at, after, orgs);
    else
        norgs =
            s_orgs_open(r, txn, who, false, since, after_at > since ? after_at : since, NULL, orgs);
    rep = xmalloc(sizeof *rep);
    carerhub__feedback_reply__init(rep);
    rep->items = xcalloc(limit, sizeof *rep->items);
    for (;;) {
        s_org_t *next = NULL;
        Carerhub__FeedbackItem *it;
        for (size_t i = 0; i < norgs; i++) {
            s_org_t *o = &orgs[i];
            /* Those up to `after` were listed before (newest first: those
             * from `after` on). */
            while (o->live && after &&
                   (newest ? !s_before(o->at, o->id, after_at, after)
                           : !s_before(after_at, after, o->at, o->id)))
                s_org_next(o);
            if (o->live && (!next || s_listed_before(o, next, newest)))
                next = o;
        }
        if (!next)
            break;
        if (rep->n_items == limit) {
            rep->has_more = rep->more = true;
            break;
        }
        if ((it = s_item(r, txn, who, next->id)) != NULL)
            rep->items[rep->n_items++] = it;
        s_org_next(next);
    }
    for (size_t i = 0; i < norgs; i++)
        mdb_cursor_close(orgs[i].cur);
    free(orgs);
    return rep;
}
