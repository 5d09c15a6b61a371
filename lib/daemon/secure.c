/*
 * Daemon security: see secure.h. The ZAP protocol is RFC 27/ZAP: a REP
 * socket at inproc://zeromq.zap.01 in the daemon's context answers each
 * handshake: 200 with the User-Id, or 400.
 */
#include "daemon/secure.h"

#include "daemon/daemon.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/smap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#define S_MAX_MONITORS 4
#define S_MAX_EVENTS   10000
#define S_QUIET_SLOTS  32
#define S_QUIET_MS     10000
#define S_BURST        20 /* refusals recorded one by one per S_QUIET_MS, per class */

typedef struct {
    void *pair;
    void *sock; /* the socket watched */
    char what[48];
} s_monitor_t;

/* A refusal recorded lately: the same refusal again within S_QUIET_MS is
 * counted, not recorded, so that a client retrying every few milliseconds
 * cannot flood the log and the audit trail. */
typedef struct {
    char event[24];
    char actor[160]; /* room for "gateway <id> / user <name>" */
    char detail[200];
    int64_t until; /* monotonic ms; 0: free */
    unsigned long held;
} s_quiet_t;

/* Refusals of one class (strangers: unlisted keys and clients without
 * CURVE; or listed keys) within a window: past S_BURST they are counted
 * and recorded as one, so that a fresh key per connection, or a listed
 * key sending message after message, cannot flood them either. */
typedef struct {
    int64_t since; /* monotonic ms: the window's start */
    unsigned recorded;
    unsigned long held;
} s_budget_t;

/* A connection a listed key has sent on, until it closes: its descriptor,
 * and the socket's inode, which tells a descriptor given to another
 * connection since from the same one. */
typedef struct {
    int fd;
    dev_t dev;
    ino_t ino;
    char key[KEY_Z85_LEN + 1];
    bool refused; /* over the key's limit: its messages are dropped */
} s_conn_t;

struct secure {
    keypair_t kp;
    participants_t *ps;
    void *zap;
    s_monitor_t mon[S_MAX_MONITORS];
    size_t nmon;
    Carerhub__AuditRecord **events;
    size_t nevents, cap;
    unsigned long dropped;
    s_quiet_t quiet[S_QUIET_SLOTS];
    s_budget_t budget[2]; /* 0: strangers, 1: listed keys */
    /* Connections served, by descriptor: "<fd>" -> index into conns. */
    smap_t *by_fd;
    s_conn_t *conns;
    size_t nconns, capconns;
    smap_t *per_key; /* Z85 key -> connections it is served on */
    long long per_key_max;
};

static void s_quiet_flush(secure_t *s, s_quiet_t *q)
{
    char detail[240];
    if (q->held == 0)
        return;
    snprintf(detail, sizeof detail, "%lu more in %d s: %s", q->held, S_QUIET_MS / 1000, q->detail);
    log_warn("%s %s: %s", q->event, q->actor, detail);
    secure_audit(s, q->event, q->actor, NULL, detail);
    q->held = 0;
}

static void s_budget_flush(secure_t *s, size_t class, int64_t now)
{
    s_budget_t *b = &s->budget[class];
    if (b->held) {
        char detail[200];
        snprintf(detail, sizeof detail,
                 "%lu more refusal(s) of %s in %d s, not recorded one by one", b->held,
                 class == 0 ? "unlisted keys and clients without CURVE" : "listed keys",
                 S_QUIET_MS / 1000);
        log_warn("%s", detail);
        secure_audit(s, "refusals-held", class == 0 ? "strangers" : "participants", NULL, detail);
    }
    b->since = now;
    b->recorded = 0;
    b->held = 0;
}

static bool s_stranger(const char *actor)
{
    return strncmp(actor, "key:", 4) == 0 || strcmp(actor, "unauthenticated") == 0;
}

