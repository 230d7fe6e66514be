#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/flood.sh BUILD_DIR [N]
#
# Issue 10's long run for item 8 (needs root, like tests/system): one uid
# floods N Submits (default 100 000, or for FLOOD_SECONDS, default 60,
# whichever comes first: sluiced slows a flooder down; and on while the
# probe still runs) while another user's Submits are timed.
# Boots the throwaway systemd container (tests/system/container.sh), installs
# BUILD_DIR (configured with --prefix=/usr and built: `ninja -C BUILD_DIR`),
# real polkitd with a rule that lets both users submit their class, and, in
# that one container run:
#
#   1. unloaded: the probe user's M Submits (default 200), one after the
#      other (flood-client probe), their latency p50/p99/max;
#   2. the flood: uid 65534 sends N Submits of its class from 8 connections
#      with 100 calls awaiting replies on each (flood-client flood); it is
#      allowed to submit, so its jobs queue until its MaxQueuedPerUser=1000
#      quota is full and the rest are refused with QuotaExceeded (or, beyond
#      256 calls waiting for authorization, with LimitsExceeded);
#   3. meanwhile, the same M Submits of the probe user, timed again;
#   4. for comparison, the same flood of GetJob calls (reading: no polkit,
#      nothing stored), the probe timed again meanwhile: what the load on
#      the bus and on sluiced's loop costs by itself;
#
# then prints both latency lines side by side with the p99 ratio, the
# flood's replies by error name, the flooder's queued jobs (the quota), and
# sluiced's memory (VmRSS before and after, VmHWM: the peak) and the lines
# it wrote to the journal. Both classes are paused: nothing runs, the jobs
# only queue. Not a test: it judges nothing; docs/benchmarks.md has figures.
# Knobs: PROBES=M, CONNECTIONS=8, WINDOW=100, FLOOD_SECONDS=60.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../system/container.sh
source "$here/../system/container.sh"

