# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-smoke.sh — the real stack sluice will stand on works in the container:
# systemd as PID 1, transient units with their exit status and journal fields,
# the stop trap (a stopped unit reports success), polkit's refusals, the bus.
# Run by run.sh with container.sh and assert.sh loaded.

step "systemd is PID 1 and the boot finished"
state=$(container_exec systemctl is-system-running || true)
assert_match '^(running|degraded)$' "$state" "system state"
assert_eq systemd-nspawn "$(container_exec systemd-detect-virt --container)" "virtualization seen inside"

step "busctl reaches org.freedesktop.systemd1 on the system bus"
assert_status 0 container_exec busctl --system call org.freedesktop.systemd1 \
	/org/freedesktop/systemd1 org.freedesktop.DBus.Peer Ping
assert_status 0 container_exec_as 65534 busctl --system get-property org.freedesktop.systemd1 \
	/org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Virtualization
assert_eq 's "systemd-nspawn"' "$OUTPUT" "Manager.Virtualization read as uid 65534"

step "a transient unit that exits 3 fails with status 3; its output is in the journal under SLUICE_JOB_ID"
# Ids of our own: sluiced's log lines carry SLUICE_JOB_ID=<n> of its jobs too,
# and scenarios share the container.
jid=smoke-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
assert_status 3 container_exec systemd-run --wait --quiet --unit=sluice-smoke-1 \
	"--property=LogExtraFields=SLUICE_JOB_ID=$jid" /bin/sh -c 'echo hello-from-unit; exit 3'
assert_eq $'Result=exit-code\nExecMainCode=1\nExecMainStatus=3' \
	"$(container_exec systemctl show --property=Result,ExecMainCode,ExecMainStatus sluice-smoke-1.service)" \
	"the failed unit's result"
# The journal takes the line from the unit's stdout stream asynchronously: wait for it.
wait_until 30 container_exec sh -c "journalctl --no-pager -o cat SLUICE_JOB_ID=$jid | grep -qx hello-from-unit"
assert_eq hello-from-unit "$(container_exec journalctl --no-pager -o cat "SLUICE_JOB_ID=$jid")" \
	"journal lines with SLUICE_JOB_ID=$jid"
assert_eq "" "$(container_exec journalctl --no-pager -o cat "SLUICE_JOB_ID=$jid-other")" \
	"journal lines with SLUICE_JOB_ID=$jid-other (no such unit)"
container_exec systemctl reset-failed sluice-smoke-1.service

step "a unit stopped by 'systemctl stop' ends with Result=success (sluice must remember who stopped it)"
container_exec systemd-run --wait --unit=sluice-smoke-2 --property=Type=exec \
	/bin/sleep 1000 >"$SCENARIO_TMP/smoke-2.out" 2>&1 &
waiter=$!
wait_until 30 container_exec systemctl is-active --quiet sluice-smoke-2.service
assert_status 0 container_exec systemctl stop sluice-smoke-2.service
status=0
wait "$waiter" || status=$?
out=$(<"$SCENARIO_TMP/smoke-2.out")
assert_eq 0 "$status" "systemd-run --wait status for a stopped unit"
assert_contains "Finished with result: success" "$out" "systemd-run's report on the stopped unit"
assert_contains "code=killed/status=TERM" "$out" "how the stopped unit's process ended"
assert_eq inactive "$(container_exec systemctl is-active sluice-smoke-2.service || true)" "state after the stop"

step "polkit refuses systemd-run for uid 65534"
assert_status nonzero container_exec_as 65534 systemd-run --wait --quiet /bin/true
assert_contains "Interactive authentication required" "$OUTPUT" "systemd-run as uid 65534"
assert_status nonzero container_exec_as 65534 busctl --system call org.freedesktop.systemd1 \
	/org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartUnit ss basic.target replace
assert_contains "Interactive authentication required" "$OUTPUT" "StartUnit over the bus as uid 65534"

step "the stack is intact after all that"
state=$(container_exec systemctl is-system-running || true)
assert_match '^(running|degraded)$' "$state" "system state at the end"
