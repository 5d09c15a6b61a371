# An organisation's inbox, with the real daemons: two carers referred to
# Carers First and one to Essex Carers Support. Each provider's key lists
# its own open cases only (carerhub cases) and reads its own case
# (carerhub case); another organisation's case, and a case that does not
# exist, read the same: not found (exit 66). After `carerhub outcome ...
# contacted` the case and the inbox show it, with what may be recorded
# next. An operator names the organisation; a referrer's key is refused
# (77). A gateway key acting for a provider's user gets exactly what the
# provider's key gets, and records outcomes as it would; acting for a
# commissioner it gets the report, not the cases. No carer's name reaches
# the audit trail or a log.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
keys=$hub/keys
add_key web gateway null

card() { # FAMILY GIVEN POSTCODE
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: $2, family_name: $1, date_of_birth: 1961-04-02, postcode: "$3", phone: "07700 900111"}
cared_for: {relationship: mother, conditions: [dementia]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
}
{
    card Smith Jane "CM2 0AA"
    card Okafor Ngozi "CM2 6XY"
    card Baker Mary "CO4 5AB"
} >"$WORK/cards.yaml"
cli submit gp "$WORK/cards.yaml" >"$WORK/ids" || fail "not accepted: $(cat "$WORK/ids")"
wait_count 2 carers-first
wait_count 1 ecs
case_of() { files "$1" | xargs jq -r "select(.carer.family_name == \"$2\") | .case_id"; }
jane=$(case_of carers-first Smith)
ngozi=$(case_of carers-first Okafor)
mary=$(case_of ecs Baker)
[[ $jane == C-* && $ngozi == C-* && $mary == C-* ]] || fail "case ids: '$jane' '$ngozi' '$mary'"

# Each organisation's inbox holds its own cases only.
cli --key provider-carers-first cases >"$WORK/cf" || fail "cases for Carers First: $(cat "$WORK/cf")"
head -n 1 "$WORK/cf" | grep -q '^CASE  *STATE  *OPENED  *CONTACT BY  *SOURCE  *CARER  *POSTCODE' ||
    fail "no heading: $(cat "$WORK/cf")"
grep -q "^$jane  *delivered .* gp  *Jane Smith  *CM2 0AA" "$WORK/cf" || fail "Jane's line: $(cat "$WORK/cf")"
grep -q "^$ngozi  *delivered .* Ngozi Okafor" "$WORK/cf" || fail "Ngozi's line: $(cat "$WORK/cf")"
grep -q "$mary\|Baker" "$WORK/cf" && fail "Carers First lists Essex Carers Support's case: $(cat "$WORK/cf")"
assert_eq "$(tail -n 1 "$WORK/cf")" "2 open cases" "the count"
cli --key provider-carers-first cases --json >"$WORK/cf.json" || fail "cases --json"
assert_eq "$(jq -r '[.cases[].case_id] | sort | join(" ")' "$WORK/cf.json")" \
    "$(printf '%s\n' "$jane" "$ngozi" | sort | tr '\n' ' ' | sed 's/ $//')" "Carers First's cases"
assert_eq "$(jq -r .total "$WORK/cf.json")" 2 "Carers First's total"
cli --key provider-ecs cases --json >"$WORK/ecs.json" || fail "cases for Essex Carers Support"
assert_eq "$(jq -r '[.cases[].case_id] | join(" ")' "$WORK/ecs.json")" "$mary" "Essex Carers Support's cases"

# Its own case, whole; another's and none read the same.
cli --key provider-carers-first case "$jane" >"$WORK/jane" || fail "Jane's case: $(cat "$WORK/jane")"
grep -q "^$jane: delivered, with Carers First (carers-first)" "$WORK/jane" || fail "the head: $(cat "$WORK/jane")"
grep -q "carer  *Jane Smith, born 1961-04-02" "$WORK/jane" || fail "the carer: $(cat "$WORK/jane")"
grep -q "referrals (1):" "$WORK/jane" || fail "the referrals: $(cat "$WORK/jane")"
grep -q "may record next (carerhub outcome $jane STATUS): accepted, contact_attempted, contacted, supported, declined, unable_to_contact, not_ours, closed$" \
    "$WORK/jane" || fail "what may be recorded: $(cat "$WORK/jane")"
cli --key provider-carers-first case "$mary" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 66 "exit status of another organisation's case"
assert_eq "$(cat "$WORK/err")" "carerhub: case: no case $mary is with your organisation" "another's case"
[ -s "$WORK/out" ] && fail "another organisation's case was shown: $(cat "$WORK/out")"
cli --key provider-carers-first case C-999999 >/dev/null 2>"$WORK/err"
assert_eq $? 66 "exit status of a case that does not exist"
assert_eq "$(cat "$WORK/err")" "carerhub: case: no case C-999999 is with your organisation" "no case"
cli --key provider-carers-first case "Jane Smith" >/dev/null 2>&1
assert_eq $? 65 "exit status of a case id that is not one"

# An outcome, then the case and the inbox show it.
cli --key provider-carers-first outcome "$jane" contacted --note "rang back, wants a carers assessment" \
    >"$WORK/o" || fail "outcome contacted: $(cat "$WORK/o")"
cli --key provider-carers-first case "$jane" >"$WORK/jane" || fail "Jane's case after contact"
grep -q "^$jane: contacted, with Carers First" "$WORK/jane" || fail "the state: $(cat "$WORK/jane")"
grep -q "contacted at Carers First; note: rang back, wants a carers assessment" "$WORK/jane" ||
    fail "the timeline: $(cat "$WORK/jane")"
