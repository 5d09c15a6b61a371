/*
 * carerhub submit gp|discharge|school FILE...: send referral files to the
 * intake of their source. Each YAML document is one referral, judged on its
 * own: "accepted <referral-id>" on stdout for each one taken, and for each
 * one refused a line per problem on stderr, "FILE#N: field: message". A
 * file that cannot be read, or holds no referral, stops everything before
 * anything is sent (exit 66, 65).
 *
 * Submissions are pipelined on one connection; each carries a random token
 * so that resending after a lost answer cannot make a second referral.
 * Sending a file again later is safe too: a referral the intake already
 * accepted from this key (within referrals.resend_window_days) is answered
 * with its id, "accepted <referral-id> (already accepted on ...; nothing
 * new was sent)", and goes nowhere.
 */
#include "cli.h"

#include "clnt/clnt.h"
#include "util/buf.h"
#include "conf/ytree.h"
#include "domain/referral.h"
#include "domain/route.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/mem.h"
#include "wire/pbjson.h"
#include "wire/wire.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sysexits.h>
#include <unistd.h>
#include <zmq.h>

#define S_FILE_MAX (64u << 20)
#define S_WINDOW   256

typedef enum {
    S_PENDING,
    S_SENT,
    S_ACCEPTED,
    S_REJECTED,
    S_UNAVAILABLE,
    S_LOCAL,
    S_FORBIDDEN
} s_state_t;

typedef struct {
    const char *file; /* as named on the command line ("-" for stdin) */
    size_t doc;       /* 1-based document number in the file */
    Carerhub__Referral *ref;
    char token[33];
    s_state_t state;
    int64_t sent_at;
    char *id;
    bool already;       /* accepted before: nothing new was sent */
    int64_t already_at; /* when it was first accepted */
    ferrs_t errs;
    char **notices; /* an already accepted one's first says so */
    size_t nnotices;
} s_doc_t;

typedef struct {
    s_doc_t *v;
    size_t n, cap;
} s_docs_t;

static void s_token(char out[33])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[16];
    if (getrandom(r, sizeof r, 0) != sizeof r) {
        /* Without randomness a token could repeat; the clock and pid will do. */
        uint64_t t = (uint64_t)clock_now_ms() ^ ((uint64_t)getpid() << 40);
        memcpy(r, &t, 8);
        memcpy(r + 8, &t, 8);
    }
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[32] = '\0';
}

static s_doc_t *s_add(s_docs_t *docs, const char *file, size_t n)
{
    s_doc_t *d;
    docs->v = xgrow(docs->v, &docs->cap, docs->n + 1, sizeof *docs->v);
    d = &docs->v[docs->n++];
    memset(d, 0, sizeof *d);
    d->file = file;
    d->doc = n;
    return d;
}

/* Whether field is within an entry the binding refused whole
 * ("cared_for[1].relationship" when "cared_for[1]" is not a mapping): the
 * checks have nothing of it to name. */
static bool s_refused_whole(const ferrs_t *errs, const char *field)
{
    for (size_t i = 0; i < errs->n; i++) {
        size_t n = strlen(errs->v[i].field);
        if (strncmp(field, errs->v[i].field, n) == 0 && field[n] == '.')
            return true;
    }
    return false;
}
/* Reads one file into docs; returns -1 if it cannot be read at all. */
static int s_read(const char *file, Carerhub__Source src, const referral_ctx_t *ctx, s_docs_t *docs)
{
    static const ylimits_t lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 4u << 20};
    char *data;
    size_t len, count;
    ystream_t *s;
    const char *err;
    int line, col;

    if (file_read_all(file, S_FILE_MAX, &data, &len) < 0) {
        cli_error("submit", "cannot read %s: %s", strcmp(file, "-") ? file : "standard input",
                  errno == EFBIG ? "larger than 64 MB" : strerror(errno));
        return -1;
    }
    s = ytree_parse(data, len, &lim);
    free(data);
    count = ystream_count(s);
    for (size_t i = 0; i < count; i++) {
        const ynode_t *root = ystream_doc(s, i);
        s_doc_t *d;
        /* An empty document (before or after a ---, or only comments)
         * holds no referral: `~` or `""` would be a value, and refused. */
        if (!root || (root->kind == YNODE_SCALAR && root->plain && root->len == 0))
            continue;
        d = s_add(docs, file, i + 1);
        if (root->kind != YNODE_MAP) {
            ferrs_add(&d->errs, "referral", "type",
                      "a referral is a mapping of fields, not a "
                      "%s",
                      ynode_kind_name(root));
            d->state = S_LOCAL;
            continue;
        }
        d->ref = referral_from_yaml(root, src, &d->errs);
        if (d->errs.n) {
            /* The file is not what the intake could read; report every other
             * problem too, so it can all be put right at once. */
            ferrs_t more = FERRS_INIT;
            referral_check(d->ref, src, ctx, &more);
            for (size_t j = 0; j < more.n; j++)
                if (!ferrs_has(&d->errs, more.v[j].field) &&
                    !s_refused_whole(&d->errs, more.v[j].field))
                    ferrs_add(&d->errs, more.v[j].field, more.v[j].code, "%s", more.v[j].message);
            ferrs_free(&more);
            d->state = S_LOCAL;
        }
    }
    err = ystream_error(s, &line, &col);
    if (err) {
        s_doc_t *d = s_add(docs, file, count + 1);
        ferrs_add(&d->errs, "yaml", ystream_error_code(s), "line %d, column %d: %s%s", line, col,
                  err, count ? " (documents after this one were not read)" : "");
        d->state = S_LOCAL;
    }
    ystream_destroy(&s);
    return 0;
}

