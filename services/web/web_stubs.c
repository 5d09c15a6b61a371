/*
 * The referral forms and the referrals pages until they are written
 * (web_form.c and web_referrals.c replace this file): a page saying so.
 */
#include "web_impl.h"

static void s_not_yet(const web_req_t *q, web_resp_t *r)
{
    web_error_page(r, q, 503,
                   "This page is not available yet. Use the carerhub command, or ask your "
                   "hub's operator.");
}

void web_refer(web_t *w, const web_req_t *q, web_resp_t *r)
{
    s_not_yet(q, r);
}

void web_referrals(web_t *w, const web_req_t *q, web_resp_t *r)
{
    s_not_yet(q, r);
}
