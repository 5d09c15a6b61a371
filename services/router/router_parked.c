/*
 * Referrals held back for an operator (parked by router_take.c when one
 * breaks a bound or fails its checks, by router_send.c when its delivery is
 * too large) and what an operator makes of them: the list, oldest first;
 * release, which takes the referral again now by the path every forwarded
 * referral takes, past its submitter's bound (router.submitter_case_max:
 * the operator has decided it goes in), so that only one that still fails
 * its checks is parked again with the reason; and reject, which drops it
 * for good with the operator's reason for its referrer. A rejection is
 * kept in the rejected table without the carer (the referral's id, source,
 * dates, submitter and referring organisation: what its referrer's status
 * and feedback need), and listed among the referrer's referrals. See
 * router.h.
 */
#include "router.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/clock.h"
#include "util/date.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIST_MAX 500 /* parked referrals in one reply */

/* --- the list ----------------------------------------------------------- */

typedef struct {
    int64_t at;
    char id[REFERRAL_ID_MAX + 1];
} s_when_t;

static int s_older(const void *a, const void *b)
{
    const s_when_t *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return strcmp(x->id, y->id);
}

static Carerhub__ParkedEntry *s_get(router_t *r, MDB_txn *txn, int db, const char *id)
{
    MDB_val k = store_val(id), v;
    if (strlen(id) > REFERRAL_ID_MAX || mdb_get(txn, store_dbi(r->store, (size_t)db), &k, &v) != 0)
        return NULL;
    return carerhub__parked_entry__unpack(NULL, v.mv_size, v.mv_data);
}

Carerhub__ParkedEntry *router_rejected(router_t *r, MDB_txn *txn, const char *id)
{
    return id ? s_get(r, txn, DB_REJECTED, id) : NULL;
}

/* One item of the list: what the referral is and why it waits; nothing of
 * the carer. */
static Carerhub__ParkedItem *s_item(const char *id, const Carerhub__ParkedEntry *p)
{
    Carerhub__ParkedItem *it = xmalloc(sizeof *it);
    const Carerhub__Referral *ref = p->referral;
    const char *org = ref ? referral_org(ref) : NULL;
    carerhub__parked_item__init(it);
    it->referral_id = xstrdup(id);
    it->reason = p->reason ? xstrdup(p->reason) : NULL;
    it->has_parked_at = p->has_at;
    it->parked_at = p->at;
    it->has_source = ref && ref->has_source;
    it->source = ref ? ref->source : CARERHUB__SOURCE__SOURCE_UNKNOWN;
    it->organisation = org ? xstrdup(org) : NULL;
    it->submitted_by = ref && ref->submitted_by ? xstrdup(ref->submitted_by) : NULL;
    return it;
}

Carerhub__ParkedReply *router_parked(router_t *r, MDB_txn *txn, const Carerhub__ParkedQuery *q)
{
    Carerhub__ParkedReply *rep = xmalloc(sizeof *rep);
    size_t limit =
        q && q->has_limit && q->limit > 0 && q->limit < S_LIST_MAX ? q->limit : S_LIST_MAX;
    s_when_t *all = NULL;
    size_t n = 0, cap = 0;
    MDB_cursor *cur;
    MDB_val k, v;

    carerhub__parked_reply__init(rep);
    rep->has_total = true;
    /* Keyed by referral id, not by time: every entry is read for when it
     * was parked. Parked referrals are few (each is an alert, and the
     * alerts read them all too). */
    if (mdb_cursor_open(txn, store_dbi(r->store, DB_PARKED), &cur) == 0) {
        for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            Carerhub__ParkedEntry *p;
            if (k.mv_size == 0 || k.mv_size > REFERRAL_ID_MAX)
                continue; /* not an entry router_park writes */
            all = xgrow(all, &cap, n + 1, sizeof *all);
            memcpy(all[n].id, k.mv_data, k.mv_size);
            all[n].id[k.mv_size] = '\0';
            p = carerhub__parked_entry__unpack(NULL, v.mv_size, v.mv_data);
            all[n].at = p && p->has_at ? p->at : 0;
            if (p)
                carerhub__parked_entry__free_unpacked(p, NULL);
            n++;
        }
        mdb_cursor_close(cur);
    }
    if (n)
        qsort(all, n, sizeof *all, s_older);
    rep->total = (uint32_t)n;
    rep->items = xcalloc(n < limit ? (n ? n : 1) : limit, sizeof *rep->items);
    for (size_t i = 0; i < n && rep->n_items < limit; i++) {
        Carerhub__ParkedEntry *p = s_get(r, txn, DB_PARKED, all[i].id);
        if (!p)
            continue;
        rep->items[rep->n_items++] = s_item(all[i].id, p);
        carerhub__parked_entry__free_unpacked(p, NULL);
    }
    free(all);
    return rep;
}

