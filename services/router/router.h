/*
 * carerhub-router: owns the case store. It takes referrals from the intakes,
 * matches each to a carer's open case or opens one, decides the provider,
 * and writes referral, case, outbox entry and audit record in one LMDB
 * transaction (a batch of referrals per commit) before acknowledging. It
 * delivers each provider's outbox to that provider's agent with credit-based
 * flow control, and redelivers what is not acknowledged.
 *
 * main.c runs the loop; router_intake.c reads the intakes' forwards and
 * router_take.c stores referrals; router_deliver.c serves provider agents,
 * and router_send.c sends them their deliveries; router_control.c answers
 * operators.
 */
#ifndef CARERHUB_ROUTER_H
#define CARERHUB_ROUTER_H

#include "carerhub.pb-c.h"
#include "conf/hubconf.h"
#include "daemon/daemon.h"
#include "daemon/secure.h"
#include "domain/outcome.h"
#include "domain/pcdb.h"
#include "domain/referral.h"
#include "domain/route.h"
#include "util/date.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/smap.h"
#include "wire/wire.h"

#include <stdbool.h>
#include <stdint.h>

/* The case store's tables: enum name, LMDB name; what each maps. */
#define ROUTER_DBS(X)                                                                              \
    X(DB_REFERRALS, "referrals") /* referral id -> ReferralRecord */                               \
    X(DB_CASES, "cases")         /* case id -> CaseRecord */                                       \
    X(DB_BY_NHS, "by_nhs_dob")   /* NHS number US date of birth -> case id */                      \
    X(DB_BY_PERSON, "by_person") /* names, birth, postcode or phone -> case id, "*" if several */  \
    X(DB_TURNS_18, "turns_18")   /* YYYY-MM-DD US case id -> "": young carers' cases to move */    \
    X(DB_OUTBOX, "outbox")       /* provider NUL seq -> OutboxEntry */                             \
    X(DB_AUDIT, "audit")         /* seq -> AuditRecord */                                          \
    X(DB_PARKED, "parked")       /* referral id -> ParkedEntry */                                  \
    X(DB_STATS, "stats")         /* counter name -> uint64 */                                      \
    X(DB_META, "meta")           /* the numbering: outbox, audit, case */                          \
    X(DB_DELIVERED, "delivered") /* referral id -> uint64 ms: when its agent acknowledged it */    \
    X(DB_TIMELINE, "timeline")   /* case id US entry (4 bytes BE) -> TimelineRecord */             \
    X(DB_OUTCOME_IDS, "outcome_ids") /* provider NL outcome id -> OutcomeSeen */                   \
    X(DB_CONTACT_DUE, "contact_due") /* YYYY-MM-DD US case id -> "": contact-by targets */         \
    X(DB_BY_REFERRER, "by_referrer") /* source US org US received (8 bytes BE) US referral id */   \
                                     /* -> "": a referring organisation's referrals */             \
    X(DB_CONFLICTS, "conflicts")     /* case id -> the case ids it is flagged with, US between */  \
    /* (older entries: ""): open cases flagged identity_conflict */                                \
    X(DB_REPORT, "report")           /* YYYY-MM-DD US kind US ... -> uint64: see below */          \
    X(DB_BY_PROVIDER, "by_provider") /* provider US case id -> opened_at (8 bytes BE) and */       \
                                     /* contact_by: the open cases with each organisation */       \
    X(DB_REJECTED, "rejected")       /* referral id -> ParkedEntry: rejected by an operator, */    \
                                     /* the referral without its carer (router_parked.c) */

enum {
#define S_DB_ENUM(id, name) id,
    ROUTER_DBS(S_DB_ENUM)
#undef S_DB_ENUM
};

#define ROUTER_MAX_AGENTS 64

/* What the router knows of one provider's agent. */
typedef struct {
    char provider[40];
    bool connected;
    wire_peer_t peer;
    int64_t last_seen; /* monotonic ms */
    uint32_t window;   /* deliveries the agent takes ahead */
    uint64_t next_seq; /* the next outbox sequence to send */
    bool drained;      /* nothing after next_seq when last looked */
    /* Sent, in the order sent (increasing seq), from the oldest not yet
     * acknowledged; which of them still are is in `pending`. */
    uint64_t *seqs;
    int64_t *sent_at;
    size_t head, tail, cap;
    smap_t *pending; /* decimal seq -> 1, for each delivery in flight */
    size_t inflight;
    unsigned long delivered;
} agent_t;

/* Outcomes recorded since the router started for one organisation (the
 * one that reported them), by status: for the metrics (router_metrics.c). */
typedef struct {
    char provider[64];
    uint64_t recorded[OUTCOME_N];
} router_outcomes_seen_t;

typedef struct {
    daemon_args_t args;
    hubconf_t *conf;
    route_t *rt;
    pcdb_t *pcdb;
    store_t *store;
    secure_t *sec;
    void *intake_sock, *delivery_sock, *control_sock;
    uint64_t next_outbox, next_audit, next_case;
    agent_t agents[ROUTER_MAX_AGENTS];
    size_t nagents;
    unsigned long taken, duplicates, parked, bad;
    router_outcomes_seen_t outcomes_seen[ROUTER_MAX_AGENTS];
    size_t noutcomes_seen;
    int64_t started_at; /* monotonic ms: when the control socket opened (agent_silent) */
    /* The case store is to be rewritten (store_scrub) after an erasure:
     * tried again from the loop until done (router_erase_req.c). */
    bool scrub_due, scrub_said;
    int64_t scrub_next; /* monotonic ms: not before */
    /* Retention (router_retention.c): the last run (unix ms, 0: none
     * since the router started) and what it erased; the next (monotonic
     * ms, 0: now). */
    int64_t retention_last_at, retention_next;
    uint32_t retention_last_erased;
} router_t;

/* The tables' names, in the order of the enum above, NULL-terminated. */
extern const char *const router_dbs[];
/* Reads the outbox, audit and case numbering from meta (a store_write
 * function; arg is the router). */
