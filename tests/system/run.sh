#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run.sh — the system-test suite: boots one throwaway systemd container
# (container.sh), installs the build into it, runs every scenario-*.sh of this
# directory against it, prints a table of results, always stops the container.
#
#   run.sh [--no-install] BUILDDIR [NAME...]
#
# BUILDDIR must be configured with --prefix=/usr (that is where dbus-daemon,
# polkitd and systemd look) and built. --no-install skips installing it.
# NAME... runs only scenario-NAME.sh.
#
# Exit status: 0 all scenarios passed; 1 a scenario failed or the container
# could not boot; 77 (meson's "skipped") when the host cannot run containers at
# all (not root, systemd-nspawn missing) — except with CI=true, where that is a
# failure too: CI never skips silently.
#
# Environment for scenarios: the container.sh and assert.sh functions,
# SLUICE_CONTAINER_* (the container), SLUICE_BUILD_DIR, SLUICE_SYSTEM_DIR (this
# directory), SCENARIO_TMP (an empty host directory of the scenario's own).
# SLUICE_SCENARIO_TIMEOUT bounds each scenario (seconds); unset, a scenario's
# own "# run.sh bound: N" line (one that needs longer says so, and why), else 300.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=container.sh
source "$here/container.sh"

usage() {
	sed -n '/^#   run.sh/p' "${BASH_SOURCE[0]}" | sed 's/^#   /usage: /' >&2
}

install=1
while [[ $# -gt 0 ]]; do
	case $1 in
	--no-install) install=0; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) usage; exit 2 ;;
	*) break ;;
	esac
done
[[ $# -ge 1 ]] || { usage; exit 2; }
build=$(cd "$1" 2>/dev/null && pwd) || { echo "run.sh: no build directory '$1'" >&2; exit 2; }
shift

scenarios=()
if [[ $# -gt 0 ]]; then
	for name in "$@"; do
		[[ -f $here/scenario-$name.sh ]] || { echo "run.sh: no scenario '$name' ($here/scenario-$name.sh)" >&2; exit 2; }
		scenarios+=("$here/scenario-$name.sh")
	done
else
	for f in "$here"/scenario-*.sh; do
		[[ -f $f ]] && scenarios+=("$f")
	done
fi
((${#scenarios[@]})) || { echo "run.sh: no scenario-*.sh in $here" >&2; exit 1; }

if ! container_check_requirements; then
	echo "################################################################" >&2
	echo "# SYSTEM TESTS NOT RUN: this host cannot boot the test container" >&2
	echo "################################################################" >&2
	if [[ ${CI:-} == true ]]; then
		echo "run.sh: CI=true: failing instead of skipping" >&2
		exit 1
	fi
	exit 77
fi

suite_started=$(date +%s.%N)
# What a SIGKILLed earlier run could not clean up (its container stopped with it).
container_sweep_stale
for old in "${SLUICE_CONTAINER_BASE:-/var/tmp}"/sluice-system-run.????????; do
	[[ -f $old/run.pid ]] || continue
	_container_alive "$(<"$old/run.pid")" || rm -rf -- "$old"
done
work=$(mktemp -d "${SLUICE_CONTAINER_BASE:-/var/tmp}/sluice-system-run.XXXXXXXX")
echo $$ >"$work/run.pid"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	container_stop || rc=1
	rm -rf -- "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

boot_started=$(date +%s.%N)
if ! container_start; then
	echo "run.sh: FAILED: the test container did not boot (log above)" >&2
	exit 1
fi
boot_time=$(_container_elapsed "$boot_started")

if ((install)); then
	echo "run.sh: installing $build into the container"
	if ! container_install "$build"; then
		echo "run.sh: FAILED: could not install $build into the container" >&2
		exit 1
	fi
fi

# scenario_bound FILE: the bound of one scenario, in seconds (see the top).
scenario_bound() {
	local n=${SLUICE_SCENARIO_TIMEOUT:-}
	[[ -n $n ]] || n=$(sed -n 's/^# run\.sh bound: \([0-9][0-9]*\)\( .*\)\{0,1\}$/\1/p' "$1" | head -n 1)
	echo "${n:-300}"
}

export SLUICE_BUILD_DIR=$build SLUICE_SYSTEM_DIR=$here
names=() results=() times=()
failed=0
for scenario in "${scenarios[@]}"; do
	name=${scenario##*/scenario-}
	name=${name%.sh}
	export SCENARIO_TMP=$work/$name
	mkdir -p "$SCENARIO_TMP"
	echo "==== scenario $name"
	started=$(date +%s.%N)
	rc=0
	if ! _container_alive "$SLUICE_CONTAINER_PID1"; then
		echo "FAIL: the container is not running any more" >"$work/$name.log"
		rc=1
	else
		# A separate bash: `set -e` keeps working inside the scenario whatever
		# the caller does with its status. Output goes to a file, so that a
		# stray background process cannot hold the suite up.
		# pdeathsig: a killed driver takes its scenario along (timeout passes
		# the SIGTERM on).
		bound=$(scenario_bound "$scenario")
		setpriv --pdeathsig=TERM timeout --kill-after=10 "$bound" \
			bash --noprofile --norc -c '
				source "$1"; source "$2"
				set -Eeuo pipefail
				trap '\''_assert_on_err $? "$BASH_COMMAND"'\'' ERR
				SCENARIO_FILE=$3
				source "$3"' \
			"scenario-$name" "$here/container.sh" "$here/assert.sh" "$scenario" \
			>"$work/$name.log" 2>&1 </dev/null || rc=$?
		((rc == 124)) && echo "FAIL: scenario timed out after ${bound}s" >>"$work/$name.log"
	fi
	sed 's/^/    /' "$work/$name.log"
	names+=("$name")
	times+=("$(_container_elapsed "$started")s")
	if ((rc == 0)); then
		results+=(PASS)
	else
		results+=("FAIL ($rc)")
		failed=$((failed + 1))
	fi
done

echo
printf '%-28s %-10s %s\n' scenario result time
for i in "${!names[@]}"; do
	printf '%-28s %-10s %s\n' "${names[i]}" "${results[i]}" "${times[i]}"
done
echo "container boot: ${boot_time}s; suite so far: $(_container_elapsed "$suite_started")s (stop follows)"
if ((failed)); then
	echo "run.sh: $failed of ${#names[@]} scenarios FAILED"
	exit 1
fi
echo "run.sh: all ${#names[@]} scenarios passed"
exit 0
