# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-logs.sh — "sluicectl logs JOB" against the real journal (issue 12
# item 8): -f shows a line the job prints after it started and exits by itself
# when the job ends; -n 2 is the last two lines (journalctl's meaning, also
# -n2 and --lines=2); --since/--until in systemd.time(7) reach journalctl;
# --json gives journalctl's JSON, one entry per line; a bad -o is refused
# naming the option; a job that never started is said to have no output.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

step "logs -f: the lines printed while it follows, and it exits when the job ends"
sluice_gate
g=$SLUICE_GATE
id=$(sluice_submit sh script="echo logs-before; $(sluice_gate_script "$g"); echo logs-after-gate; echo logs-last")
wait_until "$SLUICE_BOUND" sluice_running "$id"
wait_until "$SLUICE_BOUND" sluice_journal_has "$id" logs-before
follow_out=/run/sluice-test/logs-f-$id
# In the background on the host: sluicectl in the container, its output and status in files
# (not "$out": wait_until has a local of that name).
container_exec sh -c "sluicectl logs -f -o cat $id >$follow_out.out 2>$follow_out.err; echo \$? >$follow_out.rc" &
follower=$!
logs_f_shows() { container_exec grep -qxF -- "$1" "$follow_out.out"; }
wait_until "$SLUICE_BOUND" logs_f_shows logs-before
assert_status 1 container_exec test -e "$follow_out.rc"     # still following
sluice_gate_open "$g"
assert_eq "done success" "$(sluice_wait "$id")" "Wait(finished) of job $id"
logs_f_ended() { container_exec test -s "$follow_out.rc"; }
wait_until "$SLUICE_BOUND" logs_f_ended
wait "$follower" || true
assert_eq 0 "$(container_exec cat "$follow_out.rc")" "the exit status of sluicectl logs -f $id"
assert_eq $'logs-before\nlogs-after-gate\nlogs-last' "$(container_exec cat "$follow_out.out")" \
	"what sluicectl logs -f $id printed"
assert_eq "" "$(container_exec cat "$follow_out.err")" "the stderr of sluicectl logs -f $id"

step "logs -f told to stop (SIGTERM; Ctrl+C sends SIGINT to both it and journalctl) ends quietly, status 0"
sluice_gate
g2=$SLUICE_GATE
id4=$(sluice_submit sh script="echo term-before; $(sluice_gate_script "$g2")")
wait_until "$SLUICE_BOUND" sluice_running "$id4"
wait_until "$SLUICE_BOUND" sluice_journal_has "$id4" term-before
t=/run/sluice-test/logs-term-$id4
container_exec sh -c "sluicectl logs -f -o cat $id4 >$t.out 2>$t.err & echo \$! >$t.pid; wait \$!; echo \$? >$t.rc" &
term_follower=$!
logs_term_shows() { container_exec grep -qxF -- term-before "$t.out"; }
wait_until "$SLUICE_BOUND" logs_term_shows
container_exec sh -c "kill -TERM \$(cat $t.pid)"
logs_term_ended() { container_exec test -s "$t.rc"; }
wait_until "$SLUICE_BOUND" logs_term_ended
wait "$term_follower" || true
assert_eq 0 "$(container_exec cat "$t.rc")" "the exit status of sluicectl logs -f $id4 after SIGTERM"
assert_eq "" "$(container_exec cat "$t.err")" "the stderr of sluicectl logs -f $id4 after SIGTERM"
assert_eq running "$(sluice_prop "$id4" State)" "job $id4 after its follower left"
sluice_gate_open "$g2"
assert_eq "done success" "$(sluice_wait "$id4")" "Wait(finished) of job $id4"

step "logs -f of a job that already ended prints its lines and exits"
assert_status 0 container_exec sluicectl logs -f -o cat "$id"
assert_contains logs-last "$OUTPUT" "sluicectl logs -f $id after its end"

