# /help over HTTP, against the real hub started by local-hub with the
# self-intake: a carer, with no account, asks for support themselves. The
# page needs no login and the log-in page links to it; each form shown has
# its own idempotency token. A form with mistakes comes back with them in
# the carer's words, by field, what was typed kept and escaped (a script
# in a name is shown as text); an under-16 is refused at carer.date_of_birth
# and told to ask their school or GP practice. A right one gets a thank-you
# page with the reference, the organisation that will contact them (worked
# out here by hand from config/routing.yaml) and by when, and nothing else
# of the carer; the case file arrives at that organisation with source
# self, from the public, the consent the carer's own and given today; the
# same form again is the same request. A form whose session went while the
# carer typed comes back with every answer and a new session, nothing sent,
# and goes through when sent again. The honeypot filled in: the same
# thank-you page, nothing delivered, a number in the daemon's log. The
# sixth request taken in an hour from one address gets 429 with the answers
# kept, while another address still gets through. Nothing of the carers
# reaches a log.
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
today=$(date +%F)

# req NAME [CURL-ARGS...]: body in $WORK/NAME.b, headers in NAME.h; the status.
req() {
    local n=$1
    shift
    curl -s --max-time 20 -o "$WORK/$n.b" -D "$WORK/$n.h" -w '%{http_code}' "$@"
}
field_of() { grep -o "name=\"$2\" value=\"[^\"]*\"" "$WORK/$1.b" | head -n 1 | cut -d'"' -f4; }
has() { grep -qF -- "$2" "$WORK/$1.b" || fail "$3: the page lacks '$2'"; }
hasnt() { ! grep -qF -- "$2" "$WORK/$1.b" || fail "$3: the page has '$2'"; }
# form NAME [CURL-ARGS...]: GET /help in the cookie jar NAME.jar (made if need
# be), as NAME.form; its token in $token.
form() {
    local jar=$WORK/$1.jar who=$1
    shift
    assert_eq "$(req "$who.form" -c "$jar" -b "$jar" "$@" "$url/help")" 200 "GET /help"
    token=$(field_of "$who.form" token)
}
# ask WHO PAGE TOKEN [--from ADDRESS] FIELDS...: POSTs /help from WHO's
# session (and its form's csrf) with the token and the fields; the status.
ask() {
    local who=$1 page=$2 tok=$3 jar=$WORK/$1.jar args=() f
    shift 3
    if [ "${1:-}" = --from ]; then
        args=(--interface "$2")
        shift 2
    fi
    args+=(--data-urlencode "csrf=$(field_of "$who.form" csrf)" --data-urlencode "token=$tok")
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    req "$page" -c "$jar" -b "$jar" "${args[@]}" "$url/help"
}
reference() { grep -o 'SR-[A-Z0-9]*-[0-9]*' "$WORK/$1.b" | head -n 1; }

# A carer in Colchester (North Essex: Essex Carers Support, routing.yaml's
# rule north-essex) who gives a phone number.
ambrose=(carer.given_name=Ambrose carer.family_name=Quennell "carer.date_of_birth=30 9 1978"
    "carer.postcode=co1 1aa" "carer.phone=07700 900777" carer.preferred_contact=phone
    cared_for.relationship=wife cared_for.conditions=mental_health cared_for.conditions=frailty
    self.working=true "self.best_time_to_contact=after 6" self.heard_from=pharmacy
    consent.share_with_support_service=true)
# with NAME: Ambrose's answers under another given name.
with() { local a=("${ambrose[@]}"); a[0]="carer.given_name=$1"; printf '%s\n' "${a[@]}"; }
days=$(awk '/^contact_by_days:/ {f = 1; next} f && $1 == "self:" {print $2; exit}' \
    "$top/config/routing.yaml")
[[ $days =~ ^[0-9]+$ ]] || fail "no contact_by_days.self in config/routing.yaml"
by=$(date -d "+$days days" '+%A %-d %B %Y')

note "the page needs no login, and the log-in page links to it"
form carer
has carer.form 'Are you looking after someone?' "/help"
has carer.form 'You can ask for support here' "/help"
for key in carer.given_name carer.family_name carer.date_of_birth carer.postcode carer.address \
    carer.phone carer.email carer.preferred_contact carer.language cared_for.relationship \
    cared_for.conditions self.heard_from self.best_time_to_contact self.working \
    consent.share_with_support_service; do
    has carer.form "name=\"$key\"" "/help's input $key"
done
hasnt carer.form 'name="carer.nhs_number"' "/help asks no NHS number"
hasnt carer.form 'name="consent.given_by"' "/help: the consent is the carer's own"
grep -q 'aria-hidden="true">' "$WORK/carer.form.b" &&
    grep -q '<input type="text" id="website" name="website" value="" tabindex="-1" autocomplete="off">' \
        "$WORK/carer.form.b" || fail "no hidden honeypot input: $(grep -n website "$WORK/carer.form.b")"
