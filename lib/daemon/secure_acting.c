/*
 * Whom a request acts for: see secure.h. A gateway (carerhub-web) speaks
 * for the people logged in to it, naming each request's user in an
 * OnBehalf. The daemon then judges the request as if it came from a key of
 * that user's role scoped to the user's organisation alone, so every rule
 * keyed on a participant (scope, tokens and resends per submitter, whose
 * referrals may be seen, whose cases) holds for each user apart. Only a
 * gateway's key may say whom it acts for: from any other key an OnBehalf
 * is a forgery.
 *
 * The rule: a role is honoured only if the gateway's acts_for in the
 * participants file lists it AND the place the request arrives allows it.
 * The deployer decides the first (absent: gp, hospital, school and self,
 * the referrers and the public), so a front door that serves no operator
 * pages has a key that, stolen or its daemon taken over, cannot act as an
 * operator. This file decides the second, by the table below: at an
 * intake a referrer's alone (gp, hospital, school: only referrers submit),
 * so a gateway key never submits as anyone else; at the router a
 * referrer's, a provider's (its inbox, its cases, its outcomes), a
 * commissioner's (the report) and an operator's, each then getting exactly
 * what a key of that role would. The reasons given never repeat the values
 * sent (they are the caller's to audit, and a forged OnBehalf may carry
 * anything).
 *
 * It acts for the public too, at one place only: a carer who asks for help
 * on the public form is nobody's user, and the self intake takes their
 * referral as from the public (OnBehalf role self, no user, no
 * organisation), if the gateway's acts_for lists self. Anywhere else the
 * public may do nothing, so role self is refused there: it could ask after
 * no referral, and any other daemon would have to be trusted to know that.
 * No user may be called "public" either (in any case): "<gateway>/public"
 * is the public's id, and a user of that name would be taken for it.
 */
#include "daemon/secure.h"

#include "domain/codes.h"
#include "domain/route.h"
#include "util/log.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

#define S_USER_MAX 64

#define S_INTAKE (1u << SECURE_AT_INTAKE)
#define S_ROUTER (1u << SECURE_AT_ROUTER)

/* The roles a gateway's user may have, and where each is honoured. */
static const struct {
    const char *name;
    role_t role;
    unsigned at; /* bits of secure_at_t */
} s_roles[] = {
    {"gp", ROLE_GP, S_INTAKE | S_ROUTER},             /* submits; status, feedback, cancel */
    {"hospital", ROLE_HOSPITAL, S_INTAKE | S_ROUTER}, /* the same, for its trust */
    {"school", ROLE_SCHOOL, S_INTAKE | S_ROUTER},     /* the same, for its school */
    {"provider", ROLE_PROVIDER, S_ROUTER},            /* its inbox, its cases, outcomes */
    {"commissioner", ROLE_COMMISSIONER, S_ROUTER},    /* the report */
    {"operator", ROLE_OPERATOR, S_ROUTER},            /* what an operator's key may ask */
};

/* What a gateway is told when it names another role, by where. */
static const char *const s_other_role[] = {
    [SECURE_AT_INTAKE] = "OnBehalf: the role is not gp, hospital or school (a gateway acts for "
                         "referrers only at an intake)",
    [SECURE_AT_ROUTER] = "OnBehalf: the role is not gp, hospital, school, provider, commissioner "
                         "or operator",
};

static bool s_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* An account name: a letter, then letters, digits, '.', '-' or '_'. */
static bool s_user_ok(const char *u)
{
    size_t n = strlen(u);
    if (n == 0 || n > S_USER_MAX || !s_letter(u[0]))
        return false;
    for (; *u; u++)
        if (!s_letter(*u) && !(*u >= '0' && *u <= '9') && *u != '.' && *u != '-' && *u != '_')
            return false;
    return true;
}

/* What a gateway is told when its acts_for does not list the role. */
static const char s_not_listed[] = "OnBehalf: this gateway is not allowed to act for that role "
                                   "(acts_for in the participants file)";

/* Whether org is of the form role's scope needs; NULL or "" is none. */
static const char *s_org_problem(role_t role, const char *org)
{
    bool none = !org || !org[0];
    switch (role) {
    case ROLE_GP:
        return !none && ods_practice_valid(org) ? NULL
                                                : "a gp user's organisation is a practice ODS code";
    case ROLE_HOSPITAL:
        return !none && ods_trust_valid(org) ? NULL
                                             : "a hospital user's organisation is a trust ODS code";
    case ROLE_SCHOOL:
        return !none && urn_valid(org) ? NULL : "a school user's organisation is a 6-digit URN";
    case ROLE_PROVIDER:
        return !none && route_id_ok(org) ? NULL : "a provider user's organisation is a provider id";
    case ROLE_COMMISSIONER:
    case ROLE_OPERATOR:
        return none ? NULL : "a commissioner or operator acts for no organisation";
    default:
        return "not a role a user may have";
    }
}

static const participant_t *s_refuse(char *why, size_t whysz, const char *text)
{
    snprintf(why, whysz, "%s", text);
    return NULL;
}

static bool s_given(const char *v)
{
    return v && v[0];
}

