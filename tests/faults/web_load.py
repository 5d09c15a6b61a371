#!/usr/bin/env python3
"""The web-kills phase's people: CLIENTS of them, each logged in as one of
USERS (name:password, in turn), send the yellow card through carerhub-web
(GET /refer/gp for the csrf field and the token, then POST the answers)
until STOP exists, while the daemon is killed and restarted under them.

A POST that got no answer is sent again, the same answers with the same
token, once the daemon is back (logging in again: sessions end with the
daemon), as a person pressing the button again would; a form is given up
60 s after its first POST. One form in four is double-clicked: a second
POST of it, on a connection of its own, while the first is in flight.
Each person connects from an address of their own (127.0.0.2, .3, ...),
so that none meets the daemon's limit of connections per address.

Writes to OUT one JSON line per form: token, user, the ids it was answered
with (every answer, the double click's too), the POSTs sent, those that
got no answer, and the wall-clock time of the POST that was answered
(seconds), or "unanswered" with the last problem.

    web_load.py HUB_DIR OUT STOP CLIENTS FIRST USER:PASSWORD...
"""
import json
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from webclient import Client, NoAnswer, Refused, gp_answers, web_url  # noqa: E402

GIVE_UP_S = 60
hub, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
clients, first = int(sys.argv[4]), int(sys.argv[5])
users = [u.split(":", 1) for u in sys.argv[6:]]
lock = threading.Lock()
sink = open(out, "a")


def write(rec):
    with lock:
        sink.write(json.dumps(rec) + "\n")
        sink.flush()


def double_click(c, csrf, token, answers, ids):
    """The second click: the same session and form on another connection."""
    twin = c.twin(c.url)
    try:
        ids.append(twin.submit("/refer/gp", csrf, token, answers))
    except (NoAnswer, Refused):
        pass  # the first click's answer (or its resend) is the one kept
    finally:
        twin.close()


def one_form(c, n, rng):
    answers = gp_answers(n)
    rec = {"n": n, "user": c.user, "token": None, "ids": [], "posts": 0, "lost": 0}
    csrf = None
    started = time.monotonic()
    problem = ""
    while time.monotonic() - started < GIVE_UP_S:
        posting = False
        try:
            if rec["token"] is None:
                csrf, rec["token"] = c.form("/refer/gp")
            elif csrf is None:
                csrf, _ = c.form("/refer/gp")  # the new session's csrf; the form's own token
            clicker = None
            if rec["posts"] == 0 and rng.random() < 0.25:
                clicker = threading.Thread(
                    target=double_click, args=(c, csrf, rec["token"], answers, rec["ids"])
                )
                clicker.start()
            rec["posts"] += 1
            posting = True
            sent = time.time()
            try:
                rec["ids"].append(c.submit("/refer/gp", csrf, rec["token"], answers))
            finally:
                if clicker:
                    clicker.join()
            rec["answered_at"] = sent
            write(rec)
            return
        except NoAnswer as e:
            problem = str(e)
            if posting and e.sent:
                rec["lost"] += 1
            # The daemon is gone: wait for it, then log in again.
            time.sleep(0.1)
            try:
                c.connect(web_url(hub, 30))
            except NoAnswer:
                pass
            csrf = None
        except Refused as e:
            problem = str(e)
            if e.status == 403:  # the session died with the daemon
                c.sid = None
                csrf = None
            elif e.status == 503:  # the hub could not be reached: nothing was taken
                time.sleep(0.5)
            else:
                break
    rec["unanswered"] = problem or "gave up"
    write(rec)


def person(i):
    rng = random.Random(first * 1000 + i)
    name, password = users[i % len(users)]
    c = Client(web_url(hub, 30), name, password, source="127.0.0.%d" % (i + 2))
    n = first + i
    while not os.path.exists(stop):
        one_form(c, n, rng)
        n += clients
        time.sleep(rng.random() * 0.05)
    c.close()


threads = [threading.Thread(target=person, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
