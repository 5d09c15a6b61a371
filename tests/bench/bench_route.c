/*
 * Routing benchmark: route decisions per second on one thread, from a raw
 * postcode as typed (normalisation included) to a provider, over a mix of
 * postcodes from every UK district. Three figures: the decision alone on the
 * district tables, the decision with its written explanation, and the
 * decision with a postcode unit table of 200,000 postcodes in LMDB.
 *
 *   bench_route ROUTING_FILE WORK_DIR [SECONDS]
 */
#include "domain/pcdb.h"
#include "domain/postcode.h"
#include "domain/route.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NINPUT 65536

static char s_inputs[NINPUT][16];

/* Postcodes in every district of the table, written the way people type
 * them: lower case, with and without the space. */
static size_t s_make_inputs(void)
{
    static const char *districts[] = {"CM2",  "CM1", "SS14", "CO1", "CB11", "SS1", "RM17",
                                      "EH1",  "BT1", "CF10", "SS7", "CM18", "AB1", "CO15",
                                      "SW1A", "M1",  "B33",  "LS1", "G1",   "CM0"};
    size_t n = 0;
    unsigned seed = 12345;
    while (n < NINPUT) {
        const char *d = districts[n % (sizeof districts / sizeof *districts)];
        char in[16];
        seed = seed * 1103515245u + 12345u;
        snprintf(in, sizeof in, (seed >> 16) & 1 ? "%s %u%c%c" : "%s%u%c%c", d, (seed >> 8) % 10,
                 "abdefghjlnpqrstuwxyz"[(seed >> 12) % 20],
                 "ABDEFGHJLNPQRSTUWXYZ"[(seed >> 20) % 20]);
        if ((seed >> 24) & 1)
            for (char *p = in; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
        strcpy(s_inputs[n++], in);
    }
    return n;
}

typedef struct {
    const route_t *rt;
    pcdb_t *pcdb;
    bool explain;
} s_mode_t;

static double s_run(const s_mode_t *m, double seconds, unsigned long *sink)
{
    int64_t start = clock_mono_us(), end = start + (int64_t)(seconds * 1e6), now;
    unsigned long count = 0;
    buf_t b = BUF_INIT;
    do {
        for (size_t i = 0; i < 4096; i++) {
            const char *in = s_inputs[(count + i) % NINPUT];
            char pc[POSTCODE_MAX];
            route_result_t r;
            if (postcode_normalise(in, pc) < 0)
                continue;
            route_decide(m->rt, pc, (int)(i % 90), ROUTE_SRC_GP, m->pcdb ? pcdb_lookup : NULL,
                         m->pcdb, &r);
            *sink += (unsigned long)r.provider;
            if (m->explain) {
                buf_reset(&b);
                route_explain(m->rt, &r, &b);
                *sink += b.len;
            }
        }
        count += 4096;
        now = clock_mono_us();
    } while (now < end);
    buf_free(&b);
    return (double)count / ((double)(now - start) / 1e6);
}

int main(int argc, char **argv)
{
    diag_t d = DIAG_INIT;
    route_t *rt;
    pcdb_t *pcdb;
    double seconds = argc > 3 ? atof(argv[3]) : 2.0;
    unsigned long sink = 0;
    char csv[4096];
    FILE *f;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_route ROUTING_FILE WORK_DIR [SECONDS]\n");
        return 64;
    }
    rt = route_load(argv[1], &d);
    if (!rt) {
        diag_print(&d, stderr);
        return 78;
    }
    s_make_inputs();

    /* A unit table of 200,000 synthetic postcodes, a third of the inputs. */
    snprintf(csv, sizeof csv, "%s/units.csv", argv[2]);
    f = fopen(csv, "w");
    fprintf(f, "pcds,doterm,oslaua\n");
    for (size_t i = 0; i < 200000; i++) {
        char pc[POSTCODE_MAX];
        if (postcode_normalise(s_inputs[i % NINPUT], pc) == 0)
            fprintf(f, "%s,,E07000070\n", pc);
        if (i >= NINPUT / 3)
            break;
    }
    /* Distinct postcodes B1 0AA .. B50 9ZZ: 50 districts x 10 sectors x 400. */
    for (size_t i = 0; i < 200000; i++)
        fprintf(f, "B%zu %zu%c%c,,E08000025\n", 1 + i / 4000, i / 400 % 10,
                "ABDEFGHJLNPQRSTUWXYZ"[i / 20 % 20], "ABDEFGHJLNPQRSTUWXYZ"[i % 20]);
    fclose(f);
    pcdb = pcdb_open(argv[2], true);
    f = fopen(csv, "r");
    {
        pcdb_import_stats_t st;
        char err[256];
        if (!pcdb || !f || pcdb_import(pcdb, f, &st, NULL, NULL, err, sizeof err) < 0) {
            fprintf(stderr, "bench_route: cannot build the unit table\n");
            return 1;
        }
        fclose(f);
    }

    {
        s_mode_t plain = {rt, NULL, false}, explain = {rt, NULL, true}, units = {rt, pcdb, false};
        double a = s_run(&plain, seconds, &sink);
        double b = s_run(&explain, seconds, &sink);
        double c = s_run(&units, seconds, &sink);
        printf("route: %.0f decisions/s (district tables, one thread)\n", a);
        printf("route: %.0f decisions/s with the written explanation\n", b);
        printf("route: %.0f decisions/s with a %lu-postcode unit table (LMDB)\n", c,
               pcdb_count(pcdb));
        printf("route: goal 1000000 decisions/s: %s\n", a >= 1e6 ? "met" : "NOT met");
    }
    if (sink == 42)
        printf("\n");
    pcdb_close(&pcdb);
    route_destroy(&rt);
    return 0;
}
