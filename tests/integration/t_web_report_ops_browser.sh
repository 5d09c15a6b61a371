# The commissioners' and operators' pages in a real browser: headless
# Chromium, driven by tests/browser/web_report_ops.py, against the real
# daemons (local-hub with a web section). A commissioner follows "Report",
# sees the charts, gets a date that is not one named at its field, picks a
# period and downloads its CSV, which is `carerhub report --csv` of that
# period; the publish view shows "<5"; /ops is refused. An operator follows
# "Operations", rejects a parked referral (a reason asked for first), and
# its practice then reads it rejected with the reason; a join's
# confirmation and a case's page are looked at too. axe-core (WCAG 2.2 A
# and AA) runs on every page: serious or critical violations fail.
# Screenshots of every page (desktop and 320 px) are saved in $WORK/shots
# and, if CARERHUB_ARTIFACTS is set, copied there. Skipped, saying so,
# only if the browser is not installed and CARERHUB_REQUIRE_BROWSER is
# unset (tools/deps installs it).
. "$(dirname "$0")/lib.sh"
browser_ready
hub_config
echo "referrals: {resend_window_days: 0}" >>"$hub/carerhub.yaml"
sed -i 's/^router:$/router:\n  submitter_case_max: 2/' "$hub/carerhub.yaml"
printf 'web:\n  listen: 127.0.0.1:0\n' >>"$hub/carerhub.yaml"
hub_start
url=$("$top/deploy/local-hub" status "$hub" | sed -n 's/^web: //p')
[[ $url =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "local-hub status gave no web URL: '$url'"
cli user add c.ross --role commissioner --password-stdin <<<'commissioner password' >/dev/null ||
    fail "user add c.ross"
cli user add o.ps --role operator --password-stdin <<<'operator password' >/dev/null ||
    fail "user add o.ps"

# Twelve cards; each organisation contacts its carers and supports every
# other one. Jane referred three times over the bound of two: the third
# parked. Mary given Jane's NHS number: a possible identity conflict.
gen 12 Browser >"$WORK/cards.yaml"
cli submit gp "$WORK/cards.yaml" >/dev/null || fail "the cards were not accepted"
wait_count 12
i=0
for f in $(files); do
    prov=$(basename "$(dirname "$f")")
    case $prov in out-of-area | ews-triage) continue ;; esac
    cid=$(jq -r .case_id "$f")
    cli --key "provider-$prov" outcome "$cid" contacted >/dev/null || fail "contacted $cid"
    if [ $((i++ % 2)) -eq 0 ]; then
        cli --key "provider-$prov" outcome "$cid" supported --support information_advice >/dev/null ||
            fail "supported $cid"
    fi
done
awk '/^---$/{d++} d==1' "$samples/gp.yaml" >"$WORK/jane.yaml"
for i in 1 2 3; do
    cli submit gp "$WORK/jane.yaml" | awk '/^accepted/{print $2}' >>"$WORK/ids" || fail "not accepted"
done
third=$(sed -n 3p "$WORK/ids")
cat >"$WORK/mary.yaml" <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: Mary, family_name: Jones, date_of_birth: 1975-09-14, postcode: "CO4 5AB", phone: "07700 900222", nhs_number: "9434765919"}
cared_for: {relationship: father}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
cli submit gp "$WORK/mary.yaml" >/dev/null || fail "Mary's card not accepted"
for i in $(seq 100); do
    cli alerts --json >"$WORK/alerts.json"
    [ "$(jq '[(.alerts // [])[] | select(.kind == "identity_conflict" or .kind == "parked")] | length' \
        "$WORK/alerts.json")" = 3 ] && break
    sleep 0.2
done
assert_eq "$(cli parked --json | jq -r '.items[0].referral_id')" "$third" "the parked referral"

from=$(date -d '-30 days' +%F)
to=$(date +%F)
cli report --csv --from "$from" --to "$to" | grep -v '^summary,,,generated_at,' >"$WORK/expect.csv" ||
    fail "carerhub report --csv"
shots=$WORK/shots
mkdir -p "$shots"
# browse WHAT ARGS...: web_report_ops.py, its output kept in the log.
browse() {
    local what=$1 rc
    shift
    /usr/bin/python3 "$top/tests/browser/web_report_ops.py" "$what" "$url" "$shots" \
        "${axe_opt[@]}" "$@" >"$WORK/browse.out" 2>&1
    rc=$?
    sed "s/^/[$what] /" "$WORK/browse.out"
    [ $rc -eq 0 ] || fail "$what in Chromium: $(grep -A20 FAILED "$WORK/browse.out" || tail -n 5 "$WORK/browse.out")"
}
note "a commissioner: the report, a period, its CSV"
browse commissioner --user c.ross --password 'commissioner password' --from "$from" --to "$to" \
    --expect-csv "$WORK/expect.csv" --downloads "$WORK/downloads"
why="sent three times: the carer is with Carers First already"
note "an operator: /ops, a parked referral rejected"
browse operator --user o.ps --password 'operator password' --reject "$third" --reason "$why"

# The CLI shows what the browser did.
assert_eq "$(cli parked)" "no referral is parked" "carerhub parked after the rejection"
cli --key gp status "$third" >"$WORK/status" || fail "the practice's status: exit $?"
grep -q "where it stands: rejected" "$WORK/status" && grep -qF "$why" "$WORK/status" ||
    fail "the practice does not read rejected and the reason: $(cat "$WORK/status")"
cli alerts --json | jq -e '[.alerts[] | select(.kind == "identity_conflict")] | length == 2' \
    >/dev/null || fail "the conflict was joined though the join was not confirmed"

n=0
for page in commissioner-home report report-error report-published commissioner-ops-403 \
    operator-home ops reject-error ops-rejected join-confirm case; do
    for w in desktop 320; do
        [ -s "$shots/$page-$w.png" ] || fail "no screenshot $page-$w.png"
        n=$((n + 1))
    done
done
note "$n screenshots in $shots"
if [ -n "${CARERHUB_ARTIFACTS:-}" ]; then
    mkdir -p "$CARERHUB_ARTIFACTS" && cp "$shots"/*.png "$CARERHUB_ARTIFACTS/" ||
        fail "cannot copy the screenshots to $CARERHUB_ARTIFACTS"
fi
grep -rqi 'Jane\|Smith\|Mary\|Jones\|Browser[0-9]' "$hub/logs" && fail "a log names a carer"
hub_stop
