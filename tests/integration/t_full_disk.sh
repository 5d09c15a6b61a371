# A full disk. An intake that cannot store a referral answers "temporarily
# unavailable" (exit 75) and never "accepted"; the router that cannot store
# a forward does not acknowledge it (the intake keeps it); an agent that
# cannot write a case file does not acknowledge the delivery. When space
# returns each carries on, and everything accepted arrives once. The disk
# is filled on demand by a preloaded library (bin/libcarerhub-failio.so)
# that fails writes under one directory with ENOSPC while a flag file
# exists.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
failio() { # failio DIR NAME [META]: restart daemon NAME with DIR's writes failing while $full exists
    full=$WORK/full.$2
    hub_stop "$2"
    env LD_PRELOAD="$bin/libcarerhub-failio.so" FAILIO_DIR="$1" FAILIO_FLAG="$full" ${3:+FAILIO_META=1} \
        ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
        "$top/deploy/local-hub" start "$hub" "$2" >/dev/null || fail "$2 did not start"
}
card() { awk -v n="$1" '/^---$/{d++} d==n' "$samples/gp.yaml"; }
for i in 1 2 3 4 5; do card $i >"$WORK/card$i.yaml"; done

# The GP intake's disk fills.
failio "$hub/data/gp-intake" gp-intake
touch "$full"
cli submit --json gp "$samples/gp.yaml" >"$WORK/out.json" 2>"$WORK/err"
assert_eq $? 75 "exit status with the intake's disk full"
assert_eq "$(jq -s '[.[] | select(.status == "unavailable")] | length' "$WORK/out.json")" 5 \
    "referrals answered 'temporarily unavailable'"
grep -q "answering \"temporarily unavailable\"" "$hub/logs/gp-intake.log" || fail "the intake did not say why"
cli submit gp "$WORK/card1.yaml" 2>"$WORK/err"
assert_eq $? 75 "exit status, plain"
grep -q "card1.yaml#1: not accepted: the intake is temporarily unable to store referrals; send it again later" \
    "$WORK/err" || fail "no clear message: $(cat "$WORK/err")"
sleep 1
assert_eq "$(count)" 0 "case files while the intake's disk is full"
# Space returns: the same intake, not restarted, accepts again.
rm "$full"
id1=$(cli submit gp "$WORK/card1.yaml" | awk '/^accepted/{print $2}')
[ -n "$id1" ] || fail "the intake did not recover when space returned"
wait_count 1

# The router's disk fills: the intake accepts (its own disk is fine) and
# keeps the referral until the router can store it.
failio "$hub/data/router" router
touch "$full"
id2=$(cli submit gp "$WORK/card2.yaml" | awk '/^accepted/{print $2}')
[ -n "$id2" ] || fail "the intake did not accept with the router's disk full"
sleep 2
assert_eq "$(count)" 1 "case files while the router's disk is full"
cli status "$id2" >"$WORK/status"
grep -q "accepted, waiting at the gp-intake for the router" "$WORK/status" ||
    fail "status while the router cannot store: $(cat "$WORK/status")"
grep -q "cannot store" "$hub/logs/router.log" || fail "the router did not say it could not store"
rm "$full"
wait_count 2

# The router's disk fails just as a commit is being made durable (its meta
# page): LMDB's environment must be reopened; nothing committed is lost.
failio "$hub/data/router" router meta
touch "$full"
id3=$(cli submit gp "$WORK/card3.yaml" | awk '/^accepted/{print $2}')
[ -n "$id3" ] || fail "the intake did not accept"
sleep 2
rm "$full"
wait_count 3
grep -q "the store needs reopening after a failed write" "$hub/logs/router.log" ||
    fail "the router did not reopen its store"

# A provider agent's disk fills: nothing is acknowledged, so the router
# delivers again once the agent can write.
provider=$(jq -r .provider "$(files | head -n 1)")
card4_provider=$("$bin/carerhub" --config "$hub/carerhub.yaml" route "$(awk '/postcode:/{print $2, $3; exit}' "$WORK/card4.yaml")" --json | jq -r .provider)
failio "$hub/providers/$card4_provider" "provider-$card4_provider"
touch "$full"
id4=$(cli submit gp "$WORK/card4.yaml" | awk '/^accepted/{print $2}')
[ -n "$id4" ] || fail "card 4 not accepted"
sleep 2
assert_eq "$(count)" 3 "case files while $card4_provider's disk is full"
rm "$full"
wait_count 4 "" 30
assert_eq "$(delivered_ids | sort | uniq -d | wc -l)" 0 "referrals delivered twice"
for id in "$id1" "$id2" "$id3" "$id4"; do
    delivered_ids | grep -qx "$id" || fail "$id was accepted and never delivered"
done
assert_eq "$(count)" 4 "case files in all"
hub_stop
