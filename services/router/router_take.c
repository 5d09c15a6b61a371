/*
 * Taking referrals: matching the carer, routing a new case, and writing
 * referral, case, outbox entry, audit record and counters in the one
 * transaction that is committed before the intake hears "taken".
 */
#include "router.h"

#include "util/be64.h"
#include "domain/postcode.h"
#include "domain/referral.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/smap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends the audit records an intake forwarded. An intake sends them in
 * order and sends again what was not acknowledged, so a record at or below
 * the last one taken from that intake (by its number and time) was stored
 * already. The intake is the one whose key sent them, whatever a record
 * says: no intake's records can pass for another's or move its mark. */
static int s_take_intake_audit(router_t *r, MDB_txn *txn, const router_fwd_t *fwd)
{
    const Carerhub__Forward *f = fwd->env->forward;
    for (size_t i = 0; i < f->n_audit; i++) {
        Carerhub__AuditRecord a = *f->audit[i];
        char name[96];
        uint8_t mark[16];
        uint64_t seen_seq = 0, seen_at = 0;
        MDB_val k, v;
        int rc;
        if (!a.has_seq || !a.event)
            continue;
        a.recorded_by = (char *)fwd->program;
        snprintf(name, sizeof name, "audit-from:%.80s", fwd->program);
        k = store_val(name);
        if (mdb_get(txn, store_dbi(r->store, DB_META), &k, &v) == 0 && v.mv_size == 16) {
            memcpy(mark, v.mv_data, 16);
            seen_seq = be64_get(mark);
            seen_at = be64_get(mark + 8);
        }
        if (a.seq <= seen_seq && (uint64_t)a.at <= seen_at)
            continue;
        if ((rc = router_audit_record(r, txn, &a)) != 0)
            return rc;
        be64_put(a.seq, mark);
        be64_put((uint64_t)a.at, mark + 8);
        v.mv_data = mark;
        v.mv_size = 16;
        if ((rc = mdb_put(txn, store_dbi(r->store, DB_META), &k, &v, 0)) != 0)
            return rc;
    }
    return 0;
}

/* The id of the case indexed under key in db, or NULL. Borrowed from txn. */
static int s_index_get(router_t *r, MDB_txn *txn, int db, const char *key, char *out, size_t outsz)
{
    MDB_val k = store_val(key), v;
    int rc;
    if (strlen(key) > 500)
        return MDB_NOTFOUND;
    rc = mdb_get(txn, store_dbi(r->store, (size_t)db), &k, &v);
    if (rc)
        return rc;
    if (v.mv_size >= outsz)
        return MDB_CORRUPTED;
    memcpy(out, v.mv_data, v.mv_size);
    out[v.mv_size] = '\0';
    return 0;
}

static int s_index_put(router_t *r, MDB_txn *txn, int db, const char *key, const char *case_id)
{
    MDB_val k = store_val(key), v = store_val(case_id);
    if (strlen(key) > 500)
        return 0; /* too long to index; the case still exists */
    return mdb_put(txn, store_dbi(r->store, (size_t)db), &k, &v, 0);
}

/* Who referred, for the audit trail: the submitter the intake recorded,
 * when the participants file confirms a key of that name may submit this
 * referral; else the intake that forwarded it, which is all the router
 * knows for certain. */
static const char *s_submitter(const router_t *r, const Carerhub__Referral *ref, const char *intake)
{
    const participant_t *who =
        ref->submitted_by ? secure_participant(r->sec, ref->submitted_by) : NULL;
    role_t want;
    if (who && referral_submitter_role(ref->source, &want) == 0 && who->role == want &&
        participant_in_scope(who, referral_org(ref)))
        return who->id;
    return intake;
}

typedef struct {
    router_t *r;
    Carerhub__Referral *ref;
    const char *actor;
    const char *reason;
} s_park_t;

static int s_park_txn(MDB_txn *txn, void *arg)
{
    s_park_t *p = arg;
    uint64_t audit0 = p->r->next_audit, parked0 = p->r->parked;
    int rc = router_park(p->r, txn, p->ref, p->actor, p->reason);
    if (rc == 0)
        rc = router_put_meta(p->r, txn);
    if (rc) {
        p->r->next_audit = audit0;
        p->r->parked = parked0;
    }
    return rc;
}

