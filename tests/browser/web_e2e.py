#!/usr/bin/python3
"""A referral's whole way through the web front door, in headless
Chromium, each person at their own pages as they use them
(tests/integration/t_web_e2e_browser.sh runs it against the real daemons).

    web_e2e.py URL SHOTS --password P --other-case ID --other-carer NAME
        --out FILE [--axe AXE.JS]

1. The commissioner (c.ross) reads the report's headline: carers supported
   in the period.
2. A GP receptionist (a.patel, practice F81001) refers Jane Smith of
   Chelmsford through /refer/gp: the page says Carers First will have it;
   then Tom Pryor of CM3 (a district that spans Uttlesford, West Essex, and
   Chelmsford, Mid Essex): Essex Wellbeing Service, triage, will.
3. Carers First's case worker (p.khan) finds Jane Smith in Cases, and not
   case ID (another organisation's, carer NAME); records "contacted", then
   "supported" with a break and a carer's assessment.
4. The GP's "Your referrals" shows Jane Smith's referral as supported, and
   so does its own page.
5. The commissioner's headline is one more than in step 1.
6. Triage (t.reid) finds Tom Pryor in its cases and assigns the case to
   Action for Family Carers; Action for Family Carers' case worker (a.lee)
   finds it in Cases and opens it.
7. A carer in Clacton (Tendring, North Essex) asks for support at /help,
   logged out; Essex Carers Support's case worker (e.jones) finds the
   request in Cases.
Everyone logs in from /login and out with the header's button. Every page
visited is looked at (web_lib.Browser.look: axe-core WCAG 2.2 A and AA, no
serious or critical violation; 320 px without sideways scrolling;
screenshots SHOTS/e2e-PAGE-desktop.png and -320.png): the log-in page, its
"logged out" view and each person's start page once, being the same page
each time.
FILE gets "gp|triage|self REFERRAL CASE" lines for the shell's checks of
the spools and the hub. Exit 1 on a failure, saying what is wrong; 2 if
the browser cannot be started.
"""
import argparse
import re
import sys

from web_answers import ANSWERS
from web_inbox import record, timeline
from web_lib import By, Browser, Failed, Select, main_guard, say
from web_report_ops import follow

JANE = dict(ANSWERS["gp"])  # Jane Smith, CM2 0AA: Chelmsford
TOM = dict(JANE)
TOM.update({"carer.given_name": "Tom", "carer.family_name": "Pryor",
            "carer.date_of_birth": "1949-07-19", "carer.postcode": "CM3 4AA",
            "carer.address": "Orchard Cottage, Little Baddow", "carer.phone": "07700 900456",
            "carer.email": "", "carer.nhs_number": "", "cared_for.relationship": "wife",
            "cared_for.conditions": ["dementia"]})
# A carer asking for herself, in Clacton-on-Sea (invented).
SELF = {
    "carer.given_name": "Rosa", "carer.family_name": "Lindqvist",
    "carer.date_of_birth": "1984-03-08", "carer.postcode": "CO15 1AA",
    "carer.address": "", "carer.phone": "07700 900888", "carer.email": "",
    "carer.preferred_contact": "phone", "carer.language": "",
    "cared_for.relationship": "my son", "cared_for.conditions": ["learning_disability"],
    "self.working": "true", "self.best_time_to_contact": "after school pick-up",
    "self.heard_from": "school", "consent.share_with_support_service": "true",
}
ASSIGN_FORM = 'main form:has(input[name="form"][value="assign"])'


