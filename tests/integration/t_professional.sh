# Referrals from other professionals, through the real daemons: local-hub
# starts carerhub-professional-intake (carerhub.yaml has its section) and
# lists its key and a development key of role professional for the sample
# organisations. The three referrals of config/samples/professional.yaml
# (an Essex Wellbeing Service adviser's, by the service's name; a pharmacy's,
# by an ODS code; an employer's carers network's, by its name) are accepted
# with PR- ids and reach the organisations serving the carers' postcodes
# (Colchester: Essex Carers Support; Harlow: Action for Family Carers;
# Basildon: Carers First) as case files with source professional and their
# professional part, contacted within routing.yaml's 10 days. A key of
# another organisation is refused (professional.organisation_name
# forbidden), and audited; a GP key may not submit there. `carerhub status`
# answers the operator and the referring organisation's key, and refuses
# another organisation's. No carer's name reaches a log.
. "$(dirname "$0")/lib.sh"
hub_config
cat >>"$hub/carerhub.yaml" <<YAML
professional_intake: {endpoint: "ipc://$hub/run/professional-intake.ipc", retry_ms: 300, retry_max_ms: 1500}
YAML
hub_start
grep -q '^  - {id: professional-intake, role: intake, scope: professional' "$hub/participants.yaml" ||
    fail "local-hub did not list the professional intake: $(cat "$hub/participants.yaml")"
"$top/deploy/local-hub" status "$hub" | grep -q '^professional-intake .*running' ||
    fail "local-hub did not start the professional intake: $("$top/deploy/local-hub" status "$hub")"

# The three samples, with the development key for their organisations.
cli submit --json professional "$samples/professional.yaml" >"$WORK/out.json" 2>"$WORK/err" ||
    fail "the samples were not accepted: $(cat "$WORK/out.json" "$WORK/err")"
mapfile -t ids < <(jq -r 'select(.status == "accepted") | .referral_id' "$WORK/out.json")
assert_eq "${#ids[@]}" 3 "samples accepted"
for id in "${ids[@]}"; do [[ $id == PR-*-* ]] || fail "not a professional's id: $id"; done

# Each where its carer's postcode routes, with source professional.
wait_count 1 ecs
wait_count 1 afc
wait_count 1 carers-first
case_of() { # PROVIDER ID: the case file of referral ID there
    files "$1" | xargs -r jq -r --arg id "$2" 'select(.referral_id == $id) | input_filename' | head -n 1
}
f=$(case_of ecs "${ids[0]}")
[ -n "$f" ] || fail "the wellbeing adviser's referral is not at Essex Carers Support: $(files)"
jq -e --arg id "${ids[0]}" '.kind == "new" and .routing.rule == "north-essex"
    and .referrals[0].id == $id and .referrals[0].source == "professional"
    and .referrals[0].professional.role == "wellbeing_adviser"
    and .referrals[0].professional.organisation_name == "Essex Wellbeing Service"
    and (.referrals[0].professional | has("organisation") | not)
    and .referrals[0].referrer.name == "Sam Okafor" and .referrals[0].submitted_by == "professional"
    and (.referrals[0] | has("gp") or has("discharge") or has("school") or has("self") | not)' \
    "$f" >/dev/null || fail "the wellbeing adviser's case file: $(cat "$f")"
assert_eq "$(jq -r .flags.contact_by "$f")" "$(date -u -d '+10 days' +%F)" "contact by (professional: 10 days)"
f=$(case_of afc "${ids[1]}")
[ -n "$f" ] || fail "the pharmacy's referral is not at Action for Family Carers: $(files)"
jq -e '.referrals[0].source == "professional" and .referrals[0].professional.organisation == "FAX12"
    and .referrals[0].professional.role == "pharmacy"' "$f" >/dev/null ||
    fail "the pharmacy's case file: $(cat "$f")"
f=$(case_of carers-first "${ids[2]}")
[ -n "$f" ] || fail "the employer's referral is not at Carers First: $(files)"
jq -e '.referrals[0].professional.role == "employer"
    and .referrals[0].professional.organisation_name == "Example Logistics Carers Network"' "$f" \
    >/dev/null || fail "the employer's case file: $(cat "$f")"

# Another organisation's key: the wellbeing service's referral refused,
# naming the field that names the organisation; a GP key may not submit.
before=$(grep -c 'participants reloaded' "$hub/logs/professional-intake.log")
add_key other-pharmacy professional FAY99
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c 'participants reloaded' "$hub/logs/professional-intake.log")" -gt "$before" ] && break
    sleep 0.05
done
awk '/^---$/{d++} d==1' "$samples/professional.yaml" >"$WORK/wellbeing.yaml"
cli --key "$hub/keys/other-pharmacy.key" submit --json professional "$WORK/wellbeing.yaml" \
    >"$WORK/out.json" 2>"$WORK/err"
assert_eq "$?" 65 "exit status of another organisation's referral"
jq -se 'length == 1 and .[0].status == "rejected" and (.[0].errors | length) == 1
    and .[0].errors[0].field == "professional.organisation_name" and .[0].errors[0].code == "forbidden"
    and (.[0].errors[0].message | test("Essex Wellbeing Service is not yours to refer for"))' \
    "$WORK/out.json" >/dev/null || fail "another organisation's key: $(cat "$WORK/out.json" "$WORK/err")"
cli --key "$hub/keys/gp.key" submit professional "$WORK/wellbeing.yaml" >"$WORK/out" 2>&1 &&
    fail "a GP key submitted to the professional intake: $(cat "$WORK/out")"
grep -q 'a gp key may not submit here' "$WORK/out" || fail "the GP key's refusal: $(cat "$WORK/out")"
audit_wait '.event == "refused-message" and .actor == "other-pharmacy" and .recorded_by == "carerhub-professional-intake" and (.detail | test("outside the scope"))'

# Status: the operator's, the referring organisation's; not another's.
cli status "${ids[0]}" >"$WORK/out" || fail "the operator's status of ${ids[0]}: $(cat "$WORK/out")"
grep -q "^${ids[0]}: delivered to Essex Carers Support (ecs)" "$WORK/out" ||
    fail "the operator's status: $(cat "$WORK/out")"
cli --key "$hub/keys/professional.key" status "${ids[1]}" >"$WORK/out" 2>&1 ||
    fail "the pharmacy's status of its referral: $(cat "$WORK/out")"
grep -q "^${ids[1]}: delivered to Action for Family Carers (afc)" "$WORK/out" ||
    fail "the pharmacy's status: $(cat "$WORK/out")"
cli --key "$hub/keys/other-pharmacy.key" status "${ids[1]}" >"$WORK/out" 2>&1 &&
    fail "another organisation saw the pharmacy's referral: $(cat "$WORK/out")"
grep -q "delivered" "$WORK/out" && fail "another organisation was told where it is: $(cat "$WORK/out")"

# No carer's name in any log.
grep -l -e Lewis -e Karim -e 'Daniel Price' "$hub"/logs/*.log && fail "a carer's name in a log"
hub_stop
