#!/usr/bin/python3
"""What bad input and bad actors get from the web front door, over plain
HTTP (python3 http.client, no browser); tests/integration/t_web_attacks.sh
runs it against the real daemons and checks the hub's side.

    web_attacks.py STEP URL --user U --password P [options]

Steps (each exits 1 saying what is wrong):
  csrf       POSTs to /login, /refer/gp and /logout without a csrf field,
             with a wrong one and with another session's: 403 each, and
             the session still works after.
  fixation   the session id from before login is refused after it.
  script     script in every field of the GP form: the error page and the
             success page show it escaped, never as markup; --out FILE gets
             the referral id of the accepted one.
  oversized  a body over --limit bytes: 413, and the daemon still serves.
  throttle   --attempts wrong passwords for the user from --from: refused
             fast (no password hashing) once throttled, the right password
             too; another user meanwhile logs in (--other U:P); after
             --window seconds the user logs in.
  twice      the same form (one token) sent twice: the same referral id;
             other answers with that token: not a new referral. --out FILE.
  status     GET --path: prints the status (and 'body' lines with --show).
"""
import argparse
import html
import html.parser
import http.client
import re
import statistics
import sys
import time
import urllib.parse

from web_answers import ANSWERS

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


class Client:
    """One browser's worth of HTTP: a connection from a loopback address,
    the session cookie kept as a browser keeps it."""

    def __init__(self, base, source="127.0.0.1"):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.source = u.hostname, u.port, source
        self.conn = None
        self.sid = None

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=20,
                                               source_address=(self.source, 0))

    def req(self, method, path, fields=None, body=None, sid=None, keep_cookie=True):
        """(status, headers dict lower-cased, body text)."""
        headers = {}
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True).encode()
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        cookie = sid if sid is not None else self.sid
        if cookie:
            headers["Cookie"] = f"carerhub_session={cookie}"
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                text = r.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        m = re.match(r"carerhub_session=([^;]*)", hdrs.get("set-cookie", ""))
        if m and keep_cookie:
            self.sid = m.group(1) or None
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return r.status, hdrs, text

    @staticmethod
    def field(text, name):
        m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), text)
        return html.unescape(m.group(1)) if m else None

    def login(self, user, password):
        st, _, text = self.req("GET", "/login")
        check(st == 200, f"GET /login: {st}")
        st, h, text = self.req("POST", "/login", {"csrf": self.field(text, "csrf"), "user": user,
                                                  "password": password})
        check(st == 303 and h.get("location") in ("/", "/login/change"),
              f"{user} could not log in: {st} {h.get('location')} {text[:300]}")
        return h.get("location")

    def form(self, path="/refer/gp"):
        """GETs a form: (csrf, token)."""
        st, _, text = self.req("GET", path)
        check(st == 200, f"GET {path}: {st}")
        return self.field(text, "csrf"), self.field(text, "token")


def gp_fields(csrf, token, **changes):
    """The GP sample's answers as a browser posts them."""
    f = [("csrf", csrf), ("token", token)] if csrf is not None else [("token", token)]
    answers = dict(ANSWERS["gp"])
    answers.update(changes)
    for k, v in answers.items():
        for one in v if isinstance(v, list) else [v]:
            f.append((k, one))
    return f


def referral_id(text):
    m = re.search(r"Its reference is <strong>(GP-[A-Za-z0-9-]+)</strong>", text)
    return m.group(1) if m else None


# --- steps -----------------------------------------------------------------


