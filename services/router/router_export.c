/*
 * A subject access request (ExportQuery): every record the router holds
 * about the carer of a case or of a referral, as stored, each with its
 * table and key, for carerhub export to render.
 *
 * The carer is the case asked for (or the referral's case) and every
 * episode linked to it: previous_case and next_case both ways, and a case
 * joined into one of them (whose next_case names the case that stands,
 * which does not name it back: found by one walk of the cases). Of those
 * cases: their records, their referrals' records, timelines, conflict
 * entries, the outcome ids that point at them, queued deliveries, when
 * each referral was delivered, its parked or rejected entry, and the index
 * entries made from the carer's details (by_nhs_dob, by_person: the keys
 * are the NHS number, names, date of birth, postcode and phone). A
 * referral parked over its submitter's bound was matched to one of the
 * cases without joining it: its parked entry names the case, and once
 * rejected the audit record of its parking does. Then every audit record
 * that names one of these case or referral ids, in its fields or as a word
 * of its detail (an operator's view of a case names it only there).
 *
 * Left out: counters and the report table (counts, never a person), the
 * numbering, and the indexes whose keys are ids and dates the records
 * above hold already (turns_18, contact_due, by_provider, by_referrer).
 * Another carer's records are never in it: an identity conflict's other
 * case is named by its id only.
 *
 * The outbox, outcome ids, parked referrals, cases and the audit trail are
 * walked whole: a subject access request is rare, and an index for it
 * would be kept on every write.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/be64.h"
#include "util/log.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CASES_MAX 256 /* episodes of one carer followed, far more than any has */
#define S_CASE      1   /* the ids map: a case id */
#define S_REFERRAL  2   /* a referral id */

typedef struct {
    router_t *r;
    MDB_txn *txn;
    const char *asked;
    size_t max;
    smap_t *ids;          /* case and referral ids of the carer -> S_CASE, S_REFERRAL */
    char **cases, **refs; /* the same, in the order found */
    size_t ncases, nrefs;
    Carerhub__ExportRecord **recs;
    size_t nrecs, cap;
    size_t bytes;    /* the reply's packed size, near enough */
    size_t counted;  /* records found, also those past max */
    smap_t *audited; /* decimal audit seq of each audit record in the reply */
    smap_t *indexed; /* table US key of each index entry in the reply */
    int rc;          /* a store error met inside a walk */
} s_exp_t;

/* --- the reply ---------------------------------------------------------- */

static void s_add(s_exp_t *e, int db, const void *key, size_t klen, const void *val, size_t vlen)
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
static int s_get_add(s_exp_t *e, int db, const void *key, size_t klen)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(e->txn, store_dbi(e->r->store, (size_t)db), &k, &v);
    if (rc == 0)
        s_add(e, db, key, klen, v.mv_data, v.mv_size);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Whether the n bytes at id are an id of the carer of a kind in what
 * (S_CASE, S_REFERRAL or both). */
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

static void s_note(s_exp_t *e, const char *id, uint64_t what)
{
    if (!id || !*id || strlen(id) > 64 || (what == S_CASE && e->ncases >= S_CASES_MAX) ||
        !smap_put(e->ids, id, what))
        return;
    if (what == S_CASE) {
        e->cases = xrealloc(e->cases, (e->ncases + 1) * sizeof *e->cases);
        e->cases[e->ncases++] = xstrdup(id);
    } else {
        e->refs = xrealloc(e->refs, (e->nrefs + 1) * sizeof *e->refs);
        e->refs[e->nrefs++] = xstrdup(id);
    }
}

/* Each entry of table db is given to fn, which says whether it is the
 * carer's (and may note ids). */
static int s_walk(s_exp_t *e, int db, bool (*fn)(s_exp_t *e, const MDB_val *k, const MDB_val *v))
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
static bool s_linked_of(s_exp_t *e, const MDB_val *k, const MDB_val *v)
{
    Carerhub__CaseRecord *c = carerhub__case_record__unpack(NULL, v->mv_size, v->mv_data);
    (void)k;
    if (c && !s_has(e->ids, c->case_id, S_CASE) &&
        (s_has(e->ids, c->previous_case, S_CASE) || s_has(e->ids, c->next_case, S_CASE)))
        s_note(e, c->case_id, S_CASE);
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    return false; /* its record is added with the others */
}

