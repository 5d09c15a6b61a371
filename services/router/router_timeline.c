/*
 * A case's timeline: every outcome its organisations reported, every move
 * and every cancellation, in the order the hub recorded them. Key: case
 * id, US, entry number (4 bytes, big-endian), so one cursor range reads a
 * case's whole life. See router.h.
 */
#include "router.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

/* Moves string src into dst, leaving src NULL. */
#define S_MOVE(dst, src)                                                                           \
    do {                                                                                           \
        (dst) = (src);                                                                             \
        (src) = NULL;                                                                              \
    } while (0)

/* The key of entry n of case id (id, US, 4 bytes); returns its length. */
static size_t s_key(const char *id, uint32_t n, uint8_t *out, size_t outsz)
{
    size_t len = strlen(id);
    if (len + 5 > outsz)
        len = outsz - 5;
    memcpy(out, id, len);
    out[len] = 0x1f;
    out[len + 1] = (uint8_t)(n >> 24);
    out[len + 2] = (uint8_t)(n >> 16);
    out[len + 3] = (uint8_t)(n >> 8);
    out[len + 4] = (uint8_t)n;
    return len + 5;
}

int router_timeline_add(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c,
                        const Carerhub__TimelineEvent *ev, const char *actor,
                        const char *outcome_id)
{
    Carerhub__TimelineRecord rec = CARERHUB__TIMELINE_RECORD__INIT;
    Carerhub__TimelineEvent e = *ev;
    uint8_t key[CASE_ID_MAX + 8];
    size_t klen = s_key(c->case_id, c->timeline_next, key, sizeof key);
    int rc;

    if (!e.has_recorded_at) {
        e.has_recorded_at = true;
        e.recorded_at = clock_now_ms();
    }
    rec.event = &e;
    rec.actor = (char *)actor;
    rec.outcome_id = (char *)outcome_id;
    if ((rc = router_put(r, txn, DB_TIMELINE, key, klen, &rec.base)) == 0) {
        c->has_timeline_next = true;
        c->timeline_next++;
    }
    return rc;
}

/* ev as a referrer may see it: what happened, when (and when the hub
 * recorded it), at which organisation and where the case went; for a
 * cancellation, which referral (the status query keeps only the
 * referrer's own). Nothing else: a reason is the carer's (bereaved,
 * moved, a passing organisation's words), and so are the note and the
 * kinds of support. Frees ev. */
static Carerhub__TimelineEvent *s_for_referrer(Carerhub__TimelineEvent *ev)
{
    Carerhub__TimelineEvent *out = xmalloc(sizeof *out);
    carerhub__timeline_event__init(out);
    out->has_at = ev->has_at;
    out->at = ev->at;
    out->has_recorded_at = ev->has_recorded_at;
    out->recorded_at = ev->recorded_at;
    S_MOVE(out->event, ev->event);
    S_MOVE(out->provider, ev->provider);
    S_MOVE(out->provider_name, ev->provider_name);
    S_MOVE(out->to, ev->to);
    S_MOVE(out->to_name, ev->to_name);
    if (out->event && strcmp(out->event, "cancelled") == 0)
        S_MOVE(out->referral_id, ev->referral_id);
    carerhub__timeline_event__free_unpacked(ev, NULL);
    return out;
}

size_t router_timeline(router_t *r, MDB_txn *txn, const char *case_id, bool for_referrer,
                       size_t max, Carerhub__TimelineEvent ***out)
{
    Carerhub__CaseRecord *c = router_get_case(r, txn, case_id);
    uint32_t total = c && c->has_timeline_next ? c->timeline_next : 0;
    uint32_t from = total > max ? total - (uint32_t)max : 0;
    Carerhub__TimelineEvent **evs = xcalloc(total - from + 1, sizeof *evs);
    uint8_t key[CASE_ID_MAX + 8];
    size_t n = 0;

    for (uint32_t i = from; i < total; i++) {
        MDB_val k = {s_key(case_id, i, key, sizeof key), key}, v;
        Carerhub__TimelineRecord *rec;
        if (mdb_get(txn, store_dbi(r->store, DB_TIMELINE), &k, &v) != 0 ||
            !(rec = carerhub__timeline_record__unpack(NULL, v.mv_size, v.mv_data)))
            continue;
        if (rec->event) {
            evs[n++] = for_referrer ? s_for_referrer(rec->event) : rec->event;
            rec->event = NULL;
        }
        carerhub__timeline_record__free_unpacked(rec, NULL);
    }
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    *out = evs;
    return n;
}

int router_timeline_waiting(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                            int64_t *since, int64_t *moved)
{
    uint8_t key[CASE_ID_MAX + 8];
    *since = INT64_MIN;
    *moved = 0;
    for (uint32_t i = c->has_timeline_next ? c->timeline_next : 0; i-- > 0;) {
        MDB_val k = {s_key(c->case_id, i, key, sizeof key), key}, v;
        Carerhub__TimelineRecord *rec;
        const Carerhub__TimelineEvent *ev;
        bool contact = false;
        int rc = mdb_get(txn, store_dbi(r->store, DB_TIMELINE), &k, &v);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc != 0)
            return rc;
        if (!(rec = carerhub__timeline_record__unpack(NULL, v.mv_size, v.mv_data)))
            continue;
        if ((ev = rec->event) != NULL && ev->event) {
            int st = outcome_status_parse(ev->event);
            if (st >= 0 && outcome_is_contact((outcome_status_t)st)) {
                /* As router_contact_made saw it: a referral routed after
                 * the outcome's time, or after it was recorded, waits. */
                contact = true;
                *since = ev->has_at ? ev->at : INT64_MIN;
                if (ev->has_recorded_at && ev->recorded_at < *since)
                    *since = ev->recorded_at;
            } else if (strcmp(ev->event, "transferred") == 0 && ev->reason &&
                       (strcmp(ev->reason, "not_ours") == 0 ||
                        strcmp(ev->reason, "assigned") == 0)) {
                *moved = ev->has_at ? ev->at : 0; /* the earliest since contact, at the end */
            }
        }
        carerhub__timeline_record__free_unpacked(rec, NULL);
        if (contact)
            break;
    }
    return 0;
}

void router_timeline_free(Carerhub__TimelineEvent **evs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        carerhub__timeline_event__free_unpacked(evs[i], NULL);
    free(evs);
}