static void s_take_reply(s_doc_t *d, const Carerhub__Envelope *env)
{
    const Carerhub__SubmitReply *r;
    if (env->body_case == CARERHUB__ENVELOPE__BODY_ERROR) {
        /* The intake refused the sender, not the card: every card from
         * this key gets the same answer. */
        ferrs_add(&d->errs, "referral", env->error->code ? env->error->code : "error", "%s",
                  env->error->message ? env->error->message : "refused by the intake");
        d->state = S_FORBIDDEN;
        return;
    }
    if (env->body_case != CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY)
        return;
    r = env->submit_reply;
    for (size_t i = 0; i < r->n_notices; i++) {
        d->notices = xrealloc(d->notices, (d->nnotices + 1) * sizeof *d->notices);
        d->notices[d->nnotices++] = xstrdup(r->notices[i]);
    }
    switch (r->status) {
    case CARERHUB__SUBMIT_REPLY__STATUS__ACCEPTED:
        d->state = S_ACCEPTED;
        d->id = xstrdup(r->referral_id ? r->referral_id : "");
        d->already = r->has_already_accepted_at && d->nnotices > 0;
        d->already_at = r->already_accepted_at;
        break;
    case CARERHUB__SUBMIT_REPLY__STATUS__REJECTED:
        d->state = S_REJECTED;
        for (size_t i = 0; i < r->n_errors; i++)
            ferrs_add(&d->errs, r->errors[i]->field ? r->errors[i]->field : "referral",
                      r->errors[i]->code ? r->errors[i]->code : "invalid", "%s",
                      r->errors[i]->message ? r->errors[i]->message : "");
        if (r->n_errors == 0)
            ferrs_add(&d->errs, "referral", "invalid", "refused by the intake");
        break;
    default:
        d->state = S_UNAVAILABLE;
    }
}

/* Sends every pending document and collects the answers. Returns 0, or
 * ETIMEDOUT if the intake went silent for timeout_ms, EACCES if it refused
 * this client's key. */
static int s_send_all(const char *endpoint, const clnt_keys_t *keys, s_docs_t *docs, int timeout_ms)
{
    void *ctx = zmq_ctx_new();
    int64_t last_progress = clock_mono_ms();
    size_t open = 0, waiting = 0;
    clnt_conn_t c;
    int rc = 0, ready;

    for (size_t i = 0; i < docs->n; i++)
        if (docs->v[i].state == S_PENDING) {
            s_token(docs->v[i].token);
            waiting++;
        }
    if (clnt_open(&c, ctx, endpoint, keys) < 0) {
        cli_error("submit", "cannot connect to %s: %s", endpoint, zmq_strerror(zmq_errno()));
        zmq_ctx_term(ctx);
        return ETIMEDOUT;
    }
    while (waiting > 0) {
        int64_t now = clock_mono_ms();
        bool unsent = false;
        /* Send new ones while the window allows; resend the unanswered
         * every few seconds (same token, so never twice accepted). */
        for (size_t i = 0; i < docs->n; i++) {
            s_doc_t *d = &docs->v[i];
            bool fresh = d->state == S_PENDING && open < S_WINDOW;
            bool stale = d->state == S_SENT && now - d->sent_at > 3000;
            if (!fresh && !stale)
                continue;
            if (intake_clnt_submit(c.sock, i + 1, d->token, d->ref) < 0) {
                unsent = zmq_errno() == EAGAIN; /* not connected yet */
                break;
            }
            if (fresh)
                open++;
            d->state = S_SENT;
            d->sent_at = now;
        }
        if (now - last_progress > timeout_ms) {
            rc = ETIMEDOUT;
            break;
        }
        /* Not connected yet: back the moment it is, not 100 ms later. */
        if ((ready = clnt_wait_send(&c, 100, unsent)) < 0) {
            rc = errno == EACCES ? EACCES : ETIMEDOUT;
            break;
        }
        while (ready > 0) {
            Carerhub__Envelope *env = NULL;
            wire_status_t st = wire_recv(c.sock, false, NULL, &env, ZMQ_DONTWAIT);
            if (st == WIRE_AGAIN || st == WIRE_FAILED)
                break;
            if (st != WIRE_OK)
                continue;
            if (env->has_corr && env->corr >= 1 && env->corr <= docs->n &&
                docs->v[env->corr - 1].state == S_SENT) {
                s_take_reply(&docs->v[env->corr - 1], env);
                if (docs->v[env->corr - 1].state != S_SENT) {
                    open--;
                    waiting--;
                    last_progress = clock_mono_ms();
                }
            }
            carerhub__envelope__free_unpacked(env, NULL);
        }
    }
    clnt_close(&c);
    zmq_ctx_term(ctx);
    return rc;
}

