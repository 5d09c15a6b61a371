/*
 * carerhub route: explain which organisation serves a carer, without storing
 * anything. The same engine and explanation the router records on a case.
 */
#include "cli.h"

#include "domain/pcdb.h"
#include "domain/route.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/mem.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char *s_source_names[ROUTE_SRC_COUNT] = {"",       "gp",   "discharge",
                                                      "school", "self", "professional"};

static void s_print_text(const route_t *rt, const route_result_t *r, const char *reason)
{
    int lad = route_result_lad(r);
    const geo_t *g = route_geo(rt);

    printf("provider:  %s (%s)\n", route_provider_id(rt, r->provider),
           route_provider_name(rt, r->provider));
    printf("postcode:  %s\n", r->postcode);
    if (lad >= 0) {
        printf("authority: %s %s\n", geo_lad_code(g, (geo_lad_t)lad),
               geo_lad_name(g, (geo_lad_t)lad));
    } else if (r->by == ROUTE_BY_ISLAND) {
        printf("authority: none (%s is a Crown Dependency)\n", r->unlisted);
    } else if (r->ncands == 1) {
        printf("authority: %s (not in the authority table)\n", r->unlisted);
    } else if (r->ncands > 1) {
        printf("authority: one of");
        for (size_t i = 0; i < r->ncands; i++)
            printf("%s %s %s", i ? "," : "", geo_lad_code(g, r->cands[i]),
                   geo_lad_name(g, r->cands[i]));
        printf("\n");
    } else {
        printf("authority: unknown\n");
    }
    if (r->age >= 0)
        printf("age:       %d\n", r->age);
    if (r->source != ROUTE_SRC_ANY)
        printf("source:    %s\n", s_source_names[r->source]);
    printf("rule:      %s\n", route_rule_name(rt, r));
    printf("reason:    %s\n", reason);
}

static void s_print_json(const route_t *rt, const route_result_t *r, const char *reason)
{
    static const char *by[] = {"unit", "sector", "district", NULL, "crown-dependency"};
    const geo_t *g = route_geo(rt);
    int lad = route_result_lad(r);
    buf_t b = BUF_INIT;

    buf_adds(&b, "{\"provider\":");
    buf_json_str(&b, route_provider_id(rt, r->provider));
    buf_adds(&b, ",\"provider_name\":");
    buf_json_str(&b, route_provider_name(rt, r->provider));
    buf_adds(&b, ",\"postcode\":");
    buf_json_str(&b, r->postcode);
    buf_adds(&b, ",\"lad\":");
    if (lad >= 0)
        buf_json_str(&b, geo_lad_code(g, (geo_lad_t)lad));
    else
        buf_json_str(&b, r->ncands == 1 && r->by != ROUTE_BY_ISLAND ? r->unlisted : NULL);
    buf_adds(&b, ",\"lad_name\":");
    buf_json_str(&b, lad >= 0 ? geo_lad_name(g, (geo_lad_t)lad) : NULL);
    buf_adds(&b, ",\"rule\":");
    buf_json_str(&b, route_rule_name(rt, r));
    buf_adds(&b, ",\"reason\":");
    buf_json_str(&b, reason);
    buf_adds(&b, ",\"found_by\":");
    buf_json_str(&b, by[r->by]);
    buf_adds(&b, ",\"area\":");
    buf_json_str(&b, r->by == ROUTE_BY_UNIT ? NULL : r->area);
    buf_adds(&b, ",\"candidates\":[");
    for (size_t i = 0; i < r->ncands && r->by != ROUTE_BY_ISLAND; i++) {
        int rule = r->cand_rule[i];
        buf_adds(&b, i ? ",{\"lad\":" : "{\"lad\":");
        buf_json_str(&b, r->cands[i] == GEO_UNLISTED ? r->unlisted : geo_lad_code(g, r->cands[i]));
        buf_adds(&b, ",\"lad_name\":");
        buf_json_str(&b, r->cands[i] == GEO_UNLISTED ? NULL : geo_lad_name(g, r->cands[i]));
        buf_adds(&b, ",\"provider\":");
        buf_json_str(&b, rule >= 0 ? route_rule_provider(rt, rule) : NULL);
        buf_addc(&b, '}');
    }
    buf_adds(&b, "],\"age\":");
    if (r->age >= 0)
        buf_printf(&b, "%d", r->age);
    else
        buf_adds(&b, "null");
    buf_adds(&b, ",\"source\":");
    buf_json_str(&b, r->source ? s_source_names[r->source] : NULL);
    buf_adds(&b, "}\n");
    fputs(b.data, stdout);
    buf_free(&b);
}

typedef struct {
    int age; /* -1: an adult, unless dob gives an age */
    const char *dob, *on;
    route_src_t source;
    bool json;
} s_opts_t;

