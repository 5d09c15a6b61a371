# A provider's key cannot freeze the router: an acknowledgement naming
# millions of deliveries (none of them in flight to it) is refused at once,
# and the router goes on answering operators and taking referrals.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start router gp-intake discharge-intake school-intake \
    $(cli config providers | grep -v '^afc$' | sed 's/^/provider-/')
keys=$hub/keys
"$bin/carerhub-testpeer" "ipc://$hub/run/router-delivery.ipc" --server-pub "$keys/router.pub" \
    --key "$keys/provider-afc.key" --wait 200 ack afc 3500000 >"$WORK/peer" ||
    fail "test peer: $(cat "$WORK/peer")"
grep -q '^sent 1$' "$WORK/peer" || fail "the flood was not sent: $(cat "$WORK/peer")"
# Right after it: the operator is answered, and a new card is delivered.
timeout 5 "$bin/carerhub" --config "$hub/carerhub.yaml" stats >"$WORK/stats" ||
    fail "the router did not answer an operator within 5 s of the flood"
id=$(timeout 5 "$bin/carerhub" --config "$hub/carerhub.yaml" submit gp \
    <(awk '/^---$/{d++} d==1' "$samples/gp.yaml") | awk '/^accepted/{print $2}')
[ -n "$id" ] || fail "the GP intake did not accept a card after the flood"
for i in $(seq 50); do
    delivered_ids | grep -qx "$id" && break
    sleep 0.1
done
delivered_ids | grep -qx "$id" || fail "$id was not delivered within 5 s of the flood"
audit_wait '.event == "refused-message" and .actor == "provider-afc" and
    (.detail | test("acknowledgement of more deliveries than the agent.s window"))'
echo "flood refused; $id delivered"
hub_stop
