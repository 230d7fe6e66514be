# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-lease.sh — a lease holder SIGKILLed inside the container: its job
# ends abandoned and the slot (class single, MaxRunning=1) goes to the next
# holder at once. No heartbeat: the bus tells sluiced the holder is gone.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

# holder NAME: `sluicectl acquire single` in the background inside the
# container; its pid in /run/sluice-test/NAME.pid, its output in NAME.out.
holder() {
	container_exec sh -c 'sluicectl acquire single >"/run/sluice-test/$1.out" 2>&1 &
		echo $! >"/run/sluice-test/$1.pid"; wait' sh "$1-$SLUICE_GATE" \
		>"$SCENARIO_TMP/$1.log" 2>&1 &
}
holder_id() {
	container_exec cat "/run/sluice-test/$1-$SLUICE_GATE.out" 2>/dev/null
}
holder_granted() {
	[[ $(holder_id "$1") =~ ^[0-9]+$ ]]
}
queued_of_single() {
	container_exec busctl --system call "$SLUICE_BUS" "$SLUICE_MANAGER" org.sluice.Scheduler1 ListJobs 'a{sv}' 2 \
		class s single states as 1 queued
}
sluice_gate   # only for a name of our own

# Whatever happens, no holder outlives the scenario.
kill_holders() {
	local rc=$?
	container_exec sh -c 'for f in /run/sluice-test/*-"$1".pid; do [ -e "$f" ] && kill -KILL "$(cat "$f")"; done' \
		sh "$SLUICE_GATE" 2>/dev/null || true
	sluice_cleanup "$rc"
}
trap kill_holders EXIT

step "holder a gets the slot, holder b waits"
holder a
wait_until "$SLUICE_BOUND" holder_granted a
ida=$(holder_id a)
assert_eq running "$(sluice_prop "$ida" State)" "State of holder a's lease"
holder b
one_queued() {
	[[ $(queued_of_single) == "a(tsssiuto) 1 "* ]]
}
wait_until "$SLUICE_BOUND" one_queued
idb=$(queued_of_single | awk '{ print $3 }')
assert_match '^[0-9]+$' "$idb" "id of holder b's queued lease"
assert_eq "class single is full (1 of 1 running)" "$(sluice_prop "$idb" WaitReason)" "WaitReason of holder b's lease"
assert_eq "" "$(holder_id b)" "output of holder b while it waits"

step "kill -9 of holder a inside the container → its lease abandoned, b gets the slot"
pida=$(container_exec cat "/run/sluice-test/a-$SLUICE_GATE.pid")
assert_eq sluicectl "$(container_exec cat "/proc/$pida/comm")" "the process killed as holder a"
container_exec kill -KILL "$pida"
assert_eq "done abandoned" "$(sluice_wait "$ida")" "Wait(finished) of holder a's lease $ida"
assert_eq "holder vanished" "$(sluice_prop "$ida" ResultDetail)" "ResultDetail of holder a's lease"
wait_until "$SLUICE_BOUND" holder_granted b
assert_eq "$idb" "$(holder_id b)" "the lease holder b was granted"
assert_eq running "$(sluice_prop "$idb" State)" "State of holder b's lease"

step "SIGTERM of holder b: sluicectl releases its lease"
pidb=$(container_exec cat "/run/sluice-test/b-$SLUICE_GATE.pid")
container_exec kill -TERM "$pidb"
assert_eq "done success" "$(sluice_wait "$idb")" "Wait(finished) of holder b's lease $idb"
