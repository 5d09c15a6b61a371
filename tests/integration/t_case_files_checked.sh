# The check of case files against config/case.schema.json, caught at work:
# hub_stop fails a test whose providers hold a case file that is not valid,
# and names the file, where in it and what is wrong; the integration runner
# fails such a test even when it never calls hub_stop; a test whose case
# files are the agents' own passes.
. "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/t"
cat >"$WORK/t/t_good.sh" <<'T'
. "$CARERHUB_SRC/tests/integration/lib.sh"
hub_config
hub_start router gp-intake provider-carers-first
cli submit gp "$samples/gp.yaml" >/dev/null || fail "not accepted"
wait_count 1 carers-first
hub_stop
T
# A case system's own note left beside the agent's files: not a case file.
cat >"$WORK/t/t_bad.sh" <<'T'
. "$CARERHUB_SRC/tests/integration/lib.sh"
hub_config
hub_start router gp-intake provider-carers-first
cli submit gp "$samples/gp.yaml" >/dev/null || fail "not accepted"
wait_count 1 carers-first
f=$(files carers-first | head -n 1)
jq -c '.carer.postcode = "nowhere" | .kind = "closed"' "$f" >"$hub/providers/carers-first/C-999999.json"
T
cp "$WORK/t/t_bad.sh" "$WORK/t/t_bad_stopped.sh"
echo hub_stop >>"$WORK/t/t_bad_stopped.sh"
export CARERHUB_SRC=$top
IT_TESTS=$WORK/t "$here/run" "$bin" t_good >"$WORK/good.out" 2>&1 ||
    fail "the runner failed a test with valid case files: $(cat "$WORK/good.out")"
for t in t_bad t_bad_stopped; do
    IT_TESTS=$WORK/t "$here/run" "$bin" $t >"$WORK/$t.out" 2>&1 &&
        fail "the runner passed $t, whose case file is not valid: $(cat "$WORK/$t.out")"
    grep -q "^FAIL $t" "$WORK/$t.out" || fail "runner: $(cat "$WORK/$t.out")"
    grep -q "case files not valid against config/case.schema.json" "$WORK/$t.out" ||
        fail "$t: the failure does not say why: $(cat "$WORK/$t.out")"
    for where in '$.kind' '$.carer.postcode'; do
        grep -qF "providers/carers-first/C-999999.json: $where: " "$WORK/$t.out" ||
            fail "$t: the checker's output does not name $where: $(cat "$WORK/$t.out")"
    done
done
# hub_stop itself failed the second (FAIL: from lib.sh), not only the runner.
grep -q "FAIL: case files not valid" "$WORK/t_bad_stopped.out" ||
    fail "hub_stop did not fail the test: $(cat "$WORK/t_bad_stopped.out")"
note "runner: $(grep -h '^FAIL\|^ok' "$WORK"/*.out | sed 's/ (.*//' | tr '\n' ' ')"
