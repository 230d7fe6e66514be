#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fleet-check.py fails on what it must catch (synthetic records): a third
job running while two do, a request created twice (lost its place), a job
released while two earlier requests were still in front of it (it overtook
them), a job that never ran; and passes the same records done right."""
import base64
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = "/sluice/v1/res/r:x/"


def watch_line(rev, events):
    evs = []
    for kind, key, create in events:
        kv = {"key": base64.b64encode((PREFIX + key).encode()).decode(), "mod_revision": rev}
        e = {"kv": kv}
        if kind == "PUT":
            kv["create_revision"] = create
        else:
            e["type"] = 1
        evs.append(e)
    return json.dumps({"Header": {"revision": rev}, "Events": evs})


def run(watch, intervals, jobs):
    with tempfile.TemporaryDirectory() as d:
        w, i = os.path.join(d, "w"), os.path.join(d, "i")
        with open(w, "w") as f:
            rev = 1
            for kind, key in watch:
                rev += 1
                f.write(watch_line(rev, [(kind, key, rev if kind == "PUT" else 0)]) + "\n")
        with open(i, "w") as f:
            f.write("".join(f"{k} {t} {h} {j}\n" for k, t, h, j in intervals))
        r = subprocess.run([sys.executable, os.path.join(HERE, "fleet-check.py"), "check", w, PREFIX, i, "2",
                            str(jobs)], capture_output=True, text=True)
        return r.returncode, r.stdout


def iv(host, job, start, end):
    return [("start", start, host, job), ("end", end, host, job)]


GOOD_WATCH = [("PUT", "h1/1"), ("PUT", "h2/1"), ("PUT", "h3/1"), ("DELETE", "h1/1"), ("DELETE", "h2/1"),
              ("DELETE", "h3/1")]
GOOD_IV = iv("h1", 1, 100, 200) + iv("h2", 1, 110, 210) + iv("h3", 1, 205, 300)

cases = {
    "correct": (GOOD_WATCH, GOOD_IV, 3, 0),
    "three at once": (GOOD_WATCH, iv("h1", 1, 100, 200) + iv("h2", 1, 110, 210) + iv("h3", 1, 150, 300), 3, 1),
    "request created twice": (GOOD_WATCH[:3] + [("DELETE", "h1/1"), ("PUT", "h1/1")] + GOOD_WATCH[4:]
                              + [("DELETE", "h1/1")], GOOD_IV, 3, 1),
    "overtaking": ([("PUT", "h1/1"), ("PUT", "h2/1"), ("PUT", "h3/1"), ("DELETE", "h3/1"), ("DELETE", "h1/1"),
                    ("DELETE", "h2/1")], GOOD_IV, 3, 1),
    "a job never ran": (GOOD_WATCH, GOOD_IV[:4], 3, 1),
}
failed = 0
for name, (watch, intervals, jobs, want) in cases.items():
    rc, out = run(watch, intervals, jobs)
    ok = (rc == 0) == (want == 0)
    print(f"{'ok' if ok else 'WRONG'}: {name}: exit {rc}")
    if not ok:
        print(out)
        failed += 1
sys.exit(1 if failed else 0)
