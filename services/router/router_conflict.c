/*
 * Identity conflicts, and an operator's answer to one (see "Who a carer
 * is" in DESIGN.md). A referral giving an NHS number already known with
 * another date of birth opens a case of its own, and both cases are
 * flagged (router_case_flag): the conflicts table lists each open flagged
 * case with the cases it is flagged with, so that the alerts can name
 * them and an operator can answer for a pair:
 *
 *   - keep_apart: two people. Neither is flagged with the other any more;
 *     a case flagged with no other loses the flag, and each organisation
 *     hears of it in an update of the case alone.
 *   - join: one person. The newer case's referrals join the older case as
 *     a new referral for an open case does, in the order the hub received
 *     them among the older case's own (router_join.c), and the case is
 *     routed again with the carer as now known (moved to another
 *     organisation as a transfer when another serves the carer now); the
 *     older case takes over the newer's index keys and conflicts (a case
 *     flagged with the newer is flagged with the older, its reason naming
 *     it, its organisation told), and the newer case closes (closed_reason
 *     joined), its organisation told which case it joined and nothing of
 *     that case. The report counts them as one carer (router_report_joined).
 *
 * Both are audited (case ids only) and counted. See router.h.
 */
#include "router.h"

#include "domain/referral.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_US 0x1f

/* --- which cases a case is flagged with --------------------------------- */

typedef struct {
    char ids[ROUTER_CONFLICTS_MAX][CASE_ID_MAX + 1];
    size_t n;
} s_list_t;

static bool s_has(const s_list_t *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->ids[i], id) == 0)
            return true;
    return false;
}

static void s_add(s_list_t *l, const char *id)
{
    if (case_id_ok(id) && !s_has(l, id) && l->n < ROUTER_CONFLICTS_MAX)
        snprintf(l->ids[l->n++], sizeof l->ids[0], "%s", id);
}

static void s_del(s_list_t *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->ids[i], id) == 0) {
            memmove(l->ids[i], l->ids[i + 1], (l->n - i - 1) * sizeof l->ids[0]);
            l->n--;
            return;
        }
}

/* The case's entry of the conflicts table, into l (empty if none). */
static int s_get(router_t *r, MDB_txn *txn, const char *id, s_list_t *l)
{
    MDB_val k = store_val(id), v;
    const char *p, *end;
    int rc = mdb_get(txn, store_dbi(r->store, DB_CONFLICTS), &k, &v);
    l->n = 0;
    if (rc != 0)
        return rc == MDB_NOTFOUND ? 0 : rc;
    for (p = v.mv_data, end = p + v.mv_size; p < end;) {
        const char *us = memchr(p, S_US, (size_t)(end - p));
        size_t len = (size_t)((us ? us : end) - p);
        char one[CASE_ID_MAX + 1];
        if (len > 0 && len <= CASE_ID_MAX) {
            memcpy(one, p, len);
            one[len] = '\0';
            s_add(l, one);
        }
        p += len + 1;
    }
    return 0;
}

static int s_put(router_t *r, MDB_txn *txn, const char *id, const s_list_t *l)
{
    char val[ROUTER_CONFLICTS_MAX * (CASE_ID_MAX + 1)];
    size_t n = 0;
    MDB_val k = store_val(id), v;
    for (size_t i = 0; i < l->n; i++)
        n += (size_t)snprintf(val + n, sizeof val - n, "%s%s", i ? "\x1f" : "", l->ids[i]);
    v.mv_size = n;
    v.mv_data = val;
    return mdb_put(txn, store_dbi(r->store, DB_CONFLICTS), &k, &v, 0);
}

/* The case ids a conflict reason names ("case C-000001 was given ..."). */
static void s_named(const char *reason, s_list_t *l)
{
    for (const char *p = reason ? strstr(reason, "C-") : NULL; p; p = strstr(p + 2, "C-")) {
        char one[CASE_ID_MAX + 1];
        size_t len = 2 + strspn(p + 2, "0123456789");
        if (len <= CASE_ID_MAX && (p == reason || !isalnum((unsigned char)p[-1]))) {
            memcpy(one, p, len);
            one[len] = '\0';
            s_add(l, one);
        }
    }
}

