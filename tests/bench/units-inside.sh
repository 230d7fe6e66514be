#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# units-inside.sh COMMAND ... — the parts of tests/bench/run-units.sh that run
# inside the throwaway systemd container (copied in by run-units.sh). Each
# measurement prints one line RESULT jobs=N seconds=S rate=R failed=F.
#
#   units-inside.sh systemd-run-loop N WORKERS TAG
#       N units of /bin/true, each by `systemd-run --wait`, from WORKERS shell
#       loops running side by side (N/WORKERS each): the same unit properties
#       as sluice's jobs (Type=exec, Slice=sluice.slice,
#       CollectMode=inactive-or-failed). As root, systemd-run talks to PID 1 on
#       its private socket.
#   units-inside.sh tsp N SLOTS
#       task-spooler: `tsp -S SLOTS`, N jobs of /bin/true enqueued by `tsp -n`,
#       then a last job needing all SLOTS slots (-N SLOTS: it starts only when
#       every earlier job has finished) that `tsp -w` waits for. tsp runs the
#       commands as its own children: no unit, no cgroup, no isolation.
#   units-inside.sh cpu PID...
#       utime+stime of each PID in ms (0 for a PID that is gone), one line.
set -euo pipefail

now() { date +%s%N; }

result() { # N START END FAILED
	awk -v n="$1" -v s="$2" -v e="$3" -v f="$4" \
		'BEGIN { t = (e - s) / 1e9; printf "RESULT jobs=%d seconds=%.3f rate=%.1f failed=%d\n", n, t, n / t, f }'
}

cmd=${1:?usage: units-inside.sh systemd-run-loop|tsp|cpu ...}
shift
case $cmd in
systemd-run-loop)
	n=$1 workers=$2 tag=$3
	per=$((n / workers))
	loop() { # FIRST LAST
		local i failed=0
		for ((i = $1; i <= $2; i++)); do
			systemd-run --wait --quiet --unit="bench-run-$tag-$i" --slice=sluice.slice \
				-p Type=exec -p CollectMode=inactive-or-failed /bin/true || failed=$((failed + 1))
		done
		echo "$failed" >"/run/bench-run-$tag-$1.failed"
	}
	start=$(now)
	pids=()
	for ((w = 0; w < workers; w++)); do
		first=$((w * per + 1))
		last=$(((w + 1) * per))
		((w < workers - 1)) || last=$n
		loop "$first" "$last" &
		pids+=($!)
	done
	wait "${pids[@]}"
	end=$(now)
	failed=0
	for ((w = 0; w < workers; w++)); do
		f=/run/bench-run-$tag-$((w * per + 1)).failed
		failed=$((failed + $(cat "$f")))
		rm -f "$f"
	done
	result "$n" "$start" "$end" "$failed"
	;;
tsp)
	n=$1 slots=$2
	export TS_SOCKET=/run/sluice-bench-tsp.socket TS_MAXFINISHED=$((n + 10)) TS_MAXCONN=$((n + 10))
	ulimit -n 8192
	tsp=$(command -v tsp || command -v ts || true)
	[[ -n $tsp ]] || { echo "units-inside.sh: no tsp (apt-get install task-spooler)" >&2; exit 1; }
	"$tsp" -K >/dev/null 2>&1 || true
	"$tsp" -S "$slots"
	start=$(now)
	for ((i = 1; i <= n; i++)); do
		"$tsp" -n /bin/true >/dev/null
	done
	last=$("$tsp" -n -N "$slots" /bin/true)
	"$tsp" -w "$last" || true
	end=$(now)
	# Every job's exit status (E-Level, column 4 of `tsp -l`), the last one included.
	"$tsp" -l | awk 'NR > 1 && ($2 != "finished" || $4 != 0)' >/run/sluice-bench-tsp.failed
	failed=$(wc -l </run/sluice-bench-tsp.failed)
	if ((failed > 0)); then
		echo "units-inside.sh: tsp jobs that did not finish with status 0:" >&2
		head -n 5 /run/sluice-bench-tsp.failed >&2
	fi
	"$tsp" -K >/dev/null 2>&1 || true
	result "$n" "$start" "$end" "$failed"
	;;
cpu)
	hz=$(getconf CLK_TCK)
	out=()
	for pid in "$@"; do
		if [[ $pid != 0 && -r /proc/$pid/stat ]]; then
			out+=("$(sed 's/.*) //' "/proc/$pid/stat" | awk -v hz="$hz" '{ printf "%d", ($12 + $13) * 1000 / hz }')")
		else
			out+=(0)
		fi
	done
	echo "${out[*]}"
	;;
*)
	echo "units-inside.sh: unknown command '$cmd'" >&2
	exit 2
	;;
esac
