"""The headless Chromium of the browser tests (web_lib.py, report_page.py):
started the same way, with the same screen sizes, full-page screenshots,
sideways-overflow finder and axe-core run for both.

Needs chromium, chromium-driver and python3-selenium (Debian; tools/deps
installs them); CHROMIUM and CHROMEDRIVER in the environment name others.
"""
import base64
import os

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
MAX_HEIGHT = 16000  # screenshots are cut there

# Elements whose right edge is past the viewport, unless inside a box that
# scrolls or clips on its own (a wide table in an overflow-x: auto box).
OVERFLOWING = """
const w = document.documentElement.clientWidth, out = [];
for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= w + 0.5) continue;
    let boxed = false;
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { boxed = true; break; }
    }
    if (!boxed) out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                         (e.className ? '.' + e.className : '') +
                         ' right edge at ' + Math.round(r.right) + ' px');
}
return out.slice(0, 8);
"""


def start():
    """A headless Chromium keeping its network log (goog:loggingPrefs), at
    one CSS px to a screen px; raises if it or its driver cannot start."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--hide-scrollbars", "--force-device-scale-factor=1"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)


def view(d, width, height):
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def screenshot(d, width, path):
    """The whole page at `width` CSS px, into path."""
    view(d, width, 800)
    height = min(MAX_HEIGHT, d.execute_script("return document.documentElement.scrollHeight"))
    view(d, width, height)
    shot = d.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))


def axe(d, source):
    """axe-core's WCAG A/AA violations in the page now: (id, impact, help,
    count, first element) each; source (axe.min.js) is put into the page
    unless it is there already. An axe that fails is a critical violation."""
    if not d.execute_script("return typeof axe !== 'undefined'"):
        d.execute_script(source)
    d.set_script_timeout(60)
    return d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
        ".then(r => done(r.violations.map(v => [v.id, v.impact, v.help, v.nodes.length,"
        " v.nodes[0].target.join(' ')])))"
        ".catch(e => done([['axe', 'critical', String(e), 0, '']]))")
