/*
 * carerhub cases [--json] [--limit N] [--provider ID]: an organisation's
 * open cases now, for a case worker with no case system of their own:
 * overdue first (the earliest contact-by target first), then newest
 * opened first. With the organisation's provider key its own; an
 * operator's key names the organisation (--provider).
 *
 * carerhub case CASE-ID [--json]: one case as the organisation has it now:
 * the carer as now known, every referral, the timeline with the
 * organisation's own notes, and what it may record next (carerhub
 * outcome). Another organisation's case reads as one that does not exist.
 *
 * Both are views of personal data, audited by the router.
 */
#include "cli.h"

#include "domain/referral.h"
#include "util/buf.h"
#include "util/date.h"
#include "wire/pbjson.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char *s_or(const char *s, const char *none)
{
    return s && *s ? s : none;
}

static void s_json(const ProtobufCMessage *m)
{
    buf_t b = BUF_INIT;
    pbjson_message(&b, m);
    printf("%s\n", b.data);
    buf_free(&b);
}

/* The local day of a unix time in ms, YYYY-MM-DD ("-" if unset). */
static const char *s_day(bool has, int64_t ms, char out[DATE_STRLEN])
{
    if (!has)
        return "-";
    date_format(date_of_ms(ms), out);
    return out;
}

/* The router's Error answer: not found exits 66, as status does for a
 * referral this key may not see; the others as cli_refused says. */
static int s_refused(const char *cmd, const Carerhub__Envelope *rep)
{
    if (rep->body_case == CARERHUB__ENVELOPE__BODY_ERROR && rep->error->code &&
        strcmp(rep->error->code, "not_found") == 0) {
        cli_error(cmd, "%s", s_or(rep->error->message, "not found"));
        return EX_NOINPUT;
    }
    return cli_refused(cmd, rep);
}

/* --- carerhub cases ------------------------------------------------------ */

/* The words after a case's line: what a case worker looks at first. */
static void s_flags(const Carerhub__CaseSummary *s, buf_t *b)
{
    if (s->urgent)
        buf_adds(b, " urgent");
    if (s->young_carer)
        buf_adds(b, " young-carer");
    if (s->identity_conflict)
        buf_adds(b, " identity-conflict");
    if (s->transferred)
        buf_adds(b, " transferred");
}

static void s_case_line(const Carerhub__CaseSummary *s)
{
    char opened[DATE_STRLEN], due[DATE_STRLEN + 10];
    buf_t flags = BUF_INIT;
    snprintf(due, sizeof due, "%s%s", s_or(s->contact_by, "-"), s->overdue ? " OVERDUE" : "");
    s_flags(s, &flags);
    cli_print(stdout,
              flags.len ? "%-10s %-17s %-10s %-18s %-9s %-24s %-8s%s"
                        : "%-10s %-17s %-10s %-18s %-9s %-24s %s%s",
              s_or(s->case_id, "-"), s_or(s->state, "-"),
              s_day(s->has_opened_at, s->opened_at, opened), due,
              s->has_source ? referral_source_name(s->source) : "-", s_or(s->carer_name, "-"),
              s_or(s->postcode, "-"), flags.len ? flags.data : "");
    buf_free(&flags);
}