static int s_with(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c, s_list_t *l)
{
    int rc = s_get(r, txn, c->case_id, l);
    /* An entry of a store written before the table said with whom. */
    if (rc == 0 && l->n == 0 && c->identity_conflict)
        s_named(c->conflict_reason, l);
    s_del(l, c->case_id);
    return rc;
}

size_t router_conflict_with(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                            char ids[ROUTER_CONFLICTS_MAX][CASE_ID_MAX + 1])
{
    s_list_t l;
    if (s_with(r, txn, c, &l) != 0)
        return 0;
    memcpy(ids, l.ids, l.n * sizeof l.ids[0]);
    return l.n;
}

int router_conflict_pair(router_t *r, MDB_txn *txn, const char *a, const char *b)
{
    const char *pair[2][2] = {{a, b}, {b, a}};
    for (int i = 0; i < 2; i++) {
        s_list_t l;
        int rc = s_get(r, txn, pair[i][0], &l);
        if (rc)
            return rc;
        s_add(&l, pair[i][1]);
        if ((rc = s_put(r, txn, pair[i][0], &l)) != 0)
            return rc;
    }
    return 0;
}

/* Why case c is flagged with case id, when its reason names none of the
 * cases it is flagged with now (case ids only). */
static char *s_reason(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c, const char *id)
{
    Carerhub__CaseRecord *o = router_get_case(r, txn, id);
    bool nhs = o && c->nhs_number && o->nhs_number && strcmp(c->nhs_number, o->nhs_number) == 0 &&
               c->carer && o->carer && c->carer->date_of_birth && o->carer->date_of_birth &&
               strcmp(c->carer->date_of_birth, o->carer->date_of_birth) != 0;
    if (o)
        carerhub__case_record__free_unpacked(o, NULL);
    if (nhs)
        return xasprintf("case %s was given the same NHS number with another date of birth: not "
                         "joined; check the NHS number and date of birth with the carer",
                         id);
    return xasprintf("case %s may be the same person: not joined; a person must look", id);
}

/* Case c flagged with the cases of l (none: the flag clears), its reason
 * naming one of them (the reason it has, while that names one: each kind
 * of conflict says why in its own words), and its entry of the table in
 * step. */
static int s_flag(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, const s_list_t *l)
{
    s_list_t named = {.n = 0};
    bool names = false;
    c->has_identity_conflict = true;
    c->identity_conflict = l->n > 0 && !c->closed;
    if (!c->identity_conflict) {
        free(c->conflict_reason);
        c->conflict_reason = NULL;
        return router_conflict_note(r, txn, c);
    }
    s_named(c->conflict_reason, &named);
    for (size_t i = 0; i < named.n && !names; i++)
        names = s_has(l, named.ids[i]);
    if (!names) {
        free(c->conflict_reason);
        c->conflict_reason = s_reason(r, txn, c, l->ids[0]);
    }
    return s_put(r, txn, c->case_id, l);
}

/* The reason of case c names case `to` where it named `from`. */
static void s_rename(Carerhub__CaseRecord *c, const char *from, const char *to)
{
    buf_t b = BUF_INIT;
    size_t flen = strlen(from);
    const char *p = c->conflict_reason, *at;
    bool changed = false;
    for (; p && (at = strstr(p, from)) != NULL; p = at + flen) {
        bool whole = (at == c->conflict_reason || !isalnum((unsigned char)at[-1])) &&
                     !isdigit((unsigned char)at[flen]);
        buf_printf(&b, "%.*s%s", (int)(at - p), p, whole ? to : from);
        changed |= whole;
    }
    if (!changed) {
        buf_free(&b);
        return;
    }
    buf_adds(&b, p);
    free(c->conflict_reason);
    c->conflict_reason = buf_take(&b);
}

