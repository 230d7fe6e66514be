#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/run-vs-tsp.sh [--jobs=N] [--rounds=R] [--loops=W] [--before=SLUICECTL|BUILD_DIR] BUILD_DIR
#
# Issue 13: `sluicectl run -- /bin/true` against task-spooler's `tsp -f`,
# in one run, as a user drives each from the shell (needs task-spooler:
# tools/install-deps.sh). Both have 2 slots; each measurement is N commands
# (default 1000) of /bin/true from W shell loops side by side (default 2,
# one per slot, N/W commands each), every command waiting for its slot,
# running /bin/true as its own child and returning its exit status:
#
#   sluice   `sluicectl run --class=bench-run -- /bin/true`: a process start,
#            a connection to the (private) system bus, Acquire() of a lease of
#            class bench-run (Kind=lease, MaxRunning=2) answered once the grant
#            is stored (durable: SQLite WAL, synchronous=FULL), the command
#            forked under sluicectl's guard, ReleaseEx() with its exit status.
#   tsp      `tsp -n -f /bin/true` with `tsp -S 2`: a process start, a
#            connection to tsp's server socket, a wait for the server to say
#            "run", the command forked by the tsp client itself (-f: the client
#            stays in the foreground, so the loop waits, like sluicectl run;
#            -n: no output file), the exit status sent back. Nothing is stored
#            on disk, no access check, no guard process.
#   floor    `/bin/true` itself from the same loops: what process starts cost
#            on this machine right now.
#   before   with --before=SLUICECTL: that (older) sluicectl binary, same loop
#            as sluice, against the same sluiced: before/after in one run.
#            With --before=BUILD_DIR (an older build directory): its sluicectl
#            against its own sluiced, on a second private bus of its own
#            (same configuration, its own state directory): before/after of
#            the daemon too.
#
# Why tsp -f and not `tsp -n` (queue and return) + `tsp -w`: sluicectl run
# blocks until its command ended; a loop of `tsp -f` is the same contract
# (the caller learns the command's exit status), and tsp's client runs the
# command itself just as sluicectl does. run-units.sh measures tsp's
# queue-and-return mode against command jobs.
#
# Where: sluiced on a private dbus-daemon with the system bus's limits, as
# tests/bench/run.sh and killed-holders.sh do: a lease goes through neither
# systemd nor polkit (uid 0 is allowed without asking), so the container would
# only add noise. sluiced's state directory is on disk (under /var/tmp), as
# /var/lib/sluice would be. Rounds interleave (the order alternates round to
# round); the table shows medians, sluice's rate as a fraction of tsp's, and
# the CPU time the servers (dbus-daemon + sluiced, tsp's server) spent per
# command. Run it as root (sluiced allows uid 0 without polkit).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/bench-bus.conf.sh"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jobs=1000
rounds=3
loops=2
before=
while [[ $# -gt 0 ]]; do
	case $1 in
	--jobs=*) jobs=${1#--jobs=}; shift ;;
	--rounds=*) rounds=${1#--rounds=}; shift ;;
	--loops=*) loops=${1#--loops=}; shift ;;
	--before=*) before=${1#--before=}; shift ;;
	-h | --help) sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run-vs-tsp.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
usage="usage: run-vs-tsp.sh [--jobs=N] [--rounds=R] [--loops=W] [--before=SLUICECTL|BUILD_DIR] BUILD_DIR"
[[ $# -eq 1 ]] || { echo "$usage" >&2; exit 2; }
for v in "$jobs" "$rounds" "$loops"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
done
((loops <= jobs)) || { echo "run-vs-tsp.sh: --loops must not exceed --jobs" >&2; exit 2; }
build=$(cd "$1" 2>/dev/null && pwd) || { echo "run-vs-tsp.sh: no build directory '$1'" >&2; exit 2; }
sluiced=$build/src/daemon/sluiced
sluicectl=$build/src/ctl/sluicectl
before_sluiced=
if [[ -n $before && -d $before ]]; then
	before_sluiced=$before/src/daemon/sluiced
	before=$before/src/ctl/sluicectl
fi
for f in "$sluiced" "$sluicectl" ${before:+"$before"} ${before_sluiced:+"$before_sluiced"}; do
	[[ -x $f ]] || { echo "run-vs-tsp.sh: $f is missing: ninja -C $build" >&2; exit 2; }
done
tsp=$(command -v tsp || command -v ts || true)
[[ -n $tsp ]] || { echo "run-vs-tsp.sh: task-spooler is missing: apt-get install -y task-spooler" >&2; exit 2; }

tmp=$(mktemp -d /var/tmp/sluice-run-vs-tsp-XXXXXX)
pids=()
cleanup() {
	TS_SOCKET=$tmp/tsp.socket "$tsp" -K >/dev/null 2>&1 || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cat >"$tmp/sluiced.conf" <<CONF
[Scheduler]
MaxRunning=0
MaxQueuedPerUser=0
KeepFinishedSec=5

[Class bench-run]
Kind=lease
MaxRunning=2
CONF

# start_stack DIR SLUICED: a dbus-daemon on DIR/bus and SLUICED on it; sets
# stack_address, stack_dbus_pid, stack_sluiced_pid.
start_stack() {
	local dir=$1 daemon=$2 i
	mkdir -p "$dir/state"
	bench_bus_conf "$dir" >"$dir/bus.conf"
	dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile --print-address=3 3>"$dir/address" \
		2>"$dir/dbus-daemon.log" &
	stack_dbus_pid=$!
	pids+=("$stack_dbus_pid")
	for ((i = 0; ; i++)); do
		[[ -s $dir/address ]] && break
		((i < 1000)) || { echo "run-vs-tsp.sh: dbus-daemon did not start" >&2; exit 1; }
		sleep 0.01
	done
	stack_address=$(head -n1 "$dir/address")
	NOTIFY_SOCKET= "$daemon" --bus-address="$stack_address" --config="$tmp/sluiced.conf" --state-dir="$dir/state" \
		2>"$dir/sluiced.log" &
	stack_sluiced_pid=$!
	pids+=("$stack_sluiced_pid")
	for ((i = 0; ; i++)); do
		busctl --address="$stack_address" status org.sluice.Scheduler1 >/dev/null 2>&1 && break
		((i < 1000)) || { echo "run-vs-tsp.sh: sluiced did not take its name" >&2; tail "$dir/sluiced.log" >&2; exit 1; }
		sleep 0.01
	done
}

start_stack "$tmp" "$sluiced"
address=$stack_address dbus_pid=$stack_dbus_pid sluiced_pid=$stack_sluiced_pid
before_address=$address before_dbus_pid=$dbus_pid before_sluiced_pid=$sluiced_pid
if [[ -n $before_sluiced ]]; then
	mkdir -p "$tmp/before"
	start_stack "$tmp/before" "$before_sluiced"
	before_address=$stack_address before_dbus_pid=$stack_dbus_pid before_sluiced_pid=$stack_sluiced_pid
fi
export DBUS_SYSTEM_BUS_ADDRESS=$address
export DBUS_SESSION_BUS_ADDRESS=$address

export TS_SOCKET=$tmp/tsp.socket TS_MAXFINISHED=16 TS_SAVELIST=
"$tsp" -S 2 >/dev/null
# tsp's server: the tsp process whose environment names our socket.
tsp_server=
for p in $(pgrep -x "$(basename "$tsp")" || true); do
	if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "TS_SOCKET=$TS_SOCKET"; then
		tsp_server=$p
	fi
done
[[ -n $tsp_server ]] || echo "run-vs-tsp.sh: tsp's server not found: its CPU time is not counted" >&2

cpu_ms() { # PID...: the sum of their utime+stime in ms
	local hz=$(getconf CLK_TCK) sum=0 p t
	for p in "$@"; do
		t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk -v hz="$hz" '{ printf "%d", ($12 + $13) * 1000 / hz }')
		sum=$((sum + ${t:-0}))
	done
	echo "$sum"
}

loop() { # FIRST LAST CMD...: run CMD for each i, count the failures into a file
	local first=$1 last=$2 failed=0 i
	shift 2
	for ((i = first; i <= last; i++)); do
		"$@" >/dev/null || failed=$((failed + 1))
	done
	echo "$failed" >"$tmp/failed.$first"
}

results=$tmp/results
# measure NAME BUS_ADDRESS SERVER_PIDS CMD...: W loops of CMD side by side on
# that bus, one RESULT line.
measure() {
	local name=$1 bus=$2 servers=$3 per=$((jobs / loops)) w first last start end c0 c1 failed=0 f
	local lp=()
	shift 3
	# shellcheck disable=SC2086
	c0=$(cpu_ms $servers)
	start=$(date +%s%N)
	for ((w = 0; w < loops; w++)); do
		first=$((w * per + 1))
		last=$(((w + 1) * per))
		((w < loops - 1)) || last=$jobs
		(
			export DBUS_SYSTEM_BUS_ADDRESS=$bus DBUS_SESSION_BUS_ADDRESS=$bus
			loop "$first" "$last" "$@"
		) &
		lp+=($!)
	done
	wait "${lp[@]}"
	end=$(date +%s%N)
	# shellcheck disable=SC2086
	c1=$(cpu_ms $servers)
	for ((w = 0; w < loops; w++)); do
		f=$tmp/failed.$((w * per + 1))
		failed=$((failed + $(cat "$f")))
		rm -f "$f"
	done
	awk -v name="$name" -v n="$jobs" -v s="$start" -v e="$end" -v f="$failed" -v cpu=$((c1 - c0)) \
		'BEGIN { t = (e - s) / 1e9; printf "%s jobs=%d seconds=%.3f rate=%.1f failed=%d server_ms=%d\n", name, n, t, n / t, f, cpu }' |
		tee -a "$results" >&2
}

echo "run-vs-tsp: $(uname -m), $(nproc) CPUs, commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)," \
	"$jobs x /bin/true, 2 slots, $loops loops, $rounds rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
	if ((r % 2)); then order="sluice tsp floor before"; else order="before floor tsp sluice"; fi
	for what in $order; do
		case $what in
		sluice) measure sluice "$address" "$dbus_pid $sluiced_pid" "$sluicectl" run --class=bench-run -- /bin/true ;;
		tsp) measure tsp "$address" "$tsp_server" "$tsp" -n -f /bin/true ;;
		floor) measure floor "$address" "" /bin/true ;;
		before) [[ -z $before ]] || measure before "$before_address" "$before_dbus_pid $before_sluiced_pid" \
			"$before" run --class=bench-run -- /bin/true ;;
		esac
	done
	for p in "$sluiced_pid" "$before_sluiced_pid"; do
		kill -0 "$p" 2>/dev/null || { echo "run-vs-tsp.sh: sluiced died" >&2; tail "$tmp/sluiced.log" "$tmp/before/sluiced.log" >&2 2>/dev/null; exit 1; }
	done
