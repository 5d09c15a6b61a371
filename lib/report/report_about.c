/*
 * What the referrals received in the period say about the carer (hours of
 * care, priority, impact on work, requests, and the equality answers of
 * those who consented), and carers referred in each area against its
 * estimated carer population: the list every form of the report writes,
 * the rates as publish allows them (with the counts hidden so that none
 * below 5 can be worked out from a total), and the page's tables. Counts only;
 * each count is one referral's, so a carer referred twice counts twice.
 */
#include "report/report_impl.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* Secondary suppression of table t (report_about_list). */
static void s_hide(report_about_t *t, bool publish)
{
    size_t hidden = 0;
    uint64_t held = 0;
    assert(t->n <= REPORT_ABOUT_ROWS);
    memset(t->hid, REPORT_SHOWN, sizeof t->hid);
    for (size_t j = 0; j < t->n; j++)
        if (report_small(t->rows[j]->referrals, publish)) {
            t->hid[j] = REPORT_SMALL_HID;
            held += t->rows[j]->referrals;
            hidden++;
        }
    if (!hidden || !t->partition)
        return;
    while (hidden < 2 || held < REPORT_SMALL) {
        size_t next = t->n;
        for (size_t j = 0; j < t->n; j++)
            if (t->hid[j] == REPORT_SHOWN &&
                (next == t->n || t->rows[j]->referrals < t->rows[next]->referrals))
                next = j;
        if (next == t->n)
            return; /* all hidden */
        t->hid[next] = REPORT_ALSO_HID;
        held += t->rows[next]->referrals;
        hidden++;
    }
}

void report_about_list(const Carerhub__ReportReply *rep, bool publish,
                       report_about_t out[REPORT_ABOUT_N])
{
    const report_about_t list[REPORT_ABOUT_N] = {
        {"by_hours", "Referrals by hours of care a week", rep->by_hours, rep->n_by_hours, false,
         true},
        {"by_priority", "Referrals by priority", rep->by_priority, rep->n_by_priority, false, true},
        {"by_work", "Referrals by impact on work", rep->by_work, rep->n_by_work, false, true},
        {"requests", "Referrals asking for each request", rep->requests, rep->n_requests, false,
         false},
        {"by_sex", "Equality monitoring: sex", rep->by_sex, rep->n_by_sex, true, true},
        {"by_age_band", "Equality monitoring: age band", rep->by_age_band, rep->n_by_age_band, true,
         true},
        {"by_ethnicity", "Equality monitoring: ethnic group", rep->by_ethnicity,
         rep->n_by_ethnicity, true, true},
        {"by_disability", "Equality monitoring: disability", rep->by_disability,
         rep->n_by_disability, true, true},
    };
    for (size_t i = 0; i < REPORT_ABOUT_N; i++) {
        out[i] = list[i];
        if (out[i].n > REPORT_ABOUT_ROWS) /* not from our router: show no more than fits */
            out[i].n = REPORT_ABOUT_ROWS;
        s_hide(&out[i], publish);
    }
}

const char *report_about_count(char out[REPORT_FIG_MAX], const report_about_t *t, size_t j,
                               bool sep)
{
    if (t->hid[j] == REPORT_ALSO_HID)
        return strcpy(out, "suppressed");
    return report_count(out, t->rows[j]->referrals, t->hid[j] == REPORT_SMALL_HID, sep);
}

bool report_per_1000(const Carerhub__ReportRow *a, bool since, bool publish, double *out)
{
    uint64_t n = since ? a->carers_referred_since_start : a->carers_referred;
    if (!a->population || report_small(n, publish))
        return false;
    *out = since ? a->per_1000_since_start : a->per_1000;
    return true;
}

const char *report_per_1000_text(char out[REPORT_FIG_MAX], const Carerhub__ReportRow *a, bool since,
                                 bool publish)
{
    double v;
    if (report_per_1000(a, since, publish, &v))
        snprintf(out, REPORT_FIG_MAX, "%.2f", v);
    else
        snprintf(out, REPORT_FIG_MAX, "%s", a->population ? "suppressed" : "-");
    return out;
}

void report_html_about(report_page_t *pg, const Carerhub__ReportReply *rep)
{
    report_about_t list[REPORT_ABOUT_N];
    char f[REPORT_FIG_MAX];
    report_about_list(rep, pg->publish, list);
    if (rep->n_by_hours) {
        report_page_h2(pg, "What the referrals say");
        buf_adds(pg->b, "<p>Referrals received in the period, one count per referral (a carer "
                        "referred twice counts twice).</p>\n");
    }
    for (size_t i = 0; i < REPORT_ABOUT_N; i++) {
        if (list[i].n == 0) /* a router from before these counts */
            continue;
        if (list[i].equality && list[i].rows == rep->by_sex) {
            report_page_h2(pg, "Equality monitoring");
            buf_adds(pg->b, "<p>Only the referrals whose carer consented to the equality "
                            "questions: ");
            report_page_count(pg, rep->equality_consented);
            buf_adds(pg->b, " in the period. Counts only; never used for routing.</p>\n");
        }
        report_table(pg, list[i].title, (const char *[]){"Answer", "Referrals"}, 2);
        for (size_t j = 0; j < list[i].n; j++) {
            report_row_head(pg, report_row_label(list[i].rows[j], false));
            report_cell_text(pg, report_about_count(f, &list[i], j, true));
            buf_adds(pg->b, "</tr>");
        }
        report_table_end(pg);
    }
    if (rep->n_by_area == 0)
        return;
    report_page_h2(pg, "Carers found, against the carer population");
    buf_adds(pg->b, "<p>Carers referred (cases opened) in each area, against its estimated "
                    "carer population in the routing configuration, per 1,000 carers.</p>\n");
    report_table(pg, "Carers referred per 1,000 carers, by area",
                 (const char *[]){"Area", "Carers (estimate)", "Referred in the period",
                                  "Per 1,000", "Referred since the start", "Per 1,000 since start"},
                 6);
    for (size_t i = 0; i < rep->n_by_area; i++) {
        const Carerhub__ReportRow *a = rep->by_area[i];
        report_row_head(pg, report_row_label(a, false));
        report_cell_text(pg, report_count(f, a->population, false, true));
        report_cell_count(pg, a->carers_referred);
        report_cell_text(pg, report_per_1000_text(f, a, false, pg->publish));
        report_cell_count(pg, a->carers_referred_since_start);
        report_cell_text(pg, report_per_1000_text(f, a, true, pg->publish));
        buf_adds(pg->b, "</tr>");
    }
    report_table_end(pg);
}