grep -qi '^set-cookie: carerhub_session=.*HttpOnly; SameSite=Strict' "$WORK/carer.form.h" ||
    fail "no anonymous session for the form's CSRF token: $(cat "$WORK/carer.form.h")"
[[ $token =~ ^[0-9a-f]{32}$ ]] || fail "no idempotency token: '$token'"
first=$token
form carer
[ "$token" != "$first" ] || fail "two forms shown with the same idempotency token"
assert_eq "$(req login "$url/login")" 200 "GET /login"
has login '<a href="/help">Are you a carer? Ask for support</a>' "the log-in page"
assert_eq "$(req home "$url/")" 303 "GET / logged out"
grep -qi '^location: /login' "$WORK/home.h" || fail "/ logged out does not lead to /login"
assert_eq "$(req nocsrf --data-urlencode "token=$token" "$url/help")" 403 "POST /help without a session"

note "mistakes: in the carer's words, by field, what was typed kept and escaped"
form carer
st=$(ask carer bad "$token" "carer.given_name=<script>alert(1)</script>" \
    "carer.date_of_birth=31/2/1980" "carer.postcode=CO1" consent.share_with_support_service=false)
assert_eq "$st" 200 "POST with mistakes"
has bad 'There is a problem' "errors"
has bad '<a href="#carer.family_name">Enter your last name</a>' "errors"
has bad '<a href="#carer.date_of_birth">Enter a real date of birth' "errors"
has bad '<a href="#carer.postcode">Enter a real postcode' "errors"
has bad '<a href="#carer.phone">Give a phone number or an email address' "errors"
has bad '<a href="#consent.share_with_support_service">We can only ask a support service to contact you if you say yes' "errors"
has bad 'id="carer.postcode-error"' "the message beside its field"
has bad 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' "typed text kept, escaped"
hasnt bad '<script>' "typed text kept, escaped"
has bad 'value="CO1"' "typed text kept"
has bad 'value="false" checked' "the answer kept"
assert_eq "$(field_of bad token)" "$token" "the token after errors"

note "under 16: refused at carer.date_of_birth, told where to ask"
young=("${ambrose[@]}")
young[0]=carer.given_name=Peregrine
young[2]="carer.date_of_birth=$(date -d '16 years ago tomorrow' +%-d/%-m/%Y)"
assert_eq "$(ask carer young "$token" "${young[@]}")" 200 "an under-16's request"
has young '<a href="#carer.date_of_birth">You can ask for help here yourself from the age of 16' "under 16"
has young 'ask someone at your school (a teacher or the school&#39;s young carers lead)' "under 16"
has young 'or ask your GP practice' "under 16"
assert_eq "$(grep -c '<li><a href=' "$WORK/young.b")" 1 "problems of the under-16's request"

note "sent: the reference, who will contact them and by when, nothing else of them"
assert_eq "$(ask carer ok "$token" "${ambrose[@]}")" 200 "POST /help"
has ok 'Thank you: we have your request' "thank-you page"
a=$(reference ok)
[[ $a == SR-*-* ]] || fail "no reference on the page: $(cat "$WORK/ok.b")"
has ok "Your reference is <strong>$a</strong>" "thank-you page"
has ok "<strong>Essex Carers Support</strong> will contact you by <strong>$by</strong>" \
    "who will contact them, and by when"
for typed in Ambrose Quennell 900777 1978 wife 'after 6' CO1 'co1'; do
    hasnt ok "$typed" "the thank-you page repeats what the carer told us"
done
wait_count 1 ecs
f=$(files ecs)
jq -e --arg a "$a" '.referral_id == $a and .routing.rule == "north-essex"' "$f" >/dev/null ||
    fail "the case file: $(jq -c 'del(.referrals)' "$f")"
jq -e --arg today "$today" '.referrals[0] | .source == "self" and .submitted_by == "web/public"
    and (has("referrer") | not) and .carer.given_name == "Ambrose" and .carer.postcode == "CO1 1AA"
    and .carer.date_of_birth == "1978-09-30" and .carer.preferred_contact == "phone"
    and .cared_for.conditions == ["mental_health", "frailty"]
    and .consent.given_by == "carer" and .consent.date == $today
    and .self == {heard_from: "pharmacy", best_time_to_contact: "after 6", working: true}' \
    "$f" >/dev/null || fail "the referral in the case file: $(jq -c '.referrals[0]' "$f")"
assert_eq "$(ask carer again "$token" "${ambrose[@]}")" 200 "the same form again"
assert_eq "$(reference again)" "$a" "the reference of the same form sent again"

