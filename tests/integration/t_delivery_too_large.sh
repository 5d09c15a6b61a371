# A delivery larger than router.delivery_max_bytes is never sent: it is
# parked for an operator with the reason and an alert, and the cases queued
# behind it for the same organisation are delivered. Here the limit is the
# least allowed (1 KiB): a carer's first card goes through, the second card
# for the same carer makes a delivery carrying both, too large, and a card
# for another carer sent after it arrives.
. "$(dirname "$0")/lib.sh"
hub_config
sed -i 's/^  agent_timeout_ms: 3000$/  agent_timeout_ms: 3000\n  delivery_max_bytes: 1024/' "$hub/carerhub.yaml"
grep -q '^  delivery_max_bytes: 1024$' "$hub/carerhub.yaml" || fail "configuration not made"
hub_start
long=$(printf 'Flat %.0s' $(seq 12))
card() { awk '/^---$/{d++} d==1' "$samples/gp.yaml" | sed "s|^  address: .*|  address: \"$long\"|"; }
card >"$WORK/first.yaml"
card | sed 's/^  name: "A Patel"/  name: "B Jones"/' >"$WORK/second.yaml"
card | sed 's/^  family_name: .*/  family_name: Other/; /nhs_number/d' >"$WORK/other.yaml"
provider=$(cli route "$(awk '/postcode:/{print $2, $3; exit}' "$WORK/first.yaml")" --json | jq -r .provider)
a=$(cli submit gp "$WORK/first.yaml" | awk '/^accepted/{print $2}')
wait_count 1 "$provider"
b=$(cli submit gp "$WORK/second.yaml" | awk '/^accepted/{print $2}')
c=$(cli submit gp "$WORK/other.yaml" | awk '/^accepted/{print $2}')
[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] || fail "cards not accepted: $a $b $c"
wait_count 2 "$provider"
delivered_ids >"$WORK/ids"
grep -qx "$c" "$WORK/ids" || fail "$c, queued behind the large delivery, was not delivered"
grep -qx "$b" "$WORK/ids" && fail "$b was delivered, though larger than the limit"
cli status "$b" >"$WORK/status" 2>&1
grep -q "held back for an operator: the delivery of case .* to $provider is larger than router.delivery_max_bytes (1024 bytes)" \
    "$WORK/status" || fail "status of the parked delivery: $(cat "$WORK/status")"
grep -q "alert: the delivery of case" "$hub/logs/router.log" || fail "no alert in the router log"
sleep 1
assert_eq "$(count "$provider")" 2 "case files of $provider"
echo "$b parked; $c delivered behind it"
hub_stop