def step_csrf(a):
    c = Client(a.url)
    st, _, text = c.req("GET", "/login")
    good = c.field(text, "csrf")
    creds = {"user": a.user, "password": a.password}
    for what, fields in (("no csrf field", creds), ("a wrong csrf", dict(creds, csrf=good[:-1] + (
            "A" if good[-1] != "A" else "B"))), ("an empty csrf", dict(creds, csrf=""))):
        st, _, text = c.req("POST", "/login", fields)
        check(st == 403, f"POST /login with {what}: {st}, expected 403")
    st, _, _ = c.req("POST", "/login", dict(creds, csrf=good), sid="")
    check(st == 403, f"POST /login with its csrf but no session cookie: {st}, expected 403")
    print("ok: POST /login without csrf, with a wrong or empty one, or without the session: 403")

    other = Client(a.url)
    other.login(a.user, a.password)
    other_csrf, _ = other.form()
    c.login(a.user, a.password)
    csrf, token = c.form()
    check(csrf and csrf != other_csrf, "two sessions have the same csrf token")
    for what, value in (("no csrf field", None), ("a wrong csrf", "x" * len(csrf)),
                        ("another session's csrf", other_csrf)):
        st, _, text = c.req("POST", "/refer/gp", gp_fields(value, token))
        check(st == 403, f"POST /refer/gp with {what}: {st}, expected 403")
        check(referral_id(text) is None, f"POST /refer/gp with {what} sent a referral")
    st, h, _ = c.req("POST", "/logout", {})
    check(st == 403, f"POST /logout without csrf: {st}, expected 403")
    st, _, _ = c.req("GET", "/referrals")
    check(st == 200, f"the session after refused POSTs: GET /referrals {st}")
    print("ok: POST /refer/gp and /logout without csrf, with a wrong one or another session's: "
          "403; the session still works")


def step_fixation(a):
    c = Client(a.url)
    c.req("GET", "/login")
    pre = c.sid
    check(pre, "GET /login set no session cookie")
    c.login(a.user, a.password)
    check(c.sid and c.sid != pre, "logging in kept the session id from before")
    for path in ("/", "/referrals", "/refer/gp"):
        st, h, _ = c.req("GET", path, sid=pre, keep_cookie=False)
        check(st == 303 and h.get("location") == "/login",
              f"GET {path} with the id from before login: {st} {h.get('location')}")
        st, _, _ = c.req("GET", path)
        check(st == 200, f"GET {path} with the new id: {st}")
    print("ok: the session id from before login is refused after it (303 to /login)")


