/*
 * The participants file: see participants.h.
 */
#include "domain/participants.h"

#include "domain/codes.h"
#include "domain/route.h"
#include "util/mem.h"
#include "util/smap.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct participants {
    participant_t *v;
    size_t n, cap;
    smap_t *by_key;
};

static const char *const s_roles[] = {
    "gp",           "hospital", "school", "provider",     "operator", "intake",
    "commissioner", "gateway",  "self",   "professional", NULL};

const char *role_name(role_t r)
{
    return r <= ROLE_PROFESSIONAL ? s_roles[r] : "unknown";
}

/* A professional's organisation without an ODS code, by its name: text a
 * referral's organisation_name could be, as referral_check leaves it
 * (nothing blank at either end). */
static bool s_org_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && s[0] != ' ' && s[n - 1] != ' ' &&
           text_check(s, n, PARTICIPANT_ORG_NAME_MAX, false) == TEXT_OK;
}

void key_fingerprint(const char *z85, char *out, size_t outsz)
{
    snprintf(out, outsz, "%.12s", z85 ? z85 : "");
}

/* Whether a scope value is of the form the role needs. */
static const char *s_scope_problem(role_t role, const char *s)
{
    switch (role) {
    case ROLE_GP:
        return ods_practice_valid(s) ? NULL : "a GP scope is a practice ODS code, e.g. F81001";
    case ROLE_HOSPITAL:
        return ods_trust_valid(s) ? NULL : "a hospital scope is a trust ODS code, e.g. RAJ";
    case ROLE_SCHOOL:
        return urn_valid(s) ? NULL : "a school scope is the school's 6-digit URN";
    case ROLE_PROVIDER:
        return route_id_ok(s) ? NULL : "a provider scope is a provider id, e.g. afc";
    case ROLE_PROFESSIONAL:
        return ods_org_valid(s) || s_org_name_ok(s)
                   ? NULL
                   : "a professional scope is an organisation's ODS code (e.g. FA123), or its "
                     "name (1-100 characters) when it has no code";
    case ROLE_INTAKE:
        return strcmp(s, "gp") == 0 || strcmp(s, "discharge") == 0 || strcmp(s, "school") == 0 ||
                       strcmp(s, "self") == 0 || strcmp(s, "professional") == 0
                   ? NULL
                   : "an intake scope is gp, discharge, school, self or professional";
    case ROLE_OPERATOR:
        return "an operator has no scope";
    case ROLE_COMMISSIONER:
        return "a commissioner has no scope";
    case ROLE_GATEWAY:
        return "a gateway has no scope";
    case ROLE_SELF:
        break; /* no key has it: refused before its scope is read */
    }
    return "invalid scope";
}

static bool s_key_ok(const char *z85)
{
    uint8_t bin[32];
    return strlen(z85) == KEY_Z85_LEN && zmq_z85_decode(bin, z85) != NULL;
}

static void s_free_one(participant_t *p)
{
    free(p->id);
    for (size_t i = 0; i < p->nscopes; i++)
        free(p->scopes[i]);
    free(p->scopes);
}

/* Reads a participant's scope: none for an operator, one value for a
 * provider or an intake, one or a list for the others, each checked for
 * its role. Returns 0, or -1 with the problems in ctx's diagnostics. */
static int s_scopes(const conf_ctx_t *ctx, participant_t *pp, const ynode_t *n,
                    const ynode_t *scope)
{
    participant_t p = *pp;
    int rc = 0;
    if (p.role == ROLE_OPERATOR || p.role == ROLE_COMMISSIONER || p.role == ROLE_GATEWAY) {
        if (scope && !ynode_is_null(scope)) {
            diag_at(ctx->diag, ctx->file, scope, "participant %s: %s has no scope", p.id,
                    p.role == ROLE_OPERATOR       ? "an operator"
                    : p.role == ROLE_COMMISSIONER ? "a commissioner"
                                                  : "a gateway");
            rc = -1;
        }
    } else if (!scope || ynode_is_null(scope)) {
        diag_at(ctx->diag, ctx->file, n, "participant %s: a %s needs a scope", p.id,
                role_name(p.role));
        rc = -1;
    } else {
        size_t count = scope->kind == YNODE_SEQ ? scope->nkids : 1;
        if (scope->kind == YNODE_MAP || count == 0 || (count > 1 && p.role == ROLE_PROVIDER) ||
            (count > 1 && p.role == ROLE_INTAKE)) {
            diag_at(ctx->diag, ctx->file, scope, "participant %s: scope must be one value%s", p.id,
                    p.role == ROLE_PROVIDER || p.role == ROLE_INTAKE ? "" : " or a list");
            rc = -1;
        } else {
            p.scopes = xcalloc(count, sizeof *p.scopes);
            for (size_t i = 0; i < count; i++) {
                const ynode_t *s = scope->kind == YNODE_SEQ ? scope->kids[i] : scope;
                const char *why = s->kind == YNODE_SCALAR ? s_scope_problem(p.role, s->value)
                                                          : "scope values are single codes";
                if (why) {
                    diag_at(ctx->diag, ctx->file, s, "participant %s: %s", p.id, why);
                    rc = -1;
                    continue;
                }
                p.scopes[p.nscopes++] = xstrdup(s->value);
            }
        }
    }
    *pp = p;
    return rc;
}

