/*
 * carerhub report [--from DATE] [--to DATE] [--json | --csv | --html FILE]
 * [--publish] [--key NAME]: the report commissioners watch (carers
 * supported against the targets, the path from referral to support, time
 * to first contact, who refers), from the router's counters. A
 * commissioner's key by default where the keys directory has one, else
 * the operator's. --publish hides counts below 5 for figures meant to
 * leave the hub. The forms are lib/report's.
 */
#include "cli.h"

#include "report/report.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/file.h"
#include "util/mem.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

typedef enum { S_TEXT, S_JSON, S_CSV, S_HTML } s_form_t;

static const char s_usage[] = "usage: carerhub report [--from DATE] [--to DATE] "
                              "[--json | --csv | --html FILE] [--publish] [--key NAME]";

/* The key to ask with when none is given: a commissioner's reads reports
 * and nothing else, so it is the one to use where there is one. */
static const char *s_default_key(cli_t *cli)
{
    char *path = xasprintf("%s/commissioner.key", cli_conf(cli)->security.keys_dir);
    bool have = file_exists(path);
    free(path);
    return have ? "commissioner" : "operator";
}

/* A period's end given on the command line, checked before asking. */
static int s_date(const char *opt, const char *s, date_t *out)
{
    if (date_parse(s, out) == 0)
        return 0;
    cli_error("report", "%s must be a date written YYYY-MM-DD, not %s", opt, s);
    return -1;
}

/* Writes the page to path whole or not at all, readable by whoever the
 * commissioner passes it to. */
static int s_write_html(const char *path, const buf_t *page)
{
    if (file_write_atomic(path, page->data, page->len, 0644) < 0) {
        cli_error("report", "cannot write %s: %s", path, strerror(errno));
        return EX_CANTCREAT;
    }
    cli_print(stdout, "report written to %s", path);
    return 0;
}

static int s_render(s_form_t form, const char *html, const Carerhub__ReportReply *r, bool publish)
{
    buf_t out = BUF_INIT;
    int rc = 0;

    if (form == S_JSON)
        report_json(&out, r, publish);
    else if (form == S_CSV)
        report_csv(&out, r, publish);
    else if (form == S_HTML)
        report_html(&out, r, publish);
    else
        report_text(&out, r, publish); /* escaped for the terminal there */
    if (form == S_HTML)
        rc = s_write_html(html, &out);
    else if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len)
        rc = EX_IOERR;
    buf_free(&out);
    return rc;
}

int cli_report(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},       {"csv", no_argument, NULL, 'c'},
        {"html", required_argument, NULL, 'H'}, {"publish", no_argument, NULL, 'p'},
        {"key", required_argument, NULL, 'k'},  {NULL, 0, NULL, 0},
    };
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__ReportQuery q = CARERHUB__REPORT_QUERY__INIT;
    const char *html = NULL;
    s_form_t form = S_TEXT;
    bool publish = false;
    date_t from = 0, to = 0;
    int c, forms = 0, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'f') {
            q.from = optarg;
            if (s_date("--from", optarg, &from) < 0)
                return EX_USAGE;
        } else if (c == 't') {
            q.to = optarg;
            if (s_date("--to", optarg, &to) < 0)
                return EX_USAGE;
        } else if (c == 'j' || c == 'c' || c == 'H') {
            form = c == 'j' ? S_JSON : c == 'c' ? S_CSV : S_HTML;
            html = c == 'H' ? optarg : html;
            forms++;
        } else if (c == 'p') {
            publish = true;
        } else if (c == 'k') {
            cli->key = optarg;
        } else {
            return cli_bad_option("report", argv, opts);
        }
    }
    if (argc - optind != 0 || forms > 1) {
        cli_error("report", "%s%s", forms > 1 ? "one of --json, --csv, --html at a time; " : "",
                  s_usage);
        return EX_USAGE;
    }
    if (q.from && q.to && from > to) {
        cli_error("report", "--from (%s) is after --to (%s)", q.from, q.to);
        return EX_USAGE;
    }
    env.body_case = CARERHUB__ENVELOPE__BODY_REPORT_QUERY;
    env.report_query = &q;
    /* a report is only read, so asking again after a lost reply is safe */
    rep = cli_router_call(cli, "report", cli_key_given(cli) ? "operator" : s_default_key(cli), &env,
                          30000, &rc);
    if (!rep)
        return rc;
    if (rep->body_case != CARERHUB__ENVELOPE__BODY_REPORT_REPLY || !rep->report_reply)
        rc = cli_refused("report", rep);
    else
        rc = s_render(form, html, rep->report_reply, publish);
    carerhub__envelope__free_unpacked(rep, NULL);
    return rc;
}
