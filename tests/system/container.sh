#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# container.sh — a throwaway systemd container for system tests.
#
# Boots the host's own root with systemd-nspawn on an *overlay* (every write lands
# in a tmpfs and vanishes at shutdown), as /work/shared/design/sandbox.md describes:
# systemd as PID 1, the system bus, polkitd, the journal, transient units.
# Never boot systemd on the real root: its boot services empty /tmp and start
# the host's enabled services.
#
# As a library (source it, bash only):
#   container_start                 boot; sets and exports SLUICE_CONTAINER_DIR,
#                                   SLUICE_CONTAINER_NSPAWN_PID, SLUICE_CONTAINER_PID1;
#                                   the container stops by itself if the calling
#                                   shell dies without calling container_stop
#   container_exec CMD...           run CMD inside (all namespaces of its PID 1)
#   container_exec_as UID[:GID] CMD...   the same as an unprivileged user
#   container_copy_in SRC DST       copy a host file or directory to DST inside
#   container_install BUILDDIR      install a build dir (--prefix=/usr) inside
#   container_stop                  shut down, wait (bounded), clean up; call it
#                                   from an EXIT trap
#   container_load DIR              attach to a container started elsewhere
#
# As a command:
#   container.sh start                      boot, print the state directory
#   container.sh [--dir=DIR] exec CMD...    (DIR defaults to $SLUICE_CONTAINER_DIR)
#   container.sh [--dir=DIR] exec-as UID CMD...
#   container.sh [--dir=DIR] copy-in SRC DST
#   container.sh [--dir=DIR] install BUILDDIR
#   container.sh [--dir=DIR] shell
#   container.sh [--dir=DIR] stop
#   container.sh run CMD...                 boot, run CMD inside, stop
#
# Knobs (environment): SLUICE_CONTAINER_BOOT_TIMEOUT (s, default 60),
# SLUICE_CONTAINER_STOP_TIMEOUT (s, default 30), SLUICE_CONTAINER_BASE (parent of
# the state directory, default /var/tmp), SLUICE_CONTAINER_TARGET (the unit to
# boot, default basic.target: only the basics, enabled host services stay off).
#
# Refuses loudly (non-zero exit status, a message on stderr) when it is not root,
# a tool is missing or the boot fails. It never skips anything by itself.

# The environment commands see inside: nothing of the caller's leaks in
# (no DBUS_* addresses, no pyenv PATH).
_container_env=(
	env -i
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	LANG=C.UTF-8
	HOME=/root
	TERM=dumb
	SYSTEMD_PAGER=cat
	SYSTEMD_COLORS=0
	SYSTEMD_LOG_COLOR=0
)

_container_say() {
	echo "container: $*" >&2
}

# _container_error MESSAGE...: print only; callers return their failure
# themselves (so that a caller's `set -e` cannot skip their cleanup).
_container_error() {
	echo "container: ERROR: $*" >&2
}

# _container_now: monotonic-enough wall clock in seconds with decimals.
_container_now() {
	date +%s.%N
}

_container_elapsed() {
	awk -v a="$1" -v b="$(_container_now)" 'BEGIN { printf "%.2f", b - a }'
}

