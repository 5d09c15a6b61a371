/*
 * Unit tests of the roles a gateway may act for: acts_for in the
 * participants file (absent: gp, hospital, school and self; a list of
 * those and provider, commissioner, operator; nothing else, and only on a
 * gateway), and secure_acting honouring a role only when the gateway lists
 * it and the place allows it, from the file in force (a reload changes it).
 * No user may be called "public": that is the public's id.
 */
#include "test.h"

#include "conf/hubconf.h"
#include "daemon/daemon.h"
#include "daemon/secure.h"
#include "fixture.h"
#include "domain/participants.h"
#include "domain/route.h"
#include "util/file.h"
#include "util/mem.h"
#include "wire/curve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_KEY_A "thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]JoK8"
#define S_KEY_B "YEniVKf}dK<&<[p8%YMgbbU{<sK+ARe.P>LUuR5A"

/* Loads a participants file of text; NULL with the problems in *d. */
static participants_t *s_load(const char *text, diag_t *d)
{
    char *path = xasprintf("%s/p.yaml", test_tmpdir());
    participants_t *p = NULL;
    if (file_write_atomic(path, text, strlen(text), 0600) == 0)
        p = participants_load(path, d);
    free(path);
    return p;
}

TEST(participants_acts_for_defaults_to_the_referrers_and_the_public)
{
    static const struct {
        role_t role;
        bool listed;
    } want[] = {
        {ROLE_GP, true},        {ROLE_HOSPITAL, true},  {ROLE_SCHOOL, true},
        {ROLE_SELF, true},      {ROLE_PROVIDER, false}, {ROLE_COMMISSIONER, false},
        {ROLE_OPERATOR, false}, {ROLE_GATEWAY, false},  {ROLE_INTAKE, false},
    };
    diag_t d = DIAG_INIT;
    participants_t *p = s_load("participants:\n"
                               "  - {id: web, role: gateway, key: \"" S_KEY_A "\"}\n"
                               "  - {id: ops, role: operator, key: \"" S_KEY_B "\"}\n",
                               &d);
    const participant_t *web, *ops;
    diag_print(&d, stdout);
    CHECK(p != NULL);
    web = participants_by_id(p, "web");
    ops = participants_by_id(p, "ops");
    CHECK(web != NULL && ops != NULL);
    for (size_t i = 0; web && i < sizeof want / sizeof *want; i++) {
        if (participant_acts_for(web, want[i].role) != want[i].listed)
            test_fail(__FILE__, __LINE__, "the default gateway %s act for %s",
                      want[i].listed ? "does not" : "does", role_name(want[i].role));
    }
    /* Only a gateway acts for anyone. */
    CHECK(!participant_acts_for(ops, ROLE_OPERATOR));
    CHECK(!participant_acts_for(NULL, ROLE_GP));
    participants_destroy(&p);
    diag_free(&d);
}

TEST(participants_acts_for_lists_the_roles_given)
{
    diag_t d = DIAG_INIT;
    participants_t *p = s_load(
        "participants:\n"
        "  - {id: ops-web, role: gateway, acts_for: [operator, commissioner], key: \"" S_KEY_A
        "\"}\n"
        "  - id: inbox-web\n"
        "    role: gateway\n"
        "    acts_for: provider\n" /* one role on its own */
        "    key: \"" S_KEY_B "\"\n",
        &d);
    const participant_t *ops, *inbox;
    diag_print(&d, stdout);
    CHECK(p != NULL);
    ops = participants_by_id(p, "ops-web");
    inbox = participants_by_id(p, "inbox-web");
    CHECK(ops != NULL && inbox != NULL);
    CHECK(participant_acts_for(ops, ROLE_OPERATOR));
    CHECK(participant_acts_for(ops, ROLE_COMMISSIONER));
    /* A list replaces the default: nothing else, not even the referrers. */
    CHECK(!participant_acts_for(ops, ROLE_GP));
    CHECK(!participant_acts_for(ops, ROLE_SELF));
    CHECK(!participant_acts_for(ops, ROLE_PROVIDER));
    CHECK(participant_acts_for(inbox, ROLE_PROVIDER));
    CHECK(!participant_acts_for(inbox, ROLE_OPERATOR));
    CHECK(!participant_acts_for(inbox, ROLE_SCHOOL));
    participants_destroy(&p);
    diag_free(&d);
}

