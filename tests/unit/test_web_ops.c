/*
 * Unit tests of the operator's pages of carerhub-web (web_ops.c,
 * web_ops_forms.c), run as web_http.c runs a handler (web_run.h): /ops
 * from the router's three answers, the parked referrals' and the
 * conflicts' forms, the notice each leaves for the next /ops of its
 * session only, a join confirmed in plain words before it is sent.
 */
#include "test.h"

#include "web/web_ops.h"
#include "web_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- /ops ---------------------------------------------------------------- */

/* The router's three answers to /ops: two organisations; an overdue case,
 * a parked referral, cases C-000002 and C-000003 flagged with each other,
 * an agent not connected; one referral parked. */
static void s_ops_answers(web_run_t *run)
{
    Carerhub__Queue qa = CARERHUB__QUEUE__INIT, qb = CARERHUB__QUEUE__INIT, *qs[] = {&qa, &qb};
    Carerhub__QueuesReply qr = CARERHUB__QUEUES_REPLY__INIT;
    Carerhub__Alert a[5];
    Carerhub__Alert *as[] = {&a[0], &a[1], &a[2], &a[3], &a[4]};
    char *other2[] = {"C-000003"}, *other3[] = {"C-000002"};
    Carerhub__AlertsReply ar = CARERHUB__ALERTS_REPLY__INIT;
    Carerhub__ParkedItem it = CARERHUB__PARKED_ITEM__INIT, *its[] = {&it};
    Carerhub__ParkedReply pr = CARERHUB__PARKED_REPLY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;

    qa.provider = "carers-first";
    qa.provider_name = "Carers First";
    qa.has_waiting = true;
    qa.waiting = 2;
    qa.has_oldest_at = true;
    qa.oldest_at = 1; /* long ago */
    qa.oldest_case = "C-000001";
    qa.has_connected = qa.connected = true;
    qb.provider = "ecs";
    qb.provider_name = "Essex Carers Support";
    qr.n_queues = 2;
    qr.queues = qs;
    for (int i = 0; i < 5; i++)
        carerhub__alert__init(&a[i]);
    a[0].kind = "overdue_contact", a[0].case_id = "C-000001", a[0].provider = "carers-first";
    a[0].detail = "no contact recorded; due by 2026-05-01";
    a[1].kind = "parked", a[1].referral_id = "GP-20260501-7", a[1].detail = "held back: why";
    a[2].kind = "identity_conflict", a[2].case_id = "C-000003", a[2].provider = "ecs";
    a[2].n_other_cases = 1, a[2].other_cases = other3;
    a[2].detail = "the same NHS number as case C-000002, another date of birth";
    a[3].kind = "identity_conflict", a[3].case_id = "C-000002", a[3].provider = "carers-first";
    a[3].n_other_cases = 1, a[3].other_cases = other2;
    a[4].kind = "agent_silent", a[4].provider = "ecs";
    a[4].detail = "its agent has not been connected for 12 minutes";
    ar.n_alerts = 5;
    ar.alerts = as;
    ar.has_total = true;
    ar.total = 5;
    it.referral_id = "GP-20260501-7";
    it.reason = "case C-000001 already holds 2 referrals from gp";
    it.has_source = true;
    it.source = CARERHUB__SOURCE__GP;
    it.organisation = "F81001";
    it.submitted_by = "web/a.patel";
    pr.n_items = 1;
    pr.items = its;
    pr.has_total = true;
    pr.total = 1;

    /* Asked one after the other, for the operator: queues, alerts, parked. */
    CHECK_INT(web_run_asked_case(run), CARERHUB__ENVELOPE__BODY_QUEUES_QUERY);
    env.body_case = CARERHUB__ENVELOPE__BODY_QUEUES_REPLY;
    env.queues_reply = &qr;
    web_run_answer(run, &env);
    CHECK_INT(web_run_asked_case(run), CARERHUB__ENVELOPE__BODY_ALERTS_QUERY);
    env.body_case = CARERHUB__ENVELOPE__BODY_ALERTS_REPLY;
    env.alerts_reply = &ar;
    web_run_answer(run, &env);
    CHECK_INT(web_run_asked_case(run), CARERHUB__ENVELOPE__BODY_PARKED_QUERY);
    env.body_case = CARERHUB__ENVELOPE__BODY_PARKED_REPLY;
    env.parked_reply = &pr;
    web_run_answer(run, &env);
}

