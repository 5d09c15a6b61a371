# With the router down, no command that asks it misleads: each says the
# router did not answer, naming its endpoint, and exits 69 with nothing on
# standard output; status does not say "no such referral" of a referral the
# router took, nor of one it cannot rule out. With the intake that would
# hold a referral down, status of one the router has not taken cannot be
# told either; with both up, an unknown referral is "no such referral" (66).
. "$(dirname "$0")/lib.sh"
hub_config
hub_start
router=ipc://$hub/run/router-control.ipc
gp_intake=ipc://$hub/run/gp-intake.ipc
cli submit gp "$samples/gp.yaml" >"$WORK/out" || fail "the samples were not accepted"
wait_count 5
id=$(sed -n '1s/^accepted //p' "$WORK/out")
case_id=$(cli status "$id" --json | jq -r .case_id)
[[ $case_id =~ ^C-[0-9]{6,}$ ]] || fail "no case for $id: '$case_id'"
never=GP-${id:3:6}-999 # a referral of the same day that was never sent
hub_stop router

# Each command that asks the router, all at once (each waits its timeout).
declare -A asks=(
    [status]="status --timeout 2 $id"
    [status-never]="status --timeout 2 $never"
    [feedback]="--key gp feedback"
    [cancel]="cancel $id --reason changed"
    [outcome]="--key provider-carers-first outcome $case_id contacted"
    [alerts]="alerts"
    [stats]="stats"
    [audit]="audit"
    [report]="report"
    [cases]="--key provider-carers-first cases"
    [case]="case $case_id"
    [queues]="queues"
    [parked]="parked"
    [parked-release]="parked release $id"
    [conflict]="conflict join $case_id C-999999"
)
for name in "${!asks[@]}"; do
    # shellcheck disable=SC2086
    (
        cli ${asks[$name]} >"$WORK/$name.out" 2>"$WORK/$name.err"
        echo $? >"$WORK/$name.rc"
    ) &
done
wait
for name in "${!asks[@]}"; do
    what="carerhub ${asks[$name]} with the router down"
    assert_eq "$(cat "$WORK/$name.rc")" 69 "exit status of $what ($(cat "$WORK/$name.err"))"
    grep -qF "the router at $router did not answer" "$WORK/$name.err" ||
        fail "$what does not name the router that did not answer: $(cat "$WORK/$name.err")"
    grep -q 'no such' "$WORK/$name.err" && fail "$what says: $(cat "$WORK/$name.err")"
    [ -s "$WORK/$name.out" ] && fail "$what printed: $(cat "$WORK/$name.out")"
done
grep -q "the hub cannot tell now where it is" "$WORK/status.err" ||
    fail "status does not say the hub cannot tell: $(cat "$WORK/status.err")"

# The router up, the gp-intake down: a referral the router has not taken
# may wait at the intake, so the hub cannot tell; one it took it knows.
hub_start router
hub_stop gp-intake
cli status --timeout 2 "$never" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 69 "exit status of status of a referral the router has not taken, the gp-intake down"
grep -qF "the gp-intake at $gp_intake" "$WORK/err" && grep -q "did not answer" "$WORK/err" ||
    fail "status does not name the gp-intake that did not answer: $(cat "$WORK/err")"
grep -q 'no such referral' "$WORK/err" && fail "status with the gp-intake down says: $(cat "$WORK/err")"
cli status --timeout 2 "$id" >"$WORK/out" 2>"$WORK/err" || fail "status of $id the router took: $(cat "$WORK/err")"
grep -q "^$id: delivered to" "$WORK/out" || fail "status of $id: $(cat "$WORK/out")"

# Both up: only now is an unknown referral no such referral.
hub_start gp-intake
cli status "$never" >"$WORK/out" 2>"$WORK/err"
assert_eq $? 66 "exit status of status of a referral never sent"
grep -q "$never: no such referral" "$WORK/err" || fail "status of $never: $(cat "$WORK/err")"
hub_stop
