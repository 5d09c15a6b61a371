/*
 * Unit tests of outcomes in the router's own code on a real case store:
 * recorded once per outcome id, only by the organisation that has the
 * case, only as a step the case may take; counted (carers supported once
 * per case), on the timeline, audited without words; passing a case on
 * and assigning it; the contact-by target and the urgent flag a contact
 * ends.
 */
#include "test.h"

#include "domain/referral.h"
#include "router_hub.h"
#include "util/be64.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Takes the first GP card with this id; returns its case id (in out). */
static const char *s_take(hub_t *h, const char *id, char out[32])
{
    Carerhub__Referral *r = hub_card(id, "gp");
    Carerhub__ReferralRecord *rec;
    out[0] = '\0';
    if (!r)
        return NULL;
    if (hub_take(h, CARERHUB__SOURCE__GP, "gp-intake", r) == 0 && (rec = hub_get(h, id))) {
        snprintf(out, 32, "%s", rec->case_id);
        carerhub__referral_record__free_unpacked(rec, NULL);
    }
    carerhub__referral__free_unpacked(r, NULL);
    return out[0] ? out : NULL;
}

static void s_add(char ***v, size_t *n, const char *s)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = xstrdup(s);
}

/* Reports one outcome from provider; the result is res (the caller frees
 * it). support: kinds separated by spaces, or NULL. */
static int s_report(hub_t *h, const char *provider, const char *oid, const char *case_id,
                    const char *status, const char *support, const char *reason, const char *to,
                    Carerhub__OutcomeResult *res)
{
    Carerhub__Outcome *o = hub_outcome_new(oid, case_id, status);
    int rc;
    if (support) {
        char *copy = xstrdup(support), *save = NULL;
        for (char *k = strtok_r(copy, " ", &save); k; k = strtok_r(NULL, " ", &save))
            s_add(&o->support, &o->n_support, k);
        free(copy);
    }
    o->reason = reason ? xstrdup(reason) : NULL;
    o->to = to ? xstrdup(to) : NULL;
    o->note = xstrdup("Spoke to Jane about her mother's dementia");
    rc = hub_report(h, provider, o, res);
    carerhub__outcome__free_unpacked(o, NULL);
    return rc;
}

/* The same, for a test that needs only the result code. */
static int s_result(hub_t *h, const char *provider, const char *oid, const char *case_id,
                    const char *status, const char *support, const char *reason, const char *to)
{
    Carerhub__OutcomeResult res;
    int rc = s_report(h, provider, oid, case_id, status, support, reason, to, &res);
    router_outcome_results_free(&res, 1);
    return rc;
}

#define RECORDED CARERHUB__OUTCOME_RESULT__RESULT__RECORDED
#define ALREADY  CARERHUB__OUTCOME_RESULT__RESULT__ALREADY_RECORDED
#define REFUSED  CARERHUB__OUTCOME_RESULT__RESULT__REFUSED

/* Whether any audit record names `word` in any of its texts; with event,
 * *detail is the detail of the last record of that event. */
static bool s_audit(hub_t *h, const char *event, const char *word, char *detail, size_t detailsz)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    bool found = false;
    detail[0] = '\0';
    if (store_read(h->r.store, &txn) != 0)
        return false;
    mdb_cursor_open(txn, store_dbi(h->r.store, DB_AUDIT), &cur);
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Carerhub__AuditRecord *a = carerhub__audit_record__unpack(NULL, v.mv_size, v.mv_data);
        const char *texts[3];
        if (!a)
            continue;
        texts[0] = a->detail;
        texts[1] = a->actor;
        texts[2] = a->case_id;
        for (int i = 0; i < 3; i++)
            found = found || (texts[i] && strstr(texts[i], word));
        if (a->event && strcmp(a->event, event) == 0)
            snprintf(detail, detailsz, "%s", a->detail ? a->detail : "");
        carerhub__audit_record__free_unpacked(a, NULL);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return found;
}

