/*
 * carerhub-testpeer: a misbehaving client for integration tests. It connects
 * to one of the hub's sockets, with or without CURVE, sends what it is told
 * (a well-formed request, or bytes no carerhub client would send) and
 * reports everything that comes back, one line per message:
 *
 *   carerhub-testpeer ENDPOINT [--server-pub FILE --key FILE] [--wait MS] [--cut N] SEND...
 *
 *   SEND is one of:
 *     status ID        a status query
 *     stats            a statistics query
 *     hello PROVIDER   a provider agent's hello (asks for PROVIDER's cases)
 *     submit SRC FILE  the first referral of a YAML file (gp, discharge or
 *                      school), sent as it is: nothing checked here
 *     forward SRC FILE ID [SUBMITTED_BY]
 *                      a Forward, as an intake sends it to the router: the
 *                      first referral of FILE stamped with source SRC, id ID,
 *                      today's date and the submitter named
 *     forward-audit RECORDED_BY SEQ EVENT
 *                      a Forward holding one audit record
 *     ack PROVIDER N   a hello, then (once answered) a delivery
 *                      acknowledgement naming N ids (1..100, over and over)
 *     raw FILE         the bytes of FILE as one frame
 *     frames N         one message of N empty frames
 *     big N            one frame of N bytes
 *     outcomes FILE    an OutcomeReport: FILE is a JSON array of outcomes,
 *                      each an object of Outcome's fields (at: unix ms),
 *                      sent as written: nothing checked here
 *     cancel ID REASON [NOTE]
 *                      a CancelRequest
 *     feedback [LIMIT [AFTER [SINCE]]]
 *                      a FeedbackQuery (LIMIT 0: unset; AFTER, SINCE "": unset)
 *     alerts           an AlertsQuery
 *     report [FROM [TO]]
 *                      a ReportQuery, its dates sent as given, nothing
 *                      checked here ("-": unset)
 *     cases [PROVIDER [LIMIT]]
 *                      a CasesQuery (PROVIDER "-": unset; LIMIT 0: unset)
 *     case ID          a CaseQuery
 *
 * --dump prints, after each reply line, the reply as JSON ("json {...}").
 *
 * --on-behalf USER:ROLE[:ORG] puts an OnBehalf in every message, as a
 * gateway (carerhub-web) says whom a request is for: the user's account
 * name, role and organisation, sent as given (an empty part as an empty
 * string; ORG left out: unset), nothing checked here.
 *
 * --connections N opens N connections and sends on each; --random-keys gives
 * each a fresh key pair that no participants file lists (instead of --key).
 * --token T gives every submission that token (default testpeer-PID-N, a new
 * one for each); --repeat N sends the message N times without reading
 * replies in between (the same referral from the same key is still one
 * referral, recognised as a resend, unless referrals.resend_window_days is
 * 0).
 * --cut N sends only the first N bytes of the encoded message (a truncated
 * message), --cut -N all but its last N bytes. Output: "sent N" and then "reply <body>[ <code>:
 * <message>]" per message received (a submit reply adds its status, and a line "problem <field>
 * <code>" for each problem), or "reply undecodable
 * (<why>)"; last "received N". Exit 0 unless the arguments or the keys are
 * wrong (64).
 */
#include "conf/ytree.h"
#include "domain/referral.h"
#include "util/clock.h"
#include "util/date.h"
#include "util/file.h"
#include "wire/curve.h"
#include "wire/pbjson.h"
#include "wire/wire.h"

#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <zmq.h>

static void s_usage(void)
{
    fprintf(stderr,
            "usage: carerhub-testpeer ENDPOINT [--server-pub FILE --key FILE|--random-keys] "
            "[--wait MS] [--cut N] [--token T] [--repeat N] [--connections N] [--random-keys] "
            "[--on-behalf USER:ROLE[:ORG]] "
            "status ID | stats | hello PROVIDER | "
            "submit SRC FILE | forward SRC FILE ID [BY] | forward-audit BY SEQ EVENT | "
            "ack PROVIDER N | raw FILE | frames N | big N | report [FROM [TO]] | "
            "cases [PROVIDER [LIMIT]] | case ID\n");
    exit(EX_USAGE);
}

