# Text that JSON must escape comes out of every JSON the hub writes as it
# went in: names with quotes, backslashes, U+2028 and U+2029, direction
# marks and an address with line breaks, through the intake, router and agent to
# the case file, each read back with jq and compared with the original.
# Control characters and bidi overrides, embeddings and isolates (which
# change how the text around them is shown) in a name are refused at the
# intake, naming the field;
# values the intake echoes in its answer (submit --json), the audit trail
# (audit --json) and status (status --json) are valid JSON too.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start router gp-intake provider-ecs

# Each value is written once, as a double-quoted string: YAML and JSON read
# the same escapes here (\" \\ \n \t \r \uXXXX), so one literal is both the
# YAML input and, read by jq as JSON, the value expected back.
names=(
    '"O\"Brien"'
    '"Back\\slash"'
    '"\\\"\\\\\"\""'
    '"Line\u2028Sep\u2029Para"'
    '"Isolate \u200fMark\u200e"'
    '"Slash / </script> <!--"'
    '"Bront\u00eb 😀 \u4e2d\u6587"'
    "\"Quote 'single'\""
)
address='"1 \"High\" St\n\tColchester\r\nCO1 1AB"'
card() { # card GIVEN FAMILY [EXTRA-CARER-FIELDS]: literals as above
    cat <<DOC
---
practice: F81001
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: $1, family_name: $2, date_of_birth: 1960-02-03, postcode: "CO1 1AB", phone: "07700 900111"${3:+, $3}}
cared_for: {relationship: father}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
}
for n in "${names[@]}"; do card "$n" "$n" "address: $address"; done >"$WORK/good.yaml"
cli submit gp "$WORK/good.yaml" >"$WORK/out" 2>"$WORK/err" || fail "not accepted: $(cat "$WORK/err")"
mapfile -t ids < <(awk '/^accepted/{print $2}' "$WORK/out")
assert_eq "${#ids[@]}" "${#names[@]}" "accepted"
wait_count "${#names[@]}" ecs

for i in "${!names[@]}"; do
    f=$(grep -l "\"referral_id\":\"${ids[$i]}\"" $(files ecs)) || fail "no case file for ${ids[$i]}"
    jq -e . "$f" >/dev/null || fail "case file of ${names[$i]} is not JSON: $(cat "$f")"
    jq -e --argjson want "${names[$i]}" --argjson addr "$address" \
        '.carer.given_name == $want and .carer.family_name == $want and
         .referrals[-1].carer.family_name == $want and .carer.address == $addr' "$f" >/dev/null ||
        fail "${names[$i]} came back as $(jq -c '.carer' "$f")"
done

# Control characters in a name are refused at the intake, field by field.
bad=('"Bell\u0007"' '"Esc\u001b[31m"' '"Tab\tName"' '"Del\u007f"' '"Nel\u0085"' '"Csi\u009b"')
for n in "${bad[@]}"; do card '"Ann"' "$n"; done >"$WORK/bad.yaml"
cli submit gp "$WORK/bad.yaml" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 65 "exit status of names with control characters"
for i in "${!bad[@]}"; do
    grep -qxF "$WORK/bad.yaml#$((i + 1)): carer.family_name: contains a control character" "$WORK/err" ||
        fail "${bad[$i]} not refused by field: $(cat "$WORK/err")"
done
assert_eq "$(wc -l <"$WORK/err")" "${#bad[@]}" "problems reported"

# Bidi overrides, embeddings and isolates: refused, naming the character.
for n in '"\u202eRight-to-left override"' '"\u2066Isolate\u2069"' '"\u202aEmbed\u202c"'; do
    card '"Ann"' "$n"
done >"$WORK/bidi.yaml"
cli submit gp "$WORK/bidi.yaml" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 65 "exit status of names with bidi controls"
grep -q "bidi.yaml#1: carer.family_name: has a right-to-left override (U+202E)" "$WORK/err" &&
    grep -q "bidi.yaml#2: carer.family_name: has a left-to-right isolate (U+2066)" "$WORK/err" &&
    grep -q "bidi.yaml#3: carer.family_name: has a left-to-right embedding (U+202A)" "$WORK/err" ||
    fail "bidi controls not refused by field and name: $(cat "$WORK/err")"
cli submit --json gp "$WORK/bad.yaml" >"$WORK/out.json" 2>/dev/null
assert_eq "$(jq -sc '[.[] | [.status, (.errors | map(.field + " " + .code) | join(","))]] | unique' \
    "$WORK/out.json")" '[["rejected","carer.family_name control"]]' "submit --json of the refused"

# What the intake echoes of a refused value is escaped in submit --json.
card '"Ann"' '"Echo"' 'preferred_contact: "pi\"g\\eon\u2028"' >"$WORK/echo.yaml"
cli submit --json gp "$WORK/echo.yaml" >"$WORK/out.json" 2>/dev/null
jq -e --argjson v '"pi\"g\\eon\u2028"' \
    '.errors == [{field: "carer.preferred_contact", code: "invalid",
                  message: ("must be phone, email or post, not '"'"'" + $v + "'"'"'")}]' \
    "$WORK/out.json" >/dev/null || fail "submit --json of an echoed value: $(cat "$WORK/out.json")"

# The audit trail: JSON throughout, every referral there, and no name in it.
audit_fetch
jq -se . "$WORK/audit" >/dev/null || fail "audit --json is not JSON: $(head -c 2000 "$WORK/audit")"
for id in "${ids[@]}"; do
    audit_has ".event == \"accepted\" and .referral_id == \"$id\"" || fail "no audit record of $id"
done
for n in Brien slash Isolate Bront Quote; do
    grep -q "$n" "$WORK/audit" && fail "the audit trail holds a name ($n)"
done

# Status as JSON, for a referral and for an id with characters to escape.
cli status --json "${ids[0]}" >"$WORK/status.json" || fail "no status"
jq -e --arg id "${ids[0]}" '.referral_id == $id and .state == "delivered"' "$WORK/status.json" \
    >/dev/null || fail "status --json: $(cat "$WORK/status.json")"
cli status --json 'GP-"\-1' >"$WORK/status.json"
jq -e '.referral_id == "GP-\"\\-1" and .state == "unknown"' "$WORK/status.json" >/dev/null ||
    fail "status --json of an odd id: $(cat "$WORK/status.json")"
hub_stop