TEST(router_outcome_is_recorded_counted_once_and_audited_without_words)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__OutcomeResult res;
    Carerhub__CaseRecord *c;
    Carerhub__TimelineEvent **tl;
    char id[32], detail[200];
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST30-1", id));
    CHECK_INT(s_result(&h, "carers-first", "cf-1", id, "accepted", NULL, NULL, NULL), RECORDED);
    CHECK_INT(s_result(&h, "carers-first", "cf-2", id, "contacted", NULL, NULL, NULL), RECORDED);
    CHECK_INT(s_result(&h, "carers-first", "cf-3", id, "supported", "break carers_assessment", NULL,
                       NULL),
              RECORDED);
    CHECK_INT(s_report(&h, "carers-first", "cf-4", id, "supported", "peer_support break", NULL,
                       NULL, &res),
              RECORDED);
    CHECK_STR(res.state, "supported");
    CHECK_STR(res.provider, "carers-first");
    CHECK_STR(res.provider_name, "Carers First");
    CHECK_STR(res.outcome_id, "cf-4");
    router_outcome_results_free(&res, 1);

    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->state, "supported");
    CHECK(c->has_contacted_at && c->has_supported_at);
    CHECK_INT(c->n_support, 3); /* each kind once */
    CHECK_STR(c->support[0], "break");
    CHECK_STR(c->support[1], "carers_assessment");
    CHECK_STR(c->support[2], "peer_support");
    carerhub__case_record__free_unpacked(c, NULL);
    /* Carers supported counts the carer once, however often supported. */
    CHECK_INT(hub_stat(&h, "supported"), 1);
    CHECK_INT(hub_stat(&h, "supported/carers-first"), 1);
    CHECK_INT(hub_stat(&h, "contacted"), 1);
    CHECK_INT(hub_stat(&h, "contacted/carers-first"), 1);
    CHECK_INT(hub_stat(&h, "outcomes/supported"), 2);
    CHECK_INT(hub_stat(&h, "outcomes/supported/carers-first"), 2);
    CHECK_INT(hub_stat(&h, "support/break"), 1);
    CHECK_INT(hub_stat(&h, "support/peer_support"), 1);

    n = hub_timeline(&h, id, false, &tl);
    CHECK_INT(n, 4);
    CHECK_STR(tl[0]->event, "accepted");
    CHECK_STR(tl[3]->event, "supported");
    CHECK_STR(tl[3]->provider, "carers-first");
    CHECK_INT(tl[3]->n_support, 2);
    CHECK_CONTAINS(tl[3]->note, "dementia");
    router_timeline_free(tl, n);
    /* A referrer sees that it happened, not the notes or the support. */
    n = hub_timeline(&h, id, true, &tl);
    CHECK_INT(n, 4);
    CHECK(tl[3]->note == NULL && tl[3]->n_support == 0);
    router_timeline_free(tl, n);

    CHECK(!s_audit(&h, "outcome", "dementia", detail, sizeof detail));
    CHECK_STR(detail, "status supported");
    CHECK_INT(s_result(&h, "carers-first", "cf-5", id, "closed", NULL, "support_complete", NULL),
              RECORDED);
    s_audit(&h, "outcome", "dementia", detail, sizeof detail);
    CHECK_STR(detail, "closed: support_complete");
    CHECK_INT(hub_stat(&h, "closed/support_complete"), 1);
    hub_close(&h);
}

