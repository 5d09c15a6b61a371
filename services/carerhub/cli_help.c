/*
 * What the carerhub command says about itself: the help of every command,
 * in one table, so that `carerhub help` (every command, every option) and
 * `carerhub COMMAND --help` cannot disagree; and how a mistaken word is
 * named, with the nearest right one when it looks like a typo of it.
 */
#include "cli.h"

#include "util/text.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define S_COLUMN 29 /* the column (from 0) where a form's description starts */

/* One way of calling a command: its words after "carerhub" (a line that
 * starts with spaces continues the one before), and what it does. */
typedef struct {
    const char *synopsis;
    const char *about;
} s_form_t;

typedef struct {
    const char *name;
    s_form_t forms[5];
    const char *keys; /* the key it uses without --key, or NULL for none */
} s_help_t;

static const s_help_t s_help[] = {
    {"route",
     {{"route POSTCODE [--age N | --dob DATE [--on DATE]]\n"
       "      [--source gp|discharge|school|self|professional] [--json]",
       "which organisation serves a carer, and why"}},
     NULL},
    {"postcodes",
     {{"postcodes import FILE.csv", "load the ONSPD or NSPL postcode unit table"},
      {"postcodes count", "how many postcodes the unit table holds"}},
     NULL},
    {"config",
     {{"config check [FILE]", "check the configuration and routing files"},
      {"config providers", "list the provider ids of the routing"}},
     NULL},
    {"submit",
     {{"submit gp|discharge|school|professional [--json] [--timeout S] FILE...",
       "send referral files (- for standard input);\n"
       "--timeout: how long to wait for the intake (10 s);\n"
       "--json: a line of JSON per referral"}},
     "gp, hospital, school or professional, by the source"},
    {"status",
     {{"status REFERRAL-ID [--json] [--timeout S]", "where a referral is, and its case's timeline\n"
                                                    "(operators: any; referrers: their own)"}},
     "operator"},
    {"feedback",
     {{"feedback [--since DATE] [--json]", "a referrer's referrals and where each stands"}},
     "none: give a referrer's, --key gp (or hospital, school)"},
    {"cancel",
     {{"cancel REFERRAL-ID --reason changed|error [--note TEXT]",
       "cancel a referral of your own while its case is open"}},
     "gp, hospital, school or professional, by the referral's id"},
    {"outcome",
     {{"outcome CASE-ID STATUS [--support KIND]... [--reason TEXT] [--to PROVIDER]\n"
       "      [--at TIME] [--note TEXT] [--id OUTCOME-ID]",
       "report what happened with a case (a provider's key)"}},
     "none: give the organisation's, --key provider-ID"},
    {"cases",
     {{"cases [--json] [--limit N] [--provider ID]",
       "the open cases with your organisation, overdue first\n"
       "(a provider's key; an operator's names --provider)"}},
     "operator, with --provider ID; else give --key provider-ID"},
    {"case",
     {{"case CASE-ID [--json]", "one of your organisation's cases: the carer as now\n"
                                "known, its referrals and timeline, and what may be\n"
                                "recorded next (operators: any case)"}},
     "operator (a provider's: --key provider-ID)"},
    {"stats", {{"stats [--json]", "counts by source, provider, authority, referrer"}}, "operator"},
    {"alerts",
     {{"alerts [--json]", "what needs a person (operators; exit 1 if anything)"}},
     "operator"},
    {"queues",
     {{"queues [--json]", "deliveries waiting per organisation, its agent and\n"
                          "its open cases (operators)"}},
     "operator"},
    {"parked",
     {{"parked [--json]", "the referrals held back, oldest first (operators)"},
      {"parked release REFERRAL-ID", "take a parked referral again now"},
      {"parked reject REFERRAL-ID --reason TEXT",
       "drop it for good; its referrer reads the reason"}},
     "operator"},
    {"conflict",
     {{"conflict join CASE-ID OTHER-CASE-ID", "two cases flagged identity_conflict are one carer:\n"
                                              "the newer joins the older (operators)"},
      {"conflict apart CASE-ID OTHER-CASE-ID",
       "they are two people: neither flagged with the other"}},
     "operator"},
    {"erase",
     {{"erase CASE-ID|REFERRAL-ID --reason TEXT",
       "erase the carer's personal data everywhere in the\n"
       "hub; each organisation that had the case is told\n"
       "to erase its copy (operators); TEXT is for the\n"
       "audit trail: no personal data"}},
     "operator"},
    {"export",
     {{"export CASE-ID|REFERRAL-ID [-o FILE]",
       "everything the hub holds about the carer of a case\n"
       "or referral, as one JSON document, for a subject\n"
       "access request (operators; audited); -o: a new\n"
       "file, mode 0600, never over an existing one"}},
     "operator"},
    {"retention",
     {{"retention [--run]", "closed cases past retention.closed_case_days, not\n"
                            "yet erased; what the router's last run erased,\n"
                            "and when it runs next (operators); --run: erase\n"
                            "them now"}},
     "operator"},
    {"audit",
     {{"audit [--since DATE] [--json]", "the audit trail, oldest first (operators); --json:\n"
                                        "a JSON object per record"}},
     "operator"},
    {"report",
     {{"report [--from DATE] [--to DATE] [--json | --csv | --html FILE] [--publish]\n"
       "      [--key NAME]",
       "carers supported against the targets, the path to\n"
       "support, time to contact, who refers (commissioners,\n"
       "operators); --publish shows counts below 5 as \"<5\""}},
     "commissioner if the keys directory has one, else operator"},
    {"keygen",
     {{"keygen NAME [--dir DIR]", "make NAME.key (secret, 0600) and NAME.pub; NAME is\n"
                                  "letters, digits, '-', '_' and '.'"}},
     NULL},
    {"user",
     {{"user add NAME --role gp|hospital|school|provider|commissioner|operator\n"
       "      [--org CODE] [--password-stdin | --setup-link]",
       "an account of the web front door: prints a first\n"
       "password (changed at the first login), or sets one\n"
       "read from standard input, or prints a set-up link\n"
       "(once, for 72 hours); CODE: the practice's or\n"
       "trust's ODS code, the school's URN, the provider id"},
      {"user passwd NAME [--password-stdin | --setup-link]",
       "a new password for an account, as for add"},
      {"user disable NAME | user enable NAME", "stop an account logging in, or let it again"},
      {"user list", "the accounts: name, role, organisation, state"}},
     NULL},
    {"client",
     {{"client add NAME --org CODE [--role gp|hospital|school]\n"
       "      [--cert FILE]",
       "an API client of the FHIR interface, for one\n"
       "organisation (CODE: the practice's or trust's ODS\n"
       "code, the school's URN; the role follows from it);\n"
       "prints its bearer token once, on the last line;\n"
       "--cert records a client certificate (PEM) for\n"
       "mutual TLS"},
      {"client token NAME", "a new token (printed once); the old one stops"},
      {"client disable NAME | client enable NAME", "refuse a client's token, or take it again"},
      {"client list", "the clients: name, role, organisation, state"}},
     NULL},
    {"backup",
     {{"backup DIR", "a consistent copy of every store under data_dir,\n"
                     "taken while the hub runs, on its machine; DIR\n"
                     "must be new or empty (operators)"}},
     NULL},
    {"restore",
     {{"restore BACKUP [--force]", "put a backup into data_dir, the hub stopped;\n"
                                   "--force moves the stores there aside"}},
     NULL},
    {"help", {{"help [COMMAND]", "this help, or one command's"}}, NULL},
};