int router_load_meta(MDB_txn *txn, void *arg);

/* An intake's Forward message, waiting to be stored and acknowledged. */
typedef struct {
    wire_peer_t peer;
    Carerhub__Envelope *env; /* owned */
    char actor[80];          /* the intake's participant id */
    Carerhub__Source source; /* the one source it may forward (its scope) */
    const char *program;     /* that source's intake, which records its audit */
} router_fwd_t;

/* Whether a referral of a forward is the forwarding intake's to send: its
 * own source, and an id its intake would give. */
bool router_fwd_allows(const router_fwd_t *f, const Carerhub__Referral *ref);

/* Opens the case store in dir and reads its numbering, or exits. */
void router_store_open(router_t *r, const char *dir);

/* Each socket is opened (CURVE server, bound) by its module. */
void router_intake_open(router_t *r);
void router_deliver_open(router_t *r);
void router_control_open(router_t *r);
/* Frees what the router keeps for each agent. */
void router_agents_free(router_t *r);

/* Intakes: reads up to one batch of forwarded referrals, stores them in
 * one transaction, then acknowledges them. */
void router_intake_drain(router_t *r);

/* Appends the audit events the security layer recorded (refused
 * connections), in one transaction. */
void router_store_events(router_t *r);

/* Stores every referral of the forwards in one transaction. Returns 0 when
 * committed (then every referral in them may be acknowledged), or the store
 * error. */
int router_take(router_t *r, router_fwd_t *fwds, size_t n);
/* Takes ref inside write transaction txn as if the intake of its source
 * (actor) had just forwarded it, by the path router_take takes, but for
 * router.submitter_case_max: an operator released it (router_parked.c),
 * which is the decision that it goes into the carer's case, however many
 * its submitter sent. Routed, or parked again with the reason when it
 * still fails its checks. The caller saves the numbering. Returns 0 or
 * the store error. */
int router_take_again(router_t *r, MDB_txn *txn, Carerhub__Referral *ref, const char *actor);
/* Adds ref (forwarded by actor) to case c as a referral for the carer's
 * open case is added: its id, its submitter, the NHS number if c had none,
 * the carer's details (as now known) and how long it is urgent; a carer
 * who declined or could not be reached is asked for again (state
 * delivered). Returns whether ref gives c a new postcode. */
bool router_case_add(router_t *r, Carerhub__CaseRecord *c, const Carerhub__Referral *ref,
                     const char *actor);

/* Appends an audit record inside a write transaction, numbered next; its
 * time and recorder are kept if set. */
int router_audit_record(router_t *r, MDB_txn *txn, const Carerhub__AuditRecord *rec);
/* Appends an audit record inside a write transaction. */
int router_audit(router_t *r, MDB_txn *txn, const char *event, const char *actor,
                 const char *referral_id, const char *case_id, const char *provider,
                 const char *detail);
/* Holds a referral back for an operator, with the reason (a parked entry,
 * the "parked" counter and an audit record), inside a write transaction. */
int router_park(router_t *r, MDB_txn *txn, Carerhub__Referral *ref, const char *actor,
                const char *reason);
/* The same in a transaction of its own, with the numbering saved: returns
 * 0 once committed, or the store error. */
int router_park_now(router_t *r, Carerhub__Referral *ref, const char *actor, const char *reason);
/* Saves the outbox, audit and case numbering inside a write transaction. */
int router_put_meta(router_t *r, MDB_txn *txn);
/* Adds to a named counter inside a write transaction. */
int router_count(router_t *r, MDB_txn *txn, const char *name, uint64_t by);
/* Counter increments gathered in a transaction (name -> increment) and
 * written once at its end: one read and one write per counter, not per
 * referral. */
void router_tally(smap_t *tally, const char *name, uint64_t by);
int router_tally_write(router_t *r, MDB_txn *txn, const smap_t *tally);

/* After the participants file is reloaded: stops delivering to agents
 * whose key no longer admits them. */
void router_agents_recheck(router_t *r);
/* Provider agents: a message on the delivery socket; sending what agents
 * have credit for; redelivery after a timeout or when an agent goes quiet. */
void router_deliver_drain(router_t *r);
void router_deliver_send(router_t *r);
void router_deliver_timers(router_t *r);
/* Forgets what was sent to every agent of provider (its outbox gained
 * entries before what it had been sent, or a restart). */
void router_agent_rewind(router_t *r, const char *provider);
/* Agent a was sent delivery seq at now (monotonic ms): in flight until
 * acknowledged (router_send.c). */
void router_agent_sent(agent_t *a, uint64_t seq, int64_t now);
/* Forgets what was sent to agent a: it is sent again from the oldest
 * unacknowledged (it is gone, or a delivery could not be settled). */
void router_agent_forget(agent_t *a);

/* The control socket: status, statistics, audit and alerts for operators;
 * status, feedback and cancelling for referrers; outcome reports for
 * providers. A query a key may ask is audited before it is served (the
 * record stands if serving fails); one it may not is refused, counted and
 * audited as a refusal. */
void router_control_drain(router_t *r);

/* Encodes an outbox key: provider, NUL, 8-byte big-endian seq. */
size_t router_outbox_key(const char *provider, uint64_t seq, uint8_t *out, size_t outsz);

/* Reads a stored record: returns a new message or NULL if absent. */
Carerhub__ReferralRecord *router_get_referral(router_t *r, MDB_txn *txn, const char *id);
Carerhub__CaseRecord *router_get_case(router_t *r, MDB_txn *txn, const char *id);

/* --- who the carer is (router_match.c) --------------------------------- */

#define ROUTER_MATCH_MAX 8

