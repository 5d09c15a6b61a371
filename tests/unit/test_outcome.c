/*
 * Unit tests of lib/domain/outcome.c (statuses, kinds of support, closing
 * reasons, the checks of one outcome, the steps a case may take) and of
 * date_time_parse, which reads an outcome's time.
 */
#include "test.h"

#include "domain/outcome.h"
#include "util/date.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2026-12-01T10:00:00Z in unix ms, and "now" in these tests. */
#define S_AT  ((int64_t)date_from_ymd(2026, 12, 1) * 86400000 + 10 * 3600000)
#define S_NOW (S_AT + 3600000)

TEST(outcome_names_parse_and_list)
{
    for (int i = 0; outcome_statuses[i]; i++) {
        CHECK_INT(outcome_status_parse(outcome_statuses[i]), i);
        CHECK_STR(outcome_status_name((outcome_status_t)i), outcome_statuses[i]);
    }
    CHECK_INT(outcome_status_parse("contacted"), OUTCOME_CONTACTED);
    CHECK_INT(outcome_status_parse("not_ours"), OUTCOME_NOT_OURS);
    CHECK_INT(outcome_status_parse("Contacted"), -1);
    CHECK_INT(outcome_status_parse("done"), -1);
    CHECK_INT(outcome_status_parse(NULL), -1);
    CHECK(outcome_support_ok("carers_assessment"));
    CHECK(outcome_support_ok("break"));
    CHECK(!outcome_support_ok("counselling"));
    CHECK(!outcome_support_ok(NULL));
    CHECK(outcome_close_reason_ok("support_complete"));
    CHECK(outcome_close_reason_ok("bereaved"));
    CHECK(!outcome_close_reason_ok("cancelled")); /* the hub's own, not an organisation's */
    CHECK(!outcome_close_reason_ok("done"));
    CHECK_CONTAINS(outcome_list(outcome_close_reasons), "support_complete, no_longer_caring");
    CHECK_CONTAINS(outcome_list(outcome_supports), "information_advice");
    CHECK_CONTAINS(outcome_list(outcome_statuses), "unable_to_contact");
    CHECK(outcome_id_ok("cf-2026-000123"));
    CHECK(outcome_id_ok("a.b:c_d"));
    CHECK(!outcome_id_ok(""));
    CHECK(!outcome_id_ok("has space"));
    CHECK(!outcome_id_ok("../x/y"));
}

static void s_set(char **field, const char *value)
{
    free(*field);
    *field = value ? xstrdup(value) : NULL;
}

/* A valid contacted outcome; each test breaks one thing. */
static void s_outcome(Carerhub__Outcome *o)
{
    carerhub__outcome__init(o);
    o->outcome_id = xstrdup("o-1");
    o->case_id = xstrdup("C-000001");
    o->status = xstrdup("contacted");
    o->has_at = true;
    o->at = S_AT;
}

static void s_free(Carerhub__Outcome *o)
{
    free(o->outcome_id);
    free(o->case_id);
    free(o->status);
    for (size_t i = 0; i < o->n_support; i++)
        free(o->support[i]);
    free(o->support);
    free(o->reason);
    free(o->to);
    free(o->note);
    carerhub__outcome__init(o);
}

static void s_support(Carerhub__Outcome *o, const char *kind)
{
    o->support = xrealloc(o->support, (o->n_support + 1) * sizeof *o->support);
    o->support[o->n_support++] = xstrdup(kind);
}

/* The field and code of the first problem outcome_check finds: "field code". */
static const char *s_first(const Carerhub__Outcome *o, char *out, size_t outsz)
{
    ferrs_t errs = FERRS_INIT;
    if (outcome_check(o, S_NOW, &errs) == 0) {
        snprintf(out, outsz, "ok");
    } else {
        snprintf(out, outsz, "%s %s", errs.v[0].field, errs.v[0].code);
        /* Every message says what is wrong in words. */
        for (size_t i = 0; i < errs.n; i++)
            if (strlen(errs.v[i].message) < 10)
                snprintf(out, outsz, "short message: %s", errs.v[i].message);
    }
    ferrs_free(&errs);
    return out;
}

