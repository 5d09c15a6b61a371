# The case worker's pages over HTTP, against the real daemons: three GP
# referrals, two to Carers First and one to Essex Carers Support. Each
# organisation's user sees its own cases only at /inbox, and /inbox/ID of
# another organisation's case, or of none, is the same 404 page. A case
# worker records contacted from the case page (sent twice, as a double
# click, it is recorded once), which `carerhub case` then shows; supported
# without a kind of support is refused beside the field, what was typed
# kept; with two kinds it is recorded; a step the router refuses comes back
# beside the status. /inbox.csv is a CSV attachment, not cached, with a
# header row, the organisation's cases, and a carer's name that begins with
# = written so that a spreadsheet never runs it; each export is audited as
# one. A case passed back to a named organisation leaves the inbox and
# reaches that organisation's; passed back without one it goes to triage,
# whose user assigns it. With the router down nothing is lost: the form
# comes back with its outcome id, and sent again (twice) it is recorded
# once. A provider's user cannot reach the referrers' pages, nor a
# referrer the inbox. No carer's name reaches the audit trail
# or a log.
. "$(dirname "$0")/lib.sh"
web_hub_start
for u in "p.khan provider carers-first" "e.jones provider ecs" "t.reid provider ews-triage" \
    "a.lee provider afc" "a.patel gp F81001"; do
    set -- $u
    cli user add "$1" --role "$2" --org "$3" --password-stdin <<<'correct horse battery' \
        >/dev/null || fail "user add $1"
done
today=$(date +%F)

card() { # GIVEN FAMILY POSTCODE
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: '$1', family_name: $2, date_of_birth: 1961-04-02, postcode: "$3", phone: "07700 900111"}
cared_for: {relationship: mother, conditions: [dementia]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
}
{
    card Jane Smith "CM2 0AA"
    card '=HYPERLINK("http://x.example/","Ngozi")' Okafor "CM2 6XY"
    card Mary Baker "CO4 5AB"
} >"$WORK/cards.yaml"
cli submit gp "$WORK/cards.yaml" >"$WORK/ids" || fail "not accepted: $(cat "$WORK/ids")"
wait_count 2 carers-first
wait_count 1 ecs
case_of() { files "$1" | xargs jq -r "select(.carer.family_name == \"$2\") | .case_id"; }
jane=$(case_of carers-first Smith)
ngozi=$(case_of carers-first Okafor)
mary=$(case_of ecs Baker)
[[ $jane == C-* && $ngozi == C-* && $mary == C-* ]] || fail "case ids: '$jane' '$ngozi' '$mary'"

# req NAME [CURL-ARGS...]: body in $WORK/NAME.b, headers in NAME.h; the status.
req() {
    local n=$1
    shift
    curl -s --max-time 20 -o "$WORK/$n.b" -D "$WORK/$n.h" -w '%{http_code}' "$@"
}
field_of() { grep -o "name=\"$2\" value=\"[^\"]*\"" "$WORK/$1.b" | head -n 1 | cut -d'"' -f4; }
# form_id PAGE FORM: the outcome id of the form (record, not_ours, assign) of a page.
form_id() {
    grep -A1 "name=\"form\" value=\"$2\"" "$WORK/$1.b" | grep -o 'name="outcome_id" value="[^"]*"' |
        cut -d'"' -f4
}
has() { grep -qF -- "$2" "$WORK/$1.b" || fail "$3: the page lacks '$2'"; }
hasnt() { ! grep -qF -- "$2" "$WORK/$1.b" || fail "$3: the page has '$2'"; }
header() { tr -d '\r' <"$WORK/$1.h" | sed -n "s/^$2: //Ip"; }
login() {
    local jar=$WORK/$1.jar csrf
    req lg -c "$jar" -b "$jar" "$url/login" >/dev/null
    csrf=$(field_of lg csrf)
    assert_eq "$(req lgp -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" \
        --data-urlencode "user=$1" --data-urlencode "password=correct horse battery" \
        "$url/login")" 303 "login $1"
}
# as NAME PAGE PATH [CURL-ARGS...]: a request of NAME's session.
as() {
    local jar=$WORK/$1.jar
    shift
    req "$1" -c "$jar" -b "$jar" "${@:3}" "$url$2"
}
# post NAME PAGE CASE FORM FIELDS...: the case page read, then its FORM
# (record, not_ours, assign) sent with NAME's csrf, the form's own outcome
# id (unless the fields give one) and the fields (name=value each).
post() {
    local who=$1 page=$2 id=$3 form=$4 args=() f
    shift 4
    as "$who" form "/inbox/$id" >/dev/null
    args=(--data-urlencode "csrf=$(field_of form csrf)" --data-urlencode "form=$form")
    [[ " $* " == *" outcome_id="* ]] || args+=(--data-urlencode "outcome_id=$(form_id form "$form")")
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    as "$who" "$page" "/inbox/$id" "${args[@]}"
}

