#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# deb-test.sh — the Debian package as an admin meets it (issue 12, item 13):
# builds sluice's .debs from the tree (dpkg-buildpackage -us -uc -b), checks
# them with lintian (no error or warning; the info tags that stay are justified
# in debian/*.lintian-overrides), then boots a throwaway systemd container of
# its own with NO sluice installed, installs the packages with dpkg there,
# runs scenarios against the packaged sluice and purges it, checking that
# nothing is left behind (scenario-deb-install.sh, scenario-deb-purge.sh).
#
#   deb-test.sh SOURCE_ROOT BUILD_ROOT
#
# A container of its own: the purge removes what the other scenarios stand
# on. Exit status as run.sh's (77: skipped, a failure with CI=true).
# SLUICE_SYSTEM_SCENARIOS set without "deb" in it skips this test (a developer
# running other scenarios by name).

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source=$(cd "${1:?usage: deb-test.sh SOURCE_ROOT BUILD_ROOT}" && pwd)
build=$(cd "${2:?usage: deb-test.sh SOURCE_ROOT BUILD_ROOT}" && pwd)

if [[ -n ${SLUICE_SYSTEM_SCENARIOS:-} && " $SLUICE_SYSTEM_SCENARIOS " != *" deb "* ]]; then
	echo "deb-test.sh: SLUICE_SYSTEM_SCENARIOS does not name 'deb': skipped"
	exit 77
fi
# shellcheck source=container.sh
source "$here/container.sh"
if ! container_check_requirements || ! command -v dpkg-buildpackage >/dev/null || ! command -v lintian >/dev/null; then
	echo "deb-test.sh: cannot run here (container requirements, dpkg-buildpackage, lintian: tools/install-deps.sh)" >&2
	[[ ${CI:-} == true ]] && exit 1
	exit 77
fi

work=$build/tests/system/deb
rm -rf -- "$work"
mkdir -p "$work/src/sluice"

echo "deb-test.sh: copying the tree (tracked and new files, no build directories)"
git -C "$source" ls-files -z --cached --others --exclude-standard |
	grep -zvE '^(build[^/]*|obj-[^/]*)/' |
	(cd "$source" && tar --null -T - -cf -) | tar -x -C "$work/src/sluice" ||
	{ echo "deb-test.sh: copying the tree failed" >&2; exit 1; }

echo "deb-test.sh: dpkg-buildpackage -us -uc -b (log: $work/build.log)"
if ! (cd "$work/src/sluice" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
	tail -n 60 "$work/build.log" >&2
	echo "deb-test.sh: FAILED: dpkg-buildpackage" >&2
	exit 1
fi
mv "$work"/src/*.deb "$work"/src/*.changes "$work"/src/*.buildinfo "$work/" || { echo "deb-test.sh: dpkg-buildpackage made no packages" >&2; exit 1; }
ls -l "$work"/*.deb

echo "deb-test.sh: lintian --allow-root -I --show-overrides $(basename "$work"/*.changes)"
lintian --allow-root -I "$work"/*.changes >"$work/lintian.log" 2>&1
lintian_rc=$?
sed 's/^/    /' "$work/lintian.log"
if ((lintian_rc != 0)) || grep -qE '^[EW]: ' "$work/lintian.log"; then
	echo "deb-test.sh: FAILED: lintian reports errors or warnings (exit status $lintian_rc)" >&2
	exit 1
fi
if grep -E '^I: ' "$work/lintian.log"; then
	echo "deb-test.sh: FAILED: lintian info tags without a justification in debian/*.lintian-overrides" >&2
	exit 1
fi

export SLUICE_DEB_DIR=$work
exec "$here/run.sh" --no-install "$build" deb-install smoke activation command deb-purge
