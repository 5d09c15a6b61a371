# `carerhub postcodes import` while the hub runs: the next referral routes by
# the new table, without a reload, both when the hub started with no table
# and when the import moves a postcode to another authority.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start

# card N: a GP card for a distinct carer at CM1 4YY (district CM1 spans
# Chelmsford and other authorities: triage, going by the district alone).
card() {
    cat <<DOC
practice: F81001
referrer: {name: "Test Referrer", phone: "01245 000000"}
carer:
  given_name: Test
  family_name: Live$1
  date_of_birth: 1970-01-0$1
  postcode: CM1 4YY
  phone: "07700 900000"
cared_for: {relationship: parent, conditions: [frailty]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-01}
DOC
}
# units LAD: a unit table putting CM1 4YY in authority LAD (synthetic).
units() { printf 'pcds,doterm,oslaua\nCM1 4YY,,%s\n' "$1" >"$WORK/units.csv"; }
# refer N PROVIDER: submits card N and checks the provider its case reached.
refer() {
    local id f
    card "$1" >"$WORK/card.$1.yaml"
    cli submit gp "$WORK/card.$1.yaml" >"$WORK/submit.$1" || fail "card $1 not accepted"
    id=$(sed -n 's/^accepted //p' "$WORK/submit.$1")
    wait_count "$1"
    f=$(grep -l "\"referral_id\":\"$id\"" $(files)) || fail "no case file for $id"
    assert_eq "$(basename "$(dirname "$f")")" "$2" "provider of card $1"
    echo "$f"
}

f=$(refer 1 ews-triage) || exit 1
jq -r .routing.reason "$f" | grep -q "Postcode district CM1 spans" ||
    fail "card 1 was not routed by the district: $(jq -r .routing.reason "$f")"

# Chelmsford (Carers First), into a hub that started with no table.
units E07000070
cli postcodes import "$WORK/units.csv" >"$WORK/import.1" || fail "first import failed"
grep -q "no reload is needed" "$WORK/import.1" || fail "the import did not say a reload is not needed"
f=$(refer 2 carers-first) || exit 1
assert_eq "$(jq -r .routing.lad "$f")" E07000070 "authority of card 2"
jq -r .routing.reason "$f" | grep -q "from the postcode unit table" ||
    fail "card 2 was not routed by the unit table: $(jq -r .routing.reason "$f")"
cli route CM1 4YY | grep -q "^provider:  carers-first" || fail "route disagrees after the first import"

# The postcode moves to Epping Forest (Action for Family Carers).
units E07000072
cli postcodes import "$WORK/units.csv" >/dev/null || fail "second import failed"
f=$(refer 3 afc) || exit 1
assert_eq "$(jq -r .routing.lad "$f")" E07000072 "authority of card 3"
grep -q "postcode unit table .* opened, as imported" "$hub/logs/router.log" ||
    fail "the router did not log that it opened the imported table"
# The intake checks postcodes by the same table, so that what route
# accepts the intake accepts: it took the table up at the next card too.
grep -q "postcode unit table .* opened, as imported" "$hub/logs/gp-intake.log" ||
    fail "the gp intake did not take up the imported table"
hub_stop
