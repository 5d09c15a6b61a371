/*
 * A subject access request (ExportQuery): every record the router holds
 * about the carer of a case or of a referral, as stored, each with its
 * table and key, for carerhub export to render. This file answers the
 * request, audits it and makes the reply; router_export_walk.c finds the
 * records, through router_export.h.
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
#include "router_export.h"

#include "domain/referral.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the request ---------------------------------------------------------- */

static void s_free(router_exp_t *e)
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
static int s_start(router_exp_t *e, char *code, size_t codesz, char *msg, size_t msgsz)
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
            router_exp_note(e, id, ROUTER_EXP_CASE);
            return 0;
        }
        snprintf(code, codesz, "not_found");
        snprintf(msg, msgsz, "no case %s is known to the hub", id);
        return 1;
    }
    if ((rec = router_get_referral(e->r, e->txn, id)) != NULL) {
        router_exp_note(e, rec->case_id, ROUTER_EXP_CASE); /* id in its place among the case's */
        carerhub__referral_record__free_unpacked(rec, NULL);
        return 0;
    }
    k = store_val(id);
    if ((rc = mdb_get(e->txn, store_dbi(e->r->store, DB_PARKED), &k, &v)) == MDB_NOTFOUND)
        rc = mdb_get(e->txn, store_dbi(e->r->store, DB_REJECTED), &k, &v);
    if (rc == 0)
        router_exp_note(e, id, ROUTER_EXP_REFERRAL);
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
static void s_detail(const router_exp_t *e, char *out, size_t outsz)
{
    size_t n = (size_t)snprintf(out, outsz, "%zu record(s) exported: %zu referral(s), case(s)",
                                e->nrecs, e->nrefs);
    for (size_t i = 0; i < e->ncases && n + 40 < outsz; i++)
        n += (size_t)snprintf(out + n, outsz - n, " %s", e->cases[i]);
    if (e->ncases == 0)
        snprintf(out + n, outsz - n, " none");
}

/* The export's reply from what e holds (its records moved out). */
static Carerhub__ExportReply *s_reply(router_exp_t *e)
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
    router_exp_t e = {.r = t->r, .txn = txn, .asked = t->id, .max = t->max};
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
    if (rc == 0 && (rc = router_exp_collect(&e)) == 0) {
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
    router_exp_t e;
    int rc;
    memset(&e, 0, sizeof e);
    e.r = r;
    e.txn = txn;
    e.max = 0; /* records are only counted: the ids are what is wanted */
    e.ids = smap_new();
    e.audited = smap_new();
    e.indexed = smap_new();
    router_exp_note(&e, case_id, ROUTER_EXP_CASE);
    rc = router_exp_cases(&e);
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
