# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-kill.sh — `kill -9` of a worker: the job ends failed with
# ExitStatus 9 (the signal) and says so.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

sluice_gate
id=$(sluice_submit sh script="$(sluice_gate_script "$SLUICE_GATE")")
wait_until "$SLUICE_BOUND" sluice_running "$id"

step "kill -9 of the worker → failed, signal 9"
pid=$(sluice_unit_prop "$id" MainPID)
assert_match '^[1-9][0-9]*$' "$pid" "MainPID of $(sluice_unit "$id")"
container_exec kill -KILL "$pid"
assert_eq "done failed" "$(sluice_wait "$id")" "Wait(finished) of job $id"
assert_eq 9 "$(sluice_prop "$id" ExitStatus)" "ExitStatus (the signal)"
detail=$(sluice_prop "$id" ResultDetail)
assert_match 'signal|SIGKILL|KILL' "$detail" "ResultDetail of a killed worker"
wait_until "$SLUICE_BOUND" sluice_unit_gone "$id"
