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
#   cancel: submits a crash-cmd job not before an hour from now (queued for
#           sure; its id to DIR/cancel-submitted), then cancels it, by
#           turns with CancelJob (busctl) and Job.Cancel (sluicectl cancel);
#           an answered cancel goes to DIR/cancel-acked.  A cancel the kill
#           cut off is tried again until answered or the job is done.
#   release: acquires a detached crash-ttl lease (--ttl: it outlives the
#           call; id to DIR/ttl-acked), holds it a little, releases it with
#           `sluicectl release ID success` (answered: DIR/release-acked;
#           cut off: tried again until answered or the lease is not running).
#   pause:  pauses scope resource:crash:N (answered: "resource:crash:N" to
#           DIR/pause-acked), then resumes it (tried: DIR/resume-tried,
#           before the call; answered: DIR/resume-acked), N = 1, 2, ...
#   stop:   submits a crash-stop job (runs until stopped, then exits 0 or 1;
#           id to DIR/stop-submitted), waits until it runs, then cancels it,
#           by turns with CancelJob (busctl) and Job.Cancel (sluicectl
#           cancel); an answered cancel goes to DIR/stop-acked (issue 10: a
#           cancel of a running command job stands across a crash).
#
# Lines are appended with one write each (echo of a short line): a reader
# never sees half a line.

dir=${1:?usage: crash-workload.sh DIR submit|lease|cancel|release|pause|stop}
role=${2:?usage: crash-workload.sh DIR submit|lease|cancel|release|pause|stop}
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

# retry_until_done TRIES DONE_PATTERN CMD...: CMD until it succeeds (0), or
# fails saying DONE_PATTERN (1: nothing left to do); 2 after TRIES failures.
retry_until_done() {
	local tries=$1 pattern=$2 out i
	shift 2
	for ((i = 0; i < tries; i++)); do
		if out=$("$@" 2>&1); then
			return 0
		fi
		[[ $out == *$pattern* ]] && return 1
		sleep 0.1
	done
	echo "$* failed $tries times, last: $out" >>"$dir/stuck"
	return 2
}

cancel() {
	local id
	while [[ ! -e $dir/stop ]]; do
		n=$((n + 1))
		if id=$(sluicectl submit --not-before=+3600 crash-cmd secs=0.01 2>>"$dir/cancel.err") &&
			[[ $id =~ ^[0-9]+$ ]]; then
			echo "$id" >>"$dir/cancel-submitted"
			if ((n % 2)); then
				retry_until_done 600 "already done" busctl --system call org.sluice.Scheduler1 \
					/org/sluice/Scheduler1 org.sluice.Scheduler1 CancelJob t "$id" &&
					echo "$id" >>"$dir/cancel-acked"
			else
				retry_until_done 600 "already done" sluicectl cancel "$id" &&
					echo "$id" >>"$dir/cancel-acked"
			fi
		fi
		# About one a second: busy enough at every kill, and the history
		# every check reads stays small.
		sleep "$((RANDOM % 2)).$((RANDOM % 10))"
	done
}

release() {
	local id
	while [[ ! -e $dir/stop ]]; do
		if id=$(sluicectl acquire --ttl=20 crash-ttl 2>>"$dir/release.err") && [[ $id =~ ^[0-9]+$ ]]; then
			echo "$id" >>"$dir/ttl-acked"
			sleep 0.$((RANDOM % 3))$((RANDOM % 10))
			retry_until_done 600 "not running" sluicectl release "$id" success &&
				echo "$id" >>"$dir/release-acked"
		fi
		sleep "$((RANDOM % 2)).$((RANDOM % 10))"
	done
}

pause() {
	local scope
	while [[ ! -e $dir/stop ]]; do
		n=$((n + 1))
		scope=resource:crash:$n
		sluicectl pause "$scope" >/dev/null 2>>"$dir/pause.err" && echo "$scope" >>"$dir/pause-acked"
		sleep "$((RANDOM % 2)).$((RANDOM % 10))"
		echo "$scope" >>"$dir/resume-tried"
		sluicectl resume "$scope" >/dev/null 2>>"$dir/pause.err" && echo "$scope" >>"$dir/resume-acked"
		sleep "$((RANDOM % 2)).$((RANDOM % 10))"
	done
}

# wait_running ID: until job ID runs (0), or is done or unknown (1); sluiced
# may be down meanwhile.  2 after about a minute.
wait_running() {
	local out i
	for ((i = 0; i < 600; i++)); do
		out=$(busctl --system get-property org.sluice.Scheduler1 "/org/sluice/Scheduler1/job/$1" \
			org.sluice.Scheduler1.Job State 2>&1)
		case $out in
		*'"running"'*) return 0 ;;
		*'"done"'* | *UnknownObject* | *'Unknown object'*) return 1 ;;
		esac
		sleep 0.1
	done
	echo "job $1 never ran: $out" >>"$dir/stuck"
	return 2
}

stop() {
	local id
	while [[ ! -e $dir/stop ]]; do
		n=$((n + 1))
		if id=$(sluicectl submit crash-stop "code=$((RANDOM % 2))" 2>>"$dir/stop.err") &&
			[[ $id =~ ^[0-9]+$ ]]; then
			echo "$id" >>"$dir/stop-submitted"
			if wait_running "$id"; then
				if ((n % 2)); then
					retry_until_done 600 "already done" busctl --system call org.sluice.Scheduler1 \
						/org/sluice/Scheduler1 org.sluice.Scheduler1 CancelJob t "$id" &&
						echo "$id" >>"$dir/stop-acked"
				else
					retry_until_done 600 "already done" sluicectl cancel "$id" &&
						echo "$id" >>"$dir/stop-acked"
				fi
			fi
		fi
		sleep "$((RANDOM % 2)).$((RANDOM % 10))"
	done
}

"$role"