TEST(participants_acts_for_refused_naming_the_field)
{
    static const struct {
        const char *line, *want;
    } bad[] = {
        {"{id: w, role: gateway, acts_for: [gp, intake], key: \"" S_KEY_A "\"}",
         "p.yaml:2:43: participant w: acts_for: each role is one of gp, hospital, school, "
         "provider, commissioner, operator or self"},
        {"{id: w, role: gateway, acts_for: [gateway], key: \"" S_KEY_A "\"}",
         "p.yaml:2:39: participant w: acts_for: each role is one of gp"},
        {"{id: w, role: gateway, acts_for: [Operator], key: \"" S_KEY_A "\"}",
         "participant w: acts_for: each role is one of gp"},
        {"{id: w, role: gateway, acts_for: [[gp]], key: \"" S_KEY_A "\"}",
         "participant w: acts_for: each role is one of gp"},
        {"{id: w, role: gateway, acts_for: [gp, gp], key: \"" S_KEY_A "\"}",
         "p.yaml:2:43: participant w: acts_for names gp twice"},
        {"{id: w, role: gateway, acts_for: [], key: \"" S_KEY_A "\"}",
         "p.yaml:2:38: participant w: acts_for is a list of roles (gp, hospital, school, "
         "provider, commissioner, operator or self); leave it out for gp, hospital, school and "
         "self"},
        {"{id: w, role: gateway, acts_for: ~, key: \"" S_KEY_A "\"}",
         "participant w: acts_for is a list of roles"},
        {"{id: w, role: gateway, acts_for: {operator: yes}, key: \"" S_KEY_A "\"}",
         "participant w: acts_for is a list of roles"},
        {"{id: ops, role: operator, acts_for: [operator], key: \"" S_KEY_A "\"}",
         "p.yaml:2:41: participant ops: acts_for is for a gateway only; a key of role operator "
         "acts for itself"},
        {"{id: gp, role: gp, scope: F81001, acts_for: [gp], key: \"" S_KEY_A "\"}",
         "participant gp: acts_for is for a gateway only"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        diag_t d = DIAG_INIT;
        char *text = xasprintf("participants:\n  - %s\n", bad[i].line);
        participants_t *p = s_load(text, &d);
        if (p != NULL || d.n != 1) {
            test_fail(__FILE__, __LINE__, "case %zu: loaded %s, %zu problem(s)", i,
                      p ? "yes" : "no", d.n);
            diag_print(&d, stdout);
        } else {
            CHECK_CONTAINS(d.msgs[0], bad[i].want);
        }
        participants_destroy(&p);
        diag_free(&d);
        free(text);
    }
}

/* --- secure_acting with acts_for ------------------------------------------ */

/* The router's security with three gateways: "web" (the default acts_for),
 * "ops-web" (operator only) and "all-web" (every role), and each one's
 * public key. */
typedef struct {
    hubconf_t *conf;
    route_t *rt;
    secure_t *sec;
    char pub[3][CURVE_Z85]; /* web, ops-web, all-web */
} s_acting_h;

static char *s_parts(const s_acting_h *h, const char *ops_acts)
{
    return xasprintf("participants:\n"
                     "  - {id: web, role: gateway, key: \"%s\"}\n"
                     "  - {id: ops-web, role: gateway, acts_for: %s, key: \"%s\"}\n"
                     "  - {id: all-web, role: gateway, key: \"%s\",\n"
                     "     acts_for: [gp, hospital, school, provider, commissioner, operator, "
                     "self]}\n",
                     h->pub[0], ops_acts, h->pub[1], h->pub[2]);
}

static int s_acting_open(s_acting_h *h)
{
    const char *names[] = {"router", "web", "ops-web", "all-web"};
    keypair_t kp[4];
    char *parts;
    int rc;
    memset(h, 0, sizeof *h);
    if (fixture_keys(names, 4, kp) < 0)
        return -1;
    for (int i = 0; i < 3; i++)
        memcpy(h->pub[i], kp[i + 1].pub, CURVE_Z85);
    parts = s_parts(h, "[operator]");
    rc = fixture_conf(parts, "", &h->conf, &h->rt);
    free(parts);
    if (rc < 0)
        return -1;
    h->sec = secure_start(h->conf, "router");
    return 0;
}

static void s_acting_close(s_acting_h *h)
{
    secure_stop(&h->sec);
    daemon_zmq_term();
    route_destroy(&h->rt);
    hubconf_destroy(&h->conf);
}

/* Whom a status query from gateway key (0 web, 1 ops-web, 2 all-web) with
 * OnBehalf {user, role, org}, arriving at `at`, is for (at an intake
 * taking the public too when pub); why is set. */
static const participant_t *s_as(s_acting_h *h, secure_at_t at, bool pub, int key, const char *user,
                                 const char *role, const char *org, secure_acting_t *as, char *why,
                                 size_t whysz)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__StatusQuery q = CARERHUB__STATUS_QUERY__INIT;
    Carerhub__OnBehalf ob = CARERHUB__ON_BEHALF__INIT;
    wire_peer_t peer;
    memset(&peer, 0, sizeof peer);
    peer.fd = -1;
    snprintf(peer.user, sizeof peer.user, "%s", h->pub[key]);
    env.body_case = CARERHUB__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &q;
    ob.user = (char *)user;
    ob.role = (char *)role;
    ob.organisation = (char *)org;
    env.on_behalf = &ob;
    snprintf(why, whysz, "(unset)");
    if (pub)
        return secure_acting_public(h->sec, &peer, &env, as, why, whysz);
    return secure_acting_at(h->sec, at, &peer, &env, as, why, whysz);
}

