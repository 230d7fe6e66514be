#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install every Debian package sluice needs to build, test and run its demo.
# Idempotent; as root (or through sudo).
set -euo pipefail

packages=(
        meson ninja-build gcc pkg-config python3
        libsystemd-dev libglib2.0-dev libglib2.0-dev-bin libglib-testing-0-dev libsqlite3-dev
        gettext dbus dbus-daemon dbus-bin
        systemd systemd-container polkitd
        valgrind clang libclang-rt-dev
        python3-prometheus-client      # tests/ctl/parse-metrics.py: the reference metrics parsers
        sqlite3                        # tests/system/scenario-schedule.sh reads the state database
        task-spooler                   # tests/bench/run-units.sh, run-vs-tsp.sh: tsp, the yardstick
        # [Cluster] (docs/cluster.md): the etcd client's libraries (-Dcluster=auto builds it when
        # both are found) and a real etcd for tests/etcd (started by the tests, never as a service)
        libcurl4-openssl-dev libjson-glib-dev etcd-server openssl   # openssl: tests/etcd makes its TLS certificates
        scdoc                          # man/: the man pages (meson -Dman=auto builds them when found)
        bash-completion zsh fish       # shell-completion/: completionsdir, and tests/ctl/test-completion.sh
        # tests/system/scenario-cockpit.sh, tests/bench/cockpit-10k.sh: Cockpit and a headless
        # browser driven by Selenium, inside the system-test container (an overlay of this root)
        cockpit-ws cockpit-bridge cockpit-system
        chromium chromium-driver python3-selenium
        sudo                           # Cockpit's administrative access (its privileged bridge runs sudo)
        nodejs                         # cockpit/: the page's modules parse (cockpit-page), its model test
        # tests/system/scenario-remote.sh: sluicectl -H over ssh, sshd started inside the container
        # only (never on this host: see the policy-rc.d below)
        openssh-server openssh-client
        # debian/: the package built from the tree and checked (tests/system/deb-test.sh)
        dpkg-dev debhelper fakeroot lintian libdbus-1-dev libpolkit-gobject-1-dev
)

missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
        exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo ">>> installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive

# The packages are for the throwaway test container: their maintainer scripts
# must not start services (sshd, cockpit) on this host. policy-rc.d exit 101
# ("action forbidden") is what invoke-rc.d and deb-systemd-invoke honour; one
# that is already there (Docker images ship one) is left alone.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# tools/install-deps.sh: no service starts during this install\nexit 101\n' |
                $SUDO tee "$policy" >/dev/null
        $SUDO chmod 755 "$policy"
        own_policy=1
fi
cleanup() { if [ -n "$own_policy" ]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

ssh_was_installed=
dpkg-query -W -f='${Status}' openssh-server 2>/dev/null | grep -q 'install ok installed' && ssh_was_installed=1

$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

# The postinst enables ssh.service for the next boot; a host that had no sshd
# before keeps having none (the container starts its own).
if [ -z "$ssh_was_installed" ] && [ -d /run/systemd/system ]; then
        $SUDO systemctl disable --quiet ssh.service 2>/dev/null || true
fi

# etcd-server's postinst enables etcd.service. The tests start etcd themselves on
# free ports (tests/etcd): none runs as a service on this host, nor in the system-test
# containers, which boot an overlay of this root.
if [ -e /etc/systemd/system/multi-user.target.wants/etcd.service ]; then
        $SUDO systemctl disable --quiet etcd.service 2>/dev/null ||
                $SUDO rm -f /etc/systemd/system/multi-user.target.wants/etcd.service
fi