/* The public, for gateway gw: "<gw>/public", role self, no scope. */
static const participant_t *s_public(const participant_t *gw, const Carerhub__OnBehalf *ob,
                                     bool public_ok, secure_acting_t *out, char *why, size_t whysz)
{
    if (!public_ok)
        return s_refuse(why, whysz,
                        "OnBehalf: role self (the public) may only submit a carer's own "
                        "referral to the self intake");
    if (s_given(ob->user) || s_given(ob->organisation))
        return s_refuse(why, whysz,
                        "OnBehalf: role self is the public, with no user and no organisation");
    if (!participant_acts_for(gw, ROLE_SELF))
        return s_refuse(why, whysz, s_not_listed);
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s/public", gw->id);
    out->p.id = out->id;
    out->p.role = ROLE_SELF;
    memcpy(out->p.key, gw->key, sizeof out->p.key);
    return &out->p;
}

static const participant_t *s_acting(const secure_t *s, secure_at_t at, const wire_peer_t *peer,
                                     const Carerhub__Envelope *env, bool public_ok,
                                     secure_acting_t *out, char *why, size_t whysz)
{
    const participant_t *gw = secure_peer(s, peer);
    const Carerhub__OnBehalf *ob = env ? env->on_behalf : NULL;
    const char *problem;
    char text[160];
    size_t i;

    if (!gw)
        return s_refuse(why, whysz, "the key is not listed");
    if (!ob)
        return gw; /* a gateway's own key may do nothing: its role gets no answers */
    if (gw->role != ROLE_GATEWAY) {
        snprintf(text, sizeof text,
                 "an OnBehalf from a key of role %s: only a gateway's key may act for a user",
                 role_name(gw->role));
        return s_refuse(why, whysz, text);
    }
    if (ob->role && strcmp(ob->role, "self") == 0)
        return s_public(gw, ob, public_ok, out, why, whysz);
    if (!ob->user || !s_user_ok(ob->user))
        return s_refuse(why, whysz,
                        "OnBehalf: the user name is not 1-64 letters, digits, '.', '-' or '_' "
                        "starting with a letter");
    if (text_ieq(ob->user, "public"))
        return s_refuse(why, whysz, "OnBehalf: the user name is reserved (the public's)");
    CH_ASSERT(at == SECURE_AT_INTAKE || at == SECURE_AT_ROUTER);
    for (i = 0; i < sizeof s_roles / sizeof *s_roles; i++)
        if (ob->role && strcmp(ob->role, s_roles[i].name) == 0 && (s_roles[i].at & (1u << at)))
            break;
    if (i == sizeof s_roles / sizeof *s_roles)
        return s_refuse(why, whysz, s_other_role[at]);
    if (!participant_acts_for(gw, s_roles[i].role))
        return s_refuse(why, whysz, s_not_listed);
    if ((problem = s_org_problem(s_roles[i].role, ob->organisation)) != NULL) {
        snprintf(text, sizeof text, "OnBehalf: %s", problem);
        return s_refuse(why, whysz, text);
    }

    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s/%s", gw->id, ob->user);
    out->p.id = out->id;
    out->p.role = s_roles[i].role;
    memcpy(out->p.key, gw->key, sizeof out->p.key);
    if (ob->organisation && ob->organisation[0]) {
        snprintf(out->org, sizeof out->org, "%s", ob->organisation);
        out->scopev[0] = out->org;
        out->p.scopes = out->scopev;
        out->p.nscopes = 1;
    }
    return &out->p;
}

const participant_t *secure_acting_at(const secure_t *s, secure_at_t at, const wire_peer_t *peer,
                                      const Carerhub__Envelope *env, secure_acting_t *out,
                                      char *why, size_t whysz)
{
    return s_acting(s, at, peer, env, false, out, why, whysz);
}

const participant_t *secure_acting(const secure_t *s, const wire_peer_t *peer,
                                   const Carerhub__Envelope *env, secure_acting_t *out, char *why,
                                   size_t whysz)
{
    return s_acting(s, SECURE_AT_INTAKE, peer, env, false, out, why, whysz);
}

const participant_t *secure_acting_public(const secure_t *s, const wire_peer_t *peer,
                                          const Carerhub__Envelope *env, secure_acting_t *out,
                                          char *why, size_t whysz)
{
    return s_acting(s, SECURE_AT_INTAKE, peer, env, true, out, why, whysz);
}

void secure_acting_name(const participant_t *who, char *out, size_t outsz)
{
    /* A user name holds no '/', so the last one ends the gateway's id. */
    const char *slash = who ? strrchr(who->id, '/') : NULL;
    if (!who) {
        snprintf(out, outsz, "unknown");
        return;
    }
    if (who->role == ROLE_SELF && slash && slash > who->id) {
        snprintf(out, outsz, "gateway %.*s / public", (int)(slash - who->id), who->id);
        return;
    }
    if (slash && slash > who->id && s_user_ok(slash + 1)) {
        snprintf(out, outsz, "gateway %.*s / user %s", (int)(slash - who->id), who->id, slash + 1);
        return;
    }
    snprintf(out, outsz, "%s", who->id);
}
