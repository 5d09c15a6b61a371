# carerhub-web never holds up one client for another's wait on the hub:
# with the router stopped (SIGSTOP: it holds its connections and answers
# nothing), a client waiting for /referrals does not delay another's
# /style.css or /login, and is told after its timeout that the hub cannot
# be reached; a referral the router has not taken yet is shown from the
# intake that holds it; once the router goes on, /referrals answers.
# /referrals lists the newest first, and ?after=ID those older than ID.
# With the GP intake stopped, two submissions at once are answered
# together (not one after the other) with the page to try again, the form
# and its token kept; once the intake goes on, sending the same form again
# gives one referral, whatever the resends the intake found waiting.
. "$(dirname "$0")/lib.sh"
web_hub_start
for u in "a.patel gp F81001" "o.other gp F81002"; do
    set -- $u
    cli user add "$1" --role "$2" --org "$3" --password-stdin <<<'correct horse battery' \
        >/dev/null || fail "user add $1"
done
today=$(date +%F)
stopped=
# A daemon stopped here is never left stopped.
trap '[ -n "$stopped" ] && kill -CONT $stopped 2>/dev/null' EXIT
pause() {
    stopped="$stopped $(cat "$hub/run/$1.pid")"
    kill -STOP "$(cat "$hub/run/$1.pid")" || fail "cannot stop $1"
}
resume() { kill -CONT "$(cat "$hub/run/$1.pid")" || fail "cannot continue $1"; }

# req NAME [CURL-ARGS...]: body in $WORK/NAME.b, "STATUS SECONDS" in
# $WORK/NAME.t; prints the status.
req() {
    local n=$1
    shift
    curl -s --max-time 20 -o "$WORK/$n.b" -w '%{http_code} %{time_total}' "$@" >"$WORK/$n.t"
    cut -d' ' -f1 "$WORK/$n.t"
}
secs() { cut -d' ' -f2 "$WORK/$1.t"; }
# within NAME LOW HIGH: NAME's answer took LOW s or more and under HIGH s.
within() {
    awk -v s="$(secs "$1")" -v lo="$2" -v hi="$3" 'BEGIN { exit !(s >= lo && s < hi) }' ||
        fail "$1 took $(secs "$1") s, expected at least $2 s and under $3 s"
}
field_of() { grep -o "name=\"$2\" value=\"[^\"]*\"" "$WORK/$1.b" | head -n 1 | cut -d'"' -f4; }
has() { grep -qF -- "$2" "$WORK/$1.b" || fail "$3: the page lacks '$2': $(head -c 2000 "$WORK/$1.b")"; }
hasnt() { ! grep -qF -- "$2" "$WORK/$1.b" || fail "$3: the page has '$2'"; }
id_of() { grep -o 'GP-[A-Z0-9]*-[0-9]*' "$WORK/$1.b" | head -n 1; }

login() {
    local jar=$WORK/$1.jar csrf
    req lg -c "$jar" -b "$jar" "$url/login" >/dev/null
    csrf=$(field_of lg csrf)
    assert_eq "$(req lgp -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" \
        --data-urlencode "user=$1" --data-urlencode "password=correct horse battery" \
        "$url/login")" 303 "login $1"
}
# as WHO NAME PATH [CURL-ARGS...]: a request of WHO's session.
as() {
    local jar=$WORK/$1.jar
    req "$2" -c "$jar" -b "$jar" "${@:4}" "$url$3"
}
# form WHO NAME: GET /refer/gp; its csrf and token in ${NAME}_csrf, ${NAME}_token.
form() {
    assert_eq "$(as "$1" "$2" /refer/gp)" 200 "GET /refer/gp for $1"
    printf -v "${2}_csrf" '%s' "$(field_of "$2" csrf)"
    printf -v "${2}_token" '%s' "$(field_of "$2" token)"
}
# send WHO NAME CSRF TOKEN FAMILY-NAME: POSTs the yellow card of carer
# Jane FAMILY-NAME.
send() {
    local args=(--data-urlencode "csrf=$3" --data-urlencode "token=$4") f
    for f in carer.given_name=Jane "carer.family_name=$5" carer.date_of_birth=1961-04-02 \
        "carer.postcode=CM2 0AA" "carer.phone=07700 900123" carer.preferred_contact=phone \
        cared_for.relationship=mother cared_for.conditions=dementia \
        consent.share_with_support_service=true consent.given_by=carer "consent.date=$today" \
        record_carer_on_gp_record=false "referrer.name=A Patel" "referrer.phone=01245 000000"; do
        args+=(--data-urlencode "$f")
    done
    as "$1" "$2" /refer/gp "${args[@]}"
}

note "two referrals; /referrals lists the newest first, ?after= the older ones"
login a.patel
form a.patel f1
assert_eq "$(send a.patel s1 "$f1_csrf" "$f1_token" Older)" 200 "the first referral"
first=$(id_of s1)
form a.patel f2
assert_eq "$(send a.patel s2 "$f2_csrf" "$f2_token" Newer)" 200 "the second referral"
second=$(id_of s2)
[ -n "$first" ] && [ -n "$second" ] && [ "$first" != "$second" ] ||
    fail "two referrals, ids '$first' and '$second'"