int router_park_now(router_t *r, Carerhub__Referral *ref, const char *actor, const char *reason)
{
    s_park_t p = {r, ref, actor, reason};
    return store_write(r->store, s_park_txn, &p);
}

int router_park(router_t *r, MDB_txn *txn, Carerhub__Referral *ref, const char *actor,
                const char *reason)
{
    Carerhub__ParkedEntry p = CARERHUB__PARKED_ENTRY__INIT;
    int rc;
    p.referral = ref;
    p.reason = (char *)reason;
    p.has_at = true;
    p.at = clock_now_ms();
    if ((rc = router_put(r, txn, DB_PARKED, ref->id, strlen(ref->id), &p.base)) != 0)
        return rc;
    if ((rc = router_count(r, txn, "parked", 1)) != 0)
        return rc;
    r->parked++;
    log_warn("parked %s: %s", ref->id, reason);
    return router_audit(r, txn, "parked", actor, ref->id, NULL, NULL, reason);
}

/* Finds the carer's case: by NHS number, else by name, date of birth and
 * postcode (but never a case holding a different NHS number). Sets case_id
 * ("" when none). */
static int s_match(router_t *r, MDB_txn *txn, const Carerhub__Referral *ref, const char *key,
                   char *case_id, size_t sz, Carerhub__CaseRecord **found)
{
    const char *nhs = ref->carer->nhs_number;
    int rc;
    *found = NULL;
    case_id[0] = '\0';
    if (nhs && *nhs) {
        rc = s_index_get(r, txn, DB_BY_NHS, nhs, case_id, sz);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    if (!case_id[0] && key[0]) {
        rc = s_index_get(r, txn, DB_BY_KEY, key, case_id, sz);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
    }
    if (!case_id[0])
        return 0;
    *found = router_get_case(r, txn, case_id);
    if (!*found) {
        log_error("index names case %s, which is missing; opening a new case", case_id);
        case_id[0] = '\0';
        return 0;
    }
    if (nhs && *nhs && (*found)->nhs_number && *(*found)->nhs_number &&
        strcmp((*found)->nhs_number, nhs) != 0) {
        /* Same name, birthday and postcode, different person. */
        carerhub__case_record__free_unpacked(*found, NULL);
        *found = NULL;
        case_id[0] = '\0';
    }
    return 0;
}

/* How many referrals of the case came from this submitter; with add, one
 * more. */
static uint64_t s_referrers(Carerhub__CaseRecord *c, const char *who, bool add)
{
    Carerhub__Count *n = NULL;
    for (size_t i = 0; i < c->n_referrers && !n; i++)
        if (c->referrers[i]->key && strcmp(c->referrers[i]->key, who) == 0)
            n = c->referrers[i];
    if (add && !n) {
        n = xmalloc(sizeof *n);
        carerhub__count__init(n);
        n->key = xstrdup(who);
        n->has_value = true;
        c->referrers = xrealloc(c->referrers, (c->n_referrers + 1) * sizeof *c->referrers);
        c->referrers[c->n_referrers++] = n;
    }
    if (add)
        n->value++;
    return n ? n->value : 0;
}

static void s_strv_add(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return;
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = xstrdup(s);
}

/* Opens a new case for ref, routed by the engine. */
static Carerhub__CaseRecord *s_new_case(router_t *r, const Carerhub__Referral *ref, int64_t now)
{
    Carerhub__CaseRecord *c = xmalloc(sizeof *c);
    route_result_t res;
    buf_t reason = BUF_INIT;
    char pc[POSTCODE_MAX];
    const geo_t *g = route_geo(r->rt);
    int lad;

    carerhub__case_record__init(c);
    if (postcode_normalise(ref->carer->postcode, pc) < 0)
        strcpy(pc, "");
    route_decide(r->rt, pc, referral_carer_age(ref), referral_route_source(ref->source),
                 r->pcdb ? pcdb_lookup : NULL, r->pcdb, &res);
    route_explain(r->rt, &res, &reason);
    c->case_id = xasprintf("C-%06llu", (unsigned long long)++r->next_case);
    c->provider = xstrdup(route_provider_id(r->rt, res.provider));
    c->provider_name = xstrdup(route_provider_name(r->rt, res.provider));
    c->rule = xstrdup(route_rule_name(r->rt, &res));
    c->reason = buf_take(&reason);
    lad = route_result_lad(&res);
    if (lad >= 0) {
        c->lad = xstrdup(geo_lad_code(g, (geo_lad_t)lad));
        c->lad_name = xstrdup(geo_lad_name(g, (geo_lad_t)lad));
    } else if (res.ncands == 1) {
        c->lad = xstrdup(res.unlisted);
    }
    for (size_t i = 0; i < res.ncands; i++)
        s_strv_add(&c->candidates, &c->n_candidates,
                   res.cands[i] == GEO_UNLISTED ? res.unlisted : geo_lad_code(g, res.cands[i]));
    if (route_provider_signposts(r->rt, res.provider)) {
        buf_t sp = BUF_INIT;
        for (size_t i = 0; i < res.ncands; i++) {
            if (i)
                buf_adds(&sp, " or ");
            buf_adds(&sp,
                     res.cands[i] == GEO_UNLISTED ? res.unlisted : geo_lad_name(g, res.cands[i]));
        }
        c->signpost = buf_take(&sp);
    }
    c->has_opened_at = true;
    c->opened_at = now;
    return c;
}

typedef struct {
    router_t *r;
    router_fwd_t *fwds;
    size_t n;
    /* Where the counters stood, to restore if the transaction is redone. */
    uint64_t outbox0, audit0, case0;
    unsigned long taken, duplicates;
    smap_t *tally; /* counter name -> increment, written once per batch */
} s_take_t;

/* Whether ref is new to the router: not taken before (the intake did not
 * hear our acknowledgement) and not parked. Counts a resend. */
static bool s_unseen(router_t *r, MDB_txn *txn, const Carerhub__Referral *ref, s_take_t *t)
{
    Carerhub__ReferralRecord *old = router_get_referral(r, txn, ref->id);
    MDB_val k = store_val(ref->id), v;
    if (old) {
        carerhub__referral_record__free_unpacked(old, NULL);
        t->duplicates++;
        return false;
    }
    return mdb_get(txn, store_dbi(r->store, DB_PARKED), &k, &v) != 0;
}

/* An intake checked it; check again, because the router trusts no one with
 * its store. Dates are judged on the day of referral. Returns NULL, or why
 * it must be parked (in why). */
static const char *s_recheck(Carerhub__Referral *ref, char *why, size_t whysz)
{
    ferrs_t errs = FERRS_INIT;
    referral_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    if (!ref->referral_date || date_parse(ref->referral_date, &ctx.today) < 0)
        return "no valid referral_date";
    if (referral_check(ref, ref->source, &ctx, &errs) < 0) {
        snprintf(why, whysz, "fails its checks: %s: %s", errs.v[0].field, errs.v[0].code);
        ferrs_free(&errs);
        return why;
    }
    return NULL;
}

/* Adds ref to case c: its id, its submitter, its match key, the NHS number
 * if the case had none, and the flags as they now stand. */
static void s_case_add(Carerhub__CaseRecord *c, const Carerhub__Referral *ref,
                       const char *submitter, const char *key, int64_t now)
{
    int age = referral_carer_age(ref);
    s_strv_add(&c->referral_ids, &c->n_referral_ids, ref->id);
    s_referrers(c, submitter, true);
    if (key[0])
        s_strv_add(&c->match_keys, &c->n_match_keys, key);
    if (ref->carer->nhs_number && *ref->carer->nhs_number && !(c->nhs_number && *c->nhs_number)) {
        free(c->nhs_number);
        c->nhs_number = xstrdup(ref->carer->nhs_number);
    }
    c->has_urgent = c->has_young_carer = c->has_transition = true;
    c->urgent = c->urgent || referral_urgent(ref);
    c->young_carer = referral_young_carer(age);
    c->transition = referral_transition(age);
    c->has_updated_at = true;
    c->updated_at = now;
}

/* Writes the case, its indexes, the outbox entry, the referral record and
 * the audit record. */
static int s_write(router_t *r, MDB_txn *txn, Carerhub__Referral *ref, const char *actor,
                   const char *submitter, Carerhub__CaseRecord *c, const char *key, bool is_new,
                   int64_t now)
{
    Carerhub__ReferralRecord rec = CARERHUB__REFERRAL_RECORD__INIT;
    Carerhub__OutboxEntry out = CARERHUB__OUTBOX_ENTRY__INIT;
    char detail[160];
    uint8_t okey[64];
    int rc;

    if ((rc = router_put(r, txn, DB_CASES, c->case_id, strlen(c->case_id), &c->base)) != 0 ||
        (c->nhs_number && *c->nhs_number &&
         (rc = s_index_put(r, txn, DB_BY_NHS, c->nhs_number, c->case_id)) != 0) ||
        (key[0] && (rc = s_index_put(r, txn, DB_BY_KEY, key, c->case_id)) != 0))
        return rc;
    out.referral_id = ref->id;
    out.case_id = c->case_id;
    out.kind = (char *)(is_new ? "new" : "update");
    out.has_queued_at = true;
    out.queued_at = now;
    out.has_referral_count = true;
    out.referral_count = (uint32_t)c->n_referral_ids;
    rec.has_outbox_seq = true;
    rec.outbox_seq = ++r->next_outbox;
    if ((rc = router_put(r, txn, DB_OUTBOX, okey,
                         router_outbox_key(c->provider, rec.outbox_seq, okey, sizeof okey),
                         &out.base)) != 0)
        return rc;
    rec.referral = ref;
    rec.case_id = c->case_id;
    rec.kind = out.kind;
    rec.provider = c->provider;
    rec.has_routed_at = true;
    rec.routed_at = now;
    rec.actor = (char *)actor;
    if ((rc = router_put(r, txn, DB_REFERRALS, ref->id, strlen(ref->id), &rec.base)) != 0)
        return rc;
    if (is_new)
        snprintf(detail, sizeof detail, "routed to %s: new case by rule %s (through %s)",
                 c->provider, c->rule, actor);
    else
        snprintf(detail, sizeof detail, "routed to %s: update of the carer's case (through %s)",
                 c->provider, actor);
    return router_audit(r, txn, "accepted", submitter, ref->id, c->case_id, c->provider, detail);
}

/* The counters a taken referral adds to, written once per batch. */
static void s_tally_taken(s_take_t *t, const Carerhub__Referral *ref, const Carerhub__CaseRecord *c,
                          bool is_new)
{
    const char *names[] = {"referrals", "source/", "provider/", "lad/",
                           "referrer/", "kind/",   "month/"};
    char month[8], stat[96];
    snprintf(month, sizeof month, "%.7s", ref->referral_date);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *val = i == 1   ? referral_source_name(ref->source)
                          : i == 2 ? c->provider
                          : i == 3 ? (c->lad ? c->lad : "unresolved")
                          : i == 4 ? (referral_org(ref) ? referral_org(ref) : "unknown")
                          : i == 5 ? (is_new ? "new" : "update")
                          : i == 6 ? month
                                   : "";
        snprintf(stat, sizeof stat, "%s%s", names[i], val);
        router_tally(t->tally, stat, 1);
    }
}

