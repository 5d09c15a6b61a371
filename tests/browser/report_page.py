#!/usr/bin/python3
"""Opens a carerhub report page (`carerhub report --html FILE`) in headless
Chromium and checks it as a person would see it.

    tests/browser/report_page.py PAGE.html SHOTS-DIR [--name NAME] [--axe AXE.JS]
                                 [--strict] [--expect TEXT]...

Fails (exit 1, listing what is wrong) unless:
- the title, one main heading and each TEXT (the area, headline figures)
  are visible text;
- each chart (a top-level <svg>) has a size on screen and a <title> for
  people who cannot see it; at least three tables hold figures, each
  table with a caption and column headings;
- the page has no <script> and asks for nothing but itself (the page's
  resource timings and the browser's own network log);
- 320 px wide (a small phone), the page does not scroll sideways and
  nothing reaches past the screen's right edge outside a box that scrolls
  on its own; the page asks phones to lay it out at their width;
- with --axe (axe.min.js of the npm package axe-core, a test tool only), axe
  finds no violation of its WCAG 2.2 A and AA rules, on a desktop and at
  320 px (axe is put into the page after the checks above).
Notes (failures too with --strict): a table with no rows, a chart's text
cut off by the chart's box, a caption running past a 320 px screen.
Saves SHOTS-DIR/NAME-desktop.png (1280 px wide) and NAME-320.png (NAME:
report unless given), the whole page each. Exit 2: the browser cannot be
started. Needs chromium, chromium-driver and python3-selenium (Debian;
tools/deps installs them).
"""
import argparse
import json
import os
import sys

try:
    from selenium.webdriver.common.by import By

    from browser import CHROMEDRIVER, CHROMIUM, OVERFLOWING, screenshot, start, view
    from browser import axe as axe_rows
except ImportError:
    sys.stderr.write("report_page: python3-selenium is not installed (tools/deps install)\n")
    sys.exit(2)

# Text of a chart that the chart's own box cuts off (an <svg> clips what
# lies outside its viewport); 2 px of a glyph's side bearing are allowed.
SVG_CLIPPED = """
const out = [];
for (const svg of document.querySelectorAll('svg:not(svg svg)')) {
    const b = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
        const r = t.getBoundingClientRect();
        if (r.width && (r.left < b.left - 2 || r.right > b.right + 2 || r.top < b.top - 2 ||
                        r.bottom > b.bottom + 2))
            out.push('"' + t.textContent.trim().slice(0, 60) + '"');
    }
}
return out.slice(0, 8);
"""
# Captions whose words reach past the screen's edge (inside a box that
# scrolls, they are cut off until the reader scrolls the table sideways).
CAPTIONS_PAST_EDGE = """
const w = document.documentElement.clientWidth;
return [...document.querySelectorAll('caption')]
    .filter(c => {
        const r = document.createRange();  // the words, not the caption's box
        r.selectNodeContents(c);
        return [...r.getClientRects()].some(x => x.right > w + 0.5);
    })
    .map(c => '"' + c.textContent.trim().slice(0, 60) + '"').slice(0, 8);
"""


def requests(d):
    """URLs the browser asked for since the log was last read."""
    urls = []
    for entry in d.get_log("performance"):
        m = json.loads(entry["message"])["message"]
        if m.get("method") == "Network.requestWillBeSent":
            urls.append(m["params"]["request"]["url"])
    return urls


def axe(d, source):
    """Violations of the WCAG A/AA rules that axe-core finds in the page now."""
    return [f"{i} ({impact}): {why}: {n} element(s), first {where}"
            for i, impact, why, n, where in axe_rows(d, source)]


