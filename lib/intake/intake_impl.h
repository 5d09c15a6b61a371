/*
 * Inside the intake engine: the state its parts share. intake.c runs the
 * loop and answers submitters; intake_spool.c keeps the spool (batches,
 * commits, ids, status queries); intake_submit.c judges a submission
 * (checks, scope, tokens, resends); intake_forward.c forwards the spool and
 * the audit records to the router and deletes what it acknowledges.
 */
#ifndef CARERHUB_INTAKE_IMPL_H
#define CARERHUB_INTAKE_IMPL_H

#include "intake/intake.h"

#include "conf/hubconf.h"
#include "daemon/daemon.h"
#include "daemon/secure.h"
#include "domain/pcdb.h"
#include "domain/referral.h"
#include "domain/route.h"
#include "store/store.h"
#include "util/smap.h"
#include "wire/wire.h"

#include <stdbool.h>
#include <stdint.h>

#define INTAKE_FORWARD_MAX_REFS  WIRE_FORWARD_MAX
#define INTAKE_FORWARD_MAX_BYTES (2u << 20)
#define INTAKE_TOKEN_MAX         128
#define INTAKE_DAY_MS            (24LL * 3600 * 1000)
#define INTAKE_TOKEN_KEEP_MS     (7 * INTAKE_DAY_MS)
#define INTAKE_DIGEST            16
#define INTAKE_GONE_MS           50    /* acknowledged, waiting for a batch to be deleted in */
#define INTAKE_GONE_MAX          20000 /* or this many */
/* A submitter's id: a participant's, or a gateway's user's (secure_acting_t:
 * "<gateway id>/<user>"); and its words in the audit trail. */
#define INTAKE_SUBMITTER_MAX (PARTICIPANT_ID_MAX + 80)
#define INTAKE_ACTOR_MAX     160
#define INTAKE_TOKEN_KEY     (INTAKE_SUBMITTER_MAX + 2 + INTAKE_TOKEN_MAX)
#define INTAKE_RESEND_KEY    (INTAKE_SUBMITTER_MAX + 2 + 2 * INTAKE_DIGEST)

/* The spool's tables, in the order of intake_dbs. tokens and resends hold
 * TokenEntry records (proto/store.proto says their keys). */
enum { INTAKE_DB_SPOOL, INTAKE_DB_TOKENS, INTAKE_DB_META, INTAKE_DB_AUDIT, INTAKE_DB_RESENDS };
extern const char *const intake_dbs[];

typedef struct {
    const intake_kind_t *kind;
    daemon_args_t args;
    hubconf_t *conf;
    const hubconf_intake_t *ic;
    route_t *rt;
    pcdb_t *pcdb;
    store_t *store;
    secure_t *sec;
    void *front, *back;
    char epoch[8];
    uint64_t next_seq;
    uint64_t next_audit;   /* last audit record numbered */
    uint64_t audit_cursor; /* the next audit record to send */
    /* Forwarding to the router. */
    smap_t *inflight; /* referral id -> monotonic ms when sent */
    uint64_t cursor;  /* the next spool sequence to send */
    int64_t last_progress;
    int64_t retry_ms;
    int64_t next_prune;
    unsigned long accepted, rejected, unavailable, forwarded, acked, bad, resent;
    /* The spool is rewritten (store_scrub) when referrals were deleted
     * from it since it last was: no later than next_scrub (monotonic ms). */
    bool scrub_dirty, scrub_said;
    int64_t next_scrub;
    /* What the router has acknowledged and the spool still holds: spool
     * and audit sequence numbers, deleted in the next batch's transaction
     * (or alone, INTAKE_GONE_MS after the first was acknowledged, when no
     * batch comes). Deleting needs no sync of its own: a deletion lost in
     * a crash only sends the router something it already has, which it
     * acknowledges again and does not take twice. gone_at: monotonic ms of
     * the first, 0 when there are none. */
    uint64_t *gone, *gone_audit;
    size_t n_gone, cap_gone, n_gone_audit, cap_gone_audit;
    int64_t gone_at;
} intake_t;

/* A submission accepted into the batch being gathered. */
typedef struct {
    wire_peer_t peer;
    uint64_t corr;
    bool has_corr;
    Carerhub__Envelope *env; /* owned: the request */
    uint64_t seq;
    char id[48];
    int same_as; /* index of an earlier item with the same token or referral, or -1 */
    bool again;  /* same_as is the same referral under another token: a resend */
    uint8_t digest[INTAKE_DIGEST];
    char tkey[INTAKE_TOKEN_KEY];  /* "" without a token */
    char rkey[INTAKE_RESEND_KEY]; /* "" when resends are not recognised */
    /* A gateway's user's submission: the audit trail's words for the user
     * ("gateway web / user a.patel"), recorded once it is committed; else "". */
    char by[INTAKE_ACTOR_MAX];
} intake_item_t;

