# The demo (make demo) runs through, and every endpoint it prints is one a
# user can copy: an ipc:// address whole, the demo's own directory in it
# (it printed ipc://run/gp-intake.ipc, its directory stripped).
. "$(dirname "$0")/lib.sh"
demo=$WORK/demo
DEMO_DIR=$demo "$top/deploy/demo" >"$WORK/out" 2>&1 || fail "the demo failed: $(tail -n 20 "$WORK/out")"
grep -q '^demo: done' "$WORK/out" || fail "the demo did not finish: $(tail -n 5 "$WORK/out")"
grep -o 'ipc://[^ ]*' "$WORK/out" >"$WORK/endpoints" || fail "the demo printed no endpoint"
while read -r ep; do
    [[ $ep == "ipc://$demo/run/"*.ipc ]] || fail "the demo printed an endpoint that is not its own, whole: $ep"
done <"$WORK/endpoints"
grep -qF "the gp intake at ipc://$demo/run/gp-intake.ipc refused this client's key" "$WORK/out" ||
    fail "the stranger's refusal does not name the intake's endpoint: $(grep -F 'refused' "$WORK/out")"
