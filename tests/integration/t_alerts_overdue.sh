# A discharge referral's contact-by target is two days (routing.yaml
# contact_by_days). Three days on (the router's clock set ahead with
# faketime) with no contact recorded, `carerhub alerts` names the case and
# exits 1, and `carerhub stats` counts it overdue; once the organisation
# records contact, nothing needs a person and alerts exits 0.
. "$(dirname "$0")/lib.sh"
faketime=$(dpkg -L libfaketime 2>/dev/null | grep "/libfaketime.so.1$" | head -n 1)
[ -f "$faketime" ] || fail "$faketime is missing: tools/deps install (package faketime)"
hub_config
hub_start
cli alerts >"$WORK/a0" 2>&1 || fail "alerts on a new hub: exit $?: $(cat "$WORK/a0")"

cat >"$WORK/discharge.yaml" <<DOC
---
hospital: {trust: RAJ, site: RAJ01, ward: "Ward 10"}
patient: {nhs_number: "9434765870", expected_discharge: $(date -d tomorrow +%F)}
carer_consulted: true
referrer: {name: "K Wright, discharge nurse", phone: "01245 222222"}
carer: {given_name: Ann, family_name: Overdue, date_of_birth: 1950-03-03, postcode: "CM2 0AA", phone: "07700 900555"}
cared_for: {relationship: husband, conditions: [frailty]}
consent: {share_with_support_service: true, given_by: carer, date: $(date +%F)}
DOC
cli submit discharge "$WORK/discharge.yaml" >/dev/null || fail "not accepted"
wait_count 1 carers-first
f=$(files carers-first)
case_id=$(jq -r .case_id "$f")
assert_eq "$(jq -r '.flags.urgent' "$f")" true "the discharge is urgent"
cli alerts >"$WORK/a1" 2>&1 || fail "alerts before the target: exit $?: $(cat "$WORK/a1")"

# Three days later.
hub_stop router
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$faketime \
    FAKETIME="+3d" "$bin/carerhub-router" -c "$hub/carerhub.yaml" 2>"$WORK/router.log" &
router=$!
for i in $(seq 50); do
    cli stats >/dev/null 2>&1 && break
    sleep 0.1
done
cli alerts >"$WORK/a2" 2>&1
assert_eq "$?" 1 "exit status of alerts with a contact overdue"
grep -q "overdue contact: case $case_id" "$WORK/a2" || fail "alerts did not name the case: $(cat "$WORK/a2")"
grep -q "Ann\|Overdue\|CM2" "$WORK/a2" && fail "alerts show personal data: $(cat "$WORK/a2")"
cli stats >"$WORK/stats" || fail "stats failed"
[ "$(awk '$1 == "overdue_contacts" { print $2 }' "$WORK/stats")" = 1 ] || fail "stats do not count it: $(grep overdue "$WORK/stats")"

cli --key provider-carers-first outcome "$case_id" contacted >/dev/null || fail "recording contact failed"
cli alerts >"$WORK/a3" 2>&1 || fail "alerts after contact: exit $?: $(cat "$WORK/a3")"
kill -TERM $router
wait $router || fail "the router under faketime exited badly: $(tail -n 5 "$WORK/router.log")"
hub_start router
hub_stop
