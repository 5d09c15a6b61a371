# The short fault campaign (make faults runs the full one): ten SIGKILLs of
# random daemons under load from all three sources, the router stopped for
# a whole load, a provider agent offline for a whole load, a written batch
# sent again after the router lost its acknowledgements; every accepted
# referral delivered exactly once, each carer in one case, no daemon dead
# unasked.
. "$(dirname "$0")/lib.sh"
FAULT_DIR=$WORK FAULT_KILLS=${FAULT_KILLS:-10} FAULT_BATCH=10 FAULT_LOAD=2 \
    "$top/tests/faults/run" "$bin" || fail "the fault campaign failed"
