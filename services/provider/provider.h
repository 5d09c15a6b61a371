/*
 * carerhub-provider: the agent at a support organisation. It connects out
 * to the router, receives that organisation's cases, and writes each
 * delivery as one JSON file in a spool directory that the organisation's
 * case system picks up. A file appears only once, whole: written to a
 * temporary file, synced, recorded in the agent's ledger, renamed into
 * place; only then is the delivery acknowledged. The ledger makes a
 * redelivery harmless: it is acknowledged and never written again.
 *
 * The way back: the organisation's case system drops outcome files into
 * the spool's outcomes/ folder; the agent reads each, sends the good ones
 * to the router on the same connection, and moves each file to
 * outcomes/sent/ once the router has recorded it, or to outcomes/rejected/
 * with an error file beside it. Until then the file stays where it is: it
 * is its own durable queue.
 *
 * main.c: arguments and the loop; provider_agent.c: the work with the
 * router; provider_spool.c: writing the files (provider_spool.h), with
 * provider_spool_ledger.c: the ledger and what it knows; provider_json.c: what
 * a file holds; provider_outcome.c: what an outcome file says;
 * provider_outbox.c: the outcomes folder; provider_outbox_file.c: reading
 * and filing its files, and keeping its folders.
 */
#ifndef CARERHUB_PROVIDER_H
#define CARERHUB_PROVIDER_H

#include "carerhub.pb-c.h"
#include "clnt/clnt.h"
#include "conf/hubconf.h"
#include "daemon/daemon.h"
#include "domain/outcome.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

typedef struct spool spool_t;
typedef struct outbox outbox_t;
typedef struct provider_agent provider_agent_t;

/* The agent's own key (the file key, else keys_dir/provider-<id>.key) and
 * the router's public key. Returns 0, or -1 with the problem said. */
int provider_agent_keys(const hubconf_t *conf, const char *provider, const char *key,
                        clnt_keys_t *keys);
/* The agent for provider, connected to the router with keys, writing into
 * spool and carrying the outcomes of outbox (both borrowed); takes
 * ownership of conf. */
provider_agent_t *provider_agent_new(const daemon_args_t *args, hubconf_t *conf,
                                     const char *provider, spool_t *spool, outbox_t *outbox,
                                     const clnt_keys_t *keys);
/* One pass: hello when due, wait a little for deliveries, store and
 * acknowledge them, carry outcome files and act on the router's answers,
 * reconnect when the router has gone quiet. */
void provider_agent_step(provider_agent_t *a);
/* The agent must stop: the router refused it because another agent for
 * its provider is connected (Error code agent_connected; said on stderr and
 * in the log). carerhub-provider then exits with PROVIDER_EX_SECOND. */
bool provider_agent_stopped(const provider_agent_t *a);
#define PROVIDER_EX_SECOND 77 /* EX_NOPERM: another agent serves this provider */

/* SIGHUP: the configuration again (the router endpoint and the credit
 * change only on restart). */
void provider_agent_reload(provider_agent_t *a);
void provider_agent_destroy(provider_agent_t **a);

/* Opens the spool directory out (created 0700) with its state under
 * out/.carerhub: the ledger and the temporary files. Finishes what a
 * previous run left half done. NULL on failure (logged). */
spool_t *spool_open(const char *out);
void spool_close(spool_t **s);

/* Makes every delivery durable in the spool, or finds it already there;
 * never replaces a file. A delivery is known by its identity: its case id
 * and version, or without a version its referral id; one whose identity is
 * in the ledger is a redelivery, stored and not written again. stored[i]
 * (n of them, caller's) says whether delivery i may be acknowledged: false
 * for one whose case file name is taken by a file already in the spool, or
 * that has no identity (each logged as an error naming it). Returns 0, or
 * -1 (logged, every stored[i] false) when none may be acknowledged.
 * *written counts the files written now. */
int spool_write(spool_t *s, Carerhub__Delivery **ds, size_t n, bool *stored, size_t *written);

/* The version of the case a delivery carries (from 1), or 0 for none, as
 * from a router older than case versions. */
uint32_t provider_version(const Carerhub__Delivery *d);

/* The organisation a delivery is for: the case's provider, or for a
 * transfer_out the organisation the case has left. NULL if not said.
 * Borrowed from d. */
const char *provider_recipient(const Carerhub__Delivery *d);

/* Whether d makes a case file this agent (for provider) may write: a known
 * kind, a case id, the ids its identity needs (see spool_write), what a file
 * of its kind must hold, and for this provider. Returns true, or false with
 * the reason in why (for the log; no personal data). */
bool provider_delivery_ok(const Carerhub__Delivery *d, const char *provider, char *why,
                          size_t whysz);

