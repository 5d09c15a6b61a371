/*
 * carerhub-web's internals, shared by its own modules and its unit tests
 * (web.h is what the page modules see): the daemon's state, the limits it
 * applies and where it listens (web_listen.c), sessions and login
 * throttling (web_session.c), request bodies (web_body.c), the HTTP side
 * (web_http.c: the route table, who may use a route), the connections
 * to the hub (web_hub.c) and the requests waiting for it (web_call.c).
 */
#ifndef CARERHUB_WEB_IMPL_H
#define CARERHUB_WEB_IMPL_H

#include "web.h"

#include "clnt/clnt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

struct MHD_Daemon;
struct sockaddr_storage;

/* The session cookie; under TLS with the __Host- prefix, which a browser
 * takes only from this host, Secure, with Path=/ and no Domain: a sibling
 * subdomain cannot plant one. */
#define WEB_COOKIE           "carerhub_session"
#define WEB_COOKIE_TLS       "__Host-carerhub_session"
#define WEB_SESSIONS_MAX     20000 /* sessions kept at once: logged in, and again not */
#define WEB_ANON_PER_ADDRESS 64    /* sessions not logged in kept for one address */
#define WEB_THROTTLE_MAX     20000 /* accounts and addresses whose failures are counted */
#define WEB_HEADERS_MAX      16384 /* bytes of a request's headers (MHD's memory per connection) */
/* A session ends this long after it was made, however busy: a stolen
 * cookie is not good for ever, and a working day needs one login. */
#define WEB_SESSION_LIFETIME_MS (12 * 3600 * 1000LL)

/* The web section of the configuration with the defaults filled in (the
 * same as the configuration file's: a value of 0 or NULL takes it). */
typedef struct {
    const char *listen;
    const char *tls_cert, *tls_key; /* both or neither */
    const char *tls_client_ca;      /* FHIR clients' certificates' CA, or NULL */
    int64_t idle_ms;                /* a session unused this long ends */
    size_t max_body;                /* bytes of a request body */
    unsigned max_connections, per_address;
    unsigned timeout_s;      /* idle connections closed; and a request's whole time */
    unsigned login_attempts; /* an account's failures in the window before its attempts wait */
    unsigned login_attempts_per_address; /* an address's, for every name together */
    int64_t login_window_ms;
} web_limits_t;

void web_limits(const hubconf_t *conf, web_limits_t *out);

/* --- sessions (web_session.c) ------------------------------------------ */

/* One session: before login (it carries the login form's CSRF token
 * only) or after. Found by a hash of its id: the id itself, the bearer
 * secret, is never kept. */
typedef struct {
    bool used;
    bool logged_in;
    web_user_t user;  /* name etc. set when logged in; csrf always */
    int64_t touched;  /* monotonic ms of its last request */
    int64_t born;     /* monotonic ms of its making (WEB_SESSION_LIFETIME_MS) */
    int64_t login_at; /* unix ms of the login: a password changed since ends it */
    char key[65];     /* hex of the id's hash */
    char addr[48];    /* whose it is, not logged in: the address (throttling's key) */
} web_sess_t;

typedef struct web_sessions web_sessions_t;

/* Up to max sessions logged in and, apart, up to max not: asking for
 * login forms by the thousand never pushes out someone logged in. */
web_sessions_t *web_sessions_new(size_t max);
void web_sessions_destroy(web_sessions_t **ss);
/* A new session, no one logged in, for address (may be NULL), its id
 * written into id. When max such are kept, or WEB_ANON_PER_ADDRESS of
 * address's, the one of them unused longest makes way. Borrowed until
 * dropped. */
web_sess_t *web_sess_new(web_sessions_t *ss, int64_t now, const char *address,
                         char id[WEB_TOKEN_LEN + 1]);
/* A new logged-in session (logged_in set, the user left to the caller):
 * when max are logged in, the one unused longest makes way. */
web_sess_t *web_sess_login(web_sessions_t *ss, int64_t now, char id[WEB_TOKEN_LEN + 1]);
/* The session with this id if it has been used within idle_ms and is
 * younger than WEB_SESSION_LIFETIME_MS (it is touched), else NULL (an idle
 * or old one is dropped). */
web_sess_t *web_sess_find(web_sessions_t *ss, const char *id, int64_t now, int64_t idle_ms);
void web_sess_drop(web_sessions_t *ss, web_sess_t *s);
/* Drops every session idle for idle_ms or past its lifetime; returns how
 * many. */
size_t web_sess_expire(web_sessions_t *ss, int64_t now, int64_t idle_ms);
size_t web_sess_count(const web_sessions_t *ss);
/* Whether token is the session's CSRF token (constant time). */
bool web_csrf_ok(const web_sess_t *s, const char *token);
/* WEB_TOKEN_LEN characters of base64url from 32 random bytes. */
void web_token(char out[WEB_TOKEN_LEN + 1]);

