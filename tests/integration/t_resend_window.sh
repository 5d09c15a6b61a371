# Sending a file again is safe. A referral a practice's key sent before
# (within referrals.resend_window_days) is answered with the id it was
# first given, "already accepted on <date> at <time>; nothing new was sent",
# and goes nowhere: no second case file, no second referral in the router's
# counts. That holds after the intake is restarted or killed with SIGKILL.
# A card changed in one field is a new referral, and so is the same card
# from another practice's key. A file partly accepted before the intake's
# disk filled ("send it again later") is sent again whole: the part
# accepted is recognised, the rest accepted. At resend_window_days: 0 a
# resend is a new referral.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
keys=$hub/keys
export LC_ALL=C

# A second practice's key for the same practices, as t_tokens_per_submitter.
"$bin/carerhub" keygen gp2 --dir "$keys" >/dev/null || fail "keygen gp2"
echo "  - {id: gp2, role: gp, scope: [F81001, F81002, F81003, F81004, F81005], key: \"$(grep -v '^#' "$keys/gp2.pub" | head -n 1)\"}" \
    >>"$hub/participants.yaml"
"$top/deploy/local-hub" reload "$hub" >/dev/null
for i in $(seq 100); do
    grep -q 'participants reloaded' "$hub/logs/gp-intake.log" && break
    sleep 0.05
done
grep -q 'participants reloaded' "$hub/logs/gp-intake.log" || fail "gp-intake did not reload"

card() { awk -v n="$1" '/^---$/{d++} d==n' "$samples/gp.yaml"; }
{ card 1; card 2; card 3; } >"$WORK/three.yaml"
ids() { sed -n 's/^accepted \([^ ]*\).*/\1/p' "$1"; }
referrals() { cli stats --json | jq .referrals; }
already="(already accepted on $(date +'%-d %B %Y') at [0-2][0-9]:[0-5][0-9]; nothing new was sent)"
# resent OUT FIRST: OUT says every referral of FIRST's was already accepted, with FIRST's ids.
resent() {
    assert_eq "$(ids "$1" | tr '\n' ' ')" "$(ids "$2" | tr '\n' ' ')" "ids given to a resend"
    assert_eq "$(grep -c "^accepted [^ ]* $already\$" "$1")" "$(ids "$2" | wc -l)" \
        "lines saying already accepted: $(cat "$1")"
}
# stays N: N case files, still after two seconds, and N referrals taken.
stays() {
    wait_count "$1"
    sleep 2
    assert_eq "$(count)" "$1" "case files"
    assert_eq "$(referrals)" "$1" "referrals taken (carerhub stats)"
}

cli submit gp "$WORK/three.yaml" >"$WORK/first" || fail "not accepted"
assert_eq "$(ids "$WORK/first" | sort -u | wc -l)" 3 "ids given"
grep -q already "$WORK/first" && fail "the first submission was taken for a resend: $(cat "$WORK/first")"
wait_count 3

note "the same file again"
cli submit gp "$WORK/three.yaml" >"$WORK/again" 2>"$WORK/err"
assert_eq $? 0 "exit status of a resend"
resent "$WORK/again" "$WORK/first"
[ -s "$WORK/err" ] && fail "a resend printed on stderr: $(cat "$WORK/err")"
stays 3
cli submit --json gp "$WORK/three.yaml" >"$WORK/again.json" || fail "--json resend"
assert_eq "$(jq -sc 'map([.status, .referral_id, (.already_accepted_at | test("^[0-9-]{10}T")),
    (.notices[0] | endswith("; nothing new was sent"))])' "$WORK/again.json")" \
    "$(ids "$WORK/first" | jq -Rsc 'split("\n")[:-1] | map(["accepted", ., true, true])')" \
    "submit --json of a resend"

note "one field changed"
card 1 | sed 's/^  phone: "07700 900123"/  phone: "07700 900999"/' >"$WORK/changed.yaml"
grep -q '900999' "$WORK/changed.yaml" || fail "test card not made"
cli submit gp "$WORK/changed.yaml" >"$WORK/changed" || fail "changed card not accepted"
changed=$(ids "$WORK/changed")
[ -n "$changed" ] && ! grep -qx "$changed" <(ids "$WORK/first") || fail "changed card: $(cat "$WORK/changed")"
grep -q already "$WORK/changed" && fail "a changed card was taken for a resend"

note "the same file from another practice's key"
cli --key gp2 submit gp "$WORK/three.yaml" >"$WORK/gp2" || fail "gp2's file not accepted"
assert_eq "$(ids "$WORK/gp2" | grep -cxFf <(ids "$WORK/first"))" 0 "gp2 given gp's ids"
grep -q already "$WORK/gp2" && fail "another key's file was taken for a resend: $(cat "$WORK/gp2")"
cli --key gp2 submit gp "$WORK/three.yaml" >"$WORK/gp2.again" || fail "gp2's resend"
resent "$WORK/gp2.again" "$WORK/gp2"
stays 7

