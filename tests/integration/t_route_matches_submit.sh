# `carerhub route` previews exactly what `carerhub submit` meets: for each
# postcode a postcode the intake refuses is refused by route in the same
# words and with the same exit status, and one it accepts is routed to the
# organisation (and signposted to the place) route named. A carer in Jersey,
# Guernsey or the Isle of Man can be referred: out of area, signposted by name.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start

# card N POSTCODE: a GP card for a distinct carer living at POSTCODE.
card() {
    cat <<DOC
practice: F81001
referrer: {name: "Test Referrer", phone: "01245 000000"}
carer:
  given_name: Test
  family_name: Island$1
  date_of_birth: 1970-01-0$1
  postcode: "$2"
  phone: "07700 900000"
cared_for: {relationship: parent, conditions: [frailty]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-01}
DOC
}

# postcode, then what a person should see: provider and signpost, or refused.
cases=(
    "JE2 3AB|out-of-area|Jersey"
    "gy1 1aa|out-of-area|Guernsey"
    "IM1 1AA|out-of-area|Isle of Man"
    "CM2 0AA|carers-first|null"
    "SS1 1AA|out-of-area|Southend-on-Sea"
    "AB1 1AA|refused|AB1 1AA is not in any known UK postcode district; check it with the carer"
    "CM2 0A|refused|'CM2 0A' is not a valid UK postcode (a form like CM2 0AA)"
)
delivered=0
for i in "${!cases[@]}"; do
    IFS='|' read -r pc want detail <<<"${cases[$i]}"
    n=$((i + 1))
    cli route --json --source gp --dob 1970-01-0$n --on "$(date +%F)" $pc >"$WORK/route.$n" 2>"$WORK/route.$n.err"
    route_rc=$?
    card $n "$pc" >"$WORK/card.$n.yaml"
    cli submit gp "$WORK/card.$n.yaml" >"$WORK/submit.$n" 2>"$WORK/submit.$n.err"
    submit_rc=$?
    assert_eq "$route_rc" "$submit_rc" "exit of route and of submit for '$pc'"
    if [ "$want" = refused ]; then
        assert_eq "$submit_rc" 65 "exit of submit for '$pc'"
        grep -qF "carer.postcode: $detail" "$WORK/submit.$n.err" ||
            fail "submit of '$pc' did not say: $detail; it said: $(cat "$WORK/submit.$n.err")"
        assert_eq "$(cat "$WORK/route.$n.err")" "carerhub: route: $detail" "route's refusal of '$pc'"
        continue
    fi
    assert_eq "$submit_rc" 0 "exit of submit for '$pc': $(cat "$WORK/submit.$n.err")"
    assert_eq "$(jq -r .provider "$WORK/route.$n")" "$want" "provider route names for '$pc'"
    id=$(sed -n 's/^accepted //p' "$WORK/submit.$n")
    delivered=$((delivered + 1))
    wait_count $delivered
    f=$(grep -l "\"referral_id\":\"$id\"" $(files)) || fail "no case file for $id ('$pc')"
    assert_eq "$(basename "$(dirname "$f")")" "$want" "provider the case of '$pc' reached"
    assert_eq "$(jq -r .routing.rule "$f")" "$(jq -r .rule "$WORK/route.$n")" "rule for '$pc'"
    assert_eq "$(jq -r .routing.reason "$f")" "$(jq -r .reason "$WORK/route.$n")" "reason for '$pc'"
    assert_eq "$(jq -r .routing.signpost "$f")" "$detail" "signpost for '$pc'"
    assert_eq "$(jq -r .routing.lad "$f")" "$(jq -r .lad "$WORK/route.$n")" "authority for '$pc'"
done
hub_stop
