# Outcome files from a case system, good and bad, through the real agent
# and router. tests/adversarial/outcomes/EXPECT lists each bad file with
# the field and code its error must name. Each is written the way the
# README asks (a name starting with '.', then renamed) into the outcomes/
# folder of the provider that has a delivered case, and must land in
# outcomes/rejected/ with NAME.error.json beside it naming that field and
# code. A symlink and a temporary name are left alone. Nothing of a note
# reaches the log, and the agent keeps going.
#
# Then the router's part: a good outcome file reaches the router and moves
# to outcomes/sent/; one for a case of another organisation and one for a
# step the case cannot take are refused by the router and rejected with its
# field and code; a good file whose agent is killed before the answer is
# sent again on restart and filed once.
. "$(dirname "$0")/lib.sh"
corpus=$top/tests/adversarial/outcomes
hub_config
hub_start router gp-intake provider-carers-first provider-ecs
agent=provider-carers-first
spool=$hub/providers/carers-first
box=$spool/outcomes

# The sample's first card (Chelmsford) goes to Carers First, its third
# (Colchester) to Essex Carers Support.
awk '/^---$/{d++} d==1' "$samples/gp.yaml" >"$WORK/first.yaml"
awk '/^---$/{d++} d==3' "$samples/gp.yaml" >"$WORK/third.yaml"
cli submit gp "$WORK/first.yaml" >"$WORK/out" || fail "not accepted: $(cat "$WORK/out")"
wait_count 1 carers-first
case_id=$(jq -r .case_id "$(files carers-first | head -n 1)")
note "case $case_id delivered to carers-first"
for d in "$box" "$box/sent" "$box/rejected"; do
    [ "$(stat -c %a "$d")" = 700 ] || fail "$d is not 0700: $(stat -c %a "$d")"
done

