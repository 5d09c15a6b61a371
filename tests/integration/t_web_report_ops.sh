# carerhub-web for commissioners and operators, over HTTP with the real
# daemons. A commissioner sees /report (the report with its charts inside
# the site), a period refused by the router is named at its field, and
# /report.csv is the same CSV as `carerhub report --csv` for the same
# period (published or not), as a download; /ops, an operator's case,
# /inbox and /refer/gp are refused. An operator, through /ops's forms:
# rejects a parked referral (without a reason the reason is asked
# again; with one its practice reads it), releases another while its
# bound stands (routed into the carer's case), joins two
# cases of one person after the confirmation page, and keeps two people
# apart; each time the CLI then shows the result. A form without its
# CSRF token does nothing (403). An operator's view of a case shows the
# carer and is audited with the user's name; no log names a carer.
. "$(dirname "$0")/lib.sh"
hub_config
echo "referrals: {resend_window_days: 0}" >>"$hub/carerhub.yaml"
sed -i 's/^router:$/router:\n  submitter_case_max: 2/' "$hub/carerhub.yaml"
printf 'web:\n  listen: 127.0.0.1:0\n' >>"$hub/carerhub.yaml"
hub_start
url=$("$top/deploy/local-hub" status "$hub" | sed -n 's/^web: //p')
[[ $url =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "local-hub status gave no web URL: '$url'"
for u in "c.ross commissioner" "o.ps operator"; do
    set -- $u
    cli user add "$1" --role "$2" --password-stdin <<<'correct horse battery' >/dev/null ||
        fail "user add $1"
done

# req NAME [CURL-ARGS...]: body in $WORK/NAME.b, headers in $WORK/NAME.h;
# prints the status. as WHO NAME PATH [CURL-ARGS...]: in WHO's session.
req() {
    local n=$1
    shift
    curl -s --max-time 30 -o "$WORK/$n.b" -D "$WORK/$n.h" -w '%{http_code}' "$@"
}
as() {
    local jar=$WORK/$1.jar n=$2 path=$3
    shift 3
    req "$n" -c "$jar" -b "$jar" "$@" "$url$path"
}
hdr() { grep -i "^$2:" "$WORK/$1.h" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }
csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$WORK/$1.b" | head -n 1 | cut -d'"' -f4; }
has() { grep -qF -- "$2" "$WORK/$1.b" || fail "$3: the page lacks '$2': $(head -c 3000 "$WORK/$1.b")"; }
hasnt() { ! grep -qF -- "$2" "$WORK/$1.b" || fail "$3: the page has '$2'"; }
login() {
    local csrf
    as "$1" lg /login >/dev/null
    csrf=$(csrf_of lg)
    assert_eq "$(as "$1" lgp /login --data-urlencode "csrf=$csrf" --data-urlencode "user=$1" \
        --data-urlencode "password=correct horse battery")" 303 "login $1"
    as "$1" home / >/dev/null
    printf -v "csrf_${1//./_}" '%s' "$(csrf_of home)"
}
# post WHO NAME PATH FIELD=VALUE...: a form of WHO's, with WHO's CSRF token.
post() {
    local who=$1 n=$2 path=$3 csrf_var="csrf_${1//./_}" args=() f
    shift 3
    for f in "csrf=${!csrf_var}" "$@"; do args+=(--data-urlencode "$f"); done
    as "$who" "$n" "$path" "${args[@]}"
}
# ops_notice NAME: /ops after a form, its notice's text.
ops_notice() {
    assert_eq "$(as o.ps "$1" /ops)" 200 "/ops after a form"
    sed -n '/id="notice"/,/<\/div>/p' "$WORK/$1.b" | sed 's/<[^>]*>//g' | tr -s ' \n' ' '
}

# Twelve cards over the areas, each organisation contacting its carers;
# then one carer referred three and four times over router.submitter_case_max
# (2): the third and fourth parked.
gen 12 Web >"$WORK/cards.yaml"
cli submit gp "$WORK/cards.yaml" >/dev/null || fail "the cards were not accepted"
wait_count 12
for f in $(files); do
    prov=$(basename "$(dirname "$f")")
    case $prov in out-of-area | ews-triage) continue ;; esac
    cli --key "provider-$prov" outcome "$(jq -r .case_id "$f")" contacted >/dev/null ||
        fail "contacted at $prov"
done
awk '/^---$/{d++} d==1' "$samples/gp.yaml" >"$WORK/jane.yaml"
for i in 1 2 3 4; do
    cli submit gp "$WORK/jane.yaml" | awk '/^accepted/{print $2}' >>"$WORK/ids" || fail "not accepted"
done
third=$(sed -n 3p "$WORK/ids")
fourth=$(sed -n 4p "$WORK/ids")
for i in $(seq 50); do
    [ "$(cli parked --json | jq -r .total)" = 2 ] && break
    sleep 0.2
done
assert_eq "$(cli parked --json | jq -r '[.items[].referral_id] | join(" ")')" "$third $fourth" \
    "the parked referrals"

note "a commissioner: /report with its charts, a refused period, the CSV"
login c.ross
assert_eq "$(as c.ross rep /report)" 200 "/report"
has rep '<h1>Carers supported in' "/report"
has rep '<link rel="stylesheet" href="/report.css">' "/report"
assert_eq "$(grep -c '<svg viewBox=[^>]*role="img"' "$WORK/rep.b")" 3 "charts, each an image"
has rep '<caption' "/report"
has rep '<li><a href="/report" aria-current="page">Report</a></li>' "the commissioner's menu"
hasnt rep 'href="/ops"' "the commissioner's menu"
grep -qi 'Web[0-9]\|Jane\|Smith' "$WORK/rep.b" && fail "the report names a carer"
from=$(date -d '-40 days' +%F)
to=$(date +%F)
assert_eq "$(as c.ross bad "/report?from=2026-02-30&to=$to")" 200 "/report?from=2026-02-30"
has bad '<title>Error: Report - carerhub</title>' "a refused period"
has bad '<li><a href="#from">From: &quot;2026-02-30&quot; is not a date (YYYY-MM-DD)</a></li>' \
    "the error summary"
has bad '<span class="error-message" id="from-error">' "the message beside from"
has bad 'name="from" value="2026-02-30"' "what was typed"
as c.ross bad2 "/report?from=$to&to=$from" >/dev/null
has bad2 "<a href=\"#from\">From: the period&#39;s first day ($to) is after its last ($from)" \
    "from after to"
for pub in 0 1; do
    assert_eq "$(as c.ross csv "/report.csv?from=$from&to=$to&publish=$pub")" 200 "/report.csv"
    assert_eq "$(hdr csv Content-Type)" "text/csv; charset=utf-8" "the CSV's type"
    suffix=$([ $pub = 1 ] && echo -published)
    assert_eq "$(hdr csv Content-Disposition)" \
        "attachment; filename=\"carers-report-$from-to-$to$suffix.csv\"" "the CSV's download"
    assert_eq "$(hdr csv Cache-Control)" no-store "the CSV's caching"
    opt=$([ $pub = 1 ] && echo --publish)
    # shellcheck disable=SC2086
    cli report --csv --from "$from" --to "$to" $opt >"$WORK/cli.csv" || fail "report --csv"
    grep -v '^summary,,,generated_at,' "$WORK/csv.b" >"$WORK/web.csv"
    grep -v '^summary,,,generated_at,' "$WORK/cli.csv" >"$WORK/cli2.csv"
    cmp -s "$WORK/web.csv" "$WORK/cli2.csv" ||
        fail "/report.csv (publish=$pub) is not carerhub report --csv: $(diff "$WORK/web.csv" "$WORK/cli2.csv" | head)"
done
# The last was the published view: small counts hidden, the rest there.
grep -q ',<5$' "$WORK/web.csv" || fail "the published CSV shows no count as <5"
# Twelve cards and Jane's first two: the parked two are not taken yet.
grep -q '^summary,,,referrals,14$' "$WORK/web.csv" || fail "the CSV does not count 14 referrals"
assert_eq "$(as c.ross css /report.css)" 200 "/report.css"
assert_eq "$(hdr css Content-Type)" "text/css; charset=utf-8" "/report.css's type"
for p in /ops /ops/case/C-000001 /refer/gp; do
    assert_eq "$(as c.ross no "$p")" 403 "a commissioner's $p"
done
st=$(as c.ross no /inbox)
# /inbox is the providers' page; until it is served here, no page at all.
[ "$st" = 403 ] || [ "$st" = 404 ] || fail "a commissioner's /inbox: $st"
assert_eq "$(post c.ross no /ops/parked "referral=$third" action=release)" 403 \
    "a commissioner's release"
assert_eq "$(cli parked --json | jq -r .total)" 2 "parked after a commissioner's release"

note "an operator: /ops, the parked referrals' forms"
login o.ps
assert_eq "$(as o.ps ops /ops)" 200 "/ops"
has ops "<h3 id=\"parked-$third\">Referral $third</h3>" "/ops"
has ops "<h3 id=\"parked-$fourth\">Referral $fourth</h3>" "/ops"
has ops 'already holds 2 referrals from gp' "the reason it was parked"
has ops '<strong>Parked referral</strong>' "the alerts"
has ops 'Carers First<br><span class="hint">carers-first</span>' "the queues"
has ops '<li><a href="/ops" aria-current="page">Operations</a></li>' "the operator's menu"
grep -qi 'Jane\|Smith\|Web[0-9]' "$WORK/ops.b" && fail "/ops names a carer"
# A form without its token does nothing.
assert_eq "$(as o.ps nocsrf /ops/parked --data-urlencode "referral=$third" \
    --data-urlencode action=release)" 403 "a release without the CSRF token"
has nocsrf "did not come from this site" "the 403 page"
assert_eq "$(cli parked --json | jq -r .total)" 2 "parked after a form without its token"

# Rejected: without a reason it is asked again; with one, its practice reads it.
assert_eq "$(post o.ps rej /ops/parked "referral=$third" action=reject "reason=  ")" 200 \
    "a rejection without a reason"
has rej '<li><a href="#reason">' "the error summary"
has rej '<span class="error-message" id="reason-error">' "the message beside the reason"
has rej "<h1>Reject referral $third</h1>" "the rejection's page"
assert_eq "$(cli parked --json | jq -r .total)" 2 "parked after a rejection without a reason"
why="sent four times: the carer is with Carers First already"
assert_eq "$(post o.ps rej /ops/parked "referral=$third" action=reject "reason=$why")" 303 \
    "reject $third"
n=$(ops_notice after)
[[ $n == *"Done: referral $third was rejected. Its referrer reads: $why"* ]] ||
    fail "the notice after a rejection: '$n'"
assert_eq "$(cli parked --json | jq -r '[.items[].referral_id] | join(" ")')" "$fourth" \
    "parked after the rejection"
cli --key gp status "$third" >"$WORK/status" || fail "the practice's status: exit $?"
grep -q "where it stands: rejected" "$WORK/status" && grep -qF "$why" "$WORK/status" ||
    fail "the practice does not read rejected and the reason: $(cat "$WORK/status")"

# Released while the bound stands: an operator's release is the decision
# that it goes in (the per-submitter bound is not applied again).
jane_case=$(for f in $(files carers-first); do jq -r 'select(.carer.family_name == "Smith") | .case_id' "$f"; done | head -n 1)
[ -n "$jane_case" ] || fail "no case of Jane's at Carers First"
assert_eq "$(post o.ps rel /ops/parked "referral=$fourth" action=release)" 303 "release $fourth"
n=$(ops_notice after)
[[ $n == *"Done: referral $fourth was released: it is in case $jane_case, with Carers First."* ]] ||
    fail "the notice after a release: '$n'"
assert_eq "$(cli parked)" "no referral is parked" "carerhub parked after the release"
cli --key gp status "$fourth" >"$WORK/status" || fail "status of $fourth"
grep -q "$jane_case" "$WORK/status" || fail "$fourth is not in Jane's case: $(cat "$WORK/status")"

note "identity conflicts: joined after the confirmation, kept apart"
card() { # GIVEN FAMILY DATE-OF-BIRTH POSTCODE NHS PHONE
    printf -- '---\npractice: F81001\nreferrer: {name: "A Patel", phone: "01245 000000"}\n'
    printf 'carer: {given_name: %s, family_name: %s, date_of_birth: %s, postcode: "%s", phone: "%s", nhs_number: "%s"}\n' \
        "$1" "$2" "$3" "$4" "$6" "$5"
    printf 'cared_for: {relationship: father}\nconsent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}\n'
}
{
    card Mary Jones 1975-09-14 "CO4 5AB" 9434765919 "07700 900222"
    card Tom Brown 1950-01-01 "CM2 9AA" 4857773457 "07700 900333"
    card Tim Green 1955-02-02 "CM1 1AA" 4857773457 "07700 900444"
} >"$WORK/conflicts.yaml"
cli submit gp "$WORK/conflicts.yaml" >/dev/null || fail "the conflicting cards were not accepted"
for i in $(seq 100); do
    cli alerts --json >"$WORK/alerts.json"
    [ "$(jq '[(.alerts // [])[] | select(.kind == "identity_conflict")] | length' "$WORK/alerts.json")" = 4 ] && break
    sleep 0.2
done
# pair CASE: CASE and the case it is flagged with, the lower id first.
pair() {
    jq -r --arg c "$1" '.alerts[] | select(.case_id == $c) | [$c, .other_cases[0]] | sort | join(" ")' \
        "$WORK/alerts.json"
}
read -r jlo jhi <<<"$(pair "$jane_case")"
mary_case=$([ "$jlo" = "$jane_case" ] && echo "$jhi" || echo "$jlo")
tom_case=$(jq -r --arg a "$jane_case" --arg b "$mary_case" \
    '[(.alerts // [])[] | select(.kind == "identity_conflict") | .case_id | select(. != $a and . != $b)] | sort | .[0]' \
    "$WORK/alerts.json")
read -r tlo thi <<<"$(pair "$tom_case")"
[ -n "$mary_case" ] && [ -n "$tlo" ] && [ -n "$thi" ] || fail "the conflicts: $(cat "$WORK/alerts.json")"
assert_eq "$(as o.ps ops /ops)" 200 "/ops with conflicts"
for p in "$jlo $jhi" "$tlo $thi"; do
    has ops "<h3>Cases ${p% *} and ${p#* }</h3>" "the pair $p"
done
assert_eq "$(grep -c 'action="/ops/conflict"' "$WORK/ops.b")" 4 "a join and a keep-apart form a pair"
grep -qi 'Mary\|Jones\|Brown\|Green' "$WORK/ops.b" && fail "/ops names a carer"

assert_eq "$(post o.ps join /ops/conflict "case=$jlo" "other=$jhi" action=join)" 200 \
    "a join, before it is confirmed"
has join "Joining sends the newer case's referrals, with the carer's details in them, to" \
    "the confirmation"
has join 'name="confirm" value="yes"' "the confirmation's form"
cli alerts --json | jq -e --arg c "$jane_case" '.alerts[] | select(.case_id == $c and .kind == "identity_conflict")' \
    >/dev/null || fail "joined before the confirmation"
assert_eq "$(post o.ps join /ops/conflict "case=$jlo" "other=$jhi" action=join confirm=yes)" 303 \
    "the join confirmed"
n=$(ops_notice after)
[[ $n == *"Done: cases $jlo and $jhi are one person now: case $mary_case was closed into case $jane_case"* ]] ||
    fail "the notice after the join: '$n'"
cli alerts --json >"$WORK/alerts.json"
assert_eq "$(jq -r --arg a "$jane_case" --arg b "$mary_case" \
    '[(.alerts // [])[] | select(.kind == "identity_conflict" and (.case_id == $a or .case_id == $b))] | length' \
    "$WORK/alerts.json")" 0 "carerhub alerts after the join"
for i in $(seq 100); do
    grep -l '"closed_reason":"joined"' $(files ecs) >/dev/null 2>&1 && break
    sleep 0.1
done
closed=$(grep -l '"closed_reason":"joined"' $(files ecs)) || fail "no closing of $mary_case at ECS"
assert_eq "$(jq -r .case_id "$closed")" "$mary_case" "the case closed at ECS"

assert_eq "$(post o.ps apart /ops/conflict "case=$tlo" "other=$thi" action=keep_apart)" 303 \
    "keep apart"
n=$(ops_notice after)
[[ $n == *"Done: cases $tlo and $thi are kept apart as two people"* ]] ||
    fail "the notice after keeping apart: '$n'"
cli alerts --json >"$WORK/alerts.json"
assert_eq "$(jq '[(.alerts // [])[] | select(.kind == "identity_conflict")] | length' "$WORK/alerts.json")" 0 \
    "identity conflicts after both"

note "an operator's view of a case, audited"
assert_eq "$(as o.ps case "/ops/case/$jane_case")" 200 "/ops/case/$jane_case"
has case "<h1>Case $jane_case</h1>" "the case page"
# Joined: the carer as now known is the newest referral's (Mary's card),
# and the case holds Jane's referrals and Mary's.
has case '<tr><th scope="row">Name</th><td>Mary Jones</td></tr>' "the carer as now known"
has case '<tr><th scope="row">Organisation</th><td>Essex Carers Support (ecs)</td></tr>' \
    "where the joined case is now"
has case "<tr><td>$fourth</td>" "Jane's referrals"
assert_eq "$(grep -c '<tr><td>GP-' "$WORK/case.b")" 4 "the joined case's referrals"
assert_eq "$(hdr case Cache-Control)" no-store "a case's caching"
assert_eq "$(as o.ps nocase /ops/case/C-999999)" 404 "a case the hub does not know"
assert_eq "$(as o.ps nocase /ops/case/x)" 404 "not a case id"
assert_eq "$(as o.ps rep /report)" 200 "an operator's /report"
audit_fetch
audit_has '.event == "case" and .actor == "gateway web / user o.ps" and .detail == "case '"$jane_case"'"' ||
    fail "no audit of the operator's view of $jane_case"
audit_has '.actor == "gateway web / user o.ps" and (.event | test("conflict-joined"))' ||
    fail "the join is not audited with the operator's name"
grep -rqi 'Jane\|Smith\|Mary\|Jones\|Brown\|Green' "$hub/logs" && fail "a log names a carer"
hub_stop
