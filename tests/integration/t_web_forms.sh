# The referral forms and the referrer's pages over HTTP, against the real
# hub started by local-hub: a GP user fills in the yellow card, sees the
# errors by field with what was typed kept, corrects them, and gets the
# referral's id and the organisation `carerhub route` names; the same form
# sent twice is one referral; the case file arrives at that organisation;
# the referral appears in /referrals with the GP-record reminder and its
# page shows where it stands; another practice's user sees neither; a user
# of another role cannot use the form; with the intake down nothing is sent,
# the form is kept with its token, and sending it again later works; a
# discharge and a school referral go through their own forms.
. "$(dirname "$0")/lib.sh"
web_hub_start
for u in "a.patel gp F81001" "o.other gp F81002" "k.wright hospital RAJ" "j.taylor school 115000"; do
    set -- $u
    cli user add "$1" --role "$2" --org "$3" --password-stdin <<<'correct horse battery' \
        >/dev/null || fail "user add $1"
done
today=$(date +%F)
tomorrow=$(date -d tomorrow +%F)

# req NAME [CURL-ARGS...]: body in $WORK/NAME.b; prints the status.
req() {
    local n=$1
    shift
    curl -s --max-time 20 -o "$WORK/$n.b" -D "$WORK/$n.h" -w '%{http_code}' "$@"
}
field_of() { grep -o "name=\"$2\" value=\"[^\"]*\"" "$WORK/$1.b" | head -n 1 | cut -d'"' -f4; }
has() { grep -qF -- "$2" "$WORK/$1.b" || fail "$3: the page lacks '$2'"; }
hasnt() { ! grep -qF -- "$2" "$WORK/$1.b" || fail "$3: the page has '$2'"; }

# login NAME: a session for NAME in $WORK/NAME.jar.
login() {
    local jar=$WORK/$1.jar csrf
    req lg -c "$jar" -b "$jar" "$url/login" >/dev/null
    csrf=$(field_of lg csrf)
    assert_eq "$(req lgp -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" \
        --data-urlencode "user=$1" --data-urlencode "password=correct horse battery" \
        "$url/login")" 303 "login $1"
}
# as NAME PAGE PATH [CURL-ARGS...]: a request of NAME's session.
as() {
    local jar=$WORK/$1.jar
    shift
    req "$1" -c "$jar" -b "$jar" "${@:3}" "$url$2"
}
# send NAME PAGE FORM TOKEN FIELDS...: POSTs FORM (gp, discharge, school)
# with NAME's csrf, the token and the fields (name=value each).
send() {
    local who=$1 page=$2 form=$3 token=$4 args=() f
    shift 4
    as "$who" form "/refer/$form" >/dev/null
    args=(--data-urlencode "csrf=$(field_of form csrf)" --data-urlencode "token=$token")
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    as "$who" "$page" "/refer/$form" "${args[@]}"
}

gp_card=(carer.given_name=Jane carer.family_name=Smith carer.date_of_birth=2/4/1961
    "carer.postcode=cm2 0aa" "carer.address=1 High Street, Chelmsford" "carer.phone=07700 900123"
    carer.email=jane@example.org carer.preferred_contact=phone carer.language=English
    "carer.nhs_number=943 476 5919" cared_for.relationship=mother cared_for.conditions=dementia
    cared_for.conditions=frailty consent.share_with_support_service=true consent.given_by=carer
    "consent.date=$today" record_carer_on_gp_record=true "referrer.name=A Patel"
    "referrer.phone=01245 000000" practice=F81099)

note "the form, for its role only"
login a.patel
assert_eq "$(as a.patel get /refer/gp)" 200 "GET /refer/gp"
has get 'name="carer.given_name"' "the yellow card"
has get 'name="cared_for.conditions" value="frailty"' "the yellow card"
token=$(field_of get token)
[[ $token =~ ^[0-9a-f]{32}$ ]] || fail "no idempotency token: '$token'"
assert_eq "$(as a.patel other /refer/discharge)" 403 "a GP user's /refer/discharge"
login j.taylor
assert_eq "$(as j.taylor other /refer/gp)" 403 "a school user's /refer/gp"

note "errors by field, what was typed kept"
st=$(send a.patel bad gp "$token" "carer.given_name=<script>alert(1)</script>" \
    "carer.postcode=CM2 0A" cared_for.conditions=dementia consent.share_with_support_service=false)
assert_eq "$st" 200 "POST with mistakes"
has bad 'There is a problem' "errors"
has bad 'role="alert"' "errors"
has bad '<a href="#carer.family_name">Family name is required</a>' "errors"
has bad '<a href="#carer.postcode">' "errors"
has bad '<a href="#consent.share_with_support_service">' "errors"
has bad 'id="carer.family_name-error"' "errors"
has bad 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' "typed text kept"
hasnt bad '<script>' "typed text kept"
has bad 'value="CM2 0A"' "typed text kept"
has bad 'value="dementia" checked' "ticked box kept"
assert_eq "$(field_of bad token)" "$token" "the token after errors"