class Markup(html.parser.HTMLParser):
    """Elements a browser would build from a page: script elements,
    event-handler attributes, and every input's value as a browser reads it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts, self.handlers, self.values = 0, [], {}
        self._area = None

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if tag == "script":
            self.scripts += 1
        self.handlers += [f"<{tag} {k}>" for k, _ in attrs if k.startswith("on")]
        if tag == "img":
            self.handlers.append("<img>")
        if tag == "input" and d.get("type") == "text":
            self.values[d.get("name")] = d.get("value")
        if tag == "textarea":
            self._area = d.get("name")
            self.values[self._area] = ""

    def handle_data(self, data):
        if self._area:
            self.values[self._area] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._area = None


def escaped(text, what):
    """Fails unless text holds no payload as markup."""
    for p in PAYLOADS:
        check(p not in text, f"{what}: '{p}' is in the page raw")
    check("<img" not in text and "<script" not in text.lower(), f"{what}: markup from a field")
    m = Markup()
    m.feed(text)
    check(m.scripts == 0 and not m.handlers,
          f"{what}: a browser would build {m.scripts} script(s) and {m.handlers}")
    return m


FREE_TEXT = ("carer.given_name", "carer.family_name", "carer.address", "carer.language",
             "cared_for.relationship", "referrer.name")


def step_script(a):
    c = Client(a.url)
    c.login(a.user, a.password)
    for p in PAYLOADS:
        # Everything typed is the script: text fields, and the values of
        # radios, checkboxes and the list, as a forged request sends them.
        csrf, token = c.form()
        # The third person cared for too, whom the sample card leaves out:
        # every input of the form is typed.
        typed = dict(ANSWERS["gp"], **{"cared_for[3].relationship": "",
                                       "cared_for[3].conditions": []})
        st, _, text = c.req("POST", "/refer/gp", gp_fields(
            csrf, token, **{k: p if not isinstance(v, list) else [p] for k, v in
                            typed.items()}))
        check(st == 200 and "There is a problem" in text, f"script everywhere: {st} {text[:300]}")
        check(referral_id(text) is None, "script everywhere was accepted")
        m = escaped(text, f"the error page for {p}")
        text_inputs = [k for k in m.values if k not in ("csrf", "token")]
        check(len(text_inputs) >= 12, f"only {len(text_inputs)} text inputs on the error page")
        for k in text_inputs:
            check(m.values[k] == p, f"{k}: kept as '{m.values[k]}', '{p}' was typed")
        print(f"ok: {p} in every field: the error page shows it escaped in all "
              f"{len(text_inputs)} text inputs and the messages, as typed")
    # Script in the free-text fields of a referral that is otherwise right.
    csrf, token = c.form()
    st, _, text = c.req("POST", "/refer/gp", gp_fields(
        csrf, token, **{k: f"{PAYLOADS[i % 2]} {ANSWERS['gp'][k]}" for i, k in
                        enumerate(FREE_TEXT)}))
    rid = referral_id(text)
    check(st == 200 and rid, f"script in the free-text fields: not sent: {st} {text[:1500]}")
    escaped(text, "the success page")
    st, _, page = c.req("GET", f"/referrals/{rid}")
    check(st == 200, f"GET /referrals/{rid}: {st}")
    escaped(page, f"/referrals/{rid}")
    with open(a.out, "w") as f:
        f.write(rid + "\n")
    print(f"ok: script in the free-text fields of a right card: {rid}; the success page and "
          f"/referrals/{rid} hold no markup from it")


def step_oversized(a):
    c = Client(a.url)
    c.login(a.user, a.password)
    csrf, token = c.form()
    fields = gp_fields(csrf, token, **{"carer.address": "x" * (a.limit + 1)})
    st, _, text = c.req("POST", "/refer/gp", fields)
    check(st == 413, f"a body of {a.limit + 1}+ bytes: {st}, expected 413")
    check(referral_id(text) is None, "the oversized body was sent as a referral")
    st, _, text = Client(a.url).req("POST", "/login", body=b"user=" + b"y" * (4 * a.limit))
    check(st == 413, f"an oversized POST /login before any session: {st}, expected 413")
    st, _, _ = Client(a.url).req("GET", "/login")
    check(st == 200, f"after the oversized bodies GET /login: {st}")
    st, _, _ = c.req("GET", "/referrals")
    check(st in (200,), f"after the oversized bodies, the session: GET /referrals {st}")
    print(f"ok: bodies over {a.limit} bytes: 413; the daemon still serves")


def timed_login(c, csrf, user, password):
    t = time.monotonic()
    st, _, text = c.req("POST", "/login", {"csrf": csrf, "user": user, "password": password})
    return st, time.monotonic() - t, text


def step_throttle(a):
    c = Client(a.url, a.source)
    _, _, text = c.req("GET", "/login")
    csrf = c.field(text, "csrf")
    times, statuses, said = [], [], set()
    start = time.monotonic()
    for i in range(a.attempts):
        st, dt, text = timed_login(c, csrf, a.user, f"not the password {i}")
        check(st in (200, 429), f"wrong password {i + 1}: status {st}")
        times.append(dt)
        statuses.append(st)
        said.add("too many" if "too many attempts" in text else
                 "not right" if "The user name or password is not right" in text else text[:200])
        csrf = c.field(text, "csrf") or csrf
    took = time.monotonic() - start
    first = statuses.index(429) if 429 in statuses else None
    check(first == a.allowed, f"throttled from attempt {first and first + 1}, expected after "
                              f"{a.allowed} failures")
    check(all(s == 429 for s in statuses[first:]), "an attempt after the throttle was not refused")
    hashing = statistics.median(times[:first])
    refused = statistics.median(times[first:])
    print(f"ok: {a.attempts} wrong passwords in {took:.1f} s: the first {first} checked "
          f"(median {hashing * 1000:.1f} ms), the other {a.attempts - first} refused "
          f"(median {refused * 1000:.2f} ms, slowest {max(times[first:]) * 1000:.1f} ms)")
    check(said == {"not right", "too many"}, f"the answers said {said}")
    # Refused without hashing: Argon2id costs tens of milliseconds (and
    # 64 MiB); a refusal that checked the password would cost as much.
    check(refused * 4 < hashing, f"throttled attempts take {refused * 1000:.1f} ms, a checked "
                                 f"one {hashing * 1000:.1f} ms: refused attempts are hashed")
    st = timed_login(c, csrf, a.user, a.password)[0]
    check(st == 429, f"the right password while throttled: {st}, expected 429")
    # From elsewhere, the account is held too; another account is not.
    elsewhere = Client(a.url, a.elsewhere)
    _, _, t2 = elsewhere.req("GET", "/login")
    st, _, _ = timed_login(elsewhere, elsewhere.field(t2, "csrf"), a.user, a.password)
    check(st == 429, f"the right password from {a.elsewhere} while throttled: {st}")
    ouser, opw = a.other.split(":", 1)
    check(Client(a.url, a.elsewhere).login(ouser, opw) == "/", f"{ouser} could not log in")
    print(f"ok: the right password is refused while throttled, from {a.source} and "
          f"{a.elsewhere}; {ouser} logs in meanwhile")
    if a.window <= 0:
        print("ok: the wait for the window is t_web_http's (--window 0)")
        return
    left = a.window - (time.monotonic() - start) + 1.5
    if left > 0:
        time.sleep(left)
    c2 = Client(a.url, a.source)
    check(c2.login(a.user, a.password) == "/", f"{a.user} after the window")
    print(f"ok: after the window ({a.window:.0f} s) {a.user} logs in from {a.source}")


def step_twice(a):
    c = Client(a.url)
    c.login(a.user, a.password)
    csrf, token = c.form()
    fields = gp_fields(csrf, token, **{"carer.family_name": "Twice"})
    ids = []
    for n in (1, 2):
        st, _, text = c.req("POST", "/refer/gp", fields)
        ids.append(referral_id(text))
        check(st == 200 and ids[-1], f"sending {n}: {st} {text[:500]}")
    check(ids[0] == ids[1], f"the same form sent twice got {ids}")
    st, _, text = c.req("POST", "/refer/gp", gp_fields(csrf, token, **{
        "carer.family_name": "Another", "carer.postcode": "CO1 1AA"}))
    check(referral_id(text) is None, f"other answers with the same token were sent: "
                                     f"{referral_id(text)}")
    check("sent before" in text, f"other answers with the same token: {text[:800]}")
    with open(a.out, "w") as f:
        f.write(ids[0] + "\n")
    print(f"ok: the same form twice: {ids[0]} both times; other answers with its token were "
          f"not sent and the page says why")


def step_status(a):
    c = Client(a.url)
    c.login(a.user, a.password)
    st, _, text = c.req("GET", a.path)
    print(f"status {st}")
    if a.show:
        for line in re.sub(r"<[^>]+>", " ", text).split("\n"):
            if line.strip():
                print("body", line.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("csrf", "fixation", "script", "oversized", "throttle",
                                     "twice", "status"))
    ap.add_argument("url")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--out")
    ap.add_argument("--path")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--limit", type=int, default=65536)
    ap.add_argument("--attempts", type=int, default=1000)
    ap.add_argument("--allowed", type=int, default=5)
    ap.add_argument("--window", type=float, default=60)
    ap.add_argument("--from", dest="source", default="127.0.0.1")
    ap.add_argument("--elsewhere", default="127.0.0.9")
    ap.add_argument("--other", default="")
    a = ap.parse_args()
    try:
        globals()["step_" + a.step](a)
    except Failed as e:
        print(f"FAILED: {a.step}: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
