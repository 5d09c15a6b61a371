# Only listed keys get in. A client with a key the hub does not list, one
# that speaks without CURVE at all, and one that knows the server's public
# key but is not listed: each is refused at the handshake, receives nothing,
# and is recorded in the audit trail; the hub carries on serving.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
keys=$hub/keys
"$bin/carerhub" keygen stranger --dir "$WORK/mine" >/dev/null || fail "keygen"
peer() { "$bin/carerhub-testpeer" "$@"; }
sockets="gp-intake discharge-intake school-intake router-intake router-delivery router-control"

# Keys and directories are private.
assert_eq "$(stat -c %a "$keys")" 700 "mode of the key directory"
assert_eq "$(stat -c %a "$WORK/mine")" 700 "mode of a directory keygen made"
assert_eq "$(stat -c %a "$WORK/mine/stranger.key")" 600 "mode of a secret key"
for d in "$hub/data" "$hub/data/router" "$hub/data/gp-intake"; do
    assert_eq "$(stat -c %a "$d")" 700 "mode of $d"
done
for f in "$hub"/data/router/*; do
    assert_eq "$(stat -c %a "$f")" 600 "mode of $f"
done

# The CLI with an unlisted key knows each server's public key (it reads
# keys/<server>.pub) and is still refused: exit 77, nothing accepted.
cli --key "$WORK/mine/stranger.key" submit gp "$samples/gp.yaml" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 77 "exit status of a submit with an unlisted key"
[ -s "$WORK/out" ] && fail "an unlisted key got an answer: $(cat "$WORK/out")"
grep -q "refused this client's key" "$WORK/err" || fail "no clear refusal: $(cat "$WORK/err")"
cli --key "$WORK/mine/stranger.key" stats >"$WORK/out" 2>&1
assert_eq $? 77 "exit status of stats with an unlisted key"

# The same unlisted key on every socket, asking for cases, statistics and
# status: no reply at all.
for s in $sockets; do
    case $s in router-*) server=router ;; *) server=$s ;; esac
    for ask in "stats" "status GP-000000-1" "hello afc"; do
        peer "ipc://$hub/run/$s.ipc" --server-pub "$keys/$server.pub" \
            --key "$WORK/mine/stranger.key" --wait 500 $ask >"$WORK/out"
        grep -q '^received 0$' "$WORK/out" || fail "unlisted key on $s ($ask): $(cat "$WORK/out")"
    done
    # A client with a made-up server key: its own key as the server's.
    peer "ipc://$hub/run/$s.ipc" --server-pub "$WORK/mine/stranger.pub" \
        --key "$WORK/mine/stranger.key" --wait 500 stats >"$WORK/out"
    grep -q '^received 0$' "$WORK/out" || fail "wrong server key on $s: $(cat "$WORK/out")"
    # Plaintext: no CURVE at all.
    peer "ipc://$hub/run/$s.ipc" --wait 500 hello afc >"$WORK/out"
    grep -q '^received 0$' "$WORK/out" || fail "plaintext client on $s: $(cat "$WORK/out")"
done

# Meanwhile nothing reached any provider, and the hub still works for those
# it lists.
assert_eq "$(count)" 0 "case files after the strangers"
cli submit gp "$samples/gp.yaml" >"$WORK/out" || fail "a listed GP key was refused"
assert_eq "$(grep -c '^accepted ' "$WORK/out")" 5 "cards accepted from the listed key"
wait_count 5
for s in router gp-intake discharge-intake school-intake; do
    kill -0 "$(cat "$hub/run/$s.pid")" || fail "$s stopped"
done

# The audit trail names the stranger by its key's fingerprint (never the
# whole key) at the router and at the intakes, and counts the plaintext
# attempts; the intakes' records reach the router's audit store.
fp=$(grep -v '^#' "$WORK/mine/stranger.pub" | cut -c1-12)
for who in carerhub-router carerhub-gp-intake carerhub-discharge-intake carerhub-school-intake; do
    audit_wait '.event == "refused-connection" and .actor == "key:'"$fp"'" and
        .recorded_by == "'$who'"'
    audit_has '.event == "refused-connection" and .actor == "unauthenticated" and
        .recorded_by == "'$who'"' || fail "no refused plaintext connection recorded by $who"
done
for s in gp-intake discharge-intake school-intake "router intake socket" \
    "router delivery socket" "router control socket"; do
    audit_has '.actor == "unauthenticated" and (.detail | test("connection to the '"$s"' refused: .*does not use CURVE|broke off"))' ||
        fail "no refused plaintext connection on the $s"
    audit_has '.actor == "unauthenticated" and (.detail | test("connection to the '"$s"' refused: .*wrong server key"))' ||
        fail "no refused connection with a wrong server key on the $s"
done
grep -qF "$(grep -v "^#" "$WORK/mine/stranger.pub")" "$WORK/audit" && fail "the audit holds a whole key"
grep -rqF "$(grep -v "^#" "$WORK/mine/stranger.pub")" "$hub/logs" && fail "a log holds a whole key"
for k in "$keys"/*.key; do
    grep -rqF "$(grep -v '^#' "$k")" "$hub/logs" "$WORK/audit" && fail "a secret key is in a log"
done
hub_stop

# A secret key others can read is refused: by the daemons and by the CLI.
chmod 640 "$keys/router.key"
"$top/deploy/local-hub" start "$hub" router >/dev/null 2>&1 && fail "the router started on a group-readable key"
grep -qF "$keys/router.key is readable by others (mode 0640): refusing to use it; chmod 600 $keys/router.key" \
    "$hub/logs/router.log" || fail "no clear message: $(tail -n 3 "$hub/logs/router.log")"
chmod 644 "$keys/operator.key"
cli stats >"$WORK/out" 2>&1
assert_eq $? 78 "exit status of the CLI with a world-readable key"
grep -q "operator.key is readable by others (mode 0644)" "$WORK/out" || fail "CLI: $(cat "$WORK/out")"
chmod 600 "$keys/operator.key"

# Nor through a symlink, nor one of another user's.
chmod 600 "$keys/router.key"
mv "$keys/router.key" "$keys/router.key.real"
ln -s router.key.real "$keys/router.key"
"$top/deploy/local-hub" start "$hub" router >/dev/null 2>&1 && fail "the router started on a symlinked key"
grep -qF "$keys/router.key is a symlink: refusing to use it" "$hub/logs/router.log" ||
    fail "no clear message: $(tail -n 3 "$hub/logs/router.log")"
rm "$keys/router.key"
mv "$keys/router.key.real" "$keys/router.key"
if [ "$(id -u)" = 0 ]; then
    chown 4242 "$keys/operator.key"
    cli stats >"$WORK/out" 2>&1
    assert_eq $? 78 "exit status of the CLI with another user's key"
    grep -q "operator.key is owned by uid 4242, not by this user (uid 0)" "$WORK/out" ||
        fail "CLI: $(cat "$WORK/out")"
fi
