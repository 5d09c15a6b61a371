# A carer referred several times is one case: matched by NHS number, or
# without one by family name, date of birth and postcode however written.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
card() { # card FAMILY POSTCODE [NHS]
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: Ann, family_name: "$1", date_of_birth: 1960-02-03, postcode: "$2", phone: "07700 900111"${3:+, nhs_number: "$3"}}
cared_for: {relationship: father}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
}
{
    card "O'Neill" "CO1 1AB"
    card "oneill" "co11ab"       # same carer, written differently
    card "O’Neill-" "CO1  1AB"   # typographic apostrophe, stray hyphen: the same
} >"$WORK/three.yaml"
cli submit gp "$WORK/three.yaml" >"$WORK/out" || fail "not accepted"
wait_count 3 ecs
assert_eq "$(jq -r .kind $(files ecs) | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 1 new; 2 update;" "kinds"
assert_eq "$(jq -r .case_id $(files ecs) | sort -u | wc -l)" 1 "cases"

# NHS number decides: same number and a different address is the same carer;
# same name, birthday and postcode with another NHS number is someone else.
{
    card Baker "CO2 7AB" 9434765919
    card Baker "CO3 3AB" 9434765919
    card Baker "CO2 7AB" 4010232137
} >"$WORK/nhs.yaml"
cli submit gp "$WORK/nhs.yaml" >/dev/null || fail "not accepted"
wait_count 6 ecs
assert_eq "$(grep -l '"family_name":"Baker"' $(files ecs) | xargs jq -r .case_id | sort | uniq -c | tr -s ' ' | tr '\n' ';')" \
    " 2 C-000002; 1 C-000003;" "NHS matching"
# An update goes to the case's provider, even from another address.
assert_eq "$(grep -l '"postcode":"CO3 3AB"' $(files ecs) | wc -l)" 1 "update with the new address at ecs"
hub_stop
