/*
 * Contact-by targets and the end of a case: each referral gives its case
 * a day by which the organisation should have contacted the carer (the
 * earliest open one stands), indexed in the contact_due table by day so
 * overdue cases come first; a contact ends it, and the urgent flag of a
 * discharge. Closing a case ends both, its 18th-birthday move, and its
 * listing among identity conflicts.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_due_key(const char *day, const char *case_id, char *out, size_t outsz)
{
    return snprintf(out, outsz, "%s\x1f%s", day, case_id);
}

int router_contact_due(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, const char *due)
{
    char key[DATE_STRLEN + CASE_ID_MAX + 8];
    MDB_val k, v = {0, ""};
    int rc;
    if (due && c->contact_by && strcmp(c->contact_by, due) <= 0)
        return 0; /* the earlier target stands */
    if (c->contact_by) {
        s_due_key(c->contact_by, c->case_id, key, sizeof key);
        k = store_val(key);
        rc = mdb_del(txn, store_dbi(r->store, DB_CONTACT_DUE), &k, NULL);
        if (rc != 0 && rc != MDB_NOTFOUND)
            return rc;
        free(c->contact_by);
        c->contact_by = NULL;
    }
    if (!due)
        return 0;
    s_due_key(due, c->case_id, key, sizeof key);
    k = store_val(key);
    if ((rc = mdb_put(txn, store_dbi(r->store, DB_CONTACT_DUE), &k, &v, 0)) != 0)
        return rc;
    c->contact_by = xstrdup(due);
    return 0;
}

static void s_urgent_end(Carerhub__CaseRecord *c)
{
    free(c->urgent_until);
    c->urgent_until = NULL;
    c->has_urgent = true;
    c->urgent = false;
}

/* What referral rec, waiting for contact, sets of case c: its contact-by
 * target (the earliest stands) and its urgency (the latest day stands).
 * While c is priority, the priority target counts from the receipt of the
 * newest referral waiting (newest) and of each that is priority itself:
 * never from one before the case was known to be priority, which would
 * make it overdue at once. */
static int s_waits(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c,
                   const Carerhub__ReferralRecord *rec, bool newest)
{
    char day[DATE_STRLEN];
    bool priority =
        router_case_is_priority(c) && (newest || router_referral_priority(rec->referral, NULL));
    int rc;
    router_contact_by(r, rec->referral, priority, day);
    if ((rc = router_contact_due(r, txn, c, day)) != 0)
        return rc;
    if (router_urgent_until(rec->referral, day) &&
        (!c->urgent_until || strcmp(day, c->urgent_until) > 0)) {
        free(c->urgent_until);
        c->urgent_until = xstrdup(day);
        c->urgent = true;
    }
    return 0;
}

int router_contact_made(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, int64_t at)
{
    int rc = router_contact_due(r, txn, c, NULL);
    s_urgent_end(c);
    bool newest = true;
    for (size_t i = c->n_referral_ids; rc == 0 && i-- > 0;) {
        Carerhub__ReferralRecord *rec = router_get_referral(r, txn, c->referral_ids[i]);
        bool older;
        if (!rec)
            continue;
        older = !rec->has_routed_at || rec->routed_at <= at;
        if (!older && rec->referral && !rec->cancellation) {
            rc = s_waits(r, txn, c, rec, newest);
            newest = false;
        }
        carerhub__referral_record__free_unpacked(rec, NULL);
        if (older)
            break; /* referrals are in the order taken */
    }
    return rc;
}

int router_contact_recompute(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c,
                             Carerhub__ReferralRecord *const *recs, size_t n)
{
    const char *before_move = NULL; /* the newest standing when it was passed on */
    bool waited_at_move = false;
    int64_t since, moved;
    size_t last = n; /* the newest waiting */
    char day[DATE_STRLEN];
    int rc;

    if ((rc = router_timeline_waiting(r, txn, c, &since, &moved)) != 0 ||
        (rc = router_contact_due(r, txn, c, NULL)) != 0)
        return rc;
    s_urgent_end(c);
    for (size_t i = 0; i < n; i++)
        if (recs[i] && recs[i]->referral && recs[i]->has_routed_at && !recs[i]->cancellation &&
            recs[i]->routed_at > since)
            last = i;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const Carerhub__ReferralRecord *rec = recs[i];
        if (!rec || !rec->referral || !rec->has_routed_at)
            continue;
        if (rec->cancellation)
            continue;
        if (moved && rec->routed_at <= moved)
            before_move = rec->referral->id;
        if (rec->routed_at <= since)
            continue;
        if (moved && rec->routed_at <= moved)
            waited_at_move = true;
        rc = s_waits(r, txn, c, rec, i == last);
    }
    /* Passed on when no referral still standing waited for contact: the
     * target that move gave (router_case_move). */
    if (rc == 0 && moved && !waited_at_move && router_contact_by_moved(r, before_move, moved, day))
        rc = router_contact_due(r, txn, c, day);
    return rc;
}

bool router_contact_by_moved(const router_t *r, const char *newest_id, int64_t at,
                             char day[DATE_STRLEN])
{
    Carerhub__Source src;
    if (!newest_id || referral_source_of_id(newest_id, &src) < 0)
        return false;
    date_format(date_of_ms(at) + route_contact_by_days(r->rt, referral_route_source(src)), day);
    return true;
}

int router_case_close(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, const char *reason,
                      int64_t at)
{
    int rc;
    c->has_closed = c->closed = true;
    c->has_closed_at = true;
    c->closed_at = at;
    free(c->closed_reason);
    c->closed_reason = xstrdup(reason);
    free(c->state);
    c->state = xstrdup("closed");
    c->has_state_at = true;
    c->state_at = at;
    s_urgent_end(c);
    if ((rc = router_contact_due(r, txn, c, NULL)) != 0)
        return rc;
    /* Closed, a possible identity conflict no longer needs a person. */
    if (c->identity_conflict && (rc = router_conflict_note(r, txn, c)) != 0)
        return rc;
    if (c->turns_18) {
        char key[DATE_STRLEN + CASE_ID_MAX + 8];
        MDB_val k;
        s_due_key(c->turns_18, c->case_id, key, sizeof key);
        k = store_val(key);
        rc = mdb_del(txn, store_dbi(r->store, DB_TURNS_18), &k, NULL);
        if (rc != 0 && rc != MDB_NOTFOUND)
            return rc;
        free(c->turns_18);
        c->turns_18 = NULL;
    }
    return 0;
}
