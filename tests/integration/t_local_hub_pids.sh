# deploy/local-hub never trusts a stale pid file: with another process's
# pid in run/<daemon>.pid, status does not call the daemon running, start
# starts it, and stop, kill and reload leave that process alone (a sleep
# dies of the SIGHUP reload would send it); each stale file is removed with
# a note. A start that fails stops the daemons it had started. A command
# on a directory that is not there, or an unknown command, makes no
# directory. reload names each daemon that refused the new files, with the
# reason from its log, and fails.
. "$(dirname "$0")/lib.sh"
lh=$top/deploy/local-hub
decoys=()
trap 'kill "${decoys[@]}" 2>/dev/null' EXIT
# decoy NAME: a process that stays up, its command line's program NAME;
# its pid in $decoy_pid.
decoy() {
    bash -c "exec -a '$1' sleep 300" </dev/null >/dev/null 2>&1 &
    decoy_pid=$!
    decoys+=("$decoy_pid")
}
alive() { kill -0 "$1" 2>/dev/null; }

hub_config
hub_start router gp-intake
hub_stop router
decoy "$bin/carerhub-router"
pid=$decoy_pid
echo "$pid" >"$hub/run/router.pid"

# status: the router is not running, whatever its pid file says.
"$lh" status "$hub" >"$WORK/status" 2>"$WORK/err" || fail "local-hub status: $(cat "$WORK/err")"
grep -q '^router  *stopped' "$WORK/status" || fail "status believed a stale pid file: $(head -n 3 "$WORK/status")"
grep -q "run/router.pid names pid $pid, which is not router of this hub.*stale pid file, removed" "$WORK/err" ||
    fail "status said nothing of the stale pid file: $(cat "$WORK/err")"
[ -e "$hub/run/router.pid" ] && fail "the stale pid file was not removed"
alive "$pid" || fail "status touched the process of a stale pid file"

# start: the router is started (the hub answers), the decoy left alone.
echo "$pid" >"$hub/run/router.pid"
"$lh" start "$hub" router >/dev/null 2>"$WORK/err" || fail "local-hub start with a stale pid file: $(cat "$WORK/err")"
grep -q "stale pid file, removed" "$WORK/err" || fail "start said nothing of the stale pid file: $(cat "$WORK/err")"
cli stats >/dev/null || fail "start started no router"
started=$(cat "$hub/run/router.pid")
[ "$started" != "$pid" ] || fail "the router's pid file still names the decoy"
grep -q "^router  *running (pid $started)" <("$lh" status "$hub" 2>/dev/null) || fail "status does not show the router started"
alive "$pid" || fail "start touched the process of a stale pid file"

# stop, kill and reload of daemons whose pid files name other processes
# (one that claims to be the daemon, of no hub: no -c of this one's).
decoy "$bin/carerhub-discharge-intake"
pid2=$decoy_pid
echo "$pid" >"$hub/run/school-intake.pid"
"$lh" kill "$hub" school-intake 2>"$WORK/err" && fail "local-hub kill succeeded on a stale pid file"
grep -q "school-intake is not running" "$WORK/err" || fail "kill: $(cat "$WORK/err")"
echo "$pid" >"$hub/run/school-intake.pid"
echo "$pid2" >"$hub/run/discharge-intake.pid"
"$lh" reload "$hub" >"$WORK/out" 2>"$WORK/err" || fail "local-hub reload: $(cat "$WORK/err")"
grep -q "^reloaded: gp-intake router$" "$WORK/out" || fail "reload reloaded: $(cat "$WORK/out")"
alive "$pid" && alive "$pid2" || fail "reload sent SIGHUP to the process of a stale pid file"
echo "$pid" >"$hub/run/school-intake.pid"
echo "$pid2" >"$hub/run/discharge-intake.pid"
"$lh" stop "$hub" >/dev/null 2>"$WORK/err" || fail "local-hub stop: $(cat "$WORK/err")"
alive "$pid" && alive "$pid2" || fail "stop killed the process of a stale pid file"
grep -q "run/discharge-intake.pid names pid $pid2, which is not discharge-intake" "$WORK/err" ||
    fail "stop said nothing of the stale pid file: $(cat "$WORK/err")"
[ -z "$(ls "$hub"/run/*.pid 2>/dev/null)" ] || fail "pid files left after stop: $(ls "$hub"/run/*.pid)"
check_case_files

# A start that fails (the router refuses a group-readable key) stops the
# daemons it had started, and says so; nothing of its own is left running.
chmod 640 "$hub/keys/router.key"
"$lh" start "$hub" router gp-intake discharge-intake >/dev/null 2>"$WORK/err" &&
    fail "local-hub start succeeded with a router that refused to start"
grep -q "router did not start" "$WORK/err" || fail "start did not name the router: $(cat "$WORK/err")"
grep -q "start failed: stopping what it had started: gp-intake discharge-intake$" "$WORK/err" ||
    fail "start did not say what it stopped: $(cat "$WORK/err")"
"$lh" status "$hub" >"$WORK/status" 2>&1
grep -q ' running' "$WORK/status" && fail "a failed start left daemons running: $(cat "$WORK/status")"
pgrep -af -- "carerhub-[a-z-]* -c $hub/carerhub.yaml" >"$WORK/left" &&
    fail "daemons of the failed start still run: $(cat "$WORK/left")"
"$lh" exits "$hub" >"$WORK/exits" || fail "the failed start's stops were not asked for: $(cat "$WORK/exits")"
chmod 600 "$hub/keys/router.key"

# No directory is made by a command that is not start, or by one unknown.
"$lh" status "$WORK/nohub" >/dev/null 2>"$WORK/err"
assert_eq $? 1 "exit status of local-hub status on a directory that is not there"
grep -q "no hub in $WORK/nohub" "$WORK/err" || fail "status: $(cat "$WORK/err")"
"$lh" frobnicate "$WORK/nohub" >/dev/null 2>"$WORK/err"
assert_eq $? 64 "exit status of an unknown local-hub command"
grep -q "unknown command 'frobnicate'" "$WORK/err" || fail "unknown command: $(head -n 1 "$WORK/err")"
[ -e "$WORK/nohub" ] && fail "local-hub made $WORK/nohub"

# reload: refused files are named, with each daemon's reason, and fail it.
hub_start router gp-intake
cp "$hub/participants.yaml" "$WORK/participants.yaml"
printf 'participants:\n  - {id: x, role: wizard, key: "nope"}\n' >"$hub/participants.yaml"
"$lh" reload "$hub" >"$WORK/out" 2>"$WORK/err" && fail "local-hub reload succeeded with a broken participants file"
for name in router gp-intake; do
    grep -q "^local-hub: $name refused new files, keeping the ones it had" "$WORK/err" ||
        fail "reload does not name $name: $(cat "$WORK/err")"
done
grep -q "participant x: role must be" "$WORK/err" || fail "reload gave no reason: $(cat "$WORK/err")"
cp "$WORK/participants.yaml" "$hub/participants.yaml"
"$lh" reload "$hub" >"$WORK/out" 2>"$WORK/err" || fail "reload of the good file again: $(cat "$WORK/err")"
hub_stop
