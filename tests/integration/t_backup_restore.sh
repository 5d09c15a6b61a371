# carerhub backup under load, and restoring it: a hub with its agents takes
# a steady stream of GP referrals; a backup is taken mid-stream; the ids
# whose submit had returned before the backup began are recorded. The hub
# is stopped, and a new hub directory with the same keys and configuration
# but a new data_dir is restored from the backup and started on the same
# organisations' spool directories (their files are theirs, not the hub's:
# they are not in the backup and not rolled back). Every referral accepted
# before the backup is known to the new hub and is in exactly one case file
# across the organisations' files: none missing, none twice. Then the
# restored hub takes 10 new referrals: with intakes of new epochs and cases
# numbered from C-1000001, none is taken for a case the old hub made after
# the backup, and each reaches exactly one case file.
. "$(dirname "$0")/lib.sh"
hub_config
printf 'web:\n  listen: 127.0.0.1:0\n' >>"$hub/carerhub.yaml"
hub_start
cli postcodes import "$top/tests/data/onspd-synthetic.csv" >/dev/null || fail "postcodes import"
echo 'a-long-enough-password-1' | cli user add ops1 --role operator --password-stdin >/dev/null ||
    fail "user add"

# The stream: 5 cards a submit, each carer new; a submit's ids are in
# sub/N.out once it has returned, never before.
mkdir -p "$WORK/sub" "$WORK/cards"
for ((n = 1; n <= 400; n++)); do gen 5 "Load${n}x" >"$WORK/cards/$n.yaml"; done
(
    for ((n = 1; n <= 400; n++)); do
        [ -e "$WORK/stop" ] && break
        cli submit gp "$WORK/cards/$n.yaml" >"$WORK/sub/$n.tmp" 2>&1 && mv "$WORK/sub/$n.tmp" "$WORK/sub/$n.out"
    done
) &
loop=$!
trap 'touch "$WORK/stop"; wait $loop 2>/dev/null' EXIT
returned() { ls "$WORK/sub" | grep -c '\.out$'; }
for ((i = 0; i < 300 && $(returned) < 20; i++)); do sleep 0.1; done
[ "$(returned)" -ge 20 ] || fail "the stream did not get going: $(returned) submits returned"

# One organisation's agent is away at the time (as agents at the
# organisations' own sites are, now and then): the router holds its
# deliveries, and the backup copies them undelivered. The router is away a
# moment too, so that the backup begins with it taking a backlog from the
# gp-intake as well as the stream.
"$top/deploy/local-hub" stop "$hub" provider-afc >/dev/null || fail "cannot stop provider-afc"
for ((i = 0; i < 300 && $(returned) < 40; i++)); do sleep 0.1; done
"$top/deploy/local-hub" stop "$hub" router >/dev/null || fail "cannot stop the router"
for ((i = 0; i < 300 && $(returned) < 60; i++)); do sleep 0.1; done
hub_start router

# The ids accepted before the backup begins, then the backup, mid-stream.
cat "$WORK"/sub/*.out | sed -n 's/^accepted \([^ ]*\).*/\1/p' | sort >"$WORK/before"
cli backup "$WORK/backup" >"$WORK/backup.out" 2>&1 || fail "backup: $(cat "$WORK/backup.out")"
done_at_backup=$(returned)
# The agent back: it receives, from the old hub, what the backup holds as
# undelivered, and the stream goes on a while.
hub_start provider-afc
# While the hub runs, restoring into its data_dir is refused: its stores are in use.
rc=0
cli restore "$WORK/backup" --force >"$WORK/restore-busy" 2>&1 || rc=$?
assert_eq "$rc" 69 "exit status of restoring into a running hub"
grep -q "$hub/data/router is in use" "$WORK/restore-busy" || fail "restore: $(cat "$WORK/restore-busy")"
[ -z "$(ls -d "$hub"/data/*.before-restore-* 2>/dev/null)" ] || fail "restore moved a store in use aside"
for ((i = 0; i < 300 && $(returned) < done_at_backup + 10; i++)); do sleep 0.1; done
touch "$WORK/stop"
wait $loop
trap - EXIT
cat "$WORK"/sub/*.out | sed -n 's/^accepted \([^ ]*\).*/\1/p' | sort >"$WORK/all"
comm -13 "$WORK/before" "$WORK/all" >"$WORK/after"
note "$(wc -l <"$WORK/before") referrals accepted before the backup, $(wc -l <"$WORK/after") after"
[ "$(wc -l <"$WORK/after")" -ge 10 ] || fail "the stream stopped at the backup: nothing accepted after it"
[ ! -e "$WORK/backup.tmp" ] || fail "backup left backup.tmp"
[ "$(stat -c %a "$WORK/backup")" = 700 ] || fail "the backup directory is not private (0700)"

