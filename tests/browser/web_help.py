#!/usr/bin/python3
"""A carer asks for support at the web front door's /help, in headless
Chromium, as a person does (tests/integration/t_web_help_browser.sh runs it
against the real daemons).

    web_help.py URL SHOTS --expect-org NAME --expect-by DAY --out FILE [--axe AXE.JS]

Logged out, the log-in page links to /help ("Are you a carer? Ask for
support"), which opens with no login. The hidden honeypot input is never
reached with the keyboard nor seen. The carer fills the form in with two
mistakes (half a postcode, no phone number or email address, though he
would rather be phoned): the error summary at the top links to each (the focus goes to its input), each
message is beside its field, everything typed is kept; they put them
right and send it: the thank-you page gives the reference, says that NAME
will contact them by DAY ("Friday 11 December 2026"), and repeats nothing
they told us. The reference is written to FILE. Every page is looked at
(web_lib.Browser.look: axe-core, 320 px, the screenshots SHOTS/help-PAGE-
desktop.png and -320.png). Exit 1 on a failure, saying what is wrong; 2 if
the browser cannot be started.
"""
import argparse
import re
import sys

from selenium.webdriver.common.keys import Keys

from web_lib import By, Browser, Failed, main_guard, say
from web_referrer import check_errors

# A carer in Colchester who looks after his wife (invented).
ANSWERS = {
    "carer.given_name": "Ambrose",
    "carer.family_name": "Quennell",
    "carer.date_of_birth": "30 9 1978",
    "carer.postcode": "CO1 1AA",
    "carer.address": "2 Mill Lane\nColchester",
    "carer.phone": "07700 900777",
    "carer.email": "",
    "carer.preferred_contact": "phone",
    "carer.language": "",
    "cared_for.relationship": "my wife",
    "cared_for.conditions": ["mental_health", "frailty"],
    "self.working": "true",
    "self.best_time_to_contact": "weekday evenings, after 6",
    "self.heard_from": "pharmacy",
    "consent.share_with_support_service": "true",
    # The caring, in his words, and the equality questions he agreed to.
    "cared_for[2].relationship": "my son", "cared_for[2].conditions": ["learning_disability"],
    "caring.hours_per_week": "20_to_49", "caring.years": "5", "caring.lives_with": "true",
    "caring.able_to_continue": "yes", "impact.work": "part_time", "impact.own_health": "not_sure",
    "requests.carers_card": ["true"], "requests.benefits_check": ["true"],
    "consent.equality_monitoring": ["true"], "equality.sex": "male",
    "equality.age_band": "25_to_49", "equality.ethnicity": "white",
    "equality.disability": "prefer_not_to_say",
}
# Half a postcode, and no way to reach him but the address: which also
# leaves the way he chose to be contacted (phone) without a number.
# And the equality questions answered without ticking that he agrees.
MISTAKES = {"carer.postcode": "CO1", "carer.phone": "", "consent.equality_monitoring": None}
WRONG = ["carer.postcode", "carer.phone", "carer.preferred_contact", "consent.equality_monitoring"]


def honeypot_out_of_reach(b):
    """The honeypot is not to be seen nor reached with Tab: from the first
    input to the button, the focus never lands on it."""
    pot = b.by_id("website")
    # Its box: hidden from screen readers, and seen through a window of at
    # most one pixel that shows nothing of it (overflow hidden).
    box = b.d.execute_script(
        "const h = arguments[0].closest('[aria-hidden=\"true\"]'); if (!h) return null;"
        " const r = h.getBoundingClientRect(), s = getComputedStyle(h);"
        " return [r.width, r.height, s.overflow]", pot)
    if not box or box[0] > 1 or box[1] > 1 or box[2] != "hidden" or \
            pot.get_attribute("tabindex") != "-1" or pot.get_attribute("autocomplete") != "off":
        raise Failed(f"the honeypot can be seen or reached: its box {box}, tabindex "
                     f"{pot.get_attribute('tabindex')}, autocomplete "
                     f"{pot.get_attribute('autocomplete')}")
    b.by_id("carer.given_name").click()
    for _ in range(80):
        b.d.switch_to.active_element.send_keys(Keys.TAB)
        focus = b.d.execute_script("const e = document.activeElement;"
                                   " return [e.id, e.tagName.toLowerCase(), e.type || '']")
        if focus[0] == "website":
            raise Failed("Tab reaches the hidden honeypot input")
        if focus[1] == "button" and focus[2] == "submit":
            break
    else:
        raise Failed("Tab from the first input never reached the button")
    say("  the honeypot is neither seen nor reached with Tab")


def ask(b, a):
    b.get("/login")
    b.look("login")
    link = b.d.find_elements(By.XPATH, '//main//a[@href="/help"]')
    if not link or link[0].text.strip() != "Are you a carer? Ask for support":
        raise Failed(f"the log-in page has no link to /help: {b.text()[:300]}")
    link[0].click()
    b._document_status()
    if b.path != "/help" or b.h1() != "Are you looking after someone?":
        raise Failed(f"the link led to {b.path}, heading {b.h1()!r}")
    b.look("form")
    if "You can ask for support here" not in b.text():
        raise Failed(f"/help does not say what it is for: {b.text()[:300]}")
    honeypot_out_of_reach(b)
    typed = dict(ANSWERS)
    typed.update(MISTAKES)
    b.fill(typed)
    b.submit()
    if b.path != "/help":
        raise Failed(f"the form with mistakes went to {b.path}")
    check_errors(b, typed, WRONG)
    b.look("errors")
    b.fill({k: ANSWERS[k] for k in MISTAKES})
    b.submit()
    text = b.text()
    if b.h1() != "Thank you: we have your request":
        raise Failed(f"the corrected form did not send: heading {b.h1()!r}: {text[:600]}")
    m = re.search(r"Your reference is (SR-[A-Z0-9]+-[0-9]+)", text)
    if not m:
        raise Failed(f"no reference on the page: {text[:400]}")
    rid = m.group(1)
    want = f"{a.expect_org} will contact you by {a.expect_by}."
    if want not in text:
        raise Failed(f"the page does not say '{want}': {text[:600]}")
    for key, value in ANSWERS.items():
        for v in value if isinstance(value, list) else value.split("\n"):
            if len(v) > 5 and v in text:
                raise Failed(f"the thank-you page repeats {key}: {v!r}")
    b.look("sent")
    say(f"  sent: {rid}; {want}")
    with open(a.out, "w") as f:
        f.write(rid + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("shots")
    ap.add_argument("--expect-org", required=True)
    ap.add_argument("--expect-by", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--axe", metavar="AXE.JS")
    a = ap.parse_args()
    try:
        b = Browser(a.url, a.shots, a.axe, prefix="help-")
    except Exception as e:  # the browser or its driver is missing or broken
        sys.stderr.write(f"web_help: cannot start the browser: {e}\n")
        return 2
    try:
        main_guard(lambda: ask(b, a))
    finally:
        b.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
