/*
 * Delivering cases to provider agents. An agent says Hello with its
 * provider and how many deliveries it takes ahead (its window); the router
 * sends from that provider's outbox, oldest first, never more than the
 * window unacknowledged. Acknowledgements are committed in one transaction
 * per pass (outbox entry deleted, referral marked delivered, audit record).
 * What is not acknowledged in time, or was in flight to an agent that went
 * quiet or reconnected, is sent again; agents are idempotent. Building
 * and sending each delivery is router_send.c.
 */
#include "router.h"

#include "util/be64.h"
#include "domain/referral.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <zmq.h>

#define S_IDS_PER_PASS     200000
#define S_REPORTS_PER_PASS 20 /* outcome reports: a commit each */

static agent_t *s_agent(router_t *r, const char *provider, bool create)
{
    for (size_t i = 0; i < r->nagents; i++)
        if (strcmp(r->agents[i].provider, provider) == 0)
            return &r->agents[i];
    if (!create || r->nagents == ROUTER_MAX_AGENTS)
        return NULL;
    memset(&r->agents[r->nagents], 0, sizeof r->agents[0]);
    snprintf(r->agents[r->nagents].provider, sizeof r->agents[0].provider, "%s", provider);
    r->agents[r->nagents].pending = smap_new();
    return &r->agents[r->nagents++];
}

static void s_rewind(agent_t *a)
{
    a->head = a->tail = 0;
    a->inflight = 0;
    smap_destroy(&a->pending);
    a->pending = smap_new();
    a->next_seq = 0;
    a->drained = false;
}

void router_agent_forget(agent_t *a)
{
    s_rewind(a);
}

void router_agent_rewind(router_t *r, const char *provider)
{
    agent_t *a = s_agent(r, provider, false);
    if (a)
        s_rewind(a);
}

static const char *s_seqkey(uint64_t seq, char out[24])
{
    snprintf(out, 24, "%llu", (unsigned long long)seq);
    return out;
}

static void s_push(agent_t *a, uint64_t seq, int64_t now)
{
    char key[24];
    if (a->tail == a->cap) {
        /* Compact, then grow if still full. */
        size_t n = a->tail - a->head;
        if (n > 0 && a->head > 0) {
            memmove(a->seqs, a->seqs + a->head, n * sizeof *a->seqs);
            memmove(a->sent_at, a->sent_at + a->head, n * sizeof *a->sent_at);
        }
        a->head = 0;
        a->tail = n;
        if (a->tail == a->cap) {
            size_t cap = a->cap;
            a->seqs = xgrow(a->seqs, &cap, a->cap + 1, sizeof *a->seqs);
            a->sent_at = xrealloc(a->sent_at, cap * sizeof *a->sent_at);
            a->cap = cap;
        }
    }
    a->seqs[a->tail] = seq;
    a->sent_at[a->tail++] = now;
    a->inflight++;
    smap_put(a->pending, s_seqkey(seq, key), 1);
}

void router_agent_sent(agent_t *a, uint64_t seq, int64_t now)
{
    s_push(a, seq, now);
}

static bool s_in_flight(const agent_t *a, uint64_t seq)
{
    char key[24];
    uint64_t one;
    return smap_get(a->pending, s_seqkey(seq, key), &one);
}

/* Marks seq acknowledged; returns true if it was in flight. */
static bool s_acked(agent_t *a, uint64_t seq)
{
    char key[24];
    if (!smap_del(a->pending, s_seqkey(seq, key)))
        return false;
    a->inflight--;
    while (a->head < a->tail && !s_in_flight(a, a->seqs[a->head]))
        a->head++;
    return true;
}

static void s_refuse(router_t *r, const wire_peer_t *peer, const char *actor, const char *why)
{
    r->bad++;
    secure_refused(r->sec, "refused-message", actor, NULL, why);
    wire_send_error(r->delivery_sock, peer, NULL, "forbidden", why);
}

/* Where a connection comes from, for an operator looking for a second
 * agent: its address over TCP, its process on this machine over ipc. */
static void s_peer_where(const wire_peer_t *peer, char *out, size_t outsz)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    char addr[INET6_ADDRSTRLEN] = "";
    char id[24];

    if (peer->fd >= 0 && getpeername(peer->fd, (struct sockaddr *)&sa, &len) == 0) {
        if (sa.ss_family == AF_INET &&
            inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, addr, sizeof addr)) {
            snprintf(out, outsz, "%s", addr);
            return;
        }
        if (sa.ss_family == AF_INET6 &&
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, addr, sizeof addr)) {
            snprintf(out, outsz, "%s", addr);
            return;
        }
