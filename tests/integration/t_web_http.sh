# The web front door over HTTP, as a browser and an attacker meet it, with
# carerhub-web started by local-hub: the headers of every answer, the
# session cookie, CSRF tokens (a POST without one or with another's is
# refused), the same answer for a wrong password and an unknown name, a
# session id from before login dead after it, logging out, a first
# password changed before anything else, request limits (an oversized
# body, a client sending a byte a second) with others served meanwhile,
# and login throttling per account and per address, lifted after the
# window; beyond loopback only with a certificate, and with one HTTPS.
# Each part logs in from its own loopback address (127.0.0.N), so the
# per-address count of one part does not reach another. The throttling
# comes first and the other parts run while its one-minute window passes;
# only what is left of the window is slept before the right password is
# tried again.
. "$(dirname "$0")/lib.sh"
web_hub_start "connection_timeout_s: 3" "login_attempts: 5" "login_window_minutes: 1"
assert_eq "$(cat "$hub/data/web/url")" "$url" "data/web/url"
cli user add a.patel --role gp --org F81001 --password-stdin <<<'correct horse battery' \
    >/dev/null || fail "user add a.patel"
first=$(cli user add b.first --role gp --org F81002 | tail -n 1)
[ -n "$first" ] || fail "no first password for b.first"
for u in "t.target|target password 4" "c.colleague|colleague password 5"; do
    cli user add "${u%%|*}" --role gp --org F81001 --password-stdin <<<"${u#*|}" >/dev/null ||
        fail "user add ${u%%|*}"
done

# req NAME FROM [CURL-ARGS...]: a request from 127.0.0.FROM; headers in
# $WORK/NAME.h, body in $WORK/NAME.b; prints the status.
req() {
    local n=$1 from=$2
    shift 2
    curl -s --max-time 20 --interface "127.0.0.$from" -o "$WORK/$n.b" -D "$WORK/$n.h" \
        -w '%{http_code}' "$@"
}
hdr() { grep -i "^$2:" "$WORK/$1.h" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }
csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$WORK/$1.b" | head -n 1 | cut -d'"' -f4; }
sid_of() { hdr "$1" Set-Cookie | sed -n 's/^carerhub_session=\([^;]*\);.*/\1/p'; }
summary() { sed -n '/class="error-summary"/,/<\/div>/p' "$WORK/$1.b"; }

# login NAME PASSWORD FROM: GET /login, then POST it; the status in $st,
# the session id the answer set in $sid ($pre before login).
login() {
    req lg "$3" "$url/login" >/dev/null
    pre=$(sid_of lg)
    local csrf
    csrf=$(csrf_of lg)
    [ -n "$pre" ] && [ -n "$csrf" ] || fail "GET /login gave no session or no csrf field"
    st=$(req login "$3" -H "Cookie: carerhub_session=$pre" --data-urlencode "csrf=$csrf" \
        --data-urlencode "user=$1" --data-urlencode "password=$2" "$url/login")
    sid=$(sid_of login)
}

note "throttling: 6 wrong passwords, then even the right one waits until the window passes"
# The window runs from the first failure.
thr0=$(date +%s)
for i in 1 2 3 4 5; do
    login t.target "wrong password $i" 8
    assert_eq "$st" 200 "wrong password $i"
    grep -q "The user name or password is not right" "$WORK/login.b" || fail "attempt $i: $(summary login)"
done
login t.target 'wrong password 6' 8
assert_eq "$st" 429 "wrong password 6"
grep -q "too many attempts" "$WORK/login.b" || fail "attempt 6: $(summary login)"
login t.target 'target password 4' 8
assert_eq "$st" 429 "the right password, throttled"
login t.target 'target password 4' 9
assert_eq "$st" 429 "the right password from elsewhere"
# A colleague at the same address (a practice behind one NAT) is not held
# by another's wrong passwords.
login c.colleague 'colleague password 5' 8
assert_eq "$st" 303 "another name from the address"
login c.colleague 'colleague password 5' 9
assert_eq "$st" 303 "another name from elsewhere"

