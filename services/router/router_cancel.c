/*
 * A referrer cancels one of its own referrals while the case is open
 * (DESIGN.md, "A case over time"): circumstances changed, or it was sent
 * in error (then the organisation deletes what it imported). The
 * organisation gets a delivery of kind cancelled saying which and why; a
 * case whose every referral is cancelled is closed. What the referral gave
 * leaves the case: its carer's details and the contact it waits for are
 * what the other referrals give, and no delivery carries it after. Another
 * organisation's referral is "not found", in the same words as one that
 * does not exist.
 */
#include "router.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    router_t *r;
    const participant_t *who;
    const Carerhub__CancelRequest *q;
    Carerhub__CancelReply *out;
    char *code, *msg;
    size_t codesz, msgsz;
    bool refused;
    uint64_t outbox0, audit0;
    int64_t now;
    char by[160]; /* who, in the audit trail's words ("gateway web / user a.patel") */
} s_cancel_t;

void router_cancel_reply_free(Carerhub__CancelReply *out)
{
    free(out->referral_id);
    free(out->case_id);
    free(out->provider);
    free(out->provider_name);
    carerhub__cancel_reply__init(out);
}

static void s_refuse(s_cancel_t *t, const char *code, const char *msg)
{
    t->refused = true;
    snprintf(t->code, t->codesz, "%s", code);
    snprintf(t->msg, t->msgsz, "%s", msg);
}

static void s_not_found(s_cancel_t *t)
{
    char msg[160];
    snprintf(msg, sizeof msg, "no referral %.64s of yours is known to the hub",
             t->q->referral_id ? t->q->referral_id : "");
    s_refuse(t, "not_found", msg);
}

/* The case's referral records, in the order taken (NULL for one missing;
 * free with s_recs_free): read after the cancellation was written, so
 * that it shows. */
static Carerhub__ReferralRecord **s_recs(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c)
{
    Carerhub__ReferralRecord **recs = xcalloc(c->n_referral_ids + 1, sizeof *recs);
    for (size_t i = 0; i < c->n_referral_ids; i++)
        recs[i] = router_get_referral(r, txn, c->referral_ids[i]);
    return recs;
}

static void s_recs_free(Carerhub__ReferralRecord **recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (recs[i])
            carerhub__referral_record__free_unpacked(recs[i], NULL);
    free(recs);
}

/* order: 0..n-1 sorted by when the hub received each, stably (one without
 * the time goes with the one before it). A case's referrals come nearly in
 * that order already, so insertion does little work. */
