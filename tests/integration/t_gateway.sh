# A gateway (carerhub-web) acts for the people logged in to it. With the
# gateway's key, a GP card for user a.patel of F81001 is accepted and the
# audit trail names "gateway web / user a.patel"; a card for another
# practice is refused; the same OnBehalf from a GP practice's own key, a
# gateway key acting for nobody and a badly formed OnBehalf are refused and
# audited without the values sent; a gateway user's feedback and status
# show F81001's referrals only; two users' same token are two submitters';
# a commissioner, operator or provider user named by the gateway is refused
# at an intake (only referrers submit), and at the router gets what a key
# of its role would: a commissioner the report and nothing with ids, an
# operator the statistics, a provider's user its outcome reports judged;
# a gateway whose acts_for does not list a role is refused for its users
# (audited), and serves them once the role is listed.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
keys=$hub/keys
before=$(grep -c 'participants reloaded' "$hub/logs/gp-intake.log")
add_key web gateway null
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c 'participants reloaded' "$hub/logs/gp-intake.log")" -gt "$before" ] && break
    sleep 0.05
done
[ "$(grep -c 'participants reloaded' "$hub/logs/gp-intake.log")" -gt "$before" ] ||
    fail "gp-intake did not reload"

peer() { # SOCKET KEY ARGS...: carerhub-testpeer to the gp intake or the router's control
    local sock=$1 pub=$1 key=$2
    [ "$sock" = router-control ] && pub=router
    shift 2
    "$bin/carerhub-testpeer" "ipc://$hub/run/$sock.ipc" --server-pub "$keys/$pub.pub" \
        --key "$keys/$key.key" --wait 1000 "$@"
}
submit() { peer gp-intake "$@"; }
accepted() { awk '/^reply submit_reply ACCEPTED/{print $4}' "$1"; }
card() { awk -v n="$2" '/^---$/{d++} d==n' "$samples/$1.yaml"; }
card gp 1 >"$WORK/own.yaml"   # F81001, Smith
card gp 2 >"$WORK/other.yaml" # F81002, Baker
card gp 3 | sed 's/^practice: .*/practice: F81001/' >"$WORK/own2.yaml"
grep -q '^practice: F81001' "$WORK/own.yaml" || fail "test card not made"
grep -q '^practice: F81002' "$WORK/other.yaml" || fail "test card not made"
grep -q '^practice: F81001' "$WORK/own2.yaml" || fail "test card not made"

# The gateway for a.patel of F81001: accepted.
submit web --on-behalf a.patel:gp:F81001 --token W-1 submit gp "$WORK/own.yaml" >"$WORK/a"
a=$(accepted "$WORK/a")
[[ $a == GP-*-* ]] || fail "a.patel's card: $(cat "$WORK/a")"
audit_wait '.event == "submitted" and .actor == "gateway web / user a.patel" and .referral_id == "'"$a"'" and .recorded_by == "carerhub-gp-intake"'

# Another practice's card for the same user: refused for its practice.
submit web --on-behalf a.patel:gp:F81001 submit gp "$WORK/other.yaml" >"$WORK/out"
grep -q '^reply submit_reply REJECTED$' "$WORK/out" || fail "F81002's card for a.patel: $(cat "$WORK/out")"
grep -qx 'problem practice forbidden' "$WORK/out" || fail "no practice problem: $(cat "$WORK/out")"

# The same OnBehalf from the practice's own key: a forgery, refused.
submit gp --on-behalf a.patel:gp:F81001 submit gp "$WORK/own2.yaml" >"$WORK/out"
grep -q "^reply error forbidden: an OnBehalf from a key of role gp: only a gateway's key may act for a user$" \
    "$WORK/out" || fail "an OnBehalf from the GP key: $(cat "$WORK/out")"
# A gateway's key acting for nobody, and a user name no account can have.
submit web submit gp "$WORK/own2.yaml" >"$WORK/out"
grep -q "^reply error forbidden: a gateway key submits only for a user logged in to it" "$WORK/out" ||
    fail "the gateway's key for nobody: $(cat "$WORK/out")"
