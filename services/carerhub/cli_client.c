/*
 * carerhub client: the API clients of the web front door's FHIR interface
 * (a clinical system of one organisation), kept in data_dir/web beside the
 * accounts (lib/account/client.h), which this command opens directly. A
 * new client, and a new token for one, has its bearer token printed once,
 * alone on the last line; only its hash is kept, so a lost token is
 * replaced, never shown again.
 */
#include "cli.h"

#include "account/client.h"
#include "util/clock.h"
#include "util/date.h"
#include "util/file.h"
#include "util/mem.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char s_usage[] =
    "usage: carerhub client add NAME --org CODE [--role gp|hospital|school] [--cert FILE]\n"
    "       carerhub client token NAME | disable NAME | enable NAME | list";

static int s_usage_error(const char *what)
{
    cli_error("client", "%s", what);
    fprintf(stderr, "%s\n", s_usage);
    return EX_USAGE;
}

static int s_exit(account_rc_t rc, const char *msg)
{
    if (rc == ACCOUNT_OK)
        return 0;
    cli_error("client", "%s", msg);
    return rc == ACCOUNT_BAD                               ? EX_USAGE
           : rc == ACCOUNT_EXISTS || rc == ACCOUNT_UNKNOWN ? EX_DATAERR
                                                           : EX_IOERR;
}

static store_t *s_open(cli_t *cli)
{
    char *dir = hubconf_data_path(cli_conf(cli), "web");
    int err;
    store_t *st = account_open(dir, &err);
    if (!st)
        cli_error("client", "cannot open the clients store %s: %s", dir, store_strerror(err));
    free(dir);
    return st;
}

static int s_role(const char *s, role_t *out)
{
    if (strcmp(s, "gp") == 0)
        *out = ROLE_GP;
    else if (strcmp(s, "hospital") == 0)
        *out = ROLE_HOSPITAL;
    else if (strcmp(s, "school") == 0)
        *out = ROLE_SCHOOL;
    else
        return -1;
    return 0;
}

/* The fingerprint of the certificate in path: 0, or -1 having said why. */
static int s_cert(const char *path, uint8_t out[32])
{
    char *pem = NULL, why[160];
    size_t len = 0;
    int rc;
    if (file_read_all(path, CLIENT_CERT_MAX, &pem, &len) != 0) {
        cli_error("client", "--cert %s: %s", path, strerror(errno));
        return -1;
    }
    if ((rc = client_cert_sha256(pem, len, out, why, sizeof why)) != 0)
        cli_error("client", "--cert %s: %s", path, why);
    free(pem);
    return rc;
}

/* Prints a token made just now: alone, on the last line. */
static void s_print_token(char *token)
{
    printf("bearer token, shown this once (send it as Authorization: Bearer TOKEN):\n");
    printf("%s\n", token);
    sodium_memzero(token, CLIENT_TOKEN_LEN + 1);
}

static int s_add(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"role", required_argument, NULL, 'r'},
        {"org", required_argument, NULL, 'o'},
        {"cert", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    const char *role_s = NULL, *org = NULL, *cert = NULL, *why;
    char token[CLIENT_TOKEN_LEN + 1], msg[256];
    uint8_t fp[32];
    role_t role;
    store_t *st;
    account_rc_t rc;
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r')
            role_s = optarg;
        else if (c == 'o')
            org = optarg;
        else if (c == 'c')
            cert = optarg;
        else
            return cli_bad_option("client", argv, opts);
    }
    if (argc - optind != 1)
        return s_usage_error("give one client NAME");
    if (!org)
        return s_usage_error("--org is needed: the organisation's code the client refers for");
    if (role_s && s_role(role_s, &role) < 0) {
        cli_error("client", "role must be gp, hospital or school, not '%s'", role_s);
        return EX_USAGE;
    }
    /* The forms of the codes do not overlap, so the code says the role. */
    if (!role_s && client_role_of_org(org, &role) < 0) {
        cli_error("client",
                  "organisation '%s' is not a practice's ODS code (F81001), a trust's (RAJ) or a "
                  "school's URN (6 digits): give the right code, or --role",
                  org);
        return EX_USAGE;
    }
    if ((why = client_check(argv[optind], role, org)) != NULL) {
        cli_error("client", "%s", why);
        return EX_USAGE;
    }
    if (cert && s_cert(cert, fp) < 0)
        return EX_DATAERR;
    if (!(st = s_open(cli)))
        return EX_IOERR;
    rc = client_add(st, argv[optind], role, org, cert ? fp : NULL, token, msg, sizeof msg);
    store_close(&st);
    if (rc != ACCOUNT_OK)
        return s_exit(rc, msg);
    printf("added client %s (%s %s)%s\n", argv[optind], role_name(role), org,
           cert ? ", its certificate recorded for mutual TLS" : "");
    s_print_token(token);
    return 0;
}