/* The roles a gateway may be given in acts_for: a user's or the public's,
 * never a key's own kind (intake, gateway). */
static const role_t s_actable[] = {ROLE_GP,           ROLE_HOSPITAL, ROLE_SCHOOL, ROLE_PROVIDER,
                                   ROLE_COMMISSIONER, ROLE_OPERATOR, ROLE_SELF};

#define S_ACTABLE "gp, hospital, school, provider, commissioner, operator or self"

/* Reads a gateway's acts_for (absent: the default), refused for any other
 * role. Returns 0, or -1 with the problems in ctx's diagnostics. */
static int s_acts_for(const conf_ctx_t *ctx, participant_t *p, const ynode_t *acts)
{
    size_t count;
    int rc = 0;
    if (p->role != ROLE_GATEWAY) {
        if (acts)
            diag_at(ctx->diag, ctx->file, acts,
                    "participant %s: acts_for is for a gateway only; a key of role %s acts for "
                    "itself",
                    p->id, role_name(p->role));
        return acts ? -1 : 0;
    }
    if (!acts) {
        p->acts_for = PARTICIPANT_ACTS_FOR_DEFAULT;
        return 0;
    }
    count = acts->kind == YNODE_SEQ ? acts->nkids : ynode_is_null(acts) ? 0 : 1;
    if (acts->kind == YNODE_MAP || count == 0) {
        diag_at(ctx->diag, ctx->file, acts,
                "participant %s: acts_for is a list of roles (" S_ACTABLE
                "); leave it out for gp, hospital, school and self",
                p->id);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        const ynode_t *r = acts->kind == YNODE_SEQ ? acts->kids[i] : acts;
        size_t k = 0;
        while (r->kind == YNODE_SCALAR && k < sizeof s_actable / sizeof *s_actable &&
               strcmp(r->value, role_name(s_actable[k])) != 0)
            k++;
        if (r->kind != YNODE_SCALAR || k == sizeof s_actable / sizeof *s_actable) {
            diag_at(ctx->diag, ctx->file, r,
                    "participant %s: acts_for: each role is one of " S_ACTABLE, p->id);
            rc = -1;
        } else if (p->acts_for & PARTICIPANT_ACTS(s_actable[k])) {
            diag_at(ctx->diag, ctx->file, r, "participant %s: acts_for names %s twice", p->id,
                    role_name(s_actable[k]));
            rc = -1;
        } else {
            p->acts_for |= PARTICIPANT_ACTS(s_actable[k]);
        }
    }
    return rc;
}