TEST(router_outcome_id_again_is_already_recorded_and_changes_nothing)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__OutcomeResult res;
    Carerhub__TimelineEvent **tl;
    char id[32];
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST31-1", id));
    CHECK_INT(s_result(&h, "carers-first", "cf-1", id, "supported", "break", NULL, NULL), RECORDED);
    CHECK_INT(s_report(&h, "carers-first", "cf-1", id, "supported", "break", NULL, NULL, &res),
              ALREADY);
    CHECK_STR(res.state, "supported");
    CHECK_STR(res.provider, "carers-first");
    router_outcome_results_free(&res, 1);
    /* Another outcome under the same id is refused, and changes nothing. */
    CHECK_INT(s_report(&h, "carers-first", "cf-1", id, "contacted", NULL, NULL, NULL, &res),
              REFUSED);
    CHECK_STR(res.field, "outcome_id");
    CHECK_STR(res.code, "id_reused");
    router_outcome_results_free(&res, 1);
    CHECK_INT(hub_stat(&h, "supported"), 1);
    CHECK_INT(hub_stat(&h, "outcomes/supported"), 1);
    CHECK_INT(hub_stat(&h, "outcomes/contacted"), 0);
    CHECK_INT(hub_stat(&h, "support/break"), 1);
    n = hub_timeline(&h, id, false, &tl);
    CHECK_INT(n, 1);
    router_timeline_free(tl, n);
    CHECK(hub_has(&h, DB_OUTCOME_IDS, "carers-first\ncf-1"));
    hub_close(&h);
}

TEST(router_outcome_for_another_organisations_case_reveals_nothing)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__OutcomeResult theirs, unknown;
    char id[32], expect[100];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST32-1", id));
    CHECK_INT(s_report(&h, "ecs", "e-1", id, "contacted", NULL, NULL, NULL, &theirs), REFUSED);
    CHECK_INT(s_report(&h, "ecs", "e-2", "C-009999", "contacted", NULL, NULL, NULL, &unknown),
              REFUSED);
    CHECK_STR(theirs.field, "case_id");
    CHECK_STR(theirs.code, "not_yours");
    snprintf(expect, sizeof expect, "no case %s is with Essex Carers Support", id);
    CHECK_STR(theirs.message, expect);
    CHECK_STR(unknown.code, "not_yours");
    CHECK_STR(unknown.message, "no case C-009999 is with Essex Carers Support");
    /* Neither says where the case is or how it stands. */
    CHECK(theirs.state == NULL && theirs.provider == NULL && theirs.provider_name == NULL);
    CHECK(unknown.state == NULL && unknown.provider == NULL);
    router_outcome_results_free(&theirs, 1);
    router_outcome_results_free(&unknown, 1);
    CHECK_INT(hub_stat(&h, "contacted"), 0);
    CHECK(!hub_has(&h, DB_OUTCOME_IDS, "ecs\ne-1"));
    hub_close(&h);
}

TEST(router_outcome_refuses_impossible_steps_and_bad_outcomes)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__OutcomeResult res;
    Carerhub__Outcome *o;
    Carerhub__CaseRecord *c;
    char id[32];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST33-1", id));
    CHECK_INT(s_report(&h, "carers-first", NULL, id, "contacted", NULL, NULL, NULL, &res), REFUSED);
    CHECK_STR(res.field, "outcome_id");
    CHECK_STR(res.code, "required");
    router_outcome_results_free(&res, 1);
    /* Every problem is in the message; the first names the field. */
    CHECK_INT(s_report(&h, "carers-first", "x", id, "closed", "break", NULL, NULL, &res), REFUSED);
    CHECK_STR(res.field, "support");
    CHECK_CONTAINS(res.message, "; closed needs a reason");
    router_outcome_results_free(&res, 1);
    /* Before the case was opened. */
    c = hub_case(&h, id);
    CHECK(c != NULL);
    o = hub_outcome_new("early", id, "contacted");
    o->has_at = true;
    o->at = c->opened_at - 86400000;
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(hub_report(&h, "carers-first", o, &res), REFUSED);
    carerhub__outcome__free_unpacked(o, NULL);
    CHECK_STR(res.field, "at");
    CHECK_STR(res.code, "before_case");
    router_outcome_results_free(&res, 1);
    /* A minute before it (a time written to the minute) is taken. */
    c = hub_case(&h, id);
    o = hub_outcome_new("to-the-minute", id, "contacted");
    o->has_at = true;
    o->at = c->opened_at - 60000;
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(hub_report(&h, "carers-first", o, &res), RECORDED);
    carerhub__outcome__free_unpacked(o, NULL);
    router_outcome_results_free(&res, 1);

    CHECK_INT(s_result(&h, "carers-first", "cf-1", id, "declined", NULL, NULL, NULL), RECORDED);
    CHECK_INT(s_report(&h, "carers-first", "cf-2", id, "supported", "break", NULL, NULL, &res),
              REFUSED);
    CHECK_STR(res.code, "impossible_step");
    CHECK_STR(res.state, "declined");
    router_outcome_results_free(&res, 1);
    CHECK_INT(s_result(&h, "carers-first", "cf-3", id, "closed", NULL, "declined", NULL), RECORDED);
    CHECK_INT(s_report(&h, "carers-first", "cf-4", id, "contacted", NULL, NULL, NULL, &res),
              REFUSED);
    CHECK_STR(res.field, "status");
    CHECK_STR(res.code, "impossible_step");
    CHECK_CONTAINS(res.message, "closed");
    CHECK_STR(res.state, "closed");
    router_outcome_results_free(&res, 1);
    /* A refused outcome id is not spent: the organisation may correct it. */
    CHECK(!hub_has(&h, DB_OUTCOME_IDS, "carers-first\ncf-4"));
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK(c->closed);
    CHECK_STR(c->closed_reason, "declined");
    CHECK(c->contact_by == NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    hub_close(&h);
}

