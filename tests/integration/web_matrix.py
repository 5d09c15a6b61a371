#!/usr/bin/python3
"""The web front door's authorisation matrix, over plain HTTP (python3
http.client), against the real daemons (t_web_matrix.sh starts them and
makes the users and cases).

    web_matrix.py URL --password P --case-provider C --case-triage C
        --case-other C --out FILE

Every page (GET) and every action (POST, with a valid CSRF token of the
session it is sent in) against every kind of account and nobody logged
in. Who may use what is written out below by hand, from issue 17 and
DESIGN.md ("The web front door"), not read from the route table: the
route table in services/web/web_http.c is read only to fail when it has a
route this matrix does not try. An allowed cell must give that page's
own answer (its heading, its type, or the redirect its action leads to);
a refused one the refusal's own 403 page ("Your account cannot use this
page."), not the page; nobody logged in (a session that has only been to
/login, for its CSRF token) is sent to /login. The
matrix is printed as a table, each cell what came back, "!" beside any
cell that is not what it should be.

Then another organisation's ids: a GP of another practice at /referrals/ID
of F81001's referral, and Carers First's case worker at /inbox/ID (GET and
POST) of Essex Carers Support's case, each get the same 404 page as an id
that does not exist, naming nothing of it; Carers First's case page has no
"assign" form (triage's has), and an assign crafted by hand is refused.
The referral ids the allowed forms made are written to FILE (source id,
one a line) for the shell to check against the audit trail. Exit 1 with
every failure listed.
"""
import argparse
import datetime
import http.client
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from web_answers import ANSWERS  # noqa: E402  (the referral forms' answers)

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
COOKIE = "carerhub_session"
TODAY = datetime.date.today().isoformat()

# The accounts, one column each: who they are and what they may do.
COLS = [
    ("gp", "a.patel"),           # GP practice F81001
    ("hospital", "m.ali"),       # trust RAJ
    ("school", "j.taylor"),      # school 115000
    ("provider", "p.khan"),      # Carers First, a support organisation
    ("triage", "t.reid"),        # Essex Wellbeing Service, triage
    ("commissioner", "c.ross"),
    ("operator", "o.ps"),
    ("nobody", None),            # not logged in
]

# Y: allowed, the row's own answer. .: refused: 403 for an account, a
# redirect to /login for nobody. H: logged in already: /login leads home.
# B: an API client's bearer token only: 401 for every session.
#          gp hosp school prov triage comm oper nobody
PAGES = [
    ("/",                  "Y Y Y Y Y Y Y ."),
    ("/login",             "H H H H H H H Y"),
    ("/login/change",      "Y Y Y Y Y Y Y ."),
    ("/setup",             "Y Y Y Y Y Y Y Y"),
    ("/help",              "Y Y Y Y Y Y Y Y"),
    ("/style.css",         "Y Y Y Y Y Y Y Y"),
    ("/report.css",        "Y Y Y Y Y Y Y Y"),
    ("/refer/gp",          "Y . . . . . . ."),
    ("/refer/discharge",   ". Y . . . . . ."),
    ("/refer/school",      ". . Y . . . . ."),
    ("/referrals",         "Y Y Y . . . . ."),
    ("/referrals/ID",      "Y Y Y . . . . ."),
    ("/inbox",             ". . . Y Y . . ."),
    ("/inbox.csv",         ". . . Y Y . . ."),
    ("/inbox/ID",          ". . . Y Y . . ."),
    ("/report",            ". . . . . Y Y ."),
    ("/report.csv",        ". . . . . Y Y ."),
    ("/ops",               ". . . . . . Y ."),
    ("/ops/case/ID",       ". . . . . . Y ."),
    # Every column connects from 127.0.0.N, a loopback address: the
    # metrics need no login there (t_metrics.sh tries other addresses).
    ("/metrics",           "Y Y Y Y Y Y Y Y"),
    # The FHIR interface: its CapabilityStatement for anyone; the rest for
    # an API client's bearer token only, never a session (t_fhir.sh tries
    # the tokens).
    ("/fhir/r4/metadata",  "Y Y Y Y Y Y Y Y"),
    ("/fhir/r4/ServiceRequest/ID", "B B B B B B B B"),
]
ACTIONS = [
    ("/login",             "Y Y Y Y Y Y Y Y"),
    ("/login/change",      "Y Y Y Y Y Y Y ."),
    ("/setup",             "Y Y Y Y Y Y Y Y"),
    ("/help",              "Y Y Y Y Y Y Y Y"),
    ("/refer/gp",          "Y . . . . . . ."),
    ("/refer/discharge",   ". Y . . . . . ."),
    ("/refer/school",      ". . Y . . . . ."),
    ("/inbox/ID",          ". . . Y Y . . ."),
    ("/ops/parked",        ". . . . . . Y ."),
    ("/ops/conflict",      ". . . . . . Y ."),
    ("/fhir/r4/ServiceRequest", "B B B B B B B B"),
    ("/logout",            "Y Y Y Y Y Y Y ."),  # last: it ends the session
]
SOURCE_OF = {"/refer/gp": "gp", "/refer/discharge": "discharge", "/refer/school": "school"}
REFUSED = "Your account cannot use this page."


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.body = status, body
        self.location = headers.get("location")
        self.type = headers.get("content-type", "")

    def h1(self):
        m = re.search(r"<h1[^>]*>(.*?)</h1>", self.body, re.S)
        return re.sub(r"<[^>]*>", "", m.group(1)).strip() if m else None

    def main(self):
        m = re.search(r"<main.*?</main>", self.body, re.S)
        return m.group(0) if m else self.body

    def errors(self):
        return re.findall(r'<li><a href="#[^"]*">([^<]*)</a></li>', self.body)

    def field(self, name):
        m = re.search(r'name="%s" value="([^"]*)"' % name, self.body)
        return m.group(1) if m else None


