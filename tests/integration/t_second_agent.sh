# A second agent for an organisation whose agent is connected is refused
# with a reason the operator can act on (logged and audited), says so and
# exits 77; the first agent keeps receiving, and no reconnecting back and
# forth. An agent restarted after its predecessor died takes over at once.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
log=$hub/logs/router.log
connected() { grep -c "agent for carers-first connected" "$log"; }
before=$(connected)

# The same provider's key, its own spool: only the router can tell.
timeout 20 "$bin/carerhub-provider" -c "$hub/carerhub.yaml" --provider carers-first \
    --out "$WORK/second" >"$WORK/second.out" 2>"$WORK/second.err"
rc=$?
assert_eq "$rc" 77 "exit status of the second agent (stderr: $(cat "$WORK/second.err"))"
grep -q "the router refused this agent: an agent for carers-first is connected already from process [0-9]* on this machine" \
    "$WORK/second.err" || fail "the second agent did not say why it stopped: $(cat "$WORK/second.err")"
first=$(cat "$hub/run/provider-carers-first.pid")
grep -q "an agent for carers-first is connected already from process $first on this machine" "$log" ||
    fail "the router's log does not name the connected agent (pid $first): $(grep -i refused "$log" | tail -3)"
audit_wait '.event == "refused-connection" and (.detail | test("an agent for carers-first is connected already"))'

# The first agent still serves Carers First, and was never displaced.
sleep 1
cli submit gp "$samples/gp.yaml" >/dev/null || fail "samples not accepted"
wait_count 1 carers-first
assert_eq "$(connected)" "$before" "connections of carers-first's agent"
got=$(find "$WORK/second" \( -path '*/.carerhub' -o -path '*/outcomes' \) -prune -o -name '*.json' -print)
[ -z "$got" ] || fail "the second agent received case files: $got"

# A crashed agent's successor is not taken for a second agent.
hub_kill provider-carers-first
timeout 5 "$bin/carerhub-provider" -c "$hub/carerhub.yaml" --provider carers-first \
    --out "$WORK/successor" >/dev/null 2>"$WORK/successor.err" &
succ=$!
for ((i = 0; i < 50; i++)); do
    [ "$(connected)" -gt "$before" ] && break
    sleep 0.1
done
[ "$(connected)" -gt "$before" ] || fail "the successor agent did not connect: $(cat "$WORK/successor.err")"
kill "$succ" 2>/dev/null
wait "$succ" 2>/dev/null
hub_stop
