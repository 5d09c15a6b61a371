/*
 * carerhub keygen NAME [--dir DIR]: a CURVE key pair for a participant or a
 * daemon. NAME.key (the secret, 0600) stays with its owner; NAME.pub goes to
 * the hub's operator, who lists it in participants.yaml.
 */
#include "cli.h"

#include "wire/curve.h"

#include <ctype.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

/* Whether name can name a key: letters, digits, '-', '_' and '.', not
 * starting with '.' (as curve_keygen requires: it is also a file name). */
static bool s_name_ok(const char *name)
{
    if (!*name || name[0] == '.')
        return false;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
            return false;
    return true;
}

/* Says what a key name may hold, with name made into one. */
static int s_bad_name(const char *name)
{
    char like[65];
    size_t n = 0;
    for (const char *c = name; *c && n < sizeof like - 1; c++) {
        unsigned char u = (unsigned char)*c;
        if (isalnum(u) || ((*c == '_' || *c == '.') && n > 0))
            like[n++] = (char)tolower(u);
        else if (n > 0 && like[n - 1] != '-')
            like[n++] = '-';
    }
    while (n > 0 && like[n - 1] == '-')
        n--;
    like[n] = '\0';
    cli_error("keygen",
              "'%s' cannot be a key name: a key name is letters, digits, '-', '_' and '.' (no "
              "spaces, not starting with '.')%s%s",
              name, n ? ", such as " : "", like);
    return EX_USAGE;
}

int cli_keygen(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = ".";
    keypair_t kp;
    char err[512];
    int c;

    (void)cli;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'd')
            return cli_bad_option("keygen", argv, opts);
        dir = optarg;
    }
    if (argc - optind != 1) {
        cli_error("keygen", "usage: carerhub keygen NAME [--dir DIR]");
        return EX_USAGE;
    }
    if (!s_name_ok(argv[optind]))
        return s_bad_name(argv[optind]);
    if (curve_keygen(dir, argv[optind], &kp, err, sizeof err) < 0) {
        cli_error("keygen", "%s", err);
        return EX_CANTCREAT;
    }
    printf("wrote %s/%s.key (secret: keep it private) and %s/%s.pub\n", dir, argv[optind], dir,
           argv[optind]);
    printf("public key: %s\n", kp.pub);
    memset(&kp, 0, sizeof kp);
    return 0;
}