/* The file name a delivery gets (safe characters only), so that a case's
 * files sort in delivery order: <case>.v<version, 6 digits>.<kind>.json;
 * without a version <case>.json for a new case and
 * <case>.<kind>.<referral-id>.json otherwise (the names of agents before
 * case versions, which sort before every versioned name of their case). */
#define PROVIDER_NAME_MAX 200
void provider_file_name(const Carerhub__Delivery *d, char *out, size_t outsz);

/* The JSON document of a delivery, a case file of schema PROVIDER_SCHEMA
 * (config/case.schema.json) when provider_delivery_ok says d makes one;
 * valid JSON whatever d holds. Appended to out. */
#define PROVIDER_SCHEMA "carerhub.case.v2"
void provider_json(const Carerhub__Delivery *d, buf_t *out);
/* The case file of an erasure (kind "erasure"): schema, kind, case_id,
 * version, provider, provider_name, erased_at, referral_ids and files, the
 * names of the nfiles files (borrowed; [] for none) this agent wrote for
 * the case, so that the case system erases what it imported from them;
 * nothing else d holds. provider_json writes it with no files. */
void provider_json_erasure(const Carerhub__Delivery *d, const char *const *files, size_t nfiles,
                           buf_t *out);

/* --- outcome files (provider_outcome.c) -------------------------------- */

/* The largest outcome file read; a larger one is rejected unread. */
#define PROVIDER_OUTCOME_MAX_BYTES (64 * 1024)
/* An outcome id the agent derives: "f-", 32 hexadecimal digits, NUL. */
#define PROVIDER_OUTCOME_ID_LEN 35

/* An outcome file as the agent found it in outcomes/: its name, its len
 * bytes at data, and what stays the same while the file waits there (a
 * kill of the agent changes neither) but not when it is written anew: its
 * inode number and modification time. */
typedef struct {
    const char *name;
    const void *data;
    size_t len;
    uint64_t ino;
    int64_t mtime_ns; /* unix nanoseconds */
} provider_file_t;

/* What the agent knows of the file st describes, of that name and data:
 * fills f (name and data borrowed). */
void provider_file_of(provider_file_t *f, const char *name, const void *data, size_t len,
                      const struct stat *st);
/* Reads outcome file f of provider: one JSON object (duplicate keys
 * refused) of the keys of config/outcome.schema.json, each of its type (at:
 * an RFC 3339 date and time), then outcome_check with the hub's clock now
 * (unix ms). A file without at has its modification time (to the ms), so
 * that the outcome read from a file is the same each time it is read.
 * Returns a new Outcome, its source the file's name and its outcome_id the
 * file's or provider_outcome_id's (free with provider_outcome_free); or
 * NULL with every problem added to errs, each named by the key it is about,
 * or "json" for the file as a whole (syntax, encoding, duplicate_key,
 * too_large, type). Either way case_id gets the file's case id when it is
 * one (for the log), else "". A len over PROVIDER_OUTCOME_MAX_BYTES is
 * too_large without data being looked at (data may be NULL). */
Carerhub__Outcome *provider_outcome_read(const char *provider, const provider_file_t *f,
                                         int64_t now, char case_id[CASE_ID_MAX + 1], ferrs_t *errs);
void provider_outcome_free(Carerhub__Outcome **o);
/* The outcome id of a file without one: a hash (BLAKE2b, 16 bytes) of the
 * provider id, the file's name, inode number, modification time (ns) and
 * content, in hexadecimal after "f-". The same file read again (after a
 * restart) has the same id; another name, or the same name and content
 * written anew, another id. */
void provider_outcome_id(const char *provider, const provider_file_t *f,
                         char out[PROVIDER_OUTCOME_ID_LEN]);
/* The error file of a rejected outcome file: {"file": name, "rejected_at":
 * UTC time, "errors": [{"field", "code", "message"}...]}, a line of JSON
 * whatever name and errs hold. Appended to out. */
void provider_outcome_error_json(const char *name, int64_t rejected_at, const ferrs_t *errs,
                                 buf_t *out);

/* --- the outcomes folder (provider_outbox.c) ---------------------------- */

#define OUTBOX_SCAN_MS    200  /* the folder is listed at most this often */
#define OUTBOX_CHECK_MS   1000 /* the folders are looked at at most this often */
#define OUTBOX_PASS_MAX   100  /* files read in one pass, in name order */
#define OUTBOX_FLIGHT_MAX 400  /* files read and not yet moved */
#define OUTBOX_NAME_MAX   200  /* bytes of a file name; longer ones are left alone */

/* Opens out/outcomes with its sent/ and rejected/ folders (created 0700),
 * for provider (borrowed). NULL on failure (logged). The agent keeps a
 * handle on each, and looks at most every OUTBOX_CHECK_MS (at once when a
 * file or folder is not found) whether each is still the folder at its
 * path: one removed is made again (0700), one replaced is opened anew. The
 * files read from an outcomes/ that was removed or replaced and not yet
 * filed are forgotten: a file there now (put back, or new) is read afresh. */