wait_count 2
assert_eq "$(as a.patel list /referrals)" 200 "/referrals"
order=$(grep -o "href=\"/referrals/GP-[A-Z0-9-]*\"" "$WORK/list.b" | cut -d/ -f3 | tr -d '"' | tr '\n' ' ')
assert_eq "$order" "$second $first " "/referrals, newest first"
hasnt list "Older referrals" "two referrals on one page"
assert_eq "$(as a.patel older "/referrals?after=$second")" 200 "/referrals?after=$second"
has older "href=\"/referrals/$first\"" "older than the second"
hasnt older "href=\"/referrals/$second\"" "older than the second"
has older 'href="/referrals">Your newest referrals' "older than the second"
assert_eq "$(as a.patel empty "/referrals?after=")" 200 "/referrals?after= (empty)"
has empty "href=\"/referrals/$second\"" "/referrals?after= (empty): from the newest"
assert_eq "$(as a.patel none "/referrals?after=$first")" 200 "/referrals?after=$first"
has none "There are no older referrals" "older than the first"
login o.other
assert_eq "$(as o.other theirs "/referrals?after=$second")" 404 "another practice's ?after="
assert_eq "$(as o.other bad "/referrals?after=%3Cscript%3E")" 404 "?after= not a reference"

note "router stopped: a client waiting for /referrals holds up nobody else"
pause router
as a.patel wait /referrals >/dev/null &
waiting=$!
as o.other wait2 /referrals >/dev/null &
waiting2=$!
sleep 0.5
for i in 1 2 3; do
    assert_eq "$(req css$i "$url/style.css")" 200 "/style.css while two clients wait"
    within css$i 0 0.5
    assert_eq "$(req login$i "$url/login")" 200 "/login while two clients wait"
    within login$i 0 0.5
done
kill -0 $waiting 2>/dev/null || fail "/referrals was answered with the router stopped"
wait $waiting
wait $waiting2
for n in wait wait2; do
    assert_eq "$(cut -d' ' -f1 "$WORK/$n.t")" 503 "/referrals with the router stopped ($n)"
    has $n "The hub cannot be reached now" "/referrals with the router stopped"
    # Its timeout (3 s), and the two at once, not one after the other.
    within $n 2.5 5
done

note "router stopped: a referral still at the intake is shown from there"
form a.patel f5
assert_eq "$(send a.patel s5 "$f5_csrf" "$f5_token" Spooled)" 200 "a referral, the router stopped"
fifth=$(id_of s5)
assert_eq "$(as a.patel at "/referrals/$fifth")" 200 "/referrals/$fifth, the router stopped"
has at "Received: the hub is passing it on" "a referral at the intake"
within at 2.5 5 # the router's timeout, then the intake's answer
resume router
assert_eq "$(as a.patel back /referrals)" 200 "/referrals once the router goes on"
has back "href=\"/referrals/$second\"" "/referrals once the router goes on"
wait_count 3

note "intake stopped: two submissions at once both get the page to try again"
form a.patel f3
form o.other f4
pause gp-intake
send a.patel s3 "$f3_csrf" "$f3_token" Waits >/dev/null &
one=$!
send o.other s4 "$f4_csrf" "$f4_token" Also >/dev/null &
two=$!
sleep 0.5
assert_eq "$(req css "$url/style.css")" 200 "/style.css while two submissions wait"
within css 0 0.5
wait $one
wait $two
for n in s3 s4; do
    assert_eq "$(cut -d' ' -f1 "$WORK/$n.t")" 503 "a submission with the intake stopped ($n)"
    has $n 'The referral was not sent' "intake stopped"
    # The submission's timeout (5 s), both at once.
    within $n 4.5 7.5
done
has s3 'value="Waits"' "intake stopped: the form kept"
assert_eq "$(field_of s3 token)" "$f3_token" "intake stopped: the token kept"
assert_eq "$(field_of s4 token)" "$f4_token" "intake stopped: the token kept"

note "intake going on: the same form sent again is one referral"
resume gp-intake
assert_eq "$(send a.patel r3 "$f3_csrf" "$f3_token" Waits)" 200 "the form sent again"
has r3 'Referral sent' "the form sent again"
third=$(id_of r3)
assert_eq "$(send a.patel r3b "$f3_csrf" "$f3_token" Waits)" 200 "and again"
assert_eq "$(id_of r3b)" "$third" "the id of the form sent again"
assert_eq "$(send o.other r4 "$f4_csrf" "$f4_token" Also)" 200 "the other form sent again"
fourth=$(id_of r4)
[ -n "$third" ] && [ -n "$fourth" ] && [ "$third" != "$fourth" ] ||
    fail "the two forms sent again: ids '$third' and '$fourth'"
wait_count 5
sleep 1 # anything more the resends could have made
assert_eq "$(delivered_ids | grep -c "^$third\$")" 1 "case files of $third"
assert_eq "$(count)" 5 "case files"
hub_stop
echo ok
