# A carer's own referral, from the real daemons. The gateway's key acting
# for the public (OnBehalf role self, no user, no organisation) submits to
# carerhub-self-intake: accepted, routed by the carer's postcode (Colchester:
# Essex Carers Support; a 16-year-old in Basildon: the young carers
# service), and delivered with source self and its self part; the same
# referral sent again is answered with the first id. An under-16 is refused
# on carer.date_of_birth and told to ask their school or GP practice; no
# phone or email is refused on carer.phone. A GP key, an operator key, the
# gateway acting for nobody and the gateway acting for a GP user are
# refused at the self intake, and the public is refused at the GP intake
# and the router; each refusal is audited. Only an operator can ask after
# the referral. The report counts it as Self-referral. A carer's own
# referral giving the names, date of birth and NHS number of a carer a
# practice referred joins nobody's case: the practice's case stays as it
# was where it was, the own referral opens a case where its postcode routes,
# and `carerhub alerts` names both. Nothing of the carers reaches a log or
# the audit trail.
. "$(dirname "$0")/lib.sh"
hub_config
cat >>"$hub/carerhub.yaml" <<YAML
self_intake: {endpoint: "ipc://$hub/run/self-intake.ipc", retry_ms: 300, retry_max_ms: 1500}
YAML
hub_start
keys=$hub/keys
grep -q '^  - {id: self-intake, role: intake, scope: self' "$hub/participants.yaml" ||
    fail "local-hub did not list the self intake: $(cat "$hub/participants.yaml")"
"$top/deploy/local-hub" status "$hub" | grep -q '^self-intake .*running' ||
    fail "local-hub did not start the self intake: $("$top/deploy/local-hub" status "$hub")"
before=$(grep -c 'participants reloaded' "$hub/logs/self-intake.log")
add_key web gateway null
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c 'participants reloaded' "$hub/logs/self-intake.log")" -gt "$before" ] && break
    sleep 0.05
done
[ "$(grep -c 'participants reloaded' "$hub/logs/self-intake.log")" -gt "$before" ] ||
    fail "self-intake did not reload"

peer() { # SOCKET KEY ARGS...: carerhub-testpeer to an intake or the router's control
    local sock=$1 pub=$1 key=$2
    [ "$sock" = router-control ] && pub=router
    shift 2
    "$bin/carerhub-testpeer" "ipc://$hub/run/$sock.ipc" --server-pub "$keys/$pub.pub" \
        --key "$keys/$key.key" --wait 1000 "$@"
}
public() { peer self-intake web --on-behalf :self "$@"; } # the public form, through the gateway
accepted() { awk '/^reply submit_reply ACCEPTED/{print $4}' "$1"; }
json() { sed -n 's/^json //p' "$1"; }

# given family date-of-birth postcode contact: a carer's own referral.
own() {
    cat <<DOC
carer:
  given_name: $1
  family_name: $2
  date_of_birth: $3
  postcode: "$4"
$5
cared_for: {relationship: wife, conditions: [mental_health]}
consent: {share_with_support_service: true, date: $(date -u +%F)}
self: {heard_from: pharmacy, best_time_to_contact: "weekday evenings, after 6", working: true}
DOC
}
own Ambrose Quennell 1978-09-30 "co1 1aa" '  phone: "07700 900777"' >"$WORK/ambrose.yaml"
# Sixteen today, and fifteen (sixteen tomorrow).
own Imogen Fairweather "$(date -u -d '16 years ago' +%F)" "SS14 1AA" '  email: "i.f@example.org"' \
    >"$WORK/imogen.yaml"
own Peregrine Oakshott "$(date -u -d '16 years ago tomorrow' +%F)" "CO1 1AA" '  phone: "07700 900778"' \
    >"$WORK/peregrine.yaml"
own Ambrose Quennell 1978-09-30 "CO1 1AA" '  address: "2 Mill Lane, Colchester"' >"$WORK/nocontact.yaml"

# Accepted, and routed by the postcode: Colchester is Essex Carers Support's.
public submit self "$WORK/ambrose.yaml" >"$WORK/a"
a=$(accepted "$WORK/a")
[[ $a == SR-*-* ]] || fail "the carer's own referral: $(cat "$WORK/a")"
wait_count 1 ecs
f=$(files ecs)
jq -e --arg a "$a" '.kind == "new" and .referral_id == $a and .routing.rule == "north-essex"
    and (.referrals | length) == 1 and .carer.postcode == "CO1 1AA"' "$f" >/dev/null ||
    fail "the case file: $(cat "$f")"
jq -e '.referrals[0] | .source == "self" and .submitted_by == "web/public" and (has("referrer") | not)
    and .consent.given_by == "carer" and .self.heard_from == "pharmacy"
    and .self.best_time_to_contact == "weekday evenings, after 6" and .self.working == true
    and (has("gp") or has("discharge") or has("school") | not)' "$f" >/dev/null ||
    fail "the referral in the case file: $(jq -c '.referrals[0]' "$f")"
