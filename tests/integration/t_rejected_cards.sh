# A card with mistakes is refused with every problem named by its field; in
# a file of several referrals, the good ones are still accepted.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
cli submit gp "$samples/gp-rejected.yaml" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 65 "exit status of a rejected card"
[ -s "$WORK/out" ] && fail "something of the rejected card was accepted: $(cat "$WORK/out")"
for field in hospital referrer.phone carer.given_name carer.date_of_birth carer.postcode \
    carer.phone carer.nhs_number 'cared_for.conditions\[2\]' consent.share_with_support_service \
    practice; do
    grep -q "^$samples/gp-rejected.yaml#1: $field: " "$WORK/err" ||
        fail "no error for $field; stderr was: $(cat "$WORK/err")"
done
assert_eq "$(wc -l <"$WORK/err")" 10 "number of problems reported"

# Three documents, the middle one bad: two accepted, one refused, exit 65.
{
    sed -n '/^---$/,$p' "$samples/gp.yaml" | awk '/^---$/{n++} n==2' # second card
    echo "---"
    echo "practice: F81001"
    echo "carer: {given_name: X}"
    sed -n '/^---$/,$p' "$samples/gp.yaml" | awk '/^---$/{n++} n==3' # third card
} >"$WORK/mixed.yaml"
cli submit gp "$WORK/mixed.yaml" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 65 "exit status of a file with one bad referral"
assert_eq "$(grep -c '^accepted ' "$WORK/out")" 2 "accepted from the mixed file"
grep -q "mixed.yaml#2: consent: is required" "$WORK/err" || fail "document 2 not reported: $(cat "$WORK/err")"
grep -q "mixed.yaml#1\|mixed.yaml#3" "$WORK/err" && fail "a good document was reported"
wait_count 2

# Fields of another source, unknown keys, and a YAML alias.
printf 'school: {urn: 115000}\npractise: F81001\n' >"$WORK/odd.yaml"
cli submit gp "$WORK/odd.yaml" 2>"$WORK/err"
assert_eq $? 65 "exit status"
grep -q "odd.yaml#1: school: belongs to school referrals, not to a gp referral" "$WORK/err" || fail "other source: $(cat "$WORK/err")"
grep -q "odd.yaml#1: practise: unknown field (did you mean 'practice'?)" "$WORK/err" || fail "typo: $(cat "$WORK/err")"
printf 'practice: &p F81001\nreferrer: *p\n' >"$WORK/alias.yaml"
cli submit gp "$WORK/alias.yaml" 2>"$WORK/err"
assert_eq $? 65 "exit status"
grep -q "alias.yaml#1: yaml: line 1, column 11: anchors (&p) are not allowed" "$WORK/err" || fail "alias: $(cat "$WORK/err")"

# Standard input works too.
awk '/^---$/{n++} n==2' "$samples/gp.yaml" | cli submit gp - >"$WORK/out" || fail "stdin not accepted"
grep -q '^accepted GP-' "$WORK/out" || fail "stdin: no id"
hub_stop
