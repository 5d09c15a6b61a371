/*
 * A router on a fresh case store for unit tests: real keys and participants
 * in a temporary directory, the shipped routing for Essex. See router_hub.c.
 */
#ifndef CARERHUB_TEST_ROUTER_HUB_H
#define CARERHUB_TEST_ROUTER_HUB_H

#include "router/router.h"

typedef struct {
    router_t r;
    Carerhub__Envelope env;
    Carerhub__Forward fwd;
    router_fwd_t f;
    void *agent;  /* a provider agent's socket, when a test opens one */
    void *client; /* a client of the control socket, when a test opens one */
} hub_t;

extern char hub_pub[4][CURVE_Z85];
extern keypair_t hub_agent_kp; /* the carers-first agent's key pair */

/* A router on a fresh store, with router.submitter_case_max set to max. */
int hub_open(hub_t *h, int max);
void hub_close(hub_t *h);
/* The first card of config/samples/gp.yaml, stamped as the GP intake does. */
Carerhub__Referral *hub_card(const char *id, const char *submitted_by);
/* Takes one referral as forwarded by the intake of src. */
int hub_take(hub_t *h, Carerhub__Source src, const char *actor, Carerhub__Referral *ref);
Carerhub__ReferralRecord *hub_get(hub_t *h, const char *id);
uint64_t hub_stat(hub_t *h, const char *name);

/* --- outcomes, cancellations, contact-by targets ----------------------- */

extern keypair_t hub_gp_kp; /* a key pair listed as the practice "gp" (role gp) */
/* Key pairs listed as "operator" and "commissioner", of those roles. */
extern keypair_t hub_operator_kp, hub_commissioner_kp;

/* The first discharge of config/samples/discharge.yaml (Jane Smith, the
 * carer of the first GP card), referred on day `on`, the patient going
 * home on `home` (YYYY-MM-DD), stamped as the discharge intake does. */
Carerhub__Referral *hub_discharge(const char *id, const char *on, const char *home);
/* The case record (caller frees), or NULL. */
/* What router_status answers who (NULL: an operator) about referral id. */
Carerhub__StatusReply *hub_status(hub_t *h, const participant_t *who, const char *id);
Carerhub__CaseRecord *hub_case(hub_t *h, const char *id);
/* The outbox entries queued for provider, oldest first: *out is a new
 * array (free with hub_outbox_free). Returns the count. */
size_t hub_outbox(hub_t *h, const char *provider, Carerhub__OutboxEntry ***out);
void hub_outbox_free(Carerhub__OutboxEntry **e, size_t n);
/* The case's timeline, oldest first (free with router_timeline_free). */
size_t hub_timeline(hub_t *h, const char *case_id, bool for_referrer,
                    Carerhub__TimelineEvent ***out);
/* Whether table db holds key. */
bool hub_has(hub_t *h, int db, const char *key);
/* A new outcome (free with carerhub__outcome__free_unpacked): id, case,
 * status; the rest NULL or added by the test. */
Carerhub__Outcome *hub_outcome_new(const char *outcome_id, const char *case_id, const char *status);
/* Reports the one outcome o from provider (its agent's participant
 * "provider-<provider>"); res is the test's to free with
 * router_outcome_results_free. Returns res->result. */
int hub_report(hub_t *h, const char *provider, Carerhub__Outcome *o, Carerhub__OutcomeResult *res);

/* --- cases over days ---------------------------------------------------- */

/* YYYY-MM-DD of `ago` days before today (the hub's day): one of 32
 * buffers in turn, so that a call's arguments may hold many. */
const char *hub_day(int ago);
/* Local `hour` o'clock, `ago` days before today, in unix ms. */
int64_t hub_at(int ago, int hour);
/* Takes referral r (freed; NULL fails) as forwarded by the intake of its
 * source; its case id into out. */
int hub_take_case(hub_t *h, Carerhub__Referral *r, char out[32]);
/* Reports one outcome from provider at `at`; extra is, for supported, the
 * one kind of support; for closed, the reason; otherwise the organisation
 * it goes to (or NULL). A result other than recorded is printed. */
int hub_outcome_at(hub_t *h, const char *provider, const char *oid, const char *case_id,
                   const char *status, int64_t at, const char *extra);
/* A DEALER socket with key pair kp, connected to ep under the router's
 * key; NULL if it could not be. */
void *hub_connect(const keypair_t *kp, const char *ep);

/* --- identity conflicts ------------------------------------------------- */

/* An operator's join or keep_apart of cases a and b: "CASE CLOSED
 * PROVIDER" (closed "-" when none) or "CODE: MESSAGE" (in a buffer
 * overwritten by the next call). */
const char *hub_conflict(hub_t *h, const char *a, const char *b, const char *action);
/* The identity conflicts the alerts list: "CASE:OTHER,OTHER" each,
 * space-separated (a buffer overwritten by the next call). */
const char *hub_conflict_alerts(hub_t *h);

/* --- the report table -------------------------------------------------- */

/* The count under a report key written with '|' for each US separator
 * ("2026-11-30|r|gp|F81001"); 0 if there is none. */
uint64_t hub_report_count(hub_t *h, const char *key);
/* Every entry of the report table in key order, one "key=count" line each
 * ('|' for US): a new string, the caller's to free. */
char *hub_report_dump(hub_t *h);

/* --- the report reply, as text for CHECK_STR (each in a buffer of its
 * own, overwritten by the next call) ------------------------------------- */

/* A path as "referred waiting contacted supported declined unable closed
 * / within urgent urgent_within young"; "(none)" for NULL. */
const char *hub_path_text(const Carerhub__ReportPath *p);
/* Contacts, median and p90 hours as "N m p"; "(none)" for NULL. */
const char *hub_times_text(const Carerhub__ReportTimeliness *t);
/* The rows' keys, joined by spaces. */
const char *hub_keys_text(Carerhub__ReportRow **rows, size_t n);

#endif
