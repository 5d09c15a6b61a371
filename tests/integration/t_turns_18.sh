# A young carer's open case moves to the adult organisation of their area
# on their 18th birthday. The router checks at start-up (and hourly after):
# here it is started with its clock one day ahead (faketime), on the
# birthday of a carer referred at 17 the day before.
. "$(dirname "$0")/lib.sh"
faketime=$(dpkg -L libfaketime 2>/dev/null | grep "/libfaketime.so.1$" | head -n 1)
[ -f "$faketime" ] || fail "$faketime is missing: tools/deps install (package faketime)"
# The router alone, its clock a day ahead (libfaketime preloaded, so that
# the signal and the exit status are the router's own).
router_tomorrow() {
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$faketime \
        FAKETIME="+1d" "$bin/carerhub-router" -c "$hub/carerhub.yaml" 2>"$1" &
    router=$!
}
hub_config
hub_start
dob=$(date -d "$(date +%F) -18 years +1 day" +%F) # 18 tomorrow
cat >"$WORK/sam.yaml" <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: Sam, family_name: Young, date_of_birth: $dob, postcode: "CM2 0AA", phone: "07700 900111"}
cared_for: {relationship: mother}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
cli submit gp "$WORK/sam.yaml" >/dev/null || fail "not accepted"
wait_count 1 young-carers
first=$(files young-carers)
case_id=$(jq -r .case_id "$first")
assert_eq "$(jq -r '[.kind, .flags.young_carer, .flags.transition] | join(" ")' "$first")" \
    "new true true" "the young carer's case"

# The next day, the router starts: the case moves.
hub_stop router
router_tomorrow "$WORK/router.log"
wait_count 1 carers-first
wait_count 2 young-carers
kill -TERM $router
wait $router || fail "the router under faketime exited badly: $(tail -n 5 "$WORK/router.log")"
grep -q "moved to adult services" "$WORK/router.log" || fail "the router did not say it moved the case: $(tail -n 5 "$WORK/router.log")"
in=$(files carers-first)
out=$(files young-carers | tail -n 1)
assert_eq "$(jq -r '[.kind, .case_id, .transfer.from, .transfer.why, .flags.young_carer] | join(" ")' "$in")" \
    "transfer_in $case_id young-carers turned_18 false" "what Carers First receives"
assert_eq "$(jq -r '.referrals[0].carer.given_name' "$in")" Sam "the case's history"
assert_eq "$(jq -r '[.kind, .transfer.to, .transfer.why, has("carer")] | join(" ")' "$out")" \
    "transfer_out carers-first turned_18 false" "the notice to the Young Carers Service"

# Once only: a restart on the same day moves nothing more.
router_tomorrow "$WORK/router2.log"
sleep 2
kill -TERM $router
wait $router || fail "the router under faketime exited badly"
assert_eq "$(count carers-first) $(count young-carers)" "1 2" "case files after a second start"
hub_start router
hub_stop
