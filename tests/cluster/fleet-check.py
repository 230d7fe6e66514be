#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reads what tests/cluster/scenario-fleet.sh recorded and checks it.

  fleet-check.py keys WATCH PREFIX          number of distinct keys ever created under PREFIX
  fleet-check.py live WATCH PREFIX          the keys under PREFIX that exist at the end, in revision order
  fleet-check.py check WATCH PREFIX INTERVALS LIMIT JOBS
        the proof of part a (issue 14), from two records that need no clock
        comparison between hosts:
        - INTERVALS: lines "start|end NANOSECONDS HOST JOBID" written by the
          job's command itself (all hosts are on this machine, one clock),
          strictly inside the time the job held its slot: never more than
          LIMIT overlap, every job has one start and one end, JOBS in all;
        - WATCH: `etcdctl watch --prefix PREFIX -w json` over the whole run:
          every job's key created exactly once (a retried request keeps its
          place), and every key, when deleted, was among the first LIMIT live
          keys by create revision (a job that overtook an earlier request
          would be deleted while that request still waited in front of it).
"""
import base64
import json
import sys


def events(path, prefix):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            for e in r.get("Events") or []:
                kv = e["kv"]
                key = base64.b64decode(kv["key"]).decode()
                if not key.startswith(prefix):
                    continue
                yield ("DELETE" if e.get("type") == 1 else "PUT", key,
                       int(kv.get("create_revision", 0)), int(kv["mod_revision"]))


def replay(path, prefix):
    """Yields (event, key, live-before) with live = {key: create_revision}."""
    live = {}
    for kind, key, create, mod in events(path, prefix):
        before = dict(live)
        if kind == "PUT":
            live.setdefault(key, create)
        else:
            live.pop(key, None)
        yield kind, key, create, before, live


def main():
    cmd, watch, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    if cmd == "keys":
        print(len({k for kind, k, *_ in events(watch, prefix) if kind == "PUT"}))
        return 0
    if cmd == "live":
        live = {}
        for kind, key, create, before, after in replay(watch, prefix):
            live = after
        for key, rev in sorted(live.items(), key=lambda kv: kv[1]):
            print(key[len(prefix):], rev)
        return 0
    assert cmd == "check"
    intervals, limit, jobs = sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
    failures = []

    # 1. Overlap of the commands' own intervals.
    points, starts, ends = [], {}, {}
    with open(intervals) as f:
        for line in f:
            kind, ns, host, job = line.split()
            (starts if kind == "start" else ends).setdefault((host, job), []).append(int(ns))
            points.append((int(ns), 0 if kind == "end" else 1, host, job))
    points.sort()
    running, peak = 0, 0
    for ns, kind, host, job in points:
        running += 1 if kind == 1 else -1
        peak = max(peak, running)
    print(f"fleet-check: {len(starts)} jobs ran, at most {peak} at once (limit {limit})")
    if peak > limit:
        failures.append(f"{peak} jobs ran at once, more than MaxRunning={limit}")
    if len(starts) != jobs or any(len(v) != 1 for v in starts.values()):
        failures.append(f"{len(starts)} distinct jobs started (want {jobs}, each once)")
    if set(starts) != set(ends) or any(len(v) != 1 for v in ends.values()):
        failures.append("a job started without ending once")

    # 2. Places in the fleet queue.
    created, deleted_out_of_place, order = {}, [], []
    for kind, key, create, before, after in replay(watch, prefix):
        if kind == "PUT":
            if key in created and created[key] != create:
                failures.append(f"{key} created twice (revisions {created[key]}, {create}): it lost its place")
            if key not in created:
                order.append(key)
            created[key] = create
        else:
            if key not in before:
                continue
            ahead = sum(1 for r in before.values() if r < before[key])
            if ahead >= limit:
                deleted_out_of_place.append(f"{key} (position {ahead + 1})")
    print(f"fleet-check: {len(created)} requests in etcd; request order by host: "
          + " ".join(k[len(prefix):].split("/")[0] for k in order))
    if len(created) != jobs:
        failures.append(f"{len(created)} keys created in etcd, want {jobs}")
    if deleted_out_of_place:
        failures.append("jobs released while not among the first %d (overtaken): %s"
                        % (limit, ", ".join(deleted_out_of_place)))
    # Start order by host, for the eye.
    first = sorted((v[0], h) for (h, j), v in starts.items())
    print("fleet-check: start order by host:      " + " ".join(h for _, h in first))
    for f_ in failures:
        print("FAIL: " + f_)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
