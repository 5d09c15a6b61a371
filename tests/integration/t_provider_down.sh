# With a provider's agent down, its cases wait at the router (routed, not
# delivered); when the agent connects, they are delivered.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start router gp-intake discharge-intake school-intake \
    $(cli config providers | grep -v '^carers-first$' | sed 's/^/provider-/')
{ gen 20 Wait; } >"$WORK/cards.yaml"
cli submit gp "$WORK/cards.yaml" >"$WORK/out" || fail "not accepted"
# gen puts every 10th card in each of ten districts: CM2 and SS14 go to
# Carers First, 4 of the 20.
wait_count 16 "" 30
id=$(sed -n '5s/accepted //p' "$WORK/out") # card 5: SS14, Carers First
cli status "$id" | grep -q "routed to Carers First (carers-first), waiting for its agent" ||
    fail "status of a waiting case: $(cli status "$id")"
assert_eq "$(count carers-first)" 0 "files for the stopped agent"
hub_start provider-carers-first
wait_count 4 carers-first 30
wait_count 20 "" 5
cli status "$id" | grep -q "delivered to Carers First" || fail "status after the agent came"
assert_eq "$(delivered_ids | uniq -d | wc -l)" 0 "duplicate deliveries"
hub_stop