int cli_cases(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"limit", required_argument, NULL, 'l'},
        {"provider", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__CasesQuery q = CARERHUB__CASES_QUERY__INIT;
    const Carerhub__CasesReply *cs;
    bool json = false;
    char *end;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j') {
            json = true;
        } else if (c == 'p') {
            q.provider = optarg;
        } else if (c == 'l') {
            unsigned long n = strtoul(optarg, &end, 10);
            if (*end || n == 0 || n > 2000) {
                cli_error("cases", "--limit: a number of cases from 1 to 2000, not %s", optarg);
                return EX_USAGE;
            }
            q.has_limit = true;
            q.limit = (uint32_t)n;
        } else {
            return cli_bad_option("cases", argv, opts);
        }
    }
    if (argc - optind != 0) {
        cli_error("cases", "usage: carerhub --key provider-ID cases [--json] [--limit N] (an "
                           "operator's key: --provider ID)");
        return EX_USAGE;
    }
    if (!cli_key_given(cli) && !q.provider) {
        cli_error("cases", "whose cases? give your organisation's provider key: --key provider-ID "
                           "(e.g. --key provider-afc), or set CARERHUB_KEY; an operator names the "
                           "organisation with --provider ID");
        return EX_USAGE;
    }
    env.body_case = CARERHUB__ENVELOPE__BODY_CASES_QUERY;
    env.cases_query = &q;
    if (!(rep = cli_router_call(cli, "cases", "operator", &env, 10000, &rc)))
        return rc;
    if (rep->body_case != CARERHUB__ENVELOPE__BODY_CASES_REPLY) {
        rc = s_refused("cases", rep);
        carerhub__envelope__free_unpacked(rep, NULL);
        return rc;
    }
    cs = rep->cases_reply;
    if (json) {
        s_json(&cs->base);
    } else if (cs->n_cases == 0) {
        cli_print(stdout, "no open cases");
    } else {
        cli_print(stdout, "%-10s %-17s %-10s %-18s %-9s %-24s %-8s", "CASE", "STATE", "OPENED",
                  "CONTACT BY", "SOURCE", "CARER", "POSTCODE");
        for (size_t i = 0; i < cs->n_cases; i++)
            s_case_line(cs->cases[i]);
        if (cs->total > cs->n_cases)
            cli_print(stdout, "%zu of %u open cases listed (--limit)", cs->n_cases, cs->total);
        else
            cli_print(stdout, "%u open case%s", cs->total, cs->total == 1 ? "" : "s");
    }
    carerhub__envelope__free_unpacked(rep, NULL);
    return 0;
}

/* --- carerhub case ID ---------------------------------------------------- */

static void s_when(const char *label, int64_t ms)
{
    char when[DATE_WHEN_STRLEN];
    date_format_when(ms, when);
    cli_print(stdout, "  %-10s %s", label, when);
}

/* The carer as now known, for the case worker who is to contact them. */
static void s_carer(const Carerhub__Carer *p)
{
    buf_t b = BUF_INIT;
    if (!p) {
        cli_print(stdout, "  %-10s %s", "carer", "(nothing of the carer is held)");
        return;
    }
    cli_print(stdout, "  %-10s %s %s%s%s", "carer", s_or(p->given_name, ""),
              s_or(p->family_name, ""), p->date_of_birth ? ", born " : "",
              s_or(p->date_of_birth, ""));
    if (p->address || p->postcode)
        cli_print(stdout, "  %-10s %s%s%s", "", s_or(p->address, ""),
                  p->address && p->postcode ? ", " : "", s_or(p->postcode, ""));
    if (p->phone)
        buf_printf(&b, "phone %s", p->phone);
    if (p->email)
        buf_printf(&b, "%semail %s", b.len ? ", " : "", p->email);
    if (p->preferred_contact)
        buf_printf(&b, "%sprefers %s", b.len ? ", " : "", p->preferred_contact);
    if (p->language)
        buf_printf(&b, "%slanguage %s", b.len ? ", " : "", p->language);
    if (p->nhs_number)
        buf_printf(&b, "%sNHS number %s", b.len ? ", " : "", p->nhs_number);
    if (b.len)
        cli_print(stdout, "  %-10s %s", "", b.data);
    buf_free(&b);
}

/* What a referral says beyond the carer: who referred, for whom, consent,
 * and its source's own part. */
