/*
 * A daemon's metrics as a MetricsReply: see metrics.h.
 */
#include "daemon/metrics.h"

#include "util/mem.h"

#include <stdarg.h>
#include <stdio.h>

Carerhub__MetricsReply *metrics_new(void)
{
    Carerhub__MetricsReply *rep = xmalloc(sizeof *rep);
    carerhub__metrics_reply__init(rep);
    return rep;
}

Carerhub__Metric *metrics_family(Carerhub__MetricsReply *rep, const char *name, const char *type,
                                 const char *help)
{
    Carerhub__Metric *m = xmalloc(sizeof *m);
    carerhub__metric__init(m);
    m->name = xstrdup(name);
    m->type = xstrdup(type);
    m->help = xstrdup(help);
    rep->metrics = xrealloc(rep->metrics, (rep->n_metrics + 1) * sizeof *rep->metrics);
    rep->metrics[rep->n_metrics++] = m;
    return m;
}

static void s_label(Carerhub__MetricSample *s, const char *name, const char *value)
{
    Carerhub__MetricLabel *l = xmalloc(sizeof *l);
    carerhub__metric_label__init(l);
    l->name = xstrdup(name);
    l->value = xstrdup(value);
    s->labels = xrealloc(s->labels, (s->n_labels + 1) * sizeof *s->labels);
    s->labels[s->n_labels++] = l;
}

void metrics_sample(Carerhub__Metric *m, const char *suffix, double value, ...)
{
    Carerhub__MetricSample *s = xmalloc(sizeof *s);
    const char *name;
    va_list ap;
    carerhub__metric_sample__init(s);
    s->suffix = xstrdup(suffix);
    s->has_value = true;
    s->value = value;
    va_start(ap, value);
    while ((name = va_arg(ap, const char *)) != NULL)
        s_label(s, name, va_arg(ap, const char *));
    va_end(ap);
    m->samples = xrealloc(m->samples, (m->n_samples + 1) * sizeof *m->samples);
    m->samples[m->n_samples++] = s;
}

void metrics_commits(Carerhub__MetricsReply *rep, const char *daemon, const store_commits_t *c)
{
    Carerhub__Metric *m =
        metrics_family(rep, "carerhub_store_commit_seconds", "histogram",
                       "Time each commit of the daemon's store took to reach the disk, since the "
                       "daemon started.");
    for (size_t i = 0; i + 1 < STORE_COMMIT_BUCKETS; i++) {
        char le[32];
        snprintf(le, sizeof le, "%.15g", store_commit_le[i]);
        metrics_sample(m, "_bucket", (double)c->counts[i], "daemon", daemon, "le", le, NULL);
    }
    /* The last bound is +Inf: every commit, which is the count. */
    metrics_sample(m, "_bucket", (double)c->count, "daemon", daemon, "le", "+Inf", NULL);
    metrics_sample(m, "_sum", c->sum_s, "daemon", daemon, NULL);
    metrics_sample(m, "_count", (double)c->count, "daemon", daemon, NULL);
}
