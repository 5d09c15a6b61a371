# /metrics on carerhub-web, against the real daemons: GP and school
# referrals accepted, one refused, delivered by the agents, an outcome
# recorded; the page read from 127.0.0.1 without logging in, checked by a
# strict parser of the Prometheus text format 0.0.4 (below: every line's
# form, names, escapes, HELP and TYPE once each and before the samples, a
# family's lines together, no series twice, histograms cumulative with
# +Inf equal to the count) and its values against what the hub did, each
# worked out here from the submissions and the case files. An
# organisation whose agent is stopped: its queue grows, its oldest
# delivery ages, its agent reads 0. Then over HTTPS on every address:
# from an address that is not loopback, nobody and a wrong password get
# 401 (a Basic challenge, no numbers), a GP's account 403, whether by its
# password or its session; an operator's password or session gets the
# page. With the router stopped: carerhub_up{daemon="router"} 0, the
# intakes' figures still there, answered in a few seconds.
. "$(dirname "$0")/lib.sh"
hub_config
cat >>"$hub/carerhub.yaml" <<YAML
self_intake: {endpoint: "ipc://$hub/run/self-intake.ipc", retry_ms: 300, retry_max_ms: 1500}
web:
  listen: 127.0.0.1:0
YAML
hub_start
url=$("$top/deploy/local-hub" status "$hub" | sed -n 's/^web: //p')
[[ $url =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "local-hub status gave no web URL: '$url'"
for u in "o.ps operator" "a.patel gp F81001"; do
    set -- $u
    cli user add "$1" --role "$2" ${3:+--org "$3"} --password-stdin <<<"correct horse battery" \
        >/dev/null || fail "user add $1"
done

# The format, strictly: exits 1 naming the first line that breaks it;
# else prints each series ("name{a=\"x\",b=\"y\"}", labels sorted, values
# unescaped) and its value as one JSON object.
cat >"$WORK/promtext.py" <<'PY'
import json, math, re, sys
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE = r"(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?Inf|NaN)"
SAMPLE = re.compile(r"(%s)(?:\{(.*)\})? (%s)(?: -?[0-9]+)?$" % (NAME, VALUE))
PAIR = re.compile(r'(%s)="((?:[^"\\\n]|\\[\\"n])*)"' % LABEL)

def bad(n, why):
    sys.exit("line %d: %s" % (n, why))

def unescape(s, quotes):
    out, i = "", 0
    while i < len(s):
        if s[i] == "\\":
            nxt = s[i + 1] if i + 1 < len(s) else ""
            if nxt not in ("\\", "n") + (('"',) if quotes else ()):
                raise ValueError("escape \\" + nxt)
            out += "\n" if nxt == "n" else nxt
            i += 2
        else:
            out += s[i]
            i += 1
    return out

raw = sys.stdin.buffer.read()
text = raw.decode("utf-8")  # not UTF-8: an exception, and a failure
if text and not text.endswith("\n"):
    bad(text.count("\n") + 1, "the last line does not end")
helps, types, series = {}, {}, {}
done, sampled, current = set(), set(), None  # families ended, with samples, this one
hists = {}  # histogram -> {labels but le -> {"b": [(le, value)], "_sum": v, "_count": v}}

def family_line(n, family):
    """Each family's lines together: none after another family's began."""
    global current
    if family != current:
        if family in done:
            bad(n, "%s again, after another family's lines" % family)
        if current is not None:
            done.add(current)
        current = family

for n, line in enumerate(text.split("\n")[:-1], 1):
    if line == "":
        continue
    if line.startswith("#"):
        m = re.match(r"# (HELP|TYPE) (%s) (.*)$" % NAME, line)
        if not m:
            if re.match(r"# (HELP|TYPE)\b", line):
                bad(n, "a HELP or TYPE line of the wrong form")
            continue
        kind, name, rest = m.groups()
        table = helps if kind == "HELP" else types
        if name in table:
            bad(n, "a second %s of %s" % (kind, name))
        if name in sampled:
            bad(n, "%s of %s after its samples" % (kind, name))
        if kind == "TYPE" and rest not in ("counter", "gauge", "histogram", "summary", "untyped"):
            bad(n, "type %r" % rest)
        try:
            table[name] = unescape(rest, False) if kind == "HELP" else rest
        except ValueError as e:
            bad(n, str(e))
        family_line(n, name)
        continue
    m = SAMPLE.match(line)
    if not m:
        bad(n, "not a sample: %r" % line)
    name, labels, value = m.groups()
    family, suffix = name, ""
    for s in ("_bucket", "_sum", "_count"):
        if name.endswith(s) and types.get(name[: -len(s)]) == "histogram":
            family, suffix = name[: -len(s)], s
    if types.get(family) == "histogram" and not suffix:
        bad(n, "a histogram's sample without _bucket, _sum or _count")
    family_line(n, family)
    sampled.add(family)
    got, rest = {}, labels or ""
    while rest:
        p = PAIR.match(rest)
        if not p:
            bad(n, "labels %r" % labels)
        if p.group(1) in got or p.group(1).startswith("__"):
            bad(n, "label %s twice or reserved" % p.group(1))
        try:
            got[p.group(1)] = unescape(p.group(2), True)
        except ValueError as e:
            bad(n, str(e))
        rest = rest[p.end():]
        if rest.startswith(","):
            rest = rest[1:]
        elif rest:
            bad(n, "labels %r" % labels)
    v = float(value)
    if types.get(family) == "counter" and not v >= 0:
        bad(n, "a counter below 0")
    key = name + "{" + ",".join('%s="%s"' % (k, got[k]) for k in sorted(got)) + "}"
    if key in series:
        bad(n, "%s twice" % key)
    series[key] = v
    if types.get(family) == "histogram":
        le = got.pop("le", None)
        h = hists.setdefault(family, {}).setdefault(tuple(sorted(got.items())), {"b": []})
        if suffix == "_bucket":
            if le is None:
                bad(n, "a bucket without le")
            h["b"].append((float(le), v))
        elif le is not None:
            bad(n, "le on %s" % name)
        else:
            h[suffix] = v
for family, by in hists.items():
    for labels, h in by.items():
        b = sorted(h["b"])
        if not b or not math.isinf(b[-1][0]):
            sys.exit("%s %s: no +Inf bucket" % (family, labels))
        if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
            sys.exit("%s %s: buckets not cumulative" % (family, labels))
        if "_count" not in h or "_sum" not in h or b[-1][1] != h["_count"]:
            sys.exit("%s %s: +Inf is not the count, or no sum" % (family, labels))
json.dump(series, sys.stdout)
PY

# The parser refuses what breaks the format (so that its passing means
# something), and takes what keeps it.
bad_doc() { # WHAT TEXT (printf format)
    printf "$2" | python3 "$WORK/promtext.py" >/dev/null 2>&1 && fail "the parser took $1"
    return 0
}
bad_doc "a second TYPE" '# TYPE a gauge\n# TYPE a gauge\na 1\n'
bad_doc "a family split" '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="y"} 2\n'
bad_doc "TYPE after samples" 'a 1\n# TYPE a gauge\n'
bad_doc "a bad escape" 'a{x="\\q"} 1\n'
bad_doc "a quote unescaped" 'a{x="""} 1\n'
bad_doc "a series twice" 'a{x="1"} 1\na{x="1"} 2\n'
bad_doc "a bad name" 'a-b 1\n'
bad_doc "no last line feed" 'a 1'
bad_doc "buckets not cumulative" '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'
bad_doc "+Inf not the count" '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'
bad_doc "no +Inf bucket" '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'
printf '# HELP h A \\\\ \\n.\n# TYPE h histogram\nh_bucket{le="1",d="a\\"\\n"} 1\nh_bucket{le="+Inf",d="a\\"\\n"} 2\nh_sum{d="a\\"\\n"} 1.5\nh_count{d="a\\"\\n"} 2\n' |
    python3 "$WORK/promtext.py" >"$WORK/good.json" || fail "the parser refused a good document"
assert_eq "$(jq -r '."h_count{d=\"a\"\n\"}"' "$WORK/good.json")" 2 "the parser's reading of a good document"

# scrape NAME [CURL-ARGS...] [URL]: GET /metrics from 127.0.0.1 (unless
# told); headers in $WORK/NAME.h, body $WORK/NAME.b, the series (parsed
# strictly) in $WORK/NAME.json; prints the status.
scrape() {
    local n=$1
    shift
    curl -s --max-time 20 -o "$WORK/$n.b" -D "$WORK/$n.h" -w '%{http_code}' "$@"
}
parsed() {
    python3 "$WORK/promtext.py" <"$WORK/$1.b" >"$WORK/$1.json" ||
        fail "$1: not the text format: $(head -c 3000 "$WORK/$1.b")"
}
val() { jq -r --arg k "$2" '.[$k] // "absent"' "$WORK/$1.json"; }
hdr() { grep -i "^$2:" "$WORK/$1.h" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }
num() { awk -v a="$1" 'BEGIN { printf "%g", a }'; } # 3.0 and 3 alike
local_page() { # NAME: the page from 127.0.0.1, parsed
    assert_eq "$(scrape "$1" --interface 127.0.0.1 "$url/metrics")" 200 "GET /metrics from 127.0.0.1"
    assert_eq "$(hdr "$1" Content-Type)" "text/plain; version=0.0.4; charset=utf-8" "$1: Content-Type"
    parsed "$1"
}

note "referrals: the five of gp.yaml, the two of school.yaml, and a GP card the intake refuses"
cli submit gp "$samples/gp.yaml" >"$WORK/gp.out" || fail "gp.yaml: $(cat "$WORK/gp.out")"
cli submit school "$samples/school.yaml" >"$WORK/school.out" || fail "school.yaml"
# The CLI refuses the card with mistakes itself: sent to the intake as
# it is, for the intake to refuse.
"$bin/carerhub-testpeer" "ipc://$hub/run/gp-intake.ipc" --server-pub "$hub/keys/gp-intake.pub" \
    --key "$hub/keys/gp.key" --wait 300 submit gp "$samples/gp-rejected.yaml" >"$WORK/peer" 2>&1
grep -qx 'reply submit_reply REJECTED' "$WORK/peer" || fail "the card with mistakes: $(cat "$WORK/peer")"
gp_n=$(grep -c '^accepted ' "$WORK/gp.out")
school_n=$(grep -c '^accepted ' "$WORK/school.out")
assert_eq "$gp_n $school_n" "5 2" "referrals accepted"
wait_count 7
case_id=$(jq -r .case_id "$(files carers-first)")
cli --key provider-carers-first outcome "$case_id" contacted >"$WORK/out" 2>&1 ||
    fail "carerhub outcome: $(cat "$WORK/out")"

note "a proxy on this machine passing on another's request: not loopback, no figures"
for h in "X-Forwarded-For: 203.0.113.9" "Forwarded: for=203.0.113.9"; do
    assert_eq "$(scrape fwd --interface 127.0.0.1 -H "$h" "$url/metrics")" 401 "GET /metrics with $h"
    grep -q "carerhub_" "$WORK/fwd.b" && fail "a forwarded request got figures: $(head -c 300 "$WORK/fwd.b")"
done

note "the page from 127.0.0.1, and what it says"
# Acknowledgements reach the router just after the files are written.
for i in $(seq 50); do
    local_page m1
    [ "$(val m1 'carerhub_deliveries_total{organisation="young-carers"}')" = 2 ] &&
        [ "$(val m1 'carerhub_outcomes_total{organisation="carers-first",status="contacted"}')" = 1 ] && break
    sleep 0.2
done
for d in router gp-intake discharge-intake school-intake self-intake web; do
    assert_eq "$(val m1 "carerhub_up{daemon=\"$d\"}")" 1 "carerhub_up of $d"
done
assert_eq "$(val m1 'carerhub_referrals_accepted_total{source="gp"}')" "$gp_n" "gp accepted"
assert_eq "$(val m1 'carerhub_referrals_accepted_total{source="school"}')" "$school_n" "school accepted"
assert_eq "$(val m1 'carerhub_referrals_accepted_total{source="discharge"}')" 0 "discharge accepted"
assert_eq "$(val m1 'carerhub_referrals_refused_total{source="gp"}')" 1 "gp refused"
assert_eq "$(val m1 'carerhub_referrals_refused_total{source="school"}')" 0 "school refused"
for p in $(ls "$hub/providers"); do
    assert_eq "$(val m1 "carerhub_deliveries_total{organisation=\"$p\"}")" "$(count "$p")" \
        "deliveries to $p (its case files)"
    assert_eq "$(val m1 "carerhub_queue_depth{organisation=\"$p\"}")" 0 "queue of $p"
    assert_eq "$(val m1 "carerhub_queue_oldest_seconds{organisation=\"$p\"}")" 0 "oldest of $p"
    assert_eq "$(val m1 "carerhub_agent_connected{organisation=\"$p\"}")" 1 "agent of $p"
done
assert_eq "$(jq '[to_entries[] | select(.key | startswith("carerhub_outcomes_total")) | .value] | add' \
    "$WORK/m1.json")" 1 "outcomes: only the one recorded"
assert_eq "$(val m1 'carerhub_parked{}')" 0 "parked"
assert_eq "$(val m1 'carerhub_contacts_overdue{}')" 0 "contacts overdue"
for d in router gp-intake school-intake; do
    n=$(val m1 "carerhub_store_commit_seconds_count{daemon=\"$d\"}")
    [ "$(num "$n")" != 0 ] && [ "$n" != absent ] || fail "no commits counted for $d: $n"
done
assert_eq "$(grep -c '^# TYPE carerhub_store_commit_seconds histogram$' "$WORK/m1.b")" 1 \
    "one TYPE line for the commit times of every daemon"
grep -q 'Jane\|Smith\|CM2 0AA\|F81001\|GP-' "$WORK/m1.b" && fail "the page names a referral or a person"

note "the daemons answer a MetricsQuery from the gateway's and operators' keys only"
printf '\x08\x01\x10\x07\xb2\x03\x00' >"$WORK/mq" # version 1, corr 7, metrics_query {}
ask() { # ENDPOINT-NAME SERVER KEY
    "$bin/carerhub-testpeer" "ipc://$hub/run/$1.ipc" --server-pub "$hub/keys/$2.pub" \
        --key "$hub/keys/$3.key" --wait 500 raw "$WORK/mq" 2>&1 | grep '^reply'
}
for at in "router-control router" "gp-intake gp-intake"; do
    set -- $at
    ask "$1" "$2" operator | grep -q '^reply metrics_reply' || fail "$2, an operator's key: $(ask "$1" "$2" operator)"
    ask "$1" "$2" gp | grep -q '^reply error forbidden' || fail "$2, a GP's key: $(ask "$1" "$2" gp)"
done
audit_wait 'select(.event == "refused-message" and (.detail // "" | test("metrics query refused")))'
audit_fetch
audit_has 'select(.event == "metrics")' && fail "a metrics query answered was audited"

note "an organisation whose agent is stopped: its queue waits, and ages"
hub_stop provider-afc
cat >"$WORK/afc.yaml" <<DOC
---
practice: F81002
referrer: {name: "A Patel", phone: "01245 000000"}
carer: {given_name: Ann, family_name: West, date_of_birth: 1959-03-01, postcode: "CM16 4AA", phone: "07700 900222"}
cared_for: {relationship: husband, conditions: [frailty]}
consent: {share_with_support_service: true, given_by: carer, date: 2026-01-02}
DOC
cli submit gp "$WORK/afc.yaml" >/dev/null || fail "the card for afc"
for i in $(seq 60); do
    local_page m2
    [ "$(val m2 'carerhub_queue_depth{organisation="afc"}')" = 1 ] &&
        [ "$(val m2 'carerhub_agent_connected{organisation="afc"}')" = 0 ] &&
        awk -v s="$(val m2 'carerhub_queue_oldest_seconds{organisation="afc"}')" 'BEGIN { exit !(s >= 1) }' &&
        break
    sleep 0.2
done
assert_eq "$(val m2 'carerhub_queue_depth{organisation="afc"}')" 1 "afc's queue, its agent stopped"
assert_eq "$(val m2 'carerhub_agent_connected{organisation="afc"}')" 0 "afc's agent stopped"
awk -v s="$(val m2 'carerhub_queue_oldest_seconds{organisation="afc"}')" 'BEGIN { exit !(s >= 1 && s < 60) }' ||
    fail "afc's oldest delivery: $(val m2 'carerhub_queue_oldest_seconds{organisation="afc"}') s"
assert_eq "$(val m2 'carerhub_referrals_accepted_total{source="gp"}')" $((gp_n + 1)) "gp accepted, one more"
before=$(val m2 'carerhub_deliveries_total{organisation="afc"}')
hub_start provider-afc
for i in $(seq 50); do
    local_page m3
    [ "$(val m3 'carerhub_queue_depth{organisation="afc"}')" = 0 ] && break
    sleep 0.2
done
assert_eq "$(val m3 'carerhub_queue_depth{organisation="afc"}')" 0 "afc's queue once its agent is back"
assert_eq "$(val m3 'carerhub_deliveries_total{organisation="afc"}')" $((before + 1)) "deliveries to afc"

note "over HTTPS on every address: loopback as it is, others an operator's only"
ip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n 1)
if [ -z "$ip" ]; then
    note "this machine has no address but loopback: the refusals beyond it are not tried"
else
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$hub/web-key.pem" -out "$hub/web-cert.pem" \
        -days 2 -subj "/CN=$ip" -addext "subjectAltName=IP:$ip,IP:127.0.0.1" >/dev/null 2>&1 ||
        fail "openssl could not make a certificate"
    hub_stop web
    sed -i 's/^  listen: 127.0.0.1:0$/  listen: 0.0.0.0:0\n  tls_cert: web-cert.pem\n  tls_key: web-key.pem/' \
        "$hub/carerhub.yaml"
    hub_start web
    port=$(sed -n 's/^https:\/\/0\.0\.0\.0:\([0-9]*\)$/\1/p' "$hub/data/web/url")
    [ -n "$port" ] || fail "the web's address: $(cat "$hub/data/web/url")"
    far=https://$ip:$port
    tls=(--cacert "$hub/web-cert.pem")
    assert_eq "$(scrape l "${tls[@]}" --interface 127.0.0.1 "https://127.0.0.1:$port/metrics")" 200 \
        "loopback over HTTPS, nobody logged in"
    parsed l
    assert_eq "$(scrape n "${tls[@]}" "$far/metrics")" 401 "from $ip, nobody"
    assert_eq "$(hdr n WWW-Authenticate)" 'Basic realm="carerhub metrics", charset="UTF-8"' "the challenge"
    grep -q 'carerhub_\|[0-9]' "$WORK/n.b" && fail "a refusal with figures: $(cat "$WORK/n.b")"
    assert_eq "$(scrape w "${tls[@]}" -u 'o.ps:wrong horse battery' "$far/metrics")" 401 "a wrong password"
    assert_eq "$(scrape g "${tls[@]}" -u 'a.patel:correct horse battery' "$far/metrics")" 403 "a GP's password"
    grep -q 'carerhub_' "$WORK/g.b" && fail "a refusal with figures: $(cat "$WORK/g.b")"
    assert_eq "$(scrape o "${tls[@]}" -u 'o.ps:correct horse battery' "$far/metrics")" 200 "an operator's password"
    parsed o
    assert_eq "$(val o 'carerhub_referrals_accepted_total{source="school"}')" "$school_n" "the operator's page"
    # Sessions: logged in from that address at /login.
    for who in o.ps a.patel; do
        curl -s "${tls[@]}" -c "$WORK/jar.$who" -o "$WORK/lg" "$far/login" >/dev/null
        csrf=$(grep -o 'name="csrf" value="[^"]*"' "$WORK/lg" | head -n 1 | cut -d'"' -f4)
        st=$(curl -s "${tls[@]}" -b "$WORK/jar.$who" -c "$WORK/jar.$who" -o /dev/null -w '%{http_code}' \
            --data-urlencode "csrf=$csrf" --data-urlencode "user=$who" \
            --data-urlencode "password=correct horse battery" "$far/login")
        assert_eq "$st" 303 "$who logs in from $ip"
    done
    assert_eq "$(scrape os "${tls[@]}" -b "$WORK/jar.o.ps" "$far/metrics")" 200 "an operator's session"
    parsed os
    assert_eq "$(scrape gs "${tls[@]}" -b "$WORK/jar.a.patel" "$far/metrics")" 403 "a GP's session"
    url=https://127.0.0.1:$port
    curl_tls=("${tls[@]}")
fi

note "the router stopped: carerhub_up 0 for it, the rest still there, at once"
hub_stop router
t0=$(date +%s%N)
assert_eq "$(scrape r ${curl_tls[@]+"${curl_tls[@]}"} --interface 127.0.0.1 "$url/metrics")" 200 \
    "GET /metrics, the router stopped"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 5000 ] || fail "the page took $ms ms with the router stopped"
parsed r
assert_eq "$(val r 'carerhub_up{daemon="router"}')" 0 "carerhub_up of the router, stopped"
assert_eq "$(val r 'carerhub_up{daemon="gp-intake"}')" 1 "carerhub_up of the gp-intake"
assert_eq "$(val r 'carerhub_referrals_accepted_total{source="gp"}')" $((gp_n + 1)) "gp accepted, the router stopped"
assert_eq "$(val r 'carerhub_deliveries_total{organisation="afc"}')" absent "the router's figures, the router stopped"
note "answered in $ms ms with the router stopped"
hub_start router