note "throttling per address: 100 failures of any names, then the address waits"
for i in $(seq 1 100); do
    login "guess.$i" "wrong password $i" 10
    assert_eq "$st" 200 "guess $i from one address"
done
login c.colleague 'colleague password 5' 10
assert_eq "$st" 429 "the right password from an address past its limit"
grep -q "too many attempts" "$WORK/login.b" || fail "address past its limit: $(summary login)"
login c.colleague 'colleague password 5' 11
assert_eq "$st" 303 "the same name from another address"

note "headers of every answer, and the session cookie"
csp="default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
assert_eq "$(req get 1 "$url/login")" 200 "GET /login"
for page in get; do
    assert_eq "$(hdr $page Content-Security-Policy)" "$csp" "CSP"
    assert_eq "$(hdr $page X-Content-Type-Options)" nosniff "X-Content-Type-Options"
    assert_eq "$(hdr $page X-Frame-Options)" DENY "X-Frame-Options"
    assert_eq "$(hdr $page Referrer-Policy)" no-referrer "Referrer-Policy"
    assert_eq "$(hdr $page Cache-Control)" no-store "Cache-Control"
done
hdr get Strict-Transport-Security | grep -q . && fail "HSTS sent over plain HTTP"
cookie=$(hdr get Set-Cookie)
[[ $cookie =~ ^carerhub_session=[A-Za-z0-9_-]{43}\;\ HttpOnly\;\ SameSite=Strict\;\ Path=/$ ]] ||
    fail "session cookie: '$cookie'"
grep -q '<form method="post" action="/login"' "$WORK/get.b" || fail "no login form"
grep -q '<main id="main-content"' "$WORK/get.b" || fail "no main element"
assert_eq "$(req css 1 "$url/style.css")" 200 "GET /style.css"
assert_eq "$(hdr css Content-Type)" "text/css; charset=utf-8" "stylesheet type"
assert_eq "$(hdr css Content-Security-Policy)" "$csp" "CSP of the stylesheet"
grep -q 'error-summary' "$WORK/css.b" || fail "the stylesheet has no error summary style"
assert_eq "$(req nf 1 "$url/no/such/page")" 404 "an unknown page"
assert_eq "$(hdr nf X-Frame-Options)" DENY "X-Frame-Options of a 404"
assert_eq "$(req put 1 -X PUT "$url/login")" 405 "PUT /login"
assert_eq "$(req home 1 "$url/")" 303 "/ before login"
assert_eq "$(hdr home Location)" /login "/ before login goes to"

note "POST without a CSRF token, with a wrong one, with another session's"
pre=$(sid_of get)
good=$(csrf_of get)
assert_eq "$(req p 1 -d 'user=a.patel&password=correct+horse+battery' "$url/login")" 403 \
    "POST /login without session or csrf"
assert_eq "$(req p 1 -H "Cookie: carerhub_session=$pre" \
    -d 'user=a.patel&password=correct+horse+battery' "$url/login")" 403 "POST /login without csrf"
grep -q "did not come from this site" "$WORK/p.b" || fail "403 page: $(cat "$WORK/p.b")"
assert_eq "$(req p 1 -H "Cookie: carerhub_session=$pre" \
    -d "csrf=${good%?}x&user=a.patel&password=correct+horse+battery" "$url/login")" 403 \
    "POST /login with a wrong csrf"
req other 1 "$url/login" >/dev/null
assert_eq "$(req p 1 -H "Cookie: carerhub_session=$(sid_of other)" \
    -d "csrf=$good&user=a.patel&password=correct+horse+battery" "$url/login")" 403 \
    "POST /login with another session's csrf"

