# The fault campaign can fail: against a provider agent built with its
# ledger's redelivery check planted out (bin/planted/carerhub-provider,
# -DCARERHUB_PLANT_NO_LEDGER_CHECK), the lost-acks phase must fail because
# referrals the router sent again were written again over their own case
# files, which leaves nothing to see in the spool afterwards.
. "$(dirname "$0")/lib.sh"
[ -x "$bin/planted/carerhub-provider" ] || fail "no $bin/planted/carerhub-provider: make builds it"
mkdir -p "$WORK/bin"
for p in "$bin"/*; do [ -f "$p" ] && ln -s "$p" "$WORK/bin/"; done
rm "$WORK/bin/carerhub-provider"
ln -s "$bin/planted/carerhub-provider" "$WORK/bin/carerhub-provider"
FAULT_DIR=$WORK/faults FAULT_BATCH=10 "$top/tests/faults/run" "$WORK/bin" lost-acks >"$WORK/out" 2>&1 &&
    fail "the campaign passed an agent that writes redeliveries again: $(cat "$WORK/out")"
cat "$WORK/out"
grep -q "faults: FAIL: lost-acks: [1-9][0-9]* referral(s) written twice ([1-9][0-9]* over their own file)" "$WORK/out" ||
    fail "the campaign failed, but not for the referrals written twice"
# Leave the planted agent's hub stopped: its own exits were all asked for.
"$top/deploy/local-hub" exits "$WORK/faults/hub" || fail "a daemon exited unasked"
