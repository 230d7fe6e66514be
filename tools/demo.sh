#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# README command 1: install what is needed, build, and show sluice doing its
# main job on its embedded default configuration, with a real systemd; prints
# how to open the Cockpit page and, in the container, saves a screenshot of it
# taken during the workload to ./sluice-cockpit.png.
#
#   tools/demo.sh                 boot a throwaway systemd container (an overlay
#                                 of this machine's root, gone when it stops),
#                                 install sluice into it, run tools/demo-scenario.sh
#   tools/demo.sh --host          a host where systemd is PID 1: install sluice
#                                 with prefix /usr on the host itself and run the
#                                 demo there (it stays installed)
#   tools/demo.sh --private-bus   no root, no systemd: the lease part only, on a
#                                 private D-Bus bus (tools/demo-private-bus.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=container
case "${1:-}" in
        --host) mode=host ;;
        --private-bus) exec tools/demo-private-bus.sh ;;
        "") ;;
        *) echo "usage: tools/demo.sh [--host | --private-bus]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
        echo "demo: run as root (it installs packages and boots a container), or use --private-bus" >&2
        exit 1
fi
tools/install-deps.sh

builddir=build-usr
[ -d $builddir ] || meson setup $builddir --prefix=/usr >/dev/null
ninja -C $builddir >/dev/null

if [ $mode = host ]; then
        if [ "$(readlink /proc/1/exe)" != /usr/lib/systemd/systemd ] &&
           [ "$(readlink /proc/1/exe)" != /lib/systemd/systemd ]; then
                echo "demo: --host needs systemd as PID 1 here; run without --host for the container" >&2
                exit 1
        fi
        meson install -C $builddir --no-rebuild >/dev/null
        busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
        systemctl daemon-reload
        tools/demo-scenario.sh
        echo
        echo "=== the Cockpit page"
        if [ -f /usr/share/cockpit/sluice/manifest.json ]; then
                echo "systemctl enable --now cockpit.socket, then open https://$(hostname -f 2>/dev/null || hostname):9090/sluice"
                echo "(\"Job scheduler\" in Cockpit's menu); log in as a user of group sudo and click"
                echo "\"Limited access\" for administrative access."
        else
                echo "not built (meson setup -Dcockpit=enabled; cockpit-ws and cockpit-bridge installed)"
        fi
        exit 0
fi

# shellcheck source=../tests/system/container.sh
source tests/system/container.sh
trap container_stop EXIT
echo ">>> booting a throwaway systemd container"
container_start >/dev/null
container_install $builddir
container_copy_in tools/demo-scenario.sh /usr/local/bin/sluice-demo

# The Cockpit page (issue 11): Cockpit as admins start it, an admin user of
# group sudo, and a headless Chromium (tests/system/cockpit-browser.py) that
# logs in, takes administrative access, opens the page, and saves a screenshot
# of it during the workload to ./sluice-cockpit.png. Skipped, with a word, when
# the build has no page (-Dcockpit=disabled).
shot=""
log=$(mktemp)
if container_exec test -f /usr/share/cockpit/sluice/manifest.json; then
        password=$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')
        container_exec sh -c 'id -u sluice-demo >/dev/null 2>&1 || useradd --create-home --groups sudo sluice-demo'
        echo "sluice-demo:$password" | container_exec chpasswd
        # basic.target: what removes /run/nologin at the end of a full boot has not run.
        container_exec systemctl start systemd-user-sessions.service cockpit.socket
        container_copy_in tests/system/cockpit-browser.py /run/sluice-cockpit/cockpit-browser.py
        container_exec rm -f /run/sluice-cockpit/ready
        # A generous bound for each of the browser's waits: a loaded machine.
        container_exec env SLUICE_COCKPIT_BOUND=300 python3 /run/sluice-cockpit/cockpit-browser.py screenshot --admin --busy \
                --user sluice-demo --password "$password" --path jobs \
                --ready-file /run/sluice-cockpit/ready --png /run/sluice-cockpit/sluice-cockpit.png \
                >"$log" 2>&1 &
        shot=$!
        echo ">>> a headless Chromium logs in to Cockpit and opens the page first"
        # Until the page is open (or the browser gave up, within its bounds).
        while kill -0 $shot 2>/dev/null && ! container_exec test -e /run/sluice-cockpit/ready; do
                sleep 0.2
        done
fi

container_exec /usr/local/bin/sluice-demo

echo
echo "=== the Cockpit page"
if [ -n "$shot" ] && wait $shot; then
        container_exec cat /run/sluice-cockpit/sluice-cockpit.png >sluice-cockpit.png
        echo "a screenshot of it during the workload: $(pwd)/sluice-cockpit.png"
elif [ -n "$shot" ]; then
        echo "the browser could not take the screenshot:"
        grep -v '^#[0-9]' "$log" | tail -n 15 | sed 's/^/  /'
else
        echo "not built (meson setup -Dcockpit=enabled; cockpit-ws and cockpit-bridge installed)"
fi
rm -f "$log"
echo "On a host with systemd (tools/demo.sh --host installs sluice there):"
echo "  systemctl enable --now cockpit.socket"
echo "  open https://$(hostname -f 2>/dev/null || hostname):9090/sluice (\"Job scheduler\" in Cockpit's menu),"
echo "  log in as a user of group sudo, click \"Limited access\" for administrative access."
echo "This container's network is private: its Cockpit was reachable only from inside it."
