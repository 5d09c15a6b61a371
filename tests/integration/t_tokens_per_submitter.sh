# A submission token is the submitter's own. Two practices that choose the
# same token each get their own referral, delivered; a practice that sends
# a different referral with a token it used before is told so; a resend
# with another practice's card is judged on its content, not let through by
# its token; and a true resend gets the first answer.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
keys=$hub/keys
"$bin/carerhub" keygen gp2 --dir "$keys" >/dev/null || fail "keygen gp2"
echo "  - {id: gp2, role: gp, scope: F82002, key: \"$(grep -v '^#' "$keys/gp2.pub" | head -n 1)\"}" \
    >>"$hub/participants.yaml"
"$top/deploy/local-hub" reload "$hub" >/dev/null
for i in $(seq 100); do
    grep -q 'participants reloaded' "$hub/logs/gp-intake.log" && break
    sleep 0.05
done
grep -q 'participants reloaded' "$hub/logs/gp-intake.log" || fail "gp-intake did not reload"

submit() { # KEY FILE TOKEN
    "$bin/carerhub-testpeer" "ipc://$hub/run/gp-intake.ipc" --server-pub "$keys/gp-intake.pub" \
        --key "$keys/$1.key" --token "$3" submit gp "$2"
}
card() { awk -v n="$2" '/^---$/{d++} d==n' "$samples/$1.yaml"; }
card gp 1 >"$WORK/first.yaml"
card gp 2 | sed 's/^practice: .*/practice: F82002/; s/^  family_name: .*/  family_name: Second/' \
    >"$WORK/second.yaml"
grep -q '^practice: F82002' "$WORK/second.yaml" || fail "test card not made"

submit gp "$WORK/first.yaml" T-1 >"$WORK/a"
a=$(awk '/^reply submit_reply ACCEPTED/{print $4}' "$WORK/a")
[ -n "$a" ] || fail "the first practice's card: $(cat "$WORK/a")"
submit gp2 "$WORK/second.yaml" T-1 >"$WORK/b"
b=$(awk '/^reply submit_reply ACCEPTED/{print $4}' "$WORK/b")
[ -n "$b" ] || fail "the second practice's card: $(cat "$WORK/b")"
[ "$a" != "$b" ] || fail "two practices' different referrals got one id ($a)"
wait_count 2
delivered_ids >"$WORK/ids"
grep -qx "$a" "$WORK/ids" || fail "$a was not delivered"
grep -qx "$b" "$WORK/ids" || fail "$b was not delivered"

# The same token again, from the same practice, for a different carer.
card gp 3 >"$WORK/third.yaml"
submit gp "$WORK/third.yaml" T-1 >"$WORK/c"
grep -q '^reply submit_reply REJECTED$' "$WORK/c" || fail "a reused token: $(cat "$WORK/c")"
grep -qx 'problem token reused' "$WORK/c" || fail "a reused token's problem: $(cat "$WORK/c")"

# The first practice resends token T-1 with the second practice's card: the
# card is checked as any other, and refused for its practice.
submit gp "$WORK/second.yaml" T-1 >"$WORK/d"
grep -qx 'problem practice forbidden' "$WORK/d" || fail "another practice's card: $(cat "$WORK/d")"

# A true resend (same practice, token and card) gets the first id.
submit gp "$WORK/first.yaml" T-1 >"$WORK/e"
grep -qx "reply submit_reply ACCEPTED $a" "$WORK/e" || fail "a resend: $(cat "$WORK/e")"
sleep 1
assert_eq "$(count)" 2 "case files after the resends"
echo "tokens kept apart per submitter: $a and $b"
hub_stop
