# A referral's whole way through the web front door, in a real browser:
# headless Chromium driven by tests/browser/web_e2e.py, against the real
# daemons (local-hub with a web section and the self-intake), each person
# logging in to their own pages. A GP receptionist refers a carer in
# Chelmsford; Carers First's case worker finds her in Cases (not Essex
# Carers Support's case, seeded here), records contacted and then
# supported with two kinds of support; the GP's referrals show it
# supported; the commissioner's report counts one more carer supported. A
# second referral, from CM3 (a district across West and Mid Essex), goes
# to triage, which assigns it to Action for Family Carers: its case worker
# finds it in Cases, and its case file arrives in that organisation's
# spool. A carer in Clacton asks for support at /help and reaches Essex
# Carers Support's Cases. Then the hub agrees (carerhub case, the spools).
# axe-core (WCAG 2.2 A and AA) runs on every page visited: serious or
# critical violations fail. Screenshots of every page (desktop and 320 px)
# are in $WORK/shots, a few copied to /tmp/e2e-shots (and all of them to
# CARERHUB_ARTIFACTS if set). Skipped, saying so, only if the browser is
# not installed and CARERHUB_REQUIRE_BROWSER is unset.
. "$(dirname "$0")/lib.sh"
browser_ready

hub_config
cat >>"$hub/carerhub.yaml" <<YAML
self_intake: {endpoint: "ipc://$hub/run/self-intake.ipc", retry_ms: 300, retry_max_ms: 1500}
web:
  listen: 127.0.0.1:0
YAML
hub_start
url=$("$top/deploy/local-hub" status "$hub" | sed -n 's/^web: //p')
[[ $url =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "local-hub status gave no web URL: '$url'"
pw='a long enough password'
for u in "a.patel gp F81001" "p.khan provider carers-first" "t.reid provider ews-triage" \
    "a.lee provider afc" "e.jones provider ecs" "c.ross commissioner"; do
    set -- $u
    cli user add "$1" --role "$2" ${3:+--org "$3"} --password-stdin <<<"$pw" >/dev/null ||
        fail "user add $1"
done

# Another organisation's case, for Carers First not to see; supported
# already, so that the report's count does not start at nothing.
cat >"$WORK/mary.yaml" <<DOC
practice: F81002
referrer: {name: "B First", phone: "01206 000000"}
carer: {given_name: Mary, family_name: Baker, date_of_birth: 1955-09-30, postcode: "CO4 5AB", phone: "07700 900222"}
cared_for: {relationship: husband, conditions: [frailty]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
cli submit gp "$WORK/mary.yaml" >/dev/null || fail "Mary Baker's card was not accepted"
wait_count 1 ecs
mary=$(files ecs | xargs jq -r .case_id)
cli --key provider-ecs outcome "$mary" supported --support information_advice >/dev/null ||
    fail "supported at ecs"

shots=$WORK/shots
mkdir -p "$shots"
start=$(date +%s)
/usr/bin/python3 "$top/tests/browser/web_e2e.py" "$url" "$shots" --password "$pw" \
    --other-case "$mary" --other-carer "Mary Baker" --out "$WORK/made" "${axe_opt[@]}" \
    >"$WORK/browse.out" 2>&1
rc=$?
sed 's/^/[e2e] /' "$WORK/browse.out"
[ $rc -eq 0 ] || fail "the journey in Chromium: $(grep -A20 FAILED "$WORK/browse.out" || tail -n 5 "$WORK/browse.out")"
note "the journey took $(($(date +%s) - start)) s"

# What the pages did, as the hub and the spools have it.
made() { awk -v w="$1" '$1 == w {print $'"$2"'}' "$WORK/made"; }
jane=$(made gp 3) tom=$(made triage 3) tom_ref=$(made triage 2) rosa=$(made self 3) rosa_ref=$(made self 2)
cli case "$jane" >"$WORK/jane" || fail "carerhub case $jane"
grep -q "^$jane: supported, with Carers First" "$WORK/jane" || fail "Jane's case: $(cat "$WORK/jane")"
grep -q "support  *break, carers_assessment" "$WORK/jane" || fail "the kinds: $(cat "$WORK/jane")"
files carers-first | xargs jq -e --arg c "$jane" 'select(.case_id == $c) | .carer.family_name == "Smith"' \
    >/dev/null || fail "no case file of $jane at Carers First"
cli case "$tom" | grep -q "^$tom: delivered, with Action for Family Carers (afc)" ||
    fail "Tom's case after it was assigned: $(cli case "$tom")"
for ((i = 0; i < 100; i++)); do
    f=$(files afc | xargs -r jq -r --arg c "$tom" 'select(.case_id == $c) | input_filename' | head -n 1)
    [ -n "$f" ] && break
    sleep 0.1
done
[ -n "$f" ] || fail "the case file of $tom did not arrive in afc's spool"
jq -e --arg r "$tom_ref" '.carer.family_name == "Pryor" and any(.referrals[]; .id == $r)' "$f" >/dev/null ||
    fail "afc's case file of $tom: $(jq -c '{kind, carer, referrals: [.referrals[].id]}' "$f")"
note "$tom arrived at afc: $(basename "$f") ($(jq -r '.kind // "-"' "$f"))"
files ecs | xargs jq -e --arg c "$rosa" --arg r "$rosa_ref" \
    'select(.case_id == $c) | .referrals[0].source == "self" and .referral_id == $r' >/dev/null ||
    fail "no case file of $rosa ($rosa_ref, source self) at Essex Carers Support"

n=$(find "$shots" -name 'e2e-*.png' | wc -l)
[ "$n" -ge 40 ] || fail "only $n screenshots in $shots"
mkdir -p /tmp/e2e-shots
for p in provider-cases provider-supported gp-referrals report-after triage-case afc-cases help-sent ecs-cases; do
    for w in desktop 320; do
        [ -s "$shots/e2e-$p-$w.png" ] || fail "no screenshot e2e-$p-$w.png"
    done
    cp "$shots/e2e-$p-desktop.png" "$shots/e2e-$p-320.png" /tmp/e2e-shots/
done
note "$n screenshots in $shots; some in /tmp/e2e-shots"
if [ -n "${CARERHUB_ARTIFACTS:-}" ]; then
    mkdir -p "$CARERHUB_ARTIFACTS" && cp "$shots"/*.png "$CARERHUB_ARTIFACTS/" ||
        fail "cannot copy the screenshots to $CARERHUB_ARTIFACTS"
fi
hub_stop
