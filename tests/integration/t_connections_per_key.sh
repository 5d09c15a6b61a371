# A key is served on at most security.connections_per_key connections at
# once (8 by default), so that answers a peer never reads cannot pile up
# without bound: 16 connections with the practice's key, each pipelining
# 2,000 cards it reads no answer to until the end. Eight are served; each
# of the other eight is told once why, and gets nothing more. The refusal is
# audited, and a connection opened once the others close is served again.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start gp-intake router
keys=$hub/keys
rss() { awk '/^VmRSS/{print $2}' "/proc/$(cat "$hub/run/gp-intake.pid")/status"; }
before=$(rss)
"$bin/carerhub-testpeer" "ipc://$hub/run/gp-intake.ipc" --server-pub "$keys/gp-intake.pub" \
    --key "$keys/gp.key" --connections 16 --repeat 2000 --wait 3000 \
    submit gp "$top/tests/adversarial/01-missing-consent.yaml" >"$WORK/peer"
after=$(rss)
grep -q '^sent 32000$' "$WORK/peer" || fail "not all sent: $(grep '^sent' "$WORK/peer")"
assert_eq "$(grep -c '^reply error unavailable: too many connections with this key' "$WORK/peer")" 8 \
    "connections told they are one too many"
answered=$(grep -c '^problem consent required$' "$WORK/peer")
[ "$answered" -le 16000 ] || fail "$answered answers: more than eight connections were served"
[ "$answered" -ge 8000 ] || fail "only $answered answers on the eight served connections"
note "gp-intake RSS $before -> $after kB; $answered answers"
audit_wait '.event == "refused-connection" and .actor == "gp" and
    (.detail | test("already has 8 connection.s. open"))'
# All closed: a new connection is served.
cli submit gp "$samples/gp.yaml" >"$WORK/out" || fail "the practice was not served afterwards"
hub_stop
