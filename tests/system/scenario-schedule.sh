# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-schedule.sh — [Schedule] timers with real time against the real
# systemd (conf/schedule*.conf):
#   - every 2 s a job of a MaxRunning=1 class that takes 3 s (Overlap=queue):
#     the jobs pile up in the queue and never run two at once;
#   - Overlap=skip: while the first run waits on a gate, later elapses are
#     skipped (the last trigger moves, the last job stays, no second job);
#   - Persistent=yes: sluiced stopped across at least 3 elapses of a 5 s
#     calendar; at start CatchUp=once makes one job, all one per missed elapse,
#     none no job (and says so in the journal).  The number of misses is counted
#     from the stored last trigger and the new one, not assumed.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

DROPINS=/etc/sluice/sluiced.conf.d
STATE_DB=/var/lib/sluice/sluice.db

# Schedules must not go on firing into the next scenarios.
sched_cleanup() {
	local rc=$?
	container_exec touch /run/sluice-test/sched-gate-open 2>/dev/null || true
	container_exec rm -f "$DROPINS"/50-schedule-*.conf 2>/dev/null || true
	container_exec sluicectl reload >/dev/null 2>&1 || true
	sluice_cleanup "$rc"
}
trap sched_cleanup EXIT

remove_dropin() {
	container_exec rm -f "$DROPINS/50-$1.conf"
	assert_status 0 container_exec sluicectl reload
}

# sched_field NAME FIELD: one field of the schedule in the Schedules property
# (next, last, job, result).
sched_field() {
	container_exec busctl --json=short get-property "$SLUICE_BUS" "$SLUICE_MANAGER" "$SLUICE_BUS" Schedules |
		python3 -c '
import json, sys
name, field = sys.argv[1], sys.argv[2]
for n, c, nxt, last, job, res in json.load(sys.stdin)["data"]:
    if n == name:
        print({"next": nxt, "last": last, "job": job, "result": res}[field])' "$1" "$2"
}

# jobs_json CLASS: the class's jobs on the bus (queued, running, and done ones
# kept for KeepFinishedSec=1h), as JSON.
jobs_json() {
	container_exec sluicectl --json list --class "$1"
}

# history_json CLASS: the class's finished jobs with their start and end, as JSON.
history_json() {
	container_exec sluicectl --json history --class "$1"
}

