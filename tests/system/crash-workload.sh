#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# crash-workload.sh DIR ROLE — one worker of scenario-crash.sh's workload,
# run inside the container until DIR/stop exists.
#
#   submit: submits command jobs (class crash-cmd) one after the other,
#           most of them short (under 0.1 s), one in four 1-3 s long (they
#           are running when sluiced is killed, and re-attached); the id of every job whose Submit() was answered goes to
#           DIR/cmd-acked, every unanswered call is counted in
#           DIR/submit-failed.
#   lease:  acquires a crash-lease lease, holds it a little, releases it
#           (SIGTERM to `sluicectl acquire`); every granted id (the
#           Acquire() reply) goes to DIR/lease-acked.
#
# Lines are appended with one write each (echo of a short line): a reader
# never sees half a line.

dir=${1:?usage: crash-workload.sh DIR submit|lease}
role=${2:?usage: crash-workload.sh DIR submit|lease}
n=0

submit() {
	local id secs
	while [[ ! -e $dir/stop ]]; do
		if ((RANDOM % 4 == 0)); then
			secs=$((1 + RANDOM % 3)).$((RANDOM % 10))
		else
			secs=0.0$((RANDOM % 10))
		fi
		if id=$(sluicectl submit crash-cmd "secs=$secs" 2>>"$dir/submit.err") &&
			[[ $id =~ ^[0-9]+$ ]]; then
			echo "$id" >>"$dir/cmd-acked"
		else
			echo x >>"$dir/submit-failed"
		fi
		sleep 0.$((1 + RANDOM % 3))
	done
}

lease() {
	local out pid id i
	while [[ ! -e $dir/stop ]]; do
		n=$((n + 1))
		out=$dir/lease-$BASHPID-$n.out
		sluicectl acquire crash-lease >"$out" 2>&1 &
		pid=$!
		# Granted (the id is printed), refused or gone: at most ~3 s of waiting.
		for ((i = 0; i < 150; i++)); do
			id=$(head -n 1 "$out")
			[[ $id =~ ^[0-9]+$ ]] && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.02
		done
		if [[ $id =~ ^[0-9]+$ ]]; then
			echo "$id" >>"$dir/lease-acked"
			sleep 0.$((RANDOM % 3))$((RANDOM % 10))
		fi
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rm -f "$out"
	done
}

"$role"