#define S_NOT_LISTED                                                                               \
    "OnBehalf: this gateway is not allowed to act for that role (acts_for in the participants "    \
    "file)"

/* Each gateway, each user's role, at the router, at an intake and (self)
 * at the self intake: taken exactly when the gateway lists the role and
 * the place allows it; refused otherwise, the reason repeating nothing
 * sent. */
static void s_check_matrix(s_acting_h *h)
{
    static const struct {
        const char *role, *user, *org;
        bool router, intake; /* where the place allows it */
    } users[] = {
        {"gp", "a.patel", "F81001", true, true},
        {"hospital", "k.wright", "RAJ", true, true},
        {"school", "m.ross", "115000", true, true},
        {"provider", "p.khan", "afc", true, false},
        {"commissioner", "c.ward", NULL, true, false},
        {"operator", "o.lee", NULL, true, false},
        {"self", NULL, NULL, false, true}, /* the public, at the self intake */
    };
    /* What each gateway lists, by the users above: computed here from the
     * participants file written by s_parts, not from the code under test. */
    static const bool lists[3][7] = {
        {true, true, true, false, false, false, true},    /* web: the default */
        {false, false, false, false, false, true, false}, /* ops-web: [operator] */
        {true, true, true, true, true, true, true},       /* all-web */
    };
    secure_acting_t as;
    char why[200];
    for (int key = 0; key < 3; key++)
        for (size_t i = 0; i < sizeof users / sizeof *users; i++)
            for (int router = 0; router < 2; router++) {
                bool self = strcmp(users[i].role, "self") == 0;
                bool place = router ? users[i].router : users[i].intake;
                const participant_t *who =
                    s_as(h, router ? SECURE_AT_ROUTER : SECURE_AT_INTAKE, self && !router, key,
                         users[i].user, users[i].role, users[i].org, &as, why, sizeof why);
                bool want = place && lists[key][i];
                if ((who != NULL) != want) {
                    test_fail(__FILE__, __LINE__, "gateway %d, %s at the %s: %s (%s)", key,
                              users[i].role, router ? "router" : "intake",
                              who ? "taken" : "refused", why);
                    continue;
                }
                if (who && self)
                    CHECK_INT(who->role, ROLE_SELF);
                else if (who)
                    CHECK_STR(who->scopes ? who->scopes[0] : "", users[i].org ? users[i].org : "");
                /* A role the place allows and the gateway does not list:
                 * the gateway is told so, with none of the values sent. */
                if (!who && place) {
                    CHECK_STR(why, S_NOT_LISTED);
                }
            }
}