static void s_ops_page(web_run_t *run, const web_user_t *u)
{
    web_req_t q = web_run_req(u, false, "/ops", NULL, NULL, 0);
    web_run_start(run, web_ops, &q);
    s_ops_answers(run);
    web_run_done(run);
}

TEST(web_ops_shows_alerts_queues_parked_and_each_conflict_once)
{
    web_run_t run;
    const char *page;

    s_ops_page(&run, &web_run_op);
    page = run.body;
    CHECK_INT(run.r.status, 200);
    CHECK_INT(web_run_count(page, "<h1"), 1);
    /* alerts in words, providers by name, case ids linked */
    CHECK_CONTAINS(page, "5 alerts need a person.");
    CHECK_CONTAINS(page, "<strong>Overdue contact</strong>: case <a href=\"/ops/case/C-000001\">"
                         "C-000001</a> with Carers First: no contact recorded; due by 2026-05-01");
    CHECK_CONTAINS(page, "<strong>Agent not connected</strong>: Essex Carers Support (ecs)");
    CHECK_CONTAINS(page, "<a href=\"#parked-GP-20260501-7\">GP-20260501-7</a>");
    /* the queues: the oldest's age and case, the agent */
    CHECK_CONTAINS(page, "days (case <a href=\"/ops/case/C-000001\">C-000001</a>)");
    CHECK_CONTAINS(page, "<td>Connected");
    CHECK_CONTAINS(page, "<td>Not connected<br><span class=\"hint\">not heard since the router");
    /* the parked referral, with both its forms and the session's token */
    CHECK_CONTAINS(page, "<h3 id=\"parked-GP-20260501-7\">Referral GP-20260501-7</h3>");
    CHECK_CONTAINS(page, "case C-000001 already holds 2 referrals from gp");
    CHECK_INT(web_run_count(page, "<form method=\"post\" action=\"/ops/parked\""), 2);
    CHECK_CONTAINS(page, "name=\"action\" value=\"release\"");
    CHECK_CONTAINS(page, "<label for=\"reason-GP-20260501-7\">");
    /* the pair once, under the lower id, with both its forms */
    CHECK_INT(web_run_count(page, "<h3>Cases "), 1);
    CHECK_CONTAINS(page, "<h3>Cases C-000002 and C-000003</h3>");
    CHECK_CONTAINS(page, "is with Carers First; case <a href=\"/ops/case/C-000003\">C-000003</a> "
                         "is with Essex Carers Support.");
    CHECK_INT(web_run_count(page, "<form method=\"post\" action=\"/ops/conflict\""), 2);
    CHECK_CONTAINS(page, "name=\"action\" value=\"join\"");
    CHECK_CONTAINS(page, "name=\"action\" value=\"keep_apart\"");
    /* every form (and the log-out one) carries the CSRF token */
    CHECK_INT(web_run_count(page, "<form method=\"post\""),
              web_run_count(page, "name=\"csrf\" value=\"OPERATORS-CSRF-TOKEN\""));
    web_run_end(&run);

    /* A question not answered in time: the page says so. */
    {
        web_req_t q = web_run_req(&web_run_op, false, "/ops", NULL, NULL, 0);
        Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
        Carerhub__QueuesReply qr = CARERHUB__QUEUES_REPLY__INIT;
        web_run_start(&run, web_ops, &q);
        env.body_case = CARERHUB__ENVELOPE__BODY_QUEUES_REPLY;
        env.queues_reply = &qr;
        web_run_answer(&run, &env);
        web_run_answer(&run, NULL);
        CHECK_CONTAINS(web_run_done(&run), "The hub cannot be reached now");
        CHECK_INT(run.r.status, 503);
        web_run_end(&run);
    }
}

