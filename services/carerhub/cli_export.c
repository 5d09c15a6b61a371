/*
 * carerhub export CASE-ID|REFERRAL-ID [-o FILE]: everything the hub holds
 * about one carer, for a subject access request (an operator's key), as
 * one JSON document: what it is and when it was made, then the router's
 * records of the carer (router_export.c says which), each rendered by its
 * type in proto/store.proto through pbjson, with its key in words (a
 * timeline entry as its case id and number). Records of a table this
 * version does not know are kept, as hex, rather than dropped.
 *
 * With -o the document goes into a new file, 0600 from the moment it
 * exists (it is the carer's data), never over an existing one; else to
 * standard output. The router audits the export.
 */
#include "cli.h"

#include "domain/referral.h"
#include "store.pb-c.h"
#include "util/be64.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/mem.h"
#include "wire/pbjson.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <zmq.h>

#define S_TIMEOUT_MS 30000 /* the router walks its audit trail for it */

static const char s_usage[] = "usage: carerhub export CASE-ID|REFERRAL-ID [-o FILE]";

/* How a table's keys read (router.h ROUTER_DBS). */
typedef enum {
    K_TEXT,     /* the key is an id, named by the table's key_name */
    K_TIMELINE, /* case id, US, entry (4 bytes big-endian) */
    K_OUTBOX,   /* provider, NUL, sequence (8 bytes) */
    K_SEQ,      /* sequence (8 bytes) */
    K_OUTCOME,  /* provider, newline, outcome id */
    K_NHS,      /* NHS number, US, date of birth */
    K_PERSON,   /* folded family and given names, date of birth, p:postcode or t:phone */
} s_key_t;

/* How a table's values read. */
typedef enum {
    V_MESSAGE, /* a record of type */
    V_TIME,    /* unix ms, 8 bytes big-endian */
    V_IDS,     /* case ids, US between */
    V_CASE,    /* a case id, or "*": the key is several carers' */
} s_val_t;

typedef struct {
    const char *table, *section;
    s_key_t key;
    const char *key_name;
    s_val_t val;
    const ProtobufCMessageDescriptor *type;
} s_table_t;

static const s_table_t s_tables[] = {
    {"cases", "cases", K_TEXT, "case_id", V_MESSAGE, &carerhub__case_record__descriptor},
    {"referrals", "referrals", K_TEXT, "referral_id", V_MESSAGE,
     &carerhub__referral_record__descriptor},
    {"timeline", "timeline", K_TIMELINE, NULL, V_MESSAGE, &carerhub__timeline_record__descriptor},
    {"outbox", "queued", K_OUTBOX, NULL, V_MESSAGE, &carerhub__outbox_entry__descriptor},
    {"delivered", "delivered", K_TEXT, "referral_id", V_TIME, NULL},
    {"outcome_ids", "outcomes", K_OUTCOME, NULL, V_MESSAGE, &carerhub__outcome_seen__descriptor},
    {"parked", "parked", K_TEXT, "referral_id", V_MESSAGE, &carerhub__parked_entry__descriptor},
    {"rejected", "rejected", K_TEXT, "referral_id", V_MESSAGE, &carerhub__parked_entry__descriptor},
    {"conflicts", "conflicts", K_TEXT, "case_id", V_IDS, NULL},
    {"by_nhs_dob", "index", K_NHS, NULL, V_CASE, NULL},
    {"by_person", "index", K_PERSON, NULL, V_CASE, NULL},
    {"audit", "audit", K_SEQ, NULL, V_MESSAGE, &carerhub__audit_record__descriptor},
};

static const s_table_t *s_table(const char *name)
{
    for (size_t i = 0; i < sizeof s_tables / sizeof *s_tables; i++)
        if (name && strcmp(s_tables[i].table, name) == 0)
            return &s_tables[i];
    return NULL;
}

static void s_hex(buf_t *b, const ProtobufCBinaryData *d)
{
    buf_addc(b, '"');
    for (size_t i = 0; i < d->len; i++)
        buf_printf(b, "%02x", d->data[i]);
    buf_addc(b, '"');
}