static int s_one(participants_t *ps, const conf_ctx_t *ctx, const ynode_t *n)
{
    static const char *const keys[] = {"id", "role", "scope", "key", "acts_for", NULL};
    const ynode_t *id = ynode_get(n, "id"), *role = ynode_get(n, "role");
    const ynode_t *scope = ynode_get(n, "scope"), *key = ynode_get(n, "key");
    const ynode_t *acts = ynode_get(n, "acts_for");
    participant_t p;
    int rc = 0;

    memset(&p, 0, sizeof p);
    if (!n || n->kind != YNODE_MAP) {
        diag_at(ctx->diag, ctx->file, n,
                "each participant is a mapping: id, role, scope, key (and a gateway's acts_for)");
        return -1;
    }
    if (conf_only_keys(ctx, n, keys) < 0)
        rc = -1;
    if (!id || id->kind != YNODE_SCALAR || id->len == 0 || id->len > PARTICIPANT_ID_MAX ||
        id->len != strlen(id->value)) {
        diag_at(ctx->diag, ctx->file, id ? id : n, "a participant needs an id (1-%d characters)",
                PARTICIPANT_ID_MAX);
        return -1;
    }
    /* "<gateway>/<user>" names a gateway's user in the audit trail: no
     * listed participant may look like one. */
    if (strchr(id->value, '/')) {
        diag_at(ctx->diag, ctx->file, id, "participant %s: an id may not contain '/'", id->value);
        return -1;
    }
    p.id = xstrdup(id->value);
    p.role = (role_t)-1;
    for (int i = 0; role && role->kind == YNODE_SCALAR && s_roles[i]; i++)
        if (strcmp(role->value, s_roles[i]) == 0)
            p.role = (role_t)i;
    if ((int)p.role < 0) {
        diag_at(ctx->diag, ctx->file, role ? role : n,
                "participant %s: role must be gp, hospital, school, professional, provider, "
                "operator, commissioner, gateway or intake",
                p.id);
        s_free_one(&p);
        return -1;
    }
    /* The public has no key: a carer's own referral comes through a
     * gateway, which names role self in its OnBehalf. */
    if (p.role == ROLE_SELF) {
        diag_at(ctx->diag, ctx->file, role,
                "participant %s: role self is no key's: a carer's own referral comes through "
                "a gateway (carerhub-web)",
                p.id);
        s_free_one(&p);
        return -1;
    }
    if (s_scopes(ctx, &p, n, scope) < 0)
        rc = -1;
    if (s_acts_for(ctx, &p, acts) < 0)
        rc = -1;
    if (!key || key->kind != YNODE_SCALAR || !s_key_ok(key->value)) {
        diag_at(ctx->diag, ctx->file, key ? key : n,
                "participant %s: key must be a 40-character Z85 public key (carerhub keygen "
                "writes one to NAME.pub)",
                p.id);
        rc = -1;
    } else {
        uint64_t dummy;
        memcpy(p.key, key->value, KEY_Z85_LEN + 1);
        if (smap_get(ps->by_key, p.key, &dummy)) {
            diag_at(ctx->diag, ctx->file, key, "participant %s: this key already belongs to %s",
                    p.id, ps->v[dummy].id);
            rc = -1;
        }
    }
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->v[i].id, p.id) == 0) {
            diag_at(ctx->diag, ctx->file, id, "two participants are called %s", p.id);
            rc = -1;
        }
    if (rc < 0) {
        s_free_one(&p);
        return -1;
    }
    ps->v = xgrow(ps->v, &ps->cap, ps->n + 1, sizeof *ps->v);
    ps->v[ps->n] = p;
    smap_put(ps->by_key, p.key, ps->n);
    ps->n++;
    return 0;
}

participants_t *participants_load(const char *path, diag_t *diag)
{
    static const char *const top[] = {"participants", NULL};
    const ynode_t *root, *list;
    conf_ctx_t ctx = {path, NULL, diag};
    ystream_t *s = conf_read_trusted(path, &root, diag);
    participants_t *ps;
    size_t before = diag->n;

    if (!s)
        return NULL;
    ps = xcalloc(1, sizeof *ps);
    ps->by_key = smap_new();
    conf_only_keys(&ctx, root, top);
    list = ynode_get(root, "participants");
    if (!list || list->kind != YNODE_SEQ)
        diag_at(diag, path, list ? list : root, "participants must be a list");
    for (size_t i = 0; list && list->kind == YNODE_SEQ && i < list->nkids; i++)
        s_one(ps, &ctx, list->kids[i]);
    ystream_destroy(&s);
    if (diag->n > before) {
        participants_destroy(&ps);
        return NULL;
    }
    return ps;
}

void participants_destroy(participants_t **pp)
{
    participants_t *p = *pp;
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        s_free_one(&p->v[i]);
    free(p->v);
    smap_destroy(&p->by_key);
    free(p);
    *pp = NULL;
}

const participant_t *participants_by_key(const participants_t *p, const char *z85)
{
    uint64_t i;
    if (!p || !z85 || !smap_get(p->by_key, z85, &i))
        return NULL;
    return &p->v[i];
}

const participant_t *participants_by_id(const participants_t *p, const char *id)
{
    for (size_t i = 0; p && id && i < p->n; i++)
        if (strcmp(p->v[i].id, id) == 0)
            return &p->v[i];
    return NULL;
}

size_t participants_count(const participants_t *p)
{
    return p ? p->n : 0;
}

const participant_t *participants_at(const participants_t *p, size_t i)
{
    return &p->v[i];
}

bool participant_in_scope(const participant_t *who, const char *s)
{
    for (size_t i = 0; who && s && i < who->nscopes; i++)
        if (strcmp(who->scopes[i], s) == 0)
            return true;
    return false;
}

bool participant_acts_for(const participant_t *who, role_t role)
{
    return who && who->role == ROLE_GATEWAY && role <= ROLE_PROFESSIONAL &&
           (who->acts_for & PARTICIPANT_ACTS(role)) != 0;
}