/* --- release and reject -------------------------------------------------- */

typedef struct {
    router_t *r;
    const char *actor;
    const Carerhub__ParkedAction *q;
    Carerhub__ParkedActionReply *out;
    char *code, *msg;
    size_t codesz, msgsz;
    bool refused;
    uint64_t outbox0, audit0, case0;
    unsigned long parked0;
    int64_t now;
} s_act_t;

void router_parked_reply_free(Carerhub__ParkedActionReply *out)
{
    free(out->referral_id);
    free(out->result);
    free(out->case_id);
    free(out->provider);
    free(out->provider_name);
    free(out->reason);
    carerhub__parked_action_reply__init(out);
}

__attribute__((format(printf, 3, 4))) static void s_refuse(s_act_t *t, const char *code,
                                                           const char *fmt, ...)
{
    va_list ap;
    t->refused = true;
    snprintf(t->code, t->codesz, "%s", code);
    va_start(ap, fmt);
    vsnprintf(t->msg, t->msgsz, fmt, ap);
    va_end(ap);
}

static void s_result(s_act_t *t, const char *result, const Carerhub__CaseRecord *c,
                     const char *reason)
{
    router_parked_reply_free(t->out);
    t->out->referral_id = xstrdup(t->q->referral_id);
    t->out->result = xstrdup(result);
    if (c) {
        t->out->case_id = xstrdup(c->case_id);
        t->out->provider = c->provider ? xstrdup(c->provider) : NULL;
        t->out->provider_name = c->provider_name ? xstrdup(c->provider_name) : NULL;
    }
    t->out->reason = reason ? xstrdup(reason) : NULL;
}

static int s_drop(router_t *r, MDB_txn *txn, const char *id)
{
    MDB_val k = store_val(id);
    return mdb_del(txn, store_dbi(r->store, DB_PARKED), &k, NULL);
}

/* A referral taken before whose delivery was held back (too large): its
 * case is queued again for the organisation that has it now, as it
 * stands; still too large, it is parked again when sent. */