# _container_alive PID: true while PID exists and is not a zombie.
_container_alive() {
	local pid=$1 stat
	[[ -n $pid ]] || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# container_check_requirements: everything the recipe needs, or a clear refusal.
container_check_requirements() {
	local tool missing=()
	if [[ $(id -u) != 0 ]]; then
		_container_error "must run as root (systemd-nspawn, unshare --mount and nsenter need it)"
		return 1
	fi
	for tool in systemd-nspawn unshare nsenter setpriv setsid tar awk; do
		command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
	done
	if ((${#missing[@]})); then
		_container_error "missing: ${missing[*]} (systemd-nspawn comes with the Debian package systemd-container: apt-get install -y systemd-container)"
		return 1
	fi
	if [[ ! -x /usr/lib/systemd/systemd && ! -x /lib/systemd/systemd ]]; then
		_container_error "no systemd binary on this host to boot"
		return 1
	fi
	return 0
}

# container_load DIR: read the state of a container started by container_start.
container_load() {
	local dir=$1
	[[ -n $dir && -f $dir/nspawn.pid && -f $dir/pid1 ]] ||
		{ _container_error "no container state in '${dir}'"; return 1; }
	SLUICE_CONTAINER_DIR=$dir
	SLUICE_CONTAINER_NSPAWN_PID=$(<"$dir/nspawn.pid")
	SLUICE_CONTAINER_PID1=$(<"$dir/pid1")
	export SLUICE_CONTAINER_DIR SLUICE_CONTAINER_NSPAWN_PID SLUICE_CONTAINER_PID1
}

# _container_find_pid1 NSPAWN_PID [any]: the child of nspawn that is PID 1 of
# its own PID namespace and already runs systemd (with "any": whatever it runs
# yet); empty until then.
_container_find_pid1() {
	local nspawn=$1 any=${2:-} child nspid exe
	for child in $(cat /proc/"$nspawn"/task/*/children 2>/dev/null); do
		nspid=$(awk '/^NSpid:/ { print $NF }' "/proc/$child/status" 2>/dev/null)
		[[ $nspid == 1 ]] || continue
		exe=$(readlink "/proc/$child/exe" 2>/dev/null)
		[[ -n $any || ${exe##*/} == systemd ]] || continue
		echo "$child"
		return 0
	done
	return 0
}

_container_dump_boot_log() {
	local dir=${SLUICE_CONTAINER_DIR:-}
	[[ -n $dir && -f $dir/boot.log ]] || return 0
	echo "container: ---- boot log ($dir/boot.log) ----" >&2
	sed 's/\x1b\[[0-9;]*m//g' "$dir/boot.log" >&2
	echo "container: ---- end of boot log ----" >&2
	if [[ -n ${SLUICE_CONTAINER_PID1:-} ]] && _container_alive "$SLUICE_CONTAINER_PID1"; then
		echo "container: ---- failed units and journal ----" >&2
		timeout 10 nsenter -t "$SLUICE_CONTAINER_PID1" -a "${_container_env[@]}" \
			systemctl --no-pager --failed >&2 || true
		timeout 10 nsenter -t "$SLUICE_CONTAINER_PID1" -a "${_container_env[@]}" \
			journalctl --no-pager -b -n 80 >&2 || true
		echo "container: ---- end ----" >&2
	fi
}

# container_start: boot the container; returns once systemd says running or
# degraded. On failure prints the boot log, stops what was started, returns 1.
container_start() {
	local base=${SLUICE_CONTAINER_BASE:-/var/tmp}
	local boot_timeout=${SLUICE_CONTAINER_BOOT_TIMEOUT:-60}
	local dir uuid name started deadline pid1="" nspawn="" state="" left

	container_check_requirements || return 1
	if [[ -n ${SLUICE_CONTAINER_NSPAWN_PID:-} ]] && _container_alive "$SLUICE_CONTAINER_NSPAWN_PID"; then
		_container_error "a container is already running in this shell (${SLUICE_CONTAINER_DIR:-})"
		return 1
	fi

	started=$(_container_now)
	dir=$(mktemp -d "$base/sluice-container.XXXXXXXX") ||
		{ _container_error "cannot create a state directory under $base"; return 1; }
	mkdir "$dir/root"
	# A fresh random id: not the host's machine-id, different for every container.
	uuid=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	name="sluice-${dir##*.}"
	name=${name,,}

	# Runs in its own mount namespace (unshare --mount): the bind mount of / and
	# nspawn's own bookkeeping under /run/systemd/nspawn stay in there and vanish
	# with the last process. The bind is not recursive: /proc /sys /dev /run stay out.
	cat >"$dir/boot.sh" <<'EOF'
#!/bin/bash
# boot.sh DIR UUID NAME STARTER_PID TARGET — written by container.sh
set -eu
dir=$1 uuid=$2 name=$3 starter=$4 target=$5
# This process becomes systemd-nspawn (exec below): its PID is nspawn's.
echo $$ >"$dir/nspawn.pid.tmp" && mv "$dir/nspawn.pid.tmp" "$dir/nspawn.pid"
mount --make-rprivate /
# nspawn keeps locks and a propagation directory under /run/systemd/nspawn;
# give it a private tmpfs so nothing is left on the host and containers do not meet.
for d in /run/systemd/nspawn /run/systemd /run; do
	if [ -d "$d" ]; then
		mount -t tmpfs -o mode=0755,size=1M sluice-nspawn "$d"
		break
	fi
done
mount --bind / "$dir/root"
# When started by a long-lived shell (run.sh), die with it: SIGTERM is a clean
# shutdown, so even a SIGKILLed test driver leaves no container behind.
pdeath=()
if [ "$PPID" = "$starter" ]; then
	pdeath=(setpriv --pdeathsig=TERM)
fi
# container_stop writes "stop" before it reads nspawn.pid: either it has seen
# our PID (and signals it), or we see its marker here.
if [ -e "$dir/stop" ]; then
	echo "boot.sh: stopped before systemd-nspawn started" >&2
	exit 1
fi
exec "${pdeath[@]}" systemd-nspawn --register=no --keep-unit \
	--uuid="$uuid" --machine="$name" --link-journal=no \
	--quiet -D "$dir/root" --volatile=overlay --private-network \
	-b -- systemd.unit="$target"
EOF
	chmod 0755 "$dir/boot.sh"
	SLUICE_CONTAINER_DIR=$dir
	SLUICE_CONTAINER_NSPAWN_PID=""
	SLUICE_CONTAINER_PID1=""
	export SLUICE_CONTAINER_DIR SLUICE_CONTAINER_NSPAWN_PID SLUICE_CONTAINER_PID1

	# $BASHPID now: inside the `&` command below it would be the child's.
	# 0: not tied to this shell (container.sh start outlives its caller).
	local me=$BASHPID
	[[ ${SLUICE_CONTAINER_TIED:-1} == 1 ]] || me=0
	setsid unshare --mount "$dir/boot.sh" "$dir" "$uuid" "$name" "$me" \
		"${SLUICE_CONTAINER_TARGET:-basic.target}" \
		>"$dir/boot.log" 2>&1 </dev/null &
	local launcher=$!
	echo "$launcher" >"$dir/launcher.pid"

	deadline=$(awk -v s="$started" -v t="$boot_timeout" 'BEGIN { printf "%d", s + t }')
	# nspawn's PID: written by boot.sh, which then becomes nspawn (exec).
	while [[ ! -s $dir/nspawn.pid ]]; do
		if ! _container_alive "$launcher" && [[ ! -s $dir/nspawn.pid ]]; then
			wait "$launcher" 2>/dev/null || true
			_container_error "the boot script failed before starting systemd-nspawn"
			_container_dump_boot_log
			SLUICE_CONTAINER_STOP_TIMEOUT=5 container_stop
			return 1
		fi
		if (($(date +%s) >= deadline)); then
			_container_error "boot script did not start within ${boot_timeout}s"
			_container_dump_boot_log
			SLUICE_CONTAINER_STOP_TIMEOUT=5 container_stop
			return 1
		fi
		sleep 0.02
	done
	nspawn=$(<"$dir/nspawn.pid")
	SLUICE_CONTAINER_NSPAWN_PID=$nspawn

	# The container's PID 1: nspawn's child that is PID 1 in its namespace.
	while :; do
		pid1=$(_container_find_pid1 "$nspawn")
		[[ -n $pid1 ]] && break
		if ! _container_alive "$nspawn"; then
			wait "$nspawn" 2>/dev/null || true
			_container_error "systemd-nspawn exited during boot"
			_container_dump_boot_log
			SLUICE_CONTAINER_STOP_TIMEOUT=5 container_stop
			return 1
		fi
		if (($(date +%s) >= deadline)); then
			_container_error "systemd did not start in the container within ${boot_timeout}s"
			_container_dump_boot_log
			SLUICE_CONTAINER_STOP_TIMEOUT=5 container_stop
			return 1
		fi
		sleep 0.02
	done
	SLUICE_CONTAINER_PID1=$pid1
	echo "$pid1" >"$dir/pid1"
	readlink "/proc/$pid1/ns/pid" >"$dir/pidns" 2>/dev/null || true

	# Wait for the boot to finish: `is-system-running --wait` blocks while
	# starting, but fails at once while PID 1 has no bus yet: retry until the bound.
	while :; do
		left=$((deadline - $(date +%s)))
		((left > 0)) || left=1
		state=$(timeout "$left" nsenter -t "$pid1" -a "${_container_env[@]}" \
			systemctl is-system-running --wait 2>&1) || true
		case $state in
		running | degraded)
			break
			;;
		maintenance | stopping | offline)
			_container_error "container boot ended in state '$state'"
			_container_dump_boot_log
			SLUICE_CONTAINER_STOP_TIMEOUT=5 container_stop
			return 1
			;;
		esac
		if ! _container_alive "$pid1" || (($(date +%s) >= deadline)); then
			_container_error "container not running within ${boot_timeout}s (last state: '${state}')"
			_container_dump_boot_log
			SLUICE_CONTAINER_STOP_TIMEOUT=5 container_stop
			return 1
		fi
		sleep 0.05
	done
	echo "$state" >"$dir/boot-state"
	_container_say "booted $name (nspawn $nspawn, PID 1 = $pid1, state $state) in $(_container_elapsed "$started")s"
	return 0
}

