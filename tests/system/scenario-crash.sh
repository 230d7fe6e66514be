# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-crash.sh — sluiced SIGKILLed at random moments under a workload of
# command jobs (class crash-cmd: short /bin/sleep units, MaxRunning=2) and
# lease jobs (class crash-lease, MaxRunning=1: two holders that acquire, hold
# a little, release), N times (SLUICE_CRASH_N, or N; 20 by default). After
# every restart:
#   - every acknowledged job (its client got the object path) is in
#     ListJobs(history=true) exactly once;
#   - no sluice-job-* unit runs without its job;
#   - no unit ran twice (distinct INVOCATION_ID per unit in PID 1's journal);
# and all along, sampled: never more than 2 crash-cmd units active, never
# more than 2 crash-cmd jobs or 1 crash-lease job running in sluiced's view.
# At the end every acknowledged command job must end success or lost, and
# the totals are printed. First, deterministically: a job whose unit ends and
# is collected while sluiced is down gets its real result from the journal.
#
#   N=200 SLUICE_SCENARIO_TIMEOUT=3600 SLUICE_SYSTEM_SCENARIOS=crash \
#       meson test -C build --suite system --timeout-multiplier=4 --print-errorlogs

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

kills=${SLUICE_CRASH_N:-${N:-20}}
[[ $kills =~ ^[0-9]+$ ]] || fail "N=$kills is not a number"
dir=/run/sluice-test/crash
tmp=$SCENARIO_TMP
started_at=$(container_exec date +%s)

# Whatever happens, the workload stops and no holder outlives the scenario.
stop_workload() {
	local rc=$?
	# The workers stop at their next turn (a lease holder within ~4 s).
	container_exec touch "$dir/stop" >/dev/null 2>&1 || true
	[[ -n ${sampler:-} ]] && kill "$sampler" 2>/dev/null
	sluice_cleanup "$rc"
}
trap stop_workload EXIT

container_exec rm -rf "$dir"
container_exec mkdir -p "$dir"
container_copy_in "$SLUICE_SYSTEM_DIR/crash-workload.sh" /run/sluice-test/crash-workload.sh
sluice_add_dropin crash

# sluiced_pid: sluiced's MainPID (0 while it is down).
sluiced_pid() {
	container_exec systemctl show --value --property=MainPID sluiced.service
}
# sluiced_up: running and owning its name (re-attach and restore are done by then).
sluiced_up() {
	[[ $(sluiced_pid) != 0 ]] &&
		container_exec busctl --system call "$SLUICE_BUS" "$SLUICE_MANAGER" org.freedesktop.DBus.Peer Ping \
			>/dev/null 2>&1
}
list_history() {
	container_exec busctl --system --json=short call "$SLUICE_BUS" "$SLUICE_MANAGER" org.sluice.Scheduler1 \
		ListJobs 'a{sv}' 1 history b true
}
running_of() {
	container_exec busctl --system call "$SLUICE_BUS" "$SLUICE_MANAGER" org.sluice.Scheduler1 ListJobs 'a{sv}' 2 \
		class s "$1" states as 1 running 2>/dev/null | awk '{ print $2 }'
}
# active_units: "ID STATE" of every crash unit that is not inactive/failed.
active_units() {
	container_exec systemctl list-units --all --plain --no-legend 'sluice-job-*.service' 2>/dev/null |
		awk -v first="$first" '{
			id = $1; sub(/^sluice-job-/, "", id); sub(/\.service$/, "", id)
			if (id + 0 >= first && $3 != "inactive" && $3 != "failed") print id, $3 }'
}

step "the first job: ids of this scenario start here"
first=$(sluice_submit crash-cmd secs=0.01)
assert_eq "done success" "$(sluice_wait "$first")" "Wait(finished) of the probe job $first"