/* The cases from e->cases[0] on: each added, its episodes and referrals
 * noted; then a walk of the cases for those that name one, again while it
 * finds more. */
static int s_cases(s_exp_t *e)
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
            s_note(e, c->previous_case, S_CASE);
            s_note(e, c->next_case, S_CASE);
            for (size_t i = 0; i < c->n_referral_ids; i++)
                s_note(e, c->referral_ids[i], S_REFERRAL);
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
static int s_timeline(s_exp_t *e, const char *id)
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
static int s_index(s_exp_t *e, const Carerhub__Carer *carer)
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
        if (!s_is(e->ids, v.mv_data, v.mv_size, S_CASE) &&
            !(v.mv_size == 1 && *(const char *)v.mv_data == '*'))
            continue;
        /* Every referral of the carer gives the same keys. */
        snprintf(seen, sizeof seen, "%d\x1f%.511s", dbs[i], keys[i]);
        if (smap_put(e->indexed, seen, 1))
            s_add(e, dbs[i], k.mv_data, k.mv_size, v.mv_data, v.mv_size);
    }
    return 0;
}

static int s_per_case(s_exp_t *e)
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
static int s_per_referral(s_exp_t *e)
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

static bool s_outbox_of(s_exp_t *e, const MDB_val *k, const MDB_val *v)
{
    Carerhub__OutboxEntry *o = carerhub__outbox_entry__unpack(NULL, v->mv_size, v->mv_data);
    bool ours =
        o && (s_has(e->ids, o->case_id, S_CASE) || s_has(e->ids, o->referral_id, S_REFERRAL));
    (void)k;
    if (o)
        carerhub__outbox_entry__free_unpacked(o, NULL);
    return ours;
}

static bool s_outcome_of(s_exp_t *e, const MDB_val *k, const MDB_val *v)
{
    Carerhub__OutcomeSeen *o = carerhub__outcome_seen__unpack(NULL, v->mv_size, v->mv_data);
    bool ours = o && s_has(e->ids, o->case_id, S_CASE);
    (void)k;
    if (o)
        carerhub__outcome_seen__free_unpacked(o, NULL);
    return ours;
}

/* A parked referral of the carer: one of theirs, or one parked because its
 * carer is one of the cases' (its reason names the case). */
static bool s_parked_of(s_exp_t *e, const MDB_val *k, const MDB_val *v)
{
    Carerhub__ParkedEntry *p;
    char id[REFERRAL_ID_MAX + 1];
    bool ours;
    if (k->mv_size == 0 || k->mv_size > REFERRAL_ID_MAX)
        return false;
    memcpy(id, k->mv_data, k->mv_size);
    id[k->mv_size] = '\0';
    if (s_has(e->ids, id, S_REFERRAL))
        return true;
    p = carerhub__parked_entry__unpack(NULL, v->mv_size, v->mv_data);
    ours = p && s_names(e->ids, p->reason, S_CASE);
    if (ours && p->referral && e->rc == 0)
        e->rc = s_index(e, p->referral->carer);
    if (p)
        carerhub__parked_entry__free_unpacked(p, NULL);
    if (ours)
        s_note(e, id, S_REFERRAL);
    return ours;
}

/* An audit record about the carer: one naming one of the ids, skipping
 * those in the reply already. The parking of a referral because its carer
 * is one of the cases' makes that referral the carer's. */
static bool s_audit_of(s_exp_t *e, const MDB_val *k, const MDB_val *v)
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
    ours = s_has(e->ids, a->case_id, S_CASE) || s_has(e->ids, a->referral_id, S_REFERRAL) ||
           s_names(e->ids, a->detail, S_CASE | S_REFERRAL);
    if (ours && a->event && strcmp(a->event, "parked") == 0 && s_names(e->ids, a->detail, S_CASE))
        s_note(e, a->referral_id, S_REFERRAL);
    carerhub__audit_record__free_unpacked(a, NULL);
    if (ours)
        smap_put(e->audited, seq, 1);
    return ours;
}

/* The audit trail, walked again while a walk found more referrals of the
 * carer (for the records about them before the one that made them the
 * carer's); then each referral's rejection, if it was rejected. */
static int s_audit(s_exp_t *e)
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

/* --- the request ---------------------------------------------------------- */

