#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/run-units.sh [--rounds=R] [--no-sluice] [--before=DIR|--before-rev=REV]
#                          [--two-slots-only] [--jobs2=N] BUILD_DIR
#
# Issue 3's benchmark in one command (needs root, like tests/system): boots the
# throwaway systemd container (tests/system/container.sh), installs BUILD_DIR
# into it (configured with --prefix=/usr and built, bench programs included:
# `ninja -C BUILD_DIR`), gives sluiced a bench configuration, and measures in
# that one container run, R rounds (default 3; medians):
#
#   500 jobs of /bin/true, no limit:
#     raw     raw-units: 500 pipelined StartTransientUnit calls over PID 1's
#             private socket, waited for until every unit ended
#     sluice  sluice-jobs: 500 Submit of command class "bench-true"
#             (ExecStart=/bin/true, MaxRunning=0, Sandbox=none: the same unit
#             properties as raw's) on the system bus, waited for until every
#             job is done; target >= 80 % of raw
#   200 jobs of /bin/true, no limit, sluice's default Sandbox=basic:
#     raw     raw-units --sandbox=basic (the preset's properties)
#     sluice  class "bench-basic" (no Sandbox= key: the default)
#   1000 jobs of /bin/true, 2 at a time:
#     sluice  class "bench-two" (MaxRunning=2, Sandbox=none)
#     raw     raw-units --parallel=2 (a resident client keeping 2 units running)
#     systemd-run --wait, from 2 shell loops side by side
#     tsp     task-spooler, tsp -S 2
#
# then prints a side-by-side table with ratios and the CPU time PID 1,
# dbus-daemon and sluiced spent per job in each measurement, and stops the
# container (always, also on failure or Ctrl-C). --no-sluice skips sluice's
# measurements (before the systemd executor exists).
#
# Before/after in one run (issue 13): --before=DIR names a second build
# (any --prefix; only its src/daemon/sluiced is used), --before-rev=REV builds
# one from git rev REV of this repository (git archive into
# /var/tmp/sluice-bench-before-REV, meson setup, ninja; kept for the next
# run). Its sluiced then runs the 2-slot measurement too, in the same
# container, with the same bench client and configuration: a drop-in under
# /run/systemd/system/sluiced.service.d points ExecStart= at it and sluiced
# restarts for each measurement. Every round measures, in an order that
# alternates from round to round, the new sluiced, the before sluiced, the
# raw client and the systemd-run loop; the table gives medians and ratios.
# --two-slots-only skips the 500/200-job measurements and tsp; --jobs2=N
# sets the 2-slot job count (default 1000).
# Knobs: SLUICE_BENCH_TIMEOUT (s, default 300) bounds each measurement.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../system/container.sh
source "$here/../system/container.sh"

rounds=3
with_sluice=1
before=""
before_rev=""
two_only=0
jobs2=1000
while [[ $# -gt 0 ]]; do
	case $1 in
	--rounds=*) rounds=${1#--rounds=}; shift ;;
	--no-sluice) with_sluice=0; shift ;;
	--before=*) before=${1#--before=}; shift ;;
	--before-rev=*) before_rev=${1#--before-rev=}; shift ;;
	--two-slots-only) two_only=1; shift ;;
	--jobs2=*) jobs2=${1#--jobs2=}; shift ;;
	-h | --help) sed -n '3,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run-units.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[[ $# -eq 1 && $rounds =~ ^[1-9][0-9]*$ && $jobs2 =~ ^[1-9][0-9]*$ ]] ||
	{ echo "usage: run-units.sh [--rounds=R] [--no-sluice] [--before=DIR|--before-rev=REV] [--two-slots-only] [--jobs2=N] BUILD_DIR" >&2; exit 2; }
if [[ -n $before_rev ]]; then
	[[ -z $before ]] || { echo "run-units.sh: --before and --before-rev exclude each other" >&2; exit 2; }
	rev=$(git -C "$here" rev-parse --verify --short "$before_rev^{commit}") ||
		{ echo "run-units.sh: no git revision '$before_rev'" >&2; exit 2; }
	src=/var/tmp/sluice-bench-before-$rev
	before=$src/build
	if [[ ! -x $before/src/daemon/sluiced ]]; then
		echo "run-units.sh: building sluiced of $rev in $src" >&2
		rm -rf "$src" && mkdir -p "$src/tree" &&
			git -C "$here" archive "$rev" | tar -x -C "$src/tree" &&
			(cd "$src/tree" && nice meson setup "$before" --prefix=/usr >"$src/setup.log" 2>&1) &&
			nice ninja -C "$before" src/daemon/sluiced >"$src/ninja.log" 2>&1 ||
			{ echo "run-units.sh: building $rev failed (logs in $src)" >&2; exit 2; }
	fi
