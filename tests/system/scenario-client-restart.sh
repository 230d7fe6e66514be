# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-client-restart.sh — `systemctl restart sluiced` under a live
# workload: three `sluicectl run --class=clientpair` clients (MaxRunning=2: two
# hold a slot and run their command, one waits) and a command job. No client
# loses its command's guard: the two running leases are the same jobs after
# the restart, still running, the waiting client is still queued and is granted
# by the new sluiced in its turn, every client exits with its command's status
# and every lease ends with it (never `abandoned`). No slot is ever held twice:
# each command counts the commands running at once in a directory of its own
# (more than two is written down as an overlap). Last, kill -9 of a client
# whose command left a background job and a process in a session of its own:
# the lease ends abandoned and neither process runs on (the guard of
# `sluicectl run`, docs/design.md "Clients").

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup
sluice_add_dropin client-restart

sluice_gate
run_id=$SLUICE_GATE                    # this run's files under /run/sluice-test
active=/run/sluice-test/active-$run_id # one file per command running now
overlap=/run/sluice-test/overlap-$run_id
container_exec mkdir -p "$active"

# client NAME: `sluicectl run --class=clientpair -- sh -c SCRIPT` in the
# background inside the container; SCRIPT registers in $active, prints the
# job id, waits for gate NAME-$run_id and exits 0. Files
# /run/sluice-test/NAME-$run_id.{pid,out,err,rc}.
client() {
	local f=/run/sluice-test/$1-$run_id
	local script="touch $active/\$SLUICE_JOB_ID; n=\$(ls $active | wc -l); "
	script+="[ \$n -le 2 ] || echo \"\$n at once\" >>$overlap; echo \$SLUICE_JOB_ID; "
	script+="$(sluice_gate_script "$1-$run_id"); rm $active/\$SLUICE_JOB_ID"
	_sluice_gates+=("$1-$run_id")
	container_exec sh -c 'sluicectl run --class=clientpair -- sh -c "$2" >"$1.out" 2>"$1.err" &
		echo $! >"$1.pid"; wait $!; echo $? >"$1.rc"' sh "$f" "$script" \
		>"$SCENARIO_TMP/$1.log" 2>&1 &
}
client_file() {
	container_exec cat "/run/sluice-test/$1-$run_id.$2" 2>/dev/null
}
client_granted() {
	[[ $(client_file "$1" out) =~ ^[0-9]+$ ]]
}
client_done() {
	[[ -n $(client_file "$1" rc) ]]
}
queued_of_class() {
	container_exec busctl --system call "$SLUICE_BUS" "$SLUICE_MANAGER" org.sluice.Scheduler1 ListJobs 'a{sv}' 2 \
		class s clientpair states as 1 queued
}
one_queued() {
	[[ $(queued_of_class) == "a(tsssiuto) 1 "* ]]
}

# Whatever happens, no client outlives the scenario.
kill_clients() {
	local rc=$?
	container_exec sh -c 'for f in /run/sluice-test/*-"$1".pid; do [ -e "$f" ] && kill -KILL "$(cat "$f")"; done' \
		sh "$run_id" 2>/dev/null || true
	sluice_cleanup "$rc"
}
trap kill_clients EXIT

step "two clients run their command under a lease, a third waits; a command job runs"
client a
wait_until "$SLUICE_BOUND" client_granted a
client b
wait_until "$SLUICE_BOUND" client_granted b
client c
wait_until "$SLUICE_BOUND" one_queued
ida=$(client_file a out)
idb=$(client_file b out)
idc=$(queued_of_class | awk '{ print $3 }')
assert_match '^[0-9]+$' "$idc" "id of client c's queued lease"
sluice_gate
gj=$SLUICE_GATE
idj=$(sluice_submit sh script="$(sluice_gate_script "$gj"); exit 0")
wait_until "$SLUICE_BOUND" sluice_running "$idj"

step "systemctl restart sluiced"
pid_before=$(container_exec systemctl show --value --property=MainPID sluiced.service)
assert_status 0 container_exec systemctl restart sluiced.service
pid_after=$(container_exec systemctl show --value --property=MainPID sluiced.service)
[[ $pid_after != "$pid_before" ]] || fail "sluiced's MainPID did not change over the restart ($pid_before)"

