/*
 * The intake daemon: see intake.h, and intake_impl.h for how its parts
 * divide the work. This file runs the loop and answers on the front socket.
 */
#include "intake/intake_impl.h"

#include "domain/referral.h"
#include "util/clock.h"
#include "util/date.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <zmq.h>

/* --- replies ------------------------------------------------------------- */

void intake_reply(intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                  Carerhub__Envelope *env)
{
    env->has_corr = has_corr;
    env->corr = corr;
    /* A submitter that went away cannot be answered; it will resend. */
    if (wire_send(in->front, peer, env, ZMQ_DONTWAIT) < 0)
        log_debug("reply not sent: %s", zmq_strerror(errno));
}

void intake_reply_error(intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                        const char *code, const char *message)
{
    Carerhub__Envelope req = CARERHUB__ENVELOPE__INIT;
    req.has_corr = has_corr;
    req.corr = corr;
    /* A submitter that went away cannot be answered; it will resend. */
    if (wire_send_error(in->front, peer, &req, code, message) < 0)
        log_debug("reply not sent: %s", zmq_strerror(errno));
}

/* A submission's answer. For a resend, already_at is when its referral was
 * first accepted, said in the first notice; else NULL. */
static void s_reply_submit(intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                           Carerhub__SubmitReply__Status status, const char *id,
                           const ferrs_t *errs, const int64_t *already_at)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__SubmitReply rep = CARERHUB__SUBMIT_REPLY__INIT;
    Carerhub__FieldError *fe = NULL, **fep = NULL;
    char again[DATE_WHEN_STRLEN + 80], when[DATE_WHEN_STRLEN], *notices[2];

    rep.has_status = true;
    rep.status = status;
    rep.referral_id = (char *)id;
    if (errs && errs->n) {
        fe = xcalloc(errs->n, sizeof *fe);
        fep = xcalloc(errs->n, sizeof *fep);
        for (size_t i = 0; i < errs->n; i++) {
            carerhub__field_error__init(&fe[i]);
            fe[i].field = errs->v[i].field;
            fe[i].code = errs->v[i].code;
            fe[i].message = errs->v[i].message;
            fep[i] = &fe[i];
        }
        rep.n_errors = errs->n;
        rep.errors = fep;
    }
    if (already_at && status == CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED) {
        date_format_when(*already_at, when);
        snprintf(again, sizeof again, "already accepted on %s; nothing new was sent", when);
        rep.has_already_accepted_at = true;
        rep.already_accepted_at = *already_at;
        notices[rep.n_notices++] = again;
    }
    if (in->kind->notice && status == CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED)
        notices[rep.n_notices++] = (char *)in->kind->notice;
    rep.notices = rep.n_notices ? notices : NULL;
    env.body_case = CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY;
    env.submit_reply = &rep;
    intake_reply(in, peer, corr, has_corr, &env);
    free(fe);
    free(fep);
}

void intake_reply_submit(intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                         Carerhub__SubmitReply__Status status, const char *id, const ferrs_t *errs)
{
    s_reply_submit(in, peer, corr, has_corr, status, id, errs, NULL);
}

void intake_reply_resend(intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                         const char *id, int64_t first_at)
{
    s_reply_submit(in, peer, corr, has_corr, CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED, id, NULL,
                   &first_at);
}

/* Reads what submitters sent, up to one batch. */
static void s_drain_front(intake_t *in, intake_batch_t *b)
{
    bool first;
    while (b->n < (size_t)in->ic->batch) {
        wire_peer_t peer;
        Carerhub__Envelope *env = NULL;
        wire_status_t st = wire_recv(in->front, true, &peer, &env, ZMQ_DONTWAIT);
        if (st == WIRE_AGAIN || st == WIRE_FAILED)
            return;
        if (st != WIRE_OK) {
            in->bad++;
            secure_refuse(in->sec, &peer, referral_intake_name(in->kind->source),
                          wire_status_str(st));
            intake_reply_error(in, &peer, 0, false, "bad_request", wire_status_str(st));
            continue;
        }
        if (!secure_admit(in->sec, &peer, &first)) {
            in->bad++;
            if (first)
                intake_reply_error(in, &peer, env->corr, env->has_corr, "unavailable",
                                   "too many connections with this key: close some and send again");
            carerhub__envelope__free_unpacked(env, NULL);
            continue;
        }
        switch (env->body_case) {
        case CARERHUB__ENVELOPE__BODY_SUBMIT:
            intake_submit(in, b, &peer, env);
            break;
        case CARERHUB__ENVELOPE__BODY_STATUS_QUERY:
            intake_status(in, &peer, env);
            carerhub__envelope__free_unpacked(env, NULL);
            break;
        case CARERHUB__ENVELOPE__BODY_METRICS_QUERY:
            intake_metrics(in, &peer, env);
            carerhub__envelope__free_unpacked(env, NULL);
            break;
        case CARERHUB__ENVELOPE__BODY_SCRUB:
            intake_scrub_request(in, &peer, env);
            carerhub__envelope__free_unpacked(env, NULL);
            break;
        default:
            in->bad++;
            intake_reply_error(in, &peer, env->corr, env->has_corr, "bad_request",
                               "an intake takes submissions, status queries, metrics queries and "
                               "(from an operator) scrub requests only");
            carerhub__envelope__free_unpacked(env, NULL);
        }
    }
}

/* --- life cycle ----------------------------------------------------------- */

/* A hub that takes test NHS numbers is a training hub: say so, so that a
 * hub in service set so by mistake shows in its log. */