static void s_by_received(Carerhub__ReferralRecord *const *recs, size_t n, size_t *order)
{
    int64_t *at = xcalloc(n + 1, sizeof *at), last = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        if (recs[i] && recs[i]->referral && recs[i]->referral->has_received_at)
            last = recs[i]->referral->received_at;
        at[i] = last;
        while (j > 0 && at[order[j - 1]] > at[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    free(at);
}

/* What is left of case c once a referral is cancelled: the carer as the
 * referrals still standing give them (the newest non-empty value of each
 * field, as when they were taken); its priority; and the contact they
 * wait for (router_contact_recompute). With none left, the case closes. */
static int s_what_is_left(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, int64_t now)
{
    Carerhub__ReferralRecord **recs = s_recs(r, txn, c);
    Carerhub__Carer *carer = NULL;
    size_t left = 0, *order = xcalloc(c->n_referral_ids + 1, sizeof *order);
    int rc;
    /* In the order the hub received them: a joined case's referrals are
     * listed after the standing case's own, whatever their times. */
    s_by_received(recs, c->n_referral_ids, order);
    for (size_t k = 0; k < c->n_referral_ids; k++) {
        size_t i = order[k];
        if (recs[i] && recs[i]->referral && !recs[i]->cancellation) {
            referral_carer_merge(&carer, recs[i]->referral->carer);
            left++;
        }
    }
    free(order);
    if (c->carer)
        carerhub__carer__free_unpacked(c->carer, NULL);
    c->carer = carer;
    router_case_priority_recompute(c, recs, c->n_referral_ids);
    rc = left ? router_contact_recompute(r, txn, c, recs, c->n_referral_ids)
              : router_case_close(r, txn, c, "cancelled", now);
    s_recs_free(recs, c->n_referral_ids);
    return rc;
}

static void s_reply(Carerhub__CancelReply *out, const Carerhub__CaseRecord *c,
                    const Carerhub__Cancellation *k)
{
    out->referral_id = xstrdup(k->referral_id);
    out->case_id = xstrdup(c->case_id);
    out->provider = xstrdup(c->provider ? c->provider : "");
    out->provider_name = xstrdup(c->provider_name ? c->provider_name : "");
    out->has_case_closed = true;
    out->case_closed = c->closed && c->closed_reason && strcmp(c->closed_reason, "cancelled") == 0;
    out->has_cancelled_at = true;
    out->cancelled_at = k->at;
}

/* The cancellation recorded: referral, timeline, the case (its carer and
 * the contact it waits for without the referral; closed if nothing of it
 * is left), the organisation's delivery, counter, audit. */
static int s_record(s_cancel_t *t, MDB_txn *txn, Carerhub__ReferralRecord *rec,
                    Carerhub__CaseRecord *c)
{
    router_t *r = t->r;
    Carerhub__Cancellation k = CARERHUB__CANCELLATION__INIT;
    Carerhub__TimelineEvent ev = CARERHUB__TIMELINE_EVENT__INIT;
    const char *id = rec->referral->id;
    char stat[64], detail[64];
    int rc;

    k.referral_id = (char *)id;
    k.reason = t->q->reason;
    k.note = t->q->note;
    k.has_at = true;
    k.at = t->now;
    rec->cancellation = &k;
    rc = router_put(r, txn, DB_REFERRALS, id, strlen(id), &rec->base);
    rec->cancellation = NULL; /* not rec's to free */
    if (rc != 0)
        return rc;
    ev.has_at = true;
    ev.at = t->now;
    ev.event = (char *)"cancelled";
    ev.provider = c->provider;
    ev.provider_name = c->provider_name;
    ev.reason = k.reason;
    ev.referral_id = k.referral_id;
    ev.note = k.note;
    if ((rc = router_timeline_add(r, txn, c, &ev, t->by, NULL)) != 0)
        return rc;
    if ((rc = s_what_is_left(r, txn, c, t->now)) != 0)
        return rc;
    if ((rc = router_case_notify(r, txn, c, "cancelled", id, &k, t->now)) != 0 ||
        (rc = router_put_case(r, txn, c)) != 0)
        return rc;
    snprintf(stat, sizeof stat, "cancelled/%s", k.reason);
    if ((rc = router_count(r, txn, stat, 1)) != 0)
        return rc;
    snprintf(detail, sizeof detail, "reason %s", k.reason);
    if ((rc = router_audit(r, txn, "cancelled", t->by, id, c->case_id, c->provider, detail)) != 0)
        return rc;
    s_reply(t->out, c, &k);
    return router_put_meta(r, txn);
}

static int s_cancel_txn(MDB_txn *txn, void *arg)
{
    s_cancel_t *t = arg;
    router_t *r = t->r;
    Carerhub__ReferralRecord *rec;
    Carerhub__CaseRecord *c = NULL;
    int rc = 0;

    /* store_write may run us again after growing the map. */
    r->next_outbox = t->outbox0;
    r->next_audit = t->audit0;
    t->refused = false;
    router_cancel_reply_free(t->out);
    rec = router_get_referral(r, txn, t->q->referral_id);
    if (rec && rec->referral && rec->case_id && referral_is_referrers(t->who, rec->referral))
        c = router_get_case(r, txn, rec->case_id);
    if (!c) {
        s_not_found(t);
    } else if (rec->cancellation) {
        s_reply(t->out, c, rec->cancellation);
        t->out->has_already = t->out->already = true;
    } else if (c->closed) {
        char when[DATE_WHEN_STRLEN], msg[200];
        date_format_when(c->has_closed_at ? c->closed_at : c->updated_at, when);
        snprintf(msg, sizeof msg, "the case was closed on %s: there is nothing to cancel", when);
        s_refuse(t, "closed", msg);
    } else {
        rc = s_record(t, txn, rec, c);
    }
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

int router_cancel(router_t *r, const participant_t *who, const Carerhub__CancelRequest *q,
                  Carerhub__CancelReply *out, char *code, size_t codesz, char *msg, size_t msgsz)
{
    s_cancel_t t = {r,
                    who,
                    q,
                    out,
                    code,
                    msg,
                    codesz,
                    msgsz,
                    false,
                    r->next_outbox,
                    r->next_audit,
                    clock_now_ms(),
                    ""};
    const char *reason = q->reason;
    text_status_t ts;
    int rc;

    carerhub__cancel_reply__init(out);
    secure_acting_name(who, t.by, sizeof t.by);
    if (!referral_id_ok(q->referral_id)) {
        s_not_found(&t);
        return -1;
    }
    if (!outcome_cancel_reason_ok(reason)) {
        s_refuse(&t, "bad_request",
                 "--reason must be changed (the carer's circumstances changed) or error (the "
                 "referral was sent in error: the organisation deletes it)");
        return -1;
    }
    if (q->note && (ts = text_check(q->note, strlen(q->note), OUTCOME_NOTE_MAX, true)) != TEXT_OK) {
        snprintf(msg, msgsz, "--note %s",
                 ts == TEXT_TOO_LONG ? "is longer than 2000 characters" : text_status_str(ts));
        snprintf(code, codesz, "bad_request");
        return -1;
    }
    rc = store_write(r->store, s_cancel_txn, &t);
    if (rc != 0) {
        r->next_outbox = t.outbox0;
        r->next_audit = t.audit0;
        router_cancel_reply_free(out);
        log_error("cannot record the cancellation of %s: %s", q->referral_id, store_strerror(rc));
        s_refuse(&t, "unavailable", "the hub cannot record the cancellation now: try again later");
        return -1;
    }
    if (t.refused)
        return -1;
    if (!out->already)
        log_info("%s: cancelled by %s (%s)", q->referral_id, t.by, reason);
    return 0;
}