class Session:
    """One person's browser: a connection, a session cookie."""

    def __init__(self, url, user=None, password=None, source=None):
        """source: the address to connect from: one of 127.0.0.N each, as
        people at their own computers, within the connections the daemon
        takes from one address."""
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30,
                                               source_address=(source, 0) if source else None)
        self.sid = None
        self.user = user
        if user:
            a = self.get("/login")
            a = self.post("/login", [("csrf", a.field("csrf")), ("user", user),
                                     ("password", password)])
            if a.status != 303 or a.location != "/":
                raise SystemExit(f"FAILED: {user} cannot log in: {a.status} {a.location}")
        else:
            self.get("/login")  # a session not logged in, and its CSRF token

    def request(self, method, path, fields=None):
        headers = {"Cookie": f"{COOKIE}={self.sid}"} if self.sid else {}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body, headers)
        r = self.conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        m = re.match(COOKIE + "=([^;]*)", r.getheader("Set-Cookie") or "")
        if m:
            self.sid = m.group(1)
        return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, text)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        return self.request("POST", path, fields)

    def csrf(self):
        """The session's CSRF token, as its pages' forms carry it."""
        t = self.get("/login" if not self.user else "/").field("csrf")
        if not t:
            raise SystemExit(f"FAILED: no CSRF token in {self.user or 'nobody'}'s pages")
        return t


def form_fields(answers):
    out = []
    for k, v in answers.items():
        out += [(k, x) for x in v] if isinstance(v, list) else [(k, v)]
    return out


