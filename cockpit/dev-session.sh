#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Try the Cockpit page without systemd, root login or a real system bus:
# sluiced on a private bus, cockpit-ws serving a session for you
# (--local-session, no login) with the page of a build directory.
#
#   cockpit/dev-session.sh BUILDDIR [CONFIG]     # then open the URL it prints
#
# Lease jobs work (sluicectl acquire/run); command jobs fail at once (no
# systemd to start their units). Ctrl-C stops everything. Needs cockpit-ws
# and cockpit-bridge (tools/install-deps.sh). The real thing, with Cockpit's
# login and systemd: docs/cockpit.md.
set -euo pipefail
build=${1:?usage: $0 BUILDDIR [CONFIG]}
config=${2:-}
port=${PORT:-9091}
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
ninja -C "$build" src/daemon/sluiced src/ctl/sluicectl cockpit/patternfly.css >/dev/null

work=$(mktemp -d /var/tmp/sluice-cockpit.XXXXXX)
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        wait 2>/dev/null || true
        rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The page as meson installs it, seen by cockpit-bridge as a user package.
DESTDIR=$work/root meson install -C "$build" --no-rebuild --quiet --tags cockpit >/dev/null
mkdir -p "$work/data/cockpit"
ln -s "$work/root$(meson introspect "$build" --buildoptions |
        python3 -c 'import json,sys; o={x["name"]:x["value"] for x in json.load(sys.stdin)}; print(o["prefix"]+"/"+o["datadir"])')/cockpit/sluice" \
        "$work/data/cockpit/sluice"

dbus-daemon --session --nofork --print-address=3 3>"$work/address" 2>"$work/dbus.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/address" ] && break; sleep 0.05; done
address=$(head -n1 "$work/address")

"$build/src/daemon/sluiced" --bus-address="$address" --state-dir="$work/state" \
        --config="${config:-$work/none/sluiced.conf}" 2>"$work/sluiced.log" &
pids+=($!)

DBUS_SYSTEM_BUS_ADDRESS=$address XDG_DATA_HOME=$work/data \
        /usr/lib/cockpit/cockpit-ws --no-tls --address=127.0.0.1 --port="$port" \
        --local-session=cockpit-bridge 2>"$work/cockpit-ws.log" &
pids+=($!)

cat <<EOT
Page:      http://127.0.0.1:$port/cockpit/@localhost/sluice/index.html
sluicectl: $build/src/ctl/sluicectl --bus-address='$address' status
Logs:      $work/sluiced.log, $work/cockpit-ws.log
(cockpit-ws --local-session serves one browser session: restart this script for a new one.)
Ctrl-C stops sluiced, the bus and cockpit-ws.
EOT
wait
