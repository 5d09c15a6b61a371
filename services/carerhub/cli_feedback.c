/*
 * carerhub feedback [--since DATE] [--json]: a referring organisation's
 * referrals and where each stands (received, delivered, contacted,
 * supported, unable_to_contact, declined, closed, cancelled), with which
 * organisation, since when; and for a GP practice the carers who agreed to
 * be recorded as carers on the GP record, to code them. With a referrer's
 * key only: the router lists the key's organisations' referrals and no
 * one else's.
 */
#include "cli.h"

#include "domain/outcome.h"
#include "domain/referral.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/mem.h"
#include "wire/pbjson.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* One item as a JSON object. */
static void s_json(buf_t *b, const Carerhub__FeedbackItem *it)
{
    buf_adds(b, "{\"referral_id\":");
    buf_json_str(b, it->referral_id);
    buf_adds(b, ",\"referral_date\":");
    buf_json_str(b, it->referral_date);
    buf_adds(b, ",\"received_at\":");
    if (it->has_received_at)
        pbjson_time(b, it->received_at);
    else
        buf_adds(b, "null");
    buf_adds(b, ",\"source\":");
    buf_json_str(b, referral_source_name(it->source));
    buf_adds(b, ",\"organisation\":");
    buf_json_str(b, it->organisation);
    buf_adds(b, ",\"case_id\":");
    buf_json_str(b, it->case_id);
    buf_adds(b, ",\"provider\":");
    buf_json_str(b, it->provider);
    buf_adds(b, ",\"provider_name\":");
    buf_json_str(b, it->provider_name);
    buf_adds(b, ",\"state\":");
    buf_json_str(b, it->state);
    buf_adds(b, ",\"updated_at\":");
    if (it->has_updated_at)
        pbjson_time(b, it->updated_at);
    else
        buf_adds(b, "null");
    if (it->source == CARERHUB__SOURCE__GP)
        buf_printf(b, ",\"code_on_gp_record\":%s", it->code_on_gp_record ? "true" : "false");
    buf_addc(b, '}');
}

/* One item as a line a person reads. */
static void s_line(const Carerhub__FeedbackItem *it)
{
    char when[DATE_WHEN_STRLEN] = "";
    const char *with = it->provider_name ? it->provider_name : it->provider;
    if (it->has_updated_at)
        date_format_when(it->updated_at, when);
    cli_print(stdout, "%-22s %-10s %-8s %-17s updated %s%s%s",
              it->referral_id ? it->referral_id : "", it->referral_date ? it->referral_date : "",
              it->organisation ? it->organisation : "", it->state ? it->state : "", when,
              with ? ", with " : "", with ? with : "");
}

static Carerhub__Envelope *s_page(cli_t *cli, const char *since, const char *after, int *rc)
{
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT;
    Carerhub__FeedbackQuery q = CARERHUB__FEEDBACK_QUERY__INIT;
    q.since = (char *)since;
    q.after = (char *)after;
    env.body_case = CARERHUB__ENVELOPE__BODY_FEEDBACK_QUERY;
    env.feedback_query = &q;
    return cli_router_call(cli, "feedback", "gp", &env, 10000, rc);
}

int cli_feedback(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    const char *since = NULL;
    char *after = NULL;
    buf_t json = BUF_INIT, code = BUF_INIT;
    size_t listed = 0;
    bool as_json = false, more = true;
    date_t day;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j') {
            as_json = true;
        } else if (c == 's') {
            since = optarg;
            if (date_parse(since, &day) < 0) {
                cli_error("feedback", "--since must be a date written YYYY-MM-DD, not %s", since);
                return EX_USAGE;
            }
        } else {
            return cli_bad_option("feedback", argv, opts);
        }
    }
    if (argc - optind != 0) {
        cli_error("feedback", "usage: carerhub --key KEY feedback [--since DATE] [--json]");
        return EX_USAGE;
    }
    if (!cli_key_given(cli)) {
        cli_error("feedback", "whose referrals? give your organisation's key: --key gp (or "
                              "hospital, school: its name in the keys directory, or its file), "
                              "or set CARERHUB_KEY");
        return EX_USAGE;
    }
    buf_addc(&json, '[');
    while (more && rc == 0) {
        Carerhub__Envelope *rep = s_page(cli, since, after, &rc);
        const Carerhub__FeedbackReply *f;
        if (!rep)
            break;
        if (rep->body_case != CARERHUB__ENVELOPE__BODY_FEEDBACK_REPLY) {
            rc = cli_refused("feedback", rep);
            carerhub__envelope__free_unpacked(rep, NULL);
            break;
        }
        f = rep->feedback_reply;
        for (size_t i = 0; i < f->n_items; i++) {
            const Carerhub__FeedbackItem *it = f->items[i];
            if (as_json) {
                if (listed)
                    buf_addc(&json, ',');
                s_json(&json, it);
            } else {
                s_line(it);
            }
            if (it->code_on_gp_record && it->referral_id)
                buf_printf(&code, "%s%s", code.len ? ", " : "", it->referral_id);
            listed++;
        }
        more = f->more && f->n_items > 0;
        if (more) {
            free(after);
            after = xstrdup(f->items[f->n_items - 1]->referral_id);
        }
        carerhub__envelope__free_unpacked(rep, NULL);
    }
    buf_addc(&json, ']');
    if (rc == 0 && as_json)
        printf("%s\n", json.data);
    else if (rc == 0 && !listed)
        cli_print(stdout, "no referrals");
    else if (rc == 0 && code.len)
        cli_print(stdout, "Record these carers on the GP record (SNOMED CT %s |%s|): %s",
                  OUTCOME_SNOMED_CARER, OUTCOME_SNOMED_CARER_PT, code.data);
    free(after);
    buf_free(&json);
    buf_free(&code);
    return rc;
}