note "each organisation's inbox holds its own cases"
login p.khan
assert_eq "$(as p.khan inbox /inbox)" 200 "p.khan's /inbox"
has inbox "<a href=\"/inbox/$jane\">$jane</a>" "p.khan's inbox"
has inbox "<td>Jane Smith</td>" "p.khan's inbox"
has inbox "<td>CM2 0AA</td>" "p.khan's inbox"
has inbox "<a href=\"/inbox/$ngozi\">$ngozi</a>" "p.khan's inbox"
has inbox '2 open cases' "p.khan's inbox"
has inbox 'New: not yet accepted' "the state in words"
has inbox '<a href="/inbox.csv" download>Download open cases (CSV)</a>' "the CSV link"
has inbox '<li><a href="/inbox" aria-current="page">Cases</a></li>' "the navigation"
hasnt inbox "$mary" "p.khan's inbox"
hasnt inbox "Baker" "p.khan's inbox"
assert_eq "$(header inbox Cache-Control)" no-store "/inbox's Cache-Control"
login e.jones
assert_eq "$(as e.jones inbox2 /inbox)" 200 "e.jones's /inbox"
has inbox2 "<a href=\"/inbox/$mary\">$mary</a>" "e.jones's inbox"
hasnt inbox2 "$jane" "e.jones's inbox"
hasnt inbox2 "Smith" "e.jones's inbox"

note "another organisation's case, and no case, read the same"
assert_eq "$(as p.khan theirs "/inbox/$mary")" 404 "p.khan's /inbox/$mary"
assert_eq "$(as p.khan nocase /inbox/C-999999)" 404 "/inbox of no case"
assert_eq "$(sed -n '/<main/,/<\/main>/p' "$WORK/theirs.b")" \
    "$(sed -n '/<main/,/<\/main>/p' "$WORK/nocase.b")" "the two 404 pages"
hasnt theirs "Baker" "another organisation's case"
assert_eq "$(as p.khan notid /inbox/Jane)" 404 "/inbox of a case id that is not one"

note "the case page, and contacted recorded once from two clicks"
assert_eq "$(as p.khan jane "/inbox/$jane")" 200 "p.khan's /inbox/$jane"
has jane "<h1>Case <span class=\"nowrap\">$jane</span></h1>" "the case page"
has jane "Jane Smith" "the carer"
has jane "07700 900111" "the carer's phone"
has jane "<h3>Referral $(files carers-first | xargs jq -r 'select(.carer.family_name == "Smith") | .referral_id')</h3>" \
    "the referral"
has jane 'A Patel' "the referrer"
has jane '<label for="record-status">Accepted: we will contact the carer</label>' "the statuses"
assert_eq "$(header jane Cache-Control)" no-store "the case page's Cache-Control"
rid=$(form_id jane record)
[[ $rid =~ ^web-[0-9]{13}-[0-9a-f]{16}$ ]] || fail "the record form's outcome id: '$rid'"
for click in 1 2; do
    assert_eq "$(post p.khan rec$click "$jane" record outcome_id="$rid" status=contacted \
        "date=$today" "note=rang back, wants a carers assessment")" 303 "contacted, click $click"
    assert_eq "$(header rec$click Location)" "/inbox/$jane" "where it leads"
