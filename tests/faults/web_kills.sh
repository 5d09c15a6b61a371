# The fault campaign's web-kills phase (sourced by tests/faults/run, whose
# setup, hubctl, hub_ok, cli, fail and check it uses): people send the
# yellow card through carerhub-web while it is killed with SIGKILL and
# restarted under them.

# web_forms_report: what the people were told, from $work/web.forms (one
# line per form, by tests/faults/web_load.py): counts on one line, and the
# failures in $work/web.bad.
web_forms_report() {
    jq -rs '
        (map(select(.unanswered | not))) as $ok |
        [length, ($ok | length), (map(.posts) | add // 0), (map(.lost) | add // 0),
         ($ok | map(select(.lost > 0)) | length),
         (map(select((.ids | length) > 1)) | length),
         (map(select((.ids | unique | length) > 1)) | length),
         ([.[].ids | unique | .[]] | group_by(.) | map(select(length > 1)) | length),
         (map(select(.unanswered)) | length)] | @tsv' "$work/web.forms"
}

# web_taken_before_lost: the forms whose answer was lost (a POST with no
# answer) although the intake had already taken the referral: accepted, by
# `carerhub status`, before the POST that was answered was sent. One line
# each: id, accepted at, resent at (seconds).
web_taken_before_lost() {
    local id sent at
    jq -r 'select(.lost > 0 and (.unanswered | not)) | "\(.ids[0]) \(.answered_at)"' "$work/web.forms" |
        while read -r id sent; do
            at=$(cli status "$id" --json | jq -r '.accepted_at |
                (.[0:19] + "Z" | fromdate) + ((.[20:23] // "0") | tonumber / 1000)')
            awk -v at="$at" -v sent="$sent" 'BEGIN { exit !(at < sent) }' &&
                echo "$id $at $sent"
        done
}

phase_web_kills() {
    local k pause i users=() load forms answered posts lost resent clicked two shared unanswered taken
    with_web=1 setup
    hubctl start
    has_web && [ -f "$hub/run/web.pid" ] || fail "web-kills: local-hub did not start carerhub-web"
    # One GP user per practice the development gp key covers.
    for i in 1 2 3 4 5; do
        echo "fault-test-password-$i" |
            cli user add "web.gp$i" --role gp --org "F8100$i" --password-stdin >/dev/null ||
            fail "web-kills: carerhub user add web.gp$i failed"
        users+=("web.gp$i:fault-test-password-$i")
    done
    python3 "$here/web_load.py" "$hub" "$work/web.forms" "$work/stop" "$web_clients" 1 "${users[@]}" \
        2>"$work/web.load.err" &
    load=$!
    for ((k = 1; k <= web_kills; k++)); do
        pause=$((RANDOM % 1500 + 200))
        sleep "$((pause / 1000)).$(printf '%03d' $((pause % 1000)))"
        hub_ok web-kills
        hubctl kill web || fail "web-kills: carerhub-web was not running when it was to be killed"
        sleep "0.$(printf '%03d' $((RANDOM % 400)))"
        hub_ok web-kills
        hubctl start web || fail "web-kills: carerhub-web did not restart"
    done
    touch "$work/stop"
    wait "$load" || fail "web-kills: the web clients failed: $(tail -n 5 "$work/web.load.err")"
    [ -s "$work/web.forms" ] || fail "web-kills: no form was sent: $(tail -n 5 "$work/web.load.err")"
    # Every id a form was answered with counts as accepted for check below
    # (so two ids for one token would show as referrals delivered twice).
    jq -c 'if .unanswered then {status: "unanswered", document: .token}
           else (.ids | unique | .[] ) as $id | {status: "accepted", referral_id: $id, document: .token}
           end' "$work/web.forms" >"$work/results.web"
    IFS=$'\t' read -r forms answered posts lost resent clicked two shared unanswered < <(web_forms_report)
    web_taken_before_lost >"$work/web.taken"
    taken=$(wc -l <"$work/web.taken")
    echo "faults: web-kills      $web_kills SIGKILLs of carerhub-web under $web_clients people: $forms forms, $posts POSTs, $lost without an answer; $resent forms sent again after a restart and answered, $taken of them taken by the intake before the answer was lost; $clicked double-clicked and answered twice; $two tokens answered with two ids, $shared ids given to two forms, $unanswered forms unanswered"
    [ "$unanswered" -eq 0 ] ||
        fail "web-kills: $unanswered form(s) never answered with an id: $(jq -r 'select(.unanswered) | .unanswered' "$work/web.forms" | sort | uniq -c | head -3 | tr '\n' ';')"
    [ "$two" -eq 0 ] ||
        fail "web-kills: $two token(s) answered with two ids: $(jq -c 'select((.ids | unique | length) > 1) | .ids' "$work/web.forms" | head -3 | tr '\n' ' ')"
    [ "$shared" -eq 0 ] || fail "web-kills: $shared referral id(s) given to two forms"
    [ "$lost" -gt 0 ] || fail "web-kills: no POST went unanswered: the phase did not test what it says"
    [ "$taken" -gt 0 ] ||
        fail "web-kills: no referral was taken from a POST whose answer was lost: the phase did not test what it says"
    check web-kills
}
