# A hub of this version started on stores of the previous format
# (tests/data/stores/v0, made by the hub of commit 7611a02): each daemon
# says it upgraded its store, every referral is where that hub said, and
# the one it left in the gp-intake's spool is delivered, once. Then a store
# marked as written by a newer carerhub, or as another daemon's, is refused:
# the daemon names the directory, what it found and what to do, and exits 78.
. "$(dirname "$0")/lib.sh"
v0=$top/tests/data/stores/v0
fmt=$bin/carerhub-storeformat
hub_config
printf 'web:\n  listen: 127.0.0.1:0\n' >>"$hub/carerhub.yaml"
cp -R "$v0/data/." "$hub/data/"
cp -R "$v0/providers/." "$hub/providers/"
chmod -R go-rwx "$hub/data" "$hub/providers"
assert_eq "$("$fmt" "$hub/data/router")" "- 0" "the router's store before the hub starts"
old_files=$(files | xargs -n1 basename | sort | tr '\n' ' ')

hub_start
providers=$(cli config providers)
for name in router gp-intake discharge-intake school-intake web; do
    grep -q "data/$name: $name store upgraded from format 0 to 1" "$hub/logs/$name.log" ||
        fail "$name did not say it upgraded its store: $(grep -i store "$hub/logs/$name.log")"
    assert_eq "$("$fmt" "$hub/data/$name")" "$name 1" "the format $name's store records"
done
for id in $providers; do
    grep -q "ledger: provider store upgraded from format 0 to 1" "$hub/logs/provider-$id.log" ||
        fail "provider-$id did not say it upgraded its ledger"
    assert_eq "$("$fmt" "$hub/providers/$id/.carerhub/ledger")" "provider 1" "$id's ledger"
done

# Every referral the old hub had routed, where it said, in the same case.
grep -v '^#' "$v0/expected.txt" | while read -r rid provider case; do
    [ "$case" = spooled ] && continue
    cli status "$rid" >"$WORK/status" || fail "status $rid: $(cat "$WORK/status")"
    head -n 1 "$WORK/status" | grep -q "^$rid: delivered to .*($provider)\$" ||
        fail "$rid: expected delivered to $provider: $(head -n 1 "$WORK/status")"
    grep -q "^  case  *$case " "$WORK/status" || fail "$rid: expected case $case: $(cat "$WORK/status")"
done

# The referral the old gp-intake still held reaches its organisation once,
# and nothing the agents had written before is written again.
read -r rid provider _ < <(grep ' spooled$' "$v0/expected.txt")
for ((i = 0; i < 100; i++)); do
    [ "$(delivered_ids | grep -c "^$rid\$")" -ge 1 ] && break
    sleep 0.1
done
assert_eq "$(files "$provider" | xargs -r jq -r '.referral_id' | grep -c "^$rid\$")" 1 \
    "case files of $rid at $provider"
cli status "$rid" | head -n 1 | grep -q "delivered to .*($provider)" || fail "status of $rid"
assert_eq "$(delivered_ids | uniq -d | wc -l)" 0 "referrals delivered twice"
sleep 1
assert_eq "$(count)" "$(($(echo "$old_files" | wc -w) + 1))" "case files after the upgrade"
for f in $old_files; do
    [ "$(find "$hub/providers" -name "$f" | wc -l)" = 1 ] || fail "case file $f gone or doubled"
done
# The accounts and the postcode table are read as before.
cli user list | grep -q '^ops1 ' || fail "the web account ops1 is gone: $(cli user list)"
cli postcodes count | grep -q '^5 postcodes' || fail "postcode table: $(cli postcodes count)"
hub_stop

# A newer carerhub's store: refused, by name, with what to do; exit 78.
"$fmt" "$hub/data/router" --set router 2 || fail "cannot set the router's store to format 2"
rc=0
timeout 20 "$bin/carerhub-router" -c "$hub/carerhub.yaml" 2>"$WORK/err" || rc=$?
assert_eq "$rc" 78 "exit status of the router on a format 2 store"
grep -q "$hub/data/router holds a router store of format 2; this carerhub reads formats up to 1" \
    "$WORK/err" || fail "the router did not say what it found: $(cat "$WORK/err")"
grep -q "cannot open the case store in $hub/data/router: it was written by a newer version of carerhub: run that version, or restore a backup this version made" \
    "$WORK/err" || fail "the router did not say what to do: $(cat "$WORK/err")"
assert_eq "$("$fmt" "$hub/data/router")" "router 2" "the refused store, left as it was"

# Another daemon's store in an intake's place: refused too.
"$fmt" "$hub/data/gp-intake" --set school-intake 1 || fail "cannot mark the gp-intake's store"
rc=0
timeout 20 "$bin/carerhub-gp-intake" -c "$hub/carerhub.yaml" 2>"$WORK/err" || rc=$?
assert_eq "$rc" 78 "exit status of the gp-intake on a school-intake store"
grep -q "$hub/data/gp-intake holds a school-intake store, not a gp-intake store" "$WORK/err" ||
    fail "the gp-intake did not say what it found: $(cat "$WORK/err")"
grep -q "it is another daemon's store: check data_dir and the daemon's name" "$WORK/err" ||
    fail "the gp-intake did not say what to do: $(cat "$WORK/err")"

# And a provider's ledger from a newer carerhub.
id=$(echo "$providers" | head -n 1)
"$fmt" "$hub/providers/$id/.carerhub/ledger" --set provider 7 || fail "cannot mark $id's ledger"
rc=0
timeout 20 "$bin/carerhub-provider" -c "$hub/carerhub.yaml" --provider "$id" \
    --out "$hub/providers/$id" 2>"$WORK/err" || rc=$?
assert_eq "$rc" 78 "exit status of the agent on a format 7 ledger"
grep -q "ledger holds a provider store of format 7; this carerhub reads formats up to 1" \
    "$WORK/err" || fail "the agent did not say what it found: $(cat "$WORK/err")"
