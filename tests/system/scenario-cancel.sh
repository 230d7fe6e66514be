# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-cancel.sh — Cancel() of a running command job stops its unit: the
# job ends cancelled (not success, although systemd calls a stop a success)
# and the unit is gone. Cancel of a queued one never starts a unit.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

sluice_gate
id=$(sluice_submit sh script="$(sluice_gate_script "$SLUICE_GATE")")
wait_until "$SLUICE_BOUND" sluice_running "$id"

step "Cancel() of a running job → cancelled, its unit gone"
assert_status 0 container_exec busctl --system call "$SLUICE_BUS" "$SLUICE_MANAGER/job/$id" "$SLUICE_JOB_IFACE" Cancel
assert_eq "done cancelled" "$(sluice_wait "$id")" "Wait(finished) of job $id"
detail=$(sluice_prop "$id" ResultDetail)
assert_not_contains extern "$detail" "ResultDetail of a job sluice cancelled itself"
wait_until "$SLUICE_BOUND" sluice_unit_gone "$id"

step "sluicectl cancel of a job not yet started (class paused) → cancelled, no unit ever"
sluice_pause class:sh
id=$(sluice_submit sh script='echo must-not-run')
assert_eq queued "$(sluice_prop "$id" State)" "State while class sh is paused"
assert_status 0 container_exec sluicectl cancel "$id"
sluice_resume class:sh
assert_eq "done cancelled" "$(sluice_wait "$id")" "Wait(finished) of job $id"
assert_eq "" "$(sluice_prop "$id" Unit)" "Unit of a job cancelled while queued"
assert_eq "" "$(sluice_journal "$id")" "output of a job cancelled while queued"