submit web --on-behalf '<b>x</b>:gp:F81001' submit gp "$WORK/own2.yaml" >"$WORK/out"
grep -q "^reply error forbidden: OnBehalf: the user name is not" "$WORK/out" ||
    fail "a badly formed OnBehalf: $(cat "$WORK/out")"
grep -q "ACCEPTED" "$WORK/out" && fail "a badly formed OnBehalf was accepted"

# The practice's own key sends F81002's card; then a second web user of
# F81001 uses a.patel's token: a referral of its own.
b=$(cli submit gp "$WORK/other.yaml" | awk '/^accepted/{print $2; exit}')
[ -n "$b" ] || fail "the GP key's F81002 card was not accepted"
submit web --on-behalf b.jones:gp:F81001 --token W-1 submit gp "$WORK/own2.yaml" >"$WORK/c"
c=$(accepted "$WORK/c")
[ -n "$c" ] || fail "b.jones's card with a.patel's token: $(cat "$WORK/c")"
[ "$c" != "$a" ] || fail "two web users' same token got one id ($a)"
submit web --on-behalf a.patel:gp:F81001 --token W-1 submit gp "$WORK/own.yaml" >"$WORK/out"
grep -qx "reply submit_reply ACCEPTED $a" "$WORK/out" || fail "a.patel's resend: $(cat "$WORK/out")"
submit web --on-behalf a.patel:gp:F81001 --token W-1 submit gp "$WORK/own2.yaml" >"$WORK/out"
grep -qx 'problem token reused' "$WORK/out" || fail "a.patel reusing W-1: $(cat "$WORK/out")"
wait_count 3
delivered_ids >"$WORK/ids"
for id in "$a" "$b" "$c"; do grep -qx "$id" "$WORK/ids" || fail "$id was not delivered"; done
assert_eq "$(count)" 3 "case files after the resends"

# The router: a.patel's feedback holds F81001's referrals, a.patel's and
# b.jones's, and not F81002's; F81002's referral is not found for a.patel.
json() { sed -n 's/^json //p' "$1"; }
peer router-control web --on-behalf a.patel:gp:F81001 --dump feedback >"$WORK/fb"
assert_eq "$(json "$WORK/fb" | jq -r '.feedback_reply.items[].referral_id' | sort | tr '\n' ' ')" \
    "$(printf '%s\n' "$a" "$c" | sort | tr '\n' ' ')" "a.patel's feedback"
json "$WORK/fb" | jq -e '[.feedback_reply.items[].organisation] | unique == ["F81001"]' >/dev/null ||
    fail "a.patel's feedback: $(cat "$WORK/fb")"
peer router-control web --on-behalf a.patel:gp:F81001 --dump status "$b" >"$WORK/st"
json "$WORK/st" | jq -e '.status_reply | (.state // "unknown") == "unknown" and (has("case_id") | not)' \
    >/dev/null || fail "F81002's referral for a.patel: $(cat "$WORK/st")"
cli --key gp status "$b" >/dev/null || fail "the GP key's own F81002 referral"
peer router-control web --on-behalf a.patel:gp:F81001 --dump status "$a" >"$WORK/st"
json "$WORK/st" | jq -e '.status_reply.state == "delivered"' >/dev/null ||
    fail "a.patel's own referral: $(cat "$WORK/st")"
# Nothing for the gateway's key itself, nor for an OnBehalf from the GP key.
peer router-control web feedback >"$WORK/out"
grep -q '^reply error forbidden: feedback queries need' "$WORK/out" ||
    fail "the gateway's own feedback: $(cat "$WORK/out")"
peer router-control gp --on-behalf a.patel:gp:F81001 feedback >"$WORK/out"
grep -q "^reply error forbidden: an OnBehalf from a key of role gp" "$WORK/out" ||
    fail "the GP key's OnBehalf at the router: $(cat "$WORK/out")"
