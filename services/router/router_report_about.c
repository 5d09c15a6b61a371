/*
 * The report table's x entries (router.h, "reports"): what each referral
 * received says about the carer, counted once a referral on the day it was
 * received, in the transaction that takes it: the hours of care, whether
 * it is priority, the impact on work, each request, and, only when the
 * carer consented to equality monitoring, the equality answers. Only what
 * the referral says is written (what it does not say is the day's
 * referrals less those said), and only a value of the lists below: the
 * table never holds a word the referrer wrote. Like the other entries they
 * are counts of a day, not of a case, so an erasure (which keeps the table
 * as it is) leaves them standing.
 */
#include "router.h"

#include "router_report_about.h"

#include <stdio.h>
#include <string.h>

#define S_PNS                                                                                      \
    {                                                                                              \
        "prefer_not_to_say", "Prefer not to say"                                                   \
    }

const report_x_dim_t report_x_dims[REPORT_X_N] = {
    [REPORT_X_HOURS] = {"hours",
                        {{"under_20", "Under 20 hours a week"},
                         {"20_to_49", "20 to 49 hours a week"},
                         {"50_or_more", "50 or more hours a week"}},
                        3,
                        "not_said",
                        "Not said",
                        false},
    [REPORT_X_PRIORITY] =
        {"priority", {{"priority", "Priority"}}, 1, "not_priority", "Not priority", false},
    [REPORT_X_WORK] = {"work",
                       {{"full_time", "Works full time"},
                        {"part_time", "Works part time"},
                        {"given_up", "Has given up work to care"},
                        {"at_risk", "At risk of giving up work"},
                        {"not_working", "Not working"}},
                       5,
                       "not_said",
                       "Not said",
                       false},
    [REPORT_X_REQUEST] = {"request",
                          {{"carers_assessment", "A carer's assessment"},
                           {"emergency_plan", "A carers emergency plan"},
                           {"benefits_check", "A benefits check"},
                           {"carers_card", "A carers card"}},
                          4,
                          NULL,
                          NULL,
                          false},
    [REPORT_X_SEX] =
        {"sex", {{"female", "Female"}, {"male", "Male"}, S_PNS}, 3, "not_asked", "Not asked", true},
    [REPORT_X_AGE_BAND] = {"age_band",
                           {{"under_18", "Under 18"},
                            {"18_to_24", "18 to 24"},
                            {"25_to_49", "25 to 49"},
                            {"50_to_64", "50 to 64"},
                            {"65_to_74", "65 to 74"},
                            {"75_or_over", "75 or over"},
                            S_PNS},
                           7,
                           "not_asked",
                           "Not asked",
                           true},
    [REPORT_X_ETHNICITY] = {"ethnicity",
                            {{"asian", "Asian or Asian British"},
                             {"black", "Black, Black British, Caribbean or African"},
                             {"mixed", "Mixed or multiple ethnic groups"},
                             {"white", "White"},
                             {"other", "Other ethnic group"},
                             S_PNS},
                            6,
                            "not_asked",
                            "Not asked",
                            true},
    [REPORT_X_DISABILITY] = {"disability",
                             {{"yes", "Disabled"}, {"no", "Not disabled"}, S_PNS},
                             3,
                             "not_asked",
                             "Not asked",
                             true},
};

int report_x_find(report_x_t d, const char *p, size_t n)
{
    const report_x_dim_t *dim = &report_x_dims[d];
    for (size_t i = 0; i < dim->n; i++)
        if (strlen(dim->values[i].value) == n && memcmp(dim->values[i].value, p, n) == 0)
            return (int)i;
    return -1;
}

/* Counts DAY x WHAT VALUE when value is one of d's (else nothing: the
 * intake's checks let no other through, and a store changed by hand
 * gets no new words into the table). */
static int s_x(router_t *r, MDB_txn *txn, const char *day, report_x_t d, const char *value)
{
    char key[ROUTER_REPORT_KEY_MAX];
    if (!value || report_x_find(d, value, strlen(value)) < 0)
        return 0;
    snprintf(key, sizeof key, "%s\x1fx\x1f%s\x1f%s", day, report_x_dims[d].what, value);
    return router_report_add(r, txn, key, 1);
}

static int s_requests(router_t *r, MDB_txn *txn, const char *day, const Carerhub__Requests *q)
{
    const bool asked[] = {q->has_carers_assessment && q->carers_assessment,
                          q->has_emergency_plan && q->emergency_plan,
                          q->has_benefits_check && q->benefits_check,
                          q->has_carers_card && q->carers_card};
    int rc = 0;
    for (size_t i = 0; i < sizeof asked / sizeof *asked && rc == 0; i++)
        if (asked[i])
            rc =
                s_x(r, txn, day, REPORT_X_REQUEST, report_x_dims[REPORT_X_REQUEST].values[i].value);
    return rc;
}

/* The equality answers: only with the carer's consent, the consent itself
 * counted too (the base of each dimension's "not asked"). */
static int s_equality(router_t *r, MDB_txn *txn, const char *day, const Carerhub__Referral *ref)
{
    const Carerhub__Equality *e = ref->equality;
    char key[ROUTER_REPORT_KEY_MAX];
    int rc;
    if (!ref->consent || !ref->consent->has_equality_monitoring ||
        !ref->consent->equality_monitoring)
        return 0;
    snprintf(key, sizeof key,
             "%s\x1fx\x1f"
             "equality\x1f"
             "consent",
             day);
    if ((rc = router_report_add(r, txn, key, 1)) != 0 || !e)
        return rc;
    if ((rc = s_x(r, txn, day, REPORT_X_SEX, e->sex)) == 0 &&
        (rc = s_x(r, txn, day, REPORT_X_AGE_BAND, e->age_band)) == 0 &&
        (rc = s_x(r, txn, day, REPORT_X_ETHNICITY, e->ethnicity)) == 0)
        rc = s_x(r, txn, day, REPORT_X_DISABILITY, e->disability);
    return rc;
}

int router_report_about(router_t *r, MDB_txn *txn, const Carerhub__Referral *ref, const char *day)
{
    int rc = 0;
    if (ref->caring)
        rc = s_x(r, txn, day, REPORT_X_HOURS, ref->caring->hours_per_week);
    if (rc == 0 && router_referral_priority(ref, NULL))
        rc = s_x(r, txn, day, REPORT_X_PRIORITY, "priority");
    if (rc == 0 && ref->impact)
        rc = s_x(r, txn, day, REPORT_X_WORK, ref->impact->work);
    if (rc == 0 && ref->requests)
        rc = s_requests(r, txn, day, ref->requests);
    if (rc == 0)
        rc = s_equality(r, txn, day, ref);
    return rc;
}
