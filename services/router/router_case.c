/*
 * A case over time: see "A case over time" in DESIGN.md. Every referral of
 * an open case routes it again, with the carer as now known; when another
 * organisation serves the carer now (they moved, or turned 18), the case
 * moves: the new organisation receives the whole case (transfer_in), the
 * old one a notice that it has gone and to whom (transfer_out, without the
 * carer's details), and nothing of the case goes to the old one after.
 *
 * Each delivery is queued with the case as it stands then (a snapshot in
 * its outbox entry): the same version is the same file however often it is
 * sent, and a later change can never reach an organisation through an
 * earlier delivery.
 */
#include "router.h"

#include "domain/outcome.h"
#include "domain/postcode.h"
#include "domain/referral.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool router_strv_add(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return false;
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = xstrdup(s);
    return true;
}

static int s_age(const Carerhub__CaseRecord *c, date_t on)
{
    date_t dob;
    if (!c->carer || date_parse(c->carer->date_of_birth, &dob) < 0)
        return -1;
    return date_age(dob, on);
}

/* The unit table as it is now: one imported while the router runs is used
 * from the next decision, without a reload (pcdb_follow). */
static void s_follow_units(router_t *r)
{
    char *dir = hubconf_data_path(r->conf, "postcodes");
    if (pcdb_follow(&r->pcdb, dir))
        log_info("postcode unit table %s: %s", dir,
                 r->pcdb ? "opened, as imported" : "no longer there; routing by districts");
    free(dir);
}

/* The routing decision for the carer as now known, into d's routing
 * fields. Returns whether it resolved (else it is triage's). */
static bool s_decide(router_t *r, const Carerhub__Carer *carer, int age, Carerhub__Source src,
                     Carerhub__CaseRecord *d)
{
    route_result_t res;
    buf_t reason = BUF_INIT;
    char pc[POSTCODE_MAX];
    const geo_t *g = route_geo(r->rt);
    int lad;

    if (!carer || postcode_normalise(carer->postcode, pc) < 0)
        strcpy(pc, "");
    s_follow_units(r);
    route_decide(r->rt, pc, age, referral_route_source(src), r->pcdb ? pcdb_lookup : NULL, r->pcdb,
                 &res);
    route_explain(r->rt, &res, &reason);
    d->provider = xstrdup(route_provider_id(r->rt, res.provider));
    d->provider_name = xstrdup(route_provider_name(r->rt, res.provider));
    d->rule = xstrdup(route_rule_name(r->rt, &res));
    d->reason = buf_take(&reason);
    lad = route_result_lad(&res);
    if (res.by == ROUTE_BY_ISLAND) {
        /* No authority: a Crown Dependency's name is only the signpost. */
    } else if (lad >= 0) {
        d->lad = xstrdup(geo_lad_code(g, (geo_lad_t)lad));
        d->lad_name = xstrdup(geo_lad_name(g, (geo_lad_t)lad));
    } else if (res.ncands == 1) {
        d->lad = xstrdup(res.unlisted);
    }
    for (size_t i = 0; i < res.ncands && res.by != ROUTE_BY_ISLAND; i++)
        router_strv_add(&d->candidates, &d->n_candidates,
                        res.cands[i] == GEO_UNLISTED ? res.unlisted
                                                     : geo_lad_code(g, res.cands[i]));
    if (route_provider_signposts(r->rt, res.provider)) {
        buf_t sp = BUF_INIT;
        for (size_t i = 0; i < res.ncands; i++) {
            if (i)
                buf_adds(&sp, " or ");
            buf_adds(&sp,
                     res.cands[i] == GEO_UNLISTED ? res.unlisted : geo_lad_name(g, res.cands[i]));
        }
        d->signpost = buf_take(&sp);
    }
    return res.outcome == ROUTE_RESOLVED;
}

#define S_SWAP(a, b)                                                                               \
    do {                                                                                           \
        void *t_ = (void *)(a);                                                                    \
        (a) = (b);                                                                                 \
        (b) = t_;                                                                                  \
    } while (0)

