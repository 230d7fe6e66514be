# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-limit.sh — class pair has MaxRunning=2: of six jobs, never more than
# two sluice-job units are active (sampled with systemctl list-units all along),
# and two do run together. Every job waits on a gate of its own, so the
# scenario decides when each may end: no timing involved.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

declare -A gate_of=()
ids=()
step "six jobs of class pair (MaxRunning=2)"
for _ in 1 2 3 4 5 6; do
	sluice_gate
	id=$(sluice_submit pair script="$(sluice_gate_script "$SLUICE_GATE")")
	gate_of[$id]=$SLUICE_GATE
	ids+=("$id")
done

max_seen=0 samples=0
# sample: the active units of our jobs, into $active (names), $count; fails
# the scenario when there are more than two.
sample() {
	local units u id
	units=$(container_exec systemctl list-units --no-legend --plain --all \
		--state=activating,active,deactivating,reloading 'sluice-job-*.service')
	active=()
	while read -r u _; do
		[[ -n $u ]] || continue
		id=${u#sluice-job-}
		id=${id%.service}
		[[ -n ${gate_of[$id]:-} ]] && active+=("$id")
	done <<<"$units"
	count=${#active[@]}
	samples=$((samples + 1))
	((count > max_seen)) && max_seen=$count
	((count <= 2)) || fail "$count units of class pair active at once (MaxRunning=2): ${active[*]}"$'\n'"$units"
}

# state ID: the job's State; a job that left the bus (sluiced crashed and
# forgot it) fails the scenario at once, with sluiced's journal.
state() {
	sluice_prop "$1" State || fail "job $1 is no longer on the bus"
}

done_count() {
	local id n=0 st
	for id in "${ids[@]}"; do
		st=$(state "$id") || exit 1
		[[ $st == "done" ]] && n=$((n + 1))
	done
	echo "$n"
}

step "let them through two by two, sampling the units all the time"
deadline=$(($(date +%s) + 4 * SLUICE_BOUND))
finished=0
while ((finished < ${#ids[@]})); do
	(($(date +%s) < deadline)) || fail "jobs of class pair still not done after $((4 * SLUICE_BOUND))s"
	sample
	want=$((${#ids[@]} - finished))
	((want > 2)) && want=2
	if ((count == want)); then
		# Both slots taken (or all that is left): the queued ones must wait.
		for id in "${ids[@]}"; do
			st=$(state "$id")
			if [[ $st == queued ]]; then
				assert_eq "class pair is full (2 of 2 running)" "$(sluice_prop "$id" WaitReason)" \
					"WaitReason of queued job $id"
				break
			fi
		done
		for id in "${active[@]}"; do
			sluice_gate_open "${gate_of[$id]}"
		done
		# Sample until those have ended.
		for id in "${active[@]}"; do
			while :; do
				st=$(state "$id")
				[[ $st != "done" ]] || break
				(($(date +%s) < deadline)) || fail "job $id still not done"
				sample
			done
		done
		finished=$(done_count)
	fi
done
echo "   $samples samples, at most $max_seen units active at once"
assert_eq 2 "$max_seen" "the most units of class pair active at once"

step "all six succeeded"
for id in "${ids[@]}"; do
	assert_eq "done success" "$(sluice_wait "$id")" "job $id"
done
