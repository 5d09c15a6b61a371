#!/usr/bin/python3
"""A charity's case worker at the web front door, in headless Chromium, as
a person uses it (tests/integration/t_web_inbox_browser.sh runs it against
the real daemons).

    web_inbox.py URL SHOTS --user U --password P --case ID --carer NAME
        --other ID [--axe AXE.JS]

Logs in; the start page and the menu lead to "Cases"; /inbox lists case ID
with the carer NAME, and not case OTHER (another organisation's), with the
download link; the case's link opens its page: the carer, the referral,
the forms. The case worker records "Contacted the carer" (a notice
"Recorded: contacted" comes back, and the timeline shows it), then
"Supporting the carer" without a kind of support: the error summary at the
top links to the kinds of support, the message is beside them, and the
status chosen is kept; with two kinds ticked it is recorded, and the
timeline names both. /inbox/OTHER is a 404 page naming nothing of it.
Every page is looked at (web_lib.Browser.look: axe-core WCAG 2.2 A and AA,
no serious or critical violation; 320 px without sideways scrolling; the
screenshots SHOTS/inbox-PAGE-desktop.png and -320.png). Exit 1 on a
failure, saying what is wrong; 2 if the browser cannot be started.
"""
import argparse
import sys

from web_lib import By, Browser, Failed, main_guard, say

RECORD_FORM = 'main form:has(input[name="form"][value="record"])'


def timeline(b):
    """The rows of the case's timeline, as text."""
    return [r.text for r in b.d.find_elements(
        By.XPATH, '//h2[.="What has happened"]/following::table[1]//tbody/tr')]


def record(b, answers, expect_path, notice):
    """Fills the record form with answers, sends it; the page it leads to
    must be expect_path with the notice."""
    b.fill(answers)
    st = b.submit(within=RECORD_FORM)
    if st != 200 or b.path != expect_path:
        raise Failed(f"recording {answers} led to {b.path} (status {st}): {b.text()[:500]}")
    shown = b.d.find_elements(By.CSS_SELECTOR, "main .panel[role=status]")
    if not shown or shown[0].text.strip() != notice:
        raise Failed(f"no notice '{notice}' after recording: {b.text()[:400]}")


def journey(b, a):
    case = a.case
    if b.login(a.user, a.password) != "/":
        raise Failed(f"logging in led to {b.path}")
    b.look("home")
    links = [e.text for e in b.d.find_elements(By.CSS_SELECTOR, "nav a")]
    if links != ["Cases"]:
        raise Failed(f"a provider's menu is {links}, expected ['Cases']")
    b.click_and_wait(b.d.find_element(By.CSS_SELECTOR, "nav a"))
    if b.path != "/inbox" or b.h1() != "Open cases":
        raise Failed(f"the menu's Cases led to {b.path}, heading {b.h1()!r}")
    b.look("inbox")
    rows = [r.text for r in b.d.find_elements(By.CSS_SELECTOR, "tbody tr")]
    mine = [r for r in rows if r.startswith(case)]
    if len(mine) != 1 or a.carer not in mine[0]:
        raise Failed(f"/inbox should list {case} once with {a.carer}: rows {rows}")
    if any(a.other in r for r in rows):
        raise Failed(f"/inbox lists another organisation's case {a.other}: {rows}")
    if not b.d.find_elements(By.XPATH, '//a[@href="/inbox.csv" and .="Download open cases (CSV)"]'):
        raise Failed("no link to download the open cases")
    say(f"  /inbox lists {case}: {mine[0]!r}")

    b.click_and_wait(b.d.find_element(By.XPATH, f'//a[@href="/inbox/{case}"]'))
    if b.path != f"/inbox/{case}" or b.h1() != f"Case {case}":
        raise Failed(f"the case's link led to {b.path}, heading {b.h1()!r}")
    text = b.text()
    for want in (a.carer, "Referral ", "Record what happened", "Pass it back"):
        if want not in text:
            raise Failed(f"the case page does not show '{want}': {text[:800]}")
    b.look("case")

    record(b, {"status": "contacted", "note": "Rang back; a carer's assessment next week"},
           f"/inbox/{case}", "Recorded: contacted")
    rows = timeline(b)
    if not any("Contacted the carer" in r and "carer's assessment next week" in r for r in rows):
        raise Failed(f"the timeline does not show the contact and its note: {rows}")
    b.look("contacted")
    say(f"  contacted recorded: {rows}")

    b.fill({"status": "supported", "support": []})
    b.submit(within=RECORD_FORM)
    summary = b.d.find_elements(By.CSS_SELECTOR, ".error-summary")
    if not summary or summary[0].get_attribute("role") != "alert":
        raise Failed(f"no error summary for supported without a kind: {b.text()[:500]}")
    h1 = b.d.find_element(By.TAG_NAME, "h1")
    if summary[0].location["y"] > h1.location["y"]:
        raise Failed("the error summary is below the page's heading, not at the top")
    link = summary[0].find_element(By.TAG_NAME, "a")
    if link.get_attribute("href").split("#", 1)[-1] != "record-support":
        raise Failed(f"the summary links to {link.get_attribute('href')}, not the kinds of support")
    beside = b.d.find_elements(By.ID, "record-support-error")
    if not beside or link.text.strip() not in beside[0].text:
        raise Failed("the message is not beside the kinds of support")
    chosen = b.d.find_element(By.XPATH, '//input[@name="status" and @value="supported"]')
    if not chosen.is_selected():
        raise Failed("the status chosen was not kept")
    link.click()
    if b.d.execute_script("return document.activeElement.id") != "record-support":
        raise Failed("the summary's link does not move the focus to the kinds of support")
    b.look("errors")
    say(f"  supported without a kind: '{link.text.strip()}', beside the field, status kept")

    record(b, {"status": "supported", "support": ["break", "carers_assessment"]},
           f"/inbox/{case}", "Recorded: supported")
    rows = timeline(b)
    if not any("Supporting the carer" in r and "A break from caring" in r and
               "Carer's assessment" in r for r in rows):
        raise Failed(f"the timeline does not name both kinds of support: {rows}")
    b.look("supported")
    say(f"  supported with two kinds: {rows[-1]!r}")

    b.get("/inbox")
    rows = [r.text for r in b.d.find_elements(By.CSS_SELECTOR, "tbody tr")
            if r.text.startswith(case)]
    if not rows or "Being supported" not in rows[0]:
        raise Failed(f"/inbox does not show the case as being supported: {rows}")
    b.look("inbox-after")

    st = b.get(f"/inbox/{a.other}")
    if st != 404:
        raise Failed(f"another organisation's case {a.other}: status {st}")
    b.look("404", status=404)
    say(f"  /inbox/{a.other}: 404 {b.h1()!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("shots")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--case", required=True)
    ap.add_argument("--carer", required=True)
    ap.add_argument("--other", required=True)
    ap.add_argument("--axe", metavar="AXE.JS")
    a = ap.parse_args()
    try:
        b = Browser(a.url, a.shots, a.axe, prefix="inbox-")
    except Exception as e:  # the browser or its driver is missing or broken
        sys.stderr.write(f"web_inbox: cannot start the browser: {e}\n")
        return 2
    try:
        main_guard(lambda: journey(b, a))
    finally:
        b.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