class Matrix:
    def __init__(self, a):
        self.a = a
        self.made = {}  # source -> the referral id its allowed form made
        self.s = {role: Session(a.url, user, a.password, f"127.0.0.{10 + i}")
                  for i, (role, user) in enumerate(COLS)}
        self.failures = []
        self.table = []  # (method, path, [cell text])

    # --- per account, the ids its cells use -------------------------------

    def own_case(self, role):
        return self.a.case_triage if role == "triage" else self.a.case_provider

    def own_referral(self, role):
        src = {"gp": "gp", "hospital": "discharge", "school": "school"}.get(role, "gp")
        return self.made.get(src, "GP-ZZZZZZ-1")  # none made: a failure already

    def path_of(self, path, role):
        if path == "/referrals/ID":
            return "/referrals/" + self.own_referral(role)
        if path == "/fhir/r4/ServiceRequest/ID":
            return "/fhir/r4/ServiceRequest/" + self.own_referral(role)
        if path == "/inbox/ID":
            return "/inbox/" + self.own_case(role)
        if path == "/ops/case/ID":
            return "/ops/case/" + self.a.case_provider
        if path == "/setup":
            return "/setup?user=n.new&token=not-a-real-token"
        return path

    # --- what an allowed cell answers ---------------------------------------

    def page_ok(self, path, role, ans):
        """None if ans is the page's own answer, else what is wrong."""
        want = {
            "/": "What do you want to do?", "/login": "Log in",
            "/login/change": "Change your password", "/setup": "Set your password",
            "/help": "Are you looking after someone?",
            "/refer/gp": "Refer a carer: GP yellow card",
            "/refer/discharge": "Refer a carer: hospital discharge",
            "/refer/school": "Refer a young carer: school", "/referrals": "Your referrals",
            "/inbox": "Open cases", "/ops": "Operations",
        }
        if path in ("/style.css", "/report.css"):
            return None if ans.status == 200 and ans.type.startswith("text/css") else "not CSS"
        if path == "/fhir/r4/metadata":
            ok = ans.status == 200 and ans.type.startswith("application/fhir+json") and \
                '"CapabilityStatement"' in ans.body
            return None if ok else f"not the CapabilityStatement ({ans.status} {ans.type})"
        if path == "/metrics":
            ok = ans.status == 200 and ans.type.startswith("text/plain; version=0.0.4") and \
                'carerhub_up{daemon="router"} 1' in ans.body
            return None if ok else f"not the metrics ({ans.status} {ans.type})"
        if path in ("/inbox.csv", "/report.csv"):
            first = "case_id," if path == "/inbox.csv" else "section,"
            ok = ans.status == 200 and ans.type.startswith("text/csv") and \
                ans.body.startswith(first)
            return None if ok else f"not the CSV ({ans.type})"
        if path == "/report":
            want[path] = "Carers supported in Essex"
        if path == "/referrals/ID":
            want[path] = "Referral " + self.own_referral(role)
        if path in ("/inbox/ID", "/ops/case/ID"):
            want[path] = "Case " + (self.own_case(role) if path == "/inbox/ID"
                                    else self.a.case_provider)
        if ans.status != 200 or ans.h1() != want[path]:
            return f"expected 200 '{want[path]}', got {ans.status} '{ans.h1()}'"
        return None

    def action_fields(self, path, role, s):
        f = [("csrf", s.csrf())]
        if path in SOURCE_OF:
            src = SOURCE_OF[path]
            # The form's own idempotency token where the account has the
            # form; a token of the right shape from another's where not.
            form = s.get(path)
            token = form.field("token") or self.s[
                {"gp": "gp", "discharge": "hospital", "school": "school"}[src]].get(path).field(
                "token")
            return f + [("token", token)] + form_fields(ANSWERS[src])
        if path == "/inbox/ID":
            # A form with a fresh outcome id: accepted, today.
            return f + [("form", "record"), ("status", "accepted"), ("date", TODAY)]
        if path == "/ops/parked":
            return f + [("action", "release"), ("referral", "GP-ZZZZZZ-9")]
        if path == "/ops/conflict":
            return f + [("action", "keep_apart"), ("case", "C-999998"), ("other", "C-999999")]
        if path == "/setup":
            return f + [("user", "n.new"), ("token", "not-a-real-token")]
        return f  # /login, /login/change, /help: an empty form, its errors

    def action_ok(self, path, role, ans):
        if path in SOURCE_OF:
            m = re.search(r"Its reference is <strong>([^<]+)</strong>", ans.body)
            if ans.status != 200 or ans.h1() != "Referral sent" or not m:
                return f"expected 200 'Referral sent', got {ans.status} '{ans.h1()}'"
            self.made[SOURCE_OF[path]] = m.group(1)
            return None
        to = {"/inbox/ID": f"/inbox/{self.own_case(role)}",
              "/ops/parked": "/ops", "/ops/conflict": "/ops", "/logout": "/login?logged_out=1"}
        if path in to:
            ok = ans.status == 303 and ans.location == to[path]
            return None if ok else f"expected 303 to {to[path]}, got {ans.status} {ans.location}"
        # An empty form: the page again, its first error that of the first field.
        want = {"/login": ("Log in", "Enter your user name"),
                "/login/change": ("Change your password", "Enter your current password"),
                "/setup": ("Set your password", "Enter a new password"),
                "/help": ("Are you looking after someone?", "Tell us your name")}[path]
        errs = ans.errors()
        if ans.status != 200 or ans.h1() != want[0] or not errs or \
                not errs[0].startswith(want[1]):
            return f"expected 200 '{want[0]}' with '{want[1]}', got {ans.status} " \
                   f"'{ans.h1()}' {errs[:1]}"
        return None

    # --- one cell -------------------------------------------------------------

    def cell(self, method, path, role, sym):
        s = self.s[role]
        real = self.path_of(path, role)
        ans = s.post(real, self.action_fields(path, role, s)) if method == "POST" else s.get(real)
        if sym == "Y":
            why = (self.action_ok if method == "POST" else self.page_ok)(path, role, ans)
        elif sym == "B":
            # A session is nobody here: asked for a bearer token.
            ok = ans.status == 401 and ans.type.startswith("application/fhir+json") and \
                '"OperationOutcome"' in ans.body
            why = None if ok else "expected 401 with an OperationOutcome"
        elif sym == "H":
            why = None if ans.status == 303 and ans.location == "/" else "expected 303 to /"
        elif role == "nobody":
            why = None if ans.status == 303 and ans.location == "/login" else \
                "expected 303 to /login"
        else:
            # The refusal's own page, not the page with a refusal added.
            ok = ans.status == 403 and REFUSED in ans.body and \
                ans.h1() == "You cannot do that here"
            why = None if ok else f"expected 403 with '{REFUSED}'"
        shown = str(ans.status) + ("" if ans.status != 303 else
                                   " " + ("home" if ans.location == "/" else
                                          "login" if ans.location == "/login" else "->"))
        if why:
            self.failures.append(f"{method} {real} as {role}: {why} "
                                 f"(got {ans.status} {ans.location or ''} '{ans.h1()}')")
            shown += "!"
        return shown

    def row(self, method, path, syms):
        syms = syms.split()
        assert len(syms) == len(COLS), path
        cells = [self.cell(method, path, role, sym) for (role, _), sym in zip(COLS, syms)]
        self.table.append((method, path, cells))

    def run(self):
        # The actions first, so that each referrer's own referral exists
        # for /referrals/ID; logging out last of all.
        for path, syms in ACTIONS[:-1]:
            self.row("POST", path, syms)
        for path, syms in PAGES:
            self.row("GET", path, syms)
        others = OtherOrganisations(self)
        others.run()
        self.row("POST", *ACTIONS[-1])
        self.print_table()
        print("\n".join(others.said))
        self.failures += others.failures

    def print_table(self):
        heads = [role for role, _ in COLS]
        w = [max(len(h), 9) for h in heads]
        print(f"{'':5} {'':17} " + " ".join(h.ljust(n) for h, n in zip(heads, w)))
        for method, path, cells in sorted(self.table, key=lambda t: (t[0] != "GET",)):
            print(f"{method:5} {path:17} " + " ".join(c.ljust(n) for c, n in zip(cells, w)))
        print("(303 login: to /login; 303 home: to /; 303 ->: to where the action leads)")