note "corrected and sent: the id and where it is expected to go"
assert_eq "$(send a.patel ok gp "$token" "${gp_card[@]}")" 200 "POST the yellow card"
has ok 'Referral sent' "success"
id=$(grep -o 'GP-[A-Z0-9]*-[0-9]*' "$WORK/ok.b" | head -n 1)
[ -n "$id" ] || fail "no referral id on the page: $(cat "$WORK/ok.b")"
want=$(cli route CM2 0AA --dob 1961-04-02 --source gp --json | jq -r .provider_name)
has ok "expected to go to <strong>$want</strong>" "the routing preview"
has ok "href=\"/referrals/$id\"" "a link to the referral"
has ok 'Refer another carer' "success"
assert_eq "$(send a.patel again gp "$token" "${gp_card[@]}")" 200 "the same form again"
assert_eq "$(grep -o 'GP-[A-Z0-9]*-[0-9]*' "$WORK/again.b" | head -n 1)" "$id" "the id of a resend"
wait_count 1
assert_eq "$(delivered_ids)" "$id" "case files"
provider=$(cli route CM2 0AA --dob 1961-04-02 --source gp --json | jq -r .provider)
[ -n "$(files "$provider")" ] || fail "the case file is not at $provider: $(files)"
# The organisation is the user's, never the form's (practice=F81099 was
# sent), and the referral is the user's.
jq -e --arg id "$id" '.referrals[0] | .id == $id and .gp.practice == "F81001" and
    .submitted_by == "web/a.patel"' "$(files "$provider")" >/dev/null ||
    fail "the case file's referral: $(jq -c '.referrals[0] | del(.carer)' "$(files "$provider")")"
cli status "$id" --json >"$WORK/status.json" || fail "carerhub status $id"
assert_eq "$(jq -r .state "$WORK/status.json")" delivered "the referral's state"

note "/referrals and /referrals/ID: the organisation's own only"
assert_eq "$(as a.patel list /referrals)" 200 "/referrals"
has list "href=\"/referrals/$id\"" "/referrals"
has list 'SNOMED CT 224484003' "the GP-record reminder"
assert_eq "$(as a.patel one "/referrals/$id")" 200 "/referrals/$id"
has one "Referral $id" "/referrals/$id"
has one 'Where it stands' "/referrals/$id"
login o.other
assert_eq "$(as o.other list2 /referrals)" 200 "another practice's /referrals"
hasnt list2 "$id" "another practice's /referrals"
assert_eq "$(as o.other one2 "/referrals/$id")" 404 "another practice's /referrals/$id"
assert_eq "$(as a.patel none /referrals/GP-1-999999)" 404 "/referrals of no referral"

note "intake down: not sent, the form kept with its token; sent again later"
as a.patel get2 /refer/gp >/dev/null
token2=$(field_of get2 token)
hub_kill gp-intake
card2=("${gp_card[@]/Jane/Ann}")
assert_eq "$(send a.patel down gp "$token2" "${card2[@]}")" 503 "POST with the intake down"
has down 'The referral was not sent' "intake down"
has down 'value="Ann"' "intake down: the form kept"
assert_eq "$(field_of down token)" "$token2" "intake down: the token kept"
hub_start gp-intake
assert_eq "$(send a.patel up gp "$token2" "${card2[@]}")" 200 "POST after the intake is back"
has up 'Referral sent' "after the intake is back"
wait_count 2

note "discharge and school forms"
login k.wright
assert_eq "$(send k.wright dis discharge "$(printf '%032x' 1)" hospital.site=RAJ01 \
    "hospital.ward=Ward 10" "patient.nhs_number=401 023 2137" \
    "patient.expected_discharge=$tomorrow" carer_consulted=true "referrer.name=K Wright" \
    "referrer.phone=01245 222222" carer.given_name=Grace "carer.family_name=O'Neill" \
    carer.date_of_birth=1958-12-12 "carer.postcode=CO15 1AA" "carer.phone=07700 900321" \
    cared_for.relationship=husband cared_for.conditions=other \
    consent.share_with_support_service=true consent.given_by=carer \
    "consent.date=$today")" 200 "POST /refer/discharge"
has dis 'Referral sent' "discharge: $(sed -n '/error-summary/,/<\/ul>/p' "$WORK/dis.b")"
grep -q 'HD-[A-Z0-9]*-[0-9]*' "$WORK/dis.b" || fail "no discharge id"
assert_eq "$(send j.taylor sch school "$(printf '%032x' 2)" safeguarding_referral_made=false \
    school.year_group=9 "referrer.name=J Taylor" referrer.email=j.taylor@school.example.org \
    carer.given_name=Sam carer.family_name=Khan carer.date_of_birth=2012-05-10 \
    "carer.postcode=CM2 9AA" "carer.address=5 Park Road, Chelmsford" \
    carer.preferred_contact=post cared_for.relationship=mother \
    cared_for.conditions=mental_health consent.share_with_support_service=true \
    consent.given_by=parent "consent.date=$today")" 200 "POST /refer/school"
has sch 'Referral sent' "school: $(sed -n '/error-summary/,/<\/ul>/p' "$WORK/sch.b")"
grep -q 'SC-[A-Z0-9]*-[0-9]*' "$WORK/sch.b" || fail "no school id"
wait_count 4
hub_stop
echo ok
