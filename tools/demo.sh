#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# README command 1: install what is needed, build, and show sluice doing its
# main job on its embedded default configuration, with a real systemd.
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
        exec tools/demo-scenario.sh
fi

# shellcheck source=../tests/system/container.sh
source tests/system/container.sh
trap container_stop EXIT
echo ">>> booting a throwaway systemd container"
container_start >/dev/null
container_install $builddir
container_copy_in tools/demo-scenario.sh /usr/local/bin/sluice-demo
container_exec /usr/local/bin/sluice-demo