# The manifest: each store, its digest checked here with b2sum, in the order
# the copies were made: the intakes, the router, then the accounts and postcodes.
man=$WORK/backup/manifest.json
jq -e '.format == "carerhub.backup.v1" and (.made_at | test("^20[0-9-]+T[0-9:]+Z$"))' "$man" >/dev/null ||
    fail "manifest: $(cat "$man")"
jq -r '.stores[] | "\(.name) \(.kind) \(.schema) \(.bytes) \(.blake2b_256)"' "$man" >"$WORK/stores"
while read -r name kind schema bytes digest; do
    f=$WORK/backup/$name/data.mdb
    assert_eq "$(stat -c %s "$f")" "$bytes" "size of $name in the backup"
    assert_eq "$(b2sum -l 256 "$f" | cut -d' ' -f1)" "$digest" "BLAKE2b-256 of $name"
done <"$WORK/stores"
assert_eq "$(cut -d' ' -f1-3 "$WORK/stores" | tr '\n' ',')" \
    "discharge-intake discharge-intake 1,gp-intake gp-intake 1,school-intake school-intake 1,router router 1,web web 1,postcodes postcodes 1," \
    "the stores of the manifest, in the order copied"
hub_stop

# The new hub: same keys and configuration, its own run/ and data_dir (data/,
# relative to its carerhub.yaml, as local-hub has it);
# its providers/ is the organisations' spool directories the old hub's
# agents wrote into.
new=$WORK/hub2
mkdir -p "$new/run" "$new/logs"
cp -R "$hub/keys" "$hub/participants.yaml" "$hub/routing.yaml" "$hub/districts.yaml" "$new/"
sed "s#$hub/run/#$new/run/#" "$hub/carerhub.yaml" >"$new/carerhub.yaml"
ln -s "$hub/providers" "$new/providers"
cli2() { "$bin/carerhub" --config "$new/carerhub.yaml" "$@"; }
trap '"$top/deploy/local-hub" stop "$new" >/dev/null 2>&1' EXIT

# A backup that is not what its manifest says is refused whole.
cp -R "$WORK/backup" "$WORK/damaged"
printf 'X' | dd of="$WORK/damaged/router/data.mdb" bs=1 seek=5000 conv=notrunc status=none
rc=0
cli2 restore "$WORK/damaged" >"$WORK/restore.out" 2>&1 || rc=$?
assert_eq "$rc" 65 "exit status of restoring a damaged backup"
grep -q "damaged/router/data.mdb is not the file the manifest names" "$WORK/restore.out" ||
    fail "restore did not name the damaged store: $(cat "$WORK/restore.out")"
[ -z "$(ls "$new/data" 2>/dev/null)" ] || fail "a damaged backup was partly restored"

cli2 restore "$WORK/backup" >"$WORK/restore.out" 2>&1 || fail "restore: $(cat "$WORK/restore.out")"
assert_eq "$(grep -c '^restored .* store, format' "$WORK/restore.out")" "$(wc -l <"$WORK/stores")" \
    "stores restored"
grep -q 'make again every erasure recorded since' "$WORK/restore.out" ||
    fail "restore did not say what is not in a backup: $(cat "$WORK/restore.out")"
# Again, onto stores that are there now: refused without --force.
rc=0
cli2 restore "$WORK/backup" >"$WORK/again.out" 2>&1 || rc=$?
assert_eq "$rc" 73 "exit status of restoring over stores without --force"

"$top/deploy/local-hub" start "$new" >"$WORK/start2" 2>&1 || fail "the restored hub did not start: $(cat "$WORK/start2")"
# Each referral accepted before the backup, in one case file, once.
ids_in_files() { find "$hub/providers" \( -path '*/.carerhub' -o -path '*/outcomes' \) -prune -o \
    -name '*.json' -print | xargs -r jq -r '.referral_id // empty' | sort; }
for ((i = 0; i < 600; i++)); do
    [ -z "$(comm -23 "$WORK/before" <(ids_in_files | uniq))" ] && break
    sleep 0.1
