# Each source's samples reach the provider their carers live with; the carer
# referred by a GP and then by a hospital is one case and one update.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
sed "0,/expected_discharge: [0-9-]*/s//expected_discharge: $(date -d tomorrow +%F)/; s/expected_discharge: 2026-11-29/expected_discharge: $(date -d '+7 days' +%F)/" \
    "$samples/discharge.yaml" >"$WORK/discharge.yaml"
cli submit gp "$samples/gp.yaml" >"$WORK/gp.out" || fail "gp samples not accepted"
cli submit discharge "$WORK/discharge.yaml" >"$WORK/hd.out" || fail "discharge samples not accepted"
cli submit school "$samples/school.yaml" >"$WORK/sc.out" 2>"$WORK/sc.err" || fail "school samples not accepted"
assert_eq "$(grep -c '^accepted GP-' "$WORK/gp.out")" 5 "gp accepted"
assert_eq "$(grep -c '^accepted HD-' "$WORK/hd.out")" 2 "discharge accepted"
assert_eq "$(grep -c '^accepted SC-' "$WORK/sc.out")" 2 "school accepted"
grep -q "notice: carerhub does not handle safeguarding concerns" "$WORK/sc.err" ||
    fail "a school was not told that safeguarding is not handled here"
wait_count 9

assert_eq "$(count afc)" 1 "afc files"
assert_eq "$(count ecs)" 2 "ecs files"
assert_eq "$(count carers-first)" 2 "carers-first files"
assert_eq "$(count young-carers)" 2 "young-carers files"
assert_eq "$(count out-of-area)" 1 "out-of-area files"
assert_eq "$(count ews-triage)" 1 "ews-triage files"

# Jane Smith: a new case from her GP, then the hospital's referral as an
# update of the same case, urgent, carrying both referrals.
gp1=$(sed -n '1s/accepted //p' "$WORK/gp.out")
hd1=$(sed -n '1s/accepted //p' "$WORK/hd.out")
new=$(grep -l "\"referral_id\":\"$gp1\"" $(files carers-first))
upd=$(grep -l "\"referral_id\":\"$hd1\"" $(files carers-first))
assert_eq "$(jq -r .kind "$new")" new "kind of the GP's delivery"
assert_eq "$(jq -r .kind "$upd")" update "kind of the hospital's delivery"
assert_eq "$(jq -r .case_id "$upd")" "$(jq -r .case_id "$new")" "case of the update"
# Named so that a case's files sort in delivery order: <case>.v<version>.<kind>.json
# (from a router without case versions: <case>.json, then <case>.update.<id>.json).
case=$(jq -r .case_id "$new")
v1=$(jq -r '.version // 0' "$new")
v2=$(jq -r '.version // 0' "$upd")
if [ "$v1" = 0 ]; then
    assert_eq "$(basename "$new") $(basename "$upd")" "$case.json $case.update.$hd1.json" "file names"
else
    assert_eq "$(basename "$new") $(basename "$upd")" \
        "$(printf '%s.v%06d.new.json %s.v%06d.update.json' "$case" "$v1" "$case" "$v2")" "file names"
    [ "$v2" -gt "$v1" ] || fail "the update's version $v2 is not after the new case's $v1"
fi
assert_eq "$(printf '%s\n' "$(basename "$upd")" "$(basename "$new")" | LC_ALL=C sort | head -n 1)" \
    "$(basename "$new")" "the new case's file sorts first"
assert_eq "$(jq -r '[.referrals[].source] | join(",")' "$upd")" "gp,discharge" "referrals in the update"
assert_eq "$(jq -r .flags.urgent "$upd")" true "urgent flag (discharge tomorrow)"
assert_eq "$(jq -r '[.schema, .flags.identity_conflict] | join(" ")' "$upd")" "carerhub.case.v2 false" \
    "schema and identity_conflict flag"
assert_eq "$(jq -r '.referrals[1].discharge.hospital.trust' "$upd")" RAJ "source details"

# The Tendring discharge in a week is not urgent.
hd2=$(sed -n '2s/accepted //p' "$WORK/hd.out")
f=$(grep -l "\"referral_id\":\"$hd2\"" $(files ecs))
assert_eq "$(jq -r .flags.urgent "$f")" false "urgent flag (discharge in a week)"

# Young carers: 14 and 17 (about to move to adult services).
assert_eq "$(jq -r .flags.transition $(files young-carers) | sort | tr '\n' ' ')" "false true " "transition flags"
assert_eq "$(jq -r .flags.young_carer $(files young-carers) | sort -u)" true "young carer flags"

# Out of area keeps the authority's name for signposting.
assert_eq "$(jq -r .routing.signpost $(files out-of-area))" "Southend-on-Sea" "signpost"
# Triage says why.
jq -r .routing.reason $(files ews-triage) | grep -q "Postcode district CM1 spans Chelmsford" ||
    fail "triage reason does not name the district and its authorities"

# Files are written privately.
[ "$(stat -c %a "$(files afc)")" = 600 ] || fail "case file mode is not 0600"
[ "$(stat -c %a "$hub/providers/afc")" = 700 ] || fail "spool directory mode is not 0700"

# status follows a referral to its delivery.
cli status "$hd1" >"$WORK/status" || fail "status of $hd1"
grep -q "delivered to Carers First" "$WORK/status" || fail "status does not say delivered"
grep -q "an update of the carer's case" "$WORK/status" || fail "status does not say update"
cli status GP-NOSUCH-1 2>/dev/null
assert_eq $? 66 "status of an unknown referral"

# The router's counters: what the operator sees with carerhub stats. A
# delivery is counted when its agent's acknowledgement is committed.
stat() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/stats"; }
for i in $(seq 50); do
    cli stats >"$WORK/stats" || fail "carerhub stats"
    [ "$(awk '$1 ~ /^delivered\// { n += $2 } END { print n + 0 }' "$WORK/stats")" = 9 ] && break
    sleep 0.1
done
assert_eq "$(stat referrals)" 9 "referrals counted"
assert_eq "$(stat source/gp) $(stat source/discharge) $(stat source/school)" "5 2 2" "referrals by source"
assert_eq "$(stat kind/new) $(stat kind/update)" "8 1" "new cases and updates"
assert_eq "$(stat provider/carers-first) $(stat delivered/carers-first)" "2 2" "carers-first routed and delivered"
assert_eq "$(stat provider/young-carers) $(stat delivered/young-carers)" "2 2" "young-carers routed and delivered"
hub_stop
