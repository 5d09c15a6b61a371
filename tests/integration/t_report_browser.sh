# The report page (`carerhub report --html FILE`) in a real browser:
# headless Chromium, driven by tests/browser/report_page.py, opens the page
# the real daemons' report made, as a commissioner would: the title and
# the headline figures are there to read, each chart is drawn with a size
# on screen, the tables are there, nothing spills sideways on a 320 px
# phone, and the page asks for nothing over the network. The published
# page shows small counts as "<5". What the page check only notes
# otherwise fails here too (--strict): a table with no rows, a chart's
# text cut off by its box, a caption running past a 320 px screen.
# Screenshots (desktop and 320 px) are saved in $WORK and, if
# CARERHUB_ARTIFACTS is set, copied there. Both
# pages are checked with axe-core's WCAG 2.2 A and AA rules too (the npm
# package, a test tool only, installed into build/test-npm by tools/deps).
# Skipped, saying so, only if the browser is not installed and
# CARERHUB_REQUIRE_BROWSER is unset (tools/deps installs it).
. "$(dirname "$0")/lib.sh"
page=$top/tests/browser/report_page.py
browser_ready

hub_config
hub_start
add_key commissioner commissioner null
# Twelve GP cards over the areas; each organisation contacts its carers and
# supports every other one.
gen 12 Browser >"$WORK/cards.yaml"
cli submit gp "$WORK/cards.yaml" >"$WORK/ids" || fail "the cards were not accepted: $(cat "$WORK/ids")"
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

cli --key commissioner report --json >"$WORK/report.json" || fail "report --json failed"
cli --key commissioner report --html "$WORK/report.html" >"$WORK/html.out" 2>&1 ||
    fail "report --html failed: $(cat "$WORK/html.out")"
grep -qF "$WORK/report.html" "$WORK/html.out" || fail "report --html did not say where: $(cat "$WORK/html.out")"
cli --key commissioner report --html "$WORK/published.html" --publish >/dev/null ||
    fail "report --html --publish failed"

# What a commissioner looks for first: the area, carers supported against
# the targets, the referrals (as the JSON report gives them, with
# thousands separators as people write them).
num() { jq -r "$1" "$WORK/report.json" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
shots=$WORK/shots
mkdir -p "$shots"
"$page" "$WORK/report.html" "$shots" --name report --strict "${axe_opt[@]}" --expect "$(jq -r .area "$WORK/report.json")" \
    --expect 12,500 --expect 4,150 --expect "$(num .carers_supported)" --expect "$(num .referrals)" \
    >"$WORK/page.out" 2>&1
rc=$?
cat "$WORK/page.out"
[ $rc -eq 0 ] || fail "the report page in Chromium: $(cat "$WORK/page.out")"
"$page" "$WORK/published.html" "$shots" --name published --strict "${axe_opt[@]}" --expect "<5" --expect "$(num .referrals)" \
    >"$WORK/page.out" 2>&1 || fail "the published report page in Chromium: $(cat "$WORK/page.out")"
cat "$WORK/page.out"
for png in report-desktop report-320 published-desktop published-320; do
    [ -s "$shots/$png.png" ] || fail "no screenshot $png.png"
    cp "$shots/$png.png" "$WORK/"
done
if [ -n "${CARERHUB_ARTIFACTS:-}" ]; then
    mkdir -p "$CARERHUB_ARTIFACTS" && cp "$shots"/*.png "$CARERHUB_ARTIFACTS/" ||
        fail "cannot copy the screenshots to $CARERHUB_ARTIFACTS"
fi
grep -q "Browser[0-9]" "$WORK/report.html" "$WORK/published.html" && fail "the page holds a carer's name"
hub_stop