typedef struct {
    Carerhub__CaseRecord *found;            /* the carer's open case, or NULL: a new one */
    char previous[64];                      /* else the carer's closed case, if any */
    char conflict[256];                     /* why a new case is flagged identity_conflict */
    char conflicting[ROUTER_MATCH_MAX][64]; /* cases to flag with it */
    size_t nconflicting;
    char apart[64]; /* a carer's own referral: the open case it matched, not joined */
} router_match_t;

/* Finds the case of the carer, by the rules at the top of router_match.c. */
int router_match(router_t *r, MDB_txn *txn, const Carerhub__Carer *carer, router_match_t *m);
void router_match_free(router_match_t *m);
/* For a carer's own referral (source self: nobody vouches for who sent
 * it), which joins no case by itself: when m found an open case, that case
 * is in m->apart and m->conflicting instead, with the reason, and a case
 * of its own opens, flagged (router_match_flag_own, router_case_flag). */
void router_match_own(router_match_t *m);
/* Flags m->apart (if any, and not flagged yet) as maybe the carer of case
 * c, the own referral's new case, with its reason (case ids only), its
 * organisation told in an update of the case alone; before
 * router_case_flag, which lists the pair. Returns 0 or the store error. */
int router_match_flag_own(router_t *r, MDB_txn *txn, const router_match_t *m,
                          const Carerhub__CaseRecord *c, int64_t now);
/* Indexes case c under the NHS number and the person keys of carer (one
 * referral's), inside a write transaction. With keep, a key another case
 * holds stays with it (a carer's own referral kept apart from the case it
 * matched must not take that carer's keys: the next referral of that
 * carer still finds their case). */
int router_index(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                 const Carerhub__Carer *carer, bool keep);

/* --- a case over time (router_case.c) ---------------------------------- */

/* Opens a new case (numbered next) for the carer of m, at now. */
Carerhub__CaseRecord *router_case_open(router_t *r, const router_match_t *m, int64_t now);
/* Routes case c again for a referral of source src on day `on`, with the
 * carer as now known: the same organisation keeps the case (its routing
 * explained anew); another one takes it over (transfer_out to the old,
 * transfer_in to the new, both of the case's next version). Routed to no
 * one (triage), a case stays where it is unless the carer moved or turned
 * 18: then it goes to triage. Queues the delivery:
 * kind "new" for a case without a provider, else "update" or the transfer.
 * Sets *kind (static text; NULL when nothing was queued). referral_id is
 * NULL for a birthday, which queues only a transfer; moved says the
 * referral gave a new postcode (the reason a transfer gives). */
int router_case_route(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, Carerhub__Source src,
                      date_t on, const char *referral_id, bool moved, int64_t now,
                      const char **kind);
/* Marks each case of m->conflicting as in conflict with case c, and lists
 * them and c (if flagged) in the conflicts table. */
int router_case_flag(router_t *r, MDB_txn *txn, const router_match_t *m,
                     const Carerhub__CaseRecord *c);
/* Moves case c to the provider of index `provider` (route_t), as a
 * transfer (transfer_out to the old organisation, transfer_in to the new,
 * both of the case's next version) with why (not_ours, assigned) and the
 * passing organisation's words (reason, may be NULL); the case starts at
 * state delivered there, with a contact-by target if it had none
 * (router_contact_by_moved). */
int router_case_move(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, int provider,
                     const char *why, const char *reason, int64_t now);
/* Queues a delivery of kind (update, cancelled) of case c to its
 * organisation, of the case's next version: for cancelled, with the
 * cancellation and without the carer's details or referrals. */
int router_case_notify(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, const char *kind,
                       const char *referral_id, const Carerhub__Cancellation *cancel, int64_t now);
/* The case as its organisation is to see it now, as a delivery queued now
 * carries it: the carer as now known, routing, flags as they stand on the
 * day of now, contact-by target, closing; no referrals (the caller adds
 * them). Pointers into c, which must outlive s. */
void router_case_snapshot(const Carerhub__CaseRecord *c, int64_t now, Carerhub__Case *s);
/* Whether ref is priority (referral_priority on its day of referral), and
 * why (or NULL) into *reason. */
bool router_referral_priority(const Carerhub__Referral *ref, const char **reason);
/* Whether case c is priority now (its flags). */
bool router_case_is_priority(const Carerhub__CaseRecord *c);
/* Case c's priority anew (referral_priority_now) from the n referrals of
 * recs, in the order taken, that still stand (a NULL one, or one
 * cancelled, does not count): the flag and its reason, or no flags. */
void router_case_priority_recompute(Carerhub__CaseRecord *c, Carerhub__ReferralRecord *const *recs,
                                    size_t n);
/* Case c, to which ref (routed at now, its record not yet written) was
 * just added: its priority anew from all its referrals standing, and its
 * contact-by target (router_contact_due; every waiting referral's anew,
 * router_contact_recompute, when the case is or was priority). Returns 0
 * or an LMDB error. Write c afterwards. */
int router_case_priority_take(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c,
                              const Carerhub__Referral *ref, int64_t now);
/* Links closed case prev to its next episode c. */
int router_case_link(router_t *r, MDB_txn *txn, const char *prev, const Carerhub__CaseRecord *c);
/* Moves every open young carer's case whose carer is 18 on or before today
 * to the organisation that serves them now. Returns how many moved, or -1
 * if the store failed (logged). */
int router_turns_18(router_t *r, date_t today);

/* --- a case's timeline (router_timeline.c) ------------------------------ */

/* The entries a case's timeline holds at most. Outcomes fill it up to one
 * entry short, so that closing the case is always recorded; the moves and
 * cancellations the hub records are never refused (router_outcome.c). */
#define ROUTER_TIMELINE_MAX 1000

/* Appends ev to case c's timeline (numbered c->timeline_next, which goes
 * up: write c afterwards), with the participant that reported it and the
 * outcome id, if any; recorded_at is set to now when ev has none. */
int router_timeline_add(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c,
                        const Carerhub__TimelineEvent *ev, const char *actor,
                        const char *outcome_id);
