#!/usr/bin/python3
"""A referrer at the web front door, in headless Chromium, as a person uses
it (tests/integration/t_web_browser.sh runs it against the real daemons).

    web_referrer.py refer URL SHOTS --source gp|discharge|school --user U
        --password P [--new-password NP] --expect-org NAME --out FILE [--axe AXE.JS]
    web_referrer.py referrals URL SHOTS --source S --user U --password P --id ID
        --expect-org NAME --expect-event TEXT [--axe AXE.JS]
    web_referrer.py outsider URL SHOTS --source S --user U --password P --id ID
        --expect-org NAME [--axe AXE.JS]

refer: logs in (a first password is changed, with one mistyped
confirmation first, then the new one used to log in again), opens the
source's form, sends it with mistakes: the error summary at the top links
to each wrong field (following a link puts the focus in its input), each
message is beside its field and tied to it, what was typed is kept; then
corrects them and sends it: the referral's reference and the organisation
it is expected to go to are shown. The reference is written to FILE.
referrals: the referral is listed at /referrals with its organisation, and
/referrals/ID shows where it stands and its timeline (the event TEXT).
outsider: another organisation's user: not in /referrals, and /referrals/ID
is a 404 page that names nothing of it.
Every page is looked at (web_lib.Browser.look: axe-core, 320 px, the
screenshots SHOTS/SOURCE-PAGE-desktop.png and -320.png). Exit 1 on a
failure, saying what is wrong; 2 if the browser cannot be started.
"""
import argparse
import re
import sys

from web_answers import ANSWERS, ID_PREFIX, MISTAKES
from web_lib import By, Browser, Failed, main_guard, say


def change_password(b, old, new):
    """At /login/change: a confirmation that differs first, then right."""
    b.look("change")
    b.fill({"password": old, "new_password": new, "confirm": new + " typo"})
    b.submit()
    if not b.path.startswith("/login/change"):
        raise Failed(f"a confirmation that differs was taken: now at {b.path}")
    summary = b.d.find_elements(By.CSS_SELECTOR, ".error-summary")
    if not summary or "not the same" not in summary[0].text:
        raise Failed(f"no error summary for a confirmation that differs: {b.text()[:400]}")
    b.look("change-errors", status=None)
    b.fill({"password": old, "new_password": new, "confirm": new})
    b.submit()
    if b.path.startswith("/login"):
        raise Failed(f"the new password was not taken: {b.text()[:400]}")
    say(f"  first password changed; now at {b.path}")


def check_errors(b, typed, wrong):
    """The page after a form with mistakes (wrong: the keys that are)."""
    summary = b.d.find_elements(By.CSS_SELECTOR, ".error-summary")
    if not summary or not summary[0].is_displayed():
        raise Failed(f"no error summary after mistakes: {b.text()[:500]}")
    summary = summary[0]
    h1 = b.d.find_element(By.TAG_NAME, "h1")
    if summary.location["y"] > h1.location["y"]:
        raise Failed("the error summary is below the page's heading, not at the top")
    if summary.get_attribute("role") != "alert":
        raise Failed("the error summary is not role=alert: it would not be read out")
    links = {a.get_attribute("href").split("#", 1)[-1]: a.text.strip()
             for a in summary.find_elements(By.TAG_NAME, "a")}
    if set(links) != set(wrong):
        raise Failed(f"the error summary links to {sorted(links)}, expected {sorted(wrong)}")
    for key, words in links.items():
        # Beside the field: inside its form group, tied to the input (or
        # its fieldset) by aria-describedby, and near it on the screen.
        err = b.d.find_elements(By.XPATH, f'//*[@id="{key}-error"]')
        if not err or not err[0].is_displayed():
            raise Failed(f"no message beside {key}")
        msg = err[0].text.replace("Error:", "").strip()
        if msg != words:
            raise Failed(f"beside {key}: '{msg}'; the summary says '{words}'")
        inp = b.by_id(key)
        group = inp.find_element(By.XPATH, 'ancestor::div[contains(@class, "form-group")][1]')
        if not group.find_elements(By.XPATH, f'.//*[@id="{key}-error"]'):
            raise Failed(f"the message for {key} is not in the field's group")
        described = (inp.get_attribute("aria-describedby") or "") + " " + b.d.execute_script(
            "const f = arguments[0].closest('fieldset');"
            " return f ? f.getAttribute('aria-describedby') || '' : ''", inp)
        if f"{key}-error" not in described.split():
            raise Failed(f"the input {key} is not described by its message (aria-describedby "
                         f"'{described.strip()}')")
        gap = inp.location["y"] - (err[0].location["y"] + err[0].size["height"])
        if not -5 <= gap <= 120:
            raise Failed(f"the message for {key} is {gap} px away from its input")
    say(f"  error summary at the top, each message beside its field: "
        f"{'; '.join(links.values())}")
    on_page = [k for k in b.d.execute_script(
        "return [...document.querySelectorAll('main form [id]')].map(e => e.id)") if k in links]
    if list(links) != on_page:
        say(f"  note: the error summary lists {list(links)}; the fields come in the order "
            f"{on_page} (the GOV.UK pattern lists them in the page's order)")
    # What was typed is kept, the wrong values too.
    for key, value in typed.items():
        els = b.named(key)
        kind = els[0].get_attribute("type")
        if kind in ("radio", "checkbox"):
            ticked = sorted(e.get_attribute("value") for e in els if e.is_selected())
            want = sorted(value if isinstance(value, list) else [value] if value else [])
            if ticked != want:
                raise Failed(f"{key}: {ticked} ticked after the errors, {want} was")
        elif (b.value(key) or "") != (value or ""):
            raise Failed(f"{key}: '{b.value(key)}' after the errors; '{value}' was typed")
    say(f"  all {len(typed)} answers kept as typed")
    # Each link of the summary puts the focus in its field's input.
    for key in wrong:
        link = b.d.find_element(By.XPATH, f'//div[contains(@class, "error-summary")]'
                                          f'//a[@href="#{key}"]')
        link.click()
        focus = b.d.execute_script(
            "const e = document.activeElement; return [e.id, e.tagName.toLowerCase()]")
        if focus[0] != key or focus[1] not in ("input", "select", "textarea"):
            raise Failed(f"following the summary's link to {key} put the focus on "
                         f"{focus[1]}#{focus[0]}, not on the field's input")
    say(f"  each summary link moves the focus to its input ({', '.join(wrong)})")


