# Outcome files the router refuses go to outcomes/rejected/ with an error
# file beside them naming the field and the problem: a case that is with
# another organisation (it reads exactly as for a case that does not
# exist), and an impossible step. Nothing is lost and the agent keeps
# going: a good file after them is recorded.
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
gen 1 Refused | sed 's/postcode: .*/postcode: CM2 0AA/' >"$WORK/card.yaml"
cli submit gp "$WORK/card.yaml" >/dev/null || fail "not accepted"
wait_count 1 carers-first
case_id=$(jq -r .case_id "$(files carers-first)")
rej=$hub/providers/ecs/outcomes/rejected

# Essex Carers Support reports on Carers First's case, and on no case.
drop_outcome ecs not-ours.json "{\"case_id\": \"$case_id\", \"status\": \"contacted\"}"
drop_outcome ecs no-case.json '{"case_id": "C-999999", "status": "contacted"}'
wait_file "$rej/not-ours.json.error.json"
wait_file "$rej/no-case.json.error.json"
assert_eq "$(jq -r '.errors[0] | [.field, .code] | join(" ")' "$rej/not-ours.json.error.json")" \
    "case_id not_yours" "the error of a case that is another organisation's"
m1=$(jq -r '.errors[0].message' "$rej/not-ours.json.error.json" | sed "s/$case_id/C-X/")
m2=$(jq -r '.errors[0].message' "$rej/no-case.json.error.json" | sed "s/C-999999/C-X/")
assert_eq "$m1" "$m2" "the refusal of another's case against that of no case"
[ -e "$rej/not-ours.json" ] || fail "the refused file itself was not kept"

# Carers First: closed, then contact_attempted: impossible.
rej=$hub/providers/carers-first/outcomes/rejected
drop_outcome carers-first 1-closed.json \
    "{\"case_id\": \"$case_id\", \"status\": \"closed\", \"reason\": \"no_longer_caring\"}"
wait_file "$hub/providers/carers-first/outcomes/sent/1-closed.json"
drop_outcome carers-first 2-attempted.json "{\"case_id\": \"$case_id\", \"status\": \"contact_attempted\"}"
wait_file "$rej/2-attempted.json.error.json"
assert_eq "$(jq -r '.errors[0] | [.field, .code] | join(" ")' "$rej/2-attempted.json.error.json")" \
    "status impossible_step" "the error of a step after closing"
jq -r '.errors[0].message' "$rej/2-attempted.json.error.json" | grep -q closed ||
    fail "the error does not say why: $(cat "$rej/2-attempted.json.error.json")"

# Not JSON at all; the agent is still there and still working.
drop_outcome carers-first 3-broken.json '{"case_id": "C-0'
wait_file "$rej/3-broken.json.error.json"
gen 1 Second | sed 's/postcode: .*/postcode: CM2 0AB/' >"$WORK/card2.yaml"
cli submit gp "$WORK/card2.yaml" >/dev/null || fail "not accepted"
wait_count 2 carers-first
case2=$(jq -r .case_id "$(files carers-first | grep -v "$case_id" | head -n 1)")
drop_outcome carers-first 4-good.json "{\"case_id\": \"$case2\", \"status\": \"accepted\"}"
wait_file "$hub/providers/carers-first/outcomes/sent/4-good.json"
hub_stop