/* An address as throttling and the sessions per address count it: an
 * IPv4 address as it is (also written as ::ffff:a.b.c.d), an IPv6 one by
 * its /64 ("2001:db8:1:2::/64"), which one client commonly holds whole. */
void web_address_key(const char *address, char *out, size_t outsz);

/* Failed logins, per account name and per address (web_address_key). */
typedef struct web_throttle web_throttle_t;
web_throttle_t *web_throttle_new(size_t max);
void web_throttle_destroy(web_throttle_t **t);
/* Whether an attempt for name (may be NULL) from address must wait:
 * per_account failures of name, or per_address failures from address
 * (whatever the names), within the window. A whole practice may share one
 * address, so per_address is meant to be far higher: one person's wrong
 * passwords hold their own account, not their colleagues'. The time left,
 * in ms, in *wait_ms. */
bool web_throttled(web_throttle_t *t, const char *name, const char *address, int64_t now,
                   unsigned per_account, unsigned per_address, int64_t window_ms, int64_t *wait_ms);
/* Counts a failure of name (may be NULL) and of address. */
void web_throttle_fail(web_throttle_t *t, const char *name, const char *address, int64_t now,
                       int64_t window_ms);
/* Forgets name's failures (a successful login). */
void web_throttle_clear(web_throttle_t *t, const char *name);

/* --- the hub (web_hub.c) and the calls waiting for it (web_call.c) --- */

#define WEB_TO_N (WEB_TO_ROUTER + 1) /* the servers a call can go to, by web_to_t */

/* A request waiting for the hub (web_call): a copy of the request as its
 * handler saw it (its session may end, or make way for another, while it
 * waits), the call as sent, and what runs with the answer. Made by
 * web_call, ended by web_wait_end. */
typedef struct web_wait {
    web_req_t q; /* the request: every pointer of it points into this wait */
    web_user_t user;
    char *path;
    char **names, **values;
    char address[64];
    char csrf[WEB_TOKEN_LEN + 1];
    web_resp_t r;     /* the answer as the handler left it, kept while waiting */
    char cookie[256]; /* the cookie the answer sets ("" for none) */
    void *conn;       /* its HTTP connection (web_http.c's) */
    bool suspended;   /* the connection waits: resumed when the wait is ready */
    bool calling;     /* web_call was called by the handler or the last then */
    bool ready;       /* the answer came, or its time is up (reply NULL) */
    web_to_t to;
    uint64_t corr; /* the answer's, to match it */
    uint8_t *env;  /* the request packed, to send again */
    size_t nenv;
    int64_t deadline;  /* monotonic ms */
    int64_t next_send; /* monotonic ms: sent again from then */
    web_then_fn then;
    void *ctx;
    void (*ctx_free)(void *);
    Carerhub__Envelope *reply;
    /* web_call_each: a leg for each server asked (to, corr, env and
     * next_send above are then unused), with its answer once it came. */
    size_t nlegs;
    struct {
        web_to_t to;
        uint64_t corr;
        uint8_t *env;
        size_t nenv;
        int64_t next_send;
        Carerhub__Envelope *reply;
    } legs[WEB_TO_N];
    web_then_each_fn then_each;
} web_wait_t;

typedef struct {
    clnt_keys_t keys[WEB_TO_N]; /* by web_to_t */
    clnt_conn_t conn[WEB_TO_N];
    uint64_t corr;
    unsigned long late; /* replies that came after their call gave up */
    /* The calls waiting for an answer: at most one per connection, so no
     * more than web.max_connections. */
    web_wait_t **waits;
    size_t nwaits, capwaits;
    bool stopping; /* calls are answered at once, as not reached */
} web_hub_t;

/* Loads keys_dir/web.key and the servers' public keys. -1 (logged) if one
 * cannot be read. */
int web_hub_keys(web_hub_t *h, const hubconf_t *conf);
/* Connects to the four intakes and the router's control endpoint. */
void web_hub_open(web_hub_t *h, const hubconf_t *conf);
void web_hub_close(web_hub_t *h);
size_t web_hub_items(web_hub_t *h, zmq_pollitem_t *items, size_t max);
/* Reads the answers that came, each given to the call waiting for it
 * (web_calls_reply), and notes a refused key. */
void web_hub_drain(web_t *w);
/* Sends a packed request to `to`, without waiting: 0, or -1 when it cannot
 * go now (not connected yet, or no such server). */
