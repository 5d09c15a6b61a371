# The FHIR R4 interface over HTTPS, against the real hub: API clients made
# with `carerhub client add` (the token on the last line) submit the three
# config/samples/fhir-*.json, each answered 201 with its Location and its
# case file delivered to the organisation `carerhub route` names for the
# matching YAML sample's carer; the same X-Request-ID with the same content
# is the same answer, with other content 409; then every refusal: 400 not
# JSON, not FHIR, no X-Request-ID; 422 with the FHIRPath of each problem;
# 401 without, with a wrong, a disabled or a replaced token (and a Bearer
# challenge); 403 a school's client sending a GP referral, a practice's
# client another practice's; 404 another organisation's referral and an
# unknown id, the same bytes; 413 by Content-Length and while read; 415;
# unknown paths under /fhir/ 404 and known ones with another method 405,
# as OperationOutcomes;
# the HL7 examples (tests/data/fhir/hl7/) refused with an OperationOutcome
# and the daemon still serving; wrong tokens throttled (429, Retry-After as
# the words say) while the right one is served; GET metadata a CapabilityStatement with no
# credentials; mutual TLS: a client with a recorded certificate refused
# without it and served with it. Audited as the gateway and the client;
# nothing of the carers in the logs.
. "$(dirname "$0")/lib.sh"
for s in gp discharge school; do
    [ -f "$samples/fhir-$s.json" ] || fail "config/samples/fhir-$s.json is missing"
done

note "certificates: the web's, a CA's and a client's signed by it, and one not"
cd "$WORK" || fail "no work directory"
ssl() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1 failed"; }
hub_config
ssl req -x509 -newkey rsa:2048 -nodes -keyout "$hub/web-key.pem" -out "$hub/web-cert.pem" \
    -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1"
ssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out "$hub/ca.pem" -days 2 -subj "/CN=clients CA"
ssl req -newkey rsa:2048 -nodes -keyout cl.key -out cl.csr -subj "/CN=pas.example"
ssl x509 -req -in cl.csr -CA "$hub/ca.pem" -CAkey ca.key -CAcreateserial -out cl.pem -days 2
ssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 2 -subj "/CN=pas.example"
chmod 600 "$hub/web-key.pem"
printf 'web:\n  listen: 127.0.0.1:0\n  tls_cert: web-cert.pem\n  tls_key: web-key.pem\n  tls_client_ca: ca.pem\n' \
    >>"$hub/carerhub.yaml"