/* --- the operator's answer ---------------------------------------------- */

typedef struct {
    router_t *r;
    const char *actor;
    const Carerhub__ConflictAction *q;
    Carerhub__ConflictReply *out;
    char *code, *msg;
    size_t codesz, msgsz;
    bool refused;
    uint64_t outbox0, audit0;
    int64_t now;
} s_act_t;

void router_conflict_reply_free(Carerhub__ConflictReply *out)
{
    free(out->case_id);
    free(out->closed_case);
    free(out->provider);
    free(out->provider_name);
    carerhub__conflict_reply__init(out);
}

__attribute__((format(printf, 3, 4))) static void s_refuse(s_act_t *t, const char *code,
                                                           const char *fmt, ...)
{
    va_list ap;
    t->refused = true;
    snprintf(t->code, t->codesz, "%s", code);
    va_start(ap, fmt);
    vsnprintf(t->msg, t->msgsz, fmt, ap);
    va_end(ap);
}

static void s_reply(s_act_t *t, const Carerhub__CaseRecord *stands, const char *closed)
{
    router_conflict_reply_free(t->out);
    t->out->case_id = xstrdup(stands->case_id);
    t->out->closed_case = closed ? xstrdup(closed) : NULL;
    t->out->provider = stands->provider ? xstrdup(stands->provider) : NULL;
    t->out->provider_name = stands->provider_name ? xstrdup(stands->provider_name) : NULL;
}

/* Its organisation hears of a change of case c alone (no referral). */
static int s_tell(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, int64_t now)
{
    int rc = c->provider ? router_case_notify(r, txn, c, "update", NULL, NULL, now) : 0;
    return rc ? rc : router_put_case(r, txn, c);
}

/* Two people: a no longer flagged with b, nor b with a. */
static int s_apart(s_act_t *t, MDB_txn *txn, Carerhub__CaseRecord *a, Carerhub__CaseRecord *b)
{
    router_t *r = t->r;
    Carerhub__CaseRecord *both[2] = {a, b};
    char detail[120];
    int rc;
    for (int i = 0; i < 2; i++) {
        s_list_t l;
        if ((rc = s_with(r, txn, both[i], &l)) != 0)
            return rc;
        s_del(&l, both[1 - i]->case_id);
        if ((rc = s_flag(r, txn, both[i], &l)) != 0 || (rc = s_tell(r, txn, both[i], t->now)) != 0)
            return rc;
    }
    snprintf(detail, sizeof detail, "cases %s and %s kept apart: two people", a->case_id,
             b->case_id);
    if ((rc = router_count(r, txn, "conflicts_kept_apart", 1)) != 0 ||
        (rc = router_audit(r, txn, "conflict-kept-apart", t->actor, NULL, a->case_id, a->provider,
                           detail)) != 0)
        return rc;
    s_reply(t, a, NULL);
    return 0;
}

/* stands takes over joined's conflicts but its own with joined, and each
 * case flagged with joined is flagged with stands instead, its reason
 * naming stands where it named joined (its organisation told). */
static int s_move_conflicts(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *stands,
                            const Carerhub__CaseRecord *joined, int64_t now)
{
    s_list_t mine, theirs;
    int rc;
    if ((rc = s_with(r, txn, stands, &mine)) != 0 || (rc = s_with(r, txn, joined, &theirs)) != 0)
        return rc;
    s_del(&mine, joined->case_id);
    s_del(&theirs, stands->case_id);
    for (size_t i = 0; i < theirs.n; i++) {
        Carerhub__CaseRecord *x = router_get_case(r, txn, theirs.ids[i]);
        s_list_t l;
        if (x && !x->closed && x->identity_conflict) {
            s_add(&mine, x->case_id);
            if ((rc = s_with(r, txn, x, &l)) == 0) {
                char *was = x->conflict_reason ? xstrdup(x->conflict_reason) : NULL;
                s_rename(x, joined->case_id, stands->case_id);
                s_del(&l, joined->case_id);
                s_add(&l, stands->case_id);
                if ((rc = s_flag(r, txn, x, &l)) == 0 &&
                    (!was || !x->conflict_reason || strcmp(was, x->conflict_reason) != 0))
                    rc = s_tell(r, txn, x, now);
                free(was);
            }
        }
        if (x)
            carerhub__case_record__free_unpacked(x, NULL);
        if (rc)
            return rc;
    }
    return s_flag(r, txn, stands, &mine);
}