static void s_note_test_numbers(const intake_t *in)
{
    if (in->conf->referrals.test_nhs_numbers)
        log_warn("referrals.test_nhs_numbers is true: NHS numbers of the test range "
                 "(999 000 0000 to 999 999 9999) are accepted, as on a training hub");
}

static void s_reload(intake_t *in)
{
    route_t *rt = NULL;
    hubconf_t *c = daemon_reload_routed(&in->args, in->conf, &rt);
    const hubconf_intake_t *ic;
    if (!c)
        return;
    ic = hubconf_intake(c, referral_intake_name(in->kind->source));
    if (strcmp(ic->endpoint, in->ic->endpoint) != 0 ||
        strcmp(c->router.intake_endpoint, in->conf->router.intake_endpoint) != 0)
        log_warn("reload: endpoints change only on restart");
    route_destroy(&in->rt);
    hubconf_destroy(&in->conf);
    in->rt = rt;
    in->conf = c;
    in->ic = ic;
    daemon_open_pcdb(in->conf, &in->pcdb);
    secure_reload(in->sec, c);
    log_info("configuration reloaded");
    s_note_test_numbers(in);
}

/* The socket submitters and operators talk to. */
static void s_front_open(intake_t *in)
{
    /* Answers a submitter has not read yet, per connection. A ROUTER
     * socket drops what it cannot queue, and a submitter that resends gets
     * the same answer, so this bounds memory and loses nothing: room for a
     * whole window of pipelined submissions (the CLI keeps 256 in flight,
     * the benchmark 4000), and no more. */
    int hwm = 8192;
    in->front = daemon_socket(ZMQ_ROUTER);
    zmq_setsockopt(in->front, ZMQ_SNDHWM, &hwm, sizeof hwm);
    secure_server(in->sec, in->front, referral_intake_name(in->kind->source));
    daemon_bind(in->front, in->ic->endpoint);
}

/* One pass of the loop: wait a little, then take what came in, commit and
 * answer it, and forward what the router has not yet taken. */
static void s_step(intake_t *in, intake_batch_t *batch)
{
    zmq_pollitem_t items[8] = {{in->front, 0, ZMQ_POLLIN, 0}, {in->back, 0, ZMQ_POLLIN, 0}};
    size_t nitems = 2 + secure_items(in->sec, items + 2, 6);
    int64_t now;
    if (daemon_take_reload())
        s_reload(in);
    if (zmq_poll(items, (int)nitems, 100) < 0 && zmq_errno() != EINTR)
        log_fatalx("poll: %s", zmq_strerror(zmq_errno()));
    secure_handle(in->sec);
    intake_drain_back(in);
    s_drain_front(in, batch);
    intake_commit(in, batch);
    intake_store_audit(in);
    intake_delete_acked(in, false);
    intake_forward(in);
    intake_check_retry(in);
    intake_scrub_step(in);
    now = clock_mono_ms();
    if (now >= in->next_prune) {
        intake_prune(in);
        in->next_prune = now + 3600 * 1000;
    }
}

int intake_main(int argc, char **argv, const intake_kind_t *kind)
{
    intake_t in;
    intake_batch_t batch;
    char *dir;

    memset(&in, 0, sizeof in);
    in.kind = kind;
    daemon_parse_args(argc, argv, referral_intake_program(kind->source), "", NULL, NULL, NULL,
                      &in.args);
    in.conf = daemon_load_conf(&in.args);
    in.ic = hubconf_intake(in.conf, referral_intake_name(kind->source));
    in.rt = daemon_load_routing(in.conf);
    if (!in.rt)
        return EX_CONFIG;
    daemon_check_done(&in.args);
    daemon_signals();
    dir = daemon_data_dir(in.conf, referral_intake_name(kind->source));
    intake_spool_open(&in, dir);
    /* What a previous run passed on may still be in freed pages. */
    intake_scrub_start(&in);
    in.sec = secure_start(in.conf, referral_intake_name(kind->source));
    daemon_open_pcdb(in.conf, &in.pcdb);
    in.inflight = smap_new();
    in.retry_ms = in.ic->retry_ms;
    in.last_progress = clock_mono_ms();
    intake_back_open(&in);
    s_front_open(&in);
    log_info("taking %s referrals on %s; spool %s (ids %s-%s-N)",
             referral_source_name(kind->source), in.ic->endpoint, dir,
             referral_id_prefix(kind->source), in.epoch);
    s_note_test_numbers(&in);

    memset(&batch, 0, sizeof batch);
    batch.in = &in;
    batch.tokens = smap_new();
    batch.resends = smap_new();
    while (!daemon_stopping())
        s_step(&in, &batch);
    /* Stopping: answer what was taken, keep the rest for next time. */
    intake_drain_back(&in);
    intake_commit(&in, &batch);
    intake_store_audit(&in);
    intake_delete_acked(&in, true);
    log_info("stopping: %lu accepted, %lu resend(s) recognised, %lu rejected, %lu unavailable, %lu "
             "acknowledged by the router, %zu in flight (kept in the spool)",
             in.accepted, in.resent, in.rejected, in.unavailable, in.acked,
             smap_count(in.inflight));
    smap_destroy(&batch.tokens);
    smap_destroy(&batch.resends);
    free(batch.items);
    smap_destroy(&in.inflight);
    free(in.gone);
    free(in.gone_audit);
    secure_unwatch(in.sec);
    zmq_close(in.front);
    zmq_close(in.back);
    secure_stop(&in.sec);
    daemon_zmq_term();
    store_close(&in.store);
    pcdb_close(&in.pcdb);
    route_destroy(&in.rt);
    hubconf_destroy(&in.conf);
    free(dir);
    return 0;
}