#ifdef SO_PEERCRED
        if (sa.ss_family == AF_UNIX) {
            struct ucred cred;
            socklen_t clen = sizeof cred;
            if (getsockopt(peer->fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
                snprintf(out, outsz, "process %ld on this machine", (long)cred.pid);
                return;
            }
        }
#endif
    }
    wire_peer_str(peer, id, sizeof id);
    snprintf(out, outsz, "connection %s", id);
}

/* Whether a's connection, other than the one saying hello, is still there:
 * a second agent for the provider is refused, but an agent restarted after
 * a crash (its old connection closed, or silent past agent_timeout_ms, see
 * router_deliver_timers) takes over. */
static bool s_other_agent_there(router_t *r, agent_t *a, const wire_peer_t *peer)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__Hello probe = CARERHUB__HELLO__INIT;
    if (!a->connected ||
        (a->peer.idlen == peer->idlen && memcmp(a->peer.id, peer->id, peer->idlen) == 0))
        return false;
    probe.provider = a->provider;
    env.body_case = CARERHUB__ENVELOPE__BODY_HELLO;
    env.hello = &probe;
    return !(wire_send(r->delivery_sock, &a->peer, &env, ZMQ_DONTWAIT) < 0 &&
             errno == EHOSTUNREACH);
}

/* Refuses a second agent for a's provider, logged and audited; the agent
 * stops on the code agent_connected (see carerhub-provider's exit 77). */
static void s_refuse_second(router_t *r, agent_t *a, const wire_peer_t *peer, const char *actor)
{
    char where[80], why[256];
    s_peer_where(&a->peer, where, sizeof where);
    snprintf(why, sizeof why,
             "an agent for %s is connected already from %s; one agent per organisation: "
             "stop one of them",
             a->provider, where);
    r->bad++;
    secure_refused(r->sec, "refused-connection", actor, NULL, why);
    wire_send_error(r->delivery_sock, peer, NULL, "agent_connected", why);
}

static void s_hello(router_t *r, const wire_peer_t *peer, const Carerhub__Hello *h)
{
    agent_t *a;
    const participant_t *who = secure_role(r->sec, peer, ROLE_PROVIDER);
    const char *provider;
    char actor[80], why[160];
    int64_t now = clock_mono_ms();

    secure_actor(r->sec, peer, actor, sizeof actor);
    if (!who) {
        s_refuse(r, peer, actor, "only a provider's key may receive cases");
        return;
    }
    /* The key decides whose cases these are, whatever the hello says. */
    provider = who->scopes[0];
    if (h->provider && strcmp(h->provider, provider) != 0) {
        snprintf(why, sizeof why, "asked for the cases of %.40s with the key of %s", h->provider,
                 provider);
        s_refuse(r, peer, actor, why);
        return;
    }
    if (!route_id_ok(provider)) {
        s_refuse(r, peer, actor, "invalid provider id");
        return;
    }
    a = s_agent(r, provider, true);
    if (!a) {
        log_error("too many providers; refused agent for %s", provider);
        return;
    }
    if (s_other_agent_there(r, a, peer)) {
        s_refuse_second(r, a, peer, actor);
        return;
    }
    if (!a->connected || a->peer.idlen != peer->idlen ||
        memcmp(a->peer.id, peer->id, peer->idlen) != 0) {
        /* A new connection: whatever was in flight to the old one may be
         * lost, so start again from the oldest unacknowledged. */
        log_info("agent for %s connected (window %u)", provider, h->credit);
        s_rewind(a);
        a->peer = *peer;
    }
    a->connected = true;
    a->last_seen = now;
    {
        /* Answer, so the agent knows the router is there. */
        Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
        Carerhub__Hello back = CARERHUB__HELLO__INIT;
        back.provider = a->provider;
        env.body_case = CARERHUB__ENVELOPE__BODY_HELLO;
        env.hello = &back;
        if (wire_send(r->delivery_sock, peer, &env, ZMQ_DONTWAIT) < 0 && errno == EHOSTUNREACH)
            a->connected = false;
    }
    a->window = h->has_credit && h->credit > 0 ? h->credit : 1;
    if (a->window > 100000)
        a->window = 100000;
}

