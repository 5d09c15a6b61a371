# The case system clears the outcome folders while the agent runs, as the
# README allows: outcomes/sent removed, then outcomes/ itself removed and
# made again, then outcomes/ impossible to make for a while (a file in its
# place). Every outcome file dropped after each ends in sent/ (none left
# behind in outcomes/), the agent keeps running, and its log says each
# change once, not once a pass. A FIFO named *.json in the spool does not
# block the check of the case files: it is skipped with a note.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
gen 1 Cleared | sed 's/postcode: .*/postcode: CM2 0AA/' >"$WORK/card.yaml"
cli submit gp "$WORK/card.yaml" >/dev/null || fail "not accepted"
wait_count 1 carers-first
case_id=$(jq -r .case_id "$(files carers-first)")
out=$hub/providers/carers-first/outcomes
log=$hub/logs/provider-carers-first.log
agent_running() { kill -0 "$(cat "$hub/run/provider-carers-first.pid")" 2>/dev/null || fail "the agent stopped $1"; }

# drop_all PREFIX: three outcome files PREFIX1.json... and a bad one;
# each must be filed: the good ones in sent/, the bad one in rejected/.
drop_all() {
    local i
    for i in 1 2 3; do
        drop_outcome carers-first "$1$i.json" "{\"case_id\": \"$case_id\", \"status\": \"contacted\"}"
    done
    drop_outcome carers-first "$1-bad.json" "{\"case_id\": \"$case_id\", \"status\": \"phoned\"}"
    for i in 1 2 3; do
        wait_file "$out/sent/$1$i.json" 10
    done
    wait_file "$out/rejected/$1-bad.json.error.json" 10
    for i in 1 2 3 -bad; do
        [ ! -e "$out/$1$i.json" ] || fail "$1$i.json is still in outcomes/ as well"
    done
}

drop_all a
note "outcomes/sent removed"
rm -rf "$out/sent"
drop_all b
[ "$(stat -c %a "$out/sent")" = 700 ] || fail "sent/ made again with mode $(stat -c %a "$out/sent")"

note "outcomes/ removed, made again by the case system"
rm -rf "$out"
drop_all c
[ "$(stat -c %a "$out")" = 700 ] || fail "the new outcomes/ has mode $(stat -c %a "$out")"
agent_running "after outcomes/ was removed"

note "outcomes/ cannot be made for 3 s"
# (the agent may make it again between the two: then once more)
for i in 1 2 3 4 5; do
    rm -rf "$out"
    : >"$out" 2>/dev/null && break
done
[ -f "$out" ] || fail "could not put a file in the place of outcomes/"
sleep 3
agent_running "while outcomes/ could not be made"
rm -f "$out"
drop_all d
agent_running "at the end"

# The log: each change said, nothing said once a pass.
grep -c 'cannot list\|cannot move' "$log" >"$WORK/n" || true
assert_eq "$(cat "$WORK/n")" 0 "lines saying a folder cannot be listed or a file moved"
grep -F "$out" "$log" | grep 'was removed\|was replaced\|cannot open\|cannot look' >"$WORK/said" || true
n=$(wc -l <"$WORK/said")
[ "$n" -ge 3 ] && [ "$n" -le 6 ] || fail "$n lines about the folders: $(cat "$WORK/said")"
n=$(grep -c "cannot open $out " "$log" || true)
assert_eq "$n" 1 "lines saying outcomes/ cannot be opened, in 3 s"
for p in a b c d; do
    for i in 1 2 3; do
        [ -e "$out/sent/$p$i.json.2" ] && fail "$p$i.json filed twice"
    done
done

# A FIFO named like a case file: skipped with a note, not opened.
mkfifo "$hub/providers/carers-first/stray.json"
timeout 20 "$top/tests/tools/check-case-files" "$hub/providers" >"$WORK/check" 2>&1 ||
    fail "check-case-files with a FIFO in the spool (status $?): $(cat "$WORK/check")"
grep -q "stray.json: note: a FIFO" "$WORK/check" || fail "no note of the FIFO: $(cat "$WORK/check")"
hub_stop
