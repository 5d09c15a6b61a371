"""Shared by the web front door's browser tests (web_*.py): headless
Chromium driven as a person uses it, each page checked the same way.

A page is "looked at" (Browser.look) as a person and a screen reader meet
it: it has a title and one main heading; axe-core (the npm package, a test
tool only) finds no serious or critical violation of its WCAG 2.2 A and AA
rules on a desktop or at 320 px (the others are printed); 320 px wide,
the page does not scroll sideways; and screenshots are saved, NAME-desktop
.png (1280 px) and NAME-320.png, of the whole page. The HTTP status of each
page comes from the browser's own network log.

Needs chromium, chromium-driver and python3-selenium (Debian; tools/deps
installs them). A failure raises Failed with what a person would notice.
"""
import json
import os
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import browser

FAILING_IMPACTS = ("serious", "critical")


class Failed(Exception):
    """What a person would notice is wrong."""


def say(msg):
    print(msg, flush=True)


class Browser:
    """One headless Chromium at base (the web front door's URL)."""

    def __init__(self, base, shots, axe_js, prefix=""):
        self.base = base.rstrip("/")
        self.shots = shots
        self.prefix = prefix  # of every screenshot's name
        self.axe_source = open(axe_js).read() if axe_js else None
        self.looked = []  # names of the pages looked at
        self.d = browser.start()
        self.d.set_page_load_timeout(30)
        self.view(1280, 900)
        self.status = None

    def quit(self):
        self.d.quit()

    # --- the screen --------------------------------------------------------

    def view(self, width, height):
        browser.view(self.d, width, height)

    def screenshot(self, width, path):
        """The whole page at `width` CSS px, into path."""
        browser.screenshot(self.d, width, path)

    # --- going places --------------------------------------------------------

    def _document_status(self):
        """The status of the last page the browser loaded, from its log."""
        for entry in self.d.get_log("performance"):
            m = json.loads(entry["message"])["message"]
            if m.get("method") == "Network.responseReceived" and \
                    m["params"].get("type") == "Document":
                self.status = m["params"]["response"]["status"]
        return self.status

    def get(self, path):
        self._document_status()  # what went before
        self.status = None
        self.d.get(self.base + path)
        return self._document_status()

    def submit(self, button="button[type=submit]", within="main form"):
        """Clicks the submit button (of the form `within`, a CSS selector)
        and waits for the page that comes back; its status."""
        scope = self.d.find_element(By.CSS_SELECTOR, within) if within else self.d
        return self.click_and_wait(scope.find_element(By.CSS_SELECTOR, button))

    def click_and_wait(self, element):
        """Clicks element (a button or link that leads to another page) and
        waits until that page has loaded; its status."""
        self._document_status()
        self.status = None
        old = self.d.find_element(By.TAG_NAME, "html")
        element.click()
        for _ in range(300):
            try:
                old.tag_name  # still the old page?
            except Exception:
                break
            time.sleep(0.05)
        else:
            raise Failed("the page did not change after the click")
        # The old page is gone; the new one may not have its body yet.
        for _ in range(200):
            if self.d.find_elements(By.TAG_NAME, "body") and \
                    self.d.execute_script("return document.readyState") == "complete":
                break
            time.sleep(0.05)
        else:
            raise Failed("the page after the click did not load")
        return self._document_status()

    @property
    def path(self):
        url = self.d.current_url
        return url[len(self.base):] if url.startswith(self.base) else url

    def text(self):
        return self.d.find_element(By.TAG_NAME, "body").text

    def html(self):
        return self.d.page_source

    def h1(self):
        hs = [h.text.strip() for h in self.d.find_elements(By.TAG_NAME, "h1") if h.is_displayed()]
        return hs[0] if len(hs) == 1 else hs

    # --- filling forms ----------------------------------------------------------

    def by_id(self, id_):
        return self.d.find_element(By.XPATH, f'//*[@id="{id_}"]')

    def named(self, name):
        return self.d.find_elements(By.XPATH, f'//*[@name="{name}"]')

    def type(self, name, value):
        e = self.named(name)[0]
        e.clear()
        if value:
            e.send_keys(value)

    def choose(self, name, value):
        """Ticks the radio or checkbox of `value` by clicking its label, as
        a person does."""
        inp = self.d.find_element(By.XPATH, f'//input[@name="{name}" and @value="{value}"]')
        label = self.d.find_element(By.XPATH, f'//label[@for="{inp.get_attribute("id")}"]')
        label.click()
        if not inp.is_selected():
            raise Failed(f"clicking the label '{label.text}' did not tick {name}={value}")

    def untick(self, name):
        for inp in self.d.find_elements(By.XPATH, f'//input[@name="{name}"]'):
            if inp.get_attribute("type") == "checkbox" and inp.is_selected():
                self.d.find_element(By.XPATH, f'//label[@for="{inp.get_attribute("id")}"]').click()

    def fill(self, answers):
        """answers: key path -> text, a radio's value, or a list of the
        checkboxes to tick; None leaves the field empty."""
        for name, value in answers.items():
            els = self.named(name)
            if not els:
                raise Failed(f"the form has no input named {name}")
            kind = (els[0].get_attribute("type") or els[0].tag_name).lower()
            if kind == "radio":
                if value is not None:
                    self.choose(name, value)
            elif kind == "checkbox":
                self.untick(name)
                for v in value or []:
                    self.choose(name, v)
            elif els[0].tag_name == "select":
                Select(els[0]).select_by_value(value or "")
            else:
                self.type(name, value)

    def value(self, name):
        e = self.named(name)[0]
        return e.get_attribute("value")

    # --- looking at a page ------------------------------------------------------

    def axe(self):
        """axe-core's WCAG A/AA violations in the page now (browser.axe)."""
        return browser.axe(self.d, self.axe_source)

    def look(self, name, status=200):
        """Checks the page shown now as a person would (see the module's
        comment); raises Failed, listing every problem."""
        bad = []
        if status is not None and self.status != status:
            bad.append(f"HTTP status {self.status}, expected {status}")
        title = self.d.title.strip()
        if not title:
            bad.append("the page has no title")
        if not isinstance(self.h1(), str) or not self.h1():
            bad.append(f"the page should have one visible main heading, has {self.h1()}")
        shot = os.path.join(self.shots, f"{self.prefix}{name}")
        self.screenshot(1280, shot + "-desktop.png")
        self.screenshot(320, shot + "-320.png")
        self.view(320, 640)
        inner, scroll = self.d.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth]")
        if scroll > inner:
            bad.append(f"at 320 px the page is {scroll} px wide: it scrolls sideways "
                       f"({self.d.execute_script(browser.OVERFLOWING)})")
        found = []
        if self.axe_source:
            found += [("at 320 px",) + tuple(v) for v in self.axe()]
            self.view(1280, 900)
            found += [("desktop",) + tuple(v) for v in self.axe()]
        self.view(1280, 900)
        seen = set()
        for where, rule, impact, why, n, first in found:
            line = f"axe {where}: {rule} ({impact}): {why}: {n} element(s), first {first}"
            if impact in FAILING_IMPACTS:
                bad.append(line)
            elif (rule, first) not in seen:
                say(f"  note: {name}: {line}")
            seen.add((rule, first))
        self.looked.append(name)
        if bad:
            raise Failed(f"page '{name}' ({self.path}, '{title}'):\n    " + "\n    ".join(bad))
        say(f"  looked at {name}: {self.path} '{title}' (status {self.status})")

    # --- the log-in pages ----------------------------------------------------------

    def login(self, user, password, look_as=None):
        """Logs in from /login; the path it leads to."""
        self.get("/login")
        if look_as:
            self.look(look_as)
        self.type("user", user)
        self.type("password", password)
        st = self.submit(within='form[action="/login"]')
        if st != 200:
            raise Failed(f"logging in as {user}: status {st} at {self.path}")
        if self.path.startswith("/login") and "change" not in self.path:
            raise Failed(f"logging in as {user} failed: {self.text()[:300]}")
        return self.path

    def logout(self):
        st = self.submit(within='form[action="/logout"]')
        if not self.path.startswith("/login"):
            raise Failed(f"logging out led to {self.path} (status {st})")


def main_guard(fn):
    """Runs fn(), exiting 1 with its Failed message (2: no browser)."""
    try:
        fn()
    except Failed as e:
        sys.stderr.write(f"FAILED: {e}\n")
        sys.exit(1)
