# A subject access request with the real daemons: Jane Smith is referred
# by her practice and, while her organisation's agent is down, by the
# hospital; her organisation records that it contacted her. Another carer
# is referred to the same organisation. `carerhub export` (an operator's
# key) writes one valid JSON document holding both of Jane's referrals
# with her details as the practice gave them, her timeline, her
# deliveries (one delivered, one still queued) and the audit records
# about her, and nothing of the other carer; with -o a new file, 0600,
# never over an existing one. Every other key is refused, and each export
# is audited with her case id and without her details.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
add_key commissioner commissioner null
awk '/^---$/{d++} d==1' "$samples/gp.yaml" >"$WORK/jane.yaml"
awk '/^---$/{d++} d==1' "$samples/discharge.yaml" >"$WORK/jane-discharge.yaml"
gen 1 Okonkwo | sed 's/postcode: .*/postcode: CM2 0AB/' >"$WORK/other.yaml"

cli submit gp "$WORK/jane.yaml" >"$WORK/ids" || fail "Jane's card not accepted"
rid1=$(sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/ids")
wait_count 1 carers-first
jane_case=$(jq -r .case_id "$(files carers-first)")
cli submit gp "$WORK/other.yaml" >"$WORK/ids" || fail "the other card not accepted"
other_rid=$(sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/ids")
wait_count 2 carers-first
other_case=$(jq -r .case_id "$(files carers-first | xargs grep -l Okonkwo)")
[ "$other_case" != "$jane_case" ] || fail "the other carer joined Jane's case"
for i in $(seq 50); do
    [ "$(cli status "$rid1" --json | jq -r .state)" = delivered ] && break
    sleep 0.1
done
# Her organisation's agent down: the hospital's referral waits for it.
hub_stop provider-carers-first
cli submit discharge "$WORK/jane-discharge.yaml" >"$WORK/ids" || fail "the discharge not accepted"
rid2=$(sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/ids")
for i in $(seq 50); do
    [ "$(cli status "$rid2" --json | jq -r .case_id)" = "$jane_case" ] && break
    sleep 0.1
done
assert_eq "$(cli status "$rid2" --json | jq -r '[.case_id, .state] | join(" ")')" \
    "$jane_case routed" "the discharge, waiting for the agent"
cli --key provider-carers-first outcome "$jane_case" contacted --note "Rang Jane, visit booked" \
    >"$WORK/out" 2>&1 || fail "outcome: $(cat "$WORK/out")"

# The export, by the practice's referral id.
cli export "$rid1" >"$WORK/sar.json" 2>"$WORK/err" || fail "export: exit $?: $(cat "$WORK/err")"
jq -e . "$WORK/sar.json" >/dev/null || fail "the export is not valid JSON"
q() { jq -r "$1" "$WORK/sar.json"; }
assert_eq "$(q '[.asked_for, .case_id, .carerhub_version] | join(" ")')" \
    "$rid1 $jane_case $(cli --version | awk '{print $2}')" "what the export is"
q .what | grep -q "subject access" || fail "the export does not say what it is: $(q .what)"
[ "$(q .exported_at)" \> "$(date -u -d '-5 min' +%FT%T)" ] || fail "exported_at: $(q .exported_at)"
assert_eq "$(q '[.referrals[].referral_id] | sort | join(" ")')" \
    "$(printf '%s\n' "$rid1" "$rid2" | sort | tr '\n' ' ' | sed 's/ $//')" "the referrals"
assert_eq "$(q '[.cases[].case_id] | join(" ")')" "$jane_case" "the cases"
# Her details as the practice gave them (config/samples/gp.yaml).
assert_eq "$(jq -r --arg id "$rid1" '.referrals[] | select(.referral_id == $id) | .record.referral.carer |
    [.given_name, .family_name, .date_of_birth, .address, .phone, .email] | join("|")' "$WORK/sar.json")" \
    "Jane|Smith|1961-04-02|1 High Street, Chelmsford|07700 900123|jane@example.org" "her details"
assert_eq "$(jq -r --arg c "$jane_case" '[.timeline[] | select(.case_id == $c) |
    .record.event.event] | index("contacted") != null' "$WORK/sar.json")" true "her timeline's contact"
q '.timeline[] | select(.record.event.event == "contacted") | .record.event.note' |
    grep -q "visit booked" || fail "the timeline lacks her organisation's note"
assert_eq "$(q '[.deliveries.delivered[].referral_id] | join(" ")')" "$rid1" "delivered"
q '.deliveries.delivered[0].delivered_at' | grep -Eq '^20[0-9-]{8}T' || fail "no delivery time"
assert_eq "$(q '[.deliveries.queued[] | select(.provider == "carers-first") | .record.referral_id] |
    join(" ")')" "$rid2" "queued for her organisation"
assert_eq "$(q '[.index[].table] | sort | unique | join(" ")')" "by_nhs_dob by_person" "index keys"
# The audit records about her: each referral accepted, the contact.
for rid in "$rid1" "$rid2"; do
    assert_eq "$(jq --arg r "$rid" '[.audit[] | select(.record.referral_id == $r and
        .record.event == "accepted")] | length' "$WORK/sar.json")" 1 "the audit of $rid"