# At an intake a gateway acts for referrers only: an operator's user
# submitting is refused. At the router a commissioner's, an operator's or
# a provider's user gets what a key of that role would; any other role is
# refused. Each refusal audited.
refused_role="^reply error forbidden: OnBehalf: the role is not gp, hospital or school"
submit web --on-behalf o.lee:operator submit gp "$WORK/own2.yaml" >"$WORK/out"
grep -q "$refused_role" "$WORK/out" || fail "an operator's card at the intake: $(cat "$WORK/out")"
peer router-control web --on-behalf c.ward:commissioner report >"$WORK/out"
grep -q '^reply report_reply$' "$WORK/out" || fail "a commissioner's report: $(cat "$WORK/out")"
peer router-control web --on-behalf c.ward:commissioner status "$a" >"$WORK/out"
grep -q '^reply error forbidden: status queries need' "$WORK/out" ||
    fail "a commissioner's status: $(cat "$WORK/out")"
peer router-control web --on-behalf o.lee:operator stats >"$WORK/out"
grep -q '^reply stats_reply$' "$WORK/out" || fail "an operator's statistics: $(cat "$WORK/out")"
peer router-control web --on-behalf o.lee:operator:afc stats >"$WORK/out"
grep -q "^reply error forbidden: OnBehalf: a commissioner or operator acts for no organisation" \
    "$WORK/out" || fail "an operator's user with an organisation: $(cat "$WORK/out")"
peer router-control web --on-behalf x.y:gateway stats >"$WORK/out"
grep -q "^reply error forbidden: OnBehalf: the role is not gp, hospital, school, provider, commissioner or operator" \
    "$WORK/out" || fail "a gateway's user of role gateway: $(cat "$WORK/out")"
peer router-control web --on-behalf a.patel:gp:F81001 stats >"$WORK/out"
grep -q '^reply error forbidden' "$WORK/out" || fail "a GP user's statistics: $(cat "$WORK/out")"
echo '[]' >"$WORK/none.json"
peer router-control web --on-behalf p.khan:provider:afc outcomes "$WORK/none.json" >"$WORK/out"
grep -q '^reply error bad_request: an outcome report holds 1 to' "$WORK/out" ||
    fail "a provider user's outcome report: $(cat "$WORK/out")"
peer router-control web --on-behalf a.patel:gp:F81001 outcomes "$WORK/none.json" >"$WORK/out"
grep -q '^reply error forbidden: outcome reports need' "$WORK/out" ||
    fail "a GP user's outcome report: $(cat "$WORK/out")"

# A gateway acts only for the roles its acts_for lists: web-ref, listed
# without one (the default: the referrers and the public), is refused for
# a provider's, a commissioner's and an operator's users, and audited; a
# referrer's user it serves. Given provider and operator (and SIGHUP),
# those it serves from then on; the commissioner still not.
add_key web-ref gateway null -
not_listed="^reply error forbidden: OnBehalf: this gateway is not allowed to act for that role (acts_for in the participants file)$"
peer router-control web-ref --on-behalf p.khan:provider:afc outcomes "$WORK/none.json" >"$WORK/out"
grep -q "$not_listed" "$WORK/out" || fail "a provider user of web-ref: $(cat "$WORK/out")"
peer router-control web-ref --on-behalf o.lee:operator stats >"$WORK/out"
grep -q "$not_listed" "$WORK/out" || fail "an operator user of web-ref: $(cat "$WORK/out")"
grep -q 'stats_reply' "$WORK/out" && fail "web-ref's operator user got the statistics"
peer router-control web-ref --on-behalf c.ward:commissioner report >"$WORK/out"
grep -q "$not_listed" "$WORK/out" || fail "a commissioner user of web-ref: $(cat "$WORK/out")"
peer router-control web-ref --on-behalf a.patel:gp:F81001 --dump status "$a" >"$WORK/st"
json "$WORK/st" | jq -e '.status_reply.state == "delivered"' >/dev/null ||
    fail "a.patel through web-ref: $(cat "$WORK/st")"