/* The n bytes at p as a JSON string. */
static void s_str(buf_t *b, const void *p, size_t n)
{
    char *s = xstrndup(p, n);
    buf_json_str(b, s);
    free(s);
}

/* "name":"the n bytes at p", with a comma after. */
static void s_field(buf_t *b, const char *name, const void *p, size_t n)
{
    buf_printf(b, "\"%s\":", name);
    s_str(b, p, n);
    buf_addc(b, ',');
}

/* The n bytes at p cut at each sep into the strings named by names (the
 * last takes the rest), each as a field. */
static void s_split(buf_t *b, const uint8_t *p, size_t n, char sep, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        const uint8_t *end = names[i + 1] ? memchr(p, sep, n) : NULL;
        size_t len = end ? (size_t)(end - p) : n;
        s_field(b, names[i], p, len);
        if (!end)
            return;
        n -= len + 1;
        p = end + 1;
    }
}

/* The key's fields, each followed by a comma. */
static void s_key(buf_t *b, const s_table_t *t, const ProtobufCBinaryData *k)
{
    static const char *const outcome[] = {"provider", "outcome_id", NULL};
    static const char *const nhs[] = {"nhs_number", "date_of_birth", NULL};
    static const char *const person[] = {"family_name", "given_name", "date_of_birth",
                                         "postcode_or_phone", NULL};
    const uint8_t *p = k->data;
    size_t n = k->len;
    if (t->key == K_TEXT) {
        s_field(b, t->key_name, p, n);
    } else if ((t->key == K_TIMELINE && n > 4) || (t->key == K_OUTBOX && n > 8)) {
        size_t tail = t->key == K_TIMELINE ? 4 : 8;
        s_field(b, t->key == K_TIMELINE ? "case_id" : "provider", p, n - tail - 1);
        if (t->key == K_TIMELINE)
            buf_printf(b, "\"entry\":%u,",
                       (unsigned)p[n - 4] << 24 | (unsigned)p[n - 3] << 16 |
                           (unsigned)p[n - 2] << 8 | p[n - 1]);
        else
            buf_printf(b, "\"seq\":%llu,", (unsigned long long)be64_get(p + n - 8));
    } else if (t->key == K_SEQ && n == 8) {
        buf_printf(b, "\"seq\":%llu,", (unsigned long long)be64_get(p));
    } else if (t->key == K_OUTCOME || t->key == K_NHS || t->key == K_PERSON) {
        s_split(b, p, n, t->key == K_OUTCOME ? '\n' : 0x1f,
                t->key == K_OUTCOME ? outcome
                : t->key == K_NHS   ? nhs
                                    : person);
    } else {
        buf_adds(b, "\"key_hex\":");
        s_hex(b, k);
        buf_addc(b, ',');
    }
}

/* The value, as the last field. */
static void s_value(buf_t *b, const s_table_t *t, const ProtobufCBinaryData *v)
{
    ProtobufCMessage *m;
    if (t->val == V_TIME && v->len == 8) {
        buf_printf(b, "\"%s_at\":", t->table);
        pbjson_time(b, (int64_t)be64_get(v->data));
    } else if (t->val == V_IDS) {
        bool first = true;
        buf_adds(b, "\"flagged_with\":[");
        for (size_t i = 0, from = 0; i <= v->len; i++)
            if (i == v->len || v->data[i] == 0x1f) {
                if (i > from) {
                    buf_adds(b, first ? "" : ",");
                    s_str(b, v->data + from, i - from);
                    first = false;
                }
                from = i + 1;
            }
        buf_addc(b, ']');
    } else if (t->val == V_CASE) {
        buf_adds(b, "\"case_id\":");
        s_str(b, v->data, v->len);
    } else if (t->val == V_MESSAGE &&
               (m = protobuf_c_message_unpack(t->type, NULL, v->len, v->data)) != NULL) {
        buf_adds(b, "\"record\":");
        pbjson_message(b, m);
        protobuf_c_message_free_unpacked(m, NULL);
    } else {
        buf_adds(b, "\"value_hex\":");
        s_hex(b, v);
    }
}

