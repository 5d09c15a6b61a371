# The web front door's authorisation matrix, against the real daemons:
# every page (GET) and every action (POST with the session's own CSRF
# token) tried by a GP practice's user, a hospital's, a school's, a support
# organisation's (Carers First), triage's (Essex Wellbeing Service), a
# commissioner, an operator and nobody logged in (web_matrix.py, which
# holds the expected matrix, written out by hand, and prints the table).
# Allowed only where it should be: elsewhere 403, or /login for nobody;
# the public pages answer anyone. A route of the route table that the
# matrix does not try fails the test. Then what the hub holds shows that
# only the allowed actions did anything: three referrals from the web, one
# for each referrer's form, each from its own user; Carers First's case
# accepted once, by Carers First; no operator's action but the operator's.
# Another organisation's ids read as ids that do not exist (404) and
# name nothing of them: F81001's referral for a user of practice F81002,
# Essex Carers Support's case, GET and POST, for Carers First's case
# worker; each attempt is in the audit trail with the user's name, and the
# case was not touched. Assign is triage's: Carers First's case page has
# no assign form, and an assign sent by hand is refused (the case stays).
. "$(dirname "$0")/lib.sh"
hub_config
cat >>"$hub/carerhub.yaml" <<YAML
self_intake: {endpoint: "ipc://$hub/run/self-intake.ipc", retry_ms: 300, retry_max_ms: 1500}
web:
  listen: 127.0.0.1:0
YAML
hub_start
url=$("$top/deploy/local-hub" status "$hub" | sed -n 's/^web: //p')
[[ $url =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "local-hub status gave no web URL: '$url'"
pw='correct horse battery'
for u in "a.patel gp F81001" "b.first gp F81002" "m.ali hospital RAJ" "j.taylor school 115000" \
    "p.khan provider carers-first" "t.reid provider ews-triage" "c.ross commissioner" \
    "o.ps operator"; do
    set -- $u
    cli user add "$1" --role "$2" ${3:+--org "$3"} --password-stdin <<<"$pw" >/dev/null ||
        fail "user add $1"
done

# Three carers of practice F81001: Chelmsford (Carers First), Colchester
# (Essex Carers Support), and CM3, a district that spans Uttlesford (West
# Essex) and Chelmsford (Mid Essex), so triage's.
card() { # GIVEN FAMILY POSTCODE
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: $1, family_name: $2, date_of_birth: 1961-04-02, postcode: "$3", phone: "07700 900111"}
cared_for: {relationship: mother, conditions: [dementia]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
}
{
    card Ann Archer "CM2 6XY"
    card Mary Baker "CO4 5AB"
    card Tom Tanner "CM3 4AA"
} >"$WORK/cards.yaml"
cli submit gp "$WORK/cards.yaml" >"$WORK/ids" || fail "not accepted: $(cat "$WORK/ids")"
wait_count 1 carers-first
wait_count 1 ecs
wait_count 1 ews-triage
cf=$(files carers-first | xargs jq -r .case_id)
ecs=$(files ecs | xargs jq -r .case_id)
tri=$(files ews-triage | xargs jq -r .case_id)
[[ $cf == C-* && $ecs == C-* && $tri == C-* ]] || fail "case ids: '$cf' '$ecs' '$tri'"
ecs_before=$(cli case "$ecs") || fail "carerhub case $ecs"

note "the matrix"
start=$(date +%s)
/usr/bin/python3 "$here/web_matrix.py" "$url" --password "$pw" --case-provider "$cf" \
    --case-triage "$tri" --case-other "$ecs" --out "$WORK/made" >"$WORK/matrix.out" 2>&1
rc=$?
cat "$WORK/matrix.out"
[ $rc -eq 0 ] || fail "the authorisation matrix: $(sed -n '/^FAILED/,$p' "$WORK/matrix.out" | head -n 40)"
note "the matrix took $(($(date +%s) - start)) s"

note "only the allowed actions did anything"
audit_fetch
made() { awk -v s="$1" '$1 == s {print $2}' "$WORK/made"; }
for s in "gp a.patel" "discharge m.ali" "school j.taylor"; do
    set -- $s
    rid=$(made "$1")
    [ -n "$rid" ] || fail "no $1 referral was made from the web"
    audit_has '.event == "submitted" and .referral_id == "'"$rid"'" and .actor == "gateway web / user '"$2"'"' ||
        fail "$rid was not submitted by $2: $(grep "$rid" "$WORK/audit")"
done
assert_eq "$(jq -s '[.[] | select(.event == "submitted" and (.actor | startswith("gateway web")))] | length' "$WORK/audit")" \
    3 "referrals submitted from the web"
cli case "$cf" >"$WORK/cf" || fail "carerhub case $cf"
grep -q "^$cf: accepted, with Carers First" "$WORK/cf" || fail "Carers First's case: $(cat "$WORK/cf")"
assert_eq "$(grep -c ' accepted at Carers First' "$WORK/cf")" 1 "accepted on the timeline of $cf"
grep -q 'contacted at\|assigned' "$WORK/cf" && fail "$cf was changed by a refused form: $(cat "$WORK/cf")"
cli case "$tri" | grep -q "^$tri: accepted, with Essex Wellbeing Service" ||
    fail "triage's case: $(cli case "$tri")"
assert_eq "$(jq -rs '[.[] | select(.event == "parked-action" or .event == "conflict-action") | .actor] | unique | join(",")' "$WORK/audit")" \
    "gateway web / user o.ps" "who the hub took operators' actions from"

note "another organisation's ids: audited, nothing shown, nothing changed"
gp_ref=$(made gp)
audit_has '.event == "status" and .actor == "gateway web / user b.first" and .referral_id == "'"$gp_ref"'"' ||
    fail "b.first's look at $gp_ref is not in the audit trail"
# One for the GET, one for the POST: each asked the router for the case.
assert_eq "$(jq -s '[.[] | select(.event == "case" and .actor == "gateway web / user p.khan" and .detail == "case '"$ecs"'")] | length' "$WORK/audit")" \
    2 "p.khan's attempts at $ecs in the audit trail"
assert_eq "$(cli case "$ecs")" "$ecs_before" "Essex Carers Support's case after p.khan's POST"
grep -qi 'archer\|baker\|tanner\|smith\|khan, \|o.neill' "$WORK/audit" &&
    fail "the audit trail holds a carer's details"
hub_stop
echo ok
