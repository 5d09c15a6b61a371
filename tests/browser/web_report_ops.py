#!/usr/bin/python3
"""A commissioner's report and an operator's operations page at the web
front door, in headless Chromium, as a person uses them
(tests/integration/t_web_report_ops_browser.sh runs it against the real
daemons).

    web_report_ops.py commissioner URL SHOTS --user U --password P --from DATE
        --to DATE --expect-csv FILE --downloads DIR [--axe AXE.JS]
    web_report_ops.py operator URL SHOTS --user U --password P --reject ID
        --reason TEXT [--axe AXE.JS]

commissioner: logs in, follows "Report" from the menu: the report with its
three charts (each drawn with a size, an image with a name), tables with
captions; a date that is not one is named in the error summary and beside
its field, and the summary's link puts the focus in it; the period picked
(from, to) is the period the report says it is of; "Download CSV" saves
the CSV, which is FILE (the same period's `carerhub report --csv`, its
generated_at line left out); the publish view shows small counts as "<5";
/ops is refused (403).
operator: logs in, follows "Operations": the alerts, the queues, the parked
referral ID with its forms; "Reject" without a reason asks for one (the
error summary and the message beside the field), then with TEXT it is
rejected: /ops says so and no longer lists it; a possible identity
conflict's "Same person: join" shows what a join does and is left
unconfirmed; a case's page opens from its link.
Every page is looked at (web_lib.Browser.look: axe-core, 320 px, the
screenshots SHOTS/PAGE-desktop.png and -320.png). Exit 1 on a failure,
saying what is wrong; 2 if the browser cannot be started.
"""
import argparse
import datetime
import os
import sys
import time

from web_lib import By, Browser, Failed, main_guard, say


def follow(b, text):
    """Clicks the link whose text is `text` and waits for its page; its status."""
    return b.click_and_wait(b.d.find_element(By.LINK_TEXT, text))


def in_words(iso):
    d = datetime.date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%B')} {d.year}"


def check_summary_link(b, field):
    """The error summary links to field; its message is beside the field
    and describes it; following the link puts the focus in it."""
    summary = b.d.find_elements(By.CSS_SELECTOR, ".error-summary")
    if not summary or summary[0].get_attribute("role") != "alert":
        raise Failed(f"no error summary (role alert): {b.text()[:500]}")
    link = summary[0].find_element(By.XPATH, f'.//a[@href="#{field}"]')
    err = b.by_id(f"{field}-error")
    if link.text.strip() != err.text.replace("Error:", "").strip():
        raise Failed(f"the summary says '{link.text}', beside {field}: '{err.text}'")
    if f"{field}-error" not in (b.by_id(field).get_attribute("aria-describedby") or "").split():
        raise Failed(f"{field} is not described by its message")
    link.click()
    focus = b.d.execute_script("return document.activeElement.id")
    if focus != field:
        raise Failed(f"the summary's link put the focus on '{focus}', not {field}")
    say(f"  error summary: '{link.text}', beside the field, the link focuses {field}")


def check_charts(b):
    svgs = b.d.find_elements(By.CSS_SELECTOR, "main figure > svg")
    if len(svgs) != 3:
        raise Failed(f"{len(svgs)} charts on the report, expected 3")
    for s in svgs:
        if s.size["width"] < 200 or s.size["height"] < 100:
            raise Failed(f"a chart is drawn {s.size}: too small to read")
        if s.get_attribute("role") != "img" or not s.find_elements(By.TAG_NAME, "title"):
            raise Failed("a chart is not an image with a title")
    tables = b.d.find_elements(By.CSS_SELECTOR, "main table")
    if len(tables) < 5 or any(not t.find_elements(By.TAG_NAME, "caption") for t in tables):
        raise Failed(f"{len(tables)} tables, each needs a caption")
    say(f"  3 charts drawn ({', '.join(str(s.size['width']) for s in svgs)} px wide), "
        f"{len(tables)} tables with captions")