/* Each record of the sections' tables, in the order the router gave. */
static void s_section(buf_t *b, const Carerhub__ExportReply *rep, const char *section)
{
    bool first = true;
    buf_printf(b, "\"%s\":[", section);
    for (size_t i = 0; i < rep->n_records; i++) {
        const Carerhub__ExportRecord *x = rep->records[i];
        const s_table_t *t = s_table(x->table);
        if (!t || strcmp(t->section, section) != 0)
            continue;
        buf_adds(b, first ? "\n  {" : ",\n  {");
        if (strcmp(section, "index") == 0)
            buf_printf(b, "\"table\":\"%s\",", t->table);
        s_key(b, t, &x->key);
        s_value(b, t, &x->value);
        buf_addc(b, '}');
        first = false;
    }
    buf_adds(b, "]");
}

/* Records of tables this version does not know: kept, as hex. */
static void s_other(buf_t *b, const Carerhub__ExportReply *rep)
{
    bool first = true;
    buf_adds(b, "\"other\":[");
    for (size_t i = 0; i < rep->n_records; i++) {
        const Carerhub__ExportRecord *x = rep->records[i];
        if (s_table(x->table))
            continue;
        buf_adds(b, first ? "\n  {\"table\":" : ",\n  {\"table\":");
        buf_json_str(b, x->table ? x->table : "");
        buf_adds(b, ",\"key_hex\":");
        s_hex(b, &x->key);
        buf_adds(b, ",\"value_hex\":");
        s_hex(b, &x->value);
        buf_addc(b, '}');
        first = false;
    }
    buf_adds(b, "]");
}

/* The whole document. */
static void s_document(buf_t *b, const char *asked, const Carerhub__ExportReply *rep)
{
    static const char *const sections[] = {"cases",  "referrals", "timeline",  "outcomes",
                                           "parked", "rejected",  "conflicts", "index",
                                           "audit",  NULL};
    buf_adds(b, "{\"what\":\"subject access export: every record the carerhub hub's router "
                "holds about one carer, as stored\",\n\"carerhub_version\":");
    buf_json_str(b, CARERHUB_VERSION);
    buf_adds(b, ",\n\"exported_at\":");
    pbjson_time(b, clock_now_ms());
    buf_adds(b, ",\n\"asked_for\":");
    buf_json_str(b, asked);
    buf_adds(b, ",\n\"case_id\":");
    buf_json_str(b, rep->case_id);
    buf_printf(b, ",\n\"records\":%zu", rep->n_records);
    buf_adds(b, ",\n\"not_included\":\"what the organisations that received the case keep in "
                "their own systems; a referral not yet taken by the router, for the moments it "
                "waits at its intake; the counts of the hub's reports, which name no one\"");
    for (size_t i = 0; sections[i]; i++) {
        buf_adds(b, ",\n");
        s_section(b, rep, sections[i]);
        if (strcmp(sections[i], "timeline") == 0) {
            /* The case's deliveries: waiting for the organisation, and
             * when each referral reached it. */
            buf_adds(b, ",\n\"deliveries\":{");
            s_section(b, rep, "queued");
            buf_adds(b, ",\n");
            s_section(b, rep, "delivered");
            buf_addc(b, '}');
        }
    }
    buf_adds(b, ",\n");
    s_other(b, rep);
    buf_adds(b, "}\n");
}

/* The router holds nothing of referral id: whether its intake does (it
 * waits there until the router takes it), said to the operator. Returns
 * the exit status. */