outbox_t *outbox_open(const char *out, const char *provider);
void outbox_close(outbox_t **ob);
/* One pass, when due: reads the files new in outcomes/ (each at most once
 * while it waits for the router), moves the bad ones to rejected/ with
 * their error files, and, when may_send, sends on sock the outcomes not yet
 * sent or unanswered for resend_ms, in reports of at most WIRE_OUTCOMES_MAX.
 * Returns how many ms until it is next due. */
long outbox_step(outbox_t *ob, void *sock, bool may_send, int64_t resend_ms);
/* The router's answer to report corr: a file recorded (or recorded
 * before) goes to sent/, a refused one to rejected/ with the router's
 * field, code and message in its error file; one the router could not
 * store now is sent again after resend_ms. */
void outbox_reply(outbox_t *ob, uint64_t corr, const Carerhub__OutcomeReply *rep);
/* An Error answering report corr: returns false if corr is no report of
 * ob's; else its files are sent again later (the error logged). */
bool outbox_error(outbox_t *ob, uint64_t corr, const char *code, const char *message);
/* A new connection: whatever waits for an answer is sent again. */
void outbox_resend(outbox_t *ob);
/* Files moved to sent/ and to rejected/ since opening. */
void outbox_counts(const outbox_t *ob, unsigned long *sent, unsigned long *rejected);

/* The file work of the folder (provider_outbox_file.c). Reads the whole of
 * fd, a regular file as st describes it, into *data (new, caller frees),
 * *len bytes; or when it is larger than PROVIDER_OUTCOME_MAX_BYTES, nothing
 * (*data NULL) and *len its size (a file that grew while read: more than
 * the maximum). Returns 0, or -1 with errno. */
int outbox_file_read(int fd, const struct stat *st, char **data, size_t *len);
/* Whether a name in outcomes/ is an outcome file to read: a whole one (not
 * a temporary name starting with '.') ending in .json. */
bool outbox_file_candidate(const char *name);
/* Inserts a copy of name into pick, which holds the first *n <= max names
 * in byte order (each new, caller frees): so that a pass reads the first
 * max names of a folder of any size. */
void outbox_file_pick(char **pick, size_t *n, size_t max, const char *name);
/* Moves fromdir/name into todir as name, or name.2 ... name.999, the first
 * where no file of that name is (nor, with errdoc, of its name.error.json);
 * with errdoc, that error file is written first, durably. Never replaces a
 * file; syncs both folders. The name given goes to final. Returns 0, or -1
 * with errno (ENOENT: name is gone, or a folder is). */
int outbox_file_away(int fromdir, const char *name, int todir, const buf_t *errdoc, char *final,
                     size_t finalsz);
/* Removes the temporary error files a previous run left in dirfd. */
void outbox_file_clean(int dirfd);

/* --- the folders of the outbox (provider_outbox_file.c) ---------------- */

/* A folder of the outbox, held open: its path (owned), the handle (-1: not
 * open), which folder that is, and what of it was not said: [0] warnings,
 * [1] errors. */
typedef struct {
    char *path;
    int fd;
    dev_t dev;
    ino_t ino;
    int64_t next_say[2]; /* monotonic ms: said again no sooner */
    unsigned long unsaid[2];
} outbox_folder_t;

/* outcomes/ with its sent/ and rejected/, held open. */
typedef struct {
    outbox_folder_t dir, sent, rej;
    int64_t next_check; /* monotonic ms: looked at again no sooner */
} outbox_folders_t;

/* Opens out/outcomes, sent/ and rejected/ into fs, made 0700 (out/ too)
 * when missing. Returns 0, or -1 (logged, nothing held). */
int outbox_folders_open(outbox_folders_t *fs, const char *out);
void outbox_folders_close(outbox_folders_t *fs);

#define OUTBOX_DIR_NEW 1 /* outcomes/ was removed or replaced: held files are not in it */
#define OUTBOX_SUB_NEW 2 /* sent/ or rejected/ is open anew */
/* Looks, at most every OUTBOX_CHECK_MS unless now, whether each folder is
 * still the one at its path: one removed is made again (0700, its parent
 * synced), one replaced opened anew (its mode set to 0700), never through
 * a symlink; a new outcomes/ gets sent/ and rejected/. One that cannot be
 * opened is tried again at the next look. Each change and each failure is
 * said, at most once a minute for each folder. Returns what changed
 * (OUTBOX_*_NEW), 0 for nothing. */
int outbox_folders_check(outbox_folders_t *fs, bool now);
/* Logs a line about folder fo, a warning (or with error an error), unless
 * one of that level was said of it less than a minute ago: then counted,
 * and the count said with the next. */
void outbox_folder_say(outbox_folder_t *fo, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
