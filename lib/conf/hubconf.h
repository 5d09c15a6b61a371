/*
 * The hub configuration file (carerhub.yaml): where data lives, where each
 * daemon listens, and tuning. Every daemon and the CLI read the same file;
 * each uses its own section. Relative paths are taken from the directory of
 * the file.
 */
#ifndef CARERHUB_HUBCONF_H
#define CARERHUB_HUBCONF_H

#include "conf/conf.h"

typedef struct {
    char *endpoint;           /* ZeroMQ endpoint submitters connect to */
    long long batch;          /* most submissions committed together */
    long long forward_window; /* most referrals in flight to the router */
    long long retry_ms;       /* first resend delay; doubles up to retry_max_ms */
    long long retry_max_ms;
} hubconf_intake_t;

/* What every intake applies to the referrals it takes. */
typedef struct {
    long long resend_window_days;  /* the same referral again from the same submitter within
                                      this is answered with the first id */
    bool test_nhs_numbers;         /* accept NHS numbers of the test range (training hubs) */
    long long spool_scrub_minutes; /* an intake rewrites its spool this often, when it has passed
                                      referrals on since, so no freed page keeps one (60) */
} hubconf_referrals_t;

/* How long the hub keeps a carer's personal data (router_retention.c). */
typedef struct {
    long long closed_case_days; /* personal data of a case closed longer ago is erased (365) */
    long long check_minutes;    /* the router looks for such cases this often (60) */
} hubconf_retention_t;

typedef struct {
    char *intake_endpoint;         /* intakes forward here */
    char *delivery_endpoint;       /* provider agents connect here */
    char *control_endpoint;        /* status, statistics and audit queries */
    long long batch;               /* most referrals committed together */
    long long redeliver_ms;        /* resend an unacknowledged delivery after this */
    long long agent_timeout_ms;    /* a silent provider agent is gone after this */
    long long case_history;        /* the newest referrals of a case each delivery carries */
    long long submitter_case_max;  /* referrals one submitter may add to one case */
    long long delivery_max_bytes;  /* a larger delivery is parked, never sent */
    long long agent_alert_minutes; /* a provider's agent not connected this long is an alert */
} hubconf_router_t;

typedef struct {
    long long credit;   /* deliveries the agent accepts ahead */
    long long hello_ms; /* heartbeat to the router */
} hubconf_provider_t;

typedef struct {
    char *keys_dir;                /* secret and public keys of this hub's participants */
    char *participants;            /* who may connect, their roles and scopes */
    long long connections_per_key; /* connections one key may be served on at once */
} hubconf_security_t;

/* The web front door (carerhub-web). */
typedef struct {
    char *listen;                   /* address:port, e.g. 127.0.0.1:7320 (port 0: any free one);
                                       an IPv6 address in brackets, [::1]:7320 */
    char *public_url;               /* the address people use (http:// or https://, without a
                                       trailing /), for set-up links; NULL: from listen */
    char *tls_cert, *tls_key;       /* PEM files; both or neither. Without them the daemon
                                       listens on loopback only */
    char *tls_client_ca;            /* PEM CA file: ask FHIR API clients for a certificate, and
                                       a client with one recorded must present it; NULL: none */
    long long session_idle_minutes; /* a session ends after this long unused (30) */
    long long max_body_bytes;       /* a request body larger than this is refused (65536) */
    long long max_connections;      /* connections served at once (64; per address 8) */
    long long connection_timeout_s; /* a connection idle this long is closed (15) */
    long long login_attempts;       /* failed logins of one account in the window (5) ... */
    long long login_attempts_per_address; /* ... or from one address, any names (100) ... */
    long long login_window_minutes;       /* ... before further attempts wait (15) */
    /* Carers' own referrals (/help) taken from one address, an IPv6 one by
     * its /64, in an hour; more wait (5). */
    long long self_referrals_per_hour;
} hubconf_web_t;

typedef struct {
    char *path;             /* this file */
    char *data_dir;         /* one subdirectory per daemon, and postcodes/ */
    char *routing;          /* the routing file */
    int log_level;          /* LOG_LVL_* */
    long long store_map_mb; /* initial LMDB map of each store, MiB (0: each daemon's own); maps grow
                               as needed */
    hubconf_intake_t gp_intake, discharge_intake, school_intake;
    hubconf_intake_t self_intake; /* carers' own referrals, from the public web form */
    /* other professionals' referrals (wellbeing service, pharmacies...) */
    hubconf_intake_t professional_intake;
    hubconf_referrals_t referrals;
    hubconf_retention_t retention;
    hubconf_router_t router;
    hubconf_provider_t provider;
    hubconf_security_t security;
    hubconf_web_t web;
} hubconf_t;

/* Reads and checks a configuration file. NULL on any problem, each one in
 * diag as file:line:column: message. */
hubconf_t *hubconf_load(const char *path, diag_t *diag);
/* The section of the intake named gp-intake, discharge-intake,
 * school-intake, self-intake or professional-intake, or NULL. Borrowed
 * from c. */
const hubconf_intake_t *hubconf_intake(const hubconf_t *c, const char *name);
void hubconf_destroy(hubconf_t **c);

/* The configuration file to use when none is given: $CARERHUB_CONFIG, then
 * config/carerhub.yaml beside the program's bin/ (a build tree), then
 * etc/carerhub/carerhub.yaml beside it (an installation), then
 * /etc/carerhub/carerhub.yaml. Returns a new string, or NULL if none exists. */
char *hubconf_find(void);

/* data_dir/name, new string. */
char *hubconf_data_path(const hubconf_t *c, const char *name);

#endif
