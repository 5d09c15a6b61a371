# /help in a real browser, as a carer uses it: headless Chromium, driven
# by tests/browser/web_help.py, against the real daemons (local-hub with a
# web section and the self-intake). From the log-in page's link, with no
# login, a carer in Colchester fills the form in with mistakes, finds each
# in the error summary and beside its field with what was typed kept,
# corrects them and sends it: the thank-you page gives the reference and
# says that Essex Carers Support (Colchester is North Essex, by
# config/routing.yaml, worked out here by hand) will contact him by the day
# contact_by_days.self from today. The case file arrives in that
# organisation's spool with source self, as he typed it. axe-core (WCAG
# 2.2 A and AA) runs on every page: serious or critical violations fail.
# Screenshots of every page (desktop and 320 px) are saved in $WORK/shots
# and, if CARERHUB_ARTIFACTS is set, copied there. Skipped, saying so, only
# if the browser is not installed and CARERHUB_REQUIRE_BROWSER is unset.
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
days=$(awk '/^contact_by_days:/ {f = 1; next} f && $1 == "self:" {print $2; exit}' \
    "$top/config/routing.yaml")
[[ $days =~ ^[0-9]+$ ]] || fail "no contact_by_days.self in config/routing.yaml"

shots=$WORK/shots
mkdir -p "$shots"
/usr/bin/python3 "$top/tests/browser/web_help.py" "$url" "$shots" --expect-org "Essex Carers Support" \
    --expect-by "$(date -d "+$days days" '+%A %-d %B %Y')" --out "$WORK/id" "${axe_opt[@]}" \
    >"$WORK/browse.out" 2>&1
rc=$?
sed 's/^/[help] /' "$WORK/browse.out"
[ $rc -eq 0 ] || fail "/help in Chromium: $(grep -A20 FAILED "$WORK/browse.out" || tail -n 5 "$WORK/browse.out")"
rid=$(cat "$WORK/id")
wait_count 1 ecs
f=$(files ecs)
# (A browser sends a textarea's lines ended with CR LF.)
jq -e --arg id "$rid" '.referral_id == $id and (.referrals[0] | .source == "self"
    and .submitted_by == "web/public" and .carer.family_name == "Quennell"
    and (.carer.address | test("^2 Mill Lane\r?\nColchester$")) and .cared_for.relationship == "my wife"
    and .self.best_time_to_contact == "weekday evenings, after 6")' "$f" >/dev/null ||
    fail "the case file of $rid: $(jq -c '.referrals[0]' "$f")"
# His answers about the caring, as he gave them (web_help.py).
assert_eq "$(jq -c '.referrals[0] | [.more_cared_for[0].relationship, .caring.hours_per_week,
    .caring.years, .caring.able_to_continue, .impact.work, .requests.carers_card,
    .requests.benefits_check, .consent.equality_monitoring]' "$f")" \
    '["my son","20_to_49",5,"yes","part_time",true,true,true]' "the caring in $rid's case file"
assert_eq "$(count)" 1 "case files"
note "$rid arrived at ecs: $(basename "$f")"

for page in login form errors sent; do
    for w in desktop 320; do
        [ -s "$shots/help-$page-$w.png" ] || fail "no screenshot help-$page-$w.png"
    done
done
note "screenshots in $shots"
if [ -n "${CARERHUB_ARTIFACTS:-}" ]; then
    mkdir -p "$CARERHUB_ARTIFACTS" && cp "$shots"/*.png "$CARERHUB_ARTIFACTS/" ||
        fail "cannot copy the screenshots to $CARERHUB_ARTIFACTS"
fi
hub_stop
