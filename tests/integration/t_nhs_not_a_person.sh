# An NHS number that passes its check digit but is nobody's is refused at
# intake, naming its field: one digit ten times on any hub, and the test
# range (999 000 0000 to 999 999 9999) unless the hub's carerhub.yaml says
# referrals: {test_nhs_numbers: true}, as a training hub's does. The intake
# refuses them itself, not only carerhub submit.
. "$(dirname "$0")/lib.sh"
keys=$hub/keys
peer() { "$bin/carerhub-testpeer" "$@"; }

# card FILE NHS: the first sample GP card with the carer's NHS number NHS.
card() {
    awk '/^---$/{n++} n==1' "$samples/gp.yaml" |
        sed "s/^  nhs_number: .*/  nhs_number: \"$2\"/" >"$1"
    grep -q "nhs_number: \"$2\"" "$1" || fail "no NHS number in the sample card"
}
# discharge FILE NHS: the first sample discharge with the patient's NHS number NHS.
discharge() {
    awk '/^---$/{n++} n==1' "$samples/discharge.yaml" |
        sed "s/^  nhs_number: \"401 023 2137\".*/  nhs_number: \"$2\"/" >"$1"
    grep -q "nhs_number: \"$2\"" "$1" || fail "no patient NHS number in the sample discharge"
}
# refused SRC FILE FIELD MESSAGE: carerhub submit refuses it with that
# message on FIELD, judged by the intake, and so does the intake when sent
# the referral straight, without carerhub's help.
refused() {
    local src=$1 file=$2 field=$3 message=$4 key
    cli submit "$src" "$file" >"$WORK/out" 2>"$WORK/err"
    assert_eq $? 65 "exit status for $field in $(basename "$file")"
    [ -s "$WORK/out" ] && fail "$(basename "$file") was accepted: $(cat "$WORK/out")"
    grep -qxF "$file#1: $field: $message" "$WORK/err" ||
        fail "no '$field: $message'; stderr was: $(cat "$WORK/err")"
    assert_eq "$(wc -l <"$WORK/err")" 1 "problems reported for $(basename "$file")"
    cli submit --json "$src" "$file" >"$WORK/out.json" 2>/dev/null
    jq -se --arg f "$field" '.[0].status == "rejected" and .[0].checked_by == "intake" and
        any(.[0].errors[]; .field == $f and .code == "not_issued")' "$WORK/out.json" >/dev/null ||
        fail "not refused by the intake as not_issued: $(cat "$WORK/out.json")"
    case $src in gp) key=gp ;; discharge) key=hospital ;; esac
    peer "ipc://$hub/run/$src-intake.ipc" --server-pub "$keys/$src-intake.pub" \
        --key "$keys/$key.key" --wait 3000 submit "$src" "$file" >"$WORK/peer" 2>&1
    grep -qx 'reply submit_reply REJECTED' "$WORK/peer" ||
        fail "the intake alone did not refuse $(basename "$file"): $(cat "$WORK/peer")"
    grep -qx "problem $field not_issued" "$WORK/peer" ||
        fail "the intake alone did not name $field: $(cat "$WORK/peer")"
}
accepted() {
    cli submit "$1" "$2" >"$WORK/out" 2>"$WORK/err" ||
        fail "$(basename "$2") refused: $(cat "$WORK/err")"
    grep -q '^accepted GP-' "$WORK/out" || fail "$(basename "$2"): no id: $(cat "$WORK/out")"
}

card "$WORK/ones.yaml" "111 111 1111"
card "$WORK/zeros.yaml" "0000000000"
card "$WORK/test-range.yaml" "999 054 8609"
card "$WORK/good.yaml" "943 476 5919"
discharge "$WORK/patient-twos.yaml" "222-222-2222"

note "a hub in service"
hub_config
hub_start
refused gp "$WORK/ones.yaml" carer.nhs_number "1111111111 is not an NHS number issued to anyone (all ten digits are the same): check it on the carer's record, or leave it out"
refused gp "$WORK/zeros.yaml" carer.nhs_number "0000000000 is not an NHS number issued to anyone (all ten digits are the same): check it on the carer's record, or leave it out"
refused discharge "$WORK/patient-twos.yaml" patient.nhs_number "2222222222 is not an NHS number issued to anyone (all ten digits are the same): check it on the patient's record"
refused gp "$WORK/test-range.yaml" carer.nhs_number "9990548609 is not an NHS number issued to anyone (numbers from 999 000 0000 to 999 999 9999 are for testing only): check it on the carer's record, or leave it out"
accepted gp "$WORK/good.yaml"
grep -q "test_nhs_numbers is true" "$hub"/logs/gp-intake.log &&
    fail "a hub in service said it takes test numbers"
hub_stop

note "a training hub: referrals: {test_nhs_numbers: true}"
echo "referrals: {test_nhs_numbers: true}" >>"$hub/carerhub.yaml"
hub_start
accepted gp "$WORK/test-range.yaml"
peer "ipc://$hub/run/gp-intake.ipc" --server-pub "$keys/gp-intake.pub" --key "$keys/gp.key" \
    --wait 3000 submit gp "$WORK/test-range.yaml" >"$WORK/peer" 2>&1
grep -q '^reply submit_reply ACCEPTED GP-' "$WORK/peer" ||
    fail "the training hub's intake refused a test number: $(cat "$WORK/peer")"
grep -q "test_nhs_numbers is true" "$hub"/logs/gp-intake.log ||
    fail "the training hub's intake did not say it takes test numbers"
# Repeated digits are nobody's on a training hub too.
refused gp "$WORK/ones.yaml" carer.nhs_number "1111111111 is not an NHS number issued to anyone (all ten digits are the same): check it on the carer's record, or leave it out"
refused discharge "$WORK/patient-twos.yaml" patient.nhs_number "2222222222 is not an NHS number issued to anyone (all ten digits are the same): check it on the patient's record"
hub_stop