/* The routing fields of d become c's (and c's old ones d's, to be freed). */
static void s_apply(Carerhub__CaseRecord *c, Carerhub__CaseRecord *d)
{
    size_t n;
    S_SWAP(c->provider, d->provider);
    S_SWAP(c->provider_name, d->provider_name);
    S_SWAP(c->rule, d->rule);
    S_SWAP(c->reason, d->reason);
    S_SWAP(c->lad, d->lad);
    S_SWAP(c->lad_name, d->lad_name);
    S_SWAP(c->signpost, d->signpost);
    S_SWAP(c->candidates, d->candidates);
    n = c->n_candidates;
    c->n_candidates = d->n_candidates;
    d->n_candidates = n;
}

static void s_routing_free(Carerhub__CaseRecord *d)
{
    free(d->provider);
    free(d->provider_name);
    free(d->rule);
    free(d->reason);
    free(d->lad);
    free(d->lad_name);
    free(d->signpost);
    for (size_t i = 0; i < d->n_candidates; i++)
        free(d->candidates[i]);
    free(d->candidates);
}

Carerhub__CaseRecord *router_case_open(router_t *r, const router_match_t *m, int64_t now)
{
    Carerhub__CaseRecord *c = xmalloc(sizeof *c);
    carerhub__case_record__init(c);
    c->case_id = xasprintf("C-%06llu", (unsigned long long)++r->next_case);
    c->has_opened_at = true;
    c->opened_at = now;
    if (m->previous[0])
        c->previous_case = xstrdup(m->previous);
    if (m->conflict[0]) {
        c->has_identity_conflict = c->identity_conflict = true;
        c->conflict_reason = xstrdup(m->conflict);
    }
    return c;
}

/* The flags as they stand on the day of now: urgent until the latest
 * urgent discharge date; young carer and transition by age that day;
 * priority as its referrals made it (router_case_priority_recompute). */
static void s_flags(const Carerhub__CaseRecord *c, int64_t now, Carerhub__Case *s)
{
    static Carerhub__CaseFlags none = {PROTOBUF_C_MESSAGE_INIT(&carerhub__case_flags__descriptor),
                                       true, false, NULL};
    date_t today = date_of_ms(now), until;
    int age = s_age(c, today);
    s->has_urgent = s->has_young_carer = s->has_transition = true;
    s->urgent = c->urgent_until && date_parse(c->urgent_until, &until) == 0 && until >= today;
    s->young_carer = referral_young_carer(age);
    s->transition = referral_transition(age);
    s->has_identity_conflict = true;
    s->identity_conflict = c->identity_conflict;
    s->conflict_reason = c->conflict_reason;
    s->flags = c->flags && c->flags->priority ? c->flags : &none;
}

void router_case_snapshot(const Carerhub__CaseRecord *c, int64_t now, Carerhub__Case *s)
{
    s->case_id = c->case_id;
    s->provider = c->provider;
    s->provider_name = c->provider_name;
    s->rule = c->rule;
    s->reason = c->reason;
    s->lad = c->lad;
    s->lad_name = c->lad_name;
    s->n_candidates = c->n_candidates;
    s->candidates = c->candidates;
    s->signpost = c->signpost;
    s->has_opened_at = c->has_opened_at;
    s->opened_at = c->opened_at;
    s->has_updated_at = true;
    s->updated_at = now;
    s->has_version = true;
    s->version = c->version;
    s->carer = c->carer;
    s->previous_case = c->previous_case;
    s->contact_by = c->contact_by;
    s->has_closed = c->closed;
    s->closed = c->closed;
    s->closed_reason = c->closed_reason;
    s_flags(c, now, s);
}

typedef struct {
    const char *provider, *kind, *referral_id;
    uint32_t referral_count;
    Carerhub__Case *snapshot;
} s_queued_t;