done
assert_eq "$(as p.khan after "/inbox/$jane")" 200 "the case after contact"
has after 'Recorded: contacted' "the notice"
as p.khan after2 "/inbox/$jane" >/dev/null
hasnt after2 'Recorded:' "the notice a second time"
# A notice is the session's, left by what it did: an address cannot make one.
as p.khan forged "/inbox/$jane?recorded=closed" >/dev/null
hasnt forged 'Recorded:' "a notice forged in the address"
as p.khan forged2 "/inbox?moved=$jane&to=young-carers" >/dev/null
hasnt forged2 'no longer with your organisation' "a move forged in the address"
hasnt forged2 'has gone to' "a move forged in the address"
has after 'rang back, wants a carers assessment' "the note on the timeline"
cli --key provider-carers-first case "$jane" >"$WORK/cli" || fail "carerhub case $jane"
grep -q "^$jane: contacted, with Carers First" "$WORK/cli" || fail "the state: $(cat "$WORK/cli")"
assert_eq "$(grep -c "contacted at Carers First; note: rang back, wants a carers assessment" "$WORK/cli")" 1 \
    "contacted on the timeline (two clicks)"

note "supported: without a kind of support, then with two"
assert_eq "$(post p.khan nokind "$jane" record status=supported "date=$today" \
    "note=<b>kept</b>")" 200 "supported without a kind"
has nokind '<h2 id="error-summary-title">There is a problem</h2>' "the error summary"
has nokind '<a href="#record-support">Tick at least one kind of support you gave the carer</a>' "the summary's link"
has nokind 'id="record-support-error"' "the message beside the field"
has nokind 'name="status" value="supported" checked' "the status kept"
has nokind '&lt;b&gt;kept&lt;/b&gt;</textarea>' "the note kept, escaped"
assert_eq "$(post p.khan kinds "$jane" record status=supported support=break \
    support=carers_assessment "date=$today")" 303 "supported with two kinds"
cli --key provider-carers-first case "$jane" >"$WORK/cli"
grep -q "^$jane: supported, with Carers First" "$WORK/cli" || fail "supported: $(cat "$WORK/cli")"
grep -q "support  *break, carers_assessment" "$WORK/cli" || fail "the kinds: $(cat "$WORK/cli")"

note "a step the router refuses comes back beside the status"
assert_eq "$(post p.khan step "$jane" record status=accepted "date=$today")" 200 "accepted after supported"
has step '<a href="#record-status">The case was accepted already' "the router's refusal"
has step 'id="record-status-error"' "the refusal beside the status"

note "the CSV: an attachment, not cached, the formula guard, audited as an export"
assert_eq "$(as p.khan csv /inbox.csv)" 200 "/inbox.csv"
assert_eq "$(header csv Content-Type)" "text/csv; charset=utf-8" "the CSV's type"
assert_eq "$(header csv Content-Disposition)" "attachment; filename=\"open-cases-carers-first-$today.csv\"" \
    "the CSV's Content-Disposition"
assert_eq "$(header csv Cache-Control)" no-store "the CSV's Cache-Control"
assert_eq "$(head -n 1 "$WORK/csv.b" | tr -d '\r')" \
    "case_id,state,opened,contact_by,overdue,urgent,young_carer,identity_conflict,transferred,source,carer_name,postcode,referrals" \
    "the header row"
assert_eq "$(grep -c $'\r$' "$WORK/csv.b")" 3 "lines ended CR LF"
grep -q "^$jane,supported,$today,,no,no,no,no,no,gp,Jane Smith,CM2 0AA,1"$'\r'"$" "$WORK/csv.b" ||
    fail "Jane's row: $(cat "$WORK/csv.b")"
grep -qF "$ngozi,delivered,$today," "$WORK/csv.b" || fail "Ngozi's row: $(cat "$WORK/csv.b")"
grep -qF "\"'=HYPERLINK(\"\"http://x.example/\"\",\"\"Ngozi\"\") Okafor\"" "$WORK/csv.b" ||
    fail "the formula guard: $(grep "$ngozi" "$WORK/csv.b")"
grep -q "$mary\|Baker" "$WORK/csv.b" && fail "the CSV has another organisation's case"
audit_wait '.event == "cases" and .actor == "gateway web / user p.khan" and .detail == "2 of 2 open case(s) of carers-first exported"' 5
audit_has '.event == "cases" and .actor == "gateway web / user p.khan" and (.detail | endswith("listed"))' ||
    fail "no view of the inbox in the audit"
audit_has '.event == "case" and .actor == "gateway web / user p.khan" and .detail == "case '"$mary"'"' ||
    fail "the view of another organisation's case is not audited"

