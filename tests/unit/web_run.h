/*
 * Running a carerhub-web handler in a unit test as web_http.c runs it,
 * without sockets: the handler's calls to the hub wait as they would
 * (web_call), the router's answers are given to them as web_hub.c would
 * (off the wire, matched by corr), and each `then` runs as on resuming.
 * Used by test_web_report.c and test_web_ops.c.
 */
#ifndef CARERHUB_TEST_WEB_RUN_H
#define CARERHUB_TEST_WEB_RUN_H

#include "web/web_impl.h"

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    web_t *w;
    web_wait_t *slot; /* the request's wait for the hub */
    web_resp_t r;
    char *body; /* the answer's, once done */
} web_run_t;

/* Logged-in users: two operators and a commissioner, each with a CSRF
 * token of their own. */
extern const web_user_t web_run_op, web_run_op2, web_run_comm;

/* A request of u (its session's token as q.csrf) with n fields. */
web_req_t web_run_req(const web_user_t *u, bool post, const char *path, const char *const *names,
                      const char *const *values, size_t n);
/* Runs handler fn for q in a daemon of its own. */
void web_run_start(web_run_t *run, web_handler_fn fn, const web_req_t *q);
/* What the waiting call asks, unpacked (caller frees); NULL if none waits. */
Carerhub__Envelope *web_run_asked(web_run_t *run);
/* Its body, or BODY__NOT_SET if no call waits. */
Carerhub__Envelope__BodyCase web_run_asked_case(web_run_t *run);
/* Gives the waiting call env (its body set; NULL: the call's time is
 * up) as its answer, and runs its then. */
void web_run_answer(web_run_t *run, Carerhub__Envelope *env);
/* The answer written: its body as a string (kept in run->body). */
const char *web_run_done(web_run_t *run);
void web_run_end(web_run_t *run);
/* An Error answer (borrowing code and message). */
Carerhub__Envelope web_run_error(const char *code, const char *message);
/* Marks every optional field of m and of the messages in it as present:
 * a reply made by hand (report_sample) has its figures but not the has_
 * flags the wire needs to carry them. */
void web_run_all_present(ProtobufCMessage *m);
/* How many times needle occurs in hay. */
size_t web_run_count(const char *hay, const char *needle);

#endif
