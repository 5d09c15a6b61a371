/*
 * carerhub user: the accounts of the web front door, kept in data_dir/web
 * (lib/account), which this command opens directly, whether carerhub-web
 * runs or not. A new account gets a first password, printed alone on the
 * last line and changed at the first login, or one read from standard
 * input (for scripts), or a one-time set-up link with which its owner
 * chooses one. Nothing here prints a password hash.
 */
#include "cli.h"

#include "account/account.h"
#include "util/clock.h"
#include "util/mem.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define S_SETUP_HOURS 72
#define S_FIRST_LEN   20 /* random characters of a first password: 100 bits */

static const char s_usage[] =
    "usage: carerhub user add NAME --role gp|hospital|school|provider|commissioner|operator\n"
    "           [--org CODE] [--password-stdin | --setup-link]\n"
    "       carerhub user passwd NAME [--password-stdin | --setup-link]\n"
    "       carerhub user disable NAME | enable NAME | list";

static int s_usage_error(const char *what)
{
    cli_error("user", "%s", what);
    fprintf(stderr, "%s\n", s_usage);
    return EX_USAGE;
}

/* A user command that is none of add, passwd, disable, enable, list. */
static int s_unknown(const char *sub)
{
    static const char *const subs[] = {"add", "passwd", "disable", "enable", "list"};
    char what[160], like[64];
    const char *near = cli_nearest(sub, "", subs, sizeof subs / sizeof *subs, like, sizeof like);
    if (!*sub)
        return s_usage_error("which user command?");
    if (near)
        snprintf(what, sizeof what, "unknown user command '%.64s' (did you mean %s?)", sub, near);
    else
        snprintf(what, sizeof what, "unknown user command '%.64s'", sub);
    return s_usage_error(what);
}

/* The exit status for an account_* result. */
static int s_exit(account_rc_t rc, const char *msg)
{
    if (rc == ACCOUNT_OK)
        return 0;
    cli_error("user", "%s", msg);
    return rc == ACCOUNT_BAD                               ? EX_USAGE
           : rc == ACCOUNT_EXISTS || rc == ACCOUNT_UNKNOWN ? EX_DATAERR
           : rc == ACCOUNT_DENIED                          ? EX_NOPERM
                                                           : EX_IOERR;
}

static store_t *s_open(cli_t *cli)
{
    char *dir = hubconf_data_path(cli_conf(cli), "web");
    int err;
    store_t *st = account_open(dir, &err);
    if (!st)
        cli_error("user", "cannot open the accounts store %s: %s", dir, store_strerror(err));
    free(dir);
    return st;
}

/* A first password: S_FIRST_LEN characters from 32 that cannot be taken
 * for one another (no 0/o, 1/l/i), in groups of five for reading aloud. */
static void s_first_password(char *out)
{
    static const char abc[] = "abcdefghjkmnpqrstuvwxyz23456789";
    size_t o = 0;
    for (int i = 0; i < S_FIRST_LEN; i++) {
        if (i && i % 5 == 0)
            out[o++] = '-';
        out[o++] = abc[randombytes_uniform(sizeof abc - 1)];
    }
    out[o] = '\0';
}

/* One line of standard input into out (without its line end), or -1 having
 * said why. */
static int s_read_password(char *out, size_t outsz)
{
    size_t n;
    if (!fgets(out, (int)outsz, stdin)) {
        cli_error("user", "password: nothing on standard input (--password-stdin reads one line)");
        return -1;
    }
    n = strlen(out);
    if (n == outsz - 1 && out[n - 1] != '\n') {
        cli_error("user", "password must be at most %d characters long", ACCOUNT_PASSWORD_MAX);
        sodium_memzero(out, outsz);
        return -1;
    }
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return 0;
}

