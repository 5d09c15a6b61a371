# An organisation that finds a case is not theirs passes it back: to the
# organisation it names (transfer_in there, with its reason; transfer_out
# to itself, with nothing of the carer), or, naming none, to triage. The
# Essex Wellbeing Service (triage) assigns it to any organisation; no one
# else may. The referrer's status follows the case.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
gen 1 Passed | sed 's/postcode: .*/postcode: CM2 0AA/' >"$WORK/card.yaml"
cli submit gp "$WORK/card.yaml" >"$WORK/ids" || fail "not accepted"
rid=$(sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/ids")
wait_count 1 carers-first
case_id=$(jq -r .case_id "$(files carers-first)")
outcome() { cli --key "provider-$1" outcome "$case_id" "${@:2}"; }

outcome carers-first not_ours --to ecs --reason "she cares for her father in Colchester" >"$WORK/o" 2>&1 ||
    fail "not_ours failed: $(cat "$WORK/o")"
wait_count 1 ecs
wait_count 2 carers-first
in=$(files ecs)
assert_eq "$(jq -r '[.kind, .case_id, .transfer.from, .transfer.why, .transfer.reason] | join("|")' "$in")" \
    "transfer_in|$case_id|carers-first|not_ours|she cares for her father in Colchester" "what Essex Carers Support receives"
assert_eq "$(jq -r '.carer.family_name' "$in")" Passed1 "the case carries the carer"
out=$(files carers-first | tail -n 1)
assert_eq "$(jq -r '[.kind, .transfer.to, has("carer"), has("referrals")] | join(" ")' "$out")" \
    "transfer_out ecs false false" "the notice to Carers First"

# Carers First no longer holds it: its outcomes are refused.
outcome carers-first contacted >"$WORK/o" 2>&1
assert_eq "$?" 65 "exit status of an outcome on a case passed on"

# Essex Carers Support passes it back naming no one: triage.
outcome ecs not_ours --reason "not in our area either" >/dev/null || fail "not_ours to triage failed"
wait_count 1 ews-triage
assert_eq "$(jq -r '[.kind, .transfer.from, .transfer.why] | join(" ")' "$(files ews-triage)")" \
    "transfer_in ecs not_ours" "what triage receives"

# Only triage assigns.
outcome afc assign --to afc >"$WORK/o" 2>&1
assert_eq "$?" 65 "exit status of assign by a key that is not triage's"
outcome ews-triage assign --to afc >"$WORK/o" 2>&1 || fail "assign by triage failed: $(cat "$WORK/o")"
wait_count 1 afc
assert_eq "$(jq -r '[.kind, .transfer.from, .transfer.why] | join(" ")' "$(files afc)")" \
    "transfer_in ews-triage assigned" "what Action for Family Carers receives"
cli --key gp status "$rid" --json >"$WORK/st" || fail "status failed"
assert_eq "$(jq -r .provider "$WORK/st")" afc "where the referrer's status says the case is"
assert_eq "$(jq -r '[.timeline[].event] | join(" ")' "$WORK/st")" \
    "not_ours transferred not_ours transferred assign transferred" "the timeline"
grep -q "Colchester\|father" "$WORK/st" && fail "the referrer reads the organisations' words: $(cat "$WORK/st")"
hub_stop
