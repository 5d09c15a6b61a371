#!/usr/bin/env python3
"""The web front door's benchmark: yellow cards sent through carerhub-web
at a steady RATE a second for SECONDS, open loop: the n-th submission is
due at start + n / RATE whether or not earlier ones have been answered, and
its time is from when it was due to when its answer page (the referral id)
has been read, so a daemon that falls behind is charged for the wait.

CONNECTIONS people, each logged in as one of USERS (name:password, in
turn) on a kept-alive connection of their own from an address of their
own (127.0.0.2, .3, ...): each takes the next submission due, POSTs it,
reads the answer, then loads a fresh form (GET /refer/gp, untimed, as a
person fills the form in) for the next.

    web_submit.py HUB_DIR RATE SECONDS CONNECTIONS USER:PASSWORD...

Prints the figures; exits 1 if a submission was not answered with an id.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from webclient import Client, NoAnswer, Refused, gp_answers, web_url  # noqa: E402

hub, rate, seconds, conns = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
users = [u.split(":", 1) for u in sys.argv[5:]]
total = int(rate * seconds)
lock = threading.Lock()
state = {"next": 0}
times, late, failures = [], [], []


def take():
    with lock:
        n = state["next"]
        state["next"] += 1
    return n if n < total else None


def person(c, start, ready):
    form = c.form("/refer/gp")
    ready.wait()
    while (n := take()) is not None:
        due = start[0] + n / rate
        now = time.monotonic()
        if now < due:
            time.sleep(due - now)
        sent = time.monotonic()
        try:
            c.submit("/refer/gp", form[0], form[1], gp_answers(n, "Bench"))
            answered = time.monotonic()
            form = c.form("/refer/gp")
        except (NoAnswer, Refused) as e:
            with lock:
                failures.append(str(e))
            continue
        with lock:
            times.append(answered - due)
            late.append(sent - due)


def pct(sorted_ms, p):
    """The nearest-rank p-th percentile."""
    k = max(0, -(-len(sorted_ms) * p // 100) - 1)
    return sorted_ms[int(k)]


url = web_url(hub, 10)
people = []
for i in range(conns):
    name, password = users[i % len(users)]
    c = Client(url, name, password, source="127.0.0.%d" % (i + 2))
    c.login()
    # One submission each first, untimed: connections and sessions warm.
    csrf, token = c.form("/refer/gp")
    c.submit("/refer/gp", csrf, token, gp_answers(total + i, "Warm"))
    people.append(c)
start, ready = [0.0], threading.Event()
threads = [threading.Thread(target=person, args=(c, start, ready)) for c in people]
for t in threads:
    t.start()
start[0] = time.monotonic() + 0.2
ready.set()
for t in threads:
    t.join()
elapsed = time.monotonic() - start[0]

ms = sorted(t * 1000 for t in times)
if not ms:
    print("web form submission: no answers (%s)" % "; ".join(failures[:3]))
    sys.exit(1)
lates = sorted(t * 1000 for t in late)
print(
    "%d submissions in %.1f s through %d connections (%d users), %d not answered with an id"
    % (len(ms) + len(failures), elapsed, conns, len(users), len(failures))
)
print(
    "time from due to answer page: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; "
    "sent late by the client: p99 %.1f ms"
    % (pct(ms, 50), pct(ms, 90), pct(ms, 99), ms[-1], pct(lates, 99))
)
print(
    "web form submission at %g/s: p50 %.1f ms, p99 %.1f ms (target p99 < 50 ms)"
    % (rate, pct(ms, 50), pct(ms, 99))
)
if failures:
    print("not answered: " + "; ".join(sorted(set(failures))[:3]))
    sys.exit(1)
