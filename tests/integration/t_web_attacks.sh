# What bad input and bad actors get from the web front door, over plain
# HTTP (tests/browser/web_attacks.py, python3 http.client) against the real
# daemons (local-hub with a web section): POSTs without a CSRF token or
# with a wrong one are refused (403) and send nothing; a session id from
# before login is dead after it; another organisation's referral id in
# /referrals/ID is a page not found (404), and the router's audit has the
# query naming the user; script in every field of the GP form comes back
# escaped on the error page and the success page, and reaches the
# organisation as data; an oversized body is refused (413) and the daemon
# keeps serving; 1,000 wrong passwords are throttled, refused fast without
# hashing once held (that the user logs in after the window is t_web_http's); the same form
# token sent twice is one referral and one case file.
. "$(dirname "$0")/lib.sh"
command -v /usr/bin/python3 >/dev/null || fail "python3 is missing"
limit=16384
web_hub_start "max_body_bytes: $limit" "login_attempts: 5" "login_window_minutes: 1"
adduser() {
    cli user add "$1" --role "$2" --org "$3" --password-stdin <<<"$4" >/dev/null ||
        fail "user add $1"
}
adduser a.patel gp F81001 'a patel password 1'
adduser o.jones gp F81002 'o jones password 2'
adduser h.nurse hospital RAJ 'h nurse password 3'
adduser t.target gp F81001 'target password 4'

# attack STEP USER PASSWORD [ARGS...]: web_attacks.py STEP, its output kept.
attack() {
    local step=$1 user=$2 pw=$3 rc
    shift 3
    /usr/bin/python3 "$top/tests/browser/web_attacks.py" "$step" "$url" --user "$user" \
        --password "$pw" "$@" >"$WORK/$step.out" 2>&1
    rc=$?
    sed "s/^/[$step] /" "$WORK/$step.out"
    [ $rc -eq 0 ] || fail "$step: $(grep -A5 'FAILED\|Traceback' "$WORK/$step.out" | head -n 20)"
}

note "CSRF: POSTs without the token, with a wrong one or another session's"
attack csrf a.patel 'a patel password 1'
sleep 1
assert_eq "$(count)" 0 "case files after the refused POSTs"

note "a session id from before login"
attack fixation a.patel 'a patel password 1'

note "the same form token twice"
attack twice a.patel 'a patel password 1' --out "$WORK/twice.id"
rid=$(cat "$WORK/twice.id")
wait_count 1
sleep 1 # a second referral, had there been one, would be delivered by now
assert_eq "$(files | xargs -r jq -r '.referrals[].id' | sort | tr '\n' ' ')" "$rid " \
    "referrals delivered for the form sent twice (and again with other answers)"
assert_eq "$(jq -r '.referrals[0].carer.family_name' "$(files)")" Twice "the carer of $rid"

note "another organisation's referral id in /referrals/ID"
for who in "o.jones|o jones password 2|F81002" "h.nurse|h nurse password 3|RAJ"; do
    IFS='|' read -r u p org <<<"$who"
    attack status "$u" "$p" --path "/referrals/$rid" --show
    grep -qx 'status 404' "$WORK/status.out" || fail "$u ($org) at /referrals/$rid: $(cat "$WORK/status.out")"
    grep '^body' "$WORK/status.out" | grep -q 'Carers First\|Twice\|F81001' &&
        fail "the 404 page tells of $rid: $(cat "$WORK/status.out")"
    audit_wait '.event == "status" and .actor == "gateway web / user '"$u"'" and .referral_id == "'"$rid"'" and .recorded_by == "carerhub-router"'
    note "$u ($org): 404, and the router audited the query naming $u"
done
attack status a.patel 'a patel password 1' --path "/referrals/$rid"
grep -qx 'status 200' "$WORK/status.out" || fail "a.patel's own /referrals/$rid: $(cat "$WORK/status.out")"

note "script in every field of the GP form"
attack script a.patel 'a patel password 1' --out "$WORK/script.id"
sid=$(cat "$WORK/script.id")
wait_count 2
f=$(files | xargs grep -l "\"$sid\"" | tail -n 1)
# The organisation gets what was typed, as data (JSON-escaped by jq's
# reading, compared as text).
carer() { jq -r --arg id "$sid" ".referrals[] | select(.id == \$id) | .carer.$1" "$f"; }
assert_eq "$(carer given_name)" '<script>alert(1)</script> Jane' "the given name in $sid's case file"
assert_eq "$(carer family_name)" '"><img src=x onerror=alert(1)> Smith' "the family name in $sid's case file"

note "an oversized body"
attack oversized a.patel 'a patel password 1' --limit "$limit"
assert_eq "$(count)" 2 "case files after the oversized body"

note "1,000 wrong passwords"
attack throttle t.target 'target password 4' --attempts 1000 --allowed 5 --window 0 \
    --from 127.0.0.7 --elsewhere 127.0.0.9 --other 'a.patel:a patel password 1'
grep -qi 'target password\|not the password' "$hub"/logs/*.log && fail "a password is in a log"
"$top/deploy/local-hub" status "$hub" | grep -q '^web .*running' || fail "the web daemon is not running"
hub_stop
