# SPDX-License-Identifier: LGPL-2.1-or-later
#
# scenario-alert.sh — alerts and notifiers against the real systemd and
# journal (conf/alert.conf): a silence alert (Within=3s) is raised, seen in the
# Alerts property, "sluicectl alerts", the journal with its MESSAGE_ID and the
# installed catalog's text under "journalctl -x", and its Notify= notifier job
# (a real transient unit) runs with SLUICE_ALERT_*; a success clears it, and
# the clear's notifier gets the succeeding job's SLUICE_JOB_*.  A failed
# command job of a class with OnFailure= starts that notifier with the job's
# SLUICE_JOB_* (id, result, exit status, parameters, unit, invocation id).

source "$SLUICE_SYSTEM_DIR/lib-sluice.sh"
sluice_setup

RAISED_ID=ace039390172443e9ff3530e2741aa0d
CLEARED_ID=27d59619caf54eb3ad15919fbdc141b2

step "the notifier script, then the drop-in (the alert starts watching now)"
container_exec rm -f /run/sluice-test/notify-*.env
container_exec sh -c 'cat > /run/sluice-test/envdump.sh' <<'SH'
f=/run/sluice-test/notify-${SLUICE_NOTIFIER:-none}-${SLUICE_ALERT_STATE:-job}-${SLUICE_JOB_ID:-none}.env
env > "$f.tmp" && mv "$f.tmp" "$f"
SH
since=$(container_exec date '+%Y-%m-%d %H:%M:%S')
sluice_add_dropin alert

alert_raised() {
	container_exec busctl get-property "$SLUICE_BUS" "$SLUICE_MANAGER" "$SLUICE_BUS" Alerts |
		grep -q '"alert-silence" "critical" "system test silence: no job of class alert-quiet succeeded within 3s"'
}
step "no success of class alert-quiet within 3 s: raised (Alerts property)"
wait_until "$SLUICE_BOUND" alert_raised

step "sluicectl alerts lists it, --json too"
assert_status 0 container_exec sluicectl alerts
assert_match 'alert-silence +critical .*system test silence: no job of class alert-quiet succeeded within 3s' \
	"$OUTPUT" "sluicectl alerts"
assert_status 0 container_exec sluicectl --json alerts
names=$(python3 -c 'import json,sys; print(" ".join(a["Name"] + "/" + a["Severity"] for a in json.loads(sys.argv[1])))' "$OUTPUT")
assert_contains "alert-silence/critical" "$names" "sluicectl --json alerts"

step "the journal entry: MESSAGE_ID, SLUICE_ALERT_* fields, priority crit"
journal_raised() {
	container_exec journalctl --no-pager -o json --since="$since" "MESSAGE_ID=$RAISED_ID" \
		SLUICE_ALERT_NAME=alert-silence | grep -q .
}
wait_until "$SLUICE_BOUND" journal_raised
entry=$(container_exec journalctl --no-pager -o json --since="$since" "MESSAGE_ID=$RAISED_ID" \
	SLUICE_ALERT_NAME=alert-silence | head -n1)
fields=$(python3 -c 'import json,sys; e=json.loads(sys.argv[1]); print(" ".join("%s=%s" % (k, e.get(k)) for k in ("PRIORITY","SLUICE_ALERT_SEVERITY","SLUICE_ALERT_STATE","SLUICE_ALERT_CLASS","_SYSTEMD_UNIT")))' "$entry")
assert_eq "PRIORITY=2 SLUICE_ALERT_SEVERITY=critical SLUICE_ALERT_STATE=raised SLUICE_ALERT_CLASS=alert-quiet _SYSTEMD_UNIT=sluiced.service" \
	"$fields" "the raised entry's fields"

step "journalctl -x explains it from the installed catalog (indexed by the install itself)"
assert_status 0 container_exec journalctl --no-pager -x --since="$since" "MESSAGE_ID=$RAISED_ID" SLUICE_ALERT_NAME=alert-silence
assert_contains "Subject: sluice alert alert-silence raised (critical)" "$OUTPUT" "journalctl -x"
assert_contains "The sluice job scheduler raised the alert alert-silence" "$OUTPUT" "journalctl -x"
assert_contains "system test silence: no job of class alert-quiet succeeded within 3s" "$OUTPUT" "journalctl -x"