/* The newer case closes into the older: its organisation gets the case
 * closed (joined), naming the case it joined and nothing of it. */
static int s_close_joined(s_act_t *t, MDB_txn *txn, Carerhub__CaseRecord *joined,
                          const Carerhub__CaseRecord *stands)
{
    router_t *r = t->r;
    s_list_t none = {.n = 0};
    char *reason;
    int rc;
    reason =
        xasprintf("%s%sClosed: joined into case %s by the hub's operator (the same carer), "
                  "which holds its referrals now.",
                  joined->reason ? joined->reason : "", joined->reason ? " " : "", stands->case_id);
    free(joined->reason);
    joined->reason = reason;
    free(joined->next_case);
    joined->next_case = xstrdup(stands->case_id); /* a key still naming it leads there */
    if ((rc = router_case_close(r, txn, joined, "joined", t->now)) != 0 ||
        (rc = s_flag(r, txn, joined, &none)) != 0)
        return rc;
    return s_tell(r, txn, joined, t->now);
}

/* One person: the newer of a and b joins the older. */
static int s_join(s_act_t *t, MDB_txn *txn, Carerhub__CaseRecord *a, Carerhub__CaseRecord *b)
{
    router_t *r = t->r;
    bool a_older = a->opened_at < b->opened_at ||
                   (a->opened_at == b->opened_at && strcmp(a->case_id, b->case_id) < 0);
    Carerhub__CaseRecord *stands = a_older ? a : b, *joined = a_older ? b : a;
    Carerhub__Source src;
    const char *kind;
    char *newest = NULL, detail[160];
    bool moved;
    int rc;

    if ((rc = router_join_referrals(r, txn, stands, joined, &newest, &moved)) != 0 ||
        (joined->contact_by &&
         (rc = router_contact_due(r, txn, stands, joined->contact_by)) != 0) ||
        (rc = s_move_conflicts(r, txn, stands, joined, t->now)) != 0 ||
        (rc = router_report_joined(r, txn, stands, joined)) != 0 ||
        (rc = s_close_joined(t, txn, joined, stands)) != 0)
        goto out;
    /* Routed again as for a new referral of the case, so that its
     * organisation receives the referrals (or the case moves). */
    if (newest && referral_source_of_id(newest, &src) == 0)
        rc = router_case_route(r, txn, stands, src, date_of_ms(t->now), newest, moved, t->now,
                               &kind);
    else
        rc = router_case_notify(r, txn, stands, "update", NULL, NULL, t->now);
    if (rc == 0)
        rc = router_put_case(r, txn, stands);
    snprintf(detail, sizeof detail, "case %s joined into case %s: the same carer", joined->case_id,
             stands->case_id);
    if (rc == 0 && (rc = router_count(r, txn, "conflicts_joined", 1)) == 0 &&
        (rc = router_audit(r, txn, "conflict-joined", t->actor, NULL, stands->case_id,
                           stands->provider, detail)) == 0)
        s_reply(t, stands, joined->case_id);
out:
    free(newest);
    return rc;
}