/* The kinds queued for provider: "new/1 transfer_out/2"; *carer says
 * whether a transfer_out or cancelled entry carries the carer. */
static void s_kinds(hub_t *h, const char *provider, char *out, size_t outsz, bool *carer)
{
    Carerhub__OutboxEntry **e;
    size_t n = hub_outbox(h, provider, &e), len = 0;
    out[0] = '\0';
    *carer = false;
    for (size_t i = 0; i < n; i++) {
        Carerhub__Case *s = e[i]->snapshot;
        len += (size_t)snprintf(out + len, len < outsz ? outsz - len : 0, "%s%s/%u", i ? " " : "",
                                e[i]->kind, s ? s->version : 0);
        if ((strcmp(e[i]->kind, "transfer_out") == 0 || strcmp(e[i]->kind, "cancelled") == 0) &&
            (!s || s->carer || e[i]->referral_count))
            *carer = true;
    }
    hub_outbox_free(e, n);
}

TEST(router_not_ours_passes_the_case_to_the_organisation_named)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__OutcomeResult res;
    Carerhub__CaseRecord *c;
    Carerhub__TimelineEvent **tl;
    Carerhub__OutboxEntry **e;
    char id[32], again[32], q[200];
    bool carer;
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST34-1", id));
    CHECK_INT(s_result(&h, "carers-first", "cf-1", id, "accepted", NULL, NULL, NULL), RECORDED);
    CHECK_INT(s_report(&h, "carers-first", "cf-2", id, "not_ours", NULL,
                       "she lives with her son in Colchester now", "ecs", &res),
              RECORDED);
    CHECK_STR(res.provider, "ecs");
    CHECK_STR(res.state, "delivered");
    router_outcome_results_free(&res, 1);
    s_kinds(&h, "carers-first", q, sizeof q, &carer);
    CHECK_STR(q, "new/1 transfer_out/2");
    CHECK(!carer);
    n = hub_outbox(&h, "ecs", &e);
    CHECK_INT(n, 1);
    CHECK_STR(e[0]->kind, "transfer_in");
    CHECK(e[0]->snapshot && e[0]->snapshot->carer);
    CHECK_STR(e[0]->snapshot->transfer_why, "not_ours");
    CHECK_STR(e[0]->snapshot->transferred_from, "carers-first");
    CHECK_STR(e[0]->snapshot->transfer_reason, "she lives with her son in Colchester now");
    CHECK(e[0]->snapshot->contact_by != NULL);
    hub_outbox_free(e, n);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->provider, "ecs");
    CHECK_STR(c->state, "delivered");
    CHECK_STR(c->transfer_reason, "she lives with her son in Colchester now");
    /* The routing explanation a referrer may read has no words of theirs. */
    CHECK(strstr(c->reason, "Colchester") == NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(hub_stat(&h, "passed_back"), 1);
    CHECK_INT(hub_stat(&h, "transfers/not_ours"), 1);

    n = hub_timeline(&h, id, true, &tl);
    CHECK_INT(n, 3);
    CHECK_STR(tl[1]->event, "not_ours");
    CHECK_STR(tl[1]->to, "ecs");
    CHECK(tl[1]->reason == NULL); /* words, not for a referrer */
    CHECK_STR(tl[2]->event, "transferred");
    CHECK_STR(tl[2]->provider, "carers-first");
    CHECK_STR(tl[2]->to_name, "Essex Carers Support");
    CHECK(tl[2]->reason == NULL && tl[2]->note == NULL);
    router_timeline_free(tl, n);

    /* The old organisation may no longer report on it. */
    CHECK_INT(s_result(&h, "carers-first", "cf-3", id, "contacted", NULL, NULL, NULL), REFUSED);
    CHECK_INT(s_result(&h, "ecs", "e-1", id, "contacted", NULL, NULL, NULL), RECORDED);
    /* A new referral for the carer, whom the rules send to Carers First,
     * leaves the case where a person placed it. */
    CHECK(s_take(&h, "GP-TEST34-2", again));
    CHECK_STR(again, id);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->provider, "ecs");
    carerhub__case_record__free_unpacked(c, NULL);
    s_kinds(&h, "ecs", q, sizeof q, &carer);
    CHECK_STR(q, "transfer_in/2 update/3");
    hub_close(&h);
}