/* One line of JSON per document: where it came from, what became of it
 * (accepted, rejected, refused, unavailable, unanswered), who judged it
 * (this client or the intake), when it was first accepted if it had been
 * before (already_accepted_at), and every problem with its field and code. */
static void s_print_json(const s_doc_t *doc, const char *name)
{
    static const char *const states[] = {"unanswered",  "unanswered", "accepted", "rejected",
                                         "unavailable", "rejected",   "refused"};
    buf_t b = BUF_INIT;
    buf_adds(&b, "{\"file\":");
    buf_json_str(&b, name);
    buf_printf(&b, ",\"document\":%zu,\"status\":\"%s\"", doc->doc, states[doc->state]);
    if (doc->state == S_LOCAL || doc->state == S_REJECTED)
        buf_printf(&b, ",\"checked_by\":\"%s\"", doc->state == S_LOCAL ? "carerhub" : "intake");
    if (doc->id) {
        buf_adds(&b, ",\"referral_id\":");
        buf_json_str(&b, doc->id);
    }
    if (doc->already) {
        buf_adds(&b, ",\"already_accepted_at\":");
        pbjson_time(&b, doc->already_at);
    }
    buf_adds(&b, ",\"errors\":[");
    for (size_t j = 0; j < doc->errs.n; j++) {
        buf_adds(&b, j ? ",{\"field\":" : "{\"field\":");
        buf_json_str(&b, doc->errs.v[j].field);
        buf_adds(&b, ",\"code\":");
        buf_json_str(&b, doc->errs.v[j].code);
        buf_adds(&b, ",\"message\":");
        buf_json_str(&b, doc->errs.v[j].message);
        buf_addc(&b, '}');
    }
    buf_adds(&b, "],\"notices\":[");
    for (size_t j = 0; j < doc->nnotices; j++) {
        if (j)
            buf_addc(&b, ',');
        buf_json_str(&b, doc->notices[j]);
    }
    buf_adds(&b, "]}");
    printf("%s\n", b.data);
    buf_free(&b);
}

/* Tells the person what became of one document. */
static void s_report(const s_doc_t *doc, bool json, bool said, int unreached, Carerhub__Source src)
{
    const char *name = strcmp(doc->file, "-") ? doc->file : "stdin";
    if (json) {
        s_print_json(doc, name);
        return;
    }
    /* An already accepted one's first notice goes with its id. */
    for (size_t j = doc->already ? 1 : 0; j < doc->nnotices; j++)
        cli_print(stderr, "%s#%zu: notice: %s", name, doc->doc, doc->notices[j]);
    switch (doc->state) {
    case S_PENDING:
    case S_SENT:
        if (!said)
            cli_print(stderr, "%s#%zu: not accepted: %s the %s intake", name, doc->doc,
                      unreached == EACCES ? "this client's key was refused by" : "no answer from",
                      referral_source_name(src));
        break;
    case S_ACCEPTED:
        if (doc->already)
            cli_print(stdout, "accepted %s (%s)", doc->id, doc->notices[0]);
        else
            cli_print(stdout, "accepted %s", doc->id);
        break;
    case S_REJECTED:
    case S_LOCAL:
        for (size_t j = 0; j < doc->errs.n; j++)
            cli_print(stderr, "%s#%zu: %s: %s", name, doc->doc, doc->errs.v[j].field,
                      doc->errs.v[j].message);
        break;
    case S_FORBIDDEN:
        cli_print(stderr, "%s#%zu: not accepted: %s", name, doc->doc,
                  doc->errs.n ? doc->errs.v[0].message : "refused");
        break;
    case S_UNAVAILABLE:
        fprintf(stderr,
                "%s#%zu: not accepted: the intake is temporarily unable to store referrals; "
                "send it again later\n",
                name, doc->doc);
        break;
    default:
        break;
    }
}