TEST(outcome_check_names_the_field_of_each_problem)
{
    Carerhub__Outcome o;
    char got[200], note[2100];
    s_outcome(&o);
    CHECK_STR(s_first(&o, got, sizeof got), "ok");
    s_set(&o.case_id, NULL);
    CHECK_STR(s_first(&o, got, sizeof got), "case_id required");
    s_set(&o.case_id, "case one");
    CHECK_STR(s_first(&o, got, sizeof got), "case_id format");
    s_set(&o.case_id, "C-000001");
    s_set(&o.status, NULL);
    CHECK_STR(s_first(&o, got, sizeof got), "status required");
    s_set(&o.status, "done");
    CHECK_STR(s_first(&o, got, sizeof got), "status unknown");
    s_set(&o.status, "supported");
    CHECK_STR(s_first(&o, got, sizeof got), "support required");
    s_support(&o, "counselling");
    CHECK_STR(s_first(&o, got, sizeof got), "support unknown");
    s_free(&o);
    s_outcome(&o);
    s_set(&o.status, "supported");
    s_support(&o, "break");
    CHECK_STR(s_first(&o, got, sizeof got), "ok");
    s_support(&o, "break");
    CHECK_STR(s_first(&o, got, sizeof got), "support repeated");
    s_set(&o.status, "contacted");
    CHECK_STR(s_first(&o, got, sizeof got), "support not_allowed");
    s_free(&o);

    s_outcome(&o);
    s_set(&o.status, "closed");
    CHECK_STR(s_first(&o, got, sizeof got), "reason required");
    s_set(&o.reason, "all done");
    CHECK_STR(s_first(&o, got, sizeof got), "reason unknown");
    s_set(&o.reason, "support_complete");
    CHECK_STR(s_first(&o, got, sizeof got), "ok");
    s_set(&o.status, "assign");
    s_set(&o.reason, NULL);
    CHECK_STR(s_first(&o, got, sizeof got), "to required");
    s_set(&o.to, "Essex Carers!");
    CHECK_STR(s_first(&o, got, sizeof got), "to format");
    s_set(&o.to, "ecs");
    CHECK_STR(s_first(&o, got, sizeof got), "ok");
    s_set(&o.status, "contacted");
    CHECK_STR(s_first(&o, got, sizeof got), "to not_allowed");
    s_set(&o.status, "not_ours");
    CHECK_STR(s_first(&o, got, sizeof got), "ok");
    s_set(&o.to, NULL); /* not_ours may leave it to triage */
    CHECK_STR(s_first(&o, got, sizeof got), "ok");
    s_free(&o);

    s_outcome(&o);
    o.at = S_NOW + OUTCOME_SKEW_MS + 1000;
    CHECK_STR(s_first(&o, got, sizeof got), "at future");
    o.at = S_NOW + OUTCOME_SKEW_MS - 1000; /* clocks differ a little */
    CHECK_STR(s_first(&o, got, sizeof got), "ok");
    o.at = (int64_t)date_from_ymd(1999, 12, 31) * 86400000;
    CHECK_STR(s_first(&o, got, sizeof got), "at format");
    o.has_at = false; /* then: when the hub records it */
    CHECK_STR(s_first(&o, got, sizeof got), "ok");
    s_set(&o.note, "rang twice\nspoke to her daughter");
    CHECK_STR(s_first(&o, got, sizeof got), "ok");
    s_set(&o.note, "bell\a");
    CHECK_STR(s_first(&o, got, sizeof got), "note format");
    memset(note, 'x', OUTCOME_NOTE_MAX + 1);
    note[OUTCOME_NOTE_MAX + 1] = '\0';
    s_set(&o.note, note);
    CHECK_STR(s_first(&o, got, sizeof got), "note too_long");
    s_set(&o.note, "\xc3");
    CHECK_STR(s_first(&o, got, sizeof got), "note format");
    s_set(&o.note, NULL);
    s_set(&o.reason, "\xff");
    CHECK_STR(s_first(&o, got, sizeof got), "reason format");
    s_set(&o.reason, NULL);
    s_set(&o.outcome_id, "one two");
    CHECK_STR(s_first(&o, got, sizeof got), "outcome_id format");
    s_free(&o);
}