TEST(web_ops_parked_release_and_reject_say_what_was_done_once)
{
    const char *names[] = {"csrf", "referral", "action", "reason"};
    const char *release[] = {"x", "GP-20260501-7", "release", ""};
    const char *reject[] = {"x", "GP-20260501-7", "reject", "   "};
    Carerhub__ParkedActionReply pa = CARERHUB__PARKED_ACTION_REPLY__INIT;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *asked;
    web_req_t q = web_run_req(&web_run_op, true, "/ops/parked", names, release, 4);
    web_run_t run;
    const char *page;

    web_run_start(&run, web_ops_parked, &q);
    asked = web_run_asked(&run);
    CHECK(asked && asked->body_case == CARERHUB__ENVELOPE__BODY_PARKED_ACTION);
    CHECK_STR(asked->parked_action->referral_id, "GP-20260501-7");
    CHECK_STR(asked->parked_action->action, "release");
    CHECK(asked->parked_action->reason == NULL);
    carerhub__envelope__free_unpacked(asked, NULL);
    pa.referral_id = "GP-20260501-7";
    pa.result = "released";
    pa.case_id = "C-000001";
    pa.provider = "carers-first";
    pa.provider_name = "Carers First";
    env.body_case = CARERHUB__ENVELOPE__BODY_PARKED_ACTION_REPLY;
    env.parked_action_reply = &pa;
    web_run_answer(&run, &env);
    web_run_done(&run);
    CHECK_STR(run.r.location, "/ops");
    web_run_end(&run);

    /* Another operator's /ops has no notice of it; the operator's has,
     * once. */
    s_ops_page(&run, &web_run_op2);
    CHECK(strstr(run.body, "id=\"notice\"") == NULL);
    web_run_end(&run);
    s_ops_page(&run, &web_run_op);
    CHECK_CONTAINS(run.body, "<div class=\"panel\" role=\"status\" id=\"notice\">\n<p><strong>"
                             "Done:</strong> referral GP-20260501-7 was released: it is in case "
                             "C-000001, with Carers First.</p>");
    web_run_end(&run);
    s_ops_page(&run, &web_run_op);
    CHECK(strstr(run.body, "id=\"notice\"") == NULL);
    web_run_end(&run);

    /* A rejection without a reason: asked again, the router's words
     * beside the field. */
    q = web_run_req(&web_run_op, true, "/ops/parked", names, reject, 4);
    web_run_start(&run, web_ops_parked, &q);
    env = web_run_error("bad_request",
                        "reason: say why the referral is rejected, for its referrer to "
                        "read; no personal data");
    web_run_answer(&run, &env);
    page = web_run_done(&run);
    CHECK(run.r.location[0] == '\0');
    CHECK_CONTAINS(page, "<title>Error: Reject referral GP-20260501-7 - carerhub</title>");
    CHECK_CONTAINS(page, "<li><a href=\"#reason\">Say why the referral is rejected, for its "
                         "referrer to read; no personal data</a></li>");
    CHECK_CONTAINS(page, "<label for=\"reason\">Why it is rejected</label>");
    CHECK_CONTAINS(page, "aria-describedby=\"reason-hint reason-error\">   </textarea>");
    CHECK_CONTAINS(page, "name=\"csrf\" value=\"OPERATORS-CSRF-TOKEN\"");
    web_run_end(&run);

    /* Refused (no longer parked): a notice saying so, after the 303. */
    q = web_run_req(&web_run_op, true, "/ops/parked", names, release, 4);
    web_run_start(&run, web_ops_parked, &q);
    env =
        web_run_error("not_found", "referral GP-20260501-7 is not parked: it is in case C-000001");
    web_run_answer(&run, &env);
    web_run_done(&run);
    CHECK_STR(run.r.location, "/ops");
    web_run_end(&run);
    s_ops_page(&run, &web_run_op);
    CHECK_CONTAINS(run.body, "<strong>Not done:</strong> referral GP-20260501-7 was not released: "
                             "referral GP-20260501-7 is not parked: it is in case C-000001.");
    web_run_end(&run);
}

