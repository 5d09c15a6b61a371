/*
 * Security for a daemon: its own CURVE key pair, the participants table,
 * the ZAP handler that admits only listed keys, socket monitors that notice
 * peers failing the handshake (a plaintext client, say), and the audit
 * events those produce. The handler runs in the daemon's own loop: the
 * loop polls secure_items() and calls secure_handle().
 *
 * A peer's ZAP User-Id is its Z85 public key; secure_peer() turns it into
 * the participant, looked up in the table in force when the message
 * arrives, so a key removed on reload is refused from then on, on open
 * connections too.
 */
#ifndef CARERHUB_SECURE_H
#define CARERHUB_SECURE_H

#include "carerhub.pb-c.h"
#include "conf/hubconf.h"
#include "domain/participants.h"
#include "wire/curve.h"
#include "wire/wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

typedef struct secure secure_t;

/* Loads keys_dir/<key_name>.key and the participants file, binds the ZAP
 * handler in the daemon's ZeroMQ context. Exits (status 78) on a problem:
 * a daemon never runs without authentication. */
secure_t *secure_start(const hubconf_t *conf, const char *key_name);
void secure_stop(secure_t **s);

/* Makes sock a CURVE server with this daemon's key, watched for failed
 * handshakes. `what` names it in the audit trail (e.g. "gp intake"). */
void secure_server(secure_t *s, void *sock, const char *what);
/* Stops watching the server sockets, and reads what their watches still
 * hold. Call before closing them (then secure_stop). */
void secure_unwatch(secure_t *s);

/* Makes sock a CURVE client of the server whose public key is
 * keys_dir/<server_name>.pub. Exits if it cannot be read. */
void secure_client(secure_t *s, void *sock, const hubconf_t *conf, const char *server_name);

/* Poll items for the ZAP handler and monitors; returns how many were
 * written (at most max). */
size_t secure_items(secure_t *s, zmq_pollitem_t *items, size_t max);
/* Answers waiting ZAP requests and reads monitor events. */
void secure_handle(secure_t *s);

/* Reloads the participants file (SIGHUP). A file with problems is logged
 * and the current table kept. Returns 0 when replaced. */
int secure_reload(secure_t *s, const hubconf_t *conf);

/* The participant a message came from, or NULL if its key is not (or no
 * longer) listed. */
const participant_t *secure_peer(const secure_t *s, const wire_peer_t *peer);

/* Whether a message's connection is served: each key is served on at
 * most security.connections_per_key connections at once (a connection
 * counts from its first message until it closes). Messages on a connection
 * past the limit are to be dropped unanswered; *first_refusal is set for
 * the first of them, which may be answered once. Refusals are recorded. */
bool secure_admit(secure_t *s, const wire_peer_t *peer, bool *first_refusal);

/* The participant a message came from when it is listed with role (and,
 * for providers and intakes, one scope: whose cases, which source), else
 * NULL: the role gate every daemon applies before it serves a request. */
const participant_t *secure_role(const secure_t *s, const wire_peer_t *peer, role_t role);

/* Whom a request is for. A gateway's request carrying OnBehalf is for
 * that user, as a participant of the user's role scoped to the user's
 * organisation alone, with the id "<gateway id>/<user>" (the audit trail's
 * actor, e.g. "web/a.patel"). */
typedef struct {
    participant_t p; /* points into the buffers below */
    char id[PARTICIPANT_ID_MAX + 80];
    char org[40];
    char *scopev[1];
} secure_acting_t;

/* Where a request arrives, which decides the roles a gateway may act for
 * there (secure_acting.c keeps the table), of those its acts_for lists. */
typedef enum {
    SECURE_AT_INTAKE, /* an intake: referrers only (gp, hospital, school) */
    SECURE_AT_ROUTER, /* the router's control socket: a referrer, provider,
                         commissioner or operator */
} secure_at_t;

/* The participant request env from peer, arriving at `at`, acts as: the
 * peer's own when env carries no OnBehalf; the user's (built in *out) when
 * it does and the peer's key has role gateway and the OnBehalf is well
 * formed (a user name of 1-64 letters, digits, '.', '-', '_', not
 * "public" in any case; a role honoured at `at` and listed in the
 * gateway's acts_for, never another; an organisation of the form its
 * scope needs: a practice or trust ODS code, a URN, a provider id
 * (route_id_ok), none for commissioner and operator). NULL otherwise,
 * with the reason in why (for the refusal the caller audits): an OnBehalf
 * from a key that is not a gateway's, one for a role the gateway may not
 * act for, or one badly formed. A provider user's organisation is checked
 * for its form only: the router's own rules (its cases, its outcomes)
 * decide the rest, as for a provider's key. */
const participant_t *secure_acting_at(const secure_t *s, secure_at_t at, const wire_peer_t *peer,
                                      const Carerhub__Envelope *env, secure_acting_t *out,
                                      char *why, size_t whysz);
/* secure_acting_at at an intake. */
const participant_t *secure_acting(const secure_t *s, const wire_peer_t *peer,
                                   const Carerhub__Envelope *env, secure_acting_t *out, char *why,
                                   size_t whysz);
/* As secure_acting, and the public too, for the self intake's submissions
 * alone: an OnBehalf of role self from a gateway's key whose acts_for
 * lists self, with no user and no organisation (absent or empty), is the
 * public, a participant of role self with no scope and the id
 * "<gateway id>/public". secure_acting refuses role self: the public may
 * ask nothing, and nothing but a carer's own referral comes from it. */
const participant_t *secure_acting_public(const secure_t *s, const wire_peer_t *peer,
                                          const Carerhub__Envelope *env, secure_acting_t *out,
                                          char *why, size_t whysz);
/* The audit trail's words for who: "gateway web / user a.patel" for a
 * gateway's user, "gateway web / public" for the public, else the
 * participant id. */
void secure_acting_name(const participant_t *who, char *out, size_t outsz);

/* The participant listed with this id now, or NULL. */
const participant_t *secure_participant(const secure_t *s, const char *id);

/* Records an audit event for the daemon to store (see secure_take). */
void secure_audit(secure_t *s, const char *event, const char *actor, const char *referral_id,
                  const char *detail);
/* Hands over the audit events recorded since the last call: *out is a new
 * array of new records (free each with carerhub__audit_record__free_unpacked
 * and the array with free). Returns the count. */
size_t secure_take(secure_t *s, Carerhub__AuditRecord ***out);

/* Logs and audits a refusal (event "refused-message", say) of actor. The
 * same refusal again within 10 s is counted, and recorded once as a count;
 * past 20 refusals in 10 s, by strangers or by listed keys, the rest are
 * counted and recorded as one "refusals-held" record. So no peer can flood
 * the log or the audit trail. */
void secure_refused(secure_t *s, const char *event, const char *actor, const char *referral_id,
                    const char *detail);

/* Logs and audits a message refused as unreadable or out of place (never
 * its contents): `where` names the socket, `why` the problem. */
void secure_refuse(secure_t *s, const wire_peer_t *peer, const char *where, const char *why);

/* The actor to name for a peer in the audit trail: participant id, or
 * "key:<fingerprint>" when unlisted. */
void secure_actor(const secure_t *s, const wire_peer_t *peer, char *out, size_t outsz);

#endif
