/*
 * Outcomes and the steps of a case: see outcome.h.
 *
 * The SNOMED CT concept a GP practice codes an unpaid (informal) carer
 * with is 224484003 "Patient themselves providing care" (Read code
 * Ua0VL), the parent of the more specific informal carer codes ("Cares
 * for a relative", "Carer of person with dementia" ...). Sources: PRIMIS,
 * University of Nottingham, CARER_COD in the SARS-CoV-2 vaccination
 * uptake reporting codes 2020/21, as published on OpenCodelists
 * (codelists.opensafely.org, primis-covid19-vacc-uptake/carer/v1); and
 * Ardens, "Carer coding" (support.ardens.org.uk), which tells formal
 * (paid) carers, 229774002, from informal ones, 224484003 and its
 * children.
 */
#include "domain/outcome.h"

#include "domain/route.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

const char *const outcome_statuses[] = {
    "accepted",          "contact_attempted", "contacted", "supported", "declined",
    "unable_to_contact", "not_ours",          "closed",    "assign",    NULL,
};

const char *const outcome_supports[] = {
    "information_advice",
    "practical_support",
    "brief_intervention",
    "peer_support",
    "wellbeing_grant",
    "break",
    "emergency_plan",
    "benefits_check",
    "carers_assessment",
    "digital_offer",
    "other",
    NULL,
};

const char *const outcome_close_reasons[] = {
    "support_complete", "no_longer_caring",  "bereaved", "moved_away",
    "declined",         "unable_to_contact", "other",    NULL,
};

const char *const outcome_cancel_reasons[] = {"changed", "error", NULL};

static int s_index(const char *const *names, const char *s)
{
    for (int i = 0; s && names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int outcome_status_parse(const char *s)
{
    return s_index(outcome_statuses, s);
}

const char *outcome_status_name(outcome_status_t st)
{
    return st >= 0 && st < OUTCOME_N ? outcome_statuses[st] : "";
}

const char *outcome_list(const char *const *names)
{
    /* Four lists, each well under the size of its buffer. */
    static char buf[4][400];
    int which = names == outcome_statuses        ? 0
                : names == outcome_supports      ? 1
                : names == outcome_close_reasons ? 2
                                                 : 3;
    char *out = buf[which];
    size_t len = 0;
    if (out[0])
        return out;
    for (int i = 0; names[i] && len + strlen(names[i]) + 3 < sizeof buf[0]; i++)
        len += (size_t)snprintf(out + len, sizeof buf[0] - len, "%s%s", i ? ", " : "", names[i]);
    return out;
}

bool outcome_support_ok(const char *kind)
{
    return s_index(outcome_supports, kind) >= 0;
}

bool outcome_close_reason_ok(const char *reason)
{
    return s_index(outcome_close_reasons, reason) >= 0;
}

bool outcome_cancel_reason_ok(const char *reason)
{
    return s_index(outcome_cancel_reasons, reason) >= 0;
}

bool outcome_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > OUTCOME_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            return false;
    }
    return true;
}

static void s_text(const char *s, const char *field, size_t max, bool multiline, ferrs_t *errs)
{
    text_status_t st;
    if (!s)
        return;
    if ((st = text_check(s, strlen(s), max, multiline)) != TEXT_OK)
        ferrs_add(errs, field, st == TEXT_TOO_LONG ? "too_long" : "format", "%s %s", field,
                  st == TEXT_TOO_LONG ? "is too long" : text_status_str(st));
}

static void s_support(const Carerhub__Outcome *o, int st, ferrs_t *errs)
{
    if (st != OUTCOME_SUPPORTED) {
        if (o->n_support > 0)
            ferrs_add(errs, "support", "not_allowed",
                      "kinds of support go only with status supported");
        return;
    }
    if (o->n_support == 0)
        ferrs_add(errs, "support", "required", "supported needs at least one kind of support: %s",
                  outcome_list(outcome_supports));
    if (o->n_support > OUTCOME_SUPPORT_MAX) {
        ferrs_add(errs, "support", "too_many", "at most %d kinds of support in one outcome",
                  OUTCOME_SUPPORT_MAX);
        return;
    }
    for (size_t i = 0; i < o->n_support; i++) {
        if (!outcome_support_ok(o->support[i])) {
            ferrs_add(errs, "support", "unknown",
                      "'%.40s' is not a kind of support; use one of: %s", o->support[i],
                      outcome_list(outcome_supports));
            continue;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(o->support[i], o->support[j]) == 0)
                ferrs_add(errs, "support", "repeated", "%s is given twice", o->support[i]);
    }
}

