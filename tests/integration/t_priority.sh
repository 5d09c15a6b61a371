# A priority GP referral (config/samples/gp.yaml's third card: 50 or more
# hours a week of care, and "no" to going on caring) through the real
# daemons: its organisation's case file says flags.priority true with the
# reason, its contact-by target is routing.yaml's priority_contact_by_days
# (2) from today, not a GP card's 10, and the referral carries what it said
# of the caring. The first card (two people cared for, equality answers
# with consent) is not priority and keeps 10 days; its case file has the
# consent but not the equality answers, which only the report counts. Three days on (the
# router's clock set ahead with faketime), `carerhub alerts` names the
# priority case as an overdue priority, with no personal data, and not the
# other.
. "$(dirname "$0")/lib.sh"
faketime=$(dpkg -L libfaketime 2>/dev/null | grep "/libfaketime.so.1$" | head -n 1)
[ -f "$faketime" ] || fail "$faketime is missing: tools/deps install (package faketime)"
reason="cares 50 or more hours a week and does not feel able to go on caring"
hub_config
hub_start

awk '/^---$/{d++} d==3' "$samples/gp.yaml" >"$WORK/priority.yaml"
awk '/^---$/{d++} d==1' "$samples/gp.yaml" >"$WORK/plain.yaml"
cli submit gp "$WORK/priority.yaml" >"$WORK/s1" || fail "the priority card: $(cat "$WORK/s1")"
cli submit gp "$WORK/plain.yaml" >"$WORK/s2" || fail "the first card: $(cat "$WORK/s2")"
wait_count 1 ecs
wait_count 1 carers-first
f=$(files ecs)
g=$(files carers-first)
case_id=$(jq -r .case_id "$f")
note "the priority case $case_id at Essex Carers Support"
assert_eq "$(jq -r .flags.priority "$f")" true "flags.priority"
assert_eq "$(jq -r .flags.priority_reason "$f")" "$reason" "flags.priority_reason"
assert_eq "$(jq -r .flags.contact_by "$f")" "$(date -u -d '+2 days' +%F)" "contact by (priority: 2 days)"
assert_eq "$(jq -r '.referrals[0].caring | "\(.hours_per_week) \(.years) \(.lives_with) \(.able_to_continue)"' "$f")" \
    "50_or_more 8 true no" "the referral's caring"
assert_eq "$(jq -r '.referrals[0].impact.work, .referrals[0].requests.carers_assessment' "$f" | paste -sd' ')" \
    "given_up true" "the referral's impact and requests"

note "the first card's case: not priority"
assert_eq "$(jq -r .flags.priority "$g")" false "flags.priority of the first card"
assert_eq "$(jq -r '.flags | has("priority_reason")' "$g")" false "no priority_reason"
assert_eq "$(jq -r .flags.contact_by "$g")" "$(date -u -d '+10 days' +%F)" "contact by (gp: 10 days)"
assert_eq "$(jq -r '[.referrals[0].cared_for.relationship, .referrals[0].more_cared_for[0].relationship] | join(" ")' "$g")" \
    "mother father" "the two people cared for"
# Its equality answers stay at the hub: the consent travels, the answers
# do not, and the report counts them.
assert_eq "$(jq -r '.referrals[0].consent.equality_monitoring, (.referrals[0] | has("equality"))' "$g" | paste -sd' ')" \
    "true false" "the consent to equality monitoring without the answers"
grep -q '65_to_74\|"sex"' "$f" "$g" && fail "a case file holds equality answers: $(grep -l 65_to_74 "$f" "$g")"
add_key commissioner commissioner null
cli --key commissioner report --json >"$WORK/report.json" || fail "report: $(cat "$WORK/report.json")"
assert_eq "$(jq -r '.equality.consented, (.equality.by_age_band[] | select(.key == "65_to_74") | .referrals)' "$WORK/report.json" | paste -sd' ')" \
    "1 1" "the report counts the equality answers"
cli alerts >"$WORK/a0" 2>&1 || fail "alerts before the target: exit $?: $(cat "$WORK/a0")"

# Three days later: past the priority case's target, not the other's.
hub_stop router
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$faketime \
    FAKETIME="+3d" "$bin/carerhub-router" -c "$hub/carerhub.yaml" 2>"$WORK/router.log" &
router=$!
for i in $(seq 50); do
    cli stats >/dev/null 2>&1 && break
    sleep 0.1
done
cli alerts >"$WORK/a1" 2>&1
assert_eq "$?" 1 "exit status of alerts with a priority contact overdue"
grep -q "overdue contact: case $case_id with .*: priority ($reason): no contact recorded" "$WORK/a1" ||
    fail "alerts did not name the priority case as priority: $(cat "$WORK/a1")"
assert_eq "$(grep -c 'overdue contact' "$WORK/a1")" 1 "overdue cases (only the priority one)"
grep -q "Priya\|Shah\|CO1" "$WORK/a1" && fail "alerts show personal data: $(cat "$WORK/a1")"
grep -q "Priya\|Shah\|CO1 1AA" "$WORK/router.log" "$hub/logs/"* 2>/dev/null &&
    fail "a log names the carer: $(grep -l "Priya\|Shah" "$WORK/router.log" "$hub/logs/"*)"
kill -TERM $router
wait $router || fail "the router under faketime exited badly: $(tail -n 5 "$WORK/router.log")"
hub_start router
hub_stop
