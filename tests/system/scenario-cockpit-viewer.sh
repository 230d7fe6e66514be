# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-cockpit-viewer.sh — sluice's Cockpit page for an ordinary user
# (issue 11, "Proof"), in the same real browser as scenario-cockpit.sh (see
# there and cockpit-browser.py): logged in through Cockpit's login page as a
# local user outside group sudo, it sees the jobs (a running and a queued one,
# as sluiced has them); every mutating control (submit, cancel, pause/resume
# everything and class web, reload, trigger the schedule) is disabled with
# polkit's reason in its title; the same calls made through the user's own
# Cockpit D-Bus channel are refused by sluiced with NotPermitted naming the
# polkit action; nothing changed; no error in the browser console.
#
# run.sh bound: 600 (s; run.sh's default is 300): a Cockpit login in Chromium
# on a loaded 2-vCPU machine (scenario-cockpit.sh says more).

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup
source "$SLUICE_SYSTEM_DIR/lib-cockpit.sh"

step "the ordinary user in the browser: sees, may not change"
# Something to see and to be refused on: a running job and a queued one.
sluice_gate
g=$SLUICE_GATE
running=$(sluice_submit web script="$(sluice_gate_script "$g")")
wait_until "$SLUICE_BOUND" sluice_running "$running"
queued=$(sluice_submit web script="echo queued-for-the-viewer")
assert_eq queued "$(sluice_prop "$queued" State)" "job $queued behind job $running (class web, MaxRunning=1)"
run_browser viewer --user "$VIEWER_USER" --password "$VIEWER_PASSWORD" --jobs "$running,$queued"
assert_eq running "$(sluice_prop "$running" State)" "job $running after the ordinary user's attempts"
assert_eq queued "$(sluice_prop "$queued" State)" "job $queued after the ordinary user's attempts"
sluice_gate_open "$g"
assert_eq "done success" "$(sluice_wait "$running")" "job $running"
assert_eq "done success" "$(sluice_wait "$queued")" "job $queued"