int web_hub_send(web_hub_t *h, web_to_t to, const void *env, size_t n);
/* Whether the hub has a server for `to`. */
bool web_hub_serves(web_to_t to);

/* An answer from the hub (taken) that came on the connection to `from`:
 * given to the call sent there waiting with its corr, whose request is
 * resumed; dropped and counted late when none is (it gave up, its client
 * has gone, it was answered already, or it went to another server). */
void web_calls_reply(web_t *w, web_to_t from, Carerhub__Envelope *env);
/* Gives up the calls past their deadline (their requests resumed, to run
 * `then` with no answer) and sends again those unanswered for a while. */
void web_calls_tick(web_t *w, int64_t now);
/* Milliseconds until web_calls_tick has something to do (-1: never). */
long web_calls_next_ms(const web_t *w, int64_t now);
/* How many calls wait, and the latest deadline among them. */
size_t web_calls_pending(const web_t *w, int64_t *last_deadline);
/* Stopping: every call is given up now, and any made from now on is
 * answered at once as not reached. */
void web_calls_stop(web_t *w);
/* Runs the `then` of the ready wait *slot into r: ends the wait, unless
 * it made another call (the request then waits again). */
void web_wait_then(web_t *w, web_wait_t **slot, web_resp_t *r);
/* Ends a wait (its request answered, or its client gone): its context
 * freed, an answer that comes later dropped. *slot becomes NULL. */
void web_wait_end(web_t *w, web_wait_t **slot);

/* --- metrics (web_metrics.c) -------------------------------------------- */

/* The Prometheus text format's escapes: a label value (backslash, double
 * quote and line feed escaped) and HELP text (backslash and line feed);
 * in both, each byte that is not well-formed UTF-8 and each other control
 * character written as U+FFFD. */
void web_metrics_label_value(buf_t *b, const char *s);
void web_metrics_help(buf_t *b, const char *s);
/* A sample's value: the shortest decimal that reads back as v, or NaN,
 * +Inf, -Inf. */
void web_metrics_value(buf_t *b, double v);

/* One daemon's metrics, as its MetricsReply gave them (borrowed). */
typedef struct {
    const char *daemon;                /* its name: carerhub_up's daemon label */
    const Carerhub__MetricsReply *rep; /* NULL: it did not answer */
} web_metrics_from_t;

/* The text of a scrape from the n daemons' metrics: carerhub_up{daemon},
 * then each family where it first comes, HELP and TYPE once, with the
 * samples of every daemon that has it (of the same type). A family or a
 * sample that breaks the format's rules is left out. */
void web_metrics_text(buf_t *b, const web_metrics_from_t *from, size_t n);

/* web_basic.c: the user-id and password of Authorization header (the
 * Basic scheme), decoded into buf (bufsz bytes: user-id, NUL, password;
 * *password points into it). False when it is not one: another scheme,
 * not base64, too long for buf, a NUL inside or no colon. */
bool web_basic_decode(const char *header, char *buf, size_t bufsz, char **password);
/* HTTP Basic credentials (header: the Authorization header's value) from
 * address, for a WEB_SCRAPE route: 0 with the operator they are in *u;
 * else 401 (not Basic credentials, a wrong name or password, an account
 * disabled), 403 (not an operator's account, or its first password not
 * changed yet) or 429 (too many failures: throttled as logging in is),
 * with words for the refusal in msg. Names and passwords are never
 * logged. Credentials verified are remembered for a while (a keyed hash
 * of the header), so that each scrape does not verify a password hash
 * again; a password changed since is verified anew. */
int web_metrics_basic(web_t *w, const char *header, const char *address, web_user_t *u, char *msg,
                      size_t msgsz);

/* --- the daemon -------------------------------------------------------- */

struct web {
    daemon_args_t args;
    hubconf_t *conf;
    web_limits_t lim;
    secure_t *sec;
    store_t *store; /* accounts (lib/account) */
    char *dir;      /* data_dir/web */
    web_sessions_t *sessions;
    web_throttle_t *throttle;
    web_hub_t hub;
    struct MHD_Daemon *mhd;
    char *tls_cert, *tls_key; /* PEM, held while MHD runs */
    char *tls_client_ca;      /* PEM (web.tls_client_ca), or NULL: no client certificates */
    char url[160];
    /* The request being answered: its session (NULL if none), the
     * client's address, the cookie to set in the answer ("" for none), and
     * where its wait for the hub is kept (web_call; NULL outside a
     * handler). */
    web_sess_t *sess;
    char address[64];
    char cookie[256];
    web_wait_t **wait;
    bool tls;
};

/* Makes a new logged-in session for user (the request's session, if any,
 * dropped: an id from before login is never valid after it), set as the
 * answer's cookie. */