assert_eq "$(jq -r .flags.contact_by "$f")" "$(date -u -d '+10 days' +%F)" "contact by (self: 10 days)"

# The same carer sending the same again: the first id, nothing new delivered.
public submit self "$WORK/ambrose.yaml" >"$WORK/out"
grep -qx "reply submit_reply ACCEPTED $a" "$WORK/out" || fail "the same referral again: $(cat "$WORK/out")"

# Sixteen: the young carers service, as for any source.
public submit self "$WORK/imogen.yaml" >"$WORK/i"
im=$(accepted "$WORK/i")
[ -n "$im" ] || fail "a 16-year-old's own referral: $(cat "$WORK/i")"
wait_count 1 young-carers
jq -e --arg id "$im" '.referral_id == $id and .flags.young_carer == true' "$(files young-carers)" \
    >/dev/null || fail "the 16-year-old's case file: $(cat "$(files young-carers)")"

# Fifteen: refused on carer.date_of_birth, told where to ask, without their
# date of birth or name; no phone or email: refused on carer.phone.
public --dump submit self "$WORK/peregrine.yaml" >"$WORK/out"
grep -q '^reply submit_reply REJECTED$' "$WORK/out" || fail "a 15-year-old's own referral: $(cat "$WORK/out")"
grep -qx 'problem carer.date_of_birth too_young' "$WORK/out" || fail "no date of birth problem: $(cat "$WORK/out")"
assert_eq "$(grep -c '^problem ' "$WORK/out")" 1 "problems of the 15-year-old's referral"
msg=$(json "$WORK/out" | jq -r '.submit_reply.errors[0].message')
for words in "16" "ask someone at your school (a teacher or the school's young carers lead)" \
    "ask your GP practice"; do
    [[ $msg == *"$words"* ]] || fail "the message to a 15-year-old lacks '$words': $msg"
done
[[ $msg == *"$(date -u -d '16 years ago tomorrow' +%Y)"* || $msg == *Peregrine* || $msg == *Oakshott* ]] &&
    fail "the message to a 15-year-old repeats what they wrote: $msg"
public --dump submit self "$WORK/nocontact.yaml" >"$WORK/out"
grep -qx 'problem carer.phone required' "$WORK/out" || fail "no phone or email: $(cat "$WORK/out")"
json "$WORK/out" | jq -e '.submit_reply.errors[0].message | test("give a phone number or an email address")' \
    >/dev/null || fail "the words for no phone or email: $(cat "$WORK/out")"

# Only the gateway acting for the public submits here.
refused() { # OUT PATTERN WHAT
    grep -q "^reply error forbidden: $2" "$1" || fail "$3: $(cat "$1")"
    grep -q ACCEPTED "$1" && fail "$3 was accepted"
    return 0
}
peer self-intake gp submit self "$WORK/ambrose.yaml" >"$WORK/out"
refused "$WORK/out" "a gp key may not submit here: the self intake takes a carer's own referrals only" \
    "the GP key at the self intake"
peer self-intake operator submit self "$WORK/ambrose.yaml" >"$WORK/out"
refused "$WORK/out" "an operator key may not submit here: the self intake" \
    "the operator key at the self intake"
peer self-intake web --on-behalf a.patel:gp:F81001 submit self "$WORK/ambrose.yaml" >"$WORK/out"
refused "$WORK/out" "a gp user of a gateway may not submit here" "a GP user of the gateway at the self intake"
peer self-intake web submit self "$WORK/ambrose.yaml" >"$WORK/out"
refused "$WORK/out" "a gateway key submits here only for the public" "the gateway acting for nobody"
peer self-intake web --on-behalf t.reed:self submit self "$WORK/ambrose.yaml" >"$WORK/out"
refused "$WORK/out" "OnBehalf: role self is the public, with no user and no organisation" \
    "the public with a user name"
# The public may do nothing else: not at the GP intake, not at the router,
# not even ask after its own referral.
awk '/^---$/{d++} d==1' "$samples/gp.yaml" >"$WORK/card.yaml"
peer gp-intake web --on-behalf :self submit gp "$WORK/card.yaml" >"$WORK/out"
refused "$WORK/out" "OnBehalf: role self (the public) may only submit a carer's own referral to the self intake" \
    "the public at the GP intake"
peer router-control web --on-behalf :self status "$a" >"$WORK/out"
refused "$WORK/out" "OnBehalf: role self (the public)" "the public's status query at the router"
public status "$a" >"$WORK/out"
refused "$WORK/out" "OnBehalf: role self (the public)" "the public's status query at the self intake"
# Nobody but an operator asks after a carer's own referral.
cli status "$a" >"$WORK/out" || fail "the operator's status of $a: $(cat "$WORK/out")"
grep -q "^$a: delivered to Essex Carers Support (ecs)" "$WORK/out" || fail "the operator's status: $(cat "$WORK/out")"
if cli --key gp status "$a" >"$WORK/out" 2>&1; then fail "the GP key saw $a: $(cat "$WORK/out")"; fi
grep -q "no such referral that this key may see" "$WORK/out" || fail "the GP key's status of $a: $(cat "$WORK/out")"
assert_eq "$(count)" 2 "case files"

