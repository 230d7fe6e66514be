# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-flood.sh — one local user floods, another is not refused (issue 10,
# item 8). uid 65534 floods Submit() from 8 connections, 100 calls awaiting
# replies on each, against the real polkitd, which refuses it; meanwhile a user
# whom a polkit rule allows to submit class probe submits 30 jobs, one after
# the other. Every one of them must succeed (before the fix, 32 of 34 failed
# with "NotPermitted … polkit is not available": the bus's LimitsExceeded taken
# for polkit's answer). Their latency is printed beside the same 30 Submits
# unloaded, measured first. The flood's own replies: polkit's "no"
# (NotPermitted), never "polkit is not available", and no more of them than
# its uid's tokens allow (src/daemon/call-rate.h: a burst of 200, then 50 a
# second): the flooder waits for its replies, so sluiced holding them slows
# it down (before, it got ~3 600 replies a second, most of them an immediate
# LimitsExceeded). sluiced's refusal lines in the journal stay within the
# rate limit: at most 20 per 10 s, plus one "suppressed" line
# (src/daemon/log.h).
#
# No timing threshold: the latencies are printed, not judged (the long run,
# tests/bench/flood.sh, reports the p99 against the unloaded one); the bounds
# on the flood's replies and on the journal are counts derived from how long
# the flood lasted.

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

PROBE_USER=sluice-flood-ok
FLOODER=65534
RULES=/etc/polkit-1/rules.d/49-sluice-flood.rules
CLIENT=$SLUICE_BUILD_DIR/tests/bench/flood-client
N_PROBE=30
# Rate limit of refusal lines (LOG_REFUSAL_BURST, LOG_REFUSAL_INTERVAL_USEC).
BURST=20
INTERVAL=10
# A uid's polkit checks (CALL_RATE_BURST, CALL_RATE_PER_SEC).
CHECK_BURST=200
CHECK_RATE=50

[[ -x $CLIENT ]] || fail "$CLIENT is missing (built with tests/bench)"
# Inside, whatever the build directory (a host /tmp is not the container's).
container_copy_in "$CLIENT" /usr/local/libexec/sluice-test/flood-client
CLIENT=/usr/local/libexec/sluice-test/flood-client

polkit_rules_loaded_since() {
	container_exec journalctl --no-pager -o cat -u polkit.service --after-cursor="$1" |
		grep -q 'Finished loading, compiling and executing'
}
flood_pid=
cleanup_flood() {
	local rc=$?
	container_exec touch /tmp/sluice-flood-stop 2>/dev/null || true
	[[ -z $flood_pid ]] || wait "$flood_pid" 2>/dev/null || true
	container_exec rm -f "$RULES" /tmp/sluice-flood-stop /tmp/sluice-flood-ready 2>/dev/null || true
	for id in $(container_exec sluicectl list 2>/dev/null | awk 'NR > 1 && $3 != "done" && $2 == "probe" { print $1 }'); do
		container_exec sluicectl cancel "$id" >/dev/null 2>&1 || true
	done
	sluice_cleanup "$rc"
}
trap cleanup_flood EXIT

step "a user whom polkit lets submit class probe; uid $FLOODER, whom it does not"
container_exec sh -c "id $PROBE_USER >/dev/null 2>&1 || useradd --no-create-home --no-user-group $PROBE_USER"
PROBE_UID=$(container_exec id -u "$PROBE_USER")
cat >"$SCENARIO_TMP/flood.rules" <<RULES
// scenario-flood.sh: $PROBE_USER may submit class probe.
polkit.addRule(function(action, subject) {
        if (action.id == "org.sluice.submit" && action.lookup("class") == "probe" &&
            subject.user == "$PROBE_USER")
                return polkit.Result.YES;
        return polkit.Result.NOT_HANDLED;
});
RULES
assert_status 0 container_exec systemctl start polkit.service
cursor=$(container_exec journalctl --no-pager -n 0 --show-cursor -u polkit.service | sed -n 's/^-- cursor: //p')
[[ -n $cursor ]] || fail "no journal cursor"
container_copy_in "$SCENARIO_TMP/flood.rules" "$RULES"
wait_until "$SLUICE_BOUND" polkit_rules_loaded_since "$cursor"

step "classes probe and flood; probe paused (its jobs stay queued)"
sluice_add_dropin flood
sluice_pause class:probe

step "unloaded: $N_PROBE Submits of class probe as $PROBE_USER (uid $PROBE_UID), one after the other"
assert_status 0 container_exec_as "$PROBE_UID" "$CLIENT" probe probe --count "$N_PROBE"
baseline=$(grep '^probe: [0-9]* Submits' <<<"$OUTPUT")
echo "   $baseline"