class OtherOrganisations:
    """Ids of another organisation: 404, the same as an id that is none."""

    def __init__(self, m):
        self.m, self.failures, self.said = m, [], []

    def fail(self, text):
        self.failures.append(text)

    def same_404(self, who, path, ans, none, words):
        if ans.status != 404 or ans.main() != none.main():
            self.fail(f"{who} at {path}: {ans.status}, not the 404 of an id that is none "
                      f"({none.status})")
        for w in words:
            if w in ans.body:
                self.fail(f"{who} at {path}: the page names '{w}'")

    def run(self):
        a, m = self.m.a, self.m
        gp_ref = m.own_referral("gp")
        other = Session(a.url, "b.first", a.password, "127.0.0.30")  # GP practice F81002
        ans = other.get(f"/referrals/{gp_ref}")
        self.same_404("b.first (F81002)", f"/referrals/{gp_ref}", ans,
                      other.get("/referrals/GP-ZZZZZZ-1"), [gp_ref, "Carers First", "F81001"])
        if gp_ref in other.get("/referrals").body:
            self.fail(f"b.first's /referrals lists {gp_ref} of F81001")
        self.said.append(f"b.first (F81002) at /referrals/{gp_ref} (F81001's): {ans.status}")

        p = m.s["provider"]
        none = p.get("/inbox/C-999999")
        ans = p.get(f"/inbox/{a.case_other}")
        self.same_404("p.khan", f"GET /inbox/{a.case_other}", ans, none, ["Baker", "Mary"])
        ans = p.post(f"/inbox/{a.case_other}",
                     [("csrf", p.csrf()), ("form", "record"), ("status", "contacted"),
                      ("date", TODAY), ("note", "rang her")])
        self.same_404("p.khan", f"POST /inbox/{a.case_other}", ans, none, ["Baker", "Mary"])
        self.said.append(f"p.khan (Carers First) at /inbox/{a.case_other} (Essex Carers Support's): "
              f"GET and POST {ans.status}")

        # Assign is triage's: no form for Carers First, and one crafted is refused.
        mine = p.get(f"/inbox/{a.case_provider}")
        if 'name="form" value="assign"' in mine.body:
            self.fail(f"Carers First's page of {a.case_provider} has an assign form")
        if 'name="form" value="assign"' not in m.s["triage"].get(f"/inbox/{a.case_triage}").body:
            self.fail(f"triage's page of {a.case_triage} has no assign form")
        ans = p.post(f"/inbox/{a.case_provider}",
                     [("csrf", p.csrf()), ("form", "assign"), ("to", "afc"),
                      ("reason", "crafted by hand")])
        said = " ".join(re.sub(r"<[^>]*>", "", e) for e in re.findall(
            r'<div class="error-summary".*?</div>', ans.body, re.S))
        if ans.status == 303 or "Only Essex Wellbeing Service may assign a case" not in said:
            self.fail(f"an assign crafted by Carers First: {ans.status} {ans.location} "
                      f"'{said.strip()[:200]}'")
        self.said.append(f"p.khan's crafted assign of {a.case_provider}: {ans.status}, "
              f"'{' '.join(said.split())[:80]}'")