done
assert_eq "$(jq --arg c "$jane_case" '[.audit[].record | select(.case_id == $c and
    (.event | startswith("outcome")))] | length > 0' "$WORK/sar.json")" true "the contact's audit"
audit_fetch
assert_eq "$(q '[.audit[].seq] | length')" \
    "$(jq -s --arg c "$jane_case" --arg a "$rid1" --arg b "$rid2" '[.[] | select(.case_id == $c or
        .referral_id == $a or .referral_id == $b or ((.detail // "") | contains($c)))] |
        length - 1' "$WORK/audit")" "audit records about her (all but this export's own)"
# Nothing of the other carer.
grep -q "Okonkwo" "$WORK/sar.json" && fail "the export holds the other carer's name"
grep -q -- "$other_rid\|$other_case" "$WORK/sar.json" && fail "the export names the other carer's ids"

# Into a file: 0600, the same records (and the first export's audit).
cli export "$jane_case" -o "$WORK/sar-file.json" 2>"$WORK/err" || fail "export -o: $(cat "$WORK/err")"
grep -q "written to $WORK/sar-file.json" "$WORK/err" || fail "export -o said: $(cat "$WORK/err")"
assert_eq "$(stat -c %a "$WORK/sar-file.json")" 600 "the file's mode"
assert_eq "$(jq .records "$WORK/sar-file.json")" "$(($(q .records) + 1))" "records in the file"
sum=$(sha256sum <"$WORK/sar-file.json")
cli export "$jane_case" -o "$WORK/sar-file.json" >"$WORK/out" 2>&1
assert_eq "$?" 73 "exit of an export over an existing file"
grep -q "never written over a file" "$WORK/out" || fail "over a file: $(cat "$WORK/out")"
assert_eq "$(sha256sum <"$WORK/sar-file.json")" "$sum" "the existing file after a refused export"

# Other keys: refused; nothing is exported to them.
for key in gp hospital provider-carers-first commissioner; do
    cli --key "$key" export "$rid1" >"$WORK/out" 2>&1
    assert_eq "$?" 77 "exit of an export with the $key key"
    grep -q "Smith" "$WORK/out" && fail "the $key key was shown her data"
done
cli export C-999999 >"$WORK/out" 2>&1
assert_eq "$?" 66 "exit of an export of no case"
grep -q "no case C-999999" "$WORK/out" || fail "no case: $(cat "$WORK/out")"
nobody=${rid1%-*}-999
cli export "$nobody" >"$WORK/out" 2>&1
assert_eq "$?" 66 "exit of an export of no referral"
grep -q "neither the router nor the gp-intake holds it" "$WORK/out" || fail "no referral: $(cat "$WORK/out")"

# Audited: each export, with her case, without her details; each refusal.
audit_fetch
assert_eq "$(jq -s --arg c "$jane_case" '[.[] | select(.event == "export" and .case_id == $c and
    .actor == "operator")] | length' "$WORK/audit")" 2 "the exports' audit records"
jq -s -r '.[] | select(.event == "export") | .detail' "$WORK/audit" | grep -qi "jane\|smith\|CM2\|07700" &&
    fail "an export's audit record holds her details"
audit_has 'select(.event == "refused-message" and (.detail | contains("export query refused")))' ||
    fail "the refused exports were not audited"
grep -l "Smith\|07700 900123" "$hub"/logs/*.log && fail "her details reached a log"
hub_start provider-carers-first
wait_count 3 carers-first
hub_stop