void secure_refused(secure_t *s, const char *event, const char *actor, const char *referral_id,
                    const char *detail)
{
    int64_t now = clock_mono_ms();
    s_budget_t *b = &s->budget[s_stranger(actor) ? 0 : 1];
    s_quiet_t *slot = &s->quiet[0];
    for (size_t i = 0; i < S_QUIET_SLOTS; i++) {
        s_quiet_t *q = &s->quiet[i];
        if (q->until && strcmp(q->event, event) == 0 && strcmp(q->actor, actor) == 0 &&
            strcmp(q->detail, detail) == 0) {
            if (now < q->until) {
                q->held++;
                return;
            }
            slot = q;
            break;
        }
        if (q->until < slot->until)
            slot = q; /* the oldest, or a free one */
    }
    if (now - b->since >= S_QUIET_MS)
        s_budget_flush(s, (size_t)(b - s->budget), now);
    if (b->recorded >= S_BURST) {
        b->held++;
        return;
    }
    b->recorded++;
    s_quiet_flush(s, slot);
    snprintf(slot->event, sizeof slot->event, "%s", event);
    snprintf(slot->actor, sizeof slot->actor, "%s", actor);
    snprintf(slot->detail, sizeof slot->detail, "%s", detail);
    slot->until = now + S_QUIET_MS;
    log_warn("%s %s: %s", event, actor, detail);
    secure_audit(s, event, actor, referral_id, detail);
}

static void s_refused(secure_t *s, const char *actor, const char *detail)
{
    secure_refused(s, "refused-connection", actor, NULL, detail);
}

static participants_t *s_load_participants(const hubconf_t *conf, bool fatal)
{
    diag_t d = DIAG_INIT;
    participants_t *ps = participants_load(conf->security.participants, &d);
    for (size_t i = 0; i < d.n; i++) {
        if (fatal)
            fprintf(stderr, "%s\n", d.msgs[i]);
        log_error("%s", d.msgs[i]);
    }
    diag_free(&d);
    return ps;
}