static void s_hex(const ProtobufCBinaryData *d, char *out, size_t outsz)
{
    if (d->len == 32)
        sodium_bin2hex(out, outsz, d->data, 16); /* enough to tell one from another */
    else
        snprintf(out, outsz, "-");
}

static int s_row(const Carerhub__WebClient *c, void *arg)
{
    char fp[33], made[DATE_STRLEN] = "-";
    (*(size_t *)arg)++;
    s_hex(&c->cert_sha256, fp, sizeof fp);
    if (c->has_token_at)
        date_format(date_of_ms(c->token_at), made);
    cli_print(stdout, "%-24s %-9s %-12s %-9s %-10s %s", c->name ? c->name : "",
              c->role ? c->role : "", c->organisation ? c->organisation : "-",
              c->disabled ? "disabled" : "active", made, fp);
    return 0;
}

static int s_list(store_t *st)
{
    size_t n = 0;
    int rc;
    printf("%-24s %-9s %-12s %-9s %-10s %s\n", "NAME", "ROLE", "ORGANISATION", "STATE", "TOKEN",
           "CERT SHA-256 (first 16 bytes)");
    if ((rc = client_each(st, s_row, &n)) != 0) {
        cli_error("client", "cannot read the clients store %s: %s", store_path(st),
                  store_strerror(rc));
        return EX_IOERR;
    }
    printf("%zu client%s\n", n, n == 1 ? "" : "s");
    return 0;
}

int cli_client(cli_t *cli, int argc, char **argv)
{
    static const char *const subs[] = {"add", "token", "disable", "enable", "list"};
    const char *sub = argc >= 2 ? argv[1] : "", *near;
    char token[CLIENT_TOKEN_LEN + 1], msg[256], like[64];
    store_t *st;
    account_rc_t rc;
    int out;

    if (strcmp(sub, "add") == 0)
        return s_add(cli, argc - 1, argv + 1);
    if (!*sub)
        return s_usage_error("which client command?");
    if ((near = cli_nearest(sub, "", subs, sizeof subs / sizeof *subs, like, sizeof like)) &&
        strcmp(near, sub) != 0) {
        snprintf(msg, sizeof msg, "unknown client command '%.64s' (did you mean %s?)", sub, near);
        return s_usage_error(msg);
    }
    if (strcmp(sub, "list") && strcmp(sub, "token") && strcmp(sub, "disable") &&
        strcmp(sub, "enable")) {
        snprintf(msg, sizeof msg, "unknown client command '%.64s'", sub);
        return s_usage_error(msg);
    }
    if (argc != (strcmp(sub, "list") == 0 ? 2 : 3))
        return s_usage_error("wrong number of arguments");
    if (!(st = s_open(cli)))
        return EX_IOERR;
    if (strcmp(sub, "list") == 0) {
        out = s_list(st);
    } else if (strcmp(sub, "token") == 0) {
        if ((rc = client_token(st, argv[2], token, msg, sizeof msg)) == ACCOUNT_OK) {
            printf("new token for client %s: the old one no longer works\n", argv[2]);
            s_print_token(token);
        }
        out = s_exit(rc, msg);
    } else {
        bool off = strcmp(sub, "disable") == 0;
        if ((rc = client_disable(st, argv[2], off, msg, sizeof msg)) == ACCOUNT_OK)
            printf("%s client %s: %s\n", off ? "disabled" : "enabled", argv[2],
                   off ? "its token is refused" : "its token works again");
        out = s_exit(rc, msg);
    }
    store_close(&st);
    return out;
}