static int s_queue(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c, const s_queued_t *q,
                   int64_t now)
{
    Carerhub__OutboxEntry out = CARERHUB__OUTBOX_ENTRY__INIT;
    uint8_t okey[64];
    out.referral_id = (char *)q->referral_id;
    out.case_id = c->case_id;
    out.kind = (char *)q->kind;
    out.has_queued_at = true;
    out.queued_at = now;
    out.has_referral_count = true;
    out.referral_count = q->referral_count;
    out.snapshot = q->snapshot;
    ++r->next_outbox;
    return router_put(r, txn, DB_OUTBOX, okey,
                      router_outbox_key(q->provider, r->next_outbox, okey, sizeof okey), &out.base);
}

/* Queues the delivery of c to its provider. */
static int s_deliver(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c, const char *kind,
                     const char *rid, int64_t now)
{
    Carerhub__Case s = CARERHUB__CASE__INIT;
    s_queued_t q = {c->provider, kind, rid, (uint32_t)c->n_referral_ids, &s};
    router_case_snapshot(c, now, &s);
    if (strcmp(kind, "transfer_in") == 0) {
        s.transferred_from = c->transferred_from;
        s.transferred_from_name = c->transferred_from_name;
        s.transferred_to = c->provider;
        s.transferred_to_name = c->provider_name;
        s.transfer_why = c->transfer_why;
        s.transfer_reason = c->transfer_reason;
    }
    return s_queue(r, txn, c, &q, now);
}

/* The notice to the organisation a case left: the case id, the version,
 * where it went and why; nothing of the carer. */
static int s_notify_gone(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c, int64_t now)
{
    Carerhub__Case s = CARERHUB__CASE__INIT;
    s_queued_t q = {c->transferred_from, "transfer_out", NULL, 0, &s};
    s.case_id = c->case_id;
    s.provider = c->transferred_from;
    s.provider_name = c->transferred_from_name;
    s.has_version = true;
    s.version = c->version;
    s.has_updated_at = true;
    s.updated_at = now;
    s.transferred_from = c->transferred_from;
    s.transferred_from_name = c->transferred_from_name;
    s.transferred_to = c->provider;
    s.transferred_to_name = c->provider_name;
    s.transfer_why = c->transfer_why;
    return s_queue(r, txn, c, &q, now);
}

static const char *s_why_text(const char *why)
{
    return strcmp(why, "turned_18") == 0 ? "the carer has turned 18"
           : strcmp(why, "moved") == 0 ? "the carer's address is now in another organisation's area"
           : strcmp(why, "not_ours") == 0 ? "it passed the case on as not theirs to support"
           : strcmp(why, "assigned") == 0 ? "the triage service assigned the case"
                                          : "the routing rules now send the carer elsewhere";
}

/* Whether the case was last placed by a person (passed on, assigned):
 * then only a move or an 18th birthday routes it anew. */
static bool s_by_hand(const Carerhub__CaseRecord *c)
{
    return c->transfer_why &&
           (strcmp(c->transfer_why, "not_ours") == 0 || strcmp(c->transfer_why, "assigned") == 0);
}

/* The routing of a case that moved says so, and why, for as long as it
 * stays where it moved to. */
static void s_explain_move(Carerhub__CaseRecord *c)
{
    const char *was = c->reason ? c->reason : "";
    size_t len = strlen(was);
    char *reason;
    if (!c->transferred_from || !c->transfer_why)
        return;
    if (len > 0 && was[len - 1] == '.')
        len--; /* the routing's explanation ends its own sentence */
    reason = xasprintf("%.*s. The case came from %s: %s.", (int)len, was,
                       c->transferred_from_name ? c->transferred_from_name : c->transferred_from,
                       s_why_text(c->transfer_why));
    free(c->reason);
    c->reason = reason;
}

/* The move on the case's timeline: from, to, why, and the words the
 * passing organisation gave. */
