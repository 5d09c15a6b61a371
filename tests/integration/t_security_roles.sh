# The key a peer authenticated with decides what it may do, whatever its
# messages say. A GP key submitting to the school intake, a GP key sending
# another practice's card, a provider's key asking for another provider's
# cases, and non-operators asking for status, statistics or the audit trail:
# each is refused, audited, and the daemons carry on.
. "$(dirname "$0")/lib.sh"
hub_config
# afc's own agent stays down: its cases must wait for it.
hub_start router gp-intake discharge-intake school-intake \
    $(cli config providers | grep -v '^afc$' | sed 's/^/provider-/')
keys=$hub/keys
card() { awk -v n="$2" '/^---$/{d++} d==n' "$samples/$1.yaml"; }

# A GP key at the school intake.
cli --key gp submit school "$samples/school.yaml" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 77 "exit status of a GP key at the school intake"
[ -s "$WORK/out" ] && fail "the school intake accepted from a GP key: $(cat "$WORK/out")"
grep -q "school.yaml#1: not accepted: a gp key may not submit here: the school intake takes referrals from school keys only" \
    "$WORK/err" || fail "no clear refusal: $(cat "$WORK/err")"

# A GP key with another practice's card (F81999 is not among its practices),
# and a hospital key with another trust's discharge.
card gp 2 | sed 's/^practice: .*/practice: F81999/' >"$WORK/other-practice.yaml"
cli submit gp "$WORK/other-practice.yaml" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 65 "exit status of another practice's card"
grep -q "other-practice.yaml#1: practice: F81999 is not yours to refer for: your key (gp) may refer for F81001, F81002, F81003, F81004 or F81005 only" \
    "$WORK/err" || fail "no error on the practice: $(cat "$WORK/err")"
card discharge 1 | sed 's/trust: RAJ /trust: RXQ /; s/site: RAJ01/site: RXQ01/' >"$WORK/other-trust.yaml"
grep -q 'trust: RXQ' "$WORK/other-trust.yaml" || fail "test card not made"
cli submit discharge "$WORK/other-trust.yaml" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 65 "exit status of another trust's discharge"
grep -q "other-trust.yaml#1: hospital.trust: RXQ is not yours to refer for" "$WORK/err" ||
    fail "no error on the trust: $(cat "$WORK/err")"

# Non-operators asking questions: refused with exit 77, except a
# referrer's status of its own referrals. Another organisation's key is
# told nothing of the referral (exit 66, as for an id never given).
id=$(cli submit gp "$samples/gp.yaml" | awk '/^accepted/{print $2; exit}')
[ -n "$id" ] || fail "the GP key's own cards were not accepted"
for ((i = 0; i < 100; i++)); do # until the router has taken it
    cli --key gp status "$id" >"$WORK/out" 2>"$WORK/err" && break
    sleep 0.1
done
[ -s "$WORK/out" ] || fail "the GP key's status of its own referral: $(cat "$WORK/err")"
grep -q "^$id: " "$WORK/out" || fail "status did not answer the GP key: $(cat "$WORK/out")"
cli --key school status "$id" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 66 "exit status of status with the school key"
grep -q "$id: no such referral that this key may see" "$WORK/err" ||
    fail "status with school: $(cat "$WORK/err")"
grep -q "$id" "$WORK/out" && fail "status answered the school key"
cli --key provider-ecs status "$id" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 77 "exit status of status with the provider-ecs key"
grep -q "refused: status queries need an operator key, or a referrer's key" "$WORK/err" ||
    fail "status with provider-ecs: $(cat "$WORK/err")"
grep -q "$id" "$WORK/out" && fail "status answered the provider-ecs key"
for key in gp school provider-ecs; do
    cli --key "$key" stats >"$WORK/out" 2>&1
    assert_eq $? 77 "exit status of stats with the $key key"
    cli --key "$key" audit >"$WORK/out" 2>&1
    assert_eq $? 77 "exit status of audit with the $key key"
done
cli status "$id" >"$WORK/out" || fail "the operator's status query failed"

