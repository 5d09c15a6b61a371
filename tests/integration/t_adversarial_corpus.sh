# Bad input from outside, each with the error it must produce (field and
# code): tests/adversarial/NN-name.yaml says its source and what to expect:
#   # source: gp
#   # expect: carer.nhs_number checksum      (document 1 is refused so)
#   # expect: #2 carer.postcode format       (document 2 is refused so)
#   # expect: #1 accepted                    (document 1 is accepted)
# Each goes through `carerhub submit --json` to the real intake; what the
# intake judged is sent again straight to the intake, unchecked, and must
# get the same verdict. Then malformed messages on the wire: truncated and
# garbage protobuf, too many frames, an empty or foreign envelope, and one
# over the message size limit. The daemons keep serving after all of it,
# and their memory stays bounded.
. "$(dirname "$0")/lib.sh"
# Under AddressSanitizer, freed memory waits in a quarantine (256 MB by
# default) before reuse, which would look like growth; keep it small so that
# the memory check below measures the daemons, not the sanitizer.
[ -n "${ASAN_OPTIONS:-}" ] && export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=4"
hub_config
# Other professionals' referrals too (local-hub's key professional is for
# the organisations of config/samples/professional.yaml).
echo "professional_intake: {endpoint: \"ipc://$hub/run/professional-intake.ipc\", retry_ms: 300, retry_max_ms: 1500}" \
    >>"$hub/carerhub.yaml"
hub_start
keys=$hub/keys
corpus=$top/tests/adversarial
peer() { "$bin/carerhub-testpeer" "$@"; }
rss() { awk '/^VmRSS/{print $2}' "/proc/$(cat "$hub/run/$1.pid")/status"; }
serving() {
    local out
    out=$(cli submit gp "$WORK/good.yaml") || fail "the GP intake stopped serving after $1"
    echo "$out" | grep -q '^accepted ' || fail "no good referral accepted after $1"
}
awk '/^---$/{d++} d==2' "$samples/gp.yaml" >"$WORK/good.yaml"