# drop NAME FILE: as a case system must, whole under a temporary name, then
# renamed into outcomes/.
drop() {
    cp "$2" "$box/.$1.part"
    mv "$box/.$1.part" "$box/$1"
}
# wait_file PATH [SECONDS]
wait_file() {
    local i
    for ((i = 0; i < ${2:-10} * 10; i++)); do
        [ -e "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
running() { kill -0 "$(cat "$hub/run/$agent.pid")" 2>/dev/null || fail "the agent stopped $1"; }

# Left alone: a symlink (never followed) and a file still being written.
printf '{"case_id":"%s","status":"contacted"}\n' "$case_id" >"$WORK/elsewhere.json"
ln -s "$WORK/elsewhere.json" "$box/link.json"
cp "$WORK/elsewhere.json" "$box/.still-being-written.json"

n=0
while read -r name field code; do
    case $name in '' | '#'*) continue ;; esac
    src=$corpus/$name
    if grep -q '@@100KB@@' "$src"; then
        perl -pe 's/\@\@100KB\@\@/"A" x 102400/e' "$src" >"$WORK/$name"
        src=$WORK/$name
    fi
    drop "$name" "$src"
    n=$((n + 1))
done <"$corpus/EXPECT"
[ "$n" -ge 12 ] || fail "only $n bad outcome files in $corpus/EXPECT"

while read -r name field code; do
    case $name in '' | '#'*) continue ;; esac
    err=$box/rejected/$name.error.json
    wait_file "$err" || fail "$name: no error file in rejected/ after 10 s; outcomes/ holds: $(ls -A "$box")"
    [ -e "$box/rejected/$name" ] || fail "$name: its error file is there, the file itself is not"
    [ ! -e "$box/$name" ] || fail "$name: still in outcomes/"
    cmp -s "$box/rejected/$name" "${WORK}/$name" 2>/dev/null || cmp -s "$box/rejected/$name" "$corpus/$name" ||
        fail "$name: the rejected file is not the file as written"
    jq -e --arg n "$name" --arg f "$field" --arg c "$code" '
        .file == $n and (.rejected_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")) and
        any(.errors[]; .field == $f and .code == $c and (.message | length) > 0)' "$err" >/dev/null ||
        fail "$name: expected $field $code; the error file says $(cat "$err")"
done <"$corpus/EXPECT"
note "$n bad outcome files rejected, each with its field and code"
grep -q 'line 1, column' "$box/rejected/01-truncated.json.error.json" ||
    fail "not-JSON errors give no line and column: $(cat "$box/rejected/01-truncated.json.error.json")"
[ -L "$box/link.json" ] && [ -e "$box/.still-being-written.json" ] ||
    fail "the agent moved a symlink or a temporary name: $(ls -A "$box")"
[ ! -e "$box/rejected/link.json" ] && [ ! -e "$box/sent/link.json" ] || fail "the symlink was followed"
running "after the bad files"
# The log names the files and the case, never a note.
log=$hub/logs/$agent.log
grep -q "outcome file 08-status-unknown.json (case C-000001) rejected: status unknown" "$log" ||
    fail "the log does not name the file, its case and the problem: $(grep outcome "$log" | tail -n 5)"
for secret in "Spoke to the carer" "meeting with the carer" "cleared" "AAAAAAAAAA"; do
    ! grep -q "$secret" "$log" || fail "a note reached the log: $(grep "$secret" "$log" | head -n 2)"
done
# The same name again: nothing in rejected/ is replaced.
drop 08-status-unknown.json "$corpus/08-status-unknown.json"
wait_file "$box/rejected/08-status-unknown.json.2.error.json" ||
    fail "a second file of a rejected name did not become NAME.2: $(ls -A "$box/rejected")"
[ -e "$box/rejected/08-status-unknown.json.2" ] || fail "no rejected/08-status-unknown.json.2"

# --- the router's part -----------------------------------------------------
# A case of another organisation.
cli submit gp "$WORK/third.yaml" >"$WORK/out" || fail "not accepted: $(cat "$WORK/out")"
wait_count 1 ecs
other=$(jq -r .case_id "$(files ecs | head -n 1)")

printf '{"case_id":"%s","status":"contacted","at":"%s","note":"Spoke to the carer"}\n' \
    "$case_id" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$WORK/good.json"
jq -e . "$WORK/good.json" >/dev/null || fail "the good file is not JSON"
"$top/tests/tools/check-case-files" --schema "$top/config/outcome.schema.json" "$WORK/good.json" \
    >"$WORK/schema" || fail "the good outcome file is not valid against outcome.schema.json: $(cat "$WORK/schema")"
drop 50-contacted.json "$WORK/good.json"
wait_file "$box/sent/50-contacted.json" 15 ||
    fail "a good outcome file did not reach the router (outcomes/sent/) in 15 s: outcomes/ holds $(ls -A "$box"); $(grep -i outcome "$log" | tail -n 3)"
[ ! -e "$box/50-contacted.json" ] || fail "50-contacted.json is both in sent/ and in outcomes/"
note "a good outcome file reached the router: sent/50-contacted.json"

printf '{"case_id":"%s","status":"contacted"}\n' "$other" >"$WORK/other.json"
drop 51-other-organisation.json "$WORK/other.json"
printf '{"case_id":"%s","status":"accepted"}\n' "$case_id" >"$WORK/step.json"
drop 52-impossible-step.json "$WORK/step.json"
for want in "51-other-organisation.json case_id not_yours" "52-impossible-step.json status impossible_step"; do
    read -r name field code <<<"$want"
    err=$box/rejected/$name.error.json
    wait_file "$err" 15 || fail "$name: not rejected by the router in 15 s: $(ls -A "$box")"
    jq -e --arg f "$field" --arg c "$code" 'any(.errors[]; .field == $f and .code == $c)' "$err" \
        >/dev/null || fail "$name: expected $field $code from the router; got $(cat "$err")"
done
note "the router's refusals rejected with their field and code"

# Killed before the router's answer is acted on: sent again on restart,
# filed once.
printf '{"case_id":"%s","status":"supported","support":["information_advice"]}\n' "$case_id" \
    >"$WORK/supported.json"
drop 53-supported.json "$WORK/supported.json"
hub_kill "$agent"
[ -e "$box/53-supported.json" ] || [ -e "$box/sent/53-supported.json" ] ||
    fail "a kill lost 53-supported.json: $(ls -A "$box" "$box/sent" "$box/rejected")"
hub_start "$agent"
wait_file "$box/sent/53-supported.json" 15 || fail "53-supported.json not filed after a restart: $(ls -A "$box")"
[ ! -e "$box/sent/53-supported.json.2" ] && [ ! -e "$box/rejected/53-supported.json" ] ||
    fail "53-supported.json filed twice: $(ls -A "$box/sent" "$box/rejected")"
running "at the end"
! grep -q "Spoke to the carer" "$log" || fail "a note reached the log"
hub_stop