static int s_take_one(router_t *r, MDB_txn *txn, Carerhub__Referral *ref, const char *actor,
                      s_take_t *t)
{
    const char *submitter = s_submitter(r, ref, actor), *why;
    Carerhub__CaseRecord *c = NULL;
    char case_id[64], key[512], detail[200];
    int64_t now = clock_now_ms();
    bool is_new;
    int rc;

    if (!s_unseen(r, txn, ref, t))
        return 0;
    if ((why = s_recheck(ref, detail, sizeof detail)) != NULL)
        return router_park(r, txn, ref, actor, why);
    if (referral_match_key(ref, key, sizeof key) < 0)
        key[0] = '\0';
    if ((rc = s_match(r, txn, ref, key, case_id, sizeof case_id, &c)) != 0)
        return rc;
    is_new = c == NULL;
    if (!is_new &&
        s_referrers(c, submitter, false) >= (uint64_t)r->conf->router.submitter_case_max) {
        /* One submitter cannot grow a case without bound: what it sends
         * beyond the limit waits for an operator, and nothing else does. */
        snprintf(detail, sizeof detail,
                 "case %s already holds %lld referrals from %s (router.submitter_case_max)",
                 case_id, r->conf->router.submitter_case_max, submitter);
        log_error("alert: %s referred the carer of case %s more than %lld times; parking %s",
                  submitter, case_id, r->conf->router.submitter_case_max, ref->id);
        carerhub__case_record__free_unpacked(c, NULL);
        return router_park(r, txn, ref, actor, detail);
    }
    if (is_new)
        c = s_new_case(r, ref, now);
    s_case_add(c, ref, submitter, key, now);
    if ((rc = s_write(r, txn, ref, actor, submitter, c, key, is_new, now)) == 0) {
        s_tally_taken(t, ref, c, is_new);
        t->taken++;
        log_info("%s: %s %s for %s (%s)", ref->id, is_new ? "new case" : "update of", c->case_id,
                 c->provider, is_new ? c->rule : "same carer");
    }
    carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

static int s_take_txn(MDB_txn *txn, void *arg)
{
    s_take_t *t = arg;
    router_t *r = t->r;
    int rc;
    /* store_write may run us again after growing the map. */
    r->next_outbox = t->outbox0;
    r->next_audit = t->audit0;
    r->next_case = t->case0;
    t->taken = t->duplicates = 0;
    smap_destroy(&t->tally);
    t->tally = smap_new();
    for (size_t i = 0; i < t->n; i++) {
        Carerhub__Forward *f = t->fwds[i].env->forward;
        const char *actor = t->fwds[i].actor[0] ? t->fwds[i].actor : "intake";
        if ((rc = s_take_intake_audit(r, txn, &t->fwds[i])) != 0)
            return rc;
        for (size_t j = 0; j < f->n_referrals; j++) {
            Carerhub__Referral *ref = f->referrals[j];
            if (!referral_id_ok(ref->id) || !ref->carer || !router_fwd_allows(&t->fwds[i], ref))
                continue; /* refused in router_take before we got here */
            if ((rc = s_take_one(r, txn, ref, actor, t)) != 0)
                return rc;
        }
    }
    if ((rc = router_tally_write(r, txn, t->tally)) != 0)
        return rc;
    return router_put_meta(r, txn);
}

bool router_fwd_allows(const router_fwd_t *f, const Carerhub__Referral *ref)
{
    return ref->has_source && ref->source == f->source && referral_id_of_source(ref->id, f->source);
}

int router_take(router_t *r, router_fwd_t *fwds, size_t n)
{
    s_take_t t = {r, fwds, n, r->next_outbox, r->next_audit, r->next_case, 0, 0, NULL};
    int rc;

    for (size_t i = 0; i < n; i++) {
        Carerhub__Forward *f = fwds[i].env->forward;
        for (size_t j = 0; j < f->n_referrals; j++) {
            Carerhub__Referral *ref = f->referrals[j];
            if (!referral_id_ok(ref->id) || !ref->carer) {
                /* Not a referral any intake of ours would send: nothing to
                 * store it under. Acknowledged so it is not sent for ever. */
                r->bad++;
                log_warn("refused a forwarded referral without a valid id or carer");
            } else if (!router_fwd_allows(&fwds[i], ref)) {
                /* Neither stored nor acknowledged: a genuine intake keeps
                 * it until the participants file lets it through. */
                char why[200];
                r->bad++;
                snprintf(why, sizeof why,
                         "%s referral %.64s refused: %s may forward only %s referrals with ids "
                         "%s-...",
                         ref->has_source ? referral_source_name(ref->source) : "unmarked", ref->id,
                         fwds[i].actor, referral_source_name(fwds[i].source),
                         referral_id_prefix(fwds[i].source));
                secure_refused(r->sec, "refused-message", fwds[i].actor, ref->id, why);
            }
        }
    }
    rc = store_write(r->store, s_take_txn, &t);
    smap_destroy(&t.tally);
    if (rc == 0) {
        r->taken += t.taken;
        r->duplicates += t.duplicates;
        return 0;
    }
    r->next_outbox = t.outbox0;
    r->next_audit = t.audit0;
    r->next_case = t.case0;
    return rc;
}