/* Both open, and flagged with each other; else refused with why. */
static bool s_pair_ok(s_act_t *t, MDB_txn *txn, Carerhub__CaseRecord *a, Carerhub__CaseRecord *b)
{
    Carerhub__CaseRecord *both[2] = {a, b};
    s_list_t la, lb;
    for (int i = 0; i < 2; i++) {
        if (both[i]->closed) {
            s_refuse(t, "bad_request",
                     "case %s is closed (%s): only open cases are joined or kept "
                     "apart",
                     both[i]->case_id, both[i]->closed_reason ? both[i]->closed_reason : "closed");
            return false;
        }
        if (!both[i]->identity_conflict) {
            s_refuse(t, "bad_request", "case %s is not flagged identity_conflict",
                     both[i]->case_id);
            return false;
        }
    }
    if (s_with(t->r, txn, a, &la) != 0 || s_with(t->r, txn, b, &lb) != 0 ||
        !(s_has(&la, b->case_id) || s_has(&lb, a->case_id))) {
        buf_t with = BUF_INIT;
        for (size_t i = 0; i < la.n; i++)
            buf_printf(&with, "%s%s", i ? ", " : "", la.ids[i]);
        s_refuse(t, "bad_request",
                 "cases %s and %s are not flagged with each other (%s is with %s)", a->case_id,
                 b->case_id, a->case_id, with.len ? with.data : "no other case");
        buf_free(&with);
        return false;
    }
    return true;
}

static int s_act_txn(MDB_txn *txn, void *arg)
{
    s_act_t *t = arg;
    router_t *r = t->r;
    Carerhub__CaseRecord *a, *b = NULL;
    int rc = 0;

    /* store_write may run us again after growing the map. */
    r->next_outbox = t->outbox0;
    r->next_audit = t->audit0;
    t->refused = false;
    router_conflict_reply_free(t->out);
    if (!(a = router_get_case(r, txn, t->q->case_id)))
        s_refuse(t, "not_found", "case_id: no case %s", t->q->case_id);
    else if (!(b = router_get_case(r, txn, t->q->other_case_id)))
        s_refuse(t, "not_found", "other_case_id: no case %s", t->q->other_case_id);
    else if (s_pair_ok(t, txn, a, b))
        rc = strcmp(t->q->action, "join") == 0 ? s_join(t, txn, a, b) : s_apart(t, txn, a, b);
    if (rc == 0 && !t->refused)
        rc = router_put_meta(r, txn);
    if (a)
        carerhub__case_record__free_unpacked(a, NULL);
    if (b)
        carerhub__case_record__free_unpacked(b, NULL);
    return rc;
}

int router_conflict_action(router_t *r, const char *actor, const Carerhub__ConflictAction *q,
                           Carerhub__ConflictReply *out, char *code, size_t codesz, char *msg,
                           size_t msgsz)
{
    s_act_t t = {r,
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
    const char *field = !case_id_ok(q->case_id)         ? "case_id"
                        : !case_id_ok(q->other_case_id) ? "other_case_id"
                                                        : NULL;
    int rc;

    carerhub__conflict_reply__init(out);
    if (field) {
        s_refuse(&t, "bad_request", "%s: give a case id (C-000123)", field);
        return -1;
    }
    if (strcmp(q->case_id, q->other_case_id) == 0) {
        s_refuse(&t, "bad_request", "other_case_id: the same case as case_id; give the other one");
        return -1;
    }
    if (!q->action || (strcmp(q->action, "join") != 0 && strcmp(q->action, "keep_apart") != 0)) {
        s_refuse(&t, "bad_request",
                 "action: must be join (the same person) or keep_apart (two "
                 "people)");
        return -1;
    }
    rc = store_write(r->store, s_act_txn, &t);
    if (rc != 0) {
        r->next_outbox = t.outbox0;
        r->next_audit = t.audit0;
        router_conflict_reply_free(out);
        log_error("cannot record the %s of cases %s and %s: %s", q->action, q->case_id,
                  q->other_case_id, store_strerror(rc));
        s_refuse(&t, "unavailable", "the hub cannot record this now: try again later");
        return -1;
    }
    if (t.refused) {
        router_conflict_reply_free(out);
        return -1;
    }
    log_info("cases %s and %s: %s by %s", q->case_id, q->other_case_id, q->action, actor);
    return 0;
}