/* Where carerhub-web is reached: web.public_url, else made from listen. */
static char *s_base_url(const hubconf_t *c)
{
    const char *l = c->web.listen;
    if (c->web.public_url)
        return xstrdup(c->web.public_url);
    if (strncmp(l, "0.0.0.0:", 8) == 0 || strncmp(l, "[::]:", 5) == 0)
        fprintf(stderr,
                "carerhub: user: web.listen %s names no one machine: set web.public_url "
                "in carerhub.yaml to the address people use\n",
                l);
    return xasprintf("%s://%s", c->web.tls_cert ? "https" : "http", l);
}

/* Gives name a set-up link and prints it, last. */
static int s_setup_link(cli_t *cli, store_t *st, const char *name)
{
    char token[ACCOUNT_SETUP_TOKEN + 1], msg[256], *base;
    account_rc_t rc = account_setup_token(st, name, S_SETUP_HOURS, token, msg, sizeof msg);
    if (rc != ACCOUNT_OK)
        return s_exit(rc, msg);
    base = s_base_url(cli_conf(cli));
    printf("set-up link for %s, once only, for %d hours: they choose their password with it\n",
           name, S_SETUP_HOURS);
    printf("%s/setup?user=%s&token=%s\n", base, name, token);
    sodium_memzero(token, sizeof token);
    free(base);
    return 0;
}

typedef enum { S_FIRST, S_STDIN, S_LINK } s_how_t;

/* Sets name's password as how says (after account_add for a new one). */
static int s_password(cli_t *cli, store_t *st, const char *name, s_how_t how, bool add, role_t role,
                      const char *org)
{
    char pw[ACCOUNT_PASSWORD_MAX + 2], msg[256];
    account_rc_t rc;

    if (how == S_LINK) {
        if (add && (rc = account_add(st, name, role, org, NULL, false, msg, sizeof msg)))
            return s_exit(rc, msg);
        if (add)
            printf("added %s (%s%s%s)\n", name, role_name(role), org ? " " : "", org ? org : "");
        return s_setup_link(cli, st, name);
    }
    if (how == S_STDIN && s_read_password(pw, sizeof pw) < 0)
        return EX_USAGE;
    if (how == S_FIRST)
        s_first_password(pw);
    rc = add ? account_add(st, name, role, org, pw, how == S_FIRST, msg, sizeof msg)
             : account_passwd(st, name, pw, how == S_FIRST, msg, sizeof msg);
    if (rc == ACCOUNT_OK) {
        if (add)
            printf("added %s (%s%s%s)\n", name, role_name(role), org ? " " : "", org ? org : "");
        else
            printf("new password for %s\n", name);
        if (how == S_FIRST) {
            printf("first password, to be changed at the first login:\n");
            printf("%s\n", pw);
        }
    }
    sodium_memzero(pw, sizeof pw);
    return s_exit(rc, msg);
}

static int s_role(const char *s, role_t *out)
{
    static const struct {
        const char *name;
        role_t role;
    } roles[] = {{"gp", ROLE_GP},
                 {"hospital", ROLE_HOSPITAL},
                 {"school", ROLE_SCHOOL},
                 {"provider", ROLE_PROVIDER},
                 {"commissioner", ROLE_COMMISSIONER},
                 {"operator", ROLE_OPERATOR}};
    for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
        if (strcmp(s, roles[i].name) == 0) {
            *out = roles[i].role;
            return 0;
        }
    return -1;
}

/* A provider account's organisation is one of the routing's providers. */
static int s_provider_known(cli_t *cli, const char *org)
{
    route_t *rt = cli_routing(cli);
    int found = route_provider_find(rt, org);
    route_destroy(&rt);
    if (found >= 0)
        return 0;
    cli_error("user",
              "organisation %s is not a provider of the routing (carerhub config providers "
              "lists them)",
              org);
    return -1;
}

