# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-timeout.sh — class limited has RuntimeMaxSec=1 and sleeps 600 s:
# systemd stops it, the job ends timeout.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

step "RuntimeMaxSec=1 → timeout"
id=$(sluice_submit limited)
wait_until "$SLUICE_BOUND" sluice_prop_is "$id" State running
# The unit's own RuntimeMaxUSec while it is loaded. Under load the 1 s can be
# over, and the unit collected, before systemctl runs (sluiced drops its
# reference as soon as the end is signalled): then PID 1's own line about the
# limit, below, is the proof that RuntimeMaxSec= reached the unit.
props=$(container_exec systemctl show --property=LoadState --property=RuntimeMaxUSec "$(sluice_unit "$id")")
[[ $props == *LoadState=not-found* ]] ||
	assert_contains "RuntimeMaxUSec=1s" "$props" "RuntimeMaxUSec of $(sluice_unit "$id")"
assert_eq "done timeout" "$(sluice_wait "$id")" "Wait(finished) of job $id"
unit_says_limit() {
	container_exec journalctl --no-pager -o cat -u "$(sluice_unit "$1")" | grep -q "runtime time limit"
}
wait_until "$SLUICE_BOUND" unit_says_limit "$id"
wait_until "$SLUICE_BOUND" sluice_unit_gone "$id"