secure_t *secure_start(const hubconf_t *conf, const char *key_name)
{
    secure_t *s = xcalloc(1, sizeof *s);
    char err[512], *path = xasprintf("%s/%s.key", conf->security.keys_dir, key_name);

    if (curve_load_secret(path, &s->kp, err, sizeof err) < 0) {
        log_error("%s", err);
        exit(EX_CONFIG);
    }
    free(path);
    s->ps = s_load_participants(conf, true);
    if (!s->ps)
        exit(EX_CONFIG);
    s->by_fd = smap_new();
    s->per_key = smap_new();
    s->per_key_max = conf->security.connections_per_key;
    s->zap = zmq_socket(daemon_zmq(), ZMQ_REP);
    if (!s->zap || zmq_bind(s->zap, "inproc://zeromq.zap.01") < 0)
        log_fatalx("cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
    log_info("authenticating with key %.12s...; %zu participant(s) listed", s->kp.pub,
             participants_count(s->ps));
    return s;
}

void secure_stop(secure_t **sp)
{
    secure_t *s = *sp;
    if (!s)
        return;
    for (size_t i = 0; i < s->nmon; i++)
        zmq_close(s->mon[i].pair);
    zmq_close(s->zap);
    participants_destroy(&s->ps);
    smap_destroy(&s->by_fd);
    smap_destroy(&s->per_key);
    free(s->conns);
    for (size_t i = 0; i < s->nevents; i++)
        carerhub__audit_record__free_unpacked(s->events[i], NULL);
    free(s->events);
    memset(&s->kp, 0, sizeof s->kp);
    free(s);
    *sp = NULL;
}

void secure_server(secure_t *s, void *sock, const char *what)
{
    char ep[64];
    if (curve_server(sock, &s->kp) < 0)
        log_fatalx("cannot make a CURVE server socket: %s", zmq_strerror(zmq_errno()));
    if (s->nmon == S_MAX_MONITORS)
        return;
    snprintf(ep, sizeof ep, "inproc://carerhub-monitor-%zu", s->nmon);
    if (zmq_socket_monitor(sock, ep,
                           ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_DISCONNECTED) < 0)
        log_fatalx("cannot watch a socket: %s", zmq_strerror(zmq_errno()));
    s->mon[s->nmon].pair = zmq_socket(daemon_zmq(), ZMQ_PAIR);
    if (!s->mon[s->nmon].pair || zmq_connect(s->mon[s->nmon].pair, ep) < 0)
        log_fatalx("cannot watch a socket: %s", zmq_strerror(zmq_errno()));
    s->mon[s->nmon].sock = sock;
    snprintf(s->mon[s->nmon].what, sizeof s->mon[0].what, "%s", what);
    s->nmon++;
}

void secure_unwatch(secure_t *s)
{
    for (size_t i = 0; i < s->nmon; i++) {
        zmq_msg_t m;
        if (!s->mon[i].sock)
            continue;
        zmq_socket_monitor(s->mon[i].sock, NULL, 0);
        s->mon[i].sock = NULL;
        /* What the socket reported before it stopped: read, so that none
         * is left queued when the context ends. */
        zmq_msg_init(&m);
        while (zmq_msg_recv(&m, s->mon[i].pair, ZMQ_DONTWAIT) >= 0) {
            zmq_msg_close(&m);
            zmq_msg_init(&m);
        }
        zmq_msg_close(&m);
    }
}

void secure_client(secure_t *s, void *sock, const hubconf_t *conf, const char *server_name)
{
    char err[512], pub[CURVE_Z85];
    char *path = xasprintf("%s/%s.pub", conf->security.keys_dir, server_name);
    if (curve_load_public(path, pub, err, sizeof err) < 0)
        log_fatalx("%s", err);
    free(path);
    if (curve_client(sock, &s->kp, pub) < 0)
        log_fatalx("cannot make a CURVE client socket: %s", zmq_strerror(zmq_errno()));
}

size_t secure_items(secure_t *s, zmq_pollitem_t *items, size_t max)
{
    size_t n = 0;
    if (n < max)
        items[n++] = (zmq_pollitem_t){s->zap, 0, ZMQ_POLLIN, 0};
    for (size_t i = 0; i < s->nmon && n < max; i++)
        items[n++] = (zmq_pollitem_t){s->mon[i].pair, 0, ZMQ_POLLIN, 0};
    return n;
}

void secure_audit(secure_t *s, const char *event, const char *actor, const char *referral_id,
                  const char *detail)
{
    Carerhub__AuditRecord *a;
    if (s->nevents >= S_MAX_EVENTS) {
        s->dropped++;
        return;
    }
    a = xmalloc(sizeof *a);
    carerhub__audit_record__init(a);
    a->has_at = true;
    a->at = clock_now_ms();
    a->event = xstrdup(event);
    a->actor = xstrdup(actor ? actor : "");
    a->referral_id = referral_id ? xstrdup(referral_id) : NULL;
    a->detail = detail ? xstrdup(detail) : NULL;
    s->events = xgrow(s->events, &s->cap, s->nevents + 1, sizeof *s->events);
    s->events[s->nevents++] = a;
}

size_t secure_take(secure_t *s, Carerhub__AuditRecord ***out)
{
    size_t n;
    if (s->dropped) {
        char detail[96];
        unsigned long dropped = s->dropped;
        s->dropped = 0;
        s->nevents--; /* make room: the summary stands for the last one too */
        carerhub__audit_record__free_unpacked(s->events[s->nevents], NULL);
        snprintf(detail, sizeof detail, "%lu more event(s) not recorded one by one", dropped + 1);
        secure_audit(s, "audit-overflow", "", NULL, detail);
    }
    n = s->nevents;
    *out = s->events;
    s->events = NULL;
    s->nevents = s->cap = 0;
    return n;
}

/* Receives one frame into buf (NUL-terminated, cut to bufsz). Returns its
 * size, or -1. Sets *more. */
static int s_frame(void *sock, char *buf, size_t bufsz, int *more)
{
    zmq_msg_t m;
    size_t n;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return -1;
    }
    n = zmq_msg_size(&m);
    memcpy(buf, zmq_msg_data(&m), n < bufsz ? n : bufsz - 1);
    buf[n < bufsz ? n : bufsz - 1] = '\0';
    *more = zmq_msg_more(&m);
    zmq_msg_close(&m);
    return (int)n;
}

static void s_zap_one(secure_t *s)
{
    char f[7][256];
    int len[7], more = 1, nf = 0;
    const char *code = "400", *text = "unknown key";
    char user[CURVE_Z85] = "", fp[16] = "";
    const participant_t *who = NULL;

    while (more && nf < 7) {
        len[nf] = s_frame(s->zap, f[nf], sizeof f[nf], &more);
        if (len[nf] < 0)
            return;
        nf++;
    }
    while (more) { /* more frames than ZAP has: drain them */
        char junk[8];
        if (s_frame(s->zap, junk, sizeof junk, &more) < 0)
            break;
    }
    if (nf < 6)
        return; /* REP cannot answer a malformed request sensibly; libzmq never sends one */
    if (strcmp(f[0], "1.0") != 0) {
        code = "500";
        text = "ZAP version not supported";
    } else if (strcmp(f[2], CURVE_ZAP_DOMAIN) != 0) {
        text = "wrong ZAP domain";
    } else if (strcmp(f[5], "CURVE") != 0 || nf < 7 || len[6] != 32) {
        text = "only CURVE is accepted";
    } else {
        zmq_z85_encode(user, (const uint8_t *)f[6], 32);
        who = participants_by_key(s->ps, user);
        if (who) {
            code = "200";
            text = "OK";
        }
    }
    {
        /* Reply: version, request id, status code, text, user id, metadata. */
        const char *parts[6] = {"1.0", f[1], code, text, who ? user : "", ""};
        size_t sizes[6] = {3, (size_t)len[1], 3, strlen(text), who ? strlen(user) : 0, 0};
        for (int i = 0; i < 6; i++)
            zmq_send(s->zap, parts[i], sizes[i], i < 5 ? ZMQ_SNDMORE : 0);
    }
    if (!who) {
        char detail[160], actor[32];
        key_fingerprint(user, fp, sizeof fp);
        snprintf(actor, sizeof actor, "key:%s", user[0] ? fp : "none");
        snprintf(detail, sizeof detail, "connection refused at the handshake: %s", text);
        s_refused(s, actor, detail);
    }
}

