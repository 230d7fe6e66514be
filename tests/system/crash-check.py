#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""crash-check.py — the checks of scenario-crash.sh, on files it collected.

  crash-check.py jobs LISTJOBS.json CMD_ACKED LEASE_ACKED [--ttl-acked F]
                 [--cancel-submitted F] [--cancel-acked F] [--release-acked F]
                 [--stop-submitted F] [--stop-acked F] [--each F]
      LISTJOBS.json: busctl --json=short ListJobs(history=true) output.
      Every acknowledged id is listed exactly once, with the kind of its
      class (CMD_ACKED and --cancel-submitted: crash-cmd, LEASE_ACKED:
      crash-lease, --ttl-acked: crash-ttl).  Every acknowledged cancel
      (--cancel-acked) stands: done/cancelled; every acknowledged release
      (--release-acked) stands: done/success; a job submitted to be
      cancelled (not before an hour from now) is queued or done/cancelled,
      never anything else.  A job cancelled while it ran (--stop-acked, of
      --stop-submitted: class crash-stop) is still running (its unit is
      being stopped) or done/cancelled: never success or failed, although
      its command exits 0 or 1 when stopped (issue 10).  Prints
      "KIND STATE/RESULT COUNT" lines (kinds command, lease, ttl, cancel,
      stop) and "cancels-acked N", "releases-acked N", "stops-acked N";
      --each F: "KIND STATE/RESULT ID" per acknowledged job to F.
  crash-check.py paused PAUSED.json PAUSE_ACKED RESUME_ACKED RESUME_TRIED
      PAUSED.json: busctl --json=short get-property … Paused.  Every scope
      whose Pause() was answered and whose Resume() was not tried yet is
      paused; every scope whose Resume() was answered is not.  Read the
      acknowledgements before the property and RESUME_TRIED after it.
      Prints "pauses-acked N" and "resumes-acked N".
  crash-check.py journal JOURNAL.json FIRST_ID CMD_ACKED [ID...] [--never-ran F]
                 [--stop-submitted F]
      JOURNAL.json: journalctl -o json of PID 1 since the scenario began.
      Counts the invocations (distinct INVOCATION_ID) of every
      sluice-job-ID.service with ID >= FIRST_ID: none may have two (the
      crash class has no Retry=: one attempt, one invocation), and no job
      listed in --never-ran may have one.  Prints "ran N" (acknowledged jobs
      whose unit ran) and "ran-unacknowledged N" (committed jobs whose
      Submit() reply the kill cut off: durable before acknowledged means
      such a job exists and runs, its client saw the call fail).  ID...: the
      scenario's own jobs (acknowledged, not in the workload's list);
      --stop-submitted: the crash-stop jobs (acknowledged too).
