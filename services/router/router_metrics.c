/*
 * The router's metrics, for carerhub-web's /metrics (the Prometheus text
 * format; the web writes it): what the router has done since it started
 * and what stands now, per organisation where it is one organisation's.
 * Counted since the start, in memory: deliveries each organisation's agent
 * acknowledged (the agent's own count, kept across its reconnections) and
 * outcomes recorded, by the organisation that reported them and status,
 * each counted once its transaction has committed. Read from the store now:
 * each queue and its agent (router_queues), the parked referrals, the cases
 * past their contact-by target. Ids of organisations and counts only.
 */
#include "router.h"

#include "daemon/metrics.h"
#include "util/clock.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

void router_metrics_outcome(router_t *r, const char *provider, outcome_status_t st)
{
    router_outcomes_seen_t *o = NULL;
    if ((int)st < 0 || st >= OUTCOME_N || strlen(provider) >= sizeof o->provider)
        return;
    for (size_t i = 0; i < r->noutcomes_seen && !o; i++)
        if (strcmp(r->outcomes_seen[i].provider, provider) == 0)
            o = &r->outcomes_seen[i];
    if (!o && r->noutcomes_seen == ROUTER_MAX_AGENTS) {
        log_warn("metrics: outcomes of more than %d organisations, those of %s not counted",
                 ROUTER_MAX_AGENTS, provider);
        return;
    }
    if (!o) {
        o = &r->outcomes_seen[r->noutcomes_seen++];
        memset(o, 0, sizeof *o);
        snprintf(o->provider, sizeof o->provider, "%s", provider);
    }
    o->recorded[st]++;
}

/* Deliveries acknowledged: every organisation with a queue (each of the
 * routing, and any other with deliveries waiting), 0 for one whose agent
 * has not connected since the start, then any other an agent has spoken
 * for (taken out of the routing since). */
static void s_deliveries(router_t *r, Carerhub__MetricsReply *rep, const Carerhub__QueuesReply *qs)
{
    Carerhub__Metric *m = metrics_family(
        rep, "carerhub_deliveries_total", "counter",
        "Deliveries of cases that an organisation's agent acknowledged (stored at the "
        "organisation), since the router started.");
    for (size_t i = 0; i < qs->n_queues; i++) {
        unsigned long n = 0;
        for (size_t j = 0; j < r->nagents; j++)
            if (strcmp(r->agents[j].provider, qs->queues[i]->provider) == 0)
                n = r->agents[j].delivered;
        metrics_sample(m, "", (double)n, "organisation", qs->queues[i]->provider, NULL);
    }
    for (size_t j = 0; j < r->nagents; j++) {
        bool listed = false;
        for (size_t i = 0; i < qs->n_queues && !listed; i++)
            listed = strcmp(r->agents[j].provider, qs->queues[i]->provider) == 0;
        if (!listed)
            metrics_sample(m, "", (double)r->agents[j].delivered, "organisation",
                           r->agents[j].provider, NULL);
    }
}

static void s_outcomes(router_t *r, Carerhub__MetricsReply *rep)
{
    Carerhub__Metric *m = metrics_family(
        rep, "carerhub_outcomes_total", "counter",
        "Outcomes recorded (reported by an organisation and taken), by the organisation that "
        "reported them and status, since the router started.");
    for (size_t i = 0; i < r->noutcomes_seen; i++)
        for (int st = 0; st < OUTCOME_N; st++)
            if (r->outcomes_seen[i].recorded[st])
                metrics_sample(m, "", (double)r->outcomes_seen[i].recorded[st], "organisation",
                               r->outcomes_seen[i].provider, "status",
                               outcome_status_name((outcome_status_t)st), NULL);
}

/* Each organisation's queue and agent, as `carerhub queues` shows them. */
static void s_queues(Carerhub__MetricsReply *rep, const Carerhub__QueuesReply *qs, int64_t now)
{
    Carerhub__Metric *depth = metrics_family(
        rep, "carerhub_queue_depth", "gauge",
        "Deliveries waiting for an organisation: queued, not yet acknowledged by its agent.");
    Carerhub__Metric *oldest = metrics_family(
        rep, "carerhub_queue_oldest_seconds", "gauge",
        "Age of the oldest delivery waiting for an organisation, in seconds (0 when none waits).");
    Carerhub__Metric *agent =
        metrics_family(rep, "carerhub_agent_connected", "gauge",
                       "Whether an organisation's agent is connected to the router now (1) or "
                       "not (0).");
    for (size_t i = 0; i < qs->n_queues; i++) {
        const Carerhub__Queue *q = qs->queues[i];
        double age = q->waiting && q->has_oldest_at && q->oldest_at < now
                         ? (double)(now - q->oldest_at) / 1000.0
                         : 0.0;
        metrics_sample(depth, "", (double)q->waiting, "organisation", q->provider, NULL);
        metrics_sample(oldest, "", age, "organisation", q->provider, NULL);
        metrics_sample(agent, "", q->connected ? 1.0 : 0.0, "organisation", q->provider, NULL);
    }
}

Carerhub__MetricsReply *router_metrics(router_t *r, MDB_txn *txn)
{
    Carerhub__MetricsReply *rep = metrics_new();
    Carerhub__QueuesReply *qs = router_queues(r, txn);
    Carerhub__Metric *m;
    store_commits_t c;
    MDB_stat st;

    s_deliveries(r, rep, qs);
    s_outcomes(r, rep);
    s_queues(rep, qs, clock_now_ms());
    carerhub__queues_reply__free_unpacked(qs, NULL);
    m = metrics_family(rep, "carerhub_parked", "gauge",
                       "Referrals parked: held back for an operator to release or reject.");
    if (mdb_stat(txn, store_dbi(r->store, DB_PARKED), &st) != 0)
        st.ms_entries = 0;
    metrics_sample(m, "", (double)st.ms_entries, NULL);
    m = metrics_family(rep, "carerhub_contacts_overdue", "gauge",
                       "Open cases past their contact-by target: the carer not yet contacted.");
    metrics_sample(m, "", (double)router_overdue_contacts(r, txn, date_today()), NULL);
    store_commit_stats(r->store, &c);
    metrics_commits(rep, "router", &c);
    return rep;
}