done

awk -v rounds="$rounds" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '
function field(s, k,   i, n, a, kv) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) { split(a[i], kv, "="); if (kv[1] == k) return kv[2] }
	return ""
}
function median(name, k,   i, n, v, t, j) {
	n = 0
	for (i = 1; i <= cnt[name]; i++) v[++n] = field(line[name, i], k) + 0
	for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{ name = $1; cnt[name]++; line[name, cnt[name]] = $0 }
function row(label, name,   jobs) {
	jobs = field(line[name, 1], "jobs")
	printf("  %-34s %8.1f/s %9.2f s %9.3f ms %8.2f ms %s\n", label, median(name, "rate"), median(name, "seconds"),
		1000 * median(name, "seconds") / jobs, median(name, "server_ms") / jobs,
		median(name, "failed") > 0 ? "FAILED COMMANDS" : "")
}
END {
	printf("\n%-36s %10s %11s %12s %11s\n", "medians of " rounds " rounds", "rate", "time", "time/N", "server CPU/N")
	row("sluicectl run --class=bench-run", "sluice")
	row("tsp -n -f (tsp -S 2)", "tsp")
	row("/bin/true alone (floor)", "floor")
	if ("before" in cnt) row("--before sluicectl run", "before")
	printf("sluicectl run / tsp: %.2fx the rate (load average at the end: %s)\n",
		median("sluice", "rate") / median("tsp", "rate"), load)
	if ("before" in cnt)
		printf("--before sluicectl run / tsp: %.2fx; sluicectl run / --before: %.2fx\n",
			median("before", "rate") / median("tsp", "rate"), median("sluice", "rate") / median("before", "rate"))
}' "$results"
# Exit status: 1 when a command failed in any measurement.
! grep -q 'failed=[1-9]' "$results"