hub_start
cli config check >/dev/null || fail "config check refuses web.tls_client_ca: $(cli config check 2>&1)"
url=$("$top/deploy/local-hub" status "$hub" | sed -n 's/^web: //p')
[[ $url =~ ^https://127\.0\.0\.1:[0-9]+$ ]] || fail "local-hub status gave no HTTPS web URL: '$url'"
base=$url/fhir/r4

# The organisation of each YAML sample's first referral, and its carer's
# postcode and date of birth (read apart from lib/fhir).
yaml_of() {
    python3 - "$samples/$1.yaml" <<'PY'
import sys, yaml
d = next(yaml.safe_load_all(open(sys.argv[1])))
org = d.get("practice") or (d.get("hospital") or {}).get("trust") or (d.get("school") or {}).get("urn")
print(org, d["carer"]["postcode"].replace(" ", ""), d["carer"]["date_of_birth"])
PY
}

# client NAME ARGS...: `carerhub client add`; its token (the last line).
client() {
    local out
    out=$(cli client add "$@") || fail "client add $*: $out"
    echo "$out" | tail -n 1
}
read -r gp_org gp_pc gp_dob <<<"$(yaml_of gp)"
read -r dc_org dc_pc dc_dob <<<"$(yaml_of discharge)"
read -r sc_org sc_pc sc_dob <<<"$(yaml_of school)"
tok_gp=$(client gp-sys --org "$gp_org")
tok_dc=$(client pas --org "$dc_org")
tok_sc=$(client mis --org "$sc_org")
tok_other=$(client other-gp --org F81099)
tok_cert=$(client pas-mtls --org "$dc_org" --cert cl.pem)
[[ $tok_gp =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "the token line: '$tok_gp'"
cli client list >"$WORK/list" || fail "client list"
grep -q '^gp-sys  *gp  *'"$gp_org"'  *active' "$WORK/list" || fail "client list: $(cat "$WORK/list")"
! grep -qF -- "$tok_gp" "$WORK/list" || fail "client list shows a token"
! grep -rqaF -- "$tok_gp" "$hub/data" || fail "a token is kept in clear under data_dir"

# req NAME [CURL-ARGS...]: status; body $WORK/NAME.b, headers $WORK/NAME.h.
req() {
    local n=$1
    shift
    curl -s --max-time 20 --cacert "$hub/web-cert.pem" -o "$WORK/$n.b" -D "$WORK/$n.h" \
        -w '%{http_code}' "$@"
}
# post NAME TOKEN REQUEST-ID FILE [CURL-ARGS...]: POST ServiceRequest.
post() {
    local n=$1 tok=$2 rid=$3 file=$4
    shift 4
    req "$n" -H "Authorization: Bearer $tok" -H "Content-Type: application/fhir+json" \
        ${rid:+-H "X-Request-ID: $rid"} --data-binary "@$file" "$@" "$base/ServiceRequest"
}
hdr() { tr -d '\r' <"$WORK/$1.h" | sed -n "s/^$2: //Ip" | tail -n 1; }
outcome() {
    [ "$(jq -r .resourceType "$WORK/$1.b" 2>/dev/null)" = OperationOutcome ] ||
        fail "$2: not an OperationOutcome: $(head -c 400 "$WORK/$1.b")"
}
fhir_type() {
    [ "$(hdr "$1" Content-Type)" = "application/fhir+json; charset=utf-8" ] ||
        fail "$2: Content-Type $(hdr "$1" Content-Type)"
}

note "GET metadata: a CapabilityStatement, no credentials needed"
assert_eq "$(req meta "$base/metadata")" 200 "GET metadata"
assert_eq "$(jq -r .resourceType "$WORK/meta.b")" CapabilityStatement "metadata"
fhir_type meta "metadata"

note "the three samples accepted, each where its YAML sample goes"
declare -A id
for s in gp discharge school; do
    case $s in gp) tok=$tok_gp pc=$gp_pc dob=$gp_dob ;; discharge) tok=$tok_dc pc=$dc_pc dob=$dc_dob ;;
    school) tok=$tok_sc pc=$sc_pc dob=$sc_dob ;; esac
    rid=$(cat /proc/sys/kernel/random/uuid)
    assert_eq "$(post "$s" "$tok" "$rid" "$samples/fhir-$s.json" -H "X-Correlation-ID: corr-$s")" 201 \
        "POST fhir-$s.json: $(head -c 600 "$WORK/$s.b")"
    fhir_type "$s" "201"
    assert_eq "$(hdr "$s" X-Correlation-ID)" "corr-$s" "X-Correlation-ID echoed"
    loc=$(hdr "$s" Location)
    [[ $loc =~ ^$base/ServiceRequest/([A-Z]+-[0-9A-Z]+-[0-9]+)$ ]] || fail "Location: '$loc'"
    id[$s]=${BASH_REMATCH[1]}
    assert_eq "$(jq -r .resourceType "$WORK/$s.b")" ServiceRequest "the 201's body"
    assert_eq "$(jq -r .id "$WORK/$s.b")" "${id[$s]}" "the 201's ServiceRequest id"
    src=$s
    provider=$(cli route "$pc" --dob "$dob" --source "$src" --json | jq -r .provider)
    [ -n "$provider" ] && [ "$provider" != null ] || fail "carerhub route $pc: no provider"
    for ((i = 0; i < 300; i++)); do
        files "$provider" | xargs -r jq -r '.referral_id // empty' | grep -qx "${id[$s]}" && break
        sleep 0.1
    done
    [ "$i" -lt 300 ] || fail "${id[$s]} was not delivered to $provider: $(delivered_ids)"
    eval "rid_$s=$rid"
done

note "the same X-Request-ID: the same content the first answer, other content 409"
assert_eq "$(post again "$tok_gp" "$rid_gp" "$samples/fhir-gp.json")" 201 "the same again"
assert_eq "$(hdr again Location)" "$base/ServiceRequest/${id[gp]}" "the same Location"
cmp -s "$WORK/gp.b" "$WORK/again.b" || fail "the same request, another body: $(cat "$WORK/again.b")"
# Where the sample holds its Patient (a jq path: .contained[0], .entry[1].resource).
pat=$(jq -r '[paths(objects | select(.resourceType? == "Patient"))][0] | map(if type == "number" then "[\(.)]" else ".\(.)" end) | join("")' "$samples/fhir-gp.json")
[ -n "$pat" ] || fail "fhir-gp.json holds no Patient"
jq "$pat.name[0].given = [\"Another\"]" "$samples/fhir-gp.json" >"$WORK/other.json"
assert_eq "$(post dup "$tok_gp" "$rid_gp" "$WORK/other.json")" 409 "other content, the same id"
outcome dup 409
sleep 1
assert_eq "$(files | wc -l)" 3 "case files after the repeats"

note "400: not JSON, not FHIR, no X-Request-ID or not a UUID"
new() { cat /proc/sys/kernel/random/uuid; }
printf 'this is { not json' >"$WORK/nj"
assert_eq "$(post nj "$tok_gp" "$(new)" "$WORK/nj")" 400 "not JSON"
outcome nj "not JSON"
echo '{"resourceType": "Patient", "id": "x"}' >"$WORK/nf"
assert_eq "$(post nf "$tok_gp" "$(new)" "$WORK/nf")" 400 "not FHIR"
outcome nf "not FHIR"
assert_eq "$(post norid "$tok_gp" "" "$samples/fhir-gp.json")" 400 "no X-Request-ID"
outcome norid "no X-Request-ID"
grep -q 'X-Request-ID' "$WORK/norid.b" || fail "the 400 does not name X-Request-ID"
assert_eq "$(post badrid "$tok_gp" "12345" "$samples/fhir-gp.json")" 400 "X-Request-ID not a UUID"

note "422: every problem, each by its FHIRPath"
# The Patient's birth date removed and a postcode that is none: the paths
# are where the sample holds them, found here by its own structure.
jq "del($pat.birthDate) | $pat.address[0].postalCode = \"ZZ9 9ZZZ\"" "$samples/fhir-gp.json" >"$WORK/bad.json"
assert_eq "$(post bad "$tok_gp" "$(new)" "$WORK/bad.json")" 422 "a Patient without birthDate"
outcome bad 422
fhirpath=$(echo "$pat" | sed -E 's/^\.entry/Bundle.entry/; s/^\.contained/ServiceRequest.contained/; s/\.resource/.resource/')
exprs=$(jq -r '.issue[].expression[]?' "$WORK/bad.b" | sort -u)
grep -qxF "$fhirpath.birthDate" <<<"$exprs" || fail "422 without $fhirpath.birthDate: $exprs"
# (The first address, or addresses: FHIRPath reads both.)
grep -qxF -e "$fhirpath.address[0].postalCode" -e "$fhirpath.address.postalCode" <<<"$exprs" ||
    fail "422 without $fhirpath.address.postalCode: $exprs"

note "401: no token, a wrong one, a disabled client's, a replaced one"
assert_eq "$(req none -H "Content-Type: application/fhir+json" -H "X-Request-ID: $(new)" \
    --data-binary "@$samples/fhir-gp.json" "$base/ServiceRequest")" 401 "no token"
outcome none 401
[[ $(hdr none WWW-Authenticate) == Bearer* ]] || fail "401 without a Bearer challenge: $(cat "$WORK/none.h")"
assert_eq "$(post wrong "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$(new)" "$samples/fhir-gp.json")" 401 \
    "a wrong token"
# A session cookie is never taken for a token.
assert_eq "$(req ck -b "carerhub_session=x; __Host-carerhub_session=x" "$base/ServiceRequest/${id[gp]}")" \
    401 "a cookie, no token"
cli client disable gp-sys >/dev/null || fail "client disable"
assert_eq "$(req dis -H "Authorization: Bearer $tok_gp" "$base/ServiceRequest/${id[gp]}")" 401 \
    "a disabled client's token"
cli client enable gp-sys >/dev/null || fail "client enable"
assert_eq "$(req en -H "Authorization: Bearer $tok_gp" "$base/ServiceRequest/${id[gp]}")" 200 \
    "enabled again"
tok_new=$(cli client token gp-sys | tail -n 1)
assert_eq "$(req old -H "Authorization: Bearer $tok_gp" "$base/ServiceRequest/${id[gp]}")" 401 \
    "the replaced token"
tok_gp=$tok_new

note "GET ServiceRequest/ID: the client's own, as FHIR; others and unknown ids 404 alike"
assert_eq "$(req rd -H "Authorization: Bearer $tok_gp" "$base/ServiceRequest/${id[gp]}")" 200 "GET own"
assert_eq "$(jq -r .resourceType "$WORK/rd.b")" ServiceRequest "GET own"
assert_eq "$(jq -r .id "$WORK/rd.b")" "${id[gp]}" "GET own: its id"
assert_eq "$(req o404 -H "Authorization: Bearer $tok_other" "$base/ServiceRequest/${id[gp]}")" 404 \
    "another practice's referral"
outcome o404 404
assert_eq "$(req u404 -H "Authorization: Bearer $tok_gp" "$base/ServiceRequest/GP-ZZZZZZ-999999")" 404 \
    "an unknown id"
cmp -s "$WORK/o404.b" "$WORK/u404.b" || fail "the two 404s differ"

note "403: a school's client sending a GP referral, a practice's another practice's"
assert_eq "$(post f1 "$tok_sc" "$(new)" "$samples/fhir-gp.json")" 403 "a school's client, a GP referral"
outcome f1 403
assert_eq "$(post f2 "$tok_other" "$(new)" "$samples/fhir-gp.json")" 403 "another practice's client"
outcome f2 403

note "413 by Content-Length and while read, 415"
head -c $((300 * 1024)) /dev/zero | tr '\0' ' ' >"$WORK/big"
# The hub answers 413 without reading the rest and closes the connection:
# a client still sending may see the close before the answer. With
# "Expect: 100-continue" (as curl sends for large bodies) it waits for the
# hub's word first and gets the 413 before sending anything.
assert_eq "$(post big "$tok_gp" "$(new)" "$WORK/big" -H "Expect: 100-continue")" 413 \
    "Content-Length over the limit"
assert_eq "$(post bigc "$tok_gp" "$(new)" "$WORK/big" -H "Transfer-Encoding: chunked" \
    -H "Expect: 100-continue")" 413 \
    "a chunked body over the limit"
outcome bigc 413
assert_eq "$(req ty -H "Authorization: Bearer $tok_gp" -H "Content-Type: text/plain" \
    -H "X-Request-ID: $(new)" --data-binary "@$samples/fhir-gp.json" "$base/ServiceRequest")" 415 "text/plain"
assert_eq "$(req js -H "Authorization: Bearer $tok_gp" -H "Content-Type: application/json" \
    -H "X-Request-ID: $rid_gp" --data-binary "@$samples/fhir-gp.json" "$base/ServiceRequest")" 201 \
    "application/json taken too"

note "under /fhir/: an unknown path 404, a known one with another method 405, as OperationOutcomes"
for path in /fhir/r4/Patient/1 "/fhir/r4//ServiceRequest/${id[gp]}" /fhir/r4 /fhir/r5/metadata; do
    assert_eq "$(req unk -H "Authorization: Bearer $tok_gp" "$url$path")" 404 "GET $path"
    outcome unk "GET $path"
    fhir_type unk "GET $path"
    assert_eq "$(jq -r '.issue[0].code' "$WORK/unk.b")" not-found "GET $path: its issue"
done
assert_eq "$(req mpost -H "Authorization: Bearer $tok_gp" -H "Content-Type: application/fhir+json" \
    --data-binary '{}' "$base/metadata")" 405 "POST metadata"
outcome mpost "POST metadata"
fhir_type mpost "POST metadata"
assert_eq "$(req mget -H "Authorization: Bearer $tok_gp" "$base/ServiceRequest")" 405 \
    "GET ServiceRequest (no id)"
outcome mget "GET ServiceRequest"

note "the HL7 examples: refused with an OperationOutcome, the daemon still serving"
n=0
for f in "$top"/tests/data/fhir/hl7/*.json; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    st=$(post hl7 "$tok_gp" "$(new)" "$f")
    [[ $st =~ ^4(00|22)$ ]] || fail "$(basename "$f"): $st $(head -c 300 "$WORK/hl7.b")"
    outcome hl7 "$(basename "$f")"
    assert_eq "$(req meta2 "$base/metadata")" 200 "metadata after $(basename "$f")"
done
[ "$n" -ge 1 ] || fail "no HL7 example in tests/data/fhir/hl7/"

note "mutual TLS: a recorded certificate needed, another refused"
mt() { req "$1" -H "Authorization: Bearer $tok_cert" "${@:2}" "$base/ServiceRequest/${id[discharge]}"; }
assert_eq "$(mt m0)" 401 "without the certificate"
assert_eq "$(mt m1 --cert rogue.pem --key rogue.key)" 401 "another certificate"
assert_eq "$(mt m2 --cert cl.pem --key cl.key)" 200 "with its certificate"
assert_eq "$(req m3 -H "Authorization: Bearer $tok_dc" "$base/ServiceRequest/${id[discharge]}")" 200 \
    "a client without a certificate recorded needs none"

note "wrong tokens throttled per address, with a Retry-After that says what the words say; a right token served"
for ((i = 0; i < 150; i++)); do
    st=$(post thr "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$(new)" "$samples/fhir-gp.json")
    [ "$st" = 429 ] && break
    assert_eq "$st" 401 "wrong token $i"
done
assert_eq "$st" 429 "wrong tokens from one address, at last"
outcome thr 429
words=$(jq -r '.issue[0].diagnostics' "$WORK/thr.b")
[[ $words =~ try\ again\ in\ ([0-9]+)\ (minutes|seconds) ]] || fail "the 429 says no wait: $words"
want=${BASH_REMATCH[1]}
[ "${BASH_REMATCH[2]}" = minutes ] && want=$((want * 60))
assert_eq "$(hdr thr Retry-After)" "$want" "Retry-After against '$words'"
assert_eq "$(req thr2 -H "Authorization: Bearer $tok_gp" "$base/ServiceRequest/${id[gp]}")" 200 \
    "the right token from the throttled address"

note "audited as the gateway and the client; nothing of the carers logged"
audit_wait '.event == "submitted" and .referral_id == "'"${id[gp]}"'" and .actor == "gateway web / user api.gp-sys"'
audit_has '.event == "status" and .actor == "gateway web / user api.gp-sys"' ||
    fail "no audit record of the GET: $(tail -n 5 "$WORK/audit")"
for name in $(jq -r '.. | objects | select(.resourceType? == "Patient") | .name[0].family' \
    "$samples"/fhir-*.json); do
    ! grep -rqF -- "$name" "$hub/logs" || fail "the logs name the carer $name"
done
hub_stop