/* A CaseReply of case id, opened at `opened`, with provider name. */
static Carerhub__Envelope *s_case_answer(web_run_t *run, const char *id, int64_t opened,
                                         const char *name)
{
    static Carerhub__Case c;
    static Carerhub__CaseReply cr;
    static Carerhub__Envelope env;
    carerhub__case__init(&c);
    carerhub__case_reply__init(&cr);
    carerhub__envelope__init(&env);
    c.case_id = (char *)id;
    c.provider_name = (char *)name;
    c.has_opened_at = true;
    c.opened_at = opened;
    c.has_referrals_total = true;
    c.referrals_total = 1;
    cr.case_ = &c;
    env.body_case = CARERHUB__ENVELOPE__BODY_CASE_REPLY;
    env.case_reply = &cr;
    return &env;
}

TEST(web_ops_conflict_join_is_confirmed_in_plain_words_first)
{
    const char *names[] = {"csrf", "case", "other", "action", "confirm"};
    const char *join[] = {"x", "C-000003", "C-000002", "join", ""};
    const char *yes[] = {"x", "C-000003", "C-000002", "join", "yes"};
    const char *bad[] = {"x", "C-000003", "../x", "join", ""};
    web_req_t q = web_run_req(&web_run_op, true, "/ops/conflict", names, join, 5);
    Carerhub__Envelope *asked;
    web_run_t run;
    const char *page;

    web_run_start(&run, web_ops_conflict, &q);
    CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY_CASE_QUERY);
    web_run_answer(&run, s_case_answer(&run, "C-000003", 2000000000000LL, "Essex Carers Support"));
    asked = web_run_asked(&run);
    CHECK(asked && asked->body_case == CARERHUB__ENVELOPE__BODY_CASE_QUERY);
    CHECK_STR(asked->case_query->case_id, "C-000002");
    carerhub__envelope__free_unpacked(asked, NULL);
    web_run_answer(&run, s_case_answer(&run, "C-000002", 1900000000000LL, "Carers First"));
    page = web_run_done(&run);
    CHECK_INT(run.r.status, 200);
    CHECK(run.r.location[0] == '\0');
    CHECK_CONTAINS(page, "<h1>Join cases C-000003 and C-000002?</h1>");
    /* the older (C-000002, opened first) stands; the newer's details go to its organisation */
    CHECK_CONTAINS(page, "<li>The older: case <a href=\"/ops/case/C-000002\">");
    CHECK_CONTAINS(page, "Joining sends the newer case's referrals, with the carer's details in "
                         "them, to Carers First");
    CHECK_CONTAINS(page, "Case C-000003 is then closed, and Essex Carers Support is told");
    CHECK_CONTAINS(page, "name=\"confirm\" value=\"yes\"");
    CHECK_CONTAINS(page, "name=\"csrf\" value=\"OPERATORS-CSRF-TOKEN\"");
    web_run_end(&run);

    /* Confirmed: the join is sent. */
    q = web_run_req(&web_run_op, true, "/ops/conflict", names, yes, 5);
    web_run_start(&run, web_ops_conflict, &q);
    asked = web_run_asked(&run);
    CHECK(asked && asked->body_case == CARERHUB__ENVELOPE__BODY_CONFLICT_ACTION);
    CHECK_STR(asked->conflict_action->action, "join");
    CHECK_STR(asked->conflict_action->case_id, "C-000003");
    CHECK_STR(asked->conflict_action->other_case_id, "C-000002");
    carerhub__envelope__free_unpacked(asked, NULL);
    web_run_end(&run);

    /* Not two case ids: nothing is asked. */
    q = web_run_req(&web_run_op, true, "/ops/conflict", names, bad, 5);
    web_run_start(&run, web_ops_conflict, &q);
    CHECK(run.slot == NULL);
    CHECK_STR(run.r.location, "/ops");
    web_run_end(&run);
    s_ops_page(&run, &web_run_op);
    CHECK_CONTAINS(run.body, "<strong>Not done:</strong> those are not two case ids");
    web_run_end(&run);
}

