# A carer referred several times is one case: matched by NHS number, or
# without one by family name, date of birth and postcode however written.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
card() { # card FAMILY POSTCODE [NHS] [DATE-OF-BIRTH]
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: Ann, family_name: "$1", date_of_birth: ${4:-1960-02-03}, postcode: "$2", phone: "07700 900111"${3:+, nhs_number: "$3"}}
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

# Without an NHS number the date of birth counts too: the same name and
# postcode with another date of birth (day and month swapped, as a
# referrer might write it) is someone else.
{
    card Clarke "CO4 5AB" "" 1960-02-03
    card Clarke "CO4 5AB" "" 1960-03-02
} >"$WORK/dob.yaml"
cli submit gp "$WORK/dob.yaml" >"$WORK/out" || fail "not accepted"
wait_count 5 ecs
assert_eq "$(grep -l '"family_name":"Clarke"' $(files ecs) | xargs jq -r '.kind + " " + .case_id + " " + .carer.date_of_birth' | sort | tr '\n' ';')" \
    "new C-000002 1960-02-03;new C-000003 1960-03-02;" "only the date of birth differs: two cases"

# NHS number decides: the same number and date of birth at another address
# is the same carer, even at an address another organisation serves (CO2:
# Essex Carers Support; CM2: Carers First, as `carerhub route` says), and
# the case moves there (t_transfer_on_move); the same name, birthday and
# postcode with another NHS number is someone else.
[ "$(cli route "CO2 7AB" --json | jq -r .provider)" = ecs ] || fail "CO2 7AB is not served by ecs"
[ "$(cli route "CM2 0AA" --json | jq -r .provider)" = carers-first ] ||
    fail "CM2 0AA is not served by carers-first"
{
    card Baker "CO2 7AB" 9434765919
    card Baker "CM2 0AA" 9434765919
    card Baker "CO2 7AB" 4010232137
} >"$WORK/nhs.yaml"
cli submit gp "$WORK/nhs.yaml" >/dev/null || fail "not accepted"
wait_count 1 carers-first
wait_count 8 ecs
assert_eq "$(grep -l '"case_id":"C-00000[45]"' $(files) | xargs jq -r '[.case_id, .provider, .kind] | join(" ")' | sort | tr '\n' ';')" \
    "C-000004 carers-first transfer_in;C-000004 ecs new;C-000004 ecs transfer_out;C-000005 ecs new;" \
    "NHS matching"
assert_eq "$(jq -r '[.carer.postcode, (.referrals | length)] | join(" ")' "$(files carers-first)")" \
    "CM2 0AA 2" "the case at its new organisation"
hub_stop