note "the session gone while the carer typed: the answers back, nothing sent, then sent"
# From 127.0.0.3, out of the other requests' count. The form's session is
# gone (idle too long, or made way for a flood of others): its cookie is
# not sent, as a browser does not send one the daemon forgot.
form late --interface 127.0.0.3
mapfile -t gwen < <(with Gwendolyn)
late=(--interface 127.0.0.3 -c "$WORK/late2.jar" --data-urlencode "csrf=$(field_of late.form csrf)")
for f in "${gwen[@]}"; do late+=(--data-urlencode "$f"); done
assert_eq "$(req late1 "${late[@]}" --data-urlencode "token=$token" "$url/help")" 403 \
    "POST /help with its session gone"
has late1 'Your request was not sent' "the session gone"
has late1 'They are all still here: check them, then press Ask for support again.' "the session gone"
has late1 'value="Gwendolyn"' "the session gone: the answers kept"
has late1 'value="after 6"' "the session gone: the answers kept"
has late1 'value="pharmacy" checked' "the session gone: the answers kept"
grep -qi '^set-cookie: carerhub_session=' "$WORK/late1.h" || fail "no new session for the form"
csrf2=$(field_of late1 csrf)
token2=$(field_of late1 token)
[[ -n $csrf2 && $csrf2 != "$(field_of late.form csrf)" ]] || fail "no new CSRF token: '$csrf2'"
[[ $token2 =~ ^[0-9a-f]{32}$ && $token2 != "$token" ]] || fail "no new form token: '$token2'"
sleep 1
assert_eq "$(count)" 1 "case files after the POST whose session was gone"
late=(--interface 127.0.0.3 -c "$WORK/late2.jar" -b "$WORK/late2.jar")
for f in "${gwen[@]}"; do late+=(--data-urlencode "$f"); done
assert_eq "$(req late2 "${late[@]}" --data-urlencode "csrf=$csrf2" --data-urlencode "token=$token2" \
    "$url/help")" 200 "the same answers sent again under the new session"
has late2 'Thank you: we have your request' "sent again under the new session"
wait_count 2 ecs

note "the honeypot filled in: thanked, nothing sent, a number in the log"
form bot
mapfile -t spam < <(with Bartholomew)
assert_eq "$(ask bot pot "$token" "${spam[@]}" "website=http://spam.example")" 200 "the honeypot filled"
has pot 'Thank you: we have your request' "the honeypot's page"
[[ $(reference pot) == SR-*-* ]] || fail "the honeypot's page has no reference"
has pot "<strong>Essex Carers Support</strong> will contact you by" "the honeypot's page"
grep -q '/help: a form with the hidden input filled in was not sent (1 so far)' "$hub/logs/web.log" ||
    fail "the honeypot is not counted in the log: $(grep help "$hub/logs/web.log")"

note "the sixth request in an hour from one address: 429; another address gets through"
# Taken from 127.0.0.1 so far: Ambrose's (sent twice, counted once) and the
# honeypot's; three more, then one too many.
for name in Cuthbert Dorothea Eustace; do
    form carer
    mapfile -t one < <(with "$name")
    assert_eq "$(ask carer "$name" "$token" "${one[@]}")" 200 "$name's request"
    has "$name" 'Thank you: we have your request' "$name's request"
done
wait_count 5 ecs
form carer
mapfile -t one < <(with Fenella)
assert_eq "$(ask carer many "$token" "${one[@]}")" 429 "the sixth request in an hour"
has many 'Your request was not sent' "429"
has many 'Please try again in' "429"
has many 'phone the carers&#39; support service for your area' "429"
has many 'value="Fenella"' "429: the answers kept"
form other --interface 127.0.0.2
assert_eq "$(ask other elsewhere "$token" --from 127.0.0.2 "${one[@]}")" 200 \
    "a request from another address"
has elsewhere 'Thank you: we have your request' "another address"
wait_count 6 ecs
sleep 1
assert_eq "$(count)" 6 "case files (none for the under-16, the honeypot or the sixth)"
for f in $(files); do
    jq -e '.referrals[0].carer.given_name' "$f"
done | sort | tr '\n' ' ' >"$WORK/names"
assert_eq "$(cat "$WORK/names")" '"Ambrose" "Cuthbert" "Dorothea" "Eustace" "Fenella" "Gwendolyn" ' \
    "the carers whose requests were taken"
hub_stop

# Nothing of the carers in any log.
for name in Ambrose Quennell Peregrine Bartholomew Fenella Gwendolyn 900777 spam.example 'after 6'; do
    grep -rl -- "$name" "$hub/logs" && fail "'$name' is in the logs"
done
exit 0
