# A case file is never replaced. Case ids start again when a router's store
# is lost, so a new case can get the name of a file the organisation's case
# system has not read yet. The agent then refuses to write it: the old file
# stays as it was, the agent logs an error naming it, and the delivery is
# not acknowledged, so the router keeps it (carerhub status says it waits
# for its agent) and sends it again; once the old file is moved away, the
# new case arrives. The agent neither stops nor spins meanwhile.
. "$(dirname "$0")/lib.sh"
REDELIVER_MS=1000 hub_config
providers=$(cli config providers) || fail "config providers"
# An unread case file from before, of the name the first new case will get
# (C-000001.v000001.new.json; C-000001.json from a router without case
# versions).
unread='{"case_id":"C-000001","unread":true}'
names="C-000001.v000001.new.json C-000001.json"
for p in $providers; do
    mkdir -p -m 0700 "$hub/providers/$p"
    for n in $names; do
        printf '%s\n' "$unread" >"$hub/providers/$p/$n"
        chmod 600 "$hub/providers/$p/$n"
    done
done
hub_start
gen 1 Clash >"$WORK/one.yaml"
cli submit gp "$WORK/one.yaml" >"$WORK/out" || fail "submit: $(cat "$WORK/out")"
rid=$(sed -n 's/^accepted //p' "$WORK/out")
[ -n "$rid" ] || fail "no referral id: $(cat "$WORK/out")"

# The agent that gets the case refuses to overwrite, and says so.
clash="/\(C-000001\.v000001\.new\.json\|C-000001\.json\) already exists: not replacing it with"
clash="$clash \(the case of referral $rid\|version 1 of case C-000001 (referral $rid)\),"
for ((i = 0; i < 100; i++)); do
    grep -l "$clash" "$hub"/logs/provider-*.log >"$WORK/who" 2>/dev/null && break
    sleep 0.1
done
[ -s "$WORK/who" ] || fail "no agent reported the clash: $(tail -n 3 "$hub"/logs/provider-*.log)"
who=$(basename "$(head -n 1 "$WORK/who")" .log)
who=${who#provider-}
name=$(grep -o "$clash" "$hub/logs/provider-$who.log" | head -n 1 | sed 's|^/\([^ ]*\) .*|\1|')
note "$who refused to replace $name"
sleep 3 # the router sends it again, more than once
for p in $providers; do
    for n in $names; do
        assert_eq "$(cat "$hub/providers/$p/$n")" "$unread" "the unread file $n of $p"
    done
done
kill -0 "$(cat "$hub/run/provider-$who.pid")" || fail "the agent for $who stopped"
[ "$(grep -c "already exists" "$hub/logs/provider-$who.log")" -ge 2 ] ||
    fail "the agent did not refuse the router's next attempt too"
cli status "$rid" >"$WORK/status" || fail "status: $(cat "$WORK/status")"
grep -q "^$rid: routed to .*waiting for its agent to take it" "$WORK/status" ||
    fail "the router does not hold it: $(cat "$WORK/status")"
# The agent is not busy retrying between the router's attempts.
ticks=$(awk '{print $14 + $15}' "/proc/$(cat "$hub/run/provider-$who.pid")/stat")
[ "$ticks" -lt 200 ] || fail "the agent for $who used $ticks ticks of CPU"

# Moved away (read by the case system): the new case arrives in its place.
mv "$hub/providers/$who/$name" "$WORK/read-by-the-case-system.json"
for ((i = 0; i < 100; i++)); do
    [ -f "$hub/providers/$who/$name" ] && break
    sleep 0.1
done
assert_eq "$(jq -r .referral_id "$hub/providers/$who/$name")" "$rid" "the new case file"
assert_eq "$(stat -c %a "$hub/providers/$who/$name")" 600 "its mode"
cli status "$rid" | grep -q "^$rid: delivered to" || fail "not delivered: $(cli status "$rid")"
# The other unread files are read too: what is left is the hub's own.
for p in $providers; do
    for n in $names; do
        [ "$(cat "$hub/providers/$p/$n")" = "$unread" ] && mv "$hub/providers/$p/$n" "$WORK/read-$p-$n"
    done
done
hub_stop