typedef struct {
    router_t *r;
    agent_t **agents;
    uint64_t *seqs;
    size_t n;
    unsigned long done;
    smap_t *tally;
} s_acks_t;

/* Per acknowledgement: the outbox entry goes, the referral is marked
 * delivered (in its own small record, so the referral is not rewritten),
 * and the audit trail says so. */
static int s_ack_txn(MDB_txn *txn, void *arg)
{
    s_acks_t *a = arg;
    router_t *r = a->r;
    int64_t now = clock_now_ms();
    uint64_t audit0 = r->next_audit;
    uint8_t when[8];
    int rc = 0;

    a->done = 0;
    smap_destroy(&a->tally);
    a->tally = smap_new();
    be64_put((uint64_t)now, when);
    for (size_t i = 0; i < a->n; i++) {
        uint8_t key[64];
        MDB_val k, v;
        Carerhub__OutboxEntry *e;
        char stat[64];
        k.mv_size = router_outbox_key(a->agents[i]->provider, a->seqs[i], key, sizeof key);
        k.mv_data = key;
        if (mdb_get(txn, store_dbi(r->store, DB_OUTBOX), &k, &v) != 0)
            continue; /* acknowledged before */
        e = carerhub__outbox_entry__unpack(NULL, v.mv_size, v.mv_data);
        if ((rc = mdb_del(txn, store_dbi(r->store, DB_OUTBOX), &k, NULL)) != 0) {
            carerhub__outbox_entry__free_unpacked(e, NULL);
            break;
        }
        /* A cancellation's notice names its referral, but is not its
         * delivery: the referral keeps the time it was delivered. */
        if (e && e->referral_id && !(e->kind && strcmp(e->kind, "cancelled") == 0)) {
            MDB_val dk = store_val(e->referral_id), dv = {8, when};
            rc = mdb_put(txn, store_dbi(r->store, DB_DELIVERED), &dk, &dv, 0);
        }
        if (rc == 0)
            rc =
                router_audit(r, txn, "delivered", a->agents[i]->provider, e ? e->referral_id : NULL,
                             e ? e->case_id : NULL, a->agents[i]->provider, e ? e->kind : NULL);
        snprintf(stat, sizeof stat, "delivered/%s", a->agents[i]->provider);
        router_tally(a->tally, stat, 1);
        if (e)
            carerhub__outbox_entry__free_unpacked(e, NULL);
        if (rc)
            break;
        a->done++;
    }
    if (rc == 0)
        rc = router_tally_write(r, txn, a->tally);
    if (rc == 0)
        rc = router_put_meta(r, txn);
    if (rc)
        r->next_audit = audit0;
    return rc;
}

