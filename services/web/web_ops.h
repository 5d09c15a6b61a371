/*
 * What the operator's pages share (web_ops.c: /ops; web_ops_case.c:
 * /ops/case/ID; web_ops_forms.c: the forms' POSTs, a join's confirmation,
 * a rejection's reason asked again): the notice a POST leaves for the /ops
 * it redirects to, and the words for what the router answers.
 */
#ifndef CARERHUB_WEB_OPS_H
#define CARERHUB_WEB_OPS_H

#include "web.h"

#include <stdbool.h>
#include <stdint.h>

/* Calls to the router: a question, and an action (sent again only while
 * no answer has come: each action is refused once done, so a second copy
 * does nothing). */
#define WEB_OPS_QUERY_MS  10000
#define WEB_OPS_ACTION_MS 10000

/* Leaves a notice (what a POST did, or why it did not: error) for the
 * next /ops of the request's session: web_notice_put. The text is plain:
 * it is escaped when shown. */
void web_ops_notice(const web_req_t *q, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes the session's notice, if it has one, and forgets it. */
void web_ops_notice_show(buf_t *b, const web_req_t *q);

/* A case id as a link to its page (/ops/case/ID); an id that is not one
 * (case_id_ok) as text. */
void web_ops_case_link(buf_t *b, const char *case_id);
/* Text a router wrote for a person (a reason, a detail), escaped, which
 * may hold long words (router.submitter_case_max): a line may break
 * after each '.', '_' and '/' (<wbr>), so that on a phone it wraps rather
 * than widen the page. */
void web_ops_text(buf_t *b, const char *s);
/* A time (unix ms) as "1 May 2026 at 10:03"; nothing when has is false. */
void web_ops_when(buf_t *b, bool has, int64_t ms);
/* The router's Error answer, or NULL (another answer, or none). */
const Carerhub__Error *web_ops_error(const Carerhub__Envelope *rep);
/* rep is not the answer asked for: the page for a refusal (403), an
 * unknown case (404) or no answer (503). */
void web_ops_unanswered(web_resp_t *r, const web_req_t *q, const Carerhub__Envelope *rep);

#endif