def commissioner(b, a):
    b.login(a.user, a.password)
    b.look("commissioner-home")
    if b.d.find_elements(By.LINK_TEXT, "Operations"):
        raise Failed("a commissioner is offered Operations")
    st = follow(b, "Report")
    if st != 200 or not b.path.startswith("/report"):
        raise Failed(f"'Report' led to {b.path} (status {st})")
    check_charts(b)
    b.look("report")

    # A date that is not one.
    b.fill({"from": "2026-02-30", "to": a.to})
    b.submit(within='form[action="/report"]')
    check_summary_link(b, "from")
    if b.value("from") != "2026-02-30":
        raise Failed(f"what was typed is not kept: '{b.value('from')}'")
    b.look("report-error")

    # The period picked is the period shown.
    b.fill({"from": a.from_, "to": a.to})
    b.submit(within='form[action="/report"]')
    want = f"From {in_words(a.from_)} to {in_words(a.to)}."
    if want not in b.text():
        raise Failed(f"the report does not say '{want}': {b.text()[:600]}")
    check_charts(b)
    say(f"  the period: '{want}'")

    # Download CSV: the same as carerhub report --csv.
    os.makedirs(a.downloads, exist_ok=True)
    b.d.execute_cdp_cmd("Page.setDownloadBehavior",
                        {"behavior": "allow", "downloadPath": os.path.abspath(a.downloads)})
    b.d.find_element(By.LINK_TEXT, "Download CSV").click()
    name = os.path.join(a.downloads, f"carers-report-{a.from_}-to-{a.to}.csv")
    for _ in range(200):
        if os.path.exists(name) and not os.path.exists(name + ".crdownload"):
            break
        time.sleep(0.1)
    else:
        raise Failed(f"the CSV was not saved as {name}: {os.listdir(a.downloads)}")
    got = [l for l in open(name).read().splitlines() if not l.startswith("summary,,,generated_at,")]
    want_csv = open(a.expect_csv).read().splitlines()
    if got != want_csv:
        diff = [(x, y) for x, y in zip(got, want_csv) if x != y][:3]
        raise Failed(f"the CSV saved ({len(got)} lines) is not carerhub report --csv "
                     f"({len(want_csv)} lines): {diff}")
    say(f"  Download CSV saved {os.path.basename(name)}: {len(got)} lines, as carerhub report --csv")

    # The publish view.
    b.choose("publish", "1")
    b.submit(within='form[action="/report"]')
    if "<5" not in b.text() or "Published figures" not in b.text():
        raise Failed("the publish view shows no count as <5")
    b.look("report-published")
    say("  publish view: small counts shown as <5")

    st = b.get("/ops")
    if st != 403:
        raise Failed(f"a commissioner got status {st} at /ops")
    b.look("commissioner-ops-403", status=403)


def operator(b, a):
    b.login(a.user, a.password)
    b.look("operator-home")
    st = follow(b, "Operations")
    if st != 200 or b.path != "/ops":
        raise Failed(f"'Operations' led to {b.path} (status {st})")
    text = b.text()
    for want in ("Alerts", "Deliveries waiting", "Parked referrals", f"Referral {a.reject}",
                 "Possible identity conflicts", "Carers First"):
        if want not in text:
            raise Failed(f"/ops does not show '{want}'")
    b.look("ops")

    # Reject without a reason: asked again.
    form = f'//h3[@id="parked-{a.reject}"]/following::form[2]'
    b.click_and_wait(b.d.find_element(By.XPATH, form + '//button'))
    if b.h1() != f"Reject referral {a.reject}":
        raise Failed(f"Reject without a reason led to '{b.h1()}'")
    b._document_status()
    check_summary_link(b, "reason")
    b.look("reject-error", status=None)

    # With a reason: rejected.
    b.type("reason", a.reason)
    b.submit()
    if b.path != "/ops":
        raise Failed(f"the rejection led to {b.path}")
    notice = b.d.find_elements(By.ID, "notice")
    if not notice or f"referral {a.reject} was rejected" not in notice[0].text or \
            a.reason not in notice[0].text:
        raise Failed(f"no notice of the rejection: {b.text()[:500]}")
    if b.d.find_elements(By.ID, f"parked-{a.reject}"):
        raise Failed(f"{a.reject} is still listed as parked")
    b.look("ops-rejected")
    say(f"  rejected {a.reject}: '{notice[0].text}'")

    # A join is confirmed first, in plain words; left unconfirmed here.
    join = b.d.find_elements(By.XPATH, '//form[.//input[@name="action" and @value="join"]]//button')
    if not join:
        raise Failed("no identity conflict to join on /ops")
    b.click_and_wait(join[0])
    if not b.h1().startswith("Join cases") or "one person's details" not in b.text():
        raise Failed(f"the join's confirmation: '{b.h1()}': {b.text()[:500]}")
    b.look("join-confirm", status=None)
    follow(b, "No, go back without joining them")

    # A case's page from its link.
    link = b.d.find_element(By.XPATH, '//main//a[starts-with(@href, "/ops/case/")]')
    case = link.text
    b.click_and_wait(link)
    if b.h1() != f"Case {case}" or "The carer as now known" not in b.text():
        raise Failed(f"the case's link led to '{b.h1()}'")
    b.look("case")
    say(f"  case {case}: its page")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("commissioner", "operator"))
    ap.add_argument("url")
    ap.add_argument("shots")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--from", dest="from_")
    ap.add_argument("--to")
    ap.add_argument("--expect-csv")
    ap.add_argument("--downloads")
    ap.add_argument("--reject")
    ap.add_argument("--reason")
    ap.add_argument("--axe", metavar="AXE.JS")
    a = ap.parse_args()
    try:
        b = Browser(a.url, a.shots, a.axe)
    except Exception as e:  # the browser or its driver is missing or broken
        sys.stderr.write(f"web_report_ops: cannot start the browser: {e}\n")
        return 2
    try:
        main_guard(lambda: {"commissioner": commissioner, "operator": operator}[a.what](b, a))
    finally:
        b.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
