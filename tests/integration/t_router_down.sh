# With the router down, the intakes still accept (and say where a referral
# waits); once it starts, everything is delivered.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start gp-intake discharge-intake school-intake $(cli config providers | sed 's/^/provider-/')
gen 40 Down >"$WORK/cards.yaml"
cli submit gp "$WORK/cards.yaml" >"$WORK/out" || fail "intake did not accept with the router down"
assert_eq "$(grep -c '^accepted ' "$WORK/out")" 40 "accepted"
id=$(sed -n '1s/accepted //p' "$WORK/out")
cli status --timeout 2 "$id" >"$WORK/status" 2>/dev/null || fail "no status while the router is down"
grep -q "waiting at the gp-intake for the router" "$WORK/status" || fail "status: $(cat "$WORK/status")"
sleep 2
assert_eq "$(count)" 0 "files delivered without a router"
hub_start router
wait_count 40 "" 30
assert_eq "$(delivered_ids | uniq -d | wc -l)" 0 "duplicate deliveries"
assert_eq "$(delivered_ids | tr '\n' ' ')" "$(sed 's/accepted //' "$WORK/out" | sort | tr '\n' ' ')" "delivered ids"
cli status "$id" | grep -q "delivered to" || fail "status after delivery"
hub_stop