static void s_doc_free(s_doc_t *doc)
{
    if (doc->ref)
        carerhub__referral__free_unpacked(doc->ref, NULL);
    ferrs_free(&doc->errs);
    free(doc->id);
    for (size_t j = 0; j < doc->nnotices; j++)
        free(doc->notices[j]);
    free(doc->notices);
}

/* The exit status: the intake's silence or refusal of the key first, then
 * the worst fate of a document. */
static int s_status(const s_docs_t *docs, int unreached, Carerhub__Source src, const char *endpoint,
                    double timeout)
{
    bool forbidden = false, rejected = false, unavailable = false;
    for (size_t i = 0; i < docs->n; i++) {
        rejected |= docs->v[i].state == S_REJECTED || docs->v[i].state == S_LOCAL;
        forbidden |= docs->v[i].state == S_FORBIDDEN;
        unavailable |= docs->v[i].state == S_UNAVAILABLE;
    }
    if (unreached == EACCES) {
        char what[64];
        snprintf(what, sizeof what, "%s intake", referral_source_name(src));
        return cli_unanswered("submit", what, endpoint, EACCES);
    }
    if (unreached) {
        cli_error("submit", "the %s intake at %s did not answer within %g s",
                  referral_source_name(src), endpoint, timeout);
        return EX_UNAVAILABLE;
    }
    return forbidden ? EX_NOPERM : rejected ? EX_DATAERR : unavailable ? EX_TEMPFAIL : 0;
}

/* Parses the options; returns 0, or the exit status of a usage error. */
static int s_options(int argc, char **argv, bool *json, double *timeout, Carerhub__Source *src)
{
    static const struct option opts[] = {
        {"timeout", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        if (c == 'j') {
            *json = true;
            continue;
        }
        if (c != 't')
            return cli_bad_option("submit", argv, opts);
        *timeout = strtod(optarg, &end);
        if (*end || *timeout <= 0 || *timeout > 86400) {
            cli_error("submit", "--timeout must be a number of seconds");
            return EX_USAGE;
        }
    }
    if (argc - optind < 2 || referral_source_parse(argv[optind], src) < 0) {
        cli_error("submit", "usage: carerhub submit [--json] [--timeout S] "
                            "gp|discharge|school|professional FILE... (- for standard input)");
        return EX_USAGE;
    }
    return 0;
}

int cli_submit(cli_t *cli, int argc, char **argv)
{
    const hubconf_t *conf;
    Carerhub__Source src;
    s_docs_t docs = {NULL, 0, 0};
    referral_ctx_t ctx;
    route_t *rt;
    diag_t d = DIAG_INIT;
    double timeout = 10;
    const char *endpoint, *intake;
    int rc, unreached = 0;
    bool json = false, pending = false;
    role_t role = ROLE_GP;

    if ((rc = s_options(argc, argv, &json, &timeout, &src)) != 0)
        return rc;
    conf = cli_conf(cli);
    intake = referral_intake_name(src);
    endpoint = hubconf_intake(conf, intake)->endpoint;
    memset(&ctx, 0, sizeof ctx);
    ctx.today = date_today();
    ctx.test_nhs_numbers = conf->referrals.test_nhs_numbers;
    rt = route_load(conf->routing, &d);
    diag_free(&d);
    ctx.geo = rt ? route_geo(rt) : NULL;

    for (int i = optind + 1; i < argc; i++) {
        size_t before = docs.n;
        if (s_read(argv[i], src, &ctx, &docs) < 0) {
            rc = EX_NOINPUT;
        } else if (docs.n == before) {
            /* Success would say nothing here: an empty file is a mistake. */
            cli_error("submit",
                      "%s: no referral in it (it is empty, or holds only comments or ---)",
                      strcmp(argv[i], "-") ? argv[i] : "standard input");
            rc = rc ? rc : EX_DATAERR;
        }
    }
    for (size_t i = 0; i < docs.n && rc == 0 && !pending; i++)
        pending = docs.v[i].state == S_PENDING;
    if (pending) { /* else every document was refused here: nothing to send */
        clnt_keys_t keys;
        /* Without --key, the key named after the role that submits here. */
        referral_submitter_role(src, &role);
        cli_keys(cli, role_name(role), intake, &keys);
        unreached = s_send_all(endpoint, &keys, &docs, (int)(timeout * 1000));
        memset(&keys, 0, sizeof keys);
    }
    for (size_t i = 0; i < docs.n; i++)
        s_report(&docs.v[i], json, rc != 0, unreached, src);
    if (rc != 0)
        cli_error("submit", "nothing was sent: put that right and send the files again");
    else
        rc = s_status(&docs, unreached, src, endpoint, timeout);
    for (size_t i = 0; i < docs.n; i++)
        s_doc_free(&docs.v[i]);
    free(docs.v);
    route_destroy(&rt);
    return rc;
}