step "-n 2: the last two lines, as journalctl -n"
id2=$(sluice_submit sh script="for i in 1 2 3 4 5; do echo five-\$i; done")
assert_eq "done success" "$(sluice_wait "$id2")" "Wait(finished) of job $id2"
wait_until "$SLUICE_BOUND" sluice_journal_has "$id2" five-5
for n in "-n 2" "-n2" "--lines=2"; do
	# shellcheck disable=SC2086 # $n is one or two words on purpose
	assert_status 0 container_exec sluicectl logs $n -o cat "$id2"
	assert_eq $'five-4\nfive-5' "$OUTPUT" "sluicectl logs $n -o cat $id2"
done
# "-n" alone is journalctl's 10: all five here; "-n 1 ID" takes 1 as the count
assert_status 0 container_exec sluicectl logs -o cat -n "$id2"
assert_eq $'five-1\nfive-2\nfive-3\nfive-4\nfive-5' "$OUTPUT" "sluicectl logs -o cat -n $id2"
assert_status 0 container_exec sluicectl logs -o cat -n 1 "$id2"
assert_eq five-5 "$OUTPUT" "sluicectl logs -o cat -n 1 $id2"

step "--since/--until in systemd.time(7)"
assert_status 0 container_exec sluicectl logs -o cat --since=-1h "$id2"
assert_contains five-1 "$OUTPUT" "sluicectl logs --since=-1h $id2"
assert_status 0 container_exec sluicectl logs -o cat --until=yesterday "$id2"
assert_not_contains five-1 "$OUTPUT" "sluicectl logs --until=yesterday $id2"
assert_status 0 container_exec sluicectl logs -o cat --since=yesterday --until=+1h "$id2"
assert_contains five-5 "$OUTPUT" "sluicectl logs --since=yesterday --until=+1h $id2"

step "-q before the verb reaches journalctl: no \"-- No entries --\""
assert_status 0 container_exec sluicectl logs --no-pager --until=yesterday "$id2"
assert_contains "-- No entries --" "$OUTPUT" "sluicectl logs --until=yesterday $id2"
assert_status 0 container_exec sluicectl -q --no-pager logs --until=yesterday "$id2"
assert_eq "" "$OUTPUT" "sluicectl -q --no-pager logs --until=yesterday $id2"

step "--json: journalctl's JSON, one entry per line, each parses"
assert_status 0 container_exec sluicectl logs --json "$id2"
json=$OUTPUT
assert_status 0 python3 -c '
import json, sys
lines = sys.argv[1].splitlines()
msgs = [json.loads(l)["MESSAGE"] for l in lines]
assert msgs == ["five-%d" % i for i in range(1, 6)], msgs
' "$json"
assert_status 0 container_exec sluicectl --json logs -n 1 "$id2"
assert_status 0 python3 -c 'import json, sys; assert json.loads(sys.argv[1])["MESSAGE"] == "five-5"' "$OUTPUT"

step "a bad -o is refused naming the option; --json with another -o too"
assert_status 2 container_exec sluicectl logs -o bogus "$id2"
assert_contains 'invalid --output value "bogus"' "$OUTPUT" "sluicectl logs -o bogus"
assert_status 2 container_exec sluicectl logs --json -o cat "$id2"
assert_contains "--json and --output=cat" "$OUTPUT" "sluicectl logs --json -o cat"

step "a job that never started: no unit, no output, said so"
id3=$(sluice_submit --not-before=+1d sh script="echo never")
assert_status 1 container_exec sluicectl logs "$id3"
assert_contains "job $id3 has not started yet (queued): no unit, no output" "$OUTPUT" "sluicectl logs $id3"
assert_status 0 container_exec sluicectl cancel "$id3"
assert_status 1 container_exec sluicectl logs "$id3"
assert_contains "job $id3 never started (cancelled)" "$OUTPUT" "sluicectl logs $id3 after its cancel"
