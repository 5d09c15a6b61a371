# The fault campaign can fail on outcomes too: against a router built
# without its check of the outcome ids it has recorded
# (bin/planted/carerhub-router, -DCARERHUB_PLANT_NO_OUTCOME_ID_CHECK), the
# lost-outcome-acks phase must fail because the outcomes an agent sent again
# after it lost the router's answers were recorded a second time.
. "$(dirname "$0")/lib.sh"
[ -x "$bin/planted/carerhub-router" ] || fail "no $bin/planted/carerhub-router: make builds it"
mkdir -p "$WORK/bin"
for p in "$bin"/*; do [ -f "$p" ] && ln -s "$p" "$WORK/bin/"; done
rm "$WORK/bin/carerhub-router"
ln -s "$bin/planted/carerhub-router" "$WORK/bin/carerhub-router"
FAULT_DIR=$WORK/faults FAULT_BATCH=10 "$top/tests/faults/run" "$WORK/bin" lost-outcome-acks >"$WORK/out" 2>&1 &&
    fail "the campaign passed a router that records an outcome sent again: $(cat "$WORK/out")"
cat "$WORK/out"
grep -q "faults: FAIL: lost-outcome-acks: the router recorded [0-9]* outcome(s) for [0-9]* outcome file(s) sent" "$WORK/out" ||
    fail "the campaign failed, but not for the outcomes recorded twice"
"$top/deploy/local-hub" exits "$WORK/faults/hub" || fail "a daemon exited unasked"
