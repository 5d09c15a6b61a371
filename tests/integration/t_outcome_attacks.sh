# The way back, attacked: a hostile but listed peer and a careless case
# system, against the real router and provider agents. Each part checks one
# way the hub could break its promise; every part runs, and the test fails
# at the end naming each that broke.
#
# 1. Two outcome files with the same outcome_id and different content: the
#    second is not the same outcome and must not be filed in sent/ as
#    "recorded before" (its case left unchanged, the agent's log giving
#    another case's state).
# 2. An organisation that passed a case on sends one of its old outcome ids
#    again: the answer must not tell it where the case is now or what has
#    happened there (a case that is not its own reads as one that does not
#    exist).
# 3. A referrer's status of its own referral must not show what another
#    referrer's referral says of the carer (the new postcode).
# 4. outcomes/sent/ cleared by removing and making it again (the README
#    says clear the folders as you see fit): a recorded outcome must still
#    be filed in sent/.
# 5. outcomes/ removed and made again while the agent runs: a file dropped
#    there must still be read; while it is missing the log must not grow
#    by a line every 200 ms.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
keys=$hub/keys
problems=0
problem() {
    echo "FAIL: $*" >&2
    problems=$((problems + 1))
}
peer() { # peer KEY SEND...: testpeer on the control socket, replies as JSON
    local key=$1
    shift
    "$bin/carerhub-testpeer" "ipc://$hub/run/router-control.ipc" --server-pub "$keys/router.pub" \
        --key "$keys/$key.key" --dump --wait 1500 "$@" | sed -n 's/^json //p'
}
card() { # card FAMILY POSTCODE: one GP card
    cat <<DOC
practice: F81002
referrer: {name: "Test Referrer", phone: "01245 000000"}
carer: {given_name: Test, family_name: $1, date_of_birth: 1970-01-02, postcode: "$2", phone: "07700 900111"}
cared_for: {relationship: parent, conditions: [frailty]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-01}
DOC
}
submit() { # submit FAMILY POSTCODE: prints the referral id
    card "$1" "$2" >"$WORK/$1.yaml"
    cli submit gp "$WORK/$1.yaml" >"$WORK/out" || fail "not accepted: $(cat "$WORK/out")"
    awk '{print $2}' "$WORK/out"
}
case_of() { files | xargs jq -r --arg r "$1" 'select(.referral_id == $r) | .case_id' | head -n 1; }
gone_from() { # gone_from DIR NAME [SECONDS]: until DIR/NAME is no longer there
    local i
    for ((i = 0; i < ${3:-10} * 10; i++)); do
        [ -e "$1/$2" ] || return 0
        sleep 0.1
    done
    return 1
}

ra=$(submit Alpha "CM2 0AA")
rb=$(submit Bravo "CM2 0AB")
rc=$(submit Charlie "CO1 1AA")
rd=$(submit Delta "CM2 0AD")
wait_count 3 carers-first
wait_count 1 ecs
ca=$(case_of "$ra") cb=$(case_of "$rb") cc=$(case_of "$rc") cd=$(case_of "$rd")
note "cases: $ca $cb $cd with carers-first, $cc with ecs"
box=$hub/providers/carers-first/outcomes

# --- 1. the same outcome_id, other content ------------------------------
drop_outcome carers-first d1.json "{\"outcome_id\": \"evt-1\", \"case_id\": \"$ca\", \"status\": \"contacted\"}"
wait_file "$box/sent/d1.json"
drop_outcome carers-first d2.json \
    "{\"outcome_id\": \"evt-1\", \"case_id\": \"$cb\", \"status\": \"closed\", \"reason\": \"bereaved\"}"
gone_from "$box" d2.json || fail "d2.json not taken in 10 s"
sleep 0.5
if [ -e "$box/sent/d2.json" ]; then
    problem "1: d2.json (outcome_id evt-1 again, but closing $cb) was filed in sent/ as recorded;" \
        "$cb is now: $(cli --key gp status "$rb" | grep 'where it stands');" \
        "the agent said: $(grep 'd2.json' "$hub/logs/provider-carers-first.log" | tail -n 1 | cut -d' ' -f4-)"
else
    note "1: d2.json not filed as recorded"
fi

# --- 2. an old outcome id tells where the case is now --------------------
printf '[{"outcome_id": "ecs-pass-1", "case_id": "%s", "status": "not_ours", "reason": "not ours"}]\n' \
    "$cc" >"$WORK/pass.json"
peer provider-ecs outcomes "$WORK/pass.json" >"$WORK/r1"
jq -e '.outcome_reply.results[0].result == "recorded"' "$WORK/r1" >/dev/null ||
    fail "ecs could not pass $cc back: $(cat "$WORK/r1")"
cli --key provider-ews-triage outcome "$cc" assign --to afc >"$WORK/out" ||
    fail "triage could not assign $cc: $(cat "$WORK/out")"
