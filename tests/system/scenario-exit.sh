# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-exit.sh — a worker that exits 3: the job ends failed with
# ExitStatus 3, as systemd saw it.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

step "exit 3 → failed, ExitStatus 3"
id=$(sluice_submit sh script='echo about-to-fail; exit 3')
assert_eq "done failed" "$(sluice_wait "$id")" "Wait(finished) of job $id"
assert_eq 3 "$(sluice_prop "$id" ExitStatus)" "ExitStatus"
assert_eq failed "$(sluice_prop "$id" Result)" "Result"
echo "   ResultDetail: $(sluice_prop "$id" ResultDetail)"
wait_until "$SLUICE_BOUND" sluice_journal_has "$id" about-to-fail
wait_until "$SLUICE_BOUND" sluice_unit_gone "$id"

step "exit 0 → success, ExitStatus 0"
id=$(sluice_submit sh script='exit 0')
assert_eq "done success" "$(sluice_wait "$id")" "Wait(finished) of job $id"
assert_eq 0 "$(sluice_prop "$id" ExitStatus)" "ExitStatus"

step "a command that cannot be executed → failed"
id=$(sluice_submit sh script='exec /nonexistent/command')
assert_eq "done failed" "$(sluice_wait "$id")" "Wait(finished) of job $id"
assert_eq 127 "$(sluice_prop "$id" ExitStatus)" "ExitStatus of sh's failed exec"

step "ExecStart=/bin/sh -c \"exit 3\" → sh gets three arguments and exits 3"
sluice_add_dropin quoting
id=$(sluice_submit quoted-exit)
assert_eq "done failed" "$(sluice_wait "$id")" "Wait(finished) of job $id"
assert_eq 3 "$(sluice_prop "$id" ExitStatus)" "ExitStatus of ExecStart=/bin/sh -c \"exit 3\""

step "Environment=\"GREETING=hello world\" → one variable of 11 characters"
id=$(sluice_submit quoted-env)
assert_eq "done failed" "$(sluice_wait "$id")" "Wait(finished) of job $id"
assert_eq 11 "$(sluice_prop "$id" ExitStatus)" "ExitStatus: the length of \$GREETING"
