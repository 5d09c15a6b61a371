/*
 * carerhub config check: read the configuration and everything it names the
 * way the daemons will, and report every problem with its position.
 */
#include "cli.h"

#include "domain/geo.h"
#include "domain/participants.h"
#include "domain/route.h"
#include "util/buf.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sysexits.h>
#include <unistd.h>

/* Whether the daemons can write in dir, or create it: the nearest part of
 * the path that exists must be a directory on a writable file system that
 * its owner may write in (the daemons' user, maybe not this one's; when it
 * is this one's, asked of the kernel). Otherwise the problem to why. */
static bool s_writable(const char *dir, char *why, size_t whysz)
{
    char *p = xstrdup(dir), *slash;
    struct stat st;
    struct statvfs vfs;
    bool ok = false;
    while (stat(p, &st) < 0 && (errno == ENOENT || errno == ENOTDIR)) {
        if (strcmp(p, "/") == 0 || strcmp(p, ".") == 0) {
            snprintf(why, whysz, "none of its path exists");
            free(p);
            return false;
        }
        if (!(slash = strrchr(p, '/')))
            strcpy(p, "."); /* "data": the working directory's */
        else
            slash[slash == p] = '\0'; /* "/data": the root's */
    }
    if (stat(p, &st) < 0)
        snprintf(why, whysz, "%s: %s", p, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        snprintf(why, whysz, "%s is not a directory", p);
    else if (statvfs(p, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
        snprintf(why, whysz, "%s is on a read-only file system", p);
    else if ((st.st_uid == geteuid() || geteuid() == 0) && access(p, W_OK | X_OK) < 0)
        snprintf(why, whysz, "%s: %s", p, strerror(errno));
    else if (st.st_uid != geteuid() && geteuid() != 0 && !(st.st_mode & S_IWUSR))
        snprintf(why, whysz, "%s is not writable, even by its owner", p);
    else
        ok = true;
    free(p);
    return ok;
}

/* What each file is right about alone but wrong about with the others: a
 * provider agent's key for no provider of the routing, authority sets that
 * give one authority to two organisations, a data_dir nobody can write. */
static void s_cross_checks(const hubconf_t *conf, const route_t *rt, const participants_t *ps,
                           diag_t *d)
{
    char why[512];
    buf_t known = BUF_INIT;
    for (size_t k = 0; k < route_provider_count(rt); k++)
        buf_printf(&known, "%s%s", k ? ", " : "", route_provider_id(rt, (int)k));
    for (size_t i = 0; i < participants_count(ps); i++) {
        const participant_t *p = participants_at(ps, i);
        if (p->role != ROLE_PROVIDER)
            continue;
        for (size_t s = 0; s < p->nscopes; s++) {
            if (route_provider_find(rt, p->scopes[s]) >= 0)
                continue;
            diag_add(d,
                     "%s: participant %s is a provider agent for '%s', which is not a provider "
                     "of %s (its providers: %s)",
                     conf->security.participants, p->id, p->scopes[s], conf->routing,
                     known.data ? known.data : "none");
        }
    }
    buf_free(&known);
    route_overlaps(rt, conf->routing, d);
    if (!s_writable(conf->data_dir, why, sizeof why))
        diag_add(d, "%s: data_dir %s cannot be written: %s", conf->path, conf->data_dir, why);
}

int cli_config(cli_t *cli, int argc, char **argv)
{
    const hubconf_t *conf;
    route_t *rt;
    diag_t d = DIAG_INIT;

    if (argc == 2 && strcmp(argv[1], "providers") == 0) {
        rt = cli_routing(cli);
        for (size_t i = 0; i < route_provider_count(rt); i++)
            printf("%s\n", route_provider_id(rt, (int)i));
        route_destroy(&rt);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "check") != 0 && strcmp(argv[1], "providers") != 0) {
        static const char *const subs[] = {"check", "providers"};
        char like[64];
        const char *near = cli_nearest(argv[1], "", subs, 2, like, sizeof like);
        cli_error("config",
                  "no config command '%s'%s%s%s; usage: carerhub config check [FILE] | "
                  "config providers",
                  argv[1], near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
        return EX_USAGE;
    }
    if (argc < 2 || argc > 3 || strcmp(argv[1], "check") != 0) {
        cli_error("config", "usage: carerhub config check [FILE] | config providers");
        return EX_USAGE;
    }
    if (argc == 3)
        cli->config_path = argv[2];
    conf = cli_conf(cli);
    rt = cli_routing(cli);
    {
        participants_t *ps = participants_load(conf->security.participants, &d);
        if (!ps) {
            diag_print(&d, stderr);
            diag_free(&d);
            route_destroy(&rt);
            return EX_CONFIG;
        }
        s_cross_checks(conf, rt, ps, &d);
        if (d.n) {
            diag_print(&d, stderr);
            diag_free(&d);
            participants_destroy(&ps);
            route_destroy(&rt);
            return EX_CONFIG;
        }
        printf("configuration OK: %s\n", conf->path);
        printf("  participants %s: %zu listed\n", conf->security.participants,
               participants_count(ps));
        participants_destroy(&ps);
    }
    printf("  routing %s: %zu providers, %zu rules, %zu authorities, %zu postcode districts\n",
           conf->routing, route_provider_count(rt), route_rule_count(rt),
           geo_lad_count(route_geo(rt)), geo_district_count(route_geo(rt)));
    route_destroy(&rt);
    return 0;
}
