/*
 * Hub configuration: see hubconf.h. The key tables below are the whole
 * schema of carerhub.yaml: names, types, defaults and bounds.
 */
#include "conf/hubconf.h"

#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const s_levels[] = {"error", "warning", "info", "debug", NULL};

#define S_INTAKE_KEYS(ep)                                                                           \
    {"endpoint", CK_STR, offsetof(hubconf_intake_t, endpoint), ep, 0, 256, NULL, NULL, true},       \
        {"batch", CK_INT, offsetof(hubconf_intake_t, batch), "2000", 1, 100000, NULL, NULL, false}, \
        {"forward_window",                                                                          \
         CK_INT,                                                                                    \
         offsetof(hubconf_intake_t, forward_window),                                                \
         "20000",                                                                                   \
         1,                                                                                         \
         1000000,                                                                                   \
         NULL,                                                                                      \
         NULL,                                                                                      \
         false},                                                                                    \
        {"retry_ms", CK_INT, offsetof(hubconf_intake_t, retry_ms), "1000", 10, 3600000, NULL,       \
         NULL,       false},                                                                        \
        {"retry_max_ms", CK_INT, offsetof(hubconf_intake_t, retry_max_ms),                          \
         "30000",        10,     3600000,                                                           \
         NULL,           NULL,   false},                                                            \
    {                                                                                               \
        NULL, 0, 0, NULL, 0, 0, NULL, NULL, false                                                   \
    }

static const conf_key_t s_gp_keys[] = {S_INTAKE_KEYS("tcp://127.0.0.1:7301")};
static const conf_key_t s_discharge_keys[] = {S_INTAKE_KEYS("tcp://127.0.0.1:7302")};
static const conf_key_t s_school_keys[] = {S_INTAKE_KEYS("tcp://127.0.0.1:7303")};
static const conf_key_t s_self_keys[] = {S_INTAKE_KEYS("tcp://127.0.0.1:7304")};
static const conf_key_t s_professional_keys[] = {S_INTAKE_KEYS("tcp://127.0.0.1:7305")};

static const conf_key_t s_referrals_keys[] = {
    {"resend_window_days", CK_INT, offsetof(hubconf_referrals_t, resend_window_days), "30", 0, 366,
     NULL, NULL, false},
    {"test_nhs_numbers", CK_BOOL, offsetof(hubconf_referrals_t, test_nhs_numbers), "false", 0, 0,
     NULL, NULL, false},
    {"spool_scrub_minutes", CK_INT, offsetof(hubconf_referrals_t, spool_scrub_minutes), "60", 1,
     1440, NULL, NULL, false},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, false},
};

static const conf_key_t s_router_keys[] = {
    {"intake_endpoint", CK_STR, offsetof(hubconf_router_t, intake_endpoint), "tcp://127.0.0.1:7310",
     0, 256, NULL, NULL, true},
    {"delivery_endpoint", CK_STR, offsetof(hubconf_router_t, delivery_endpoint),
     "tcp://127.0.0.1:7311", 0, 256, NULL, NULL, true},
    {"control_endpoint", CK_STR, offsetof(hubconf_router_t, control_endpoint),
     "tcp://127.0.0.1:7312", 0, 256, NULL, NULL, true},
    {"batch", CK_INT, offsetof(hubconf_router_t, batch), "2000", 1, 100000, NULL, NULL, false},
    {"redeliver_ms", CK_INT, offsetof(hubconf_router_t, redeliver_ms), "30000", 100, 86400000, NULL,
     NULL, false},
    {"agent_timeout_ms", CK_INT, offsetof(hubconf_router_t, agent_timeout_ms), "10000", 100,
     3600000, NULL, NULL, false},
    {"case_history", CK_INT, offsetof(hubconf_router_t, case_history), "20", 1, 1000, NULL, NULL,
     false},
    {"submitter_case_max", CK_INT, offsetof(hubconf_router_t, submitter_case_max), "50", 1, 10000,
     NULL, NULL, false},
    /* An agent takes messages up to WIRE_MAX_MSG (8 MiB); keep room for
     * the envelope. */
    {"delivery_max_bytes", CK_INT, offsetof(hubconf_router_t, delivery_max_bytes), "4194304", 1024,
     8323072, NULL, NULL, false},
    {"agent_alert_minutes", CK_INT, offsetof(hubconf_router_t, agent_alert_minutes), "15", 1, 10080,
     NULL, NULL, false},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, false},
};

static const conf_key_t s_retention_keys[] = {
    {"closed_case_days", CK_INT, offsetof(hubconf_retention_t, closed_case_days), "365", 0, 36500,
     NULL, NULL, false},
    {"check_minutes", CK_INT, offsetof(hubconf_retention_t, check_minutes), "60", 1, 10080, NULL,
     NULL, false},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, false},
};

