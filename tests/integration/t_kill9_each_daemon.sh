# Every kind of daemon killed with SIGKILL while referrals stream in, then
# restarted: every accepted referral is delivered, exactly one file each.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
victims=(router gp-intake provider-carers-first router provider-ecs gp-intake router
    provider-afc provider-ews-triage router gp-intake provider-out-of-area)

# The stream: chunk after chunk until told to stop.
producer() {
    local k=0
    while [ ! -e "$WORK/stop" ]; do
        gen 100 "S${k}x" >"$WORK/chunk$k.yaml"
        cli submit --timeout 60 gp "$WORK/chunk$k.yaml" >"$WORK/out$k" 2>"$WORK/err$k" ||
            echo "$k" >>"$WORK/failed"
        k=$((k + 1))
    done
}
producer &
producer_pid=$!
sleep 0.5
for v in "${victims[@]}"; do
    sleep "0.$((RANDOM % 5 + 1))"
    note "kill -9 $v"
    hub_kill "$v"
    sleep 0.2
    hub_start "$v"
done
touch "$WORK/stop"
wait $producer_pid
[ -e "$WORK/failed" ] && fail "submissions failed: $(for k in $(cat "$WORK/failed"); do cat "$WORK/err$k"; done | head)"
cat "$WORK"/out* | sed -n 's/^accepted //p' | sort >"$WORK/accepted"
n=$(wc -l <"$WORK/accepted")
note "$n referrals accepted in $(ls "$WORK"/out* | wc -l) submissions"
[ "$n" -ge 500 ] || fail "only $n referrals accepted: the stream was too short to test anything"
assert_eq "$(uniq -d "$WORK/accepted" | wc -l)" 0 "ids given twice"
wait_count "$n" "" 120
sleep 1 # anything extra would show now
delivered_ids >"$WORK/delivered"
assert_eq "$(uniq -d "$WORK/delivered" | wc -l)" 0 "referrals delivered twice"
diff "$WORK/accepted" "$WORK/delivered" >/dev/null ||
    fail "delivered differs from accepted: $(diff "$WORK/accepted" "$WORK/delivered" | head)"
assert_eq "$(find "$hub/providers" -name '*.tmp' | wc -l)" 0 "temporary files left"
# What the kills interrupted (for the record; it varies from run to run).
note "recovery seen in the logs:"
grep -h "recovering\|recovered\|already held\|redelivery(ies) recognised\|not acknowledged" \
    "$hub"/logs/*.log | grep -v " 0 redelivery\| 0 resent" | sed 's/^[^ ]* /   /' | head -20
hub_stop
