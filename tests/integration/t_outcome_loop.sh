# The way back: a GP practice refers a carer; the charity's case system
# records "contacted" by dropping an outcome file, a case worker records
# "supported" with `carerhub outcome`; the practice's feedback then shows
# the carer supported, with the reminder to code them on the GP record,
# and nothing the carer told the charity. Another practice sees none of
# it. A step after closing is refused with the reason. The notes never
# reach the log or the audit trail.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
add_key gp-other gp F81009

cat >"$WORK/card.yaml" <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: Jane, family_name: Smith, date_of_birth: 1961-04-02, postcode: "CM2 0AA", phone: "07700 900111"}
cared_for: {relationship: mother, conditions: [dementia]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
record_carer_on_gp_record: true
DOC
# Received, with the router stopped: the practice sees it at the intake,
# another practice does not.
hub_stop router
cli submit gp "$WORK/card.yaml" >"$WORK/ids" || fail "not accepted"
rid=$(sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/ids")
cli --key gp status "$rid" --json --timeout 2 >"$WORK/st" 2>/dev/null
assert_eq "$(jq -r '[.state, .progress] | join(" ")' "$WORK/st")" "spooled received" "the practice's status before the router takes it"
# With the router stopped nobody can say the referral is not another
# practice's: it cannot tell, as for an id that does not exist.
cli --key gp-other status "$rid" --timeout 2 >"$WORK/st2" 2>&1
assert_eq "$?" 69 "another practice's status with the router stopped"
grep -q "the hub cannot tell now" "$WORK/st2" || fail "another practice's status: $(cat "$WORK/st2")"
grep -q "Jane\|Smith\|spooled\|received" "$WORK/st2" && fail "another practice learns of it: $(cat "$WORK/st2")"
nobody=GP-${rid#GP-}; nobody=${nobody%-*}-999
cli --key gp-other status "$nobody" --timeout 2 >"$WORK/st3" 2>&1
assert_eq "$(sed "s/$nobody/ID/" "$WORK/st3")" "$(sed "s/$rid/ID/" "$WORK/st2")" \
    "another practice's referral and no referral read the same"
hub_start router
wait_count 1 carers-first
case_id=$(jq -r .case_id "$(files carers-first)")

# Delivered, and nobody has reported yet.
for i in $(seq 50); do
    cli --key gp feedback --json >"$WORK/fb" || fail "feedback failed"
    [ "$(jq -r '.[0].state' "$WORK/fb")" = delivered ] && break
    sleep 0.1
done
assert_eq "$(jq -r '.[] | [.referral_id, .provider, .state, .code_on_gp_record] | join(" ")' "$WORK/fb")" \
    "$rid carers-first delivered true" "the practice's feedback once delivered"

# The case system: "contacted", as a file.
drop_outcome carers-first 0001-contacted.json \
    "{\"case_id\": \"$case_id\", \"status\": \"contacted\", \"at\": \"$(date -u +%FT%TZ)\", \"note\": \"Spoke to Jane, wants a carers assessment\"}"
wait_file "$hub/providers/carers-first/outcomes/sent/0001-contacted.json"
[ -e "$hub/providers/carers-first/outcomes/0001-contacted.json" ] && fail "the outcome file was not moved"

# A case worker: "supported", with the CLI and the organisation's key.
cli --key provider-carers-first outcome "$case_id" supported --support information_advice \
    --support carers_assessment --note "Booked assessment for Jane" >"$WORK/out" 2>&1 ||
    fail "carerhub outcome failed: $(cat "$WORK/out")"
grep -q "recorded: case $case_id is now supported" "$WORK/out" || fail "outcome said: $(cat "$WORK/out")"

cli --key gp feedback --json >"$WORK/fb" || fail "feedback failed"
assert_eq "$(jq -r '.[] | [.referral_id, .provider, .state, .code_on_gp_record] | join(" ")' "$WORK/fb")" \
    "$rid carers-first supported true" "the practice's feedback after support"
jq -e '.[0] | has("referral_date") and has("updated_at")' "$WORK/fb" >/dev/null || fail "feedback lacks dates: $(cat "$WORK/fb")"
grep -qi "assessment\|information_advice\|Jane\|Smith" "$WORK/fb" && fail "feedback holds the carer's details: $(cat "$WORK/fb")"
cli --key gp feedback >"$WORK/fbt" || fail "feedback (text) failed"
grep -q "$rid" "$WORK/fbt" || fail "the text feedback does not list $rid: $(cat "$WORK/fbt")"
grep -q "224484003" "$WORK/fbt" || fail "no reminder to code the carer on the GP record: $(cat "$WORK/fbt")"

# The practice's own status shows the timeline, without notes or support.
cli --key gp status "$rid" --json >"$WORK/st" || fail "status with the practice's key failed"
assert_eq "$(jq -r '[.timeline[].event] | join(" ")' "$WORK/st")" "contacted supported" "the timeline"
grep -qi "assessment\|Booked\|Spoke" "$WORK/st" && fail "the practice sees the charity's notes: $(cat "$WORK/st")"

# A hospital refers the same carer later: it joins her case, and the
# hospital reads nothing of what happened before its referral came, nor the
# case's contact-by target.
cat >"$WORK/discharge.yaml" <<DOC
---
hospital: {trust: RAJ, site: RAJ01, ward: "Ward 10"}
patient: {nhs_number: "9434765870", expected_discharge: $(date -d '+5 days' +%F)}
carer_consulted: true
referrer: {name: "K Wright, discharge nurse", phone: "01245 222222"}
carer: {given_name: Jane, family_name: Smith, date_of_birth: 1961-04-02, postcode: "CM2 0AA", phone: "07700 900111"}
cared_for: {relationship: mother, conditions: [dementia]}
consent: {share_with_support_service: true, given_by: carer, date: $(date +%F)}
DOC
cli submit discharge "$WORK/discharge.yaml" >"$WORK/hids" || fail "the discharge was not accepted"
hid=$(sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/hids")
wait_count 2 carers-first
cli --key hospital status "$hid" --json >"$WORK/hst" || fail "status with the hospital's key failed"
assert_eq "$(jq -r '[.case_id, (.timeline // [] | length), has("contact_by"), has("reason")] | join(" ")' "$WORK/hst")" \
    "$case_id 0 false false" "the hospital's view of the carer's case"

# Another practice sees nothing of it.
cli --key gp-other feedback --json >"$WORK/fb2" || fail "feedback of the other practice failed"
assert_eq "$(jq length "$WORK/fb2")" 0 "referrals another practice sees"
cli --key gp-other status "$rid" --json >"$WORK/st2" 2>&1
grep -q "$case_id\|carers-first\|supported" "$WORK/st2" && fail "another practice learns of the referral: $(cat "$WORK/st2")"

# Closed; then contacted again is refused, saying why.
cli --key provider-carers-first outcome "$case_id" closed --reason support_complete >/dev/null ||
    fail "closing failed"
cli --key provider-carers-first outcome "$case_id" contacted >"$WORK/out" 2>&1
assert_eq "$?" 65 "exit status of a step after closing"
grep -q "closed" "$WORK/out" || fail "the refusal does not say the case is closed: $(cat "$WORK/out")"
cli --key gp feedback --json >"$WORK/fb" || fail "feedback failed"
assert_eq "$(jq -r '.[0].state' "$WORK/fb")" closed "the practice's feedback after closing"

# Counted for the council; the notes are nowhere in logs or audit.
cli stats >"$WORK/stats" || fail "stats failed"
[ "$(awk '$1 == "supported" { print $2 }' "$WORK/stats")" = 1 ] || fail "carers supported not counted: $(grep support "$WORK/stats")"
audit_fetch
audit_has "select(.event == \"outcome\" and .case_id == \"$case_id\")" || fail "outcomes not audited"
grep -q "Spoke\|Booked\|assessment for" "$WORK/audit" "$hub"/logs/*.log && fail "a note reached the log or the audit trail"
hub_stop
