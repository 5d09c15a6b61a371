# The operator's view of what waits, with the real daemons: a practice
# refers one carer three times over router.submitter_case_max (2), and the
# third is parked. `carerhub parked` lists it with the reason and without
# the carer; rejected with a reason, its practice reads "rejected" and the
# reason. Another parked is released while the bound stands (the operator's
# release is the decision that it goes in) and reaches the carer's
# organisation as an update; the practice's next still waits. Two carers
# given one NHS number (t_identity.sh) are both named by
# `carerhub alerts`; joined, the newer case closes into the older at its
# organisation and the older arrives whole where the carer now lives.
# `carerhub queues` shows each organisation's queue and agent. A
# provider's key asking any of these is refused (77).
. "$(dirname "$0")/lib.sh"
hub_config
echo "referrals: {resend_window_days: 0}" >>"$hub/carerhub.yaml"
sed -i 's/^router:$/router:\n  submitter_case_max: 2/' "$hub/carerhub.yaml"
hub_start
grep -q "submitter_case_max: 2" "$hub/carerhub.yaml" || fail "the bound is not configured"
awk '/^---$/{d++} d==1' "$samples/gp.yaml" >"$WORK/jane.yaml"
for i in 1 2 3; do
    cli submit gp "$WORK/jane.yaml" | awk '/^accepted/{print $2}' >>"$WORK/ids" || fail "not accepted"
done
third=$(sed -n 3p "$WORK/ids")
wait_count 2 carers-first
for i in $(seq 50); do
    cli parked --json >"$WORK/parked.json" && [ "$(jq -r .total "$WORK/parked.json")" = 1 ] && break
    sleep 0.2
done
assert_eq "$(jq -r '.items[0].referral_id' "$WORK/parked.json")" "$third" "the parked referral"
assert_eq "$(jq -r '[.items[0].source, .items[0].organisation, .items[0].submitted_by] | join(" ")' \
    "$WORK/parked.json")" "gp F81001 gp" "what it is and who sent it"
cli parked >"$WORK/parked" || fail "carerhub parked: exit $?"
grep -q "^$third .*already holds 2 referrals from gp" "$WORK/parked" ||
    fail "carerhub parked does not give the reason: $(cat "$WORK/parked")"
grep -qi "jane\|smith\|CM2\|943" "$WORK/parked" "$WORK/parked.json" && fail "the list names the carer"

# Rejected: a reason is needed; then the practice reads it.
cli parked reject "$third" >"$WORK/out" 2>&1
assert_eq "$?" 64 "exit of a rejection without a reason"
why="sent three times: the carer is with Carers First already"
cli parked reject "$third" --reason "$why" >"$WORK/out" || fail "reject: exit $?: $(cat "$WORK/out")"
grep -q "^rejected: $third" "$WORK/out" || fail "reject said: $(cat "$WORK/out")"
cli parked >"$WORK/parked" || fail "carerhub parked: exit $?"
assert_eq "$(cat "$WORK/parked")" "no referral is parked" "the list after the rejection"
cli --key gp status "$third" >"$WORK/status" || fail "the practice's status: exit $?"
grep -q "where it stands: rejected" "$WORK/status" && grep -q "$why" "$WORK/status" ||
    fail "the practice does not read rejected and the reason: $(cat "$WORK/status")"
cli --key gp feedback --json >"$WORK/feedback" || fail "feedback: exit $?"
assert_eq "$(jq -r --arg id "$third" '.[] | select(.referral_id == $id) | .state' "$WORK/feedback")" \
    rejected "the practice's feedback"
cli parked release "$third" >"$WORK/out" 2>&1
assert_eq "$?" 66 "exit of a release of a referral no longer parked"

# Another over the bound, released while the bound stands: routed, the
# operator's release being the decision that it goes in.
parked_one() { # ID: until it is the one parked referral
    for i in $(seq 50); do
        [ "$(cli parked --json | jq -r '[.items[].referral_id] | join(" ")')" = "$1" ] && return 0
        sleep 0.2
    done
    fail "$1 is not the one parked referral: $(cli parked)"
}
fourth=$(cli submit gp "$WORK/jane.yaml" | awk '/^accepted/{print $2}')
parked_one "$fourth"
cli parked release "$fourth" >"$WORK/out" || fail "release: exit $?: $(cat "$WORK/out")"
jane_case=$(jq -r .case_id "$(files carers-first | head -n 1)")
grep -q "^released: $fourth, in case $jane_case at Carers First" "$WORK/out" ||
    fail "release over the bound: $(cat "$WORK/out")"
wait_count 3 carers-first
assert_eq "$(jq -r '[.kind, .referral_id] | join(" ")' "$(files carers-first | tail -n 1)")" \
    "update $fourth" "the released referral's delivery"