static int s_timeline_move(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, int64_t now)
{
    Carerhub__TimelineEvent ev = CARERHUB__TIMELINE_EVENT__INIT;
    ev.has_at = true;
    ev.at = now;
    ev.event = (char *)"transferred";
    ev.provider = c->transferred_from;
    ev.provider_name = c->transferred_from_name;
    ev.to = c->provider;
    ev.to_name = c->provider_name;
    ev.reason = c->transfer_why;
    ev.note = c->transfer_reason;
    return router_timeline_add(r, txn, c, &ev, "carerhub-router", NULL);
}

/* Case c moves to the organisation of decision d, for why (words: the
 * passing organisation's, or NULL); the new one starts it at delivered. */
static int s_transfer(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, Carerhub__CaseRecord *d,
                      const char *why, const char *words, const char *rid, int64_t now)
{
    char detail[200], stat[64];
    int rc;
    free(c->transferred_from);
    free(c->transferred_from_name);
    free(c->transfer_why);
    free(c->transfer_reason);
    c->transferred_from = xstrdup(c->provider);
    c->transferred_from_name = xstrdup(c->provider_name ? c->provider_name : c->provider);
    c->transfer_why = xstrdup(why);
    c->transfer_reason = words ? xstrdup(words) : NULL;
    c->has_transferred_at = true;
    c->transferred_at = now;
    free(c->state);
    c->state = xstrdup(OUTCOME_DELIVERED);
    c->has_state_at = true;
    c->state_at = now;
    s_apply(c, d);
    s_explain_move(c);
    if ((rc = s_notify_gone(r, txn, c, now)) != 0 ||
        (rc = s_deliver(r, txn, c, "transfer_in", rid, now)) != 0 ||
        (rc = s_timeline_move(r, txn, c, now)) != 0)
        return rc;
    snprintf(detail, sizeof detail, "case moved from %s to %s (%s), version %u",
             c->transferred_from, c->provider, why, c->version);
    log_info("%s: %s", c->case_id, detail);
    snprintf(stat, sizeof stat, "transfers/%s", why);
    if ((rc = router_count(r, txn, "transfers", 1)) != 0 ||
        (rc = router_count(r, txn, stat, 1)) != 0)
        return rc;
    return router_audit(r, txn, "transferred", "carerhub-router", rid, c->case_id, c->provider,
                        detail);
}

/* Notes a young carer's case for its 18th birthday (once per case). */
static int s_note_birthday(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c)
{
    date_t dob;
    char day[DATE_STRLEN], key[128];
    MDB_val k, v = {0, ""};
    if (c->turns_18 || !c->carer || date_parse(c->carer->date_of_birth, &dob) < 0)
        return 0;
    date_format(date_birthday(dob, 18), day);
    c->turns_18 = xstrdup(day);
    snprintf(key, sizeof key, "%s\x1f%s", day, c->case_id);
    k = store_val(key);
    return mdb_put(txn, store_dbi(r->store, DB_TURNS_18), &k, &v, 0);
}

/* Forgets case c's 18th birthday once it has passed (moved or not): a
 * later route of the case is for another reason, and a person's placing
 * stands against it. */