# The report: by source, Self-referral; among the referrers, the public.
cli report --json >"$WORK/report.json" || fail "carerhub report failed"
jq -e '[.by_source[] | select(.id == "self")] == [.by_source[] | select(.name == "Self-referral")]
    and ([.by_source[] | select(.id == "self")][0].referrals == 2)
    and ([.referrers[] | select(.source == "self")][0] | .code == "public" and .referrals == 2)' \
    "$WORK/report.json" >/dev/null ||
    fail "the report: $(jq -c '{by_source, referrers}' "$WORK/report.json")"

# The audit trail: the public's referrals, and each refusal with who sent it.
for cond in \
    '.event == "submitted" and .actor == "gateway web / public" and .referral_id == "'"$a"'" and .recorded_by == "carerhub-self-intake"' \
    '.event == "refused-message" and .actor == "gp" and .recorded_by == "carerhub-self-intake" and (.detail | test("a gp key may not submit here"))' \
    '.event == "refused-message" and .actor == "operator" and .recorded_by == "carerhub-self-intake"' \
    '.event == "refused-message" and .actor == "gateway web / user a.patel" and .recorded_by == "carerhub-self-intake"' \
    '.event == "refused-message" and .actor == "web" and .recorded_by == "carerhub-self-intake" and (.detail | test("only for the public"))' \
    '.event == "refused-message" and .actor == "web" and .recorded_by == "carerhub-gp-intake" and (.detail | test("role self"))' \
    '.event == "refused-message" and .actor == "web" and .recorded_by == "carerhub-router" and (.detail | test("role self"))' \
    '.event == "accepted" and .referral_id == "'"$a"'" and .provider == "ecs"'; do
    audit_wait "$cond" 5
done

# Someone who knows Jane's names, date of birth and NHS number, from
# Epping Forest with another phone: a case of their own, not Jane's.
cli submit gp "$WORK/card.yaml" >"$WORK/out" || fail "Jane's card: $(cat "$WORK/out")"
wait_count 1 carers-first
jane_case=$(jq -r .case_id "$(files carers-first)")
own Jane Smith 1961-04-02 "CM16 4AA" '  phone: "07700 900555"
  nhs_number: "943 476 5919"' >"$WORK/other.yaml"
public submit self "$WORK/other.yaml" >"$WORK/o"
o=$(accepted "$WORK/o")
[ -n "$o" ] || fail "the own referral with Jane's details: $(cat "$WORK/o")"
wait_count 1 afc
f=$(files afc)
other_case=$(jq -r .case_id "$f")
[ "$other_case" != "$jane_case" ] || fail "the own referral joined Jane's case $jane_case"
jq -e --arg o "$o" '.kind == "new" and .referral_id == $o and (.referrals | length) == 1
    and .carer.postcode == "CM16 4AA" and .carer.phone == "07700 900555"
    and .flags.identity_conflict == true' "$f" >/dev/null || fail "the own referral's case: $(cat "$f")"
# Jane's organisation hears of the flag; her case file is as it was.
wait_count 2 carers-first
f=$(files carers-first | tail -n 1)
jq -e --arg c "$jane_case" --arg other "$other_case" '.case_id == $c and .kind == "update"
    and .carer.phone == "07700 900123" and .carer.postcode == "CM2 0AA"
    and .carer.address == "1 High Street, Chelmsford" and (.referrals | length) == 1
    and .provider == "carers-first" and .flags.identity_conflict == true
    and (.flags.conflict_reason | contains($other))' "$f" >/dev/null ||
    fail "Jane's case file after the own referral: $(cat "$f")"
grep -l "900555\|CM16" $(files carers-first) && fail "the own referral's details reached Carers First"
cli alerts >"$WORK/alerts"
assert_eq "$?" 1 "exit of alerts with a conflict"
grep -q "identity conflict: case $jane_case .*$other_case" "$WORK/alerts" &&
    grep -q "identity conflict: case $other_case .*$jane_case" "$WORK/alerts" ||
    fail "alerts do not name both cases: $(cat "$WORK/alerts")"
cli alerts --json >"$WORK/alerts.json"
assert_eq "$(jq -r --arg c "$jane_case" '.alerts[] | select(.case_id == $c) | .other_cases | join(" ")' \
    "$WORK/alerts.json")" "$other_case" "the other case of Jane's alert"
assert_eq "$(jq -r --arg c "$other_case" '.alerts[] | select(.case_id == $c) | .other_cases | join(" ")' \
    "$WORK/alerts.json")" "$jane_case" "the other case of the own referral's alert"
hub_stop

# Nothing of the carers in any log or in the audit trail.
for name in Ambrose Quennell Imogen Fairweather Peregrine Oakshott 900777 "Mill Lane" "i.f@example" \
    Jane Smith 900555 900123 "4765919"; do
    grep -rl -- "$name" "$hub/logs" "$WORK/audit" && fail "'$name' is in the logs or the audit trail"
done
exit 0
