# The commissioners' report attacked with the real daemons: periods with
# bad dates from the CLI and raw (carerhub-testpeer), keys asking what
# they may not, a report asked over and over while others are served,
# --html where no file can be written, referrer names meant to run in a
# spreadsheet or a page, bad targets and referrers in routing.yaml; then
# the report table checked against the store (carerhub-reportcheck), and
# the check shown to catch a count changed by hand. Every problem found is
# listed; the test fails if there was any.
. "$(dirname "$0")/lib.sh"
hub_config
keys=$hub/keys
problems=0
problem() {
    echo "FAIL: $*" >&2
    problems=$((problems + 1))
}
formula='=HYPERLINK("http://evil.example/","Oaks, click")'
markup='<b>Elm</b> & <script>alert(1)</script> "Surgery"'
sed -i '/^referrers:/,/^[^ #]/{/^referrers:/d;/^  /d}' "$hub/routing.yaml"
cat >>"$hub/routing.yaml" <<YAML
referrers:
  gp: {F81001: '$formula', F81002: '$markup'}
YAML
hub_start
cli config check >"$WORK/out" 2>&1 || fail "the test's routing.yaml is refused: $(cat "$WORK/out")"
add_key commissioner commissioner null
add_key trust hospital RAJ
# Five carers, from F81002..F81005 and F81001 (gen).
gen 5 Attack >"$WORK/cards.yaml"
cli submit gp "$WORK/cards.yaml" >"$WORK/sub" || fail "not accepted: $(cat "$WORK/sub")"
rid=$(awk '/^accepted/ { print $2; exit }' "$WORK/sub")
wait_count 5
alive() { # alive WHAT: the router still answers an operator, within 10 s
    timeout 10 "$bin/carerhub" --config "$hub/carerhub.yaml" status "$rid" >/dev/null 2>&1 ||
        problem "after $1 the router no longer answers a status query"
}

# --- periods with bad dates, from the CLI -----------------------------------
# asks EXIT FIELD-TEXT OPTION...: the CLI's report refused with EXIT,
# saying FIELD-TEXT, within 20 s.
asks() {
    local want=$1 says=$2 rc
    shift 2
    timeout 20 "$bin/carerhub" --config "$hub/carerhub.yaml" --key commissioner report "$@" \
        >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ $rc -eq 124 ] && { problem "report $*: no answer in 20 s"; return; }
    [ $rc -eq "$want" ] || problem "report $*: exit $rc, not $want: $(head -c 300 "$WORK/err")"
    grep -qF -- "$says" "$WORK/err" || problem "report $*: the error does not say '$says': $(head -c 300 "$WORK/err")"
    [ -s "$WORK/out" ] && problem "report $*: printed a report: $(head -c 200 "$WORK/out")"
}
asks 64 "--from must be a date" --from 2026-02-30
asks 64 "--to must be a date" --to 2026-02-30
asks 64 "--from must be a date" --from 99999-01-01
asks 64 "--to must be a date" --to 99999-01-01
asks 64 "--from must be a date" --from ""
asks 64 "--to must be a date" --to ""
asks 64 "--from must be a date" --from 2025-1-1
asks 64 "--from (2025-06-01) is after --to (2025-05-31)" --from 2025-06-01 --to 2025-05-31
asks 65 "to: a report covers at most 20 years" --from 2024-04-01 --to 2044-04-01
asks 65 "to: a report covers at most 20 years" --from 1000-01-01 --to 9999-12-31
# --to far in the future from the programme start: more than 20 years.
asks 65 "to: a report covers at most 20 years" --to 9999-12-31
# From the programme start to after today: more than its 20 years? no.
asks 65 "from: the period's first day (2024-04-01, the programme start) is after its last (2024-03-31)" \
    --to 2024-03-31
alive "bad periods from the CLI"
# Just under 20 years, and a year far ahead, are periods like any other.
for period in "--from 2024-04-01 --to 2044-03-31" "--from 9999-01-01 --to 9999-12-31" \
    "--from 1000-01-01 --to 1000-01-01"; do
    # shellcheck disable=SC2086
    timeout 20 "$bin/carerhub" --config "$hub/carerhub.yaml" --key commissioner report --json $period \
        >"$WORK/out" 2>"$WORK/err" || problem "report $period refused: $(cat "$WORK/err")"
    jq -e .period "$WORK/out" >/dev/null 2>&1 || problem "report $period: no period in $(head -c 200 "$WORK/out")"