static void s_free(s_exp_t *e)
{
    for (size_t i = 0; i < e->ncases; i++)
        free(e->cases[i]);
    for (size_t i = 0; i < e->nrefs; i++)
        free(e->refs[i]);
    for (size_t i = 0; i < e->nrecs; i++)
        carerhub__export_record__free_unpacked(e->recs[i], NULL);
    free(e->cases);
    free(e->refs);
    free(e->recs);
    smap_destroy(&e->ids);
    smap_destroy(&e->audited);
    smap_destroy(&e->indexed);
}

/* Where the carer's records start: the case asked for, or the referral's
 * case, or a referral that never reached a case (parked or rejected before
 * it was taken). Returns 0, 1 when there is nothing (why in code and msg),
 * or the store error. */
static int s_start(s_exp_t *e, char *code, size_t codesz, char *msg, size_t msgsz)
{
    const char *id = e->asked;
    Carerhub__ReferralRecord *rec;
    Carerhub__Source src;
    MDB_val k, v;
    int rc;
    if (case_id_ok(id)) {
        Carerhub__CaseRecord *c = router_get_case(e->r, e->txn, id);
        if (c) {
            carerhub__case_record__free_unpacked(c, NULL);
            s_note(e, id, S_CASE);
            return 0;
        }
        snprintf(code, codesz, "not_found");
        snprintf(msg, msgsz, "no case %s is known to the hub", id);
        return 1;
    }
    if ((rec = router_get_referral(e->r, e->txn, id)) != NULL) {
        s_note(e, rec->case_id, S_CASE); /* id in its place among the case's */
        carerhub__referral_record__free_unpacked(rec, NULL);
        return 0;
    }
    k = store_val(id);
    if ((rc = mdb_get(e->txn, store_dbi(e->r->store, DB_PARKED), &k, &v)) == MDB_NOTFOUND)
        rc = mdb_get(e->txn, store_dbi(e->r->store, DB_REJECTED), &k, &v);
    if (rc == 0)
        s_note(e, id, S_REFERRAL);
    if (rc != MDB_NOTFOUND)
        return rc;
    snprintf(code, codesz, "not_found");
    if (referral_source_of_id(id, &src) == 0)
        snprintf(msg, msgsz,
                 "the router holds nothing of referral %s: it may still be waiting at the %s for "
                 "the router to take it (carerhub status %s says where it is), or there is no "
                 "such referral",
                 id, referral_intake_name(src), id);
    else
        snprintf(msg, msgsz, "no referral %s is known to the hub", id);
    return 1;
}

/* Every record of the carer into e (past e->max, only counted). */
static int s_collect(s_exp_t *e)
{
    int rc;
    if ((rc = s_cases(e)) != 0)
        return rc;
    if (!case_id_ok(e->asked))
        s_note(e, e->asked, S_REFERRAL);
    if ((rc = s_per_case(e)) != 0 || (rc = s_walk(e, DB_PARKED, s_parked_of)) != 0 ||
        (rc = s_per_referral(e)) != 0 || (rc = s_walk(e, DB_OUTBOX, s_outbox_of)) != 0 ||
        (rc = s_walk(e, DB_OUTCOME_IDS, s_outcome_of)) != 0)
        return rc;
    return s_audit(e);
}

typedef struct {
    router_t *r;
    const char *actor, *id;
    size_t max;
    Carerhub__ExportReply *out;
    uint64_t audit0;
    char *code, *msg;
    size_t codesz, msgsz;
    bool refused;
} s_txn_t;

/* What the audit record says of an export (ids and counts only). */
static void s_detail(const s_exp_t *e, char *out, size_t outsz)
{
    size_t n = (size_t)snprintf(out, outsz, "%zu record(s) exported: %zu referral(s), case(s)",
                                e->nrecs, e->nrefs);
    for (size_t i = 0; i < e->ncases && n + 40 < outsz; i++)
        n += (size_t)snprintf(out + n, outsz - n, " %s", e->cases[i]);
    if (e->ncases == 0)
        snprintf(out + n, outsz - n, " none");
}

/* The export's reply from what e holds (its records moved out). */
static Carerhub__ExportReply *s_reply(s_exp_t *e)
{
    Carerhub__ExportReply *rep = xmalloc(sizeof *rep);
    carerhub__export_reply__init(rep);
    rep->case_id = e->ncases ? xstrdup(e->cases[0]) : NULL;
    rep->records = e->recs;
    rep->n_records = e->nrecs;
    e->recs = NULL;
    e->nrecs = e->cap = 0;
    return rep;
}

