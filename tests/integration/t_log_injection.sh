# A peer's words cannot forge a line. A provider key's hello may carry any
# bytes as the provider it asks for; the router refuses it, and its log line
# and audit record quote those bytes. A newline there would start a line of
# the router's own ("delivered FAKE"), and an escape sequence would drive the
# operator's terminal: both are written out as \xHH escapes instead, in the
# router's log and in `carerhub audit`, while real text (Siân) stays as it is
# and `carerhub audit --json` stays valid JSON.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start router
keys=$hub/keys
forged=$'x\n2026-12-01 router: delivered FAKE\x1b[2J'
welsh=$'Si\xc3\xa2n\xff'
for ask in "$forged" "$welsh"; do
    "$bin/carerhub-testpeer" "ipc://$hub/run/router-delivery.ipc" --server-pub "$keys/router.pub" \
        --key "$keys/provider-ecs.key" --wait 1000 hello "$ask" >"$WORK/out" ||
        fail "testpeer: $(cat "$WORK/out")"
    grep -q "^reply error forbidden: asked for the cases of" "$WORK/out" ||
        fail "the hello was not refused: $(cat "$WORK/out")"
done
log=$hub/logs/router.log

# The router's log: the forged text is inside the refusal line, escaped.
grep -qF 'asked for the cases of x\x0a2026-12-01 router: delivered FAKE\x1b[2J with the key of ecs' \
    "$log" || fail "no escaped refusal in the log: $(tail -n 5 "$log")"
grep -qF 'asked for the cases of Siân\xff with the key of ecs' "$log" ||
    fail "the log did not keep the text and escape the rest: $(tail -n 5 "$log")"
grep -q $'\x1b' "$log" && fail "the router's log holds a raw ESC"
grep -q '^2026-12-01 router: delivered FAKE' "$log" && fail "the router's log has a forged line"
grep -vq '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T' "$log" && fail "a log line without the router's prefix: $(grep -v '^[0-9]\{4\}-' "$log")"

# carerhub audit, as an operator reads it.
cli audit >"$WORK/audit.txt" || fail "carerhub audit failed"
grep -qF 'asked for the cases of x\x0a2026-12-01 router: delivered FAKE\x1b[2J' "$WORK/audit.txt" ||
    fail "no escaped refusal in the audit: $(cat "$WORK/audit.txt")"
grep -qF 'asked for the cases of Siân\xff' "$WORK/audit.txt" ||
    fail "the audit did not keep the text: $(cat "$WORK/audit.txt")"
grep -q $'\x1b' "$WORK/audit.txt" && fail "carerhub audit printed a raw ESC"
grep -q '^2026-12-01 router: delivered FAKE' "$WORK/audit.txt" && fail "carerhub audit printed a forged line"

# As JSON: valid, and the record holds what was sent, in JSON's own escapes.
audit_fetch
jq -se . "$WORK/audit" >/dev/null || fail "carerhub audit --json is not valid JSON"
grep -q $'\x1b' "$WORK/audit" && fail "carerhub audit --json printed a raw ESC"
audit_has '.event == "refused-message" and (.detail | contains("x\n2026-12-01 router: delivered FAKE\u001b[2J"))' ||
    fail "the JSON audit lost what the peer sent: $(cat "$WORK/audit")"
hub_stop