_container_need() {
	if [[ -z ${SLUICE_CONTAINER_PID1:-} ]]; then
		_container_error "no container: call container_start (or container_load DIR) first"
		return 1
	fi
	if ! _container_alive "$SLUICE_CONTAINER_PID1"; then
		_container_error "the container (PID 1 = $SLUICE_CONTAINER_PID1) is not running any more"
		return 1
	fi
}

# container_exec CMD...: run CMD as root inside the container, in a clean
# environment (pass variables with `env VAR=value CMD`). stdin/stdout/stderr and
# the exit status are CMD's.
container_exec() {
	_container_need || return 125
	nsenter -t "$SLUICE_CONTAINER_PID1" -a "${_container_env[@]}" "$@"
}

# container_exec_as UID[:GID] CMD...: run CMD inside as an unprivileged user, with
# no supplementary groups (GID defaults to UID).
container_exec_as() {
	local ids=$1 uid gid
	shift
	uid=${ids%%:*}
	gid=${ids#*:}
	[[ $ids == *:* ]] || gid=$uid
	[[ $uid =~ ^[0-9]+$ && $gid =~ ^[0-9]+$ ]] ||
		{ _container_error "container_exec_as: '$ids' is not UID[:GID]"; return 125; }
	_container_need || return 125
	nsenter -t "$SLUICE_CONTAINER_PID1" -a "${_container_env[@]}" \
		setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
}

# container_copy_in SRC DST: copy a host file or directory to the path DST inside
# the container (parents created, DST replaced for a file, merged for a
# directory; directories that exist keep their owner and mode: copying a tree
# into / must not give / the mode of a temporary directory; a symlink to a
# directory stays a symlink: a staged lib/systemd/system must land in /usr/lib
# through Debian's /lib -> usr/lib, not replace /lib by a directory, which
# breaks the container). Needed for anything changed on the host after the boot: the
# overlay may keep showing the old lower-layer contents.
container_copy_in() {
	local src=$1 dst=$2
	[[ -e $src ]] || { _container_error "container_copy_in: '$src' does not exist"; return 1; }
	[[ $dst == /* ]] || { _container_error "container_copy_in: '$dst' must be absolute"; return 1; }
	_container_need || return 1
	if [[ -d $src ]]; then
		tar -C "$src" -cf - . |
			container_exec sh -c 'mkdir -p -- "$1" && tar -C "$1" --no-overwrite-dir --keep-directory-symlink -xf -' sh "$dst"
	else
		container_exec sh -c 'mkdir -p -- "$(dirname -- "$1")" && cat >"$1.sluice-copy" &&
			chmod "$2" "$1.sluice-copy" && mv -f -- "$1.sluice-copy" "$1"' \
			sh "$dst" "$(stat -c %a -- "$src")" <"$src"
	fi
}

# container_install BUILDDIR: install a built tree configured with --prefix=/usr
# into the container, then make dbus-daemon and systemd read their files again.
# The install runs on the host into a fresh staging directory (DESTDIR) which is
# then copied in: the overlay may not show files the build changed after the
# boot, and nothing on the host outside the staging directory is written.
# A DESTDIR install skips the install scripts that act on the installed system
# (skip_if_destdir: the journal catalog index, data/update-catalog.sh); they
# carry install_tag 'post-install' and run inside the container, with no
# DESTDIR, as a plain "meson install" on a host runs them: nothing in a
# scenario does their work for them.
container_install() {
	local build=$1 prefix stage rc=0
	[[ -n $build && -f $build/meson-private/coredata.dat ]] ||
		{ _container_error "container_install: '$build' is not a meson build directory"; return 1; }
	build=$(cd "$build" && pwd)
	_container_need || return 1
	prefix=$(meson introspect "$build" --buildoptions | python3 -c '
import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))') || prefix=""
	if [[ $prefix != /usr ]]; then
		_container_error "container_install: $build has prefix '${prefix}', configure it with --prefix=/usr (dbus-daemon, polkitd and systemd look there)"
		return 1
	fi
	stage=$(mktemp -d "${SLUICE_CONTAINER_DIR}/install.XXXXXX")
	chmod 0755 "$stage"
	if ! meson install -C "$build" --no-rebuild --quiet --destdir "$stage" >"$stage.log" 2>&1; then
		cat "$stage.log" >&2
		_container_error "container_install: meson install failed for $build"
		rc=1
	elif ! container_copy_in "$stage" /; then
		_container_error "container_install: copying the installed files in failed"
		rc=1
	elif ! container_exec meson install -C "$build" --no-rebuild --quiet --tags post-install \
		>>"$stage.log" 2>&1; then
		cat "$stage.log" >&2
		_container_error "container_install: the post-install steps failed inside the container"
		rc=1
	elif ! container_exec busctl --quiet call org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus ReloadConfig; then
		_container_error "container_install: dbus-daemon ReloadConfig failed"
		rc=1
	elif ! container_exec systemctl daemon-reload; then
		_container_error "container_install: systemctl daemon-reload failed"
		rc=1
	fi
	rm -rf -- "$stage" "$stage.log"
	return $rc
}

# _container_kill_namespace_leftovers: any process still in the container's PID
# namespace (none expected once PID 1 is gone) gets SIGKILL.
_container_kill_namespace_leftovers() {
	local dir=$1 ns p found=0
	[[ -f $dir/pidns ]] || return 0
	ns=$(<"$dir/pidns")
	[[ -n $ns ]] || return 0
	for p in /proc/[0-9]*; do
		if [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$ns" ]]; then
			_container_say "killing leftover process ${p#/proc/} in the container's PID namespace"
			kill -KILL "${p#/proc/}" 2>/dev/null || true
			found=1
		fi
	done
	return $found
}

# _container_remove_dir DIR: remove a container's state directory.
_container_remove_dir() {
	local dir=$1 f
	# No rm -rf here, ever: should the bind mount of / still exist in some
	# namespace, a recursive delete would go through it into the host's root.
	# Remove exactly the files we wrote, then the (empty) directories.
	for f in boot.sh boot.log nspawn.pid nspawn.pid.tmp launcher.pid pid1 pidns boot-state stop .#root.lck; do
		rm -f -- "$dir/$f"
	done
	# Staging directories of an interrupted container_install: plain host files.
	rm -rf -- "$dir"/install.?????? "$dir"/install.??????.log
	if [[ -d $dir/root ]] && ! rmdir -- "$dir/root" 2>/dev/null; then
		_container_error "could not remove $dir/root"
		return 1
	fi
	if ! rmdir -- "$dir" 2>/dev/null; then
		_container_error "could not remove $dir (left: $(ls -A "$dir" 2>/dev/null | tr '\n' ' '))"
		return 1
	fi
	return 0
}

# container_sweep_stale: remove the state directories of containers whose
# driver was killed (SIGKILL leaves no chance to clean up; the container itself
# stops with its driver). Directories of live or booting containers stay.
container_sweep_stale() {
	local base=${SLUICE_CONTAINER_BASE:-/var/tmp} dir pid fresh
	for dir in "$base"/sluice-container.????????; do
		[[ -d $dir ]] || continue
		pid=""
		[[ -s $dir/nspawn.pid ]] && pid=$(<"$dir/nspawn.pid")
		[[ -z $pid && -s $dir/launcher.pid ]] && pid=$(<"$dir/launcher.pid")
		if [[ -n $pid ]]; then
			_container_alive "$pid" && continue
		else
			# Not even launched yet, or launched a moment ago: leave it.
			fresh=$(find "$dir" -maxdepth 0 -mmin -10 2>/dev/null)
			[[ -n $fresh ]] && continue
		fi
		_container_kill_namespace_leftovers "$dir" || true
		_container_remove_dir "$dir" && _container_say "removed stale ${dir##*/}"
	done
	return 0
}

# container_stop: clean shutdown by SIGTERM to nspawn, bounded wait, then
# SIGKILL; removes the state directory. Safe to call twice, or after a failed
# start; meant for an EXIT trap.
container_stop() {
	local dir=${SLUICE_CONTAINER_DIR:-} nspawn=${SLUICE_CONTAINER_NSPAWN_PID:-}
	local pid1=${SLUICE_CONTAINER_PID1:-} stop_timeout=${SLUICE_CONTAINER_STOP_TIMEOUT:-30}
	local started deadline rc=0 f

	[[ -n $dir && -d $dir ]] || return 0
	started=$(_container_now)
	# A boot still on its way must not start nspawn after this point (boot.sh).
	: >"$dir/stop"
	if [[ -z $nspawn && -s $dir/nspawn.pid ]]; then
		nspawn=$(<"$dir/nspawn.pid")
	fi
	if [[ -z $nspawn && -s $dir/launcher.pid ]]; then
		# boot.sh had not even started: end whatever runs in its place.
		f=$(<"$dir/launcher.pid")
		if _container_alive "$f"; then kill -TERM "$f" 2>/dev/null || true; fi
		wait "$f" 2>/dev/null || true
	fi
	if [[ -z $pid1 && -n $nspawn ]]; then
		# A boot that failed early: find PID 1 now, to be sure it ends.
		pid1=$(_container_find_pid1 "$nspawn" any)
		[[ -z $pid1 ]] || readlink "/proc/$pid1/ns/pid" >"$dir/pidns" 2>/dev/null || true
	fi
	if [[ -n $nspawn ]] && _container_alive "$nspawn"; then
		kill -TERM "$nspawn" 2>/dev/null || true
		deadline=$(($(date +%s) + stop_timeout))
		while _container_alive "$nspawn" && (($(date +%s) < deadline)); do
			if [[ -z $pid1 ]]; then
				pid1=$(_container_find_pid1 "$nspawn" any)
				[[ -z $pid1 ]] || readlink "/proc/$pid1/ns/pid" >"$dir/pidns" 2>/dev/null || true
			fi
			sleep 0.05
		done
		if _container_alive "$nspawn"; then
			_container_error "systemd-nspawn $nspawn did not stop within ${stop_timeout}s: SIGKILL"
			# PID 1 first: that ends its whole PID namespace; it would outlive
			# a SIGKILLed nspawn otherwise.
			[[ -n $pid1 ]] || pid1=$(_container_find_pid1 "$nspawn" any)
			if [[ -n $pid1 ]]; then kill -KILL "$pid1" 2>/dev/null || true; fi
			kill -KILL "$nspawn" 2>/dev/null || true
			deadline=$(($(date +%s) + 10))
			while _container_alive "$nspawn" && (($(date +%s) < deadline)); do
				sleep 0.05
			done
			rc=1
		fi
		wait "$nspawn" 2>/dev/null || true
	fi
	if [[ -n $pid1 ]] && _container_alive "$pid1"; then
		kill -KILL "$pid1" 2>/dev/null || true
		sleep 0.2
	fi
	_container_kill_namespace_leftovers "$dir" || rc=1

	_container_remove_dir "$dir" || rc=1
	if ((rc == 0)); then
		_container_say "stopped ${dir##*/} in $(_container_elapsed "$started")s"
	fi
	SLUICE_CONTAINER_DIR=""
	SLUICE_CONTAINER_NSPAWN_PID=""
	SLUICE_CONTAINER_PID1=""
	return $rc
}

_container_usage() {
	sed -n '/^# As a command:/,/^# Knobs/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
}

_container_main() {
	local dir=${SLUICE_CONTAINER_DIR:-} cmd
	set -u
	while [[ $# -gt 0 ]]; do
		case $1 in
		--dir=*) dir=${1#--dir=}; shift ;;
		--dir) dir=${2:?--dir needs a value}; shift 2 ;;
		-h | --help) _container_usage; return 0 ;;
		*) break ;;
		esac
	done
	cmd=${1:-}
	[[ -n $cmd ]] || { _container_usage; return 2; }
	shift
	case $cmd in
	start)
		SLUICE_CONTAINER_TIED=0 container_start || return 1
		echo "$SLUICE_CONTAINER_DIR"
		;;
	run)
		[[ $# -gt 0 ]] || { _container_usage; return 2; }
		trap 'container_stop' EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		trap 'exit 129' HUP
		container_start || return 1
		container_exec "$@"
		;;
	exec | exec-as | copy-in | install | shell | stop)
		container_load "$dir" || return 1
		case $cmd in
		exec) container_exec "$@" ;;
		exec-as) container_exec_as "$@" ;;
		copy-in) container_copy_in "$@" ;;
		install) container_install "$@" ;;
		shell) container_exec env TERM="${TERM:-dumb}" PS1='[container \w]# ' bash --norc -i ;;
		stop) container_stop ;;
		esac
		;;
	*)
		_container_usage
		return 2
		;;
	esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	_container_main "$@"
	exit $?
fi