done
sleep 2 # for any redelivery to show as a second file
ids_in_files >"$WORK/delivered"
missing=$(comm -23 "$WORK/before" <(uniq "$WORK/delivered"))
[ -z "$missing" ] || fail "accepted before the backup, in no case file: $(echo "$missing" | head -n 5)"
twice=$(uniq -d "$WORK/delivered")
[ -z "$twice" ] || fail "in more than one case file: $(echo "$twice" | head -n 5)"
# A referral still with its intake at the backup, which the old hub's router
# took after it, the restored router takes again under a new case id: its
# organisation's agent knows the referral and writes that case as a
# <case>.v<version>.new.again file beside the case file it has, naming
# the case id the hub now knows, and says so in its log.
find "$hub/providers" -name '*.again' | xargs -r jq -r '"\(.referral_id) \(.case_id)"' | sort >"$WORK/again"
[ -z "$(cut -d' ' -f1 "$WORK/again" | uniq -d)" ] || fail "a referral in two .again files: $(cat "$WORK/again")"
# It can only be a referral the backup holds: accepted before the backup
# began, or by a submit under way while it ran (the backup copies the
# gp-intake's spool first, and a submit's referrals are committed there
# before it returns): the submits up to the one in flight when it ended.
for ((n = 1; n <= done_at_backup + 1; n++)); do
    [ -e "$WORK/sub/$n.out" ] && sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/sub/$n.out"
done | sort >"$WORK/in-backup"
[ -z "$(cut -d' ' -f1 "$WORK/again" | comm -23 - "$WORK/in-backup")" ] ||
    fail "a .again file for a referral not accepted before the backup ended: $(cut -d' ' -f1 "$WORK/again" | comm -23 - "$WORK/in-backup" | head -n 5)"
while read -r rid cid; do
    grep -q "referral $rid came again as a new case, $cid (a hub restored from a backup?)" \
        "$new"/logs/provider-*.log || fail "no agent said $rid came again as $cid"
done <"$WORK/again"
note "$(wc -l <"$WORK/again") referral(s) in flight at the backup came again as new cases"
while read -r rid; do
    cli2 status "$rid" >"$WORK/status" 2>&1 || fail "the restored hub does not know $rid: $(cat "$WORK/status")"
    grep -q "^$rid: delivered to " "$WORK/status" || fail "$rid: $(head -n 1 "$WORK/status")"
done <"$WORK/before"
cli2 user list | grep -q '^ops1 ' || fail "the web account is not in the restored hub"

# New referrals to the restored hub, 6 GP and 4 school, each a carer no hub
# has seen. The organisations hold cases the old hub made after the backup,
# under ids and case numbers the backup does not know; the restored hub
# gives none of them again: its intakes chose new epochs (PREFIX-EPOCH-N,
# said in their logs) and its router numbers cases from the next million.
# Each of the 10 reaches exactly one case file.
epoch_in() { sed -n "s/.*(ids $1-\([0-9A-Z]*\)-N)\$/\1/p" "$2" | sort -u; }
for p in GP SC; do
    log=$([ $p = GP ] && echo gp-intake || echo school-intake)
    old=$(epoch_in $p "$hub/logs/$log.log")
    now=$(epoch_in $p "$new/logs/$log.log")
    [[ $old =~ ^[0-9A-Z]{6}$ && $now =~ ^[0-9A-Z]{6}$ ]] || fail "$log: epochs '$old' and '$now'"
    [ "$old" != "$now" ] || fail "the restored $log kept the epoch $old of the old hub"
    [ $p = GP ] && gp_new=$now || sc_new=$now
    grep -q "restored from a backup.*ids are now $p-$now-N, .*the spool's referrals from before keep their ids $p-$old-" \
        "$new/logs/$log.log" || fail "the restored $log did not say it changed epoch: $(grep "$now" "$new/logs/$log.log")"
done
[ -z "$(grep -v "^GP-$(epoch_in GP "$hub/logs/gp-intake.log")-" "$WORK/all")" ] || fail "the old hub's ids are not all of its epoch"
grep -q "restored from a backup (made [0-9TZ:-]*): cases numbered from C-1000001 " "$new/logs/router.log" ||
    fail "the restored router did not say how it numbers cases: $(grep -i restored "$new/logs/router.log")"
card() { awk -v n="$2" '/^---$/{d++} d==n' "$samples/$1.yaml"; }
gen 6 Restored >"$WORK/new-gp.yaml"
for k in 1 2; do
    card school 1 | sed "s/family_name: Khan/family_name: Restored$k/"
    card school 2 | sed "s/family_name: Morris/family_name: Restored$k/"