step "the classes, then a schedule every 2 s of a job taking 3 s, MaxRunning=1, Overlap=queue"
sluice_add_dropin schedule
sluice_add_dropin schedule-limit
assert_status 0 container_exec sluicectl schedules
assert_match 'sched-limit +sched-slow' "$OUTPUT" "sluicectl schedules"
n_jobs() {
	jobs_json "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
four_jobs() {
	(($(n_jobs sched-slow) >= 4))
}
wait_until "$SLUICE_BOUND" four_jobs
remove_dropin schedule-limit
all_done() {
	jobs_json "$1" | python3 -c 'import json,sys; sys.exit(0 if all(j["State"] == "done" for j in json.load(sys.stdin)) else 1)'
}
wait_until 120 all_done sched-slow

step "every job succeeded, owned by root, and no two ran at once"
assert_eq "$(n_jobs sched-slow)" "$(history_json sched-slow | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
	"jobs of class sched-slow in the history"
verdict=$(history_json sched-slow | python3 -c '
import json, sys
jobs = sorted(json.load(sys.stdin), key=lambda j: j["StartedAt"])
bad = [j["Id"] for j in jobs if j["Result"] != "success" or j["Owner"] != 0]
overlaps = [(a["Id"], b["Id"]) for a, b in zip(jobs, jobs[1:]) if b["StartedAt"] < a["FinishedAt"]]
queued_behind = [b["Id"] for a, b in zip(jobs, jobs[1:]) if b["SubmittedAt"] < a["FinishedAt"]]
print(len(jobs) >= 4, bad, overlaps, len(queued_behind) > 0)')
assert_eq "True [] [] True" "$verdict" \
	"jobs >= 4, failures/foreign owners, overlapping runs, some job enqueued while the previous one ran"

step "Overlap=skip: the first run waits on a gate, later elapses are skipped"
container_exec rm -f /run/sluice-test/sched-gate-open
container_exec sh -c 'cat > /run/sluice-test/sched-gate.sh' <<'SH'
while [ ! -e /run/sluice-test/sched-gate-open ]; do sleep 0.05; done
SH
sluice_add_dropin schedule-skip
has_job() {
	[[ $(sched_field sched-skip job) != 0 ]]
}
wait_until "$SLUICE_BOUND" has_job
first=$(sched_field sched-skip job)
wait_until "$SLUICE_BOUND" sluice_running "$first"
trigger_after() {
	(($(sched_field sched-skip last) > $1))
}
last=$(sched_field sched-skip last)
wait_until "$SLUICE_BOUND" trigger_after "$last"
last=$(sched_field sched-skip last)
wait_until "$SLUICE_BOUND" trigger_after "$last"
assert_eq "$first" "$(sched_field sched-skip job)" "the schedule's last job while its first run runs"
assert_eq 1 "$(n_jobs sched-gated)" "jobs of class sched-gated after two skipped elapses"
assert_status 0 container_exec journalctl --no-pager -o cat -u sluiced.service
assert_contains "schedule sched-skip: elapse skipped: name: the previous job $first of schedule sched-skip is still running (Overlap=skip)" \
	"$OUTPUT" "sluiced's journal"
remove_dropin schedule-skip
container_exec touch /run/sluice-test/sched-gate-open
assert_eq "done success" "$(sluice_wait "$first")" "job $first"

step "catch-up: three Persistent=yes schedules every 5 s (once, all, none) trigger once each"
sluice_add_dropin schedule-catchup
triggered() {
	local s
	for s in sched-once sched-all sched-none; do
		[[ $(sched_field "$s" last) != 0 ]] || return 1
	done
}
wait_until "$SLUICE_BOUND" triggered

step "sluiced stopped across at least 3 elapses, then started"
assert_status 0 container_exec systemctl stop sluiced.service
declare -A before
for s in sched-once sched-all sched-none; do
	before[$s]=$(container_exec sqlite3 "$STATE_DB" "SELECT last_trigger FROM schedule_triggers WHERE name = '$s'")
	assert_match '^[0-9]+$' "${before[$s]}" "the stored last trigger of $s"
done
sleep 16
since=$(container_exec date '+%Y-%m-%d %H:%M:%S')
assert_status 0 container_exec systemctl start sluiced.service
# The catch-up's trigger times, read at once in one call: a schedule read a
# few seconds later may already show its next regular elapse (every 5 s),
# whose job would then count as "made at start" (seen under load in CI).
declare -A start_trigger
schedules=$(container_exec busctl --json=short get-property "$SLUICE_BUS" "$SLUICE_MANAGER" "$SLUICE_BUS" Schedules)
for s in sched-once sched-all sched-none; do
	start_trigger[$s]=$(python3 -c '
import json, sys
for n, c, nxt, last, job, res in json.loads(sys.argv[2])["data"]:
    if n == sys.argv[1]:
        print(last)' "$s" "$schedules")
done

# missed OLD NEW: the elapses of *:*:0/5 in (OLD, NEW] (usec).
missed() {
	python3 -c 'import sys; o, n = int(sys.argv[1]) // 1000000, int(sys.argv[2]) // 1000000; print(sum(1 for t in range(o + 1, n + 1) if t % 5 == 0))' "$1" "$2"
}
# made_at CLASS T: the class's jobs submitted at T (the catch-up's time).
made_at() {
	jobs_json "$1" | python3 -c 'import json,sys; t = int(sys.argv[1]); print(sum(1 for j in json.load(sys.stdin) if j["SubmittedAt"] == t))' "$2"
}
for s in sched-once sched-all sched-none; do
	after=${start_trigger[$s]}
	n=$(missed "${before[$s]}" "$after")
	((n >= 3)) || fail "$s: only $n elapses between the last trigger ${before[$s]} and the start $after"
	case $s in
	sched-once) want=1 ;;
	sched-all) want=$n ;;
	sched-none) want=0 ;;
	esac
	assert_eq "$want" "$(made_at "$s" "$after")" "$s: jobs made at start for $n missed elapses"
done
assert_status 0 container_exec journalctl --no-pager -o cat -u sluiced.service --since="$since"
assert_match "schedule sched-none: [0-9]+ missed elapse\(s\) dropped \(CatchUp=none\)" "$OUTPUT" "sluiced's journal"
assert_match "schedule sched-all: [0-9]+ missed elapse\(s\) since [0-9]+, [0-9]+ job\(s\) enqueued \(CatchUp=all\)" \
	"$OUTPUT" "sluiced's journal"
remove_dropin schedule-catchup
