# Helpers for integration tests: sourced by each t_*.sh, which runs with
# WORK (a fresh directory) and CARERHUB_BIN set by tests/integration/run.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${CARERHUB_BIN:-$top/bin}
hub=$WORK/hub
samples=$top/config/samples
export CARERHUB_BIN=$bin

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

note() { echo "-- $*"; }

# A hub configuration with short timeouts, so that resends happen within a
# test. Extra YAML for the router section can be given as $1.
hub_config() {
    mkdir -p "$hub/run" "$hub/data" "$hub/logs" "$hub/providers"
    cp "$top/config/routing.yaml" "$top/config/districts.yaml" "$hub/"
    cat >"$hub/carerhub.yaml" <<YAML
data_dir: data
routing: routing.yaml
log_level: ${LOG_LEVEL:-info}
gp_intake: {endpoint: "ipc://$hub/run/gp-intake.ipc", retry_ms: 300, retry_max_ms: 1500}
discharge_intake: {endpoint: "ipc://$hub/run/discharge-intake.ipc", retry_ms: 300, retry_max_ms: 1500}
school_intake: {endpoint: "ipc://$hub/run/school-intake.ipc", retry_ms: 300, retry_max_ms: 1500}
router:
  intake_endpoint: ipc://$hub/run/router-intake.ipc
  delivery_endpoint: ipc://$hub/run/router-delivery.ipc
  control_endpoint: ipc://$hub/run/router-control.ipc
  redeliver_ms: ${REDELIVER_MS:-3000}
  agent_timeout_ms: 3000
provider:
  hello_ms: 300
YAML
}

hub_start() {
    "$top/deploy/local-hub" exits "$hub" >"$WORK/exits" 2>&1 ||
        fail "before starting $*: a daemon had died: $(cat "$WORK/exits")"
    "$top/deploy/local-hub" start "$hub" "$@" >/dev/null || fail "hub did not start: $*"
}
# Each fails the test if a daemon had died on its own or failed at stop
# (local-hub says which): a restart must not hide a crash. hub_stop then
# checks every case file the providers hold against the schema.
hub_stop() {
    "$top/deploy/local-hub" stop "$hub" "$@" >/dev/null || fail "local-hub stop $*: a daemon exited unasked or failed"
    check_case_files
}

# check_case_files: fails the test, with the checker's output, unless every
# case file under $hub/providers is valid against config/case.schema.json.
# tests/integration/run checks again after each test, hub_stop or not.
check_case_files() {
    [ -d "$hub/providers" ] || return 0
    "$top/tests/tools/check-case-files" "$hub/providers" >"$WORK/case-check" 2>&1 ||
        fail "case files not valid against config/case.schema.json:
$(awk 'NR <= 40 { print } END { if (NR > 40) print "...\n" $0 }' "$WORK/case-check")"
}
hub_kill() { "$top/deploy/local-hub" kill "$hub" "$1" || fail "cannot kill $1: it was not running"; }
cli() { "$bin/carerhub" --config "$hub/carerhub.yaml" "$@"; }

# Case files a provider has received (not counting the agent's own state
# nor the outcome files of its outcomes/ folder).
files() {
    local where=$hub/providers${1:+/$1}
    find "$where" \( -path '*/.carerhub' -o -path '*/outcomes' \) -prune -o -name '*.json' -print 2>/dev/null | sort
}
count() { files "${1:-}" | wc -l; }

# wait_count N [PROVIDER] [SECONDS]: until that many case files exist.
wait_count() {
    local want=$1 who=${2:-} secs=${3:-30} n i
    for ((i = 0; i < secs * 10; i++)); do
        n=$(count "$who")
        [ "$n" -ge "$want" ] && return 0
        sleep 0.1
    done
    fail "expected $want case file(s)${who:+ for $who}, found $(count "$who") after $secs s"
}

