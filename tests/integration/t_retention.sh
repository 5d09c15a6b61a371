# Retention with the real daemons: five carers referred 400 days ago (the
# hub's clock set back with faketime); their organisation's case system
# closes three of them by outcome files dated in the past (an outcome may
# be dated back to the day its case opened): 370, 366 and 360 days ago.
# With retention.closed_case_days 365, `carerhub retention` counts two
# due; --run erases those two (the organisation is sent an erasure file
# for each, the router's store file no longer holds their names) and
# leaves the one closed 360 days ago and the open cases as they were; the
# report's counts are unchanged. Closed a year and a month ago after that,
# a third goes when the router next starts. Only an operator's key may ask.
. "$(dirname "$0")/lib.sh"
faketime=$(dpkg -L libfaketime 2>/dev/null | grep "/libfaketime.so.1$" | head -n 1)
[ -f "$faketime" ] || fail "$faketime is missing: tools/deps install (package faketime)"
hub_config
echo "retention: {closed_case_days: 365, check_minutes: 60}" >>"$hub/carerhub.yaml"
then=$(date -d '-400 days' +%F)
ago() { date -u -d "-$1 days" +%FT%TZ; }

# 400 days ago: the whole hub on a clock set back.
fake=(LD_PRELOAD="$faketime" FAKETIME="-400d" FAKETIME_DONT_FAKE_MONOTONIC=1
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
env "${fake[@]}" "$top/deploy/local-hub" start "$hub" >/dev/null || fail "the hub did not start then"
for name in Pastlimit Justpast Within Stillopen Alsoopen; do
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: Retta, family_name: $name, date_of_birth: 1960-05-05, postcode: "CM2 0AA", phone: "07700 900444"}
cared_for: {relationship: mother, conditions: [frailty]}
consent: {share_with_support_service: true, given_by: carer, date: $then}
DOC
done >"$WORK/cards.yaml"
cli submit gp "$WORK/cards.yaml" >"$WORK/ids" || fail "the cards were not accepted: $(cat "$WORK/ids")"
wait_count 5 carers-first
hub_stop
declare -A case_of
for f in $(files carers-first); do
    case_of[$(jq -r .carer.family_name "$f")]=$(jq -r .case_id "$f")
done
assert_eq "$(jq -r .opened_at "$(files carers-first | head -n 1)" | cut -c1-10)" "$then" \
    "the day the cases opened"

# Today: the case system closes three, dated in the past.
hub_start
add_key commissioner commissioner null
close() { # FAMILY DAYS-AGO
    drop_outcome carers-first "close-$1.json" "{\"case_id\": \"${case_of[$1]}\", \"status\": \"closed\", \
\"reason\": \"support_complete\", \"at\": \"$(ago "$2")\"}"
    wait_file "$hub/providers/carers-first/outcomes/sent/close-$1.json"
}
close Pastlimit 370
close Justpast 366
close Within 360
for i in $(seq 50); do
    [ "$(cli case "${case_of[Within]}" --json | jq -r .case.closed)" = true ] && break
    sleep 0.1
done
report() { cli report --from "$(date -d '-401 days' +%F)" --json | jq -S 'del(.generated_at)'; }
report >"$WORK/report.before" || fail "report failed"
[ "$(jq .carers_referred "$WORK/report.before")" = 5 ] ||
    fail "the report does not count the five: $(head -c 400 "$WORK/report.before")"

cli retention >"$WORK/count" || fail "retention: exit $?: $(cat "$WORK/count")"
grep -q "more than 365 days ago" "$WORK/count" && grep -q "due *2 closed cases past it" "$WORK/count" ||
    fail "retention counts: $(cat "$WORK/count")"
for key in gp provider-carers-first commissioner; do
    cli --key "$key" retention --run >"$WORK/out" 2>&1
    assert_eq "$?" 77 "exit of retention --run with the $key key"
done
grep -ac "Pastlimit" "$hub/data/router/data.mdb" >/dev/null || fail "the store lacks the name before"

cli retention --run >"$WORK/run" || fail "retention --run: exit $?: $(cat "$WORK/run")"
grep -q "erased *2 cases, by this run" "$WORK/run" && grep -q "due *0 closed cases" "$WORK/run" ||
    fail "retention --run: $(cat "$WORK/run")"
# The case record as the router holds it (an operator's export).
erased() {
    cli export "${case_of[$1]}" | jq -r --arg c "${case_of[$1]}" '.cases[] | select(.case_id == $c) |
        .record | [.erased_at != null, .carer == null, .erasure_reason // "-"] | join(" ")'
}
for name in Pastlimit Justpast; do
    assert_eq "$(erased $name)" "true true retention" "$name's case"
    grep -aq "$name" "$hub/data/router/data.mdb" && fail "the router's store still holds $name"
done
for name in Within Stillopen Alsoopen; do
    assert_eq "$(erased $name)" "false false -" "$name's case"
    assert_eq "$(cli case "${case_of[$name]}" --json | jq -r .case.carer.family_name)" "$name" \
        "$name's carer"
done
wait_count 7 carers-first
assert_eq "$(grep -l '"kind":"erasure"' $(files carers-first) | xargs -n 1 jq -r .case_id | sort |
    tr '\n' ' ')" "$(printf '%s\n' "${case_of[Pastlimit]}" "${case_of[Justpast]}" | sort | tr '\n' ' ')" \
    "the erasure files"
report >"$WORK/report.after"
cmp -s "$WORK/report.before" "$WORK/report.after" ||
    fail "the report changed: $(diff "$WORK/report.before" "$WORK/report.after" | head -n 20)"
audit_fetch
assert_eq "$(jq -s '[.[] | select(.event == "erased" and (.detail | startswith("reason: retention")))] |
    length' "$WORK/audit")" 2 "the erasures' audit records"

# Closed a year and a month ago, after that run: erased when the router
# next starts.
close Stillopen 395
cli retention >"$WORK/count" || fail "retention: exit $?"
grep -q "due *1 closed case past it" "$WORK/count" || fail "retention counts: $(cat "$WORK/count")"
hub_stop router
hub_start router
for i in $(seq 50); do
    cli retention >"$WORK/count" 2>/dev/null && grep -q "erased *1 case, by the router's last run" \
        "$WORK/count" && break
    sleep 0.2
done
grep -q "erased *1 case, by the router's last run" "$WORK/count" && grep -q "due *0" "$WORK/count" ||
    fail "after a start: $(cat "$WORK/count")"
grep -q "last run *$(date +%-d)" "$WORK/count" || fail "no last run today: $(cat "$WORK/count")"
assert_eq "$(erased Stillopen)" "true true retention" "the case erased at start"
assert_eq "$(erased Alsoopen)" "false false -" "the open case"
hub_stop