step "the Notify= notifier ran as a unit with SLUICE_ALERT_* in its environment"
raised_env=/run/sluice-test/notify-alert-raised-none.env
wait_until "$SLUICE_BOUND" container_exec test -e "$raised_env"
env_raised=$(container_exec cat "$raised_env")
assert_contains "SLUICE_ALERT_NAME=alert-silence" "$env_raised" "raised notifier env"
assert_contains "SLUICE_ALERT_SEVERITY=critical" "$env_raised" "raised notifier env"
assert_contains "SLUICE_ALERT_STATE=raised" "$env_raised" "raised notifier env"
assert_contains "SLUICE_ALERT_CLASS=alert-quiet" "$env_raised" "raised notifier env"
assert_contains "SLUICE_ALERT_MESSAGE=system test silence: no job of class alert-quiet succeeded within 3s" "$env_raised" \
	"raised notifier env"
assert_contains "SLUICE_NOTIFIER=alert" "$env_raised" "raised notifier env"
assert_match $'(^|\n)INVOCATION_ID=[0-9a-f]{32}' "$env_raised" "the notifier ran in a systemd unit"

step "a success of the class clears it: signal severity cleared, journal, notifier with the job"
id=$(sluice_submit alert-quiet)
assert_eq "done success" "$(sluice_wait "$id")" "job $id"
alert_cleared() {
	! container_exec busctl get-property "$SLUICE_BUS" "$SLUICE_MANAGER" "$SLUICE_BUS" Alerts | grep -q alert-silence
}
wait_until "$SLUICE_BOUND" alert_cleared
journal_cleared() {
	container_exec journalctl --no-pager -o cat --since="$since" "MESSAGE_ID=$CLEARED_ID" \
		SLUICE_ALERT_NAME=alert-silence "SLUICE_JOB_ID=$id" | grep -qF "cleared: job $id of class alert-quiet succeeded"
}
wait_until "$SLUICE_BOUND" journal_cleared
cleared_env=/run/sluice-test/notify-alert-cleared-$id.env
wait_until "$SLUICE_BOUND" container_exec test -e "$cleared_env"
env_cleared=$(container_exec cat "$cleared_env")
assert_contains "SLUICE_ALERT_STATE=cleared" "$env_cleared" "cleared notifier env"
assert_contains "SLUICE_JOB_ID=$id" "$env_cleared" "cleared notifier env"
assert_contains "SLUICE_JOB_CLASS=alert-quiet" "$env_cleared" "cleared notifier env"
assert_contains "SLUICE_JOB_RESULT=success" "$env_cleared" "cleared notifier env"
assert_contains "SLUICE_JOB_UNIT=sluice-job-$id.service" "$env_cleared" "cleared notifier env"

step "OnFailure=: a command job exiting 7 starts the notifier with its SLUICE_JOB_*"
id=$(sluice_submit alert-work script="exit 7")
assert_eq "done failed" "$(sluice_wait "$id")" "job $id"
invocation=$(sluice_prop "$id" InvocationID)
assert_match '^[0-9a-f]{32}$' "$invocation" "InvocationID of job $id"
failure_env=/run/sluice-test/notify-on-failure-job-$id.env
wait_until "$SLUICE_BOUND" container_exec test -e "$failure_env"
env_failure=$(container_exec cat "$failure_env")
for want in "SLUICE_NOTIFIER=on-failure" "SLUICE_JOB_ID=$id" "SLUICE_JOB_CLASS=alert-work" \
	"SLUICE_JOB_KIND=command" "SLUICE_JOB_RESULT=failed" "SLUICE_JOB_EXIT_STATUS=7" \
	"SLUICE_JOB_PARAM_script=exit 7" "SLUICE_JOB_PARAMETERS=script=exit 7" \
	"SLUICE_JOB_UNIT=sluice-job-$id.service" "SLUICE_JOB_INVOCATION_ID=$invocation" "SLUICE_JOB_ATTEMPT=1"; do
	assert_contains "$want" "$env_failure" "OnFailure= notifier env"
done

step "the notifiers are jobs of their own that succeeded, and notified nobody"
notifier_jobs() {
	container_exec sluicectl --json list --class alert-envdump |
		python3 -c 'import json,sys; j=json.load(sys.stdin); print(len(j) >= 3, sorted({x["Result"] for x in j}))'
}
# (The silence is raised again 3 s after the success: a fourth may come.)
notifiers_done() {
	[[ $(notifier_jobs) == "True ['success']" ]]
}
wait_until "$SLUICE_BOUND" notifiers_done
