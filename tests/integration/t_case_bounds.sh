# One submitter cannot make a case grow without bound, and no delivery can
# outgrow what an agent accepts. A practice refers the same carer 80 times
# with long fields: the first 50 (router.submitter_case_max) reach the
# case, the rest are parked for an operator with the reason; each delivery
# carries only the newest referrals (router.case_history) and says how many
# the case holds; and a card for another carer of the same organisation,
# sent after them, is delivered.
. "$(dirname "$0")/lib.sh"
hub_config
# The same card 80 times would be one referral and 79 resends of it; a
# submitter that changes a field each time makes 80. Here the intake's
# recognition of resends is off, so that 80 sends of one card are 80.
echo "referrals: {resend_window_days: 0}" >>"$hub/carerhub.yaml"
hub_start
keys=$hub/keys
long=$(printf 'Flat %.0s' $(seq 55))
awk '/^---$/{d++} d==1' "$samples/gp.yaml" |
    sed "s|^  address: .*|  address: \"$long\"|" >"$WORK/same.yaml"
grep -q "address: \"Flat Flat" "$WORK/same.yaml" || fail "test card not made"
"$bin/carerhub-testpeer" "ipc://$hub/run/gp-intake.ipc" --server-pub "$keys/gp-intake.pub" \
    --key "$keys/gp.key" --wait 3000 --repeat 80 submit gp "$WORK/same.yaml" >"$WORK/peer"
assert_eq "$(grep -c '^reply submit_reply ACCEPTED' "$WORK/peer")" 80 "referrals accepted"
grep '^reply submit_reply ACCEPTED' "$WORK/peer" | awk '{print $4}' >"$WORK/ids"
provider=$(cli route "$(awk '/postcode:/{print $2, $3; exit}' "$WORK/same.yaml")" --json |
    jq -r .provider)
wait_count 50 "$provider" 60
sleep 1
assert_eq "$(count "$provider")" 50 "deliveries of the one carer's case"
assert_eq "$(jq -s 'map(.referrals_total) | max' $(files "$provider"))" 50 \
    "referrals_total of the latest delivery"
assert_eq "$(jq -s 'map(.referrals | length) | max' $(files "$provider"))" 20 \
    "most referrals carried by one delivery"
id51=$(sed -n 51p "$WORK/ids")
cli status "$id51" >"$WORK/status" 2>&1
grep -q "already holds 50 referrals from gp" "$WORK/status" ||
    fail "the 51st referral is not shown parked with its reason: $(cat "$WORK/status")"
grep -q "alert: gp referred the carer of case" "$hub/logs/router.log" ||
    fail "no alert in the router log"

# What queues behind them moves on.
awk '/^---$/{d++} d==1' "$samples/gp.yaml" |
    sed 's/^  family_name: .*/  family_name: Other/; /nhs_number/d' >"$WORK/other.yaml"
other=$(cli submit gp "$WORK/other.yaml" | awk '/^accepted/{print $2}')
wait_count 51 "$provider"
delivered_ids | grep -qx "$other" || fail "$other was not delivered"
echo "50 of 80 in the case, 30 parked, $other delivered"
hub_stop
