/*
 * The referrals of a case an operator joined into another (router_conflict.c
 * decides the join): they become the standing case's, listed after its own
 * (a delivery queued before the join carries the case's first referrals as
 * they were: a resend of it must carry the same ones), while the carer as
 * now known (the newest value of each field, as when referrals are taken)
 * and the routing follow the order the hub received them in, not the case
 * that was joined last. A joined case's referral older than the standing
 * case's newest would otherwise overwrite newer details (a move, a new
 * phone) and send the case where the carer no longer lives. See router.h.
 */
#include "router.h"

#include "domain/postcode.h"
#include "domain/referral.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *id;                /* borrowed from its case record */
    int64_t at;                    /* when the hub received it */
    Carerhub__ReferralRecord *rec; /* NULL: missing */
} s_ref_t;

/* The referral records of case c, in its order, each with when the hub
 * received it (one missing, or without the time, goes with the one
 * before it). Free with s_refs_free. */
static s_ref_t *s_refs(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c)
{
    s_ref_t *v = xcalloc(c->n_referral_ids + 1, sizeof *v);
    int64_t at = INT64_MIN;
    for (size_t i = 0; i < c->n_referral_ids; i++) {
        v[i].id = c->referral_ids[i];
        v[i].rec = router_get_referral(r, txn, v[i].id);
        if (v[i].rec && v[i].rec->referral && v[i].rec->referral->has_received_at)
            at = v[i].rec->referral->received_at;
        else if (v[i].rec && v[i].rec->has_routed_at)
            at = v[i].rec->routed_at;
        v[i].at = at;
    }
    return v;
}

static void s_refs_free(s_ref_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].rec)
            carerhub__referral_record__free_unpacked(v[i].rec, NULL);
    free(v);
}

static bool s_standing(const s_ref_t *x)
{
    return x->rec && x->rec->referral && x->rec->referral->carer && !x->rec->cancellation;
}

/* The index keys of carer that name case `from` name `to` instead. */
static int s_repoint(router_t *r, MDB_txn *txn, const Carerhub__Carer *carer, const char *from,
                     const char *to)
{
    char keys[REFERRAL_KEYS_MAX + 1][512];
    int dbs[REFERRAL_KEYS_MAX + 1];
    size_t n = referral_person_keys(carer, keys);
    for (size_t i = 0; i < n; i++)
        dbs[i] = DB_BY_PERSON;
    if (referral_nhs_key(carer->nhs_number, carer->date_of_birth, keys[n], sizeof keys[n]) == 0)
        dbs[n++] = DB_BY_NHS;
    for (size_t i = 0; i < n; i++) {
        MDB_val k = store_val(keys[i]), v;
        int rc = mdb_get(txn, store_dbi(r->store, (size_t)dbs[i]), &k, &v);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc)
            return rc;
        if (v.mv_size != strlen(from) || memcmp(v.mv_data, from, v.mv_size) != 0)
            continue; /* another case's, or several carers' ("*") */
        v = store_val(to);
        if ((rc = mdb_put(txn, store_dbi(r->store, (size_t)dbs[i]), &k, &v, 0)) != 0)
            return rc;
    }
    return 0;
}

/* The joined case's referrals: each added to stands as a referral for an
 * open case is (its submitter counted, urgency, the NHS number, a carer
 * who declined asked for again; a cancelled one by its id alone: nothing
 * of it travels), its record and index keys leading to stands. */
static int s_take_over(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *stands,
                       const Carerhub__CaseRecord *joined, s_ref_t *theirs)
{
    for (size_t i = 0; i < joined->n_referral_ids; i++) {
        Carerhub__ReferralRecord *rec = theirs[i].rec;
        char *was;
        int rc;
        if (!rec || !rec->referral || !rec->referral->carer)
            continue;
        if (rec->cancellation)
            router_strv_add(&stands->referral_ids, &stands->n_referral_ids, theirs[i].id);
        else
            router_case_add(r, stands, rec->referral, rec->actor ? rec->actor : "intake");
        was = rec->case_id;
        rec->case_id = stands->case_id;
        rc = router_put(r, txn, DB_REFERRALS, theirs[i].id, strlen(theirs[i].id), &rec->base);
        rec->case_id = was;
        if (rc == 0)
            rc = s_repoint(r, txn, rec->referral->carer, joined->case_id, stands->case_id);
        if (rc)
            return rc;
    }
    return 0;
}

/* Whether the postcodes differ, as the carer's address would. */
static bool s_moved(const char *was, const char *now)
{
    char a[POSTCODE_MAX], b[POSTCODE_MAX];
    return was && now && postcode_normalise(was, a) == 0 && postcode_normalise(now, b) == 0 &&
           strcmp(a, b) != 0;
}

int router_join_referrals(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *stands,
                          const Carerhub__CaseRecord *joined, char **newest, bool *moved)
{
    size_t nmine = stands->n_referral_ids, ntheirs = joined->n_referral_ids, n = 0;
    s_ref_t *mine = s_refs(r, txn, stands), *theirs = s_refs(r, txn, joined);
    char *was = stands->carer && stands->carer->postcode ? xstrdup(stands->carer->postcode) : NULL;
    const s_ref_t **order = xcalloc(nmine + ntheirs + 1, sizeof *order);
    int rc;

    *newest = NULL;
    *moved = false;
    if ((rc = s_take_over(r, txn, stands, joined, theirs)) != 0)
        goto out;
    /* Merged by when the hub received them, each case's own order kept
     * (its referrals were taken in it); on a tie, the standing case's
     * first. Only what s_take_over added of theirs (not a missing one). */
    for (size_t i = 0, j = 0; i < nmine || j < ntheirs;) {
        const s_ref_t *t = j < ntheirs ? &theirs[j] : NULL;
        if (t && !(t->rec && t->rec->referral && t->rec->referral->carer)) {
            j++;
            continue;
        }
        if (i < nmine && (!t || mine[i].at <= t->at))
            order[n++] = &mine[i++];
        else
            order[n++] = &theirs[j++];
    }
    /* The carer as now known, from every referral standing in that order;
     * routed on the newest of them. */
    if (stands->carer)
        carerhub__carer__free_unpacked(stands->carer, NULL);
    stands->carer = NULL;
    for (size_t i = 0; i < n; i++)
        if (s_standing(order[i])) {
            referral_carer_merge(&stands->carer, order[i]->rec->referral->carer);
            free(*newest);
            *newest = xstrdup(order[i]->id);
        }
    *moved = s_moved(was, stands->carer ? stands->carer->postcode : NULL);
    /* Its priority, from the same referrals in the same order. */
    {
        Carerhub__ReferralRecord **recs = xcalloc(n + 1, sizeof *recs);
        for (size_t i = 0; i < n; i++)
            recs[i] = order[i]->rec;
        router_case_priority_recompute(stands, recs, n);
        free(recs);
    }
out:
    free(order);
    free(was);
    s_refs_free(mine, nmine);
    s_refs_free(theirs, ntheirs);
    return rc;
}
