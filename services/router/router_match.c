/*
 * Who the carer of a referral is: see "Who a carer is" in DESIGN.md. A join
 * says "the same person", so it needs evidence, and doubt makes two cases:
 *
 *   - the same NHS number and date of birth: the same carer;
 *   - the same NHS number with another date of birth: never joined; the new
 *     case and the one it conflicts with are both flagged;
 *   - no NHS number on one side: family name, given name and date of birth
 *     (folded) with the postcode or with the phone number. A key that two
 *     carers share is marked "*" in the index and joins no one after.
 *
 * A carer's own referral (source self, from the public form) joins no case
 * by itself: anyone who knows a carer's name and date of birth could send
 * one, and joined it would give the case its phone, email and address and
 * route it again. Matching an open case, it opens a case of its own; both
 * are flagged with each other for an operator to join or keep apart, and
 * the case that was there keeps its index keys.
 *
 * Each key is one indexed lookup (the NHS index one cursor seek, since its
 * keys start with the number); no case is ever scanned for.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CHAIN_MAX 32 /* episodes followed from a closed case */

static void s_add_id(router_match_t *m, const char *id, size_t len)
{
    if (len == 0 || len >= sizeof m->conflicting[0])
        return;
    for (size_t i = 0; i < m->nconflicting; i++)
        if (strlen(m->conflicting[i]) == len && memcmp(m->conflicting[i], id, len) == 0)
            return;
    if (m->nconflicting < ROUTER_MATCH_MAX) {
        memcpy(m->conflicting[m->nconflicting], id, len);
        m->conflicting[m->nconflicting++][len] = '\0';
    }
}

/* Whether case c may be the carer with this NHS number (NULL: none
 * given): not if the case holds another. */
static bool s_may_be(const Carerhub__CaseRecord *c, const char *nhs)
{
    return !nhs || !*nhs || !c->nhs_number || !*c->nhs_number || strcmp(c->nhs_number, nhs) == 0;
}

/* The open case of the carer of case id, following its later episodes;
 * sets m->found, or m->previous when the last episode is closed. An
 * episode holding another NHS number than nhs is another person's: then
 * neither (a new case, not linked). */
static int s_follow(router_t *r, MDB_txn *txn, const char *id, const char *nhs, router_match_t *m)
{
    Carerhub__CaseRecord *c = router_get_case(r, txn, id);
    bool ok = c && s_may_be(c, nhs);
    for (int hops = 0; ok && c->closed && c->next_case && *c->next_case && hops < S_CHAIN_MAX;
         hops++) {
        Carerhub__CaseRecord *next = router_get_case(r, txn, c->next_case);
        if (!next)
            break;
        carerhub__case_record__free_unpacked(c, NULL);
        c = next;
        ok = s_may_be(c, nhs);
    }
    if (!c) {
        log_error("an index names case %s, which is missing; opening a new case", id);
        return 0;
    }
    if (ok && c->closed)
        snprintf(m->previous, sizeof m->previous, "%s", c->case_id);
    if (ok && !c->closed)
        m->found = c;
    else
        carerhub__case_record__free_unpacked(c, NULL);
    return 0;
}

/* By NHS number: every entry of the number is next to the others. */
static int s_by_nhs(router_t *r, MDB_txn *txn, const Carerhub__Carer *carer, router_match_t *m,
                    bool *done)
{
    char prefix[40], exact[40], same[64] = "";
    MDB_cursor *cur;
    MDB_val k, v;
    size_t plen;
    int rc, seen = 0;

    *done = false;
    if (referral_nhs_key(carer->nhs_number, NULL, prefix, sizeof prefix) < 0 ||
        referral_nhs_key(carer->nhs_number, carer->date_of_birth, exact, sizeof exact) < 0)
        return 0;
    plen = strlen(prefix);
    if ((rc = mdb_cursor_open(txn, store_dbi(r->store, DB_BY_NHS), &cur)) != 0)
        return rc;
    k.mv_data = prefix;
    k.mv_size = plen;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= plen && memcmp(k.mv_data, prefix, plen) == 0 &&
           seen++ < 2 * ROUTER_MATCH_MAX) {
        if (k.mv_size == strlen(exact) && memcmp(k.mv_data, exact, k.mv_size) == 0) {
            if (v.mv_size < sizeof same) {
                memcpy(same, v.mv_data, v.mv_size);
                same[v.mv_size] = '\0';
            }
        } else {
            s_add_id(m, v.mv_data, v.mv_size);
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    if (same[0]) {
        /* The same carer, whatever other dates of birth were given with the
         * number: those cases were flagged when they were opened. */
        m->nconflicting = 0;
        *done = true;
        return s_follow(r, txn, same, carer->nhs_number, m);
    }
    if (m->nconflicting > 0) {
        snprintf(m->conflict, sizeof m->conflict,
                 "case %s was given the same NHS number with another date of birth: not joined; "
                 "check the NHS number and date of birth with the carer",
                 m->conflicting[0]);
        *done = true;
    }
    return 0;
}

/* By names, date of birth and postcode or phone, where the case found and
 * the referral do not both hold NHS numbers (which would differ). */
static int s_by_person(router_t *r, MDB_txn *txn, const Carerhub__Carer *carer, router_match_t *m)
{
    char keys[REFERRAL_KEYS_MAX][512], ids[REFERRAL_KEYS_MAX][64];
    size_t nkeys = referral_person_keys(carer, keys), nids = 0;
    bool shared = false;

    for (size_t i = 0; i < nkeys; i++) {
        MDB_val k = store_val(keys[i]), v;
        int rc = mdb_get(txn, store_dbi(r->store, DB_BY_PERSON), &k, &v);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc)
            return rc;
        if (v.mv_size == 1 && *(const char *)v.mv_data == '*') {
            shared = true;
        } else if (v.mv_size < sizeof ids[0]) {
            memcpy(ids[nids], v.mv_data, v.mv_size);
            ids[nids][v.mv_size] = '\0';
            if (nids == 0 || strcmp(ids[0], ids[nids]) != 0)
                nids++;
        }
    }
    if (shared || nids > 1) {
        snprintf(m->conflict, sizeof m->conflict,
                 "the same names, date of birth and postcode or phone as %s, which more than "
                 "one carer shares: not joined; check who this is",
                 nids > 0 ? ids[0] : "another case");
        return 0;
    }
    if (nids == 0)
        return 0;
    /* Two NHS numbers are two people, however alike (s_follow). */
    return s_follow(r, txn, ids[0], carer->nhs_number, m);
}

