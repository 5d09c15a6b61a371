# The case worker's pages in a real browser: headless Chromium, driven by
# tests/browser/web_inbox.py, against the real daemons (local-hub with a
# web section). Two GP referrals: one to Carers First, one to Essex Carers
# Support. A Carers First case worker logs in, opens Cases from the menu,
# finds the carer in the inbox (not the other organisation's case), opens
# the case, records contacted with a note, then supported: first without a
# kind of support (the error summary links to the field, the message is
# beside it, the status is kept), then with two kinds. `carerhub case`
# then shows what the pages did. The other organisation's case is a 404
# page. axe-core (WCAG 2.2 A and AA) runs on every page visited, /inbox and
# /inbox/ID among them: serious or critical violations fail, others are
# printed. Screenshots of every page (desktop and 320 px) are saved in
# $WORK/shots and, if CARERHUB_ARTIFACTS is set, copied there. Skipped,
# saying so, only if the browser is not installed and
# CARERHUB_REQUIRE_BROWSER is unset (tools/deps installs it).
. "$(dirname "$0")/lib.sh"
browser_ready

web_hub_start
cli user add p.khan --role provider --org carers-first --password-stdin \
    <<<'a case worker password' >/dev/null || fail "user add p.khan"

card() { # GIVEN FAMILY POSTCODE
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: $1, family_name: $2, date_of_birth: 1961-04-02, postcode: "$3", phone: "07700 900111"}
cared_for: {relationship: mother, conditions: [dementia, frailty]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
}
{
    card Jane Smith "CM2 0AA"
    card Mary Baker "CO4 5AB"
} >"$WORK/cards.yaml"
cli submit gp "$WORK/cards.yaml" >"$WORK/ids" || fail "not accepted: $(cat "$WORK/ids")"
wait_count 1 carers-first
wait_count 1 ecs
jane=$(files carers-first | xargs jq -r .case_id)
mary=$(files ecs | xargs jq -r .case_id)

shots=$WORK/shots
mkdir -p "$shots"
note "p.khan of Carers First works case $jane in Chromium"
/usr/bin/python3 "$top/tests/browser/web_inbox.py" "$url" "$shots" --user p.khan \
    --password 'a case worker password' --case "$jane" --carer "Jane Smith" --other "$mary" \
    "${axe_opt[@]}" >"$WORK/browse.out" 2>&1
rc=$?
sed 's/^/[inbox] /' "$WORK/browse.out"
[ $rc -eq 0 ] || fail "the case worker in Chromium: $(grep -A20 FAILED "$WORK/browse.out" || tail -n 5 "$WORK/browse.out")"

# What the pages recorded, as the hub has it.
cli --key provider-carers-first case "$jane" >"$WORK/case" || fail "carerhub case $jane"
grep -q "^$jane: supported, with Carers First" "$WORK/case" || fail "the state: $(cat "$WORK/case")"
grep -q "support  *break, carers_assessment" "$WORK/case" || fail "the kinds: $(cat "$WORK/case")"
grep -q "contacted at Carers First; note: Rang back; a carer's assessment next week" "$WORK/case" ||
    fail "the contact and its note: $(cat "$WORK/case")"
assert_eq "$(grep -c ' supported at Carers First' "$WORK/case")" 1 "supported on the timeline"

# Every page was looked at and photographed, at both widths.
n=0
for page in home inbox case contacted errors supported inbox-after 404; do
    for w in desktop 320; do
        [ -s "$shots/inbox-$page-$w.png" ] || fail "no screenshot inbox-$page-$w.png"
        n=$((n + 1))
    done
done
note "$n screenshots in $shots"
if [ -n "${CARERHUB_ARTIFACTS:-}" ]; then
    mkdir -p "$CARERHUB_ARTIFACTS" && cp "$shots"/*.png "$CARERHUB_ARTIFACTS/" ||
        fail "cannot copy the screenshots to $CARERHUB_ARTIFACTS"
fi
# Each view was a query the router audited, naming the user.
audit_fetch
audit_has '.event == "case" and .actor == "gateway web / user p.khan" and .detail == "case '"$jane"'"' ||
    fail "no view of $jane by p.khan in the router's audit"
audit_has '.event == "outcome" and .actor == "gateway web / user p.khan" and .case_id == "'"$jane"'"' ||
    fail "no outcome by p.khan in the router's audit"
grep -qi 'smith\|baker\|next week' "$WORK/audit" && fail "the audit trail holds a carer's details"
hub_stop