/* The case's timeline, oldest first, at most max entries (the newest
 * max): *out is a new array of new events (free with
 * router_timeline_free). For a referrer, only what happened, when, at
 * which organisation and where the case went, and which referral a
 * cancellation was of: no reason, note or kinds of support. Returns the
 * count. */
size_t router_timeline(router_t *r, MDB_txn *txn, const char *case_id, bool for_referrer,
                       size_t max, Carerhub__TimelineEvent ***out);
void router_timeline_free(Carerhub__TimelineEvent **evs, size_t n);
/* Since when case c has waited to be contacted, from its timeline: *since
 * is the moment its organisation last reached the carer (the earlier of
 * that outcome's time and when the hub recorded it; INT64_MIN if none has),
 * *moved when a person first passed the case on or assigned it after that
 * (unix ms; 0 if not). Returns 0 or the store error. */
int router_timeline_waiting(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                            int64_t *since, int64_t *moved);

/* --- outcomes, passing back, cancelling (router_outcome.c,
 * router_cancel.c; contact-by targets and closing in router_contact.c) - */

/* Records the n outcomes of a report from provider (the reporting key's
 * scope; actor its participant id) in one transaction, each checked
 * (outcome_check), for a case that is with provider now (assign: any open
 * case, and only from the triage provider), a step the case may take
 * (outcome_step_ok), with room on its timeline (ROUTER_TIMELINE_MAX, else
 * REFUSED too_many). An outcome id recorded before is ALREADY_RECORDED
 * when the outcome is the same (but for its source), with the case's
 * state and provider while the case is still provider's; with another
 * outcome it is REFUSED (outcome_id, id_reused).
 * Fills results[i] (caller's, n of them; free with
 * router_outcome_results_free): RECORDED, ALREADY_RECORDED, REFUSED with
 * field, code and message, or UNAVAILABLE when the store failed. Each
 * recorded outcome is on the case's timeline, counted and audited;
 * not_ours and assign move the case (router_case_move). */
void router_outcomes(router_t *r, const char *provider, const char *actor, Carerhub__Outcome **os,
                     size_t n, Carerhub__OutcomeResult *results);
void router_outcome_results_free(Carerhub__OutcomeResult *results, size_t n);
/* Answers env, an OutcomeReport that came on sock (the delivery socket,
 * or the control socket for `carerhub outcome`) from peer for who (the
 * peer's participant, or a gateway's user: secure_acting; NULL when
 * unlisted), whether or not that peer said hello: for a provider (its one
 * scope: whose cases these are; anybody else gets an Error forbidden,
 * audited), 1 to
 * WIRE_OUTCOMES_MAX outcomes (else an Error bad_request, counted),
 * recorded with router_outcomes and answered with an OutcomeReply of the
 * same corr. */
void router_outcome_answer(router_t *r, void *sock, const wire_peer_t *peer,
                           const participant_t *who, const Carerhub__Envelope *env);

/* A referrer's cancellation of its referral q->referral_id (who: the
 * referrer's participant, whose scope must cover the referral's
 * organisation, else it is not found). Returns 0 with *out filled (free its
 * strings with router_cancel_reply_free), or -1 with an Error's code
 * (not_found, closed, bad_request, unavailable) and message. The case's
 * organisation gets a delivery of kind cancelled; a case whose every
 * referral is cancelled is closed (closed_reason cancelled); else its
 * carer, contact-by target and urgency are what the referrals still
 * standing give. A cancelled referral is in no delivery sent after
 * (router_deliver.c). */
int router_cancel(router_t *r, const participant_t *who, const Carerhub__CancelRequest *q,
                  Carerhub__CancelReply *out, char *code, size_t codesz, char *msg, size_t msgsz);
void router_cancel_reply_free(Carerhub__CancelReply *out);

/* Sets case c's contact-by target to the earlier of its own and `due`
 * (YYYY-MM-DD), or with due NULL clears it (contact made, case closed),
 * keeping the contact_due index in step. Write c afterwards. */
int router_contact_due(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, const char *due);
/* The organisation reached the carer (or reported it could not) at `at`
 * (unix ms): case c's contact-by target and urgent flag end, except what
 * a referral routed after that moment sets again (the organisation had
 * not seen it). Write c afterwards. */
int router_contact_made(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, int64_t at);
/* Sets case c's contact-by target and urgency anew after one of its
 * referrals was cancelled, from recs (its n referral records, in the order
 * taken; NULL for one missing): each not cancelled that was routed after
 * its organisation last reached the carer (router_timeline_waiting) sets
 * them as when it was taken; a case passed on or assigned since then, when
 * none of those was routed before the move, has the target the move gave
 * (router_contact_by_moved). Write c afterwards. */
int router_contact_recompute(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c,
                             Carerhub__ReferralRecord *const *recs, size_t n);
/* Closes case c at `at` (unix ms) with reason (a closing reason, or
 * "cancelled"): state closed, its contact-by target and urgency ended,
 * its 18th-birthday move forgotten, out of the conflicts table. Write c
 * afterwards. */
int router_case_close(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, const char *reason,
                      int64_t at);
/* Referral ref as an organisation is to have it (in a delivery, in its
 * inbox): without its equality answers, which never leave the hub (they
 * are counted as it is taken). Frees what it removes. */
void router_referral_for_org(Carerhub__Referral *ref);
/* The contact-by target a referral sets (YYYY-MM-DD into day): the hub's
 * day of receipt plus its source's contact_by_days, or, when priority
 * (its case is priority and it is the newest referral waiting or priority
 * itself: router_contact.c), priority_contact_by_days when sooner. */
void router_contact_by(const router_t *r, const Carerhub__Referral *ref, bool priority,
                       char day[DATE_STRLEN]);
/* The contact-by target a case passed on or assigned at `at` (unix ms)
 * gets when it has none (contact was made at the organisation it left):
 * that day plus the contact_by_days of the source of its newest referral
 * not cancelled (newest_id), into day. False if the id names no source. */
