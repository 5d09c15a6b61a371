/*
 * Unit tests of the conflicts table on a real case store: the open cases
 * flagged as a possible identity conflict are listed where they get the
 * flag and leave it when they close, the alerts read them from there
 * (not from every case), and a store written before the table gets it
 * once.
 */
#include "test.h"

#include "domain/referral.h"
#include "router_hub.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Jane Smith's card; with other, Mary, born 1975, in Colchester, given
 * the same NHS number. */
static int s_take(hub_t *h, const char *id, bool other)
{
    Carerhub__Referral *r = hub_card(id, "gp");
    int rc;
    if (!r)
        return -1;
    if (other) {
        free(r->carer->given_name);
        r->carer->given_name = xstrdup("Mary");
        free(r->carer->date_of_birth);
        r->carer->date_of_birth = xstrdup("1975-09-14");
        free(r->carer->postcode);
        r->carer->postcode = xstrdup("CO4 5AB");
    }
    rc = hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc;
}

/* The case ids of the identity conflicts the alerts list, space-separated. */
static void s_conflicts(hub_t *h, char *out, size_t outsz)
{
    Carerhub__AlertsReply *a;
    MDB_txn *txn;
    size_t n = 0;
    out[0] = '\0';
    if (store_read(h->r.store, &txn) != 0)
        return;
    a = router_alerts(&h->r, txn, date_today());
    mdb_txn_abort(txn);
    for (size_t i = 0; i < a->n_alerts && n < outsz; i++)
        if (strcmp(a->alerts[i]->kind, "identity_conflict") == 0)
            n += (size_t)snprintf(out + n, outsz - n, "%s%s", n ? " " : "", a->alerts[i]->case_id);
    carerhub__alerts_reply__free_unpacked(a, NULL);
}

typedef struct {
    hub_t *h;
    bool unmark; /* as a router before the table: none, and no mark */
} s_old_t;

/* Empties the conflicts table; with unmark, forgets it was built. */
static int s_old_txn(MDB_txn *txn, void *arg)
{
    s_old_t *o = arg;
    MDB_val k = store_val("conflicts");
    int rc = mdb_drop(txn, store_dbi(o->h->r.store, DB_CONFLICTS), 0);
    if (rc == 0 && o->unmark)
        rc = mdb_del(txn, store_dbi(o->h->r.store, DB_META), &k, NULL);
    return rc;
}

TEST(router_conflicts_table_lists_open_flagged_cases_for_the_alerts)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__Outcome *o;
    Carerhub__OutcomeResult res;
    s_old_t old = {&h, true};
    char ids[200];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take(&h, "GP-TEST90-1", false), 0);
    CHECK(!hub_has(&h, DB_CONFLICTS, "C-000001"));
    CHECK_INT(s_take(&h, "GP-TEST90-2", true), 0);
    /* Both: the case flagged, and the new one opened flagged. */
    CHECK(hub_has(&h, DB_CONFLICTS, "C-000001"));
    CHECK(hub_has(&h, DB_CONFLICTS, "C-000002"));
    s_conflicts(&h, ids, sizeof ids);
    CHECK_STR(ids, "C-000001 C-000002");

    /* Closed, a case needs no person to look at it. */
    o = hub_outcome_new("cf-1", "C-000001", "closed");
    o->reason = xstrdup("no_longer_caring");
    CHECK_INT(hub_report(&h, "carers-first", o, &res), CARERHUB__OUTCOME_RESULT__RESULT__RECORDED);
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    CHECK(!hub_has(&h, DB_CONFLICTS, "C-000001"));
    s_conflicts(&h, ids, sizeof ids);
    CHECK_STR(ids, "C-000002");

    /* A store from before the table: built once, from the cases. */
    CHECK_INT(store_write(h.r.store, s_old_txn, &old), 0);
    s_conflicts(&h, ids, sizeof ids);
    CHECK_STR(ids, ""); /* the alerts read the table, not every case */
    CHECK_INT(router_conflicts_build(&h.r), 0);
    CHECK(hub_has(&h, DB_META, "conflicts"));
    CHECK(hub_has(&h, DB_CONFLICTS, "C-000002"));
    CHECK(!hub_has(&h, DB_CONFLICTS, "C-000001"));
    s_conflicts(&h, ids, sizeof ids);
    CHECK_STR(ids, "C-000002");
    /* Once: the mark stops a second build. */
    old.unmark = false;
    CHECK_INT(store_write(h.r.store, s_old_txn, &old), 0);
    CHECK_INT(router_conflicts_build(&h.r), 0);
    CHECK(!hub_has(&h, DB_CONFLICTS, "C-000002"));
    hub_close(&h);
}
