/*
 * The walks of a subject access export (router_export.c says what they
 * find): the carer's cases, what each case and referral has, and the
 * tables walked whole, each record found added to the reply.
 */
#include "router_export.h"

#include "domain/referral.h"
#include "util/be64.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CASES_MAX 256 /* episodes of one carer followed, far more than any has */

/* --- the reply ---------------------------------------------------------- */

static void s_add(router_exp_t *e, int db, const void *key, size_t klen, const void *val,
                  size_t vlen)
{
    const char *table = router_dbs[db];
    Carerhub__ExportRecord *x;
    e->counted++;
    e->bytes += strlen(table) + klen + vlen + 16; /* tags and lengths */
    if (e->bytes > e->max)
        return; /* refused whole at the end; no need to hold it */
    x = xmalloc(sizeof *x);
    carerhub__export_record__init(x);
    x->table = xstrdup(table);
    x->has_key = x->has_value = true;
    x->key.len = klen;
    x->key.data = xmalloc(klen ? klen : 1);
    memcpy(x->key.data, key, klen);
    x->value.len = vlen;
    x->value.data = xmalloc(vlen ? vlen : 1);
    memcpy(x->value.data, val, vlen);
    e->recs = xgrow(e->recs, &e->cap, e->nrecs + 1, sizeof *e->recs);
    e->recs[e->nrecs++] = x;
}

/* The record of key in table db, if there is one. Returns 0 or the store
 * error (none there is no error). */
static int s_get_add(router_exp_t *e, int db, const void *key, size_t klen)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(e->txn, store_dbi(e->r->store, (size_t)db), &k, &v);
    if (rc == 0)
        s_add(e, db, key, klen, v.mv_data, v.mv_size);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Whether the n bytes at id are an id of the carer of a kind in what
 * (ROUTER_EXP_CASE, ROUTER_EXP_REFERRAL or both). */
static bool s_is(const smap_t *ids, const char *id, size_t n, uint64_t what)
{
    uint64_t v = 0;
    return id && n > 0 && n <= 64 && smap_getn(ids, id, n, &v) && (v & what);
}

static bool s_has(const smap_t *ids, const char *id, uint64_t what)
{
    return id && s_is(ids, id, strlen(id), what);
}

/* Whether text names an id of the carer of a kind in what as a word of
 * its own. */
static bool s_names(const smap_t *ids, const char *text, uint64_t what)
{
    for (const char *p = text; p && *p;) {
        size_t n = 0;
        while (p[n] && (isalnum((unsigned char)p[n]) || p[n] == '-'))
            n++;
        if (s_is(ids, p, n, what))
            return true;
        p += n ? n : 1;
    }
    return false;
}

void router_exp_note(router_exp_t *e, const char *id, uint64_t what)
{
    if (!id || !*id || strlen(id) > 64 || (what == ROUTER_EXP_CASE && e->ncases >= S_CASES_MAX) ||
        !smap_put(e->ids, id, what))
        return;
    if (what == ROUTER_EXP_CASE) {
        e->cases = xrealloc(e->cases, (e->ncases + 1) * sizeof *e->cases);
        e->cases[e->ncases++] = xstrdup(id);
    } else {
        e->refs = xrealloc(e->refs, (e->nrefs + 1) * sizeof *e->refs);
        e->refs[e->nrefs++] = xstrdup(id);
    }
}

/* Each entry of table db is given to fn, which says whether it is the
 * carer's (and may note ids). */
static int s_walk(router_exp_t *e, int db,
                  bool (*fn)(router_exp_t *e, const MDB_val *k, const MDB_val *v))
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc;
    if ((rc = mdb_cursor_open(e->txn, store_dbi(e->r->store, (size_t)db), &cur)) != 0)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if (fn(e, &k, &v))
            s_add(e, db, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? e->rc : rc;
}

/* --- which cases: the carer's episodes ---------------------------------- */

/* A case naming one of the carer's as its previous or next episode is
 * theirs (a case joined into one is not named back by it). */
static bool s_linked_of(router_exp_t *e, const MDB_val *k, const MDB_val *v)
{
    Carerhub__CaseRecord *c = carerhub__case_record__unpack(NULL, v->mv_size, v->mv_data);
    (void)k;
    if (c && !s_has(e->ids, c->case_id, ROUTER_EXP_CASE) &&
        (s_has(e->ids, c->previous_case, ROUTER_EXP_CASE) ||
         s_has(e->ids, c->next_case, ROUTER_EXP_CASE)))
        router_exp_note(e, c->case_id, ROUTER_EXP_CASE);
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    return false; /* its record is added with the others */
}

/* The cases from e->cases[0] on: each added, its episodes and referrals
 * noted; then a walk of the cases for those that name one, again while it
 * finds more. */
