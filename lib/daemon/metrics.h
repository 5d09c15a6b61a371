/*
 * A daemon's answer to carerhub-web's MetricsQuery (proto/carerhub.proto),
 * built in the order its families are added: the web writes them out in
 * the Prometheus text format (services/web/web_metrics.c). Each daemon
 * with a store reports the time its commits take the same way, as the
 * histogram carerhub_store_commit_seconds with its own name as the daemon
 * label.
 */
#ifndef CARERHUB_METRICS_H
#define CARERHUB_METRICS_H

#include "carerhub.pb-c.h"
#include "store/store.h"

/* A new empty reply. All of it is allocated as an unpacked message is:
 * free it with carerhub__metrics_reply__free_unpacked(rep, NULL). */
Carerhub__MetricsReply *metrics_new(void);
/* Appends a family to rep: name (carerhub_..., the Prometheus rules for a
 * metric's name), type ("counter", "gauge" or "histogram") and help (one
 * line of plain words); each copied. Returns it, owned by rep. */
Carerhub__Metric *metrics_family(Carerhub__MetricsReply *rep, const char *name, const char *type,
                                 const char *help);
/* Appends a sample of value to family m: suffix "" (or _bucket, _sum,
 * _count of a histogram), then label names and values in pairs, ended by
 * NULL; each copied. */
void metrics_sample(Carerhub__Metric *m, const char *suffix, double value, ...)
    __attribute__((sentinel));
/* Appends carerhub_store_commit_seconds{daemon} from c (store_commit_stats
 * of the daemon's store): a bucket for each of store_commit_le (the
 * commits that took at most that long, so each holds those before it),
 * the last "+Inf" and equal to the count, then the sum and the count. */
void metrics_commits(Carerhub__MetricsReply *rep, const char *daemon, const store_commits_t *c);

#endif