static void s_referral(const Carerhub__Referral *r)
{
    const Carerhub__Referrer *by = r->referrer;
    const Carerhub__CaredFor *cf = r->cared_for;
    buf_t b = BUF_INIT;

    buf_printf(&b, "    %s  %s", s_or(r->id, "-"),
               r->has_source ? referral_source_name(r->source) : "-");
    if (referral_org(r))
        buf_printf(&b, " from %s", referral_org(r));
    buf_printf(&b, " on %s", s_or(r->referral_date, "-"));
    if (by && by->name)
        buf_printf(&b, "; referrer %s%s%s", by->name, by->phone || by->email ? ", " : "",
                   by->phone ? by->phone : s_or(by->email, ""));
    cli_print(stdout, "%s", b.data);
    buf_reset(&b);
    if (cf) {
        buf_printf(&b, "      cares for: %s", s_or(cf->relationship, "-"));
        for (size_t i = 0; i < cf->n_conditions; i++)
            buf_printf(&b, "%s%s", i ? ", " : " (", cf->conditions[i]);
        if (cf->n_conditions)
            buf_addc(&b, ')');
    }
    if (r->consent)
        buf_printf(&b, "%sconsent given by %s on %s", b.len ? "; " : "      ",
                   s_or(r->consent->given_by, "-"), s_or(r->consent->date, "-"));
    if (b.len)
        cli_print(stdout, "%s", b.data);
    if (r->discharge && r->discharge->patient && r->discharge->patient->expected_discharge)
        cli_print(stdout, "      discharge expected %s%s%s",
                  r->discharge->patient->expected_discharge,
                  r->discharge->hospital && r->discharge->hospital->ward ? ", ward " : "",
                  r->discharge->hospital ? s_or(r->discharge->hospital->ward, "") : "");
    if (r->school && r->school->school && r->school->school->has_year_group)
        cli_print(stdout, "      school year %u", r->school->school->year_group);
    if (r->self && (r->self->heard_from || r->self->best_time_to_contact))
        cli_print(stdout, "      heard from %s; best time to contact: %s",
                  s_or(r->self->heard_from, "-"), s_or(r->self->best_time_to_contact, "-"));
    buf_free(&b);
}

static void s_event(const Carerhub__TimelineEvent *ev)
{
    char when[DATE_WHEN_STRLEN] = "";
    buf_t b = BUF_INIT;
    if (ev->has_at || ev->has_recorded_at)
        date_format_when(ev->has_at ? ev->at : ev->recorded_at, when);
    buf_printf(&b, "    %s  %s", when, s_or(ev->event, ""));
    if (ev->referral_id)
        buf_printf(&b, " %s", ev->referral_id);
    if (ev->provider_name || ev->provider)
        buf_printf(&b, " at %s", ev->provider_name ? ev->provider_name : ev->provider);
    if (ev->to_name || ev->to)
        buf_printf(&b, ", to %s", ev->to_name ? ev->to_name : ev->to);
    if (ev->reason)
        buf_printf(&b, "; reason %s", ev->reason);
    for (size_t i = 0; i < ev->n_support; i++)
        buf_printf(&b, "%s%s", i ? ", " : "; support ", ev->support[i]);
    if (ev->note)
        buf_printf(&b, "; note: %s", ev->note);
    cli_print(stdout, "%s", b.data);
    buf_free(&b);
}