step "a unit that ends and is collected while sluiced is down: its result from the journal"
sluice_gate
gate=$SLUICE_GATE
down=$(sluice_submit sh script="$(sluice_gate_script "$gate"); exit 3")
wait_until "$SLUICE_BOUND" sluice_running "$down"
container_exec systemctl kill --signal=KILL sluiced.service
container_exec systemctl stop sluiced.service      # no automatic restart: it stays down
sluice_gate_open "$gate"
wait_until "$SLUICE_BOUND" sluice_unit_gone "$down"   # CollectMode=inactive-or-failed, no reference left
assert_status 0 container_exec systemctl start sluiced.service
assert_eq "done failed" "$(sluice_wait "$down")" "Wait(finished) of job $down, which ended while sluiced was down"
assert_eq 3 "$(sluice_prop "$down" ExitStatus)" "ExitStatus of job $down"
assert_contains "read from the journal" "$(sluice_prop "$down" ResultDetail)" "ResultDetail of job $down"

# The sampler: the units and sluiced's running jobs, all along.
sample() {
	local n u c l
	while :; do
		n=$(active_units | wc -l) || n=0
		c=$(running_of crash-cmd) || c=0
		l=$(running_of crash-lease) || l=0
		echo "$n ${c:-0} ${l:-0}" >>"$tmp/samples"
		if ((n > 2)); then
			{ echo "$(date +%T.%N) $n crash-cmd units active:"; active_units; } >>"$tmp/violations"
		fi
		((${c:-0} <= 2)) || echo "$(date +%T.%N) sluiced ran $c crash-cmd jobs" >>"$tmp/violations"
		((${l:-0} <= 1)) || echo "$(date +%T.%N) sluiced granted $l crash-lease leases" >>"$tmp/violations"
		sleep 0.05
	done
}
: >"$tmp/samples"
sample &
sampler=$!

step "the workload: one submitter, two lease holders"
for role in submit lease lease; do
	container_exec setsid /run/sluice-test/crash-workload.sh "$dir" "$role" >/dev/null 2>&1 </dev/null &
done
has_acked() {
	[[ $(container_exec sh -c "cat $dir/cmd-acked 2>/dev/null | wc -l") -ge 3 ]]
}
wait_until "$SLUICE_BOUND" has_acked

# check_after_restart K: the invariants, right after restart K.
check_after_restart() {
	local id state
	container_exec cat "$dir/cmd-acked" >"$tmp/cmd-acked" 2>/dev/null || : >"$tmp/cmd-acked"
	container_exec cat "$dir/lease-acked" >"$tmp/lease-acked" 2>/dev/null || : >"$tmp/lease-acked"
	list_history >"$tmp/history.json"
	"$SLUICE_SYSTEM_DIR/crash-check.py" jobs "$tmp/history.json" "$tmp/cmd-acked" "$tmp/lease-acked" \
		>"$tmp/summary" || fail "after restart $1: an acknowledged job is missing or listed twice (above)"
	# Every unit that runs has its job (re-attach is over once the name is owned).
	while read -r id state; do
		assert_status 0 container_exec busctl --system call "$SLUICE_BUS" "$SLUICE_MANAGER" \
			org.sluice.Scheduler1 GetJobRecord t "$id"
		if [[ $OUTPUT != *'"State" s "running"'* ]] &&
			[[ $(container_exec systemctl is-active "sluice-job-$id.service") == active ]]; then
			fail "after restart $1: unit sluice-job-$id.service is active, its job is not running: $OUTPUT"
		fi
	done < <(active_units)
	container_exec journalctl -o json --output-fields=UNIT,INVOCATION_ID --no-pager _PID=1 --since="@$started_at" >"$tmp/journal.json"
	"$SLUICE_SYSTEM_DIR/crash-check.py" journal "$tmp/journal.json" "$first" "$tmp/cmd-acked" \
		"$first" "$down" >"$tmp/ran" ||
		fail "after restart $1: a job ran twice (above)"
}

