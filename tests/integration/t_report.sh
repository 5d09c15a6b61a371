# The commissioners' report from the real daemons. The test refers carers
# from two GP practices, two hospital trusts and a school (one carer by a
# GP and a hospital, joining one case), records what the organisations did
# with `carerhub outcome` (contacted, supported, declined, unable to
# contact, closed; a carer supported, closed and referred again, supported
# in a second episode), writes each step down, and works the figures out
# from that list with its own small computation (below): `carerhub report
# --json` with a commissioner key must give the same ones, for the whole
# programme, for a period that ends yesterday and for today alone. One
# case opens "yesterday" (the hub's clock set back with faketime), is
# contacted yesterday (--at) and supported today: a period ending
# yesterday counts the contact and not the support. Then --publish (every
# count under 5 is "<5"), --csv, and what a commissioner key may not ask.
. "$(dirname "$0")/lib.sh"
faketime=$(dpkg -L libfaketime 2>/dev/null | grep "/libfaketime.so.1$" | head -n 1)
[ -f "$faketime" ] || fail "$faketime is missing: tools/deps install (package faketime)"
hub_config
# Names for two referring organisations, as an area would configure them.
sed -i '/^referrers:/,/^[^ #]/{/^referrers:/d;/^  /d}' "$hub/routing.yaml"
cat >>"$hub/routing.yaml" <<'YAML'
referrers:
  gp: {F81001: "Oaks Surgery (example)"}
  discharge: {RAJ: "Mid and South Essex NHS Foundation Trust (example)"}
YAML

acts=$WORK/actions.jsonl # what the test did, one JSON object a line
: >"$acts"
: >"$WORK/cases"          # LABEL CASE-ID PROVIDER REFERRAL-ID, as delivered
act() { printf '%s\n' "$1" >>"$acts"; }
# The hub's clock: the real one, or (in the first part) yesterday noon.
fake=()
now() { env "${fake[@]}" date +%s; }