static void s_reason_to(const Carerhub__Outcome *o, int st, ferrs_t *errs)
{
    if (st == OUTCOME_CLOSED && !o->reason)
        ferrs_add(errs, "reason", "required", "closed needs a reason: %s",
                  outcome_list(outcome_close_reasons));
    else if (st == OUTCOME_CLOSED && !outcome_close_reason_ok(o->reason))
        ferrs_add(errs, "reason", "unknown", "'%.40s' is not a reason to close; use one of: %s",
                  o->reason, outcome_list(outcome_close_reasons));
    else
        s_text(o->reason, "reason", OUTCOME_REASON_MAX, true, errs);
    if (st == OUTCOME_ASSIGN && !o->to)
        ferrs_add(errs, "to", "required", "assign needs the provider id of the organisation");
    else if (o->to && st != OUTCOME_ASSIGN && st != OUTCOME_NOT_OURS)
        ferrs_add(errs, "to", "not_allowed", "to goes only with not_ours or assign");
    else if (o->to && !route_id_ok(o->to))
        ferrs_add(errs, "to", "format",
                  "to must be a provider id (lower-case letters, digits and '-')");
}

int outcome_check(const Carerhub__Outcome *o, int64_t now, ferrs_t *errs)
{
    size_t before = errs->n;
    int st = outcome_status_parse(o->status);

    if (!o->case_id)
        ferrs_add(errs, "case_id", "required", "case_id is required (the case file's case_id)");
    else if (!case_id_ok(o->case_id))
        ferrs_add(errs, "case_id", "format", "case_id must be a case id such as C-000001");
    if (!o->status)
        ferrs_add(errs, "status", "required", "status is required: %s",
                  outcome_list(outcome_statuses));
    else if (st < 0)
        ferrs_add(errs, "status", "unknown", "'%.40s' is not a status; use one of: %s", o->status,
                  outcome_list(outcome_statuses));
    if (st >= 0) {
        s_support(o, st, errs);
        s_reason_to(o, st, errs);
    }
    if (o->has_at && o->at > now + OUTCOME_SKEW_MS)
        ferrs_add(errs, "at", "future", "at is in the future");
    else if (o->has_at && o->at < 946684800000LL)
        ferrs_add(errs, "at", "format", "at is before the year 2000");
    s_text(o->note, "note", OUTCOME_NOTE_MAX, true, errs);
    if (o->outcome_id && !outcome_id_ok(o->outcome_id))
        ferrs_add(errs, "outcome_id", "format",
                  "outcome_id must be 1-%d letters, digits or - _ . :", OUTCOME_ID_MAX);
    return errs->n == before ? 0 : -1;
}

/* The states, in the order a case usually takes them. */
enum {
    S_DELIVERED,
    S_ACCEPTED,
    S_ATTEMPTED,
    S_CONTACTED,
    S_SUPPORTED,
    S_DECLINED,
    S_UNABLE,
    S_CLOSED
};

static int s_state(const char *state)
{
    static const char *const names[] = {OUTCOME_DELIVERED,   "accepted",  "contact_attempted",
                                        "contacted",         "supported", "declined",
                                        "unable_to_contact", "closed",    NULL};
    int i = state && *state ? s_index(names, state) : S_DELIVERED;
    return i < 0 ? S_DELIVERED : i;
}

bool outcome_step_ok(const char *state, outcome_status_t st, char *why, size_t whysz)
{
    int s = s_state(state);
    const char *msg = NULL;

    if (s == S_CLOSED)
        msg = "the case is closed: nothing more can be recorded on it (a new referral for the "
              "carer opens a new episode)";
    else if (st == OUTCOME_ACCEPTED && s != S_DELIVERED)
        msg = "the case was accepted already (it is past that step)";
    else if ((st == OUTCOME_CONTACT_ATTEMPTED || st == OUTCOME_UNABLE_TO_CONTACT) &&
             (s == S_CONTACTED || s == S_SUPPORTED))
        msg = "the carer has been contacted already: record supported, declined or closed";
    else if ((st == OUTCOME_CONTACT_ATTEMPTED || st == OUTCOME_UNABLE_TO_CONTACT ||
              st == OUTCOME_SUPPORTED) &&
             s == S_DECLINED)
        msg = "the carer declined: record contacted first if they have since agreed to "
              "support, or close the case";
    else if (st == OUTCOME_NOT_OURS && s == S_SUPPORTED)
        msg = "the organisation has supported the carer: close the case rather than pass it "
              "back";
    if (msg)
        snprintf(why, whysz, "%s", msg);
    return msg == NULL;
}

const char *outcome_state_after(const char *state, outcome_status_t st)
{
    int s = s_state(state);
    switch (st) {
    case OUTCOME_CONTACTED:
        return s == S_SUPPORTED ? "supported" : "contacted";
    case OUTCOME_NOT_OURS:
    case OUTCOME_ASSIGN:
        return OUTCOME_DELIVERED;
    default:
        return st >= 0 && st < OUTCOME_N ? outcome_statuses[st] : OUTCOME_DELIVERED;
    }
}

bool outcome_is_contact(outcome_status_t st)
{
    return st == OUTCOME_CONTACTED || st == OUTCOME_SUPPORTED || st == OUTCOME_DECLINED;
}

const char *outcome_progress(const char *state)
{
    switch (s_state(state)) {
    case S_CONTACTED:
        return "contacted";
    case S_SUPPORTED:
        return "supported";
    case S_DECLINED:
        return "declined";
    case S_UNABLE:
        return "unable_to_contact";
    case S_CLOSED:
        return "closed";
    default:
        return "delivered";
    }
}
