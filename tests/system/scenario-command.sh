# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-command.sh — a command job runs in a transient unit that systemctl
# sees (sluice-job-<id>.service in sluice.slice), its job shows Unit and
# InvocationID, and the worker's output is in the journal under its
# SLUICE_JOB_ID. A template parameter becomes one argv element.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

step "a job held in its unit by a gate: running, visible to systemctl"
sluice_gate
g=$SLUICE_GATE
id=$(sluice_submit sh script="echo hello-from-job; $(sluice_gate_script "$g"); echo bye-from-job")
unit=$(sluice_unit "$id")
wait_until "$SLUICE_BOUND" sluice_running "$id"
assert_status 0 container_exec systemctl status --no-pager "$unit"
assert_contains "Active: active (running)" "$OUTPUT" "systemctl status $unit"
assert_eq sluice.slice "$(sluice_unit_prop "$id" Slice)" "the slice of $unit"
assert_eq "$unit" "$(sluice_prop "$id" Unit)" "the job's Unit"
assert_eq "$(sluice_unit_prop "$id" InvocationID)" "$(sluice_prop "$id" InvocationID)" \
	"the job's InvocationID against the unit's"
assert_match "(^| )SLUICE_JOB_ID=$id( |\$)" "$(sluice_unit_prop "$id" LogExtraFields)" "LogExtraFields of $unit"
assert_eq sh "$(sluice_prop "$id" Class)" "the job's class"
assert_eq command "$(sluice_prop "$id" Kind)" "the job's kind"
wait_until "$SLUICE_BOUND" sluice_journal_has "$id" hello-from-job

step "the gate opens: success, exit status 0, the whole output in the journal"
sluice_gate_open "$g"
assert_eq "done success" "$(sluice_wait "$id")" "Wait(finished) of job $id"
assert_eq 0 "$(sluice_prop "$id" ExitStatus)" "ExitStatus"
assert_eq 1 "$(sluice_prop "$id" Attempt)" "Attempt"
wait_until "$SLUICE_BOUND" sluice_journal_has "$id" bye-from-job
assert_eq $'hello-from-job\nbye-from-job' "$(sluice_journal "$id")" "journalctl SLUICE_JOB_ID=$id _TRANSPORT=stdout"
assert_status 0 container_exec journalctl --no-pager -o cat "SLUICE_JOB_ID=$id"
assert_contains hello-from-job "$OUTPUT" "journalctl SLUICE_JOB_ID=$id"

step "a template with a parameter: ExecStart=/bin/echo hello-from-%{word}"
id2=$(sluice_submit echo word=abc-42)
assert_eq "done success" "$(sluice_wait "$id2")" "Wait(finished) of job $id2"
wait_until "$SLUICE_BOUND" sluice_journal_has "$id2" hello-from-abc-42
assert_eq hello-from-abc-42 "$(sluice_journal "$id2")" "the output of job $id2"
assert_status nonzero container_exec sluicectl submit echo 'word=no spaces'
assert_contains "word" "$OUTPUT" "a parameter that does not match its pattern"

step "the units are collected once the results are recorded"
wait_until "$SLUICE_BOUND" sluice_unit_gone "$id"
wait_until "$SLUICE_BOUND" sluice_unit_gone "$id2"
