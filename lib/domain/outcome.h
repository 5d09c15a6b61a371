/*
 * Outcomes: what an organisation reports about a case, and the steps a case
 * may take (DESIGN.md, "Outcomes: the way back"). The usual path is
 *
 *   delivered -> accepted -> contact_attempted -> contacted -> supported -> closed
 *
 * with declined, unable_to_contact and not_ours (passed back) on the way,
 * and assign (triage only) to give a case to an organisation. Whatever the
 * router, the provider agent and the CLI check about an outcome is here, so
 * each says the same thing about the same mistake.
 */
#ifndef CARERHUB_OUTCOME_H
#define CARERHUB_OUTCOME_H

#include "carerhub.pb-c.h"
#include "domain/referral.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    OUTCOME_ACCEPTED,
    OUTCOME_CONTACT_ATTEMPTED,
    OUTCOME_CONTACTED,
    OUTCOME_SUPPORTED,
    OUTCOME_DECLINED,
    OUTCOME_UNABLE_TO_CONTACT,
    OUTCOME_NOT_OURS,
    OUTCOME_CLOSED,
    OUTCOME_ASSIGN,
    OUTCOME_N
} outcome_status_t;

/* The state of a case no organisation has reported on yet. */
#define OUTCOME_DELIVERED "delivered"

#define OUTCOME_NOTE_MAX    2000 /* characters of a note */
#define OUTCOME_REASON_MAX  500  /* characters of a reason in words */
#define OUTCOME_ID_MAX      64   /* characters of an outcome id */
#define OUTCOME_SUPPORT_MAX 16   /* kinds of support in one outcome */
/* How far ahead of the hub's clock an outcome's time may be (clocks differ). */
#define OUTCOME_SKEW_MS (5 * 60 * 1000)

/* The status named s, or -1. */
int outcome_status_parse(const char *s);
const char *outcome_status_name(outcome_status_t st);
/* Every status, kind of support, closing reason, cancelling reason: a
 * NULL-terminated list, and the same joined with ", " for a message. */
extern const char *const outcome_statuses[];
extern const char *const outcome_supports[];
extern const char *const outcome_close_reasons[];
/* Why a referrer cancels its referral: changed (the carer's circumstances
 * changed) or error (sent in error: the organisation deletes it). */
extern const char *const outcome_cancel_reasons[];
const char *outcome_list(const char *const *names);
bool outcome_support_ok(const char *kind);
bool outcome_close_reason_ok(const char *reason);
bool outcome_cancel_reason_ok(const char *reason);
/* Whether s may be an outcome id: 1-OUTCOME_ID_MAX letters, digits and
 * "-_.:". */
bool outcome_id_ok(const char *s);

/* Checks an outcome on its own (not against its case): a case id; a known
 * status; for supported one or more known kinds of support, each once (and
 * kinds of support only with supported); for closed a closing reason of the
 * list; for assign a provider id in to (for not_ours optional; a provider
 * id if given); at not later than now + OUTCOME_SKEW_MS; reason and note
 * UTF-8 text of sane length. Each problem is added to errs, named by the
 * field of an outcome file (case_id, status, support, reason, to, at,
 * note). Returns 0 or -1. */
int outcome_check(const Carerhub__Outcome *o, int64_t now, ferrs_t *errs);

/* Whether a case in `state` (CaseRecord.state; NULL or "" is delivered)
 * may take status st. Returns true, or false with a sentence for the
 * organisation in why ("the case is closed: nothing more can be recorded
 * on it (a new referral for the carer opens a new episode)"). Who may
 * report (the case's organisation; assign: triage) is the router's to
 * decide. */
bool outcome_step_ok(const char *state, outcome_status_t st, char *why, size_t whysz);
/* The case's state after st (the step allowed). not_ours and assign
 * leave the new organisation's case at delivered. */
const char *outcome_state_after(const char *state, outcome_status_t st);
/* Whether st says the organisation reached the carer (contacted,
 * supported, declined): it ends the contact-by target and an urgent flag.
 * unable_to_contact does not: the carer still waits to be contacted, so the
 * case stays urgent, and overdue once past its target. */
bool outcome_is_contact(outcome_status_t st);
/* What a referrer is told of a case in `state`: delivered (for delivered,
 * accepted, contact_attempted), contacted, supported, declined,
 * unable_to_contact or closed. */
const char *outcome_progress(const char *state);

/* The SNOMED CT concept GP systems record a carer with (see outcome.c). */
#define OUTCOME_SNOMED_CARER    "224484003"
#define OUTCOME_SNOMED_CARER_PT "Patient themselves providing care"

#endif
