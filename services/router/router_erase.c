/*
 * Erasing a carer's personal data from the case store (DESIGN.md, "Data
 * protection"): by an operator (carerhub erase, router_erase_req.c) or when
 * a closed case is past its retention (router_retention.c). In one
 * transaction, for the case:
 *
 *   - each referral keeps only what is not personal data, chosen field by
 *     field (a new field of Referral is erased until it is chosen here):
 *     its ids, source, times, submitter, the referring organisation's code
 *     and the flags reports and feedback count (record_carer_on_gp_record,
 *     carer_consulted); a cancellation keeps its reason code and time;
 *   - the case loses the carer, the NHS number, its 18th birthday, the
 *     routing's explanation (it names the postcode and the age) and every
 *     word an organisation wrote; it is closed (closed_reason "erased") if
 *     open, without moving it in the report table: reports count it where
 *     they counted it before;
 *   - its index keys go (the NHS number and date of birth, the names with
 *     the postcode or phone are themselves personal data; a key marked "*"
 *     as shared with another carer too), and its listings by contact-by
 *     target, birthday and organisation; its timeline keeps what happened,
 *     when and where, and loses notes, words and the organisations'
 *     outcome ids (a case system's choice, they may name the carer); a
 *     parked entry of its referrals goes; its deliveries still queued go
 *     (their snapshots hold the carer);
 *   - each organisation the case has been with is sent a delivery of kind
 *     "erasure": the ids, the next version, erased_at, nothing else;
 *   - the audit trail records "erased" with the reason (which the operator's
 *     request checked holds no personal data).
 *
 * LMDB keeps what a transaction deleted in freed pages, so the store must
 * then be rewritten (router_scrub) once the transaction has committed.
 */
#include "router.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_US 0x1f

void router_erase_reply_free(Carerhub__EraseReply *out)
{
    free(out->case_id);
    for (size_t i = 0; i < out->n_referral_ids; i++)
        free(out->referral_ids[i]);
    free(out->referral_ids);
    for (size_t i = 0; i < out->n_told; i++)
        free(out->told[i]);
    free(out->told);
    for (size_t i = 0; i < out->n_other_cases; i++)
        free(out->other_cases[i]);
    free(out->other_cases);
    carerhub__erase_reply__init(out);
}

/* --- what a referral keeps ----------------------------------------------- */

void router_erase_keep(const Carerhub__Referral *from, const char *id, router_kept_t *k)
{
    carerhub__referral__init(&k->ref);
    carerhub__gp_part__init(&k->gp);
    carerhub__discharge_part__init(&k->dis);
    carerhub__hospital__init(&k->hosp);
    carerhub__school_part__init(&k->sp);
    carerhub__school__init(&k->school);
    k->ref.id = (char *)id;
    if (!from)
        return;
    k->ref.has_source = from->has_source;
    k->ref.source = from->source;
    k->ref.has_received_at = from->has_received_at;
    k->ref.received_at = from->received_at;
    k->ref.referral_date = from->referral_date;
    k->ref.submitted_by = from->submitted_by;
    if (from->gp) {
        k->gp.practice = from->gp->practice;
        k->gp.has_record_carer_on_gp_record = from->gp->has_record_carer_on_gp_record;
        k->gp.record_carer_on_gp_record = from->gp->record_carer_on_gp_record;
        k->ref.gp = &k->gp;
    }
    if (from->discharge) {
        if (from->discharge->hospital) {
            k->hosp.trust = from->discharge->hospital->trust;
            k->dis.hospital = &k->hosp;
        }
        k->dis.has_carer_consulted = from->discharge->has_carer_consulted;
        k->dis.carer_consulted = from->discharge->carer_consulted;
        k->ref.discharge = &k->dis;
    }
    if (from->school && from->school->school) {
        k->school.urn = from->school->school->urn;
        k->sp.school = &k->school;
        k->ref.school = &k->sp;
    }
}