static const char s_global[] = "usage: carerhub [--config FILE] [--key KEY] COMMAND [ARGS]\n"
                               "       carerhub --version | --help\n";

static const char s_keys[] =
    "The configuration is FILE, else $CARERHUB_CONFIG, else the carerhub.yaml\n"
    "of this installation. KEY is your secret key file (NAME.key, not NAME.pub),\n"
    "or its name in the configured keys directory, else $CARERHUB_KEY; without\n"
    "one, submit uses gp, hospital, school or professional, cancel the same by\n"
    "the referral's id, status, stats, alerts, audit, queues, parked, conflict,\n"
    "erase, export and retention use operator, and report commissioner if the\n"
    "keys directory has one, else operator. feedback needs a referrer's key\n"
    "(--key gp); outcome and cases a provider's (--key provider-ID), as does\n"
    "case, else it uses operator.\n"
    "`carerhub COMMAND --help` shows one command; exit statuses are in the README.\n";

static const s_help_t *s_find(const char *name)
{
    for (size_t i = 0; i < sizeof s_help / sizeof *s_help; i++)
        if (strcmp(s_help[i].name, name) == 0)
            return &s_help[i];
    return NULL;
}

/* Prints the lines of text, the first after `col` characters already on
 * the line (or on a new line if those reach the column), each at S_COLUMN. */
static void s_about(FILE *out, size_t col, const char *text)
{
    const char *line = text;
    if (col >= S_COLUMN) {
        fputc('\n', out);
        col = 0;
    }
    while (*line) {
        size_t n = strcspn(line, "\n");
        fprintf(out, "%*s%.*s\n", (int)(S_COLUMN - col), "", (int)n, line);
        col = 0;
        line += n + (line[n] == '\n');
    }
}