done >"$WORK/new-school.yaml"
cli2 submit gp "$WORK/new-gp.yaml" >"$WORK/new.out" 2>&1 || fail "submit gp: $(cat "$WORK/new.out")"
cli2 submit school "$WORK/new-school.yaml" >>"$WORK/new.out" 2>&1 || fail "submit school: $(cat "$WORK/new.out")"
sed -n 's/^accepted \([^ ]*\).*/\1/p' "$WORK/new.out" | sort >"$WORK/new"
assert_eq "$(grep -c "^GP-$gp_new-[1-9][0-9]*$" "$WORK/new") $(grep -c "^SC-$sc_new-[1-9][0-9]*$" "$WORK/new")" \
    "6 4" "new referrals accepted with the new epochs' ids"
[ -z "$(comm -12 "$WORK/all" "$WORK/new")" ] || fail "ids the old hub gave, given again: $(comm -12 "$WORK/all" "$WORK/new")"
cases_in_files() { find "$hub/providers" \( -path '*/.carerhub' -o -path '*/outcomes' \) -prune -o \
    -name '*.json' -print | xargs -r jq -r 'select(.referral_id) | "\(.referral_id) \(.case_id)"' | sort; }
for ((i = 0; i < 300; i++)); do
    [ -z "$(comm -23 "$WORK/new" <(cases_in_files | cut -d' ' -f1 | uniq))" ] && break
    sleep 0.1
done
sleep 2 # for a second file to show
cases_in_files | join - "$WORK/new" >"$WORK/new-cases"
missing=$(comm -23 "$WORK/new" <(cut -d' ' -f1 "$WORK/new-cases" | uniq))
[ -z "$missing" ] || fail "accepted by the restored hub, in no case file: $missing"
assert_eq "$(wc -l <"$WORK/new-cases")" 10 "case files of the 10 new referrals (one each)"
bad=$(awk '$2 !~ /^C-1[0-9][0-9][0-9][0-9][0-9][0-9]$/ || $2 == "C-1000000"' "$WORK/new-cases")
[ -z "$bad" ] || fail "new cases numbered as the old hub numbered: $bad"
assert_eq "$(cut -d' ' -f2 "$WORK/new-cases" | sort -u | wc -l)" 10 "distinct case ids of the new referrals"
grep -o ': new C-[0-9]*' "$new/logs/router.log" | cut -c7- | sort >"$WORK/new-numbers"
assert_eq "$(head -n 1 "$WORK/new-numbers")" C-1000001 "the restored router's first case"
[ -z "$(grep -v '^C-1[0-9]\{6\}$' "$WORK/new-numbers")" ] || fail "cases numbered as the old hub numbered them"
! grep -h "came again for another referral" "$new"/logs/provider-*.log || fail "an agent was sent a case id again for another referral"
# What the restored gp-intake held from before the backup, under the old
# epoch's ids, the router acknowledged and the intake let go: started
# again, it has nothing left to pass on.
log=$new/logs/gp-intake.log
"$top/deploy/local-hub" stop "$new" gp-intake >/dev/null || fail "cannot stop the restored gp-intake"
n=$(wc -l <"$log")
"$top/deploy/local-hub" start "$new" gp-intake >/dev/null || fail "the restored gp-intake did not start again"
for ((i = 0; i < 50; i++)); do tail -n +$((n + 1)) "$log" | grep -q 'taking gp referrals' && break; sleep 0.1; done
! tail -n +$((n + 1)) "$log" | grep 'recovering:' || fail "the restored gp-intake kept referrals the router had taken"
tail -n +$((n + 1)) "$log" | grep -q "(ids GP-$gp_new-N)" || fail "the gp-intake changed epoch again: $(tail -n 3 "$log")"
# What the old hub delivered to afc after the backup, the restored router
# sent again, and afc's agent knew it had.
"$top/deploy/local-hub" stop "$new" provider-afc >/dev/null || fail "cannot stop the new provider-afc"
again=$(sed -n 's/.*stopping: .* \([0-9][0-9]*\) redelivery(ies) recognised.*/\1/p' "$new/logs/provider-afc.log")
[ "${again:-0}" -gt 0 ] || fail "afc's agent was sent nothing again: the backup held no undelivered case"
note "afc's agent recognised $again redelivered case(s)"
held=$(sed -n 's/.*recovering: \([0-9]*\) referral(s) in the spool.*/\1/p' "$new/logs/gp-intake.log")
note "the restored gp-intake passed on ${held:-0} referral(s) again"

"$top/deploy/local-hub" stop "$new" >/dev/null || fail "the restored hub: a daemon exited unasked or failed"
trap - EXIT
"$top/deploy/local-hub" exits "$new" >"$WORK/exits2" 2>&1 || fail "the restored hub: $(cat "$WORK/exits2")"
! grep -l "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$new"/logs/*.log ||
    fail "sanitizer reports in the restored hub's logs"
check_case_files