bool router_contact_by_moved(const router_t *r, const char *newest_id, int64_t at,
                             char day[DATE_STRLEN]);
/* Whether ref is urgent; if so, the last day it is (YYYY-MM-DD into day):
 * the patient's expected discharge, and two days after the referral at
 * least (router_take.c). */
bool router_urgent_until(const Carerhub__Referral *ref, char day[DATE_STRLEN]);

/* --- a referrer's view, and what needs a person (router_feedback.c) --- */

/* Indexes a taken referral under its referring organisation
 * (DB_BY_REFERRER), inside the write transaction that takes it. */
int router_referrer_index(router_t *r, MDB_txn *txn, const Carerhub__Referral *ref);
/* Builds the index for a store written before it existed (once; marked in
 * meta). Returns 0 or the store error. */
int router_referrer_index_build(router_t *r);

/* A table built once from another for a store written before it existed
 * (router_build.c): each entry of table db is given to each (with its
 * value), which returns 1 to count it, 0 not to, or minus a store error;
 * then meta key marker is set. Logs "<what>: <count>" when it counted any. */
#define ROUTER_BUILD_PER_TXN 1000 /* entries walked per commit */
typedef struct {
    const char *marker; /* its meta key */
    int db;             /* the table walked */
    int (*each)(router_t *r, MDB_txn *txn, const MDB_val *value);
    const char *what;
} router_build_t;
/* Returns 0 (also when built before), or the store error. */
int router_build_once(router_t *r, const router_build_t *how);
/* Where a referral stands for its referrer (StatusReply.progress), and
 * since when (*at, unix ms). c is its case (may be NULL). Static text. */
const char *router_progress(router_t *r, MDB_txn *txn, const Carerhub__ReferralRecord *rec,
                            const Carerhub__CaseRecord *c, int64_t *at);

/* When the referral's organisation's agent stored it (*at, unix ms): its
 * own record in older stores, else the delivered table. False if not yet. */
bool router_delivered_at(router_t *r, MDB_txn *txn, const Carerhub__ReferralRecord *rec,
                         int64_t *at);
/* Where referral id stands (router_status.c), as a StatusReply for who:
 * NULL (or an operator) sees any referral with the case's detail, its
 * routing rule and reason, its timeline whole; a referrer sees only a
 * referral of its source whose organisation its scope covers (any other
 * is answered as an unknown id), and of that only its own referral's
 * dates, state and progress, the case id, the organisation the case is
 * with now, its contact-by target, and the timeline as a referrer sees it
 * (router_timeline), without another referral's cancellation: no routing
 * rule or reason (route_explain's words may hold the postcode and age
 * another referral gave). Returns a new reply (free with
 * carerhub__status_reply__free_unpacked). */
Carerhub__StatusReply *router_status(router_t *r, MDB_txn *txn, const participant_t *who,
                                     const char *id);
/* A referrer's referrals (who: a referrer's participant), by q: received
 * on or after q->since, oldest first, at most q->limit (1000), after
 * q->after; with q->newest_first the newest of them first, after q->after
 * going back in time. Returns a new reply (free with
 * carerhub__feedback_reply__free_unpacked), or NULL with a message for a
 * bad_request in msg. */
Carerhub__FeedbackReply *router_feedback(router_t *r, MDB_txn *txn, const participant_t *who,
                                         const Carerhub__FeedbackQuery *q, char *msg, size_t msgsz);

/* --- what needs a person (router_alerts.c) ----------------------------- */

#define ROUTER_ALERTS_MAX 200 /* alerts listed in one reply */

/* What needs a person on day `today`: overdue contacts, parked referrals,
 * identity conflicts of open cases, providers whose agent is silent.
 * Returns a new reply (free with carerhub__alerts_reply__free_unpacked). */
Carerhub__AlertsReply *router_alerts(router_t *r, MDB_txn *txn, date_t today);
/* How many cases are past their contact-by target on day `today`. */
uint64_t router_overdue_contacts(router_t *r, MDB_txn *txn, date_t today);
/* Keeps case c's entry in the conflicts table in step with it, inside a
 * write transaction: listed while open and flagged identity_conflict. */
int router_conflict_note(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c);
/* Builds the conflicts table for a store written before it existed (once;
 * marked in meta). Returns 0 or the store error. */
int router_conflicts_build(router_t *r);

/* --- an organisation's inbox and one of its cases (router_inbox.c) ---- */

#define ROUTER_CASES_MAX 2000 /* cases listed in one CasesReply (and the default) */

/* Keeps case c's entry in the by_provider table in step with it: listed
 * under its organisation while open, under the new one once moved, gone
 * once closed. Called by router_put_case before the record is written
 * (the record it replaces says where the case was listed). */
int router_inbox_note(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c);
/* Builds the by_provider table for a store written before it existed
 * (once; marked in meta). Returns 0 or the store error. */
int router_inbox_build(router_t *r);
/* How many open cases are with provider now (its by_provider entries). */
uint32_t router_inbox_count(router_t *r, MDB_txn *txn, const char *provider);
/* The open cases with provider now, as they stand at now (unix ms; a
 * case is overdue from the day after its contact-by target): overdue
 * first (the earliest target first), then the rest newest opened first;
 * at most q->limit (0: ROUTER_CASES_MAX, and never more), total the count
 * of all. Returns a new reply (free with
 * carerhub__cases_reply__free_unpacked). */
Carerhub__CasesReply *router_cases(router_t *r, MDB_txn *txn, const char *provider,
                                   const Carerhub__CasesQuery *q, int64_t now);
/* Case case_id as provider sees it at now (provider NULL: an operator,
 * who sees any case, every note): NULL when it is not with provider now
 * or there is none (the two read the same). The case as a delivery would
 * carry it now with every referral not cancelled (oldest first, fewer of
 * the oldest if the reply would outgrow a message), its state, kinds of
 * support, timeline (notes of the events at another organisation left
 * out, but for the words a case came with), the statuses its
 * organisation may record next and whether it may assign. Returns a new
 * reply (free with carerhub__case_reply__free_unpacked). */