TEST(outcome_check_reports_every_problem)
{
    Carerhub__Outcome o;
    ferrs_t errs = FERRS_INIT;
    s_outcome(&o);
    s_set(&o.case_id, NULL);
    s_set(&o.status, "closed");
    o.at = S_NOW + 86400000;
    CHECK_INT(outcome_check(&o, S_NOW, &errs), -1);
    CHECK(ferrs_has(&errs, "case_id"));
    CHECK(ferrs_has(&errs, "reason"));
    CHECK(ferrs_has(&errs, "at"));
    CHECK_INT(errs.n, 3);
    ferrs_free(&errs);
    s_free(&o);
}

/* Whether a case in state may take status; why into why. */
static bool s_step(const char *state, outcome_status_t st, char *why, size_t whysz)
{
    why[0] = '\0';
    return outcome_step_ok(state, st, why, whysz);
}

TEST(outcome_steps_refuse_the_impossible_with_a_reason)
{
    char why[300];
    CHECK(!s_step("closed", OUTCOME_CONTACTED, why, sizeof why));
    CHECK_CONTAINS(why, "closed");
    CHECK(!s_step("closed", OUTCOME_NOT_OURS, why, sizeof why));
    CHECK(!s_step("closed", OUTCOME_ASSIGN, why, sizeof why));
    CHECK(!s_step("accepted", OUTCOME_ACCEPTED, why, sizeof why));
    CHECK_CONTAINS(why, "accepted already");
    CHECK(!s_step("declined", OUTCOME_SUPPORTED, why, sizeof why));
    CHECK_CONTAINS(why, "declined");
    CHECK(!s_step("contacted", OUTCOME_CONTACT_ATTEMPTED, why, sizeof why));
    CHECK(!s_step("supported", OUTCOME_UNABLE_TO_CONTACT, why, sizeof why));
    CHECK(!s_step("supported", OUTCOME_NOT_OURS, why, sizeof why));
    CHECK_CONTAINS(why, "close the case");
    /* What a case usually does. */
    CHECK(s_step(NULL, OUTCOME_ACCEPTED, why, sizeof why));
    CHECK(s_step("", OUTCOME_SUPPORTED, why, sizeof why));
    CHECK(s_step("accepted", OUTCOME_CONTACT_ATTEMPTED, why, sizeof why));
    CHECK(s_step("contact_attempted", OUTCOME_CONTACT_ATTEMPTED, why, sizeof why));
    CHECK(s_step("contact_attempted", OUTCOME_CONTACTED, why, sizeof why));
    CHECK(s_step("contacted", OUTCOME_SUPPORTED, why, sizeof why));
    CHECK(s_step("supported", OUTCOME_SUPPORTED, why, sizeof why)); /* more support */
    CHECK(s_step("supported", OUTCOME_CLOSED, why, sizeof why));
    CHECK(s_step("declined", OUTCOME_CONTACTED, why, sizeof why)); /* changed their mind */
    CHECK(s_step("unable_to_contact", OUTCOME_CONTACTED, why, sizeof why));
    CHECK(s_step("delivered", OUTCOME_NOT_OURS, why, sizeof why));
}