note "passed back to a named organisation: gone from one inbox, in the other"
assert_eq "$(post p.khan pass "$ngozi" not_ours "reason=lives in Colchester" to=ecs)" 303 "not_ours to ecs"
assert_eq "$(header pass Location)" "/inbox" "where passing back leads"
as p.khan moved /inbox >/dev/null
has moved "Case $ngozi has gone to Essex Carers Support. It is no longer with your organisation." \
    "the notice"
as p.khan moved2 /inbox >/dev/null
hasnt moved2 "has gone to" "the notice a second time"
hasnt moved "<a href=\"/inbox/$ngozi\">" "p.khan's inbox after passing back"
assert_eq "$(as p.khan gone "/inbox/$ngozi")" 404 "p.khan's view of the case passed back"
as e.jones inbox3 /inbox >/dev/null
has inbox3 "<a href=\"/inbox/$ngozi\">$ngozi</a>" "e.jones's inbox after the pass back"
assert_eq "$(as e.jones ng "/inbox/$ngozi")" 200 "e.jones's view of the case"
has ng 'lives in Colchester' "the reason it was passed with"

note "passed back with no organisation: triage assigns it"
assert_eq "$(post e.jones nopass "$mary" not_ours "reason=  ")" 200 "not_ours without a reason"
has nopass '<a href="#pass-reason">Write why the case is not your organisation' "the reason is required"
assert_eq "$(post e.jones pass2 "$mary" not_ours "reason=not in our area after all")" 303 "not_ours to triage"
assert_eq "$(header pass2 Location)" "/inbox" "to triage"
login t.reid
assert_eq "$(as t.reid tri "/inbox/$mary")" 200 "triage's view of the case"
has tri '<input type="hidden" name="form" value="assign">' "the assign form"
hasnt tri 'name="form" value="not_ours"' "triage's page"
assert_eq "$(post t.reid assign "$mary" assign to=afc "reason=West Essex")" 303 "assign to afc"
assert_eq "$(header assign Location)" "/inbox" "where assigning leads"
cli case "$mary" | grep -q "^$mary: delivered, with Action for Family Carers (afc)" ||
    fail "the case after it was assigned: $(cli case "$mary")"
login a.lee
as a.lee afc /inbox >/dev/null
has afc "<a href=\"/inbox/$mary\">$mary</a>" "afc's inbox after assign"

note "the router down: the form kept with its outcome id; sent again later, recorded once"
as a.lee mary "/inbox/$mary" >/dev/null
mid=$(form_id mary record)
hub_kill router
assert_eq "$(post a.lee down "$mary" record outcome_id="$mid" status=accepted "date=$today" \
    "note=first call")" 503 "accepted with the router down"
has down 'It may not have been recorded' "the router down"
has down 'first call</textarea>' "the router down: the note kept"
assert_eq "$(form_id down record)" "$mid" "the router down: the outcome id kept"
hub_start router
for i in 1 2; do
    assert_eq "$(post a.lee up$i "$mary" record outcome_id="$mid" status=accepted "date=$today" \
        "note=first call")" 303 "accepted sent again ($i)"
done
cli case "$mary" >"$WORK/cli" || fail "carerhub case $mary"
grep -q "^$mary: accepted, with Action for Family Carers" "$WORK/cli" || fail "accepted: $(cat "$WORK/cli")"
assert_eq "$(grep -c 'accepted at Action for Family Carers; note: first call' "$WORK/cli")" 1 \
    "accepted on the timeline"

note "each role its own pages"
assert_eq "$(as p.khan refer /refer/gp)" 403 "a provider's user at /refer/gp"
assert_eq "$(as p.khan refs /referrals)" 403 "a provider's user at /referrals"
login a.patel
assert_eq "$(as a.patel gpinbox /inbox)" 403 "a GP's user at /inbox"
assert_eq "$(as a.patel gpcsv /inbox.csv)" 403 "a GP's user at /inbox.csv"
assert_eq "$(as a.patel gpcase "/inbox/$jane")" 403 "a GP's user at /inbox/$jane"
assert_eq "$(req anon "$url/inbox")" 303 "/inbox, not logged in"

audit_fetch
grep -qi 'smith\|okafor\|baker\|hyperlink\|carers assessment\|colchester' "$WORK/audit" &&
    fail "the audit trail holds a carer's details"
grep -il 'smith\|okafor\|baker\|hyperlink\|carers assessment' "$hub"/logs/*.log &&
    fail "a log holds a carer's details"
hub_stop
echo ok
