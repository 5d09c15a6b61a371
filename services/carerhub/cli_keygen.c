/*
 * carerhub keygen NAME [--dir DIR]: a CURVE key pair for a participant or a
 * daemon. NAME.key (the secret, 0600) stays with its owner; NAME.pub goes to
 * the hub's operator, who lists it in participants.yaml.
 */
#include "cli.h"

#include "wire/curve.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

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