grep -q "may record next (carerhub outcome $jane STATUS): contacted, supported, declined, not_ours, closed$" \
    "$WORK/jane" || fail "what may be recorded after contact: $(cat "$WORK/jane")"
cli --key provider-carers-first cases >"$WORK/cf" || fail "cases after contact"
grep -q "^$jane  *contacted  " "$WORK/cf" || fail "the inbox after contact: $(cat "$WORK/cf")"

# An operator names the organisation and reads any case; a referrer's key
# and a provider's naming another organisation are refused.
cli cases --provider ecs --json >"$WORK/op.json" || fail "the operator's cases of ecs"
assert_eq "$(jq -r '[.cases[].case_id] | join(" ")' "$WORK/op.json")" "$mary" "the operator's view of ecs"
cli case "$jane" >/dev/null || fail "the operator's view of a case"
cli --key gp cases >/dev/null 2>"$WORK/err"
assert_eq $? 77 "exit status of cases with a GP key"
grep -q "refused: the open cases of an organisation need its key" "$WORK/err" || fail "gp: $(cat "$WORK/err")"
cli --key provider-carers-first cases --provider ecs >/dev/null 2>"$WORK/err"
assert_eq $? 77 "exit status of a provider key naming another organisation"

# The gateway for p.khan of Carers First: what the provider's key gets.
peer() {
    "$bin/carerhub-testpeer" "ipc://$hub/run/router-control.ipc" --server-pub "$keys/router.pub" \
        --key "$keys/$1.key" --wait 1000 "${@:2}"
}
json() { sed -n 's/^json //p' "$1"; }
same_json() { # A B WHAT: the same JSON, or the test fails showing how they differ
    diff <(jq -S . <<<"$1") <(jq -S . <<<"$2") >"$WORK/diff" || fail "$3 differs: $(head -n 30 "$WORK/diff")"
}
as_khan=(web --on-behalf p.khan:provider:carers-first --dump)
cli --key provider-carers-first cases --json >"$WORK/cf.json"
peer "${as_khan[@]}" cases >"$WORK/gw"
same_json "$(json "$WORK/gw" | jq .cases_reply)" "$(cat "$WORK/cf.json")" "p.khan's inbox"
cli --key provider-carers-first case "$jane" --json >"$WORK/jane.json"
peer "${as_khan[@]}" case "$jane" >"$WORK/gw"
same_json "$(json "$WORK/gw" | jq .case_reply)" "$(cat "$WORK/jane.json")" "p.khan's view of Jane's case"
peer "${as_khan[@]}" case "$mary" >"$WORK/gw"
grep -qx "reply error not_found: no case $mary is with your organisation" "$WORK/gw" ||
    fail "p.khan's view of another's case: $(cat "$WORK/gw")"
echo "[{\"outcome_id\": \"web-1\", \"case_id\": \"$ngozi\", \"status\": \"accepted\", \"at\": $(date +%s%3N)}]" \
    >"$WORK/accepted.json"
peer "${as_khan[@]}" outcomes "$WORK/accepted.json" >"$WORK/gw"
json "$WORK/gw" | jq -e '.outcome_reply.results[0] | .result == "recorded" and .state == "accepted"' >/dev/null ||
    fail "p.khan's outcome: $(cat "$WORK/gw")"
cli --key provider-carers-first case "$ngozi" | grep -q "^$ngozi: accepted, with Carers First" ||
    fail "p.khan's outcome is not on the case"
echo "[{\"outcome_id\": \"web-2\", \"case_id\": \"$mary\", \"status\": \"accepted\"}]" >"$WORK/theirs.json"
peer "${as_khan[@]}" outcomes "$WORK/theirs.json" >"$WORK/gw"
json "$WORK/gw" | jq -e '.outcome_reply.results[0] | .result == "refused" and .field == "case_id"' >/dev/null ||
    fail "p.khan's outcome on another's case: $(cat "$WORK/gw")"

# A commissioner's user: the report, not the cases nor a case.
peer web --on-behalf c.ward:commissioner report >"$WORK/gw"
grep -q '^reply report_reply$' "$WORK/gw" || fail "c.ward's report: $(cat "$WORK/gw")"
peer web --on-behalf c.ward:commissioner cases carers-first >"$WORK/gw"
grep -q '^reply error forbidden: the open cases of an organisation need its key' "$WORK/gw" ||
    fail "c.ward's cases: $(cat "$WORK/gw")"
peer web --on-behalf c.ward:commissioner case "$jane" >"$WORK/gw"
grep -q '^reply error forbidden: a case needs the key' "$WORK/gw" || fail "c.ward's case: $(cat "$WORK/gw")"

# Audited by who asked, with counts and case ids; never a carer's name.
for cond in \
    '.event == "cases" and .actor == "provider-carers-first" and .detail == "2 of 2 open case(s) of carers-first listed"' \
    '.event == "cases" and .actor == "gateway web / user p.khan" and .detail == "2 of 2 open case(s) of carers-first listed"' \
    '.event == "case" and .actor == "provider-carers-first" and .detail == "case '"$mary"'"' \
    '.event == "case" and .actor == "gateway web / user p.khan" and .detail == "case '"$jane"'"' \
    '.event == "outcome" and .actor == "gateway web / user p.khan" and .case_id == "'"$ngozi"'"' \
    '.event == "refused-message" and .actor == "gateway web / user c.ward" and (.detail | test("cases query refused"))'; do
    audit_wait "$cond" 5
done
grep -qi 'smith\|okafor\|baker\|ngozi\|carers assessment' "$WORK/audit" && fail "the audit trail holds a carer's details"
grep -il 'smith\|okafor\|baker\|ngozi\|carers assessment' "$hub"/logs/*.log &&
    fail "a log holds a carer's details"
hub_stop