static const char *s_body(const Carerhub__Envelope *env)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
        &carerhub__envelope__descriptor, (unsigned)env->body_case);
    return f ? f->name : "none";
}

static long s_cut = LONG_MAX;
static const char *s_token;
static long s_sent; /* messages sent so far */
static bool s_dump;
static Carerhub__OnBehalf s_ob = CARERHUB__ON_BEHALF__INIT;
static bool s_has_ob;
static int s_send_env(void *sock, Carerhub__Envelope *env);

static char *s_jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_string(v))
        return NULL;
    /* As the bytes say, NULs and all: protobuf-c packs up to the first. */
    return strdup(json_string_value(v));
}

/* An OutcomeReport from a JSON array of Outcome objects. */
static int s_send_outcomes(void *sock, const char *path)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__OutcomeReport rep = CARERHUB__OUTCOME_REPORT__INIT;
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_ALLOW_NUL, &jerr), *o;
    size_t i, n;
    int rc;
    if (!json_is_array(doc)) {
        fprintf(stderr, "carerhub-testpeer: %s: not a JSON array (%s)\n", path, jerr.text);
        exit(EX_DATAERR);
    }
    n = json_array_size(doc);
    rep.outcomes = calloc(n ? n : 1, sizeof *rep.outcomes);
    json_array_foreach(doc, i, o)
    {
        Carerhub__Outcome *x = calloc(1, sizeof *x);
        json_t *sup = json_object_get(o, "support"), *at = json_object_get(o, "at"), *e;
        size_t j;
        carerhub__outcome__init(x);
        x->outcome_id = s_jstr(o, "outcome_id");
        x->case_id = s_jstr(o, "case_id");
        x->status = s_jstr(o, "status");
        x->reason = s_jstr(o, "reason");
        x->to = s_jstr(o, "to");
        x->note = s_jstr(o, "note");
        x->source = s_jstr(o, "source");
        if (json_is_integer(at)) {
            x->has_at = true;
            x->at = json_integer_value(at);
        }
        if (json_is_array(sup)) {
            x->support = calloc(json_array_size(sup) + 1, sizeof *x->support);
            json_array_foreach(sup, j, e) x->support[x->n_support++] = strdup(json_string_value(e));
        }
        rep.outcomes[rep.n_outcomes++] = x;
    }
    json_decref(doc);
    env.body_case = CARERHUB__ENVELOPE__BODY_OUTCOME_REPORT;
    env.outcome_report = &rep;
    rc = s_send_env(sock, &env);
    for (i = 0; i < rep.n_outcomes; i++)
        carerhub__outcome__free_unpacked(rep.outcomes[i], NULL);
    free(rep.outcomes);
    return rc;
}

static int s_send_env(void *sock, Carerhub__Envelope *env)
{
    uint8_t *data;
    size_t len;
    int rc;
    env->has_corr = true;
    env->corr = 1;
    env->has_version = true;
    env->version = WIRE_VERSION;
    env->on_behalf = s_has_ob ? &s_ob : NULL;
    len = carerhub__envelope__get_packed_size(env);
    data = malloc(len ? len : 1);
    if (!data)
        return -1;
    carerhub__envelope__pack(env, data);
    if (s_cut >= 0 && (size_t)s_cut < len)
        len = (size_t)s_cut;
    else if (s_cut < 0 && (size_t)-s_cut < len)
        len -= (size_t)-s_cut; /* --cut -N: all but the last N bytes */
    rc = zmq_send(sock, data, len, 0) < 0 ? -1 : 0;
    free(data);
    return rc;
}

/* The first referral of a YAML file, as referral_from_yaml reads it: a
 * new message, or exits. */
static Carerhub__Referral *s_read_yaml(const char *src_name, const char *path,
                                       Carerhub__Source *src)
{
    static const ylimits_t lim = {.max_depth = 16, .max_nodes = 10000, .max_scalar = 4u << 20};
    Carerhub__Referral *ref = NULL;
    ferrs_t errs = FERRS_INIT;
    ystream_t *ys;
    char *data;
    size_t len;
    if (referral_source_parse(src_name, src) < 0 || file_read_all(path, 64u << 20, &data, &len) < 0)
        s_usage();
    ys = ytree_parse(data, len, &lim);
    free(data);
    if (ystream_doc(ys, 0))
        ref = referral_from_yaml(ystream_doc(ys, 0), *src, &errs);
    ferrs_free(&errs);
    ystream_destroy(&ys);
    if (!ref) {
        fprintf(stderr, "carerhub-testpeer: %s: no referral to send\n", path);
        exit(EX_DATAERR);
    }
    return ref;
}

