/*
 * The intake daemon, shared by the three referral sources. An intake takes
 * submissions on a ROUTER socket, checks each against the rules of its
 * source, gives the good ones a referral id, commits them to its own LMDB
 * spool (a batch per commit, fully synced) and only then answers
 * "accepted". It forwards the spool to the router over a DEALER socket and
 * deletes each referral once the router acknowledges it, resending with
 * backoff until it does. A restart resumes from the spool.
 *
 * Each intake daemon is a thin main that describes its source.
 */
#ifndef CARERHUB_INTAKE_H
#define CARERHUB_INTAKE_H

#include "carerhub.pb-c.h"

#include <stddef.h>

typedef struct {
    const char *dir;         /* its subdirectory of data_dir and key name, e.g. gp-intake */
    Carerhub__Source source; /* the only source it takes (program name, id prefix and
                                submitting role follow from it: domain/referral.h) */
    size_t conf_offset;      /* offsetof(hubconf_t, <its section>) */
    const char *notice;      /* told to the submitter with every acceptance */
} intake_kind_t;

/* Runs an intake daemon; returns the process exit status. */
int intake_main(int argc, char **argv, const intake_kind_t *kind);

/* The intake serving the source named by a referral id's prefix, or NULL. */
const intake_kind_t *intake_kind_of_id(const char *referral_id);
extern const intake_kind_t intake_gp, intake_discharge, intake_school;

#endif