static const conf_key_t s_provider_keys[] = {
    {"credit", CK_INT, offsetof(hubconf_provider_t, credit), "2000", 1, 100000, NULL, NULL, false},
    {"hello_ms", CK_INT, offsetof(hubconf_provider_t, hello_ms), "2000", 10, 600000, NULL, NULL,
     false},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, false},
};

static const conf_key_t s_security_keys[] = {
    {"keys_dir", CK_PATH, offsetof(hubconf_security_t, keys_dir), "keys", 0, PATH_MAX, NULL, NULL,
     true},
    {"participants", CK_PATH, offsetof(hubconf_security_t, participants), "participants.yaml", 0,
     PATH_MAX, NULL, NULL, true},
    {"connections_per_key", CK_INT, offsetof(hubconf_security_t, connections_per_key), "8", 1,
     10000, NULL, NULL, false},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, false},
};

static const conf_key_t s_web_keys[] = {
    {"listen", CK_STR, offsetof(hubconf_web_t, listen), "127.0.0.1:7320", 0, 64, NULL, NULL, true},
    {"public_url", CK_STR, offsetof(hubconf_web_t, public_url), NULL, 0, 256, NULL, NULL, false},
    {"tls_cert", CK_PATH, offsetof(hubconf_web_t, tls_cert), NULL, 0, PATH_MAX, NULL, NULL, false},
    {"tls_key", CK_PATH, offsetof(hubconf_web_t, tls_key), NULL, 0, PATH_MAX, NULL, NULL, false},
    {"tls_client_ca", CK_PATH, offsetof(hubconf_web_t, tls_client_ca), NULL, 0, PATH_MAX, NULL,
     NULL, false},
    {"session_idle_minutes", CK_INT, offsetof(hubconf_web_t, session_idle_minutes), "30", 1, 1440,
     NULL, NULL, false},
    {"max_body_bytes", CK_INT, offsetof(hubconf_web_t, max_body_bytes), "65536", 1024, 8388608,
     NULL, NULL, false},
    {"max_connections", CK_INT, offsetof(hubconf_web_t, max_connections), "64", 1, 10000, NULL,
     NULL, false},
    {"connection_timeout_s", CK_INT, offsetof(hubconf_web_t, connection_timeout_s), "15", 1, 3600,
     NULL, NULL, false},
    {"login_attempts", CK_INT, offsetof(hubconf_web_t, login_attempts), "5", 1, 1000, NULL, NULL,
     false},
    {"login_attempts_per_address", CK_INT, offsetof(hubconf_web_t, login_attempts_per_address),
     "100", 1, 100000, NULL, NULL, false},
    {"login_window_minutes", CK_INT, offsetof(hubconf_web_t, login_window_minutes), "15", 1, 1440,
     NULL, NULL, false},
    {"self_referrals_per_hour", CK_INT, offsetof(hubconf_web_t, self_referrals_per_hour), "5", 1,
     10000, NULL, NULL, false},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, false},
};

static const conf_key_t s_keys[] = {
    {"data_dir", CK_PATH, offsetof(hubconf_t, data_dir), NULL, 0, PATH_MAX, NULL, NULL, true},
    {"routing", CK_PATH, offsetof(hubconf_t, routing), "routing.yaml", 0, PATH_MAX, NULL, NULL,
     true},
    {"log_level", CK_ENUM, offsetof(hubconf_t, log_level), "info", 0, 0, NULL, s_levels, false},
    {"store_map_mb", CK_INT, offsetof(hubconf_t, store_map_mb), "0", 0, 1048576, NULL, NULL, false},
    {"gp_intake", CK_SECTION, offsetof(hubconf_t, gp_intake), NULL, 0, 0, s_gp_keys, NULL, false},
    {"discharge_intake", CK_SECTION, offsetof(hubconf_t, discharge_intake), NULL, 0, 0,
     s_discharge_keys, NULL, false},
    {"school_intake", CK_SECTION, offsetof(hubconf_t, school_intake), NULL, 0, 0, s_school_keys,
     NULL, false},
    {"self_intake", CK_SECTION, offsetof(hubconf_t, self_intake), NULL, 0, 0, s_self_keys, NULL,
     false},
    {"professional_intake", CK_SECTION, offsetof(hubconf_t, professional_intake), NULL, 0, 0,
     s_professional_keys, NULL, false},
    {"referrals", CK_SECTION, offsetof(hubconf_t, referrals), NULL, 0, 0, s_referrals_keys, NULL,
     false},
    {"retention", CK_SECTION, offsetof(hubconf_t, retention), NULL, 0, 0, s_retention_keys, NULL,
     false},
    {"router", CK_SECTION, offsetof(hubconf_t, router), NULL, 0, 0, s_router_keys, NULL, false},
    {"provider", CK_SECTION, offsetof(hubconf_t, provider), NULL, 0, 0, s_provider_keys, NULL,
     false},
    {"security", CK_SECTION, offsetof(hubconf_t, security), NULL, 0, 0, s_security_keys, NULL,
     false},
    {"web", CK_SECTION, offsetof(hubconf_t, web), NULL, 0, 0, s_web_keys, NULL, false},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, false},
};