step "uid $FLOODER floods Submit(flood) from 8 connections × 100 calls awaiting replies"
container_exec rm -f /tmp/sluice-flood-stop /tmp/sluice-flood-ready
jcursor=$(container_exec journalctl --no-pager -n 0 --show-cursor -u sluiced.service | sed -n 's/^-- cursor: //p')
[[ -n $jcursor ]] || fail "no journal cursor for sluiced"
flood_started=$(date +%s%N)
container_exec_as "$FLOODER" "$CLIENT" flood flood --connections 8 --window 100 \
	--stop-file /tmp/sluice-flood-stop --ready-file /tmp/sluice-flood-ready --max-seconds 240 \
	>"$SCENARIO_TMP/flood.out" 2>&1 &
flood_pid=$!
flood_ready() {
	container_exec test -e /tmp/sluice-flood-ready
}
wait_until "$SLUICE_BOUND" flood_ready

step "meanwhile: the same $N_PROBE Submits as $PROBE_USER — every one succeeds"
status=0
OUTPUT=$(container_exec_as "$PROBE_UID" "$CLIENT" probe probe --count "$N_PROBE" 2>&1) || status=$?
loaded=$(grep '^probe: [0-9]* Submits' <<<"$OUTPUT" || true)
flood_alive=1
kill -0 "$flood_pid" 2>/dev/null || flood_alive=0
container_exec touch /tmp/sluice-flood-stop
wait "$flood_pid" || fail "the flood client failed: $(cat "$SCENARIO_TMP/flood.out")"
flood_pid=
flood_seconds=$((($(date +%s%N) - flood_started + 999999999) / 1000000000))
echo "   unloaded:      $baseline"
echo "   under a flood: $loaded"
sed 's/^/   /' "$SCENARIO_TMP/flood.out"
((flood_alive)) || fail "the flood ended before the probe did: it proves nothing"
if ((status != 0)); then
	grep -v '^probe: [0-9]* [0-9]* us ok$' <<<"$OUTPUT" | sed 's/^/   /'
	fail "an authorized user's Submit failed while uid $FLOODER flooded"
fi
assert_match "^probe: $N_PROBE Submits of class probe from uid $PROBE_UID: $N_PROBE ok, 0 failed" "$loaded" \
	"the authorized user's Submits under the flood"

step "the flood's replies: polkit's no, at its uid's rate, never 'polkit is not available'"
flood_out=$(cat "$SCENARIO_TMP/flood.out")
assert_match "[0-9]+ org\.sluice\.Error\.NotPermitted \(e\.g\. \"not permitted: org\.sluice\.submit for class flood\"\)" \
	"$flood_out" "polkit refused the flood"
assert_not_contains "polkit unavailable" "$flood_out" "the flood's own replies"
# "flood: N Submits from uid U on K connections in T s: M ok": every reply
# of the flood waited for a token (its 800 calls in the air fit in the 1024
# sluiced holds for one uid, none is refused at once), so N <= burst + rate x T.
read -r flood_calls flood_secs < <(sed -n 's/^flood: \([0-9]*\) Submits .* in \([0-9.]*\) s: .*/\1 \2/p' <<<"$flood_out")
[[ -n $flood_calls && -n $flood_secs ]] || fail "no summary line from the flood client: $flood_out"
flood_bound=$(awk -v t="$flood_secs" -v b="$CHECK_BURST" -v r="$CHECK_RATE" 'BEGIN { printf "%d", b + r * (int(t) + 1) + 2 }')
echo "   $flood_calls calls of uid $FLOODER answered in $flood_secs s (its tokens allow $flood_bound)"
(( flood_calls <= flood_bound )) ||
	fail "uid $FLOODER got $flood_calls replies in $flood_secs s: more than its $CHECK_RATE checks a second (burst $CHECK_BURST) allow"
assert_not_contains "LimitsExceeded (sluiced)" "$flood_out" "the flood's window fits in what sluiced holds for one uid"
assert_not_contains "(bus)" "$flood_out" "no LimitsExceeded from the bus itself reached the flooder"
assert_eq active "$(container_exec systemctl is-active sluiced.service)" "sluiced after the flood"

step "sluiced's refusal lines in the journal during the flood"
refused=$(container_exec journalctl --no-pager -o cat -u sluiced.service --after-cursor="$jcursor" |
	grep -c '^refused ' || true)
suppressed=$(container_exec journalctl --no-pager -o cat -u sluiced.service --after-cursor="$jcursor" |
	grep -c '^suppressed [0-9]* messages' || true)
refusals=$(awk '/^flood: .*NotPermitted|^flood: .*LimitsExceeded/ { n += $2 } END { print n + 0 }' \
	<<<"$(sed 's/^flood:   /flood: /' "$SCENARIO_TMP/flood.out")")
intervals=$(((flood_seconds + INTERVAL - 1) / INTERVAL + 1))
bound=$(((BURST + 1) * intervals))
echo "   $refusals calls refused in $flood_seconds s; $refused 'refused' lines and $suppressed 'suppressed' lines in the journal (bound: $bound)"
(( refused + suppressed <= bound )) ||
	fail "$((refused + suppressed)) refusal lines in the journal: the rate limit allows $bound in $flood_seconds s"
(( refusals > refused )) || fail "the flood was not refused more often than logged: the rate limit was not tested"