Carerhub__CaseReply *router_case_view(router_t *r, MDB_txn *txn, const char *provider,
                                      const char *case_id, int64_t now);

/* --- reports (router_report.c counts, router_report_query.c answers) --- */

/* The report table holds counts only, kept as the router commits, in the
 * same transaction, so a report never reads a case. Each key is a local
 * calendar day, US (0x1f), a kind, then the kind's fields, each after a US;
 * each value an 8-byte big-endian count:
 *
 *   DAY c PROVIDER SOURCE LAD STAGE FLAGS  cases opened on DAY, by where each
 *       stands now (its organisation now, the source of the referral that
 *       opened it, its authority or "unresolved"), STAGE one of waiting,
 *       contacted, supported, declined, unable_to_contact, closed
 *       (router_report_stage); FLAGS the letters of u (opened by an urgent
 *       discharge), w (first contact by its contact-by target), y (a young
 *       carer: under 18 the day it opened, kept as opened_young; a case
 *       counted before that was kept, by the carer as now known), in that
 *       order, or "-" for none.
 *       A case moves from key to key (its report_key) as it changes.
 *   DAY r SOURCE CODE     referrals received from a referring organisation
 *                         (practice, trust, URN; "public" for a carer's own
 *                         referral; "unknown" if none)
 *   DAY d YES|NO          discharge referrals, whether the carer was consulted
 *                         ("yes" or "no")
 *   DAY n PREVDAY         cases opened on DAY for a carer whose previous
 *                         episode opened on PREVDAY (to count carers once;
 *                         never after DAY: an episode opens no earlier than
 *                         the one before it)
 *   DAY f PROVIDER SOURCE HOURS  first contacts on DAY (outcome's at), by the
 *                         organisation then, HOURS from the case opening
 *                         (router_report_hours)
 *   DAY s PROVIDER SOURCE LAD    cases first supported on DAY
 *   DAY a PREVDAY         of them, carers last supported (an earlier
 *                         episode) on PREVDAY
 *   DAY t PROVIDER        young carers' cases moved to adult services on
 *                         DAY, from PROVIDER (the move at 18: once a case)
 *   DAY x WHAT VALUE      what the referrals received on DAY say, each
 *                         counted once a referral, only when it says it
 *                         (router_report_about.c): hours BAND, priority priority,
 *                         work VALUE, request NAME (each asked for); with
 *                         consent.equality_monitoring, equality consent and
 *                         sex, age_band, ethnicity, disability VALUE (each
 *                         answered). What is not said is the r entries'
 *                         referrals less those said. No VALUE is free text.
 *
 * Carers referred in [A, B] are the c cases opened then less the n entries
 * of those days with PREVDAY >= A; carers supported the s entries less the
 * a entries with PREVDAY >= A: each carer once, however many episodes. */
#define ROUTER_REPORT_KEY_MAX 160

/* Where case c stands for a report: a stage name above (static text). */
const char *router_report_stage(const Carerhub__CaseRecord *c);
/* The bucket of a time to first contact of ms milliseconds: whole hours
 * below 72, whole days (in hours: 72, 96, ...) below 90 days, else 2160. */
unsigned router_report_hours(int64_t ms);
/* Writes case c's cohort key (the c entry above) into out. */
void router_report_case_key(const Carerhub__CaseRecord *c, char out[ROUTER_REPORT_KEY_MAX]);
/* Counts case c under its cohort key now, moving it from the one it was
 * counted under (c->report_key, set to the new one); a case without
 * opened_at is counted nowhere. Every write of a case
 * goes through router_put_case, which calls this. */
int router_report_case(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c);
/* router_report_case and router_inbox_note, then the case record put. */
int router_put_case(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c);
/* A referral taken into case c: the r and d entries, and when it opened c
 * (opened) the opening source, urgency and young carer (by ref's carer,
 * on c's opening day) on c and, for a carer's next episode
 * (c->previous_case), the n entry. */
int router_report_referral(router_t *r, MDB_txn *txn, const Carerhub__Referral *ref,
                           Carerhub__CaseRecord *c, bool opened);
/* The x entries of referral ref, received on day (YYYY-MM-DD). */
int router_report_about(router_t *r, MDB_txn *txn, const Carerhub__Referral *ref, const char *day);
/* Adds by (+1 or -1) to the report table's count under key (0 removes it). */
int router_report_add(router_t *r, MDB_txn *txn, const char *key, int by);
/* Case c's first contact at `at` (unix ms): the f entry and
 * c->contact_in_time; before the contact-by target is cleared. */
int router_report_contact(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *c, int64_t at);
/* Case c first supported at `at`: the s entry, and the a entry if an
 * earlier episode of the carer was supported. */
int router_report_support(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c, int64_t at);
/* A young carer's case moving to adult services from `from` at `at`. */
int router_report_transition(router_t *r, MDB_txn *txn, const char *from, int64_t at);
/* Case joined (closed into stands, the older: router_conflict.c) is the
 * same carer as stands: the n entry of joined's opening day for stands's,
 * so that the two count one carer referred; of their supports one carer
 * supported (an a entry when both were; joined's first support moves to
 * stands when only it was). Write both cases afterwards. */
int router_report_joined(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *stands,
                         Carerhub__CaseRecord *joined);
/* Counts a store written before the report table existed (once; marked in
 * meta): each case's cohort, first contact and support, move at 18 (from
 * its timeline), and each referral; a case that did not keep when it
 * opened opens when its first referral was received. Returns 0 or the
 * store error. */
int router_report_build(router_t *r);

/* The report for q on day `today` (q's dates default to the programme
 * start and today), from the report table alone. Returns a new reply (free
 * with carerhub__report_reply__free_unpacked), or NULL with a message for a
 * bad_request in msg (a date that is not YYYY-MM-DD, from after to). */