TEST(secure_acting_only_for_the_roles_the_gateway_lists_where_allowed)
{
    s_acting_h h;
    CHECK(s_acting_open(&h) == 0);
    s_check_matrix(&h);
    s_acting_close(&h);
}

static void s_check_reload(s_acting_h *h)
{
    secure_acting_t as;
    char why[200], *parts;
    /* ops-web may act for an operator, not a provider. */
    CHECK(s_as(h, SECURE_AT_ROUTER, false, 1, "o.lee", "operator", NULL, &as, why, sizeof why));
    CHECK(!s_as(h, SECURE_AT_ROUTER, false, 1, "p.khan", "provider", "afc", &as, why, sizeof why));
    CHECK_STR(why, S_NOT_LISTED);
    /* The deployer takes operator away and gives provider: from then on. */
    parts = s_parts(h, "[provider]");
    CHECK(file_write_atomic(h->conf->security.participants, parts, strlen(parts), 0600) == 0);
    free(parts);
    CHECK(secure_reload(h->sec, h->conf) == 0);
    CHECK(!s_as(h, SECURE_AT_ROUTER, false, 1, "o.lee", "operator", NULL, &as, why, sizeof why));
    CHECK_STR(why, S_NOT_LISTED);
    CHECK(s_as(h, SECURE_AT_ROUTER, false, 1, "p.khan", "provider", "afc", &as, why, sizeof why));
    /* A file with a problem in acts_for is refused whole: the list stays. */
    parts = s_parts(h, "[provider, root]");
    CHECK(file_write_atomic(h->conf->security.participants, parts, strlen(parts), 0600) == 0);
    free(parts);
    CHECK(secure_reload(h->sec, h->conf) < 0);
    CHECK(s_as(h, SECURE_AT_ROUTER, false, 1, "p.khan", "provider", "afc", &as, why, sizeof why));
}

TEST(secure_acting_follows_acts_for_after_a_reload)
{
    s_acting_h h;
    CHECK(s_acting_open(&h) == 0);
    s_check_reload(&h);
    s_acting_close(&h);
}

static void s_check_public_name(s_acting_h *h)
{
    static const char *const names[] = {"public", "Public", "PUBLIC"};
    secure_acting_t as;
    char why[200];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const participant_t *who =
            s_as(h, SECURE_AT_INTAKE, false, 2, names[i], "gp", "F81001", &as, why, sizeof why);
        CHECK(who == NULL);
        CHECK_STR(why, "OnBehalf: the user name is reserved (the public's)");
        who = s_as(h, SECURE_AT_ROUTER, false, 2, names[i], "operator", NULL, &as, why, sizeof why);
        CHECK(who == NULL);
    }
    /* Names that only contain it are anyone's. */
    CHECK(s_as(h, SECURE_AT_INTAKE, false, 2, "public2", "gp", "F81001", &as, why, sizeof why));
    CHECK(s_as(h, SECURE_AT_INTAKE, false, 2, "j.public", "gp", "F81001", &as, why, sizeof why));
}

TEST(secure_acting_refuses_a_user_called_public)
{
    s_acting_h h;
    CHECK(s_acting_open(&h) == 0);
    s_check_public_name(&h);
    s_acting_close(&h);
}