note "a wrong password and an unknown name get the same answer"
login a.patel 'wrong password here' 2
assert_eq "$st" 200 "wrong password"
summary login >"$WORK/wrong"
login nobody.here 'wrong password here' 2
assert_eq "$st" 200 "unknown name"
summary login >"$WORK/unknown"
grep -q "The user name or password is not right" "$WORK/wrong" ||
    fail "wrong password answer: $(cat "$WORK/login.b")"
cmp -s "$WORK/wrong" "$WORK/unknown" || fail "the answers differ: $(diff "$WORK/wrong" "$WORK/unknown")"
grep -q 'value="nobody.here"' "$WORK/login.b" || fail "the name typed is not kept"

note "logging in: a new session id; the one from before is dead"
login a.patel 'correct horse battery' 3
assert_eq "$st" 303 "right password"
assert_eq "$(hdr login Location)" / "after login"
[ -n "$sid" ] && [ "$sid" != "$pre" ] || fail "login did not make a new session id"
# The next answer, to another client refused before its request is read,
# carries no cookie (least of all the one just set).
assert_eq "$(req x 1 -X PUT "$url/")" 405 "PUT / after a login"
hdr x Set-Cookie | grep -q . && fail "an answer to another client set a cookie: $(hdr x Set-Cookie)"
assert_eq "$(req h 3 -H "Cookie: carerhub_session=$pre" "$url/")" 303 "/ with the id from before login"
assert_eq "$(req h 3 -H "Cookie: carerhub_session=$sid" "$url/")" 200 "/ logged in"
grep -q 'Logged in as <strong>a.patel</strong>' "$WORK/h.b" || fail "home: $(cat "$WORK/h.b")"
grep -q 'href="/refer/gp"' "$WORK/h.b" || fail "a GP's home has no link to /refer/gp"
grep -q 'href="/refer/school"' "$WORK/h.b" && fail "a GP's home links to /refer/school"
assert_eq "$(hdr h Cache-Control)" no-store "Cache-Control logged in"
assert_eq "$(req s 3 -H "Cookie: carerhub_session=$sid" "$url/refer/school")" 403 \
    "a GP user at /refer/school"

note "logging out ends the session"
csrf=$(csrf_of h)
assert_eq "$(req out 3 -H "Cookie: carerhub_session=$sid" -d "csrf=$csrf" "$url/logout")" 303 "logout"
hdr out Set-Cookie | grep -q '^carerhub_session=; .*Max-Age=0' || fail "logout cookie: $(hdr out Set-Cookie)"
assert_eq "$(req h 3 -H "Cookie: carerhub_session=$sid" "$url/")" 303 "/ after logout"
assert_eq "$(hdr h Location)" /login "/ after logout goes to"

note "a session ends when its account is disabled, whatever the cookie"
login a.patel 'correct horse battery' 3
assert_eq "$st" 303 "a.patel logs in again"
for page in / /referrals /refer/gp; do
    assert_eq "$(req h 3 -H "Cookie: carerhub_session=$sid" "$url$page")" 200 "$page before disabling"
done
cli user disable a.patel >/dev/null || fail "user disable a.patel"
for page in / /referrals /refer/gp; do
    assert_eq "$(req h 3 -H "Cookie: carerhub_session=$sid" "$url$page")" 303 "$page once disabled"
    assert_eq "$(hdr h Location)" /login "$page once disabled goes to"
    # The first answer after it ends the session clears the cookie.
    [ "$page" = / ] && { hdr h Set-Cookie | grep -q '^carerhub_session=; .*Max-Age=0' ||
        fail "no cookie cleared: $(hdr h Set-Cookie)"; }
done
cli user enable a.patel >/dev/null || fail "user enable a.patel"
assert_eq "$(req h 3 -H "Cookie: carerhub_session=$sid" "$url/")" 303 "the old session, enabled again"

note "a first password must be changed before anything else"
login b.first "$first" 4
assert_eq "$st" 303 "b.first's first password"
assert_eq "$(hdr login Location)" /login/change "after a first login"
for page in / /refer/gp /referrals; do
    assert_eq "$(req mc 4 -H "Cookie: carerhub_session=$sid" "$url$page")" 303 "$page with a first password"
    assert_eq "$(hdr mc Location)" /login/change "$page with a first password goes to"