static int s_forget_birthday(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c)
{
    char key[128];
    MDB_val k;
    int rc;
    snprintf(key, sizeof key, "%s\x1f%s", c->turns_18, c->case_id);
    k = store_val(key);
    rc = mdb_del(txn, store_dbi(r->store, DB_TURNS_18), &k, NULL);
    free(c->turns_18);
    c->turns_18 = NULL;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int router_case_route(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, Carerhub__Source src,
                      date_t on, const char *rid, bool moved, int64_t now, const char **kind)
{
    Carerhub__CaseRecord d = CARERHUB__CASE_RECORD__INIT;
    int age = s_age(c, on);
    date_t birthday;
    bool resolved = s_decide(r, c->carer, age, src, &d);
    bool turned = c->turns_18 && date_parse(c->turns_18, &birthday) == 0 && on >= birthday;
    bool elsewhere = c->provider && strcmp(d.provider, c->provider) != 0;
    int rc = 0;

    *kind = NULL;
    /* A carer who moved, or turned 18, to where no one is found goes to
     * triage: the old organisation is told nothing of the new address. A
     * case a person placed stays where they placed it until then. */
    if (elsewhere && (moved || turned || (resolved && !s_by_hand(c)))) {
        c->has_version = true;
        c->version++;
        c->has_updated_at = true;
        c->updated_at = now;
        *kind = "transfer_in";
        rc = s_transfer(r, txn, c, &d,
                        turned  ? "turned_18"
                        : moved ? "moved"
                                : "rerouted",
                        NULL, rid, now);
        /* A young carer's case goes to adult services: counted for this
         * move only, its birthday forgotten below. */
        if (rc == 0 && turned)
            rc = router_report_transition(r, txn, c->transferred_from, now);
    } else if (rid) {
        /* A referral: delivered to the case's organisation, with its routing
         * explained anew when it resolves (else as it was). */
        *kind = c->provider ? "update" : "new";
        if (!c->provider || (resolved && !elsewhere)) {
            s_apply(c, &d);
            s_explain_move(c);
        }
        c->has_version = true;
        c->version++;
        c->has_updated_at = true;
        c->updated_at = now;
        rc = s_deliver(r, txn, c, *kind, rid, now);
    }
    if (rc == 0 && turned)
        rc = s_forget_birthday(r, txn, c);
    if (rc == 0 && referral_young_carer(age))
        rc = s_note_birthday(r, txn, c);
    s_routing_free(&d);
    return rc;
}

/* The id of the newest referral of c not cancelled (NULL if none):
 * borrowed from c. */
static const char *s_newest_standing(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c)
{
    for (size_t i = c->n_referral_ids; i-- > 0;) {
        Carerhub__ReferralRecord *rec = router_get_referral(r, txn, c->referral_ids[i]);
        bool cancelled = rec && rec->cancellation;
        if (rec)
            carerhub__referral_record__free_unpacked(rec, NULL);
        if (!cancelled)
            return c->referral_ids[i];
    }
    return NULL;
}

int router_case_move(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, int provider,
                     const char *why, const char *reason, int64_t now)
{
    Carerhub__CaseRecord d = CARERHUB__CASE_RECORD__INIT;
    char day[DATE_STRLEN];
    int rc;

    CH_ASSERT(provider >= 0 && (size_t)provider < route_provider_count(r->rt));
    /* Contact made at the old organisation is not contact by the new one,
     * which has its own days to reach the carer (in its delivery). */
    if (!c->contact_by && router_contact_by_moved(r, s_newest_standing(r, txn, c), now, day) &&
        (rc = router_contact_due(r, txn, c, day)) != 0)
        return rc;
    /* The carer's area is as it was; only the organisation changes. */
    d.provider = xstrdup(route_provider_id(r->rt, provider));
    d.provider_name = xstrdup(route_provider_name(r->rt, provider));
    d.rule = xstrdup(strcmp(why, "assigned") == 0 ? "assigned" : "passed-on");
    d.reason = xstrdup("Placed by hand, not by the routing rules");
    d.lad = c->lad ? xstrdup(c->lad) : NULL;
    d.lad_name = c->lad_name ? xstrdup(c->lad_name) : NULL;
    if (route_provider_signposts(r->rt, provider) && c->signpost)
        d.signpost = xstrdup(c->signpost);
    for (size_t i = 0; i < c->n_candidates; i++)
        router_strv_add(&d.candidates, &d.n_candidates, c->candidates[i]);
    c->has_version = true;
    c->version++;
    c->has_updated_at = true;
    c->updated_at = now;
    rc = s_transfer(r, txn, c, &d, why, reason, NULL, now);
    s_routing_free(&d);
    return rc;
}

/* The notice of a cancelled referral: which, why, and whether the case is
 * closed by it; nothing of the carer, and no referrals. */
static int s_notify_cancelled(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                              const char *rid, const Carerhub__Cancellation *cancel, int64_t now)
{
    Carerhub__Case s = CARERHUB__CASE__INIT;
    s_queued_t q = {c->provider, "cancelled", rid, 0, &s};
    s.case_id = c->case_id;
    s.provider = c->provider;
    s.provider_name = c->provider_name;
    s.has_version = true;
    s.version = c->version;
    s.has_opened_at = c->has_opened_at;
    s.opened_at = c->opened_at;
    s.has_updated_at = true;
    s.updated_at = now;
    s.cancellation = (Carerhub__Cancellation *)cancel;
    s.has_closed = true;
    s.closed = c->closed;
    s.closed_reason = c->closed_reason;
    return s_queue(r, txn, c, &q, now);
}

int router_case_notify(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, const char *kind,
                       const char *referral_id, const Carerhub__Cancellation *cancel, int64_t now)
{
    bool cancelled = strcmp(kind, "cancelled") == 0;
    CH_ASSERT(c->provider && (cancelled ? cancel != NULL : strcmp(kind, "update") == 0));
    c->has_version = true;
    c->version++;
    c->has_updated_at = true;
    c->updated_at = now;
    return cancelled ? s_notify_cancelled(r, txn, c, referral_id, cancel, now)
                     : s_deliver(r, txn, c, "update", referral_id, now);
}

int router_case_flag(router_t *r, MDB_txn *txn, const router_match_t *m,
                     const Carerhub__CaseRecord *c)
{
    for (size_t i = 0; i < m->nconflicting; i++) {
        Carerhub__CaseRecord *other = router_get_case(r, txn, m->conflicting[i]);
        int rc;
        bool raised;
        if (!other)
            continue;
        raised = !other->identity_conflict;
        if (raised) {
            other->has_identity_conflict = other->identity_conflict = true;
            free(other->conflict_reason);
            other->conflict_reason =
                xasprintf("case %s was given the same NHS number with another date of birth: not "
                          "joined; check the NHS number and date of birth with the carer",
                          c->case_id);
        }
        /* Its organisation hears of the flag too: the case, as it stands,
         * raised to its next version; nothing of the other carer. */
        if (raised && !other->closed && other->provider) {
            int64_t now = clock_now_ms();
            other->has_version = other->has_updated_at = true;
            other->version++;
            other->updated_at = now;
            rc = s_deliver(r, txn, other, "update", NULL, now);
        } else {
            rc = 0;
        }
        if (rc == 0)
            rc = router_put_case(r, txn, other);
        if (rc == 0)
            rc = router_conflict_note(r, txn, other);
        /* Which case it is in conflict with, for an operator to resolve. */
        if (rc == 0 && !other->closed && c->identity_conflict)
            rc = router_conflict_pair(r, txn, other->case_id, c->case_id);
        carerhub__case_record__free_unpacked(other, NULL);
        if (rc)
            return rc;
    }
    if (c->identity_conflict) {
        /* A new case opened flagged (router_take). */
        int rc = router_conflict_note(r, txn, c);
        if (rc)
            return rc;
    }
    if (m->nconflicting || c->identity_conflict) {
        log_error("alert: identity conflict: case %s and %s: %s", c->case_id,
                  m->nconflicting ? m->conflicting[0] : "another", c->conflict_reason);
        return router_count(r, txn, "identity_conflicts", 1);
    }
    return 0;
}

int router_case_link(router_t *r, MDB_txn *txn, const char *prev, const Carerhub__CaseRecord *c)
{
    Carerhub__CaseRecord *p = router_get_case(r, txn, prev);
    int rc;
    if (!p)
        return 0;
    free(p->next_case);
    p->next_case = xstrdup(c->case_id);
    rc = router_put_case(r, txn, p);
    carerhub__case_record__free_unpacked(p, NULL);
    if (rc == 0)
        rc = router_count(r, txn, "episodes", 1);
    return rc;
}