Exit status 1 with a message on stderr when a check fails.
"""
import argparse
import collections
import json
import re
import sys


def read_lines(path):
    if not path:
        return []
    try:
        with open(path) as f:
            return [line.strip() for line in f if line.strip()]
    except FileNotFoundError:
        return []


def read_ids(path):
    return [int(x) for x in read_lines(path) if x.isdigit()]


def check_jobs(a):
    with open(a.listjobs) as f:
        data = json.load(f)["data"][0]
    seen = collections.Counter(entry[0] for entry in data)
    by_id = {entry[0]: entry for entry in data}
    bad = []
    summary = collections.Counter()
    each = []
    for kind, klass, ids in (("command", "crash-cmd", read_ids(a.cmd_acked)),
                             ("lease", "crash-lease", read_ids(a.lease_acked)),
                             ("ttl", "crash-ttl", read_ids(a.ttl_acked)),
                             ("cancel", "crash-cmd", read_ids(a.cancel_submitted)),
                             ("stop", "crash-stop", read_ids(a.stop_submitted))):
        dup = collections.Counter(ids)
        for i, n in dup.items():
            if n > 1:
                bad.append(f"{kind} id {i} was acknowledged {n} times")
        for i in dup:
            if seen[i] != 1:
                bad.append(f"acknowledged {kind} job {i} is listed {seen[i]} times")
                continue
            if by_id[i][1] != klass:
                bad.append(f"acknowledged {kind} job {i} is listed with class {by_id[i][1]}")
            state, result = by_id[i][2], by_id[i][3]
            summary[f"{kind} {state}{'/' + result if result else ''}"] += 1
            each.append(f"{kind} {state}{'/' + result if result else ''} {i}")
            if kind == "cancel" and state != "queued" and (state, result) != ("done", "cancelled"):
                bad.append(f"job {i}, submitted not before an hour from now to be cancelled, is {state}/{result}")
    for what, ids, want in (("cancel", read_ids(a.cancel_acked), [("done", "cancelled")]),
                            ("release", read_ids(a.release_acked), [("done", "success")]),
                            ("stop", read_ids(a.stop_acked), [("done", "cancelled"), ("running", "")])):
        for i in set(ids):
            got = (by_id[i][2], by_id[i][3]) if i in by_id else ("missing", "")
            if got not in want:
                bad.append(f"the acknowledged {what} of job {i} did not stand: it is {got[0]}/{got[1]}")
        summary[f"{what}s-acked {len(set(ids))}"] = 0
    for k in sorted(summary):
        print(f"{k} {summary[k]}" if summary[k] else k)
    if a.each:
        with open(a.each, "w") as f:
            f.write("".join(line + "\n" for line in each))
    if bad:
        sys.stderr.write("\n".join(bad[:20]) + "\n")
        return 1
    return 0


def check_paused(a):
    with open(a.paused) as f:
        paused = set(json.load(f)["data"])
    pause_acked = set(read_lines(a.pause_acked))
    resume_acked = set(read_lines(a.resume_acked))
    resume_tried = set(read_lines(a.resume_tried))
    bad = [f"the acknowledged Pause({s}) did not stand: not paused"
           for s in sorted(pause_acked - resume_tried) if s not in paused]
    bad += [f"the acknowledged Resume({s}) did not stand: paused" for s in sorted(resume_acked) if s in paused]
    print(f"pauses-acked {len(pause_acked)}")
    print(f"resumes-acked {len(resume_acked)}")
    if bad:
        sys.stderr.write("\n".join(bad[:20]) + "\n")
        return 1
    return 0


def check_journal(a):
    acked = set(read_ids(a.cmd_acked))
    never = set(read_ids(a.never_ran))
    own = set(a.own) | set(read_ids(a.stop_submitted))
    inv = collections.defaultdict(set)
    unit_re = re.compile(r"^sluice-job-([0-9]+)\.service$")
    with open(a.journal) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            m = unit_re.match(str(e.get("UNIT", "")))
            i = e.get("INVOCATION_ID")
            if not m or not isinstance(i, str) or int(m.group(1)) < a.first_id:
                continue
            inv[int(m.group(1))].add(i)
    twice = sorted(i for i, s in inv.items() if len(s) > 1)
    ran = sum(1 for i in inv if i in acked)
    unacked = sorted(i for i in inv if i not in acked and i not in own and i not in never)
    ran_never = sorted(i for i in inv if i in never)
    print(f"ran {ran}")
    print(f"ran-unacknowledged {len(unacked)}")
    rc = 0
    if twice:
        sys.stderr.write("jobs whose unit ran more than once (id: invocations): " +
                         ", ".join(f"{i}: {len(inv[i])}" for i in twice[:20]) + "\n")
        rc = 1
    if ran_never:
        sys.stderr.write("jobs submitted to be cancelled whose unit ran: " +
                         ", ".join(str(i) for i in ran_never[:20]) + "\n")
        rc = 1
    return rc


def main(argv):
    p = argparse.ArgumentParser(prog="crash-check.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    j = sub.add_parser("jobs")
    j.add_argument("listjobs")
    j.add_argument("cmd_acked")
    j.add_argument("lease_acked")
    for opt in ("--ttl-acked", "--cancel-submitted", "--cancel-acked", "--release-acked", "--stop-submitted",
                "--stop-acked", "--each"):
        j.add_argument(opt)
    s = sub.add_parser("paused")
    for arg in ("paused", "pause_acked", "resume_acked", "resume_tried"):
        s.add_argument(arg)
    n = sub.add_parser("journal")
    n.add_argument("journal")
    n.add_argument("first_id", type=int)
    n.add_argument("cmd_acked")
    n.add_argument("--never-ran")
    n.add_argument("--stop-submitted")
    n.add_argument("own", nargs="*", type=int)
    a = p.parse_args(argv[1:])
    return {"jobs": check_jobs, "paused": check_paused, "journal": check_journal}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
