# The operator removes a key from participants.yaml and sends SIGHUP: from
# then on that key is refused, on new connections and on open ones (a
# provider agent already connected gets nothing more). A participants file
# with problems is refused on reload and the list in force stays. Putting
# the key back lets it in again, with nothing lost meanwhile.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
keys=$hub/keys
cli submit gp "$samples/gp.yaml" >"$WORK/out" || fail "the GP key was refused before the reload"
wait_count 5
assert_eq "$(count afc)" 1 "afc's case files"

# reload: SIGHUP every daemon and wait until each has read the file again.
reloads=0
reload() {
    reloads=$((reloads + 1))
    "$top/deploy/local-hub" reload "$hub"
    local log i
    for log in router gp-intake discharge-intake school-intake; do
        for ((i = 0; i < 100; i++)); do
            [ "$(grep -c 'participants reloaded\|participants file has problems' \
                "$hub/logs/$log.log")" -ge "$reloads" ] && break
            sleep 0.05
        done
        [ $i -lt 100 ] || fail "$log did not reload"
    done
}

cp "$hub/participants.yaml" "$WORK/participants.yaml"
grep -v '{id: gp,\|{id: provider-afc,' "$WORK/participants.yaml" >"$hub/participants.yaml"
assert_eq "$(($(wc -l <"$WORK/participants.yaml") - $(wc -l <"$hub/participants.yaml")))" 2 \
    "lines removed from participants.yaml"
reload

# The GP key is refused at the handshake.
cli submit gp "$samples/gp.yaml" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 77 "exit status of the removed GP key"
[ -s "$WORK/out" ] && fail "a removed key was answered: $(cat "$WORK/out")"
grep -q "refused this client's key" "$WORK/err" || fail "no clear refusal: $(cat "$WORK/err")"

# afc's agent, still connected, receives nothing more: a discharge for a
# carer in Epping Forest (afc's area) waits at the router.
awk '/^---$/{d++} d==1' "$samples/discharge.yaml" |
    sed 's/^  postcode: .*/  postcode: CM16 5AA/; s/^  family_name: .*/  family_name: Epping/;
        /^  nhs_number: "9434765919"/d' >"$WORK/epping.yaml"
grep -q 'postcode: CM16 5AA' "$WORK/epping.yaml" || fail "test card not made"
id=$(cli submit discharge "$WORK/epping.yaml" | awk '/^accepted/{print $2}')
[ -n "$id" ] || fail "the hospital key was refused"
for i in $(seq 50); do
    cli status "$id" >"$WORK/status"
    grep -q "routed to Action for Family Carers (afc)" "$WORK/status" && break
    sleep 0.1
done
grep -q "routed to Action for Family Carers (afc), waiting for its agent" "$WORK/status" ||
    fail "status: $(cat "$WORK/status")"
sleep 2
assert_eq "$(count afc)" 1 "afc's case files while its key is removed"
grep -q "agent for afc cut off: its key is no longer listed" "$hub/logs/router.log" ||
    fail "the router did not cut the agent off"
grep -q "the router refused this agent" "$hub/logs/provider-afc.log" ||
    fail "the agent does not say it is refused"

# A participants file with problems: refused, the list in force stays.
printf 'participants:\n  - {id: x, role: wizard, key: "nope"}\n' >"$hub/participants.yaml"
reload
grep -q "participants file has problems; keeping the current one" "$hub/logs/gp-intake.log" ||
    fail "a bad file was not reported"
cli --key hospital submit discharge "$samples/discharge.yaml" >"$WORK/out" ||
    fail "a bad file on reload locked out the hospital key"
cli submit gp "$samples/gp.yaml" >/dev/null 2>&1
assert_eq $? 77 "exit status of the removed GP key after a bad reload"

# Put the keys back: the GP key is let in, and afc's agent, restarted,
# receives the case that waited.
cp "$WORK/participants.yaml" "$hub/participants.yaml"
reload
cli submit gp "$samples/gp.yaml" >"$WORK/out" || fail "the GP key was refused after it was put back"
hub_stop provider-afc
hub_start provider-afc
wait_count 2 afc
[ -n "$(grep -l "\"$id\"" "$hub"/providers/afc/*.json)" ] || fail "the waiting case did not arrive"

audit_wait '.event == "participants-reloaded" and .recorded_by == "carerhub-router"'
audit_has '.event == "participants-kept" and .recorded_by == "carerhub-gp-intake"' ||
    fail "the refused reload is not audited"
fp=$(grep -v '^#' "$keys/gp.pub" | cut -c1-12)
audit_has '.event == "refused-connection" and .actor == "key:'"$fp"'" and .recorded_by == "carerhub-gp-intake"' ||
    fail "the removed GP key's refusal is not audited"
audit_has '.event == "refused-connection" and (.detail | test("agent for afc cut off"))' ||
    fail "cutting off afc's agent is not audited"
hub_stop
