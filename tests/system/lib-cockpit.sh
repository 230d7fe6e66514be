# SPDX-License-Identifier: LGPL-2.1-or-later
#
# lib-cockpit.sh — what the Cockpit scenarios (scenario-cockpit.sh,
# scenario-cockpit-viewer.sh) share: Cockpit started as admins start it,
# two real local users with passwords, cockpit-browser.py copied in, and
# run_browser to drive it. Sourced after lib-sluice.sh and sluice_setup.
# Idempotent: both scenarios run in the same container.

ADMIN_USER=sluice-web-admin
VIEWER_USER=sluice-web-viewer
# Throwaway passwords of throwaway users in a throwaway container.
ADMIN_PASSWORD=$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')
VIEWER_PASSWORD=$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')
DRIVER=/run/sluice-cockpit/cockpit-browser.py
OUT=/run/sluice-cockpit

cockpit_cleanup() {
	local rc=$?
	if ((rc != 0)); then
		# PID 1's side, for a unit that failed to start (seen once: a job
		# ended "exit status 219", systemd's EXIT_CGROUP, before it ran).
		echo "---- PID 1's journal (last 40 lines) ----" >&2
		container_exec journalctl --no-pager -o short-monotonic -n 40 _PID=1 >&2 2>&1 || true
	fi
	# Whatever the browser left held: resume, and end the class's jobs.
	container_exec sluicectl resume "" >/dev/null 2>&1 || true
	container_exec sluicectl resume class:web >/dev/null 2>&1 || true
	# Every gate of the browser's jobs (cockpit-browser.py: new_gate).
	container_exec touch /run/sluice-test/gate-all-cockpit 2>/dev/null || true
	if [[ -n ${SLUICE_COCKPIT_ARTIFACTS:-} ]]; then
		mkdir -p "$SLUICE_COCKPIT_ARTIFACTS"
		cp -a "$SCENARIO_TMP"/. "$SLUICE_COCKPIT_ARTIFACTS"/ 2>/dev/null || true
	fi
	# Cockpit stays up: both scenarios use it, and a cockpit.service stopped
	# and started again between two logins answered the second one with
	# "transport closed: no-session" (seen here). Port 9090 is nobody else's.
	sluice_cleanup "$rc"
}
trap cockpit_cleanup EXIT

# run_browser MODE ARGS...: cockpit-browser.py MODE in the container, its
# output shown as it comes; its screenshots and console log copied to
# $SCENARIO_TMP/MODE whatever the outcome.
run_browser() {
	local mode=$1 rc=0
	shift
	container_exec env SLUICE_COCKPIT_BOUND="${SLUICE_COCKPIT_BOUND:-120}" \
		SLUICE_COCKPIT_APPEAR_BOUND="${SLUICE_COCKPIT_APPEAR_BOUND:-5}" \
		python3 "$DRIVER" "$mode" --out "$OUT/$mode" "$@" || rc=$?
	fetch_artifacts "$mode"
	((rc == 0)) || fail "cockpit-browser.py $mode failed (exit status $rc; its output above, files in $SCENARIO_TMP/$mode)"
}

# fetch_artifacts WHO: the browser's files of one run, to $SCENARIO_TMP/WHO.
fetch_artifacts() {
	mkdir -p "$SCENARIO_TMP/$1"
	container_exec tar -C "$OUT/$1" -cf - . 2>/dev/null | tar -C "$SCENARIO_TMP/$1" -xf - || true
}

step "the pieces: the page installed, Cockpit, Chromium, Selenium"
assert_status 0 container_exec test -f /usr/share/cockpit/sluice/manifest.json
assert_status 0 container_exec test -x /usr/lib/cockpit/cockpit-ws
assert_status 0 container_exec test -x /usr/bin/chromedriver
assert_status 0 container_exec python3 -c 'import selenium'
assert_status 0 container_exec test -x /usr/bin/sudo
sluice_add_dropin cockpit

step "two local users with passwords: an admin in group sudo, an ordinary user"
for u in "$ADMIN_USER" "$VIEWER_USER"; do
	container_exec sh -c "id -u $u >/dev/null 2>&1 || useradd --create-home --shell /bin/bash $u"
done
container_exec usermod -a -G sudo "$ADMIN_USER"
printf '%s:%s\n%s:%s\n' "$ADMIN_USER" "$ADMIN_PASSWORD" "$VIEWER_USER" "$VIEWER_PASSWORD" |
	container_exec chpasswd
assert_contains sudo "$(container_exec id -nG "$ADMIN_USER")" "the admin's groups"
assert_not_contains sudo "$(container_exec id -nG "$VIEWER_USER")" "the ordinary user's groups"

step "Cockpit as admins start it: systemctl start cockpit.socket"
# The container boots basic.target only: systemd-user-sessions.service, which
# removes /run/nologin at the end of a normal boot, has not run, and PAM
# (pam_nologin) would refuse every login but root's.
container_exec systemctl start systemd-user-sessions.service
container_exec systemctl start cockpit.socket
assert_eq active "$(container_exec systemctl is-active cockpit.socket)" "cockpit.socket"

container_exec mkdir -p "$OUT" /run/sluice-test
container_exec rm -f /run/sluice-test/gate-all-cockpit
container_copy_in "$SLUICE_SYSTEM_DIR/cockpit-browser.py" "$DRIVER"

