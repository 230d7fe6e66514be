#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/cluster-admission.sh BUILD_DIR [ROUNDS]   (default 300)
#
# Issue 14's benchmark, side by side in one run, on this machine: a real
# 3-member etcd cluster (Debian's etcd-server on loopback, as
# tests/cluster/scenario-fleet.sh starts it) and three sluiced h1 h2 h3 on
# private buses, each with
#   [Resource local:x] MaxRunning=2                 (host scope)
#   [Resource fleet:x] MaxRunning=2 Scope=cluster   (the fleet's)
#   [Class host] / [Class cluster]: leases holding one or the other.
# 1. admission latency through sluiced, one client loop on h1
#    (tests/bench/cluster-admission.c: Acquire → reply = granted, then
#    Release), ROUNDS for the host class, then ROUNDS for the cluster class:
#    medians, p90, p99 and the ratio cluster/host;
# 2. the rate of cluster admissions the fleet sustains: one such loop per
#    host at once, all on fleet:x (2 slots fleet-wide): admissions/s of the
#    three together, beside the same three loops on their host classes.
# Figures in docs/benchmarks.md with this command.
set -euo pipefail

build=$(cd "${1:?usage: cluster-admission.sh BUILD_DIR [ROUNDS]}" && pwd)
rounds=${2:-300}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../cluster" && pwd)
bench=$build/tests/bench/cluster-admission
[ -x "$bench" ] || { echo "cluster-admission.sh: $bench is missing: ninja -C $build" >&2; exit 1; }
. "$here/lib-fleet.sh"

for i in 1 2 3; do start_etcd "$i"; done
wait_for 60 "the etcd cluster healthy" ectl endpoint health --cluster
for n in 1 2 3; do
        start_bus "$n"
        cat >"$tmp/h$n/sluiced.conf" <<CONF
[Scheduler]
MaxRunning=0
MaxQueuedPerUser=0

[Cluster]
Endpoints=$endpoints
HostName=h$n
LeaseTTLSec=10

[Resource local:x]
MaxRunning=2

[Resource fleet:x]
Scope=cluster
MaxRunning=2

[Class host]
Kind=lease
Resources=local:x

[Class cluster]
Kind=lease
Resources=fleet:x
CONF
        start_sluiced "$n"
done

echo "cluster-admission: $(uname -m), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown), $("$etcd" --version | head -n1), 3 members on loopback"
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

echo
echo "1. admission latency, one client on h1, $rounds rounds each (Acquire until granted; then Release)"
h=$("$bench" --address="${addr[1]}" --class=host --rounds="$rounds")
c=$("$bench" --address="${addr[1]}" --class=cluster --rounds="$rounds")
printf '   %-22s %10s %10s %10s\n' "" "median ms" "p90 ms" "p99 ms"
printf '   %-22s %10s %10s %10s\n' "host slot (local:x)" "$(ms "$(echo "$h" | field median_us)")" \
        "$(ms "$(echo "$h" | field p90_us)")" "$(ms "$(echo "$h" | field p99_us)")"
printf '   %-22s %10s %10s %10s\n' "cluster slot (fleet:x)" "$(ms "$(echo "$c" | field median_us)")" \
        "$(ms "$(echo "$c" | field p90_us)")" "$(ms "$(echo "$c" | field p99_us)")"
echo "   ratio cluster/host (medians): $(awk -v a="$(echo "$c" | field median_us)" -v b="$(echo "$h" | field median_us)" 'BEGIN { printf "%.1fx", a / b }')"

fleet_rate() {  # fleet_rate CLASS: one loop per host at once; admissions/s of all three
        local n out=() pid=()
        for n in 1 2 3; do
                "$bench" --address="${addr[n]}" --class="$1" --rounds="$rounds" >"$tmp/rate-$1-$n" &
                pid[n]=$!
        done
        for n in 1 2 3; do wait "${pid[n]}"; done
        cat "$tmp/rate-$1-"[123] | awk -v r="$rounds" '
                { for (i = 1; i <= NF; i++) if ($i ~ /^elapsed_us=/) { split($i, a, "="); if (a[2] > max) max = a[2] } }
                END { printf "%.0f", 3 * r / (max / 1e6) }'
}
echo
echo "2. admissions per second, one loop per host at once (3 × $rounds rounds)"
hr=$(fleet_rate host)
cr=$(fleet_rate cluster)
echo "   host slots (each host its own local:x, 2 slots each):   $hr /s"
echo "   cluster slots (fleet:x, 2 slots for the whole fleet):    $cr /s"