# For that one: the practice's next still waits for an operator.
fifth=$(cli submit gp "$WORK/jane.yaml" | awk '/^accepted/{print $2}')
parked_one "$fifth"
cli parked reject "$fifth" --reason "sent again: the carer is with Carers First" >"$WORK/out" ||
    fail "reject: exit $?: $(cat "$WORK/out")"

# An identity conflict: Mary (Colchester) given Jane's NHS number.
cat >"$WORK/mary.yaml" <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: Mary, family_name: Jones, date_of_birth: 1975-09-14, postcode: "CO4 5AB", phone: "07700 900222", nhs_number: "9434765919"}
cared_for: {relationship: father}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
cli submit gp "$WORK/mary.yaml" >/dev/null || fail "Mary's card not accepted"
wait_count 1 ecs
wait_count 4 carers-first # Jane's case, flagged
mary_case=$(jq -r .case_id "$(files ecs)")
cli alerts >"$WORK/alerts"
assert_eq "$?" 1 "exit of alerts with a conflict"
grep -q "identity conflict: case $jane_case .*$mary_case" "$WORK/alerts" &&
    grep -q "identity conflict: case $mary_case .*$jane_case" "$WORK/alerts" ||
    fail "alerts do not name both cases: $(cat "$WORK/alerts")"
cli alerts --json >"$WORK/alerts.json"
assert_eq "$(jq -r --arg c "$jane_case" '.alerts[] | select(.case_id == $c) | .other_cases | join(" ")' \
    "$WORK/alerts.json")" "$mary_case" "the other case of Jane's alert"

# The same person after all (a slip of the date of birth): joined.
cli conflict join "$mary_case" "$jane_case" >"$WORK/out" || fail "join: exit $?: $(cat "$WORK/out")"
grep -q "^joined: case $mary_case into case $jane_case, now at Essex Carers Support" "$WORK/out" ||
    fail "join said: $(cat "$WORK/out")"
wait_count 3 ecs
wait_count 5 carers-first
closed=$(grep -l '"closed_reason":"joined"' $(files ecs)) || fail "no closing of $mary_case at ECS"
assert_eq "$(jq -r '[.case_id, .kind, .closed] | join(" ")' "$closed")" "$mary_case update true" \
    "Mary's case at ECS"
jq -r .routing.reason "$closed" | grep -q "joined into case $jane_case" ||
    fail "the closing does not say which case it joined: $(jq -r .routing.reason "$closed")"
in=$(grep -l '"kind":"transfer_in"' $(files ecs)) || fail "no transfer_in of $jane_case at ECS"
assert_eq "$(jq -r '[.case_id, .referrals_total, .flags.identity_conflict] | join(" ")' "$in")" \
    "$jane_case 4 false" "the joined case at ECS"
assert_eq "$(jq -r '[.kind, .case_id] | join(" ")' "$(files carers-first | tail -n 1)")" \
    "transfer_out $jane_case" "Carers First's notice"
cli alerts >"$WORK/alerts" || fail "alerts after the join: $(cat "$WORK/alerts")"
# One carer for the report: two cases, the later counted as the earlier's.
cli report --json >"$WORK/report" || fail "report: exit $?"
assert_eq "$(jq -r '.carers_referred' "$WORK/report")" 1 "carers referred after the join"
"$bin/carerhub-reportcheck" "$hub/data" >"$WORK/rc.out" 2>&1 ||
    fail "the report table does not match the store: $(cat "$WORK/rc.out")"

# The queues: each organisation, its agent connected, nothing waiting.
for i in $(seq 50); do # the last acknowledgements may be on their way
    cli queues --json >"$WORK/queues" || fail "queues: exit $?"
    [ "$(jq '[.queues[].waiting] | add' "$WORK/queues")" = 0 ] && break
    sleep 0.2
done
assert_eq "$(jq '.queues | length' "$WORK/queues")" "$(cli config providers | wc -l)" \
    "organisations in the queues"
assert_eq "$(jq -r '.queues[] | select(.provider == "ecs") | [.waiting, .connected, .open_cases] | join(" ")' \
    "$WORK/queues")" "0 true 1" "ECS's queue"
cli queues >"$WORK/queues.txt" || fail "queues: exit $?"
grep -q "^Carers First (carers-first): 0 waiting; agent connected, last heard" "$WORK/queues.txt" ||
    fail "queues said: $(cat "$WORK/queues.txt")"

# A provider's key may ask none of these.
for args in "queues" "parked" "parked release $fourth" "conflict apart $jane_case $mary_case"; do
    # shellcheck disable=SC2086
    cli --key provider-ecs $args >"$WORK/out" 2>&1
    assert_eq "$?" 77 "exit of '$args' with a provider's key"
done
grep -rqi "Jane\|Smith\|Mary\|Jones" "$hub/logs" && fail "a log holds a carer's name"
hub_stop