step "the leases are the same after it: a and b running, c queued; the clients still guard their commands"
assert_eq running "$(sluice_prop "$ida" State)" "State of client a's lease $ida after the restart"
assert_eq running "$(sluice_prop "$idb" State)" "State of client b's lease $idb after the restart"
assert_eq queued "$(sluice_prop "$idc" State)" "State of client c's lease $idc after the restart"
assert_eq running "$(sluice_prop "$idj" State)" "State of command job $idj after the restart"
client_says_back() {
	[[ $(client_file "$1" err) == *"sluiced is back; job $2 is still $3"* ]]
}
wait_until "$SLUICE_BOUND" client_says_back a "$ida" held
wait_until "$SLUICE_BOUND" client_says_back b "$idb" held
wait_until "$SLUICE_BOUND" client_says_back c "$idc" queued
for n in a b c; do
	assert_not_contains "no longer guarded" "$(client_file "$n" err)" "what client $n said"
	pid=$(client_file "$n" pid)
	assert_eq sluicectl "$(container_exec cat "/proc/$pid/comm")" "client $n is still running"
done

step "a's command ends: its lease is released by a, and c is granted by the new sluiced"
sluice_gate_open "a-$run_id"
wait_until "$SLUICE_BOUND" client_done a
assert_eq 0 "$(client_file a rc)" "exit status of client a"
assert_eq "done success" "$(sluice_wait "$ida")" "Wait(finished) of client a's lease $ida"
assert_eq 0 "$(sluice_prop "$ida" ExitStatus)" "ExitStatus of client a's lease"
wait_until "$SLUICE_BOUND" client_granted c
assert_eq "$idc" "$(client_file c out)" "the lease client c runs under"

step "b and c end: every lease success, never more than two commands at once, nothing left running"
sluice_gate_open "b-$run_id"
sluice_gate_open "c-$run_id"
sluice_gate_open "$gj"
for n in b c; do
	wait_until "$SLUICE_BOUND" client_done "$n"
	assert_eq 0 "$(client_file "$n" rc)" "exit status of client $n"
done
assert_eq "done success" "$(sluice_wait "$idb")" "Wait(finished) of client b's lease $idb"
assert_eq "done success" "$(sluice_wait "$idc")" "Wait(finished) of client c's lease $idc"
assert_eq "done success" "$(sluice_wait "$idj")" "Wait(finished) of command job $idj"
assert_eq "" "$(container_exec cat "$overlap" 2>/dev/null || true)" "commands counted running at once beyond 2"
assert_eq "" "$(container_exec ls "$active")" "commands still registered as running"

step "kill -9 of a client: its lease is abandoned, and nothing of its command runs on"
f=/run/sluice-test/d-$run_id
_sluice_gates+=("d-$run_id")
container_exec sh -c 'sluicectl run --class=clientpair -- sh -c "$2" >"$1.out" 2>"$1.err" &
	echo $! >"$1.pid"; wait $!; echo $? >"$1.rc"' sh "$f" \
	"sleep 600 & echo \$! >$f.gc; setsid sleep 600 & echo \$! >$f.gc2; echo \$SLUICE_JOB_ID; wait" \
	>"$SCENARIO_TMP/d.log" 2>&1 &
wait_until "$SLUICE_BOUND" client_granted d
idd=$(client_file d out)
gone() {
	! container_exec kill -0 "$1" 2>/dev/null ||
		[[ $(container_exec sh -c 'cut -d")" -f2 "/proc/$1/stat" | cut -c2' sh "$1") == Z ]]
}
pids=("$(client_file d gc)" "$(client_file d gc2)")
for pid in "${pids[@]}"; do
	assert_match '^[0-9]+$' "$pid" "a pid of client d's command's children"
	! gone "$pid" || fail "client d's command's child $pid is not running"
done
container_exec kill -KILL "$(client_file d pid)"
assert_eq "done abandoned" "$(sluice_wait "$idd")" "Wait(finished) of client d's lease $idd"
for pid in "${pids[@]}"; do
	wait_until "$SLUICE_BOUND" gone "$pid"
done