TEST(web_ops_notices_are_bounded_and_the_oldest_makes_way)
{
    web_user_t u = web_run_op;
    web_req_t q = web_run_req(&u, false, "/ops", NULL, NULL, 0);
    buf_t b = BUF_INIT;
    /* One more session than are kept: the first one's notice is gone,
     * the second's stands. */
    for (int i = 0; i <= WEB_NOTICES; i++) {
        snprintf(u.csrf, sizeof u.csrf, "SESSION-%d", i);
        web_ops_notice(&q, false, "notice %d", i);
    }
    snprintf(u.csrf, sizeof u.csrf, "SESSION-0");
    web_ops_notice_show(&b, &q);
    CHECK(b.len == 0);
    snprintf(u.csrf, sizeof u.csrf, "SESSION-1");
    web_ops_notice_show(&b, &q);
    buf_addc(&b, '\0');
    CHECK_CONTAINS(b.data, "notice 1<");
    buf_free(&b);
    /* none left behind for the next test */
    for (int i = 2; i <= WEB_NOTICES; i++) {
        snprintf(u.csrf, sizeof u.csrf, "SESSION-%d", i);
        web_ops_notice_show(&b, &q);
    }
    buf_free(&b);
}

/* A notice is shown once, on the page it was left for, to the session
 * that left it: another session, or another page, does not take it. */
TEST(web_notice_once_for_its_session_and_page)
{
    web_user_t u = web_run_op, other = web_run_op;
    web_req_t q = web_run_req(&u, false, "/inbox/C-000001", NULL, NULL, 0);
    web_req_t q2 = web_run_req(&other, false, "/inbox/C-000001", NULL, NULL, 0);
    char text[64] = "untouched";
    bool error = true;
    snprintf(u.csrf, sizeof u.csrf, "SESSION-A");
    snprintf(other.csrf, sizeof other.csrf, "SESSION-B");
    web_notice_put(&q, "/inbox/C-000001", false, "Recorded: %s", "contacted");
    CHECK(!web_notice_take(&q2, "/inbox/C-000001", &error, text, sizeof text));
    CHECK(!web_notice_take(&q, "/inbox/C-000002", &error, text, sizeof text));
    CHECK(!web_notice_take(&q, "/ops", &error, text, sizeof text));
    CHECK_STR(text, "untouched");
    CHECK(web_notice_take(&q, "/inbox/C-000001", &error, text, sizeof text));
    CHECK_STR(text, "Recorded: contacted");
    CHECK(!error);
    CHECK(!web_notice_take(&q, "/inbox/C-000001", &error, text, sizeof text));
    /* Without a session there is nobody to leave one for. */
    q.csrf = NULL;
    web_notice_put(&q, "/inbox", false, "Case C-000001 has gone to X.");
    CHECK(!web_notice_take(&q, "/inbox", NULL, text, sizeof text));
}

TEST(web_ops_text_escapes_and_lets_long_words_wrap)
{
    buf_t b = BUF_INIT;
    char long_word[600];
    web_ops_text(&b, "Si\xc3\xa2n <b>& (router.submitter_case_max). Next/one.");
    buf_addc(&b, '\0');
    CHECK_STR(b.data, "Si\xc3\xa2n &lt;b&gt;&amp; (router.<wbr>submitter_<wbr>case_<wbr>max). "
                      "Next/<wbr>one.");
    buf_reset(&b);
    /* A long segment of text that is not ASCII stays whole. */
    for (size_t i = 0; i + 2 < sizeof long_word; i += 2)
        memcpy(long_word + i, "\xc3\xa2", 2);
    long_word[sizeof long_word - 2] = '\0';
    web_ops_text(&b, long_word);
    buf_addc(&b, '\0');
    CHECK_STR(b.data, long_word);
    buf_free(&b);
}