[[ $# -ge 1 ]] || { echo "usage: flood.sh BUILD_DIR [N]" >&2; exit 2; }
build=$(cd "$1" 2>/dev/null && pwd) || { echo "flood.sh: no build directory '$1'" >&2; exit 2; }
n=${2:-100000}
probes=${PROBES:-200}
connections=${CONNECTIONS:-8}
window=${WINDOW:-100}
flood_seconds=${FLOOD_SECONDS:-60}
for f in tests/bench/flood-client src/daemon/sluiced; do
	[[ -x $build/$f ]] || { echo "flood.sh: $build/$f is missing: ninja -C $build" >&2; exit 2; }
done

trap 'container_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
container_sweep_stale
container_start || exit 1
container_install "$build" || exit 1
bin=/usr/local/libexec/sluice-bench
container_copy_in "$build/tests/bench/flood-client" "$bin/flood-client" || exit 1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; container_stop' EXIT
cat >"$tmp/sluiced.conf" <<'CONF'
# tests/bench/flood.sh: two classes, paused by the bench: jobs only queue.
[Scheduler]
MaxQueuedPerUser=1000

[Class probe]
Kind=command
ExecStart=/bin/true

[Class flood]
Kind=command
ExecStart=/bin/true
CONF
cat >"$tmp/bench.rules" <<'RULES'
// tests/bench/flood.sh: the probe user submits class probe, uid 65534 class flood.
polkit.addRule(function(action, subject) {
        if (action.id == "org.sluice.submit" &&
            ((action.lookup("class") == "probe" && subject.user == "sluice-probe") ||
             (action.lookup("class") == "flood" && subject.user == "nobody")))
                return polkit.Result.YES;
        return polkit.Result.NOT_HANDLED;
});
RULES
container_exec mkdir -p /etc/sluice
container_copy_in "$tmp/sluiced.conf" /etc/sluice/sluiced.conf || exit 1
container_exec sh -c "id sluice-probe >/dev/null 2>&1 || useradd --no-create-home --no-user-group sluice-probe"
probe_uid=$(container_exec id -u sluice-probe)
container_exec systemctl start polkit.service
container_copy_in "$tmp/bench.rules" /etc/polkit-1/rules.d/49-sluice-flood-bench.rules || exit 1
# polkitd reloads rules.d by inotify: wait until the probe user is allowed.
container_exec systemctl restart sluiced.service || exit 1
container_exec sluicectl pause class:probe >/dev/null || exit 1
container_exec sluicectl pause class:flood >/dev/null || exit 1
for _ in $(seq 100); do
	container_exec_as "$probe_uid" "$bin/flood-client" probe probe --count 1 >/dev/null 2>&1 && break
	sleep 0.1
done

pid() { container_exec systemctl show -p MainPID --value sluiced.service; }
mem() { container_exec grep -E '^(VmRSS|VmHWM)' "/proc/$(pid)/status" | awk '{ printf "%s %s kB  ", $1, $2 }'; }
jlines() { container_exec journalctl --no-pager -o cat -u sluiced.service | wc -l; }

echo "sluice flood benchmark: $(uname -m), $(nproc) CPUs, commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown), polkit $(container_exec pkaction --version 2>/dev/null | awk '{ print $NF }')"
echo "flooder: uid 65534, $n Submits or ${flood_seconds} s, $connections connections x $window calls awaiting replies; probe: uid $probe_uid, $probes Submits one after the other"
mem_before=$(mem)
lines_before=$(jlines)

base=$(container_exec_as "$probe_uid" "$bin/flood-client" probe probe --count "$probes" | grep '^probe: [0-9]* Submits')

# flood_and_probe CALL OUT: the flood (submit or getjob) into OUT, the probe
# meanwhile; sets $loaded and $overlap.
flood_and_probe() {
	local flood_pid
	container_exec rm -f /tmp/flood-ready /tmp/flood-stop
	# N calls or FLOOD_SECONDS, whichever first, and on until the probe is done.
	container_exec_as 65534 "$bin/flood-client" flood flood --call "$1" --count "$n" --seconds "$flood_seconds" \
		--connections "$connections" --window "$window" --ready-file /tmp/flood-ready --stop-file /tmp/flood-stop --max-seconds 3600 >"$2" 2>&1 &
	flood_pid=$!
	until container_exec test -e /tmp/flood-ready; do
		kill -0 "$flood_pid" 2>/dev/null || break
		sleep 0.05
	done
	loaded=$(container_exec_as "$probe_uid" "$bin/flood-client" probe probe --count "$probes" | grep '^probe: [0-9]* Submits')
	overlap=yes
	kill -0 "$flood_pid" 2>/dev/null || overlap="NO (the flood ended before the probe)"
	container_exec touch /tmp/flood-stop
	wait "$flood_pid"
}
flood_and_probe submit "$tmp/flood.out"
submit_loaded=$loaded submit_overlap=$overlap
mem_after=$(mem)
lines_after=$(jlines)
flood_and_probe getjob "$tmp/getjob.out"
getjob_loaded=$loaded getjob_overlap=$overlap
mem_end=$(mem)
queued=$(container_exec busctl get-property org.sluice.Scheduler1 /org/sluice/Scheduler1 org.sluice.Scheduler1 QueuedJobs | awk '{ print $2 }')

p99() { sed -n 's/.*p99 \([0-9]*\) us.*/\1/p' <<<"$1"; }
echo
echo "  unloaded:      $base"
echo "  under a flood of Submit: $submit_loaded"
echo "  under a flood of GetJob: $getjob_loaded"
b=$(p99 "$base")
for what in submit getjob; do
	v=${what}_loaded
	l=$(p99 "${!v}")
	[[ -n $b && -n $l && $b -gt 0 ]] &&
		echo "  p99 under the $what flood / unloaded: $(awk -v l="$l" -v b="$b" 'BEGIN { printf "%.2f", l / b }')"
done
echo "  the probe ran while the flood did: Submit $submit_overlap, GetJob $getjob_overlap"
sed 's/^/  /' "$tmp/flood.out" "$tmp/getjob.out"
echo "  jobs queued at the end: $queued = the flooder's + the probe user's $((3 * probes + 1)) (MaxQueuedPerUser=1000)"
echo "  sluiced memory before: $mem_before"
echo "  sluiced memory after the Submit flood:  $mem_after"
echo "  sluiced memory at the end:              $mem_end"
echo "  sluiced journal lines during the run: $((lines_after - lines_before))"