static int s_not_taken(cli_t *cli, const char *id, const Carerhub__Envelope *rep)
{
    const hubconf_intake_t *ic;
    Carerhub__Envelope *at;
    Carerhub__Source src;
    const char *intake;
    clnt_keys_t keys;
    void *ctx;
    if (referral_source_of_id(id, &src) != 0 ||
        !(ic = hubconf_intake(cli_conf(cli), intake = referral_intake_name(src)))) {
        cli_error("export", "%s", rep->error->message ? rep->error->message : "not found");
        return EX_NOINPUT;
    }
    ctx = zmq_ctx_new();
    cli_keys(cli, "operator", intake, &keys);
    at = clnt_status(ctx, ic->endpoint, &keys, id, 5000);
    memset(&keys, 0, sizeof keys);
    zmq_ctx_term(ctx);
    if (!at) {
        cli_error("export",
                  "the router holds nothing of %s, and the %s at %s, where it would wait until "
                  "the router takes it, did not answer: the hub cannot tell now whether it exists",
                  id, intake, ic->endpoint);
        return EX_UNAVAILABLE;
    }
    if (at->body_case == CARERHUB__ENVELOPE__BODY_STATUS_REPLY &&
        at->status_reply->state == CARERHUB__STATUS_REPLY__STATE__SPOOLED) {
        cli_error("export",
                  "%s is still waiting at the %s for the router to take it: the router holds "
                  "nothing of it yet, so there is nothing to export; ask again in a minute "
                  "(carerhub status %s says when the router has it)",
                  id, intake, id);
        carerhub__envelope__free_unpacked(at, NULL);
        return EX_UNAVAILABLE;
    }
    cli_error("export",
              "no referral %s is known to the hub: neither the router nor the %s holds it", id,
              intake);
    carerhub__envelope__free_unpacked(at, NULL);
    return EX_NOINPUT;
}

/* The new file the document goes into: 0600, and never one that exists
 * (nor through a symlink). Returns its descriptor, or -1 having said why. */
static int s_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        cli_error("export",
                  "%s exists: an export is never written over a file; give a new file's name",
                  path);
    else if (fd < 0)
        cli_error("export", "cannot create %s: %s", path, strerror(errno));
    return fd;
}

/* Writes the document to fd (the file of -o, closed here) or standard
 * output (fd -1). Returns the exit status. */
static int s_write(int fd, const char *path, const buf_t *doc)
{
    if (fd < 0) {
        if (fwrite(doc->data, 1, doc->len, stdout) != doc->len || fflush(stdout) != 0) {
            cli_error("export", "cannot write to standard output: %s", strerror(errno));
            return EX_IOERR;
        }
        return 0;
    }
    if (file_write_full(fd, doc->data, doc->len) != 0 || fsync(fd) != 0 || close(fd) != 0) {
        cli_error("export", "cannot write %s: %s", path, strerror(errno));
        unlink(path);
        return EX_IOERR;
    }
    return 0;
}

int cli_export(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{NULL, 0, NULL, 0}}; /* -o alone, as man carerhub says */
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__ExportQuery q = CARERHUB__EXPORT_QUERY__INIT;
    const char *path = NULL;
    buf_t doc = BUF_INIT;
    int c, fd = -1, rc = 0;

    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (c != 'o')
            return cli_bad_option("export", argv, opts);
        path = optarg;
    }
    if (argc - optind != 1) {
        cli_error("export", "%s", s_usage);
        return EX_USAGE;
    }
    q.id = argv[optind];
    if (!case_id_ok(q.id) && !referral_id_ok(q.id)) {
        cli_error("export", "%s is not a case id (C-000123) or a referral id (GP-7KQ2XM-14)", q.id);
        return EX_DATAERR;
    }
    /* Before asking: no export is made (and audited) that cannot be kept. */
    if (path && (fd = s_create(path)) < 0)
        return EX_CANTCREAT;
    env.body_case = CARERHUB__ENVELOPE__BODY_EXPORT_QUERY;
    env.export_query = &q;
    rep = cli_router_call(cli, "export", "operator", &env, S_TIMEOUT_MS, &rc);
    if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_EXPORT_REPLY) {
        s_document(&doc, q.id, rep->export_reply);
        rc = s_write(fd, path, &doc);
        fd = -1;
        if (rc == 0 && path)
            cli_print(stderr, "%zu record(s) about the carer of %s written to %s (mode 0600)",
                      rep->export_reply->n_records, q.id, path);
    } else if (rep && rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
               strcmp(rep->error->code, "not_found") == 0) {
        rc = case_id_ok(q.id) ? (cli_error("export", "%s", rep->error->message), EX_NOINPUT)
                              : s_not_taken(cli, q.id, rep);
    } else if (rep) {
        rc = cli_refused("export", rep);
    }
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    buf_free(&doc);
    if (rep)
        carerhub__envelope__free_unpacked(rep, NULL);
    return rc;
}