n=0
for f in "$corpus"/*.yaml; do
    name=$(basename "$f" .yaml)
    src=$(sed -n 's/^# source: //p' "$f")
    input=$f
    if grep -q '@@1MB@@' "$f"; then
        input=$WORK/$name.yaml
        perl -pe 's/\@\@1MB\@\@/"A" x 1048576/e' "$f" >"$input"
    fi
    cli submit --json "$src" "$input" >"$WORK/out.json" 2>"$WORK/err"
    rc=$?
    jq -e . "$WORK/out.json" >/dev/null || fail "$name: output is not JSON: $(cat "$WORK/out.json")"
    accepts=0
    while read -r want; do
        doc=1
        case $want in "#"*)
            doc=${want%% *}
            doc=${doc#\#}
            want=${want#* }
            ;;
        esac
        if [ "$want" = accepted ]; then
            jq -se --argjson d "$doc" 'any(.[]; .document == $d and .status == "accepted")' \
                "$WORK/out.json" >/dev/null || fail "$name: document $doc not accepted: $(cat "$WORK/out.json")"
            accepts=$((accepts + 1))
            continue
        fi
        field=${want% *}
        code=${want#* }
        jq -se --argjson d "$doc" --arg f "$field" --arg c "$code" \
            'any(.[]; .document == $d and .status == "rejected" and
                 any(.errors[]; .field == $f and .code == $c))' "$WORK/out.json" >/dev/null ||
            fail "$name: expected $field $code on document $doc; got $(cat "$WORK/out.json") $(cat "$WORK/err")"
    done < <(sed -n 's/^# expect: //p' "$f")
    assert_eq "$(jq -s '[.[] | select(.status == "accepted")] | length' "$WORK/out.json")" "$accepts" \
        "$name: documents accepted"
    assert_eq "$rc" 65 "$name: exit status"
    # What the intake judged, sent again straight to it.
    if [ "$(jq -sr '.[0].checked_by' "$WORK/out.json")" = intake ]; then
        peer "ipc://$hub/run/$src-intake.ipc" --server-pub "$keys/$src-intake.pub" --wait 300 \
            --key "$keys/$(case $src in gp) echo gp ;; discharge) echo hospital ;; professional) echo professional ;; *) echo school ;; esac).key" \
            submit "$src" "$input" >"$WORK/peer" 2>&1
        grep -q '^reply submit_reply REJECTED$' "$WORK/peer" || fail "$name: the intake did not reject it: $(cat "$WORK/peer")"
        jq -r '.errors[] | "problem \(.field) \(.code)"' <(head -n 1 "$WORK/out.json") | sort >"$WORK/want"
        grep '^problem ' "$WORK/peer" | sort >"$WORK/got"
        cmp -s "$WORK/want" "$WORK/got" || fail "$name: the intake alone said $(cat "$WORK/got"), carerhub said $(cat "$WORK/want")"
    fi
    n=$((n + 1))
done
[ "$n" -ge 40 ] || fail "only $n adversarial inputs"
note "$n adversarial referral files refused as expected"
serving "the adversarial files"

# Malformed messages, straight to each intake and each router socket.
printf '\x08\x01' >"$WORK/empty-envelope"              # version 1, no body
printf '\x08\x07\x52\x00' >"$WORK/other-version"       # version 7
head -c 4096 /dev/urandom >"$WORK/garbage"
printf '\x08\x01\x52\x05\x0a\x03abc' >"$WORK/nul-free" # a status query for "abc"
gp() { peer "ipc://$hub/run/gp-intake.ipc" --server-pub "$keys/gp-intake.pub" --key "$keys/gp.key" --wait 500 "$@"; }
expect_reply() { # expect_reply WHAT PATTERN -- ARGS...
    local what=$1 pattern=$2
    shift 3
    "$@" >"$WORK/peer" 2>&1
    grep -q "$pattern" "$WORK/peer" || fail "$what: expected '$pattern', got: $(cat "$WORK/peer")"
}
# Cut short anywhere, a submission is never accepted: either it does not
# decode, or what decodes is not a whole referral.
for cut in 1 2 10 50 -40 -1; do
    expect_reply "a submit cut at $cut bytes" '^reply error bad_request: \|^reply submit_reply REJECTED$' -- \
        gp --wait 500 --cut "$cut" submit gp "$WORK/good.yaml"
done
expect_reply "garbage" '^reply error bad_request: not a carerhub message$' -- gp raw "$WORK/garbage"
expect_reply "an empty envelope" '^reply error bad_request: ' -- gp raw "$WORK/empty-envelope"
expect_reply "another protocol version" '^reply error bad_request: ' -- gp raw "$WORK/other-version"
expect_reply "three frames" '^reply error bad_request: wrong number of frames$' -- gp frames 3
expect_reply "an empty frame" '^reply error bad_request: ' -- gp frames 1
serving "malformed messages"

# Over ZMQ_MAXMSGSIZE (8 MB): the connection is dropped before anything is
# read; the sender gets nothing and the intake carries on.
expect_reply "a 9 MB message" '^received 0$' -- gp --wait 1500 big 9000000
serving "an oversized message"
for s in router-intake router-delivery router-control; do
    peer "ipc://$hub/run/$s.ipc" --server-pub "$keys/router.pub" --key "$keys/operator.key" \
        --wait 500 raw "$WORK/garbage" >/dev/null
    peer "ipc://$hub/run/$s.ipc" --server-pub "$keys/router.pub" --key "$keys/operator.key" \
        --wait 500 frames 4 >/dev/null
    peer "ipc://$hub/run/$s.ipc" --server-pub "$keys/router.pub" --key "$keys/operator.key" \
        --wait 500 big 9000000 >/dev/null
done
cli stats >/dev/null || fail "the router stopped answering after malformed messages"

# Memory stays bounded: the same bad input a thousand times more grows
# neither the intake nor the router by more than a few MB.
bad_round() {
    gp --wait 0 raw "$WORK/garbage" >/dev/null
    gp --wait 0 --cut 60 submit gp "$WORK/good.yaml" >/dev/null
    gp --wait 0 frames 3 >/dev/null
    gp --wait 0 submit gp "$corpus/05-nhs-check-digit.yaml" >/dev/null
    gp --wait 0 submit gp "$corpus/09-postcode-unknown.yaml" >/dev/null
}
for i in $(seq 40); do bad_round; done # warm up: caches, allocator arenas
before_i=$(rss gp-intake)
before_r=$(rss router)
for i in $(seq 200); do bad_round; done
serving "a thousand bad messages"
after_i=$(rss gp-intake)
after_r=$(rss router)
note "RSS gp-intake ${before_i} -> ${after_i} kB, router ${before_r} -> ${after_r} kB"
[ $((after_i - before_i)) -lt 8192 ] || fail "the GP intake grew from $before_i to $after_i kB"
[ $((after_r - before_r)) -lt 8192 ] || fail "the router grew from $before_r to $after_r kB"
for s in router gp-intake discharge-intake school-intake; do
    kill -0 "$(cat "$hub/run/$s.pid")" || fail "$s stopped"
done
hub_stop
