# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-restart.sh — `systemctl restart sluiced` while two command jobs run:
# their units go on (they are not sluiced's children), the new sluiced finds
# them again (ListUnitsByPatterns sluice-job-*), rebuilds the jobs with their
# ids, classes, parameters and StartedAt, and reports their true results when
# they end.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

sluice_gate
g1=$SLUICE_GATE
sluice_gate
g2=$SLUICE_GATE
s1="$(sluice_gate_script "$g1"); echo first-done; exit 0"
s2="$(sluice_gate_script "$g2"); echo second-done; exit 4"
id1=$(sluice_submit sh script="$s1")
id2=$(sluice_submit sh script="$s2")
wait_until "$SLUICE_BOUND" sluice_running "$id1"
wait_until "$SLUICE_BOUND" sluice_running "$id2"
inv1=$(sluice_unit_prop "$id1" InvocationID)
inv2=$(sluice_unit_prop "$id2" InvocationID)
pid_before=$(container_exec systemctl show --value --property=MainPID sluiced.service)
started1=$(sluice_prop "$id1" StartedAt)
started2=$(sluice_prop "$id2" StartedAt)

step "systemctl restart sluiced while jobs $id1 and $id2 run"
assert_status 0 container_exec systemctl restart sluiced.service
pid_after=$(container_exec systemctl show --value --property=MainPID sluiced.service)
[[ $pid_after != "$pid_before" ]] || fail "sluiced's MainPID did not change over the restart ($pid_before)"
assert_eq "$inv1" "$(sluice_unit_prop "$id1" InvocationID)" "the unit of job $id1 is the same run"
assert_eq "$inv2" "$(sluice_unit_prop "$id2" InvocationID)" "the unit of job $id2 is the same run"

step "the new sluiced knows both jobs again, running"
for id in "$id1" "$id2"; do
	assert_status 0 container_exec busctl --system call "$SLUICE_BUS" "$SLUICE_MANAGER" org.sluice.Scheduler1 GetJob t "$id"
	assert_eq "o \"$SLUICE_MANAGER/job/$id\"" "$OUTPUT" "GetJob($id) after the restart"
	assert_eq running "$(sluice_prop "$id" State)" "State of job $id after the restart"
	assert_eq sh "$(sluice_prop "$id" Class)" "Class of job $id after the restart"
	assert_eq "$(sluice_unit "$id")" "$(sluice_prop "$id" Unit)" "Unit of job $id after the restart"
	assert_eq "$(sluice_unit_prop "$id" InvocationID)" "$(sluice_prop "$id" InvocationID)" \
		"InvocationID of job $id after the restart"
done
# StartedAt is sluice's start of the job, stored: the same value, not the
# unit's ExecMainStartTimestamp (a few ms later) read at the re-attach.
assert_eq "$started1" "$(sluice_prop "$id1" StartedAt)" "StartedAt of job $id1 after the restart"
assert_eq "$started2" "$(sluice_prop "$id2" StartedAt)" "StartedAt of job $id2 after the restart"
assert_contains "first-done" "$(container_exec busctl --system get-property "$SLUICE_BUS" "$SLUICE_MANAGER/job/$id1" \
	"$SLUICE_JOB_IFACE" Parameters)" "Parameters of job $id1 after the restart"
assert_eq 2 "$(container_exec busctl --system get-property "$SLUICE_BUS" "$SLUICE_MANAGER" org.sluice.Scheduler1 RunningJobs |
	sed 's/^u //')" "RunningJobs after the restart"

step "they finish with their true results"
sluice_gate_open "$g1"
sluice_gate_open "$g2"
assert_eq "done success" "$(sluice_wait "$id1")" "Wait(finished) of job $id1"
assert_eq "done failed" "$(sluice_wait "$id2")" "Wait(finished) of job $id2"
assert_eq 4 "$(sluice_prop "$id2" ExitStatus)" "ExitStatus of job $id2"
wait_until "$SLUICE_BOUND" sluice_unit_gone "$id1"
wait_until "$SLUICE_BOUND" sluice_unit_gone "$id2"

step "new jobs get new ids"
id3=$(sluice_submit echo word=after-restart)
((id3 > id2)) || fail "job id $id3 after the restart is not above $id2"
assert_eq "done success" "$(sluice_wait "$id3")" "Wait(finished) of job $id3"