TEST(router_not_ours_to_an_unknown_organisation_is_refused_and_triage_assigns)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__OutcomeResult res;
    Carerhub__CaseRecord *c;
    Carerhub__TimelineEvent **tl;
    char id[32], q[200];
    bool carer;
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST35-1", id));
    /* An organisation routing does not know: refused, as assign refuses
     * it, the case where it was; without to, it goes to triage. */
    CHECK_INT(s_report(&h, "carers-first", "cf-1", id, "not_ours", NULL, NULL, "carers-r-us", &res),
              REFUSED);
    CHECK_STR(res.field, "to");
    CHECK_STR(res.code, "unknown");
    CHECK_CONTAINS(res.message, "routing does not know 'carers-r-us'");
    CHECK_CONTAINS(res.message, "carerhub config providers lists them");
    CHECK_STR(res.provider, "carers-first");
    router_outcome_results_free(&res, 1);
    s_kinds(&h, "ews-triage", q, sizeof q, &carer);
    CHECK_STR(q, "");
    CHECK_INT(s_report(&h, "carers-first", "cf-2", id, "not_ours", NULL, NULL, NULL, &res),
              RECORDED);
    CHECK_STR(res.provider, "ews-triage");
    CHECK_CONTAINS(res.message, "Essex Wellbeing Service for triage");
    router_outcome_results_free(&res, 1);
    s_kinds(&h, "ews-triage", q, sizeof q, &carer);
    CHECK_STR(q, "transfer_in/2");
    /* Triage cannot pass it to triage. */
    CHECK_INT(s_report(&h, "ews-triage", "t-1", id, "not_ours", NULL, NULL, NULL, &res), REFUSED);
    CHECK_CONTAINS(res.message, "with triage already; assign it");
    router_outcome_results_free(&res, 1);
    /* Only triage assigns, to an organisation routing knows. */
    CHECK_INT(s_report(&h, "afc", "a-1", id, "assign", NULL, NULL, "afc", &res), REFUSED);
    CHECK_STR(res.field, "status");
    CHECK_STR(res.code, "not_allowed");
    CHECK_STR(res.message, "only Essex Wellbeing Service may assign a case");
    router_outcome_results_free(&res, 1);
    CHECK_INT(s_report(&h, "ews-triage", "t-2", id, "assign", NULL, NULL, "nobody", &res), REFUSED);
    CHECK_STR(res.field, "to");
    CHECK_STR(res.code, "unknown");
    router_outcome_results_free(&res, 1);
    CHECK_INT(s_report(&h, "ews-triage", "t-3", id, "assign", NULL, NULL, "ews-triage", &res),
              REFUSED);
    CHECK_STR(res.field, "to");
    router_outcome_results_free(&res, 1);
    CHECK_INT(s_report(&h, "ews-triage", "t-4", id, "assign", NULL, "West Essex GP", "afc", &res),
              RECORDED);
    CHECK_STR(res.provider, "afc");
    router_outcome_results_free(&res, 1);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->provider, "afc");
    CHECK_STR(c->transfer_why, "assigned");
    CHECK_STR(c->state, "delivered");
    carerhub__case_record__free_unpacked(c, NULL);
    CHECK_INT(hub_stat(&h, "assigned"), 1);
    s_kinds(&h, "afc", q, sizeof q, &carer);
    CHECK_STR(q, "transfer_in/3");
    s_kinds(&h, "ews-triage", q, sizeof q, &carer);
    CHECK_STR(q, "transfer_in/2 transfer_out/3");
    CHECK(!carer);
    /* Triage may assign any open case, wherever it is. */
    CHECK_INT(s_result(&h, "ews-triage", "t-5", id, "assign", NULL, NULL, "ecs"), RECORDED);
    n = hub_timeline(&h, id, false, &tl);
    CHECK(n >= 2);
    CHECK_STR(tl[n - 2]->event, "assign");
    CHECK_STR(tl[n - 2]->provider, "ews-triage"); /* who reported it */
    CHECK_STR(tl[n - 2]->to, "ecs");
    CHECK_STR(tl[n - 1]->event, "transferred");
    CHECK_STR(tl[n - 1]->provider, "afc"); /* where it was */
    CHECK_STR(tl[n - 1]->reason, "assigned");
    router_timeline_free(tl, n);
    CHECK_INT(hub_stat(&h, "outcomes/assign/ews-triage"), 2);
    hub_close(&h);
}