static int s_send_yaml(void *sock, const char *src_name, const char *path)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__SubmitRequest req = CARERHUB__SUBMIT_REQUEST__INIT;
    Carerhub__Source src;
    char token[32];
    int rc;
    req.referral = s_read_yaml(src_name, path, &src);
    /* Each repeat has a token of its own, unless --token is given. */
    snprintf(token, sizeof token, "testpeer-%ld-%ld", (long)getpid(), s_sent);
    req.token = s_token ? (char *)s_token : token;
    env.body_case = CARERHUB__ENVELOPE__BODY_SUBMIT;
    env.submit = &req;
    rc = s_send_env(sock, &env);
    carerhub__referral__free_unpacked(req.referral, NULL);
    return rc;
}

/* A Forward of one referral, stamped as an intake stamps it. */
static int s_send_forward(void *sock, const char *src_name, const char *path, const char *id,
                          const char *submitted_by)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__Forward f = CARERHUB__FORWARD__INIT;
    Carerhub__Referral *ref;
    Carerhub__Source src;
    char day[DATE_STRLEN];
    int rc;
    ref = s_read_yaml(src_name, path, &src);
    ref->id = strdup(id);
    ref->has_source = true;
    ref->source = src;
    ref->has_received_at = true;
    ref->received_at = clock_now_ms();
    date_format(date_of_ms(ref->received_at), day);
    ref->referral_date = strdup(day);
    if (submitted_by)
        ref->submitted_by = strdup(submitted_by);
    f.n_referrals = 1;
    f.referrals = &ref;
    env.body_case = CARERHUB__ENVELOPE__BODY_FORWARD;
    env.forward = &f;
    rc = s_send_env(sock, &env);
    carerhub__referral__free_unpacked(ref, NULL);
    return rc;
}

static int s_send_forward_audit(void *sock, const char *recorded_by, const char *seq,
                                const char *event)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__Forward f = CARERHUB__FORWARD__INIT;
    Carerhub__AuditRecord a = CARERHUB__AUDIT_RECORD__INIT, *ap = &a;
    a.has_seq = a.has_at = true;
    a.seq = strtoull(seq, NULL, 10);
    a.at = clock_now_ms() + 10LL * 365 * 24 * 3600 * 1000; /* ahead of any real record */
    a.event = (char *)event;
    a.actor = (char *)"testpeer";
    a.recorded_by = (char *)recorded_by;
    a.detail = (char *)"forged by the test peer";
    f.n_audit = 1;
    f.audit = &ap;
    env.body_case = CARERHUB__ENVELOPE__BODY_FORWARD;
    env.forward = &f;
    return s_send_env(sock, &env);
}

/* A hello, then an acknowledgement of ids 1..n once the router answered. */
static int s_send_ack(void *sock, const char *provider, const char *count)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *back = NULL;
    Carerhub__Hello h = CARERHUB__HELLO__INIT;
    Carerhub__DeliveryAck ack = CARERHUB__DELIVERY_ACK__INIT;
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    size_t n = (size_t)strtoull(count, NULL, 10);
    int rc;
    h.provider = (char *)provider;
    h.has_credit = true;
    h.credit = 1;
    env.body_case = CARERHUB__ENVELOPE__BODY_HELLO;
    env.hello = &h;
    if (s_send_env(sock, &env) < 0)
        return -1;
    if (zmq_poll(&item, 1, 5000) <= 0 || wire_recv(sock, false, NULL, &back, 0) != WIRE_OK) {
        fprintf(stderr, "carerhub-testpeer: no answer to the hello\n");
        exit(EX_UNAVAILABLE);
    }
    carerhub__envelope__free_unpacked(back, NULL);
    ack.delivery_ids = calloc(n ? n : 1, sizeof *ack.delivery_ids);
    if (!ack.delivery_ids)
        return -1;
    for (size_t i = 0; i < n; i++)
        ack.delivery_ids[i] = i % 100 + 1; /* two bytes each on the wire */
    ack.n_delivery_ids = n;
    ack.has_credit = true;
    ack.credit = 1;
    memset(&env, 0, sizeof env);
    carerhub__envelope__init(&env);
    env.body_case = CARERHUB__ENVELOPE__BODY_DELIVERY_ACK;
    env.delivery_ack = &ack;
    rc = s_send_env(sock, &env);
    free(ack.delivery_ids);
    return rc;
}