fi
if [[ -n $before ]]; then
	((with_sluice)) || { echo "run-units.sh: --before needs sluice's measurements" >&2; exit 2; }
	before=$(cd "$before" 2>/dev/null && pwd) && [[ -x $before/src/daemon/sluiced ]] ||
		{ echo "run-units.sh: no sluiced in the --before build '$before'" >&2; exit 2; }
fi
build=$(cd "$1" 2>/dev/null && pwd) || { echo "run-units.sh: no build directory '$1'" >&2; exit 2; }
for f in tests/bench/raw-units tests/bench/sluice-jobs src/daemon/sluiced; do
	[[ -x $build/$f ]] || { echo "run-units.sh: $build/$f is missing: ninja -C $build" >&2; exit 2; }
done
command -v tsp >/dev/null || command -v ts >/dev/null ||
	{ echo "run-units.sh: task-spooler is missing: apt-get install -y task-spooler" >&2; exit 2; }
timeout_s=${SLUICE_BENCH_TIMEOUT:-300}

trap 'container_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
container_sweep_stale
container_start || exit 1
if ((with_sluice)); then
	container_install "$build" || exit 1
fi
bin=/usr/local/libexec/sluice-bench
for f in raw-units sluice-jobs; do
	container_copy_in "$build/tests/bench/$f" "$bin/$f" || exit 1
done
container_copy_in "$here/units-inside.sh" "$bin/units-inside.sh" || exit 1
if [[ -n $before ]]; then
	container_copy_in "$before/src/daemon/sluiced" "$bin/sluiced-before" || exit 1
	before_desc=${rev:-$before}
fi

if ((with_sluice)); then
	conf=$(mktemp)
	cat >"$conf" <<'CONF'
# tests/bench/run-units.sh: no global limit, finished jobs kept past the run
[Scheduler]
MaxRunning=0
MaxQueuedPerUser=0
KeepFinishedSec=3600

[Class bench-true]
Kind=command
ExecStart=/bin/true
MaxRunning=0
Sandbox=none

[Class bench-basic]
Kind=command
ExecStart=/bin/true
MaxRunning=0

[Class bench-two]
Kind=command
ExecStart=/bin/true
MaxRunning=2
Sandbox=none
CONF
	container_copy_in "$conf" /etc/sluice/sluiced.conf || exit 1
	rm -f "$conf"
	container_exec systemctl restart sluiced.service || { container_exec journalctl -b -u sluiced --no-pager | tail -n 30; exit 1; }
fi

main_pid() { # UNIT: its MainPID inside the container, 0 if none
	container_exec systemctl show -p MainPID --value "$1" 2>/dev/null || echo 0
}
host_cpu_ms() { # PID on the host
	local hz
	hz=$(getconf CLK_TCK)
	sed 's/.*) //' "/proc/$1/stat" | awk -v hz="$hz" '{ printf "%d", ($12 + $13) * 1000 / hz }'
}

results=$(mktemp)
# measure NAME N CMD...: run CMD inside the container (bounded), record its
# RESULT line and the CPU time PID 1, dbus-daemon and sluiced spent meanwhile.
measure() {
	local name=$1 n=$2 line p1a p1b ina inb status
	shift 2
	local dbus sluiced
	dbus=$(main_pid dbus.service)
	sluiced=$(main_pid sluiced.service)
	p1a=$(host_cpu_ms "$SLUICE_CONTAINER_PID1")
	ina=$(container_exec "$bin/units-inside.sh" cpu "$dbus" "$sluiced")
	line=$(container_exec timeout "$timeout_s" "$@")
	status=$?
	p1b=$(host_cpu_ms "$SLUICE_CONTAINER_PID1")
	inb=$(container_exec "$bin/units-inside.sh" cpu "$dbus" "$sluiced")
	line=$(grep '^RESULT ' <<<"$line" | tail -n 1)
	if [[ $status -ne 0 || -z $line ]]; then
		echo "run-units.sh: $name failed (status $status)${line:+: $line}" >&2
		[[ -n $line ]] || line="RESULT jobs=$n seconds=0 rate=0 failed=$n"
		echo "run-units.sh: the container's last warnings:" >&2
		container_exec journalctl -b -p warning -n 8 --no-pager -o short-precise >&2 || true
	fi
	set -- $ina $inb
	echo "$name $line pid1_ms=$((p1b - p1a)) dbus_ms=$(($3 - $1)) sluiced_ms=$(($4 - $2))" | tee -a "$results" >&2
}

