#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/cockpit-10k.sh BUILD_DIR [RUNS]
#
# Issue 11: does sluice's Cockpit page stay usable with 10 000 queued jobs?
# Time to a usable table, in a real browser: the throwaway systemd container
# (tests/system/container.sh) with BUILD_DIR (--prefix=/usr, built with the
# page) installed, Cockpit started by cockpit.socket, headless Chromium
# (tests/system/cockpit-browser.py bench) logged in through Cockpit's login
# page as a user of group sudo with administrative access. Everything paused,
# so the jobs stay queued; first 100 queued jobs (the baseline, same run, same
# browser), then 10 000 (Submit pipelined by tests/bench/scale-client).
#
# Per size, RUNS (default 3) fresh loads of /sluice#/jobs (the page's frame
# reloaded each time, Cockpit's shell and session kept: a reload of the shell
# can outlast cockpit-ws's 15 s idle timeout on a loaded machine); per load:
#   - rows: from the frame's navigation start (performance.now() in it) to
#     #sluice-app[data-state=ready] with the first page of rows in the DOM,
#     timestamped in the page by a MutationObserver (cockpit-browser.py's probe);
#   - sort: a click on the ID column's header to the first row changing (the
#     whole list sorted again, the page's rows redrawn);
#   - where that time went, in the frame's clock: the browser's navigation
#     timing (html received, scripts run) and the page's own marks
#     (window.sluiceTimings: connect, manager, jobs, ready; cockpit-browser.py
#     MARKS says what each one is).
# Prints each run and the medians; docs/benchmarks.md has the figures.
# Needs root and the packages of tools/install-deps.sh. Not a test: nothing
# is asserted on the figures.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
system=$here/../system
build=${1:?usage: cockpit-10k.sh BUILD_DIR [RUNS]}
runs=${2:-3}
build=$(cd "$build" && pwd)
fill=$build/tests/bench/scale-client
[[ -x $fill ]] || { echo "cockpit-10k.sh: $fill is missing: ninja -C $build" >&2; exit 1; }

# shellcheck source=../system/container.sh
source "$system/container.sh"
trap container_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

container_start >/dev/null
container_install "$build"
container_exec test -f /usr/share/cockpit/sluice/manifest.json ||
	{ echo "cockpit-10k.sh: $build has no Cockpit page (-Dcockpit=enabled)" >&2; exit 1; }

container_copy_in "$system/conf/sluiced.conf" /etc/sluice/sluiced.conf
container_copy_in "$system/conf/cockpit.conf" /etc/sluice/sluiced.conf.d/50-cockpit.conf
tmp=$(mktemp -d)
cat >"$tmp/bulk.conf" <<'CONF'
# cockpit-10k.sh: the jobs that fill the queue (never run: everything is paused).
[Scheduler]
MaxQueuedPerUser=0

[Class bulk]
Kind=command
Description=bench: a queued job
ExecStart=/bin/true
CONF
container_copy_in "$tmp/bulk.conf" /etc/sluice/sluiced.conf.d/60-bulk.conf
rm -rf "$tmp"
container_exec sluicectl reload >/dev/null
container_exec sluicectl pause "" >/dev/null

password=$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')
container_exec sh -c 'id -u sluice-bench >/dev/null 2>&1 || useradd --create-home --groups sudo sluice-bench'
echo "sluice-bench:$password" | container_exec chpasswd
container_exec systemctl start systemd-user-sessions.service cockpit.socket
container_copy_in "$system/cockpit-browser.py" /run/sluice-cockpit/cockpit-browser.py

queued() {
	container_exec busctl get-property org.sluice.Scheduler1 /org/sluice/Scheduler1 \
		org.sluice.Scheduler1 QueuedJobs | awk '{ print $2 }'
}

declare -A result=()
for n in 100 10000; do
	have=$(queued)
	if ((have < n)); then
		container_exec "$fill" --address=unix:path=/run/dbus/system_bus_socket fill $((n - have)) 4 64 >/dev/null
	fi
	echo "=== $(queued) queued jobs, $runs loads of the page"
	out=$(container_exec env SLUICE_COCKPIT_BOUND=600 python3 /run/sluice-cockpit/cockpit-browser.py bench \
		--user sluice-bench --password "$password" --runs "$runs" --out /run/sluice-cockpit/bench 2>&1) ||
		{ echo "$out" | grep -v '^#[0-9]' >&2; exit 1; }
	echo "$out" | grep '^run '
	result[$n]=$(echo "$out" | grep '^{')
done

echo
printf '%-8s %-22s %-22s %s\n' jobs "rows (median, ms)" "re-sort (median, ms)" "rows in the DOM"
for n in 100 10000; do
	python3 -c '
import json, sys
d = json.loads(sys.argv[2])
print("%-8s %-22.0f %-22.0f %s" % (sys.argv[1], d["median_rows_ms"], d["median_sort_ms"], d["dom_rows"]))' "$n" "${result[$n]}"
done
echo
echo "the page's marks, median of the loads (ms from the frame's navigation start):"
for n in 100 10000; do
	python3 -c '
import json, sys
d = json.loads(sys.argv[2])
print("%-8s " % sys.argv[1] + ", ".join("%s %.0f" % kv for kv in d["median_marks_ms"].items()))' "$n" "${result[$n]}"
done