def refer(b, a):
    first = b.login(a.user, a.password, look_as="login")
    if first.startswith("/login/change"):
        if not a.new_password:
            raise Failed("the first password must be changed and no --new-password was given")
        change_password(b, a.password, a.new_password)
        b.logout()
        if b.login(a.user, a.new_password) != "/":
            raise Failed(f"logging in with the new password led to {b.path}")
        b.look("home")
    elif a.new_password:
        raise Failed(f"a first password that must be changed led to {first}, not /login/change")
    src = a.source
    path = f"/refer/{src}"
    b.get(path)
    b.look("form")
    if b.value("token") is None or not b.named("csrf"):
        raise Failed(f"{path} has no idempotency token or no csrf field")
    typed = dict(ANSWERS[src])
    typed.update(MISTAKES[src])
    b.fill(typed)
    b.submit()
    if b.path != path:
        raise Failed(f"the form with mistakes went to {b.path}")
    check_errors(b, typed, list(MISTAKES[src]))
    b.look("errors")
    b.fill({k: ANSWERS[src][k] for k in MISTAKES[src]})
    b.submit()
    text = b.text()
    if b.h1() != "Referral sent":
        raise Failed(f"the corrected form did not send: heading {b.h1()!r}: {text[:600]}")
    m = re.search(r"Its reference is (%s-[A-Za-z0-9-]+)" % ID_PREFIX[src], text)
    if not m:
        raise Failed(f"no referral reference on the page: {text[:400]}")
    rid = m.group(1)
    m = re.search(r"It is expected to go to (.+?)\. ", text)
    if not m or m.group(1) != a.expect_org:
        raise Failed(f"expected organisation {a.expect_org}: the page says {text[:600]}")
    if not b.d.find_elements(By.XPATH, f'//a[@href="/referrals/{rid}"]'):
        raise Failed(f"no link to /referrals/{rid}")
    b.look("sent")
    say(f"  sent: {rid}, expected to go to {m.group(1)}")
    with open(a.out, "w") as f:
        f.write(rid + "\n")


def referrals(b, a):
    b.login(a.user, a.password)
    b.get("/referrals")
    b.look("referrals")
    rows = [r.text for r in b.d.find_elements(By.CSS_SELECTOR, "tbody tr")]
    mine = [r for r in rows if a.id in r]
    if len(mine) != 1 or a.expect_org not in mine[0]:
        raise Failed(f"/referrals should list {a.id} once with {a.expect_org}: rows {rows}")
    say(f"  /referrals lists it: {mine[0]!r}")
    b.click_and_wait(b.d.find_element(By.XPATH, f'//a[@href="/referrals/{a.id}"]'))
    if b.path != f"/referrals/{a.id}" or b.h1() != f"Referral {a.id}":
        raise Failed(f"its link led to {b.path}, heading {b.h1()!r}")
    text = b.text()
    for want in (a.expect_org, a.expect_event):
        if want not in text:
            raise Failed(f"/referrals/{a.id} does not show '{want}': {text[:800]}")
    timeline = [r.text for r in b.d.find_elements(By.XPATH, '//h2[.="What has happened"]'
                                                            '/following::table[1]//tbody/tr')]
    if not any(a.expect_event in r for r in timeline):
        raise Failed(f"the timeline has no '{a.expect_event}': {timeline}")
    b.look("referral")
    say(f"  /referrals/{a.id}: timeline {timeline}")


def outsider(b, a):
    b.login(a.user, a.password)
    b.get("/referrals")
    b.look("outsider-referrals")
    if a.id in b.html():
        raise Failed(f"another organisation's user sees {a.id} in /referrals")
    st = b.get(f"/referrals/{a.id}")
    if st != 404:
        raise Failed(f"another organisation's user got status {st} for /referrals/{a.id}")
    b.look("404", status=404)
    if a.expect_org in b.text() or a.id not in b.d.current_url:
        raise Failed(f"the 404 page tells of the referral: {b.text()[:400]}")
    say(f"  another organisation's user: not listed, /referrals/{a.id} is 404: {b.h1()!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("refer", "referrals", "outsider"))
    ap.add_argument("url")
    ap.add_argument("shots")
    ap.add_argument("--source", required=True, choices=sorted(ANSWERS))
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--new-password")
    ap.add_argument("--expect-org", required=True)
    ap.add_argument("--expect-event")
    ap.add_argument("--id")
    ap.add_argument("--out")
    ap.add_argument("--axe", metavar="AXE.JS")
    a = ap.parse_args()
    try:
        b = Browser(a.url, a.shots, a.axe, prefix=f"{a.source}-")
    except Exception as e:  # the browser or its driver is missing or broken
        sys.stderr.write(f"web_referrer: cannot start the browser: {e}\n")
        return 2
    try:
        main_guard(lambda: {"refer": refer, "referrals": referrals, "outsider": outsider}
                   [a.what](b, a))
    finally:
        b.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
