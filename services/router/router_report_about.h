/*
 * What a referral says about the carer, as reports count it (issue 22):
 * the dimensions of the report table's x entries, their values in the
 * order reports list them, and the names reports give them. Shared by the
 * counting (router_report_about.c) and the report (router_report_about_q.c).
 */
#ifndef CARERHUB_ROUTER_REPORT_ABOUT_H
#define CARERHUB_ROUTER_REPORT_ABOUT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    REPORT_X_HOURS,
    REPORT_X_PRIORITY,
    REPORT_X_WORK,
    REPORT_X_REQUEST,
    REPORT_X_SEX,
    REPORT_X_AGE_BAND,
    REPORT_X_ETHNICITY,
    REPORT_X_DISABILITY,
    REPORT_X_N
} report_x_t;

#define REPORT_X_VALUES 8 /* values of a dimension at most */

typedef struct {
    const char *value; /* as the x entry and the row's key write it */
    const char *name;  /* as a report names it */
} report_x_value_t;

typedef struct {
    const char *what; /* the x entry's WHAT */
    report_x_value_t values[REPORT_X_VALUES];
    size_t n;
    /* The row of what the referrals did not say (their count less those
     * said), or NULL for none (requests: each a count of its own). */
    const char *rest, *rest_name;
    bool equality; /* counted only with consent.equality_monitoring */
} report_x_dim_t;

extern const report_x_dim_t report_x_dims[REPORT_X_N];

/* The value's index in dimension d, or -1 when it is not one of them. */
int report_x_find(report_x_t d, const char *p, size_t n);

#endif
