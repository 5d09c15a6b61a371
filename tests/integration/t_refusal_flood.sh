# Refusals cannot flood the log or the audit trail. A stranger with a fresh
# key for every connection (200 of them), and a listed practice sending 300
# cards for a practice that is not its own: each daemon records the first
# 20 refusals of a kind in 10 s one by one, the same refusal again once, and
# the rest as counts, which add up.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start gp-intake
keys=$hub/keys
peer() {
    "$bin/carerhub-testpeer" "ipc://$hub/run/gp-intake.ipc" --server-pub "$keys/gp-intake.pub" "$@"
}
peer --random-keys --connections 200 --wait 2000 stats >"$WORK/strangers"
grep -q '^received 0$' "$WORK/strangers" || fail "a stranger was answered: $(cat "$WORK/strangers")"
awk '/^---$/{d++} d==1' "$samples/gp.yaml" | sed 's/^practice: .*/practice: F81999/' >"$WORK/other.yaml"
peer --key "$keys/gp.key" --repeat 300 --wait 2000 submit gp "$WORK/other.yaml" >"$WORK/gp"
assert_eq "$(grep -c '^problem practice forbidden$' "$WORK/gp")" 300 "answers naming the practice"

# After the 10 s window, the counts are recorded too.
sleep 11
hub_start router
audit_wait '.event == "refusals-held" and .actor == "strangers"' 15
audit_wait '.event == "refused-message" and .actor == "gp" and (.detail | startswith("299 more in 10 s"))' 15
strangers=$(jq -s '[.[] | select(.event == "refused-connection" and (.actor | startswith("key:")))] | length' "$WORK/audit")
[ "$strangers" -le 20 ] || fail "$strangers refusals of strangers recorded one by one"
held=$(jq -rs '[.[] | select(.event == "refusals-held" and .actor == "strangers") | .detail | capture("^(?<n>[0-9]+) more").n | tonumber] | add' "$WORK/audit")
assert_eq "$((strangers + held))" 200 "strangers recorded plus strangers counted"
gp=$(jq -s '[.[] | select(.event == "refused-message" and .actor == "gp")] | length' "$WORK/audit")
assert_eq "$gp" 2 "records of the practice's refusals (one, then the count)"
lines=$(grep -c 'refused-connection key:' "$hub/logs/gp-intake.log")
[ "$lines" -le 21 ] || fail "$lines log lines for refused strangers"
note "strangers: $strangers recorded, $held counted; log lines $lines"
hub_stop
