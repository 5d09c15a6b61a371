/*
 * Unit tests of whom a request acts for when a gateway speaks for the
 * public (secure_acting_public, the self intake's submissions: carers' own
 * referrals), and of the participants file's view of it: no key has role
 * self; an intake may take source self.
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

/* The self intake's security with a gateway ("web") and a GP practice's
 * key listed; and the public key of each. */
typedef struct {
    hubconf_t *conf;
    route_t *rt;
    secure_t *sec;
    char pub[2][CURVE_Z85]; /* web, gp */
} s_acting_h;

static int s_acting_open(s_acting_h *h)
{
    const char *names[] = {"self-intake", "web", "gp"};
    keypair_t kp[3];
    char *parts;
    int rc;
    memset(h, 0, sizeof *h);
    if (fixture_keys(names, 3, kp) < 0)
        return -1;
    for (int i = 0; i < 2; i++)
        memcpy(h->pub[i], kp[i + 1].pub, CURVE_Z85);
    parts = xasprintf("participants:\n"
                      "  - {id: web, role: gateway, key: \"%s\"}\n"
                      "  - {id: gp, role: gp, scope: [F81001, F81002], key: \"%s\"}\n",
                      h->pub[0], h->pub[1]);
    rc = fixture_conf(parts, "", &h->conf, &h->rt);
    free(parts);
    if (rc < 0)
        return -1;
    h->sec = secure_start(h->conf, "self-intake");
    return 0;
}

static void s_acting_close(s_acting_h *h)
{
    secure_stop(&h->sec);
    daemon_zmq_term();
    route_destroy(&h->rt);
    hubconf_destroy(&h->conf);
}

/* Whom a submission from key (0 web, 1 gp, -1 a stranger) with OnBehalf
 * {user, role, org} is for, as the self intake judges it (pub:
 * secure_acting_public) or as any other daemon (secure_acting); why is
 * set. */
static const participant_t *s_acting_via(s_acting_h *h, bool pub, int key, const char *user,
                                         const char *role, const char *org, secure_acting_t *as,
                                         char *why, size_t whysz)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__SubmitRequest q = CARERHUB__SUBMIT_REQUEST__INIT;
    Carerhub__OnBehalf ob = CARERHUB__ON_BEHALF__INIT;
    wire_peer_t peer;
    memset(&peer, 0, sizeof peer);
    peer.fd = -1;
    snprintf(peer.user, sizeof peer.user, "%s",
             key >= 0 ? h->pub[key] : "0000000000000000000000000000000000000000");
    env.body_case = CARERHUB__ENVELOPE__BODY_SUBMIT;
    env.submit = &q;
    ob.user = (char *)user;
    ob.role = (char *)role;
    ob.organisation = (char *)org;
    env.on_behalf = &ob;
    snprintf(why, whysz, "(unset)");
    return pub ? secure_acting_public(h->sec, &peer, &env, as, why, whysz)
               : secure_acting(h->sec, &peer, &env, as, why, whysz);
}

static const participant_t *s_acting(s_acting_h *h, int key, const char *user, const char *role,
                                     const char *org, secure_acting_t *as, char *why, size_t whysz)
{
    return s_acting_via(h, false, key, user, role, org, as, why, whysz);
}

static void s_check_public(s_acting_h *h)
{
    secure_acting_t as;
    char why[200], name[200];
    const participant_t *who;
    /* At the self intake, the gateway for the public: no user, no scope. */
    who = s_acting_via(h, true, 0, NULL, "self", NULL, &as, why, sizeof why);
    CHECK(who == &as.p);
    CHECK_STR(who->id, "web/public");
    CHECK_INT(who->role, ROLE_SELF);
    CHECK_INT(who->nscopes, 0);
    CHECK(!participant_in_scope(who, "F81001"));
    secure_acting_name(who, name, sizeof name);
    CHECK_STR(name, "gateway web / public");
    who = s_acting_via(h, true, 0, "", "self", "", &as, why, sizeof why);
    CHECK(who != NULL && who->role == ROLE_SELF);
    /* The public is nobody in particular: no user, no organisation. */
    who = s_acting_via(h, true, 0, "t.reed", "self", NULL, &as, why, sizeof why);
    CHECK(who == NULL);
    CHECK_STR(why, "OnBehalf: role self is the public, with no user and no organisation");
    who = s_acting_via(h, true, 0, NULL, "self", "F81001", &as, why, sizeof why);
    CHECK(who == NULL);
    CHECK(!strstr(why, "F81001"));
    /* Only a gateway speaks for it. */
    who = s_acting_via(h, true, 1, NULL, "self", NULL, &as, why, sizeof why);
    CHECK(who == NULL);
    CHECK_CONTAINS(why, "an OnBehalf from a key of role gp");
    who = s_acting_via(h, true, -1, NULL, "self", NULL, &as, why, sizeof why);
    CHECK(who == NULL);
    CHECK_STR(why, "the key is not listed");
    /* A gateway's user is that user at the self intake too (whose role it
     * then refuses), and the public is refused everywhere else. */
    who = s_acting_via(h, true, 0, "a.patel", "gp", "F81001", &as, why, sizeof why);
    CHECK(who != NULL && who->role == ROLE_GP);
    who = s_acting(h, 0, NULL, "self", NULL, &as, why, sizeof why);
    CHECK(who == NULL);
    CHECK_STR(why, "OnBehalf: role self (the public) may only submit a carer's own referral to "
                   "the self intake");
    who = s_acting(h, 0, "a.patel", "self", NULL, &as, why, sizeof why);
    CHECK(who == NULL);
    CHECK_CONTAINS(why, "may only submit a carer's own referral to the self intake");
}

TEST(secure_acting_for_the_public_only_at_the_self_intake)
{
    s_acting_h h;
    CHECK(s_acting_open(&h) == 0);
    s_check_public(&h);
    s_acting_close(&h);
}

TEST(participants_no_key_has_role_self_and_an_intake_may_be_self)
{
    diag_t d = DIAG_INIT;
    char *path = xasprintf("%s/p.yaml", test_tmpdir());
    const char *text = "participants:\n"
                       "  - {id: self-intake, role: intake, scope: self, key: "
                       "\"thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]JoK8\"}\n";
    participants_t *p;
    const participant_t *who;
    CHECK(file_write_atomic(path, text, strlen(text), 0600) == 0);
    p = participants_load(path, &d);
    diag_print(&d, stdout);
    CHECK(p != NULL);
    who = participants_by_id(p, "self-intake");
    CHECK(who != NULL && who->role == ROLE_INTAKE);
    CHECK_STR(who->scopes[0], "self");
    participants_destroy(&p);
    text = "participants:\n"
           "  - {id: public, role: self, key: \"thTd&!}co^4Db[G/Qb61+.>B%SS[#LmR(@v]JoK8\"}\n";
    CHECK(file_write_atomic(path, text, strlen(text), 0600) == 0);
    p = participants_load(path, &d);
    CHECK(p == NULL);
    CHECK_INT(d.n, 1);
    CHECK_CONTAINS(d.msgs[0], "participant public: role self is no key's");
    diag_free(&d);
    free(path);
}
