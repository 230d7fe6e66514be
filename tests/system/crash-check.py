#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""crash-check.py — the checks of scenario-crash.sh, on files it collected.

  crash-check.py jobs LISTJOBS.json CMD_ACKED LEASE_ACKED
      LISTJOBS.json: busctl --json=short ListJobs(history=true) output.
      Every acknowledged id is listed exactly once, with the kind of its
      class.  Prints "STATE/RESULT COUNT" lines for the acknowledged jobs.
  crash-check.py journal JOURNAL.json FIRST_ID CMD_ACKED [ID...]
      JOURNAL.json: journalctl -o json of PID 1 since the scenario began.
      Counts the invocations (distinct INVOCATION_ID) of every
      sluice-job-ID.service with ID >= FIRST_ID: none may have two (the
      crash class has no Retry=: one attempt, one invocation).  Prints
      "ran N" (acknowledged jobs whose unit ran) and "ran-unacknowledged N"
      (committed jobs whose Submit() reply the kill cut off: durable before
      acknowledged means such a job exists and runs, its client saw the
      call fail).  ID...: the scenario's own jobs (acknowledged, not in
      the workload's list).
Exit status 1 with a message on stderr when a check fails.
"""
import collections
import json
import re
import sys


def read_ids(path):
    try:
        with open(path) as f:
            return [int(line) for line in f if line.strip().isdigit()]
    except FileNotFoundError:
        return []


def check_jobs(listjobs, cmd_acked, lease_acked):
    with open(listjobs) as f:
        data = json.load(f)["data"][0]
    seen = collections.Counter(entry[0] for entry in data)
    by_id = {entry[0]: entry for entry in data}
    bad = []
    summary = collections.Counter()
    for kind, klass, ids in (("command", "crash-cmd", read_ids(cmd_acked)),
                             ("lease", "crash-lease", read_ids(lease_acked))):
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
    for k in sorted(summary):
        print(f"{k} {summary[k]}")
    if bad:
        sys.stderr.write("\n".join(bad[:20]) + "\n")
        return 1
    return 0


def check_journal(journal, first_id, cmd_acked, own):
    acked = set(read_ids(cmd_acked))
    inv = collections.defaultdict(set)
    unit_re = re.compile(r"^sluice-job-([0-9]+)\.service$")
    with open(journal) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            m = unit_re.match(str(e.get("UNIT", "")))
            i = e.get("INVOCATION_ID")
            if not m or not isinstance(i, str) or int(m.group(1)) < first_id:
                continue
            inv[int(m.group(1))].add(i)
    twice = sorted(i for i, s in inv.items() if len(s) > 1)
    ran = sum(1 for i in inv if i in acked)
    unacked = sorted(i for i in inv if i not in acked and i not in own)
    print(f"ran {ran}")
    print(f"ran-unacknowledged {len(unacked)}")
    if twice:
        sys.stderr.write("jobs whose unit ran more than once (id: invocations): " +
                         ", ".join(f"{i}: {len(inv[i])}" for i in twice[:20]) + "\n")
        return 1
    return 0


def main(argv):
    if len(argv) == 5 and argv[1] == "jobs":
        return check_jobs(argv[2], argv[3], argv[4])
    if len(argv) >= 5 and argv[1] == "journal":
        return check_journal(argv[2], int(argv[3]), argv[4], {int(i) for i in argv[5:]})
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
