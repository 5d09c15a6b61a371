"""A person at carerhub-web, as tests and benchmarks drive it: one HTTP/1.1
connection (python3 http.client, kept alive), one session cookie, the
CSRF field and the idempotency token read from each form as a browser
would. Used by the fault campaign's web-kills phase and the web benchmark.

The web front door's address is read from DIR/data/web/url (written by
carerhub-web once it listens; local-hub removes it before a restart), so
a client finds a restarted daemon on whatever port it now has."""

import datetime
import http.client
import os
import re
import time
import urllib.parse

COOKIE = "carerhub_session"
_CSRF = re.compile(r'name="csrf" value="([^"]*)"')
_TOKEN = re.compile(r'name="token" value="([^"]*)"')
_ID = re.compile(r"Its reference is <strong>([^<]+)</strong>")
_ERROR = re.compile(r'class="error-message"[^>]*>(?:<span[^>]*>[^<]*</span>)?\s*([^<]*)')


class NoAnswer(Exception):
    """No answer came. sent: the request may have reached the daemon (not
    when the connection was refused)."""

    def __init__(self, text, sent=True):
        super().__init__(text)
        self.sent = sent


class Refused(Exception):
    """An answer, but not the one a person was after (status, page text)."""

    def __init__(self, status, text):
        super().__init__("HTTP %d: %s" % (status, text))
        self.status = status


def web_url(hub, wait_s=0.0):
    """The address in hub/data/web/url, waiting up to wait_s for it."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with open(os.path.join(hub, "data", "web", "url")) as f:
                url = f.readline().strip()
            if url:
                return url
        except OSError:
            pass
        if time.monotonic() >= deadline:
            raise NoAnswer("no address in %s/data/web/url" % hub, sent=False)
        time.sleep(0.05)


class Client:
    def __init__(self, url, user, password, timeout=10.0, source=None):
        """source: the address to connect from (127.0.0.N keeps each client
        within the daemon's connections per address)."""
        self.user, self.password, self.timeout, self.source = user, password, timeout, source
        self.sid = None
        self.conn = None
        self.connect(url)

    def connect(self, url):
        u = urllib.parse.urlsplit(url)
        self.url = url
        if self.conn:
            self.conn.close()
        self.conn = http.client.HTTPConnection(
            u.hostname, u.port, timeout=self.timeout,
            source_address=(self.source, 0) if self.source else None,
        )
        self.sid = None

    def twin(self, url):
        """The same session on a connection of its own (a second click sent
        while the first is in flight)."""
        t = Client(url, self.user, self.password, self.timeout, self.source)
        t.sid = self.sid
        return t

    def close(self):
        if self.conn:
            self.conn.close()

    def request(self, method, path, fields=None):
        """(status, Location, body text); NoAnswer when no answer came."""
        headers = {}
        body = None
        if self.sid:
            headers["Cookie"] = "%s=%s" % (COOKIE, self.sid)
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body, headers)
            r = self.conn.getresponse()
            text = r.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as e:
            # A connection reset, refused or closed before the answer: the
            # next request opens a new one.
            self.conn.close()
            raise NoAnswer(
                "%s %s: %s" % (method, path, e or type(e).__name__),
                sent=not isinstance(e, ConnectionRefusedError),
            )
        m = re.match(COOKIE + "=([^;]*)", r.getheader("Set-Cookie") or "")
        if m:
            self.sid = m.group(1)
        return r.status, r.getheader("Location"), text

    def login(self):
        st, _, page = self.request("GET", "/login")
        m = _CSRF.search(page)
        if st != 200 or not m:
            raise Refused(st, "GET /login gave no form")
        st, loc, page = self.request(
            "POST", "/login", [("csrf", m.group(1)), ("user", self.user), ("password", self.password)]
        )
        if st != 303 or loc != "/":
            raise Refused(st, "log in as %s: %s" % (self.user, errors(page) or loc))

    def form(self, path):
        """A fresh form: (csrf, token). Logs in first when need be."""
        st, loc, page = self.request("GET", path)
        if st == 303 and loc == "/login":
            self.login()
            st, loc, page = self.request("GET", path)
        m, t = _CSRF.search(page), _TOKEN.search(page)
        if st != 200 or not m or not t:
            raise Refused(st, "GET %s gave no form" % path)
        return m.group(1), t.group(1)

    def submit(self, path, csrf, token, answers):
        """POSTs the form; the referral id of the answer page, or Refused."""
        st, loc, page = self.request("POST", path, [("csrf", csrf), ("token", token)] + answers)
        m = _ID.search(page)
        if st == 200 and m:
            return m.group(1)
        raise Refused(st, errors(page) or loc or "no referral id on the page")


def errors(page):
    """The messages beside the fields of a page, joined."""
    return "; ".join(e.strip() for e in _ERROR.findall(page) if e.strip())


PCS = ["CM2", "CM16", "CO1", "SS1", "CM1", "SS14", "CO15", "CB11", "RM17"]


def gp_answers(n, family="Web"):
    """The yellow card's answers for carer n: a carer of their own (the
    family name family+n), in one of the Essex districts."""
    today = datetime.date.today().isoformat()
    return [
        ("carer.given_name", "Form"),
        ("carer.family_name", "%s%d" % (family, n)),
        ("carer.date_of_birth", "1958-%02d-%02d" % (n % 12 + 1, n % 28 + 1)),
        ("carer.postcode", "%s %dAB" % (PCS[n % len(PCS)], n % 9 + 1)),
        ("carer.phone", "07700 900000"),
        ("cared_for.relationship", "spouse"),
        ("cared_for.conditions", "dementia"),
        ("cared_for.conditions", "frailty"),
        ("consent.share_with_support_service", "true"),
        ("consent.given_by", "carer"),
        ("consent.date", today),
        ("record_carer_on_gp_record", "true"),
        ("referrer.name", "Web Test"),
        ("referrer.phone", "01245 000000"),
    ]