/* Parses the options into o; returns 0 or the exit status of the error. */
static int s_options(int argc, char **argv, s_opts_t *o)
{
    static const struct option opts[] = {
        {"age", required_argument, NULL, 'a'}, {"dob", required_argument, NULL, 'd'},
        {"on", required_argument, NULL, 'o'},  {"source", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},      {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        long v;
        switch (c) {
        case 'a':
            v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 0 || v > 150) {
                cli_error("route", "--age must be a whole number of years, 0-150");
                return EX_USAGE;
            }
            o->age = (int)v;
            break;
        case 'd':
            o->dob = optarg;
            break;
        case 'o':
            o->on = optarg;
            break;
        case 's':
            for (int i = ROUTE_SRC_GP; i < ROUTE_SRC_COUNT; i++)
                if (strcmp(optarg, s_source_names[i]) == 0)
                    o->source = (route_src_t)i;
            if (o->source == ROUTE_SRC_ANY) {
                cli_error("route", "--source must be gp, discharge, school, self or professional");
                return EX_USAGE;
            }
            break;
        case 'j':
            o->json = true;
            break;
        default:
            return cli_bad_option("route", argv, opts);
        }
    }
    return 0;
}

/* The carer's age from --dob (on --on, else today); returns 0 or the exit
 * status of the error. */
static int s_age(s_opts_t *o)
{
    date_t born, day = date_today();
    if (!o->dob) {
        if (o->on) {
            cli_error("route", "--on needs --dob");
            return EX_USAGE;
        }
        return 0;
    }
    if (o->age >= 0) {
        cli_error("route", "give --age or --dob, not both");
        return EX_USAGE;
    }
    if (date_parse(o->dob, &born) < 0 || (o->on && date_parse(o->on, &day) < 0)) {
        cli_error("route", "dates must be real dates written YYYY-MM-DD");
        return EX_USAGE;
    }
    if ((o->age = date_age(born, day)) < 0) {
        cli_error("route", "--dob %s is after the day of referral", o->dob);
        return EX_DATAERR;
    }
    return 0;
}

/* The postcode from the words left ("carerhub route cm2 0aa" arrives as
 * two), into in (to be freed). */
static void s_words(int argc, char **argv, buf_t *in)
{
    for (int i = optind; i < argc; i++) {
        if (i > optind)
            buf_addc(in, ' ');
        buf_adds(in, argv[i]);
    }
}

/* The intake's own judgement of the postcode (route_postcode_check), so
 * that what an intake refuses is refused here in the same words, and with
 * the exit status submit gives it. Returns 0 or that status. */
static int s_postcode(const route_t *rt, pcdb_t *pcdb, const char *in, char pc[POSTCODE_MAX])
{
    route_pc_t why = route_postcode_check(route_geo(rt), pcdb ? pcdb_lookup : NULL, pcdb, in, pc);
    buf_t msg = BUF_INIT;
    if (why == ROUTE_PC_OK)
        return 0;
    route_postcode_problem(why, in, pc, &msg);
    cli_error("route", "%s", msg.data);
    buf_free(&msg);
    return EX_DATAERR;
}

int cli_route(cli_t *cli, int argc, char **argv)
{
    s_opts_t o = {-1, NULL, NULL, ROUTE_SRC_ANY, false};
    const hubconf_t *conf;
    route_t *rt;
    pcdb_t *pcdb;
    route_result_t r;
    buf_t reason = BUF_INIT, input = BUF_INIT;
    char pc[POSTCODE_MAX], *pcdir;
    int rc;

    if ((rc = s_options(argc, argv, &o)) != 0)
        return rc;
    if (optind >= argc) {
        cli_error("route", "give a postcode: carerhub route POSTCODE [--age N]");
        return EX_USAGE;
    }
    if ((rc = s_age(&o)) != 0)
        return rc;
    conf = cli_conf(cli);
    rt = cli_routing(cli);
    pcdir = hubconf_data_path(conf, "postcodes");
    pcdb = pcdb_open(pcdir, false);
    if (!pcdb && errno != ENOENT)
        cli_error("route", "postcode unit table %s: %s; using districts only", pcdir,
                  strerror(errno));
    free(pcdir);

    s_words(argc, argv, &input);
    if ((rc = s_postcode(rt, pcdb, input.data, pc)) == 0) {
        route_decide(rt, pc, o.age, o.source, pcdb ? pcdb_lookup : NULL, pcdb, &r);
        route_explain(rt, &r, &reason);
        if (o.json)
            s_print_json(rt, &r, reason.data);
        else
            s_print_text(rt, &r, reason.data);
    }
    buf_free(&reason);
    buf_free(&input);
    pcdb_close(&pcdb);
    route_destroy(&rt);
    return rc;
}