Carerhub__ReportReply *router_report(router_t *r, MDB_txn *txn, const Carerhub__ReportQuery *q,
                                     date_t today, char *msg, size_t msgsz);

/* --- metrics (router_metrics.c) ---------------------------------------- */

/* The router's metrics now (MetricsQuery): deliveries its agents
 * acknowledged and outcomes recorded since it started, per organisation;
 * each organisation's queue (its depth, the age of the oldest delivery
 * waiting) and whether its agent is connected; referrals parked; cases
 * past their contact-by target; its store's commit times. Returns a new
 * reply (free with carerhub__metrics_reply__free_unpacked). */
Carerhub__MetricsReply *router_metrics(router_t *r, MDB_txn *txn);
/* Counts an outcome of status st recorded (committed) for provider, the
 * organisation that reported it. */
void router_metrics_outcome(router_t *r, const char *provider, outcome_status_t st);

/* --- the operator's queues, parked referrals and identity conflicts
 * (router_ops.c, router_parked.c, router_conflict.c) ------------------- */

/* The deliveries waiting per provider (every provider of the routing, then
 * any other with an outbox entry), with its agent and its open cases.
 * Returns a new reply (free with carerhub__queues_reply__free_unpacked). */
Carerhub__QueuesReply *router_queues(router_t *r, MDB_txn *txn);

/* The parked referrals, oldest first, at most q->limit (default and most
 * 500), each with its reason, source, referring organisation and
 * submitter; never the carer. Returns a new reply (free with
 * carerhub__parked_reply__free_unpacked). */
Carerhub__ParkedReply *router_parked(router_t *r, MDB_txn *txn, const Carerhub__ParkedQuery *q);
/* An operator's (actor: the audit trail's words) release or rejection of
 * the parked referral q->referral_id, in one transaction. release: taken
 * again (router_take_again: past its submitter's bound), result released
 * with its case and provider, or parked_again with the reason (it still
 * fails its checks); a referral taken before whose delivery was held
 * back has that delivery queued again. reject (q->reason: the referrer's
 * to read, required): the parked entry goes, the rejection is kept
 * (router_rejected) and the referral reads rejected for its referrer.
 * Counted (parked_released, parked_rejected) and audited, ids
 * only. Returns 0 with *out filled (free with router_parked_reply_free), or
 * -1 with an Error's code (not_found, bad_request, unavailable) and
 * message. */
int router_parked_action(router_t *r, const char *actor, const Carerhub__ParkedAction *q,
                         Carerhub__ParkedActionReply *out, char *code, size_t codesz, char *msg,
                         size_t msgsz);
void router_parked_reply_free(Carerhub__ParkedActionReply *out);
/* The rejection of referral id (a new entry: free with
 * carerhub__parked_entry__free_unpacked), or NULL: the referral without
 * its carer, the operator's reason and when. */
Carerhub__ParkedEntry *router_rejected(router_t *r, MDB_txn *txn, const char *id);

#define ROUTER_CONFLICTS_MAX 32 /* cases one case is listed as in conflict with */

/* The cases case c is flagged identity_conflict with, as the conflicts
 * table lists them (an entry of an older store lists none: then the case
 * its conflict_reason names), into ids. Returns how many. */
size_t router_conflict_with(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                            char ids[ROUTER_CONFLICTS_MAX][CASE_ID_MAX + 1]);
/* Lists open cases a and b, both flagged, each as in conflict with the
 * other, inside a write transaction. */
int router_conflict_pair(router_t *r, MDB_txn *txn, const char *a, const char *b);
/* An operator's (actor) resolution of two open cases flagged with each
 * other, in one transaction: keep_apart (two people: neither is flagged
 * with the other any more; each organisation gets an update) or join (one
 * person: the newer case's referrals join the older, routed again, and the
 * newer closes, closed_reason joined). Counted and audited. Returns 0 with
 * *out filled (free with router_conflict_reply_free), or -1 with an
 * Error's code (not_found, bad_request, unavailable) and message. */
int router_conflict_action(router_t *r, const char *actor, const Carerhub__ConflictAction *q,
                           Carerhub__ConflictReply *out, char *code, size_t codesz, char *msg,
                           size_t msgsz);
void router_conflict_reply_free(Carerhub__ConflictReply *out);
/* The referrals of case joined become stands's (router_join.c), inside the
 * join's write transaction: each added as a referral for the carer's open
 * case is (router_case_add; a cancelled one by its id alone), its record
 * and index keys leading to stands; stands's referrals then in the order
 * the hub received them (each case's own order kept), and its carer as
 * those standing give them in that order. *newest is the newest standing
 * in that order (a new string, or NULL), *moved whether the carer's
 * postcode is not what it was. Write stands afterwards. Returns 0 or the
 * store error. */
int router_join_referrals(router_t *r, MDB_txn *txn, Carerhub__CaseRecord *stands,
                          const Carerhub__CaseRecord *joined, char **newest, bool *moved);

/* --- a subject access request (router_export.c) ------------------------ */

#define ROUTER_EXPORT_MAX (WIRE_MAX_MSG - 4096) /* an ExportReply's packed bytes, at most */

/* An operator's (actor: the audit trail's words) export of every record
 * the router holds about the carer of case or referral id: the case and
 * every episode linked to it, and what each of them and of their
 * referrals has in every table (router_export.c says which), as stored.
 * Audited in the same transaction (event export, the case id, the counts;
 * never personal data), also when refused. Returns 0 with *out a new reply
 * (free with carerhub__export_reply__free_unpacked), or -1 with an Error's
 * code and message: bad_request (not an id), not_found (no such case;
 * a referral the router does not hold, which may still be at its intake),
 * too_large (more than max packed bytes: nothing exported), unavailable. */
int router_export(router_t *r, const char *actor, const char *id, size_t max,
                  Carerhub__ExportReply **out, char *code, size_t codesz, char *msg, size_t msgsz);

