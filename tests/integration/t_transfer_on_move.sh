# A carer who moves takes their case with them: the organisation of the new
# address receives the whole case (transfer_in, with its history and why),
# the old one a notice that it has gone and to whom, with nothing of the
# carer in it, and nothing about the carer ever after.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
card() { # card POSTCODE ADDRESS [NHS]
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: Jane, family_name: Smith, date_of_birth: 1961-04-02, postcode: "$1", address: "$2", phone: "07700 900111"${3:+, nhs_number: "$3"}}
cared_for: {relationship: mother}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
}
[ "$(cli route "CM2 0AA" --json | jq -r .provider)" = carers-first ] || fail "CM2 0AA is not Carers First's"
[ "$(cli route "CO4 5AB" --json | jq -r .provider)" = ecs ] || fail "CO4 5AB is not Essex Carers Support's"

card "CM2 0AA" "1 High Street, Chelmsford" 9434765919 >"$WORK/1.yaml"
cli submit gp "$WORK/1.yaml" >/dev/null || fail "not accepted"
wait_count 1 carers-first
case_id=$(jq -r .case_id "$(files carers-first)")

# She moves to Colchester: her next referral (without the NHS number this
# time: names, birthday and phone still make her) moves the case.
card "CO4 5AB" "2 New Street, Colchester" >"$WORK/2.yaml"
cli submit gp "$WORK/2.yaml" >"$WORK/ids2" || fail "not accepted"
wait_count 1 ecs
wait_count 2 carers-first
in=$(files ecs)
out=$(files carers-first | tail -n 1)
assert_eq "$(jq -r '[.kind, .case_id, .version, .transfer.from, .transfer.why, (.referrals | length), .referrals_total] | join(" ")' "$in")" \
    "transfer_in $case_id 2 carers-first moved 2 2" "what Essex Carers Support receives"
assert_eq "$(jq -r '[.carer.postcode, .carer.address, .carer.nhs_number] | join("|")' "$in")" \
    "CO4 5AB|2 New Street, Colchester|9434765919" "the carer as now known"
jq -r .routing.reason "$in" | grep -q "came from Carers First" ||
    fail "the routing does not explain the move: $(jq -r .routing.reason "$in")"
assert_eq "$(jq -r '[.kind, .case_id, .version, .transfer.to, .transfer.to_name, .transfer.why] | join("|")' "$out")" \
    "transfer_out|$case_id|2|ecs|Essex Carers Support|moved" "the notice to Carers First"
assert_eq "$(jq -r '[has("carer"), has("referrals"), has("cared_for"), has("consent")] | join(" ")' "$out")" \
    "false false false false" "personal data in the notice"
grep -q "Colchester\|CO4\|New Street" "$out" && fail "the notice tells Carers First where she lives now: $(cat "$out")"
audit_wait "select(.event == \"transferred\" and .case_id == \"$case_id\" and .provider == \"ecs\")"
audit_has "select(.event == \"transferred\") | .detail | test(\"Smith|Colchester|CO4\")" &&
    fail "the audit trail holds personal data"
cli status "$(grep -o 'GP-[A-Z0-9]*-[0-9]*' "$WORK/ids2" | head -n 1)" --json >"$WORK/st" || fail "status failed"
assert_eq "$(jq -r .provider "$WORK/st")" ecs "the status names where the case is"

# A hospital then refers her from Colchester: an update at Essex Carers
# Support; Carers First never hears of her again.
card "CO4 5AB" "2 New Street, Colchester" 9434765919 >"$WORK/3.yaml"
cli submit gp "$WORK/3.yaml" >/dev/null || fail "not accepted"
wait_count 2 ecs
assert_eq "$(jq -r '[.kind, .version] | join(" ")' "$(files ecs | tail -n 1)")" "update 3" "the next delivery"
sleep 1
assert_eq "$(count carers-first)" 2 "case files at Carers First"
# ls order is import order: new, then the notice.
assert_eq "$(ls "$hub/providers/carers-first" | xargs -I{} jq -r .kind "$hub/providers/carers-first/{}" | tr '\n' ' ')" \
    "new transfer_out " "Carers First's files in ls order"
assert_eq "$(ls "$hub/providers/ecs" | xargs -I{} jq -r .kind "$hub/providers/ecs/{}" | tr '\n' ' ')" \
    "transfer_in update " "Essex Carers Support's files in ls order"
hub_stop
