# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-retry.sh — class flaky (conf/retry.conf: Retry=2, RetryDelaySec=2)
# fails every time: three attempts, each in a unit run of its own, at least
# RetryDelaySec apart (the delay is a lower bound sluice promises, not a
# measurement of speed); Attempt counts them, the final result is the last
# attempt's.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup
sluice_add_dropin retry

step "a job of class flaky (Retry=2, RetryDelaySec=2) that always exits 1"
sluice_gate
tag=attempt-$SLUICE_GATE
id=$(sluice_submit flaky script="echo $tag; exit 1")
assert_eq "done failed" "$(sluice_wait "$id")" "Wait(finished) of job $id"
assert_eq 3 "$(sluice_prop "$id" Attempt)" "Attempt after the last try"
assert_eq 1 "$(sluice_prop "$id" ExitStatus)" "ExitStatus of the last attempt"

step "three runs in the journal, stamped attempt 1, 2, 3, RetryDelaySec apart"
three_runs() {
	[[ $(container_exec journalctl --no-pager -o cat "SLUICE_JOB_ID=$id" _TRANSPORT=stdout | grep -cxF "$tag") == 3 ]]
}
wait_until "$SLUICE_BOUND" three_runs
container_exec journalctl --no-pager -o json "SLUICE_JOB_ID=$id" _TRANSPORT=stdout >"$SCENARIO_TMP/journal.json"
# The unit's own LogExtraFields say which attempt wrote a line (SLUICE_ATTEMPT);
# journald's _SYSTEMD_INVOCATION_ID is shown only: it may be missing for a
# process that is gone before journald looks at it.
report=$(python3 - "$SCENARIO_TMP/journal.json" "$tag" 2000000 <<'PY'
import json, sys
path, tag, delay = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = []
for line in open(path):
    e = json.loads(line)
    if e.get("MESSAGE") == tag:
        runs.append((int(e["__REALTIME_TIMESTAMP"]), e.get("SLUICE_ATTEMPT", "?"),
                     e.get("_SYSTEMD_INVOCATION_ID", "")))
runs.sort()
gaps = [b[0] - a[0] for a, b in zip(runs, runs[1:])]
print("runs=%d attempts=%s gaps_ms=%s short=%d invocations=%d" % (
    len(runs), ",".join(r[1] for r in runs),
    ",".join(str(g // 1000) for g in gaps), sum(1 for g in gaps if g < delay),
    len({r[2] for r in runs if r[2]})))
PY
)
echo "   $report"
assert_match '^runs=3 attempts=1,2,3 gaps_ms=[0-9]+,[0-9]+ short=0 ' "$report" \
	"attempts in the journal (short = gaps below RetryDelaySec)"