# The afc card waits at the router. An agent with ecs's key asking for
# afc's cases gets nothing, and says why in its log.
wait_count 4
mkdir -p "$WORK/thief"
"$bin/carerhub-provider" -c "$hub/carerhub.yaml" --provider afc --out "$WORK/thief" \
    --key "$keys/provider-ecs.key" >"$WORK/thief.log" 2>&1 &
thief=$!
sleep 3
kill "$thief"
wait "$thief"
[ -n "$(find "$WORK/thief" -name '*.json')" ] && fail "an agent with ecs's key received afc's cases"
grep -q "the router refused this agent: asked for the cases of afc with the key of ecs" \
    "$WORK/thief.log" || fail "the agent did not say why: $(cat "$WORK/thief.log")"
# Direct from the socket, too: an error and no case.
"$bin/carerhub-testpeer" "ipc://$hub/run/router-delivery.ipc" --server-pub "$keys/router.pub" \
    --key "$keys/provider-ecs.key" --wait 1000 hello afc >"$WORK/out"
grep -q "^reply error forbidden: asked for the cases of afc with the key of ecs$" "$WORK/out" ||
    fail "testpeer: $(cat "$WORK/out")"
grep -q "^reply delivery" "$WORK/out" && fail "afc's case went to ecs's key"
# An operator's key is not a provider's either.
"$bin/carerhub-testpeer" "ipc://$hub/run/router-delivery.ipc" --server-pub "$keys/router.pub" \
    --key "$keys/operator.key" --wait 1000 hello afc >"$WORK/out"
grep -q "^reply error forbidden: only a provider's key may receive cases$" "$WORK/out" ||
    fail "operator as agent: $(cat "$WORK/out")"

# The rightful agent gets the case.
hub_start provider-afc
wait_count 1 afc
assert_eq "$(count)" 5 "case files in all"

# Every refusal is in the audit trail, with who did it.
audit_wait '.event == "refused-message" and .actor == "gp" and .recorded_by == "carerhub-school-intake"'
for cond in \
    '.actor == "gp" and (.detail | test("F81999")) and .recorded_by == "carerhub-gp-intake"' \
    '.actor == "hospital" and (.detail | test("RXQ"))' \
    '.actor == "provider-ecs" and .recorded_by == "carerhub-router" and (.detail | test("status"))' \
    '.actor == "provider-ecs" and (.detail | test("stats"))' \
    '.actor == "gp" and (.detail | test("audit"))' \
    '.actor == "provider-ecs" and .detail == "asked for the cases of afc with the key of ecs"' \
    '.actor == "operator" and .detail == "only a provider'"'"'s key may receive cases"'; do
    audit_wait ".event == \"refused-message\" and $cond" 5
done
audit_has '.event == "status" and .actor == "operator" and .referral_id == "'"$id"'"' ||
    fail "the operator's status query is not audited"
audit_has '.event == "accepted" and .actor == "gp" and .referral_id == "'"$id"'"' ||
    fail "the accepted referral is not audited"
audit_has '.event == "delivered" and .provider == "afc"' || fail "the delivery is not audited"

# The daemons carried on.
for s in router gp-intake discharge-intake school-intake provider-afc provider-ecs; do
    kill -0 "$(cat "$hub/run/$s.pid")" || fail "$s stopped"
done
cli --key school submit school "$samples/school.yaml" >"$WORK/out" || fail "school key refused"
hub_stop

# An agent for a provider id no routing file could name is refused at once.
"$bin/carerhub-provider" -c "$hub/carerhub.yaml" --provider ECS --out "$WORK/upper" \
    >"$WORK/out" 2>"$WORK/err"
assert_eq $? 64 "exit status of an agent for provider ECS"
grep -q "carerhub-provider: 'ECS' is not a provider id (1-32 lower-case letters, digits or '-')" \
    "$WORK/err" || fail "no clear refusal of provider ECS: $(cat "$WORK/err")"
[ -e "$WORK/upper" ] && fail "an agent for ECS made its spool"
note "an agent for ECS refused"