/* A command's forms, as the list of commands shows them. */
static void s_forms(FILE *out, const s_help_t *h)
{
    for (size_t i = 0; i < sizeof h->forms / sizeof *h->forms && h->forms[i].synopsis; i++) {
        const char *line = h->forms[i].synopsis;
        size_t n;
        for (;;) {
            n = strcspn(line, "\n");
            fprintf(out, "  %.*s", (int)n, line);
            if (!line[n])
                break;
            fputc('\n', out);
            line += n + 1;
        }
        s_about(out, 2 + n, h->forms[i].about);
    }
}

void cli_help(FILE *out)
{
    fputs(s_global, out);
    fputs("\ncommands:\n", out);
    for (size_t i = 0; i < sizeof s_help / sizeof *s_help; i++)
        s_forms(out, &s_help[i]);
    fputc('\n', out);
    fputs(s_keys, out);
}

int cli_help_command(FILE *out, const char *cmd)
{
    const s_help_t *h = s_find(cmd);
    if (!h)
        return -1;
    fprintf(out, "usage: carerhub [--config FILE] [--key KEY] %s ...\n\n", cmd);
    s_forms(out, h);
    if (h->keys)
        fprintf(out, "\nits key without --key (or $CARERHUB_KEY): %s\n", h->keys);
    return 0;
}

const char *cli_nearest(const char *word, const char *prefix, const char *const *names, size_t n,
                        char *buf, size_t bufsz)
{
    /* Two edits at most, and fewer than half the word: "x" is no typo of "to". */
    size_t limit = strlen(word) / 2 + 1 < 3 ? strlen(word) / 2 + 1 : 3, best = limit, used = 0;
    for (size_t i = 0; i < n; i++) {
        size_t d = text_distance(word, names[i]);
        if (d < best)
            best = d;
    }
    if (best == limit)
        return NULL;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < 2; i++)
        if (text_distance(word, names[i]) == best) {
            size_t len = strlen(buf);
            snprintf(buf + len, bufsz - len, "%s%s%s", used ? " or " : "", prefix, names[i]);
            used++;
        }
    return buf;
}

const char *cli_nearest_command(const char *word, char *buf, size_t bufsz)
{
    const char *names[sizeof s_help / sizeof *s_help];
    for (size_t i = 0; i < sizeof s_help / sizeof *s_help; i++)
        names[i] = s_help[i].name;
    return cli_nearest(word, "", names, sizeof names / sizeof *names, buf, bufsz);
}

/* Prints what is wrong and where cmd's options are listed (cmd NULL: the
 * options before a command). Returns EX_USAGE. */
static int s_wrong(const char *cmd, const char *what)
{
    if (cmd)
        cli_error(cmd, "%s; see carerhub %s --help", what, cmd);
    else
        fprintf(stderr, "carerhub: %s; see carerhub --help\n", what);
    return EX_USAGE;
}

int cli_bad_option(const char *cmd, char **argv, const struct option *opts)
{
    const char *word = optind > 0 ? argv[optind - 1] : "";
    const char *names[32], *near;
    char what[256], like[96];
    size_t n = 0, len;

    /* An option of cmd's without its value, or with one it does not take. */
    for (const struct option *o = opts; o->name; o++) {
        len = strlen(o->name);
        if (optopt && o->val == optopt && strncmp(word, "--", 2) == 0 &&
            strncmp(word + 2, o->name, len) == 0) {
            if (o->has_arg == no_argument)
                snprintf(what, sizeof what, "--%s takes no value (%.64s)", o->name, word);
            else
                snprintf(what, sizeof what, "--%s needs a value", o->name);
            return s_wrong(cmd, what);
        }
        if (n < sizeof names / sizeof *names)
            names[n++] = o->name;
    }
    if (strncmp(word, "--", 2) != 0) {
        snprintf(what, sizeof what, "unknown option -%c", optopt > ' ' ? optopt : '?');
        return s_wrong(cmd, what);
    }
    len = strcspn(word + 2, "=");
    len = len < 64 ? len : 64;
    snprintf(what, sizeof what, "%.*s", (int)len, word + 2);
    if ((near = cli_nearest(what, "--", names, n, like, sizeof like)) != NULL)
        snprintf(what, sizeof what, "unknown option --%.*s (did you mean %s?)", (int)len, word + 2,
                 near);
    else
        snprintf(what, sizeof what, "unknown option --%.*s", (int)len, word + 2);
    return s_wrong(cmd, what);
}