void router_deliver_open(router_t *r)
{
    int one = 1, hwm = 100000;
    r->delivery_sock = daemon_socket(ZMQ_ROUTER);
    /* Tell us when an agent is gone instead of dropping its deliveries. */
    zmq_setsockopt(r->delivery_sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(r->delivery_sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    secure_server(r->sec, r->delivery_sock, "router delivery socket");
    daemon_bind(r->delivery_sock, r->conf->router.delivery_endpoint);
}

void router_agents_free(router_t *r)
{
    for (size_t i = 0; i < r->nagents; i++) {
        free(r->agents[i].seqs);
        free(r->agents[i].sent_at);
        smap_destroy(&r->agents[i].pending);
    }
}

void router_agents_recheck(router_t *r)
{
    for (size_t i = 0; i < r->nagents; i++) {
        agent_t *a = &r->agents[i];
        const participant_t *who;
        char why[160];
        if (!a->connected)
            continue;
        who = secure_role(r->sec, &a->peer, ROLE_PROVIDER);
        if (who && strcmp(who->scopes[0], a->provider) == 0)
            continue;
        /* Nothing more goes to it; what it had not acknowledged goes to
         * the next agent the participants file admits. */
        a->connected = false;
        s_rewind(a);
        snprintf(why, sizeof why,
                 "agent for %s cut off: its key is no longer listed for that provider",
                 a->provider);
        log_warn("%s", why);
        who = secure_peer(r->sec, &a->peer);
        secure_audit(r->sec, "refused-connection", who ? who->id : "unlisted", NULL, why);
    }
}

void router_deliver_drain(router_t *r)
{
    agent_t **agents = NULL;
    uint64_t *seqs = NULL;
    size_t n = 0, cap = 0, msgs = 0, looked = 0, reports = 0;
    Carerhub__Envelope *env;
    wire_peer_t peer;
    wire_status_t st;

    /* Bounded per pass, in messages and in ids looked at, so that no agent
     * holds up the intakes, operators and other agents for long. */
    while (msgs++ < 1000 && looked < S_IDS_PER_PASS && reports < S_REPORTS_PER_PASS &&
           (st = wire_recv(r->delivery_sock, true, &peer, &env, ZMQ_DONTWAIT)) != WIRE_AGAIN &&
           st != WIRE_FAILED) {
        agent_t *a = NULL;
        if (st != WIRE_OK) {
            r->bad++;
            secure_refuse(r->sec, &peer, "router delivery socket", wire_status_str(st));
            continue;
        }
        for (size_t i = 0; i < r->nagents; i++)
            if (r->agents[i].connected && r->agents[i].peer.idlen == peer.idlen &&
                memcmp(r->agents[i].peer.id, peer.id, peer.idlen) == 0)
                a = &r->agents[i];
        if (env->body_case == CARERHUB__ENVELOPE__BODY_HELLO) {
            s_hello(r, &peer, env->hello);
        } else if (env->body_case == CARERHUB__ENVELOPE__BODY_OUTCOME_REPORT) {
            /* One transaction each: a few per pass. */
            reports++;
            if (a)
                a->last_seen = clock_mono_ms();
            router_outcome_answer(r, r->delivery_sock, &peer,
                                  secure_role(r->sec, &peer, ROLE_PROVIDER), env);
        } else if (env->body_case == CARERHUB__ENVELOPE__BODY_DELIVERY_ACK && a &&
                   env->delivery_ack->n_delivery_ids > a->window) {
            /* An agent never has more in flight than its window. */
            r->bad++;
            secure_refuse(r->sec, &peer, "router delivery socket",
                          "an acknowledgement of more deliveries than the agent's window");
        } else if (env->body_case == CARERHUB__ENVELOPE__BODY_DELIVERY_ACK && a) {
            Carerhub__DeliveryAck *ack = env->delivery_ack;
            a->last_seen = clock_mono_ms();
            looked += ack->n_delivery_ids;
            /* Only what is in flight to this agent is looked up in the store. */
            for (size_t i = 0; i < ack->n_delivery_ids; i++) {
                size_t c = cap;
                if (!s_in_flight(a, ack->delivery_ids[i]))
                    continue;
                agents = xgrow(agents, &c, n + 1, sizeof *agents);
                seqs = xgrow(seqs, &cap, n + 1, sizeof *seqs);
                agents[n] = a;
                seqs[n++] = ack->delivery_ids[i];
            }
        } else {
            r->bad++;
            secure_refuse(r->sec, &peer, "router delivery socket",
                          a ? "not a hello, an acknowledgement or an outcome report"
                            : "an acknowledgement from an agent that has not said hello");
        }
        carerhub__envelope__free_unpacked(env, NULL);
    }
    if (n > 0) {
        s_acks_t acks = {r, agents, seqs, n, 0, NULL};
        int rc = store_write(r->store, s_ack_txn, &acks);
        smap_destroy(&acks.tally);
        if (rc != 0) {
            log_error("cannot record %zu delivery acknowledgement(s): %s; they will be "
                      "delivered again",
                      n, store_strerror(rc));
        } else {
            for (size_t i = 0; i < n; i++)
                if (s_acked(agents[i], seqs[i]))
                    agents[i]->delivered++;
        }
    }
    free(agents);
    free(seqs);
}

void router_deliver_timers(router_t *r)
{
    int64_t now = clock_mono_ms();
    for (size_t i = 0; i < r->nagents; i++) {
        agent_t *a = &r->agents[i];
        if (!a->connected)
            continue;
        if (now - a->last_seen > r->conf->router.agent_timeout_ms) {
            log_info("agent for %s has been silent for %lld ms; treating it as gone", a->provider,
                     (long long)(now - a->last_seen));
            a->connected = false;
            s_rewind(a);
            continue;
        }
        if (a->inflight > 0 && now - a->sent_at[a->head] > r->conf->router.redeliver_ms) {
            log_warn("agent for %s has not acknowledged %zu delivery(ies) in %lld ms; "
                     "sending them again",
                     a->provider, a->inflight, (long long)r->conf->router.redeliver_ms);
            s_rewind(a);
        }
    }
}