/* add and passwd: NAME and their options. */
static int s_set(cli_t *cli, int argc, char **argv, bool add)
{
    static const struct option opts[] = {
        {"role", required_argument, NULL, 'r'},
        {"org", required_argument, NULL, 'o'},
        {"password-stdin", no_argument, NULL, 's'},
        {"setup-link", no_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    const char *role_s = NULL, *org = NULL, *why;
    s_how_t how = S_FIRST;
    role_t role = ROLE_GP;
    store_t *st;
    int c, rc;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r' && add)
            role_s = optarg;
        else if (c == 'o' && add)
            org = optarg;
        else if ((c == 's' || c == 'l') && how == S_FIRST)
            how = c == 's' ? S_STDIN : S_LINK;
        else if (c == 's' || c == 'l')
            return s_usage_error("--password-stdin and --setup-link: one or the other");
        else if (c == '?')
            return cli_bad_option("user", argv, opts);
        else
            return s_usage_error("passwd takes no --role or --org: an account keeps its role");
    }
    if (argc - optind != 1)
        return s_usage_error("give one account NAME");
    if (add && !role_s)
        return s_usage_error("--role is needed");
    if (add && s_role(role_s, &role) < 0) {
        cli_error("user",
                  "role must be gp, hospital, school, provider, commissioner or operator, "
                  "not '%s'",
                  role_s);
        return EX_USAGE;
    }
    if (add && (why = account_check(argv[optind], role, org)) != NULL) {
        cli_error("user", "%s", why);
        return EX_USAGE;
    }
    if (add && role == ROLE_PROVIDER && s_provider_known(cli, org) < 0)
        return EX_USAGE;
    if (!(st = s_open(cli)))
        return EX_IOERR;
    rc = s_password(cli, st, argv[optind], how, add, role, add && org && *org ? org : NULL);
    store_close(&st);
    return rc;
}

static const char *s_state(const Carerhub__WebAccount *a)
{
    if (a->disabled)
        return "disabled";
    if (!a->password_hash && a->setup_hash.len)
        return a->setup_expires > clock_now_ms() ? "set-up pending" : "set-up link expired";
    if (!a->password_hash)
        return "no password";
    return a->must_change ? "must change password" : "active";
}

static int s_row(const Carerhub__WebAccount *a, void *arg)
{
    (*(size_t *)arg)++;
    cli_print(stdout, "%-24s %-12s %-12s %s", a->name ? a->name : "", a->role ? a->role : "",
              a->organisation ? a->organisation : "-", s_state(a));
    return 0;
}

static int s_list(store_t *st)
{
    size_t n = 0;
    int rc;
    printf("%-24s %-12s %-12s %s\n", "NAME", "ROLE", "ORGANISATION", "STATE");
    if ((rc = account_each(st, s_row, &n)) != 0) {
        cli_error("user", "cannot read the accounts store %s: %s", store_path(st),
                  store_strerror(rc));
        return EX_IOERR;
    }
    printf("%zu account%s\n", n, n == 1 ? "" : "s");
    return 0;
}

static int s_disable(store_t *st, const char *name, bool disable)
{
    char msg[256];
    account_rc_t rc = account_disable(st, name, disable, msg, sizeof msg);
    if (rc == ACCOUNT_OK)
        printf("%s %s: %s\n", disable ? "disabled" : "enabled", name,
               disable ? "they cannot log in" : "they can log in again");
    return s_exit(rc, msg);
}

int cli_user(cli_t *cli, int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : "";
    store_t *st;
    int rc;

    if (strcmp(sub, "add") != 0 && strcmp(sub, "passwd") != 0 && strcmp(sub, "list") != 0 &&
        strcmp(sub, "disable") != 0 && strcmp(sub, "enable") != 0)
        return s_unknown(sub);
    if (strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0)
        return s_set(cli, argc - 1, argv + 1, strcmp(sub, "add") == 0);
    if (argc != (strcmp(sub, "list") == 0 ? 2 : 3))
        return s_usage_error("wrong number of arguments");
    if (!(st = s_open(cli)))
        return EX_IOERR;
    if (strcmp(sub, "list") == 0)
        rc = s_list(st);
    else
        rc = s_disable(st, argv[2], strcmp(sub, "disable") == 0);
    store_close(&st);
    return rc;
}