def check(d, url, expect, shots, name, axe_js):
    bad, notes = [], []
    requests(d)  # what the browser did before the page
    view(d, 1280, 900)
    d.get(url)
    body = d.find_element(By.TAG_NAME, "body").text

    title = d.title.strip()
    if not title:
        bad.append("the page has no title")
    h1 = [h.text for h in d.find_elements(By.TAG_NAME, "h1") if h.is_displayed()]
    if len(h1) != 1 or not h1[0].strip():
        bad.append(f"the page should have one visible main heading, has {h1}")
    for text in expect:
        if text not in body:
            bad.append(f"'{text}' is not visible on the page")

    charts = d.find_elements(By.CSS_SELECTOR, "svg:not(svg svg)")
    if len(charts) < 3:
        bad.append(f"{len(charts)} chart(s), expected at least 3 (progress, path, time to contact)")
    for i, svg in enumerate(charts, 1):
        size = svg.size
        if not svg.is_displayed() or size["width"] < 1 or size["height"] < 1:
            bad.append(f"chart {i} is not shown (size {size['width']}x{size['height']})")
        label = d.execute_script(
            "const t = arguments[0].querySelector('title'); return t ? t.textContent : ''", svg)
        if not label.strip():
            bad.append(f"chart {i} has no <title> for people who cannot see it")

    tables = d.find_elements(By.TAG_NAME, "table")
    full = 0
    for i, t in enumerate(tables, 1):
        caps = t.find_elements(By.TAG_NAME, "caption")
        cap = caps[0].text.strip() if caps else ""
        if not cap:
            bad.append(f"table {i} has no caption")
        if not t.find_elements(By.CSS_SELECTOR, "th[scope=col]"):
            bad.append(f"table {i} ({cap}) has no column headings")
        if t.find_elements(By.CSS_SELECTOR, "tbody tr"):
            full += 1
        else:  # a list with nothing in it this period (no referrer gone quiet)
            notes.append(f"table {i} ({cap}) has no rows")
    if full < 3:
        bad.append(f"{full} table(s) with figures, expected the figures in tables as well as charts")
    clipped = d.execute_script(SVG_CLIPPED)
    if clipped:
        notes.append(f"text cut off by its chart's box: {clipped}")
    if d.find_elements(By.TAG_NAME, "script"):
        bad.append("the page has a <script>")

    # Nothing but the page itself, by the page's own account and the browser's.
    res = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    if res:
        bad.append(f"the page loaded {res[:5]}")
    others = [u for u in requests(d) if u != url]
    if others:
        bad.append(f"the browser asked for {others[:5]}")

    screenshot(d, 1280, os.path.join(shots, name + "-desktop.png"))

    view(d, 320, 640)
    meta = d.execute_script(
        "const m = document.querySelector('meta[name=viewport]'); return m ? m.content : ''")
    if "width=device-width" not in meta.replace(" ", ""):
        bad.append("no <meta name=viewport content=width=device-width>: phones would shrink the page")
    inner, scroll = d.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth]")
    if scroll > inner:
        bad.append(f"at 320 px the page is {scroll} px wide: it scrolls sideways")
    over = d.execute_script(OVERFLOWING)
    if over:
        bad.append(f"at 320 px these reach past the screen's edge: {over}")
    for text in expect:
        if text not in d.find_element(By.TAG_NAME, "body").text:
            bad.append(f"at 320 px '{text}' is not visible")
    clipped = d.execute_script(SVG_CLIPPED)
    if clipped:
        notes.append(f"at 320 px, text cut off by its chart's box: {clipped}")
    caps = d.execute_script(CAPTIONS_PAST_EDGE)
    if caps:
        notes.append(f"at 320 px these captions run past the screen's edge: {caps}")
    screenshot(d, 320, os.path.join(shots, name + "-320.png"))
    if requests(d):
        bad.append("the browser asked for something while the page was resized")
    if axe_js:
        with open(axe_js) as f:
            source = f.read()
        view(d, 320, 640)
        bad += [f"axe at 320 px: {v}" for v in axe(d, source)]
        d.get(url)  # afresh: axe leaves its own state in the page
        view(d, 1280, 900)
        bad += [f"axe: {v}" for v in axe(d, source)]
    return title, bad, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page")
    ap.add_argument("shots")
    ap.add_argument("--name", default="report")
    ap.add_argument("--axe", metavar="AXE.JS")
    ap.add_argument("--strict", action="store_true", help="notes fail the check too")
    ap.add_argument("--expect", action="append", default=[])
    a = ap.parse_args()
    url = "file://" + os.path.abspath(a.page)
    try:
        d = start()
    except Exception as e:  # the browser or its driver is missing or broken
        sys.stderr.write(f"report_page: cannot start {CHROMIUM} with {CHROMEDRIVER}: {e}\n")
        return 2
    try:
        title, bad, notes = check(d, url, a.expect, a.shots, a.name, a.axe)
    finally:
        d.quit()
    for n in notes:
        print(f"report page: note: {n}")
    if a.strict:
        bad += notes
    for b in bad:
        print(f"report page: {b}")
    if not bad:
        print(f"report page: '{title}' looks right on a desktop and at 320 px"
              f"{' (axe: no WCAG A/AA violation)' if a.axe else ''}; "
              f"screenshots {a.name}-desktop.png and {a.name}-320.png in {a.shots}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