/* --- erasing a carer's personal data (router_erase.c, router_erase_req.c) */

#define ROUTER_ERASE_REASON_MAX 200         /* characters of an operator's reason */
#define ROUTER_SCRUB_KEY        "scrub_due" /* in meta: an erasure's store not yet rewritten */

/* What an erased referral keeps (router_erase_keep): pointers into the
 * referral it was made from, which must outlive it. */
typedef struct {
    Carerhub__Referral ref;
    Carerhub__GpPart gp;
    Carerhub__DischargePart dis;
    Carerhub__Hospital hosp;
    Carerhub__SchoolPart sp;
    Carerhub__School school;
} router_kept_t;
/* Fills k with what of referral from (may be NULL), of id, is not personal
 * data: its id, source, times, submitter, the referring organisation's
 * code and the flags reports and feedback count. Chosen field by field:
 * anything else, a new field too, is left out. */
void router_erase_keep(const Carerhub__Referral *from, const char *id, router_kept_t *k);

/* router_export.c: case_id and every case of the same carer linked to it
 * (its earlier and later episodes, and cases an operator joined into one
 * of them), case_id first, as new strings. Returns 0 or a store error. */
int router_carer_cases(router_t *r, MDB_txn *txn, const char *case_id, char ***ids, size_t *n);

/* Erases the personal data of case case_id inside write transaction txn,
 * at now (unix ms), as router_erase.c says: referrals, case, index keys,
 * listings, timeline words, parked entries and queued deliveries; the
 * case closed (closed_reason erased) if open, counted by reports as
 * before; an "erasure" delivery of its next version to each organisation
 * it has been with; audited ("erased", by actor, with reason: the
 * operator's words, checked by the caller to hold no personal data, or
 * "retention"). Sets r->scrub_due (and its mark in meta). out (may be
 * NULL; free with router_erase_reply_free): the case, its referrals, the
 * organisations told, erased_at; already when it was erased before
 * (nothing done). Returns 0, MDB_NOTFOUND for no such case, or the store
 * error. The caller saves the numbering (router_put_meta), and calls
 * router_scrub once the transaction has committed. */
int router_erase_case(router_t *r, MDB_txn *txn, const char *case_id, const char *reason,
                      int64_t now, const char *actor, Carerhub__EraseReply *out);
void router_erase_reply_free(Carerhub__EraseReply *out);
/* Notes, inside a write transaction, that the store must be rewritten: in
 * meta, so that a router stopped before it was rewrites it at start. */
int router_erase_mark(router_t *r, MDB_txn *txn);

/* router_erase_named.c: which of carer's details (static text: "family
 * name", ...) reason holds, or NULL; of case c, as now known and as each of
 * its referrals gave them. */
const char *router_erase_named(const char *reason, const Carerhub__Carer *carer);
const char *router_erase_named_in_case(router_t *r, MDB_txn *txn, const Carerhub__CaseRecord *c,
                                       const char *reason);

/* An operator's (actor) erasure of q->id, a case id or a referral id (of
 * a case: the whole case, and every case of the carer linked to it,
 * router_carer_cases, in out->other_cases; parked or rejected, not taken into a case: that
 * entry, kept as an erased referral record), for q->reason (required, at
 * most ROUTER_ERASE_REASON_MAX characters, no control characters, and
 * none of the carer's family name, NHS number, postcode, phone number or
 * email: it goes into the audit trail), in one transaction; then the
 * store is rewritten (router_scrub: out->store_bytes when done), so no
 * transaction of this process may be open. A referral the router does not
 * hold (still at its intake, perhaps) is not_found. Returns 0 with *out
 * filled (free with router_erase_reply_free), or -1 with an Error's code
 * (not_found, bad_request, unavailable) and message. */
int router_erase(router_t *r, const char *actor, const Carerhub__EraseRequest *q,
                 Carerhub__EraseReply *out, char *code, size_t codesz, char *msg, size_t msgsz);
/* Rewrites the case store so that nothing erased remains in its file
 * (store_scrub), with no transaction of this process open. Returns 0 with
 * *bytes (may be NULL) its file's size, the mark cleared; else the error
 * (EBUSY: another process, a backup, has the store open), said in the log
 * once, with r->scrub_due left for router_scrub_retry. */
int router_scrub(router_t *r, uint64_t *bytes);
/* From the loop: a rewrite still due is tried every few seconds. */
void router_scrub_retry(router_t *r);
/* At start: a rewrite an erasure left due (the router stopped first) is
 * due now. */
void router_scrub_resume(router_t *r);

/* --- retention (router_retention.c) ------------------------------------ */

/* The closed cases past retention.closed_case_days at now (unix ms), not
 * erased yet and not waiting for a case holding their referrals, read in a
 * transaction of its own: *ids a new array of new strings (free each and
 * it), *n of them. Returns 0 or the store error. */
int router_retention_due(router_t *r, int64_t now, char ***ids, size_t *n);
/* Counts them into out (days, due, the last run's erased, last and next
 * run); with run, erases them first (router_erase_case, reason
 * "retention", by actor, NULL: the router's schedule; a batch a
 * transaction), out->erased those it erased, then rewrites the store once
 * (router_scrub): no transaction of this process may be open. Returns 0,
 * or the store error (the cases erased before it stay erased). */
int router_retention(router_t *r, const char *actor, bool run, Carerhub__RetentionReply *out);
/* From the loop: a run when the router starts and every
 * retention.check_minutes. */
void router_retention_tick(router_t *r);

/* Adds a copy of s to the strings *v (*n of them, grown by one) unless one
 * of them is s already; returns whether it was added. */
bool router_strv_add(char ***v, size_t *n, const char *s);

/* Packs and puts a protobuf message. */
int router_put(router_t *r, MDB_txn *txn, int db, const void *key, size_t klen,
               const ProtobufCMessage *msg);

#endif