/* Rewrites referral record rec (key id) as erased at now. */
static int s_erase_record(router_t *r, MDB_txn *txn, const char *id, Carerhub__ReferralRecord *rec,
                          int64_t now)
{
    Carerhub__Referral *was = rec->referral;
    Carerhub__Cancellation *wasx = rec->cancellation, x = CARERHUB__CANCELLATION__INIT;
    router_kept_t k;
    int rc;
    router_erase_keep(was, id, &k);
    rec->referral = &k.ref;
    if (wasx) {
        /* Why and when stay; the referrer's words go. */
        x.referral_id = wasx->referral_id;
        x.reason = wasx->reason;
        x.has_at = wasx->has_at;
        x.at = wasx->at;
        rec->cancellation = &x;
    }
    rec->has_erased_at = true;
    rec->erased_at = now;
    rc = router_put(r, txn, DB_REFERRALS, id, strlen(id), &rec->base);
    rec->referral = was;
    rec->cancellation = wasx;
    return rc;
}

/* --- the index keys -------------------------------------------------------- */

/* Deletes key from table db when it leads to case_id, or to "*" (a key
 * several carers shared); one that leads to another case is that carer's. */
static int s_unindex_key(router_t *r, MDB_txn *txn, int db, const char *key, const char *case_id)
{
    MDB_dbi dbi = store_dbi(r->store, (size_t)db);
    MDB_val k = store_val(key), v;
    size_t n = strlen(case_id);
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (!(v.mv_size == 1 && *(const char *)v.mv_data == '*') &&
        !(v.mv_size == n && memcmp(v.mv_data, case_id, n) == 0))
        return 0;
    rc = mdb_del(txn, dbi, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The keys router_index gave the case for carer. */
static int s_unindex(router_t *r, MDB_txn *txn, const char *case_id, const Carerhub__Carer *carer)
{
    char keys[REFERRAL_KEYS_MAX][512], nhs[40];
    size_t n;
    int rc;
    if (!carer)
        return 0;
    if (referral_nhs_key(carer->nhs_number, carer->date_of_birth, nhs, sizeof nhs) == 0 &&
        (rc = s_unindex_key(r, txn, DB_BY_NHS, nhs, case_id)) != 0)
        return rc;
    n = referral_person_keys(carer, keys);
    for (size_t i = 0; i < n; i++)
        if ((rc = s_unindex_key(r, txn, DB_BY_PERSON, keys[i], case_id)) != 0)
            return rc;
    return 0;
}

/* --- the timeline ---------------------------------------------------------- */

/* Whether a timeline reason is a code of the hub's lists (a closing
 * reason, a cancellation's, why a case moved), which stays; any other is
 * an organisation's words, which go. */
static bool s_code(const char *reason)
{
    static const char *const whys[] = {"moved",    "turned_18", "rerouted", "not_ours",
                                       "assigned", "joined",    "erased",   NULL};
    if (outcome_close_reason_ok(reason) || outcome_cancel_reason_ok(reason))
        return true;
    for (size_t i = 0; whys[i]; i++)
        if (strcmp(reason, whys[i]) == 0)
            return true;
    return false;
}

static void s_told_add(char ***told, size_t *n, const char *provider)
{
    if (provider && route_id_ok(provider) && *n < ROUTER_MAX_AGENTS)
        router_strv_add(told, n, provider);
}

/* Forgets that the organisation recorded outcome id of case c (its key
 * and the timeline entry's): an id is the case system's choice, and may
 * name the carer. The case is closed: that outcome sent again is refused. */
static int s_outcome_id_drop(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                             const char *provider, const char *id)
{
    MDB_dbi dbi = store_dbi(r->store, DB_OUTCOME_IDS);
    char *key = xasprintf("%s\n%s", provider, id);
    MDB_val k = store_val(key), v;
    Carerhub__OutcomeSeen *seen = NULL;
    int rc = strlen(key) > 500 ? MDB_NOTFOUND : mdb_get(txn, dbi, &k, &v);
    if (rc == 0 && (seen = carerhub__outcome_seen__unpack(NULL, v.mv_size, v.mv_data)) &&
        seen->case_id && strcmp(seen->case_id, c->case_id) == 0)
        rc = mdb_del(txn, dbi, &k, NULL);
    if (seen)
        carerhub__outcome_seen__free_unpacked(seen, NULL);
    free(key);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Clears the notes, words and outcome ids of case c's timeline (what
 * happened, when, where and the codes stay), and adds each organisation
 * it names to told. */
static int s_timeline(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c, char ***told,
                      size_t *ntold)
{
    uint32_t total = c->has_timeline_next ? c->timeline_next : 0;
    size_t len = strlen(c->case_id);
    uint8_t key[CASE_ID_MAX + 8];
    int rc = 0;

    if (len > CASE_ID_MAX)
        return 0;
    memcpy(key, c->case_id, len);
    key[len] = S_US;
    for (uint32_t i = 0; i < total && rc == 0; i++) {
        MDB_val k = {len + 5, key}, v;
        Carerhub__TimelineRecord *rec;
        Carerhub__TimelineEvent *ev;
        bool changed = false;
        key[len + 1] = (uint8_t)(i >> 24);
        key[len + 2] = (uint8_t)(i >> 16);
        key[len + 3] = (uint8_t)(i >> 8);
        key[len + 4] = (uint8_t)i;
        if ((rc = mdb_get(txn, store_dbi(r->store, DB_TIMELINE), &k, &v)) == MDB_NOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc != 0 || !(rec = carerhub__timeline_record__unpack(NULL, v.mv_size, v.mv_data)))
            continue;
        if ((ev = rec->event) != NULL) {
            s_told_add(told, ntold, ev->provider);
            s_told_add(told, ntold, ev->to);
            if (ev->note) {
                free(ev->note);
                ev->note = NULL;
                changed = true;
            }
            if (ev->reason && !s_code(ev->reason)) {
                free(ev->reason);
                ev->reason = NULL;
                changed = true;
            }
        }
        if (rec->outcome_id) {
            /* Recorded under the reporting organisation, the event's. */
            if (ev && ev->provider)
                rc = s_outcome_id_drop(r, txn, c, ev->provider, rec->outcome_id);
            free(rec->outcome_id);
            rec->outcome_id = NULL;
            changed = true;
        }
        if (rc == 0 && changed)
            rc = router_put(r, txn, DB_TIMELINE, key, len + 5, &rec->base);
        carerhub__timeline_record__free_unpacked(rec, NULL);
    }
    return rc;
}

/* --- deliveries ------------------------------------------------------------ */

/* Drops every delivery of case_id still queued, for any organisation; the
 * agents of those organisations are sent their outboxes anew. */
static int s_outbox_drop(router_t *r, MDB_txn *txn, const char *case_id)
{
    MDB_dbi dbi = store_dbi(r->store, DB_OUTBOX);
    MDB_cursor *cur;
    MDB_val k, v;
    uint8_t(*keys)[64] = NULL;
    size_t *lens = NULL, n = 0, cap = 0;
    int rc, get;

    if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
        return rc;
    for (get = mdb_cursor_get(cur, &k, &v, MDB_FIRST); get == 0;
         get = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__OutboxEntry *e;
        bool ours;
        if (k.mv_size > sizeof keys[0])
            continue;
        e = carerhub__outbox_entry__unpack(NULL, v.mv_size, v.mv_data);
        ours = e && e->case_id && strcmp(e->case_id, case_id) == 0;
        if (e)
            carerhub__outbox_entry__free_unpacked(e, NULL);
        if (!ours)
            continue;
        if (n == cap) {
            size_t c2 = cap;
            keys = xgrow(keys, &cap, n + 1, sizeof *keys);
            lens = xgrow(lens, &c2, n + 1, sizeof *lens);
        }
        memcpy(keys[n], k.mv_data, k.mv_size);
        lens[n++] = k.mv_size;
    }
    mdb_cursor_close(cur);
    rc = get == MDB_NOTFOUND ? 0 : get;
    for (size_t i = 0; i < n && rc == 0; i++) {
        MDB_val dk = {lens[i], keys[i]};
        rc = mdb_del(txn, dbi, &dk, NULL);
        if (rc == MDB_NOTFOUND)
            rc = 0;
        /* The key is provider, NUL, sequence: what was sent to its agent
         * may be gone. Sent again from the oldest, harmlessly. */
        if (rc == 0 && memchr(keys[i], '\0', lens[i]))
            router_agent_rewind(r, (const char *)keys[i]);
    }
    free(keys);
    free(lens);
    return rc;
}

/* Queues the erasure notice of case c (erased, of its new version) for
 * provider: the case id, the version, when, and the ids of its referrals. */
static int s_queue_erasure(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                           const char *provider, int64_t now)
{
    Carerhub__OutboxEntry out = CARERHUB__OUTBOX_ENTRY__INIT;
    Carerhub__Case s = CARERHUB__CASE__INIT;
    Carerhub__Referral *refs = xcalloc(c->n_referral_ids + 1, sizeof *refs);
    Carerhub__Referral **ptrs = xcalloc(c->n_referral_ids + 1, sizeof *ptrs);
    int p = route_provider_find(r->rt, provider), rc;
    uint8_t okey[64];

    for (size_t i = 0; i < c->n_referral_ids; i++) {
        carerhub__referral__init(&refs[i]);
        refs[i].id = c->referral_ids[i];
        ptrs[i] = &refs[i];
    }
    s.case_id = c->case_id;
    s.provider = (char *)provider;
    s.provider_name = p >= 0 ? (char *)route_provider_name(r->rt, p) : NULL;
    s.has_version = true;
    s.version = c->version;
    s.has_updated_at = true;
    s.updated_at = now;
    s.has_erased_at = true;
    s.erased_at = c->erased_at;
    s.n_referrals = c->n_referral_ids;
    s.referrals = ptrs;
    out.case_id = c->case_id;
    out.kind = (char *)"erasure";
    out.has_queued_at = true;
    out.queued_at = now;
    out.has_referral_count = true;
    out.referral_count = 0;
    out.snapshot = &s;
    ++r->next_outbox;
    rc = router_put(r, txn, DB_OUTBOX, okey,
                    router_outbox_key(provider, r->next_outbox, okey, sizeof okey), &out.base);
    free(refs);
    free(ptrs);
    return rc;
}

/* --- the case -------------------------------------------------------------- */

/* Whether carer was under 18 on the day of at, as router_report.c reads a
 * case that did not keep it. */
static bool s_young_on(const Carerhub__Carer *carer, int64_t at)
{
    date_t dob;
    if (!carer || !carer->date_of_birth || date_parse(carer->date_of_birth, &dob) < 0)
        return false;
    return referral_young_carer(date_age(dob, date_of_ms(at)));
}

#define S_DROP(field)                                                                              \
    do {                                                                                           \
        free(field);                                                                               \
        (field) = NULL;                                                                            \
    } while (0)

/* What case c keeps: all but the carer and the words. The young carer
 * flag of its report key is kept first: without a carer it could not be
 * read again. */
static void s_clear_case(Carerhub__CaseRecord *c, const char *reason, int64_t now)
{
    if (!c->has_opened_young && c->has_opened_at) {
        c->has_opened_young = true;
        c->opened_young = s_young_on(c->carer, c->opened_at);
    }
    if (c->carer)
        carerhub__carer__free_unpacked(c->carer, NULL);
    c->carer = NULL;
    S_DROP(c->nhs_number);
    for (size_t i = 0; i < c->n_match_keys; i++)
        free(c->match_keys[i]);
    S_DROP(c->match_keys);
    c->n_match_keys = 0;
    S_DROP(c->reason); /* route_explain's words name the postcode and the age */
    S_DROP(c->transfer_reason);
    S_DROP(c->urgent_until);
    S_DROP(c->turns_18);
    c->has_erased_at = true;
    c->erased_at = now;
    S_DROP(c->erasure_reason);
    c->erasure_reason = xstrdup(reason);
    c->has_version = true;
    c->version++;
    c->has_updated_at = true;
    c->updated_at = now;
}

/* Closes c as erased if open; a closed one keeps no listing either. */
static int s_close(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, int64_t now)
{
    int rc;
    if (!c->closed)
        return router_case_close(r, txn, c, "erased", now);
    if ((rc = router_contact_due(r, txn, c, NULL)) != 0)
        return rc;
    if (c->turns_18) {
        char key[DATE_STRLEN + CASE_ID_MAX + 8];
        MDB_val k;
        snprintf(key, sizeof key, "%s\x1f%s", c->turns_18, c->case_id);
        k = store_val(key);
        if ((rc = mdb_del(txn, store_dbi(r->store, DB_TURNS_18), &k, NULL)) != 0 &&
            rc != MDB_NOTFOUND)
            return rc;
    }
    return 0;
}

int router_erase_mark(router_t *r, MDB_txn *txn)
{
    MDB_val k = store_val(ROUTER_SCRUB_KEY), v = {1, (void *)"1"};
    r->scrub_due = true;
    r->scrub_next = 0;
    return mdb_put(txn, store_dbi(r->store, DB_META), &k, &v, 0);
}

static void s_reply(Carerhub__EraseReply *out, const Carerhub__CaseRecord *c, char **told,
                    size_t ntold, bool already)
{
    if (!out)
        return;
    router_erase_reply_free(out);
    out->case_id = xstrdup(c->case_id);
    for (size_t i = 0; i < c->n_referral_ids; i++)
        router_strv_add(&out->referral_ids, &out->n_referral_ids, c->referral_ids[i]);
    for (size_t i = 0; i < ntold; i++)
        router_strv_add(&out->told, &out->n_told, told[i]);
    out->has_erased_at = true;
    out->erased_at = c->erased_at;
    out->has_already = already;
    out->already = already;
}

/* The referral records, index keys, parked entries and timeline of c, as
 * the top of this file says; the organisations it has been with into
 * told. */
static int s_erase_parts(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, int64_t now,
                         char ***told, size_t *ntold)
{
    int rc = s_unindex(r, txn, c->case_id, c->carer);
    for (size_t i = 0; i < c->n_referral_ids && rc == 0; i++) {
        const char *id = c->referral_ids[i];
        Carerhub__ReferralRecord *rec = router_get_referral(r, txn, id);
        MDB_val k = store_val(id);
        if (rec && rec->case_id && strcmp(rec->case_id, c->case_id) != 0) {
            /* Joined into another case since: that case holds it now, and
             * erasing this one must not reach into it. */
            carerhub__referral_record__free_unpacked(rec, NULL);
            continue;
        }
        if (rec && rec->referral)
            rc = s_unindex(r, txn, c->case_id, rec->referral->carer);
        if (rc == 0 && rec)
            rc = s_erase_record(r, txn, id, rec, now);
        /* Its delivery held back for an operator: moot now. */
        if (rc == 0 && strlen(id) <= REFERRAL_ID_MAX &&
            (rc = mdb_del(txn, store_dbi(r->store, DB_PARKED), &k, NULL)) == MDB_NOTFOUND)
            rc = 0;
        if (rec)
            carerhub__referral_record__free_unpacked(rec, NULL);
    }
    if (rc == 0)
        rc = s_timeline(r, txn, c, told, ntold);
    return rc;
}

int router_erase_case(router_t *r, MDB_txn *txn, const char *case_id, const char *reason,
                      int64_t now, const char *actor, Carerhub__EraseReply *out)
{
    Carerhub__CaseRecord *c = router_get_case(r, txn, case_id);
    char **told = NULL, detail[400];
    size_t ntold = 0, used;
    int rc;

    if (!c)
        return MDB_NOTFOUND;
    if (c->has_erased_at) {
        s_reply(out, c, NULL, 0, true);
        carerhub__case_record__free_unpacked(c, NULL);
        return 0;
    }
    /* Where it is now, then where it was. */
    s_told_add(&told, &ntold, c->provider);
    s_told_add(&told, &ntold, c->transferred_from);
    rc = s_erase_parts(r, txn, c, now, &told, &ntold);
    if (rc == 0)
        rc = s_outbox_drop(r, txn, c->case_id);
    if (rc == 0)
        rc = s_close(r, txn, c, now);
    if (rc == 0) {
        s_clear_case(c, reason, now);
        /* Not router_put_case: the report counts the case where it did. */
        rc = router_inbox_note(r, txn, c);
    }
    if (rc == 0)
        rc = router_put(r, txn, DB_CASES, c->case_id, strlen(c->case_id), &c->base);
    for (size_t i = 0; i < ntold && rc == 0; i++)
        rc = s_queue_erasure(r, txn, c, told[i], now);
    used = (size_t)snprintf(detail, sizeof detail, "reason: %s; told:", reason);
    for (size_t i = 0; i < ntold && used < sizeof detail; i++)
        used += (size_t)snprintf(detail + used, sizeof detail - used, " %s", told[i]);
    if (ntold == 0 && used < sizeof detail)
        snprintf(detail + used, sizeof detail - used, " none");
    if (rc == 0)
        rc = router_audit(r, txn, "erased", actor, NULL, c->case_id, c->provider, detail);
    if (rc == 0)
        rc = router_count(r, txn, "erased", 1);
    if (rc == 0)
        rc = router_erase_mark(r, txn);
    if (rc == 0)
        s_reply(out, c, told, ntold, false);
    for (size_t i = 0; i < ntold; i++)
        free(told[i]);
    free(told);
    carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}