static int s_send(void *sock, int argc, char **argv)
{
    const char *what = argv[0], *arg = argc > 1 ? argv[1] : NULL;
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    if (strcmp(what, "alerts") == 0) {
        Carerhub__AlertsQuery q = CARERHUB__ALERTS_QUERY__INIT;
        env.body_case = CARERHUB__ENVELOPE__BODY_ALERTS_QUERY;
        env.alerts_query = &q;
        return s_send_env(sock, &env);
    }
    if (strcmp(what, "feedback") == 0) {
        Carerhub__FeedbackQuery q = CARERHUB__FEEDBACK_QUERY__INIT;
        if (arg && strtoul(arg, NULL, 10) > 0) {
            q.has_limit = true;
            q.limit = (uint32_t)strtoul(arg, NULL, 10);
        }
        if (argc > 2 && argv[2][0])
            q.after = argv[2];
        if (argc > 3 && argv[3][0])
            q.since = argv[3];
        env.body_case = CARERHUB__ENVELOPE__BODY_FEEDBACK_QUERY;
        env.feedback_query = &q;
        return s_send_env(sock, &env);
    }
    if (strcmp(what, "report") == 0) {
        Carerhub__ReportQuery q = CARERHUB__REPORT_QUERY__INIT;
        if (arg && strcmp(arg, "-") != 0)
            q.from = (char *)arg;
        if (argc > 2 && strcmp(argv[2], "-") != 0)
            q.to = argv[2];
        env.body_case = CARERHUB__ENVELOPE__BODY_REPORT_QUERY;
        env.report_query = &q;
        return s_send_env(sock, &env);
    }
    if (strcmp(what, "cases") == 0) {
        Carerhub__CasesQuery q = CARERHUB__CASES_QUERY__INIT;
        if (arg && strcmp(arg, "-") != 0)
            q.provider = (char *)arg;
        if (argc > 2 && strtoul(argv[2], NULL, 10) > 0) {
            q.has_limit = true;
            q.limit = (uint32_t)strtoul(argv[2], NULL, 10);
        }
        env.body_case = CARERHUB__ENVELOPE__BODY_CASES_QUERY;
        env.cases_query = &q;
        return s_send_env(sock, &env);
    }
    if (strcmp(what, "stats") == 0) {
        Carerhub__StatsQuery q = CARERHUB__STATS_QUERY__INIT;
        env.body_case = CARERHUB__ENVELOPE__BODY_STATS_QUERY;
        env.stats_query = &q;
        return s_send_env(sock, &env);
    }
    if (!arg)
        s_usage();
    if (strcmp(what, "status") == 0) {
        Carerhub__StatusQuery q = CARERHUB__STATUS_QUERY__INIT;
        q.referral_id = (char *)arg;
        env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
        env.status_query = &q;
        return s_send_env(sock, &env);
    }
    if (strcmp(what, "case") == 0) {
        Carerhub__CaseQuery q = CARERHUB__CASE_QUERY__INIT;
        q.case_id = (char *)arg;
        env.body_case = CARERHUB__ENVELOPE__BODY_CASE_QUERY;
        env.case_query = &q;
        return s_send_env(sock, &env);
    }
    if (strcmp(what, "outcomes") == 0)
        return s_send_outcomes(sock, arg);
    if (strcmp(what, "cancel") == 0) {
        Carerhub__CancelRequest q = CARERHUB__CANCEL_REQUEST__INIT;
        if (argc < 3)
            s_usage();
        q.referral_id = (char *)arg;
        q.reason = argv[2];
        q.note = argc > 3 ? argv[3] : NULL;
        env.body_case = CARERHUB__ENVELOPE__BODY_CANCEL;
        env.cancel = &q;
        return s_send_env(sock, &env);
    }
    if (strcmp(what, "hello") == 0) {
        Carerhub__Hello h = CARERHUB__HELLO__INIT;
        h.provider = (char *)arg;
        h.has_credit = true;
        h.credit = 100;
        env.body_case = CARERHUB__ENVELOPE__BODY_HELLO;
        env.hello = &h;
        return s_send_env(sock, &env);
    }
    if (strcmp(what, "submit") == 0) {
        if (argc < 3)
            s_usage();
        return s_send_yaml(sock, arg, argv[2]);
    }
    if (strcmp(what, "forward") == 0) {
        if (argc < 4)
            s_usage();
        return s_send_forward(sock, arg, argv[2], argv[3], argc > 4 ? argv[4] : NULL);
    }
    if (strcmp(what, "forward-audit") == 0) {
        if (argc < 4)
            s_usage();
        return s_send_forward_audit(sock, arg, argv[2], argv[3]);
    }
    if (strcmp(what, "ack") == 0) {
        if (argc < 3)
            s_usage();
        return s_send_ack(sock, arg, argv[2]);
    }
    if (strcmp(what, "raw") == 0) {
        char *data;
        size_t len;
        int rc;
        if (file_read_all(arg, 64u << 20, &data, &len) < 0) {
            perror(arg);
            exit(EX_NOINPUT);
        }
        rc = zmq_send(sock, data, len, 0) < 0 ? -1 : 0;
        free(data);
        return rc;
    }
    if (strcmp(what, "frames") == 0) {
        long n = strtol(arg, NULL, 10);
        for (long i = 0; i < n; i++)
            if (zmq_send(sock, "", 0, i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
                return -1;
        return 0;
    }
    if (strcmp(what, "big") == 0) {
        size_t n = (size_t)strtoul(arg, NULL, 10);
        char *data = calloc(1, n ? n : 1);
        int rc = data && zmq_send(sock, data, n, 0) >= 0 ? 0 : -1;
        free(data);
        return rc;
    }
    s_usage();
    return -1;
}

/* One connection to endpoint: with the key pair kp when given. */
static void *s_open(void *ctx, const char *endpoint, const keypair_t *kp, const char *server_pub)
{
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    if (kp)
        curve_client(sock, kp, server_pub);
    if (zmq_connect(sock, endpoint) < 0) {
        fprintf(stderr, "carerhub-testpeer: %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        exit(EX_USAGE);
    }
    return sock;
}

/* Prints one message received; returns 1. */
static int s_print_reply(void *sock)
{
    Carerhub__Envelope *env = NULL;
    wire_status_t st = wire_recv(sock, false, NULL, &env, ZMQ_DONTWAIT);
    if (st == WIRE_AGAIN)
        return 0;
    if (st != WIRE_OK) {
        printf("reply undecodable (%s)\n", wire_status_str(st));
        return 1;
    }
    if (env->body_case == CARERHUB__ENVELOPE__BODY_ERROR) {
        printf("reply error %s: %s\n", env->error->code ? env->error->code : "",
               env->error->message ? env->error->message : "");
    } else if (env->body_case == CARERHUB__ENVELOPE__BODY_SUBMIT_REPLY) {
        const Carerhub__SubmitReply *r = env->submit_reply;
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
            &carerhub__submit_reply__status__descriptor, (int)r->status);
        printf("reply submit_reply %s%s%s\n", v ? v->name : "?", r->referral_id ? " " : "",
               r->referral_id ? r->referral_id : "");
        for (size_t i = 0; i < r->n_errors; i++)
            printf("problem %s %s\n", r->errors[i]->field ? r->errors[i]->field : "",
                   r->errors[i]->code ? r->errors[i]->code : "");
    } else if (env->body_case == CARERHUB__ENVELOPE__BODY_FORWARD_ACK) {
        const Carerhub__ForwardAck *a = env->forward_ack;
        printf("reply forward_ack");
        for (size_t i = 0; i < a->n_referral_ids; i++)
            printf(" %s", a->referral_ids[i]);
        for (size_t i = 0; i < a->n_audit_seqs; i++)
            printf(" audit:%llu", (unsigned long long)a->audit_seqs[i]);
        printf("\n");
    } else {
        printf("reply %s\n", s_body(env));
    }
    if (s_dump) {
        buf_t b = BUF_INIT;
        pbjson_message(&b, &env->base);
        printf("json %.*s\n", (int)b.len, b.data);
        buf_free(&b);
    }
    carerhub__envelope__free_unpacked(env, NULL);
    return 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server-pub", required_argument, NULL, 's'},
        {"key", required_argument, NULL, 'k'},
        {"wait", required_argument, NULL, 'w'},
        {"cut", required_argument, NULL, 'c'},
        {"token", required_argument, NULL, 't'},
        {"repeat", required_argument, NULL, 'r'},
        {"connections", required_argument, NULL, 'n'},
        {"random-keys", no_argument, NULL, 'x'},
        {"dump", no_argument, NULL, 'd'},
        {"on-behalf", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    const char *server_pub = NULL, *key = NULL;
    long wait_ms = 1500, repeat = 1, nconn = 1;
    bool random_keys = false;
    void *ctx, **socks;
    int c, received = 0;
    char err[512], pub[CURVE_Z85];
    keypair_t kp;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            server_pub = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'w':
            wait_ms = strtol(optarg, NULL, 10);
            break;
        case 'c':
            s_cut = strtol(optarg, NULL, 10);
            break;
        case 't':
            s_token = optarg;
            break;
        case 'r':
            repeat = strtol(optarg, NULL, 10);
            break;
        case 'n':
            nconn = strtol(optarg, NULL, 10);
            break;
        case 'x':
            random_keys = true;
            break;
        case 'd':
            s_dump = true;
            break;
        case 'o': /* USER:ROLE[:ORG], split in place */
            s_has_ob = true;
            s_ob.user = optarg;
            s_ob.role = strchr(optarg, ':');
            if (!s_ob.role)
                s_usage();
            *s_ob.role++ = '\0';
            s_ob.organisation = strchr(s_ob.role, ':');
            if (s_ob.organisation)
                *s_ob.organisation++ = '\0';
            break;
        default:
            s_usage();
        }
    }
    if (argc - optind < 2 || nconn < 1 || nconn > 10000 || (random_keys && key) ||
        (!server_pub != !(key || random_keys)))
        s_usage();
    if (server_pub && curve_load_public(server_pub, pub, err, sizeof err) < 0) {
        fprintf(stderr, "carerhub-testpeer: %s\n", err);
        return EX_USAGE;
    }
    if (key && curve_load_secret(key, &kp, err, sizeof err) < 0) {
        fprintf(stderr, "carerhub-testpeer: %s\n", err);
        return EX_USAGE;
    }
    ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, (int)nconn + 16);
    socks = calloc((size_t)nconn, sizeof *socks);
    if (!socks)
        return EX_OSERR;
    for (long i = 0; i < nconn; i++) {
        /* A stranger each time: a key pair no participants file lists. */
        if (random_keys && zmq_curve_keypair(kp.pub, kp.sec) < 0)
            return EX_OSERR;
        socks[i] = s_open(ctx, argv[optind], server_pub ? &kp : NULL, pub);
    }
    /* Queued until the handshake completes, and dropped if it never does. */
    for (long i = 0; i < nconn; i++) {
        long sent = 0;
        while (sent < repeat && s_send(socks[i], argc - optind - 1, argv + optind + 1) == 0) {
            sent++;
            s_sent++;
        }
        if (sent < repeat)
            printf("send failed: %s\n", zmq_strerror(zmq_errno()));
    }
    printf("sent %ld\n", s_sent);
    for (;;) {
        zmq_pollitem_t *items = calloc((size_t)nconn, sizeof *items);
        int ready;
        for (long i = 0; items && i < nconn; i++)
            items[i] = (zmq_pollitem_t){socks[i], 0, ZMQ_POLLIN, 0};
        ready = items ? zmq_poll(items, (int)nconn, wait_ms) : -1;
        for (long i = 0; ready > 0 && i < nconn; i++)
            if (items[i].revents & ZMQ_POLLIN)
                received += s_print_reply(socks[i]);
        free(items);
        if (ready <= 0)
            break;
    }
    printf("received %d\n", received);
    for (long i = 0; i < nconn; i++)
        zmq_close(socks[i]);
    free(socks);
    zmq_ctx_term(ctx);
    return 0;
}
