/*
 * Running a carerhub-web handler in a unit test: see web_run.h.
 */
#include "web_run.h"

#include "util/mem.h"
#include "wire/wire.h"

#include <stdlib.h>
#include <string.h>

const web_user_t web_run_op = {"o.perator", ROLE_OPERATOR, "", "OPERATORS-CSRF-TOKEN", false};
const web_user_t web_run_op2 = {"a.nother", ROLE_OPERATOR, "", "ANOTHER-CSRF-TOKEN", false};
const web_user_t web_run_comm = {"c.ommissioner", ROLE_COMMISSIONER, "", "COMMISSIONERS-TOKEN",
                                 false};

web_req_t web_run_req(const web_user_t *u, bool post, const char *path, const char *const *names,
                      const char *const *values, size_t n)
{
    web_req_t q = {0};
    q.post = post;
    q.path = path;
    q.user = u;
    q.csrf = u->csrf;
    q.address = "127.0.0.1";
    q.nfields = n;
    q.names = names;
    q.values = values;
    return q;
}

void web_run_start(web_run_t *run, web_handler_fn fn, const web_req_t *q)
{
    memset(run, 0, sizeof *run);
    run->w = xcalloc(1, sizeof *run->w);
    run->w->hub.corr = 1000;
    run->r.status = 200;
    run->w->wait = &run->slot;
    fn(run->w, q, &run->r);
    run->w->wait = NULL;
}

Carerhub__Envelope *web_run_asked(web_run_t *run)
{
    if (!run->slot || run->slot->ready)
        return NULL;
    return carerhub__envelope__unpack(NULL, run->slot->nenv, run->slot->env);
}

Carerhub__Envelope__BodyCase web_run_asked_case(web_run_t *run)
{
    Carerhub__Envelope *e = web_run_asked(run);
    Carerhub__Envelope__BodyCase c = e ? e->body_case : CARERHUB__ENVELOPE__BODY__NOT_SET;
    if (e)
        carerhub__envelope__free_unpacked(e, NULL);
    return c;
}

void web_run_answer(web_run_t *run, Carerhub__Envelope *env)
{
    if (env) {
        uint8_t *data;
        size_t n;
        env->has_version = true;
        env->version = WIRE_VERSION;
        env->has_corr = true;
        env->corr = run->slot->corr;
        n = carerhub__envelope__get_packed_size(env);
        data = xmalloc(n);
        carerhub__envelope__pack(env, data);
        web_calls_reply(run->w, run->slot->to, carerhub__envelope__unpack(NULL, n, data));
        free(data);
    } else {
        web_calls_tick(run->w, run->slot->deadline + 1);
    }
    web_wait_then(run->w, &run->slot, &run->r);
}

const char *web_run_done(web_run_t *run)
{
    buf_addc(&run->r.body, '\0');
    run->body = buf_take(&run->r.body);
    return run->body;
}

void web_run_end(web_run_t *run)
{
    web_wait_end(run->w, &run->slot);
    web_hub_close(&run->w->hub);
    free(run->w);
    buf_free(&run->r.body);
    free(run->body);
}

Carerhub__Envelope web_run_error(const char *code, const char *message)
{
    static Carerhub__Error e;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    carerhub__error__init(&e);
    e.code = (char *)code;
    e.message = (char *)message;
    env.body_case = CARERHUB__ENVELOPE__BODY_ERROR;
    env.error = &e;
    return env;
}

void web_run_all_present(ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char *at = (char *)m + f->offset;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(size_t *)((char *)m + f->quantifier_offset);
            for (size_t k = 0; k < n; k++)
                web_run_all_present(((ProtobufCMessage **)*(void **)at)[k]);
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (*(ProtobufCMessage **)at)
                web_run_all_present(*(ProtobufCMessage **)at);
        } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
                   f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_BYTES) {
            *(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
        }
    }
}

size_t web_run_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}