done
assert_eq "$(jq -r '[.period.from, .period.to, .referrals] | join(" ")' "$WORK/out")" "1000-01-01 1000-01-01 0" \
    "a day long before the programme"

# --- the same, raw: dates the CLI would not send ----------------------------
# peer KEY SEND...: carerhub-testpeer on the control socket.
peer() {
    local key=$1
    shift
    timeout 20 "$bin/carerhub-testpeer" "ipc://$hub/run/router-control.ipc" --server-pub "$keys/router.pub" \
        --key "$keys/$key.key" --wait 1000 "$@"
}
# raw FIELD-TEXT FROM TO: the router's answer is a bad_request saying
# FIELD-TEXT, and the router lives on.
raw() {
    local says=$1
    shift
    peer commissioner report "$@" >"$WORK/peer" 2>&1
    grep -q "^reply error bad_request: " "$WORK/peer" ||
        problem "raw report '$1' '${2:-}': not refused as a bad request: $(head -c 300 "$WORK/peer")"
    grep -qF -- "$says" "$WORK/peer" ||
        problem "raw report '$1' '${2:-}': the refusal does not say '$says': $(head -c 300 "$WORK/peer")"
}
raw 'from: "2026-02-30" is not a date' 2026-02-30 -
raw 'to: "2026-02-30" is not a date' - 2026-02-30
raw 'from: "99999-01-01" is not a date' 99999-01-01 -
raw 'to: "99999-01-01" is not a date' - 99999-01-01
raw 'from: "" is not a date' "" -
raw 'to: "" is not a date' - ""
raw 'from: "0999-12-31" is not a date' 0999-12-31 -
raw 'from: "2026-13-01" is not a date' 2026-13-01 -
raw 'to: "2026-00-10" is not a date' - 2026-00-10
raw 'from: "+026-01-01" is not a date' +026-01-01 -
raw 'from: "2026-01-01x" is not a date' 2026-01-01x -
raw 'from: the period' 2025-06-01 2025-05-31
raw 'to: a report covers at most 20 years' 2024-04-01 2044-04-01
raw 'to: a report covers at most 20 years' - 9999-12-31
raw 'from: the period' 9999-12-31 -
raw 'to: a report covers at most 20 years' 1000-01-01 -
# A date with a line break and a long one: refused, and never a line of
# its own in the router's log.
raw 'from: "2026-01-01' $'2026-01-01\nFORGED log line' -
raw 'to: "' - "$(head -c 100000 /dev/zero | tr '\0' 7)"
grep -q '^FORGED' "$hub/logs/router.log" && problem "a report's date wrote a line of its own in the router's log"
alive "bad periods sent raw"

# --- keys asking what they may not ------------------------------------------
audit_fetch
before=$(jq -s 'length' "$WORK/audit")
# A commissioner's key: reports only, refused 77 and audited.
commissioner_asks() { # WHAT COMMAND...
    local what=$1
    shift
    timeout 20 "$bin/carerhub" --config "$hub/carerhub.yaml" --key commissioner "$@" >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    [ $rc -eq 77 ] || problem "a commissioner's $what: exit $rc, not 77: $(head -c 300 "$WORK/out" "$WORK/err")"
    grep -q "$rid\|Attack" "$WORK/out" && problem "a commissioner's $what printed a referral: $(head -c 300 "$WORK/out")"
}
commissioner_asks status status "$rid"
commissioner_asks stats stats
commissioner_asks audit audit
commissioner_asks alerts alerts
commissioner_asks feedback feedback
commissioner_asks cancel cancel "$rid" --reason error
commissioner_asks outcome outcome "$(files | head -n 1 | xargs jq -r .case_id)" contacted
# Referrers' and providers' keys asking for the report.
for key in gp trust school provider-ecs; do
    timeout 20 "$bin/carerhub" --config "$hub/carerhub.yaml" --key "$key" report --json >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ $rc -eq 77 ] || problem "the $key key's report: exit $rc, not 77: $(head -c 300 "$WORK/err")"
    grep -q "reports need an operator or a commissioner key" "$WORK/err" ||
        problem "the $key key's report: no clear refusal: $(head -c 300 "$WORK/err")"
    [ -s "$WORK/out" ] && problem "the $key key was given a report: $(head -c 200 "$WORK/out")"