TEST(router_contact_by_target_is_set_on_take_and_ended_by_contact)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__CaseRecord *c;
    Carerhub__OutboxEntry **e;
    char id[32], due[DATE_STRLEN], key[64];
    size_t n;
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK(s_take(&h, "GP-TEST36-1", id));
    /* hub_card's received_at, and 10 days for a GP referral. */
    date_format(date_of_ms(1796000000000LL) + 10, due);
    snprintf(key, sizeof key, "%s\x1f%s", due, id);
    CHECK(hub_has(&h, DB_CONTACT_DUE, key));
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK_STR(c->contact_by, due);
    carerhub__case_record__free_unpacked(c, NULL);
    n = hub_outbox(&h, "carers-first", &e);
    CHECK_INT(n, 1);
    CHECK_STR(e[0]->snapshot->contact_by, due);
    hub_outbox_free(e, n);

    CHECK_INT(s_result(&h, "carers-first", "cf-1", id, "contact_attempted", NULL, NULL, NULL),
              RECORDED);
    CHECK(hub_has(&h, DB_CONTACT_DUE, key)); /* an attempt is not contact */
    CHECK_INT(s_result(&h, "carers-first", "cf-2", id, "contacted", NULL, NULL, NULL), RECORDED);
    CHECK(!hub_has(&h, DB_CONTACT_DUE, key));
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK(c->contact_by == NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    /* A later referral sets a target again, and its delivery says so. */
    CHECK(s_take(&h, "GP-TEST36-2", id));
    CHECK(hub_has(&h, DB_CONTACT_DUE, key));
    n = hub_outbox(&h, "carers-first", &e);
    CHECK_INT(n, 2);
    CHECK_STR(e[1]->snapshot->contact_by, due);
    hub_outbox_free(e, n);
    hub_close(&h);
}

/* The urgent flag of the newest delivery queued for carers-first. */
static int s_last_urgent(hub_t *h)
{
    Carerhub__OutboxEntry **e;
    size_t n = hub_outbox(h, "carers-first", &e);
    int urgent = n && e[n - 1]->snapshot ? e[n - 1]->snapshot->urgent : -1;
    hub_outbox_free(e, n);
    return urgent;
}