audit_wait '.event == "refused-message" and .actor == "web-ref" and .recorded_by == "carerhub-router" and (.detail | test("not allowed to act for that role"))'
before=$(grep -c 'participants reloaded' "$hub/logs/router.log")
sed -i '/id: web-ref,/s/scope: null, /scope: null, acts_for: [gp, provider, operator], /' \
    "$hub/participants.yaml"
grep -q 'id: web-ref, .*acts_for: \[gp, provider, operator\]' "$hub/participants.yaml" ||
    fail "web-ref's acts_for not written: $(grep web-ref "$hub/participants.yaml")"
"$top/deploy/local-hub" reload "$hub" >/dev/null
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c 'participants reloaded' "$hub/logs/router.log")" -gt "$before" ] && break
    sleep 0.05
done
peer router-control web-ref --on-behalf o.lee:operator stats >"$WORK/out"
grep -q '^reply stats_reply$' "$WORK/out" || fail "web-ref's operator user, listed: $(cat "$WORK/out")"
peer router-control web-ref --on-behalf p.khan:provider:afc outcomes "$WORK/none.json" >"$WORK/out"
grep -q '^reply error bad_request: an outcome report holds 1 to' "$WORK/out" ||
    fail "web-ref's provider user, listed: $(cat "$WORK/out")"
peer router-control web-ref --on-behalf c.ward:commissioner report >"$WORK/out"
grep -q "$not_listed" "$WORK/out" || fail "web-ref's commissioner user, not listed: $(cat "$WORK/out")"

# The audit trail names the user, and each refusal with the key that sent
# it; never the values sent raw, never the carer.
audit_wait '.event == "feedback" and .actor == "gateway web / user a.patel" and .recorded_by == "carerhub-router"'
for cond in \
    '.event == "status" and .actor == "gateway web / user a.patel" and .referral_id == "'"$b"'"' \
    '.event == "refused-message" and .actor == "gateway web / user a.patel" and (.detail | test("F81002"))' \
    '.event == "refused-message" and .actor == "gp" and .recorded_by == "carerhub-gp-intake" and (.detail | test("OnBehalf from a key of role gp"))' \
    '.event == "refused-message" and .actor == "gp" and .recorded_by == "carerhub-router" and (.detail | test("OnBehalf"))' \
    '.event == "refused-message" and .actor == "web" and (.detail | test("gateway key submits only"))' \
    '.event == "refused-message" and .actor == "web" and (.detail | test("user name is not"))' \
    '.event == "refused-message" and .actor == "web" and .recorded_by == "carerhub-router" and (.detail | test("role is not gp, hospital, school, provider"))' \
    '.event == "report" and .actor == "gateway web / user c.ward" and .recorded_by == "carerhub-router"' \
    '.event == "stats" and .actor == "gateway web / user o.lee" and .recorded_by == "carerhub-router"' \
    '.event == "stats" and .actor == "gateway web-ref / user o.lee" and .recorded_by == "carerhub-router"' \
    '.event == "refused-message" and .actor == "web" and .recorded_by == "carerhub-gp-intake" and (.detail | test("role is not gp, hospital or school"))' \
    '.event == "submitted" and .actor == "gateway web / user b.jones" and .referral_id == "'"$c"'"'; do
    audit_wait "$cond" 5
done
grep -q '<b>' "$WORK/audit" && fail "the audit trail repeats a forged user name"
jq -e 'select((.actor // "") | test("c[.]ward|o[.]lee|p[.]khan")) | select(.recorded_by != "carerhub-router")' \
    "$WORK/audit" >/dev/null && fail "a commissioner, operator or provider user acted at an intake"
grep -qi 'smith\|baker\|shah' "$WORK/audit" && fail "the audit trail holds a carer's name"
hub_stop
