#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/bench/killed-holders.sh BUILD_DIR [N] [killed-holders options]
#
# Issue 10's long run: N lease holders (`sluicectl run --class=held -- sleep
# 86400`, default N=1000) killed one after the other, half by SIGKILL of
# sluicectl, half by SIGINT to its process group (Ctrl+C), each with the next
# waiter queued behind it; prints how many slots were not freed and the
# median/p90/p99 hand-over time (kill() to the waiter's JobChanged(running)),
# beside a baseline measured in the same run (hand-over after a clean
# Release()).  See tests/bench/killed-holders.c and docs/benchmarks.md.
#
# Where: sluiced on a private dbus-daemon with the system bus's limits, as
# tests/bench/run.sh does, not in the systemd container: the hand-over (the
# holder's connection closes, the bus tells sluiced, sd_bus_track fires, the
# release is committed, the waiter is granted and its grant committed) goes
# through neither systemd nor polkit (uid 0 is allowed without asking), so
# the container would add nothing but noise.
set -eu
. "$(dirname "${BASH_SOURCE[0]}")/bench-bus.conf.sh"

build=${1:?usage: killed-holders.sh BUILD_DIR [N] [killed-holders options]}
shift
rounds=${1:-1000}
[ $# -gt 0 ] && shift
build=$(cd "$build" && pwd)
sluiced=$build/src/daemon/sluiced
sluicectl=$build/src/ctl/sluicectl
bench=$build/tests/bench/killed-holders
for f in "$sluiced" "$sluicectl" "$bench"; do
        [ -x "$f" ] || { echo "killed-holders.sh: $f is missing: ninja -C $build" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/sluice-killed-XXXXXX)
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
KeepFinishedSec=5

[Class held]
Kind=lease
MaxRunning=1
CONF

dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile --print-address=3 3>"$tmp/address" \
        2>"$tmp/dbus-daemon.log" &
pids="$pids $!"
i=0
while [ ! -s "$tmp/address" ]; do
        i=$((i + 1))
        [ $i -lt 500 ] || { echo "killed-holders.sh: dbus-daemon did not start" >&2; exit 1; }
        sleep 0.01
done
address=$(head -n1 "$tmp/address")

mkdir -p "$tmp/state"
DBUS_SYSTEM_BUS_ADDRESS=$address DBUS_SESSION_BUS_ADDRESS=$address NOTIFY_SOCKET= \
        "$sluiced" --bus-address="$address" --config="$tmp/sluiced.conf" --state-dir="$tmp/state" \
        2>"$tmp/sluiced.log" &
sluiced_pid=$!
pids="$pids $sluiced_pid"
i=0
until busctl --address="$address" status org.sluice.Scheduler1 >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 500 ] || { echo "killed-holders.sh: sluiced did not take its name" >&2; tail "$tmp/sluiced.log" >&2; exit 1; }
        sleep 0.01
done

echo "killed-holders: $(uname -m), $(nproc) CPUs, commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown), sluiced $("$sluiced" --version 2>/dev/null | head -n1)"
status=0
DBUS_SYSTEM_BUS_ADDRESS=$address "$bench" --address="$address" --sluicectl="$sluicectl" --rounds="$rounds" "$@" || status=$?
kill -0 "$sluiced_pid" 2>/dev/null || { echo "killed-holders.sh: sluiced died" >&2; tail "$tmp/sluiced.log" >&2; exit 1; }
exit $status