note "the intake restarted, then killed with SIGKILL"
hub_stop gp-intake
hub_start gp-intake
cli submit gp "$WORK/three.yaml" >"$WORK/restarted" || fail "resend after a restart"
resent "$WORK/restarted" "$WORK/first"
card 4 >"$WORK/four.yaml"
cli submit gp "$WORK/four.yaml" >"$WORK/four" || fail "card 4 not accepted"
hub_kill gp-intake # at once: its answer was given after its commit
hub_start gp-intake
cli submit gp "$WORK/four.yaml" >"$WORK/four.again" || fail "resend after SIGKILL"
resent "$WORK/four.again" "$WORK/four"
stays 8

note "a file partly accepted before the disk filled, sent again"
# The intake's disk fills (bin/libcarerhub-failio.so, as in t_full_disk)
# with card 4 accepted and card 5 not: the file of both is answered
# "already accepted" for card 4, even so, and "send it again later" for
# card 5. Sent again once space returns, card 5 is accepted, card 4 still
# recognised.
{ card 4; card 5; } >"$WORK/four-five.yaml"
full=$WORK/full
hub_stop gp-intake
env LD_PRELOAD="$bin/libcarerhub-failio.so" FAILIO_DIR="$hub/data/gp-intake" FAILIO_FLAG="$full" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
    "$top/deploy/local-hub" start "$hub" gp-intake >/dev/null || fail "gp-intake did not start"
touch "$full"
cli submit gp "$WORK/four-five.yaml" >"$WORK/partly" 2>"$WORK/err"
assert_eq $? 75 "exit status with the intake's disk full"
resent "$WORK/partly" "$WORK/four"
grep -q "four-five.yaml#2: not accepted: the intake is temporarily unable to store referrals; send it again later" \
    "$WORK/err" || fail "card 5: $(cat "$WORK/err")"
rm "$full"
cli submit gp "$WORK/four-five.yaml" >"$WORK/whole" || fail "the file sent again"
assert_eq "$(head -n 1 "$WORK/whole")" "$(head -n 1 "$WORK/partly")" "card 4 sent again"
five=$(ids "$WORK/whole" | sed -n 2p)
[ -n "$five" ] && [ "$five" != "$(ids "$WORK/four")" ] || fail "card 5: $(cat "$WORK/whole")"
grep -q "^accepted $five\$" "$WORK/whole" || fail "card 5 taken for a resend: $(cat "$WORK/whole")"
stays 9

note "a file fixed and sent again: what was accepted is recognised"
gen 2 Fixed >"$WORK/fixed.yaml"
awk '/^---$/{d++} !(d == 2 && /^consent:/)' "$WORK/fixed.yaml" >"$WORK/broken.yaml"
assert_eq "$(grep -c '^consent:' "$WORK/broken.yaml")" 1 "consents in the file with a mistake"
cli submit gp "$WORK/broken.yaml" >"$WORK/broken" 2>"$WORK/err"
assert_eq $? 65 "exit status with card 2 refused"
assert_eq "$(ids "$WORK/broken" | wc -l)" 1 "accepted of the file with a mistake"
cli submit gp "$WORK/fixed.yaml" >"$WORK/fixed" || fail "the fixed file"
head -n 1 "$WORK/fixed" >"$WORK/fixed.1"
resent "$WORK/fixed.1" "$WORK/broken"
sed -n 2p "$WORK/fixed" | grep -q '^accepted [^ ]*$' || fail "the fixed card: $(cat "$WORK/fixed")"
stays 11

note "resend_window_days: 0"
echo "referrals: {resend_window_days: 0}" >>"$hub/carerhub.yaml"
cli config check >/dev/null || fail "configuration with resend_window_days: 0"
reloads=$(grep -c 'configuration reloaded' "$hub/logs/gp-intake.log")
"$top/deploy/local-hub" reload "$hub" >/dev/null
for i in $(seq 100); do
    [ "$(grep -c 'configuration reloaded' "$hub/logs/gp-intake.log")" -gt "$reloads" ] && break
    sleep 0.05
done
[ "$(grep -c 'configuration reloaded' "$hub/logs/gp-intake.log")" -gt "$reloads" ] ||
    fail "gp-intake did not reload"
cli submit gp "$WORK/three.yaml" >"$WORK/off" || fail "not accepted with the window off"
grep -q already "$WORK/off" && fail "a resend recognised with the window off: $(cat "$WORK/off")"
assert_eq "$(ids "$WORK/off" | grep -cxFf <(ids "$WORK/first"))" 0 "first ids given with the window off"
stays 14
assert_eq "$(delivered_ids | uniq -d | wc -l)" 0 "referrals delivered twice"
hub_stop