class Journey:
    def __init__(self, b, a):
        self.b, self.a = b, a
        self.made = []  # (what, referral, case)

    # --- people coming and going ----------------------------------------------

    def login(self, user, page):
        """Logs user in; the start page is looked at as page the first
        time user sees it (the same page each time after)."""
        b = self.b
        look_as = "login" if "login" not in b.looked else None
        if b.login(user, self.a.password, look_as=look_as) != "/":
            raise Failed(f"{user} logging in led to {b.path}")
        if b.h1() != "What do you want to do?":
            raise Failed(f"{user}'s start page: {b.h1()!r}")
        if page not in b.looked:
            b.look(page)
        say(f"{user} logged in: {b.d.find_element(By.CSS_SELECTOR, '.header-user').text}")

    def logout(self):
        self.b.logout()
        if "logged-out" not in self.b.looked:
            self.b.look("logged-out")

    # --- the pages --------------------------------------------------------------

    def headline(self, name):
        """The report's "Carers supported in the period" figure."""
        b = self.b
        if follow(b, "Report") != 200 or not b.path.startswith("/report"):
            raise Failed(f"'Report' led to {b.path}")
        b.look(name)
        m = re.search(r"Carers supported in the period: (\d+)", b.text())
        if not m:
            raise Failed(f"the report has no headline figure: {b.text()[:500]}")
        return int(m.group(1))

    def refer(self, answers, org, name):
        b = self.b
        if follow(b, "Refer a carer") != 200 or b.path != "/refer/gp":
            raise Failed(f"'Refer a carer' led to {b.path}")
        b.look(f"{name}-form")
        b.fill(answers)
        b.submit()
        text = b.text()
        m = re.search(r"Its reference is (GP-[A-Z0-9]+-\d+)", text)
        if b.h1() != "Referral sent" or not m:
            raise Failed(f"the referral was not sent: {b.h1()!r}: {text[:600]}")
        if f"It is expected to go to {org}." not in text:
            raise Failed(f"the page does not say it goes to {org}: {text[:600]}")
        b.look(f"{name}-sent")
        say(f"  referred {answers['carer.given_name']} {answers['carer.family_name']}: "
            f"{m.group(1)}, expected to go to {org}")
        return m.group(1)

    def cases(self, name, carer, absent=()):
        """Cases from the menu: the case of carer (listed once); its id."""
        b = self.b
        if follow(b, "Cases") != 200 or b.path != "/inbox":
            raise Failed(f"'Cases' led to {b.path}")
        b.look(name)
        rows = [r.text for r in b.d.find_elements(By.CSS_SELECTOR, "main tbody tr")]
        mine = [r for r in rows if carer in r]
        if len(mine) != 1:
            raise Failed(f"the cases should list {carer} once: {rows}")
        for other in absent:
            if other in b.text():
                raise Failed(f"the cases list another organisation's '{other}': {rows}")
        case = mine[0].split()[0]
        say(f"  Cases lists {carer}: {mine[0]!r}")
        return case

    def open_case(self, case, carer, name):
        b = self.b
        b.click_and_wait(b.d.find_element(By.XPATH, f'//main//a[@href="/inbox/{case}"]'))
        if b.path != f"/inbox/{case}" or b.h1() != f"Case {case}" or carer not in b.text():
            raise Failed(f"the case's link led to {b.path}, {b.h1()!r}")
        b.look(name)

    # --- the steps --------------------------------------------------------------

    def run(self):
        a, b = self.a, self.b
        self.login("c.ross", "commissioner-home")
        before = self.headline("report-before")
        say(f"  carers supported in the period, before: {before}")
        self.logout()

        self.login("a.patel", "gp-home")
        jane_ref = self.refer(JANE, "Carers First", "gp")
        tom_ref = self.refer(TOM, "Essex Wellbeing Service", "gp-triage")
        self.logout()

        self.login("p.khan", "provider-home")
        jane = self.cases("provider-cases", "Jane Smith", absent=(a.other_case, a.other_carer))
        self.open_case(jane, "Jane Smith", "provider-case")
        record(b, {"status": "contacted", "note": "Rang her; visit booked"},
               f"/inbox/{jane}", "Recorded: contacted")
        b.look("provider-contacted")
        record(b, {"status": "supported", "support": ["break", "carers_assessment"]},
               f"/inbox/{jane}", "Recorded: supported")
        rows = timeline(b)
        if not any("Supporting the carer" in r and "A break from caring" in r and
                   "Carer's assessment" in r for r in rows):
            raise Failed(f"the timeline does not name both kinds of support: {rows}")
        b.look("provider-supported")
        say(f"  contacted, then supported: {rows[-1]!r}")
        self.logout()
        self.made.append(("gp", jane_ref, jane))

        self.login("a.patel", "gp-home")
        if follow(b, "Your referrals") != 200 or b.path != "/referrals":
            raise Failed(f"'Your referrals' led to {b.path}")
        b.look("gp-referrals")
        row = [r.text for r in b.d.find_elements(By.CSS_SELECTOR, "main tbody tr")
               if jane_ref in r.text]
        if len(row) != 1 or "Carers First" not in row[0] or \
                "The carer is being supported" not in row[0]:
            raise Failed(f"/referrals should show {jane_ref} supported at Carers First: {row}")
        say(f"  /referrals: {row[0]!r}")
        b.click_and_wait(b.d.find_element(By.XPATH, f'//a[@href="/referrals/{jane_ref}"]'))
        stands = b.d.find_element(By.XPATH, '//th[.="Where it stands"]/following-sibling::td')
        if b.h1() != f"Referral {jane_ref}" or \
                not stands.text.startswith("The carer is being supported"):
            raise Failed(f"/referrals/{jane_ref}: {b.h1()!r}, where it stands {stands.text!r}")
        b.look("gp-referral")
        say(f"  /referrals/{jane_ref}: {stands.text!r}")
        self.logout()

        self.login("c.ross", "commissioner-home")
        after = self.headline("report-after")
        if after != before + 1:
            raise Failed(f"carers supported in the period: {before} before, {after} after")
        say(f"  carers supported in the period, after: {after} (one more)")
        self.logout()

        self.login("t.reid", "triage-home")
        tom = self.cases("triage-cases", "Tom Pryor")
        self.open_case(tom, "Tom Pryor", "triage-case")
        Select(b.by_id("assign-to")).select_by_visible_text("Action for Family Carers")
        b.by_id("assign-reason").send_keys("Lives in Little Baddow; they see him at home")
        b.submit(within=ASSIGN_FORM)
        if b.path != "/inbox" or \
                f"Case {tom} has gone to Action for Family Carers." not in b.text():
            raise Failed(f"assigning {tom} led to {b.path}: {b.text()[:400]}")
        if b.d.find_elements(By.XPATH, f'//main//a[@href="/inbox/{tom}"]'):
            raise Failed(f"triage's cases still list {tom} after it was assigned")
        b.look("triage-assigned")
        say(f"  assigned {tom} to Action for Family Carers")
        self.logout()

        self.login("a.lee", "afc-home")
        if self.cases("afc-cases", "Tom Pryor") != tom:
            raise Failed(f"Action for Family Carers' Tom Pryor is not case {tom}")
        self.open_case(tom, "Tom Pryor", "afc-case")
        self.logout()
        self.made.append(("triage", tom_ref, tom))

        self_ref = self.ask_for_support()
        self.login("e.jones", "ecs-home")
        rosa = self.cases("ecs-cases", "Rosa Lindqvist")
        self.open_case(rosa, "Rosa Lindqvist", "ecs-case")
        if self_ref not in b.text():
            raise Failed(f"the case of Rosa Lindqvist does not hold {self_ref}")
        self.logout()
        self.made.append(("self", self_ref, rosa))

    def ask_for_support(self):
        b = self.b
        b.get("/login")
        b.click_and_wait(b.d.find_element(By.XPATH, '//main//a[@href="/help"]'))
        if b.path != "/help":
            raise Failed(f"the log-in page's link to ask for support led to {b.path}")
        b.look("help-form")
        b.fill(SELF)
        b.submit()
        text = b.text()
        m = re.search(r"Your reference is (SR-[A-Z0-9]+-\d+)", text)
        if b.h1() != "Thank you: we have your request" or not m:
            raise Failed(f"the request was not taken: {b.h1()!r}: {text[:600]}")
        if "Essex Carers Support will contact you by" not in text:
            raise Failed(f"the page does not say Essex Carers Support will call: {text[:600]}")
        b.look("help-sent")
        say(f"  a carer in Clacton asked for support: {m.group(1)}")
        return m.group(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("shots")
    ap.add_argument("--password", required=True)
    ap.add_argument("--other-case", required=True)
    ap.add_argument("--other-carer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--axe", metavar="AXE.JS")
    a = ap.parse_args()
    try:
        b = Browser(a.url, a.shots, a.axe, prefix="e2e-")
    except Exception as e:  # the browser or its driver is missing or broken
        sys.stderr.write(f"web_e2e: cannot start the browser: {e}\n")
        return 2
    j = Journey(b, a)
    try:
        main_guard(j.run)
    finally:
        b.quit()
        with open(a.out, "w") as f:
            for what, rid, case in j.made:
                f.write(f"{what} {rid} {case}\n")
    say(f"{len(b.looked)} pages looked at: {', '.join(b.looked)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