done
assert_eq "$(req ch 4 -H "Cookie: carerhub_session=$sid" "$url/login/change")" 200 "GET /login/change"
csrf=$(csrf_of ch)
assert_eq "$(req ch 4 -H "Cookie: carerhub_session=$sid" --data-urlencode "csrf=$csrf" \
    --data-urlencode "password=$first" -d 'new_password=a+new+password+of+mine' \
    -d 'confirm=not+the+same+one' "$url/login/change")" 200 "change with a wrong confirmation"
grep -q "not the same" "$WORK/ch.b" || fail "no error for a wrong confirmation"
assert_eq "$(req ch 4 -H "Cookie: carerhub_session=$sid" --data-urlencode "csrf=$csrf" \
    --data-urlencode "password=$first" -d 'new_password=a+new+password+of+mine' \
    -d 'confirm=a+new+password+of+mine' "$url/login/change")" 303 "change"
old=$sid
sid=$(sid_of ch)
[ -n "$sid" ] && [ "$sid" != "$old" ] || fail "no new session after the change"
assert_eq "$(req h 4 -H "Cookie: carerhub_session=$sid" "$url/")" 200 "/ after the change"
cli user list | grep -q '^b.first .* active' || fail "b.first not active: $(cli user list)"

note "an oversized body: 413, and the daemon still serves"
head -c 70000 /dev/zero | tr '\0' a >"$WORK/big"
assert_eq "$(req big 5 -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary @"$WORK/big" "$url/login")" 413 "a 70000-byte body"
grep -q "too large" "$WORK/big.b" || fail "413 page: $(cat "$WORK/big.b")"
assert_eq "$(req get 5 "$url/login")" 200 "GET /login after the large body"
printf 'csrf=x&user=%%00' >"$WORK/nul"
req n 5 -H "Cookie: carerhub_session=$(sid_of get)" --data-binary @"$WORK/nul" \
    -H 'Content-Type: application/x-www-form-urlencoded' "$url/login" >"$WORK/st"
assert_eq "$(cat "$WORK/st")" 400 "a NUL in a field"
grep -q "NUL character" "$WORK/n.b" || fail "400 page: $(cat "$WORK/n.b")"
assert_eq "$(req n 5 -H "Cookie: carerhub_session=$(sid_of get)" -d 'user=%C3%28' "$url/login")" \
    400 "bad UTF-8 in a field"
grep -q "not valid UTF-8" "$WORK/n.b" || fail "400 page: $(cat "$WORK/n.b")"

note "a client sending a byte a second is cut off; others are served meanwhile"
port=${url##*:}
python3 - "$port" >"$WORK/slow" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), source_address=("127.0.0.6", 0))
t0 = time.time()
for b in b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 60:
    try:
        s.send(bytes([b]))
        s.settimeout(1.0)
        if s.recv(100) == b"":
            break
    except socket.timeout:
        continue
    except OSError:
        break
print("%.1f" % (time.time() - t0))
PY
slow=$!
sleep 1
for i in 1 2 3; do
    t0=$(date +%s%N)
    assert_eq "$(req busy 7 "$url/login")" 200 "GET /login while a client is slow"
    [ $((($(date +%s%N) - t0) / 1000000)) -lt 1000 ] || fail "GET /login took over 1 s meanwhile"
    sleep 0.5
done
wait $slow
secs=$(cat "$WORK/slow")
[[ $secs =~ ^[0-9]+\.[0-9]$ ]] || fail "slow client: $secs"
awk -v s="$secs" 'BEGIN { exit !(s >= 2.5 && s < 8) }' ||
    fail "the slow client was cut off after $secs s (the limit is 3 s)"
grep -q "a connection was cut off" "$hub/logs/web.log" || fail "no log line for the cut"

