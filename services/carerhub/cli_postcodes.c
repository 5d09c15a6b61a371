/*
 * carerhub postcodes: load the postcode unit table from the ONS Postcode
 * Directory or the National Statistics Postcode Lookup, and count it.
 */
#include "cli.h"

#include "domain/pcdb.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static void s_progress(const pcdb_import_stats_t *st, void *arg)
{
    (void)arg;
    fprintf(stderr, "\r%lu rows read, %lu postcodes loaded...", st->rows, st->loaded);
    fflush(stderr);
}

static int s_import(cli_t *cli, const char *file)
{
    const hubconf_t *conf = cli_conf(cli);
    char *dir = hubconf_data_path(conf, "postcodes");
    pcdb_import_stats_t st;
    char err[512];
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    pcdb_t *db;
    bool tty = isatty(STDERR_FILENO);
    int rc;

    if (!f) {
        cli_error("postcodes", "cannot open %s: %s", file, strerror(errno));
        free(dir);
        return EX_NOINPUT;
    }
    db = pcdb_open(dir, true);
    if (!db) {
        cli_error("postcodes", "cannot open the unit table in %s: %s", dir, strerror(errno));
        if (f != stdin)
            fclose(f);
        free(dir);
        return EX_CANTCREAT;
    }
    rc = pcdb_import(db, f, &st, tty ? s_progress : NULL, NULL, err, sizeof err);
    if (tty && st.rows >= 100000)
        fputc('\n', stderr);
    if (f != stdin)
        fclose(f);
    if (rc < 0) {
        cli_error("postcodes", "%s: %s", file, err);
        pcdb_close(&db);
        free(dir);
        return EX_DATAERR;
    }
    printf("imported %s into %s (authority column: %s)\n", file, dir, st.lad_column);
    printf("  rows read:              %lu\n", st.rows);
    printf("  live postcodes loaded:  %lu\n", st.loaded);
    printf("  terminated, skipped:    %lu\n", st.terminated);
    printf("  invalid postcode:       %lu\n", st.invalid);
    printf("  no authority:           %lu\n", st.no_lad);
    printf("  postcodes in the table: %lu\n", pcdb_count(db));
    /* The router and the web front door follow the table (pcdb_follow). */
    printf("a running hub routes by this table from its next referral; no reload is needed\n");
    pcdb_close(&db);
    free(dir);
    return 0;
}

static int s_count(cli_t *cli)
{
    char *dir = hubconf_data_path(cli_conf(cli), "postcodes");
    pcdb_t *db = pcdb_open(dir, false);
    if (!db) {
        if (errno == ENOENT)
            printf("0 postcodes: no unit table in %s (load one with carerhub postcodes "
                   "import)\n",
                   dir);
        else
            cli_error("postcodes", "cannot open %s: %s", dir, strerror(errno));
        free(dir);
        return errno == ENOENT ? 0 : EX_IOERR;
    }
    printf("%lu postcodes in %s\n", pcdb_count(db), dir);
    pcdb_close(&db);
    free(dir);
    return 0;
}

int cli_postcodes(cli_t *cli, int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "import") == 0)
        return s_import(cli, argv[2]);
    if (argc == 2 && strcmp(argv[1], "count") == 0)
        return s_count(cli);
    if (argc >= 2 && strcmp(argv[1], "import") != 0 && strcmp(argv[1], "count") != 0) {
        static const char *const subs[] = {"import", "count"};
        char like[64];
        const char *near = cli_nearest(argv[1], "", subs, 2, like, sizeof like);
        cli_error("postcodes",
                  "no postcodes command '%s'%s%s%s; usage: carerhub postcodes import "
                  "FILE.csv | postcodes count",
                  argv[1], near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
        return EX_USAGE;
    }
    cli_error("postcodes", "usage: carerhub postcodes import FILE.csv | postcodes count");
    return EX_USAGE;
}