static int s_redeliver(s_act_t *t, MDB_txn *txn, const Carerhub__ReferralRecord *rec)
{
    router_t *r = t->r;
    Carerhub__CaseRecord *c = rec->case_id ? router_get_case(r, txn, rec->case_id) : NULL;
    const char *id = t->q->referral_id;
    char detail[160];
    int rc;
    if (!c || !c->provider) {
        s_refuse(t, "bad_request", "referral %s names case %s, which the hub does not hold", id,
                 rec->case_id ? rec->case_id : "(none)");
        if (c)
            carerhub__case_record__free_unpacked(c, NULL);
        return 0;
    }
    if (strcmp(t->q->action, "reject") == 0) {
        s_refuse(t, "bad_request",
                 "referral %s is in case %s already; only its delivery to %s was held back: "
                 "release it once router.delivery_max_bytes allows (a referral in a case "
                 "cannot be rejected)",
                 id, c->case_id, c->provider);
        carerhub__case_record__free_unpacked(c, NULL);
        return 0;
    }
    snprintf(detail, sizeof detail, "released by an operator: case %s queued again for %s",
             c->case_id, c->provider);
    if ((rc = s_drop(r, txn, id)) == 0 &&
        (rc = router_case_notify(r, txn, c, "update", id, NULL, t->now)) == 0 &&
        (rc = router_put_case(r, txn, c)) == 0 &&
        (rc = router_count(r, txn, "parked_released", 1)) == 0 &&
        (rc = router_audit(r, txn, "parked-released", t->actor, id, c->case_id, c->provider,
                           detail)) == 0)
        s_result(t, "released", c, NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

/* Taken again now, as if its intake had just forwarded it, but past its
 * submitter's bound (router_take_again). */
static int s_release(s_act_t *t, MDB_txn *txn, Carerhub__Referral *ref)
{
    router_t *r = t->r;
    const char *id = t->q->referral_id, *intake = referral_intake_name(ref->source);
    Carerhub__ParkedEntry *again;
    Carerhub__ReferralRecord *rec;
    Carerhub__CaseRecord *c = NULL;
    char detail[160];
    int rc;

    if (!ref->carer || !ref->has_source) {
        s_refuse(t, "bad_request",
                 "referral %s holds no carer or source: it cannot be taken; "
                 "reject it",
                 id);
        return 0;
    }
    if ((rc = s_drop(r, txn, id)) != 0 ||
        (rc = router_take_again(r, txn, ref, intake ? intake : "intake")) != 0)
        return rc;
    if ((again = s_get(r, txn, DB_PARKED, id)) != NULL) {
        s_result(t, "parked_again", NULL, again->reason);
        carerhub__parked_entry__free_unpacked(again, NULL);
        return router_audit(r, txn, "parked-released", t->actor, id, NULL, NULL,
                            "released by an operator: parked again");
    }
    rec = router_get_referral(r, txn, id);
    if (rec && rec->case_id)
        c = router_get_case(r, txn, rec->case_id);
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    if (!c)
        return MDB_CORRUPTED; /* taken, yet neither in a case nor parked: our bug */
    snprintf(detail, sizeof detail, "released by an operator: taken into case %s for %s",
             c->case_id, c->provider);
    if ((rc = router_count(r, txn, "parked_released", 1)) == 0 &&
        (rc = router_audit(r, txn, "parked-released", t->actor, id, c->case_id, c->provider,
                           detail)) == 0)
        s_result(t, "released", c, NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

/* Dropped for good: kept as the referral without its carer, the cared-for
 * person, the consent and the referrer's contact (its referrer needs only
 * to know which referral it was, and why), with the operator's reason. */
static int s_reject(s_act_t *t, MDB_txn *txn, const Carerhub__Referral *ref)
{
    router_t *r = t->r;
    const char *id = t->q->referral_id;
    Carerhub__Referral kept = CARERHUB__REFERRAL__INIT;
    Carerhub__GpPart gp = CARERHUB__GP_PART__INIT;
    Carerhub__DischargePart dis = CARERHUB__DISCHARGE_PART__INIT;
    Carerhub__Hospital hosp = CARERHUB__HOSPITAL__INIT;
    Carerhub__SchoolPart sp = CARERHUB__SCHOOL_PART__INIT;
    Carerhub__School school = CARERHUB__SCHOOL__INIT;
    Carerhub__ParkedEntry rej = CARERHUB__PARKED_ENTRY__INIT;
    int rc;

    kept.id = (char *)id;
    kept.has_source = ref->has_source;
    kept.source = ref->source;
    kept.has_received_at = ref->has_received_at;
    kept.received_at = ref->received_at;
    kept.referral_date = ref->referral_date;
    kept.submitted_by = ref->submitted_by;
    if (ref->gp) {
        gp.practice = ref->gp->practice;
        kept.gp = &gp;
    } else if (ref->discharge && ref->discharge->hospital) {
        hosp.trust = ref->discharge->hospital->trust;
        dis.hospital = &hosp;
        kept.discharge = &dis;
    } else if (ref->school && ref->school->school) {
        school.urn = ref->school->school->urn;
        sp.school = &school;
        kept.school = &sp;
    }
    rej.referral = &kept;
    rej.reason = t->q->reason;
    rej.has_at = true;
    rej.at = t->now;
    if ((rc = s_drop(r, txn, id)) != 0 ||
        (rc = router_put(r, txn, DB_REJECTED, id, strlen(id), &rej.base)) != 0 ||
        (rc = router_referrer_index(r, txn, &kept)) != 0 ||
        (rc = router_count(r, txn, "parked_rejected", 1)) != 0)
        return rc;
    /* The operator's words are for the referrer, not the audit trail. */
    if ((rc = router_audit(r, txn, "parked-rejected", t->actor, id, NULL, NULL,
                           "rejected by an operator")) == 0)
        s_result(t, "rejected", NULL, t->q->reason);
    return rc;
}

/* Why a referral that is not parked is not: for the not_found answer. */
static void s_not_parked(s_act_t *t, MDB_txn *txn)
{
    const char *id = t->q->referral_id;
    Carerhub__ParkedEntry *rej = router_rejected(t->r, txn, id);
    Carerhub__ReferralRecord *rec = rej ? NULL : router_get_referral(t->r, txn, id);
    char when[DATE_WHEN_STRLEN] = "";
    if (rej) {
        date_format_when(rej->at, when);
        s_refuse(t, "not_found", "referral %s is not parked: it was rejected on %s", id, when);
    } else if (rec) {
        s_refuse(t, "not_found", "referral %s is not parked: it is in case %s", id,
                 rec->case_id ? rec->case_id : "(none)");
    } else {
        s_refuse(t, "not_found", "no parked referral %s", id);
    }
    if (rej)
        carerhub__parked_entry__free_unpacked(rej, NULL);
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
}

static int s_act_txn(MDB_txn *txn, void *arg)
{
    s_act_t *t = arg;
    router_t *r = t->r;
    Carerhub__ParkedEntry *p;
    Carerhub__ReferralRecord *rec;
    int rc = 0;

    /* store_write may run us again after growing the map. */
    r->next_outbox = t->outbox0;
    r->next_audit = t->audit0;
    r->next_case = t->case0;
    r->parked = t->parked0;
    t->refused = false;
    router_parked_reply_free(t->out);
    if (!(p = s_get(r, txn, DB_PARKED, t->q->referral_id)) || !p->referral) {
        if (p)
            carerhub__parked_entry__free_unpacked(p, NULL);
        s_not_parked(t, txn);
        return 0;
    }
    if ((rec = router_get_referral(r, txn, t->q->referral_id)) != NULL)
        rc = s_redeliver(t, txn, rec);
    else if (strcmp(t->q->action, "release") == 0)
        rc = s_release(t, txn, p->referral);
    else
        rc = s_reject(t, txn, p->referral);
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    carerhub__parked_entry__free_unpacked(p, NULL);
    if (rc == 0 && !t->refused)
        rc = router_put_meta(r, txn);
    return rc;
}

/* The request's own checks, before the store: 0, or -1 refused. */
static int s_check(s_act_t *t)
{
    const Carerhub__ParkedAction *q = t->q;
    text_status_t ts;
    if (!q->referral_id || !referral_id_ok(q->referral_id)) {
        s_refuse(t, "bad_request",
                 "referral_id: give the id of a parked referral (as carerhub parked lists them)");
        return -1;
    }
    if (!q->action || (strcmp(q->action, "release") != 0 && strcmp(q->action, "reject") != 0)) {
        s_refuse(t, "bad_request", "action: must be release or reject");
        return -1;
    }
    if (strcmp(q->action, "reject") != 0)
        return 0;
    ts = q->reason ? text_check(q->reason, strlen(q->reason), OUTCOME_REASON_MAX, false)
                   : TEXT_EMPTY;
    if (ts == TEXT_EMPTY) {
        s_refuse(t, "bad_request",
                 "reason: say why the referral is rejected, for its referrer to read; no personal "
                 "data (no names, NHS numbers, addresses, phone numbers or dates of birth)");
        return -1;
    }
    if (ts != TEXT_OK) {
        s_refuse(t, "bad_request", "reason: %s",
                 ts == TEXT_TOO_LONG ? "is longer than 500 characters" : text_status_str(ts));
        return -1;
    }
    return 0;
}

int router_parked_action(router_t *r, const char *actor, const Carerhub__ParkedAction *q,
                         Carerhub__ParkedActionReply *out, char *code, size_t codesz, char *msg,
                         size_t msgsz)
{
    s_act_t t = {r,
                 actor,
                 q,
                 out,
                 code,
                 msg,
                 codesz,
                 msgsz,
                 false,
                 r->next_outbox,
                 r->next_audit,
                 r->next_case,
                 r->parked,
                 clock_now_ms()};
    int rc;

    carerhub__parked_action_reply__init(out);
    if (s_check(&t) < 0)
        return -1;
    rc = store_write(r->store, s_act_txn, &t);
    if (rc != 0) {
        r->next_outbox = t.outbox0;
        r->next_audit = t.audit0;
        r->next_case = t.case0;
        r->parked = t.parked0;
        router_parked_reply_free(out);
        log_error("cannot record the %s of parked referral %s: %s", q->action, q->referral_id,
                  store_strerror(rc));
        s_refuse(&t, "unavailable", "the hub cannot record this now: try again later");
        return -1;
    }
    if (t.refused) {
        router_parked_reply_free(out);
        return -1;
    }
    log_info("%s: %s by %s (%s)", q->referral_id, out->result, actor,
             out->case_id ? out->case_id : "no case");
    return 0;
}