card() { # PRACTICE GIVEN FAMILY DATE-OF-BIRTH POSTCODE [NHS-NUMBER]
    cat <<DOC
---
practice: $1
referrer: {name: "Test Referrer", phone: "01245 000000"}
carer: {given_name: $2, family_name: $3, date_of_birth: $4, postcode: "$5", phone: "07700 900000"${6:+, nhs_number: \"$6\"}}
cared_for: {relationship: parent, conditions: [frailty]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-01}
DOC
}
discharge() { # TRUST CONSULTED EXPECTED-DISCHARGE GIVEN FAMILY DOB POSTCODE [NHS-NUMBER]
    cat <<DOC
---
hospital: {trust: $1, site: ${1}01, ward: "Ward 1"}
patient: {nhs_number: "4010232145", expected_discharge: $3}
carer_consulted: $2
referrer: {name: "Discharge Nurse", phone: "01245 222222"}
carer: {given_name: $4, family_name: $5, date_of_birth: $6, postcode: "$7", phone: "07700 900001"${8:+, nhs_number: \"$8\"}}
cared_for: {relationship: husband, conditions: [frailty]}
consent: {share_with_support_service: true, given_by: carer, date: $(date +%F)}
DOC
}

# wait_case REFERRAL-ID PROVIDER: the case id of the file that delivered it.
wait_case() {
    local i f
    for ((i = 0; i < 300; i++)); do
        for f in $(files "$2"); do
            [ "$(jq -r .referral_id "$f")" = "$1" ] && { jq -r .case_id "$f"; return 0; }
        done
        sleep 0.1
    done
    fail "referral $1 was not delivered to $2"
}

# refer LABEL CARER SOURCE CODE PROVIDER LAD FILE [JSON-FIELDS]: submits
# FILE, waits for its delivery, notes it as referral of case LABEL.
refer() {
    local at rid cid
    at=$(now)
    cli submit "$3" "$7" >"$WORK/sub" 2>&1 || fail "$1 not accepted: $(cat "$WORK/sub")"
    rid=$(sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/sub")
    cid=$(wait_case "$rid" "$5") || exit 1
    act "$(printf '{"do": "refer", "case": "%s", "carer": "%s", "source": "%s", "code": "%s", ' "$1" "$2" "$3" "$4")$(
        printf '"provider": "%s", "lad": "%s", "at": %s%s}' "$5" "$6" "$at" "${8:+, $8}")"
    echo "$1 $cid $5 $rid" >>"$WORK/cases"
}
case_of() { awk -v l="$1" '$1 == l { c = $2 } END { print c }' "$WORK/cases"; }
# outcome LABEL STATUS AT [OPTION...]: the case's organisation records
# STATUS (at AT, unix seconds, given with --at among the options, or now).
outcome() {
    local label=$1 st=$2 at=$3 cid prov
    shift 3
    read -r cid prov < <(awk -v l="$label" '$1 == l { c = $2; p = $3 } END { print c, p }' "$WORK/cases")
    [ "$at" = now ] && at=$(now)
    cli --key "provider-$prov" outcome "$cid" "$st" "$@" >"$WORK/out" 2>&1 ||
        fail "$st for case $label ($cid): $(cat "$WORK/out")"
    act "{\"do\": \"outcome\", \"case\": \"$label\", \"status\": \"$st\", \"at\": $at}"
}

# Yesterday, noon: the hub's clock set back (not its monotonic clock), one
# GP card from a third practice.
yesterday=$(date -d yesterday +%F)
today=$(date +%F)
noon=$(date -d "yesterday 12:00" +%s)
fake=(LD_PRELOAD="$faketime" FAKETIME="-$(($(date +%s) - noon))" FAKETIME_DONT_FAKE_MONOTONIC=1
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
env "${fake[@]}" "$top/deploy/local-hub" start "$hub" >/dev/null || fail "the hub did not start yesterday"
card F81003 Tess Yesterday 1966-06-06 "CM2 1AA" >"$WORK/t.yaml"
refer T tess gp F81003 carers-first E07000070 "$WORK/t.yaml"
opened_t=$(tail -n 1 "$acts" | jq .at)
hub_stop
fake=()

# Today.
hub_start
add_key commissioner commissioner null
T=$(date -d "@$((opened_t + 9000))" -u +%FT%TZ) # two and a half hours after it opened
outcome T contacted $((opened_t + 9000)) --at "$T"
outcome T supported now --support information_advice

card F81001 Ann Contacted 1970-01-01 "CM2 2AA" >"$WORK/a.yaml"
refer A ann gp F81001 carers-first E07000070 "$WORK/a.yaml"
outcome A contacted now
card F81001 Bob Supported 1971-01-01 "CM2 3AA" >"$WORK/b.yaml"
refer B bob gp F81001 carers-first E07000070 "$WORK/b.yaml"
outcome B contacted now
outcome B supported now --support carers_assessment
card F81002 Cat Declined 1972-01-01 "CM16 4AA" >"$WORK/c.yaml"
refer C cat gp F81002 afc E07000072 "$WORK/c.yaml"
outcome C declined now
card F81002 Dan Unreachable 1973-01-01 "CM16 5AA" >"$WORK/d.yaml"
refer D dan gp F81002 afc E07000072 "$WORK/d.yaml"
outcome D contact_attempted now
outcome D unable_to_contact now
card F81002 Fay Closed 1974-01-01 "CM16 6AA" >"$WORK/f.yaml"
refer F fay gp F81002 afc E07000072 "$WORK/f.yaml"
outcome F closed now --reason no_longer_caring
# Eve: supported, closed, referred again by another practice: a second
# episode, supported again; one carer supported.
card F81001 Eve Twice 1975-01-01 "CM2 7AA" >"$WORK/e1.yaml"
refer E1 eve gp F81001 carers-first E07000070 "$WORK/e1.yaml"
outcome E1 contacted now
outcome E1 supported now --support peer_support
outcome E1 closed now --reason support_complete
card F81002 Eve Twice 1975-01-01 "CM2 7AA" >"$WORK/e2.yaml"
refer E2 eve gp F81002 carers-first E07000070 "$WORK/e2.yaml"
[ "$(case_of E1)" != "$(case_of E2)" ] || fail "Eve's second referral did not open a new episode"
outcome E2 supported now --support break
# Gus: his GP, then a hospital (carer consulted), one case; not contacted.
card F81001 Gus Joined 1960-02-02 "CM2 8AA" 9434765919 >"$WORK/g.yaml"
refer G gus gp F81001 carers-first E07000070 "$WORK/g.yaml"
discharge RAJ true "$(date -d '+5 days' +%F)" Gus Joined 1960-02-02 "CM2 8AA" 9434765919 >"$WORK/g2.yaml"
refer G gus discharge RAJ carers-first E07000070 "$WORK/g2.yaml" '"consulted": true'
assert_eq "$(awk '$1 == "G"' "$WORK/cases" | cut -d' ' -f2 | sort -u | wc -l)" 1 "cases of Gus"
# Hal: an urgent discharge (home tomorrow), carer not consulted, contacted.
discharge RDE false "$(date -d tomorrow +%F)" Hal Urgent 1955-03-03 "CO15 9AA" >"$WORK/h.yaml"
refer H hal discharge RDE ecs E07000076 "$WORK/h.yaml" '"consulted": false, "urgent": true'
outcome H contacted now
# Yas: a young carer referred by a school; waiting.
cat >"$WORK/y.yaml" <<DOC
---
school: {urn: "115000", year_group: 9}
safeguarding_referral_made: false
referrer: {name: "Young Carers Lead", email: "lead@school.example.org"}
carer: {given_name: Yas, family_name: Young, date_of_birth: $(date -d '-14 years' +%F), postcode: "CM2 9AA", phone: "07700 900002"}
cared_for: {relationship: mother, conditions: [mental_health]}
consent: {share_with_support_service: true, given_by: parent, date: 2026-01-01}
DOC
refer Y yas school 115000 young-carers E07000070 "$WORK/y.yaml" '"young": true'

# The figures, worked out from the list of what was done. Cases are opened
# by their first referral; a case stands where its last outcomes leave it.
cat >"$WORK/expect.py" <<'PY'
import datetime as dt, json, math, sys
acts = [json.loads(l) for l in open(sys.argv[1])]
frm, to = dt.date.fromisoformat(sys.argv[2]), dt.date.fromisoformat(sys.argv[3])
rep, publish = json.load(open(sys.argv[4])), sys.argv[5] == "publish"
START, TARGETS = dt.date(2024, 4, 1), [(dt.date(2025, 4, 1), 4150), (dt.date(2027, 4, 1), 12500)]
CONTACT_BY = {"gp": 10, "discharge": 2, "school": 10}
NAMES = {"carers-first": "Carers First", "afc": "Action for Family Carers",
         "ecs": "Essex Carers Support", "young-carers": "Essex Young Carers Service",
         "gp": "GP practices", "discharge": "Hospital discharge", "school": "Schools",
         "E07000070": "Chelmsford", "E07000072": "Epping Forest", "E07000076": "Tendring"}
REFERRER_NAMES = {"gp/F81001": "Oaks Surgery (example)",
                  "discharge/RAJ": "Mid and South Essex NHS Foundation Trust (example)"}
day = lambda t: dt.datetime.fromtimestamp(t).date()
cases, refs = {}, [a for a in acts if a["do"] == "refer"]
for a in acts:
    if a["do"] == "refer":
        cases.setdefault(a["case"], dict(a, ev=[]))
    else:
        cases[a["case"]]["ev"].append(a)
for c in cases.values():
    done = {e["status"]: e for e in reversed(c["ev"])}  # the first of each
    c["contact"] = min((e["at"] for e in c["ev"] if e["status"] in ("contacted", "supported", "declined")), default=None)
    c["support"] = done["supported"]["at"] if "supported" in done else None
    c["stage"] = next(s for s, yes in [("supported", c["support"]), ("declined", "declined" in done),
                      ("contacted", c["contact"]), ("unable_to_contact", "unable_to_contact" in done),
                      ("closed", "closed" in done), ("waiting", True)] if yes)
    c["in_time"] = c["contact"] is not None and (day(c["contact"]) - day(c["at"])).days <= CONTACT_BY[c["source"]]
    c["hours"] = None if c["contact"] is None else (c["contact"] - c["at"]) // 3600
inp = lambda t, a=frm, b=to: t is not None and a <= day(t) <= b
small = lambda v: publish and v < 5
cnt = lambda v: "<5" if small(v) else v
share = lambda n, d: None if d == 0 or small(n) or small(d) else round(n / d, 3)
def path(cs):
    p = {s: sum(c["stage"] == s for c in cs) for s in
         ("waiting", "contacted", "supported", "declined", "unable_to_contact", "closed")}
    reached = p["contacted"] + p["supported"] + p["declined"]
    p.update(referred=len(cs), within_target=sum(c["in_time"] for c in cs),
             young=sum(bool(c.get("young")) for c in cs))
    # Published, a share is left out when any count summed into it is below 5.
    hidden = any(small(p[k]) for k in ("contacted", "supported", "declined"))
    conv = {"contacted": None if hidden else share(reached, len(cs)),
            "supported": None if hidden else share(p["supported"], reached)}
    return dict({k: cnt(v) for k, v in p.items()}, conversion=conv)
def rank(hs, q):
    hs = sorted(hs)
    return hs[max(1, math.ceil(q * len(hs))) - 1] if hs and not small(len(hs)) else None
def timely(cs):
    hs = [c["hours"] for c in cs if inp(c["contact"])]
    return {"contacts": cnt(len(hs)), "median_hours": rank(hs, 0.5), "p90_hours": rank(hs, 0.9)}
def carers(a, b):
    return len({c["carer"] for c in cases.values() if inp(c["support"], a, b)})
def row(cs, extra):
    r = {"path": path([c for c in cs if inp(c["at"])]), "contacted": cnt(sum(inp(c["contact"]) for c in cs)),
         "supported": cnt(sum(inp(c["support"]) for c in cs)), "time_to_first_contact": timely(cs)}
    return dict(r, **extra)
def rows(dim, extra=lambda k: {}):
    keys = sorted({c[dim] for c in cases.values()
                   if inp(c["at"]) or inp(c["contact"]) or inp(c["support"])})
    return {k: row([c for c in cases.values() if c[dim] == k], dict(name=NAMES[k], **extra(k))) for k in keys}
opened = [c for c in cases.values() if inp(c["at"])]
prefs = [r for r in refs if inp(r["at"])]
urgent = [c for c in opened if c.get("urgent")]
dis = [r for r in prefs if r["source"] == "discharge"]
since = carers(START, to)
want = {
    "period": {"from": str(frm), "to": str(to)}, "programme_start": str(START),
    "referrals": cnt(len(prefs)), "carers_referred": cnt(len({c["carer"] for c in opened})),
    "carers_contacted": cnt(sum(inp(c["contact"]) for c in cases.values())),
    "carers_supported": cnt(carers(frm, to)), "carers_supported_since_start": cnt(since),
    "path": path(opened), "time_to_first_contact": timely(list(cases.values())),
    "urgent_discharges": {"referred": cnt(len(urgent)), "within_target": cnt(sum(c["in_time"] for c in urgent)),
                          "share": share(sum(c["in_time"] for c in urgent), len(urgent))},
    "young_carers": {"referred": cnt(sum(bool(c.get("young")) for c in opened)), "transitions": cnt(0)},
    "discharges": {"referrals": cnt(len(dis)), "carer_consulted": cnt(sum(r["consulted"] for r in dis)),
                   "share": share(sum(r["consulted"] for r in dis), len(dis))},
}
bad = []
def same(what, got, exp):
    if isinstance(exp, dict):
        for k, v in exp.items():
            same(f"{what}.{k}", got.get(k, "(absent)") if isinstance(got, dict) else got, v)
    elif isinstance(exp, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        if abs(got - exp) > 0.0006: bad.append(f"{what}: expected {exp}, got {got}")
    elif got != exp or type(got) != type(exp):
        bad.append(f"{what}: expected {exp!r}, got {got!r}")
same("report", rep, want)
for name, dim, extra in [("by_provider", "provider", lambda k: {}),
                         ("by_source", "source", lambda k: {"referrals": cnt(sum(r["source"] == k for r in prefs))}),
                         ("by_authority", "lad", lambda k: {})]:
    exp = rows(dim, extra)
    got = {r.get("id", r.get("code")): r for r in rep.get(name, [])}
    same(f"{name} keys", sorted(got), sorted(exp))
    for k, v in exp.items():
        if name == "by_authority":  # a breakdown by place: its path and carers supported
            v = {"name": v["name"], "path": v["path"], "supported": v["supported"]}
        same(f"{name}[{k}]", got.get(k, {}), v)
exp = {}
for r in prefs:
    k = r["source"] + "/" + r["code"]
    e = exp.setdefault(k, {"source": r["source"], "code": r["code"], "name": REFERRER_NAMES.get(k), "n": 0, "last": ""})
    e["n"] += 1
    e["last"] = max(e["last"], str(day(r["at"])))
got = {r["source"] + "/" + r["code"]: r for r in rep.get("referrers", [])}
same("referrers keys", sorted(got), sorted(exp))
for k, e in exp.items():
    same(f"referrers[{k}]", got.get(k, {}), {"source": e["source"], "code": e["code"], "name": e["name"],
                                              "referrals": cnt(e["n"]), "last_referral": e["last"]})
same("gone_quiet", rep.get("gone_quiet"), [])
months = {m["month"]: m for m in rep.get("by_month", [])}
for m in sorted({str(day(c["at"]))[:7] for c in opened} | set(months)):
    y, mo = map(int, m.split("-"))
    a = max(frm, dt.date(y, mo, 1))
    b = min(to, dt.date(y + mo // 12, mo % 12 + 1, 1) - dt.timedelta(days=1))
    same(f"by_month[{m}]", months.get(m, {}), {
        "referrals": cnt(sum(inp(r["at"], a, b) for r in prefs)),
        "path": path([c for c in opened if inp(c["at"], a, b)]),
        "contacted": cnt(sum(inp(c["contact"], a, b) for c in cases.values())),
        "supported": cnt(sum(inp(c["support"], a, b) for c in cases.values())),
        "carers_supported_since_start": cnt(carers(START, b))})
targets = rep.get("targets", [])
same("targets count", len(targets), len(TARGETS))
for t, (date, n) in zip(targets, TARGETS):
    due, upto = date <= to, min(to, date)
    so_far = carers(START, upto)
    expected = n * (upto - START).days // (date - START).days
    same(f"target {date}", t, {"date": str(date), "carers": n, "supported_so_far": cnt(so_far),
                               "due": due, "on_track": so_far >= (n if due else expected)})
    num = lambda k: t.get(k) if isinstance(t.get(k), (int, float)) and not isinstance(t.get(k), bool) else -1e9
    if abs(num("expected_by_now") - expected) > n / 1000:
        bad.append(f"target {date}: expected_by_now {expected}, got {t.get('expected_by_now')}")
    need = 0 if due else (n - so_far) / ((date - to).days / 30.4375)
    if small(so_far):  # a rate worked out from a count under 5
        same(f"target {date}.needed_per_month", t.get("needed_per_month", "(absent)"), None)
    elif abs(num("needed_per_month") - need) > max(1, need / 100):
        bad.append(f"target {date}: needed_per_month about {need:.1f}, got {t.get('needed_per_month')}")
print("\n".join(bad) if bad else f"all figures as expected ({frm} to {to}{', published' if publish else ''})")
sys.exit(1 if bad else 0)
PY
# check NAME FROM TO [publish] [REPORT-OPTION...]: the commissioner's
# report for the period against the figures worked out above.
check() {
    local name=$1 from=$2 to=$3 mode=${4:-plain}
    shift 3
    [ $# -gt 0 ] && shift
    cli --key commissioner report --from "$from" --to "$to" --json "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" ||
        fail "report $name: exit $?: $(cat "$WORK/$name.err")"
    python3 "$WORK/expect.py" "$acts" "$from" "$to" "$WORK/$name.json" "$mode" >"$WORK/$name.check" ||
        fail "report $name (--from $from --to $to${*:+ $*}) differs from what the test did:
$(cat "$WORK/$name.check")
the report: $(head -c 3000 "$WORK/$name.json")"
    note "report $name: $(cat "$WORK/$name.check")"
}
check all 2024-04-01 "$today"
# The defaults are the programme start and today.
cli --key commissioner report --json >"$WORK/default.json" || fail "report with no dates failed"
assert_eq "$(jq -c .period "$WORK/default.json")" "{\"from\":\"2024-04-01\",\"to\":\"$today\"}" "the default period"
assert_eq "$(jq -c 'del(.generated_at)' "$WORK/default.json")" "$(jq -c 'del(.generated_at)' "$WORK/all.json")" \
    "the default report against the whole programme's"
# Eve, supported in two episodes, is one carer supported; her cases are two.
assert_eq "$(jq -r '[.carers_supported, .path.supported, .carers_referred, .path.referred] | join(" ")' \
    "$WORK/all.json")" "3 4 10 11" "Eve counted once among carers, twice among cases"
check yesterday 2024-04-01 "$yesterday"
# Only Tess's case opened by then: contacted then, supported only today.
assert_eq "$(jq -r '[.referrals, .carers_referred, .carers_contacted, .carers_supported] | join(" ")' \
    "$WORK/yesterday.json")" "1 1 1 0" "referred, contacted and supported by yesterday"
check today "$today" "$today"
check published 2024-04-01 "$today" publish --publish
assert_eq "$(jq -r '[.published, .carers_supported, .referrals] | join(" ")' "$WORK/published.json")" \
    "true <5 12" "published: small counts hidden, larger ones shown"

# CSV: one long table.
cli --key commissioner report --csv >"$WORK/report.csv" || fail "report --csv failed"
assert_eq "$(head -n 1 "$WORK/report.csv")" "section,key,name,measure,value" "the CSV header"
for line in "summary,,,referrals,12" "summary,,,carers_supported,3" "path,,,referred,11" \
    "by_provider,carers-first,Carers First,supported,4" "by_source,gp,GP practices,referrals,9" \
    "referrers,gp/F81001,Oaks Surgery (example),referrals,4" "referrers,gp/F81003,,referrals,1"; do
    grep -qxF "$line" "$WORK/report.csv" || fail "the CSV lacks '$line': $(head -n 40 "$WORK/report.csv")"
done
cli --key commissioner report --csv --publish >"$WORK/published.csv" || fail "report --csv --publish failed"
grep -qxF "summary,,,carers_supported,<5" "$WORK/published.csv" ||
    fail "the published CSV shows a count under 5: $(grep carers_supported "$WORK/published.csv")"
# The text a commissioner reads names the area and the target.
cli --key commissioner report >"$WORK/report.txt" || fail "the text report failed"
grep -q "Essex" "$WORK/report.txt" && grep -q "12,500" "$WORK/report.txt" ||
    fail "the text report lacks the area or the target: $(head -n 20 "$WORK/report.txt")"
grep -q "Tess\|Yesterday\|Twice\|CM2\|9434765919" "$WORK/report.txt" "$WORK"/*.json "$WORK"/*.csv &&
    fail "a report holds a person's details"

# A commissioner reads reports and nothing with a person's details; a
# practice may not read the report.
for ask in "status $(awk '$1 == "A" { print $4 }' "$WORK/cases")" "stats" "audit"; do
    cli --key commissioner $ask >"$WORK/refused" 2>&1
    assert_eq "$?" 77 "exit status of a commissioner's $ask"
done
cli --key gp report --json >"$WORK/refused" 2>&1
assert_eq "$?" 77 "exit status of a practice's report"
hub_stop
