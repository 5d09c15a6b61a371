/*
 * The intake daemon, shared by the five referral sources. An intake takes
 * submissions on a ROUTER socket, checks each against the rules of its
 * source, gives the good ones a referral id, commits them to its own LMDB
 * spool (a batch per commit, fully synced) and only then answers
 * "accepted". It forwards the spool to the router over a DEALER socket and
 * deletes each referral once the router acknowledges it, resending with
 * backoff until it does. A restart resumes from the spool. The same
 * referral sent again by the same submitter (under any token, within
 * referrals.resend_window_days) is answered with the id it was first given,
 * and spooled no second time.
 *
 * Each intake daemon is a thin main that describes its source.
 */
#ifndef CARERHUB_INTAKE_H
#define CARERHUB_INTAKE_H

#include "carerhub.pb-c.h"

#include <stddef.h>

/* What an intake daemon's own program tells the engine. The rest follows
 * from the source and is defined once, in lib/domain/referral.h: its name
 * (key, data directory, configuration section), program name, id prefix,
 * the role that submits, the organisation field a key's scope must cover,
 * and the checks of its referrals. */
typedef struct {
    Carerhub__Source source; /* the only source it takes */
    const char *notice;      /* told to the submitter with every acceptance, or NULL */
} intake_kind_t;

/* Runs an intake daemon; returns the process exit status. */
int intake_main(int argc, char **argv, const intake_kind_t *kind);

#endif