TEST(outcome_state_after_and_progress)
{
    CHECK_STR(outcome_state_after(NULL, OUTCOME_ACCEPTED), "accepted");
    CHECK_STR(outcome_state_after("contacted", OUTCOME_SUPPORTED), "supported");
    /* Contacted again after support does not undo the support. */
    CHECK_STR(outcome_state_after("supported", OUTCOME_CONTACTED), "supported");
    CHECK_STR(outcome_state_after("accepted", OUTCOME_NOT_OURS), OUTCOME_DELIVERED);
    CHECK_STR(outcome_state_after("contacted", OUTCOME_ASSIGN), OUTCOME_DELIVERED);
    CHECK_STR(outcome_state_after("supported", OUTCOME_CLOSED), "closed");
    CHECK(outcome_is_contact(OUTCOME_CONTACTED));
    CHECK(outcome_is_contact(OUTCOME_SUPPORTED));
    CHECK(outcome_is_contact(OUTCOME_DECLINED));
    CHECK(!outcome_is_contact(OUTCOME_UNABLE_TO_CONTACT));
    CHECK(!outcome_is_contact(OUTCOME_ACCEPTED));
    CHECK(!outcome_is_contact(OUTCOME_CONTACT_ATTEMPTED));
    CHECK(!outcome_is_contact(OUTCOME_CLOSED));
    /* A referrer hears less than the organisation records. */
    CHECK_STR(outcome_progress("accepted"), "delivered");
    CHECK_STR(outcome_progress("contact_attempted"), "delivered");
    CHECK_STR(outcome_progress(NULL), "delivered");
    CHECK_STR(outcome_progress("supported"), "supported");
    CHECK_STR(outcome_progress("unable_to_contact"), "unable_to_contact");
    CHECK_STR(outcome_progress("closed"), "closed");
}

TEST(date_time_parse_reads_rfc3339)
{
    int64_t t, day = (int64_t)date_from_ymd(2026, 12, 1) * 86400000;
    CHECK_INT(date_time_parse("2026-12-01T10:00:00Z", &t), 0);
    CHECK_INT(t, day + 10 * 3600000);
    CHECK_INT(date_time_parse("2026-12-01t10:00:00z", &t), 0);
    CHECK_INT(t, day + 10 * 3600000);
    CHECK_INT(date_time_parse("2026-12-01T10:00:00+01:00", &t), 0);
    CHECK_INT(t, day + 9 * 3600000);
    CHECK_INT(date_time_parse("2026-12-01T00:30:00-02:30", &t), 0);
    CHECK_INT(t, day + 3 * 3600000);
    CHECK_INT(date_time_parse("2026-12-01T10:00Z", &t), 0); /* seconds left out */
    CHECK_INT(t, day + 10 * 3600000);
    CHECK_INT(date_time_parse("2026-12-01T10:00:05.5Z", &t), 0);
    CHECK_INT(t, day + 10 * 3600000 + 5500);
    CHECK_INT(date_time_parse("2026-12-01T10:00:05.123456789Z", &t), 0);
    CHECK_INT(t, day + 10 * 3600000 + 5123);
    CHECK_INT(date_time_parse("2026-12-01 10:00:00Z", &t), 0);
    CHECK_INT(t, day + 10 * 3600000);
    /* A date alone: midnight where the hub is. */
    CHECK_INT(date_time_parse("2026-12-01", &t), 0);
    CHECK_INT(date_of_ms(t), date_from_ymd(2026, 12, 1));
    CHECK_INT(date_of_ms(t - 1), date_from_ymd(2026, 11, 30));
}

TEST(date_time_parse_refuses_the_malformed)
{
    const char *bad[] = {"",
                         "2026-12-01T10:00:00", /* no offset */
                         "2026-12-01T10:00",
                         "2026-12-01T25:00:00Z",
                         "2026-12-01T10:60:00Z",
                         "2026-12-01T10:00:61Z",
                         "2026-12-01T10:00:00.Z",
                         "2026-12-01T10:00:00+1:00",
                         "2026-12-01T10:00:00+24:00",
                         "2026-12-01T10:00:00Zjunk",
                         "2026-12-01T10:00:00+01:00 ",
                         "2026-02-30T10:00:00Z",
                         "2026-13-01T10:00:00Z",
                         "26-12-01T10:00:00Z",
                         "2026-12-01X10:00:00Z",
                         "1 December 2026",
                         "2026-12-01T1a:00:00Z",
                         NULL};
    int64_t t;
    for (int i = 0; bad[i]; i++)
        if (date_time_parse(bad[i], &t) == 0) {
            CHECK_STR(bad[i], "refused");
        }
    CHECK_INT(date_time_parse(NULL, &t), -1);
}
