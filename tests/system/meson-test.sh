#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# meson-test.sh — the system suite as `meson test --suite system` runs it.
#
#   meson-test.sh SOURCE_ROOT BUILD_ROOT [NAME...]
#
# NAME... are the scenarios to run (meson.build lists the default ones);
# SLUICE_SYSTEM_SCENARIOS="NAME..." in the environment replaces them.
#
# The container needs sluice installed with prefix /usr (where dbus-daemon,
# polkitd and systemd look, and where the binaries then look for
# /etc/sluice). A BUILD_ROOT configured that way, without sanitizers, is used
# as it is (meson test has just built it). Any other gets a build of its own in
# BUILD_ROOT/tests/system/build-usr (configured once, then rebuilt
# incrementally) so that the developer's build is never touched.
#
# Exit status as run.sh's: 0 passed, 1 failed, 77 skipped (the host cannot run
# the container) — except with CI=true, where that is a failure too.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source=${1:?usage: meson-test.sh SOURCE_ROOT BUILD_ROOT [NAME...]}
build=${2:?usage: meson-test.sh SOURCE_ROOT BUILD_ROOT [NAME...]}
shift 2
names=("$@")
if [[ -n ${SLUICE_SYSTEM_SCENARIOS:-} ]]; then
	read -r -a names <<<"$SLUICE_SYSTEM_SCENARIOS"
fi
# shellcheck source=container.sh
source "$here/container.sh"

# Refuse (or skip) before spending a build on a host that cannot run it.
if ! container_check_requirements; then
	echo "################################################################" >&2
	echo "# SYSTEM TESTS NOT RUN: this host cannot boot the test container" >&2
	echo "################################################################" >&2
	if [[ ${CI:-} == true ]]; then
		echo "meson-test.sh: CI=true: failing instead of skipping" >&2
		exit 1
	fi
	exit 77
fi

option() {
	meson introspect "$1" --buildoptions | python3 -c '
import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$2"
}

if [[ $(option "$build" prefix) == /usr && $(option "$build" b_sanitize) == none ]]; then
	target=$build
else
	target=$build/tests/system/build-usr
	if [[ ! -f $target/meson-private/coredata.dat ]]; then
		echo "meson-test.sh: configuring $target (--prefix=/usr) for the container"
		meson setup --prefix=/usr -Dbus_tests=false "$target" "$source" >"$target.setup.log" 2>&1 ||
			{ cat "$target.setup.log" >&2; echo "meson-test.sh: meson setup failed" >&2; exit 1; }
	fi
	echo "meson-test.sh: building $target"
	ninja -C "$target" >"$target.build.log" 2>&1 ||
		{ tail -n 50 "$target.build.log" >&2; echo "meson-test.sh: the build failed" >&2; exit 1; }
fi
exec "$here/run.sh" "$target" "${names[@]}"