/* Where the case is, how it came there, and its flags. */
static void s_head(const Carerhub__CaseReply *v)
{
    const Carerhub__Case *c = v->case_;
    char since[DATE_WHEN_STRLEN] = "";
    buf_t b = BUF_INIT;
    if (v->has_state_at && v->state_at > 0)
        date_format_when(v->state_at, since);
    cli_print(stdout, "%s: %s%s%s%s, with %s (%s)", s_or(c->case_id, "-"), s_or(v->state, "-"),
              c->closed && c->closed_reason ? " (" : "",
              c->closed ? s_or(c->closed_reason, "") : "", c->closed && c->closed_reason ? ")" : "",
              s_or(c->provider_name, "-"), s_or(c->provider, "-"));
    if (since[0])
        cli_print(stdout, "  %-10s %s", "since", since);
    if (c->has_opened_at)
        s_when("opened", c->opened_at);
    if (c->contact_by)
        cli_print(stdout, "  %-10s %s (no contact recorded yet)", "contact by", c->contact_by);
    if (c->transferred_from)
        cli_print(stdout, "  %-10s %s (%s): %s%s%s", "came from",
                  s_or(c->transferred_from_name, c->transferred_from), c->transferred_from,
                  s_or(c->transfer_why, "-"), c->transfer_reason ? ": " : "",
                  s_or(c->transfer_reason, ""));
    if (c->previous_case)
        cli_print(stdout, "  %-10s %s (the carer's earlier case)", "previous", c->previous_case);
    if (c->urgent)
        buf_adds(&b, "urgent");
    if (c->young_carer)
        buf_printf(&b, "%syoung carer", b.len ? ", " : "");
    if (c->transition)
        buf_printf(&b, "%smoving to adult services soon", b.len ? ", " : "");
    if (c->identity_conflict)
        buf_printf(&b, "%sidentity conflict: %s", b.len ? ", " : "", s_or(c->conflict_reason, ""));
    if (b.len)
        cli_print(stdout, "  %-10s %s", "flags", b.data);
    buf_free(&b);
}

static void s_view(const Carerhub__CaseReply *v)
{
    const Carerhub__Case *c = v->case_;
    buf_t b = BUF_INIT;
    s_head(v);
    s_carer(c->carer);
    for (size_t i = 0; i < v->n_support; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", v->support[i]);
    if (b.len)
        cli_print(stdout, "  %-10s %s", "support", b.data);
    if (c->n_referrals)
        cli_print(stdout, "  referrals (%zu%s):", c->n_referrals,
                  c->referrals_total > c->n_referrals ? ", the newest; more are held" : "");
    for (size_t i = 0; i < c->n_referrals; i++)
        s_referral(c->referrals[i]);
    if (v->n_timeline)
        cli_print(stdout, "  timeline:");
    for (size_t i = 0; i < v->n_timeline; i++)
        s_event(v->timeline[i]);
    buf_reset(&b);
    for (size_t i = 0; i < v->n_next; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", v->next[i]);
    if (v->can_assign)
        buf_printf(&b, "%sassign (--to PROVIDER)", b.len ? ", " : "");
    if (b.len)
        cli_print(stdout, "  may record next (carerhub outcome %s STATUS): %s",
                  s_or(c->case_id, "CASE-ID"), b.data);
    else
        cli_print(stdout, "  nothing more can be recorded on it");
    buf_free(&b);
}

int cli_case(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    Carerhub__Envelope env = CARERHUB__ENVELOPE__INIT, *rep;
    Carerhub__CaseQuery q = CARERHUB__CASE_QUERY__INIT;
    bool json = false;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'j')
            return cli_bad_option("case", argv, opts);
        json = true;
    }
    if (argc - optind != 1) {
        cli_error("case", "usage: carerhub --key provider-ID case CASE-ID [--json]");
        return EX_USAGE;
    }
    q.case_id = argv[optind];
    if (!case_id_ok(q.case_id)) {
        cli_error("case",
                  "%s is not a case id: a case id is C- and six or more digits, as in "
                  "C-000123",
                  q.case_id);
        return EX_DATAERR;
    }
    env.body_case = CARERHUB__ENVELOPE__BODY_CASE_QUERY;
    env.case_query = &q;
    if (!(rep = cli_router_call(cli, "case", "operator", &env, 10000, &rc)))
        return rc;
    if (rep->body_case != CARERHUB__ENVELOPE__BODY_CASE_REPLY)
        rc = s_refused("case", rep);
    else if (json)
        s_json(&rep->case_reply->base);
    else
        s_view(rep->case_reply);
    carerhub__envelope__free_unpacked(rep, NULL);
    return rc;
}
