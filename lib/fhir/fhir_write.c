/*
 * The hub's answers as FHIR resources: a referral as its referrer reads
 * it back (a ServiceRequest whose contained Task says where it stands),
 * and the CapabilityStatement. Written with buf_json_str so that the JSON
 * is valid whatever bytes a name from the hub's data holds. The carer's
 * personal data is never in them: the referrer has it already.
 */
#include "fhir/fhir_impl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* unix milliseconds as a FHIR instant, in UTC. */
static void s_instant(buf_t *b, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char s[32];
    if (!gmtime_r(&t, &tm) || strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(s, sizeof s, "1970-01-01T00:00:00Z");
    buf_json_str(b, s);
}

static void s_key(buf_t *b, bool *first, const char *key)
{
    if (!*first)
        buf_addc(b, ',');
    *first = false;
    buf_json_str(b, key);
    buf_addc(b, ':');
}

static void s_kv(buf_t *b, bool *first, const char *key, const char *value)
{
    s_key(b, first, key);
    buf_json_str(b, value);
}

static bool s_is(const char *s, const char *word)
{
    return s && strcmp(s, word) == 0;
}

/* The ServiceRequest's status: the request stands until the case ends. */
static const char *s_request_status(const Carerhub__StatusReply *st)
{
    const char *p = st->progress;
    if (st->state == CARERHUB__STATUS_REPLY__STATE__REJECTED || s_is(p, "cancelled"))
        return "revoked";
    if (s_is(p, "closed") || s_is(p, "declined") || s_is(p, "unable_to_contact"))
        return "completed";
    if (st->state == CARERHUB__STATUS_REPLY__STATE__UNKNOWN && !p)
        return "unknown";
    return "active";
}

/* The Task's status: where the support service has got to. */
static const char *s_task_status(const Carerhub__StatusReply *st)
{
    static const char *const map[][2] = {
        {"received", "received"},        {"delivered", "accepted"},  {"contacted", "in-progress"},
        {"supported", "in-progress"},    {"closed", "completed"},    {"declined", "rejected"},
        {"unable_to_contact", "failed"}, {"cancelled", "cancelled"}, {NULL, NULL}};
    if (st->state == CARERHUB__STATUS_REPLY__STATE__REJECTED)
        return "rejected";
    if (st->state == CARERHUB__STATUS_REPLY__STATE__PARKED)
        return "on-hold";
    for (size_t i = 0; st->progress && map[i][0]; i++)
        if (strcmp(st->progress, map[i][0]) == 0)
            return map[i][1];
    return "requested";
}

static void s_note(buf_t *b, bool *first, int64_t at, const char *text)
{
    if (!*first)
        buf_addc(b, ',');
    *first = false;
    buf_adds(b, "{");
    if (at > 0) {
        buf_adds(b, "\"time\":");
        s_instant(b, at);
        buf_addc(b, ',');
    }
    buf_adds(b, "\"text\":");
    buf_json_str(b, text);
    buf_adds(b, "}");
}

/* The case's timeline as notes, oldest first: what happened, where.
 * None: no note element (FHIR JSON has no empty arrays). */
static void s_notes(buf_t *b, const Carerhub__StatusReply *st)
{
    bool first = true;
    buf_t t = BUF_INIT;
    size_t start = b->len;
    buf_adds(b, ",\"note\":[");
    for (size_t i = 0; i < st->n_timeline; i++) {
        const Carerhub__TimelineEvent *e = st->timeline[i];
        buf_reset(&t);
        buf_adds(&t, e->event ? e->event : "event");
        if (e->provider_name || e->provider)
            buf_printf(&t, " at %s", e->provider_name ? e->provider_name : e->provider);
        if (e->reason)
            buf_printf(&t, " (%s)", e->reason);
        if (e->to_name || e->to)
            buf_printf(&t, ", to %s", e->to_name ? e->to_name : e->to);
        s_note(b, &first, e->at, t.data);
    }
    if (st->has_code_on_gp_record && st->code_on_gp_record)
        s_note(b, &first, 0,
               "the carer agreed to be recorded as a carer on the GP record: please code it");
    if (st->contact_by) {
        buf_reset(&t);
        buf_printf(&t, "the support service is to contact the carer by %s", st->contact_by);
        s_note(b, &first, 0, t.data);
    }
    if (st->state == CARERHUB__STATUS_REPLY__STATE__REJECTED && st->detail)
        s_note(b, &first, st->routed_at, st->detail);
    if (first)
        b->data[b->len = start] = '\0';
    else
        buf_adds(b, "]");
    buf_free(&t);
}

static void s_task(buf_t *b, const Carerhub__StatusReply *st)
{
    bool first = true;
    buf_adds(b, "{");
    s_kv(b, &first, "resourceType", "Task");
    s_kv(b, &first, "id", "progress");
    s_kv(b, &first, "status", s_task_status(st));
    if (st->progress) {
        s_key(b, &first, "businessStatus");
        buf_adds(b, "{\"coding\":[{\"system\":\"" FHIR_HUB "/CodeSystem/progress\",\"code\":");
        buf_json_str(b, st->progress);
        buf_adds(b, "}],\"text\":");
        buf_json_str(b, st->progress);
        buf_adds(b, "}");
    }
    s_kv(b, &first, "intent", "order");
    /* "#" is the resource that contains this one: the ServiceRequest. */
    s_key(b, &first, "focus");
    buf_adds(b, "{\"reference\":\"#\"}");
    if (st->accepted_at) {
        s_key(b, &first, "authoredOn");
        s_instant(b, st->accepted_at);
    }
    if (st->progress_at) {
        s_key(b, &first, "lastModified");
        s_instant(b, st->progress_at);
    }
    if (st->provider || st->provider_name) {
        s_key(b, &first, "owner");
        buf_adds(b, "{");
        if (st->provider) {
            buf_adds(b, "\"identifier\":{\"system\":\"" FHIR_HUB "/Id/organisation\",\"value\":");
            buf_json_str(b, st->provider);
            buf_adds(b, "}");
        }
        if (st->provider_name) {
            if (st->provider)
                buf_addc(b, ',');
            buf_adds(b, "\"display\":");
            buf_json_str(b, st->provider_name);
        }
        buf_adds(b, "}");
    }
    s_notes(b, st);
    buf_adds(b, "}");
}

void fhir_service_request_status(buf_t *b, const Carerhub__StatusReply *st)
{
    bool first = true;
    buf_adds(b, "{");
    s_kv(b, &first, "resourceType", "ServiceRequest");
    if (st->referral_id)
        s_kv(b, &first, "id", st->referral_id);
    s_key(b, &first, "contained");
    buf_adds(b, "[");
    s_task(b, st);
    buf_adds(b, "]");
    if (st->referral_id) {
        s_key(b, &first, "identifier");
        buf_adds(b, "[{\"system\":\"" FHIR_HUB "/Id/referral\",\"value\":");
        buf_json_str(b, st->referral_id);
        buf_adds(b, "}]");
    }
    s_kv(b, &first, "status", s_request_status(st));
    s_kv(b, &first, "intent", "order");
    s_key(b, &first, "code");
    buf_adds(b, "{\"coding\":[{\"system\":\"" FHIR_CS_SERVICE "\",\"code\":\"" FHIR_CARER_SUPPORT
                "\",\"display\":\"Support for an unpaid carer\"}]}");
    /* subject is required; the carer's name is not sent back. */
    s_key(b, &first, "subject");
    buf_adds(b, "{\"display\":\"the carer referred\"}");
    if (st->accepted_at) {
        s_key(b, &first, "authoredOn");
        s_instant(b, st->accepted_at);
    }
    buf_adds(b, "}");
}

void fhir_capability_statement(buf_t *b, const char *base, const char *software_version)
{
    time_t now = time(NULL);
    buf_adds(b, "{\"resourceType\":\"CapabilityStatement\",\"status\":\"active\",\"date\":");
    s_instant(b, (int64_t)now * 1000);
    buf_adds(b, ",\"publisher\":\"carerhub\",\"kind\":\"instance\",\"software\":{\"name\":"
                "\"carerhub\",\"version\":");
    buf_json_str(b, software_version ? software_version : "");
    buf_adds(b, "},\"implementation\":{\"description\":\"carerhub: referrals for support for "
                "unpaid carers\",\"url\":");
    buf_json_str(b, base ? base : "");
    buf_adds(b, "},\"fhirVersion\":\"4.0.1\",\"format\":[\"application/fhir+json\",\"json\"],"
                "\"rest\":[{\"mode\":\"server\",\"documentation\":\"A referral is a "
                "ServiceRequest with the carer as a contained or bundled Patient; see the "
                "README's FHIR interface.\",\"security\":{\"cors\":false,\"description\":"
                "\"Each referring organisation's system has an API client: send its bearer "
                "token (Authorization: Bearer) over TLS. A client submits and reads only its own "
                "organisation's referrals.\"},\"resource\":[{\"type\":\"ServiceRequest\","
                "\"interaction\":[{\"code\":\"create\"},{\"code\":\"read\"}],\"versioning\":"
                "\"no-version\",\"readHistory\":false,\"updateCreate\":false,"
                "\"conditionalCreate\":false,\"conditionalUpdate\":false,\"conditionalDelete\":"
                "\"not-supported\"}]}]}");
}
