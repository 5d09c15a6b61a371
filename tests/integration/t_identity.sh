# Who a carer is: one NHS number given for two people (a placeholder, or a
# slip) never joins them, and each case goes to the organisation of its own
# carer, both flagged for a person to look at; twins are two cases; the
# same carer written another way is one.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
card() { # card GIVEN FAMILY DATE-OF-BIRTH POSTCODE [NHS] [PHONE]
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: "$1", family_name: "$2", date_of_birth: $3, postcode: "$4", phone: "${6:-07700 900111}"${5:+, nhs_number: "$5"}}
cared_for: {relationship: father}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
}
# Jane lives in Chelmsford (Carers First); Mary in Colchester (Essex Carers
# Support) was given Jane's NHS number by mistake.
{
    card Jane Smith 1961-04-02 "CM2 0AA" 9434765919
    card Mary Jones 1975-09-14 "CO4 5AB" 9434765919 "07700 900222"
} >"$WORK/nhs.yaml"
cli submit gp "$WORK/nhs.yaml" >"$WORK/ids" || fail "not accepted: $(cat "$WORK/ids")"
wait_count 2 carers-first # Jane's case, then its flag
wait_count 1 ecs
jane=$(files carers-first | head -n 1)
flagged=$(files carers-first | tail -n 1)
mary=$(files ecs)
assert_eq "$(jq -r .carer.family_name "$jane")" Smith "Carers First's carer"
assert_eq "$(jq -r .carer.family_name "$mary")" Jones "Essex Carers Support's carer"
assert_eq "$(jq -r '[.referrals[].carer.family_name] | join(",")' "$mary")" Jones \
    "no referral of Jane's at Essex Carers Support"
[ "$(jq -r .case_id "$jane")" != "$(jq -r .case_id "$mary")" ] || fail "one case for two carers"
assert_eq "$(jq -r .flags.identity_conflict "$mary")" true "the second case is flagged"
# Carers First hears of the flag on Jane's case: an update of the case
# alone, naming no referral and nothing of Mary.
assert_eq "$(jq -r '[.kind, .version, .flags.identity_conflict, has("referral_id"), .carer.family_name, ([.referrals[].carer.family_name] | join(","))] | join(" ")' "$flagged")" \
    "update 2 true false Smith Smith" "the flag at Carers First"
grep -q "Jones\|Mary\|CO4" "$flagged" && fail "Carers First's file tells of Mary"
jq -r .flags.conflict_reason "$mary" | grep -q "$(jq -r .case_id "$jane")" ||
    fail "the flag's reason does not name the other case: $(jq -r .flags.conflict_reason "$mary")"
# The operator sees both: the count, and each referral's status.
cli stats --json >"$WORK/stats" || fail "carerhub stats failed"
assert_eq "$(jq -r '.identity_conflicts' "$WORK/stats")" 1 "identity_conflicts in stats"
for id in $(grep -o 'GP-[A-Z0-9]*-[0-9]*' "$WORK/ids" | sort -u); do
    cli status "$id" >"$WORK/status" || fail "status $id failed"
    grep -q "identity conflict" "$WORK/status" || fail "status of $id does not show the conflict: $(cat "$WORK/status")"
done
grep -rq "Smith\|Jane" "$hub/logs" && fail "a log holds the carer's name"

# Jane again, with her NHS number and another phone: her case, at Carers
# First, now also flagged; nothing of hers goes to Mary's organisation.
card Jane Smith 1961-04-02 "CM2 0AA" 9434765919 "07700 900333" >"$WORK/jane2.yaml"
cli submit gp "$WORK/jane2.yaml" >/dev/null || fail "not accepted"
wait_count 3 carers-first
latest=$(files carers-first | tail -n 1)
assert_eq "$(jq -r '[.kind, .case_id, .flags.identity_conflict] | join(" ")' "$latest")" \
    "update $(jq -r .case_id "$jane") true" "Jane's update"
assert_eq "$(count ecs)" 1 "case files at Essex Carers Support"

# Twins: same family name, date of birth, postcode and phone; their given
# names differ. Two cases. The same twin written another way is one.
{
    card Anna Brown 2001-05-05 "CO1 1AB" "" "07700 900444"
    card Emma Brown 2001-05-05 "CO1 1AB" "" "07700 900444"
    card "ANNA " "brown" 2001-05-05 "co11ab" "" "07700 900555"
} >"$WORK/twins.yaml"
cli submit gp "$WORK/twins.yaml" >/dev/null || fail "not accepted"
wait_count 4 ecs
browns=$(grep -l '"family_name":"[Bb]rown"' $(files ecs))
assert_eq "$(jq -r '.case_id' $browns | sort -u | wc -l)" 2 "cases for the twins"
assert_eq "$(jq -r '[.kind, .carer.given_name] | join(" ")' $browns | sort | tr '\n' ';')" \
    "new Anna;new Emma;update ANNA;" "the twins' case files"
hub_stop
