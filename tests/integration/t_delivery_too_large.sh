# No delivery is larger than router.delivery_max_bytes. A case that has
# grown carries fewer of its referrals, the newest, with referrals_total
# saying how many it holds; one that is too large even with its newest
# referral alone is never sent: it is parked for an operator with the reason
# and an alert, and the cases queued behind it for the same organisation are
# delivered. Here the limit is the least allowed (1 KiB).
. "$(dirname "$0")/lib.sh"
hub_config
sed -i 's/^  agent_timeout_ms: 3000$/  agent_timeout_ms: 3000\n  delivery_max_bytes: 1024/' "$hub/carerhub.yaml"
grep -q '^  delivery_max_bytes: 1024$' "$hub/carerhub.yaml" || fail "configuration not made"
hub_start
card() { # card ADDRESS-REPEATS
    awk '/^---$/{d++} d==1' "$samples/gp.yaml" |
        sed "s|^  address: .*|  address: \"$(printf 'Flat %.0s' $(seq "$1"))\"|"
}
card 12 >"$WORK/first.yaml"
card 12 | sed 's/^  name: "A Patel"/  name: "B Jones"/' >"$WORK/second.yaml"
card 59 | sed 's/^  family_name: .*/  family_name: Large/; /nhs_number/d' >"$WORK/large.yaml"
card 12 | sed 's/^  family_name: .*/  family_name: Other/; /nhs_number/d' >"$WORK/other.yaml"
provider=$(cli route "$(awk '/postcode:/{print $2, $3; exit}' "$WORK/first.yaml")" --json | jq -r .provider)
a=$(cli submit gp "$WORK/first.yaml" | awk '/^accepted/{print $2}')
wait_count 1 "$provider"
b=$(cli submit gp "$WORK/second.yaml" | awk '/^accepted/{print $2}')
wait_count 2 "$provider"
second=$(grep -l "\"referral_id\":\"$b\"" $(files "$provider"))
assert_eq "$(jq -r '[.kind, .referrals_total, (.referrals | length), .referrals[0].id] | join(" ")' "$second")" \
    "update 2 1 $b" "the update, too large with both referrals"
l=$(cli submit gp "$WORK/large.yaml" | awk '/^accepted/{print $2}')
c=$(cli submit gp "$WORK/other.yaml" | awk '/^accepted/{print $2}')
[ -n "$a" ] && [ -n "$b" ] && [ -n "$l" ] && [ -n "$c" ] || fail "cards not accepted: $a $b $l $c"
wait_count 3 "$provider"
delivered_ids >"$WORK/ids"
grep -qx "$c" "$WORK/ids" || fail "$c, queued behind the large delivery, was not delivered"
grep -qx "$l" "$WORK/ids" && fail "$l was delivered, though larger than the limit"
cli status "$l" >"$WORK/status" 2>&1
grep -q "held back for an operator: the delivery of case .* to $provider is larger than router.delivery_max_bytes (1024 bytes)" \
    "$WORK/status" || fail "status of the parked delivery: $(cat "$WORK/status")"
grep -q "alert: the delivery of case" "$hub/logs/router.log" || fail "no alert in the router log"
sleep 1
assert_eq "$(count "$provider")" 3 "case files of $provider"
echo "$b delivered with its case's newest referral alone; $l parked; $c delivered behind it"
hub_stop