static int s_txn(MDB_txn *txn, void *arg)
{
    s_txn_t *t = arg;
    s_exp_t e = {.r = t->r, .txn = txn, .asked = t->id, .max = t->max};
    char detail[400];
    const char *rid = referral_id_ok(t->id) && !case_id_ok(t->id) ? t->id : NULL;
    int rc;

    /* store_write may run us again after growing the map. */
    t->r->next_audit = t->audit0;
    if (t->out)
        carerhub__export_reply__free_unpacked(t->out, NULL);
    t->out = NULL;
    t->refused = false;
    e.ids = smap_new();
    e.audited = smap_new();
    e.indexed = smap_new();
    rc = s_start(&e, t->code, t->codesz, t->msg, t->msgsz);
    if (rc == 0 && (rc = s_collect(&e)) == 0) {
        s_detail(&e, detail, sizeof detail);
        t->out = s_reply(&e);
        if (e.bytes > t->max || carerhub__export_reply__get_packed_size(t->out) > t->max) {
            carerhub__export_reply__free_unpacked(t->out, NULL);
            t->out = NULL;
            snprintf(t->code, t->codesz, "too_large");
            snprintf(t->msg, t->msgsz,
                     "the hub holds %zu records (%zu KiB) about the carer of %s, more than one "
                     "answer of the router carries (%zu KiB): nothing was exported",
                     e.counted, e.bytes / 1024, t->id, t->max / 1024);
            snprintf(detail, sizeof detail, "not answered: %zu records, too many for one answer",
                     e.counted);
            rc = 1;
        }
    } else if (rc == 1) {
        snprintf(detail, sizeof detail, "not answered: %s %s", t->code, t->id);
    }
    t->refused = rc == 1;
    if (rc == 0 || rc == 1)
        rc = router_audit(t->r, txn, "export", t->actor, rid, e.ncases ? e.cases[0] : NULL, NULL,
                          detail);
    if (rc == 0)
        rc = router_put_meta(t->r, txn);
    s_free(&e);
    return rc;
}

int router_carer_cases(router_t *r, MDB_txn *txn, const char *case_id, char ***ids, size_t *n)
{
    s_exp_t e;
    int rc;
    memset(&e, 0, sizeof e);
    e.r = r;
    e.txn = txn;
    e.max = 0; /* records are only counted: the ids are what is wanted */
    e.ids = smap_new();
    e.audited = smap_new();
    e.indexed = smap_new();
    s_note(&e, case_id, S_CASE);
    rc = s_cases(&e);
    *ids = e.cases;
    *n = e.ncases;
    e.cases = NULL;
    e.ncases = 0;
    s_free(&e);
    return rc;
}

int router_export(router_t *r, const char *actor, const char *id, size_t max,
                  Carerhub__ExportReply **out, char *code, size_t codesz, char *msg, size_t msgsz)
{
    s_txn_t t = {r, actor, id, max, NULL, r->next_audit, code, msg, codesz, msgsz, false};
    int rc;

    *out = NULL;
    if (!id || !(case_id_ok(id) || referral_id_ok(id))) {
        /* Nothing to look up; the query is audited all the same. */
        secure_audit(r->sec, "export", actor, NULL, "not answered: not a case or referral id");
        snprintf(code, codesz, "bad_request");
        snprintf(msg, msgsz,
                 "id: give a case id (C- and six or more digits, as in C-000123) or a referral id "
                 "(as in GP-7KQ2XM-14)");
        return -1;
    }
    rc = store_write(r->store, s_txn, &t);
    if (rc != 0) {
        r->next_audit = t.audit0;
        if (t.out)
            carerhub__export_reply__free_unpacked(t.out, NULL);
        log_error("cannot export the records of %s: %s", id, store_strerror(rc));
        snprintf(code, codesz, "unavailable");
        snprintf(msg, msgsz,
                 "the case store cannot be read or the export audited now: try again "
                 "later");
        return -1;
    }
    if (t.refused)
        return -1;
    log_info("export of %s by %s: %zu record(s)", id, actor, t.out->n_records);
    *out = t.out;
    return 0;
}