void web_session_login(web_t *w, const web_user_t *user);
/* Whether logged-in session s still stands for its account as the store
 * has it now: the account is there and enabled, of the same role and
 * organisation, its password not changed since the login (a change, here
 * or by `carerhub user`, ends every other session of the account). */
bool web_session_current(web_t *w, const web_sess_t *s);
/* Logs why a password could not be changed (account_passwd's rc and
 * message) without the account's name. */
void web_log_passwd_failure(int rc, const char *msg);
/* The session cookie's name: WEB_COOKIE_TLS under TLS, else WEB_COOKIE. */
const char *web_cookie_name(const web_t *w);
/* Ends the request's session and clears the cookie. */
void web_session_logout(web_t *w);
/* The request's session, made when it has none (a form before login). */
web_sess_t *web_session_anon(web_t *w);

/* --- HTTP (web_http.c, web_http_daemon.c) ------------------------------ */

enum { WEB_GET = 1, WEB_POST = 2 };
#define WEB_ROLE(r)    (1u << (r))
#define WEB_REFERRERS  (WEB_ROLE(ROLE_GP) | WEB_ROLE(ROLE_HOSPITAL) | WEB_ROLE(ROLE_SCHOOL))
#define WEB_ANY_ROLE   0xffffu
#define WEB_NO_SESSION 0u /* roles of a route anyone may use, logged in or not */

/* A route whose handler checks the CSRF token of a POST itself
 * (web_csrf_ok), so that what was typed outlives a session that went:
 * /help, whose carers have no account to log in again with. */
#define WEB_OWN_CSRF 1u

/* A route a client on a loopback address may use without logging in (a
 * Prometheus server on the hub's machine: /metrics); anyone else needs
 * one of the route's roles, logged in or, under TLS, with HTTP Basic
 * credentials (web_metrics_basic). Nobody logged in is answered 401 with
 * a Basic challenge rather than sent to /login. */
#define WEB_SCRAPE 2u

/* A route of the FHIR interface: no session, no cookie, no CSRF token.
 * Its client is the API client of an Authorization: Bearer token
 * (web_http_fhir.c), over TLS or on loopback, and a route with roles
 * needs one (401 with a Bearer challenge); its answers are FHIR
 * resources. */
#define WEB_BEARER 4u

/* The route table: path (a prefix when it ends in '/'), methods, the roles
 * that may use it (WEB_NO_SESSION: anyone), its handler, flags (0,
 * WEB_OWN_CSRF or WEB_SCRAPE). */
typedef struct {
    const char *path;
    unsigned methods;
    unsigned roles;
    web_handler_fn fn;
    unsigned flags;
} web_route_t;

extern const web_route_t web_routes[];
/* The route of path, or NULL. */
const web_route_t *web_route(const char *path);
/* Who may use a route: 0, or 303 with where to go in location (/login when
 * nobody is logged in, /login/change while a first password is unchanged),
 * or 403; 401 for nobody at a WEB_SCRAPE route. */
int web_authorise(const web_route_t *rt, const web_user_t *u, char *location, size_t locsz);

/* A form body or query (application/x-www-form-urlencoded), decoded. */
typedef struct {
    size_t n;
    char **names, **values;
} web_form_t;

/* Decodes n bytes of a urlencoded form into f: at most WEB_FIELDS_MAX
 * fields of at most WEB_FIELD_MAX bytes, each name and value well-formed
 * UTF-8 without NUL. Returns 0, or -1 with what is wrong, for a person, in
 * why (f is then empty). */
int web_form_decode(const char *s, size_t n, web_form_t *f, char *why, size_t whysz);
void web_form_free(web_form_t *f);

/* Reads listen (host:port, [v6]:port, localhost:port) into sa, and
 * whether it is a loopback address. -1 with why when it is not an address
 * to listen on. */
int web_listen_addr(const char *listen, struct sockaddr_storage *sa, bool *loopback, char *why,
                    size_t whysz);
/* Checks web.listen and the TLS files (read into w): -1, logged, when the
 * daemon cannot serve with them (a non-loopback address without TLS). */
int web_listen_check(web_t *w);
/* Listens, and sets w->url. -1 (logged) when it cannot. */
int web_http_start(web_t *w);
/* The descriptor to poll for MHD, and how long until it must run anyway. */
int web_http_fd(web_t *w);
long web_http_timeout_ms(web_t *w);
/* Serves what is ready; cuts off connections past their time (not
 * counting the time a request waited for the hub). */
void web_http_run(web_t *w);
/* Lets the request of a connection that waits for the hub go on (its
 * wait is ready): served on the next web_http_run. */
void web_http_resume(web_t *w, void *conn);
void web_http_stop(web_t *w);

#endif
