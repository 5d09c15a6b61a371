# A referrer cancels its own referral while the case is open: the
# organisation receives a "cancelled" file saying which referral and why
# (sent in error: delete what was imported), with nothing of the carer; a
# case whose every referral is cancelled is closed. Another practice cannot
# cancel it (to it the referral does not exist), and a second cancel says
# it was done already.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
add_key gp-other gp F81009
gen 1 Cancelled | sed 's/postcode: .*/postcode: CM2 0AA/' >"$WORK/card.yaml"
cli submit gp "$WORK/card.yaml" >"$WORK/ids" || fail "not accepted"
rid=$(sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/ids")
wait_count 1 carers-first
case_id=$(jq -r .case_id "$(files carers-first)")

cli --key gp-other cancel "$rid" --reason error >"$WORK/o" 2>&1
assert_eq "$?" 65 "exit status of another practice's cancel"
grep -q "no referral $rid of yours" "$WORK/o" || fail "another practice was told: $(cat "$WORK/o")"

cli cancel "$rid" --reason error --note "wrong patient selected" >"$WORK/o" 2>&1 ||
    fail "cancel failed: $(cat "$WORK/o")"
grep -q "cancelled: $rid" "$WORK/o" || fail "cancel said: $(cat "$WORK/o")"
wait_count 2 carers-first
f=$(files carers-first | tail -n 1)
assert_eq "$(jq -r '[.kind, .case_id, .referral_id, .cancellation.reason, .cancellation.note, .closed] | join("|")' "$f")" \
    "cancelled|$case_id|$rid|error|wrong patient selected|true" "the cancelled file"
assert_eq "$(jq -r '[has("carer"), has("referrals")] | join(" ")' "$f")" "false false" "personal data in the cancelled file"

cli cancel "$rid" --reason changed >"$WORK/o" 2>&1 || fail "a second cancel failed: $(cat "$WORK/o")"
grep -q "already" "$WORK/o" || fail "a second cancel did not say it was done already: $(cat "$WORK/o")"
sleep 1
assert_eq "$(count carers-first)" 2 "case files after a second cancel"
cli --key gp feedback --json >"$WORK/fb" || fail "feedback failed"
assert_eq "$(jq -r '.[0].state' "$WORK/fb")" cancelled "the practice's feedback"
audit_fetch
audit_has "select(.event == \"cancelled\" and .referral_id == \"$rid\")" || fail "the cancellation was not audited"
grep -q "wrong patient" "$WORK/audit" "$hub"/logs/*.log && fail "the note reached the log or the audit trail"
hub_stop