step "$kills SIGKILLs of sluiced at random moments"
for ((k = 1; k <= kills; k++)); do
	sleep "$((RANDOM % 2)).$((RANDOM % 10))$((RANDOM % 10))"
	before=$(sluiced_pid)
	if [[ $before == 0 ]]; then
		wait_until "$SLUICE_BOUND" sluiced_up
		before=$(sluiced_pid)
	fi
	container_exec kill -KILL "$before"
	# Restart=on-failure, or the workload's next call activates it.
	restarted() {
		local p
		p=$(sluiced_pid)
		[[ $p != 0 && $p != "$before" ]] && sluiced_up
	}
	wait_until "$SLUICE_BOUND" restarted
	# N restarts in a row must not hit systemd's start rate limit (5 in 10 s).
	container_exec systemctl reset-failed sluiced.service
	check_after_restart "$k"
	echo "    restart $k/$kills: $(wc -l <"$tmp/cmd-acked") command and $(wc -l <"$tmp/lease-acked") lease jobs acknowledged so far"
done

step "the workload stops; every acknowledged command job ends"
container_exec touch "$dir/stop"
workload_gone() {
	! container_exec pgrep -f '^/bin/bash /run/sluice-test/crash-workload.sh' >/dev/null
}
wait_until "$SLUICE_BOUND" workload_gone
all_done() {
	container_exec cat "$dir/cmd-acked" >"$tmp/cmd-acked"
	container_exec cat "$dir/lease-acked" >"$tmp/lease-acked" 2>/dev/null || : >"$tmp/lease-acked"
	list_history >"$tmp/history.json"
	"$SLUICE_SYSTEM_DIR/crash-check.py" jobs "$tmp/history.json" "$tmp/cmd-acked" "$tmp/lease-acked" \
		>"$tmp/summary" && ! grep -qE '^[a-z]+ (queued|running)' "$tmp/summary"
}
wait_until 300 all_done
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null || true
sampler=
check_after_restart final
if grep -qvE '^(command done/(success|lost)|lease done/(success|abandoned)) ' "$tmp/summary"; then
	fail "acknowledged jobs ended otherwise than expected: $(tr '\n' ';' <"$tmp/summary")"
fi
[[ ! -s $tmp/violations ]] || fail "limits exceeded: $(head -n 5 "$tmp/violations")"

step "totals"
journal=$(container_exec journalctl --no-pager -o cat -u sluiced.service --since="@$started_at")
reattached=$(grep -c 're-attached to unit' <<<"$journal" || true)
restored=$(grep -oE 'restored [0-9]+ jobs' <<<"$journal" | awk '{ s += $2 } END { print s + 0 }')
leases_restored=$(grep -c 'lease restored' <<<"$journal" || true)
lost_after=$(grep -c 'lost after restart' <<<"$journal" || true)
from_journal=$(grep -c 'ended while sluiced was down' <<<"$journal" || true)
max_units=$(awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { print m }' "$tmp/samples")
max_cmd=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$tmp/samples")
max_lease=$(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' "$tmp/samples")
unanswered=$(container_exec sh -c "cat $dir/submit-failed 2>/dev/null | wc -l")
echo "    kills:                        $kills"
echo "    command jobs acknowledged:    $(wc -l <"$tmp/cmd-acked") (Submit calls the kills cut off: $unanswered)"
echo "    lease jobs acknowledged:      $(wc -l <"$tmp/lease-acked")"
echo "    units run (acknowledged):     $(sed -n 's/^ran //p' "$tmp/ran"); ran twice: 0"
echo "    units run (unacknowledged):   $(sed -n 's/^ran-unacknowledged //p' "$tmp/ran") (committed, reply cut off)"
echo "    re-attached running jobs:     $reattached"
echo "    restored queued jobs:         $restored, leases restored: $leases_restored"
echo "    ended while sluiced was down: $from_journal (real result read from the journal)"
echo "    ended lost after a restart:   $lost_after"
echo "    results (acknowledged):       $(tr '\n' ';' <"$tmp/summary")"
echo "    samples: $(wc -l <"$tmp/samples"); most seen at once: $max_units crash-cmd units," \
	"$max_cmd crash-cmd jobs running, $max_lease crash-lease leases (limits 2, 2, 1)"
