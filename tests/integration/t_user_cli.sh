# `carerhub user` on a hub's configuration, with no daemon running: a first
# password printed alone on the last line, one read from standard input, a
# one-time set-up link on the configured address, the states `user list`
# shows, and each refusal with its exit status and the field it names. No
# password, hash or token is listed, and none is in the store in clear.
. "$(dirname "$0")/lib.sh"
hub_config
store=$hub/data/web/data.mdb

# run EXPECTED-STATUS ARGS...: `carerhub user ARGS` into $WORK/o (stdout
# and stderr), failing unless it exits EXPECTED-STATUS.
run() {
    local want=$1 rc
    shift
    cli user "$@" >"$WORK/o" 2>&1
    rc=$?
    [ "$rc" = "$want" ] || fail "user $*: exit $rc, expected $want: $(cat "$WORK/o")"
}
said() { grep -qF -- "$1" "$WORK/o" || fail "expected '$1' in: $(cat "$WORK/o")"; }
# state NAME: the state column of NAME's line in `user list`.
state() { cli user list | awk -v n="$1" '$1 == n { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }'; }

note "a first password, printed last"
run 0 add alice --role gp --org F81001
said "added alice (gp F81001)"
pw=$(tail -n 1 "$WORK/o")
[ "${#pw}" -ge 16 ] || fail "first password '$pw' is shorter than 16 characters"
[[ $pw =~ ^[a-z0-9-]+$ ]] || fail "first password '$pw' is not alone on the last line"
assert_eq "$(state alice)" "must change password" "alice's state"
run 0 add alice2 --role gp --org F81001
[ "$(tail -n 1 "$WORK/o")" != "$pw" ] || fail "two accounts got the same first password"

note "a password from standard input"
run 0 add bob --role hospital --org RAJ --password-stdin <<<'a chosen password 1'
said "added bob (hospital RAJ)"
grep -q "chosen" "$WORK/o" && fail "the password read was printed"
assert_eq "$(state bob)" "active" "bob's state"
run 0 passwd alice --password-stdin <<<'a changed password 2'
assert_eq "$(state alice)" "active" "alice's state after passwd"
run 0 passwd bob
assert_eq "$(state bob)" "must change password" "bob's state after an operator's reset"

note "a set-up link on web.listen"
run 0 add carol --role school --org 115000 --setup-link
link=$(tail -n 1 "$WORK/o")
[[ $link =~ ^http://127\.0\.0\.1:7320/setup\?user=carol\&token=[A-Za-z0-9_-]{43}$ ]] ||
    fail "set-up link: $link"
said "72 hours"
token=${link##*token=}
assert_eq "$(state carol)" "set-up pending" "carol's state"
run 0 add ops --role operator
run 0 add eccc --role commissioner --setup-link
run 0 add agent --role provider --org carers-first --password-stdin <<<'provider password 9'

note "disable and enable"
run 0 disable alice
said "disabled alice"
assert_eq "$(state alice)" "disabled" "alice's state when disabled"
run 0 enable alice
assert_eq "$(state alice)" "active" "alice's state when enabled again"

note "the list: names, roles, organisations, states; no hash"
cli user list >"$WORK/list" || fail "user list failed"
grep -Eq '^alice +gp +F81001 +active$' "$WORK/list" || fail "list: $(cat "$WORK/list")"
grep -Eq '^ops +operator +- +must change password$' "$WORK/list" || fail "list: $(cat "$WORK/list")"
grep -Eq '^eccc +commissioner +- +set-up pending$' "$WORK/list" || fail "list: $(cat "$WORK/list")"
grep -q '^7 accounts$' "$WORK/list" || fail "list count: $(cat "$WORK/list")"
grep -q 'argon2' "$WORK/list" && fail "the list shows a hash"
[ -f "$store" ] || fail "no store at $store"
grep -q 'F81001' "$store" || fail "the store does not hold the accounts"
for secret in "$pw" "a chosen password 1" "a changed password 2" "$token"; do
    grep -qF -- "$secret" "$store" && fail "the store holds '$secret' in clear"
done

note "refusals: exit status and the field named"
run 65 add alice --role school --org 115000
said "name alice is taken"
run 64 add dave --role nurse
said "role must be gp, hospital, school, provider, commissioner or operator, not 'nurse'"
run 64 add dave --org F81001
said "--role is needed"
run 64 add dave --role gp --org RAJ
said "organisation of a gp account must be its practice's ODS code"
run 64 add dave --role provider --org nosuch
said "organisation nosuch is not a provider of the routing"
run 64 add dave --role operator --org RAJ
said "organisation must be empty"
run 64 add 2dave --role operator
said "name must start with a letter"
run 64 add Public --role gp --org F81001
said "name public is reserved for the public"
[ -z "$(state Public)" ] || fail "an account called Public was added: $(state Public)"
run 64 add dave --role operator --password-stdin <<<'short'
said "password must be at least 12 characters"
run 64 add dave --role operator --password-stdin <<<'dave'
said "password must be at least"
run 64 add dave --role operator --password-stdin </dev/null
said "password: nothing on standard input"
run 64 add dave --role operator --password-stdin --setup-link
said "one or the other"
[ -z "$(state dave)" ] || fail "a refused account was added: $(state dave)"
run 65 passwd nobody
said "name nobody is not an account"
run 65 disable nobody
run 65 enable nobody
run 64 frobnicate
said "unknown user command"
run 64 list extra

note "public_url and TLS make the link"
cat >>"$hub/carerhub.yaml" <<YAML
web: {public_url: "https://refer.example.org/", listen: "[::1]:8443"}
YAML
run 0 add erin --role school --org 115000 --setup-link
[[ $(tail -n 1 "$WORK/o") =~ ^https://refer\.example\.org/setup\?user=erin\&token=[A-Za-z0-9_-]{43}$ ]] ||
    fail "set-up link with public_url: $(tail -n 1 "$WORK/o")"
sed -i 's|^web: .*|web: {listen: "[::1]:8443", tls_cert: web.pem, tls_key: web.key}|' "$hub/carerhub.yaml"
run 0 passwd erin --setup-link
[[ $(tail -n 1 "$WORK/o") =~ ^https://\[::1\]:8443/setup\?user=erin\&token= ]] ||
    fail "set-up link under TLS: $(tail -n 1 "$WORK/o")"
sed -i 's|^web: .*|web: {listen: "example.org:80", tls_cert: web.pem}|' "$hub/carerhub.yaml"
run 78 list
said "web.tls_cert and web.tls_key go together"
said "web.listen must be address:port, not 'example.org:80'"

note "a store that cannot be opened"
sed -i '/^web: /d; s|^data_dir: .*|data_dir: broken|' "$hub/carerhub.yaml"
mkdir -p "$hub/broken" && : >"$hub/broken/web"
run 74 list
said "cannot open the accounts store"
