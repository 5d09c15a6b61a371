/*
 * An intake's metrics (MetricsQuery), for carerhub-web's /metrics: the
 * referrals it accepted and refused since it started, and the time its
 * spool's commits take. Counts only, so any gateway's own key (the web
 * front door asks as itself, for nobody) and any operator's are answered;
 * any other key is refused, counted and audited. Not audited when
 * answered: a scraper asks every few seconds, and the answer names no one.
 */
#include "intake/intake_impl.h"

#include "daemon/metrics.h"

void intake_metrics(intake_t *in, const wire_peer_t *peer, const Carerhub__Envelope *env)
{
    const char *source = referral_source_name(in->kind->source);
    Carerhub__Envelope out = CARERHUB__ENVELOPE__INIT;
    char actor[INTAKE_ACTOR_MAX];
    secure_acting_t as;
    const participant_t *who = intake_acting(in, peer, env, &as, actor, sizeof actor);
    Carerhub__Metric *m;
    store_commits_t c;

    if (!who && env->on_behalf)
        return; /* refused, and answered so */
    if (!who || (who->role != ROLE_GATEWAY && who->role != ROLE_OPERATOR)) {
        secure_refused(in->sec, "refused-message", actor, NULL,
                       "metrics query refused: gateway and operator keys only");
        in->bad++;
        intake_reply_error(in, peer, env->corr, env->has_corr, "forbidden",
                           "metrics queries need the web front door's key (gateway) or an "
                           "operator key");
        return;
    }
    out.body_case = CARERHUB__ENVELOPE__BODY_METRICS_REPLY;
    out.metrics_reply = metrics_new();
    m = metrics_family(out.metrics_reply, "carerhub_referrals_accepted_total", "counter",
                       "Referrals an intake accepted (spooled, a resend not counted again), by "
                       "source, since the intake started.");
    metrics_sample(m, "", (double)in->accepted, "source", source, NULL);
    m = metrics_family(out.metrics_reply, "carerhub_referrals_refused_total", "counter",
                       "Referrals an intake refused for what they held (answered rejected, with "
                       "each problem), by source, since the intake started.");
    metrics_sample(m, "", (double)in->rejected, "source", source, NULL);
    store_commit_stats(in->store, &c);
    metrics_commits(out.metrics_reply, referral_intake_name(in->kind->source), &c);
    intake_reply(in, peer, env->corr, env->has_corr, &out);
    carerhub__metrics_reply__free_unpacked(out.metrics_reply, NULL);
}
