# The machinery that catches crashed daemons, caught at work. A daemon that
# dies of a signal on its own is named by local-hub (exits, stop, status,
# kill refuses it), and the integration runner fails a test after which a
# daemon died of SIGSEGV, or exited non-zero when asked to stop, though the
# test itself passed; a test whose daemons all stop cleanly passes.
. "$(dirname "$0")/lib.sh"
lh=$top/deploy/local-hub
# Under ASan a SIGSEGV is reported and becomes an abort; the signal itself
# is what this test is about.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0
hub_config
hub_start router gp-intake
pid=$(cat "$hub/run/router.pid")
kill -SEGV "$pid"
for ((i = 0; i < 50; i++)); do
    [ -f "$hub/run/router.exit" ] && break
    sleep 0.1
done
"$lh" exits "$hub" >"$WORK/exits" && fail "local-hub exits saw nothing wrong"
assert_eq "$(cat "$WORK/exits")" "router (pid $pid): signal SEGV, not asked to stop" "local-hub exits"
"$lh" status "$hub" | grep -q "^router  *stopped: signal SEGV, not asked to stop (pid $pid)" ||
    fail "status: $("$lh" status "$hub" | head -n 2)"
"$lh" kill "$hub" router 2>"$WORK/err" && fail "local-hub kill killed a dead router"
grep -q "router was not running: it had exited, signal SEGV" "$WORK/err" || fail "kill said: $(cat "$WORK/err")"
grep -q "local-hub: router (pid $pid) exited: signal SEGV, not asked to stop" "$hub/logs/router.log" ||
    fail "nothing in the router's log"
"$lh" stop "$hub" 2>"$WORK/err" && fail "local-hub stop succeeded after the router had crashed"
grep -q "router (pid $pid): signal SEGV, not asked to stop" "$WORK/err" || fail "stop said: $(cat "$WORK/err")"
# Leave nothing behind for the runner to find: this crash was the point.
rm -rf "$hub"

# The runner, on tests of its own in a directory of their own.
mkdir -p "$WORK/t" "$WORK/fakebin"
cat >"$WORK/t/t_segv.sh" <<'T'
. "$CARERHUB_SRC/tests/integration/lib.sh"
hub_config
hub_start router
kill -SEGV "$(cat "$hub/run/router.pid")"
sleep 0.5
T
cat >"$WORK/t/t_clean.sh" <<'T'
. "$CARERHUB_SRC/tests/integration/lib.sh"
hub_config
hub_start router gp-intake
T
# A router that exits 3 when told to stop.
for p in "$bin"/*; do ln -s "$p" "$WORK/fakebin/"; done
rm "$WORK/fakebin/carerhub-router"
cat >"$WORK/fakebin/carerhub-router" <<T
#!/usr/bin/env bash
"$bin/carerhub-router" "\$@" &
trap 'kill \$!; wait \$!; exit 3' TERM
wait
T
chmod +x "$WORK/fakebin/carerhub-router"
cp "$WORK/t/t_clean.sh" "$WORK/t/t_badstop.sh"
export CARERHUB_SRC=$top
IT_TESTS=$WORK/t "$here/run" "$bin" t_segv >"$WORK/segv.out" 2>&1 && fail "the runner passed a test whose router crashed: $(cat "$WORK/segv.out")"
grep -q "^FAIL t_segv" "$WORK/segv.out" || fail "runner: $(cat "$WORK/segv.out")"
grep -q "router (pid [0-9]*): signal SEGV, not asked to stop" "$WORK/segv.out" ||
    fail "the runner did not name the router and its signal: $(cat "$WORK/segv.out")"
IT_TESTS=$WORK/t "$here/run" "$WORK/fakebin" t_badstop >"$WORK/badstop.out" 2>&1 &&
    fail "the runner passed a test whose router exited 3 at stop: $(cat "$WORK/badstop.out")"
grep -q "router (pid [0-9]*): exit 3, at local-hub stop" "$WORK/badstop.out" ||
    fail "the runner did not name the router and its exit status: $(cat "$WORK/badstop.out")"
IT_TESTS=$WORK/t "$here/run" "$bin" t_clean >"$WORK/clean.out" 2>&1 ||
    fail "the runner failed a clean test: $(cat "$WORK/clean.out")"
note "runner: $(grep -h '^FAIL\|^ok' "$WORK"/*.out | sed 's/ (.*//' | tr '\n' ' ')"
