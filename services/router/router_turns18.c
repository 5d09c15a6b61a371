/*
 * Young carers' 18th birthdays: every open case of a carer who is 18 on
 * or before today moves to the organisation that serves them now (see "A
 * case over time" in DESIGN.md). router_case.c notes each young carer's
 * birthday in the turns_18 table, keyed by the day, so the cases due come
 * first; a few hundred are moved per transaction.
 */
#include "router.h"

#include "util/clock.h"
#include "util/log.h"

#include <string.h>

#define S_BIRTHDAYS_PER_TXN 500

typedef struct {
    router_t *r;
    date_t today;
    uint64_t outbox0, audit0;
    int moved, looked;
} s_birthdays_t;

/* The source of the newest referral of c: it routes the case as before. */
static Carerhub__Source s_newest_source(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c)
{
    Carerhub__ReferralRecord *rec =
        c->n_referral_ids ? router_get_referral(r, txn, c->referral_ids[c->n_referral_ids - 1])
                          : NULL;
    Carerhub__Source src = rec && rec->referral ? rec->referral->source : CARERHUB__SOURCE__GP;
    if (rec)
        carerhub__referral_record__free_unpacked(rec, NULL);
    return src;
}

static int s_birthday_one(s_birthdays_t *b, MDB_txn *txn, const char *case_id)
{
    router_t *r = b->r;
    Carerhub__CaseRecord *c = router_get_case(r, txn, case_id);
    const char *kind = NULL;
    int rc = 0;
    if (c && !c->closed)
        rc = router_case_route(r, txn, c, s_newest_source(r, txn, c), b->today, NULL, false,
                               clock_now_ms(), &kind);
    if (rc == 0 && kind) {
        b->moved++;
        rc = router_put_case(r, txn, c);
    }
    if (c)
        carerhub__case_record__free_unpacked(c, NULL);
    return rc;
}

static int s_birthdays_txn(MDB_txn *txn, void *arg)
{
    s_birthdays_t *b = arg;
    router_t *r = b->r;
    char today[DATE_STRLEN], ids[S_BIRTHDAYS_PER_TXN][64];
    MDB_cursor *cur;
    MDB_val k, v;
    int rc, n = 0;

    r->next_outbox = b->outbox0;
    r->next_audit = b->audit0;
    b->moved = 0;
    date_format(b->today, today);
    if ((rc = mdb_cursor_open(txn, store_dbi(r->store, DB_TURNS_18), &cur)) != 0)
        return rc;
    /* Keys start with the birthday: the due ones come first. */
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
         rc == 0 && n < S_BIRTHDAYS_PER_TXN && k.mv_size > 11 && k.mv_size < 11 + 64 &&
         memcmp(k.mv_data, today, 10) <= 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) {
        memcpy(ids[n], (const char *)k.mv_data + 11, k.mv_size - 11);
        ids[n++][k.mv_size - 11] = '\0';
        if ((rc = mdb_cursor_del(cur, 0)) != 0)
            break;
    }
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    b->looked = n;
    for (int i = 0; i < n; i++)
        if ((rc = s_birthday_one(b, txn, ids[i])) != 0)
            return rc;
    return router_put_meta(r, txn);
}

int router_turns_18(router_t *r, date_t today)
{
    int moved = 0;
    for (;;) {
        s_birthdays_t b = {r, today, r->next_outbox, r->next_audit, 0, 0};
        int rc = store_write(r->store, s_birthdays_txn, &b);
        if (rc != 0) {
            r->next_outbox = b.outbox0;
            r->next_audit = b.audit0;
            log_error("cannot move the cases of carers who turned 18: %s; trying again later",
                      store_strerror(rc));
            return -1;
        }
        moved += b.moved;
        if (b.looked < S_BIRTHDAYS_PER_TXN)
            break;
    }
    if (moved)
        log_info("%d young carer's case(s) moved to adult services on the carer's 18th birthday",
                 moved);
    return moved;
}