cli --key provider-afc outcome "$cc" supported --support break --note "a short break booked" \
    >"$WORK/out" || fail "afc could not record supported: $(cat "$WORK/out")"
peer provider-ecs outcomes "$WORK/pass.json" >"$WORK/r2"
printf '[{"outcome_id": "ecs-fresh-1", "case_id": "%s", "status": "contacted"}]\n' "$cc" >"$WORK/fresh.json"
peer provider-ecs outcomes "$WORK/fresh.json" >"$WORK/r3"
jq -e '.outcome_reply.results[0].code == "not_yours"' "$WORK/r3" >/dev/null ||
    fail "a fresh outcome of ecs on afc's case was not refused: $(cat "$WORK/r3")"
if jq -e '.outcome_reply.results[0] | (.provider // "") == "afc" or (.state // "") == "supported"' \
    "$WORK/r2" >/dev/null; then
    problem "2: ecs sent its old outcome id for $cc again and was told the case is now" \
        "$(jq -c '.outcome_reply.results[0] | {result, state, provider}' "$WORK/r2"), while a" \
        "new outcome on it reads $(jq -c '.outcome_reply.results[0] | {result, code}' "$WORK/r3")"
else
    note "2: a replayed outcome id says nothing of the case now"
fi

# --- 3. a referrer's status shows another referral's postcode -------------
tomorrow=$(date -u -d '+1 day' +%Y-%m-%d)
cat >"$WORK/hospital.yaml" <<DOC
hospital: {trust: RAJ, site: RAJ01, ward: "Ward 10"}
patient: {nhs_number: "401 023 2137", expected_discharge: $tomorrow}
carer_consulted: true
referrer: {name: "K Wright", phone: "01245 222222"}
carer: {given_name: Test, family_name: Delta, date_of_birth: 1970-01-02, postcode: "CO1 9QQ", phone: "07700 900111"}
cared_for: {relationship: parent, conditions: [frailty]}
consent: {share_with_support_service: true, given_by: carer, date: $(date -u +%Y-%m-%d)}
DOC
cli submit discharge "$WORK/hospital.yaml" >"$WORK/out" || fail "discharge not accepted: $(cat "$WORK/out")"
for ((i = 0; i < 100; i++)); do
    ls "$hub/providers/ecs/$cd".*.transfer_in.json >/dev/null 2>&1 && break
    sleep 0.1
done
ls "$hub/providers/ecs/$cd".*.transfer_in.json >/dev/null 2>&1 || fail "$cd did not move to ecs"
cli --key gp status "$rd" >"$WORK/gp-status" || fail "gp status $rd: $(cat "$WORK/gp-status")"
peer gp status "$rd" >"$WORK/gp-status.json"
if grep -q 'CO1' "$WORK/gp-status" "$WORK/gp-status.json"; then
    problem "3: the GP practice's status of its own referral $rd shows the carer's new postcode," \
        "from the hospital's referral: $(grep -h 'CO1' "$WORK/gp-status" | head -n 1)"
else
    note "3: the GP's status shows nothing of the hospital's referral"
fi

# --- 4. sent/ removed and made again -------------------------------------
rm -rf "$box/sent"
mkdir -m 700 "$box/sent"
drop_outcome carers-first s1.json "{\"case_id\": \"$ca\", \"status\": \"supported\", \"support\": [\"break\"]}"
for ((i = 0; i < 100; i++)); do
    [ -e "$box/sent/s1.json" ] && break
    sleep 0.1
done
if [ ! -e "$box/sent/s1.json" ]; then
    problem "4: after sent/ was removed and made again, s1.json was recorded but not filed in 10 s:" \
        "outcomes/ holds $(ls -A "$box" | tr '\n' ' '); $(grep 's1.json' "$hub/logs/provider-carers-first.log" |
            tail -n 1 | cut -d' ' -f4-)"
else
    note "4: filed in the new sent/"
fi

# --- 5. outcomes/ removed and made again ---------------------------------
log=$hub/logs/provider-carers-first.log
before=$(grep -c 'cannot list' "$log")
rm -rf "$box"
sleep 3
lines=$(($(grep -c 'cannot list' "$log") - before))
mkdir -m 700 "$box"
drop_outcome carers-first o1.json "{\"case_id\": \"$ca\", \"status\": \"contacted\"}"
if ! gone_from "$box" o1.json 10; then
    problem "5: after outcomes/ was removed and made again, o1.json was not read in 10 s (nothing" \
        "in the log about it: $(grep -c 'o1.json' "$log") line(s))"
else
    note "5: read from the new outcomes/"
fi
[ "$lines" -le 3 ] || problem "5: in 3 s without outcomes/, the agent logged 'cannot list' $lines times"

"$top/deploy/local-hub" stop "$hub" >/dev/null || fail "local-hub stop: a daemon exited unasked or failed"
check_case_files
[ "$problems" -eq 0 ] || fail "$problems problem(s), above"