/* Submissions gathered for one commit. */
typedef struct {
    intake_t *in;
    intake_item_t *items;
    size_t n, cap;
    smap_t *tokens;  /* token key -> item index, within the batch */
    smap_t *resends; /* resend key -> item index, within the batch */
    uint64_t last_seq;
} intake_batch_t;

/* intake.c: answers on the front socket (never blocking: a submitter that
 * went away will resend). */
void intake_reply(intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                  Carerhub__Envelope *env);
void intake_reply_error(intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                        const char *code, const char *message);
void intake_reply_submit(intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                         Carerhub__SubmitReply__Status status, const char *id, const ferrs_t *errs);
/* Answers a resend of a referral accepted at first_at (unix ms) as id:
 * accepted, with a notice that says when, and that nothing new was sent. */
void intake_reply_resend(intake_t *in, const wire_peer_t *peer, uint64_t corr, bool has_corr,
                         const char *id, int64_t first_at);

/* intake_spool.c */
/* Opens the spool in dir and reads its epoch and numbering; exits when it
 * cannot (a daemon without its spool takes nothing). */
void intake_spool_open(intake_t *in, const char *dir);
/* The sequence number of one of this intake's referral ids, or 0. */
uint64_t intake_seq_of(const intake_t *in, const char *id);
/* A new item at the end of the batch, owning env. */
intake_item_t *intake_batch_add(intake_batch_t *b, const wire_peer_t *peer,
                                Carerhub__Envelope *env);
/* Commits the batch, then answers every submitter in it; empties it. */
void intake_commit(intake_t *in, intake_batch_t *b);
/* Answers an operator's status query from the spool. */
void intake_status(intake_t *in, const wire_peer_t *peer, Carerhub__Envelope *env);

/* intake_submit.c */
/* Whom a request from peer is for (secure_acting), with the audit trail's
 * words for it in actor (the key's when the request is refused). NULL for
 * an unlisted key, and for an OnBehalf that is refused: from a key that is
 * not a gateway's, or badly formed; that refusal is answered (forbidden),
 * logged and audited here. */
const participant_t *intake_acting(intake_t *in, const wire_peer_t *peer,
                                   const Carerhub__Envelope *env, secure_acting_t *as, char *actor,
                                   size_t actorsz);
/* Judges a submission: answered at once when refused or a resend of what
 * is already spooled, else added to the batch. Takes ownership of env. */
void intake_submit(intake_t *in, intake_batch_t *b, const wire_peer_t *peer,
                   Carerhub__Envelope *env);
/* Forgets tokens older than INTAKE_TOKEN_KEEP_MS, and referrals accepted
 * longer ago than referrals.resend_window_days (all of them at 0). */
void intake_prune(intake_t *in);

/* intake_scrub.c: rewriting the spool so that no referral it passed on
 * stays in its file's freed pages. */
/* At start: rewritten now (or, while another process has it open, soon). */
void intake_scrub_start(intake_t *in);
/* From the loop: rewritten when due (referrals.spool_scrub_minutes after
 * a referral was deleted; sooner after a rewrite that could not be done). */
void intake_scrub_step(intake_t *in);
/* An operator's ScrubRequest: rewritten now, answered with a ScrubReply
 * (an Error unavailable while another process has the spool open, or
 * forbidden for any other key, audited). Does not take env. */
void intake_scrub_request(intake_t *in, const wire_peer_t *peer, const Carerhub__Envelope *env);

/* intake_forward.c */
/* (Re)opens the socket to the router. */
void intake_back_open(intake_t *in);
/* Sends the spool and the audit records waiting, while the window allows. */
void intake_forward(intake_t *in);
/* Keeps the audit events of this pass in the spool, for the router. */
void intake_store_audit(intake_t *in);
/* Reads the router's acknowledgements: what it has taken is to be deleted
 * from the spool (intake_t.gone). */
void intake_drain_back(intake_t *in);
/* Deletes what the router has taken, within a batch's transaction. */
int intake_delete_gone(intake_t *in, MDB_txn *txn);
/* After a commit of intake_delete_gone's: forgets what it deleted. */
void intake_gone_done(intake_t *in);
/* Deletes what the router has taken in a transaction of its own: now with
 * force, else once it has waited INTAKE_GONE_MS or grown to
 * INTAKE_GONE_MAX. */
void intake_delete_acked(intake_t *in, bool force);
/* Whether spool entry seq waits to be deleted (the router has it). */
bool intake_gone(const intake_t *in, uint64_t seq);
/* Starts over when the router has been silent too long. */
void intake_check_retry(intake_t *in);

/* intake_metrics.c */
/* Answers a MetricsQuery: a gateway's own key or an operator's, else
 * refused (forbidden). */
void intake_metrics(intake_t *in, const wire_peer_t *peer, const Carerhub__Envelope *env);

#endif
