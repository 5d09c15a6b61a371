/*
 * carerhub config check: read the configuration and everything it names the
 * way the daemons will, and report every problem with its position.
 */
#include "cli.h"

#include "domain/geo.h"
#include "domain/participants.h"
#include "domain/route.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

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
