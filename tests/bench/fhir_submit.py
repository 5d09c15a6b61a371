#!/usr/bin/env python3
"""The FHIR interface's benchmark: config/samples/fhir-gp.json POSTed to
carerhub-web's /fhir/r4/ServiceRequest over HTTPS with an API client's
bearer token, closed loop, for SECONDS through CONNECTIONS kept-alive TLS
connections (each from an address of its own, 127.0.0.2, .3, ...): each
sends the next as soon as its last is answered. Every submission is a
carer of its own (the Patient's given name numbered) with a new
X-Request-ID, so each is a new referral, accepted (201) and passed on.

    fhir_submit.py HUB_DIR TOKEN SECONDS CONNECTIONS

Prints submissions a second and the latency from sending to the whole
answer read; exits 1 if a submission was not answered 201.
"""
import copy
import http.client
import json
import os
import ssl
import sys
import threading
import time
import uuid
from urllib.parse import urlparse

hub, token, seconds, conns = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
with open(os.path.join(top, "config", "samples", "fhir-gp.json")) as f:
    sample = json.load(f)
with open(os.path.join(hub, "data", "web", "url")) as f:
    url = urlparse(f.read().strip())
ctx = ssl.create_default_context(cafile=os.path.join(hub, "web-cert.pem"))
lock = threading.Lock()
state = {"n": 0}
times, failures = [], []


def patients(doc):
    """Every Patient in the request, contained or in a Bundle."""
    if isinstance(doc, dict):
        if doc.get("resourceType") == "Patient":
            yield doc
        for v in doc.values():
            yield from patients(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from patients(v)


def body(n):
    doc = copy.deepcopy(sample)
    for p in patients(doc):
        p["name"][0]["given"] = ["Bench%d" % n]
    return json.dumps(doc).encode()


def connect(i):
    c = http.client.HTTPSConnection(
        url.hostname, url.port, context=ctx, timeout=30, source_address=("127.0.0.%d" % (i + 2), 0)
    )
    c.connect()
    return c


def client(i, c, until):
    while time.monotonic() < until:
        with lock:
            n = state["n"]
            state["n"] += 1
        data = body(n)
        headers = {
            "Authorization": "Bearer " + token,
            "Content-Type": "application/fhir+json",
            "X-Request-ID": str(uuid.uuid4()),
        }
        sent = time.monotonic()
        try:
            c.request("POST", "/fhir/r4/ServiceRequest", data, headers)
            r = c.getresponse()
            answer = r.read()
            done = time.monotonic()
        except (OSError, http.client.HTTPException) as e:
            with lock:
                failures.append("%s: %s" % (type(e).__name__, e))
            c.close()
            c = connect(i)
            continue
        with lock:
            if r.status == 201:
                times.append(done - sent)
            else:
                failures.append("%d %s" % (r.status, answer[:120].decode("utf-8", "replace")))


def pct(sorted_ms, p):
    """The nearest-rank p-th percentile."""
    k = max(0, -(-len(sorted_ms) * p // 100) - 1)
    return sorted_ms[int(k)]


people = [connect(i) for i in range(conns)]
start = time.monotonic()
until = start + seconds
threads = [threading.Thread(target=client, args=(i, c, until)) for i, c in enumerate(people)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - start
ms = sorted(t * 1000 for t in times)
if not ms:
    print("FHIR submission: no answers (%s)" % "; ".join(failures[:3]))
    sys.exit(1)
print(
    "%d FHIR submissions in %.1f s through %d TLS connections, %d not answered 201"
    % (len(ms) + len(failures), elapsed, conns, len(failures))
)
print(
    "FHIR ServiceRequest over HTTPS: %.0f submissions/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms"
    % (len(ms) / elapsed, pct(ms, 50), pct(ms, 99), ms[-1])
)
if failures:
    print("not answered 201: " + "; ".join(sorted(set(failures))[:3]))
    sys.exit(1)