done
audit_fetch
jq -s ".[$before:]" "$WORK/audit" >"$WORK/audit.new"
for what in status stats audit alerts feedback cancel outcome; do
    jq -e --arg w "$what" 'any(.[]; .event == "refused-message" and (.actor | test("commissioner")) and
        ((.detail // "") | startswith($w + " query refused")))' "$WORK/audit.new" >/dev/null ||
        problem "no audit record of the commissioner's $what refused: $(jq -c '.[] | select(.actor | test("commissioner"))' "$WORK/audit.new" | head -c 600)"
done
for key in gp trust school provider-ecs; do
    jq -e --arg k "$key" 'any(.[]; .event == "refused-message" and (.actor | test($k)) and
        ((.detail // "") | startswith("report query refused")))' "$WORK/audit.new" >/dev/null ||
        problem "no audit record of the $key key's report refused"
done
jq -e 'any(.[]; .event == "report")' "$WORK/audit.new" >/dev/null &&
    problem "a refused report was audited as served: $(jq -c '.[] | select(.event == "report")' "$WORK/audit.new" | head -c 300)"
alive "refused queries"

# --- a report asked over and over --------------------------------------------
# Each report served is audited (one record, event "report", the key as
# actor, no detail); meanwhile the router keeps answering others.
audit_fetch
reports0=$(jq -s '[.[] | select(.event == "report")] | length' "$WORK/audit")
loops=300
timeout 60 "$bin/carerhub-testpeer" "ipc://$hub/run/router-control.ipc" --server-pub "$keys/router.pub" \
    --key "$keys/commissioner.key" --wait 3000 --repeat $loops report >"$WORK/loop" 2>&1 &
loop_pid=$!
slow=0
for ((i = 0; i < 10; i++)); do
    t0=$(date +%s%N)
    alive "reports asked in a loop"
    [ $((($(date +%s%N) - t0) / 1000000)) -lt 2000 ] || slow=$((slow + 1))
done
[ $slow -eq 0 ] || problem "$slow of 10 status queries took 2 s or more while reports were asked in a loop"
wait $loop_pid || problem "the loop of reports: exit $?: $(tail -n 3 "$WORK/loop")"
assert_eq "$(grep -c '^reply report_reply$' "$WORK/loop")" $loops "reports answered in the loop"
audit_fetch
assert_eq "$(jq -s '[.[] | select(.event == "report")] | length' "$WORK/audit")" $((reports0 + loops)) \
    "report audit records after $loops reports"
jq -se 'all(.[] | select(.event == "report"); .actor == "commissioner" and (.referral_id == null))' \
    "$WORK/audit" >/dev/null || problem "a report's audit record names something else: $(jq -c 'select(.event == "report")' "$WORK/audit" | tail -n 1)"

# --- --html where no page can be written --------------------------------------
mkdir -p "$WORK/pages/isdir"
touch "$WORK/pages/afile"
html_fails() { # PATH WHY: the page refused with a clear error, and no file left
    local before after
    before=$(find "$WORK/pages" | sort)
    timeout 20 "$bin/carerhub" --config "$hub/carerhub.yaml" --key commissioner report --html "$1" \
        >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ $rc -eq 73 ] || problem "--html '$1': exit $rc, not 73 (cannot create): $(cat "$WORK/err")"
    grep -qF "cannot write $1: $2" "$WORK/err" || problem "--html '$1': no clear error: $(cat "$WORK/err")"
    grep -q "report written" "$WORK/out" && problem "--html '$1': said it wrote the page"
    after=$(find "$WORK/pages" | sort)
    [ "$before" = "$after" ] || problem "--html '$1' left a file behind: $(comm -13 <(echo "$before") <(echo "$after"))"
}
(cd "$WORK/pages" && html_fails missing/report.html "No such file or directory") || problems=$((problems + 1))
html_fails "$WORK/pages/missing/report.html" "No such file or directory"
html_fails "$WORK/pages/afile/report.html" "Not a directory"
html_fails "$WORK/pages/isdir" "Is a directory"
(cd "$WORK/pages" && html_fails "" "No such file or directory") || problems=$((problems + 1))
if [ "$(id -u)" -ne 0 ]; then
    mkdir -p "$WORK/pages/locked"
    chmod 555 "$WORK/pages/locked"
    html_fails "$WORK/pages/locked/report.html" "Permission denied"
    chmod 755 "$WORK/pages/locked"
else # root writes anywhere but where the file system will not have it
    timeout 20 "$bin/carerhub" --config "$hub/carerhub.yaml" --key commissioner report \
        --html /proc/carerhub-report.html >"$WORK/out" 2>"$WORK/err"
    assert_eq $? 73 "exit status of --html in /proc"
    grep -q "cannot write /proc/carerhub-report.html: " "$WORK/err" || problem "--html in /proc: $(cat "$WORK/err")"
fi

# --- referrers' names as configured, in every form ---------------------------
cli --key commissioner report --json >"$WORK/report.json" || problem "report --json failed"
assert_eq "$(jq -r '.referrers[] | select(.code == "F81001") | .name' "$WORK/report.json")" "$formula" \
    "the name of F81001 in the JSON (data, as configured)"
cli --key commissioner report --csv >"$WORK/report.csv" || problem "report --csv failed"
python3 - "$WORK/report.csv" "$formula" "$markup" >"$WORK/csv.check" <<'PY' || problem "the CSV: $(cat "$WORK/csv.check")"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
bad = [f"line {i + 1}: field {f!r} would run as a formula" for i, r in enumerate(rows) for f in r
       if f[:1] in ("=", "+", "-", "@", "\t", "\r")]
names = {r[1]: r[2] for r in rows[1:] if len(r) == 5 and r[0] == "referrers"}
for code, name in (("gp/F81001", "'" + sys.argv[2]), ("gp/F81002", sys.argv[3])):
    if names.get(code) != name:
        bad.append(f"{code}: name {names.get(code)!r}, expected {name!r}")
if any(len(r) != 5 for r in rows):
    bad.append("a line without five fields")
print("\n".join(bad) or "ok")
sys.exit(1 if bad else 0)
PY
cli --key commissioner report --html "$WORK/pages/report.html" >"$WORK/out" 2>&1 || problem "report --html: $(cat "$WORK/out")"
page=$WORK/pages/report.html
grep -qF '&lt;b&gt;Elm&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;' "$page" ||
    problem "the page does not show F81002's name escaped: $(grep -o '.\{40\}Elm.\{80\}' "$page" | head -n 3)"
grep -qi '<script\|<b>Elm' "$page" && problem "the page holds markup from a referrer's name: $(grep -oi '.\{40\}<script.\{40\}\|.\{20\}<b>Elm.\{40\}' "$page" | head -n 3)"
grep -qF 'HYPERLINK(&quot;http://evil.example/&quot;' "$page" || grep -qF 'HYPERLINK(&#34;http://evil.example/&#34;' "$page" ||
    problem "the page does not show F81001's name escaped: $(grep -o '.\{40\}HYPERLINK.\{60\}' "$page" | head -n 3)"
grep -q 'href="http://evil' "$page" && problem "the page links to a referrer's URL"
alive "the reports of referrers' names"
hub_stop

# --- bad targets and referrers refused by config check, naming the field --
mkdir -p "$WORK/cfg"
cp "$hub"/*.yaml "$WORK/cfg/"
# rejects TEXT YAML...: routing.yaml without its reporting keys, plus YAML,
# refused by `carerhub config check` with a message holding TEXT.
rejects() {
    local says=$1
    shift
    sed '/^referrers:/,/^[^ #]/{/^referrers:/d;/^  /d};/^targets:/,/^[^ #]/{/^targets:/d;/^  /d};/^programme_start:/d' \
        "$hub/routing.yaml" >"$WORK/cfg/routing.yaml"
    case "$*" in *programme_start:*) ;; *) echo "programme_start: 2024-04-01" >>"$WORK/cfg/routing.yaml" ;; esac
    printf '%s\n' "$@" >>"$WORK/cfg/routing.yaml"
    "$bin/carerhub" config check "$WORK/cfg/carerhub.yaml" >"$WORK/out" 2>&1
    rc=$?
    [ $rc -ne 0 ] || problem "config check accepted: $*"
    grep -qF -- "$says" "$WORK/out" || problem "config check of '$*' does not say '$says': $(head -c 300 "$WORK/out")"
}
rejects "targets[0].date must be a date" 'targets: [{date: 2026-02-30, carers: 10}]'
rejects "targets[0].date must be a date" 'targets: [{date: 99999-01-01, carers: 10}]'
rejects "targets[0].date must be a date" 'targets: [{date: "", carers: 10}]'
rejects "targets[0].date must be a date" 'targets: [{carers: 10}]'
rejects "targets[0].date must be after programme_start" 'targets: [{date: 2024-04-01, carers: 10}]'
rejects "targets[1].date must be after the target before it" \
    'targets: [{date: 2027-04-01, carers: 12500}, {date: 2025-04-01, carers: 4150}]'
for carers in 0 -5 1.5 many 100000001 '""' '[1]'; do
    rejects "targets[0].carers must be a whole number" "targets: [{date: 2026-01-01, carers: $carers}]"
done
rejects "targets[0].carers must be a whole number" 'targets: [{date: 2026-01-01}]'
rejects "unknown key 'colour'" 'targets: [{date: 2026-01-01, carers: 10, colour: red}]'
rejects "targets must be a list" 'targets: {date: 2026-01-01, carers: 10}'
rejects "targets[0] must be {date: YYYY-MM-DD, carers: N}" 'targets: [2026-01-01]'
rejects "programme_start must be a date" 'targets: []' 'programme_start: 2024-02-30'
rejects "targets needs programme_start" 'targets: [{date: 2026-01-01, carers: 10}]' '# programme_start: none'
rejects "referrers.gp: 'X1' is not a practice ODS code" "referrers: {gp: {X1: Oaks}}"
rejects "referrers.discharge: 'RAJ01' is not a trust ODS code" "referrers: {discharge: {RAJ01: Trust}}"
rejects "referrers.school: '12345' is not a school URN" "referrers: {school: {'12345': School}}"
for name in '""' '"  "' '"a\tb"' '"line\nbreak"' '"a\u202eb"' '"a\u200bb"' '"a\u200eb"' '"\ufeffOaks"' '[a, b]' '{a: b}' "\"$(printf 'x%.0s' {1..101})\""; do
    rejects "referrers.gp.F81001: the name must be 1-100 characters of printable text" "referrers: {gp: {F81001: $name}}"
done
rejects "duplicate key 'F81001'" "referrers: {gp: {F81001: A, F81001: B}}"
rejects "unknown key 'dentist'" "referrers: {dentist: {F81001: Oaks}}"
rejects "referrers must map sources" "referrers: [Oaks]"
rejects "referrers.gp must map each organisation's code to its name" "referrers: {gp: Oaks}"

# --- the report table against the store ---------------------------------------
"$bin/carerhub-reportcheck" "$hub/data" >"$WORK/rc.out" 2>&1 ||
    problem "the report table does not match the store: $(cat "$WORK/rc.out")"
note "$(tail -n 1 "$WORK/rc.out")"
# The check catches a count changed by hand: a copy of the store with one
# cohort's count raised, and one with a referral count set to 0.
# corrupt KIND VALUE: a copy in $WORK/bad, the first KIND entry set to VALUE.
corrupt() {
    rm -rf "$WORK/bad"
    mkdir -p "$WORK/bad"
    cp "$hub/data/router/data.mdb" "$WORK/bad/"
    mdb_dump -s report -p "$hub/data/router" | KIND="\\1f$1\\1f" VAL="$2" awk '
        !done && index($0, ENVIRON["KIND"]) && /^ / { print; getline; print " " ENVIRON["VAL"]; done = 1; next }
        { print }' >"$WORK/bad.dump"
    mdb_load -s report -f "$WORK/bad.dump" "$WORK/bad" 2>/dev/null || fail "mdb_load failed"
}
corrupt c '\00\00\00\00\00\00\00\07'
key=$(mdb_dump -s report -p "$WORK/bad" | grep -B1 '^ \\00\\00\\00\\00\\00\\00\\00\\07$' | head -n 1 | sed 's/^ //; s/\\1f/\//g')
[ -n "$key" ] || fail "the count was not changed in the copy"
"$bin/carerhub-reportcheck" "$WORK/bad" >"$WORK/rc.out" 2>&1
assert_eq $? 1 "reportcheck's exit on a cohort count changed by hand"
grep -qF "entry $key: count 7, cases counted under it " "$WORK/rc.out" ||
    problem "reportcheck does not name the changed count $key: $(cat "$WORK/rc.out")"
corrupt r '\00\00\00\00\00\00\00\00'
"$bin/carerhub-reportcheck" "$WORK/bad" >"$WORK/rc.out" 2>&1
assert_eq $? 1 "reportcheck's exit on a referral count of 0"
grep -q "a count of 0 left behind" "$WORK/rc.out" && grep -q "^referrals (r): the entries add up to " "$WORK/rc.out" ||
    problem "reportcheck does not name the count of 0 and the referrals' sum: $(cat "$WORK/rc.out")"
[ $problems -eq 0 ] || fail "$problems problem(s) above"