assert_eq() {
    [ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

# The referral ids of every case file that names one, one per line.
delivered_ids() { files | xargs -r jq -r '.referral_id // empty' | sort; }

# gen N PREFIX: N synthetic GP cards, distinct carers spread over the
# provider areas (and triage), as one multi-document YAML file.
gen() {
    local n=$1 prefix=$2 i pcs
    pcs=(CM2 CM16 CO1 SS1 CM1 SS14 CO15 CB11 RM17 EH1)
    for ((i = 1; i <= n; i++)); do
        cat <<DOC
---
practice: F8100$((i % 5 + 1))
referrer: {name: "Test Referrer", phone: "01245 000000"}
carer:
  given_name: Test
  family_name: ${prefix}$i
  date_of_birth: 1970-01-$(printf '%02d' $((i % 28 + 1)))
  postcode: ${pcs[$((i % 10))]} $((i % 10))AB
  phone: "07700 900000"
cared_for: {relationship: parent, conditions: [frailty]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-01}
DOC
    done
}

# audit_has JQ-CONDITION: true if some record of the audit trail (read with
# `carerhub audit --json` into $WORK/audit by audit_fetch) meets it.
audit_fetch() { cli audit --json >"$WORK/audit" || fail "carerhub audit failed"; }
audit_has() { jq -se "any(.[]; try ($1) catch false)" "$WORK/audit" >/dev/null; }
# audit_wait JQ-CONDITION [SECONDS]: until such a record is there.
audit_wait() {
    local i
    for ((i = 0; i < ${2:-10} * 5; i++)); do
        audit_fetch
        audit_has "$1" && return 0
        sleep 0.2
    done
    fail "no audit record with $1; the trail: $(tail -n 20 "$WORK/audit")"
}

# add_key ID ROLE SCOPE [ACTS_FOR]: a new key pair in the hub's keys, listed
# as a participant (SCOPE in YAML: F81002 or [A, B]); a gateway's acts_for
# is ACTS_FOR (YAML: [gp, operator]; - leaves it out, for the default), else
# every role, as the tests use every page. Waits until the router has
# reloaded the participants.
add_key() {
    local keys=$hub/keys acts=${4:-} before i
    [ "$2" = gateway ] && [ -z "$acts" ] &&
        acts="[gp, hospital, school, provider, commissioner, operator, self]"
    [ "$acts" = - ] && acts=
    "$bin/carerhub" keygen "$1" --dir "$keys" >/dev/null || fail "keygen $1"
    echo "  - {id: $1, role: $2, scope: $3, ${acts:+acts_for: $acts, }key: \"$(grep -v '^#' "$keys/$1.pub" | head -n 1)\"}" \
        >>"$hub/participants.yaml"
    before=$(grep -c 'participants reloaded' "$hub/logs/router.log")
    "$top/deploy/local-hub" reload "$hub" >/dev/null
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'participants reloaded' "$hub/logs/router.log")" -gt "$before" ] && return 0
        sleep 0.05
    done
    fail "the router did not reload the participants"
}

# drop_outcome PROVIDER NAME JSON: an outcome file as a case system writes
# one: a temporary name first, then renamed into PROVIDER's outcomes folder.
drop_outcome() {
    local dir=$hub/providers/$1/outcomes
    mkdir -p "$dir"
    printf '%s\n' "$3" >"$dir/.$2.tmp"
    mv "$dir/.$2.tmp" "$dir/$2"
}

# wait_file PATH [SECONDS]: until PATH exists.
wait_file() {
    local i
    for ((i = 0; i < ${2:-20} * 10; i++)); do
        [ -e "$1" ] && return 0
        sleep 0.1
    done
    fail "$1 did not appear in ${2:-20} s"
}

# browser_ready: for a test in a real browser. Exits the test, saying so,
# when chromium, chromium-driver or python3-selenium is not installed (fails
# it instead if CARERHUB_REQUIRE_BROWSER is set), and sets axe_opt to the
# page checker's arguments naming axe-core: none, with a note, when it is not
# installed (and a failure if CARERHUB_REQUIRE_BROWSER is set).
browser_ready() {
    local axe=$top/build/test-npm/node_modules/axe-core/axe.min.js
    if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ] ||
        ! /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
        [ -n "${CARERHUB_REQUIRE_BROWSER:-}" ] &&
            fail "chromium, chromium-driver or python3-selenium is missing and CARERHUB_REQUIRE_BROWSER is set: tools/deps install"
        echo "SKIP: $(basename "$0" .sh): chromium, chromium-driver or python3-selenium is not installed" \
            "(tools/deps install); set CARERHUB_REQUIRE_BROWSER=1 to fail instead"
        exit 0
    fi
    axe_opt=()
    if [ -f "$axe" ]; then
        axe_opt=(--axe "$axe")
    else
        [ -n "${CARERHUB_REQUIRE_BROWSER:-}" ] && fail "axe-core is missing ($axe) and CARERHUB_REQUIRE_BROWSER is set: tools/deps install"
        note "axe-core is not installed (tools/deps install): the pages are not checked against its WCAG rules"
    fi
}

# web_hub_start [LINE...]: a hub (hub_config) with carerhub-web on a free
# local port, each LINE (e.g. "login_attempts: 5") added to its web section,
# started; sets url to the address local-hub status gives for it.
web_hub_start() {
    local line
    hub_config
    printf 'web:\n  listen: 127.0.0.1:0\n' >>"$hub/carerhub.yaml"
    for line in "$@"; do printf '  %s\n' "$line" >>"$hub/carerhub.yaml"; done
    hub_start
    url=$("$top/deploy/local-hub" status "$hub" | sed -n 's/^web: //p')
    [[ $url =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "local-hub status gave no web URL: '$url'"
}