int router_exp_cases(router_exp_t *e)
{
    size_t done = 0, before;
    int rc = 0;
    do {
        for (; done < e->ncases && rc == 0; done++) {
            const char *id = e->cases[done];
            Carerhub__CaseRecord *c = router_get_case(e->r, e->txn, id);
            if (!c)
                continue; /* named by another, but not there */
            rc = s_get_add(e, DB_CASES, id, strlen(id));
            router_exp_note(e, c->previous_case, ROUTER_EXP_CASE);
            router_exp_note(e, c->next_case, ROUTER_EXP_CASE);
            for (size_t i = 0; i < c->n_referral_ids; i++)
                router_exp_note(e, c->referral_ids[i], ROUTER_EXP_REFERRAL);
            carerhub__case_record__free_unpacked(c, NULL);
        }
        before = e->ncases;
        if (rc == 0)
            rc = s_walk(e, DB_CASES, s_linked_of);
    } while (rc == 0 && e->ncases > before);
    return rc;
}

/* --- what each case and referral has ------------------------------------ */

/* Case id's timeline: its keys are the id, US, a 4-byte number. */
static int s_timeline(router_exp_t *e, const char *id)
{
    size_t n = strlen(id);
    uint8_t key[CASE_ID_MAX + 6];
    MDB_cursor *cur;
    MDB_val k = {n + 1, key}, v;
    int rc;
    if (n > CASE_ID_MAX)
        return 0;
    memcpy(key, id, n);
    key[n] = 0x1f;
    if ((rc = mdb_cursor_open(e->txn, store_dbi(e->r->store, DB_TIMELINE), &cur)) != 0)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size > n && memcmp(k.mv_data, key, n + 1) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        s_add(e, DB_TIMELINE, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* The index entries made from carer's details that lead to one of the
 * cases, or to several carers ("*": still this carer's details). */
static int s_index(router_exp_t *e, const Carerhub__Carer *carer)
{
    char keys[REFERRAL_KEYS_MAX + 1][512], seen[530];
    int dbs[REFERRAL_KEYS_MAX + 1];
    size_t n;
    if (!carer)
        return 0;
    n = referral_person_keys(carer, keys);
    for (size_t i = 0; i < n; i++)
        dbs[i] = DB_BY_PERSON;
    if (referral_nhs_key(carer->nhs_number, carer->date_of_birth, keys[n], sizeof keys[n]) == 0)
        dbs[n++] = DB_BY_NHS;
    for (size_t i = 0; i < n; i++) {
        MDB_val k = store_val(keys[i]), v;
        int rc = mdb_get(e->txn, store_dbi(e->r->store, (size_t)dbs[i]), &k, &v);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc)
            return rc;
        if (!s_is(e->ids, v.mv_data, v.mv_size, ROUTER_EXP_CASE) &&
            !(v.mv_size == 1 && *(const char *)v.mv_data == '*'))
            continue;
        /* Every referral of the carer gives the same keys. */
        snprintf(seen, sizeof seen, "%d\x1f%.511s", dbs[i], keys[i]);
        if (smap_put(e->indexed, seen, 1))
            s_add(e, dbs[i], k.mv_data, k.mv_size, v.mv_data, v.mv_size);
    }
    return 0;
}

static int s_per_case(router_exp_t *e)
{
    int rc = 0;
    for (size_t i = 0; i < e->ncases && rc == 0; i++) {
        Carerhub__CaseRecord *c = router_get_case(e->r, e->txn, e->cases[i]);
        if ((rc = s_timeline(e, e->cases[i])) == 0)
            rc = s_get_add(e, DB_CONFLICTS, e->cases[i], strlen(e->cases[i]));
        if (rc == 0 && c)
            rc = s_index(e, c->carer);
        if (c)
            carerhub__case_record__free_unpacked(c, NULL);
    }
    return rc;
}

/* Each referral's record, when it was delivered, and the index entries
 * its carer gives. */
static int s_per_referral(router_exp_t *e)
{
    int rc = 0;
    for (size_t i = 0; i < e->nrefs && rc == 0; i++) {
        const char *id = e->refs[i];
        Carerhub__ReferralRecord *rec = router_get_referral(e->r, e->txn, id);
        if ((rc = s_get_add(e, DB_REFERRALS, id, strlen(id))) == 0)
            rc = s_get_add(e, DB_DELIVERED, id, strlen(id));
        if (rc == 0 && rec && rec->referral)
            rc = s_index(e, rec->referral->carer);
        if (rec)
            carerhub__referral_record__free_unpacked(rec, NULL);
    }
    return rc;
}

/* --- the tables walked whole -------------------------------------------- */

static bool s_outbox_of(router_exp_t *e, const MDB_val *k, const MDB_val *v)
{
    Carerhub__OutboxEntry *o = carerhub__outbox_entry__unpack(NULL, v->mv_size, v->mv_data);
    bool ours = o && (s_has(e->ids, o->case_id, ROUTER_EXP_CASE) ||
                      s_has(e->ids, o->referral_id, ROUTER_EXP_REFERRAL));
    (void)k;
    if (o)
        carerhub__outbox_entry__free_unpacked(o, NULL);
    return ours;
}

static bool s_outcome_of(router_exp_t *e, const MDB_val *k, const MDB_val *v)
{
    Carerhub__OutcomeSeen *o = carerhub__outcome_seen__unpack(NULL, v->mv_size, v->mv_data);
    bool ours = o && s_has(e->ids, o->case_id, ROUTER_EXP_CASE);
    (void)k;
    if (o)
        carerhub__outcome_seen__free_unpacked(o, NULL);
    return ours;
}

/* A parked referral of the carer: one of theirs, or one parked because its
 * carer is one of the cases' (its reason names the case). */
static bool s_parked_of(router_exp_t *e, const MDB_val *k, const MDB_val *v)
{
    Carerhub__ParkedEntry *p;
    char id[REFERRAL_ID_MAX + 1];
    bool ours;
    if (k->mv_size == 0 || k->mv_size > REFERRAL_ID_MAX)
        return false;
    memcpy(id, k->mv_data, k->mv_size);
    id[k->mv_size] = '\0';
    if (s_has(e->ids, id, ROUTER_EXP_REFERRAL))
        return true;
    p = carerhub__parked_entry__unpack(NULL, v->mv_size, v->mv_data);
    ours = p && s_names(e->ids, p->reason, ROUTER_EXP_CASE);
    if (ours && p->referral && e->rc == 0)
        e->rc = s_index(e, p->referral->carer);
    if (p)
        carerhub__parked_entry__free_unpacked(p, NULL);
    if (ours)
        router_exp_note(e, id, ROUTER_EXP_REFERRAL);
    return ours;
}

/* An audit record about the carer: one naming one of the ids, skipping
 * those in the reply already. The parking of a referral because its carer
 * is one of the cases' makes that referral the carer's. */
static bool s_audit_of(router_exp_t *e, const MDB_val *k, const MDB_val *v)
{
    Carerhub__AuditRecord *a;
    char seq[24];
    uint64_t seen;
    bool ours;
    snprintf(seq, sizeof seq, "%llu",
             k->mv_size == 8 ? (unsigned long long)be64_get(k->mv_data) : 0ULL);
    if (smap_get(e->audited, seq, &seen))
        return false;
    if (!(a = carerhub__audit_record__unpack(NULL, v->mv_size, v->mv_data)))
        return false;
    ours = s_has(e->ids, a->case_id, ROUTER_EXP_CASE) ||
           s_has(e->ids, a->referral_id, ROUTER_EXP_REFERRAL) ||
           s_names(e->ids, a->detail, ROUTER_EXP_CASE | ROUTER_EXP_REFERRAL);
    if (ours && a->event && strcmp(a->event, "parked") == 0 &&
        s_names(e->ids, a->detail, ROUTER_EXP_CASE))
        router_exp_note(e, a->referral_id, ROUTER_EXP_REFERRAL);
    carerhub__audit_record__free_unpacked(a, NULL);
    if (ours)
        smap_put(e->audited, seq, 1);
    return ours;
}

/* The audit trail, walked again while a walk found more referrals of the
 * carer (for the records about them before the one that made them the
 * carer's); then each referral's rejection, if it was rejected. */
static int s_audit(router_exp_t *e)
{
    size_t from = 0, before;
    int rc;
    do {
        before = e->nrefs;
        if ((rc = s_walk(e, DB_AUDIT, s_audit_of)) != 0)
            return rc;
        for (; from < e->nrefs && rc == 0; from++)
            rc = s_get_add(e, DB_REJECTED, e->refs[from], strlen(e->refs[from]));
    } while (rc == 0 && e->nrefs > before);
    return rc;
}

/* Every record of the carer into e (past e->max, only counted). */
int router_exp_collect(router_exp_t *e)
{
    int rc;
    if ((rc = router_exp_cases(e)) != 0)
        return rc;
    if (!case_id_ok(e->asked))
        router_exp_note(e, e->asked, ROUTER_EXP_REFERRAL);
    if ((rc = s_per_case(e)) != 0 || (rc = s_walk(e, DB_PARKED, s_parked_of)) != 0 ||
        (rc = s_per_referral(e)) != 0 || (rc = s_walk(e, DB_OUTBOX, s_outbox_of)) != 0 ||
        (rc = s_walk(e, DB_OUTCOME_IDS, s_outcome_of)) != 0)
        return rc;
    return s_audit(e);
}
