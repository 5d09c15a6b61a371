/*
 * carerhub-provider: the agent at a support organisation. It connects out
 * to the router, receives that organisation's cases, and writes each
 * delivery as one JSON file in a spool directory that the organisation's
 * case system picks up. A file appears only once, whole: written to a
 * temporary file, synced, recorded in the agent's ledger, renamed into
 * place; only then is the delivery acknowledged. The ledger makes a
 * redelivery harmless: it is acknowledged and never written again.
 *
 * main.c: arguments and the loop; provider_agent.c: the work with the
 * router; provider_spool.c: the files and the ledger; provider_json.c: what
 * a file holds.
 */
#ifndef CARERHUB_PROVIDER_H
#define CARERHUB_PROVIDER_H

#include "carerhub.pb-c.h"
#include "clnt/clnt.h"
#include "conf/hubconf.h"
#include "daemon/daemon.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct spool spool_t;
typedef struct provider_agent provider_agent_t;

/* The agent's own key (the file key, else keys_dir/provider-<id>.key) and
 * the router's public key. Returns 0, or -1 with the problem said. */
int provider_agent_keys(const hubconf_t *conf, const char *provider, const char *key,
                        clnt_keys_t *keys);
/* The agent for provider, connected to the router with keys, writing into
 * spool (borrowed); takes ownership of conf. */
provider_agent_t *provider_agent_new(const daemon_args_t *args, hubconf_t *conf,
                                     const char *provider, spool_t *spool, const clnt_keys_t *keys);
/* One pass: hello when due, wait a little for deliveries, store and
 * acknowledge them, reconnect when the router has gone quiet. */
void provider_agent_step(provider_agent_t *a);
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

#endif
