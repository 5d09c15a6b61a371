# A case worker's `carerhub outcome` when the router does not answer: it
# exits 69 and gives the outcome id and the time it sent (taken once, when
# the command started), to send it again with, so that it is recorded
# once. Sent again so, with the router back, it is recorded at that time,
# not when the router took it; once more, it is "already recorded", and
# the case's timeline has it once.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
gen 1 Resend | sed 's/postcode: .*/postcode: CM2 0AA/' >"$WORK/card.yaml"
cli submit gp "$WORK/card.yaml" >"$WORK/ids" || fail "not accepted"
rid=$(sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/ids")
wait_count 1 carers-first
case_id=$(jq -r .case_id "$(files carers-first)")

hub_stop router
cli --key provider-carers-first outcome "$case_id" contacted >"$WORK/out" 2>&1
assert_eq "$?" 69 "exit status when the router does not answer"
grep -q "did not answer" "$WORK/out" || fail "it does not say the router did not answer: $(cat "$WORK/out")"
id=$(sed -n 's/.* --id \(cli-[0-9a-f]\{24\}\) --at \([^ ,]*\), so that it is recorded once$/\1/p' "$WORK/out")
at=$(sed -n 's/.* --id cli-[0-9a-f]\{24\} --at \([^ ,]*\), so that it is recorded once$/\1/p' "$WORK/out")
[ -n "$id" ] && [ -n "$at" ] || fail "no id and time to send it again with: $(cat "$WORK/out")"

hub_start router
cli --key provider-carers-first outcome "$case_id" contacted --id "$id" --at "$at" >"$WORK/out" 2>&1 ||
    fail "sent again, not recorded: $(cat "$WORK/out")"
grep -q "^recorded: case $case_id is now contacted" "$WORK/out" || fail "sent again: $(cat "$WORK/out")"
cli --key provider-carers-first outcome "$case_id" contacted --id "$id" --at "$at" >"$WORK/out" 2>&1 ||
    fail "sent a third time: $(cat "$WORK/out")"
grep -q "^already recorded: case $case_id is now contacted" "$WORK/out" ||
    fail "sent a third time: $(cat "$WORK/out")"

cli --key gp status "$rid" --json >"$WORK/st" || fail "status failed"
assert_eq "$(jq -r '[.timeline[].event] | join(" ")' "$WORK/st")" "contacted" "the timeline"
# At the time the first command ran, some 10 s before the router had it.
assert_eq "$(jq -r '.timeline[0].at' "$WORK/st")" "$(date -d "$at" +%s%3N)" "the outcome's time"
recorded=$(date -d "$(jq -r '.timeline[0].recorded_at' "$WORK/st")" +%s%3N)
[ $((recorded - $(date -d "$at" +%s%3N))) -ge 5000 ] ||
    fail "the outcome's time $at is not when the command first ran: $(cat "$WORK/st")"
hub_stop