int router_match(router_t *r, MDB_txn *txn, const Carerhub__Carer *carer, router_match_t *m)
{
    bool done;
    int rc;
    memset(m, 0, sizeof *m);
    if (!carer)
        return 0;
    if ((rc = s_by_nhs(r, txn, carer, m, &done)) != 0 || done)
        return rc;
    return s_by_person(r, txn, carer, m);
}

void router_match_free(router_match_t *m)
{
    if (m->found)
        carerhub__case_record__free_unpacked(m->found, NULL);
    m->found = NULL;
}

void router_match_own(router_match_t *m)
{
    if (!m->found)
        return;
    snprintf(m->apart, sizeof m->apart, "%s", m->found->case_id);
    router_match_free(m);
    m->nconflicting = 0;
    s_add_id(m, m->apart, strlen(m->apart));
    snprintf(m->conflict, sizeof m->conflict,
             "a carer's own referral that may be the same person as %s: a person must look",
             m->apart);
}

int router_match_flag_own(router_t *r, MDB_txn *txn, const router_match_t *m,
                          const Carerhub__CaseRecord *c, int64_t now)
{
    Carerhub__CaseRecord *other = m->apart[0] ? router_get_case(r, txn, m->apart) : NULL;
    int rc = 0;
    /* Flagged already (another conflict), it keeps that reason and is
     * listed with c too (router_case_flag). */
    if (other && !other->identity_conflict && !other->closed) {
        other->has_identity_conflict = other->identity_conflict = true;
        free(other->conflict_reason);
        other->conflict_reason = xasprintf(
            "case %s, a carer's own referral, may be the same person: not joined; a person must "
            "look",
            c->case_id);
        if (other->provider)
            rc = router_case_notify(r, txn, other, "update", NULL, NULL, now);
        if (rc == 0)
            rc = router_put_case(r, txn, other);
    }
    if (other)
        carerhub__case_record__free_unpacked(other, NULL);
    return rc;
}

static int s_put(router_t *r, MDB_txn *txn, int db, const char *key, const char *val, bool keep)
{
    MDB_val k = store_val(key), v = store_val(val);
    int rc;
    if (strlen(key) > 500)
        return 0; /* too long to index; the case still exists */
    rc = mdb_put(txn, store_dbi(r->store, (size_t)db), &k, &v, keep ? MDB_NOOVERWRITE : 0);
    return rc == MDB_KEYEXIST ? 0 : rc;
}

int router_index(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                 const Carerhub__Carer *carer, bool keep)
{
    char keys[REFERRAL_KEYS_MAX][512], nhs[40];
    size_t n = referral_person_keys(carer, keys);
    int rc;

    if (referral_nhs_key(carer->nhs_number, carer->date_of_birth, nhs, sizeof nhs) == 0 &&
        (rc = s_put(r, txn, DB_BY_NHS, nhs, c->case_id, keep)) != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        MDB_val k = store_val(keys[i]), v;
        const char *val = c->case_id;
        rc = mdb_get(txn, store_dbi(r->store, DB_BY_PERSON), &k, &v);
        if (rc && rc != MDB_NOTFOUND)
            return rc;
        if (rc == 0 && keep)
            continue;
        if (rc == 0) {
            char old[64] = "*";
            if (v.mv_size < sizeof old) {
                memcpy(old, v.mv_data, v.mv_size);
                old[v.mv_size] = '\0';
            }
            /* Held by another carer: now by two, so by no one. */
            if (strcmp(old, c->case_id) != 0 &&
                !(c->previous_case && strcmp(old, c->previous_case) == 0))
                val = "*";
        }
        if ((rc = s_put(r, txn, DB_BY_PERSON, keys[i], val, false)) != 0)
            return rc;
    }
    return 0;
}
