# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-stop.sh — `systemctl stop` of a job's unit by someone else: systemd
# calls that a success (SIGTERM of a Type=exec service), sluice must report
# the job cancelled, and say that it was stopped from outside.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

sluice_gate
id=$(sluice_submit sh script="$(sluice_gate_script "$SLUICE_GATE")")
wait_until "$SLUICE_BOUND" sluice_running "$id"

step "systemctl stop $(sluice_unit "$id") → cancelled (external), never success"
assert_status 0 container_exec systemctl stop "$(sluice_unit "$id")"
assert_eq "done cancelled" "$(sluice_wait "$id")" "Wait(finished) of job $id"
detail=$(sluice_prop "$id" ResultDetail)
assert_match '[Ee]xtern' "$detail" "ResultDetail of a job stopped from outside"
wait_until "$SLUICE_BOUND" sluice_unit_gone "$id"
