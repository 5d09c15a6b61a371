/*
 * An operator's erasure (carerhub erase CASE-ID|REFERRAL-ID --reason TEXT)
 * and the rewrite of the case store that must follow every erasure. See
 * router.h; router_erase.c erases a case.
 *
 * The reason goes into the audit trail, which must hold no personal data:
 * one that holds the carer's family name, NHS number, postcode, phone
 * number or email address (as any referral of the case gives them) is
 * refused, saying which, never repeating it.
 *
 * A referral the router parked, or an operator rejected, has no case: its
 * entry is erased as a referral of a case would be, and kept as an erased
 * referral record (its referrer reads "erased"). A referral the router has
 * never heard of may still be at its intake: the operator is told to try
 * again in a minute.
 *
 * LMDB reuses freed pages without clearing them, and a rewritten page can
 * carry stale bytes in its free space: after the erasing transaction
 * commits, store_scrub copies the store record by record into a new file.
 * While another process has the store open (a backup) it cannot: the
 * router tries again from its loop every few seconds until it has, and
 * across a restart (the mark in meta).
 */
#include "router.h"

#include "domain/postcode.h"
#include "domain/referral.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_RETRY_MS 5000 /* a rewrite that could not be done is tried again after this */

/* --- does the reason name the carer? --------------------------------------- */

/* The digits of a phone or NHS number as written ("+44 7700 900123" is
 * "07700900123"). */
static void s_digits(const char *in, char *out, size_t outsz)
{
    size_t n = 0;
    const char *p = in ? in : "";
    while (*p == ' ')
        p++;
    if (strncmp(p, "+44", 3) == 0 || strncmp(p, "0044", 4) == 0) {
        p += *p == '+' ? 3 : 4;
        while (*p == ' ' || *p == '(' || *p == ')')
            p++;
        if (*p == '0')
            p++;
        out[n++] = '0';
    }
    for (; *p && n + 1 < outsz; p++)
        if (*p >= '0' && *p <= '9')
            out[n++] = *p;
    out[n] = '\0';
}

/* Whether a run of the reason's digits (digits with spaces, brackets,
 * dashes and a plus between them) holds digits. */
static bool s_has_number(const char *reason, const char *digits)
{
    const char *p = reason;
    if (strlen(digits) < 6)
        return false;
    while (*p) {
        char run[256], got[256];
        size_t n = 0;
        while (*p && !strchr("0123456789+", *p))
            p++;
        while (*p && strchr("0123456789+ ()-", *p) && n + 1 < sizeof run)
            run[n++] = *p++;
        run[n] = '\0';
        s_digits(run, got, sizeof got);
        if (strstr(got, digits))
            return true;
    }
    return false;
}

/* Whether the reason, without its spaces and in upper case, holds the
 * postcode (without its space). */
