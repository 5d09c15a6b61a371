/*
 * The operator's queues (QueuesQuery): for each organisation, the
 * deliveries waiting in its outbox (queued, not yet acknowledged by its
 * agent), when the oldest was queued and its case, whether its agent is
 * connected now and when it last spoke, and how many open cases it has.
 * Every provider of the routing is listed, in the routing's order, then
 * any other that still has deliveries waiting (one taken out of
 * routing.yaml with cases queued for it). Ids and counts only. See
 * router.h.
 */
#include "router.h"

#include "util/be64.h"
#include "util/clock.h"
#include "util/mem.h"
#include "util/smap.h"

#include <stdlib.h>
#include <string.h>

/* Deliveries counted per organisation: past this the count stands at it
 * (and the outbox walk moves on to the next organisation's keys). */
#define S_WAITING_MAX 1000000
typedef struct {
    Carerhub__QueuesReply *rep;
    smap_t *index; /* provider id -> its queue's number */
} s_queues_t;

static Carerhub__Queue *s_queue(s_queues_t *s, const char *id, const char *name)
{
    Carerhub__Queue *q;
    uint64_t i;
    if (smap_get(s->index, id, &i))
        return s->rep->queues[i];
    q = xmalloc(sizeof *q);
    carerhub__queue__init(q);
    q->provider = xstrdup(id);
    q->provider_name = name ? xstrdup(name) : NULL;
    q->has_waiting = q->has_connected = q->has_last_seen = q->has_open_cases = true;
    s->rep->queues = xrealloc(s->rep->queues, (s->rep->n_queues + 1) * sizeof *s->rep->queues);
    smap_put(s->index, id, s->rep->n_queues);
    s->rep->queues[s->rep->n_queues++] = q;
    return q;
}

/* One organisation's outbox from the cursor's entry k (its first): the
 * count, and the oldest (lowest sequence) entry's time and case. Leaves
 * the cursor past its keys; returns the last cursor result. */
static int s_outbox_one(MDB_cursor *cur, MDB_val *k, MDB_val *v, Carerhub__Queue *q)
{
    size_t plen = strlen(q->provider) + 1;
    uint8_t next[64];
    Carerhub__OutboxEntry *e = carerhub__outbox_entry__unpack(NULL, v->mv_size, v->mv_data);
    int rc = 0;
    if (e) {
        q->has_oldest_at = e->has_queued_at;
        q->oldest_at = e->queued_at;
        q->oldest_case = e->case_id ? xstrdup(e->case_id) : NULL;
        carerhub__outbox_entry__free_unpacked(e, NULL);
    }
    while (rc == 0 && k->mv_size == plen + 8 && memcmp(k->mv_data, q->provider, plen) == 0) {
        if (++q->waiting == S_WAITING_MAX)
            break;
        rc = mdb_cursor_get(cur, k, v, MDB_NEXT);
    }
    if (rc != 0 || q->waiting < S_WAITING_MAX)
        return rc;
    /* The first key after every key of this provider: its id, then 0x01. */
    memcpy(next, q->provider, plen - 1);
    next[plen - 1] = 0x01;
    k->mv_size = plen;
    k->mv_data = next;
    return mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
}

static void s_outboxes(router_t *r, MDB_txn *txn, s_queues_t *s)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc;
    if (mdb_cursor_open(txn, store_dbi(r->store, DB_OUTBOX), &cur) != 0)
        return;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        const char *key = k.mv_data;
        const char *nul = k.mv_size > 9 ? memchr(key, '\0', k.mv_size - 8) : NULL;
        char id[40];
        size_t n = nul ? (size_t)(nul - key) : 0;
        if (n == 0 || n >= sizeof id || k.mv_size != n + 9) {
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT); /* not an entry we write */
            continue;
        }
        memcpy(id, key, n);
        id[n] = '\0';
        rc = s_outbox_one(cur, &k, &v, s_queue(s, id, NULL));
    }
    mdb_cursor_close(cur);
}

/* Each listed organisation's agent, as the delivery socket knows it. */
static void s_agents(router_t *r, s_queues_t *s)
{
    int64_t mono = clock_mono_ms(), now = clock_now_ms();
    for (size_t i = 0; i < r->nagents; i++) {
        const agent_t *a = &r->agents[i];
        uint64_t j;
        Carerhub__Queue *q;
        if (!smap_get(s->index, a->provider, &j))
            continue;
        q = s->rep->queues[j];
        q->connected = a->connected;
        if (a->last_seen > 0)
            q->last_seen = now - (mono - a->last_seen);
    }
}

/* The open cases of each organisation: the by_provider index counts them. */
static void s_open_cases(router_t *r, MDB_txn *txn, s_queues_t *s)
{
    for (size_t i = 0; i < s->rep->n_queues; i++)
        s->rep->queues[i]->open_cases = router_inbox_count(r, txn, s->rep->queues[i]->provider);
}

Carerhub__QueuesReply *router_queues(router_t *r, MDB_txn *txn)
{
    s_queues_t s;
    s.rep = xmalloc(sizeof *s.rep);
    carerhub__queues_reply__init(s.rep);
    s.index = smap_new();
    for (size_t i = 0; i < route_provider_count(r->rt); i++)
        s_queue(&s, route_provider_id(r->rt, (int)i), route_provider_name(r->rt, (int)i));
    s_outboxes(r, txn, &s);
    s_agents(r, &s);
    s_open_cases(r, txn, &s);
    smap_destroy(&s.index);
    return s.rep;
}