static bool s_endpoint_ok(const char *e)
{
    return strncmp(e, "tcp://", 6) == 0 || strncmp(e, "ipc://", 6) == 0 ||
           strncmp(e, "inproc://", 9) == 0;
}

static void s_check_endpoint(const char *file, const ynode_t *root, const char *section,
                             const char *key, const char *value, diag_t *diag)
{
    const ynode_t *at = ynode_get(ynode_get(root, section), key);
    if (value && !s_endpoint_ok(value))
        diag_at(diag, file, at ? at : root,
                "%s.%s must be a tcp://, ipc:// or inproc:// endpoint, not '%.64s'", section, key,
                value);
}

/* Whether s is a port number, 0 to 65535. */
static bool s_port_ok(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n > 0 && n <= 5 && !s[n] && atol(s) <= 65535;
}

/* Why a web listen address is not host:port with a numeric address or
 * localhost as host, or NULL. */
static const char *s_listen_problem(const char *l)
{
    const char *colon;
    char host[INET6_ADDRSTRLEN + 1];
    unsigned char bin[sizeof(struct in6_addr)];
    size_t n;

    if (l[0] == '[') {
        const char *end = strchr(l, ']');
        n = end ? (size_t)(end - l - 1) : 0;
        if (!end || n == 0 || n >= sizeof host || end[1] != ':')
            return "an IPv6 address goes in brackets, then the port, e.g. [::1]:7320";
        memcpy(host, l + 1, n);
        host[n] = '\0';
        if (inet_pton(AF_INET6, host, bin) != 1)
            return "the address in brackets is not an IPv6 address";
        return s_port_ok(end + 2) ? NULL : "the port must be a number from 0 to 65535";
    }
    colon = strrchr(l, ':');
    if (!colon)
        return "it needs a port, e.g. 127.0.0.1:7320";
    n = (size_t)(colon - l);
    if (memchr(l, ':', n))
        return "an IPv6 address goes in brackets, e.g. [::1]:7320";
    if (n == 0 || n >= sizeof host)
        return "it needs an address before the port, e.g. 127.0.0.1:7320";
    memcpy(host, l, n);
    host[n] = '\0';
    if (strcmp(host, "localhost") != 0 && inet_pton(AF_INET, host, bin) != 1)
        return "the address must be a numeric IPv4 or IPv6 address, or localhost (names are "
               "not looked up)";
    return s_port_ok(colon + 1) ? NULL : "the port must be a number from 0 to 65535";
}

static bool s_url_ok(const char *u)
{
    size_t skip = strncmp(u, "https://", 8) == 0 ? 8 : strncmp(u, "http://", 7) == 0 ? 7 : 0;
    if (!skip || !u[skip] || u[skip] == '/')
        return false;
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '?' || *p == '#' || *p == '"' || *p == '<' ||
            *p == '>' || *p == '\\' || (unsigned char)*p >= 0x7f)
            return false;
    return true;
}

/* Retention no shorter than the resend window: an intake answers a
 * referral sent again within the window with the id it first gave, so a
 * case erased sooner would swallow a new referral of that carer. */
static void s_check_retention(const char *file, const ynode_t *root, const hubconf_t *c,
                              diag_t *diag)
{
    const ynode_t *sec = ynode_get(root, "retention"),
                  *at = sec ? ynode_get(sec, "closed_case_days") : NULL;
    if (c->retention.closed_case_days < c->referrals.resend_window_days)
        diag_at(diag, file, at ? at : root,
                "retention.closed_case_days (%lld) must be at least referrals.resend_window_days "
                "(%lld): within that window an intake answers the same referral sent again with "
                "the id it first gave, so a referral of a carer erased sooner would go nowhere",
                c->retention.closed_case_days, c->referrals.resend_window_days);
}

