/*
 * What every carerhub command shares: its configuration, the client's keys,
 * and how it speaks to a person (escaped lines, errors, an unanswered or
 * refused server). See cli.h.
 */
#include "cli.h"

#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/text.h"
#include "wire/curve.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <zmq.h>

/* The formatted text as one line of out, escaped: what the hub stored or a
 * peer sent can neither end the line nor drive the terminal. */
static void s_vline(FILE *out, const char *fmt, va_list ap)
{
    char *raw, *safe;
    int n = vasprintf(&raw, fmt, ap);
    if (n < 0)
        abort();
    safe = xmalloc(TEXT_ESCAPE_MAX((size_t)n));
    text_escape(raw, (size_t)n, safe, TEXT_ESCAPE_MAX((size_t)n));
    fputs(safe, out);
    fputc('\n', out);
    free(safe);
    free(raw);
}

void cli_print(FILE *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vline(out, fmt, ap);
    va_end(ap);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "carerhub: %s: ", cmd);
    va_start(ap, fmt);
    s_vline(stderr, fmt, ap);
    va_end(ap);
}

int cli_unanswered(const char *cmd, const char *server, const char *endpoint, int err)
{
    if (err == EACCES) {
        cli_error(cmd,
                  "the %s at %s refused this client's key: it is not a listed participant "
                  "(ask the hub's operator to add your .pub to participants.yaml)",
                  server, endpoint);
        return EX_NOPERM;
    }
    cli_error(cmd, "the %s at %s did not answer", server, endpoint);
    return EX_UNAVAILABLE;
}

static bool s_ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* Whether path is the public half of a key pair: NAME.pub, or a file that
 * keygen wrote as one. Taken for the secret it would fail only at the
 * handshake, which looks like a hub that does not answer. */
static bool s_public_half(const char *path)
{
    static const char head[] = "# carerhub public key";
    char *data;
    size_t len;
    bool pub;
    if (s_ends_with(path, ".pub"))
        return true;
    if (file_read_all(path, 4096, &data, &len) < 0)
        return false;
    pub = len >= sizeof head - 1 && memcmp(data, head, sizeof head - 1) == 0;
    sodium_memzero(data, len);
    free(data);
    return pub;
}

/* Says that --key KEY (its file path) is a public key, and which file is
 * the secret one; exits 78 as for any other unusable key. */
static void s_public_given(const char *key, const char *path)
{
    char *secret;
    if (s_ends_with(key, ".pub") && !strchr(key, '/') && !file_exists(key))
        secret =
            xasprintf("--key %.*s (the name, in the keys directory)", (int)(strlen(key) - 4), key);
    else if (s_ends_with(key, ".pub"))
        secret = xasprintf("--key %.*s.key", (int)(strlen(key) - 4), key);
    else
        secret = xstrdup("the .key file made with it");
    cli_error("key",
              "%s is the public half of a key pair (it is for the hub's operator to list in "
              "participants.yaml): give your secret half, %s",
              path, secret);
    free(secret);
    exit(EX_CONFIG);
}

void cli_keys(cli_t *cli, const char *default_name, const char *server_name, clnt_keys_t *out)
{
    const hubconf_t *conf = cli_conf(cli);
    const char *key = cli->key ? cli->key : getenv("CARERHUB_KEY");
    char err[512], *path, *spath;

    if (key && *key && s_ends_with(key, ".pub") && !strchr(key, '/') && !file_exists(key))
        path = xasprintf("%s/%s", conf->security.keys_dir, key);
    else if (key && *key)
        path = strchr(key, '/') || strstr(key, ".key") || s_ends_with(key, ".pub")
                   ? xstrdup(key)
                   : xasprintf("%s/%s.key", conf->security.keys_dir, key);
    else
        path = xasprintf("%s/%s.key", conf->security.keys_dir, default_name);
    if (s_public_half(path))
        s_public_given(key ? key : default_name, path);
    if (curve_load_secret(path, &out->me, err, sizeof err) < 0) {
        cli_error("key", "%s", err);
        fprintf(stderr, "carerhub: give your key with --key FILE (carerhub keygen NAME makes "
                        "one; the hub's operator must list its .pub in participants.yaml)\n");
        exit(EX_CONFIG);
    }
    spath = xasprintf("%s/%s.pub", conf->security.keys_dir, server_name);
    if (curve_load_public(spath, out->server, err, sizeof err) < 0) {
        cli_error("key", "%s (the public key of the hub's %s)", err, server_name);
        exit(EX_CONFIG);
    }
    free(path);
    free(spath);
}

bool cli_key_given(const cli_t *cli)
{
    const char *env = getenv("CARERHUB_KEY");
    return (cli->key && *cli->key) || (env && *env);
}

Carerhub__Envelope *cli_router_call(cli_t *cli, const char *cmd, const char *default_name,
                                    Carerhub__Envelope *env, int timeout_ms, int *rc)
{
    const hubconf_t *conf = cli_conf(cli);
    Carerhub__Envelope *rep;
    clnt_keys_t keys;
    void *ctx;
    int err;

    cli_keys(cli, default_name, "router", &keys);
    ctx = zmq_ctx_new();
    rep = clnt_call(ctx, conf->router.control_endpoint, &keys, env, timeout_ms, 2000);
    err = errno;
    memset(&keys, 0, sizeof keys);
    zmq_ctx_term(ctx);
    if (!rep)
        *rc = cli_unanswered(cmd, "router", conf->router.control_endpoint, err);
    return rep;
}

int cli_refused(const char *cmd, const Carerhub__Envelope *rep)
{
    const char *code, *msg;
    if (rep->body_case != CARERHUB__ENVELOPE__BODY_ERROR) {
        cli_error(cmd, "unexpected answer from the router");
        return EX_PROTOCOL;
    }
    code = rep->error->code ? rep->error->code : "";
    msg = rep->error->message ? rep->error->message : code;
    if (strcmp(code, "forbidden") == 0) {
        cli_error(cmd, "refused: %s", msg);
        return EX_NOPERM;
    }
    cli_error(cmd, "%s", msg);
    return strcmp(code, "unavailable") == 0 || strcmp(code, "version") == 0 ? EX_UNAVAILABLE
                                                                            : EX_DATAERR;
}

const hubconf_t *cli_conf(cli_t *cli)
{
    diag_t d = DIAG_INIT;
    if (cli->conf)
        return cli->conf;
    if (!cli->found_path) {
        cli->found_path = cli->config_path ? xstrdup(cli->config_path) : hubconf_find();
        if (!cli->found_path) {
            cli_error("config", "no configuration found: give --config FILE or set "
                                "CARERHUB_CONFIG");
            exit(EX_CONFIG);
        }
    }
    cli->conf = hubconf_load(cli->found_path, &d);
    if (!cli->conf) {
        diag_print(&d, stderr);
        diag_free(&d);
        exit(EX_CONFIG);
    }
    log_set_level(cli->conf->log_level < LOG_LVL_WARN ? cli->conf->log_level : LOG_LVL_WARN);
    return cli->conf;
}

route_t *cli_routing(cli_t *cli)
{
    diag_t d = DIAG_INIT;
    route_t *rt = route_load(cli_conf(cli)->routing, &d);
    if (!rt) {
        diag_print(&d, stderr);
        diag_free(&d);
        exit(EX_CONFIG);
    }
    return rt;
}
