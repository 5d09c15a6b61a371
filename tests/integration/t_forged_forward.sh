# The router trusts an intake only for what that intake may accept. With the
# GP intake's own key, a peer forwards a school referral, a referral carrying
# the school intake's next id, a referral naming someone else as submitter,
# and an audit record in the school intake's name. The router stores none of
# them as they claim: the school intake's genuine referral with that id is
# delivered, and its genuine audit records are kept.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
keys=$hub/keys
fwd() {
    "$bin/carerhub-testpeer" "ipc://$hub/run/router-intake.ipc" --server-pub "$keys/router.pub" \
        --key "$keys/gp-intake.key" --wait 1000 "$@"
}
card() { awk -v n="$2" '/^---$/{d++} d==n' "$samples/$1.yaml"; }
card school 1 >"$WORK/pupil.yaml"
card school 2 >"$WORK/pupil2.yaml"
card gp 1 >"$WORK/card.yaml"

# The school intake's first id tells its epoch, and so its next id.
first=$(cli submit school "$WORK/pupil2.yaml" | awk '/^accepted/{print $2}')
[[ $first == SC-*-1 ]] || fail "no first school id: $first"
next=${first%-1}-2
wait_count 1 young-carers

# A school referral forwarded with the GP intake's key, under the id the
# school intake will give next: not acknowledged, nothing stored.
fwd forward school "$WORK/pupil.yaml" "$next" school >"$WORK/out"
grep -q "^reply forward_ack$" "$WORK/out" || fail "the router acknowledged a school referral from the GP intake: $(cat "$WORK/out")"
# The same id as a GP referral: refused for its id.
fwd forward gp "$WORK/card.yaml" "$next" gp >"$WORK/out"
grep -q "^reply forward_ack$" "$WORK/out" || fail "the router acknowledged another intake's id: $(cat "$WORK/out")"
sleep 1
assert_eq "$(count young-carers)" 1 "young carers' case files after the forged forward"
cli status "$next" >"$WORK/status" 2>&1
grep -q "no such referral" "$WORK/status" || fail "the forged referral is known: $(cat "$WORK/status")"

# The school intake's genuine referral gets that id and is delivered.
got=$(cli submit school "$WORK/pupil.yaml" | awk '/^accepted/{print $2}')
assert_eq "$got" "$next" "the school intake's next id"
wait_count 2 young-carers
grep -l "\"referral_id\": *\"$next\"" $(files young-carers) >/dev/null ||
    fail "the genuine referral $next was not delivered"
grep -q '"family_name": *"Khan"' $(grep -l "\"referral_id\": *\"$next\"" $(files young-carers)) ||
    fail "the delivered $next is not the school's pupil"

# A GP referral naming the operator as its submitter: the audit does not
# take the intake's word for who referred.
gpid=GP-FORGED-1
fwd forward gp "$WORK/card.yaml" "$gpid" operator >"$WORK/out"
audit_fetch
audit_has '.event == "accepted" and .actor == "operator"' &&
    fail "the audit names a submitter taken from a message field"

# An audit record in the school intake's name, numbered far ahead: stored as
# the GP intake's, and the school intake's own records still arrive.
fwd forward-audit carerhub-school-intake 1000000 refused-message >"$WORK/out"
grep -q "^reply forward_ack audit:1000000$" "$WORK/out" || fail "forged audit record: $(cat "$WORK/out")"
audit_wait '.detail == "forged by the test peer"'
audit_has '.detail == "forged by the test peer" and .recorded_by == "carerhub-school-intake"' &&
    fail "a forged audit record is recorded as the school intake's"
audit_has '.detail == "forged by the test peer" and .recorded_by == "carerhub-gp-intake"' ||
    fail "the forged audit record does not name the key that sent it"
# A GP key at the school intake: the school intake records the refusal.
cli --key gp submit school "$WORK/pupil.yaml" >/dev/null 2>&1
audit_wait '.event == "refused-message" and .actor == "gp" and .recorded_by == "carerhub-school-intake"'
# The refusals of the forged forwards are in the trail, naming the key.
audit_has '.event == "refused-message" and .actor == "gp-intake" and .referral_id == "'"$next"'"' ||
    fail "no audit record of the refused forward"
echo "forged forwards refused; the genuine referral $next delivered"
hub_stop