/* The web section's rules beyond single values. */
static void s_check_web(const char *file, const ynode_t *root, hubconf_web_t *w, diag_t *diag)
{
    const ynode_t *sec = ynode_get(root, "web"), *at;
    const char *why;
    size_t n;

    /* An empty value is no value. */
    if (w->tls_cert && !*w->tls_cert) {
        free(w->tls_cert);
        w->tls_cert = NULL;
    }
    if (w->tls_key && !*w->tls_key) {
        free(w->tls_key);
        w->tls_key = NULL;
    }
    if (w->tls_client_ca && !*w->tls_client_ca) {
        free(w->tls_client_ca);
        w->tls_client_ca = NULL;
    }
    if (w->tls_client_ca && !w->tls_cert) {
        at = ynode_get(sec, "tls_client_ca");
        diag_at(diag, file, at ? at : root,
                "web.tls_client_ca asks clients for certificates over TLS: give web.tls_cert and "
                "web.tls_key too");
    }
    if (!w->tls_cert != !w->tls_key) {
        at = ynode_get(sec, w->tls_cert ? "tls_cert" : "tls_key");
        diag_at(diag, file, at ? at : root,
                "web.tls_cert and web.tls_key go together: give both (HTTPS) or neither");
    }
    if (w->listen && (why = s_listen_problem(w->listen)) != NULL) {
        at = ynode_get(sec, "listen");
        diag_at(diag, file, at ? at : root, "web.listen must be address:port, not '%.64s': %s",
                w->listen, why);
    }
    if (w->public_url && (n = strlen(w->public_url)) > 0) {
        while (n > 0 && w->public_url[n - 1] == '/')
            w->public_url[--n] = '\0';
        if (!s_url_ok(w->public_url)) {
            at = ynode_get(sec, "public_url");
            diag_at(diag, file, at ? at : root,
                    "web.public_url must be an http:// or https:// address without spaces, "
                    "query or fragment, e.g. https://refer.example.org");
        }
    } else if (w->public_url) {
        free(w->public_url);
        w->public_url = NULL;
    }
}

hubconf_t *hubconf_load(const char *path, diag_t *diag)
{
    const ynode_t *root;
    ystream_t *s = conf_read_file(path, &root, diag);
    hubconf_t *c;
    char *dir;
    size_t before = diag->n;

    if (!s)
        return NULL;
    c = xcalloc(1, sizeof *c);
    c->path = xstrdup(path);
    dir = file_dirname(path);
    {
        conf_ctx_t ctx = {path, dir, diag};
        conf_bind(&ctx, root, s_keys, c);
    }
    s_check_endpoint(path, root, "gp_intake", "endpoint", c->gp_intake.endpoint, diag);
    s_check_endpoint(path, root, "discharge_intake", "endpoint", c->discharge_intake.endpoint,
                     diag);
    s_check_endpoint(path, root, "school_intake", "endpoint", c->school_intake.endpoint, diag);
    s_check_endpoint(path, root, "self_intake", "endpoint", c->self_intake.endpoint, diag);
    s_check_endpoint(path, root, "professional_intake", "endpoint", c->professional_intake.endpoint,
                     diag);
    s_check_endpoint(path, root, "router", "intake_endpoint", c->router.intake_endpoint, diag);
    s_check_endpoint(path, root, "router", "delivery_endpoint", c->router.delivery_endpoint, diag);
    s_check_endpoint(path, root, "router", "control_endpoint", c->router.control_endpoint, diag);
    s_check_web(path, root, &c->web, diag);
    s_check_retention(path, root, c, diag);
    free(dir);
    ystream_destroy(&s);
    if (diag->n > before) {
        hubconf_destroy(&c);
        return NULL;
    }
    return c;
}

void hubconf_destroy(hubconf_t **cp)
{
    hubconf_t *c = *cp;
    if (!c)
        return;
    conf_release(s_keys, c);
    free(c->path);
    free(c);
    *cp = NULL;
}

char *hubconf_find(void)
{
    char exe[PATH_MAX];
    const char *env = getenv("CARERHUB_CONFIG");
    ssize_t n;

    if (env && *env)
        return xstrdup(env);
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *bindir, *prefix;
        const char *rel[] = {"config/carerhub.yaml", "etc/carerhub/carerhub.yaml"};
        exe[n] = '\0';
        bindir = file_dirname(exe);
        prefix = file_dirname(bindir);
        free(bindir);
        for (size_t i = 0; i < 2; i++) {
            char *p = file_join(prefix, rel[i]);
            if (file_exists(p)) {
                free(prefix);
                return p;
            }
            free(p);
        }
        free(prefix);
    }
    if (file_exists("/etc/carerhub/carerhub.yaml"))
        return xstrdup("/etc/carerhub/carerhub.yaml");
    return NULL;
}

char *hubconf_data_path(const hubconf_t *c, const char *name)
{
    return file_join(c->data_dir, name);
}

const hubconf_intake_t *hubconf_intake(const hubconf_t *c, const char *name)
{
    if (!name)
        return NULL;
    if (strcmp(name, "gp-intake") == 0)
        return &c->gp_intake;
    if (strcmp(name, "discharge-intake") == 0)
        return &c->discharge_intake;
    if (strcmp(name, "school-intake") == 0)
        return &c->school_intake;
    if (strcmp(name, "self-intake") == 0)
        return &c->self_intake;
    if (strcmp(name, "professional-intake") == 0)
        return &c->professional_intake;
    return NULL;
}