static int s_take_discharge(hub_t *h, const char *id, date_t on, date_t home)
{
    char d1[DATE_STRLEN], d2[DATE_STRLEN];
    Carerhub__Referral *r;
    int rc;
    date_format(on, d1);
    date_format(home, d2);
    if (!(r = hub_discharge(id, d1, d2)))
        return -1;
    rc = hub_take(h, CARERHUB__SOURCE__DISCHARGE, "discharge-intake", r);
    carerhub__referral__free_unpacked(r, NULL);
    return rc;
}

TEST(router_contact_ends_the_urgent_flag_until_a_newer_urgent_referral)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *rec;
    Carerhub__CaseRecord *c;
    char id[32], due[DATE_STRLEN];
    date_t today = date_today();
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take_discharge(&h, "HD-TEST37-1", today, today + 1), 0);
    CHECK((rec = hub_get(&h, "HD-TEST37-1")) != NULL);
    snprintf(id, sizeof id, "%s", rec->case_id);
    carerhub__referral_record__free_unpacked(rec, NULL);
    CHECK_INT(s_last_urgent(&h), 1);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    date_format(today + 2, due); /* two days for a discharge */
    CHECK_STR(c->contact_by, due);
    carerhub__case_record__free_unpacked(c, NULL);

    CHECK_INT(s_result(&h, "carers-first", "cf-1", id, "contacted", NULL, NULL, NULL), RECORDED);
    c = hub_case(&h, id);
    CHECK(c != NULL);
    CHECK(!c->urgent && c->urgent_until == NULL);
    carerhub__case_record__free_unpacked(c, NULL);
    /* A GP referral after the contact: delivered as not urgent. */
    CHECK(s_take(&h, "GP-TEST37-2", id));
    CHECK_INT(s_last_urgent(&h), 0);
    /* A new urgent discharge after the contact: urgent again. */
    CHECK_INT(s_take_discharge(&h, "HD-TEST37-3", today, today + 1), 0);
    CHECK_INT(s_last_urgent(&h), 1);
    hub_close(&h);
}

TEST(router_contact_reported_from_before_an_urgent_referral_leaves_it_urgent)
{
    static hub_t h; /* static: hub_open closes it if this test fails */
    Carerhub__ReferralRecord *a, *b;
    Carerhub__CaseRecord *c;
    Carerhub__Outcome *o;
    Carerhub__OutcomeResult res;
    date_t today = date_today();
    char due[DATE_STRLEN];
    CHECK_INT(hub_open(&h, 50), 0);
    CHECK_INT(s_take_discharge(&h, "HD-TEST38-1", today, today + 1), 0);
    /* The second routed a moment later (the clock is in milliseconds). */
    for (int64_t t0 = clock_now_ms(); clock_now_ms() <= t0 + 1;)
        ;
    CHECK_INT(s_take_discharge(&h, "HD-TEST38-2", today, today + 1), 0);
    a = hub_get(&h, "HD-TEST38-1");
    b = hub_get(&h, "HD-TEST38-2");
    CHECK(a && b);
    CHECK_STR(a->case_id, b->case_id);
    CHECK(b->routed_at > a->routed_at);
    /* Contact made when only the first had been routed. */
    o = hub_outcome_new("cf-1", a->case_id, "contacted");
    o->has_at = true;
    o->at = a->routed_at;
    CHECK_INT(hub_report(&h, "carers-first", o, &res), RECORDED);
    router_outcome_results_free(&res, 1);
    carerhub__outcome__free_unpacked(o, NULL);
    c = hub_case(&h, a->case_id);
    CHECK(c != NULL);
    CHECK(c->urgent && c->urgent_until != NULL);
    date_format(today + 2, due);
    CHECK_STR(c->contact_by, due);
    carerhub__case_record__free_unpacked(c, NULL);
    carerhub__referral_record__free_unpacked(a, NULL);
    carerhub__referral_record__free_unpacked(b, NULL);
    hub_close(&h);
}