def routes_not_tried():
    """Routes of the route table (services/web/web_http.c) no row tries,
    as METHOD PATH."""
    src = open(os.path.join(TOP, "services", "web", "web_http.c")).read()
    table = re.findall(r'\{"(/[^"]*)", (WEB_GET \| WEB_POST|WEB_GET|WEB_POST),', src)
    if len(table) < 10:
        raise SystemExit("FAILED: cannot read the route table of services/web/web_http.c")
    tried = {("GET", p) for p, _ in PAGES} | {("POST", p) for p, _ in ACTIONS}
    missing = []
    for path, methods in table:
        for method in ("GET", "POST"):
            if "WEB_" + method not in methods:
                continue
            # A path ending in / (not the start page) is a prefix: /inbox/ID.
            prefix = len(path) > 1 and path.endswith("/")
            if not any(meth == method and (p == path or (prefix and p.startswith(path)))
                       for meth, p in tried):
                missing.append(f"{method} {path}")
    return missing


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--password", required=True)
    ap.add_argument("--case-provider", required=True, help="a case of Carers First")
    ap.add_argument("--case-triage", required=True, help="a case with triage")
    ap.add_argument("--case-other", required=True, help="a case of Essex Carers Support")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    missing = routes_not_tried()
    m = Matrix(a)
    m.run()
    with open(a.out, "w") as f:
        for src, rid in sorted(m.made.items()):
            f.write(f"{src} {rid}\n")
    fails = [f"route {r} is not in the matrix" for r in missing] + m.failures
    n = sum(len(c) for _, _, c in m.table)
    print(f"{n} cells, {len(m.table)} rows")
    if fails:
        sys.stderr.write("FAILED:\n  " + "\n  ".join(fails) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
