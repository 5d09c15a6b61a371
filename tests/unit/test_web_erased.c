/*
 * Unit tests of carerhub-web's referrer pages for a referral whose carer's
 * data the hub has erased: /referrals and /referrals/ID read "Erased (data
 * protection)", whatever state the router gives with it.
 */
#include "test.h"

#include "web_run.h"

#include <string.h>

static const web_user_t s_gp = {"a.patel", ROLE_GP, "F81001", "PRACTICE-CSRF-TOKEN", false};

TEST(web_referrals_lists_an_erased_referral_as_erased)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__FeedbackReply fr = CARERHUB__FEEDBACK_REPLY__INIT;
    Carerhub__FeedbackItem it = CARERHUB__FEEDBACK_ITEM__INIT, *its[] = {&it};
    web_req_t q = web_run_req(&s_gp, false, "/referrals", NULL, NULL, 0);
    web_run_t run;
    const char *page;

    it.referral_id = "GP-20260501-7";
    it.has_received_at = true;
    it.received_at = 1795350000250;
    it.state = "erased";
    it.has_updated_at = true;
    it.updated_at = 1795360000250;
    it.provider = "carers-first";
    it.provider_name = "Carers First";
    fr.n_items = 1;
    fr.items = its;
    web_run_start(&run, web_referrals, &q);
    CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY_FEEDBACK_QUERY);
    env.body_case = CARERHUB__ENVELOPE__BODY_FEEDBACK_REPLY;
    env.feedback_reply = &fr;
    web_run_answer(&run, &env);
    page = web_run_done(&run);
    CHECK_INT(run.r.status, 200);
    CHECK_CONTAINS(page, "GP-20260501-7");
    CHECK_CONTAINS(page, "<td>Erased (data protection)");
    web_run_end(&run);
}

TEST(web_referral_page_of_an_erased_referral_says_erased)
{
    for (int caseless = 0; caseless < 2; caseless++) {
        Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
        Carerhub__StatusReply st = CARERHUB__STATUS_REPLY__INIT;
        web_req_t q = web_run_req(&s_gp, false, "/referrals/GP-20260501-7", NULL, NULL, 0);
        web_run_t run;
        const char *page;

        st.has_state = true;
        /* Parked, then erased: the router says rejected, with its words. */
        st.state = caseless ? CARERHUB__STATUS_REPLY__STATE__REJECTED
                            : CARERHUB__STATUS_REPLY__STATE__DELIVERED;
        st.detail = caseless ? "erased (data protection): it was not sent on" : NULL;
        st.referral_id = "GP-20260501-7";
        st.case_id = caseless ? NULL : "C-000001";
        st.progress = "erased";
        st.has_progress_at = true;
        st.progress_at = 1795360000250;
        web_run_start(&run, web_referrals, &q);
        CHECK_INT(web_run_asked_case(&run), CARERHUB__ENVELOPE__BODY_STATUS_QUERY);
        env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_REPLY;
        env.status_reply = &st;
        web_run_answer(&run, &env);
        page = web_run_done(&run);
        CHECK_INT(run.r.status, 200);
        CHECK_CONTAINS(page, "<th scope=\"row\">Where it stands</th><td>Erased (data protection), "
                             "since ");
        web_run_end(&run);
    }
}