# use_sluiced new|before: (re)start sluiced.service with that binary (the
# before one through a runtime drop-in that keeps the installed arguments).
use_sluiced() {
	local dropin=/run/systemd/system/sluiced.service.d line args
	if [[ $1 == before ]]; then
		line=$(container_exec sh -c 'sed -n "s/^ExecStart=//p" "$(systemctl show -p FragmentPath --value sluiced.service)"' | head -n 1)
		args=${line#"${line%% *}"}
		printf '[Service]\nExecStart=\nExecStart=%s%s\n' "$bin/sluiced-before" "$args" |
			container_exec sh -c 'mkdir -p "$1" && cat >"$1/bench-before.conf"' sh "$dropin" || return 1
	else
		container_exec rm -f "$dropin/bench-before.conf" || return 1
	fi
	container_exec systemctl daemon-reload || return 1
	container_exec systemctl restart sluiced.service ||
		{ container_exec journalctl -b -u sluiced --no-pager | tail -n 30; return 1; }
}

echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "sluice unit benchmark: $(uname -m), $(nproc) CPUs, commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown), systemd $(container_exec systemctl --version | awk 'NR == 1 { print $2 }'), $rounds rounds"
current=new     # the sluiced running now
switch_to() {
	[[ $current == "$1" ]] && return 0
	use_sluiced "$1" || exit 1
	current=$1
}
group="raw sdrun"
((with_sluice)) && group="new raw sdrun"
[[ -n $before ]] && group="new before raw sdrun"
for ((r = 1; r <= rounds; r++)); do
	if ((!two_only)); then
	[[ -n $before ]] && switch_to new
	# Alternate the order of raw and sluice from round to round.
	if ((r % 2)); then order="raw sluice"; else order="sluice raw"; fi
	for what in $order; do
		case $what in
		raw)
			measure raw500 500 "$bin/raw-units" --units=500
			measure rawbasic200 200 "$bin/raw-units" --units=200 --sandbox=basic
			;;
		sluice)
			((with_sluice)) && measure sluice500 500 "$bin/sluice-jobs" --class=bench-true --jobs=500
			((with_sluice)) && measure sluicebasic200 200 "$bin/sluice-jobs" --class=bench-basic --jobs=200
			;;
		esac
	done
	fi
	# The 2-slot group, interleaved: its order rotates by one from round to round.
	read -ra g <<<"$group"
	for ((k = 0; k < ${#g[@]}; k++)); do
		case ${g[(k + r - 1) % ${#g[@]}]} in
		new)
			switch_to new
			measure sluice1000x2 "$jobs2" "$bin/sluice-jobs" --class=bench-two --jobs="$jobs2"
			;;
		before)
			switch_to before
			measure before1000x2 "$jobs2" "$bin/sluice-jobs" --class=bench-two --jobs="$jobs2"
			;;
		raw) measure raw1000x2 "$jobs2" "$bin/raw-units" --units="$jobs2" --parallel=2 ;;
		sdrun) measure systemd-run1000x2 "$jobs2" "$bin/units-inside.sh" systemd-run-loop "$jobs2" 2 "r$r" ;;
		esac
	done
	((two_only)) || measure tsp1000x2 "$jobs2" "$bin/units-inside.sh" tsp "$jobs2" 2
done
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"

# The table: medians over the rounds.
awk -v rounds="$rounds" -v with_sluice="$with_sluice" -v before_desc="${before_desc:-}" '
function field(s, k,   i, n, a, kv) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) { split(a[i], kv, "="); if (kv[1] == k) return kv[2] }
	return ""
}
function median(name, k,   i, n, v, t, j) {
	n = 0
	for (i = 1; i <= cnt[name]; i++) v[++n] = field(line[name, i], k) + 0
	for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
	if (n == 0) return -1
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{ name = $1; cnt[name]++; line[name, cnt[name]] = $0 }
function row(label, name, ref,   jobs, rate, refrate, ratio, flag) {
	if (!(name in cnt)) { printf "  %-44s %s\n", label, "not run"; return }
	jobs = field(line[name, 1], "jobs")
	rate = median(name, "rate")
	refrate = 0
	if (ref != "" && (ref in cnt)) refrate = median(ref, "rate")
	ratio = ""
	if (refrate > 0) ratio = sprintf("%5.0f%%", 100 * rate / refrate)
	flag = ""
	if (median(name, "failed") > 0) flag = "FAILED JOBS"
	printf("  %-44s %7.1f/s %8.2f s %6s %9.2f %9.2f %9.2f %s\n", label, rate, median(name, "seconds"),
		ratio, median(name, "pid1_ms") / jobs, median(name, "dbus_ms") / jobs, median(name, "sluiced_ms") / jobs, flag)
}
function paired(label, a, b, target,   i, n, pr, t, j, prs, pm, verdict) {
	if (!(a in cnt) || !(b in cnt)) return
	n = 0
	for (i = 1; i <= cnt[a] && i <= cnt[b]; i++)
		if (field(line[b, i], "rate") > 0) pr[++n] = field(line[a, i], "rate") / field(line[b, i], "rate")
	if (n == 0) return
	for (i = 2; i <= n; i++) { t = pr[i]; for (j = i - 1; j >= 1 && pr[j] > t; j--) pr[j + 1] = pr[j]; pr[j + 1] = t }
	prs = ""
	for (i = 1; i <= n; i++) prs = prs sprintf(" %.2f", pr[i])
	pm = n % 2 ? pr[(n + 1) / 2] : (pr[n / 2] + pr[n / 2 + 1]) / 2
	verdict = ""
	if (target > 0) verdict = sprintf(" (target >= %.1f: %s)", target, pm >= target ? "met" : "MISSED")
	printf("  %-36s %.2f; per round (sorted):%s%s\n", label, pm, prs, verdict)
}
END {
	printf("\n%-46s %9s %10s %6s %9s %9s %9s\n", "medians of " rounds " rounds", "rate", "time", "ratio",
		"PID1 ms/j", "dbus ms/j", "sluiced")
	print "500 jobs of /bin/true, no limit (ratio: of raw)"
	row("raw StartTransientUnit, private socket", "raw500", "raw500")
	row("sluice command jobs, Sandbox=none", "sluice500", "raw500")
	print "200 jobs of /bin/true, no limit, Sandbox=basic (sluice default) (ratio: of raw)"
	row("raw StartTransientUnit, basic preset props", "rawbasic200", "rawbasic200")
	row("sluice command jobs, default Sandbox=basic", "sluicebasic200", "rawbasic200")
	print "2 at a time, /bin/true (ratio: the new sluice against each)"
	row("sluice, MaxRunning=2", "sluice1000x2", "")
	n = split("before1000x2 raw1000x2 systemd-run1000x2 tsp1000x2", names, " ")
	split("sluice BEFORE (" before_desc "), MaxRunning=2|raw sd-bus client, 2 units running|systemd-run --wait, 2 shell loops|task-spooler, tsp -S 2", labels, "|")
	for (i = 1; i <= n; i++) {
		if (!(names[i] in cnt)) continue
		jobs = field(line[names[i], 1], "jobs")
		ratio = ""
		if ("sluice1000x2" in cnt) ratio = sprintf("%5.2fx", median("sluice1000x2", "rate") / median(names[i], "rate"))
		flag = ""
		if (median(names[i], "failed") > 0) flag = "FAILED JOBS"
		printf("  %-44s %7.1f/s %8.2f s %6s %9.2f %9.2f %9.2f %s\n", labels[i], median(names[i], "rate"),
			median(names[i], "seconds"), ratio,
			median(names[i], "pid1_ms") / jobs, median(names[i], "dbus_ms") / jobs, median(names[i], "sluiced_ms") / jobs, flag)
	}
	if ("sluice1000x2" in cnt) {
		print "2-slot ratios, medians of the per-round ratios (round k pairs the k-th of each), targets of issue 13:"
		paired("new sluice / raw client", "sluice1000x2", "raw1000x2", 0.9)
		paired("new sluice / systemd-run --wait", "sluice1000x2", "systemd-run1000x2", 2.5)
		paired("BEFORE sluice / raw client", "before1000x2", "raw1000x2", 0)
		paired("BEFORE sluice / systemd-run --wait", "before1000x2", "systemd-run1000x2", 0)
		paired("new sluice / BEFORE sluice", "sluice1000x2", "before1000x2", 0)
	}
	if ("sluice500" in cnt) {
		r = median("sluice500", "rate") / median("raw500", "rate")
		# The per-round ratios too: round k pairs the k-th of each.
		n = 0
		for (i = 1; i <= cnt["sluice500"] && i <= cnt["raw500"]; i++)
			pr[++n] = field(line["sluice500", i], "rate") / field(line["raw500", i], "rate")
		for (i = 2; i <= n; i++) { t = pr[i]; for (j = i - 1; j >= 1 && pr[j] > t; j--) pr[j + 1] = pr[j]; pr[j + 1] = t }
		prs = ""
		for (i = 1; i <= n; i++) prs = prs sprintf(" %.2f", pr[i])
		pm = n % 2 ? pr[(n + 1) / 2] : (pr[n / 2] + pr[n / 2 + 1]) / 2
		verdict = "MISSED"
		if (r >= 0.8 && pm >= 0.8) verdict = "met"
		printf("sluice/raw (500, no limit): %.2f of the medians; per round (sorted):%s, median %.2f (target >= 0.80: %s)\n",
			r, prs, pm, verdict)
	}
}' "$results"
status=0
grep -q 'failed=[1-9]' "$results" && status=1
rm -f "$results"
exit $status
