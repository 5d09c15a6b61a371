/*
 * The participants file: who may connect to the hub. Each participant has an
 * id, a role, a scope and a CURVE public key. The key a peer authenticated
 * with, never anything it writes in a message, decides what it may do:
 *
 *   role      scope                       may
 *   gp        practice ODS code(s)        submit to the GP intake for that practice
 *   hospital  trust ODS code(s)           submit to the discharge intake for that trust
 *   school    school URN(s)               submit to the school intake for that school
 *   professional organisation(s): each an  submit to the professional intake for that
 *             ODS code, or the name of one  organisation (another professional: the
 *             without a code                wellbeing service, a pharmacy, an employer)
 *   provider  provider id                 receive that provider's cases
 *   operator  (none)                      ask for status, statistics and the audit trail
 *   commissioner (none)                   read reports (counts only)
 *   gateway   (none)                      act for its logged-in users (carerhub-web), in
 *                                         the roles its acts_for lists
 *   intake    gp, discharge, school, self, professional (the hub's own intakes) forward
 *                                         to the router
 *
 * A professional's scope value is an ODS organisation code (3 to 6
 * upper-case letters and digits, ods_org_valid) when the organisation has
 * one, and otherwise its name exactly as its referrals write it in
 * professional.organisation_name (1-100 characters): an employer's carers
 * network has no code. A referral that gives a code is judged by the code.
 *
 * One role is no key's: self, the public, as a gateway acts for a carer who
 * asks for help themselves (OnBehalf role self, at the self intake only).
 *
 * A gateway's acts_for lists the roles it may act for (gp, hospital,
 * school, provider, commissioner, operator, self); without it, the
 * referrers' and the public's (PARTICIPANT_ACTS_FOR_DEFAULT). The web front
 * door is the one daemon facing the internet: a deployment lists only the
 * pages it serves, so its key, stolen, cannot act as an operator unless the
 * deployer chose that.
 */
#ifndef CARERHUB_PARTICIPANTS_H
#define CARERHUB_PARTICIPANTS_H

#include "conf/conf.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    ROLE_GP,
    ROLE_HOSPITAL,
    ROLE_SCHOOL,
    ROLE_PROVIDER,
    ROLE_OPERATOR,
    ROLE_INTAKE,
    ROLE_COMMISSIONER, /* reads reports (counts only), nothing with personal data */
    ROLE_GATEWAY,      /* carerhub-web: acts for its logged-in users (OnBehalf) */
    ROLE_SELF,         /* the public, through a gateway: never a listed key's */
    ROLE_PROFESSIONAL, /* another professional's organisation: submits its referrals */
} role_t;

#define KEY_Z85_LEN              40
#define PARTICIPANT_ID_MAX       64  /* characters of a participant's id */
#define PARTICIPANT_ORG_NAME_MAX 100 /* a professional scope that is an organisation's name */

typedef struct {
    char *id;
    role_t role;
    char **scopes; /* one or more; none for operators */
    size_t nscopes;
    char key[KEY_Z85_LEN + 1]; /* Z85 public key */
    unsigned acts_for;         /* a gateway's: PARTICIPANT_ACTS(role) of each role in its
                                  acts_for; 0 for every other role */
} participant_t;

#define PARTICIPANT_ACTS(role) (1u << (unsigned)(role))
/* A gateway's acts_for when the file gives none: the referrers and the
 * public, who need no more than the forms and their own referrals. */
#define PARTICIPANT_ACTS_FOR_DEFAULT                                                               \
    (PARTICIPANT_ACTS(ROLE_GP) | PARTICIPANT_ACTS(ROLE_HOSPITAL) | PARTICIPANT_ACTS(ROLE_SCHOOL) | \
     PARTICIPANT_ACTS(ROLE_SELF))

typedef struct participants participants_t;

/* Reads and checks a participants file; NULL with every problem in diag. */
participants_t *participants_load(const char *path, diag_t *diag);
void participants_destroy(participants_t **p);

/* The participant with this Z85 public key, or NULL. Borrowed. */
const participant_t *participants_by_key(const participants_t *p, const char *z85);
/* The participant with this id, or NULL. Borrowed. */
const participant_t *participants_by_id(const participants_t *p, const char *id);
size_t participants_count(const participants_t *p);
/* The i-th participant in the file's order (i < participants_count). */
const participant_t *participants_at(const participants_t *p, size_t i);

/* True if the participant's scope includes s. */
bool participant_in_scope(const participant_t *who, const char *s);
/* True if who is a gateway whose acts_for lists role. */
bool participant_acts_for(const participant_t *who, role_t role);
const char *role_name(role_t r);

/* A short, stable fingerprint of a public key for logs and the audit trail
 * (the first 12 characters of its Z85 form: public, never secret). */
void key_fingerprint(const char *z85, char *out, size_t outsz);

#endif