/* --- connections per key ------------------------------------------------- */

static void s_conn_drop(secure_t *s, int fd)
{
    char k[16];
    uint64_t i, n;
    snprintf(k, sizeof k, "%d", fd);
    if (!smap_get(s->by_fd, k, &i))
        return;
    smap_del(s->by_fd, k);
    if (!s->conns[i].refused && smap_get(s->per_key, s->conns[i].key, &n)) {
        if (n > 1)
            smap_put(s->per_key, s->conns[i].key, n - 1);
        else
            smap_del(s->per_key, s->conns[i].key);
    }
    /* Move the last entry into the hole. */
    if (i + 1 < s->nconns) {
        s->conns[i] = s->conns[s->nconns - 1];
        snprintf(k, sizeof k, "%d", s->conns[i].fd);
        smap_put(s->by_fd, k, i);
    }
    s->nconns--;
}

/* Whether connection c is still open on its descriptor. */
static bool s_conn_live(const s_conn_t *c)
{
    struct stat st;
    return fstat(c->fd, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino;
}

/* Forgets the connections of key that have closed: a message read after
 * its connection closed, or a disconnection reported before the message
 * was read, would otherwise count a connection that is gone. */
static void s_conn_prune(secure_t *s, const char *key)
{
    size_t i = s->nconns;
    while (i-- > 0)
        if (strcmp(s->conns[i].key, key) == 0 && !s_conn_live(&s->conns[i]))
            s_conn_drop(s, s->conns[i].fd);
}

bool secure_admit(secure_t *s, const wire_peer_t *peer, bool *first_refusal)
{
    char k[16];
    uint64_t i, n = 0;
    struct stat st;
    s_conn_t *c;
    *first_refusal = false;
    if (peer->fd < 0 || !peer->user[0])
        return true;
    snprintf(k, sizeof k, "%d", peer->fd);
    if (smap_get(s->by_fd, k, &i)) {
        if (strcmp(s->conns[i].key, peer->user) == 0 && s_conn_live(&s->conns[i]))
            return !s->conns[i].refused;
        s_conn_drop(s, peer->fd); /* closed, and its descriptor given to another */
    }
    if (fstat(peer->fd, &st) < 0)
        return true; /* closed already: nothing to hold, nothing to count */
    smap_get(s->per_key, peer->user, &n);
    if (n >= (uint64_t)s->per_key_max) {
        s_conn_prune(s, peer->user);
        n = 0;
        smap_get(s->per_key, peer->user, &n);
    }
    s->conns = xgrow(s->conns, &s->capconns, s->nconns + 1, sizeof *s->conns);
    c = &s->conns[s->nconns];
    c->fd = peer->fd;
    c->dev = st.st_dev;
    c->ino = st.st_ino;
    snprintf(c->key, sizeof c->key, "%.40s", peer->user);
    c->refused = n >= (uint64_t)s->per_key_max;
    smap_put(s->by_fd, k, s->nconns++);
    if (!c->refused) {
        smap_put(s->per_key, peer->user, n + 1);
        return true;
    }
    {
        char actor[80], detail[160];
        secure_actor(s, peer, actor, sizeof actor);
        snprintf(detail, sizeof detail,
                 "connection not served: the key already has %llu connection(s) open "
                 "(security.connections_per_key)",
                 (unsigned long long)n);
        secure_refused(s, "refused-connection", actor, NULL, detail);
    }
    *first_refusal = true;
    return false;
}

static void s_monitor_one(secure_t *s, s_monitor_t *m)
{
    zmq_msg_t ev, addr;
    uint16_t event = 0;
    uint32_t value = 0;
    const char *why = NULL;
    char detail[200];
    zmq_msg_init(&ev);
    zmq_msg_init(&addr);
    if (zmq_msg_recv(&ev, m->pair, ZMQ_DONTWAIT) < 0 || zmq_msg_size(&ev) < 6 ||
        zmq_msg_recv(&addr, m->pair, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&ev);
        zmq_msg_close(&addr);
        return;
    }
    memcpy(&event, zmq_msg_data(&ev), 2);
    memcpy(&value, (char *)zmq_msg_data(&ev) + 2, 4);
    if (event == ZMQ_EVENT_DISCONNECTED) {
        s_conn_drop(s, (int)value);
        zmq_msg_close(&ev);
        zmq_msg_close(&addr);
        return;
    }
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        why = value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH ? "the client does not use CURVE"
              : value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
                  ? "the client's handshake does not decrypt: it has the wrong server key"
                  : "the client broke the handshake protocol";
    snprintf(detail, sizeof detail, "connection to the %s refused: %s", m->what,
             why ? why : "the client broke off the handshake: not a CURVE client of this hub?");
    s_refused(s, "unauthenticated", detail);
    zmq_msg_close(&ev);
    zmq_msg_close(&addr);
}

void secure_handle(secure_t *s)
{
    int64_t now = clock_mono_ms();
    for (size_t i = 0; i < S_QUIET_SLOTS; i++)
        if (s->quiet[i].held && now >= s->quiet[i].until)
            s_quiet_flush(s, &s->quiet[i]);
    for (size_t i = 0; i < 2; i++)
        if (s->budget[i].held && now - s->budget[i].since >= S_QUIET_MS)
            s_budget_flush(s, i, now);
    for (int i = 0; i < 1000; i++) {
        int events = 0;
        size_t len = sizeof events;
        if (zmq_getsockopt(s->zap, ZMQ_EVENTS, &events, &len) < 0 || !(events & ZMQ_POLLIN))
            break;
        s_zap_one(s);
    }
    for (size_t m = 0; m < s->nmon; m++)
        for (int i = 0; i < 1000; i++) {
            int events = 0;
            size_t len = sizeof events;
            if (zmq_getsockopt(s->mon[m].pair, ZMQ_EVENTS, &events, &len) < 0 ||
                !(events & ZMQ_POLLIN))
                break;
            s_monitor_one(s, &s->mon[m]);
        }
}

int secure_reload(secure_t *s, const hubconf_t *conf)
{
    participants_t *ps = s_load_participants(conf, false);
    char detail[96];
    if (!ps) {
        log_error("reload: participants file has problems; keeping the current one");
        secure_audit(s, "participants-kept", "reload", NULL,
                     "the participants file has problems; the current list stays in force");
        return -1;
    }
    participants_destroy(&s->ps);
    s->ps = ps;
    s->per_key_max = conf->security.connections_per_key;
    snprintf(detail, sizeof detail, "participants reloaded: %zu listed", participants_count(ps));
    log_info("%s", detail);
    secure_audit(s, "participants-reloaded", "reload", NULL, detail);
    return 0;
}

const participant_t *secure_peer(const secure_t *s, const wire_peer_t *peer)
{
    return peer->user[0] ? participants_by_key(s->ps, peer->user) : NULL;
}

const participant_t *secure_role(const secure_t *s, const wire_peer_t *peer, role_t role)
{
    const participant_t *who = secure_peer(s, peer);
    if (!who || who->role != role)
        return NULL;
    if ((role == ROLE_PROVIDER || role == ROLE_INTAKE) && who->nscopes != 1)
        return NULL;
    return who;
}

const participant_t *secure_participant(const secure_t *s, const char *id)
{
    return participants_by_id(s->ps, id);
}

void secure_actor(const secure_t *s, const wire_peer_t *peer, char *out, size_t outsz)
{
    const participant_t *who = secure_peer(s, peer);
    char fp[16];
    if (who) {
        snprintf(out, outsz, "%s", who->id);
        return;
    }
    key_fingerprint(peer->user, fp, sizeof fp);
    snprintf(out, outsz, "key:%s", fp[0] ? fp : "none");
}

void secure_refuse(secure_t *s, const wire_peer_t *peer, const char *where, const char *why)
{
    char actor[80], detail[200];
    secure_actor(s, peer, actor, sizeof actor);
    snprintf(detail, sizeof detail, "message on the %s refused: %s", where, why);
    secure_refused(s, "refused-message", actor, NULL, detail);
}
