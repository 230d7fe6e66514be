#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The lease half of the demo without root or systemd (tools/demo.sh
# --private-bus runs it): sluiced on a private D-Bus bus with its embedded
# default configuration; 4 simulated backup clients each run 3 backups
# through `sluicectl run --class backup`, the class allows 2 at a time, a live
# status is shown while they run, then the history.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh

builddir=build
[ -d $builddir ] || meson setup $builddir >/dev/null
ninja -C $builddir src/daemon/sluiced src/ctl/sluicectl >/dev/null

work=$(mktemp -d /var/tmp/sluice-demo.XXXXXX)
cleanup() {
        [ -n "${watch_pid:-}" ] && kill "$watch_pid" 2>/dev/null || true
        [ -n "${daemon_pid:-}" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
        [ -n "${bus_pid:-}" ] && kill "$bus_pid" 2>/dev/null || true
        rm -rf "$work"
}
trap cleanup EXIT

# A private bus, so the demo needs neither root nor a system bus.
dbus-daemon --session --nofork --print-address=3 --print-pid=4 \
        3>"$work/address" 4>"$work/pid" &
bus_pid=$!
for _ in $(seq 100); do [ -s "$work/address" ] && break; sleep 0.05; done
address=$(head -n1 "$work/address")
export DBUS_SYSTEM_BUS_ADDRESS=$address

sluiced=$builddir/src/daemon/sluiced
ctl() { $builddir/src/ctl/sluicectl --bus-address="$address" "$@"; }

# A config path that does not exist: sluiced uses its embedded default.
"$sluiced" --bus-address="$address" --config="$work/none/sluiced.conf" 2>"$work/sluiced.log" &
daemon_pid=$!
for _ in $(seq 100); do ctl status >/dev/null 2>&1 && break; sleep 0.05; done

echo "=== sluiced is up, embedded default configuration ==="
ctl status
echo
echo "=== 4 backup clients x 3 backups; class backup allows 2 at a time ==="
client() {
        local name=$1
        for n in 1 2 3; do
                ctl run --class backup --description="client $name backup $n" -- sleep "0.$((RANDOM % 6 + 4))" \
                        || echo "client $name: backup $n failed"
        done
}
clients=()
for c in alpha bravo charlie delta; do client $c & clients+=($!); done

# Live status while they run: never more than 2 running.
still_running() { for p in "${clients[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while still_running; do
        printf -- '--- %s ---\n' "$(date +%T.%N | cut -c1-12)"
        ctl list --state=running --state=queued || true
        sleep 0.7
done
wait "${clients[@]}"

echo
echo "=== history ==="
ctl list
echo
ctl status