note "after the window, the right password logs in"
# What is left of the window from the first failure (with 2 s to spare).
left=$((thr0 + 62 - $(date +%s)))
note "sleeping the last ${left} s of the window"
if [ "$left" -gt 0 ]; then sleep "$left"; fi
login t.target 'target password 4' 8
assert_eq "$st" 303 "the right password after the window"
assert_eq "$(req h 8 -H "Cookie: carerhub_session=$sid" "$url/")" 200 "/ after the window"

note "beyond loopback only with a certificate; with one, HTTPS, HSTS and a Secure cookie"
"$top/deploy/local-hub" stop "$hub" web >/dev/null || fail "web did not stop cleanly"
[ -e "$hub/data/web/url" ] && fail "data/web/url left after a clean stop"
sed -i 's/^  listen: 127.0.0.1:0$/  listen: 0.0.0.0:0/' "$hub/carerhub.yaml"
"$bin/carerhub-web" -c "$hub/carerhub.yaml" -n >"$WORK/n" 2>&1
assert_eq $? 78 "carerhub-web -n listening on 0.0.0.0 without TLS"
grep -q "0.0.0.0:0 is not a loopback address.*refusing to listen" "$WORK/n" || fail "-n: $(cat "$WORK/n")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$hub/web-key.pem" -out "$hub/web-cert.pem" \
    -days 2 -subj /CN=127.0.0.1 >/dev/null 2>&1 || fail "openssl could not make a certificate"
chmod 600 "$hub/web-key.pem"
sed -i 's/^  listen: 0.0.0.0:0$/  listen: 127.0.0.1:0\n  tls_cert: web-cert.pem\n  tls_key: web-key.pem/' \
    "$hub/carerhub.yaml"
"$bin/carerhub-web" -c "$hub/carerhub.yaml" -n >"$WORK/n" 2>&1 || fail "-n with TLS: $(cat "$WORK/n")"
hub_start web
url=$("$top/deploy/local-hub" status "$hub" | sed -n 's/^web: //p')
[[ $url =~ ^https://127\.0\.0\.1:[0-9]+$ ]] || fail "with TLS, the URL is '$url'"
assert_eq "$(req tls 1 --cacert "$hub/web-cert.pem" "$url/login")" 200 "GET /login over HTTPS"
assert_eq "$(hdr tls Strict-Transport-Security)" "max-age=31536000" "HSTS"
hdr tls Set-Cookie | grep -q '^__Host-carerhub_session=[A-Za-z0-9_-]\{43\}; HttpOnly; SameSite=Strict; Path=/; Secure$' ||
    fail "cookie under TLS: $(hdr tls Set-Cookie)"
# A session under TLS is found by the __Host- cookie alone: the same id
# planted without the prefix (as a sibling subdomain could) is no session.
tsid=$(hdr tls Set-Cookie | sed -n 's/^__Host-carerhub_session=\([^;]*\);.*/\1/p')
tcsrf=$(csrf_of tls)
assert_eq "$(req tl 1 --cacert "$hub/web-cert.pem" -H "Cookie: carerhub_session=$tsid" \
    --data-urlencode "csrf=$tcsrf" -d 'user=a.patel&password=correct+horse+battery' "$url/login")" \
    403 "POST /login over HTTPS with the cookie unprefixed"
assert_eq "$(req tl 1 --cacert "$hub/web-cert.pem" -H "Cookie: __Host-carerhub_session=$tsid" \
    --data-urlencode "csrf=$tcsrf" -d 'user=a.patel&password=correct+horse+battery' "$url/login")" \
    303 "POST /login over HTTPS with the __Host- cookie"
assert_eq "$(req plain 1 "http://${url#https://}/login")" 000 "plain HTTP to the HTTPS port"

grep -q "correct horse\|wrong password\|target password\|colleague password\|$first" "$hub/logs/web.log" &&
    fail "a password in the log"
hub_stop
echo "ok"