static bool s_has_postcode(const char *reason, const char *postcode)
{
    char pc[POSTCODE_MAX], flat[ROUTER_ERASE_REASON_MAX * 4 + 1], want[POSTCODE_MAX];
    size_t n = 0, w = 0;
    if (!postcode || postcode_normalise(postcode, pc) < 0)
        return false;
    for (const char *p = pc; *p; p++)
        if (*p != ' ')
            want[w++] = *p;
    want[w] = '\0';
    for (const char *p = reason; *p && n + 1 < sizeof flat; p++)
        if (*p != ' ')
            flat[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    flat[n] = '\0';
    return w >= 5 && strstr(flat, want) != NULL;
}

/* Whether the reason has the family name as one of its words, or as
 * several in a row ("van der Berg"), folded as names are for matching. */
static bool s_has_name(const char *reason, const char *family)
{
    char want[160], words[64][96];
    size_t nw = 0, wl;
    const char *p = reason;
    if (!family || (wl = referral_fold_name(family, want, sizeof want)) == 0)
        return false;
    while (*p && nw < 64) {
        char word[96];
        size_t n = 0;
        while (*p && strchr(" \t,.;:!?()[]\"/&", *p))
            p++;
        while (*p && !strchr(" \t,.;:!?()[]\"/&", *p) && n + 1 < sizeof word)
            word[n++] = *p++;
        word[n] = '\0';
        /* A possessive is the name: Smith's. */
        if (n > 2 && strcmp(word + n - 2, "'s") == 0)
            word[n - 2] = '\0';
        else if (n > 4 && strcmp(word + n - 4, "\xe2\x80\x99s") == 0)
            word[n - 4] = '\0';
        if (n && referral_fold_name(word, words[nw], sizeof words[nw]) > 0)
            nw++;
    }
    for (size_t i = 0; i < nw; i++) {
        char joined[160] = "";
        size_t len = 0;
        for (size_t j = i; j < nw && len < wl; j++) {
            len += strlen(words[j]);
            if (len >= sizeof joined)
                break;
            strcat(joined, words[j]);
            if (strcmp(joined, want) == 0)
                return true;
        }
    }
    return false;
}

static bool s_has_email(const char *reason, const char *email)
{
    return email && strlen(email) >= 3 && strcasestr(reason, email) != NULL;
}

/* Which of carer's details the reason holds (static text), or NULL. */
static const char *s_named(const char *reason, const Carerhub__Carer *carer)
{
    char digits[64];
    if (!carer)
        return NULL;
    if (s_has_name(reason, carer->family_name))
        return "family name";
    s_digits(carer->nhs_number, digits, sizeof digits);
    if (carer->nhs_number && s_has_number(reason, digits))
        return "NHS number";
    if (s_has_postcode(reason, carer->postcode))
        return "postcode";
    s_digits(carer->phone, digits, sizeof digits);
    if (carer->phone && s_has_number(reason, digits))
        return "phone number";
    if (s_has_email(reason, carer->email))
        return "email address";
    return NULL;
}

/* The details of case c's carer (as now known, and as each referral gave
 * them) that the reason holds, or NULL. */
static const char *s_named_in_case(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                                   const char *reason)
{
    const char *what = s_named(reason, c->carer);
    char digits[64];
    if (!what && c->nhs_number) {
        s_digits(c->nhs_number, digits, sizeof digits);
        if (s_has_number(reason, digits))
            what = "NHS number";
    }
    for (size_t i = 0; i < c->n_referral_ids && !what; i++) {
        Carerhub__ReferralRecord *rec = router_get_referral(r, txn, c->referral_ids[i]);
        if (rec && rec->referral)
            what = s_named(reason, rec->referral->carer);
        if (rec)
            carerhub__referral_record__free_unpacked(rec, NULL);
    }
    return what;
}

/* --- the request ----------------------------------------------------------- */

typedef struct {
    router_t *r;
    const char *actor;
    const Carerhub__EraseRequest *q;
    Carerhub__EraseReply *out;
    char *code, *msg;
    size_t codesz, msgsz;
    bool refused;
    uint64_t outbox0, audit0;
    int64_t now;
} s_erase_t;

__attribute__((format(printf, 3, 4))) static void s_refuse(s_erase_t *t, const char *code,
                                                           const char *fmt, ...)
{
    va_list ap;
    t->refused = true;
    snprintf(t->code, t->codesz, "%s", code);
    va_start(ap, fmt);
    vsnprintf(t->msg, t->msgsz, fmt, ap);
    va_end(ap);
}

static void s_refuse_named(s_erase_t *t, const char *what)
{
    s_refuse(t, "bad_request",
             "reason: it holds the carer's %s, and the reason goes into the audit trail, which "
             "must hold no personal data: say why in other words (\"the carer's request\", "
             "\"referred in error\")",
             what);
}

/* A parked or rejected referral (entry p of table db), never taken into
 * a case: kept as an erased referral record, the entry gone. */
static int s_erase_loose(s_erase_t *t, MDB_txn *txn, int db, const Carerhub__ParkedEntry *p)
{
    router_t *r = t->r;
    const char *id = t->q->id, *what;
    Carerhub__ReferralRecord rec = CARERHUB__REFERRAL_RECORD__INIT;
    router_kept_t k;
    MDB_val key = store_val(id);
    char detail[300];
    int rc;

    if ((what = s_named(t->q->reason, p->referral ? p->referral->carer : NULL)) != NULL) {
        s_refuse_named(t, what);
        return 0;
    }
    router_erase_keep(p->referral, id, &k);
    rec.referral = &k.ref;
    rec.has_erased_at = true;
    rec.erased_at = t->now;
    snprintf(detail, sizeof detail, "reason: %s; %s, in no case", t->q->reason,
             db == DB_PARKED ? "parked" : "rejected");
    if ((rc = router_put(r, txn, DB_REFERRALS, id, strlen(id), &rec.base)) != 0 ||
        (rc = mdb_del(txn, store_dbi(r->store, (size_t)db), &key, NULL)) != 0 ||
        (rc = router_referrer_index(r, txn, &k.ref)) != 0 ||
        (rc = router_audit(r, txn, "erased", t->actor, id, NULL, NULL, detail)) != 0 ||
        (rc = router_count(r, txn, "erased", 1)) != 0 || (rc = router_erase_mark(r, txn)) != 0)
        return rc;
    router_strv_add(&t->out->referral_ids, &t->out->n_referral_ids, id);
    t->out->has_erased_at = true;
    t->out->erased_at = t->now;
    return 0;
}

/* A referral id: its case's id (new string) into *case_id, or the
 * referral erased on its own, or refused. */
static int s_referral(s_erase_t *t, MDB_txn *txn, char **case_id)
{
    router_t *r = t->r;
    const char *id = t->q->id;
    Carerhub__ReferralRecord *rec = router_get_referral(r, txn, id);
    Carerhub__ParkedEntry *p = NULL;
    int db = DB_PARKED, rc = 0;
    MDB_val k = store_val(id), v;

    if (rec && rec->case_id) {
        *case_id = xstrdup(rec->case_id);
    } else if (rec) {
        /* Erased before, in no case. */
        router_strv_add(&t->out->referral_ids, &t->out->n_referral_ids, id);
        t->out->has_erased_at = rec->has_erased_at;
        t->out->erased_at = rec->erased_at;
        t->out->has_already = t->out->already = true;
    } else if (mdb_get(txn, store_dbi(r->store, DB_PARKED), &k, &v) == 0 ||
               (db = DB_REJECTED, mdb_get(txn, store_dbi(r->store, DB_REJECTED), &k, &v) == 0)) {
        if ((p = carerhub__parked_entry__unpack(NULL, v.mv_size, v.mv_data)) != NULL)
            rc = s_erase_loose(t, txn, db, p);
        else
            s_refuse(t, "unavailable", "the entry of referral %s cannot be read", id);
    } else {
        s_refuse(t, "not_found",
                 "no referral %s is known to the router: one accepted in the last minute may "
                 "still be on its way from its intake; try again in a minute",
                 id);
    }
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    if (p)
        carerhub__parked_entry__free_unpacked(p, NULL);
    return rc;
}

static int s_erase_txn(MDB_txn *txn, void *arg)
{
    s_erase_t *t = arg;
    router_t *r = t->r;
    char *case_id = NULL;
    const char *what;
    Carerhub__CaseRecord *c;
    int rc = 0;

    /* store_write may run us again after growing the map. */
    r->next_outbox = t->outbox0;
    r->next_audit = t->audit0;
    t->refused = false;
    router_erase_reply_free(t->out);
    if (case_id_ok(t->q->id))
        case_id = xstrdup(t->q->id);
    else if ((rc = s_referral(t, txn, &case_id)) != 0 || !case_id)
        return t->refused ? 0 : rc ? rc : router_put_meta(r, txn);
    if (!(c = router_get_case(r, txn, case_id))) {
        s_refuse(t, "not_found", "no case %s is known to the hub", case_id);
    } else if (!c->has_erased_at && (what = s_named_in_case(r, txn, c, t->q->reason)) != NULL) {
        s_refuse_named(t, what);
    } else {
        rc = router_erase_case(r, txn, case_id, t->q->reason, t->now, t->actor, t->out);
        if (rc == 0)
            rc = router_put_meta(r, txn);
    }
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    free(case_id);
    return rc;
}

/* The request's own checks, before the store: 0, or -1 refused. */
static int s_check(s_erase_t *t)
{
    const char *id = t->q->id, *reason = t->q->reason;
    text_status_t ts;
    if (!id || (!case_id_ok(id) && !referral_id_ok(id))) {
        s_refuse(t, "bad_request",
                 "id: give a case id (C-000123) or a referral id (GP-..., HD-..., SC-..., "
                 "SR-...)");
        return -1;
    }
    ts = reason ? text_check(reason, strlen(reason), ROUTER_ERASE_REASON_MAX, false) : TEXT_EMPTY;
    if (ts == TEXT_EMPTY) {
        s_refuse(t, "bad_request",
                 "reason: say why the carer's data is erased, for the audit trail (\"the "
                 "carer's request\"); no personal data");
        return -1;
    }
    if (ts != TEXT_OK) {
        s_refuse(t, "bad_request", "reason: %s",
                 ts == TEXT_TOO_LONG ? "is longer than 200 characters" : text_status_str(ts));
        return -1;
    }
    return 0;
}

int router_erase(router_t *r, const char *actor, const Carerhub__EraseRequest *q,
                 Carerhub__EraseReply *out, char *code, size_t codesz, char *msg, size_t msgsz)
{
    s_erase_t t = {r,
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
                   clock_now_ms()};
    uint64_t bytes;
    int rc;

    carerhub__erase_reply__init(out);
    if (s_check(&t) < 0)
        return -1;
    rc = store_write(r->store, s_erase_txn, &t);
    if (rc != 0) {
        r->next_outbox = t.outbox0;
        r->next_audit = t.audit0;
        router_erase_reply_free(out);
        log_error("cannot erase %s: %s", q->id, store_strerror(rc));
        s_refuse(&t, "unavailable", "the hub cannot erase it now: try again later");
        return -1;
    }
    if (t.refused) {
        router_erase_reply_free(out);
        return -1;
    }
    if (!out->already)
        log_info("%s: erased by %s (%s)", out->case_id ? out->case_id : q->id, actor,
                 out->case_id ? "the case" : "a referral in no case");
    /* Also after one erased before, if its rewrite is still due. */
    if (r->scrub_due && router_scrub(r, &bytes) == 0) {
        out->has_store_bytes = true;
        out->store_bytes = bytes;
    }
    return 0;
}

/* --- rewriting the store --------------------------------------------------- */

static int s_unmark(MDB_txn *txn, void *arg)
{
    router_t *r = arg;
    MDB_val k = store_val(ROUTER_SCRUB_KEY);
    int rc = mdb_del(txn, store_dbi(r->store, DB_META), &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int router_scrub(router_t *r, uint64_t *bytes)
{
    uint64_t before = 0, after = 0;
    int rc = store_scrub(r->store, &before, &after);
    if (rc == 0 && (rc = store_write(r->store, s_unmark, r)) == 0) {
        if (r->scrub_said)
            log_info("the case store is rewritten at last");
        log_info("case store rewritten: %llu bytes (was %llu); nothing erased remains in it",
                 (unsigned long long)after, (unsigned long long)before);
        r->scrub_due = r->scrub_said = false;
        if (bytes)
            *bytes = after;
        return 0;
    }
    r->scrub_due = true;
    r->scrub_next = clock_mono_ms() + S_RETRY_MS;
    if (!r->scrub_said)
        log_warn("cannot rewrite the case store after an erasure yet: %s; trying again every "
                 "%d s until it is",
                 rc == EBUSY ? "another process (a backup?) has it open" : store_strerror(rc),
                 S_RETRY_MS / 1000);
    r->scrub_said = true;
    return rc;
}

void router_scrub_retry(router_t *r)
{
    if (r->scrub_due && clock_mono_ms() >= r->scrub_next)
        router_scrub(r, NULL);
}

void router_scrub_resume(router_t *r)
{
    MDB_txn *txn;
    MDB_val k = store_val(ROUTER_SCRUB_KEY), v;
    if (store_read(r->store, &txn) != 0)
        return;
    if (mdb_get(txn, store_dbi(r->store, DB_META), &k, &v) == 0) {
        log_info("an erasure's rewrite of the case store was not done before the router "
                 "stopped: doing it now");
        r->scrub_due = true;
        r->scrub_next = 0;
    }
    mdb_txn_abort(txn);
}
