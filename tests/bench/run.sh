#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/run.sh BUILD_DIR [bench-client options]
#
# The sluice benchmark in one command: a private dbus-daemon (the system bus's
# default limits: 128 pending replies per connection, 512 match rules), sluiced
# on it with a bench config (lease class "bench" unlimited, lease class "grant"
# with MaxRunning=1, KeepFinishedSec=1), the bare sd-bus echo-service beside
# it (Echo, and EchoAnnounce: the messages of a Submit without sluiced's work),
# then bench-client (see bench-client.c for what it measures).  The CPU time
# (utime+stime in /proc/PID/stat) of dbus-daemon, sluiced and echo-service is
# reported per call and target by bench-client, and for the whole run here.
# Also available as `ninja -C BUILD_DIR bench` (meson run_target).
set -eu
. "$(dirname "${BASH_SOURCE[0]}")/bench-bus.conf.sh"

build=${1:?usage: run.sh BUILD_DIR [bench-client options]}
shift
build=$(cd "$build" && pwd)
sluiced=$build/src/daemon/sluiced
echo_service=$build/tests/bench/echo-service
client=$build/tests/bench/bench-client
for f in "$sluiced" "$echo_service" "$client"; do
        [ -x "$f" ] || { echo "run.sh: $f is missing: ninja -C $build bench" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/sluice-bench-XXXXXX)
pids=
cleanup() {
        for p in $pids; do kill "$p" 2>/dev/null || true; done
        for p in $pids; do wait "$p" 2>/dev/null || true; done
        rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

bench_bus_conf "$tmp" >"$tmp/bus.conf"

cat >"$tmp/sluiced.conf" <<CONF
[Scheduler]
MaxRunning=0
MaxQueuedPerUser=0
KeepFinishedSec=1

[Class bench]
Kind=lease
MaxRunning=0

[Class grant]
Kind=lease
MaxRunning=1
CONF

dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile --print-address=3 3>"$tmp/address" \
        2>"$tmp/dbus-daemon.log" &
dbus_pid=$!
pids="$pids $dbus_pid"
i=0
while [ ! -s "$tmp/address" ]; do
        i=$((i + 1))
        [ $i -lt 500 ] || { echo "run.sh: dbus-daemon did not start" >&2; exit 1; }
        sleep 0.01
done
address=$(head -n1 "$tmp/address")

DBUS_SYSTEM_BUS_ADDRESS=$address DBUS_SESSION_BUS_ADDRESS=$address NOTIFY_SOCKET= \
        "$sluiced" --bus-address="$address" --config="$tmp/sluiced.conf" --state-dir="$tmp/state" 2>"$tmp/sluiced.log" &
sluiced_pid=$!
pids="$pids $sluiced_pid"
"$echo_service" --address="$address" &
echo_pid=$!
pids="$pids $echo_pid"

# cpu_ms PID: utime+stime of PID so far, in milliseconds (fields 14 and 15 of
# /proc/PID/stat, counted after the last ')' since the name may hold spaces).
tick=$(getconf CLK_TCK)
cpu_ms() {
        sed 's/.*) //' "/proc/$1/stat" | awk -v hz="$tick" '{ printf "%d", ($12 + $13) * 1000 / hz }'
}
wall_ms() {
        awk '{ printf "%d", $1 * 1000 }' /proc/uptime
}

echo "sluice benchmark: $(uname -m), $(nproc) CPUs, commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown)"
w0=$(wall_ms); d0=$(cpu_ms $dbus_pid); s0=$(cpu_ms $sluiced_pid); e0=$(cpu_ms $echo_pid)
"$client" --address="$address" --cpu=dbus-daemon:$dbus_pid --cpu=sluiced:$sluiced_pid --cpu=echo-service:$echo_pid "$@" || {
        echo "run.sh: bench-client failed; sluiced's log:" >&2
        tail -n 20 "$tmp/sluiced.log" >&2
        exit 1
}
w1=$(wall_ms); d1=$(cpu_ms $dbus_pid); s1=$(cpu_ms $sluiced_pid); e1=$(cpu_ms $echo_pid)
echo "CPU over the whole run ($(((w1 - w0) / 1000)) s wall): dbus-daemon $((d1 - d0)) ms, sluiced $((s1 - s0)) ms, echo-service $((e1 - e0)) ms"
