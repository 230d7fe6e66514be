# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-timeout.sh — class limited has RuntimeMaxSec=1 and sleeps 600 s:
# systemd stops it, the job ends timeout.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

step "RuntimeMaxSec=1 → timeout"
id=$(sluice_submit limited)
wait_until "$SLUICE_BOUND" sluice_prop_is "$id" State running
assert_eq 1s "$(sluice_unit_prop "$id" RuntimeMaxUSec)" "RuntimeMaxUSec of $(sluice_unit "$id")"
assert_eq "done timeout" "$(sluice_wait "$id")" "Wait(finished) of job $id"
wait_until "$SLUICE_BOUND" sluice_unit_gone "$id"
