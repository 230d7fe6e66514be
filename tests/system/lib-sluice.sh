# SPDX-License-Identifier: LGPL-2.1-or-later
#
# lib-sluice.sh — helpers for the scenarios that drive sluiced in the container
# (sourced by a scenario: source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"). Needs
# container.sh and assert.sh, which run.sh has loaded.
#
# Every call goes through the real system bus inside the container: sluicectl,
# busctl, gdbus, systemctl and journalctl, as an administrator would use them.

SLUICE_BUS=org.sluice.Scheduler1
SLUICE_MANAGER=/org/sluice/Scheduler1
SLUICE_JOB_IFACE=org.sluice.Scheduler1.Job
# A bound for eventually-true facts (seconds), not a timing threshold.
SLUICE_BOUND=${SLUICE_BOUND:-60}
# Gates opened and scopes resumed by sluice_cleanup when the scenario ends,
# however it ends.
_sluice_gates=()
_sluice_paused=()

# sluice_setup: the test configuration as /etc/sluice/sluiced.conf (a running
# sluiced re-reads it), no drop-ins of other scenarios, the gate directory.
sluice_setup() {
	local want=$SLUICE_SYSTEM_DIR/conf/sluiced.conf
	container_exec mkdir -p /run/sluice-test
	if ! container_exec cat /etc/sluice/sluiced.conf 2>/dev/null | cmp -s - "$want" ||
		[[ -n $(container_exec sh -c 'ls /etc/sluice/sluiced.conf.d/ 2>/dev/null') ]]; then
		container_exec rm -rf /etc/sluice/sluiced.conf.d
		container_copy_in "$want" /etc/sluice/sluiced.conf
		if container_exec systemctl --quiet is-active sluiced.service; then
			assert_status 0 container_exec sluicectl reload
		fi
	fi
	trap sluice_cleanup EXIT
}

# sluice_add_dropin NAME: conf/NAME.conf as a drop-in, then Reload(): fails
# the scenario with sluiced's own words when it refuses the configuration.
sluice_add_dropin() {
	container_copy_in "$SLUICE_SYSTEM_DIR/conf/$1.conf" "/etc/sluice/sluiced.conf.d/50-$1.conf"
	assert_status 0 container_exec sluicectl reload
}

# sluice_cleanup: opens every gate of the scenario (its jobs end instead of
# holding units in the shared container), resumes what it paused. The EXIT
# trap of sluice_setup. On a failure (the status the scenario exits with, or
# $1) it shows sluiced's journal and the job units.
sluice_cleanup() {
	local rc=${1:-$?} g
	if ((rc != 0)); then
		# What sluiced and systemd said, for the failure report.
		echo "---- sluiced's journal (last 60 lines) ----" >&2
		container_exec journalctl --no-pager -o short-monotonic -n 60 -u sluiced.service >&2 2>&1 || true
		echo "---- sluice-job units ----" >&2
		container_exec systemctl list-units --no-pager --all 'sluice-job-*' >&2 2>&1 || true
		echo "----" >&2
	fi
	for g in "${_sluice_gates[@]}"; do
		container_exec touch "/run/sluice-test/gate-$g" 2>/dev/null || true
	done
	for g in "${_sluice_paused[@]}"; do
		container_exec sluicectl resume "$g" >/dev/null 2>&1 || true
	done
}

# sluice_pause SCOPE / sluice_resume SCOPE: a paused scope is resumed by
# sluice_cleanup too, should the scenario fail before sluice_resume.
sluice_pause() {
	_sluice_paused+=("$1")
	assert_status 0 container_exec sluicectl pause "$1"
}

sluice_resume() {
	assert_status 0 container_exec sluicectl resume "$1"
}

# sluice_gate: prints a new gate name and remembers it for sluice_cleanup.
# Call it outside $(...) so that the name is remembered: sluice_gate; g=$SLUICE_GATE
sluice_gate() {
	SLUICE_GATE=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	_sluice_gates+=("$SLUICE_GATE")
}

# sluice_gate_script GATE: shell text that waits until the gate is opened.
sluice_gate_script() {
	echo "while [ ! -e /run/sluice-test/gate-$1 ]; do sleep 0.05; done"
}

# sluice_gate_open GATE
sluice_gate_open() {
	container_exec touch "/run/sluice-test/gate-$1"
}

# sluice_submit CLASS [KEY=VALUE...]: queue a job with sluicectl; prints its id.
sluice_submit() {
	assert_status 0 container_exec sluicectl submit "$@"
	assert_match '^[0-9]+$' "$OUTPUT" "the job id printed by: sluicectl submit $*"
	echo "$OUTPUT"
}

# sluice_prop ID PROPERTY: one property of job ID, without its type (strings
# without their quotes).
sluice_prop() {
	local out
	out=$(container_exec busctl get-property "$SLUICE_BUS" "$SLUICE_MANAGER/job/$1" \
		"$SLUICE_JOB_IFACE" "$2") || return 1
	out=${out#* }
	out=${out#\"}
	out=${out%\"}
	echo "$out"
}

# sluice_prop_is ID PROPERTY VALUE: for wait_until.
sluice_prop_is() {
	[[ $(sluice_prop "$1" "$2") == "$3" ]]
}

# sluice_wait ID: Wait("finished") on the job; prints "STATE RESULT".
sluice_wait() {
	local out
	out=$(container_exec busctl --timeout=600 call "$SLUICE_BUS" "$SLUICE_MANAGER/job/$1" \
		"$SLUICE_JOB_IFACE" Wait s finished) || return 1
	# ss "done" "success"
	out=${out#ss }
	echo "${out//\"/}"
}

# sluice_unit ID: the transient unit of job ID.
sluice_unit() {
	echo "sluice-job-$1.service"
}

# sluice_unit_prop ID PROPERTY: systemctl show's value for the job's unit.
sluice_unit_prop() {
	container_exec systemctl show --value --property="$2" "$(sluice_unit "$1")"
}

# sluice_unit_active ID: the job's unit is active (running).
sluice_unit_active() {
	[[ $(container_exec systemctl is-active "$(sluice_unit "$1")" 2>/dev/null) == active ]]
}

# sluice_unit_gone ID: systemd no longer knows the job's unit (collected).
sluice_unit_gone() {
	[[ $(sluice_unit_prop "$1" LoadState) == not-found ]]
}

# sluice_running ID: the job is running and its unit too.
sluice_running() {
	sluice_prop_is "$1" State running && sluice_unit_active "$1"
}

# sluice_journal ID: the output of job ID's worker(s), one line per line:
# what carries the job's SLUICE_JOB_ID and came from a stdout stream (sluiced's
# own lines about the job carry SLUICE_JOB_ID too, through the native protocol).
sluice_journal() {
	container_exec journalctl --no-pager -o cat "SLUICE_JOB_ID=$1" _TRANSPORT=stdout
}

# sluice_journal_has ID TEXT: for wait_until (the journal takes a unit's
# stdout asynchronously).
sluice_journal_has() {
	sluice_journal "$1" | grep -qxF -- "$2"
}

# sluice_show_job ID: the job's properties, for a failure message.
sluice_show_job() {
	container_exec sluicectl show "$1" 2>&1 || true
}
